"""The command line as a person meets it: help, version, usage errors, the options that
stand in for sitegen.yaml's settings, and the warnings about content that is not digests."""

from __future__ import annotations

import errno
import importlib.metadata
import os
import re
import signal
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

import sitegen
import sitegen.resources
import sitegen.start
import sitegen.themes
from sitegen.cli import main
from sitegen.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE

from conftest import SITE_CONTENT

COMMANDS = ("new", "check", "build", "serve", "config")
HEADING = "# Arxiv Papers in cs.CV on 2022-09-29\n"
ENTRY = """### A Good Paper
- **Arxiv ID**: http://arxiv.org/abs/2209.14475v1
- **DOI**: None
- **Categories**: **cs.CV**
- **Links**: [PDF](http://arxiv.org/pdf/2209.14475v1)
- **Published**: 2022-09-29 00:00:11+00:00
- **Updated**: 2022-09-29 00:00:11+00:00
- **Authors**: Ada Lovelace
- **Comment**: None
- **Journal**: None
- **Summary**: Fine.

"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """The exit code and what was printed, whether the command returned or argparse exited."""
    try:
        code = main(list(argv))
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty working folder with a content folder, as the working directory."""
    (tmp_path / "content").mkdir()
    monkeypatch.chdir(tmp_path)
    return tmp_path


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


# --- help, version, usage --------------------------------------------------------------------


def test_sitegen_alone_prints_the_help_and_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(capsys)
    assert code == EXIT_USAGE and out == ""
    assert err.startswith("usage: sitegen ")
    for command in COMMANDS:
        assert re.search(rf"^\s+{command}\s+\w", err, re.MULTILINE), f"{command} is not listed:\n{err}"


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(capsys, "--version") == (EXIT_OK, f"sitegen {sitegen.__version__}\n", "")
    assert sitegen.__version__ == importlib.metadata.version("sitegen")  # one source: the package's own


def test_python_m_sitegen_is_the_command(tmp_path: Path) -> None:
    finished = subprocess.run([sys.executable, "-m", "sitegen", "--version"], cwd=tmp_path,
                              capture_output=True, text=True, timeout=60)
    assert (finished.returncode, finished.stdout) == (EXIT_OK, f"sitegen {sitegen.__version__}\n")


def test_output_piped_into_a_reader_that_stops_is_no_traceback(tmp_path: Path) -> None:
    reader, writer = os.pipe()
    os.close(reader)  # nobody reads: the first write fails with a broken pipe
    finished = subprocess.run([sys.executable, "-m", "sitegen", "config"], cwd=tmp_path, stdout=writer,
                              stderr=subprocess.PIPE, text=True, timeout=60)
    os.close(writer)
    assert "Traceback" not in finished.stderr and finished.returncode == EXIT_FAILED


@pytest.mark.parametrize(("command", "described"), [
    ("new", "nothing is ever overwritten"),
    ("check", "report its problems"),
    ("build", "redoing only what changed"),
    ("serve", "live preview"),
    ("config", "List every key"),
])
def test_each_command_has_a_description(capsys: pytest.CaptureFixture[str], command: str, described: str) -> None:
    code, out, _ = run(capsys, command, "--help")
    assert code == EXIT_OK
    assert out.startswith(f"usage: sitegen {command} ")
    assert described in " ".join(out.split())


@pytest.mark.parametrize("argv", [
    ["check", "--no-such-option"],
    ["build", "--jobs", "0"],
    ["serve", "--output", "out"],  # serve writes nothing: it has no output folder
    ["new"],
    ["new", "a", "b"],
])
def test_a_usage_error_shows_the_commands_usage(capsys: pytest.CaptureFixture[str], argv: list[str]) -> None:
    code, out, err = run(capsys, *argv)
    assert code == EXIT_USAGE and out == ""
    assert err.startswith(f"usage: sitegen {argv[0]} "), err
    assert f"sitegen {argv[0]}: error: " in err


def test_a_misspelt_key_gets_a_suggestion(capsys: pytest.CaptureFixture[str], site: Path) -> None:
    write(site / "sitegen.yaml", "title: T\nthem: dark\nzzz: 1\n")
    code, _, err = run(capsys, "check")
    assert code == EXIT_USAGE
    [misspelt, unknown] = err.splitlines()[:2]
    assert misspelt.startswith("sitegen.yaml:2: unknown key 'them'") and misspelt.endswith("did you mean 'theme'?")
    assert unknown.startswith("sitegen.yaml:3: unknown key 'zzz'") and "did you mean" not in unknown


