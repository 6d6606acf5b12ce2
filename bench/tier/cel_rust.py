"""common-expression-language 0.10.0: Google's CEL, the Rust interpreter, compiled once.

``cel.compile`` parses the expression once into a ``Program``; ``program.execute(account)`` takes
the account dict as the variables. CEL's standard library has no ``ceil`` and its doubles are binary,
so the started 10 GB blocks are counted on integer tenths: ``int(usage * 10.0 + 0.5)`` is exact for
a one-decimal usage, and integer division of a positive number is a floor. Charges are CEL ints in
currency units."""

from __future__ import annotations

import cel

NAME = "common-expression-language 0.10.0 (Rust CEL)"
CORE = "Rust"
PACKAGE = "common-expression-language==0.10.0"

EXPRESSION = """
suspended ? [tier, 0] :
tier == "Small" ? [usage > 10.0 ? "Medium" : "Small", 30] :
tier == "Medium" ? [usage > 25.0 ? "Large" : (usage < 10.0 && prev_usage < 10.0 ? "Small" : "Medium"), 55] :
[usage < 25.0 && prev_usage < 25.0 ? "Medium" : "Large",
 usage > 40.0 ? 90 + (int(usage * 10.0 + 0.5) - 301) / 100 * 30 : 90]
"""


def setup(accounts: list[dict]):
    return cel.compile(EXPRESSION), accounts


def run(state) -> list:
    program, accounts = state
    execute = program.execute
    return [execute(a) for a in accounts]


def pairs(raw: list) -> list[tuple[str, object]]:
    return [(nxt, charge) for nxt, charge in raw]
