"""Generated source for the compiled path's one-month lane: a catalog's month as straight-line Python.

A monthly billing run bills every account for one month. `one_month(runner)` writes, for one
compiled catalog and one month, the Python source of a function billing an account record for
that month, and compiles it (as attrs writes `__init__` methods and Jinja compiles templates):

- every constant is bound once: a plan's fee line, its included amounts and prices, the ladder's
  limits and neighbours, the month's key and dates, and the decisions that carry no per-account
  figure (a tier change scheduled for next month is the same decision for every account);
- each plan's steps are written out with only what its rules need, in the order the general walk
  (`_Runner.walk`) takes them: the fee, the extras beyond what is included, the ladder; in place,
  the plan found by comparisons, or (above `INLINE_PLANS` plans) one function per plan;
- usage is summed for the billed month only, every value being checked as the general walk checks
  it (a `Figure` was checked when read); a count or snapshots meter's day figures of the month
  (whole numbers, numbers, texts such as `3000 MB` read before, `{count, disabled}`) are checked
  and totalled a month at a time (`_day_figures`), their month's figure `rules.metered` of the
  total; anything it would not take (a value it cannot read exactly, an unknown meter or plan, a
  bad status, a look-back off a ladder) goes to the general reading or sends the record to the
  interpreter, which bills it or refuses it with its own message.

It has no arithmetic of its own: the rules of `engine/rules.py` (`metered` and the `rounded` it
calls, `over_ceiling`, `extra` and the `started_blocks` and `line_amount` it calls, `ladder_move`,
and `bill_total` for a plan with one extra) are written in place from their own definitions,
read by `ast` (`_call`, `_Inline`): the catalog's constants folded in (a tier's `rules.Rung`, an
item's included amount, a meter's steps), the tests and the arithmetic those decide worked out,
the calls of rules inside an expression written before it, in the order Python evaluates them
(`_Inline.hoist`), and what each of the rule's returns means written after it (a move's
decision is the shared constant); a rule it cannot write in place (and `add_ons`) is bound as a
constant and called, as the general walk calls it.
Either runs in `money.EXACT`: the runner's `batch`, `__call__` and `bills` enter that context
once for every record (call it through them, not directly).

The function's `batch(records)` (what the runner's `batch` calls) takes the same steps for each
record in turn, appending the outcomes to a list (no call per record). The function's outcome is
exactly the general walk's (`tests/test_compiled.py` checks both against the interpreter), with
`trace` too (`one_month(record, True)`, what the runner's `bills` calls): then each decision it
makes carries the figures its reason states, as the general walk's do with `trace`
(`rules.addon_figures`, `rules.Move.figures`), made only when a decision is. `source` on the
function gives the text for reading."""

from __future__ import annotations

import ast
import builtins
import copy
import datetime as dt
import functools
import inspect
import itertools
import operator
import textwrap
from collections.abc import Callable
from decimal import Context, Decimal, localcontext
from fractions import Fraction
from typing import TYPE_CHECKING, Any, TypeGuard

from planlang import money
from planlang.engine import outcomes, rules
from planlang.engine.outcomes import Ruling
from planlang.inputs.documents import Figure

if TYPE_CHECKING:
    from planlang.engine.compiled import _Meter, _Runner, _Tier

# Up to this many plans, the plans' steps are written in place in one function; with more, each
# plan has its own function, found through a dict by the plan's name.
INLINE_PLANS = 8

# a whole number an account may give: below 10^18 (the reader's bounds, `money.MAX_DIGITS`)
_LARGEST_INT = 10**money.MAX_DIGITS
# the kinds of day figures read in place (`_day_figures`)
_WHOLE = frozenset((int,))
_TEXTS = frozenset((str,))
_NUMBERS = frozenset((int, Decimal, Figure))
_DICTS = frozenset((dict,))
_DAY_COUNT_KEYS = frozenset(("count", "disabled"))  # a count's day figure `{count, disabled}`
# `dict.get`'s further arguments, for `map` (never exhausted)
_COUNT = itertools.repeat("count")
_DISABLED, _NONE_DISABLED = itertools.repeat("disabled"), itertools.repeat(0)


