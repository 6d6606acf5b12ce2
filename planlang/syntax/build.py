"""Lark parse tree → planlang AST, in a separate Transformer pass that keeps every span.

Every grammar rule has a callback here; tests/test_build.py proves no Lark `Tree` or `Token`
survives on every catalog and checks the callbacks against the grammar's rule names, so a misspelt
callback cannot silently copy a Lark node into the AST.
"""

from __future__ import annotations

from decimal import Decimal

from lark import Token, Transformer, Tree, v_args
from lark.exceptions import VisitError

from planlang.money import MAX_DIGITS
from planlang.source import Source, Span
from planlang.syntax import ast


def number_problem(text: str) -> str | None:
    """Why a number as written is out of bounds, or None. Counts digits without converting them
    (converting a long run of digits to a number takes time quadratic in its length), so a
    million-digit literal is refused as fast as a short one."""
    whole, _, fraction = text.rstrip("%").replace(",", "").partition(".")
    whole, fraction = whole.lstrip("0"), fraction.rstrip("0")
    if len(whole) > MAX_DIGITS:
        return (f"this number has {len(whole):,} digits before the decimal point, more than "
                f"{MAX_DIGITS}")
    if len(fraction) > MAX_DIGITS:
        return (f"this number has {len(fraction):,} digits after the decimal point, more than "
                f"{MAX_DIGITS}")
    return None


def number(text: str) -> Decimal:
    """The one reader of a number as written in a plan (`1,000`, `0.0004`, `99.89%`), exact and
    bounded: every NUMBER and PERCENT token goes through it. `parse_tree` reports an out-of-range
    number (PL236) before the builder runs, so the ValueError here cannot reach a user."""
    problem = number_problem(text)
    if problem is not None:
        raise ValueError(problem)
    digits = text.rstrip("%").replace(",", "")
    if len(digits) > MAX_DIGITS + MAX_DIGITS + 1:  # leading or trailing zeros
        whole, _, fraction = digits.partition(".")
        digits = f"{whole.lstrip('0') or '0'}.{fraction.rstrip('0') or '0'}"
    return Decimal(digits)


