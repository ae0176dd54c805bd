"""Atom feeds, the sitemap and robots.txt: the files that need absolute URLs.

Each comes with a fingerprint of what it shows, as pages do, so an update makes only
those whose papers or pages changed: at archive scale, a few of a few thousand.
"""

from __future__ import annotations

import heapq
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial
from typing import Callable, Iterable, Iterator, Sequence

from . import routes
from .archive import Archive, Paper
from .config import Config
from .dependencies import digest_of
from .routes import Page
from .taxonomy import category_name

SITEMAP_LIMIT = 50_000  # URLs per sitemap file, as the protocol allows
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


# (xml.sax.saxutils does the same, but importing it imports urllib.request and the
# http and email packages, at the start of every build.)
def escape(text: str) -> str:
    """XML text; characters XML 1.0 cannot carry at all are dropped."""
    return NOT_XML.sub("", text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def quoteattr(text: str) -> str:
    """An XML attribute value with its quotes; white space other than spaces kept as references."""
    value = escape(text).replace("\n", "&#10;").replace("\r", "&#13;").replace("\t", "&#9;")
    if '"' not in value:
        return f'"{value}"'
    if "'" not in value:
        return f"'{value}'"
    return '"{}"'.format(value.replace('"', "&quot;"))


@dataclass(frozen=True)
class FeedFile:
    path: str
    fingerprint: str  # of what it shows: the same fingerprint, the same bytes
    make: Callable[[], bytes]


def feed_files(archive: Archive, config: Config, pages: Sequence[Page]) -> Iterator[tuple[str, bytes]]:
    """Every feed, the sitemap (listing `pages`) and robots.txt, as (path, bytes)."""
    return ((file.path, file.make()) for file in feed_sources(archive, config, pages, ""))


def feed_sources(archive: Archive, config: Config, pages: Sequence[Page], site: str) -> Iterator[FeedFile]:
    """Every feed, the sitemap (listing `pages`) and robots.txt, each with its fingerprint:
    `site` (what every file depends on: settings, code) and the papers or pages it shows,
    the papers by their `key` (all they show follows from it)."""
    newest = {code: [archive.papers[paper_id] for paper_id in category.paper_ids[: config.feed_size]]
              for code, category in archive.categories.items()}
    papers = _newest(newest.values(), config.feed_size)
    yield FeedFile(routes.feed(), _fingerprint(site, routes.feed(), papers), partial(site_feed, config, papers))
    for code, papers in newest.items():
        path = routes.category_feed(code)
        yield FeedFile(path, _fingerprint(site, path, papers), partial(category_feed, config, code, papers))
    # the HTML pages: not the 404 page, nor the feeds and bibliographies planned as pages
    listed = [(path, archive.papers[key] if kind == "paper" else None) for kind, key, path in pages
              if kind != "not_found" and path.endswith(".html")]
    yield from sitemaps(config, listed, site)
    yield FeedFile("robots.txt", digest_of(site), partial(robots, config))


def _newest(lists: Iterable[list[Paper]], size: int) -> list[Paper]:
    """The `size` newest papers of the archive (as `archive.newest_first` orders them),
    from each category's newest: every paper has a category, and those newer than it in
    any of them are newer in the whole archive, so it is among its categories' newest."""
    return heapq.nlargest(size, {paper.id: paper for papers in lists for paper in papers}.values(),
                          key=lambda paper: (paper.published, paper.id))


def _fingerprint(site: str, path: str, papers: Sequence[Paper]) -> str:
    return digest_of(site, path, [paper.key for paper in papers])


def site_feed(config: Config, papers: Sequence[Paper]) -> bytes:
    return atom(config, config.title, routes.feed(), routes.home(), papers)


def category_feed(config: Config, code: str, papers: Sequence[Paper]) -> bytes:
    title = f"{config.title}: {category_name(code)} ({code})"
    return atom(config, title, routes.category_feed(code), routes.category(code), papers)


def atom(config: Config, title: str, self_path: str, page_path: str, papers: Sequence[Paper],
         entries: Sequence[str] | None = None) -> bytes:
    """An Atom feed of `papers`, the feed at `self_path` of the page at `page_path`; `entries`
    are the papers' `<entry>` elements where they were made already (`atom_entry`)."""
    url = lambda path: routes.absolute(config.base_url, path)  # noqa: E731
    updated = max((paper.updated for paper in papers), default=datetime(1970, 1, 1, tzinfo=timezone.utc))
    lines = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom">',
        f"  <title>{escape(title)}</title>",
        f"  <id>{escape(url(self_path))}</id>",
        f"  <link rel=\"self\" href={quoteattr(url(self_path))}/>",
        f"  <link rel=\"alternate\" type=\"text/html\" href={quoteattr(url(page_path))}/>",
        f"  <updated>{updated.isoformat()}</updated>",
        "  <generator>sitegen</generator>",
        *(entries if entries is not None else [atom_entry(config, paper) for paper in papers]),
        "</feed>\n",
    ]
    return "\n".join(lines).encode("utf-8")


