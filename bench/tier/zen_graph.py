"""zen-engine 2.1.3: a JSON decision model (JDM) graph with two decision tables, loaded once.

``tier-decision.json`` beside this file is the graph a GoRules editor would save: the input feeds
a "Next tier" table and a "Charge" table (hit policy first), both feed the output. As the zen-engine
docs advise for speed, the JSON is parsed and compiled once into a ``ZenDecisionContent`` that the
engine's loader hands back by key; then ``engine.evaluate(key, account)`` runs per account and the
answer is ``response["result"]``. (Measured here: ``engine.create_decision(content)`` once and
``decision.evaluate(account)`` per account gives the same answers about 7× slower.)"""

from __future__ import annotations

from pathlib import Path

import zen

NAME = "zen-engine 2.1.3, JDM graph with two decision tables"
CORE = "Rust"
PACKAGE = "zen-engine==2.1.3"
GRAPH = Path(__file__).with_name("tier-decision.json")
KEY = "tier-decision.json"


def setup(accounts: list[dict]):
    decisions = {KEY: zen.ZenDecisionContent(GRAPH.read_text())}
    engine = zen.ZenEngine({"loader": decisions.__getitem__})
    engine.evaluate(KEY, accounts[0])       # the loader's first call, outside the timing
    return engine, accounts


def run(state) -> list[dict]:
    engine, accounts = state
    evaluate = engine.evaluate
    return [evaluate(KEY, a)["result"] for a in accounts]


def pairs(raw: list[dict]) -> list[tuple[str, object]]:
    return [(r["next"], r["charge"]) for r in raw]
