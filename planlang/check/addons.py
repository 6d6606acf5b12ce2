"""Checks of add-ons (bought beside a plan, in a quantity) and products (each its own order of plans).

Part of the checker (`planlang.check.catalog`), split out to keep each module to one concern. An
add-on's fee is money per month; its item rules say only how much each unit of it includes
(PL246), of an item every plan it is available on prices beyond what it includes (PL247); a
product names known plans, each plan in one product, and every plan is in one when the catalog
has products (PL248); a ladder's tiers and a billing calendar's downgrade stay within a product
(PL249).
"""

from __future__ import annotations

from fractions import Fraction
from typing import TYPE_CHECKING

from planlang.check.common import FEE_PERIODS, label, listing
from planlang.model import AddOn, Plan, Product
from planlang.syntax import ast

if TYPE_CHECKING:
    from planlang.check.catalog import Checker


class AddOnChecker:
    def __init__(self, checker: Checker, plans: list[Plan]):
        self.c = checker
        self.plans = {p.name: p for p in plans}

    def known_plans(self, names: tuple[ast.Name, ...]) -> list[str]:
        """The plans named that the catalog has (PL212 for the others)."""
        out = []
        for name in names:
            if name.text not in self.plans:
                self.c.error("PL212", f"unknown plan `{name.text}`", name.span,
                             help=self.c.suggest(name.text, self.plans)
                             or listing("plans", self.plans))
                continue
            out.append(name.text)
        return out

    # ---- add-ons ----
    def check_add_ons(self, defs: list[ast.AddOnDef]) -> dict[str, AddOn]:
        return self.c.check_named("add-on", defs, self.check_add_on)

    def check_add_on(self, d: ast.AddOnDef) -> AddOn | None:
        name = d.name.text
        if d.per.text not in FEE_PERIODS:
            self.c.error("PL215", f"unknown fee period `{d.per.text}`", d.per.span,
                         help=self.c.suggest(d.per.text, FEE_PERIODS)
                         or "an add-on's fee is `per month`, the catalog's billing period")
        fee = self.c.expect_money(self.c.evaluate(d.fee), d.fee, f"the fee of add-on `{name}`")
        available = [s for s in d.body if isinstance(s, ast.AvailableOn)]
        for extra in available[1:]:
            self.c.error("PL221", f"add-on `{name}` says twice which plans it is available on",
                         extra.span, labels=label(available[0].span, "first said here"),
                         help="list every plan on one `available on` line")
        plans = tuple(self.known_plans(available[0].plans)) if available else tuple(self.plans)
        kept = [s for s in d.body if isinstance(s, ast.AddOnNoRefund)]
        for again in kept[1:]:
            self.c.error("PL221", f"add-on `{name}` says twice that removals are not refunded",
                         again.span, labels=label(kept[0].span, "first said here"),
                         help="keep one `no refund on removal` line")
        includes: dict[str, Fraction] = {}
        rules = {}
        for stmt in d.body:
            if not isinstance(stmt, ast.ItemRule):
                continue
            included = self.included(name, stmt, plans)
            if included is not None:
                if stmt.item.text in includes:
                    self.c.error("PL221", f"add-on `{name}` says twice what its "
                                 f"`{stmt.item.text}` includes", stmt.span,
                                 help="keep one line per item")
                    continue
                includes[stmt.item.text] = included
                rules[stmt.item.text] = self.c.rule(stmt)
        if fee is None:
            return None
        return AddOn(name, fee, d.unit.text if d.unit is not None else "", plans, includes,
                     self.c.rule(d), self.c.rule(available[0]) if available else None, rules,
                     not kept, self.c.rule(kept[0]) if kept else None)

    def included(self, name: str, stmt: ast.ItemRule, plans: tuple[str, ...]) -> Fraction | None:
        """What one unit of an add-on includes of an item: `N included` alone (PL246), of an item
        each plan it is available on prices beyond its included amount (PL247)."""
        item = stmt.item.text
        meter = self.c.meters.get(item)
        if meter is None:
            self.c.error("PL211", f"unknown item `{item}`", stmt.item.span,
                         help=self.c.suggest(item, self.c.meters)
                         or f"declare how `{item}` is measured with a `meter` line")
            return None
        clause = stmt.clauses[0]
        if len(stmt.clauses) != 1 or not isinstance(clause, ast.Included):
            other = next(c for c in stmt.clauses if not isinstance(c, ast.Included))
            self.c.error("PL246", f"add-on `{name}` says more of `{item}` than what it includes",
                         other.span,
                         help=f"an add-on adds to the plan's included amount: write `{item}: "
                         "N included`; the plan's own price applies beyond it")
            return None
        unpriced = [plan for plan in plans if (terms := self.plans[plan].items.get(item)) is None
                    or terms.price is None or terms.bands]
        if unpriced:
            self.c.error("PL247", f"add-on `{name}` includes `{item}`, which plan `{unpriced[0]}` "
                         "does not price beyond an included amount", stmt.item.span,
                         help=f"give `{unpriced[0]}` a line such as `{item}: 10 GB included, then "
                         f"$ 1 per GB`, or leave `{unpriced[0]}` out of `available on`")
            return None
        value = self.c.clause_value(clause, meter)
        return None if value is None else value.number

    # ---- products ----
    def check_products(self, defs: list[ast.ProductDef]) -> tuple[Product, ...]:
        out = []
        owner: dict[str, ast.ProductDef] = {}
        for d in defs:
            if not self.c.define("product", d.name):
                continue
            names = []
            for plan, name in zip(self.known_plans(d.plans), d.plans, strict=False):
                if plan in owner:
                    first = owner[plan]
                    self.c.error("PL248", f"plan `{plan}` is in two products, `"
                                 f"{first.name.text}` and `{d.name.text}`", name.span,
                                 labels=label(first.span, "first listed here"),
                                 help="a plan belongs to one product; copy it under another name")
                    continue
                owner[plan] = d
                names.append(plan)
            out.append(Product(d.name.text, tuple(names), self.c.rule(d)))
        if defs:
            left = [plan for plan in self.plans if plan not in owner]
            if left:
                self.c.error("PL248", f"plan `{left[0]}` is in no product", defs[0].span,
                             help=f"list {', '.join(f'`{p}`' for p in left[:5])} in a `product` "
                             "line: a catalog with products puts every plan in one")
        return tuple(out)

    def check_within(self, products: tuple[Product, ...], ladders: list[ast.LadderDef],
                     calendars: list[ast.CalendarDef]) -> None:
        """A ladder's tiers and add-on plan, and the plan a billing calendar downgrades to, stay
        within one product (PL249)."""
        if len(products) < 2:
            return
        product = {plan: p.name for p in products for plan in p.plans}
        for d in ladders:
            named = [*d.tiers, *(s.name for s in d.stmts if s.kind == "overflow" and s.name)]
            first = product.get(named[0].text) if named else None
            other = next((n for n in named if product.get(n.text, first) != first), None)
            if other is not None:
                self.c.error("PL249", f"ladder `{d.name.text}` moves from product `{first}` to "
                             f"`{product[other.text]}`", other.span,
                             labels=label(named[0].span, f"a plan of `{first}`"),
                             help="a ladder's tiers are plans of one product")
        for calendar in calendars:
            for stmt in calendar.stmts:
                if stmt.kind == "downgrade" and stmt.plan is not None:
                    self.c.error("PL249", f"the billing calendar downgrades every account to "
                                 f"`{stmt.plan.text}`, a plan of one product", stmt.plan.span,
                                 help="a catalog with several products has no downgrade on "
                                 "non-payment: remove the `unpaid on day` line")