# --- the same options on build, check and serve ----------------------------------------------


def test_check_reads_the_content_option(capsys: pytest.CaptureFixture[str], site: Path) -> None:
    write(site / "sitegen.yaml", "content_dir: nowhere\n")
    code, out, _ = run(capsys, "check", "--content", str(SITE_CONTENT))
    assert code == EXIT_OK
    assert re.search(r"^\d+ files .*, [1-9]\d* unique papers", out, re.MULTILINE), out


def test_check_takes_the_content_folder_once(capsys: pytest.CaptureFixture[str], site: Path) -> None:
    code, _, err = run(capsys, "check", "content", "--content", str(SITE_CONTENT))
    assert code == EXIT_USAGE
    assert err.startswith("usage: sitegen check ") and "give the content folder once" in err
    assert run(capsys, "check", "content", "--content", "content")[0] == EXIT_OK


def test_build_reads_content_and_writes_output_given_on_the_command_line(
        capsys: pytest.CaptureFixture[str], site: Path) -> None:
    write(site / "conf" / "site.yaml", "title: Optioned\ncontent_dir: nowhere\noutput_dir: elsewhere\n")
    code, _, err = run(capsys, "build", "--config", "conf/site.yaml", "--content", str(SITE_CONTENT),
                       "--output", "public", "--jobs", "1")
    assert code == EXIT_OK, err
    assert "Optioned" in (site / "public" / "index.html").read_text(encoding="utf-8")
    assert not (site / "conf" / "elsewhere").exists()  # --output is relative to the working folder


