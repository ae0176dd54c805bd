"""Watch what a site is made of and turn editors' event storms into one batch of changes.

Editors save in several steps: vim writes a `4913` probe file, renames `base.html` to
`base.html~`, writes `base.html` and deletes the backup; JetBrains writes
`base.html___jb_tmp___` and renames it over the file. So each event is classified by
what it touches (content, template, static file, configuration), editor temp files are
dropped, and the rest is held until the sources have been quiet for `QUIET` seconds:
one save is one batch, and a storm of writes is one batch (two if it pauses midway).
"""

from __future__ import annotations

import enum
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Callable, Iterable, Sequence

from watchdog.events import (DirCreatedEvent, DirDeletedEvent, DirMovedEvent, FileClosedEvent, FileCreatedEvent,
                             FileDeletedEvent, FileModifiedEvent, FileMovedEvent, FileSystemEvent,
                             FileSystemEventHandler)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver
from watchdog.observers.polling import PollingObserver

QUIET = 0.1  # seconds without events before a batch is handed on
LONGEST = 2.0  # a batch is handed on at the latest this long after its first change
POLL_INTERVAL = 0.5  # seconds between scans when native watching is not available

# What a save does to a file; opening or reading one (as the preview itself does) is not a change.
WRITES = (FileCreatedEvent, FileModifiedEvent, FileDeletedEvent, FileMovedEvent, FileClosedEvent,
          DirCreatedEvent, DirDeletedEvent, DirMovedEvent)
EDITOR_TEMP = re.compile(
    r"""^(?: \d+                                  # vim's write probe: 4913, 5036, ...
          | \.\#.* | \#.*\#                       # emacs lock and autosave files
          | .*\.sw[a-p]x? | .*~                   # vim swap and backup files
          | .*___jb_(?:tmp|old)___                # JetBrains safe write
          | .*\.kate-swp | .*\.crswap             # Kate, Chromium's File System Access
          | \.goutputstream-.* | \.DS_Store       # GNOME (gedit) safe write, macOS Finder
          | sed[A-Za-z0-9]{6}                     # `sed -i`
        )$""", re.VERBOSE)


class ChangeKind(enum.Enum):
    CONTENT = "content"
    TEMPLATE = "template"
    STATIC = "static"
    CONFIG = "config"


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    path: str


def is_editor_temp(name: str) -> bool:
    """A file an editor writes on the way to saving another one (never a site file itself)."""
    return bool(EDITOR_TEMP.match(name))


@dataclass(frozen=True)
class Sources:
    """The folders and the file a site is built from, as the watcher sees them."""

    content: PurePath
    themes: tuple[PurePath, ...]  # theme folders, each with `templates/` and `static/`
    config: PurePath | None  # the configuration file, when there is one

    def watches(self) -> list[tuple[str, bool]]:
        """(folder, recursive) pairs to schedule: the configuration's folder only for itself."""
        folders = [(str(self.content), True)] + [(str(theme), True) for theme in self.themes]
        if self.config is not None:
            folders.append((str(self.config.parent), False))
        return folders

    def classify(self, path: str, is_directory: bool) -> ChangeKind | None:
        """What kind of source `path` is, or None when no page depends on it."""
        target = PurePath(path)
        if not is_directory and is_editor_temp(target.name):
            return None
        if target == self.config:
            return ChangeKind.CONFIG
        for theme in self.themes:
            if target.is_relative_to(theme / "templates"):
                return ChangeKind.TEMPLATE
            if target.is_relative_to(theme / "static"):
                return ChangeKind.STATIC
        if target.is_relative_to(self.content) and (is_directory or _is_digest(target.relative_to(self.content))):
            return ChangeKind.CONTENT
        return None

    def changes(self, event: FileSystemEvent) -> list[Change]:
        """The changes one watchdog event makes (a move touches two paths)."""
        if not isinstance(event, WRITES):
            return []
        paths = [event.src_path]
        if isinstance(event, (FileMovedEvent, DirMovedEvent)):
            paths.append(event.dest_path)
        found = []
        for path in map(str, paths):
            kind = self.classify(path, event.is_directory)
            if kind is not None:
                found.append(Change(kind, path))
        return found


