"""Search in a real headless Chromium over the built fixture site, opened both from
`file://` (a downloaded copy) and from a local HTTP server (a static host): known items
rank first, filters filter, results show what they should, odd queries never throw, the
header box on every page leads here and results follow typing.

Tests wait for `<body data-search-done>` (search.js sets it when a search's outcome is
shown, whatever it is) or for the page's content, never for a fixed time.
"""

from __future__ import annotations

import contextlib
import json
import random
from pathlib import Path
from urllib.parse import quote

import pytest

from conftest import make_config, quiet_build
from static_host import serving
from sitegen import search
from sitegen.archive import build_archive
from sitegen.reader import read_content

pytestmark = pytest.mark.browser

DONE = "document.body.dataset.searchDone"


def site_urls(folder: Path, http_root: str | None):
    """A function from a path of the site built in `folder` to its URL: from file://, or
    from HTTP when served at `http_root`."""
    if http_root is None:
        return lambda path="": (folder / path).as_uri() if path else folder.as_uri() + "/"
    return lambda path="": http_root + path


@pytest.fixture(scope="module")
def http_root(built_site: Path):
    with serving(built_site) as root:
        yield root


@pytest.fixture(params=["file", "http"])
def site_url(request, built_site: Path):
    """A function from a site path to its URL, from file:// or from HTTP."""
    return site_urls(built_site, request.getfixturevalue("http_root") if request.param == "http" else None)


class SearchPage:
    """The search page with its console errors, uncaught exceptions and failed requests recorded."""

    def __init__(self, context, site_url):
        self.site_url = site_url
        self.page = context.new_page()
        self.problems: list[str] = []
        self.page.on("console", self._console)
        self.page.on("pageerror", lambda error: self.problems.append(f"pageerror: {error}"))
        self.documents = 0  # documents the page has opened: a request carries the one it came from
        self.sent_from: dict[object, int] = {}
        self.page.on("framenavigated", self._navigated)
        self.page.on("request", lambda request: self.sent_from.__setitem__(request, self.documents))
        self.page.on("requestfailed", self._failed)

    def _navigated(self, frame) -> None:
        if frame == self.page.main_frame:
            self.documents += 1

    def _failed(self, request) -> None:
        """A request that the browser cut short because its page was left (the favicon of
        a page a search box navigates away from) is no failure of the site."""
        left = self.sent_from.get(request, self.documents) < self.documents
        if not (left and "ERR_ABORTED" in (request.failure or "")):
            self.problems.append(f"request failed: {request.url} ({request.failure})")

    def _console(self, message) -> None:
        if message.type == "error":
            self.problems.append(f"console: {message.text} at {message.location}")

    def open(self, query: str | None = None):
        suffix = "" if query is None else "?q=" + quote(query)
        self.page.goto(self.site_url("search/index.html") + suffix, wait_until="load")
        self.page.wait_for_function(f"{DONE} !== undefined")  # the initial search (maybe empty) is shown
        return self

    def search(self, query: str):
        """Submit `query` with Enter and wait until its outcome is shown."""
        before = self.page.evaluate(DONE)
        self.page.fill("#search-query", query)
        self.page.press("#search-query", "Enter")
        self.page.wait_for_function(f"b => {DONE} !== b", arg=before)
        self.page.wait_for_function("document.querySelectorAll('#search-results .math:not([data-typeset])').length === 0")
        return self

    @property
    def status(self) -> str:
        return self.page.locator("#search-status").inner_text()

    def ids(self) -> list[str]:
        hrefs = self.page.eval_on_selector_all("#search-results a.paper-title", "links => links.map(a => a.href)")
        return [href.split("/papers/", 1)[1].removesuffix(".html") for href in hrefs]


@pytest.fixture
def context(browser):
    context = browser.new_context()
    yield context
    context.close()


@pytest.fixture
def search_page(context, site_url):
    page = SearchPage(context, site_url).open()
    yield page
    assert page.problems == []


# --- known items -----------------------------------------------------------------------

