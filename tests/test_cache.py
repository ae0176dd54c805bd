"""The build state: a base written now and then, and a head of what changed since it.

In the small fixture an update changes more than a tenth of the files, so each build
writes a new base; here the share is raised, so the updates go into the head as they
do at archive scale, where a day changes a few thousand of a million files."""

from __future__ import annotations

import shutil
import tempfile
from datetime import date
from pathlib import Path

import pytest
from hypothesis import settings, strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from conftest import SITE_CONTENT, make_config, quiet_build
from sitegen import cache, folders
from sitegen.cache import BuildState, Cache, content_hash
from sitegen.dependencies import Recorded
from test_incremental import DAY, clean_build, snapshot


@pytest.fixture
def content(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(SITE_CONTENT, folder)
    return folder


def assert_state_describes_the_output(config) -> None:
    """What the state says the served folder holds is what it holds, byte for byte."""
    state = Cache(config.path(config.cache_dir)).load(config.output_path)
    files = {path: data for path, data in snapshot(config.output_path).items() if path != folders.MARK}
    assert state.served is not None and set(state.served) == set(files)
    assert all(state.served[path].endswith(content_hash(data)) for path, data in files.items())


def test_updates_go_into_the_head_and_keep_the_state_true(tmp_path: Path, content: Path, monkeypatch):
    monkeypatch.setattr(cache, "BASE_SHARE", 100.0)
    config = make_config(tmp_path / "site", content=content)
    quiet_build(config)
    bases = sorted(config.path(config.cache_dir).glob("state-*.sqlite"))
    held_back = tmp_path / "held-back.md"
    edited = content / "cs.CV/2022/09/20220928.md"
    for change in (lambda: shutil.move(content / DAY, held_back),  # a day removed, added back, a paper edited
                   lambda: shutil.move(held_back, content / DAY),
                   lambda: edited.write_text(edited.read_text(encoding="utf-8").replace("### ", "### Revised: ", 1),
                                             encoding="utf-8")):
        change()
        result = quiet_build(config)
        assert 0 < result.rendered < sum(result.pages.values())
        assert sorted(config.path(config.cache_dir).glob("state-*.sqlite")) == bases  # the base was not written
        assert_state_describes_the_output(config)
    assert snapshot(config.output_path) == clean_build(tmp_path, content)


def test_past_the_share_the_base_is_written_again_and_the_old_one_deleted(tmp_path: Path, content: Path):
    config = make_config(tmp_path / "site", content=content)
    quiet_build(config)
    before = sorted(config.path(config.cache_dir).glob("state-*.sqlite"))
    shutil.move(content / DAY, tmp_path / "held-back.md")  # a third of the fixture: past a tenth of its files
    quiet_build(config)
    after = sorted(config.path(config.cache_dir).glob("state-*.sqlite"))
    assert len(before) == len(after) == 1 and before != after
    assert_state_describes_the_output(config)


@pytest.mark.parametrize("kept", ["state-*.sqlite", "tier-*"])  # the state's base; the search tiers' paths
def test_a_missing_base_or_tier_file_gives_a_full_and_identical_build(tmp_path: Path, content: Path, kept: str):
    config = make_config(tmp_path / "site", content=content)
    quiet_build(config)
    for file in config.path(config.cache_dir).glob(kept):
        file.unlink()
    edited = content / DAY
    edited.write_text(edited.read_text(encoding="utf-8").replace("nothing unusual", "nothing new"), encoding="utf-8")
    result = quiet_build(config)
    assert result.rendered == sum(result.pages.values())
    assert snapshot(config.output_path) == clean_build(tmp_path, content)
    assert_state_describes_the_output(config)


def test_a_settings_change_keeps_the_search_data_it_did_not_change(tmp_path: Path, content: Path, monkeypatch):
    """Every page is planned again (the settings are in every fingerprint), but the search
    tiers, which do not show the title, stay: none is made again and none is removed."""
    config = make_config(tmp_path / "site", content=content)
    quiet_build(config)

    def fail(*args, **kwargs):
        raise AssertionError("the search data was built again though no paper changed")

    monkeypatch.setattr("sitegen.build.tier_files", fail)
    result = quiet_build(config.with_changes(title="Another title"))
    monkeypatch.undo()
    assert result.rendered == sum(result.pages.values())
    assert any(path.startswith("search/") and path.count("/") > 1 for path in snapshot(config.output_path))
    assert snapshot(config.output_path) == clean_build(tmp_path, content, title="Another title")
    assert_state_describes_the_output(config)


class ManifestAgainstADict(RuleBasedStateMachine):
    """A `Manifest` (a base written by the cache, the changes held in memory) answers as
    the dictionary it stands for, whatever is set, deleted and asked."""

    paths = st.sampled_from([f"p{number}.html" for number in range(12)])
    versions = st.sampled_from(["a", "b", "c"])

    def __init__(self):
        super().__init__()
        self.folder = Path(tempfile.mkdtemp())
        self.cache = Cache(self.folder)
        self.expected: dict[str, str] = {f"p{number}.html": "a" for number in range(0, 12, 2)}
        self.cache.save(BuildState(served=dict(self.expected), output="out"))
        self.manifest = self.cache.load(Path("out")).served
        assert isinstance(self.manifest, cache.Manifest)

    @rule(path=paths, version=versions)
    def set(self, path, version):
        self.manifest[path] = version
        self.expected[path] = version

    @rule(path=paths)
    def delete(self, path):
        if path in self.expected:
            del self.manifest[path]
            del self.expected[path]
        else:
            with pytest.raises(KeyError):
                del self.manifest[path]

    @rule(files=st.dictionaries(paths, versions, max_size=8))
    def update(self, files):
        self.manifest.update(files)
        self.expected.update(files)

    @rule()
    def save_and_load_again(self):
        state = BuildState(served=self.manifest, output="out")
        self.cache.save(state, changed=list(self.manifest.changes))
        self.manifest = self.cache.load(Path("out")).served

    @invariant()
    def answers_as_the_dictionary(self):
        assert len(self.manifest) == len(self.expected)
        assert dict(self.manifest.items()) == self.expected
        assert sorted(self.manifest) == sorted(self.expected)
        for number in range(12):
            path = f"p{number}.html"
            assert (path in self.manifest) == (path in self.expected)
            assert self.manifest.get(path) == self.expected.get(path)

    def teardown(self):
        shutil.rmtree(self.folder)


TestManifestAgainstADict = ManifestAgainstADict.TestCase
TestManifestAgainstADict.settings = settings(max_examples=40, stateful_step_count=25, deadline=None)


def test_a_search_tier_kept_by_an_update_is_not_written_into_the_state_again(tmp_path: Path, content: Path):
    """The tiers' paths are kept in files of their own, written when a tier is made: an
    update that keeps a tier leaves its file as it was, and a tier made again replaces it."""
    september = (content / "cs.CV/2022/09/20220928.md").read_text(encoding="utf-8")
    october = content / "cs.CV/2022/10/20221003.md"  # a tier of its own, after September's
    october.parent.mkdir()
    october.write_text(september.replace("cs.CV on 2022-09-28", "cs.CV on 2022-10-03")
                       .replace("2209.14001", "2210.00001"), encoding="utf-8")
    config = make_config(tmp_path / "site", content=content)
    cache_folder = config.path(config.cache_dir)
    quiet_build(config)
    before = {path.name: path.stat().st_mtime_ns for path in cache_folder.glob("tier-*")}
    october.write_text(october.read_text(encoding="utf-8").replace("### ", "### Revised: ", 1), encoding="utf-8")
    quiet_build(config)
    after = {path.name: path.stat().st_mtime_ns for path in cache_folder.glob("tier-*")}
    assert len(before) == len(after) == 2
    kept = before.keys() & after.keys()
    assert len(kept) == 1 and all(before[name] == after[name] for name in kept)
    assert_state_describes_the_output(config)
    state = Cache(cache_folder).load(config.output_path)
    tier_files = [(path, digest) for tier in state.search_tiers.values() for path, digest in tier.paths.items()]
    assert len(tier_files) > 2 and all(state.served[path] == digest for path, digest in tier_files)
    assert snapshot(config.output_path) == clean_build(tmp_path, content)


def reads_kept(folder: Path, token: str = "first") -> Cache:
    """A cache in `folder` that keeps a clean plan's reads: two pages share a key."""
    recorded = Recorded()
    recorded.note("papers/1.html", ["1", ("a", "Ada")])
    recorded.note("authors/ada.html", [("a", "Ada"), "1", "2"])
    recorded.note("papers/2.html", ["2", ("a", "Émilie")])
    kept = Cache(folder)
    kept.save_reads(recorded, token)
    return kept


@pytest.mark.parametrize("share", [0.0, 100.0])  # kept as a new base; as the pages read since the base
def test_a_page_read_again_keeps_only_what_it_read_last(tmp_path: Path, monkeypatch, share):
    monkeypatch.setattr(cache, "READS_SHARE", share)
    kept = reads_kept(tmp_path)
    recorded = kept.reads("first")
    recorded.note("authors/ada.html", [("a", "Ada"), "3"])  # "1" and "2" no longer listed
    recorded.note("papers/3.html", ["3", ("a", "Ada")])
    for reads in (recorded, kept.save_reads(recorded, "second") or kept.reads("second")):
        assert reads.reading(["1"]) == {"papers/1.html"}
        assert reads.reading(["2"]) == {"papers/2.html"}
        assert reads.reading(["3", ("a", "Émilie")]) == {"authors/ada.html", "papers/3.html", "papers/2.html"}
        assert reads.reading([("a", "Ada")]) == {"papers/1.html", "authors/ada.html", "papers/3.html"}
        assert reads.reading(["4"]) == set()
    assert kept.reads("first") is None  # kept for another build: not trusted
    assert len(list(tmp_path.glob("reads-*.base"))) == 1


def test_an_update_writes_the_pages_it_read_not_every_page(tmp_path: Path, content: Path, monkeypatch):
    """At archive scale a day reads again a few thousand pages of a million: the reads'
    base stays, and the next update finds what the pages it read read now."""
    monkeypatch.setattr(cache, "READS_SHARE", 100.0)
    config = make_config(tmp_path / "site", content=content)
    quiet_build(config)
    bases = sorted(config.path(config.cache_dir).glob("reads-*.base"))
    assert len(bases) == 1
    edited = content / DAY
    for old, new in (("nothing unusual", "nothing new"), ("nothing new", "nothing newer")):
        edited.write_text(edited.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
        result = quiet_build(config)
        assert 0 < result.rendered < 10
        assert sorted(config.path(config.cache_dir).glob("reads-*.base")) == bases
    assert snapshot(config.output_path) == clean_build(tmp_path, content)


def test_a_save_of_the_reads_stopped_halfway_leaves_the_reads_kept_before(tmp_path: Path, monkeypatch):
    kept = reads_kept(tmp_path)
    recorded = kept.reads("first")
    recorded.note("papers/1.html", ["2"])
    monkeypatch.setattr(cache, "READS_SHARE", 0.0)  # a new base written, then the build is stopped

    def stopped(*args):
        raise KeyboardInterrupt
    monkeypatch.setattr(Cache, "save_part", stopped)
    with pytest.raises(KeyboardInterrupt):
        kept.save_reads(recorded, "second")
    monkeypatch.undo()
    assert kept.reads("second") is None
    before = kept.reads("first")
    assert before.reading(["1"]) == {"papers/1.html", "authors/ada.html"}
    kept.save_reads(before, "third")  # the base the stopped save wrote, which no head names, goes
    assert len(list(tmp_path.glob("reads-*.base"))) == 1 and kept.reads("third").reading(["1"]) == \
        {"papers/1.html", "authors/ada.html"}


def test_a_missing_or_damaged_base_of_the_reads_gives_a_full_plan_and_the_clean_site(tmp_path: Path, content: Path):
    config = make_config(tmp_path / "site", content=content)
    quiet_build(config)
    edited = content / DAY
    for damage, (old, new) in ((lambda base: base.write_bytes(base.read_bytes()[:100]), ("nothing unusual", "nothing new")),
                               (Path.unlink, ("nothing new", "nothing newer"))):
        bases = list(config.path(config.cache_dir).glob("reads-*.base"))
        assert len(bases) == 1
        damage(bases[0])
        edited.write_text(edited.read_text(encoding="utf-8").replace(old, new), encoding="utf-8")
        quiet_build(config)
        assert snapshot(config.output_path) == clean_build(tmp_path, content)


def test_the_plans_pages_kept_with_the_reads_come_back_as_they_were(tmp_path: Path):
    routes = {"home": ([None], ["index.html"]), "venue_year": ([], []),
              "day": ([date(2022, 9, 28), date(2022, 9, 29)], ["days/2022-09-28.html", "days/2022-09-29.html"]),
              "author": (["Ada", "Émilie"], ["authors/ada.html", "authors/émilie.html"])}
    kept = reads_kept(tmp_path)
    recorded = kept.reads("first")
    recorded.routes, recorded.cased = routes, {"authors/ada.html": "authors/Ada.html"}
    kept.save_reads(recorded, "second")
    again = kept.reads("second")
    assert again.routes == routes and list(again.routes) == list(routes)
    assert again.cased == {"authors/ada.html": "authors/Ada.html"}
