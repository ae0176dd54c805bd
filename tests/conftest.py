"""Shared fixtures: a configuration over the small fixture site, one built copy of it
for the crawl tests, and a headless Chromium for the browser tests."""

from __future__ import annotations

import io
from pathlib import Path
from urllib.parse import unquote, urlsplit

import html5lib
import pytest

from sitegen.build import Report, build_site
from sitegen.config import Config

TESTS = Path(__file__).resolve().parent
SITE_CONTENT = TESTS / "fixtures" / "site" / "content"
BASE_URL = "https://example.org/archive/"
BASE_PATH = urlsplit(BASE_URL).path  # "/archive/"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def make_config(root: Path, content: Path = SITE_CONTENT, **changes) -> Config:
    """A configuration rooted at `root` that builds `content` into `root/output`."""
    config = Config(root=root, content_dir=str(content), output_dir=str(root / "output"), base_url=BASE_URL)
    return config.with_changes(**changes)


def quiet_build(config: Config, jobs: int = 1):
    """Build without printing: the report goes to a string."""
    return build_site(config, jobs=jobs, report=Report(out=io.StringIO()))


def resolve(output: Path, page: Path, url: str, base_path: str = BASE_PATH) -> Path | None:
    """The file a link on `page` leads to; None for external links and pure fragments."""
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not parts.path:
        return None
    path = unquote(parts.path)
    if path.startswith("/"):  # only the 404 page, served at any depth, links from the site's root path
        assert path.startswith(base_path), f"{page}: root-relative link outside the site: {url}"
        target = output / path[len(base_path):]
    else:
        target = page.parent / path
    if path.endswith("/"):
        target = target / "index.html"
    return Path(*target.parts).resolve()


def crawl_links(output: Path, base_path: str = BASE_PATH) -> int:
    """Check that every link and source on every page below `output` leads to a file in
    it, as from file://, and every fragment to an element; returns how many were checked."""
    checked = 0
    for page in sorted(output.rglob("*.html")):
        tree = html5lib.parse(page.read_bytes(), namespaceHTMLElements=False)
        ids = {el.get("id") for el in tree.iter() if el.get("id")}
        for element in tree.iter():
            for attribute in ("href", "src"):
                url = element.get(attribute)
                if url is None:
                    continue
                if url.startswith("#"):
                    assert url[1:] in ids, f"{page}: fragment {url} names no element"
                    continue
                target = resolve(output, page, url, base_path)
                if target is None:
                    continue
                checked += 1
                assert target.is_relative_to(output.resolve()), f"{page}: {url} leaves the site"
                assert target.is_file(), f"{page.relative_to(output)}: {url} -> missing {target}"
    return checked


@pytest.fixture
def site_config(tmp_path: Path) -> Config:
    return make_config(tmp_path)


@pytest.fixture(scope="session")
def built_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The fixture site, built once per session; tests must only read it."""
    root = tmp_path_factory.mktemp("built-site")
    config = make_config(root)
    quiet_build(config)
    return config.output_path


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.skip(f"browser tests need Chromium at {CHROMIUM} (Debian package 'chromium'); not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


class Watched(dict):
    """A served manifest that notes each path looked up in it and refuses to be walked."""

    def __init__(self, versions: dict):
        super().__init__(versions)
        self.looked_up: set[str] = set()

    def get(self, path, default=None):
        self.looked_up.add(path)
        return super().get(path, default)

    def __contains__(self, path) -> bool:
        self.looked_up.add(path)
        return super().__contains__(path)

    def __iter__(self):
        raise AssertionError("an update walked the served manifest")

    keys = values = items = __iter__
