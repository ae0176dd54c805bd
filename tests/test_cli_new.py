"""`sitegen new DIR`: a site that builds at once, and never a file overwritten."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

from sitegen import scaffold
from sitegen.cli import main
from sitegen.config import load_config
from sitegen.errors import EXIT_OK, EXIT_USAGE

SITE_FILES = [".github/workflows/pages.yml", ".gitignore", "content/20220929.md", "netlify.toml",
              "requirements.txt", "sitegen.yaml", "themes/README.md"]


def new(capsys: pytest.CaptureFixture[str], folder: Path) -> tuple[int, str, str]:
    code = main(["new", str(folder)])
    out, err = capsys.readouterr()
    return code, out, err


def files_of(folder: Path) -> dict[str, str]:
    """Every file and folder below `folder` by relative path, a file with the hash of its bytes."""
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else "/"
            for path in sorted(folder.rglob("*"))}


@pytest.fixture
def created(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Path:
    folder = tmp_path / "mysite"
    code, out, err = new(capsys, folder)
    assert (code, err) == (EXIT_OK, "")
    assert f"cd {folder} && sitegen build" in out
    return folder


def test_new_writes_the_site_files(created: Path) -> None:
    assert [name for name, kind in files_of(created).items() if kind != "/"] == SITE_FILES


def test_the_new_site_builds_at_once(capsys: pytest.CaptureFixture[str], created: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(created)
    assert main(["check", "--strict"]) == EXIT_OK
    assert main(["build", "--strict", "--jobs", "1"]) == EXIT_OK
    out, err = capsys.readouterr()
    assert "warning" not in out + err
    assert "78 unique papers" in out and "from 78 papers in 1 file" in err
    home = (created / "output" / "index.html").read_text(encoding="utf-8")
    assert load_config(created / "sitegen.yaml").title in home


def test_the_gitignore_leaves_out_what_a_build_writes(capsys: pytest.CaptureFixture[str], created: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    if shutil.which("git") is None:
        pytest.skip("needs git")
    monkeypatch.chdir(created)
    main(["build", "--jobs", "1"])
    with (created / "sitegen.yaml").open("a", encoding="utf-8") as config:
        config.write("description: Changed.\n")
    main(["build", "--jobs", "1"])  # an update leaves the spare folder beside the output
    assert (created / ".output.next").is_dir()
    subprocess.run(["git", "init", "-q"], cwd=created, check=True)
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"], cwd=created,
                            capture_output=True, text=True, check=True).stdout
    assert sorted(line[3:] for line in status.splitlines()) == SITE_FILES


def test_the_publishing_files_build_with_sitegen(created: Path) -> None:
    config = load_config(created / "sitegen.yaml")
    netlify = tomllib.loads((created / "netlify.toml").read_text(encoding="utf-8"))
    assert netlify["build"]["publish"] == config.output_dir
    assert netlify["build"]["command"] == "pip install -r requirements.txt && sitegen build"
    assert (created / "requirements.txt").read_text(encoding="utf-8") == scaffold.requirement(None)
    workflow = yaml.safe_load((created / ".github" / "workflows" / "pages.yml").read_text(encoding="utf-8"))
    steps = [step for job in workflow["jobs"].values() for step in job["steps"]]
    assert [step["uses"].split("@")[0] for step in steps if "uses" in step] == [
        "actions/checkout", "actions/setup-python", "actions/upload-pages-artifact", "actions/deploy-pages"]
    assert [step["run"] for step in steps if "run" in step] == ["pip install -r requirements.txt", "sitegen build"]
    upload = next(step for step in steps if step.get("uses", "").startswith("actions/upload-pages-artifact"))
    assert upload["with"]["path"] == config.output_dir


def test_an_empty_folder_is_filled(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert new(capsys, tmp_path)[0] == EXIT_OK
    assert (tmp_path / "sitegen.yaml").is_file()


@pytest.mark.parametrize("existing", [
    {"sitegen.yaml": "title: Mine\n"},
    {"content/20220929.md": "my own digest\n", "notes.txt": "keep\n"},
    {".git/HEAD": "ref: refs/heads/main\n"},
])
def test_a_folder_that_is_not_empty_is_refused_and_left_as_it_was(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, existing: dict[str, str]) -> None:
    folder = tmp_path / "site"
    for name, text in existing.items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text, encoding="utf-8")
    before = files_of(folder)
    code, out, err = new(capsys, folder)
    assert (code, out) == (EXIT_USAGE, "")
    assert err == (f"error: {folder} already exists and is not an empty folder: sitegen new writes only into "
                   "a new or empty folder, and nothing was written\n")
    assert files_of(folder) == before


def test_a_file_in_the_way_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    path = tmp_path / "site"
    path.write_text("a file\n", encoding="utf-8")
    code, _, err = new(capsys, path)
    assert code == EXIT_USAGE and "already exists and is not an empty folder" in err
    assert path.read_text(encoding="utf-8") == "a file\n"


@pytest.mark.parametrize(("origin", "line"), [
    ({"url": "https://github.com/you/sitegen.git", "vcs_info": {"vcs": "git", "commit_id": "0123abc"}},
     "sitegen @ git+https://github.com/you/sitegen.git@0123abc\n"),
    ({"url": "https://example.org/sitegen-0.2.0-py3-none-any.whl", "archive_info": {}},
     "sitegen @ https://example.org/sitegen-0.2.0-py3-none-any.whl\n"),
])
def test_the_requirement_names_where_this_sitegen_came_from_when_a_host_can_reach_it(origin: dict, line: str):
    assert scaffold.requirement(origin) == line


@pytest.mark.parametrize("origin", [None, {"url": "file:///home/me/sitegen-0.2.0-py3-none-any.whl",
                                           "archive_info": {}}, {"url": "file:///home/me/sitegen", "dir_info": {}}])
def test_a_source_no_host_can_reach_gets_a_note_and_no_other_project_from_pypi(origin: dict | None, tmp_path: Path):
    text = scaffold.requirement(origin)
    assert all(line.startswith("#") for line in text.splitlines())  # pip installs nothing by mistake
    assert "not on PyPI" in text and "sitegen @ git+https://" in text
