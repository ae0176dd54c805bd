"""Themes: a site's theme overrides the default theme one template or static file at a time."""

from __future__ import annotations

import difflib
import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

import jinja2
from jinja2 import meta

from .config import Config
from .errors import BuildError, UsageError
from .resources import DEFAULT_THEME, NODE_MODULES, missing

FRAME = "_frame.html"  # the parts of base.html the renderer gives every page, rendered once per depth


@dataclass(frozen=True)
class Theme:
    """The theme folders in lookup order: the site's theme first, the default theme last."""

    folders: tuple[Path, ...]

    @property
    def template_folders(self) -> list[str]:
        return [str(folder / "templates") for folder in self.folders if (folder / "templates").is_dir()]

    def static_files(self) -> dict[str, Path]:
        """Static file name (relative to `static/`) to the file that wins for it."""
        found: dict[str, Path] = {}
        for folder in reversed(self.folders):
            static = folder / "static"
            if static.is_dir():
                found.update({str(path.relative_to(static)): path
                              for path in sorted(static.rglob("*")) if path.is_file()})
        return found


def load_theme(config: Config) -> Theme:
    if not DEFAULT_THEME.is_dir():
        raise BuildError(missing("the default theme", DEFAULT_THEME, "restore it: git checkout -- themes/default"))
    if config.theme == "default":
        return Theme((DEFAULT_THEME,))
    folder = config.path(config.themes_dir) / config.theme
    if not folder.is_dir():
        raise UsageError(f"theme '{config.theme}' not found: no folder {folder}")
    refuse_links_leaving(folder)
    return Theme((folder, DEFAULT_THEME))


def refuse_links_leaving(folder: Path) -> None:
    """A theme is often somebody else's code. A file or folder in it that is a link to
    elsewhere (`static/notes.txt -> /etc/passwd`, a template linked to a file of the
    machine) would publish or render what the theme's author picked from the machine
    that builds the site; such a theme is refused whole, by `build` and `serve` alike."""
    root = folder.resolve()
    for parent, subfolders, files in os.walk(root):
        for name in (*subfolders, *files):
            path = Path(parent, name)
            if path.is_symlink() and not path.resolve().is_relative_to(root):
                raise UsageError(f"{path}: links outside the theme (to {path.resolve()}); "
                                 "a theme may only use files inside its own folder")


@dataclass(frozen=True)
class Asset:
    """A file to publish under a content-hashed name, so hosts can cache it forever."""

    source: Path
    path: str


def theme_assets(theme: Theme) -> dict[str, Asset]:
    """`style.css` -> `assets/style.1a2b3c4d.css`, keyed by the name templates use."""
    assets = {}
    for name, source in theme.static_files().items():
        digest = hashlib.sha256(source.read_bytes()).hexdigest()[:10]
        stem, dot, suffix = name.rpartition(".")
        hashed = f"{stem}.{digest}.{suffix}" if dot else f"{name}.{digest}"
        assets[name] = Asset(source, f"assets/{hashed}")
    return assets


@dataclass(frozen=True)
class Vendor:
    """Browser libraries from the npm install, published under versioned folders."""

    katex: str
    lunr: str
    files: tuple[tuple[Path, str], ...]


def vendor_assets() -> Vendor:
    """KaTeX (script, stylesheet, fonts) and lunr.js, from `node_modules`."""
    katex_dist = NODE_MODULES / "katex" / "dist"
    katex = f"assets/katex-{_npm_version('katex')}"
    lunr = f"assets/lunr-{_npm_version('lunr')}"
    files = [(katex_dist / name, f"{katex}/{name}") for name in ("katex.min.css", "katex.min.js")]
    files += [(font, f"{katex}/fonts/{font.name}") for font in sorted((katex_dist / "fonts").glob("*.woff2"))]
    files.append((NODE_MODULES / "lunr" / "lunr.min.js", f"{lunr}/lunr.min.js"))
    return Vendor(katex, lunr, tuple(files))


def _npm_version(package: str) -> str:
    try:
        return json.loads((NODE_MODULES / package / "package.json").read_text(encoding="utf-8"))["version"]
    except (OSError, ValueError, KeyError):
        raise BuildError(missing(f"{package} (a browser library the default theme uses)", NODE_MODULES / package,
                                 f"run `npm ci` in {NODE_MODULES.parent} (./dev build does)")) from None


@dataclass(frozen=True)
class ExtraAssets:
    """Static files of the theme that every page links after the theme's own stylesheet
    and scripts (`extra_css`, `extra_js`): a theme restyles without copying `style.css`."""

    css: tuple[str, ...] = ()
    js: tuple[str, ...] = ()


