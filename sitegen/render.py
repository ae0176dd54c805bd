"""The Jinja environment: theme loaders, strict undefined names, autoescape, and the
filters templates use. Template errors come out as `file:line: message (page)`."""

from __future__ import annotations

import functools
import traceback
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Hashable, Mapping, Sequence

import jinja2
from markupsafe import Markup

from .errors import BuildError
from .plural import noun, plural
from .routes import Page
from .themes import FRAME, Asset, ExtraAssets, Theme, Vendor
from .kinds import Pages
from .views import Kept


FRAGMENTS_KEPT = 25_000  # cached macro outputs a process keeps, twice over (`views.Kept`)


class ViewEnvironment(jinja2.Environment):
    """Views are dicts: look keys up first, sparing Jinja an AttributeError per `page.x`.

    Only Jinja's public API is overridden here (`getattr`, `make_globals`, `get_template`):
    no compiler or context hooks, which a minor release of Jinja may change. Every
    `{{ … }}` costs a MarkupSafe `escape` and a new Markup, so speed comes from the
    templates writing fewer of them: what many pages show alike is rendered once
    (`Renderer.cached_macros`, `Frame`)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._loaded: dict[tuple[str, str | None], jinja2.Template] = {}

    def make_globals(self, d):
        """A template's globals as one plain dict, not Jinja's ChainMap over the environment's:
        every render copies them and every `{% from … import %}` compares their keys, and a
        ChainMap makes both slow. So globals are set before the first template is loaded
        (Jinja asks as much), as `environment` and `Renderer` do."""
        return {**self.globals, **(d or {})}

    def get_template(self, name, parent=None, globals=None) -> jinja2.Template:
        """Each template looked up once: a page asks for two or three (its parent, the
        macros), and Jinja's cache, locked and kept in least-recently-used order, costs
        more than the rest of a small page. Templates never change under an environment
        (`auto_reload` is off; the preview makes a new environment for an edit)."""
        if globals or not isinstance(name, str):
            return super().get_template(name, parent, globals)
        key = (name, parent)
        template = self._loaded.get(key)
        if template is None:
            template = self._loaded[key] = super().get_template(name, parent)
        return template

    def getattr(self, obj: Any, attribute: str) -> Any:
        if type(obj) is dict:
            try:
                return obj[attribute]
            except KeyError:
                pass
        return super().getattr(obj, attribute)


def environment(theme: Theme, assets: Mapping[str, Asset], vendor: Vendor,
                extra: ExtraAssets = ExtraAssets()) -> jinja2.Environment:
    env = ViewEnvironment(
        loader=jinja2.FileSystemLoader(theme.template_folders),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.globals["asset"] = lambda name: _asset_path(assets, name)
    env.globals["katex"] = vendor.katex
    env.globals["lunr"] = vendor.lunr
    env.globals["extra_css"] = extra.css
    env.globals["extra_js"] = extra.js
    env.filters["longdate"] = functools.cache(_long_date)  # a page lists many papers of few days
    env.filters["isodate"] = lambda value: value.isoformat()
    env.filters["plural"] = plural  # {{ count | plural("entry") }}: "1 entry", "2 entries"
    env.filters["noun"] = noun  # the noun alone, where the count is set apart
    env.filters["with_ends"] = with_ends
    return env


def with_ends(items: Sequence[Any]) -> list[tuple[Any, bool, bool]]:
    """Each item with whether it is the first and the last: `{% for author, first, last
    in page.authors | with_ends %}` tells what `loop.first` and `loop.last` tell, without
    Jinja's loop object, which costs more than the entries of a short list."""
    last = len(items) - 1
    return [(item, index == 0, index == last) for index, item in enumerate(items)]


def _asset_path(assets: Mapping[str, Asset], name: str) -> str:
    if name not in assets:
        raise jinja2.TemplateRuntimeError(f"no static file '{name}' in the theme")
    return assets[name].path


def _long_date(value: date | datetime) -> str:
    """`29 September 2022`, and for a moment `29 September 2022, 00:00 UTC` (in UTC whatever
    offset the digest gave it, so equal moments read alike)."""
    if not isinstance(value, datetime):
        return f"{value:%-d %B %Y}"
    return f"{value.astimezone(timezone.utc):%-d %B %Y, %H:%M} UTC"


