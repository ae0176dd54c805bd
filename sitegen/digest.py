"""Parse one arXiv digest: text in, entries and problems out. Pure: no I/O.

The format is described in `shared/digest-format.md`: a heading line, then entries of a
`### title` line and ten `- **Field**: value` lines in a fixed order, values continued
on lines that start with two spaces.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timezone
from typing import Iterator, NamedTuple

from .errors import Problem
from .taxonomy import is_arxiv_category

FIELDS = ("Arxiv ID", "DOI", "Categories", "Links", "Published", "Updated",
          "Authors", "Comment", "Journal", "Summary")

HEADING = re.compile(r"# Arxiv Papers in (?P<category>\S+) on (?P<day>\d{4}-\d{2}-\d{2})\s*")
FIELD_LINE = re.compile(r"- \*\*(?P<name>[^*]+)\*\*:(?: (?P<value>.*))?")
ARXIV_ID = re.compile(
    r"(?:https?://(?:www\.|export\.)?arxiv\.org/abs/)?"
    r"(?P<id>\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[A-Za-z-]+)?/\d{7})(?:v(?P<version>\d{1,6}))?", re.ASCII)
DOI = re.compile(r"10\.\d{4,9}/.+?(?=10\.\d{4,9}/|$)", re.ASCII)
LINK = re.compile(r"\[(?P<label>[^\]]*)\]\((?P<url>[^)\s]+)\)")
ENTRY_START = re.compile(r"^(?=### )", re.MULTILINE)
WHOLE_ENTRY = re.compile(r"### ([^\n]*)\n" + "".join(
    rf"- \*\*{re.escape(name)}\*\*: ([^\n]*(?:\n  [^\n]*\S[^\n]*)*)\n" for name in FIELDS))
FILE_DATE = re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)")


class Entry(NamedTuple):
    """One paper as one digest lists it. A named tuple rather than a frozen dataclass: an
    update loads every cached entry of the archive (200,000), and a tuple unpickles in C
    where a frozen dataclass sets each field through Python (several times the cost)."""

    id: str
    version: int | None
    title: str
    dois: tuple[str, ...]
    categories: tuple[str, ...]
    classifications: tuple[str, ...]
    pdf_url: str | None
    published: datetime
    updated: datetime
    authors: tuple[str, ...]
    comment: str | None
    journal: str | None
    summary: str
    line: int
    key: str  # a hash of the entry's text: equal keys, equal entries

    @property
    def primary_category(self) -> str:
        return self.categories[0]


@dataclass(frozen=True, slots=True)
class Digest:
    """A parsed digest file: the listing's category and day, its entries and problems."""

    source: str
    category: str | None
    day: date | None
    entries: tuple[Entry, ...]
    problems: tuple[Problem, ...]
    skipped: int


class EntryError(Exception):
    """An entry that cannot be used; carries the line it is about."""

    def __init__(self, line: int, message: str):
        super().__init__(message)
        self.line = line
        self.message = message


def parse_digest(text: str, source: str, category: str | None = None) -> Digest:
    """Parse a digest's text. `category` overrides the heading's category.

    Every bad entry is skipped, counted and reported; a file whose heading is unusable
    gives a Digest with no day and the problem that says why.
    """
    text = unicodedata.normalize("NFC", text.lstrip("\ufeff")).replace("\r\n", "\n")
    first, _, body = text.partition("\n")
    heading = HEADING.fullmatch(first)
    day = _iso_date(heading.group("day")) if heading else None
    if heading is None or day is None:
        return Digest(source, category, None, (), (_heading_problem(text, first, source),), 0)
    problems: list[Problem] = []
    _check_file_date(source, day, problems)
    if category is None and not is_arxiv_category(heading.group("category")):
        problems.append(Problem(source, 1, f"heading category {_shorten(heading.group('category'))!r} is not an "
                                           "arXiv category; its papers are listed under it, without a category page "
                                           "(set category_overrides in sitegen.yaml to name the right one)"))
    entries: list[Entry] = []
    skipped = 0
    for block in _blocks(body, source, problems):
        try:
            entries.append(_parse_entry(block, source, problems))
        except EntryError as exc:
            problems.append(Problem(source, exc.line, f"{exc.message}; entry skipped"))
            skipped += 1
    return Digest(source, category or heading.group("category"), day,
                  tuple(entries), tuple(sorted(problems, key=lambda problem: problem.line)), skipped)