@pytest.mark.parametrize("query, first", [
    ("Denoising Medical Images", "2209.14101"),
    ("learning features across domains", "2209.14003"),
    ("Gradient Descent Revisited", "2209.14200"),
    ("a plain segmentation baseline", "2209.14100"),
    ("2209.14201", "2209.14201"),
    ("arXiv:2209.14003v1", "2209.14003"),
    ("math.GT/0309136", "math.GT/0309136"),
    ("0309136", "math.GT/0309136"),  # an old-style id by its number alone
    ("Carol King", "math.GT/0309136"),
])
def test_known_item_ranks_first(search_page, query: str, first: str):
    search_page.search(query)
    ids = search_page.ids()
    assert ids and ids[0] == first, (query, ids, search_page.status)


def test_author_full_name_puts_their_papers_first(search_page):
    search_page.search("Alice Smith")
    ids = search_page.ids()
    assert set(ids[:3]) == {"2209.14001", "2209.14003", "2209.14101"}, ids
    # accents fold both ways: José García and Jose Garcia are found by either spelling
    for spelling in ("José García", "Jose Garcia"):
        search_page.search(spelling)
        assert set(search_page.ids()[:2]) == {"2209.14001", "2209.14002"}, spelling
    search_page.search("Grace Hall")
    assert set(search_page.ids()) == {"2209.14200", "2209.14201"}


def test_results_show_title_authors_date_categories_and_marked_snippet(search_page):
    search_page.search("cross-listed vision")
    items = search_page.page.locator("#search-results .paper-item")
    assert items.count() >= 2
    first = items.first
    paper = search_page.ids()[0]
    assert paper in {"2209.14003", "2209.14101"}
    titles = {"2209.14003": "Learning Features Across Domains", "2209.14101": "Denoising Medical Images"}
    assert first.locator("a.paper-title").inner_text() == titles[paper]
    assert first.locator("a.paper-title").get_attribute("href").endswith(f"papers/{paper}.html")
    assert "Alice Smith" in first.locator(".authors").inner_text()
    published = {"2209.14003": ("2022-09-28", "28 September 2022"), "2209.14101": ("2022-09-29", "29 September 2022")}
    assert first.locator("time").get_attribute("datetime") == published[paper][0]
    assert first.locator("time").inner_text() == published[paper][1]  # written out, as the pages write dates
    assert first.locator(".tag").count() >= 2 and first.locator(".tag.primary").count() == 1
    assert search_page.page.locator("#search-more").is_hidden()  # every result is shown: no "More results"
    marks = [text.lower() for text in first.locator(".snippet mark").all_inner_texts()]
    assert any("vision" in text for text in marks) and any("cross" in text for text in marks), marks
    # the link leads to the paper page
    first.locator("a.paper-title").click()
    search_page.page.wait_for_load_state("load")
    assert search_page.page.url.endswith(f"papers/{paper}.html")


def katex_requests(page) -> list[str]:
    """KaTeX's files the page has asked for (its script and stylesheet elements)."""
    return page.eval_on_selector_all("script[src*='katex'], link[href*='katex']", "all => all.map(e => e.src || e.href)")


def test_math_in_a_result_title_is_typeset(search_page):
    search_page.search("bandits")  # results without math: KaTeX is not loaded
    assert search_page.ids() and katex_requests(search_page.page) == []
    search_page.search("minimization")
    assert search_page.ids()[0] == "2209.14002"
    title = search_page.page.locator("#search-results a.paper-title").first
    assert title.locator(".math .katex").count() == 1
    assert "Minimization" in title.inner_text()
    assert search_page.page.locator(".katex-error").count() == 0
    assert sorted(name.rsplit("/", 1)[1] for name in katex_requests(search_page.page)) == ["katex.min.css",
                                                                                          "katex.min.js"]


# --- filters -----------------------------------------------------------------------

