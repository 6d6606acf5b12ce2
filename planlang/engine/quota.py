"""Quotas decided event by event: bundles, caps, slack, notifications, exhaustion policies.

Usage of an item that has a per-period limit, a customer cap or a quota rule is taken in time
order. Usage beyond the plan's quota (plus its slack) or the customer's cap is refused; each
"N% remaining" notification fires once per plan per period; when the quota runs out under the
`auto_upgrade` policy the account moves to the next higher plan at once (the admin is notified
before and after) and the rest of the usage counts against the new quota.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

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


def consume(run, item: str, moment: dt.datetime, amount: Fraction) -> None:
    catalog, state = run.catalog, run.state
    rule = catalog.quotas.get(item)
    used = run.used.get(item, Fraction(0))
    remaining = amount
    while remaining > 0:
        plan = catalog.plan(state.plan)
        terms = plan.items.get(item)
        if terms is None:
            _refuse(run, item, moment, unavailable(item, plan.name), None)
            break
        quota = terms.limit
        policy = state.policy or (rule.default_policy if rule else "wait_for_reset")
        upgrade_to = catalog.next_plan(plan.name)
        if (quota is not None and rule is not None and policy == "auto_upgrade"
                and "auto_upgrade" in rule.policies and upgrade_to is not None
                and remaining >= quota - used):
            take = max(quota - used, Fraction(0))
            _notify(run, item, plan.name, used, used + take, quota, moment)
            used += take
            remaining -= take
            run.used[item] = used
            _auto_upgrade(run, item, plan.name, upgrade_to, moment, rule)
            continue
        slack = rule.slack if rule else Fraction(0)
        cap = state.caps.get(item) if terms.customer_cap else None
        ceiling = rules.quota_ceiling(quota, slack, cap)
        take = rules.quota_take(used, remaining, ceiling)
        if quota is not None and rule is not None:
            _notify(run, item, plan.name, used, used + take, quota, moment)
        used += take
        refused = remaining - take
        remaining = Fraction(0)
        if refused:
            show = _shower(catalog, item)
            capped = cap is not None and ceiling == cap
            reason = refusal_reason(show, refused, plan.name, quota, slack, cap if capped else None,
                                    policy, run.period.end.date())
            why = terms.cap_rule if capped else terms.limit_rule
            _refuse(run, item, moment, reason, why,
                    (Step("used before", show(used - take)), Step("requested", show(take + refused)),
                     Step("allowed", show(take))))
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
    after = ("the admin must choose a higher plan" if policy == "manual_upgrade"
             else "until the quota resets on " + resets.isoformat())
    return Reason("quota-exceeded", f"{show(refused)} refused: the `{plan}` quota of {show(quota)}"
                  f"{over} is used up; refused {after}")


def notice_reason(note, plan: str, after, quota, unit) -> Reason:
    """What a quota's notification says: to whom, how much is left, on which plan, how much of
    the quota is used (`after`, `quota`: in `unit`)."""
    code = "quota-exhausted" if note.remaining is None else "quota-remaining"
    return Reason(code, f"to the {note.who}: {note.describe()} on plan `{plan}` "
                  f"({format_number(after)} of {format_number(quota)} {unit.name} used)")


def _refuse(run, item, moment, reason: Reason, rule, steps=()) -> None:
    run.decisions.append(Decision("quota-refusal", item, moment.date(), "refused", (reason,),
                                  rule, steps=tuple(steps)))


def _notify(run, item, plan, before, after, quota, moment) -> None:
    rule = run.catalog.quotas.get(item)
    if rule is None:
        return
    unit = run.catalog.meters[item].unit
    show = lambda v: f"{format_number(unit.from_base(v))}"  # noqa: E731
    for index, note in enumerate(rule.notifications):
        threshold = rules.notice_threshold(quota, note.remaining)
        key = (item, plan, index)
        if after >= threshold and key not in run.notified:
            run.notified.add(key)
            run.decisions.append(Decision(
                "notification", item, moment.date(), "sent",
                (notice_reason(note, plan, unit.from_base(after), unit.from_base(quota), unit),),
                note.rule,
                steps=(Step("quota", f"{show(quota)} {unit.name} on `{plan}`"),
                       Step("threshold", f"{show(threshold)} {unit.name} used"),
                       Step("used", f"{show(after)} {unit.name}"))))


def _auto_upgrade(run, item, old, new, moment, rule) -> None:
    catalog = run.catalog
    change = catalog.change_rule(old, new)
    charge = change.charge if change is not None else "prorated"
    why = (Reason("auto-upgrade", f"the `{old}` quota of `{item}` is exhausted; the subscription "
                  f"moves to `{new}` under its `auto_upgrade` policy"),)
    date = moment.date()
    run.decisions.append(Decision("notification", item, date, "sent", (Reason(
        "upgrade-pending", f"to the admin: the subscription is being upgraded from `{old}` to "
        f"`{new}`"),), rule.policy_rule))
    run.switch_plan(new, moment, charge, change.rule if change else rule.policy_rule)
    run.decisions.append(Decision("plan-change", new, date, "allowed", why,
                                  change.rule if change else rule.policy_rule,
                                  steps=(Step("from", old), Step("to", new),
                                         Step("requested by", "auto_upgrade policy")),
                                  effective=date))
    run.decisions.append(Decision("notification", item, date, "sent", (Reason(
        "upgrade-done", f"to the admin: the subscription is now on `{new}`"),), rule.policy_rule))
