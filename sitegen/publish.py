"""The one place bytes reach the output folder.

Two folders take turns: `output/` is the site being served, `.output.next/` holds an older
build. A build brings the spare folder up to date (writing only files whose content
changed, linking those that changed in the build before, deleting those that no longer
belong) and then exchanges the two folders in one atomic rename. A failed or killed build
leaves `output/` untouched; the spare folder it was writing is marked unknown in the
cache beforehand, so the next build starts it afresh.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import shutil
from itertools import chain, islice
from pathlib import Path
from typing import Collection, Iterable, Iterator, Mapping

from .cache import content_hash
from .errors import BuildError
from .folders import make_marked, remove_marked, spare_folder

HASH_LENGTH = len(content_hash(b""))
RUN = 250  # files made before they are written (`Spare.write_all`)
# What static hosts accept, as they document it: (host, most files, most bytes).
HOST_LIMITS = (
    ("GitHub Pages", None, 1_000_000_000),
    ("GitLab Pages", 200_000, 1_000_000_000),
    ("Cloudflare Pages' free plan", 20_000, None),
    ("Cloudflare Pages' paid plans", 100_000, None),
)
RENAME_EXCHANGE = 2
AT_FDCWD = -100


def folder_key(folder: Path) -> str | None:
    """Identifies a folder's state: inode and change time (a recreated folder differs)."""
    try:
        status = folder.stat()
    except FileNotFoundError:
        return None
    return f"{status.st_ino}:{status.st_ctime_ns}"


def safe_relative(path: str) -> str:
    """`path`, checked to stay inside the folder it is joined to."""
    if path.startswith("/") or "\\" in path or "\x00" in path or ".." in path.split("/"):
        raise BuildError(f"refusing to write outside the output folder: {path!r}")
    return path


class Held(Mapping[str, str]):
    """What the spare folder holds (path -> version): the served folder's manifest but
    where `differs` says otherwise (a version, or None where the spare has no file). The
    spare holds the build before the served one, so they differ in what that build changed."""

    def __init__(self, served: Mapping[str, str], differs: Mapping[str, str | None]):
        self.served = served
        self.differs = differs

    def __getitem__(self, path: str) -> str:
        digest = self.differs[path] if path in self.differs else self.served[path]
        if digest is None:
            raise KeyError(path)
        return digest

    def __iter__(self) -> Iterator[str]:
        yield from (path for path in self.served if path not in self.differs)
        yield from (path for path, digest in self.differs.items() if digest is not None)

    def __len__(self) -> int:
        return sum(1 for _ in self)


NOTHING = Held({}, {})


