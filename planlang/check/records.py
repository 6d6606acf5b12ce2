"""Checks of daily billing records and their discounts (the Soracom-style detailed billing).

A record's price is money per a unit that fits its basis (`per day` for statuses and options, a
unit of the meter for usage); statuses are the subscriber statuses planlang knows; a rounded-up
record keeps its usage record's placeholders; a discount reduces a record that exists.
"""

from __future__ import annotations

import re
from fractions import Fraction
from typing import TYPE_CHECKING

from planlang.model import REGIONS, STATUSES, DiscountRule, RecordRule
from planlang.syntax import ast

if TYPE_CHECKING:
    from planlang.check.catalog import Checker

_LABEL = re.compile(r"<([a-z]+)>")


class RecordChecker:
    def __init__(self, checker: Checker):
        self.c = checker

    def check_records(self, defs: list[ast.RecordDef]) -> tuple[RecordRule, ...]:
        records = []
        for d in defs:
            if not self.c.define("record", d.name):
                continue
            if d.rounded_as is not None and not self.c.define("record", d.rounded_as):
                continue
            record = self.record(d)
            if record is not None:
                records.append(record)
        return tuple(records)

    def statuses(self, names: tuple[ast.Name, ...]) -> tuple[str, ...] | None:
        ok = True
        for name in names:
            if name.text not in STATUSES:
                self.c.error("PL215", f"unknown subscriber status `{name.text}`", name.span,
                             help=self.c.suggest(name.text, STATUSES)
                             or "statuses: " + ", ".join(STATUSES))
                ok = False
        return tuple(n.text for n in names) if ok else None

    def record(self, d: ast.RecordDef) -> RecordRule | None:
        value = self.c.evaluate(d.price)
        price = self.c.expect_money(value, d.price, f"the price of `{d.name.text}`")
        statuses = self.statuses(d.statuses)
        to_statuses = self.statuses(d.to_statuses)
        if price is None or statuses is None or to_statuses is None:
            return None
        meter = None
        per, label = Fraction(1), "each"
        if d.basis == "usage":
            assert d.source is not None
            meter = self.c.meters.get(d.source.text)
            if meter is None or meter.source != "usage":
                self.c.error("PL211", f"unknown usage item `{d.source.text}`", d.source.span,
                             help=self.c.suggest(d.source.text, [m for m, v in self.c.meters.items()
                                                               if v.source == "usage"])
                             or "declare it with `meter NAME: usage, monthly sum`")
                return None
            if d.per_unit is not None:
                unit = self.c.find_unit(d.per_unit)
                if unit is None:
                    return None
                if unit.dimension != meter.unit.dimension:
                    self.c.error("PL231", f"`{meter.name}` is measured in `{meter.unit.name}`, "
                                 f"not in `{unit.name}`", d.per_unit.span,
                                 help=f"price it per `{meter.unit.name}`")
                    return None
                per = unit.to_base(Fraction(d.per_count or 1))
                label = (f"{d.per_count} {d.per_unit.text}" if d.per_count not in (None, 1)
                         else d.per_unit.text)
        elif d.basis in ("status", "option"):
            assert d.per_unit is not None
            if d.per_unit.text not in ("day", "days", "month", "months") or (
                    d.per_count or 1) != 1:
                self.c.error("PL280", f"`{d.name.text}` is billed per day or per month while its "
                             "condition holds", d.per_unit.span,
                             help="write `per day` or `per month`")
                return None
            label = "month" if d.per_unit.text.startswith("month") else "day"
        allowance = self.amount(meter, d.allowance) if d.allowance is not None else Fraction(0)
        step = self.amount(meter, d.round_to) if d.round_to is not None else None
        if allowance is None or (d.round_to is not None and step is None):
            return None
        if step is not None and step <= 0 and d.round_to is not None:
            self.c.error("PL235", "a rounding step must be positive", d.round_to.span,
                         help="e.g. `rounded up to 1,024 bytes a day`")
            return None
        labels = tuple(_LABEL.findall(d.name.text))
        rounded = d.rounded_as.text if d.rounded_as is not None else None
        if d.rounded_as is not None and tuple(_LABEL.findall(d.rounded_as.text)) != labels:
            self.c.error("PL280", f"`{rounded}` must have the placeholders of `{d.name.text}`",
                         d.rounded_as.span, help="e.g. `dataTrafficRoundedUpCharge-<country>-<plan>`")
            return None
        if labels and d.basis != "usage":
            self.c.error("PL280", "only a usage record takes placeholders from its usage's labels",
                         d.name.span, help="remove the `<…>` parts of the name")
            return None
        region = d.region.text if d.region is not None else "All"
        if region not in REGIONS:
            assert d.region is not None
            self.c.error("PL215", f"unknown region `{region}`", d.region.span,
                         help=self.c.suggest(region, REGIONS) or "regions: " + ", ".join(REGIONS))
            return None
        return RecordRule(
            d.name.text, price, label, Fraction(price) / per, d.basis, statuses, to_statuses,
            d.source.text if d.source is not None else None, allowance, step, rounded, labels,
            self.c.rule(d), label == "month", region)

    def amount(self, meter, expr: ast.Expr | None) -> Fraction | None:
        if expr is None:
            return None
        if meter is None:
            self.c.error("PL280", "only a usage record has an allowance or a rounding step",
                         expr.span, help="remove it, or bill the record `of` a usage item")
            return None
        value = self.c.item_quantity(meter, expr)
        return None if value is None else value.number

    def check_discounts(self, defs: list[ast.DiscountDef],
                        records: tuple[RecordRule, ...]) -> tuple[DiscountRule, ...]:
        discounts = []
        prefixes = {r.prefix: r for r in records}
        # The first record a discount's name can mean: its prefix, or its name up to a `-`
        # (`r<x>` means `r<x>-jp`). Indexed once, so that many discounts over many records take
        # time linear in the file, not discounts × records.
        meant: dict[str, RecordRule] = {}
        for r in records:
            meant.setdefault(r.prefix, r)
            for at, ch in enumerate(r.name):
                if ch == "-":
                    meant.setdefault(r.name[:at], r)
        for d in defs:
            ref = d.record.text if d.record is not None else None
            if not self.c.define("discount", d.name):
                continue
            record, amount = None, None
            if d.record is not None:
                record = meant.get(ref) if ref is not None else None
                if record is None:
                    self.c.error("PL281", f"discount `{d.name.text}` reduces an unknown record "
                                 f"`{d.record.text}`", d.record.span,
                                 help=self.c.suggest(d.record.text, prefixes)
                                 or "name a record defined with `record`")
                    continue
                if d.amount is not None:
                    if record.basis == "usage":
                        amount = self.amount(self.c.meters.get(record.source or ""), d.amount)
                    else:  # a count of the record's units: subscriber-days, subscribers
                        value = self.c.evaluate(d.amount)
                        amount = value.number if value is not None and value.kind == "number" \
                            else None
                        if value is not None and amount is None:
                            self.c.error("PL231", f"`{record.prefix}` is counted, not measured: "
                                         f"write a plain number, not {value.describe()}",
                                         d.amount.span, help="e.g. `beyond 1,000`")
                    if amount is None:
                        continue
            percent = Fraction(d.percent) / 100 if d.percent is not None else None
            if percent is not None and not 0 < percent <= 1:
                self.c.error("PL273", f"{d.percent}% is not between 0% and 100%", d.span,
                             help="a discount is a share of the charge")
                continue
            discounts.append(DiscountRule(d.name.text, d.kind, ref, amount, percent,
                                          self.c.rule(d)))
        general = [d for d in defs if d.kind == "coupon" and d.record is None]
        if len(general) > 1:
            self.c.error("PL281", "a catalog has one coupon for any charge", general[1].span,
                         help="keep one `coupon balance after other discounts` discount; others "
                         "name the record they are for")
        return tuple(discounts)
