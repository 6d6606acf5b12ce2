"""Automatic tier ladders: evaluated at each period's end, effective the next period.

One tier at a time: up when the period's usage is strictly above the current tier's limit; down
when this period's and the previous evaluated periods' usage (as many as the ladder looks back)
were all strictly below the next lower tier's limit. Usage above the top tier's limit adds, for
the next period, one add-on subscription per started block. Suspended periods are not evaluated
and do not count in the look-back.

The decisions are `engine/rules.py`'s (`ladder_move`, `add_ons`), shared with the compiled path;
this module words them, and `evaluate_ladder` returns what the ladder decides (`LadderStep`),
which the month walk applies to the account's state.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import attrs

from planlang.engine import rules
from planlang.engine.results import Decision, Reason, Step
from planlang.model import RuleRef
from planlang.money import format_number


# The reasons' wording, shared with the compiled path's bills (engine/compiled.py); `show` writes
# a figure of the ladder's meter with its unit.
def tier_up_reason(show, usage, plan: str, limit) -> Reason:
    return Reason("tier-up", f"{show(usage)} is above the `{plan}` limit of {show(limit)}: one "
                  "tier up")


def tier_down_reason(show, lower_plan: str, lower, window) -> Reason:
    shown = ", ".join(show(u) for u in window)
    return Reason("tier-down", f"usage stayed below the `{lower_plan}` limit of {show(lower)} for "
                  f"{len(window)} evaluated periods ({shown}): one tier down")


def move_reason(show, plan: str, move: rules.Move) -> Reason:
    """The reason of a tier change decided on `plan` (`rules.ladder_move`)."""
    if move.kind == "tier-up":
        usage, limit = move.figures
        return tier_up_reason(show, usage, plan, limit)
    lower, window = move.figures
    return tier_down_reason(show, move.plan, lower, window)


def addon_reason(show, excess, top, count: int, addon_plan: str, block) -> Reason:
    return Reason("above-top-tier", f"{show(excess)} above the top tier's limit of {show(top)}: "
                  f"{count} × `{addon_plan}` next period, one per started {show(block)}")


def move_steps(show, plan: str, rung: rules.Rung, usage, history, move: rules.Move
               ) -> tuple[Step, ...]:
    """The steps of a tier change decided on `plan` (`rules.ladder_move`): the period's usage and
    the tier's limit, and for a move down the lower tier's limit and the look-back window."""
    steps = [Step("usage", show(usage)), Step(f"{plan} limit", show(rung.limit))]
    down = rung.down
    if down is not None and move.kind == "tier-down":
        steps.append(Step(f"{down.plan} limit", show(down.limit)))
        steps.append(Step("look-back", ", ".join(show(u) for u in history[-down.periods:])))
    return tuple(steps)


def addon_steps(show, usage, figures: tuple) -> tuple[Step, ...]:
    """The steps of an add-on decision: the usage, the top tier's limit, the add-ons counted
    (`figures`: `rules.addon_figures`)."""
    excess, top, count, block = figures
    return (Step("usage", show(usage)), Step("top limit", show(top)),
            Step("add-ons", f"({show(excess)}) / {show(block)} rounded up = {count}"))


_RUNGS: dict[int, tuple] = {}  # id(ladder): (ladder, its rungs in base units), made once


def _rungs(catalog, ladder) -> dict[str, rules.Rung]:
    """`rules.rungs` of a ladder, worked out once: an account's every evaluated period needs them."""
    held = _RUNGS.get(id(ladder))
    if held is None or held[0] is not ladder:
        if len(_RUNGS) > 1000:
            _RUNGS.clear()
        held = _RUNGS[id(ladder)] = (ladder, rules.rungs(catalog, ladder))
    return held[1]


@attrs.frozen
class LadderStep:
    """What a ladder decides at a period's end: the tier for the next period (`scheduled`: plan
    and rule, or None), the add-ons for it (plan, count, rule, or None) and the decisions."""

    scheduled: tuple[str, RuleRef | None] | None = None
    addons: tuple[str, int, RuleRef | None] | None = None
    decisions: tuple[Decision, ...] = ()


def evaluate_ladder(catalog, ladder, plan: str, usage: Fraction, history: list[Fraction],
                    last_day: dt.date, starts: dt.date) -> LadderStep:
    """The ladder's decisions for an account on `plan` whose evaluated periods' usage is
    `history` (this period's, `usage`, last), for the period starting on `starts`."""
    unit = catalog.meters[ladder.item].unit
    show = lambda v: f"{format_number(unit.from_base(v))} {unit.name}"  # noqa: E731
    rung = _rungs(catalog, ladder)[plan]
    move = rules.ladder_move(rung, usage, history)
    decisions = []
    if move is not None:
        decisions.append(Decision("tier-change", move.plan, last_day, "scheduled",
                                  (move_reason(show, plan, move),), move.rule,
                                  steps=move_steps(show, plan, rung, usage, history, move),
                                  effective=starts))
    count = rules.add_ons(rung, usage, move.plan if move is not None else plan)
    addons = None
    if count:
        overflow = rung.overflow
        assert overflow is not None
        excess, top, count, block = rules.addon_figures(overflow, usage, count)
        addons = (overflow.plan, count, overflow.rule)
        decisions.append(Decision(
            "add-on", overflow.plan, last_day, "scheduled",
            (addon_reason(show, excess, top, count, overflow.plan, block),),
            overflow.rule, steps=addon_steps(show, usage, (excess, top, count, block)),
            effective=starts))
    return LadderStep(None if move is None else (move.plan, move.rule), addons, tuple(decisions))
