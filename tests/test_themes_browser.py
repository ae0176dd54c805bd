"""Themes in a real headless Chromium: a five-line `extra_css` restyles a page while the
default stylesheet still applies, an edited extra stylesheet is swapped in the preview
without a reload, and `sitegen serve` shows what the Content-Security-Policy blocked
(an inline script or style in a theme) instead of leaving it to the console."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.cli import main
from sitegen.themes import DEFAULT_THEME

from test_serve import wait_for
from test_serve_browser import SHOTS, WAIT_MS, Served, open_and_listen, replace_in
from test_serve_browser import served  # noqa: F401  (the fixture: `sitegen serve` on a copy of the default theme)
from test_themes import write_config

pytestmark = pytest.mark.browser

PLAIN = "papers/2209.14100.html"
OVERRIDE = """:root { --accent: rgb(11, 110, 79); }
h1 { color: rgb(11, 110, 79); }
.masthead { border-bottom-width: 3px; }
.abstract { font-size: 1.2rem; }
.tag { border-radius: 0; }
"""


def computed(page, selector: str, property_name: str) -> str:
    return page.evaluate("([selector, name]) => getComputedStyle(document.querySelector(selector))"
                         ".getPropertyValue(name)", [selector, property_name])


def test_a_five_line_extra_stylesheet_restyles_while_the_default_one_still_applies(browser, tmp_path: Path, capsys):
    (tmp_path / "themes" / "mine" / "static").mkdir(parents=True)
    (tmp_path / "themes" / "mine" / "static" / "custom.css").write_text(OVERRIDE, encoding="utf-8")
    config = write_config(tmp_path, f"output_dir: {tmp_path / 'output'}\nextra_css: [custom.css]\n")
    assert main(["build", "--config", str(config), "--jobs", "1"]) == 0, capsys.readouterr().err
    page = browser.new_page()
    try:
        page.goto((tmp_path / "output" / PLAIN).as_uri(), wait_until="load")
        assert computed(page, "h1", "color") == "rgb(11, 110, 79)"  # the override's own rule
        assert computed(page, ".byline a", "color") == "rgb(11, 110, 79)"  # default rules, overridden variable
        assert "Iowan Old Style" in computed(page, "h1", "font-family")  # the default stylesheet still applies
        assert computed(page, ".masthead", "border-bottom-style") == "solid"
        assert computed(page, ".masthead", "border-bottom-width") == "3px"
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "extra-css.png"))
    finally:
        page.close()


def test_an_extra_stylesheet_added_while_previewing_applies_and_is_swapped_when_edited(browser, served: Served):
    (served.root / "themes/mine/static/custom.css").write_text(OVERRIDE, encoding="utf-8")
    (served.root / "sitegen.yaml").write_text("title: Preview fixture\ntheme: mine\nextra_css: [custom.css]\n",
                                              encoding="utf-8")
    assert wait_for(lambda: any("sitegen.yaml" in line for line in served.rebuilds()), timeout=30), served.output()
    page = browser.new_page()
    try:
        open_and_listen(page, served)
        assert computed(page, "h1", "color") == "rgb(11, 110, 79)"
        page.evaluate("window.sameDocument = true")
        replace_in(served.root / "themes/mine/static/custom.css", "h1 { color: rgb(11, 110, 79); }",
                   "h1 { color: rgb(1, 2, 3); }")
        page.wait_for_function("() => getComputedStyle(document.querySelector('h1')).color === 'rgb(1, 2, 3)'",
                               timeout=WAIT_MS)
        assert page.evaluate("window.sameDocument") is True
        assert "Iowan Old Style" in computed(page, "h1", "font-family")
    finally:
        page.close()


def test_the_preview_shows_inline_code_the_policy_blocked_until_the_template_is_fixed(browser, served: Served):
    base = served.root / "themes" / "mine" / "templates" / "base.html"
    replace_in(base, "</main>", '<script>document.body.dataset.inline = "ran"</script>'
                                '<p style="color: red">Styled inline</p></main>')
    page = browser.new_page()  # the server's own policy, as netlify.toml sends it
    try:
        open_and_listen(page, served)
        overlay = page.locator("sitegen-error [role=alert]")
        overlay.filter(has_text="style-src-attr").wait_for(timeout=WAIT_MS)
        text = overlay.inner_text()
        assert "Blocked by the Content-Security-Policy" in text and f"/{PLAIN}" in text
        assert "an inline <script>, blocked by script-src-elem" in text
        assert "a style= attribute, blocked by style-src-attr" in text
        assert '<script>document.body.dataset.inline = "ran"</script>' in text  # the code, quoted from the page
        assert "extra_js or extra_css" in text
        assert page.evaluate("document.body.dataset.inline") is None  # blocked indeed
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / "serve-csp.png"))

        base.write_text((DEFAULT_THEME / "templates" / "base.html").read_text(encoding="utf-8")
                        .replace("built with sitegen.", "built with sitegen. Clean."), encoding="utf-8")
        page.locator("footer", has_text="Clean.").wait_for(timeout=WAIT_MS)
        page.wait_for_timeout(500)  # reports come asynchronously: give one the time to arrive
        assert page.locator("sitegen-error").count() == 0
    finally:
        page.close()


def test_a_page_that_keeps_to_the_policy_shows_no_overlay(browser, served: Served):
    page = browser.new_page()
    try:
        open_and_listen(page, served, "papers/2209.14001.html")  # with math: KaTeX styles through the DOM
        page.wait_for_function("() => document.querySelector('.katex')", timeout=WAIT_MS)
        page.wait_for_timeout(500)
        assert page.locator("sitegen-error").count() == 0
    finally:
        page.close()
