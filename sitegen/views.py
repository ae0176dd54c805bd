"""What templates see, made from a page's inputs (`kinds.py`) and the settings alone: the
pieces many views share (a paper as lists show it, links to authors and categories) and
the pure helpers that lay out charts, calendars and pagers. Nothing here sees the archive.

Every path in a view is relative to the output folder; templates prefix it with `root`,
the way back from the page being rendered, so links work from `file://` and any host.
"""

from __future__ import annotations

import calendar
import dataclasses
import heapq
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Iterable
from urllib.parse import quote

from . import routes
from .archive import Paper
from .config import Config
from .dependencies import Digested, digest_of
from .feeds import atom_entry
from .markup import has_math, math_html
from .taxonomy import category_name
from .venues import JOURNAL, Venue

AUTHORS_IN_LISTS = 12  # a listing shows this many names, then "and N more"
COAUTHORS_SHOWN = 60  # an author page names this many co-authors, then "and N more"
CHART_HEIGHT = 60
CHART_WIDTH = 600  # SVG units, drawn as CSS pixels where the screen has room
BAR_WIDTHS = (4, 24)  # narrowest and widest bar, gap included: a single month is a bar, not a block
YEARLY_ABOVE = 60  # months: a longer chart would draw hairlines on a phone, which sees a bar per year
PAGER_WINDOW = 2  # a category page links this many pages either side of itself, besides the newest and oldest
ENTRIES_KEPT = 10_000  # papers whose Atom and BibTeX entries a process keeps, twice over (`Present`, `Kept`)
ITEMS_KEPT = 10_000  # papers a process keeps as lists show them, twice over (`Present.item`)


@dataclass(frozen=True)
class Site:
    """What every page may show of the site: settings only, so adding papers changes no
    page that does not show them (totals are on the home page's view)."""

    title: str
    description: str
    language: str
    base_url: str


@dataclass(frozen=True, eq=False, repr=False, slots=True)
class Listed(Digested):
    """A paper as lists show it, and what an author page counts from it (all its authors
    and categories): an input of every page that lists the paper, made once per build.
    Author and category paths come along, as the archive alone knows them (a renamed
    slug, a category without a page)."""

    id: str
    title: str
    published: date
    authors: tuple[str, ...]
    author_paths: tuple[str, ...]
    categories: tuple[str, ...]  # the primary first
    category_paths: tuple[str | None, ...]  # None: no page (not an arXiv category)
    digest: str

    @classmethod
    def of(cls, paper: Paper, author_paths: tuple[str, ...], category_paths: tuple[str | None, ...]) -> Listed:
        """`paper` as lists show it, with what the archive says of its authors and categories.
        Its digest is the paper's key (the digest of the entry the paper's fields come from)
        and every other argument: whatever the archive adds must come in as an argument."""
        return cls(paper.id, paper.title, paper.published.date(), paper.authors, author_paths,
                   paper.categories, category_paths, digest_of(paper.key, author_paths, category_paths))


@dataclass(frozen=True, eq=False, repr=False, slots=True)
class Whole(Digested):
    """A paper shown whole (its page, feeds, bibliographies): an input made once per build."""

    paper: Paper
    digest: str

    @classmethod
    def of(cls, paper: Paper) -> Whole:
        """The digest is the paper's key (the digest of the entry every field of the paper
        but its listings comes from; its venue comes from the entry and the settings) and
        its listings."""
        return cls(paper, digest_of(paper.key, paper.listings))


