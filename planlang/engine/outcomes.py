"""The compiled path's results: an account's figures for a period as plain tuples.

`Line`, `Ruling` and `Outcome` are what the compiled walk (`compiled.py`) and the code it
generates (`generated.py`) both make; `_Interpret` is what either raises to send an account to the
interpreter. With `trace`, a `Ruling` made by either carries, as an eighth item, the figures its
reason states (`rules.Move.figures`, `rules.addon_figures`), for the bills' wording.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from operator import itemgetter

from planlang.engine.results import Bill

_ZERO = Decimal(0)


class Line(tuple):
    """A charge line's figures: kind, item, plan, quantity, unit price, amount and its rule."""

    __slots__ = ()
    kind = property(itemgetter(0))
    item = property(itemgetter(1))
    plan = property(itemgetter(2))
    quantity = property(itemgetter(3))
    unit_price = property(itemgetter(4))
    amount = property(itemgetter(5))
    rule = property(itemgetter(6))


class Ruling(tuple):
    """A decision's figures: kind, subject, date, outcome, reason code, rule, effective date."""

    __slots__ = ()
    kind = property(itemgetter(0))
    subject = property(itemgetter(1))
    date = property(itemgetter(2))
    outcome = property(itemgetter(3))
    code = property(itemgetter(4))
    rule = property(itemgetter(5))
    effective = property(itemgetter(6))


class Outcome(tuple):
    """One account's result for one period: account, period, plan, next plan, total, lines,
    decisions; then its source (the runner, or the interpreter's `Bill`) and the record; and
    the billing messages when there are any (`Ruling`s whose eighth item is the invoice's
    total). `bill()` gives the full `Bill`, with every step explained."""

    __slots__ = ()
    account = property(itemgetter(0))
    period = property(itemgetter(1))
    plan = property(itemgetter(2))
    next_plan = property(itemgetter(3))
    total = property(itemgetter(4))
    lines = property(itemgetter(5))
    decisions = property(itemgetter(6))

    @property
    def messages(self) -> tuple:
        return self[9] if len(self) > 9 else ()

    def bill(self) -> Bill:
        """The explained `Bill` for this account and period, as the interpreter gives it."""
        source = self[7]
        if isinstance(source, Bill):
            return source
        return next(b for b in source.compiled.interpret(self[8], source.asked)
                    if b.period == self[1])

    @property
    def compiled(self) -> bool:
        """Whether the compiled path produced these figures (False: the interpreter did)."""
        return not isinstance(self[7], Bill)


_new = tuple.__new__


def _outcomes_of(bills: Sequence[Bill]) -> list[Outcome]:
    out = []
    for bill in bills:
        lines = tuple(_new(Line, (x.kind, x.item, x.plan, x.quantity, x.unit_price, x.amount,
                                  x.rule)) for x in bill.lines)
        decisions = tuple(_new(Ruling, (d.kind, d.subject, d.date, d.outcome,
                                        d.reasons[0].code if d.reasons else None, d.rule,
                                        d.effective)) for d in bill.decisions)
        out.append(_new(Outcome, (bill.account, bill.period, bill.plan, bill.next_plan,
                                  bill.total, lines, decisions, bill, None)))
    return out


class _Interpret(Exception):
    """Raised inside the compiled loop: this account needs the interpreter."""
