"""Compiled evaluation: a catalog turned into tables and a tight month loop, for billing many accounts.

`compile_catalog(catalog)` inspects the catalog once. For each list of periods it builds a runner
(`CompiledCatalog.runner(periods)`) whose per-account work is plain dict lookups, comparisons and
calls of the rules of `engine/rules.py` (the interpreter's own) on exact Decimals already in each
meter's unit: every constant (a plan's fee line for a period, its limits, the ladder's neighbours,
the dates) is computed once per catalog and period and shared by every account. A runner for one
month bills through generated code (`engine/generated.py`: `one_month`), and so do its `bills`; a
runner for several, for a catalog without a billing calendar or usage decided event by event,
through a generated loop over the months (`generated.months`), and so do its `bills`; what
either does not take (a start date, a plan change...), and every explained bill, takes the
general walk (`_Runner.walk`).

A runner returns `Outcome`s: for each billed period, the account's plan, next plan, total, lines
and decisions, each line and decision naming the plan rule behind it. `runner.bills(record)`
gives the bills, the reasons in the interpreter's words, without running the interpreter (the
batch writes those); `runner.bills(record, explain=True)` gives them with every computation step,
worded from the walk's own figures by the interpreter's wording functions (`_Runner.walk` with
`explain`). `Outcome.bill()` gives the interpreter's explained `Bill`, the same.

The compiled path covers the common shape of a monthly billing run: plan fees, every meter's
figures (usage events and day figures, counts from their intervals or per day, snapshots, daily
and monthly sums, averages and maxima, rounding: `_Meter`), extras beyond what is included,
usage over a plan's limit (`_Runner.over_limit`), usage decided event by event (quotas, customer
caps: `_Runner.take`), SLA refunds, tier ladders (up, down with look-back, add-ons above the top
tier), suspension, status changes and plan change requests on the timeline (days or instants; a
change decided by `changes.decide_change`, its fees by `timeline.fee_lines`, the month's usage
billed on each plan for its days: `_Runner.usage_charges`), requests to create
elements and to store an amount in one (`decisions.decide_create`, `decide_store`),
`auto_upgrade` moves (`quota.auto_upgrade`), the billing calendar: invoices issued, charged
automatically or paid by hand, due, reminded, the account downgraded until it pays
(`dunning.calendar_steps`, `step_happens`, `step_decision`, `payment`). An account or catalog
outside it (daily records, a measurement in an awkward unit, or anything invalid; `HANDLING`
declares, field by field of the model, what the path covers) is evaluated by the interpreter
instead, so every account gets the same result and the same errors whichever path runs:
`tests/test_compiled.py` checks that on random accounts of every catalog.
"""

from __future__ import annotations

import datetime as dt
import functools
import gc
from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from decimal import (
    Context,
    Decimal,
    Inexact,
    InvalidOperation,
    Rounded,
    localcontext,
)
from fractions import Fraction
from itertools import islice
from operator import itemgetter
from typing import Any

import attrs

from planlang.diagnostics import Diagnostic, PlanlangError
from planlang.engine import addons as add_on_rules
from planlang.engine import rules
from planlang.engine.calendar import Period
from planlang.engine.changes import decide_change
from planlang.engine.charges import (
    band_price,
    band_quantity,
    band_steps,
    band_unit,
    extra_steps,
    held_amount,
    held_step,
    not_offered,
    over_limit_reason,
    over_limit_rule,
    payment_lines,
    peak_steps,
    pool_step,
    refund_reason,
    refund_steps,
    refund_unit,
    setup_lines,
    spend_bounds,
)
from planlang.engine.coupons import Redeemed, discount_lines, redeem
from planlang.engine.decisions import decide_create, decide_store
from planlang.engine.dunning import (
    calendar_steps,
    charged,
    issued,
    payment,
    step_decision,
    step_happens,
)
from planlang.engine.ladder import addon_reason, addon_steps, move_reason, move_steps
from planlang.engine.metering import Measurement, in_ratio, level_spans, measure_steps
from planlang.engine.outcomes import (
    _ZERO,
    Line,
    Outcome,
    Ruling,
    _Interpret,
    _new,
    _outcomes_of,
)
from planlang.engine.prepare import (
    commitment_months,
    in_base_units,
    source_texts,
    uptime_percent,
)
from planlang.engine.quota import (
    auto_upgrade,
    chosen_policy,
    decided_items,
    notice_reason,
    notice_steps,
    refusal_reason,
    refusal_steps,
    take_use,
    thresholds_of,
    unavailable,
)
from planlang.engine.results import (
    Bill,
    ChargeLine,
    Decision,
    Reason,
    json_line,
    json_maker,
    json_writer,
)
from planlang.engine.rules import Move, add_ons, extra, ladder_move, line_amount, over_ceiling, tiered
from planlang.engine.state import CalendarStep, Segment, State
from planlang.engine.timeline import (
    NOT_BILLED,
    addon_line_steps,
    days_on,
    days_step,
    fee_lines,
    seat_fee_basis,
    split_matters,
    status_reason,
    switched,
    usage_plans,
)
from planlang.engine.timeline import (
    joined as joined_plans,
)
from planlang.inputs.account import Amount, Event, Request
from planlang.inputs.convert import (
    InputError,
    parse_amount,
    parse_count,
    parse_datetime,
    parse_period,
    quick_converter,
)
from planlang.inputs.documents import Figure
from planlang.model import (
    POLICIES,
    AddOn,
    Band,
    Calendar,
    Catalog,
    ChangeRule,
    Coupon,
    DiscountRule,
    ItemTerms,
    Ladder,
    Meter,
    Notification,
    Plan,
    Pool,
    PriceBand,
    Product,
    QuotaRule,
    RecordRule,
    Refund,
    Requirement,
    RuleRef,
    SlaLevel,
)
from planlang.money import (
    EXACT,
    MAX_DIGITS,
    exact,
    exact_decimal,
    format_money,
    format_number,
    fraction_to_decimal,
    in_minor_units,
)
from planlang.units import lookup

_ACCOUNT_KEYS = frozenset(("account", "plan", "since", "status", "usage", "lookback", "timeline",
                           "uptime", "automatic_charge", "caps", "policy", "requests",
                           "spending_limit", "currency", "add_ons"))
_EVENT_KEYS = frozenset(("on", "status"))
_USAGE_EVENT_KEYS = frozenset(("on", "amount"))
# a meter's data: what each element holds (`elements`, read by `_Runner.elements`) beside its
# figures
_METER_KEYS = frozenset(("daily", "events", "elements"))  # a usage meter's
_PAYMENT_KEYS = frozenset(("events",))  # a transactions meter's
_DAY_KEYS = frozenset(("daily", "elements"))  # a count or snapshot meter's that the path reads
_ELEMENT_KEYS = frozenset(("of", "used"))
_DAY_COUNT_KEYS = frozenset(("count", "disabled"))
_READ_KINDS = frozenset((Figure, int))  # figures checked when read, and whole numbers
_TEXT_KIND = {str}
_INT_KIND = {int}
_KEYS = frozenset((str, int, Decimal, Figure))  # readings kept by the value written
_POLICY_KEYS = frozenset(("on", "policy"))
_CAP_KEYS = frozenset(("on", "cap"))
_PAY_KEYS = frozenset(("on", "pay"))
_REDEEM_KEYS = frozenset(("on", "redeem"))
_ADD_ON_KEYS = (frozenset(("on", "add_on")), frozenset(("on", "add_on", "quantity")))
_CHANGE_KEYS = frozenset(("on", "change_plan", "by", "commitment", "deposit"))
_SPAN_KEYS = frozenset(("intervals", "daily", "elements"))  # a count meter's
_SAMPLE_KEYS = frozenset(("snapshots", "daily", "elements"))  # a snapshots meter's
_INTERVAL_KEYS = frozenset(("from", "to", "count", "disabled"))
_DAY = dt.timedelta(days=1)
_DAY_SECONDS = Decimal(86_400)
_SECONDS = 86_400
_ONE = Decimal(1)
# A bill's values from an `Outcome` (`o`) of the period PERIOD, and its charge lines' from a
# `Line`: `_Runner.bill_of` makes the bills, and `_Runner.json_lines` writes their JSON straight
# from the outcomes, by this one table (`_Runner.outputs`); a field not named takes its default.
_BILL_VALUES = {"account": "o[0]", "plan": "o[2]", "period": "PERIOD", "currency": "CURRENCY",
                "lines": "o[5]", "total": "o[4]", "decisions": "worded(o)",
                "next_plan": "o[3]", "messages": "messages(o)"}
_LINE_VALUES = {"kind": "o[0]", "item": "o[1]", "plan": "o[2]", "period": "PERIOD",
                "quantity": "o[3]", "unit": "unit(o)", "unit_price": "o[4]", "amount": "o[5]",
                "rule": "o[6]"}
# …and its decisions' from a `Ruling` worded (`_Runner.worded`)
_DECISION_VALUES = {"kind": "o[0]", "subject": "o[1]", "date": "o[2]", "outcome": "o[3]",
                    "reasons": "o[6]", "rule": "o[4]", "effective": "o[5]",
                    "lowest_plan": "o[7]"}
# An explained bill's lines and decisions carry their steps: a `Line`'s eighth item (a fee
# line's `steps`: `_Runner.line_steps`), a worded decision's ninth
_EXPLAINED_VALUES = ({**_LINE_VALUES, "steps": "line_steps(o)"},
                     {**_DECISION_VALUES, "steps": "o[8]"})


class CompiledCatalog:
    """A catalog compiled for batch billing; `runner(periods)` gives the per-account function."""

    def __init__(self, catalog: Catalog):
        self.catalog = catalog
        self.reason = _unsupported(catalog)  # why the compiled path is off, or None
        self._runners: dict[tuple[str, ...], Any] = {}
        # a catalog priced in several currencies: the compiled catalog of each (`compile_catalog`)
        self.priced: dict[str, CompiledCatalog] = {}

    # ---- the public entry points ----
    @exact
    def bill_periods(self, record: dict, periods: Sequence[str]) -> list[Outcome]:
        """Bill `record` (an account as JSON gives it, numbers exact) for `periods` in order."""
        key = tuple(periods)
        runner = self._runners.get(key) or self._runner(key)
        return runner.bill_record(record)  # (in EXACT already: not entered again)

    @exact
    def bill(self, record: dict, period: str) -> Outcome:
        return self.bill_periods(record, (period,))[0]

    @exact
    def runner(self, periods: Iterable[str]):
        """The function billing one account record for these periods: record -> [Outcome].
        Its `batch(records)` bills many records at once."""
        return self._runner(tuple(periods))

    def _runner(self, key: tuple[str, ...]):
        runner = self._runners.get(key)
        if runner is None:
            runner = self._runners[key] = self._make_runner(key)
        return runner

    @exact
    def bill_batch(self, records: Iterable[dict], periods: Sequence[str]) -> list[Outcome]:
        """Bill many records for `periods`: every outcome, record after record."""
        return self.runner(periods).batch(records)

    @exact
    def interpret(self, record: dict, periods: Sequence[str]) -> list[Bill]:
        """The interpreter's bills for `record` (raises PlanlangError for a bad account)."""
        from planlang.engine.evaluate import evaluate_periods
        from planlang.engine.load import account_from
        from planlang.inputs.documents import Document
        from planlang.source import Source

        document = Document(Source("<account>", ""))
        document.data = record
        prepared = account_from(document, self.catalog, data=record)
        return evaluate_periods(self.catalog, prepared, list(periods))

    def _fallback(self, record: dict, periods: tuple[str, ...]) -> list[Outcome]:
        return _outcomes_of(self.interpret(record, periods))

    def _make_runner(self, periods: tuple[str, ...]):
        if self.priced:
            return _ByCurrency({currency: compiled._runner_of(periods)
                                for currency, compiled in self.priced.items()},
                               self.catalog.currency)
        return self._runner_of(periods)

    def _runner_of(self, periods: tuple[str, ...]):
        """The runner of this catalog's own currency."""
        try:
            parsed = [Period.parse(p) for p in periods]
        except ValueError as error:
            raise PlanlangError([Diagnostic("PL420", str(error))]) from None
        if self.reason is None and parsed:
            try:
                return _Runner(self, parsed)
            except _Unsupported as error:
                self.reason = str(error)
        return _Interpreted(self, periods)


def compile_catalog(catalog: Catalog) -> CompiledCatalog:
    """Compile `catalog` for batch billing (see the module's documentation). A catalog priced in
    several currencies is compiled once per currency, each from that currency's `Catalog` (the
    same rules, its amounts), and its runners bill each record by its `currency`'s."""
    if not catalog.priced:
        return CompiledCatalog(catalog)
    priced = {currency: CompiledCatalog(view) for currency, view in catalog.priced.items()}
    own = priced[catalog.currency]
    own.priced = priced
    return own


# ---- what the compiled path covers, field by field of the model -------------------------------
#
# Every field of every class of `planlang/model.py` says here how the compiled path handles it
# (`tests/test_engine_modes.py` fails for a field left out, so a new field must say it):
#
# - COMPUTED: the compiled path bills it, with the rules of `engine/rules.py`;
# - WORDING: a name, label or rule reference, carried into the bills or their wording;
# - BY_ACCOUNT: it matters only for account data the compiled path never takes (uptime, plan
#   changes, requests, quota usage: keys outside `_ACCOUNT_KEYS` or a timeline event other than a
#   status), which goes to the interpreter record by record;
# - OUTSIDE: a part of a construct that the field holding it keeps off the compiled path;
# - Only(test, why): the compiled path bills the catalog only when every such field's value
#   passes `test`; otherwise the interpreter bills it, and `why` says so (`CompiledCatalog.reason`).


class Only:
    """The compiled path covers the field only for values passing `test`."""

    def __init__(self, test: Callable[[Any], bool], why: str):
        self.test = test
        self.why = why


COMPUTED, WORDING, BY_ACCOUNT, OUTSIDE = "computed", "wording", "by account", "outside"


def _fields(names: str, handling: Any) -> dict[str, Any]:
    return dict.fromkeys(names.split(), handling)


def _unset(value: Any) -> bool:
    return not value  # None, False, empty



