"""Differential tests: planlang against independent reference billers (tests/reference/).

The references are written from the seeds, PRODUCT.md, the docs and the price sheets alone, share
no code with planlang, and hard-code the price tables of the catalogs: the five reference systems,
and GitHub's (seats, a pool of minutes, storage), the SMS API's (graduated bands, numbers leased by
the month) and the team chat's (seats refunded by the day, a coupon). Hypothesis draws random
accounts as plain data (what an account file holds); both billers bill them, and every total, every
line amount (every record, for soracom-air, and its detailed billing CSV), the plan and the next
plan, and (coediting, soracom-flux) every notification, refusal, plan change and create decision
must agree exactly. bench/README.md ("The reference billers' long run") says what each draws.

The number of accounts per property is PLANLANG_DIFF_EXAMPLES (default 250); the long run:

    PLANLANG_DIFF_EXAMPLES=5000 python3 dev.py test -q tests/test_differential.py \
        -k "agrees_with_reference and not band" --hypothesis-show-statistics
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import io
import json
import os
import tempfile
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from conftest import plain, record_draw
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from reference import coediting as ref_coediting
from reference import edge_device as ref_edge
from reference import flespi as ref_flespi
from reference import github_actions as ref_github
from reference import sms_api as ref_sms
from reference import soracom_air as ref_air
from reference import soracom_flux as ref_flux
from reference import team_chat as ref_chat
from reference.common import instant

import planlang
from planlang.drivers import cli
from planlang.drivers.batch import bill_one
from planlang.engine import evaluate_periods
from planlang.engine.billing import compiled_runner
from planlang.inputs.account import Account
from planlang.inputs.convert import converter

REPO = Path(__file__).resolve().parents[1]
FLESPI = planlang.load_catalog(str(REPO / "catalogs" / "flespi.plan"))
EDGE = planlang.load_catalog(str(REPO / "catalogs" / "edge-device.plan"))
COEDITING = planlang.load_catalog(str(REPO / "catalogs" / "coediting.plan"))
FLUX = planlang.load_catalog(str(REPO / "catalogs" / "soracom-flux.plan"))
AIR = planlang.load_catalog(str(REPO / "catalogs" / "soracom-air.plan"))
GITHUB = planlang.load_catalog(str(REPO / "catalogs" / "github-actions.plan"))
SMS = planlang.load_catalog(str(REPO / "catalogs" / "sms-api.plan"))
CHAT = planlang.load_catalog(str(REPO / "catalogs" / "team-chat.plan"))

EXAMPLES = int(os.environ.get("PLANLANG_DIFF_EXAMPLES", "250"))
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


# ---- helpers ------------------------------------------------------------------------------------


def month_start(period: str) -> tuple[dt.datetime, int]:
    year, month = (int(part) for part in period.split("-"))
    return dt.datetime(year, month, 1, tzinfo=dt.timezone.utc), calendar.monthrange(year, month)[1]


def consecutive(first: str, count: int) -> list[str]:
    year, month = (int(part) for part in first.split("-"))
    out = []
    for _ in range(count):
        out.append(f"{year}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def planlang_bills(catalog, data: dict, periods: list[str]) -> list[dict]:
    """planlang's bills of the account, as data: the explained bills (the interpreter), which the
    batch's (`bill_one` without the steps: the compiled path for the accounts it covers) must
    equal, less the steps."""
    try:
        account = converter.structure(data, Account)
        bills = evaluate_periods(catalog, account, periods)
    except Exception:  # a refused account fails the test: the generators draw valid ones only
        record_draw(f"test_differential {catalog.name}", valid=False)
        raise
    assert [plain(bill) for bill in bill_one(catalog, data, periods, explain=False)] == [
        plain(bill) for bill in bills], f"the batch bills {data!r} otherwise"
    # counted for the run's summary: how many accounts the batch billed on the compiled path
    outcomes = compiled_runner(catalog, tuple(periods))(data)
    record_draw(f"test_differential {catalog.name}", valid=True,
                compiled=all(outcome.compiled for outcome in outcomes))
    return [planlang.to_data(bill) for bill in bills]


def lines_of(bill: dict) -> list[tuple[str, str]]:
    return sorted((line["item"], str(line["amount"])) for line in bill["lines"])


def day(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def decisions_of(bill: dict, kinds: set[str]) -> list[tuple]:
    """planlang's decisions of these kinds as the reference writes them: (kind, subject, day,
    outcome, reason codes, effective day, detail): the detail is the amount refused (a
    quota-refusal) or the lowest plan that would allow it (a create decision)."""
    out = []
    for decision in bill["decisions"]:
        if decision["kind"] not in kinds:
            continue
        refused = decision["lowest_plan"]
        if decision["kind"] == "quota-refusal":  # "300 sessions refused: ..."
            refused = Fraction(Decimal(decision["reasons"][0]["message"].split()[0]
                                       .replace(",", "")))
        effective = decision["effective"]
        out.append((decision["kind"], decision["subject"], day(decision["date"]),
                     decision["outcome"], "+".join(r["code"] for r in decision["reasons"]),
                     None if effective is None else day(effective), refused))
    return out


def compare(data: dict, ours: list[dict], theirs: list[dict], *, plans: bool,
            record: bool = True, decisions: set[str] = frozenset()) -> None:
    assert [b["period"] for b in theirs] == [b["period"] for b in ours]
    for mine, bill in zip(ours, theirs, strict=True):
        if record:  # shown by --hypothesis-show-statistics
            for item, _ in mine["lines"]:
                event(f"line: {item}")
            if mine["next_plan"] != mine["plan"]:
                event("tier change")
            if not mine.get("billed", True):
                event("not billed")
        where = f"{bill['period']} of {data!r}"
        assert lines_of(bill) == sorted(mine["lines"]), (
            f"lines differ in {where}:\n planlang  {lines_of(bill)}\n reference {mine['lines']}")
        assert Decimal(str(bill["total"])) == Decimal(mine["total"]), (
            f"total differs in {where}: planlang {bill['total']}, reference {mine['total']}")
        if plans:
            assert bill["next_plan"] == mine["next_plan"], (
                f"next plan differs in {where}: planlang {bill['next_plan']}, "
                f"reference {mine['next_plan']}")
            if mine.get("billed", True):
                assert bill["plan"] == mine["plan"], (
                    f"plan differs in {where}: planlang {bill['plan']}, reference {mine['plan']}")
        if decisions:
            if record:
                for decision in mine["decisions"]:
                    event(f"decision: {decision[0]} {decision[4]}")
            theirs_decided = decisions_of(bill, decisions)
            assert sorted(theirs_decided, key=repr) == sorted(mine["decisions"], key=repr), (
                f"decisions differ in {where}:\n planlang  {theirs_decided}\n"
                f" reference {mine['decisions']}")


# ---- instants and periods -----------------------------------------------------------------------


@st.composite
def periods(draw) -> str:
    return f"{draw(st.integers(2024, 2027))}-{draw(st.integers(1, 12)):02d}"


def written(at: dt.datetime, offset_hours: int, date_only: bool) -> str:
    """An instant as an account file writes it: a day, `…Z`, or local time with an offset."""
    if date_only and at.hour == at.minute == 0:
        return at.date().isoformat()
    if offset_hours == 0:
        return at.strftime("%Y-%m-%dT%H:%M:%SZ")
    zone = dt.timezone(dt.timedelta(hours=offset_hours))
    return at.astimezone(zone).isoformat()


@st.composite
def instants(draw, start: dt.datetime, days: int, before: int = 3, after: int = 2,
             midnight_bias: bool = True) -> dt.datetime:
    """An instant near the month (`before` days before it to `after` days after), on the minute;
    often at midnight or on the hour, so that boundaries come up."""
    day = draw(st.integers(-before, days - 1 + after))
    kind = draw(st.sampled_from(["midnight", "hour", "minute"] if midnight_bias else ["minute"]))
    if kind == "midnight":
        minute = 0
    elif kind == "hour":
        minute = 60 * draw(st.integers(0, 23))
    else:
        minute = draw(st.integers(0, 1439))
    return start + dt.timedelta(days=day, minutes=minute)


@st.composite
def instant_texts(draw, start, days, **kwargs) -> str:
    at = draw(instants(start, days, **kwargs))
    return written(at, draw(st.sampled_from([0, 0, 0, 2, -5, 9])), draw(st.booleans()))


# ---- flespi accounts ------------------------------------------------------------------------------

COUNT_SCALES = {"channels": 12, "streams": 12, "plugins": 8, "devices": 2500,
                "geofences": 2500, "calculator_devices": 2500}


@st.composite
def count_data(draw, start, days, scale) -> dict:
    intervals = []
    if draw(st.booleans()):  # elements that existed before the month and still exist
        intervals.append({"from": (start - dt.timedelta(days=draw(st.integers(1, 60))))
                          .date().isoformat(), "count": draw(st.integers(scale // 3, scale))})
    for _ in range(draw(st.integers(0, 4))):
        begin = draw(instants(start, days, before=40, after=3))
        count = draw(st.integers(0, scale))
        interval = {"from": written(begin, draw(st.sampled_from([0, 0, 3])), draw(st.booleans())),
                    "count": count, "disabled": draw(st.integers(0, count))}
        if draw(st.booleans()):
            span = draw(st.sampled_from(["minutes", "hours", "days"]))
            length = {"minutes": dt.timedelta(minutes=draw(st.integers(1, 1440))),
                      "hours": dt.timedelta(hours=draw(st.integers(1, 72))),
                      "days": dt.timedelta(days=draw(st.integers(1, 45)))}[span]
            interval["to"] = written(begin + length, 0, draw(st.booleans()))
        intervals.append(interval)
    data = {"intervals": intervals}
    if draw(st.integers(0, 4)) == 0:
        daily = {}
        for _ in range(draw(st.integers(1, 3))):
            day = (start + dt.timedelta(days=draw(st.integers(0, days - 1)))).date().isoformat()
            count = draw(st.integers(0, 2 * scale))
            daily[day] = draw(st.sampled_from([
                count, str(Decimal(count) / 4),  # a day's average may be fractional
                {"count": count, "disabled": draw(st.integers(0, count))}]))
        data["daily"] = daily
    return data


@st.composite
def megabytes(draw) -> str:
    value = draw(st.integers(0, 600_000))  # tenths of a MB
    if draw(st.booleans()):
        return f"{value // 10} MB"
    if draw(st.booleans()):
        return f"{Decimal(value) / 10} MB"
    return f"{Decimal(value) / 10_000} GB"


@st.composite
def storage_data(draw, start, days) -> dict:
    data = {}
    if draw(st.booleans()):
        if draw(st.booleans()):  # a few days
            chosen = draw(st.sets(st.integers(0, days - 1), max_size=days))
        else:  # every day but a few, around the included 1 GB
            chosen = set(range(days)) - draw(st.sets(st.integers(0, days - 1), max_size=4))
        low = draw(st.sampled_from([0, 500, 900, 2000]))
        data["daily"] = {
            (start + dt.timedelta(days=day)).date().isoformat():
                draw(st.one_of(megabytes(), st.integers(low, low + 1500).map(lambda v: f"{v} MB")))
            for day in sorted(chosen)}
    if draw(st.booleans()):
        data["snapshots"] = {
            written(at, 0, False): draw(megabytes())
            for at in draw(st.sets(instants(start, days, before=1, after=1), max_size=12))}
    return data


@st.composite
def usage_events(draw, start, days, amounts) -> dict:
    data = {"events": [{"on": draw(instant_texts(start, days)), "amount": draw(amounts)}
                       for _ in range(draw(st.integers(0, 6)))]}
    if draw(st.integers(0, 5)) == 0:
        data["daily"] = {(start + dt.timedelta(days=draw(st.integers(0, days - 1)))).date()
                         .isoformat(): draw(amounts)}
    return data


SLA_PLANS = ["Enterprise", "Ultimate"]  # drawn twice as often: their refunds have bands
HOURS = st.integers(0, 24).map(lambda halves: f"{Decimal(halves) / 2} hours")
BAND_EDGES = st.sampled_from(["99.90", "99.89", "99.88", "99.02", "99.01", "99.00", "98.99"])
UPTIMES = st.one_of(
    BAND_EDGES, BAND_EDGES, st.sampled_from(["100", "99.9", "99.0", "99", "0", "50.5"]),
    st.integers(9_700, 10_000).map(lambda hundredths: str(Decimal(hundredths) / 100)),
).flatmap(lambda text: st.sampled_from([text, text + "%"]))


@st.composite
def flespi_accounts(draw) -> tuple[dict, list[str]]:
    months = consecutive(draw(periods()), draw(st.sampled_from([1, 1, 2, 3])))
    start, _ = month_start(months[0])
    days = sum(month_start(period)[1] for period in months)  # the data spans every month billed
    usage = {}
    for item, scale in COUNT_SCALES.items():
        if draw(st.booleans()):
            usage[item] = draw(count_data(start, days, scale))
    if draw(st.booleans()):
        usage["storage"] = draw(storage_data(start, days))
    if draw(st.booleans()):
        usage["sms"] = draw(usage_events(start, days, st.integers(0, 40)))
    if draw(st.booleans()):
        usage["custom_engineering"] = draw(usage_events(start, days, HOURS))
    data = {"account": "diff", "plan": draw(st.sampled_from(ref_flespi.PLANS + SLA_PLANS)), "usage": usage}
    if draw(st.integers(0, 3)):
        data["uptime"] = {period: draw(UPTIMES) for period in
                          draw(st.lists(st.sampled_from([*months, "2023-05"]), min_size=1,
                                        unique=True))}
    return data, months


@SETTINGS
@given(flespi_accounts())
def test_flespi_agrees_with_reference(case):
    data, months = case
    compare(data, ref_flespi.bill_periods(data, months), planlang_bills(FLESPI, data, months),
            plans=True)


@pytest.mark.parametrize("plan", ref_flespi.PLANS)
@pytest.mark.parametrize("uptime", ["100", "99.90", "99.89", "99.88", "99.02", "99.01", "99.00",
                                    "98.99", "0"])
def test_flespi_sla_band_edges_agree_with_reference(plan, uptime):
    """Every plan at every edge of the refund bands (drawn at random only now and then)."""
    data = {"account": "diff", "plan": plan, "uptime": {"2026-11": uptime + "%"}}
    compare(data, ref_flespi.bill_periods(data, ["2026-11"]),
            planlang_bills(FLESPI, data, ["2026-11"]), plans=True, record=False)


# ---- edge-device accounts -------------------------------------------------------------------------


def gigabytes_written(tenths: int, as_bytes: bool) -> str:
    return f"{tenths * 10**8} bytes" if as_bytes else f"{Decimal(tenths) / 10} GB"


@st.composite
def edge_accounts(draw) -> tuple[dict, list[str]]:
    ladder = draw(st.sampled_from(sorted(ref_edge.LADDERS)))
    tiers = [name for name, _, _ in ref_edge.LADDERS[ladder]]
    top_limit = ref_edge.LADDERS[ladder][-1][1]
    months = consecutive(draw(periods()), draw(st.integers(2, 12)))
    events, daily, timeline = [], {}, []
    for period in months:
        start, days = month_start(period)
        # one decimal GB, up to a little beyond the top tier's limit plus some add-ons
        tenths = draw(st.one_of(st.integers(0, 10 * (top_limit * 2 + 5)),
                                st.sampled_from([10 * limit + d for _, limit, _ in
                                                 ref_edge.LADDERS[ladder] for d in (-1, 0, 1)])))
        parts = draw(st.integers(0, 3))
        if parts == 0 and tenths:
            day = start + dt.timedelta(days=draw(st.integers(0, days - 1)))
            daily[day.date().isoformat()] = gigabytes_written(tenths, draw(st.booleans()))
        elif parts:
            cuts = sorted(draw(st.lists(st.integers(0, tenths), min_size=parts - 1,
                                        max_size=parts - 1)))
            for low, high in zip([0, *cuts], [*cuts, tenths], strict=True):
                events.append({"on": draw(instant_texts(start, days, before=0, after=0)),
                               "amount": gigabytes_written(high - low, draw(st.booleans()))})
        if draw(st.integers(0, 5)) == 0:  # a day's total replaces that day's events
            day = start + dt.timedelta(days=draw(st.integers(0, days - 1)))
            daily[day.date().isoformat()] = gigabytes_written(draw(st.integers(0, 150)), False)
        if draw(st.integers(0, 3)) == 0:
            at = draw(instants(start, days, before=0, after=0))
            timeline.append({"on": written(at, 0, True),
                             "status": draw(st.sampled_from(["suspended", "active"]))})
    data = {"account": "diff-edge", "plan": draw(st.sampled_from(tiers)),
            "usage": {"data": {"events": events, "daily": daily}}, "timeline": timeline}
    if draw(st.integers(0, 5)) == 0:
        data["status"] = "suspended"
    return data, months


@SETTINGS
@given(edge_accounts())
def test_edge_device_agrees_with_reference(case):
    data, months = case
    compare(data, ref_edge.bill_periods(data, months), planlang_bills(EDGE, data, months),
            plans=True)


def test_not_billed_month_total_is_written_in_cents():
    """A month that is not billed has a total of 0.00, written like every other amount with the
    currency's two decimals (the table shows $0.00; the JSON must not say "0")."""
    data = {"account": "diff-edge", "plan": "Cellular-Small", "status": "suspended"}
    (bill,) = planlang_bills(EDGE, data, ["2026-01"])
    (mine,) = ref_edge.bill_periods(data, ["2026-01"])
    assert mine["total"] == "0.00"
    assert bill["lines"] == []
    assert str(bill["total"]) == "0.00"


