"""The build cache: what the last build read and wrote, so the next one redoes only what changed.

It lives in a folder beside the output (`.sitegen-cache/`, tagged as sitegen's by
`folders`), is safe to delete (the next build is then a full one), and holds the build's
state (what both output folders hold) and one pickle per parsed digest, named by its
content key, so a build loads and writes only the digests it needs, the venue read from
each paper's Comment and Journal text (`venues.pickle`), what each page read and the
model, for an update to patch (`model.mapped`: mapped into memory, not read, by
`Cache.load_mapped`).

What a folder holds is a version per path: a file's content hash, after a page's
fingerprint (which says whether it must be rendered again). At archive scale that is a million
paths, and a daily update changes a few thousand: the state is kept as a base
(`state-TOKEN.sqlite`: every path once, with its version) written now and then, and a
small head (`state.pickle`) written at every build, which names the base and holds what
changed since it. The base is never loaded whole: a build looks up the paths it asks
for (`Manifest`), so an update costs the paths it touches, not the million it keeps.
What each page read is kept the same way: a base (`reads-TOKEN.base`, `ReadsBase`)
that an update consults without loading it, and a head (`reads.pickle`) with the pages
read since, the plan's routes and what else `dependencies.Recorded` holds.
"""

from __future__ import annotations

import marshal
import mmap
import operator
import os
import pickle
import sqlite3
import struct
from array import array
from bisect import bisect_left
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import accumulate, chain, compress, pairwise
from pathlib import Path
from typing import TYPE_CHECKING, Iterable, Iterator, Mapping, MutableMapping, Sequence

import xxhash

from . import __version__
from .dependencies import Recorded, key_hashes
from .digest import Digest
from .errors import Problem
from .folders import make_cache

if TYPE_CHECKING:
    from .reader import Seen  # which keys content with `content_hash`
    from .venues import Venue  # not imported at run time: a build with nothing changed never needs it

FORMAT = 13  # bump when the pickle's shape (or what its hashes mean) changes
MAPPED = b"sitegen mapped\n"  # how a file of `Cache.save_mapped` begins
BASE_SHARE = 0.1  # changes kept in the state's head, as a share of its base, before the base is written again
WHOLE_SHARE = 0.1  # paths set at once in a `Manifest`, as a share of it, past which its base is read whole
READS_SHARE = 0.05  # pages read since the reads' base was written, as a share of its pages, before it is written again


@dataclass
class SearchTier:
    """The files of one tier of the search data, and what the manifest says of it."""

    summary: dict
    paths: Mapping[str, str]  # path -> content hash (as kept in the cache: `TierPaths`)


class TierPaths(Mapping[str, str]):
    """A search tier's paths (path -> content hash), kept in a file of their own in the
    cache, written once when the tier is made and read only when asked for. The tier of
    all older years has a hundred thousand files: an update that keeps it never asks, and
    the state's head, written twice a build, stays small."""

    def __init__(self, file: Path):
        self.file = file
        self._paths: dict[str, str] | None = None

    def _loaded(self) -> dict[str, str]:
        if self._paths is None:
            paths, digests = marshal.loads(self.file.read_bytes())
            self._paths = dict(zip(paths, digests))
        return self._paths

    def __getitem__(self, path: str) -> str:
        return self._loaded()[path]

    def __iter__(self) -> Iterator[str]:
        return iter(self._loaded())

    def __len__(self) -> int:
        return len(self._loaded())

    def __reduce__(self):  # pickled (into the head, or from the search process) as its file, not its paths
        return TierPaths, (self.file,)


