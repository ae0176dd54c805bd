"""What author pages see of co-authors and categories, and what authors' feeds and
bibliographies hold, whatever order pages are rendered in."""

from __future__ import annotations

import random
from pathlib import Path

from sitegen.archive import build_archive
from sitegen.config import Config
from sitegen.kinds import Pages
from sitegen.routes import Page
from sitegen import views as views_module
from sitegen.views import COAUTHORS_SHOWN, Kept

from test_archive import make_digest, paper


def views_of(*entries: str) -> Pages:
    return Pages(build_archive([make_digest("2022-10-03", *entries)]), Config(root=Path(".")))


def author_view(views: Pages, name: str) -> dict:
    return views.view(Page("author", name, views.source.author_path(name)))


def shown(view: dict) -> tuple:
    return ([(c["name"], c["path"], c["count"]) for c in view["coauthors"]], view["more_coauthors"],
            [(c["code"], c["count"]) for c in view["categories"]])


def test_coauthors_and_categories_are_counted_over_an_authors_papers():
    views = views_of(
        paper("2210.00001", authors="Ada Byron, Carl Gauss, Bea Noether", categories="**cs.CV**, cs.LG"),
        paper("2210.00002", authors="Ada Byron, Carl Gauss", categories="**cs.LG**"),
        paper("2210.00003", authors="Dan Euler, Bea Noether, Ada Byron", categories="**eess.IV**, cs.CV"))
    assert shown(author_view(views, "Ada Byron")) == (
        [("Bea Noether", "authors/bea-noether.html", 2), ("Carl Gauss", "authors/carl-gauss.html", 2),
         ("Dan Euler", "authors/dan-euler.html", 1)], 0,
        [("cs.CV", 2), ("cs.LG", 2), ("eess.IV", 1)])
    assert shown(author_view(views, "Dan Euler")) == (
        [("Ada Byron", "authors/ada-byron.html", 1), ("Bea Noether", "authors/bea-noether.html", 1)], 0,
        [("cs.CV", 1), ("eess.IV", 1)])


def test_the_authors_of_one_paper_each_see_the_others_in_any_order():
    """What one-paper authors' pages show is built once per paper and kept for the last
    paper asked about: pages asked for out of order still get their own."""
    team = [f"Member {number:02d}" for number in range(COAUTHORS_SHOWN + 5)]
    views = views_of(paper("2210.00001", authors=", ".join(team), categories="**cs.CV**, cs.LG"),
                     paper("2210.00002", authors="Solo Writer, Other Writer", categories="**math.GT**"))
    names = team + ["Solo Writer", "Other Writer"]
    expected = {}
    for name in names:
        others = sorted(other for other in (team if name in team else ["Solo Writer", "Other Writer"]) if other != name)
        expected[name] = (others[:COAUTHORS_SHOWN], len(others))
    for order in (names, names[::-1], random.Random(6).sample(names, len(names))):
        for name in order:
            coauthors, more, categories = shown(author_view(views, name))
            assert [c for c, _, _ in coauthors] == expected[name][0]
            assert {count for _, _, count in coauthors} == {1}
            assert more == expected[name][1] - len(coauthors)
            assert categories == ([("cs.CV", 1), ("cs.LG", 1)] if name in team else [("math.GT", 1)])


def test_kept_entries_are_made_once_while_recent_and_again_once_forgotten():
    made = []
    kept = Kept(2, lambda key: made.append(key) or f"entry {key}")
    asked = ["a", "b", "a", "c", "b", "d", "e", "a"]
    assert [kept(key) for key in asked] == [f"entry {key}" for key in asked]
    assert made == ["a", "b", "c", "d", "e", "a"]  # b outlived one turn over; a, two turns on, is made anew


def test_feeds_and_bibliographies_hold_each_authors_own_papers_in_any_order(monkeypatch):
    """A paper's feed and BibTeX entries are kept while co-authors' files are made: with
    room for one paper's, files made in any order are the files made each on its own."""
    entries = [paper(f"2210.{number:05d}", authors=authors, title=f"Study {number} of {authors}")
               for number, authors in enumerate(["Ada Byron, Carl Gauss", "Carl Gauss, Bea Noether",
                                                 "Bea Noether, Ada Byron, Dan Euler", "Dan Euler"], start=1)]
    names = ["Ada Byron", "Bea Noether", "Carl Gauss", "Dan Euler"]
    pages = [Page(kind, name, "") for name in names for kind in ("author_feed", "author_bibliography")]
    alone = {(page.kind, page.key): views_of(*entries).view(page) for page in pages}
    monkeypatch.setattr(views_module, "ENTRIES_KEPT", 1)
    for order in (pages, pages[::-1], random.Random(3).sample(pages, len(pages))):
        views = views_of(*entries)
        assert {(page.kind, page.key): views.view(page) for page in order} == alone


def test_pages_listing_papers_are_the_same_whatever_papers_were_listed_before(monkeypatch):
    """A paper as lists show it is kept for the pages rendered lately only: with room for
    one, pages viewed in any order are the pages viewed each on its own (the day's and
    category's lists, an author's papers with their co-authors, a paper's page)."""
    entries = [paper(f"2210.{number:05d}", authors=authors, title=f"Study $x_{number}$ of {authors}",
                     categories="**cs.CV**, cs.LG" if number % 2 else "**cs.LG**")
               for number, authors in enumerate(["Ada Byron, Carl Gauss", "Carl Gauss, Bea Noether",
                                                 "Bea Noether, Ada Byron, Dan Euler", "Dan Euler"], start=1)]
    pages = [page for page in views_of(*entries).pages() if page.kind in ("author", "day", "category", "paper")]
    alone = {page: views_of(*entries).view(page) for page in pages}
    monkeypatch.setattr(views_module, "ITEMS_KEPT", 1)
    for order in (pages, pages[::-1], random.Random(5).sample(pages, len(pages))):
        views = views_of(*entries)
        assert {page: views.view(page) for page in order} == alone
        assert len(views.present.item.newer) + len(views.present.item.older) <= 2
