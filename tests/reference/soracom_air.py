"""Reference biller for Soracom Air (shared/seeds/002, PRODUCT.md "soracom-air"), month by month.

Learnt from the hand-written CSV biller bench/reference/soracom_csv.py, for the month's records as
data, over consecutive months (the coupon's balance carries over), and for instants written with
any offset. A day is a UTC day. For each subscriber (SIM) or gateway (VPG) and each day:

- a SIM's basic charge by its status at the end of the day (ready 0.00, active and inactive 0.06,
  suspended and standby 0.02); an activation (1.00) for each change that day from suspended or
  standby to active or inactive; a renewal (1.00) on each anniversary of the day it entered
  suspended or standby (`status_since`), while it stayed in them;
- data by (country, plan) label: a record of the day's bytes and one of the bytes that round them
  up to 1,024, at $0.002 per MB (10^6 bytes); SMS delivered and submitted, 0.01 each; Custom DNS
  (0.005) and Harvest (0.05) for each day the option is on at the end of the day; Harvest requests
  beyond 2,000 a day at 0.000005 each; VPG Type-E hours at 0.40 an hour.

Then, dated YYYYMM: per SIM, the free tier, minus what its first 100 MB of data records (in date
order) were billed, a record covered whole at its billed amount and the one the 100 MB end in for
the part covered, rounded once; for the account, 20% of the value of the month's data beyond 1 TB
(no record when that rounds to 0.00);
last, the coupon (the account's `coupon` and its timeline's `coupon` events credited by the month's
end), at most what the month adds up to, the rest carried to the next month.

Each record: (date, item, subject, quantity, amount); every amount rounded once, half up, to the
cent. Bills: ``period``, ``total``, ``lines`` (those records) and ``csv``, the detailed billing
CSV's header and rows as the seed describes them: `date, billItemName, imsi, vpgId, unitPrice,
quantity, amount`, then `name`, every tag key of the account's SIMs (sorted) and `group:groupId`,
`group:name`, filled on each of a SIM's rows; a text a spreadsheet would take for a formula
(starting with =, +, -, @, a tab or a carriage return, and not a number) written after an
apostrophe.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from .common import ceil, fmt, instant, money, month_bounds, next_period, quantity

BASIC = {"ready": ("basicCharge-ready", Fraction(0)),
         "active": ("basicCharge-active", Fraction(6, 100)),
         "inactive": ("basicCharge-inactive", Fraction(6, 100)),
         "suspended": ("basicCharge-suspended", Fraction(2, 100)),
         "standby": ("basicCharge-suspended", Fraction(2, 100))}
STATUSES = list(BASIC)
PAUSED = ("suspended", "standby")
WORKING = ("active", "inactive")
ACTIVATION = Fraction(1)
RENEWAL = Fraction(1)
BYTE = Fraction(2, 1000) / 10**6  # $0.002 per MB, 1 MB = 10^6 bytes
ROUND_UNIT = 1024
SMS = {"sms_delivered": ("soracomSmsDeliveryCharge", Fraction(1, 100)),
       "sms_submitted": ("soracomSmsSubmitCharge", Fraction(1, 100))}
OPTIONS = {"customDNS": ("customDNSCharge", Fraction(5, 1000)),
           "harvest": ("soracomHarvestCharge", Fraction(5, 100))}
HARVEST_REQUEST = Fraction(5, 10**6)
HARVEST_FREE = 2000  # requests a device-day
VPG_HOUR = Fraction(40, 100)
FREE_TIER = 100 * 10**6  # bytes per SIM per month
VOLUME_FROM = 10**12  # bytes of the account's data records in a month
VOLUME_SHARE = Fraction(20, 100)

BYTES = {"byte": Fraction(1), "bytes": Fraction(1), "MB": Fraction(10**6), "TB": Fraction(10**12)}
EACH = {"": Fraction(1)}
HOURS = {"hour": Fraction(1), "hours": Fraction(1)}


def _days(period: str) -> list[dt.date]:
    start, _, days = month_bounds(period)
    return [start.date() + dt.timedelta(days=n) for n in range(days)]


def _timeline(sub: dict) -> list[tuple]:
    """(instant, index, event) in time order; at one instant, the order of the list."""
    return sorted((instant(e["on"]), i, e) for i, e in enumerate(sub.get("timeline") or ()))


def _day_ends(sub: dict, events: list[tuple], days: list[dt.date]) -> dict:
    """{day: (status, options)} at the end of each day (its last instant): one pass over the
    days and the events in time order."""
    status, options = sub.get("status") or "active", frozenset(sub.get("options") or ())
    ends, pending = {}, list(reversed(events))
    for day in days:
        end = dt.datetime(day.year, day.month, day.day, tzinfo=dt.timezone.utc) + dt.timedelta(1)
        while pending and pending[-1][0] < end:
            event = pending.pop()[2]
            status = event.get("status", status)
            options = (options | {event.get("enable")}) - {event.get("disable"), None}
        ends[day] = status, options
    return ends


def _activations(sub: dict, events: list[tuple]) -> dict[dt.date, int]:
    out: dict[dt.date, int] = {}
    previous = sub.get("status") or "active"
    for when, _, event in events:
        if "status" in event:
            if previous in PAUSED and event["status"] in WORKING:
                out[when.date()] = out.get(when.date(), 0) + 1
            previous = event["status"]
    return out


def _renewals(sub: dict, events: list[tuple]) -> set[dt.date]:
    """The anniversaries of `status_since` while the SIM stays suspended or standby."""
    if (sub.get("status") or "active") not in PAUSED or sub.get("status_since") is None:
        return set()
    since = instant(sub["status_since"])
    woken = next((when for when, _, e in events if e.get("status") in WORKING + ("ready",)),
                 None)
    out = set()
    for years in range(1, 200):
        anniversary = since.replace(year=since.year + years)
        if woken is not None and anniversary > woken or anniversary.year > 2100:
            break
        out.add(anniversary.date())
    return out


def _usage(sub: dict, meter: str, units: dict, default: str, labelled: bool = False) -> dict:
    """{day: figure} or, labelled, {day: {(country, plan): figure}}; a `daily` figure replaces
    the day's events."""
    data = (sub.get("usage") or {}).get(meter) or {}
    per_day: dict = {}
    for event in data.get("events") or ():
        day = instant(event["on"]).date()
        value = quantity(event["amount"], units, default)
        if labelled:
            labels = (event["labels"]["country"], event["labels"]["plan"])
            by_label = per_day.setdefault(day, {})
            by_label[labels] = by_label.get(labels, Fraction(0)) + value
        else:
            per_day[day] = per_day.get(day, Fraction(0)) + value
    for day, value in (data.get("daily") or {}).items():
        per_day[instant(day).date()] = quantity(value, units, default)
    return per_day


