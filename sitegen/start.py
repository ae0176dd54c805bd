"""The start of `sitegen build`: its folders checked and locked, the digests listed, and
the build over at once when nothing changed since the last one.

The pipeline (`build.py`: Jinja, the model, rendering, search) is imported only when
there is work to do: its imports alone cost more than telling that nothing changed, so
`sitegen build` with nothing to do is over in a fraction of a second at any scale.
"""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Mapping, Sequence, TextIO

from . import folders
from .cache import Cache
from .config import Config
from .dependencies import quick_inputs, site_fingerprint
from .errors import BuildError, Problem, UsageError
from .parallel import collector_paused
from .plural import plural
from .publish import folder_key
from .reader import Listing, Reading, content_warnings, list_content
from .themes import (Asset, ExtraAssets, Theme, Vendor, extra_assets, load_theme, theme_assets, theme_warnings,
                     vendor_assets)


@dataclass
class Report:
    """What the build prints as it goes: stage timings and a closing summary."""

    out: TextIO = field(default_factory=lambda: sys.stderr)
    timings: list[tuple[str, float]] = field(default_factory=list)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        self.record(name, time.perf_counter() - started)

    def record(self, name: str, elapsed: float, note: str = "") -> None:
        """A stage's time, timed here (`stage`) or in another process."""
        self.timings.append((name, elapsed))
        self.say(f"{name:<10} {elapsed:6.2f} s" + (f"  ({note})" if note else ""))

    def say(self, line: str) -> None:
        print(line, file=self.out, flush=True)


@dataclass(frozen=True)
class BuildResult:
    pages: dict[str, int]  # pages of each kind; empty when nothing had changed
    rendered: int
    problems: int
    timings: list[tuple[str, float]]


@dataclass(frozen=True)
class Survey:
    """What a build finds before it loads anything of the last build but its stamp."""

    listing: Listing
    assets: Mapping[str, Asset]
    extra: ExtraAssets
    vendor: Vendor
    site: str  # `dependencies.site_fingerprint`
    quick: str  # `dependencies.quick_inputs`, compared with the stamp's


def build_site(config: Config, jobs: int | None = None, report: Report | None = None) -> BuildResult:
    """Build the site into `config.output_path`, redoing only what changed since the last
    build (the cache beside the output remembers it); the old output stays until the end."""
    report = report or Report()
    jobs = jobs or os.cpu_count() or 1
    if not config.content_path.is_dir():
        raise UsageError(f"content folder not found: {config.content_path}")
    theme = load_theme(config)
    for warning in theme_warnings(theme):
        report.say(str(warning))
    built = folders.build_folders(config.output_path, config.path(config.cache_dir), protected_folders(config, theme))
    folders.make_cache(built.cache)
    cache = Cache(built.cache)
    # The model, the pages planned and their fingerprints are millions of objects and no
    # cycles: the collector's scans of them would cost a few tenths of a second.
    with folders.locked(built), collector_paused(collect_after=True):
        started = time.perf_counter()
        found = survey(config, theme, cache, report)
        stamp = cache.stamp()
        if stamp is not None and stamp.inputs == found.quick and stamp.output == folder_key(built.output):
            return nothing_changed(config, found.listing, stamp.problems, built.output, started, report)
        from .build import build_changed  # the pipeline: imported only when there is work to do

        return build_changed(config, theme, cache, built.output, jobs, report, found, started)


def protected_folders(config: Config, theme: Theme) -> list[folders.Protected]:
    """What a build's folders must keep clear of: the user's inputs, and the folders
    that an output may sit in but never be."""
    return [
        folders.Protected("root folder", Path("/"), True),
        folders.Protected("home folder", Path.home(), True),
        folders.Protected("configuration's folder", config.root.resolve(), True),
        folders.Protected("content folder", config.content_path, False),
        folders.Protected("themes folder", config.path(config.themes_dir), False),
        *(folders.Protected("theme folder", folder, False) for folder in theme.folders),
    ]


def survey(config: Config, theme: Theme, cache: Cache, report: Report) -> Survey:
    """The digests listed (read only where their status changed) and the build's inputs in short."""
    vendor, assets = vendor_assets(), theme_assets(theme)
    extra = extra_assets(config, theme, assets)  # a setting naming no file is reported before any work
    site = site_fingerprint(config, assets, vendor)
    with report.stage("list"):
        remembered = cache.listing()
        listing = list_content(config.content_path, config.category_overrides, ignore=config.ignore,
                               remembered=remembered)
        if listing.seen != remembered:
            cache.save_listing(listing.seen)
        quick = quick_inputs(site, theme, sorted(listing.keys), listing.shown_from)
    return Survey(listing, assets, extra, vendor, site, quick)


def nothing_changed(config: Config, listing: Listing, problems: Sequence[Problem], output: Path,
                    started: float, report: Report) -> BuildResult:
    report_problems(config, listing, None, problems, report)
    report.say(f"nothing changed since the last build: {output} is up to date "
               f"({time.perf_counter() - started:.2f} s)")
    return BuildResult({}, 0, len(problems), report.timings)


def report_problems(config: Config, listing: Listing, reading: Reading | None, problems: Sequence[Problem],
                    report: Report) -> None:
    """The digests' problems and the content's warnings; with `strict`, problems end the build."""
    for problem in problems:
        report.say(str(problem))
    for warning in content_warnings(config.content_path, listing, reading):
        report.say(warning)
    if config.strict and problems:
        raise BuildError(f"strict: {plural(len(problems), 'problem')} in the digests; nothing written")
