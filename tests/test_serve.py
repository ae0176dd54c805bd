"""`sitegen serve` without a browser: path safety, the Host check, editor temp files,
change kinds, debouncing (on a fake clock), the polling fallback, the in-memory site
following edits (templates, stylesheets, digests, configuration, broken ones), and the
running server against a traversal matrix and Ctrl-C."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from pathlib import Path, PurePath

import pytest
from watchdog.events import (DirModifiedEvent, FileClosedNoWriteEvent, FileModifiedEvent,
                             FileMovedEvent, FileOpenedEvent)

from sitegen.errors import UsageError
from sitegen.serve import Preview, describe
from sitegen.serve import server
from sitegen.serve.server import host_allowed, inject_script, site_path
from sitegen.serve.site import LiveSite
from sitegen.serve.watcher import Batch, Change, ChangeKind, Debouncer, Sources, Watcher, is_editor_temp
from sitegen.themes import DEFAULT_THEME
from sitegen.venues import Venues

from conftest import SITE_CONTENT

PAPER = "papers/2209.14001.html"
PLAIN = "papers/2209.14100.html"  # listed once, in cs.CV/2022/09/20220929.md
PLAIN_PUBLISHED = "- **Published**: 2022-09-29 01:00:00+00:00"
BROKEN_DATE = "- **Published**: the day before yesterday"


# --- a site to preview ------------------------------------------------------------

def make_preview_site(root: Path) -> Path:
    """The fixture site with a copy of the default theme as its theme `mine`, so tests
    edit copies only; returns the configuration file."""
    shutil.copytree(SITE_CONTENT, root / "content")
    shutil.copytree(DEFAULT_THEME, root / "themes" / "mine")
    config = root / "sitegen.yaml"
    config.write_text("title: Preview fixture\ntheme: mine\n", encoding="utf-8")
    return config


def vim_save(path: Path, text: str) -> None:
    """What vim does on `:w` (backupcopy=no): probe file, swap file, backup by rename, write."""
    probe = path.parent / "4913"
    probe.write_text("")
    probe.unlink()
    (path.parent / f".{path.name}.swp").write_bytes(b"swap")
    backup = path.with_name(path.name + "~")
    os.rename(path, backup)
    path.write_text(text, encoding="utf-8")
    backup.unlink()
    (path.parent / f".{path.name}.swp").unlink()


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


class Heard:
    """Stands in for the server's event hub: records what the site tells browsers."""

    def __init__(self, open_pages=()):
        self.events: list[dict] = []
        self.pages = set(open_pages)

    def publish(self, message: dict) -> None:
        self.events.append(message)

    def open_pages(self) -> set[str]:
        return set(self.pages)


@pytest.fixture
def site_root(tmp_path: Path) -> Path:
    make_preview_site(tmp_path)
    return tmp_path


@pytest.fixture
def live(site_root: Path):
    heard = Heard(open_pages=[PAPER])
    site = LiveSite(site_root / "sitegen.yaml", "http://127.0.0.1:8000/", heard, lambda line: None)
    return site, heard


def templates(root: Path) -> Path:
    return root / "themes" / "mine" / "templates"


def change(root: Path, kind: ChangeKind, relative: str) -> list[Change]:
    return [Change(kind, str(root / relative))]


def body(site: LiveSite, path: str) -> str:
    response = site.respond(path)
    assert response.status == 200, (path, response.status)
    return response.body.decode("utf-8")


# --- path safety and the Host check -----------------------------------------------

@pytest.mark.parametrize("target, expected", [
    ("/", "index.html"),
    ("/archive/", "archive/index.html"),
    ("/papers/math.GT/0309136.html", "papers/math.GT/0309136.html"),
    ("/assets/style.abc.css?v=1#top", "assets/style.abc.css"),
    ("/authors/jos%C3%A9.html", "authors/josé.html"),
    ("//papers//2209.14001.html", PAPER),
    ("/papers/2209.14001", "papers/2209.14001"),
])
def test_site_path_maps_request_targets_to_site_paths(target: str, expected: str):
    assert site_path(target) == expected


