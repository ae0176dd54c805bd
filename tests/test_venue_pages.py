"""Issue 20's new kinds of output: venue pages (only accepted papers), the Atom feeds of
authors and venue-years with their autodiscovery links, the BibTeX files of authors, days
and venue-years, and how incremental builds treat them."""

from __future__ import annotations

import html
import re
import shutil
import xml.etree.ElementTree as ElementTree
from pathlib import Path

import pytest

from sitegen.archive import build_archive
from sitegen.reader import read_content
from sitegen.venues import Venues

from conftest import SITE_CONTENT, make_config, quiet_build
from test_digest import digest, numbered

ATOM = "{http://www.w3.org/2005/Atom}"
CORPUS = Path(__file__).resolve().parent.parent.parent / "shared" / "corpus"


def listed(page: Path) -> list[str]:
    """The arXiv ids a page lists, in order."""
    return re.findall(r'<span class="id">arXiv:([^<]+)</span>', page.read_text(encoding="utf-8"))


def page_bibtex(output: Path, paper_id: str) -> str:
    """The BibTeX entry the paper's page shows."""
    text = (output / "papers" / f"{paper_id}.html").read_text(encoding="utf-8")
    return html.unescape(re.search(r'<pre id="bibtex"><code>(.*?)</code></pre>', text, re.DOTALL).group(1))


# --- venue pages ------------------------------------------------------------------------------

def test_venue_pages_list_accepted_papers_by_venue_and_year_never_submitted_ones(built_site: Path):
    venues = built_site / "venues"
    assert listed(venues / "cvpr" / "2023.html") == ["2209.14003"]  # not 2209.14100: submitted to CVPR 2023
    assert listed(venues / "cvpr-workshops" / "2023.html") == ["2209.14101"]
    assert listed(venues / "tpami" / "2021.html") == ["2209.14200"]  # from its journal reference
    assert listed(venues / "tpami" / "undated.html") == ["2209.14201"]  # "Accepted by IEEE TPAMI"
    index = (venues / "index.html").read_text(encoding="utf-8")
    for path in ("cvpr/2023.html", "cvpr-workshops/2023.html", "tpami/2021.html", "tpami/undated.html"):
        assert f'href="../venues/{path}"' in index
    assert sorted(str(path.relative_to(venues)) for path in venues.rglob("*.html")) == [
        "cvpr-workshops/2023.html", "cvpr/2023.html", "index.html", "tpami/2021.html", "tpami/undated.html"]


def test_a_paper_page_links_its_accepted_venue_only(built_site: Path):
    accepted = (built_site / "papers" / "2209.14200.html").read_text(encoding="utf-8")
    assert '<dd><a href="../venues/tpami/2021.html">TPAMI 2021</a>, accepted ' in accepted
    submitted = (built_site / "papers" / "2209.14100.html").read_text(encoding="utf-8")
    assert "<dd>Submitted to CVPR 2023, not accepted yet" in submitted and "venues/cvpr" not in submitted


def test_every_page_links_the_venues_and_the_following_page(built_site: Path):
    for page in ("index.html", "papers/2209.14003.html", "venues/cvpr/2023.html"):
        text = (built_site / page).read_text(encoding="utf-8")
        assert re.search(r'<a href="(\.\./)*venues/index\.html">Venues</a>', text), page
        assert re.search(r'<a href="(\.\./)*following/index\.html">Following</a>', text), page


def test_a_venue_year_is_paged_like_a_category(tmp_path: Path):
    content = tmp_path / "content"
    content.mkdir()
    (content / "20220929.md").write_text(digest(*(numbered(n, Comment="Accepted to ECCV 2022") for n in range(1, 6)),
                                                 numbered(9, Comment="Submitted to ECCV 2022")), encoding="utf-8")
    config = make_config(tmp_path, content, per_page=2)
    quiet_build(config)
    year = config.output_path / "venues" / "eccv"
    pages = [year / "2022.html", year / "2022" / "page" / "2.html", year / "2022" / "page" / "1.html"]
    shown = [listed(page) for page in pages]
    assert sorted(sum(shown, [])) == [f"2209.1400{n}" for n in range(1, 6)]  # each once; not the submitted one
    assert [len(ids) for ids in shown] == [1, 2, 2]  # numbered from the oldest, as categories are
    front = pages[0].read_text(encoding="utf-8")
    assert 'href="../../venues/eccv/2022/page/1.html">1</a>' in front and "Older →" in front


