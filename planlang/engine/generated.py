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
  it (a `Figure` was checked when read); anything it would not take (a value it cannot read
  exactly, an unknown meter or plan, a bad status, a look-back off a ladder) sends the record to
  the interpreter, which bills it or refuses it with its own message.

It has no arithmetic of its own: the rules of `engine/rules.py` (`extra`, `over_ceiling`,
`ladder_move`, `add_ons`) and each tier's `rules.Rung` are bound as constants of the generated
module and called, as the general walk calls them, in `money.EXACT`: the runner's `batch`,
`__call__` and `bills` enter that context once for every record (call it through them, not
directly).

The function's outcome is exactly the general walk's (`tests/test_compiled.py` checks both
against the interpreter), with `trace` too (`one_month(record, True)`, what the runner's `bills`
calls): then each decision it makes carries the figures its reason states, as the general walk's
do with `trace` (`rules.addon_figures`, `rules.Move.figures`), made only when a decision is.
`source` on the function gives the text for reading."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from planlang.engine import outcomes, rules
from planlang.engine.outcomes import Ruling
from planlang.inputs.documents import Figure

if TYPE_CHECKING:
    from planlang.engine.compiled import _Runner, _Tier

# Up to this many plans, the plans' steps are written in place in one function; with more, each
# plan has its own function, found through a dict by the plan's name.
INLINE_PLANS = 8