def test_year_filter(search_page):
    search_page.search("year:2022")
    assert set(search_page.ids()) == {"2209.14001", "2209.14002", "2209.14003", "2209.14100", "2209.14101",
                                      "2209.14200", "2209.14201"}
    search_page.search("year:2003")
    assert search_page.ids() == ["math.GT/0309136"]
    search_page.search("knot year:2022")
    assert search_page.ids() == [] and "No papers match" in search_page.status
    search_page.search("knot year:2000-2005")
    assert search_page.ids() == ["math.GT/0309136"]


def test_category_filter_keeps_the_papers_the_category_page_lists(search_page):
    """`category:` keeps papers of that primary category and papers cross-listed to it
    (2209.14001 is cs.CV with cs.LG; 2209.14201 is stat.ML with cs.LG), like the
    category's page; other papers go, whatever they match."""
    search_page.search("category:cs.LG")
    assert set(search_page.ids()) == {"2209.14003", "2209.14200", "2209.14001", "2209.14201"}
    search_page.search("learning category:cs.LG")
    assert set(search_page.ids()) == {"2209.14003", "2209.14200", "2209.14201"}
    search_page.search("learning category:cs.CV")
    assert set(search_page.ids()) == {"2209.14003"}
    search_page.search("cat:stat.ml bandits")
    assert search_page.ids() == ["2209.14201"]
    search_page.search("category:math.OC")  # only ever a cross-list here
    assert search_page.ids() == ["2209.14002"]
    search_page.search("knot category:cs.CV year:2003")
    assert search_page.ids() == ["math.GT/0309136"]
    search_page.search("category:hep-th")
    assert search_page.ids() == [] and search_page.status.startswith("No papers match")


# id, first listed (and published), comment, title
VENUE_PAPERS = (
    ("2209.30001", "2022-09-28", "Accepted to CVPR 2022", "Shape Segmentation Networks"),
    ("2209.30002", "2022-09-28", "Submitted to CVPR 2023", "Shape Segmentation Transformers"),
    ("2112.30003", "2021-12-01", "CVPR 2022 (Oral)", "Shape Segmentation Priors"),
    ("2209.30004", "2022-09-28", "Accepted at the CVPR 2022 Workshop on Fair Vision", "Fair Shape Segmentation"),
)


@pytest.fixture(scope="module")
def venue_site(tmp_path_factory) -> Path:
    """A site of two papers accepted at CVPR (one of 2021), one submitted to it and one
    accepted at its workshops."""
    root = tmp_path_factory.mktemp("venue-site")
    for id, listed, comment, title in VENUE_PAPERS:
        digest = root / "content" / "cs.CV" / listed[:4] / listed[5:7] / f"{listed.replace('-', '')}.md"
        if not digest.exists():
            digest.parent.mkdir(parents=True)
            digest.write_text(f"# Arxiv Papers in cs.CV on {listed}\n", encoding="utf-8")
        with digest.open("a", encoding="utf-8") as entries:
            entries.write("\n".join([
                f"### {title}", f"- **Arxiv ID**: http://arxiv.org/abs/{id}v1", "- **DOI**: None",
                "- **Categories**: **cs.CV**", f"- **Links**: [PDF](http://arxiv.org/pdf/{id}v1)",
                f"- **Published**: {listed} 01:00:00+00:00", f"- **Updated**: {listed} 01:00:00+00:00",
                "- **Authors**: Ann Author", f"- **Comment**: {comment}", "- **Journal**: None",
                "- **Summary**: Shapes, segmented.", "", ""]))
    config = make_config(root, root / "content")
    quiet_build(config)
    return config.output_path


@pytest.fixture(scope="module")
def venue_http_root(venue_site: Path):
    with serving(venue_site) as root:
        yield root


@pytest.fixture(params=["file", "http"])
def venue_search_page(request, context, venue_site: Path):
    page = SearchPage(context, site_urls(venue_site, request.getfixturevalue("venue_http_root")
                                         if request.param == "http" else None)).open()
    yield page
    assert page.problems == []


