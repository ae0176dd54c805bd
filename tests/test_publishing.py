"""The build summary says how big the output is, and which hosts would refuse it."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

from conftest import SITE_CONTENT, Watched, make_config
from sitegen import folders
from sitegen.build import Report, build_site
from sitegen.cache import Cache
from sitegen.publish import Held, Spare, describe_size, gone, host_warnings, next_manifest


def summary_of(config) -> str:
    out = io.StringIO()
    build_site(config, jobs=1, report=Report(out=out))
    return out.getvalue()


def files_and_bytes(output: Path) -> tuple[int, int]:
    files = [path for path in output.rglob("*") if path.is_file() and path.name != folders.MARK]
    return len(files), sum(path.stat().st_size for path in files)


def check_summary(config) -> str:
    """Build; the summary and the size the cache keeps for the next build are the output's own."""
    summary = summary_of(config)
    files, size = files_and_bytes(config.output_path)
    assert f"{config.output_path}: {files:,} files, {describe_size(size)}\n" in summary
    assert Cache(config.path(config.cache_dir)).load(config.output_path).output_bytes == size
    return summary


def test_the_summary_gives_the_outputs_files_and_bytes_after_clean_and_incremental_builds(tmp_path: Path):
    content = tmp_path / "content"
    shutil.copytree(SITE_CONTENT, content)
    config = make_config(tmp_path, content=content)
    check_summary(config)
    day = content / "cs.CV/2022/09/20220929.md"
    day.write_text(day.read_text(encoding="utf-8").replace("Segmentation", "Segmentation " * 400), encoding="utf-8")
    check_summary(config)
    (content / "cs.LG/2022/09/20220929.md").unlink()
    assert "warning:" not in check_summary(config)


def test_hosts_limits_are_named_when_passed():
    assert host_warnings(19_000, 500_000_000) == []
    assert host_warnings(25_000, 500_000_000) == [
        "25,000 files: over the limit of Cloudflare Pages' free plan (20,000 files)"]
    whole_archive = host_warnings(566_000, 4_800_000_000)
    assert whole_archive == [
        "4.8 GB: over the limit of GitHub Pages (1.0 GB)",
        "566,000 files: over the limit of GitLab Pages (200,000 files)",
        "4.8 GB: over the limit of GitLab Pages (1.0 GB)",
        "566,000 files: over the limit of Cloudflare Pages' free plan (20,000 files)",
        "566,000 files: over the limit of Cloudflare Pages' paid plans (100,000 files)",
    ]


def test_sizes_read_as_hosts_write_them():
    assert [describe_size(n) for n in (512, 41_000, 312_000_000, 4_812_000_000)] == [
        "512 bytes", "41 kB", "312 MB", "4.8 GB"]


def test_an_update_patches_the_served_manifest_without_walking_it(tmp_path: Path):
    """What an update removes is told from the pages its plan removed and the files besides
    pages the served build made; the spare, which holds the build before, keeps the versions
    it holds of the paths that change."""
    served = Watched({"a.html": "A", "b.html": "B", "feed.xml": "F", "old.xml": "O", "kept.html": "K"})
    spare = Spare(tmp_path, Held(served, {"b.html": None}))  # the spare has no b.html
    made = {"feed.xml": "F", "c.html": "C", "a.html": "A2"}
    removed = gone(served, {"c.html": "fingerprint"}, {"b.html"}, ["feed.xml", "old.xml"], made, {})
    assert sorted(removed) == ["b.html", "old.xml"]
    manifest, before = next_manifest(served, made, removed, spare)
    assert before == {"b.html": "B", "old.xml": "O", "a.html": "A", "c.html": None}
    assert manifest is served
    assert dict(dict.items(manifest)) == {"a.html": "A2", "feed.xml": "F", "c.html": "C", "kept.html": "K"}
    assert {path: spare.holds.get(path) for path in ["a.html", "b.html", "c.html", "old.xml", "kept.html"]} == \
        {"a.html": "A", "b.html": None, "c.html": None, "old.xml": "O", "kept.html": "K"}

