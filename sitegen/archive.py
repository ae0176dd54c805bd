"""Model the archive: digests in, one Archive of papers, days, categories and authors out.

Frozen records keyed by id; relations are ids (paper ids, category codes, author names),
never references, so any stage can hold a part of the model without the rest.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Iterable, Mapping

from .digest import Digest, Entry
from .slugs import slugify
from .taxonomy import category_name, is_arxiv_category


@dataclass(frozen=True, slots=True)
class Paper:
    """A paper, merged from every listing of it: the newest version's metadata wins."""

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


@dataclass(frozen=True, slots=True)
class Author:
    name: str
    slug: str
    paper_ids: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Archive:
    papers: Mapping[str, Paper]
    days: Mapping[date, Day]
    categories: Mapping[str, Category]
    authors: Mapping[str, Author]
    entries: int
    merged: int

    def coauthors(self, name: str) -> list[tuple[str, int]]:
        """Co-authors of `name` with the number of shared papers, most shared first."""
        counts = Counter(other for paper_id in self.authors[name].paper_ids
                         for other in self.papers[paper_id].authors if other != name)
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))

    def author_categories(self, name: str) -> list[tuple[str, int]]:
        counts = Counter(code for paper_id in self.authors[name].paper_ids
                         for code in self.papers[paper_id].categories)
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))


def build_archive(digests: Iterable[Digest]) -> Archive:
    """Merge the digests' entries into one archive."""
    newest: dict[str, Entry] = {}
    listings: dict[str, set[tuple[date, str]]] = defaultdict(set)
    day_listings: dict[date, dict[tuple[str, str], None]] = defaultdict(dict)
    entries = 0
    for digest in digests:
        if digest.day is None:
            continue
        day_listings[digest.day]  # an empty digest is still a (paperless) day
        for entry in digest.entries:
            entries += 1
            current = newest.get(entry.id)
            if current is None or _is_newer(entry, current):
                newest[entry.id] = entry
            listings[entry.id].add((digest.day, digest.category))
            day_listings[digest.day][(entry.id, digest.category)] = None
    papers = {paper_id: _paper(newest[paper_id], listings[paper_id]) for paper_id in sorted(newest)}
    ordered = newest_first(papers.values())
    return Archive(
        papers=papers,
        days={day: Day(day, tuple(day_listings[day])) for day in sorted(day_listings)},
        categories=_categories(ordered),
        authors=_authors(ordered),
        entries=entries,
        merged=entries - len(papers),
    )


def _is_newer(entry: Entry, current: Entry) -> bool:
    return (entry.version or 0, entry.updated) > (current.version or 0, current.updated)


def _paper(entry: Entry, listings: set[tuple[date, str]]) -> Paper:
    return Paper(
        id=entry.id, version=entry.version, title=entry.title, authors=tuple(dict.fromkeys(entry.authors)),
        categories=entry.categories, classifications=entry.classifications, dois=entry.dois,
        pdf_url=entry.pdf_url, published=entry.published, updated=entry.updated,
        comment=entry.comment, journal=entry.journal, summary=entry.summary,
        listings=tuple(sorted(listings)), key=entry.key,
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
    for paper in ordered:
        codes = dict.fromkeys(paper.categories)
        codes.update(dict.fromkeys(listed_under for _, listed_under in paper.listings
                                   if is_arxiv_category(listed_under)))
        for code in codes:
            members[code].append(paper.id)
    return {code: Category(code, category_name(code), tuple(members[code])) for code in sorted(members)}


def _authors(ordered: list[Paper]) -> dict[str, Author]:
    """One author per name; `ordered` is newest first, so each list comes out in order."""
    members: dict[str, list[str]] = defaultdict(list)
    age: dict[str, int] = {}
    for rank, paper in enumerate(ordered):
        for name in paper.authors:
            members[name].append(paper.id)
            age[name] = -rank  # ends at the oldest paper: most negative = seen first
    slugs = author_slugs(age)
    return {name: Author(name, slugs[name], tuple(members[name])) for name in sorted(members)}


def author_slugs(first_seen: Mapping[str, int]) -> dict[str, str]:
    """A unique, stable URL slug per name.

    Names that reduce to the same slug (`José García`, `Jose Garcia`) are told apart by a
    short hash of the exact name; the name seen first keeps the plain slug, so adding
    newer papers never renames an existing author page.
    """
    groups: dict[str, list[str]] = defaultdict(list)
    for name in first_seen:
        groups[slugify(name)].append(name)
    slugs: dict[str, str] = {}
    taken = set(groups)
    for base, names in groups.items():
        names.sort(key=lambda name: (first_seen[name], name))
        slugs[names[0]] = base
        for name in names[1:]:
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
