"""The build cache: what the last build read and wrote, so the next one redoes only what changed.

It lives in a folder beside the output (`.sitegen-cache/`), is safe to delete (the next
build is then a full one), and holds one pickle: parsed digests by content hash, each
page's fingerprint, and the manifest (path -> content hash) of both output folders.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import pickle
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from . import __version__
from .digest import Digest
from .errors import BuildError

FORMAT = 1  # bump when the pickle's shape changes


@dataclass
class BuildState:
    """Everything the cache remembers from one build to the next."""

    digests: dict[str, Digest] = field(default_factory=dict)  # content hash -> parsed digest
    fingerprints: dict[str, str] = field(default_factory=dict)  # output path -> page fingerprint
    manifests: dict[int, dict[str, str]] = field(default_factory=dict)  # folder inode -> path -> hash
    inputs: str = ""  # fingerprint of everything the last build read


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


class Cache:
    def __init__(self, folder: Path):
        self.folder = folder
        self.file = folder / "state.pickle"

    def load(self) -> BuildState:
        """The last build's state, or an empty one (first build, other version, damaged file)."""
        try:
            with open(self.file, "rb") as handle:
                stamp, state = pickle.load(handle)
        except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError):
            return BuildState()
        return state if stamp == (FORMAT, __version__) and isinstance(state, BuildState) else BuildState()

    def save(self, state: BuildState) -> None:
        """Written to a temporary file and renamed: a killed build never leaves half a cache."""
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self.file.with_suffix(f".{os.getpid()}.partial")
        with open(partial, "wb") as handle:
            pickle.dump(((FORMAT, __version__), state), handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(partial, self.file)

    @contextmanager
    def lock(self) -> Iterator[None]:
        """One build at a time per output folder."""
        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / "lock", "w") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise BuildError(f"another build is using {self.folder}; wait for it to finish") from None
            yield
