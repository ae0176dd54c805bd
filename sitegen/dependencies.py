"""What each page depends on, as a fingerprint computed from the model alone.

An incremental build renders a page only when its fingerprint changed: the fingerprint
covers every piece of the archive that the page's view reads (see views.py), so two
builds with equal fingerprints give the same page. Computing them is cheap next to
rendering: no markup, no templates.
"""

from __future__ import annotations

import dataclasses
import hashlib
from functools import cached_property
from pathlib import Path
from typing import Iterable, Mapping

import jinja2
from jinja2 import meta

from .archive import Archive
from .slugs import slugify
from .config import Config
from .render import FRAME
from .routes import Page
from .themes import Asset, Vendor
from .views import Views

KINDS = ("home", "archive", "search", "not_found", "following", "paper", "day", "category", "author", "venue_index",
         "venue_year")  # the kinds rendered from templates; documents.KINDS are made by code
PACKAGE = Path(__file__).resolve().parent


def digest_of(*parts: object) -> str:
    return hashlib.blake2b(repr(parts).encode("utf-8"), digest_size=16).hexdigest()


def site_fingerprint(config: Config, assets: Mapping[str, Asset], vendor: Vendor) -> str:
    """What every page depends on: settings, asset names (they carry content hashes), the
    browser libraries' versions and sitegen's own code."""
    settings = {key: value for key, value in dataclasses.asdict(config).items() if key != "root"}
    return digest_of(sorted(settings.items()), sorted((n, a.path) for n, a in assets.items()),
                     vendor.katex, vendor.lunr, code_fingerprint())


def code_fingerprint() -> str:
    """sitegen's own code: a new version may lay out anything differently."""
    return digest_of([(path.name, path.read_bytes()) for path in sorted(PACKAGE.glob("*.py"))])


def template_fingerprints(env: jinja2.Environment, kinds: Iterable[str]) -> dict[str, str]:
    """Per page kind, the sources of its template and of every template it extends,
    includes or imports, and of the frame the renderer gives every page (`render.FRAME`):
    editing one template re-renders only the pages that use it."""
    return {kind: digest_of(sorted(_template_sources(env, f"{kind}.html", _template_sources(env, FRAME, {})).items()))
            for kind in kinds}


def _template_sources(env: jinja2.Environment, name: str, found: dict[str, str]) -> dict[str, str]:
    if name in found:
        return found
    try:
        source, _, _ = env.loader.get_source(env, name)
    except jinja2.TemplateNotFound:
        found[name] = ""  # the render reports it
        return found
    found[name] = source
    try:
        references = meta.find_referenced_templates(env.parse(source))
    except jinja2.TemplateSyntaxError:
        return found  # the render reports it, with file and line
    for reference in references:
        if reference is None:  # a name computed at render time: depend on every template
            for other in env.list_templates(extensions=["html"]):
                _template_sources(env, other, found)
        else:
            _template_sources(env, reference, found)
    return found


