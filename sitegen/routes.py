"""Where every page lives: one place that maps a page to its file and its URL.

Paths are relative to the output folder and always name a file (`papers/2209.14475/index.html`),
so a link made as `root + path` works from `file://` as well as on a static host.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True, slots=True)
class Page:
    """A page to render: its kind (also its template's name), its key and its output path."""

    kind: str
    key: object
    path: str

    @property
    def root(self) -> str:
        """The relative prefix that leads from this page back to the output folder."""
        return "../" * self.path.count("/")


def home() -> str:
    return "index.html"


def archive() -> str:
    return "archive/index.html"


def search() -> str:
    return "search/index.html"


def not_found() -> str:
    return "404.html"


def paper(paper_id: str) -> str:
    """`2209.14475` and old-style `math.GT/0309136` (the slash makes a folder)."""
    return f"papers/{paper_id}/index.html"


def day(when: date) -> str:
    return f"days/{when:%Y/%m/%d}/index.html"


def month(year: int, month_number: int) -> str:
    """The archive page's anchor for a month."""
    return f"archive/index.html#m{year}-{month_number:02d}"


def category(code: str, page_number: int | None = None) -> str:
    """Page None is the category's front page (its newest papers); older pages are numbered
    from the oldest, so adding papers never moves a paper to another numbered page."""
    if page_number is None:
        return f"categories/{code}/index.html"
    return f"categories/{code}/page/{page_number}/index.html"


def author(slug: str) -> str:
    return f"authors/{slug}/index.html"


def feed() -> str:
    return "feed.xml"


def category_feed(code: str) -> str:
    return f"categories/{code}/feed.xml"


def absolute(base_url: str, path: str) -> str:
    """The public URL of an output path: folders end in '/', not 'index.html'."""
    if path == "index.html" or path.endswith("/index.html"):
        path = path[: -len("index.html")]
    return base_url.rstrip("/") + "/" + path
