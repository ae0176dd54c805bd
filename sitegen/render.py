"""The Jinja environment: theme loaders, strict undefined names, autoescape, and the
filters templates use. Template errors come out as `file:line: message (page)`."""

from __future__ import annotations

import traceback
from datetime import date, datetime
from pathlib import Path
from typing import Any, Mapping

import jinja2

from .errors import BuildError
from .routes import Page
from .themes import Asset, Theme, Vendor
from .views import Views


def environment(theme: Theme, assets: Mapping[str, Asset], vendor: Vendor) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(theme.template_folders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.globals["asset"] = lambda name: _asset_path(assets, name)
    env.globals["katex"] = vendor.katex
    env.globals["lunr"] = vendor.lunr
    env.filters["longdate"] = _long_date
    env.filters["isodate"] = lambda value: value.isoformat()
    return env


def _asset_path(assets: Mapping[str, Asset], name: str) -> str:
    if name not in assets:
        raise jinja2.TemplateRuntimeError(f"no static file '{name}' in the theme")
    return assets[name].path


def _long_date(value: date | datetime) -> str:
    text = f"{value:%-d %B %Y}"
    return text + f", {value:%H:%M} UTC" if isinstance(value, datetime) else text


class Renderer:
    """Renders pages to bytes; a pure function of the archive's views and the templates."""

    def __init__(self, views: Views, env: jinja2.Environment):
        self.views = views
        self.env = env
        self._templates: dict[str, jinja2.Template] = {}

    def render(self, page: Page) -> bytes:
        try:
            template = self._template(page.kind)
            return template.render(self.views.context(page)).encode("utf-8")
        except jinja2.TemplateSyntaxError as exc:
            raise BuildError(f"{exc.filename or exc.name}:{exc.lineno}: {exc.message} "
                             f"(rendering {page.path})") from None
        except jinja2.TemplateNotFound as exc:
            raise BuildError(f"template not found: {exc.name} (rendering {page.path})") from None
        except Exception as exc:
            raise BuildError(f"{_template_location(exc)}: {type(exc).__name__}: {exc} "
                             f"(rendering {page.path})") from None

    def _template(self, kind: str) -> jinja2.Template:
        if kind not in self._templates:
            self._templates[kind] = self.env.get_template(f"{kind}.html")
        return self._templates[kind]


def _template_location(exc: BaseException) -> str:
    """The innermost template frame of a rendering error: `file.html:line`."""
    frames = [frame for frame in traceback.extract_tb(exc.__traceback__) if frame.filename.endswith(".html")]
    if not frames:
        return "template"
    frame = frames[-1]
    return f"{Path(frame.filename)}:{frame.lineno}"