def test_venue_filter_keeps_accepted_papers_and_combines_with_year(venue_search_page):
    """`venue:cvpr` keeps the papers accepted at CVPR, never one only submitted to it nor
    one of its workshops; with `year:` it keeps those of the year the paper was published."""
    page = venue_search_page
    assert "venue:cvpr" in page.page.locator(".hint").inner_text()
    page.search("venue:cvpr")
    assert set(page.ids()) == {"2209.30001", "2112.30003"}
    page.search("venue:CVPR year:2022")
    assert page.ids() == ["2209.30001"]
    page.search("segmentation venue:cvpr year:2021")
    assert page.ids() == ["2112.30003"]
    page.search("transformers venue:cvpr")
    assert page.ids() == [] and page.status.startswith("No papers match")
    page.search("shape venue:cvpr-workshops")
    assert page.ids() == ["2209.30004"]
    page.search("venue:neurips")
    assert page.ids() == [] and page.status.startswith("No papers match")


@pytest.fixture(scope="module")
def deep_directory_site(tmp_path_factory) -> Path:
    """The fixture site with shards of a few terms and a directory of 2 entries a node: the
    way to every shard leads through several levels of directory pages, as in an archive."""
    root = tmp_path_factory.mktemp("deep-directory-site")
    config = make_config(root)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "SHARD_BYTES", 100)
        patch.setattr(search, "DIRECTORY_FANOUT", 2)
        quiet_build(config)
    return config.output_path


def test_queries_find_their_shards_through_a_directory_of_several_levels(context, deep_directory_site: Path):
    page = SearchPage(context, site_urls(deep_directory_site, None)).open()
    for query, first in [("Denoising Medical Images", "2209.14101"), ("Carol King", "math.GT/0309136"),
                         ("2209.14201", "2209.14201"), ("0309136", "math.GT/0309136")]:
        page.search(query)
        assert page.ids()[:1] == [first], query
    page.search("segm*")
    assert page.ids() == ["2209.14100"]
    directory = page.page.eval_on_selector_all("script[src*='/directory/']", "all => all.map(s => s.src)")
    assert any("/directory/2-" in src for src in directory), directory  # three levels below the root at least
    assert page.problems == []


def test_field_prefixes_and_prefix_wildcard(search_page):
    search_page.search("title:segmentation")
    assert search_page.ids() == ["2209.14100"]
    search_page.search("author:smith")
    assert set(search_page.ids()) == {"2209.14001", "2209.14003", "2209.14101"}
    search_page.search("author:learning")
    assert search_page.ids() == []
    search_page.search("segm*")
    assert search_page.ids() == ["2209.14100"]
    search_page.search("denoising*")  # a prefix of a whole word still finds its stem
    assert search_page.ids() == ["2209.14101"]


# --- messages and odd queries -----------------------------------------------------------

def test_empty_and_nonsense_queries_get_friendly_messages(search_page):
    search_page.search("")
    assert search_page.ids() == [] and search_page.status.startswith("Type to search")
    search_page.search("   ")
    assert search_page.ids() == [] and search_page.status.startswith("Type to search")
    search_page.search("qwxzvbnm plokijuh")
    assert search_page.ids() == []
    assert search_page.status.startswith("No papers match “qwxzvbnm plokijuh”")
    search_page.search("*** ::: ~~~")
    assert search_page.ids() == [] and search_page.status.startswith("Nothing to search for")


ODD_QUERIES = ["*", ":", "~", "^", '"unbalanced', "\\", "+-", "-", "+", "title:", "author:", "year:", "category:",
               "year:abc", "year:2022-2019", "id:", "a*", "s*", "*segmentation", "seg*ment", "learning~2", "learning^10",
               "+learning -features", 'title:"denoising', "author:*", "::learning", "2209.*", "math.GT/", "arXiv:",
               "\\u0000", "<script>alert(1)</script>", "constructor", "__proto__", "hasOwnProperty", "toString",
               "category:constructor", "cat:__proto__", "category:toString learning", "year:1e3", "year:0000",
               "venue:", "venue:constructor", "venue:__proto__ learning", "year:99999999999-0",
               "😀", "𠀀 﨎", "a" * 300, "learning " * 40]