@pytest.mark.corpus
def test_no_submitted_paper_is_listed_on_a_venue_page_of_the_corpus():
    if not CORPUS.is_dir():
        pytest.skip(f"the corpus is not at {CORPUS}")
    archive = build_archive(read_content(CORPUS).digests, Venues())
    listed_ids = [paper_id for group in archive.venues.values() for ids in group.years.values() for paper_id in ids]
    submitted = [paper.id for paper in archive.papers.values() if paper.venue and not paper.venue.accepted]
    assert len(listed_ids) > 5000 and len(submitted) > 100  # the corpus has both
    assert set(listed_ids).isdisjoint(submitted)
    assert all(archive.papers[paper_id].venue.accepted for paper_id in listed_ids)


# --- feeds ------------------------------------------------------------------------------------

def feed_ids(path: Path) -> list[str]:
    root = ElementTree.parse(path).getroot()
    return [entry.find(f"{ATOM}id").text.rsplit("/", 1)[1].removesuffix(".html")
            for entry in root.iter(f"{ATOM}entry")]


def test_authors_and_venue_years_have_atom_feeds_their_pages_announce(built_site: Path):
    assert feed_ids(built_site / "authors" / "alice-smith.xml") == ["2209.14101", "2209.14003", "2209.14001"]
    assert feed_ids(built_site / "venues" / "cvpr" / "2023.xml") == ["2209.14003"]
    root = ElementTree.parse(built_site / "authors" / "alice-smith.xml").getroot()
    assert root.find(f"{ATOM}title").text == "arXiv archive: Alice Smith"
    author = (built_site / "authors" / "alice-smith.html").read_text(encoding="utf-8")
    assert ('<link rel="alternate" type="application/atom+xml" title="Alice Smith" '
            'href="../authors/alice-smith.xml">') in author
    venue = (built_site / "venues" / "cvpr" / "2023.html").read_text(encoding="utf-8")
    assert ('<link rel="alternate" type="application/atom+xml" title="CVPR 2023" '
            'href="../../venues/cvpr/2023.xml">') in venue


def test_the_sitemap_lists_pages_not_feeds_or_bibliographies(built_site: Path):
    sitemap = (built_site / "sitemap.xml").read_text(encoding="utf-8")
    assert "venues/cvpr/2023.html" in sitemap and "following/" in sitemap
    assert ".bib<" not in sitemap and "authors/alice-smith.xml" not in sitemap


# --- bibliographies ---------------------------------------------------------------------------

def bib_entries(path: Path) -> list[str]:
    return path.read_text(encoding="utf-8").strip().split("\n\n")


def test_authors_days_and_venue_years_have_bibtex_files_of_their_papers_entries(built_site: Path):
    for path, ids in [("authors/alice-smith.bib", ["2209.14101", "2209.14003", "2209.14001"]),
                      ("days/2022/09/29.bib", ["2209.14002", "2209.14100", "2209.14101", "2209.14200", "2209.14201"]),
                      ("venues/tpami/2021.bib", ["2209.14200"])]:
        assert bib_entries(built_site / path) == [page_bibtex(built_site, paper_id) for paper_id in ids], path
    author = (built_site / "authors" / "alice-smith.html").read_text(encoding="utf-8")
    assert '<a href="../authors/alice-smith.bib" download>BibTeX for these 3 papers</a>' in author
    day = (built_site / "days" / "2022" / "09" / "29.html").read_text(encoding="utf-8")
    assert '<a href="../../../days/2022/09/29.bib" download>BibTeX for these 5 papers</a>' in day
    venue = (built_site / "venues" / "cvpr" / "2023.html").read_text(encoding="utf-8")
    assert '<a href="../../venues/cvpr/2023.bib" download>BibTeX for this paper</a>' in venue


