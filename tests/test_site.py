"""End-to-end tests of `sitegen build` on the small fixture site in tests/fixtures/site:
crawl the output, check what each kind of page says, and check the build as a whole
(themes, failures, reproducibility, parallel rendering, stale files)."""

from __future__ import annotations

import hashlib
import io
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from datetime import datetime, timedelta, timezone
from pathlib import Path

import html5lib
import pytest

import sitegen.build
import sitegen.parallel
import sitegen.render
from sitegen.cli import main
from sitegen.errors import BuildError
from sitegen.themes import NODE_MODULES

from conftest import BASE_URL, SITE_CONTENT, crawl_links, make_config, quiet_build, resolve

PAPERS = {"2209.14001", "2209.14002", "2209.14003", "2209.14100", "2209.14101",
          "2209.14200", "2209.14201", "math.GT/0309136"}
CATEGORIES = {"cs.CV", "cs.LG", "eess.IV", "math.GT", "math.OC", "stat.ML"}
AUTHORS = {"José García", "Jose Garcia", "Alice Smith", "Bob Jones", "Carol King", "Dave Lee",
           "Erin Park", "Frank Moore", "Grace Hall", "Heidi Stone"}
CLASSIFICATIONS = ("68T45", "I.4.8", "57M25")
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
SVG = "{http://www.w3.org/2000/svg}"


# --- helpers ----------------------------------------------------------------------

def parse(path: Path):
    return html5lib.parse(path.read_bytes(), namespaceHTMLElements=False)


def text(element) -> str:
    return "".join(element.itertext())


