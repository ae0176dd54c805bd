"""The search index: lunr's scoring, cut into term-range shards a browser loads on demand.

Documents are scored with lunr's own BM25 (as `lunr.Builder` computes it: k1 = 1.2,
b = 0.75, idf over (field, document) pairs, rounded to 3 decimals), lunr's stop words
(from the `lunr` package) and lunr.js's stemmer (ported: lunr.py's differs).

The papers come in tiers by the day they were first listed (see `search_tiers`), each
tier in a folder of its own: term-range shards, so a query loads only the shards holding
its terms, and display chunks. Shards carry term counts and field lengths, not weights:
search.js weighs them with the archive's totals from the manifest, so the shards a query
loads score exactly like one lunr index of the whole archive, and a tier's files stay the
same while other tiers change. In the browser, lunr.js queries a `lunr.Index` assembled
from the entries of the loaded shards that the query uses.

Within a tier, documents are numbered oldest year first, then by primary category, so a
year filter, and a category filter for the category's own papers, is a check against a
few ranges of document numbers; the papers cross-listed to a category, or accepted at a
venue, come in a file per category or venue. Each filter is declared once, in `FILTERS`,
and the manifest tells search.js what it needs of them. Very common terms keep their
`MAX_POSTINGS` best-weighted postings per field in the shard and the rest in a file of
their own, with a bound on the rest's weights (see `Weights.shard_files`).
"""

from __future__ import annotations

import bisect
import hashlib
import itertools
import math
import operator
import re
import unicodedata
from array import array
from collections import Counter, defaultdict, deque
from dataclasses import dataclass
from datetime import date
from functools import cached_property
from typing import Callable, Iterable, Iterator, Mapping, Sequence

import orjson
from lunr.stop_word_filter import WORDS as STOP_WORDS

from . import routes
from .archive import Archive, Paper, field_values
from .parallel import collector_paused, fork_map, maybe_forked_map

K1 = 1.2
B = 0.75
# Field name -> boost. `name` holds whole author names and `phrase` adjacent title words,
# so a full name or a title phrase outranks papers that merely share a word with it.
FIELDS: Mapping[str, int] = {
    "id": 50, "name": 15, "phrase": 10, "title": 10, "authors": 4, "categories": 2, "abstract": 1,
}
FIELD_POSITIONS = {field: position for position, field in enumerate(FIELDS)}  # as shards name fields
MAX_POSTINGS = 1500  # per term and field: the best-weighted ones, so common words stay small
SHARD_BYTES = 4_000  # target size of a term-range shard: small, as most of a word's shard is other terms
# Entries per directory page: the manifest holds at most this many of a tier's shard
# boundaries, whatever the archive's size, and a page below it as many (see `_directory`).
DIRECTORY_FANOUT = 256
ID, KEY = operator.attrgetter("id"), operator.attrgetter("key")
DOCS_PER_CHUNK = 2  # display records per file: results are scattered, so few per file load least
ABSTRACT_CHARS = 600  # of the abstract kept for result snippets (about 90 words: a snippet shows 70)
WORD = re.compile(r"[^\W_]+(?:\.[^\W_]+)*")
# WORD on lowercase ASCII text, as spaces: every character but a letter, a digit or a
# dot, and each dot not between two letters or digits (`cs.cv` keeps its dot, `end.` not)
ASCII_SEPARATORS = str.maketrans({chr(code): " " for code in range(128) if not chr(code).isalnum() and chr(code) != "."})
LOOSE_DOT = re.compile(r"\.(?:(?![a-z0-9])|(?<![a-z0-9]\.))")


# Latin letters that carry no separable accent, so NFKD keeps them: `Łukasz` and
# `Đorđević` are found as `Lukasz` and `Dordevic` (the same table is in search.js).
LETTERS = {"ł": "l", "ø": "o", "đ": "d", "ð": "d", "ħ": "h", "ı": "i", "ŀ": "l", "ŧ": "t",
           "æ": "ae", "œ": "oe", "ß": "ss", "þ": "th"}
_LETTERS = str.maketrans(LETTERS)