@dataclass
class BuildState:
    """Everything the cache remembers from one build to the next."""

    served: MutableMapping[str, str] | None = None  # what the output folder holds (path -> version; a dict, or
    # a `Manifest` as loaded); None: unknown
    served_key: str | None = None  # `publish.folder_key` of the output folder `served` describes
    spare: dict[str, str | None] | None = None  # where the spare folder differs from `served`: path ->
    # its version there, None where it has no file; None: unknown (the folder is emptied)
    spare_key: str | None = None  # `publish.folder_key` of the spare folder `spare` describes
    inputs: str = ""  # fingerprint of everything the last build read
    search_tiers: dict[str, SearchTier] = field(default_factory=dict)  # by what the tier is made from
    problems: tuple[Problem, ...] = ()  # found in the digests last read: a build with nothing changed reports them again
    output: str = ""  # the output folder this state describes (resolved)
    output_bytes: int | None = None  # the size of its files
    digest_keys: tuple[str, ...] | None = None  # the content keys of the digests it modelled, in reading order
    files: tuple[str, ...] = ()  # the paths of `served` that are neither pages nor in `search_tiers` (feeds,
    # the search manifest, assets): with the tiers', the ones an update may remove besides the pages its plan removes


@dataclass
class _Head:
    """`state.pickle`: the state but for its base, which it names, and what changed since."""

    state: BuildState  # its `served` left out
    base: str | None  # the token of the base file: `served` as it was; None: `served` is None
    changed: dict[str, str | None]  # path -> version (None: no file) where `served` differs from the base
    size: int  # the number of paths in `served`


class Manifest(MutableMapping[str, str]):
    """What a folder holds (path -> version), as a base file (an SQLite table written
    once, never changed) and the changes since, held here: a path is looked up in the
    base only when asked for. At archive scale a dictionary of the base's million paths
    takes most of a second to make, and a daily update asks for a few thousand. Given
    many paths at once (`update`: a build that made most files again), it reads the
    whole base in one pass rather than a path at a time.

    Each process opens the base for itself (a connection does not cross a fork)."""

    def __init__(self, base: Path, changes: dict[str, str | None], size: int):
        self.base = base
        self.changes = changes  # path -> version; None: the base has the path, the folder not
        self.size = size
        self.whole = False  # the base is read into `changes`: nothing is looked up any more
        self._opened: tuple[int, sqlite3.Connection] | None = None

    def _rows(self) -> sqlite3.Connection:
        if self._opened is None or self._opened[0] != os.getpid():
            # immutable: no locks, no journal (the file is never written again)
            connection = sqlite3.connect(f"{self.base.resolve().as_uri()}?mode=ro&immutable=1", uri=True,
                                         check_same_thread=False)
            self._opened = (os.getpid(), connection)
        return self._opened[1]

    def get(self, path: str, default=None):
        if path in self.changes or self.whole:
            version = self.changes.get(path)
        else:
            row = self._rows().execute("SELECT version FROM served WHERE path = ?", (path,)).fetchone()
            version = None if row is None else row[0]
        return default if version is None else version

    def __getitem__(self, path: str) -> str:
        version = self.get(path)
        if version is None:
            raise KeyError(path)
        return version

    def __contains__(self, path: object) -> bool:
        return isinstance(path, str) and self.get(path) is not None

    def __setitem__(self, path: str, version: str) -> None:
        if path not in self:
            self.size += 1
        self.changes[path] = version

    def __delitem__(self, path: str) -> None:
        if path not in self:
            raise KeyError(path)
        self.size -= 1
        self.changes[path] = None

    def update(self, files: Mapping[str, str]) -> None:  # type: ignore[override]
        if not self.whole and len(files) > WHOLE_SHARE * self.size:
            self.changes = {**dict(self._base_items()), **self.changes}
            self.whole = True
        for path, version in files.items():
            self[path] = version

    def __len__(self) -> int:
        return self.size

    def __iter__(self) -> Iterator[str]:
        return (path for path, _ in self.items())

    def items(self) -> Iterator[tuple[str, str]]:  # type: ignore[override]  # one pass, not a lookup a path
        changes = self.changes
        if not self.whole:
            yield from ((path, version) for path, version in self._base_items() if path not in changes)
        yield from ((path, version) for path, version in changes.items() if version is not None)

    def values(self) -> Iterator[str]:  # type: ignore[override]
        return (version for _, version in self.items())

    def _base_items(self) -> Iterator[tuple[str, str]]:
        return iter(self._rows().execute("SELECT path, version FROM served"))


