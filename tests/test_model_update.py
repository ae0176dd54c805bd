"""Hypothesis: the model an update patches (`archive.updated`, from the model a build kept
and the digest files that came and went) is exactly the archive a clean build makes of
the same digests, after random sequences of digests and entries added, changed and
removed, with the kept model as old as several updates; and the papers the last build
had (`archive.papers_before`) are the ones its digests give."""

from __future__ import annotations

import hashlib
import pickle

from hypothesis import HealthCheck, given, settings, strategies as st

from sitegen.archive import Modelled, build_archive, kept_model, modelled, papers_before, updated
from sitegen.digest import parse_digest
from sitegen.slugs import slugify

DAYS = ["2021-12-30", "2022-01-03", "2022-09-28", "2022-09-29"]
CATEGORIES = ["cs.CV", "cs.LG", "<b>"]  # the last is no arXiv category: no page, no paper in it
SHORT_HASH = hashlib.blake2b("Jose Garcia".encode("utf-8"), digest_size=8).hexdigest()[:6]
NAMES = [
    "Ada Lovelace", "José García", "Jose Garcia", "JOSE GARCIA",  # three names, one slug
    f"Jose Garcia {SHORT_HASH}",  # a base that is the hashed slug Jose Garcia gets when he is not first
    "Emmy Noether", "Carl Gauss", "Émilie du Châtelet", "Emilie du Chatelet",
]
PUBLISHED = ["2021-12-29 10:00:00+00:00", "2022-01-02 10:00:00+00:00", "2022-09-27 10:00:00+00:00"]
COMMENTS = ["None", "Accepted to CVPR 2023", "Accepted at CVPR 2022", "Accepted to CVPR", "Accepted at ICCV 2021",
            "Submitted to TPAMI"]

entries = st.tuples(
    st.integers(0, 9),  # the paper
    st.integers(1, 2),  # its version
    st.integers(0, 2),  # title
    st.lists(st.integers(0, len(NAMES) - 1), min_size=1, max_size=3),
    st.sampled_from(["**cs.CV**", "**cs.LG**, cs.CV", "**eess.IV**"]),
    st.integers(0, len(PUBLISHED) - 1),  # published
    st.integers(0, 1),  # updated: a day after published or not (two versions can tie)
    st.integers(0, len(COMMENTS) - 1),
)
digests = st.tuples(st.sampled_from(DAYS + [None]), st.sampled_from(CATEGORIES),
                    st.lists(entries, max_size=4))
edits = st.one_of(
    st.tuples(st.just("add file"), st.integers(0, 99), digests),
    st.tuples(st.just("remove file"), st.integers(0, 99)),
    st.tuples(st.just("add entry"), st.integers(0, 99), st.integers(0, 9), entries),
    st.tuples(st.just("change entry"), st.integers(0, 99), st.integers(0, 9), entries),
    st.tuples(st.just("remove entry"), st.integers(0, 99), st.integers(0, 9)),
)


def entry_text(entry: tuple) -> str:
    number, version, title, authors, categories, published, later, comment = entry
    paper_id = f"2209.{10000 + number}"
    updated = PUBLISHED[published].replace("10:00", "11:00") if later else PUBLISHED[published]
    return (f"### Paper {number}, title {title}\n"
            f"- **Arxiv ID**: http://arxiv.org/abs/{paper_id}v{version}\n"
            f"- **DOI**: None\n"
            f"- **Categories**: {categories}\n"
            f"- **Links**: [PDF](http://arxiv.org/pdf/{paper_id}v{version})\n"
            f"- **Published**: {PUBLISHED[published]}\n"
            f"- **Updated**: {updated}\n"
            f"- **Authors**: {', '.join(NAMES[name] for name in authors)}\n"
            f"- **Comment**: {COMMENTS[comment]}\n"
            f"- **Journal**: None\n"
            f"- **Summary**: Summary of {paper_id} v{version}.\n\n")


class Files:
    """Digest files in reading order, each under a content key that changes with its text."""

    def __init__(self):
        self.files: list[tuple[str | None, str, list[tuple]]] = [
            ("2022-09-28", "cs.CV", [(0, 1, 0, [0, 1], "**cs.CV**", 2, 0, 1), (1, 1, 0, [2, 5], "**cs.CV**", 2, 0, 0)]),
            ("2022-09-29", "cs.LG", [(2, 1, 0, [3, 6], "**cs.LG**, cs.CV", 1, 0, 2)]),
        ]
        self.made = 0
        self.keys = [self.key() for _ in self.files]

    def key(self) -> str:
        self.made += 1
        return f"key-{self.made}"

    def apply(self, edit: tuple) -> None:
        kind, where = edit[0], edit[1]
        if kind == "add file":
            position = where % (len(self.files) + 1)
            self.files.insert(position, edit[2])
            self.keys.insert(position, self.key())
            return
        if not self.files:
            return
        index = where % len(self.files)
        if kind == "remove file":
            del self.files[index], self.keys[index]
            return
        day, category, listed = self.files[index]
        listed = list(listed)
        if kind == "add entry":
            listed.insert(edit[2] % (len(listed) + 1), edit[3])
        elif listed and kind == "change entry":
            listed[edit[2] % len(listed)] = edit[3]
        elif listed:
            del listed[edit[2] % len(listed)]
        self.files[index] = (day, category, listed)
        self.keys[index] = self.key()

    def parsed(self) -> dict:
        return {key: parse_digest((f"# Arxiv Papers in {category} on {day}\n" if day else "")
                                  + "".join(map(entry_text, listed)), f"{category}/{day}.md", None)
                for key, (day, category, listed) in zip(self.keys, self.files)}


def assert_same(archive, clean) -> None:
    """Equal records, in the same order."""
    for field in ("papers", "days", "categories", "authors", "venues"):
        assert list(getattr(archive, field).items()) == list(getattr(clean, field).items()), field
    assert [list(group.years.items()) for group in archive.venues.values()] == \
        [list(group.years.items()) for group in clean.venues.values()]  # years newest first
    assert (archive.entries, archive.merged) == (clean.entries, clean.merged)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(st.tuples(edits, st.booleans()), min_size=1, max_size=8))
def test_an_updated_model_is_the_model_of_all_digests(steps):
    files = Files()
    every: dict = files.parsed()  # every digest ever made, by key: what the cache may hand out
    kept = pickle.dumps(kept_model(modelled(every)), protocol=5)  # the model kept as the cache keeps it (in columns)
    last = dict(every)
    for edit, keep in steps:
        files.apply(edit)
        now = files.parsed()
        every.update(now)
        base: Modelled = pickle.loads(kept)
        touched = {entry.id for key in now.keys() ^ last.keys() for entry in every[key].entries
                   if every[key].day is not None}
        before = papers_before(base, list(last), touched, every.get)
        assert before == {paper_id: paper for paper_id, paper in build_archive(last.values()).papers.items()
                          if paper_id in touched}
        model = updated(base, list(now), every.get)
        clean = build_archive(now.values())
        assert_same(model.archive, clean)
        if keep:
            kept = pickle.dumps(kept_model(model), protocol=5)
        last = now


def test_the_hashed_slug_a_name_would_get_is_a_base_here():
    """The case the names above make: a base that looks hashed (`_patched_slugs` makes the
    slugs afresh then), and is the very slug `Jose Garcia` gets after `José García`."""
    assert slugify(NAMES[4]) == f"jose-garcia-{SHORT_HASH}"


def test_a_missing_digest_is_told():
    files = Files()
    base = modelled(files.parsed())
    files.apply(("remove file", 0))
    assert updated(base, list(files.parsed()), {}.get) is None