TRAVERSALS = [
    "/../../etc/passwd",
    "/papers/../../../etc/passwd",
    "/..%2f..%2fetc%2fpasswd",
    "/%2e%2e/%2e%2e/etc/passwd",
    "/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd",
    "/%252e%252e/%252e%252e/etc/passwd",
    "/%252e%252e%252f%252e%252e%252fetc%252fpasswd",
    "/..\\..\\etc\\passwd",
    "/..%5c..%5cetc%5cpasswd",
    "/index.html%00.css",
    "/index.html\x00.css",
    "/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd",
    "/./index.html",
    "/papers/%0a/index.html",
    "http://127.0.0.1/../../etc/passwd",
    "*",
]


@pytest.mark.parametrize("target", TRAVERSALS)
def test_site_path_refuses_traversal_and_odd_characters(target: str):
    assert site_path(target) is None


@pytest.mark.parametrize("header, bound, allowed", [
    ("127.0.0.1:8000", "127.0.0.1", True),
    ("localhost:8000", "127.0.0.1", True),
    ("LOCALHOST", "127.0.0.1", True),
    ("localhost.:8000", "127.0.0.1", True),
    ("[::1]:8000", "127.0.0.1", True),
    ("preview.localhost:8000", "127.0.0.1", True),
    ("my-laptop:8000", "my-laptop", True),
    ("192.168.1.5:8000", "0.0.0.0", True),
    ("[fe80::1]:8000", "::", True),
    ("evil.example:8000", "127.0.0.1", False),
    ("evil.example", "0.0.0.0", False),
    ("127.0.0.1.evil.example", "127.0.0.1", False),
    ("localhost.evil.example", "127.0.0.1", False),
    ("192.168.1.5:8000", "127.0.0.1", False),
    ("localhost:8000@evil.example", "127.0.0.1", False),
    ("", "127.0.0.1", False),
    (None, "127.0.0.1", False),
])
def test_host_header_must_name_this_machine(header, bound: str, allowed: bool):
    assert host_allowed(header, bound) is allowed


def test_the_reload_script_goes_before_the_end_of_head_as_an_external_script():
    page = b"<html><head><title>x</title></HEAD><body></body></html>"
    injected = inject_script(page, "ab.3")
    assert injected == (b'<html><head><title>x</title><script src="/_sitegen/reload.js?g=ab.3" defer>'
                        b"</script>\n</HEAD><body></body></html>")
    assert inject_script(b"<p>no head</p>", "ab.3").startswith(b"<p>no head</p><script src=")


# --- what the watcher keeps --------------------------------------------------------

@pytest.mark.parametrize("name", ["4913", "5036", ".base.html.swp", ".base.html.swo", "base.html~",
                                  "base.html___jb_tmp___", "base.html___jb_old___", ".#base.html", "#base.html#",
                                  "base.html.kate-swp", ".goutputstream-X1Y2Z3", "sedAb12Cd"])
def test_editor_temp_files_are_recognised(name: str):
    assert is_editor_temp(name)


@pytest.mark.parametrize("name", ["base.html", "style.css", "20220929.md", "4913.md", "swp.html", "sed.html"])
def test_site_files_are_not_editor_temp_files(name: str):
    assert not is_editor_temp(name)


SOURCES = Sources(PurePath("/site/content"), (PurePath("/site/themes/mine"), PurePath("/repo/themes/default")),
                  PurePath("/site/sitegen.yaml"))


