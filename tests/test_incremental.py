"""Incremental builds: a rebuild redoes only what changed and gives exactly what a clean
build of the same input gives."""

from __future__ import annotations

import io
import pickle
import shutil
import time
from pathlib import Path

import pytest

from conftest import SITE_CONTENT, make_config, quiet_build
from sitegen import build, cache, feeds, folders, kinds, publish, reader, search
from sitegen.errors import BuildError

DAY = Path("cs.CV/2022/09/20220929.md")  # the fixture day that holds most papers


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file()}


@pytest.fixture
def content(tmp_path: Path) -> Path:
    folder = tmp_path / "content"
    shutil.copytree(SITE_CONTENT, folder)
    return folder


def clean_build(tmp_path: Path, content: Path, name: str = "clean", **changes) -> dict[str, bytes]:
    config = make_config(tmp_path / name, content=content, **changes)
    quiet_build(config)
    return snapshot(config.output_path)


def test_a_rebuild_with_nothing_changed_renders_nothing(tmp_path: Path, content: Path):
    config = make_config(tmp_path / "site", content=content)
    first = quiet_build(config)
    before = snapshot(config.output_path)
    second = quiet_build(config)
    assert first.rendered == sum(first.pages.values()) > 0
    assert second.rendered == 0
    assert snapshot(config.output_path) == before


def test_a_rebuild_with_nothing_changed_loads_no_digest_and_reports_the_problems_again(tmp_path: Path,
                                                                                      content: Path, monkeypatch):
    day = content / DAY
    day.write_text(day.read_text(encoding="utf-8").replace("- **Published**: 2022-09-29 01:00:00+00:00",
                                                           "- **Published**: yesterday", 1), encoding="utf-8")
    config = make_config(tmp_path / "site", content=content)
    first_report, second_report = io.StringIO(), io.StringIO()
    first = build.build_site(config, jobs=1, report=build.Report(out=first_report))

    def no_loading(self, key):
        raise AssertionError("a digest was loaded though nothing changed")

    monkeypatch.setattr(cache.Cache, "digest", no_loading)
    second = build.build_site(config, jobs=1, report=build.Report(out=second_report))
    problem = f"{DAY.name}:"
    assert first.problems == second.problems == 1 and second.rendered == 0
    assert [line for line in second_report.getvalue().splitlines() if problem in line] == \
           [line for line in first_report.getvalue().splitlines() if problem in line] != []


def test_a_build_from_another_working_folder_parses_and_renders_nothing_again_and_tells_the_new_paths(
        tmp_path: Path, content: Path, monkeypatch):
    day = content / DAY
    day.write_text(day.read_text(encoding="utf-8").replace("- **Published**: 2022-09-29 01:00:00+00:00",
                                                           "- **Published**: yesterday", 1), encoding="utf-8")
    config = make_config(tmp_path / "site", content=content)
    monkeypatch.chdir(tmp_path)
    first = quiet_build(config)
    before = snapshot(config.output_path)
    (tmp_path / "elsewhere").mkdir()
    monkeypatch.chdir(tmp_path / "elsewhere")

    def no_parsing(*args, **kwargs):
        raise AssertionError("a digest was parsed again though none changed")

    monkeypatch.setattr(reader, "parse_digest", no_parsing)
    report = io.StringIO()
    second = build.build_site(config, jobs=1, report=build.Report(out=report))
    assert first.rendered > 0 and second.rendered == 0 and first.problems == second.problems == 1
    assert snapshot(config.output_path) == before
    told = [line for line in report.getvalue().splitlines() if DAY.name in line]
    assert told and all(line.startswith(f"{content / DAY}:") for line in told)


def test_adding_a_day_renders_only_what_it_touches_and_matches_a_clean_build(tmp_path: Path, content: Path):
    held_back = tmp_path / "held-back.md"
    shutil.move(content / DAY, held_back)
    config = make_config(tmp_path / "site", content=content)
    quiet_build(config)
    shutil.move(held_back, content / DAY)
    after = quiet_build(config)
    assert 0 < after.rendered < sum(after.pages.values())
    assert snapshot(config.output_path) == clean_build(tmp_path, content)


