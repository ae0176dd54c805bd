"""`docs/themes.md` cannot drift from the code: every field a view gives templates, for
every page kind and every shape nested in them, is listed (and nothing else is); every
filter and global sitegen adds to Jinja's is named; every custom property `style.css`
defines is named; every template of the default theme is in the template table."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import jinja2
import pytest

from sitegen.archive import build_archive
from sitegen.reader import read_content
from sitegen.render import Renderer, environment
from sitegen.themes import DEFAULT_THEME, load_theme, theme_assets, vendor_assets
from sitegen.kinds import KIND, Pages

from conftest import SITE_CONTENT, make_config

DOC = Path(__file__).resolve().parent.parent / "docs" / "themes.md"
TABLE_ROW = re.compile(r"^\| `([^`(]+)(?:\([^`]*\))?` \|", re.MULTILINE)


def documented_tables() -> dict[str, set[str]]:
    """Heading text -> the names in the first column of the table under it."""
    tables = {}
    for section in re.split(r"^#{2,4} ", DOC.read_text(encoding="utf-8"), flags=re.MULTILINE)[1:]:
        heading, _, body = section.partition("\n")
        tables[heading.strip()] = set(TABLE_ROW.findall(body))
    return tables


@pytest.fixture(scope="module")
def views(tmp_path_factory) -> Pages:
    """The fixture site's views, two papers a page so categories have older pages."""
    config = make_config(tmp_path_factory.mktemp("doc"), per_page=2)
    return Pages(build_archive(read_content(SITE_CONTENT, {}).digests), config)


@pytest.fixture(scope="module")
def long_paper(tmp_path_factory) -> tuple[Pages, str, str]:
    """Views over one paper of 14 authors, accepted at a venue, its id and the name of its
    last author: the author whose page lists the paper with the cut list of authors and
    their own name."""
    content = tmp_path_factory.mktemp("long") / "content"
    digest = content / "cs.CV" / "2022" / "09" / "20220929.md"
    digest.parent.mkdir(parents=True)
    authors = [f"Author {chr(ord('A') + n)}" for n in range(14)]
    digest.write_text("\n".join([
        "# Arxiv Papers in cs.CV on 2022-09-29",
        "### A Paper of Many Hands",
        "- **Arxiv ID**: http://arxiv.org/abs/2209.19999v1",
        "- **DOI**: None",
        "- **Categories**: **cs.CV**",
        "- **Links**: [PDF](http://arxiv.org/pdf/2209.19999v1)",
        "- **Published**: 2022-09-29 03:00:00+00:00",
        "- **Updated**: 2022-09-29 03:00:00+00:00",
        f"- **Authors**: {', '.join(authors)}",
        "- **Comment**: Accepted to CVPR 2023",
        "- **Journal**: None",
        "- **Summary**: Written by many.",
        "",
    ]), encoding="utf-8")
    config = make_config(tmp_path_factory.mktemp("long-site"), content)
    return Pages(build_archive(read_content(content, {}).digests), config), "2209.19999", authors[-1]


def view(views: Pages, kind: str, key: object) -> dict:
    return views.view(next(page for page in views.pages() if page.kind == kind and page.key == key))


def item(views: Pages, paper_id: str) -> dict:
    """A paper as lists show it."""
    return views.present.item(views.source.listed(paper_id))


def first_of_each_kind(views: Pages) -> dict[str, dict]:
    """The context of the first page of each kind rendered by a template (the feeds and
    bibliographies planned as pages are made by code: no theme sees them)."""
    contexts = {}
    for page in views.pages():
        if not KIND[page.kind].document:
            contexts.setdefault(page.kind, views.context(page))
    return contexts


def shapes(views: Pages, long_paper: tuple[Pages, str, str]) -> dict[str, dict]:
    """An example of every view and nested shape the doc describes, by its heading."""
    contexts = first_of_each_kind(views)
    pages = {kind: context["page"] for kind, context in contexts.items()}
    paper = view(views, "paper", "2209.14100")  # has a DOI
    category = view(views, "category", ("cs.CV", len(views.source.chunks("cs.CV"))))  # the front page
    assert category["chart"]["years"] is not None  # cs.CV spans 2003 to 2022: a chart per year too
    year = pages["archive"]["years"][0]
    month = next(month for month in year["months"] if month["count"])
    day = next(cell for week in month["weeks"] for cell in week if cell and cell["path"])
    index_year = category["months"][0]
    long_views, paper_id, last_author = long_paper
    plain = item(long_views, paper_id)
    featuring = next(item for item in view(long_views, "author", last_author)["papers"] if item["id"] == paper_id)
    found = {f"page: {kind}": view for kind, view in pages.items()}
    found.update({
        "Variables of every page": contexts["paper"],
        "`site`": dataclasses.asdict(views.site),
        "paper item": item(views, "2209.14100"),
        # what an author's page changes in an item whose cut list of authors leaves them out
        "paper item on its author's page": {key: value for key, value in featuring.items()
                                            if key not in plain or plain[key] != value},
        "author link": paper["authors"][0],
        "category link": paper["primary"],
        "day link": paper["days"][0],
        "DOI": paper["dois"][0],
        "venue": view(long_views, "paper", paper_id)["venue"],
        "venue year link": pages["venue_year"]["years"][0],
        "venue kind": pages["venue_index"]["kinds"][0],
        "venue of the index": pages["venue_index"]["kinds"][0]["venues"][0],
        "totals": pages["home"]["totals"],
        "pager entry": next(entry for entry in category["pager"] if entry),
        "chart": category["chart"],
        "bar chart": category["chart"]["months"],
        "bar": category["chart"]["years"]["bars"][0],
        "month index year": index_year,
        "month index month": next(month for month in index_year["months"] if month),
        "archive year": year,
        "archive month": month,
        "archive day": day,
    })
    return found


def test_every_page_kind_has_its_section(views: Pages):
    kinds = {page.kind for page in views.pages() if not KIND[page.kind].document}
    assert {"venue_index", "venue_year", "following"} <= kinds
    assert {f"page: {kind}" for kind in kinds} <= set(documented_tables())


def test_the_doc_lists_exactly_the_fields_each_view_gives(views: Pages, long_paper: tuple[Pages, str, str]):
    tables = documented_tables()
    for heading, example in shapes(views, long_paper).items():
        assert heading in tables, f"docs/themes.md has no section '{heading}'"
        given = set(example)
        assert given - tables[heading] == set(), f"'{heading}': fields a view gives that the doc does not list"
        assert tables[heading] - given == set(), f"'{heading}': fields the doc lists that no view gives"


def test_the_doc_names_every_filter_and_global_sitegen_adds(tmp_path: Path, views: Pages):
    theme = load_theme(make_config(tmp_path))
    env = environment(theme, theme_assets(theme), vendor_assets())
    Renderer(views, env)  # adds `cached_macro`
    tables = documented_tables()
    assert set(env.filters) - set(jinja2.defaults.DEFAULT_FILTERS) == tables["Filters"]
    assert set(env.globals) - set(jinja2.defaults.DEFAULT_NAMESPACE) == tables["Globals"]


def test_the_doc_lists_every_custom_property_of_the_default_stylesheet():
    defined = set(re.findall(r"(--[\w-]+)\s*:", (DEFAULT_THEME / "static" / "style.css").read_text(encoding="utf-8")))
    assert defined == documented_tables()["CSS custom properties"]


def test_the_doc_lists_every_template_of_the_default_theme():
    templates = {path.name for path in (DEFAULT_THEME / "templates").glob("*.html")}
    assert templates == documented_tables()["Templates"]
