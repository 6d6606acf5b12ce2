"""The friendly syntax error table: every example snippet maps to its own entry's code."""

from __future__ import annotations

import pytest

from planlang.compile import compile_source
from planlang.source import Source
from planlang.syntax.errors import SYNTAX_EXAMPLES
from planlang.syntax.parse import parse_tree

CASES = [(key, i, snippet) for key, example in SYNTAX_EXAMPLES.items()
         for i, snippet in enumerate(example.snippets)]

HEADER = "catalog demo\n  currency EUR\n\n"


@pytest.mark.parametrize(("key", "index", "snippet"), CASES,
                         ids=[f"{key}-{i}" for key, i, _ in CASES])
def test_snippet_gives_its_code(key: str, index: int, snippet: str):
    example = SYNTAX_EXAMPLES[key]
    tree, diagnostics = parse_tree(Source("x.plan", snippet))
    assert tree is None
    assert len(diagnostics) == 1
    (d,) = diagnostics
    assert d.code == example.code, f"{snippet!r} gave {d.code}: {d.message}"
    assert d.message == example.message
    assert d.help == example.help
    assert d.span is not None
    assert 0 <= d.span.start <= d.span.end <= len(snippet) + 1


def test_codes_are_unique_and_in_the_syntax_range():
    codes = [example.code for example in SYNTAX_EXAMPLES.values()]
    assert len(codes) == len(set(codes))
    assert all(code.startswith("PL1") for code in codes)
    assert all(example.snippets for example in SYNTAX_EXAMPLES.values())


@pytest.mark.parametrize(("key", "index", "snippet"), CASES,
                         ids=[f"{key}-{i}" for key, i, _ in CASES])
def test_snippet_fails_to_parse_through_the_whole_pipeline(key, index, snippet):
    """compile_source never raises on a snippet and reports the same diagnostic."""
    compiled = compile_source(Source("x.plan", snippet))
    assert compiled.catalog is None
    assert [d.code for d in compiled.diagnostics] == [SYNTAX_EXAMPLES[key].code]


def test_snippet_after_a_catalog_header_gives_its_code():
    wrong = []
    for key, _, snippet in CASES:
        if key == "block-not-indented" and snippet.startswith("catalog"):
            continue  # a second catalog header is another mistake
        _, diagnostics = parse_tree(Source("x.plan", HEADER + snippet))
        codes = [d.code for d in diagnostics]
        if codes != [SYNTAX_EXAMPLES[key].code]:
            wrong.append((snippet, codes))
    assert not wrong


def test_snippet_after_a_comment_gives_its_code():
    _, diagnostics = parse_tree(Source("x.plan", "# prices\nplan Start: € per month\n"))
    assert [d.code for d in diagnostics] == ["PL110"]


def test_unclosed_parenthesis_is_reported_where_it_opens():
    text = "catalog demo\n  currency EUR\nlet fee = (€ 100 + € 30\nplan Start: fee per month\n"
    _, diagnostics = parse_tree(Source("x.plan", text))
    (d,) = diagnostics
    assert d.code == "PL119"
    assert d.span is not None and d.span.line == 3


def test_bad_dedent_names_its_line_after_a_form_feed():
    text = ("# page one\fpage two\ncatalog x\n  currency EUR\nplan A: € 1 per month\n"
            "    channels: at most 3\n  channels: at most 4\n")
    _, diagnostics = parse_tree(Source("x.plan", text))
    (d,) = diagnostics
    assert d.code == "PL105"
    assert d.span is not None and d.span.line == 6
    assert d.span.end <= len(text)


def test_error_spans_stay_inside_the_text():
    for text in ("", "\n", "plan", "catalog", "catalog x\n", "catalog x\n  currency", "(((",
                 "let x = 1 +", "sla A:\n  refund", "\t\tplan A: € 1 per month\n", "€"):
        compiled = compile_source(Source("x.plan", text))
        for d in compiled.diagnostics:
            assert d.span is not None
            assert 0 <= d.span.start <= d.span.end <= len(text) + 1, (text, d)