HANDLING: dict[type, dict[str, Any]] = {
    Catalog: {
        **_fields("name path suspension_rule", WORDING),
        **_fields("currency units meters plans ladders suspended_not_billed uptime_step slas",
                  COMPUTED),
        # the billing calendar's steps fall in the month after a billed one, on its invoice: a
        # walk reaching such a month with an invoice owed goes to the interpreter (`walk`)
        "calendar": COMPUTED,
        "changes": BY_ACCOUNT,
        "records": Only(_unset, "daily billing records"),
        # redeemed on the timeline (`_Runner.walk`), taken off a bill by `coupons.discount_lines`
        "coupons": BY_ACCOUNT,
        # drawn day by day (`rules.pool_draw`) in the general walk (`_Runner.pool_overs`)
        "pools": COMPUTED,
        "add_ons": COMPUTED,
        "products": BY_ACCOUNT,
        "discounts": Only(_unset, "daily billing records"),
        # usage decided event by event (`quota.decided_items`): `_Runner.consume`
        "quotas": COMPUTED,
        # the record's `currency` picks the catalog it is billed on: `compile_catalog` compiles
        # each currency's (`priced`), and `_ByCurrency` hands each record to its runner
        "currencies": COMPUTED, "priced": BY_ACCOUNT,
    },
    Meter: {
        **_fields("name round_unit rule", WORDING),
        # day figures (`daily`) of any meter, usage events; intervals of elements and
        # snapshots go to the interpreter record by record (`_Meter`)
        # (a transactions meter's payments: each month's, read by `_Runner.payments_in`,
        # priced and bounded by `charges.payment_lines`)
        **_fields("unit source include_disabled daily monthly round_direction round_step",
                  COMPUTED),
    },
    Plan: {
        **_fields("name fee_rule sla_rule commitment_rule", WORDING),
        # a fee per seat: the month's fee lines from the seats' day figures (`_Runner.seat_days`,
        # `timeline.fee_lines`), in the general walk (the generated months give it the record)
        **_fields("fee items sla seat_item", COMPUTED),
        "seat_label": WORDING,
        # bounds on a month's charges: `charges.spend_bounds`, in the general walk
        **_fields("minimum_spend spend_cap pools", COMPUTED),
        # charged on a change of plan, which the timeline holds (`charges.setup_lines`)
        "setup_fee": BY_ACCOUNT, "setup_fee_rule": WORDING,
        **_fields("minimum_spend_rule spend_cap_rule", WORDING),
        **_fields("rank commitment_months", BY_ACCOUNT),
    },
    ItemTerms: {
        **_fields("item block_label included_rule price_rule maximum_rule limit_rule "
                  "extend_rule unlimited_rule cap_rule element_rules", WORDING),
        # (per-element limits bound `store` requests, `decisions.decide_store`; they count in
        # `ItemTerms.ceiling`)
        **_fields("included extendable price block maximum limit unlimited element_limits "
                  "bands tiering", COMPUTED),
        "customer_cap": COMPUTED,
        **_fields("minimum removals_refunded minimum_charge charge_cap", COMPUTED),
        **_fields("minimum_rule removal_rule minimum_charge_rule charge_cap_rule", WORDING),
        # the bounds of each payment of a transactions meter: `_Runner.payment_lines`
        **_fields("transaction_minimum transaction_cap", COMPUTED),
        **_fields("transaction_minimum_rule transaction_cap_rule", WORDING),
    },
    Ladder: {
        **_fields("name rule up_rule down_rule overflow_rule", WORDING),
        **_fields("tiers item up down_periods overflow_plan overflow_block", COMPUTED),
    },
    RuleRef: _fields("file line text", WORDING),
    Pool: {**_fields("members unit", COMPUTED), **_fields("name rule", WORDING)},
    # bought on the account (`add_ons`, timeline events): `addons.add_on_lines` and
    # `addons.included`, in the general walk (the generated months give it the record)
    AddOn: {**_fields("fee unit plans includes removals_refunded", COMPUTED),
            **_fields("name rule available_rule include_rules removal_rule", WORDING)},
    # which plans a change may move between (`changes.decide_change`): the timeline's
    Product: {"plans": BY_ACCOUNT, **_fields("name rule", WORDING)},
    Coupon: {**_fields("percent amount target items term months", BY_ACCOUNT),
             **_fields("name rule", WORDING)},
    SlaLevel: {"refunds": COMPUTED, **_fields("name rule", WORDING)},
    Refund: {**_fields("percent band", COMPUTED), "rule": WORDING},
    Band: _fields("low low_inclusive high high_inclusive", COMPUTED),
    PriceBand: {**_fields("upto price block flat", COMPUTED), **_fields("block_label rule",
                                                                        WORDING),
                # a percentage of payments (its `price` is per minor unit: `band_lines`)
                "rate": COMPUTED},
    # plan changes and their requirements need a timeline's change events; requests, the
    # account's requests
    ChangeRule: _fields("source_kind source target_kind target roles effective charge refund "
                        "deposit requirements rule specificity whole_month", BY_ACCOUNT),
    Requirement: _fields("item op amount message rule", BY_ACCOUNT),
    # (an `auto_upgrade` that happens changes the plan: the interpreter's walk)
    QuotaRule: {**_fields("item slack notifications policies default_policy", COMPUTED),
                **_fields("rule slack_rule policy_rule", WORDING)},
    Notification: {"remaining": COMPUTED, **_fields("who rule", WORDING)},
    # held by `Catalog.records` and `.discounts`: the interpreter's
    # (the calendar's steps: only for an invoice owed, which sends the walk to the interpreter)
    Calendar: {**_fields("invoice_day charge_day due_day reminder_day downgrade_day downgrade_plan "
                         "restore", COMPUTED), "rules": WORDING},
    RecordRule: _fields("name price per_label unit_price basis statuses to_statuses source "
                        "allowance round_step rounded_name labels rule monthly region", OUTSIDE),
    DiscountRule: _fields("name kind record amount percent rule", OUTSIDE),
}


def _unsupported(catalog: Catalog) -> str | None:
    """Why the compiled path cannot bill this catalog's accounts, or None when it can: the first
    field (`HANDLING`) whose value it does not cover, in the model's order."""
    return _outside(catalog, {})


def _outside(value: Any, where: dict[str, str]) -> str | None:
    handling = HANDLING[type(value)]
    if isinstance(value, (Meter, Plan, Ladder)):
        where = {**where, type(value).__name__.lower(): value.name, "name": value.name}
    elif isinstance(value, ItemTerms):
        where = {**where, "item": value.item}
    fields = [(handling[f.name], getattr(value, f.name)) for f in attrs.fields(type(value))]
    for how, held in fields:  # its own fields first, then the parts it holds
        if isinstance(how, Only) and not how.test(held):
            return how.why.format(**where)
    for how, held in fields:
        if how is COMPUTED:
            for part in held.values() if isinstance(held, dict) else (
                    held if isinstance(held, tuple) else (held,)):
                if type(part) in HANDLING:
                    why = _outside(part, where)
                    if why is not None:
                        return why
    return None


class _FeeLine(Line):
    """A fee line worded by `timeline.fee_lines` (a month whose plan changed, or any month's in
    an explained bill), with its `unit` (`day of 30`) and its `steps`: a `Line`, equal to one
    with the same figures."""

    unit: str
    steps: tuple


class _Told:
    """What an explained walk keeps of a record besides its figures, to word its steps: each
    meter's data, its day figures of each month as the one reading of the figures gave them
    (`_Runner.figures`: a month's figures are read once, for the bill and its steps) and the
    measurements worded so far (both keyed month * width + meter, as the figures are)."""

    __slots__ = ("data", "days", "measured")

    def __init__(self):
        self.data: dict[str, Any] = {}
        self.days: dict[int, Any] = {}
        self.measured: dict[int, tuple] = {}


class _Tier:
    """What the month loop needs of one plan, precomputed."""

    __slots__ = ("name", "plan", "fee", "items", "ladder", "index", "rung", "addon", "sla",
                 "quotas", "limits", "unoffered", "bounded", "pools", "paid")

    def __init__(self, plan: Plan):
        self.plan = plan
        self.name = plan.name
        self.fee = plan.fee
        self.items: tuple = ()
        self.ladder: Any = None
        self.index = 0
        self.rung: rules.Rung | None = None  # its moves on its ladder, in the meter's unit
        self.addon: Any = None  # the add-ons' fee and line rule, above the ladder's top
        self.sla: tuple | None = None  # its SLA level's refunds, when it has any
        self.quotas: dict[str, _Quota | None] = {}  # each item decided event by event: its terms
        self.limits: dict[str, tuple] = {}  # item: (the rule an over-limit decision names, peak)
        # the priced meters the plan does not offer, (index, item): usage of them is reported
        self.unoffered: tuple = ()
        # the pools the plan includes: (the pool, its amount and its members' rates in the
        # meter's unit, as Decimals), drawn by `_Runner.pool_overs`
        self.pools: tuple = ()
        # the items measured by transactions meters: their payments' lines (`payment_lines`)
        self.paid: frozenset[str] = frozenset()
        # whether a month's charges are bounded (a minimum or a cap: `charges.spend_bounds`)
        self.bounded = (plan.minimum_spend is not None or plan.spend_cap is not None or any(
            t.minimum_charge is not None or t.charge_cap is not None for t in plan.items.values()))


class _Quota:
    """A plan's terms for an item whose usage is decided event by event (`engine/quota.py`), in
    the meter's unit: its quota (None: none), the quota's rule and slack, and its notifications
    with the use at which each is due (`rules.notice_threshold`)."""

    __slots__ = ("terms", "quota", "rule", "slack", "notices", "upgrade")

    def __init__(self, catalog: Catalog, plan: Plan, terms: ItemTerms, scale: Callable):
        rule = catalog.quotas.get(terms.item)
        self.terms = terms
        self.rule = rule
        self.quota = None if terms.limit is None else scale(terms.limit)
        self.slack = exact_decimal(rule.slack) if rule is not None else _ZERO
        # each notification's index and the use at which it is due, in the meter's unit
        self.notices = tuple((index, scale(threshold))
                             for index, threshold in thresholds_of(rule, terms.limit))
        if self.quota is None and terms.limit is not None or self.slack is None or any(
                threshold is None for _, threshold in self.notices):
            raise _Unsupported(f"`{plan.name}` has a quota in awkward units")
        # the plan `auto_upgrade` would move to, when that policy may apply
        self.upgrade = None
        if rule is not None and "auto_upgrade" in rule.policies and terms.limit is not None:
            self.upgrade = catalog.next_plan(plan.name)


class _Meter:
    """What the month loop needs of one meter: how its figures are read and measured.

    Its data is read from day figures (`daily`: a number, `15.3 GB`, or for a count meter
    `{count, disabled}`) and, for a usage meter, usage events (summed per UTC day, or their
    largest with `daily maximum`), a day's figure replacing its events; anything else (intervals
    of elements, snapshots) goes to the interpreter. A period's figure is `rules.metered` of the
    day figures' total and highest (`figure`), or for a meter with no monthly step, the highest
    day (what the plan's ceiling is compared with)."""

    __slots__ = ("offset", "unit", "usage", "keys", "spans", "sampled", "averaged", "counted",
                 "subtract", "largest", "monthly", "direction", "step", "plain", "peak", "paid")

    def __init__(self, offset: int, meter: Meter):
        self.offset = offset
        self.unit = meter.unit
        self.usage = usage = meter.source in ("usage", "transactions")
        self.keys = (_PAYMENT_KEYS if meter.source == "transactions" else _METER_KEYS if usage
                     else _DAY_KEYS)
        # a payment is money in whole minor units of the catalog's currency (the meter's unit)
        self.paid = meter.unit.name if meter.source == "transactions" else None
        self.counted = meter.source == "count"  # its day figures may be `{count, disabled}`
        # intervals: the time-weighted average of a day, then the period's sum or average, or
        # its highest day (no monthly step); or a day's highest level (`daily maximum`), then
        # any monthly step; an average's highest day: the interpreter's
        self.spans = self.counted and (meter.daily == "maximum" or meter.monthly != "maximum")
        self.sampled = meter.source == "snapshots"  # its snapshots: a day's average or maximum
        self.averaged = meter.daily != "maximum"
        self.subtract = self.counted and not meter.include_disabled
        self.largest = usage and meter.daily == "maximum"  # a day's largest usage event
        self.monthly = meter.monthly
        self.direction = meter.round_direction
        self.step = None
        if self.direction is not None:
            self.step = exact_decimal(meter.unit.from_base(meter.round_step))
            if self.step is None:
                raise _Unsupported(f"meter `{meter.name}` rounds in awkward units")
        self.peak = meter.monthly is None
        self.plain = not self.peak and meter.monthly in (None, "sum") and self.direction is None

    def figure(self, days: int, total: Any, highest: Any, scale: int = 1) -> Decimal:
        """The period's figure from its day figures' `total` (in units × `scale`) and highest
        (in units), the period having `days` days. Snapshots' totals are Fractions (a day's
        average of any number of them): their figure is worked out in Fractions, then taken
        as a Decimal when it is one exactly (rounded, it always is; else: the interpreter)."""
        if type(total) is Fraction:
            value = highest if self.peak else rules.metered(
                self.monthly, total, highest, days, self.direction,
                None if self.step is None else Fraction(self.step))
            exact = exact_decimal(value)
            if exact is None:
                raise _Interpret
            return exact
        if self.peak:
            return highest
        if scale != 1 and self.monthly != "maximum":  # (the highest day is in units)
            # exact or not at all (Inexact, an ArithmeticError: the interpreter)
            step = None if self.step is None else self.step * scale
            return rules.metered(self.monthly, total, highest, days, self.direction,
                                 step) / scale
        if self.plain:
            return total
        return rules.metered(self.monthly, total, highest, days, self.direction, self.step)


# records billed by `_Runner.batch` between two of the collector's passes over the young objects
_YOUNG = 1000