def _records(sub: dict, period: str) -> list[tuple]:
    """The subscriber's records of the month: (date, item, subject, quantity, amount)."""
    imsi = sub.get("imsi")
    subject = imsi if imsi is not None else sub["vpg"]
    events = _timeline(sub)
    woke = _activations(sub, events)
    renewals = _renewals(sub, events)
    data = _usage(sub, "data", BYTES, "bytes", labelled=True)
    daily = {meter: _usage(sub, meter, EACH, "") for meter in (*SMS, "harvest_requests")}
    hours = _usage(sub, "vpg_hours", HOURS, "hour")
    out = []
    days = _days(period)
    ends = _day_ends(sub, events, days)
    for day in days:
        date = day.strftime("%Y%m%d")
        status, options = ends[day]
        rows = []
        if imsi is not None:
            rows.append((BASIC[status][0], BASIC[status][1], 1))
            if woke.get(day):
                rows.append(("subscriberActivationCharge", ACTIVATION, woke[day]))
            if day in renewals:
                rows.append(("subscriberContractRenewalCharge", RENEWAL, 1))
        for (country, plan), figure in sorted(data.get(day, {}).items()):
            if figure:
                rows.append((f"dataTrafficCharge-{country}-{plan}", BYTE, figure))
                extra = ceil(figure / ROUND_UNIT) * ROUND_UNIT - figure
                if extra:
                    rows.append((f"dataTrafficRoundedUpCharge-{country}-{plan}", BYTE, extra))
        for meter, (item, price) in SMS.items():
            if daily[meter].get(day):
                rows.append((item, price, daily[meter][day]))
        if imsi is not None:
            for option, (item, price) in OPTIONS.items():
                if option in options:
                    rows.append((item, price, 1))
        if daily["harvest_requests"].get(day, 0) > HARVEST_FREE:
            rows.append(("soracomHarvestRequestCharge", HARVEST_REQUEST,
                         daily["harvest_requests"][day] - HARVEST_FREE))
        if hours.get(day):
            rows.append(("virtualPrivateGatewayTypeECharge", VPG_HOUR, hours[day]))
        out += [(date, item, subject, Fraction(figure), money(price * figure), price)
                for item, price, figure in rows]
    if imsi is not None:  # the free tier: the first 100 MB of the month's data records
        left, used, value = Fraction(FREE_TIER), Fraction(0), Fraction(0)
        for _, item, _, figure, amount, _ in out:
            if not item.startswith("dataTrafficCharge-") or left <= 0:
                continue
            take = min(figure, left)
            value += Fraction(amount) if take == figure else take * BYTE
            used, left = used + take, left - take
        if used:
            out.append((period.replace("-", ""), "dataTrafficFreeTier", subject, used,
                        money(-value), -BYTE))
    return out


