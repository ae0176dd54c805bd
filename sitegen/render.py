"""The Jinja environment: theme loaders, strict undefined names, autoescape, and the
filters templates use. Template errors come out as `file:line: message (page)`."""

from __future__ import annotations

import functools
import traceback
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import jinja2
from jinja2.compiler import CodeGenerator
from markupsafe import Markup, _escape_inner, escape  # _escape_inner: the escaping without the Markup

from .errors import BuildError
from .plural import noun, plural
from .routes import Page
from .themes import Asset, ExtraAssets, Theme, Vendor
from .kinds import Pages


FRAGMENT_CACHE_LIMIT = 100_000  # cached macro outputs per process before the cache starts over


class _OutputCompiler(CodeGenerator):
    """Compiles each autoescaped `{{ … }}` to `environment.escape_output(…)` instead of
    markupsafe's `escape(…)`, which wraps every value in a new Markup."""

    def _output_child_pre(self, node, frame, finalize) -> None:
        if frame.eval_ctx.volatile or not frame.eval_ctx.autoescape:
            return super()._output_child_pre(node, frame, finalize)
        self.write("environment.escape_output(")
        if finalize.src is not None:
            self.write(finalize.src)


class _DirectCalls(jinja2.runtime.Context):
    """Calls sitegen's own template functions (`asset`, `cached_macro`) directly: Jinja's
    `Context.call` looks for decorators asking for the context on every call, and an
    archive's pages make millions of such calls."""

    def call(__self, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        if id(__obj) in __self.environment.direct_functions:
            kwargs.pop("_block_vars", None)
            kwargs.pop("_loop_vars", None)
            return __obj(*args, **kwargs)
        return super().call(__obj, *args, **kwargs)


class ViewEnvironment(jinja2.Environment):
    """Views are dicts: look keys up first, sparing Jinja an AttributeError per `page.x`.
    Output is escaped a little faster (a page has a hundred `{{ … }}`)."""

    code_generator_class = _OutputCompiler
    context_class = _DirectCalls

    def __init__(self, **options: Any) -> None:
        super().__init__(**options)
        self._loaded: dict[tuple[str, str | None], jinja2.Template] = {}
        self.direct_functions: set[int] = set()  # ids of `add_function`'s functions, alive in `globals`

    def add_function(self, name: str, function: Callable[..., Any]) -> None:
        """A function templates call by `name`, which needs no context (see `_DirectCalls`)."""
        self.globals[name] = function
        self.direct_functions.add(id(function))

    def make_globals(self, d):
        """A template's globals as one plain dict, not Jinja's ChainMap over the environment's:
        every render copies them and every `{% from … import %}` compares their keys, and a
        ChainMap makes both slow. So globals are set before the first template is loaded
        (Jinja asks as much), as `environment` and `Renderer` do."""
        return {**self.globals, **(d or {})}

    @staticmethod
    def escape_output(value: Any) -> str:
        """What `{{ value }}` writes: the page is joined from these, so plain text
        escaped is as good as Markup, Markup (fragments, HTML views) goes as it is, and
        a number (a count: an author page shows dozens) has nothing to escape."""
        kind = type(value)
        if kind is str:
            return _escape_inner(value)
        if kind is Markup:
            return value
        if kind is int:
            return str(value)
        return escape(value)

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
    env.add_function("asset", lambda name: _asset_path(assets, name))
    env.globals["katex"] = vendor.katex
    env.globals["lunr"] = vendor.lunr
    env.globals["extra_css"] = extra.css
    env.globals["extra_js"] = extra.js
    env.filters["longdate"] = functools.cache(_long_date)  # a page lists many papers of few days
    env.filters["isodate"] = lambda value: value.isoformat()
    env.filters["plural"] = plural  # {{ count | plural("entry") }}: "1 entry", "2 entries"
    env.filters["noun"] = noun  # the noun alone, where the count is set apart
    return env


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
        self._fragments: dict[tuple, Markup] = {}
        self._root = ""
        env.add_function("cached_macro", self.cached_macro)

    def cached_macro(self, name: str, item: Mapping[str, Any], *args: Any) -> Markup:
        """`_macros.html`'s macro `name` for a view with an `id`, rendered once per arguments.

        A paper is listed on its day, categories and every author's page; its entry is the
        same on all pages at the same depth, so it is rendered once and reused.
        """
        key = (name, item["id"], *args)
        fragment = self._fragments.get(key)
        if fragment is None:
            if len(self._fragments) >= FRAGMENT_CACHE_LIMIT:
                self._fragments.clear()
            macro = getattr(self.env.get_template("_macros.html").module, name)
            fragment = self._fragments[key] = macro(item, *args)
        return fragment

    def order(self, pages: Sequence[Page]) -> list[Page]:
        """`pages` in the order that renders fastest: by depth, as the cached fragments are
        those of one depth (days and authors sit at the same one), and authors by their
        newest paper, so co-authors, whose pages list the same papers, come together."""
        authors = self.views.archive.authors
        return sorted(pages, key=lambda page: (page.root, authors[page.key].paper_ids[0] if page.kind == "author"
                                               else ""))

    def render(self, page: Page) -> bytes:
        if page.root != self._root:  # pages come by depth (`render_all`): fragments of other depths are done
            self._fragments.clear()
            self._root = page.root
        try:
            template = self._template(page.kind)
            return template.render(self.views.context(page)).encode("utf-8")
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

    def _template(self, kind: str) -> jinja2.Template:
        if kind not in self._templates:
            self._templates[kind] = self.env.get_template(f"{kind}.html")
        return self._templates[kind]


def _template_location(exc: BaseException) -> str | None:
    """The innermost template frame of a rendering error: `file.html:line`."""
    frames = [frame for frame in traceback.extract_tb(exc.__traceback__) if frame.filename.endswith(".html")]
    if not frames:
        return None
    frame = frames[-1]
    return f"{Path(frame.filename)}:{frame.lineno}"
