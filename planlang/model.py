"""The checked catalog the interpreter runs on: plain frozen data, built once, shared by accounts.

Nothing here refers to the syntax tree; every rule keeps only its `RuleRef` (file and line), which
charges and decisions carry as their provenance.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import attrs

from planlang.units import Unit


@attrs.frozen(order=True)
class RuleRef:
    """The plan line that produced a charge or a decision."""

    file: str
    line: int
    text: str = attrs.field(default="", eq=False, order=False)

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"


@attrs.frozen
class Meter:
    name: str
    unit: Unit  # the unit quantities are shown in (its dimension's base holds the values)
    source: str  # "count", "snapshots" or "usage"
    include_disabled: bool
    daily: str | None  # "average", "maximum", "sum" or None
    monthly: str | None  # "average", "maximum", "sum" or None
    round_direction: str | None  # "up", "down" or None
    round_step: Fraction  # in base units of the dimension
    round_unit: Unit
    rule: RuleRef


@attrs.frozen
class ItemTerms:
    """What one plan says about one item: included amount, extra price, maximum, limit."""

    item: str
    included: Fraction = Fraction(0)  # base units
    extendable: bool = False
    price: Decimal | None = None  # per block
    block: Fraction = Fraction(1)  # base units per priced block
    block_label: str = ""  # `channel`, `100 devices`, `GB`
    maximum: Fraction | None = None  # base units; extras only while below it
    limit: Fraction | None = None  # non-extendable limit; reaching it needs an upgrade
    included_rule: RuleRef | None = None
    price_rule: RuleRef | None = None
    maximum_rule: RuleRef | None = None
    limit_rule: RuleRef | None = None
    extend_rule: RuleRef | None = None

    @property
    def rule(self) -> RuleRef | None:
        return self.price_rule or self.included_rule or self.limit_rule or self.maximum_rule

    def ceiling(self) -> Fraction | None:
        """The most this plan allows of the item, or None when unbounded."""
        if self.limit is not None:
            return self.limit
        if not self.extendable:
            return self.included
        return self.maximum


@attrs.frozen
class Band:
    low: Fraction | None
    low_inclusive: bool
    high: Fraction | None
    high_inclusive: bool

    def contains(self, value: Fraction) -> bool:
        if self.low is not None and (value < self.low or (value == self.low and not self.low_inclusive)):
            return False
        if self.high is not None and (
            value > self.high or (value == self.high and not self.high_inclusive)
        ):
            return False
        return True

    def describe(self) -> str:
        from planlang.money import format_number

        if self.low is not None and self.high is not None:
            return f"from {format_number(self.low)}% to {format_number(self.high)}%"
        if self.high is not None:
            return f"{format_number(self.high)}% or below" if self.high_inclusive else (
                f"below {format_number(self.high)}%")
        assert self.low is not None
        return f"{format_number(self.low)}% or above" if self.low_inclusive else (
            f"above {format_number(self.low)}%")


@attrs.frozen
class Refund:
    percent: Fraction
    band: Band
    rule: RuleRef


@attrs.frozen
class SlaLevel:
    name: str
    refunds: tuple[Refund, ...]
    rule: RuleRef


@attrs.frozen
class Plan:
    name: str
    rank: int  # position in the catalog's order, lowest first
    fee: Decimal
    fee_rule: RuleRef
    items: dict[str, ItemTerms]
    sla: str | None
    sla_rule: RuleRef | None


@attrs.frozen
class Catalog:
    name: str
    path: str
    currency: str
    uptime_step: Fraction | None
    units: dict[str, Unit]
    meters: dict[str, Meter]
    plans: tuple[Plan, ...]
    slas: dict[str, SlaLevel]

    def plan(self, name: str) -> Plan | None:
        for plan in self.plans:
            if plan.name == name:
                return plan
        return None

    @property
    def plan_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.plans)