@dataclass(frozen=True)
class Stamp:
    """A few bytes written last by a build that finished: what it was built from, in short.
    A build that finds the same inputs and the same output folder knows that nothing
    changed without loading the state, whose manifests run to millions of paths."""

    inputs: str  # `dependencies.quick_inputs` of the build
    output: str  # `publish.folder_key` of the output folder it made
    problems: tuple[Problem, ...]  # found in the digests it read, reported again


@contextmanager
def _replacing(path: Path) -> Iterator[Path]:
    """A temporary file to write `path`'s new bytes into, renamed to `path` once written:
    a killed build never leaves half a file."""
    partial = path.with_suffix(f".{os.getpid()}.partial")
    yield partial
    os.replace(partial, path)


def _write_atomically(path: Path, value: object) -> None:
    with _replacing(path) as partial, open(partial, "wb") as handle:
        pickle.dump(value, handle, protocol=pickle.HIGHEST_PROTOCOL)


def _load(path: Path, kind: type):
    """The value of type `kind` pickled at `path` by this version of sitegen; None when the
    file is missing, damaged or written by another version."""
    try:
        with open(path, "rb") as handle:
            stamp, value = pickle.load(handle)
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError):
        return None
    return value if stamp == (FORMAT, __version__) and isinstance(value, kind) else None


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
        self.stamp_file = folder / "stamp.pickle"
        self.listing_file = folder / "listing.pickle"
        self.venues_file = folder / "venues.pickle"
        self._base: str | None = None  # the base file of the state loaded or saved last
        self._changed: dict[str, tuple[str | None, str | None]] = {}  # and what changed since it

    def digest(self, key: str) -> Digest | None:
        """A digest parsed by an earlier build, by content key; None when there is none."""
        return _load(self.digests / f"{key}.pickle", Digest)

    def store_digest(self, key: str, digest: Digest) -> None:
        """Keep a digest parsed afresh (new, or stored by another version), by content key."""
        self.digests.mkdir(parents=True, exist_ok=True)
        _write_atomically(self.digests / f"{key}.pickle", ((FORMAT, __version__), digest))

    def forget_digests_but(self, keys: Iterable[str]) -> None:
        """Forget the digests stored that are no longer read."""
        stored = {path.stem for path in self.digests.glob("*.pickle")}
        for key in stored - set(keys):
            (self.digests / f"{key}.pickle").unlink(missing_ok=True)

    def venue_readings(self, key: str) -> dict[tuple[str | None, str | None], Venue | None]:
        """The venue read from each Comment and Journal text by the last build that read
        venues with `key` (its aliases and sitegen's code); empty when there is none."""
        stored = _load(self.venues_file, tuple)
        return stored[1] if stored is not None and stored[0] == key else {}

    def save_venue_readings(self, key: str, readings: dict[tuple[str | None, str | None], Venue | None]) -> None:
        make_cache(self.folder)
        _write_atomically(self.venues_file, ((FORMAT, __version__), (key, readings)))

    def listing(self) -> dict[str, Seen]:
        """What the last listing of the content folder may trust (`reader.list_content`)."""
        return _load(self.listing_file, dict) or {}

    def save_listing(self, seen: dict[str, Seen]) -> None:
        make_cache(self.folder)
        _write_atomically(self.listing_file, ((FORMAT, __version__), seen))

    def stamp(self) -> Stamp | None:
        """The stamp of the last build that finished, unless a build began since."""
        return _load(self.stamp_file, Stamp)

    def save_stamp(self, stamp: Stamp) -> None:
        _write_atomically(self.stamp_file, ((FORMAT, __version__), stamp))

    def forget_stamp(self) -> None:
        """Before a build changes anything: killed halfway, it leaves no stamp that would
        tell the next build that nothing changed."""
        self.stamp_file.unlink(missing_ok=True)

    def load(self, output: Path) -> BuildState:
        """The last build's state, or an empty one (first build, other version, damaged
        file, or a state that describes another output folder)."""
        head = _load(self.file, _Head)
        if head is None or head.state.output != str(output):
            return BuildState(output=str(output))
        state = head.state
        for tier in state.search_tiers.values():  # in this cache folder, however it is named now
            tier.paths.file = self.folder / tier.paths.file.name
            if not tier.paths.file.is_file():
                return BuildState(output=str(output))
        if head.base is not None:
            state.served = self._load_base(head.base, head.changed, head.size)
            if state.served is None:
                return BuildState(output=str(output))
        self._base, self._changed = head.base, head.changed
        return state

    def save(self, state: BuildState, changed: Iterable[str] | None = None, base: str | None = None) -> None:
        """Save `state`. `changed`: the paths whose version in `state.served` may differ from
        the state loaded or saved last (None: any may). A few thousand changes go into the
        head; the base is written again when the changes near a tenth of it (`base_due`),
        unless `base` names one `write_base` wrote of `state.served` already."""
        make_cache(self.folder)
        served = state.served
        changes = self._head_changes(served, changed) if served is not None else {}
        if served is None:
            self._base = None
        elif changes is None:
            self._base, changes = base or self.write_base(served), {}
        tiers = {key: self._kept_tier(tier) for key, tier in state.search_tiers.items()}
        small = BuildState(**{**state.__dict__, "served": None, "search_tiers": tiers})
        size = 0 if served is None else len(served)
        _write_atomically(self.file, ((FORMAT, __version__), _Head(small, self._base, changes, size)))
        self._changed = changes
        named = {*(tier.paths.file.name for tier in tiers.values()), *([_base_name(self._base)] if self._base else [])}
        for old in [*self.folder.glob("state-*"), *self.folder.glob("tier-*")]:  # files no head names any longer
            if old.name not in named:
                old.unlink(missing_ok=True)

    def _kept_tier(self, tier: SearchTier) -> SearchTier:
        """`tier` with its paths in a file of the cache (`TierPaths`), written if they are not."""
        if isinstance(tier.paths, TierPaths) and tier.paths.file.parent == self.folder:
            return tier
        file = self.folder / f"tier-{os.urandom(8).hex()}.marshal"
        with _replacing(file) as partial:
            partial.write_bytes(marshal.dumps((list(tier.paths), list(tier.paths.values()))))
        return SearchTier(tier.summary, TierPaths(file))

    def base_due(self, served: Mapping[str, str], changed: Iterable[str] | None) -> bool:
        """Whether saving `served` with `changed` writes a new base (which a build may
        have `write_base` write beforehand, beside other work: at archive scale it takes
        seconds)."""
        return self._head_changes(served, changed) is None

    def _head_changes(self, served: Mapping[str, str], changed: Iterable[str] | None) -> dict[str, str | None] | None:
        """What the head holds once `changed` is saved; None where a new base is due."""
        if changed is None or self._base is None:
            return None
        changes = dict(self._changed)
        changes.update((path, served.get(path)) for path in changed)
        return None if len(changes) > BASE_SHARE * len(served) else changes

    def load_part(self, name: str, token: object) -> object | None:
        """What `save_part` kept under `name` with the same `token` (what it is valid
        for: the build it came from); None otherwise."""
        try:
            with open(self.folder / f"{name}.pickle", "rb") as handle:
                stamp, value = pickle.load(handle)
        except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError):
            return None
        return value if stamp == (FORMAT, __version__, token) else None

    def save_part(self, name: str, value: object, token: object) -> None:
        make_cache(self.folder)
        _write_atomically(self.folder / f"{name}.pickle", ((FORMAT, __version__, token), value))

    def reads(self, token: object) -> Recorded | None:
        """What the pages of the build kept with `save_reads` under `token` read; None when
        it is missing, damaged or was kept for another build. Only the head is loaded: the
        base is mapped, and read where an update looks keys up."""
        head = self.load_part("reads", token)
        if not isinstance(head, _ReadsHead):
            return None
        try:
            base = ReadsBase(self.folder / _reads_base_name(head.base))
        except (OSError, ValueError, TypeError, struct.error):
            return None
        recorded = Recorded(base, head.journal())
        recorded.salts, recorded.routes, recorded.cased = head.salts, head.routes(), head.cased
        return recorded

    def save_reads(self, recorded: Recorded, token: object) -> None:
        """Keep `recorded` for the build that `token` names. A clean plan's reads, or an
        update's once the pages read since the base near `READS_SHARE` of it, are written
        as a new base; otherwise only the head, with the pages read since the base. The
        head is written last and names its base: a build stopped before leaves the last
        head and base, and `build.py` keeps the reads before the state that names `token`."""
        make_cache(self.folder)
        base, journal = recorded.base, recorded.journal
        if base is None:
            token_of_base = _write_reads_base(self.folder, key_hashes(recorded.readers),
                                              list(recorded.readers.values()), recorded.paths)
            journal = {}
        elif len(journal) > READS_SHARE * base.size:
            token_of_base = _write_reads_base(self.folder, *base.merged(journal))
            journal = {}
        else:
            token_of_base = base.token
        self.save_part("reads", _ReadsHead.of(token_of_base, journal, recorded), token)
        for old in self.folder.glob("reads-*.base"):  # bases no head names any longer
            if old.name != _reads_base_name(token_of_base):
                old.unlink(missing_ok=True)

    def load_mapped(self, name: str, token: object) -> object | None:
        """What `save_mapped` kept under `name` with the same `token`; None otherwise. The
        file is mapped into memory, not read: the buffers pickled out of band (a column
        of abstracts, `archive.Texts`) are views of it, read when first touched."""
        try:
            with open(self.folder / f"{name}.mapped", "rb") as handle:
                mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
            view = memoryview(mapped)
            trailer = len(view) - 8 - int.from_bytes(view[-8:], "little")
            if view[:len(MAPPED)] != MAPPED or trailer < len(MAPPED):
                return None
            stamp, start, lengths = pickle.loads(view[trailer:-8])
            if stamp != (FORMAT, __version__, token) or start + sum(lengths) != trailer:
                return None
            buffers = []
            for length in lengths:
                buffers.append(view[start:start + length])
                start += length
            return pickle.loads(view[len(MAPPED):trailer - sum(lengths)], buffers=buffers)
        except (OSError, pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, ImportError):
            return None

    def save_mapped(self, name: str, value: object, token: object) -> None:
        """Keep `value` for `load_mapped` (written atomically): the pickle, written as it is
        made, then the buffers it pickles out of band, then a trailer that gives where
        they begin and their lengths, and the trailer's length."""
        make_cache(self.folder)
        path = self.folder / f"{name}.mapped"
        buffers: list[pickle.PickleBuffer] = []
        with _replacing(path) as partial, open(partial, "wb") as handle:
            handle.write(MAPPED)
            pickle.Pickler(handle, protocol=5, buffer_callback=buffers.append).dump(value)
            start = handle.tell()
            for buffer in buffers:
                handle.write(buffer.raw())
            trailer = pickle.dumps(((FORMAT, __version__, token), start, [buffer.raw().nbytes for buffer in buffers]),
                                   protocol=5)
            handle.write(trailer + len(trailer).to_bytes(8, "little"))
        (self.folder / f"{name}.pickle").unlink(missing_ok=True)  # kept by an older version: stale now

    def write_base(self, served: Mapping[str, str]) -> str:
        """Write a new base file of `served`; returns its token. (The rows go into a plain
        table and are indexed after: faster than putting each in place.)"""
        token = os.urandom(8).hex()
        target = self.folder / _base_name(token)
        with _replacing(target) as partial:
            partial.unlink(missing_ok=True)
            connection = sqlite3.connect(partial, isolation_level=None)
            try:
                connection.execute("PRAGMA journal_mode = OFF")  # a partial file is thrown away, never repaired
                connection.execute("PRAGMA synchronous = OFF")
                connection.execute("BEGIN")
                connection.execute("CREATE TABLE served (path TEXT NOT NULL, version TEXT NOT NULL)")
                connection.executemany("INSERT INTO served VALUES (?, ?)", served.items())
                connection.execute("CREATE UNIQUE INDEX by_path ON served (path)")
                connection.execute("COMMIT")
            finally:
                connection.close()
        return token

    def _load_base(self, token: str, changes: dict[str, str | None], size: int) -> Manifest | None:
        """The manifest of a base file and the changes since; None when the file is
        missing or damaged."""
        served = Manifest(self.folder / _base_name(token), dict(changes), size)
        try:
            served.get("")  # the table is there and readable
        except sqlite3.Error:
            return None
        return served


