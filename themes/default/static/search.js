// sitegen search: term-range shards loaded on demand with <script> tags, so it works on a
// static host and from file:// alike (no fetch, no XHR, no workers).
//
// The papers come in tiers (search/<tier>/), each cut by term range (shards/N.js, found
// through the tier's directory: its root in search/manifest.js, pages in directory/); a
// query loads only the shards that hold its terms, in every tier, weighs their term counts
// with lunr's BM25 over the whole archive (totals in the manifest) and scores them as lunr
// does, so the scores equal those of one lunr index of the archive. lunr.js gives the
// stemmer. A very common term's postings past its best in a field (its tail) are in files
// of their own (search/<tier>/tails/, one for each year of the tier), loaded (those of the
// years the query's filters may keep) first when its bounds cannot prove that the first
// page is exact without them, and else after it, for the count. Display records come
// in small chunks (search/<tier>/docs/N.js) for the results shown. Filters (`year:`,
// `category:`, `venue:`) are declared in sitegen/search.py; the manifest describes them,
// and this file reads a filter's value by its kind alone.
(function () {
  "use strict";

  var PAGE = 20; // results a page shows
  var FIRST = 5; // shown as soon as their records are in, before the rest of the page
  var WORD = /[\p{L}\p{N}]+(?:\.[\p{L}\p{N}]+)*/gu;
  // Latin letters NFKD keeps whole (as in sitegen/search.py): Łukasz is found as Lukasz
  var LETTERS = { "ł": "l", "ø": "o", "đ": "d", "ð": "d", "ħ": "h", "ı": "i", "ŀ": "l", "ŧ": "t",
                  "æ": "ae", "œ": "oe", "ß": "ss", "þ": "th" };
  var UNACCENTED = /[łøđðħıŀŧæœßþ]/g;
  // an arXiv id, or an old-style one's number alone (`0309136` for `math.GT/0309136`)
  var ARXIV_ID = /^(?:arxiv:)?(\d{4}\.\d{4,5}|[a-z][a-z-]*(?:\.[a-z-]+)?\/\d{7}|\d{7})(?:v\d+)?$/i;
  var PREFIX = /^([a-z]+):(.*)$/i;
  var FIELD_PREFIXES = ["title", "author", "authors", "abstract", "id"];
  var TEXT_FIELDS = ["title", "abstract"];
  var MIN_PREFIX = 2; // a shorter `x*` would load a big part of the index
  var MAX_PREFIX_SHARDS = 4; // and a prefix reads at most this many shards (per tier)
  var K1 = 1.2; // lunr.Builder's BM25 parameters
  var B = 0.75;
  // dates read as on the pages (`29 September 2022`, the `longdate` filter), in English
  // whatever the browser's language, as the pages are
  var MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
                "October", "November", "December"];

  var state = {
    root: "", katexPath: "", katex: null, manifest: null, stopWords: null, stems: new Map(), directory: {}, shards: {}, shardTerms: {}, tails: {}, docs: {}, loading: {},
    filters: null, lists: {},
    all: [], results: [], shown: 0, query: "", typing: false, generation: 0,
  };

  // --- data files: each one is a classic script that calls back into this object ---------

  window.sitegenSearch = {
    setManifest: function (_, manifest) { state.manifest = manifest; },
    addShard: function (key, entries) { state.shards[key] = entries; },
    addTail: function (key, postings) { state.tails[key] = postings; },
    addDirectory: function (key, firsts) { state.directory[key] = firsts; },
    addDocs: function (key, records) { state.docs[key] = records; },
    // a filter value's file: [its ranges of document numbers, its other documents as gaps]
    addList: function (number, data) {
      var doc = 0;
      var numbers = data[1].map(function (gap) { return doc += gap; });
      state.lists[number] = { ranges: data[0], documents: new Set(numbers), numbers: numbers };
    },
    // For other scripts (following.js): up to `count` of the newest papers that match every
    // word of `text` (a query as typed in the search box) and, given an author's `name`,
    // hold that whole name (as the index's names: a record lists 8 authors, so only the
    // index knows the others), newest first, each as { id, path, title, authors, more,
    // date }; `root` leads from the page to the site's top.
    newest: function (root, text, count, name) {
      if (!state.manifest) state.root = root;
      return loadManifest().then(function () { return newestMatching(text, count, name); });
    },
    // A title as results show it, its `$…$` as math; then the math in `list` typeset,
    // KaTeX (at `katexPath` from the site's top) loaded the first time there is some.
    appendTitle: function (parent, title) { appendWithMath(parent, title); },
    typesetMath: function (list, katexPath) {
      state.katexPath = state.katexPath || katexPath;
      typesetMath(list);
    },
  };

  function loadScript(path) {
    if (!state.loading[path]) {
      state.loading[path] = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = state.root + path;
        script.async = true;
        script.onload = function () { resolve(); };
        script.onerror = function () {
          delete state.loading[path];
          var error = new Error("could not load " + path);
          error.searchData = true;
          reject(error);
        };
        document.head.appendChild(script);
      });
    }
    return state.loading[path];
  }

  // --- terms: the same folding, words, stop words and stemmer as sitegen/search.py --------

  function fold(text) {
    return text.toLowerCase().normalize("NFKD").replace(/\p{M}/gu, "").replace(UNACCENTED, function (letter) {
      return LETTERS[letter];
    });
  }

  function words(text) {
    return fold(text).match(WORD) || [];
  }

  function stem(word) {
    var known = state.stems.get(word);
    if (known !== undefined) return known;
    var stemmed = state.stopWords.has(word) ? null : lunr.stemmer(new lunr.Token(word)).toString();
    state.stems.set(word, stemmed);
    return stemmed;
  }

  // --- query: filters, field prefixes, ids, names, phrases --------------------------------

  // `typing`: the reader is still typing the last word (no space after it yet), so it is
  // matched as a prefix too, as if it ended with `*`: `bayes` finds Bayesian.
  function parseQuery(text, typing) {
    var query = { clauses: [], filters: [], stems: [], words: [], kept: null }; // kept: see keptBy
    var plain = [];
    var raws = text.split(/\s+/);
    var typed = typing && raws[raws.length - 1] ? raws.length - 1 : -1;
    raws.forEach(function (raw, index) {
      if (!raw) return;
      var field = null;
      var prefixed = PREFIX.exec(raw);
      if (prefixed) {
        var name = prefixed[1].toLowerCase();
        var filter = own(state.filters, name);
        if (filter) { addFilter(query, filter, prefixed[2]); return; }
        if (FIELD_PREFIXES.indexOf(name) >= 0) { field = name; raw = prefixed[2]; }
      }
      var id = ARXIV_ID.exec(raw);
      if (id) {
        addClause(query, id[1].toLowerCase(), ["id"]);
        query.words.push(id[1].toLowerCase());
        if (id[1].indexOf("/") > 0 || id[1].indexOf(".") > 0) return; // a bare number is a word too
      }
      var wildcard = /\*$/.test(raw) || index === typed;
      words(raw).forEach(function (word, position, all) {
        var prefix = wildcard && position === all.length - 1 && word.length >= MIN_PREFIX;
        var stemmed = addWordClauses(query, word, field, prefix);
        if (!field) plain.push({ token: stemmed || word, stem: stemmed });
      });
    });
    addPhraseClauses(query, plain);
    return query;
  }

  // --- filters: described by the manifest, read by their kind ----------------------------

  // name and alias -> { name, kind, ranges: value -> [[first, last], …], lists: value -> file
  // number, folder }, from the manifest's description of each filter
  function filtersOf(manifest) {
    var filters = Object.create(null);
    manifest.filters.forEach(function (described) {
      var filter = { name: described.name, kind: described.kind, folder: described.folder,
                     ranges: (described.ranges && manifest[described.ranges]) || {},
                     lists: (described.lists && manifest[described.lists]) || {} };
      [described.name].concat(described.aliases).forEach(function (name) { filters[name] = filter; });
    });
    return filters;
  }

  // What a value typed after a filter's name stands for, by the filter's kind: the keys of
  // its ranges and lists, or null for no value of that kind (`year:abc`: the word is ignored).
  var VALUE_KEYS = {
    // `2022` or `2019-2022`: the values of the span that have documents
    span: function (text, filter) {
      var match = /^(\d+)(?:-(\d+))?$/.exec(text);
      if (!match) return null;
      var first = Number(match[1]);
      var last = Number(match[2] || match[1]);
      return Object.keys(filter.ranges).filter(function (key) {
        return Number(key) >= Math.min(first, last) && Number(key) <= Math.max(first, last);
      });
    },
    // `cs.CV`, `CVPR`: one value, case ignored
    term: function (text) { return text ? [text.toLowerCase()] : null; },
  };

  // Values of one filter add up (`category:cs.CV category:cs.LG` keeps either); every
  // filter given must keep a document.
  function addFilter(query, filter, text) {
    var keys = VALUE_KEYS[filter.kind](text, filter);
    if (!keys) return;
    var wanted = query.filters.filter(function (given) { return given.filter === filter; })[0];
    if (!wanted) query.filters.push(wanted = { filter: filter, keys: [] });
    wanted.keys = wanted.keys.concat(keys);
  }

  // The list files a query's filters need: `search/categories/3.js`, `search/venues/41.js`
  function listFiles(query) {
    var paths = [];
    query.filters.forEach(function (wanted) {
      wanted.keys.forEach(function (key) {
        var number = own(wanted.filter.lists, key);
        if (number !== undefined) paths.push("search/" + wanted.filter.folder + "/" + number + ".js");
      });
    });
    return paths;
  }

  // The documents a query's filters keep, a byte per document (1: kept), made the first time
  // it is asked, once the query's list files are in; null for a query without filters.
  // Scoring asks it for every posting: a look-up in an array, not a walk through the values.
  function keptBy(query) {
    if (!query.filters.length) return null;
    if (query.kept) return query.kept;
    var count = state.manifest.documents;
    var passed = new Uint8Array(count); // how many of the filters keep each document
    query.filters.forEach(function (wanted) {
      var keeps = new Uint8Array(count);
      wanted.keys.forEach(function (key) {
        var list = state.lists[own(wanted.filter.lists, key)];
        var ranges = (own(wanted.filter.ranges, key) || []).concat(list ? list.ranges : []);
        ranges.forEach(function (run) { keeps.fill(1, run[0], run[1] + 1); });
        if (list) list.numbers.forEach(function (number) { keeps[number] = 1; });
      });
      for (var doc = 0; doc < count; doc++) passed[doc] += keeps[doc];
    });
    var kept = query.kept = new Uint8Array(count);
    for (var doc = 0; doc < count; doc++) kept[doc] = passed[doc] === query.filters.length ? 1 : 0;
    return kept;
  }

  function passesFilters(query, number) {
    var kept = keptBy(query);
    return !kept || kept[number] === 1;
  }

  // Whether the filters may keep a document of `range`, [first, last + 1)
  function mayPassFilters(query, range) {
    function overlaps(ranges) {
      return ranges.some(function (run) { return run[0] < range[1] && run[1] >= range[0]; });
    }
    return query.filters.every(function (wanted) {
      return wanted.keys.some(function (key) {
        var list = state.lists[own(wanted.filter.lists, key)];
        return overlaps(own(wanted.filter.ranges, key) || []) || (list !== undefined &&
               (overlaps(list.ranges) || lowerBound(list.numbers, range[0]) < lowerBound(list.numbers, range[1])));
      });
    });
  }

  // manifest lookups by what the reader typed: `category:constructor` is no category
  function own(object, key) {
    return Object.prototype.hasOwnProperty.call(object, key) ? object[key] : undefined;
  }

  function inRanges(number, ranges) {
    for (var i = 0; i < ranges.length; i++) {
      if (number >= ranges[i][0] && number <= ranges[i][1]) return true;
    }
    return false;
  }

  // One clause per term: fields asking for the same term share it.
  function addClause(query, term, fields, wildcard) {
    wildcard = wildcard || lunr.Query.wildcard.NONE;
    for (var i = 0; i < query.clauses.length; i++) {
      var clause = query.clauses[i];
      if (clause.term === term && clause.wildcard === wildcard) {
        fields.forEach(function (field) {
          if (clause.fields.indexOf(field) < 0) clause.fields.push(field);
        });
        return;
      }
    }
    query.clauses.push({ term: term, fields: fields.slice(), wildcard: wildcard });
  }

  // The index holds stems, and author names as stems too (stop words as they are), so
  // one term serves title, abstract and authors. Returns the word's stem.
  function addWordClauses(query, word, field, prefix) {
    var stemmed = stem(word);
    query.words.push(word);
    if (stemmed) query.stems.push(stemmed);
    var wildcard = prefix ? lunr.Query.wildcard.TRAILING : lunr.Query.wildcard.NONE;
    if (field === "id") {
      addClause(query, word, ["id"], wildcard);
      return stemmed;
    }
    var fields = [];
    if (field !== "author" && field !== "authors" && (stemmed || prefix)) {
      fields = field === "title" ? ["title"] : field === "abstract" ? ["abstract"] : TEXT_FIELDS.slice();
    }
    if (field !== "title" && field !== "abstract") fields.push("authors");
    // a prefix is searched as the prefix of its stem, if that is one: `learning*` finds `learn`
    var term = stemmed || word;
    if (prefix && term !== word && word.indexOf(term) !== 0) term = word;
    if (fields.length) addClause(query, term, fields, wildcard);
    if (!field && word.indexOf(".") > 0) addClause(query, word, ["categories"]);
    return stemmed;
  }

  // Whole names and adjacent title words are terms too: `name` joins a name's terms,
  // `phrase` two adjacent title stems (stop words left out).
  function addPhraseClauses(query, plain) {
    if (plain.length < 2) return;
    var tokens = plain.map(function (word) { return word.token; });
    var stems = plain.filter(function (word) { return word.stem; }).map(function (word) { return word.stem; });
    addClause(query, tokens.join(" "), ["name"]);
    for (var i = 0; i + 1 < tokens.length; i++) addClause(query, tokens[i] + " " + tokens[i + 1], ["name"]);
    for (var j = 0; j + 1 < stems.length; j++) addClause(query, stems[j] + " " + stems[j + 1], ["phrase"]);
  }

  // --- shards: which ones a query needs, and the scores of the loaded ones' entries -------

  // The last position in `firsts` (sorted) whose term is <= term; 0 for a term before all.
  function lastAtMost(firsts, term) {
    var low = 0;
    var high = firsts.length - 1;
    while (low < high) {
      var middle = (low + high + 1) >> 1;
      if (firsts[middle] <= term) low = middle; else high = middle - 1;
    }
    return low;
  }

  // The shard of a tier that holds `term` (the last whose first term is <= term), found by
  // walking the tier's directory down from its root in the manifest; while a directory page
  // on the way is not loaded, {page: key} names it instead.
  function shardOf(tier, term) {
    var number = lastAtMost(tier.shards, term);
    for (var level = 0; level < tier.levels; level++) {
      var key = tier.name + "/" + level + "-" + number;
      var page = state.directory[key];
      if (!page) return { page: key };
      number = number * state.manifest.fanout + lastAtMost(page, term);
    }
    return number;
  }

  // The shards a clause needs, the same term range in every tier, as {tier, key, path}; and
  // the directory pages (keys) still to load before all of them are known.
  function clauseShards(clause) {
    var found = { shards: [], pages: [] };
    state.manifest.tiers.forEach(function (tier) {
      var first = shardOf(tier, clause.term);
      var last = clause.wildcard ? shardOf(tier, clause.term + "\uffff") : first;
      [first, last].forEach(function (located) { if (located.page) found.pages.push(located.page); });
      if (first.page || last.page) return;
      for (var number = first; number <= Math.min(last, first + MAX_PREFIX_SHARDS - 1); number++) {
        found.shards.push({ tier: tier, key: tier.name + "/" + number, path: "search/" + tier.name + "/shards/" + number + ".js" });
      }
    });
    return found;
  }

  // Loads the shards a query's clauses need and the directory pages that lead to them: a
  // tier's shards as soon as its pages are in, not once every tier's are (the newest
  // tiers' pages come first, and their shards then load while the oldest's pages do).
  // Each page, once in, looks again for what it leads to (once: `asked` keeps the pages
  // already waited for, or every page would wait again for all those still loading).
  function loadShards(query) {
    var asked = {};
    function step() {
      var shards = {};
      var pages = [];
      query.clauses.forEach(function (clause) {
        var found = clauseShards(clause);
        found.shards.forEach(function (shard) { shards[shard.path] = true; });
        found.pages.forEach(function (key) {
          if (!asked[key]) pages.push(key);
          asked[key] = true;
        });
      });
      return Promise.all(Object.keys(shards).sort().map(loadScript).concat(pages.map(function (key) {
        var slash = key.indexOf("/");
        return loadScript("search/" + key.slice(0, slash) + "/directory/" + key.slice(slash + 1) + ".js").then(step);
      })));
    }
    return step();
  }

  // The files a query's terms and filters need: its shards (and the directory pages on the
  // way) and its filters' lists.
  function loadQueryFiles(query) {
    return Promise.all([loadShards(query)].concat(listFiles(query).map(loadScript)));
  }

  // A loaded shard is [[term, documents with it, field, [document gap, term count, field
  // length, …], field, […], …], …]: consecutive terms in JavaScript string order. A term
  // in more documents of a field than the build keeps there (its head: the best-weighted
  // ones) has the rest (its tail) cut by the tier's blocks (its years: `tier.blocks`, each
  // block's first document) into tails/<shard>-<entry position>-<block>.js, [field,
  // postings, …], and its entry ends with [[blocks with a file], field, [term count, field
  // length, …], …]: the tail's pairs that bound its weights (a weight grows with the
  // count, falls with the length).
  function shardTerms(key) {
    return state.shardTerms[key] || (state.shardTerms[key] = state.shards[key].map(function (entry) {
      return entry[0];
    }));
  }

  function lowerBound(terms, term) {
    var low = 0;
    var high = terms.length;
    while (low < high) {
      var middle = (low + high) >> 1;
      if (terms[middle] < term) low = middle + 1; else high = middle;
    }
    return low;
  }

  // The index terms the query's clauses use, in JavaScript string order, each with the
  // fields it is asked for and its entry in every tier that has it.
  function entriesFor(query) {
    var found = Object.create(null);
    function use(term, shard, position, fields) {
      var entry = state.shards[shard.key][position];
      var used = found[term] || (found[term] = { term: term, fields: [], entries: [] });
      if (!used.entries.some(function (hit) { return hit.entry === entry; })) {
        var tail = shard.key + "-" + position;
        used.entries.push({ tier: shard.tier, entry: entry, tail: tail,
                            tailPath: "search/" + shard.tier.name + "/tails/" + tail.slice(shard.tier.name.length + 1) });
      }
      fields.forEach(function (field) { if (used.fields.indexOf(field) < 0) used.fields.push(field); });
    }
    query.clauses.forEach(function (clause) {
      clauseShards(clause).shards.forEach(function (shard) {
        var entries = state.shards[shard.key];
        if (!entries) return;
        var terms = shardTerms(shard.key);
        var position = lowerBound(terms, clause.term);
        if (!clause.wildcard) {
          if (terms[position] === clause.term) use(clause.term, shard, position, clause.fields);
          return;
        }
        for (; position < terms.length && terms[position].lastIndexOf(clause.term, 0) === 0; position++) {
          use(terms[position], shard, position, clause.fields);
        }
      });
    });
    return Object.keys(found).sort().map(function (term) { return found[term]; });
  }

  // The query vector of each field: field -> [term index -> weight], 1 for each clause asking
  // a term in the field, summed; and each vector's length.
  function queryVectors(query, used) {
    var fields = state.manifest.fields;
    var vectors = fields.map(function () { return []; });
    query.clauses.forEach(function (clause) {
      used.forEach(function (found, termIndex) {
        var expands = clause.wildcard ? found.term.lastIndexOf(clause.term, 0) === 0 : found.term === clause.term;
        if (!expands) return;
        clause.fields.forEach(function (field) {
          var vector = vectors[fields.indexOf(field)];
          vector[termIndex] = (vector[termIndex] || 0) + 1;
        });
      });
    });
    var lengths = vectors.map(function (vector) {
      var squares = 0;
      vector.forEach(function (weight) { squares += weight * weight; });
      return Math.sqrt(squares);
    });
    return { vectors: vectors, lengths: lengths };
  }

  // lunr's idf of a term over the whole archive: its documents (field, document pairs) summed over the tiers
  function idfOf(found) {
    var count = state.manifest.documents;
    var withTerm = 0;
    found.entries.forEach(function (hit) { withTerm += hit.entry[1]; });
    return Math.log(1 + Math.abs((count - withTerm + 0.5) / (withTerm + 0.5)));
  }

  // lunr.Builder's weight of a term in a field of a document, rounded as it rounds
  function lunrWeight(idf, tf, length, position) {
    var manifest = state.manifest;
    var average = manifest.lengths[position] / manifest.documents;
    var weight = idf * ((K1 + 1) * tf) / (K1 * (1 - B + B * (length / average)) + tf) * manifest.boosts[position];
    return Math.round(weight * 1000) / 1000;
  }

  // An entry's postings, [[field position, postings], …]: its head's, and its tail's blocks once loaded
  function postingLists(hit) {
    var entry = hit.entry;
    var lists = [];
    for (var k = 2; k + 1 < entry.length; k += 2) lists.push([entry[k], entry[k + 1]]);
    tailBlocks(hit).forEach(function (block) {
      var tail = state.tails[hit.tail + "-" + block] || [];
      for (var t = 0; t < tail.length; t += 2) lists.push([tail[t], tail[t + 1]]);
    });
    return lists;
  }

  // The blocks of an entry's tail that have a file (none for a term within the cap)
  function tailBlocks(hit) {
    return hit.entry.length % 2 ? hit.entry[hit.entry.length - 1][0] : [];
  }

  // The documents of a tier's block: [first, last + 1), numbered over the whole archive
  function blockRange(tier, block) {
    var end = block + 1 < tier.blocks.length ? tier.blocks[block + 1] : tier.documents;
    return [tier.start + tier.blocks[block], tier.start + end];
  }

  // lunr's scoring (`lunr.Index#query`, without its match metadata, which costs more than
  // the scoring itself) over the postings of the entries the query uses that are loaded,
  // with lunr.Builder's weights over the whole archive: BM25 over the manifest's document
  // count and total field lengths, in lunr's order of operations and rounding. Per field, a
  // document scores the dot product of the query vector with its weights, divided by the
  // query vector's length; its score is the sum over its fields. Vector elements of other
  // terms never count, so with the tails the query needs, the scores are the whole index's.
  // Only the documents the query's filters keep are scored (the others are not results).
  function scores(query) {
    var count = state.manifest.documents;
    var used = entriesFor(query);
    var asking = queryVectors(query, used);
    var kept = keptBy(query);
    // field -> document -> dot product, in arrays over every document (far faster than maps
    // for the tens of thousands of documents common words have), kept from one scoring to
    // the next and zeroed where it wrote (allocating megabytes at each would cost more, in
    // garbage collection, than the scoring); `touched` lists the documents with any
    var scratch = state.scratch || (state.scratch = { dots: [], seen: new Uint8Array(count) });
    var dots = state.manifest.fields.map(function () { return null; });
    var seen = scratch.seen;
    var touched = [];
    used.forEach(function (found, termIndex) {
      var idf = idfOf(found);
      found.entries.forEach(function (hit) {
        postingLists(hit).forEach(function (list) {
          var position = list[0];
          var asked = asking.vectors[position][termIndex];
          if (!asked) return;
          var dot = dots[position] ||
                    (dots[position] = scratch.dots[position] || (scratch.dots[position] = new Float64Array(count)));
          var flat = list[1];
          var doc = hit.tier.start;
          for (var i = 0; i < flat.length; i += 3) {
            doc += flat[i];
            if (kept && !kept[doc]) continue;
            dot[doc] += asked * lunrWeight(idf, flat[i + 1], flat[i + 2], position);
            if (!seen[doc]) { seen[doc] = 1; touched.push(doc); }
          }
        });
      });
    });
    var results = new Array(touched.length);
    for (var t = 0; t < touched.length; t++) {
      var doc = touched[t];
      var score = 0;
      for (var position = 0; position < dots.length; position++) {
        var dot = dots[position];
        if (!dot) continue;
        score += dot[doc] / asking.lengths[position] || 0;
        dot[doc] = 0;
      }
      seen[doc] = 0;
      results[t] = { ref: doc, score: score };
    }
    return results;
  }

  // The tails the query asks for that are not loaded, one item per block and field of
  // each, for the blocks that hold documents the query's filters may keep: its file, its
  // documents (`range`), the most a document there outside the head can gain from it (the
  // best weight its bounds allow, as the query weighs the field), and the head's documents.
  function openTails(query) {
    var used = entriesFor(query);
    var asking = queryVectors(query, used);
    var open = [];
    used.forEach(function (found, termIndex) {
      var idf = idfOf(found);
      found.entries.forEach(function (hit) {
        var blocks = tailBlocks(hit).filter(function (block) {
          return !state.tails[hit.tail + "-" + block] && mayPassFilters(query, blockRange(hit.tier, block));
        });
        if (!blocks.length) return;
        var entry = hit.entry;
        var bounds = entry[entry.length - 1];
        for (var k = 1; k < bounds.length; k += 2) {
          var position = bounds[k];
          var asked = asking.vectors[position][termIndex];
          if (!asked) continue;
          var frontier = bounds[k + 1];
          var most = 0;
          for (var i = 0; i < frontier.length; i += 2) {
            most = Math.max(most, lunrWeight(idf, frontier[i], frontier[i + 1], position));
          }
          var head = new Set();
          var flat = entry[entry.indexOf(position, 2) + 1];
          for (var doc = hit.tier.start, j = 0; j < flat.length; j += 3) head.add(doc += flat[j]);
          blocks.forEach(function (block) {
            open.push({ path: hit.tailPath + "-" + block + ".js", range: blockRange(hit.tier, block),
                        gain: asked * most / asking.lengths[position], head: head });
          });
        }
      });
    });
    return open;
  }

  function loadTails(open) {
    var paths = {};
    open.forEach(function (tail) { paths[tail.path] = true; });
    return Promise.all(Object.keys(paths).map(loadScript));
  }

  // Whether the `n` best of `results` (scored without the `open` tails) are the whole
  // index's `n` best, in order, as a threshold algorithm decides: a document's score is at
  // least what it has and at most that plus the bound of each open tail of its tier whose
  // head lacks it. They are if none of them could reach the score of the one before it, and
  // no other document, seen or not, could reach the n-th's (a tie counts as reaching).
  function provenBest(open, results, n) {
    if (!open.length) return true;
    var top = best(results, n);
    if (top.length < n) return false;
    function gain(doc) {
      var most = 0;
      open.forEach(function (tail) {
        if (doc >= tail.range[0] && doc < tail.range[1] && !tail.head.has(doc)) most += tail.gain;
      });
      return most;
    }
    // a document with nothing to gain has its exact score, and ranks among equals as it will;
    // the margin covers floating point sums in other orders
    function couldReach(result, score) {
      var most = gain(result.ref);
      return most > 0 && result.score + most >= score * (1 - 1e-12);
    }
    var last = top[n - 1].score;
    for (var i = 1; i < n; i++) {
      if (couldReach(top[i], top[i - 1].score)) return false;
    }
    var inTop = new Set(top.map(function (result) { return result.ref; }));
    if (results.some(function (result) { return !inTop.has(result.ref) && couldReach(result, last); })) return false;
    var most = {}; // a document no loaded posting holds: by block, all it could gain
    open.forEach(function (tail) { most[tail.range[0]] = (most[tail.range[0]] || 0) + tail.gain; });
    return Object.keys(most).every(function (block) { return most[block] < last * (1 - 1e-12); });
  }

  // Whether result `a` ranks before `b`: the higher score; among equals, the newest.
  function before(a, b) {
    return a.score > b.score || (a.score === b.score && a.ref > b.ref);
  }

  // The `n` best of `results`, best first, in one pass (sorting tens of thousands of
  // results to show twenty would take longer than the search).
  function best(results, n) {
    var top = [];
    results.forEach(function (result) {
      if (top.length === n && !before(result, top[n - 1])) return;
      var at = Math.min(top.length, n - 1);
      while (at > 0 && before(result, top[at - 1])) at--;
      top.splice(at, 0, result);
      if (top.length > n) top.pop();
    });
    return top;
  }

  function filterOnly(query) {
    var matches = [];
    for (var number = state.manifest.documents - 1; number >= 0 && matches.length < 500; number--) {
      if (passesFilters(query, number)) matches.push({ ref: number, score: 0 });
    }
    return matches;
  }

  // --- results --------------------------------------------------------------------------

  // Where a document's display record is: its tier's chunk (key and file) and place in it.
  function chunkOf(ref) {
    var number = Number(ref);
    var tiers = state.manifest.tiers;
    var tier = tiers[0];
    for (var i = 1; i < tiers.length && tiers[i].start <= number; i++) tier = tiers[i];
    var local = number - tier.start;
    var chunk = Math.floor(local / state.manifest.docsPerChunk);
    return { key: tier.name + "/" + chunk, path: "search/" + tier.name + "/docs/" + chunk + ".js",
             position: local % state.manifest.docsPerChunk };
  }

  function recordOf(ref) {
    var place = chunkOf(ref);
    var chunk = state.docs[place.key];
    return chunk ? chunk[place.position] : null;
  }

  function loadRecords(results) {
    var paths = {};
    results.forEach(function (result) { paths[chunkOf(result.ref).path] = true; });
    return Promise.all(Object.keys(paths).map(loadScript));
  }

  function element(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }

  function appendWithMath(parent, text) {
    var pattern = /(^|[^\\])\$((?:\\.|[^$\\])+?)\$/g;
    var last = 0;
    var match;
    while ((match = pattern.exec(text))) {
      var start = match.index + match[1].length;
      parent.appendChild(document.createTextNode(text.slice(last, start)));
      parent.appendChild(element("span", "math inline", match[2]));
      last = start + match[2].length + 2;
    }
    parent.appendChild(document.createTextNode(text.slice(last)));
  }

  function snippet(abstract, query) {
    var wanted = Object.create(null);
    query.stems.concat(query.words).forEach(function (word) { wanted[word] = true; });
    var tokens = abstract.split(/(\s+)/);
    var matches = [];
    tokens.forEach(function (token, position) {
      var tokenWords = words(token);
      var hit = tokenWords.some(function (word) { return wanted[word] || wanted[stem(word) || ""]; });
      if (hit) matches.push(position);
    });
    var start = matches.length ? Math.max(0, matches[0] - 24) : 0;
    var end = Math.min(tokens.length, start + 70);
    var paragraph = element("p", "snippet");
    if (start > 0) paragraph.appendChild(document.createTextNode("… "));
    for (var i = start; i < end; i++) {
      if (matches.indexOf(i) >= 0) paragraph.appendChild(element("mark", null, tokens[i]));
      else paragraph.appendChild(document.createTextNode(tokens[i]));
    }
    if (end < tokens.length) paragraph.appendChild(document.createTextNode(" …"));
    return paragraph;
  }

  // `2022-09-29` -> `29 September 2022`
  function longDate(iso) {
    var parts = iso.split("-");
    return Number(parts[2]) + " " + MONTHS[Number(parts[1]) - 1] + " " + parts[0];
  }

  function resultItem(record, query) {
    var id = record[0], path = record[1], title = record[2], authors = record[3], more = record[4];
    var date = record[5], categories = record[6], abstract = record[7];
    var item = element("li", "paper-item");
    var link = element("a", "paper-title");
    link.href = state.root + path;
    appendWithMath(link, title);
    item.appendChild(link);
    var names = authors.join(", ") + (more ? " and " + more + " more" : "");
    item.appendChild(element("div", "meta authors", names));
    var meta = element("div", "meta small");
    meta.appendChild(element("span", "id", "arXiv:" + id));
    categories.slice(0, 4).forEach(function (code, position) {
      meta.appendChild(element("span", position === 0 ? "tag primary" : "tag", code));
    });
    var time = element("time", null, longDate(date));
    time.setAttribute("datetime", date);
    meta.appendChild(time);
    item.appendChild(meta);
    item.appendChild(snippet(abstract, query));
    return item;
  }

  // Shows the next `count` results (their display records loaded first); `done` once they are.
  function showMore(query, generation, count) {
    var batch = state.results.slice(state.shown, state.shown + count);
    return loadRecords(batch).then(function () {
      if (generation !== state.generation) return;
      var list = document.getElementById("search-results");
      batch.forEach(function (result) {
        var record = recordOf(result.ref);
        if (record) list.appendChild(resultItem(record, query));
      });
      state.shown += batch.length;
      typesetMath(list);
    });
  }

  // The first results are shown as soon as their records are in, the rest of the page after:
  // <body data-search-shown="N"> marks the first ones shown (N counts searches).
  // `beforeRest`, if given, runs between the two (it may rank the rest again).
  function showPage(query, generation, beforeRest) {
    return showMore(query, generation, FIRST).then(function () {
      if (generation !== state.generation) return;
      document.body.dataset.searchShown = String(generation);
      return beforeRest && beforeRest();
    }).then(function () {
      if (generation !== state.generation) return;
      return showMore(query, generation, PAGE - FIRST);
    }).then(function () {
      document.getElementById("search-more").hidden = state.shown >= state.all.length;
    });
  }

  // KaTeX (about 80 KB gzipped) is loaded the first time a result shows math, not with the page.
  function typesetMath(list) {
    if (!window.sitegen || !list.querySelector(".math:not([data-typeset])")) return;
    if (!state.katex) {
      var stylesheet = document.createElement("link");
      stylesheet.rel = "stylesheet";
      stylesheet.href = state.root + state.katexPath + "/katex.min.css";
      document.head.appendChild(stylesheet);
      state.katex = loadScript(state.katexPath + "/katex.min.js");
    }
    state.katex.then(function () { window.sitegen.typesetMath(list); }, function () { /* math stays as TeX */ });
  }

  // `1,234 papers`
  function paperCount(count) {
    // (not toLocaleString: its first call loads the browser's locale data, tens of ms)
    return String(count).replace(/\B(?=(\d{3})+$)/g, ",") + (count === 1 ? " paper" : " papers");
  }

  function setStatus(text) {
    document.getElementById("search-status").textContent = text;
  }

  // Every search ends by marking <body data-search-done="N"> (N counts searches), so a
  // script or test can tell when the page shows the outcome, whatever it is.
  function finish(generation, status) {
    setStatus(status);
    document.body.dataset.searchDone = String(generation);
  }

  function search(text, typing) {
    var generation = ++state.generation;
    var list = document.getElementById("search-results");
    var started = performance.now();
    state.query = text;
    list.textContent = "";
    state.results = [];
    state.all = [];
    state.shown = 0;
    document.getElementById("search-more").hidden = true;
    if (!text.trim()) {
      finish(generation, "Type to search. The index loads only the parts a query needs.");
      return Promise.resolve();
    }
    var query = parseQuery(text, typing);
    var rankRest = null; // set when only the first results are proven before the tails load
    state.typing = typing;
    if (!query.clauses.length && !query.filters.length) {
      finish(generation, "Nothing to search for in “" + text + "”: try a word from a title, an author's name or an arXiv id.");
      return Promise.resolve();
    }
    return loadQueryFiles(query).then(function () {
      if (generation !== state.generation) return;
      if (!query.clauses.length) { state.all = filterOnly(query); return []; }
      // the heads first: their best results are shown at once if the tails cannot change
      // them (the page, or its first results, then the rest once the tails are in); else the
      // tails load, and with them the heads' first results' records (the tails seldom change
      // those, so the results usually show without another round of loading)
      state.all = scores(query);
      var open = openTails(query);
      if (provenBest(open, state.all, PAGE)) return open;
      if (provenBest(open, state.all, FIRST)) {
        rankRest = function () {
          return loadTails(open).then(function () {
            if (generation !== state.generation) return;
            state.all = scores(query);
            state.results = best(state.all, PAGE); // the first ones stay as they are
          });
        };
        return open;
      }
      return Promise.all([loadTails(open), loadRecords(best(state.all, FIRST))]).then(function () {
        state.all = scores(query);
        return [];
      });
    }).then(function (open) {
      if (generation !== state.generation) return;
      state.results = best(state.all, PAGE);
      if (!state.all.length) {
        finish(generation, "No papers match “" + text + "”. Try fewer or different words, or check the spelling.");
        return;
      }
      return showPage(query, generation, rankRest).then(function () {
        if (generation !== state.generation || !open || !open.length) return;
        // the count needs every document of the tails: loaded after the first results
        setStatus("At least " + paperCount(state.all.length) + " found; counting the rest…");
        document.getElementById("search-more").hidden = true; // the rest ranked once all are in
        return loadTails(open).then(function () {
          if (generation !== state.generation) return;
          state.all = scores(query);
          document.getElementById("search-more").hidden = state.shown >= state.all.length;
        });
      }).then(function () {
        if (generation !== state.generation) return;
        finish(generation, paperCount(state.all.length) + " found in " +
                           Math.max(1, Math.round(performance.now() - started)) + " ms.");
      });
    }).catch(function (error) {
      if (generation !== state.generation) return;
      if (!error.searchData) console.error(error); // a bug, not a missing file: let it be seen
      finish(generation, error.searchData ? "Search data could not be loaded (" + error.message +
             "). Rebuild the site and try again." : "The search failed: " + error.message);
    });
  }

  function loadManifest() {
    return loadScript("search/manifest.js").then(function () {
      state.stopWords = state.stopWords || new Set(state.manifest.stopWords);
      state.filters = state.filters || filtersOf(state.manifest);
    });
  }

  // Documents are numbered by tier (the day first listed) and then by year: the highest
  // numbers are the newest papers, so the candidates are the highest-numbered matches,
  // sorted by date once their records are loaded.
  function newestMatching(text, count, name) {
    var query = parseQuery(text);
    if (!query.clauses.length) return Promise.resolve([]);
    var required = query.clauses.filter(function (clause) {
      return clause.wildcard === lunr.Query.wildcard.NONE &&
             clause.fields.some(function (field) { return field !== "name" && field !== "phrase"; });
    }).map(function (clause) { return clause.term; });
    if (name) {
      // the name's terms joined, as sitegen/search.py's `name` field holds each author
      var whole = words(name).map(function (word) { return stem(word) || word; }).join(" ");
      addClause(query, whole, ["name"]);
      required.push(whole);
    }
    return loadQueryFiles(query).then(function () {
      return loadTails(openTails(query)); // the newest papers with a common word are mostly in its tail
    }).then(function () {
      var holding = documentsByTerm(query);
      var candidates = scores(query).filter(function (result) {
        return required.every(function (term) { return holding[term] && holding[term].has(result.ref); });
      }).sort(function (a, b) { return b.ref - a.ref; }).slice(0, count * 3);
      return loadRecords(candidates).then(function () {
        return candidates.map(function (result) { return recordOf(result.ref); }).filter(Boolean)
          .map(function (record) {
            return { id: record[0], path: record[1], title: record[2], authors: record[3], more: record[4],
                     date: record[5] };
          })
          .sort(function (a, b) { return a.date < b.date ? 1 : a.date > b.date ? -1 : (a.id < b.id ? 1 : -1); })
          .slice(0, count);
      });
    });
  }

  // term -> the documents that hold it, in any field, among the entries the query uses
  function documentsByTerm(query) {
    var holding = Object.create(null);
    entriesFor(query).forEach(function (found) {
      var documents = holding[found.term] = new Set();
      found.entries.forEach(function (hit) {
        postingLists(hit).forEach(function (list) {
          var doc = hit.tier.start;
          var flat = list[1];
          for (var i = 0; i < flat.length; i += 3) documents.add(doc += flat[i]);
        });
      });
    });
    return holding;
  }

  // While the reader types, the files the words already ended by a space need (directory
  // pages, shards, filter lists) start loading at once, not when the search runs 120 ms
  // after the last key: the search then finds them loaded or on their way.
  function prefetch(text) {
    if (!state.manifest) return;
    var query = parseQuery(text.replace(/\S*$/, ""));
    if (!query.clauses.length && !query.filters.length) return;
    loadQueryFiles(query).catch(function () { /* the search itself says what could not be loaded */ });
  }

  function start() {
    var form = document.querySelector("form[data-search-root]");
    if (!form) return;
    state.root = form.getAttribute("data-search-root");
    state.katexPath = form.getAttribute("data-katex");
    var input = document.getElementById("search-query");
    var timer = null;
    loadManifest().then(function () {
      // what the reader typed while the manifest loaded wins over the address's ?q=
      var initial = input.value || new URLSearchParams(window.location.search).get("q") || "";
      input.value = initial;
      document.body.dataset.searchReady = "1";
      search(initial);
    }, function () {
      finish(++state.generation, "The search index is missing: build the site with `sitegen build`.");
    });
    input.addEventListener("input", function () {
      prefetch(input.value);
      clearTimeout(timer);
      timer = setTimeout(function () {
        if (!state.manifest || input.value === state.query) return; // Enter ran it already
        search(input.value, true);
        try {
          var url = new URL(window.location.href);
          url.searchParams.set("q", input.value);
          window.history.replaceState(null, "", url.toString());
        } catch (error) { /* some file:// contexts refuse history changes: the search still runs */ }
      }, 120);
    });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      clearTimeout(timer);
      if (state.manifest) search(input.value);
    });
    document.getElementById("search-more").addEventListener("click", function () {
      if (state.results.length < state.all.length) { // the rest ranked only now, once
        state.results = state.all.slice().sort(function (a, b) { return before(a, b) ? -1 : before(b, a) ? 1 : 0; });
      }
      showPage(parseQuery(state.query, state.typing), state.generation);
    });
  }

  document.addEventListener("DOMContentLoaded", start);
})();
