"""The checker on big-but-bounded plans: the right diagnostic, whatever the size.

Timings are in bench/check_scale.py (no timed assertions here); these tests hold the behaviour the
near-linear algorithms must keep: change-rule conflicts found exactly as trying every rule on every
pair of plans finds them, SLA bands compared with their neighbours, numbers and sums refused before
they are converted or built.
"""

from __future__ import annotations

import random
from itertools import permutations

import pytest

from planlang import ast
from planlang.build import build
from planlang.check import Checker
from planlang.check_time import ConflictIndex, TimeChecker
from planlang.compile import compile_source
from planlang.parse import parse_tree
from planlang.source import Source

HEADER = "catalog demo\n  currency EUR\n\n"


def codes(text: str) -> list[str]:
    return [d.code for d in compile_source(Source("x.plan", HEADER + text)).diagnostics]


# ---- change-rule conflicts (PL274) -------------------------------------------------------------

PLAN_SETS = ("names", "any", "higher", "lower", "none")


def random_catalog(rng: random.Random) -> tuple[str, list[str], list[tuple[str, str]]]:
    plans = [f"P{i}" for i in range(rng.randint(2, 6))]
    lines = [f"plan {p}: € {i + 1} per month" for i, p in enumerate(plans)]
    rules = []
    for _ in range(rng.randint(1, 6)):
        sides = []
        for position in ("source", "target"):
            kind = rng.choice(PLAN_SETS if position == "source" else PLAN_SETS[:4])
            if kind == "names":
                sides.append(", ".join(rng.sample(plans, rng.randint(1, min(3, len(plans))))))
            else:
                sides.append({"any": "any plan", "higher": "a higher plan",
                              "lower": "a lower plan", "none": ""}[kind])
        rules.append((sides[0], sides[1]))
        source = f" {sides[0]}" if sides[0] else ""
        lines.append(f"change{source} to {sides[1]}: immediately")
    return "\n".join(lines) + "\n", plans, rules


def brute_force(plans, rules) -> set[tuple[str, str, int, int]]:
    """Every (old, new, first, second) tie, trying every rule on every pair of plans (the check
    as it was written before ConflictIndex)."""
    ties = set()
    ranks = {p.name: p.rank for p in plans}
    for old, new in permutations([p.name for p in plans], 2):
        found = [(i, r) for i, r in enumerate(rules) if r.matches(ranks, old, new)]
        if not found:
            continue
        top = max(r.specificity for _, r in found)
        tied = [i for i, r in found if r.specificity == top]
        if len(tied) > 1:
            ties.add((old, new, tied[0], tied[1]))
    return ties


def checked_rules(text: str):
    """The plans and the change rules of a plan file, as the checker builds them, conflicting or
    not (a catalog with a conflict has no compiled catalog to read them from)."""
    source = Source("x.plan", HEADER + text)
    tree, diagnostics = parse_tree(source)
    assert tree is not None, diagnostics
    plan_file = build(tree, source)
    checker = Checker("x.plan")
    plans = checker.check_plans(plan_file.definitions, {})
    timed = TimeChecker(checker, plans)
    rules = [timed.change_rule(d) for d in plan_file.definitions if isinstance(d, ast.ChangeDef)]
    assert all(r is not None for r in rules)
    return plans, rules


@pytest.mark.parametrize("seed", range(400))
def test_conflicts_agree_with_trying_every_pair(seed: int):
    text, _, _ = random_catalog(random.Random(seed))
    plans, rules = checked_rules(text)
    expected = brute_force(plans, rules)
    found = set(ConflictIndex(plans, rules).conflicts())
    assert found <= expected  # every reported tie is one
    assert bool(found) == bool(expected)  # and a plan file with a tie is always refused
    reported = [d for d in compile_source(Source("x.plan", HEADER + text)).diagnostics
                if d.code == "PL274"]
    assert len(reported) == len(found)


# ---- numbers: one bounded reader, wherever a number is written (PL236) -------------------------

LONG = "9" * 5_000

