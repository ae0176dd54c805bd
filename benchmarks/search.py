"""Benchmark search: `python benchmarks/search.py [CORPUS] [--output DIR] [--builds N] [--reuse]`.

Builds the corpus (default: the 2022 sample in ../shared/corpus; a skip line and exit 0
when it is absent) with `sitegen.build.build_site`, clean (an empty build cache), then
reports

- index build time (the build's `search` stage) and its share of the whole build; with
  `--builds N`, N clean builds and the one with the median share;
- the search data's size: shards, display chunks, cross-list files and manifest, raw
  and gzip-compressed (each file on its own, as a static host serves them);
- for the 20 QUERIES, each in a fresh browser context of headless Chromium opened from
  `file://`: the search data bytes the query loaded (the `search/…` files of the script
  elements search.js added: manifest, shards, display chunks, cross lists; lunr.min.js
  and search.js, about 45 KB, are the same for every query and not counted) and the time
  from submitting the query to its results being in the page (performance.now() in the
  page, from `requestSubmit()` to the `data-search-done` mark search.js sets once the
  outcome is rendered);
- for the known-item queries, the rank of the expected paper (for an author, how many of
  the first results are theirs before another author's paper).

It checks nothing: the limits (median 300 KB and 300 ms, a quarter of the build) are
printed beside the numbers. Timings move with the machine's load; run it on a quiet one.
`run(corpus, output)` returns the numbers as a dict (for `benchmarks/run.py`); `--reuse`
measures the queries on an existing build in OUTPUT (handy while tuning search.js).
"""

from __future__ import annotations

import argparse
import gzip
import io
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlparse

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"
CHROMIUM = Path("/usr/bin/chromium")
BYTES_LIMIT = 300_000
MS_LIMIT = 300.0
SEARCH_SHARE_LIMIT = 0.25

try:
    from sitegen.build import Report, build_site
    from sitegen.config import Config
except ImportError:  # run from a checkout without the package installed
    sys.path.insert(0, str(REPO))
    from sitegen.build import Report, build_site
    from sitegen.config import Config


@dataclass(frozen=True)
class Query:
    text: str
    paper: str | None = None  # the arXiv id that must rank first
    author: str | None = None  # the author whose papers must come first


# 20 queries: 10 known items (title phrases, ids, authors) and 10 topics/filters/prefixes.
# The ids and names are from the 2022 cs.CV sample.
QUERIES = (
    Query("Prototype-aware Contrastive Learning for Long-tailed Medical Image Classification", paper="2209.00183"),
    Query("Overlap-guided Gaussian Mixture Models for Point Cloud Registration", paper="2210.09836"),
    Query("grounding the target in crowd with referring expressions", paper="2206.08172"),
    Query("public parking spot detection", paper="2209.00213"),
    Query("Transferability Estimation Based On Principal Gradient Expectation", paper="2211.16299"),
    Query("Pix2NeRF", paper="2202.13162"),
    Query("2211.14782", paper="2211.14782"),
    Query("arXiv:2203.15314v1", paper="2203.15314"),
    Query("Kaiming He", author="Kaiming He"),
    Query("Andrew Zisserman", author="Andrew Zisserman"),
    Query("Luc Van Gool"),
    Query("diffusion model segmentation"),
    Query("vision transformer"),
    Query("neural radiance fields"),
    Query("3d object detection lidar"),
    Query("contrastive self-supervised learning"),
    Query("few-shot object detection"),
    Query("category:cs.LG transformer"),
    Query("year:2022 medical image segmentation"),
    Query("segm*"),
)

