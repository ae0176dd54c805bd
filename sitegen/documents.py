"""Pages that are not HTML: the Atom feed of each author and venue-year, and the BibTeX
bibliography of each author, day and venue-year.

An archive has one of each per author (260,000 authors at archive scale), so they are
pages like any other: planned with the HTML pages (`Views.pages`), fingerprinted
(`dependencies.Fingerprints`) and rendered only when what they show changed, unlike the
site's and categories' feeds, a few hundred files that `feeds.feed_files` writes at every
build. They are made by code, not by the theme's templates: Atom and BibTeX are formats a
reader's software parses, not a look to restyle, and these feeds are written by the same
code as the site's (`feeds.atom`).
"""

from __future__ import annotations

import re
from datetime import date
from typing import Sequence

from . import feeds, routes
from .archive import Archive
from .config import Config
from .render import Renderer
from .routes import Page
from .views import bibtex

KINDS = ("author_feed", "author_bibliography", "day_bibliography", "venue_feed", "venue_bibliography")
ENTRY_KEY = re.compile(r"^(@\w+\{)([^,]*),")


class Documents:
    """Renders the pages of `KINDS`, one method per kind (its key as argument), to bytes."""

    def __init__(self, archive: Archive, config: Config):
        self.archive = archive
        self.config = config

    def render(self, page: Page) -> bytes:
        return getattr(self, page.kind)(page.key)

    def author_feed(self, name: str) -> bytes:
        author = self.archive.authors[name]
        return self._feed(f"{self.config.title}: {name}", routes.author_feed(author.slug),
                          routes.author(author.slug), author.paper_ids)

    def venue_feed(self, key: tuple[str, int | None]) -> bytes:
        slug, year = key
        title = f"{self.config.title}: {venue_title(self.archive, slug, year)}"
        return self._feed(title, routes.venue_feed(slug, year), routes.venue(slug, year),
                          self.archive.venues[slug].years[year])

    def author_bibliography(self, name: str) -> bytes:
        return self._bibliography(self.archive.authors[name].paper_ids)

    def day_bibliography(self, when: date) -> bytes:
        return self._bibliography(self.archive.days[when].paper_ids)

    def venue_bibliography(self, key: tuple[str, int | None]) -> bytes:
        slug, year = key
        return self._bibliography(self.archive.venues[slug].years[year])

    def _feed(self, title: str, self_path: str, page_path: str, paper_ids: Sequence[str]) -> bytes:
        """The newest `feed_size` of `paper_ids` (newest first)."""
        papers = [self.archive.papers[paper_id] for paper_id in paper_ids[: self.config.feed_size]]
        return feeds.atom(self.config, title, self_path, page_path, papers)

    def _bibliography(self, paper_ids: Sequence[str]) -> bytes:
        """Each paper's entry as its page gives it, in the page's order; an entry key met
        before in the file gets a letter (`smith2022learningb`), as BibTeX keeps only the
        first entry of a key."""
        seen: set[str] = set()
        entries = []
        for paper_id in paper_ids:
            entry = bibtex(self.archive.papers[paper_id])
            key = ENTRY_KEY.match(entry).group(2)
            unique = key
            for letter in "bcdefghijklmnopqrstuvwxyz":
                if unique not in seen:
                    break
                unique = key + letter
            seen.add(unique)
            entries.append(entry if unique == key else ENTRY_KEY.sub(rf"\g<1>{unique},", entry, count=1))
        return ("\n\n".join(entries) + "\n").encode("utf-8")


def venue_title(archive: Archive, slug: str, year: int | None) -> str:
    """`CVPR 2023`; a venue-year without one is `TPAMI, year not given`."""
    short = archive.venues[slug].short
    return f"{short} {year}" if year is not None else f"{short}, year not given"


class PageRenderer:
    """Renders every page: the HTML pages with the theme's templates, the `KINDS` here."""

    def __init__(self, renderer: Renderer, documents: Documents):
        self.renderer = renderer
        self.documents = documents

    def order(self, pages: Sequence[Page]) -> list[Page]:
        return self.renderer.order(pages)

    def render(self, page: Page) -> bytes:
        if page.kind in KINDS:
            return self.documents.render(page)
        return self.renderer.render(page)
