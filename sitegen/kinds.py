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

import operator
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass
from datetime import date
from functools import cached_property, partial
from itertools import compress, count, repeat
from typing import TYPE_CHECKING, Any, Callable, Container, Iterable, Iterator, NamedTuple, Sequence
from urllib.parse import urlsplit

from . import routes
from .archive import Archive, Change, VenueGroup, field_of
from .config import Config
from .dependencies import Recorded, digest_of, inputs_digest
from .markup import abstract_html, has_math, safe_href, text_html
from .routes import Page
from .search import FILTERS
from .taxonomy import category_name
from . import documents
from .views import (PAGER_WINDOW, Listed, Present, Whole, calendar_years, chart, doi_url, month_index, pager_numbers,
                    paging, venue_link)
from .venues import CONFERENCE, JOURNAL, WORKSHOP

if TYPE_CHECKING:
    from .render import Renderer

View = dict[str, Any]
FIRST = operator.itemgetter(0)


class Made(dict):
    """A dict whose missing values are made by `make(key)` and kept: looked up with
    `map(made.__getitem__, keys)` at C speed, made only for the keys asked for (an update
    reads a few pages, a clean build every one)."""

    def __init__(self, make: Callable[[Any], Any]):
        super().__init__()
        self.make = make

    def __missing__(self, key: Any) -> Any:
        value = self[key] = self.make(key)
        return value