NUMBER_PLACES = {
    "slack": "meter s: usage, monthly sum\nquota s\n  slack {n}%\n",
    "notify": "meter s: usage, monthly sum\nquota s\n  notify account holder when {n}% remains\n",
    "refund": "sla Gold:\n  refund {n}% of the plan fee when uptime is below 99%\n",
    "band": "sla Gold:\n  refund 5% of the plan fee when uptime is below {n}%\n",
    "uptime precision": "",  # in the header, below
    "invoice day": "plan A: € 1 per month\nbilling calendar\n  invoice on day {n}\n",
    "downgrade day": "plan A: € 1 per month\nbilling calendar\n  unpaid on day {n}: downgrade to A\n",
    "price per": "meter d: usage, monthly sum\nplan A: € 1 per month\n  d: 1 included, then € 1 "
                 "per {n} d\n",
    "ladder months": "meter d: usage, monthly sum\nplan A: € 1 per month\n  d: 1 included\n"
                     "plan B: € 2 per month\n  d: 2 included\nladder L: A, B\n  by d\n"
                     "  down when below the lower limit for {n} months\n",
    "money": "plan A: € {n} per month\n",
    "quantity": "let x = {n} GB\n",
    "percent": "let x = {n}%\n",
    "volume discount": "record r<x>: € 1 per day while status is active\n"
                       "discount d: {n}% of r<x> each month\n",
}


@pytest.mark.parametrize("place", sorted(NUMBER_PLACES))
@pytest.mark.parametrize("digits", [LONG, "0." + "1" * 5_000, "1" * 19, "0." + "1" * 19])
def test_every_number_is_bounded_where_it_is_written(place: str, digits: str):
    if place == "uptime precision":
        text = f"catalog demo\n  currency EUR\n  uptime measured to {digits}%\n"
        diagnostics = compile_source(Source("x.plan", text)).diagnostics
    else:
        diagnostics = compile_source(Source(
            "x.plan", HEADER + NUMBER_PLACES[place].format(n=digits))).diagnostics
    assert [d.code for d in diagnostics] == ["PL236"], [d.message for d in diagnostics]
    (d,) = diagnostics
    assert d.span is not None and d.span.text.rstrip("%") == digits
    assert "digits" in d.message and "more than 18" in d.message


def test_a_million_digit_number_is_refused_before_it_is_converted():
    text = HEADER + "let x = " + "7" * 1_000_000 + "\n"
    (d,) = compile_source(Source("x.plan", text)).diagnostics
    assert d.code == "PL236"
    assert d.message == "this number has 1,000,000 digits before the decimal point, more than 18"


@pytest.mark.parametrize("digits", ["0" * 100_000 + "1", "1." + "0" * 100_000])
def test_zeros_do_not_count_towards_the_bounds(digits: str):
    compiled = compile_source(Source("x.plan", HEADER + f"plan A: € {digits} per month\n"))
    assert compiled.catalog is not None and compiled.catalog.plans[0].fee == 1


def test_the_widest_exact_fee_is_kept_exactly():
    fee = "123,456,789,012,345,678.123456789012345678"
    compiled = compile_source(Source("x.plan", HEADER + f"plan A: € {fee} per month\n"))
    assert compiled.catalog is not None
    assert str(compiled.catalog.plans[0].fee) == fee.replace(",", "")


# ---- sums and nesting (PL107) ------------------------------------------------------------------


@pytest.mark.parametrize("terms", [102, 300_000])
def test_a_long_sum_is_refused_at_its_101st_operator(terms: int):
    text = HEADER + "let x = " + " + ".join(["1"] * terms) + "\n"
    (d,) = compile_source(Source("x.plan", text)).diagnostics
    assert d.code == "PL107"
    assert d.span is not None and d.span.text == "+"
    assert d.span.start == len(HEADER + "let x = ") + 2 + 100 * 4  # the 101st `+`


def test_a_long_sum_split_by_parentheses_and_lines_is_refused():
    text = HEADER + "let x = (" + " +\n  ".join(["1"] * 1_000) + ")\n"
    assert codes(text[len(HEADER):]) == ["PL107"]


def test_a_sum_of_ninety_terms_is_fine():
    assert codes("let x = " + " + ".join(["1"] * 90) + "\nlet y = x\n") == []


def test_deep_parentheses_without_operators_are_fine():
    assert codes("let x = " + "(" * 5_000 + "1" + ")" * 5_000 + "\n") == []


def test_right_nested_operators_are_refused():
    assert codes("let x = " + "(1 + " * 150 + "1" + ")" * 150 + "\n") == ["PL107"]
