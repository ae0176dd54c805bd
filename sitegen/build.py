"""`sitegen build`: the pipeline, top to bottom.

read digests → model the archive → plan pages → render (in worker processes) → write
feeds, sitemap and assets → swap the finished folder in. Each stage reports its time.
"""

from __future__ import annotations

import multiprocessing
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
from .reader import read_content
from .render import Renderer, environment
from .routes import Page
from .themes import katex_folder, load_theme, theme_assets
from .views import Views

PROGRESS_EVERY = 2000  # pages between progress reports from a worker


@dataclass
class Report:
    """What the build prints as it goes: stage timings and a closing summary."""

    out: TextIO = sys.stderr
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
            katex_source, katex_path = katex_folder()
            assets = theme_assets(theme)
            _copy_assets(staging, assets, katex_source, katex_path)
        renderer = Renderer(views, environment(theme, assets, katex_path))
        with report.stage("render"):
            render_all(renderer, pages, staging, jobs or os.cpu_count() or 1, report)
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
    """Render every page straight to disk, in `jobs` forked workers sharing the model."""
    if jobs <= 1 or len(pages) < 2 * PROGRESS_EVERY:
        for done in _render_slice(renderer, pages, staging):
            report.say(f"rendered {done}/{len(pages)} pages")
        return
    context = multiprocessing.get_context("fork")
    messages = context.SimpleQueue()
    workers = [context.Process(target=_worker, args=(renderer, pages[index::jobs], staging, messages), daemon=True)
               for index in range(jobs)]
    for worker in workers:
        worker.start()
    _follow(workers, messages, len(pages), report)


def _follow(workers, messages, total: int, report: Report) -> None:
    done = {}
    finished = 0
    while finished < len(workers):
        kind, worker_id, value = messages.get()
        if kind == "error":
            for worker in workers:
                worker.terminate()
            raise BuildError(value)
        if kind == "done":
            finished += 1
            continue
        done[worker_id] = value
        report.say(f"rendered {sum(done.values())}/{total} pages")
    for worker in workers:
        worker.join()
        if worker.exitcode:
            raise BuildError(f"a rendering worker died (exit code {worker.exitcode})")


def _worker(renderer: Renderer, pages: Sequence[Page], staging: Path, messages) -> None:
    """Runs in a forked process: the model came with the fork, nothing was pickled."""
    worker_id = os.getpid()
    try:
        for done in _render_slice(renderer, pages, staging):
            messages.put(("progress", worker_id, done))
        messages.put(("done", worker_id, len(pages)))
    except BuildError as exc:
        messages.put(("error", worker_id, str(exc)))
    except BaseException as exc:  # report, never hang the parent
        messages.put(("error", worker_id, f"{type(exc).__name__}: {exc}"))


def _render_slice(renderer: Renderer, pages: Sequence[Page], staging: Path) -> Iterator[int]:
    for done, page in enumerate(pages, start=1):
        publish.write(staging, page.path, renderer.render(page))
        if done % PROGRESS_EVERY == 0 or done == len(pages):
            yield done


def _copy_assets(staging: Path, assets, katex_source: Path, katex_path: str) -> None:
    for asset in assets.values():
        publish.copy(staging, asset.path, asset.source)
    for name in ("katex.min.css", "katex.min.js"):
        publish.copy(staging, f"{katex_path}/{name}", katex_source / name)
    for font in sorted((katex_source / "fonts").glob("*.woff2")):
        publish.copy(staging, f"{katex_path}/fonts/{font.name}", font)


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
