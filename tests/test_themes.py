"""Themes as a user writes them: `extra_css` / `extra_js` linked after the theme's own
files on every page (build and serve) and re-rendered when they change, a clear error
for an extra file that is not there, and warnings (never failures) for theme files that
override nothing."""

from __future__ import annotations

import re
from pathlib import Path

import html5lib
import pytest

from sitegen.cli import main
from sitegen.config import parse_config
from sitegen.errors import EXIT_OK, EXIT_USAGE, ConfigError
from sitegen.serve import Preview
from sitegen.serve.site import LiveSite
from sitegen.serve.watcher import ChangeKind
from sitegen.themes import load_theme, theme_warnings

from conftest import SITE_CONTENT, make_config, quiet_build
from test_serve import Heard, change, make_preview_site, wait_for

CUSTOM_CSS = "h1 { color: rgb(1, 2, 3); }\n"
CUSTOM_JS = "document.documentElement.dataset.custom = 'yes';\n"
# One page of every kind in the fixture site's output.
EVERY_KIND = ["index.html", "archive/index.html", "search/index.html", "404.html", "papers/2209.14100.html",
              "days/2022/09/29.html", "categories/cs.CV/index.html", "authors/erin-park.html", "venues/index.html",
              "venues/cvpr/2023.html", "following/index.html"]


def make_theme(root: Path, files: dict[str, str]) -> Path:
    """A theme `mine` under `root/themes` holding `files` (relative path -> text)."""
    theme = root / "themes" / "mine"
    for relative, text in files.items():
        (theme / relative).parent.mkdir(parents=True, exist_ok=True)
        (theme / relative).write_text(text, encoding="utf-8")
    return theme


def write_config(root: Path, text: str) -> Path:
    config = root / "sitegen.yaml"
    config.write_text(f"content_dir: {SITE_CONTENT}\ntheme: mine\n{text}", encoding="utf-8")
    return config


def build_command(config: Path, capsys) -> tuple[int, str]:
    """`sitegen build --config …` as a user runs it: exit code and what it printed."""
    code = main(["build", "--config", str(config), "--jobs", "1"])
    return code, capsys.readouterr().err


def head_links(page: Path) -> tuple[list[str], list[str]]:
    """The stylesheets and the scripts a page links, in document order."""
    tree = html5lib.parse(page.read_bytes(), namespaceHTMLElements=False)
    styles = [link.get("href") for link in tree.iter("link") if link.get("rel") == "stylesheet"]
    scripts = [script.get("src") for script in tree.iter("script") if script.get("src")]
    return styles, scripts


def published(output: Path, page: str, href: str) -> bytes:
    """The file a link leads to; the 404 page links from the site's root (base_url's path, here `/`)."""
    folder = output if href.startswith("/") else (output / page).parent
    return folder.joinpath(href.lstrip("/")).resolve().read_bytes()


# --- configuration ----------------------------------------------------------------------


def test_extra_files_are_lists_of_names():
    values = parse_config("extra_css: [custom.css, print.css]\nextra_js: [custom.js]\n", "sitegen.yaml")
    assert values == {"extra_css": ["custom.css", "print.css"], "extra_js": ["custom.js"]}


@pytest.mark.parametrize("text, expected", [
    ("extra_css: custom.css\n", "sitegen.yaml:1: 'extra_css' must be a list (e.g. [a, b]), got str 'custom.css'"),
    ("title: T\nextra_js: [1, a.js]\n", "sitegen.yaml:2: 'extra_js' must be a list of strings, "
                                        "got [1, 'a.js']"),
])
def test_an_extra_key_that_is_not_a_list_of_names_is_reported_with_its_line(text: str, expected: str):
    with pytest.raises(ConfigError) as caught:
        parse_config(text, "sitegen.yaml")
    assert [str(problem) for problem in caught.value.problems] == [expected]


# --- extra_css and extra_js in the build -------------------------------------------------


