"""`sitegen serve`: a live-reload preview for people editing themes and content.

The site is held in memory and each page is rendered when a browser asks for it
(`site.py`); the watcher batches editors' saves into changes the site follows
(`watcher.py`); the server answers only this machine and tells open browsers to reload,
to swap a stylesheet, or to show an error until it is fixed (`server.py`, `reload.js`).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path, PurePath
from typing import Any, Callable, Iterable, Mapping, Sequence

from ..plural import plural
from ..themes import theme_warnings
from .server import EventHub, PreviewServer
from .site import LiveSite
from .watcher import Change, ChangeKind, Debouncer, Watcher

SHOWN_PROBLEMS = 10  # digest problems printed at start; `sitegen check` lists them all


def say_on_stderr(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


class Preview:
    """The server, the site, the debouncer and the watcher, started and stopped together.

    `with Preview(...) as preview: preview.server.serve_forever()` serves until stopped;
    leaving the block stops watching, ends the browsers' event streams and frees the port.
    """

    def __init__(self, config_file: Path | None, host: str, port: int,
                 say: Callable[[str], None] = say_on_stderr, overrides: Mapping[str, Any] | None = None):
        self.say = say
        self.hub = EventHub()
        self.server = PreviewServer(host, port, self.hub, say)
        try:
            self.site = LiveSite(config_file, self.server.url, self.hub, say, overrides)
        except BaseException:
            self.server.server_close()
            raise
        self.server.site = self.site
        self._warned: set[str] = set()  # theme warnings already said
        self.debouncer = Debouncer(self._follow)
        self.watcher = Watcher(self.site.sources(), self.debouncer.add, say)

    def __enter__(self) -> "Preview":
        self.debouncer.start()
        self.watcher.start()
        return self

    def __exit__(self, *exc_info) -> None:
        self.watcher.stop()
        self.debouncer.stop()
        self.hub.close()
        self.server.server_close()

    def _follow(self, changes: Sequence[Change]) -> None:
        """Apply one batch of changes and say in one line what came of it."""
        started = time.perf_counter()
        try:
            outcome = self.site.apply(changes)
            self.watcher.watch(self.site.sources())
        except Exception as exc:  # a bug in the preview must not end it: say so and keep serving
            outcome = f"internal error: {type(exc).__name__}: {exc}"
        self.say(f"changed {describe(changes)}: {outcome} ({time.perf_counter() - started:.2f} s)")
        if any(change.kind in (ChangeKind.TEMPLATE, ChangeKind.CONFIG) for change in changes):
            self._warn_about_theme()

    def _warn_about_theme(self) -> None:
        """Theme warnings not said before: a template saved under a name no page uses (which
        changes nothing in the browser) is pointed out as soon as it is saved."""
        try:
            warnings = [str(warning) for warning in theme_warnings(self.site.look.theme)]
        except OSError:  # the theme folder is changing under us: its next change brings us back
            return
        for warning in warnings:
            if warning not in self._warned:
                self._warned.add(warning)
                self.say(warning)

    def report_start(self) -> None:
        site, reading = self.site, self.site.reading
        self._warn_about_theme()
        for problem in reading.problems[:SHOWN_PROBLEMS]:
            self.say(str(problem))
        if len(reading.problems) > SHOWN_PROBLEMS:
            self.say(f"... and {plural(len(reading.problems) - SHOWN_PROBLEMS, 'more problem')} (`sitegen check` lists them)")
        failure = site.failure()
        if failure:
            self.say(f"error: {failure}")
        sources = site.sources()
        watched = [sources.content, *sources.themes] + ([sources.config] if sources.config else [])
        how = " (polling)" if self.watcher.polling else ""
        self.say(f"{plural(len(site.model.archive.papers), 'paper')}, {plural(len(site.model.pages), 'page')} from "
                 f"{plural(len(reading.digests), 'digest')}; watching{how} {', '.join(map(str, watched))}")
        self.say(f"serving {site.config.title} at {self.server.url} (Ctrl-C to stop)")


def serve(config_file: Path | None, host: str, port: int, say: Callable[[str], None] = say_on_stderr,
          overrides: Mapping[str, Any] | None = None) -> None:
    """Serve the site with live reload until interrupted (Ctrl-C raises KeyboardInterrupt);
    `overrides` are configuration values given on the command line (`content_dir`)."""
    with Preview(config_file, host, port, say, overrides) as preview:
        preview.report_start()
        preview.server.serve_forever()


def describe(changes: Iterable[Change]) -> str:
    """`base.html`, or `base.html, style.css, x.md (+3 more)`: the files a batch changed."""
    names = list(dict.fromkeys(PurePath(change.path).name for change in changes))
    return ", ".join(names[:3]) + (f" (+{len(names) - 3} more)" if len(names) > 3 else "")