@pytest.mark.parametrize("path, is_directory, kind", [
    ("/site/content/cs.CV/2022/09/20220929.md", False, ChangeKind.CONTENT),
    ("/site/content/cs.CV/2022/10", True, ChangeKind.CONTENT),
    ("/site/content/cs.CV/notes.txt", False, None),
    ("/site/content/.drafts/20220929.md", False, None),
    ("/site/content/cs.CV/.20220929.md.swp", False, None),
    ("/site/content/cs.CV/20220929.md~", False, None),
    ("/site/themes/mine/templates/base.html", False, ChangeKind.TEMPLATE),
    ("/repo/themes/default/templates/paper.html", False, ChangeKind.TEMPLATE),
    ("/site/themes/mine/templates/4913", False, None),
    ("/site/themes/mine/templates/base.html___jb_tmp___", False, None),
    ("/site/themes/mine/static/style.css", False, ChangeKind.STATIC),
    ("/site/themes/mine/README.md", False, None),
    ("/site/sitegen.yaml", False, ChangeKind.CONFIG),
    ("/site/other.yaml", False, None),
    ("/elsewhere/base.html", False, None),
])
def test_changes_are_sorted_into_kinds(path: str, is_directory: bool, kind):
    assert SOURCES.classify(path, is_directory) is kind


def test_a_move_changes_both_paths_and_reading_changes_nothing():
    template = "/site/themes/mine/templates/base.html"
    moved = FileMovedEvent(template + "___jb_tmp___", template)
    assert SOURCES.changes(moved) == [Change(ChangeKind.TEMPLATE, template)]
    assert SOURCES.changes(FileMovedEvent(template, template + "~")) == [Change(ChangeKind.TEMPLATE, template)]
    assert SOURCES.changes(FileOpenedEvent(template)) == []
    assert SOURCES.changes(FileClosedNoWriteEvent(template)) == []
    assert SOURCES.changes(DirModifiedEvent("/site/content/cs.CV")) == []
    assert SOURCES.changes(FileModifiedEvent(template)) == [Change(ChangeKind.TEMPLATE, template)]


# --- debouncing ----------------------------------------------------------------------

def test_a_batch_waits_for_quiet_but_not_forever():
    batch = Batch(quiet=0.1, longest=2.0)
    assert batch.due_in(0.0) is None
    first = Change(ChangeKind.TEMPLATE, "base.html")
    batch.add(first, now=10.0)
    batch.add(first, now=10.05)
    assert batch.due_in(10.1) == pytest.approx(0.05)
    assert batch.due_in(10.15) == 0
    for step in range(100):  # a tool that never pauses for 100 ms
        batch.add(Change(ChangeKind.CONTENT, f"{step}.md"), now=10.2 + step * 0.05)
    assert batch.due_in(11.99) == pytest.approx(0.01)
    assert batch.take()[0] == first
    assert batch.due_in(12.5) is None


def storm_batches(times: list[float], quiet: float = 0.1, longest: float = 2.0) -> int:
    """How many batches a debouncer hands on for changes at `times` (a fake clock)."""
    batch, handed = Batch(quiet, longest), 0
    for index, now in enumerate(times):
        due = batch.due_in(now)
        if due is not None and due == 0:
            batch.take()
            handed += 1
        batch.add(Change(ChangeKind.TEMPLATE, f"{index}.html"), now)
    return handed + (1 if batch.take() else 0)


def test_one_hundred_writes_in_a_second_make_at_most_two_batches():
    assert storm_batches([index * 0.01 for index in range(100)]) == 1
    assert storm_batches([index * 0.01 for index in range(50)] + [0.7 + index * 0.006 for index in range(50)]) == 2


def test_the_debouncer_hands_on_one_batch_per_save():
    batches: list[tuple[Change, ...]] = []
    arrived = threading.Event()
    debouncer = Debouncer(lambda changes: (batches.append(tuple(changes)), arrived.set()))
    debouncer.start()
    try:
        for _ in range(5):
            debouncer.add(Change(ChangeKind.TEMPLATE, "base.html"))
        assert arrived.wait(10)
        time.sleep(0.5)
    finally:
        debouncer.stop()
    assert batches == [(Change(ChangeKind.TEMPLATE, "base.html"),)]


def watch_site(root: Path, native=None):
    """A watcher over `root`'s preview site feeding a debouncer; returns (watcher, batches, warnings)."""
    batches: list[tuple[Change, ...]] = []
    warnings: list[str] = []
    debouncer = Debouncer(lambda changes: batches.append(tuple(changes)))
    sources = Sources(root / "content", (root / "themes" / "mine",), root / "sitegen.yaml")
    options = {"native": native} if native else {}
    watcher = Watcher(sources, debouncer.add, warnings.append, **options)
    debouncer.start()
    watcher.start()
    return watcher, debouncer, batches, warnings


