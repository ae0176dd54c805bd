"""Model the archive: digests in, one Archive of papers, days, categories and authors out.

Frozen records keyed by id; relations are ids (paper ids, category codes, author names),
never references, so any stage can hold a part of the model without the rest.
"""

from __future__ import annotations

import bisect
import hashlib
import heapq
import re
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
        for code in _category_codes(paper, is_category):
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


_HASH = re.compile(r"[0-9a-f]{6,}")  # what `_hashed_slug` appends to a base


def _hashed_slug(base: str, name: str, taken: set[str]) -> str:
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8).hexdigest()
    for length in range(6, len(digest) + 1, 2):
        slug = f"{base}-{digest[:length]}"
        if slug not in taken:
            taken.add(slug)
            return slug
    raise ValueError(f"cannot find a unique slug for {name!r}")


# --- what an update changed ------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    """What differs between the last build's model and this one's, as the model keys that
    `kinds.Source` records a page's reads by (`changed_keys`)."""

    keys: frozenset
    categories: Mapping[str, tuple[str, ...]]  # a category named in `keys`: its paper ids before, newest first


def changed_keys(new: Archive, before: Iterable[tuple[str, Digest]], after: Mapping[str, Digest],
                 venues: Venues | None = None) -> Change:
    """The model keys whose records may differ between the archive of `before` (the last
    build's digests, by content key, in reading order) and `new`, the archive of `after`
    (this build's): told from the digest files that came and went, without the last
    build's model. A paper's record follows from the files that list it alone, so each
    paper those files list is merged again from the files of each side that list it, and
    what differs names the rest:

    - a paper's id, where the paper differs;
    - `("a", name)` for each author of either version (and, where a name shares its slug's
      base with another, every name of that base and their papers: a slug may move);
    - `("c", code)` for each category of either version (`("c?", code)` where it came or
      went), `("v", slug)` for either version's accepted venue;
    - `("d", date)` for the days of the files, `("n", date)` for them and the listing days
      beside them;
    - `("totals",)`, `("days",)`, and `("categories",)` and `("venues",)` where one changed.

    A key named may not have changed (an author of a changed paper still lists the same
    papers); a key whose record changed is always named."""
    before = list(before)
    held = {key for key, _ in before}
    files = [digest for key, digest in after.items() if key not in held] + \
            [digest for key, digest in before if key not in after]
    files = [digest for digest in files if digest.day is not None]
    touched = {entry.id for digest in files for entry in digest.entries}
    lists = [digest for _, digest in before if digest.day is not None and any(entry.id in touched
                                                                              for entry in digest.entries)]
    old = build_archive(lists, venues).papers
    pairs = [(old.get(paper_id), new.papers.get(paper_id)) for paper_id in touched]
    pairs = [(was, now) for was, now in pairs if was != now]
    versions = [paper for pair in pairs for paper in pair if paper is not None]
    keys: set = {paper.id for paper in versions}
    names = {name for paper in versions for name in paper.authors}
    keys.update(("a", name) for name in names)
    for name in _moved_slugs(new, pairs):
        keys.add(("a", name))
        keys.update(new.authors[name].paper_ids)
    gone = {paper.id for paper in versions}
    categories = {}
    was_in = [(paper, _category_codes(paper)) for paper, _ in pairs if paper is not None]
    for code in {code for paper in versions for code in _category_codes(paper)}:
        categories[code] = _members_before(new.categories[code].paper_ids if code in new.categories else (),
                                           new.papers, gone, [paper for paper, codes in was_in if code in codes])
        keys.add(("c", code))
        if bool(categories[code]) != (code in new.categories):
            keys.add(("c?", code))
    keys.update(("v", paper.venue.slug) for paper in versions if paper.venue is not None and paper.venue.accepted)
    days = {digest.day for digest in files}
    keys.update(("d", when) for when in days)
    keys.update(("n", when) for when in _beside(new, days))
    if files:
        keys.update({("totals",), ("days",)})
    for kind, collection in (("c", "categories"), ("v", "venues")):
        if any(type(key) is tuple and key[0] == kind for key in keys):
            keys.add((collection,))
    return Change(frozenset(keys), categories)