class Present:
    """The pieces many views share, made once per build or kept while the pages that show
    them are rendered (a paper is listed on its day, its categories and every author's
    page), and the settings: never the archive. Caches are keyed by the inputs themselves
    (a `Listed` by identity: one per paper)."""

    def __init__(self, config: Config):
        self.config = config
        self.site = Site(config.title, config.description, config.language, config.base_url)
        # A paper as lists show it, kept for the pages rendered lately only (`Kept`): pages
        # come in an order that lists the same papers together (a day's, a category's,
        # co-authors' one after another: `kinds.PageRenderer.order`), and one kept for every
        # paper would grow with the archive, in every rendering process (docs/benchmarks.md).
        self.item = Kept(ITEMS_KEPT, self._item)
        self._team: tuple = (None, None)  # (a Listed, what `sole_paper_links` made of it)
        self._categories: dict[tuple[str, str | None], dict[str, Any]] = {}
        # A paper's Atom and BibTeX entries, each the same in every file that lists the paper:
        # its authors' feeds and bibliographies (five authors on average), its day's, its
        # venue-year's, its page. Made once and kept while co-authors' files are made, one
        # after another (`kinds.PageRenderer.order`); only the last papers' (`Kept`), so a
        # process holds some 50 MB of them at most, whatever the archive's size.
        self.feed_entry = Kept(ENTRIES_KEPT, lambda whole: atom_entry(config, whole.paper))
        self.bibtex = Kept(ENTRIES_KEPT, lambda whole: bibtex(whole.paper))

    def _item(self, listed: Listed) -> dict[str, Any]:
        """A paper as listings show it (`item`, which keeps it a while)."""
        title = math_html(listed.title)
        return {
            "id": listed.id, "path": routes.paper(listed.id), "title": listed.title, "title_html": title,
            "authors": self.author_links(listed.authors[:AUTHORS_IN_LISTS], listed.author_paths),
            "more_authors": max(len(listed.authors) - AUTHORS_IN_LISTS, 0),
            "published": listed.published, "primary": self.category_link(listed.categories[0],
                                                                         listed.category_paths[0]),
            "has_math": has_math(title), "featured": None,
        }

    def items(self, papers: Iterable[Listed]) -> list[dict[str, Any]]:
        return [self.item(listed) for listed in papers]

    def author_item(self, listed: Listed, name: str) -> dict[str, Any]:
        """A paper as the page of its author `name` lists it: when the list of authors is
        cut before `name` (`and 21 more`), `name` still shows, after the cut and before
        the rest: `A, B, …, Name and 20 more`. Otherwise the paper as every list shows it."""
        authors = listed.authors
        if len(authors) <= AUTHORS_IN_LISTS or name in authors[:AUTHORS_IN_LISTS]:
            return self.item(listed)
        position = authors.index(name)
        return dict(self.item(listed), featured=self.author_link(name, listed.author_paths[position]),
                    skipped=position > AUTHORS_IN_LISTS, more_authors=len(authors) - position - 1)

    def author_links(self, names: Iterable[str], paths: Iterable[str]) -> list[dict[str, str]]:
        return [self.author_link(name, path) for name, path in zip(names, paths)]

    def author_link(self, name: str, path: str) -> dict[str, str]:
        """(Not cached: made anew costs less than looking it up, and one kept for every
        author would grow with the archive, in every rendering process.)"""
        return {"name": name, "path": path}

    def category_link(self, code: str, path: str | None) -> dict[str, Any]:
        """(Cached: a category is linked from each of its papers' pages and authors.)"""
        link = self._categories.get((code, path))
        if link is None:
            link = self._categories[code, path] = {"code": code, "name": category_name(code), "path": path}
        return link

    def counted_categories(self, papers: Iterable[Listed]) -> list[dict[str, Any]]:
        """The categories of `papers`, most frequent first (ties by code), with their counts."""
        counts = Counter(pair for listed in papers for pair in zip(listed.categories, listed.category_paths))
        ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0][0]))
        return [dict(self.category_link(code, path), count=count) for (code, path), count in ordered]

    def top_coauthors(self, name: str, papers: Iterable[Listed]) -> tuple[list[dict[str, Any]], int]:
        """The COAUTHORS_SHOWN most frequent co-authors of `name` (ties by name), and how many there are.

        A paper with thousands of authors would otherwise put every co-author on every one of
        their pages: output quadratic in the author count.
        """
        counts = Counter(pair for listed in papers for pair in zip(listed.authors, listed.author_paths)
                         if pair[0] != name)
        top = heapq.nsmallest(COAUTHORS_SHOWN, counts.items(), key=lambda item: (-item[1], item[0][0]))
        return [dict(self.author_link(other, path), count=count) for (other, path), count in top], len(counts)

    def sole_paper_links(self, name: str, listed: Listed) -> tuple[list[dict[str, Any]], int, list[dict[str, Any]]]:
        """The co-authors (the first COAUTHORS_SHOWN), their number and the categories of
        an author of one paper: the paper's other authors by name and its categories, each
        counted once. Most authors have one paper; what their pages show of it is built
        once per paper, not once per author, and kept for the last paper only: its authors'
        pages are rendered one after the other (`Renderer.order`)."""
        last, team = self._team
        if last is not listed:
            pairs = sorted(zip(listed.authors, listed.author_paths))
            shown = pairs[:COAUTHORS_SHOWN + 1]  # enough, whichever of them `name` is
            team = ([other for other, _ in pairs], [dict(self.author_link(other, path), count=1) for other, path in shown],
                    self.counted_categories((listed,)))
            self._team = (listed, team)
        names, links, categories = team
        coauthors = [link for other, link in zip(names, links) if other != name][:COAUTHORS_SHOWN]
        return coauthors, len(names) - 1, categories