def test_deleting_a_digest_removes_exactly_its_pages(tmp_path: Path, content: Path):
    config = make_config(tmp_path / "site", content=content)
    quiet_build(config)
    assert (config.output_path / "days/2022/09/29.html").exists()
    for digest in content.rglob("20220929.md"):  # that day's cs.CV and cs.LG listings
        digest.unlink()
    quiet_build(config)
    assert snapshot(config.output_path) == clean_build(tmp_path, content)
    assert not (config.output_path / "days/2022/09/29.html").exists()


def build_then_edit(tmp_path: Path, content: Path, name: str, old: str, new: str) -> tuple:
    """A build with the theme `mine` empty, then one with the default template `name` in
    it, `old` replaced by `new`: the configuration and both results."""
    themes = tmp_path / "themes"
    config = make_config(tmp_path / "site", content=content, theme="mine", themes_dir=str(themes))
    (themes / "mine" / "templates").mkdir(parents=True)
    first = quiet_build(config)
    default = (Path(__file__).parent.parent / "themes" / "default" / "templates" / name).read_text(encoding="utf-8")
    (themes / "mine" / "templates" / name).write_text(default.replace(old, new))
    return config, first, quiet_build(config)


def test_editing_one_template_renders_only_the_pages_that_use_it(tmp_path: Path, content: Path):
    config, first, second = build_then_edit(tmp_path, content, "day.html", "<h1>", '<h1 class="edited">')
    assert second.rendered == first.pages["day"]
    output = snapshot(config.output_path)
    assert b'class="edited"' in output["days/2022/09/29.html"]
    assert output == clean_build(tmp_path, content, theme="mine", themes_dir=str(tmp_path / "themes"))


def test_editing_the_frame_renders_every_page_again(tmp_path: Path, content: Path):
    """`_frame.html` is used by no template's `extends`, `include` or `import`: the
    renderer gives its parts to every page as `frame`."""
    config, first, second = build_then_edit(tmp_path, content, "_frame.html", ">Latest<", ">Newest<")
    assert second.rendered == sum(count for kind, count in first.pages.items() if not kinds.KIND[kind].document)
    output = snapshot(config.output_path)
    assert b">Newest<" in output["days/2022/09/29.html"]
    assert output == clean_build(tmp_path, content, theme="mine", themes_dir=str(tmp_path / "themes"))


def test_a_build_that_fails_halfway_leaves_the_next_one_correct(tmp_path: Path, content: Path, monkeypatch):
    """The spare folder is forgotten before it is written, so a half-written one is never trusted."""
    config = make_config(tmp_path / "site", content=content)
    quiet_build(config)
    (content / DAY).unlink()

    def fail(*args, **kwargs):
        raise BuildError("stopped halfway")

    monkeypatch.setattr("sitegen.build.tier_files", fail)
    with pytest.raises(BuildError):
        quiet_build(config)
    monkeypatch.undo()
    quiet_build(config)
    assert snapshot(config.output_path) == clean_build(tmp_path, content)


def test_a_deleted_cache_gives_a_full_and_identical_build(tmp_path: Path, content: Path):
    config = make_config(tmp_path / "site", content=content)
    quiet_build(config)
    before = snapshot(config.output_path)
    shutil.rmtree(config.path(config.cache_dir))
    result = quiet_build(config)
    assert result.rendered == sum(result.pages.values())
    assert snapshot(config.output_path) == before


def test_a_template_edit_reuses_the_search_data(tmp_path: Path, content: Path, monkeypatch):
    themes = tmp_path / "themes"
    config = make_config(tmp_path / "site", content=content, theme="mine", themes_dir=str(themes))
    (themes / "mine" / "templates").mkdir(parents=True)
    quiet_build(config)
    (themes / "mine" / "templates" / "not_found.html").write_text('{% extends "base.html" %}{% block main %}gone{% endblock %}')

    def fail(*args, **kwargs):
        raise AssertionError("the search data was built again though no paper changed")

    monkeypatch.setattr("sitegen.build.tier_files", fail)
    quiet_build(config)
    monkeypatch.undo()
    assert snapshot(config.output_path) == clean_build(tmp_path, content, theme="mine", themes_dir=str(themes))


