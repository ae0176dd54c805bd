"""Build benchmark: clean, no-change, add-one-day and one-template-edit builds, beside Hugo.

    python benchmarks/build.py [CORPUS] [--repeat N] [--jobs N]

Each scenario runs `sitegen build` in its own process and reports wall time and peak
memory of the whole process tree (sum of PSS, so memory shared by forked workers counts
once; sampled every 20 ms, less often where a sample is slow: `pause_after`). Hugo
(Debian's `hugo`) builds the same content through `../shared/bench/to_hugo.py` in the
same run; ratios are sitegen / Hugo. Skips cleanly where the corpus, or Hugo, is absent.

Two things would skew the figures, so:
- times and memory come from separate runs of every scenario: reading the PSS of a
  2.5 GB process every 20 ms slows it (Hugo's build by about a quarter on this machine);
- no work folder is deleted before the end: on ext4 without a journal (this machine's
  disk) creating files is slow for minutes after many were deleted (the kernel scans
  past recently deleted inodes), which would tax whichever build came next.
"""

from __future__ import annotations

import argparse
import compileall
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"
SITEGEN = [sys.executable, "-m", "sitegen.cli"]


def tree_pids(root: int) -> list[int]:
    """`root` and its descendants, parents before children, in order of their pids."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat") as handle:
                    parent = int(handle.read().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(parent, []).append(int(entry))
    found, pending = [], [root]
    while pending:
        pid = pending.pop(0)
        found.append(pid)
        pending.extend(sorted(children.get(pid, [])))
    return found


def pss_kib(pid: int) -> int:
    """A process's proportional set size in KiB (0 for one gone meanwhile)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as handle:
            return next(int(line.split()[1]) for line in handle if line.startswith("Pss:"))
    except (OSError, StopIteration):
        return 0


SAMPLER_SHARE = 0.1  # of one core, at most, that reading the PSS may take (`pause_after`)


def pause_after(sample_seconds: float) -> float:
    """Seconds to wait after a PSS sample that took `sample_seconds`, so sampling takes
    at most SAMPLER_SHARE of a core. Reading a process's PSS walks its page tables: at
    archive scale (2 GB over three processes) a sample took 80 ms of CPU, so a sampler
    reading every 20 ms took most of a core of this 2-core machine: the clean build it
    measured took 2.4 times as long (docs/benchmarks.md, the last section)."""
    return max(0.02, sample_seconds * (1 / SAMPLER_SHARE - 1))


def tree_pss_kb(root_pid: int) -> int:
    """Proportional set size of a process and all its descendants, in KiB."""
    return sum(map(pss_kib, tree_pids(root_pid)))


def measure(command: list[str], cwd: Path | None = None, sampled: bool = True) -> tuple[float, float]:
    """Wall seconds and peak memory (MiB; 0 unless `sampled`) of a command's process tree.
    The disk is synced first, so no command pays for writing back what an earlier one wrote."""
    os.sync()
    peak = 0
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    done = threading.Event()

    def sample() -> None:
        nonlocal peak
        while not done.is_set():
            began = time.perf_counter()
            peak = max(peak, tree_pss_kb(process.pid))
            done.wait(pause_after(time.perf_counter() - began))

    sampler = threading.Thread(target=sample, daemon=True)
    if sampled:
        sampler.start()
    _, errors = process.communicate()
    elapsed = time.perf_counter() - started
    done.set()
    if sampled:
        sampler.join()
    if process.returncode:
        raise SystemExit(f"failed: {' '.join(command)}\n{errors[-2000:]}")
    return elapsed, peak / 1024


def write_config(folder: Path, content: Path, theme: str = "default") -> Path:
    config = folder / "sitegen.yaml"
    config.write_text(f"content_dir: {content}\noutput_dir: {folder / 'output'}\n"
                      f"theme: {theme}\nthemes_dir: {folder / 'themes'}\n", encoding="utf-8")
    return config


def link_digests(files: list[Path], corpus: Path, content: Path) -> None:
    for source in files:
        target = content / source.relative_to(corpus)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.symlink_to(source)


