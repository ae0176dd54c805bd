"""Where the files sitegen ships beside its code are: the default theme, the browser
libraries (KaTeX, lunr.js) and the sample digest that `sitegen new` copies.

An installed package carries them in `sitegen/_bundled/`, laid out as in the checkout
(`setup.py` copies them there when the package is built, versions checked against
`package-lock.json`); run from a checkout (an editable install) sitegen uses the
checkout's own `themes/default`, `node_modules` and `content`.
"""

from __future__ import annotations

from pathlib import Path

PACKAGE = Path(__file__).resolve().parent
BUNDLED = PACKAGE / "_bundled"
INSTALLED = BUNDLED.is_dir()
ROOT = BUNDLED if INSTALLED else PACKAGE.parent

DEFAULT_THEME = ROOT / "themes" / "default"
NODE_MODULES = ROOT / "node_modules"
SAMPLE_DIGEST = ROOT / "content" / "20220929.md"


def missing(what: str, path: Path, checkout_fix: str) -> str:
    """Why `what` is not at `path`, and what brings it back: an installed package was
    built without it (reinstall), a checkout lacks it (`checkout_fix`)."""
    if INSTALLED:
        return (f"{what} is missing from this installation of sitegen: {path} "
                "(the package was built or installed incompletely); reinstall sitegen")
    return f"{what} is missing from this checkout: {path}; {checkout_fix}"
