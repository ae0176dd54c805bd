"""`sitegen.yaml`: every key declared once, with its default and a line of documentation.

Loading collects every problem (unknown key, wrong type) with its line before failing,
so a person fixes the file in one go.
"""

from __future__ import annotations

import dataclasses
import difflib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

import yaml

from .errors import ConfigError, Problem
from .plural import plural

CONFIG_NAME = "sitegen.yaml"


def _option(default: Any, doc: str, maps: str | None = None) -> Any:
    """A key with its default and documentation; `maps` says what a mapping's keys and values
    are, for the message when they are not strings."""
    metadata = {"doc": doc, "maps": maps}
    if isinstance(default, (dict, list)):  # each Config gets its own copy
        return field(default_factory=lambda: type(default)(default), metadata=metadata)
    return field(default=default, metadata=metadata)


@dataclass(frozen=True)
class Config:
    """The site's settings. Paths are resolved against the folder of `sitegen.yaml`."""

    title: str = _option("arXiv archive", "Site title, shown in the header, feeds and page titles.")
    description: str = _option(
        "Daily arXiv listings, browsable by paper, day, category and author.",
        "One sentence shown on the home page and in feeds.")
    base_url: str = _option(
        "http://localhost:8000/",
        "Absolute URL the site is published at; used only where absolute URLs are required "
        "(feeds, sitemap, canonical links).")
    language: str = _option("en", "Language code of the site's pages (the `lang` attribute).")
    content_dir: str = _option("content", "Folder of digest files, read recursively (`*.md`).")
    ignore: list = _option(["README.md"], "Markdown files in content_dir that are not digests: glob patterns "
                                          "matched against the path relative to content_dir (a pattern "
                                          "without `/` against the file name in any folder).")
    output_dir: str = _option("output", "Folder the site is written to, replaced whole on success: a new or "
                                        "empty folder, or one sitegen made (never the content, a theme, or a "
                                        "folder holding them).")
    cache_dir: str = _option(".sitegen-cache", "Folder remembering the last build, so the next one redoes "
                                               "only what changed; safe to delete; a new or empty folder, or "
                                               "one sitegen made, outside the output.")
    theme: str = _option("default", "Theme name: a folder in `themes_dir` that overrides the default theme.")
    themes_dir: str = _option("themes", "Folder holding user themes.")
    per_page: int = _option(50, "Papers per page on category listings.")
    feed_size: int = _option(50, "Entries in each Atom feed.")
    author_files: bool = _option(
        True, "Write an Atom feed and a BibTeX file for every author (`authors/<slug>.xml`, `.bib`). "
              "They are two files per author, about half the output's files: `false` leaves them, and "
              "the links to them, out, for hosts that limit the number of files.")
    strict: bool = _option(False, "Treat any problem in the digests as a failure (same as `--strict`).")
    category_overrides: dict = _option(
        {}, "Map of content sub-folder to category code, for producers that write a fixed "
            "category into every heading (e.g. `{cs.CV: cs.CV}`).", maps="folder names to category codes")
    venue_aliases: dict = _option(
        {}, "Venue spellings the built-in table lacks, each mapped to a short name: one of the table "
            "(`{\"Conf. Comput. Vis. Pattern Recognit.\": CVPR}`) or a new venue (`{MIDL: MIDL}`); "
            "see docs/venues.md.", maps="venue spellings to short names")

    extra_css: list = _option(
        [], "Stylesheets added to every page after the theme's own `style.css`, as file names in the "
            "theme's `static/` folder (e.g. `[custom.css]`): restyle without copying `style.css`.")
    extra_js: list = _option(
        [], "Scripts added to every page after the theme's own scripts (deferred), as file names in the "
            "theme's `static/` folder (e.g. `[custom.js]`).")

    root: Path = field(default=Path("."), metadata={"doc": None})

    def path(self, value: str) -> Path:
        """Resolve a configured path against the configuration's folder."""
        return (self.root / value).resolve()

    @property
    def content_path(self) -> Path:
        return self.path(self.content_dir)

    @property
    def output_path(self) -> Path:
        return self.path(self.output_dir)

    def with_changes(self, **changes: Any) -> "Config":
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


