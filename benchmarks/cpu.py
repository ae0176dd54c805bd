"""CPU benchmark: where a clean build of the 2022 sample spends its CPU, by another revision
and by this checkout, alternately, in one run; prints the medians per stage and per kind
of page, and their ratios.

    python benchmarks/cpu.py REV [CORPUS] [--repeat N]

Each build runs in one process (`--jobs 1`), so `time.process_time` sees all of it: the
stages as the build reports them (read, model, plan, feeds), then every page rendered in
memory, in the build's order, timed by kind; the build stops there, so no page is written
and the search data (made beside rendering) is not measured: `ab.py` times the whole. A
machine shared with other work stretches wall times by half or more from run to run; the
CPU time of one process moves far less, which tells a few percent apart where `ab.py`
cannot. REV is checked out as `ab.py` does it.
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

STAGES = ("read", "model", "plan", "feeds", "render")

# Run by the sitegen that PYTHONPATH picks: its build up to rendering, then every page
# rendered in memory, by kind; prints the CPU seconds as JSON and stops.
CHILD = r"""
import io, json, os, sys, time, types
from pathlib import Path
import sitegen.build as build
from sitegen.config import load_config
from sitegen.parallel import collector_paused

work = Path(sys.argv[1])
build.time = types.SimpleNamespace(perf_counter=time.process_time)  # the stages' times as CPU time
report = build.Report(out=io.StringIO())

def render_in_memory(renderer, pages, *rest, **options):
    kinds, started = {}, time.process_time()
    for start in range(0, len(pages), build.BATCH):
        with collector_paused(collect_after=True):  # as render_all's batches
            for page in pages[start:start + build.BATCH]:
                begun = time.process_time()
                renderer.render(page)
                kinds[page.kind] = kinds.get(page.kind, 0) + time.process_time() - begun
    stages = {name: seconds for name, seconds in report.timings}
    stages["render"] = time.process_time() - started
    print(json.dumps({"stages": stages, "kinds": kinds, "sitegen": build.__file__}), flush=True)
    os._exit(0)

def ordered(render_all):
    return lambda renderer, pages, *rest, **options: render_all(renderer, renderer.order(pages), *rest, **options)

build.render_all = ordered(render_in_memory)
build.build_site(load_config(work / "sitegen.yaml"), jobs=1, report=report)
"""


def measure(code: Path, corpus: Path, work: Path) -> dict:
    """CPU seconds per stage and per kind of one build by the sitegen in `code`."""
    work.mkdir(parents=True)
    (work / "sitegen.yaml").write_text(f"content_dir: {corpus}\noutput_dir: {work / 'output'}\n"
                                       f"cache_dir: {work / 'cache'}\nbase_url: https://example.org/\n",
                                       encoding="utf-8")
    # run in `work`: `python -c` would import the sitegen of the folder it runs in first
    done = subprocess.run([sys.executable, "-c", CHILD, str(work)], env={**os.environ, "PYTHONPATH": str(code)},
                          cwd=work, capture_output=True, text=True)
    if done.returncode:
        raise SystemExit(f"failed: {done.stderr[-2000:]}")
    measured = json.loads(done.stdout.strip().splitlines()[-1])
    if not Path(measured["sitegen"]).is_relative_to(code):
        raise SystemExit(f"measured the sitegen in {measured['sitegen']}, not the one in {code}")
    return measured


def run(rev: str, corpus: Path, repeat: int) -> int:
    with both_sides(rev, "sitegen-cpu-") as (folder, sides):
        runs: dict[str, list[dict]] = {side: [] for side in sides}
        for number in range(repeat):
            for label, (side, code) in zip(("a", "b"), sides.items()):
                runs[side].append(measure(code, corpus, folder / f"{label}{number}"))
                print(f"{side}: render {runs[side][-1]['stages']['render']:.2f} s CPU", file=sys.stderr, flush=True)
        report(runs, rev)
        return 0


def report(runs: dict[str, list[dict]], rev: str) -> None:
    """A row per stage and per kind of page (the costliest first): each side's median and
    the ratio of this checkout's to REV's."""
    base, this = runs[rev], runs["this checkout"]
    kinds = sorted({kind for side in runs.values() for run in side for kind in run["kinds"]},
                   key=lambda kind: -statistics.median(run["kinds"].get(kind, 0) for run in base))
    rows = [(stage, [run["stages"].get(stage, 0) for run in base], [run["stages"].get(stage, 0) for run in this])
            for stage in STAGES]
    rows += [(f"  {kind}", [run["kinds"].get(kind, 0) for run in base], [run["kinds"].get(kind, 0) for run in this])
             for kind in kinds]
    print(f"{'CPU s (median)':<24} {rev:>14} {'this checkout':>14} {'ratio':>6}")
    for label, a, b in rows:
        middle_a, middle_b = statistics.median(a), statistics.median(b)
        ratio = f"{middle_b / middle_a:6.3f}" if middle_a else ""
        print(f"{label:<24} {middle_a:>14.2f} {middle_b:>14.2f} {ratio:>6}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev")
    parser.add_argument("corpus", nargs="?", type=Path, default=SAMPLE)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"skip: no corpus at {args.corpus}")
        return 0
    return run(args.rev, args.corpus.resolve(), args.repeat)


if __name__ == "__main__":
    sys.exit(main())
