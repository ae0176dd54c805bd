"""Benchmark reading the corpus: `python benchmarks/read.py [CORPUS]`.

Measures reading + parsing every digest (`read_content`) and building the model
(`build_archive`), median of 3 runs, then peak memory of one more run traced with
tracemalloc (which slows code down, so it is not timed). `run(corpus)` returns the rows
for `benchmarks/run.py`.
"""

from __future__ import annotations

import gc
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"
RUNS = 3

try:
    from sitegen.archive import build_archive
    from sitegen.reader import read_content
except ImportError:  # run from a checkout without the package installed
    sys.path.insert(0, str(REPO))
    from sitegen.archive import build_archive
    from sitegen.reader import read_content


def _once(corpus: Path) -> tuple[float, float, int, int, int]:
    gc.collect()
    started = time.perf_counter()
    reading = read_content(corpus)
    read_done = time.perf_counter()
    archive = build_archive(reading.digests)
    model_done = time.perf_counter()
    return (read_done - started, model_done - read_done, len(reading.digests), reading.bytes_read,
            archive.entries)


def _traced_peak(corpus: Path) -> int:
    gc.collect()
    tracemalloc.start()
    try:
        build_archive(read_content(corpus).digests)
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def _max_rss_bytes() -> int:
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return rss if sys.platform == "darwin" else rss * 1024  # bytes on macOS, KiB on Linux


def run(corpus: Path, runs: int = RUNS) -> list[dict]:
    """One row: sizes, median read+parse and model seconds of `runs` runs, rates, peak memory."""
    corpus = Path(corpus)
    timings = [_once(corpus) for _ in range(runs)]
    read_s = statistics.median(t[0] for t in timings)
    model_s = statistics.median(t[1] for t in timings)
    _, _, files, size, entries = timings[0]
    peak = _traced_peak(corpus)
    return [{
        "benchmark": "read",
        "corpus": str(corpus),
        "runs": runs,
        "files": files,
        "mb": size / 1e6,
        "entries": entries,
        "read_parse_s": read_s,
        "model_s": model_s,
        "mb_per_s": size / 1e6 / read_s if read_s else float("inf"),
        "entries_per_s": entries / (read_s + model_s) if read_s + model_s else float("inf"),
        "tracemalloc_peak_mb": peak / 1e6,
        "max_rss_mb": _max_rss_bytes() / 1e6,
    }]


COLUMNS = [
    ("files", "files", "{:d}"),
    ("MB", "mb", "{:.1f}"),
    ("entries", "entries", "{:d}"),
    ("read+parse s", "read_parse_s", "{:.3f}"),
    ("model s", "model_s", "{:.3f}"),
    ("MB/s", "mb_per_s", "{:.1f}"),
    ("entries/s", "entries_per_s", "{:,.0f}"),
    ("tracemalloc peak MB", "tracemalloc_peak_mb", "{:.1f}"),
    ("ru_maxrss MB", "max_rss_mb", "{:.1f}"),
]


def format_table(rows: list[dict]) -> str:
    cells = [[fmt.format(row[key]) for _, key, fmt in COLUMNS] for row in rows]
    widths = [max(len(title), *(len(line[i]) for line in cells)) for i, (title, _, _) in enumerate(COLUMNS)]
    lines = ["  ".join(title.rjust(width) for (title, _, _), width in zip(COLUMNS, widths))]
    lines.append("  ".join("-" * width for width in widths))
    lines.extend("  ".join(cell.rjust(width) for cell, width in zip(line, widths)) for line in cells)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1 or (args and args[0] in ("-h", "--help")):
        print(__doc__.strip().splitlines()[0])
        return 0 if args and args[0] in ("-h", "--help") else 2
    corpus = Path(args[0]) if args else DEFAULT_CORPUS
    if not corpus.is_dir():
        print(f"skip: read benchmark: corpus not found at {corpus}")
        return 0
    rows = run(corpus)
    print(f"read benchmark: {corpus.resolve()} (median of {RUNS} runs; peak memory from one traced run)")
    print(format_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
