"""Tests for `sitegen.archive`: merging listings into papers, categories, authors, orders."""

from __future__ import annotations

import itertools
import re
from datetime import date
from pathlib import Path

import pytest

from sitegen.archive import Archive, author_slugs, build_archive, newest_first, slugify
from sitegen.digest import Digest, parse_digest
from sitegen.taxonomy import is_arxiv_category

FIXTURES = Path(__file__).parent / "fixtures" / "digests"


def read(name: str) -> Digest:
    return parse_digest((FIXTURES / name).read_text(encoding="utf-8"), name)


def fixtures() -> list[Digest]:
    return [read(path.name) for path in sorted(FIXTURES.glob("*.md"))]


def make_digest(day: str, *entries: str, category: str = "cs.CV") -> Digest:
    text = f"# Arxiv Papers in {category} on {day}\n" + "".join(entries)
    result = parse_digest(text, f"{day}.md")
    assert result.problems == (), [str(p) for p in result.problems]
    return result


def paper(paper_id: str, version: int = 1, *, published: str = "2022-10-01 00:00:00+00:00",
          updated: str | None = None, authors: str = "Ada Lovelace", categories: str = "**cs.CV**",
          title: str | None = None, comment: str = "None") -> str:
    return (f"### {title or f'Paper {paper_id} v{version}'}\n"
            f"- **Arxiv ID**: http://arxiv.org/abs/{paper_id}v{version}\n"
            f"- **DOI**: None\n"
            f"- **Categories**: {categories}\n"
            f"- **Links**: [PDF](http://arxiv.org/pdf/{paper_id}v{version})\n"
            f"- **Published**: {published}\n"
            f"- **Updated**: {updated or published}\n"
            f"- **Authors**: {authors}\n"
            f"- **Comment**: {comment}\n"
            f"- **Journal**: None\n"
            f"- **Summary**: Summary of {paper_id} v{version}.\n\n\n\n")


@pytest.fixture(scope="module")
def archive() -> Archive:
    return build_archive(fixtures())


# --- Merging ---------------------------------------------------------------------------------


def test_counts_entries_papers_and_merged_duplicates(archive: Archive) -> None:
    assert archive.entries == 19
    assert len(archive.papers) == 17
    assert archive.merged == 2
    assert archive.entries == len(archive.papers) + archive.merged


def test_newest_version_wins_within_one_digest() -> None:
    result = build_archive([read("20221003-versions.md")])
    merged = result.papers["2210.01234"]
    assert merged.version == 2
    assert merged.title == "A Paper Listed Twice (second version)"
    assert merged.comment == "v2: more experiments"
    assert merged.categories == ("cs.CV", "cs.LG")
    assert (result.entries, len(result.papers), result.merged) == (3, 2, 1)


def test_newest_version_wins_across_digests(archive: Archive) -> None:
    merged = archive.papers["2210.01234"]
    assert merged.version == 3
    assert merged.title == "A Paper Listed Twice (third version)"
    assert merged.dois == ("10.1234/twice.3",)
    assert merged.pdf_url == "http://arxiv.org/pdf/2210.01234v3"


def test_every_listing_day_of_a_merged_paper_is_kept(archive: Archive) -> None:
    merged = archive.papers["2210.01234"]
    assert merged.listings == ((date(2022, 10, 3), "cs.CV"), (date(2022, 10, 4), "cs.LG"))
    assert merged.days == (date(2022, 10, 3), date(2022, 10, 4))
    assert "2210.01234" in archive.days[date(2022, 10, 3)].paper_ids
    assert "2210.01234" in archive.days[date(2022, 10, 4)].paper_ids


@pytest.mark.parametrize("order", list(itertools.permutations(range(3))))
def test_reading_order_does_not_change_the_winner(order: tuple[int, ...]) -> None:
    digests = [make_digest(f"2022-10-0{n + 1}", paper("2210.00001", n + 1, title=f"Version {n + 1}"))
               for n in range(3)]
    merged = build_archive([digests[i] for i in order]).papers["2210.00001"]
    assert (merged.version, merged.title) == (3, "Version 3")
    assert merged.days == (date(2022, 10, 1), date(2022, 10, 2), date(2022, 10, 3))


