"""`sitegen serve` in a real headless Chromium: pages follow template edits by themselves,
stylesheets are swapped without a reload, a broken template shows an overlay with its file
and line until it is fixed, a vim save is one rebuild, and traversal attempts get 404
while the server keeps answering. Each test runs the real command on a copy of the
fixture site, and waits for what it expects with generous timeouts (never on timings)."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from test_serve import TRAVERSALS, make_preview_site, raw_get, vim_save, wait_for

pytestmark = pytest.mark.browser

SHOTS = Path("/tmp/sitegen-shots")
PLAIN = "papers/2209.14100.html"  # a paper page without math
WAIT_MS = 15_000
STRICT_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; connect-src 'self'; "
              "img-src 'self' data:; font-src 'self'")


class Served:
    """`sitegen serve --port 0` running on a preview site, with its output collected."""

    def __init__(self, root: Path):
        self.root = root
        self.lines: list[str] = []
        self.process = subprocess.Popen(
            [sys.executable, "-m", "sitegen.cli", "serve", "--port", "0"], cwd=root,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, bufsize=1,
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        threading.Thread(target=self._collect, daemon=True).start()
        assert wait_for(lambda: self.url or self.process.poll() is not None, timeout=60), self.output()
        assert self.url, self.output()

    def _collect(self) -> None:
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def url(self) -> str | None:
        found = [re.search(r"(http://127\.0\.0\.1:\d+/)", line) for line in self.lines if line.startswith("serving")]
        return found[0][1] if found else None

    @property
    def port(self) -> int:
        return int(self.url.rsplit(":", 1)[1].strip("/"))

    def rebuilds(self) -> list[str]:
        return [line for line in self.lines if line.startswith("changed ")]

    def output(self) -> str:
        return "\n".join(self.lines)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


@pytest.fixture
def served(tmp_path: Path):
    make_preview_site(tmp_path)
    server = Served(tmp_path)
    yield server
    server.stop()
    assert "Traceback" not in server.output()


def is_document(url: str) -> bool:
    path = urlsplit(url).path
    return path.endswith("/") or path.endswith(".html")


@pytest.fixture
def page(browser, served: Served):
    """A page whose documents come with a strict Content-Security-Policy, console errors recorded."""
    context = browser.new_context()
    opened = context.new_page()
    opened.problems = []
    opened.on("console", lambda message: message.type == "error" and opened.problems.append(message.text))
    opened.on("pageerror", lambda error: opened.problems.append(str(error)))

    def with_csp(route):
        response = route.fetch()
        route.fulfill(response=response, headers={**response.headers, "content-security-policy": STRICT_CSP})

    opened.route(is_document, with_csp)
    yield opened
    context.close()


def theme_file(served: Served, relative: str) -> Path:
    return served.root / "themes" / "mine" / relative


def replace_in(path: Path, old: str, new: str) -> str:
    """Replace and save (a plain write, as most editors do); returns the old text."""
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return text


def open_and_listen(page, served: Served, path: str = PLAIN):
    """Open a page and wait until its reload script listens (the server knows the page)."""
    page.goto(served.url + path, wait_until="load")
    page.wait_for_function("() => window.sitegenServe && window.sitegenServe.listening", timeout=WAIT_MS)


def test_a_template_edit_shows_without_a_manual_reload(page, served: Served):
    open_and_listen(page, served)
    assert page.locator("footer").filter(has_text="Edited live").count() == 0
    replace_in(theme_file(served, "templates/base.html"), "built with sitegen.", "built with sitegen. Edited live.")
    page.locator("footer", has_text="Edited live").wait_for(timeout=WAIT_MS)
    assert page.url == served.url + PLAIN
    assert page.problems == []  # the strict Content-Security-Policy let the reload script run


def test_a_stylesheet_edit_applies_without_a_reload(page, served: Served):
    open_and_listen(page, served)
    page.evaluate("window.sameDocument = true")
    stylesheet = theme_file(served, "static/style.css")
    stylesheet.write_text(stylesheet.read_text(encoding="utf-8") + "\nh1 { color: rgb(1, 2, 3) !important; }\n",
                          encoding="utf-8")
    page.wait_for_function("() => getComputedStyle(document.querySelector('h1')).color === 'rgb(1, 2, 3)'",
                           timeout=WAIT_MS)
    assert page.evaluate("window.sameDocument") is True
    assert page.locator('link[rel=stylesheet][href*="assets/style."]').count() == 1
    assert page.problems == []


def test_a_broken_template_shows_the_overlay_and_the_page_returns_when_fixed(page, served: Served):
    open_and_listen(page, served)
    base = theme_file(served, "templates/base.html")
    original = base.read_text(encoding="utf-8")
    line = original.splitlines().index("<main id=\"main\" class=\"wrap\">") + 1
    for attempt in range(5):  # broken saves in a row; the unit tests do twenty
        base.write_text(original.replace('<main id="main" class="wrap">',
                                         f'<main id="main" class="wrap">{{{{ page["<img src=x>{attempt}"] }}}}'),
                        encoding="utf-8")
        time.sleep(0.3)
    overlay = page.locator("sitegen-error [role=alert]")
    overlay.filter(has_text="<img src=x>4").wait_for(timeout=WAIT_MS)
    text = overlay.inner_text()
    assert f"base.html:{line}" in text and "Build error" in text
    assert overlay.locator("img").count() == 0  # the message is text, never markup
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "serve-overlay.png"))
    assert raw_get(served.port, "/" + PLAIN)[0] == 200  # the last good page is still served

    base.write_text(original.replace("built with sitegen.", "built with sitegen. Fixed."), encoding="utf-8")
    page.locator("footer", has_text="Fixed.").wait_for(timeout=WAIT_MS)
    assert page.locator("sitegen-error").count() == 0


def test_a_vim_style_save_rebuilds_exactly_once(page, served: Served):
    open_and_listen(page, served)
    base = theme_file(served, "templates/base.html")
    vim_save(base, base.read_text(encoding="utf-8").replace("built with sitegen.", "built with sitegen. Vim."))
    page.locator("footer", has_text="Vim.").wait_for(timeout=WAIT_MS)
    time.sleep(1.0)  # a second rebuild, if the save had caused one, would be reported by now
    assert len(served.rebuilds()) == 1, served.output()
    assert served.rebuilds()[0].startswith("changed base.html: reloaded")


def test_a_hidden_tab_lets_go_and_catches_up_when_shown(page, served: Served):
    open_and_listen(page, served)
    visibility = """state => {
        Object.defineProperty(document, "visibilityState", {value: state, configurable: true});
        document.dispatchEvent(new Event("visibilitychange"));
    }"""
    page.evaluate(visibility, "hidden")
    assert page.evaluate("window.sitegenServe.listening") is False
    replace_in(theme_file(served, "templates/base.html"), "built with sitegen.", "built with sitegen. Caught up.")
    assert wait_for(lambda: served.rebuilds())
    page.evaluate(visibility, "visible")
    page.locator("footer", has_text="Caught up.").wait_for(timeout=WAIT_MS)


def test_ctrl_c_stops_the_server_cleanly_while_a_page_listens(page, served: Served):
    open_and_listen(page, served)
    served.stop()
    assert served.process.returncode == 0
    assert wait_for(lambda: served.lines and served.lines[-1] == "sitegen serve: stopped"), served.output()
    assert "Traceback" not in served.output()


def test_traversal_attempts_get_404_and_the_server_keeps_answering(page, served: Served):
    theme_file(served, "static/leak.txt").symlink_to("/etc/passwd")
    assert wait_for(lambda: served.rebuilds())  # the new static file was seen, and the theme refused
    assert "static/leak.txt: links outside the theme" in served.rebuilds()[-1]
    for target in TRAVERSALS[:-1] + ["/themes/mine/static/leak.txt", "/sitegen.yaml"]:
        status, headers, payload = raw_get(served.port, target)
        assert status == 404, target
        assert b"root:x:" not in payload
        assert "access-control-allow-origin" not in headers
    page.goto(served.url + PLAIN, wait_until="load")
    assert page.locator("h1").inner_text() == "A Plain Segmentation Baseline"
