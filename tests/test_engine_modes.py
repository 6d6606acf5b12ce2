"""The evaluation modes and the one place that chooses between them.

Every field of the model (`planlang/model.py`) must say how the compiled path handles it
(`engine/compiled.HANDLING`): a new field left out fails here. The compiled path's coverage of a
catalog is derived from that declaration, and the engine's one entry point (`bill_account`) gives
the same figures whichever mode it picks. The rules themselves (`engine/rules.py`) are checked on
both kinds of exact numbers the modes use.
"""

from __future__ import annotations

import inspect
from decimal import Decimal, localcontext
from fractions import Fraction
from pathlib import Path

import attrs
import pytest

from planlang import model
from planlang.compile import load_catalog, parse_catalog_text
from planlang.diagnostics import PlanlangError
from planlang.engine import bill_account, rules
from planlang.engine.billing import compiled_runner
from planlang.engine.compiled import (
    BY_ACCOUNT,
    COMPUTED,
    HANDLING,
    OUTSIDE,
    WORDING,
    Only,
    compile_catalog,
)
from planlang.engine.results import to_data
from planlang.money import EXACT

ROOT = Path(__file__).resolve().parent.parent
MODEL_CLASSES = [cls for _, cls in inspect.getmembers(model, inspect.isclass)
                 if attrs.has(cls) and cls.__module__ == model.__name__]


def test_the_model_has_classes() -> None:
    assert {"Catalog", "Plan", "ItemTerms", "Meter", "Ladder"} <= {c.__name__ for c in
                                                                 MODEL_CLASSES}


@pytest.mark.parametrize("cls", MODEL_CLASSES, ids=lambda c: c.__name__)
def test_every_model_field_says_how_the_compiled_path_handles_it(cls) -> None:
    declared = HANDLING.get(cls)
    assert declared is not None, f"{cls.__name__} is not declared in engine/compiled.HANDLING"
    fields = [f.name for f in attrs.fields(cls)]
    missing = [name for name in fields if name not in declared]
    unknown = [name for name in declared if name not in fields]
    assert not missing, f"{cls.__name__}: say how the compiled path handles {missing}"
    assert not unknown, f"{cls.__name__}: {unknown} are no fields of the model"
    for name, how in declared.items():
        assert how in (COMPUTED, WORDING, BY_ACCOUNT, OUTSIDE) or isinstance(how, Only), name


def test_no_stale_declaration() -> None:
    assert set(HANDLING) == set(MODEL_CLASSES)


EDGE = load_catalog(str(ROOT / "catalogs" / "edge-device.plan"))


def _with_meter(catalog, **changes):
    meters = {name: attrs.evolve(m, **changes) for name, m in catalog.meters.items()}
    return attrs.evolve(catalog, meters=meters)


def _with_terms(catalog, **changes):
    plans = tuple(attrs.evolve(p, items={n: attrs.evolve(t, **changes)
                                         for n, t in p.items.items()}) for p in catalog.plans)
    return attrs.evolve(catalog, plans=plans)


@pytest.mark.parametrize(("change", "why"), [
    (lambda c: _with_meter(c, source="count"), None),
    (lambda c: _with_meter(c, daily="average"), None),
    (lambda c: _with_meter(c, monthly="maximum"), "the ladder's item `data` is not a monthly sum"),
    (lambda c: _with_meter(c, round_direction="up"),
     "the ladder's item `data` is not a monthly sum"),
    (lambda c: _with_terms(c, customer_cap=True),
     "the ladder's item `data` is decided event by event"),
    (lambda c: _with_terms(c, element_limits={"x": Fraction(1)}), None),
    (lambda c: attrs.evolve(c, calendar=model.Calendar(1, None, None, None, None, None, False,
                                                       {})), None),
    (lambda c: attrs.evolve(c, quotas={"data": None}),
     "the ladder's item `data` is decided event by event"),
    (lambda c: attrs.evolve(c, records=(None,)), "daily billing records"),
])
def test_the_compiled_coverage_is_derived_from_the_declaration(change, why) -> None:
    assert compile_catalog(EDGE).reason is None
    compiled = compile_catalog(change(EDGE))
    compiled.runner(["2026-01"])  # a runner made: its constants are checked too
    assert compiled.reason == why