@pytest.fixture
def extra_site(tmp_path: Path) -> Path:
    """A site whose theme only adds a stylesheet and a script; returns its configuration file."""
    make_theme(tmp_path, {"static/custom.css": CUSTOM_CSS, "static/js/custom.js": CUSTOM_JS})
    return write_config(tmp_path, f"output_dir: {tmp_path / 'output'}\n"
                                  "extra_css: [custom.css]\nextra_js: [js/custom.js]\n")


def test_extra_files_come_after_the_defaults_on_every_page_and_are_published(extra_site: Path, capsys):
    code, printed = build_command(extra_site, capsys)
    assert code == EXIT_OK, printed
    output = extra_site.parent / "output"
    pages = sorted(str(path.relative_to(output)) for path in output.rglob("*.html"))
    assert set(EVERY_KIND) <= set(pages)
    for page in pages:
        styles, scripts = head_links(output / page)
        assert re.search(r"assets/style\.\w+\.css$", styles[0]), (page, styles)
        assert re.search(r"assets/custom\.\w+\.css$", styles[-1]), (page, styles)
        assert re.search(r"assets/js/custom\.\w+\.js$", scripts[-1]), (page, scripts)
        assert any(re.search(r"assets/site\.\w+\.js$", src) for src in scripts[:-1]), (page, scripts)
        assert published(output, page, styles[-1]) == CUSTOM_CSS.encode()
        assert published(output, page, scripts[-1]) == CUSTOM_JS.encode()


def test_without_extra_files_pages_link_only_the_theme(built_site: Path):
    styles, scripts = head_links(built_site / "papers/2209.14100.html")
    linked = [re.sub(r"\.\w+\.", ".", href.rsplit("/", 1)[1]) for href in styles + scripts]
    assert linked == ["style.css", "site.js", "following.js"]


@pytest.mark.parametrize("key", ["extra_css", "extra_js"])
def test_an_extra_file_missing_from_the_theme_fails_with_a_usage_error(tmp_path: Path, key: str, capsys):
    make_theme(tmp_path, {"static/custom.css": CUSTOM_CSS})
    config = write_config(tmp_path, f"output_dir: {tmp_path / 'output'}\n{key}: [custom.css, nowhere.x]\n")
    code, printed = build_command(config, capsys)
    assert code == EXIT_USAGE
    expected = tmp_path / "themes" / "mine" / "static" / "nowhere.x"
    assert printed.strip().splitlines()[-1] == (f"error: {key}: 'nowhere.x' is not a static file of the theme "
                                                f"(expected {expected})")
    assert "Traceback" not in printed
    assert not (tmp_path / "output").exists()


def test_an_edited_extra_stylesheet_re_renders_every_page_as_a_clean_build_would(tmp_path: Path):
    theme = make_theme(tmp_path, {"static/custom.css": CUSTOM_CSS})
    options = dict(theme="mine", themes_dir=str(tmp_path / "themes"), extra_css=["custom.css"])
    config = make_config(tmp_path / "site", **options)
    first = quiet_build(config)
    (theme / "static" / "custom.css").write_text("h1 { color: rgb(9, 9, 9); }\n", encoding="utf-8")
    second = quiet_build(config)
    assert second.rendered == sum(first.pages.values())
    clean = make_config(tmp_path / "clean", **options)
    quiet_build(clean)
    assert snapshot(config.output_path) == snapshot(clean.output_path)
    styles, _ = head_links(config.output_path / "index.html")
    assert published(config.output_path, "index.html", styles[-1]) == b"h1 { color: rgb(9, 9, 9); }\n"


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


# --- extra_css and extra_js in the preview -----------------------------------------------


def preview_with_extras(root: Path) -> tuple[LiveSite, Heard]:
    make_preview_site(root)
    (root / "themes" / "mine" / "static" / "custom.css").write_text(CUSTOM_CSS, encoding="utf-8")
    (root / "themes" / "mine" / "static" / "custom.js").write_text(CUSTOM_JS, encoding="utf-8")
    (root / "sitegen.yaml").write_text("title: Preview fixture\ntheme: mine\nextra_css: [custom.css]\n"
                                       "extra_js: [custom.js]\n", encoding="utf-8")
    heard = Heard(open_pages=["index.html"])
    return LiveSite(root / "sitegen.yaml", "http://127.0.0.1:8000/", heard, lambda line: None), heard


