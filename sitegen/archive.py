"""Model the archive: digests in, one Archive of papers, days, categories and authors out.

Frozen records keyed by id; relations are ids (paper ids, category codes, author names),
never references, so any stage can hold a part of the model without the rest.
"""

from __future__ import annotations

import bisect
import dataclasses
import hashlib
import operator
import pickle
import re
from array import array
from collections import ChainMap, Counter, defaultdict
from collections.abc import MutableMapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cache, partial
from itertools import accumulate, chain, filterfalse, repeat
from typing import Callable, Iterable, Iterator, Mapping, NamedTuple, Sequence

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
    newest, listings, day_listings, entries = _merge(digests)
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


def _merge(digests: Iterable[Digest]) -> tuple[dict[str, Entry], dict[str, list[tuple[date, str]]],
                                               dict[date, dict[tuple[str, str], None]], int]:
    """Each paper's newest entry and its listings, each day's listings, and the number of
    entries: what the digests give, read in order (of two entries as new, the first wins)."""
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
    return newest, listings, day_listings, entries


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


def field_values(records: Mapping[str, tuple], name: str) -> list:
    """Field `name` of every record (`Paper`, `Author`), in order: of a kept model's
    (`Columnar`), without making the records not made yet."""
    if isinstance(records, Columnar):
        return records.field(name)
    return list(map(operator.attrgetter(name), records.values()))


def field_of(records: Mapping[str, tuple], key: str, name: str):
    """Field `name` of the record `key`: of a kept model's (`Columnar`), without making
    the record (an update routes a great many authors' pages by their slugs alone)."""
    if isinstance(records, Columnar):
        return records.value(key, name)
    return getattr(records[key], name)


def _hashed_slug(base: str, name: str, taken: set[str]) -> str:
    digest = hashlib.blake2b(name.encode("utf-8"), digest_size=8).hexdigest()
    for length in range(6, len(digest) + 1, 2):
        slug = f"{base}-{digest[:length]}"
        if slug not in taken:
            taken.add(slug)
            return slug
    raise ValueError(f"cannot find a unique slug for {name!r}")


# --- the model kept from one build to the next -----------------------------------------

Heading = tuple[date, str] | None  # a digest's day and category; None: it has no day (it is not modelled)


@dataclass
class Modelled:
    """An archive with the content key of each digest it was made from, in reading order,
    and each one's heading: what `updated` needs to bring it up to date from the digest
    files that came and went, without reading the others."""

    archive: Archive
    headings: dict[str, Heading]


def kept_model(model: Modelled) -> Modelled:
    """`model` as a build keeps it for the next: its papers and authors in columns (`Columnar`).
    Loaded, they cost a fraction of 200,000 papers and 260,000 authors made of objects
    (most of it making the objects, not reading the bytes), and an update makes only the
    few thousand it reads."""
    archive = model.archive
    names = list(archive.authors)
    papers = Rows.of(Paper, archive.papers.values(), (
        list, list, Texts.of, partial(Runs.of, table=names), Interned.of, Interned.of, Interned.of, list,
        Moments.of, Moments.of, list, list, Texts.of, Runs.of, list, Interned.of))
    authors = Rows.of(Author, archive.authors.values(), (list, list, partial(Runs.of, table=papers.keys)))
    return Modelled(dataclasses.replace(archive, papers=Columnar(papers), authors=Columnar(authors)), model.headings)


class Texts:
    """Strings as one UTF-8 buffer and the bounds of each in it; one is decoded when asked
    for. It pickles out of band (`cache.Cache.save_mapped`): loaded, it is a view of the file."""

    __slots__ = ("data", "bounds")

    def __init__(self, data, bounds: array):
        self.data, self.bounds = data, bounds

    @classmethod
    def of(cls, texts: Sequence[str]) -> Texts:
        data, bounds = bytearray(), array("Q", [0])
        # a batch encoded at a time: a copy of every text at once would add to the memory of a build
        for start in range(0, len(texts), _ENCODED_BATCH):
            encoded = list(map(_ENCODE, texts[start:start + _ENCODED_BATCH]))
            bounds.extend(accumulate(map(len, encoded), initial=bounds.pop()))
            data += b"".join(encoded)
        return cls(data, bounds)

    def __getitem__(self, row: int) -> str:
        return str(self.data[self.bounds[row]:self.bounds[row + 1]], "utf-8", "surrogatepass")

    def __reduce_ex__(self, protocol: int):
        return Texts, (pickle.PickleBuffer(self.data) if protocol >= 5 else bytes(self.data), self.bounds)