class _Runner:
    """The month loop for one list of periods, with every per-period constant computed once."""

    def __init__(self, compiled: CompiledCatalog, periods: list[Period]):
        self.compiled = compiled
        catalog = compiled.catalog
        self.catalog = catalog
        self.asked = tuple(str(p) for p in periods)
        wanted = sorted(set(periods))
        self.suspend = catalog.suspended_not_billed
        self.suspension_rule = catalog.suspension_rule
        self.calendar = catalog.calendar
        # the billing calendar's steps for an invoice unpaid at a month's start, with an
        # automatic charge and paid by hand (`dunning.calendar_steps`)
        self.calendar_steps = {automatic: tuple(calendar_steps(catalog.calendar, automatic))
                               for automatic in (True, False)} if catalog.calendar else {}
        self.currency = catalog.currency
        # meters: name -> (index, unit factor) ; per-unit conversions of written amounts
        self.meter_names = list(catalog.meters)
        self.meter_index = {name: i for i, name in enumerate(self.meter_names)}
        self.width = max(1, len(self.meter_names))  # figures are keyed month * width + meter
        self.meter_units = {name: m.unit for name, m in catalog.meters.items()}
        self.meters = {name: _Meter(i, m) for i, (name, m) in enumerate(catalog.meters.items())}
        # the items whose usage is decided event by event (quotas, customer caps), in the order
        # the interpreter takes them
        self.decided = tuple(decided_items(catalog))
        self.month_days: dict[int, int] = {}
        # each month of the run with the days of it written `2026-11-05`
        self.day_sets = tuple(
            (month, frozenset(day.isoformat() for day in _period(month).dates()))
            for month in range(_month(min(periods)), _month(max(periods)) + 1))
        # and the same days in order (day figures given for every day, in order, are the
        # month's figures as an explanation lists them)
        self.day_lists = {month: sorted(days) for month, days in self.day_sets}
        self.unit_cache: dict[tuple[str, str], Decimal | None] = {}
        self.tiers: dict[str, _Tier] = {}
        # for bills: each extra's unit (its block, `10 GB`) and each meter's figures written out
        self.line_units = {(plan.name, name): terms.block_label for plan in catalog.plans
                           for name, terms in plan.items.items()}
        self.shows = {name: _shown(m.unit.name) for name, m in catalog.meters.items()}
        self.made: dict[tuple[str, bool], tuple] = {}  # by period, explained or not: `outputs`
        self.explained: dict[int, dict[str, Line]] = {}  # by month: `explained_fees`
        # figures in the unit each meter rounds to (what an over-limit decision states)
        self.round_shows = {name: _shown(m.round_unit.name, None if m.round_unit.factor
                                         == m.unit.factor else m.unit.factor / m.round_unit.factor)
                            for name, m in catalog.meters.items()}
        self.day_numbers: dict[int, range] = {}  # each month's days, 1 to 30: `measurement`
        for plan in catalog.plans:
            tier = _Tier(plan)
            items = []
            ladder = catalog.ladder_of(plan.name)
            pools = []
            for pool_name, (share, _) in plan.pools.items():
                pool = catalog.pools[pool_name]
                amount = exact_decimal(pool.unit.from_base(share))
                rates = tuple(exact_decimal(rate) for _, rate in pool.members)
                if amount is None or None in rates:
                    raise _Unsupported(f"pool `{pool_name}` in awkward units")
                pools.append((pool, amount, rates))
            tier.pools = tuple(pools)
            tier.paid = frozenset(name for name in plan.items
                                  if catalog.meters[name].source == "transactions")
            tier.unoffered = tuple(
                (self.meter_index[name], name) for name in self.meter_names
                if name not in plan.items and catalog.meters[name].monthly is not None)
            for name in self.meter_names:
                terms = plan.items.get(name)
                if terms is None:
                    continue
                unit = catalog.meters[name].unit
                scale = lambda v, u=unit: exact_decimal(u.from_base(v))  # noqa: E731
                included = scale(terms.included)
                ceiling = terms.ceiling()
                on_ladder = ladder is not None and ladder.item == name
                block = scale(terms.block)
                if included is None or block is None or (ceiling is not None
                                                         and scale(ceiling) is None):
                    raise _Unsupported(f"`{plan.name}` has limits in awkward units")
                meter = catalog.meters[name]
                priced: bool | tuple  # (a tiered price's bands)
                if meter.monthly is None:  # measured for its highest day against the ceiling
                    priced = False
                    if meter.source != "count":
                        ceiling = None
                elif meter.source == "transactions":  # its bands, beside `payment_lines`
                    priced = ()
                else:
                    priced = terms.extendable and terms.price is not None
                if terms.bands and meter.monthly is not None:  # a tiered price, in the meter's unit
                    ends = [None if band.upto is None else scale(band.upto)
                            for band in terms.bands]
                    blocks = [scale(band.block) for band in terms.bands]
                    if None in blocks or any(end is None and band.upto is not None
                                             for end, band in zip(ends, terms.bands, strict=True)):
                        raise _Unsupported(f"`{plan.name}` has bands in awkward units")
                    priced = tuple(zip(ends, (band.price for band in terms.bands), blocks,
                                       (band.flat for band in terms.bands), strict=True))
                items.append((self.meter_index[name], name, included,
                              None if on_ladder or ceiling is None else scale(ceiling),
                              priced, terms.price, block, terms.price_rule))
                tier.limits[name] = (over_limit_rule(terms, peak=meter.monthly is None),
                                     meter.monthly is None)
            tier.items = tuple(items)
            tier.ladder = ladder
            if plan.sla is not None and catalog.slas[plan.sla].refunds:
                tier.sla = catalog.slas[plan.sla].refunds
            for name in self.decided:
                terms = plan.items.get(name)
                unit = catalog.meters[name].unit
                tier.quotas[name] = None if terms is None else _Quota(
                    catalog, plan, terms, lambda v, u=unit: exact_decimal(u.from_base(v)))
            self.tiers[plan.name] = tier
        # the meters whose day figures an explanation may state (`measurement`): an extra's or
        # a tiered price's, a period figure's over a limit, the usage of an item a plan does
        # not offer; an explained walk keeps theirs
        self.stated = frozenset(
            [name for tier in self.tiers.values()
             for _, name, _, ceiling, priced, _, _, _ in tier.items
             if priced or ceiling is not None and not self.meters[name].peak
             or name in tier.paid]
            + [name for tier in self.tiers.values() for _, name in tier.unoffered])
        self.refund_units = {refund.rule: refund_unit(refund) for level in catalog.slas.values()
                             for refund in level.refunds}
        for ladder in catalog.ladders:
            if ladder.item in self.decided:
                raise _Unsupported(f"the ladder's item `{ladder.item}` is decided event by event")
            if not self.meters[ladder.item].plain:  # the ladder reads the unrounded figure
                raise _Unsupported(f"the ladder's item `{ladder.item}` is not a monthly sum")
            unit = catalog.meters[ladder.item].unit
            scale = lambda v, u=unit: exact_decimal(u.from_base(v))  # noqa: E731
            for name, rung in rules.rungs(catalog, ladder, scale).items():
                tier = self.tiers[name]
                tier.index = self.meter_index[ladder.item]
                tier.rung = rung
                if rung.overflow is not None:  # the add-ons' fee and the rule of their line
                    addon = catalog.plan(rung.overflow.plan)
                    assert addon is not None
                    tier.addon = (addon.fee, ladder.overflow_rule or addon.fee_rule)
        self.wanted_months = frozenset(_month(p) for p in wanted)
        self.first_month = _month(wanted[0])
        self.last_month = _month(wanted[-1])
        self.asked_months = tuple(_month(p) for p in periods)
        self.nothing = rules.bill_total((), self.currency)  # the total of a month not billed
        self.period_info: dict[int, tuple] = {}
        self.fee_totals: dict[int, Decimal] = {}  # by the id of a fee line kept in `period_info`
        self.day_months: dict[str, int] = {}  # "2026-11-05" -> its month number, days seen valid
        self.since_months: dict[str, int] = {}
        # figures written as text, read (`written`), by the unit they are read in:
        # {"GB": {"15.3 GB": 15.3}}; the generated code looks a text up there before reading it
        self.readings: dict[str, dict[str, Decimal]] = {}
        self.addon_bills: dict[tuple[int, str], dict] = {}  # `addon_bill`, by month and plan
        self.band_parts: dict[tuple[str, str], tuple] = {}  # `band_lines`, by plan and item
        # each transactions item's payments as read in this walk (`payments_of`), with the data
        self.read_payments: dict[str, tuple[Any, list]] = {}
        self.uptime_readings: dict[tuple, tuple[int, Fraction]] = {}  # ("2026-11", "99.9%")
        # A monthly run's month as generated straight-line code (record -> Outcome), and a
        # run of several months as a generated loop over them (record -> [Outcome]): the
        # general walk's steps with this catalog's and these months' constants bound.
        # whether a plan is priced per seat: its month's fee lines made in the walk (`seat_days`)
        self.seated = any(tier.plan.seat_item is not None for tier in self.tiers.values())
        # whether a plan has a setup fee (charged in the walk, on a change of plan)
        self.setups = any(tier.plan.setup_fee is not None for tier in self.tiers.values())
        self.one_month = None
        self.months = None
        if len(self.asked_months) == 1 and not self.decided:
            from planlang.engine.generated import one_month

            self.one_month = one_month(self)
        elif not self.decided and self.calendar is None:
            from planlang.engine.generated import INLINE_PLANS, months

            if len(self.tiers) <= INLINE_PLANS:
                self.months = months(self)

    def info(self, month: int) -> tuple:
        """The constants of a month: its key, last day, next month's first day, fee lines."""
        info = self.period_info.get(month)
        if info is None:
            year, number = divmod(month, 12)
            period = Period(year, number + 1)
            fee_lines = {}
            for name, tier in self.tiers.items():
                amount = rules.prorated_fee(tier.fee, period.days, period.days, self.currency)
                line = fee_lines[name] = _new(Line, ("fee", "plan fee", name, Decimal(1),
                                                     tier.fee, amount, tier.plan.fee_rule))
                self.fee_totals[id(line)] = rules.bill_total((line,), self.currency)
            info = (str(period), period.last_day, period.next().first_day, fee_lines)
            self.period_info[month] = info
        return info

    # ---- per account ----
    def batch(self, records: Iterable[dict]) -> list[Outcome]:
        """Bill every record: their outcomes, record after record, period after period.

        The cyclic garbage collector is paused meanwhile: billing makes no reference cycles, so
        there is nothing for it to find, and its passes over a large batch, the older
        generations' above all, cost more than the billing itself. Reference counting still
        frees everything as usual. What the collector must still do, one pass over each new
        object (the outcomes kept), is done every `_YOUNG` records, while those objects are
        still in the processor's cache: a single pass when the collector resumes would visit
        every outcome of the batch again, long after it was made (on bench/tier.py's 100,000
        accounts, 0.13 µs an account more work for the collector in all). The outcomes are then
        in the collector's middle generation, as after that single pass. With the collector off
        already, it is left so.
        """
        paused = gc.isenabled()
        gc.disable()
        with localcontext(EXACT):
            try:
                if not paused:
                    return self._bill_many(records)
                out: list[Outcome] = []
                records = iter(records)
                while chunk := list(islice(records, _YOUNG)):
                    out += self._bill_many(chunk)
                    gc.collect(0)  # the young objects: this chunk's
                return out
            finally:
                if paused:
                    gc.enable()

    def _bill_many(self, records: Iterable[dict]) -> list[Outcome]:
        """`batch`'s billing, in `money.EXACT`, the collector paused."""
        if self.one_month is not None:  # it falls back by itself
            return self.one_month.batch(records)
        out: list[Outcome] = []
        if self.months is not None:  # it falls back by itself
            months = self.months
            for record in records:
                out += months(record)
            return out
        fallback = self.compiled._fallback
        asked = self.asked
        walk = self.walk
        for record in records:
            try:
                out += walk(record)
            except (_Interpret, ArithmeticError):
                out += fallback(record, asked)
        return out

    def __call__(self, record: dict) -> list[Outcome]:
        """Bill one account record for the runner's periods."""
        with localcontext(EXACT):
            return self.bill_record(record)

    def bill_record(self, record: dict) -> list[Outcome]:
        """`self(record)`, called in `money.EXACT` (as `CompiledCatalog.bill_periods` calls it)."""
        if self.one_month is not None:  # it falls back by itself
            return [self.one_month(record)]
        if self.months is not None:  # it falls back by itself
            return self.months(record)
        try:
            return self.walk(record)
        except (_Interpret, ArithmeticError):  # decimal's errors are ArithmeticErrors
            return self.compiled._fallback(record, self.asked)

    def fallback(self, record: dict) -> Outcome:
        """The interpreter's outcome for a one-month runner."""
        return self.compiled._fallback(record, self.asked)[0]

    def charges(self, tier: _Tier, figures: dict, month: int, fee_line: Line,
                addons: tuple | None, uptime=None, last_day: dt.date | None = None,
                trace: bool = False,
                consumed: dict | None = None, usage: Any = None,
                fees: tuple | None = None, told: _Told | None = None,
                seats: dict | None = None, on_plan: int | None = None,
                limit: Decimal | None = None, split: list | None = None,
                consumed_on: dict | None = None,
                bought: tuple | None = None) -> tuple[tuple, Decimal, tuple]:
        """A billed month's lines and total: the fee, the add-ons decided last month, extras,
        the SLA refund for the month's `uptime` (a Fraction, percent; None: not given); and the
        decisions they make: usage over a plan's limit (the period's figure, or a count's
        highest day, found in the account's `usage`), then the refund (`refund`). The items
        `consumed` (decided event by event) are billed for what was allowed, which their limit
        does not bound. `fees`: the fee lines of a month whose plan changed (`fee_lines`). With
        `told` (an explained walk's), each line carries its steps and so does each decision.
        `seats`: the seats' day figures of a month on a plan priced per seat (`seat_days`), of
        whose fee the refund is a share. `on_plan`: the month's days on the plan (None: all),
        by which a minimum spend is prorated (`charges.spend_bounds`); `limit`: the customer's
        spending limit on usage, if any. `split`: a month whose usage is billed on several
        plans, each on its days (`timeline.usage_plans`), as (their tier, the days); its items
        and its SLA refunds are each of those plans', `tier` the plan the month ends on; the
        items decided event by event are billed on what was allowed on each day
        (`consumed_on`, by item and day). `bought`: the
        add-ons held in the month, their lines and their day quantities (`add_on_bill`), whose
        included amounts each plan's items add (`add_on_included`)."""
        lines: tuple = (fee_line,) if fees is None else fees
        currency = self.currency
        if addons is not None:
            lines += (self.addon_line(addons, told is not None),)
        if bought is not None:
            lines += bought[0]
        decisions: tuple = ()
        parts = [(tier, None)] if split is None else split
        for part, days in parts:
            part_lines, made = self.usage_charges(part, days, tier, figures, month, last_day,
                                                  trace, consumed, usage, told, consumed_on,
                                                  None if bought is None else bought[1])
            lines += part_lines
            decisions += made
        if tier.bounded or limit is not None:  # a minimum, a cap or a limit on the charges
            days_in = self.days_of(month)
            bounded, reached = spend_bounds(self.catalog, tier.plan, str(_period(month)), lines,
                                            days_in if on_plan is None else on_plan, days_in,
                                            limit, last_day)
            lines += self.charge_lines(bounded)
            decisions += tuple(_new(Ruling, (d.kind, d.subject, d.date, d.outcome,
                                             d.reasons[0].code, d.rule, None)
                                    + ((d,) if trace else ())) for d in reached)
        for part, days in parts if uptime is not None else ():
            if part.sla is None:
                continue
            basis = None if seats is None and days is None else seat_fee_basis(
                self.catalog, part.plan, _period(month), seats, days)
            refunded = self.refund(part, uptime, last_day, trace, told, basis)
            if refunded is not None:
                lines += (refunded[0],)
                decisions += (refunded[1],)
        if len(lines) == 1 and fees is None:  # the fee alone: its total worked out once (`info`)
            return lines, self.fee_totals[id(fee_line)], decisions
        return lines, rules.bill_total(lines, currency), decisions

    def usage_charges(self, tier: _Tier, days: tuple | None, last: _Tier, figures: dict,
                      month: int, last_day: dt.date | None, trace: bool, consumed: dict | None,
                      usage: Any, told: _Told | None,
                      consumed_on: dict | None = None,
                      quantities: dict | None = None) -> tuple[tuple, tuple]:
        """A plan's lines and decisions for its items' usage in `month` (`charges`): of the
        whole month, or with `days` (1-based), of those days only, `last` being the plan the
        month ends on (a count's highest day is checked against it alone), as the interpreter's
        `PeriodRun.item_lines` bills them; `quantities`: the add-ons' day quantities, which add
        to the items' included amounts (`add_on_included`)."""
        currency = self.currency
        base = month * self.width
        lines: tuple = ()
        decisions: tuple = ()
        saved = None
        if days is not None:  # the figures of its days, and with `told` their steps
            figures, saved = self.part_figures(tier, days, last, figures, month, usage, told,
                                               consumed, consumed_on)
        pooled = self.pool_overs(tier, usage, month, days) if tier.pools else _NO_FIGURES
        more_included = (_NO_FIGURES if not quantities else
                         self.add_on_included(month, quantities, days))
        for item, item_name, included, ceiling, priced, price, block, rule in tier.items:
            if days is not None and tier is not last and self.meters[item_name].peak:
                continue
            measured = figures.get(base + item, _ZERO)
            more: tuple = ()  # a pooled item's figure is what is beyond the pool
            if item_name in pooled:
                measured, step = pooled[item_name]
                more = (step,)
            billed = (measured, included, block, price)  # the figures an extra is billed on
            if item_name in more_included:  # what the add-ons held include (exactly)
                added, step = more_included[item_name]
                more += (step,)
                billed = (Fraction(measured), Fraction(included) + added, Fraction(block),
                          Fraction(price))
            if over_ceiling(measured, ceiling) and not (consumed and item_name in consumed):
                decisions += (self.over_limit(tier, item_name, measured, ceiling, month,
                                              last_day, usage, trace, told, more),)
            charged_lines: tuple = ()
            if priced.__class__ is tuple:  # a tiered price's bands
                charged_lines = self.band_lines(tier, item_name, priced, measured, month, told,
                                                consumed, more)
                if item_name in tier.paid:  # the payments' fees and bounds
                    charged_lines += self.payment_lines(tier, item_name, usage, month, measured,
                                                        told, days)
            elif priced:
                charged = extra(*billed, currency)
                if charged is not None:
                    blocks, amount = charged
                    if blocks.__class__ is int:  # (billed on Fractions: what add-ons include)
                        blocks = Decimal(blocks)
                    line: tuple = ("extra", item_name, tier.name, blocks, price, amount, rule)
                    if told is not None:
                        line += (self.measurement(item_name, month, measured, told, consumed)
                                 + more + extra_steps(self.round_shows[item_name],
                                               tier.plan.items[item_name],
                                               self.catalog.meters[item_name], billed[1],
                                               billed[0] - billed[1], billed[2], blocks,
                                               amount, currency),)
                    charged_lines = (_new(Line, line),)
            if days is not None and self.meters[item_name].monthly != "sum":
                charged_lines = tuple(self.held(line, len(days), month)
                                      for line in charged_lines)
            lines += charged_lines
        for item, item_name in tier.unoffered:  # usage of an item the plan does not offer
            measured = figures.get(base + item, _ZERO)
            if measured > 0:
                decision = not_offered(self.round_shows[item_name], item_name, tier.plan,
                                       measured, last_day, () if told is None else
                                       self.measurement(item_name, month, measured, told, None))
                decisions += (_new(Ruling, (decision.kind, item_name, last_day, "not-billed",
                                            "not-offered", decision.rule, None)
                                   + ((decision,) if trace else ())),)
        if saved is not None and told is not None:  # the whole month's steps, as they were
            for key, steps in saved.items():
                if steps is None:
                    told.measured.pop(key, None)
                else:
                    told.measured[key] = steps
        return lines, decisions

    def part_figures(self, tier: _Tier, days: tuple, last: _Tier, figures: dict, month: int,
                     usage: Any, told: _Told | None, consumed: dict | None = None,
                     consumed_on: dict | None = None) -> tuple[dict, dict]:
        """The figures of a plan's `days` of `month` (1-based), keyed as `figures` are, for
        its items and those it does not offer (`metering.measure_days`: the day figures of
        those days, the monthly step over them); a count's highest day stays the month's, on
        the plan the month ends on. With `told`, their steps (`measurement`) replace the whole
        month's, which are returned to be put back. An item decided event by event
        (`consumed`) is measured by the use allowed on each day (`consumed_on`)."""
        if usage is not None and type(usage) is not dict:
            raise _Interpret
        base = month * self.width
        out = {base + item: figures.get(base + item, _ZERO) for item, item_name, *_ in tier.items
               if tier is last and self.meters[item_name].peak}
        saved: dict = {}
        for item, item_name in [(i[0], i[1]) for i in tier.items] + list(tier.unoffered):
            meter = self.meters[item_name]
            if meter.peak:
                continue
            if consumed and item_name in consumed:
                values = [(consumed_on or _NO_FIGURES).get((item_name, day), _ZERO)
                          for day in days]
            else:
                values = self.day_values((usage or _NO_FIGURES).get(item_name, _NO_FIGURES),
                                         meter, month)
                values = [values[day - 1] for day in days]
            total = sum(values[1:], values[0])  # (Decimals, or Fractions for part-days)
            out[base + item] = measured = meter.figure(len(values), total, max(values))
            if told is not None:
                key = base + meter.offset
                saved.setdefault(key, told.measured.pop(key, None))
                told.measured[key] = (days_step(_period(month), days),
                                      *self.measurement(item_name, month, measured, told,
                                                        consumed, values))
        return out, saved

    def held(self, line: Line, on: int, month: int) -> Line:
        """A plan's line for a level held `on` days of `month`, charged for them
        (`charges.held_amount`, `held_step`), with its step when it has steps."""
        currency, days = self.currency, self.days_of(month)
        exact, amount = held_amount(line[4], line[3], on, days, currency)
        if type(line) is _FeeLine:
            held_line = _new(_FeeLine, (*line[:5], amount, line[6]))
            held_line.unit = line.unit
            held_line.steps = line.steps and (*line.steps, held_step(exact, on, days, amount,
                                                                       currency))
            return held_line
        steps = () if len(line) < 8 else ((*line[7], held_step(exact, on, days, amount,
                                                               currency)),)
        return _new(Line, (*line[:5], amount, line[6], *steps))

    def band_lines(self, tier: _Tier, item: str, bands: tuple, measured: Decimal, month: int,
                   told: _Told | None, consumed: dict | None, more: tuple = ()) -> tuple:
        """The lines of a tiered price (`rules.tiered`), each with its band's unit and, with
        `told`, its steps (`charges.band_steps`)."""
        terms = tier.plan.items[item]
        volume, parts = self.band_parts_of(tier, item)
        out = []
        for index, quantity, amount, flat in tiered(measured, bands, volume, self.currency):
            out.append(self.band_line(
                parts[index, flat], band_quantity(terms, index, quantity, flat), amount,
                () if told is None else (
                    self.measurement(item, month, measured, told, consumed) + more
                    + band_steps(self.round_shows[item], terms, bands, index, measured,
                                 quantity, amount, flat, self.currency))))
        return tuple(out)

    def band_parts_of(self, tier: _Tier, item: str) -> tuple[bool, dict]:
        """Whether a tiered price is by volume (else graduated), and each band's item, plan,
        price, unit and rule by (band, flat fee or not), kept in `band_parts`."""
        held = self.band_parts.get((tier.name, item))
        if held is None:
            terms = tier.plan.items[item]
            held = self.band_parts[(tier.name, item)] = (terms.tiering != "graduated", {
                (index, flat): (item, tier.name, band_price(terms, index, flat),
                                band_unit(terms, index, flat), terms.bands[index].rule)
                for index in range(len(terms.bands)) for flat in (False, True)})
        return held

    band_line_kind = _FeeLine  # (the generated months make band lines in place, as `band_line`)

    @staticmethod
    def band_line(part: tuple, quantity, amount: Decimal, steps: tuple = ()) -> Line:
        """A tiered price's line (`rules.tiered`'s charge of `quantity` for `amount`) from its
        band's `part` (`band_parts_of`), with its unit and `steps`."""
        item, plan, price, unit, rule = part
        line = _new(_FeeLine, ("tier", item, plan, Decimal(quantity), price, amount, rule))
        line.unit = unit
        line.steps = steps
        return line

    def payment_lines(self, tier: _Tier, item: str, usage, month: int, measured: Decimal,
                      told: _Told | None, days: tuple | None = None) -> tuple:
        """A transactions item's lines beside its bands (`charges.payment_lines`: the fee per
        payment, the payments raised to their minimum or lowered to their cap), from the
        month's payments in the account's `usage` (of its `days` only, 1-based, when given:
        a month split between plans, `metering.measure_days`)."""
        if usage is not None and type(usage) is not dict:
            raise _Interpret
        data = (usage or _NO_FIGURES).get(item, _NO_FIGURES)
        payments = [amount for paid_month, day, amount in self.payments_of(data, item)
                    if paid_month == month and (days is None or day in days)]
        steps = () if told is None else self.measurement(item, month, measured, told, None)
        lines = payment_lines(self.catalog, tier.plan, _period(month), tier.plan.items[item],
                              Measurement(Fraction(measured), Fraction(measured), steps,
                                          tuple(payments)))
        return self.charge_lines(list(lines))

    def payments_of(self, data, item: str) -> list[tuple[int, int, Fraction]]:
        """A transactions meter's payments, (month number, day of the month, amount), each read
        as `event_days` reads usage events; read once for a walk's months (kept with `data`)."""
        held = self.read_payments.get(item)
        if held is not None and held[0] is data:
            return held[1]
        if type(data) is not dict:
            raise _Interpret
        events = data.get("events")
        if not events:
            return []
        if type(events) is not list:
            raise _Interpret
        meter = self.meters[item]
        out = []
        for event in events:
            if type(event) is not dict or event.keys() != _USAGE_EVENT_KEYS:
                raise _Interpret
            value = event["amount"]
            day = _instant(event["on"])[1]
            out.append((day.year * 12 + day.month - 1, day.day, Fraction(
                value if type(value) is Figure else self.checked(value, meter.unit))))
        self.read_payments[item] = (data, out)
        return out

    def addon_line(self, addons: tuple, steps: bool = False) -> Line:
        """The line of the add-on subscriptions decided at the last billed month's end:
        `addons` is (their plan, how many, the fee of one, the line's rule); with `steps`, the
        line carries its computation's steps."""
        addon_plan, count, fee, rule = addons
        amount = line_amount(fee, count, self.currency)
        line: tuple = ("add-on", "add-on subscription", addon_plan, Decimal(count), fee, amount,
                       rule)
        if steps:
            line += (addon_line_steps(addon_plan, count, fee, amount, self.currency),)
        return _new(Line, line)

    def addon_bill(self, month: int, tier: _Tier, count) -> tuple[tuple, Decimal]:
        """A month's lines on `tier` with `count` add-on subscriptions and no other charge, and
        their total, as `charges` makes them: the same for every account, made once per month,
        plan and count and kept in `addon_bills` (where the generated months look them up)."""
        held = self.addon_bills.setdefault((month, tier.name), {})
        bill = held.get(count)
        if bill is None:
            assert tier.rung is not None and tier.rung.overflow is not None
            fee, rule = tier.addon
            lines = (self.info(month)[3][tier.name],
                     self.addon_line((tier.rung.overflow.plan, int(count), fee, rule)))
            bill = held[count] = lines, rules.bill_total(lines, self.currency)
        return bill

    def over_limit(self, tier: _Tier, item: str, measured: Decimal, ceiling: Decimal, month: int,
                   last_day: dt.date | None, usage: Any, trace: bool,
                   told: _Told | None = None, more: tuple = ()) -> Ruling:
        """The decision on usage over a plan's limit (`charges.over_limit_rule`): at the period's
        end for the period's figure; for a count measured by its highest day, on the first day
        it was that high. With `told`, its steps: the period figure's measurement, or the
        highest count."""
        rule, peak = tier.limits[item]
        day = last_day
        if peak:
            day = min(date for date, value in self.day_peaks(usage[item], self.meters[item], month)
                      if value == measured)
        ruling: tuple = ("usage-over-limit", item, day, "exceeded", "over-limit", rule, None)
        if not trace:
            return _new(Ruling, ruling)
        ruling += ((measured, ceiling, tier.name, day if peak else None),)
        if told is not None:
            ruling += (peak_steps(self.shows[item], measured, day) if peak
                       else self.measurement(item, month, measured, told, None) + more,)
        return _new(Ruling, ruling)

    def pool_overs(self, tier: _Tier, usage, month: int,
                   on: tuple | None = None) -> dict[str, tuple]:
        """For each item drawing on a pool the plan includes: its figure beyond the pool (in its
        unit, `rules.pool_draw` of the day figures, `day_values`) and the pool's step
        (`charges.pool_step`)."""
        if usage is not None and type(usage) is not dict:
            raise _Interpret
        out = {}
        for pool, amount, rates in tier.pools:
            days = [self.day_values((usage or _NO_FIGURES).get(member, _NO_FIGURES),
                                    self.meters[member], month) for member, _ in pool.members]
            if on is not None:  # a plan's days of a month split between plans
                days = [[figures[day - 1] for day in on] for figures in days]
            over = rules.pool_draw(days, rates, amount)
            totals = [sum(figures, _ZERO) for figures in days]
            show = _shown(pool.unit.name)
            for (member, _), beyond in zip(pool.members, over, strict=True):
                out[member] = (beyond, pool_step(pool, amount, totals, beyond, member, show))
        return out

    def seat_days(self, usage, month: int, segments: list) -> dict[str, list] | None:
        """The seats' figure of each day of `month`, by item, in the meter's unit, for the plans
        of the month's `segments` priced per seat (None when none is), read as `figures`
        reads them (`day_values`)."""
        items = {item for item in (self.tiers[seg.plan].plan.seat_item for seg in segments)
                 if item is not None}
        if not items:
            return None
        if usage is not None and type(usage) is not dict:
            raise _Interpret
        return {item: self.day_values((usage or _NO_FIGURES).get(item, _NO_FIGURES),
                                      self.meters[item], month) for item in items}

    def day_values(self, data, meter: _Meter, month: int) -> list:
        """A meter's figure of each day of `month`, in order (0 for a day without one), from
        its data as `meter_months` reads it: Decimals, or Fractions where a count's part-days
        are."""
        by_day: dict[int, Any] = {}
        self.meter_months(data, meter, month, month, by_day)
        daily = by_day.get(month, _NO_FIGURES)
        values = self.in_order(daily, month)
        return [_ZERO + value for value in values] if values is daily else values

    def in_order(self, daily: Any, month: int) -> list:
        """A month's day figures as `meter_months` keeps them (`by_day`), as the list of each
        day's figure in order (0 for a day without one): the list kept when every day was given
        in order (the numbers read: whole, or Decimals), else Decimals, or Fractions where a
        count's part-days are."""
        if type(daily) is list:
            return daily
        numbers = self.day_numbers.get(month)
        if numbers is None:
            numbers = self.day_numbers[month] = range(1, self.days_of(month) + 1)
        if any(type(v) is Fraction for v in daily.values()):  # a count's part-days
            return [Fraction(daily.get(day, 0)) for day in numbers]
        return [daily.get(day, _ZERO) for day in numbers]

    def measurement(self, item: str, month: int, measured: Decimal, told: _Told,
                    consumed: dict | None, values: list | None = None) -> tuple:
        """The steps of a meter's figure `measured` for `month` (`metering.measure_steps`) from
        the day figures an explained walk kept (`told`); an item decided event by event
        (`consumed`) is measured by the use allowed, as the interpreter measures it. `values`:
        the day figures measured, when they are some of the month's (not kept)."""
        meter = self.meters[item]
        key = month * self.width + meter.offset
        steps = None if values is not None else told.measured.get(key)
        if steps is None:
            model = self.catalog.meters[item]
            data = told.data.get(item, _NO_FIGURES)
            sources = source_texts(len(data.get("intervals", ())), len(data.get("daily", ())),
                                   len(data.get("snapshots", ())), len(data.get("events", ())),
                                   model.source == "transactions")
            daily: Any
            if consumed and item in consumed:
                daily = {1: consumed[item]}
                sources += ("usage allowed by the quota",)
            else:  # the month's day figures, kept when `figures` read them
                daily = told.days.get(key, _NO_FIGURES)
            kept = values is None
            if values is None:
                values = self.in_order(daily, month)
            total = sum(values)
            raw = (total if model.monthly in (None, "sum") else rules.monthly(
                model.monthly, Fraction(total),
                Fraction(max(values)) if model.monthly == "maximum" else None, len(values)))
            steps = measure_steps(model, sources, values, total, raw, measured, _same)
            if kept:
                told.measured[key] = steps
        return steps

    def day_peaks(self, data: dict, meter: _Meter, month: int) -> list[tuple[dt.date, Any]]:
        """A count meter's highest level on each day of `month` with elements (a day's figure
        given replacing it), as the account reader and `metering.daily_peaks` give them."""
        period = _period(month)
        given = {date: value for date, value
                 in self.day_figures(data.get("daily", _NO_FIGURES), meter).items()
                 if period.first_day <= date <= period.last_day}
        if "intervals" not in data:
            return list(given.items())
        changes = self.changes(data["intervals"], meter)
        index, level = _level_before(changes, period.start)
        dates = period.dates()
        bounds = [period.start + day * _DAY for day in range(len(dates) + 1)]
        return [(date, given.get(date, peak)) for date, (_, peak)
                in zip(dates, level_spans(changes, index, level, bounds), strict=True)]

    def fee_lines(self, period: Period, segments: list, seats: dict | None = None) -> tuple:
        """The fee lines of a month whose plan changed, or of a plan priced per seat (`seats`:
        the seats' day figures, `seat_days`): `timeline.fee_lines`, the interpreter's, as
        `Line`s (each keeping its unit, which a prorated fee's `day of 30` is, and its
        steps)."""
        return self.charge_lines(fee_lines(self.catalog, period, segments, seats))

    @staticmethod
    def charge_lines(lines: list) -> tuple:
        """The interpreter's `ChargeLine`s as `Line`s, each keeping its unit and steps."""
        out = []
        for line in lines:
            fee = _new(_FeeLine, (line.kind, line.item, line.plan, line.quantity,
                                  line.unit_price, line.amount, line.rule))
            fee.unit = line.unit
            fee.steps = line.steps
            out.append(fee)
        return tuple(out)

    def explained_fees(self, month: int) -> dict[str, Line]:
        """Each plan's fee line for a month on it alone, with its steps (`timeline.fee_lines`),
        made once per month and shared by every explained bill, as `info`'s are by the others."""
        held = self.explained.get(month)
        if held is None:
            period = _period(month)
            held = self.explained[month] = {}
            for name in self.tiers:
                line = held[name] = self.fee_lines(period, [Segment(1, name, "start", None)])[0]
                self.fee_totals[id(line)] = rules.bill_total((line,), self.currency)
        return held

    def refund(self, tier: _Tier, uptime: Fraction, last_day: dt.date | None,
               trace: bool = False, told: _Told | None = None,
               basis: Decimal | None = None) -> tuple[Line, Ruling] | None:
        """The SLA refund of a month with `uptime` on a plan whose SLA refunds (`rules.sla_refund`):
        its line and its decision (with `trace`, carrying the refund and the uptime, which its
        reason states), or None when no band holds the uptime."""
        assert tier.sla is not None
        fee = tier.fee if basis is None else basis  # (a fee per seat: the month's, `basis`)
        refunded = rules.sla_refund(tier.sla, uptime, fee, self.currency)
        if refunded is None or refunded[2] == 0:
            return None
        refund, exact_refund, amount = refunded
        line: tuple = ("refund", "SLA refund", tier.name, _ONE, fraction_to_decimal(exact_refund),
                       amount, refund.rule)
        ruling: tuple = ("sla-refund", tier.plan.sla, last_day, "refunded", "uptime-in-band",
                         refund.rule, None)
        if trace:
            ruling += ((refund, uptime),)
        if told is not None:
            assert tier.plan.sla is not None
            steps = refund_steps(uptime, tier.plan.sla, refund, fee, amount, self.currency)
            line += (steps,)
            ruling += (steps,)
        return _new(Line, line), _new(Ruling, ruling)

    def ladder_step(self, tier: _Tier, figures: dict, month: int, history: list,
                    last_day: dt.date, next_first: dt.date, decisions: tuple,
                    trace: bool = False, following: str | None = None,
                    told: _Told | None = None):
        """The ladder's evaluation at a billed month's end: (the plan scheduled for next month
        or None, the decisions with the new ones added, the add-ons for next month or None).
        With `trace`, each decision carries the figures its reason states, as an eighth item;
        with `told`, its steps as a ninth.
        A plan change scheduled for next month (`following`) stands: the ladder only records
        the month's usage."""
        rung = tier.rung
        if rung is None:
            return following, decisions, None
        usage = figures.get(month * self.width + tier.index, _ZERO)
        history.append(usage)
        if following is not None:
            return following, decisions, None
        move = ladder_move(rung, usage, history)
        scheduled = None
        ruling: tuple
        if move is not None:
            scheduled = move.plan
            ruling = ("tier-change", scheduled, last_day, "scheduled", move.kind, move.rule,
                      next_first)
            if trace:
                ruling += (move.figures,)
            if told is not None:
                ruling += (move_steps(self.shows[tier.ladder.item], tier.name, rung, usage,
                                      history, move),)
            decisions += (_new(Ruling, ruling),)
        addons = None
        count = add_ons(rung, usage, scheduled or tier.name)
        if count:
            overflow = rung.overflow
            assert overflow is not None
            fee, rule = tier.addon
            addons = (overflow.plan, int(count), fee, rule)
            ruling = ("add-on", overflow.plan, last_day, "scheduled", "above-top-tier",
                      overflow.rule, next_first)
            if trace:
                stated = rules.addon_figures(overflow, usage, count)
                ruling += (stated,)
                if told is not None:
                    ruling += (addon_steps(self.shows[tier.ladder.item], usage, stated),)
            decisions += (_new(Ruling, ruling),)
        return scheduled, decisions, addons

    # ---- bills, in the interpreter's words ----
    def bills(self, record: dict, explain: bool = False) -> list[Bill]:
        """The record's bills as the interpreter gives them, with their computation steps when
        `explain` (else maybe without): the figures from the compiled walk (the generated month
        for a one-month runner that does not explain), traced, the reasons and steps in the
        interpreter's own words (the wording functions of engine/ladder.py, charges.py,
        metering.py, quota.py and timeline.py); a record outside the compiled path gets the
        interpreter's bills (and a bad one its errors)."""
        with localcontext(EXACT):
            return [self.bill_of(x, explain) if type(x) is Outcome else x
                    for x in self.traced(record, explain)]

    def json_lines(self, record: dict, explain: bool = False) -> list[str]:
        """`results.json_line(bill, steps=explain)` of each of `bills(record, explain)`, byte for
        byte, written straight from the traced outcomes without making the bills (`outputs`)."""
        with localcontext(EXACT):
            return [self.outputs(x[1], explain)[1](x) + "\n" if type(x) is Outcome
                    else json_line(x, explain) for x in self.traced(record, explain)]

    def traced(self, record: dict, explain: bool = False) -> list:
        """The record's outcomes, traced (and explained), from the compiled walk (the generated
        month for a one-month runner, unless explained); for a record outside the compiled
        path the interpreter's bills (and for a bad one its errors)."""
        if self.one_month is not None and not explain:  # it falls back by itself
            outcome = self.one_month(record, True)
            return [outcome if outcome.compiled else outcome[7]]
        if self.months is not None and not explain:  # it falls back by itself
            return [outcome if outcome.compiled else outcome[7]
                    for outcome in self.months(record, True)]
        try:
            return self.walk(record, trace=True, explain=explain)
        except (_Interpret, ArithmeticError):
            return self.compiled.interpret(record, self.asked)

    def bill_of(self, outcome: Outcome, explain: bool = False) -> Bill:
        return self.outputs(outcome.period, explain)[0](outcome)

    def line_unit(self, line: Line) -> str:
        """The unit of a charge line: an SLA refund's, a fee's of a month whose plan changed
        (`day of 30`), an extra's block (`10 GB`), or `month`."""
        if line.kind == "refund":
            return self.refund_units[line.rule]
        if type(line) is _FeeLine:
            return line.unit
        return self.line_units.get((line.plan, line.item), "month")

    @staticmethod
    def line_steps(line: Line) -> tuple:
        """The steps of an explained walk's charge line."""
        return line.steps if type(line) is _FeeLine else line[7]

    def worded(self, outcome: Outcome) -> tuple[tuple, ...]:
        """The outcome's decisions with their reasons in the interpreter's words: (kind, subject,
        date, outcome, rule, effective date, reasons, lowest plan, steps), as `_DECISION_VALUES`
        and `_EXPLAINED_VALUES` read them (the steps an explained walk attached, else none)."""
        decisions = []
        ladder = self.tiers[outcome.plan].ladder
        show = self.shows[ladder.item] if ladder is not None else None  # its meter's figures
        for ruling in outcome.decisions:
            kind, subject, day, result, code, rule, effective = ruling[:7]
            if len(ruling) > 7 and type(ruling[7]) is Decision:  # decided and worded whole:
                decision = ruling[7]  # a plan change, a request, an auto-upgrade's
                decisions.append((kind, subject, day, result, rule, effective,
                                  decision.reasons, decision.lowest_plan, decision.steps))
                continue
            if kind == "tier-change":
                reason = move_reason(show, outcome.plan, Move(code, subject, rule, ruling[7]))
            elif code == "above-top-tier":
                excess, top, count, block = ruling[7]
                reason = addon_reason(show, excess, top, count, subject, block)
            elif kind == "not-billed":
                reason = NOT_BILLED
            elif kind == "sla-refund":
                refund, uptime = ruling[7]
                reason = refund_reason(uptime, refund)
            elif kind == "usage-over-limit":
                measured, ceiling, plan, peak_day = ruling[7]
                reason = over_limit_reason(
                    self.shows[subject] if peak_day is not None else self.round_shows[subject],
                    measured, peak_day, plan, ceiling)
            elif kind == "notification":
                note, plan, after, quota = ruling[7]
                reason = notice_reason(note, plan, after, quota, self.meter_units[subject])
            elif code == "not-available":
                reason = unavailable(subject, ruling[7][0])
            elif kind == "quota-refusal":
                plan, refused, quota, slack, cap, policy, resets = ruling[7]
                reason = refusal_reason(self.shows[subject], refused, plan, quota, slack, cap,
                                        policy, resets)
            else:  # a change of status
                reason = status_reason(result, day)
            decisions.append((kind, subject, day, result, rule, effective, (reason,), None,
                              ruling[8] if len(ruling) > 8 else ()))
        return tuple(decisions)

    def messages_of(self, outcome: Outcome) -> tuple[Decision, ...]:
        messages = []
        for ruling in outcome.messages:
            invoice, day, result, code, rule, _, total = ruling[1:]
            money = format_money(total, self.currency)
            said = issued(invoice, money) if code == "invoice-issued" else charged(invoice, money)
            messages.append(Decision("billing-message", invoice, day, result,
                                     (Reason(code, said),), rule))
        return tuple(messages)

    def outputs(self, period: str, explain: bool = False
                ) -> tuple[Callable[[Outcome], Bill], Callable[[Outcome], str]]:
        """For an outcome of `period`: its `Bill` (`bill_of`), and that bill's JSON form (no line
        break) written straight from the outcome (`json_lines`), both from one table of values,
        `_BILL_VALUES`, `_LINE_VALUES`, `_DECISION_VALUES` (`results.json_maker`,
        `results.json_writer`: the keys, order and hooks of `json_line`), and with `explain`
        the steps too (`_EXPLAINED_VALUES`: an explained walk's outcome). The month's fee
        lines, shared by every account, are written once."""
        made = self.made.get((period, explain))
        if made is None:
            names = {"PERIOD": period, "CURRENCY": self.currency, "unit": self.line_unit,
                     "worded": self.worded, "messages": self.messages_of,
                     "line_steps": self.line_steps}
            line_values, decision_values = (_EXPLAINED_VALUES if explain
                                            else (_LINE_VALUES, _DECISION_VALUES))
            line = json_writer(ChargeLine, explain, line_values, names)
            month = _month(Period.parse(period))
            fees = {id(fee): (fee, line(fee)) for fee in (
                self.explained_fees(month) if explain else self.info(month)[3]).values()}

            def write_line(o: Line) -> str:
                held = fees.get(id(o))
                return held[1] if held is not None and held[0] is o else line(o)

            made = self.made[(period, explain)] = (
                json_maker(Bill, _BILL_VALUES, names,
                           {"lines": json_maker(ChargeLine, line_values, names),
                            "decisions": json_maker(Decision, decision_values, names)}),
                json_writer(Bill, explain, _BILL_VALUES, names,
                            {"lines": write_line,
                             "decisions": json_writer(Decision, explain, decision_values,
                                                      names)}))
        return made

    def walk(self, record: dict, trace: bool = False, explain: bool = False) -> list[Outcome]:
        """Any walk: from the account's first month (`since`, its timeline) to the last asked.
        (`trace`: see `ladder_step`.) With `explain` (and so `trace`), every line and decision
        carries its computation's steps, worded from the walk's own figures by the
        interpreter's wording functions."""
        told = _Told() if explain else None
        trace = trace or explain
        if self.read_payments:  # (read again for each record: its data may have changed)
            self.read_payments.clear()
        if type(record) is not dict or not _ACCOUNT_KEYS.issuperset(record):
            raise _Interpret
        name = record.get("account")
        plan = record.get("plan")
        tier = self.tiers.get(plan) if type(plan) is str else None
        if type(name) is not str or not name or tier is None:
            raise _Interpret
        status = record.get("status", "active")
        if status != "active" and status != "suspended":  # (a list is no status either)
            raise _Interpret
        if "currency" in record and record["currency"] != self.currency:
            raise _Interpret  # another currency's runner bills it, or the interpreter refuses it
        month = self.first_month
        # a key given is read, even when its value is null (the interpreter refuses that)
        if "since" in record:
            since = record["since"]
            since_month = self.since_months.get(since) if type(since) is str else None
            if since_month is None:
                since_month = self.month_of(since)
            month = min(month, since_month)
        events = self.timeline_events(record["timeline"]) if "timeline" in record else []
        if events:
            month = min(month, events[0][1].year * 12 + events[0][1].month - 1)
            for _, _, new in events:  # the invoice a payment pays was billed in the walk
                if type(new) is tuple and new[0] == "pay":
                    month = min(month, self.since_months.get(new[1]) or self.month_of(new[1]))
        figures = (self.figures(record["usage"], month, told) if "usage" in record
                   else _NO_FIGURES)
        uptimes = self.uptimes(record["uptime"]) if "uptime" in record else _NO_FIGURES
        timed = None  # the usage of each item decided event by event, in time order
        if self.decided and "usage" in record:
            timed = self.decided_usage(record["usage"])
        caps = self.caps(record["caps"]) if "caps" in record else _NO_FIGURES
        policy = None
        if "policy" in record:
            policy = record["policy"]
            if type(policy) is not str or policy not in POLICIES:
                raise _Interpret
        history = self.lookback(record["lookback"], tier) if "lookback" in record else []
        holding = self.held_add_ons(record["add_ons"], tier.name) if "add_ons" in record else {}
        limit = self.spending_limit(record["spending_limit"]) if "spending_limit" in record \
            else None
        last = self.last_month
        if last - month >= 1200:
            raise _Interpret  # the interpreter refuses such a walk, with its message
        scheduled = None
        addons = None
        automatic = record.get("automatic_charge", True)
        if automatic is not True and automatic is not False:
            raise _Interpret  # (the reader says what is wrong)
        elements = self.elements(record["usage"]) if "usage" in record else _NO_FIGURES
        requests = (self.requests(record["requests"], elements) if "requests" in record
                    else [])
        owed = None  # the last month's invoice while unpaid: [its period, its total, paid]
        invoices: dict[str, list] = {}  # a billing calendar's invoices by period, as `owed`
        restore = None  # the plan an account downgraded for an unpaid invoice had
        committed = None  # the day a commitment to the plan runs until
        coupons: list[Redeemed] = []  # the coupons redeemed (`coupons.redeem`)
        joining = None  # the plan a change requested last month moves to (its setup fee)
        results = {}
        while month <= last:
            messages: tuple = ()
            key, last_day, next_first, fee_lines = self.period_info.get(month) or self.info(month)
            if told is not None:
                fee_lines = self.explained_fees(month)
            if scheduled is not None:
                tier = self.tiers[scheduled]
            # the add-ons held at the month's start (those the plan it starts on does not offer
            # ended: `addons.ended`), and their changes in it (day, add-on, quantity)
            made_on: list = [self.ruled(d, trace) for d in
                             add_on_rules.ended(self.catalog, holding, tier.name,
                                                _period(month).first_day)] if holding else []
            start_held = dict(holding)
            held_changes: list[tuple[int, str, int]] = []
            # the plans changed to this month (their setup fees): a plan change that took
            # effect at the month's start, then those made in it
            joined: list[tuple[int, str]] = (
                [(1, scheduled)] if scheduled is not None and scheduled == joining else [])
            # (`made_on`: the decisions made on the month's days, in the order made)
            segments = None  # the month's stretches on each plan, once a change takes effect
            following = None  # the plan a change scheduled for next month moves to
            # The month's timeline events and its uses of items decided event by event, in the
            # interpreter's order: by instant, the timeline's before the uses
            # (`PeriodRun.events`), each kind in the order given.
            stream: list[tuple] = []
            while events and events[0][1] <= last_day:
                moment, _, new = events.pop(0)
                stream.append((moment, 1, len(stream), new))
            if owed is not None:  # the calendar's steps for last month's invoice (priority 0)
                year, number = divmod(month, 12)
                stream = sorted(stream + [
                    (dt.datetime(year, number + 1, day, tzinfo=dt.timezone.utc), 0, index, step)
                    for index, (day, step) in enumerate(self.calendar_steps[automatic])],
                    key=itemgetter(0, 1, 2))
            if requests:  # element requests, after the timeline's and the uses (priority 3)
                period = _period(month)
                within = [(request.on, 3, index, request)
                          for index, request in enumerate(requests)
                          if period.start <= request.on < period.end]
                if within:
                    stream = sorted(stream + within, key=itemgetter(0, 1, 2))
            consumed: dict[str, Decimal] | None = None
            if timed:
                consumed = {}
                consumed_on: dict[tuple[str, int], Decimal] = {}  # the same by (item, day)
                notified: dict[tuple[str, str], set[int]] = {}
                uses = self.uses_in(timed, month)
                if uses:
                    stream = sorted(stream + uses, key=itemgetter(0, 1, 2))
            for moment, kind, index, new in stream:
                if kind == 0:  # a calendar step (`dunning.step_happens`, `step_decision`)
                    assert owed is not None and self.calendar is not None
                    if not step_happens(self.calendar, new, owed[2], tier.name):
                        continue
                    if new is CalendarStep.CHARGE:
                        owed[2] = True
                    elif new is CalendarStep.DOWNGRADE:
                        restore, lower = tier.name, self.calendar.downgrade_plan
                        assert lower is not None  # (a downgrade step names its plan)
                        segments = switched(segments or [Segment(1, tier.name, "start", None)],
                                            _period(month), lower, moment, "prorated",
                                            self.calendar.rules["downgrade"])
                        tier = self.tiers[lower]
                    decision = step_decision(self.calendar, new, owed[0],
                                             format_money(owed[1], self.currency), moment.date())
                    said = (decision.kind, owed[0], decision.date, decision.outcome,
                            decision.reasons[0].code, decision.rule, None)
                    if decision.kind == "billing-message":
                        messages += (_new(Ruling, said + (owed[1],)),)
                    else:
                        made_on.append(_new(Ruling, said + (decision,) if trace else said))
                    if new is CalendarStep.DOWNGRADE and holding:  # (after its decision)
                        self.end_add_ons(holding, tier.name, moment, month, trace, made_on,
                                         held_changes)
                elif kind == 3:  # an element request: `decisions.decide_create`, `decide_store`
                    if new.store is None:
                        decision = decide_create(self.catalog, tier.plan, new, self.level_at(
                            record.get("usage"), consumed, new.create, moment))
                    else:
                        kind_of, held = elements[new.store][new.element]
                        amount = self.stored(new)
                        assert amount is not None  # (checked by `requests`)
                        decision = decide_store(self.catalog, tier.plan, new, kind_of, held,
                                                amount)
                    made_on.append(_new(Ruling, (
                        decision.kind, decision.subject, decision.date, decision.outcome,
                        decision.reasons[0].code, decision.rule, None) + (
                        (decision,) if trace else ())))
                elif kind == 2:  # a use: (item, amount)
                    assert consumed is not None
                    item, amount = new
                    while True:  # on the plan of the instant, then on each it moves up to
                        upgrade = self.take(tier, item, amount, moment, index, consumed,
                                            notified, caps, policy, next_first, trace, made_on,
                                            told, consumed_on)
                        if upgrade is None:
                            break
                        amount, higher, charge, charged_by = upgrade
                        segments = switched(segments or [Segment(1, tier.name, "start", None)],
                                            _period(month), higher, moment, charge, charged_by)
                        tier = self.tiers[higher]
                        if holding:
                            self.end_add_ons(holding, higher, moment, month, trace, made_on,
                                             held_changes)
                        if not amount > 0:
                            break
                elif type(new) is Event:  # a plan change request
                    answer = decide_change(
                        self.catalog, State(tier.name, status, {}, None,
                                            commitment_until=committed), new, next_first,
                        functools.partial(self.level_at, record.get("usage"), consumed))
                    decision = answer.decision
                    ruling = ("plan-change", decision.subject, decision.date, decision.outcome,
                              decision.reasons[0].code, decision.rule, decision.effective)
                    made_on.append(_new(Ruling, ruling + (decision,) if trace else ruling))
                    change, asked = answer.rule, new.change_plan
                    if change is not None and asked is not None:  # allowed
                        following = None  # (it replaces a change requested for next month)
                        if answer.now:
                            segments = switched(
                                segments or [Segment(1, tier.name, "start", None)],
                                _period(month), asked, moment, change.charge, change.rule,
                                change.refund, change.whole_month)
                            tier = self.tiers[asked]
                            joined = joined_plans(joined, moment.day if moment > _period(
                                month).start else 1, asked)
                            if holding:
                                self.end_add_ons(holding, asked, moment, month, trace, made_on,
                                                 held_changes)
                        else:
                            following = asked
                        committed = answer.commitment_until
                elif type(new) is tuple:  # a policy or caps set, a payment, an add-on
                    if new[0] == "add_on":  # `addons.decide`, held from the day of the event
                        d = add_on_rules.decide(self.catalog, holding, tier.name, new[1], new[2],
                                           moment.date())
                        made_on.append(self.ruled(d, trace))
                        if d.outcome == "allowed":
                            held_changes.append((moment.day if moment > _period(month).start
                                                 else 1, new[1], new[2]))
                    elif new[0] == "policy":
                        policy = new[1]
                    elif new[0] == "redeem":
                        d = redeem(self.catalog, coupons, new[1], moment.date())
                        made_on.append(_new(Ruling, (d.kind, d.subject, d.date, d.outcome,
                                                     d.reasons[0].code, d.rule, d.effective)
                                            + ((d,) if trace else ())))
                    elif new[0] == "caps":
                        caps = {**caps, **new[1]}
                    else:  # a payment: `dunning.payment`
                        paid = invoices.get(new[1])
                        made, restored = payment(self.catalog.calendar, new[1], moment.date(),
                                                 None if paid is None else paid[2], restore)
                        if paid is not None:
                            paid[2] = True
                        if restored is not None:
                            assert self.calendar is not None
                            restore = None
                            segments = switched(
                                segments or [Segment(1, tier.name, "start", None)],
                                _period(month), restored, moment, "prorated",
                                self.calendar.rules["restore"])
                            tier = self.tiers[restored]
                        made_on += [_new(Ruling, (d.kind, d.subject, d.date, d.outcome,
                                                  d.reasons[0].code, d.rule, d.effective)
                                         + ((d,) if trace else ())) for d in made]
                        if restored is not None and holding:  # (after its decisions)
                            self.end_add_ons(holding, restored, moment, month, trace, made_on,
                                             held_changes)
                else:  # a status
                    if new != status and self.suspend:
                        day = moment.date()
                        made_on.append(_new(Ruling, (
                            "status", name, day, new, "status-" + new, self.suspension_rule,
                            day)))
                    status = new
            split = None  # the plans billing the month's usage, each on its days
            if segments is not None and ("usage" in record or month in uptimes):
                parts = usage_plans(segments, self.days_of(month))
                if split_matters(self.catalog, parts):
                    split = [(self.tiers[name], days) for name, days in parts]
            dated = False  # whether a decision made below falls before the month's last day
            if consumed:
                for item, used in consumed.items():
                    figures[month * self.width + self.meters[item].offset] = used
            decisions: tuple = tuple(made_on)
            plan = tier.name
            if self.suspend and status == "suspended":
                scheduled = following  # a suspended month is neither billed nor evaluated
                decisions += (_new(Ruling, ("not-billed", name, last_day, "suspended",
                                            "suspended", self.suspension_rule, None)),)
                total = self.nothing
                lines: tuple = ()
            else:
                fees = None if segments is None else self.fee_lines(_period(month), segments)
                seats = None
                if self.seated:  # a plan priced per seat: its fee from the seats' day figures
                    seats = self.seat_days(record.get("usage"), month, segments or [
                        Segment(1, plan, "start", None)])
                    if seats is not None:
                        fees = self.fee_lines(_period(month), segments or [
                            Segment(1, plan, "start", None)], seats)
                if joined and self.setups:  # the setup fees of the plans changed to
                    setup = self.charge_lines(setup_lines(self.catalog,
                                                          [p for _, p in joined], key))
                    if setup:
                        fees = (fees or (fee_lines[plan],)) + setup
                bought = None  # the add-ons held in the month: their lines, what they include
                if start_held or held_changes:
                    quantities = add_on_rules.day_quantities(start_held, held_changes,
                                                        self.days_of(month))
                    if quantities:
                        bought = self.add_on_bill(month, plan, quantities)
                lines, total, made = self.charges(
                    tier, figures, month, fee_lines[plan], addons, uptimes.get(month), last_day,
                    trace, consumed, record.get("usage"), fees, told, seats,
                    None if segments is None else days_on(segments, plan, self.days_of(month)),
                    limit, split, consumed_on if timed else None, bought)
                if made:
                    decisions += made
                    dated = dated or any(ruling.date != last_day for ruling in made)
                if coupons:  # the coupons redeemed: the month's discounts (`discount_lines`)
                    off = self.charge_lines(discount_lines(self.catalog, coupons, month, key,
                                                           plan, lines))
                    if off:
                        lines += off
                        total = rules.bill_total(lines, self.currency)
                scheduled, decisions, addons = self.ladder_step(
                    tier, figures, month, history, last_day, next_first, decisions, trace,
                    following, told)
            joining = following
            if dated:  # decisions on days: the interpreter's order, by date, then as made
                decisions = tuple(sorted(decisions, key=itemgetter(2)))
            outcome = _new(Outcome, (name, key, plan, scheduled or plan, total, lines, decisions,
                                     self, record) + ((messages,) if messages else ()))
            if month in self.wanted_months:
                results[month] = outcome
            owed = None
            if self.calendar is not None and not (self.suspend and status == "suspended"):
                owed = invoices[key] = [key, total, total <= 0]  # (settled when not positive)
                if total <= 0:
                    owed = None
            month += 1
        return [results[m] for m in self.asked_months]

    def decided_usage(self, usage) -> dict[str, list[tuple[dt.datetime, Decimal]]]:
        """The usage of each item decided event by event, as (instant, amount) in time order:
        its events, then its day figures (from the day's start), a day's figure replacing that
        day's events, as the account reader gives them (`prepare._series`)."""
        if type(usage) is not dict:
            raise _Interpret
        out = {}
        for item in self.decided:
            data = usage.get(item)
            if data is None:
                continue
            meter = self.meters[item]
            if type(data) is not dict or not _METER_KEYS.issuperset(data):
                raise _Interpret
            timed = []
            for event in data.get("events", ()):
                if type(event) is not dict or event.keys() != _USAGE_EVENT_KEYS:
                    raise _Interpret
                value = event["amount"]
                timed.append((_instant(event["on"])[0], self.day_value(value, meter)))
            days = [(dt.datetime(date.year, date.month, date.day, tzinfo=dt.timezone.utc), value)
                    for date, value
                    in self.day_figures(data.get("daily", _NO_FIGURES), meter).items()]
            if days:
                given = {moment.date() for moment, _ in days}
                timed = [use for use in timed if use[0].date() not in given] + days
            timed.sort(key=itemgetter(0))  # stable: one instant's in the order given
            out[item] = timed
        return out

    def caps(self, caps) -> dict[str, Decimal]:
        """The customer's caps, by item, in the meter's unit, checked as `prepare` checks them."""
        if type(caps) is not dict:
            raise _Interpret
        out = {}
        for item, amount in caps.items():
            meter = self.meters.get(item) if type(item) is str else None
            if meter is None:
                raise _Interpret
            out[item] = amount if type(amount) is Figure else self.checked(amount, meter.unit)
        return out

    def uses_in(self, timed: dict, month: int) -> list[tuple]:
        """The month's uses of the items decided event by event as (instant, 2, the use's place
        among its item's, (item, amount)), item after item (`quota.usage_events`)."""
        period = _period(month)
        start, end = period.start, period.end
        uses = []
        for item in self.decided:
            within = [use for use in timed.get(item, ()) if start <= use[0] < end]
            uses += [(moment, 2, index, (item, amount))
                     for index, (moment, amount) in enumerate(within)]
        return uses

    def take(self, tier: _Tier, item: str, amount: Decimal, moment: dt.datetime, index: int,
             used: dict[str, Decimal], notified: dict, caps: dict, policy: str | None,
             resets: dt.date, trace: bool, made: list,
             told: _Told | None = None, by_day: dict | None = None) -> tuple | None:
        """One use of an item decided event by event on the account's plan then, as
        `quota.consume` takes it: `quota.take_use` decides, this adds what was allowed to `used`
        and appends the decisions to `made` (with `trace`, each carrying what its reason
        states). When an `auto_upgrade` policy moves the account to the next plan
        (`quota.auto_upgrade`): (the rest of the use, that plan, how the change is charged and
        by which rule), which the walk applies before taking the rest there; else None. With
        `told`, each decision carries its steps too. `by_day`: what was allowed, also by
        (item, day of the month), for a month split between plans."""
        before = used.get(item, _ZERO)
        used[item] = before
        if not amount > 0:
            return None  # nothing asked: nothing decided
        terms = tier.quotas[item]
        day = moment.date()

        def ruling(*figures) -> Ruling:
            return _new(Ruling, figures if trace else figures[:7])

        rule = terms.rule if terms is not None else None
        chosen = chosen_policy(policy, rule)
        cap = caps.get(item) if terms is not None and terms.terms.customer_cap else None
        sent = notified.setdefault((item, tier.name), set())
        taken = take_use(terms is not None, terms and terms.quota,
                         terms.slack if terms is not None else _ZERO, cap,
                         terms is not None and terms.upgrade is not None
                         and chosen == "auto_upgrade",
                         before, amount, terms.notices if terms is not None else (), sent)
        if taken.code == "not-available":
            made.append(ruling("quota-refusal", item, day, "refused", "not-available", None,
                               None, (tier.name,)))
            return None
        assert terms is not None
        after = before + taken.taken
        if by_day is not None:
            by_day[item, day.day] = by_day.get((item, day.day), _ZERO) + taken.taken
        for number in taken.notices:  # (due only under a quota rule)
            assert rule is not None
            sent.add(number)
            note = rule.notifications[number]
            notice: tuple = (
                "notification", item, day, "sent",
                "quota-exhausted" if note.remaining is None else "quota-remaining", note.rule,
                None, (note, tier.name, after, terms.quota))
            if told is not None:
                assert terms.quota is not None  # (a notification is of a quota)
                notice += (notice_steps(format_number, self.meter_units[item], tier.name,
                                        Fraction(terms.quota), note, after),)
            made.append(ruling(*notice))
        if taken.code == "auto-upgrade":
            used[item] = after
            assert rule is not None and terms.upgrade is not None
            decisions, charge, charged_by = auto_upgrade(self.catalog, item, tier.name,
                                                         terms.upgrade, moment, rule)
            for decision in decisions:
                made.append(ruling(decision.kind, decision.subject, decision.date,
                                   decision.outcome, decision.reasons[0].code, decision.rule,
                                   decision.effective, decision))
            return taken.refused, terms.upgrade, charge, charged_by
        if taken.refused:
            capped = taken.code == "cap-reached"
            refusal: tuple = ("quota-refusal", item, day, "refused", taken.code,
                       terms.terms.cap_rule if capped else terms.terms.limit_rule, None,
                       (tier.name, taken.refused, terms.quota, rule.slack if rule else 0,
                        cap if capped else None, chosen, resets))
            if told is not None:
                refusal += (refusal_steps(self.shows[item], before, taken.taken,
                                          taken.refused),)
            made.append(ruling(*refusal))
        used[item] = after
        return None

    def month_of(self, text) -> int:
        if type(text) is not str:
            raise _Interpret
        try:
            period = Period.parse(text)
        except ValueError:
            raise _Interpret from None
        month = _month(period)
        if len(self.since_months) < 100_000:
            self.since_months[text] = month
        return month

    @staticmethod
    def ruled(decision: Decision, trace: bool) -> Ruling:
        """An interpreter's `Decision` as the walk's `Ruling` (with it, traced)."""
        return _new(Ruling, (decision.kind, decision.subject, decision.date, decision.outcome,
                             decision.reasons[0].code, decision.rule, decision.effective)
                    + ((decision,) if trace else ()))

    def end_add_ons(self, holding: dict, plan: str, moment: dt.datetime, month: int,
                    trace: bool, made_on: list, changes: list) -> None:
        """The add-ons held that `plan`, which the account moves to at `moment`, does not offer:
        ended that day (`addons.ended`), their decisions made, their quantity 0 from then on."""
        day = moment.day if moment > _period(month).start else 1
        for decision in add_on_rules.ended(self.catalog, holding, plan, moment.date()):
            made_on.append(self.ruled(decision, trace))
            changes.append((day, decision.subject, 0))

    def add_on_quantity(self, name: str, quantity: Any) -> bool:
        """Whether an add-on of the catalog is held in a quantity the account reader and
        `prepare` take (a whole number, at most 1 for an add-on without a unit)."""
        add_on = self.catalog.add_ons.get(name)
        return (add_on is not None and type(quantity) is int and 0 <= quantity < 10 ** MAX_DIGITS
                and (quantity <= 1 or bool(add_on.unit)))

    def held_add_ons(self, held: Any, plan: str) -> dict[str, int]:
        """The add-ons an account holds at its start (`add_ons`), as `prepare` checks them:
        each in a quantity it may have, offered by the starting plan."""
        if type(held) is not dict:
            raise _Interpret
        for name, quantity in held.items():
            if type(name) is not str or not self.add_on_quantity(name, quantity) or (
                    quantity and plan not in self.catalog.add_ons[name].plans):
                raise _Interpret
        return {name: quantity for name, quantity in held.items() if quantity}

    def add_on_bill(self, month: int, plan: str, quantities: dict) -> tuple[tuple, dict]:
        """A month's add-on lines (`addons.add_on_lines`), and the add-ons' day quantities."""
        period = _period(month)
        lines = self.charge_lines(add_on_rules.add_on_lines(self.catalog, period, plan,
                                                           quantities))
        return lines, quantities

    def add_on_included(self, month: int, quantities: dict, days: tuple | None) -> dict:
        """What the add-ons held add to each item's included amount, in the meter's unit, with
        its step (`addons.included`), for the whole month or a plan's `days` of it."""
        more = {}
        for name in {item for add_on in self.catalog.add_ons.values()
                     for item in add_on.includes}:
            amount, step = add_on_rules.included(self.catalog, quantities, self.days_of(month),
                                                 name, days)
            if step is not None:
                more[name] = (self.catalog.meters[name].unit.from_base(amount), step)
        return more

    def timeline_events(self, events) -> list:
        """The account's status changes and plan change requests as (instant, UTC day, status
        or `Event`), in the interpreter's order: by instant, events of one instant in the
        file's order. A plan change is read by the account reader's own converter and checked
        as `prepare` checks it; any other event: the interpreter."""
        if type(events) is not list:
            raise _Interpret
        out = []
        for event in events:
            if type(event) is not dict:
                raise _Interpret
            if "change_plan" in event:
                out.append(self.change_event(event))
                continue
            if event.keys() == _POLICY_KEYS:  # the exhaustion policy from then on
                policy = event["policy"]
                if type(policy) is not str or policy not in POLICIES:
                    raise _Interpret
                moment, day = _instant(event["on"])
                out.append((moment, day, ("policy", policy)))
                continue
            if event.keys() == _CAP_KEYS:  # the customer's caps from then on
                moment, day = _instant(event["on"])
                out.append((moment, day, ("caps", self.caps(event["cap"]))))
                continue
            if event.keys() == _REDEEM_KEYS:  # a coupon redeemed (`coupons.redeem`)
                code = event["redeem"]
                if type(code) is not str or code not in self.catalog.coupons:
                    raise _Interpret
                moment, day = _instant(event["on"])
                out.append((moment, day, ("redeem", code)))
                continue
            if event.keys() in _ADD_ON_KEYS:  # an add-on bought, changed or removed
                name, quantity = event["add_on"], event.get("quantity", 1)
                if type(name) is not str or not self.add_on_quantity(name, quantity):
                    raise _Interpret
                moment, day = _instant(event["on"])
                out.append((moment, day, ("add_on", name, quantity)))
                continue
            if event.keys() == _PAY_KEYS:  # a payment of a period's invoice, as written
                paid = event["pay"]
                try:
                    parse_period(paid)  # (checked as `prepare` checks it)
                except (InputError, TypeError):
                    raise _Interpret from None
                if type(paid) is not str:
                    raise _Interpret
                moment, day = _instant(event["on"])
                out.append((moment, day, ("pay", paid)))
                continue
            if event.keys() != _EVENT_KEYS:
                raise _Interpret
            status = event["status"]
            if status != "active" and status != "suspended":
                raise _Interpret
            moment, day = _instant(event["on"])
            out.append((moment, day, status))
        out.sort(key=itemgetter(0))  # stable: events of one instant keep the file's order
        return out

    def requests(self, requests, elements: dict) -> list[Request]:
        """The account's element requests, read by the account reader's own converter and
        checked as `prepare` checks them: requests to create counted elements, and to store an
        amount in one of the `elements` the account lists (`elements`); anything else: the
        interpreter."""
        if type(requests) is not list:
            raise _Interpret
        out = []
        for request in requests:
            if type(request) is not dict:
                raise _Interpret
            try:
                read = quick_converter.structure(request, Request)
            except Exception:  # noqa: BLE001 - whatever it is, the interpreter says what is wrong
                raise _Interpret from None
            if read.store is not None:
                if (read.create is not None or read.element is None or read.amount is None
                        or read.element not in elements.get(read.store, ())
                        or self.stored(read) is None):
                    raise _Interpret
                out.append(read)
                continue
            meter = self.catalog.meters.get(read.create) if read.create is not None else None
            if meter is None or meter.source != "count" or read.count < 1:
                raise _Interpret
            out.append(read)
        return out

    def stored(self, request: Request) -> Fraction | None:
        """The amount a request stores, in base units (`prepare.in_base_units`), or None."""
        meter = self.catalog.meters.get(request.store) if request.store is not None else None
        if meter is None or request.amount is None:
            return None
        return in_base_units(meter, request.amount, self.catalog)

    def elements(self, usage) -> dict[str, dict[str, tuple[str, Fraction]]]:
        """What each element listed in the account's usage holds (`usage.storage.elements`):
        by item, by element, (the counted item it is one of, the amount it holds in base units),
        read and checked as the account reader and `prepare` read them; anything else: the
        interpreter. (`decisions.decide_store` decides a request to store in one.)"""
        if type(usage) is not dict:
            raise _Interpret
        out = {}
        for name, data in usage.items():
            if type(data) is not dict or "elements" not in data:
                continue
            listed = data["elements"]
            meter = self.catalog.meters.get(name)
            if type(listed) is not dict or meter is None:
                raise _Interpret
            held = {}
            for element, use in listed.items():
                if type(element) is not str or type(use) is not dict or use.keys() != _ELEMENT_KEYS:
                    raise _Interpret
                kind = self.catalog.meters.get(use["of"]) if type(use["of"]) is str else None
                if kind is None or kind.source != "count":
                    raise _Interpret
                try:
                    amount = in_base_units(meter, parse_amount(use["used"]), self.catalog)
                except InputError:
                    raise _Interpret from None
                if amount is None:
                    raise _Interpret
                held[element] = (use["of"], amount)
            out[name] = held
        return out

    def spending_limit(self, value) -> Decimal:
        """The customer's spending limit, read by the account reader's own converter and checked
        as `prepare` checks it; anything else: the interpreter."""
        try:
            read = quick_converter.structure(value, Amount)
        except Exception:  # noqa: BLE001 - whatever it is, the interpreter says what is wrong
            raise _Interpret from None
        if read.unit not in (None, self.currency) or read.value < 0 or not in_minor_units(
                read.value, self.currency):
            raise _Interpret
        return read.value

    def change_event(self, event: dict) -> tuple:
        if not _CHANGE_KEYS.issuperset(event) or "on" not in event:
            raise _Interpret
        try:
            read = quick_converter.structure(event, Event)
        except Exception:  # noqa: BLE001 - whatever it is, the interpreter says what is wrong
            raise _Interpret from None
        if read.change_plan is None or self.catalog.plan(read.change_plan) is None or (
                read.commitment is not None and commitment_months(read.commitment) is None):
            raise _Interpret
        return read.on, read.on.date(), read

    def level_at(self, usage: Any, consumed: dict | None, item: str,
                 moment: dt.datetime) -> Fraction:
        """An item's level at `moment` in base units, as `changes.level` gives it: a count's
        (its day's figure given, else its intervals up to then), an item used's use allowed so
        far this month (`consumed`: of the items decided event by event; 0 for the others)."""
        meter = self.meters[item]
        unit = self.meter_units[item]
        if not meter.counted:
            used = consumed.get(item) if consumed else None
            return Fraction(0) if used is None else unit.to_base(Fraction(used))
        data = usage.get(item) if type(usage) is dict else None
        if data is None:
            return Fraction(0)
        given = self.day_figures(data.get("daily", _NO_FIGURES), meter).get(moment.date())
        if given is not None:  # a day's figure stands for the day
            return unit.to_base(Fraction(given))
        if "intervals" not in data:
            return Fraction(0)
        return unit.to_base(Fraction(
            _level_before(self.changes(data["intervals"], meter), moment)[1]))

    def figures(self, usage, first: int, told: _Told | None = None) -> dict:
        """Each month's figure of each meter (`_Meter.figure`), in the meter's unit, keyed
        month * width + meter, for the months from `first` to the last asked. An explained
        walk's `told` keeps each meter's data and, for a meter whose figure its steps may state
        (`stated`), its day figures by month (what a measurement's steps state)."""
        if type(usage) is not dict:
            raise _Interpret
        out: dict[int, Decimal] = {}
        meters = self.meters
        width = self.width
        for name, data in usage.items():
            meter = meters.get(name)
            if meter is None:
                raise _Interpret
            offset = meter.offset
            by_day: dict[int, Any] | None = (
                {} if told is not None and name in self.stated else None)
            for month, got in self.meter_months(data, meter, first, self.last_month,
                                                by_day).items():
                out[month * width + offset] = meter.figure(self.days_of(month), *got)
            if told is not None:
                told.data[name] = data
            if by_day and told is not None:
                for month, daily in by_day.items():  # read once, for the bill and its steps
                    told.days[month * width + offset] = daily
        return out

    def run_figures(self, name: str, data) -> list[Decimal]:
        """One meter's figure for each month of the run, from the first to the last asked
        (what `figures` gives for it; 0 for a month without figures)."""
        got = self.figures({name: data}, self.first_month)
        width, offset = self.width, self.meters[name].offset
        return [got.get(month * width + offset, _ZERO)
                for month in range(self.first_month, self.last_month + 1)]

    def month_figure(self, data, meter: _Meter, month: int) -> Decimal:
        """One meter's figure for one month (what `figures` gives for it)."""
        got = self.meter_months(data, meter, month, month).get(month)
        if got is None:
            return _ZERO
        return meter.figure(self.days_of(month), *got)

    def days_of(self, month: int) -> int:
        days = self.month_days.get(month)
        if days is None:
            year, number = divmod(month, 12)
            days = self.month_days[month] = Period(year, number + 1).days
        return days

    def meter_months(self, data, meter: _Meter, first: int, last: int,
                     by_day: dict[int, Any] | None = None) -> dict[int, tuple]:
        """A meter's data (day figures, a usage meter's events, a count's intervals) by month,
        for the months from `first` to `last` (at least; every figure is checked, a figure of
        another month is not added up): (the total of its day figures, the highest of them;
        None for a meter that sums) and for intervals the scale of the total
        (`interval_months`). A day's events are added up (or the largest taken,
        `_Meter.largest`), a day's figure given in `daily` replaces them. Given `by_day`, the
        day figures of each month from `first` to `last` are kept there too, by month (an
        explanation states them): a dict by the day's number, or the list of every day's figure
        in order (numbers, whole or Decimals, as written or read)."""
        if type(data) is not dict:
            raise _Interpret
        if not data:
            return {}  # nothing measured
        if not meter.keys.issuperset(data):
            if meter.spans and "intervals" in data and _SPAN_KEYS.issuperset(data):
                return self.interval_months(data, meter, first, last, by_day)
            if meter.sampled and "snapshots" in data and _SAMPLE_KEYS.issuperset(data):
                return self.snapshot_months(data, meter, by_day)
            raise _Interpret
        daily = data.get("daily", _NO_FIGURES)
        if type(daily) is not dict:
            raise _Interpret
        unit = meter.unit
        track = not meter.plain
        if len(data) == 1 and daily:  # day figures alone: of one month of the run's, mostly
            keys = daily.keys()
            for month, days in self.day_sets:
                if keys <= days:  # every day written `2026-11-05`, all of this month
                    figures = list(daily.values())
                    kinds = set(map(type, figures))
                    if kinds == _INT_KIND:  # whole numbers: added as such, exactly
                        low, high = min(figures), max(figures)
                        if not 0 <= low <= high < _LARGEST_INT:
                            break  # the general reading says which figure is at fault
                        if by_day is not None:  # by day of the month
                            by_day[month] = figures if len(figures) == len(days) and list(
                                keys) == self.day_lists[month] else {
                                int(day[8:]): Decimal(value) for day, value in zip(
                                    keys, figures, strict=True)}
                        return {month: (Decimal(sum(figures)), Decimal(high) if track else None)}
                    if kinds == _TEXT_KIND:  # `3000 MB`: the texts read before looked up
                        readings = self.readings_in(unit)
                        figures = [readings.get(v) or self.checked(v, unit) for v in figures]
                    elif not kinds <= _READ_KINDS:
                        if dict in kinds:
                            break  # `{count, disabled}`: read one by one, below
                        figures = [v if type(v) is Figure else self.checked(v, unit)
                                  for v in figures]
                    elif int in kinds and not 0 <= min(figures) <= max(figures) < _LARGEST_INT:
                        break  # the general reading says which figure is at fault
                    if by_day is not None:  # by day of the month
                        by_day[month] = figures if len(figures) == len(days) and list(
                            keys) == self.day_lists[month] else {
                            int(day[8:]): _ZERO + value for day, value in zip(
                                keys, figures, strict=True)}
                    return {month: (sum(figures, _ZERO), _ZERO + max(figures) if track else None)}
        day_months = self.day_months
        lead: int | None = None  # the month of the first figure
        months: list[int] | None = None  # each figure's month, once one of another month is seen
        values: list[Any] = []
        for day, value in daily.items():
            seen = day_months.get(day)  # the days seen (text); anything else: `day_month`
            month = self.day_month(day, daily) if seen is None else seen
            kind = type(value)
            if kind is not Figure:  # not checked when read: checked here
                if kind is int and 0 <= value < _LARGEST_INT:
                    pass  # summed as it is: the sums start from a Decimal zero
                elif kind is dict:
                    value = self.day_count(value, meter)
                else:
                    value = self.checked(value, unit)
            if not first <= month <= last:
                continue  # checked, and of another month
            if month != lead:
                if lead is None:
                    lead = month
                elif months is None:
                    months = [lead] * len(values)
            if months is not None:
                months.append(month)
            values.append(value)
            if by_day is not None:
                by_day.setdefault(month, {})[
                    day.day if type(day) is dt.date else int(day[8:])] = _ZERO + value
        if "events" in data:
            for month, value, date in self.event_days(data["events"], daily, meter):
                if not first <= month <= last:
                    continue
                if lead is None:
                    lead = month
                elif months is None and month != lead:
                    months = [lead] * len(values)
                if months is not None:
                    months.append(month)
                values.append(value)
                if by_day is not None:
                    by_day.setdefault(month, {})[date.day] = _ZERO + value
        if lead is None:
            return {}
        if months is None:  # one month: the usual case
            return {lead: (sum(values, _ZERO), _ZERO + max(values) if track else None)}
        totals: dict[int, Decimal] = {}
        highest: dict[int, Decimal] = {}
        for month, value in zip(months, values, strict=True):
            if month in totals:
                totals[month] += value
                if value > highest[month]:
                    highest[month] = value
            else:
                totals[month] = _ZERO + value
                highest[month] = value
        return {month: (total, _ZERO + highest[month] if track else None)
                for month, total in totals.items()}

    def interval_months(self, data: dict, meter: _Meter, first: int, last: int,
                        days: dict[int, dict] | None = None) -> dict[int, tuple]:
        """A count meter's months from `first` to `last` from the intervals of its elements (and
        day figures given, which replace their days): (the total of the day figures, in counts ×
        seconds: the areas of `metering.level_spans`, the interpreter's; the highest level of a
        day; the seconds of a day, by which the total is scaled). Given `days`, each month's
        day figures are kept there (exact Fractions: a day's time-weighted average)."""
        changes = self.changes(data["intervals"], meter)
        given = self.day_figures(data.get("daily", _NO_FIGURES), meter)
        out = {}
        for month in range(first, last + 1):
            start = _period(month).start
            index, level = _level_before(changes, start)
            bounds = [start + day * _DAY for day in range(self.days_of(month) + 1)]
            total = highest = _ZERO
            kept = None if days is None else days.setdefault(month, {})
            averaged = meter.averaged
            for day, (area, peak) in enumerate(level_spans(changes, index, level, bounds)):
                value = given.get(bounds[day].date()) if given else None
                if value is not None:
                    area, peak = value * _DAY_SECONDS, value
                elif not averaged:  # `daily maximum`: the day's highest level, all day
                    area = peak * _DAY_SECONDS
                total += area
                if peak > highest:
                    highest = peak
                if kept is not None:  # the day's average: whole, or a Fraction
                    whole, part = divmod(area, _DAY_SECONDS)
                    kept[day + 1] = whole if not part else Fraction(area) / _SECONDS
            out[month] = (total, highest, _DAY_SECONDS)
        return out

    def snapshot_months(self, data: dict, meter: _Meter,
                        days: dict[int, dict] | None = None) -> dict[int, tuple]:
        """A snapshots meter's months: each day's figure the average (or the largest) of the
        snapshots taken that UTC day, a day's figure given in `daily` replacing it, as
        `prepare._series` and `metering._daily_figures` give it; (the total of the day
        figures, their highest), as Fractions. Given `days`, the day figures are kept there,
        by month then day."""
        snapshots = data["snapshots"]
        daily = data.get("daily", _NO_FIGURES)
        if type(snapshots) is not dict or type(daily) is not dict:
            raise _Interpret
        samples: dict[dt.date, list] = {}
        seen = set()
        for on, value in snapshots.items():
            moment = _instant(on)[0]
            if moment in seen:
                raise _Interpret  # one instant written twice: the reader says so
            seen.add(moment)
            if type(value) is not Figure:
                value = self.checked(value, meter.unit)
            samples.setdefault(moment.date(), []).append(value)
        figures: dict[dt.date, Fraction] = {
            day: Fraction(sum(values, _ZERO)) / len(values) if meter.averaged
            else Fraction(max(values)) for day, values in samples.items()}
        for day, value in self.day_figures(daily, meter).items():
            figures[day] = Fraction(value)
        out: dict[int, tuple] = {}
        for day, value in figures.items():
            month = day.year * 12 + day.month - 1
            if days is not None:
                days.setdefault(month, {})[day.day] = value
            if month in out:
                total, highest = out[month]
                out[month] = (total + value, max(highest, value))
            else:
                out[month] = (value, value)
        return out

    def changes(self, intervals, meter: _Meter) -> list[tuple[dt.datetime, Decimal]]:
        """The intervals of elements as (instant, change of the count) in time order, read and
        checked as the account reader and `prepare` read them; anything else: the interpreter."""
        if type(intervals) is not list:
            raise _Interpret
        changes = []
        for interval in intervals:
            if (type(interval) is not dict or "from" not in interval or "count" not in interval
                    or not _INTERVAL_KEYS.issuperset(interval)):
                raise _Interpret
            try:
                count = parse_count(interval["count"])
                disabled = parse_count(interval.get("disabled", 0))
            except InputError:
                raise _Interpret from None
            if disabled > count:
                raise _Interpret
            start = _instant(interval["from"])[0]
            counted = Decimal(count - disabled if meter.subtract else count)
            changes.append((start, counted))
            if interval.get("to") is not None:
                end = _instant(interval["to"])[0]
                if end <= start:
                    raise _Interpret
                changes.append((end, -counted))
        changes.sort(key=itemgetter(0))  # stable, as the interpreter's
        return changes

    def event_days(self, events, daily: dict, meter: _Meter
                   ) -> list[tuple[int, Decimal, dt.date]]:
        """A usage meter's events as one figure per UTC day not given in `daily`: (the day's
        month number, its figure, the day)."""
        if type(events) is not list:
            raise _Interpret
        days: dict[dt.date, Decimal] = {}
        largest = meter.largest
        for event in events:
            if type(event) is not dict or event.keys() != _USAGE_EVENT_KEYS:
                raise _Interpret
            day = _instant(event["on"])[1]
            value = event["amount"]
            if type(value) is not Figure:
                value = self.checked(value, meter.unit)
            if meter.paid is not None and not in_minor_units(value, meter.paid):
                raise _Interpret  # finer than a cent: the reader says so
            if day not in days:
                days[day] = value
            elif largest:
                days[day] = max(days[day], value)
            else:
                days[day] += value
        return [(day.year * 12 + day.month - 1, value, day) for day, value in days.items()
                if not (day.isoformat() in daily or day in daily)]  # the day's figure stands

    def day_figures(self, daily, meter: _Meter) -> dict[dt.date, Any]:
        """The day figures given in `daily`, by day, each read by `day_value`, their days checked
        as `day_month` checks them."""
        if type(daily) is not dict:
            raise _Interpret
        out = {}
        for day, value in daily.items():
            self.day_month(day, daily)
            out[day if type(day) is dt.date else dt.date.fromisoformat(day)] = self.day_value(
                value, meter)
        return out

    def day_value(self, value, meter: _Meter) -> Any:
        """A figure as the account reader takes it, in the meter's unit: a `Figure` was checked
        when read; a count's `{count, disabled}` (`day_count`); any other, `checked`."""
        if type(value) is Figure:
            return value
        if type(value) is dict:
            return self.day_count(value, meter)
        return self.checked(value, meter.unit)

    def day_count(self, value: dict, meter: _Meter) -> Decimal:
        """A count meter's day figure written `{count: 5, disabled: 1}`, read as the account
        reader reads it (`convert.parse_count` for the disabled part): the disabled elements
        count unless the meter leaves them out."""
        if not meter.counted or "count" not in value or not _DAY_COUNT_KEYS.issuperset(value):
            raise _Interpret
        count = self.checked(value["count"], meter.unit)
        disabled = value.get("disabled", 0)
        if type(disabled) is not int or not 0 <= disabled < _LARGEST_INT:  # else: the reader
            try:
                disabled = parse_count(disabled)
            except InputError:
                raise _Interpret from None
        if meter.subtract:
            count -= disabled
            if count < 0:
                raise _Interpret
        return count

    def uptimes(self, data) -> dict[int, Fraction]:
        """The account's uptime by month number, percent, read and checked as the account reader
        and `prepare.uptime_percent` read it."""
        if type(data) is not dict:
            raise _Interpret
        out = {}
        known = self.uptime_readings
        for period, value in data.items():
            key = (period, value)  # (a Figure is a Decimal: its key equals its number's)
            reading = known.get(key) if type(period) is str and type(value) in _KEYS else None
            if reading is None:
                try:
                    month = _month(Period.parse(parse_period(period)))
                    percent = uptime_percent(self.catalog, parse_amount(value), (), [])
                except (InputError, ValueError):
                    raise _Interpret from None
                if percent is None:
                    raise _Interpret
                reading = (month, percent)
                if type(value) in _KEYS and len(known) < 100_000:
                    known[key] = reading
            out[reading[0]] = reading[1]
        return out

    def day_month(self, day, daily=None) -> int:
        """The month number of a day written `2026-11-05`; other spellings: the interpreter,
        and so is a day of `daily` given both as a date and as its text (PL405 there)."""
        if type(day) is dt.date:
            if daily is not None and day.isoformat() in daily:
                raise _Interpret
            return day.year * 12 + day.month - 1
        if type(day) is not str or len(day) != 10 or day[4] != "-" or day[7] != "-":
            raise _Interpret
        try:
            parsed = dt.date.fromisoformat(day)
        except ValueError:
            raise _Interpret from None
        month = parsed.year * 12 + parsed.month - 1
        if len(self.day_months) < 100_000:  # bounded: a few centuries of days
            self.day_months[day] = month
        return month

    def written(self, text: str, unit) -> Decimal:
        """`15.3 GB` (or `15.3`) in the meter's unit, exactly; else the interpreter decides.
        Readings are kept (a bounded number): accounts write the same figures again and again."""
        readings = self.readings_in(unit)
        value = readings.get(text)
        if value is None:
            value = self.read_written(text, unit)
            if len(readings) < 100_000:
                readings[text] = value
        return value

    def readings_in(self, unit) -> dict[str, Decimal]:
        """The texts read in `unit` (`written`), by text: what the generated month looks up."""
        readings = self.readings.get(unit.name)
        if readings is None:
            readings = self.readings[unit.name] = {}
        return readings

    def read_written(self, text: str, unit) -> Decimal:
        try:
            amount = parse_amount(text)  # the account reader's own reading, bounds included
        except InputError:
            raise _Interpret from None
        number, word = amount.value, amount.unit
        if number < 0:
            raise _Interpret  # the interpreter refuses it, with its message
        number = number.copy_abs()  # -0 is 0
        if word is None:
            return number
        key = (word, unit.name)
        ratio = self.unit_cache.get(key, False)
        if ratio is False:
            written = lookup(self.catalog.units, word)
            if written is None and word == unit.name:  # a payment's currency (`12.00 USD`)
                written = unit
            ratio = None
            if written is not None and written.dimension == unit.dimension:
                ratio = exact_decimal(written.factor / unit.factor)
            self.unit_cache[key] = ratio
        if ratio is None:
            raise _Interpret
        return number * ratio

    def lookback(self, figures, tier: _Tier) -> list:
        if type(figures) is not list or tier.ladder is None:
            raise _Interpret
        unit = self.meter_units[tier.ladder.item]
        return [value if type(value) is Figure else self.checked(value, unit)
                for value in figures]

    def checked(self, value, unit) -> Decimal:
        """A figure given as a number or `15.3 GB` that the account reader would take, in
        `unit`; anything else (negative, out of range, too fine, not a number) raises
        `_Interpret`, and the interpreter says what is wrong. (A `Figure` was checked when read.)"""
        kind = type(value)
        if kind is Decimal or kind is Figure:
            if value < _ZERO:
                raise _Interpret
            value.quantize(_FINEST, None, _BOUNDS)  # raises if out of range or too fine
            return value.copy_abs()  # -0 is 0, as the interpreter's Fractions have it
        if kind is int:
            if not 0 <= value < _LARGEST_INT:
                raise _Interpret
            return Decimal(value)
        if kind is str:
            return self.written(value, unit)
        raise _Interpret


