"""Venues read from Comment and Journal text: measured against the hand-labelled sample in
fixtures/venues.tsv, the traps one by one, `venue_aliases`, and what a paper page shows."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

from sitegen.venues import BUILT_IN, Venues

from conftest import make_config, quiet_build
from test_digest import digest, numbered


def benchmark():
    """benchmarks/venues.py, which measures the sample and prints the table docs/venues.md quotes."""
    path = Path(__file__).parent.parent / "benchmarks" / "venues.py"
    spec = importlib.util.spec_from_file_location("venues_benchmark", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def figures():
    measured = benchmark()
    return measured.measure(measured.load_sample(), Venues())


def test_the_sample_is_large_and_mixed_enough_to_measure(figures):
    assert figures.rows >= 250
    assert figures.labelled["accepted"] >= 100
    assert figures.labelled["submitted"] >= 40
    assert figures.labelled["none"] >= 80


def test_accepted_venues_are_read_with_the_precision_and_recall_issue_20_asks(figures):
    assert figures.precision >= 0.95, benchmark().table(figures)
    assert figures.recall >= 0.90, benchmark().table(figures)


def test_no_submitted_paper_is_read_as_accepted(figures):
    assert figures.submitted_as_accepted == 0, benchmark().table(figures)


def read(comment: str | None, journal: str | None = None, venues: Venues = Venues()) -> tuple | None:
    venue = venues.read(comment, journal)
    return None if venue is None else (venue.short, venue.year, venue.status)


@pytest.mark.parametrize("comment, expected", [
    ("Accepted to CVPR 2023", ("CVPR", 2023, "accepted")),
    ("ECCV 2022 Oral", ("ECCV", 2022, "accepted")),  # bare, as arXiv authors write it
    ("to appear in NeurIPS", ("NeurIPS", None, "accepted")),  # no year, no guess
    ("Accepted by IEEE TPAMI", ("TPAMI", None, "accepted")),
    ("NeurIPS 2022 camera-ready", ("NeurIPS", 2022, "accepted")),
    ("Published in IEEE Transactions on Pattern Analysis and Machine Intelligence, 2021", ("TPAMI", 2021, "accepted")),
    ("NIPS 2017", ("NeurIPS", 2017, "accepted")),
    ("Advances in Neural Information Processing Systems 35 (NeurIPS 2022)", ("NeurIPS", 2022, "accepted")),
    ("NeurIPS 2022 Datasets and Benchmarks Track", ("NeurIPS", 2022, "accepted")),
    ("Accepted at CVPR'23", ("CVPR", 2023, "accepted")),
    ("CVPR23, code at https://github.com/x/y", ("CVPR", 2023, "accepted")),
    ("Accepted at BMVC '22", ("BMVC", 2022, "accepted")),
    ("Accepted to the ICCV 2023 workshop on Computer Vision for Metaverse", ("ICCV Workshops", 2023, "accepted")),
    ("Accepted by Practical-DL, in conjunction with AAAI 2023", ("AAAI Workshops", 2023, "accepted")),
    ("Accepted in ECCVw", ("ECCV Workshops", None, "accepted")),
    ("CVPRW 2022", ("CVPR Workshops", 2022, "accepted")),
    ("Accepted in European Conference on Computer Vision Workshop (ECCVW) 2022", ("ECCV Workshops", 2022, "accepted")),
    ("Paper published at International Conference on Machine Learning (ICML'23)", ("ICML", 2023, "accepted")),
    ("Accepted to TPAMI. Extension of our CVPR 2021 paper", ("TPAMI", None, "accepted")),
    ("Accepted at the TPAMI Special Issue on the Best Papers of ICCV 2021", ("TPAMI", None, "accepted")),
    ("Winner of the CVPR 2022 challenge. Accepted in WACV 2023", ("WACV", 2023, "accepted")),
    ("Submitted manuscript accepted for the Workshop on AI-enabled Medical Image Analysis at ECCV 2022",
     ("ECCV Workshops", 2022, "accepted")),
    ("Submitted to NeurIPS 2022", ("NeurIPS", 2022, "submitted")),
    ("Under review at TPAMI", ("TPAMI", None, "submitted")),
    ("This manuscript is under minor revision at IEEE Transactions on Medical Imaging", ("TMI", None, "submitted")),
    ("ICLR 2023 submission link: https://openreview.net/forum?id=x", ("ICLR", 2023, "submitted")),
    ("code will be released after CVPR 2023 review", ("CVPR", 2023, "submitted")),
    ("21 pages, rejected to ECCV 2023", ("ECCV", 2023, "submitted")),
    ("accepted by the 14th OPT Workshop on Optimization for Machine Learning, and submitted to the 2023 IEEE "
     "International Conference on Acoustics, Speech, and Signal Processing (ICASSP 2023)", ("ICASSP", 2023, "submitted")),
])
def test_a_comment_says_where_the_paper_was_accepted_or_submitted(comment: str, expected: tuple):
    assert read(comment) == expected


@pytest.mark.parametrize("comment", [
    "Extended version of our ECCV 2020 paper",  # another paper's venue
    "This preprint is an extension of CVPR 2022 paper arXiv:2105.07463",
    "A short version was presented at ICLR 2023",
    "A preliminary version was accepted to the Practical-DL Workshop at AAAI 2023",
    "1st place solution for the ECCV 2022 VIPriors Instance Segmentation Challenge",
    "HECKTOR22 segmentation challenge. MICCAI 2022",
    "Project page: https://openaccess.thecvf.com/content/CVPR2021/html/x.html",
    "Accepted at the International Conference on Pattern Recognition and Artificial Intelligence 2022",  # not ICPR
    "19 pages, 4 figures; code will be released",
    "Master's thesis",
])
def test_a_comment_that_names_no_venue_of_this_paper_gives_none(comment: str):
    assert read(comment) is None


def test_a_journal_reference_is_a_publication_with_its_year():
    venue = Venues().read(None, "IEEE Transactions on Image Processing, vol. 31, pp. 1-12, 2022")
    assert (venue.short, venue.name, venue.kind, venue.year, venue.status) == (
        "TIP", "IEEE Transactions on Image Processing", "journal", 2022, "accepted")
    assert read(None, "Medical Image Analysis 84 (2023) 102699") == ("MedIA", 2023, "accepted")  # volume 84
    assert read(None, "Computational Visual Media 2022") is None  # no MedIA


def test_the_journal_reference_wins_over_the_comment_and_dates_it():
    assert read("Submitted to ISBI 2022", "2022 IEEE International Symposium on Biomedical Imaging, pp. 1-5") == (
        "ISBI", 2022, "accepted")
    assert read("Published in IEEE Transactions on Image Processing", "IEEE TIP 31 (2022) 1-12") == (
        "TIP", 2022, "accepted")


def test_slugs_name_venues_in_urls():
    slugs = {text: Venues().read(text, None).slug for text in
             ("CVPR 2023", "NeurIPS 2022", "Accepted by TPAMI", "CVPR 2022 Workshop on Autonomous Driving", "RA-L 2023")}
    assert list(slugs.values()) == ["cvpr", "neurips", "tpami", "cvpr-workshops", "ra-l"]


def test_venue_aliases_add_spellings_to_the_table_and_new_venues():
    venues = Venues({"Conf. Comput. Vis. Pattern Recognit.": "CVPR", "MIDL": "MIDL",
                     "Journal of Imaging": "J. Imaging"})
    cvpr = venues.read(None, "Proc. Conf. Comput. Vis. Pattern Recognit. 2021, pp. 1-9")
    assert (cvpr.short, cvpr.name, cvpr.year) == ("CVPR", "IEEE/CVF Conference on Computer Vision and Pattern Recognition",
                                                  2021)
    midl = venues.read("Accepted at MIDL 2023", None)
    assert (midl.short, midl.name, midl.kind, midl.year, midl.slug) == ("MIDL", "MIDL", "conference", 2023, "midl")
    assert venues.read(None, "Journal of Imaging 8 (2022)").kind == "journal"
    assert read("Accepted at MIDL 2023") is None  # the built-in table alone does not know it
    assert read("Accepted to CVPR 2023", venues=venues) == ("CVPR", 2023, "accepted")  # the table stays


def test_a_reader_given_an_earlier_readers_venues_reads_only_new_texts():
    texts = [("Accepted to CVPR 2023", None), ("Submitted to TPAMI", None),
             ("None", "IEEE Transactions on Image Processing, vol. 31, 2022"), (None, None)]
    earlier = Venues()
    venues = [earlier.read(*text) for text in texts + texts]
    assert earlier.read_afresh == len(texts)  # each distinct text read once
    later = Venues(read_before=dict(earlier.readings))
    assert [later.read(*text) for text in texts + texts] == venues
    assert later.read_afresh == 0
    assert later.read("Accepted at ECCV 2022", None).short == "ECCV" and later.read_afresh == 1


def test_any_alias_a_site_may_write_is_read_or_ignored_without_failing():
    venues = Venues({"中国图象图形学报": "JIG", "Proc. (CVPR) & Co": "CVPR", "---": "X", "": "Y"})
    assert read("Accepted by 中国图象图形学报 2022", venues=venues) == ("JIG", 2022, "accepted")
    assert read("Accepted in Proc. (CVPR) & Co 2021", venues=venues) == ("CVPR", 2021, "accepted")
    assert read("Accepted --- 2021", venues=venues) is None


def test_docs_list_every_venue_of_the_built_in_table():
    doc = (Path(__file__).parent.parent / "docs" / "venues.md").read_text(encoding="utf-8")
    missing = [short for short, name, _, _ in BUILT_IN if f"| `{short}` | {name} |" not in doc]
    assert missing == []


# --- the paper page -------------------------------------------------------------------------------

def build(tmp_path: Path, **changes) -> Path:
    content = tmp_path / "content"
    content.mkdir(exist_ok=True)
    (content / "20220929.md").write_text(digest(
        numbered(1, Comment="Accepted to CVPR 2023. Code: https://example.org/x"),
        numbered(2, Comment="None", Journal="IEEE Transactions on Image Processing, vol. 31, 2022"),
        numbered(3, Comment="Submitted to TPAMI"),
        numbered(4, Comment="None", Journal="Proc. Conf. Comput. Vis. Pattern Recognit. 2021"),
    ), encoding="utf-8")
    quiet_build(make_config(tmp_path, content, **changes))
    return tmp_path / "output" / "papers"


def test_a_paper_page_shows_its_venue_and_tells_reference_managers(tmp_path: Path):
    papers = build(tmp_path)
    conference = (papers / "2209.14001.html").read_text(encoding="utf-8")
    assert "<dt>Venue</dt>" in conference
    assert '<dd><a href="../venues/cvpr/2023.html">CVPR 2023</a>, accepted ' in conference  # its venue page
    assert ('<meta name="citation_conference_title" content="IEEE/CVF Conference on Computer Vision and Pattern '
            'Recognition">') in conference
    journal = (papers / "2209.14002.html").read_text(encoding="utf-8")
    assert '<meta name="citation_journal_title" content="IEEE Transactions on Image Processing">' in journal
    assert "citation_conference_title" not in journal
    submitted = (papers / "2209.14003.html").read_text(encoding="utf-8")
    assert "<dd>Submitted to TPAMI, not accepted yet " in submitted
    assert "citation_journal_title" not in submitted and "citation_conference_title" not in submitted
    unknown = (papers / "2209.14004.html").read_text(encoding="utf-8")  # a journal reference sitegen cannot read
    assert "<dt>Venue</dt>" not in unknown
    assert '<meta name="citation_journal_title" content="Proc. Conf. Comput. Vis. Pattern Recognit. 2021">' in unknown


def test_adding_a_venue_alias_shows_the_venue_in_the_next_incremental_build(tmp_path: Path):
    page = build(tmp_path) / "2209.14004.html"
    assert "<dt>Venue</dt>" not in page.read_text(encoding="utf-8")
    build(tmp_path, venue_aliases={"Conf. Comput. Vis. Pattern Recognit.": "CVPR"})
    assert '<dd><a href="../venues/cvpr/2021.html">CVPR 2021</a>, accepted ' in page.read_text(encoding="utf-8")
