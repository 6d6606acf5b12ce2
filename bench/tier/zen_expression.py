"""zen-engine (Rust core): the rules as one ZEN expression, compiled once, evaluated per account.

``zen.compile_expression`` parses and compiles the expression once; ``Expression.evaluate(context)``
takes the account dict as it comes. ZEN numbers are decimals, so ``usage`` is read as its shortest
decimal (15.3, not the binary float) and the overage is exact."""

from __future__ import annotations

import zen

NAME = "zen-engine 2.1.3 (Rust core), one compiled expression"
CORE = "Rust"
PACKAGE = "zen-engine==2.1.3"

EXPRESSION = """
suspended ? [tier, 0] :
tier == "Small" ? [usage > 10 ? "Medium" : "Small", 30] :
tier == "Medium" ? [usage > 25 ? "Large" : (usage < 10 and prev_usage < 10 ? "Small" : "Medium"), 55] :
[usage < 25 and prev_usage < 25 ? "Medium" : "Large", usage > 40 ? 90 + ceil((usage - 40) / 10) * 30 : 90]
"""


def setup(accounts: list[dict]):
    return zen.compile_expression(" ".join(EXPRESSION.split())), accounts


def run(state) -> list:
    expression, accounts = state
    evaluate = expression.evaluate
    return [evaluate(a) for a in accounts]


def pairs(raw: list) -> list[tuple[str, object]]:
    return [(nxt, charge) for nxt, charge in raw]