def wait_for(condition, timeout: float = 10.0, step: float = 0.05) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(step)
    return condition()


def test_a_vim_save_is_one_batch_of_one_template(site_root: Path):
    watcher, debouncer, batches, warnings = watch_site(site_root)
    try:
        base = templates(site_root) / "base.html"
        vim_save(base, base.read_text(encoding="utf-8") + "\n")
        assert wait_for(lambda: batches)
        time.sleep(0.6)  # anything straggling would come as a second batch
    finally:
        watcher.stop()
        debouncer.stop()
    assert warnings == []
    assert batches == [(Change(ChangeKind.TEMPLATE, str(templates(site_root) / "base.html")),)]


def test_watching_falls_back_to_polling_with_a_warning(site_root: Path):
    def exhausted():
        raise OSError(errno.ENOSPC, "inotify watch limit reached")

    watcher, debouncer, batches, warnings = watch_site(site_root, native=exhausted)
    try:
        assert watcher.polling
        assert len(warnings) == 1 and "inotify watch limit reached" in warnings[0] and "polling" in warnings[0]
        time.sleep(0.2)
        stylesheet = site_root / "themes" / "mine" / "static" / "style.css"
        stylesheet.write_text(stylesheet.read_text(encoding="utf-8") + "\nbody { color: red; }\n", encoding="utf-8")
        assert wait_for(lambda: batches)
    finally:
        watcher.stop()
        debouncer.stop()
    assert Change(ChangeKind.STATIC, str(stylesheet)) in batches[0]


def test_describe_names_the_changed_files():
    changes = [Change(ChangeKind.CONTENT, f"/c/{day}.md") for day in range(5)]
    assert describe(changes[:1]) == "0.md"
    assert describe(changes + changes) == "0.md, 1.md, 2.md (+2 more)"


# --- the site in memory follows edits ---------------------------------------------

def test_a_template_edit_reloads_with_the_new_page(live, site_root: Path):
    site, heard = live
    before = site.current.generation
    edit(templates(site_root) / "paper.html", '<article class="paper">', '<article class="paper" data-edited="yes">')
    assert site.apply(change(site_root, ChangeKind.TEMPLATE, "themes/mine/templates/paper.html")) == "reloaded"
    assert heard.events == [{"type": "reload", "generation": site.current.generation, "error": None}]
    assert site.current.generation != before
    assert 'data-edited="yes"' in body(site, PAPER)


def test_a_stylesheet_edit_swaps_the_stylesheet_only(live, site_root: Path):
    site, heard = live
    old = site.current.look.assets["style.css"].path
    stylesheet = site_root / "themes" / "mine" / "static" / "style.css"
    stylesheet.write_text(stylesheet.read_text(encoding="utf-8") + "\nh1 { color: rgb(1, 2, 3); }\n",
                          encoding="utf-8")
    assert site.apply(change(site_root, ChangeKind.STATIC, "themes/mine/static/style.css")) == "stylesheet swapped"
    new = site.current.look.assets["style.css"].path
    assert new != old
    assert heard.events == [{"type": "css", "generation": site.current.generation, "error": None,
                             "stylesheets": [{"old": old, "new": new}]}]
    assert b"rgb(1, 2, 3)" in site.respond(new).body
    assert new in body(site, PAPER)
    assert site.apply(change(site_root, ChangeKind.STATIC, "themes/mine/static/style.css")) == "no page changed"


def test_a_script_edit_reloads(live, site_root: Path):
    site, heard = live
    script = site_root / "themes" / "mine" / "static" / "site.js"
    script.write_text(script.read_text(encoding="utf-8") + "\n// edited\n", encoding="utf-8")
    assert site.apply(change(site_root, ChangeKind.STATIC, "themes/mine/static/site.js")) == "reloaded"
    assert heard.events[-1]["type"] == "reload"


