"""What a reader of the pages noticed (issue 19): counts read `1 paper`, not `1 papers`;
the per-month chart keeps bars of a sensible width; a category of thousands of pages
has a short pager and a way in by year and month; an author beyond the cut of a long
author list is still shown on their own page."""

from __future__ import annotations

import io
import re
from pathlib import Path

import html5lib
import pytest

from sitegen.build import Report, build_site
from sitegen.cli import main
from sitegen.plural import noun, plural

from conftest import make_config
from test_archive import paper


def build(root: Path, digests: dict[str, str], **settings) -> tuple[Path, str]:
    """Build digests (file name -> text) into `root/output`; returns it and what the build printed."""
    content = root / "content"
    for name, text in digests.items():
        (content / name).parent.mkdir(parents=True, exist_ok=True)
        (content / name).write_text(text, encoding="utf-8")
    config = make_config(root, content, **settings)
    printed = io.StringIO()
    build_site(config, jobs=1, report=Report(out=printed))
    return config.output_path, printed.getvalue()


def digest(day: str, *entries: str, category: str = "cs.CV") -> str:
    return f"# Arxiv Papers in {category} on {day}\n" + "".join(entries)


def words(page: Path) -> str:
    """A page's text, spaces collapsed."""
    tree = html5lib.parse(page.read_bytes(), namespaceHTMLElements=False)
    return " ".join("".join(tree.find("body").itertext()).split())


# --- counts and their nouns ---------------------------------------------------------

def test_a_count_takes_the_singular_only_for_one():
    assert [plural(n, "entry") for n in (0, 1, 2, 19684)] == ["0 entries", "1 entry", "2 entries", "19,684 entries"]
    assert [plural(n, "day") for n in (1, 2)] == ["1 day", "2 days"]
    assert plural(1, "new paper") == "1 new paper" and plural(3, "cross-list") == "3 cross-lists"
    assert noun(1, "category") == "category" and noun(5, "category") == "categories"


def test_pages_of_a_site_with_one_paper_say_one_paper(tmp_path: Path):
    output, printed = build(tmp_path, {"20221001.md": digest("2022-10-01", paper("2210.00001"))})
    assert "1 new paper and 0 cross-lists in" in words(output / "days/2022/10/01.html")
    home = words(output / "index.html")
    assert "1 paper · 1 author · 1 category · 1 day" in home
    assert "1 new paper and 0 cross-lists." in home
    assert "1 paper, newest first." in words(output / "categories/cs.CV/index.html")
    assert "1 paper in this archive." in words(output / "authors/ada-lovelace.html")
    archive = (output / "archive/index.html").read_text(encoding="utf-8")
    assert '<span class="count">1 paper</span>' in archive and 'title="1 October 2022: 1 paper"' in archive
    assert "Search 1 paper by title" in words(output / "search/index.html")
    assert re.search(r"\b1 paper in 1 file\b", printed) and "0 merged duplicates, 0 skipped entries, 0 problems" \
        in printed, printed
    assert "1 home," in printed and "1 category," in printed and "1 author)" in printed, printed


def test_check_counts_one_of_each_in_the_singular(tmp_path: Path, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "content").mkdir()
    (tmp_path / "content" / "20221001.md").write_text(digest("2022-10-01", paper("2210.00001")), encoding="utf-8")
    assert main(["check"]) == 0
    out = capsys.readouterr().out
    assert "1 file (0.0 MB), 1 entry, 1 unique paper, 0 merged duplicates, 0 skipped entries" in out
    assert "1 author, 1 category, 1 day, 0 problems, in " in out


# --- an author beyond the cut of a long author list -----------------------------------

TEAM = [f"Member {number:02d}" for number in range(1, 66)]  # 65 authors


def listed_authors(page: Path) -> list[str]:
    """The author line of each paper a page lists."""
    tree = html5lib.parse(page.read_bytes(), namespaceHTMLElements=False)
    return [" ".join("".join(span.itertext()).split()) for span in tree.iter("span") if span.get("class") == "authors"]


def test_an_author_beyond_the_cut_of_the_author_list_is_shown_on_their_page(tmp_path: Path):
    output, _ = build(tmp_path, {"20221001.md": digest("2022-10-01", paper("2210.00001", authors=", ".join(TEAM)))})
    first_twelve = ", ".join(TEAM[:12])
    own = output / "authors/member-63.html"
    assert listed_authors(own) == [f"{first_twelve}, …, Member 63 and 2 more"]
    tree = html5lib.parse(own.read_bytes(), namespaceHTMLElements=False)
    assert [element.text for element in tree.iter("strong") if element.get("class") == "featured"] == ["Member 63"]
    assert listed_authors(output / "authors/member-65.html") == [f"{first_twelve}, …, Member 65"]
    # the thirteenth follows the twelfth with nothing left out between them
    assert listed_authors(output / "authors/member-13.html") == [f"{first_twelve}, Member 13 and 52 more"]
    # an author within the cut, and every other list, show the first twelve as before
    for page in ("authors/member-05.html", "days/2022/10/01.html", "categories/cs.CV/index.html"):
        assert listed_authors(output / page) == [f"{first_twelve} and 53 more"], page
