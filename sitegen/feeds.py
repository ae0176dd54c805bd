"""Atom feeds, the sitemap and robots.txt: the files that need absolute URLs.

Each comes with a fingerprint of what it shows, as pages do, so an update makes only
those whose papers or pages changed: at archive scale, a few of a few thousand.
"""

from __future__ import annotations

import heapq
import operator
import re
import zlib
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import partial
from itertools import compress, count, islice, repeat
from typing import Callable, Iterable, Iterator, Mapping, NamedTuple, Sequence

from . import routes
from .archive import Archive, Paper, field_values
from .cache import content_hash
from .config import Config
from .dependencies import digest_of
from .routes import Page
from .taxonomy import category_name

SITEMAP_URLS = 50_000  # URLs per sitemap file, as the protocol allows
SITEMAP_BYTES = 50 * 1024 * 1024  # and bytes
AUTHORS_PER_FILE = 1_000  # author pages per sitemap file, on average at most: past it the files double in number
KEY = operator.attrgetter("key")
YEAR = operator.attrgetter("year")
PUBLISHED_YEAR = operator.attrgetter("published.year")
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


Routes = Mapping[str, tuple[Sequence, Sequence[str]]]  # kind -> its pages' keys and paths (`kinds.Plan.routes`)


def feed_files(archive: Archive, config: Config, pages: Iterable[Page]) -> Iterator[tuple[str, bytes]]:
    """Every feed, the sitemap (listing `pages`) and robots.txt, as (path, bytes)."""
    return ((file.path, file.make()) for file in feed_sources(archive, config, by_kind(pages), ""))


def by_kind(pages: Iterable[Page]) -> dict[str, tuple[list, list[str]]]:
    """Pages as `Routes`: each kind's keys and paths, in the pages' order."""
    kinds: dict[str, tuple[list, list[str]]] = {}
    for page in pages:
        keys, paths = kinds.setdefault(page.kind, ([], []))
        keys.append(page.key)
        paths.append(page.path)
    return kinds


def feed_sources(archive: Archive, config: Config, pages: Routes, site: str) -> Iterator[FeedFile]:
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
    yield from sitemaps(config, archive, _listed(pages), site)
    yield FeedFile("robots.txt", digest_of(site), partial(robots, config))


def _listed(pages: Routes) -> Routes:
    """The pages the sitemap lists, by kind: the HTML pages but the 404 page, not the
    feeds and bibliographies planned as pages. (A kind's pages are all HTML or none:
    told by its first.)"""
    return {kind: (keys, paths) for kind, (keys, paths) in pages.items()
            if kind != "not_found" and paths and paths[0].endswith(".html")}


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


def sitemaps(config: Config, archive: Archive, pages: Routes, site: str) -> Iterator[FeedFile]:
    """`sitemap.xml`, listing `pages` (kind -> its HTML pages' keys and paths) with the last update of
    those that show a paper; past one file's limits, an index of files of their own for
    each kind and part of it (`_sitemap_groups`), so a day added changes a few of them."""
    groups = {stem: _Listing(config, *members) for stem, members in sorted(_sitemap_groups(archive, pages).items())}
    if sum(len(group.paths) for group in groups.values()) <= SITEMAP_URLS \
            and sum(group.longest for group in groups.values()) <= _room():
        everything = [path for _, paths in pages.values() for path in paths]  # one file, in the pages' order
        papers = [paper for kind, (keys, _) in pages.items()
                  for paper in (_shown(archive, keys) if kind == "paper" else repeat(None, len(keys)))]
        yield _Listing(config, everything, papers).file(config, "sitemap.xml", site)
        return
    names = []
    for stem, group in groups.items():
        parts = range(0, len(group.paths), group.limit)
        for number, start in enumerate(parts, 1):
            name = f"sitemap-{stem}.xml" if len(parts) == 1 else f"sitemap-{stem}-{number}.xml"
            names.append(name)
            part = group if len(parts) == 1 else _Listing(config, group.paths[start:start + group.limit],
                                                          group.papers[start:start + group.limit])
            yield part.file(config, name, site)
    yield FeedFile("sitemap.xml", digest_of(site, names), partial(_sitemap_index, config, names))


class _Shown(NamedTuple):
    """What a sitemap shows of a paper: the last update of its page, and what names
    (`key`: every field follows from it) and places (the year published) that."""

    key: str
    published: datetime
    updated: datetime