def test_odd_queries_never_throw(search_page):
    for query in ODD_QUERIES:
        search_page.search(query)
        assert not search_page.status.startswith(("The search failed", "Search data could not")), query
        assert search_page.problems == [], query
    search_page.search("learning")
    assert search_page.ids()  # still working afterwards
    assert search_page.page.evaluate("typeof window.alert_called") == "undefined"


def test_object_property_names_are_ordinary_words(search_page):
    """Terms like `constructor` must not hit Object.prototype in lookups."""
    for query in ("constructor", "__proto__", "toString"):
        search_page.search(query)
        assert search_page.ids() == [] and search_page.status.startswith("No papers match"), query


# --- the box on every page, and typing ------------------------------------------------------

def test_header_search_box_on_a_paper_page_leads_to_results(context, site_url):
    watched = SearchPage(context, site_url)
    page = watched.page
    page.goto(site_url("papers/2209.14001.html"), wait_until="load")
    page.fill("#site-search-q", "Bayesian Bandits")
    page.press("#site-search-q", "Enter")
    page.wait_for_url("**/search/index.html?q=Bayesian+Bandits")
    page.wait_for_function(f"{DONE} !== undefined")
    assert page.input_value("#search-query") == "Bayesian Bandits"
    assert watched.ids()[0] == "2209.14201"
    assert watched.problems == []


def test_results_follow_typing_without_enter(search_page):
    page = search_page.page
    page.click("#search-query")
    page.keyboard.type("bayesian", delay=30)
    page.wait_for_function("(document.querySelector('#search-results a.paper-title') || {}).textContent === 'Bayesian Bandits'")
    assert search_page.ids() == ["2209.14201"]
    for _ in range(len("bayesian")):
        page.keyboard.press("Backspace")
    page.keyboard.type("gradient descent", delay=30)
    page.wait_for_function("(document.querySelector('#search-results a.paper-title') || {}).textContent === 'Gradient Descent, Revisited'")
    assert search_page.ids()[0] == "2209.14200"
    page.fill("#search-query", "")
    page.wait_for_function("document.querySelectorAll('#search-results li').length === 0")
    page.wait_for_function("document.getElementById('search-status').textContent.startsWith('Type to search')")


def typed(search_page, text: str) -> list[str]:
    """`text` put in the search box as typing does (an input event, no Enter); the results."""
    page = search_page.page
    before = page.evaluate(DONE)
    page.fill("#search-query", text)
    page.wait_for_function(f"b => {DONE} !== b", arg=before)
    return search_page.ids()


def test_the_last_word_is_a_prefix_while_it_is_typed(search_page):
    """`bayes` finds Bayesian and `segm` segmentation as they are typed; the words before
    the last are whole words, and a space or Enter ends the prefix."""
    assert typed(search_page, "bayes") == ["2209.14201"]
    assert typed(search_page, "segm") == ["2209.14100"]
    assert typed(search_page, "plain segm")[0] == "2209.14100"
    assert typed(search_page, "bandits bayes")[0] == "2209.14201"
    search_page.search("segm")  # Enter: the word as it is
    assert search_page.ids() == []


def test_words_ended_by_a_space_start_loading_before_the_search_runs(search_page):
    """The search data of the words already typed is asked for with the keystroke after
    them, not when the search runs (120 ms after the last key), and is what it needs."""
    page = search_page.page
    before = page.evaluate(DONE)
    asked = page.evaluate("""async () => {
      const input = document.getElementById('search-query');
      input.value = 'segmentation ';
      input.dispatchEvent(new Event('input', { bubbles: true }));
      await new Promise((resolve) => setTimeout(resolve, 0));
      return Array.from(document.querySelectorAll('script[src*="search/"]:not([src$="manifest.js"])'), (s) => s.src);
    }""")
    assert page.evaluate(DONE) == before  # no search has run yet
    page.wait_for_function(f"b => {DONE} !== b", arg=before)
    needed = page.eval_on_selector_all('script[src*="search/"]:not([src$="manifest.js"])', "all => all.map(s => s.src)")
    assert asked and set(asked) <= set(needed)
    assert search_page.ids()[0] == "2209.14100"


