"""The plan stage of a day added and the steps after it, in one process, on a built
archive it never writes to.

    python benchmarks/update_plan.py ARCHIVE_FOLDER [--baseline REV] [--runs N] [--clean]

Loads the digests of ARCHIVE_FOLDER (its `sitegen.yaml` and `.sitegen-cache`, read only),
takes the newest day out, plans that archive clean (recording what each page reads),
keeps the reads as the cache does (in a temporary folder) and loads them, then puts the
day back, looks the changed keys up in the reads and plans the update from them (on the
model as an update has it: kept and loaded again, where the sitegen keeps it in
columns), keeps the reads the update planned (and loads them, as the next update
would), and checks that the update's pages and fingerprints are a clean plan's. Then
the steps of the update that take the plan: the sitemap's and feeds' fingerprints (not
the files' bytes), the search tiers' names (as the search process finds its kept
tiers), publishing's bookkeeping
(the paths removed, the next manifest, the paths changed: no file is written) and the
state saved and loaded again, in a temporary cache. The served folder they start from
is the plan without the day (each page's version its fingerprint and a hash) and
`FILES` files besides pages (as many as the archive's search data, feeds and assets,
all taken as a search tier's), all made again by the update, which renders the pages it read whose fingerprint
changed. Each run is a process of its own; with `--baseline`,
REV (checked out read-only as a detached worktree, as `ab.py` does) runs too, alternately
with this checkout, REV first. Prints a table of each step's median CPU and wall seconds
per side and the ratio of this checkout's CPU to REV's (CPU is the figure to compare on a
shared machine). With `--clean`, each run plans the whole archive clean twice instead.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
THIS = "this checkout"
FILES = 133_000  # the files besides pages in the served folder: search data, feeds, assets


def timer(times: dict[str, tuple[float, float]]):
    """`timed(name, function)`: `function()`, its wall and CPU seconds put in `times` under
    `name` and printed as they come."""
    import time

    def timed(name, function):
        wall, cpu = time.perf_counter(), time.process_time()
        result = function()
        times[name] = (time.perf_counter() - wall, time.process_time() - cpu)
        print(f"{name:32s} {times[name][0]:7.2f} s wall {times[name][1]:7.2f} s CPU", file=sys.stderr, flush=True)
        return result

    return timed


def steps(root: Path, clean_only: bool) -> dict[str, tuple[float, float]]:
    """One run with the sitegen on `sys.path`: each step's wall and CPU seconds."""
    import gc
    import inspect
    import resource
    import tempfile

    gc.disable()  # as `sitegen build` does while planning

    from sitegen import build, feeds
    from sitegen.archive import build_archive
    from sitegen.cache import Cache
    from sitegen.config import load_config
    from sitegen.dependencies import site_fingerprint, template_fingerprints
    from sitegen.kinds import Pages, templates as page_templates
    from sitegen.reader import list_content, read_listed
    from sitegen.render import environment
    from sitegen.themes import extra_assets, load_theme, theme_assets, vendor_assets
    from sitegen.venues import Venues

    times: dict[str, tuple[float, float]] = {}
    timed = timer(times)

    config = load_config(root / "sitegen.yaml")
    cache = Cache(root / ".sitegen-cache")
    listing = list_content(config.content_path, config.category_overrides, ignore=config.ignore,
                           remembered=cache.listing())
    after = dict(timed("read", lambda: read_listed(listing, known=cache.digest)).parsed)
    newest = max(digest.day for digest in after.values() if digest.day and digest.entries)
    before = {key: digest for key, digest in after.items() if digest.day != newest}
    print(f"the day added: {newest}, {sum(len(d.entries) for d in after.values() if d.day == newest)} entries",
          file=sys.stderr)
    venues = Venues(config.venue_aliases)
    theme = load_theme(config)
    vendor, assets = vendor_assets(), theme_assets(theme)
    site = site_fingerprint(config, assets, vendor)
    templates = template_fingerprints(environment(theme, assets, vendor, extra_assets(config, theme, assets)),
                                      page_templates())
    new = timed("model", lambda: build_archive(after.values(), venues))
    if not clean_only:
        new = as_kept(new)
    if clean_only:
        timed("clean plan", lambda: Pages(new, config).plan(site, templates))
        timed("clean plan, again", lambda: Pages(new, config).plan(site, templates))
        return times

    from sitegen.archive import changed_keys  # (not in older checkouts)

    old = timed("model without the day", lambda: build_archive(before.values(), venues))
    last = timed("clean plan without the day", lambda: Pages(old, config).plan(site, templates))
    known, recorded = (last[1], last[2]) if isinstance(last, tuple) else (last.fingerprints, last.recorded)
    del last
    old_papers = old.papers  # as the last build had them: what `changed_keys` compares with (since model2)
    del old
    with tempfile.TemporaryDirectory() as folder:
        keep, load = reads_keeping(Cache(Path(folder) / "reads"))
        timed("keep the reads (clean)", lambda: keep(recorded, "clean"))
        print(f"the reads kept: {sum(f.stat().st_size for f in (Path(folder) / 'reads').iterdir()) / 2**20:.1f} MiB",
              file=sys.stderr)
        del recorded
        recorded = timed("load the reads", lambda: load("clean"))
        if "files" in inspect.signature(changed_keys).parameters:  # the files that came and went, the old papers
            files = [digest for key, digest in after.items() if key not in before] + \
                    [digest for key, digest in before.items() if key not in after]
            change = timed("changed keys", lambda: changed_keys(new, files, old_papers))
        else:  # before model2: the last build's digests and this one's
            change = timed("changed keys", lambda: changed_keys(new, before.items(), after, venues))
        print(f"  {len(change.keys)} keys, {len(change.categories)} categories", file=sys.stderr)
        looked_up = {*change.keys, *Pages(new, config).source.stale_category_pages(change)}
        stale = timed("look the changed keys up in the reads", lambda: recorded.reading(looked_up))
        print(f"  {len(stale):,} pages read a changed key", file=sys.stderr)
        plan = timed("update plan", lambda: Pages(new, config).plan(site, templates, known, recorded, change))
        if isinstance(plan, tuple):  # before `kinds.Plan`: every page and every fingerprint
            pages, wanted, recorded, read = plan
            timed("check paths, count kinds", lambda: (check_paths(build, pages), build._count_kinds(pages)))
            listed = pages
        else:
            wanted, recorded, read = plan.fingerprints, plan.recorded, plan.read
            timed("check paths, count kinds", lambda: plan.counts())
            listed = plan.routes
        times["the build's plan stage"] = tuple(map(sum, zip(*(times[name] for name in (
            "load the reads", "changed keys", "update plan", "check paths, count kinds")))))
        timed("feeds and sitemap: fingerprints", lambda: list(feeds.feed_sources(new, config, listed, site)))
        timed("search tiers: names", lambda: search_tier_names(new))
        publishing(timed, Path(folder), plan, known, read, wanted)
        timed("keep the reads (update)", lambda: keep(recorded, "update"))
        timed("load the reads kept by the update", lambda: load("update"))
        if not isinstance(plan, tuple):  # every page's fingerprint: the read pages', the others' as before
            pages = plan.pages()
            wanted = {page.path: wanted[page.path] if page.path in wanted else known[page.path] for page in pages}
        differ = sum(1 for path, fingerprint in wanted.items() if known.get(path) != fingerprint)
        print(f"  {len(pages):,} pages, {len(read):,} read, {differ:,} with another fingerprint than before",
              file=sys.stderr)
    clean = timed("clean plan", lambda: Pages(new, config).plan(site, templates))
    clean_pages, clean_wanted = (clean[0], clean[1]) if isinstance(clean, tuple) else \
        (clean.pages(), clean.fingerprints)
    if clean_wanted != wanted or clean_pages != pages:
        raise SystemExit("the update's pages or fingerprints differ from the clean plan's")
    print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB", file=sys.stderr)
    return times


