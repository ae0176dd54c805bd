"""Packaging hook: a built sitegen runs without Node and without a checkout.

The wheel carries in `sitegen/_bundled/` the default theme, the sample digest that
`sitegen new` copies, and the browser files of KaTeX and lunr.js from `node_modules`,
laid out as in the checkout, so `sitegen/resources.py` finds them by the same relative
paths either way. The npm packages must be at the versions `package-lock.json` pins.
The sdist carries the same files at their checkout paths, so a wheel builds from it
without Node.

npm is not run here: `npm ci` deletes and rewrites `node_modules`, which a package build
must not do to someone's checkout; a checkout without it is told to run it.
The metadata is in pyproject.toml; this file only adds the two build steps.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist
from setuptools.errors import FileError

HERE = Path(__file__).resolve().parent
THEME = "themes/default"
SAMPLE_DIGEST = "content/20220929.md"
NPM_FILES = {  # package -> the files sites use, with its licence and its version (package.json)
    "katex": ["package.json", "LICENSE", "dist/katex.min.css", "dist/katex.min.js", "dist/fonts/*.woff2"],
    "lunr": ["package.json", "LICENSE", "lunr.min.js"],
}
NPM_LOCK = ["package.json", "package-lock.json"]  # what the versions are checked against


def bundled_files(root: Path) -> list[str]:
    """The checkout-relative paths a built package carries, once each is known to be there."""
    theme = [path.relative_to(root).as_posix() for path in sorted((root / THEME).rglob("*")) if path.is_file()]
    if not theme:
        raise FileError(f"the default theme is missing: no files in {root / THEME}")
    if not (root / SAMPLE_DIGEST).is_file():
        raise FileError(f"the sample digest is missing: {root / SAMPLE_DIGEST}")
    return theme + [SAMPLE_DIGEST] + npm_files(root)


def npm_files(root: Path) -> list[str]:
    locked = json.loads((root / "package-lock.json").read_text(encoding="utf-8"))["packages"]
    files = []
    for package, patterns in NPM_FILES.items():
        folder = root / "node_modules" / package
        try:
            installed = json.loads((folder / "package.json").read_text(encoding="utf-8"))["version"]
        except (OSError, ValueError, KeyError):
            raise FileError(f"{package} is not installed in {folder.parent}: run `npm ci` in {root} first "
                            "(the package carries KaTeX and lunr.js, at the versions package-lock.json pins)") from None
        pinned = locked[f"node_modules/{package}"]["version"]
        if installed != pinned:
            raise FileError(f"{folder} holds {package} {installed}, but package-lock.json pins {pinned}: "
                            f"run `npm ci` in {root}")
        for pattern in patterns:
            matched = sorted(folder.glob(pattern))
            if not matched:
                raise FileError(f"{package} {installed} in {folder} has no {pattern}: run `npm ci` in {root}")
            files += [path.relative_to(root).as_posix() for path in matched]
    return files


def copy_files(root: Path, files: list[str], target: Path) -> None:
    for name in files:
        copy = target / name
        copy.parent.mkdir(parents=True, exist_ok=True)
        copy.unlink(missing_ok=True)  # it may be a hard link setuptools made to the source: never write through it
        shutil.copyfile(root / name, copy)


class BuildPyWithBundle(build_py):
    """Puts the bundled files into the built package (not for an editable install, which
    uses the checkout's own files)."""

    def run(self) -> None:
        super().run()
        if self.editable_mode:
            return
        bundle = Path(self.build_lib) / "sitegen" / "_bundled"
        shutil.rmtree(bundle, ignore_errors=True)  # an earlier build's: files since removed must not ship
        copy_files(HERE, bundled_files(HERE), bundle)


class SdistWithBundle(sdist):
    """Puts the bundled files' sources, and what their versions are checked against, into the sdist."""

    def make_release_tree(self, base_dir: str, files: list[str]) -> None:
        super().make_release_tree(base_dir, files)
        copy_files(HERE, bundled_files(HERE) + NPM_LOCK, Path(base_dir))


setup(cmdclass={"build_py": BuildPyWithBundle, "sdist": SdistWithBundle})