def test_same_version_later_update_wins() -> None:
    first = make_digest("2022-10-01", paper("2210.00001", 1, updated="2022-10-01 00:00:00+00:00", title="Old"))
    second = make_digest("2022-10-02", paper("2210.00001", 1, updated="2022-10-02 00:00:00+00:00", title="New"))
    for digests in ([first, second], [second, first]):
        assert build_archive(digests).papers["2210.00001"].title == "New"


def test_old_style_ids_merge_by_id_without_version() -> None:
    first = make_digest("2003-09-15", paper("math.GT/0309136", 1))
    second = make_digest("2003-09-16", paper("math.GT/0309136", 2))
    result = build_archive([first, second])
    assert list(result.papers) == ["math.GT/0309136"]
    assert result.papers["math.GT/0309136"].version == 2
    assert result.merged == 1


def test_same_paper_listed_under_two_categories_on_one_day() -> None:
    cv = make_digest("2022-10-01", paper("2210.00001"), category="cs.CV")
    lg = make_digest("2022-10-01", paper("2210.00001"), category="cs.LG")
    result = build_archive([cv, lg])
    day = result.days[date(2022, 10, 1)]
    assert day.listings == (("2210.00001", "cs.CV"), ("2210.00001", "cs.LG"))
    assert day.paper_ids == ("2210.00001",)
    assert result.papers["2210.00001"].listings == ((date(2022, 10, 1), "cs.CV"), (date(2022, 10, 1), "cs.LG"))
    assert result.merged == 1


def test_empty_digest_is_a_day_without_papers(archive: Archive) -> None:
    assert archive.days[date(2022, 10, 2)].listings == ()
    assert archive.days[date(2022, 10, 2)].paper_ids == ()


def test_digest_without_a_day_adds_nothing() -> None:
    broken = parse_digest("not a heading\n" + paper("2210.00001"), "broken.md")
    assert broken.day is None
    result = build_archive([broken])
    assert (result.papers, result.days, result.entries) == ({}, {}, 0)


def test_days_are_in_date_order(archive: Archive) -> None:
    assert list(archive.days) == sorted(archive.days)
    assert len(archive.days) == 8


def test_day_lists_papers_in_file_order() -> None:
    result = build_archive([read("20221003-versions.md")])
    assert result.days[date(2022, 10, 3)].paper_ids == ("2210.01234", "2210.01300")


# --- Categories ------------------------------------------------------------------------------


def test_category_names_come_from_the_taxonomy(archive: Archive) -> None:
    assert archive.categories["cs.CV"].name == "Computer Vision and Pattern Recognition"
    assert archive.categories["eess.IV"].name == "Image and Video Processing"
    assert archive.categories["cond-mat.stat-mech"].name == "Statistical Mechanics"
    assert archive.categories["quant-ph"].name == "Quantum Physics"


def test_unknown_category_code_keeps_its_code_as_name() -> None:
    result = build_archive([make_digest("2022-10-01", paper("2210.00001", categories="**cs.CV**, cs.XY"))])
    assert result.categories["cs.XY"].name == "cs.XY"
    assert result.categories["cs.XY"].paper_ids == ("2210.00001",)


def test_msc_and_acm_codes_never_become_categories(archive: Archive) -> None:
    assert set(archive.categories) == {
        "cond-mat.dis-nn", "cond-mat.stat-mech", "cs.AI", "cs.CV", "cs.LG", "cs.NE",
        "eess.IV", "math.GT", "math.RT", "quant-ph"}
    assert all(is_arxiv_category(code) for code in archive.categories)
    classifications = {code for p in archive.papers.values() for code in p.classifications}
    assert {"68T07 (Primary) 20C35 (Secondary)", "ACM-class: I.4.8", "I.2.10; I.2.6", "57M25"} <= classifications
    assert not classifications & set(archive.categories)


def test_paper_keeps_its_classifications(archive: Archive) -> None:
    assert archive.papers["2209.15002"].classifications == ("I.2.10; I.2.6", "ACM-class: I.4.8", "68T45")


def test_category_lists_every_paper_carrying_it(archive: Archive) -> None:
    carriers = {pid for pid, p in archive.papers.items() if "math.RT" in p.categories}
    assert set(archive.categories["math.RT"].paper_ids) == carriers == {"2209.15001"}