def atom_entry(config: Config, paper: Paper) -> str:
    """A paper's `<entry>` in a feed, the same in every feed that lists it."""
    url = routes.absolute(config.base_url, routes.paper(paper.id))
    return "\n".join([
        "  <entry>",
        f"    <title>{escape(paper.title)}</title>",
        f"    <id>{escape(url)}</id>",
        f"    <link rel=\"alternate\" type=\"text/html\" href={quoteattr(url)}/>",
        f"    <published>{paper.published.isoformat()}</published>",
        f"    <updated>{paper.updated.isoformat()}</updated>",
        *(f"    <author><name>{escape(name)}</name></author>" for name in paper.authors),
        *(f"    <category term={quoteattr(code)} label={quoteattr(category_name(code))}/>"
          for code in paper.categories),
        f"    <summary>{escape(paper.summary)}</summary>",
        "  </entry>",
    ])


def sitemaps(config: Config, pages: Sequence[tuple[str, Paper | None]], site: str) -> Iterator[FeedFile]:
    """`sitemap.xml`, split into `sitemap-N.xml` files under an index past 50,000 URLs:
    the pages, with the last update of those that show a paper."""
    if len(pages) <= SITEMAP_LIMIT:
        yield _sitemap_file(config, "sitemap.xml", pages, site)
        return
    parts = [pages[start:start + SITEMAP_LIMIT] for start in range(0, len(pages), SITEMAP_LIMIT)]
    names = [f"sitemap-{number}.xml" for number in range(1, len(parts) + 1)]
    for name, part in zip(names, parts):
        yield _sitemap_file(config, name, part, site)
    yield FeedFile("sitemap.xml", digest_of(site, names), partial(_sitemap_index, config, names))


def _sitemap_file(config: Config, name: str, pages: Sequence[tuple[str, Paper | None]], site: str) -> FeedFile:
    fingerprint = digest_of(site, name, [(path, paper and paper.key) for path, paper in pages])
    return FeedFile(name, fingerprint, lambda: _urlset([_url_entry(config, path, paper and paper.updated)
                                                        for path, paper in pages]))


def _sitemap_index(config: Config, names: Sequence[str]) -> bytes:
    index = [f"  <sitemap><loc>{escape(routes.absolute(config.base_url, name))}</loc></sitemap>" for name in names]
    return "\n".join(['<?xml version="1.0" encoding="utf-8"?>',
                      '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
                      *index, "</sitemapindex>\n"]).encode("utf-8")


def _url_entry(config: Config, path: str, modified: datetime | None) -> str:
    lastmod = f"<lastmod>{modified.date().isoformat()}</lastmod>" if modified else ""
    return f"  <url><loc>{escape(routes.absolute(config.base_url, path))}</loc>{lastmod}</url>"


def _urlset(entries: list[str]) -> bytes:
    return "\n".join(['<?xml version="1.0" encoding="utf-8"?>',
                      '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">',
                      *entries, "</urlset>\n"]).encode("utf-8")


def robots(config: Config) -> bytes:
    return f"User-agent: *\nAllow: /\nSitemap: {routes.absolute(config.base_url, 'sitemap.xml')}\n".encode("utf-8")
