"""`sitegen build`: the pipeline, top to bottom.

read digests → model the archive → plan pages → render (in worker processes) → write
feeds, sitemap and assets → swap the finished folder in. Each stage reports its time.
"""

from __future__ import annotations

import os
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Sequence, TextIO

from . import feeds, publish, routes
from .archive import Archive, build_archive
from .config import Config
from .errors import BuildError, UsageError
from .parallel import fork_map
from .reader import read_content
from .render import Renderer, environment
from .routes import Page
from .search import build_search
from .themes import Vendor, load_theme, theme_assets, vendor_assets
from .views import Views

BATCH = 250  # pages a worker renders between reports
PROGRESS_BATCHES = 8  # batches between progress lines


@dataclass
class Report:
    """What the build prints as it goes: stage timings and a closing summary."""

    out: TextIO = field(default_factory=lambda: sys.stderr)
    timings: list[tuple[str, float]] = field(default_factory=list)

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        yield
        elapsed = time.perf_counter() - started
        self.timings.append((name, elapsed))
        self.say(f"{name:<10} {elapsed:6.2f} s")

    def say(self, line: str) -> None:
        print(line, file=self.out, flush=True)


@dataclass(frozen=True)
class BuildResult:
    archive: Archive
    pages: dict[str, int]
    problems: int
    timings: list[tuple[str, float]]


def build_site(config: Config, jobs: int | None = None, report: Report | None = None) -> BuildResult:
    """Build the whole site into `config.output_path`; the old output stays until the end."""
    report = report or Report()
    jobs = jobs or os.cpu_count() or 1
    started = time.perf_counter()
    content = config.content_path
    if not content.is_dir():
        raise UsageError(f"content folder not found: {content}")
    theme = load_theme(config)
    with report.stage("read"):
        reading = read_content(content, config.category_overrides)
    for problem in reading.problems:
        report.say(str(problem))
    if config.strict and reading.problems:
        raise BuildError(f"strict: {len(reading.problems)} problem(s) in the digests; nothing written")
    with report.stage("model"):
        archive = build_archive(reading.digests)
    with report.stage("plan"):
        views = Views(archive, config)
        pages = list(views.pages())
        check_unique_paths(page.path for page in pages)
    staging = publish.staging_folder(config.output_path)
    try:
        with report.stage("assets"):
            vendor = vendor_assets()
            assets = theme_assets(theme)
            _copy_assets(staging, assets, vendor)
        renderer = Renderer(views, environment(theme, assets, vendor))
        with report.stage("render"):
            render_all(renderer, pages, staging, jobs, report)
        with report.stage("search"):
            for search_file in build_search(archive, jobs):
                publish.write(staging, search_file.path, search_file.data)
        with report.stage("feeds"):
            _write_feeds(staging, archive, config, pages)
        with report.stage("publish"):
            publish.swap_in(staging, config.output_path)
    except BaseException:
        publish.discard(staging)
        raise
    counts = _count_kinds(pages)
    skipped = sum(digest.skipped for digest in reading.digests)
    report.say(f"\n{len(pages)} pages ({', '.join(f'{n} {kind}' for kind, n in counts.items())}) "
               f"from {len(archive.papers)} papers in {len(reading.digests)} files")
    report.say(f"{archive.merged} merged duplicates, {skipped} skipped entries, {len(reading.problems)} problems; "
               f"built {config.output_path} in {time.perf_counter() - started:.2f} s")
    return BuildResult(archive, counts, len(reading.problems), report.timings)


def check_unique_paths(paths) -> None:
    """Two pages on one path, or on paths that differ only in case, would overwrite each other."""
    seen: dict[str, str] = {}
    for path in paths:
        other = seen.setdefault(path.lower(), path)
        if other is not path:
            raise BuildError(f"two pages claim the same output path: {other} and {path}")


def render_all(renderer: Renderer, pages: Sequence[Page], staging: Path, jobs: int, report: Report) -> None:
    """Render every page straight to disk, in batches spread over `jobs` forked workers."""
    batches = [pages[start:start + BATCH] for start in range(0, len(pages), BATCH)]
    done = 0

    def render_batch(batch: Sequence[Page]) -> int:
        for page in batch:
            publish.write(staging, page.path, renderer.render(page))
        return len(batch)

    def progress(index: int, count: int) -> None:
        nonlocal done
        done += count
        if done == len(pages) or (done // BATCH) % PROGRESS_BATCHES == 0:
            report.say(f"rendered {done}/{len(pages)} pages")

    fork_map(render_batch, batches, jobs, progress)


def _copy_assets(staging: Path, assets, vendor: Vendor) -> None:
    for asset in assets.values():
        publish.copy(staging, asset.path, asset.source)
    for source, path in vendor.files:
        publish.copy(staging, path, source)


def _write_feeds(staging: Path, archive: Archive, config: Config, pages: Sequence[Page]) -> None:
    publish.write(staging, routes.feed(), feeds.site_feed(archive, config))
    for code in archive.categories:
        publish.write(staging, routes.category_feed(code), feeds.category_feed(archive, config, code))
    modified = {routes.paper(paper.id): paper.updated for paper in archive.papers.values()}
    listed = [(page.path, modified.get(page.path)) for page in pages if page.kind != "not_found"]
    for name, data in feeds.sitemaps(config, listed):
        publish.write(staging, name, data)
    publish.write(staging, "robots.txt", feeds.robots(config))


def _count_kinds(pages: Sequence[Page]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for page in pages:
        counts[page.kind] = counts.get(page.kind, 0) + 1
    return counts
