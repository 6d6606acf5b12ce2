"""Quotas decided event by event: bundles, caps, slack, notifications, exhaustion policies.

Usage of an item that has a per-period limit, a customer cap or a quota rule is taken in time
order. Usage beyond the plan's quota (plus its slack) or the customer's cap is refused; each
"N% remaining" notification fires once per plan per period; when the quota runs out under the
`auto_upgrade` policy the account moves to the next higher plan at once (the admin is notified
before and after) and the rest of the usage counts against the new quota.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Sequence
from fractions import Fraction
from typing import Any

import attrs

from planlang.engine import rules
from planlang.engine.results import Decision, Reason, Step
from planlang.money import format_number


def decided_items(catalog) -> list[str]:
    items = set(catalog.quotas)
    for plan in catalog.plans:
        for item, terms in plan.items.items():
            if catalog.meters[item].source == "usage" and (
                    terms.limit is not None or terms.customer_cap):
                items.add(item)
    return [name for name in catalog.meters if name in items]


def usage_events(catalog, prepared, period):
    """(item, [(moment, amount)]) for each item decided event by event, in this period."""
    out = []
    for item in decided_items(catalog):
        series = prepared.series.get(item)
        if series is None:
            continue
        events = [(m, a) for m, a in series.events if period.contains(m)]
        out.append((item, events))
    return out


@attrs.frozen
class Use:
    """What one use of an item decided event by event gets on a plan (`take_use`): `taken` of
    it; the notifications it makes due (their indexes in the quota's rule); then `code` says
    what happens to the rest: None (nothing is left), "auto-upgrade" (the account moves to the
    next plan, where the rest is used), "not-available" (the plan does not offer the item: all
    of it is refused), "cap-reached" or "quota-exceeded" (`refused` is refused)."""

    taken: Any
    refused: Any
    notices: tuple[int, ...] = ()
    code: str | None = None


def chosen_policy(policy: str | None, rule) -> str:
    """The exhaustion policy in force: the account's, else its quota rule's default."""
    return policy or (rule.default_policy if rule is not None else "wait_for_reset")


def take_use(offered: bool, quota, slack, cap, upgrade: bool, used, amount,
             thresholds: Sequence[tuple[int, Any]], notified: Collection[int]) -> Use:
    """A use of `amount`, `used` being allowed already this period on a plan that `offered`
    the item or not, with its `quota` (None: none) and `slack`, the customer's `cap` (None:
    none), whether an `auto_upgrade` policy may move the account to a next plan (`upgrade`),
    and its notifications' `thresholds` ((index, use at which it is due), `rules.
    notice_threshold`) of which those `notified` were sent. The interpreter (`consume`) and the
    compiled walk both take each use through it; it decides, they word and apply."""
    if not offered:
        return Use(used * 0, amount, (), "not-available")
    if upgrade and quota is not None and amount >= quota - used:
        taken = max(quota - used, used * 0)
        return Use(taken, amount - taken, _due(thresholds, notified, used + taken),
                   "auto-upgrade")
    ceiling = rules.quota_ceiling(quota, slack, cap)
    taken = rules.quota_take(used, amount, ceiling)
    refused = amount - taken
    code = None if not refused else (
        "cap-reached" if cap is not None and ceiling == cap else "quota-exceeded")
    return Use(taken, refused, _due(thresholds, notified, used + taken), code)


def _due(thresholds, notified, after) -> tuple[int, ...]:
    return tuple(index for index, threshold in thresholds
                 if after >= threshold and index not in notified)


def thresholds_of(rule, quota) -> tuple[tuple[int, Any], ...]:
    """Each notification of a quota's `rule` with the use at which it is due; none without a
    rule or a quota."""
    if rule is None or quota is None:
        return ()
    return tuple((index, rules.notice_threshold(quota, note.remaining))
                 for index, note in enumerate(rule.notifications))


def consume(run, item: str, moment: dt.datetime, amount: Fraction) -> None:
    catalog, state = run.catalog, run.state
    rule = catalog.quotas.get(item)
    used = run.used.get(item, Fraction(0))
    remaining = amount
    while remaining > 0:
        plan = catalog.plan(state.plan)
        terms = plan.items.get(item)
        policy = chosen_policy(state.policy, rule)
        upgrade_to = catalog.next_plan(plan.name)
        quota = terms.limit if terms is not None else None
        slack = rule.slack if rule else Fraction(0)
        cap = state.caps.get(item) if terms is not None and terms.customer_cap else None
        notified = {index for (name, on, index) in run.notified
                    if name == item and on == plan.name}
        taken = take_use(terms is not None, quota, slack, cap,
                         rule is not None and policy == "auto_upgrade"
                         and "auto_upgrade" in rule.policies and upgrade_to is not None,
                         used, remaining, thresholds_of(rule, quota), notified)
        if taken.code == "not-available":
            _refuse(run, item, moment, unavailable(item, plan.name), None)
            break
        assert terms is not None
        for index in taken.notices:
            run.notified.add((item, plan.name, index))
            _notify(run, item, plan.name, index, used + taken.taken, quota, moment)
        used += taken.taken
        on_day = run.used_on.setdefault(item, {})  # (by day: a month split between plans)
        on_day[moment.date()] = on_day.get(moment.date(), Fraction(0)) + taken.taken
        if taken.code == "auto-upgrade":
            remaining = taken.refused
            run.used[item] = used
            assert upgrade_to is not None and rule is not None
            _auto_upgrade(run, item, plan.name, upgrade_to, moment, rule)
            continue
        remaining = Fraction(0)
        if taken.refused:
            show = _shower(catalog, item)
            capped = taken.code == "cap-reached"
            reason = refusal_reason(show, taken.refused, plan.name, quota, slack,
                                    cap if capped else None, policy, run.period.end.date())
            why = terms.cap_rule if capped else terms.limit_rule
            _refuse(run, item, moment, reason, why,
                    refusal_steps(show, used - taken.taken, taken.taken, taken.refused))
    run.used[item] = used


def _shower(catalog, item: str):
    unit = catalog.meters[item].unit
    return lambda v: f"{format_number(unit.from_base(v))} {unit.name}"


def unavailable(item: str, plan: str) -> Reason:
    """Why a use of an item the plan does not offer is refused."""
    return Reason("not-available", f"`{item}` is not available on plan `{plan}`")


def refusal_reason(show, refused, plan: str, quota, slack, cap, policy: str,
                   resets: dt.date) -> Reason:
    """Why `refused` of a use is refused: the customer's `cap` is reached (when the cap is what
    bounds it, else None), or the plan's `quota` with its `slack` is used up (then what the
    exhaustion `policy` says follows: an upgrade by the admin, or the quota's reset)."""
    if cap is not None:
        return Reason("cap-reached", f"{show(refused)} refused: the customer's monthly cap of "
                      f"{show(cap)} is reached")
    assert quota is not None
    over = f" and its {format_number(slack * 100)}% slack" if slack else ""
    after = ("until the admin chooses a higher plan" if policy == "manual_upgrade"
             else "until the quota resets on " + resets.isoformat())
    return Reason("quota-exceeded", f"{show(refused)} refused: the `{plan}` quota of {show(quota)}"
                  f"{over} is used up; refused {after}")


def notice_reason(note, plan: str, after, quota, unit) -> Reason:
    """What a quota's notification says: to whom, how much is left, on which plan, how much of
    the quota is used (`after`, `quota`: in `unit`)."""
    code = "quota-exhausted" if note.remaining is None else "quota-remaining"
    return Reason(code, f"to the {note.who}: {note.describe()} on plan `{plan}` "
                  f"({format_number(after)} of {format_number(quota)} {unit.name} used)")


def refusal_steps(show, before, allowed, refused) -> tuple[Step, ...]:
    """The steps of a use refused in part or whole: what was used `before` it, what it asked
    (`allowed` and `refused`), what was allowed."""
    return (Step("used before", show(before)), Step("requested", show(allowed + refused)),
            Step("allowed", show(allowed)))


def notice_steps(show, unit, plan: str, quota, note, after) -> tuple[Step, ...]:
    """The steps of a quota's notification: the quota on `plan`, the threshold `note` is sent
    at (`rules.notice_threshold`), what is used `after` the use; `show` writes a figure in
    `unit` without its name."""
    threshold = rules.notice_threshold(quota, note.remaining)
    return (Step("quota", f"{show(quota)} {unit.name} on `{plan}`"),
            Step("threshold", f"{show(threshold)} {unit.name} used"),
            Step("used", f"{show(after)} {unit.name}"))


def _refuse(run, item, moment, reason: Reason, rule, steps=()) -> None:
    run.decisions.append(Decision("quota-refusal", item, moment.date(), "refused", (reason,),
                                  rule, steps=tuple(steps)))


def _notify(run, item, plan, index, after, quota, moment) -> None:
    note = run.catalog.quotas[item].notifications[index]
    unit = run.catalog.meters[item].unit
    show = lambda v: f"{format_number(unit.from_base(v))}"  # noqa: E731
    run.decisions.append(Decision(
        "notification", item, moment.date(), "sent",
        (notice_reason(note, plan, unit.from_base(after), unit.from_base(quota), unit),),
        note.rule, steps=notice_steps(show, unit, plan, quota, note, after)))


def _auto_upgrade(run, item, old, new, moment, rule) -> None:
    decisions, charge, switch_rule = auto_upgrade(run.catalog, item, old, new, moment, rule)
    run.decisions.extend(decisions)
    change = run.catalog.change_rule(old, new)
    run.switch_plan(new, moment, charge, switch_rule,  # (after them: the add-ons it ends)
                    whole_month=change is not None and change.whole_month)


def auto_upgrade(catalog, item: str, old: str, new: str, moment: dt.datetime,
                 rule) -> tuple[tuple[Decision, ...], str, Any]:
    """The account's move from `old` to `new` when the quota of `item` runs out under an
    `auto_upgrade` policy: its decisions (the admin told before, the plan change, the admin told
    after), how the change is charged and the rule that charges it. The interpreter's walk and
    the compiled walk both apply it."""
    change = catalog.change_rule(old, new)
    charge = change.charge if change is not None else "prorated"
    why = (Reason("auto-upgrade", f"the `{old}` quota of `{item}` is exhausted; the subscription "
                  f"moves to `{new}` under its `auto_upgrade` policy"),)
    date = moment.date()
    switch_rule = change.rule if change else rule.policy_rule
    return ((Decision("notification", item, date, "sent", (Reason(
        "upgrade-pending", f"to the admin: the subscription is being upgraded from `{old}` to "
        f"`{new}`"),), rule.policy_rule),
        Decision("plan-change", new, date, "allowed", why, switch_rule,
                 steps=(Step("from", old), Step("to", new),
                        Step("requested by", "auto_upgrade policy")), effective=date),
        Decision("notification", item, date, "sent", (Reason(
            "upgrade-done", f"to the admin: the subscription is now on `{new}`"),),
            rule.policy_rule)), charge, switch_rule)
