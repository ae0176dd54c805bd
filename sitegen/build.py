"""`sitegen build`, once `start.build_site` found work to do: the pipeline, top to bottom.

read digests → model the archive → plan pages (and which changed) → render them (in
worker processes) → search data, feeds, sitemap and assets → swap the finished folder in.
Each stage reports its time.
"""

from __future__ import annotations

import dataclasses
import functools
import operator
import resource
import time
from collections import ChainMap
from contextlib import ExitStack
from pathlib import Path
from typing import Callable, Iterable, Iterator, Mapping, Sequence

from . import feeds, folders, publish
from .archive import (Archive, Modelled, build_archive, changed_keys, kept_model, modelled, papers_before, updated,
                      venue_readings)
from .cache import BuildState, Cache, SearchTier, Stamp
from .config import Config
from .digest import Digest
from .dependencies import code_fingerprint, digest_of, template_fingerprints
from .kinds import PageRenderer, Pages, document_kinds, templates as page_templates
from .parallel import Background, collector_paused, fork_map
from .plural import plural
from .reader import Reading, read_listed
from .render import Renderer, environment
from .routes import Page
from .search import index_files, paper_tiers, tier_files
# build_site and Report: where callers have always found them (the build starts in `start`)
from .start import BuildResult, Report, Survey, build_site, nothing_changed, report_problems  # noqa: F401
from .themes import Theme, Vendor
from .venues import Venues

BATCH = 250  # pages a worker renders between reports
RENEW_AFTER = 400  # batches a render worker renders before a fresh one takes its place (`fork_map`)
PATH = operator.itemgetter(2)  # a Page's path
PROGRESS_BATCHES = 8  # batches between progress lines