class Spare:
    """The folder a build writes into, with what it is known to hold (`Held`).

    Files unchanged since the served build are hard links to the served folder's files,
    so bringing the spare up to date costs a link per file that changed, not a copy. A
    file is never written through: it is unlinked and created anew, so the served folder
    is never touched.
    """

    def __init__(self, folder: Path, holds: Held):
        self.folder = folder
        self.holds = holds
        self._made: set[str] = set()  # folders known to exist: one makedirs per folder, not per file

    def write(self, path: str, data: bytes, fingerprint: str = "") -> str:
        """Write `data` at `path` unless the folder holds these bytes already; returns
        its version: `fingerprint` (a page's) followed by the content hash."""
        digest = content_hash(data)
        held = self.holds.get(path)
        target = self._place(path)
        if not same_bytes(held, digest):
            self._make_room(target, held is not None)
            _write_new(target, data)
        return fingerprint + digest

    def write_all(self, files: Iterable[tuple[str, bytes]]) -> dict[str, str]:
        """`write` each (path, data) that `files` makes (path -> version), in runs: RUN
        files made, then written one after the other. A
        file written as soon as it is made (between rendering pages, say) costs the
        kernel several times as much, its caches being cold each time."""
        files = iter(files)
        written = {}
        while run := list(islice(files, RUN)):
            for path, data in run:
                written[path] = self.write(path, data)
        return written

    def copy_from(self, source_folder: Path, path: str, version: str) -> None:
        """Bring an unchanged file over from the served folder (a hard link), unless it is here already."""
        held = self.holds.get(path)
        if not same_bytes(held, version):
            source = os.path.join(source_folder, path)
            target = self._place(path)
            self._make_room(target, held is not None)
            try:
                _create_anew(target, lambda: os.link(source, target))
            except OSError:  # a file system without hard links
                shutil.copyfile(source, target)

    def link_all(self, source_folder: Path, files: Mapping[str, str]) -> list[str]:
        """Hard-link each of `files` (path -> hash) from `source_folder` into this folder,
        which holds none of them; returns the paths not linked (a file system without hard
        links, a file gone from the source). The folder then holds the others."""
        failed = []
        for path in files:
            target = self._place(path)
            self._folder_for(target)
            try:
                os.link(os.path.join(source_folder, path), target)
            except OSError:
                failed.append(path)
        return failed

    def _place(self, path: str) -> str:
        """The file's place in the folder (checked to stay inside it)."""
        return os.path.join(self.folder, safe_relative(path))

    def _make_room(self, target: str, exists: bool) -> None:
        """Ready `target` for a new file: its folder exists and the old file, which may be
        linked to the served one, is gone."""
        if exists:
            _unlink(target)
        else:
            self._folder_for(target)

    def _folder_for(self, target: str) -> None:
        folder = os.path.dirname(target)
        if folder not in self._made:
            os.makedirs(folder, exist_ok=True)
            self._made.add(folder)

    def catch_up(self, source_folder: Path, manifest: Mapping[str, str], written: Collection[str]) -> None:
        """Link the files of `manifest` not `written` by this build that the folder holds
        in another version or not at all: only where it differs from the served folder."""
        for path in list(self.holds.differs):
            if path not in written and path in manifest:
                self.copy_from(source_folder, path, manifest[path])

    def remove_all_but(self, keep: Mapping[str, str], removed: Iterable[str]) -> None:
        """Delete what the folder holds that the new build does not have (`keep`, its
        manifest): of the files `removed` from the served build, and of those where the
        folder differs from it."""
        stale = {path for path in chain(removed, self.holds.differs)
                 if path not in keep and self.holds.get(path) is not None}
        self._made.clear()  # emptied folders go too
        for path in sorted(stale, reverse=True):
            target = self.folder / safe_relative(path)
            _unlink(target)
            _remove_empty_parents(target.parent, self.folder)


def same_bytes(held: str | None, version: str) -> bool:
    """Whether a file held is of the bytes of `version`: versions end with the content
    hash (a page whose fingerprint changed may well be rendered to the same bytes)."""
    return held is not None and held[-HASH_LENGTH:] == version[-HASH_LENGTH:]


def gone(served: Mapping[str, str] | None, planned: Mapping[str, str], pages_gone: Iterable[str] | None,
         files_before: Iterable[str], made: Mapping[str, str], kept: Mapping[str, str]) -> list[str]:
    """The paths of the served build that the new one no longer has. After an update's
    plan, the pages it no longer has (`pages_gone`) and the files besides pages the served
    build made (`files_before`: feeds, search data, assets, but the files it `kept`
    as they were) that this one did not make again: a daily update looks at those, not
    at the million paths served. After a clean plan (`pages_gone` None: every page is in
    `planned`, path -> fingerprint), every path served that is neither planned, `made`
    nor `kept`."""
    if served is None:
        return []
    if pages_gone is None:
        return list(served.keys() - planned.keys() - made.keys() - kept.keys())
    return list(filter(served.__contains__, set(pages_gone).union(files_before).difference(made, planned)))


def changed_paths(served: Mapping[str, str], made: Mapping[str, str], removed: Iterable[str]) -> list[str]:
    """The paths whose version differs between the served build and the new one: of the
    files the new build `made`, and those it `removed`."""
    return [*removed, *(path for path, digest in made.items() if served.get(path) != digest)]


def next_manifest(served: dict[str, str] | None, made: Mapping[str, str], removed: Iterable[str],
                  spare: Spare) -> tuple[dict[str, str], dict[str, str | None] | None]:
    """The new build's manifest: the served one (patched in place, not copied: it has a
    million paths) without the paths `removed`, with the files `made` over it; and the
    versions served of the paths that changed (None where no file was; None for all where
    nothing was served). The `spare`, which holds the served files but where it differs,
    is told the versions it still holds of those paths."""
    if served is None:
        return dict(made), None
    removed = list(removed)
    before = {path: served.get(path) for path in changed_paths(served, made, removed)}
    if spare.holds.served is served:
        spare.holds = Held(served, {**before, **spare.holds.differs})
    for path in removed:
        del served[path]
    served.update(made)
    return served, before