def _base_name(token: str) -> str:
    return f"state-{token}.sqlite"


READS_HEADER = struct.Struct("<8s5Q")  # a tag, then the size of each section of a `ReadsBase`
READS_TAG = b"sgreads1"


class ReadsBase:
    """`reads-TOKEN.base`: the recorded reads inverted, mapped rather than loaded. Per key
    hash (`dependencies.key_hashes`), ascending, where its page numbers begin; the page
    numbers, key after key; where each page's path ends; and the paths, in UTF-8. Looking
    up a few keys reads a few pages of the file: an update loads nothing of a million
    pages' reads. (The hashes may repeat: every entry of a hash is read.)"""

    def __init__(self, path: Path):
        self.token = path.name[len("reads-"):-len(".base")]
        with open(path, "rb") as handle:
            self._map = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
        view = memoryview(self._map)
        tag, *sizes = READS_HEADER.unpack_from(view)
        if tag != READS_TAG or len(view) != READS_HEADER.size + sum(map(_padded, sizes)):
            raise ValueError(f"{path}: not a base of reads")
        sections = []
        start = READS_HEADER.size
        for size in sizes:
            sections.append(view[start:start + size])
            start += _padded(size)
        hashes, starts, pages, ends, self._paths = sections
        self.hashes, self.starts, self.ends = hashes.cast("Q"), starts.cast("Q"), ends.cast("Q")
        self.pages = pages.cast("I")
        self.size = len(self.ends)  # pages
        if len(self.starts) != len(self.hashes) + 1:
            raise ValueError(f"{path}: not a base of reads")

    def reading(self, hashes: Iterable[int]) -> set[str]:
        """The paths of the pages that read a key of one of `hashes`."""
        numbers: set[int] = set()
        for wanted in hashes:
            index = bisect_left(self.hashes, wanted)
            while index < len(self.hashes) and self.hashes[index] == wanted:
                numbers.update(self.pages[self.starts[index]:self.starts[index + 1]])
                index += 1
        return set(map(self.path, numbers))

    def path(self, number: int) -> str:
        return str(self._paths[self.ends[number - 1] if number else 0:self.ends[number]], "utf-8")

    def paths(self) -> list[str]:
        """Every page's path, by number."""
        text = str(self._paths, "utf-8")
        if len(text) != len(self._paths):  # not ASCII: the ends count bytes
            return list(map(self.path, range(self.size)))
        return list(map(text.__getitem__, map(slice, chain((0,), self.ends), self.ends)))

    def merged(self, journal: Mapping[str, array]) -> tuple[list[int], list[array], list[str]]:
        """The hashes, their readers and the paths of a base that holds this one's reads
        but where `journal` (path -> hashes read) says a page read something else since:
        what `_write_reads_base` takes. (A whole pass, as rare as a new base.)"""
        paths = self.paths()
        numbers = {path: number for number, path in enumerate(paths)}
        again = {numbers[path] for path in journal if path in numbers}
        kept_reads = bytes(map(operator.not_, map(again.__contains__, self.pages)))
        pages = array("I", compress(self.pages, kept_reads))
        kept_before = array("Q", accumulate(kept_reads, initial=0))  # per read, how many before it are kept
        readers = [pages[start:end] for start, end in pairwise(map(kept_before.__getitem__, self.starts))]
        hashes = list(self.hashes)
        entry = {key: index for index, key in enumerate(hashes)}
        for path, read in journal.items():
            number = numbers.get(path)
            if number is None:
                number = numbers[path] = len(paths)
                paths.append(path)
            for key in read:
                index = entry.get(key)
                if index is None:
                    index = entry[key] = len(hashes)
                    hashes.append(key)
                    readers.append(array("I"))
                readers[index].append(number)
        return hashes, readers, paths