class _Writer:
    """Lines of source and the constants they name."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.names: dict[str, Any] = {}
        self.by_id: dict[int, str] = {}
        self.base = 0  # added to every line's indent
        self.giving = False  # whether an outcome is the entry point's (see `give`)
        self.decimals: set[str] = set()  # the names the rule being written holds Decimals in
        self.gives: dict[int, str] = {}  # line number: the outcome given there

    def give(self, indent: int, outcome: str, comment: str = "") -> None:
        """The entry point's `return outcome`, which `batch` writes as `append(outcome)` and
        `continue` (in a plan's function, a `return`)."""
        if self.giving:
            self.gives[len(self.lines)] = outcome
        self(indent, f"return {outcome}{comment}")

    def constant(self, value: Any, hint: str = "c") -> str:
        """A name bound to `value` in the generated module (one name per distinct object)."""
        if isinstance(value, str):
            return repr(value)
        if value is None or isinstance(value, bool):
            return repr(value)
        name = self.by_id.get(id(value))
        if name is None:
            name = f"{hint}{len(self.names)}"
            self.names[name] = value
            self.by_id[id(value)] = name
        return name

    def __call__(self, indent: int, text: str) -> None:
        self.lines.append("    " * (self.base + indent) + text)


def one_month(runner: _Runner):
    """The generated function billing an account record for `runner`'s single month: record ->
    its `Outcome`, from the interpreter when the record is outside the compiled path."""
    month = runner.last_month
    key = runner.info(month)[0]
    out = _Writer()
    names = out.names
    names.update(
        ZERO=outcomes._ZERO, I=outcomes._Interpret, Outcome=outcomes.Outcome,
        Line=outcomes.Line, Ruling=outcomes.Ruling, CURRENCY=runner.currency, runner=runner,
        extra=rules.extra, ladder_move=rules.ladder_move,
        add_ons=rules.add_ons, bill_total=rules.bill_total, new=outcomes._new,
        addon_figures=rules.addon_figures,
        walk=runner.walk, day_months=runner.day_months, day_month=runner.day_month,
        checked=runner.checked, Figure=Figure, NOTHING=runner.nothing, fallback=runner.fallback,
        Decimal=Decimal,
        month_figure=runner.month_figure, uptimes=runner.uptimes, refund=runner.refund,
        FeeLine=runner.band_line_kind,
    )
    meters = [(i, name, runner.meters[name]) for i, name in enumerate(runner.meter_names)]
    at = _Months(out, runner, loop=False)
    days = out.constant(dict(runner.day_sets)[month], "days")  # each written `2026-11-05`

    arguments = "".join(f"m{index}, " for index, _, _ in meters)
    inline = len(runner.tiers) <= INLINE_PLANS
    if not inline:  # many plans: one function each, found by the plan's name
        functions = {}
        for number, (plan_name, tier) in enumerate(runner.tiers.items()):
            functions[plan_name] = f"plan{number}"
            out(0, f"def plan{number}(name, record, status, {arguments}lookback, up, trace):")
            out.base = 1
            _plan(out, runner, tier, at)
            out.base = 0
            out(0, "")
        out(0, "PLANS = {" + ", ".join(f"{p!r}: {f}" for p, f in functions.items()) + "}")
        out(0, "")

    # ---- the entry point: the record's shape, its figures, then its plan's steps ----
    out(0, "def one_month(record, trace=False):")
    entry = len(out.lines)
    out.giving = True
    out(1, "try:")
    out.base = 1  # the body, in the try
    out(1, "if type(record) is not dict:")
    out(2, "raise I")
    out(1, "name = record.get('account')")
    out(1, "plan = record.get('plan')")
    out(1, "status = record.get('status')")
    out(1, "usage = record.get('usage')")
    out(1, "lookback = record.get('lookback')")
    # uptime only where a plan refunds by it (else the general walk checks it, and ignores it)
    refunds = any(tier.sla is not None for tier in runner.tiers.values())
    if refunds:
        out(1, "uptime = record.get('uptime')")
    priced = bool(runner.catalog.priced)  # several currencies: the record may name its own
    if priced:
        out(1, "currency = record.get('currency')")
    out(1, "if len(record) != 2 + (status is not None) + (usage is not None) + "
        "(lookback is not None)" + (" + (uptime is not None)" if refunds else "")
        + (" + (currency is not None)" if priced else "") + ":")
    out.give(2, "walk(record, trace)[0]", "  # a timeline, a start date, ...: the general walk")
    out(1, "if type(name) is not str or not name:")
    out(2, "raise I")
    if priced:
        _currency(out, 1)
    out(1, "if status is not None and status != 'active' and status != 'suspended':")
    out(2, "raise I")
    for index, _, _ in meters:
        out(1, f"m{index} = ZERO")
    _usage(out, 1, meters)
    for index, _, spec in meters:
        meter_name = out.constant(spec, "meter")
        out(2, f"if d{index} is not None:")
        if not spec.usage:  # a count or snapshots meter: its day figures, read here
            _day_figures(out, runner, index, spec, month, days)
            continue
        if not (spec.plain and spec.usage):  # the figure `_Meter` measures
            out(3, f"m{index} = month_figure(d{index}, {meter_name}, {month})")
            continue
        unit_name = out.constant(spec.unit, "unit")
        out(3, f"if type(d{index}) is dict and len(d{index}) == 1 and "
            f"type(daily := d{index}.get('daily')) is dict:")
        added = f"m{index} = value if m{index} is ZERO else m{index} + value"

        def day(indent: int, alone: bool, added: str = added, unit_name: str = unit_name,
                first: str = f"m{index} = value") -> None:
            """A day's figure `value` of the day `day`, added when the day is of the month (the
            first, alone: the month's figure)."""
            _read_value(out, indent, "value", unit_name)
            out(indent, f"if day in {days}:  # a day of the month, written `2026-11-05`")
            out(indent + 1, first if alone else added)
            out(indent, "else:  # another month's, or another spelling: as the general walk")
            out(indent + 1, "number = day_months.get(day)")
            out(indent + 1, "if number is None:")
            out(indent + 2, "number = day_month(day, daily)")
            out(indent + 1, f"if number == {month}:")
            out(indent + 2, added)

        out(4, "if len(daily) == 1:  # one alone: the common case")
        out(5, "day, = daily")
        out(5, "value = daily[day]")
        day(5, True)
        # whole numbers, every day of the month: added as such, each within the reader's bounds
        # (all at least 0, their sum below the largest figure), as `_read_value` reads each
        out(4, f"elif daily.keys() <= {days} and set(map(type, figures := daily.values())) == "
            f"{out.constant(_WHOLE, 'WHOLE')} and min(figures) >= 0 and "
            f"(total := sum(figures)) < {out.constant(_LARGEST_INT, 'LARGEST')}:")
        out(5, f"m{index} = Decimal(total)")
        out(4, "else:")
        out(5, "for day, value in daily.items():")
        day(6, False)
        out(3, "else:  # usage events, or events and daily figures: the general reading")
        out(4, f"m{index} = month_figure(d{index}, {meter_name}, {month})")
    if refunds:
        out(1, f"up = None if uptime is None else uptimes(uptime).get({month})  # checks them all")
    elif not inline:
        out(1, "up = None")
    if inline:  # a few plans: each plan's steps in place, the plan found by comparisons
        for number, (plan_name, tier) in enumerate(runner.tiers.items()):
            out(1, f"{'el' if number else ''}if plan == {plan_name!r}:")
            out.base = 2
            _plan(out, runner, tier, at)
            out.base = 1
        out(1, "raise I  # a plan the catalog does not have")
    else:
        out(1, "bill = PLANS.get(plan)")
        out(1, "if bill is None:")
        out(2, "raise I  # a plan the catalog does not have")
        out.give(1, f"bill(name, record, status, {arguments}lookback, up, trace)")
    out.base = 0
    out(1, "except (I, ArithmeticError):  # decimal's errors are ArithmeticErrors")
    out.give(2, "fallback(record)", "  # the interpreter, with its errors for a bad account")
    out.giving = False
    body = out.lines[entry:]
    # ---- a batch: the same steps for each record in turn, the outcomes in a list ----
    out(0, "")
    out(0, "def batch(records, trace=False):")
    out(1, "outcomes = []")
    out(1, "append = outcomes.append")
    out(1, "for record in records:")
    for number, line in enumerate(body, entry):
        given = out.gives.get(number)
        if given is None:
            out(1, line)
        else:
            indent = line[:len(line) - len(line.lstrip())]
            out(1, f"{indent}append({given})")
            out(1, f"{indent}continue")
    out(1, "return outcomes")

    source = "\n".join(out.lines) + "\n"
    namespace = dict(names)
    code = compile(source, f"<planlang: {runner.catalog.name} {key}>", "exec")
    exec(code, namespace)  # noqa: S102 - our own generated source, from the checked catalog
    function = namespace["one_month"]
    function.batch = namespace["batch"]
    function.source = source
    return function


def _currency(out: _Writer, indent: int) -> None:
    """The record's currency, where the catalog prices in several: this runner's, or none."""
    out(indent, "if currency is not None and currency != CURRENCY:")
    out(indent + 1, "raise I  # another currency's runner bills it, or the interpreter refuses it")


def months(runner: _Runner):
    """The generated function billing an account record for `runner`'s months (several): record
    -> its `Outcome`s, one per period asked, from the interpreter when the record is outside the
    compiled path. One loop walks the months from the first asked to the last, as the general
    walk does, carrying the plan, the ladder's look-back and the add-ons decided from month to
    month; the record's day figures are read once, before it, into each month's sum. A record
    the loop does not take (a start date, a plan change or payment on its timeline, an event
    before the first month, usage over a limit...) goes to the general walk whole."""
    first, last = runner.first_month, runner.last_month
    count = last - first + 1
    out = _Writer()
    out.names.update(
        ZERO=outcomes._ZERO, I=outcomes._Interpret, Outcome=outcomes.Outcome,
        Line=outcomes.Line, Ruling=outcomes.Ruling, CURRENCY=runner.currency, runner=runner,
        extra=rules.extra, over_ceiling=rules.over_ceiling, ladder_move=rules.ladder_move,
        add_ons=rules.add_ons, bill_total=rules.bill_total, new=outcomes._new,
        addon_figures=rules.addon_figures, addon_bill=runner.addon_bill,
        walk=runner.walk, day_months=runner.day_months, day_month=runner.day_month,
        checked=runner.checked, Figure=Figure, NOTHING=runner.nothing,
        fallback=runner.compiled._fallback, ASKED=runner.asked, TIERS=runner.tiers,
        timeline_events=runner.timeline_events, lookback_of=runner.lookback,
        run_figures=runner.run_figures, uptimes=runner.uptimes, refund=runner.refund,
        Decimal=Decimal, FeeLine=runner.band_line_kind,
    )
    at = _Months(out, runner, loop=True)
    meters = [(i, name, runner.meters[name]) for i, name in enumerate(runner.meter_names)]
    # each day of the run's months, written `2026-11-05`: its month's place in the run
    days = out.constant({day: month - first for month, written in runner.day_sets
                         for day in written}, "days")
    refunds = any(tier.sla is not None for tier in runner.tiers.values())
    keys = ("status", "usage", "lookback", "timeline") + (("uptime",) if refunds else ()) + (
        ("currency",) if runner.catalog.priced else ())

    out(0, "def months(record, trace=False):")
    out(1, "try:")
    out(2, "if type(record) is not dict:")
    out(3, "raise I")
    out(2, "name = record.get('account')")
    out(2, "plan = record.get('plan')")
    for key in keys:
        out(2, f"{key} = record.get({key!r})")
    out(2, "if len(record) != 2 + " + " + ".join(f"({key} is not None)" for key in keys) + ":")
    out(3, "return walk(record, trace)  # a start date, ...: the general walk")
    out(2, "if type(name) is not str or not name:")
    out(3, "raise I")
    if runner.catalog.priced:
        _currency(out, 2)
    out(2, "if status is None:")
    out(3, "status = 'active'")
    out(2, "elif status != 'active' and status != 'suspended':")
    out(3, "raise I")
    out(2, "if type(plan) is not str or plan not in TIERS:")
    out(3, "raise I  # a plan the catalog does not have")
    # the timeline's status changes, read as the general walk reads them; anything else on it,
    # or an event before the first month (where the walk would start), goes to the walk
    out(2, "events = ()")
    out(2, "if timeline is not None:")
    out(3, "events = timeline_events(timeline)")
    out(3, "for _, day, became in events:")
    start = out.constant(dt.date(first // 12, first % 12 + 1, 1), "first_day")
    out(4, f"if type(became) is not str or day < {start}:")
    out(5, "return walk(record, trace)  # a plan change, a payment, ...: the general walk")
    out(2, "history = [] if lookback is None else lookback_of(lookback, TIERS[plan])")
    if refunds:
        out(2, "ups = None if uptime is None else uptimes(uptime)  # checks them all")
    # ---- each meter's figure of each month: the day figures of a usage meter summed in place,
    # every figure checked as the general walk checks it; any other data read by the walk's
    # reading (`run_figures`)
    zeros = out.constant((outcomes._ZERO,) * count, "zeros")
    for index, _, _ in meters:
        out(2, f"t{index} = {zeros}")
    _usage(out, 2, meters)
    for index, name, spec in meters:
        out(3, f"if d{index} is not None:")
        if not (spec.plain and spec.usage):
            out(4, f"t{index} = run_figures({name!r}, d{index})")
            continue
        unit = out.constant(spec.unit, "unit")
        texts = out.constant(runner.readings_in(spec.unit), "texts")
        out(4, f"if type(d{index}) is dict and len(d{index}) == 1 and "
            f"type(daily := d{index}.get('daily')) is dict:")
        out(5, f"t{index} = [ZERO] * {count}")
        out(5, "for day, value in daily.items():")
        _read_value(out, 6, "value", unit, texts)
        out(6, f"i = {days}.get(day)")
        out(6, "if i is None:  # another month's, or another spelling: as the general walk")
        out(7, "number = day_months.get(day)")
        out(7, "if number is None:")
        out(8, "number = day_month(day, daily)")
        out(7, f"i = number - {first}")
        out(7, f"if not 0 <= i < {count}:")
        out(8, "continue")
        out(6, f"t{index}[i] += value")
        out(4, "else:  # usage events, or events and daily figures: the general reading")
        out(5, f"t{index} = run_figures({name!r}, d{index})")
    # ---- the months, in order
    out(2, "outcomes = []")
    out(2, "append = outcomes.append")
    if any(tier.addon is not None for tier in runner.tiers.values()):
        out(2, "addons = 0")
    out(2, f"for i in range({count}):")
    out.base = 2  # the loop's body
    for index, _, _ in meters:
        out(1, f"m{index} = t{index}[i]")
    if refunds:
        out(1, f"up = None if ups is None else ups.get({first} + i)")
    out(1, "made = ()")
    out(1, f"while events and events[0][1] <= {at.last}:  # the month's status changes")
    out(2, "_, day, became = events.pop(0)")
    if runner.suspend:
        suspension = out.constant(runner.suspension_rule, "rule")
        out(2, "if became != status:")
        out(3, f"made += (Ruling(('status', name, day, became, 'status-' + became, "
            f"{suspension}, day)),)")
    out(2, "status = became")
    if runner.suspend:  # a suspended month is neither billed nor evaluated
        out(1, "if status == 'suspended':")
        at.give(2, f"Outcome((name, {at.key}, plan, plan, NOTHING, (), made + (Ruling(("
                f"'not-billed', name, {at.last}, 'suspended', 'suspended', {suspension}, "
                "None)),), runner, record))")
    for number, (plan_name, tier) in enumerate(runner.tiers.items()):
        out(1, f"{'el' if number else ''}if plan == {plan_name!r}:")
        out.base = 3
        _plan(out, runner, tier, at)
        out.base = 2
    out.base = 0
    order = tuple(month - first for month in runner.asked_months)
    if order == tuple(range(count)):
        out(2, "return outcomes")
    else:  # the periods asked, in the order asked
        out(2, f"return [outcomes[k] for k in {out.constant(order, 'order')}]")
    out(1, "except (I, ArithmeticError):  # decimal's errors are ArithmeticErrors")
    out(2, "return fallback(record, ASKED)  # the interpreter, with its errors for a bad account")

    source = "\n".join(out.lines) + "\n"
    namespace = dict(out.names)
    code = compile(source, f"<planlang: {runner.catalog.name} {runner.asked[0]}..>", "exec")
    exec(code, namespace)  # noqa: S102 - our own generated source, from the checked catalog
    function = namespace["months"]
    function.source = source
    return function


def _usage(out: _Writer, indent: int, meters: list) -> None:
    """`if usage is not None:` and, in it, each meter's data as `d0`, `d1`…, the record's usage
    checked to name only the catalog's meters; what follows reads them, at `indent` + 1."""
    out(indent, "if usage is not None:")
    out(indent + 1, "if type(usage) is not dict:")
    out(indent + 2, "raise I")
    for index, name, _ in meters:
        out(indent + 1, f"d{index} = usage.get({name!r})")
    present = " + ".join(f"(d{index} is not None)" for index, _, _ in meters) or "0"
    out(indent + 1, f"if len(usage) != {present}:")
    out(indent + 2, "raise I  # a meter the catalog does not have")


def _each(out: _Writer, indent: int, collection: str, item: str, single: tuple[str, ...],
          step: Callable[[int, bool], None], start: str = "") -> None:
    """`step` for each item of a list or dict: for one item alone (the common case) without an
    iterator, taken by the statements `single` (`step(indent, True)`); else `start`, then
    `for {item} in` the collection (its items)."""
    out(indent, f"if len({collection}) == 1:  # one alone: the common case")
    for statement in single:
        out(indent + 1, statement)
    step(indent + 1, True)
    out(indent, "else:")
    if start:
        out(indent + 1, start)
    items = f"{collection}.items()" if "," in item else collection
    out(indent + 1, f"for {item} in {items}:")
    step(indent + 2, False)


def _day_figures(out: _Writer, runner: _Runner, index: int, spec: _Meter, month: int,
                 days: str) -> None:
    """Source reading a count or snapshots meter's figure `m{index}` from its data `d{index}`,
    as `_Runner.meter_months` and `_Meter.figure` read it: its day figures of the month, all
    whole numbers, all texts (`3000 MB`) read before (`_Runner.readings_in`) or all numbers,
    each within the reader's bounds, totalled, and the month's figure from the total by
    `rules.metered`, written in place (or the highest day, for a meter without a monthly
    step); anything else (intervals, `{count, disabled}`, a figure out of bounds) is read by
    the general reading (`_Runner.month_figure`), which says what is wrong."""
    data = f"d{index}"
    largest = out.constant(_LARGEST_INT, "LARGEST")
    finest = -money.MAX_DIGITS
    readings = out.constant(runner.readings_in(spec.unit).get, "readings")
    whole = out.constant(_WHOLE, "WHOLE")
    # `rules.metered`'s arguments: the meter's steps as the plain strings they compare with
    steps = [None if value is None else str(value) for value in (spec.monthly, spec.direction)]
    arguments = [steps[0], _name("total"), _name("highest"), runner.days_of(month), steps[1],
                 spec.step]
    highest = spec.peak or _uses(out, "highest", rules.metered, arguments)
    out(3, "total = None")
    out(3, f"if type({data}) is dict and len({data}) == 1 and type(daily := {data}.get('daily'))"
        f" is dict and daily and daily.keys() <= {days}:  # day figures of the month alone")
    out(4, "figures = daily.values()")
    out(4, "kinds = set(map(type, figures))")
    if spec.counted and not spec.subtract:  # `{count, disabled}`: its count (`day_count`)
        out(4, f"if kinds == {out.constant(_DICTS, 'DICTS')} and "
            f"{out.constant(_DAY_COUNT_KEYS, 'COUNT_KEYS')} >= set().union(*figures):")
        out(5, f"disabled = list(map(dict.get, figures, {out.constant(_DISABLED, 'DISABLED')}, "
            f"{out.constant(_NONE_DISABLED, 'NONE_DISABLED')}))")
        out(5, f"if set(map(type, disabled)) == {whole} and min(disabled) >= 0 and "
            f"max(disabled) < {largest}:  # whole numbers in bounds, else the general reading")
        out(6, f"figures = list(map(dict.get, figures, {out.constant(_COUNT, 'COUNT')}))")
        out(6, "kinds = set(map(type, figures))")
    out(4, f"if kinds == {whole}:  # whole numbers: added as such")
    out(5, f"if min(figures) >= 0 and (total := sum(figures)) < {largest}:  # so each is")
    out(6, "total = Decimal(total)")
    if highest:
        out(6, "highest = Decimal(max(figures))")
    out(5, "else:")
    out(6, "total = None")
    out(4, f"elif kinds == {out.constant(_TEXTS, 'TEXTS')}:  # `3000 MB`: as read "
        "before (else the general reading reads them)")
    out(5, f"figures = list(map({readings}, figures))")
    out(5, "try:")
    out(6, "total = sum(figures, ZERO)")
    if highest:
        out(6, "highest = ZERO + max(figures)")
    out(5, "except TypeError:  # None: a text not read before")
    out(6, "pass")
    out(4, f"elif kinds <= {out.constant(_NUMBERS, 'NUMBERS')} and min(figures) >= 0:")
    out(5, "total = sum(figures, ZERO)  # exact: its exponent is its finest figure's")
    out(5, f"if total >= {largest} or total.as_tuple().exponent < {finest}:  # each in bounds")
    out(6, "total = None")
    if highest:
        out(5, "else:")
        out(6, "highest = ZERO + max(figures)")
    out(3, "if total is None:  # intervals, `{count, disabled}`, a figure out of bounds...")
    out(4, f"m{index} = month_figure({data}, {out.constant(spec, 'meter')}, {month})")
    out(3, "else:")
    if spec.peak:  # no monthly step: the highest day, what a ceiling is compared with
        out(4, f"m{index} = highest")
        return
    _call(out, rules.metered, arguments,
          lambda value, at: out(at, f"m{index} = {ast.unparse(value)}"), 4)


def _read_value(out: _Writer, indent: int, value: str, unit: str, texts: str = "") -> None:
    """Source reading one figure as the general walk does: a `Figure` was checked when read;
    anything else is checked now (`_Runner.checked`), or raises `_Interpret`. Given `texts` (the
    runner's readings of figures written as text in the unit), a text read before is looked up
    there first. A whole number within the reader's bounds is taken as `checked` takes it."""
    out(indent, f"if type({value}) is int and 0 <= {value} < "
        f"{out.constant(_LARGEST_INT, 'LARGEST')}:  # a whole number, as `checked` reads it")
    out(indent + 1, f"{value} = Decimal({value})")
    if texts:
        out(indent, f"elif type({value}) is str:")
        out(indent + 1, f"read = {texts}.get({value})")
        out(indent + 1, f"{value} = checked({value}, {unit}) if read is None else read")
    out(indent, f"elif type({value}) is not Figure:")
    out(indent + 1, f"{value} = checked({value}, {unit})")


class _Months:
    """The months a plan's steps are written for: the one month of `one_month`, or each month of
    the loop `months` writes (`loop`; the month's place in the run is then `i`).

    A constant that differs from month to month (the month's key and dates, its fee lines, the
    decisions scheduled at its end) is written as a name for one month, and as the item of a
    tuple by month in the loop (`fee_lines3[i]`). In the loop, the decisions made on the month's
    days (status changes: `made`) come before the bill's, and an outcome is given by appending
    it and going on to the next month with the plan and add-ons it scheduled (`give`)."""

    def __init__(self, out: _Writer, runner: _Runner, loop: bool) -> None:
        self.out = out
        self.runner = runner
        self.loop = loop
        self.months = (range(runner.first_month, runner.last_month + 1) if loop
                       else range(runner.last_month, runner.last_month + 1))
        self.key = self.constant(lambda month: runner.info(month)[0], "key")
        self.last = self.constant(lambda month: runner.info(month)[1], "last_day")
        self.made = "made" if loop else ""

    def constant(self, value_of: Callable[[int], Any], hint: str) -> str:
        """The source of a constant that `value_of` gives for each month."""
        if not self.loop:
            return self.out.constant(value_of(self.months[0]), hint)
        return f"{self.out.constant(tuple(value_of(month) for month in self.months), hint)}[i]"

    def ruling(self, kind: str, subject: str, code: str, rule) -> str:
        """A decision scheduled at the month's end for next month, the same for every account:
        the source of a tuple of it alone."""
        return self.constant(lambda month: _ruling_of(self.runner, month, kind, subject, code,
                                                      rule), "ruling")

    def give(self, indent: int, outcome: str, then: tuple[str, ...] = ()) -> None:
        """The month's outcome: returned, or in the loop appended, the statements `then` (the
        state carried to the next month) written, and the next month begun."""
        if not self.loop:
            self.out.give(indent, outcome)
            return
        self.out(indent, f"append({outcome})")
        for statement in then:
            self.out(indent, statement)
        self.out(indent, "continue")

    def walk(self, indent: int, why: str) -> None:
        """The record to the general walk, for every month."""
        if self.loop:
            self.out(indent, f"return walk(record, trace)  # {why}: the walk's")
        else:
            self.out.give(indent, "walk(record, trace)[0]", f"  # {why}: the walk's")


def _lookback(out: _Writer, runner: _Runner, tier: _Tier) -> bool:
    """One month's look-back (the loop reads it once, before its first month): only on a
    ladder's plan, every figure read as usage is; whether it is kept (`history`)."""
    if tier.ladder is None:
        out(1, "if lookback is not None:")
        out(2, "raise I  # a look-back off a ladder: the interpreter says so")
        return False
    unit = out.constant(runner.meter_units[tier.ladder.item], "unit")
    # the evaluated periods' usage, this month's added below (`rules.ladder_move`), when
    # the tier's move looks at them (a tier without a lower one does not: they are checked)
    history = _uses(out, "history", rules.ladder_move, [tier.rung, _name(f"m{tier.index}"),
                                                        _name("history")])
    if history:
        out(1, "if lookback is None:")
        out(2, "history = []")
        out(1, "else:")
    else:
        out(1, "if lookback is not None:")
    out(2, "if type(lookback) is not list:")
    out(3, "raise I")

    def back(indent: int, alone: bool) -> None:
        """A figure `value` of the look-back, kept in `history` or only checked; one alone
        is kept as `back`, `history` None (the ladder's window then written as known)."""
        if history and alone:
            _read_value(out, indent, "back", unit)
            out(indent, "history = None  # the look-back is `back` alone")
        elif history:
            _read_value(out, indent, "value", unit)
            out(indent, "history.append(value)")
        else:
            out(indent, "if type(value) is not Figure:")
            out(indent + 1, f"checked(value, {unit})")

    _each(out, 2, "lookback", "value", (f"{'back' if history else 'value'} = lookback[0]",),
          back, "history = []" if history else "")
    return history


def _plan(out: _Writer, runner: _Runner, tier: _Tier, at: _Months) -> None:
    """A plan's steps for the month, in the general walk's order: look-back, suspension, fee,
    add-ons, extras, SLA refund, ladder (in the loop, the look-back and the suspension are taken
    before the plan's steps, for every plan). Names in scope: name, record, status, m0.. (each
    meter's figure), lookback, up (the month's uptime or None), trace; in the loop also made,
    history and addons (what the last billed month decided)."""
    plan = tier.name
    if tier.plan.seat_item is not None:  # its fee from the seats' day figures, in the walk
        at.walk(1, "a fee per seat")
        return
    if tier.bounded or tier.pools:  # a minimum or a cap on the month's charges, or a pool
        at.walk(1, "a minimum or a cap on the charges, or a pool")
        return
    if tier.paid:  # each payment's fee and bounds (`_Runner.payment_lines`), in the walk
        at.walk(1, "payments")
        return
    # whether the evaluated months' usage is kept (in the loop: always, from month to month)
    history = at.loop or _lookback(out, runner, tier)
    if runner.suspend and not at.loop:
        suspension = out.constant(runner.suspension_rule, "rule")
        out(1, "if status == 'suspended':")
        out.give(2, f"Outcome((name, {at.key}, {plan!r}, {plan!r}, NOTHING, (), "
                 f"(Ruling(('not-billed', name, {at.last}, 'suspended', 'suspended', "
                 f"{suspension}, None)),), runner, record))")
    for index, _ in tier.unoffered:  # usage of an item the plan does not offer: reported
        out(1, f"if m{index}:")
        at.walk(2, "usage of an item the plan does not offer")
    # one tuple for every account, and its total (`rules.bill_total` of the lines), worked out
    # here once for the fee line alone, for each account only when it has more lines
    lines = at.constant(lambda month: (runner.info(month)[3][plan],), "fee_lines")
    total = at.constant(lambda month: rules.bill_total((runner.info(month)[3][plan],),
                                                       runner.currency), "fee_total")
    fee = at.constant(lambda month: runner.info(month)[3][plan], "fee_line")
    extras = sum(bool(priced) for *_, priced, _, _, _ in tier.items)
    more = tier.sla is not None or extras  # whether lines may follow the fee and the add-ons
    # the add-on subscriptions the last billed month decided (in the loop): the month's lines
    # and total with them the same for every account with as many (`runner.addon_bill`)
    addons = at.loop and tier.addon is not None
    if addons:
        bills = at.constant(lambda month: runner.addon_bills.setdefault((month, plan), {}),
                            "addon_bills")
        out(1, "if addons:")
        out(2, f"held = {bills}.get(addons)")
        out(2, "if held is None:")
        out(3, f"held = addon_bill({at.months[0]} + i, {out.constant(tier, 'tier')}, addons)")
        out(2, "lines, total = held")
        out(1, "else:")
        out(2, f"lines, total = {lines}, {total}")
        if more:
            out(1, "start = lines")
    elif more:
        out(1, f"lines = {lines}")  # …to which lines may be added
    # one extra alone: the lines known where it is added, and their total worked out there
    one = extras == 1 and tier.sla is None and not addons
    if one:
        out(1, f"total = {total}")
    alone = not addons  # whether `lines` is still the fee line alone wherever this extra is added
    for index, item, included, ceiling, priced, price, block, rule in tier.items:
        if ceiling is not None:

            def over(value: ast.expr, indent: int) -> None:
                """A usage-over-limit decision (`rules.over_ceiling`) is the walk's."""
                out(indent, f"if {ast.unparse(value)}:")
                at.walk(indent + 1, "a usage-over-limit decision")

            _call(out, rules.over_ceiling, [_name(f"m{index}"), ceiling], over)
        if type(priced) is tuple:  # a tiered price: `rules.tiered` in place, a line per charge
            _tiered(out, runner, tier, at, index, item, priced, fee if one else None)
            alone = False
        elif priced:
            price_name = out.constant(price, "price")
            extra = (f"Line(('extra', {item!r}, {plan!r}, blocks, {price_name}, amount, "
                     f"{out.constant(rule, 'rule')}))")
            added = f"lines = ({fee}, {extra})" if alone else f"lines += ({extra},)"

            def charged(value: ast.expr, indent: int, added: str = added, extra: str = extra) -> None:
                """The extra's lines from `rules.extra`'s result: None or (blocks, amount)."""
                if _is_none(value):
                    return
                if isinstance(value, ast.Tuple) and len(value.elts) == 2 and not any(
                        isinstance(e, ast.Starred) for e in value.elts):
                    out(indent, f"blocks, amount = {ast.unparse(value)}")
                else:
                    out(indent, f"charged = {ast.unparse(value)}")
                    out(indent, "if charged is not None:")
                    out(indent + 1, "blocks, amount = charged")
                    indent += 1
                if not one:
                    out(indent, added)
                    return
                named = fee  # the fee line: a constant of the module (its amount folded in)
                if at.loop:  # …or the month's, taken from the tuple of them
                    out(indent, f"fee = {fee}")
                    named = "fee"
                out(indent, f"line = {extra}")
                out(indent, f"lines = ({named}, line)")
                _call(out, rules.bill_total, [ast.Tuple([_name(named), _name("line")], ast.Load()),
                                              runner.currency],
                      lambda value, where: out(where, f"total = {ast.unparse(value)}"), indent)

            _call(out, rules.extra, [_name(f"m{index}"), included, block, price,
                                     runner.currency], charged)
            alone = False
    sla = ""  # the refund's decision, before the ladder's
    if tier.sla is not None:
        sla = "sla"
        out(1, "sla = ()")
        out(1, "if up is not None:")
        out(2, f"refunded = refund({out.constant(tier, 'tier')}, up, {at.last}, trace)")
        out(2, "if refunded is not None:")
        out(3, "lines += (refunded[0],)")
        out(3, "sla = (refunded[1],)")
        alone = False
    if addons:
        if more:
            out(1, "if lines is not start:")
            out(2, "total = bill_total(lines, CURRENCY)")
        total, lines = "total", "lines"
    elif not alone:
        if not one:
            out(1, f"total = {total} if lines is {lines} else bill_total(lines, CURRENCY)")
        total, lines = "total", "lines"
    before = " + ".join(made for made in (at.made, sla) if made)  # the decisions made so far
    if tier.ladder is None:
        at.give(1, f"Outcome((name, {at.key}, {plan!r}, {plan!r}, {total}, {lines}, "
                f"{before or '()'}, runner, record))")
        return
    usage = f"m{tier.index}"
    rung = tier.rung
    assert rung is not None
    # the decisions a move gives, the same for every account (`rules.Move`: kind, plan, rule)
    # With `trace`, a decision made carries the figures its reason states: a move's own
    # (`rules.Move.figures`), an add-on's from `rules.addon_figures`, as the general walk's.
    moves = {}
    if rung.up is not None:
        moves["tier-up"] = ("tier-change", rung.up.plan, "tier-up", rung.up.rule)
    if rung.down is not None:
        moves["tier-down"] = ("tier-change", rung.down.plan, "tier-down", rung.down.rule)
    if history and at.loop:
        out(1, f"history.append({usage})")
    then = f"{before} + " if before else ""
    overflow = rung.overflow
    if overflow is not None:
        addon_decision = at.ruling("add-on", overflow.plan, "above-top-tier", overflow.rule)

    def counted(indent: int, scheduled: ast.expr) -> None:
        """The add-on subscriptions for next month (`rules.add_ons`) and their decision, for
        the plan `scheduled` (a constant in a move's branch: what it decides is taken out)."""
        if overflow is None:
            return

        def count(value: ast.expr, at_indent: int) -> None:
            if isinstance(value, ast.Constant) and value.value == 0:  # none
                if at.loop:
                    out(at_indent, "count = 0")
                return
            out(at_indent, f"count = {ast.unparse(value)}")
            out(at_indent, "if count:")
            out(at_indent + 1, "if trace:")
            out(at_indent + 2, f"decisions += (new(Ruling, {addon_decision}[0] + (addon_figures("
                f"{out.constant(overflow, 'overflow')}, {usage}, count),)),)")
            out(at_indent + 1, "else:")
            out(at_indent + 2, f"decisions += {addon_decision}")

        _call(out, rules.add_ons, [rung, _name(usage), scheduled], count, indent)

    def moved(value: ast.expr, indent: int) -> None:
        """The next plan and the decisions from `rules.ladder_move`'s result: None, or a `Move`
        (for one whose kind, plan and rule are constants: its decision, the same for every
        account; its figures made only with `trace`); then the add-ons for the plan next."""
        if _is_none(value):
            out(indent, f"scheduled = {plan!r}")
            out(indent, f"decisions = {before or '()'}")
            counted(indent, ast.Constant(plan))
            return
        move = _constructed(out, value, rules.Move)
        if move is not None:
            kind, target, rule = (_known(out, move[field]) for field in ("kind", "plan", "rule"))
            if kind in moves and type(target) is str and rule is not _NOT_KNOWN:
                decision = at.ruling("tier-change", target, kind, rule)
                figures = ast.unparse(move["figures"])
                if not _pure(move["figures"]):  # worked out as the rule does, traced or not
                    out(indent, f"figures = {figures}")
                    figures = "figures"
                out(indent, f"scheduled = {target!r}")
                out(indent, f"decisions = {then}{decision}")
                out(indent, "if trace:")
                out(indent + 1, f"decisions = {then}(new(Ruling, {decision}[0] + "
                    f"({figures},)),)")
                counted(indent, ast.Constant(target))
                return
        moves_name = at.constant(lambda month: {kind: made[0] for kind, made in (
            (kind, _ruling_of(runner, month, *what)) for kind, what in moves.items())}, "moves")
        out(indent, f"move = {ast.unparse(value)}")
        out(indent, "if move is None:")
        out(indent + 1, f"scheduled = {plan!r}")
        out(indent + 1, f"decisions = {before or '()'}")
        out(indent, "else:")
        out(indent + 1, "scheduled = move.plan")
        out(indent + 1, f"decisions = {then}({moves_name}[move.kind],)")
        out(indent + 1, "if trace:")
        out(indent + 2, f"decisions = {then}(new(Ruling, {moves_name}[move.kind] + "
            "(move.figures,)),)")
        counted(indent, _name("scheduled"))

    if history and not at.loop:  # one look-back figure alone: the window a list of names
        out(1, "if history is None:")
        _call(out, rules.ladder_move, [rung, _name(usage), ast.List(
            [_name("back"), _name(usage)], ast.Load())], moved, 2)
        out(1, "else:")
        out(2, f"history.append({usage})")
        _call(out, rules.ladder_move, [rung, _name(usage), _name("history")], moved, 2)
    else:
        _call(out, rules.ladder_move, [rung, _name(usage), _name("history")], moved)
    at.give(1, f"Outcome((name, {at.key}, {plan!r}, scheduled, {total}, {lines}, "
            "decisions, runner, record))",
            ("plan = scheduled",) + (("addons = count",) if overflow is not None else ()))


def _tiered(out: _Writer, runner: _Runner, tier: _Tier, at: _Months, index: int, item: str,
            bands: tuple, fee: str | None) -> None:
    """A tiered price's lines (`rules.tiered`, written in place): a charge whose figures are
    the same for every account (a band below the month's figure, whole) a line made here, once;
    the others made for the account (`_Runner.band_line`). With `fee` (the fee line's source:
    the price is the plan's only charge), the month's lines are the fee's and these, their
    total `rules.bill_total` written in place; else they are added to `lines`."""
    volume, parts = runner.band_parts_of(tier, item)

    def charged(value: ast.expr, indent: int) -> None:
        """The lines of `rules.tiered`'s charges: a tuple written out of (band, quantity,
        amount, flat), the band and flat constants; anything else, the walk's `band_lines`."""
        charges = _charges(out, value)
        if charges is None:
            out(indent, f"lines += {out.constant(runner.band_lines, 'band_lines')}("  # called
                f"{out.constant(tier, 'tier')}, {item!r}, {out.constant(bands, 'bands')}, "
                f"m{index}, {at.months[0]}{' + i' if at.loop else ''}, None, None)")
            if fee is not None:
                out(indent, "total = bill_total(lines, CURRENCY)")
            return
        if not charges:
            return
        names = []
        for number, (band, flat, quantity, amount) in enumerate(charges):
            part = parts[band, flat]
            known = _known(out, quantity), _known(out, amount)
            if all(type(figure) in _FOLDED for figure in known):  # the same for everyone
                names.append(out.constant(runner.band_line(part, *known), "band_line"))
                continue
            name = f"line{number}"  # as `_Runner.band_line` makes it
            names.append(name)
            item_name, plan, price, unit, rule = part
            counted = ast.unparse(quantity)
            if not (isinstance(quantity, ast.Name) and quantity.id in out.decimals):
                counted = f"Decimal({counted})"
            out(indent, f"{name} = new(FeeLine, ('tier', {item_name!r}, {plan!r}, {counted}, "
                f"{out.constant(price, 'price')}, {ast.unparse(amount)}, "
                f"{out.constant(rule, 'rule')}))")
            out(indent, f"{name}.unit = {unit!r}")
            out(indent, f"{name}.steps = ()")
        if fee is None:
            out(indent, f"lines += ({', '.join(names)},)")
            return
        if at.loop:  # the month's fee line, taken from the tuple of them
            out(indent, f"fee = {fee}")
        named: list[ast.expr] = [_name("fee" if at.loop else fee), *map(_name, names)]
        out(indent, f"lines = ({', '.join(map(ast.unparse, named))})")
        _call(out, rules.bill_total, [ast.Tuple(named, ast.Load()), runner.currency],
              lambda value, where: out(where, f"total = {ast.unparse(value)}"), indent)

    _call(out, rules.tiered, [_name(f"m{index}"), bands, volume, runner.currency], charged,
          decimals=(f"m{index}",))


def _charges(out: _Writer, value: ast.expr) -> list[tuple[int, bool, ast.expr, ast.expr]] | None:
    """`rules.tiered`'s charges as written out: (band, flat, the quantity's source, the
    amount's), the band and flat constants; None for anything else."""
    if not _tuple(value):
        return None
    charges = []
    for charge in value.elts:
        if not (_tuple(charge) and len(charge.elts) == 4):
            return None
        band, quantity, amount, flat = charge.elts
        index, fee = _known(out, band), _known(out, flat)
        if type(index) is not int or type(fee) is not bool:
            return None
        charges.append((index, fee, quantity, amount))
    return charges


def _ruling_of(runner: _Runner, month: int, kind: str, subject: str, code: str,
               rule) -> tuple[Ruling]:
    """A decision scheduled at `month`'s end for next month, alone in a tuple."""
    _, last_day, next_first, _ = runner.info(month)
    return (Ruling((kind, subject, last_day, "scheduled", code, rule, next_first)),)


# ---- a rule written in place ----------------------------------------------------------------
#
# A rule called by a plan's steps (`_call`) is written as the rule's own body, read from its
# definition in `rules.py` by `ast` and specialised to the call (`_Inline`): the arguments that
# are the catalog's constants (a tier's `Rung`, an item's included amount) are folded into it,
# so `rung.up` is the tier's `Up` or None and a test of it is decided once, here, and so is
# arithmetic of constants (`step * days`, exact in money.EXACT); the rule's locals get names of
# their own (`ladder_move_window`); a rule of `rules.py` it calls, alone or inside an expression
# (`rounded(...) / days`), is written in place the same way, before the rest of the expression
# and after what Python evaluates before it (`_Inline.hoist`); and each of its `return`s hands
# its value, as an expression, to the caller (`then`), which writes what follows from it.
# Nothing is worked out that the rule does not say: its tests, arithmetic and results are its
# own expressions, and what the constants do not decide is left to the account. A rule written
# with anything this does not know (a loop, a comprehension, a keyword argument...) raises
# `_Unwritable`, and the plan calls it instead.

# the types of constants a test is decided on here (an identity test: any constant)
_FOLDED = (int, str, bool, type(None), Decimal, Fraction)
_NOT_KNOWN = object()
_LONGEST = 200  # lines a rule's call may take written out


class _Unwritable(Exception):
    """A rule's definition uses something `_Inline` does not write in place."""


def _name(name: str) -> ast.Name:
    """A name of the generated function (an account's figure) as a rule's argument."""
    return ast.Name(name, ast.Load())


def _known(out: _Writer, node: ast.expr) -> Any:
    """The value of an expression that is a constant of the generated module, else `_NOT_KNOWN`."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, ast.Name) and node.id in out.names:
        return out.names[node.id]
    return _NOT_KNOWN


class _Lazy(ast.Tuple):
    """The items of a generator over a tuple written out, each evaluated when it is taken: only
    a loop written out (`_Inline.unroll`) takes them."""


class _Bind(ast.stmt):
    """In a loop written out: the loop's name is the item `value` (already specialised)."""

    _fields = ("name", "value")

    def __init__(self, name: str, value: ast.expr) -> None:
        super().__init__()
        self.name = name
        self.value = value


def _plain(node: ast.expr) -> ast.expr:
    """`node`, to be written as it is: not a generator written out (its items would be
    evaluated at once)."""
    if any(isinstance(part, _Lazy) for part in ast.walk(node)):
        raise _Unwritable("a generator's items used otherwise than by a loop")
    return node


def _simple(node: ast.expr) -> bool:
    """A name, a constant, or a tuple of them: an argument written where it is used."""
    if isinstance(node, ast.Tuple):
        return all(isinstance(item, (ast.Name, ast.Constant)) for item in node.elts)
    return isinstance(node, (ast.Name, ast.Constant))


def _inlined(function: Any) -> bool:
    """Whether a function called by a rule is written in place too: a rule of `rules.py` or
    `money.py`."""
    return inspect.isfunction(function) and function.__module__ in (rules.__name__,
                                                                     money.__name__)


def _first(node: ast.expr, known: Callable, called: set[int]) -> tuple[ast.expr | None, bool]:
    """What `_Inline.hoist` writes first of `node`, in the order Python evaluates it: the first
    call of a rule written in place (`_inlined`, not in `called`), or a part evaluated before
    such a call (to be named first, so that the call is written after it), or None; and
    whether `node` only names values (None, True) or does something (None, False). The parts
    evaluated only when an earlier one says so (of `and`, `if … else`, chained comparisons)
    are not looked into."""
    if isinstance(node, (ast.Name, ast.Constant, _Lazy)):
        return None, True
    parts: list[ast.expr]
    if isinstance(node, ast.Call):
        if node.keywords or id(node) in called:
            return None, False
        parts = node.args
    elif isinstance(node, ast.BinOp):
        parts = [node.left, node.right]
    elif isinstance(node, ast.UnaryOp):
        parts = [node.operand]
    elif isinstance(node, ast.Compare):
        parts = [node.left, node.comparators[0]]  # the others only when the first holds
    elif isinstance(node, ast.BoolOp):
        parts = node.values[:1]  # the others only when the first decides nothing
    elif isinstance(node, ast.IfExp):
        parts = [node.test]
    elif isinstance(node, ast.Tuple):
        parts = node.elts
    else:
        return None, False
    done = None  # the last part evaluated that does something
    for part in parts:
        found, pure = _first(part, known, called)
        if found is not None:
            return (found if done is None else done), False
        if not pure:
            done = part
    if isinstance(node, ast.Call):
        function = known(node.func) if isinstance(node.func, ast.Name) else None
        return (node if _inlined(function) else None), False
    return None, isinstance(node, ast.Tuple) and done is None


def _put(tree: ast.expr, old: ast.expr, new: ast.expr, kept: set[int]) -> ast.expr:
    """A copy of `tree` with `new` where `old` was (the calls of `kept` kept as they are)."""
    memo: dict[int, Any] = {id(node): node for node in ast.walk(tree) if id(node) in kept}
    memo[id(old)] = new
    return copy.deepcopy(tree, memo)


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _constructed(out: _Writer, node: ast.expr, kind: type) -> dict[str, ast.expr] | None:
    """A call making a `kind` (a NamedTuple) from positional arguments: its fields' expressions."""
    fields: tuple[str, ...] = getattr(kind, "_fields", ())
    if (isinstance(node, ast.Call) and _known(out, node.func) is kind and not node.keywords
            and len(node.args) == len(fields)
            and not any(isinstance(a, ast.Starred) for a in node.args)):
        return dict(zip(fields, node.args, strict=True))
    return None


def _pure(node: ast.expr) -> bool:
    """Whether an expression only names and collects values (nothing it does can fail), so
    that it may be left unevaluated when its value is not wanted."""
    if isinstance(node, (ast.Name, ast.Constant)):
        return True
    if isinstance(node, ast.Tuple):
        return all(_pure(e) for e in node.elts)
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == "tuple" and not node.keywords and len(node.args) == 1
            and _pure(node.args[0]))


def _call(out: _Writer, function: Callable, arguments: list, then: Callable,
          indent: int = 1, decimals: tuple[str, ...] = ()) -> None:
    """`function(*arguments)` in a plan's steps: written in place, or called when it cannot be.
    `arguments`: names of the generated function (`_name`), tuples of them, or constants;
    `decimals`: those of the names that hold `Decimal`s. `then` writes what follows from a
    value the call gives: `then(expression, indent)`."""
    inline = _Inline(out, decimals)
    code = getattr(function, "__code__", None)
    hints = [*(code.co_varnames[:code.co_argcount] if code else ()), *["k"] * len(arguments)]
    nodes = [a if isinstance(a, ast.expr) else inline.constant(a, hint)
             for a, hint in zip(arguments, hints, strict=False)]
    mark = len(out.lines)
    outer, out.decimals = out.decimals, inline.decimals  # (for `then`, while this call is written)
    try:
        inline.write(function, nodes, indent, then)
    except _Unwritable:
        del out.lines[mark:]
        callee = _name(out.constant(function, function.__name__))
        out.decimals = set()
        then(ast.Call(callee, nodes, []), indent)
    finally:
        out.decimals = outer


def _uses(out: _Writer, name: str, function: Callable, arguments: list) -> bool:
    """Whether `function(*arguments)`, as `_call` writes it, uses `name`."""
    scratch = _Writer()
    scratch.names, scratch.by_id = out.names, out.by_id
    _call(scratch, function, arguments, lambda value, indent: scratch(
        indent, ast.unparse(value)))
    written = ast.parse("\n".join(["def call():", *scratch.lines]))
    return any(isinstance(node, ast.Name) and node.id == name for node in ast.walk(written))


@functools.cache
def _definition(function: Callable) -> ast.FunctionDef:
    """A rule's definition, as written."""
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):  # no source to read (a built-in, a frozen module)
        raise _Unwritable(getattr(function, "__name__", "?")) from None
    definition = ast.parse(textwrap.dedent(source)).body[0]
    if not isinstance(definition, ast.FunctionDef) or definition.decorator_list:
        raise _Unwritable(function.__name__)
    return definition


class _Inline:
    """Writes a rule's call in place (see above)."""

    def __init__(self, out: _Writer, decimals: tuple[str, ...] = ()) -> None:
        self.out = out
        self.start = len(out.lines)
        self.called: set[int] = set()  # (ids of) calls of rules that could not be written in place
        self.written: set[str] = set()  # the rules' locals named so far (each assigned once)
        self.decimals: set[str] = set(decimals)  # the names known to hold `Decimal`s

    def known(self, node: ast.expr) -> Any:
        return _known(self.out, node)

    def local(self, function: Callable, name: str) -> ast.Name:
        """A name for the rule's local `name` (`tiered_low`) not given before in this call: each
        name is assigned once, so a tuple written out of names keeps its values wherever it is
        used."""
        base = written = f"{function.__name__}_{name}"
        number = 1
        while written in self.written:
            number += 1
            written = f"{base}_{number}"
        self.written.add(written)
        return _name(written)

    def assign(self, names: list[str], value: ast.expr, indent: int) -> None:
        """`names = value` written, the names' kind kept when they hold `Decimal`s (`decimal`)."""
        self.out(indent, f"{', '.join(names)} = {ast.unparse(_plain(value))}")
        if len(names) == 1 and self.decimal(value):
            self.decimals.add(names[0])
        elif len(names) == 2 and isinstance(value, ast.Call) and isinstance(value.func, ast.Name) \
                and value.func.id == "divmod" and len(value.args) == 2 and not value.keywords \
                and self.decimal(ast.BinOp(value.args[0], ast.Mod(), value.args[1])):
            self.decimals.update(names)  # `divmod` of Decimals: two Decimals

    def decimal(self, node: ast.expr) -> bool:
        """Whether `node` gives a `Decimal` (or raises): a name known to hold one, a constant
        one, a sum, difference, product or remainder of Decimals and whole numbers with a
        Decimal among them, or either of two such."""
        if isinstance(node, ast.Name):
            return node.id in self.decimals or isinstance(self.known(node), Decimal)
        if isinstance(node, ast.BinOp) and type(node.op) in (ast.Add, ast.Sub, ast.Mult, ast.Mod):
            sides = (node.left, node.right)
            return any(self.decimal(side) for side in sides) and all(
                self.decimal(side) or type(self.known(side)) is int for side in sides)
        if isinstance(node, ast.IfExp):
            return self.decimal(node.body) and self.decimal(node.orelse)
        return False

    def spelled(self, function: Callable, target: str, value: ast.expr, indent: int) -> ast.expr:
        """A tuple written out (`_tuple`) as a tuple of names and constants: each item that is
        neither (nor such a tuple) named first, in the order Python evaluates them."""
        if isinstance(value, (ast.Name, ast.Constant)):
            return value
        if _tuple(value):
            return ast.Tuple([self.spelled(function, target, item, indent)
                              for item in value.elts], ast.Load())
        name = self.local(function, f"{target}_item")
        self.assign([name.id], value, indent)
        return name

    def constant(self, value: Any, hint: str = "k") -> ast.expr:
        """A constant in the source: a literal for a string, a whole number, a truth value or
        None; else a name bound to it (`hint` and a number)."""
        if type(value) in (str, int, bool, type(None)):
            return ast.Constant(value)
        return _name(self.out.constant(value, hint))

    def write(self, function: Callable, arguments: list[ast.expr], indent: int,
              then: Callable) -> None:
        """`function(*arguments)` at `indent`, the arguments names or constants; each value it
        returns is given to `then` with the indent its code goes at."""
        definition = _definition(function)
        parameters = definition.args
        if (parameters.vararg or parameters.kwarg or parameters.kwonlyargs
                or parameters.posonlyargs or len(parameters.args) != len(arguments)):
            raise _Unwritable(function.__name__)
        scope = {a.arg: node for a, node in zip(parameters.args, arguments, strict=True)}
        if any(isinstance(node, ast.List) and not _only_read(function, name)
               for name, node in scope.items()):  # a list it may change: handed over, called
            raise _Unwritable(function.__name__)
        body = definition.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
            body = body[1:]  # the docstring
        self.block(function, body, scope, indent, then)

    def block(self, function: Callable, body: list[ast.stmt], scope: dict, indent: int,
              then: Callable) -> None:
        """The statements of `body` with the names of `scope`; each path ends at a `return`
        (or the end: None), given to `then`. A statement after an `if` is written in each of
        its branches (so a rule of many tests one after another is called instead)."""
        out = self.out
        if len(out.lines) - self.start > _LONGEST:
            raise _Unwritable(f"{function.__name__}: longer than {_LONGEST} lines written out")
        for number, statement in enumerate(body):
            rest = body[number + 1:]
            if isinstance(statement, ast.Return):
                value = ast.Constant(None) if statement.value is None else statement.value
                self.hoist(self.expression(function, value, scope), indent,
                           lambda value, at: then(_plain(value), at))
                return
            if isinstance(statement, ast.For):
                self.unroll(function, statement, rest, scope, indent, then)
                return
            if isinstance(statement, _Bind):
                if isinstance(statement.value, (ast.Name, ast.Constant)):
                    scope[statement.name] = statement.value
                else:
                    scope[statement.name] = self.local(function, statement.name)
                    self.assign([scope[statement.name].id], statement.value, indent)
                continue
            if isinstance(statement, ast.If):
                self.branch(function, statement, rest, scope, indent, then)
                return
            if isinstance(statement, ast.Pass):
                continue
            if isinstance(statement, ast.AnnAssign) and statement.value is not None:
                statement = ast.Assign([statement.target], statement.value)  # `x: tuple = ()`
            if isinstance(statement, ast.AugAssign) and isinstance(statement.target, ast.Name) \
                    and ((isinstance(statement.value, ast.Constant)
                          and type(statement.value.value) is int)  # `whole += 1`: a number's
                         or (isinstance(statement.op, ast.Add)
                             and _tuple(scope.get(statement.target.id)))):  # a tuple's, added
                statement = ast.Assign([ast.Name(statement.target.id, ast.Store())], ast.BinOp(
                    ast.Name(statement.target.id, ast.Load()), statement.op, statement.value))
            if not isinstance(statement, ast.Assign) or len(statement.targets) != 1:
                raise _Unwritable(ast.unparse(statement))
            target = statement.targets[0]
            value = self.expression(function, statement.value, scope)
            if isinstance(target, ast.Name) and self.first(value) is not None:
                self.assign_call(function, target.id, value, rest, scope, indent, then)
                return
            if isinstance(target, ast.Name) and (self.known(value) is not _NOT_KNOWN or (
                    _display(value) and _only_read(function, target.id)
                    and not _locals_in(function, value))):
                scope[target.id] = value  # a constant, or a list of names: written where used
                continue
            if isinstance(target, ast.Name) and _tuple(value):  # kept, its items named
                scope[target.id] = self.spelled(function, target.id, value, indent)
                continue
            names = [n.id for n in (target.elts if isinstance(target, ast.Tuple) else [target])
                     if isinstance(n, ast.Name)]
            if len(names) != (len(target.elts) if isinstance(target, ast.Tuple) else 1):
                raise _Unwritable(ast.unparse(statement))
            for name in names:
                scope[name] = self.local(function, name)
            self.assign([ast.unparse(scope[name]) for name in names], value, indent)
        then(ast.Constant(None), indent)  # the end of the function: None

    def branch(self, function: Callable, statement: ast.If, rest: list[ast.stmt], scope: dict,
               indent: int, then: Callable) -> None:
        """An `if`: the branch the constants decide, else both (an empty one left out)."""
        out = self.out
        test = _truth(self, self.expression(function, statement.test, scope))
        decided = self.known(test)
        if type(decided) in _FOLDED:
            self.block(function, (statement.body if decided else statement.orelse) + rest,
                       scope, indent, then)
            return
        header = len(out.lines)
        out(indent, f"if {ast.unparse(_plain(test))}:")
        self.block(function, statement.body + rest, dict(scope), indent + 1, then)
        middle = len(out.lines)
        out(indent, "else:")
        self.block(function, statement.orelse + rest, dict(scope), indent + 1, then)
        if len(out.lines) == middle + 1:  # nothing to do otherwise
            out.lines.pop()
            if middle == header + 1:  # nor then: the test is still made, as the rule makes it
                out(indent + 1, "pass")
        elif middle == header + 1:  # nothing to do then: the test turned round
            del out.lines[middle]
            out.lines[header] = out.lines[header].replace(
                f"if {ast.unparse(test)}:", f"if not ({ast.unparse(test)}):")

    def assign_call(self, function: Callable, target: str, value: ast.expr,
                    rest: list[ast.stmt], scope: dict, indent: int, then: Callable) -> None:
        """`target = value`, `value` calling a rule written in place (`hoist`), then the rest of
        `function` after each of its returns."""

        def returned(value: ast.expr, at: int) -> None:
            inner = dict(scope)
            value = _joined(value)
            if self.known(value) is not _NOT_KNOWN:
                inner[target] = value
            elif _tuple(value):  # kept, its items named
                inner[target] = self.spelled(function, target, value, at)
            else:
                inner[target] = self.local(function, target)
                self.assign([inner[target].id], value, at)
            self.block(function, rest, inner, at, then)

        self.hoist(value, indent, returned)

    def first(self, node: ast.expr) -> ast.expr | None:
        """What is written first of `node` (`_first`): a call of a rule written in place, or
        a part evaluated before one; None: nothing."""
        return _first(node, self.known, self.called)[0]

    def hoist(self, value: ast.expr, indent: int, then: Callable) -> None:
        """`value` with its calls of rules written in place first, each where `value` evaluates
        it (`first`: nothing but names and constants is evaluated before it), its result put
        where the call was; `then` gets the expression left, with the indent its code goes at.
        A result is named first when another call is still to be written (which would be
        written after it, and whose locals could be named as the result's)."""
        call = self.first(value)
        if call is None:
            then(value, indent)
            return
        if call is value:
            assert isinstance(call, ast.Call)
            self.call(call, indent, then)
            return
        if not (isinstance(call, ast.Call) and _inlined(self.known(call.func))
                and id(call) not in self.called):  # evaluated before a call: named first
            name = f"value__{len(self.out.lines)}"
            self.assign([name], call, indent)
            self.hoist(_put(value, call, _name(name), self.called), indent, then)
            return

        def returned(result: ast.expr, at: int) -> None:
            name = f"{self.known(call.func).__name__}__{len(self.out.lines)}"
            named = _put(value, call, _name(name), self.called)
            if _simple(result) or self.first(named) is None:
                named = _put(value, call, result, self.called)  # the result, where the call was
            else:  # named, so that the next call comes before anything is worked out with it
                self.assign([name], result, at)
            self.hoist(named, at, then)

        self.call(call, indent, returned)

    def call(self, call: ast.Call, indent: int, then: Callable) -> None:
        """A rule's call of a rule of `rules.py` or `money.py`: written in place too, its
        arguments evaluated first, in order (but for names, constants and tuples of them, and
        a generator over such a tuple, taken item by item where it is used); or, when it cannot
        be, called."""
        callee = self.known(call.func)
        if call.keywords or any(isinstance(a, ast.Starred) for a in call.args):
            raise _Unwritable(callee.__name__)
        parameters = _definition(callee).args.args
        if len(parameters) != len(call.args):
            raise _Unwritable(callee.__name__)
        arguments: list[ast.expr] = []
        for parameter, argument in zip(parameters, call.args, strict=True):
            if not (isinstance(argument, _Lazy) or _simple(argument)):
                name = self.local(callee, parameter.arg)
                self.assign([name.id], argument, indent)
                argument = name
            arguments.append(argument)
        values = [self.known(argument) for argument in arguments]
        if all(type(value) in _FOLDED for value in values):  # the same for every account
            try:
                with localcontext(money.EXACT):
                    result = _literal(self, callee(*values))
            except (ArithmeticError, TypeError, ValueError):  # the account's to raise, where it is
                result = None
            if result is not None:
                then(result, indent)
                return
        mark = len(self.out.lines)
        try:
            self.write(callee, arguments, indent, then)
        except _Unwritable:
            del self.out.lines[mark:]
            called = ast.Call(call.func, arguments, [])
            self.called.add(id(called))  # written as a call: not in place again (`hoist`)
            then(_plain(called), indent)

    def unroll(self, function: Callable, statement: ast.For, rest: list[ast.stmt], scope: dict,
               indent: int, then: Callable) -> None:
        """`for item in items:` over a tuple written out (or a generator over one): its body
        once for each item, in turn."""
        items = self.expression(function, statement.iter, scope)
        known = self.known(items)
        if type(known) is tuple:  # a constant's items, each a constant
            items = ast.Tuple([self.constant(item) for item in known], ast.Load())
        if (statement.orelse or not isinstance(items, ast.Tuple) or any(
                isinstance(node, (ast.Break, ast.Continue)) for node in ast.walk(statement))):
            raise _Unwritable(ast.unparse(statement))
        body: list[ast.stmt] = []
        for item in items.elts:
            body += [*self.binds(statement.target, item), *statement.body]
        self.block(function, body + rest, scope, indent, then)

    def binds(self, target: ast.expr, item: ast.expr) -> list[ast.stmt]:
        """The loop's names bound to an item (`_Bind`): one name, or the names of a tuple of
        them (`index, (end, price)`) unpacking a constant or a tuple written out."""
        if isinstance(target, ast.Name):
            return [_Bind(target.id, item)]
        known = self.known(item)
        if type(known) is tuple:
            item = ast.Tuple([self.constant(value) for value in known], ast.Load())
        if not (isinstance(target, ast.Tuple) and isinstance(item, ast.Tuple)
                and not isinstance(item, _Lazy) and len(target.elts) == len(item.elts)):
            raise _Unwritable(ast.unparse(target))
        return [bind for part, value in zip(target.elts, item.elts, strict=True)
                for bind in self.binds(part, value)]

    def expression(self, function: Callable, node: ast.expr, scope: dict) -> ast.expr:
        """`node` with the rule's names replaced (an argument, a local's own name, a module
        constant) and what the constants decide worked out."""
        return _Specialise(self, function, scope).visit(copy.deepcopy(node))


class _Specialise(ast.NodeTransformer):
    """An expression of a rule, for `_Inline.expression`."""

    def __init__(self, inline: _Inline, function: Callable, scope: dict) -> None:
        self.inline = inline
        self.function = function
        self.scope = scope

    def visit_Name(self, node: ast.Name) -> ast.expr:
        names = self.function.__globals__
        if node.id in self.scope:
            return copy.deepcopy(self.scope[node.id])
        if node.id in names:
            return self.inline.constant(names[node.id], node.id)
        if node.id in builtins.__dict__:
            return node  # len, max, divmod...
        raise _Unwritable(node.id)

    def visit_GeneratorExp(self, node: ast.GeneratorExp) -> ast.expr:
        """`(f(x) for x in items)` over a tuple written out: its items' expressions, each taken
        when the item is (`_Lazy`)."""
        if len(node.generators) != 1:
            raise _Unwritable("a generator of generators")
        generator = node.generators[0]
        items = self.visit(generator.iter)
        if (generator.ifs or generator.is_async or not isinstance(generator.target, ast.Name)
                or not isinstance(items, ast.Tuple) or isinstance(items, _Lazy)):
            raise _Unwritable(ast.unparse(node))
        name = generator.target.id
        return _Lazy([_Specialise(self.inline, self.function, {**self.scope, name: item}).visit(
            copy.deepcopy(node.elt)) for item in items.elts], ast.Load())

    def generic_visit(self, node: ast.AST) -> Any:
        if isinstance(node, (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp,
                             ast.NamedExpr, ast.Await, ast.Yield, ast.YieldFrom)):
            raise _Unwritable(type(node).__name__)  # a scope of its own, or an assignment
        return self.fold(super().generic_visit(node))

    def fold(self, node: Any) -> Any:
        """A constant for a field of a constant NamedTuple, a test of constants, or a whole
        number's negation; anything else as it is."""
        known = self.inline.known
        if isinstance(node, ast.Attribute) and isinstance(node.ctx, ast.Load):
            owner = known(node.value)
            field = getattr(type(owner), node.attr, None)
            if isinstance(owner, tuple) and (node.attr in getattr(owner, "_fields", ()) or (
                    isinstance(field, property) and type(field.fget) is operator.itemgetter)):
                return self.inline.constant(getattr(owner, node.attr), node.attr)
            if type(owner) is Context and node.attr in _CONTEXT_ARITHMETIC:  # `EXACT.add`
                return self.inline.constant(getattr(owner, node.attr), node.attr)
        elif isinstance(node, ast.Call) and not node.keywords \
                and (value := self.call_of_constants(node)) is not _NOT_KNOWN:
            return self.inline.constant(value)
        elif isinstance(node, ast.Compare):
            values = [known(node.left)] + [known(c) for c in node.comparators]
            identity = all(isinstance(op, (ast.Is, ast.IsNot)) for op in node.ops)
            if all(v is not _NOT_KNOWN and (identity or type(v) in _FOLDED) for v in values) \
                    and all(type(op) in _COMPARE for op in node.ops):
                try:
                    return ast.Constant(all(
                        _COMPARE[type(op)](left, right)
                        for op, left, right in zip(node.ops, values, values[1:], strict=False)))
                except ArithmeticError:  # (a NaN) the account's to raise, where the rule does
                    return node
        elif isinstance(node, ast.BinOp) and type(node.op) in _ARITHMETIC:
            left, right = known(node.left), known(node.right)
            if type(left) in (int, Decimal) and type(right) in (int, Decimal):
                try:  # exact in money.EXACT, as where the rule is called
                    with localcontext(money.EXACT):
                        value = _ARITHMETIC[type(node.op)](left, right)
                except ArithmeticError:  # (too large) the account's to raise, where the rule does
                    return node
                return self.inline.constant(value)
        elif isinstance(node, ast.BoolOp):
            return self.bool_op(node)
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) \
                and _display(node.value):
            return _slice(node)
        elif isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Load) \
                and isinstance(table := known(node.value), dict) \
                and type(key := known(node.slice)) in _FOLDED and key in table:
            return self.inline.constant(table[key])  # `_QUANTUM[currency]`: a module's table
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords \
                and len(node.args) == 1 and _display(node.args[0]):
            return _of_display(node.func.id, node.args[0], node)
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords \
                and len(node.args) == 1 and node.func.id in _COUNTED \
                and type(value := known(node.args[0])) is tuple:  # `len(bands)`, `enumerate`
            return self.inline.constant(_COUNTED[node.func.id](value))
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and not node.keywords \
                and node.func.id == "isinstance" and len(node.args) == 2 \
                and known(node.args[1]) is Decimal and self.inline.decimal(node.args[0]):
            return ast.Constant(True)  # a Decimal's kind
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return _joined(node)
        elif isinstance(node, ast.IfExp):
            node.test = _truth(self.inline, node.test)
            if type(value := known(node.test)) in _FOLDED:  # decided here
                return node.body if value else node.orelse
        elif isinstance(node, ast.UnaryOp):
            value = known(node.operand)
            if type(value) in (int, bool) and isinstance(node.op, ast.Not):
                return ast.Constant(not value)
            if type(value) is int and isinstance(node.op, ast.USub):
                return ast.Constant(-value)
        return node

    def call_of_constants(self, node: ast.Call) -> Any:
        """The value of a call, worked out here when it is the same for every account: a
        cached rule of `money.py` (`_zero`) or a `Context`'s arithmetic (`EXACT.add`), of
        constants; else `_NOT_KNOWN` (and when it raises: the account's to raise, where the
        rule does)."""
        known = self.inline.known
        function = known(node.func)
        arguments = [known(argument) for argument in node.args]
        if any(type(argument) not in _FOLDED for argument in arguments):
            return _NOT_KNOWN
        cached = getattr(function, "cache_info", None) is not None and _inlined(
            getattr(function, "__wrapped__", None))
        arithmetic = (type(getattr(function, "__self__", None)) is Context
                      and getattr(function, "__name__", None) in _CONTEXT_ARITHMETIC)
        if not (cached or arithmetic):
            return _NOT_KNOWN
        try:
            return function(*arguments)
        except ArithmeticError:
            return _NOT_KNOWN

    def bool_op(self, node: ast.BoolOp) -> ast.expr:
        """`a and b`: a leading operand that is a constant decides it (falsy: it is the value)
        or drops out (truthy); `or` the other way round."""
        values = list(node.values)
        stops = isinstance(node.op, ast.Or)
        while len(values) > 1:
            value = self.inline.known(values[0])
            if type(value) not in _FOLDED:
                break
            if bool(value) == stops:
                return values[0]
            values.pop(0)
        return values[0] if len(values) == 1 else ast.BoolOp(node.op, values)