@pytest.mark.parametrize(("name", "compiles"), [
    ("edge-device", True), ("coediting", True), ("flespi", True), ("soracom-air", False),
    ("soracom-flux", True)])
def test_shipped_catalogs(name, compiles) -> None:
    catalog = load_catalog(str(ROOT / "catalogs" / f"{name}.plan"))
    assert (compile_catalog(catalog).reason is None) is compiles


TIERS = parse_catalog_text("""\
catalog tiers
  currency USD
  billing period: calendar month
  suspended accounts are not billed

unit MB
unit GB = 1,000 MB

meter data in GB: usage, monthly sum

ladder Tiers: Small, Medium, Large
  by data
  above the top: one Small per started 10 GB
  up when above the limit
  down when below the lower limit for 2 months

plan Small: $ 30 per month
  data: 10 GB included
plan Medium: $ 55 per month
  data: 25 GB included, then $ 2.50 per 5 GB
plan Large: $ 90 per month
  data: 40 GB included, then $ 30 per 10 GB
""", "tiers.plan")


def _figures(bills):
    """What every mode must agree on: lines and decisions without the explanation."""
    return [(b.period, b.plan, b.next_plan, b.total,
             [(x.kind, x.item, x.plan, x.quantity, x.unit_price, x.amount, x.rule)
              for x in b.lines],
             [(d.kind, d.subject, d.date, d.outcome, d.reasons, d.rule, d.effective)
              for d in b.decisions]) for b in bills]


USAGES = ["0", "9.999", "10", "10.001 GB", "25", "25.001", "30", "30.001", "40", "40.001",
          "50", "50.5", "120", "1 MB"]


@pytest.mark.parametrize("plan", ["Small", "Medium", "Large"])
@pytest.mark.parametrize("periods", [["2026-11"], ["2026-10", "2026-11"]])
def test_the_modes_agree_on_priced_extras_and_the_ladder(plan, periods) -> None:
    runner = compile_catalog(TIERS).runner(periods)
    for index, usage in enumerate(USAGES):
        record = {"account": f"a{index}", "plan": plan, "lookback": [Decimal("4")],
                  "usage": {"data": {"daily": {"2026-10-03": usage, "2026-11-05": usage}}}}
        explained = bill_account(TIERS, record, periods, explain=True)
        fast = bill_account(TIERS, record, periods, explain=False)
        assert _figures(fast) == _figures(explained), usage
        assert all(outcome.compiled for outcome in runner(record))  # not the fallback


def test_started_blocks_are_billed_on_the_compiled_path() -> None:
    record = {"account": "a", "plan": "Large", "usage": {"data": {"daily": {
        "2026-11-05": "40.001"}}}}
    for explain in (False, True):
        bill, = bill_account(TIERS, record, ["2026-11"], explain=explain)
        extra = next(line for line in bill.lines if line.kind == "extra")
        assert (extra.quantity, extra.amount) == (1, Decimal("30.00"))


# ---- a monthly run's bills come from the generated month ----

MONTH = "2026-11"


def _month_records(catalog) -> list[dict]:
    """Accounts of every plan around every limit, one month of usage and a look-back below
    every lower limit (so tiers go up, down and past the top), a suspended one and one whose
    timeline suspends it (the general walk, from inside the generated month)."""
    records = []
    for plan in catalog.plans:
        for usage in ["0", "0.5", "9.999", "10.001", "25.001", "40", "40.001", "61.5", "120"]:
            records.append({"account": f"{plan.name}-{usage}", "plan": plan.name,
                            "lookback": [Decimal("0.5")],
                            "usage": {"data": {"daily": {f"{MONTH}-05": usage}}}})
        records.append({"account": f"{plan.name}-off", "plan": plan.name,
                        "status": "suspended"})
        records.append({"account": f"{plan.name}-later", "plan": plan.name,
                        "timeline": [{"on": f"{MONTH}-20", "status": "suspended"}]})
    return records


