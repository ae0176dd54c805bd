"""Page kinds, each declared once: which pages it has, where they live, what they show.

A `Kind` names its template and gives four functions:

- `keys(source)`: a key per page of the kind (a paper id, a date, `(code, number)`…);
- `route(source, key)`: the page's output path (`routes.py`);
- `read(source, key)`: the page's *inputs*, plain data gathered from the archive: every
  value the page shows, in tuples, with what many pages share (`Listed`, a paper as lists
  show it) made and digested once;
- `view(inputs, present)`: the fields its template sees, made from the inputs and the
  settings (`views.Present`) alone. A view never sees the archive.

A page's fingerprint is the digest of its inputs (`dependencies.inputs_digest`), so it
covers whatever the page shows: there is no second account of what a view reads that
could drift from it. Markup (abstracts, math) is made by views only, never while planning.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Any, Callable, Iterable, Iterator, NamedTuple
from urllib.parse import urlsplit

from . import routes
from .archive import Archive, Paper
from .config import Config
from .dependencies import inputs_digest
from .markup import abstract_html, has_math, safe_href, text_html
from .routes import Page
from .search import FILTERS
from .taxonomy import category_name
from .views import (Listed, Present, bibtex, calendar_years, category_pager, chart, doi_url, month_index,
                    pager_numbers)

View = dict[str, Any]


class Source:
    """The archive as page kinds read it. What many pages read is made once per build: a
    paper as lists show it, the paths of authors and categories, a category's pages."""

    def __init__(self, archive: Archive, config: Config):
        self.archive = archive
        self.per_page = config.per_page
        self._category_paths: dict[str, str | None] = {}
        self._chunks: dict[str, list[tuple[str, ...]]] = {}

    @cached_property
    def listed(self) -> dict[str, Listed]:
        """Every paper as lists show it, by id."""
        author_paths, category_path = self.author_paths.__getitem__, self.category_path
        return {paper_id: Listed.of(paper, tuple(map(author_paths, paper.authors)),
                                    tuple(map(category_path, paper.categories)))
                for paper_id, paper in self.archive.papers.items()}

    def listed_all(self, paper_ids: Iterable[str]) -> tuple[Listed, ...]:
        return tuple(map(self.listed.__getitem__, paper_ids))

    @cached_property
    def author_paths(self) -> dict[str, str]:
        return {name: routes.author(author.slug) for name, author in self.archive.authors.items()}

    def category_path(self, code: str) -> str | None:
        """None for a code without a page (a heading's category that is no arXiv category)."""
        if code not in self._category_paths:
            self._category_paths[code] = routes.category(code) if code in self.archive.categories else None
        return self._category_paths[code]

    @cached_property
    def days_with_papers(self) -> list[date]:
        return [day.date for day in self.archive.days.values() if day.listings]

    @cached_property
    def _day_index(self) -> dict[date, int]:
        return {when: index for index, when in enumerate(self.days_with_papers)}

    def neighbours(self, when: date) -> tuple[date | None, date | None]:
        """The listing days with papers before and after `when`."""
        days = self.days_with_papers
        index = self._day_index[when]
        return (days[index - 1] if index > 0 else None, days[index + 1] if index + 1 < len(days) else None)

    def chunks(self, code: str) -> list[tuple[str, ...]]:
        """Numbered pages hold `per_page` papers counted from the oldest, so they stay put.
        (Cached: every page of a category asks, and a category can have thousands.)"""
        chunks = self._chunks.get(code)
        if chunks is None:
            oldest_first = self.archive.categories[code].paper_ids[::-1]
            size = self.per_page
            chunks = [oldest_first[start:start + size] for start in range(0, len(oldest_first), size)] or [()]
            self._chunks[code] = chunks
        return chunks


@dataclass(frozen=True)
class Kind:
    """A kind of page: its template is `{name}.html`."""

    name: str
    keys: Callable[[Source], Iterable[Any]]
    route: Callable[[Source, Any], str]
    read: Callable[[Source, Any], tuple]
    view: Callable[[Any, Present], View]

    @property
    def template(self) -> str:
        return f"{self.name}.html"