def test_bringing_the_spare_folder_up_to_date_never_touches_the_served_site(tmp_path: Path, content: Path,
                                                                            monkeypatch):
    """Unchanged pages reach the spare folder as hard links to the served files: a page
    written there must replace its link, never write through it into `output/`."""
    config = make_config(tmp_path / "site", content=content)
    quiet_build(config)
    held_back = tmp_path / "held-back.md"
    shutil.move(content / DAY, held_back)
    quiet_build(config)  # the spare now links most of its files to the served ones
    shutil.move(held_back, content / DAY)
    served = snapshot(config.output_path)
    seen_before_swap = {}
    swap_in = publish.swap_in

    def look_then_swap(spare, output):
        seen_before_swap.update(snapshot(output))
        swap_in(spare, output)

    monkeypatch.setattr(publish, "swap_in", look_then_swap)
    result = quiet_build(config)
    assert result.rendered > 0
    assert seen_before_swap == served
    assert snapshot(config.output_path) == clean_build(tmp_path, content)
    linked = [path for path in (config.output_path / "papers").rglob("*.html") if path.stat().st_nlink > 1]
    assert linked, "unchanged pages are shared between the two folders, not copied"


def test_a_new_month_builds_only_its_own_search_tier(tmp_path: Path, content: Path, monkeypatch):
    """The tiers already built (all of September here) are reused when October begins."""
    config = make_config(tmp_path / "site", content=content)
    quiet_build(config)
    september = (content / "cs.CV/2022/09/20220928.md").read_text(encoding="utf-8")
    (content / "cs.CV/2022/10").mkdir()
    (content / "cs.CV/2022/10/20221003.md").write_text(
        september.replace("cs.CV on 2022-09-28", "cs.CV on 2022-10-03").replace("2209.14001", "2210.00001"),
        encoding="utf-8")
    made = []
    tier_files = build.tier_files

    def recording(name, papers, jobs=1):
        made.append([paper.id for paper in papers])
        return tier_files(name, papers, jobs)

    numbered = []
    documents_by_value = search._documents_by_value
    monkeypatch.setattr(search, "_documents_by_value", lambda papers, lists: numbered.extend(
        paper.id for paper in papers) or documents_by_value(papers, lists))
    monkeypatch.setattr(build, "tier_files", recording)
    quiet_build(config)
    monkeypatch.undo()
    assert made == [["2210.00001"]]
    # the filters' values (categories, venues) numbered for the new tier's papers alone
    assert set(numbered) == {"2210.00001"}
    assert snapshot(config.output_path) == clean_build(tmp_path, content)


def test_digests_stored_by_another_version_are_parsed_once_and_stored_again(tmp_path: Path, content: Path,
                                                                              monkeypatch):
    config = make_config(tmp_path / "site", content=content)
    quiet_build(config)
    stored = sorted((config.path(config.cache_dir) / "digests").glob("*.pickle"))
    for path in stored:
        path.write_bytes(pickle.dumps(((0, "an older sitegen"), None)))
    quiet_build(config)  # parses them all again: the stored ones are unusable
    parsed = []
    parse_digest = reader.parse_digest
    monkeypatch.setattr(reader, "parse_digest", lambda *args: parsed.append(args[1]) or parse_digest(*args))
    quiet_build(config)
    assert parsed == [] and len(stored) == 4