def search_tier_names(archive) -> list[str]:
    """The search tiers' names, which an update looks its kept tiers up by (`build._search_data`)."""
    from sitegen import search

    if hasattr(search, "paper_tiers"):
        return [tier.name for tier in search.paper_tiers(archive)]
    return [search.tier_name(papers) for papers in search.search_tiers(archive)]  # before plan4


def as_kept(archive):
    """`archive` as an update has it, where the sitegen on `sys.path` keeps its model in
    columns (`archive.kept_model`): pickled as kept, and loaded, so that each paper and
    author is made when planning reads it; else `archive` itself."""
    import pickle

    from sitegen import archive as model
    if not hasattr(model, "kept_model"):
        return archive
    return pickle.loads(pickle.dumps(model.kept_model(model.Modelled(archive, {})), pickle.HIGHEST_PROTOCOL)).archive


def publishing(timed, folder: Path, plan, known: dict[str, str], read: list, wanted: dict[str, str]) -> None:
    """Publishing's bookkeeping of the update planned (`plan`), from a served folder of the
    last plan's pages (`known`) and `FILES` other files, and the state saved (its base
    written first, as the last full build left it) and loaded again, in `folder`."""
    from sitegen import publish
    from sitegen.cache import BuildState, Cache, SearchTier

    hashed = "0" * 32
    files = {f"search/tier/shards/{number}.js": hashed for number in range(FILES)}
    served = {**{path: fingerprint + hashed for path, fingerprint in known.items()}, **files}
    rendered = {page.path: wanted[page.path] + "1" * 32 for page in read
                if not served.get(page.path, "").startswith(wanted[page.path])}
    made = {**files, **rendered}
    cache, output = Cache(folder / "cache"), folder / "output"
    state = BuildState(served=served, output=str(output), search_tiers={"tier": SearchTier({}, files)})
    cache.save(state)  # the base
    state = cache.load(output)
    served = state.served

    def bookkeeping():
        if isinstance(plan, tuple):  # before `kinds.Plan`: the served manifest copied and patched
            manifest, removed = publish.next_manifest(served, wanted, made)
            return manifest, publish.changed_paths(served, made, removed)
        spare = publish.Spare(folder / "spare", publish.Held(served, {}))
        removed = publish.gone(served, wanted, plan.removed, [*state.files, *files], made, {})
        manifest, before = publish.next_manifest(served, made, removed, spare)
        return manifest, list(before)

    manifest, changed = timed("publish: removed, manifest, changed", bookkeeping)
    print(f"  {len(manifest):,} files, {len(changed):,} changed", file=sys.stderr)
    state.served = manifest
    timed("state save", lambda: cache.save(state, changed))
    timed("state load", lambda: Cache(folder / "cache").load(output))


