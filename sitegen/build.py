"""`sitegen build`: the pipeline, top to bottom.

read digests → model the archive → plan pages (and which changed) → render them (in
worker processes) → search data, feeds, sitemap and assets → swap the finished folder in.
Each stage reports its time.
"""

from __future__ import annotations

import os
import sys
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator, Sequence, TextIO

from . import feeds, folders, publish
from .archive import Archive, build_archive
from .cache import BuildState, Cache, SearchTier, Stamp
from .config import Config
from .dependencies import code_fingerprint, digest_of, quick_inputs, site_fingerprint, template_fingerprints
from .errors import BuildError, Problem, UsageError
from .kinds import PageRenderer, Pages, document_kinds, templates as page_templates
from .parallel import Background, collector_paused, fork_map
from .plural import plural
from .reader import Listing, Reading, content_warnings, list_content, read_listed
from .render import Renderer, environment
from .routes import Page
from .search import index_files, search_tiers, tier_files, tier_name
from .themes import Theme, Vendor, extra_assets, load_theme, theme_assets, theme_warnings, vendor_assets
from .venues import Venues

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
        return _build(config, theme, cache, built.output, jobs, report)


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


def _build(config: Config, theme: Theme, cache: Cache, output: Path, jobs: int, report: Report) -> BuildResult:
    started = time.perf_counter()
    vendor, assets = vendor_assets(), theme_assets(theme)
    site = site_fingerprint(config, assets, vendor)
    with report.stage("list"):  # which digests there are, and whether any changed: by their status
        listing = list_content(config.content_path, config.category_overrides, ignore=config.ignore,
                               remembered=cache.listing())
        cache.save_listing(listing.seen)
        quick = quick_inputs(site, theme, sorted(listing.keys))
    stamp = cache.stamp()
    if stamp is not None and stamp.inputs == quick and stamp.output == publish.folder_key(output):
        return _nothing_changed(config, listing, stamp.problems, output, started, report)
    state = cache.load(output)
    env = environment(theme, assets, vendor, extra_assets(config, theme, assets))
    templates = template_fingerprints(env, page_templates())
    served = state.manifests.get(publish.folder_key(output) or "")
    with ExitStack() as running:  # the processes this build starts: stopped if it fails
        with report.stage("read"):
            inputs = digest_of(site, templates, sorted(listing.keys))
            unchanged = served is not None and state.inputs == inputs
            if not unchanged:  # the digests are loaded only then: at archive scale that takes seconds
                cache.forget_stamp()
                spare = _claim_spare(cache, state, output)
                linking = None
                if served and not spare.holds:  # the first update after a full build, which wrote
                    # only the served folder: its files are linked in beside reading and modelling
                    linking = running.enter_context(Background(lambda: spare.link_all(output, served), fork=jobs > 1))
                reading = read_listed(listing, known=cache.digest, jobs=jobs, store=cache.store_digest)
                cache.forget_digests_but(reading.parsed)
        if unchanged:
            cache.save_stamp(Stamp(quick, publish.folder_key(output), state.problems))
            return _nothing_changed(config, listing, state.problems, output, started, report)
        _report_problems(config, listing, reading, reading.problems, report)
        with report.stage("model"):
            archive = build_archive(reading.digests, Venues(config.venue_aliases))
        if linking is not None:
            with report.stage("link"):  # what is left of it when the model is done
                failed = set(linking.result())
            spare.holds = {path: digest for path, digest in served.items() if path not in failed}
        searching = running.enter_context(Background(
            lambda: _search_data(archive, state, spare, output, served,
                                 1 if served is None else jobs), fork=jobs > 1))
        with report.stage("plan"):
            views = Pages(archive, config)
            pages, wanted = views.plan(site, templates)
            check_unique_paths(page.path for page in pages)
            stale = [page for page in pages if served is None or page.path not in served
                     or state.fingerprints.get(page.path) != wanted[page.path]]
        manifest: dict[str, str] = {}
        with report.stage("assets"):
            for source, path in _asset_files(assets, vendor):
                manifest[path] = spare.write(path, source.read_bytes())
        with report.stage("feeds"):  # before rendering, whose processes end together: not after, alone
            for path, data in feeds.feed_files(archive, config, pages):
                manifest[path] = spare.write(path, data)
        with report.stage("render"):
            renderer = PageRenderer(Renderer(views, env), views)
            manifest.update(render_all(renderer, stale, spare, jobs, report, searching.running))
            for page in pages:
                if page.path not in manifest:
                    spare.copy_from(output, page.path, served[page.path])
                    manifest[page.path] = served[page.path]
        written, state.search_tiers, seconds = searching.result()
        manifest.update(written)
        report.record("search", seconds, "in a process of its own, beside rendering" if jobs > 1 else "")
    with report.stage("publish"):
        spare.remove_all_but(manifest)
        size = publish.output_bytes(spare.folder, output, manifest, served, state.output_bytes)
        publish.swap_in(spare.folder, output)
        state.manifests = {publish.folder_key(output): manifest}
        if served is not None:
            state.manifests[publish.folder_key(spare.folder)] = served
        state.fingerprints, state.inputs, state.problems = wanted, inputs, reading.problems
        state.output_bytes = size
        cache.save(state)
        cache.save_stamp(Stamp(quick, publish.folder_key(output), reading.problems))
    counts = _count_kinds(pages)
    skipped = sum(digest.skipped for digest in reading.digests)
    report.say(f"\n{_counted(counts, document_kinds(), 'page', exclude=True)}, "
               f"{_counted(counts, document_kinds(), 'feed and bibliography', 'feeds and bibliographies')}, "
               f"{len(stale):,} rendered, from {plural(len(archive.papers), 'paper')} "
               f"in {plural(len(reading.digests), 'file')}")
    report.say(f"{plural(archive.merged, 'merged duplicate')}, {plural(skipped, 'skipped entry')}, "
               f"{plural(len(reading.problems), 'problem')}; built {output} in {time.perf_counter() - started:.2f} s")
    report.say(f"{output}: {plural(len(manifest), 'file')}, {publish.describe_size(size)}")
    for warning in publish.host_warnings(len(manifest), size):
        report.say(f"warning: {warning} (see docs/publishing.md)")
    return BuildResult(counts, len(stale), len(reading.problems), report.timings)


