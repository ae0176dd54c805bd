"""Hypothesis through the whole pipeline: digests with random field values (markup, quotes,
entities, math, odd Unicode), then randomly damaged (lines lost, doubled, swapped, cut
short, bytes that are not UTF-8), built as a site.

Whatever the input: the build succeeds (bad entries skipped and reported), every problem
reads `file:line: message`, a strict build either succeeds or fails with a BuildError and
never with another exception, and no page holds an element or attribute the theme does
not make, so no `<` from the data ever became markup.
"""

from __future__ import annotations

import io
import re
import shutil
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import html5lib
import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from sitegen.build import Report, build_site
from sitegen.errors import BuildError
from sitegen.reader import read_content

from conftest import make_config

FIELDS = ("Arxiv ID", "DOI", "Categories", "Links", "Published", "Updated", "Authors", "Comment", "Journal", "Summary")
TOKENS = ["<", ">", "&", "&amp;", "&lt;", '"', "'", "`", "$", "$x^2$", "\\", "*", "_", "[a](javascript:alert(1))",
          "<script>alert(1)</script>", "</title>", "<img src=x onerror=alert(1)>", "<svg onload=alert(1)>", "<a href=x>",
          "</script>", "<!--", "]]>", "\u2028", "\u2029", "\u202e", "\u0000", "\x0b", "\ufeff", "s\u030c", "🧪",
          "https://example.org/a?b=1&c=2", "www.example.net", "a@b.org", "mailto:a@b.org", "JaVaScRiPt:x", "10.1000/x",
          "cs.CV", "cs.cv", "math.GT", "**", ",", ", ", "(", ")", " ", "  ", "None", "word", "Ünïcödé", "مرحبا"]
# Mostly good values, so most entries survive to be rendered; some bad ones, to be skipped.
IDS = ["http://arxiv.org/abs/2209.14001v1", "http://arxiv.org/abs/2209.14001v2", "2209.00002", "math.GT/0309136v1",
       "math.gt/0309136v1", "cs/9810003v1", "http://arxiv.org/abs/2209.14003v1", "http://arxiv.org/abs/2209.1234",
       "<script>"]
CATEGORIES = ["**cs.CV**, cs.LG", "**cs.cv**, cs.CV", "**math.GT**", "**<b>x</b>**, cs.CV", "cs.LG, I.2.6", "68T45"]
TIMES = ["2022-09-29 00:00:11+00:00", "2003-09-08 12:00:00+00:00", "2022-09-30 10:00:00+02:00", "yesterday"]
HEADINGS = ["# Arxiv Papers in cs.CV on 2022-09-29", "# Arxiv Papers in cs.LG on 2022-09-30",
            "# Arxiv Papers in <script> on 2022-09-29", "# Arxiv Papers in cs.CV on 2022-13-45", "# Papers"]

# Line breaks are the damage strategies' business: field values stay on their line.
free_text = st.lists(st.sampled_from(TOKENS) | st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\r\n"), max_size=6),
                     max_size=12).map("".join)


@st.composite
def entries(draw) -> str:
    values = {
        "Arxiv ID": draw(st.sampled_from(IDS)),
        "DOI": draw(st.sampled_from(["None", "10.1000/a 10.1000/a", "10.1/x"]) | free_text),
        "Categories": draw(st.sampled_from(CATEGORIES)) + draw(st.just("") | free_text.map(", ".__add__)),
        "Links": draw(st.sampled_from(["[PDF](http://arxiv.org/pdf/2209.14001v1)", "[PDF](javascript:alert(1))"])
                      | free_text),
        "Published": draw(st.sampled_from(TIMES)),
        "Updated": draw(st.sampled_from(TIMES)),
        "Authors": draw(st.lists(free_text, min_size=1, max_size=4).map(", ".join)),
        "Comment": draw(free_text),
        "Journal": draw(free_text),
        "Summary": draw(free_text),
    }
    lines = [f"### Title {draw(free_text)}"] + [f"- **{name}**: {values[name]}" for name in FIELDS]
    return "\n".join(lines)