def build_changed(config: Config, theme: Theme, cache: Cache, output: Path, jobs: int, report: Report,
                  found: Survey, started: float) -> BuildResult:
    """The build once `start.build_site` found something changed (or no stamp)."""
    site, listing, quick, assets, vendor = found.site, found.listing, found.quick, found.assets, found.vendor
    state = cache.load(output)
    env = environment(theme, assets, vendor, found.extra)
    templates = template_fingerprints(env, page_templates())
    served = state.served if state.served_key == publish.folder_key(output) else None
    with ExitStack() as running:  # the processes this build starts: stopped if it fails
        with report.stage("read"):
            # from another working folder, the problems kept are told again (no page changes)
            inputs = digest_of(site, templates, sorted(listing.keys), listing.shown_from)
            unchanged = served is not None and state.inputs == inputs
            if not unchanged:  # the digests are loaded only then: at archive scale that takes seconds
                cache.forget_stamp()
                spare = _claim_spare(cache, state, output, served)
                linking = None
                if served and spare.holds is publish.NOTHING:  # the first update after a full build, which wrote
                    # only the served folder: its files are linked in beside reading, modelling and planning
                    linking = running.enter_context(Background(lambda: spare.link_all(output, served), fork=jobs > 1))
                kept = cache.load_mapped("model", _model_key(config)) if served is not None else None
                base, summaries = kept if kept is not None else (None, None)
                reading = read_listed(listing, known=cache.digest, jobs=jobs, store=cache.store_digest,
                                      summarized=summaries)
                # kept: the digests of this build, of the model it patches, and of the last
                # build (a file gone since is told from the papers it listed: `_last_change`)
                cache.forget_digests_but([*reading.summaries, *(base.headings if base is not None else ()),
                                          *(state.digest_keys or ())])
        if unchanged:
            cache.save_stamp(Stamp(quick, publish.folder_key(output), state.problems))
            return nothing_changed(config, listing, state.problems, output, started, report)
        report_problems(config, listing, reading, reading.problems, report)
        with report.stage("model"):
            last_keys = state.digest_keys if served is not None else None
            model, venues, last = _model(reading, config, cache, base, last_keys)
            if model is None:  # a digest the kept model needs is gone from the cache: all are read
                base = None  # and the model made of them is kept
                reading = read_listed(listing, known=cache.digest, jobs=jobs, store=cache.store_digest)
                model, venues, last = _model(reading, config, cache, None, last_keys)
            archive = model.archive
            # the digests parsed are in the model now (what the next build reuses is in the
            # cache): not held through rendering, which comes to the build's peak of memory
            reading = dataclasses.replace(reading, parsed={})

        def search() -> Background:
            return running.enter_context(Background(
                lambda: _search_data(archive, state, spare, served, 1 if served is None else jobs),
                fork=jobs > 1))

        searching = search() if linking is None else None  # else once the spare holds the served files
        with report.stage("plan"):
            views = Pages(archive, config)
            recorded = cache.reads(state.inputs) if last is not None else None
            change = changed_keys(archive, *last) if recorded is not None else None
            # a page not read again keeps its version in the served folder, which begins
            # with its fingerprint (`Spare.write`)
            plan = views.plan(site, templates, served, recorded, change)
            wanted, recorded = plan.fingerprints, plan.recorded
            stale = [page for page in plan.read
                     if served is None or not served.get(page.path, "").startswith(wanted[page.path])]
        # What the pages read, kept for the next update: in an update, pickled beside feeds
        # and rendering. A full build's million pages are pickled here, before rendering,
        # and let go: a forked process beside it would copy every page of memory it touches
        # (a gigabyte of the peak at archive scale), and kept through rendering they would
        # add to the peak at its end.
        keeping = None
        if served is None:
            cache.save_reads(recorded, inputs)
        else:
            keeping = running.enter_context(Background(functools.partial(cache.save_reads, recorded, inputs),
                                                       fork=jobs > 1))
        del recorded
        keeping_model = running.enter_context(Background(lambda: _keep_model(cache, config, base, model, reading),
                                                         fork=jobs > 1 and served is not None))
        if linking is not None:
            with report.stage("link"):  # what is left of it when the pages are planned
                failed = linking.result()
            spare.holds = publish.Held(served, dict.fromkeys(failed))
            searching = search()
        files: dict[str, str] = {}  # the files this build wrote or kept besides pages
        with report.stage("assets"):
            for source, path in _asset_files(assets, vendor):
                files[path] = spare.write(path, source.read_bytes())
        with report.stage("feeds"):  # before rendering, whose processes end together: not after, alone
            for feed in feeds.feed_sources(archive, config, plan.routes, site):
                held = served and served.get(feed.path)
                if held and held.startswith(feed.fingerprint):  # what it shows did not change
                    spare.copy_from(output, feed.path, held)
                    files[feed.path] = held
                else:
                    files[feed.path] = spare.write(feed.path, feed.make(), feed.fingerprint)
        with report.stage("render"):
            renderer = PageRenderer(Renderer(views, env), views)
            rendered = render_all(renderer, stale, spare, jobs, report, searching.running, wanted)
        index, tiers, tiers_made, (seconds, cpu) = searching.result()
        files.update(index)
        report.record("search", seconds, f"in a process of its own, beside rendering: {cpu:.2f} s of CPU"
                      if jobs > 1 else "")
        # in the block: its processes are stopped at its end, and the reads may still be being kept
        with report.stage("publish"):
            # what this build wrote or kept, but unchanged pages and search tiers
            made = {**files, **_tier_files(tiers, tiers_made), **rendered}
            kept_tiers = tiers.keys() - tiers_made
            files_before = [*state.files, *_tier_files(state.search_tiers, state.search_tiers.keys() - kept_tiers)]
            removed = publish.gone(served, wanted, plan.removed, files_before, made,
                                   ChainMap(*(tiers[key].paths for key in kept_tiers)))
            manifest, before = publish.next_manifest(served, made, removed, spare)
            changed = None if before is None else before.keys()
            basing = running.enter_context(Background(functools.partial(cache.write_base, manifest),
                                                      fork=jobs > 1)) if cache.base_due(manifest, changed) else None
            spare.catch_up(output, manifest, made)
            spare.remove_all_but(manifest, removed)
            size = publish.output_bytes(spare.folder, output, manifest, before, state.output_bytes)
            publish.swap_in(spare.folder, output)
            state.served, state.served_key = manifest, publish.folder_key(output)
            state.files, state.search_tiers = tuple(files), tiers
            state.spare, state.spare_key = None, None
            if before is not None:  # the spare now holds the served build: it differs where this one changed
                state.spare = before
                state.spare_key = publish.folder_key(spare.folder)
            # before the state that names `inputs`: a build stopped in between leaves reads
            # that the next build does not take
            if keeping is not None:
                keeping.result()
            keeping_model.result()
            state.inputs, state.problems, state.output_bytes = inputs, reading.problems, size
            state.digest_keys = tuple(reading.summaries)
            cache.save(state, changed, basing and basing.result())
            cache.save_stamp(Stamp(quick, publish.folder_key(output), reading.problems))
    counts = plan.counts()
    skipped = reading.skipped
    report.say(f"\n{_counted(counts, document_kinds(), 'page', exclude=True)}, "
               f"{_counted(counts, document_kinds(), 'feed and bibliography', 'feeds and bibliographies')}, "
               f"{len(stale):,} rendered, from {plural(len(archive.papers), 'paper')} "
               f"in {plural(len(reading.summaries), 'file')}")
    report.say(f"{plural(archive.merged, 'merged duplicate')}, {plural(skipped, 'skipped entry')}, "
               f"{plural(len(reading.problems), 'problem')}; built {output} in {time.perf_counter() - started:.2f} s")
    report.say(f"{output}: {plural(len(manifest), 'file')}, {publish.describe_size(size)}")
    for warning in publish.host_warnings(len(manifest), size):
        report.say(f"warning: {warning} (see docs/publishing.md)")
    return BuildResult(counts, len(stale), len(reading.problems), report.timings)


