"""Pathological sizes: does doubling the input cost more than ~2.5x the time?

    python benchmarks/sizes.py [--quick]

For each shape (a long single-line abstract, many authors on one paper, a long title,
many papers in one day) builds generated digests at growing sizes and prints a table of
input size, build time and the ratio to the previous size. A ratio near 2 is linear; a
ratio near 4 means something is quadratic. Exits 1 when a ratio passes 2.5.
"""

from __future__ import annotations

import argparse
import io
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from sitegen.build import Report, build_site  # noqa: E402
from sitegen.config import Config  # noqa: E402

WORDS = ("segmentation diffusion model network image learning vision token transformer robust "
         "$x^2$ <b> & a<b www.example.org/a https://example.com/x?y=1 `tick` \u2028 مرحبا 🧪").split()
LIMIT = 2.5


def entry(number: int, title: str, authors: list[str], summary: str, comment: str = "None") -> str:
    paper = f"2209.{number:05d}"
    return (f"### {title}\n- **Arxiv ID**: http://arxiv.org/abs/{paper}v1\n- **DOI**: None\n"
            f"- **Categories**: **cs.CV**, cs.LG\n- **Links**: [PDF](http://arxiv.org/pdf/{paper}v1)\n"
            f"- **Published**: 2022-09-29 00:00:{number % 60:02d}+00:00\n"
            f"- **Updated**: 2022-09-29 00:00:{number % 60:02d}+00:00\n"
            f"- **Authors**: {', '.join(authors)}\n- **Comment**: {comment}\n- **Journal**: None\n"
            f"- **Summary**: {summary}\n\n\n\n")


def text_of(length: int, seed: int) -> str:
    rng = random.Random(seed)
    parts, size = [], 0
    while size < length:
        word = rng.choice(WORDS)
        parts.append(word)
        size += len(word) + 1
    return " ".join(parts)[:length].rstrip("\\$")


def digest(entries: list[str]) -> str:
    return "# Arxiv Papers in cs.CV on 2022-09-29\n" + "".join(entries)


def long_abstract(size: int) -> str:
    return digest([entry(1, "A paper with a long abstract", ["Ann Author"], text_of(size, 1))])


def many_authors(size: int) -> str:
    return digest([entry(1, "A paper with many authors", [f"Author Number{n} Name" for n in range(size)], "Text.")])


def long_title(size: int) -> str:
    return digest([entry(1, text_of(size, 2), ["Ann Author"], "Text.")])


def many_papers(size: int, abstract: int = 1200) -> str:
    rng = random.Random(3)
    pool = [f"Person {n} Surname" for n in range(max(size // 4, 10))]
    return digest([entry(n, text_of(80, n), rng.sample(pool, 4), text_of(abstract, n)) for n in range(1, size + 1)])


SHAPES = {  # name -> (generator, sizes, unit)
    "abstract": (long_abstract, [250_000, 500_000, 1_000_000, 2_000_000], "chars"),
    "authors": (many_authors, [500, 1_000, 2_000, 4_000], "authors"),
    "title": (long_title, [2_500, 5_000, 10_000, 20_000], "chars"),
    "papers/day": (many_papers, [1_250, 2_500, 5_000, 10_000], "papers"),
}


def time_build(text: str) -> float:
    root = Path(tempfile.mkdtemp(prefix="sitegen-sizes-"))
    try:
        (root / "content").mkdir()
        (root / "content" / "20220929.md").write_text(text, encoding="utf-8")
        config = Config(root=root, content_dir="content", output_dir="output")
        started = time.perf_counter()
        build_site(config, jobs=1, report=Report(out=io.StringIO()))
        return time.perf_counter() - started
    finally:
        shutil.rmtree(root, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="the three smallest sizes of each shape")
    args = parser.parse_args(argv)
    worst = 0.0
    print(f"{'shape':<12} {'size':>12} {'time':>9} {'ratio':>7}")
    for name, (make, sizes, unit) in SHAPES.items():
        previous = None
        for size in sizes[:3] if args.quick else sizes:
            elapsed = min(time_build(make(size)) for _ in range(2))
            ratio = elapsed / previous if previous else None
            worst = max(worst, ratio or 0)
            print(f"{name:<12} {size:>9,} {unit[:3]} {elapsed:8.2f}s {f'{ratio:6.2f}x' if ratio else '':>7}", flush=True)
            previous = elapsed
    print(f"worst ratio for a doubled input: {worst:.2f}x (limit {LIMIT}x)")
    return 0 if worst <= LIMIT else 1


if __name__ == "__main__":
    sys.exit(main())
