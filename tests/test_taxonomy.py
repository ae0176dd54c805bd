"""Tests for `sitegen.taxonomy`: category names, code shapes and archive prefixes."""

from __future__ import annotations

import pytest

from sitegen.taxonomy import (
    ARXIV_CATEGORIES,
    ARXIV_GROUPS,
    category_name,
    group_of,
    is_arxiv_category,
)


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("cs.CV", "Computer Vision and Pattern Recognition"),
        ("cs.LG", "Machine Learning"),
        ("eess.IV", "Image and Video Processing"),
        ("stat.ML", "Machine Learning"),
        ("math-ph", "Mathematical Physics"),
        ("quant-ph", "Quantum Physics"),
        ("astro-ph.SR", "Solar and Stellar Astrophysics"),
        ("cond-mat.stat-mech", "Statistical Mechanics"),
        ("physics.ao-ph", "Atmospheric and Oceanic Physics"),
        ("q-bio.BM", "Biomolecules"),
        # Old-style archive-level codes.
        ("cs", "Computer Science"),
        ("math", "Mathematics"),
        ("physics", "Physics"),
        ("astro-ph", "Astrophysics"),
        ("cond-mat", "Condensed Matter"),
        ("nlin", "Nonlinear Sciences"),
        ("q-bio", "Quantitative Biology"),
        ("q-fin", "Quantitative Finance"),
        ("stat", "Statistics"),
        ("eess", "Electrical Engineering and Systems Science"),
        ("econ", "Economics"),
        # Legacy archives.
        ("alg-geom", "Algebraic Geometry"),
        ("cmp-lg", "Computation and Language"),
        ("chao-dyn", "Chaotic Dynamics"),
        ("supr-con", "Superconductivity"),
    ],
)
def test_category_name_gives_the_official_name(code: str, name: str) -> None:
    assert category_name(code) == name
    assert ARXIV_CATEGORIES[code] == name


def test_unknown_code_falls_back_to_the_code() -> None:
    assert category_name("cs.XY") == "cs.XY"
    assert category_name("") == ""


def test_every_group_is_covered() -> None:
    groups = {group_of(code) for code in ARXIV_CATEGORIES}
    expected = {
        "cs", "econ", "eess", "math", "astro-ph", "cond-mat", "gr-qc", "hep-ex",
        "hep-lat", "hep-ph", "hep-th", "math-ph", "nlin", "nucl-ex", "nucl-th",
        "physics", "quant-ph", "q-bio", "q-fin", "stat",
    }
    assert expected <= groups
    assert groups == set(ARXIV_GROUPS)


def test_every_legacy_archive_is_named() -> None:
    legacy = (
        "adap-org", "alg-geom", "ao-sci", "atom-ph", "bayes-an", "chao-dyn",
        "chem-ph", "cmp-lg", "comp-gas", "dg-ga", "funct-an", "mtrl-th",
        "patt-sol", "plasm-ph", "q-alg", "solv-int", "supr-con", "acc-phys",
    )
    for code in legacy:
        assert category_name(code) != code


def test_group_names() -> None:
    assert ARXIV_GROUPS["cs"] == "Computer Science"
    assert ARXIV_GROUPS["astro-ph"] == "Astrophysics"


def test_tables_are_read_only() -> None:
    with pytest.raises(TypeError):
        ARXIV_CATEGORIES["cs.XY"] = "X"  # type: ignore[index]
    with pytest.raises(TypeError):
        ARXIV_GROUPS["xx"] = "X"  # type: ignore[index]


def test_every_known_code_has_the_category_shape() -> None:
    assert all(is_arxiv_category(code) for code in ARXIV_CATEGORIES)


@pytest.mark.parametrize(
    "token",
    [
        "cs.CV", "cs.GT", "cs.XY", "cs", "math-ph", "astro-ph", "cond-mat",
        "cond-mat.stat-mech", "physics.ao-ph", "q-bio.BM", "astro-ph.SR",
    ],
)
def test_category_shape_accepted(token: str) -> None:
    assert is_arxiv_category(token)


@pytest.mark.parametrize(
    "token",
    [
        "68T45",
        "68T07 (Primary)",
        "68T07 (Primary) 20C35 (Secondary)",
        "I.4.3",
        "I.2.10; I.2.6",
        "D.1.7; D.4.7",
        "ACM-class: I.4.8",
        "",
        " ",
        "cs.CV cs.LG",
        " cs.CV",
        "cs.CV\n",
        "CS.CV",
        "cs.",
        "cs.cV",
        "cs..CV",
        "-cs",
        "cs-",
    ],
)
def test_category_shape_rejected(token: str) -> None:
    assert not is_arxiv_category(token)


@pytest.mark.parametrize(
    ("code", "group"),
    [
        ("cs.CV", "cs"),
        ("math-ph", "math-ph"),
        ("cond-mat.stat-mech", "cond-mat"),
        ("physics.ao-ph", "physics"),
        ("astro-ph", "astro-ph"),
    ],
)
def test_group_of(code: str, group: str) -> None:
    assert group_of(code) == group