def _shown(unit: str, ratio: Fraction | None = None) -> Callable[[Decimal], str]:
    """A figure written with its unit in a reason (`15.4 GB`), as `format_number` writes it (its
    text depends on the value alone: kept for the figures accounts give again and again); with
    `ratio`, a figure in another unit, written in `unit` (`5 GB` for 5,000 in MB: the ratio
    1/1,000; `metering.in_ratio`)."""
    kept: dict[Decimal, str] = {}
    ratios = None if ratio is None else (ratio, exact_decimal(ratio))

    def show(value: Decimal) -> str:
        text = kept.get(value) if value else None  # (0 and -0 are equal, and written apart)
        if text is None:
            text = f"{format_number(value if ratios is None else in_ratio(value, ratios))} {unit}"
            if value and len(kept) < 100_000:
                kept[value] = text
        return text

    return show


def _instant(on) -> tuple[dt.datetime, dt.date]:
    """An event's instant, UTC, and its UTC day: a day (`2026-03-05`, from its midnight) or an
    instant (`2026-03-05T09:30:00Z`, any offset), read as the account reader reads them."""
    if type(on) is str and len(on) == 10 and on[4] == "-" and on[7] == "-":  # not `2026-W45-4`
        try:
            day = dt.date.fromisoformat(on)
        except ValueError:
            raise _Interpret from None
        return dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc), day
    try:
        moment = parse_datetime(on)
    except InputError:
        raise _Interpret from None
    return moment, moment.date()