def test_serve_reads_the_content_option(tmp_path: Path) -> None:
    write(tmp_path / "sitegen.yaml", "title: Served\ncontent_dir: nowhere\n")
    server = subprocess.Popen([sys.executable, "-m", "sitegen", "serve", "--port", "0", "--content", str(SITE_CONTENT)],
                              cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        for line in server.stderr:
            match = re.match(r"serving Served at (\S+) ", line)
            if match:
                break
        else:
            pytest.fail("sitegen serve ended without serving")
        with urllib.request.urlopen(match.group(1) + "papers/2209.14001.html", timeout=30) as response:
            assert response.status == 200
    finally:
        server.send_signal(signal.SIGINT)
        server.communicate(timeout=30)


# --- warnings: content that is not digests, no papers ----------------------------------------


def test_empty_content_warns_in_check_and_build(capsys: pytest.CaptureFixture[str], site: Path) -> None:
    code, out, _ = run(capsys, "check", "--strict")
    assert code == EXIT_OK
    assert out.startswith("warning: no digests in content ")
    code, _, err = run(capsys, "build", "--strict", "--jobs", "1")
    assert code == EXIT_OK
    assert "warning: no digests in content " in err


def test_digests_without_entries_warn_that_there_are_no_papers(capsys: pytest.CaptureFixture[str],
                                                               site: Path) -> None:
    write(site / "content" / "20220929.md", HEADING)
    code, out, _ = run(capsys, "check")
    assert code == EXIT_OK
    assert "warning: 1 digest in content, listing no papers" in out
    _, _, err = run(capsys, "build", "--jobs", "1")
    assert "warning: 1 digest in content, listing no papers" in err


def test_a_markdown_file_that_is_no_digest_gets_one_warning(capsys: pytest.CaptureFixture[str], site: Path) -> None:
    write(site / "content" / "20220929.md", HEADING + ENTRY)
    write(site / "content" / "notes.md", "# Notes\n\nWhat to read next:\n\n- one\n- two\n")
    code, out, _ = run(capsys, "check", "--strict")
    assert code == EXIT_OK  # a warning, not a problem
    assert [line for line in out.splitlines() if "notes.md" in line] == [
        "content/notes.md:1: warning: not a digest (no '# Arxiv Papers in <category> on <YYYY-MM-DD>' heading); "
        "skipped (list it under 'ignore' in sitegen.yaml to leave it out quietly)"]
    assert "1 file (0.0 MB), 1 entry" in out and ", 0 problems, " in out
    _, _, err = run(capsys, "build", "--strict", "--jobs", "1")
    assert "content/notes.md:1: warning: not a digest" in err


def test_a_broken_digest_is_still_a_problem(capsys: pytest.CaptureFixture[str], site: Path) -> None:
    write(site / "content" / "20220929.md", "# Arxiv Papers in cs.CV on yesterday\n" + ENTRY)
    write(site / "content" / "20220930.md", "")
    code, out, _ = run(capsys, "check", "--strict")
    assert code != EXIT_OK
    assert out.startswith("content/20220929.md:1: expected a heading")
    assert "content/20220930.md:1: empty file" in out
    assert "not a digest" not in out


@pytest.mark.parametrize(("configuration", "left_out"), [
    ("", ["README.md", "cs.CV/README.md"]),  # the default: a README anywhere
    ("ignore: ['drafts/*', '*.notes.md']\n", ["drafts/20220930.md", "drafts/old/x.md", "cs.CV/a.notes.md"]),
])
def test_ignored_files_are_not_read(capsys: pytest.CaptureFixture[str], site: Path, configuration: str,
                                    left_out: list[str]) -> None:
    write(site / "sitegen.yaml", configuration)
    write(site / "content" / "20220929.md", HEADING + ENTRY)
    for name in left_out:
        write(site / "content" / name, "# Arxiv Papers in cs.CV on never\nbroken\n")
    code, out, _ = run(capsys, "check", "--strict")
    assert code == EXIT_OK, out
    assert out.lstrip().startswith("1 file (0.0 MB), 1 entry"), out
    assert "warning" not in out


def test_ignore_must_be_a_list_of_patterns(capsys: pytest.CaptureFixture[str], site: Path) -> None:
    write(site / "sitegen.yaml", "ignore: [README.md, 3]\n")
    code, _, err = run(capsys, "check")
    assert code == EXIT_USAGE
    assert err.startswith("sitegen.yaml:1: 'ignore' must be a list of strings")


# --- a missing theme or browser library ------------------------------------------------------


@pytest.mark.parametrize("installed", [False, True])
@pytest.mark.parametrize(("name", "what", "fix"), [
    ("DEFAULT_THEME", "the default theme", "git checkout -- themes/default"),
    ("NODE_MODULES", "katex (a browser library the default theme uses)", "run `npm ci` in "),
])
def test_a_missing_theme_or_library_is_named_with_the_fix(
        capsys: pytest.CaptureFixture[str], site: Path, monkeypatch: pytest.MonkeyPatch,
        installed: bool, name: str, what: str, fix: str) -> None:
    monkeypatch.setattr(sitegen.themes, name, site / "missing")
    monkeypatch.setattr(sitegen.resources, "INSTALLED", installed)
    write(site / "content" / "20220929.md", HEADING + ENTRY)
    code, _, err = run(capsys, "build", "--jobs", "1")
    assert code == 1
    where = "this installation of sitegen" if installed else "this checkout"
    assert err.startswith(f"error: {what} is missing from {where}: {site / 'missing'}")
    assert err.rstrip().endswith("reinstall sitegen") if installed else fix in err
    assert not (site / "output").exists()


# --- what the system refuses ---------------------------------------------------------------


def _no_space_left(handle: int, data) -> int:
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_full_disk_stops_the_build_naming_the_file_and_the_site_stays(
        capsys: pytest.CaptureFixture[str], site: Path, monkeypatch: pytest.MonkeyPatch, jobs: str) -> None:
    write(site / "content" / "20220929.md", HEADING + ENTRY)
    assert run(capsys, "build", "--jobs", jobs)[0] == EXIT_OK
    served = {path: path.read_bytes() for path in (site / "output").rglob("*.html")}
    write(site / "content" / "20220930.md", HEADING.replace("29", "30") + ENTRY.replace("14475", "14476"))
    monkeypatch.setattr(os, "write", _no_space_left)  # what writing any file of the site meets
    code, _, err = run(capsys, "build", "--jobs", jobs)
    assert code == EXIT_FAILED
    assert re.search(r"^error: cannot write \S+\.\w+: No space left on device$", err, re.MULTILINE), err
    assert {path: path.read_bytes() for path in (site / "output").rglob("*.html")} == served


def test_any_other_refusal_of_the_system_is_its_reason_not_a_traceback(
        capsys: pytest.CaptureFixture[str], site: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(*args, **kwargs):
        raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(site / ".sitegen-cache" / "state"))

    monkeypatch.setattr(sitegen.start, "build_site", refused)
    code, _, err = run(capsys, "build")
    assert (code, err) == (EXIT_FAILED, f"error: Permission denied: {site / '.sitegen-cache' / 'state'}\n")
