"""Read every digest under a content folder: the only place digest files are opened."""

from __future__ import annotations

import os
import re
import time
from dataclasses import dataclass, field, replace
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Callable, Mapping, NamedTuple, Sequence

from .cache import content_hash
from .digest import Digest, parse_digest
from .errors import Problem, UsageError
from .parallel import fork_map
from .plural import plural

PARSE_BATCH = 8  # digests a worker parses between sending them back
CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ufdd0-\ufdef\ufffe\uffff]")
# A digest's heading, or an entry's first field: a file with neither is no digest at all
# (notes, a README), and is skipped with a warning rather than reported as broken.
DIGEST_MARKS = (b"# Arxiv Papers in ", b"- **Arxiv ID**:")
HEADING_FORMAT = "'# Arxiv Papers in <category> on <YYYY-MM-DD>'"
# A file changed less than this before a listing began may change again within the same
# tick of the file system's clock (2 s on FAT, a second or a jiffy elsewhere) with its
# status unchanged: its key is not remembered, and the next listing reads it again.
RACY_SECONDS = 2.0


class Summary(NamedTuple):
    """What a build tells of a digest but its entries: an update that keeps the model it
    made (`archive.updated`) needs no more of the digests that did not change."""

    problems: tuple[Problem, ...]
    skipped: int
    entries: int


@dataclass(frozen=True)
class Reading:
    """Everything read from a content folder, in a stable order (by path)."""

    problems: tuple[Problem, ...]
    bytes_read: int
    parsed: Mapping[str, Digest]  # every digest but those `read_listed` was given the summary of, by content key
    summaries: Mapping[str, Summary]  # every digest's, by content key, in reading order

    @property
    def digests(self) -> tuple[Digest, ...]:
        """The digests parsed, in reading order."""
        return tuple(self.parsed.values())

    @property
    def skipped(self) -> int:
        return sum(summary.skipped for summary in self.summaries.values())

    @property
    def papers_listed(self) -> bool:
        return any(summary.entries for summary in self.summaries.values())


def digest_paths(content: Path, ignore: Sequence[str] = ()) -> list[Path]:
    """Every `*.md` file below `content`, sorted, skipping hidden files and folders and
    the files `ignore` matches (see `is_ignored`)."""
    if not content.is_dir():
        raise UsageError(f"content folder not found: {content}")
    found: list[Path] = []
    for folder, subfolders, files in os.walk(content):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        relative = Path(folder).relative_to(content).as_posix()
        found.extend(Path(folder) / name for name in files
                     if name.endswith(".md") and not name.startswith(".")
                     and not is_ignored(name if relative == "." else f"{relative}/{name}", ignore))
    return sorted(found)


def is_ignored(relative: str, patterns: Sequence[str]) -> bool:
    """Whether a glob pattern matches `relative` (a path below the content folder, with
    `/`); a pattern without `/` matches the file name in any folder, so `README.md`
    leaves out every folder's README."""
    name = relative.rpartition("/")[2]
    return any(fnmatchcase(relative if "/" in pattern else name, pattern) for pattern in patterns)


@dataclass(frozen=True)
class Listed:
    """A digest file found, with the content key of its bytes, name and category."""

    path: Path
    source: str  # the path as messages show it
    name: str  # the path below the content folder, which the key holds (messages' paths vary)
    category: str | None
    key: str


@dataclass(frozen=True)
class Seen:
    """A file as a listing keyed it. While its status (size, modification and change times
    in ns, inode, device) stays the same, its bytes are taken to be the same: writing a
    file moves its change time, even when its modification time is set back after."""

    status: tuple[int, int, int, int, int]
    category: str | None
    key: str | None  # None: a file with no digest in it
    size: int


@dataclass(frozen=True)
class Listing:
    """What a content folder holds, keyed but not parsed: enough to tell that nothing changed."""

    files: tuple[Listed | Problem, ...]  # in path order; a Problem for a file that could not be read
    bytes_read: int
    not_digests: tuple[str, ...] = ()  # `.md` files with no digest in them (as messages show them)
    seen: Mapping[str, Seen] = field(default_factory=dict)  # by path: what the next listing may trust
    shown_from: str = ""  # the folder messages' paths are relative to: the keys leave it out

    @property
    def keys(self) -> list[str]:
        return [file.key for file in self.files if isinstance(file, Listed)]


