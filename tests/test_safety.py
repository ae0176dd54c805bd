"""Nothing lost, nothing leaked: a build pointed at the wrong folder, by flag or by
configuration, refuses (exit 2, a message, nothing moved or deleted); a theme cannot
publish a file from outside itself; no control character reaches a page.

Every case hashes the user's files before and after, and builds twice: the first build
used to move a folder aside, the second deleted it."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import pytest

from conftest import BASE_URL, SITE_CONTENT, make_config, quiet_build
from sitegen import folders
from sitegen.cli import main
from sitegen.errors import BuildError, UsageError

DIGEST = SITE_CONTENT / "cs.CV/2022/09/20220929.md"


def hashes(folder: Path) -> dict[str, str]:
    """Every file and link below `folder` (links by target, not followed), with its bytes' hash."""
    found = {}
    for parent, subfolders, files in os.walk(folder):
        for name in sorted(subfolders + files):
            path = Path(parent, name)
            key = str(path.relative_to(folder))
            if path.is_symlink():
                found[key] = f"-> {os.readlink(path)}"
            elif path.is_file():
                found[key] = hashlib.sha256(path.read_bytes()).hexdigest()
            else:
                found[key] = "folder"
    return found


@pytest.fixture(autouse=True)
def working_folder(tmp_path: Path, monkeypatch) -> None:
    """Each test's own working folder, and the one the tests run in given back after."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def world(tmp_path: Path) -> Path:
    """A user's folder: a site (configuration, content, a theme) beside other files of theirs."""
    site = tmp_path / "home" / "site"
    (site / "content").mkdir(parents=True)
    shutil.copy(DIGEST, site / "content" / "20220929.md")
    (site / "themes" / "mine" / "templates").mkdir(parents=True)
    (site / "themes" / "mine" / "README.md").write_text("my theme\n", encoding="utf-8")
    (site / "danger").mkdir()
    (site / "danger" / "notes.txt").write_text("my notes\n", encoding="utf-8")
    (tmp_path / "home" / "sibling.txt").write_text("beside the site\n", encoding="utf-8")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere" / "thesis.tex").write_text("\\documentclass{article}\n", encoding="utf-8")
    (site / "linked").symlink_to(tmp_path / "elsewhere")
    return site


def write_config(site: Path, **keys: str) -> Path:
    values = {"base_url": BASE_URL, "theme": "mine", **keys}
    config = site / "sitegen.yaml"
    config.write_text("".join(f"{key}: {json.dumps(value)}\n" for key, value in values.items()), encoding="utf-8")
    return config


def build_twice(site: Path, capsys, *flags: str) -> list[tuple[int, str]]:
    os.chdir(site)
    results = []
    for _ in range(2):
        code = main(["build", "--jobs", "1", *flags])
        results.append((code, capsys.readouterr().err))
    return results


def assert_refused(site: Path, capsys, watched: Path, phrases: tuple[str, ...], *flags: str) -> None:
    """Two builds of `site` exit 2 saying each of `phrases`, and every file below
    `watched` keeps its bytes (none comes or goes)."""
    before = hashes(watched)
    for code, err in build_twice(site, capsys, *flags):
        assert code == 2 and "Traceback" not in err, err
        assert all(phrase in err for phrase in phrases), err
    assert hashes(watched) == before


OUTPUTS = [
    pytest.param("content", "is the content folder", id="content"),
    pytest.param("content/cs.CV", "lies inside the content folder", id="inside-content"),
    pytest.param("themes", "is the themes folder", id="themes"),
    pytest.param("themes/mine/out", "lies inside the themes folder", id="inside-a-theme"),
    pytest.param(".", "is the configuration's folder", id="dot"),
    pytest.param("..", "contains the configuration's folder", id="parent"),
    pytest.param("danger", "holds files that sitegen did not write", id="existing-folder"),
    pytest.param("linked", "holds files that sitegen did not write", id="symlink-to-a-folder"),
    pytest.param(".sitegen-cache", "is the cache folder", id="cache"),
]


@pytest.mark.parametrize("by_flag", [False, True], ids=["sitegen.yaml", "--output"])
@pytest.mark.parametrize(("output", "message"), OUTPUTS)
def test_an_output_that_would_destroy_the_users_files_is_refused(world: Path, capsys, output: str, message: str,
                                                                 by_flag: bool):
    write_config(world, **({} if by_flag else {"output_dir": output}))
    assert_refused(world, capsys, world.parent.parent, (message, "refusing"),
                   *(["--output", output] if by_flag else []))


