"""The build state: a base written now and then, and a head of what changed since it.

In the small fixture an update changes more than a tenth of the files, so each build
writes a new base; here the share is raised, so the updates go into the head as they
do at archive scale, where a day changes a few thousand of a million files."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from conftest import SITE_CONTENT, make_config, quiet_build
from sitegen import cache, folders
from sitegen.cache import Cache, content_hash
from test_incremental import DAY, clean_build, snapshot


@pytest.fixture
def content(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(SITE_CONTENT, folder)
    return folder


def assert_state_describes_the_output(config) -> None:
    """What the state says the served folder holds is what it holds, byte for byte."""
    state = Cache(config.path(config.cache_dir)).load(config.output_path)
    files = {path: data for path, data in snapshot(config.output_path).items() if path != folders.MARK}
    assert state.served is not None and set(state.served) == set(files)
    assert all(state.served[path].endswith(content_hash(data)) for path, data in files.items())


def test_updates_go_into_the_head_and_keep_the_state_true(tmp_path: Path, content: Path, monkeypatch):
    monkeypatch.setattr(cache, "BASE_SHARE", 100.0)
    config = make_config(tmp_path / "site", content=content)
    quiet_build(config)
    bases = sorted(config.path(config.cache_dir).glob("state-*.marshal"))
    held_back = tmp_path / "held-back.md"
    edited = content / "cs.CV/2022/09/20220928.md"
    for change in (lambda: shutil.move(content / DAY, held_back),  # a day removed, added back, a paper edited
                   lambda: shutil.move(held_back, content / DAY),
                   lambda: edited.write_text(edited.read_text(encoding="utf-8").replace("### ", "### Revised: ", 1),
                                             encoding="utf-8")):
        change()
        result = quiet_build(config)
        assert 0 < result.rendered < sum(result.pages.values())
        assert sorted(config.path(config.cache_dir).glob("state-*.marshal")) == bases  # the base was not written
        assert_state_describes_the_output(config)
    assert snapshot(config.output_path) == clean_build(tmp_path, content)


def test_past_the_share_the_base_is_written_again_and_the_old_one_deleted(tmp_path: Path, content: Path):
    config = make_config(tmp_path / "site", content=content)
    quiet_build(config)
    before = sorted(config.path(config.cache_dir).glob("state-*.marshal"))
    shutil.move(content / DAY, tmp_path / "held-back.md")  # a third of the fixture: past a tenth of its files
    quiet_build(config)
    after = sorted(config.path(config.cache_dir).glob("state-*.marshal"))
    assert len(before) == len(after) == 1 and before != after
    assert_state_describes_the_output(config)


def test_a_missing_base_gives_a_full_and_identical_build(tmp_path: Path, content: Path):
    config = make_config(tmp_path / "site", content=content)
    quiet_build(config)
    for base in config.path(config.cache_dir).glob("state-*.marshal"):
        base.unlink()
    edited = content / DAY
    edited.write_text(edited.read_text(encoding="utf-8").replace("nothing unusual", "nothing new"), encoding="utf-8")
    result = quiet_build(config)
    assert result.rendered == sum(result.pages.values())
    assert snapshot(config.output_path) == clean_build(tmp_path, content)
    assert_state_describes_the_output(config)