def html_files(output: Path) -> list[Path]:
    return sorted(output.rglob("*.html"))


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below `folder`, by relative path, with its bytes."""
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


# The build renders a small site in-process whatever `jobs` says (it splits pages into
# batches and forks only for more than one). These knobs make every page its own batch,
# so a 29-page site really goes through the worker processes.
WORKER_KNOBS = ("BATCH", "PROGRESS_EVERY")


def use_workers(monkeypatch) -> None:
    for knob in WORKER_KNOBS:
        if hasattr(sitegen.build, knob):
            monkeypatch.setattr(sitegen.build, knob, 1)
            return
    pytest.fail(f"sitegen.build has none of {WORKER_KNOBS}: cannot make a small site use worker processes")


def record_render_pids(monkeypatch, log: Path) -> None:
    """Append the id of the process that renders each page to `log` (one line each). A
    page takes 10 ms at least, so a forked process has started before this one has
    rendered them all."""
    render = sitegen.render.Renderer.render

    def recording(self, page):
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(f"{os.getpid()}\n")
        time.sleep(0.01)
        return render(self, page)

    monkeypatch.setattr(sitegen.render.Renderer, "render", recording)


def by_class(tree, tag: str, cls: str) -> list:
    return [el for el in tree.iter(tag) if cls in (el.get("class") or "").split()]


def one(elements: list):
    assert len(elements) == 1, elements
    return elements[0]


def paper_page(output: Path, paper_id: str) -> Path:
    return output / "papers" / f"{paper_id}.html"


def url_to_file(output: Path, url: str) -> Path:
    assert url.startswith(BASE_URL), url
    relative = url[len(BASE_URL):]
    if relative == "" or relative.endswith("/"):
        relative += "index.html"
    return output / relative


def page_key(page: Path, folder: Path) -> str:
    """The id or date a flat page file stands for: `papers/math.GT/0309136.html` -> `math.GT/0309136`."""
    return str(page.relative_to(folder).with_suffix(""))


def section_paper_ids(output: Path, page: Path, tree, heading_id: str) -> list[str]:
    """The paper ids listed in the `<section>` labelled by `heading_id`, in order."""
    section = one([s for s in tree.iter("section") if s.get("aria-labelledby") == heading_id])
    ids = []
    for link in by_class(section, "a", "paper-title"):
        target = resolve(output, page, link.get("href"))
        ids.append(page_key(target, output / "papers"))
    return ids


# --- the crawl --------------------------------------------------------------------

def test_every_internal_link_and_source_points_at_a_file(built_site: Path):
    assert crawl_links(built_site) > 400  # every page's header, footer and listings


def test_every_paper_has_exactly_one_page(built_site: Path):
    pages = {page_key(p, built_site / "papers") for p in (built_site / "papers").rglob("*.html")}
    assert pages == PAPERS
    for paper_id in PAPERS:
        kicker = one(by_class(parse(paper_page(built_site, paper_id)), "p", "kicker"))
        assert text(kicker).strip().startswith(f"arXiv:{paper_id}v")


def test_every_listing_day_with_papers_has_exactly_one_page(built_site: Path):
    days = {page_key(p, built_site / "days") for p in (built_site / "days").rglob("*.html")}
    assert days == {"2022/09/28", "2022/09/29"}  # 2022-09-30 is an empty digest: no page


def test_only_arxiv_categories_get_pages(built_site: Path):
    pages = {p.parent.name for p in (built_site / "categories").glob("*/index.html")}
    assert pages == CATEGORIES
    assert not list((built_site / "categories").glob("*/page/*"))  # few papers: one page each
    for page in html_files(built_site):
        for element in parse(page).iter():
            href = element.get("href") or ""
            assert not any(code in href for code in CLASSIFICATIONS), f"{page}: {href}"
    details = one(by_class(parse(paper_page(built_site, "2209.14001")), "dl", "details"))
    terms = [text(el) for el in details if el.tag == "dt"]
    values = [text(el) for el in details if el.tag == "dd"]
    classified = values[terms.index("Classifications")]
    assert "68T45" in classified and "I.4.8" in classified
    categories = values[terms.index("Categories")]
    assert "Computer Vision and Pattern Recognition (cs.CV)" in categories
    assert "68T45" not in categories and "I.4.8" not in categories


def test_every_author_has_exactly_one_page(built_site: Path):
    names = {}
    for page in (built_site / "authors").rglob("*.html"):
        name = text(one(list(parse(page).iter("h1"))))
        assert name not in names, f"{name} has two pages: {names.get(name)} and {page}"
        names[name] = page
    assert set(names) == AUTHORS
    # Every author link anywhere leads to the page of the name it shows.
    for page in html_files(built_site):
        tree = parse(page)
        for container in by_class(tree, "p", "byline") + by_class(tree, "span", "authors"):
            for link in container.iter("a"):
                target = resolve(built_site, page, link.get("href"))
                assert target == names[text(link)].resolve(), f"{page}: {text(link)} -> {target}"


def test_names_with_the_same_slug_get_separate_pages(built_site: Path):
    pages = {}
    for page in (built_site / "authors").rglob("*.html"):
        tree = parse(page)
        pages[text(one(list(tree.iter("h1"))))] = (page, tree)
    accented, plain = pages["José García"], pages["Jose Garcia"]
    assert accented[0] != plain[0]
    assert section_paper_ids(built_site, accented[0], accented[1], "papers-heading") == ["2209.14001"]
    assert section_paper_ids(built_site, plain[0], plain[1], "papers-heading") == ["2209.14002"]


# --- text stays text ----------------------------------------------------------------

def test_titles_that_look_like_html_are_text(built_site: Path):
    page = paper_page(built_site, "2209.14001")
    tree = parse(page)
    assert text(one(list(tree.iter("h1")))) == "How <SEG> Token Works"
    assert text(one(list(tree.iter("title")))).startswith("How <SEG> Token Works")
    for path in html_files(built_site):
        raw = path.read_text(encoding="utf-8")
        assert "<SEG>" not in raw and "<seg" not in raw.lower(), path
        assert not list(parse(path).iter("seg")), path
    for path in [page, built_site / "days/2022/09/28.html", built_site / "authors/alice-smith.html"]:
        raw = path.read_text(encoding="utf-8")
        assert "&lt;SEG&gt;" in raw, path
        titles = [text(a) for a in by_class(parse(path), "a", "paper-title")] or [text(next(parse(path).iter("h1")))]
        assert "How <SEG> Token Works" in titles, path


def test_title_with_math_and_markup_characters(built_site: Path):
    tree = parse(paper_page(built_site, "2209.14002"))
    h1 = one(list(tree.iter("h1")))
    assert text(h1) == r"\ell_0 Minimization & 1 + 1 < 1"
    math = one(by_class(h1, "span", "math"))
    assert text(math) == r"\ell_0"
    day = parse(built_site / "days/2022/09/29.html")
    assert r"\ell_0 Minimization & 1 + 1 < 1" in [text(a) for a in by_class(day, "a", "paper-title")]


def test_abstract_script_is_text_not_an_element(built_site: Path):
    tree = parse(paper_page(built_site, "2209.14001"))
    abstract = one(by_class(tree, "div", "abstract"))
    assert "<script>alert(1)</script>" in text(abstract)
    assert not list(abstract.iter("script"))
    assert one(by_class(abstract, "span", "math")).text == "x^2"
    for path in html_files(built_site):  # no inline script anywhere: every script is a file
        for script in parse(path).iter("script"):
            assert script.get("src") and not (script.text or "").strip(), path


def test_entities_in_data_are_not_decoded(built_site: Path):
    tree = parse(paper_page(built_site, "2209.14001"))
    abstract = text(one(by_class(tree, "div", "abstract")))
    assert "AT&amp;T" in abstract  # the data says "&amp;" and the reader sees "&amp;"
    assert "AT&T" not in abstract
    assert "R&D" in abstract and "a < b" in abstract
    for path in html_files(built_site):
        assert "&amp;amp;" not in text(parse(path)), path


def test_javascript_urls_never_become_links(built_site: Path):
    for path in html_files(built_site):
        for element in parse(path).iter():
            for attribute in ("href", "src", "action", "formaction"):
                value = (element.get(attribute) or "").strip().lower()
                assert not value.startswith("javascript:"), f"{path}: {attribute}={value}"
    tree = parse(paper_page(built_site, "2209.14001"))
    details = one(by_class(tree, "dl", "details"))
    terms = [el for el in details if el.tag == "dt"]
    comment = [el for el in details if el.tag == "dd"][[text(t) for t in terms].index("Comment")]
    assert "javascript:alert(1)" in text(comment)
    assert [a.get("href") for a in comment.iter("a")] == ["https://example.com/seg?a=1&b=2"]
    abstract = one(by_class(tree, "div", "abstract"))
    assert "[docs](javascript:alert(1))" in text(abstract)
    assert "<javascript:alert(1)>" in text(abstract)
    assert not list(abstract.iter("a"))


def test_markdown_looking_characters_in_an_abstract_stay_text(built_site: Path):
    # digest-format.md: backticks and Markdown-looking characters are text, never markup.
    # LaTeX quotes (``effective'', `tight') are common in real abstracts (59 of 19,684 in 2022
    # cs.CV), and CIE L*a*b* is a colour space, not emphasis.
    tree = parse(paper_page(built_site, "2209.14003"))
    abstract = one(by_class(tree, "div", "abstract"))
    assert " ".join(text(abstract).split()) == (
        "A machine learning paper cross-listed to computer vision. We call such samples ``effective'' in "
        "`tight' or `loose' localities, work in the CIE L*a*b* space, and cite ![logo](https://example.com/logo.png) as text.")
    for tag in ("code", "em", "strong", "img"):
        assert not list(abstract.iter(tag)), f"data became a <{tag}> element"


def test_dois_link_to_doi_org(built_site: Path):
    expected = {
        "2209.14001": ["10.1007/978-3-030-94893-1_16", "10.1109/CVPR.2022.00001"],  # glued duplicate merged
        "2209.14100": ["10.1000/plain.1"],  # repeated DOI merged
        "2209.14002": [],
    }
    for paper_id, dois in expected.items():
        tree = parse(paper_page(built_site, paper_id))
        details = one(by_class(tree, "dl", "details"))
        terms = [text(el) for el in details if el.tag == "dt"]
        if not dois:
            assert "DOI" not in terms
            continue
        dd = [el for el in details if el.tag == "dd"][terms.index("DOI")]
        assert [(a.get("href"), text(a)) for a in dd.iter("a")] == [("https://doi.org/" + d, d) for d in dois]
        doi_links = [el.get("href") for el in tree.iter("a") if "doi" in (el.get("href") or "")]
        assert all(href.startswith("https://doi.org/10.") for href in doi_links)
        metas = [m.get("content") for m in tree.iter("meta") if m.get("name") == "citation_doi"]
        assert metas == dois


# --- days, papers listed twice, categories -----------------------------------------

def _day(built_site: Path, day: str):
    page = built_site / "days" / f"{day}.html"
    return page, parse(page)


def _count(tree, heading_id: str) -> str:
    heading = one([h for h in tree.iter("h2") if h.get("id") == heading_id])
    return text(one(by_class(heading, "span", "count")))


def _pager(built_site: Path, page: Path, tree) -> dict[str, Path]:
    nav = one(by_class(tree, "nav", "pager"))
    return {a.get("rel"): resolve(built_site, page, a.get("href")) for a in nav.iter("a")}


def test_day_page_splits_new_papers_and_cross_lists(built_site: Path):
    page, tree = _day(built_site, "2022/09/28")
    assert text(one(list(tree.iter("h1")))) == "28 September 2022"
    assert set(section_paper_ids(built_site, page, tree, "new-heading")) == {"2209.14001", "2209.14002"}
    assert set(section_paper_ids(built_site, page, tree, "cross-heading")) == {"math.GT/0309136", "2209.14003"}
    assert _count(tree, "new-heading") == "2" and _count(tree, "cross-heading") == "2"
    lede = " ".join(text(one(by_class(tree, "p", "lede"))).split())
    assert lede.startswith("2 new papers and 2 cross-lists in")
    assert _pager(built_site, page, tree) == {"next": (built_site / "days/2022/09/29.html").resolve()}

    page, tree = _day(built_site, "2022/09/29")
    assert set(section_paper_ids(built_site, page, tree, "new-heading")) == {"2209.14002", "2209.14100", "2209.14200"}
    assert set(section_paper_ids(built_site, page, tree, "cross-heading")) == {"2209.14101", "2209.14201"}
    assert _count(tree, "new-heading") == "3" and _count(tree, "cross-heading") == "2"
    lede = " ".join(text(one(by_class(tree, "p", "lede"))).split())
    assert lede.startswith("3 new papers and 2 cross-lists in")
    assert "(cs.CV)" in lede and "(cs.LG)" in lede
    # 2022-09-30 is empty: no page, so the 29th is the last day and has no "next".
    assert _pager(built_site, page, tree) == {"prev": (built_site / "days/2022/09/28.html").resolve()}


def test_paper_listed_on_two_days_shows_both_and_the_newest_version(built_site: Path):
    page = paper_page(built_site, "2209.14002")
    tree = parse(page)
    details = one(by_class(tree, "dl", "details"))
    terms = [text(el) for el in details if el.tag == "dt"]
    values = [el for el in details if el.tag == "dd"]
    listed = values[terms.index("Listed")]
    assert [resolve(built_site, page, a.get("href")) for a in listed.iter("a")] == [
        (built_site / "days/2022/09/28.html").resolve(), (built_site / "days/2022/09/29.html").resolve()]
    assert text(one(by_class(tree, "p", "kicker"))).strip().startswith("arXiv:2209.14002v2")
    assert text(values[terms.index("Comment")]) == "Second version, revised"
    assert "(version 2)" in text(values[terms.index("Updated")])
    assert "29 September 2022" in text(values[terms.index("Updated")])
    assert "minimise" in text(one(by_class(tree, "div", "abstract")))
    for path in html_files(built_site):  # v1's title and abstract are gone everywhere
        raw = path.read_text(encoding="utf-8")
        assert "Draft:" not in raw and "first version of this abstract" not in raw, path


def test_times_read_in_utc_whatever_offset_the_digest_gave():
    long_date = sitegen.render._long_date
    tokyo = datetime(2022, 10, 1, 8, 0, tzinfo=timezone(timedelta(hours=9)))
    assert long_date(tokyo) == "30 September 2022, 23:00 UTC"
    assert long_date(tokyo.date()) == "1 October 2022"


def test_category_page_has_an_inline_chart(built_site: Path):
    tree = parse(built_site / "categories/cs.CV/index.html")
    assert text(one(list(tree.iter("h1")))).startswith("Computer Vision and Pattern Recognition")
    svg = one([svg for svg in tree.iter(f"{SVG}svg") if svg.get("class") == "by-month"])
    bars = list(svg.iter(f"{SVG}rect"))
    assert bars and sum(1 for bar in bars if float(bar.get("height")) > 0) == 2  # Sep 2003 and Sep 2022
    listed = [page_key(resolve(built_site, built_site / "categories/cs.CV/index.html", a.get("href")),
                           built_site / "papers") for a in by_class(tree, "a", "paper-title")]
    assert set(listed) == {"2209.14001", "2209.14002", "2209.14003", "2209.14100", "2209.14101", "math.GT/0309136"}


def test_archive_counts_papers_not_listings(built_site: Path):
    # 2209.14002 is listed on the 28th (v1) and the 29th (v2): one paper, counted once.
    # The day cells count that day's papers; the year and month totals count papers.
    tree = parse(built_site / "archive/index.html")
    year = one([h for h in tree.iter("h2") if h.get("id") == "y2022"])
    assert text(one(by_class(year, "span", "count"))) == f"{len(PAPERS)} papers"
    september = one([t for t in tree.iter("table") if t.get("id") == "m2022-09"])
    assert text(one(by_class(next(september.iter("caption")), "span", "count"))) == str(len(PAPERS))
    titles = [a.get("title") for a in september.iter("a")]
    assert titles == ["28 September 2022: 4 papers", "29 September 2022: 5 papers"]


# --- feeds, sitemap, robots, assets -----------------------------------------------

@pytest.mark.parametrize(("feed", "papers"), [
    ("feed.xml", PAPERS),
    ("categories/cs.CV/feed.xml", {"2209.14001", "2209.14002", "2209.14003", "2209.14100", "2209.14101",
                                   "math.GT/0309136"}),
])
def test_feeds_are_atom_with_absolute_urls(built_site: Path, feed: str, papers: set[str]):
    root = ET.parse(built_site / feed).getroot()
    assert root.tag == f"{ATOM}feed"
    assert root.find(f"{ATOM}id").text.startswith(BASE_URL)
    for link in root.iter(f"{ATOM}link"):
        assert link.get("href").startswith(BASE_URL), link.get("href")
        assert url_to_file(built_site, link.get("href")).is_file(), link.get("href")
    entries = root.findall(f"{ATOM}entry")
    found = set()
    for entry in entries:
        assert entry.find(f"{ATOM}id").text.startswith(BASE_URL)
        href = entry.find(f"{ATOM}link").get("href")
        found.add(page_key(url_to_file(built_site, href), built_site / "papers"))
    assert found == papers and len(entries) == len(papers)
    titles = {entry.find(f"{ATOM}title").text: entry for entry in entries}
    seg = titles["How <SEG> Token Works"]
    assert "AT&amp;T" in seg.find(f"{ATOM}summary").text
    assert "<script>alert(1)</script>" in seg.find(f"{ATOM}summary").text


def test_sitemap_lists_every_page_with_absolute_urls(built_site: Path):
    root = ET.parse(built_site / "sitemap.xml").getroot()
    locs = [loc.text for loc in root.iter(f"{SITEMAP}loc")]
    assert len(locs) == len(set(locs))
    assert all(loc.startswith(BASE_URL) for loc in locs)
    listed = {url_to_file(built_site, loc) for loc in locs}
    pages = {path for path in html_files(built_site) if path.name != "404.html"}
    assert listed == pages
    for loc in locs:  # each page names its sitemap URL as canonical
        tree = parse(url_to_file(built_site, loc))
        canonical = one([link for link in tree.iter("link") if link.get("rel") == "canonical"])
        assert canonical.get("href") == loc


def test_robots_names_the_sitemap(built_site: Path):
    robots = (built_site / "robots.txt").read_text(encoding="utf-8")
    assert f"Sitemap: {BASE_URL}sitemap.xml" in robots.splitlines()


def test_assets_have_content_hashed_names(built_site: Path):
    versioned = {f"{name}-{json.loads((NODE_MODULES / name / 'package.json').read_text(encoding='utf-8'))['version']}"
                 for name in ("katex", "lunr")}
    themed = []
    for path in sorted((built_site / "assets").rglob("*")):
        if not path.is_file():
            continue
        relative = path.relative_to(built_site / "assets")
        if relative.parts[0] in versioned:
            continue  # npm libraries are published under their exact version: new version, new folder
        match = re.fullmatch(r"(?P<stem>.+)\.(?P<hash>[0-9a-f]{10})\.(?P<ext>[a-z0-9]+)", path.name)
        assert match, f"asset without a content hash: {relative}"
        assert hashlib.sha256(path.read_bytes()).hexdigest()[:10] == match["hash"], relative
        themed.append(f"{match['stem']}.{match['ext']}")
    assert sorted(themed) == ["favicon.svg", "following.js", "search.js", "site.js", "style.css"]
    tree = parse(built_site / "index.html")
    referenced = {el.get("href") or el.get("src") for el in tree.iter() if el.tag in ("link", "script")}
    assert {url for url in referenced if url.startswith("assets/") and "/katex-" not in url} == {
        f"assets/{path.name}" for path in (built_site / "assets").iterdir()
        if path.is_file() and not path.name.startswith("search.")}


# --- the build as a whole -----------------------------------------------------------

def _theme(root: Path, name: str, paper_template: str) -> Path:
    templates = root / "themes" / name / "templates"
    templates.mkdir(parents=True)
    (templates / "paper.html").write_text(paper_template, encoding="utf-8")
    return templates / "paper.html"


CUSTOM_PAPER = """{% extends "base.html" %}
{% block main %}
<p class="custom-marker">Custom paper page</p>
<h1>{{ page.title_html }}</h1>
{% endblock %}
"""


def test_theme_overrides_one_template_and_leaves_the_rest(tmp_path: Path):
    quiet_build(make_config(tmp_path / "plain"))
    _theme(tmp_path, "custom", CUSTOM_PAPER)
    quiet_build(make_config(tmp_path / "themed", theme="custom", themes_dir=str(tmp_path / "themes")))
    plain, themed = snapshot(tmp_path / "plain/output"), snapshot(tmp_path / "themed/output")
    assert plain.keys() == themed.keys()
    for name in plain:
        if name.startswith("papers/"):
            assert b"custom-marker" in themed[name] and plain[name] != themed[name], name
            assert b"custom-marker" not in plain[name], name
        else:
            assert plain[name] == themed[name], name
    assert plain["days/2022/09/28.html"] == themed["days/2022/09/28.html"]


BROKEN = [
    pytest.param('{% extends "base.html" %}\n{% block main %}\n<p>x</p>\n{{ page.nope }}\n{% endblock %}\n', 4,
                 id="undefined"),
    pytest.param('{% extends "base.html" %}\n{% block main %}\n{% if %}\n{% endblock %}\n', 3, id="syntax"),
]


@pytest.mark.parametrize("jobs", [1, 2])
@pytest.mark.parametrize(("template", "line"), BROKEN)
def test_failed_build_names_the_template_and_keeps_the_old_site(tmp_path: Path, site_config, monkeypatch,
                                                                 template: str, line: int, jobs: int):
    if jobs > 1:
        use_workers(monkeypatch)
    config = site_config
    quiet_build(config)
    before = snapshot(config.output_path)
    broken = _theme(tmp_path, "broken", template)
    with pytest.raises(BuildError) as caught:
        quiet_build(config.with_changes(theme="broken", themes_dir=str(tmp_path / "themes")), jobs=jobs)
    assert f"{broken}:{line}:" in str(caught.value)
    assert snapshot(config.output_path) == before
    # beside the output only its lock, the spare folder and the cache, which incremental builds keep by design
    assert sorted(path.name for path in tmp_path.iterdir()) == [".output.lock", ".output.next", ".sitegen-cache", "output", "themes"]


def test_cli_build_failure_exits_1_with_the_message_and_no_traceback(tmp_path: Path, capsys):
    broken = _theme(tmp_path, "broken", BROKEN[0].values[0])
    (tmp_path / "sitegen.yaml").write_text(
        f"content_dir: {json.dumps(str(SITE_CONTENT))}\noutput_dir: output\nbase_url: {BASE_URL}\n"
        "theme: broken\nthemes_dir: themes\n", encoding="utf-8")
    assert main(["build", "--config", str(tmp_path / "sitegen.yaml")]) == 1
    captured = capsys.readouterr()
    assert f"{broken}:4:" in captured.err
    assert "'nope'" in captured.err
    assert "Traceback" not in captured.err + captured.out
    assert not (tmp_path / "output").exists()
    assert sorted(path.name for path in tmp_path.iterdir()) == [".output.lock", ".output.next", ".sitegen-cache", "sitegen.yaml", "themes"]


def test_two_builds_are_byte_identical(tmp_path: Path):
    quiet_build(make_config(tmp_path / "a"))
    quiet_build(make_config(tmp_path / "b"))
    first, second = snapshot(tmp_path / "a/output"), snapshot(tmp_path / "b/output")
    assert first.keys() == second.keys()
    assert [name for name in first if first[name] != second[name]] == []


def test_the_search_stage_beside_rendering_reports_its_cpu_time(tmp_path: Path):
    """Its wall time grows with what runs beside it; its CPU time is the work it did."""
    out = io.StringIO()
    sitegen.build.build_site(make_config(tmp_path), jobs=2, report=sitegen.build.Report(out=out))
    line = next(line for line in out.getvalue().splitlines() if line.startswith("search "))
    match = re.fullmatch(r"search +([\d.]+) s  \(in a process of its own, beside rendering: ([\d.]+) s of CPU\)", line)
    assert match and float(match[2]) <= float(match[1]) + 0.02, line  # one process: no more CPU than wall


@pytest.mark.parametrize("renewed", [False, True])
def test_parallel_build_is_byte_identical_to_serial(tmp_path: Path, monkeypatch, renewed: bool):
    """Renewed: each forked worker renders two pages, then a fresh one takes its place."""
    use_workers(monkeypatch)
    if renewed:
        monkeypatch.setattr(sitegen.build, "RENEW_AFTER", 2)
        # not held while the search data is made: the worker renders from the first page
        monkeypatch.setattr(sitegen.parallel.Background, "running", lambda background: False)
    log = tmp_path / "render-pids"
    record_render_pids(monkeypatch, log)
    quiet_build(make_config(tmp_path / "serial"), jobs=1)
    assert set(log.read_text().split()) == {str(os.getpid())}
    log.unlink()
    quiet_build(make_config(tmp_path / "parallel"), jobs=2)
    renderers = set(log.read_text().split())
    assert str(os.getpid()) in renderers  # this process and forked ones shared the work
    assert len(renderers) >= 5 if renewed else len(renderers) == 2  # renewed: 14 pages, two a worker
    serial, parallel = snapshot(tmp_path / "serial/output"), snapshot(tmp_path / "parallel/output")
    assert serial.keys() == parallel.keys()
    assert [name for name in serial if serial[name] != parallel[name]] == []


def test_rebuild_removes_pages_that_no_longer_belong(tmp_path: Path):
    content = tmp_path / "content"
    shutil.copytree(SITE_CONTENT, content)
    config = make_config(tmp_path / "site", content=content)
    quiet_build(config)
    gone = ["papers/2209.14200.html", "papers/2209.14201.html", "authors/grace-hall.html",
            "authors/heidi-stone.html", "categories/stat.ML/index.html", "categories/stat.ML/feed.xml"]
    assert all((config.output_path / name).is_file() for name in gone)
    (content / "cs.LG/2022/09/20220929.md").unlink()
    quiet_build(config)
    for name in gone:
        assert not (config.output_path / name).exists(), name
    fresh = make_config(tmp_path / "fresh", content=content)
    quiet_build(fresh)
    assert snapshot(config.output_path) == snapshot(fresh.output_path)
    assert sorted(p.name for p in (tmp_path / "site").iterdir()) == [".output.lock", ".output.next", ".sitegen-cache", "output"]


WORKER_DIES = """
import io, os, sys
from pathlib import Path
sys.path.insert(0, {tests!r})
import sitegen.build as build
import sitegen.render as render
from conftest import make_config

