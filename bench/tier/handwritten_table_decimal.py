"""Hand-written Python, table-driven, Decimal: the reference row the others are compared with.

The ladder is data (name, limit in GB, fee) in ``Decimal``; usage is read exactly with
``Decimal(repr(x))``. Started blocks are a true ceiling: ``Decimal``'s ``//`` truncates toward zero,
so the quotient is rounded with ``ROUND_CEILING`` instead."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

NAME = "hand-written Python, table-driven, Decimal"
CORE = "Python"

TIERS = tuple((name, Decimal(limit), Decimal(fee))
              for name, limit, fee in (("Small", 10, 30), ("Medium", 25, 55), ("Large", 40, 90)))
BLOCK = Decimal(10)          # one overage block: 10 GB
BLOCK_FEE = TIERS[0][2]      # charged at one Small fee
ZERO = Decimal(0)


def setup(accounts: list[dict]) -> tuple[list[dict], dict[str, int]]:
    return accounts, {name: i for i, (name, _, _) in enumerate(TIERS)}


def run(state: tuple[list[dict], dict[str, int]]) -> list[tuple[str, Decimal]]:
    accounts, index = state
    tiers = TIERS
    top = len(tiers) - 1
    out = []
    append = out.append
    for a in accounts:
        i = index[a["tier"]]
        name, limit, fee = tiers[i]
        if a["suspended"]:
            append((name, ZERO))
            continue
        usage = Decimal(repr(a["usage"]))
        if usage > limit and i < top:
            nxt = tiers[i + 1][0]
        elif i > 0 and usage < tiers[i - 1][1] and Decimal(repr(a["prev_usage"])) < tiers[i - 1][1]:
            nxt = tiers[i - 1][0]
        else:
            nxt = name
        if i == top and usage > limit:
            fee += ((usage - limit) / BLOCK).to_integral_value(ROUND_CEILING) * BLOCK_FEE
        append((nxt, fee))
    return out


def pairs(raw: list[tuple[str, Decimal]]) -> list[tuple[str, Decimal]]:
    return raw
