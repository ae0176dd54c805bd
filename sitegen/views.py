"""What templates see: plain, read-only views built from the archive, never the model itself.

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
from functools import cached_property
from typing import Any, Callable, Iterator
from urllib.parse import quote, urlsplit

from . import routes
from .archive import Archive, Paper
from .config import Config
from .markup import abstract_html, has_math, math_html, safe_href, text_html
from .routes import Page
from .search import FILTERS
from .taxonomy import category_name
from .venues import CONFERENCE, JOURNAL, WORKSHOP, Venue

AUTHORS_IN_LISTS = 12  # a listing shows this many names, then "and N more"
COAUTHORS_SHOWN = 60  # an author page names this many co-authors, then "and N more"
CHART_HEIGHT = 60
CHART_WIDTH = 600  # SVG units, drawn as CSS pixels where the screen has room
BAR_WIDTHS = (4, 24)  # narrowest and widest bar, gap included: a single month is a bar, not a block
YEARLY_ABOVE = 60  # months: a longer chart would draw hairlines on a phone, which sees a bar per year
PAGER_WINDOW = 2  # a category page links this many pages either side of itself, besides the newest and oldest


@dataclass(frozen=True)
class Site:
    """What every page may show of the site: settings only, so adding papers changes no
    page that does not show them (totals are on the home page's view)."""

    title: str
    description: str
    language: str
    base_url: str


class Views:
    """Builds each page's view on demand; caches what many pages share (paper list items)."""

    def __init__(self, archive: Archive, config: Config):
        self.archive = archive
        self.config = config
        self._items: dict[str, dict[str, Any]] = {}
        self._chunks: dict[str, list[tuple[str, ...]]] = {}
        self._team: tuple = (None, None)  # (paper id, what `_sole_paper_links` made of it)
        self._links: dict[str, dict[str, str]] = {}
        self._category_links: dict[str, dict[str, Any]] = {}

    @cached_property
    def site(self) -> Site:
        return Site(self.config.title, self.config.description, self.config.language, self.config.base_url)

    @cached_property
    def days_with_papers(self) -> list[date]:
        return [day.date for day in self.archive.days.values() if day.listings]

    def neighbours(self, when: date) -> tuple[date | None, date | None]:
        """The listing days with papers before and after `when`."""
        days = self.days_with_papers
        index = self._day_index[when]
        return (days[index - 1] if index > 0 else None, days[index + 1] if index + 1 < len(days) else None)

    @cached_property
    def _day_index(self) -> dict[date, int]:
        return {when: index for index, when in enumerate(self.days_with_papers)}

    # --- planning -----------------------------------------------------------------

    def pages(self) -> Iterator[Page]:
        """Every page of the site, each with its template kind and output path."""
        archive = self.archive
        yield Page("home", None, routes.home())
        yield Page("archive", None, routes.archive())
        yield Page("not_found", None, routes.not_found())
        yield Page("search", None, routes.search())
        yield Page("following", None, routes.following())
        yield Page("venue_index", None, routes.venues())
        for paper_id in archive.papers:
            yield Page("paper", paper_id, routes.paper(paper_id))
        for day in self.days_with_papers:
            yield Page("day", day, routes.day(day))
            yield Page("day_bibliography", day, routes.day_bibliography(day))
        for code, category in archive.categories.items():
            chunks = self.category_chunks(code)
            yield Page("category", (code, len(chunks)), routes.category(code))
            for number in range(1, len(chunks)):
                yield Page("category", (code, number), routes.category(code, number))
        for name, author in archive.authors.items():
            yield Page("author", name, routes.author(author.slug))
            yield Page("author_feed", name, routes.author_feed(author.slug))
            yield Page("author_bibliography", name, routes.author_bibliography(author.slug))
        for slug, group in archive.venues.items():
            for year in group.years:
                chunks = self.venue_chunks(slug, year)
                yield Page("venue_year", (slug, year, len(chunks)), routes.venue(slug, year))
                for number in range(1, len(chunks)):
                    yield Page("venue_year", (slug, year, number), routes.venue(slug, year, number))
                yield Page("venue_feed", (slug, year), routes.venue_feed(slug, year))
                yield Page("venue_bibliography", (slug, year), routes.venue_bibliography(slug, year))

    def context(self, page: Page) -> dict[str, Any]:
        """The template variables of a page."""
        make_view = getattr(self, f"{page.kind}_view")
        view = make_view() if page.key is None else make_view(page.key)
        return {"page": view, "site": self.site, "path": page.path, "root": self.root(page),
                "canonical": routes.absolute(self.config.base_url, page.path)}

    def root(self, page: Page) -> str:
        """The 404 page is served at any depth, so it links from the site's root path."""
        if page.kind == "not_found":
            return urlsplit(self.config.base_url).path.rstrip("/") + "/"
        return page.root

    # --- shared pieces ------------------------------------------------------------

    def item(self, paper_id: str) -> dict[str, Any]:
        """A paper as listings show it (cached: one paper appears on many pages)."""
        cached = self._items.get(paper_id)
        if cached is None:
            paper = self.archive.papers[paper_id]
            title = math_html(paper.title)
            cached = {
                "id": paper.id, "path": routes.paper(paper.id), "title": paper.title, "title_html": title,
                "authors": self.author_links(paper.authors[:AUTHORS_IN_LISTS]),
                "more_authors": max(len(paper.authors) - AUTHORS_IN_LISTS, 0),
                "published": paper.published.date(), "primary": self.category_link(paper.primary_category),
                "has_math": has_math(title), "featured": None,
            }
            self._items[paper_id] = cached
        return cached

    def items(self, paper_ids) -> list[dict[str, Any]]:
        return [self.item(paper_id) for paper_id in paper_ids]

    def author_item(self, paper_id: str, name: str) -> dict[str, Any]:
        """A paper as the page of its author `name` lists it: when the list of authors is
        cut before `name` (`and 21 more`), `name` still shows, after the cut and before
        the rest: `A, B, …, Name and 20 more`. Otherwise the paper as every list shows it."""
        authors = self.archive.papers[paper_id].authors
        if len(authors) <= AUTHORS_IN_LISTS or name in authors[:AUTHORS_IN_LISTS]:
            return self.item(paper_id)
        position = authors.index(name)
        return dict(self.item(paper_id), featured=self._author_link(name), skipped=position > AUTHORS_IN_LISTS,
                    more_authors=len(authors) - position - 1)

    def author_links(self, names) -> list[dict[str, str]]:
        return [self._author_link(name) for name in names]

    def _author_link(self, name: str) -> dict[str, str]:
        """(Cached: an author is linked from each of their papers and co-authors.)"""
        link = self._links.get(name)
        if link is None:
            link = self._links[name] = {"name": name, "path": routes.author(self.archive.authors[name].slug)}
        return link

    def category_link(self, code: str) -> dict[str, Any]:
        """(Cached: a category is linked from each of its papers' pages and authors.)"""
        link = self._category_links.get(code)
        if link is None:
            known = code in self.archive.categories
            link = self._category_links[code] = {"code": code, "name": category_name(code),
                                                 "path": routes.category(code) if known else None}
        return link

    def category_chunks(self, code: str) -> list[tuple[str, ...]]:
        return self._chunked(code, self.archive.categories[code].paper_ids)

    def venue_chunks(self, slug: str, year: int | None) -> list[tuple[str, ...]]:
        return self._chunked((slug, year), self.archive.venues[slug].years[year])

    def _chunked(self, key: object, newest_first: tuple[str, ...]) -> list[tuple[str, ...]]:
        """Numbered pages hold `per_page` papers counted from the oldest, so they stay put.
        (Cached: every page of a category asks, and a category can have thousands.)"""
        chunks = self._chunks.get(key)
        if chunks is None:
            oldest_first = newest_first[::-1]
            size = self.config.per_page
            chunks = [oldest_first[start:start + size] for start in range(0, len(oldest_first), size)] or [()]
            self._chunks[key] = chunks
        return chunks

    def venue_link(self, venue: Venue) -> dict[str, Any]:
        """A paper's venue as its page shows it; an accepted one links the venue's page of its year."""
        return dict(dataclasses.asdict(venue), path=routes.venue(venue.slug, venue.year) if venue.accepted else None)

    # --- pages --------------------------------------------------------------------

    def paper_view(self, paper_id: str) -> dict[str, Any]:
        paper = self.archive.papers[paper_id]
        view = dict(self.item(paper_id))
        abstract = abstract_html(paper.summary)
        comment = text_html(paper.comment) if paper.comment else None
        journal = text_html(paper.journal) if paper.journal else None
        view.update({
            "authors": self.author_links(paper.authors),
            "author_names": ", ".join(paper.authors),
            "more_authors": 0,
            "version": paper.version,
            "categories": [self.category_link(code) for code in paper.categories],
            "classifications": paper.classifications,
            "dois": [{"doi": doi, "url": doi_url(doi)} for doi in paper.dois],
            "published_at": paper.published, "updated_at": paper.updated,
            "days": [{"date": day, "path": routes.day(day)} for day in paper.days],
            "comment_html": comment, "journal_html": journal, "abstract_html": abstract,
            "abs_url": f"https://arxiv.org/abs/{paper.id}" + (f"v{paper.version}" if paper.version else ""),
            "pdf_url": safe_href(paper.pdf_url or "") or f"https://arxiv.org/pdf/{paper.id}",
            "bibtex": bibtex(paper),
            "has_math": any(has_math(html or "") for html in (view["title_html"], abstract, comment, journal)),
            "journal": paper.journal,
            "venue": self.venue_link(paper.venue) if paper.venue else None,
            "citation_date": f"{paper.published:%Y/%m/%d}",
        })
        return view

    def day_view(self, when: date) -> dict[str, Any]:
        day = self.archive.days[when]
        listed_under = {code for _, code in day.listings}
        papers = self.archive.papers
        new = [pid for pid in day.paper_ids if papers[pid].primary_category in listed_under]
        cross = [pid for pid in day.paper_ids if papers[pid].primary_category not in listed_under]
        previous, following = self.neighbours(when)
        new_items, cross_items = self.items(new), self.items(cross)
        return {
            "date": when, "path": routes.day(when), "listed_under": [self.category_link(code) for code in sorted(listed_under)],
            "new": new_items, "cross": cross_items, "bibliography": routes.day_bibliography(when),
            "previous": {"date": previous, "path": routes.day(previous)} if previous else None,
            "next": {"date": following, "path": routes.day(following)} if following else None,
            "has_math": any(item["has_math"] for item in new_items + cross_items),
        }

    def category_view(self, key: tuple[str, int]) -> dict[str, Any]:
        code, number = key
        chunks = self.category_chunks(code)
        items = self.items(chunks[number - 1][::-1])
        last = len(chunks)
        front = number == last
        return {
            "code": code, "name": category_name(code), "count": len(self.archive.categories[code].paper_ids),
            "papers": items, "front_path": routes.category(code),
            **_paging(last, number, lambda n: routes.category(code, n)),
            "chart": self.chart(code) if front else None,
            "months": self.month_index(code) if front and last > 1 else None,
            "feed": routes.category_feed(code),
            "has_math": any(item["has_math"] for item in items),
        }

    def venue_year_view(self, key: tuple[str, int | None, int]) -> dict[str, Any]:
        """A page of a venue's papers of one year: paged like a category, newest first."""
        slug, year, number = key
        group = self.archive.venues[slug]
        chunks = self.venue_chunks(slug, year)
        items = self.items(chunks[number - 1][::-1])
        return {
            "slug": slug, "short": group.short, "name": group.name, "kind": group.kind, "year": year,
            "count": len(group.years[year]), "papers": items, "front_path": routes.venue(slug, year),
            **self.venue_paging(slug, year, number),
            "years": self.venue_years(slug, year), "index": routes.venues(),
            "feed": routes.venue_feed(slug, year), "bibliography": routes.venue_bibliography(slug, year),
            "has_math": any(item["has_math"] for item in items),
        }

    def venue_paging(self, slug: str, year: int | None, number: int) -> dict[str, Any]:
        return _paging(len(self.venue_chunks(slug, year)), number, lambda n: routes.venue(slug, year, n))

    def venue_years(self, slug: str, current: int | None = None) -> list[dict[str, Any]]:
        """Each year of a venue with its number of papers, newest first, undated last."""
        return [{"year": year, "count": len(ids), "path": routes.venue(slug, year), "current": year == current}
                for year, ids in self.archive.venues[slug].years.items()]

    def venue_index_view(self) -> dict[str, Any]:
        """Every venue with an accepted paper, by kind, each with its years."""
        groups = sorted(self.archive.venues.values(), key=lambda group: (group.short.casefold(), group.slug))
        kinds = [(CONFERENCE, "Conferences"), (WORKSHOP, "Workshops"), (JOURNAL, "Journals")]
        return {
            "kinds": [{"kind": kind, "title": title, "venues": [
                {"slug": group.slug, "short": group.short, "name": group.name,
                 "count": sum(map(len, group.years.values())), "years": self.venue_years(group.slug)}
                for group in groups if group.kind == kind]} for kind, title in kinds],
            "count": sum(len(ids) for group in groups for ids in group.years.values()),
            "has_math": False,
        }

    def following_view(self) -> dict[str, Any]:
        """The page lists what a reader follows, from the browser's storage and the search
        data, so it shows nothing of the archive itself."""
        return {"has_math": False}

    def author_view(self, name: str) -> dict[str, Any]:
        author = self.archive.authors[name]
        items = [self.author_item(paper_id, name) for paper_id in author.paper_ids]
        if len(author.paper_ids) == 1:
            coauthors, total, categories = self._sole_paper_links(name, author.paper_ids[0])
        else:
            counted, total = self.top_coauthors(name, COAUTHORS_SHOWN)
            coauthors = [dict(self._author_link(other), count=count) for other, count in counted]
            categories = self._counted_categories(self.archive.author_categories(name))
        return {
            "name": name, "papers": items, "coauthors": coauthors, "more_coauthors": total - len(coauthors),
            "categories": categories, "has_math": any(item["has_math"] for item in items),
            "feed": routes.author_feed(author.slug), "bibliography": routes.author_bibliography(author.slug),
        }

    def top_coauthors(self, name: str, limit: int) -> tuple[list[tuple[str, int]], int]:
        """The `limit` most frequent co-authors of `name` (ties by name), and how many there are.

        A paper with thousands of authors would otherwise put every co-author on every one of
        their pages: output quadratic in the author count.
        """
        counts = Counter(other for paper_id in self.archive.authors[name].paper_ids
                         for other in self.archive.papers[paper_id].authors if other != name)
        return heapq.nsmallest(limit, counts.items(), key=lambda item: (-item[1], item[0])), len(counts)

    def _sole_paper_links(self, name: str, paper_id: str) -> tuple[list[dict[str, Any]], int, list[dict[str, Any]]]:
        """The co-authors (the first COAUTHORS_SHOWN), their number and the categories of
        an author of one paper: the paper's other authors by name and its categories, each
        counted once. Most authors have one paper; what their pages show of it is built
        once per paper, not once per author, and kept for the last paper only: its authors'
        pages are rendered one after the other (`Renderer.order`)."""
        last, team = self._team
        if last != paper_id:
            names = tuple(sorted(self.archive.papers[paper_id].authors))
            shown = names[:COAUTHORS_SHOWN + 1]  # enough, whichever of them `name` is
            team = (names, [dict(self._author_link(other), count=1) for other in shown],
                    self._counted_categories(self.archive.author_categories(name)))
            self._team = (paper_id, team)
        names, links, categories = team
        coauthors = [link for other, link in zip(names, links) if other != name][:COAUTHORS_SHOWN]
        return coauthors, len(names) - 1, categories

    def _counted_categories(self, counted: list[tuple[str, int]]) -> list[dict[str, Any]]:
        return [dict(self.category_link(code), count=count) for code, count in counted]

    def home_view(self) -> dict[str, Any]:
        days = self.days_with_papers
        latest = self.day_view(days[-1]) if days else None
        categories = sorted(self.archive.categories.values(), key=lambda c: (-len(c.paper_ids), c.code))
        archive = self.archive
        return {
            "latest": latest,
            "totals": {"papers": len(archive.papers), "authors": len(archive.authors),
                       "categories": len(archive.categories), "days": len(days)},
            "categories": [dict(self.category_link(c.code), count=len(c.paper_ids)) for c in categories],
            "has_math": bool(latest and latest["has_math"]),
        }

    def archive_view(self) -> dict[str, Any]:
        listed = {day.date: day.paper_ids for day in self.archive.days.values() if day.listings}
        counts = {when: len(ids) for when, ids in listed.items()}
        levels = _levels(counts.values())
        years = sorted({when.year for when in counts}, reverse=True)
        return {"years": [{"year": year, "count": _distinct(listed, lambda d: d.year == year),
                           "months": [_month(year, month, listed, levels) for month in range(1, 13)]}
                          for year in years],
                "has_math": False}

    def not_found_view(self) -> dict[str, Any]:
        return {"has_math": False}

    def search_view(self) -> dict[str, Any]:
        return {"papers": len(self.archive.papers), "filters": [search_filter.example for search_filter in FILTERS],
                "has_math": True}

    def papers_per_month(self, code: str) -> Counter:
        """(year, month) -> papers of the category published then: what its chart shows."""
        return Counter((p.published.year, p.published.month)
                       for p in map(self.archive.papers.__getitem__, self.archive.categories[code].paper_ids))

    def chart(self, code: str) -> dict[str, Any]:
        """Papers per month as bars for an inline SVG (no script needed to see it); over
        more than YEARLY_ABOVE months also per year, the chart narrow screens show."""
        per_month = self.papers_per_month(code)
        months = _months_between(min(per_month), max(per_month))
        by_month = _bars([(f"{calendar.month_abbr[month]} {year}", per_month[year, month]) for year, month in months])
        by_year = None
        if len(months) > YEARLY_ABOVE:
            per_year = Counter()
            for (year, _), count in per_month.items():
                per_year[year] += count
            by_year = _bars([(str(year), per_year[year]) for year in range(months[0][0], months[-1][0] + 1)])
        return {"months": by_month, "years": by_year}

    def month_pages(self, code: str) -> dict[tuple[int, int], int]:
        """(year, month) -> the number of the category page that lists the month's newest
        paper: the listing is newest first, so reading on from there reads the month."""
        paper_ids = self.archive.categories[code].paper_ids
        count, size = len(paper_ids), self.config.per_page
        starts: dict[tuple[int, int], int] = {}
        for position, paper_id in enumerate(paper_ids):
            published = self.archive.papers[paper_id].published
            starts.setdefault((published.year, published.month), (count - 1 - position) // size + 1)
        return starts

    def month_index(self, code: str) -> list[dict[str, Any]]:
        """Every year of the category, newest first, with each month that has papers linked
        to the page where it starts and shaded by how many it has (as the archive's days)."""
        starts, per_month = self.month_pages(code), self.papers_per_month(code)
        last = len(self.category_chunks(code))
        levels = _levels(per_month.values())
        return [{"year": year, "months": [None if (year, month) not in starts else {
                    "name": calendar.month_abbr[month],
                    "path": routes.category(code, None if starts[year, month] == last else starts[year, month]),
                    "level": 1 + sum(per_month[year, month] > level for level in levels)}
                    for month in range(1, 13)]}
                for year in sorted({year for year, _ in starts}, reverse=True)]

    def category_pager(self, code: str, number: int) -> list[dict[str, Any] | None]:
        return _pager(len(self.category_chunks(code)), number, lambda n: routes.category(code, n))


def _paging(last: int, number: int, path_of: Callable[[int | None], str]) -> dict[str, Any]:
    """Where page `number` of `last` sits, for a paged list (a category, a venue's year):
    the newest page (`last`) is the front page, at `path_of(None)`."""
    front = number == last
    return {
        "number": number, "front": front,
        "pager": _pager(last, number, path_of) if last > 1 else None,
        "newer": None if front else path_of(None if number + 1 >= last else number + 1),
        "older": path_of(number - 1) if number > 1 else None,
    }


def _pager(last: int, number: int, path_of: Callable[[int | None], str]) -> list[dict[str, Any] | None]:
    """The pages a paged list links to, newest first: the newest (the front page),
    the oldest, and PAGER_WINDOW pages either side of `number`; None stands for each
    run of pages left out (a run of one is shown instead: `…` would hide no more)."""
    shown = {1, last, *range(max(1, number - PAGER_WINDOW), min(last, number + PAGER_WINDOW) + 1)}
    shown |= {n for n in range(2, last) if n - 1 in shown and n + 1 in shown}
    pager: list[dict[str, Any] | None] = []
    previous = None
    for n in sorted(shown, reverse=True):
        if previous is not None and previous > n + 1:
            pager.append(None)
        previous = n
        # The newest page is named, not numbered: a page's pager then changes only when
        # the list grows near it, not on every page whenever a page is added.
        pager.append({"number": None if n == last else n, "label": "Newest" if n == last else str(n),
                      "current": n == number, "path": path_of(None if n == last else n)})
    return pager


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


def _distinct(listed: dict[date, tuple[str, ...]], chosen) -> int:
    """Papers listed on the chosen days, each counted once (a paper can be listed twice)."""
    return len({paper_id for when, ids in listed.items() if chosen(when) for paper_id in ids})


def _month(year: int, month: int, listed: dict[date, tuple[str, ...]], levels: list[int]) -> dict[str, Any]:
    weeks = []
    for week in calendar.Calendar().monthdatescalendar(year, month):
        cells = []
        for when in week:
            count = len(listed.get(when, ())) if when.month == month else 0
            cells.append(None if when.month != month else {
                "day": when.day, "date": when, "count": count,
                "path": routes.day(when) if count else None,
                "level": 0 if not count else 1 + sum(count > level for level in levels)})
        weeks.append(cells)
    return {"name": calendar.month_name[month], "anchor": f"m{year}-{month:02d}",
            "count": _distinct(listed, lambda d: (d.year, d.month) == (year, month)),
            "weeks": weeks}


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