def _shown(archive: Archive, ids: list[str]) -> list[_Shown]:
    """What a sitemap shows of the papers `ids`, read a field at a time (`field_values`):
    a kept model (`archive.Columnar`) makes no paper for it."""
    papers = archive.papers
    shown = list(map(_Shown, *(field_values(papers, name) for name in _Shown._fields)))
    if ids == list(papers):  # the papers' pages, in the archive's order: no lookup
        return shown
    return list(map(dict(zip(papers, shown)).__getitem__, ids))


class _Listing:
    """The paths of the pages one sitemap file lists, or several of the same part of the
    site; `papers`: what it shows of the paper each shows (its last update is the
    page's), None for a page that shows none."""

    def __init__(self, config: Config, paths: Sequence[str], papers: Sequence[_Shown | None]):
        self.paths, self.papers = paths, papers
        self.joined = "\n".join(paths)  # hashed and measured at C speed
        # The most URLs a file may list: 50,000, and fewer where paths so long that they could
        # take it over 50 MB (with every character escaped, an entry would be 5 times as long).
        entry = len(_url_entry(config, "", datetime(2000, 1, 1))) + 1
        self.longest = len(paths) * entry + 5 * len(self.joined)  # the bytes of its entries, at most
        self.limit = SITEMAP_URLS if self.longest <= _room() else \
            max(1, _room() // (entry + 5 * max(map(len, paths))))

    def file(self, config: Config, name: str, site: str) -> FeedFile:
        """The file `name` listing these pages, fingerprinted by their paths and their papers' keys."""
        keys = "\n".join(map(KEY, filter(None, self.papers)))
        fingerprint = digest_of(site, name, content_hash(self.joined.encode()), content_hash(keys.encode()))
        return FeedFile(name, fingerprint, lambda: _urlset([_url_entry(config, path, paper and paper.updated)
                                                            for path, paper in zip(self.paths, self.papers)]))


def _room() -> int:
    """The bytes a sitemap file has for its entries, past its first and last lines."""
    return SITEMAP_BYTES - len(_urlset([]))


def _sitemap_groups(archive: Archive, pages: Routes) -> dict[str, tuple[list[str], Sequence[_Shown | None]]]:
    """The sitemap's pages' paths by the part of the site they are listed with (the stem
    of its files' names: `papers-2022`), each with the paper each shows: a paper page by
    the year its paper was published in, a day by its year, an author by a hash of the
    path into one of a number of parts that doubles as the authors do
    (`AUTHORS_PER_FILE`), the other pages together. Where a page goes depends on it alone,
    so an update changes the parts of the pages it adds, removes or shows anew, not the
    others. (Work per page is done at C speed where it can be: an archive has half a
    million pages to list.)"""
    groups: dict[str, tuple[list[str], list[_Shown | None]]] = {}

    def add(stem: str, paths: Iterable[str], papers: Iterable[_Shown | None]) -> None:
        group = groups.setdefault(stem, ([], []))
        group[0].extend(paths)
        group[1].extend(papers)

    for kind, (keys, paths) in pages.items():
        if kind == "paper":
            papers = _shown(archive, keys)
            years = list(map(PUBLISHED_YEAR, papers))
            for start, end in _runs(years):
                add(f"papers-{years[start]}", paths[start:end], papers[start:end])
        elif kind == "day":
            years = list(map(YEAR, keys))
            for start, end in _runs(years):
                add(f"days-{years[start]}", paths[start:end], repeat(None, end - start))
        elif kind == "author":
            files = 1
            while len(paths) > files * AUTHORS_PER_FILE:
                files *= 2
            buckets: list[list[str]] = [[] for _ in range(files)]
            hashes = map(zlib.crc32, map(str.encode, paths))
            for number, path in zip(map((files - 1).__and__, hashes), paths):
                buckets[number].append(path)
            width = len(str(files - 1))
            for number, bucket in enumerate(buckets):
                if bucket:
                    add(f"authors-{number:0{width}}", bucket, repeat(None, len(bucket)))
        else:
            add("pages", paths, repeat(None, len(paths)))
    return groups


def _runs(values: Sequence) -> Iterator[tuple[int, int]]:
    """The start and end of each run of equal `values`, found at C speed."""
    starts = [0, *compress(count(1), map(operator.ne, values, islice(values, 1, None))), len(values)]
    return zip(starts, islice(starts, 1, None)) if values else iter(())


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