def reads_keeping(cache):
    """How `cache` keeps the reads and loads them again: (recorded, token) -> None and
    token -> recorded (before the reads' base and head, one pickle: `save_part`)."""
    if hasattr(cache, "save_reads"):
        return cache.save_reads, cache.reads
    return (lambda recorded, token: cache.save_part("reads", recorded, token)), \
        (lambda token: cache.load_part("reads", token))


def check_paths(build, pages) -> None:
    """The check of the build's plan stage that no two paths are one, where it is not
    part of planning (before `routes.check_unique`)."""
    if hasattr(build, "check_unique_paths"):
        build.check_unique_paths([page.path for page in pages])


def run_side(code: Path, root: Path, clean_only: bool) -> dict[str, tuple[float, float]]:
    """One run in a process of its own with the sitegen of `code`."""
    command = [sys.executable, __file__, str(root), "--side", str(code)] + (["--clean"] if clean_only else [])
    done = subprocess.run(command, stdout=subprocess.PIPE, text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def report(runs: dict[str, list[dict[str, tuple[float, float]]]], baseline: str) -> None:
    names = list(runs[THIS][0])
    sides = list(runs)
    header = " | ".join(f"{side} CPU s | {side} wall s" for side in sides)
    print(f"| step | {header} |" + (" CPU ratio |" if len(sides) > 1 else ""))
    print("| --- |" + " ---: |" * (2 * len(sides) + (len(sides) > 1)))
    for name in names:
        medians = {side: [statistics.median(run[name][which] for run in runs[side]) for which in (1, 0)]
                   for side in sides if all(name in run for run in runs[side])}
        cells = " | ".join(f"{medians[side][0]:.2f} | {medians[side][1]:.2f}" if side in medians else "- | -"
                           for side in sides)
        ratio = ""
        if len(sides) > 1:
            ratio = f" {medians[THIS][0] / medians[baseline][0]:.2f} |" \
                if baseline in medians and medians[baseline][0] else " - |"
        print(f"| {name} | {cells} |{ratio}")
    print(f"medians of {len(runs[THIS])} runs per side")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("archive", type=Path)
    parser.add_argument("--baseline", metavar="REV", help="a commit, branch or tag to compare with")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--clean", action="store_true", help="plan the whole archive clean, twice")
    parser.add_argument("--side", type=Path, help=argparse.SUPPRESS)  # a run, in its own process
    args = parser.parse_args()
    root = args.archive.resolve()
    if args.side is not None:
        sys.path.insert(0, str(args.side))
        print(json.dumps(steps(root, args.clean)))
        return 0
    if args.baseline is None:
        report({THIS: [run_side(REPO, root, args.clean) for _ in range(args.runs)]}, THIS)
        return 0
    sys.path.insert(0, str(HERE))
    from ab import both_sides  # a worktree of REV, compiled, removed at the end

    with both_sides(args.baseline, "sitegen-update-plan-") as (_, sides):
        runs: dict[str, list] = {side: [] for side in sides}
        for _ in range(args.runs):
            for side, code in sides.items():
                print(f"--- {side}", file=sys.stderr, flush=True)
                runs[side].append(run_side(code, root, args.clean))
        report(runs, args.baseline)
    return 0


if __name__ == "__main__":
    sys.exit(main())
