"""Model the archive: digests in, one Archive of papers, days, categories and authors out.

Frozen records keyed by id; relations are ids (paper ids, category codes, author names),
never references, so any stage can hold a part of the model without the rest.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from typing import Callable, Iterable, Mapping, NamedTuple

from .digest import Digest, Entry
from .slugs import slugify
from .taxonomy import category_name, is_arxiv_category
from .venues import Venue, Venues


class Paper(NamedTuple):
    """A paper, merged from every listing of it: the newest version's metadata wins. A
    named tuple, as `Entry` is: an archive makes 200,000 at every build, and a frozen
    dataclass sets each field through Python."""

    id: str
    version: int | None
    title: str
    authors: tuple[str, ...]
    categories: tuple[str, ...]
    classifications: tuple[str, ...]
    dois: tuple[str, ...]
    pdf_url: str | None
    published: datetime
    updated: datetime
    comment: str | None
    journal: str | None
    summary: str
    listings: tuple[tuple[date, str], ...]
    key: str  # the newest entry's: every field above but the listings follows from it
    venue: Venue | None  # read from the comment and journal once; one object per distinct venue

    @property
    def primary_category(self) -> str:
        return self.categories[0]

    @property
    def days(self) -> tuple[date, ...]:
        return tuple(sorted({day for day, _ in self.listings}))


@dataclass(frozen=True, slots=True)
class Day:
    """A listing day: the papers listed, each with the category it was listed under."""

    date: date
    listings: tuple[tuple[str, str], ...]

    @property
    def paper_ids(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(paper_id for paper_id, _ in self.listings))


@dataclass(frozen=True, slots=True)
class Category:
    code: str
    name: str
    paper_ids: tuple[str, ...]


class Author(NamedTuple):  # 260,000 in a whole archive: a named tuple, as `Paper` is
    name: str
    slug: str
    paper_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class VenueGroup:
    """A venue's accepted papers by the year its text gives (None: it gives none), each
    year's newest first, years newest first. Submitted papers are never in a group."""

    slug: str
    short: str
    name: str
    kind: str
    years: Mapping[int | None, tuple[str, ...]]


@dataclass(frozen=True, slots=True)
class Archive:
    papers: Mapping[str, Paper]
    days: Mapping[date, Day]
    categories: Mapping[str, Category]
    authors: Mapping[str, Author]
    entries: int
    merged: int
    venues: Mapping[str, VenueGroup]  # slug -> group, by slug

    def coauthors(self, name: str) -> list[tuple[str, int]]:
        """Co-authors of `name` with the number of shared papers, most shared first."""
        counts = Counter(other for paper_id in self.authors[name].paper_ids
                         for other in self.papers[paper_id].authors if other != name)
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))

    def author_categories(self, name: str) -> list[tuple[str, int]]:
        counts = Counter(code for paper_id in self.authors[name].paper_ids
                         for code in self.papers[paper_id].categories)
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def build_archive(digests: Iterable[Digest], venues: Venues | None = None) -> Archive:
    """Merge the digests' entries into one archive; `venues` reads each paper's venue
    (the built-in table when None)."""
    newest: dict[str, Entry] = {}
    listings: dict[str, list[tuple[date, str]]] = defaultdict(list)
    day_listings: dict[date, dict[tuple[str, str], None]] = defaultdict(dict)
    entries = 0
    for digest in digests:
        if digest.day is None:
            continue
        listed = (digest.day, digest.category)
        on_day = day_listings[digest.day]  # an empty digest is still a (paperless) day
        for entry in digest.entries:
            entries += 1
            current = newest.get(entry.id)
            if current is None or _is_newer(entry, current):
                newest[entry.id] = entry
            listings[entry.id].append(listed)
            on_day[(entry.id, digest.category)] = None
    read_venue = _venue_reader(venues or Venues())
    papers = {paper_id: _paper(newest[paper_id], listings[paper_id], read_venue) for paper_id in sorted(newest)}
    ordered = newest_first(papers.values())
    return Archive(
        papers=papers,
        days={day: Day(day, tuple(day_listings[day])) for day in sorted(day_listings)},
        categories=_categories(ordered),
        authors=_authors(ordered, papers),
        entries=entries,
        merged=entries - len(papers),
        venues=_venue_groups(ordered),
    )


def venue_readings(archive: Archive) -> dict[tuple[str | None, str | None], Venue | None]:
    """Each paper's Comment and Journal text with the venue read from it (what `Venues`
    may start with next time, with the same aliases): the texts of the papers the archive
    holds, no others, each venue one shared object."""
    return {(paper.comment, paper.journal): paper.venue for paper in archive.papers.values()}


def _is_newer(entry: Entry, current: Entry) -> bool:
    return (entry.version or 0, entry.updated) > (current.version or 0, current.updated)