@pytest.mark.parametrize(("catalog", "codes"), [
    (load_catalog(str(ROOT / "bench" / "tier.plan")), {"tier-up", "tier-down", "suspended"}),
    (EDGE, {"tier-up", "tier-down", "above-top-tier", "suspended"}),
    (TIERS, {"tier-up", "tier-down", "above-top-tier", "suspended"}),
], ids=["tier", "edge-device", "tiers"])
def test_a_monthly_run_bills_through_the_generated_month(catalog, codes, monkeypatch) -> None:
    """`bill_account` without explanation, for one month: each account billed by the runner's
    generated month (`one_month`), traced, with the same bills as the general walk traced and
    the same figures as the interpreter's; an account it cannot bill gets the interpreter's
    error through it."""
    runner = compiled_runner(catalog, (MONTH,))
    generated = runner.one_month
    assert generated is not None
    calls = []

    def counted(record, trace=False):
        calls.append(trace)
        return generated(record, trace)

    monkeypatch.setattr(runner, "one_month", counted)
    records = _month_records(catalog)
    seen = set()
    for record in records:
        fast = bill_account(catalog, record, [MONTH], explain=False)
        with localcontext(EXACT):
            walked = [runner.bill_of(outcome) for outcome in runner.walk(record, trace=True)]
        assert fast == walked, record["account"]
        assert _figures(fast) == _figures(bill_account(catalog, record, [MONTH])), record
        seen |= {reason.code for bill in fast for d in bill.decisions for reason in d.reasons}
    assert calls == [True] * len(records)
    assert codes <= seen  # the decisions whose reasons need the traced figures were made
    unknown = {"account": "x", "plan": "Nowhere"}
    with pytest.raises(PlanlangError) as fast_error:
        bill_account(catalog, unknown, [MONTH], explain=False)
    with pytest.raises(PlanlangError) as explained_error:
        bill_account(catalog, unknown, [MONTH])
    assert ([d.code for d in fast_error.value.diagnostics]
            == [d.code for d in explained_error.value.diagnostics])
    assert len(calls) == len(records) + 1


# ---- the rules, on both kinds of exact number ----

@pytest.mark.parametrize(("amount", "block", "expected"), [
    ("0", "10", 0), ("0.001", "10", 1), ("10", "10", 1), ("10.001", "10", 2), ("25", "10", 3),
    ("7", "0.5", 14), ("7.01", "0.5", 15), ("1", "3", 1)])
def test_started_blocks(amount, block, expected) -> None:
    assert rules.started_blocks(Fraction(amount), Fraction(block)) == expected
    with localcontext(EXACT):
        assert rules.started_blocks(Decimal(amount), Decimal(block)) == expected


def test_extra_and_line_amount() -> None:
    assert rules.extra(Fraction(10), Fraction(10), Fraction(5), Fraction(2), "EUR") is None
    with localcontext(EXACT):
        assert rules.extra(Decimal("10.5"), Decimal(10), Decimal(5), Decimal("2.005"),
                           "EUR") == (1, Decimal("2.01"))
    assert rules.extra(Fraction(21), Fraction(10), Fraction(5), Fraction(1, 3), "JPY") == (
        3, Decimal(1))


# (aggregation, day figures' total, highest, days, rounding, step, the billed figure)
METERED = [
    ("average", "489.5", "19.5", 30, "up", "1", "17"),  # 16.3166… channels → 17
    ("average", "480", "16", 30, "up", "1", "16"),  # exactly 16: no rounding up
    ("average", "489.5", "19.5", 30, "down", "1", "16"),
    ("average", "120015", "4500", 30, "up", "1000", "5000"),  # 4,000.5 MB → 5 GB
    ("average", "45", "3", 30, None, None, "1.5"),  # an average not rounded
    ("sum", "10.5", "4", 30, None, None, "10.5"),
    ("sum", "10.5", "4", 30, "up", "10", "20"),
    ("maximum", "10.5", "4", 30, "up", "3", "6"),
    ("maximum", "10.5", "4", 30, None, None, "4"),
    (None, "10.5", "4", 30, None, None, "10.5"),  # no monthly step: the sum
]


@pytest.mark.parametrize(("aggregation", "total", "highest", "days", "direction", "step",
                          "expected"), METERED)