def fold(text: str) -> str:
    """Lowercase, accents removed: `Miloš` and `Milos` search alike (mirrored in search.js)."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed
                   if char.isascii() or not unicodedata.category(char).startswith("M")).translate(_LETTERS)


def words(text: str) -> list[str]:
    """Folded words; dots stay inside words so `2209.14475` and `cs.cv` are single words."""
    if text.isascii():  # the same words, found at a third less cost than by WORD.findall
        return LOOSE_DOT.sub(" ", text.lower().translate(ASCII_SEPARATORS)).split()
    return WORD.findall(fold(text))


class _Porter:
    """lunr.js 2.3.9's Porter stemmer (`lunr.stemmer`), line for line.

    lunr.py's stemmer is a different Porter implementation: it turns a final `y` after a
    vowel into `i` (`survey` -> `survei`, `day` -> `dai`) where lunr.js keeps it, and
    keeps `try` where lunr.js gives `tri`. The index must hold the stems the browser
    makes of a query, so this is lunr.js's code. Like JavaScript, it works on UTF-16 code
    units (a character beyond U+FFFF counts twice).
    """

    C = "[^aeiou][^aeiouy]*"  # consonant sequence
    V = "[aeiouy][aeiou]*"  # vowel sequence
    MGR0 = re.compile(f"^({C})?{V}{C}")  # [C]VC... is m>0
    MEQ1 = re.compile(f"^({C})?{V}{C}({V})?\\Z")  # [C]VC[V] is m=1
    MGR1 = re.compile(f"^({C})?{V}{C}{V}{C}")  # [C]VCVC... is m>1
    S_V = re.compile(f"^({C})?[aeiouy]")  # vowel in stem
    STEP1A = re.compile(r"^(.+?)(ss|i)es\Z")
    STEP1A_2 = re.compile(r"^(.+?)([^s])s\Z")
    STEP1B = re.compile(r"^(.+?)eed\Z")
    STEP1B_2 = re.compile(r"^(.+?)(ed|ing)\Z")
    STEP1B_AT = re.compile(r"(at|bl|iz)\Z")
    STEP1B_DOUBLE = re.compile(r"([^aeiouylsz])\1\Z")
    CVC = re.compile(f"^{C}[aeiouy][^aeiouwxy]\\Z")
    STEP1C = re.compile(r"^(.+?[^aeiou])y\Z")
    STEP2 = re.compile(r"^(.+?)(ational|tional|enci|anci|izer|bli|alli|entli|eli|ousli|ization|ation|ator|alism"
                       r"|iveness|fulness|ousness|aliti|iviti|biliti|logi)\Z")
    STEP2_LIST = {"ational": "ate", "tional": "tion", "enci": "ence", "anci": "ance", "izer": "ize", "bli": "ble",
                  "alli": "al", "entli": "ent", "eli": "e", "ousli": "ous", "ization": "ize", "ation": "ate",
                  "ator": "ate", "alism": "al", "iveness": "ive", "fulness": "ful", "ousness": "ous",
                  "aliti": "al", "iviti": "ive", "biliti": "ble", "logi": "log"}
    STEP3 = re.compile(r"^(.+?)(icate|ative|alize|iciti|ical|ful|ness)\Z")
    STEP3_LIST = {"icate": "ic", "ative": "", "alize": "al", "iciti": "ic", "ical": "ic", "ful": "", "ness": ""}
    STEP2_ENDINGS, STEP3_ENDINGS = tuple(STEP2_LIST), tuple(STEP3_LIST)
    STEP4_ENDINGS = ("al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent", "ou", "ism",
                     "ate", "iti", "ous", "ive", "ize")
    STEP4 = re.compile(f"^(.+?)({'|'.join(STEP4_ENDINGS)})\\Z")
    STEP4_2 = re.compile(r"^(.+?)(s|t)(ion)\Z")
    STEP5 = re.compile(r"^(.+?)e\Z")
    LINE_BREAKS = re.compile("[\n\r\u2028\u2029]")  # JavaScript's `.` matches none of them

    @classmethod
    def stem(cls, word: str) -> str:
        if word.isascii():
            return cls._stem(word)
        if cls.LINE_BREAKS.search(word):
            raise ValueError(f"a word has no line breaks: {word!r}")
        units = word.encode("utf-16-be", "surrogatepass")
        coded = "".join(chr(int.from_bytes(units[i:i + 2], "big")) for i in range(0, len(units), 2))
        stemmed = cls._stem(coded)
        return stemmed.encode("utf-16-be", "surrogatepass").decode("utf-16-be", "surrogatepass")

    @classmethod
    def _stem(cls, w: str) -> str:
        """(Each step's pattern is tried only on a word with one of its endings: the same
        result, at a third of the cost.)"""
        if len(w) < 3:
            return w
        first = w[0]
        if first == "y":
            w = "Y" + w[1:]
        if w.endswith("s"):
            if cls.STEP1A.search(w):
                w = cls.STEP1A.sub(r"\1\2", w, count=1)
            elif cls.STEP1A_2.search(w):
                w = cls.STEP1A_2.sub(r"\1\2", w, count=1)
        if w.endswith(("ed", "ing")):
            if match := cls.STEP1B.search(w):
                if cls.MGR0.search(match[1]):
                    w = w[:-1]
            elif match := cls.STEP1B_2.search(w):
                stem = match[1]
                if cls.S_V.search(stem):
                    w = stem
                    if cls.STEP1B_AT.search(w):
                        w += "e"
                    elif cls.STEP1B_DOUBLE.search(w):
                        w = w[:-1]
                    elif cls.CVC.search(w):
                        w += "e"
        if w.endswith("y") and (match := cls.STEP1C.search(w)):
            w = match[1] + "i"
        if w.endswith(cls.STEP2_ENDINGS) and (match := cls.STEP2.search(w)) and cls.MGR0.search(match[1]):
            w = match[1] + cls.STEP2_LIST[match[2]]
        if w.endswith(cls.STEP3_ENDINGS) and (match := cls.STEP3.search(w)) and cls.MGR0.search(match[1]):
            w = match[1] + cls.STEP3_LIST[match[2]]
        if w.endswith(cls.STEP4_ENDINGS) and (match := cls.STEP4.search(w)):
            if cls.MGR1.search(match[1]):
                w = match[1]
        elif w.endswith("ion") and (match := cls.STEP4_2.search(w)):
            if cls.MGR1.search(match[1] + match[2]):
                w = match[1] + match[2]
        if w.endswith("e") and (match := cls.STEP5.search(w)):
            stem = match[1]
            if cls.MGR1.search(stem) or (cls.MEQ1.search(stem) and not cls.CVC.search(stem)):
                w = stem
        if w.endswith("ll") and cls.MGR1.search(w):
            w = w[:-1]
        if first == "y":
            w = "y" + w[1:]
        return w


def js_order(term: str) -> bytes:
    """JavaScript compares strings by UTF-16 code units; shard lookups in search.js rely on it."""
    return term.encode("utf-16-be")


class Terms:
    """Turns text into index terms the way search.js turns a query into terms.

    A term is a word's stem, or the word itself for a stop word (`He` in `Kaiming He`
    matters in a name); title and abstract leave stop words out. Names and phrases are
    such terms joined by a space, so every term a query word needs (its stem, names and
    phrases starting with it) sorts close to it and usually sits in one shard.
    """

    def __init__(self) -> None:
        self._stems = _Memo(self.stem)
        self._names = _Memo(self.tokens)  # an author has many papers

    def stem(self, word: str) -> str | None:
        """lunr.js's stemmer, or None for one of lunr's stop words."""
        return None if word in STOP_WORDS else _Porter.stem(word)

    def stems(self, text: str) -> list[str]:
        """Stemmed words without stop words (stems cached: the vocabulary is small)."""
        return list(filter(None, map(self._stems.__getitem__, words(text))))

    def tokens(self, text: str) -> list[str]:
        """Stemmed words, stop words kept as they are."""
        stems = self._stems
        return [stems[word] or word for word in words(text)]

    def fields(self, paper: Paper) -> dict[str, list[str]]:
        title = self.stems(paper.title)
        names = [tokens for tokens in map(self._names.__getitem__, paper.authors) if tokens]
        return {
            # an old-style id is found by its number alone too: `0309136`, `math.GT/0309136`
            "id": [paper.id.lower(), *paper.id.split("/")[1:]],
            "name": [" ".join(tokens) for tokens in names]
                    + [f"{tokens[0]} {tokens[-1]}" for tokens in names if len(tokens) > 2],
            "phrase": [f"{first} {second}" for first, second in zip(title, title[1:])],
            "title": title,
            "authors": [token for tokens in names for token in tokens],
            "categories": [code.lower() for code in paper.categories],
            "abstract": self.stems(paper.summary),
        }


class _Memo(dict):
    """argument -> what `compute` makes of it, computed on first use."""

    def __init__(self, compute) -> None:
        super().__init__()
        self.compute = compute

    def __missing__(self, argument):
        value = self[argument] = self.compute(argument)
        return value


@dataclass(frozen=True)
class SearchFile:
    path: str
    data: bytes


def lunr_weight(count: int, length: int, average: float, documents_with_term: int, documents: int,
                boost: int) -> float:
    """lunr's weight of a term in a document's field: BM25 with k1 = 1.2, b = 0.75, in
    lunr.js's order of operations and rounded the way it rounds (`Math.round(w * 1000) / 1000`).

    search.js computes the same from the counts the shards carry; tests check the shards
    against lunr with it.
    """
    pair = (count, length)
    return lunr_ranks([pair], average, documents_with_term, documents, boost)[pair] / 1000


def lunr_ranks(pairs: Iterable[tuple[int, int]], average: float, documents_with_term: int, documents: int,
               boost: int) -> dict[tuple[int, int], int]:
    """(count, field length) -> `lunr_weight` times 1000 (an integer, so ties are exact), for
    each of `pairs`: what ranks the postings of very common terms."""
    idf = math.log(1 + abs((documents - documents_with_term + 0.5) / (documents_with_term + 0.5)))
    floor = math.floor
    return {(count, length): floor(idf * ((K1 + 1) * count) / (K1 * (1 - B + B * (length / average)) + count)
                                   * boost * 1000 + 0.5)
            for count, length in pairs}


def first_listed(paper: Paper) -> date:
    return min(day for day, _ in paper.listings)


def _document_key(paper: Paper) -> tuple:
    return paper.published.year, paper.primary_category, paper.published, paper.id


class PaperTier:
    """A search tier: its papers' ids in id order and its name (`tier_name`, from their
    content keys), its papers made and put in document order only when asked, that is
    when the tier's files are made, which an update does for the tiers that changed (a
    kept model, `archive.Columnar`, makes no paper for the others)."""

    def __init__(self, papers: Mapping[str, Paper], ids: list[str], keys: Iterable[str]):
        self.ids = ids
        self.name = _name_of(keys)
        self._papers = papers

    @cached_property
    def papers(self) -> list[Paper]:
        """In document order: oldest year first, then by primary category, date and id."""
        return sorted(map(self._papers.__getitem__, self.ids), key=_document_key)


def paper_tiers(archive: Archive) -> list[PaperTier]:
    """The papers in tiers by the day each was first listed: before the latest year, the
    latest year before its latest month, and the latest month (empty tiers left out).

    A tier's files depend on its own papers only, so adding a day makes the latest month's
    tier again and leaves the others, nearly all of the archive, as they are. The tiers
    are found from the listing days of the latest year (every paper first listed then is
    listed on one of them): only those papers are looked at one by one, the earlier
    tier is the rest of the archive's, taken at C speed in its order (by id).
    """
    papers = archive.papers
    days = [day for day in archive.days.values() if day.listings]  # by date
    firsts: dict[str, date] = {}  # paper id -> first listed, for those listed on the days looked at
    newest = latest = None
    for day in reversed(days):
        if latest is not None and day.date.year < latest.year:
            break
        for paper_id in day.paper_ids:
            if paper_id not in firsts:
                first = firsts[paper_id] = first_listed(papers[paper_id])
                newest = first if newest is None or first > newest else newest
        if latest is None and newest is not None and newest >= day.date:  # the others were first listed before
            latest = newest
    if latest is None:
        return []
    later = {paper_id: 1 if first.month < latest.month else 2
             for paper_id, first in firsts.items() if first.year == latest.year}
    earlier = list(map(operator.not_, map(later.__contains__, papers)))
    tiers = [PaperTier(papers, list(itertools.compress(papers, earlier)),
                       itertools.compress(field_values(papers, "key"), earlier))]
    for number in (1, 2):
        ids = sorted(paper_id for paper_id, tier in later.items() if tier == number)
        tiers.append(PaperTier(papers, ids, (papers[paper_id].key for paper_id in ids)))
    return [tier for tier in tiers if tier.ids]


def search_tiers(archive: Archive) -> list[list[Paper]]:
    """The papers of each tier (`paper_tiers`) in document order."""
    return [tier.papers for tier in paper_tiers(archive)]


def document_order(archive: Archive) -> list[Paper]:
    """Every paper by its document number: the tiers one after the other."""
    return [paper for tier in search_tiers(archive) for paper in tier]


def year_blocks(papers: Sequence[Paper]) -> list[int]:
    """The first document of each year in a tier (numbered oldest year first): a capped
    term's tail is cut at these, so a query for a year loads the tail of that year alone."""
    return [number for number, paper in enumerate(papers)
            if number == 0 or paper.published.year != papers[number - 1].published.year]