MODEL_DRIFT = 0.02  # files come and gone since the kept model was written, as a share of all, before it is written again


def _model_key(config: Config) -> str:
    """What a kept model (and the venues read) is valid for: sitegen's code and the venue aliases."""
    return digest_of(code_fingerprint(), sorted(config.venue_aliases.items()))


def _model(reading: Reading, config: Config, cache: Cache, base: Modelled | None,
           last_keys: tuple[str, ...] | None) -> tuple[Modelled | None, Venues, tuple | None]:
    """The model of the digests read: `base` (kept by an earlier build) brought up to date
    where there is one, else made afresh with the venues read before (same aliases, same
    code) not read again; the venue reader; and what changed since the last build, whose
    digests were `last_keys` (`changed_keys`' arguments: the files that came and went and
    the papers they list as they were; None where unknown). None for the model where a
    digest that `base` needs is gone from the cache."""
    keys = list(reading.summaries)

    @functools.cache  # a file that came or went is asked for by each side
    def digest(key: str) -> Digest | None:
        return reading.parsed.get(key) or cache.digest(key)

    if base is None:
        venues = Venues(config.venue_aliases, cache.venue_readings(_model_key(config)))
        model = modelled(reading.parsed, venues)
        if venues.read_afresh:
            cache.save_venue_readings(_model_key(config), venue_readings(model.archive))
    else:  # the few papers changed have their venues read afresh
        venues = Venues(config.venue_aliases)
    last = _last_change(base or Modelled(build_archive(()), {}), last_keys, keys, digest, venues)
    if base is not None:  # after `_last_change`, which reads `base`: `updated` takes it apart
        model = updated(base, keys, digest, venues)
    return model, venues, last


def _last_change(base: Modelled, last_keys: tuple[str, ...] | None, keys: list[str],
                 digest: Callable[[str], Digest | None], venues: Venues) -> tuple | None:
    """The digest files that came and went since the last build (whose digests were
    `last_keys`), and the papers they list as that build had them (told from `base`);
    None where a digest is missing or the last build is unknown."""
    if last_keys is None:
        return None
    now, last = set(keys), set(last_keys)
    files = [digest(key) for key in keys if key not in last] + [digest(key) for key in last_keys if key not in now]
    if None in files:
        return None
    old = papers_before(base, last_keys, {entry.id for file in files if file.day is not None
                                          for entry in file.entries}, digest, venues)
    return None if old is None else (files, old)


def _keep_model(cache: Cache, config: Config, base: Modelled | None, model: Modelled, reading: Reading) -> None:
    """Keep the model for the next update: where none was kept (a full build), or where
    the kept one drifted far from this one (each update patches it from there)."""
    if base is not None:
        drift = len(base.headings.keys() ^ model.headings.keys())
        if drift <= MODEL_DRIFT * len(model.headings):
            return
    cache.save_mapped("model", (kept_model(model), dict(reading.summaries)), _model_key(config))