class Interned:
    """Values few of which differ (category lists, venues): each once in a table, and each
    row's number in it. Equal values are one object, as `_venue_reader` makes venues."""

    __slots__ = ("table", "numbers")

    def __init__(self, table: list, numbers: array):
        self.table, self.numbers = table, numbers

    @classmethod
    def of(cls, values: Sequence) -> Interned:
        return cls(*_numbered(values))

    def __getitem__(self, row: int):
        return self.table[self.numbers[row]]


class Runs:
    """Tuples of the items of a table (a paper's author names, an author's paper ids, a
    paper's listings): the numbers in the table of each row's items, one row after the
    other, and the bounds of each row's."""

    __slots__ = ("table", "numbers", "bounds")

    def __init__(self, table: list, numbers: array, bounds: array):
        self.table, self.numbers, self.bounds = table, numbers, bounds

    @classmethod
    def of(cls, runs: Sequence[tuple], table: list | None = None) -> Runs:
        """`table`: the items' table (None: the distinct items, in the order first met)."""
        items = list(chain.from_iterable(runs))
        if table is None:
            table, numbers = _numbered(items)
        else:
            numbers = array("I", map({item: number for number, item in enumerate(table)}.__getitem__, items))
        return cls(table, numbers, array("Q", accumulate(map(len, runs), initial=0)))

    def __getitem__(self, row: int) -> tuple:
        return tuple(map(self.table.__getitem__, self.numbers[self.bounds[row]:self.bounds[row + 1]]))


class Moments:
    """Datetimes as microseconds since the first moment of their zone, and that zone's
    first moment by number: one addition makes one again, zone and all."""

    __slots__ = ("starts", "micros", "zones")

    def __init__(self, starts: list[datetime], micros: array, zones: array):
        self.starts, self.micros, self.zones = starts, micros, zones

    @classmethod
    def of(cls, moments: Sequence[datetime]) -> Moments:
        table, zones = _numbered(list(map(_ZONE, moments)))
        starts = [datetime.min.replace(tzinfo=zone) for zone in table]
        since = map(operator.sub, moments, map(starts.__getitem__, zones))  # of the same zone: no offsets
        return cls(starts, array("q", map(operator.floordiv, since, repeat(_MICROSECOND))), zones)

    def __getitem__(self, row: int) -> datetime:
        return self.starts[self.zones[row]] + timedelta(0, 0, self.micros[row])  # (days, seconds, microseconds)


_ENCODED_BATCH = 4096  # texts
_ENCODE = partial(str.encode, encoding="utf-8", errors="surrogatepass")  # any string, and back as it was
_MICROSECOND = timedelta(microseconds=1)
_ZONE = operator.attrgetter("tzinfo")
_RECORD = tuple.__new__  # a named tuple made of its fields' values, without its Python `__new__`


def _numbered(values: Sequence) -> tuple[list, array]:
    """The distinct `values` (equal ones once, the first met) and each value's number among them."""
    table = list(dict.fromkeys(values))
    return table, array("I", map({value: number for number, value in enumerate(table)}.__getitem__, values))


