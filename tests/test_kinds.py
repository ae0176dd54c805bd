"""Page kinds: a page's view is made from its inputs alone, so the fingerprint (the digest
of the inputs) changes whenever what the page shows changes."""

from __future__ import annotations

import pickle
from datetime import date, datetime
from pathlib import Path

import pytest

from sitegen.archive import build_archive
from sitegen.kinds import KIND, Pages
from sitegen.reader import read_content
from sitegen.views import Listed, Present, Whole

from conftest import SITE_CONTENT, make_config


def pages_of(content: Path, root: Path, **settings) -> Pages:
    return Pages(build_archive(read_content(content, {}).digests), make_config(root, content, **settings))


@pytest.fixture(scope="module")
def fixture_pages(tmp_path_factory) -> Pages:
    return pages_of(SITE_CONTENT, tmp_path_factory.mktemp("kinds"), per_page=2)


def test_a_view_is_made_from_a_copy_of_its_inputs_with_the_archive_out_of_reach(fixture_pages: Pages):
    """The inputs are plain data: pickled and read back, with a fresh `Present`, they give
    every page the same fields (a view that reached for the archive would have no way to)."""
    present = Present(fixture_pages.config)
    for page in fixture_pages.pages():
        copied = pickle.loads(pickle.dumps(fixture_pages.inputs(page)))
        assert KIND[page.kind].view(copied, present) == fixture_pages.view(page), page.path


PLAIN = (str, int, float, bool, type(None), date, datetime, Listed, Whole)


def plain(value: object) -> bool:
    """Data whose `repr` is its content (what a page's digest is made of): no dict, no
    object whose `repr` leaves fields out, no paper but in a `Whole`; a `Listed` or a
    `Whole` counts as its digest."""
    if isinstance(value, tuple):
        return all(plain(part) for part in value)
    return isinstance(value, PLAIN)


def test_every_pages_inputs_are_plain_data(fixture_pages: Pages):
    kinds = set()
    for page in fixture_pages.pages():
        assert plain(fixture_pages.inputs(page)), page.path
        kinds.add(page.kind)
    assert kinds == set(KIND)


def test_pages_with_equal_fingerprints_show_the_same_after_an_edit(tmp_path: Path, fixture_pages: Pages):
    """A title changed in one digest: every page whose fingerprint
    stayed gives the same template variables, and the pages that show the edit changed it."""
    content = tmp_path / "content"
    for source in SITE_CONTENT.rglob("*.md"):
        target = content / source.relative_to(SITE_CONTENT)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(source.read_bytes())
    day = content / "cs.CV" / "2022" / "09" / "20220929.md"
    text = day.read_text(encoding="utf-8")
    title = text.split("### ", 2)[1].split("\n", 1)[0]
    day.write_text(text.replace(title, title + " Revisited", 1), encoding="utf-8")
    edited = pages_of(content, tmp_path / "site", per_page=2)
    before_plan, after_plan = fixture_pages.plan("", {}), edited.plan("", {})
    before, old_fingerprints = before_plan.pages(), before_plan.fingerprints
    after, new_fingerprints = after_plan.pages(), after_plan.fingerprints
    old_pages = {page.path: page for page in before}
    kept = changed = 0
    for page in after:
        if page.path not in old_pages:
            continue
        old = old_pages[page.path]
        if old_fingerprints[page.path] == new_fingerprints[page.path]:
            kept += 1
            assert fixture_pages.view(old) == edited.view(page), page.path
        else:
            changed += 1
            assert fixture_pages.view(old) != edited.view(page), page.path
    assert kept and changed