def test_listing_category_is_a_category_of_its_papers() -> None:
    result = build_archive([make_digest("2022-10-01", paper("2210.00001"), category="eess.IV")])
    assert result.categories["eess.IV"].paper_ids == ("2210.00001",)


def test_category_papers_are_newest_first(archive: Archive) -> None:
    for category in archive.categories.values():
        papers = [archive.papers[pid] for pid in category.paper_ids]
        assert papers == newest_first(papers), category.code
        assert len(set(category.paper_ids)) == len(category.paper_ids)


# --- Authors ---------------------------------------------------------------------------------


def test_nfd_and_nfc_spellings_are_one_author(archive: Archive) -> None:
    author = archive.authors["Milo\u0161 Radovanovi\u0107"]
    assert author.paper_ids == ("2210.00102", "2210.00101")
    assert author.slug == "milos-radovanovic"
    assert not any("\u030c" in name or "\u0301" in name for name in archive.authors)


def test_stray_spaces_do_not_make_another_author(archive: Archive) -> None:
    assert archive.authors["Jookyung Song"].paper_ids == ("2210.00102", "2210.00101")
    assert archive.authors["Yeonjin Chang"].paper_ids == ("2210.00101",)
    assert all(name == " ".join(name.split()) for name in archive.authors)


def test_names_with_the_same_slug_get_distinct_slugs(archive: Archive) -> None:
    accented, plain = archive.authors["Jos\u00e9 Garc\u00eda"], archive.authors["Jose Garcia"]
    assert accented.slug == "jose-garcia"  # seen first (older paper): keeps the plain slug
    assert re.fullmatch(r"jose-garcia-[0-9a-f]{6}", plain.slug)
    assert plain.slug == "jose-garcia-190827"  # a hash of the name: the same on every build


def test_earlier_seen_name_keeps_the_plain_slug_whatever_the_spelling() -> None:
    older = make_digest("2022-10-01", paper("2210.00001", authors="Jose Garcia", published="2022-10-01 00:00:00+00:00"))
    newer = make_digest("2022-10-02", paper("2210.00002", authors="Jos\u00e9 Garc\u00eda", published="2022-10-02 00:00:00+00:00"))
    for digests in ([older, newer], [newer, older]):
        authors = build_archive(digests).authors
        assert authors["Jose Garcia"].slug == "jose-garcia"
        assert authors["Jos\u00e9 Garc\u00eda"].slug.startswith("jose-garcia-")


def test_adding_newer_papers_does_not_change_existing_slugs(archive: Archive) -> None:
    newer = make_digest("2022-12-01", paper(
        "2212.00001", published="2022-12-01 00:00:00+00:00",
        authors="JOSE GARCIA, Jos\u00e9 Garcia, Milos Radovanovic, Grace Hopper, New Person"))
    grown = build_archive(fixtures() + [newer])
    for name, author in archive.authors.items():
        assert grown.authors[name].slug == author.slug, name
    slugs = [author.slug for author in grown.authors.values()]
    assert len(slugs) == len(set(slugs))
    assert grown.authors["Milos Radovanovic"].slug.startswith("milos-radovanovic-")
    assert grown.authors["New Person"].slug == "new-person"


def test_every_author_slug_is_unique_and_url_safe(archive: Archive) -> None:
    slugs = [author.slug for author in archive.authors.values()]
    assert len(slugs) == len(set(slugs))
    assert all(re.fullmatch(r"[a-z0-9]+(?:-[a-z0-9]+)*", slug) for slug in slugs)


def test_slugs_are_the_same_on_every_build() -> None:
    first = {n: a.slug for n, a in build_archive(fixtures()).authors.items()}
    second = {n: a.slug for n, a in build_archive(list(reversed(fixtures()))).authors.items()}
    assert first == second


def test_author_slugs_group_collisions_by_first_seen() -> None:
    first_seen = {"Jose Garcia": -1, "Jos\u00e9 Garc\u00eda": -5, "JOSE GARCIA": 0}
    slugs = author_slugs(first_seen, first_seen.get)
    assert slugs["Jos\u00e9 Garc\u00eda"] == "jose-garcia"
    assert len(set(slugs.values())) == 3


