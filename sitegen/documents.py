"""Pages that are not HTML: the Atom feed of each author and venue-year, and the BibTeX
bibliography of each author, day and venue-year.

An archive has one of each per author (260,000 authors at archive scale), so they are
page kinds like any other (declared in `kinds.KINDS`): planned with the HTML pages,
fingerprinted by their inputs and made only when those changed (as the site's and
categories' feeds and the sitemap are, by `feeds.feed_sources`).
Their `view` makes the file's bytes by code, not with the theme's templates: Atom and
BibTeX are formats a reader's software parses, not a look to restyle, and these feeds
are written by the same code as the site's (`feeds.atom`).
"""

from __future__ import annotations

import re
from datetime import date
from typing import TYPE_CHECKING, NamedTuple

from . import feeds, routes
from .views import Present, Whole

if TYPE_CHECKING:
    from .kinds import Source

ENTRY_KEY = re.compile(r"^(@\w+\{)([^,]*),")


class FeedInputs(NamedTuple):
    title: str  # after the site's title: an author's name, `CVPR 2023`
    path: str  # the feed's own path
    page: str  # the path of the page it is the feed of
    papers: tuple[Whole, ...]  # the newest `feed_size`, newest first


class BibliographyInputs(NamedTuple):
    papers: tuple[Whole, ...]  # in the order of the page the file belongs to


def read_author_feed(source: Source, name: str) -> FeedInputs:
    author = source.author(name)
    return FeedInputs(name, routes.author_feed(author.slug), routes.author(author.slug),
                      source.papers(author.paper_ids[: source.feed_size]))


def read_venue_feed(source: Source, key: tuple[str, int | None]) -> FeedInputs:
    slug, year = key
    short = source.venue_heading(slug)[0]
    return FeedInputs(venue_title(short, year), routes.venue_feed(slug, year), routes.venue(slug, year),
                      source.papers(source.venue_year(slug, year)[: source.feed_size]))


def feed(inputs: FeedInputs, present: Present) -> bytes:
    config = present.config
    return feeds.atom(config, f"{config.title}: {inputs.title}", inputs.path, inputs.page,
                      [whole.paper for whole in inputs.papers], [present.feed_entry(whole) for whole in inputs.papers])


def read_author_bibliography(source: Source, name: str) -> BibliographyInputs:
    return BibliographyInputs(source.papers(source.author(name).paper_ids))


def read_day_bibliography(source: Source, when: date) -> BibliographyInputs:
    return BibliographyInputs(source.papers(source.day(when).paper_ids))


def read_venue_bibliography(source: Source, key: tuple[str, int | None]) -> BibliographyInputs:
    slug, year = key
    return BibliographyInputs(source.papers(source.venue_year(slug, year)))


def bibliography(inputs: BibliographyInputs, present: Present) -> bytes:
    """Each paper's entry as its page gives it, in the page's order; an entry key met
    before in the file gets a letter (`smith2022learningb`), as BibTeX keeps only the
    first entry of a key."""
    seen: set[str] = set()
    entries = []
    for whole in inputs.papers:
        entry = present.bibtex(whole)
        key = ENTRY_KEY.match(entry).group(2)
        unique = key
        for letter in "bcdefghijklmnopqrstuvwxyz":
            if unique not in seen:
                break
            unique = key + letter
        seen.add(unique)
        entries.append(entry if unique == key else ENTRY_KEY.sub(rf"\g<1>{unique},", entry, count=1))
    return ("\n\n".join(entries) + "\n").encode("utf-8")


def venue_title(short: str, year: int | None) -> str:
    """`CVPR 2023`; a venue-year without one is `TPAMI, year not given`."""
    return f"{short} {year}" if year is not None else f"{short}, year not given"
