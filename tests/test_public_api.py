"""sitegen uses only the public API of Jinja and MarkupSafe: a private name (`_x`) may
change in any minor release, and a build that breaks after `pip install -U` is a bug
users notice (issue 20)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import sitegen

LIBRARIES = {"jinja2", "markupsafe"}
MODULES = sorted(Path(sitegen.__file__).parent.rglob("*.py"))


def is_private(name: str) -> bool:
    return name.startswith("_") and not (name.startswith("__") and name.endswith("__"))


def private_uses(source: str) -> list[str]:
    """The private names of Jinja or MarkupSafe that `source` imports or reads, and the
    private methods its subclasses of their classes define (overrides of their internals)."""
    tree = ast.parse(source)
    bound: set[str] = set()  # local names of the libraries and of anything imported from them
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in LIBRARIES:
                    found += [f"import {alias.name}"] if any(map(is_private, alias.name.split("."))) else []
                    bound.add(alias.asname or alias.name.split(".")[0])
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in LIBRARIES:
            for alias in node.names:
                if any(map(is_private, [*node.module.split("."), alias.name])):
                    found.append(f"from {node.module} import {alias.name}")
                bound.add(alias.asname or alias.name)
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and is_private(node.attr) and reaches(node.value, bound):
            found.append(f"{ast.unparse(node)} (line {node.lineno})")
        elif isinstance(node, ast.ClassDef) and any(reaches(base, bound) for base in node.bases):
            found += [f"{node.name}.{item.name} (line {item.lineno})" for item in node.body
                      if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)) and is_private(item.name)]
    return found


def reaches(node: ast.expr, bound: set[str]) -> bool:
    """`node` is one of the `bound` names, an attribute of one (`jinja2.runtime.Context`)
    or what calling one gives (`Markup("x")`)."""
    while isinstance(node, (ast.Attribute, ast.Call)):
        node = node.value if isinstance(node, ast.Attribute) else node.func
    return isinstance(node, ast.Name) and node.id in bound


@pytest.mark.parametrize("module", MODULES, ids=lambda path: str(path.relative_to(MODULES[0].parent)))
def test_sitegen_uses_only_public_names_of_jinja_and_markupsafe(module: Path):
    assert private_uses(module.read_text(encoding="utf-8")) == []


def test_the_check_finds_each_kind_of_private_use():
    """What sitegen 0.2 did, and the other ways to reach a private name."""
    source = """
import jinja2
import jinja2._identifier
import markupsafe as ms
from jinja2.compiler import CodeGenerator
from markupsafe import Markup, _escape_inner

class Compiler(CodeGenerator):
    def _output_child_pre(self, node, frame, finalize): ...
    def visit_Output(self, node, frame): ...

class Calls(jinja2.runtime.Context):
    def _direct(self): ...

pass_arg = jinja2.utils._PassArg.from_obj(print)
inner = ms._escape_inner("<")
fine = Markup("x")._private_of_a_value
"""
    assert sorted(private_uses(source)) == sorted([
        "import jinja2._identifier",
        "from markupsafe import _escape_inner",
        "Compiler._output_child_pre (line 9)",
        "Calls._direct (line 13)",
        "jinja2.utils._PassArg (line 15)",
        "ms._escape_inner (line 16)",
        "Markup('x')._private_of_a_value (line 17)",
    ])
