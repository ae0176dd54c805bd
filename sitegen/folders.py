"""Which folders a build may write, and proof that they are sitegen's own.

A build replaces its output folder whole and deletes what it no longer needs in the
spare folder beside it and in the cache. Pointed at the wrong folder (`--output content`,
`output_dir: ..`, a symlink to somebody's files, `cache_dir: ~`), that would destroy a
user's files. So, before anything is written, with every path resolved:

- the output, its spare and the cache may not be, contain or lie inside the content
  folder, a theme folder or each other, and may not be or contain the configuration's
  folder, the home folder or `/`;
- a folder that exists and holds anything must carry sitegen's mark: `MARK` in an output
  or spare folder, a `CACHEDIR.TAG` (the cache directory tagging convention, which backup
  tools honour) in the cache. sitegen marks the folders it makes, and deletes only inside
  marked ones.
"""

from __future__ import annotations

import errno
import fcntl
import os
import shutil
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from .errors import BuildError, UsageError

MARK = ".sitegen-output"
MARK_TEXT = ("This folder is written by `sitegen build`, which replaces what it holds at every build.\n"
             "Files put here may be deleted. Remove this file to stop sitegen from writing here.\n")
CACHE_TAG = "CACHEDIR.TAG"
CACHE_TAG_TEXT = ("Signature: 8a477f597d28d172789f06886806bc55\n"
                  "# This file is a cache directory tag created by sitegen: the folder remembers\n"
                  "# the last build and is safe to delete. See https://bford.info/cachedir/\n")


@dataclass(frozen=True)
class Protected:
    """A folder a build must leave alone: `name` says what it is in messages."""

    name: str
    path: Path
    may_enclose: bool  # the configuration's folder, the home folder and `/` may hold an output, not be one


@dataclass(frozen=True)
class BuildFolders:
    """The folders a build writes, resolved and checked."""

    output: Path
    spare: Path
    cache: Path


def spare_folder(output: Path) -> Path:
    """The folder the next build is written into, beside the output (see `publish`)."""
    return output.with_name(f".{output.name}.next")


def lock_file(output: Path) -> Path:
    """A file beside the output that builds writing it lock: one at a time, whatever their cache."""
    return output.with_name(f".{output.name}.lock")


def build_folders(output: Path, cache: Path, protected: Iterable[Protected]) -> BuildFolders:
    """The output, spare and cache folders, refused (UsageError, nothing touched) where a
    build could destroy what the user owns."""
    output, cache = output.resolve(), cache.resolve()
    protected = list(protected)
    _refuse_overlap("output folder", output, [*protected, Protected("cache folder", cache, False)])
    folders = BuildFolders(output, spare_folder(output), cache)  # `/` has no spare: refused above
    written = [Protected("output folder", folders.output, False), Protected("spare folder", folders.spare, False),
               Protected("cache folder", folders.cache, False)]
    guarded = [*protected, *written]
    for folder in written[1:]:
        _refuse_overlap(folder.name, folder.path, [other for other in guarded if other is not folder])
    _refuse_unmarked(folders.output, MARK, "output folder")
    _refuse_unmarked(folders.spare, MARK, "spare folder")
    _refuse_unmarked(folders.cache, CACHE_TAG, "cache folder")
    return folders


def _refuse_overlap(name: str, path: Path, protected: Iterable[Protected]) -> None:
    for folder in protected:
        other = folder.path.resolve()
        if path == other or other.is_relative_to(path):
            what = "is" if path == other else "contains"
            raise UsageError(f"refusing to use {path} as the {name}: it {what} the {folder.name} ({other})")
        if not folder.may_enclose and path.is_relative_to(other):
            raise UsageError(f"refusing to use {path} as the {name}: it lies inside the {folder.name} ({other})")


def _refuse_unmarked(folder: Path, mark: str, name: str) -> None:
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"the {name} {folder} exists and is not a folder")
    if folder.is_dir() and not is_marked(folder, mark) and any(folder.iterdir()):
        raise UsageError(f"refusing to write into the {name} {folder}: it holds files that sitegen did not "
                         f"write (it has no {mark}); choose an empty or new folder, or empty this one yourself "
                         "(sitegen before 0.2 did not mark its folders: one it left may simply be deleted)")


def is_marked(folder: Path, mark: str) -> bool:
    return (folder / mark).is_file() and not (folder / mark).is_symlink()


def make_marked(folder: Path, mark: str = MARK, text: str = MARK_TEXT) -> None:
    """Create `folder` if needed and mark it as sitegen's (it is empty or marked already)."""
    folder.mkdir(parents=True, exist_ok=True)
    if not is_marked(folder, mark):
        (folder / mark).write_text(text, encoding="utf-8")


def make_cache(folder: Path) -> None:
    make_marked(folder, CACHE_TAG, CACHE_TAG_TEXT)


def remove_marked(folder: Path, mark: str = MARK) -> None:
    """Delete `folder` and all it holds, only if it carries sitegen's mark (or is empty).
    The mark goes last: a build killed halfway leaves a folder still marked as sitegen's,
    which the next build may empty, not one it would have to refuse."""
    if not folder.exists():
        return
    if not is_marked(folder, mark):
        if any(folder.iterdir()):
            raise BuildError(f"refusing to delete {folder}: sitegen did not make it (it has no {mark})")
        folder.rmdir()
        return
    for entry in os.scandir(folder):
        if entry.name == mark:
            continue
        if entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path)
        else:
            os.unlink(entry.path)
    os.unlink(folder / mark)
    folder.rmdir()


@contextmanager
def locked(folders: BuildFolders) -> Iterator[None]:
    """One build at a time per output folder and per cache. The lock files are opened,
    never truncated: a file of that name that is not sitegen's keeps its bytes."""
    with ExitStack() as stack:
        for path in (lock_file(folders.output), folders.cache / "lock"):
            stack.enter_context(_flock(path, folders.output))
        yield


@contextmanager
def _flock(path: Path, output: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle = os.open(path, os.O_RDONLY | os.O_CREAT | os.O_CLOEXEC | os.O_NONBLOCK, 0o644)
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            if exc.errno not in (errno.EWOULDBLOCK, errno.EACCES):
                raise
            raise BuildError(f"another build is writing {output} (it holds {path}); wait for it to finish") from None
        yield
    finally:
        os.close(handle)
