"""Hostile input: markup, scripts, unsafe URLs, odd Unicode and letter case in every field.

`fixtures/hostile/payloads` puts the payloads below into the title, authors, categories,
DOI, links, comment, journal and abstract of one paper; `fixtures/hostile/case` holds
category codes and old-style ids that differ only in letter case. Every output file is
parsed (html5lib for pages, an XML parser for feeds and the sitemap, Node for the search
data) and must show the data as text, exactly as written, and nothing from it as markup.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import unicodedata
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urlsplit

import html5lib
import pytest
from hypothesis import example, given, strategies as st

from sitegen import feeds, routes
from sitegen.errors import BuildError
from sitegen.publish import safe_relative
from sitegen.digest import parse_digest
from sitegen.markup import _PLAIN, linked_text, safe_href, text_html
from sitegen.views import doi_url

from conftest import BASE_URL, SITE_CONTENT, make_config, quiet_build

HOSTILE = Path(__file__).parent / "fixtures" / "hostile"
PAYLOADS = HOSTILE / "payloads" / "content"
CASE = HOSTILE / "case" / "content"
HOSTILE_ID = "2209.19001"
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
SVG = "{http://www.w3.org/2000/svg}"
# What the payloads would make if any of them became markup.
FORBIDDEN_TAGS = {"img", "svg", "iframe", "object", "embed", "title", "script", "style", "base", "form"}

UNSAFE_URLS = ["javascript:alert(1)", "JaVaScRiPt:alert(1)", "java\tscript:alert(1)", "java\nscript:alert(1)",
               " javascript:alert(1)", "vbscript:msgbox(1)", "VBSCRIPT:msgbox(1)", "data:text/html,<script>alert(1)</script>",
               "DATA:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "file:///etc/passwd", "ftp://x.org/",
               "//evil.example/", "&#106;avascript:alert(1)", "jav&#x09;ascript:alert(1)", "\x01javascript:alert(1)"]


# --- helpers ----------------------------------------------------------------------

def parse(path: Path):
    return html5lib.parse(path.read_bytes(), namespaceHTMLElements=False)


def text(element) -> str:
    return "".join(element.itertext())


def local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def the_entry(content: Path = PAYLOADS):
    """The hostile paper as the reader sees it: the text every output must show."""
    source = next(content.rglob("*.md"))
    digest = parse_digest(source.read_text(encoding="utf-8"), str(source))
    return next(entry for entry in digest.entries if entry.id == HOSTILE_ID)


def without_math_delimiters(value: str) -> str:
    """The text a reader sees before KaTeX runs: `$…$` and `$$…$$` lose their dollars."""
    return value.replace("$", "")


def output_files(output: Path, *patterns: str) -> list[Path]:
    return sorted(path for pattern in patterns for path in output.rglob(pattern))


def search_calls(output: Path) -> list:
    """Every `sitegenSearch.<name>(n, data)` call the search data files make, run by Node."""
    script = r"""