def tier_name(papers: Sequence[Paper]) -> str:
    """A tier's folder name, from what its files are made of (its papers, in any order): a
    changed tier gets a new folder."""
    return _name_of(map(KEY, sorted(papers, key=ID)))


def _name_of(keys: Iterable[str]) -> str:
    """`tier_name` of the papers with content keys `keys`, in id order."""
    return hashlib.blake2b(" ".join(keys).encode("utf-8"), digest_size=8).hexdigest()


# field -> term -> its postings in the field, `[document, term count, document, …]` as
# 32-bit numbers: half the memory of a list of ints, and they travel between processes fast
Postings = dict[str, dict[str, array]]
# A term's postings in a field as columns: documents (in order), term counts, field lengths.
Columns = tuple[list[int], list[int], list[int]]
TOKENIZED_RUN = 4096  # documents whose terms are gathered before their postings are added
# Terms in a field beyond which it is counted without first asking whether any term repeats:
# a longer one (an abstract) nearly always repeats some, and the asking costs a third of the counting
SURELY_REPEATED = 32


@dataclass(frozen=True)
class Tier:
    """A tier's shards and display chunks, and what the manifest says of it."""

    files: Iterator[SearchFile]  # to be taken once
    summary: dict  # name, documents, the first term of each shard, total length of each field