def _category_codes(paper: Paper, is_category: Callable[[str], bool] = is_arxiv_category) -> dict[str, None]:
    """The categories a paper is in (`_categories`): those it carries, then the arXiv
    categories it was listed under."""
    codes = dict.fromkeys(paper.categories)
    for _, listed_under in paper.listings:
        if listed_under not in codes and is_category(listed_under):
            codes[listed_under] = None
    return codes


def _members_before(now: tuple[str, ...], papers: Mapping[str, Paper], changed: set[str],
                    was: list[Paper]) -> tuple[str, ...]:
    """A newest-first list of paper ids (`now`, of `papers`) as it was before: the
    `changed` papers taken out, their earlier versions `was` (the ones that belonged) put
    back in their places."""
    kept = [paper_id for paper_id in now if paper_id not in changed]
    if not was:
        return tuple(kept)
    order = {paper.id: (paper.published, paper.id) for paper in was}
    return tuple(heapq.merge(kept, [paper.id for paper in newest_first(was)], reverse=True,
                             key=lambda paper_id: order.get(paper_id) or (papers[paper_id].published, paper_id)))


def _moved_slugs(new: Archive, pairs: list[tuple[Paper | None, Paper | None]]) -> list[str]:
    """The authors of `new` whose slug may differ from the last build's, given the changed
    papers (`pairs`: each one's version before and now). `author_slugs` gives a base's
    plain slug to the name with the oldest first paper and hashes the others' names: the
    slugs of a base move only where its names or its first name change, or where a name's
    base became or stopped being another base's hashed slug (`smith-0a1b2c`)."""
    versions = [paper for pair in pairs for paper in pair if paper is not None]
    bases = {slugify(name) for paper in versions for name in paper.authors}
    suspect = {head for head, _, tail in map(lambda base: base.rpartition("-"), bases) if _HASH.fullmatch(tail)}
    bases |= suspect
    if not bases:
        return []
    members: dict[str, list[str]] = defaultdict(list)
    for name, author in new.authors.items():  # a slug is its base, or the base, a dash and a hash
        slug = author.slug
        if (slug in bases or slug.rpartition("-")[0] in bases) and slugify(name) in bases:
            members[slugify(name)].append(name)
    changed = {paper.id for paper in versions}
    earlier: dict[str, list[Paper]] = defaultdict(list)  # name -> its papers' versions before
    for was, _ in pairs:
        for name in was.authors if was is not None else ():
            earlier[name].append(was)

    def first_before(name: str) -> tuple | None:
        kept = [paper_id for paper_id in (new.authors[name].paper_ids if name in new.authors else ())
                if paper_id not in changed]
        dates = [(paper.published, paper.id) for paper in earlier.get(name, ())]
        if kept:
            dates.append((new.papers[kept[-1]].published, kept[-1]))
        return min(dates) if dates else None

    moved = []
    for base in bases:
        now = {name: (new.papers[new.authors[name].paper_ids[-1]].published, new.authors[name].paper_ids[-1])
               for name in members.get(base, ())}
        was = {name: first for name in {*now, *(name for name in earlier if slugify(name) == base)}
               for first in (first_before(name),) if first is not None}
        if base in suspect or now.keys() != was.keys() or \
                min(now, key=lambda name: (now[name], name), default=None) != \
                min(was, key=lambda name: (was[name], name), default=None):
            moved.extend(now)
    return moved


def _beside(new: Archive, days: set[date]) -> set[date]:
    """`days` and the listing days of `new` just before and after each: the days whose
    neighbours may have moved when `days` came, went or changed."""
    listing = [day.date for day in new.days.values() if day.listings]
    found = set(days)
    for when in days:
        index = bisect.bisect_left(listing, when)
        found.update(listing[max(index - 1, 0):index + 2])
    return found
