"""A bill's JSON line (`results.json_line`, which the batch writes) is `to_data`'s form, byte for byte.

`to_data` (the converter's unstructuring) is the one definition of a bill's JSON form; `json_line`
writes it without building the data, by a writer derived from the result classes and the
converter's hooks. These tests hold the two to
`json.dumps(to_data(bill), ensure_ascii=False, separators=(",", ":"))` on:

- the bills of every scenario spec under tests/scenarios (every catalog, the interpreter's bills
  with their `--explain` steps), with and without the steps;
- the compiled path's bills of a batch (`batch.bill_one` without explanation);
- bills drawn by hypothesis with odd text everywhere (quotes, backslashes, control characters,
  line and paragraph separators, non-BMP characters, lone surrogates, `{` and `}`), any Decimal
  (negative, exponents, many digits), missing rules, dates and subjects;
- a value whose type is not its field's (written through `to_data`, as before).
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from decimal import Decimal
from pathlib import Path

import attrs
import pytest
from conftest import REPO
from hypothesis import given, settings
from hypothesis import strategies as st

from planlang.compile import load_catalog
from planlang.drivers import batch
from planlang.drivers.scenario import run_file
from planlang.engine.results import (
    Bill,
    ChargeLine,
    Decision,
    Reason,
    Step,
    _writer,
    json_line,
    to_data,
)
from planlang.model import RuleRef

SCENARIOS = sorted((REPO / "tests" / "scenarios").rglob("*.scenario.yaml"))


def reference(bill: Bill, steps: bool) -> str:
    """What the batch wrote before `json_line`: `to_data`, the steps dropped, `json.dumps`."""
    data = to_data(bill)
    if not steps:
        for entry in data["lines"] + data["decisions"] + data["messages"]:
            entry.pop("steps", None)
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"


def assert_same(bill: Bill) -> None:
    for steps in (True, False):
        expected = reference(bill, steps)
        assert json_line(bill, steps) == expected
        # …and by the derived writer itself, not through `to_data`
        assert _writer(Bill, steps)(bill) + "\n" == expected


def scenario_bills() -> list[tuple[str, Bill]]:
    found = []
    for path in SCENARIOS:
        result = run_file(path)
        found += [(f"{path.relative_to(REPO)}:{bill.period}", bill) for bill in result.bills]
    return found


def test_every_scenarios_bills_with_their_steps():
    bills = scenario_bills()
    catalogs = {bill.lines[0].rule.file for _, bill in bills if bill.lines}
    assert {Path(name).name for name in catalogs} >= {
        path.name for path in (REPO / "catalogs").glob("*.plan")}, catalogs
    assert any(line.steps for _, bill in bills for line in bill.lines)
    assert any(decision.steps for _, bill in bills for decision in bill.decisions)
    assert any(bill.messages for _, bill in bills)  # (notes: drawn below)
    for where, bill in bills:
        try:
            assert_same(bill)
        except AssertionError:
            pytest.fail(f"{where}: json_line differs from json.dumps(to_data(bill))")


def test_the_compiled_paths_bills():
    catalog = load_catalog(REPO / "catalogs" / "edge-device.plan")
    account = {"account": "edge \"quoted\" \\ ü 東京 \U0001f600", "plan": "Cellular-Small",
               "usage": {"data": {"daily": {"2026-01-10": "45.5 GB", "2026-02-03": "3 GB"}}},
               "timeline": [{"on": "2026-03-01", "status": "suspended"}]}
    bills = batch.bill_one(catalog, account, ["2026-01", "2026-02", "2026-03"], explain=False)
    assert len(bills) == 3 and any(bill.decisions for bill in bills)
    for bill in bills:
        assert_same(bill)


# ---- drawn bills -----------------------------------------------------------------------------

ODD = st.text(st.characters() | st.sampled_from(
    ['"', "\\", "\n", "\r", "\t", "\x00", "\x1f", "\x7f", "\u2028", "\u2029", "\ud800", "\udfff",
     "\U0001f600", "{", "}", "'", "/", "\ufeff"]), max_size=12)
DECIMALS = st.decimals(allow_nan=False, allow_infinity=False) | st.sampled_from(
    [Decimal("1E+3"), Decimal("-0"), Decimal("0.00"), Decimal("-12.50"), Decimal("1E-30"),
     Decimal("123456789012345678901234567890.123456789")])
DAYS = st.dates(dt.date(1, 1, 1), dt.date(9999, 12, 31))
RULES = st.builds(RuleRef, ODD, st.integers(0, 10**6), ODD)
STEPS = st.lists(st.builds(Step, ODD, ODD), max_size=3).map(tuple)
LINES = st.builds(ChargeLine, ODD, ODD, ODD, ODD, DECIMALS, ODD, DECIMALS, DECIMALS, RULES, STEPS,
                  st.none() | ODD, st.none() | ODD)
DECISIONS = st.builds(Decision, ODD, ODD, DAYS, ODD,
                      st.lists(st.builds(Reason, ODD, ODD), max_size=2).map(tuple),
                      st.none() | RULES, st.none() | ODD, STEPS, st.none() | DAYS)
BILLS = st.builds(Bill, ODD, ODD, ODD, ODD, st.lists(LINES, max_size=3).map(tuple), DECIMALS,
                  st.lists(DECISIONS, max_size=3).map(tuple), st.lists(ODD, max_size=3).map(tuple),
                  st.none() | ODD, st.lists(DECISIONS, max_size=2).map(tuple))


@settings(max_examples=300, deadline=None)
@given(BILLS)
def test_drawn_bills_with_odd_text(bill):
    assert_same(bill)


def test_a_value_of_another_type_is_written_through_to_data():
    """attrs does not check types: an int where text is declared is still written as
    `json.dumps(to_data(bill))` writes it (a JSON number)."""
    rule = RuleRef("plan.plan", 3)
    line = ChargeLine("fee", "plan fee", "P", "2026-01", Decimal(1), "month", Decimal(5),
                      Decimal("5.00"), rule)
    bill = Bill("a", "P", "2026-01", "EUR", (line,), Decimal("5.00"), ())
    odd = attrs.evolve(bill, account=7, lines=(attrs.evolve(line, unit=None),))
    for steps in (True, False):
        assert json_line(odd, steps) == reference(odd, steps)
    assert '"account":7' in json_line(odd) and '"unit":null' in json_line(odd)


class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@attrs.frozen
class Other:
    """Fields of types a bill does not have today (an enum, a mapping, a list, a fixed tuple)."""

    colour: Colour
    counts: dict[str, int]
    days: list[dt.date]
    pair: tuple[str, Decimal]
    maybe: Colour | None = None


def test_fields_of_other_types_are_written_as_the_converter_gives_them():
    from planlang.inputs.convert import converter

    value = Other(Colour.BLUE, {"a\"": 1, "ü": 2}, [dt.date(2026, 1, 2)], ("x", Decimal("1.50")),
                  Colour.RED)
    for steps in (True, False):
        assert _writer(Other, steps)(value) == json.dumps(
            converter.unstructure(value), ensure_ascii=False, separators=(",", ":"))