def test_metered(aggregation, total, highest, days, direction, step, expected) -> None:
    """A meter's figure for a period, with Fractions (the interpreter) and Decimals in
    `money.EXACT` (the compiled path): a rounded average is worked out without an inexact
    division, so the compiled path never leaves it to the interpreter."""
    fraction = lambda text: None if text is None else Fraction(text)  # noqa: E731
    assert rules.metered(aggregation, fraction(total), fraction(highest), days, direction,
                         fraction(step)) == Fraction(expected)
    decimal = lambda text: None if text is None else Decimal(text)  # noqa: E731
    if aggregation == "average" and direction is None:
        return  # 1.5 is exact here, but an unrounded average need not be: Fractions only
    with localcontext(EXACT):
        assert rules.metered(aggregation, decimal(total), decimal(highest), days, direction,
                             decimal(step)) == Decimal(expected)
    assert rules.monthly(aggregation, Fraction(total), Fraction(highest), days) == (
        Fraction(total) / days if aggregation == "average" else
        Fraction(highest) if aggregation == "maximum" else Fraction(total))


def test_quota_rules() -> None:
    quota, slack = Fraction(25000), Fraction(1, 20)
    assert rules.quota_ceiling(quota, slack, None) == 26250
    assert rules.quota_ceiling(quota, slack, Fraction(20000)) == 20000  # the cap is lower
    assert rules.quota_ceiling(quota, slack, Fraction(30000)) == 26250
    assert rules.quota_ceiling(None, slack, Fraction(5)) == 5
    assert rules.quota_ceiling(None, slack, None) is None
    assert rules.quota_take(Fraction(26000), Fraction(500), Fraction(26250)) == 250
    assert rules.quota_take(Fraction(27000), Fraction(500), Fraction(26250)) == 0
    assert rules.quota_take(Fraction(1), Fraction(500), None) == 500
    assert rules.notice_threshold(quota, Fraction(1, 10)) == 22500
    assert rules.notice_threshold(quota, None) == quota
    with localcontext(EXACT):
        assert rules.quota_take(Decimal(0), Decimal(3), Decimal("2.5")) == Decimal("2.5")


def test_bill_total_is_the_sum_of_the_rounded_lines() -> None:
    """One total for every mode: the interpreter's ChargeLines and the compiled path's Lines, in
    the currency's minor unit even with no line (a month not billed), whatever the context."""
    from planlang.engine.outcomes import Line, _new
    from planlang.engine.results import ChargeLine

    lines = [ChargeLine("fee", "plan fee", "P", "2026-11", Decimal(1), "month", Decimal(30),
                        Decimal("30.00"), None),
             ChargeLine("extra", "data", "P", "2026-11", Decimal(3), "GB", Decimal("2.005"),
                        Decimal("6.02"), None)]
    compiled = [_new(Line, ("fee", "plan fee", "P", Decimal(1), Decimal(30), Decimal("30.00"),
                            None))]
    with localcontext() as context:
        context.prec = 2  # the caller's context changes nothing
        assert str(rules.bill_total(lines, "USD")) == "36.02"
        assert str(rules.bill_total(compiled, "USD")) == "30.00"
        assert str(rules.bill_total((), "USD")) == "0.00"
        assert str(rules.bill_total((), "JPY")) == "0"


def test_ladder_rules() -> None:
    rung = rules.rungs(TIERS, TIERS.ladders[0])["Medium"]
    gb = Fraction(1000)  # base units: MB
    assert rules.ladder_move(rung, 25 * gb, [25 * gb]) is None
    up = rules.ladder_move(rung, 25 * gb + 1, [25 * gb + 1])
    assert (up.kind, up.plan, up.figures) == ("tier-up", "Large", (25 * gb + 1, 25 * gb))
    assert rules.ladder_move(rung, 9 * gb, [9 * gb]) is None  # one period below: not yet
    assert rules.ladder_move(rung, 9 * gb, [10 * gb, 9 * gb]) is None  # not strictly below
    down = rules.ladder_move(rung, 9 * gb, [4 * gb, 9 * gb])
    assert (down.kind, down.plan, down.figures) == ("tier-down", "Small",
                                                    (10 * gb, (4 * gb, 9 * gb)))
    top = rules.rungs(TIERS, TIERS.ladders[0])["Large"]
    assert rules.add_ons(top, 40 * gb, "Large") == 0
    assert rules.add_ons(top, 40 * gb + 1, "Large") == 1
    assert rules.add_ons(top, 60 * gb + 1, "Large") == 3
    assert rules.add_ons(top, 60 * gb + 1, "Medium") == 0  # leaving the top tier