def _nothing_changed(config: Config, listing: Listing, problems: tuple[Problem, ...], output: Path,
                     started: float, report: Report) -> BuildResult:
    _report_problems(config, listing, None, problems, report)
    report.say(f"nothing changed since the last build: {output} is up to date "
               f"({time.perf_counter() - started:.2f} s)")
    return BuildResult({}, 0, len(problems), report.timings)


def _report_problems(config: Config, listing: Listing, reading: Reading | None, problems: Sequence[Problem],
                     report: Report) -> None:
    """The digests' problems and the content's warnings; with `strict`, problems end the build."""
    for problem in problems:
        report.say(str(problem))
    for warning in content_warnings(config.content_path, listing, reading):
        report.say(warning)
    if config.strict and problems:
        raise BuildError(f"strict: {plural(len(problems), 'problem')} in the digests; nothing written")


def _search_data(archive: Archive, state: BuildState, spare: publish.Spare, output: Path,
                 served: dict[str, str] | None, jobs: int) -> tuple[dict[str, str], dict[str, SearchTier], float]:
    """The search files (path -> hash), the tiers they make, and the seconds it took. A
    tier's files are made again only when its papers, or sitegen's code, changed;
    otherwise the served ones are linked. It runs beside the rendering: in one process
    when every page is rendered, in `jobs` when few are (a daily update; on the first
    day of a year, the tier of all earlier years is made again)."""
    started = time.perf_counter()
    code = code_fingerprint()
    tiers = search_tiers(archive)
    kept: dict[str, SearchTier] = {}
    for papers in tiers:
        name = tier_name(papers)
        key = digest_of(code, name)
        tier = state.search_tiers.get(key)
        if tier is not None and served is not None and all(served.get(path) == digest
                                                            for path, digest in tier.paths.items()):
            for path, digest in tier.paths.items():
                spare.copy_from(output, path, digest)
        else:
            made = tier_files(name, papers, jobs)
            tier = SearchTier(made.summary, spare.write_all((file.path, file.data) for file in made.files))
        kept[key] = tier
    written = {path: digest for tier in kept.values() for path, digest in tier.paths.items()}
    for file in index_files(tiers, [tier.summary for tier in kept.values()]):
        written[file.path] = spare.write(file.path, file.data)
    return written, kept, time.perf_counter() - started


def _claim_spare(cache: Cache, state: BuildState, output: Path) -> publish.Spare:
    """The spare folder is about to change: forget what it held before touching it, so a
    build killed halfway makes the next one start that folder afresh."""
    holds = state.manifests.pop(publish.folder_key(folders.spare_folder(output)) or "", None)
    cache.save(state)
    return publish.prepare_spare(output, holds)


def check_unique_paths(paths) -> None:
    """Two pages on one path, or on paths that differ only in case, would overwrite each other."""
    seen: dict[str, str] = {}
    for path in paths:
        other = seen.setdefault(path.lower(), path)
        if other is not path:
            raise BuildError(f"two pages claim the same output path: {other} and {path}")


def render_all(renderer: PageRenderer, pages: Sequence[Page], spare: publish.Spare, jobs: int,
               report: Report, searching: Callable[[], bool] = lambda: False) -> dict[str, str]:
    """Render pages straight to disk in batches spread over `jobs` processes; returns each
    page's content hash. While `searching()` (the search data being made in a process of
    its own), one process fewer renders, so no more processes are busy than `jobs`."""
    pages = renderer.order(pages)
    batches = [pages[start:start + BATCH] for start in range(0, len(pages), BATCH)]
    done = 0

    def render_batch(batch: Sequence[Page]) -> list[tuple[str, str]]:
        with collector_paused(collect_after=True):  # the young generations collected once a batch
            rendered = [(page.path, renderer.render(page)) for page in batch]
        return list(spare.write_all(rendered).items())

    def progress(index: int, rendered: list) -> None:
        nonlocal done
        done += len(rendered)
        if done == len(pages) or (done // BATCH) % PROGRESS_BATCHES == 0:
            report.say(f"rendered {done}/{len(pages)} pages")

    return dict(pair for batch in fork_map(render_batch, batches, jobs, progress, searching)
                for pair in batch)


def _asset_files(assets, vendor: Vendor) -> Iterator[tuple[Path, str]]:
    for asset in assets.values():
        yield asset.source, asset.path
    yield from vendor.files


def _counted(counts: dict[str, int], kinds: Sequence[str], singular: str, plural_form: str | None = None,
             exclude: bool = False) -> str:
    """`12 pages (1 home, 5 papers, …)`: the pages of `kinds` (or, with `exclude`, of
    every other kind), with their number per kind."""
    chosen = {kind: n for kind, n in counts.items() if (kind in kinds) != exclude}
    each = ", ".join(plural(n, kind.replace("_", " ")) for kind, n in chosen.items())
    return f"{plural(sum(chosen.values()), singular, plural_form)} ({each})"


def _count_kinds(pages: Sequence[Page]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for page in pages:
        counts[page.kind] = counts.get(page.kind, 0) + 1
    return counts
