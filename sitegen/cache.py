"""The build cache: what the last build read and wrote, so the next one redoes only what changed.

It lives in a folder beside the output (`.sitegen-cache/`, tagged as sitegen's by
`folders`), is safe to delete (the next build is then a full one), and holds a pickle of each page's fingerprint and of the
manifest (path -> content hash) of both output folders, and one pickle per parsed digest,
named by its content key, so a build loads and writes only the digests it needs.
"""

from __future__ import annotations

import os
import pickle
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

import xxhash

from . import __version__
from .digest import Digest
from .errors import Problem
from .folders import make_cache

FORMAT = 9  # bump when the pickle's shape (or what its hashes mean) changes


@dataclass
class SearchTier:
    """The files of one tier of the search data, and what the manifest says of it."""

    summary: dict
    paths: dict[str, str]  # path -> content hash


@dataclass
class BuildState:
    """Everything the cache remembers from one build to the next."""

    fingerprints: dict[str, str] = field(default_factory=dict)  # output path -> page fingerprint
    manifests: dict[int, dict[str, str]] = field(default_factory=dict)  # folder inode -> path -> hash
    inputs: str = ""  # fingerprint of everything the last build read
    search_tiers: dict[str, SearchTier] = field(default_factory=dict)  # by what the tier is made from
    problems: tuple[Problem, ...] = ()  # found in the digests last read: a build with nothing changed reports them again
    output: str = ""  # the output folder this state describes (resolved)
    output_bytes: int | None = None  # the size of its files


def _write_atomically(path: Path, value: object) -> None:
    """Written to a temporary file and renamed: a killed build never leaves half a file."""
    partial = path.with_suffix(f".{os.getpid()}.partial")
    with open(partial, "wb") as handle:
        pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(partial, path)


def content_hash(data: bytes) -> str:
    """XXH3's 128 bits: it tells changed files from unchanged ones (no adversary picks our
    pages' bytes) several times faster than a cryptographic hash, and every page written
    is hashed."""
    return xxhash.xxh3_128_hexdigest(data)


class Cache:
    def __init__(self, folder: Path):
        self.folder = folder
        self.file = folder / "state.pickle"
        self.digests = folder / "digests"

    def digest(self, key: str) -> Digest | None:
        """A digest parsed by an earlier build, by content key; None when there is none."""
        try:
            with open(self.digests / f"{key}.pickle", "rb") as handle:
                stamp, digest = pickle.load(handle)
        except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError):
            return None
        return digest if stamp == (FORMAT, __version__) and isinstance(digest, Digest) else None

    def store_digest(self, key: str, digest: Digest) -> None:
        """Keep a digest parsed afresh (new, or stored by another version), by content key."""
        self.digests.mkdir(parents=True, exist_ok=True)
        _write_atomically(self.digests / f"{key}.pickle", ((FORMAT, __version__), digest))

    def forget_digests_but(self, keys: Iterable[str]) -> None:
        """Forget the digests stored that are no longer read."""
        stored = {path.stem for path in self.digests.glob("*.pickle")}
        for key in stored - set(keys):
            (self.digests / f"{key}.pickle").unlink(missing_ok=True)

    def load(self, output: Path) -> BuildState:
        """The last build's state, or an empty one (first build, other version, damaged
        file, or a state that describes another output folder)."""
        try:
            with open(self.file, "rb") as handle:
                stamp, state = pickle.load(handle)
        except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError):
            return BuildState(output=str(output))
        if stamp == (FORMAT, __version__) and isinstance(state, BuildState) and state.output == str(output):
            return state
        return BuildState(output=str(output))

    def save(self, state: BuildState) -> None:
        make_cache(self.folder)
        _write_atomically(self.file, ((FORMAT, __version__), state))
