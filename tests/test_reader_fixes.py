"""What a reader of the pages noticed (issue 19): counts read `1 paper`, not `1 papers`;
the per-month chart keeps bars of a sensible width; a category of thousands of pages
has a short pager and a way in by year and month; an author beyond the cut of a long
author list is still shown on their own page."""

from __future__ import annotations

import io
import json
import re
import subprocess
from pathlib import Path

import html5lib
import pytest

from sitegen.build import Report, build_site
from sitegen.cli import main
from sitegen.plural import noun, plural

from conftest import make_config
from test_archive import paper

SHOTS = Path("/tmp/sitegen-shots")  # screenshots to look at


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


# --- a category of many pages: a short pager, and a way in by year and month ------------

def monthly_papers(years=(2020, 2021, 2022)) -> str:
    """One listing of 2 to 4 papers published in each month of `years`: 108 papers."""
    entries, number = [], 0
    for year in years:
        for month in range(1, 13):
            for day in range(1, 2 + (year + month) % 3 + 1):
                number += 1
                entries.append(paper(f"2210.{number:05d}", published=f"{year}-{month:02d}-{day * 3:02d} 10:00:00+00:00"))
    return digest("2022-12-30", *entries)


def page_tree(page: Path):
    return html5lib.parse(page.read_bytes(), namespaceHTMLElements=False)


def link_target(page: Path, href: str) -> Path:
    target = (page.parent / href.split("#")[0]).resolve()
    assert target.is_file(), f"{page}: {href} leads nowhere"
    return target


def pager_of(page: Path) -> list[str]:
    """The pager's entries as a reader sees them, the current page in brackets; every link resolves."""
    nav = one_of(page_tree(page), "nav", "pages")
    shown = []
    for element in nav:
        label = "".join(element.itertext()).strip()
        if element.tag == "a":
            link_target(page, element.get("href"))
        shown.append(f"[{label}]" if element.get("aria-current") == "page" else label)
    return shown


def one_of(tree, tag: str, cls: str):
    found = [element for element in tree.iter(tag) if element.get("class") == cls]
    assert len(found) == 1, (tag, cls, len(found))
    return found[0]


def months_listed(page: Path) -> set[str]:
    """The months (`2021-03`) of the papers a category page lists."""
    tree = page_tree(page)
    return {time.get("datetime")[:7] for time in tree.iter("time")}


@pytest.fixture(scope="module")
def paginated(tmp_path_factory) -> Path:
    """108 papers over three years, 2 to a page: 54 category pages."""
    output, _ = build(tmp_path_factory.mktemp("paginated"), {"20221230.md": monthly_papers()}, per_page=2)
    return output


def test_a_category_of_many_pages_links_the_newest_the_oldest_and_a_window(paginated: Path):
    front = paginated / "categories/cs.CV/index.html"
    assert pager_of(front) == ["[Newest]", "53", "52", "…", "1", "Older →"]
    assert pager_of(paginated / "categories/cs.CV/page/20/index.html") == [
        "← Newer", "Newest", "…", "22", "21", "[20]", "19", "18", "…", "1", "Older →"]
    # near either end no `…` stands for a single page
    assert pager_of(paginated / "categories/cs.CV/page/50/index.html") == [
        "← Newer", "Newest", "53", "52", "51", "[50]", "49", "48", "…", "1", "Older →"]
    assert pager_of(paginated / "categories/cs.CV/page/2/index.html") == [
        "← Newer", "Newest", "…", "4", "3", "[2]", "1", "Older →"]


def test_each_month_links_to_the_page_where_its_newest_papers_begin(paginated: Path):
    front = paginated / "categories/cs.CV/index.html"
    grid = one_of(page_tree(front), "table", "by-months")
    rows = {row.find("th").text: row.findall("td") for row in grid.iter("tr")}
    assert list(rows) == ["2022", "2021", "2020"] and all(len(cells) == 12 for cells in rows.values())
    pages = sorted((paginated / "categories/cs.CV").glob("page/*/index.html"), key=lambda p: int(p.parent.name))
    newest_first = [front] + pages[::-1]
    for year, cells in rows.items():
        for month, cell in enumerate(cells, start=1):
            link = cell.find("a")
            assert link is not None and link.text == ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep",
                                                      "Oct", "Nov", "Dec"][month - 1]
            target = link_target(front, link.get("href"))
            index = newest_first.index(target)
            wanted = f"{year}-{month:02d}"
            assert wanted in months_listed(target), (wanted, target)
            assert index == 0 or wanted not in months_listed(newest_first[index - 1]), (wanted, target)
    numbered = page_tree(pages[9])
    assert any(a.get("href", "").endswith("categories/cs.CV/index.html#months") for a in numbered.iter("a"))
    # a numbered page says which days its papers come from: page 10 holds the 19th and 20th oldest,
    # the first two of July 2020 (after 4, 2, 3, 4, 2 and 3 papers from January to June)
    assert "counted from the oldest papers: 3 July 2020 to 6 July 2020." in words(pages[9])


