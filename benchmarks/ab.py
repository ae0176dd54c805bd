"""A/B build benchmark: clean builds of the 2022 sample by another revision and by this
checkout, alternately, in one run; prints the medians and their ratio.

    python benchmarks/ab.py REV [CORPUS] [--repeat N] [--jobs N] [--compare [--except NAME]…]

REV (a commit, branch or tag) is checked out read-only as a detached worktree in a
temporary folder, with this checkout's `node_modules` linked in, and run with this
checkout's Python (`PYTHONPATH` picks which sitegen). Builds alternate, REV first, each
into fresh output and cache folders, so both sides share the machine's ups and downs.
Beside the wall time, the CPU time (user and system) of each build's process tree: on a
machine shared with other work it moves far less than the wall time does.
`--compare` then checks that the two sides' last outputs are byte-identical (`diff -r`,
leaving out only the `.sitegen-output` mark, and the files or folders named by each
`--except NAME`, a `diff --exclude` pattern: what a change since REV is meant to alter).
As in `build.py`, no work folder is deleted before the end: creating files stays slow for
minutes after many were deleted.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(HERE)]

from build import SITEGEN, measure  # noqa: E402  (benchmarks/build.py: wall time of a command)

SAMPLE = REPO.parent / "shared" / "corpus" / "cs.CV" / "2022"


def checkout(rev: str, folder: Path) -> Path:
    """REV as a detached worktree in `folder`, able to build (its `node_modules` is ours)."""
    tree = folder / "baseline"
    subprocess.run(["git", "-C", str(REPO), "worktree", "add", "--quiet", "--detach", str(tree), rev], check=True)
    (tree / "node_modules").symlink_to(REPO / "node_modules")
    return tree


def clean_build(code: Path, corpus: Path, work: Path, jobs: int) -> tuple[float, float]:
    """Wall and CPU seconds of a clean build with the sitegen in `code`, into `work`."""
    work.mkdir(parents=True)
    config = work / "sitegen.yaml"
    config.write_text(f"content_dir: {corpus}\noutput_dir: {work / 'output'}\ncache_dir: {work / 'cache'}\n"
                      "base_url: https://example.org/\n", encoding="utf-8")
    os.environ["PYTHONPATH"] = str(code)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)  # every process the build waited for counts
    seconds, _ = measure(SITEGEN + ["build", "--config", str(config), "--jobs", str(jobs)], work, sampled=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return seconds, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def compile_both(sides: dict[str, Path]) -> None:
    """Byte-compiled once, as an installed package is (else each build compiles anew)."""
    for code in sides.values():
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(code / "sitegen")], check=True,
                       stdout=subprocess.DEVNULL)


def differences(a: Path, b: Path, excepted: list[str]) -> str:
    """What `diff -r` finds between two outputs ('' when byte-identical), but in `excepted`."""
    left_out = [f"--exclude={name}" for name in [".sitegen-output", *excepted]]
    found = subprocess.run(["diff", "-rq", *left_out, str(a), str(b)], capture_output=True, text=True)
    return found.stdout + found.stderr


@contextmanager
def both_sides(rev: str, prefix: str) -> Iterator[tuple[Path, dict[str, Path]]]:
    """A temporary work folder, and the code of each side (REV first, then this checkout),
    compiled; REV's worktree is removed at the end."""
    with tempfile.TemporaryDirectory(prefix=prefix) as name:
        folder = Path(name)
        sides = {rev: checkout(rev, folder), "this checkout": REPO}
        try:
            compile_both(sides)
            yield folder, sides
        finally:
            subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(sides[rev])], check=False)


def run(rev: str, corpus: Path, repeat: int, jobs: int, compare: bool, excepted: list[str]) -> int:
    with both_sides(rev, "sitegen-ab-") as (folder, sides):
        seconds: dict[str, list[float]] = {side: [] for side in sides}
        cpu: dict[str, list[float]] = {side: [] for side in sides}
        for number in range(repeat):
            for label, (side, code) in zip(("a", "b"), sides.items()):
                wall, used = clean_build(code, corpus, folder / f"{label}{number}", jobs)
                seconds[side].append(wall)
                cpu[side].append(used)
                print(f"{side}: {wall:.2f} s, CPU {used:.2f} s", file=sys.stderr, flush=True)
        report(seconds, cpu, rev)
        if not compare:
            return 0
        found = differences(folder / f"a{repeat - 1}" / "output", folder / f"b{repeat - 1}" / "output", excepted)
        but = f" (but {', '.join(excepted)})" if excepted else ""
        print(f"outputs: byte-identical{but}" if not found else f"outputs differ:\n{found[:4000]}")
        return 1 if found else 0


def report(seconds: dict[str, list[float]], cpu: dict[str, list[float]], rev: str) -> None:
    print(f"{'sitegen':<16} {'median s':>9} {'ratio':>6} {'CPU s':>7} {'ratio':>6}  runs (s; CPU s)")
    for side in seconds:
        wall, used = statistics.median(seconds[side]), statistics.median(cpu[side])
        print(f"{side:<16} {wall:>9.2f} {wall / statistics.median(seconds[rev]):>6.3f} {used:>7.2f} "
              f"{used / statistics.median(cpu[rev]):>6.3f}  {', '.join(f'{run:.2f}' for run in seconds[side])}; "
              f"{', '.join(f'{run:.2f}' for run in cpu[side])}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev")
    parser.add_argument("corpus", nargs="?", type=Path, default=SAMPLE)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--compare", action="store_true", help="check the two sides' outputs are byte-identical")
    parser.add_argument("--except", dest="excepted", action="append", default=[], metavar="NAME",
                        help="leave files or folders of this name out of the comparison (a diff --exclude pattern)")
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"skip: no corpus at {args.corpus}")
        return 0
    return run(args.rev, args.corpus.resolve(), args.repeat, args.jobs, args.compare, args.excepted)


if __name__ == "__main__":
    sys.exit(main())