@pytest.mark.parametrize("jobs", [1, 2])
def test_the_update_after_a_full_build_links_the_served_files_and_creates_only_what_changed(
        tmp_path: Path, content: Path, monkeypatch, jobs: int):
    """A full build writes the served folder alone; the daily update after it links the
    served files into the spare folder (in a process of its own with jobs > 1) and creates
    only the files whose bytes it changes."""
    config = make_config(tmp_path / "site", content=content)
    quiet_build(config, jobs=jobs)
    output, spare = config.output_path, publish.spare_folder(config.output_path)
    assert not spare.exists()
    before = snapshot(output)
    created = []
    monkeypatch.setattr(publish, "_write_new", lambda target, data, write=publish._write_new:
                        created.append(Path(target).relative_to(spare).as_posix()) or write(target, data))
    if jobs > 1:
        def read_while_linking(*args, read=build.read_listed, **kwargs):
            deadline = time.monotonic() + 30
            while not any(spare.rglob("*.html")):
                assert time.monotonic() < deadline, "no served file was linked while the digests were read"
                time.sleep(0.01)
            return read(*args, **kwargs)

        monkeypatch.setattr(build, "read_listed", read_while_linking)
    edited = content / DAY
    edited.write_text(edited.read_text(encoding="utf-8").replace("Segmentation", "Segmenting"), encoding="utf-8")
    result = quiet_build(config, jobs=jobs)
    monkeypatch.undo()
    after = snapshot(output)
    assert after == clean_build(tmp_path, content)
    changed = {path for path, data in after.items() if before.get(path) != data}
    assert 0 < result.rendered < len(after) / 2 and changed
    if jobs == 1:  # (forked renderers write too: what they create is not seen here)
        assert sorted(created) == sorted(changed)
    for path in set(after) - changed - {folders.MARK}:  # the files kept are the served ones, linked (each
        # folder has a mark of its own)
        assert (output / path).stat().st_ino == (spare / path).stat().st_ino, path


@pytest.mark.parametrize("jobs", [1, 2])
def test_a_file_system_without_hard_links_gets_copies(tmp_path: Path, content: Path, monkeypatch, jobs: int):
    def no_links(source, target):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(publish.os, "link", no_links)
    config = make_config(tmp_path / "site", content=content)
    quiet_build(config, jobs=jobs)
    for edit in ("Segmentation", "Segmenting"), ("Segmenting", "Segmentation"):
        edited = content / DAY
        edited.write_text(edited.read_text(encoding="utf-8").replace(*edit), encoding="utf-8")
        result = quiet_build(config, jobs=jobs)
        assert 0 < result.rendered and snapshot(config.output_path) == clean_build(tmp_path, content, edit[1])


def test_written_files_are_made_in_runs_before_any_of_the_run_is_written(tmp_path: Path):
    """Rendering and writing alternate by the run, not by the file: each file written
    between two renders costs the kernel three times as much (its caches are cold)."""
    spare = publish.prepare_spare(tmp_path / "output", None)
    on_disk_when_made = []

    def made(count: int):
        for number in range(count):
            on_disk_when_made.append(sum(1 for _ in spare.folder.rglob("*.html")))
            yield f"pages/{number}.html", f"<p>{number}</p>".encode()

    hashes = spare.write_all(made(publish.RUN + 3))
    assert on_disk_when_made[:publish.RUN] == [0] * publish.RUN
    assert on_disk_when_made[publish.RUN:] == [publish.RUN] * 3
    assert len(hashes) == publish.RUN + 3
    assert (spare.folder / "pages/7.html").read_bytes() == b"<p>7</p>"
    assert hashes["pages/7.html"] == cache.content_hash(b"<p>7</p>")


