"""A build with nothing to do: it tells so from the digests' status and a small stamp,
without reading the digests or loading the state; and it still notices every change."""

from __future__ import annotations

import io
import os
import shutil
import time
from pathlib import Path

import pytest

from conftest import SITE_CONTENT, make_config, quiet_build
from sitegen import build, cache, reader
from sitegen.resources import DEFAULT_THEME

DAY = Path("cs.CV/2022/09/20220929.md")


@pytest.fixture
def content(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(SITE_CONTENT, folder)
    return folder


@pytest.fixture
def settled(monkeypatch) -> None:
    """Files written a moment ago count as settled (no longer racy), so a test need not
    wait `RACY_SECONDS` before its listing trusts them."""
    monkeypatch.setattr(reader, "RACY_SECONDS", 0.01)
    time.sleep(0.05)


@pytest.fixture
def reads(monkeypatch) -> list[str]:
    """The digests keyed from their bytes, by the name messages give them."""
    keyed: list[str] = []

    def counting(source, category, data, key=reader._key):
        keyed.append(Path(source).name)
        return key(source, category, data)

    monkeypatch.setattr(reader, "_key", counting)
    return keyed


def same_size_edit(path: Path) -> None:
    """Change a letter, keeping the size, and set the modification time back."""
    before = path.stat()
    data = path.read_bytes()
    position = data.index(b"### ") + 4
    path.write_bytes(data[:position] + (b"X" if data[position:position + 1] != b"X" else b"Y") + data[position + 1:])
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (before.st_size, before.st_mtime_ns)


def test_a_listing_reads_only_the_files_whose_status_changed(content: Path, settled, reads: list[str]):
    first = reader.list_content(content)
    reads.clear()
    again = reader.list_content(content, remembered=first.seen)
    assert reads == [] and again.keys == first.keys and again.bytes_read == first.bytes_read > 0


def test_a_digest_edited_with_its_size_and_modification_time_kept_is_read_again(content: Path, settled):
    first = reader.list_content(content)
    same_size_edit(content / DAY)
    again = reader.list_content(content, remembered=first.seen)
    fresh = reader.list_content(content)
    assert again.keys == fresh.keys != first.keys


def test_a_digest_changed_just_before_a_listing_is_read_again_at_the_next(content: Path, reads: list[str]):
    """Within the file system's timestamp granularity, a second change could leave the
    status as it was when listed: such a file is not trusted by its status."""
    (content / DAY).write_bytes((content / DAY).read_bytes())
    first = reader.list_content(content)
    reads.clear()
    reader.list_content(content, remembered=first.seen)
    assert DAY.name in reads


def test_a_build_with_nothing_changed_reads_no_digest_and_loads_no_state(tmp_path: Path, content: Path, settled,
                                                                         reads: list[str], monkeypatch):
    config = make_config(tmp_path / "site", content=content)
    quiet_build(config)
    reads.clear()

    def no_state(self, output):
        raise AssertionError("the state was loaded though nothing changed")

    monkeypatch.setattr(cache.Cache, "load", no_state)
    report = io.StringIO()
    result = build.build_site(config, jobs=1, report=build.Report(out=report))
    assert result.rendered == 0 and reads == []
    assert "nothing changed since the last build" in report.getvalue()


@pytest.mark.parametrize("change", ["digest kept in size and time", "template", "theme asset", "setting",
                                    "page deleted from the output"])
def test_a_build_after_a_no_change_build_notices_each_change(tmp_path: Path, content: Path, settled, change: str):
    theme = tmp_path / "site" / "themes" / "mine"
    (theme / "templates").mkdir(parents=True)
    (theme / "static").mkdir()
    (theme / "static" / "extra.css").write_text("h1 { color: teal }\n", encoding="utf-8")
    config = make_config(tmp_path / "site", content=content, theme="mine", extra_css=["extra.css"])
    quiet_build(config)
    assert quiet_build(config).rendered == 0  # the stamp is written, and trusted
    if change == "digest kept in size and time":
        same_size_edit(content / DAY)
    elif change == "template":
        day = (DEFAULT_THEME / "templates" / "day.html").read_text(encoding="utf-8")
        (theme / "templates" / "day.html").write_text(day.replace("<h1>", '<h1 class="edited">'), encoding="utf-8")
    elif change == "theme asset":
        (theme / "static" / "extra.css").write_text("h1 { color: navy }\n", encoding="utf-8")
    elif change == "setting":
        config = make_config(tmp_path / "site", content=content, theme="mine", extra_css=["extra.css"],
                             title="Another title")
    else:
        (config.output_path / "index.html").unlink()
    result = quiet_build(config)
    assert result.rendered > 0
    assert (config.output_path / "index.html").is_file()