def list_content(content: Path, overrides: Mapping[str, str] | None = None,
                 display_root: Path | None = None, ignore: Sequence[str] = (),
                 remembered: Mapping[str, Seen] | None = None) -> Listing:
    """Every digest below `content` with its content key; `overrides` maps sub-folders to a
    category; `ignore` holds glob patterns of files that are not digests. A file that
    `remembered` (an earlier listing's `seen`) holds with its present status is not read."""
    files: list[Listed | Problem] = []
    not_digests: list[str] = []
    seen: dict[str, Seen] = {}
    total = 0
    settled = time.time_ns() - int(RACY_SECONDS * 1e9)  # a file last changed before this is not racy
    for path in digest_paths(content, ignore):
        source, name = _display(path, display_root), path.relative_to(content).as_posix()
        category = _override(path, content, overrides or {})
        try:
            entry = _keyed(path, name, category, (remembered or {}).get(str(path)))
        except OSError as exc:
            files.append(_unreadable(source, exc))
            continue
        if max(entry.status[1], entry.status[2]) < settled:
            seen[str(path)] = entry
        if entry.key is None:
            not_digests.append(source)
            continue
        total += entry.size
        files.append(Listed(path, source, name, category, entry.key))
    return Listing(tuple(files), total, tuple(not_digests), seen, str(display_root or Path.cwd()))


def _keyed(path: Path, name: str, category: str | None, known: Seen | None) -> Seen:
    """`known` (remembered for the same path) while the file's status and category are the
    same; otherwise the file read and keyed, with its status taken before reading (a
    change while it is read then shows at the next listing)."""
    if known is not None and known.category == category and known.status == _status(os.stat(path)):
        return known
    with open(path, "rb") as handle:
        status = _status(os.fstat(handle.fileno()))
        data = handle.read()
    # an empty file is a digest cut short: reported as a problem, not skipped
    key = _key(name, category, data) if any(mark in data for mark in DIGEST_MARKS) or not data.strip() else None
    return Seen(status, category, key, len(data))


def _status(status: os.stat_result) -> tuple[int, int, int, int, int]:
    return status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino, status.st_dev


def content_warnings(content: Path, listing: Listing, reading: Reading | None = None) -> list[str]:
    """What a person should know of a content folder that is not a problem in any digest:
    files that are no digests, no digests at all, or (once `reading` is there) no papers."""
    warnings = [f"{source}:1: warning: not a digest (no {HEADING_FORMAT} heading); skipped "
                "(list it under 'ignore' in sitegen.yaml to leave it out quietly)" for source in listing.not_digests]
    folder = _display(content, None)
    if not listing.files:
        warnings.append(f"warning: no digests in {folder} (Markdown files headed {HEADING_FORMAT}): "
                        "the site has no papers")
    elif reading is not None and not reading.papers_listed:
        warnings.append(f"warning: {plural(len(reading.summaries), 'digest')} in {folder}, listing no papers: "
                        "the site has no papers")
    return warnings


def read_content(content: Path, overrides: Mapping[str, str] | None = None,
                 display_root: Path | None = None,
                 known: Callable[[str], Digest | None] | None = None, jobs: int = 1,
                 ignore: Sequence[str] = ()) -> Reading:
    """Parse every digest below `content`; `overrides` maps sub-folders to a category."""
    return read_listed(list_content(content, overrides, display_root, ignore), known, jobs)