def test_the_front_page_of_a_huge_category_stays_small(tmp_path: Path):
    """Its size no longer grows with the number of pages: 54 pages or 108 give the same links."""
    sizes = []
    for per_page in (2, 1):
        output, _ = build(tmp_path / str(per_page), {"20221230.md": monthly_papers()}, per_page=per_page)
        front = output / "categories/cs.CV/index.html"
        sizes.append(len(pager_of(front)))
        assert len(list((output / "categories/cs.CV/page").iterdir())) == 108 // per_page - 1
    assert sizes == [6, 6]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


def test_new_papers_update_the_pager_and_months_of_a_category_as_a_clean_build_does(tmp_path: Path):
    """The fingerprints mirror what the pager and the month index read: an update that adds
    pages to a category re-renders what shows them, and equals a clean build."""
    site = tmp_path / "site"
    output, _ = build(site, {"20221230.md": monthly_papers()}, per_page=2)
    later = digest("2022-12-31", *(paper(f"2212.{n:05d}", published=f"2022-12-{n + 20} 10:00:00+00:00")
                                   for n in range(1, 6)))
    updated, _ = build(site, {"20221231.md": later}, per_page=2)
    clean, _ = build(tmp_path / "clean", {"20221230.md": monthly_papers(), "20221231.md": later}, per_page=2)
    assert snapshot(updated) == snapshot(clean)
    assert pager_of(updated / "categories/cs.CV/page/53/index.html")[:6] == ["← Newer", "Newest", "56", "55", "54", "[53]"]


# --- the per-month chart, as a browser draws it ---------------------------------------

BAR_BOXES = """svg => [...svg.querySelectorAll("rect")].filter(rect => rect.getAttribute("height") !== "0.0")
                       .map(rect => rect.getBoundingClientRect().width)"""


def visible_chart(page):
    """The chart's SVG that is shown, its caption, and the drawn widths of its bars."""
    svg = page.locator("figure.chart svg:visible")
    assert svg.count() == 1
    caption = page.locator("figure.chart figcaption").inner_text()
    return svg.get_attribute("class"), caption, svg.evaluate(BAR_BOXES), svg.bounding_box()["width"]


@pytest.mark.browser
def test_the_chart_keeps_bars_readable_from_one_month_to_twenty_years(browser, built_site: Path):
    desktop = browser.new_context(viewport={"width": 1280, "height": 900})
    phone = browser.new_context(viewport={"width": 390, "height": 844})
    try:
        page = desktop.new_page()
        page.goto((built_site / "categories/cs.LG/index.html").as_uri())  # one month: September 2022
        kind, caption, bars, width = visible_chart(page)
        assert kind == "by-month" and caption.startswith("Papers per month, Sep 2022 to Sep 2022")
        assert len(bars) == 1 and 10 <= bars[0] <= 30 and width <= 30  # a bar, not a block filling the chart
        page.goto((built_site / "categories/cs.CV/index.html").as_uri())  # Sep 2003 to Sep 2022
        assert visible_chart(page)[0] == "by-month"
        page = phone.new_page()
        page.goto((built_site / "categories/cs.CV/index.html").as_uri())
        kind, caption, bars, width = visible_chart(page)
        assert kind == "by-year" and caption.startswith("Papers per year, 2003 to 2022")
        assert len(bars) == 2 and min(bars) >= 8, bars  # twenty years on a phone: a bar per year, no hairlines
        assert width <= 390 - 2 * 20
    finally:
        desktop.close()
        phone.close()


