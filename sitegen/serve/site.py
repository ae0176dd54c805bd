"""The previewed site, held in memory and rendered on request.

Why on request: the 2022 sample is 70,988 pages and rendering them all takes a minute,
while a browser shows one page at a time. What pages need (the archive and its views,
the theme's assets, a Jinja environment) is held in a `Snapshot`. A change builds the
next snapshot, re-making only what it affects and sharing the rest: a template edit
needs only a new environment, a stylesheet edit new asset hashes, a digest edit that
digest parsed again and the archive rebuilt. The new snapshot first renders the pages
open in browsers; only if they render does it replace the current one, and the browsers
are told. A request is answered from one snapshot start to end, so nobody is served a
page half old and half new; a change that fails leaves the last good snapshot serving
while browsers show the error.
"""

from __future__ import annotations

import html
import itertools
import os
import re
import secrets
import threading
from collections import OrderedDict
from dataclasses import asdict, dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Callable, Generic, Hashable, Iterable, Mapping, Protocol, Sequence, TypeVar

from .. import feeds
from ..archive import build_archive
from ..config import CONFIG_NAME, Config, load_config
from ..errors import BuildError, Problem, SitegenError, UsageError
from ..plural import plural
from ..reader import Reading, read_content
from ..render import Renderer, environment
from ..routes import Page
from ..search import build_search
from ..themes import Asset, ExtraAssets, Theme, Vendor, extra_assets, load_theme, theme_assets, vendor_assets
from ..venues import Venues
from ..kinds import PageRenderer, Pages
from .watcher import Change, ChangeKind, Sources

PAGE_CACHE = 512  # rendered pages kept per snapshot, and last good renders kept overall
HTML = "text/html; charset=utf-8"
CONTENT_TYPES = {
    ".html": HTML, ".css": "text/css; charset=utf-8", ".js": "text/javascript; charset=utf-8",
    ".xml": "application/xml; charset=utf-8", ".txt": "text/plain; charset=utf-8",
    ".bib": "text/plain; charset=utf-8", ".json": "application/json",
    ".svg": "image/svg+xml", ".png": "image/png", ".jpg": "image/jpeg", ".ico": "image/x-icon",
    ".woff2": "font/woff2", ".woff": "font/woff",
}
LOCATED = re.compile(r"(?P<file>[^\n]+?):(?P<line>\d+): (?P<message>.*)", re.DOTALL)
Key = TypeVar("Key", bound=Hashable)
Value = TypeVar("Value")


class Listeners(Protocol):
    """The browsers the site talks to (the server's event hub)."""

    def publish(self, message: dict) -> None: ...

    def open_pages(self) -> set[str]: ...


@dataclass(frozen=True)
class Response:
    status: int
    content_type: str
    body: bytes
    generation: str | None = None  # on pages: the snapshot they come from, for the reload script
    location: str | None = None  # on redirects
    immutable: bool = False  # versioned files a browser may keep


@dataclass(frozen=True)
class Failure:
    """An error for the browser's overlay and the console: `file:line: message`, and
    the page whose rendering failed, if one did: the overlay of each open page says
    whether that is the page itself or another one."""

    file: str | None
    line: int | None
    message: str
    page: str | None = None

    def __str__(self) -> str:
        where = ":".join(str(part) for part in (self.file, self.line) if part is not None)
        text = f"{where}: {self.message}" if where else self.message
        return f"{text} (rendering {self.page})" if self.page else text

    def event(self) -> dict:
        return {"type": "error", **asdict(self)}


def failure_of(error: SitegenError, page: Page | None = None) -> Failure:
    """The first located problem of an error; render errors carry theirs in the message,
    which ends naming the page being rendered (`page`, kept apart in the failure)."""
    if error.problems:
        return failure_of_problems(error.problems)
    path = page.path if page else None
    message = error.message.removesuffix(f" (rendering {path})") if path else error.message
    located = LOCATED.fullmatch(message)
    if located:
        return Failure(located["file"], int(located["line"]), located["message"], path)
    return Failure(None, None, message, path)