def extra_assets(config: Config, theme: Theme, assets: Mapping[str, Asset]) -> ExtraAssets:
    """The configured extra files, each checked to be a static file the theme publishes."""
    for key in ("extra_css", "extra_js"):
        for name in getattr(config, key):
            if name not in assets:
                raise UsageError(f"{key}: '{name}' is not a static file of the theme ({_where_extra(theme, name)})")
    return ExtraAssets(tuple(config.extra_css), tuple(config.extra_js))


def _where_extra(theme: Theme, name: str) -> str:
    if len(theme.folders) == 1:  # the bundled theme is sitegen's, not the site's, to edit
        return f"the default theme has none: set `theme: mine` and put it in themes/mine/static/{name}"
    return f"expected {theme.folders[0] / 'static' / name}"


@dataclass(frozen=True)
class ThemeWarning:
    """A file in the site's theme that sitegen does not read, which its author surely meant it to."""

    path: Path
    message: str

    def __str__(self) -> str:
        """`path: warning: message`, the path relative to the working folder when inside it."""
        here = Path.cwd()
        shown = self.path.relative_to(here) if self.path.is_relative_to(here) else self.path
        return f"{shown}: warning: {self.message}"


THEME_PARTS = ("templates", "static")
NOTES = ("readme", "license", "licence", "copying")  # what a theme shared as a repository carries beside it


def theme_warnings(theme: Theme) -> list[ThemeWarning]:
    """What in the site's theme folder overrides nothing: stray files and folders at its
    root, and templates no page uses (a misspelt name is otherwise silently ignored)."""
    if len(theme.folders) < 2:  # the default theme alone
        return []
    folder = theme.folders[0]
    return _stray_entries(folder) + _unused_templates(theme)


def _stray_entries(folder: Path) -> list[ThemeWarning]:
    """Entries at the theme's root other than `templates/`, `static/`, a README or a licence.
    Hidden entries (`.git`, `.DS_Store`) are tools' business, not the theme's."""
    warnings = []
    for entry in sorted(folder.iterdir()):
        name = entry.name
        if name.startswith(".") or (name in THEME_PARTS and entry.is_dir()) or name.lower().startswith(NOTES):
            continue
        hint = _where_meant(entry)
        warnings.append(ThemeWarning(entry, f"not part of a theme, ignored: {hint}sitegen reads only "
                                            "`templates/` and `static/` in a theme folder"))
    return warnings


def _where_meant(entry: Path) -> str:
    """`did you mean templates/?` for a folder `template/`, `static/style.css` for a file
    `style.css` that the default theme has in `static/`."""
    if entry.is_dir():
        meant = difflib.get_close_matches(entry.name.lower(), THEME_PARTS, n=1, cutoff=0.6)
        return f"did you mean `{meant[0]}/`? " if meant else ""
    for part in THEME_PARTS:
        if (DEFAULT_THEME / part / entry.name).is_file():
            return f"did you mean `{part}/{entry.name}`? "
    return ""


def _unused_templates(theme: Theme) -> list[ThemeWarning]:
    """Templates of the site's theme that neither replace a default template nor are
    extended, included or imported by a template in use."""
    site_templates = theme.folders[0] / "templates"
    if not site_templates.is_dir():
        return []
    known = _template_names(DEFAULT_THEME / "templates")
    used = _reachable(jinja2.Environment(loader=jinja2.FileSystemLoader(theme.template_folders)), known)
    if used is None:
        return []
    warnings = []
    for name in _template_names(site_templates):
        if name not in used:
            meant = difflib.get_close_matches(name, known, n=1)
            hint = f"did you mean `{meant[0]}`?" if meant else f"the templates are {', '.join(known)}"
            warnings.append(ThemeWarning(site_templates / name, "overrides nothing: the default theme has no "
                                                                f"template `{name}` and no template uses it; {hint}"))
    return warnings


def _template_names(folder: Path) -> list[str]:
    """Template names as Jinja looks them up (`base.html`, `partials/x.html`), hidden files left out."""
    return [path.relative_to(folder).as_posix() for path in sorted(folder.rglob("*"))
            if path.is_file() and not path.name.startswith(".")]


def _reachable(env: jinja2.Environment, roots: list[str]) -> set[str] | None:
    """The templates `roots` use, directly or through others; None when one names a
    template computed at render time (any template may then be in use)."""
    found: set[str] = set()
    waiting = list(roots)
    while waiting:
        name = waiting.pop()
        if name in found:
            continue
        found.add(name)
        try:
            source, _, _ = env.loader.get_source(env, name)
            references = list(meta.find_referenced_templates(env.parse(source)))
        except (jinja2.TemplateError, UnicodeDecodeError):
            continue  # missing or broken: the render reports it, with file and line
        if None in references:
            return None
        waiting.extend(references)
    return found
