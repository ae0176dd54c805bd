"""Read every digest under a content folder: the only place digest files are opened."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Mapping

from .cache import content_hash
from .digest import Digest, parse_digest
from .errors import Problem, UsageError
from .parallel import fork_map

PARSE_BATCH = 8  # digests a worker parses between sending them back


@dataclass(frozen=True)
class Reading:
    """Everything read from a content folder, in a stable order (by path)."""

    digests: tuple[Digest, ...]
    problems: tuple[Problem, ...]
    bytes_read: int
    parsed: Mapping[str, Digest]  # by content key: what a later read can reuse unparsed
    fresh: frozenset[str]  # the keys parsed this time, not reused


def digest_paths(content: Path) -> list[Path]:
    """Every `*.md` file below `content`, sorted, skipping hidden files and folders."""
    if not content.is_dir():
        raise UsageError(f"content folder not found: {content}")
    found: list[Path] = []
    for folder, subfolders, files in os.walk(content):
        subfolders[:] = sorted(d for d in subfolders if not d.startswith("."))
        found.extend(Path(folder) / name for name in files
                     if name.endswith(".md") and not name.startswith("."))
    return sorted(found)


def read_content(content: Path, overrides: Mapping[str, str] | None = None,
                 display_root: Path | None = None,
                 known: Callable[[str], Digest | None] | None = None, jobs: int = 1) -> Reading:
    """Parse every digest below `content`; `overrides` maps sub-folders to a category.

    `known(key)` gives a digest parsed before, by content key: a file whose bytes, name
    and category are unchanged is not parsed again. The others are parsed in `jobs` processes.
    """
    files: list[Problem | list] = []  # in path order: a file's [key, digest] (None until parsed), or why it was unread
    unparsed: list[tuple[int, bytes, str, str | None]] = []
    total = 0
    for path in digest_paths(content):
        source = _display(path, display_root)
        try:
            data = path.read_bytes()
        except OSError as exc:
            files.append(Problem(source, 1, f"cannot read file: {exc.strerror or exc}; file skipped"))
            continue
        total += len(data)
        category = _override(path, content, overrides or {})
        key = content_hash(b"\0".join((source.encode("utf-8"), (category or "").encode("utf-8"), data)))
        digest = known(key) if known else None
        if digest is None:
            unparsed.append((len(files), data, source, category))
        files.append([key, digest])
    batches = [unparsed[start:start + PARSE_BATCH] for start in range(0, len(unparsed), PARSE_BATCH)]
    for batch in fork_map(lambda batch: [_parse(*file) for file in batch], batches, jobs):
        for index, digest in batch:
            files[index][1] = digest
    read = [file for file in files if not isinstance(file, Problem)]
    problems = [problem for file in files
                for problem in ((file,) if isinstance(file, Problem) else file[1].problems)]
    return Reading(tuple(digest for _, digest in read), tuple(problems), total, dict(read),
                   frozenset(files[index][0] for index, *_ in unparsed))


def _parse(index: int, data: bytes, source: str, category: str | None) -> tuple[int, Digest]:
    text, decode_problem = decode(data, source)
    digest = parse_digest(text, source, category)
    if decode_problem:
        digest = replace(digest, problems=(decode_problem, *digest.problems))
    return index, digest


def decode(data: bytes, source: str) -> tuple[str, Problem | None]:
    """UTF-8 text; undecodable bytes become U+FFFD and are reported at their line."""
    try:
        return data.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        problem = Problem(source, line, f"not UTF-8 text (bad byte at offset {exc.start}); "
                                        "undecodable bytes replaced")
        return data.decode("utf-8", errors="replace"), problem


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