def bill_periods(account: dict, periods: list[str]) -> list[dict]:
    """Bills for consecutive `periods`, walking from the first."""
    balance = Fraction(Decimal(str(account.get("coupon") or 0)))
    credits = sorted((instant(e["on"]), i, Fraction(Decimal(str(e["coupon"]))))
                     for i, e in enumerate(account.get("timeline") or ()) if "coupon" in e)
    bills = []
    period = periods[0]
    for expected in periods:
        assert period == expected, "the reference walks consecutive months"
        start, end, _ = month_bounds(period)
        balance += sum((value for when, _, value in credits if start <= when < end), Fraction(0))
        records = []
        subscribers = account.get("subscribers") or ()
        for sub in subscribers:
            records += _records(sub, period)
        month = period.replace("-", "")
        traffic = sum((figure for _, item, _, figure, _, _ in records
                       if item.startswith("dataTrafficCharge-")), Fraction(0))
        price = -VOLUME_SHARE * BYTE
        if traffic > VOLUME_FROM and money(price * (traffic - VOLUME_FROM)):  # none of 0.00
            records.append((month, "soracomAirDataChargeTieredVolumeDiscount", None,
                            traffic - VOLUME_FROM, money(price * (traffic - VOLUME_FROM)), price))
        owed = sum((record[4] for record in records), Decimal("0.00"))
        if owed > 0 and balance > 0:
            applied = min(money(balance), owed)
            records.append((month, "chargeCoupon", None, Fraction(1), -applied,
                            -applied))  # its unit price is an amount of money: `-0.30`
            balance -= Fraction(applied)
        total = sum((record[4] for record in records), Decimal("0.00"))
        bills.append({"period": period, "total": fmt(total),
                      "lines": [(date, item, subject, figure, fmt(amount))
                                for date, item, subject, figure, amount, _ in records],
                      "csv": _csv(subscribers, records)})
        period = next_period(period)
    return bills


FORMULA_STARTS = "=+-@\t\r"  # a spreadsheet runs a text starting so as a formula


def _is_number(text: str) -> bool:
    try:
        return Decimal(text) is not None
    except ArithmeticError:
        return False


def _safe(text: str) -> str:
    """Formula-like text after an apostrophe (a spreadsheet shows it as text); numbers as such."""
    return "'" + text if text[:1] and text[0] in FORMULA_STARTS and not _is_number(text) else text


def _plain(value: Fraction | Decimal) -> str:
    """A price or a quantity as the CSV writes it: `0.4`, `24`, `0.000000002`; money `-1.60`."""
    if isinstance(value, Decimal):
        return str(value)
    return format(Decimal(value.numerator) / Decimal(value.denominator), "f").rstrip("0").rstrip(
        ".") if value.denominator != 1 else str(value.numerator)


def _csv(subscribers, records) -> tuple[list[str], list[dict[str, str]]]:
    """The detailed billing CSV's header and rows (as a csv.DictReader reads them)."""
    tag_keys = sorted({key for sub in subscribers for key in sub.get("tags") or {}})
    header = ["date", "billItemName", "imsi", "vpgId", "unitPrice", "quantity", "amount", "name",
              *[_safe(key) for key in tag_keys], "group:groupId", "group:name"]
    texts = {}
    for sub in subscribers:
        if sub.get("imsi") is not None:
            group, tags = sub.get("group") or {}, sub.get("tags") or {}
            texts[sub["imsi"]] = [_safe(str(t)) for t in [
                sub.get("name") or "", *[tags.get(key, "") for key in tag_keys],
                group.get("id", ""), group.get("name", "")]]
    blank = [""] * (len(tag_keys) + 3)
    vpgs = {sub["vpg"] for sub in subscribers if sub.get("vpg") is not None}
    rows = []
    for date, item, subject, figure, amount, price in records:
        imsi = "" if subject is None or subject in vpgs else subject
        vpg = subject if subject in vpgs else ""
        rows.append(dict(zip(header, [date, item, imsi, vpg, _plain(price), _plain(figure),
                                      fmt(amount), *texts.get(imsi, blank)], strict=True)))
    return header, rows