def build_search(archive: Archive, jobs: int = 1) -> Iterator[SearchFile]:
    """Every file of the search data: each tier's shards and display chunks, the manifest
    and the filters' lists."""
    built = [tier_files(tier.name, tier.papers, jobs) for tier in paper_tiers(archive)]
    for tier in built:
        yield from tier.files
    yield from index_files([tier.summary for tier in built])


def tier_files(name: str, papers: Sequence[Paper], jobs: int = 1) -> Tier:
    """A tier's files, in `search/<name>/`; documents are numbered from 0 within the tier.
    With one job, files are made as they are taken, so only one is in memory at a time."""
    with collector_paused():
        postings, lengths = _tokenize_all(papers, jobs)
        weights = Weights(postings, lengths, year_blocks(papers))
        plan = _plan_shards(weights)
        totals = [sum(lengths[field]) for field in FIELDS]
        del postings, lengths  # freed now, before the collector is back
    root, pages = _directory(name, [terms[0] for terms in plan])
    summary = {"name": name, "documents": len(papers), "shards": root, "levels": len(pages), "lengths": totals,
               "blocks": weights.blocks, "filters": _filter_parts(papers)}
    return Tier(_made_files(name, papers, weights, plan, jobs, pages), summary)


def _directory(name: str, firsts: list[str]) -> tuple[list[str], list[list[SearchFile]]]:
    """The shards' first terms as a tree of at most DIRECTORY_FANOUT entries a node, so
    the manifest stays the same size however many shards a tier has: the root (for the
    manifest) and the pages of each level below it, root side first.

    Page N of a level (`search/<tier>/directory/<level>-N.js`) holds entries N·FANOUT to
    N·FANOUT + FANOUT − 1 of the level below it (the shards' first terms at the bottom);
    the level above holds each page's first entry. search.js walks down from the root,
    loading a page per level (about 3 KB; none for a tier of up to FANOUT shards).
    """
    levels: list[list[list[str]]] = []
    entries = firsts
    while len(entries) > DIRECTORY_FANOUT:
        pages = [entries[start:start + DIRECTORY_FANOUT] for start in range(0, len(entries), DIRECTORY_FANOUT)]
        levels.append(pages)
        entries = [page[0] for page in pages]
    files = [[SearchFile(f"search/{name}/directory/{level}-{number}.js",
                         _script("addDirectory", f"{name}/{level}-{number}", page))
              for number, page in enumerate(pages)] for level, pages in enumerate(reversed(levels))]
    return entries, files


def _made_files(name: str, papers: Sequence[Paper], weights: "Weights", plan: list[list[str]],
                jobs: int, directory: list[list[SearchFile]]) -> Iterator[SearchFile]:
    for pages in directory:
        yield from pages
    with collector_paused():
        for files in maybe_forked_map(lambda numbered: weights.shard_files(name, *numbered), list(enumerate(plan)), jobs):
            yield from files
    del weights
    chunks = range(0, len(papers), DOCS_PER_CHUNK)
    batches = [chunks[start:start + 1000] for start in range(0, len(chunks), 1000)]
    for batch in maybe_forked_map(lambda starts: [_docs_file(name, papers, start) for start in starts], batches, jobs):
        yield from batch