def _padded(size: int) -> int:
    """Sections begin at multiples of 8 bytes, as the hashes they hold are read in place."""
    return -(-size // 8) * 8


def _write_reads_base(folder: Path, hashes: Sequence[int], readers: Sequence[array], paths: list[str]) -> str:
    """Write a `ReadsBase` of the page numbers in `readers` (per hash in `hashes`) and the
    `paths` they number; returns its token. Sorted by hash, key by key: no read is sorted."""
    order = sorted(range(len(hashes)), key=hashes.__getitem__)
    ordered = list(map(readers.__getitem__, order))
    text = "".join(paths)
    blob = text.encode()
    lengths = map(len, paths) if len(blob) == len(text) else map(len, map(str.encode, paths))  # where not ASCII
    sections = [array("Q", map(hashes.__getitem__, order)), array("Q", accumulate(map(len, ordered), initial=0)),
                b"".join(ordered), array("Q", accumulate(lengths)), blob]
    sizes = [memoryview(section).nbytes for section in sections]
    token = os.urandom(8).hex()
    target = folder / _reads_base_name(token)
    with _replacing(target) as partial, open(partial, "wb") as handle:
        handle.write(READS_HEADER.pack(READS_TAG, *sizes))
        for section, size in zip(sections, sizes):
            handle.write(section)
            handle.write(bytes(_padded(size) - size))
    return token


def _reads_base_name(token: str) -> str:
    return f"reads-{token}.base"


@dataclass
class _ReadsHead:
    """`reads.pickle`: a `Recorded` but for its base, which it names: the pages read since
    it, as their paths, how many keys each read and the hashes, one page after the other;
    and each kind's paths as one string (`_joined`), which pickles three times faster than
    a million strings."""

    base: str
    journal_paths: list[str]
    journal_counts: array
    journal_hashes: array
    salts: dict[str, str]
    joined_routes: dict[str, tuple[list, str | list[str]]]
    cased: dict[str, str]

    @classmethod
    def of(cls, base: str, journal: Mapping[str, array], recorded: Recorded) -> _ReadsHead:
        return cls(base, list(journal), array("I", map(len, journal.values())), array("Q", b"".join(journal.values())),
                   recorded.salts, {kind: (keys, _joined(paths)) for kind, (keys, paths) in recorded.routes.items()},
                   recorded.cased)

    def journal(self) -> dict[str, array]:
        hashes, counts = self.journal_hashes, self.journal_counts
        return {path: hashes[end - count:end] for path, count, end in zip(self.journal_paths, counts, accumulate(counts))}

    def routes(self) -> dict[str, tuple[list, list[str]]]:
        return {kind: (keys, paths.split(PATHS_APART) if isinstance(paths, str) else paths)
                for kind, (keys, paths) in self.joined_routes.items()}


PATHS_APART = "\0"  # in no path: sitegen writes each one as a file


def _joined(paths: list[str]) -> str | list[str]:
    """`paths` as one string, where that gives them back; else as they are."""
    joined = PATHS_APART.join(paths)
    return joined if paths and joined.count(PATHS_APART) == len(paths) - 1 else paths