def test_an_accepted_paper_is_cited_where_it_appeared(built_site: Path):
    conference = page_bibtex(built_site, "2209.14003")
    assert conference.startswith("@inproceedings{smith2022learning,")
    assert "booktitle={IEEE/CVF Conference on Computer Vision and Pattern Recognition}" in conference
    assert "year={2023}" in conference  # the venue's year, not the arXiv one
    journal = page_bibtex(built_site, "2209.14200")
    assert journal.startswith("@article{") and "journal={IEEE Transactions on Pattern Analysis" in journal
    assert "year={2021}" in journal
    undated = page_bibtex(built_site, "2209.14201")
    assert undated.startswith("@article{") and "year={2022}" in undated  # no year given: the arXiv year
    for submitted in ("2209.14100", "2209.14001"):  # submitted only, or no venue
        entry = page_bibtex(built_site, submitted)
        assert entry.startswith("@misc{") and "booktitle" not in entry and "journal=" not in entry


def test_entries_sharing_a_key_in_one_file_get_a_letter(tmp_path: Path):
    content = tmp_path / "content"
    content.mkdir()
    (content / "20220929.md").write_text(digest(numbered(1, "Learning Edges"), numbered(2, "Learning Corners")),
                                         encoding="utf-8")
    config = make_config(tmp_path, content)
    quiet_build(config)
    keys = re.findall(r"^@\w+\{([^,]+),", (config.output_path / "days/2022/09/29.bib").read_text(encoding="utf-8"),
                      re.MULTILINE)
    assert keys == ["amsaleg2022learning", "amsaleg2022learningb"]


# --- incremental builds -----------------------------------------------------------------------

def test_a_new_paper_renders_again_only_the_feeds_and_bibliographies_it_is_in(tmp_path: Path):
    """Feeds and bibliographies are rendered like pages: an unchanged one keeps its file
    (the served file, linked into the next build), a changed one is written anew."""
    content = tmp_path / "content"
    shutil.copytree(SITE_CONTENT, content)
    config = make_config(tmp_path, content)
    quiet_build(config)
    quiet_build(config)  # the spare folder now holds the build before: unchanged files are links
    output = config.output_path
    files = ["authors/alice-smith.xml", "authors/alice-smith.bib", "authors/carol-king.xml", "authors/carol-king.bib",
             "venues/cvpr/2023.xml", "venues/cvpr/2023.bib", "venues/tpami/2021.bib", "days/2022/09/29.bib"]
    before = {path: (output / path).stat().st_ino for path in files}
    (content / "20221003.md").write_text(digest(
        numbered(77, "A New Paper", Authors="Alice Smith", Comment="Accepted to CVPR 2023",
                 Published="2022-10-03 00:00:11+00:00", Updated="2022-10-03 00:00:11+00:00"),
        heading="# Arxiv Papers in cs.CV on 2022-10-03"), encoding="utf-8")
    quiet_build(config)
    rewritten = {path for path in files if (output / path).stat().st_ino != before[path]}
    assert rewritten == {"authors/alice-smith.xml", "authors/alice-smith.bib", "venues/cvpr/2023.xml",
                         "venues/cvpr/2023.bib"}
    assert feed_ids(output / "venues" / "cvpr" / "2023.xml") == ["2209.14077", "2209.14003"]
    assert (output / "days" / "2022" / "10" / "03.bib").is_file()


def test_a_growing_venue_year_renders_again_its_newest_pages_only(tmp_path: Path):
    """Older pages of a venue-year show no counts (as older category pages), so a paper
    accepted there leaves them as they are."""
    content = tmp_path / "content"
    content.mkdir()
    papers = [numbered(n, Comment="Accepted to ECCV 2022") for n in range(1, 6)]
    (content / "20220929.md").write_text(digest(*papers), encoding="utf-8")
    config = make_config(tmp_path, content, per_page=2)
    quiet_build(config)
    quiet_build(config)
    year = config.output_path / "venues" / "eccv"
    paths = (year / "2022.html", year / "2022/page/2.html", year / "2022/page/1.html")
    pages = {path: path.stat().st_ino for path in paths}
    (content / "20220930.md").write_text(digest(numbered(6, Comment="ECCV 2022 Oral",
                                                         Published="2022-09-30 00:00:11+00:00"),
                                                heading="# Arxiv Papers in cs.CV on 2022-09-30"), encoding="utf-8")
    quiet_build(config)
    assert [path.stat().st_ino != inode for path, inode in pages.items()] == [True, False, False]
    assert listed(year / "2022.html") == ["2209.14006", "2209.14005"]
