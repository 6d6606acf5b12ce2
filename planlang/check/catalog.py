"""The checker: names, units, money typing, conflicts, order and bands → diagnostics and a model.

`check(plan_file, path)` walks the AST once. It resolves every name (with "did you mean"),
evaluates every value exactly with its type (money in a currency, a quantity in a dimension, a
percentage, a plain number), reports every problem as a `Diagnostic` with a stable PL2xx code, and,
when there is no error, returns the compiled `Catalog` the interpreter runs on.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from decimal import Decimal
from fractions import Fraction
from typing import Any

import attrs

from planlang.check.addons import AddOnChecker
from planlang.check.common import FEE_PERIODS, label
from planlang.check.records import RecordChecker
from planlang.check.timing import TimeChecker
from planlang.diagnostics import ERROR, WARNING, Diagnostic, Label, did_you_mean, has_errors
from planlang.model import (
    Band,
    Catalog,
    Coupon,
    ItemTerms,
    Meter,
    Plan,
    Pool,
    PriceBand,
    Refund,
    RuleRef,
    SlaLevel,
    Tiering,
)
from planlang.money import (
    MAX_DIGITS,
    MINOR_UNITS,
    SYMBOLS,
    decimal_places,
    exact_decimal,
    format_money,
    format_number,
    in_minor_units,
    minor_unit,
    round_money,
)
from planlang.source import Span
from planlang.syntax import ast
from planlang.units import Unit, lookup, name_forms

BILLING_PERIODS = ("calendar month",)
DAILY_AGGREGATIONS = {"count": ("average", "maximum"), "snapshots": ("average", "maximum"),
                      "usage": ("sum", "maximum")}
MONTHLY_AGGREGATIONS = {"count": ("average", "maximum"), "snapshots": ("average", "maximum"),
                        "usage": ("sum", "average", "maximum")}
MAX_DEFINITIONS = 10_000
MAX_MAGNITUDE = 10**18
#: Names compared for "did you mean" suggestions in one file: each comparison costs an edit
#: distance, so without a budget a file of many unknown names among many known ones would take time
#: quadratic in its size. Past the budget, a diagnostic keeps its generic help.
MAX_COMPARED_NAMES = 50_000


@attrs.frozen
class Value:
    """A checked constant: its kind, its exact number (base units) and its type details."""

    kind: str  # "number", "percent", "quantity", "money"
    number: Fraction
    unit: Unit | None = None
    currency: str | None = None

    def describe(self) -> str:
        if self.kind == "money":
            return f"money in `{self.currency}`"
        if self.kind == "quantity":
            assert self.unit is not None
            return f"`{self.unit.name}`"
        return "a percentage" if self.kind == "percent" else "a plain number"


#: The value of a clause that carries none (`not extendable`, `unlimited`, `capped by the customer`).
MARKER = Value("number", Fraction(0))


@attrs.frozen
class CheckResult:
    diagnostics: tuple[Diagnostic, ...]
    catalog: Catalog | None


def check(plan_file: ast.PlanFile, path: str) -> CheckResult:
    """Check `plan_file`. A catalog priced in several currencies (`currencies USD, EUR, JPY`)
    is checked once per currency, each pass reading every price in its currency and building
    that currency's `Catalog`; a problem found by several passes is reported once. The
    catalog returned is the first currency's, the others reached by `Catalog.priced_in`."""
    checker = Checker(path)
    catalog = checker.run(plan_file)
    diagnostics = list(checker.diagnostics)
    priced = {checker.currency: catalog}
    seen = set(diagnostics)
    for currency in checker.currencies[1:]:
        other = Checker(path, currency)
        priced[currency] = other.run(plan_file)
        for diagnostic in other.diagnostics:
            if diagnostic not in seen:
                seen.add(diagnostic)
                diagnostics.append(diagnostic)
    if has_errors(diagnostics):
        return CheckResult(tuple(diagnostics), None)
    if len(priced) > 1:
        views = {code: view for code, view in priced.items() if code and view}
        for view in views.values():
            view.priced.update(views)  # each currency's catalog reaches every other
    return CheckResult(tuple(diagnostics), catalog)


@attrs.define
class _ItemDraft:
    """The clauses one plan has for one item, gathered from `plan` and `plans` blocks."""

    item: ast.Name
    clauses: dict[str, tuple[ast.ItemClause, Value | None]] = attrs.Factory(dict)