def test_the_preview_links_and_serves_the_extra_files_and_swaps_the_stylesheet_when_edited(tmp_path: Path):
    site, heard = preview_with_extras(tmp_path)
    page = site.respond("index.html").body.decode("utf-8")
    old = re.search(r'href="(assets/custom\.\w+\.css)"', page)[1]
    script = re.search(r'src="(assets/custom\.\w+\.js)"', page)[1]
    assert page.index("assets/style.") < page.index(old)
    assert page.index("assets/site.") < page.index(script)
    assert site.respond(old).body == CUSTOM_CSS.encode()
    assert site.respond(script).body == CUSTOM_JS.encode()

    stylesheet = tmp_path / "themes" / "mine" / "static" / "custom.css"
    stylesheet.write_text("h1 { color: rgb(9, 9, 9); }\n", encoding="utf-8")
    assert site.apply(change(tmp_path, ChangeKind.STATIC, "themes/mine/static/custom.css")) == "stylesheet swapped"
    [swap] = heard.events[-1]["stylesheets"]
    assert swap["old"] == old and site.respond(swap["new"]).body == b"h1 { color: rgb(9, 9, 9); }\n"


def test_the_preview_shows_a_missing_extra_file_until_it_is_back(tmp_path: Path):
    site, heard = preview_with_extras(tmp_path)
    stylesheet = tmp_path / "themes" / "mine" / "static" / "custom.css"
    stylesheet.unlink()
    outcome = site.apply(change(tmp_path, ChangeKind.STATIC, "themes/mine/static/custom.css"))
    assert outcome.startswith("error: extra_css: 'custom.css' is not a static file of the theme")
    assert heard.events[-1]["type"] == "error"
    assert site.respond("index.html").status == 200  # the last good state is still served

    stylesheet.write_text(CUSTOM_CSS, encoding="utf-8")
    site.apply(change(tmp_path, ChangeKind.STATIC, "themes/mine/static/custom.css"))
    assert site.failure() is None
    assert heard.events[-1]["error"] is None  # the browsers take the overlay down


# --- warnings for theme files that override nothing --------------------------------------


def test_misplaced_theme_files_are_warned_about_and_the_build_still_succeeds(tmp_path: Path, capsys):
    theme = make_theme(tmp_path, {
        "templates/papers.html": "{% extends 'base.html' %}",  # meant paper.html
        "templates/base.html": (Path(__file__).parent.parent / "themes/default/templates/base.html").read_text()
        .replace("</footer>", "{% include 'partials/note.html' %}</footer>"),
        "templates/partials/note.html": "<p>Kept: base.html includes it</p>",
        "template/day.html": "{% extends 'base.html' %}",  # meant templates/
        "style.css": "h1 { color: red; }",  # meant static/style.css
        "notes.txt": "to do",
        "README.md": "# My theme",
        "LICENSE": "MIT",
        ".git/HEAD": "ref: refs/heads/main",
    })
    config = write_config(tmp_path, f"output_dir: {tmp_path / 'output'}\n")
    code, printed = build_command(config, capsys)
    assert code == EXIT_OK, printed
    warnings = [line for line in printed.splitlines() if ": warning: " in line]
    assert warnings == [
        f"{theme / 'notes.txt'}: warning: not part of a theme, ignored: sitegen reads only `templates/` "
        "and `static/` in a theme folder",
        f"{theme / 'style.css'}: warning: not part of a theme, ignored: did you mean `static/style.css`? "
        "sitegen reads only `templates/` and `static/` in a theme folder",
        f"{theme / 'template'}: warning: not part of a theme, ignored: did you mean `templates/`? "
        "sitegen reads only `templates/` and `static/` in a theme folder",
        f"{theme / 'templates' / 'papers.html'}: warning: overrides nothing: the default theme has no template "
        "`papers.html` and no template uses it; did you mean `paper.html`?",
    ]
    assert "Kept: base.html includes it" in (tmp_path / "output" / "index.html").read_text(encoding="utf-8")