def test_the_manifest_loads_beside_the_scripts_not_after_them(context, http_root):
    """Every query needs the manifest: its request starts as the page is parsed, before
    search.js (which asks for it when it runs) has even arrived."""
    page = context.new_page()
    page.goto(http_root + "search/index.html", wait_until="load")
    page.wait_for_function(f"{DONE} !== undefined")
    timing = page.evaluate("""() => Object.fromEntries(performance.getEntriesByType('resource')
      .map((entry) => [entry.name.split('/').pop().replace(/\\.[0-9a-f]+\\.js$/, '.js'), [entry.startTime, entry.responseEnd]]))""")
    assert timing["manifest.js"][0] < timing["search.js"][1]
    assert page.evaluate("document.getElementById('search-status').textContent").startswith("Type to search")


def test_query_in_the_address_runs_on_load(context, site_url):
    watched = SearchPage(context, site_url).open("Carol King")
    assert watched.page.input_value("#search-query") == "Carol King"
    assert watched.ids() == ["math.GT/0309136"]
    assert watched.problems == []


# --- exact ranking and counts with capped terms ---------------------------------------------

COMMON = ["image", "segmentation", "network", "learning", "detection", "model", "neural", "deep", "object",
          "video", "graph", "depth"]
RARE = ["sparse", "prior", "sensor", "thermal", "aerial", "medical", "robust", "fusion", "domain", "token", "point",
        "cloud", "scene", "motion", "pose", "face", "texture", "light", "weather", "crowd", "satellite", "retinal"]
# Listing days of three search tiers: an earlier year, the latest year, its latest month.
CAPPED_DAYS = ("2021-05-03", "2022-03-01", "2022-09-28")
EARLIER = 2020  # the year every other paper of the first day was first published (revised since)
PAGE_SIZE = 20  # results a search page shows
# Caps for this small archive: its common words pass the first many times over; only the
# commonest pass the second, by a few papers, and their tails weigh too little to change
# some queries' first page.
CAPS = (12, 80)


def zipf_words(chooser, count: int) -> list[str]:
    """Words drawn as in a field's text: the common ones often, the first of them most."""
    vocabulary = COMMON + RARE
    weights = [1 / (rank + 1) ** 0.8 for rank in range(len(vocabulary))]
    return chooser.choices(vocabulary, weights, k=count)


def capped_digest(day: str, numbers: range, chooser, earlier: bool = False) -> str:
    """A digest of papers with titles and abstracts drawn from a small vocabulary; if
    `earlier`, every other one was first published in EARLIER."""
    month = day[2:4] + day[5:7]
    entries = []
    for number in numbers:
        published = f"{EARLIER}{day[4:]}" if earlier and number % 2 else day
        title = " ".join(chooser.sample(COMMON + RARE, chooser.randint(3, 8))).title()
        summary = " ".join(zipf_words(chooser, chooser.randint(10, 60))) + "."
        author = f"{chooser.choice(['Ann', 'Bo', 'Cy', 'Di'])} {chooser.choice(['Lee', 'Ng', 'Roe', 'Sato'])}"
        entries.append(f"""### {title}
- **Arxiv ID**: http://arxiv.org/abs/{month}.{10000 + number}v1
- **DOI**: None
- **Categories**: **cs.CV**
- **Links**: [PDF](http://arxiv.org/pdf/{month}.{10000 + number}v1)
- **Published**: {published} 03:00:00+00:00
- **Updated**: {day} 03:00:00+00:00
- **Authors**: {author}
- **Comment**: None
- **Journal**: None
- **Summary**: {summary}
""")
    return f"# Arxiv Papers in cs.CV on {day}\n" + "\n\n".join(entries)