def _level_before(changes: list, moment: dt.datetime) -> tuple[int, Decimal]:
    """Of a count's changes (instant, change) in time order: the index of the first after
    `moment`, and the count then (as `metering.Series.level_before`)."""
    index = bisect_right([at for at, _ in changes], moment)
    return index, sum((delta for _, delta in changes[:index]), _ZERO)


def _same(value: Any) -> Any:
    """A figure as it is: the compiled path's are in their meter's unit already."""
    return value


def _month(period: Period) -> int:
    return period.year * 12 + period.month - 1


def _period(month: int) -> Period:
    year, number = divmod(month, 12)
    return Period(year, number + 1)


_FINEST = Decimal(1).scaleb(-MAX_DIGITS, EXACT)
# Quantizing to _FINEST in this context raises, as the account reader refuses them, for a figure
# with more than MAX_DIGITS digits after the point, even zeros (Rounded), and for one of
# MAX_DIGITS digits or more before it, or not finite (InvalidOperation: beyond the precision).
_BOUNDS = Context(prec=2 * MAX_DIGITS, traps=[Rounded, Inexact, InvalidOperation])
_LARGEST_INT = 10**MAX_DIGITS
_NO_FIGURES: dict = {}


class _Interpreted:
    """The runner of a catalog the compiled path does not cover: the interpreter, record by record."""

    def __init__(self, compiled: CompiledCatalog, periods: tuple[str, ...]):
        self.compiled = compiled
        self.periods = periods

    def __call__(self, record: dict) -> list[Outcome]:
        return self.compiled._fallback(record, self.periods)  # checked even with no period

    bill_record = __call__  # (the interpreter enters money.EXACT itself)

    def bills(self, record: dict, explain: bool = False) -> list[Bill]:
        return self.compiled.interpret(record, self.periods)

    def json_lines(self, record: dict, explain: bool = False) -> list[str]:
        return [json_line(bill, explain) for bill in self.bills(record)]

    def batch(self, records: Iterable[dict]) -> list[Outcome]:
        out: list[Outcome] = []
        for record in records:
            out += self(record)
        return out


