"""An update plans only the pages that read what changed (`archive.changed_keys`, told
from the digest files that came and went, and the reads each page recorded), and every
page gets the fingerprint a clean plan gives it."""

from __future__ import annotations

from datetime import date
import shutil
from pathlib import Path

import pytest

from sitegen import cache, routes
from sitegen.archive import build_archive, changed_keys
from sitegen.cache import Cache
from sitegen.errors import BuildError
from sitegen.kinds import Pages, spliced
from sitegen.reader import read_content
from sitegen.routes import check_unique

from conftest import SITE_CONTENT, Watched, make_config


def keyed(content: Path) -> dict:
    return dict(read_content(content, {}).parsed)


def change_between(archive, before: dict, after: dict):
    """`changed_keys` from the last build's digests (by content key) to `after`'s `archive`."""
    files = [digest for key, digest in after.items() if key not in before] + \
            [digest for key, digest in before.items() if key not in after]
    return changed_keys(archive, files, build_archive(before.values()).papers)


def updated(plan, known: dict) -> dict:
    """Every page's fingerprint after an update's `plan`: the pages it read, and the others
    as the served folder knew them (`known`); the paths it removed gone."""
    assert not plan.removed & plan.fingerprints.keys()
    return {page.path: plan.fingerprints[page.path] if page.path in plan.fingerprints else known[page.path]
            for page in plan.pages()}


def kept(recorded, config):
    """`recorded` as the cache of `config`'s site keeps it and the next build loads it."""
    cache = Cache(config.path(config.cache_dir))
    cache.save_reads(recorded, "the last build")
    return cache.reads("the last build")


def planned_update(config, before: dict, after: dict):
    """The last build's plan of `before`, kept as the cache keeps it, then the update's
    plan of `after`: its pages, every page's fingerprint, the paths it removed, and the
    paths of the pages it read again."""
    last = Pages(build_archive(before.values()), config).plan("site", {})
    known, recorded = last.fingerprints, kept(last.recorded, config)
    archive = build_archive(after.values())
    plan = Pages(archive, config).plan("site", {}, known, recorded, change_between(archive, before, after))
    return plan.pages(), updated(plan, known), known, plan.removed, set(plan.fingerprints)


def assert_clean(config, before: dict, after: dict) -> set:
    """The update's plan is the clean plan, and it removes the pages the clean plan does
    not have; returns the paths it read again."""
    pages, fingerprints, known, removed, again = planned_update(config, before, after)
    clean = Pages(build_archive(after.values()), config).plan("site", {})
    assert pages == clean.pages()
    assert fingerprints == clean.fingerprints
    assert removed == known.keys() - clean.fingerprints.keys()
    return again


def kept_pages_that_changed(config, before: dict, after: dict) -> set:
    """The pages of both plans whose fingerprint differs: the ones an update must read again."""
    old = Pages(build_archive(before.values()), config).plan("site", {}).fingerprints
    new = Pages(build_archive(after.values()), config).plan("site", {}).fingerprints
    return {path for path in old.keys() & new.keys() if old[path] != new[path]}


@pytest.fixture(scope="module")
def files() -> dict:
    return keyed(SITE_CONTENT)


def test_adding_or_removing_any_one_file_plans_what_a_clean_build_plans(tmp_path, files):
    config = make_config(tmp_path, per_page=2)
    for key, digest in files.items():
        fewer = {k: digest for k, digest in files.items() if k != key}
        assert_clean(config, fewer, files)
        assert_clean(config, files, fewer)
        # each file's papers change pages that both plans have: a page not read again shows
        assert not digest.entries or kept_pages_that_changed(config, files, fewer)


def test_an_edited_entry_reads_its_paper_again_not_the_others(tmp_path, files):
    content = tmp_path / "content"
    shutil.copytree(SITE_CONTENT, content)
    digest = next(path for path in sorted(content.rglob("*.md")) if "Arxiv ID" in path.read_text(encoding="utf-8"))
    before = keyed(content)
    text = digest.read_text(encoding="utf-8")
    title_line = next(line for line in text.splitlines() if line.startswith("### "))
    digest.write_text(text.replace(title_line, "### A title nobody had", 1)
                      .replace("- **Authors**: ", "- **Authors**: Someone Newauthor, ", 1), encoding="utf-8")
    after = keyed(content)
    again = assert_clean(make_config(tmp_path, per_page=2), before, after)
    archive = build_archive(after.values())
    paper = next(paper for paper in archive.papers.values() if paper.title == "A title nobody had")
    assert routes.paper(paper.id) in again
    assert routes.author(archive.authors["Someone Newauthor"].slug) in again
    others = [paper_id for paper_id, other in archive.papers.items()
              if not set(other.authors) & set(paper.authors) and not set(other.days) & set(paper.days)]
    assert others and not {routes.paper(paper_id) for paper_id in others} & again