def test_a_broken_template_keeps_the_last_good_site_until_fixed(live, site_root: Path):
    site, heard = live
    good = body(site, PAPER)
    generation = site.current.generation
    base = templates(site_root) / "base.html"
    original = base.read_text(encoding="utf-8")
    for attempt in range(20):
        base.write_text(original.replace("</main>", "{% if %}</main>" if attempt % 2 else "{{ page.nope }}</main>"),
                        encoding="utf-8")
        outcome = site.apply(change(site_root, ChangeKind.TEMPLATE, "themes/mine/templates/base.html"))
        assert outcome.startswith("error: "), outcome
        assert body(site, PAPER) == good  # the last good snapshot still serves
    assert site.current.generation == generation
    error = heard.events[-1]
    assert error["type"] == "error" and error["file"].endswith("base.html") and error["line"] > 1
    assert site.hello()["error"] == error
    base.write_text(original, encoding="utf-8")
    assert site.apply(change(site_root, ChangeKind.TEMPLATE, "themes/mine/templates/base.html")) == "reloaded"
    assert heard.events[-1]["type"] == "reload" and site.hello()["error"] is None


def test_an_error_in_a_template_the_open_page_does_not_use_is_shown_too(live, site_root: Path):
    site, heard = live
    edit(templates(site_root) / "category.html", "{% block main %}", "{% block main %}{{ page.nope }}")
    outcome = site.apply(change(site_root, ChangeKind.TEMPLATE, "themes/mine/templates/category.html"))
    assert outcome.startswith("reloaded; error: ") and "category.html" in outcome
    assert [event["type"] for event in heard.events] == ["reload", "error"]
    assert heard.events[-1]["file"].endswith("category.html") and site.hello()["error"] == heard.events[-1]
    assert site.respond(PAPER).status == 200


def test_a_page_that_fails_only_on_request_gets_its_last_good_render_or_an_error_page(live, site_root: Path):
    site, heard = live
    other = "papers/2209.14200.html"
    good = body(site, other)
    edit(templates(site_root) / "paper.html", "{% block main %}",
         '{% block main %}{% if page.id == "2209.14200" %}{{ page.missing }}{% endif %}')
    assert site.apply(change(site_root, ChangeKind.TEMPLATE, "themes/mine/templates/paper.html")) == "reloaded"
    assert body(site, other) == good
    assert heard.events[-1]["type"] == "error" and heard.events[-1]["file"].endswith("paper.html")
    never_seen = site.respond("papers/2209.14201.html")
    assert never_seen.status == 200  # this page does not hit the broken branch
    fresh = LiveSite(site_root / "sitegen.yaml", "http://127.0.0.1:8000/", Heard(), lambda line: None)
    failing = fresh.respond(other)
    assert failing.status == 500 and b"Build error" in failing.body and b"paper.html" in failing.body


def test_error_text_is_escaped_in_the_error_page(live, site_root: Path):
    edit(templates(site_root) / "paper.html", "{% block main %}", "{% block main %}{{ page['<script>x'] }}")
    fresh = LiveSite(site_root / "sitegen.yaml", "http://127.0.0.1:8000/", Heard(), lambda line: None)
    failing = fresh.respond(PAPER)
    assert failing.status == 500
    assert b"<script>x" not in failing.body and b"&lt;script&gt;x" in failing.body


def test_a_broken_digest_is_shown_and_the_site_keeps_serving(live, site_root: Path):
    site, heard = live
    digest = site_root / "content" / "cs.CV" / "2022" / "09" / "20220929.md"
    original = digest.read_text(encoding="utf-8")
    digest.write_text(original.replace(PLAIN_PUBLISHED, BROKEN_DATE), encoding="utf-8")
    outcome = site.apply(change(site_root, ChangeKind.CONTENT, "content/cs.CV/2022/09/20220929.md"))
    assert outcome.startswith("reloaded; still failing: ") and "20220929.md:" in outcome
    error = site.hello()["error"]
    assert error["file"].endswith("20220929.md") and error["line"] == original.splitlines().index(PLAIN_PUBLISHED) + 1
    assert site.respond(PLAIN).status == 404  # the broken entry is skipped, as a build skips it
    assert site.respond(PAPER).status == 200
    digest.write_text(original, encoding="utf-8")
    assert site.apply(change(site_root, ChangeKind.CONTENT, "content/cs.CV/2022/09/20220929.md")) == "reloaded"
    assert site.hello()["error"] is None
    assert site.respond(PLAIN).status == 200