# ---- co-editing accounts --------------------------------------------------------------------------


@st.composite
def session_amounts(draw, quota: int) -> int:
    """Sessions in one event: often a whole number of half-percents of a quota (so that the
    notification thresholds, the quota and its slack are reached exactly), else any number."""
    if draw(st.booleans()):
        return quota * draw(st.integers(0, 110)) // 200
    return draw(st.integers(0, quota // 2))


@st.composite
def coediting_accounts(draw) -> tuple[dict, list[str]]:
    months = consecutive(draw(periods()), draw(st.sampled_from([1, 1, 2, 3])))
    plan = draw(st.sampled_from(ref_coediting.PLANS))
    quotas = [quota for _, quota, _ in ref_coediting.TIERS]
    events, timeline = [], []
    for period in months:
        start, days = month_start(period)
        quota = quotas[min(ref_coediting.PLANS.index(plan) + draw(st.integers(0, 1)),
                           len(quotas) - 1)]
        for _ in range(draw(st.integers(0, 6))):
            events.append({"on": draw(instant_texts(start, days, before=1, after=1)),
                           "amount": draw(session_amounts(quota))})
        for _ in range(draw(st.sampled_from([0, 0, 1, 2]))):
            at = written(draw(instants(start, days, before=0, after=0)), 0, draw(st.booleans()))
            if draw(st.integers(0, 3)):
                timeline.append({"on": at,
                                 "change_plan": draw(st.sampled_from(ref_coediting.PLANS)),
                                 "by": draw(st.sampled_from(["admin", "admin", "admin", "member"]))})
            else:
                timeline.append({"on": at, "policy": draw(st.sampled_from(ref_coediting.POLICIES))})
    sessions: dict = {"events": events}
    if draw(st.integers(0, 4)) == 0:  # a day's figure replaces the day's events
        start, days = month_start(months[0])
        sessions["daily"] = {
            (start + dt.timedelta(days=day)).date().isoformat(): draw(session_amounts(quotas[0]))
            for day in draw(st.sets(st.integers(0, days - 1), min_size=1, max_size=3))}
    data = {"account": "diff-coediting", "plan": plan, "usage": {"sessions": sessions},
            "timeline": timeline}
    policy = draw(st.sampled_from([None, *ref_coediting.POLICIES, "auto_upgrade"]))
    if policy is not None:
        data["policy"] = policy
    return data, months


@SETTINGS
@given(coediting_accounts())
def test_coediting_agrees_with_reference(case):
    data, months = case
    compare(data, ref_coediting.bill_periods(data, months),
            planlang_bills(COEDITING, data, months), plans=True,
            decisions={"notification", "quota-refusal", "plan-change"})


# ---- Soracom Flux accounts ------------------------------------------------------------------------


@st.composite
def element_intervals(draw, start, days, scale) -> dict:
    """Apps or timers over the months: a few intervals, some before the first month."""
    intervals = []
    for _ in range(draw(st.integers(0, 3))):
        begin = draw(instants(start, days, before=40, after=0))
        count = draw(st.integers(0, scale))
        interval = {"from": written(begin, draw(st.sampled_from([0, 0, 9])), draw(st.booleans())),
                    "count": count}
        if draw(st.booleans()):
            interval["disabled"] = draw(st.integers(0, count))
        if draw(st.booleans()):
            interval["to"] = written(begin + dt.timedelta(hours=draw(st.integers(1, 24 * 40))), 0,
                                     draw(st.booleans()))
        intervals.append(interval)
    return {"intervals": intervals}


@st.composite
def flux_amounts(draw, bundle: int) -> int:
    """Usage in one event: often a whole number of fifths of a bundle or limit, else any."""
    if draw(st.booleans()):
        return bundle * draw(st.integers(0, 8)) // 5
    return draw(st.integers(0, bundle))


@st.composite
def flux_accounts(draw) -> tuple[dict, list[str]]:
    months = consecutive(draw(periods()), draw(st.sampled_from([1, 1, 2, 3])))
    start, _ = month_start(months[0])
    days = sum(month_start(period)[1] for period in months)
    plan = draw(st.sampled_from(ref_flux.ORDER + ["Developer", "Standard"]))
    scale = draw(st.sampled_from(ref_flux.ORDER))  # usage around which plan's bundles
    _, apps, events, credits, notifications = ref_flux.PLANS[scale]
    bundles = {"events": events, "credits": credits, "notifications": notifications}
    usage: dict = {"apps": draw(element_intervals(start, days, draw(st.sampled_from([3, 6, apps]))))}
    if draw(st.booleans()):
        usage["timers"] = draw(element_intervals(start, days, 3))
    for item, bundle in bundles.items():
        if draw(st.integers(0, 3)):
            usage[item] = {"events": [
                {"on": draw(instant_texts(start, days, before=1, after=1)),
                 "amount": draw(flux_amounts(bundle))} for _ in range(draw(st.integers(0, 6)))]}
            if draw(st.integers(0, 4)) == 0:  # a day's figure replaces the day's events
                usage[item]["daily"] = {
                    (start + dt.timedelta(days=day)).date().isoformat(): draw(flux_amounts(bundle))
                    for day in draw(st.sets(st.integers(0, days - 1), min_size=1, max_size=3))}
    # the instants elements appear and go, inside the months: a change or a request made then
    edges = [edge for item in ("apps", "timers") for interval in usage.get(item, {}).get(
        "intervals", ()) for edge in (interval["from"], interval.get("to")) if edge is not None
        and months[0] <= instant(edge).strftime("%Y-%m") <= months[-1]]

    def moment(month, month_days):
        if edges and draw(st.integers(0, 2)) == 0:
            return draw(st.sampled_from(edges))
        return written(draw(instants(month, month_days, before=0, after=0)), 0,
                       draw(st.booleans()))

    timeline, requests = [], []
    for period in months:
        month, month_days = month_start(period)
        for _ in range(draw(st.sampled_from([0, 1, 1, 2]))):
            at = moment(month, month_days)
            if draw(st.integers(0, 3)):
                timeline.append({"on": at, "change_plan": draw(st.sampled_from(
                                     ["Developer", "Standard", "Developer", "Standard",
                                      "Enterprise"])),
                                 "by": draw(st.sampled_from(["root", "root", "root", "sam"]))})
            else:
                timeline.append({"on": at, "cap": {item: draw(flux_amounts(bundles[item]))
                                                   for item in draw(st.sets(
                                                       st.sampled_from(ref_flux.CAPPED),
                                                       min_size=1))}})
        for _ in range(draw(st.integers(0, 2))):
            item = draw(st.sampled_from(["apps", "apps", "timers"]))
            requests.append({"on": moment(month, month_days),
                             "create": item, "count": draw(st.integers(1, apps))})
    data = {"account": "diff-flux", "plan": plan, "usage": usage, "timeline": timeline,
            "requests": requests}
    if draw(st.booleans()):
        data["caps"] = {item: draw(flux_amounts(bundles[item]))
                        for item in draw(st.sets(st.sampled_from(ref_flux.CAPPED), min_size=1))}
    return data, months


@SETTINGS
@given(flux_accounts())
def test_soracom_flux_agrees_with_reference(case):
    data, months = case
    compare(data, ref_flux.bill_periods(data, months), planlang_bills(FLUX, data, months),
            plans=True, decisions={"quota-refusal", "plan-change", "create"})


# ---- Soracom Air accounts -------------------------------------------------------------------------


def records_of(bill: dict) -> list[tuple]:
    """planlang's records as the reference writes them: (date, item, subject, quantity, amount)."""
    return sorted(((line["date"], line["item"], line["subject"],
                    Fraction(Decimal(str(line["quantity"]))), str(line["amount"]))
                   for line in bill["lines"]), key=repr)


def compare_records(data: dict, ours: list[dict], theirs: list[dict], record: bool = True) -> None:
    assert [b["period"] for b in theirs] == [b["period"] for b in ours]
    for mine, bill in zip(ours, theirs, strict=True):
        for item in sorted({line[1].split("-")[0] for line in mine["lines"]} if record else ()):
            event(f"record: {item}")
        where = f"{bill['period']} of {data!r}"
        theirs_records, mine_records = records_of(bill), sorted(mine["lines"], key=repr)
        missing = [r for r in mine_records if r not in theirs_records]
        extra = [r for r in theirs_records if r not in mine_records]
        assert not missing and not extra, (
            f"records differ in {where}:\n only planlang  {extra}\n only reference {missing}")
        assert Decimal(str(bill["total"])) == Decimal(mine["total"]), (
            f"total differs in {where}: planlang {bill['total']}, reference {mine['total']}")


LABELS = st.fixed_dictionaries({"country": st.sampled_from(["jp", "us"]),
                                "plan": st.sampled_from(["plan01s", "planX1"])})
DATA_AMOUNTS = st.one_of(
    st.integers(0, 150_000_000).map(lambda n: f"{n} bytes"),
    st.integers(0, 30_000).map(lambda n: f"{Decimal(n) / 100} MB"),
    st.sampled_from(["1 bytes", "1024 bytes", "1025 bytes", "100 MB", "99.999999 MB"]),
)
BIG_DATA = st.one_of(  # toward the account's 1 TB a month, and at it
    st.integers(200_000, 700_000).map(lambda n: f"{n:,} MB"),
    st.sampled_from(["1 TB", "1,000,000 MB", "999,999.999999 MB", "1000000001024 bytes"]))


# names, tag values and group names: commas and double quotes are quoted, formula-like text
# is written after an apostrophe, a number is not
CSV_TEXTS = st.sampled_from(["MySIM", "a,b", 'say "hi"', "=SUM(A1)", "-5", "@x", "+1", "ä ü", ""])


@st.composite
def air_usage(draw, start, days, amounts) -> dict:
    """Events, days' figures (which replace the day's events), or both."""
    usage = {}
    kinds = draw(st.sampled_from([["events"], ["daily"], ["events", "daily"]]))
    if "events" in kinds:
        usage["events"] = [{"on": draw(instant_texts(start, days, before=1, after=1)),
                            "amount": draw(amounts)} for _ in range(draw(st.integers(1, 4)))]
    if "daily" in kinds:
        usage["daily"] = {(start + dt.timedelta(days=day)).date().isoformat(): draw(amounts)
                          for day in draw(st.sets(st.integers(0, days - 1), min_size=1,
                                                  max_size=4))}
    return usage


@st.composite
def air_subscriber(draw, index: int, start, days, big: bool) -> dict:
    if draw(st.integers(0, 6)) == 0:
        hours = st.one_of(st.integers(0, 24), st.integers(0, 48).map(lambda h: f"{Decimal(h) / 2} hours"))
        return {"vpg": f"vpg-{index:04d}", "usage": {"vpg_hours": draw(air_usage(start, days, hours))}}
    sim: dict = {"imsi": f"29505091000{index:04d}"}
    if draw(st.booleans()):
        sim["name"] = draw(CSV_TEXTS)
    if draw(st.booleans()):
        sim["tags"] = draw(st.dictionaries(st.sampled_from(["site", "Owner", "=k", "a,b"]),
                                           CSV_TEXTS, max_size=3))
    if draw(st.integers(0, 2)) == 0:
        sim["group"] = {"id": f"abcdef00-0000-0000-0000-{index:012d}", "name": draw(CSV_TEXTS)}
    status = draw(st.sampled_from([None, *ref_air.STATUSES]))
    if status is not None:
        sim["status"] = status
    if status in ref_air.PAUSED and draw(st.integers(0, 2)):  # anniversaries in the months
        since = start.date() + dt.timedelta(days=draw(st.integers(0, days - 1)))
        years = draw(st.integers(0, 3))
        sim["status_since"] = dt.date(since.year - years, since.month,
                                      min(since.day, 28)).isoformat()
    if draw(st.booleans()):
        sim["options"] = sorted(draw(st.sets(st.sampled_from(list(ref_air.OPTIONS)), min_size=1)))
    timeline = []
    for _ in range(draw(st.sampled_from([0, 0, 1, 2, 4]))):
        at = draw(instant_texts(start, days, before=0, after=0))
        if draw(st.integers(0, 2)):
            timeline.append({"on": at, "status": draw(st.sampled_from(ref_air.STATUSES))})
        else:
            timeline.append({"on": at, draw(st.sampled_from(["enable", "disable"])):
                             draw(st.sampled_from(list(ref_air.OPTIONS)))})
    if timeline:
        sim["timeline"] = timeline
    usage = {}
    if draw(st.booleans()):
        amounts = st.one_of(DATA_AMOUNTS, BIG_DATA, BIG_DATA) if big else DATA_AMOUNTS
        usage["data"] = {"events": [
            {"on": draw(instant_texts(start, days, before=1, after=1)), "amount": draw(amounts),
             "labels": draw(LABELS)} for _ in range(draw(st.integers(1, 5)))]}
    for meter in ref_air.SMS:
        if draw(st.integers(0, 3)) == 0:
            usage[meter] = draw(air_usage(start, days, st.integers(0, 5)))
    if draw(st.integers(0, 3)) == 0:
        usage["harvest_requests"] = draw(air_usage(
            start, days, st.one_of(st.integers(0, 5000), st.integers(1995, 2005))))
    if usage:
        sim["usage"] = usage
    return sim


@st.composite
def air_accounts(draw) -> tuple[dict, list[str]]:
    months = consecutive(draw(periods()), draw(st.sampled_from([1, 1, 2])))
    start, _ = month_start(months[0])
    days = sum(month_start(period)[1] for period in months)
    big = draw(st.integers(0, 4)) == 0
    data: dict = {"account": "diff-air", "subscribers": [
        draw(air_subscriber(index, start, days, big)) for index in range(draw(st.integers(1, 4)))]}
    cents = st.integers(0, 500).map(lambda n: str(Decimal(n) / 100))
    if draw(st.booleans()):
        data["coupon"] = draw(cents)
    timeline = [{"on": draw(instant_texts(start, days, before=0, after=0)), "coupon": draw(cents)}
                for _ in range(draw(st.sampled_from([0, 0, 1, 2])))]
    if timeline:
        data["timeline"] = timeline
    return data, months


def planlang_csv(data: dict, period: str) -> tuple[list[str], list[dict[str, str]], str]:
    """`planlang bill catalogs/soracom-air.plan --account A --period P --format csv`, in
    process: the CSV's header and rows, parsed by header as the seed says to, and its text."""
    with tempfile.TemporaryDirectory() as folder:
        account, out = Path(folder) / "account.json", Path(folder) / "bill.csv"
        account.write_text(json.dumps(data), encoding="utf-8")
        status = cli.main(["bill", str(REPO / "catalogs" / "soracom-air.plan"), "--account",
                           str(account), "--period", period, "--format", "csv", "--out", str(out)])
        assert status == 0, f"planlang bill --format csv refused {data!r}"
        text = out.read_bytes().decode("utf-8")
    assert text.startswith("\ufeff") and text.endswith("\r\n"), "UTF-8 with a BOM, CRLF line ends"
    reader = csv.DictReader(io.StringIO(text[1:], newline=""))
    return list(reader.fieldnames or ()), list(reader), text


@SETTINGS
@given(air_accounts())
def test_soracom_air_agrees_with_reference(case):
    """Every record and total of every month; the first month's detailed billing CSV, row by row
    (the SIM's name, tags and group on each of its rows) and its amount column summing to the
    month's total."""
    data, months = case
    ours = ref_air.bill_periods(data, months)
    compare_records(data, ours, planlang_bills(AIR, data, months))
    header, rows, _ = planlang_csv(data, months[0])  # a walk from the same month
    expected_header, expected_rows = ours[0]["csv"]
    assert header == expected_header, f"CSV header of {data!r}: {header} != {expected_header}"
    missing = [row for row in expected_rows if row not in rows]
    extra = [row for row in rows if row not in expected_rows]
    assert not missing and not extra and len(rows) == len(expected_rows), (
        f"CSV rows differ for {months[0]} of {data!r}:\n only planlang  {extra}\n"
        f" only reference {missing}")
    assert sum((Decimal(row["amount"]) for row in rows), Decimal(0)) == Decimal(ours[0]["total"])


def test_of_two_drops_asked_in_one_month_the_last_is_the_next_plan():
    """Two drops to lower tiers in one month both take effect on the 1st: the later one stands,
    and the bill's next plan names the plan the next month is billed on (it named the first)."""
    data = {"account": "diff-coediting", "plan": "Tier-100k",
            "timeline": [{"on": "2024-01-05", "change_plan": "Tier-25k", "by": "admin"},
                         {"on": "2024-01-06", "change_plan": "Tier-50k", "by": "admin"}]}
    january, february = planlang_bills(COEDITING, data, ["2024-01", "2024-02"])
    assert (january["next_plan"], february["plan"]) == ("Tier-50k", "Tier-50k")
    compare(data, ref_coediting.bill_periods(data, ["2024-01", "2024-02"]), [january, february],
            plans=True, record=False, decisions={"plan-change"})


def test_a_days_figure_replaces_the_days_events_of_a_subscriber():
    """Likewise for a subscriber's usage (docs/accounts.md): 7 SMS delivered on 1 January given
    as 2 for the day are one record of 2 (it was a record of 9)."""
    data = {"account": "diff-air", "subscribers": [{"imsi": "295050910000001", "usage": {
        "sms_delivered": {"events": [{"on": "2024-01-01T05:00:00Z", "amount": 7}],
                          "daily": {"2024-01-01": 2}}}}]}
    (bill,) = planlang_bills(AIR, data, ["2024-01"])
    assert [(line["quantity"], line["amount"]) for line in bill["lines"]
            if line["item"] == "soracomSmsDeliveryCharge"] == [("2", "0.02")]
    compare_records(data, ref_air.bill_periods(data, ["2024-01"]), [bill], record=False)


def test_a_days_figure_replaces_the_days_events_of_usage_decided_event_by_event():
    """A `daily` figure replaces the day's events (docs/accounts.md) also for usage decided event
    by event (a cap, a quota): 20,000 events on 1 January given as 1 for the day are 1 event, not
    20,001, and cost nothing on Developer (it added the day's figure to the events)."""
    data = {"account": "diff-flux", "plan": "Developer", "usage": {"events": {
        "events": [{"on": "2024-01-01T05:00:00Z", "amount": 20000}],
        "daily": {"2024-01-01": 1}}}}
    (bill,) = planlang_bills(FLUX, data, ["2024-01"])
    assert str(bill["total"]) == "0.00"
    compare(data, ref_flux.bill_periods(data, ["2024-01"]), [bill], plans=True, record=False,
            decisions={"quota-refusal"})


# ---- GitHub for organizations: seats, a pool of minutes, storage ---------------------------------


@st.composite
def seats(draw, start: dt.datetime, days: int, most: int) -> list[dict]:
    """A count of seats as intervals: up to `most` from before the months billed, then a few
    joining and leaving at any moment of them."""
    intervals = [{"from": (start - dt.timedelta(days=draw(st.integers(1, 90)))).date().isoformat(),
                  "count": draw(st.integers(1, most))}]
    for _ in range(draw(st.integers(0, 4))):
        begin = draw(instants(start, days, before=10, after=0))
        interval = {"from": written(begin, 0, draw(st.booleans())),
                    "count": draw(st.integers(1, 5))}
        if draw(st.booleans()):
            interval["to"] = written(begin + dt.timedelta(
                hours=draw(st.integers(1, 24 * 40))), 0, draw(st.booleans()))
        intervals.append(interval)
    return intervals


@st.composite
def github_accounts(draw) -> tuple[dict, list[str]]:
    months = consecutive(draw(periods()), draw(st.sampled_from([1, 1, 2])))
    start, _ = month_start(months[0])
    days = sum(month_start(period)[1] for period in months)
    intervals = draw(seats(start, days, 30))
    usage: dict = {"members": {"intervals": intervals}}
    scale = draw(st.sampled_from([500, 3_000, 40_000]))  # minutes a month, about
    for name in ("linux_minutes", "windows_minutes", "macos_minutes"):
        if draw(st.booleans()):
            usage[name] = draw(usage_events(start, days, st.one_of(
                st.integers(0, scale), st.integers(0, 10 * scale).map(
                    lambda tenths: str(Decimal(tenths) / 10)))))
    if draw(st.booleans()):
        storage = {}
        every = draw(st.booleans())  # every day, or a few
        for day in (range(days) if every else draw(st.sets(st.integers(0, days - 1),
                                                            max_size=days))):
            mb = draw(st.integers(0, 80_000))
            storage[(start + dt.timedelta(days=day)).date().isoformat()] = draw(st.sampled_from(
                [f"{mb} MB", f"{Decimal(mb) / 1000} GB"]))
        usage["storage"] = {"daily": storage}
    data = {"account": "diff-github", "plan": draw(st.sampled_from(sorted(ref_github.PLANS))),
            "usage": usage}
    return data, months


@SETTINGS
@given(github_accounts())
def test_github_actions_agrees_with_reference(case):
    data, months = case
    compare(data, ref_github.bill_periods(data, months), planlang_bills(GITHUB, data, months),
            plans=True)


# ---- an SMS API: graduated volume bands, numbers leased by the month -----------------------------


@st.composite
def sms_accounts(draw) -> tuple[dict, list[str]]:
    months = consecutive(draw(periods()), draw(st.sampled_from([1, 1, 2])))
    start, _ = month_start(months[0])
    days = sum(month_start(period)[1] for period in months)
    edges = st.sampled_from([149_999, 150_000, 150_001, 300_000, 300_001, 500_000, 500_001])
    usage: dict = {"sms": draw(usage_events(start, days, st.one_of(
        st.integers(0, 400_000), edges)))}
    if draw(st.booleans()):
        usage["mms"] = draw(usage_events(start, days, st.integers(0, 500)))
    for name in ("long_codes", "toll_free_numbers"):
        if draw(st.booleans()):
            usage[name] = draw(count_data(start, days, 6))
            for interval in usage[name]["intervals"]:
                interval.pop("disabled", None)
            usage[name].pop("daily", None)
    return {"account": "diff-sms", "plan": "Pay-as-you-go", "usage": usage}, months


@SETTINGS
@given(sms_accounts())
def test_sms_api_agrees_with_reference(case):
    data, months = case
    compare(data, ref_sms.bill_periods(data, months), planlang_bills(SMS, data, months),
            plans=True)


# ---- team chat: per-active-member fees refunded by the day, a promotion coupon --------------------


@st.composite
def chat_accounts(draw) -> tuple[dict, list[str]]:
    months = consecutive(draw(periods()), draw(st.sampled_from([1, 2, 4])))
    start, _ = month_start(months[0])
    days = sum(month_start(period)[1] for period in months)
    intervals = draw(seats(start, days, 40))
    usage: dict = {"active_members": {"intervals": intervals}}
    if draw(st.booleans()):
        usage["file_storage"] = {"daily": {
            (start + dt.timedelta(days=day)).date().isoformat():
                draw(st.integers(0, 3_000).map(lambda gb: f"{gb} GB"))
            for day in draw(st.sets(st.integers(0, days - 1), max_size=days))}}
    timeline = [{"on": written(draw(instants(start, days, before=60, after=0)), 0,
                               draw(st.booleans())), "redeem": "PRO50"}
                for _ in range(draw(st.integers(0, 2)))]
    data = {"account": "diff-chat", "plan": draw(st.sampled_from(sorted(ref_chat.PRICES))),
            "usage": usage}
    if timeline:
        data["timeline"] = timeline
    return data, months


@SETTINGS
@given(chat_accounts())
def test_team_chat_agrees_with_reference(case):
    data, months = case
    compare(data, ref_chat.bill_periods(data, months), planlang_bills(CHAT, data, months),
            plans=True)