class Rows:
    """Records of a named tuple type in columns, one per field (a list, or one of the
    column types above), made one at a time or, for many rows, a column at a time (each
    column's values in one loop, the records of them in another: a fifth faster)."""

    __slots__ = ("type", "columns")

    def __init__(self, record_type: type, columns: tuple):
        self.type, self.columns = record_type, columns

    @classmethod
    def of(cls, record_type: type, records: Iterable[tuple], columns: Sequence[Callable]) -> Rows:
        """`columns`: for each field, what makes its column of the field's values."""
        fields = list(zip(*records)) or [()] * len(columns)
        return cls(record_type, tuple(column(values) for column, values in zip(columns, fields)))

    @property
    def keys(self) -> list[str]:
        return self.columns[0]

    def make(self, row: int) -> tuple:
        return _RECORD(self.type, [column[row] for column in self.columns])

    def take(self, rows: list[int]) -> list[tuple]:
        columns = [list(map(column.__getitem__, rows)) for column in self.columns]
        return list(map(partial(_RECORD, self.type), zip(*columns)))


class Columnar(MutableMapping):
    """Records kept from one build to the next (`kept_model`): keyed by their first field, in
    order, each made from its row when first asked for and then kept in its slot (its
    row's number until then). `_put` patches the slots; a patched mapping pickles as a
    dictionary of records (`kept_model` makes columns of it again)."""

    __slots__ = ("rows", "slots", "patched")

    def __init__(self, rows: Rows, slots: dict | None = None, patched: bool = False):
        self.rows, self.patched = rows, patched
        if slots is not None:
            self.slots = slots

    def __getattr__(self, name: str):
        """`slots`, made when first used: not for a model only being kept (`kept_model`)."""
        if name != "slots":
            raise AttributeError(name)
        self.slots = dict(zip(self.rows.keys, range(len(self.rows.keys))))
        return self.slots

    def __getitem__(self, key: str):
        slot = self.slots[key]
        if type(slot) is int:
            slot = self.slots[key] = self.rows.make(slot)
        return slot

    def values(self):
        return self._made().values()

    def items(self):
        return self._made().items()

    def _made(self) -> dict:
        """The slots, with every record made: those not made yet, all at once."""
        slots = self.slots
        unmade = [key for key, slot in slots.items() if type(slot) is int]
        if unmade:
            slots.update(zip(unmade, self.rows.take([slots[key] for key in unmade])))
        return slots

    def get(self, key: str, default=None):
        return self[key] if key in self.slots else default

    def __contains__(self, key: object) -> bool:
        return key in self.slots

    def __iter__(self) -> Iterator[str]:
        return iter(self.slots)

    def __len__(self) -> int:
        return len(self.slots)

    def __setitem__(self, key: str, record: tuple) -> None:
        self.slots[key] = record

    def __delitem__(self, key: str) -> None:
        del self.slots[key]

    def value(self, key: str, name: str):
        """Field `name` of the record `key`, without making it if it is not made yet."""
        slot = self.slots[key]
        index = self.rows.type._fields.index(name)
        return self.rows.columns[index][slot] if type(slot) is int else slot[index]

    def field(self, name: str) -> list:
        """Field `name` of every record, in order, without making the records not made yet."""
        index = self.rows.type._fields.index(name)
        slots = list(self.slots.values())
        unmade = [slot for slot in slots if type(slot) is int]
        taken = map(self.rows.columns[index].__getitem__, unmade)
        return [next(taken) if type(slot) is int else slot[index] for slot in slots]

    def __reduce__(self):
        return (dict, (list(self.items()),)) if self.patched else (Columnar, (self.rows,))


def modelled(keyed: Mapping[str, Digest], venues: Venues | None = None) -> Modelled:
    """`build_archive` of the digests `keyed` (by content key, in reading order)."""
    return Modelled(build_archive(keyed.values(), venues), {key: _heading(digest) for key, digest in keyed.items()})


def _heading(digest: Digest) -> Heading:
    return None if digest.day is None else (digest.day, digest.category)