def _heading_problem(text: str, first: str, source: str) -> Problem:
    if not text.strip():
        return Problem(source, 1, "empty file: expected a heading "
                                  "'# Arxiv Papers in <category> on <YYYY-MM-DD>'; file skipped")
    if HEADING.fullmatch(first):
        return Problem(source, 1, "the heading's listing date is not a real date; file skipped")
    return Problem(source, 1, "expected a heading '# Arxiv Papers in <category> on <YYYY-MM-DD>', "
                              f"found {_shorten(first)!r}; file skipped")


def _iso_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def _check_file_date(source: str, day: date, problems: list[Problem]) -> None:
    name = source.replace("\\", "/").rsplit("/", 1)[-1]
    match = FILE_DATE.search(name)
    if not match:
        return
    named = _iso_date("-".join(match.groups()))
    if named is not None and named != day:
        problems.append(Problem(source, 1, f"file name says {named.isoformat()} but the heading says "
                                           f"{day.isoformat()}; the heading is used"))


@dataclass
class _Block:
    """The raw lines of one entry: its title lines and its fields with continuations."""

    line: int
    title: list[str]
    fields: list[tuple[int, str, list[str]]]


def _blocks(body: str, source: str, problems: list[Problem]) -> Iterator[_Block]:
    """Group the text after the heading (line 2 on) into entries.

    A well-formed entry is taken whole by one regular expression; anything else goes
    line by line, which finds and reports text that belongs to no entry.
    """
    line = 2
    for chunk in ENTRY_START.split(body):
        block = _whole_block(chunk, line)
        if block:
            yield block
        else:
            yield from _blocks_by_line(chunk.split("\n"), line, source, problems)
        line += chunk.count("\n")


def _whole_block(chunk: str, line: int) -> _Block | None:
    match = WHOLE_ENTRY.match(chunk)
    if match is None or not chunk.endswith("\n") or chunk[match.end():].strip():
        return None
    fields = [(line + chunk.count("\n", 0, match.start(group)), name, match.group(group).split("\n"))
              for group, name in enumerate(FIELDS, start=2)]
    return _Block(line, [match.group(1)], fields)


def _blocks_by_line(lines: list[str], first: int, source: str, problems: list[Problem]) -> Iterator[_Block]:
    block: _Block | None = None
    closed = True  # a blank line ends an entry's fields; later text is stray
    stray_until = 0  # report a run of stray lines once, at its first line
    for number, line in enumerate(lines, start=first):
        if line.startswith("### "):
            if block:
                yield block
            block, closed = _Block(number, [line[4:]], []), False
        elif not line.strip():
            closed = closed or bool(block and block.fields)
        elif block is None or closed:
            if number != stray_until + 1:
                problems.append(Problem(source, number, f"stray text outside any entry: {_shorten(line)!r}; ignored"))
            stray_until = number
        elif line.startswith("  ") and block.fields:
            block.fields[-1][2].append(line.strip())
        elif (match := FIELD_LINE.fullmatch(line)) is not None:
            block.fields.append((number, match.group("name").strip(), [match.group("value") or ""]))
        elif not block.fields:
            block.title.append(line)
        else:
            problems.append(Problem(source, number, f"stray text inside an entry: {_shorten(line)!r}; ignored"))
    if block:
        yield block


def _parse_entry(block: _Block, source: str, problems: list[Problem]) -> Entry:
    values = _field_values(block)
    line_of = {name: number for number, name, _ in block.fields}
    entry_id, version = _parse_id(values["Arxiv ID"], line_of["Arxiv ID"])
    categories, classifications = _parse_categories(values["Categories"], line_of["Categories"])
    title = _collapse(" ".join(block.title))
    if not title:
        raise EntryError(block.line, f"entry {entry_id} has an empty title")
    return Entry(
        id=entry_id,
        version=version,
        title=title,
        dois=_parse_dois(values["DOI"], Problem(source, line_of["DOI"], ""), problems),
        categories=categories,
        classifications=classifications,
        pdf_url=_parse_pdf(values["Links"]),
        published=_parse_time(values["Published"], line_of["Published"], "Published"),
        updated=_parse_time(values["Updated"], line_of["Updated"], "Updated"),
        authors=parse_authors(values["Authors"]),
        comment=_optional(values["Comment"]),
        journal=_optional(values["Journal"]),
        summary=values["Summary"].strip(),
        line=block.line,
        key=_content_key(title, values),
    )


