"""Walking an account's history period by period, carrying its state from one month to the next.

Each period: changes scheduled for its first day take effect; the period's dated events (plan
change requests, status changes, payments, caps and policies, quota usage, dunning steps of the
previous invoice, element requests) are decided in time order; then the period is billed (fees of
every plan it was on, by how each change is charged, add-ons, extras, refunds) and the automatic
ladders are evaluated for the next period. Everything is deterministic: no clock, events in order
of time and then of the file.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable
from decimal import Decimal
from fractions import Fraction

import attrs

from planlang.engine import addons, products, rules
from planlang.engine import quota as quotas
from planlang.engine.calendar import Period
from planlang.engine.changes import decide_change, level
from planlang.engine.charges import (
    held_share,
    in_unit,
    item_charge,
    not_offered,
    peak_over_limit,
    per_unit_fee,
    pool_step,
    setup_lines,
    sla_refund,
    spend_bounds,
)
from planlang.engine.coupons import discount_lines, redeem
from planlang.engine.decisions import decide_request
from planlang.engine.dunning import dunning_events, pay
from planlang.engine.ladder import evaluate_ladder
from planlang.engine.metering import Series, day_figures, measure, measure_days
from planlang.engine.prepare import Prepared, caps_in_base
from planlang.engine.results import Bill, ChargeLine, Decision, Reason, Step
from planlang.engine.state import Invoice, Scheduled, Segment, State
from planlang.model import Catalog, Plan, RuleRef
from planlang.money import EXACT, format_money, format_number, fraction_to_decimal


def start_state(catalog: Catalog, prepared: Prepared) -> State:
    account = prepared.account
    return State(account.plan, account.status, caps_in_base(catalog, account.caps),
                 account.policy, history=list(prepared.lookback),
                 add_ons={name: q for name, q in account.add_ons.items() if q})


def first_period(prepared: Prepared, periods: list[Period]) -> Period:
    account = prepared.account
    candidates = [periods[0]]
    if account.since is not None:
        candidates.append(Period.parse(account.since))
    for event in account.timeline:
        candidates.append(Period(event.on.year, event.on.month))
        if event.pay is not None:  # the invoice paid must have been billed in the walk
            candidates.append(Period.parse(event.pay))
    return min(candidates)


MAX_MONTHS = 1200  # a hundred years of history at most


def check_span(first: Period, last: Period) -> None:
    """Refuse a walk of more than MAX_MONTHS months (a mistyped year in `since` or a date)."""
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    if months > MAX_MONTHS:
        from planlang.diagnostics import Diagnostic, PlanlangError

        raise PlanlangError([Diagnostic(
            "PL414", f"the account's history would be walked from {first} to {last}: "
            f"{months:,} months, more than {MAX_MONTHS:,}",
            help="check the year of `since`, of the timeline's dates and of the payments")])


def run(catalog: Catalog, prepared: Prepared, periods: list[Period]) -> list[Bill]:
    """Evaluate every period from the account's start to the last one asked; bill those asked
    (an account on several products: each product's subscription, `products.run`)."""
    if prepared.account.plans:
        return products.run(catalog, prepared, periods, run)
    wanted = sorted(set(periods))
    state = start_state(catalog, prepared)
    bills = []
    period = first_period(prepared, wanted)
    check_span(period, wanted[-1])
    while period <= wanted[-1]:
        bill = PeriodRun(catalog, prepared, period, state).run()
        if period in wanted:
            bills.append(bill)
        period = period.next()
    return bills


# The reasons' wording, shared with the compiled path's bills (engine/compiled.py).
NOT_BILLED = Reason("suspended", "the account is suspended at the end of the period: it is "
                    "neither billed nor evaluated")


def status_reason(status: str, day: dt.date) -> Reason:
    return Reason(f"status-{status}", f"the account is {status} from {day.isoformat()}")


class PeriodRun:
    def __init__(self, catalog: Catalog, prepared: Prepared, period: Period, state: State):
        self.catalog = catalog
        self.prepared = prepared
        self.period = period
        self.state = state
        self.decisions: list[Decision] = []
        self.messages: list[Decision] = []  # billing messages (invoice issued, automatic charge)
        self.segments: list[Segment] = []
        self.used: dict[str, Fraction] = {}  # quota usage allowed so far, by item
        self.used_on: dict[str, dict[dt.date, Fraction]] = {}  # the same, by item and day
        self.notified: set[tuple[str, str, int]] = set()  # (item, plan, notification index)
        self.suspended_days = 0
        # the plans changed to in the period, by day (their setup fees): a later change on the
        # same day replaces an earlier one, as it does the plan (`switched`)
        self.joined: list[tuple[int, str]] = []
        # the add-ons held at the period's start, and their changes in it: (day, add-on,
        # quantity from that day on), in the order made (`addons.day_quantities`)
        self.add_ons_held: dict[str, int] = {}
        self.add_on_changes: list[tuple[int, str, int]] = []

    # ---- the period ----
    def run(self) -> Bill:
        self.begin()
        for _, _, _, action in sorted(self.events(), key=lambda e: e[:3]):
            action()
        return self.finish()

    def begin(self) -> None:
        state, first = self.state, self.period.first_day
        due = [s for s in state.scheduled if s.effective <= first]
        state.scheduled = [s for s in state.scheduled if s.effective > first]
        for change in due:
            state.plan = change.plan
        if due and due[-1].kind == "plan-change":  # the last one stands
            self.joined = joined(self.joined, 1, due[-1].plan)
        if due:  # the add-ons the plan the period starts on does not offer end
            self.decisions += addons.ended(self.catalog, state.add_ons, state.plan, first)
        self.add_ons_held = dict(state.add_ons)
        self.segments.append(Segment(1, state.plan, "start", None))
        self.start_status = state.status

    def events(self) -> list[tuple[dt.datetime, int, int, Callable[[], object]]]:
        """(moment, priority, order, action) for every dated thing that happens this period."""
        out: list[tuple[dt.datetime, int, int, Callable[[], object]]] = []
        account = self.prepared.account
        for index, event in enumerate(account.timeline):
            if self.period.contains(event.on):
                out.append((event.on, 1, index, functools.partial(self.timeline_event, event)))
        for item, events in quotas.usage_events(self.catalog, self.prepared, self.period):
            for index, (moment, amount) in enumerate(events):
                out.append((moment, 2, index, functools.partial(self.usage, item, moment, amount)))
        for index, request in enumerate(account.requests):
            if self.period.contains(request.on):
                out.append((request.on, 3, index, functools.partial(self.request, request)))
        for index, (moment, action) in enumerate(dunning_events(self)):
            out.append((moment, 0, index, action))
        return out

    def timeline_event(self, event) -> None:
        state = self.state
        if event.change_plan is not None:
            self.change_plan(event)
        elif event.status is not None:
            if event.status != state.status and self.catalog.suspended_not_billed:
                self.decisions.append(Decision(
                    "status", self.prepared.account.account, event.on.date(), event.status,
                    (status_reason(event.status, event.on.date()),), self.catalog.suspension_rule,
                    effective=event.on.date()))
            state.status = event.status
        elif event.pay is not None:
            pay(self, event)
        elif event.cap is not None:
            state.caps.update(caps_in_base(self.catalog, event.cap))
        elif event.policy is not None:
            state.policy = event.policy
        elif event.redeem is not None:
            self.decisions.append(redeem(self.catalog, state.coupons, event.redeem,
                                         event.on.date()))
        elif event.add_on is not None:
            self.add_on(event.add_on, 1 if event.quantity is None else event.quantity, event.on)

    def add_on(self, name: str, quantity: int, moment: dt.datetime) -> None:
        """An add-on added, its quantity changed or removed at `moment` (`addons.decide`): held
        from that day on."""
        day = moment.date()
        decision = addons.decide(self.catalog, self.state.add_ons, self.state.plan, name,
                                 quantity, day)
        self.decisions.append(decision)
        if decision.outcome == "allowed":
            self.add_on_changes.append((self.day_of(moment), name, quantity))

    def day_of(self, moment: dt.datetime) -> int:
        """The day of the period a change at `moment` takes effect on (before it: the first)."""
        return moment.date().day if moment > self.period.start else 1

    def change_plan(self, event) -> None:
        """A plan change request: decided by `changes.decide_change`, applied here."""
        state = self.state
        decided = decide_change(self.catalog, state, event, self.period.end.date(),
                                lambda item, moment: level(self, item, moment))
        rule = decided.rule
        at = len(self.decisions)  # (the add-ons a change ends are decided after it)
        if rule is not None:  # allowed: it replaces a change requested before for next month
            state.scheduled = [s for s in state.scheduled if s.kind != "plan-change"]
            if decided.now:
                self.switch_plan(event.change_plan, event.on, rule.charge, rule.rule, rule.refund,
                                 rule.whole_month)
                self.joined = joined(self.joined, event.on.day if event.on > self.period.start
                                     else 1, event.change_plan)
            else:
                assert decided.effective is not None
                state.scheduled.append(Scheduled(decided.effective, event.change_plan, rule.rule,
                                                 "plan-change"))
            state.commitment_until = decided.commitment_until
        self.decisions.insert(at, decided.decision)

    def request(self, request) -> None:
        plan = self.catalog.plan(self.state.plan)
        assert plan is not None
        self.decisions.append(decide_request(self.catalog, plan, self.prepared, request))

    def usage(self, item: str, moment: dt.datetime, amount: Fraction) -> None:
        quotas.consume(self, item, moment, amount)

    def switch_plan(self, plan: str, moment: dt.datetime, charge: str,
                    rule: RuleRef | None, refund: bool = True, whole_month: bool = False) -> None:
        """The account is on `plan` from the day of `moment` on (that day counts for it)."""
        self.state.plan = plan
        self.segments = switched(self.segments, self.period, plan, moment, charge, rule, refund,
                                 whole_month)
        for decision in addons.ended(self.catalog, self.state.add_ons, plan, moment.date()):
            self.decisions.append(decision)
            self.add_on_changes.append((self.day_of(moment), decision.subject, 0))

    # ---- billing ----
    def finish(self) -> Bill:
        catalog, state = self.catalog, self.state
        plan = catalog.plan(state.plan)
        assert plan is not None
        suspended = catalog.suspended_not_billed and state.status == "suspended"
        lines: list[ChargeLine] = []
        if suspended:
            self.decisions.append(Decision(
                "not-billed", self.prepared.account.account, self.period.last_day, "suspended",
                (NOT_BILLED,), catalog.suspension_rule))
        else:
            lines += self.fee_lines()
            lines += setup_lines(catalog, [plan for _, plan in self.joined], str(self.period))
            lines += self.addon_lines()
            held = self.add_on_days()
            lines += addons.add_on_lines(catalog, self.period, plan.name, held)
            # the plans billing the month's usage, each with its days (None: the whole month)
            split: list[tuple[Plan, tuple[int, ...] | None]] = [
                (on, days) for name, days in usage_plans(self.segments, self.period.days)
                if (on := catalog.plan(name)) is not None]
            if len(split) == 1:  # one plan bills the whole month's usage
                split = [(plan, None)]
            for on, days in split:
                lines += self.item_lines(on, days, held)
            limit = self.prepared.account.spending_limit
            bounded, reached = spend_bounds(
                catalog, plan, str(self.period), lines,
                days_on(self.segments, plan.name, self.period.days), self.period.days,
                None if limit is None else limit.value, self.period.last_day)
            lines += bounded
            self.decisions += reached
            for on, days in split:
                refund = sla_refund(catalog, on, self.period, self.prepared,
                                    seat_fee_basis(catalog, on, self.period, self.seats(), days))
                if refund is not None:
                    lines.append(refund[0])
                    self.decisions.append(refund[1])
            lines += discount_lines(catalog, state.coupons,
                                    self.period.year * 12 + self.period.month - 1,
                                    str(self.period), plan.name, lines)
            self.ladder_step()
        total = rules.bill_total(lines, catalog.currency)
        if not suspended and catalog.calendar is not None:
            state.invoices[str(self.period)] = Invoice(str(self.period), total,
                                                       paid=total <= 0)
        # The plan the next period starts on, as begin() will apply it: of the changes scheduled
        # for its first day, the last one scheduled stands.
        next_plan = next((s.plan for s in reversed(state.scheduled)
                          if s.effective == self.period.end.date()), state.plan)
        decisions = sorted(self.decisions, key=lambda d: d.date)  # stable: same-day order kept
        return Bill(self.prepared.account.account, state.plan, str(self.period), catalog.currency,
                    tuple(lines), total, tuple(decisions), next_plan=next_plan,
                    messages=tuple(self.messages))

    def fee_lines(self) -> list[ChargeLine]:
        return fee_lines(self.catalog, self.period, self.segments, self.seats())

    def seats(self) -> dict[str, list] | None:
        """The seats' figure of each day of the period, by item, in the meter's unit, for the
        plans of the period priced per seat (None when there are none)."""
        items = {plan.seat_item for plan in map(self.catalog.plan, (s.plan for s in self.segments))
                 if plan is not None and plan.seat_item is not None}
        if not items:
            return None
        out = {}
        for item in items:
            meter = self.catalog.meters[item]
            out[item] = [meter.unit.from_base(value) for value in
                         day_figures(meter, self.prepared.series.get(item), self.period)]
        return out

    def add_on_days(self) -> dict[str, list[int]]:
        """Each add-on's quantity on each day of the period (`addons.day_quantities`)."""
        return addons.day_quantities(self.add_ons_held, self.add_on_changes, self.period.days)

    def addon_lines(self) -> list[ChargeLine]:
        if self.state.addons is None:
            return []
        name, count, rule = self.state.addons
        self.state.addons = None
        plan = self.catalog.plan(name)
        assert plan is not None
        amount = rules.line_amount(Fraction(plan.fee), count, self.catalog.currency)
        steps = addon_line_steps(name, count, plan.fee, amount, self.catalog.currency)
        return [ChargeLine("add-on", "add-on subscription", name, str(self.period),
                           Decimal(count), "month", plan.fee, amount, rule or plan.fee_rule,
                           steps)]

    def pooled(self, plan, on: tuple[int, ...] | None = None) -> dict[str, tuple]:
        """For each item drawing on a pool the plan includes: its figure beyond the pool (base
        units, `rules.pool_draw`) and the pool's step (`charges.pool_step`); over the days `on`
        the plan bills (1-based; None: the whole period)."""
        out = {}
        for name, (included, _) in plan.pools.items():
            pool = self.catalog.pools[name]
            meters = [self.catalog.meters[member] for member, _ in pool.members]
            days = [day_figures(meter, self.prepared.series.get(meter.name), self.period)
                    for meter in meters]
            if on is not None:
                days = [[figures[day - 1] for day in on] for figures in days]
            over = rules.pool_draw(days, [rate for _, rate in pool.members], included)
            totals = [pool.unit.from_base(sum(figures, Fraction(0))) for figures in days]
            show = functools.partial(in_unit, pool.unit)
            for (member, _), beyond in zip(pool.members, over, strict=True):
                out[member] = (beyond, pool_step(pool, included, totals, beyond, member, show))
        return out

    def item_lines(self, plan, days: tuple[int, ...] | None = None,
                   held: dict[str, list[int]] | None = None) -> list[ChargeLine]:
        """The plan's lines for its items' usage: of the whole period, or with `days` (1-based),
        of those days only, the plan's share of a period split between plans
        (`usage_plans`); `held`: the add-ons' day quantities, which add to the included amounts
        (`addons.included`)."""
        lines = []
        pooled = self.pooled(plan, days) if plan.pools else {}
        for item, meter in self.catalog.meters.items():
            terms = plan.items.get(item)
            if terms is None:
                continue
            more, added = addons.included(self.catalog, held, self.period.days, item, days) \
                if held else (0, None)
            if meter.monthly is None:
                if days is not None and plan.name != self.state.plan:
                    continue  # a count's highest day: against the plan the month ends on
                over = peak_over_limit(self.catalog, plan, self.period, terms, self.prepared)
                if over is not None:
                    self.decisions.append(over)
                continue
            series = self.prepared.series.get(item)
            if item in self.used:  # a quota decided event by event: bill what was allowed
                sources = (series.sources if series else ()) + ("usage allowed by the quota",)
                series = (Series(usage={self.period.first_day: self.used[item]}, sources=sources)
                          if days is None else Series(usage=self.used_on.get(item, {}),
                                                      sources=sources))
            measurement = self.measured(meter, series, days)
            if item in pooled:  # billed beyond the pool it draws on
                beyond, step = pooled[item]
                measurement = attrs.evolve(measurement, value=beyond,
                                           steps=(*measurement.steps, step))
            if added is not None:  # the add-ons' included amounts add to the plan's
                terms = attrs.evolve(terms, included=terms.included + more)
                measurement = attrs.evolve(measurement, steps=(*measurement.steps, added))
            ladder = self.catalog.ladder_of(plan.name)
            charged, over = item_charge(self.catalog, plan, self.period, terms, measurement,
                                        quota=item in self.used or (ladder is not None
                                                                    and ladder.item == item))
            if days is not None and meter.monthly != "sum":  # a level held for its days
                charged = held_share(charged, len(days), self.period.days, self.catalog.currency)
            lines.extend(charged)
            if over is not None:
                self.decisions.append(over)
        for item, meter in self.catalog.meters.items():  # usage of an item the plan lacks
            series = self.prepared.series.get(item)
            if item in plan.items or meter.monthly is None or series is None:
                continue
            measurement = self.measured(meter, series, days)
            if measurement.value > 0:
                self.decisions.append(not_offered(
                    functools.partial(in_unit, meter.round_unit), item, plan,
                    measurement.value, self.period.last_day, measurement.steps))
        return lines

    def measured(self, meter, series: Series | None, days: tuple[int, ...] | None):
        """The meter's measurement of the period (`days` None), or of those days of it, its
        first step saying which days and so which plan the usage belongs to."""
        if days is None:
            return measure(meter, series, self.period)
        measurement = measure_days(meter, series, self.period, days)
        return attrs.evolve(measurement, steps=(days_step(self.period, days),
                                                *measurement.steps))

    def ladder_step(self) -> None:
        """Evaluate the account's ladder at the period's end and apply what it decides."""
        catalog, state = self.catalog, self.state
        ladder = catalog.ladder_of(state.plan)
        if ladder is None:
            return
        usage = self.measure_item(ladder.item)
        state.history.append(usage)
        starts = self.period.end.date()
        if any(s.effective == starts for s in state.scheduled):
            return  # a change requested for the next period stands
        step = evaluate_ladder(catalog, ladder, state.plan, usage, state.history,
                               self.period.last_day, starts)
        if step.scheduled is not None:
            plan, rule = step.scheduled
            state.scheduled.append(Scheduled(starts, plan, rule, "tier-change"))
        if step.addons is not None:
            state.addons = step.addons
        self.decisions += step.decisions

    def measure_item(self, item: str) -> Fraction:
        meter = self.catalog.meters[item]
        return measure(meter, self.prepared.series.get(item), self.period).raw



def addon_line_steps(name: str, count: int, fee: Decimal, amount: Decimal,
                     currency: str) -> tuple[Step, ...]:
    """The steps of a month's add-on subscriptions line: how many of the add-on plan `name`, at
    its `fee` each."""
    return (Step("add-on subscriptions", f"{count} × {name}"),
            Step("price", f"{format_money(fee, currency)} × {count} = "
                 f"{format_money(amount, currency)}"))


def joined(plans: list[tuple[int, str]], day: int, plan: str) -> list[tuple[int, str]]:
    """The plans changed to in a period, by day, once the account changes to `plan` on `day`:
    a later change on the same day replaces an earlier one."""
    return [(at, name) for at, name in plans if at != day] + [(day, plan)]


def days_on(segments: list[Segment], plan: str, days: int) -> int:
    """The days of the period's `days` the account was on `plan`, by its segments."""
    ends = [seg.day for seg in segments[1:]] + [days + 1]
    return sum(end - seg.day for seg, end in zip(segments, ends, strict=True)
               if seg.plan == plan)


def switched(segments: list[Segment], period: Period, plan: str, moment: dt.datetime, charge: str,
             rule: RuleRef | None, refund: bool = True,
             whole_month: bool = False) -> list[Segment]:
    """The period's segments once the account is on `plan` from the day of `moment` on (that day
    counts for it). The plan the period began on stays first (it may run zero days); a later
    change on the same day replaces an earlier one."""
    day = moment.date().day if moment > period.start else 1
    return [segments[0], *(s for s in segments[1:] if s.day < day),
            Segment(day, plan, charge, rule, refund, whole_month)]


def usage_plans(segments: list[Segment], days: int) -> list[tuple[str, tuple[int, ...]]]:
    """The plans that bill a period's usage, each with the days (1 to `days`) whose usage it
    bills, in the order they first bill: each plan the days it was on, by the period's
    `segments` (the day of a change counts for the new plan, as its fee does); a plan changed to
    by a change that says `usage billed for the whole month` also every day before the change,
    which the plans before it then do not bill. A plan the account was on twice bills its days
    together. One plan: it bills the whole period. The interpreter bills by it, and the compiled
    walk leaves a period it splits to the interpreter."""
    ends = [seg.day for seg in segments[1:]] + [days + 1]
    billed: dict[str, list[int]] = {}
    for seg, end in zip(segments, ends, strict=True):
        if seg.whole_month:
            billed = {}
        own = range(1 if seg.whole_month else seg.day, end)
        if own:
            billed.setdefault(seg.plan, []).extend(own)
    return [(plan, tuple(sorted(owned))) for plan, owned in billed.items()]


def split_matters(catalog: Catalog, split: list[tuple[str, tuple[int, ...]]]) -> bool:
    """Whether billing a period's usage split between plans (`usage_plans`) can give another
    bill than billing the whole period on one plan: there are several plans, and one of them
    bills or decides something on its figures (an item with a monthly step priced, drawing on a
    pool, bounded by a ceiling a quota does not decide use by use, or not offered), or has an
    SLA. The compiled walk leaves the periods where it matters to the interpreter."""
    if len(split) < 2:
        return False
    for name, _ in split:
        plan = catalog.plan(name)
        assert plan is not None
        if plan.sla is not None or plan.pools:
            return True
        for item, meter in catalog.meters.items():
            if meter.monthly is None:
                continue
            terms = plan.items.get(item)
            if terms is None or terms.bands or (terms.extendable and terms.price is not None) \
                    or (terms.ceiling() is not None and item not in catalog.quotas):
                return True
    return False


def fee_lines(catalog: Catalog, period: Period, segments: list[Segment],
              seats: dict[str, list] | None = None) -> list[ChargeLine]:
    """A period's fee lines from its segments: each plan's fee as its change rule charges it
    (the interpreter's walk and the compiled walk both bill a change of plan by it). `seats`:
    for a plan priced per seat, the seats' figure of each of the period's days, by item, in the
    meter's unit."""
    days = period.days
    lines = []
    for index, seg in enumerate(segments):
        plan = catalog.plan(seg.plan)
        assert plan is not None
        end = segments[index + 1].day if index + 1 < len(segments) else days + 1
        span = end - seg.day
        after = segments[index + 1] if index + 1 < len(segments) else None
        # The plan left is prorated by its days, unless the change says `no refund`.
        following = after.charge if after is not None and after.refund else None
        if seg.charge == "none":
            continue
        if seg.charge == "difference":  # from the change to the month's end
            previous = catalog.plan(segments[index - 1].plan)
            assert previous is not None
            to_end = days - seg.day + 1
            if plan.seat_item is not None or previous.seat_item is not None:
                lines.append(_seat_difference(catalog, period, plan, previous, seats, span, seg))
                continue
            lines.append(_fee_line(
                catalog, period, plan, EXACT.subtract(plan.fee, previous.fee), span, to_end, days,
                "prorated difference", seg, f"({format_money(plan.fee, catalog.currency)} − "
                f"{format_money(previous.fee, catalog.currency)})"))
        elif seg.charge == "full" or (seg.charge == "start" and following != "prorated"):
            if plan.seat_item is not None:
                lines.append(_seat_fee_line(catalog, period, plan, seats, 1, days, span,
                                            "plan fee", seg))
                continue
            lines.append(_fee_line(catalog, period, plan, plan.fee, span, days, days, "plan fee",
                                   seg))
        elif span:  # prorated: this segment's days only
            item = "plan fee" if span == days else "plan fee (prorated)"
            if plan.seat_item is not None:
                lines.append(_seat_fee_line(catalog, period, plan, seats, seg.day, end - 1, span,
                                            item, seg))
                continue
            lines.append(_fee_line(catalog, period, plan, plan.fee, span, span, days, item, seg))
    return lines


def billed_seats(catalog: Catalog, plan, period: Period, seats: dict[str, list] | None) -> list:
    """The seats a plan priced per seat bills on each day of the period (`rules.seat_quantities`)
    from the seats' day figures (`seats`, by item, in the meter's unit, one for each day; none
    given: no seat), its minimum and whether removals are refunded."""
    terms = plan.items[plan.seat_item]
    unit = catalog.meters[plan.seat_item].unit
    figures = (seats or {}).get(plan.seat_item) or [0] * period.days
    minimum = None if terms.minimum is None else unit.from_base(terms.minimum)
    return rules.seat_quantities([Fraction(figure) for figure in figures], minimum,
                                 terms.removals_refunded)


def seat_fee_basis(catalog: Catalog, plan, period: Period,
                   seats: dict[str, list] | None, days: tuple[int, ...] | None = None) -> Decimal:
    """What a plan costs for the period: its fee, or for a fee per seat, the fee for the
    period's seat-days, rounded (the amount an SLA refund is a share of); with `days`
    (1-based), for those days of the period only (the plan's share of a month split between
    plans: `usage_plans`)."""
    if plan.seat_item is None:
        return plan.fee if days is None else rules.prorated_fee(plan.fee, len(days),
                                                                 period.days, catalog.currency)
    quantities = billed_seats(catalog, plan, period, seats)
    units = sum(quantities) if days is None else sum(quantities[day - 1] for day in days)
    return rules.prorated_fee(plan.fee, units, period.days, catalog.currency)


def days_step(period: Period, days: tuple[int, ...]) -> Step:
    """The first step of a plan's measurement of its days of a period split between plans
    (`usage_plans`): which days, and so which plan, the usage belongs to, as runs of dates and
    their count (`2026-09-01 to 2026-09-14: 14 of 30 days`)."""
    runs: list[list[int]] = []
    for day in days:
        if runs and runs[-1][1] == day - 1:
            runs[-1][1] = day
        else:
            runs.append([day, day])
    texts = [dt.date(period.year, period.month, first).isoformat() + (
        "" if first == last else f" to {dt.date(period.year, period.month, last).isoformat()}")
        for first, last in runs]
    return Step("usage of the days on the plan",
                f"{', '.join(texts)}: {len(days)} of {period.days} days")


def _seat_units(catalog: Catalog, period: Period, plan, seats, first: int, last: int) -> tuple:
    """A plan's seat-days from day `first` to `last`, and each day's quantity; for a flat fee,
    the days themselves (one each)."""
    if plan.seat_item is None:
        return last - first + 1, None
    quantities = billed_seats(catalog, plan, period, seats)[first - 1:last]
    return sum(quantities), quantities


def _seat_fee_line(catalog: Catalog, period: Period, plan, seats, first: int, last: int,
                   on_plan: int, item: str, seg: Segment) -> ChargeLine:
    """A per-seat fee for days `first` to `last`: the fee × seat-days / the period's days,
    rounded once (the plan ran `on_plan` days from seg.day)."""
    days = period.days
    _, quantities = _seat_units(catalog, period, plan, seats, first, last)
    steps = _on_plan_steps(period, plan, seg, on_plan, days)
    quantity, unit, unit_price, amount, more = per_unit_fee(
        plan.fee, plan.seat_label, plan.seat_item, quantities, first == 1 and last == days, days,
        catalog.currency)
    steps += more
    return ChargeLine("fee", item, plan.name, str(period), quantity, unit, unit_price, amount,
                      _fee_rule(plan, seg), tuple(steps))


def _seat_difference(catalog: Catalog, period: Period, plan, previous, seats, on_plan: int,
                     seg: Segment) -> ChargeLine:
    """A `prorated difference` where either plan is priced per seat: (the new plan's fee × its
    seat-days − the old one's × its own) from the day of the change to the period's end, over
    the period's days, rounded once."""
    currency, days = catalog.currency, period.days
    new, _ = _seat_units(catalog, period, plan, seats, seg.day, days)
    old, _ = _seat_units(catalog, period, previous, seats, seg.day, days)
    amount = rules.prorated_fee(1, Fraction(plan.fee) * new - Fraction(previous.fee) * old,
                                days, currency)
    steps = _on_plan_steps(period, plan, seg, on_plan, days)
    steps.append(Step("proration", f"({format_money(plan.fee, currency)} × {format_number(new)} − "
                      f"{format_money(previous.fee, currency)} × {format_number(old)}) / {days} "
                      f"= {format_money(amount, currency)}"))
    return ChargeLine("fee", "prorated difference", plan.name, str(period), Decimal(1),
                      "difference", amount, amount, _fee_rule(plan, seg), tuple(steps))


def _on_plan_steps(period: Period, plan, seg: Segment, on_plan: int, days: int) -> list[Step]:
    """A fee line's first steps: the plan, and the days the account was on it."""
    first = dt.date(period.year, period.month, seg.day)
    steps = [Step("plan", plan.name)]
    if on_plan:
        last = dt.date(period.year, period.month, seg.day + on_plan - 1)
        steps.append(Step("on the plan", f"{first.isoformat()} to {last.isoformat()}: "
                          f"{on_plan} of {days} days"))
    else:
        steps.append(Step("on the plan", f"changed on {first.isoformat()}, its first day"))
    return steps


def _fee_rule(plan, seg: Segment) -> RuleRef:
    """The rule a fee line cites: the change's that charged it, else the plan's fee line."""
    return seg.rule if seg.charge in ("difference", "prorated", "full") and seg.rule else (
        plan.fee_rule)


def _fee_line(catalog: Catalog, period: Period, plan, fee: Decimal, on_plan: int, span: int,
              days: int, item: str, seg: Segment, fee_text: str | None = None) -> ChargeLine:
    """A fee for `span` of the month's `days` (the plan ran `on_plan` days from seg.day)."""
    currency = catalog.currency
    amount = rules.prorated_fee(fee, span, days, currency)
    steps = _on_plan_steps(period, plan, seg, on_plan, days)
    shown = fee_text or format_money(fee, currency)
    if span == days:
        steps.append(Step("monthly fee", format_money(amount, currency)))
        quantity, unit, unit_price = Decimal(1), "month", fee
    else:
        steps.append(Step("proration", f"{shown} × {span} / {days} = "
                          f"{format_money(amount, currency)}"))
        quantity, unit = Decimal(span), f"day of {days}"
        unit_price = fraction_to_decimal(Fraction(fee) / days, places=6)
    return ChargeLine("fee", item, plan.name, str(period), quantity, unit, unit_price,
                      amount, _fee_rule(plan, seg), tuple(steps))


def _same(value):
    return value


__all__ = ["run", "PeriodRun", "fee_lines", "switched", "days_on", "joined", "addon_line_steps",
           "seat_fee_basis", "billed_seats", "usage_plans", "split_matters", "days_step"]