for knob in {knobs!r}:
    if hasattr(build, knob):
        setattr(build, knob, 1)
        break
parent = os.getpid()
real_render = render.Renderer.render

def dying(self, page):  # a forked worker dies abruptly on its first page (OOM kill, crash)
    if os.getpid() != parent:
        os._exit(7)
    return real_render(self, page)

def search_dying(*args):  # the process making the search data dies abruptly
    os._exit(7)

if {search!r}:
    build._search_data = search_dying
else:
    render.Renderer.render = dying
try:
    build.build_site(make_config(Path({root!r})), jobs=2, report=build.Report(out=io.StringIO()))
except build.BuildError as exc:
    print(exc)
    sys.exit(1)
"""


@pytest.mark.parametrize("search", [False, True], ids=["rendering", "search"])
def test_a_worker_that_dies_fails_the_build_instead_of_hanging(tmp_path: Path, search: bool):
    script = WORKER_DIES.format(tests=str(Path(__file__).parent), root=str(tmp_path), knobs=WORKER_KNOBS,
                                search=search)
    process = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, start_new_session=True)
    try:
        out, _ = process.communicate(timeout=8)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)  # its own session: only the build and its workers
        process.communicate()
        pytest.fail("the build hung for 8 s after a worker died")
    assert process.returncode == 1, out
    assert re.search(r"worker.* died \(exit code 7\)", out), out
    assert "output" not in {path.name for path in tmp_path.iterdir()}  # nothing was published
