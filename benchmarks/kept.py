"""How many list entries a rendering process makes with a bounded cache (issue 21).

    python benchmarks/kept.py CONTENT

Models CONTENT (a folder of digests: the whole-size archive's `content/`) and walks the
papers in the order their lists are rendered (`kinds.PageRenderer.order`): authors' pages
by each author's newest paper, every paper's own page, each category's pages, each day's.
For each, how many entries a cache that keeps everything makes (one per paper), one
dropped all at once every 100,000 (the renderer's fragments before issue 21), and
`views.Kept` of several sizes (the last N and the N before them). One process's order:
the render processes take runs of it, so each sees about its share.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterable

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE.parent)]

from sitegen.archive import modelled  # noqa: E402
from sitegen.reader import list_content, read_listed  # noqa: E402
from sitegen.views import Kept  # noqa: E402

SIZES = (10_000, 25_000, 50_000)
DROPPED_AT = 100_000


def made_by_kept(order: Iterable[str], size: int) -> int:
    made = 0

    def make(key: str) -> str:
        nonlocal made
        made += 1
        return key

    kept = Kept(size, make)
    for paper_id in order:
        kept(paper_id)
    return made


def made_dropping(order: Iterable[str], limit: int) -> int:
    made, cache = 0, set()
    for paper_id in order:
        if paper_id not in cache:
            if len(cache) >= limit:
                cache.clear()
            cache.add(paper_id)
            made += 1
    return made


def main() -> int:
    archive = modelled(read_listed(list_content(Path(sys.argv[1]))).parsed).archive
    authors = sorted(archive.authors.values(), key=lambda author: author.paper_ids[0])
    orders = {
        "author": [paper_id for author in authors for paper_id in author.paper_ids],
        "paper": list(archive.papers),
        "category": [paper_id for category in archive.categories.values() for paper_id in category.paper_ids],
        "day": [paper_id for day in archive.days.values() for paper_id in day.paper_ids],
    }
    print(f"{len(archive.papers):,} papers, {len(archive.authors):,} authors")
    print(f"{'pages':<9} {'entries':>10} {'all kept':>9} {'dropped at 100k':>16} "
          + " ".join(f"{f'Kept {size:,}':>12}" for size in SIZES))
    for name, order in orders.items():
        print(f"{name:<9} {len(order):>10,} {len(set(order)):>9,} {made_dropping(order, DROPPED_AT):>16,} "
              + " ".join(f"{made_by_kept(order, size):>12,}" for size in SIZES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
