"""The syntax tree: frozen attrs nodes that mirror the source, each with a span equality ignores.

Two parses of the same text compare equal whatever the whitespace and comments, because `span` is
declared with `eq=False`. Nodes are built from Lark's parse tree by `planlang.syntax.build`.
"""

from __future__ import annotations

from decimal import Decimal

import attrs

from planlang.source import Span


def _span() -> Span | None:
    return attrs.field(default=None, eq=False, repr=False, kw_only=True)


@attrs.frozen
class Name:
    text: str
    span: Span | None = _span()


# ---- expressions ---------------------------------------------------------------------------


@attrs.frozen
class Quantity:
    number: Decimal
    unit: Name | None
    span: Span | None = _span()


@attrs.frozen
class Money:
    currency: str
    amount: Decimal
    span: Span | None = _span()


@attrs.frozen
class MoneyChoice:
    """One price in each of a catalog's currencies: `$ 10 or € 9 or ¥ 1,500`."""

    amounts: tuple[Money, ...]
    span: Span | None = _span()


@attrs.frozen
class Percent:
    value: Decimal
    span: Span | None = _span()


@attrs.frozen
class Ref:
    name: Name
    span: Span | None = _span()


@attrs.frozen
class BinOp:
    op: str  # one of + - × /
    left: Expr
    right: Expr
    span: Span | None = _span()


Expr = Quantity | Money | MoneyChoice | Percent | Ref | BinOp


# ---- catalog header, named values, units ------------------------------------------------------


@attrs.frozen
class CurrencySetting:
    code: str
    span: Span | None = _span()


@attrs.frozen
class CurrenciesSetting:
    """`currencies USD, EUR, JPY`: a catalog priced in each of these; the first is the default."""

    codes: tuple[Name, ...]  # each currency's code (`€` is `EUR`), with its span
    span: Span | None = _span()


@attrs.frozen
class BillingSetting:
    words: Name
    span: Span | None = _span()


@attrs.frozen
class UptimePrecision:
    step: Decimal
    span: Span | None = _span()


@attrs.frozen
class SuspensionSetting:
    """`suspended accounts are not billed`: suspended periods are neither billed nor evaluated."""

    span: Span | None = _span()


CatalogSetting = (CurrencySetting | CurrenciesSetting | BillingSetting | UptimePrecision
                  | SuspensionSetting)


@attrs.frozen
class CatalogDef:
    name: Name
    settings: tuple[CatalogSetting, ...]
    span: Span | None = _span()


@attrs.frozen
class LetDef:
    name: Name
    value: Expr
    span: Span | None = _span()


@attrs.frozen
class UnitDef:
    name: Name
    value: Expr | None
    span: Span | None = _span()


# ---- meters ----------------------------------------------------------------------------------


@attrs.frozen
class CountSource:
    include_disabled: bool
    span: Span | None = _span()


@attrs.frozen
class SnapshotSource:
    every: Name | None
    span: Span | None = _span()


@attrs.frozen
class UsageSource:
    span: Span | None = _span()


@attrs.frozen
class TransactionsSource:
    """`transactions`: payments, each an amount of money, priced by a percentage of it."""

    span: Span | None = _span()


@attrs.frozen
class DailyStep:
    aggregation: Name
    span: Span | None = _span()


@attrs.frozen
class MonthlyStep:
    aggregation: Name
    span: Span | None = _span()


@attrs.frozen
class RoundStep:
    direction: str  # "up", "down" or "nearest"
    to: Expr | None
    span: Span | None = _span()


MeterStep = (CountSource | SnapshotSource | UsageSource | TransactionsSource | DailyStep
             | MonthlyStep | RoundStep)


@attrs.frozen
class MeterDef:
    names: tuple[Name, ...]
    unit: Name | None
    steps: tuple[MeterStep, ...]
    span: Span | None = _span()


# ---- plans -----------------------------------------------------------------------------------


@attrs.frozen
class Included:
    amount: Expr
    span: Span | None = _span()


@attrs.frozen
class ExtraPrice:
    price: Expr
    per_count: Decimal
    per_unit: Name
    span: Span | None = _span()


@attrs.frozen
class Maximum:
    amount: Expr
    span: Span | None = _span()


@attrs.frozen
class Limit:
    amount: Expr
    span: Span | None = _span()


@attrs.frozen
class ElementLimit:
    """`at most 100 MB per channel`: a limit for each element of a kind, not pooled."""

    amount: Expr
    element: Name
    span: Span | None = _span()


@attrs.frozen
class Minimum:
    """`at least N`: the least quantity of a plan's seats billed, whatever the account has."""

    amount: Expr
    span: Span | None = _span()


@attrs.frozen
class NoRemovalRefund:
    """`no refund on removal`: a seat removed is billed to the end of the period."""

    span: Span | None = _span()


@attrs.frozen
class NotExtendable:
    span: Span | None = _span()


@attrs.frozen
class Unlimited:
    span: Span | None = _span()


@attrs.frozen
class CustomerCap:
    """`capped by the customer`: usage beyond the account's own cap is refused."""

    span: Span | None = _span()