def updated(base: Modelled, keys: Sequence[str], digest: Callable[[str], Digest | None],
            venues: Venues | None = None) -> Modelled | None:
    """`base` brought to the digests `keys` (content keys in reading order; `digest(key)`
    gives one): the same archive as `build_archive` of them. The papers that the files
    which came or went list are merged again from every file that lists them, as are the
    days of those files; the categories, authors and venue groups of those papers (both
    versions) are patched. None where a digest needed is missing. `base` is patched in
    place (at archive scale a copy costs more than the patch): it is not for use after."""
    now = dict.fromkeys(keys)
    files = _loaded([key for key in keys if key not in base.headings] +
                    [key for key in base.headings if key not in now], digest)
    if files is None:
        return None
    headings = {key: base.headings[key] if key in base.headings else _heading(files[key]) for key in keys}
    dated = [file for file in files.values() if file.day is not None]
    touched = {entry.id for file in dated for entry in file.entries}
    days = {file.day for file in dated}
    lists = _listing(touched, days, keys, base, digest)
    if lists is None:
        return None
    newest, listings, day_listings, _ = _merge(lists)
    old = base.archive
    papers = _merged_papers(touched, newest, listings, venues)
    versions = {paper_id: (old.papers.get(paper_id), paper) for paper_id, paper in papers.items()}
    versions = {paper_id: pair for paper_id, pair in versions.items() if pair[0] != pair[1]}
    entries = old.entries + sum(len(file.entries) if key in now else -len(file.entries)
                                for key, file in files.items() if file.day is not None)
    records = {day: Day(day, tuple(day_listings[day])) if day in day_listings else None for day in days}
    return Modelled(_patched(old, versions, records, entries), headings)


def papers_before(base: Modelled, keys: Sequence[str], ids: set[str], digest: Callable[[str], Digest | None],
                  venues: Venues | None = None) -> dict[str, Paper] | None:
    """The papers `ids` as the digests `keys` (content keys in reading order) merge them,
    told from `base` and the files it does not hold; None where a digest is missing."""
    lists = _listing(ids, set(), keys, base, digest)
    if lists is None:
        return None
    newest, listings, _, _ = _merge(lists)
    return {paper_id: paper for paper_id, paper in _merged_papers(ids, newest, listings, venues).items()
            if paper is not None}


def _loaded(keys: Iterable[str], digest: Callable[[str], Digest | None]) -> dict[str, Digest] | None:
    found = {key: digest(key) for key in keys}
    return None if None in found.values() else found


def _listing(ids: set[str], days: set[date], keys: Sequence[str], base: Modelled,
             digest: Callable[[str], Digest | None]) -> list[Digest] | None:
    """The digests of `keys`, in order, that may list a paper of `ids` or are of one of
    `days`: those `base` does not hold, and those it holds under a heading that a paper's
    version in `base` is listed under (a file lists the same papers while its key is the same)."""
    papers = base.archive.papers
    wanted = {listed for paper_id in ids if paper_id in papers for listed in papers[paper_id].listings}
    found = []
    for key in keys:
        if key in base.headings:
            heading = base.headings[key]
            if heading is None or (heading not in wanted and heading[0] not in days):
                continue
        file = digest(key)
        if file is None:
            return None
        found.append(file)
    return found


def _merged_papers(ids: set[str], newest: Mapping[str, Entry], listings: Mapping[str, list[tuple[date, str]]],
                   venues: Venues | None) -> dict[str, Paper | None]:
    read_venue = _venue_reader(venues or Venues())
    return {paper_id: _paper(newest[paper_id], listings[paper_id], read_venue) if paper_id in newest else None
            for paper_id in ids}