const fs = require("fs"), vm = require("vm");
const calls = [];
const sitegenSearch = new Proxy({}, {get: (_, name) => (number, data) => calls.push([name, number, data])});
for (const file of process.argv.slice(1)) vm.runInNewContext(fs.readFileSync(file, "utf8"), {sitegenSearch, JSON});
process.stdout.write(JSON.stringify(calls));
"""
    files = [str(path) for path in output_files(output / "search", "*.js")]
    done = subprocess.run(["node", "-e", script, *files], capture_output=True, text=True, check=True, timeout=60)
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("hostile")
    config = make_config(root, content=PAYLOADS)
    quiet_build(config)
    return config.output_path


def markup_vocabulary(output: Path) -> tuple[set[str], set[str]]:
    tags, attributes = set(), set()
    for page in output_files(output, "*.html"):
        for element in parse(page).iter():
            if isinstance(element.tag, str):
                tags.add(local(element.tag))
                attributes.update(element.keys())
    return tags, attributes


# --- no markup from data ---------------------------------------------------------

def test_no_element_or_attribute_comes_from_data(hostile_site: Path, built_site: Path):
    theme_tags, theme_attributes = markup_vocabulary(built_site)
    tags, attributes = markup_vocabulary(hostile_site)
    assert tags <= theme_tags | {"span"}, tags - theme_tags
    assert attributes <= theme_attributes, attributes - theme_attributes
    for page in output_files(hostile_site, "*.html"):
        tree = parse(page)
        for element in tree.iter():
            if not isinstance(element.tag, str):
                continue
            name = local(element.tag)
            assert not [key for key in element.keys() if key.lower().startswith("on")], (page, element.attrib)
            if name in FORBIDDEN_TAGS - {"title", "script", "svg", "form"}:
                pytest.fail(f"{page}: <{name}> from data")
        assert len(list(tree.iter("title"))) == 1, page
        for script in tree.iter("script"):  # only the theme's files: no inline code, nothing else
            src = script.get("src") or ""
            assert re.fullmatch(r"(\.\./)*(/archive/)?assets/[\w.-]+/?[\w.-]*\.js", src) and not (script.text or "").strip(), page
        assert len(list(tree.iter("form"))) <= 2, page
        assert all(svg.get("role") == "img" for svg in tree.iter(f"{SVG}svg")), page


def test_no_unescaped_angle_bracket_from_data_in_any_file(hostile_site: Path):
    # (The search data are script files: there the payloads are JavaScript strings, checked below.)
    for path in output_files(hostile_site, "*.html", "*.xml", "*.txt"):
        if "assets" in path.relative_to(hostile_site).parts:
            continue
        raw = path.read_text(encoding="utf-8")
        for needle in ("<script>alert", "<img", "<svg onload", "<svg/onload", "</title><script"):
            assert needle not in raw.lower(), f"{path}: {needle}"


def test_text_reads_exactly_as_written(hostile_site: Path):
    entry = the_entry()
    page = hostile_site / "papers" / f"{HOSTILE_ID}.html"
    tree = parse(page)
    h1 = next(tree.iter("h1"))
    assert text(h1) == without_math_delimiters(entry.title)
    assert text(next(tree.iter("title"))).startswith(entry.title + " · ")
    metas = {}
    for meta in tree.iter("meta"):
        metas.setdefault(meta.get("name"), []).append(meta.get("content"))
    assert metas["citation_title"] == [entry.title]
    assert metas["citation_author"] == list(entry.authors)
    assert metas["citation_doi"] == list(entry.dois)
    assert metas["citation_journal_title"] == [entry.journal]
    assert metas["description"][0].startswith(entry.title + " by ")
    byline = next(el for el in tree.iter("p") if el.get("class") == "byline")
    assert [text(a) for a in byline.iter("a")] == list(entry.authors)
    abstract = next(el for el in tree.iter("div") if el.get("class") == "abstract")
    assert text(abstract) == without_math_delimiters(entry.summary)
    assert "\u2028" in text(abstract) and "\u202e" in text(abstract) and "👩🏽‍🔬" in text(abstract)
    details = next(el for el in tree.iter("dl") if el.get("class") == "details")
    terms = [text(el) for el in details if el.tag == "dt"]
    values = [el for el in details if el.tag == "dd"]
    assert text(values[terms.index("Comment")]) == without_math_delimiters(entry.comment)
    assert text(values[terms.index("Journal ref.")]) == without_math_delimiters(entry.journal)
    assert text(values[terms.index("Classifications")]).startswith("; ".join(entry.classifications))
    assert [text(a) for a in values[terms.index("DOI")].iter("a")] == list(entry.dois)
    bibtex = text(next(tree.iter("pre")))
    assert "</title><script>alert(1)</script>" in bibtex
    # Every page and attribute: the data's "&amp;" is read as "&amp;", never as "&amp;amp;".
    for path in output_files(hostile_site, "*.html"):
        tree = parse(path)
        assert "&amp;amp;" not in text(tree), path
        assert not [value for el in tree.iter() for value in el.attrib.values() if "&amp;amp;" in value], path
    author = parse(next((hostile_site / "authors").glob("alice-*.html")))
    assert text(next(author.iter("h1"))) == "Alice </title><script>alert(1)</script>"
    assert text(next(author.iter("title"))).startswith("Alice </title><script>alert(1)</script> · ")


@given(st.text())
@example('both " and \' quotes, & <tags>')
@example("a\ttab, a\nnew line, a\r\nreturn")
def test_feed_text_and_attributes_read_back_as_written(value: str):
    """What XML 1.0 can carry comes back from a parser unchanged, in text and in attributes."""
    element = ET.fromstring(f"<a b={feeds.quoteattr(value)}>{feeds.escape(value)}</a>")
    carried = feeds.NOT_XML.sub("", value).replace("\r\n", "\n").replace("\r", "\n")  # the parser's line ends
    assert (element.text or "") == carried
    assert element.get("b") == feeds.NOT_XML.sub("", value)


def test_feeds_and_sitemap_carry_the_text_as_written(hostile_site: Path):
    entry = the_entry()
    for feed in ("feed.xml", "categories/cs.CV/feed.xml"):
        root = ET.parse(hostile_site / feed).getroot()
        assert {local(el.tag) for el in root.iter()} <= {
            "feed", "title", "id", "link", "updated", "generator", "entry", "published", "author", "name",
            "category", "summary"}
        item = next(el for el in root.iter(f"{ATOM}entry") if el.find(f"{ATOM}id").text.endswith(f"/{HOSTILE_ID}.html"))
        assert item.find(f"{ATOM}title").text == entry.title
        assert item.find(f"{ATOM}summary").text == entry.summary
        assert [el.text for el in item.iter(f"{ATOM}name")] == list(entry.authors)
        assert [el.get("term") for el in item.iter(f"{ATOM}category")] == list(entry.categories)
    root = ET.parse(hostile_site / "sitemap.xml").getroot()
    for loc in root.iter(f"{SITEMAP}loc"):
        assert loc.text.startswith(BASE_URL) and re.fullmatch(r"[\w./:~-]+", loc.text), loc.text


def test_search_data_carries_the_text_as_written(hostile_site: Path):
    entry = the_entry()
    docs = [doc for name, _, data in search_calls(hostile_site) if name == "addDocs" for doc in data]
    record = next(doc for doc in docs if doc[0] == HOSTILE_ID)
    assert record[1] == routes.paper(HOSTILE_ID)
    assert record[2] == entry.title
    assert record[3] == list(entry.authors[:8])
    assert entry.summary.startswith(record[-1])


# --- links -------------------------------------------------------------------------

@pytest.mark.parametrize("url", UNSAFE_URLS)
def test_unsafe_schemes_never_become_links(url: str):
    assert safe_href(url) is None
    for html in (linked_text(f"see {url} now"), text_html(f"see {url} now"), text_html(f"[x]({url})"),
                 text_html(f"<{url}>")):
        tree = html5lib.parseFragment(str(html), namespaceHTMLElements=False)
        hrefs = [a.get("href") for a in tree.iter("a")]
        assert all(href.lower().startswith(("http://", "https://", "mailto:")) for href in hrefs), (url, html)
        assert not any("script" in href.lower() for href in hrefs), (url, html)


TEXT_PIECES = st.sampled_from(["a", " ", "\n", "\r", "\t", "$", "$$", "\\", "`", "*", "_", "<b>", "&amp;", "&",
                                "[x](y)", "https://x.org/a_(b)", "www.x.org.", "a@b.org", "mailto:c@d.io", "(",
                                ")", "#", "> ", "1. ", "\u2028", "é", "\x00", "~~", "!"])


@given(st.lists(TEXT_PIECES, max_size=12).map("".join))
def test_text_without_math_skips_markdown_it_with_the_same_html(text: str):
    assert text_html(text) == _PLAIN.renderInline(text)


@pytest.mark.parametrize(("source", "href"), [
    ("https://example.com/a?b=1&c=2", "https://example.com/a?b=1&c=2"),
    ("HTTP://EXAMPLE.COM/", "HTTP://EXAMPLE.COM/"),
    ("www.example.net/x", "http://www.example.net/x"),
    ("mailto:someone@example.com", "mailto:someone@example.com"),
    ("someone@example.com", "mailto:someone@example.com"),
    ("https://x.org/a{b}|c^d\\e", "https://x.org/a%7Bb%7D%7Cc%5Ed%5Ce"),
    ("https://x.org/100%zz", "https://x.org/100%25zz"),
    ("https://x.org/%20ok", "https://x.org/%20ok"),
    ("https://例え.jp/パス", "https://例え.jp/パス"),
])
def test_safe_urls_are_links_with_valid_hrefs(source: str, href: str):
    tree = html5lib.parseFragment(str(text_html(f"at {source} ok")), namespaceHTMLElements=False)
    assert [a.get("href") for a in tree.iter("a")] == [href]


def test_links_from_the_data_are_safe_on_the_built_page(hostile_site: Path):
    tree = parse(hostile_site / "papers" / f"{HOSTILE_ID}.html")
    hrefs = [a.get("href") for a in tree.iter("a")]
    external = [href for href in hrefs if urlsplit(href).scheme]
    assert external and all(urlsplit(href).scheme in ("http", "https", "mailto") for href in external), external
    assert "https://arxiv.org/pdf/2209.19001" in hrefs  # the digest's javascript: PDF link is replaced
    for meta in tree.iter("meta"):
        assert not (meta.get("content") or "").lower().startswith("javascript"), meta.attrib
    for href in hrefs:
        assert not re.search(r"[\s\"<>\\^`{|}]", href), href
    assert "mailto:someone@example.com" in hrefs
    assert "https://example.com/a?b=1&c=2" in hrefs


def test_doi_urls_are_percent_encoded():
    assert doi_url("10.1000/plain.1") == "https://doi.org/10.1000/plain.1"
    assert doi_url('10.1234/"><x>?#%') == "https://doi.org/10.1234/%22%3E%3Cx%3E%3F%23%25"
    assert doi_url("10.1002/(SICI)1097-4636(199606)31:2<167::AID-JBM3>3.0.CO;2-O") == (
        "https://doi.org/10.1002/(SICI)1097-4636(199606)31:2%3C167::AID-JBM3%3E3.0.CO;2-O")


# --- a digest's heading is data too --------------------------------------------------

ENTRY = """### A paper
- **Arxiv ID**: http://arxiv.org/abs/2209.1950{n}v1
- **DOI**: None
- **Categories**: **cs.CV**
- **Links**: [PDF](http://arxiv.org/pdf/2209.1950{n}v1)
- **Published**: 2022-09-29 01:00:00+00:00
- **Updated**: 2022-09-29 01:00:00+00:00
- **Authors**: Ann Author
- **Comment**: None
- **Journal**: None
- **Summary**: Text.
"""


def test_a_hostile_heading_category_never_becomes_a_path(tmp_path: Path):
    content = tmp_path / "content"
    content.mkdir()
    for n, category in enumerate(["<script>alert(1)</script>", "../../escape", "a/b", "cs.CV"]):
        (content / f"d{n}.md").write_text(f"# Arxiv Papers in {category} on 2022-09-29\n" + ENTRY.format(n=n),
                                          encoding="utf-8")
    config = make_config(tmp_path, content=content)
    quiet_build(config)
    output = config.output_path
    assert sorted(path.name for path in (output / "categories").iterdir()) == ["cs.CV"]
    assert not (tmp_path / "escape").exists()
    day = parse(output / "days/2022/09/29.html")
    lede = text(next(el for el in day.iter("p") if el.get("class") == "lede"))
    assert "<script>alert(1)</script>" in lede
    assert not list(day.iter("script"))[2:]  # only the theme's scripts (site.js, maybe KaTeX)


# --- letter case -----------------------------------------------------------------------

CODES = st.from_regex(r"[a-zA-Z]{1,4}(-[a-zA-Z]{1,3})?(\.[a-zA-Z-]{1,6})?", fullmatch=True)


@given(st.lists(CODES, min_size=2, max_size=6, unique=True))
def test_code_segments_never_collide_when_case_is_ignored(codes: list[str]):
    segments = [routes.code_segment(code).lower() for code in codes]
    assert len(set(segments)) == len(segments), dict(zip(codes, segments))
    papers = [routes.paper(f"{code}/0309136").lower() for code in codes]
    assert len(set(papers)) == len(papers)


def test_arxiv_spellings_keep_their_plain_urls():
    for code in ("cs.CV", "math.GT", "physics.ao-ph", "cond-mat.stat-mech", "math-ph", "q-bio.BM", "astro-ph.SR"):
        assert routes.category(code) == f"categories/{code}/index.html"
    assert routes.paper("math.GT/0309136") == "papers/math.GT/0309136.html"
    assert routes.paper("cs/9810003") == "papers/cs/9810003.html"
    assert routes.paper("2209.14475") == "papers/2209.14475.html"


def test_paths_that_differ_only_in_case_are_made_distinct(tmp_path: Path):
    config = make_config(tmp_path, content=CASE)
    quiet_build(config)
    output = config.output_path
    files = [str(path.relative_to(output)) for path in output.rglob("*") if path.is_file()]
    assert len({name.lower() for name in files}) == len(files)
    papers = {text(next(parse(page).iter("h1"))): page.relative_to(output)
              for page in (output / "papers").rglob("*.html")}
    assert papers == {
        "Upper-case subject class": Path("papers/math.GT/0309136.html"),
        "Lower-case subject class": Path("papers/math.gt~0/0309136.html"),
        "Mixed-case subject class": Path("papers/math.Gt~20/0309136.html"),
        "A new-style paper in both spellings": Path("papers/2209.19100.html"),
    }
    categories = {text(next(parse(page).iter("h1"))).split()[-1]: page.parent.name
                  for page in (output / "categories").glob("*/index.html")}
    assert categories == {"cs.CV": "cs.CV", "cs.cv": "cs.cv~0", "math.GT": "math.GT", "math.gt": "math.gt~0"}
    assert_no_dangling_links(output)
    # A case-insensitive disk or checkout: every file lands in a folder of its own.
    folded = tmp_path / "folded"
    for name in files:
        target = folded / name.lower()
        assert not target.exists(), name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((output / name).read_bytes())


# --- Unicode normal forms ------------------------------------------------------------------

def test_nfd_input_gives_byte_identical_output(tmp_path: Path):
    for form in ("NFC", "NFD"):
        content = tmp_path / form / "content"
        for source in (SITE_CONTENT, PAYLOADS):
            for path in source.rglob("*.md"):
                target = content / source.parent.name / path.relative_to(source)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(unicodedata.normalize(form, path.read_text(encoding="utf-8")), encoding="utf-8")
        quiet_build(make_config(tmp_path / form, content=content))
    nfc, nfd = snapshot(tmp_path / "NFC" / "output"), snapshot(tmp_path / "NFD" / "output")
    sources = {path.read_bytes() for path in (tmp_path / "NFD" / "content").rglob("*.md")}
    assert sources != {path.read_bytes() for path in (tmp_path / "NFC" / "content").rglob("*.md")}
    assert nfc.keys() == nfd.keys()
    assert [name for name in nfc if nfc[name] != nfd[name]] == []


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


# --- deleting a digest ------------------------------------------------------------------------

def assert_no_dangling_links(output: Path) -> None:
    """Every relative link in pages, and every URL in feeds and sitemaps, names a file."""
    base_path = urlsplit(BASE_URL).path
    for page in output_files(output, "*.html"):
        for element in parse(page).iter():
            for attribute in ("href", "src", "action"):
                url = element.get(attribute)
                if not url or url.startswith("#") or urlsplit(url).scheme:
                    continue
                path = unquote(urlsplit(url).path)
                target = output / path[len(base_path):] if path.startswith("/") else page.parent / path
                assert target.resolve().is_file(), f"{page.relative_to(output)}: {url}"
    for feed in output_files(output, "*.xml"):
        for element in ET.parse(feed).getroot().iter():
            url = element.get("href") or (element.text if local(element.tag) in ("loc", "id") else None)
            if url and url.startswith(BASE_URL):
                relative = url[len(BASE_URL):]
                target = output / (relative + "index.html" if relative == "" or relative.endswith("/") else relative)
                assert target.is_file(), f"{feed.relative_to(output)}: {url}"


def test_deleting_a_digest_removes_its_pages_and_leaves_no_dangling_link(tmp_path: Path):
    content = tmp_path / "content"
    shutil.copytree(SITE_CONTENT, content / "site")
    shutil.copytree(PAYLOADS, content / "hostile")
    config = make_config(tmp_path / "site", content=content)
    quiet_build(config)
    output = config.output_path
    alone = sorted(path.stem for path in (output / "authors").glob("*.html")
                   if path.stem.startswith(("bob-img", "carol-svg", "tick-")))
    assert len(alone) == 3
    shutil.rmtree(content / "hostile")
    quiet_build(config)
    assert not (output / "papers" / f"{HOSTILE_ID}.html").exists()
    assert not [name for name in alone if (output / "authors" / f"{name}.html").exists()]
    assert_no_dangling_links(output)
    for path in output_files(output, "*.html", "*.xml", "*.js"):
        if "assets" not in path.relative_to(output).parts:
            assert HOSTILE_ID not in path.read_text(encoding="utf-8"), path


# --- pathological sizes (how time grows with size: benchmarks/sizes.py) -------------------------

def sizes_module():
    import importlib.util
    spec = importlib.util.spec_from_file_location("sizes", Path(__file__).parent.parent / "benchmarks" / "sizes.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_pathological_sizes_build(tmp_path: Path):
    """A 1 MB single-line abstract, 2,000 authors on one paper, a 10,000-character title,
    and 5,000 papers on one day."""
    sizes = sizes_module()
    content = tmp_path / "content"
    (content / "one").mkdir(parents=True)
    (content / "day").mkdir()
    abstract = sizes.long_abstract(1_000_000).replace("2209.00001", "2209.90001")
    authors = sizes.many_authors(2_000).replace("2209.00001", "2209.90002")
    title = sizes.long_title(10_000).replace("2209.00001", "2209.90003")
    heading = abstract.split("\n", 1)[0] + "\n"
    (content / "one" / "20220929.md").write_text(
        heading + "".join(text.split("\n", 1)[1] for text in (abstract, authors, title)), encoding="utf-8")
    (content / "day" / "20220929.md").write_text(sizes.many_papers(5_000, abstract=100), encoding="utf-8")
    config = make_config(tmp_path, content=content)
    quiet_build(config, jobs=4)
    output = config.output_path
    page = (output / "papers/2209.90001.html").read_text(encoding="utf-8")  # (too big for html5lib to be quick)
    abstract = re.search(r'<div class="abstract"><p>(.*?)</p></div>', page, re.S)
    assert abstract and len(abstract.group(1)) > 1_000_000 and "\n" not in abstract.group(1)
    page = (output / "papers/2209.90002.html").read_text(encoding="utf-8")
    assert page.count('href="../authors/author-number') == 2_000
    assert len(list((output / "authors").glob("author-number*.html"))) == 2_000
    author = parse(output / "authors/author-number0-name.html")
    assert len(list(next(el for el in author.iter("ul") if el.get("class") == "coauthors").iter("li"))) == 60
    assert "and 1,939 more" in text(author)
    assert len(text(next(parse(output / "papers/2209.90003.html").iter("h1")))) > 9_500
    day = (output / "days/2022/09/29.html").read_text(encoding="utf-8")
    assert day.count('class="paper-title"') == 5_003


@pytest.mark.parametrize("path", ["/etc/passwd", "../outside.html", "papers/../../outside.html", "a\\b.html",
                                  "a\x00.html", ".."])
def test_no_file_is_written_outside_the_output_folder(path: str):
    with pytest.raises(BuildError, match="outside the output folder"):
        safe_relative(path)
    assert safe_relative("papers/2209.14475.html") == "papers/2209.14475.html"

