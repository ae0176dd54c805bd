"""Peak memory of a clean build (issue 21): wall seconds, CPU seconds and the peak of the
process tree's PSS, by another revision and by this checkout, one after the other.

    python benchmarks/peak.py CONTENT --work DIR [--baseline REV] [--only baseline|branch] [--jobs N]

CONTENT is a folder of digests (the whole-size archive's `content/`, hard-linked into a
folder of one's own). Each side builds it clean into `DIR/output` with its cache in
`DIR/cache`; both are deleted first (a clean build; at a million files two outputs would
not fit on this machine's disk). REV is checked out as a detached worktree, as
`benchmarks/ab.py` does. The PSS of every process of the tree is read as often as
`build.pause_after` lets a sampler that takes a tenth of a core at most; the table gives
the peak of their sum and, at that moment, each process's share (the main process first,
then its children in the order they started), and the time into the build when it came.
`--only` runs one side (to measure a baseline once and the branch after each change); the
rows are appended to `DIR/peak.txt` too.
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(HERE)]

from ab import checkout, compile_both  # noqa: E402  (a detached worktree of REV, byte-compiled)
from build import SITEGEN, pause_after, pss_kib, tree_pids  # noqa: E402  (PSS of a process tree)


def sampled_build(command: list[str], cwd: Path) -> tuple[float, float, float, float, list[int]]:
    """Wall s, CPU s (the tree's user and system time), peak MiB of the tree's PSS, the
    second of the build it came at, and each process's KiB at that moment."""
    os.sync()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    done = threading.Event()
    peak: list = [0, 0.0, []]

    def sample() -> None:
        while not done.is_set():
            began = time.perf_counter()
            shares = [pss_kib(pid) for pid in tree_pids(process.pid)]
            if sum(shares) > peak[0]:
                peak[:] = [sum(shares), began - started, shares]
            done.wait(pause_after(time.perf_counter() - began))

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    _, errors = process.communicate()
    wall = time.perf_counter() - started
    done.set()
    sampler.join()
    if process.returncode:
        raise SystemExit(f"failed: {' '.join(command)}\n{errors[-2000:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return wall, cpu, peak[0] / 1024, peak[1], peak[2]


def clean_build(code: Path, content: Path, work: Path, jobs: int) -> tuple[float, float, float, float, list[int]]:
    for folder in ("output", "cache", ".output.next"):
        subprocess.run(["rm", "-rf", str(work / folder)], check=True)
    config = work / "sitegen.yaml"
    config.write_text(f"content_dir: {content}\noutput_dir: {work / 'output'}\ncache_dir: {work / 'cache'}\n",
                      encoding="utf-8")
    os.environ["PYTHONPATH"] = str(code)
    return sampled_build(SITEGEN + ["build", "--config", str(config), "--jobs", str(jobs)], work)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("content", type=Path)
    parser.add_argument("--work", type=Path, required=True)
    parser.add_argument("--baseline", default="main")
    parser.add_argument("--only", choices=("baseline", "branch"))
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    rows = []
    with tempfile.TemporaryDirectory(prefix="sitegen-peak-") as name:
        tree = checkout(args.baseline, Path(name)) if args.only != "branch" else None
        try:
            sides = {f"{args.baseline}": tree, "this checkout": REPO}
            if args.only:
                sides = dict([list(sides.items())[args.only == "branch"]])
            compile_both(sides)
            for side, code in sides.items():
                wall, cpu, peak, when, shares = clean_build(code, args.content.resolve(), args.work, args.jobs)
                each = " + ".join(f"{share / 1024:,.0f}" for share in shares)
                rows.append(f"{side:<16} {wall:>8.1f} {cpu:>8.1f} {peak:>9,.0f} {when:>7.0f}  {each}")
                print(rows[-1], file=sys.stderr, flush=True)
        finally:
            if tree is not None:
                subprocess.run(["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)], check=False)
    header = f"{'sitegen':<16} {'wall s':>8} {'CPU s':>8} {'peak MiB':>9} {'at s':>7}  each process at the peak (MiB)"
    print("\n".join([header, *rows]))
    with open(args.work / "peak.txt", "a", encoding="utf-8") as log:
        log.write("\n".join([time.strftime("%H:%M UTC", time.gmtime()), header, *rows, ""]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