@pytest.fixture(scope="module", params=CAPS)
def capped_site(request, tmp_path_factory):
    """A site of 270 papers in three tiers whose common words are in more papers' titles
    and abstracts than the cap, built by the real build with that cap: (site folder, its
    papers in document order, the cap)."""
    root = tmp_path_factory.mktemp("capped-site")
    chooser = random.Random(20261206)
    for tier, day in enumerate(CAPPED_DAYS):
        folder = root / "content" / "cs.CV" / day[:4] / day[5:7]
        folder.mkdir(parents=True, exist_ok=True)
        digest = capped_digest(day, range(90 * tier, 90 * tier + 90), chooser, earlier=tier == 0)
        (folder / f"{day.replace('-', '')}.md").write_text(digest, encoding="utf-8")
    config = make_config(root, content=root / "content")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "MAX_POSTINGS", request.param)
        quiet_build(config)
    archive = build_archive(read_content(root / "content").digests)
    return config.output_path, search.document_order(archive), request.param


def reference_results(papers, queries: list[str]) -> list[list[tuple[str, float]]]:
    """Each query's results from one full lunr.py index of every paper (sitegen's terms in
    its fields, as the search data indexes them), best first.

    A query of plain words asks lunr for each word's stem in title, abstract and authors,
    for the words joined (all, and each adjacent pair) as a `name`, and each adjacent pair
    of stems as a `phrase`; a term and field asked twice is asked once."""
    from lunr.builder import Builder

    terms = search.Terms()
    builder = Builder()
    builder.ref("ref")
    for field, boost in search.FIELDS.items():
        builder.field(field, boost)
    for paper in papers:
        builder.add({"ref": paper.id, **terms.fields(paper)})
    index = builder.build()
    found = []
    for text in queries:
        stems = [terms.stem(word) for word in search.words(text)]
        asked = {(stem, field) for stem in stems for field in ("title", "abstract", "authors")}
        asked |= {(" ".join(stems), "name")}
        asked |= {(f"{a} {b}", field) for a, b in zip(stems, stems[1:]) for field in ("name", "phrase")}
        query = index.create_query()
        for term, field in sorted(asked):
            query.term(term, fields=[field], use_pipeline=False)
        found.append([(result["ref"], result["score"]) for result in index.query(query)])
    return found


def capped_terms(site: Path) -> set[str]:
    """The terms whose postings in some field pass the cap: their entries end with bounds."""
    capped = set()
    for shard in site.glob("search/*/shards/*.js"):
        entries = json.loads(shard.read_text(encoding="utf-8").split("JSON.parse('", 1)[1].rsplit("'));", 1)[0])
        capped |= {entry[0] for entry in entries if len(entry) % 2}
    return capped


# Counts, in the page, the tails asked for since now when a search's first results are
# shown and when it is done (each is a script element, left in place once loaded).
WATCH_TAILS = """() => {
  const all = () => document.querySelectorAll("script[src*='/tails/']").length;
  const before = all();
  const tails = () => all() - before;
  window.tailsLoaded = [];
  new MutationObserver((changes) => changes.forEach((change) => {
    if (change.attributeName === 'data-search-shown') window.tailsLoaded.push(['shown', tails()]);
    if (change.attributeName === 'data-search-done') window.tailsLoaded.push(['done', tails()]);
  })).observe(document.body, { attributes: true, attributeFilter: ['data-search-shown', 'data-search-done'] });
}"""