class Kept:
    """`make(key)`, kept for the keys asked for lately: the last `size` of them, and the
    `size` before those (when the newer half fills, it becomes the older one)."""

    def __init__(self, size: int, make: Callable[[Any], Any] | None = None):
        self.size = size
        self.make = make
        self.newer: dict[Any, Any] = {}
        self.older: dict[Any, Any] = {}

    def __call__(self, key: Any) -> Any:
        return self.kept(key, self.make)

    def kept(self, key: Any, make: Callable[[Any], Any]) -> Any:
        """The value kept for `key`, or `make(key)` (never None), kept."""
        value = self.newer.get(key)
        if value is None:
            value = self.older.get(key)
            if value is None:
                value = make(key)
            if len(self.newer) >= self.size:
                self.older, self.newer = self.newer, {}
            self.newer[key] = value
        return value

    def clear(self) -> None:
        self.newer, self.older = {}, {}


def chart(per_month: Counter) -> dict[str, Any]:
    """Papers per month as bars for an inline SVG (no script needed to see it); over
    more than YEARLY_ABOVE months also per year, the chart narrow screens show."""
    months = _months_between(min(per_month), max(per_month))
    by_month = _bars([(f"{calendar.month_abbr[month]} {year}", per_month[year, month]) for year, month in months])
    by_year = None
    if len(months) > YEARLY_ABOVE:
        per_year: Counter = Counter()
        for (year, _), count in per_month.items():
            per_year[year] += count
        by_year = _bars([(str(year), per_year[year]) for year in range(months[0][0], months[-1][0] + 1)])
    return {"months": by_month, "years": by_year}


def month_index(code: str, starts: dict[tuple[int, int], int | None], per_month: Counter) -> list[dict[str, Any]]:
    """Every year of the category, newest first, with each month that has papers linked
    to the page where it starts (`starts`, None for the front page) and shaded by how many
    it has (as the archive's days)."""
    levels = _levels(per_month.values())
    return [{"year": year, "months": [None if (year, month) not in starts else {
                "name": calendar.month_abbr[month],
                "path": routes.category(code, starts[year, month]),
                "level": 1 + sum(per_month[year, month] > level for level in levels)}
                for month in range(1, 13)]}
            for year in sorted({year for year, _ in starts}, reverse=True)]


def pager_numbers(number: int, last: int) -> tuple[int | None, ...]:
    """The pages a category page links to, newest first: the newest (the front page, as
    None: it is named, not numbered, so a page's pager changes only when the category
    grows near it, not on every page whenever a page is added), the oldest, and
    PAGER_WINDOW pages either side of `number`; 0 stands for each run of pages left out
    (a run of one is shown instead: `…` would hide no more)."""
    shown = {1, last, *range(max(1, number - PAGER_WINDOW), min(last, number + PAGER_WINDOW) + 1)}
    shown |= {n + 1 for n in shown if 1 < n + 1 < last and n + 2 in shown}  # (a window's size, not the list's)
    numbers: list[int | None] = []
    previous = None
    for n in sorted(shown, reverse=True):
        if previous is not None and previous > n + 1:
            numbers.append(0)
        previous = n
        numbers.append(None if n == last else n)
    return tuple(numbers)


def paging(number: int, front: bool, numbers: tuple[int | None, ...] | None, newer: int | None,
           path_of: Callable[[int | None], str]) -> dict[str, Any]:
    """Where page `number` sits in a paged list (a category, a venue's year), from its
    `pager_numbers` (None: one page only) and the number of the next newer page (None:
    the front page, at `path_of(None)`)."""
    return {
        "number": number, "front": front,
        "pager": [None if n == 0 else {"number": n, "label": "Newest" if n is None else str(n),
                                       "current": n == (None if front else number), "path": path_of(n)}
                  for n in numbers] if numbers else None,
        "newer": None if front else path_of(newer),
        "older": path_of(number - 1) if number > 1 else None,
    }


def venue_link(venue: Venue) -> dict[str, Any]:
    """A paper's venue as its page shows it; an accepted one links the venue's page of its year."""
    return dict(dataclasses.asdict(venue), path=routes.venue(venue.slug, venue.year) if venue.accepted else None)


