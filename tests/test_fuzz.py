"""Property tests: no input makes the pipeline raise; billing is deterministic and adds up."""

from __future__ import annotations

import json
import os
from decimal import Decimal
from functools import lru_cache

import yaml
from conftest import FLESPI
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from strategies import accounts, grammar_text_raw, grammar_text_readable, mutated

from planlang.compile import Compiled, compile_source, load_catalog
from planlang.diagnostics import render_all
from planlang.engine import evaluate
from planlang.engine.load import account_from
from planlang.engine.results import to_data
from planlang.inputs.account import Account
from planlang.inputs.convert import converter
from planlang.inputs.documents import load_document
from planlang.source import Source

# CI-friendly and reproducible by default (derandomized, no example database);
# PLANLANG_FUZZ_EXAMPLES=5000 for a deeper, random run.
DEEP = os.environ.get("PLANLANG_FUZZ_EXAMPLES")
EXAMPLES = int(DEEP or "150")
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=DEEP is None,
                database=None if DEEP is None else settings.default.database,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                       HealthCheck.data_too_large])
FLESPI_TEXT = FLESPI.read_text(encoding="utf-8")


@lru_cache(maxsize=1)
def flespi():
    return load_catalog(FLESPI)


def compiles_cleanly_or_reports(text: str) -> Compiled:
    """compile_source must return; its diagnostics must render and point inside the text."""
    compiled = compile_source(Source("fuzz.plan", text))
    assert isinstance(compiled, Compiled)
    rendered = render_all(compiled.diagnostics)
    assert isinstance(rendered, str)
    if compiled.catalog is None:
        assert compiled.diagnostics, "no catalog and no diagnostic says why"
    for d in compiled.diagnostics:
        assert d.code.startswith(("PL1", "PL2")), d
        if d.span is not None:
            assert 0 <= d.span.start <= d.span.end <= len(text) + 1, d
    return compiled


# ---- (a) text generated from the grammar --------------------------------------------------------


@FUZZ
@given(grammar_text_raw())
def test_grammar_text_never_raises(text):
    compiles_cleanly_or_reports(text)


@FUZZ
@given(grammar_text_readable())
def test_readable_grammar_text_never_raises(text):
    compiles_cleanly_or_reports(text)


# ---- (b) random text and mutated catalogs ------------------------------------------------------


@FUZZ
@given(st.text())
@example("")
@example("\x00")
@example("\ufeffcatalog x\n  currency EUR\n")
@example("catalog x\n\tcurrency EUR\n  currency EUR\n")
@example("catalog x\n  currency EUR\nlet a = " + "(" * 3000 + "1" + ")" * 3000 + "\n")
def test_random_text_never_raises(text):
    compiles_cleanly_or_reports(text)


@FUZZ
@given(mutated(FLESPI_TEXT))
def test_mutated_catalog_never_raises(text):
    compiles_cleanly_or_reports(text)


def test_the_catalog_itself_compiles():
    compiled = compiles_cleanly_or_reports(FLESPI_TEXT)
    assert compiled.catalog is not None
    assert compiled.diagnostics == ()


def test_long_expression_does_not_raise():
    text = "catalog x\n  currency EUR\nlet a = " + " + ".join(["1"] * 1000) + "\n"
    compiles_cleanly_or_reports(text)


# ---- (c) billing: deterministic, and the total is the sum of the lines -------------------------


@FUZZ
@given(st.data())
def test_bill_is_deterministic_and_adds_up(data):
    catalog = flespi()
    raw = data.draw(accounts(catalog.plan_names))
    account = converter.structure(raw, Account)
    first = evaluate(catalog, account, "2026-11")
    second = evaluate(catalog, converter.structure(raw, Account), "2026-11")
    assert to_data(first) == to_data(second)
    assert first.total == sum((line.amount for line in first.lines), Decimal(0))
    for line in first.lines:
        assert isinstance(line.amount, Decimal)
        assert line.amount == line.amount.quantize(Decimal("0.01"))  # EUR: rounded per line
        assert line.rule.file == catalog.path and line.rule.line > 0
    assert first.lines[0].kind == "fee"
    assert first.plan == raw["plan"]
    # JSON-ready: the data dumps, and its total is the sum of its amounts as Decimals.
    dumped = json.loads(json.dumps(to_data(first)))
    assert Decimal(dumped["total"]) == sum((Decimal(li["amount"]) for li in dumped["lines"]),
                                           Decimal(0))


@settings(FUZZ, max_examples=max(1, EXAMPLES * 2 // 5))
@given(st.data())
def test_account_file_and_data_bill_the_same(data):
    """An account read from YAML text bills exactly like the same data structured directly."""
    catalog = flespi()
    raw = data.draw(accounts(catalog.plan_names))
    text = yaml.safe_dump(raw, sort_keys=False, allow_unicode=True)
    document = load_document(Source("account.yaml", text))
    from_file = evaluate(catalog, account_from(document, catalog), "2026-11")
    from_data = evaluate(catalog, converter.structure(raw, Account), "2026-11")
    assert to_data(from_file) == to_data(from_data)
