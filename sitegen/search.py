"""The search index: lunr's scoring, cut into term-range shards a browser loads on demand.

One global index is computed with lunr's own weights (BM25 as `lunr.Builder` computes
them: k1 = 1.2, b = 0.75, idf over (field, document) pairs, rounded to 3 decimals) and
lunr's stemmer and stop words (from the `lunr` package). It is then cut by term range:
a query needs only the shards holding its terms, and because every weight comes from
the global build, the shards a query loads score exactly like the whole index would.
In the browser, lunr.js queries a `lunr.Index` assembled from the loaded shards.

Documents are numbered oldest year first, and within a year by primary category, so a
year or category filter is a range check on the document number and costs no download.
Very common terms keep only their `MAX_POSTINGS` best-weighted postings per field.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Iterator, Mapping, Sequence

from lunr.stemmer import stemmer
from lunr.stop_word_filter import WORDS as STOP_WORDS
from lunr.token import Token

from . import routes
from .archive import Archive, Paper
from .parallel import fork_map

K1 = 1.2
B = 0.75
# Field name -> boost. `name` holds whole author names and `phrase` adjacent title words,
# so a full name or a title phrase outranks papers that merely share a word with it.
FIELDS: Mapping[str, int] = {
    "id": 50, "name": 15, "phrase": 10, "title": 10, "authors": 4, "categories": 2, "abstract": 1,
}
MAX_POSTINGS = 1500  # per term and field: the best-weighted ones, so common words stay small
SHARD_BYTES = 48_000  # target size of one term-range shard
DOCS_PER_CHUNK = 4  # display records per file: a page of results loads only what it shows
ABSTRACT_CHARS = 1200  # of the abstract kept for result snippets
WORD = re.compile(r"[^\W_]+(?:\.[^\W_]+)*")


def fold(text: str) -> str:
    """Lowercase, accents removed: `Miloš` and `Milos` search alike (mirrored in search.js)."""
    if text.isascii():
        return text.lower()
    decomposed = unicodedata.normalize("NFKD", text.lower())
    return "".join(char for char in decomposed
                   if char.isascii() or not unicodedata.category(char).startswith("M"))


def words(text: str) -> list[str]:
    """Folded words; dots stay inside words so `2209.14475` and `cs.cv` are single words."""
    return WORD.findall(fold(text))


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
        self._stems = _StemCache(self.stem)

    def stem(self, word: str) -> str | None:
        """lunr's stemmer, or None for a stop word."""
        return None if word in STOP_WORDS else str(stemmer(Token(word)))

    def token(self, word: str) -> str:
        """The stem, or the word itself if it is a stop word."""
        return self.stem(word) or word

    def stems(self, text: str) -> list[str]:
        """Stemmed words without stop words (stems cached: the vocabulary is small)."""
        return [stem for stem in map(self._stems.__getitem__, words(text)) if stem]

    def tokens(self, text: str) -> list[str]:
        """Stemmed words, stop words kept as they are."""
        stems = self._stems
        return [stems[word] or word for word in words(text)]

    def fields(self, paper: Paper) -> dict[str, list[str]]:
        title = self.stems(paper.title)
        names = [tokens for tokens in map(self.tokens, paper.authors) if tokens]
        return {
            "id": [paper.id.lower()],
            "name": [" ".join(tokens) for tokens in names]
                    + [f"{tokens[0]} {tokens[-1]}" for tokens in names if len(tokens) > 2],
            "phrase": [f"{first} {second}" for first, second in zip(title, title[1:])],
            "title": title,
            "authors": [token for tokens in names for token in tokens],
            "categories": [code.lower() for code in paper.categories],
            "abstract": self.stems(paper.summary),
        }


class _StemCache(dict):
    """word -> stem (None for a stop word), computed on first use."""

    def __init__(self, compute) -> None:
        super().__init__()
        self.compute = compute

    def __missing__(self, word: str) -> str | None:
        stem = self[word] = self.compute(word)
        return stem


