"""The search stage alone, two sides of it: REV's code and this checkout's, over one content folder.

    python benchmarks/search_stage.py REV [CONTENT] [--repeat N]

Each side runs in a process of its own: it reads CONTENT (default `../shared/corpus`;
nothing is written there) and makes the model, then makes every search tier's files in
memory (`tier_files` with one job, as a clean build does beside rendering; nothing is
written) and reports the CPU seconds of that and its peak memory above what the model
took (VmHWM after the high-water mark is reset, less the resident size before), and a
digest of the files, so the two sides' data can be told equal. Prints a table of each
side's medians, with ratios against REV.
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

from ab import both_sides  # noqa: E402

DEFAULT_CORPUS = HERE.parent.parent / "shared" / "corpus"

# Run in each side's process, with that side's sitegen first on the path.
SIDE = """
import gc, hashlib, json, sys, time
from pathlib import Path
from sitegen.archive import build_archive
from sitegen.reader import read_content
from sitegen.search import search_tiers, tier_files, tier_name

def status(key):
    with open("/proc/self/status") as lines:
        return next(int(line.split()[1]) for line in lines if line.startswith(key)) // 1024

archive = build_archive(read_content(Path(sys.argv[1])).digests)
gc.collect()
before = status("VmRSS")
with open("/proc/self/clear_refs", "w") as clear:
    clear.write("5")  # the peak from here on
started = time.process_time()
digest, files, biggest = hashlib.sha256(), 0, 0.0
for papers in search_tiers(archive):
    tier_started = time.process_time()
    made = tier_files(tier_name(papers), papers, 1)
    for file in made.files:
        digest.update(file.path.encode() + b"\\0" + file.data)
        files += 1
    digest.update(repr(made.summary).encode())
    biggest = max(biggest, time.process_time() - tier_started)
print(json.dumps({"cpu": time.process_time() - started, "biggest": biggest, "peak": status("VmHWM") - before,
                  "files": files, "digest": digest.hexdigest()[:16]}))
"""


def measure(code: Path, content: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", SIDE, str(content)], cwd=code, check=True,
                          capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(code)})
    return json.loads(done.stdout.splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("rev", help="the baseline: a commit of this repository")
    parser.add_argument("content", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=1)
    options = parser.parse_args()
    with both_sides(options.rev, "sitegen-search-stage-") as (_, sides):
        runs: dict[str, list[dict]] = {side: [] for side in sides}
        for _ in range(options.repeat):
            for side, code in sides.items():
                runs[side].append(measure(code, options.content.resolve()))
                print(f"{side}: {runs[side][-1]}", file=sys.stderr, flush=True)
    base = {key: statistics.median(run[key] for run in runs[options.rev]) for key in ("cpu", "biggest", "peak")}
    print(f"{'sitegen':<16} {'CPU s':>8} {'ratio':>6} {'biggest tier s':>15} {'ratio':>6} {'peak MiB':>9} {'ratio':>6}"
          f"  files, digest")
    for side, found in runs.items():
        median = {key: statistics.median(run[key] for run in found) for key in base}
        print(f"{side:<16} {median['cpu']:>8.2f} {median['cpu'] / base['cpu']:>6.3f} {median['biggest']:>15.2f} "
              f"{median['biggest'] / base['biggest']:>6.3f} {median['peak']:>9.0f} {median['peak'] / base['peak']:>6.3f}"
              f"  {found[-1]['files']:,}, {found[-1]['digest']}")
    digests = {run["digest"] for found in runs.values() for run in found}
    print("search files: the same on both sides" if len(digests) == 1 else "search files: they differ")
    return 0


if __name__ == "__main__":
    sys.exit(main())
