"""rule-engine 5.1.0 (pure Python): one rule compiled once, evaluated per account.

``rule_engine.Rule(text, context)`` parses the rule once, with a typed context (so a misspelt field
fails at compile time, as the rule-engine docs recommend); ``rule.evaluate(account)`` reads the dict.
rule-engine keeps FLOAT values as ``Decimal`` and has a ``ceiling`` attribute, so the overage is
exact; the rule returns an array ``[next tier, charge]``."""

from __future__ import annotations

import rule_engine

NAME = "rule-engine 5.1.0 (pure Python)"
CORE = "Python"
PACKAGE = "rule-engine==5.1.0"

TEXT = """
suspended ? [tier, 0] :
tier == 'Small' ? [usage > 10 ? 'Medium' : 'Small', 30] :
tier == 'Medium' ? [usage > 25 ? 'Large' : (usage < 10 and prev_usage < 10 ? 'Small' : 'Medium'), 55] :
[usage < 25 and prev_usage < 25 ? 'Medium' : 'Large', usage > 40 ? 90 + ((usage - 40) / 10).ceiling * 30 : 90]
"""


def setup(accounts: list[dict]):
    types = rule_engine.type_resolver_from_dict({
        "tier": rule_engine.DataType.STRING, "usage": rule_engine.DataType.FLOAT,
        "prev_usage": rule_engine.DataType.FLOAT, "suspended": rule_engine.DataType.BOOLEAN,
    })
    rule = rule_engine.Rule(TEXT, context=rule_engine.Context(type_resolver=types))
    return rule, accounts


def run(state) -> list:
    rule, accounts = state
    evaluate = rule.evaluate
    return [evaluate(a) for a in accounts]


def pairs(raw: list) -> list[tuple[str, object]]:
    return [(nxt, charge) for nxt, charge in raw]
