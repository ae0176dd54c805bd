"""Property tests for `sitegen.digest`.

(a) Random valid entries, written in the digest format by the small writer below, read
    back to the same values (as the parser normalizes them: NFC, titles and names with
    whitespace collapsed, free text stripped, continuation lines joined with one space).
(b) Random damage to valid digest text never makes `parse_digest` raise, and every
    problem it reports points at a line of the file.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sitegen.digest import Digest, parse_digest
from sitegen.reader import decode
from sitegen.taxonomy import ARXIV_CATEGORIES

SETTINGS = settings(max_examples=200, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
DOI_START = re.compile(r"10\.\d{4,9}/")


# --- A model of an entry and its writer -----------------------------------------------------


@dataclass(frozen=True)
class Written:
    """One entry as the writer wrote it, with the values the parser should give back."""

    lines: list[str]
    id: str
    version: int
    title: str
    dois: tuple[str, ...]
    categories: tuple[str, ...]
    classifications: tuple[str, ...]
    pdf_url: str
    published: datetime
    updated: datetime
    authors: tuple[str, ...]
    comment: str | None
    journal: str | None
    summary: str


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def collapse(text: str) -> str:
    return " ".join(text.split())


def wrap(value: str, cuts: list[int]) -> list[str]:
    """Break `value` onto continuation lines at some of its single spaces between non-spaces.

    The parser joins continuation lines with one space, so the value reads back unchanged.
    """
    spaces = [i for i in range(1, len(value) - 1)
              if value[i] == " " and not value[i - 1].isspace() and not value[i + 1].isspace()]
    chosen = sorted({spaces[c % len(spaces)] for c in cuts}) if spaces else []
    parts, start = [], 0
    for at in chosen:
        parts.append(value[start:at])
        start = at + 1
    parts.append(value[start:])
    return [parts[0]] + ["  " + part for part in parts[1:]]


# --- Strategies ------------------------------------------------------------------------------

# One string draw per text (st.text over a character set) keeps generation fast.
TEXT_CHARS = st.characters(exclude_categories=("Cs", "Cc"), include_characters="\t")
TEXT = st.text(TEXT_CHARS, min_size=1, max_size=30)
NONBLANK = st.one_of(
    TEXT,
    # Text that looks like HTML, Markdown or math, NFD and compatibility characters included.
    st.builds("{} <{}> & ${}$ {}".format, TEXT, TEXT, TEXT, TEXT),
    st.builds("{}   *{}*\t_{}_ `{}` e\u0301 s\u030c \u212b".format, TEXT, TEXT, TEXT, TEXT),
).filter(lambda text: text.strip() != "")

NAME_CHARS = st.characters(categories=("Lu", "Ll", "Lo", "Mn"), include_characters="-.'")
WORD = st.text(NAME_CHARS, min_size=1, max_size=8)
AFFILIATION = st.text(st.characters(categories=("Lu", "Ll", "Nd"), include_characters=" ,-"),
                      min_size=1, max_size=20).filter(lambda text: text.strip() != "")


@st.composite
def author_names(draw) -> tuple[str, str]:
    """(as written, as read back): NFC or NFD, stray spaces, maybe an affiliation with commas."""
    name = " ".join(draw(st.lists(WORD, min_size=1, max_size=3)))
    if draw(st.booleans()):
        name += f" ({draw(AFFILIATION)})"
    written = unicodedata.normalize(draw(st.sampled_from(["NFC", "NFD"])), name)
    written = " " * draw(st.integers(0, 2)) + written + " " * draw(st.integers(0, 2))
    return written, collapse(nfc(name))


ARXIV_CODES = st.one_of(st.sampled_from(sorted(ARXIV_CATEGORIES)),
                        st.sampled_from(["cs.XY", "physics.new-field", "q-bio.ZZ", "econ"]))
UPPER = st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
MSC = st.builds(lambda a, letter, b: f"{a:02d}{letter}{b:02d}", st.integers(0, 99), UPPER, st.integers(0, 99))
MSC_CODE = st.one_of(
    MSC,
    MSC.map(lambda code: f"{code} (Primary)"),
    st.tuples(MSC, MSC).map(lambda pair: f"{pair[0]} (Primary) {pair[1]} (Secondary)"),
)
ACM_ONE = st.builds(lambda letter, a, b: f"{letter}.{a}" + (f".{b}" if b is not None else ""),
                    st.sampled_from("ABCDEFGHIJK"), st.sampled_from("0123456789m"), st.none() | st.integers(0, 19))
ACM_CODE = st.one_of(
    st.lists(ACM_ONE, min_size=1, max_size=4).map("; ".join),
    ACM_ONE.map(lambda code: f"ACM-class: {code}"),
)


@st.composite
def categories(draw) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    codes = draw(st.lists(ARXIV_CODES, min_size=1, max_size=5))
    others = draw(st.lists(st.one_of(MSC_CODE, ACM_CODE), max_size=3))
    starred = draw(st.booleans())
    primary_at = draw(st.integers(0, len(codes) - 1))
    tokens = [(f"**{code}**" if starred and i == primary_at else code) for i, code in enumerate(codes)] + others
    tokens = draw(st.permutations(tokens))
    in_order = [token.strip("*") for token in tokens if token.strip("*") in codes]
    primary = codes[primary_at] if starred else in_order[0]
    expected = [primary] + [code for code in dict.fromkeys(in_order) if code != primary]
    return ", ".join(tokens), tuple(expected), tuple(dict.fromkeys(token for token in tokens if token in others))


DOI = st.builds(
    lambda registrant, suffix: f"10.{registrant}/{suffix}",
    st.integers(1000, 10 ** 9 - 1),
    st.text("abcXYZ0123456789._;()/:-", min_size=1, max_size=16),
).filter(lambda doi: len(DOI_START.findall(doi)) == 1)


@st.composite
def dois(draw) -> tuple[str, tuple[str, ...]]:
    """(as written, as read back): None, or DOIs space-separated, maybe repeated or glued."""
    found = draw(st.lists(DOI, max_size=3))
    if not found:
        return "None", ()
    tokens = list(found)
    if draw(st.booleans()):
        tokens.append(draw(st.sampled_from(found)))  # a repeat
    if len(tokens) > 1 and draw(st.booleans()):
        tokens[0:2] = [tokens[0] + tokens[1]]  # two glued together
    return " ".join(tokens), tuple(dict.fromkeys(found))


@st.composite
def identifiers(draw) -> tuple[str, int]:
    version = draw(st.integers(1, 30))
    if draw(st.booleans()):
        year, month = draw(st.integers(7, 99)), draw(st.integers(1, 12))
        width = 4 if year < 15 else 5
        number = draw(st.integers(1, 10 ** width - 1))
        return f"{year:02d}{month:02d}.{number:0{width}d}", version
    archive = draw(st.sampled_from(["cs", "math", "math.GT", "math.AG", "quant-ph", "cond-mat", "math-ph",
                                    "hep-th", "astro-ph", "physics", "gr-qc", "q-bio", "nlin"]))
    return f"{archive}/{draw(st.integers(91, 106)) % 100:02d}{draw(st.integers(1, 12)):02d}" \
           f"{draw(st.integers(1, 999)):03d}", version


ZONES = [timezone.utc, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8)),
         timezone(timedelta(hours=13, minutes=45))]
MOMENTS = st.builds(datetime.fromtimestamp,  # whole seconds, 1991 to 2035, in one of several zones
                    st.integers(662_688_000, 2_082_758_399), st.sampled_from(ZONES))


def free_text_field(name: str, value: str | None, cuts: list[int]) -> tuple[list[str], str | None]:
    if value is None:
        return [f"- **{name}**: None"], None
    lines = wrap(value, cuts)
    expected = nfc(value).strip()
    return [f"- **{name}**: {lines[0]}"] + lines[1:], (None if expected in ("", "None") else expected)


@st.composite
def entries(draw) -> Written:
    paper_id, version = draw(identifiers())
    title = draw(NONBLANK)
    title_lines = wrap(title, draw(st.lists(st.integers(0, 99), max_size=2)))
    doi_text, doi_values = draw(dois())
    category_text, category_values, classification_values = draw(categories())
    names = draw(st.lists(author_names(), min_size=1, max_size=4))
    published, updated = draw(MOMENTS), draw(MOMENTS)
    comment_lines, comment = free_text_field(
        "Comment", draw(st.none() | NONBLANK), draw(st.lists(st.integers(0, 99), max_size=3)))
    journal_lines, journal = free_text_field(
        "Journal", draw(st.none() | NONBLANK), draw(st.lists(st.integers(0, 99), max_size=2)))
    summary = draw(NONBLANK)
    pdf_url = f"http://arxiv.org/pdf/{paper_id}v{version}"

    doi_lines = wrap(doi_text, draw(st.lists(st.integers(0, 99), max_size=2)))
    category_lines = wrap(category_text, draw(st.lists(st.integers(0, 99), max_size=2)))
    lines = (
        [f"### {title_lines[0]}", *title_lines[1:],
         f"- **Arxiv ID**: http://arxiv.org/abs/{paper_id}v{version}",
         f"- **DOI**: {doi_lines[0]}", *doi_lines[1:],
         f"- **Categories**: {category_lines[0]}", *category_lines[1:],
         f"- **Links**: [PDF]({pdf_url})",
         f"- **Published**: {published.isoformat(' ')}",
         f"- **Updated**: {updated.isoformat(' ')}",
         f"- **Authors**: {', '.join(written for written, _ in names)}",
         *comment_lines, *journal_lines,
         f"- **Summary**: {summary}"])
    return Written(
        lines=lines, id=paper_id, version=version, title=collapse(nfc(title)), dois=doi_values,
        categories=category_values, classifications=classification_values, pdf_url=pdf_url,
        published=published, updated=updated, authors=tuple(expected for _, expected in names),
        comment=comment, journal=journal, summary=nfc(summary).strip())


@st.composite
def digests(draw, max_entries: int = 3) -> tuple[str, str, str, date, list[tuple[int, Written]]]:
    """(text, source, category, day, [(title line, entry)]) for a valid digest."""
    category = draw(st.sampled_from(["cs.CV", "cs.LG", "math.GT", "quant-ph", "cond-mat.stat-mech"]))
    day = draw(st.dates(min_value=date(1998, 1, 1), max_value=date(2035, 12, 31)))
    lines = [f"# Arxiv Papers in {category} on {day.isoformat()}"]
    placed = []
    for written in draw(st.lists(entries(), max_size=max_entries)):
        placed.append((len(lines) + 1, written))
        lines.extend(written.lines)
        lines.extend([""] * draw(st.integers(1, 4)))
    text = "\n".join(lines) + draw(st.sampled_from(["", "\n"]))
    if draw(st.booleans()):
        text = text.replace("\n", "\r\n")
    return text, f"{category}/{day:%Y/%m/%Y%m%d}.md", category, day, placed


# --- (a) round trip --------------------------------------------------------------------------


@SETTINGS
@given(digests())
def test_written_entries_read_back_to_the_same_values(sample) -> None:
    text, source, category, day, placed = sample
    result = parse_digest(text, source)
    assert [str(p) for p in result.problems] == []
    assert (result.category, result.day, result.skipped) == (category, day, 0)
    assert len(result.entries) == len(placed)
    for entry, (line, written) in zip(result.entries, placed):
        assert entry.line == line
        assert (entry.id, entry.version) == (written.id, written.version)
        assert entry.title == written.title
        assert entry.dois == written.dois
        assert entry.categories == written.categories
        assert entry.primary_category == written.categories[0]
        assert entry.classifications == written.classifications
        assert entry.pdf_url == written.pdf_url
        assert entry.published == written.published
        assert entry.published.utcoffset() == written.published.utcoffset()
        assert entry.updated == written.updated
        assert entry.updated.utcoffset() == written.updated.utcoffset()
        assert entry.authors == written.authors
        assert entry.comment == written.comment
        assert entry.journal == written.journal
        assert entry.summary == written.summary


# --- (b) damage never raises -----------------------------------------------------------------

INSERTS = st.one_of(
    st.binary(max_size=12),
    st.text(max_size=20).map(lambda text: text.encode("utf-8", "surrogatepass")),
    st.sampled_from([b"\x00", b"\xff\xfe", b"\r", b"\r\n", b"\n\n\n", b"### ", b"- **DOI**: ", b"  ",
                     b"- **Arxiv ID**: http://arxiv.org/abs/2209.1v", b"**", b"(", b")", b"\xef\xbb\xbf",
                     b"- **Published**: 2022-13-45 99:99:99+00:00", b"# Arxiv Papers in cs.CV on 2022-09-29\n"]),
)
DAMAGE = st.one_of(
    st.tuples(st.just("delete"), st.integers(0, 10 ** 6)),
    st.tuples(st.just("duplicate"), st.integers(0, 10 ** 6)),
    st.tuples(st.just("swap"), st.integers(0, 10 ** 6), st.integers(0, 10 ** 6)),
    st.tuples(st.just("truncate"), st.integers(0, 10 ** 6)),
    st.tuples(st.just("insert"), st.integers(0, 10 ** 6), INSERTS),
    st.tuples(st.just("replace"), st.integers(0, 10 ** 6), INSERTS),
)


def damage(data: bytes, operations: list[tuple]) -> bytes:
    for operation in operations:
        kind, at = operation[0], operation[1]
        lines = data.split(b"\n")
        line = at % len(lines)
        if kind == "delete":
            del lines[line]
        elif kind == "duplicate":
            lines.insert(line, lines[line])
        elif kind == "swap":
            other = operation[2] % len(lines)
            lines[line], lines[other] = lines[other], lines[line]
        elif kind == "replace":
            lines[line] = operation[2]
        if kind in ("delete", "duplicate", "swap", "replace"):
            data = b"\n".join(lines)
        elif kind == "truncate":
            data = data[:at % (len(data) + 1)]
        elif kind == "insert":
            at %= len(data) + 1
            data = data[:at] + operation[2] + data[at:]
    return data


def check_never_raises_and_lines_are_in_the_file(data: bytes, source: str) -> Digest:
    text, decode_problem = decode(data, source)
    result = parse_digest(text, source)
    assert isinstance(result, Digest)
    normalized = nfc(text.lstrip("\ufeff")).replace("\r\n", "\n")
    lines = normalized.split("\n")
    problems = list(result.problems) + ([decode_problem] if decode_problem else [])
    for problem in problems:
        assert problem.source == source
        assert 1 <= problem.line <= len(lines), str(problem)
        assert problem.message.strip()
    if result.day is None:
        assert result.entries == () and len(result.problems) >= 1
    for entry in result.entries:
        assert 2 <= entry.line <= len(lines)
        assert lines[entry.line - 1].startswith("### ")
        assert entry.title and entry.categories
        assert entry.published.utcoffset() is not None and entry.updated.utcoffset() is not None
    return result


@SETTINGS
@given(digests(max_entries=2), st.lists(DAMAGE, min_size=1, max_size=5))
def test_damaged_digest_never_raises_and_problems_point_into_the_file(sample, operations) -> None:
    text, source, *_ = sample
    check_never_raises_and_lines_are_in_the_file(damage(text.encode("utf-8"), operations), source)


@SETTINGS
@given(st.text(max_size=300))
def test_any_text_after_a_heading_never_raises(tail: str) -> None:
    data = ("# Arxiv Papers in cs.CV on 2022-09-29\n" + tail).encode("utf-8", "surrogatepass")
    check_never_raises_and_lines_are_in_the_file(data, "cs.CV/20220929.md")


@SETTINGS
@given(st.binary(max_size=300))
def test_any_bytes_never_raise(data: bytes) -> None:
    check_never_raises_and_lines_are_in_the_file(data, "garbage.md")


def test_damage_helper_really_damages() -> None:
    data = b"a\nb\nc"
    assert damage(data, [("delete", 1)]) == b"a\nc"
    assert damage(data, [("duplicate", 0)]) == b"a\na\nb\nc"
    assert damage(data, [("swap", 0, 2)]) == b"c\nb\na"
    assert damage(data, [("truncate", 3)]) == b"a\nb"
    assert damage(data, [("insert", 1, b"X")]) == b"aX\nb\nc"
    assert damage(data, [("replace", 1, b"X")]) == b"a\nX\nc"


def test_wrap_helper_keeps_the_value() -> None:
    assert wrap("one two  three four", [0, 1, 2]) == ["one", "  two  three", "  four"]
    assert wrap("single", [5]) == ["single"]