def _create_anew(target: str, create):
    """`create()` makes `target`; a file found there is unlinked first, never written into."""
    try:
        return create()
    except FileExistsError:
        _unlink(target)
        return create()


def _write_new(target: str, data: bytes) -> None:
    """Create `target` as a new file (never writing into one that may be linked elsewhere).
    One that cannot be written (a full disk) stops the build, named: the served folder is
    left as it was, the next build starts this one afresh."""
    try:
        handle = _create_anew(target, lambda: os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(handle, view):]
        finally:
            os.close(handle)
    except OSError as exc:
        raise BuildError(f"cannot write {target}: {exc.strerror or exc}") from None


def _unlink(target: str) -> None:
    try:
        os.unlink(target)
    except FileNotFoundError:
        pass


def _remove_empty_parents(folder: Path, root: Path) -> None:
    while folder != root:
        try:
            folder.rmdir()
        except OSError:
            return
        folder = folder.parent


def prepare_spare(output: Path, holds: Held | None) -> Spare:
    """The spare folder (checked to be sitegen's by `folders.build_folders`), emptied
    first when nothing is known of what it holds."""
    folder = spare_folder(output)
    if holds is None:
        remove_marked(folder)
        holds = NOTHING
    make_marked(folder)
    folder.chmod(0o755)
    return Spare(folder, holds)


def swap_in(spare: Path, output: Path) -> None:
    """Exchange the spare folder and the output folder atomically (Linux renameat2);
    elsewhere, or on the first build, by renames. An output folder that already exists
    is empty or marked as sitegen's (`folders.build_folders`); an empty one is marked
    first, so it may be emptied when it comes back as the spare."""
    if not output.exists():
        os.rename(spare, output)
        return
    make_marked(output)
    if _exchange(spare, output):
        return
    retired = output.with_name(f".{output.name}.old")
    remove_marked(retired)
    os.rename(output, retired)
    os.rename(spare, output)
    os.rename(retired, spare)


def _exchange(first: Path, second: Path) -> bool:
    libc_name = ctypes.util.find_library("c")
    renameat2 = getattr(ctypes.CDLL(libc_name, use_errno=True), "renameat2", None) if libc_name else None
    if renameat2 is None:
        return False
    return renameat2(AT_FDCWD, os.fsencode(first), AT_FDCWD, os.fsencode(second), RENAME_EXCHANGE) == 0


def output_bytes(spare: Path, output: Path, manifest: Mapping[str, str], before: Mapping[str, str | None] | None,
                 served_bytes: int | None) -> int:
    """The bytes of the files in `manifest`, as written in `spare`. After a build of
    known output, counted from its total and the files that changed (`before`: their
    versions served, None where none was): a daily update looks at a few thousand files,
    not at the million of a whole archive."""
    if before is None or served_bytes is None:
        return sum(os.stat(os.path.join(spare, path)).st_size for path in manifest)
    total = served_bytes
    for path, version in before.items():
        if version is not None:
            total -= os.stat(os.path.join(output, path)).st_size
        if path in manifest:
            total += os.stat(os.path.join(spare, path)).st_size
    return total


def host_warnings(files: int, size: int) -> list[str]:
    """What a site of `files` files and `size` bytes is too big for."""
    warnings = []
    for host, most_files, most_bytes in HOST_LIMITS:
        if most_files is not None and files > most_files:
            warnings.append(f"{files:,} files: over the limit of {host} ({most_files:,} files)")
        if most_bytes is not None and size > most_bytes:
            warnings.append(f"{describe_size(size)}: over the limit of {host} ({describe_size(most_bytes)})")
    return warnings


def describe_size(size: int) -> str:
    """`4.8 GB`, `312 MB`, `41 kB`: as hosts state their limits, in powers of 1000."""
    for unit, scale in (("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if size >= scale:
            return f"{size / scale:.1f} {unit}" if size < 10 * scale else f"{size / scale:.0f} {unit}"
    return f"{size} bytes"