def _is_digest(relative: PurePath) -> bool:
    """The files the reader reads: `*.md`, outside hidden files and folders."""
    return relative.suffix == ".md" and not any(part.startswith(".") for part in relative.parts)


@dataclass
class Batch:
    """Changes held until the sources have been quiet for `quiet` seconds, or for at most
    `longest` seconds after the first one, so a tool that never stops writing still shows."""

    quiet: float = QUIET
    longest: float = LONGEST
    changes: dict[Change, None] = field(default_factory=dict)  # ordered set
    first: float = 0.0
    last: float = 0.0

    def add(self, change: Change, now: float) -> None:
        if not self.changes:
            self.first = now
        self.changes[change] = None
        self.last = now

    def due_in(self, now: float) -> float | None:
        """Seconds until the batch is due (0 when it is), or None while it is empty."""
        if not self.changes:
            return None
        return max(0.0, min(self.last + self.quiet, self.first + self.longest) - now)

    def take(self) -> tuple[Change, ...]:
        taken = tuple(self.changes)
        self.changes.clear()
        return taken


class Debouncer:
    """Hands batches of changes to `on_batch`, one at a time, on its own thread.

    Changes that arrive while `on_batch` runs wait for the next batch, so a rebuild never
    starts while another one is running.
    """

    def __init__(self, on_batch: Callable[[Sequence[Change]], None], quiet: float = QUIET,
                 longest: float = LONGEST, clock: Callable[[], float] = time.monotonic):
        self._on_batch = on_batch
        self._clock = clock
        self._batch = Batch(quiet, longest)
        self._condition = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name="sitegen-debouncer", daemon=True)

    def add(self, change: Change) -> None:
        with self._condition:
            self._batch.add(change, self._clock())
            self._condition.notify()

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        with self._condition:
            self._stopped = True
            self._condition.notify()
        if self._thread.is_alive():
            self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._condition:
                while not self._stopped and self._batch.due_in(self._clock()) != 0:
                    self._condition.wait(self._batch.due_in(self._clock()))
                if self._stopped:
                    return
                changes = self._batch.take()
            self._on_batch(changes)


class _Forward(FileSystemEventHandler):
    def __init__(self, watcher: "Watcher"):
        self.watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        for change in self.watcher.sources.changes(event):
            self.watcher.on_change(change)


class Watcher:
    """A watchdog observer over a site's sources: native (inotify) where it starts, else
    polling, with a warning (the usual cause is the inotify watch limit)."""

    def __init__(self, sources: Sources, on_change: Callable[[Change], None], warn: Callable[[str], None],
                 native: Callable[[], BaseObserver] = Observer,
                 polling: Callable[[], BaseObserver] = lambda: PollingObserver(timeout=POLL_INTERVAL)):
        self.sources = sources
        self.on_change = on_change
        self._warn = warn
        self._native = native
        self._polling = polling
        self._handler = _Forward(self)
        self._observer: BaseObserver | None = None

    @property
    def polling(self) -> bool:
        return isinstance(self._observer, PollingObserver)

    def start(self) -> None:
        self._observer = self._observe(self.sources)

    def watch(self, sources: Sources) -> None:
        """Follow new sources (the configuration moved the content folder or changed theme)."""
        if sources != self.sources:
            self.stop()
            self._observer = self._observe(sources)
            self.sources = sources

    def stop(self) -> None:
        if self._observer is not None:
            self._observer.stop()
            self._observer.join()
            self._observer = None

    def _observe(self, sources: Sources) -> BaseObserver:
        try:
            return self._started(self._native(), sources)
        except OSError as exc:
            self._warn(f"warning: cannot watch files natively ({exc.strerror or exc}); polling every "
                       f"{POLL_INTERVAL} s instead (on Linux, raise fs.inotify.max_user_watches to fix it)")
            return self._started(self._polling(), sources)

    def _started(self, observer: BaseObserver, sources: Sources) -> BaseObserver:
        try:
            self._schedule(observer, sources.watches())
            observer.start()
        except OSError:
            observer.unschedule_all()
            raise
        return observer

    def _schedule(self, observer: BaseObserver, folders: Iterable[tuple[str, bool]]) -> None:
        for folder, recursive in folders:
            if os.path.isdir(folder):
                observer.schedule(self._handler, folder, recursive=recursive, event_filter=list(WRITES))