class Source:
    """The archive as page kinds read it, recording what each page reads.

    A kind's `read` reaches the archive only through the methods below, each of which
    notes the model key it read in `reads` (see `archive.changed_keys` for the keys): a
    paper by its id, `("d", date)`, `("c", code)` (`("c?", code)`: whether it has a page),
    `("a", name)`, `("v", slug)` (`("V", slug)`: its names and years, `("v", slug, year)`:
    a year's papers), and the archive's sizes and whole collections. An update plans again only the pages whose
    recorded keys changed (`dependencies.Recorded`). What many pages read is made once
    per build: a paper as lists show it, the paths of authors, a category's pages.
    (`keys` and `route` use `archive` directly: a route that depends on more than its
    key depends on what the page reads, so an update routes again only the pages that
    read what changed, and new keys: `route_all`.)"""

    def __init__(self, archive: Archive, config: Config):
        self.archive = archive
        self.per_page = config.per_page
        self.feed_size = config.feed_size
        self.reads: set = set()
        self._listed = Made(self._make_listed)
        self._whole = Made(lambda paper_id: Whole.of(self.archive.papers[paper_id]))
        self._author_paths: dict[str, str] = {}
        self._category_paths: dict[str, str | None] = {}
        self._chunks: dict[object, list[tuple[str, ...]]] = {}

    def listed(self, paper_id: str) -> Listed:
        """A paper as lists show it."""
        self.reads.add(paper_id)
        return self._listed[paper_id]

    def listed_all(self, paper_ids: Sequence[str]) -> tuple[Listed, ...]:
        self.reads.update(paper_ids)
        return tuple(map(self._listed.__getitem__, paper_ids))

    def _make_listed(self, paper_id: str) -> Listed:
        paper = self.archive.papers[paper_id]
        return Listed.of(paper, tuple(map(self.author_path, paper.authors)),
                         tuple(map(self._category_path, paper.categories)))

    def whole(self, paper_id: str) -> Whole:
        """A paper shown whole (its page, feeds, bibliographies)."""
        self.reads.add(paper_id)
        return self._whole[paper_id]

    def papers(self, paper_ids: Sequence[str]) -> tuple[Whole, ...]:
        self.reads.update(paper_ids)
        return tuple(map(self._whole.__getitem__, paper_ids))

    def author(self, name: str):
        self.reads.add(("a", name))
        return self.archive.authors[name]

    def author_path(self, name: str) -> str:
        """(Not recorded: a paper's list form records the paper, whose key changes with
        its authors' slugs.)"""
        path = self._author_paths.get(name)
        if path is None:
            path = self._author_paths[name] = routes.author(field_of(self.archive.authors, name, "slug"))
        return path

    def category(self, code: str):
        """A category; its papers come with it: its key changes with any of theirs."""
        self.reads.add(("c", code))
        return self.archive.categories[code]

    def category_path(self, code: str) -> str | None:
        """None for a code without a page (a heading's category that is no arXiv category)."""
        self.reads.add(("c?", code))
        return self._category_path(code)

    def _category_path(self, code: str) -> str | None:
        if code not in self._category_paths:
            self._category_paths[code] = routes.category(code) if code in self.archive.categories else None
        return self._category_paths[code]

    def categories(self):
        self.reads.add(("categories",))
        return self.archive.categories.values()

    def day(self, when: date):
        self.reads.add(("d", when))
        return self.archive.days[when]

    def days(self):
        self.reads.add(("days",))
        return self.archive.days.values()

    def venue(self, slug: str):
        self.reads.add(("v", slug))
        return self.archive.venues[slug]

    def venue_heading(self, slug: str) -> tuple[str, str, str, tuple[int | None, ...]]:
        """A venue's short name, name, kind and years (newest first): what every page of
        it shows, where only its front pages show how many papers each year has."""
        self.reads.add(("V", slug))
        return venue_heading(self.archive.venues[slug])

    def venue_year(self, slug: str, year: int | None) -> tuple[str, ...]:
        """A venue's papers of `year`, newest first."""
        self.reads.add(("v", slug, year))
        return self.archive.venues[slug].years[year]

    def venues(self):
        self.reads.add(("venues",))
        return self.archive.venues.values()

    def totals(self) -> tuple[int, int, int, int]:
        """Papers, authors, categories and listing days."""
        self.reads.add(("totals",))
        archive = self.archive
        return len(archive.papers), len(archive.authors), len(archive.categories), len(self.days_with_papers)

    @cached_property
    def days_with_papers(self) -> list[date]:
        return [day.date for day in self.archive.days.values() if day.listings]

    def latest_day(self) -> date | None:
        self.reads.add(("days",))
        return self.days_with_papers[-1] if self.days_with_papers else None

    @cached_property
    def _day_index(self) -> dict[date, int]:
        return {when: index for index, when in enumerate(self.days_with_papers)}

    def neighbours(self, when: date) -> tuple[date | None, date | None]:
        """The listing days with papers before and after `when`."""
        self.reads.add(("n", when))
        days = self.days_with_papers
        index = self._day_index[when]
        return (days[index - 1] if index > 0 else None, days[index + 1] if index + 1 < len(days) else None)

    def chunks(self, code: str) -> list[tuple[str, ...]]:
        """A category's pages, by number from the oldest. (Not recorded: what a page
        reads of them is, by `category_page`.)"""
        return self._chunked(code, self.archive.categories[code].paper_ids)

    def category_page(self, code: str, number: int) -> tuple[tuple[str, ...], tuple | None, int | None]:
        """Page `number` of a category: its paper ids (oldest first), its pager and the
        next newer page's number. The front page records the category's key; a numbered
        page, `("c", code, number)`, which changes only when this shape does
        (`stale_category_pages`)."""
        chunks = self.chunks(code)
        self.reads.add(("c", code) if number == len(chunks) else ("c", code, number))
        return page_shape(chunks, number)

    def stale_category_pages(self, change: Change) -> set:
        """`("c", code, number)` for each numbered page of a changed category whose shape
        (`page_shape`) differs from the one it had before the change."""
        stale = set()
        for code, before in change.categories.items():
            if code in self.archive.categories:
                stale.update(("c", code, number) for number in self._reshaped(before, self.chunks(code)))
        return stale

    def venue_chunks(self, slug: str, year: int | None) -> list[tuple[str, ...]]:
        """A venue-year's pages, by number from the oldest. (Not recorded: what a page
        reads of them is, by `venue_page`.)"""
        return self._chunked((slug, year), self.archive.venues[slug].years[year])

    def venue_page(self, slug: str, year: int | None, number: int
                   ) -> tuple[tuple[str, ...], tuple | None, int | None]:
        """Page `number` of a venue-year, as `category_page` gives a category's: the front
        page records the venue's key (it shows every year's count), a numbered page
        `("v", slug, year, number)`, which changes only when its shape does
        (`stale_venue_pages`)."""
        chunks = self.venue_chunks(slug, year)
        self.reads.add(("v", slug) if number == len(chunks) else ("v", slug, year, number))
        return page_shape(chunks, number)

    def stale_venue_pages(self, change: Change) -> set:
        """`("V", slug)` for each changed venue whose heading (`venue_heading`) differs from
        the one it had before the change, and `("v", slug, year, number)` for each numbered
        page of its changed years whose shape differs."""
        stale: set = set()
        for slug, before in change.venues.items():
            now = self.archive.venues.get(slug)
            if now is None:
                continue
            if before is None or venue_heading(before) != venue_heading(now):
                stale.add(("V", slug))
            for year, ids in now.years.items():
                was = before.years.get(year, ()) if before is not None else ()
                if was != ids:
                    stale.update(("v", slug, year, number)
                                 for number in self._reshaped(was, self.venue_chunks(slug, year)))
        return stale

    def _reshaped(self, before: tuple[str, ...], chunks: list[tuple[str, ...]]) -> list[int]:
        """The numbers of the pages of a paged list, newest first `before` and in `chunks`
        now, whose shape (`page_shape`) differs: looked at from the first page whose
        papers differ, or from the pages whose pager reaches the last page (`PAGER_REACH`),
        as a day added changes the newest pages of lists of thousands."""
        old = self._chunked(None, before)
        common = min(len(old), len(chunks))
        first = next(compress(count(1), map(operator.ne, old, chunks)), common + 1)
        return [number for number in range(max(1, min(first, common - PAGER_REACH)), max(len(old), len(chunks)) + 1)
                if page_shape(old, number) != page_shape(chunks, number)]

    def pages_of(self, paper_ids: Sequence[str]) -> int:
        """The number of pages of a paged list (`_chunked`'s chunks), without cutting it:
        keys and routes ask for every category's, a page read for its own list's."""
        return max(1, -(-len(paper_ids) // self.per_page))

    def _chunked(self, key: object, newest_first: tuple[str, ...]) -> list[tuple[str, ...]]:
        """Numbered pages hold `per_page` papers counted from the oldest, so they stay put.
        (Cached: every page of a category asks, and a category can have thousands; a key
        of None is not kept.)"""
        chunks = self._chunks.get(key)
        if chunks is None:
            oldest_first = newest_first[::-1]
            size = self.per_page
            chunks = [oldest_first[start:start + size] for start in range(0, len(oldest_first), size)] or [()]
            if key is not None:
                self._chunks[key] = chunks
        return chunks


@dataclass(frozen=True)
class Kind:
    """A kind of page: its template is `{name}.html`, unless it is a `document`, a file
    made by code (a feed, a bibliography), whose `view` gives the file's bytes."""

    name: str
    keys: Callable[[Source], Iterable[Any]]
    route: Callable[[Source, Any], str]
    read: Callable[[Source, Any], tuple]
    view: Callable[[Any, Present], View | bytes]
    document: bool = False
    setting: str | None = None  # a boolean setting that leaves the kind out when false
    # the keys a change may add, remove or move to another path, where the others keep
    # their order (`route_all`)
    named: Callable[[Change], Iterable[Any]] | None = None

    def wanted(self, config: Config) -> bool:
        return self.setting is None or getattr(config, self.setting)

    @property
    def template(self) -> str | None:
        return None if self.document else f"{self.name}.html"


def single(name: str, path: str, read: Callable[[Source, None], tuple], view: Callable[[Any, Present], View]) -> Kind:
    """A kind of one page, whose key is None."""
    return Kind(name, lambda source: (None,), lambda source, key: path, read, view)


def nothing(source: Source, key: None) -> tuple:
    """The inputs of a page that shows nothing of the archive."""
    return ()


# --- paper --------------------------------------------------------------------------

class PaperInputs(NamedTuple):
    whole: Whole
    listed: Listed


def read_paper(source: Source, paper_id: str) -> PaperInputs:
    return PaperInputs(source.whole(paper_id), source.listed(paper_id))


def paper_view(inputs: PaperInputs, present: Present) -> View:
    paper, listed = inputs.whole.paper, inputs.listed
    view = dict(present.item(listed))
    abstract = abstract_html(paper.summary)
    comment = text_html(paper.comment) if paper.comment else None
    journal = text_html(paper.journal) if paper.journal else None
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
        "bibtex": present.bibtex(inputs.whole),
        "has_math": any(has_math(html or "") for html in (view["title_html"], abstract, comment, journal)),
        "journal": paper.journal,
        "venue": venue_link(paper.venue) if paper.venue else None,
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
    day = source.day(when)
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
        "new": new, "cross": cross, "bibliography": routes.day_bibliography(inputs.date),
        "previous": _day_link(inputs.previous), "next": _day_link(inputs.next),
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
        last = source.pages_of(source.archive.categories[code].paper_ids)
        yield code, last
        for number in range(1, last):
            yield code, number


def category_route(source: Source, key: tuple[str, int]) -> str:
    code, number = key
    return routes.category(code, None if number == source.pages_of(source.archive.categories[code].paper_ids)
                           else number)


# A page's pager (`pager_numbers`) and next newer page differ with the number of pages only
# where the page is this near the last one.
PAGER_REACH = PAGER_WINDOW + 2


def page_shape(chunks: Sequence[tuple[str, ...]], number: int) -> tuple[tuple[str, ...], tuple | None, int | None]:
    """What a page of a paged list shows of the list: its paper ids (oldest first), its
    pager (None: one page only) and the next newer page's number (None for the front).
    Given the chunks of a list before and after a change, the pages whose shape differs
    are the ones to read again."""
    last = len(chunks)
    return (chunks[number - 1] if number <= last else (), pager_numbers(number, last) if last > 1 else None,
            None if number + 1 >= last else number + 1)


def read_category(source: Source, key: tuple[str, int]) -> CategoryInputs:
    code, number = key
    chunk, pager, newer = source.category_page(code, number)
    last = len(source.chunks(code))
    front = number == last
    papers = source.listed_all(chunk[::-1])
    if not front:
        return CategoryInputs(code, number, front, papers, pager, newer, None, None, None)
    total = len(source.category(code).paper_ids)
    runs = _month_runs(source, code)
    pages = {month: (total - 1 - position) // source.per_page + 1 for month, position, _ in runs}  # from the oldest
    starts = tuple(sorted((month, None if page == last else page) for month, page in pages.items()))
    return CategoryInputs(code, number, front, papers, pager, newer, total,
                          tuple(sorted((month, size) for month, _, size in runs)), starts if last > 1 else None)


def _month_runs(source: Source, code: str) -> list[tuple[tuple[int, int], int, int]]:
    """Each month of a category's papers, newest first: (year, month), the position of its
    newest paper in the category's newest-first list, and how many it has. The list is in
    order of publication (`archive.newest_first`), so a month's papers are a run, found by
    bisection: a category has up to 200,000 papers but a few hundred months. (Its key, not
    each paper's, is recorded: a category's key changes with any of its papers.)"""
    papers = source.archive.papers
    paper_ids = source.category(code).paper_ids

    def month(paper_id: str) -> int:  # negated, so it ascends along the list as bisection wants
        when = papers[paper_id].published
        return -(when.year * 12 + when.month - 1)

    runs = []
    start = 0
    while start < len(paper_ids):
        key = month(paper_ids[start])
        end = bisect_right(paper_ids, key, start, key=month)
        runs.append(((-key // 12, -key % 12 + 1), start, end - start))
        start = end
    return runs


def category_view(inputs: CategoryInputs, present: Present) -> View:
    code, number, front = inputs.code, inputs.number, inputs.front
    items = present.items(inputs.papers)
    per_month = Counter(dict(inputs.per_month)) if inputs.per_month else None
    return {
        "code": code, "name": category_name(code), "count": inputs.count,
        "papers": items, "front_path": routes.category(code),
        **paging(number, front, inputs.pager, inputs.newer, lambda n: routes.category(code, n)),
        "chart": chart(per_month) if per_month else None,
        "months": month_index(code, dict(inputs.starts), per_month) if inputs.starts else None,
        "feed": routes.category_feed(code),
        "has_math": any(item["has_math"] for item in items),
    }


# --- author -------------------------------------------------------------------------

class AuthorInputs(NamedTuple):
    name: str
    slug: str
    papers: tuple[Listed, ...]  # newest first; their authors and categories are counted


def read_author(source: Source, name: str) -> AuthorInputs:
    author = source.author(name)
    return AuthorInputs(name, author.slug, source.listed_all(author.paper_ids))


def author_view(inputs: AuthorInputs, present: Present) -> View:
    name, slug, papers = inputs
    items = [present.author_item(listed, name) for listed in papers]
    if len(papers) == 1:
        coauthors, total, categories = present.sole_paper_links(name, papers[0])
    else:
        coauthors, total = present.top_coauthors(name, papers)
        categories = present.counted_categories(papers)
    return {
        "name": name, "papers": items, "coauthors": coauthors, "more_coauthors": total - len(coauthors),
        "categories": categories, "has_math": any(item["has_math"] for item in items),
        **_author_files(slug, present.config.author_files),
    }


def _author_files(slug: str, written: bool) -> View:
    """The author's feed and bibliography, or None for each where `author_files` is off."""
    if not written:
        return {"feed": None, "bibliography": None}
    return {"feed": routes.author_feed(slug), "bibliography": routes.author_bibliography(slug)}


# --- the pages that summarise the archive ---------------------------------------------

class HomeInputs(NamedTuple):
    latest: DayInputs | None
    totals: tuple[int, int, int, int]  # papers, authors, categories, days
    categories: tuple[tuple[str, str | None, int], ...]  # (code, path, papers), most papers first


def read_home(source: Source, key: None) -> HomeInputs:
    latest = source.latest_day()
    categories = sorted(source.categories(), key=lambda c: (-len(c.paper_ids), c.code))
    return HomeInputs(read_day(source, latest) if latest else None, source.totals(),
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
    """(Every day's paper ids taken at C speed: an archive has thousands of days.)"""
    counts, papers = [], {}
    for day in source.days():
        if day.listings:
            ids = set(map(FIRST, day.listings))
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
            "has_math": False}  # search.js loads KaTeX when a result shows math


def not_found_view(inputs: tuple, present: Present) -> View:
    return {"has_math": False}


# --- venues ---------------------------------------------------------------------------

class VenueYearInputs(NamedTuple):
    """Like a category page's: the counts on the front page only, so older pages stay put
    as the venue-year grows."""

    slug: str
    short: str
    name: str
    kind: str
    year: int | None
    number: int
    front: bool
    papers: tuple[Listed, ...]  # newest first
    pager: tuple[int | None, ...] | None
    newer: int | None
    count: int | None  # on the front page
    years: tuple[tuple[int | None, int | None], ...]  # (year, papers: on the front page), newest first


def venue_years(source: Source) -> Iterator[tuple[str, int | None]]:
    for slug, group in source.archive.venues.items():
        for year in group.years:
            yield slug, year


def venue_year_keys(source: Source) -> Iterator[tuple[str, int | None, int]]:
    for slug, year in venue_years(source):
        last = source.pages_of(source.archive.venues[slug].years[year])
        yield slug, year, last
        for number in range(1, last):
            yield slug, year, number


def venue_year_route(source: Source, key: tuple[str, int | None, int]) -> str:
    slug, year, number = key
    return routes.venue(slug, year, None if number == source.pages_of(source.archive.venues[slug].years[year])
                        else number)


def read_venue_year(source: Source, key: tuple[str, int | None, int]) -> VenueYearInputs:
    """(A numbered page reads its own papers and the venue's heading only: a day's new
    papers change the front pages of their venues, not the older pages.)"""
    slug, year, number = key
    chunk, pager, newer = source.venue_page(slug, year, number)
    short, name, kind, years = source.venue_heading(slug)
    front = number == len(source.venue_chunks(slug, year))
    papers = source.listed_all(chunk[::-1])
    if not front:
        return VenueYearInputs(slug, short, name, kind, year, number, front, papers, pager, newer, None,
                               tuple((other, None) for other in years))
    group = source.venue(slug)
    return VenueYearInputs(slug, short, name, kind, year, number, front, papers, pager, newer, len(group.years[year]),
                           tuple((other, len(ids)) for other, ids in group.years.items()))


def venue_heading(group: VenueGroup) -> tuple[str, str, str, tuple[int | None, ...]]:
    return group.short, group.name, group.kind, tuple(group.years)


def venue_year_view(inputs: VenueYearInputs, present: Present) -> View:
    """A page of a venue's papers of one year: paged like a category, newest first."""
    slug, year = inputs.slug, inputs.year
    items = present.items(inputs.papers)
    return {
        "slug": slug, "short": inputs.short, "name": inputs.name, "kind": inputs.kind, "year": year,
        "count": inputs.count, "papers": items, "front_path": routes.venue(slug, year),
        **paging(inputs.number, inputs.front, inputs.pager, inputs.newer, lambda n: routes.venue(slug, year, n)),
        "years": _venue_years(slug, inputs.years, year), "index": routes.venues(),
        "feed": routes.venue_feed(slug, year), "bibliography": routes.venue_bibliography(slug, year),
        "has_math": any(item["has_math"] for item in items),
    }


def _venue_years(slug: str, years: tuple[tuple[int | None, int | None], ...], current: int | None = None) -> list[View]:
    """Each year of a venue with its number of papers (None where not shown), newest
    first, undated last."""
    return [{"year": year, "count": count, "path": routes.venue(slug, year), "current": year == current}
            for year, count in years]


class VenueIndexInputs(NamedTuple):
    venues: tuple[tuple[str, str, str, str, tuple[tuple[int | None, int], ...]], ...]
    # (slug, short, name, kind, (year, papers) newest first), by short name


def read_venue_index(source: Source, key: None) -> VenueIndexInputs:
    groups = sorted(source.venues(), key=lambda group: (group.short.casefold(), group.slug))
    return VenueIndexInputs(tuple((group.slug, group.short, group.name, group.kind,
                                   tuple((year, len(ids)) for year, ids in group.years.items())) for group in groups))


def venue_index_view(inputs: VenueIndexInputs, present: Present) -> View:
    """Every venue with an accepted paper, by kind, each with its years."""
    kinds = [(CONFERENCE, "Conferences"), (WORKSHOP, "Workshops"), (JOURNAL, "Journals")]
    return {
        "kinds": [{"kind": kind, "title": title, "venues": [
            {"slug": slug, "short": short, "name": name, "count": sum(count for _, count in years),
             "years": _venue_years(slug, years)}
            for slug, short, name, venue_kind, years in inputs.venues if venue_kind == kind]} for kind, title in kinds],
        "count": sum(count for *_, years in inputs.venues for _, count in years),
        "has_math": False,
    }


def following_view(inputs: tuple, present: Present) -> View:
    """The page lists what a reader follows, from the browser's storage and the search
    data, so it shows nothing of the archive itself."""
    return {"has_math": False}


def changed_papers(change: Change) -> list[str]:
    """The ids of the papers a change names: a paper that came or went is one."""
    return [key for key in change.keys if type(key) is str]


def listing_days(source: Source) -> list[date]:
    return source.days_with_papers


def author_names(source: Source) -> Iterable[str]:
    return source.archive.authors


def named(tag: str) -> Callable[[Change], list]:
    """The names in the `(tag, name)` keys a change names (`"a"`: authors, `"d"`: days)."""
    return lambda change: [key[1] for key in change.keys if type(key) is tuple and key[0] == tag]


# In the order the sitemap lists them.
KINDS = (
    single("home", routes.home(), read_home, home_view),
    single("archive", routes.archive(), read_archive, archive_view),
    single("not_found", routes.not_found(), nothing, not_found_view),
    single("search", routes.search(), lambda source, key: SearchInputs(source.totals()[0]), search_view),
    single("following", routes.following(), nothing, following_view),
    single("venue_index", routes.venues(), read_venue_index, venue_index_view),
    Kind("paper", lambda source: source.archive.papers, lambda source, key: routes.paper(key), read_paper, paper_view,
         named=changed_papers),
    Kind("day", listing_days, lambda source, key: routes.day(key), read_day, day_view, named=named("d")),
    Kind("day_bibliography", listing_days, lambda source, key: routes.day_bibliography(key),
         documents.read_day_bibliography, documents.bibliography, document=True, named=named("d")),
    Kind("category", category_keys, category_route, read_category, category_view),
    Kind("author", author_names, lambda source, name: source.author_path(name), read_author, author_view,
         named=named("a")),
    Kind("author_feed", author_names,
         lambda source, name: routes.author_feed(field_of(source.archive.authors, name, "slug")),
         documents.read_author_feed, documents.feed, document=True, setting="author_files", named=named("a")),
    Kind("author_bibliography", author_names,
         lambda source, name: routes.author_bibliography(field_of(source.archive.authors, name, "slug")),
         documents.read_author_bibliography, documents.bibliography, document=True, setting="author_files",
         named=named("a")),
    Kind("venue_year", venue_year_keys, venue_year_route, read_venue_year, venue_year_view),
    Kind("venue_feed", venue_years, lambda source, key: routes.venue_feed(*key),
         documents.read_venue_feed, documents.feed, document=True),
    Kind("venue_bibliography", venue_years, lambda source, key: routes.venue_bibliography(*key),
         documents.read_venue_bibliography, documents.bibliography, document=True),
)
KIND = {kind.name: kind for kind in KINDS}
MAKE_PAGE = partial(tuple.__new__, Page)  # a Page of (kind, key, path), made at C speed
AUTHOR_KINDS = ("author", "author_feed", "author_bibliography")  # the kinds keyed by an author's name


@dataclass
class Plan:
    """What `Pages.plan` planned: every page, as each kind's keys and paths (`routes`, kept
    with the reads for the next update), the pages read now with their fingerprints,
    and, in an update, the paths of the last plan's pages that no page has now.

    A clean plan reads every page (`removed` is None). An update reads only the pages
    that are new, moved or read a key that changed, the others keeping what the served
    folder knows them by: publishing, the counts and the sitemap take what changed and
    the routes, and nothing of the update makes or looks up a fingerprint per page."""

    recorded: Recorded
    read: list[Page]
    fingerprints: dict[str, str]  # path -> fingerprint, of the pages read
    removed: set[str] | None  # the last plan's paths that no page has now; None: a clean plan

    @property
    def routes(self) -> dict[str, tuple[list, list[str]]]:
        """Kind -> its pages' keys and paths."""
        return self.recorded.routes

    def pages(self) -> list[Page]:
        """Every page, kind after kind."""
        return [page for name, (keys, paths) in self.routes.items()
                for page in map(MAKE_PAGE, zip(repeat(name), keys, paths))]

    def counts(self) -> dict[str, int]:
        """The number of pages of each kind that has any."""
        return {name: len(keys) for name, (keys, _) in self.routes.items() if keys}


class Pages:
    """The pages of a site over one archive: each one's path, inputs, fingerprint and the
    variables its template sees (or, for a document, its bytes)."""

    def __init__(self, archive: Archive, config: Config):
        self.archive = archive
        self.config = config
        self.source = Source(archive, config)
        self.present = Present(config)
        self.site = self.present.site
        self.kinds = [kind for kind in KINDS if kind.wanted(config)]

    def pages(self) -> Iterator[Page]:
        """Every page of the site, each with its kind and output path."""
        for kind in self.kinds:
            for key in kind.keys(self.source):
                yield Page(kind.name, key, kind.route(self.source, key))

    def inputs(self, page: Page) -> tuple:
        """(What a page reads is recorded by `plan` only: here the keys go with the page,
        rather than gather, the whole archive's of them, in each rendering process.)"""
        self.source.reads = set()
        return KIND[page.kind].read(self.source, page.key)

    def plan(self, site: str, templates: dict[str, str], known: Container[str] | None = None,
             recorded: Recorded | None = None, change: Change | None = None) -> Plan:
        """Every page (each kind's keys and paths), and the fingerprints of the pages read:
        the digest of the site's settings and code (`site`), its kind's template (with the
        ones it uses; a document has none) and its inputs. (Fingerprints are compared path
        by path, so the path need not be in them.) Also what each page read (`Recorded`).

        Given what the served folder holds (`known`: the last build's pages among its
        paths), what the last plan's pages read (`recorded`, with the last plan's pages)
        and what changed in the model since (`change`), this is an update: a page keeps
        what the served folder knows it by unless it is new, it read a key that changed,
        or its kind's template changed; only those pages are read, and only the keys that
        came or whose page read a key that changed are routed (`route_all`). The plan
        then says what changed (the pages read, the paths gone), not every page's
        fingerprint. Otherwise (or where the site's settings or code changed) every page
        is routed and read, and recorded afresh."""
        fingerprints: dict[str, str] = {}
        read_now: list[Page] = []
        routed: list[str] = []  # the paths of the keys routed now
        released: set[str] = set()  # the last paths of the keys routed now or gone
        source = self.source
        salts = {kind.name: _kind_fingerprint(kind, site, templates) for kind in self.kinds}
        update = known is not None and recorded is not None and change is not None \
            and any(recorded.salts.get(name) == salt for name, salt in salts.items()) \
            and all(kind.name in recorded.routes for kind in self.kinds)
        if not update:
            recorded = Recorded()
        stale = recorded.reading({*change.keys, *source.stale_category_pages(change),
                                  *source.stale_venue_pages(change)}) if update else set()
        note = recorded.note
        listed: dict[Callable, list] = {}  # a kind's `keys` -> the list of them, shared by the kinds keyed alike
        splices: dict = {}  # the splices made (`route_all`)
        for kind in self.kinds:
            name, read = kind.name, kind.read
            salt = salts[name]
            fresh = recorded.salts.get(name) != salt
            recorded.salts[name] = salt
            if kind.keys not in listed:
                listed[kind.keys] = list(kind.keys(source))
            keys = listed[kind.keys]
            last = recorded.routes.get(name) if update else None
            paths, moved, gone = route_all(source, kind, keys, last,
                                           kind.named(change) if last and kind.named else None, stale, splices)
            routed.extend(map(paths.__getitem__, moved))
            released.update(gone)
            recorded.routes[name] = (keys, paths)
            if fresh:
                to_read: Iterable[int] = range(len(paths))
            else:  # the pages routed now, and the ones that read a key that changed
                to_read = sorted({*moved, *compress(count(), map(stale.__contains__, paths))}) if stale else moved
            for index in to_read:
                page = MAKE_PAGE((name, keys[index], paths[index]))
                source.reads = reads = set()
                fingerprints[page.path] = inputs_digest(read(source, page.key), salt)
                note(page.path, reads)
                read_now.append(page)
        recorded.routes = {kind.name: recorded.routes[kind.name] for kind in self.kinds}
        held = (lambda path: path in known and path not in released) if update else None
        recorded.cased = routes.check_unique(routed, held, recorded.cased, released)
        return Plan(recorded, read_now, fingerprints, released.difference(routed) if update else None)

    def view(self, page: Page) -> View | bytes:
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


def route_all(source: Source, kind: Kind, keys: list, last: tuple[list, list[str]] | None,
              named: Iterable[Any] | None, stale: set[str], splices: dict | None = None
              ) -> tuple[list[str], Sequence[int], Iterable[str]]:
    """The paths of a kind's `keys`, the indices of those routed now, and the last paths
    of the keys routed now or gone, given the last plan's keys and paths of the kind
    (`last`; None: route every key), the keys the change names (`named`, for `Kind.named`)
    and the paths of the pages that read a key that changed (`stale`): a key keeps its
    last path unless it is new or its page is stale.
    A route that depends on more than its key (an author's slug, a category's number of
    pages) depends on what its page reads, so it changes only with a stale page; or, for
    a kind that names the keys a change may add, remove or move (`Kind.named`), only
    with those. (At C speed but for the keys routed: an update keeps nearly all of a
    million.) `splices` keeps the splices made, by the lists and names spliced: kinds
    keyed alike share their lists of keys (`Pages.plan`), and splice them once.)"""
    route = kind.route
    if last is None:
        return [route(source, key) for key in keys], range(len(keys)), ()
    splice = spliced(keys, *last, named, splices) if named is not None else None
    if splice is not None:
        paths, gone = splice
        moved = list(compress(count(), map(operator.is_, paths, repeat(None))))
    else:
        paths = list(map(dict(zip(*last)).get, keys))
        moved = list(compress(count(), map(operator.or_, map(operator.is_, paths, repeat(None)),
                                           map(stale.__contains__, paths))))
        gone = set(last[1]).difference(paths)
        gone.update(filter(None, map(paths.__getitem__, moved)))
    for index in moved:
        paths[index] = route(source, keys[index])
    return paths, moved, gone


class Splice(NamedTuple):
    """Where the keys a change names are taken out of the last plan's (`out`: their
    indices, ascending) and put back (`at`: before which of the last plan's keys each
    goes, ascending)."""

    out: list[int]
    at: list[int]

    def paths(self, last_paths: list[str]) -> tuple[list[str | None], list[str]]:
        """The last paths with the keys' taken out and None put back, and those taken out."""
        return _edited(last_paths, self.out, self.at, [None] * len(self.at)), list(map(last_paths.__getitem__, self.out))


def spliced(keys: list, last_keys: list, last_paths: list[str], named: Iterable[Any], splices: dict | None = None
            ) -> tuple[list[str | None], list[str]] | None:
    """The last paths of `keys` (None for a key to route), where the keys are sorted and
    are the last plan's but for keys `named` (which came, went or may have moved): those
    are taken out of the last plan's and put back where they belong with no path; and the
    last paths of the keys taken out. None where that does not give `keys` (the caller
    then looks each key up). Made of slices and a comparison of lists, at C speed, where
    looking a million keys up takes a second. Given `splices`, a splice of the same
    lists (the same objects) by the same names is made once and kept there."""
    named = tuple(named)
    if splices is None:
        splice = _splice(keys, last_keys, named)
    else:
        key = (id(keys), id(last_keys), named)
        if key not in splices:
            splices[key] = (keys, last_keys, _splice(keys, last_keys, named))  # (the lists kept, so are their ids)
        splice = splices[key][-1]
    return None if splice is None else splice.paths(last_paths)


def _splice(keys: list, last_keys: list, named: Iterable[Any]) -> Splice | None:
    """`spliced`'s splice; None where it does not give `keys`."""
    try:
        ordered = sorted(set(named))
        out = [index for index in map(partial(_position, last_keys), ordered) if index is not None]
        back = [key for key in ordered if _position(keys, key) is not None]
        at = [bisect_left(last_keys, key) for key in back]  # (before a key taken out, or where it was: the same)
    except TypeError:  # keys that do not sort
        return None
    return Splice(out, at) if _edited(last_keys, out, at, back) == keys else None


def _position(ordered: list, key: Any) -> int | None:
    """Where `key` is in the sorted list `ordered`, if it is."""
    index = bisect_left(ordered, key)
    return index if index < len(ordered) and ordered[index] == key else None


def _edited(items: list, out: list[int], at: list[int], values: list) -> list:
    """`items` but those at the indices `out`, with each of `values` put before the item
    at its index in `at` (both ascending), made in one pass of slices: each copy of a
    list of a million touches a million objects."""
    made: list = []
    start = 0
    for index, taken, number in sorted([*zip(out, repeat(1), repeat(0)), *zip(at, repeat(0), count())]):
        made += items[start:index]
        if taken:
            start = index + 1
        else:
            made.append(values[number])
            start = index
    made += items[start:]
    return made


def _kind_fingerprint(kind: Kind, site: str, templates: dict[str, str]) -> str:
    """What every page of `kind` depends on besides its inputs."""
    return digest_of(site, kind.name, templates.get(kind.template, ""))


def templates() -> list[str]:
    """The templates that pages are rendered with, one per kind that is no document."""
    return [kind.template for kind in KINDS if not kind.document]


def document_kinds() -> list[str]:
    return [kind.name for kind in KINDS if kind.document]


class PageRenderer:
    """Renders every page: documents by their kind's code, the others with `renderer`
    (`render.Renderer`: the theme's templates)."""

    def __init__(self, renderer: Renderer, pages: Pages):
        self.renderer = renderer
        self.pages = pages

    def order(self, pages: Sequence[Page]) -> list[Page]:
        """`pages` in the order that renders fastest: by depth, as the renderer's cached
        fragments are those of one depth (days and authors sit at the same one), then by
        kind, and the pages and files of authors by the author's newest paper, so those of
        co-authors, which list the same papers, come together (see `views.Kept`)."""
        authors = self.pages.archive.authors
        return sorted(pages, key=lambda page: (page.root, page.kind,
                                               authors[page.key].paper_ids[0] if page.kind in AUTHOR_KINDS else ""))

    def render(self, page: Page) -> bytes:
        if KIND[page.kind].document:
            return self.pages.view(page)
        return self.renderer.render(page)