@pytest.mark.parametrize("over", ["file", "http"])
def test_topic_queries_rank_and_count_like_one_full_lunr_index_past_the_cap(context, capped_site, over):
    """20 queries of two or three common words, whose terms pass the cap: the 20 results
    shown are the full index's best 20, in its order, and the status gives the true number
    of matching papers (lunr ORs the words), not those of the heads. With the higher cap,
    some first pages are shown before any tail loads (the bounds prove them exact): the
    tails come after, for the count."""
    site, papers, cap = capped_site
    chooser = random.Random(21)
    queries = []
    while len(queries) < 20:  # one of the two commonest words, and one or two others
        chosen = [chooser.choice(COMMON[:2]), *chooser.sample(COMMON[2:8], chooser.choice([1, 2]))]
        text = " ".join(chooser.sample(chosen, len(chosen)))
        if text not in queries:
            queries.append(text)
    capped = capped_terms(site)
    terms = search.Terms()
    enough = all if cap == CAPS[0] else any
    assert all(enough(terms.stem(word) in capped for word in text.split()) for text in queries)
    shown_first = 0
    with contextlib.ExitStack() as stack:
        root = stack.enter_context(serving(site)) if over == "http" else None
        for text, expected in zip(queries, reference_results(papers, queries)):
            assert len(expected) > PAGE_SIZE and len(expected) > 2 * cap
            scores = dict(expected)
            page = SearchPage(context, site_urls(site, root)).open()  # a fresh page: no tail loaded yet
            page.page.evaluate(WATCH_TAILS)
            page.search(text)
            ids = page.ids()
            assert len(set(ids)) == PAGE_SIZE and set(ids) <= set(scores), text
            best = [score for _, score in expected[:PAGE_SIZE]]
            # the same papers in the same order; papers of equal scores (but for the order
            # floating point sums them in) may trade places
            assert [scores[ref] for ref in ids] == pytest.approx(best, rel=1e-12, abs=0), (text, ids)
            assert page.status.startswith(f"{len(expected):,} papers found in "), (text, page.status)
            loaded = dict(page.page.evaluate("window.tailsLoaded"))
            assert loaded["done"] > 0, text
            shown_first += loaded["shown"] == 0
            assert page.problems == []
            page.page.close()
    assert (shown_first > 0) == (cap != CAPS[0])


def test_a_year_loads_the_tails_of_that_year_alone(context, capped_site):
    """Documents are numbered by year within a tier, and a capped term's tail is cut by
    year: `year:2020` (half of the oldest tier) loads the tails of 2020 alone, fewer than
    the same words without the filter, and still shows the full index's best 20 of 2020
    in its order and their true count."""
    site, papers, cap = capped_site
    queries = ["image segmentation network", "segmentation learning detection", "image deep model"]
    earlier = {paper.id for paper in papers if paper.published.year == EARLIER}
    for text, expected in zip(queries, reference_results(papers, queries)):
        expected = [(ref, score) for ref, score in expected if ref in earlier]
        assert len(expected) > PAGE_SIZE
        loaded = []
        for query in (text, f"{text} year:{EARLIER}"):
            page = SearchPage(context, site_urls(site, None)).open()  # a fresh page: no tail loaded yet
            page.search(query)
            loaded.append(page.page.eval_on_selector_all("script[src*='/tails/']", "tails => tails.length"))
            ids, status = page.ids(), page.status
            assert page.problems == []
            page.page.close()
        scores = dict(expected)
        assert set(ids) <= earlier and len(set(ids)) == PAGE_SIZE, text
        assert [scores[ref] for ref in ids] == pytest.approx([score for _, score in expected[:PAGE_SIZE]],
                                                            rel=1e-12, abs=0), (text, ids)
        assert status.startswith(f"{len(expected):,} papers found in "), (text, status)
        assert loaded[1] < loaded[0], text


def test_newest_papers_with_common_words_are_found_past_the_cap(context, capped_site):
    """Other pages (Following) ask search.js for the newest papers holding every word: for
    common words most of them are past the cap, in the words' tails."""
    site, papers, cap = capped_site
    page = SearchPage(context, site_urls(site, None)).open()
    root = page.page.get_attribute("form[data-search-root]", "data-search-root")
    terms = search.Terms()
    for text in ["image deep", "segmentation network", "model learning detection"]:
        stems = {terms.stem(word) for word in text.split()}
        holding = [paper for paper in papers
                   if stems <= {term for field in ("title", "abstract", "authors") for term in terms.fields(paper)[field]}]
        expected = sorted(holding, key=lambda paper: (paper.published, paper.id), reverse=True)[:5]
        newest = page.page.evaluate("([root, text]) => sitegenSearch.newest(root, text, 5)"
                                    ".then((found) => found.map((paper) => paper.id))", [root, text])
        assert len(holding) > cap
        assert newest == [paper.id for paper in expected], text
    assert page.problems == []
