"""The search data, without a browser: lunr's weights, the Python/JavaScript agreement on
words and stems, the shard layout search.js relies on, and the data files' encoding.

Several tests run JavaScript in `node`: lunr.js itself (the copy the site ships) and
functions read out of `themes/default/static/search.js`, so they fail when either side
drifts. They are skipped when node or lunr.js is missing.
"""

from __future__ import annotations

import gzip
import json
import re
import shutil
import subprocess
from collections import Counter, defaultdict
from datetime import date, datetime, timezone
from pathlib import Path
from types import SimpleNamespace

from lunr.builder import Builder as LunrBuilder
import pytest

from sitegen import routes, search
from sitegen.archive import Day, Paper, build_archive
from sitegen.reader import read_content
from sitegen.search import (FIELDS, FILTERS, Terms, build_search, document_order, js_order, lunr_weight,
                            search_tiers, words)
from sitegen.venues import Venues

from conftest import SITE_CONTENT

REPO = Path(__file__).resolve().parents[1]
LUNR_JS = REPO / "node_modules" / "lunr" / "lunr.min.js"
SEARCH_JS = REPO / "themes" / "default" / "static" / "search.js"
CORPUS = REPO.parent / "shared" / "corpus"
NODE = shutil.which("node")
FIXTURE_DIGESTS = sorted(SITE_CONTENT.rglob("*.md")) + sorted((REPO / "tests" / "fixtures" / "digests").glob("*.md"))

needs_node = pytest.mark.skipif(NODE is None or not LUNR_JS.exists(),
                                reason="needs node and node_modules/lunr (npm install)")


# --- helpers --------------------------------------------------------------------------------