def test_an_absolute_output_folder_holding_files_is_refused(world: Path, tmp_path: Path, capsys):
    write_config(world, output_dir=str(tmp_path / "elsewhere"))
    assert_refused(world, capsys, tmp_path, ("holds files that sitegen did not write",))


@pytest.mark.parametrize(("output", "message"), [("HOME", "is the home folder"), ("/", "is the root folder")])
def test_the_home_and_root_folders_are_never_an_output(world: Path, capsys, monkeypatch, output: str, message: str):
    monkeypatch.setenv("HOME", str(world.parent))
    write_config(world)
    assert_refused(world, capsys, world.parent.parent, (message,),
                   "--output", str(world.parent) if output == "HOME" else output)


def test_a_spare_folder_that_sitegen_did_not_make_is_never_emptied(world: Path, capsys):
    write_config(world)
    (world / ".output.next").mkdir()
    (world / ".output.next" / "draft.md").write_text("a draft\n", encoding="utf-8")
    assert_refused(world, capsys, world, ("spare folder", "holds files that sitegen did not write"))


def test_an_empty_output_folder_is_taken_and_later_builds_keep_working(world: Path, capsys):
    write_config(world)
    (world / "output").mkdir()
    before = hashes(world.parent.parent)
    for code, err in build_twice(world, capsys):
        assert code == 0, err
    after = hashes(world.parent.parent)
    written = ("home/site/output", "home/site/.output.", "home/site/.sitegen-cache")
    assert {path: digest for path, digest in after.items() if not path.startswith(written)} == {
        path: digest for path, digest in before.items() if not path.startswith(written)}
    (world / "content" / "20220929.md").write_text(DIGEST.read_text(encoding="utf-8").replace(
        "Segmentation", "Segmenting"), encoding="utf-8")
    assert main(["build", "--jobs", "1"]) == 0
    assert (world / "output" / folders.MARK).is_file() and (world / ".output.next" / folders.MARK).is_file()
    assert "Segmenting" in (world / "output" / "papers" / "2209.14100.html").read_text(encoding="utf-8")


CACHES = [
    pytest.param("content", "is the content folder", id="content"),
    pytest.param("output/cache", "contains the cache folder", id="inside-the-output"),
    pytest.param("danger", "holds files that sitegen did not write", id="existing-folder"),
    pytest.param("..", "lies inside the cache folder", id="parent"),
]


@pytest.mark.parametrize(("cache", "message"), CACHES)
def test_a_cache_that_would_destroy_or_publish_files_is_refused(world: Path, capsys, cache: str, message: str):
    write_config(world, cache_dir=cache)
    assert_refused(world, capsys, world.parent.parent, (message, "cache folder"))


def test_files_in_a_cache_folder_that_sitegen_did_not_make_are_never_truncated_or_deleted(world: Path, capsys):
    cache = world / "store"
    (cache / "digests").mkdir(parents=True)
    (cache / "lock").write_text("my lock notes\n", encoding="utf-8")
    (cache / "digests" / "model.pickle").write_bytes(b"\x80\x04my model")
    write_config(world, cache_dir="store")
    assert_refused(world, capsys, world, ("cache folder", "holds files that sitegen did not write"))


def test_a_cache_made_by_sitegen_is_tagged_and_its_lock_file_kept(world: Path, capsys):
    write_config(world)
    for code, err in build_twice(world, capsys):
        assert code == 0, err
    tag = (world / ".sitegen-cache" / folders.CACHE_TAG).read_text(encoding="utf-8")
    assert tag.startswith("Signature: 8a477f597d28d172789f06886806bc55")


def test_two_builds_of_one_output_never_run_at_once_whatever_their_cache(tmp_path: Path):
    first = make_config(tmp_path, cache_dir="cache-a")
    second = first.with_changes(cache_dir="cache-b")
    quiet_build(first)
    before = hashes(tmp_path / "output")
    held = folders.build_folders(first.output_path, first.path("cache-a"), [])
    with folders.locked(held):
        with pytest.raises(BuildError, match="another build is writing .*output"):
            quiet_build(second)
    assert hashes(tmp_path / "output") == before
    quiet_build(second)


