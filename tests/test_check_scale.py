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

from planlang.check.catalog import Checker
from planlang.check.timing import ConflictIndex, TimeChecker
from planlang.compile import compile_source
from planlang.source import Source
from planlang.syntax import ast
from planlang.syntax.build import build
from planlang.syntax.parse import parse_tree

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


# ---- big but bounded: the right diagnostic --------------------------------------------------------


def many_plans(n: int) -> str:
    return "".join(f"plan P{i}: € {i + 1} per month\n" for i in range(n))


def test_two_thousand_plans_and_eighty_rules_check_clean():
    rules = "".join(f"change P{i * 25} to a higher plan: immediately\n" for i in range(80))
    assert codes(many_plans(2_000) + rules) == []


def test_one_conflict_among_many_rules_is_found_and_named():
    rules = "".join(f"change P{i * 25} to a higher plan: immediately\n" for i in range(80))
    rules += "change P500 to P1999: next month\nchange P500 to P1999: immediately\n"
    rules += "change to a higher plan: immediately\nchange any plan to a higher plan: next month\n"
    compiled = compile_source(Source("x.plan", HEADER + many_plans(2_000) + rules))
    conflicts = [d for d in compiled.diagnostics if d.code == "PL274"]
    assert [d.code for d in compiled.diagnostics] == ["PL274", "PL274"]
    messages = sorted(d.message for d in conflicts)
    assert messages[1] == "two change rules apply to a change from `P500` to `P1999`"
    # P0 has a rule of its own, more specific than both general ones: P1 is the first plan without
    assert messages[0] == "two change rules apply to a change from `P1` to `P2`"
    assert {d.span.text.split(":")[0] for d in conflicts} == {
        "change P500 to P1999", "change any plan to a higher plan"}


def test_many_conflicts_are_reported_up_to_the_limit():
    from planlang.check.timing import MAX_CONFLICTS

    rules = "".join(f"change P{i} to P{i + 1}: next month\nchange P{i} to P{i + 1}: immediately\n"
                    for i in range(300))
    found = codes(many_plans(400) + rules)
    assert found == ["PL274"] * MAX_CONFLICTS


def adjacent_bands(n: int) -> str:
    return "".join(f"  refund 1% of the plan fee when uptime is from {10 * i / 1000:.3f}% to "
                   f"{(10 * i + 9) / 1000:.3f}%\n" for i in range(n))


PRECISE = "catalog demo\n  currency EUR\n  uptime measured to 0.001%\n\n"


def bands_codes(text: str) -> list[str]:
    return [d.code for d in compile_source(Source("x.plan", PRECISE + text)).diagnostics]


def test_three_thousand_adjacent_bands_check_clean():
    assert bands_codes("sla Gold:\n" + adjacent_bands(3_000)) == []


def test_one_overlap_and_one_gap_among_thousands_of_bands():
    bands = adjacent_bands(3_000).splitlines(keepends=True)
    del bands[1_500]  # a gap
    bands.append("  refund 2% of the plan fee when uptime is from 20.005% to 20.006%\n")  # overlap
    assert sorted(bands_codes("sla Gold:\n" + "".join(bands))) == ["PL250", "PL251"]


def test_a_wide_band_covering_others_overlaps_and_leaves_no_gap():
    text = ("sla Gold:\n  refund 50% of the plan fee when uptime is from 0% to 50%\n"
            "  refund 10% of the plan fee when uptime is from 10% to 20%\n"
            "  refund 5% of the plan fee when uptime is from 30% to 40%\n"
            "  refund 1% of the plan fee when uptime is above 50%\n")
    assert bands_codes(text) == ["PL250", "PL250"]


def test_thousands_of_unknown_names_are_each_reported_with_a_short_help():
    refs = "".join(f"change Q{i} to P1: immediately\n" for i in range(2_000))
    compiled = compile_source(Source("x.plan", HEADER + many_plans(2_000) + refs))
    assert [d.code for d in compiled.diagnostics] == ["PL212"] * 2_000
    helps = [d.help or "" for d in compiled.diagnostics]
    assert helps[0].startswith("did you mean")
    assert all(len(h) < 200 for h in helps)
    assert helps[-1] == "plans: P0, P1, P2, P3, P4, P5, P6, P7, P8, P9, P10, P11, … (2,000 in all)"
