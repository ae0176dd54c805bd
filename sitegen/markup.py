"""Turn the digests' free text into safe HTML: math kept for KaTeX, links only where safe.

Nothing from the data ever becomes markup by itself: markdown-it runs with raw HTML off
and only its text and math rules on, entities are not decoded (`&amp;` reads as written),
and only http, https and e-mail addresses become links. Math is left as escaped TeX in `<span class="math">` for KaTeX.
"""

from __future__ import annotations

import re

from markdown_it import MarkdownIt
from markupsafe import Markup, escape
from mdit_py_plugins.dollarmath import dollarmath_plugin

INLINE_MATH = re.compile(r"(?<!\\)\$(?!\s)((?:\\.|[^$\\])+?)(?<!\s)\$")
# Links are found by one expression rather than linkify-it, which is slow on hundreds of
# thousands of abstracts.
# Only http(s) URLs, `www.` hosts and e-mail addresses: no other scheme ever becomes a link.
# A URL ends before trailing punctuation, and before a `)` it did not open.
URL = r"(?P<url>\b(?:https?://|www\.)[^\s<>\"'`]*[^\s<>\"'`.,;:!?\]}])"
EMAIL = r"(?P<email>(?:\bmailto:)?\b[\w.+-]+@[\w-]+(?:\.[\w-]+)*\.[A-Za-z]{2,}\b)"
LINK = re.compile(f"{URL}|{EMAIL}", re.IGNORECASE)
WEB_LINK = re.compile(URL, re.IGNORECASE)  # without an `@`: the e-mail branch costs most of the scan
# What a URL may not carry as it is (WHATWG URL: not a valid URL code point); each is
# percent-encoded in an href, as is a `%` that starts no escape.
UNSAFE_IN_URL = re.compile(r"[\x00-\x20\x7f\"<>\\^`{|}]|%(?![0-9A-Fa-f]{2})")
SAFE_SCHEMES = ("http://", "https://", "mailto:")
# Without these, markdown-it's rules (math, its input normalisation) leave text as it is.
MARKDOWN_AT_WORK = re.compile(r"[$\r\0]")


def _display_math_inline(self, tokens, index, options, env) -> str:
    return f'<span class="math display">{escape(tokens[index].content)}</span>'


def _text_with_links(self, tokens, index, options, env) -> str:
    return str(linked_text(tokens[index].content))


def linked_text(text: str) -> Markup:
    """Escaped text with its web and e-mail addresses as links."""
    if "@" in text:
        links = LINK
    elif "://" in text or "www." in text:
        links = WEB_LINK
    else:
        return escape(text)
    parts = []
    last = 0
    for match in links.finditer(text):
        parts.append(escape(text[last:match.start()]))
        address = match.group()
        while address.endswith(")") and address.count(")") > address.count("("):
            address = address[:-1]  # "(see https://x.org/a)": that ")" belongs to the text
        if match.lastgroup == "email":
            href = address if address.lower().startswith("mailto:") else "mailto:" + address
        else:
            href = address if address.lower().startswith("http") else "http://" + address
        parts.append(Markup('<a href="%s">%s</a>') % (safe_href(href), address))
        last = match.start() + len(address)
    parts.append(escape(text[last:]))
    return Markup("").join(parts)


def safe_href(url: str) -> str | None:
    """`url` ready for an href, or None unless it is http, https or mailto.

    Characters a URL cannot hold are percent-encoded (non-ASCII letters stay: an href may
    be an IRI), so a link from the data is a valid URL and never breaks out of it.
    """
    if not url.lower().startswith(SAFE_SCHEMES):
        return None
    return UNSAFE_IN_URL.sub(lambda match: "".join(f"%{byte:02X}" for byte in match.group().encode("utf-8")), url)


def _markdown(preset: str) -> MarkdownIt:
    md = MarkdownIt(preset, {"html": False, "typographer": False})
    md.use(dollarmath_plugin, allow_space=True, double_inline=True)
    md.add_render_rule("math_inline_double", _display_math_inline)
    md.add_render_rule("text", _text_with_links)
    return md


# Abstracts, comments and journal references are text with math and links: arXiv
# metadata is not Markdown (`tight' is a LaTeX quote, not a code span; L*a*b* is a colour
# space, not emphasis), so only markdown-it's text and math rules run.
_PLAIN = _markdown("zero")


def abstract_html(text: str) -> Markup:
    """An abstract as one paragraph."""
    return Markup("<p>%s</p>") % text_html(text)


def text_html(text: str) -> Markup:
    """Plain text with math typeset and URLs linked (comments, journal references)."""
    if not MARKDOWN_AT_WORK.search(text):  # most text: what markdown-it would give, 4x faster
        return linked_text(text)
    return Markup(_PLAIN.renderInline(text))


def math_html(text: str) -> Markup:
    """A title: escaped text, with `$…$` left for KaTeX. Never links (titles sit inside links)."""
    if "$" not in text:  # most titles: a list entry is made again once forgotten (`views.Present.item`)
        return escape(text)
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
