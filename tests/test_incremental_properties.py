"""Hypothesis: random sequences of digest edits (entries added, changed and removed, days
added and removed) and template edits, each followed by an incremental build, which must
give exactly the output of a clean build of the same input, file for file and byte for
byte, for every page kind.

The archive is small but has every kind of page and the cases that make fingerprints hard:
categories of several pages (`per_page: 2`), papers listed on several days and in two
categories, new versions, authors whose names share a slug, a paper whose author list is
cut, venues, dates over two years.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from unittest import mock

from hypothesis import HealthCheck, given, settings, strategies as st

from sitegen import cache
from sitegen.kinds import KINDS, templates
from sitegen.themes import DEFAULT_THEME

from conftest import make_config, quiet_build
from test_incremental import snapshot

DAYS = ["2021-12-30", "2022-01-03", "2022-09-28", "2022-09-29", "2022-09-30"]
CATEGORIES = ["cs.CV", "cs.LG"]
AUTHOR_LISTS = [
    "Ada Lovelace",
    "Ada Lovelace, José García",
    "Jose Garcia, Emmy Noether",  # the same slug as José García: one of them is renamed
    "Emmy Noether, Carl Gauss, Ada Lovelace",
    ", ".join(f"Member {chr(ord('A') + n)}" for n in range(13)) + ", Ada Lovelace",  # cut before Ada
]
PAPER_CATEGORIES = ["**cs.CV**", "**cs.LG**, cs.CV", "**cs.CV**, eess.IV"]
PUBLISHED = ["2021-12-29 10:00:00+00:00", "2022-01-02 10:00:00+00:00", "2022-09-27 10:00:00+00:00"]
COMMENTS = ["None", "Accepted to CVPR 2023", "Submitted to TPAMI"]
ANCHORS = {  # where a template edit goes: a comment after (or, for the first two, before) this text
    "base.html": '<footer class="wrap footer">',
    "_macros.html": '<a class="paper-title"',
}
TEMPLATES = ["base.html", "_macros.html"] + templates()

entries = st.tuples(
    st.integers(0, 11),  # the paper: the ones the site starts with, and one more
    st.integers(1, 2),  # its version
    st.integers(0, 2),  # title
    st.integers(0, len(AUTHOR_LISTS) - 1),
    st.integers(0, len(PAPER_CATEGORIES) - 1),
    st.integers(0, len(PUBLISHED) - 1),
    st.integers(0, len(COMMENTS) - 1),
)
digests = st.tuples(st.sampled_from(DAYS), st.sampled_from(CATEGORIES))
edits = st.one_of(
    st.tuples(st.just("add"), digests, st.integers(0, 9), entries),  # an entry, in a new digest or day too
    st.tuples(st.just("change"), st.integers(0, 99), st.integers(0, 99), entries),
    st.tuples(st.just("remove"), st.integers(0, 99), st.integers(0, 99)),
    st.tuples(st.just("remove day"), st.sampled_from(DAYS)),
    st.tuples(st.just("template"), st.sampled_from(TEMPLATES), st.integers(0, 2)),  # 0: the default again
)


def entry_text(entry: tuple) -> str:
    number, version, title, authors, categories, published, comment = entry
    paper_id = f"2209.{10000 + number}"
    return (f"### Paper {number}, title {title}: $x^{title}$\n"
            f"- **Arxiv ID**: http://arxiv.org/abs/{paper_id}v{version}\n"
            f"- **DOI**: None\n"
            f"- **Categories**: {PAPER_CATEGORIES[categories]}\n"
            f"- **Links**: [PDF](http://arxiv.org/pdf/{paper_id}v{version})\n"
            f"- **Published**: {PUBLISHED[published]}\n"
            f"- **Updated**: {PUBLISHED[published]}\n"
            f"- **Authors**: {AUTHOR_LISTS[authors]}\n"
            f"- **Comment**: {COMMENTS[comment]}\n"
            f"- **Journal**: None\n"
            f"- **Summary**: Summary of {paper_id} v{version}.\n\n")


class Site:
    """The content and theme folders as the edits leave them."""

    def __init__(self, root: Path):
        self.content = root / "content"
        self.templates = root / "themes" / "mine" / "templates"
        self.templates.mkdir(parents=True)
        self.digests: dict[tuple[str, str], list[tuple]] = {
            (day, category): [(n, 1, 0, n % len(AUTHOR_LISTS), n % len(PAPER_CATEGORIES), n % len(PUBLISHED), n % 3)
                              for n in range(first, first + 3)]
            # days that share no paper (paper 5 is in both categories of a day): a day's
            # page must change with its neighbours alone
            for first, (day, category) in zip([0, 3, 5, 8], [(DAYS[2], "cs.CV"), (DAYS[3], "cs.CV"),
                                                             (DAYS[3], "cs.LG"), (DAYS[4], "cs.CV")])}
        self.write()

    def apply(self, edit: tuple) -> None:
        kind = edit[0]
        keys = sorted(self.digests)
        if kind == "add":
            _, key, position, entry = edit
            listed = self.digests.setdefault(key, [])
            listed.insert(position % (len(listed) + 1), entry)
        elif kind in ("change", "remove") and keys:
            listed = self.digests[keys[edit[1] % len(keys)]]
            if listed:
                position = edit[2] % len(listed)
                if kind == "change":
                    listed[position] = edit[3]
                else:
                    del listed[position]
        elif kind == "remove day":
            for key in [key for key in keys if key[0] == edit[1]]:
                del self.digests[key]
        elif kind == "template":
            self.edit_template(edit[1], edit[2])
        self.write()

    def edit_template(self, name: str, variant: int) -> None:
        override = self.templates / name
        if variant == 0:
            override.unlink(missing_ok=True)
            return
        source = (DEFAULT_THEME / "templates" / name).read_text(encoding="utf-8")
        mark = f"<!-- edit {variant} -->"
        anchor = ANCHORS.get(name)
        edited = source.replace(anchor, mark + anchor, 1) if anchor else \
            source.replace("{% block main %}", "{% block main %}" + mark, 1)
        assert edited != source, name
        override.write_text(edited, encoding="utf-8")

    def write(self) -> None:
        shutil.rmtree(self.content, ignore_errors=True)
        for (day, category), listed in self.digests.items():
            path = self.content / category / f"{day.replace('-', '')}.md"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(f"# Arxiv Papers in {category} on {day}\n" + "".join(map(entry_text, listed)),
                            encoding="utf-8")


def config_of(site: Site, root: Path):
    return make_config(root, site.content, per_page=2, theme="mine", themes_dir=str(site.templates.parent.parent))


@settings(max_examples=10, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(edits, min_size=1, max_size=4), journal=st.booleans())
def test_every_incremental_build_gives_what_a_clean_build_gives(steps: list[tuple], journal: bool):
    """(`journal`: the pages each update reads go beside the reads' base, as at archive
    scale, rather than into a new base, as the share of them in this small site does.)"""
    root = Path(tempfile.mkdtemp(prefix="sitegen-incremental-"))
    try:
        with mock.patch.object(cache, "READS_SHARE", 100.0 if journal else cache.READS_SHARE):
            site = Site(root)
            incremental = config_of(site, root / "incremental")
            first = quiet_build(incremental)
            assert set(first.pages) == {kind.name for kind in KINDS}  # every kind is exercised
            for number, edit in enumerate(steps):
                site.apply(edit)
                quiet_build(incremental)
                clean = config_of(site, root / f"clean-{number}")
                quiet_build(clean)
                assert snapshot(incremental.output_path) == snapshot(clean.output_path), (number, edit)
    finally:
        shutil.rmtree(root, ignore_errors=True)