# ---- explained bills: the day figures read once, for the bill and its steps ----

FLESPI = load_catalog(str(ROOT / "catalogs" / "flespi.plan"))
DAYS = [f"{MONTH}-{day:02d}" for day in range(1, 31)]


def _flespi_records() -> list[dict]:
    """flespi accounts whose explained bills state day figures in every form the reading keeps
    them: given for every day in order (whole numbers, numbers, texts: the list read), for some
    days or out of order, `{count, disabled}`, intervals and usage events; with an SLA refund
    and usage over a plan's limit (a period's figure, and a count's highest day), and of an
    item the plan does not offer."""
    ramp = {day: 3 + index // 10 for index, day in enumerate(DAYS)}
    return [
        {"account": "whole", "plan": "Enterprise", "usage": {
            "channels": {"daily": ramp}, "streams": {"daily": dict(reversed(ramp.items()))},
            "storage": {"daily": {day: f"{3000 + 10 * index} MB"
                                  for index, day in enumerate(DAYS)}},
            "sms": {"events": [{"on": f"{MONTH}-0{day}", "amount": 400} for day in (1, 2)]}},
         "uptime": {MONTH: "99.5%"}},
        {"account": "numbers", "plan": "Pro", "usage": {
            "devices": {"daily": {day: Decimal("1200.25") for day in DAYS}},
            "plugins": {"daily": {day: {"count": 5, "disabled": 1} for day in DAYS}},
            "geofences": {"daily": {DAYS[4]: 5000, DAYS[2]: "1,500"}},
            "storage": {"daily": {DAYS[0]: "2.5 GB"}}}},
        {"account": "intervals", "plan": "Start", "usage": {
            "channels": {"intervals": [{"from": "2026-10-01", "count": 3},
                                       {"from": f"{MONTH}-01", "to": f"{MONTH}-16", "count": 2}]},
            "devices": {"daily": {day: 6000 for day in DAYS}},
            "calculators": {"daily": {DAYS[3]: 1500, DAYS[5]: 1500}}}},
        {"account": "free", "plan": "Free", "usage": {"channels": {"daily": {DAYS[9]: 3}},
                                                      "sms": {"daily": {DAYS[0]: 12}},
                                                      "custom_engineering": {"events": [
                                                          {"on": DAYS[4], "amount": 3}]}}},
    ]


@pytest.mark.parametrize("periods", [[MONTH], ["2026-10", MONTH]])
def test_explained_bills_state_the_day_figures_read_for_the_bill(periods) -> None:
    """`bill_account(..., explain=True)` on the compiled path: every step as the interpreter's,
    each measurement stating the day figures the walk read for the bill (`_Told.days`)."""
    kinds = set()
    runner = compiled_runner(FLESPI, tuple(periods))
    for record in _flespi_records():
        with localcontext(EXACT):
            walked = [runner.bill_of(o, True) for o in runner.walk(record, True, True)]
        explained = bill_account(FLESPI, record, periods, explain=True)
        assert explained == walked  # the compiled walk's, not the interpreter's
        interpreted = compile_catalog(FLESPI).interpret(record, periods)
        assert [to_data(bill) for bill in explained] == [to_data(bill) for bill in interpreted]
        kinds |= {line.kind for bill in explained for line in bill.lines}
        kinds |= {d.reasons[0].code for bill in explained for d in bill.decisions}
        kinds |= {d.steps[0].label for bill in explained for d in bill.decisions}
    assert kinds >= {"fee", "extra", "refund", "uptime-in-band", "over-limit", "highest count",
                     "measured", "not-offered"}