class _ByCurrency:
    """The runner of a catalog priced in several currencies: each record billed by the runner of
    its `currency` (the first currency's for a record naming none, or naming one the catalog
    does not price in, which that runner hands to the interpreter to refuse)."""

    def __init__(self, runners: dict[str, Any], default: str):
        self.runners = runners
        self.default = runners[default]

    def of(self, record: dict):
        currency = record.get("currency") if type(record) is dict else None
        return self.runners.get(currency, self.default) if type(currency) is str else self.default

    def __call__(self, record: dict) -> list[Outcome]:
        return self.of(record)(record)

    def bill_record(self, record: dict) -> list[Outcome]:
        return self.of(record).bill_record(record)

    def bills(self, record: dict, explain: bool = False) -> list[Bill]:
        return self.of(record).bills(record, explain)

    def json_lines(self, record: dict, explain: bool = False) -> list[str]:
        return self.of(record).json_lines(record, explain)

    def traced(self, record: dict, explain: bool = False) -> list:
        return self.of(record).traced(record, explain)

    def batch(self, records: Iterable[dict]) -> list[Outcome]:
        out: list[Outcome] = []
        with localcontext(EXACT):
            for record in records:
                out += self.of(record).bill_record(record)
        return out


class _Unsupported(Exception):
    pass


__all__ = ["compile_catalog", "CompiledCatalog", "Outcome", "Line", "Ruling"]
