"""The Jinja environment's shortcuts keep Jinja's meaning; what many pages show alike is
rendered once per depth and never shown where it does not belong."""

from __future__ import annotations

from pathlib import Path

import jinja2
import pytest

from sitegen.errors import BuildError
from sitegen.render import FRAME, Renderer, ViewEnvironment, with_ends
from sitegen.routes import Page


def environment(**templates: str) -> ViewEnvironment:
    return ViewEnvironment(loader=jinja2.DictLoader(templates), autoescape=True, undefined=jinja2.StrictUndefined)


def test_a_template_is_loaded_once_and_a_new_environment_sees_an_edit():
    templates = {"base.html": "[{% block main %}{% endblock %}]", "page.html": '{% extends "base.html" %}'
                 "{% block main %}one{% endblock %}"}
    env = environment(**templates)
    assert env.get_template("page.html") is env.get_template("page.html")
    assert env.get_template("page.html").render() == "[one]"
    templates["page.html"] = templates["page.html"].replace("one", "two")
    assert environment(**templates).get_template("page.html").render() == "[two]"



# --- Renderer: entries and frame parts rendered once per depth ---------------------------


class Pages:
    """Views as the Renderer reads them: each page's context."""

    def __init__(self, contexts: dict[str, dict]):
        self.contexts = contexts

    def context(self, page: Page) -> dict:
        return {"root": page.root, "site": {"title": "T"}, **self.contexts[page.path]}


def renderer(contexts: dict[str, dict], **templates: str) -> tuple[Renderer, list[str]]:
    """A Renderer over `templates`, and the list `note(x)` appends to, so a test sees how
    often a macro body ran."""
    env = environment(**templates)
    ran: list[str] = []
    env.globals["note"] = lambda text: ran.append(text) or ""
    return Renderer(Pages(contexts), env), ran


def test_a_list_entry_is_rendered_once_per_depth_and_reused():
    entry = ('{% macro entry(item, root) %}{{ note(item.id) }}<a href="{{ root }}{{ item.id }}">{{ item.title }}</a>'
             '{% endmacro %}')
    items = {"a": {"id": "a", "title": "A&B", "featured": None}, "b": {"id": "b", "title": "B", "featured": None}}
    pages = {"x/1.html": [items["a"], items["b"]], "x/2.html": [items["b"]], "3.html": [items["b"]]}
    render, ran = renderer({path: {"items": listed} for path, listed in pages.items()},
                           **{"list.html": entry + "[{{ cached_macros(entry, items, root) }}]"})
    written = {path: render.render(Page("list", None, path)) for path in pages}
    assert written == {"x/1.html": b'[<a href="../a">A&amp;B</a><a href="../b">B</a>]',
                       "x/2.html": b'[<a href="../b">B</a>]', "3.html": b'[<a href="b">B</a>]'}
    assert ran == ["a", "b", "b"]  # b once at each depth


def test_a_paper_item_featuring_its_author_is_not_another_pages_entry():
    """On an author's page, an item names the author the cut list leaves out (`featured`):
    the same paper listed on a co-author's page must not show it, nor the reverse."""
    entry = ("{% macro entry(item, root) %}{{ item.id }}{% if item.featured %}+{{ item.featured.name }}{% endif %};"
             "{% endmacro %}")
    plain = {"id": "p", "featured": None}
    contexts = {"a/1.html": {"items": [plain]}, "a/2.html": {"items": [dict(plain, featured={"name": "Ann"})]},
                "a/3.html": {"items": [dict(plain, featured={"name": "Bo"})]}, "a/4.html": {"items": [plain]}}
    render, _ = renderer(contexts, **{"list.html": entry + "{{ cached_macros(entry, items, root) }}"})
    assert [render.render(Page("list", None, path)) for path in contexts] == [b"p;", b"p+Ann;", b"p+Bo;", b"p;"]


