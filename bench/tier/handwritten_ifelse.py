"""Hand-written Python, specialised if/else, integer cents.

The three tiers are spelled out in the code. Usage is compared with the integer limits as it comes:
a float compared with an int is exact in Python, and a one-decimal value is never rounded across a
whole number. Only the overage needs arithmetic: there usage is read exactly as integer tenths."""

from __future__ import annotations

from decimal import Decimal

NAME = "hand-written Python, specialised if/else, integer cents"
CORE = "Python"


def setup(accounts: list[dict]) -> list[dict]:
    return accounts


def run(accounts: list[dict]) -> list[tuple[str, int]]:
    out = []
    append = out.append
    for a in accounts:
        tier = a["tier"]
        if a["suspended"]:
            append((tier, 0))
        elif tier == "Small":
            append(("Medium" if a["usage"] > 10 else "Small", 3000))
        elif tier == "Medium":
            usage = a["usage"]
            if usage > 25:
                append(("Large", 5500))
            elif usage < 10 and a["prev_usage"] < 10:
                append(("Small", 5500))
            else:
                append(("Medium", 5500))
        else:
            usage = a["usage"]
            nxt = "Medium" if usage < 25 and a["prev_usage"] < 25 else "Large"
            if usage > 40:
                # started 10 GB blocks above 40 GB, in tenths: ceil((t - 400) / 100)
                append((nxt, 9000 + (round(usage * 10) - 301) // 100 * 3000))
            else:
                append((nxt, 9000))
    return out


def pairs(raw: list[tuple[str, int]]) -> list[tuple[str, Decimal]]:
    return [(tier, Decimal(cents).scaleb(-2)) for tier, cents in raw]
