"""The model of a day added to a built archive: the kept model loaded (the read stage's
most) and brought up to date (the model stage), by this checkout and another revision.

    python benchmarks/update_model.py ARCHIVE_FOLDER [--baseline REV] [--runs N]

ARCHIVE_FOLDER (its `sitegen.yaml` and `.sitegen-cache`) is only read: its kept model
(`model.pickle`, as sitegen 0.2.0 with cache format 12 kept it, or `model.mapped`) with the newest day
taken out (`archive.updated`, from the digests in its cache) is kept by each side as
its build does (`build._keep_model`: a clean build's last step) in a temporary cache;
then, timed, loaded as an update's read stage loads it, the day added as its model stage
does (`build._model`, from the kept model and the last build's digests), what changed
(`archive.changed_keys`, the plan stage's first step) and the search tiers' names and
the newest tier's papers (what the search process beside rendering needs of every
paper). Each run is a process of its own, with the collector off as in a build; with
`--baseline`, REV runs too (a detached worktree, as `ab.py` makes), alternately, REV
first. Prints each step's median CPU and wall seconds per side and the ratio of this
checkout's CPU to REV's.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(HERE)]

from update_plan import THIS, report, timer  # noqa: E402  (benchmarks/update_plan.py: the same table)


def steps(root: Path) -> dict[str, tuple[float, float]]:
    """One run with the sitegen on `sys.path`: each step's wall and CPU seconds."""
    import gc
    import pickle
    import tempfile
    from types import SimpleNamespace

    from sitegen import build
    from sitegen.archive import changed_keys, updated
    from sitegen.cache import Cache
    from sitegen.config import load_config
    from sitegen import search
    from sitegen.venues import Venues

    gc.disable()  # as a build does (`parallel.collector_paused`)
    times: dict[str, tuple[float, float]] = {}
    timed = timer(times)

    def tiers(archive):
        """What the search process of an update needs of the papers: each tier's name, and
        the papers of the newest (made again)."""
        if hasattr(search, "paper_tiers"):
            tiers = search.paper_tiers(archive)
            return [(tier.name, tier.papers if number == len(tiers) - 1 else tier.ids)
                    for number, tier in enumerate(tiers)]
        return [(search.tier_name(papers), papers) for papers in search.search_tiers(archive)]

    config = load_config(root / "sitegen.yaml")
    archived = Cache(root / ".sitegen-cache")
    if (archived.folder / "model.pickle").exists():  # kept by sitegen before the columns (cache format 12)
        with open(archived.folder / "model.pickle", "rb") as handle:
            _, (base, summaries) = pickle.load(handle)
    else:  # kept in columns, as this sitegen keeps it
        base, summaries = archived.load_mapped("model", build._model_key(config))
    keys = list(base.headings)
    newest = max(heading[0] for heading in base.headings.values() if heading is not None)
    before = [key for key in keys if base.headings[key] is None or base.headings[key][0] != newest]
    print(f"the day added: {newest}, {len(keys) - len(before)} digests", file=sys.stderr)
    last = updated(base, before, archived.digest, Venues(config.venue_aliases))
    del base
    with tempfile.TemporaryDirectory() as folder:
        cache = Cache(Path(folder))
        kept_reading = SimpleNamespace(summaries={key: summaries[key] for key in before})
        timed("keep (a clean build's last step)", lambda: build._keep_model(cache, config, None, last, kept_reading))
        del last, kept_reading
        gc.collect()
        print(f"kept: {sum(path.stat().st_size for path in Path(folder).iterdir()) / 2**20:,.0f} MiB", file=sys.stderr)
        load = cache.load_mapped if hasattr(cache, "load_mapped") else cache.load_part
        kept, _ = timed("load the kept model", lambda: load("model", build._model_key(config)))
        cache.digests = archived.digests  # the digests are read from the archive's cache, never written
        reading = SimpleNamespace(summaries=summaries, parsed={key: archived.digest(key) for key in keys
                                                               if key not in before})
        model, _, change = timed("model", lambda: build._model(reading, config, cache, kept, tuple(before)))
        timed("changed keys", lambda: changed_keys(model.archive, *change))
        timed("search tiers: named, the newest's papers", lambda: tiers(model.archive))
    return times


def run_side(code: Path, root: Path) -> dict[str, tuple[float, float]]:
    """One run in a process of its own with the sitegen of `code`."""
    import subprocess
    done = subprocess.run([sys.executable, __file__, str(root), "--side", str(code)], stdout=subprocess.PIPE,
                          text=True, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("archive", type=Path)
    parser.add_argument("--baseline", metavar="REV", help="a commit, branch or tag to compare with")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--side", type=Path, help=argparse.SUPPRESS)  # a run, in its own process
    args = parser.parse_args()
    root = args.archive.resolve()
    if args.side is not None:
        sys.path.insert(0, str(args.side))
        print(json.dumps(steps(root)))
        return 0
    if args.baseline is None:
        report({THIS: [run_side(REPO, root) for _ in range(args.runs)]}, THIS)
        return 0
    from ab import both_sides  # a worktree of REV, compiled, removed at the end

    with both_sides(args.baseline, "sitegen-update-model-") as (_, sides):
        runs: dict[str, list] = {side: [] for side in sides}
        for _ in range(args.runs):
            for side, code in sides.items():
                print(f"--- {side}", file=sys.stderr, flush=True)
                runs[side].append(run_side(code, root))
        report(runs, args.baseline)
    return 0


if __name__ == "__main__":
    sys.exit(main())
