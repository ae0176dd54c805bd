"""The Jinja environment's shortcuts keep Jinja's meaning."""

from __future__ import annotations

import jinja2

from sitegen.render import ViewEnvironment


def environment(**templates: str) -> ViewEnvironment:
    return ViewEnvironment(loader=jinja2.DictLoader(templates), autoescape=True, undefined=jinja2.StrictUndefined)


def test_added_functions_are_called_directly_and_context_functions_still_get_the_context(monkeypatch):
    env = environment(page="{{ shout('a<b') }} {{ where() }} {{ page.title }}")
    env.add_function("shout", lambda text: text.upper())
    env.globals["where"] = jinja2.pass_context(lambda context: context["page"]["title"])
    checked = []
    call = jinja2.runtime.Context.call
    monkeypatch.setattr(jinja2.runtime.Context, "call", lambda *args, **kwargs: checked.append(args[1]) or call(*args, **kwargs))
    assert env.get_template("page").render(page={"title": "T&T"}) == "A&lt;B T&amp;T T&amp;T"
    assert checked == [env.globals["where"]]  # only the context function went through Jinja's checks


def test_a_template_is_loaded_once_and_a_new_environment_sees_an_edit():
    templates = {"base.html": "[{% block main %}{% endblock %}]", "page.html": '{% extends "base.html" %}'
                 "{% block main %}one{% endblock %}"}
    env = environment(**templates)
    assert env.get_template("page.html") is env.get_template("page.html")
    assert env.get_template("page.html").render() == "[one]"
    templates["page.html"] = templates["page.html"].replace("one", "two")
    assert environment(**templates).get_template("page.html").render() == "[two]"


class Tagged(int):
    """An int whose text needs escaping: the int shortcut must not catch it."""

    def __str__(self) -> str:
        return "<7>"


class Html:
    def __html__(self) -> str:
        return "<b>bold</b>"


def test_output_is_escaped_as_jinja_escapes_it_whatever_the_value():
    from markupsafe import Markup

    values = ["a<b & 'c'", Markup("<i>x</i>"), 1234, -5, True, None, 2.5, Tagged(7), Html(), ["<li>"]]
    template = "{% for value in values %}[{{ value }}]{% endfor %}"
    jinja = jinja2.Environment(autoescape=True).from_string(template)
    assert environment(page=template).get_template("page").render(values=values) == jinja.render(values=values)
