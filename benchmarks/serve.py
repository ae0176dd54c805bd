"""Benchmark `sitegen serve`: `python benchmarks/serve.py [CORPUS] [--scaled YEARS]`.

For each content folder, starts `sitegen serve` on it with a copy of the default theme,
opens a paper page in headless Chromium and measures, 5 times each, the time from
writing a file to the page showing the change:

- template: a marker added to `base.html`'s footer, shown once the page reloaded itself;
- stylesheet: a rule added to `style.css`, seen in the h1's computed colour (no reload);
- digest: the open paper's title edited in its digest, shown once the page reloaded.

Content folders: the repository's sample (`content/`), the 2022 sample (CORPUS, default
`../shared/corpus`; a skip line when it is absent) and, with `--scaled YEARS`, an archive
of that many years made from the 2022 sample (ids and dates shifted a year at a time),
standing in for a real archive of ~200,000 papers. Prints content, edit, median and max
ms, pages and papers; the targets are 1 s for a template and 0.5 s for a stylesheet.
"""

from __future__ import annotations

import argparse
import re
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "content"
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"
DEFAULT_THEME = REPO / "themes" / "default"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
RUNS = 5
SETTLE = 0.4  # seconds between edits, so two edits never fall into one batch
WAIT_MS = 60_000
TARGETS_MS = {"template": 1000, "stylesheet": 500}
ENTRY = re.compile(r"^### (?P<title>[^$\n]+)\n- \*\*Arxiv ID\*\*: \S+/abs/(?P<id>\d{4}\.\d{4,5})v\d+$", re.MULTILINE)
STARTED = re.compile(r"^(?P<papers>[\d,]+) papers, (?P<pages>[\d,]+) pages")


@dataclass
class Row:
    content: str
    edit: str
    times_ms: list[float]
    pages: int
    papers: int

    def cells(self) -> list[str]:
        target = TARGETS_MS.get(self.edit)
        verdict = "" if target is None else ("ok" if statistics.median(self.times_ms) <= target else "SLOW")
        return [self.content, self.edit, f"{statistics.median(self.times_ms):.0f}", f"{max(self.times_ms):.0f}",
                f"{self.pages:,}", f"{self.papers:,}", verdict]


class Server:
    """`sitegen serve --port 0` in a folder, until `stop`."""

    def __init__(self, folder: Path):
        self.process = subprocess.Popen([sys.executable, "-m", "sitegen.cli", "serve", "--port", "0"], cwd=folder,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1)
        self.papers = self.pages = 0
        self.url = ""
        for line in self.process.stdout:
            counts = STARTED.match(line)
            if counts:
                self.papers, self.pages = (int(counts[name].replace(",", "")) for name in ("papers", "pages"))
            if line.startswith("serving "):
                self.url = re.search(r"http://\S+/", line)[0]
                break
        if not self.url:
            raise SystemExit(f"sitegen serve did not start in {folder}")
        threading.Thread(target=self.process.stdout.read, daemon=True).start()  # keep the pipe flowing

    def stop(self) -> None:
        self.process.send_signal(signal.SIGINT)
        self.process.wait(30)


def prepare(content: Path, folder: Path) -> Path:
    """A site folder previewing `content` with a theme of its own; returns the theme folder."""
    theme = folder / "themes" / "bench"
    shutil.copytree(DEFAULT_THEME, theme)
    (folder / "sitegen.yaml").write_text(f"content_dir: {content}\ntheme: bench\n", encoding="utf-8")
    return theme


def first_plain_paper(content: Path) -> tuple[Path, str, str]:
    """A digest, and the id and title of a paper in it whose title has no math."""
    for digest in sorted(content.rglob("*.md")):
        entry = ENTRY.search(digest.read_text(encoding="utf-8"))
        if entry:
            return digest, entry["id"], entry["title"].strip()
    raise SystemExit(f"no paper without math in its title under {content}")


def timed(edit: Callable[[], None], shown: Callable[[], None]) -> float:
    started = time.perf_counter()
    edit()
    shown()
    return (time.perf_counter() - started) * 1000


def rewrite(path: Path, text: str) -> Callable[[], None]:
    return lambda: path.write_text(text, encoding="utf-8")


def editable_copy(content: Path, folder: Path) -> Path:
    """The benchmark edits a digest: never the corpus itself, always a copy of it."""
    copy = folder / "content"
    shutil.copytree(content, copy, symlinks=False)
    return copy


