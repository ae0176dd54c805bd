"""Themes: a site's theme overrides the default theme one template or static file at a time."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from .config import Config
from .errors import BuildError, UsageError
from .resources import DEFAULT_THEME, NODE_MODULES, missing


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
    return Theme((folder, DEFAULT_THEME))


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