def test_a_removal_interrupted_at_any_file_leaves_the_folder_marked(tmp_path: Path, monkeypatch):
    """A build killed while emptying its spare folder must not leave a folder the next
    build refuses as somebody else's: the mark is the last file to go."""
    unlink = os.unlink
    for stop_at in range(1, 25):
        folder = tmp_path / f"spare-{stop_at}"
        folders.make_marked(folder)
        for number in range(20):
            (folder / ("sub" if number % 4 else "") / f"page-{number}.html").parent.mkdir(exist_ok=True)
            (folder / ("sub" if number % 4 else "") / f"page-{number}.html").write_text("x", encoding="utf-8")
        removed = []

        def unlink_until_killed(path, *args, **kwargs):
            if len(removed) + 1 == stop_at:
                raise KeyboardInterrupt  # the build is killed here
            removed.append(path)
            return unlink(path, *args, **kwargs)

        monkeypatch.setattr(os, "unlink", unlink_until_killed)
        try:
            folders.remove_marked(folder)
        except KeyboardInterrupt:
            pass
        monkeypatch.setattr(os, "unlink", unlink)
        assert not folder.exists() or folders.is_marked(folder, folders.MARK), stop_at
        folders.remove_marked(folder)  # and the next build empties it
        assert not folder.exists()


# --- themes ---------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["static/passwd.txt", "templates/paper.html", "static/etc"])
def test_a_theme_file_linking_out_of_the_theme_is_refused_and_nothing_is_published(world: Path, capsys,
                                                                                  tmp_path: Path, name: str):
    secret = tmp_path / "elsewhere" / "secret.txt"
    secret.write_text("root:x:0:0:secret\n", encoding="utf-8")
    link = world / "themes" / "mine" / name
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(secret if "." in name else secret.parent)
    write_config(world)
    assert_refused(world, capsys, tmp_path, (f"{link}: links outside the theme",))  # no output, no cache
    assert not (world / "output").exists()


def test_a_link_inside_the_theme_is_fine(world: Path, capsys):
    static = world / "themes" / "mine" / "static"
    static.mkdir()
    (static / "extra.css").write_text("body { color: black; }\n", encoding="utf-8")
    (static / "same.css").symlink_to("extra.css")
    write_config(world)
    for code, err in build_twice(world, capsys):
        assert code == 0, err
    assert len(list((world / "output" / "assets").glob("same.*.css"))) == 1


def test_a_missing_included_template_is_reported_with_the_template_and_line(world: Path, capsys):
    template = world / "themes" / "mine" / "templates" / "paper.html"
    template.write_text('{% extends "base.html" %}\n{% block main %}\n\n{% include "nope.html" %}\n{% endblock %}\n',
                        encoding="utf-8")
    write_config(world)
    os.chdir(world)
    assert main(["build", "--jobs", "1"]) == 1
    err = capsys.readouterr().err
    assert f"{template}:4: template not found: nope.html (rendering papers/" in err


# --- control characters -----------------------------------------------------------------

def test_control_characters_never_reach_a_page_raw(tmp_path: Path):
    content = tmp_path / "content"
    content.mkdir()
    text = DIGEST.read_text(encoding="utf-8")
    title = "### A Plain Segmentation Baseline"
    assert title in text
    (content / "20220929.md").write_text(text.replace(title, title + " with\x00NUL, \x1b[31mescape\x7f and \x85C1"),
                                         encoding="utf-8")
    config = make_config(tmp_path, content=content)
    result = quiet_build(config)
    assert result.problems >= 1
    page = (config.output_path / "papers" / "2209.14100.html").read_text(encoding="utf-8")
    assert "with\ufffdNUL, \ufffd[31mescape\ufffd and \ufffdC1" in page
    for path in config.output_path.rglob("*"):
        if path.suffix in (".html", ".xml", ".js", ".json"):
            data = path.read_text(encoding="utf-8")
            assert not any(ord(char) < 32 and char not in "\t\n\r" or 0x7f <= ord(char) <= 0x9f
                           for char in data), path


def test_control_characters_are_reported_at_their_line(tmp_path: Path, capsys):
    content = tmp_path / "content"
    content.mkdir()
    lines = DIGEST.read_text(encoding="utf-8").split("\n")
    number = next(index for index, line in enumerate(lines, 1) if line.startswith("### "))
    lines[number - 1] += "\x00"
    (content / "20220929.md").write_text("\n".join(lines), encoding="utf-8")
    assert main(["check", str(content)]) == 0
    assert f"20220929.md:{number}: control character U+0000 replaced by U+FFFD" in capsys.readouterr().out