def test_a_new_category_page_renders_again_only_the_pages_whose_pager_changes(tmp_path: Path, monkeypatch):
    """A category grows by a page most days at archive scale: its older pages, which link
    the newest by name, must not all be rendered again each time."""
    content = tmp_path / "content"
    day = content / "20220929.md"
    day.parent.mkdir()
    day.write_text("# Arxiv Papers in cs.CV on 2022-09-29\n" + "".join(entry(n) for n in range(30)), encoding="utf-8")
    config = make_config(tmp_path / "site", content=content, per_page=1)
    quiet_build(config)
    rendered: list[str] = []
    render = build.Renderer.render
    monkeypatch.setattr(build.Renderer, "render", lambda self, page: rendered.append(page.path) or render(self, page))
    day.write_text(day.read_text(encoding="utf-8") + entry(30), encoding="utf-8")
    quiet_build(config)
    monkeypatch.undo()
    pages = sorted(path for path in rendered if path.startswith("categories/cs.CV/"))
    # the front page, the one it was (now page 30), and those whose window reaches the top
    assert pages == ["categories/cs.CV/index.html"] + [f"categories/cs.CV/page/{n}/index.html" for n in range(26, 31)]
    assert snapshot(config.output_path) == clean_build(tmp_path, content, per_page=1)


def entry(number: int) -> str:
    return f"""
### Paper number {number}
- **Arxiv ID**: http://arxiv.org/abs/2209.{10000 + number}v1
- **DOI**: None
- **Categories**: **cs.CV**
- **Links**: [PDF](http://arxiv.org/pdf/2209.{10000 + number}v1)
- **Published**: 2022-09-29 12:00:{number % 60:02d}+00:00
- **Updated**: 2022-09-29 12:00:{number % 60:02d}+00:00
- **Authors**: Author {number}
- **Comment**: None
- **Journal**: None
- **Summary**: Paper {number} of the day.
"""


def test_an_update_makes_only_the_feeds_whose_papers_changed(tmp_path: Path, content: Path, monkeypatch):
    """The site's and categories' feeds are fingerprinted like pages: editing a paper of
    cs.CV alone makes the site's feed and cs.CV's again, not those of other categories."""
    config = make_config(tmp_path / "site", content=content)
    quiet_build(config)
    made = []
    category_feed = feeds.category_feed
    monkeypatch.setattr(feeds, "category_feed", lambda config, code, papers: made.append(code)
                        or category_feed(config, code, papers))
    edited = content / DAY
    edited.write_text(edited.read_text(encoding="utf-8").replace("nothing unusual", "nothing new"), encoding="utf-8")
    quiet_build(config)
    monkeypatch.undo()
    assert made == ["cs.CV"]
    assert snapshot(config.output_path) == clean_build(tmp_path, content)


def test_an_update_waits_for_its_reads_to_be_kept_however_long_that_takes(tmp_path: Path, content: Path,
                                                                          monkeypatch):
    """An update keeps what its pages read in a process of its own, beside feeds and
    rendering: one that ends after them is waited for, not stopped."""
    config = make_config(tmp_path / "site", content=content)
    quiet_build(config, jobs=2)
    save_part = cache.Cache.save_part

    def slow_save_part(self, name, value, token):
        if name == "reads":
            time.sleep(3)  # longer than this small site's feeds, rendering and search
        return save_part(self, name, value, token)
    monkeypatch.setattr(cache.Cache, "save_part", slow_save_part)
    edited = content / DAY
    edited.write_text(edited.read_text(encoding="utf-8").replace("nothing unusual", "nothing new"), encoding="utf-8")
    quiet_build(config, jobs=2)
    monkeypatch.undo()
    assert snapshot(config.output_path) == clean_build(tmp_path, content)
    edited.write_text(edited.read_text(encoding="utf-8").replace("nothing new", "nothing newer"), encoding="utf-8")
    assert quiet_build(config).rendered < 10  # the reads were kept: the next update renders what changed