def _tuple(node: ast.expr | None) -> TypeGuard[ast.Tuple]:
    """A tuple written out (not a generator's items), its items written out as they are."""
    return (isinstance(node, ast.Tuple) and not isinstance(node, _Lazy)
            and not any(isinstance(item, ast.Starred) for item in node.elts))


def _joined(node: ast.expr) -> ast.expr:
    """`(a, b) + (c,)`, of tuples written out: `(a, b, c)`; anything else as it is."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left = _joined(node.left)
        if _tuple(left) and _tuple(node.right):
            return ast.Tuple([*left.elts, *node.right.elts], ast.Load())
    return node


def _literal(inline: _Inline, value: Any) -> ast.expr | None:
    """A rule's result worked out here as source: a constant (`_FOLDED`), or a tuple of them
    written out; None for anything else (a `Move`, a list...: the rule is written in place)."""
    if type(value) in _FOLDED:
        return inline.constant(value)
    if type(value) is tuple:
        items = [_literal(inline, item) for item in value]
        if all(item is not None for item in items):
            return ast.Tuple([item for item in items if item is not None], ast.Load())
    return None


# built-ins of a constant tuple worked out here
_COUNTED: dict[str, Callable[[tuple], Any]] = {"len": len,
                                                "enumerate": lambda items: tuple(enumerate(items))}


def _display(node: ast.expr) -> bool:
    """A list or tuple written out of names and constants (`[back, m0]`, a look-back window)."""
    return (isinstance(node, (ast.List, ast.Tuple)) and not isinstance(node, _Lazy)
            and all(isinstance(item, (ast.Name, ast.Constant)) for item in node.elts))


# what a rule may do with a list written out (`_display`) that is only read: the built-ins that
# read it, taken as it is where it is used
_READERS = frozenset(("len", "max", "min", "tuple"))


@functools.cache
def _read_only(function: Callable) -> frozenset[str]:
    """The names of `function`'s locals that it only reads as `_READERS` read them or by a
    slice or an index (never changes, hands on, or assigns twice): a list of names assigned
    to one of them can be written where it is used."""
    definition = _definition(function)
    parents = {id(child): node for node in ast.walk(definition)
               for child in ast.iter_child_nodes(node)}
    assigned: dict[str, int] = {argument.arg: 1 for argument in definition.args.args}
    refused: set[str] = set()
    for node in ast.walk(definition):
        if not isinstance(node, ast.Name):
            continue
        if not isinstance(node.ctx, ast.Load):
            assigned[node.id] = assigned.get(node.id, 0) + 1
            continue
        parent = parents.get(id(node))
        if not ((isinstance(parent, ast.Call) and isinstance(parent.func, ast.Name)
                 and parent.func.id in _READERS and not parent.keywords
                 and parent.args == [node])
                or (isinstance(parent, ast.Subscript) and parent.value is node
                    and isinstance(parent.ctx, ast.Load))):
            refused.add(node.id)
    return frozenset(name for name, count in assigned.items()
                     if count == 1 and name not in refused)


def _only_read(function: Callable, name: str) -> bool:
    return name in _read_only(function)


def _locals_in(function: Callable, display: ast.expr) -> bool:
    """Whether a list written out names a local of `function` (`ladder_move_x`), which the
    rule may assign again before the list is used: then it is made where the rule makes it."""
    return any(isinstance(item, ast.Name) and item.id.startswith(f"{function.__name__}_")
               for item in ast.walk(display))


def _slice(node: ast.Subscript) -> ast.expr:
    """`[a, b, c][-2:]`, `[a, b][0]` with constant bounds: the items it takes, written out."""
    display = node.value
    assert isinstance(display, (ast.List, ast.Tuple))
    bounds = node.slice
    if isinstance(bounds, ast.Slice):
        values: list[Any] = [None if part is None else part.value if isinstance(
            part, ast.Constant) else node for part in (bounds.lower, bounds.upper, bounds.step)]
        if not all(value is None or type(value) is int for value in values):
            return node
        if values[2] == 0:
            return node  # the account's error to raise, where the rule does
        return type(display)(copy.deepcopy(display.elts[slice(*values)]), ast.Load())
    if isinstance(bounds, ast.Constant) and type(bounds.value) is int \
            and -len(display.elts) <= bounds.value < len(display.elts):
        return copy.deepcopy(display.elts[bounds.value])
    return node


def _of_display(function: str, display: ast.expr, node: ast.Call) -> ast.expr:
    """A built-in reading a list written out (`_display`; the name is the built-in's, a rule's
    own names being replaced before): `len` its length, `max` and `min` of its items (one: the
    item, which they return without comparing), `tuple` a tuple written out."""
    assert isinstance(display, (ast.List, ast.Tuple))
    items = display.elts
    if function == "len":
        return ast.Constant(len(items))
    if function in ("max", "min") and items:
        return items[0] if len(items) == 1 else ast.Call(node.func, items, [])
    if function == "tuple":
        return ast.Tuple(items, ast.Load())
    return node


def _truth(inline: _Inline, test: ast.expr) -> ast.expr:
    """`test`, whose value is only tested, without the constants that cannot change what it
    says (`rest and True` is true exactly when `rest` is)."""
    if isinstance(test, ast.BoolOp):
        values = list(test.values)
        keeps = isinstance(test.op, ast.And)  # a true constant decides nothing at the end
        while len(values) > 1 and type(value := inline.known(values[-1])) in _FOLDED \
                and bool(value) == keeps:
            values.pop()
        return values[0] if len(values) == 1 else ast.BoolOp(test.op, values)
    return test


# a decimal context's arithmetic that a rule may call (`money.total`'s `EXACT.add`)
_CONTEXT_ARITHMETIC = frozenset(("add", "subtract", "multiply"))

# the arithmetic of constants worked out here (exact: `Decimal`s in money.EXACT, or ints)
_ARITHMETIC: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul}

_COMPARE: dict[type, Callable[[Any, Any], bool]] = {
    ast.Is: operator.is_, ast.IsNot: operator.is_not, ast.Eq: operator.eq, ast.NotEq: operator.ne,
    ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge}
