"""`sitegen new DIR`: a new site that builds at once.

The site's files are the package data in `new-site/`, copied as they are (a leading
`dot-` in a name becomes `.`, so the package's own folder holds no `.gitignore` or
`.github` that git or packaging would take for their own), plus the sample digest
sitegen ships (`resources.SAMPLE_DIGEST`) and a `requirements.txt` saying where the
Netlify and GitHub Pages builds get sitegen (`requirement`).
"""

from __future__ import annotations

import importlib.metadata
import json
from pathlib import Path
from typing import Any

from . import __version__
from .errors import UsageError
from .resources import SAMPLE_DIGEST, missing

TEMPLATE = Path(__file__).resolve().parent / "new-site"
SOURCE_TO_NAME = f"""\
# Where a build host (Netlify, GitHub Actions) gets sitegen. It is not on PyPI (the name
# there is another project's): add a line naming its source, for example
#   sitegen @ git+https://github.com/you/sitegen@v{__version__}
#   ./wheels/sitegen-{__version__}-py3-none-any.whl   (a wheel committed beside the site)
# (see docs/publishing.md in sitegen).
"""
HIDDEN_PREFIX = "dot-"


def new_site(folder: Path) -> list[str]:
    """Write a new site into `folder` (made if missing) and return its files' paths, relative
    to it. Refuses, writing nothing, a `folder` that exists and is not an empty folder."""
    if folder.exists() and not (folder.is_dir() and not any(folder.iterdir())):
        raise UsageError(f"{folder} already exists and is not an empty folder: "
                         "sitegen new writes only into a new or empty folder, and nothing was written")
    files = site_files()
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("xb") as handle:  # "x": never replace a file, even one made meanwhile
            handle.write(data)
    return list(files)


def site_files() -> dict[str, bytes]:
    """The new site's files by relative path, all read before anything is written."""
    if not SAMPLE_DIGEST.is_file():
        raise UsageError(missing("the sample digest", SAMPLE_DIGEST, "restore it with `git checkout -- content`"))
    files = {_site_name(path.relative_to(TEMPLATE)): path.read_bytes()
             for path in sorted(TEMPLATE.rglob("*")) if path.is_file()}
    files[f"content/{SAMPLE_DIGEST.name}"] = SAMPLE_DIGEST.read_bytes()
    files["requirements.txt"] = requirement(installed_from()).encode()
    return dict(sorted(files.items()))


def _site_name(relative: Path) -> str:
    return "/".join("." + part[len(HIDDEN_PREFIX):] if part.startswith(HIDDEN_PREFIX) else part
                    for part in relative.parts)


def installed_from() -> dict[str, Any] | None:
    """Where pip installed this sitegen from (its `direct_url.json`, PEP 610), if it says."""
    try:
        recorded = importlib.metadata.distribution("sitegen").read_text("direct_url.json")
    except importlib.metadata.PackageNotFoundError:
        return None
    try:
        return json.loads(recorded) if recorded else None
    except ValueError:
        return None


def requirement(origin: dict[str, Any] | None) -> str:
    """`requirements.txt` for a build host: this sitegen's own source when a host can reach
    it (a Git repository at the installed commit, an archive on the web), else a note
    asking for it (a wheel on this disk, a checkout, or no record at all)."""
    url = (origin or {}).get("url", "")
    if not url.startswith(("https://", "http://", "ssh://")):
        return SOURCE_TO_NAME
    vcs = origin.get("vcs_info")
    if vcs and vcs.get("commit_id"):
        return f"sitegen @ {vcs['vcs']}+{url}@{vcs['commit_id']}\n"
    if "archive_info" in origin:
        return f"sitegen @ {url}\n"
    return SOURCE_TO_NAME