def _patched(old: Archive, versions: dict[str, tuple[Paper | None, Paper | None]],
             days: dict[date, Day | None], entries: int) -> Archive:
    """`old` with the papers of `versions` (id -> version before, version now; None where
    there is none) and the `days` records (None: gone) changed, and what they are in."""
    papers = _put(old.papers, {paper_id: now for paper_id, (_, now) in versions.items()})
    changed = set(versions)
    was = [paper for paper, _ in versions.values() if paper is not None]
    now = [paper for _, paper in versions.values() if paper is not None]
    members = defaultdict(list)  # category code -> the papers now in it, of those changed
    for paper in now:
        for code in _category_codes(paper):
            members[code].append(paper)
    categories = {}
    for code in {code for paper in was for code in _category_codes(paper)} | members.keys():
        ids = _replaced(old.categories[code].paper_ids if code in old.categories else (), papers, changed,
                        members[code])
        categories[code] = Category(code, category_name(code), ids) if ids else None
    return Archive(
        papers=papers,
        days=_put(old.days, days),
        categories=_put(old.categories, categories),
        authors=_patched_authors(old.authors, papers, changed, was, now),
        entries=entries,
        merged=entries - len(papers),
        venues=_put(old.venues, _patched_venues(old.venues, papers, changed, was, now)),
    )


def _put(records: dict | Columnar, changes: Mapping) -> dict | Columnar:
    """`records`, in the order of their keys, with `changes` made (None: taken out), still
    in order: the records after the first new key are taken out and put back with the new
    ones (a day's new papers mostly come last), or, where that is most of them, all are
    put in a new dictionary. Changed in place; records in columns (`Columnar`) are moved
    as their slots, not made."""
    if isinstance(records, Columnar):
        return Columnar(records.rows, _put(records.slots, changes), patched=True)
    added = []
    for key, record in changes.items():
        if record is None:
            records.pop(key, None)
        elif key in records:
            records[key] = record
        else:
            added.append(key)
    if not added:
        return records
    added.sort()
    keys = list(records)
    after = keys[bisect.bisect_left(keys, added[0]):]
    records.update(zip(added, map(changes.__getitem__, added)))
    if len(after) > len(keys) // 8:  # cheaper made afresh than taken out and put back
        return {key: records[key] for key in sorted(records)}  # two sorted runs: merged
    moved = dict(zip(after + added, map(records.pop, after + added)))
    order = sorted(moved)
    records.update(zip(order, map(moved.__getitem__, order)))
    return records


def _replaced(ids: Sequence[str], papers: Mapping[str, Paper], changed: set[str],
              versions: list[Paper], held: list[Paper] | None = None) -> tuple[str, ...]:
    """A newest-first list of paper ids (of `papers`) with the `changed` papers taken out
    and their `versions` that belong put in their places (each found by halving: a
    category's list runs to every paper of the archive). `held`, where known: the
    versions of the changed papers the list holds, as it holds them (`papers`' own),
    each then found by halving too, rather than the list looked through."""
    kept = _taken_out(ids, papers, held) if held is not None else None
    if kept is None:
        kept = list(filterfalse(changed.__contains__, ids))  # at C speed: a list can hold every paper
    order = {paper.id: (paper.published, paper.id) for paper in versions}

    def place(paper_id: str) -> tuple:
        return order.get(paper_id) or (papers[paper_id].published, paper_id)

    for paper in versions:  # after every paper newer than it: False (newer) ascends to True
        than = order[paper.id]
        kept.insert(bisect.bisect_left(kept, True, key=lambda paper_id: place(paper_id) <= than), paper.id)
    return tuple(kept)


def _taken_out(ids: Sequence[str], papers: Mapping[str, Paper], held: list[Paper]) -> list[str] | None:
    """The newest-first list `ids` (of `papers`) without the papers `held`, each found by
    halving; None where one is not found."""
    kept = list(ids)
    for paper in held:
        than = (paper.published, paper.id)
        index = bisect.bisect_left(kept, True, key=lambda paper_id: (papers[paper_id].published, paper_id) <= than)
        if index == len(kept) or kept[index] != paper.id:
            return None
        del kept[index]
    return kept