def node(script: str, data) -> object:
    """Run `script` in node with `data` (JSON) as the global `input`; returns what it prints (JSON)."""
    program = ("const input = JSON.parse(require('fs').readFileSync(0, 'utf8'));\n"
               f"const lunr = require({json.dumps(str(LUNR_JS))});\n{script}")
    done = subprocess.run([NODE, "-e", program], input=json.dumps(data), capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def search_js_function(name: str) -> str:
    """The source of `function name(…) {…}` in search.js (its body ends at a two-space `}`)."""
    match = re.search(rf"^  function {name}\(.*?^  }}$", SEARCH_JS.read_text(), re.M | re.S)
    assert match, f"function {name} not found in search.js"
    return match.group(0)


def search_js_var(name: str) -> str:
    match = re.search(rf"^  var {name} = .*?;(?: *//.*?)?$", SEARCH_JS.read_text(), re.M | re.S)
    assert match, f"var {name} not found in search.js"
    return match.group(0)


def decode(data: bytes) -> tuple[str, int | str, object]:
    """A data file back to (callback, key, data), the way a JavaScript engine reads it."""
    match = re.fullmatch(rb"sitegenSearch\.(\w+)\((\d+|\"[0-9a-f]+/[0-9-]+\"),JSON\.parse\('(.*)'\)\);\n", data, re.S)
    assert match, data[:200]
    literal = match.group(3).decode("utf-8")
    assert not re.search(r"(?<!\\)(?:\\\\)*'", literal), "an unescaped quote ends the literal early"
    text = re.sub(r"\\(u[0-9a-fA-F]{4}|.)",
                  lambda m: chr(int(m.group(1)[1:], 16)) if len(m.group(1)) == 5 else m.group(1), literal)
    return match.group(1).decode(), json.loads(match.group(2)), json.loads(text)


def search_files(archive) -> dict[str, object]:
    """path -> decoded data of every search file built for `archive`."""
    found = {}
    for file in build_search(archive):
        callback, number, data = decode(file.data)
        found[file.path] = data
    return found


def head_lists(entry: list) -> list[tuple[int, list[int]]]:
    """A shard entry's (field position, postings) pairs; a capped term's bounds are left out."""
    return list(zip(entry[2:len(entry) - 1:2], entry[3::2]))


def tail_lists(tail: list) -> list[tuple[int, list[int]]]:
    return list(zip(tail[0::2], tail[1::2]))


def shard_postings(files: dict[str, object], with_tails: bool = True) -> dict[tuple[str, str, int], float]:
    """(term, field, document) -> weight, from the shards (and the tails of capped terms,
    unless `with_tails` is false) as search.js weighs them: BM25 over the manifest's
    document count and field lengths, documents with a term summed over the tiers."""
    manifest = files["search/manifest.js"]
    fields, documents = manifest["fields"], manifest["documents"]
    entries = [(tier, [f"search/{tier['name']}/tails/{number}-{position}-{block}.js"
                       for block in (entry[-1][0] if len(entry) % 2 else [])], entry)
               for tier in manifest["tiers"]
               for number, shard in enumerate(tier_shards(files, tier)) for position, entry in enumerate(shard)]
    with_term = Counter()
    for _, _, entry in entries:
        with_term[entry[0]] += entry[1]
    postings = {}
    for tier, tails, entry in entries:
        lists = head_lists(entry) + [pair for tail in tails if with_tails for pair in tail_lists(files[tail])]
        for position, flat in lists:
            average = manifest["lengths"][position] / documents
            document = tier["start"]
            for i in range(0, len(flat), 3):
                document += flat[i]
                postings[entry[0], fields[position], document] = lunr_weight(
                    flat[i + 1], flat[i + 2], average, with_term[entry[0]], documents, manifest["boosts"][position])
    return postings


def tier_shards(files: dict[str, object], tier: dict) -> list[list]:
    """A tier's shards (lists of entries), by number."""
    prefix = f"search/{tier['name']}/shards/"
    shards = {int(path[len(prefix):-3]): data for path, data in files.items() if path.startswith(prefix)}
    assert sorted(shards) == list(range(len(shards)))
    return [shards[number] for number in range(len(shards))]


def directory_pages(files: dict[str, object]) -> dict[str, list[str]]:
    """`<tier>/<level>-<n>` -> a page of the tiers' directories, as search.js keys them."""
    pages = {}
    for path, data in files.items():
        parts = path.split("/")
        if len(parts) == 4 and parts[2] == "directory":
            pages[f"{parts[1]}/{parts[3][:-3]}"] = data
    return pages


def shard_firsts(files: dict[str, object], tier: dict) -> list[str]:
    """Each shard's first term, read from the tier's directory: the bottom level's pages in turn."""
    if tier["levels"] == 0:
        return tier["shards"]
    pages = directory_pages(files)
    bottom = tier["levels"] - 1
    return [term for number in range(len(pages)) if f"{tier['name']}/{bottom}-{number}" in pages
            for term in pages[f"{tier['name']}/{bottom}-{number}"]]


def only_tier_shards(files: dict[str, object]) -> list[list]:
    tiers = files["search/manifest.js"]["tiers"]
    assert len(tiers) == 1
    return tier_shards(files, tiers[0])


LISTED = date(2022, 9, 28)  # every paper made here is listed that day: one search tier


def paper(id: str, title: str, authors=("Ann Author",), categories=("cs.CV",), summary="An abstract.",
          published="2022-09-28") -> Paper:
    when = datetime.fromisoformat(published).replace(tzinfo=timezone.utc)
    return Paper(id=id, version=1, title=title, authors=tuple(authors), categories=tuple(categories),
                 classifications=(), dois=(), pdf_url=None, published=when, updated=when, comment=None,
                 journal=None, summary=summary, listings=((LISTED, categories[0]),),
                 key=repr((id, title, authors, categories, summary, published)), venue=None)


def archive_of(*papers: Paper):
    """An archive of `papers` as the model holds them: by id, with the days listing them."""
    days = defaultdict(dict)
    for p in papers:
        for when, code in p.listings:
            days[when][(p.id, code)] = None
    return SimpleNamespace(papers={p.id: p for p in sorted(papers, key=lambda p: p.id)},
                           days={when: Day(when, tuple(days[when])) for when in sorted(days)})


TIER_DAYS = (date(2021, 5, 3), date(2022, 3, 1), date(2022, 9, 28))  # one a tier: earlier years, year, month


def tiered(archive):
    """The archive's papers first listed on the days of TIER_DAYS in turn: all three tiers."""
    return archive_of(*(p._replace(listings=((TIER_DAYS[n % 3], p.primary_category),))
                        for n, p in enumerate(archive.papers.values())))


@pytest.fixture(scope="module")
def site_archive():
    return build_archive(read_content(SITE_CONTENT).digests)


@pytest.fixture(scope="module")
def corpus_month():
    """One month of the real corpus (about 1,600 papers), or a skip."""
    if not CORPUS.is_dir():
        pytest.skip(f"no corpus at {CORPUS}")
    archive = build_archive(read_content(CORPUS).digests)
    return archive_of(*(p for p in archive.papers.values() if p.published.strftime("%Y-%m") == "2022-09"))


# Words that stress folding and stemming, besides the ones from the digests.
TRICKY_WORDS = """Miloš Đorđević José García Ångström naïve façade straße Æsir Øresund Łódź İstanbul
    Σίσυφος ΟΔΥΣΣΕΥΣ ﬁne-tuning ﬂow Ⅻ ½ x² H₂O ＡＢＣ１２３ e\u0301te Ǆemal 数学の研究 한국어 हिन्दी ٣٤
    2209.14475 2209.14475v2 arXiv:2209.14475 math.GT/0309136 cs.CV cs.cv eess.IV stat.ML 68T45 I.4.8
    e.g. U.S.A. 3.5 .5 5. a..b x_1 O(n) 3D 3d 2D-3D 1st 2nd 100k ResNet-50 GPT-3 COVID-19 BERT's
    running runs ran easily fairly happiness relational conditional rational valenci hesitanci digitizer
    conformabli radicalli differentli vileli analogousli vietnamization predication operator feudalism
    decisiveness hopefulness callousness formaliti sensitiviti sensibiliti triplicate formative formalize
    electriciti electrical hopeful goodness revival allowance inference airliner gyroscopic adjustable
    defensible irritant replacement adjustment dependent adoption homologou communism activate angulariti
    homologous effective bowdlerize probate rate cease controll roll generalization oscillators y yy yes
    sky skies dying lying tying news innings outing canning howe proceed exceed succeed agreed feed
    emoji😀smile 𐐀𐐁 𠀀x 﨎 ﬀ ﬃ Ⓐ ① ㈱ ℃ № ™ ǅ ǈ ǋ ß ẞ ı ſ ﬅ""".split()


def digest_words() -> list[str]:
    """Distinct folded words of the fixture digests and, if present, the whole corpus."""
    found: set[str] = set()
    for path in FIXTURE_DIGESTS + sorted(CORPUS.rglob("*.md")):
        found.update(words(path.read_text(encoding="utf-8")))
    return sorted(found)


# --- lunr's weights -------------------------------------------------------------------------

def lunr_py_weights(papers) -> dict[tuple[str, str, int], float]:
    """Every (term, field, document) weight of a real `lunr.Builder` over sitegen's terms.

    The builder gets no pipeline (a bare `lunr.Builder` has none) and each field as a
    list of sitegen's terms: lunr.py's tokenizer turns a list into one token per item
    (lower-cased, otherwise untouched). So lunr.py indexes exactly the terms sitegen
    indexes, with the same fields and boosts, and everything it computes from them —
    document frequencies over (field, document) pairs, average field lengths, BM25 with
    k1 and b, boosts, rounding — is lunr's own code, not sitegen's.
    """
    terms = Terms()
    builder = LunrBuilder()
    builder.ref("ref")
    for field, boost in FIELDS.items():
        builder.field(field, boost)
    for number, item in enumerate(papers):
        fields = terms.fields(item)
        for values in fields.values():
            assert all(value == value.lower() for value in values)  # lunr would lower-case them
        builder.add({"ref": str(number), **fields})
    index = builder.build()
    term_of = {posting["_index"]: term for term, posting in index.inverted_index.items()}
    weights = {}
    for field_ref, vector in index.field_vectors.items():
        field, ref = field_ref.split("/", 1)  # lunr.py writes FieldRef as field/ref
        for position in range(0, len(vector.elements), 2):
            weights[term_of[vector.elements[position]], field, int(ref)] = vector.elements[position + 1]
    return weights


def test_shard_weights_are_lunr_py_builder_weights(site_archive):
    """Every weight in the shards as written (gaps and thousandths decoded) is exactly the
    value in lunr.py's field vector for that term, field and document, and the shards
    hold exactly lunr.py's postings: none missing, none extra."""
    expected = lunr_py_weights(document_order(site_archive))
    found = shard_postings(search_files(site_archive))
    assert found.keys() == expected.keys()
    assert {key: weight for key, weight in found.items() if weight != expected[key]} == {}
    fields = {field for _, field, _ in found}
    assert fields == set(FIELDS)  # every field (and so every boost) is exercised


@pytest.mark.corpus
def test_shard_weights_are_lunr_py_weights_on_a_corpus_month(corpus_month, monkeypatch):
    """The same on ~1,600 real papers: long abstracts, common words, repeated names, with
    the common terms' postings split between the shard (head) and a tail file: every
    posting is in one of them."""
    papers = document_order(corpus_month)
    expected = lunr_py_weights(papers)
    monkeypatch.setattr(search, "MAX_POSTINGS", 200)
    files = search_files(corpus_month)
    assert any("/tails/" in path for path in files)
    found = shard_postings(files)
    assert found.keys() == expected.keys()
    assert [key for key, weight in found.items() if weight != expected[key]] == []


def lunr_js_weights(papers) -> dict[tuple[str, str, int], float]:
    """The same as lunr_py_weights, computed by lunr.js's `lunr.Builder` in node."""
    terms = Terms()
    documents = [{"ref": str(n), **terms.fields(p)} for n, p in enumerate(papers)]
    script = """
      const builder = new lunr.Builder();
      builder.ref('ref');
      for (const [field, boost] of input.fields) builder.field(field, { boost });
      input.documents.forEach((doc) => builder.add(doc));
      const index = builder.build();
      const termOf = {};
      for (const term of Object.keys(index.invertedIndex)) termOf[index.invertedIndex[term]._index] = term;
      const weights = [];
      for (const fieldRef of Object.keys(index.fieldVectors)) {
        const [field, ref] = fieldRef.split('/');
        const elements = index.fieldVectors[fieldRef].elements;
        for (let i = 0; i < elements.length; i += 2) weights.push([termOf[elements[i]], field, Number(ref), elements[i + 1]]);
      }
      console.log(JSON.stringify(weights));
    """
    weights = node(script, {"fields": list(FIELDS.items()), "documents": documents})
    return {(term, field, ref): weight for term, field, ref, weight in weights}


@needs_node
def test_shard_weights_are_lunr_js_builder_weights(site_archive):
    """lunr.js (the browser's lunr) computes the same weights. It rounds with
    Math.round(x * 1000) / 1000, as sitegen does; lunr.py's round(x, 3) could differ on
    an exact tie, which the lunr.py tests would show."""
    expected = lunr_js_weights(document_order(site_archive))
    assert shard_postings(search_files(site_archive)) == expected


@needs_node
@pytest.mark.corpus
def test_shard_weights_are_lunr_js_weights_on_a_corpus_month(corpus_month, monkeypatch):
    expected = lunr_js_weights(document_order(corpus_month))
    monkeypatch.setattr(search, "MAX_POSTINGS", 200)
    found = shard_postings(search_files(corpus_month))
    assert found.keys() == expected.keys()
    assert [key for key, weight in found.items() if weight != expected[key]] == []


def test_a_capped_term_keeps_its_best_postings_in_the_shard_and_bounds_the_rest(monkeypatch):
    """A term in more than MAX_POSTINGS documents of a field keeps the best-weighted ones
    in its shard entry (its head), the rest in its tail file, with unchanged weights; the
    entry's bounds give a weight no tail posting exceeds; other fields are untouched."""
    papers = [paper(f"2209.{10000 + n}", f"Segmentation {'of images ' * (n % 5)}study {n}",
                    summary="segmentation " * (1 + n % 7) + "filler words " * n) for n in range(30)]
    archive = archive_of(*papers)
    full = shard_postings(search_files(archive))
    monkeypatch.setattr(search, "MAX_POSTINGS", 7)
    files = search_files(archive)
    assert shard_postings(files) == full  # heads and tails together: every posting
    heads = shard_postings(files, with_tails=False)
    assert set(heads) < set(full)
    manifest = files["search/manifest.js"]
    bounds = {(entry[0], manifest["fields"][position]): frontier
              for shard in only_tier_shards(files) for entry in shard if len(entry) % 2
              for position, frontier in zip(entry[-1][1::2], entry[-1][2::2])}
    by_term_field = defaultdict(list)
    for (term, field, document), weight in full.items():
        by_term_field[term, field].append((weight, document))
    truncated = 0
    for (term, field), postings in by_term_field.items():
        kept = sorted(document for (t, f, document) in heads if (t, f) == (term, field))
        if len(postings) <= 7:
            assert len(kept) == len(postings) and (term, field) not in bounds
            continue
        truncated += 1
        assert len(kept) == 7
        worst_kept = min(full[term, field, document] for document in kept)
        best_dropped = max(weight for weight, document in postings if document not in kept)
        assert worst_kept >= best_dropped, (term, field)
        with_term = sum(entry[1] for shard in only_tier_shards(files) for entry in shard if entry[0] == term)
        position = manifest["fields"].index(field)
        frontier = bounds[term, field]
        bound = max(lunr_weight(count, length, manifest["lengths"][position] / manifest["documents"], with_term,
                                manifest["documents"], manifest["boosts"][position])
                    for count, length in zip(frontier[0::2], frontier[1::2]))
        assert bound == best_dropped, (term, field)  # the bound is reached: as tight as it can be
    assert truncated >= 3  # segment/title, segment/abstract, filler/abstract…


# --- words, folding and stems: Python and the browser agree ---------------------------------

@needs_node
def test_lunr_js_stemmer_and_stop_words_match_python():
    """lunr.js's stemmer (the browser's) gives every word the stem sitegen's port gives,
    and lunr.js's stop words are lunr.py's, on every word of the digests (the whole corpus
    when present: some 60,000 words) and awkward ones. lunr.py's own stemmer fails this:
    `survey`, `day`, `key` and `try` stem differently there."""
    vocabulary = sorted(set(digest_words()) | {w for word in TRICKY_WORDS for w in words(word)})
    assert len(vocabulary) > 500
    script = """
      console.log(JSON.stringify(input.map((word) => [
        lunr.stemmer(new lunr.Token(word)).toString(),
        lunr.stopWordFilter(new lunr.Token(word)) === undefined,
      ])));
    """
    found = node(script, vocabulary)
    terms = Terms()
    mismatches = {}
    for word, (js_stem, js_stop) in zip(vocabulary, found):
        python_stem = terms.stem(word)
        if js_stop != (python_stem is None):
            mismatches[word] = ("stop word", js_stop)
        elif python_stem is not None and python_stem != js_stem:
            mismatches[word] = (python_stem, js_stem)
    assert mismatches == {}


@needs_node
def test_search_js_fold_and_words_match_python():
    """search.js's own `fold`, `words` and WORD regex (read out of the file) split and fold
    text exactly like sitegen.search.words: digest text, awkward words, and every
    assigned code point on its own and between letters."""
    import unicodedata

    texts = [path.read_text(encoding="utf-8") for path in FIXTURE_DIGESTS] + TRICKY_WORDS
    texts.append(" ".join(TRICKY_WORDS))
    for start in range(0x20, 0x30000, 64):
        chars = [chr(c) for c in range(start, start + 64)
                 if not 0xD800 <= c < 0xE000 and unicodedata.category(chr(c)) != "Cn"]
        texts.append(" ".join(chars))
        texts.append("".join(f"a{c}b." for c in chars))
    script = "\n".join([search_js_var("WORD"), search_js_var("LETTERS"), search_js_var("UNACCENTED"),
                        search_js_function("fold"), search_js_function("words")])
    script += "\nconsole.log(JSON.stringify(input.map(words)));"
    found = node(script, texts)
    mismatches = [(text[:80], python, js) for text, python, js in zip(texts, map(words, texts), found)
                  if python != js]
    assert mismatches == []


def test_folding_finds_accented_names_from_plain_letters():
    assert words("Miloš Đorđević, Łukasz Søren STRAßE Æsir Œuvre İzmir naïve ﬁne") == [
        "milos", "dordevic", "lukasz", "soren", "strasse", "aesir", "oeuvre", "izmir", "naive", "fine"]
    assert words("2209.14475v2 arXiv:2209.14475 math.GT/0309136 cs.CV. e.g. x_1") == [
        "2209.14475v2", "arxiv", "2209.14475", "math.gt", "0309136", "cs.cv", "e.g", "x", "1"]


def test_index_terms_are_what_search_js_makes_of_a_query():
    """Names and phrases are built from the same stems a query is: stop words kept in
    names (`He`), left out of titles; a name of three or more words also indexes first
    and last word."""
    fields = Terms().fields(paper("2209.00001", "Learning for the Segmentation of Images",
                                  authors=["Kaiming He", "Luc Van Gool", "Miloš Đorđević"]))
    assert fields["title"] == ["learn", "segment", "imag"]
    assert fields["phrase"] == ["learn segment", "segment imag"]
    assert fields["name"] == ["kaim he", "luc van gool", "milo dordev", "luc gool"]
    assert fields["authors"] == ["kaim", "he", "luc", "van", "gool", "milo", "dordev"]
    assert fields["id"] == ["2209.00001"]


# --- shard layout -----------------------------------------------------------------------

def many_shard_archive():
    """Papers whose terms spread over many small shards, with terms whose JavaScript
    (UTF-16) order differs from code point order: U+FA0E sorts after U+20000 in
    JavaScript and before it by code point."""
    papers = [paper(f"2209.{14000 + n}", f"Topic{n} {'abcdefghij'[n % 10]}{n} Segmentation Study",
                    authors=[f"Author{n % 7} Name{n}", "Shared Person"],
                    categories=(("cs.CV", "cs.LG"), ("cs.LG",), ("eess.IV", "cs.CV"))[n % 3],
                    summary=f"Words {n} more words about segmentation and topic{n % 4}.",
                    published=f"{2019 + n % 4}-0{1 + n % 9}-1{n % 10}")
              for n in range(60)]
    papers.append(paper("2209.15000", "﨎 𠀀 𐐀 Ωmega Ñandú", authors=["Ærø Łódź"], published="2021-05-05"))
    papers.append(paper("math.GT/0309136", "Knot Invariants", categories=("math.GT", "cs.CV"),
                        published="2003-09-08"))
    return archive_of(*papers)


@pytest.fixture(scope="module")
def many_shards():
    archive = many_shard_archive()
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(search, "SHARD_BYTES", 300)
        patch.setattr(search, "DIRECTORY_FANOUT", 3)  # a directory of several levels
        files = search_files(archive)
    return archive, files


def test_shards_are_consecutive_term_ranges_in_javascript_order(many_shards):
    archive, files = many_shards
    shards = only_tier_shards(files)
    manifest = files["search/manifest.js"]
    assert len(shards) > 20
    terms = [entry[0] for shard in shards for entry in shard]
    assert terms == sorted(terms, key=js_order) and len(set(terms)) == len(terms)
    assert "﨎" in terms and "𠀀" in terms and terms.index("𠀀") < terms.index("﨎")
    # the manifest holds the directory's root, at most DIRECTORY_FANOUT (here 3) entries
    tier = manifest["tiers"][0]
    assert tier["levels"] >= 2 and len(tier["shards"]) <= 3
    assert shard_firsts(files, tier) == [shard[0][0] for shard in shards]
    # [term, documents with it, then field and postings (gap, count, length) pairs]
    assert all(len(entry) % 2 == 0 and entry[1] >= 1 and all(flat and len(flat) % 3 == 0 for flat in entry[3::2])
               for shard in shards for entry in shard)


def test_papers_fall_into_tiers_by_the_day_they_were_first_listed(site_archive):
    """Before the latest year, the latest year before its latest month, the latest month;
    each tier's shards and chunks in a folder named after its papers."""
    archive = tiered(site_archive)
    tiers = search_tiers(archive)
    assert [{search.first_listed(p) for p in tier} for tier in tiers] == [{day} for day in TIER_DAYS]
    files = search_files(archive)
    manifest = files["search/manifest.js"]
    assert [tier["start"] for tier in manifest["tiers"]] == [0, len(tiers[0]), len(tiers[0]) + len(tiers[1])]
    assert [tier["name"] for tier in manifest["tiers"]] == [search.tier_name(tier) for tier in tiers]
    folders = {path.split("/")[1] for path in files if path.count("/") == 3}
    assert folders == {tier["name"] for tier in manifest["tiers"]}
    assert document_order(archive) == [p for tier in tiers for p in tier]
    # a tier's files depend on its papers alone: the same with the other tiers gone
    alone = search_files(archive_of(*tiers[2]))
    name = manifest["tiers"][2]["name"]
    assert {path: data for path, data in alone.items() if f"/{name}/" in path} == \
        {path: data for path, data in files.items() if f"/{name}/" in path}


def test_a_day_listing_only_papers_listed_before_leaves_the_tiers_as_they_were(site_archive):
    """Tiers go by the day a paper was first listed, not by the newest listing day: a paper
    listed again in a later year stays in its tier, and the others in theirs."""
    archive = tiered(site_archive)
    again = next(p for p in archive.papers.values() if search.first_listed(p) == TIER_DAYS[1])
    relisted = archive_of(*(p._replace(listings=p.listings + ((date(2023, 1, 5), p.primary_category),))
                            if p.id == again.id else p for p in archive.papers.values()))
    assert [[p.id for p in tier] for tier in search_tiers(relisted)] == \
        [[p.id for p in tier] for tier in search_tiers(archive)]


def test_shard_weights_over_tiers_are_lunr_builder_weights_of_the_whole_archive(site_archive):
    archive = tiered(site_archive)
    assert len(search_tiers(archive)) == 3
    assert shard_postings(search_files(archive)) == lunr_py_weights(document_order(archive))


@needs_node
def test_search_js_finds_every_term_in_its_shard(many_shards):
    """search.js's shardOf and lowerBound (read out of the file), run in node over the
    manifest, find every term at its shard and position, and place absent terms (also
    prefixes and terms beyond the ends) where they would be."""
    archive, files = many_shards
    shards = only_tier_shards(files)
    terms = [[entry[0] for entry in shard] for shard in shards]
    probes = [term for shard in terms for term in shard]
    probes += [term + suffix for term in probes[::3] for suffix in (" ", "\uffff", "a")]
    probes += ["", "\u0000", "\uffff", "\U0001F600", "zzzz", "0", "segm"]
    script = "\n".join([
        search_js_function("lastAtMost"), search_js_function("shardOf"), search_js_function("lowerBound"),
        "const tier = input.manifest.tiers[0];",
        "const state = { manifest: input.manifest, directory: {} };",
        "const missing = shardOf(tier, input.probes[0]);",  # no directory page loaded yet
        "state.directory = input.directory;",
        "console.log(JSON.stringify([missing, input.probes.map((term) => {",
        "  const number = shardOf(tier, term);",
        "  return [number, lowerBound(input.terms[number], term)];",
        "})]));",
    ])
    missing, found = node(script, {"manifest": files["search/manifest.js"], "probes": probes, "terms": terms,
                                   "directory": directory_pages(files)})
    assert missing == {"page": f"{files['search/manifest.js']['tiers'][0]['name']}/0-0"}
    everything = [(number, position, term) for number, shard in enumerate(terms) for position, term in enumerate(shard)]
    for probe, (number, position) in zip(probes, found):
        # the last shard whose first term is <= the probe (shard 0 for anything smaller)
        expected = max([n for n, shard in enumerate(terms) if js_order(shard[0]) <= js_order(probe)], default=0)
        assert number == expected, probe
        before = [t for t in terms[number] if js_order(t) < js_order(probe)]
        assert position == len(before), probe
        if probe in terms[number]:
            assert terms[number][position] == probe
    assert {term for _, _, term in everything} <= set(probes)


@needs_node
@pytest.mark.parametrize("tiers", [1, 3])
def test_query_over_loaded_shards_scores_like_the_whole_lunr_index(site_archive, monkeypatch, tiers):
    """The design's promise, with search.js's own code (read out of the file): its scores of
    the shards' entries a query uses, in one tier or spread over three, rank and score like
    a lunr.Index that lunr.js's Builder makes of the whole archive,
    for single terms in every field, mixes of terms and fields, and prefixes."""
    import random

    archive = site_archive if tiers == 1 else tiered(site_archive)
    monkeypatch.setattr(search, "SHARD_BYTES", 60)  # a few terms a shard: entries come from many
    files = search_files(archive)
    manifest = files["search/manifest.js"]
    assert len(manifest["tiers"]) == tiers
    shards = {f"{tier['name']}/{number}": shard for tier in manifest["tiers"]
              for number, shard in enumerate(tier_shards(files, tier))}
    assert len(shards) >= 40
    terms = sorted({entry[0] for shard in shards.values() for entry in shard}, key=js_order)
    fields = list(FIELDS)
    chooser = random.Random(20220929)
    queries = [[{"term": term, "fields": fields, "wildcard": 0}] for term in terms]
    for _ in range(200):
        queries.append([{"term": chooser.choice(terms), "fields": chooser.sample(fields, chooser.randint(1, 7)),
                         "wildcard": 0} for _ in range(chooser.randint(2, 5))])
    for prefix in sorted({term[:n] for term in terms for n in (1, 2, 3)}):
        queries.append([{"term": prefix, "fields": ["title", "abstract", "authors"], "wildcard": 2}])
    names = ["lastAtMost", "shardOf", "clauseShards", "shardTerms", "lowerBound", "entriesFor", "queryVectors",
             "idfOf", "lunrWeight", "postingLists", "tailBlocks", "keptBy", "scores", "before", "best"]
    terms_by_paper = Terms()
    documents = [{"ref": str(n), **terms_by_paper.fields(p)} for n, p in enumerate(document_order(archive))]
    script = "\n".join([
        search_js_var("MAX_PREFIX_SHARDS"), search_js_var("K1"), search_js_var("B"),
        "const state = { manifest: input.manifest, directory: input.directory, shards: input.shards, shardTerms: {},"
        "                tails: {} };",
        *map(search_js_function, names),
        """
        const builder = new lunr.Builder();
        builder.ref('ref');
        input.manifest.fields.forEach((field) => builder.field(field, { boost: input.boosts[field] }));
        input.documents.forEach((doc) => builder.add(doc));
        const whole = builder.build();
        const ask = (index, clauses) => index.query((q) => clauses.forEach((c) => q.term(c.term,
          { fields: c.fields, usePipeline: false, wildcard: c.wildcard })));
        console.log(JSON.stringify(input.queries.map((clauses) => [
          best(scores({ clauses, filters: [] }), Infinity).map((r) => [String(r.ref), r.score]),
          ask(whole, clauses).map((r) => [r.ref, r.score]),
        ])));
        """,
    ])
    found = node(script, {"manifest": manifest, "shards": shards, "directory": directory_pages(files),
                          "boosts": dict(FIELDS), "documents": documents, "queries": queries})
    matched = capped = 0
    for clauses, (sharded, whole) in zip(queries, found):
        scores = [score for _, score in sharded]
        assert scores == sorted(scores, reverse=True)
        matched += bool(whole)
        prefix = clauses[0]["term"] if clauses[0]["wildcard"] else None
        if prefix is not None and any(beyond_prefix_cap(files, tier, prefix) for tier in manifest["tiers"]):
            capped += 1  # a prefix reads at most MAX_PREFIX_SHARDS (4) shards a tier from its own
            assert set(dict(sharded)) <= set(dict(whole)), prefix
            continue
        assert {ref: pytest.approx(score, rel=1e-12) for ref, score in sharded} == dict(whole), clauses
    assert matched > len(queries) // 2
    assert capped  # the cap itself is exercised


def beyond_prefix_cap(files: dict[str, object], tier: dict, prefix: str) -> bool:
    """Whether a tier has terms starting with `prefix` past the 4 shards a prefix reads."""
    first = max([n for n, term in enumerate(shard_firsts(files, tier)) if js_order(term) <= js_order(prefix)],
                default=0)
    return any(entry[0].startswith(prefix) for shard in tier_shards(files, tier)[first + 4:] for entry in shard)


@pytest.mark.parametrize("tiers", [1, 3])
def test_year_and_category_ranges_cover_exactly_their_papers(many_shards, tiers):
    archive, files = many_shards
    if tiers == 3:
        archive = tiered(archive)
        files = search_files(archive)
    manifest = files["search/manifest.js"]
    assert len(manifest["tiers"]) == tiers
    papers = document_order(archive)
    assert manifest["documents"] == len(papers)
    categories = {code: files[f"search/categories/{number}.js"] for code, number in manifest["categories"].items()}
    for ranges_of, value_of in ((manifest["years"], lambda p: str(p.published.year)),
                                ({code: ranges for code, (ranges, _) in categories.items()},
                                 lambda p: p.primary_category.lower())):
        assert {value for value, ranges in ranges_of.items() if ranges} == {value_of(p) for p in papers}
        for value, ranges in ranges_of.items():
            covered = [n for first, last in ranges for n in range(first, last + 1)]
            assert covered == [n for n, p in enumerate(papers) if value_of(p) == value]
            assert all(a[1] + 1 < b[0] for a, b in zip(ranges, ranges[1:]))  # disjoint, merged, ordered
    # a category's file adds the papers carrying it that is not their primary one
    assert set(categories) == {c.lower() for p in papers for c in p.categories}
    for code, (ranges, gaps) in categories.items():
        primary = [n for first, last in ranges for n in range(first, last + 1)]
        cross = [sum(gaps[:i + 1]) for i in range(len(gaps))]
        assert not set(primary) & set(cross)
        assert sorted(primary + cross) == [n for n, p in enumerate(papers)
                                           if code in {c.lower() for c in p.categories}], code
    assert len(categories) == len({path for path in files if path.startswith("search/categories/")})
    # the manifest holds no category's ranges: it does not grow with the archive's years
    assert "ranges" not in manifest["filters"][1]


# --- filters -------------------------------------------------------------------------------

def test_filters_are_declared_once_and_described_to_search_js(site_archive):
    """search.js learns every filter from the manifest: names, kind and where its values are;
    it reads a value by the filter's kind, so each kind must be one it knows."""
    files = search_files(site_archive)
    manifest = files["search/manifest.js"]
    assert manifest["filters"] == [search_filter.description() for search_filter in FILTERS]
    assert [f["name"] for f in manifest["filters"]] == ["year", "category", "venue"]
    names = [name for f in manifest["filters"] for name in [f["name"], *f["aliases"]]]
    assert len(names) == len(set(names)) and "cat" in names
    field_prefixes = json.loads(re.search(r"FIELD_PREFIXES = (\[.*?\]);", SEARCH_JS.read_text()).group(1))
    assert not set(names) & set(field_prefixes)
    for described in manifest["filters"]:
        assert re.search(rf"^    {described['kind']}: function", SEARCH_JS.read_text(), re.M), described["kind"]
        for key in (described.get("ranges"), described.get("lists")):
            assert key is None or isinstance(manifest[key], dict), (described, key)
        assert ("lists" in described) == ("folder" in described)


def venue_papers():
    """Papers accepted, submitted, at workshops and in journals, in document order but for the
    2021 paper, which is the first document."""
    texts = [  # id, published, comment, journal
        ("2209.20001", "2022-09-28", "Accepted to CVPR 2022", None),
        ("2209.20002", "2022-09-28", "Submitted to CVPR 2023", None),
        ("2112.20003", "2021-12-01", "CVPR 2022 (Oral)", None),
        ("2209.20004", "2022-09-28", "Accepted at the CVPR 2022 Workshop on Fairness", None),
        ("2209.20005", "2022-09-28", None, "IEEE Transactions on Pattern Analysis and Machine Intelligence 45 (2022)"),
        ("2209.20006", "2022-09-28", "Accepted by Journal of Imaging", None),
        ("2209.20007", "2022-09-28", "Under review at NeurIPS 2022", None),
        ("2209.20008", "2022-09-28", None, None),
    ]
    venues = Venues({"Journal of Imaging": "J.Imaging"})
    return [paper(id, f"Paper {id}", published=published)._replace(comment=comment, journal=journal,
                                                                    venue=venues.read(comment, journal))
            for id, published, comment, journal in texts]


def test_venue_filter_lists_the_papers_accepted_at_each_venue_never_submitted_ones():
    archive = archive_of(*venue_papers())  # their venues read with an alias: `J.Imaging`
    files = {file.path: decode(file.data)[2] for file in build_search(archive)}
    manifest = files["search/manifest.js"]
    order = [p.id for p in document_order(archive)]
    found = {}
    for value, number in manifest["venues"].items():
        ranges, gaps = files[f"search/venues/{number}.js"]
        assert ranges == []
        found[value] = {order[sum(gaps[:i + 1])] for i in range(len(gaps))}
    assert found == {
        "cvpr": {"2209.20001", "2112.20003"},  # not 2209.20002, only submitted to CVPR
        "cvpr-workshops": {"2209.20004"},
        "tpami": {"2209.20005"},
        "j-imaging": {"2209.20006"}, "j.imaging": {"2209.20006"},  # slug, and a short name typed as written
    }
    # list files are numbered on from the categories' cross-lists: one number, one file
    numbers = [*manifest["categories"].values(), *manifest["venues"].values()]
    assert numbers == list(range(len(numbers)))
    # search.js lowercases a term as typed, so a term filter's values are lowercase
    for described in manifest["filters"]:
        if described["kind"] == search.TERM:
            for key in (described.get("ranges"), described.get("lists")):
                assert all(value == value.lower() for value in manifest.get(key, {})), described


def test_venues_change_no_tier_file_and_a_site_without_any_lists_none():
    papers = venue_papers()
    with_venues = {file.path: file.data for file in build_search(archive_of(*papers))}
    unread = archive_of(*(p._replace(comment=None, journal=None, venue=None) for p in papers))
    without = {file.path: file.data for file in build_search(unread)}
    assert {path for path in with_venues if path.startswith("search/venues/")}
    assert not {path for path in without if path.startswith("search/venues/")}
    assert decode(without["search/manifest.js"])[2]["venues"] == {}
    tier_files = {path for path in without if path.count("/") == 3}
    assert tier_files and all(with_venues[path] == without[path] for path in tier_files)


@pytest.mark.parametrize("tiers", [1, 3])
def test_display_chunks_follow_document_numbers(many_shards, tiers):
    archive, files = many_shards
    if tiers == 3:
        archive = tiered(archive)
        files = search_files(archive)
    manifest = files["search/manifest.js"]
    size = manifest["docsPerChunk"]
    papers = document_order(archive)
    for tier in manifest["tiers"]:
        for local in range(tier["documents"]):
            item = papers[tier["start"] + local]
            record = files[f"search/{tier['name']}/docs/{local // size}.js"][local % size]
            assert record[0] == item.id and record[2] == item.title and record[6] == list(item.categories)
            assert record[1] == routes.paper(item.id)
            assert record[5] == item.published.date().isoformat()


def test_a_long_abstract_is_cut_at_a_word_and_says_so():
    """A result's snippet comes from the abstract's start; a cut one ends with an ellipsis."""
    words = " ".join(f"word{n}" for n in range(400))
    archive = archive_of(paper("2209.14001", "Long", summary=words), paper("2209.14002", "Short", summary="Brief."))
    files = search_files(archive)
    tier = files["search/manifest.js"]["tiers"][0]
    records = [record for path, chunk in files.items() if path.startswith(f"search/{tier['name']}/docs/")
               for record in chunk]
    abstracts = {record[0]: record[7] for record in records}
    assert abstracts["2209.14002"] == "Brief."
    cut = abstracts["2209.14001"]
    assert cut.endswith(" …") and words.startswith(cut[:-2]) and len(cut) <= search.ABSTRACT_CHARS + 2
    assert cut[:-2].split()[-1] in words.split()  # whole words only


def test_fixture_site_search_files_are_small_and_complete(site_archive):
    files = {file.path: file.data for file in build_search(site_archive)}
    assert "search/manifest.js" in files
    postings = shard_postings({path: decode(data)[2] for path, data in files.items()})
    ids = {term for term, field, _ in postings if field == "id"}
    # every id, and an old-style id's number alone
    assert ids == {p.id.lower() for p in site_archive.papers.values()} | {"0309136"}
    assert ("math.gt/0309136", "id", 0) in postings and ("0309136", "id", 0) in postings  # the 2003 paper is document 0
    assert sum(len(gzip.compress(data)) for data in files.values()) < 20_000


# --- the data files' encoding ------------------------------------------------------------

TRICKY_DATA = [
    "it's", 'say "hi"', "back\\slash", "\\'", "\\\\'", "</script><script>alert(1)</script>", "<!-- x -->",
    "line\u2028separator\u2029paragraph", "emoji 😀 and 𠀀", "\u0000 nul \t tab \n newline \r", "\ufeff bom",
    "lone surrogate-free \ud7ff \ue000", "${template}", "`backtick`", "</SCRIPT", "\\u2028 literally",
    {"nested": ["'", '"', "\\"], "'key'": 1.5, "n": -0.001, "big": 10**15}, [], {}, None, True,
]


@needs_node
def test_script_files_round_trip_tricky_data_through_javascript():
    """`_script` output is valid JavaScript that hands the exact data to the callback."""
    sources = [search._script("addDocs", number, [item]).decode("utf-8") for number, item in enumerate(TRICKY_DATA)]
    sources.append(search._script("addShard", 99, TRICKY_DATA).decode("utf-8"))
    script = """
      const vm = require('vm');
      const calls = [];
      const sitegenSearch = { addDocs: (n, d) => calls.push([n, d]), addShard: (n, d) => calls.push([n, d]) };
      for (const source of input) vm.runInNewContext(source, { sitegenSearch, JSON });
      console.log(JSON.stringify(calls));
    """
    calls = node(script, sources)
    expected = [[number, [item]] for number, item in enumerate(TRICKY_DATA)] + [[99, TRICKY_DATA]]
    assert calls == expected


def test_script_files_never_close_a_script_element_or_break_a_line():
    data = search._script("addDocs", 0, TRICKY_DATA)
    text = data.decode("utf-8")
    assert "</" not in text and "\u2028" not in text and "\u2029" not in text
    assert text.count("\n") == 1 and text.endswith(");\n")
    assert decode(data) == ("addDocs", 0, TRICKY_DATA)


@needs_node
def test_node_reads_the_fixture_search_files_like_the_python_decoder(site_archive):
    files = {file.path: file.data.decode("utf-8") for file in build_search(site_archive)}
    script = """
      const vm = require('vm');
      const out = {};
      for (const [path, source] of Object.entries(input)) {
        const record = (n, d) => { out[path] = d; };
        const callbacks = { addShard: record, addDocs: record, addList: record, setManifest: record };
        vm.runInNewContext(source, { sitegenSearch: callbacks, JSON });
      }
      console.log(JSON.stringify(out));
    """
    assert node(script, files) == {path: decode(data.encode())[2] for path, data in files.items()}