class Renderer:
    """Renders pages to bytes; a pure function of the archive's views and the templates."""

    def __init__(self, views: Pages, env: jinja2.Environment):
        self.views = views
        self.env = env
        self._templates: dict[str, jinja2.Template] = {}
        # the entries of the pages rendered lately: neighbours list the same papers
        self._fragments = Kept(FRAGMENTS_KEPT)
        self._frames: dict[str, Frame] = {}
        self._root = ""
        self._kind = ""
        env.globals["cached_macro"] = self.cached_macro
        env.globals["cached_macros"] = self.cached_macros

    def cached_macro(self, macro: Any, item: Mapping[str, Any], *args: Any) -> Markup:
        """`macro` (a macro, or the name of one in `_macros.html`) called with `item` and
        `args`, rendered once per arguments and reused (see `cached_macros`)."""
        return self.cached_macros(macro, (item,), *args)

    def cached_macros(self, macro: Any, items: Sequence[Mapping[str, Any]], *args: Any) -> Markup:
        """`macro` called with each of `items` and `args`, joined: each entry rendered once
        per depth and kind and reused while the pages that list it come (the last
        FRAGMENTS_KEPT or so: neighbouring pages list the same papers, `kinds.PageRenderer.order`).
        A paper is listed on its day, categories and every author's page, and a co-author on
        the page of each member of a team; its entry is the same on all pages at one depth.
        One call and one `{{ … }}` for a whole list: a call and a Markup per entry would
        cost as much as writing the entry out."""
        if isinstance(macro, str):
            macro = getattr(self.env.get_template("_macros.html").module, macro)
        scope = (self._kind, macro.name, *args)  # a macro is known by its name within a page kind
        fragments = []
        kept = self._fragments
        for item in items:
            key = (scope, _fragment_key(item))
            fragment = kept.newer.get(key)  # (the common case, without a call)
            if fragment is None:
                fragment = kept.kept(key, lambda key: macro(item, *args))
            fragments.append(fragment)
        return Markup("".join(fragments))  # each fragment is Markup

    def render(self, page: Page) -> bytes:
        if page.root != self._root or page.kind != self._kind:
            # pages come by depth and kind (`kinds.PageRenderer.order`): the fragments of
            # other depths and kinds (a fragment is known by its kind) are done with
            self._fragments.clear()
            self._root, self._kind = page.root, page.kind
        try:
            context = self.views.context(page)
            frame = self._frame(context["site"], context["root"])
            return self._template(page.kind).render(context, frame=frame).encode("utf-8")
        except jinja2.TemplateSyntaxError as exc:
            raise BuildError(f"{exc.filename or exc.name}:{exc.lineno}: {exc.message} "
                             f"(rendering {page.path})") from None
        except jinja2.TemplateNotFound as exc:  # the page's own template, or one it includes or extends
            where = _template_location(exc)
            raise BuildError(f"{where + ': ' if where else ''}template not found: {exc.name} "
                             f"(rendering {page.path})") from None
        except Exception as exc:
            raise BuildError(f"{_template_location(exc) or 'template'}: {type(exc).__name__}: {exc} "
                             f"(rendering {page.path})") from None

    def _frame(self, site: Any, root: str) -> Frame:
        """(`site` is the same on every page: the settings.)"""
        frame = self._frames.get(root)
        if frame is None:
            frame = self._frames[root] = Frame(self.env, site, root)
        return frame

    def _template(self, kind: str) -> jinja2.Template:
        if kind not in self._templates:
            self._templates[kind] = self.env.get_template(f"{kind}.html")
        return self._templates[kind]


class Frame:
    """What base.html writes alike on every page at one depth (links, scripts, extra
    links, header): `frame.header` is the macro `header(site, root)` of `_frame.html`,
    rendered on first use and kept. A page writes four such fragments instead of some
    twenty `{{ … }}` and three `asset` calls, each a Markup made and escaped."""

    def __init__(self, env: jinja2.Environment, site: Any, root: str):
        self._env = env
        self._site = site
        self._root = root

    def __getattr__(self, name: str) -> Markup:  # called only for a part not rendered yet
        if name.startswith("_"):
            raise AttributeError(name)
        module = self._env.get_template(FRAME).module
        if not hasattr(module, name):
            raise jinja2.TemplateRuntimeError(f"{FRAME} has no macro '{name}' (for frame.{name})")
        fragment = getattr(module, name)(self._site, self._root)
        setattr(self, name, fragment)
        return fragment


def _fragment_key(item: Mapping[str, Any]) -> Hashable:
    """What a cached entry depends on: a paper item its id (and, on an author's page, the
    author it names after the cut list, `featured`); a link (an author or category, with
    a count) all its fields."""
    if "id" not in item:
        return tuple(item.items())
    featured = item.get("featured")
    return item["id"] if featured is None else (item["id"], featured["name"])


def _template_location(exc: BaseException) -> str | None:
    """The innermost template frame of a rendering error: `file.html:line`."""
    frames = [frame for frame in traceback.extract_tb(exc.__traceback__) if frame.filename.endswith(".html")]
    if not frames:
        return None
    frame = frames[-1]
    return f"{Path(frame.filename)}:{frame.lineno}"