# Runs in the page: submit the query, resolve when search.js marks the results rendered
# (or shows a message instead), with the elapsed time measured in the page itself.
MEASURE = """async (text) => {
  const input = document.getElementById('search-query');
  const status = document.getElementById('search-status');
  const before = document.body.dataset.searchDone;
  const started = performance.now();
  const done = new Promise((resolve) => {
    const check = () => document.body.dataset.searchDone !== before;
    const observer = new MutationObserver(() => {
      if (check()) { observer.disconnect(); resolve(); }
    });
    observer.observe(document.body, { attributes: true, attributeFilter: ['data-search-done'] });
    observer.observe(status, { childList: true, characterData: true, subtree: true });
  });
  input.value = text;
  input.form.requestSubmit();
  await done;
  const ms = performance.now() - started;
  const links = Array.from(document.querySelectorAll('#search-results .paper-item a.paper-title'));
  const authors = Array.from(document.querySelectorAll('#search-results .paper-item .authors'));
  return {
    ms: ms,
    status: status.textContent,
    ids: links.map((a) => (a.getAttribute('href').match(/papers\\/(.+)\\.html$/) || [])[1]),
    authors: authors.map((div) => div.textContent),
    scripts: Array.from(document.querySelectorAll('script[src]')).map((s) => s.src),
  };
}"""


def _build(corpus: Path, output: Path) -> tuple[float, float, int]:
    """A clean build (a fresh, empty build cache): every page rendered, as on a first build."""
    output.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="sitegen-search-bench-cache-") as cache:
        config = Config(root=output.parent, content_dir=str(corpus), output_dir=str(output),
                        cache_dir=cache, base_url="https://example.org/")
        started = time.perf_counter()
        result = build_site(config, report=Report(out=io.StringIO()))
        total = time.perf_counter() - started
    search = dict(result.timings)["search"]
    return search, total, result.pages.get("paper", 0)


def _sizes(search: Path) -> dict:
    sizes = {"shards": [0, 0, 0], "docs": [0, 0, 0], "categories": [0, 0, 0], "manifest": [0, 0, 0]}
    for path in sorted(search.rglob("*.js")):
        kind = "manifest" if path.name == "manifest.js" else path.parent.name
        data = path.read_bytes()
        sizes.setdefault(kind, [0, 0, 0])[0] += 1
        sizes[kind][1] += len(data)
        sizes[kind][2] += len(gzip.compress(data, 6))
    return sizes


def _is_search_data(path: Path, search: Path) -> bool:
    return path.is_relative_to(search) and path.suffix == ".js" and path.name != "index.html"


def _measure(output: Path) -> list[dict]:
    from playwright.sync_api import sync_playwright

    search = output / "search"
    page_url = (search / "index.html").as_uri()
    rows = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])
        try:
            for query in QUERIES:
                context = browser.new_context()
                page = context.new_page()
                problems: list[str] = []
                page.on("pageerror", lambda error: problems.append(str(error)))
                page.on("console", lambda message: message.type == "error" and problems.append(message.text))
                page.goto(page_url, wait_until="load")
                page.wait_for_function("document.body.dataset.searchReady === '1'")
                found = page.evaluate(MEASURE, query.text)
                context.close()
                loaded = [Path(unquote(urlparse(src).path)) for src in found["scripts"] if src.startswith("file:")]
                data = [path for path in loaded if _is_search_data(path, search)]
                raw = sum(path.stat().st_size for path in data)
                packed = sum(len(gzip.compress(path.read_bytes(), 6)) for path in data)
                rows.append({
                    "query": query.text, "ms": found["ms"], "bytes": raw, "gzip_bytes": packed,
                    "files": len(data), "shards": sum("/shards/" in str(path) for path in data),
                    "results": found["status"], "rank": _rank(query, found), "problems": problems,
                })
        finally:
            browser.close()
    return rows


def _rank(query: Query, found: dict) -> str:
    ids = found["ids"]
    if query.paper:
        return str(ids.index(query.paper) + 1) if query.paper in ids else f">{len(ids)}"
    if query.author:
        mine = [query.author in names for names in found["authors"]]
        first_other = mine.index(False) if False in mine else len(mine)
        return f"{first_other} of theirs first"
    return ""