def single(name: str, path: str, read: Callable[[Source, None], tuple], view: Callable[[Any, Present], View]) -> Kind:
    """A kind of one page, whose key is None."""
    return Kind(name, lambda source: (None,), lambda source, key: path, read, view)


# --- paper --------------------------------------------------------------------------

class PaperInputs(NamedTuple):
    paper: Paper
    listed: Listed


def read_paper(source: Source, paper_id: str) -> PaperInputs:
    return PaperInputs(source.archive.papers[paper_id], source.listed[paper_id])


def paper_view(inputs: PaperInputs, present: Present) -> View:
    paper, listed = inputs
    view = dict(present.item(listed))
    abstract = abstract_html(paper.summary)
    comment = text_html(paper.comment) if paper.comment else None
    journal = text_html(paper.journal) if paper.journal else None
    venue = present.venues.read(paper.comment, paper.journal)
    view.update({
        "authors": present.author_links(listed.authors, listed.author_paths),
        "author_names": ", ".join(paper.authors),
        "more_authors": 0,
        "version": paper.version,
        "categories": [present.category_link(code, path) for code, path in zip(listed.categories, listed.category_paths)],
        "classifications": paper.classifications,
        "dois": [{"doi": doi, "url": doi_url(doi)} for doi in paper.dois],
        "published_at": paper.published, "updated_at": paper.updated,
        "days": [_day_link(day) for day in paper.days],
        "comment_html": comment, "journal_html": journal, "abstract_html": abstract,
        "abs_url": f"https://arxiv.org/abs/{paper.id}" + (f"v{paper.version}" if paper.version else ""),
        "pdf_url": safe_href(paper.pdf_url or "") or f"https://arxiv.org/pdf/{paper.id}",
        "bibtex": bibtex(paper),
        "has_math": any(has_math(html or "") for html in (view["title_html"], abstract, comment, journal)),
        "journal": paper.journal,
        "venue": dataclasses.asdict(venue) if venue else None,
        "citation_date": f"{paper.published:%Y/%m/%d}",
    })
    return view


def _day_link(when: date | None) -> dict[str, Any] | None:
    return {"date": when, "path": routes.day(when)} if when else None


# --- day ----------------------------------------------------------------------------

class DayInputs(NamedTuple):
    date: date
    listed_under: tuple[tuple[str, str | None], ...]  # (code, path), by code
    papers: tuple[Listed, ...]
    previous: date | None
    next: date | None


def read_day(source: Source, when: date) -> DayInputs:
    day = source.archive.days[when]
    codes = sorted({code for _, code in day.listings})
    return DayInputs(when, tuple((code, source.category_path(code)) for code in codes),
                     source.listed_all(day.paper_ids), *source.neighbours(when))


def day_view(inputs: DayInputs, present: Present) -> View:
    listed_under = {code for code, _ in inputs.listed_under}
    new = present.items(listed for listed in inputs.papers if listed.categories[0] in listed_under)
    cross = present.items(listed for listed in inputs.papers if listed.categories[0] not in listed_under)
    return {
        "date": inputs.date, "path": routes.day(inputs.date),
        "listed_under": [present.category_link(code, path) for code, path in inputs.listed_under],
        "new": new, "cross": cross, "previous": _day_link(inputs.previous), "next": _day_link(inputs.next),
        "has_math": any(item["has_math"] for item in new + cross),
    }


# --- category -----------------------------------------------------------------------

class CategoryInputs(NamedTuple):
    """A category page shows the category's size, chart and months on the front page only:
    they change every day, and so would every page of the category. Its pager is given as
    the page numbers it shows, the newest page unnumbered, for the same reason."""

    code: str
    number: int  # pages are numbered from the oldest; the front page is the last
    front: bool
    papers: tuple[Listed, ...]  # newest first
    pager: tuple[int | None, ...] | None  # `pager_numbers`, where there is more than one page
    newer: int | None  # the next newer page's number, None for the front page
    count: int | None  # on the front page: the category's papers,
    per_month: tuple[tuple[tuple[int, int], int], ...] | None  # how many in each month,
    starts: tuple[tuple[tuple[int, int], int | None], ...] | None  # the page where each starts


