"""A hand-written biller for the graduated-tier workload of bench/graduated.py.

The rules, from bench/graduated.plan (USD): one plan, `Metered`, $0 a month; the month's API
calls (the sum of the day figures of the month) priced in five bands, each call at its band's
price: the first 10,000 free, the next 90,000 at $0.002, the next 900,000 at $0.0015, the next
9,000,000 at $0.001, every call beyond at $0.0005. A band with calls and a price is one line, its
amount rounded to the cent, half away from zero; the total is the sum of the lines.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

CENT = Decimal("0.01")
FEE = Decimal("0.00")
BANDS = ((10_000, None), (100_000, Decimal("0.002")), (1_000_000, Decimal("0.0015")),
         (10_000_000, Decimal("0.001")), (None, Decimal("0.0005")))


def bill(account: dict, periods: list[str]) -> list[tuple]:
    daily = account["usage"]["api_calls"]["daily"]
    out = []
    for period in periods:
        calls = sum(value for day, value in daily.items() if day.startswith(period))
        lines = [("plan fee", FEE)]
        total = FEE
        low = 0
        for upto, price in BANDS:
            if calls <= low:
                break
            high = calls if upto is None or calls < upto else upto
            if price is not None:
                amount = ((high - low) * price).quantize(CENT, ROUND_HALF_UP)
                lines.append(("api_calls", amount))
                total += amount
            low = upto if upto is not None else calls
        out.append(("Metered", total, tuple(lines)))
    return out