def measure(name: str, content: Path, browser) -> list[Row]:
    with tempfile.TemporaryDirectory(prefix="sitegen-serve-bench-") as work:
        content = editable_copy(content, Path(work))
        theme = prepare(content, Path(work))
        digest, paper_id, title = first_plain_paper(content)
        server = Server(Path(work))
        page = browser.new_page()
        try:
            page.goto(f"{server.url}papers/{paper_id}/", wait_until="load")
            def listening() -> None:
                page.wait_for_function("() => window.sitegenServe && window.sitegenServe.listening", timeout=WAIT_MS)

            listening()
            results = {"template": [], "stylesheet": [], "digest": []}
            base, stylesheet = theme / "templates" / "base.html", theme / "static" / "style.css"
            base_text, style_text, digest_text = (path.read_text(encoding="utf-8") for path in (base, stylesheet, digest))
            for run in range(1, RUNS + 1):
                marker = f"bench-{run}"
                results["template"].append(timed(
                    rewrite(base, base_text.replace("built with sitegen.", f"built with sitegen. {marker}.")),
                    lambda: page.locator("footer", has_text=f"{marker}.").wait_for(timeout=WAIT_MS)))
                listening()
                time.sleep(SETTLE)
                results["stylesheet"].append(timed(
                    rewrite(stylesheet, style_text + f"\nh1 {{ color: rgb(1, 2, {run}) !important; }}\n"),
                    lambda: page.wait_for_function(
                        f"() => getComputedStyle(document.querySelector('h1')).color === 'rgb(1, 2, {run})'",
                        timeout=WAIT_MS)))
                time.sleep(SETTLE)
                results["digest"].append(timed(
                    rewrite(digest, digest_text.replace(f"### {title}\n", f"### {title} {marker}\n", 1)),
                    lambda: page.locator("h1", has_text=marker).wait_for(timeout=WAIT_MS)))
                listening()
                time.sleep(SETTLE)
            digest.write_text(digest_text, encoding="utf-8")
        finally:
            page.close()
            server.stop()
    return [Row(name, edit, times, server.pages, server.papers) for edit, times in results.items()]


def scaled_archive(corpus: Path, years: int, folder: Path) -> Path:
    """`years` copies of the 2022 sample, each moved back a year: dates and ids shifted."""
    for back in range(years):
        year = 2022 - back
        short = f"{year % 100:02d}"
        for source in sorted(corpus.rglob("*.md")):
            relative = str(source.relative_to(corpus)).replace("2022", str(year))
            text = source.read_text(encoding="utf-8").replace("2022-", f"{year}-")
            text = re.sub(r"(arxiv\.org/(?:abs|pdf)/)22(\d\d\.)", rf"\g<1>{short}\2", text)
            target = folder / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
    return folder


def format_table(rows: list[Row]) -> str:
    header = ["content", "edit", "median ms", "max ms", "pages", "papers", "target"]
    table = [header] + [row.cells() for row in rows]
    widths = [max(len(line[column]) for line in table) for column in range(len(header))]
    return "\n".join("  ".join(cell.ljust(width) if column < 2 else cell.rjust(width)
                               for column, (cell, width) in enumerate(zip(line, widths))).rstrip()
                     for line in table)


def run(corpus: Path, scaled_years: int = 0) -> list[Row]:
    from playwright.sync_api import sync_playwright

    contents = [("sample", SAMPLE)]
    if corpus.is_dir():
        contents.append(("2022 sample", corpus))
    else:
        print(f"skip: 2022 sample: no corpus at {corpus}")
    with tempfile.TemporaryDirectory(prefix="sitegen-scaled-") as scratch, sync_playwright() as playwright:
        if scaled_years and corpus.is_dir():
            contents.append((f"{scaled_years} years", scaled_archive(corpus, scaled_years, Path(scratch))))
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            return [row for name, content in contents for row in measure(name, content, browser)]
        finally:
            browser.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--scaled", type=int, default=0, metavar="YEARS",
                        help="also measure an archive of YEARS copies of the corpus (10 is ~200,000 papers)")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"skip: serve benchmark: no Chromium at {CHROMIUM}")
        return 0
    rows = run(args.corpus.resolve(), args.scaled)
    print(f"serve benchmark: time from saving a file to the browser showing the change (median of {RUNS})")
    print(format_table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
