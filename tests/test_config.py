"""Tests for `sitegen.config` (sitegen.yaml) and the `sitegen check` command."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from sitegen.cli import main
from sitegen.config import Config, documented_options, load_config, parse_config
from sitegen.errors import EXIT_FAILED, EXIT_OK, EXIT_USAGE, ConfigError

FIXTURES = Path(__file__).parent / "fixtures" / "digests"

GOOD_ENTRY = """### A Good Paper
- **Arxiv ID**: http://arxiv.org/abs/2209.14475v1
- **DOI**: None
- **Categories**: **cs.CV**, cs.LG
- **Links**: [PDF](http://arxiv.org/pdf/2209.14475v1)
- **Published**: 2022-09-29 00:00:11+00:00
- **Updated**: 2022-09-29 00:00:11+00:00
- **Authors**: Ada Lovelace, Alan Turing
- **Comment**: None
- **Journal**: None
- **Summary**: Fine.



"""
BAD_ENTRY = GOOD_ENTRY.replace("2209.14475", "2209.99999").replace(
    "2022-09-29 00:00:11+00:00\n- **Authors**", "someday\n- **Authors**")  # bad Updated on line 21


def problems_of(text: str) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "sitegen.yaml")
    return [str(problem) for problem in caught.value.problems]


# --- Defaults and loading --------------------------------------------------------------------


def test_defaults() -> None:
    config = Config()
    assert config.title == "arXiv archive"
    assert config.base_url == "http://localhost:8000/"
    assert config.language == "en"
    assert (config.content_dir, config.output_dir) == ("content", "output")
    assert (config.theme, config.themes_dir) == ("default", "themes")
    assert (config.per_page, config.feed_size) == (50, 50)
    assert config.strict is False
    assert config.category_overrides == {}


def test_every_option_is_documented_and_its_default_is_valid() -> None:
    options = documented_options()
    keys = [key for key, _, _ in options]
    assert {"title", "description", "base_url", "language", "content_dir", "output_dir", "theme",
            "themes_dir", "per_page", "feed_size", "strict", "category_overrides"} <= set(keys)
    assert "root" not in keys
    assert all(doc.strip() for _, _, doc in options)
    simple = {key: default for key, default, _ in options if isinstance(default, (str, int, bool))}
    assert parse_config("".join(f"{key}: {default!r}\n" for key, default in simple.items()), "s.yaml") == simple


def test_mutable_default_is_not_shared() -> None:
    Config().category_overrides["x"] = "cs.CV"
    assert Config().category_overrides == {}


def test_no_file_gives_defaults_rooted_at_the_working_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    config = load_config(None)
    assert config.root == tmp_path
    assert config.content_path == tmp_path / "content"
    assert config.title == Config().title


def test_values_from_the_file_and_paths_relative_to_it(tmp_path: Path) -> None:
    (tmp_path / "site").mkdir()
    path = tmp_path / "site" / "sitegen.yaml"
    path.write_text("title: My Archive\nper_page: 20\nstrict: true\ncontent_dir: ../digests\n"
                    "category_overrides: {cs.CV: cs.CV}\n", encoding="utf-8")
    config = load_config(path)
    assert (config.title, config.per_page, config.strict) == ("My Archive", 20, True)
    assert config.content_path == (tmp_path / "digests").resolve()
    assert config.output_path == (tmp_path / "site" / "output").resolve()
    assert config.category_overrides == {"cs.CV": "cs.CV"}


def test_sitegen_yaml_in_the_working_folder_is_read(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "sitegen.yaml").write_text("title: Found\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert load_config(None).title == "Found"


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n"])
def test_empty_file_gives_defaults(text: str) -> None:
    assert parse_config(text, "sitegen.yaml") == {}


def test_with_changes_ignores_unset_values() -> None:
    config = Config(strict=True).with_changes(strict=None, title="T")
    assert (config.strict, config.title) == (True, "T")


def test_missing_file_is_a_config_error(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_config(tmp_path / "nope.yaml")


def test_non_utf8_file_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "sitegen.yaml"
    path.write_bytes(b"title: caf\xe9\n")
    with pytest.raises(ConfigError, match="cannot read configuration"):
        load_config(path)


# --- Problems --------------------------------------------------------------------------------


def test_unknown_key_is_reported_with_its_line() -> None:
    [problem] = problems_of("title: T\n\n# the theme\nthem: dark\n")
    assert problem.startswith("sitegen.yaml:4: unknown key 'them' (known keys: ")
    assert "theme" in problem and "per_page" in problem


def test_wrong_type_is_reported_with_key_and_line() -> None:
    assert problems_of("title: T\nper_page: many\n") == [
        "sitegen.yaml:2: 'per_page' must be a whole number, got str 'many'"]


@pytest.mark.parametrize(("text", "message"), [
    ("strict: 'yes please'", "'strict' must be true or false, got str 'yes please'"),
    ("per_page: true", "'per_page' must be a whole number, got bool True"),
    ("feed_size: 2.5", "'feed_size' must be a whole number, got float 2.5"),
    ("per_page: 0", "'per_page' must be a positive number, got 0"),
    ("feed_size: -3", "'feed_size' must be a positive number, got -3"),
    ("title: 42", "'title' must be a string, got int 42"),
    ("title:", "'title' must be a string, got NoneType None"),
    ("base_url: [a, b]", "'base_url' must be a string, got list ['a', 'b']"),
    ("category_overrides: cs.CV", "'category_overrides' must be a mapping, got str 'cs.CV'"),
])
def test_each_wrong_type_says_what_was_expected(text: str, message: str) -> None:
    assert problems_of("title: T\n" + text + "\n") == [f"sitegen.yaml:2: {message}"]


def test_several_problems_are_reported_together() -> None:
    text = "title: T\nper_page: lots\nlanguage: en\nthme: dark\nstrict: maybe\n"
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "sitegen.yaml")
    assert [(p.line, p.message.split(" ")[0]) for p in caught.value.problems] == [
        (2, "'per_page'"), (4, "unknown"), (5, "'strict'")]
    assert caught.value.message == "3 problems in the configuration"
    assert str(caught.value).splitlines() == [str(p) for p in caught.value.problems] + [caught.value.message]


def test_invalid_yaml_is_reported_with_its_line() -> None:
    [problem] = problems_of("title: T\nper_page: [1, 2\nstrict: true\n")
    assert problem.startswith("sitegen.yaml:3: not valid YAML:")  # where the parser found the error
    assert "expected ',' or ']'" in problem


def test_tab_indentation_is_invalid_yaml_at_its_line() -> None:
    [problem] = problems_of("title: T\ncategory_overrides:\n\tcs.CV: cs.CV\n")
    assert problem.startswith("sitegen.yaml:3: not valid YAML:")


@pytest.mark.parametrize("text", ["- title\n- T\n", "just a string\n", "42\n"])
def test_top_level_must_be_a_mapping(text: str) -> None:
    assert problems_of(text) == ["sitegen.yaml:1: expected a mapping of keys to values"]


def test_unknown_key_that_yaml_reads_as_a_boolean_is_reported_at_its_line() -> None:
    # YAML 1.1 reads `on`, `yes`, `off` … as booleans: the key's own line must still be used.
    [problem] = problems_of("title: T\nper_page: 10\non: push\n")
    assert problem.startswith("sitegen.yaml:3: unknown key"), problem


def test_category_override_must_map_to_a_category_code() -> None:
    problems = problems_of("title: T\ncategory_overrides:\n  cs.CV: 5\n")
    assert len(problems) == 1 and problems[0].startswith("sitegen.yaml:2: "), problems
    assert "'category_overrides'" in problems[0]


def test_venue_aliases_map_spellings_to_short_names() -> None:
    values = parse_config('venue_aliases: {"Conf. Comput. Vis. Pattern Recognit.": CVPR, MIDL: MIDL}\n',
                          "sitegen.yaml")
    assert values == {"venue_aliases": {"Conf. Comput. Vis. Pattern Recognit.": "CVPR", "MIDL": "MIDL"}}
    assert problems_of("title: T\nvenue_aliases:\n  MIDL: [MIDL]\n") == [
        "sitegen.yaml:2: 'venue_aliases' must map venue spellings to short names (strings), got {'MIDL': ['MIDL']}"]


# --- `sitegen check` -------------------------------------------------------------------------


def write_content(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["check", *argv])  # must return, never raise
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out, err


def test_check_prints_the_summary(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, str(FIXTURES))
    assert code == EXIT_OK and err == ""
    lines = out.strip().splitlines()
    assert lines[0] == ("8 files (0.0 MB), 19 entries, 17 unique papers, 2 merged duplicates, "
                        "0 skipped entries")
    assert lines[1].startswith("22 authors, 10 categories, 8 days, 0 problems, in ")
    assert lines[1].endswith(" s")


def test_check_clean_content_passes_in_strict_mode(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, str(FIXTURES), "--strict")
    assert code == EXIT_OK and err == ""


def test_check_prints_problems_as_file_line_message(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_content(tmp_path / "content", {
        "cs.CV/20220929.md": "# Arxiv Papers in cs.CV on 2022-09-29\nstray\n\n" + GOOD_ENTRY + BAD_ENTRY})
    code, out, err = run(capsys)
    assert code == EXIT_OK and err == ""
    assert out.splitlines()[:3] == [
        "content/cs.CV/20220929.md:2: stray text outside any entry: 'stray'; ignored",
        "content/cs.CV/20220929.md:24: 'Updated' is not a date and time like 2022-09-29 00:00:11+00:00: "
        "'someday'; entry skipped",
        "",
    ]
    assert "1 file (0.0 MB), 1 entry, 1 unique paper, 0 merged duplicates, 1 skipped entry" in out
    assert ", 2 problems, in " in out


def test_check_strict_fails_on_a_problem(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_content(tmp_path / "content", {"20220929.md": "# Arxiv Papers in cs.CV on 2022-09-29\n" + BAD_ENTRY})
    code, out, err = run(capsys, "--strict")
    assert code == EXIT_FAILED
    assert out.startswith("content/20220929.md:8: ")
    assert err == "strict: 1 problem found\n"


def test_check_strict_from_the_configuration(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sitegen.yaml").write_text("strict: true\ncontent_dir: digests\n", encoding="utf-8")
    write_content(tmp_path / "digests", {"20220929.md": "# Arxiv Papers in cs.CV on 2022-09-30\n"})
    code, out, err = run(capsys)
    assert code == EXIT_FAILED
    assert out.startswith("digests/20220929.md:1: file name says 2022-09-29 but the heading says 2022-09-30")
    assert "strict" in err


def test_check_reads_the_configured_content_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(FIXTURES, tmp_path / "digests")
    (tmp_path / "sitegen.yaml").write_text("content_dir: digests\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(capsys)
    assert code == EXIT_OK
    assert out.lstrip().startswith("8 files")


def test_check_applies_category_overrides(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_content(tmp_path / "content", {"vision/20220929.md": "# Arxiv Papers in cs.CV on 2022-09-29\n" + GOOD_ENTRY})
    _, plain, _ = run(capsys)
    (tmp_path / "sitegen.yaml").write_text("category_overrides: {vision: eess.IV}\n", encoding="utf-8")
    _, overridden, _ = run(capsys)
    assert "2 authors, 2 categories, 1 day" in plain  # cs.CV, cs.LG
    assert "2 authors, 3 categories, 1 day" in overridden  # and eess.IV, the listing's category


def test_check_reports_undecodable_bytes_and_goes_on(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    content = tmp_path / "content"
    content.mkdir()
    (content / "20220929.md").write_bytes(
        b"# Arxiv Papers in cs.CV on 2022-09-29\n" + GOOD_ENTRY.encode() + b"\xff\xfe\x00garbage\n")
    code, out, _ = run(capsys)
    assert code == EXIT_OK
    assert out.splitlines()[0].startswith("content/20220929.md:16: not UTF-8 text")
    assert "1 entry" in out


@pytest.mark.parametrize("argv, code", [([str(FIXTURES)], EXIT_OK), (["nowhere"], EXIT_USAGE)])
def test_the_command_ends_with_its_exit_code_and_all_it_printed(tmp_path: Path, argv: list[str], code: int) -> None:
    """`sitegen` ends the process itself (skipping the interpreter's teardown): what it
    printed to a pipe, where output is buffered, must still all come out."""
    buffered = {name: value for name, value in os.environ.items() if name != "PYTHONUNBUFFERED"}
    finished = subprocess.run([sys.executable, "-m", "sitegen.cli", "check", *argv], cwd=tmp_path,
                              capture_output=True, text=True, env=buffered)
    assert finished.returncode == code
    if code == EXIT_OK:
        assert finished.stdout.strip().startswith("8 files (0.0 MB), 19 entries") and finished.stderr == ""
        assert finished.stdout.rstrip().endswith(" s")
    else:
        assert finished.stdout == "" and finished.stderr.startswith("error: content folder not found: ")


def test_check_missing_path_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, err = run(capsys, str(tmp_path / "nowhere"))
    assert code == EXIT_USAGE
    assert out == ""
    assert err.startswith("error: content folder not found: ")


def test_check_missing_default_content_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys)
    assert code == EXIT_USAGE
    assert "content folder not found" in err


def test_check_bad_config_exits_2_with_every_problem(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "content").mkdir()
    (tmp_path / "sitegen.yaml").write_text("title: T\nper_page: lots\nthme: dark\n", encoding="utf-8")
    code, out, err = run(capsys)
    assert code == EXIT_USAGE
    assert out == ""
    lines = err.splitlines()
    assert lines[0] == "sitegen.yaml:2: 'per_page' must be a whole number, got str 'lots'"
    assert lines[1].startswith("sitegen.yaml:3: unknown key 'thme'")
    assert lines[2] == "2 problems in the configuration"


def test_check_invalid_yaml_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "content").mkdir()
    (tmp_path / "broken.yaml").write_text("title: [unclosed\n", encoding="utf-8")
    code, _, err = run(capsys, "--config", "broken.yaml")
    assert code == EXIT_USAGE
    assert err.startswith("broken.yaml:2: not valid YAML")


def test_check_missing_config_file_exits_2(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, _, err = run(capsys, str(FIXTURES), "--config", "nope.yaml")
    assert code == EXIT_USAGE
    assert err == "error: configuration file not found: nope.yaml\n"


def test_check_unknown_option_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as caught:
        main(["check", "--no-such-option"])
    assert caught.value.code == EXIT_USAGE
    assert "unrecognized arguments: --no-such-option" in capsys.readouterr().err


def test_check_non_string_category_override_is_a_config_error_not_a_crash(
        capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    write_content(tmp_path / "content", {"vision/20220929.md": "# Arxiv Papers in cs.CV on 2022-09-29\n" + GOOD_ENTRY})
    (tmp_path / "sitegen.yaml").write_text("category_overrides:\n  vision: 5\n", encoding="utf-8")
    code, _, err = run(capsys)
    assert code == EXIT_USAGE
    assert err.startswith("sitegen.yaml:1: ") and "'category_overrides'" in err


def test_check_unreadable_digest_is_a_problem_not_a_crash(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    content = write_content(tmp_path / "content", {"20220929.md": "# Arxiv Papers in cs.CV on 2022-09-29\n" + GOOD_ENTRY})
    (content / "20220930.md").symlink_to(tmp_path / "moved-away.md")  # dangling: cannot be read
    code, out, _ = run(capsys)
    assert code == EXIT_OK
    assert out.startswith("content/20220930.md:")
    assert "1 entry" in out