def index_files(summaries: Sequence[dict]) -> list[SearchFile]:
    """The manifest and the filters' list files: small, over the whole archive, made every
    time from the tiers' summaries (each holds its filters' part: `_filter_parts`).

    List files are numbered across filters (`search/categories/0.js`, …, then
    `search/venues/N.js`), so a file's number is its key in search.js whatever its filter.
    """
    manifest = _manifest(summaries)
    starts = [tier["start"] for tier in manifest["tiers"]]
    files: list[SearchFile] = []
    for search_filter in FILTERS:
        manifest["filters"].append(search_filter.description())
        parts = [summary["filters"][search_filter.name] for summary in summaries]
        ranges = _joined_ranges(starts, [ranges for ranges, _ in parts])
        if search_filter.lists is None:
            manifest[search_filter.ranges.key] = ranges
        else:
            listed = _joined_lists(starts, [lists for _, lists in parts])
            manifest[search_filter.lists.key] = _add_list_files(files, listed, search_filter.lists, ranges)
    manifest["stopWords"] = sorted(STOP_WORDS)
    files.append(SearchFile("search/manifest.js", _script("setManifest", 0, manifest)))
    return files


def _filter_parts(papers: Sequence[Paper]) -> dict[str, tuple[dict, dict]]:
    """Each filter's ranges and lists over a tier's documents, numbered from 0 within the
    tier. Kept with the tier, they are joined into the whole archive's (`index_files`):
    a day added numbers the values of the newest tier's papers only, not the archive's."""
    parts = {}
    for search_filter in FILTERS:
        ranges, lists = {}, {}
        if search_filter.ranges is not None:
            value = search_filter.ranges.value
            ranges = _ranges((number, str(value(paper))) for number, paper in enumerate(papers))
        if search_filter.lists is not None:
            lists = _documents_by_value(papers, search_filter.lists)
        parts[search_filter.name] = (ranges, lists)
    return parts


def _joined_ranges(starts: Sequence[int], parts: Sequence[Mapping[str, list]]) -> dict[str, list]:
    """The tiers' ranges of each value, numbered on from each tier's first document: a run
    that ends where the next tier's begins is one run (as `_ranges` over all would give).
    The parts (kept with their tiers) are not changed."""
    joined: dict[str, list] = defaultdict(list)
    for start, ranges in zip(starts, parts):
        for value, runs in ranges.items():
            into = joined[value]
            for first, last in runs:
                if into and into[-1][1] == start + first - 1:
                    into[-1][1] = start + last
                else:
                    into.append([start + first, start + last])
    return dict(joined)


def _joined_lists(starts: Sequence[int], parts: Sequence[Mapping[str, list[int]]]) -> dict[str, list[int]]:
    """The tiers' documents of each value, numbered on from each tier's first document."""
    joined: dict[str, list[int]] = defaultdict(list)
    for start, lists in zip(starts, parts):
        for value, documents in lists.items():
            joined[value].extend([start + document for document in documents] if start else documents)
    return joined


def _add_list_files(files: list[SearchFile], listed: Mapping[str, list[int]], lists: Lists,
                    ranges: Mapping[str, list]) -> dict[str, int]:
    """Appends a file per value to `files`, numbered on from those there; returns value ->
    its file's number. A file holds `[ranges, gaps]`: the value's ranges of document numbers
    (a category's own papers), then its listed documents (`listed`), each as the gap from
    the last."""
    numbers = {}
    for value in sorted(listed.keys() | ranges.keys()):
        numbers[value] = number = len(files)
        documents = listed.get(value, [])
        gaps = [b - a for a, b in zip([0, *documents], documents)]
        files.append(SearchFile(f"search/{lists.folder}/{number}.js",
                                _script("addList", number, [ranges.get(value, []), gaps])))
    return numbers


def _docs_file(name: str, papers: Sequence[Paper], start: int) -> SearchFile:
    number = start // DOCS_PER_CHUNK
    records = [_display(paper) for paper in papers[start:start + DOCS_PER_CHUNK]]
    return SearchFile(f"search/{name}/docs/{number}.js", _script("addDocs", f"{name}/{number}", records))