def _patched_venues(groups: Mapping[str, VenueGroup], papers: Mapping[str, Paper], changed: set[str],
                    was: list[Paper], now: list[Paper]) -> dict[str, VenueGroup | None]:
    """The venue groups of the changed papers' versions, with the years those versions
    give patched; a group is named by its newest paper's venue (`_venue_groups`)."""
    years: dict[str, dict[int | None, list[Paper]]] = defaultdict(dict)  # slug -> year -> versions now
    for paper in was + now:
        venue = paper.venue
        if venue is not None and venue.accepted:
            years[venue.slug].setdefault(venue.year, [])
    for paper in now:
        venue = paper.venue
        if venue is not None and venue.accepted:
            years[venue.slug][venue.year].append(paper)
    made = {}
    for slug, changes in years.items():
        lists = dict(groups[slug].years) if slug in groups else {}
        for year, versions in changes.items():
            lists[year] = _replaced(lists.get(year, ()), papers, changed, versions)
        lists = {year: ids for year, ids in sorted(lists.items(), key=_newest_year) if ids}
        if not lists:
            made[slug] = None
            continue
        newest = max((papers[ids[0]] for ids in lists.values()), key=lambda paper: (paper.published, paper.id))
        made[slug] = VenueGroup(slug, newest.venue.short, newest.venue.name, newest.venue.kind, lists)
    return made


def _patched_authors(authors: dict[str, Author], papers: Mapping[str, Paper], changed: set[str],
                     was: list[Paper], now: list[Paper]) -> dict[str, Author]:
    """`authors` with the authors of the changed papers' versions patched, and the slugs of
    their bases given again as `author_slugs` gives them; made afresh where that cannot
    be told without all names (a name whose slug looks hashed, a hash that collides)."""
    names = {name for paper in was + now for name in paper.authors}
    written: dict[str, list[Paper]] = defaultdict(list)
    for paper in now:
        for name in paper.authors:
            written[name].append(paper)
    lists = {name: _replaced(authors[name].paper_ids if name in authors else (), papers, changed, written[name])
             for name in names}
    slugs = _patched_slugs(authors, lists, papers)
    if slugs is None:
        return _authors(newest_first(papers.values()), papers)
    return _put(authors, {name: Author(name, slugs[name], ids) if ids else None for name, ids in lists.items()} |
                {name: authors[name]._replace(slug=slug) for name, slug in slugs.items() if name not in lists})


def _patched_slugs(authors: Mapping[str, Author], lists: Mapping[str, tuple[str, ...]],
                   papers: Mapping[str, Paper]) -> dict[str, str] | None:
    """The slug of every name (still an author) that shares a base with a name of `lists`
    (the changed papers' authors, each with its paper ids now: none where it is an author
    no longer), as `author_slugs` gives it over the whole archive; None where that needs
    every name.

    A base's slugs follow from its names and their first papers alone, but for the
    hashes: a hash is made longer where its short form is taken, by another hash or by
    a base that looks like one. Where a base looks hashed, a name's hash was made longer,
    or a short hash is taken, the slugs are made afresh."""
    bases = {name: slugify(name) for name in lists}
    affected = set(bases.values())
    if any(_HASH.fullmatch(base.rpartition("-")[2]) for base in affected):
        return None
    groups: dict[str, set[str]] = defaultdict(set)
    taken = set()  # the slugs a hash of an affected base could be: those that begin with one and a dash
    for name, slug in zip(authors, field_values(authors, "slug")):  # a slug is its base, or that, a dash and a hash
        if slug in affected or slug.rpartition("-")[0] in affected:
            taken.add(slug)
            if name not in lists:
                base = slugify(name)
                if base in affected:
                    groups[base].add(name)
    for name, base in bases.items():
        if lists[name]:
            groups[base].add(name)

    def first_paper(name: str) -> tuple[datetime, str, str]:
        oldest = (lists[name] if name in lists else authors[name].paper_ids)[-1]  # the last of the list
        return papers[oldest].published, oldest, name

    slugs = {}
    for base, group in groups.items():
        first, *others = sorted(group, key=first_paper)
        slugs[first] = base
        for name in others:
            slug = f"{base}-{hashlib.blake2b(name.encode('utf-8'), digest_size=8).hexdigest()[:6]}"
            old = authors[name].slug if name in authors else None
            if (old is not None and old != base and len(old) != len(slug)) or \
                    (slug in taken and slug != old) or slug in slugs.values():
                return None
            slugs[name] = slug
    return slugs