def sitegen_scenarios(corpus: Path, work: Path, jobs: int | None, sampled: bool) -> list[tuple[str, float, float]]:
    files = sorted(corpus.rglob("*.md"))
    content = work / "content"
    link_digests(files, corpus, content)
    theme = work / "themes" / "edited" / "templates"
    theme.mkdir(parents=True)  # a theme of one's own, empty for now: all from the default
    build = build_command(write_config(work, content, theme="edited"), jobs)
    results = []
    results.append(("clean full build", *measure(build, REPO, sampled)))
    results.append(("no-change rebuild", *measure(build, REPO, sampled)))
    results.append(("add one day", *add_one_day(files, corpus, work / "append", jobs, sampled)))
    day = (REPO / "themes/default/templates/day.html").read_text(encoding="utf-8")
    (theme / "day.html").write_text(day.replace("<h1>", '<h1 class="edited">'), encoding="utf-8")
    results.append(("one template edited", *measure(build, REPO, sampled)))
    return results


def compile_sitegen() -> None:
    """Byte-compile sitegen, as `./dev` and an installed package have it: with
    PYTHONDONTWRITEBYTECODE set (as here) every build would compile it anew (0.09 s)."""
    compileall.compile_dir(REPO / "sitegen", quiet=1)


def build_command(config: Path, jobs: int | None) -> list[str]:
    return SITEGEN + ["build", "--config", str(config)] + (["--jobs", str(jobs)] if jobs else [])


def add_one_day(files: list[Path], corpus: Path, work: Path, jobs: int | None, sampled: bool) -> tuple[float, float]:
    """Wall time and peak memory of adding the last day to an archive built clean without it,
    as a daily update does: the spare output folder is still empty then, so every unchanged
    page has to reach it."""
    content = work / "content"
    link_digests(files[:-1], corpus, content)
    build = build_command(write_config(work, content), jobs)
    measure(build, REPO)
    link_digests(files[-1:], corpus, content)
    return measure(build, REPO, sampled)


def hugo_build(corpus: Path, work: Path, sampled: bool) -> tuple[float, float] | None:
    if not shutil.which("hugo") or not (SHARED / "bench" / "to_hugo.py").exists():
        return None
    site = work / "hugo"
    depth = len(next(corpus.rglob("*.md")).relative_to(corpus).parts)
    pattern = str(corpus) + "/*" * (depth - 1) + "/*.md"  # to_hugo.py's glob does not recurse
    subprocess.run([sys.executable, str(SHARED / "bench" / "to_hugo.py"), pattern, str(site)],
                   check=True, stdout=subprocess.DEVNULL)
    return measure(["hugo", "--quiet", "-d", "public"], site, sampled)


def all_scenarios(corpus: Path, work: Path, jobs: int | None, sampled: bool) -> list[tuple[str, float, float]]:
    results = sitegen_scenarios(corpus, work / "sitegen", jobs, sampled)
    hugo = hugo_build(corpus, work, sampled)
    return results + ([("hugo (same pages)", *hugo)] if hugo else [])


def run(corpus: Path, repeat: int = 1, jobs: int | None = None) -> list[dict]:
    """Each scenario's median wall time over `repeat` unsampled runs and median peak memory
    over as many sampled ones; every work folder is kept until the end (see above)."""
    seconds: dict[str, list[float]] = {}
    memory: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory(prefix="sitegen-bench-") as folder:
        for number in range(repeat):
            for sampled in (False, True):
                work = Path(folder) / f"{number}-{'memory' if sampled else 'time'}"
                for name, wall, peak in all_scenarios(corpus, work, jobs, sampled):
                    if sampled:
                        memory.setdefault(name, []).append(peak)
                    else:
                        seconds.setdefault(name, []).append(wall)
    return [{"scenario": name, "seconds": statistics.median(runs), "peak_mib": statistics.median(memory[name]),
             "runs": len(runs)} for name, runs in seconds.items()]


def print_table(rows: list[dict]) -> None:
    hugo = next((row for row in rows if row["scenario"].startswith("hugo")), None)
    print(f"{'scenario':<22} {'wall s':>8} {'peak MiB':>9} {'time/hugo':>10} {'mem/hugo':>9}")
    for row in rows:
        time_ratio = f"{row['seconds'] / hugo['seconds']:.2f}" if hugo else "-"
        memory_ratio = f"{row['peak_mib'] / hugo['peak_mib']:.2f}" if hugo else "-"
        print(f"{row['scenario']:<22} {row['seconds']:>8.2f} {row['peak_mib']:>9.0f} {time_ratio:>10} {memory_ratio:>9}")
    if not hugo:
        print("hugo: not installed (apt-get install hugo), no ratios")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=SHARED / "corpus")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--jobs", type=int)
    args = parser.parse_args()
    if not args.corpus.is_dir():
        print(f"skip: no corpus at {args.corpus}")
        return
    compile_sitegen()
    print_table(run(args.corpus.resolve(), args.repeat, args.jobs))


if __name__ == "__main__":
    main()