def _search_data(archive: Archive, state: BuildState, spare: publish.Spare, served: Mapping[str, str] | None,
                 jobs: int) -> tuple[dict[str, str], dict[str, SearchTier], set[str], tuple[float, float]]:
    """The search files besides the tiers' (the manifest and the filters' lists: path ->
    hash), the tiers, the keys of those made now, and the seconds it took: wall and CPU
    (beside the other processes of the build, the first is the longer). A tier's files
    are made again only when its papers, or sitegen's code, changed; otherwise the served
    ones stay, as unchanged pages do (the state that names a tier is saved with the
    manifest that holds its files). It runs beside the rendering: in one process when
    every page is rendered, in `jobs` when few are (a daily update; on the first day of a
    year, the tier of all earlier years is made again)."""
    started, cpu = time.perf_counter(), cpu_seconds()
    code = code_fingerprint()
    kept: dict[str, SearchTier] = {}
    made: set[str] = set()
    for papers in paper_tiers(archive):  # a tier's papers are made only where it is made again
        key = digest_of(code, papers.name)
        tier = state.search_tiers.get(key) if served is not None else None
        if tier is None:
            files = tier_files(papers.name, papers.papers, jobs)
            tier = SearchTier(files.summary, spare.write_all((file.path, file.data) for file in files.files))
            made.add(key)
        kept[key] = tier
    written = {file.path: spare.write(file.path, file.data)
               for file in index_files([tier.summary for tier in kept.values()])}
    return written, kept, made, (time.perf_counter() - started, cpu_seconds() - cpu)


def cpu_seconds() -> float:
    """The user and system time of this process and of its workers that ended."""
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + workers.ru_utime + workers.ru_stime


def _tier_files(tiers: dict[str, SearchTier], keys: Iterable[str] | None = None) -> dict[str, str]:
    """The files of the search tiers (of those of `keys`, when given): path -> hash."""
    return {path: digest for key in (tiers if keys is None else keys) for path, digest in tiers[key].paths.items()}


def _claim_spare(cache: Cache, state: BuildState, output: Path, served: dict[str, str] | None) -> publish.Spare:
    """The spare folder is about to change: forget what it held before touching it, so a
    build killed halfway makes the next one start that folder afresh. What it holds is
    known as its differences from the served folder, when both are known."""
    key = publish.folder_key(folders.spare_folder(output))
    differs = state.spare if served is not None and key is not None and state.spare_key == key else None
    state.spare, state.spare_key = None, None
    cache.save(state, changed=())
    return publish.prepare_spare(output, None if differs is None else publish.Held(served, differs))


def render_all(renderer: PageRenderer, pages: Sequence[Page], spare: publish.Spare, jobs: int,
               report: Report, searching: Callable[[], bool] = lambda: False,
               fingerprints: dict[str, str] | None = None) -> dict[str, str]:
    """Render pages straight to disk in batches spread over `jobs` processes; returns each
    page's version (`Spare.write`, with its fingerprint in `fingerprints`). While
    `searching()` (the search data being made in a process of its own), one process
    fewer renders, so no more processes are busy than `jobs`."""
    pages = renderer.order(pages)
    batches = [pages[start:start + BATCH] for start in range(0, len(pages), BATCH)]
    made: dict[str, str] = {}  # filled as batches come: no pair a page is held until the last one

    def render_batch(batch: Sequence[Page]) -> list[str]:
        with collector_paused(collect_after=True):  # the young generations collected once a batch
            rendered = [(page.path, renderer.render(page)) for page in batch]
        return list(spare.write_all(rendered).values())  # content hashes: see `progress`

    def progress(index: int, hashes: list[str]) -> None:
        # Each version is made here, from this process's own paths and fingerprints: a
        # worker that looked its fingerprints up would copy the memory holding them, and
        # the paths it sent back would be copies of this process's.
        nonlocal done
        paths = list(map(PATH, batches[index]))
        made.update(zip(paths, hashes if fingerprints is None
                        else map(operator.add, map(fingerprints.__getitem__, paths), hashes)))
        done += len(hashes)
        if done == len(pages) or (done // BATCH) % PROGRESS_BATCHES == 0:
            report.say(f"rendered {done}/{len(pages)} pages")

    done = 0
    fork_map(render_batch, batches, jobs, progress, searching, RENEW_AFTER)
    return made


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