def category_keys(source: Source) -> Iterator[tuple[str, int]]:
    for code in source.archive.categories:
        last = len(source.chunks(code))
        yield code, last
        for number in range(1, last):
            yield code, number


def category_route(source: Source, key: tuple[str, int]) -> str:
    code, number = key
    return routes.category(code, None if number == len(source.chunks(code)) else number)


def read_category(source: Source, key: tuple[str, int]) -> CategoryInputs:
    code, number = key
    chunks = source.chunks(code)
    last = len(chunks)
    front = number == last
    paper_ids = source.archive.categories[code].paper_ids
    papers = source.listed_all(chunks[number - 1][::-1])
    pager = pager_numbers(number, last) if last > 1 else None
    newer = None if number + 1 >= last else number + 1
    if not front:
        return CategoryInputs(code, number, front, papers, pager, newer, None, None, None)
    per_month = Counter((paper.published.year, paper.published.month)
                        for paper in map(source.archive.papers.__getitem__, paper_ids))
    starts = {month: None if start == last else start for month, start in _month_starts(source, code).items()}
    return CategoryInputs(code, number, front, papers, pager, newer, len(paper_ids), tuple(sorted(per_month.items())),
                          tuple(sorted(starts.items())) if last > 1 else None)


def _month_starts(source: Source, code: str) -> dict[tuple[int, int], int]:
    """(year, month) -> the number of the category page that lists the month's newest
    paper: the listing is newest first, so reading on from there reads the month."""
    paper_ids = source.archive.categories[code].paper_ids
    count, size = len(paper_ids), source.per_page
    starts: dict[tuple[int, int], int] = {}
    for position, paper_id in enumerate(paper_ids):
        published = source.archive.papers[paper_id].published
        starts.setdefault((published.year, published.month), (count - 1 - position) // size + 1)
    return starts


def category_view(inputs: CategoryInputs, present: Present) -> View:
    code, number, front = inputs.code, inputs.number, inputs.front
    items = present.items(inputs.papers)
    per_month = Counter(dict(inputs.per_month)) if inputs.per_month else None
    return {
        "code": code, "name": category_name(code), "count": inputs.count,
        "number": number, "front": front, "papers": items, "front_path": routes.category(code),
        "pager": category_pager(code, None if front else number, inputs.pager) if inputs.pager else None,
        "newer": None if front else routes.category(code, inputs.newer),
        "older": routes.category(code, number - 1) if number > 1 else None,
        "chart": chart(per_month) if per_month else None,
        "months": month_index(code, dict(inputs.starts), per_month) if inputs.starts else None,
        "feed": routes.category_feed(code),
        "has_math": any(item["has_math"] for item in items),
    }


# --- author -------------------------------------------------------------------------

class AuthorInputs(NamedTuple):
    name: str
    papers: tuple[Listed, ...]  # newest first; their authors and categories are counted


def read_author(source: Source, name: str) -> AuthorInputs:
    return AuthorInputs(name, source.listed_all(source.archive.authors[name].paper_ids))


def author_view(inputs: AuthorInputs, present: Present) -> View:
    name, papers = inputs
    items = [present.author_item(listed, name) for listed in papers]
    if len(papers) == 1:
        coauthors, total, categories = present.sole_paper_links(name, papers[0])
    else:
        coauthors, total = present.top_coauthors(name, papers)
        categories = present.counted_categories(papers)
    return {
        "name": name, "papers": items, "coauthors": coauthors, "more_coauthors": total - len(coauthors),
        "categories": categories, "has_math": any(item["has_math"] for item in items),
    }


# --- the pages that summarise the archive ---------------------------------------------

class HomeInputs(NamedTuple):
    latest: DayInputs | None
    totals: tuple[int, int, int, int]  # papers, authors, categories, days
    categories: tuple[tuple[str, str | None, int], ...]  # (code, path, papers), most papers first


def read_home(source: Source, key: None) -> HomeInputs:
    archive, days = source.archive, source.days_with_papers
    categories = sorted(archive.categories.values(), key=lambda c: (-len(c.paper_ids), c.code))
    return HomeInputs(read_day(source, days[-1]) if days else None,
                      (len(archive.papers), len(archive.authors), len(archive.categories), len(days)),
                      tuple((c.code, source.category_path(c.code), len(c.paper_ids)) for c in categories))


def home_view(inputs: HomeInputs, present: Present) -> View:
    latest = day_view(inputs.latest, present) if inputs.latest else None
    papers, authors, categories, days = inputs.totals
    return {
        "latest": latest,
        "totals": {"papers": papers, "authors": authors, "categories": categories, "days": days},
        "categories": [dict(present.category_link(code, path), count=count) for code, path, count in inputs.categories],
        "has_math": bool(latest and latest["has_math"]),
    }


class ArchiveInputs(NamedTuple):
    counts: tuple[tuple[date, int], ...]  # papers of each listing day
    distinct: tuple[tuple[Any, int], ...]  # papers of each year and (year, month), each counted once


def read_archive(source: Source, key: None) -> ArchiveInputs:
    counts, papers = [], {}
    for day in source.archive.days.values():
        if day.listings:
            ids = day.paper_ids
            counts.append((day.date, len(ids)))
            for period in (day.date.year, (day.date.year, day.date.month)):
                papers.setdefault(period, set()).update(ids)
    return ArchiveInputs(tuple(counts), tuple((period, len(ids)) for period, ids in papers.items()))


def archive_view(inputs: ArchiveInputs, present: Present) -> View:
    return {"years": calendar_years(dict(inputs.counts), dict(inputs.distinct)), "has_math": False}


class SearchInputs(NamedTuple):
    papers: int


def search_view(inputs: SearchInputs, present: Present) -> View:
    return {"papers": inputs.papers, "filters": [search_filter.example for search_filter in FILTERS],
            "has_math": True}


def not_found_view(inputs: tuple, present: Present) -> View:
    return {"has_math": False}


# In the order the sitemap lists them.
KINDS = (
    single("home", routes.home(), read_home, home_view),
    single("archive", routes.archive(), read_archive, archive_view),
    single("not_found", routes.not_found(), lambda source, key: (), not_found_view),
    single("search", routes.search(), lambda source, key: SearchInputs(len(source.archive.papers)), search_view),
    Kind("paper", lambda source: source.archive.papers, lambda source, key: routes.paper(key), read_paper, paper_view),
    Kind("day", lambda source: source.days_with_papers, lambda source, key: routes.day(key), read_day, day_view),
    Kind("category", category_keys, category_route, read_category, category_view),
    Kind("author", lambda source: source.archive.authors, lambda source, name: source.author_paths[name],
         read_author, author_view),
)
KIND = {kind.name: kind for kind in KINDS}


class Pages:
    """The pages of a site over one archive: each one's path, inputs, fingerprint and the
    variables its template sees."""

    def __init__(self, archive: Archive, config: Config):
        self.archive = archive
        self.config = config
        self.source = Source(archive, config)
        self.present = Present(config)
        self.site = self.present.site
        self.venues = self.present.venues

    def pages(self) -> Iterator[Page]:
        """Every page of the site, each with its kind and output path."""
        for kind in KINDS:
            for key in kind.keys(self.source):
                yield Page(kind.name, key, kind.route(self.source, key))

    def inputs(self, page: Page) -> tuple:
        return KIND[page.kind].read(self.source, page.key)

    def fingerprint(self, page: Page, site: str, templates: dict[str, str]) -> str:
        """What the page shows: the site's settings and code (`site`), its template (and the
        ones that template uses) and its inputs."""
        kind = KIND[page.kind]
        return inputs_digest(kind.read(self.source, page.key), site, templates[kind.template], page.path)

    def view(self, page: Page) -> View:
        return KIND[page.kind].view(self.inputs(page), self.present)

    def context(self, page: Page) -> dict[str, Any]:
        """The template variables of a page."""
        return {"page": self.view(page), "site": self.site, "path": page.path, "root": self.root(page),
                "canonical": routes.absolute(self.config.base_url, page.path)}

    def root(self, page: Page) -> str:
        """The 404 page is served at any depth, so it links from the site's root path."""
        if page.kind == "not_found":
            return urlsplit(self.config.base_url).path.rstrip("/") + "/"
        return page.root