def _content_key(title: str, values: dict[str, str]) -> str:
    """Later stages compare papers by this key rather than by rehashing their text."""
    text = repr((title, tuple(values.values())))
    return hashlib.blake2b(text.encode("utf-8"), digest_size=12).hexdigest()


def _field_values(block: _Block) -> dict[str, str]:
    """Check the ten fields are all there, in order; join continuation lines with a space."""
    names = [name for _, name, _ in block.fields]
    for position, expected in enumerate(FIELDS):
        if position >= len(names):
            last = block.fields[-1][0] if block.fields else block.line
            raise EntryError(last, f"entry ends before its '{expected}' field (truncated?)")
        if names[position] != expected:
            found = names[position]
            if expected not in names:
                raise EntryError(block.fields[position][0],
                                 f"missing field '{expected}' (found '{found}' where it belongs; "
                                 f"fields must be {', '.join(FIELDS)})")
            why = "unknown field" if found not in FIELDS else "field out of order"
            raise EntryError(block.fields[position][0],
                             f"{why} '{found}': expected '{expected}' (fields must be {', '.join(FIELDS)})")
    if len(names) > len(FIELDS):
        number, name, _ = block.fields[len(FIELDS)]
        raise EntryError(number, f"unexpected field '{name}' after 'Summary'")
    return {name: " ".join(part.strip() for part in parts if part.strip())
            for _, name, parts in block.fields}


def _parse_id(value: str, line: int) -> tuple[str, int | None]:
    match = ARXIV_ID.fullmatch(value.strip())
    if match is None:
        raise EntryError(line, f"unrecognised arXiv identifier {_shorten(value)!r} "
                               "(expected e.g. http://arxiv.org/abs/2209.14475v1 or cs/9810003v1)")
    version = match.group("version")
    return match.group("id"), int(version) if version else None


def _parse_categories(value: str, line: int) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Split arXiv categories (primary first) from MSC/ACM classification codes."""
    primary: str | None = None
    categories: list[str] = []
    classifications: list[str] = []
    for token in value.split(","):
        token = _collapse(token)
        if token.startswith("**") and token.endswith("**") and len(token) > 4:
            token = token[2:-2].strip()
            primary = primary or token
        if not token:
            continue
        target = categories if is_arxiv_category(token) else classifications
        if token not in target:
            target.append(token)
    if primary is not None and primary in categories:
        categories.remove(primary)
        categories.insert(0, primary)
    if not categories:
        raise EntryError(line, f"no arXiv category in {_shorten(value)!r}")
    return tuple(categories), tuple(classifications)


def _parse_dois(value: str, at: Problem, problems: list[Problem]) -> tuple[str, ...]:
    """Several DOIs are space-separated, may repeat, and may be glued together."""
    if _optional(value) is None:
        return ()
    dois: list[str] = []
    for token in value.split():
        found = DOI.findall(token)
        if not found:
            problems.append(Problem(at.source, at.line, f"not a DOI (a DOI starts with '10.'): "
                                                        f"{_shorten(token)!r}; ignored"))
        dois.extend(doi for doi in found if doi not in dois)
    return tuple(dois)


def _parse_pdf(value: str) -> str | None:
    links = LINK.findall(value)
    for label, url in links:
        if label.strip().upper() == "PDF":
            return url
    return links[0][1] if links else None


def _parse_time(value: str, line: int, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        raise EntryError(line, f"'{name}' is not a date and time like 2022-09-29 00:00:11+00:00: "
                               f"{_shorten(value)!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def parse_authors(value: str) -> tuple[str, ...]:
    """Names separated by commas, except commas inside an affiliation's parentheses."""
    if "(" not in value:
        return tuple(name for name in (_collapse(n) for n in value.split(",")) if name)
    names: list[str] = []
    depth = 0
    start = 0
    for index, char in enumerate(value):
        if char == "(":
            depth += 1
        elif char == ")":
            depth = max(depth - 1, 0)
        elif char == "," and depth == 0:
            names.append(value[start:index])
            start = index + 1
    names.append(value[start:])
    return tuple(name for name in (_collapse(n) for n in names) if name)


def _optional(value: str) -> str | None:
    value = value.strip()
    return None if value in ("", "None") else value


def _collapse(text: str) -> str:
    return " ".join(text.split())


def _shorten(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "…"
