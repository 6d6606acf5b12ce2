"""Hand-written Python, table-driven, integer cents.

The ladder is data (name, limit in tenths of a GB, fee in cents), walked by position; usage is read
exactly as integer tenths (``round(usage * 10)``: a one-decimal float times ten is within an ulp of
its whole number of tenths)."""

from __future__ import annotations

from decimal import Decimal

NAME = "hand-written Python, table-driven, integer cents"
CORE = "Python"

# (name, limit in tenths of a GB, fee in cents), lowest tier first
TIERS = (("Small", 100, 3000), ("Medium", 250, 5500), ("Large", 400, 9000))
BLOCK_TENTHS = 100          # one overage block: 10 GB
BLOCK_FEE = TIERS[0][2]     # charged at one Small fee


def setup(accounts: list[dict]) -> tuple[list[dict], dict[str, int]]:
    return accounts, {name: i for i, (name, _, _) in enumerate(TIERS)}


def run(state: tuple[list[dict], dict[str, int]]) -> list[tuple[str, int]]:
    accounts, index = state
    tiers = TIERS
    top = len(tiers) - 1
    out = []
    append = out.append
    for a in accounts:
        i = index[a["tier"]]
        name, limit, fee = tiers[i]
        if a["suspended"]:
            append((name, 0))
            continue
        usage = round(a["usage"] * 10)
        if usage > limit and i < top:
            nxt = tiers[i + 1][0]
        elif i > 0 and usage < tiers[i - 1][1] and round(a["prev_usage"] * 10) < tiers[i - 1][1]:
            nxt = tiers[i - 1][0]
        else:
            nxt = name
        if i == top and usage > limit:
            fee += -(-(usage - limit) // BLOCK_TENTHS) * BLOCK_FEE     # ceiling division on ints
        append((nxt, fee))
    return out


def pairs(raw: list[tuple[str, int]]) -> list[tuple[str, Decimal]]:
    return [(tier, Decimal(cents).scaleb(-2)) for tier, cents in raw]