def test_a_day_added_reads_the_day_before_it_and_not_the_papers_it_does_not_list(tmp_path, files):
    config = make_config(tmp_path, per_page=2)
    newest = max(digest.day for digest in files.values() if digest.entries)
    before = {key: digest for key, digest in files.items() if digest.day != newest}
    again = assert_clean(config, before, files)
    day_before = max(digest.day for digest in before.values() if digest.entries)
    assert routes.day(day_before) in again
    listed = {entry.id for digest in files.values() if digest.day == newest for entry in digest.entries}
    others = {routes.paper(paper_id) for paper_id in build_archive(before.values()).papers if paper_id not in listed}
    assert others and not others & again


def digest_text(day: str, papers: list[tuple[int, str]], comment: str = "None") -> str:
    """A cs.CV digest of `day` listing papers given as (number, authors), each with `comment`."""
    return f"# Arxiv Papers in cs.CV on {day}\n" + "".join(
        f"### Paper {number}\n- **Arxiv ID**: http://arxiv.org/abs/2209.{10000 + number}v1\n- **DOI**: None\n"
        f"- **Categories**: **cs.CV**\n- **Links**: [PDF](http://arxiv.org/pdf/2209.{10000 + number}v1)\n"
        f"- **Published**: {day} 10:{number % 60:02d}:00+00:00\n- **Updated**: {day} 10:00:00+00:00\n"
        f"- **Authors**: {authors}\n- **Comment**: {comment}\n- **Journal**: None\n- **Summary**: Summary {number}.\n\n"
        for number, authors in papers)


@pytest.fixture
def three_days(tmp_path) -> dict:
    """Three days that share no paper: the first by José García, the last by Jose Garcia,
    whose slug is the plain one only while José García has none."""
    content = tmp_path / "three-days"
    content.mkdir()
    for day, papers in [("2022-09-27", [(1, "José García"), (2, "Ada Lovelace")]),
                        ("2022-09-28", [(3, "Emmy Noether"), (4, "Carl Gauss")]),
                        ("2022-09-29", [(5, "Jose Garcia"), (6, "Alan Turing")])]:
        (content / f"{day.replace('-', '')}.md").write_text(digest_text(day, papers), encoding="utf-8")
    return keyed(content)


def without_day(files: dict, day: str) -> dict:
    return {key: digest for key, digest in files.items() if str(digest.day) != day}


def test_a_day_removed_reads_its_neighbours_again(tmp_path, three_days):
    config = make_config(tmp_path)
    fewer = without_day(three_days, "2022-09-28")
    assert {routes.day(date.fromisoformat("2022-09-27")), routes.day(date.fromisoformat("2022-09-29"))} <= \
        kept_pages_that_changed(config, three_days, fewer)
    assert_clean(config, three_days, fewer)
    assert_clean(config, fewer, three_days)


def test_a_slug_that_moves_reads_the_pages_listing_the_name_again(tmp_path, three_days):
    config = make_config(tmp_path)
    fewer = without_day(three_days, "2022-09-27")
    archive, before = build_archive(fewer.values()), build_archive(three_days.values())
    assert archive.authors["Jose Garcia"].slug != before.authors["Jose Garcia"].slug
    assert routes.day(date.fromisoformat("2022-09-29")) in kept_pages_that_changed(config, three_days, fewer)
    assert_clean(config, three_days, fewer)
    assert_clean(config, fewer, three_days)


def test_a_paper_accepted_at_a_venue_reads_the_venues_front_pages_not_its_older_pages(tmp_path):
    """A venue-year grows most days at archive scale: its numbered pages, and every page of
    the venue's other years, show what the day did not change (their counts are on the
    front pages only)."""
    content = tmp_path / "venue-days"
    content.mkdir()
    (content / "20220927.md").write_text(digest_text("2022-09-27", [(n, f"Author {n}") for n in range(1, 8)],
                                                     "Accepted to CVPR 2022"), encoding="utf-8")
    (content / "20220928.md").write_text(digest_text("2022-09-28", [(n, f"Author {n}") for n in range(8, 14)],
                                                     "Accepted to CVPR 2023"), encoding="utf-8")
    before = keyed(content)
    (content / "20220929.md").write_text(digest_text("2022-09-29", [(14, "Author 14")], "Accepted to CVPR 2023"),
                                         encoding="utf-8")
    again = assert_clean(make_config(tmp_path, per_page=2), before, keyed(content))
    assert {routes.venue("cvpr", 2022), routes.venue("cvpr", 2023)} <= again  # each year's count changed
    assert routes.venue("cvpr", 2023, 3) in again  # the front page it was
    assert not {routes.venue("cvpr", 2022, number) for number in (1, 2, 3)} & again