@st.composite
def digests(draw) -> bytes:
    heading = draw(st.sampled_from(HEADINGS[:1] * 4 + HEADINGS))
    text = heading + "\n" + "\n\n\n".join(draw(st.lists(entries(), min_size=1, max_size=3))) + "\n"
    data = text.encode("utf-8")
    for _ in range(draw(st.sampled_from([0, 0, 0, 1, 1, 2, 3]))):
        data = draw(st.sampled_from(DAMAGE))(draw, data)
    return data


def _lines(data: bytes) -> list[bytes]:
    return data.split(b"\n")


def lose_line(draw, data: bytes) -> bytes:
    lines = _lines(data)
    del lines[draw(st.integers(0, len(lines) - 1))]
    return b"\n".join(lines)


def double_line(draw, data: bytes) -> bytes:
    lines = _lines(data)
    index = draw(st.integers(0, len(lines) - 1))
    return b"\n".join(lines[:index + 1] + lines[index:])


def swap_lines(draw, data: bytes) -> bytes:
    lines = _lines(data)
    first, second = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
    lines[first], lines[second] = lines[second], lines[first]
    return b"\n".join(lines)


def cut_short(draw, data: bytes) -> bytes:
    return data[:draw(st.integers(0, len(data)))]


def insert_bytes(draw, data: bytes) -> bytes:
    at = draw(st.integers(0, len(data)))
    return data[:at] + draw(st.sampled_from([b"\xff\xfe", b"\xc3", b"\r", b"\r\n", b"\n  ", b"\x00", b"### ", b"- **"])
                            | st.binary(max_size=4)) + data[at:]


def indent_line(draw, data: bytes) -> bytes:
    lines = _lines(data)
    index = draw(st.integers(0, len(lines) - 1))
    lines[index] = b"  " + lines[index]
    return b"\n".join(lines)


DAMAGE = [lose_line, double_line, swap_lines, cut_short, insert_bytes, indent_line]
PROBLEM = re.compile(r"(?P<source>.+):(?P<line>[1-9]\d*): \S")


@pytest.fixture(scope="module")
def theme_vocabulary(built_site: Path) -> tuple[set[str], set[str]]:
    return vocabulary(built_site)


def vocabulary(output: Path) -> tuple[set[str], set[str]]:
    tags, attributes = set(), set()
    for page in output.rglob("*.html"):
        for element in html5lib.parse(page.read_bytes(), namespaceHTMLElements=False).iter():
            if isinstance(element.tag, str):
                tags.add(element.tag.rsplit("}", 1)[-1])
                attributes.update(element.keys())
    return tags, attributes


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(files=st.lists(digests(), min_size=1, max_size=3))
def test_any_digests_build_or_fail_with_file_and_line(theme_vocabulary, files: list[bytes]):
    root = Path(tempfile.mkdtemp(prefix="sitegen-property-"))
    try:
        content = root / "content"
        content.mkdir()
        for number, data in enumerate(files):
            (content / f"2022092{number}.md").write_bytes(data)
        for problem in read_content(content).problems:
            match = PROBLEM.match(str(problem))
            assert match and Path(match["source"]).name.endswith(".md"), str(problem)
            assert int(match["line"]) <= files[int(Path(match["source"]).stem[-1])].count(b"\n") + 1, str(problem)

        config = make_config(root / "site", content=content)
        build_site(config, jobs=1, report=Report(out=io.StringIO()))  # never raises: bad entries are skipped
        output = config.output_path
        tags, attributes = vocabulary(output)
        theme_tags, theme_attributes = theme_vocabulary
        assert tags <= theme_tags | {"span"}, tags - theme_tags
        assert attributes <= theme_attributes, attributes - theme_attributes
        for path in output.rglob("*.xml"):
            ET.parse(path)  # feeds and sitemaps stay well-formed XML

        strict = make_config(root / "strict", content=content, strict=True)
        try:
            build_site(strict, jobs=1, report=Report(out=io.StringIO()))
        except BuildError as error:
            assert str(error).startswith("strict:"), str(error)
    finally:
        shutil.rmtree(root, ignore_errors=True)
