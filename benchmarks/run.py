"""Run every benchmark, one after the other, each printing its table.

    python benchmarks/run.py [NAME ...]     (names: read, build, search, serve; default: all)

They measure the real corpus in ../shared/corpus and print a skip line where it is absent.
Run them on a quiet machine: timings are medians, and ratios are against baselines
measured in the same run (Hugo for builds).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHMARKS = ("read", "build", "search", "serve")


def main(names: list[str]) -> int:
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; choose from {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    failed = 0
    for name in names or BENCHMARKS:
        print(f"\n== {name} ==", flush=True)
        failed += subprocess.run([sys.executable, str(HERE / f"{name}.py")], cwd=HERE.parent).returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