def test_the_spare_folder_is_brought_up_to_date_from_what_the_build_before_changed(
        tmp_path: Path, content: Path, monkeypatch):
    """The spare folder holds the build before the served one: an update links into it
    the pages that build rendered (and this one did not), not every unchanged page."""
    config = make_config(tmp_path / "site", content=content)
    quiet_build(config)
    rendered_before = []
    render_all = build.render_all

    def recording(*args):
        rendered = render_all(*args)
        rendered_before.extend(rendered)
        return rendered

    monkeypatch.setattr(build, "render_all", recording)
    edited = content / DAY
    edited.write_text(edited.read_text(encoding="utf-8").replace("nothing unusual", "nothing new"), encoding="utf-8")
    quiet_build(config)
    monkeypatch.undo()
    linked = []
    copy_from = publish.Spare.copy_from
    monkeypatch.setattr(publish.Spare, "copy_from", lambda self, folder, path, version:
                        linked.append(path) or copy_from(self, folder, path, version))
    other = content / "cs.CV/2022/09/20220928.md"
    other.write_text(other.read_text(encoding="utf-8").replace("### ", "### Revised: ", 1), encoding="utf-8")
    quiet_build(config)
    monkeypatch.undo()
    pages_linked = {path for path in linked if path.endswith(".html")}
    assert pages_linked and pages_linked <= set(rendered_before)
    assert snapshot(config.output_path) == clean_build(tmp_path, content)


def test_an_update_loads_only_the_digests_that_came_and_went_and_those_that_list_their_papers(
        tmp_path: Path, content: Path, monkeypatch):
    """The model the last build kept is patched: a day added loads that day's digest and
    the few listing the same papers, not every digest of the archive."""
    held_back = tmp_path / "held-back.md"
    shutil.move(content / DAY, held_back)
    config = make_config(tmp_path / "site", content=content)
    quiet_build(config)
    shutil.move(held_back, content / DAY)
    loaded = []
    monkeypatch.setattr(cache.Cache, "digest", lambda self, key, load=cache.Cache.digest: loaded.append(key)
                        or load(self, key))
    quiet_build(config)
    during = set(loaded)
    assert snapshot(config.output_path) == clean_build(tmp_path, content)
    parsed = reader.read_content(content).parsed
    day = next(digest for digest in parsed.values() if digest.source.endswith(DAY.name) and "cs.CV" in digest.source)
    ids = {entry.id for entry in day.entries}
    unrelated = {key for key, digest in parsed.items()
                 if digest.day != day.day and not ids & {entry.id for entry in digest.entries}}
    assert unrelated and during and not unrelated & during


def test_a_day_taken_out_after_the_kept_model_was_made_is_an_update_of_what_read_it(
        tmp_path: Path, content: Path, monkeypatch):
    """A day added after the model was kept, then taken out: its digest is still at hand
    to tell which papers it listed, so the plan reads only the pages those touch."""
    monkeypatch.setattr(build, "MODEL_DRIFT", 1.0)  # the model kept once, as in an archive of thousands of days
    held_back = tmp_path / "held-back.md"
    shutil.move(content / DAY, held_back)
    config = make_config(tmp_path / "site", content=content)
    everything = sum(quiet_build(config).pages.values())
    shutil.move(held_back, content / DAY)
    quiet_build(config)
    read = []
    plan = kinds.Pages.plan
    monkeypatch.setattr(kinds.Pages, "plan", lambda *args: (planned := plan(*args)) and read.extend(planned.read)
                        or planned)
    (content / DAY).unlink()
    quiet_build(config)
    assert 0 < len(read) < everything / 2
    assert snapshot(config.output_path) == clean_build(tmp_path, content)


@pytest.mark.parametrize("damage", ["kept model", "digest it needs"])
def test_a_damaged_kept_model_or_a_digest_it_needs_gone_gives_a_full_and_identical_model(
        tmp_path: Path, content: Path, damage: str):
    held_back = tmp_path / "held-back.md"
    shutil.move(content / DAY, held_back)
    config = make_config(tmp_path / "site", content=content)
    quiet_build(config)
    kept = config.path(config.cache_dir)
    if damage == "kept model":
        (kept / "model.mapped").write_bytes(b"not a pickle")
    else:  # among them that day's cs.LG listing, which the day's record is made from
        for stored in (kept / "digests").glob("*.pickle"):
            stored.unlink()
    shutil.move(held_back, content / DAY)
    quiet_build(config)
    assert snapshot(config.output_path) == clean_build(tmp_path, content)
