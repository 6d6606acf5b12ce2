"""Reference biller for the SMS API of catalogs/sms-api.plan (Twilio's US prices as reported in
2026), written from its price sheet alone, sharing no code with planlang.

Each month: SMS segments (the month's sum) priced in graduated bands, each segment at its band's
price: the first 150,000 at $0.0083, the next 150,000 at $0.0081, the next 200,000 at $0.0079,
every segment beyond at $0.0077, one line per band reached, each rounded to the cent; MMS at
$0.022 a message; phone numbers billed for the month at the most held on any day of it (a number
held at any moment of a day counts for the day): long codes $1.15, toll-free numbers $2.15.
"""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from .common import money, month_bounds, most_present, usage_events

BANDS = ((150_000, Decimal("0.0083")), (300_000, Decimal("0.0081")),
         (500_000, Decimal("0.0079")), (None, Decimal("0.0077")))
NUMBERS = (("long_codes", Decimal("1.15")), ("toll_free_numbers", Decimal("2.15")))


def month_sum(data: dict | None, period: str) -> Fraction:
    return sum((Fraction(Decimal(str(amount))) for on, amount in usage_events(data or {})
                if on.strftime("%Y-%m") == period), Fraction(0))


def bill_periods(data: dict, periods: list[str]) -> list[dict]:
    usage = data.get("usage", {})
    out = []
    for period in periods:
        start, end, _ = month_bounds(period)
        lines = [("plan fee", money(0))]
        segments, low = month_sum(usage.get("sms"), period), 0
        for upto, price in BANDS:
            if segments <= low:
                break
            high = segments if upto is None else min(segments, upto)
            units = -((-(high - low).numerator) // (high - low).denominator)  # started segments
            lines.append(("sms", money(Fraction(price) * units)))
            low = upto if upto is not None else high
        mms = month_sum(usage.get("mms"), period)
        if mms > 0:
            lines.append(("mms", money(Fraction(Decimal("0.022")) * -((-mms.numerator)
                                                                    // mms.denominator))))
        for name, price in NUMBERS:
            held = most_present(usage.get(name), start, end)
            if held > 0:
                lines.append((name, money(Fraction(price) * held)))
        total = sum((amount for _, amount in lines), Decimal("0.00"))
        out.append({"period": period, "lines": sorted((item, str(a)) for item, a in lines),
                    "total": str(total), "plan": data["plan"], "next_plan": data["plan"]})
    return out