def test_names_without_latin_letters_get_distinct_slugs() -> None:
    assert slugify("Miloš Radovanović") == "milos-radovanovic"
    assert slugify("  Laurent Wendling (LIPADE) ") == "laurent-wendling-lipade"
    first, second = slugify("\u674e\u660e"), slugify("\u738b\u82b3")
    assert first.startswith("author-") and second.startswith("author-") and first != second


def test_affiliation_is_part_of_the_author_name(archive: Archive) -> None:
    name = "Laurent Wendling (LIPADE, Universit\u00e9 Paris Cit\u00e9)"
    assert archive.authors[name].paper_ids == ("2210.00103",)


def test_author_listed_twice_on_one_paper_counts_once() -> None:
    result = build_archive([make_digest("2022-10-01", paper("2210.00001", authors="Ada Lovelace, Alan Turing, Ada Lovelace"))])
    assert result.papers["2210.00001"].authors == ("Ada Lovelace", "Alan Turing")
    assert result.authors["Ada Lovelace"].paper_ids == ("2210.00001",)


def test_author_papers_are_newest_first(archive: Archive) -> None:
    for author in archive.authors.values():
        papers = [archive.papers[pid] for pid in author.paper_ids]
        assert papers == newest_first(papers), author.name


def test_merged_paper_counts_only_its_newest_author_list(archive: Archive) -> None:
    assert archive.authors["Grace Hopper"].paper_ids == ("2210.01300", "2210.01234")
    assert "2210.01234" in archive.authors["Alan Turing"].paper_ids  # added in v2, kept in v3


def test_coauthors_with_shared_paper_counts(archive: Archive) -> None:
    assert archive.coauthors("Grace Hopper") == [("Alan Turing", 2)]
    assert archive.coauthors("Alan Turing") == [("Grace Hopper", 2), ("Emmy Noether", 1)]
    assert archive.coauthors("Yann LeCun") == []


def test_coauthors_ties_are_ordered_by_name() -> None:
    result = build_archive([make_digest("2022-10-01",
                                        paper("2210.00001", authors="Zed, Ada, Bob"),
                                        paper("2210.00002", authors="Zed, Bob"))])
    assert result.coauthors("Zed") == [("Bob", 2), ("Ada", 1)]
    assert result.coauthors("Ada") == [("Bob", 1), ("Zed", 1)]


def test_author_categories_with_counts(archive: Archive) -> None:
    assert archive.author_categories("Alan Turing") == [("cs.CV", 4), ("cs.AI", 1), ("cs.LG", 1), ("eess.IV", 1)]


# --- Orders ----------------------------------------------------------------------------------


def test_papers_are_keyed_in_id_order(archive: Archive) -> None:
    assert list(archive.papers) == sorted(archive.papers)


def test_newest_first_breaks_ties_by_id() -> None:
    same_time = "2022-10-01 00:00:00+00:00"
    result = build_archive([make_digest("2022-10-01",
                                        paper("2210.00002", published=same_time),
                                        paper("2210.00003", published="2022-09-30 00:00:00+00:00"),
                                        paper("2210.00001", published=same_time))])
    ordered = [p.id for p in newest_first(result.papers.values())]
    assert ordered == ["2210.00002", "2210.00001", "2210.00003"]
    assert [p.id for p in newest_first(reversed(list(result.papers.values())))] == ordered


def test_newest_first_compares_instants_across_offsets() -> None:
    result = build_archive([make_digest("2022-10-01",
                                        paper("2210.00001", published="2022-10-01 08:00:00+09:00"),  # 23:00 UTC
                                        paper("2210.00002", published="2022-09-30 23:30:00+00:00"))])
    assert [p.id for p in newest_first(result.papers.values())] == ["2210.00002", "2210.00001"]


def test_archive_is_the_same_whatever_the_digest_order() -> None:
    forward, backward = build_archive(fixtures()), build_archive(list(reversed(fixtures())))
    assert forward.papers == backward.papers
    assert forward.categories == backward.categories
    assert forward.authors == backward.authors
    assert list(forward.days) == list(backward.days)