class _Writer:
    """Lines of source and the constants they name."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.names: dict[str, Any] = {}
        self.by_id: dict[int, str] = {}
        self.base = 0  # added to every line's indent

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
    key, last_day, _, fee_lines = runner.info(month)
    out = _Writer()
    names = out.names
    names.update(
        ZERO=outcomes._ZERO, I=outcomes._Interpret, Outcome=outcomes.Outcome,
        Line=outcomes.Line, Ruling=outcomes.Ruling, CURRENCY=runner.currency, runner=runner,
        extra=rules.extra, over_ceiling=rules.over_ceiling, ladder_move=rules.ladder_move,
        add_ons=rules.add_ons, bill_total=rules.bill_total, new=outcomes._new,
        addon_figures=rules.addon_figures,
        walk=runner.walk, day_months=runner.day_months, day_month=runner.day_month,
        checked=runner.checked, Figure=Figure, NOTHING=runner.nothing, fallback=runner.fallback,
        month_figure=runner.month_figure, uptimes=runner.uptimes, refund=runner.refund,
    )
    meters = [(i, name, runner.meters[name]) for i, name in enumerate(runner.meter_names)]
    month_key = out.constant(key, "key")
    last = out.constant(last_day, "last_day")

    arguments = "".join(f"m{index}, " for index, _, _ in meters)
    inline = len(runner.tiers) <= INLINE_PLANS
    if not inline:  # many plans: one function each, found by the plan's name
        functions = {}
        for number, (plan_name, tier) in enumerate(runner.tiers.items()):
            functions[plan_name] = f"plan{number}"
            out(0, f"def plan{number}(name, record, status, {arguments}lookback, up, trace):")
            out.base = 1
            _plan(out, runner, tier, fee_lines[plan_name], month_key, last)
            out.base = 0
            out(0, "")
        out(0, "PLANS = {" + ", ".join(f"{p!r}: {f}" for p, f in functions.items()) + "}")
        out(0, "")

    # ---- the entry point: the record's shape, its figures, then its plan's steps ----
    out(0, "def one_month(record, trace=False):")
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
    out(1, "if len(record) != 2 + (status is not None) + (usage is not None) + "
        "(lookback is not None)" + (" + (uptime is not None):" if refunds else ":"))
    out(2, "return walk(record, trace)[0]  # a timeline, a start date, ...: the general walk")
    out(1, "if type(name) is not str or not name:")
    out(2, "raise I")
    out(1, "if status is not None and status != 'active' and status != 'suspended':")
    out(2, "raise I")
    for index, _, _ in meters:
        out(1, f"m{index} = ZERO")
    out(1, "if usage is not None:")
    out(2, "if type(usage) is not dict:")
    out(3, "raise I")
    for index, name, _ in meters:
        out(2, f"d{index} = usage.get({name!r})")
    present = " + ".join(f"(d{index} is not None)" for index, _, _ in meters) or "0"
    out(2, f"if len(usage) != {present}:")
    out(3, "raise I  # a meter the catalog does not have")
    for index, _, spec in meters:
        meter_name = out.constant(spec, "meter")
        out(2, f"if d{index} is not None:")
        if not (spec.plain and spec.usage):  # the figure `_Meter` measures
            out(3, f"m{index} = month_figure(d{index}, {meter_name}, {month})")
            continue
        unit_name = out.constant(spec.unit, "unit")
        out(3, f"if type(d{index}) is dict and len(d{index}) == 1 and "
            f"type(daily := d{index}.get('daily')) is dict:")
        out(4, "for day, value in daily.items():  # daily figures alone: the common case")
        _read_value(out, 5, "value", unit_name)
        out(5, "number = day_months.get(day)")
        out(5, "if number is None:")
        out(6, "number = day_month(day, daily)")
        out(5, f"if number == {month}:")
        out(6, f"m{index} = value if m{index} is ZERO else m{index} + value")
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
            _plan(out, runner, tier, fee_lines[plan_name], month_key, last)
            out.base = 1
        out(1, "raise I  # a plan the catalog does not have")
    else:
        out(1, "bill = PLANS.get(plan)")
        out(1, "if bill is None:")
        out(2, "raise I  # a plan the catalog does not have")
        out(1, f"return bill(name, record, status, {arguments}lookback, up, trace)")
    out.base = 0
    out(1, "except (I, ArithmeticError):  # decimal's errors are ArithmeticErrors")
    out(2, "return fallback(record)  # the interpreter, with its errors for a bad account")

    source = "\n".join(out.lines) + "\n"
    namespace = dict(names)
    code = compile(source, f"<planlang: {runner.catalog.name} {key}>", "exec")
    exec(code, namespace)  # noqa: S102 - our own generated source, from the checked catalog
    function = namespace["one_month"]
    function.source = source
    return function


def _read_value(out: _Writer, indent: int, value: str, unit: str) -> None:
    """Source reading one figure as the general walk does: a `Figure` was checked when read;
    anything else is checked now (`_Runner.checked`), or raises `_Interpret`."""
    out(indent, f"if type({value}) is not Figure:")
    out(indent + 1, f"{value} = checked({value}, {unit})")


def _plan(out: _Writer, runner: _Runner, tier: _Tier, fee_line, month_key: str,
          last: str) -> None:
    """A plan's steps for the month, in the general walk's order: look-back, suspension, fee,
    extras, SLA refund, ladder. Names in scope: name, record, status, m0.. (each meter's figure),
    lookback, up (the month's uptime or None), trace."""
    plan = tier.name
    _, last_day, next_first, _ = runner.info(runner.last_month)

    def ruling(kind: str, subject: str, code: str, rule) -> Ruling:
        """A decision scheduled at the month's end for next month: the same for every account."""
        return Ruling((kind, subject, last_day, "scheduled", code, rule, next_first))

    # the look-back: only on a ladder's plan; every figure read as usage is
    if tier.ladder is None:
        out(1, "if lookback is not None:")
        out(2, "raise I  # a look-back off a ladder: the interpreter says so")
    else:
        unit = out.constant(runner.meter_units[tier.ladder.item], "unit")
        # the evaluated periods' usage, this month's added below (`rules.ladder_move`)
        out(1, "history = []")
        out(1, "if lookback is not None:")
        out(2, "if type(lookback) is not list:")
        out(3, "raise I")
        out(2, "for value in lookback:")
        _read_value(out, 3, "value", unit)
        out(3, "history.append(value)")
    if runner.suspend:
        suspension = out.constant(runner.suspension_rule, "rule")
        out(1, "if status == 'suspended':")
        out(2, f"return Outcome((name, {month_key}, {plan!r}, {plan!r}, NOTHING, (), "
            f"(Ruling(('not-billed', name, {last}, 'suspended', 'suspended', {suspension}, "
            f"None)),), runner, record))")
    fee_lines = (fee_line,)
    out(1, f"lines = {out.constant(fee_lines, 'fee_lines')}")  # one tuple for every account
    alone = True  # whether `lines` is still the fee line alone wherever this extra is added
    for index, item, included, ceiling, priced, price, block, rule in tier.items:
        if ceiling is not None:
            out(1, f"if over_ceiling(m{index}, {out.constant(ceiling, 'ceiling')}):")
            out(2, "return walk(record, trace)[0]  # a usage-over-limit decision: the walk's")
        if priced:
            price_name = out.constant(price, "price")
            out(1, f"charged = extra(m{index}, {out.constant(included, 'included')}, "
                f"{out.constant(block, 'block')}, {price_name}, CURRENCY)")
            out(1, "if charged is not None:")
            out(2, "blocks, amount = charged")
            extra = (f"Line(('extra', {item!r}, {plan!r}, blocks, {price_name}, amount, "
                     f"{out.constant(rule, 'rule')}))")
            if alone:
                out(2, f"lines = ({out.constant(fee_line, 'fee_line')}, {extra})")
                alone = False
            else:
                out(2, f"lines += ({extra},)")
    sla = ""  # the refund's decision, before the ladder's
    if tier.sla is not None:
        sla = "sla"
        out(1, "sla = ()")
        out(1, "if up is not None:")
        out(2, f"refunded = refund({out.constant(tier, 'tier')}, up, {last}, trace)")
        out(2, "if refunded is not None:")
        out(3, "lines += (refunded[0],)")
        out(3, "sla = (refunded[1],)")
        alone = False
    # The total is `rules.bill_total` of the lines: worked out here once for the fee line alone,
    # for each account only when it has more lines.
    fee_total = out.constant(rules.bill_total(fee_lines, runner.currency), "fee_total")
    if alone:
        out(1, f"total = {fee_total}")
    else:
        out(1, f"total = {fee_total} if lines is {out.constant(fee_lines, 'fee_lines')} else "
            "bill_total(lines, CURRENCY)")
    if tier.ladder is None:
        out(1, f"return Outcome((name, {month_key}, {plan!r}, {plan!r}, total, lines, "
            f"{sla or '()'}, runner, record))")
        return
    usage = f"m{tier.index}"
    rung = tier.rung
    assert rung is not None
    rung_name = out.constant(rung, "rung")
    # the decisions a move gives, the same for every account (`rules.Move`: kind, plan, rule)
    # With `trace`, a decision made carries the figures its reason states: a move's own
    # (`rules.Move.figures`), an add-on's from `rules.addon_figures`, as the general walk's.
    moves = {}
    if rung.up is not None:
        moves["tier-up"] = (ruling("tier-change", rung.up.plan, "tier-up", rung.up.rule),)
    if rung.down is not None:
        moves["tier-down"] = (ruling("tier-change", rung.down.plan, "tier-down",
                                     rung.down.rule),)
    moves_name = out.constant(moves, "moves")
    out(1, f"history.append({usage})")
    out(1, f"move = ladder_move({rung_name}, {usage}, history)")
    out(1, "if move is None:")
    out(2, f"scheduled = {plan!r}")
    then = f"{sla} + " if sla else ""
    out(2, f"decisions = {sla or '()'}")
    out(1, "else:")
    out(2, "scheduled = move.plan")
    out(2, f"decisions = {then}{moves_name}[move.kind]")
    out(2, "if trace:")
    out(3, f"decisions = {then}(new(Ruling, {moves_name}[move.kind][0] + (move.figures,)),)")
    if rung.overflow is not None:
        overflow = rung.overflow
        decision = out.constant((ruling("add-on", overflow.plan, "above-top-tier",
                                        overflow.rule),), "ruling")
        out(1, f"if count := add_ons({rung_name}, {usage}, scheduled):")
        out(2, "if trace:")
        out(3, f"decisions += (new(Ruling, {decision}[0] + (addon_figures("
            f"{out.constant(overflow, 'overflow')}, {usage}, count),)),)")
        out(2, "else:")
        out(3, f"decisions += {decision}")
    out(1, f"return Outcome((name, {month_key}, {plan!r}, scheduled, total, lines, "
        "decisions, runner, record))")