@v_args(meta=True)
class Builder(Transformer):
    def __init__(self, source: Source):
        super().__init__()
        self.source = source

    # ---- helpers ----
    def _span(self, meta) -> Span | None:
        start, end = getattr(meta, "start_pos", None), getattr(meta, "end_pos", None)
        if start is None or end is None or getattr(meta, "empty", True):
            return None
        return self.source.span(int(start), int(end))

    def _tok(self, token: Token) -> Span:
        start = token.start_pos or 0
        return self.source.span(start, token.end_pos if token.end_pos is not None else start)

    def _name(self, token: Token) -> ast.Name:
        return ast.Name(str(token), span=self._tok(token))

    # ---- file and catalog ----
    def start(self, meta, children):
        return ast.PlanFile(tuple(children), span=self._span(meta))

    def catalog(self, meta, children):
        name, *settings = children
        return ast.CatalogDef(self._name(name), tuple(settings), span=self._span(meta))

    def currency_setting(self, meta, children):
        return ast.CurrencySetting(_currency_code(str(children[0])), span=self._span(meta))

    def currencies_setting(self, meta, children):
        codes = tuple(ast.Name(_currency_code(str(token)), span=self._tok(token))
                      for token in children)
        return ast.CurrenciesSetting(codes, span=self._span(meta))

    def billing_setting(self, meta, children):
        return ast.BillingSetting(children[0], span=self._span(meta))

    def uptime_precision(self, meta, children):
        return ast.UptimePrecision(number(children[0]), span=self._span(meta))

    def suspension_setting(self, meta, children):
        return ast.SuspensionSetting(span=self._span(meta))

    def words(self, meta, children):
        return ast.Name(" ".join(str(c) for c in children), span=self._span(meta))

    def let_def(self, meta, children):
        name, value = children
        return ast.LetDef(self._name(name), value, span=self._span(meta))

    def unit_def(self, meta, children):
        name = self._name(children[0])
        value = children[1] if len(children) > 1 else None
        return ast.UnitDef(name, value, span=self._span(meta))

    # ---- meters ----
    def meter_def(self, meta, children):
        names, *rest = children
        unit = rest.pop(0) if rest and isinstance(rest[0], ast.Name) else None
        return ast.MeterDef(names, unit, tuple(rest), span=self._span(meta))

    def meter_unit(self, meta, children):
        return self._name(children[0])

    def name_list(self, meta, children):
        return tuple(self._name(c) for c in children)

    def named_plans(self, meta, children):
        return ast.PlanSet("names", children[0], span=self._span(meta))

    def count_source(self, meta, children):
        include = bool(children) and children[0] == "including"
        return ast.CountSource(include, span=self._span(meta))

    def including_disabled(self, meta, children):
        return "including"

    def enabled_only(self, meta, children):
        return "enabled"

    def snapshot_source(self, meta, children):
        every = self._name(children[0]) if children else None
        return ast.SnapshotSource(every, span=self._span(meta))

    def usage_source(self, meta, children):
        return ast.UsageSource(span=self._span(meta))

    def transactions_source(self, meta, children):
        return ast.TransactionsSource(span=self._span(meta))

    def daily_step(self, meta, children):
        return ast.DailyStep(self._name(children[0]), span=self._span(meta))

    def monthly_step(self, meta, children):
        return ast.MonthlyStep(self._name(children[0]), span=self._span(meta))

    def round_step(self, meta, children):
        direction = str(children[0])
        to = children[1] if len(children) > 1 else None
        return ast.RoundStep(direction, to, span=self._span(meta))

    def round_nearest(self, meta, children):
        to = children[0] if children else None
        if isinstance(to, Token):  # `to the nearest GB`: one of the unit
            to = ast.Quantity(Decimal(1), self._name(to), span=self._name(to).span)
        return ast.RoundStep("nearest", to, span=self._span(meta))

    # ---- plans ----
    def plan_def(self, meta, children):
        name, fee, *rest = children
        words = [self._name(word) for word in rest if not isinstance(word, tuple)]
        stmts = next((part for part in rest if isinstance(part, tuple)), ())
        seat = words[0] if len(words) == 2 else None
        return ast.PlanDef(self._name(name), fee, words[-1], stmts, span=self._span(meta),
                           seat=seat)

    def plans_def(self, meta, children):
        names, body = children
        return ast.PlansDef(names, body, span=self._span(meta))

    def plan_body(self, meta, children):
        return tuple(children)

    def sla_level(self, meta, children):
        return ast.SlaLevel(children[0], span=self._span(meta))

    def item_rule(self, meta, children):
        item, *clauses = children
        return ast.ItemRule(self._name(item), tuple(clauses), span=self._span(meta))

    def included(self, meta, children):
        return ast.Included(children[0], span=self._span(meta))

    def extra_price(self, meta, children):
        price, (count, unit) = children
        return ast.ExtraPrice(price, count, unit, span=self._span(meta))

    def per_quantity(self, meta, children):
        if len(children) == 2:
            return number(children[0]), self._name(children[1])
        return Decimal(1), self._name(children[0])

    def tier_mode(self, meta, children):
        return ast.TierMode(self._name(children[0]), span=self._span(meta))

    def _band(self, bound: str, meta, children) -> ast.TierBand:
        amount, price = children
        return ast.TierBand(bound, amount, price, span=self._span(meta))

    def tier_first(self, meta, children):
        return self._band("first", meta, children)

    def tier_next(self, meta, children):
        return self._band("next", meta, children)

    def tier_up_to(self, meta, children):
        return self._band("up to", meta, children)

    def tier_above(self, meta, children):
        return self._band("above", meta, children)

    def tier_then(self, meta, children):
        return ast.TierThen(children[0], span=self._span(meta))

    def band_free(self, meta, children):
        return ast.BandPrice("free", span=self._span(meta))

    def band_at(self, meta, children):
        price, *per = children
        count, unit = per[0] if per else (Decimal(1), None)
        return ast.BandPrice("at", price, count, unit, span=self._span(meta))

    def band_for(self, meta, children):
        return ast.BandPrice("for", fee=children[0], span=self._span(meta))

    def band_for_plus(self, meta, children):
        fee, price, *per = children
        count, unit = per[0] if per else (Decimal(1), None)
        return ast.BandPrice("for plus", price, count, unit, fee, span=self._span(meta))

    def maximum(self, meta, children):
        return ast.Maximum(children[0], span=self._span(meta))

    def limit(self, meta, children):
        return ast.Limit(children[0], span=self._span(meta))

    def element_limit(self, meta, children):
        amount, element = children
        return ast.ElementLimit(amount, self._name(element), span=self._span(meta))

    def minimum_quantity(self, meta, children):
        return ast.Minimum(children[0], span=self._span(meta))

    def no_removal_refund(self, meta, children):
        return ast.NoRemovalRefund(span=self._span(meta))

    def not_extendable(self, meta, children):
        return ast.NotExtendable(span=self._span(meta))

    def unlimited(self, meta, children):
        return ast.Unlimited(span=self._span(meta))

    def customer_cap(self, meta, children):
        return ast.CustomerCap(span=self._span(meta))

    def setup_fee(self, meta, children):
        return ast.SetupFee(children[0], span=self._span(meta))

    def minimum_spend(self, meta, children):
        return ast.MoneyBound("minimum", children[0], self._name(children[1]),
                              span=self._span(meta))

    def spend_cap(self, meta, children):
        return ast.MoneyBound("cap", children[0], self._name(children[1]), span=self._span(meta))

    minimum_charge = minimum_spend
    charge_cap = spend_cap

    def commitment(self, meta, children):
        return ast.Commitment(children[0], span=self._span(meta))

    # ---- plan changes ----
    def change_def(self, meta, children):
        sets = [c for c in children if isinstance(c, ast.PlanSet)]
        clauses = tuple(c for c in children if isinstance(c, ast.ChangeClause))
        requirements = next((c for c in children if isinstance(c, tuple)), ())
        source, target = (sets[0], sets[1]) if len(sets) == 2 else (None, sets[0])
        return ast.ChangeDef(source, target, clauses, requirements, span=self._span(meta))

    def _plan_set(self, kind, meta, names=()):
        return ast.PlanSet(kind, tuple(names), span=self._span(meta))

    def any_plan(self, meta, children):
        return self._plan_set("any", meta)

    def higher_plan(self, meta, children):
        return self._plan_set("higher", meta)

    def lower_plan(self, meta, children):
        return self._plan_set("lower", meta)

    def _clause(self, kind, meta, **fields):
        return ast.ChangeClause(kind, span=self._span(meta), **fields)

    def by_roles(self, meta, children):
        return self._clause("roles", meta, roles=tuple(self._name(c) for c in children))

    def effective_now(self, meta, children):
        return self._clause("now", meta)

    def effective_next_month(self, meta, children):
        return self._clause("next-month", meta)

    def charge_full(self, meta, children):
        return self._clause("full", meta)

    def charge_prorated(self, meta, children):
        return self._clause("prorated", meta)

    def charge_difference(self, meta, children):
        return self._clause("difference", meta)

    def no_refund(self, meta, children):
        return self._clause("no-refund", meta)

    def usage_whole_month(self, meta, children):
        return self._clause("whole-month", meta)

    def deposit(self, meta, children):
        return self._clause("deposit", meta, amount=children[0])

    def requirements(self, meta, children):
        return tuple(children)

    def requirement(self, meta, children):
        item, (op, amount), message = children
        return ast.Requirement(self._name(item), op, amount, str(message)[1:-1],
                               span=self._span(meta))

    def at_most(self, meta, children):
        return ("at most", children[0])

    def at_least(self, meta, children):
        return ("at least", children[0])

    # ---- quotas ----
    def quota_def(self, meta, children):
        names, *stmts = children
        return ast.QuotaDef(names, tuple(stmts), span=self._span(meta))

    def quota_slack(self, meta, children):
        return ast.QuotaStmt("slack", number(children[0]), span=self._span(meta))

    def notify_remaining(self, meta, children):
        who, percent = children
        return ast.QuotaStmt("notify", number(percent), who, span=self._span(meta))

    def notify_exhausted(self, meta, children):
        return ast.QuotaStmt("notify", None, children[0], span=self._span(meta))

    def exhaustion_policies(self, meta, children):
        return ast.QuotaStmt("policies", policies=tuple(children), span=self._span(meta))

    def policy(self, meta, children):
        return (self._name(children[0]), len(children) > 1)

    # ---- ladders ----
    def ladder_def(self, meta, children):
        name, tiers, *stmts = children
        return ast.LadderDef(self._name(name), tiers, tuple(stmts), span=self._span(meta))

    def ladder_item(self, meta, children):
        return ast.LadderStmt("item", self._name(children[0]), span=self._span(meta))

    def ladder_up(self, meta, children):
        return ast.LadderStmt("up", span=self._span(meta))

    def ladder_down(self, meta, children):
        count, unit = children
        return ast.LadderStmt("down", count=number(count), unit=self._name(unit),
                              span=self._span(meta))

    def ladder_overflow(self, meta, children):
        plan, amount = children
        return ast.LadderStmt("overflow", self._name(plan), amount=amount, span=self._span(meta))

    # ---- billing calendar ----
    def calendar_def(self, meta, children):
        return ast.CalendarDef(tuple(children), span=self._span(meta))

    def _day(self, kind, meta, children):
        return ast.CalendarStmt(kind, number(children[0]), span=self._span(meta))

    def cal_invoice(self, meta, children):
        return self._day("invoice", meta, children)

    def cal_charge(self, meta, children):
        return self._day("charge", meta, children)

    def cal_due(self, meta, children):
        return self._day("due", meta, children)

    def cal_reminder(self, meta, children):
        return self._day("reminder", meta, children)

    def cal_downgrade(self, meta, children):
        day, plan = children
        return ast.CalendarStmt("downgrade", number(day), self._name(plan), span=self._span(meta))

    def cal_restore(self, meta, children):
        return ast.CalendarStmt("restore", span=self._span(meta))

    # ---- daily billing records and discounts ----
    def record_def(self, meta, children):
        name, price, (count, unit), basis, *options = children
        fields = dict(basis)
        for option in options:
            fields.update(option)
        return ast.RecordDef(self._name(name), price, count, unit, span=self._span(meta), **fields)

    def record_each_def(self, meta, children):
        name, price, event = children
        return ast.RecordDef(self._name(name), price, None, None, span=self._span(meta),
                             **event)

    def while_status(self, meta, children):
        return {"basis": "status", "statuses": children[0]}

    def while_option(self, meta, children):
        return {"basis": "option", "source": self._name(children[0])}

    def of_usage(self, meta, children):
        return {"basis": "usage", "source": self._name(children[0])}

    def on_transition(self, meta, children):
        sets = [c for c in children if isinstance(c, tuple)]
        fields = {"basis": "transition", "statuses": sets[0] if len(sets) == 2 else (),
                  "to_statuses": sets[-1]}
        for option in children:
            if isinstance(option, dict):
                fields.update(option)
        return fields

    def on_enable(self, meta, children):
        fields = {"basis": "enable", "source": self._name(children[0])}
        for option in children[1:]:
            fields.update(option)
        return fields

    def on_anniversary(self, meta, children):
        fields = {"basis": "anniversary", "statuses": children[0]}
        for option in children[1:]:
            fields.update(option)
        return fields

    def region(self, meta, children):
        return {"region": self._name(children[0])}

    def each_usage(self, meta, children):
        fields = {"basis": "usage", "source": self._name(children[0])}
        for option in children[1:]:
            fields.update(option)
        return fields

    def allowance(self, meta, children):
        return {"allowance": children[0]}

    def rounded_as(self, meta, children):
        return {"round_to": children[0], "rounded_as": self._name(children[1])}

    def status_set(self, meta, children):
        return tuple(self._name(c) for c in children)

    def discount_def(self, meta, children):
        name, fields = children
        return ast.DiscountDef(self._name(name), span=self._span(meta), **fields)

    def free_tier(self, meta, children):
        amount, record = children
        return {"kind": "free-tier", "amount": amount, "record": self._name(record)}

    def volume_discount(self, meta, children):
        percent, record, *threshold = children
        return {"kind": "volume", "percent": number(percent), "record": self._name(record),
                "amount": threshold[0] if threshold else None}

    def coupon(self, meta, children):
        return {"kind": "coupon", "record": self._name(children[0]) if children else None}

    # ---- pools ----
    def pool_def(self, meta, children):
        name, *members = children
        return ast.PoolDef(self._name(name), tuple(members), span=self._span(meta))

    def pool_member(self, meta, children):
        rate = number(children[2]) if len(children) > 2 else Decimal(1)
        return ast.PoolMember(self._name(children[0]), rate, span=self._span(meta))

    # ---- add-ons and products ----
    def addon_def(self, meta, children):
        name, fee, *rest = children
        words = [self._name(word) for word in rest if not isinstance(word, tuple)]
        body = next((part for part in rest if isinstance(part, tuple)), ())
        return ast.AddOnDef(self._name(name), fee, words[-1], body, span=self._span(meta),
                            unit=words[0] if len(words) == 2 else None)

    def addon_body(self, meta, children):
        return tuple(children)

    def addon_no_refund(self, meta, children):
        return ast.AddOnNoRefund(span=self._span(meta))

    def available_on(self, meta, children):
        return ast.AvailableOn(tuple(children[0]), span=self._span(meta))

    def product_def(self, meta, children):
        name, plans = children
        return ast.ProductDef(self._name(name), tuple(plans), span=self._span(meta))

    # ---- coupons ----
    def coupon_def(self, meta, children):
        name, amount, *rest = children
        target: tuple = ("invoice", ())
        if len(rest) == 2:
            target = rest[0]
        term, months = rest[-1]
        return ast.CouponDef(self._name(name), amount, target[0], target[1], term, months,
                             span=self._span(meta))

    def off_plan_fee(self, meta, children):
        return ("plan fee", ())

    def off_invoice(self, meta, children):
        return ("invoice", ())

    def off_items(self, meta, children):
        return ("items", tuple(children[0]))

    def coupon_once(self, meta, children):
        return ("once", None)

    def coupon_for(self, meta, children):
        return ("months", children[0])

    def coupon_forever(self, meta, children):
        return ("forever", None)

    # ---- SLA ----
    def sla_no_refund(self, meta, children):
        return ast.SlaDef(children[0], (), span=self._span(meta))

    def sla_refunds(self, meta, children):
        name, *refunds = children
        return ast.SlaDef(name, tuple(refunds), span=self._span(meta))

    def refund_rule(self, meta, children):
        percent, band = children
        return ast.RefundRule(number(percent), band, span=self._span(meta))

    def band_between(self, meta, children):
        low, high = (number(c) for c in children)
        return ast.Band(low, True, high, True, span=self._span(meta))

    def band_at_or_below(self, meta, children):
        return ast.Band(None, False, number(children[0]), True, span=self._span(meta))

    def band_below(self, meta, children):
        return ast.Band(None, False, number(children[0]), False, span=self._span(meta))

    def band_at_or_above(self, meta, children):
        return ast.Band(number(children[0]), True, None, False, span=self._span(meta))

    def band_above(self, meta, children):
        return ast.Band(number(children[0]), False, None, False, span=self._span(meta))

    # ---- expressions ----
    def quantity(self, meta, children):
        unit = self._name(children[1]) if len(children) > 1 else None
        return ast.Quantity(number(children[0]), unit, span=self._span(meta))

    def money(self, meta, children):
        currency, amount = children
        return ast.Money(_currency_code(str(currency)), number(amount), span=self._span(meta))

    def money_choice(self, meta, children):
        return ast.MoneyChoice(tuple(children), span=self._span(meta))

    def percent(self, meta, children):
        return ast.Percent(number(children[0]), span=self._span(meta))

    def ref(self, meta, children):
        return ast.Ref(self._name(children[0]), span=self._span(meta))

    def _binop(self, op, meta, children):
        left, right = children[0], children[-1]
        return ast.BinOp(op, left, right, span=self._span(meta))

    def add(self, meta, children):
        return self._binop("+", meta, children)

    def sub(self, meta, children):
        return self._binop("-", meta, children)

    def mul(self, meta, children):
        return self._binop("×", meta, children)

    def div(self, meta, children):
        return self._binop("/", meta, children)


CURRENCY_SYMBOLS = {"€": "EUR", "$": "USD", "£": "GBP", "¥": "JPY"}


def _currency_code(text: str) -> str:
    return CURRENCY_SYMBOLS.get(text, text)


def build(tree: Tree, source: Source) -> ast.PlanFile:
    try:
        result = Builder(source).transform(tree)
    except VisitError as error:  # an exception inside a callback: a bug, report the original
        raise error.orig_exc from error
    assert isinstance(result, ast.PlanFile)
    return result