@pytest.mark.parametrize("share", [0.0, 100.0])  # the reads kept as a new base; as the pages read since it
def test_an_update_after_an_update_plans_what_a_clean_build_plans(tmp_path, three_days, monkeypatch, share):
    """The reads an update kept (the pages it read again, with what they read now) serve
    the next update: the day taken out, then put back."""
    monkeypatch.setattr(cache, "READS_SHARE", share)
    config = make_config(tmp_path)
    fewer = without_day(three_days, "2022-09-28")
    plan = Pages(build_archive(three_days.values()), config).plan("site", {})
    known = plan.fingerprints
    for before, after in [(three_days, fewer), (fewer, three_days)]:
        archive = build_archive(after.values())
        plan = Pages(archive, config).plan("site", {}, known, kept(plan.recorded, config),
                                           change_between(archive, before, after))
        known = updated(plan, known)
        assert known == Pages(archive, config).plan("site", {}).fingerprints


def test_an_update_whose_kept_reads_have_no_routes_plans_what_a_clean_build_plans(tmp_path, files):
    """Reads kept by a sitegen that kept no pages with them (an older cache): every page
    is routed, and the plan is still the clean one."""
    config = make_config(tmp_path, per_page=2)
    newest = max(digest.day for digest in files.values() if digest.entries)
    before = {key: digest for key, digest in files.items() if digest.day != newest}
    last = Pages(build_archive(before.values()), config).plan("site", {})
    recorded = last.recorded
    recorded.routes, recorded.cased = {}, {}
    archive = build_archive(files.values())
    plan = Pages(archive, config).plan("site", {}, last.fingerprints, kept(recorded, config),
                                       change_between(archive, before, files))
    clean = Pages(archive, config).plan("site", {})
    assert (plan.pages(), plan.fingerprints) == (clean.pages(), clean.fingerprints)


def test_the_last_paths_are_spliced_only_where_the_change_names_every_key_that_came_or_went():
    last_keys, last_paths = ["a", "c", "d"], ["A", "C", "D"]
    assert spliced(["a", "b", "d"], last_keys, last_paths, ["b", "c"]) == (["A", None, "D"], ["C"])
    assert spliced(["a", "c", "d"], last_keys, last_paths, ["c"]) == (["A", None, "D"], ["C"])  # routed again
    assert spliced(["a", "b", "c", "d"], last_keys, last_paths, []) is None  # "b" came unnamed
    assert spliced(["a", "d"], last_keys, last_paths, ["b"]) is None  # "c" went unnamed
    assert spliced(["a", None], ["a"], ["A"], [None]) is None  # keys that do not sort


def test_paths_that_differ_only_in_case_fail_the_plan_that_routes_either():
    kept = ["categories/cs.CV/index.html", "papers/1.html"]
    cased = check_unique(kept, None, {}, ())
    held = set(kept).__contains__  # the pages not routed again
    for new in ["categories/cs.cv/index.html", "categories/CS.CV/index.html", "PAPERS/1.html"]:
        with pytest.raises(BuildError, match="two pages claim the same output path"):
            check_unique([new], held, dict(cased), ())
    with pytest.raises(BuildError, match="papers/1.html"):
        check_unique(["papers/1.html"], held, dict(cased), ())  # a page not routed again is there
    with pytest.raises(BuildError, match="papers/2.html"):
        check_unique(["papers/2.html", "papers/2.html"], held, dict(cased), ())
    # a page that went (its path released) frees its path's forms for another
    assert check_unique(["categories/cs.cv/index.html"], "papers/1.html".__eq__, dict(cased),
                        ["categories/cs.CV/index.html"]) == {}


def test_an_update_looks_up_and_fingerprints_only_the_pages_it_reads_again(tmp_path, files):
    """A day added: the plan gives fingerprints for the pages it read alone, and looks in
    the served manifest only for their paths (and their lowercase forms), not for every page."""
    config = make_config(tmp_path, per_page=2)
    newest = max(digest.day for digest in files.values() if digest.entries)
    before = {key: digest for key, digest in files.items() if digest.day != newest}
    last = Pages(build_archive(before.values()), config).plan("site", {})
    served = Watched(last.fingerprints)
    archive = build_archive(files.values())
    plan = Pages(archive, config).plan("site", {}, served, kept(last.recorded, config),
                                       change_between(archive, before, files))
    read = {page.path for page in plan.read}
    assert set(plan.fingerprints) == read
    assert served.looked_up and served.looked_up <= read | {path.lower() for path in read}
    assert len(read) < len(plan.pages())
    assert plan.counts() == Pages(archive, config).plan("site", {}).counts()
