"""Where every page lives: one place that maps a page to its file and its URL.

Paths are relative to the output folder and always name a file (`papers/2209.14475.html`),
so a link made as `root + path` works from `file://` as well as on a static host. The pages
an archive has by the ten thousand (papers, authors, days) are files, not folders holding
an `index.html`: a file system creates one inode per page instead of two.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Callable, Iterable, NamedTuple, Sequence

from .errors import BuildError

# arXiv's own spelling of a category or an old-style archive: lowercase archive, then a
# subject class of two capitals (`cs.CV`, `math.GT`) or of lowercase words other than two
# letters (`physics.ao-ph`, `cond-mat.stat-mech`). No two such codes differ only in case.
CANONICAL_CODE = re.compile(r"[a-z]+(?:-[a-z]+)*(?:\.(?:[A-Z]{2}|(?![a-z]{2}$)[a-z]+(?:-[a-z]+)*))?")


class Page(NamedTuple):
    """A page to render: its kind, its key and its output path. (A named tuple: an
    archive has hundreds of thousands, made at every build, and a tuple is made fastest.)"""

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
    archive, slash, number = paper_id.rpartition("/")
    return f"papers/{code_segment(archive)}{slash}{number}.html"


def day(when: date) -> str:
    return f"days/{when:%Y/%m/%d}.html"


def category(code: str, page_number: int | None = None) -> str:
    """Page None is the category's front page (its newest papers); older pages are numbered
    from the oldest, so adding papers never moves a paper to another numbered page."""
    if page_number is None:
        return f"categories/{code_segment(code)}/index.html"
    return f"categories/{code_segment(code)}/page/{page_number}/index.html"


def author(slug: str) -> str:
    return f"authors/{slug}.html"


def author_feed(slug: str) -> str:
    return f"authors/{slug}.xml"


def author_bibliography(slug: str) -> str:
    return f"authors/{slug}.bib"


def day_bibliography(when: date) -> str:
    return f"days/{when:%Y/%m/%d}.bib"


def venues() -> str:
    return "venues/index.html"


def venue(slug: str, year: int | None, page_number: int | None = None) -> str:
    """A venue's papers of a year (`venues/cvpr/2023.html`), or of no year given
    (`venues/tpami/undated.html`); older pages numbered from the oldest, as categories'."""
    if page_number is None:
        return f"venues/{slug}/{_year_segment(year)}.html"
    return f"venues/{slug}/{_year_segment(year)}/page/{page_number}.html"


def venue_feed(slug: str, year: int | None) -> str:
    return f"venues/{slug}/{_year_segment(year)}.xml"


def venue_bibliography(slug: str, year: int | None) -> str:
    return f"venues/{slug}/{_year_segment(year)}.bib"


def _year_segment(year: int | None) -> str:
    return "undated" if year is None else str(year)


def following() -> str:
    return "following/index.html"


def feed() -> str:
    return "feed.xml"


def category_feed(code: str) -> str:
    return f"categories/{code_segment(code)}/feed.xml"


def code_segment(code: str) -> str:
    """A category code or old-style archive as a path segment that no other code's
    segment equals when letter case is ignored (a case-insensitive disk or host).

    Codes in arXiv's spelling are their own segment (`cs.CV`); any other spelling gets
    `~` and the bit mask of its capitals in hex (`cs.cv` -> `cs.cv~0`, `cs.Cv` -> `cs.Cv~8`),
    so `cs.CV` and `cs.cv` never share a folder, whichever of them the archive holds.
    """
    if not code or CANONICAL_CODE.fullmatch(code):
        return code
    capitals = sum(1 << position for position, char in enumerate(code) if char.isupper())
    return f"{code}~{capitals:x}"


def absolute(base_url: str, path: str) -> str:
    """The public URL of an output path: folders end in '/', not 'index.html'."""
    if path == "index.html" or path.endswith("/index.html"):
        path = path[: -len("index.html")]
    return base_url.rstrip("/") + "/" + path


def check_unique(routed: Sequence[str], held: Callable[[str], bool] | None, cased: dict[str, str],
                 released: Iterable[str]) -> dict[str, str]:
    """Raise when two pages claim one path, or paths that differ only in case, which would
    overwrite each other on a case-insensitive disk. Only the paths `routed` now are
    compared: with each other, and with the paths of the pages not routed now, which the
    last check passed: `held(path)`, whether one of them is at `path` (None: there are
    none), and `cased`, the lowercase form of each path with a capital as the last check
    left it. (A path without capitals can meet another only as the lowercase form of one
    with: a daily update routes a few paths of a million.) `released`: the paths that the
    pages routed now or gone had before, whose forms leave `cased` unless routed again.
    Returns `cased` for the next check."""
    seen = set(routed)
    if len(seen) != len(routed) or held is not None:
        claimed: set[str] = set()
        for path in routed:
            if path in claimed or (held is not None and held(path)):
                raise BuildError(f"two pages claim the same output path: {path}")
            claimed.add(path)

    def taken(path: str) -> bool:
        return path in seen or (held is not None and held(path))

    for path in routed:
        lower = path.lower()
        other = cased.get(lower)
        if other is not None and other != path and taken(other):
            raise BuildError(f"two pages claim the same output path: {other} and {path}")
        if lower != path:
            if taken(lower):
                raise BuildError(f"two pages claim the same output path: {lower} and {path}")
            cased[lower] = path
    for path in released:
        if path not in seen and cased.get(path.lower()) == path:
            del cased[path.lower()]
    return cased