def test_a_new_digest_adds_its_papers(live, site_root: Path):
    site, _ = live
    source = site_root / "content" / "cs.CV" / "2022" / "09" / "20220928.md"
    added = site_root / "content" / "cs.CV" / "2022" / "10" / "20221003.md"
    added.parent.mkdir()
    added.write_text(source.read_text(encoding="utf-8").replace("2022-09-28", "2022-10-03")
                     .replace("2209.14001", "2210.00001"), encoding="utf-8")
    assert site.apply(change(site_root, ChangeKind.CONTENT, "content/cs.CV/2022/10/20221003.md")) == "reloaded"
    assert site.respond("papers/2210.00001.html").status == 200
    assert site.respond("days/2022/10/03.html").status == 200


def test_a_content_edit_reads_only_the_new_venue_texts(live, site_root: Path, monkeypatch):
    site, _ = live
    read = []
    monkeypatch.setattr(Venues, "_read", lambda venues, comment, journal: read.append(comment) or None)
    digest = "content/cs.CV/2022/09/20220929.md"
    edit(site_root / digest, "Second version, revised", "Fourth version")
    assert site.apply(change(site_root, ChangeKind.CONTENT, digest)) == "reloaded"
    assert read == ["Fourth version"]  # the other texts were read when the preview started


def test_new_venue_aliases_are_read_into_texts_read_before(live, site_root: Path):
    site, _ = live
    digest = "content/cs.CV/2022/09/20220929.md"
    edit(site_root / digest, "Second version, revised", "Accepted to FooConf 2023")
    assert site.apply(change(site_root, ChangeKind.CONTENT, digest)) == "reloaded"
    assert site.respond("venues/fooconf/2023.html").status == 404  # no venue of that name yet
    edit(site_root / "sitegen.yaml", "theme: mine\n", "theme: mine\nvenue_aliases: {FooConf: FooConf}\n")
    assert site.apply(change(site_root, ChangeKind.CONFIG, "sitegen.yaml")) == "reloaded"
    assert "2209.14002" in body(site, "venues/fooconf/2023.html")
    assert "FooConf 2023" in body(site, "papers/2209.14002.html")


def test_a_configuration_edit_reloads_and_a_broken_one_is_shown(live, site_root: Path):
    site, heard = live
    config = site_root / "sitegen.yaml"
    config.write_text("title: Renamed preview\ntheme: mine\n", encoding="utf-8")
    assert site.apply(change(site_root, ChangeKind.CONFIG, "sitegen.yaml")) == "reloaded"
    assert "Renamed preview" in body(site, "index.html")
    config.write_text("title: Renamed preview\ntheme: mine\nper_page: lots\n", encoding="utf-8")
    assert site.apply(change(site_root, ChangeKind.CONFIG, "sitegen.yaml")).startswith("error: ")
    assert heard.events[-1] == {"type": "error", "file": str(config), "line": 3,
                                "message": heard.events[-1]["message"], "page": None}
    assert "per_page" in heard.events[-1]["message"]
    assert "Renamed preview" in body(site, "index.html")
    config.write_text("title: Renamed preview\ntheme: mine\n", encoding="utf-8")
    assert site.apply(change(site_root, ChangeKind.CONFIG, "sitegen.yaml")) == "reloaded"
    assert site.hello()["error"] is None


