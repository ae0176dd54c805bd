"""The sitemap of a site too large for one file: an index of files per kind of page,
each within the protocol's limits, split so that an update rewrites only the files
that list a page it added, removed or changed. (The limits are lowered so that the
fixture site needs several files.)"""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from conftest import BASE_URL, SITE_CONTENT, make_config, quiet_build
from test_site import html_files, url_to_file
from sitegen import feeds

SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
HELD_BACK = Path("cs.CV/2022/09/20220929.md")  # three papers, new authors among theirs


@pytest.fixture
def content(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(SITE_CONTENT, folder)
    return folder


def sitemap_files(output: Path) -> dict[str, dict[str, str | None]]:
    """Each file the index names: its URLs, each with its lastmod."""
    index = ET.parse(output / "sitemap.xml").getroot()
    assert index.tag == f"{SITEMAP}sitemapindex"
    files = {}
    for loc in index.iter(f"{SITEMAP}loc"):
        assert loc.text.startswith(BASE_URL)
        name = loc.text[len(BASE_URL):]
        urlset = ET.parse(output / name).getroot()
        assert urlset.tag == f"{SITEMAP}urlset"
        files[name] = {url.find(f"{SITEMAP}loc").text: getattr(url.find(f"{SITEMAP}lastmod"), "text", None)
                       for url in urlset.iter(f"{SITEMAP}url")}
    return files


def test_a_split_sitemap_lists_every_page_once_in_files_within_the_limits(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(feeds, "SITEMAP_URLS", 10)
    monkeypatch.setattr(feeds, "SITEMAP_BYTES", 800)  # fewer than 10 URLs
    monkeypatch.setattr(feeds, "AUTHORS_PER_FILE", 2)
    config = make_config(tmp_path / "site")
    quiet_build(config)
    output = config.output_path
    files = sitemap_files(output)
    assert len(files) > 3
    for name, urls in files.items():
        assert 0 < len(urls) <= 10, name
        assert (output / name).stat().st_size <= 800, name
    locs = [loc for urls in files.values() for loc in urls]
    assert len(locs) == len(set(locs))
    assert {url_to_file(output, loc) for loc in locs} == {path for path in html_files(output)
                                                          if path.name != "404.html"}
    dated = {loc for urls in files.values() for loc, lastmod in urls.items() if lastmod}
    assert dated == {loc for loc in locs if "/papers/" in loc}
    assert {path.name for path in output.glob("sitemap*.xml")} == {*files, "sitemap.xml"}


def test_a_day_added_rewrites_only_the_sitemap_files_that_list_its_pages(tmp_path: Path, content: Path,
                                                                         monkeypatch):
    monkeypatch.setattr(feeds, "SITEMAP_URLS", 16)
    monkeypatch.setattr(feeds, "AUTHORS_PER_FILE", 3)  # four files for the authors, before and after
    held_back = tmp_path / "held-back.md"
    shutil.move(content / HELD_BACK, held_back)
    config = make_config(tmp_path / "site", content=content)
    quiet_build(config)
    output = config.output_path
    before = sitemap_files(output)
    inodes = {name: (output / name).stat().st_ino for name in before}
    shutil.move(held_back, content / HELD_BACK)
    quiet_build(config)
    after = sitemap_files(output)
    entries = lambda files: {(loc, lastmod) for urls in files.values() for loc, lastmod in urls.items()}  # noqa: E731
    changed = entries(before) ^ entries(after)
    should = {name for name, urls in after.items() if changed & set(urls.items())}
    rewritten = {name for name in after if inodes.get(name) != (output / name).stat().st_ino}
    assert after.keys() == before.keys()
    assert should and rewritten == should
    assert len(rewritten) < len(after) / 2
    assert all(before[name] == after[name] for name in after.keys() - rewritten)
