"""Unit tests for `sitegen.digest`: one rule of `shared/digest-format.md` per test.

Entries are built by `entry()` below: a `### title` line and the ten field lines, then
three blank lines, so in `digest(entry(), entry(), …)` entry k (from 0) starts on line
2 + 14k and its n-th field (from 0: Arxiv ID, DOI, Categories, …) is on line 3 + 14k + n.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest

from sitegen.digest import FIELDS, Digest, parse_authors, parse_digest
from sitegen.reader import decode

FIXTURES = Path(__file__).parent / "fixtures" / "digests"
SOURCE = "cs.CV/2022/09/20220929.md"
HEADING = "# Arxiv Papers in cs.CV on 2022-09-29"
ENTRY_LINES = 14  # title, ten fields, three blank lines

DEFAULTS = {
    "Arxiv ID": "http://arxiv.org/abs/2209.14475v1",
    "DOI": "None",
    "Categories": "**cs.CV**, cs.LG",
    "Links": "[PDF](http://arxiv.org/pdf/2209.14475v1)",
    "Published": "2022-09-29 00:00:11+00:00",
    "Updated": "2022-09-29 00:00:11+00:00",
    "Authors": "Laurent Amsaleg, Oussama Chelly",
    "Comment": "None",
    "Journal": "None",
    "Summary": "An abstract on one line.",
}


def entry_lines(title: str = "A Title", **fields: str) -> list[str]:
    """The lines of one entry (no blank lines); `fields` replace the defaults by name."""
    unknown = set(fields) - set(DEFAULTS)
    assert not unknown, unknown
    values = {**DEFAULTS, **fields}
    return [f"### {title}"] + [f"- **{name}**: {value}" for name, value in values.items()]


def entry(title: str = "A Title", **fields: str) -> str:
    return "\n".join(entry_lines(title, **fields)) + "\n\n\n\n"


def numbered(number: int, title: str | None = None, **fields: str) -> str:
    """An entry with its own id, so several can share one digest."""
    paper = f"2209.{14000 + number}"
    return entry(title or f"Paper {number}", **{
        "Arxiv ID": f"http://arxiv.org/abs/{paper}v1",
        "Links": f"[PDF](http://arxiv.org/pdf/{paper}v1)", **fields})


def digest(*entries: str, heading: str = HEADING) -> str:
    return heading + "\n" + "".join(entries)


def parse(text: str, source: str = SOURCE, category: str | None = None) -> Digest:
    return parse_digest(text, source, category)


def messages(result: Digest) -> list[str]:
    return [str(problem) for problem in result.problems]


def only_entry(text: str):
    result = parse(text)
    assert result.problems == (), messages(result)
    assert len(result.entries) == 1
    return result.entries[0]


def fixture(name: str) -> Digest:
    path = FIXTURES / name
    text, problem = decode(path.read_bytes(), name)
    assert problem is None
    return parse_digest(text, name)


# --- Files -----------------------------------------------------------------------------------


def test_heading_gives_category_and_listing_day() -> None:
    result = parse(digest(entry()))
    assert result.category == "cs.CV"
    assert result.day == date(2022, 9, 29)
    assert result.source == SOURCE


def test_category_argument_overrides_the_heading() -> None:
    result = parse(digest(entry()), category="eess.IV")
    assert result.category == "eess.IV"
    assert result.day == date(2022, 9, 29)


def test_heading_only_digest_is_a_valid_empty_day() -> None:
    result = fixture("20221002-empty.md")
    assert (result.day, result.entries, result.problems, result.skipped) == (date(2022, 10, 2), (), (), 0)


def test_heading_without_final_newline_is_a_valid_empty_day() -> None:
    result = parse(HEADING)
    assert (result.day, result.entries, result.problems) == (date(2022, 9, 29), (), ())


def test_crlf_line_ends_read_like_lf() -> None:
    raw = (FIXTURES / "20221005-crlf.md").read_bytes()
    assert raw.count(b"\r\n") == raw.count(b"\n") > 0  # the fixture really is CR LF
    crlf = parse_digest(raw.decode("utf-8"), "20221005.md")
    lf = parse_digest(raw.decode("utf-8").replace("\r\n", "\n"), "20221005.md")
    assert crlf.problems == ()
    assert crlf.entries == lf.entries
    assert [e.title for e in crlf.entries] == ["Windows Line Ends", "Second Entry with CR LF"]
    assert crlf.entries[0].comment == "8 pages, written on a machine that ends lines with CR LF"
    assert crlf.entries[1].summary == "The last entry."
    assert crlf.entries[1].line == 17


def test_crlf_problems_are_reported_at_the_same_lines_as_lf() -> None:
    text = digest(numbered(1), numbered(2, **{"Published": "yesterday"}))
    assert messages(parse(text.replace("\n", "\r\n"))) == messages(parse(text))


def test_file_name_date_disagreeing_with_heading_is_a_warning_at_line_1() -> None:
    result = parse(digest(entry()), source="cs.CV/2022/09/20220930.md")
    assert messages(result) == [
        "cs.CV/2022/09/20220930.md:1: file name says 2022-09-30 but the heading says 2022-09-29; "
        "the heading is used"]
    assert result.day == date(2022, 9, 29)
    assert len(result.entries) == 1 and result.skipped == 0


def test_file_name_without_a_date_is_not_checked() -> None:
    assert parse(digest(entry()), source="content/today.md").problems == ()


def test_file_name_date_is_checked_on_the_file_name_only() -> None:
    # A date in a folder name is not the file's date.
    assert parse(digest(entry()), source="20200101/20220929.md").problems == ()


def test_bad_heading_skips_the_file_with_a_problem_at_line_1() -> None:
    result = parse(digest(entry(), heading="# Papers in cs.CV, 29 September 2022"))
    assert result.day is None and result.entries == ()
    assert messages(result) == [
        f"{SOURCE}:1: expected a heading '# Arxiv Papers in <category> on <YYYY-MM-DD>', "
        "found '# Papers in cs.CV, 29 September 2022'; file skipped"]


def test_heading_with_impossible_date_skips_the_file() -> None:
    result = parse(digest(entry(), heading="# Arxiv Papers in cs.CV on 2022-02-30"))
    assert result.day is None and result.entries == ()
    assert messages(result) == [f"{SOURCE}:1: the heading's listing date is not a real date; file skipped"]


def test_entry_on_line_1_is_a_bad_heading() -> None:
    result = parse(entry())
    assert result.day is None
    assert [(p.line, "expected a heading" in p.message) for p in result.problems] == [(1, True)]


def test_empty_file_is_reported_at_line_1() -> None:
    result = parse("")
    assert result.day is None and result.entries == ()
    assert messages(result) == [f"{SOURCE}:1: empty file: expected a heading "
                                "'# Arxiv Papers in <category> on <YYYY-MM-DD>'; file skipped"]


def test_blank_file_is_reported_as_empty() -> None:
    result = parse("\n\n  \n")
    assert [(p.line, p.message.startswith("empty file")) for p in result.problems] == [(1, True)]


# --- Entries ---------------------------------------------------------------------------------


def test_ten_fields_give_one_entry() -> None:
    result = fixture("20220929-continuations.md")
    assert result.problems == () and result.skipped == 0
    paper = result.entries[2]
    assert paper.id == "2209.14491"
    assert paper.version == 1
    assert paper.title == "Two DOIs on One Line"
    assert paper.dois == ("10.1109/TPAMI.2022.3141592", "10.48550/arXiv.2209.14491")
    assert paper.categories == ("eess.IV", "cs.CV")
    assert paper.primary_category == "eess.IV"
    assert paper.classifications == ()
    assert paper.pdf_url == "http://arxiv.org/pdf/2209.14491v1"
    assert paper.published == datetime(2022, 9, 29, 0, 57, 28, tzinfo=timezone.utc)
    assert paper.updated == paper.published
    assert paper.authors == ("Wenhu Chen",)
    assert paper.comment is None and paper.journal is None
    assert paper.summary == "A paper with two DOIs."


def test_entry_line_is_its_title_line() -> None:
    result = fixture("20220929-continuations.md")
    assert [e.line for e in result.entries] == [2, 20, 37]


def test_entries_keep_file_order() -> None:
    result = parse(digest(numbered(3), numbered(1), numbered(2)))
    assert [e.title for e in result.entries] == ["Paper 3", "Paper 1", "Paper 2"]


@pytest.mark.parametrize("blank_lines", [0, 1, 3, 7])
def test_any_number_of_blank_lines_separates_entries(blank_lines: int) -> None:
    entries = ["\n".join(entry_lines(f"Paper {n}", **{"Arxiv ID": f"http://arxiv.org/abs/2209.1400{n}v1"}))
               + "\n" + "\n" * blank_lines for n in range(3)]
    result = parse(digest(*entries))
    assert result.problems == ()
    assert [e.title for e in result.entries] == ["Paper 0", "Paper 1", "Paper 2"]
    assert [e.line for e in result.entries] == [2 + n * (11 + blank_lines) for n in range(3)]


def test_last_entry_without_final_newline_is_read() -> None:
    text = digest(entry()).rstrip("\n")
    assert only_entry(text).summary == "An abstract on one line."


def test_entry_without_version_keeps_version_none() -> None:
    paper = only_entry(digest(entry(**{"Arxiv ID": "http://arxiv.org/abs/2209.14475"})))
    assert (paper.id, paper.version) == ("2209.14475", None)


# --- Continuation lines ----------------------------------------------------------------------


def test_comment_continuation_lines_join_with_one_space() -> None:
    paper = fixture("20220929-continuations.md").entries[0]
    assert paper.comment == ("5 pages, published in 2012 IEEE International Carnahan Conference on "
                             "Security Technology (ICCST), 15-18 Oct. 2012 Boston (MA) USA. arXiv admin "
                             "note: text overlap with arXiv:2203.08513")


def test_journal_continuation_lines_join_with_one_space() -> None:
    paper = fixture("20220929-continuations.md").entries[0]
    assert paper.journal == ("2012 IEEE International Carnahan Conference on Security Technology "
                             "(ICCST), 2012, pp. 363-366")


def test_categories_continuation_lines_join_with_one_space() -> None:
    paper = fixture("20220929-continuations.md").entries[1]
    assert paper.categories == ("cs.CV", "cs.AI", "cs.LG")
    assert paper.classifications == ("I.4.0; I.4.1; I.4.7; I.4.8; I.4.9; I.4.10; I.2.10; I.5.1; I.5.2; I.5.4",)


def test_doi_continuation_lines_are_more_dois() -> None:
    paper = fixture("20220929-continuations.md").entries[1]
    assert paper.dois == ("10.1007/978-3-030-94893-1_16",)


def test_lines_between_title_and_first_field_continue_the_title() -> None:
    paper = fixture("20220929-continuations.md").entries[0]
    assert paper.title == ("Intrinsic Dimensionality Estimation within Tight Localities: "
                           "A Theoretical and Experimental Analysis")


def test_continuation_reads_like_the_same_value_on_one_line() -> None:
    wrapped = "\n".join(entry_lines(Comment="first part of\n  the comment,\n  and more")) + "\n"
    single = entry(Comment="first part of the comment, and more")
    assert only_entry(digest(wrapped)).comment == only_entry(digest(single)).comment


def test_continuation_needs_two_leading_spaces() -> None:
    lines = entry_lines(Summary="An abstract")
    text = digest("\n".join(lines) + "\n" + " not a continuation\n")
    result = parse(text)
    assert result.entries[0].summary == "An abstract"
    assert messages(result) == [f"{SOURCE}:13: stray text inside an entry: ' not a continuation'; ignored"]


# --- Titles ----------------------------------------------------------------------------------


@pytest.mark.parametrize("title", [
    "How <SEG> Token Works",
    "1 + 1 < 1",
    "Fast & Furious <script>alert(1)</script>",
    "$\\ell_0$ Minimization",
    "*Stars*, _underscores_, `backticks` and [brackets](not-a-link)",
    "# Not a heading",
])
def test_title_is_kept_as_plain_text(title: str) -> None:
    assert only_entry(digest(entry(title))).title == title


def test_title_runs_of_spaces_collapse() -> None:
    assert only_entry(digest(entry("A   Title\twith    Gaps  "))).title == "A Title with Gaps"


def test_fixture_titles_that_look_like_markup() -> None:
    titles = [e.title for e in fixture("20221001-authors.md").entries]
    assert titles[2] == "How <SEG> Token Works: Finding Successful Features & Masks"
    assert titles[3] == "$\\ell_0$ Minimization: 1 + 1 < 1, *Stars*, _Underscores_ and `Backticks`"


def test_title_is_nfc_normalized() -> None:
    assert only_entry(digest(entry("Caf\u0065\u0301 Images"))).title == "Caf\u00e9 Images"


def test_empty_title_skips_the_entry() -> None:
    result = parse(digest(numbered(1), numbered(2, title=" ")))
    assert messages(result) == [f"{SOURCE}:16: entry 2209.14002 has an empty title; entry skipped"]
    assert [e.title for e in result.entries] == ["Paper 1"]


# --- Identifiers -----------------------------------------------------------------------------


@pytest.mark.parametrize(("written", "paper_id", "version"), [
    ("http://arxiv.org/abs/2209.14475v1", "2209.14475", 1),
    ("http://arxiv.org/abs/2209.14475v12", "2209.14475", 12),
    ("http://arxiv.org/abs/0704.0001v2", "0704.0001", 2),
    ("http://arxiv.org/abs/1412.6980v9", "1412.6980", 9),
    ("https://arxiv.org/abs/1501.00001v1", "1501.00001", 1),
])
def test_new_style_identifier(written: str, paper_id: str, version: int) -> None:
    paper = only_entry(digest(entry(**{"Arxiv ID": written})))
    assert (paper.id, paper.version) == (paper_id, version)


@pytest.mark.parametrize(("written", "paper_id", "version"), [
    ("http://arxiv.org/abs/cs/9810003v1", "cs/9810003", 1),
    ("http://arxiv.org/abs/math.GT/0309136v1", "math.GT/0309136", 1),
    ("http://arxiv.org/abs/quant-ph/9802028v1", "quant-ph/9802028", 1),
    ("http://arxiv.org/abs/math-ph/9903036v2", "math-ph/9903036", 2),
    ("http://arxiv.org/abs/cond-mat/0102536v1", "cond-mat/0102536", 1),
])
def test_old_style_identifier_keeps_its_slash(written: str, paper_id: str, version: int) -> None:
    paper = only_entry(digest(entry(**{"Arxiv ID": written})))
    assert (paper.id, paper.version) == (paper_id, version)


def test_old_style_fixture() -> None:
    result = fixture("20030915-old-style.md")
    assert result.problems == ()
    assert [(e.id, e.version) for e in result.entries] == [
        ("cs/9810003", 1), ("math.GT/0309136", 1), ("quant-ph/9802028", 1), ("cond-mat/0102536", 1)]
    assert [e.primary_category for e in result.entries] == ["cs.CV", "math.GT", "quant-ph", "cond-mat.stat-mech"]
    assert result.entries[1].classifications == ("57M25",)


@pytest.mark.parametrize("written", [
    "http://arxiv.org/abs/22.14475v1",
    "http://arxiv.org/abs/2209.144v1",
    "http://example.org/abs/2209.14475v1",
    "2209.14475v1 extra",
    "cs/98103v1",
    "None",
    "",
])
def test_unparseable_identifier_skips_the_entry_at_its_line(written: str) -> None:
    result = parse(digest(numbered(1), entry(**{"Arxiv ID": written}), numbered(3)))
    assert [p.line for p in result.problems] == [17]
    assert "unrecognised arXiv identifier" in result.problems[0].message
    assert repr(written) in result.problems[0].message
    assert result.problems[0].message.endswith("entry skipped")
    assert [e.title for e in result.entries] == ["Paper 1", "Paper 3"]
    assert result.skipped == 1


def test_missing_identifier_skips_the_entry_and_says_the_id_is_missing() -> None:
    lines = entry_lines("No Id")
    del lines[1]
    result = parse(digest(numbered(1), "\n".join(lines) + "\n\n\n\n", numbered(3)))
    assert [e.title for e in result.entries] == ["Paper 1", "Paper 3"]
    assert result.skipped == 1
    [problem] = result.problems
    assert problem.line == 17  # the DOI line, where the Arxiv ID was expected
    assert "'Arxiv ID'" in problem.message
    # The id is missing, not out of order: the message must say so.
    assert "missing" in problem.message, problem.message


def test_identifier_digits_must_be_ascii() -> None:
    # `\d` also matches Arabic-Indic and other Unicode digits; arXiv ids are ASCII.
    result = parse(digest(numbered(1), entry(**{"Arxiv ID": "http://arxiv.org/abs/\u0662\u0662\u0660\u0669.\u0661\u0664\u0664\u0667\u0665v1"})))
    assert [e.title for e in result.entries] == ["Paper 1"]
    assert [p.line for p in result.problems] == [17]


def test_absurdly_long_version_number_is_a_problem_not_a_crash() -> None:
    # `int()` refuses strings of more than 4300 digits: the parser must report, not raise.
    result = parse(digest(numbered(1), entry(**{"Arxiv ID": "http://arxiv.org/abs/2209.14475v" + "1" * 5000})))
    assert [e.title for e in result.entries] == ["Paper 1"]
    assert [p.line for p in result.problems] == [17]


# --- Categories ------------------------------------------------------------------------------


def test_primary_category_in_stars_comes_first() -> None:
    paper = only_entry(digest(entry(Categories="cs.AI, **cs.CV**, cs.LG")))
    assert paper.categories == ("cs.CV", "cs.AI", "cs.LG")
    assert paper.primary_category == "cs.CV"


def test_without_stars_the_first_category_is_primary() -> None:
    assert only_entry(digest(entry(Categories="stat.ML, cs.CV"))).primary_category == "stat.ML"


@pytest.mark.parametrize("code", [
    "cs.CV", "eess.IV", "stat.ML", "physics.ao-ph", "q-bio.BM", "astro-ph.SR",
    "math-ph", "quant-ph", "cond-mat.stat-mech"])
def test_arxiv_category_shapes(code: str) -> None:
    paper = only_entry(digest(entry(Categories=f"**{code}**, cs.CV")))
    assert paper.primary_category == code
    assert paper.classifications == ()


@pytest.mark.parametrize("code", [
    "68T45", "68T07 (Primary)", "68T07 (Primary) 20C35 (Secondary)",
    "I.4.3", "I.2.10; I.2.6; I.2.9", "D.1.7; D.4.7", "ACM-class: I.4.8"])
def test_msc_and_acm_codes_are_classifications_not_categories(code: str) -> None:
    paper = only_entry(digest(entry(Categories=f"**cs.CV**, {code}, cs.LG")))
    assert paper.categories == ("cs.CV", "cs.LG")
    assert paper.classifications == (code,)


def test_codes_fixture_splits_categories_and_classifications() -> None:
    first, second = fixture("20220930-codes.md").entries
    assert first.categories == ("cs.LG", "cs.CV", "math.RT")
    assert first.classifications == ("68T07 (Primary) 20C35 (Secondary)",)
    assert second.categories == ("cs.CV", "cs.AI")
    assert second.classifications == ("I.2.10; I.2.6", "ACM-class: I.4.8", "68T45")


def test_repeated_category_is_kept_once() -> None:
    assert only_entry(digest(entry(Categories="**cs.CV**, cs.LG, cs.CV, cs.LG"))).categories == ("cs.CV", "cs.LG")


def test_no_arxiv_category_skips_the_entry_at_the_categories_line() -> None:
    result = parse(digest(numbered(1), numbered(2, Categories="68T45, I.2.10")))
    assert messages(result) == [f"{SOURCE}:19: no arXiv category in '68T45, I.2.10'; entry skipped"]
    assert [e.title for e in result.entries] == ["Paper 1"]


# --- DOIs ------------------------------------------------------------------------------------


def test_doi_none_is_no_doi() -> None:
    assert only_entry(digest(entry(DOI="None"))).dois == ()


def test_one_doi() -> None:
    assert only_entry(digest(entry(DOI="10.1109/CVPR.2010.5539960"))).dois == ("10.1109/CVPR.2010.5539960",)


def test_several_dois_are_space_separated() -> None:
    paper = only_entry(digest(entry(DOI="10.1109/TPAMI.2022.3141592 10.48550/arXiv.2209.14491")))
    assert paper.dois == ("10.1109/TPAMI.2022.3141592", "10.48550/arXiv.2209.14491")


def test_repeated_doi_is_kept_once() -> None:
    paper = only_entry(digest(entry(DOI="10.1000/a1 10.1000/b2 10.1000/a1")))
    assert paper.dois == ("10.1000/a1", "10.1000/b2")


def test_glued_dois_are_split() -> None:
    paper = only_entry(digest(entry(DOI="10.1007/978-3-030-94893-1_1610.1016/j.media.2022.102510")))
    assert paper.dois == ("10.1007/978-3-030-94893-1_16", "10.1016/j.media.2022.102510")


def test_glued_copies_of_one_doi_are_one_doi() -> None:
    paper = only_entry(digest(entry(DOI="10.1007/978-3-030-94893-1_1610.1007/978-3-030-94893-1_16")))
    assert paper.dois == ("10.1007/978-3-030-94893-1_16",)


def test_text_that_is_not_a_doi_is_a_warning_and_the_entry_is_kept() -> None:
    result = parse(digest(numbered(1), numbered(2, DOI="doi:10.1000/x1 10.1000/x2 see-paper")))
    assert messages(result) == [f"{SOURCE}:18: not a DOI (a DOI starts with '10.'): 'see-paper'; ignored"]
    assert result.entries[1].dois == ("10.1000/x1", "10.1000/x2")
    assert result.skipped == 0


# --- Authors ---------------------------------------------------------------------------------


def test_authors_are_separated_by_comma_space() -> None:
    assert parse_authors("Laurent Amsaleg, Oussama Chelly, Michael E. Houle") == (
        "Laurent Amsaleg", "Oussama Chelly", "Michael E. Houle")


def test_nfd_and_nfc_names_read_the_same() -> None:
    first, second = fixture("20221001-authors.md").entries[:2]
    assert first.authors[0] == second.authors[0] == "Milo\u0161 Radovanovi\u0107"


def test_stray_spaces_around_and_inside_names_are_removed() -> None:
    authors = fixture("20221001-authors.md").entries[0].authors
    assert authors[1:3] == ("Jookyung Song", "Yeonjin Chang")


def test_affiliation_with_commas_stays_in_its_name() -> None:
    authors = fixture("20221001-authors.md").entries[2].authors
    assert authors == ("Laurent Wendling (LIPADE, Universit\u00e9 Paris Cit\u00e9)", "Hou", "The ATLAS Collaboration")


def test_affiliations_on_several_authors() -> None:
    assert parse_authors("A One (X, Y), B Two, C Three (Z (inner, more), W)") == (
        "A One (X, Y)", "B Two", "C Three (Z (inner, more), W)")


def test_empty_names_between_commas_are_dropped() -> None:
    assert parse_authors("A One, , B Two,") == ("A One", "B Two")


def test_many_authors() -> None:
    names = [f"Author Number{n}" for n in range(942)]
    assert only_entry(digest(entry(Authors=", ".join(names)))).authors == tuple(names)


# --- Links, dates, comment, journal, summary ------------------------------------------------


def test_pdf_link_gives_pdf_url() -> None:
    paper = only_entry(digest(entry(Links="[Abstract](http://arxiv.org/abs/1) [PDF](http://arxiv.org/pdf/1v1)")))
    assert paper.pdf_url == "http://arxiv.org/pdf/1v1"


def test_dates_are_timezone_aware() -> None:
    paper = only_entry(digest(entry(Published="2022-09-29 00:00:11+00:00", Updated="2022-11-22 02:09:38+00:00")))
    assert paper.published == datetime(2022, 9, 29, 0, 0, 11, tzinfo=timezone.utc)
    assert paper.updated == datetime(2022, 11, 22, 2, 9, 38, tzinfo=timezone.utc)
    assert paper.published.utcoffset() == timedelta(0)
    assert paper.updated.utcoffset() == timedelta(0)


def test_other_offsets_are_kept() -> None:
    paper = only_entry(digest(entry(Published="2022-09-29 09:30:00+09:30")))
    assert paper.published.utcoffset() == timedelta(hours=9, minutes=30)
    assert paper.published == datetime(2022, 9, 29, 0, 0, tzinfo=timezone.utc)


def test_date_without_offset_is_read_as_utc() -> None:
    paper = only_entry(digest(entry(Published="2022-09-29 00:00:11")))
    assert paper.published.tzinfo is not None
    assert paper.published == datetime(2022, 9, 29, 0, 0, 11, tzinfo=timezone.utc)


def test_every_fixture_date_is_timezone_aware() -> None:
    for path in sorted(FIXTURES.glob("*.md")):
        for paper in fixture(path.name).entries:
            assert paper.published.utcoffset() is not None, (path.name, paper.id)
            assert paper.updated.utcoffset() is not None, (path.name, paper.id)


@pytest.mark.parametrize(("field", "line"), [("Published", 21), ("Updated", 22)])
def test_bad_date_skips_the_entry_at_its_line(field: str, line: int) -> None:
    result = parse(digest(numbered(1), numbered(2, **{field: "29/09/2022 00:00"}), numbered(3)))
    assert messages(result) == [
        f"{SOURCE}:{line}: '{field}' is not a date and time like 2022-09-29 00:00:11+00:00: "
        "'29/09/2022 00:00'; entry skipped"]
    assert [e.title for e in result.entries] == ["Paper 1", "Paper 3"]
    assert result.skipped == 1


def test_comment_and_journal_none_are_none() -> None:
    paper = only_entry(digest(entry(Comment="None", Journal="None")))
    assert (paper.comment, paper.journal) == (None, None)


def test_free_text_is_kept_verbatim() -> None:
    text = "See https://example.org/x?a=1&b=2 <b>bold</b> `code` $x<y$ **not bold**"
    paper = only_entry(digest(entry(Comment=text, Journal=text, Summary=text)))
    assert paper.comment == paper.journal == paper.summary == text


def test_comment_that_merely_contains_none_is_text() -> None:
    assert only_entry(digest(entry(Comment="None of the above"))).comment == "None of the above"


# --- Malformed entries -----------------------------------------------------------------------


def test_field_out_of_order_skips_the_entry_at_that_field() -> None:
    lines = entry_lines()
    lines[5], lines[6] = lines[6], lines[5]  # Updated before Published
    result = parse(digest(numbered(1), "\n".join(lines) + "\n\n\n\n", numbered(3)))
    [problem] = result.problems
    assert problem.line == 21
    assert problem.message.startswith("field out of order 'Updated': expected 'Published'")
    assert problem.message.endswith("entry skipped")
    assert [e.title for e in result.entries] == ["Paper 1", "Paper 3"]


def test_unknown_field_skips_the_entry_at_that_field() -> None:
    lines = entry_lines()
    lines.insert(4, "- **Abstract URL**: http://arxiv.org/abs/2209.14475")
    result = parse(digest(numbered(1), "\n".join(lines) + "\n\n\n\n"))
    [problem] = result.problems
    assert problem.line == 20
    assert problem.message.startswith("unknown field 'Abstract URL': expected 'Links'")
    assert [e.title for e in result.entries] == ["Paper 1"]


def test_missing_field_says_which_field_is_missing() -> None:
    lines = entry_lines()
    del lines[8]  # Comment
    result = parse(digest("\n".join(lines) + "\n\n\n\n"))
    [problem] = result.problems
    assert problem.line == 10  # the Journal line, where the Comment was expected
    assert "'Comment'" in problem.message
    assert "missing" in problem.message, problem.message


def test_field_after_summary_skips_the_entry() -> None:
    lines = entry_lines() + ["- **Extra**: value"]
    result = parse(digest("\n".join(lines) + "\n"))
    assert messages(result) == [f"{SOURCE}:13: unexpected field 'Extra' after 'Summary'; entry skipped"]


def test_stray_text_between_entries_is_a_warning_and_both_entries_parse() -> None:
    result = parse(digest(numbered(1), "This line belongs to no entry.\n\n", numbered(2)))
    assert messages(result) == [f"{SOURCE}:16: stray text outside any entry: 'This line belongs to no entry.'; ignored"]
    assert [e.title for e in result.entries] == ["Paper 1", "Paper 2"]
    assert [e.line for e in result.entries] == [2, 18]
    assert result.skipped == 0


def test_stray_text_before_the_first_entry() -> None:
    result = parse(digest("Generated by a tool\n", numbered(1)))
    assert messages(result) == [f"{SOURCE}:2: stray text outside any entry: 'Generated by a tool'; ignored"]
    assert [e.line for e in result.entries] == [3]


def test_a_run_of_stray_lines_is_reported_once_at_its_first_line() -> None:
    result = parse(digest(numbered(1), "one\ntwo\nthree\n\nfour\n", numbered(2)))
    assert [p.line for p in result.problems] == [16, 20]
    assert len(result.entries) == 2


def test_long_stray_text_is_shortened_in_the_message() -> None:
    result = parse(digest(numbered(1), "x" * 500 + "\n"))
    [problem] = result.problems
    assert len(problem.message) < 120 and "…" in problem.message


def test_text_inside_an_entry_that_is_no_field_is_a_warning() -> None:
    lines = entry_lines()
    lines.insert(8, "Authors continued without indentation")
    result = parse(digest("\n".join(lines) + "\n"))
    assert messages(result) == [
        f"{SOURCE}:10: stray text inside an entry: 'Authors continued without indentation'; ignored"]
    assert len(result.entries) == 1


def test_truncated_file_reports_the_cut_entry_and_keeps_the_ones_before() -> None:
    cut = "\n".join(entry_lines("Cut")[:6]) + "\n"  # title, Arxiv ID … Published (line 21)
    result = parse(digest(numbered(1), numbered(2), cut))
    assert messages(result) == [f"{SOURCE}:35: entry ends before its 'Updated' field (truncated?); entry skipped"]
    assert [e.title for e in result.entries] == ["Paper 1", "Paper 2"]
    assert result.skipped == 1


def test_file_cut_in_the_middle_of_a_field_name() -> None:
    cut = "\n".join(entry_lines("Cut")[:4]) + "\n- **Li"
    result = parse(digest(numbered(1), cut))
    by_line = {p.line: p.message for p in result.problems}
    assert sorted(by_line) == [19, 20]
    assert "entry ends before its 'Links' field (truncated?)" in by_line[19]  # the last complete field
    assert "stray text inside an entry: '- **Li'" in by_line[20]
    assert [e.title for e in result.entries] == ["Paper 1"]


def test_title_alone_at_end_of_file() -> None:
    result = parse(digest(numbered(1), "### A title and nothing else\n"))
    assert messages(result) == [f"{SOURCE}:16: entry ends before its 'Arxiv ID' field (truncated?); entry skipped"]


def test_blank_line_inside_an_entry_cuts_it() -> None:
    lines = entry_lines()
    lines.insert(5, "")
    result = parse(digest(numbered(1), "\n".join(lines) + "\n\n\n\n", numbered(3)))
    by_line = {p.line: p.message for p in result.problems}
    assert sorted(by_line) == [20, 22]
    assert "entry ends before its 'Published' field" in by_line[20]  # Links, the last field before the blank
    assert "stray text outside any entry" in by_line[22]  # the Published line after the blank one
    assert [e.title for e in result.entries] == ["Paper 1", "Paper 3"]


def test_problems_are_reported_in_line_order() -> None:
    result = parse(digest(numbered(1), numbered(2, Published="never"), "stray text\n"))
    assert [(p.line, p.message.split(" ")[0]) for p in result.problems] == [(21, "'Published'"), (30, "stray")]


def test_several_bad_entries_are_all_reported_and_counted() -> None:
    result = parse(digest(
        numbered(1, Published="never"),
        numbered(2),
        numbered(3, Categories="68T45"),
        numbered(4, **{"Arxiv ID": "nope"}),
        numbered(5),
    ))
    assert [p.line for p in result.problems] == [7, 33, 45]
    assert [e.title for e in result.entries] == ["Paper 2", "Paper 5"]
    assert result.skipped == 3


def test_binary_garbage_is_reported_and_good_entries_still_parse() -> None:
    good = digest(numbered(1), numbered(2)).encode("utf-8")
    garbage = b"\x00\x01\xff\xfe\x00PNG\x89\r\n\x00\x00\xc3\x28\n"
    data = good + garbage + numbered(3).encode("utf-8")
    text, problem = decode(data, SOURCE)
    assert problem is not None
    assert str(problem) == f"{SOURCE}:30: not UTF-8 text (bad byte at offset {len(good) + 2}); undecodable bytes replaced"
    result = parse_digest(text, SOURCE)
    assert [e.title for e in result.entries] == ["Paper 1", "Paper 2", "Paper 3"]
    assert [p.line for p in result.problems] == [30]
    assert "stray text outside any entry" in result.problems[0].message


def test_nul_bytes_inside_an_entry_are_not_a_crash() -> None:
    data = digest(numbered(1, Summary="nul\x00here"), numbered(2, Authors="\x00")).encode("utf-8")
    text, problem = decode(data, SOURCE)
    assert problem is None  # NUL is valid UTF-8
    result = parse_digest(text, SOURCE)
    assert [e.title for e in result.entries] == ["Paper 1", "Paper 2"]
    assert result.entries[0].summary == "nul\x00here"


def test_invalid_utf8_is_reported_at_its_line() -> None:
    data = digest(numbered(1, Summary="caf\xe9")).encode("utf-8").replace("caf\xe9".encode(), b"caf\xe9")
    text, problem = decode(data, SOURCE)
    assert problem is not None and problem.line == 12
    assert "not UTF-8" in problem.message
    assert parse_digest(text, SOURCE).entries[0].summary == "caf\ufffd"


def test_fixtures_all_parse_without_problems() -> None:
    counts = {path.name: len(fixture(path.name).entries) for path in sorted(FIXTURES.glob("*.md"))}
    assert counts == {
        "20030915-old-style.md": 4,
        "20220929-continuations.md": 3,
        "20220930-codes.md": 2,
        "20221001-authors.md": 4,
        "20221002-empty.md": 0,
        "20221003-versions.md": 3,
        "20221004-versions.md": 1,
        "20221005-crlf.md": 2,
    }
    for path in FIXTURES.glob("*.md"):
        assert fixture(path.name).problems == (), path.name


def test_fields_constant_matches_the_format() -> None:
    assert FIELDS == ("Arxiv ID", "DOI", "Categories", "Links", "Published", "Updated",
                      "Authors", "Comment", "Journal", "Summary")
