"""Decisions on requested actions: may the account create these elements on its plan?

A request is allowed when the plan's ceiling for the item (its non-extendable limit, its included
amount if it cannot extend, or its maximum for extras) admits the count after creation. A refusal
gives a reason code, a message, and the lowest plan of the catalog that would allow it.
"""

from __future__ import annotations

from fractions import Fraction

from planlang.engine.prepare import Prepared, in_base_units
from planlang.engine.results import Decision, Reason, Step
from planlang.inputs.account import Request
from planlang.model import Catalog, ItemTerms, Plan, RuleRef
from planlang.money import format_money, format_number


def allows(terms: ItemTerms | None, wanted: Fraction) -> bool:
    if terms is None:
        return False
    ceiling = terms.ceiling()
    return ceiling is None or wanted <= ceiling


def decide_request(catalog: Catalog, plan: Plan, prepared: Prepared, request: Request) -> Decision:
    if request.store is not None:
        assert request.element is not None and request.amount is not None
        kind, held = prepared.series[request.store].elements[request.element]
        amount = in_base_units(catalog.meters[request.store], request.amount, catalog)
        assert amount is not None  # (checked by `prepare`)
        return decide_store(catalog, plan, request, kind, held, amount)
    assert request.create is not None
    series = prepared.series.get(request.create)
    return decide_create(catalog, plan, request,
                         series.level_at(request.on) if series else Fraction(0))


def decide_create(catalog: Catalog, plan: Plan, request: Request, current: Fraction) -> Decision:
    """May the account, on `plan`, create `request.count` more elements of an item of which it
    has `current` (base units) then? The interpreter's walk and the compiled walk both ask it."""
    assert request.create is not None
    meter = catalog.meters[request.create]
    unit = meter.unit
    show = lambda v: f"{format_number(unit.from_base(v))} {unit.name}"  # noqa: E731
    wanted = current + unit.to_base(Fraction(request.count))
    terms = plan.items.get(request.create)
    steps = (Step("current", show(current)), Step("requested", f"{format_number(request.count)} more"),
             Step("after creation", show(wanted)))
    date = request.on.date()
    if allows(terms, wanted):
        assert terms is not None
        ceiling = terms.ceiling()
        reasons = [Reason("within-limit", f"{show(wanted)} after creation; plan `{plan.name}` "
                          f"allows {'any number' if ceiling is None else show(ceiling)}")]
        rule: RuleRef = (terms.limit_rule or terms.maximum_rule or terms.unlimited_rule
                         or terms.included_rule or terms.price_rule or plan.fee_rule)
        if terms.extendable and wanted > terms.included and terms.price is not None:
            reasons = [Reason("billed-as-extra", f"{show(terms.included)} included; beyond that "
                              f"{format_money(terms.price, catalog.currency)} per "
                              f"{terms.block_label}")]
            rule = terms.price_rule or rule
        return Decision("create", request.create, date, "allowed", tuple(reasons), rule,
                        steps=steps)
    lowest = next((p.name for p in catalog.product_plans(plan.name)
                   if allows(p.items.get(request.create), wanted)), None)
    reason, rule = _refusal(plan, terms, request.create, show, current, wanted)
    upgrade = (f"; the lowest plan that allows it is `{lowest}`" if lowest
               else "; no plan of the catalog allows it")
    return Decision("create", request.create, date, "refused",
                    (Reason(reason.code, reason.message + upgrade),), rule, lowest, steps)


def _refusal(plan: Plan, terms: ItemTerms | None, item: str, show, current, wanted):
    if terms is None:  # the plan's definition says what it has: cite it
        return (Reason("not-available", f"`{item}` is not available on plan `{plan.name}`"),
                plan.fee_rule)
    if terms.limit is not None:
        return (Reason("limit-reached", f"plan `{plan.name}` allows at most {show(terms.limit)} "
                       f"(not extendable); the account has {show(current)}"), terms.limit_rule)
    if not terms.extendable:
        return (Reason("not-extendable", f"plan `{plan.name}` includes {show(terms.included)} "
                       f"and cannot extend them; the account has {show(current)}"),
                terms.extend_rule or terms.included_rule)
    assert terms.maximum is not None
    return (Reason("maximum-reached", f"plan `{plan.name}` allows extras up to "
                   f"{show(terms.maximum)}; the account has {show(current)}"), terms.maximum_rule)


def element_room(terms: ItemTerms | None, kind: str) -> Fraction | None:
    """What one element of `kind` may hold of the item on a plan; None: not limited."""
    if terms is None:
        return None
    return terms.element_limits.get(kind)


def decide_store(catalog: Catalog, plan: Plan, request: Request, kind: str, held: Fraction,
                 amount: Fraction) -> Decision:
    """May the element `request.element`, one of the `kind` holding `held` of the item (e.g.
    storage), take `amount` more (base units) on `plan`? The interpreter's walk and the
    compiled walk both ask it."""
    assert request.store is not None and request.element is not None
    meter = catalog.meters[request.store]
    show = lambda v: f"{format_number(meter.unit.from_base(v))} {meter.unit.name}"  # noqa: E731
    terms = plan.items.get(request.store)
    room = element_room(terms, kind)
    date = request.on.date()
    steps = (Step("element", f"{request.element} (one of the {kind})"), Step("holds", show(held)),
             Step("to store", show(amount)), Step("after", show(held + amount)))
    if room is None or held + amount <= room:
        why = (f"`{request.store}` is not limited per element on plan `{plan.name}`" if room is None
               else f"{show(held + amount)} of the {show(room)} each of the {kind} may hold")
        rule = terms.element_rules.get(kind) if terms is not None else None
        return Decision("store", request.store, date, "allowed",
                        (Reason("within-element-limit", why),), rule or plan.fee_rule,
                        steps=steps)
    lowest = next((p.name for p in catalog.product_plans(plan.name)
                   if (r := element_room(p.items.get(request.store), kind)) is None
                   or held + amount <= r), None)
    upgrade = (f"; the lowest plan that allows it is `{lowest}`" if lowest
               else "; no plan of the catalog allows it")
    assert terms is not None
    return Decision("store", request.store, date, "refused", (Reason(
        "element-full", f"`{request.element}` holds {show(held)} of the {show(room)} each of the "
        f"{kind} may hold on plan `{plan.name}` (not pooled): the element refuses new data"
        + upgrade),), terms.element_rules.get(kind), lowest, steps)