def _tokenize_all(papers: Sequence[Paper], jobs: int) -> tuple[Postings, dict[str, list[int]]]:
    """Postings and field lengths for every document, a slice of documents per process."""
    size = max(1, -(-len(papers) // max(jobs, 1)))
    slices = [range(start, min(start + size, len(papers))) for start in range(0, len(papers), size)]
    parts = fork_map(lambda numbers: _tokenize(papers, numbers), slices, jobs)
    if not parts:
        return {field: {} for field in FIELDS}, {field: [] for field in FIELDS}
    postings, lengths = parts[0]
    for part_postings, part_lengths in parts[1:]:  # slices are in document order: postings stay sorted
        for field in FIELDS:
            lengths[field] += part_lengths[field]
            merged = postings[field]
            for term, entry in part_postings[field].items():
                if term in merged:
                    merged[term] += entry
                else:
                    merged[term] = entry
    return postings, lengths


def _tokenize(papers: Sequence[Paper], numbers: range) -> tuple[Postings, dict[str, list[int]]]:
    """The postings and field lengths of the documents `numbers`.

    A run of documents' (term, document, count) triples is gathered per field in flat
    lists, then added to the terms' postings by `map` and `array.extend`: no Python code
    runs per posting (there are tens of millions), only per document and field.
    """
    terms = Terms()
    postings: Postings = {field: defaultdict(_new_postings) for field in FIELDS}
    lengths: dict[str, list[int]] = {field: [] for field in FIELDS}
    for start in range(0, len(numbers), TOKENIZED_RUN):
        run = {field: ([], [], []) for field in FIELDS}  # terms, documents, counts
        for number in numbers[start:start + TOKENIZED_RUN]:
            for field, values in terms.fields(papers[number]).items():
                lengths[field].append(len(values))
                found, documents, counts = run[field]
                if len(values) < 2 or (len(values) < SURELY_REPEATED and len(set(values)) == len(values)):
                    found += values
                    counts += itertools.repeat(1, len(values))
                else:
                    counted = Counter(values)
                    found += counted
                    counts += counted.values()
                documents += itertools.repeat(number, len(found) - len(documents))
        for field, (found, documents, counts) in run.items():
            deque(map(array.extend, map(postings[field].__getitem__, found), zip(documents, counts)), maxlen=0)
    return {field: dict(field_postings) for field, field_postings in postings.items()}, lengths


def _new_postings() -> array:
    return array("i")


class Weights:
    """Each term's postings as a shard carries them (the best MAX_POSTINGS per field) and
    as its tail file does (the rest)."""

    def __init__(self, postings: Postings, lengths: Mapping[str, list[int]], blocks: Sequence[int]):
        # term -> [documents with it (over fields, as lunr counts), postings kept, (field, postings), …]
        terms: dict[str, list] = {}
        for field in FIELDS:
            for term, entry in postings[field].items():
                count = len(entry) >> 1
                found = terms.get(term)
                if found is None:
                    terms[term] = [count, min(count, MAX_POSTINGS), (field, entry)]
                else:
                    found[0] += count
                    found[1] += min(count, MAX_POSTINGS)
                    found.append((field, entry))
        self.term_fields = terms
        self.terms = sorted(terms, key=js_order)
        self.lengths = lengths
        self.blocks = list(blocks)  # the first document of each block a tail is cut into
        self.documents = len(lengths["id"])
        self.averages = {field: sum(values) / len(values) if values else 0 for field, values in lengths.items()}
        # a field's (count, length) pair as one number, `count · stride + length` (see `_split`)
        self.strides = {field: max(values, default=0) + 1 for field, values in lengths.items()}

    def size(self, term: str) -> int:
        """About how many bytes the term takes in a shard."""
        return len(term) + 10 + 10 * self.term_fields[term][1]

    def shard_files(self, name: str, number: int, terms: Sequence[str]) -> list[SearchFile]:
        """A shard, then the tail of each of its capped terms.

        A shard holds entries `[term, documents with it, field, postings, field, postings,
        …]`, and a capped term's entry ends with its bounds, `[field, frontier, …]`.
        `field` is the field's position in FIELDS; `postings` is `[document, term count,
        field length, …]` with each document number given as the gap from the one before.
        search.js turns the counts into lunr's weights over the whole archive (the number of
        documents and the average field lengths are in the manifest), so a tier's shards
        stay the same when other tiers change.

        A term in more than MAX_POSTINGS documents of a field keeps its best-weighted ones
        there (its head); the rest (its tail) are cut by the tier's blocks (its years, see
        `year_blocks`) into `search/<tier>/tails/<shard>-<entry position>-<block>.js`,
        `[field, postings, …]`, loaded only when a query needs them (a query for a year, the
        year's block alone). The bounds start with the blocks that have a file. The frontier
        is `[term count, field length, …]`: the tail's pairs no other tail posting beats on
        both (more occurrences, shorter field). A weight grows with the count and falls with
        the length whatever the archive's totals, so the best of the frontier's weights
        bounds every tail posting's weight: search.js can tell from the heads alone whether
        the tails could change a query's best results.
        """
        entries, tails = [], []
        for position, term in enumerate(terms):
            with_term, _, *fields = self.term_fields[term]
            entry: list = [term, with_term]
            capped: list[tuple[int, Columns, list[int]]] = []  # (field, tail, frontier) of each capped field
            for field, postings in fields:
                field_lengths = self.lengths[field]
                if len(postings) == 2:  # most terms: a name, an id
                    document, count = postings
                    entry += (FIELD_POSITIONS[field], [document, count, field_lengths[document]])
                elif len(postings) <= 2 * MAX_POSTINGS:
                    documents = postings[0::2].tolist()
                    entry += (FIELD_POSITIONS[field],
                              _flat(documents, postings[1::2], map(field_lengths.__getitem__, documents)))
                else:
                    head, tail, frontier = self._split(field, postings, with_term)
                    entry += (FIELD_POSITIONS[field], _flat(*head))
                    capped.append((FIELD_POSITIONS[field], tail, frontier))
            if capped:
                blocks = self._tails(capped)
                entry.append([sorted(blocks), *itertools.chain.from_iterable(
                    (field, frontier) for field, _, frontier in capped)])
                for block, lists in sorted(blocks.items()):
                    key = f"{name}/{number}-{position}-{block}"
                    tails.append(SearchFile(f"search/{key.replace('/', '/tails/', 1)}.js", _script("addTail", key, lists)))
            entries.append(entry)
        return [SearchFile(f"search/{name}/shards/{number}.js", _script("addShard", f"{name}/{number}", entries)),
                *tails]

    def _tails(self, capped: Sequence[tuple[int, Columns, list[int]]]) -> dict[int, list]:
        """block -> `[field, postings, …]` of the capped fields' tails in that block."""
        tails: dict[int, list] = defaultdict(list)
        for field, postings, _ in capped:
            documents = postings[0]
            ends = [bisect.bisect_left(documents, first) for first in self.blocks[1:]]
            for block, (start, end) in enumerate(zip([0, *ends], [*ends, len(documents)])):
                if start < end:
                    tails[block] += [field, _flat(*(column[start:end] for column in postings))]
        return tails

    def _split(self, field: str, postings: array, with_term: int) -> tuple[Columns, Columns, list[int]]:
        """A capped term's postings in a field: its head (the MAX_POSTINGS that lunr weighs
        highest, the earlier first among equals, as a stable sort would keep them), its tail
        (the rest) and the tail's frontier (see `_frontier`).

        Within the tier a term's idf and a field's boost are the same for all its postings,
        so the order is the one the whole archive's weights give, but for the average field
        length: the tail's frontier bounds it whatever that is. A posting's weight depends
        on its (count, length) pair only, and a term has a few thousand distinct pairs for
        up to a whole tier of postings: each pair is coded as one number, `count · stride +
        length`, weighed once, and each posting gets a flag by looking its number up, with
        no tuple made or hashed per posting.
        """
        documents, counts = postings[0::2].tolist(), postings[1::2].tolist()
        lengths = list(map(self.lengths[field].__getitem__, documents))
        stride = self.strides[field]
        multiples = [count * stride for count in range(max(counts) + 1)]  # made once: a pair adds no product
        pairs = list(map(operator.add, map(multiples.__getitem__, counts), lengths))
        each = Counter(pairs)
        ranks = lunr_ranks(map(divmod, each, itertools.repeat(stride)), self.averages[field], with_term,
                           self.documents, FIELDS[field])
        kept = _best(pairs, {pair: ranks[divmod(pair, stride)] for pair in each}, each, MAX_POSTINGS)
        head_positions = list(itertools.compress(range(len(pairs)), kept))
        dropped = kept.translate(_NOT)
        head = tuple(list(map(column.__getitem__, head_positions)) for column in (documents, counts, lengths))
        tail = tuple(list(itertools.compress(column, dropped)) for column in (documents, counts, lengths))
        in_head = Counter(map(pairs.__getitem__, head_positions))
        return head, tail, _frontier(divmod(pair, stride) for pair, times in each.items() if times > in_head[pair])


_NOT = bytes([1, 0]) + bytes(254)  # bytes.translate table: a flag byte 0 <-> 1


def _best(keys: Sequence[int], ranks: Mapping[int, int], each: Mapping[int, int], number: int) -> bytearray:
    """A flag for each of `keys`: set on the `number` whose ranks are highest, the earlier
    first among equals (what a stable sort, highest first, would put first).

    `each` counts the keys: the lowest rank kept is found from the few distinct ranks; each
    key is then looked up once, marked kept (above that rank), not kept (below) or tied
    (2), and the first ties are kept by a byte replacement up to the last one kept.
    """
    by_rank: Counter = Counter()
    for key, times in each.items():
        by_rank[ranks[key]] += times
    above = 0  # keys ranked above the lowest rank kept
    for threshold in sorted(by_rank, reverse=True):
        if above + by_rank[threshold] >= number:
            break
        above += by_rank[threshold]
    flags = bytearray(map({key: 1 if rank > threshold else 2 if rank == threshold else 0
                           for key, rank in ranks.items()}.__getitem__, keys))
    last = -1  # the last tie kept
    for _ in range(number - above):
        last = flags.index(2, last + 1)
    flags[:last + 1] = flags[:last + 1].replace(b"\x02", b"\x01")
    flags[last + 1:] = flags[last + 1:].replace(b"\x02", b"\x00")
    return flags


def _flat(documents: Sequence[int], counts: Iterable[int], lengths: Iterable[int]) -> list[int]:
    """Postings as `[gap, count, length, …]`, each document given as the gap from the one before."""
    flat = [0] * (3 * len(documents))
    flat[0::3] = map(operator.sub, documents, [0, *documents])
    flat[1::3] = counts
    flat[2::3] = lengths
    return flat


def _frontier(pairs: Iterable[tuple[int, int]]) -> list[int]:
    """`[count, length, …]`: the distinct (count, length) `pairs` that no other beats with a
    higher count and a length no longer (or a shorter length and a count no lower), by
    count, highest first."""
    frontier: list[int] = []
    shortest = None
    for count, length in sorted(pairs, key=lambda p: (-p[0], p[1])):
        if shortest is None or length < shortest:
            frontier += (count, length)
            shortest = length
    return frontier


def _plan_shards(weights: Weights) -> list[list[str]]:
    """Consecutive terms (in sorted order) into shards of about SHARD_BYTES each, so a
    query word's terms (itself, names and phrases starting with it) are usually in one."""
    shards: list[list[str]] = [[]]
    size = 0
    for term in weights.terms:
        if size >= SHARD_BYTES:
            shards.append([])
            size = 0
        shards[-1].append(term)
        size += weights.size(term)
    return shards if shards[0] else []


def _display(paper: Paper) -> list:
    """What a result shows: id, path, title, authors, date, categories, abstract."""
    return [paper.id, routes.paper(paper.id), paper.title, list(paper.authors[:8]),
            max(len(paper.authors) - 8, 0), paper.published.date().isoformat(),
            list(paper.categories), _shortened(paper.summary)]


def _shortened(abstract: str) -> str:
    """The abstract's first ABSTRACT_CHARS characters, cut at a space and marked as cut."""
    if len(abstract) <= ABSTRACT_CHARS:
        return abstract
    return abstract[:ABSTRACT_CHARS].rsplit(" ", 1)[0] + " …"


def _documents_by_value(papers: Sequence[Paper], lists: Lists) -> dict[str, list[int]]:
    """value -> the documents that have it, in document order."""
    found: dict[str, list[int]] = defaultdict(list)
    for number, paper in enumerate(papers):
        for value in lists.values(paper):
            found[value].append(number)
    return found


def _ranges(numbered: Iterator[tuple[int, object]]) -> dict:
    """value -> ranges `[first, last]` of the consecutive document numbers that have it."""
    ranges: dict = defaultdict(list)
    for number, value in numbered:
        runs = ranges[value]
        if runs and runs[-1][1] == number - 1:
            runs[-1][1] = number
        else:
            runs.append([number, number])
    return dict(ranges)


def _manifest(summaries: Sequence[dict]) -> dict:
    """The manifest but for the filters' values, which `index_files` adds after `filters`."""
    tiers, start = [], 0
    for summary in summaries:
        tiers.append({"name": summary["name"], "start": start, "documents": summary["documents"],
                      "shards": summary["shards"], "levels": summary["levels"], "blocks": summary["blocks"]})
        start += summary["documents"]
    return {
        "fields": list(FIELDS), "boosts": list(FIELDS.values()), "documents": start,
        "lengths": [sum(summary["lengths"][position] for summary in summaries) for position in range(len(FIELDS))],
        "docsPerChunk": DOCS_PER_CHUNK, "fanout": DIRECTORY_FANOUT, "tiers": tiers, "filters": [],
    }


# --- filters: `year:2022`, `category:cs.CV`, `venue:cvpr` -----------------------------------

SPAN = "span"  # the value is a number or a span of them, `2019-2022`
TERM = "term"  # the value is one word, case ignored: `cs.CV`, `CVPR`


@dataclass(frozen=True)
class Ranges:
    """Documents by a value they are numbered by (year, primary category): each value's
    documents are a few ranges of numbers, in the manifest under `key` (no download), or,
    for a filter with lists too, in each value's list file, so the manifest does not grow
    with the archive's years."""

    key: str
    value: Callable[[Paper], object]


@dataclass(frozen=True)
class Lists:
    """Documents by values scattered over the numbering (cross-listed categories, venues):
    each value's documents are a file, `search/<folder>/N.js`, loaded only by a query that
    asks for the value; the manifest maps each value to N under `key`."""

    key: str
    folder: str
    values: Callable[[Paper], Iterable[str]]


@dataclass(frozen=True)
class SearchFilter:
    """A `name:value` filter of the search box, declared once: the build indexes it, the
    manifest describes it to search.js (which reads a value by its `kind`, SPAN or TERM,
    and knows no filter by name) and the search page shows its example.

    A filter's value keeps the documents in its ranges or its list; several values of one
    filter keep the documents of any, and different filters must all keep a document.
    """

    name: str
    kind: str
    example: str  # as the search page's help shows it: `year:2022`
    aliases: tuple[str, ...] = ()
    ranges: Ranges | None = None
    lists: Lists | None = None

    def description(self) -> dict:
        """What search.js needs to know of the filter: its names, kind and manifest keys."""
        described = {"name": self.name, "aliases": list(self.aliases), "kind": self.kind}
        if self.ranges is not None and self.lists is None:
            described["ranges"] = self.ranges.key
        if self.lists is not None:
            described.update(lists=self.lists.key, folder=self.lists.folder)
        return described


def _cross_listed(paper: Paper) -> Iterable[str]:
    """The categories a paper carries besides its primary one: with the primary category's
    ranges, `category:` finds every paper the category's page lists."""
    primary = paper.primary_category.lower()
    return [code for code in dict.fromkeys(code.lower() for code in paper.categories) if code != primary]


def _accepted_venue(paper: Paper) -> Iterable[str]:
    """The slug of the venue the paper was accepted at or published in (`cvpr`,
    `cvpr-workshops`), never one it was only submitted to. A one-word short name is its
    slug in lowercase (`NeurIPS`, `RA-L`); one that is not (an alias `J.Imaging`) is a
    value too, so either can be typed."""
    venue = paper.venue
    if venue is None or not venue.accepted:
        return ()
    typed = venue.short.lower()
    return [venue.slug] if typed == venue.slug or len(typed.split()) > 1 else [venue.slug, typed]


FILTERS: tuple[SearchFilter, ...] = (
    # `year:` is the year of the paper's first version (`published`), as documents are numbered
    SearchFilter("year", SPAN, "year:2022", ranges=Ranges("years", lambda paper: paper.published.year)),
    SearchFilter("category", TERM, "category:cs.CV", aliases=("cat",),
                 ranges=Ranges("categories", lambda paper: paper.primary_category.lower()),
                 lists=Lists("categories", "categories", _cross_listed)),
    SearchFilter("venue", TERM, "venue:cvpr", lists=Lists("venues", "venues", _accepted_venue)),
)


# What a JSON text must not hold inside a single-quoted script string, and what stands for it.
IN_SCRIPT_STRING = ((b"\\", b"\\\\"), (b"'", b"\\'"), ("\u2028".encode(), b"\\u2028"),
                    ("\u2029".encode(), b"\\u2029"), (b"</", b"<\\/"))


def _script(callback: str, key: int | str, data) -> bytes:
    """A classic script calling `sitegenSearch.<callback>`: loads from file:// too.

    `JSON.parse('…')` parses large data faster than a JavaScript literal would. The JSON
    is orjson's (compact, UTF-8, as `json.dumps` with `ensure_ascii=False` writes it, in
    far less time: the shards and display records of an archive are hundreds of MB).
    """
    literal = orjson.dumps(data, option=orjson.OPT_NON_STR_KEYS)
    for text, escaped in IN_SCRIPT_STRING:
        literal = literal.replace(text, escaped)
    return b"sitegenSearch.%s(%s,JSON.parse('%s'));\n" % (callback.encode(), orjson.dumps(key), literal)