def test_the_preview_warns_at_start_and_when_a_misnamed_template_is_saved(tmp_path: Path):
    make_preview_site(tmp_path)
    templates = tmp_path / "themes" / "mine" / "templates"
    (templates / "homepage.html").write_text("nothing", encoding="utf-8")
    said: list[str] = []
    with Preview(tmp_path / "sitegen.yaml", "127.0.0.1", 0, said.append) as preview:
        preview.report_start()
        assert said[0] == (f"{templates / 'homepage.html'}: warning: overrides nothing: the default theme has no "
                           "template `homepage.html` and no template uses it; did you mean `home.html`?")
        (templates / "authors.html").write_text("{% extends 'base.html' %}", encoding="utf-8")
        assert wait_for(lambda: any("authors.html: warning: overrides nothing" in line for line in said)), said
    assert sum("homepage.html: warning" in line for line in said) == 1  # each warning said once


def test_a_theme_that_only_overrides_has_no_warnings(tmp_path: Path):
    make_preview_site(tmp_path)  # a full copy of the default theme
    config = make_config(tmp_path, theme="mine", themes_dir=str(tmp_path / "themes"))
    assert theme_warnings(load_theme(config)) == []
    assert theme_warnings(load_theme(make_config(tmp_path))) == []  # the default theme alone


def test_a_template_name_computed_at_render_time_silences_the_template_warnings(tmp_path: Path):
    make_theme(tmp_path, {"templates/not_found.html": "{% include 'gone-' ~ path %}",
                          "templates/gone-404.html": "gone"})
    config = make_config(tmp_path, theme="mine", themes_dir=str(tmp_path / "themes"))
    assert theme_warnings(load_theme(config)) == []



def test_warnings_name_paths_from_the_working_folder(tmp_path: Path, monkeypatch):
    make_theme(tmp_path, {"templates/pape.html": "x"})
    monkeypatch.chdir(tmp_path)
    [warning] = theme_warnings(load_theme(make_config(tmp_path, theme="mine", themes_dir="themes")))
    assert str(warning).startswith("themes/mine/templates/pape.html: warning: overrides nothing")


def test_an_extra_file_with_the_default_theme_alone_asks_for_a_theme_of_the_site(tmp_path: Path, capsys):
    config = tmp_path / "sitegen.yaml"
    config.write_text(f"content_dir: {SITE_CONTENT}\noutput_dir: {tmp_path / 'output'}\nextra_css: [custom.css]\n")
    code, printed = build_command(config, capsys)
    assert code == EXIT_USAGE
    assert printed.strip() == ("error: extra_css: 'custom.css' is not a static file of the theme (the default theme "
                               "has none: set `theme: mine` and put it in themes/mine/static/custom.css)")


# --- themes written for an earlier sitegen ------------------------------------------------

# `_macros.html` and `base.html` as sitegen 0.2 shipped them, which themes copied to edit.
THEME_0_2 = Path(__file__).parent / "fixtures" / "theme-0.2" / "templates"


def html_pages(output: Path) -> dict[str, bytes]:
    return {str(path.relative_to(output)): path.read_bytes() for path in sorted(output.rglob("*.html"))}


@pytest.mark.parametrize("names", [["_macros.html"], ["base.html"], ["_macros.html", "base.html"]])
def test_a_theme_holding_sitegen_0_2s_templates_builds_the_same_pages(tmp_path: Path, built_site: Path, names):
    make_theme(tmp_path, {f"templates/{name}": (THEME_0_2 / name).read_text(encoding="utf-8") for name in names})
    config = make_config(tmp_path, theme="mine", themes_dir=str(tmp_path / "themes"))
    quiet_build(config)
    assert html_pages(config.output_path) == html_pages(built_site)
