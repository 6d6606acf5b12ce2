"""Parse tree → AST: no Lark node survives, spans stay out of equality, every rule has a callback."""

from __future__ import annotations

import re
from pathlib import Path

import attrs
import pytest
from conftest import CATALOGS, rel
from lark import Token, Tree

from planlang.source import Source, Span
from planlang.syntax import ast
from planlang.syntax.build import Builder, build
from planlang.syntax.parse import parse_tree, parser

assert CATALOGS, "no catalogs/*.plan found"


def parse(text: str, path: str = "x.plan") -> ast.PlanFile:
    source = Source(path, text)
    tree, diagnostics = parse_tree(source)
    assert tree is not None, diagnostics
    return build(tree, source)


def lark_nodes(value: object, where: str = "PlanFile") -> list[str]:
    """Every path below `value` (attrs fields, tuples, dicts) that holds a Lark Tree or Token."""
    if isinstance(value, (Tree, Token)):
        return [where]
    found = []
    if attrs.has(type(value)):
        for field in attrs.fields(type(value)):
            found += lark_nodes(getattr(value, field.name), f"{where}.{field.name}")
    elif isinstance(value, (tuple, list)):
        for i, item in enumerate(value):
            found += lark_nodes(item, f"{where}[{i}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            found += lark_nodes(key, f"{where}<key>") + lark_nodes(item, f"{where}[{key!r}]")
    return found


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.name)
def test_catalog_ast_holds_no_lark_node(path: Path):
    plan_file = parse(path.read_text(encoding="utf-8"), rel(path))
    assert isinstance(plan_file, ast.PlanFile)
    assert plan_file.definitions
    assert lark_nodes(plan_file) == []


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.name)
def test_every_node_has_a_span_in_its_source(path: Path):
    text = path.read_text(encoding="utf-8")
    plan_file = parse(text, rel(path))
    for node in ast.walk(plan_file):
        span = getattr(node, "span", None)
        assert isinstance(span, Span), node
        assert 0 <= span.start <= span.end <= len(text) + 1, node
        assert span.path == rel(path)


def test_strings_in_the_ast_are_plain_str():
    """A Token is a str subclass: a leaked Token would pass `isinstance(x, str)` silently."""
    plan_file = parse(CATALOGS[0].read_text(encoding="utf-8"))
    for node in ast.walk(plan_file):
        for field in attrs.fields(type(node)):
            value = getattr(node, field.name)
            if isinstance(value, str):
                assert type(value) is str, (node, field.name)


def reformat(text: str) -> str:
    """The same plan with other whitespace and comments: blank lines, padding, comments."""
    out = ["# reformatted copy", ""]
    for line in text.splitlines():
        stripped = line.lstrip(" ")
        indent = len(line) - len(stripped)
        if not stripped:
            out.append("")
            continue
        # Double the indentation, pad the spaces between words, add a comment after each line.
        code, hash_, comment = stripped.partition("#")
        # Pad outside quoted messages only: a message's own spaces are part of its text.
        parts = re.split(r'("[^"]*")', code.rstrip()) if code.strip() else [code]
        code = "".join(p if p.startswith('"') else re.sub(r"(?<=[^ ]) (?=[^ ])", "   ", p)
                       for p in parts)
        new = " " * (indent * 2) + code
        if code.strip():
            new = new.rstrip() + "    # note" + (f": {comment}" if hash_ else "")
        else:
            new = " " * (indent * 2) + "#" + comment
        out.append(new)
        out.append("")
    return "\n".join(out) + "\n\n# end\n"


@pytest.mark.parametrize("path", CATALOGS, ids=lambda p: p.name)
def test_whitespace_and_comments_do_not_change_the_ast(path: Path):
    text = path.read_text(encoding="utf-8")
    other = reformat(text)
    assert other != text
    first, second = parse(text, "a.plan"), parse(other, "b.plan")
    assert first == second
    # The spans differ (they are only left out of equality).
    assert first.definitions[-1].span.start != second.definitions[-1].span.start


def test_equality_sees_a_real_change():
    text = next(p for p in CATALOGS if p.name == "flespi.plan").read_text(encoding="utf-8")
    changed = text.replace("1,000 included", "1,001 included", 1)
    assert changed != text
    assert parse(text) != parse(changed)


def grammar_rule_names() -> set[str]:
    names = set()
    for rule in parser().rules:
        if rule.alias:
            names.add(str(rule.alias))
            continue
        origin = str(rule.origin.name)
        if origin.startswith("_") or rule.options.expand1:
            continue  # inlined: `_rule` and `?rule` without an alias never reach the builder
        names.add(origin)
    return names


def test_every_grammar_rule_has_a_builder_callback():
    names = grammar_rule_names()
    assert {"start", "catalog", "plan_def", "quantity", "money", "extra_price"} <= names
    missing = sorted(name for name in names if not callable(getattr(Builder, name, None)))
    assert not missing, f"Builder has no callback for {missing}"


def test_builder_has_no_callback_for_a_rule_that_does_not_exist():
    """A callback with no rule is a misspelling: the rule it was meant for falls through."""
    names = grammar_rule_names()
    own = {name for name, value in vars(Builder).items()
           if callable(value) and not name.startswith("_")}
    assert own - names == set()