# --- what an update changed ------------------------------------------------------------

@dataclass(frozen=True)
class Change:
    """What differs between the last build's model and this one's, as the model keys that
    `kinds.Source` records a page's reads by (`changed_keys`)."""

    keys: frozenset
    categories: Mapping[str, tuple[str, ...]]  # a category named in `keys`: its paper ids before, newest first
    venues: Mapping[str, VenueGroup | None]  # a venue named in `keys`: its group before (None: it had none)


def changed_keys(new: Archive, files: Sequence[Digest], old: Mapping[str, Paper]) -> Change:
    """The model keys whose records may differ between the last build's archive and `new`,
    told from the digest `files` that came and went and `old`, the papers they list as the
    last build had them (`papers_before`: a paper's record follows from the files that
    list it alone), without the last build's model. What differs names the rest:

    - a paper's id, where the paper differs;
    - `("a", name)` for each author of either version (and, where a name shares its slug's
      base with another, every name of that base and their papers: a slug may move);
    - `("c", code)` for each category of either version (`("c?", code)` where it came or
      went), `("v", slug)` and `("v", slug, year)` for either version's accepted venue;
    - `("d", date)` for the days of the files, `("n", date)` for them and the listing days
      beside them;
    - `("totals",)`, `("days",)`, and `("categories",)` and `("venues",)` where one changed.

    A key named may not have changed (an author of a changed paper still lists the same
    papers); a key whose record changed is always named."""
    files = [digest for digest in files if digest.day is not None]
    touched = {entry.id for digest in files for entry in digest.entries}
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
    now_in = [(paper, _category_codes(paper)) for _, paper in pairs if paper is not None]
    for code in {code for paper in versions for code in _category_codes(paper)}:
        categories[code] = _replaced(new.categories[code].paper_ids if code in new.categories else (),
                                     new.papers, gone, [paper for paper, codes in was_in if code in codes],
                                     [paper for paper, codes in now_in if code in codes])
        keys.add(("c", code))
        if bool(categories[code]) != (code in new.categories):
            keys.add(("c?", code))
    accepted = [paper for paper in versions if paper.venue is not None and paper.venue.accepted]
    keys.update(("v", paper.venue.slug) for paper in accepted)
    keys.update(("v", paper.venue.slug, paper.venue.year) for paper in accepted)
    days = {digest.day for digest in files}
    keys.update(("d", when) for when in days)
    keys.update(("n", when) for when in _beside(new, days))
    if files:
        keys.update({("totals",), ("days",)})
    for kind, collection in (("c", "categories"), ("v", "venues")):
        if any(type(key) is tuple and key[0] == kind for key in keys):
            keys.add((collection,))
    return Change(frozenset(keys), categories, _venues_before(new, pairs))


def _venues_before(new: Archive, pairs: list[tuple[Paper | None, Paper | None]]) -> dict[str, VenueGroup | None]:
    """The groups before the change of the venues the changed papers (`pairs`: each one's
    version before and now) were or are accepted at: `new`'s patched back, as
    `_patched_venues` patches the groups before into the groups after."""
    was = {paper.id: paper for paper, _ in pairs if paper is not None}
    now = [paper for _, paper in pairs if paper is not None]
    changed = {*was, *(paper.id for paper in now)}
    return _patched_venues(new.venues, ChainMap(was, new.papers), changed, now, list(was.values()))


def _category_codes(paper: Paper, is_category: Callable[[str], bool] = is_arxiv_category) -> dict[str, None]:
    """The categories a paper is in (`_categories`): those it carries, then the arXiv
    categories it was listed under."""
    codes = dict.fromkeys(paper.categories)
    for _, listed_under in paper.listings:
        if listed_under not in codes and is_category(listed_under):
            codes[listed_under] = None
    return codes


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
    # a slug is its base, or the base, a dash and a hash
    for name, slug in zip(new.authors, field_values(new.authors, "slug")):
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
