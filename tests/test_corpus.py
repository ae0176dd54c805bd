"""Integration: read the real corpus in `../shared/corpus` (skipped when it is absent)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sitegen.archive import Archive, build_archive
from sitegen.reader import Reading, read_content

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"

pytestmark = [
    pytest.mark.corpus,
    pytest.mark.skipif(not CORPUS.is_dir(), reason=f"corpus not found at {CORPUS}"),
]


@pytest.fixture(scope="module")
def reading() -> Reading:
    return read_content(CORPUS)


@pytest.fixture(scope="module")
def archive(reading: Reading) -> Archive:
    return build_archive(reading.digests)


def test_corpus_reads_without_problems(reading: Reading) -> None:
    assert [str(problem) for problem in reading.problems] == []
    assert sum(digest.skipped for digest in reading.digests) == 0
    assert len(reading.digests) == 365
    assert all(digest.day is not None for digest in reading.digests)


def test_corpus_has_19684_entries(reading: Reading, archive: Archive) -> None:
    assert sum(len(digest.entries) for digest in reading.digests) == 19_684
    assert archive.entries == 19_684


def test_every_paper_id_is_unique_after_merging(archive: Archive) -> None:
    ids = [paper.id for paper in archive.papers.values()]
    assert len(ids) == len(set(ids))
    assert all(key == paper.id for key, paper in archive.papers.items())
    assert len(archive.papers) + archive.merged == archive.entries


def test_every_corpus_entry_is_well_formed(archive: Archive) -> None:
    for paper in archive.papers.values():
        assert paper.title and paper.authors and paper.categories, paper.id
        assert paper.published.utcoffset() is not None and paper.updated.utcoffset() is not None, paper.id
    assert len(archive.days) == 365
    slugs = [author.slug for author in archive.authors.values()]
    assert len(slugs) == len(set(slugs))
