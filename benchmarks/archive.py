"""Archive-scale build benchmark: many years of cs.CV, built clean, rebuilt, one day added.

    python benchmarks/archive.py [CORPUS] [--years N] [--renamed FRACTION] [--jobs N] [--log FILE] [--keep]

Synthesizes an archive of N years (default 10: 2013..2022) from the one real year in
CORPUS (default `../shared/corpus`) into a temporary folder under /tmp: each copy moves
the heading, Published and Updated dates back by whole years (Feb 29 becomes Feb 28),
gives every paper a new id with the shifted year's YYMM and the same number
(`2209.14475` -> `1309.14475`), and, in every copy but the newest, renames a fixed
share of the authors (a suffix letter per copy on the surname) so the archive holds
about as many distinct names per paper as the real one (~258,000 names for ~192,000
papers); the other names are shared, so co-author networks span years.

Then runs `sitegen build` on it five times, each in its own process, measuring wall
time and peak memory of the whole process tree (sum of PSS, as `build.py` does): a
clean build without the archive's two newest days, a no-change rebuild, a rebuild after
adding the first of them back (the first update after a clean build, which links every
served file into the spare folder), one after adding the second (a daily update within
a month, as every day after the first), and one after adding the first
day of the next year (made from a real digest with fresh ids: once a year the search
tier of all earlier years is made again). After every build but the no-change one, every
paper, author and day page the archive should have is looked up in the output (the
expected list comes from sitegen's own reader and routes). Prints sitegen's
stage times, then a table of scenario, wall s, peak MiB, files, papers and authors,
passed or failed against 15 minutes and 6 GB. Skips cleanly where the corpus is absent.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import shutil
import sys
import tempfile
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
sys.path[:0] = [str(HERE), str(REPO)]

from build import SITEGEN, compile_sitegen, measure  # noqa: E402  (benchmarks/build.py: PSS of the process tree)

from sitegen import routes  # noqa: E402
from sitegen.archive import build_archive  # noqa: E402
from sitegen.digest import Digest, parse_authors, parse_digest  # noqa: E402
from sitegen.reader import read_content  # noqa: E402

DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"
LIMIT_SECONDS = 15 * 60
LIMIT_MIB = 6 * 1024
REAL_NAMES_PER_PAPER = 258_000 / 192_000  # the real cs.CV archive, 1998..2026
SPILL_OFFSET = 50_000  # added to the number of a shifted id that would meet another copy's id
FRESH_NUMBER = 90_000  # numbers of the added day's ids: above any real month's count
SCENARIOS = ("clean build", "no-change rebuild", "add one day", "add the next day", "add a new year's day")
STAGES = ("list", "read", "model", "link", "plan", "assets", "render", "search", "feeds", "publish")

HEADING = re.compile(r"\A(\ufeff?# Arxiv Papers in \S+ on )(\d{4})-(\d\d)-(\d\d)", re.MULTILINE)
TIMES = re.compile(r"^(- \*\*(?:Published|Updated)\*\*: )(\d{4})-(\d\d)-(\d\d)", re.MULTILINE)
ID_LINES = re.compile(r"^- \*\*(?:Arxiv ID|Links)\*\*: .*$", re.MULTILINE)
NEW_ID = re.compile(r"(arxiv\.org/(?:abs|pdf)/)(\d\d)(\d\d)\.(\d{4,5})(?=v\d|\b)", re.ASCII)
ID_LINE = re.compile(r"^- \*\*Arxiv ID\*\*: \S*?/abs/(\d{4}\.\d{4,5})", re.MULTILINE)
AUTHORS = re.compile(r"^- \*\*Authors\*\*: (.*(?:\n  .*)*)$", re.MULTILINE)
STAGE_LINE = re.compile(rf"^(?:{'|'.join(STAGES)})\s+[\d.]+ s(?:  \(.*\))?$")
SUMMARY_LINE = re.compile(r"^(?:\d+ pages \(|\d+ merged duplicates|nothing changed)")


@dataclass
class Source:
    """One real digest: where it was, its text and its listing day."""

    relative: Path
    text: str
    day: date


@dataclass
class Written:
    """What the synthesis wrote, counted as it went."""

    files: int = 0
    ids: set[str] = field(default_factory=set)
    names: set[str] = field(default_factory=set)

    def cells(self) -> list[str]:
        return [f"{self.files:,}", f"{len(self.ids):,}", f"{len(self.names):,}"]


# -- synthesis --------------------------------------------------------------------------

def load_corpus(corpus: Path) -> list[Source]:
    sources = []
    for path in sorted(corpus.rglob("*.md")):
        text = path.read_text(encoding="utf-8")
        heading = HEADING.match(text)
        if heading:
            sources.append(Source(path.relative_to(corpus), text, date(*map(int, heading.groups()[1:]))))
    return sources


def shifted(year: int, month: int, day: int, years: int) -> date:
    """The same month and day `years` later (earlier when negative); Feb 29 becomes Feb 28."""
    try:
        return date(year + years, month, day)
    except ValueError:
        return date(year + years, month, day - 1)


def shift_dates(text: str, years: int) -> str:
    def move(match: re.Match) -> str:
        return f"{match[1]}{shifted(int(match[2]), int(match[3]), int(match[4]), years):%Y-%m-%d}"

    return TIMES.sub(move, HEADING.sub(move, text, count=1))


def plan_ids(sources: list[Source], copies: int) -> dict[tuple[int, str], str]:
    """Every paper's id in every copy (copy k is k years back), unique over the archive.

    Ids keep their number and take the shifted YYMM. Papers of the corpus year come out
    unique by construction; the few from the year after (listed in late December) could
    meet the next copy's ids, and those get SPILL_OFFSET added to their number.
    """
    ids = sorted({found for source in sources for found in ID_LINE.findall(source.text)})
    home = f"{sources[-1].day.year % 100:02d}"
    planned: dict[tuple[int, str], str] = {}
    for copy in range(copies):
        for old in ids:
            planned[copy, old] = f"{(int(old[:2]) - copy) % 100:02d}{old[2:]}"
    taken: set[str] = set()
    for key in sorted(planned, key=lambda key: key[1][:2] != home):
        new = planned[key]
        if new in taken:
            prefix, number = new.split(".")
            new = planned[key] = f"{prefix}.{int(number) + SPILL_OFFSET:05d}"
        if new in taken:
            raise SystemExit(f"cannot give {key[1]} a unique id in copy {key[0]}")
        taken.add(new)
    return planned


def rewrite_ids(text: str, copy: int, planned: dict[tuple[int, str], str]) -> str:
    """New ids in the Arxiv ID and Links lines only (ids cited in abstracts stay as they are)."""
    def new_id(match: re.Match) -> str:
        old = f"{match[2]}{match[3]}.{match[4]}"
        if (copy, old) not in planned:
            raise SystemExit(f"a Links line names {old}, which no Arxiv ID line does")
        return match[1] + planned[copy, old]

    return ID_LINES.sub(lambda line: NEW_ID.sub(new_id, line[0]), text)


def suffix(copy: int) -> str:
    """1 -> 'a', 26 -> 'z', 27 -> 'aa': a different suffix for every copy."""
    letters = ""
    while copy:
        copy, rest = divmod(copy - 1, 26)
        letters = chr(ord("a") + rest) + letters
    return letters


def is_renamed(name: str, fraction: float) -> bool:
    """A fixed choice per name, the same in every copy."""
    share = int.from_bytes(hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest(), "big") / 2**64
    return share < fraction


def renamed(name: str, copy: int) -> str:
    """`Laurent Amsaleg` -> `Laurent Amsalegb`; an affiliation stays after the name."""
    head, paren, tail = name.partition(" (")
    return f"{head}{suffix(copy)}{paren}{tail}" if head else name + suffix(copy)


def rewrite_authors(text: str, copy: int, fraction: float, names: set[str]) -> str:
    def line(match: re.Match) -> str:
        authors = parse_authors(unicodedata.normalize("NFC", match[1]))
        if copy:
            authors = tuple(renamed(name, copy) if is_renamed(name, fraction) else name for name in authors)
        names.update(authors)
        return "- **Authors**: " + ", ".join(authors)

    return AUTHORS.sub(line, text)


def digest_path(source: Source, day: date, remapped: bool) -> Path:
    """`cs.CV/2013/09/20130929.md`; a Feb 29 moved onto Feb 28 keeps a file of its own."""
    top = source.relative.parts[0] if len(source.relative.parts) > 1 else "."
    return Path(top) / f"{day:%Y}" / f"{day:%m}" / f"{day:%Y%m%d}{'-29' if remapped else ''}.md"


def write_digest(content: Path, relative: Path, text: str, written: Written) -> None:
    target = content / relative
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text, encoding="utf-8")
    written.files += 1
    written.ids.update(ID_LINE.findall(text))


def synthesize(sources: list[Source], copies: int, fraction: float, content: Path) -> Written:
    planned = plan_ids(sources, copies)
    written = Written()
    for copy in range(copies):
        for source in sources:
            day = shifted(source.day.year, source.day.month, source.day.day, -copy)
            text = shift_dates(source.text, -copy)
            text = rewrite_authors(rewrite_ids(text, copy, planned), copy, fraction, written.names)
            write_digest(content, digest_path(source, day, day.day != source.day.day), text, written)
    return written


def renamed_fraction(sources: list[Source], copies: int) -> float:
    """The share of names to rename so the archive has REAL_NAMES_PER_PAPER names a paper."""
    if copies < 2:
        return 0.0
    archive = build_archive(parse(sources))
    target = REAL_NAMES_PER_PAPER * len(archive.papers) * copies
    return min(1.0, max(0.0, (target / len(archive.authors) - 1) / (copies - 1)))


def parse(sources: list[Source]) -> list[Digest]:
    return [parse_digest(source.text, str(source.relative)) for source in sources]


def next_day(sources: list[Source], content: Path, written: Written) -> Path:
    """A digest for the day after the last: a real digest of median size, with fresh ids."""
    sized = sorted(sources, key=lambda source: (len(ID_LINE.findall(source.text)), str(source.relative)))
    model, day = sized[len(sized) // 2], sources[-1].day + timedelta(days=1)
    text = HEADING.sub(lambda match: f"{match[1]}{day:%Y-%m-%d}", model.text, count=1)
    text = TIMES.sub(lambda match: f"{match[1]}{day:%Y-%m-%d}", text)
    fresh = {old: f"{day:%y%m}.{FRESH_NUMBER + index:05d}" for index, old in enumerate(ID_LINE.findall(text))}
    text = ID_LINES.sub(lambda line: NEW_ID.sub(
        lambda match: match[1] + fresh[f"{match[2]}{match[3]}.{match[4]}"], line[0]), text)
    if written.ids & set(fresh.values()):
        raise SystemExit("the added day's fresh ids meet ids of the archive")
    relative = digest_path(model, day, False)
    write_digest(content, relative, rewrite_authors(text, 0, 0.0, written.names), written)
    return relative


# -- building and checking --------------------------------------------------------------

def write_config(work: Path) -> Path:
    config = work / "sitegen.yaml"
    config.write_text(f"content_dir: {work / 'content'}\noutput_dir: {work / 'output'}\n", encoding="utf-8")
    return config


def timed_build(config: Path, jobs: int | None, log: Path) -> tuple[float, float, list[str]]:
    """Wall s and peak MiB of one `sitegen build`, and its stage and summary lines.

    `build.measure` keeps a command's stderr to itself, so a shell that execs sitegen
    (one process, nothing added to the tree) sends its output to the log instead.
    """
    command = SITEGEN + ["build", "--config", str(config)] + (["--jobs", str(jobs)] if jobs else [])
    start = log.stat().st_size if log.exists() else 0
    wrapped = ["/bin/sh", "-c", 'log=$1; shift; exec "$@" >>"$log" 2>&1', "sh", str(log), *command]
    try:
        seconds, mib = measure(wrapped, REPO)
    except SystemExit:
        tail = log.read_text(encoding="utf-8", errors="replace")[start:][-3000:]
        raise SystemExit(f"sitegen build failed:\n{tail}") from None
    output = log.read_text(encoding="utf-8", errors="replace")[start:].splitlines()
    return seconds, mib, [line for line in output if STAGE_LINE.match(line) or SUMMARY_LINE.match(line)]


def missing_pages(work: Path) -> tuple[dict[str, int], dict[str, int], list[str]]:
    """Pages of each kind expected (from sitegen's reader and routes) and missing from the output."""
    archive = build_archive(read_content(work / "content").digests)
    expected = {
        "paper": [routes.paper(paper_id) for paper_id in archive.papers],
        "author": [routes.author(author.slug) for author in archive.authors.values()],
        "day": [routes.day(day) for day in archive.days],
    }
    bad_pdf = [paper.id for paper in archive.papers.values()
               if not re.search(rf"/pdf/{re.escape(paper.id)}(?:v\d+)?$", paper.pdf_url or "")]
    output = work / "output"
    missing = {kind: [path for path in paths if not (output / path).is_file()] for kind, paths in expected.items()}
    examples = [path for paths in missing.values() for path in paths[:3]]
    examples += [f"pdf link of {paper_id} names another id" for paper_id in bad_pdf[:3]]
    counts = {kind: len(paths) for kind, paths in expected.items()} | {"papers with another pdf id": 0}
    gaps = {kind: len(paths) for kind, paths in missing.items()} | {"papers with another pdf id": len(bad_pdf)}
    return counts, gaps, examples


def report_missing(when: str, check: tuple[dict[str, int], dict[str, int], list[str]]) -> int:
    counts, gaps, examples = check
    print(f"pages after {when}: " + ", ".join(
        f"{kind} {counts[kind] - gaps[kind]:,}/{counts[kind]:,}" for kind in ("paper", "author", "day"))
          + f"; missing {sum(gaps.values()):,}" + (f" (e.g. {', '.join(examples)})" if examples else ""),
          flush=True)
    return sum(gaps.values())


# -- the run ------------------------------------------------------------------------------

def run(corpus: Path, copies: int, fraction: float | None, jobs: int | None, work: Path, log: Path) -> int:
    sources = load_corpus(corpus)
    if not sources:
        print(f"skip: no digests under {corpus}")
        return 0
    fraction = renamed_fraction(sources, copies) if fraction is None else fraction
    content = work / "content"
    written = synthesize(sources, copies, fraction, content)
    first, last = sources[0].day.year - copies + 1, sources[-1].day.year
    print(f"synthesized {first}..{last} in {content}: {written.files:,} files, {len(written.ids):,} papers, "
          f"{len(written.names):,} distinct author names ({fraction:.0%} of names renamed per older copy, "
          f"{len(written.names) / len(written.ids):.2f} names a paper)", flush=True)
    config = write_config(work)
    # The two newest days are held back from the first builds, then added one at a time:
    # the first update after a clean build links every served file into the spare folder
    # once; a daily update after it finds the spare holding the build before.
    newest = sorted(content.rglob("*.md"))[-2:]
    held_back = [work / f"held-back-{index}.md" for index in range(len(newest))]
    for path, kept in zip(newest, held_back):
        path.rename(kept)
    rows, failures = [], 0
    for scenario in SCENARIOS:
        if scenario in ("add one day", "add the next day"):
            added, kept = newest.pop(0), held_back.pop(0)
            kept.rename(added)
            print(f"added {added.relative_to(content)} back ({len(ID_LINE.findall(added.read_text(encoding='utf-8')))} papers)")
        if scenario == "add a new year's day":
            added = next_day(sources, content, written)
            print(f"added {added} ({len(ID_LINE.findall((content / added).read_text(encoding='utf-8')))} papers)")
        seconds, mib, lines = timed_build(config, jobs, log)
        print(f"\n{scenario}: {seconds:.1f} s, peak {mib:,.0f} MiB\n  " + "\n  ".join(lines), flush=True)
        rows.append([scenario, f"{seconds:.1f}", f"{mib:,.0f}", *written.cells(),
                     "pass" if seconds <= LIMIT_SECONDS and mib <= LIMIT_MIB else "FAIL"])
        failures += rows[-1][-1] != "pass"
        if scenario != "no-change rebuild":
            failures += report_missing(scenario, missing_pages(work)) > 0
    print()
    print_table(rows)
    return 1 if failures else 0


def print_table(rows: list[list[str]]) -> None:
    header = ["scenario", "wall s", "peak MiB", "files", "papers", "authors", "< 15 min, < 6 GB"]
    table = [header] + rows
    widths = [max(len(line[column]) for line in table) for column in range(len(header))]
    for line in table:
        print("  ".join(cell.ljust(width) if column == 0 else cell.rjust(width)
                        for column, (cell, width) in enumerate(zip(line, widths))))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--years", type=int, default=10, help="copies of the corpus year, one a year back (default 10)")
    parser.add_argument("--renamed", type=float, metavar="FRACTION",
                        help="share of names renamed in each older copy (default: what gives the real archive's "
                             f"{REAL_NAMES_PER_PAPER:.2f} names a paper)")
    parser.add_argument("--jobs", type=int, help="passed to sitegen build")
    parser.add_argument("--log", type=Path, help="keep sitegen's output in this file (default: in the temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    if not args.corpus.is_dir():
        print(f"skip: archive benchmark: no corpus at {args.corpus}")
        return 0
    if args.years < 1 or not 0 <= (args.renamed or 0) <= 1:
        parser.error("--years must be at least 1 and --renamed between 0 and 1")
    compile_sitegen()
    work = Path(tempfile.mkdtemp(prefix="sitegen-archive-", dir="/tmp"))
    try:
        return run(args.corpus.resolve(), args.years, args.renamed, args.jobs, work,
                   (args.log or work / "sitegen.log").resolve())
    finally:
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
