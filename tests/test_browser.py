"""The built fixture site in a real headless Chromium, opened from file:// the way a
reader opens a downloaded copy: scripts run cleanly, math is typeset, the copy button
copies, links navigate, and no page overflows at phone or desktop width."""

from __future__ import annotations

from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/sitegen-shots")
PAGES = {
    "home": "index.html",
    "paper": "papers/2209.14001.html",
    "paper-math": "papers/2209.14002.html",
    "day": "days/2022/09/28.html",
    "category": "categories/cs.CV/index.html",
    "author": "authors/alice-smith.html",
    "archive": "archive/index.html",
    "venues": "venues/index.html",
    "venue": "venues/cvpr/2023.html",
    "following": "following/index.html",
}
WIDTHS = (1280, 390)
SCHEMES = ("light", "dark")


class Watched:
    """A page with its console errors, uncaught exceptions and failed requests recorded."""

    def __init__(self, context):
        self.page = context.new_page()
        self.problems: list[str] = []
        self.page.on("console", lambda message: message.type == "error"
                     and self.problems.append(f"console: {message.text}"))
        self.page.on("pageerror", lambda error: self.problems.append(f"pageerror: {error}"))
        self.page.on("requestfailed", self._failed)

    def _failed(self, request) -> None:
        # ERR_ABORTED is the browser giving up a load because the test navigated away
        # (the favicon is fetched late); a missing file fails with ERR_FILE_NOT_FOUND.
        if "ERR_ABORTED" not in (request.failure or ""):
            self.problems.append(f"request failed: {request.url} ({request.failure})")

    def open(self, url: str):
        self.page.goto(url, wait_until="load")
        return self.page


@pytest.fixture
def context(browser):
    context = browser.new_context()
    yield context
    context.close()


def url(site: Path, path: str) -> str:
    return (site / path).as_uri()


@pytest.mark.parametrize("paper", ["2209.14001", "2209.14002"])
def test_paper_page_typesets_math_without_errors(built_site: Path, context, paper: str):
    watched = Watched(context)
    page = watched.open(url(built_site, f"papers/{paper}.html"))
    page.wait_for_function("document.querySelectorAll('.math:not([data-typeset])').length === 0")
    assert watched.problems == []
    spans = page.locator("h1 .math, .abstract .math")
    assert spans.count() >= 1
    for index in range(spans.count()):
        assert spans.nth(index).locator(".katex").count() == 1, spans.nth(index).inner_html()
    assert page.locator(".katex-error").count() == 0
    if paper == "2209.14002":
        assert page.locator("h1 .math .katex").count() == 1
        assert page.locator(".abstract .math .katex").count() == 3
    else:
        # the abstract's <script> stayed text: it is shown, and it never ran
        assert "<script>alert(1)</script>" in page.locator(".abstract").inner_text()
        assert page.locator(".abstract script").count() == 0


def test_bibtex_copy_button_copies_the_entry(built_site: Path, browser):
    context = browser.new_context()
    try:
        context.grant_permissions(["clipboard-read", "clipboard-write"])
        watched = Watched(context)
        page = watched.open(url(built_site, "papers/2209.14002.html"))
        page.click("button.copy")
        status = page.locator(".bibtex .copied")
        status.filter(has_text="Copied").wait_for(timeout=3000)
        expected = page.locator("#bibtex").text_content()
        assert expected.startswith("@misc{") and "eprint={2209.14002}" in expected
        assert page.evaluate("navigator.clipboard.readText()") == expected
        assert watched.problems == []
    finally:
        context.close()


def test_author_link_from_a_paper_leads_to_the_author_page(built_site: Path, context):
    watched = Watched(context)
    page = watched.open(url(built_site, "papers/2209.14001.html"))
    page.locator(".byline a", has_text="José García").click()
    page.wait_for_load_state("load")
    assert page.url == url(built_site, "authors/jose-garcia.html")
    assert page.locator("h1").inner_text() == "José García"
    listed = page.locator("a.paper-title")
    assert listed.count() == 1 and listed.inner_text() == "How <SEG> Token Works"
    listed.click()
    page.wait_for_load_state("load")
    assert page.url == url(built_site, "papers/2209.14001.html")

    page = watched.open(url(built_site, "papers/2209.14002.html"))
    page.locator(".byline a", has_text="Jose Garcia").click()
    page.wait_for_load_state("load")
    assert page.url != url(built_site, "authors/jose-garcia.html")
    assert page.locator("h1").inner_text() == "Jose Garcia"
    assert page.locator("a.paper-title").count() == 1
    assert watched.problems == []


def test_archive_page_links_to_the_day_pages(built_site: Path, context):
    watched = Watched(context)
    page = watched.open(url(built_site, "archive/index.html"))
    september = page.locator("#m2022-09")
    assert september.locator("a").count() == 2  # the 28th and the 29th; the 30th is an empty digest
    assert september.locator("td", has_text="30").locator("a").count() == 0
    september.locator("a", has_text="28").click()
    page.wait_for_load_state("load")
    assert page.url == url(built_site, "days/2022/09/28.html")
    assert page.locator("h1").inner_text() == "28 September 2022"
    page.locator("a[rel=next]").click()
    page.wait_for_load_state("load")
    assert page.url == url(built_site, "days/2022/09/29.html")
    assert watched.problems == []


@pytest.mark.parametrize("scheme", SCHEMES)
@pytest.mark.parametrize("width", WIDTHS)
def test_pages_fit_the_screen_and_screenshots(built_site: Path, browser, width: int, scheme: str):
    """Screenshots for a person to look at (in /tmp/sitegen-shots), and no sideways scrolling."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    context = browser.new_context(viewport={"width": width, "height": 900}, color_scheme=scheme)
    try:
        overflowing = {}
        for name, path in PAGES.items():
            watched = Watched(context)
            page = watched.open(url(built_site, path))
            page.wait_for_function("document.querySelectorAll('.math:not([data-typeset])').length === 0")
            page.screenshot(path=str(SHOTS / f"{name}-{width}-{scheme}.png"), full_page=True)
            assert watched.problems == [], name
            scroll_width = page.evaluate("document.documentElement.scrollWidth")
            if scroll_width > width:
                overflowing[name] = scroll_width
            watched.page.close()
        assert overflowing == {}, f"pages wider than the {width}px screen: {overflowing}"
    finally:
        context.close()
