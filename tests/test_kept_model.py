"""The model a build keeps for the next update (`archive.kept_model`, `Cache.save_mapped`):
its papers and authors in columns, loaded as views of the file and made when asked for,
the same records, in the same order, as the model it keeps."""

from __future__ import annotations

import pickle
from datetime import timedelta, timezone
from pathlib import Path

from sitegen.archive import Columnar, Paper, field_of, kept_model, modelled, updated
from sitegen.cache import Cache
from sitegen.digest import parse_digest
from sitegen.search import paper_tiers, search_tiers, tier_name

ENTRY = """### {title}
- **Arxiv ID**: http://arxiv.org/abs/{paper_id}v{version}
- **DOI**: {doi}
- **Categories**: **cs.CV**, cs.LG
- **Links**: [PDF](http://arxiv.org/pdf/{paper_id}v{version})
- **Published**: {published}
- **Updated**: {published}
- **Authors**: {authors}
- **Comment**: {comment}
- **Journal**: None
- **Summary**: {summary}

"""


def digest(day: str, category: str, *entries: dict) -> str:
    return f"# Arxiv Papers in {category} on {day}\n" + "".join(ENTRY.format(**entry) for entry in entries)


def entry(paper_id: str, **fields) -> dict:
    return {"title": f"Paper {paper_id}", "paper_id": paper_id, "version": 1, "doi": "None",
            "published": "2022-09-27 10:00:00+00:00", "authors": "Ada Lovelace, Émilie du Châtelet",
            "comment": "None", "summary": f"What {paper_id} shows.", **fields}


def model_of(*texts: str):
    return modelled({f"key-{number}": parse_digest(text, f"{number}.md") for number, text in enumerate(texts)})


MODEL_TEXTS = (
    digest("2022-09-28", "cs.CV",
           entry("2209.10001", comment="Accepted to CVPR 2023", doi="10.1000/xyz",
                 summary="Übersicht: $\\alpha$ — naïve ∑ 𝔼 (astral plane)."),
           entry("2209.10002", version=3, published="2022-09-27 22:30:15.250000-04:00",
                 authors="José García, Jose Garcia, Ada Lovelace")),
    digest("2022-09-29", "cs.LG", entry("2209.10001", comment="Accepted to CVPR 2023", doi="10.1000/xyz",
                                        summary="Übersicht: $\\alpha$ — naïve ∑ 𝔼 (astral plane)."),
           entry("2209.10003", title="Ünïcode tïtle \ud800", comment="Submitted to TPAMI")),  # a lone surrogate too
)


def test_a_kept_model_loads_as_the_model_it_keeps(tmp_path: Path):
    model = model_of(*MODEL_TEXTS)
    cache = Cache(tmp_path / "cache")
    cache.save_mapped("model", (kept_model(model), {"summaries": 1}), "token")
    loaded, summaries = cache.load_mapped("model", "token")
    assert summaries == {"summaries": 1}
    assert loaded.headings == model.headings
    for field in ("papers", "days", "categories", "authors", "venues"):
        assert list(getattr(loaded.archive, field).items()) == list(getattr(model.archive, field).items()), field
    paper = loaded.archive.papers["2209.10002"]
    assert type(paper) is Paper and paper.published.utcoffset() == timedelta(hours=-4)
    assert paper.published.microsecond == 250000
    assert loaded.archive.papers["2209.10001"].published.tzinfo == timezone.utc
    assert loaded.archive.papers["2209.10001"].summary == "Übersicht: $\\alpha$ — naïve ∑ 𝔼 (astral plane)."
    assert loaded.archive.papers["2209.10003"].title == "Ünïcode tïtle \ud800"
    venues = [loaded.archive.papers[paper_id].venue for paper_id in ("2209.10001", "2209.10003")]
    assert venues == [model.archive.papers[paper_id].venue for paper_id in ("2209.10001", "2209.10003")]
    assert loaded.archive.coauthors("Ada Lovelace") == model.archive.coauthors("Ada Lovelace")


def test_the_search_tiers_of_a_kept_model_are_the_model_s(tmp_path: Path):
    october = digest("2022-10-03", "cs.CV", entry("2210.10005", published="2022-10-02 09:00:00+00:00"))
    model = model_of(*MODEL_TEXTS, october)
    cache = Cache(tmp_path / "cache")
    cache.save_mapped("model", (kept_model(model), {}), "token")
    loaded, _ = cache.load_mapped("model", "token")
    assert [(tier.name, tier.ids) for tier in paper_tiers(loaded.archive)] == \
        [(tier.name, tier.ids) for tier in paper_tiers(model.archive)]
    assert [tier.name for tier in paper_tiers(loaded.archive)] == list(map(tier_name, search_tiers(model.archive)))
    assert search_tiers(loaded.archive) == search_tiers(model.archive)
    assert len(search_tiers(model.archive)) == 2  # the latest month's, and the latest year's before it


def test_a_kept_model_of_other_code_or_cut_short_is_not_loaded(tmp_path: Path):
    cache = Cache(tmp_path / "cache")
    cache.save_mapped("model", (kept_model(model_of(*MODEL_TEXTS)), {}), "token")
    assert cache.load_mapped("model", "other token") is None
    path = tmp_path / "cache" / "model.mapped"
    path.write_bytes(path.read_bytes()[:-200])
    assert cache.load_mapped("model", "token") is None
    path.write_bytes(b"")
    assert cache.load_mapped("model", "token") is None


def test_a_kept_model_is_patched_and_kept_again(tmp_path: Path):
    """An update patches the kept model, and the model it keeps again (a patched one)
    loads as the one it patched to."""
    first, second = MODEL_TEXTS
    third = digest("2022-09-30", "cs.CV", entry("2209.10004", authors="Ada Lovelace, Carl Gauss"),
                   entry("2209.10002", version=4, authors="Jose Garcia"))
    cache = Cache(tmp_path / "cache")
    (tmp_path / "cache").mkdir()
    (tmp_path / "cache" / "model.pickle").write_bytes(b"kept by an older sitegen")
    cache.save_mapped("model", (kept_model(model_of(first, second)), {}), "token")
    assert not (tmp_path / "cache" / "model.pickle").exists()
    base, _ = cache.load_mapped("model", "token")
    whole = model_of(first, second, third)
    now = updated(base, list(whole.headings), {f"key-{n}": parse_digest(text, f"{n}.md")
                                                for n, text in enumerate((first, second, third))}.get)
    assert isinstance(now.archive.papers, Columnar) and now.archive.papers == whole.archive.papers
    assert pickle.loads(pickle.dumps(now.archive.authors)) == whole.archive.authors  # a dictionary now
    cache.save_mapped("model", (kept_model(now), {}), "token")
    again, _ = cache.load_mapped("model", "token")
    for field in ("papers", "authors"):
        assert list(getattr(again.archive, field).items()) == list(getattr(whole.archive, field).items())


def test_a_field_of_a_kept_record_is_read_without_making_the_record(tmp_path: Path):
    model = model_of(*MODEL_TEXTS)
    cache = Cache(tmp_path / "cache")
    cache.save_mapped("model", (kept_model(model), {}), "token")
    loaded, _ = cache.load_mapped("model", "token")
    authors = loaded.archive.authors
    name = next(iter(authors))
    assert field_of(authors, name, "slug") == model.archive.authors[name].slug
    assert type(authors.slots[name]) is int  # not made by reading its slug
    made = authors[name]
    assert field_of(authors, name, "paper_ids") == made.paper_ids == model.archive.authors[name].paper_ids
    assert field_of(model.archive.authors, name, "slug") == made.slug