class Fingerprints:
    """Fingerprint of every page of a build: the site's, its template's and its data's.

    Author URLs are a function of the name, except where two names share a slug: only
    those few (`renamed`) are looked up, for the papers that carry them.
    """

    def __init__(self, views: Views, site: str, templates: Mapping[str, str]):
        self.views = views
        self.archive: Archive = views.archive
        self.templates = templates
        self.site = site
        self.renamed = {author.name: author.slug for author in self.archive.authors.values()
                        if author.slug != slugify(author.name)}
        self._items: dict[str, str] = {}

    def of(self, page: Page) -> str:
        return digest_of(self.site, self.templates.get(page.kind, ""), page.kind, page.path,
                         getattr(self, f"_{page.kind}")(page.key))

    def item(self, paper_id: str) -> str:
        """A paper in lists, and what author pages derive from it (co-authors, categories)."""
        found = self._items.get(paper_id)
        if found is None:
            paper = self.archive.papers[paper_id]
            found = self._items[paper_id] = digest_of(
                paper.title, paper.authors, self._renamed_slugs(paper.authors), paper.categories,
                paper.published.date(), paper.primary_category in self.archive.categories)
        return found

    def _items_of(self, paper_ids) -> tuple[str, ...]:
        return tuple(self.item(paper_id) for paper_id in paper_ids)

    def _renamed_slugs(self, names) -> tuple[str, ...]:
        return tuple(self.renamed[name] for name in names if name in self.renamed)

    def _paper(self, paper_id: str) -> object:
        paper = self.archive.papers[paper_id]
        return paper.key, paper.listings, self._renamed_slugs(paper.authors)

    def _author(self, name: str) -> object:
        return self._items_of(self.archive.authors[name].paper_ids)

    def _day(self, when) -> object:
        neighbours = self.views.neighbours(when)
        listings = self.archive.days[when].listings
        return neighbours, listings, tuple((self.item(paper_id), self.archive.papers[paper_id].primary_category)
                                           for paper_id, _ in listings)

    def _category(self, key: tuple[str, int]) -> object:
        code, number = key
        chunks = self.views.category_chunks(code)
        last = len(chunks)
        front = number == last
        shape = (len(self.archive.categories[code].paper_ids), last) if front else (number + 1 >= last,)
        pager = self.views.category_pager(code, number) if last > 1 else None
        chart = tuple(sorted(self.views.papers_per_month(code).items())) if front else None
        months = self.views.month_pages(code) if front and last > 1 else None
        return shape, pager, self._items_of(chunks[number - 1]), chart, months

    def _papers(self, paper_ids) -> tuple[str, ...]:
        """Papers shown whole (feeds, bibliographies): everything the digest says of them."""
        return tuple(self.archive.papers[paper_id].key for paper_id in paper_ids)

    def _author_feed(self, name: str) -> object:
        return self._papers(self.archive.authors[name].paper_ids[: self.views.config.feed_size])

    def _author_bibliography(self, name: str) -> object:
        return self._papers(self.archive.authors[name].paper_ids)

    def _day_bibliography(self, when) -> object:
        return self._papers(self.archive.days[when].paper_ids)

    def _venue_feed(self, key: tuple[str, int | None]) -> object:
        slug, year = key
        group = self.archive.venues[slug]
        return group.short, self._papers(group.years[year][: self.views.config.feed_size])

    def _venue_bibliography(self, key: tuple[str, int | None]) -> object:
        slug, year = key
        return self._papers(self.archive.venues[slug].years[year])

    def _venue_year(self, key: tuple[str, int | None, int]) -> object:
        """Older pages show the venue's years without counts: they change only near the front."""
        slug, year, number = key
        group = self.archive.venues[slug]
        chunks = self.views.venue_chunks(slug, year)
        front = number == len(chunks)
        years = self._venue_counts(slug) if front else tuple(group.years)
        return (group.short, group.name, group.kind, years, self.views.venue_paging(slug, year, number),
                self._items_of(chunks[number - 1]))

    def _venue_counts(self, slug: str) -> tuple:
        return tuple((year, len(ids)) for year, ids in self.archive.venues[slug].years.items())

    def _venue_index(self, key: None) -> object:
        return tuple((group.slug, group.short, group.name, group.kind, self._venue_counts(group.slug))
                     for group in self.archive.venues.values())

    def _following(self, key: None) -> object:
        return None  # the page shows nothing of the archive: its script reads the search data

    @cached_property
    def _everything(self) -> str:
        """Pages that summarise the whole archive depend on all of it."""
        archive = self.archive
        return digest_of(self._items_of(archive.papers), tuple(archive.days.values()),
                         tuple((c.code, len(c.paper_ids)) for c in archive.categories.values()), len(archive.authors))

    def _home(self, key: None) -> object:
        return self._everything

    _archive = _search = _not_found = _home
