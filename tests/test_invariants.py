"""Invariants over random account histories (hypothesis stateful testing).

A state machine builds one account, month by month, for one catalog picked per run: its rules add
usage, element intervals, requests, status changes, plan changes asked by various roles, payments,
caps, policies, coupons and uptime (and, for soracom-air, subscribers with their own timelines and
usage). After every step the whole history so far is billed, month by month, and checked:

- a bill's total is the sum of its lines;
- only `refund` and `discount` lines are negative (a `prorated difference` never is);
- a suspended month is not billed where the catalog says so (edge-device);
- every line, decision and billing message names an existing rule: a line of the catalog file that
  is neither blank nor a comment (a missing rule is a violation too);
- billing the same history twice gives byte-identical JSON;
- a change that takes effect next month never alters the current month's lines and total.

Each invariant has its own test case (the same machine, one check), so that a violation of one does
not hide the others and hypothesis shrinks each to its own minimal history.

CI size: PLANLANG_STATEFUL_EXAMPLES (default 40) histories per test case, up to
PLANLANG_STATEFUL_STEPS (default 10) steps each. A large run:

    PLANLANG_STATEFUL_EXAMPLES=1000 pytest tests/test_invariants.py
"""

from __future__ import annotations

import datetime as dt
import json
import os
from decimal import Decimal
from pathlib import Path

from hypothesis import HealthCheck, note, settings
from hypothesis import event as hypothesis_event
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

import planlang
from planlang.engine import evaluate_periods
from planlang.engine.calendar import Period
from planlang.inputs.account import Account
from planlang.inputs.convert import converter

REPO = Path(__file__).resolve().parents[1]
NAMES = ["flespi", "soracom-flux", "coediting", "edge-device", "soracom-air"]
CATALOGS = {name: planlang.load_catalog(str(REPO / "catalogs" / f"{name}.plan")) for name in NAMES}

EXAMPLES = int(os.environ.get("PLANLANG_STATEFUL_EXAMPLES", "40"))
STEPS = int(os.environ.get("PLANLANG_STATEFUL_STEPS", "10"))
MAX_MONTHS = 8
START = Period(2026, 1)

#: Who asks for plan changes: each catalog's own roles, plus ones no rule names.
ROLES = [None, "owner", "admin", "root", "sam-user", "member"]
#: The role that may ask for a catalog's next-month changes (the trailing request).
NEXT_MONTH_ROLE = {"flespi": "owner", "coediting": "admin", "soracom-flux": "root"}

FLESPI_COUNTED = ["channels", "streams", "devices", "plugins", "geofences", "calculator_devices",
                  "calculators", "webhooks", "realms", "containers"]
FLESPI_USAGE = {"sms": [None], "custom_engineering": [None, "hours"]}


# ---- helpers -----------------------------------------------------------------------------------


def months_from(start: Period, count: int) -> list[Period]:
    out = [start]
    while len(out) < count:
        out.append(out[-1].next())
    return out