def _venue_reader(venues: Venues):
    """`Venues.read` that returns one shared object per distinct venue: an archive of
    200,000 papers holds a few thousand venues, not one object per paper."""
    interned: dict[Venue, Venue] = {}

    def read(entry: Entry) -> Venue | None:
        venue = venues.read(entry.comment, entry.journal)
        return None if venue is None else interned.setdefault(venue, venue)
    return read


def _paper(entry: Entry, listings: list[tuple[date, str]], read_venue) -> Paper:
    return Paper(
        id=entry.id, version=entry.version, title=entry.title, authors=tuple(dict.fromkeys(entry.authors)),
        categories=entry.categories, classifications=entry.classifications, dois=entry.dois,
        pdf_url=entry.pdf_url, published=entry.published, updated=entry.updated,
        comment=entry.comment, journal=entry.journal, summary=entry.summary,
        listings=tuple(sorted(set(listings))) if len(listings) > 1 else tuple(listings), key=entry.key,
        venue=read_venue(entry),
    )


def newest_first(papers: Iterable[Paper]) -> list[Paper]:
    """The stable order of every paper list: newest first, ties broken by id."""
    return sorted(papers, key=lambda paper: (paper.published, paper.id), reverse=True)


def _categories(ordered: list[Paper]) -> dict[str, Category]:
    """Every category a paper carries or was listed under; `ordered` is newest first.

    A digest's heading names the category it lists, and it is data like the rest: only a
    code shaped like an arXiv category gets a page (`<script>` or `../x` never become paths).
    """
    members: dict[str, list[str]] = defaultdict(list)
    is_category = cache(is_arxiv_category)  # a few codes, listed under 200,000 times
    for paper in ordered:
        codes = dict.fromkeys(paper.categories)
        for _, listed_under in paper.listings:
            if listed_under not in codes and is_category(listed_under):
                codes[listed_under] = None
        for code in codes:
            members[code].append(paper.id)
    return {code: Category(code, category_name(code), tuple(members[code])) for code in sorted(members)}


def _venue_groups(ordered: list[Paper]) -> dict[str, VenueGroup]:
    """Every venue with an accepted paper; `ordered` is newest first, so each year's list
    comes out in order. Short names sharing a slug share a group, named by the first."""
    members: dict[str, dict[int | None, list[str]]] = defaultdict(lambda: defaultdict(list))
    first: dict[str, Venue] = {}
    for paper in ordered:
        venue = paper.venue
        if venue is not None and venue.accepted:
            first.setdefault(venue.slug, venue)
            members[venue.slug][venue.year].append(paper.id)
    return {slug: VenueGroup(slug, first[slug].short, first[slug].name, first[slug].kind,
                             {year: tuple(ids) for year, ids in sorted(members[slug].items(), key=_newest_year)})
            for slug in sorted(members)}


def _newest_year(item: tuple[int | None, object]) -> int:
    """Years newest first, the papers whose text gives none last."""
    year = item[0]
    return -year if year is not None else 0


def _authors(ordered: list[Paper], papers: Mapping[str, Paper]) -> dict[str, Author]:
    """One author per name; `ordered` is newest first, so each list comes out in order."""
    members: dict[str, list[str]] = defaultdict(list)
    for paper in ordered:
        paper_id = paper.id
        for name in paper.authors:
            members[name].append(paper_id)

    def seen_first(name: str) -> tuple[datetime, str, str]:
        oldest = papers[members[name][-1]]  # the last of the list
        return oldest.published, oldest.id, name

    slugs = author_slugs(members, seen_first)
    return {name: Author(name, slugs[name], tuple(members[name])) for name in sorted(members)}


def author_slugs(names: Iterable[str], seen_first: Callable[[str], object]) -> dict[str, str]:
    """A unique, stable URL slug per name; `seen_first(name)` sorts the names seen first first.

    Names that reduce to the same slug (`José García`, `Jose Garcia`) are told apart by a
    short hash of the exact name; the name seen first keeps the plain slug, so adding
    newer papers never renames an existing author page.
    """
    slugs = {name: slugify(name) for name in names}
    counts = Counter(slugs.values())
    shared: dict[str, list[str]] = defaultdict(list)  # few: most names have a slug of their own
    for name in [name for name, slug in slugs.items() if counts[slug] > 1]:
        shared[slugs[name]].append(name)
    taken = set(counts)
    for base, group in shared.items():
        group.sort(key=seen_first)
        for name in group[1:]:
            slugs[name] = _hashed_slug(base, name, taken)
    return slugs


def _hashed_slug(base: str, name: str, taken: set[str]) -> str:
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8).hexdigest()
    for length in range(6, len(digest) + 1, 2):
        slug = f"{base}-{digest[:length]}"
        if slug not in taken:
            taken.add(slug)
            return slug
    raise ValueError(f"cannot find a unique slug for {name!r}")
