"""`sitegen new DIR`: a new site that builds at once.

The site's files are the package data in `new-site/`, copied as they are (a leading
`dot-` in a name becomes `.`, so the package's own folder holds no `.gitignore` or
`.github` that git or packaging would take for their own), plus the sample digest
sitegen ships (`resources.SAMPLE_DIGEST`) and a `requirements.txt` pinning this version
of sitegen, which the Netlify and GitHub Pages builds install.
"""

from __future__ import annotations

from pathlib import Path

from . import __version__
from .errors import UsageError
from .resources import SAMPLE_DIGEST, missing

TEMPLATE = Path(__file__).resolve().parent / "new-site"
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
    files["requirements.txt"] = f"sitegen=={__version__}\n".encode()
    return dict(sorted(files.items()))


def _site_name(relative: Path) -> str:
    return "/".join("." + part[len(HIDDEN_PREFIX):] if part.startswith(HIDDEN_PREFIX) else part
                    for part in relative.parts)
