"""An account on a plan of each of several products (`plans: {Chat: Pro, Drive: Basic}`): one
subscription per product, walked each on its own and billed together.

Each product's subscription is the account on that product's plan (`subscription`): the events
that concern it (a change to one of its plans, an add-on its plans offer, an element of an item
its plans price) and those that concern the whole account (status changes, caps, policies,
payments, usage, uptime). `run` walks each with the month walk (`timeline.run`) and `merged`
makes one bill a period: the lines in the catalog's order of products, the decisions by date,
the total the sum of the lines. `route` says where each part goes, and `prepare` checks an
account with it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

import attrs

from planlang.engine import rules
from planlang.engine.results import Bill
from planlang.inputs.account import Account
from planlang.model import Catalog

if TYPE_CHECKING:
    from planlang.engine.prepare import Prepared


def held_products(catalog: Catalog, account: Account) -> list[str]:
    """The products the account holds a plan of, in the catalog's order."""
    return [p.name for p in catalog.products if p.name in account.plans]


def add_on_product(catalog: Catalog, account: Account, name: str) -> list[str]:
    """The products held whose plans offer add-on `name` (one, for the add-on to be routed)."""
    offered = {product.name for plan in catalog.add_ons[name].plans
               if (product := catalog.product_of(plan)) is not None}
    return [p for p in held_products(catalog, account) if p in offered]


def item_products(catalog: Catalog, account: Account, item: str) -> list[str]:
    """The products held whose plans price or limit `item`."""
    return [p.name for p in catalog.products if p.name in account.plans
            and any(item in plan.items for plan in catalog.product_plans(p.plans[0]))]


def subscription(catalog: Catalog, prepared: Prepared, product: str) -> Prepared:
    """The account's subscription to `product`: on its plan, with the events that concern it."""
    account = prepared.account
    owner = catalog.product_of

    def mine(event) -> bool:
        if event.change_plan is not None:
            found = owner(event.change_plan)
            return found is not None and found.name == product
        if event.add_on is not None:
            return add_on_product(catalog, account, event.add_on) == [product]
        return True  # a status, a payment, caps, a policy: the whole account's

    plan = account.plans[product]
    ladder = catalog.ladder_of(plan)
    return attrs.evolve(prepared, account=attrs.evolve(
        account, plan=plan, plans={},
        timeline=tuple(event for event in account.timeline if mine(event)),
        add_ons={name: quantity for name, quantity in account.add_ons.items()
                 if add_on_product(catalog, account, name) == [product]},
        requests=tuple(r for r in account.requests
                       if item_products(catalog, account, r.create or r.store or "")
                       == [product])),
        lookback=prepared.lookback if ladder is not None else ())


def run(catalog: Catalog, prepared: Prepared, periods: list,
        walk: Callable[[Catalog, Prepared, list], list[Bill]]) -> list[Bill]:
    """Bill each subscription (`walk`: the month walk) and merge each period's bills."""
    walked = [walk(catalog, subscription(catalog, prepared, product), periods)
              for product in held_products(catalog, prepared.account)]
    return [merged(catalog, bills) for bills in zip(*walked, strict=True)]


def merged(catalog: Catalog, bills: tuple[Bill, ...]) -> Bill:
    """One bill of a period from its subscriptions' bills: their lines in the order of the
    products, their decisions by date (one decision the subscriptions share, such as a status,
    once), their messages; an item one subscription does not offer is not `usage-not-offered`
    when another subscription's plan offers it."""
    offered = {item for bill in bills if (plan := catalog.plan(bill.plan)) is not None
               for item in plan.items}
    decisions = [d for bill in bills for d in bill.decisions
                 if not (d.kind == "usage-not-offered" and d.subject in offered)]
    lines = tuple(line for bill in bills for line in bill.lines)
    first = bills[0]
    return Bill(first.account, ", ".join(bill.plan for bill in bills), first.period,
                first.currency, lines, rules.bill_total(lines, first.currency),
                tuple(sorted(dict.fromkeys(decisions), key=lambda d: d.date)),
                next_plan=", ".join(bill.next_plan or bill.plan for bill in bills),
                messages=tuple(dict.fromkeys(m for bill in bills for m in bill.messages)))


__all__ = ["run", "merged", "subscription", "held_products", "add_on_product", "item_products"]