@dataclass(frozen=True)
class SearchFile:
    path: str
    data: bytes


def document_order(archive: Archive) -> list[Paper]:
    """Oldest year first; within a year by primary category, then by date and id."""
    return sorted(archive.papers.values(),
                  key=lambda p: (p.published.year, p.primary_category, p.published, p.id))


Postings = dict[str, dict[str, tuple[list[int], list[int]]]]  # field -> term -> (documents, term counts)


def build_search(archive: Archive, jobs: int = 1) -> Iterator[SearchFile]:
    """Every file of the search data: term shards, display chunks and the manifest."""
    papers = document_order(archive)
    postings, lengths = _tokenize_all(papers, jobs)
    weights = Weights(postings, lengths, len(papers))
    plan = _plan_shards(weights)
    numbered = list(enumerate(plan))
    yield from fork_map(weights.shard_file, numbered, jobs)
    for number, start in enumerate(range(0, len(papers), DOCS_PER_CHUNK)):
        records = [_display(paper) for paper in papers[start:start + DOCS_PER_CHUNK]]
        yield SearchFile(f"search/docs/{number}.js", _script("addDocs", number, records))
    firsts = [terms[0] for terms in plan]
    yield SearchFile("search/manifest.js", _script("setManifest", 0, _manifest(papers, firsts)))


