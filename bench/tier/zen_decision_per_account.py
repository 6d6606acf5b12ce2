"""zen-engine 2.1.3: ``engine.create_decision(content).evaluate(account)`` for every account.

The quick-start pattern of the zen-engine README put in a loop: the same JDM graph as the graph row
(``tier-decision.json``, read once as text), but the decision is created (parsed and compiled) anew
for each account. Slow (~20 s for 100,000): run only with ``--all``."""

from __future__ import annotations

from pathlib import Path

import zen

NAME = "zen-engine 2.1.3, `create_decision().evaluate` per account"
CORE = "Rust"
PACKAGE = "zen-engine==2.1.3"
SLOW = True
GRAPH = Path(__file__).with_name("tier-decision.json")


def setup(accounts: list[dict]):
    return zen.ZenEngine(), GRAPH.read_text(), accounts


def run(state) -> list[dict]:
    engine, content, accounts = state
    create = engine.create_decision
    return [create(content).evaluate(a)["result"] for a in accounts]


def pairs(raw: list[dict]) -> list[tuple[str, object]]:
    return [(r["next"], r["charge"]) for r in raw]
