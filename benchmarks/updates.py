"""A/B update benchmark: a day added to the 2022 sample, by another revision and by this
checkout, alternately; prints each build stage's median seconds and their ratios.

    python benchmarks/updates.py REV [CORPUS] [--repeat N] [--jobs N]

Each side builds the sample without its last day once (clean), then, REPEAT times,
adds the day back and builds, removes it and builds: the stage times of those updates
are what is compared (the first update after a clean build, which also links the served
files, is left out). Stage times are sitegen's own (`read`, `model`, `plan`, `render`,
…), as `sitegen build` prints them; `plan` is where every page's fingerprint is made.
REV is checked out as `ab.py` does it, and run with this checkout's Python.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(HERE)]

from ab import SAMPLE, checkout, compile_both  # noqa: E402  (benchmarks/ab.py)
from build import SITEGEN  # noqa: E402

STAGE = re.compile(r"^(\w+)\s+([\d.]+) s", re.MULTILINE)


def build(code: Path, work: Path, jobs: int) -> dict[str, float]:
    """Stage -> seconds of one `sitegen build` of `work` with the sitegen in `code`."""
    done = subprocess.run(SITEGEN + ["build", "--config", str(work / "sitegen.yaml"), "--jobs", str(jobs)],
                          env=dict(os.environ, PYTHONPATH=str(code)), capture_output=True, text=True, check=True)
    return {stage: float(seconds) for stage, seconds in STAGE.findall(done.stderr)}


def prepare(corpus: Path, work: Path) -> tuple[Path, Path]:
    """A site over a copy of `corpus` in `work`, its last digest moved out beside it:
    where that digest belongs and where it is."""
    content = work / "content"
    shutil.copytree(corpus, content)
    last = max(content.rglob("*.md"), key=lambda path: path.name)
    held = work / last.name
    shutil.move(last, held)
    (work / "sitegen.yaml").write_text(f"content_dir: {content}\noutput_dir: {work / 'output'}\n"
                                       f"cache_dir: {work / 'cache'}\nbase_url: https://example.org/\n",
                                       encoding="utf-8")
    return last, held


def update(code: Path, digest: Path, held: Path, jobs: int) -> list[dict[str, float]]:
    """The stage times of two updates: the day added, then removed again."""
    times = []
    for move in ((held, digest), (digest, held)):
        shutil.move(*move)
        times.append(build(code, held.parent, jobs))
    return times


def run(rev: str, corpus: Path, repeat: int, jobs: int) -> None:
    with tempfile.TemporaryDirectory(prefix="sitegen-updates-") as name:
        folder = Path(name)
        sides = {rev: checkout(rev, folder), "this checkout": REPO}
        try:
            compile_both(sides)
            days = {side: prepare(corpus, folder / label) for label, side in zip("ab", sides)}
            stages: dict[str, list[dict[str, float]]] = {side: [] for side in sides}
            for side, code in sides.items():
                build(code, days[side][1].parent, jobs)  # clean
                update(code, *days[side], jobs)  # the first updates, which link the served files
            for _ in range(repeat):
                for side, code in sides.items():
                    stages[side] += update(code, *days[side], jobs)
                    print(f"{side}: plan {stages[side][-2].get('plan', 0):.2f} s (day added)",
                          file=sys.stderr, flush=True)
            report(stages, rev)
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(sides[rev])], check=False)


def report(stages: dict[str, list[dict[str, float]]], rev: str) -> None:
    names = [name for name in next(iter(stages.values()))[0] if name != "search"]
    medians = {side: {name: statistics.median(run.get(name, 0.0) for run in runs) for name in names}
               for side, runs in stages.items()}
    print(f"{'stage':<10}" + "".join(f"{side:>16}" for side in stages) + f"{'ratio':>8}")
    for name in names:
        base = medians[rev][name]
        ours = medians["this checkout"][name]
        ratio = f"{ours / base:8.3f}" if base else f"{'':>8}"
        print(f"{name:<10}" + "".join(f"{medians[side][name]:>16.2f}" for side in stages) + ratio)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev")
    parser.add_argument("corpus", nargs="?", type=Path, default=SAMPLE)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"skip: no corpus at {args.corpus}")
        return 0
    run(args.rev, args.corpus.resolve(), args.repeat, args.jobs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