def _tokenize_all(papers: Sequence[Paper], jobs: int) -> tuple[Postings, dict[str, list[int]]]:
    """Postings and field lengths for every document, tokenized in slices in parallel."""
    size = max(1, -(-len(papers) // max(jobs * 4, 1)))
    slices = [range(start, min(start + size, len(papers))) for start in range(0, len(papers), size)]
    parts = fork_map(lambda numbers: _tokenize(papers, numbers), slices, jobs)
    postings: Postings = {field: {} for field in FIELDS}
    lengths: dict[str, list[int]] = {field: [] for field in FIELDS}
    for part_postings, part_lengths in parts:  # slices are in document order: lists stay sorted
        for field in FIELDS:
            lengths[field].extend(part_lengths[field])
            merged = postings[field]
            for term, (documents, counts) in part_postings[field].items():
                entry = merged.get(term)
                if entry is None:
                    merged[term] = (documents, counts)
                else:
                    entry[0].extend(documents)
                    entry[1].extend(counts)
    return postings, lengths


def _tokenize(papers: Sequence[Paper], numbers: range) -> tuple[Postings, dict[str, list[int]]]:
    terms = Terms()
    postings: Postings = {field: {} for field in FIELDS}
    lengths: dict[str, list[int]] = {field: [] for field in FIELDS}
    for number in numbers:
        for field, values in terms.fields(papers[number]).items():
            lengths[field].append(len(values))
            field_postings = postings[field]
            counts = dict.fromkeys(values, 0)  # a Counter costs more for these short lists
            for value in values:
                counts[value] += 1
            for term, count in counts.items():
                entry = field_postings.get(term)
                if entry is None:
                    field_postings[term] = ([number], [count])
                else:
                    entry[0].append(number)
                    entry[1].append(count)
    return postings, lengths


class Weights:
    """lunr's weight for every posting, computed per term when its shard is encoded."""

    def __init__(self, postings: Postings, lengths: Mapping[str, list[int]], documents: int):
        self.postings = postings
        frequency: Counter = Counter()
        kept: Counter = Counter()
        for field_postings in postings.values():
            for term, entry in field_postings.items():
                frequency[term] += len(entry[0])
                kept[term] += min(len(entry[0]), MAX_POSTINGS)
        self.terms = sorted(frequency, key=js_order)
        self.index = {term: number for number, term in enumerate(self.terms)}
        self.idf = {term: math.log(1 + abs((documents - df + 0.5) / (df + 0.5))) for term, df in frequency.items()}
        self.kept = kept
        self.norms = {field: _length_norms(lengths[field]) for field in FIELDS}

    def size(self, term: str) -> int:
        """About how many bytes the term takes in a shard."""
        return len(term) + 8 + 8 * self.kept[term]

    def shard_file(self, numbered: tuple[int, Sequence[str]]) -> SearchFile:
        """A shard: `[first term's index, entries]`, an entry `[term, field, postings, …]`.

        Terms are consecutive, so a term's index is the first one's plus its position.
        `field` is the field's position in FIELDS; `postings` is `[document, weight, …]`
        with each document number given as the gap from the one before and each weight
        (lunr's, rounded to 3 decimals) in thousandths, which keeps shards small.
        """
        number, terms = numbered
        numbers = {field: position for position, field in enumerate(FIELDS)}
        entries = []
        for term in terms:
            entry: list = [term]
            for field, (documents, weights) in self.fields(term).items():
                flat = [0] * (2 * len(documents))
                flat[0::2] = [b - a for a, b in zip([0, *documents], documents)]
                flat[1::2] = [round(weight * 1000) for weight in weights]
                entry += [numbers[field], flat]
            entries.append(entry)
        return SearchFile(f"search/shards/{number}.js", _script("addShard", number, [self.index[terms[0]], entries]))

    def fields(self, term: str) -> dict[str, tuple[list[int], list[float]]]:
        """field -> (documents, lunr's weights), at most MAX_POSTINGS of them: the best."""
        idf = self.idf[term]
        found = {}
        for field, boost in FIELDS.items():
            entry = self.postings[field].get(term)
            if entry is None:
                continue
            documents, counts = entry
            norms = self.norms[field]
            weights = [round(idf * ((K1 + 1) * count) / (norms[number] + count) * boost, 3)
                       for number, count in zip(documents, counts)]
            if len(weights) > MAX_POSTINGS:
                best = sorted(sorted(range(len(weights)), key=weights.__getitem__, reverse=True)[:MAX_POSTINGS])
                documents, weights = [documents[i] for i in best], [weights[i] for i in best]
            found[field] = (documents, weights)
        return found


def _length_norms(lengths: list[int]) -> list[float]:
    """lunr's `k1 * (1 - b + b * length / average length)` for each document."""
    average = sum(lengths) / len(lengths) if lengths else 0
    if not average:
        return [K1] * len(lengths)
    return [K1 * (1 - B + B * (length / average)) for length in lengths]


def _plan_shards(weights: Weights) -> list[list[str]]:
    """Consecutive terms (in sorted order) into shards of about SHARD_BYTES each.

    Terms are numbered in sorted order, which is also lunr's vector element order, so
    the shards a query loads merge into sorted vectors by concatenation.
    """
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
            list(paper.categories), paper.summary[:ABSTRACT_CHARS]]


def _manifest(papers: Sequence[Paper], shard_firsts: Sequence[str]) -> dict:
    years: dict[int, list[int]] = {}
    categories: dict[str, list[list[int]]] = defaultdict(list)
    for number, paper in enumerate(papers):
        years.setdefault(paper.published.year, [number, number])[1] = number
        ranges = categories[paper.primary_category.lower()]
        if ranges and ranges[-1][1] == number - 1:
            ranges[-1][1] = number
        else:
            ranges.append([number, number])
    return {
        "fields": list(FIELDS), "documents": len(papers), "docsPerChunk": DOCS_PER_CHUNK,
        "shards": list(shard_firsts), "years": years, "categories": categories,
        "stopWords": sorted(STOP_WORDS),
    }


def _script(callback: str, number: int, data) -> bytes:
    """A classic script calling `sitegenSearch.<callback>`: loads from file:// too.

    `JSON.parse('…')` parses large data faster than a JavaScript literal would.
    """
    text = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
    literal = (text.replace("\\", "\\\\").replace("'", "\\'")
               .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029").replace("</", "<\\/"))
    return f"sitegenSearch.{callback}({number},JSON.parse('{literal}'));\n".encode("utf-8")