def failure_of_problems(problems: Sequence[Problem]) -> Failure:
    first = problems[0]
    more = f" (and {plural(len(problems) - 1, 'more problem')})" if len(problems) > 1 else ""
    return Failure(first.source, first.line, first.message + more)


class Recent(Generic[Key, Value]):
    """The `size` most recently used entries of a map; threads may share it."""

    def __init__(self, size: int):
        self._size = size
        self._entries: OrderedDict[Key, Value] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Key) -> Value | None:
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: Key, value: Value) -> None:
        with self._lock:
            self._entries[key] = value
            self._entries.move_to_end(key)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def get_or_make(self, key: Key, make: Callable[[], Value]) -> Value:
        """The value for `key`, made if missing (outside the lock: making may be slow)."""
        value = self.get(key)
        if value is None:
            value = make()
            self.put(key, value)
        return value


class Once(Generic[Value]):
    """A value computed on first use, by one thread while any others asking wait for it."""

    def __init__(self, compute: Callable[[], Value]):
        self._compute = compute
        self._lock = threading.Lock()
        self._value: Value | None = None

    def get(self) -> Value:
        with self._lock:
            if self._value is None:
                self._value = self._compute()
            return self._value


class Model:
    """The archive and what pages, search data and feeds derive from it.

    Search data and feeds are made on their first request: most edits are followed by a
    look at a page, not a search, and the search index of a large archive takes seconds.
    """

    def __init__(self, reading: Reading, config: Config, say: Callable[[str], None], venues: Venues):
        self.archive = build_archive(reading.digests, venues)
        self.views = Pages(self.archive, config)
        self.contexts = Contexts(self.views)
        self.pages = {page.path: page for page in self.views.pages()}
        self.probes = tuple(_first_of_each_kind(self.pages.values()))
        self._search = Once(lambda: self._search_files(say))
        self._feeds = Once(lambda: dict(feeds.feed_files(self.archive, config, list(self.pages.values()))))

    def file(self, path: str) -> bytes | None:
        """A search data file or a feed (sitemap, robots.txt), if `path` names one."""
        if path.startswith("search/") and path.endswith(".js"):
            return self._search.get().get(path)
        if path.endswith(".xml") or path == "robots.txt":
            return self._feeds.get().get(path)
        return None

    def _search_files(self, say: Callable[[str], None]) -> dict[str, bytes]:
        say(f"building the search data for {plural(len(self.archive.papers), 'paper')} (first search request)")
        files = build_search(self.archive, os.cpu_count() or 1)
        return {search_file.path: search_file.data for search_file in files}


class Contexts:
    """The views' page contexts, remembered for the model's lifetime: after a template
    edit pages are rendered again from them (the archive page's context alone visits
    every paper). Templates only read a context, so one can serve many renders."""

    def __init__(self, views: Pages):
        self._views = views
        self._recent: Recent[str, dict] = Recent(PAGE_CACHE)

    def context(self, page: Page) -> dict:
        return self._recent.get_or_make(page.path, lambda: self._views.context(page))


def _first_of_each_kind(pages: Iterable[Page]) -> Iterable[Page]:
    firsts: dict[str, Page] = {}
    for page in pages:
        firsts.setdefault(page.kind, page)
    return firsts.values()


@dataclass(frozen=True)
class Look:
    """The theme with its assets: hashed names for templates, bytes for the server."""

    theme: Theme
    assets: Mapping[str, Asset]
    files: Mapping[str, bytes]  # hashed path -> bytes
    extra: ExtraAssets  # the site's extra_css and extra_js, linked from every page

    def stylesheet_swaps(self, newer: "Look") -> list[dict[str, str]] | None:
        """The stylesheets an edit of CSS alone changed, as old and new path; None when the
        edit needs a full reload (another file changed, or a file came or went)."""
        if self.assets.keys() != newer.assets.keys():
            return None
        changed = [name for name, asset in newer.assets.items() if self.assets[name].path != asset.path]
        if not all(name.endswith(".css") for name in changed):
            return None
        return [{"old": self.assets[name].path, "new": newer.assets[name].path} for name in changed]