def documented_options() -> list[tuple[str, Any, str]]:
    """(key, default, doc) for every key a user may set, in declaration order."""
    defaults = Config()
    return [(f.name, getattr(defaults, f.name), f.metadata["doc"])
            for f in dataclasses.fields(Config) if f.metadata.get("doc")]


def load_config(path: Path | None) -> Config:
    """Read `path` (or `./sitegen.yaml` when it exists); defaults where there is no file."""
    if path is None:
        path = Path(CONFIG_NAME)
        if not path.exists():
            return Config(root=Path.cwd())
    if not path.is_file():
        raise ConfigError(f"configuration file not found: {path}")
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc}") from None
    values = parse_config(text, str(path))
    return Config(root=path.resolve().parent, **values)


def parse_config(text: str, source: str) -> dict[str, Any]:
    """Check `text` against the declared keys; return the values set, or raise with every problem."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        pairs = [(key_node, loader.construct_object(key_node, deep=True),
                  loader.construct_object(value_node, deep=True))
                 for key_node, value_node in getattr(node, "value", [])] if isinstance(node, yaml.MappingNode) else []
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else 1
        raise ConfigError("invalid configuration", (Problem(source, line, f"not valid YAML: {exc}"),)) from None
    finally:
        loader.dispose()
    if node is None or node.tag == "tag:yaml.org,2002:null":
        return {}
    if not isinstance(node, yaml.MappingNode):
        raise ConfigError("invalid configuration", (Problem(source, 1, "expected a mapping of keys to values"),))
    types = {f.name: f.type for f in dataclasses.fields(Config) if f.metadata.get("doc")}
    maps = {f.name: f.metadata["maps"] for f in dataclasses.fields(Config) if f.metadata.get("maps")}
    problems = []
    for key_node, key, value in pairs:
        # The key as written: YAML 1.1 reads `on` or `yes` as booleans.
        name = key if isinstance(key, str) else key_node.value
        problem = _check_key(name, value, types, maps, source, key_node.start_mark.line + 1)
        if problem:
            problems.append(problem)
    if problems:
        raise ConfigError(f"{plural(len(problems), 'problem')} in the configuration", tuple(problems))
    return {key: value for _, key, value in pairs}


_TYPES: Mapping[str, type] = {"str": str, "int": int, "bool": bool, "dict": dict, "list": list}


def _check_key(key: Any, value: Any, types: Mapping[str, str], maps: Mapping[str, str], source: str,
               line: int) -> Problem | None:
    if key not in types:
        known = ", ".join(sorted(types))
        close = difflib.get_close_matches(str(key), types, n=1)
        hint = f"; did you mean '{close[0]}'?" if close else ""
        return Problem(source, line, f"unknown key '{key}' (known keys: {known}){hint}")
    expected = _TYPES[types[key]]
    wrong_bool = isinstance(value, bool) and expected is not bool
    if not isinstance(value, expected) or wrong_bool:
        return Problem(source, line, f"'{key}' must be {_article(expected)}, got {type(value).__name__} {value!r}")
    if expected is dict and not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        return Problem(source, line, f"'{key}' must map {maps[key]} (strings), got {value!r}")
    if expected is list and not all(isinstance(item, str) for item in value):
        return Problem(source, line, f"'{key}' must be a list of strings, got {value!r}")
    if expected is int and value < 1:
        return Problem(source, line, f"'{key}' must be a positive number, got {value}")
    return None


def _article(kind: type) -> str:
    return {"str": "a string", "int": "a whole number", "bool": "true or false", "dict": "a mapping",
            "list": "a list (e.g. [a, b])"}[kind.__name__]