def run(corpus: Path, output: Path | None = None, reuse: bool = False, builds: int = 1) -> dict:
    """Build `corpus` into `output` (a temporary folder if None) `builds` times (the median
    build counts), measure the queries, return the numbers."""
    corpus = Path(corpus)
    with tempfile.TemporaryDirectory(prefix="sitegen-search-bench-") as temporary:
        output = Path(output) if output else Path(temporary) / "output"
        if reuse and (output / "search" / "manifest.js").is_file():
            search_s = total_s = float("nan")
            papers = None
            timings = []
        else:
            timings = []
            for _ in range(builds - 1):
                scratch = Path(temporary) / "scratch" / "output"
                timings.append(_build(corpus, scratch))
                shutil.rmtree(scratch.parent)
            timings.append(_build(corpus, output))  # the site measured below
            search_s, total_s, papers = sorted(timings, key=lambda t: t[0] / t[1])[len(timings) // 2]
        sizes = _sizes(output / "search")
        rows = _measure(output)
    ms = [row["ms"] for row in rows]
    sent = [row["bytes"] for row in rows]
    return {
        "benchmark": "search", "corpus": str(corpus), "papers": papers,
        "search_build_s": search_s, "build_s": total_s, "search_share": search_s / total_s,
        "builds": [{"search_s": t[0], "build_s": t[1]} for t in timings],
        "sizes": sizes,
        "index_bytes": sum(size[1] for size in sizes.values()),
        "index_gzip_bytes": sum(size[2] for size in sizes.values()),
        "queries": rows,
        "median_ms": statistics.median(ms), "max_ms": max(ms),
        "median_bytes": statistics.median(sent), "max_bytes": max(sent),
        "median_gzip_bytes": statistics.median(row["gzip_bytes"] for row in rows),
    }


def report(numbers: dict) -> list[str]:
    lines = [f"corpus {numbers['corpus']}: {numbers['papers'] or '?'} papers"]
    lines.append(f"build {numbers['build_s']:.1f} s, search index {numbers['search_build_s']:.1f} s "
                 f"({numbers['search_share']:.0%} of the build; limit {SEARCH_SHARE_LIMIT:.0%})")
    if len(numbers["builds"]) > 1:
        lines.append("  builds: " + ", ".join(f"{b['search_s']:.1f} of {b['build_s']:.1f} s "
                                             f"({b['search_s'] / b['build_s']:.0%})" for b in numbers["builds"]))
    for kind, (files, raw, packed) in numbers["sizes"].items():
        lines.append(f"  {kind:<9} {files:>6} files {raw / 1e6:8.2f} MB  gzip {packed / 1e6:7.2f} MB")
    lines.append(f"  {'total':<9} {'':>12} {numbers['index_bytes'] / 1e6:8.2f} MB  "
                 f"gzip {numbers['index_gzip_bytes'] / 1e6:7.2f} MB")
    lines.append("")
    lines.append(f"{'query':<56} {'KB':>7} {'gz KB':>6} {'files':>5} {'shards':>6} {'ms':>7}  rank / status")
    for row in numbers["queries"]:
        text = row["query"] if len(row["query"]) <= 55 else row["query"][:54] + "…"
        note = row["rank"] or row["results"].split(" found")[0]
        if row["problems"]:
            note += f"  PROBLEMS: {row['problems']}"
        lines.append(f"{text:<56} {row['bytes'] / 1e3:7.1f} {row['gzip_bytes'] / 1e3:6.1f} {row['files']:>5} "
                     f"{row['shards']:>6} {row['ms']:7.1f}  {note}")
    lines.append(f"median {numbers['median_bytes'] / 1e3:.1f} KB ({numbers['median_gzip_bytes'] / 1e3:.1f} KB gzip), "
                 f"{numbers['median_ms']:.1f} ms; max {numbers['max_bytes'] / 1e3:.1f} KB, {numbers['max_ms']:.1f} ms "
                 f"(limits: median {BYTES_LIMIT / 1e3:.0f} KB, {MS_LIMIT:.0f} ms)")
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--output", type=Path, help="build here and keep it (default: a temporary folder)")
    parser.add_argument("--reuse", action="store_true", help="measure an existing build in --output")
    parser.add_argument("--builds", type=int, default=1, help="clean builds to time (the median counts)")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"skip: no corpus at {args.corpus}")
        return 0
    if not CHROMIUM.exists():
        print(f"skip: no Chromium at {CHROMIUM}")
        return 0
    numbers = run(args.corpus, args.output, args.reuse, args.builds)
    print("\n".join(report(numbers)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
