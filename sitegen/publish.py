"""The one place bytes reach the output folder.

A build writes into a fresh folder beside the output and swaps it in only when complete,
so a failed or killed build leaves the previous site untouched and no stale file survives.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
import tempfile
from pathlib import Path, PurePosixPath

from .errors import BuildError

RENAME_EXCHANGE = 2


def staging_folder(output: Path) -> Path:
    """A new empty folder on the output's file system, so the final swap is a rename."""
    output.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{output.name}.building-", dir=output.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; a published site is not
    return staging


def write(root: Path, path: str, data: bytes) -> None:
    """Write `data` at `path` below `root`, refusing any path that would leave it."""
    target = root / safe_relative(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target, "xb") as handle:  # "x": two pages on one path is a bug, never an overwrite
        handle.write(data)


def copy(root: Path, path: str, source: Path) -> None:
    target = root / safe_relative(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, target)


def safe_relative(path: str) -> PurePosixPath:
    relative = PurePosixPath(path)
    if relative.is_absolute() or ".." in relative.parts or "\\" in path or "\x00" in path:
        raise BuildError(f"refusing to write outside the output folder: {path!r}")
    return relative


def swap_in(staging: Path, output: Path) -> None:
    """Make `staging` the output folder; the old output is removed after the swap."""
    if output.exists() and not output.is_dir():
        raise BuildError(f"output path exists and is not a folder: {output}")
    if output.exists() and _exchange(staging, output):
        shutil.rmtree(staging)
        return
    retired = output.with_name(f".{output.name}.old-{os.getpid()}")
    if output.exists():
        os.rename(output, retired)
    os.rename(staging, output)
    shutil.rmtree(retired, ignore_errors=True)


def _exchange(first: Path, second: Path) -> bool:
    """Atomically exchange two folders (Linux renameat2); False where that is not available."""
    libc_name = ctypes.util.find_library("c")
    if not libc_name:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    at_fdcwd = -100
    result = renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), RENAME_EXCHANGE)
    return result == 0


def discard(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)