def iso(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@st.composite
def instants_in(draw, period: Period) -> str:
    day = draw(st.integers(1, period.days))
    hour = draw(st.sampled_from([0, 0, 6, 12, 23]))
    minute = draw(st.sampled_from([0, 0, 30, 59]))
    return iso(dt.datetime(period.year, period.month, day, hour, minute))


def bill_all(catalog, data: dict, periods: list[Period]):
    return evaluate_periods(catalog, converter.structure(data, Account), periods)


def canonical(bills) -> str:
    return json.dumps([planlang.to_data(b) for b in bills], sort_keys=True, default=str)


_lines_cache: dict[str, list[str]] = {}


def catalog_lines(file: str) -> list[str]:
    if file not in _lines_cache:
        path = Path(file)
        if not path.is_absolute():
            path = REPO / path
        _lines_cache[file] = path.read_text(encoding="utf-8").split("\n")
    return _lines_cache[file]


def status_at_end(data: dict, period: Period) -> str:
    """The account's status at the end of `period`, from its start status and status events
    (in time order; same instant: the order of the list)."""
    events = [(e["on"], i, e["status"]) for i, e in enumerate(data.get("timeline", []))
              if "status" in e]
    status = data.get("status", "active")
    end = iso(dt.datetime(period.year, period.month, period.days, 23, 59, 59))
    for on, _, new in sorted(events):
        if on <= end:  # all instants are written the same way, so text order is time order
            status = new
    return status


# ---- the machine -------------------------------------------------------------------------------


class Histories(RuleBasedStateMachine):
    """One account's history, grown month by month; `CHECKS` names the invariants checked."""

    CHECKS: tuple[str, ...] = ()

    @initialize(data=st.data())
    def start(self, data):
        self.name = data.draw(st.sampled_from(NAMES), label="catalog")
        self.catalog = CATALOGS[self.name]
        self.months = [START]
        account: dict = {"account": "inv", "since": str(START)}
        if self.name == "soracom-air":
            account["subscribers"] = []
            if data.draw(st.booleans(), label="coupon at start"):
                account["coupon"] = str(data.draw(st.decimals(0, 20, places=2), label="coupon"))
        else:
            account["plan"] = data.draw(st.sampled_from(self.catalog.plan_names), label="plan")
            if data.draw(st.booleans(), label="start suspended"):
                account["status"] = "suspended"
            if self.name == "flespi" and data.draw(st.booleans(), label="manual payment"):
                account["automatic_charge"] = False
            if self.name == "coediting" and data.draw(st.booleans(), label="policy set"):
                account["policy"] = data.draw(st.sampled_from(
                    ["auto_upgrade", "manual_upgrade", "wait_for_reset"]), label="policy")
            if self.name == "soracom-flux" and data.draw(st.booleans(), label="caps set"):
                account["caps"] = {"events": data.draw(st.integers(0, 200_000)),
                                   "credits": data.draw(st.integers(0, 20_000))}
        self.account = account
        self.bills = None

    # ---- growing the history ----

    @property
    def period(self) -> Period:
        return self.months[-1]

    def _event(self, event: dict) -> None:
        self.account.setdefault("timeline", []).append(event)
        self.bills = None

    def _usage(self, item: str, kind: str, entry, target: dict | None = None) -> None:
        usage = (target if target is not None else self.account).setdefault("usage", {})
        meter = usage.setdefault(item, {})
        if kind == "daily":
            meter.setdefault("daily", {}).update(entry)
        else:
            meter.setdefault(kind, []).append(entry)
        self.bills = None

    @rule()
    def next_month(self):
        if len(self.months) < MAX_MONTHS:
            self.months.append(self.period.next())
            self.bills = None

    @rule(data=st.data())
    def add_usage(self, data):
        name, period = self.name, self.period
        on = data.draw(instants_in(period), label="on")
        if name == "flespi":
            choice = data.draw(st.sampled_from(["sms", "custom_engineering", "storage"]))
            if choice == "storage":
                day = dt.date(period.year, period.month,
                              data.draw(st.integers(1, period.days))).isoformat()
                level = data.draw(st.integers(0, 20_000))
                self._usage("storage", "daily", {day: f"{level} MB"})
            elif choice == "sms":
                self._usage("sms", "events", {"on": on, "amount": data.draw(st.integers(0, 300))})
            else:
                hours = data.draw(st.sampled_from(["1 hours", "2 hours", "0.5 hours", "5"]))
                self._usage("custom_engineering", "events", {"on": on, "amount": hours})
        elif name == "soracom-flux":
            item = data.draw(st.sampled_from(["events", "credits", "notifications"]))
            amount = data.draw(st.integers(0, 150_000))
            self._usage(item, "events", {"on": on, "amount": amount})
        elif name == "coediting":
            self._usage("sessions", "events",
                        {"on": on, "amount": data.draw(st.integers(1, 120_000))})
        elif name == "edge-device":
            gb = Decimal(data.draw(st.integers(0, 600))) / 10
            unit = data.draw(st.sampled_from(["GB", "GB", "bytes"]))
            amount = f"{gb} GB" if unit == "GB" else f"{int(gb * 10**9)} bytes"
            self._usage("data", "events", {"on": on, "amount": amount})
        else:
            self._subscriber_usage(data, on)

    @rule(data=st.data())
    def add_elements(self, data):
        if self.name == "soracom-air":
            self.add_subscriber(data)
            return
        if self.name not in ("flespi", "soracom-flux"):
            self.add_usage(data)
            return
        items = FLESPI_COUNTED if self.name == "flespi" else ["apps", "timers"]
        item = data.draw(st.sampled_from(items), label="item")
        start = data.draw(instants_in(self.period), label="from")
        count = data.draw(st.integers(0, 3000 if item in ("devices", "geofences") else 12))
        interval = {"from": start, "count": count}
        if data.draw(st.booleans(), label="disabled?"):
            interval["disabled"] = data.draw(st.integers(0, count))
        if data.draw(st.booleans(), label="ends?"):
            hours = data.draw(st.integers(1, 24 * 60))
            end = dt.datetime.strptime(start, "%Y-%m-%dT%H:%M:%SZ") + dt.timedelta(hours=hours)
            interval["to"] = iso(end)
        self._usage(item, "intervals", interval)
        if data.draw(st.booleans(), label="also requested?"):
            self.account.setdefault("requests", []).append(
                {"on": start, "create": item, "count": max(count, 1)})

    @rule(data=st.data())
    def change_plan(self, data):
        if self.name == "soracom-air":
            self._subscriber_event(data)
            return
        event = {"on": data.draw(instants_in(self.period), label="on"),
                 "change_plan": data.draw(st.sampled_from(self.catalog.plan_names), label="to")}
        role = data.draw(st.sampled_from(ROLES), label="by")
        if role is not None:
            event["by"] = role
        if data.draw(st.booleans(), label="commitment?"):
            event["commitment"] = data.draw(st.sampled_from(["1 month", "3 months", "6 months",
                                                             "1 year"]))
        if data.draw(st.booleans(), label="deposit?"):
            event["deposit"] = data.draw(st.sampled_from([0, 100, 200, 500]))
        self._event(event)

    @rule(data=st.data())
    def account_event(self, data):
        """A dated event of the account: its status, or what the catalog has (payments, caps,
        policies, uptime, coupons)."""
        kinds = {"flespi": ["status", "pay", "uptime"], "soracom-flux": ["status", "cap"],
                 "coediting": ["status", "policy"], "edge-device": ["status"],
                 "soracom-air": ["status", "coupon"]}[self.name]
        kind = data.draw(st.sampled_from(kinds), label="event")
        if kind == "pay" and len(self.months) == 1:
            kind = "status"
        getattr(self, "change_status" if kind == "status" else kind)(data)

    def change_status(self, data):
        if self.name == "soracom-air":
            self._subscriber_event(data)
            return
        self._event({"on": data.draw(instants_in(self.period), label="on"),
                     "status": data.draw(st.sampled_from(["active", "suspended"]))})

    def pay(self, data):
        paid = data.draw(st.sampled_from(self.months[:-1]), label="pays")
        self._event({"on": data.draw(instants_in(self.period), label="on"), "pay": str(paid)})

    def cap(self, data):
        caps = data.draw(st.dictionaries(st.sampled_from(["events", "credits"]),
                                         st.integers(0, 200_000), min_size=1), label="caps")
        self._event({"on": data.draw(instants_in(self.period), label="on"), "cap": caps})

    def policy(self, data):
        self._event({"on": data.draw(instants_in(self.period), label="on"),
                     "policy": data.draw(st.sampled_from(
                         ["auto_upgrade", "manual_upgrade", "wait_for_reset"]))})

    def uptime(self, data):
        value = data.draw(st.decimals(98, 100, places=2), label="uptime")
        self.account.setdefault("uptime", {})[str(self.period)] = f"{value}%"
        self.bills = None

    def coupon(self, data):
        self._event({"on": data.draw(instants_in(self.period), label="on"),
                     "coupon": str(data.draw(st.decimals(0, 5, places=2), label="coupon"))})

    def add_subscriber(self, data):
        if len(self.account["subscribers"]) >= 4:
            self._subscriber_event(data)
            return
        index = len(self.account["subscribers"])
        if data.draw(st.integers(0, 3), label="vpg?") == 0:
            sub = {"vpg": f"vpg-{index:04d}"}
        else:
            sub = {"imsi": f"29505091000{index:04d}",
                   "status": data.draw(st.sampled_from(
                       ["ready", "active", "inactive", "suspended", "standby"]), label="status")}
            if sub["status"] in ("suspended", "standby") and data.draw(st.booleans()):
                sub["status_since"] = data.draw(st.dates(dt.date(2024, 6, 1),
                                                         dt.date(2025, 12, 31))).isoformat()
            options = data.draw(st.lists(st.sampled_from(["customDNS", "harvest"]),
                                         unique=True), label="options")
            if options:
                sub["options"] = options
            if data.draw(st.booleans(), label="Japan?"):
                sub["coverage"] = "Japan"
        self.account["subscribers"].append(sub)
        self.bills = None

    def _subscriber_usage(self, data, on: str) -> None:
        subs = self.account["subscribers"]
        if not subs:
            return
        sub = data.draw(st.sampled_from(subs), label="subscriber")
        if "vpg" in sub:
            self._usage("vpg_hours", "events",
                        {"on": on, "amount": data.draw(st.integers(0, 24))}, sub)
            return
        item = data.draw(st.sampled_from(["data", "sms_delivered", "sms_submitted",
                                          "harvest_requests"]), label="item")
        if item == "data":
            amount = data.draw(st.one_of(st.integers(0, 300_000_000).map(lambda b: f"{b} bytes"),
                                         st.integers(0, 400).map(lambda m: f"{m} MB")))
            labels = {"country": data.draw(st.sampled_from(["jp", "us"])),
                      "plan": data.draw(st.sampled_from(["plan01s", "planD"]))}
            self._usage("data", "events", {"on": on, "amount": amount, "labels": labels}, sub)
        else:
            self._usage(item, "events", {"on": on, "amount": data.draw(st.integers(0, 5000))}, sub)

    def _subscriber_event(self, data) -> None:
        subs = [s for s in self.account["subscribers"] if "imsi" in s]
        if not subs:
            return
        sub = data.draw(st.sampled_from(subs), label="subscriber")
        on = data.draw(instants_in(self.period), label="on")
        what = data.draw(st.sampled_from(["status", "enable", "disable"]))
        value = data.draw(st.sampled_from(
            ["ready", "active", "inactive", "suspended", "standby"] if what == "status"
            else ["customDNS", "harvest"]))
        sub.setdefault("timeline", []).append({"on": on, what: value})
        self.bills = None

    # ---- billing and the checks ----

    def billed(self):
        if self.bills is None:
            note(f"catalog {self.name}; periods {[str(p) for p in self.months]}")
            note("account: " + json.dumps(self.account, sort_keys=True))
            self.bills = bill_all(self.catalog, self.account, self.months)
        return self.bills

    @invariant()
    def check(self):
        if not hasattr(self, "catalog"):
            return
        bills = self.billed()
        assert [b.period for b in bills] == [str(p) for p in self.months]
        for name in self.CHECKS:
            getattr(self, f"check_{name}")(bills)

    def check_totals(self, bills):
        for bill in bills:
            assert bill.total == sum((line.amount for line in bill.lines), Decimal(0)), (
                bill.period, bill.total, [line.amount for line in bill.lines])

    def check_signs(self, bills):
        for bill in bills:
            for line in bill.lines:
                if line.amount < 0:
                    assert line.kind in ("refund", "discount"), (
                        f"{bill.period}: negative {line.kind} line {line.item!r} "
                        f"({line.plan}) {line.amount} by {line.rule}")
                if line.kind in ("refund", "discount"):
                    assert line.amount <= 0, (bill.period, line)

    def check_suspended(self, bills):
        if not self.catalog.suspended_not_billed:
            return
        for bill in bills:
            period = Period.parse(bill.period)
            suspended = status_at_end(self.account, period) == "suspended"
            not_billed = [d for d in bill.decisions if d.kind == "not-billed"]
            if suspended:
                assert bill.lines == () and bill.total == 0, (bill.period, bill.lines)
                assert len(not_billed) == 1, (bill.period, bill.decisions)
                assert bill.messages == (), (bill.period, bill.messages)
                assert not [d for d in bill.decisions if d.kind in ("tier-change", "add-on")], (
                    bill.period, bill.decisions)
            else:
                assert not not_billed, (bill.period, bill.decisions)

    def _cited(self, bills):
        """(label, rule) of every line, decision and billing message."""
        for bill in bills:
            for what, entries in (("line", bill.lines), ("decision", bill.decisions),
                                  ("message", bill.messages)):
                for entry in entries:
                    about = entry.item if what == "line" else (
                        f"{entry.subject} ({', '.join(r.code for r in entry.reasons)})")
                    yield f"{bill.period} {what} {entry.kind} {about}", entry.rule

    def check_rules_named(self, bills):
        missing = [label for label, cited in self._cited(bills) if cited is None]
        assert not missing, "no rule named by:\n" + "\n".join(missing)

    def check_rules_exist(self, bills):
        problems = []
        for label, cited in self._cited(bills):
            if cited is None:
                continue  # check_rules_named reports these
            if Path(cited.file).resolve() != Path(self.catalog.path).resolve():
                problems.append(f"{label}: rule in another file {cited.file}")
                continue
            lines = catalog_lines(cited.file)
            if not 1 <= cited.line <= len(lines):
                problems.append(f"{label}: {cited} is not a line of the file")
                continue
            text = lines[cited.line - 1].strip()
            if not text or text.startswith("#"):
                problems.append(f"{label}: {cited} is blank or a comment: {text!r}")
        assert not problems, "\n".join(problems)

    def check_determinism(self, bills):
        again = bill_all(self.catalog, self.account, self.months)
        assert canonical(bills) == canonical(again)

    def check_next_month(self, bills):
        """A change request to the plan below the one the last period ends on (a next-month change
        in flespi, coediting and soracom-flux, or a refused one) made in the last period, at its
        very end and in its middle, must leave the last period's lines, total and plan as they
        were. (In the middle of the month the same request may be an immediate change, if the
        account was on a lower plan then: such runs are skipped.)"""
        if self.catalog.records:
            return  # no plans
        last = bills[-1]
        names = list(self.catalog.plan_names)
        index = names.index(last.plan)
        target = names[index - 1] if index > 0 else last.plan
        period = self.period
        for moment in (dt.datetime(period.year, period.month, period.days, 23, 59, 59),
                       dt.datetime(period.year, period.month, 15, 12, 0, 0)):
            event = {"on": iso(moment), "change_plan": target}
            if self.name in NEXT_MONTH_ROLE:
                event["by"] = NEXT_MONTH_ROLE[self.name]
            data = json.loads(json.dumps(self.account))
            data.setdefault("timeline", []).append(event)
            note(f"trailing change: {event}")
            with_change = bill_all(self.catalog, data, self.months)[-1]
            asked = [d for d in with_change.decisions if d.kind == "plan-change"
                     and d.date == moment.date() and d.subject == target
                     and d not in last.decisions]
            outcome = asked[-1].outcome if asked else "none"
            event_label = f"trailing change on day {moment.day} of {self.name}: {outcome}"
            hypothesis_event(event_label)
            if asked and outcome == "allowed" and asked[-1].effective != period.next().first_day:
                # In the middle of the month the account may still be on a lower plan than at
                # its end, and the request is then an immediate upgrade: not the case checked.
                assert moment.day == 15, asked[-1]
                continue
            assert planlang.to_data(last)["lines"] == planlang.to_data(with_change)["lines"], (
                f"{event} altered the lines of {last.period}", last.lines, with_change.lines)
            assert last.total == with_change.total, (event, last.total, with_change.total)
            assert last.plan == with_change.plan, (event, last.plan, with_change.plan)


def _case(name: str, checks: tuple[str, ...]):
    machine = type(f"{name}Machine", (Histories,), {"CHECKS": checks})
    machine.TestCase.settings = settings(
        max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None,
        report_multiple_bugs=False,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    return machine.TestCase


TestTotals = _case("Totals", ("totals",))
TestSigns = _case("Signs", ("signs",))
TestSuspended = _case("Suspended", ("suspended",))
TestRulesNamed = _case("RulesNamed", ("rules_named",))
TestRuleLinesExist = _case("RuleLinesExist", ("rules_exist",))
TestDeterminism = _case("Determinism", ("determinism",))
TestNextMonthChange = _case("NextMonthChange", ("next_month",))
