"""Shared fixtures: a configuration over the small fixture site, one built copy of it
for the crawl tests, and a headless Chromium for the browser tests."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from sitegen.build import Report, build_site
from sitegen.config import Config

TESTS = Path(__file__).resolve().parent
SITE_CONTENT = TESTS / "fixtures" / "site" / "content"
BASE_URL = "https://example.org/archive/"
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