class Checker:
    def __init__(self, path: str, pricing: str | None = None):
        self.path = path
        self.diagnostics: list[Diagnostic] = []
        # the currency of this pass's prices (`pricing`, else the catalog's first) and every
        # currency the catalog declares, in the order written
        self.currency: str | None = None
        self.pricing = pricing
        self.currencies: tuple[str, ...] = ()
        self.lets: dict[str, Value] = {}
        self.units: dict[str, Unit] = {}
        self.meters: dict[str, Meter] = {}
        self.defined: dict[tuple[str, str], Span | None] = {}
        self.suspension_rule: RuleRef | None = None
        self.commitments: dict[str, tuple[int, ast.Commitment]] = {}
        self.plan_sources: tuple[dict, dict] = ({}, {})  # plan definitions and item drafts
        self.seat_items: dict[str, str | None] = {}  # the item each plan's fee is per, if any
        # each plan's bounds on a period's charges: {"minimum"|"cap": (amount, statement)}
        self.spend_bounds: dict[str, dict[str, tuple[Decimal, ast.MoneyBound]]] = {}
        self.pools: dict[str, Pool] = {}
        self.setup_fees: dict[str, tuple[Decimal, ast.SetupFee]] = {}  # by plan
        self.plan_pools: dict[str, dict[str, tuple[Fraction, RuleRef]]] = {}  # by plan
        self.compare_budget = MAX_COMPARED_NAMES
        # Durations (commitments) are in months; a year is twelve of them.
        self.units["month"] = Unit("month", "month", Fraction(1))
        self.units["year"] = Unit("year", "month", Fraction(12))

    # ---- reporting ----
    def suggest(self, name: str, candidates: Collection[str]) -> str | None:
        """`did you mean `x`?` within the file's comparison budget (MAX_COMPARED_NAMES)."""
        if len(candidates) > self.compare_budget:
            self.compare_budget = 0
            return None
        self.compare_budget -= len(candidates)
        return did_you_mean(name, candidates)

    def error(self, code: str, message: str, span: Span | None, help: str | None = None,
              labels: tuple[Label, ...] = (), severity: str = ERROR) -> None:
        self.diagnostics.append(Diagnostic(code, message, span, help, severity, labels))

    def rule(self, node) -> RuleRef:
        span = node.span
        if span is None:
            return RuleRef(self.path, 0)
        return RuleRef(self.path, span.line, span.source.line_text(span.line).strip())

    def define(self, kind: str, name: ast.Name) -> bool:
        """Record a definition; report a duplicate (PL220) and return False if there is one."""
        key = (kind, name.text)
        if key in self.defined:
            first = self.defined[key]
            labels = (Label(first, "first defined here"),) if first is not None else ()
            self.error("PL220", f"{kind} `{name.text}` is defined twice", name.span,
                       help=f"remove one of the definitions or rename this {kind}", labels=labels)
            return False
        self.defined[key] = name.span
        return True

    # ---- the pass ----
    def run(self, plan_file: ast.PlanFile) -> Catalog | None:
        defs = plan_file.definitions
        if len(defs) > MAX_DEFINITIONS:
            self.error("PL265", f"plan file has {len(defs):,} definitions, more than "
                       f"{MAX_DEFINITIONS:,}", defs[MAX_DEFINITIONS].span,
                       help="split the catalog into smaller files")
            return None
        catalogs = [d for d in defs if isinstance(d, ast.CatalogDef)]
        header = self.check_catalog(catalogs, plan_file)
        for d in defs:
            if isinstance(d, ast.UnitDef):
                self.check_unit(d)
        meter_defs = [d for d in defs if isinstance(d, ast.MeterDef)]
        self.declare_meter_units(meter_defs)  # so that `let x = 3 channels` knows `channels`
        for d in defs:
            if isinstance(d, ast.LetDef):
                self.check_let(d)
        for d in meter_defs:
            self.check_meter(d)
        slas = self.check_slas([d for d in defs if isinstance(d, ast.SlaDef)], header)
        self.pools = self.check_pools([d for d in defs if isinstance(d, ast.PoolDef)])
        plans = self.check_plans(defs, slas)
        extras = AddOnChecker(self, plans)
        products = extras.check_products([d for d in defs if isinstance(d, ast.ProductDef)])
        if products:  # ranked product by product: each product's plans in its own order
            rank = {plan: index for index, plan in
                    enumerate(plan for product in products for plan in product.plans)}
            plans = [attrs.evolve(plan, rank=rank.get(plan.name, len(rank) + plan.rank))
                     for plan in plans]
        timed = TimeChecker(self, plans)
        changes = timed.check_changes([d for d in defs if isinstance(d, ast.ChangeDef)])
        quotas = timed.check_quotas([d for d in defs if isinstance(d, ast.QuotaDef)])
        ladders = timed.check_ladders([d for d in defs if isinstance(d, ast.LadderDef)])
        calendar = timed.check_calendar([d for d in defs if isinstance(d, ast.CalendarDef)])
        add_ons = extras.check_add_ons([d for d in defs if isinstance(d, ast.AddOnDef)])
        extras.check_within(products, [d for d in defs if isinstance(d, ast.LadderDef)],
                            [d for d in defs if isinstance(d, ast.CalendarDef)])
        if not has_errors(self.diagnostics):  # an unknown plan would make the order look wrong
            self.check_orders(plans, ladders, products)
        record_checker = RecordChecker(self)
        records = record_checker.check_records([d for d in defs if isinstance(d, ast.RecordDef)])
        discounts = record_checker.check_discounts(
            [d for d in defs if isinstance(d, ast.DiscountDef)], records)
        coupons = self.check_coupons([d for d in defs if isinstance(d, ast.CouponDef)])
        if header is None or has_errors(self.diagnostics):
            return None
        name, uptime_step = header
        assert self.currency is not None
        return Catalog(name, self.path, self.currency, uptime_step, dict(self.units),
                       dict(self.meters), tuple(plans), slas, changes, quotas, ladders, calendar,
                       self.suspension_rule is not None, self.suspension_rule, records, discounts,
                       coupons, self.pools, self.currencies, add_ons=add_ons, products=products)

    # ---- pools ----
    def check_pools(self, defs: list[ast.PoolDef]) -> dict[str, Pool]:
        """Shared allowances: usage meters summed monthly, unrounded, in one unit, each at a
        positive rate, each in one pool."""
        pools: dict[str, Pool] = {}
        pooled: dict[str, str] = {}
        for d in defs:
            if d.name.text in self.meters:
                self.error("PL220", f"`{d.name.text}` is a meter and a pool", d.name.span,
                           help="name the pool after what it holds, e.g. `pool minutes`")
                continue
            if not self.define("pool", d.name):
                continue
            members = []
            unit = None
            for member in d.members:
                meter = self.meters.get(member.item.text)
                if meter is None:
                    self.error("PL211", f"unknown item `{member.item.text}`", member.item.span,
                               help=self.suggest(member.item.text, list(self.meters))
                               or "a pool's items are meters of the catalog")
                    break
                if (meter.source != "usage" or meter.monthly not in (None, "sum")
                        or meter.round_direction is not None
                        or (unit is not None and meter.unit != unit)
                        or member.item.text in pooled):
                    self.error("PL292", f"`{meter.name}` cannot draw on pool `{d.name.text}`",
                               member.item.span,
                               help="a pool's items are usage meters summed monthly, not rounded, "
                               "in one unit, each in one pool")
                    break
                if member.rate <= 0:
                    self.error("PL235", "a pool's rate must be positive", member.span,
                               help="e.g. `windows_minutes × 2`")
                    break
                unit = meter.unit
                pooled[meter.name] = d.name.text
                members.append((meter.name, Fraction(member.rate)))
            else:
                assert unit is not None
                pools[d.name.text] = Pool(d.name.text, tuple(members), unit, self.rule(d))
        return pools

    # ---- coupons ----
    def check_coupons(self, defs: list[ast.CouponDef]) -> dict[str, Coupon]:
        return self.check_named("coupon", defs, self.check_coupon)

    def check_named(self, kind: str, defs: list, check) -> dict:
        """Definitions of one kind, each named once (`define`), checked by `check` (None when
        it reported a problem), by name."""
        out = {}
        for d in defs:
            if not self.define(kind, d.name):
                continue
            checked = check(d)
            if checked is not None:
                out[checked.name] = checked
        return out

    def check_coupon(self, d: ast.CouponDef) -> Coupon | None:
        """A coupon: a share (above 0%, at most 100%) or an amount of money off, of items the
        catalog meters, for a whole number of months."""
        value = self.evaluate(d.amount)
        percent = amount = None
        if value is not None and value.kind == "percent":
            if not 0 < value.number <= 1:
                self.error("PL290", f"coupon `{d.name.text}` takes off "
                           f"{format_number(value.number * 100)}%", d.amount.span,
                           help="a coupon takes off more than 0% and at most 100%")
                return None
            percent = value.number
        elif value is not None and value.kind == "money":
            amount = self.expect_money(value, d.amount, f"the discount of coupon `{d.name.text}`")
            if amount is None:
                return None
            if amount == 0:
                self.error("PL290", f"coupon `{d.name.text}` takes off nothing", d.amount.span,
                           help=f"write the amount it takes off, e.g. `{self.currency} 200 off`")
                return None
        elif value is not None:
            what = (f"{format_number(value.unit.from_base(value.number))} {value.unit.name}"
                    if value.kind == "quantity" and value.unit is not None else value.describe())
            self.error("PL290", f"coupon `{d.name.text}` takes off {what}, not a share or money",
                       d.amount.span, help="a coupon takes off a percentage (`20% off`) or "
                       f"money (`{self.currency or 'USD'} 200 off`)")
            return None
        else:
            return None
        for item in d.items:
            if item.text not in self.meters:
                self.error("PL211", f"unknown item `{item.text}`", item.span,
                           help=self.suggest(item.text, list(self.meters))
                           or "a coupon's items are the catalog's meters")
                return None
        months = None
        if d.months is not None:
            length = self.evaluate(d.months)
            if length is None:
                return None
            if (length.kind != "quantity" or length.unit is None
                    or length.unit.dimension != "month" or length.number.denominator != 1
                    or length.number < 1):
                shown = (f"{format_number(length.unit.from_base(length.number))} "
                         f"{length.unit.name}" if length.kind == "quantity" and length.unit
                         else length.describe())
                self.error("PL233", f"a coupon lasts a whole number of months, not {shown}",
                           d.months.span,
                           help="e.g. `for 3 months`, or `once`, or `forever`")
                return None
            months = int(length.number)
        return Coupon(d.name.text, percent, amount, d.target, tuple(i.text for i in d.items),
                      d.term, months, self.rule(d))

    # ---- catalog header ----
    def check_catalog(self, catalogs: list[ast.CatalogDef], plan_file: ast.PlanFile):
        if not catalogs:
            span = plan_file.span.source.span(0, 0) if plan_file.span is not None else None
            self.error("PL260", "plan file has no `catalog` header", span,
                       help="start the file with `catalog NAME` and an indented `currency EUR`")
            return None
        for extra in catalogs[1:]:
            self.error("PL220", "catalog is defined twice", extra.name.span,
                       help="a plan file holds one catalog",
                       labels=label(catalogs[0].name.span, "first defined here"))
        catalog = catalogs[0]
        uptime_step: Fraction | None = None
        seen: dict[type, ast.CatalogSetting] = {}
        for setting in catalog.settings:
            # `currency` and `currencies` are one setting
            kind = ast.CurrencySetting if isinstance(setting, ast.CurrenciesSetting) else type(
                setting)
            if kind in seen:
                self.error("PL220", "catalog setting is given twice", setting.span,
                           help="keep one",
                           labels=label(seen[kind].span, "first given here"))
                continue
            seen[kind] = setting
            if isinstance(setting, ast.CurrencySetting):
                if setting.code not in MINOR_UNITS:  # pragma: no cover - the grammar limits codes
                    self.error("PL232", f"unsupported currency `{setting.code}`", setting.span)
                self.currency = setting.code
                self.currencies = (setting.code,)
            elif isinstance(setting, ast.CurrenciesSetting):
                self.check_currencies(setting)
            elif isinstance(setting, ast.BillingSetting):
                if setting.words.text not in BILLING_PERIODS:
                    self.error("PL215", f"unknown billing period `{setting.words.text}`",
                               setting.words.span,
                               help=self.suggest(setting.words.text, BILLING_PERIODS)
                               or "the billing period is `calendar month`")
            elif isinstance(setting, ast.SuspensionSetting):
                self.suspension_rule = self.rule(setting)
            elif isinstance(setting, ast.UptimePrecision):
                if not 0 < setting.step <= 100:
                    self.error("PL252", "uptime precision must be between 0% and 100%",
                               setting.span, help="e.g. `uptime measured to 0.01%`")
                uptime_step = Fraction(setting.step)
        if self.currency is None:
            self.error("PL260", f"catalog `{catalog.name.text}` has no currency", catalog.name.span,
                       help="add an indented line `currency EUR` (or USD, GBP, CHF, JPY)")
            return None
        return catalog.name.text, uptime_step

    def check_currencies(self, setting: ast.CurrenciesSetting) -> None:
        """`currencies USD, EUR, JPY`: each currency once; this pass prices in `self.pricing`,
        the first currency when it is None."""
        first: dict[str, ast.Name] = {}
        for code in setting.codes:
            if code.text in first:
                self.error("PL220", f"currency `{code.text}` is declared twice", code.span,
                           help="name each currency once",
                           labels=label(first[code.text].span, "first declared here"))
                continue
            first[code.text] = code
        self.currencies = tuple(first)
        self.currency = self.pricing or self.currencies[0]

    def money(self, expr: ast.Money | ast.MoneyChoice) -> Value | None:
        """A price: in a catalog of several currencies, one amount in each of them (`$ 10 or
        € 9 or ¥ 1,500`, PL296–PL298), read in this pass's currency; `$ 0` is nothing in any
        currency. A single amount in a catalog of one currency is read as written (PL232 where
        it is used, if in another currency)."""
        amounts = expr.amounts if isinstance(expr, ast.MoneyChoice) else (expr,)
        if len(self.currencies) < 2 and isinstance(expr, ast.Money):
            return Value("money", Fraction(expr.amount), currency=expr.currency)
        declared = ", ".join(f"`{code}`" for code in self.currencies)
        given: dict[str, ast.Money] = {}
        ok = True
        for amount in amounts:
            if amount.currency in given:
                self.error("PL298", f"`{_text(expr)}` gives two amounts in `{amount.currency}`",
                           amount.span, help="give one amount in each currency",
                           labels=label(given[amount.currency].span, "first given here"))
                ok = False
            elif amount.currency not in self.currencies:
                self.error("PL297", f"`{_text(amount)}` is in `{amount.currency}`, which the "
                           f"catalog does not price in", amount.span,
                           help=f"the catalog's currencies are {declared}: add "
                           f"`{amount.currency}` to them, or remove this amount")
                ok = False
            given.setdefault(amount.currency, amount)
        if not ok:
            return None
        if len(amounts) == 1 and amounts[0].amount == 0:  # nothing is nothing in any currency
            return Value("money", Fraction(0), currency=self.currency)
        missing = [code for code in self.currencies if code not in given]
        if missing:
            self.error("PL296", f"`{_text(expr)}` has no amount in "
                       f"{', '.join(f'`{code}`' for code in missing)}", expr.span,
                       help=f"the catalog prices in {declared}: give an amount in each, "
                       f"e.g. `{' or '.join(_example(code) for code in self.currencies)}`")
            return None
        chosen = given.get(self.currency or "")
        return None if chosen is None else Value("money", Fraction(chosen.amount),
                                                  currency=chosen.currency)

    # ---- values ----
    def check_let(self, d: ast.LetDef) -> None:
        value = self.evaluate(d.value)
        if self.define("value", d.name) and value is not None:
            self.lets[d.name.text] = value

    def check_unit(self, d: ast.UnitDef) -> None:
        if not self.define("unit", d.name):
            return
        if d.value is None:
            self.units[d.name.text] = Unit(d.name.text, d.name.text, Fraction(1))
            return
        value = self.evaluate(d.value)
        if value is None:
            return
        if value.kind != "quantity" or value.unit is None:
            self.error("PL233", f"unit `{d.name.text}` must be defined as a quantity of another "
                       f"unit, not {value.describe()}", d.value.span,
                       help=f"e.g. `unit {d.name.text} = 1,000 MB`")
            return
        if value.number <= 0:
            self.error("PL235", f"unit `{d.name.text}` must be a positive quantity", d.value.span,
                       help=f"e.g. `unit {d.name.text} = 1,000 MB`")
            return
        self.units[d.name.text] = Unit(d.name.text, value.unit.dimension, value.number)

    def evaluate(self, expr: ast.Expr) -> Value | None:
        """Evaluate a constant expression exactly, reporting type errors; None after an error."""
        value = self._evaluate(expr)
        if value is not None and (abs(value.number) >= MAX_MAGNITUDE
                                  or value.number.denominator > MAX_MAGNITUDE):
            self.error("PL236", "this value is out of range", expr.span,
                       help=f"values have at most {MAX_DIGITS} digits before and "
                       f"{MAX_DIGITS} after the decimal point")
            return None
        return value

    def _evaluate(self, expr: ast.Expr) -> Value | None:
        if isinstance(expr, ast.Quantity):
            number = Fraction(expr.number)
            if expr.unit is None:
                return Value("number", number)
            unit = self.find_unit(expr.unit)
            return None if unit is None else Value("quantity", unit.to_base(number), unit)
        if isinstance(expr, (ast.Money, ast.MoneyChoice)):
            return self.money(expr)
        if isinstance(expr, ast.Percent):
            return Value("percent", Fraction(expr.value) / 100)
        if isinstance(expr, ast.Ref):
            value = self.lets.get(expr.name.text)
            if value is None:
                self.error("PL214", f"unknown value `{expr.name.text}`", expr.name.span,
                           help=self.suggest(expr.name.text, self.lets)
                           or "define it first with `let NAME = …`")
            return value
        left, right = self.evaluate(expr.left), self.evaluate(expr.right)
        if left is None or right is None:
            return None
        if expr.op in "+-":
            return self.add(expr, left, right)
        return self.multiply(expr, left, right)

    def add(self, expr: ast.BinOp, left: Value, right: Value) -> Value | None:
        verb = "add" if expr.op == "+" else "subtract"
        words = (f"{right.describe()} to {left.describe()}" if expr.op == "+"
                 else f"{right.describe()} from {left.describe()}")
        if left.kind == right.kind == "money" and left.currency != right.currency:
            self.error("PL232", f"cannot {verb} {words}", expr.span,
                       help="every amount in a catalog is in the catalog's currency")
            return None
        same_dimension = (left.unit.dimension if left.unit else None) == (
            right.unit.dimension if right.unit else None)
        if left.kind != right.kind or not same_dimension:
            self.error("PL231", f"cannot {verb} {words}", expr.span,
                       help="both sides must be of the same kind: money with money, or quantities "
                       "of one dimension (GB with MB)")
            return None
        number = left.number + right.number if expr.op == "+" else left.number - right.number
        return attrs.evolve(left, number=number)

    def multiply(self, expr: ast.BinOp, left: Value, right: Value) -> Value | None:
        scalar = ("number", "percent")
        if expr.op == "×":
            if left.kind in scalar and right.kind in scalar:
                return Value("number" if "number" in (left.kind, right.kind) else "percent",
                             left.number * right.number)
            if left.kind in scalar or right.kind in scalar:
                base, factor = (right, left) if left.kind in scalar else (left, right)
                return attrs.evolve(base, number=base.number * factor.number)
            self.error("PL230", f"cannot multiply {left.describe()} by {right.describe()}",
                       expr.span, help="multiply money or a quantity by a plain number or a "
                       "percentage; a price per unit is written `€ 2 per 100 devices`")
            return None
        if right.number == 0:
            self.error("PL234", "division by zero", expr.right.span,
                       help="divide by a value that is not zero")
            return None
        if right.kind in scalar:
            return attrs.evolve(left, number=left.number / right.number)
        if left.kind == right.kind and left.currency == right.currency and (
                (left.unit.dimension if left.unit else None)
                == (right.unit.dimension if right.unit else None)):
            return Value("number", left.number / right.number)
        self.error("PL230", f"cannot divide {left.describe()} by {right.describe()}", expr.span,
                   help="divide by a plain number, or by a value of the same kind to get a ratio")
        return None

    def find_unit(self, name: ast.Name) -> Unit | None:
        unit = lookup(self.units, name.text)
        if unit is None:
            self.error("PL210", f"unknown unit `{name.text}`", name.span,
                       help=self.suggest(name.text, self.units)
                       or "declare it with `unit NAME` or `unit NAME = 1,000 OTHER`")
        return unit

    # ---- meters ----
    def declare_meter_units(self, meter_defs: list[ast.MeterDef]) -> None:
        for d in meter_defs:
            if d.unit is not None:
                continue
            for name in d.names:
                if lookup(self.units, name.text) is None:
                    self.units[name.text] = Unit(name.text, name.text, Fraction(1))

    def check_meter(self, d: ast.MeterDef) -> None:
        unit = self.find_unit(d.unit) if d.unit is not None else None
        if d.unit is not None and unit is None:
            return
        sources = [s for s in d.steps if isinstance(s, (ast.CountSource, ast.SnapshotSource,
                                                        ast.UsageSource, ast.TransactionsSource))]
        if len(sources) != 1 or d.steps[0] is not sources[0]:
            span = sources[1].span if len(sources) > 1 else d.steps[0].span
            self.error("PL261", "a meter starts with exactly one source: `count`, `snapshots`, "
                       "`usage` or `transactions`", span,
                       help="e.g. `meter channels: count including disabled, daily average, then "
                       "monthly average, round up`")
            return
        source = sources[0]
        if isinstance(source, ast.TransactionsSource):
            self.transactions_meter(d)
            return
        kind = ("count" if isinstance(source, ast.CountSource) else
                "snapshots" if isinstance(source, ast.SnapshotSource) else "usage")
        if isinstance(source, ast.SnapshotSource) and source.every is not None and (
                source.every.text not in ("minute", "hour", "day")):
            self.error("PL215", f"unknown snapshot interval `{source.every.text}`",
                       source.every.span, help=self.suggest(source.every.text,
                                                            ("minute", "hour", "day"))
                       or "snapshots are taken every `minute`, `hour` or `day`")
        daily = self.meter_step(d, ast.DailyStep, DAILY_AGGREGATIONS[kind], "daily")
        monthly = self.meter_step(d, ast.MonthlyStep, MONTHLY_AGGREGATIONS[kind], "monthly")
        rounding = self.meter_rounding(d)
        for name in d.names:
            if not self.define("meter", name):
                continue
            meter_unit = unit or lookup(self.units, name.text)
            assert meter_unit is not None
            round_direction, round_step, round_unit = None, meter_unit.factor, meter_unit
            if rounding is not None:
                round_direction, step_value = rounding
                if step_value is not None and step_value.kind == "number":
                    step_value = Value("quantity", meter_unit.to_base(step_value.number), meter_unit)
                if step_value is not None:
                    if step_value.unit is None or step_value.unit.dimension != meter_unit.dimension:
                        step = next(s for s in d.steps if isinstance(s, ast.RoundStep))
                        self.error("PL262", f"meter `{name.text}` is measured in "
                                   f"`{meter_unit.name}` and cannot be rounded to "
                                   f"{step_value.describe()}", step.to.span if step.to else None,
                                   help=f"round to a quantity of `{meter_unit.name}`")
                        continue
                    round_step, round_unit = step_value.number, step_value.unit
            self.meters[name.text] = Meter(
                name.text, meter_unit, kind,
                isinstance(source, ast.CountSource) and source.include_disabled,
                daily, monthly, round_direction, round_step, round_unit, self.rule(d))

    def transactions_meter(self, d: ast.MeterDef) -> None:
        """`meter card_payments: transactions`: payments, each an amount of money in the catalog's
        currency, added up over the month; nothing else to say."""
        if len(d.steps) > 1 or d.unit is not None:
            self.error("PL293", "a transactions meter adds up the payments' amounts and takes no "
                       "unit or other step", d.steps[1].span if len(d.steps) > 1 else d.unit.span
                       if d.unit is not None else None,
                       help="write `meter card_payments: transactions`: each payment is an "
                       "amount of money in the catalog's currency")
            return
        money = Unit(self.currency or "USD", "money", Fraction(1))
        for name in d.names:
            if self.define("meter", name):
                self.meters[name.text] = Meter(name.text, money, "transactions", False, "sum",
                                               "sum", None, money.factor, money, self.rule(d))

    def meter_step(self, d: ast.MeterDef, cls, allowed: tuple[str, ...], word: str) -> str | None:
        steps = [s for s in d.steps if isinstance(s, cls)]
        if len(steps) > 1:
            self.error("PL261", f"a meter has at most one {word} step", steps[1].span,
                       help=f"remove one of the {word} steps")
        if not steps:
            return None
        aggregation = steps[0].aggregation
        if aggregation.text not in allowed:
            known = {a for kinds in (DAILY_AGGREGATIONS, MONTHLY_AGGREGATIONS)
                     for values in kinds.values() for a in values}
            message = (f"`{word} {aggregation.text}` does not apply to this meter's source"
                       if aggregation.text in known else
                       f"unknown {word} aggregation `{aggregation.text}`")
            self.error("PL215", message, aggregation.span,
                       help=self.suggest(aggregation.text, allowed)
                       or "use " + " or ".join(f"`{word} {a}`" for a in allowed))
            return None
        return aggregation.text

    def meter_rounding(self, d: ast.MeterDef):
        steps = [s for s in d.steps if isinstance(s, ast.RoundStep)]
        if not steps:
            return None
        if len(steps) > 1:
            self.error("PL261", "a meter rounds at most once", steps[1].span,
                       help="remove one of the rounding steps")
        step = steps[0]
        if d.steps[-1] is not step:
            self.error("PL261", "rounding is a meter's last step", step.span,
                       help="move the rounding to the end of the meter")
        if step.to is None:
            return step.direction, None
        value = self.evaluate(step.to)
        if value is not None and value.number <= 0:
            self.error("PL235", "a rounding step must be positive", step.to.span,
                       help="e.g. `round up to 1 GB`")
            return None
        return step.direction, value

    # ---- SLA levels ----
    def check_slas(self, defs: list[ast.SlaDef], header) -> dict[str, SlaLevel]:
        uptime_step = header[1] if header else None
        slas: dict[str, SlaLevel] = {}
        for d in defs:
            if not self.define("SLA level", d.name):
                continue
            refunds = []
            for r in d.refunds:
                band = self.check_band(r)
                if not 0 < r.percent <= 100:
                    self.error("PL252", f"a refund of {format_number(r.percent)}% is not between "
                               "0% and 100%", r.span, help="write the share of the plan fee refunded")
                elif band is not None:
                    refunds.append((Refund(Fraction(r.percent) / 100, band, self.rule(r)), r))
            self.check_band_layout(d, refunds, uptime_step)
            slas[d.name.text] = SlaLevel(d.name.text, tuple(r for r, _ in refunds), self.rule(d))
        return slas

    def check_band(self, r: ast.RefundRule) -> Band | None:
        b = r.band
        bounds = [x for x in (b.low, b.high) if x is not None]
        if any(not 0 <= x <= 100 for x in bounds):
            self.error("PL252", "an uptime band lies between 0% and 100%", b.span,
                       help="uptime is a percentage of the month")
            return None
        if b.low is not None and b.high is not None and b.low > b.high:
            self.error("PL253", f"empty uptime band: {format_number(b.low)}% is above "
                       f"{format_number(b.high)}%", b.span,
                       help=f"write the lower bound first: `from {format_number(b.high)}% to "
                       f"{format_number(b.low)}%`")
            return None
        to_f = (lambda x: None if x is None else Fraction(x))
        return Band(to_f(b.low), b.low_inclusive, to_f(b.high), b.high_inclusive)

    def check_band_layout(self, d: ast.SlaDef, refunds: list[tuple[Refund, ast.RefundRule]],
                          step: Fraction | None):
        """Bands of one level must not overlap, and must leave no gap between them. Sorted by
        their lower bound, each band is compared with the one reaching highest before it (its
        neighbour, unless a wider band covers both): n log n, however many bands."""
        ordered = sorted(refunds, key=lambda pair: (pair[0].band.low is not None,
                                                    pair[0].band.low or 0))
        reach: tuple[Refund, ast.RefundRule] | None = None
        for after_pair in ordered:
            if reach is None:
                reach = after_pair
                continue
            (before, before_node), (after, node) = reach, after_pair
            b, a = before.band, after.band
            if a.low is None:  # both open below: they share every low uptime
                a = attrs.evolve(a, low=Fraction(-1), low_inclusive=True)
            other = label(before_node.band.span, "this band")
            if b.high is None or (a.low is not None and (
                    a.low < b.high or (a.low == b.high and a.low_inclusive and b.high_inclusive))):
                self.error("PL250", f"uptime bands of SLA `{d.name.text}` overlap", node.band.span,
                           help="make each uptime value fall in at most one band", labels=other)
            elif a.low is not None and not self._adjacent(b, a, step):
                self.error("PL251", f"uptime bands of SLA `{d.name.text}` leave a gap between "
                           f"{format_number(b.high)}% and {format_number(a.low)}%",
                           node.band.span, labels=other,
                           help="an uptime in the gap gets no refund: close it, or declare how "
                           "precisely uptime is measured with `uptime measured to 0.01%` in the "
                           "catalog header")
            if b.high is not None and (a.high is None or a.high > b.high or (
                    a.high == b.high and a.high_inclusive)):
                reach = after_pair

    @staticmethod
    def _adjacent(below: Band, above: Band, step: Fraction | None) -> bool:
        """True when no uptime value (a multiple of `step`, if given) lies between the bands."""
        high, low = below.high, above.low
        assert high is not None and low is not None
        if high == low:
            return below.high_inclusive or above.low_inclusive
        if step is None:
            return False
        first = (high // step) * step  # the first multiple of the step that is above the band
        if not (first == high and not below.high_inclusive):
            first += step
        return not (first < low or (first == low and not above.low_inclusive))

    # ---- plans ----
    def check_plans(self, defs, slas: dict[str, SlaLevel]) -> list[Plan]:
        plan_defs = [d for d in defs if isinstance(d, ast.PlanDef)]
        known = {}
        for d in plan_defs:
            if self.define("plan", d.name):
                known[d.name.text] = d
        drafts: dict[str, dict[str, _ItemDraft]] = defaultdict(dict)
        sla_of: dict[str, ast.SlaLevel] = {}
        for d in defs:
            if isinstance(d, ast.PlanDef) and known.get(d.name.text) is d:
                self.gather(d.name.text, d.body, drafts, sla_of, slas)
            elif isinstance(d, ast.PlansDef):
                for name in d.names:
                    if name.text not in known:
                        self.error("PL212", f"unknown plan `{name.text}`", name.span,
                                   help=self.suggest(name.text, known)
                                   or "define the plan with `plan NAME: € 0 per month` first")
                        continue
                    self.gather(name.text, d.body, drafts, sla_of, slas)
        plans = []
        self.seat_items = {d.name.text: self.seat_item(d) for d in known.values()}
        for rank, d in enumerate(known.values()):
            fee = self.check_fee(d)
            items = {}
            for item_name, draft in drafts[d.name.text].items():
                terms = self.item_terms(d.name.text, draft)
                if terms is not None:
                    items[item_name] = terms
            seat = self.seat_items[d.name.text]
            if seat is not None and seat not in items and seat not in drafts[d.name.text]:
                # a plan priced per seat offers its seats, as many as the account has
                items[seat] = ItemTerms(seat, unlimited=True, unlimited_rule=self.rule(d))
            sla = sla_of.get(d.name.text)
            commitment = self.commitments.get(d.name.text)
            plans.append(Plan(d.name.text, rank, fee if fee is not None else Decimal(0),
                              self.rule(d), items, sla.level.text if sla else None,
                              self.rule(sla) if sla else None,
                              commitment[0] if commitment else None,
                              self.rule(commitment[1]) if commitment else None,
                              seat, d.seat.text if d.seat is not None and seat else "",
                              **self.plan_bounds(d.name.text),
                              pools=self.plan_pools.get(d.name.text, {}),
                              **self.setup_of(d.name.text)))
        self.plan_sources = (known, drafts)
        return plans

    def setup_of(self, plan: str) -> dict[str, Any]:
        setup = self.setup_fees.get(plan)
        return {} if setup is None else {"setup_fee": setup[0],
                                          "setup_fee_rule": self.rule(setup[1])}

    def plan_bounds(self, plan: str) -> dict[str, Any]:
        """A plan's minimum spend and cap with their rules (PL291 for a minimum above the cap)."""
        bounds = self.spend_bounds.get(plan, {})
        least, cap = bounds.get("minimum"), bounds.get("cap")
        if least is not None and cap is not None and least[0] > cap[0]:
            self.error("PL291", f"plan `{plan}` charges at least more than its cap",
                       least[1].span, labels=label(cap[1].span, "capped here"),
                       help="lower the minimum spend or raise the cap")
            least = cap = None
        return {"minimum_spend": None if least is None else least[0],
                "minimum_spend_rule": None if least is None else self.rule(least[1]),
                "spend_cap": None if cap is None else cap[0],
                "spend_cap_rule": None if cap is None else self.rule(cap[1])}

    def seat_item(self, d: ast.PlanDef) -> str | None:
        """The counted item a fee per seat is per (`per member per month`): the count meter named
        by the word, or measuring in its unit; None for a flat fee, or when there is none
        (reported)."""
        if d.seat is None:
            return None
        forms = name_forms(d.seat.text)
        counted = [m for m in self.meters.values() if m.source == "count"]
        found = next((m.name for m in counted if m.name in forms), None) or next(
            (m.name for m in counted if m.unit.name in forms), None)
        if found is None:
            self.error("PL287", f"plan `{d.name.text}` costs a fee per `{d.seat.text}`, but no "
                       f"count meter measures `{d.seat.text}`", d.seat.span,
                       help=self.suggest(d.seat.text, [m.name for m in counted])
                       or (f"a fee per seat names a counted item: "
                           f"{', '.join(f'`per {m.name}`' for m in counted[:5])}" if counted else
                           f"declare the seats with `meter {d.seat.text}s: count, daily maximum`"))
        return found

    def check_fee(self, d: ast.PlanDef) -> Decimal | None:
        if d.per.text not in FEE_PERIODS:
            self.error("PL215", f"unknown fee period `{d.per.text}`", d.per.span,
                       help=self.suggest(d.per.text, FEE_PERIODS)
                       or "plan fees are `per month`, the catalog's billing period")
        value = self.evaluate(d.fee)
        money = self.expect_money(value, d.fee, f"the fee of plan `{d.name.text}`")
        return money

    def expect_money(self, value: Value | None, expr: ast.Expr, what: str) -> Decimal | None:
        if value is None:
            return None
        if value.kind != "money":
            self.error("PL233", f"{what} must be money, not {value.describe()}", expr.span,
                       help=f"write it with its currency, e.g. `{self.currency or 'EUR'} 40`")
            return None
        if self.currency is not None and value.currency != self.currency:
            self.error("PL232", f"{what} is in `{value.currency}` but the catalog's currency is "
                       f"`{self.currency}`", expr.span,
                       help=f"write every amount in `{self.currency}`")
            return None
        if value.number < 0:
            self.error("PL235", f"{what} cannot be negative", expr.span,
                       help="write a positive amount; discounts are separate rules")
            return None
        places = decimal_places(value.number)
        if places is None:
            self.error("PL233", f"{what} is not an exact decimal amount", expr.span,
                       help="write the amount with a finite number of decimals, e.g. `€ 33.33`")
            return None
        if places > MAX_DIGITS:
            self.error("PL236", f"{what} has {places} digits after the decimal point, more than "
                       f"{MAX_DIGITS}", expr.span,
                       help=f"amounts have at most {MAX_DIGITS} digits before and "
                       f"{MAX_DIGITS} after the decimal point")
            return None
        return exact_decimal(value.number)

    def gather(self, plan: str, body, drafts, sla_of, slas: dict[str, SlaLevel]) -> None:
        for stmt in body:
            if isinstance(stmt, ast.SetupFee):
                if plan in self.setup_fees:
                    self.error("PL221", f"plan `{plan}` has two setup fees", stmt.span,
                               labels=label(self.setup_fees[plan][1].span, "first given here"),
                               help="keep one `setup fee` line per plan")
                    continue
                fee = self.expect_money(self.evaluate(stmt.amount), stmt.amount,
                                        f"the setup fee of plan `{plan}`")
                if fee is not None:
                    self.setup_fees[plan] = (fee, stmt)
                continue
            if isinstance(stmt, ast.MoneyBound):
                bounds = self.spend_bounds.setdefault(plan, {})
                if stmt.kind in bounds:
                    self.error("PL221", f"plan `{plan}` says twice what it "
                               f"{'charges at least' if stmt.kind == 'minimum' else 'is capped at'}",
                               stmt.span, labels=label(bounds[stmt.kind][1].span, "first said here"),
                               help="keep one line of each")
                    continue
                bound = self.money_bound(stmt, f"the minimum spend of plan `{plan}`"
                                         if stmt.kind == "minimum" else f"the cap of plan `{plan}`")
                if bound is not None:
                    bounds[stmt.kind] = (bound, stmt)
                continue
            if isinstance(stmt, ast.Commitment):
                if plan in self.commitments:
                    self.error("PL221", f"plan `{plan}` has two commitments", stmt.span,
                               labels=label(self.commitments[plan][1].span, "first given here"),
                               help="keep one `commitment` line per plan")
                    continue
                value = self.evaluate(stmt.duration)
                if value is not None and (value.kind != "quantity" or value.unit is None
                                          or value.unit.dimension != "month"
                                          or value.number.denominator != 1 or value.number < 1):
                    self.error("PL233", f"a commitment is a whole number of months, not "
                               f"{value.describe()}", stmt.duration.span,
                               help="e.g. `commitment: 6 months`")
                    continue
                if value is not None:
                    self.commitments[plan] = (int(value.number), stmt)
                continue
            if isinstance(stmt, ast.SlaLevel):
                if plan in sla_of:
                    self.error("PL221", f"plan `{plan}` has two SLA levels", stmt.span,
                               labels=label(sla_of[plan].span, "first given here"),
                               help="keep one `sla` line per plan")
                    continue
                if stmt.level.text not in slas:
                    self.error("PL213", f"unknown SLA level `{stmt.level.text}`", stmt.level.span,
                               help=self.suggest(stmt.level.text, slas)
                               or "define it with `sla NAME: no refund` or refund bands")
                sla_of[plan] = stmt
                continue
            pool = self.pools.get(stmt.item.text)
            if pool is not None:  # `minutes: 2,000 included`: how much of a pool the plan has
                self.pool_share(plan, pool, stmt)
                continue
            meter = self.meters.get(stmt.item.text)
            if meter is None:
                candidates = list(self.meters)
                self.error("PL211", f"unknown item `{stmt.item.text}`", stmt.item.span,
                           help=self.suggest(stmt.item.text, candidates)
                           or f"declare how `{stmt.item.text}` is measured with a `meter` line")
                continue
            draft = drafts[plan].setdefault(stmt.item.text, _ItemDraft(stmt.item))
            for clause in stmt.clauses:
                kind = type(clause).__name__
                if isinstance(clause, ast.ElementLimit):
                    kind = f"ElementLimit:{self.element_meter(clause.element)}"
                if isinstance(clause, ast.MoneyBound):
                    kind = f"MoneyBound:{clause.kind}" + (
                        ":transaction" if self.per_transaction(meter, clause.per) else "")
                if isinstance(clause, ast.TierBand):  # an item has as many bands as it says
                    kind = f"TierBand:{sum(k.startswith('TierBand:') for k in draft.clauses)}"
                if kind in draft.clauses:
                    first = draft.clauses[kind][0]
                    self.error("PL221", f"plan `{plan}` says twice what its `{stmt.item.text}` "
                               f"{_CLAUSE_WORDS[kind.split(':')[0]]}", clause.span,
                               labels=label(first.span, "first said here"),
                               help="keep one; shared rules go in a `plans A, B:` block, the rest "
                               "in each plan")
                    continue
                draft.clauses[kind] = (clause, self.clause_value(clause, meter))

    def pool_share(self, plan: str, pool: Pool, stmt: ast.ItemRule) -> None:
        """A plan's line for a pool: `N included` alone, a quantity in the pool's unit."""
        shares = self.plan_pools.setdefault(plan, {})
        clause = stmt.clauses[0]
        if len(stmt.clauses) != 1 or not isinstance(clause, ast.Included):
            self.error("PL292", f"pool `{pool.name}` on plan `{plan}` says only how much it "
                       "includes", stmt.span,
                       help=f"write `{pool.name}: 2,000 included`; price each item beyond the "
                       "pool on its own line")
            return
        if pool.name in shares:
            self.error("PL221", f"plan `{plan}` says twice what its `{pool.name}` includes",
                       stmt.span, help="keep one")
            return
        value = self.evaluate(clause.amount)
        if value is not None and value.kind == "number":
            value = Value("quantity", pool.unit.to_base(value.number), pool.unit)
        if value is None or value.kind != "quantity" or value.unit is None or (
                value.unit.dimension != pool.unit.dimension) or value.number < 0:
            if value is not None:
                self.error("PL231", f"pool `{pool.name}` is counted in `{pool.unit.name}`, not "
                           f"{value.describe()}", clause.amount.span,
                           help=f"write a number of `{pool.unit.name}`")
            return
        shares[pool.name] = (value.number, self.rule(stmt))

    def money_bound(self, bound: ast.MoneyBound, what: str) -> Decimal | None:
        """A bound on a period's charges: money in the catalog's currency, per month."""
        if bound.per.text not in FEE_PERIODS:
            self.error("PL215", f"unknown period `{bound.per.text}`", bound.per.span,
                       help=self.suggest(bound.per.text, FEE_PERIODS)
                       or "a minimum or a cap is per month, the catalog's billing period")
            return None
        amount = self.expect_money(self.evaluate(bound.amount), bound.amount, what)
        if amount is not None and bound.kind == "cap" and self.currency is not None and (
                not in_minor_units(amount, self.currency)):
            # a cap line is the cap less what was charged, unrounded: it must be whole cents
            self.error("PL299", f"{what} is {format_money(amount, self.currency)}, finer than "
                       f"the {self.currency} minor unit "
                       f"({format_money(minor_unit(self.currency), self.currency)})",
                       bound.amount.span, help="write the cap to the minor unit, e.g. "
                       f"`{_example(self.currency, round_money(amount, self.currency))}`")
            return None
        return amount

    def element_meter(self, name: ast.Name) -> str:
        """The counted item an element word names (`channel` → `channels`), or the word itself."""
        for form in name_forms(name.text):
            if form in self.meters and self.meters[form].source == "count":
                return form
        return name.text

    def clause_value(self, clause: ast.ItemClause, meter: Meter) -> Value | None:
        if meter.source == "transactions" and not isinstance(clause, ast.TierMode) and not (
                isinstance(clause, ast.MoneyBound) and not self.per_transaction(meter, clause.per)):
            return self.transaction_clause(clause, meter)
        if isinstance(clause, ast.ExtraPrice | ast.TierThen) and self.is_percent(clause.price):
            self.error("PL293", f"`{meter.name}` is a {meter.source} meter: a percentage prices "
                       "an amount of money", clause.price.span,
                       help="measure payments with `meter card_payments: transactions`, then "
                       "price them: `card_payments: 2.9% + $ 0.30 per transaction`")
            return None
        if isinstance(clause, ast.ElementLimit):
            element = self.element_meter(clause.element)
            if element not in self.meters:
                counted = [m for m, v in self.meters.items() if v.source == "count"]
                self.error("PL211", f"unknown element `{clause.element.text}`",
                           clause.element.span, help=self.suggest(clause.element.text, counted)
                           or "a limit per element names a counted item, e.g. `per channel`")
                return None
            value = self.item_quantity(meter, clause.amount)
            if value is not None and value.number < 0:
                self.error("PL235", "an amount of an item cannot be negative", clause.amount.span,
                           help="write zero or more")
                return None
            return value
        if isinstance(clause, ast.CustomerCap) and meter.source != "usage":
            self.error("PL278", f"`{meter.name}` is a {meter.source} meter, not usage: the "
                       "customer cannot cap it", clause.span,
                       help="customer caps apply to usage meters")
            return None
        if isinstance(clause, (ast.NotExtendable, ast.Unlimited, ast.CustomerCap,
                               ast.NoRemovalRefund)):
            return MARKER
        if isinstance(clause, ast.MoneyBound):
            limit = self.money_bound(clause, f"the {'minimum' if clause.kind == 'minimum' else 'cap'}"
                                     f" of `{meter.name}`")
            return None if limit is None else Value("money", Fraction(limit),
                                                    currency=self.currency)
        if isinstance(clause, ast.TierMode):
            if clause.mode.text not in Tiering.__members__.values():
                self.error("PL282", f"unknown pricing `{clause.mode.text}`", clause.mode.span,
                           help=self.suggest(clause.mode.text, list(Tiering))
                           or "write `graduated pricing`, `volume pricing` or `stairstep pricing`")
                return None
            return MARKER
        if isinstance(clause, ast.TierThen):
            return self.per_unit_price(meter, clause.price, Decimal(1), None, clause.span)
        if isinstance(clause, ast.TierBand):
            bound = self.item_quantity(meter, clause.amount)
            if bound is None:
                return None
            if bound.number < 0 or (bound.number == 0 and clause.bound in ("first", "next")):
                self.error("PL235", f"a band's `{clause.bound}` amount must be positive",
                           clause.amount.span, help="write the number of units the band holds")
                return None
            price = clause.price
            if price.fee is not None and self.expect_money(
                    self.evaluate(price.fee), price.fee,
                    f"the fee of a band of `{meter.name}`") is None:
                return None
            if price.price is not None and self.per_unit_price(
                    meter, price.price, price.per_count, price.per_unit, price.span) is None:
                return None
            return Value("quantity", bound.number, meter.unit)
        if isinstance(clause, ast.ExtraPrice):
            return self.per_unit_price(meter, clause.price, clause.per_count, clause.per_unit,
                                       clause.span)
        value = self.item_quantity(meter, clause.amount)
        if value is None:
            return None
        if value.number < 0:
            self.error("PL235", "an amount of an item cannot be negative", clause.amount.span,
                       help="write zero or more")
            return None
        return value

    def per_unit_price(self, meter: Meter, price: ast.Expr, per_count: Decimal,
                       per: ast.Name | None, span: Span | None) -> Value | None:
        """A price per `per_count` `per` units of the item (`€ 2 per 100 devices`; `per` None:
        per one unit of the item's meter), as money per that unit."""
        if per is None:
            per_unit: Unit | None = meter.unit
        else:
            per_unit = self.find_unit(per)
            if per_unit is not None and per_unit.dimension != meter.unit.dimension:
                self.error("PL231", f"`{meter.name}` is measured in `{meter.unit.name}`, not in "
                           f"`{per_unit.name}`", per.span,
                           help=f"price it per `{meter.unit.name}`")
                return None
        if per_count <= 0:
            self.error("PL235", "a price is per a positive quantity", span,
                       help="e.g. `€ 2 per 100 devices`")
            return None
        value = self.evaluate(price)
        amount = self.expect_money(value, price, f"the price of extra `{meter.name}`")
        if amount is None or per_unit is None:
            return None
        return Value("money", Fraction(amount), per_unit, self.currency)

    def item_quantity(self, meter: Meter, expr: ast.Expr) -> Value | None:
        """A quantity of an item: in its unit's dimension, a plain number meaning its unit."""
        value = self.evaluate(expr)
        if value is None:
            return None
        if value.kind == "number":
            value = Value("quantity", meter.unit.to_base(value.number), meter.unit)
        if meter.source == "transactions" and value.kind == "money" and (
                value.currency == self.currency):  # payments are counted in money
            value = Value("quantity", value.number, meter.unit)
        if value.kind != "quantity" or value.unit is None or (
                value.unit.dimension != meter.unit.dimension):
            self.error("PL231", f"`{meter.name}` is measured in `{meter.unit.name}`, not "
                       f"{value.describe()}", expr.span, help=f"write a number of `{meter.unit.name}`")
            return None
        return value

    def item_terms(self, plan: str, draft: _ItemDraft) -> ItemTerms | None:
        c = draft.clauses
        name = draft.item.text
        meter = self.meters[name]
        if meter.source == "transactions":
            return self.transaction_terms(plan, draft, meter)
        tiered = [k for k in c if k.startswith("TierBand:") or k in ("TierThen", "TierMode")]
        priced = "ExtraPrice" if "ExtraPrice" in c else (tiered[0] if tiered else None)
        drawn = next((p.name for p in self.pools.values() if p.name in self.plan_pools.get(plan, {})
                      and any(m == name for m, _ in p.members)), None)
        if drawn is not None and "Included" in c:
            self.error("PL292", f"`{name}` on plan `{plan}` draws on pool `{drawn}` and includes "
                       "an amount of its own", c["Included"][0].span,
                       help=f"include it in the pool (`{drawn}: N included`), not in the item")
            return None
        seat = self.seat_items.get(plan)
        seated = [k for k in ("Minimum", "NoRemovalRefund") if k in c]
        if seated and name != seat:
            self.error("PL288", f"`{name}` on plan `{plan}` is not what the plan's fee is per",
                       c[seated[0]][0].span,
                       help=f"`at least` and `no refund on removal` belong to a plan priced per "
                       f"seat, on the seats' item: `plan {plan}: € 7 per {name} per month`"
                       if seat is None else f"write them on `{seat}`, the plan's seats")
            return None
        if name == seat and (priced is not None or "Included" in c):
            clause = c[priced][0] if priced is not None else c["Included"][0]
            self.error("PL288", f"plan `{plan}` charges its fee per `{name}` and prices "
                       f"`{name}` again", clause.span,
                       help="a plan is priced per seat or prices its seats as extras, not both")
            return None
        if priced is not None and "NotExtendable" in c:
            self.error("PL242", f"plan `{plan}` cannot extend `{name}` but prices extras for it",
                       c[priced][0].span,
                       labels=label(c["NotExtendable"][0].span, "declared not extendable here"),
                       help="remove the extra price, or `not extendable`")
            return None
        elements = {k.split(":", 1)[1]: v for k, (_, v) in c.items() if k.startswith("ElementLimit:")}
        element_rules = {k.split(":", 1)[1]: self.rule(cl) for k, (cl, _) in c.items()
                         if k.startswith("ElementLimit:")}
        if "Unlimited" in c and ("Limit" in c or "NotExtendable" in c or "Maximum" in c):
            other = next(c[k][0] for k in ("Limit", "NotExtendable", "Maximum") if k in c)
            self.error("PL243", f"`{name}` on plan `{plan}` is unlimited and limited at once",
                       c["Unlimited"][0].span, labels=label(other.span, "limited here"),
                       help="remove `unlimited` or the limit")
            return None
        if "Limit" in c and (priced is not None or "Included" in c or "Maximum" in c):
            other = next(c[k][0] for k in (priced, "Included", "Maximum") if k in c)
            self.error("PL243", f"`{name}` on plan `{plan}` has a non-extendable limit and "
                       "extendable terms", c["Limit"][0].span,
                       labels=label(other.span, "extendable term here"),
                       help="an item is either limited (`at most N`) or included and extendable")
            return None
        if "Maximum" in c and priced is None:
            self.error("PL244", f"`{name}` on plan `{plan}` has a maximum but no extra price",
                       c["Maximum"][0].span,
                       help="a maximum bounds the extras; add `then € X per unit`, or write "
                       "`at most N` for a non-extendable limit")
            return None
        if priced is not None and meter.monthly is None:
            self.error("PL245", f"`{name}` is priced but its meter gives no monthly figure",
                       c[priced][0].span,
                       help="add a monthly step to the meter, e.g. `monthly average`")
            return None
        if any(v is None for _, v in c.values()):
            return None  # already reported
        values: dict[str, Value] = {k: v for k, (_, v) in c.items() if v is not None}
        least = values.get("MoneyBound:minimum")
        cap = values.get("MoneyBound:cap")
        if least is not None and cap is not None and least.number > cap.number:
            self.error("PL291", f"`{name}` on plan `{plan}` charges at least more than its cap",
                       c["MoneyBound:minimum"][0].span,
                       labels=label(c["MoneyBound:cap"][0].span, "capped here"),
                       help="lower the minimum or raise the cap")
            return None
        minimum = values["Minimum"].number if "Minimum" in values else None
        if minimum is not None and "Limit" in values and minimum > values["Limit"].number:
            self.error("PL289", f"plan `{plan}` bills at least more `{name}` than it allows",
                       c["Minimum"][0].span, labels=label(c["Limit"][0].span, "at most here"),
                       help="lower the minimum or raise the limit")
            return None
        included = values["Included"].number if "Included" in values else Fraction(0)
        maximum = values["Maximum"].number if "Maximum" in values else None
        if maximum is not None and included > maximum:
            self.error("PL241", f"plan `{plan}` includes more `{name}` than its maximum",
                       c["Included"][0].span,
                       labels=label(c["Maximum"][0].span, "maximum here"),
                       help="lower the included amount or raise the maximum")
            return None
        price = values.get("ExtraPrice")
        rule = lambda k: self.rule(c[k][0]) if k in c else None  # noqa: E731
        block, block_label = Fraction(1), meter.unit.name
        if price is not None:
            extra = c["ExtraPrice"][0]
            assert isinstance(extra, ast.ExtraPrice) and price.unit is not None
            block, block_label = self.block_of(price.unit, extra.per_count, extra.per_unit)
        bands: tuple[PriceBand, ...] = ()
        tiering = Tiering.GRADUATED
        if tiered:
            priced_bands = self.price_bands(plan, name, meter, c, included)
            if priced_bands is None:
                return None
            bands, tiering, top = priced_bands
            if top is not None and maximum is None:
                maximum = top  # the last band's bound is the most the plan allows
            price = None
        return ItemTerms(
            name, included, price is not None or bool(bands),
            exact_decimal(price.number) if price else None,
            block, block_label, maximum, values["Limit"].number if "Limit" in values else None,
            rule("Included"), rule("ExtraPrice"), rule("Maximum"), rule("Limit"),
            rule("NotExtendable"),
            # a plan priced per seat allows as many as the account has, unless `at most` bounds it
            "Unlimited" in c or (name == seat and "Limit" not in c), "CustomerCap" in c,
            rule("Unlimited"),
            rule("CustomerCap"), {k: v.number for k, v in elements.items() if v is not None},
            element_rules, bands, tiering, minimum, rule("Minimum"),
            "NoRemovalRefund" not in c, rule("NoRemovalRefund"),
            None if least is None else exact_decimal(least.number), rule("MoneyBound:minimum"),
            None if cap is None else exact_decimal(cap.number), rule("MoneyBound:cap"))

    # ---- percentages of payments ----
    def is_percent(self, expr: ast.Expr) -> bool:
        """Whether a price is (or starts with) a percentage, without reporting anything."""
        if isinstance(expr, ast.BinOp) and expr.op == "+":
            return self.is_percent(expr.left) or self.is_percent(expr.right)
        if isinstance(expr, ast.Ref):
            value = self.lets.get(expr.name.text)
            return value is not None and value.kind == "percent"
        return isinstance(expr, ast.Percent)

    @staticmethod
    def per_transaction(meter: Meter, per: ast.Name) -> bool:
        """Whether a word names one payment of a transactions meter: `transaction`, or the
        meter's own name (`card_payment`)."""
        return meter.source == "transactions" and (
            per.text in ("transaction", "transactions") or meter.name in name_forms(per.text))

    def transaction_price(self, meter: Meter, expr: ast.Expr):
        """A payment's price, `2.9% + $ 0.30`: (rate, fee per payment), either None when not
        said, or None reported (a percentage and money in the catalog's currency, each once)."""
        parts = [expr.left, expr.right] if isinstance(expr, ast.BinOp) and expr.op == "+" else [expr]
        rate = fee = None
        for part in parts:
            value = self.evaluate(part)
            if value is None:
                return None
            if value.kind == "percent" and rate is None and 0 <= value.number <= 1:
                rate = value.number
            elif value.kind == "money" and fee is None and value.currency == self.currency:
                fee = value.number
            else:
                self.error("PL293", f"a payment of `{meter.name}` is priced by a percentage and "
                           f"money in `{self.currency}`, not {value.describe()}"
                           + (" above 100%" if value.kind == "percent" and rate is None else ""),
                           part.span, help="e.g. `2.9% + $ 0.30 per transaction`")
                return None
        return rate, fee

    def transaction_clause(self, clause: ast.ItemClause, meter: Meter) -> Value | None:
        """A clause on a transactions meter: a price per payment, a band of percentages of the
        month's payments, how the bands apply, or a bound on each payment's fee or on the month."""
        if isinstance(clause, ast.ExtraPrice):
            if clause.per_count != 1 or not self.per_transaction(meter, clause.per_unit):
                self.error("PL293", f"`{meter.name}` is priced per transaction, not per "
                           f"`{format_number(clause.per_count)} {clause.per_unit.text}`"
                           if clause.per_count != 1 else f"`{meter.name}` is priced per "
                           f"transaction, not per `{clause.per_unit.text}`", clause.span,
                           help="write `2.9% + $ 0.30 per transaction`")
                return None
            return None if self.transaction_price(meter, clause.price) is None else MARKER
        if isinstance(clause, ast.MoneyBound):  # per transaction (per month: as any item's)
            amount = self.expect_money(self.evaluate(clause.amount), clause.amount,
                                       f"a bound on each payment of `{meter.name}`")
            return None if amount is None else Value("money", Fraction(amount),
                                                     currency=self.currency)
        if isinstance(clause, ast.TierThen | ast.TierBand):
            if isinstance(clause, ast.TierBand):
                bound = self.expect_money(self.evaluate(clause.amount), clause.amount,
                                          f"a band of `{meter.name}`'s payments")
                if bound is None:
                    return None
                if bound < 0 or (bound == 0 and clause.bound in ("first", "next")):
                    self.error("PL235", f"a band's `{clause.bound}` amount must be positive",
                               clause.amount.span, help="write the money the band holds")
                    return None
                price = clause.price.price
                if clause.price.per_unit is not None:
                    self.error("PL293", f"a band of `{meter.name}`'s payments is a percentage "
                               "of the money in it", clause.price.span,
                               help="e.g. `first $ 100,000 at 2.9%`, `next $ 900,000 at 2.7%`, "
                               "`up to $ 1,000 for $ 200 plus 1%` or `free`")
                    return None
                fee = clause.price.fee
                if fee is not None and self.expect_money(
                        self.evaluate(fee), fee, f"the fee of a band of `{meter.name}`") is None:
                    return None
            else:
                price = clause.price
            if price is not None:
                value = self.evaluate(price)
                if value is None:
                    return None
                if value.kind != "percent" or not 0 <= value.number <= 1:
                    self.error("PL293", f"a band of `{meter.name}`'s payments is a percentage "
                               f"of the money in it, not {value.describe()}"
                               + (" above 100%" if value.kind == "percent" else ""), price.span,
                               help="e.g. `then 2.5%`; a fee per payment is written beside the "
                               "bands: `$ 0.30 per transaction`")
                    return None
            return MARKER
        self.error("PL293", f"`{meter.name}` is a transactions meter: it is priced by a "
                   "percentage and a fee per payment, in bands of the month's payments, with "
                   "bounds in money", clause.span,
                   help="e.g. `2.9% + $ 0.30 per transaction, at least $ 0.50 per "
                   "transaction`; a free amount is a band: `first $ 1,000 free`")
        return None

    def transaction_terms(self, plan: str, draft: _ItemDraft, meter: Meter) -> ItemTerms | None:
        """What a plan says about a transactions meter: its bands of percentages (one open band
        for a single percentage), its fee per payment, the bounds on each payment's fee and on
        the month's."""
        c: dict = draft.clauses
        name = draft.item.text
        if any(v is None for _, v in c.values()):
            return None  # already reported
        rule = lambda k: self.rule(c[k][0]) if k in c else None  # noqa: E731
        rate = fee = None
        if "ExtraPrice" in c:
            extra = c["ExtraPrice"][0]
            assert isinstance(extra, ast.ExtraPrice)
            price = self.transaction_price(meter, extra.price)
            assert price is not None  # (checked with the clause)
            rate, fee = price
        tiered = [k for k in c if k.startswith("TierBand:") or k == "TierThen"]
        if tiered and rate is not None:
            self.error("PL293", f"`{name}` on plan `{plan}` has bands of percentages and a "
                       "percentage per payment", c["ExtraPrice"][0].span,
                       labels=label(c[tiered[0]][0].span, "bands here"),
                       help="keep the bands and write the fee per payment alone: "
                       "`$ 0.30 per transaction`")
            return None
        mode = c.get("TierMode")
        tiering = Tiering(mode[0].mode.text) if mode else Tiering.GRADUATED
        bounded = [k for k in ("MoneyBound:minimum:transaction", "MoneyBound:cap:transaction")
                   if k in c]
        if bounded and tiered:
            self.error("PL293", f"`{name}` on plan `{plan}` bounds each payment's fee and prices "
                       "the month's payments in bands", c[bounded[0]][0].span,
                       labels=label(c[tiered[0]][0].span, "bands here"),
                       help="bound each payment's fee with a single percentage (`2.9% + "
                       "$ 0.30 per transaction`), or bound the month's charge: `at least "
                       "$ 20 per month`")
            return None
        bands: tuple[PriceBand, ...] = ()
        if tiered:
            found = self.price_bands(plan, name, meter, {k: v for k, v in c.items()
                                                        if k != "ExtraPrice"}, Fraction(0))
            if found is None:
                return None
            bands = found[0]
        elif rate is not None:  # one percentage: a band without end
            bands = (self.rate_band(None, rate, meter, self.rule(c["ExtraPrice"][0])),)
        elif fee is None:
            assert mode is not None
            self.error("PL283", f"`{name}` on plan `{plan}` says how its bands apply but has no "
                       "bands", mode[0].span, help="add bands: `first $ 100,000 at 2.9%, then "
                       "2.5%`")
            return None
        values = {k: v for k, (_, v) in c.items() if v is not None}
        bound = lambda k: exact_decimal(values[k].number) if k in values else None  # noqa: E731
        least, most = bound("MoneyBound:minimum:transaction"), bound("MoneyBound:cap:transaction")
        if least is not None and most is not None and least > most:
            self.error("PL291", f"`{name}` on plan `{plan}` charges each payment at least more "
                       "than its cap", c["MoneyBound:minimum:transaction"][0].span,
                       labels=label(c["MoneyBound:cap:transaction"][0].span, "capped here"),
                       help="lower the minimum or raise the cap")
            return None
        month_least, month_most = bound("MoneyBound:minimum"), bound("MoneyBound:cap")
        if month_least is not None and month_most is not None and month_least > month_most:
            self.error("PL291", f"`{name}` on plan `{plan}` charges at least more than its cap",
                       c["MoneyBound:minimum"][0].span,
                       labels=label(c["MoneyBound:cap"][0].span, "capped here"),
                       help="lower the minimum or raise the cap")
            return None
        return ItemTerms(
            name, Fraction(0), True, exact_decimal(fee) if fee else None, Fraction(1),
            "transaction", price_rule=rule("ExtraPrice"), unlimited=True, bands=bands,
            tiering=tiering, minimum_charge=month_least, minimum_charge_rule=rule(
                "MoneyBound:minimum"), charge_cap=month_most,
            charge_cap_rule=rule("MoneyBound:cap"), transaction_minimum=least,
            transaction_minimum_rule=rule("MoneyBound:minimum:transaction"),
            transaction_cap=most, transaction_cap_rule=rule("MoneyBound:cap:transaction"))

    @staticmethod
    def block_of(unit: Unit, per_count: Decimal, per: ast.Name | None) -> tuple[Fraction, str]:
        """A price's block in base units and its label: `100 devices`, `GB` (`per` None: one
        `unit`)."""
        word = per.text if per is not None else unit.name
        return (unit.to_base(Fraction(per_count)),
                f"{format_number(per_count)} {word}" if per_count != 1 else word)

    def price_bands(self, plan: str, name: str, meter: Meter, c: dict, included: Fraction):
        """The bands of a tiered price, lowest first, with how they apply and the most the plan
        allows (the last band's bound, when no band is open-ended): or None, reported. Bands are
        counted from 0: `included` is a free first band (graduated only); `first`/`next` hold a
        number of units, `up to` ends at a figure, `above` and `then` run without end."""
        mode = c.get("TierMode")
        tiering = Tiering(mode[0].mode.text) if mode else Tiering.GRADUATED
        # the bands as written (a `plans` block's and a `plan` block's in the file's order)
        clauses = sorted((c[k][0] for k in c if k.startswith("TierBand:")
                          or k in ("TierThen", "ExtraPrice")),
                         key=lambda clause: clause.span.start if clause.span else 0)
        if not clauses:
            assert mode is not None  # (an item rule with neither bands nor mode is not tiered)
            self.error("PL283", f"`{name}` on plan `{plan}` says how its bands apply but has no "
                       "bands", mode[0].span,
                       help="add bands: `first 1,000 free, next 9,000 at $ 0.01, then $ 0.008`")
            return None
        if "Included" in c and mode is not None and tiering != Tiering.GRADUATED:
            self.error("PL284", f"`{name}` on plan `{plan}` includes an amount and has "
                       f"{tiering} pricing", c["Included"][0].span,
                       labels=label(mode[0].span, "priced here"),
                       help="write the free amount as the first band: `up to "
                       f"{self.shown(meter, included)} free`")
            return None
        bands: list[PriceBand] = []
        low, low_clause = included, c["Included"][0] if "Included" in c else None
        for clause in clauses:
            if bands and bands[-1].upto is None:
                assert low_clause is not None  # the open-ended band
                self.error("PL285", f"this band of `{name}` on plan `{plan}` is never reached",
                           clause.span, labels=label(low_clause.span, "every unit above "
                                                     f"{self.shown(meter, low)} is priced here"),
                           help="remove the band, or bound the band before it with `up to`")
                return None
            if isinstance(clause, ast.TierBand) and clause.bound == "first" and bands:
                self.error("PL285", f"this band of `{name}` on plan `{plan}` says `first`, but "
                           "it follows another band", clause.span,
                           labels=label(low_clause.span, "the band before") if low_clause
                           else (), help="`first` starts the bands; write `next "
                           f"{_written(clause.amount)}` for the units after the band before")
                return None
            upto, label_span = self.band_bound(clause, meter, low)
            if upto is not None and upto <= low:
                self.error("PL285", f"this band of `{name}` on plan `{plan}` ends at "
                           f"{self.shown(meter, upto)}, where the band before it already ends at "
                           f"{self.shown(meter, low)}", label_span,
                           labels=label(low_clause.span, "the band before") if low_clause
                           else (), help="write the bands lowest first, each ending above the "
                           "one before")
                return None
            if isinstance(clause, ast.TierBand) and clause.bound == "above":
                start = self.item_quantity(meter, clause.amount)
                assert start is not None
                if start.number != low:
                    gap = start.number > low
                    what = (f"units from {self.shown(meter, low)} to "
                            f"{self.shown(meter, start.number)} are in no band" if gap else
                            f"it starts at {self.shown(meter, start.number)}, inside the band "
                            f"before, which ends at {self.shown(meter, low)}")
                    self.error("PL285", f"the bands of `{name}` on plan `{plan}` "
                               f"{'leave a gap' if gap else 'overlap'}: {what}",
                               clause.amount.span,
                               labels=label(low_clause.span, "the band before")
                               if low_clause else (),
                               help=f"start this band at {self.shown(meter, low)}: `above "
                               f"{self.shown(meter, low)}`")
                    return None
            band = self.price_band(clause, meter, upto, tiering, name, plan)
            if band is None:
                return None
            bands.append(band)
            if upto is not None:
                low = upto
            low_clause = clause
        if included:
            free = PriceBand(included, Decimal(0), Fraction(1), meter.unit.name, None,
                             self.rule(c["Included"][0]))
            bands.insert(0, free)
        top = bands[-1].upto
        return tuple(bands), tiering, top

    def band_bound(self, clause, meter: Meter, low: Fraction):
        """Where a band ends (base units; None: no end) and the text that says so."""
        if not isinstance(clause, ast.TierBand) or clause.bound == "above":
            return None, clause.span
        value = self.item_quantity(meter, clause.amount)
        assert value is not None
        if clause.bound in ("first", "next"):
            return low + value.number, clause.amount.span
        return value.number, clause.amount.span

    def price_band(self, clause, meter: Meter, upto: Fraction | None, tiering: Tiering,
                   name: str, plan: str) -> PriceBand | None:
        """One band's price: per unit (`at`, `then`), flat (`for`) or free."""
        rule = self.rule(clause)
        expr, fee, per_count, per = clause.price, None, Decimal(1), None
        if isinstance(clause, ast.TierBand):
            expr, fee = clause.price.price, clause.price.fee
            per_count, per = clause.price.per_count, clause.price.per_unit
        elif isinstance(clause, ast.ExtraPrice):
            per_count, per = clause.per_count, clause.per_unit
        if tiering == Tiering.STAIRSTEP and (fee is None or expr is not None):
            self.error("PL286", f"a stairstep band of `{name}` on plan `{plan}` is a flat fee",
                       clause.span, help="write each band as `up to 10 seats for $ 50`; for a "
                       "price per unit, write `volume pricing`")
            return None
        money = lambda e: self.expect_money(self.evaluate(e), e, "a band")  # noqa: E731
        flat = None if fee is None else money(fee)
        if expr is None:  # free, or a flat fee alone
            return PriceBand(upto, Decimal(0), Fraction(1), meter.unit.name, flat, rule)
        if meter.source == "transactions":  # a percentage of the payments in the band
            value = self.evaluate(expr)
            assert value is not None  # (checked with the clause)
            return self.rate_band(upto, value.number, meter, rule, flat)
        price = money(expr)
        unit = meter.unit if per is None else self.find_unit(per)
        assert price is not None and unit is not None  # checked with the clause
        block, block_label = self.block_of(unit, per_count, per)
        return PriceBand(upto, price, block, block_label, flat, rule)

    def rate_band(self, upto: Fraction | None, rate: Fraction, meter: Meter, rule: RuleRef,
                  flat: Decimal | None = None) -> PriceBand:
        """A band of payments at a percentage (and its `flat` fee, if any): priced per minor unit
        of the currency (a cent), `rate` × that unit each, so that the tiers' arithmetic takes
        it as any band."""
        assert self.currency is not None
        minor = Fraction(minor_unit(self.currency))
        price, shown = exact_decimal(rate * minor), exact_decimal(rate)
        assert price is not None and shown is not None  # (a percentage is a decimal's)
        return PriceBand(upto, price, minor, meter.unit.name, flat, rule, shown)

    def shown(self, meter: Meter, value: Fraction) -> str:
        """A figure of an item in its meter's unit: `150,000 segments`."""
        return f"{format_number(meter.unit.from_base(value))} {meter.unit.name}"

    def check_orders(self, plans: list[Plan], ladders, products=()) -> None:
        """Each ladder's tiers, and the plans outside any ladder, are ordered lowest first: in
        each product among themselves when the catalog has products."""
        by_name = {p.name: p for p in plans}
        in_ladders = {tier for ladder in ladders for tier in ladder.tiers}
        for ladder in ladders:
            self.check_order([by_name[t] for t in ladder.tiers], *self.plan_sources)
        for group in [product.plans for product in products] or [tuple(by_name)]:
            self.check_order([by_name[p] for p in group if p not in in_ladders],
                             *self.plan_sources)

    def check_order(self, plans: list[Plan], known: dict[str, ast.PlanDef], drafts) -> None:
        """Plans are written lowest first: fees and every item's allowance never decrease."""
        for lower, higher in zip(plans, plans[1:], strict=False):
            if least_fee(higher) < least_fee(lower):
                self.error("PL240", f"plan `{higher.name}` costs less than `{lower.name}`, which "
                           "comes before it", known[higher.name].fee.span,
                           labels=label(known[lower.name].fee.span, "the lower plan's fee"),
                           help="write plans from the lowest to the highest")
            for name, terms in lower.items.items():
                high_terms = higher.items.get(name)
                low_cap = terms.ceiling()
                high_cap = high_terms.ceiling() if high_terms else Fraction(0)
                if high_terms is not None and (high_cap is None or (
                        low_cap is not None and high_cap >= low_cap)):
                    continue
                span = self._item_span(drafts, higher.name, name) or known[higher.name].name.span
                unit = self.meters[name].unit
                shown = "nothing" if high_cap is not None and high_cap == 0 and not high_terms \
                    else (f"{format_number(unit.from_base(high_cap))} {unit.name}"
                          if high_cap is not None else "no limit")
                low_shown = (f"{format_number(unit.from_base(low_cap))} {unit.name}"
                             if low_cap is not None else "no limit")
                self.error("PL240", f"plan `{higher.name}` allows less `{name}` ({shown}) than "
                           f"`{lower.name}` ({low_shown}), which comes before it", span,
                           help="write plans from the lowest to the highest, or correct the "
                           "figure", severity=ERROR)

    @staticmethod
    def _item_span(drafts, plan: str, item: str) -> Span | None:
        draft = drafts.get(plan, {}).get(item)
        if draft is None:
            return None
        return draft.item.span


def least_fee(plan: Plan) -> Fraction:
    """What a plan costs a month at the least: its fee, or for a fee per seat, the fee for the
    least quantity it bills (`at least N`, one seat otherwise)."""
    if plan.seat_item is None:
        return Fraction(plan.fee)
    minimum = plan.items[plan.seat_item].minimum
    return Fraction(plan.fee) * max(minimum or 0, 1)


def _written(expr: ast.Expr) -> str:
    """An amount as a plan file writes it (`90,000 calls`, `$ 100`), for a help line."""
    if isinstance(expr, ast.Quantity):
        return format_number(expr.number) + (f" {expr.unit.text}" if expr.unit else "")
    if isinstance(expr, ast.Money):
        return f"{expr.currency} {format_number(expr.amount)}"
    return "…"


_CLAUSE_WORDS = {
    "Included": "includes",
    "ExtraPrice": "costs as an extra",
    "Maximum": "maximum is",
    "Limit": "limit is",
    "NotExtendable": "cannot extend",
    "Unlimited": "is unlimited",
    "ElementLimit": "limit per element is",
    "CustomerCap": "is capped by the customer",
    "Minimum": "minimum is",
    "MoneyBound": "charge is bounded by",
    "NoRemovalRefund": "removals are",
}

__all__ = ["check", "CheckResult", "Checker", "Value", "WARNING", "name_forms"]


def _text(node: ast.Money | ast.MoneyChoice) -> str:
    """A price as written (as the builder read it, where its text is not at hand)."""
    if node.span is not None:
        return node.span.text
    amounts = node.amounts if isinstance(node, ast.MoneyChoice) else (node,)
    return " or ".join(f"{a.currency} {format_number(a.amount)}" for a in amounts)


def _example(currency: str, amount: Decimal | None = None) -> str:
    """An amount in `currency` as a plan file writes it, for a help text: `¥ 5,901`; `$ …`
    without an amount."""
    return f"{SYMBOLS[currency].strip()} {'…' if amount is None else format_number(amount)}"
