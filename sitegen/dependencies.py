"""What pages depend on, as fingerprints: the site's (settings, assets, code), each
template's, and a digest of a page's inputs.

An incremental build renders a page only when its fingerprint changed. A page's view is
made from its inputs alone (`kinds.py`), so the digest of the inputs covers everything the
page shows of the archive: there is no second list of what a view reads to keep in step.
Digesting inputs is cheap next to rendering: no markup, no templates.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import operator
from array import array
from collections import deque
from itertools import chain, filterfalse, repeat
from pathlib import Path
from typing import TYPE_CHECKING, Collection, Iterable, Mapping

import jinja2
import xxhash
from jinja2 import meta

from .config import Config
from .themes import FRAME, Asset, Theme, Vendor

if TYPE_CHECKING:
    from .cache import ReadsBase

PACKAGE = Path(__file__).resolve().parent


def digest_of(*parts: object) -> str:
    return hashlib.blake2b(repr(parts).encode("utf-8"), digest_size=16).hexdigest()


def site_fingerprint(config: Config, assets: Mapping[str, Asset], vendor: Vendor) -> str:
    """What every page depends on: settings, asset names (they carry content hashes), the
    browser libraries' versions and sitegen's own code."""
    settings = {key: value for key, value in dataclasses.asdict(config).items() if key != "root"}
    return digest_of(sorted(settings.items()), sorted((n, a.path) for n, a in assets.items()),
                     vendor.katex, vendor.lunr, code_fingerprint())


@functools.cache  # asked by several stages of a build; the code a process runs does not change
def code_fingerprint() -> str:
    """sitegen's own code: a new version may lay out anything differently."""
    return digest_of([(path.name, path.read_bytes()) for path in sorted(PACKAGE.glob("*.py"))])


def template_fingerprints(env: jinja2.Environment, templates: Iterable[str]) -> dict[str, str]:
    """Per template, its source and the sources of every template it extends, includes
    or imports, and of the frame the renderer gives every page (`themes.FRAME`): editing
    one template re-renders only the pages that use it."""
    return {name: digest_of(sorted(_template_sources(env, name, _template_sources(env, FRAME, {})).items()))
            for name in templates}


def quick_inputs(site: str, theme: Theme, keys: list[str], shown_from: str) -> str:
    """Everything a build reads, in short: the site's fingerprint, the bytes of every
    template in the theme folders, the digests' content keys and the folder the digests'
    problems are told relative to (`Listing.shown_from`). Equal to the last
    build's, nothing changed; different, the build looks closer (an edited template that
    no page uses changes this, not `template_fingerprints`). Unlike those it parses no
    template, so a build with nothing to do is over sooner."""
    templates = [(str(path), path.read_bytes()) for folder in theme.template_folders
                 for path in sorted(Path(folder).rglob("*")) if path.is_file()]
    return digest_of(site, templates, keys, shown_from)


def _template_sources(env: jinja2.Environment, name: str, found: dict[str, str]) -> dict[str, str]:
    if name in found:
        return found
    try:
        source, _, _ = env.loader.get_source(env, name)
    except jinja2.TemplateNotFound:
        found[name] = ""  # the render reports it
        return found
    found[name] = source
    try:
        references = meta.find_referenced_templates(env.parse(source))
    except jinja2.TemplateSyntaxError:
        return found  # the render reports it, with file and line
    for reference in references:
        if reference is None:  # a name computed at render time: depend on every template
            for other in env.list_templates(extensions=["html"]):
                _template_sources(env, other, found)
        else:
            _template_sources(env, reference, found)
    return found


class Digested:
    """An input that many pages share (a paper as lists show it), digested once where it is
    made: in a page's digest it stands as its digest, which is its `repr`."""

    __slots__ = ()
    digest: str

    def __repr__(self) -> str:
        return repr(self.digest)


DIGEST = operator.attrgetter("digest")


def inputs_digest(inputs: tuple, *more: object) -> str:
    """The digest of a page's inputs (and of `more`), which are plain data (`repr` gives
    their content) and `Digested` parts. A tuple of `Digested` (a page's papers) counts as
    their digests, taken at C speed (its `repr` would call each one's `__repr__`).
    (Inline: planning digests every page.)"""
    return digest_of(*more, *[tuple(map(DIGEST, value)) if type(value) is tuple and value
                              and isinstance(value[0], Digested) else value for value in inputs])


def key_hashes(keys: Iterable[object]) -> list[int]:
    """Model keys as the kept reads know them: 64 bits of each one's `repr` (the keys are
    plain data, strings, dates, numbers and tuples of them, whose `repr` is what they are).
    Two keys with one hash read as one: an update then reads the pages of both again,
    never fewer. (At C speed: a clean build hashes half a million keys.)"""
    return list(map(xxhash.xxh3_64_intdigest, map(_UTF8, map(repr, keys))))


_UTF8 = functools.partial(str.encode, encoding="utf-8", errors="surrogatepass")


class Recorded:
    """Which pages read which model keys, as `kinds.Source` recorded them while each page
    was read: an update plans again only the pages that read a key that changed
    (`archive.changed_keys`). What a page depends on is what its `read` did, so there is
    no second list of it to keep in step.

    A clean plan notes a million pages, flat: the paths by number and per key the numbers
    of the pages that read it (a million pages' keys kept as sets of tuples would hold
    half a gigabyte), inverted as they are noted, so keeping them sorts no read. The
    cache keeps that as a base (`cache.ReadsBase`: per key hash, the pages that read it)
    which an update consults without loading it (`base`), and the pages read since, with
    the hashes of the keys each read (`journal`): an update notes the few pages it reads
    there, and a page read again replaces what it read before.
    Beside the reads, the plan's pages by kind (`routes`: the keys and their paths), which
    the next update routes again only where they may have moved (`kinds.route_all`)."""

    def __init__(self, base: ReadsBase | None = None, journal: dict[str, array] | None = None) -> None:
        self.base = base  # the reads kept by the last full save; None: every page is noted below
        self.journal: dict[str, array] = {} if journal is None else journal  # path -> hashes of the keys it
        # read ("Q"), for the pages read since the base was written: they replace what the base says of them
        self.paths: list[str] = []  # with no base: the pages noted, by number,
        self.readers: dict[object, array] = {}  # and per key they read, the numbers of the pages that read it ("I")
        self.salts: dict[str, str] = {}  # kind -> what its pages depend on besides their inputs
        self.routes: dict[str, tuple[list, list[str]]] = {}  # kind -> the last plan's keys and their paths
        self.cased: dict[str, str] = {}  # the lowercase form of each of those paths with a capital

    def reading(self, keys: Iterable[object]) -> set[str]:
        """The paths of the pages that read any of `keys`."""
        if self.base is None:
            readers = self.readers
            return set(map(self.paths.__getitem__, set(chain.from_iterable(map(readers.__getitem__,
                                                                                 filter(readers.__contains__, keys))))))
        hashes = set(key_hashes(keys))
        journal = self.journal
        found = {path for path in self.base.reading(hashes) if path not in journal}
        found.update(path for path, read in journal.items() if not hashes.isdisjoint(read))
        return found

    def note(self, path: str, reads: Collection[object]) -> None:
        """What the page at `path` read (each page once a plan: `routes.check_unique`)."""
        if self.base is not None:
            self.journal[path] = array("Q", key_hashes(reads))
            return
        readers = self.readers
        for key in list(filterfalse(readers.__contains__, reads)):
            readers[key] = array("I")
        deque(map(array.append, map(readers.__getitem__, reads), repeat(len(self.paths))), 0)
        self.paths.append(path)
