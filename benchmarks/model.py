"""Read and model stages of another revision and of this checkout, in one run: a clean
build's and a day added's.

    python benchmarks/model.py REV [CONTENT] [--repeat N] [--jobs N]

CONTENT (default: the 2022 sample; the whole-size archive of `benchmarks/archive.py
--keep` is `<its folder>/content`) is only read. For each side, alternately (REV first),
a process of its own with that side's code (`PYTHONPATH`) and a fresh cache in a
temporary folder reads and models CONTENT without its newest digest, as a clean build
does (parsing in `--jobs` processes, storing each digest, and, where the side keeps its
model, keeping it: `keep`), then adds that digest back N times (default 3), as an update
does (with what it needs to tell what changed since the clean build: the last build's
digests, or the papers they had): the cache is put back as the clean build left it
before each time. It prints each stage's median wall and CPU time (user and system,
with the parsing processes), and their ratios against REV. Nothing is rendered or
written but the cache.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE)]

from ab import SAMPLE, both_sides  # noqa: E402  (benchmarks/ab.py)

# Run by the sitegen that PYTHONPATH picks; prints the seconds as JSON.
CHILD = r"""
import gc, json, os, sys, time
from pathlib import Path
import sitegen.build as build
from sitegen.archive import build_archive
from sitegen.cache import Cache
from sitegen.config import load_config
from sitegen.reader import list_content, read_listed
from sitegen.venues import Venues

content, work, repeat, jobs = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
config = load_config(work / "sitegen.yaml")
cache = Cache(work / "cache")
gc.disable()  # as a build does (`collector_paused`)

keeps = hasattr(build, "_keep_model")  # a revision that keeps its model, and patches it in an update


def model(reading, base, last_keys):
    # the build's model stage; revisions before build._model read venues from scratch
    if keeps:
        return build._model(reading, config, cache, base, last_keys)[0]
    if hasattr(build, "_model"):
        return build._model(reading, config, cache)
    return build_archive(reading.digests, Venues(config.venue_aliases))

def timed(stage, times, work):
    wall, before = time.perf_counter(), os.times()
    result = work()
    after = os.times()
    times[stage] = (time.perf_counter() - wall, sum(after[:4]) - sum(before[:4]))
    return result

def build_once(listing, times, last_keys=None):
    def read():
        if keeps:
            load = cache.load_mapped if hasattr(cache, "load_mapped") else cache.load_part  # (in columns, mapped)
            kept = load("model", build._model_key(config)) if last_keys else None
            base, summaries = kept or (None, None)
            reading = read_listed(listing, known=cache.digest, jobs=jobs, store=cache.store_digest,
                                  summarized=summaries)
            cache.forget_digests_but([*reading.summaries, *(base.headings if base is not None else ())])
            return reading, base
        reading = read_listed(listing, known=cache.digest, jobs=jobs, store=cache.store_digest)
        if last_keys and hasattr(build, "_last_digests"):
            build._last_digests(cache, last_keys, reading.parsed)
        cache.forget_digests_but(reading.parsed)
        return reading, None
    reading, base = timed("read", times, read)
    made = timed("model", times, lambda: model(reading, base, last_keys))
    if keeps and last_keys is None:
        timed("keep", times, lambda: build._keep_model(cache, config, None, made, reading))

everything = list_content(content, config.category_overrides)
newest = everything.files[-1]
listing = list_content(content, config.category_overrides, ignore=[newest.path.name])
runs = {"clean": [{}]}
build_once(listing, runs["clean"][0])
kept = {path.name: path.read_bytes() for path in cache.folder.glob("*.pickle")}
last_keys = tuple(listing.keys)
for _ in range(repeat):
    runs.setdefault("a day added", []).append({})
    build_once(everything, runs["a day added"][-1], last_keys)
    (cache.digests / f"{newest.key}.pickle").unlink()
    for name, data in kept.items():
        (cache.folder / name).write_bytes(data)
    gc.collect()
print(json.dumps({"runs": runs, "sitegen": build.__file__}), flush=True)
"""


def measure(code: Path, content: Path, work: Path, repeat: int, jobs: int) -> dict:
    """(wall, CPU) seconds of read and model, clean and per day added, by the sitegen in `code`."""
    work.mkdir(parents=True)
    (work / "sitegen.yaml").write_text(f"content_dir: {content}\noutput_dir: {work / 'output'}\n"
                                       f"cache_dir: {work / 'cache'}\n", encoding="utf-8")
    # run in `work`: `python -c` would import the sitegen of the folder it runs in first
    done = subprocess.run([sys.executable, "-c", CHILD, str(content), str(work), str(repeat), str(jobs)],
                          env={**os.environ, "PYTHONPATH": str(code)}, cwd=work, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"failed: {done.stderr[-2000:]}")
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    if not Path(measured["sitegen"]).is_relative_to(code):
        raise SystemExit(f"measured the sitegen in {measured['sitegen']}, not the one in {code}")
    return measured["runs"]


def run(rev: str, content: Path, repeat: int, jobs: int) -> int:
    with both_sides(rev, "sitegen-model-") as (folder, sides):
        runs: dict[str, dict[str, list[dict]]] = {side: {} for side in sides}
        for number in range(2):  # each side twice, alternately: 2 clean builds, 2N days added
            for label, (side, code) in zip(("a", "b"), sides.items()):
                for scenario, measured in measure(code, content, folder / f"{label}{number}", repeat, jobs).items():
                    runs[side].setdefault(scenario, []).extend(measured)
                print(f"{side}: measured", file=sys.stderr, flush=True)
        report(runs, rev)
        return 0


def report(runs: dict[str, dict[str, list[dict]]], rev: str) -> None:
    """A row per scenario and stage (read, model, both): each side's median wall and CPU
    seconds, and this checkout's ratio to REV's."""
    print(f"{'median s (wall; CPU)':<28} {rev:>16} {'this checkout':>16} {'ratio':>13}")
    for scenario in runs[rev]:
        for stage in ("read", "model", "read + model", "keep"):
            parts = stage.split(" + ")
            medians = [[statistics.median(sum(run.get(part, (0, 0))[kind] for part in parts)
                                          for run in runs[side][scenario]) or 1e-9
                        for kind in (0, 1)] for side in (rev, "this checkout")]
            (wall_a, cpu_a), (wall_b, cpu_b) = medians
            if stage == "keep":  # only a side that keeps its model has this stage
                if wall_b > 1e-6:
                    print(f"{scenario + ': ' + stage:<28} {'-':>16} {wall_b:>7.2f}; {cpu_b:>6.2f}")
                continue
            print(f"{scenario + ': ' + stage:<28} {wall_a:>7.2f}; {cpu_a:>6.2f} {wall_b:>7.2f}; {cpu_b:>6.2f} "
                  f"{wall_b / wall_a:>6.3f}; {cpu_b / cpu_a:.3f}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev")
    parser.add_argument("content", nargs="?", type=Path, default=SAMPLE)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    if not args.content.is_dir():
        print(f"skip: no content at {args.content}")
        return 0
    return run(args.rev, args.content.resolve(), args.repeat, args.jobs)


if __name__ == "__main__":
    sys.exit(main())
