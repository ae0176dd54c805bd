"""Turn the digests' free text into safe HTML: math kept for KaTeX, links only where safe.

Nothing from the data ever becomes markup by itself: markdown-it runs with raw HTML off
and only its text, linkify and math rules on, entities are not decoded (`&amp;` reads as
written), and only http, https and mailto URLs become links. Math is left as escaped TeX in `<span class="math">` for KaTeX.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markupsafe import Markup, escape
from mdit_py_plugins.dollarmath import dollarmath_plugin

SAFE_SCHEMES = ("http://", "https://", "mailto:")
INLINE_MATH = re.compile(r"(?<!\\)\$(?!\s)((?:\\.|[^$\\])+?)(?<!\s)\$")


def _safe_link(url: str) -> bool:
    return url.strip().lower().startswith(SAFE_SCHEMES)


def _display_math_inline(self, tokens, index, options, env) -> str:
    return f'<span class="math display">{escape(tokens[index].content)}</span>'


def _markdown(preset: str) -> MarkdownIt:
    md = MarkdownIt(preset, {"html": False, "linkify": True, "typographer": False})
    md.use(dollarmath_plugin, allow_space=True, double_inline=True).enable("linkify")
    md.validateLink = _safe_link
    md.add_render_rule("math_inline_double", _display_math_inline)
    return md


# Abstracts, comments and journal references are text with math and links: arXiv
# metadata is not Markdown (`tight' is a LaTeX quote, not a code span; L*a*b* is a colour
# space, not emphasis), so only markdown-it's text, linkify and math rules run.
_PLAIN = _markdown("zero")


def abstract_html(text: str) -> Markup:
    """An abstract as one paragraph."""
    return Markup("<p>%s</p>") % text_html(text)


def text_html(text: str) -> Markup:
    """Plain text with math typeset and URLs linked (comments, journal references)."""
    return Markup(_PLAIN.renderInline(text))


def math_html(text: str) -> Markup:
    """A title: escaped text, with `$…$` left for KaTeX. Never links (titles sit inside links)."""
    parts = []
    last = 0
    for match in INLINE_MATH.finditer(text):
        parts.append(escape(text[last:match.start()]))
        parts.append(Markup('<span class="math inline">%s</span>') % match.group(1))
        last = match.end()
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


def has_math(html: str) -> bool:
    return 'class="math' in html