def test_paginated_category_pages_pass_the_nu_html_checker(paginated: Path):
    from test_validation import vnu_jar

    pages = [paginated / "categories/cs.CV/index.html", paginated / "categories/cs.CV/page/20/index.html"]
    done = subprocess.run(["java", "-Xss4m", "-jar", str(vnu_jar()), "--format", "json", *map(str, pages)],
                          capture_output=True, text=True, timeout=120)
    messages = json.loads(done.stderr or done.stdout or '{"messages": []}')["messages"]
    assert [m for m in messages if m["type"] != "info" or m.get("subType") == "warning"] == []


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("width", [1280, 390])
def test_paginated_category_pages_pass_axe(browser, paginated: Path, built_site: Path, scheme: str, width: int):
    from test_validation import AXE, AXE_RUN

    if not AXE.is_file():
        pytest.skip("axe-core is not installed: run `npm ci` (./dev test does)")
    context = browser.new_context(color_scheme=scheme, viewport={"width": width, "height": 900})
    try:
        page = context.new_page()
        failures = {}
        for path in (paginated / "categories/cs.CV/index.html", paginated / "categories/cs.CV/page/20/index.html",
                     built_site / "categories/cs.CV/index.html"):
            page.goto(path.as_uri(), wait_until="load")
            page.evaluate(AXE.read_text(encoding="utf-8"))
            problems = page.evaluate(AXE_RUN)
            if problems:
                failures[str(path)] = problems
        assert failures == {}, json.dumps(failures, indent=1, ensure_ascii=False)
    finally:
        context.close()


# --- the serve overlay names the page that failed: the open one or another ------------

MANY_PAPERS_ONLY = '{% block main %}{% if page.papers | length > 1 %}{{ page.nope }}{% endif %}'  # Alice, Grace


def test_a_render_error_names_the_page_that_failed_apart_from_the_message(tmp_path: Path):
    from sitegen.serve.site import LiveSite
    from sitegen.serve.watcher import ChangeKind
    from test_serve import Heard, change, edit, make_preview_site, templates

    make_preview_site(tmp_path)
    heard = Heard(open_pages=["authors/erin-park.html"])  # Erin Park has one paper: the page renders
    site = LiveSite(tmp_path / "sitegen.yaml", "http://127.0.0.1:8000/", heard, lambda line: None)
    edit(templates(tmp_path) / "author.html", "{% block main %}", MANY_PAPERS_ONLY)
    outcome = site.apply(change(tmp_path, ChangeKind.TEMPLATE, "themes/mine/templates/author.html"))
    assert outcome.startswith("reloaded; error: ") and outcome.endswith("(rendering authors/alice-smith.html)")
    probed = heard.events[-1]
    assert probed["page"] == "authors/alice-smith.html"  # the first author page, rendered to find errors
    assert probed["file"].endswith("author.html") and "rendering" not in probed["message"]
    assert site.hello()["error"] == probed
    assert site.respond("authors/grace-hall.html").status == 500
    assert heard.events[-1]["page"] == "authors/grace-hall.html"  # the page asked for, which failed too
    assert site.respond("authors/erin-park.html").status == 200


@pytest.mark.browser
def test_the_overlay_says_whether_the_open_page_failed_or_another(browser, tmp_path: Path):
    from test_serve import make_preview_site
    from test_serve_browser import WAIT_MS, Served, open_and_listen, replace_in, theme_file

    make_preview_site(tmp_path)
    served = Served(tmp_path)
    context = browser.new_context()
    try:
        page = context.new_page()
        open_and_listen(page, served, "authors/erin-park.html")
        replace_in(theme_file(served, "templates/author.html"), "{% block main %}", MANY_PAPERS_ONLY)
        overlay = page.locator("sitegen-error [role=alert]")
        overlay.filter(has_text="another page").wait_for(timeout=WAIT_MS)
        assert "Rendering another page failed, not the one open here: /authors/alice-smith.html." in overlay.inner_text()
        assert page.locator("h1").inner_text() == "Erin Park"  # the open page itself rendered
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "serve-overlay-another-page.png"))
        overlay.locator("a", has_text="/authors/alice-smith.html").click()
        page.wait_for_url(served.url + "authors/alice-smith.html")
        overlay.filter(has_text="this page").wait_for(timeout=WAIT_MS)
        assert "Rendering this page failed (authors/alice-smith.html)." in overlay.inner_text()
        page.screenshot(path=str(SHOTS / "serve-overlay-this-page.png"))
    finally:
        context.close()
        served.stop()
    assert "Traceback" not in served.output()