def test_links_are_entries_by_all_their_fields():
    entry = "{% macro entry(link, root) %}{{ link.name }} {{ link.count }};{% endmacro %}"
    contexts = {"a/1.html": {"items": [{"name": "Ann", "path": "ann", "count": 1}]},
                "a/2.html": {"items": [{"name": "Ann", "path": "ann", "count": 2}]}}
    render, _ = renderer(contexts, **{"list.html": entry + "{{ cached_macros(entry, items, root) }}"})
    assert [render.render(Page("list", None, path)) for path in contexts] == [b"Ann 1;", b"Ann 2;"]


def test_macros_of_one_name_in_two_page_templates_keep_their_own_entries():
    item = {"id": "p", "featured": None}
    render, _ = renderer({"a/1.html": {"items": [item]}},
                         **{"day.html": "{% macro entry(item, root) %}day {{ item.id }}{% endmacro %}"
                                        "{{ cached_macros(entry, items, root) }}",
                            "author.html": "{% macro entry(item, root) %}author {{ item.id }}{% endmacro %}"
                                           "{{ cached_macros(entry, items, root) }}"})
    assert render.render(Page("day", None, "a/1.html")) == b"day p"
    assert render.render(Page("author", None, "a/1.html")) == b"author p"


def test_a_macro_named_by_a_string_is_the_one_of_macros_html():
    """Themes written for sitegen 0.2 call `cached_macro("paper_item", item, …)`."""
    item = {"id": "p", "featured": None}
    render, _ = renderer({"a/1.html": {"item": item}},
                         **{"_macros.html": "{% macro paper_item(item, root) %}<li>{{ item.id }}</li>{% endmacro %}",
                            "day.html": '{{ cached_macro("paper_item", item, root) }}'})
    assert render.render(Page("day", None, "a/1.html")) == b"<li>p</li>"


def test_frame_parts_are_rendered_once_per_depth():
    frame = ('{% macro header(site, root) %}{{ note(root) }}<a href="{{ root }}index.html">{{ site.title }}</a>'
             '{% endmacro %}')
    paths = ["a/1.html", "a/2.html", "index.html", "a/b/3.html"]
    render, ran = renderer({path: {} for path in paths}, **{FRAME: frame, "page.html": "{{ frame.header }}|"})
    written = [render.render(Page("page", None, path)) for path in paths]
    assert written == [b'<a href="../index.html">T</a>|'] * 2 + [b'<a href="index.html">T</a>|',
                                                                 b'<a href="../../index.html">T</a>|']
    assert ran == ["../", "", "../../"]


def test_a_frame_part_the_frame_lacks_is_an_error_naming_the_template_line(tmp_path: Path):
    (tmp_path / FRAME).write_text("{% macro header(site, root) %}{% endmacro %}", encoding="utf-8")
    (tmp_path / "page.html").write_text("\n{{ frame.heder }}", encoding="utf-8")
    env = ViewEnvironment(loader=jinja2.FileSystemLoader(tmp_path), autoescape=True, undefined=jinja2.StrictUndefined)
    render = Renderer(Pages({"a/1.html": {}}), env)
    with pytest.raises(BuildError) as error:
        render.render(Page("page", None, "a/1.html"))
    assert str(error.value) == (f"{tmp_path / 'page.html'}:2: TemplateRuntimeError: _frame.html has no macro 'heder' "
                                "(for frame.heder) (rendering a/1.html)")


def test_with_ends_marks_the_first_and_the_last_as_jinjas_loop_does():
    template = ("{% for x, first, last in xs | with_ends %}{{ x }}{{ '<' if first }}{{ '>' if last }}{% endfor %}|"
                "{% for x in xs %}{{ x }}{{ '<' if loop.first }}{{ '>' if loop.last }}{% endfor %}")
    env = environment(page=template)
    env.filters["with_ends"] = with_ends
    for xs in ([], ["a"], ["a", "b"], ["a", "b", "c"]):
        ours, jinjas = env.get_template("page").render(xs=xs).split("|")
        assert ours == jinjas
    assert env.get_template("page").render(xs=["a", "b", "c"]) == "a&lt;bc&gt;|a&lt;bc&gt;"