def read_listed(listing: Listing, known: Callable[[str], Digest | None] | None = None, jobs: int = 1,
                store: Callable[[str, Digest], None] | None = None,
                summarized: Mapping[str, Summary] | None = None) -> Reading:
    """The digests of a listing. `known(key)` gives a digest parsed before, by content key:
    a file whose bytes, name and category are unchanged is not parsed again. The others
    are read again and parsed in `jobs` processes (a file changed since it was listed is
    read as it is now, under its new key), which `store(key, digest)` each as they go.
    A digest whose key `summarized` holds is not loaded at all: its summary stands for it.
    Either is labelled with the file's path as messages show it now (it was parsed or
    summarized for the same bytes, perhaps from another working folder)."""
    files: list = list(listing.files)
    unparsed = []
    for index, file in enumerate(files):
        if isinstance(file, Listed):
            if summarized and file.key in summarized:
                summary = summarized[file.key]
                files[index] = (file.key, summary._replace(problems=_relabelled(summary.problems, file.source)))
                continue
            digest = known(file.key) if known else None
            if digest is None:
                unparsed.append((index, file))
            else:
                files[index] = (file.key, _labelled(digest, file.source))
    batches = [unparsed[start:start + PARSE_BATCH] for start in range(0, len(unparsed), PARSE_BATCH)]
    for batch in fork_map(lambda batch: [(index, _parse(file, store)) for index, file in batch], batches, jobs):
        for index, parsed in batch:
            files[index] = parsed
    read = [file for file in files if not isinstance(file, Problem)]
    problems = [problem for file in files
                for problem in ((file,) if isinstance(file, Problem) else file[1].problems)]
    summaries = {key: digest if isinstance(digest, Summary) else _summary(digest) for key, digest in read}
    parsed = {key: digest for key, digest in read if isinstance(digest, Digest)}
    return Reading(tuple(problems), listing.bytes_read, parsed, summaries)


def _summary(digest: Digest) -> Summary:
    return Summary(digest.problems, digest.skipped, len(digest.entries))


def _parse(file: Listed, store: Callable[[str, Digest], None] | None = None) -> tuple[str, Digest] | Problem:
    """(content key, digest) of a listed file, read again (and stored)."""
    try:
        data = file.path.read_bytes()
    except OSError as exc:
        return _unreadable(file.source, exc)
    text, decode_problem = decode(data, file.source)
    text, control_problems = replace_controls(text, file.source)
    digest = parse_digest(text, file.source, file.category)
    read_problems = (*((decode_problem,) if decode_problem else ()), *control_problems)
    if read_problems:
        digest = replace(digest, problems=(*read_problems, *digest.problems))
    key = _key(file.name, file.category, data)
    if store:
        store(key, digest)
    return key, digest


def _key(name: str, category: str | None, data: bytes) -> str:
    return content_hash(b"\0".join((name.encode("utf-8"), (category or "").encode("utf-8"), data)))


def _labelled(digest: Digest, source: str) -> Digest:
    if digest.source == source:
        return digest
    return replace(digest, source=source, problems=_relabelled(digest.problems, source))


def _relabelled(problems: tuple[Problem, ...], source: str) -> tuple[Problem, ...]:
    """A file's problems, told of `source`: its path as messages show it now."""
    return tuple(problem if problem.source == source else replace(problem, source=source) for problem in problems)


def _unreadable(source: str, exc: OSError) -> Problem:
    return Problem(source, 1, f"cannot read file: {exc.strerror or exc}; file skipped")


def decode(data: bytes, source: str) -> tuple[str, Problem | None]:
    """UTF-8 text; undecodable bytes become U+FFFD and are reported at their line."""
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problem = Problem(source, line, f"not UTF-8 text (bad byte at offset {exc.start}); "
                                        "undecodable bytes replaced")
        return data.decode("utf-8", errors="replace"), problem


def replace_controls(text: str, source: str) -> tuple[str, list[Problem]]:
    """`text` with control characters and noncharacters (which HTML forbids and no
    reader means: a NUL in a title, an escape sequence pasted from a terminal) replaced
    by U+FFFD, reported once per line. Tabs and line ends stay."""
    if not CONTROLS.search(text):
        return text, []
    problems = []
    for number, line in enumerate(text.split("\n"), 1):
        found = CONTROLS.search(line)
        if found:
            problems.append(Problem(source, number, f"control character U+{ord(found.group()):04X} "
                                                    "replaced by U+FFFD"))
    return CONTROLS.sub("\ufffd", text), problems


def _override(path: Path, content: Path, overrides: Mapping[str, str]) -> str | None:
    relative = path.relative_to(content).parts[:-1]
    for depth in range(len(relative), 0, -1):
        category = overrides.get("/".join(relative[:depth]))
        if category:
            return category
    return overrides.get("") or overrides.get(".")


def _display(path: Path, root: Path | None) -> str:
    """Paths in messages are relative to the working folder where that is shorter."""
    root = root or Path.cwd()
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)