def test_search_data_feeds_and_redirects_come_from_memory(live):
    site, _ = live
    manifest = site.respond("search/manifest.js")
    assert manifest.status == 200 and manifest.body.startswith(b"sitegenSearch.setManifest(")
    feed = site.respond("feed.xml")
    assert feed.status == 200 and b"http://127.0.0.1:8000/papers/" in feed.body
    assert site.respond("robots.txt").status == 200
    moved = site.respond("papers/2209.14001")
    assert moved.status == 301 and moved.location == "/papers/2209.14001.html"
    folder = site.respond("archive")
    assert folder.status == 301 and folder.location == "/archive/"
    missing = site.respond("papers/nope.html")
    assert missing.status == 404 and b"Page not found" in missing.body and missing.generation
    katex = next(path for path in site._vendor_files if path.endswith("katex.min.js"))
    assert site.respond(katex).immutable


def test_author_feeds_bibliographies_and_venue_pages_are_previewed(live):
    site, _ = live
    feed = site.respond("authors/alice-smith.xml")
    assert feed.status == 200 and feed.content_type.startswith("application/xml") and feed.generation is None
    assert feed.body.startswith(b'<?xml') and b"<title>Preview fixture: Alice Smith</title>" in feed.body
    bibliography = site.respond("venues/cvpr/2023.bib")
    assert bibliography.status == 200 and bibliography.content_type.startswith("text/plain")
    assert bibliography.body.startswith(b"@inproceedings{smith2022learning,")
    assert "Learning Features" in body(site, "venues/cvpr/2023.html")
    assert "CVPR Workshops" in body(site, "venues/index.html")


@pytest.mark.parametrize("name", ["static/leak.txt", "templates/leak.html", "static/linked"])
def test_a_theme_with_a_file_linking_out_of_it_is_refused(site_root: Path, name: str):
    leak = site_root / "themes" / "mine" / name
    leak.parent.mkdir(parents=True, exist_ok=True)
    leak.symlink_to("/etc/passwd" if "." in name else "/etc")
    with pytest.raises(UsageError, match=f"{leak}: links outside the theme"):
        LiveSite(site_root / "sitegen.yaml", "http://127.0.0.1:8000/", Heard(), lambda line: None)


# --- the running server --------------------------------------------------------------

@contextmanager
def serving(site_root: Path):
    """A preview served on a free port in this process; yields (preview, port)."""
    lines: list[str] = []
    with Preview(site_root / "sitegen.yaml", "127.0.0.1", 0, lines.append) as preview:
        thread = threading.Thread(target=preview.server.serve_forever, daemon=True)
        thread.start()
        try:
            yield preview, preview.server.server_address[1]
        finally:
            preview.server.shutdown()
            thread.join(10)


@pytest.fixture
def running(site_root: Path):
    with serving(site_root) as served:
        yield served


def closed_by_server(connection: socket.socket) -> bool:
    """True once the server has closed its side (what it sent first is read and dropped)."""
    try:
        while connection.recv(65536):
            pass
    except (TimeoutError, BlockingIOError):
        return False
    except ConnectionResetError:
        pass
    return True


def test_a_client_sending_its_headers_a_byte_at_a_time_is_cut_off(site_root: Path, monkeypatch):
    monkeypatch.setattr(server.Handler, "header_deadline", 0.5)
    with serving(site_root) as (_, port), socket.create_connection(("127.0.0.1", port)) as connection:
        connection.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n")
        connection.setblocking(False)
        for _ in range(50):  # 10 s of a byte every 0.2 s, each well within the idle timeout
            try:
                connection.sendall(b"X")
            except (BrokenPipeError, ConnectionResetError):
                break
            if closed_by_server(connection):
                break
            time.sleep(0.2)
        else:
            pytest.fail("the server kept a connection whose headers never ended")
        assert raw_get(port, "/")[0] == 200


def test_connections_beyond_the_cap_are_turned_away_until_others_close(site_root: Path, monkeypatch):
    monkeypatch.setattr(server, "MAX_CONNECTIONS", 4)
    with serving(site_root) as (_, port):
        idle = [socket.create_connection(("127.0.0.1", port), timeout=10) for _ in range(4)]
        with socket.create_connection(("127.0.0.1", port), timeout=10) as extra:
            extra.sendall(b"GET / HTTP/1.1\r\nHost: localhost\r\n\r\n")
            assert extra.recv(65536).startswith(b"HTTP/1.1 503 ")
        for connection in idle:
            connection.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:  # the closed connections' threads end and free their places
            try:
                if raw_get(port, "/")[0] == 200:
                    break
            except ValueError:  # a 503 with no body parsed badly: not yet
                pass
            except OSError:
                pass
            time.sleep(0.05)
        else:
            pytest.fail("places were not freed when the idle connections closed")