def load_look(config: Config) -> Look:
    """The theme's assets (a theme with links leading out of it is refused by `load_theme`)."""
    theme = load_theme(config)
    try:
        assets = theme_assets(theme)
        files = {asset.path: asset.source.read_bytes() for asset in assets.values()}
    except OSError as exc:  # a file went away between listing and reading: the next event follows
        raise BuildError(f"{exc.filename}: cannot read static file: {exc.strerror}") from None
    return Look(theme, assets, files, extra_assets(config, theme, assets))


class Snapshot:
    """One consistent state of the site, and the pages rendered from it so far."""

    def __init__(self, model: Model, look: Look, vendor: Vendor, generation: str):
        self.model = model
        self.look = look
        self.generation = generation
        self.renderer = PageRenderer(Renderer(model.contexts, environment(look.theme, look.assets, vendor, look.extra)),
                                     model.views)
        self._rendered: Recent[str, bytes] = Recent(PAGE_CACHE)

    def render(self, page: Page) -> bytes:
        return self._rendered.get_or_make(page.path, lambda: self.renderer.render(page))


class LiveSite:
    """The site as the preview serves it: answers requests, and follows changes.

    `respond` runs on the server's threads, `apply` on the watcher's; they share only the
    current snapshot (replaced whole), the last good renders and the failures.
    """

    def __init__(self, config_file: Path | None, base_url: str, listeners: Listeners, say: Callable[[str], None],
                 overrides: Mapping[str, Any] | None = None):
        found = config_file or default_config_file()
        self._config_file = found.resolve() if found else None
        self._base_url = base_url
        self._overrides = dict(overrides or {})  # from the command line: they outlast edits of sitegen.yaml
        self._listeners = listeners
        self._say = say
        self._vendor = vendor_assets()
        self._vendor_files = {path: source for source, path in self._vendor.files}
        self._generations = (f"{secrets.token_hex(4)}.{number}" for number in itertools.count(1))
        self._failures: dict[str, Failure] = {}  # by source: "config", "pages", "content"
        self._lock = threading.Lock()
        self._last_good: Recent[str, bytes] = Recent(PAGE_CACHE)
        self._venues: Venues | None = None
        self._venue_aliases: dict[str, str] | None = None  # what `_venues` was made with
        self.config = self._load_config()
        self._reading = self._read(self.config, known=None)
        self._baseline = set(self._reading.problems)  # printed at start; the overlay shows new ones
        self.model = Model(self._reading, self.config, say, self._venue_reader())
        self.look = load_look(self.config)
        self.current = Snapshot(self.model, self.look, self._vendor, next(self._generations))
        self._set_failure("pages", self._first_failure(self.current, self.model.probes))

    # --- what the site is made of -------------------------------------------------------

    @property
    def reading(self) -> Reading:
        return self._reading

    def sources(self) -> Sources:
        return Sources(self.config.content_path, self.look.theme.folders, self._config_file)

    def _load_config(self) -> Config:
        """The configuration, with the command line's overrides and the preview's own address as the site's URL."""
        return load_config(self._config_file).with_changes(**self._overrides, base_url=self._base_url)

    def _read(self, config: Config, known: Reading | None) -> Reading:
        """Every digest; with `known`, only those whose bytes changed are parsed again."""
        if not config.content_path.is_dir():
            raise UsageError(f"content folder not found: {config.content_path}")
        return read_content(config.content_path, config.category_overrides, known=known.parsed.get if known else None,
                            ignore=config.ignore)

    # --- following changes --------------------------------------------------------------

    def apply(self, changes: Sequence[Change]) -> str:
        """Bring the site up to date with `changes` and tell the browsers; returns what
        happened, in a few words for the console."""
        kinds = {change.kind for change in changes}
        steps: list[tuple[str, Callable[[], None]]] = []
        if ChangeKind.CONFIG in kinds:
            steps.append(("config", self._reconfigure))
        else:
            if ChangeKind.CONTENT in kinds:
                steps.append(("content", self._reread))
            if ChangeKind.STATIC in kinds:
                steps.append(("pages", self._restyle))
        for source, step in steps:
            try:
                step()
            except SitegenError as exc:
                return self._fail(source, failure_of(exc))
        if kinds == {ChangeKind.STATIC}:
            return self._swap_stylesheets()
        return self._advance({"type": "reload"})

    def _reconfigure(self) -> None:
        """Everything again from the new configuration (it may name other folders or theme)."""
        config = self._load_config()
        reading = self._read(config, known=self._reading)
        look = load_look(config)
        if (config.content_path, config.category_overrides) != (self.config.content_path,
                                                                 self.config.category_overrides):
            self._baseline = set(reading.problems)
        self.config, self.look = config, look
        self._remodel(reading)
        self._set_failure("config", None)

    def _reread(self) -> None:
        """Parse again only the digests whose bytes changed, and rebuild the archive."""
        self._remodel(self._read(self.config, known=self._reading))

    def _remodel(self, reading: Reading) -> None:
        self._reading = reading
        self.model = Model(reading, self.config, self._say, self._venue_reader())
        fresh = [problem for problem in reading.problems if problem not in self._baseline]
        self._set_failure("content", failure_of_problems(fresh) if fresh else None)

    def _venue_reader(self) -> Venues:
        """The last model's venue reader while the venue aliases stay the same: a Comment
        and Journal text is read once while the preview runs, not again at every edit."""
        if self._venues is None or self._venue_aliases != self.config.venue_aliases:
            self._venues, self._venue_aliases = Venues(self.config.venue_aliases), dict(self.config.venue_aliases)
        return self._venues

    def _restyle(self) -> None:
        self.look = load_look(self.config)

    def _swap_stylesheets(self) -> str:
        """After an edit of static files alone: stylesheets swapped in place when only CSS
        changed, a reload otherwise."""
        swaps = self.current.look.stylesheet_swaps(self.look)
        if swaps is None:
            return self._advance({"type": "reload"})
        if not swaps and self.failure() is None:  # else the browsers hear that the error is gone
            return "no page changed"
        return self._advance({"type": "css", "stylesheets": swaps})

    def _advance(self, event: dict) -> str:
        """Put a snapshot of the latest model and look in place if the pages open in
        browsers render with it, and send them `event` (with the new generation and any
        error still held). Then, with the browsers already reloading, render one page of
        every kind: an error in a template the open pages do not use is shown too."""
        snapshot = Snapshot(self.model, self.look, self._vendor, next(self._generations))
        failure = self._first_failure(snapshot, self._open_pages(snapshot))
        if failure:
            return self._fail("pages", failure)
        self._set_failure("pages", None)
        self.current = snapshot
        held = self.failure()
        self._listeners.publish({**event, "generation": snapshot.generation, "error": held and held.event()})
        done = "stylesheet swapped" if event["type"] == "css" else "reloaded"
        failure = self._first_failure(snapshot, snapshot.model.probes)
        if failure:
            return f"{done}; {self._fail('pages', failure)}"
        return f"{done}; still failing: {held}" if held else done

    def _fail(self, source: str, failure: Failure) -> str:
        self._set_failure(source, failure)
        self._listeners.publish(failure.event())
        return f"error: {failure}"

    def _open_pages(self, snapshot: Snapshot) -> list[Page]:
        pages = snapshot.model.pages
        return [pages[path] for path in sorted(self._listeners.open_pages()) if path in pages]

    @staticmethod
    def _first_failure(snapshot: Snapshot, pages: Iterable[Page]) -> Failure | None:
        for page in pages:
            try:
                snapshot.render(page)
            except BuildError as exc:
                return failure_of(exc, page)
        return None

    # --- failures -----------------------------------------------------------------------

    def failure(self) -> Failure | None:
        """The error to show: configuration first, then templates, then digests."""
        with self._lock:
            return next((self._failures[source] for source in ("config", "pages", "content")
                         if source in self._failures), None)

    def _set_failure(self, source: str, failure: Failure | None) -> None:
        with self._lock:
            if failure is None:
                self._failures.pop(source, None)
            else:
                self._failures[source] = failure

    def hello(self) -> dict:
        """What a browser is told when it starts listening: the generation and any error."""
        failure = self.failure()
        return {"type": "hello", "generation": self.current.generation,
                "error": failure.event() if failure else None}

    # --- answering requests -------------------------------------------------------------

    def respond(self, path: str | None) -> Response:
        """The response for a site path (`papers/2209.14475.html`); None is a path
        the server refused, answered like any missing page."""
        snapshot = self.current
        page = snapshot.model.pages.get(path) if path else None
        if page is not None:
            return self._page(snapshot, page, 200)
        if path:
            try:
                body, immutable = self._file(snapshot, path)
            except SitegenError as exc:  # the search data or a feed could not be made
                return Response(500, "text/plain; charset=utf-8", f"{exc}\n".encode("utf-8"))
            if body is not None:
                return Response(200, content_type(path), body, immutable=immutable)
            for page_path, location in ((f"{path}.html", f"/{path}.html"), (f"{path}/index.html", f"/{path}/")):
                if page_path in snapshot.model.pages:
                    return Response(301, "text/plain; charset=utf-8", b"moved\n", location=location)
        return self._page(snapshot, snapshot.model.pages["404.html"], 404)

    def _file(self, snapshot: Snapshot, path: str) -> tuple[bytes | None, bool]:
        """A file that is not a page, and whether its URL is versioned."""
        if path in snapshot.look.files:
            return snapshot.look.files[path], False
        if path in self._vendor_files:
            return self._vendor_files[path].read_bytes(), True
        return snapshot.model.file(path), False

    def _page(self, snapshot: Snapshot, page: Page, status: int) -> Response:
        """A rendered page; if it fails, the last good render of it or an error page."""
        try:
            body = snapshot.render(page)
        except BuildError as exc:
            failure = failure_of(exc, page)
            if failure != self.failure():
                self._fail("pages", failure)
            last_good = self._last_good.get(page.path)
            if last_good is None:
                return Response(500, HTML, error_page(failure), generation=snapshot.generation)
            body = last_good
        else:
            self._last_good.put(page.path, body)
        if not page.path.endswith(".html"):  # a feed or bibliography: no reload script
            return Response(status, content_type(page.path), body)
        return Response(status, HTML, body, generation=snapshot.generation)


def default_config_file() -> Path | None:
    """`./sitegen.yaml` when it exists (as `load_config(None)` reads it)."""
    path = Path(CONFIG_NAME)
    return path if path.is_file() else None


def content_type(path: str) -> str:
    return CONTENT_TYPES.get(PurePosixPath(path).suffix, "application/octet-stream")


def error_page(failure: Failure) -> bytes:
    """What a page that has never rendered shows while it fails (the overlay comes on top)."""
    return (f'<!doctype html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
            f"<title>Build error · sitegen</title>\n</head>\n<body>\n<h1>Build error</h1>\n"
            f"<pre>{html.escape(str(failure))}</pre>\n"
            f"<p>Fix the file and save: this page comes back by itself.</p>\n</body>\n</html>\n").encode("utf-8")