@attrs.frozen
class TierMode:
    """`volume pricing`: how an item's bands are applied (graduated, volume or stairstep)."""

    mode: Name
    span: Span | None = _span()


@attrs.frozen
class BandPrice:
    """What a band costs: `free`, `at $ 0.01 [per 1,000 calls]` (per unit), `for $ 50` (flat) or
    `for $ 10 plus $ 0.001 per call` (both)."""

    kind: str  # "free", "at", "for" or "for plus" (a flat fee and a price per unit)
    price: Expr | None = None  # per unit (`at`, `plus`)
    per_count: Decimal = Decimal(1)
    per_unit: Name | None = None
    fee: Expr | None = None  # flat (`for`)
    span: Span | None = _span()


@attrs.frozen
class TierBand:
    """A band of a tiered price: `first 1,000 free`, `next 9,000 at $ 0.01`, `up to 10 for $ 50`,
    `above 100,000 at $ 0.005`; `bound` is `first`, `next`, `up to` or `above`."""

    bound: str
    amount: Expr
    price: BandPrice
    span: Span | None = _span()


@attrs.frozen
class TierThen:
    """`then $ 0.008`: every unit beyond the bands, at a price per one unit of the item."""

    price: Expr
    span: Span | None = _span()


@attrs.frozen
class MoneyBound:
    """A bound on what is charged in a period: `minimum spend $ 100 per month` or `capped at
    $ 1,000 per month` on a plan; `at least $ 20 per month` or `capped at $ 500 per month` on an
    item. `kind` is "minimum" or "cap"; `per` the period word."""

    kind: str
    amount: Expr
    per: Name
    span: Span | None = _span()


ItemClause = (Included | ExtraPrice | Maximum | Limit | ElementLimit | NotExtendable | Unlimited
              | CustomerCap | TierMode | TierBand | TierThen | Minimum | NoRemovalRefund
              | MoneyBound)


@attrs.frozen
class ItemRule:
    item: Name
    clauses: tuple[ItemClause, ...]
    span: Span | None = _span()


@attrs.frozen
class SlaLevel:
    level: Name
    span: Span | None = _span()


@attrs.frozen
class Commitment:
    duration: Expr
    span: Span | None = _span()


@attrs.frozen
class SetupFee:
    """`setup fee $ 99`: charged once, in the month an account changes to the plan."""

    amount: Expr
    span: Span | None = _span()


PlanStmt = ItemRule | SlaLevel | Commitment | MoneyBound | SetupFee


@attrs.frozen
class PlanDef:
    name: Name
    fee: Expr
    per: Name  # the fee's period: `month`
    body: tuple[PlanStmt, ...]
    span: Span | None = _span()
    seat: Name | None = None  # `per member per month`: the unit of the counted item (a seat)


@attrs.frozen
class PlansDef:
    """Rules shared by several plans (the merged columns of a pricing table)."""

    names: tuple[Name, ...]
    body: tuple[PlanStmt, ...]
    span: Span | None = _span()


# ---- SLA ---------------------------------------------------------------------------------------


@attrs.frozen
class Band:
    """A range of uptime percentages; None is unbounded on that side."""

    low: Decimal | None
    low_inclusive: bool
    high: Decimal | None
    high_inclusive: bool
    span: Span | None = _span()


@attrs.frozen
class RefundRule:
    percent: Decimal
    band: Band
    span: Span | None = _span()


@attrs.frozen
class SlaDef:
    name: Name
    refunds: tuple[RefundRule, ...]
    span: Span | None = _span()


# ---- plan changes -------------------------------------------------------------------------------


@attrs.frozen
class PlanSet:
    """Which plans a change rule speaks of: named ones, any plan, a higher or a lower plan."""

    kind: str  # "names", "any", "higher", "lower"
    names: tuple[Name, ...] = ()
    span: Span | None = _span()


@attrs.frozen
class ChangeClause:
    """One clause of a change rule: `by root`, `immediately`, `prorated by days`, `deposit € 200`…"""

    kind: str  # roles, now, next-month, full, prorated, difference, no-refund, whole-month,
    # deposit
    roles: tuple[Name, ...] = ()
    amount: Expr | None = None
    span: Span | None = _span()


@attrs.frozen
class Requirement:
    item: Name
    op: str  # "at most" or "at least"
    amount: Expr
    message: str
    span: Span | None = _span()


@attrs.frozen
class ChangeDef:
    source: PlanSet | None  # None: from any plan
    target: PlanSet
    clauses: tuple[ChangeClause, ...]
    requirements: tuple[Requirement, ...]
    span: Span | None = _span()


# ---- quotas ----------------------------------------------------------------------------------------


@attrs.frozen
class QuotaStmt:
    kind: str  # "slack", "notify", "policies"
    percent: Decimal | None = None  # slack, or the share remaining (None: when exhausted)
    who: Name | None = None
    policies: tuple[tuple[Name, bool], ...] = ()  # (policy, is the default)
    span: Span | None = _span()


@attrs.frozen
class QuotaDef:
    items: tuple[Name, ...]
    stmts: tuple[QuotaStmt, ...]
    span: Span | None = _span()