def _months_between(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    return [(year, month) for year in range(first[0], last[0] + 1) for month in range(1, 13)
            if first <= (year, month) <= last]


def _bars(counted: list[tuple[str, int]]) -> dict[str, Any]:
    """A bar per (label, count), as wide as fits CHART_WIDTH within BAR_WIDTHS."""
    peak = max(count for _, count in counted)
    width = min(max(CHART_WIDTH // len(counted), BAR_WIDTHS[0]), BAR_WIDTHS[1])
    bars = []
    for position, (label, count) in enumerate(counted):
        height = round(CHART_HEIGHT * count / peak, 1)
        bars.append({"x": position * width, "y": CHART_HEIGHT - height, "height": height, "count": count,
                     "label": label})
    return {"bars": bars, "bar_width": width, "width": width * len(counted), "height": CHART_HEIGHT,
            "peak": peak, "first": counted[0][0], "last": counted[-1][0]}


def _levels(counts) -> list[int]:
    """Quartile thresholds, so shading tells busy days from quiet ones in any archive."""
    ordered = sorted(counts)
    if not ordered:
        return []
    return [ordered[len(ordered) * q // 4] for q in (1, 2, 3)]


def calendar_years(counts: dict[date, int], distinct: dict[object, int]) -> list[dict[str, Any]]:
    """Every year with listing days, newest first, as months of weeks of days shaded by
    their count; `distinct` gives the papers of a year or (year, month), each once."""
    levels = _levels(counts.values())
    return [{"year": year, "count": distinct[year],
             "months": [_month(year, month, counts, distinct.get((year, month), 0), levels) for month in range(1, 13)]}
            for year in sorted({when.year for when in counts}, reverse=True)]


def _month(year: int, month: int, counts: dict[date, int], distinct: int, levels: list[int]) -> dict[str, Any]:
    weeks = []
    for week in calendar.Calendar().monthdatescalendar(year, month):
        cells = []
        for when in week:
            count = counts.get(when, 0) if when.month == month else 0
            cells.append(None if when.month != month else {
                "day": when.day, "date": when, "count": count,
                "path": routes.day(when) if count else None,
                "level": 0 if not count else 1 + sum(count > level for level in levels)})
        weeks.append(cells)
    return {"name": calendar.month_name[month], "anchor": f"m{year}-{month:02d}", "count": distinct, "weeks": weeks}


def doi_url(doi: str) -> str:
    """The doi.org link of a DOI, percent-encoded as the DOI Handbook asks (`#`, `?`, `%`,
    `<`, `>`, quotes and spaces would otherwise end or break the URL)."""
    return "https://doi.org/" + quote(doi, safe="/:;()[]._-,=+@!$'*~&")
STOP_WORDS = {"a", "an", "the", "on", "of", "for", "in", "to", "and", "with", "towards", "toward"}


def bibtex(paper: Paper) -> str:
    """An entry in arXiv's own style (`@misc` with eprint, archivePrefix, primaryClass); for
    a paper accepted at a venue, `@inproceedings` with its `booktitle` or `@article` with
    its `journal`, in the venue's year when the text gives one."""
    first = paper.authors[0] if paper.authors else "anonymous"
    first = unicodedata.normalize("NFKD", first).encode("ascii", "ignore").decode("ascii")
    surname = re.sub(r"\(.*?\)", "", first).split()[-1:] or ["anonymous"]
    words = [w for w in re.findall(r"[A-Za-z0-9]+", paper.title.lower()) if w not in STOP_WORDS]
    key = re.sub(r"[^a-z0-9]", "", surname[0].lower()) + f"{paper.published.year}" + (words[0] if words else "")
    venue = paper.venue if paper.venue is not None and paper.venue.accepted else None
    entry_type, year = "misc", paper.published.year
    fields = [
        ("title", _bibtex_text(paper.title)),
        ("author", " and ".join(_bibtex_text(name) for name in paper.authors)),
    ]
    if venue is not None:
        entry_type, venue_field = ("article", "journal") if venue.kind == JOURNAL else ("inproceedings", "booktitle")
        fields.append((venue_field, _bibtex_text(venue.name)))
        year = venue.year or year
    fields += [
        ("year", str(year)),
        ("eprint", paper.id),
        ("archivePrefix", "arXiv"),
        ("primaryClass", paper.primary_category),
    ]
    if paper.dois:
        fields.append(("doi", paper.dois[0]))
    fields.append(("url", f"https://arxiv.org/abs/{paper.id}"))
    body = ",\n".join(f"      {name}={{{value}}}" for name, value in fields)
    return f"@{entry_type}{{{key},\n{body},\n}}"


BIBTEX_SYNTAX = re.compile(r"(?<!\\)([&%#])")


def _bibtex_text(text: str) -> str:
    """Escape what BibTeX would read as syntax; TeX math and commands pass through."""
    if "&" not in text and "%" not in text and "#" not in text:
        return text
    return BIBTEX_SYNTAX.sub(r"\\\1", text)
