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