def raw_get(port: int, target: str, host: str = "127.0.0.1", method: str = "GET") -> tuple[int, dict, bytes]:
    """A request sent byte for byte as given (no client-side normalising); status, headers, body."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        request = f"{method} {target} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        connection.sendall(request.encode("latin-1"))
        data = b""
        while chunk := connection.recv(65536):
            data += chunk
    head, _, payload = data.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in lines[1:])}
    return int(lines[0].split()[1]), headers, payload


def test_the_server_answers_traversal_with_404_and_keeps_answering(running, site_root: Path):
    preview, port = running
    leak = site_root / "themes" / "mine" / "static" / "leak.txt"
    leak.symlink_to("/etc/passwd")
    for target in TRAVERSALS[:-1] + ["/etc/passwd", "/themes/mine/static/leak.txt", "/assets/leak.txt",
                                     "/content/cs.CV/2022/09/20220929.md", "/sitegen.yaml"]:
        status, headers, payload = raw_get(port, target)
        assert status == 404, target
        assert b"root:x:" not in payload and b"Arxiv ID" not in payload
        assert "access-control-allow-origin" not in headers
    status, headers, payload = raw_get(port, "/")
    assert status == 200 and b'<script src="/_sitegen/reload.js?g=' in payload
    assert "access-control-allow-origin" not in headers


def test_the_server_refuses_other_host_names(running):
    _, port = running
    assert raw_get(port, "/", host="evil.example")[0] == 403
    assert raw_get(port, "/_sitegen/events", host="evil.example:80")[0] == 403
    assert raw_get(port, "/", host=f"localhost:{port}")[0] == 200
    assert raw_get(port, "/", method="HEAD")[0] == 200


def test_the_event_stream_starts_with_the_state_of_the_site(running):
    preview, port = running
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(b"GET /_sitegen/events?path=%2Fpapers%2F2209.14001.html HTTP/1.1\r\nHost: localhost\r\n\r\n")
        data = b""
        while b"data: " not in data or not data.endswith(b"\n\n"):
            data += connection.recv(4096)
        assert wait_for(lambda: preview.hub.open_pages() == {PAPER})
    assert b"Content-Type: text/event-stream" in data
    hello = json.loads(data.split(b"data: ", 1)[1])
    assert hello == {"type": "hello", "generation": preview.site.current.generation, "error": None}


def test_the_watcher_follows_the_configuration_to_another_theme(running, site_root: Path):
    preview, _ = running
    shutil.copytree(site_root / "themes" / "mine", site_root / "themes" / "other")
    (site_root / "sitegen.yaml").write_text("title: Preview fixture\ntheme: other\n", encoding="utf-8")
    assert wait_for(lambda: preview.watcher.sources.themes[0] == site_root / "themes" / "other")
    generation = preview.site.current.generation
    edit(site_root / "themes" / "other" / "templates" / "base.html", "built with sitegen.", "built by other.")
    assert wait_for(lambda: preview.site.current.generation != generation)
    assert "built by other." in body(preview.site, "index.html")


def test_the_command_prints_its_url_and_stops_cleanly_on_ctrl_c(site_root: Path):
    process = subprocess.Popen(
        [sys.executable, "-m", "sitegen.cli", "serve", "--port", "0"], cwd=site_root,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))  # a background job may ignore it
    try:
        line = ""
        while "serving" not in line:
            line = process.stdout.readline()
            assert line, "the server ended before serving"
        port = int(re.search(r"http://127\.0\.0\.1:(\d+)/", line)[1])
        assert raw_get(port, "/")[0] == 200
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0
    assert "Traceback" not in output and output.strip().endswith("sitegen serve: stopped")
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        probe.bind(("127.0.0.1", port))  # the port is free again
