"""Checks of the rules that act between months: plan changes, quotas, ladders, the billing calendar.

Part of the checker (`planlang.check.catalog`), split out to keep each module to one concern. Broken rules
are caught before they bill anyone: conflicting change rules, ladders whose limits do not increase
(their up and down conditions could both hold), tiers without a limit, notification thresholds
outside 0–100%, preconditions on unknown items, calendar days out of order.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import defaultdict
from collections.abc import Iterator
from fractions import Fraction
from typing import TYPE_CHECKING

from planlang.check.common import label, listing
from planlang.model import (
    POLICIES,
    Calendar,
    ChangeRule,
    Ladder,
    Notification,
    Plan,
    QuotaRule,
    Requirement,
    RuleRef,
)
from planlang.money import format_number
from planlang.syntax import ast

if TYPE_CHECKING:
    from planlang.check.catalog import Checker

_EFFECTS = ("now", "next-month")
_CHARGES = ("full", "prorated", "difference")
_SPECIFICITY = {"names": 2, "higher": 1, "lower": 1, "any": 0}
_LEVELS = range(5)  # specificities: 0 (any to any) … 4 (named plans to named plans)
_DIRECTION = {"higher": 1, "lower": -1}
MAX_CONFLICTS = 100


class TimeChecker:
    def __init__(self, checker: Checker, plans: list[Plan]):
        self.c = checker
        self.plans = {p.name: p for p in plans}

    # ---- helpers ----
    def plan_name(self, name: ast.Name) -> bool:
        if name.text in self.plans:
            return True
        self.c.error("PL212", f"unknown plan `{name.text}`", name.span,
                     help=self.c.suggest(name.text, self.plans) or listing("plans", self.plans))
        return False

    def item(self, name: ast.Name):
        meter = self.c.meters.get(name.text)
        if meter is None:
            self.c.error("PL211", f"unknown item `{name.text}`", name.span,
                         help=self.c.suggest(name.text, self.c.meters)
                         or f"declare how `{name.text}` is measured with a `meter` line")
        return meter

    def amount_of(self, meter, expr: ast.Expr) -> Fraction | None:
        value = self.c.item_quantity(meter, expr)
        return None if value is None else value.number

    # ---- plan changes ----
    def check_changes(self, defs: list[ast.ChangeDef]) -> tuple[ChangeRule, ...]:
        rules: list[tuple[ChangeRule, ast.ChangeDef]] = []
        for d in defs:
            rule = self.change_rule(d)
            if rule is not None:
                rules.append((rule, d))
        self.check_conflicts(rules)
        return tuple(r for r, _ in rules)

    def plan_set(self, s: ast.PlanSet | None) -> tuple[str, tuple[str, ...]] | None:
        if s is None:
            return "any", ()
        if s.kind != "names":
            return s.kind, ()
        ok = all([self.plan_name(n) for n in s.names])
        return ("names", tuple(n.text for n in s.names)) if ok else None

    def change_rule(self, d: ast.ChangeDef) -> ChangeRule | None:
        source, target = self.plan_set(d.source), self.plan_set(d.target)
        seen: dict[str, ast.ChangeClause] = {}
        effective, charge, refund, deposit, whole_month = None, None, True, None, False
        roles: tuple[str, ...] = ()
        ok = source is not None and target is not None
        for clause in d.clauses:
            group = ("effect" if clause.kind in _EFFECTS else
                     "charge" if clause.kind in _CHARGES else clause.kind)
            if group in seen:
                first = seen[group]
                same = first.kind == clause.kind
                self.c.error("PL221" if same else "PL275",
                             "this change rule says twice " + _GROUP_WORDS[group] if same else
                             f"this change rule says both `{_CLAUSE_TEXT[first.kind]}` and "
                             f"`{_CLAUSE_TEXT[clause.kind]}`", clause.span,
                             labels=label(first.span, "first said here"),
                             help="keep one")
                ok = False
                continue
            seen[group] = clause
            if group == "effect":
                effective = clause.kind
            elif group == "charge":
                charge = clause.kind
            elif clause.kind == "no-refund":
                refund = False
            elif clause.kind == "whole-month":
                whole_month = True
            elif clause.kind == "roles":
                roles = tuple(r.text for r in clause.roles)
            elif clause.kind == "deposit":
                assert clause.amount is not None
                value = self.c.evaluate(clause.amount)
                deposit = self.c.expect_money(value, clause.amount, "a deposit")
                ok = ok and deposit is not None
        requirements = []
        for r in d.requirements:
            meter = self.item(r.item)
            amount = self.amount_of(meter, r.amount) if meter is not None else None
            if amount is None:
                ok = False
                continue
            requirements.append(Requirement(r.item.text, r.op, amount, r.message, self.c.rule(r)))
        if not ok or source is None or target is None:
            return None
        effective = effective or "now"
        if whole_month and effective == "next-month":
            self.c.error("PL294", "a change that takes effect next month bills no usage of this "
                         "month: `usage billed for the whole month` says nothing here",
                         seen["whole-month"].span, labels=label(seen["effect"].span,
                                                                 "takes effect next month"),
                         help="remove `usage billed for the whole month`, or make the change "
                         "take effect `immediately`")
            return None
        charge = charge or ("prorated" if effective == "now" else "none")
        specificity = _SPECIFICITY[source[0]] + _SPECIFICITY[target[0]]
        return ChangeRule(source[0], source[1], target[0], target[1], roles, effective, charge,
                          refund, deposit, tuple(requirements), self.c.rule(d), specificity,
                          whole_month)

    def check_conflicts(self, rules: list[tuple[ChangeRule, ast.ChangeDef]]) -> None:
        """PL274: two rules of the same specificity, and none more specific, apply to one change.

        Reported once per pair of rules (the two first in the file among those tied), at most
        MAX_CONFLICTS times. Never compares every pair of plans: `ConflictIndex` indexes the rules
        by the plans they name, and the plans no rule names are answered together by rank."""
        index = ConflictIndex(list(self.plans.values()), [r for r, _ in rules])
        reported = 0
        for old, new, first, second in index.conflicts():
            if reported == MAX_CONFLICTS:
                break
            reported += 1
            more = (f"; only the first {MAX_CONFLICTS} conflicts are shown"
                    if reported == MAX_CONFLICTS else "")
            self.c.error("PL274", f"two change rules apply to a change from `{old}` to `{new}`",
                         rules[second][1].span, labels=label(rules[first][1].span, "the other rule"),
                         help="name the plans of one rule more precisely, or merge the rules" + more)

    # ---- quotas ----
    def check_quotas(self, defs: list[ast.QuotaDef]) -> dict[str, QuotaRule]:
        quotas: dict[str, QuotaRule] = {}
        for d in defs:
            rule = self.quota(d)
            for name in d.items:
                meter = self.item(name)
                if meter is None:
                    continue
                if meter.source != "usage":
                    self.c.error("PL278", f"`{name.text}` is a {meter.source} meter, not usage: it "
                                 "has no quota that runs out", name.span,
                                 help="quotas are for usage meters (`meter sessions: usage, "
                                 "monthly sum`)")
                    continue
                if not self.c.define("quota", name) or rule is None:
                    continue
                quotas[name.text] = QuotaRule(name.text, *rule)
        return quotas

    def quota(self, d: ast.QuotaDef):
        slack, slack_rule, notes, policies, default, policy_rule = Fraction(0), None, [], [], None, None
        ok = True
        for stmt in d.stmts:
            if stmt.kind in ("slack", "notify") and stmt.percent is not None and not (
                    0 <= stmt.percent <= 100):
                self.c.error("PL273", f"{format_number(stmt.percent)}% is not between 0% and 100%",
                             stmt.span, help="a share of the quota is a percentage from 0% to 100%")
                ok = False
                continue
            if stmt.kind == "slack":
                slack, slack_rule = Fraction(stmt.percent or 0) / 100, self.c.rule(stmt)
            elif stmt.kind == "notify":
                assert stmt.who is not None
                remaining = None if stmt.percent is None else Fraction(stmt.percent) / 100
                notes.append(Notification(stmt.who.text, remaining, self.c.rule(stmt)))
            else:
                policy_rule = self.c.rule(stmt)
                for name, is_default in stmt.policies:
                    if name.text not in POLICIES:
                        self.c.error("PL215", f"unknown exhaustion policy `{name.text}`", name.span,
                                     help=self.c.suggest(name.text, POLICIES)
                                     or "policies: " + ", ".join(POLICIES))
                        ok = False
                        continue
                    policies.append(name.text)
                    if is_default and default is not None:
                        self.c.error("PL279", "two policies are marked `(default)`", name.span,
                                     help="mark one policy as the default")
                        ok = False
                    elif is_default:
                        default = name.text
        if not ok:
            return None
        policies = policies or ["wait_for_reset"]
        default = default or ("wait_for_reset" if "wait_for_reset" in policies else policies[0])
        notes.sort(key=lambda n: (n.remaining is None, -(n.remaining or 0)))  # in firing order
        return (slack, tuple(notes), tuple(policies), default, self.c.rule(d), slack_rule,
                policy_rule)

    # ---- ladders ----
    def check_ladders(self, defs: list[ast.LadderDef]) -> tuple[Ladder, ...]:
        ladders = []
        placed: dict[str, ast.Name] = {}
        for d in defs:
            if not self.c.define("ladder", d.name):
                continue
            ladder = self.ladder(d, placed)
            if ladder is not None:
                ladders.append(ladder)
        return tuple(ladders)

    def ladder(self, d: ast.LadderDef, placed: dict[str, ast.Name]) -> Ladder | None:
        ok = True
        tiers: list[str] = []
        for tier in d.tiers:
            if not self.plan_name(tier):
                ok = False
                continue
            if tier.text in placed:
                self.c.error("PL271", f"plan `{tier.text}` is a tier of two ladders"
                             if tier.text not in tiers else f"tier `{tier.text}` is listed twice",
                             tier.span, labels=label(placed[tier.text].span, "first listed here"),
                             help="a plan is one tier of one ladder")
                ok = False
                continue
            placed[tier.text] = tier
            tiers.append(tier.text)
        stmts = {s.kind: s for s in d.stmts}
        item_stmt = stmts.get("item")
        if item_stmt is None or item_stmt.name is None:
            self.c.error("PL271", f"ladder `{d.name.text}` does not say what it is measured by",
                         d.name.span, help="add an indented line `by ITEM`, e.g. `by data`")
            return None
        meter = self.item(item_stmt.name)
        if meter is None or not ok:
            return None
        limits = self.tier_limits(d, tiers, meter)
        if limits is None:
            return None
        down = stmts.get("down")
        down_periods = None
        if down is not None:
            assert down.count is not None and down.unit is not None
            if down.unit.text not in ("month", "months") or down.count < 1 or (
                    down.count != int(down.count)):
                self.c.error("PL271", "a ladder looks back a whole number of months (1 or more)",
                             down.span, help="e.g. `down when below the lower limit for 2 months`")
                return None
            down_periods = int(down.count)
        overflow = stmts.get("overflow")
        overflow_plan, overflow_block = None, None
        if overflow is not None:
            assert overflow.name is not None and overflow.amount is not None
            if not self.plan_name(overflow.name):
                return None
            overflow_block = self.amount_of(meter, overflow.amount)
            if overflow_block is None:
                return None
            if overflow_block <= 0:
                self.c.error("PL235", "an add-on covers a positive amount", overflow.amount.span)
                return None
            overflow_plan = overflow.name.text
        rule = lambda k: self.c.rule(stmts[k]) if k in stmts else None  # noqa: E731
        return Ladder(d.name.text, tuple(tiers), meter.name, "up" in stmts, down_periods,
                      overflow_plan, overflow_block, self.c.rule(d), rule("up"), rule("down"),
                      rule("overflow"))

    def tier_limits(self, d: ast.LadderDef, tiers: list[str], meter) -> list[Fraction] | None:
        limits: list[Fraction] = []
        names = {t.text: t for t in d.tiers}
        for tier in tiers:
            terms = self.plans[tier].items.get(meter.name)
            limit = None if terms is None else (terms.limit if terms.limit is not None
                                                else terms.included if terms.included else None)
            if limit is None:
                self.c.error("PL272", f"tier `{tier}` has no limit for `{meter.name}`: the ladder "
                             "cannot move to or from it", names[tier].span,
                             help=f"give plan `{tier}` a line such as `{meter.name}: 10 GB "
                             "included`")
                return None
            limits.append(limit)
        for lower, higher, low, high in zip(tiers, tiers[1:], limits, limits[1:], strict=False):
            if high <= low:
                show = lambda v: f"{format_number(meter.unit.from_base(v))} {meter.unit.name}"  # noqa: E731
                self.c.error("PL270", f"ladder `{d.name.text}` does not increase: `{higher}` allows "
                             f"{show(high)}, `{lower}` allows {show(low)}", names[higher].span,
                             labels=label(names[lower].span, "the tier below"),
                             help="a usage could then be both above one tier's limit and below "
                             "the lower tier's: order tiers by increasing limit")
                return None
        return limits

    # ---- billing calendar ----
    def check_calendar(self, defs: list[ast.CalendarDef]) -> Calendar | None:
        if not defs:
            return None
        for extra in defs[1:]:
            self.c.error("PL220", "billing calendar is defined twice", extra.span,
                         labels=label(defs[0].span, "first defined here"), help="keep one")
        days: dict[str, int] = {}
        rules: dict[str, RuleRef] = {}
        plan = None
        ok = True
        for stmt in defs[0].stmts:
            if stmt.kind in rules:
                self.c.error("PL221", f"the billing calendar gives its {stmt.kind} day twice",
                             stmt.span, help="keep one")
                ok = False
                continue
            rules[stmt.kind] = self.c.rule(stmt)
            if stmt.day is not None:
                if not (1 <= stmt.day <= 28) or stmt.day != int(stmt.day):
                    self.c.error("PL276", f"day {format_number(stmt.day)} is not a day every month "
                                 "has", stmt.span, help="use a day from 1 to 28")
                    ok = False
                    continue
                days[stmt.kind] = int(stmt.day)
            if stmt.plan is not None:
                ok = self.plan_name(stmt.plan) and ok
                plan = stmt.plan.text
        order = [k for k in ("invoice", "charge", "due", "downgrade") if k in days]
        for before, after in zip(order, order[1:], strict=False):
            if days[after] < days[before]:
                self.c.error("PL277", f"the {after} day ({days[after]}) comes before the {before} "
                             f"day ({days[before]})", _span_of(defs[0], after),
                             help="invoice, automatic charge, due date and downgrade come in "
                             "that order")
                ok = False
        if "reminder" in days and "downgrade" in days and days["reminder"] > days["downgrade"]:
            self.c.error("PL277", "the reminder comes after the downgrade",
                         _span_of(defs[0], "reminder"), help="remind before downgrading")
            ok = False
        if not ok:
            return None
        return Calendar(days.get("invoice"), days.get("charge"), days.get("due"),
                        days.get("reminder"), days.get("downgrade"), plan, "restore" in rules,
                        rules)


def _span_of(d: ast.CalendarDef, kind: str):
    return next((s.span for s in d.stmts if s.kind == kind), d.span)


_GROUP_WORDS = {"effect": "when it takes effect", "charge": "how it is charged",
                "roles": "who may make it", "no-refund": "`no refund`", "deposit": "its deposit",
                "whole-month": "`usage billed for the whole month`"}
_CLAUSE_TEXT = {"now": "immediately", "next-month": "next month", "full": "full monthly fee",
                "prorated": "prorated by days", "difference": "prorated difference"}


Levels = list[list[int]]  # per specificity, the indexes (file order) of the rules at that level


def _levels() -> Levels:
    return [[] for _ in _LEVELS]


def _top(*parts: Levels) -> list[int]:
    """The rules of the highest specificity any part has, in file order (two are enough)."""
    for level in reversed(_LEVELS):
        found = sorted(i for part in parts for i in part[level][:2])
        if found:
            return found[:2]
    return []


class ConflictIndex:
    """Which change rules tie for a change from one plan to another, for every pair of plans,
    in time near-linear in the plan file (the check used to try every rule on every pair).

    A rule matches a change (old → new) by its source (named plans, or any), its target, and a
    direction (a higher or lower plan, by rank). For each old plan, on each side of it (the plans
    above, the plans below), the matching rules that name no target apply to every plan of that
    side alike; the rules that name targets are indexed by target. Rules naming no source but
    naming targets are the same for every old plan: each target's highest specificity among them
    is computed once, and the targets are kept in rank order per such specificity, so each side's
    question (is there a target where two rules tie at the top?) is a few binary searches.
    Cost: O(P log P + the plan names listed in change rules + plans named on both sides of one
    rule, multiplied) where P is the number of plans, plus the conflicts reported."""

    def __init__(self, plans, rules: list[ChangeRule]):
        self.names = [p.name for p in sorted(plans, key=lambda p: p.rank)]
        self.rank = {name: i for i, name in enumerate(self.names)}
        self.rules = rules
        sides = (1, -1)
        self.open_open = {side: _levels() for side in sides}  # no source named, no target named
        self.open_named: dict[int, dict[int, Levels]] = {side: defaultdict(_levels)
                                                          for side in sides}
        self.by_source: dict[int, list[int]] = defaultdict(list)  # rules naming a source plan
        self.sides: dict[int, list[int]] = {}  # the sides (1: a higher plan) each rule applies to
        for i, rule in enumerate(rules):
            directions = {_DIRECTION.get(rule.source_kind, 0), _DIRECTION.get(rule.target_kind, 0)}
            if directions == {1, -1}:
                continue  # `a higher plan to a lower plan`: no change is both
            direction = max(directions, key=abs)
            rule_sides = [side for side in sides if direction in (0, side)]
            if rule.source_kind == "names":
                for name in dict.fromkeys(rule.source):
                    self.by_source[self.rank[name]].append(i)
            elif rule.target_kind == "names":
                for name in dict.fromkeys(rule.target):
                    for side in rule_sides:
                        self.open_named[side][self.rank[name]][rule.specificity].append(i)
            else:
                for side in rule_sides:
                    self.open_open[side][rule.specificity].append(i)
            self.sides[i] = rule_sides
        # Per side, per top specificity of the source-less, target-naming rules (-1: none): the
        # ranks of the targets, all of them and those where two such rules tie.
        self.targets: dict[int, dict[int, tuple[list[int], list[int]]]] = {}
        for side in sides:
            by_top: dict[int, tuple[list[int], list[int]]] = {t: ([], []) for t in range(-1, 5)}
            for target in range(len(self.names)):
                levels = self.open_named[side].get(target)
                top = max((t for t in _LEVELS if levels and levels[t]), default=-1)
                by_top[top][0].append(target)
                if levels is not None and top >= 0 and len(levels[top]) > 1:
                    by_top[top][1].append(target)
            self.targets[side] = by_top

    def conflicts(self) -> Iterator[tuple[str, str, int, int]]:
        """(old plan, new plan, first rule, second rule) for each tie found, each pair of rules
        once, old plans in rank order."""
        seen: set[tuple[int, int]] = set()
        for old in range(len(self.names)):
            for side in (-1, 1):
                for new, tied in self._ties(old, side, seen):
                    seen.add((tied[0], tied[1]))
                    yield self.names[old], self.names[new], tied[0], tied[1]

    def _ties(self, old: int, side: int,
              seen: set[tuple[int, int]]) -> Iterator[tuple[int, list[int]]]:
        """The targets on one side of `old` where two rules tie, with the two first tied rules;
        each pair of rules not yet `seen`. Walking the plans no rule names by target stops at
        the first pair already seen: past it, a class holds the same ties again."""
        low, high = (old + 1, len(self.names)) if side == 1 else (0, old)
        general = _levels()  # the rules naming `old` (or no source) and no target
        named: dict[int, Levels] = defaultdict(_levels)  # and those naming targets, by target
        for level in _LEVELS:
            general[level] += self.open_open[side][level][:2]
        for i in self.by_source.get(old, ()):
            if side not in self.sides[i]:
                continue
            rule = self.rules[i]
            if rule.target_kind != "names":
                general[rule.specificity].append(i)
                continue
            for name in dict.fromkeys(rule.target):
                target = self.rank[name]
                if low <= target < high:
                    named[target][rule.specificity].append(i)
        for level in _LEVELS:
            general[level].sort()
        empty = _levels()
        for target in sorted(named):
            tied = _top(general, self.open_named[side].get(target, empty), named[target])
            if len(tied) > 1 and (tied[0], tied[1]) not in seen:
                yield target, tied
        top = max((t for t in _LEVELS if general[t]), default=-1)
        for target_top, (every, self_tied) in self.targets[side].items():
            if target_top < top:
                candidates = every if len(general[top]) > 1 else []
            elif target_top > top:
                candidates = self_tied
            else:
                candidates = every if top >= 0 else []
            for position in range(bisect_left(candidates, low), bisect_right(candidates, high - 1)):
                target = candidates[position]
                if target in named:
                    continue  # answered above, with the rules naming it
                tied = _top(general, self.open_named[side].get(target, empty))
                if len(tied) < 2:  # pragma: no cover - the classes above guarantee a tie
                    continue
                if (tied[0], tied[1]) in seen:
                    break
                yield target, tied
