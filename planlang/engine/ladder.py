"""Automatic tier ladders: evaluated at each period's end, effective the next period.

One tier at a time: up when the period's usage is strictly above the current tier's limit; down
when this period's and the previous evaluated periods' usage (as many as the ladder looks back)
were all strictly below the next lower tier's limit. Usage above the top tier's limit adds, for
the next period, one add-on subscription per started block. Suspended periods are not evaluated
and do not count in the look-back.
"""

from __future__ import annotations

from fractions import Fraction

from planlang.money import format_number
from planlang.results import Decision, Reason, Step


# The reasons' wording, shared with the compiled path's bills (engine/compiled.py); `show` writes
# a figure of the ladder's meter with its unit.
def tier_up_reason(show, usage, plan: str, limit) -> Reason:
    return Reason("tier-up", f"{show(usage)} is above the `{plan}` limit of {show(limit)}: one "
                  "tier up")


def tier_down_reason(show, lower_plan: str, lower, window) -> Reason:
    shown = ", ".join(show(u) for u in window)
    return Reason("tier-down", f"usage stayed below the `{lower_plan}` limit of {show(lower)} for "
                  f"{len(window)} evaluated periods ({shown}): one tier down")


def addon_reason(show, excess, top, count: int, addon_plan: str, block) -> Reason:
    return Reason("above-top-tier", f"{show(excess)} above the top tier's limit of {show(top)}: "
                  f"{count} × `{addon_plan}` next period, one per started {show(block)}")


def tier_limit(catalog, plan_name: str, item: str) -> Fraction:
    terms = catalog.plan(plan_name).items[item]
    return terms.limit if terms.limit is not None else terms.included


def evaluate_ladder(run) -> None:
    from planlang.engine.timeline import Scheduled

    catalog, state = run.catalog, run.state
    ladder = catalog.ladder_of(state.plan)
    if ladder is None:
        return
    usage = run.measure_item(ladder.item)
    state.history.append(usage)
    unit = catalog.meters[ladder.item].unit
    show = lambda v: f"{format_number(unit.from_base(v))} {unit.name}"  # noqa: E731
    tiers = ladder.tiers
    index = tiers.index(state.plan)
    limit = tier_limit(catalog, state.plan, ladder.item)
    starts = run.period.end.date()
    if any(s.effective == starts for s in state.scheduled):
        return  # a change requested for the next period stands
    steps = [Step("usage", show(usage)), Step(f"{state.plan} limit", show(limit))]
    move = None
    if ladder.up and usage > limit and index + 1 < len(tiers):
        move = (tiers[index + 1], tier_up_reason(show, usage, state.plan, limit), ladder.up_rule)
    elif ladder.down_periods and index > 0:
        lower = tier_limit(catalog, tiers[index - 1], ladder.item)
        window = state.history[-ladder.down_periods:]
        steps.append(Step(f"{tiers[index - 1]} limit", show(lower)))
        steps.append(Step("look-back", ", ".join(show(u) for u in window)))
        if len(window) == ladder.down_periods and all(u < lower for u in window):
            move = (tiers[index - 1], tier_down_reason(show, tiers[index - 1], lower, window),
                    ladder.down_rule)
    if move is not None:
        plan, reason, rule = move
        state.scheduled.append(Scheduled(starts, plan, rule, "tier-change"))
        run.decisions.append(Decision("tier-change", plan, run.period.last_day, "scheduled",
                                      (reason,), rule, steps=tuple(steps), effective=starts))
    top = tier_limit(catalog, tiers[-1], ladder.item)
    next_tier = move[0] if move is not None else state.plan
    # Add-ons cover usage above the top tier for an account on the top tier next period.
    if ladder.overflow_plan and ladder.overflow_block and usage > top and next_tier == tiers[-1]:
        count = -(-(usage - top) // ladder.overflow_block)
        state.addons = (ladder.overflow_plan, int(count), ladder.overflow_rule)
        run.decisions.append(Decision(
            "add-on", ladder.overflow_plan, run.period.last_day, "scheduled",
            (addon_reason(show, usage - top, top, count, ladder.overflow_plan,
                          ladder.overflow_block),), ladder.overflow_rule,
            steps=(Step("usage", show(usage)), Step("top limit", show(top)),
                   Step("add-ons", f"({show(usage - top)}) / {show(ladder.overflow_block)} "
                        f"rounded up = {count}")), effective=starts))