# ---- ladders ---------------------------------------------------------------------------------------


@attrs.frozen
class LadderStmt:
    kind: str  # "item", "up", "down", "overflow"
    name: Name | None = None  # the item (by) or the overflow plan
    count: Decimal | None = None  # down: how many periods
    unit: Name | None = None  # down: `months`
    amount: Expr | None = None  # overflow: per started amount
    span: Span | None = _span()


@attrs.frozen
class LadderDef:
    name: Name
    tiers: tuple[Name, ...]
    stmts: tuple[LadderStmt, ...]
    span: Span | None = _span()


# ---- billing calendar ------------------------------------------------------------------------------


@attrs.frozen
class CalendarStmt:
    kind: str  # "invoice", "charge", "due", "reminder", "downgrade", "restore"
    day: Decimal | None = None
    plan: Name | None = None
    span: Span | None = _span()


@attrs.frozen
class CalendarDef:
    stmts: tuple[CalendarStmt, ...]
    span: Span | None = _span()


# ---- daily billing records and discounts --------------------------------------------------------


@attrs.frozen
class RecordDef:
    """A billing record item: its price, what it is billed for, and its options.

    basis: "status" (per day, or per month, while the status is one of `statuses`), "option"
    (likewise while `source` is enabled), "usage" (per unit of the meter `source`), "transition"
    (each change from `statuses`, or any, to `to_statuses`), "enable" (each time `source` is
    enabled), "anniversary" (each full year in `statuses`).
    """

    name: Name
    price: Expr
    per_count: Decimal | None
    per_unit: Name | None
    basis: str
    statuses: tuple[Name, ...] = ()
    to_statuses: tuple[Name, ...] = ()
    source: Name | None = None  # the option or the usage meter
    allowance: Expr | None = None  # usage beyond this much a day is billed
    round_to: Expr | None = None  # a day's usage rounded up to this step...
    rounded_as: Name | None = None  # ...the difference billed as this record
    region: Name | None = None  # `All` (the default), `Global`, `Japan`: whose subscribers
    span: Span | None = _span()


@attrs.frozen
class DiscountDef:
    name: Name
    kind: str  # "free-tier", "volume", "coupon"
    record: Name | None = None
    amount: Expr | None = None
    percent: Decimal | None = None
    span: Span | None = _span()


@attrs.frozen
class CouponDef:
    """`coupon NAME: AMOUNT off [TARGET] TERM`: a discount an account redeems on its timeline.
    `target` is "invoice" (the default), "plan fee" or "items" (`items` named); `term` is
    "once", "months" (`months`, an expression of months) or "forever"."""

    name: Name
    amount: Expr
    target: str
    items: tuple[Name, ...]
    term: str
    months: Expr | None = None
    span: Span | None = _span()


@attrs.frozen
class PoolMember:
    item: Name
    rate: Decimal  # how much of the pool one unit of the item draws (`× 2`); 1 unless said
    span: Span | None = _span()


@attrs.frozen
class PoolDef:
    """`pool minutes: linux_minutes, windows_minutes × 2`: one included amount, set by each plan
    (`minutes: 2,000 included`), drawn by several usage items at their rates."""

    name: Name
    members: tuple[PoolMember, ...]
    span: Span | None = _span()


@attrs.frozen
class AvailableOn:
    """`available on Pro, Business`: the plans an add-on can be bought beside."""

    plans: tuple[Name, ...]
    span: Span | None = _span()


@attrs.frozen
class AddOnNoRefund:
    """`no refund on removal`: a unit of an add-on removed is billed to the period's end."""

    span: Span | None = _span()


@attrs.frozen
class AddOnDef:
    """`add-on Extra-Storage: $ 5 per pack per month`: bought beside a plan, in a quantity
    (`unit`, the first `per`'s word; None for `$ 49 per month`), with item rules adding to the
    plan's (`storage: 50 GB included`, per unit of quantity) and the plans it is available on."""

    name: Name
    fee: Expr
    per: Name  # the fee's period: `month`
    body: tuple[ItemRule | AvailableOn | AddOnNoRefund, ...]
    span: Span | None = _span()
    unit: Name | None = None


@attrs.frozen
class ProductDef:
    """`product Chat: Free, Pro, Business`: a product's plans, lowest first."""

    name: Name
    plans: tuple[Name, ...]
    span: Span | None = _span()


Definition = (CatalogDef | LetDef | UnitDef | MeterDef | PlanDef | PlansDef | SlaDef | ChangeDef
              | QuotaDef | LadderDef | CalendarDef | RecordDef | DiscountDef | CouponDef | PoolDef
              | AddOnDef | ProductDef)


@attrs.frozen
class PlanFile:
    definitions: tuple[Definition, ...]
    span: Span | None = _span()


def walk(node: object):
    """Every node below (and including) `node`, depth first, in source order."""
    yield node
    if attrs.has(type(node)):
        for field in attrs.fields(type(node)):  # type: ignore[arg-type]
            if field.name == "span":
                continue
            value = getattr(node, field.name)
            children = value if isinstance(value, tuple) else (value,)
            for child in children:
                if attrs.has(type(child)):
                    yield from walk(child)
