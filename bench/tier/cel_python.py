"""cel-python 0.5.0 (pure Python on Lark): CEL with the compiled (transpiling) runner.

``celpy.Environment(runner_class=CompiledRunner)`` parses the expression once and transpiles it to
Python; ``program.evaluate(activation)`` runs it per account. The accounts are converted once into
CEL values (``celpy.json_to_cel``, untimed). The expression is the one of the Rust CEL row: no
``ceil`` in CEL, so the overage blocks are counted on integer tenths. Slow (~37 s for 100,000): run
only with ``--all``."""

from __future__ import annotations

import celpy

NAME = "cel-python 0.5.0 (pure Python on Lark), compiled runner"
CORE = "Python"
PACKAGE = "cel-python==0.5.0"
SLOW = True

EXPRESSION = """
suspended ? [tier, 0] :
tier == "Small" ? [usage > 10.0 ? "Medium" : "Small", 30] :
tier == "Medium" ? [usage > 25.0 ? "Large" : (usage < 10.0 && prev_usage < 10.0 ? "Small" : "Medium"), 55] :
[usage < 25.0 && prev_usage < 25.0 ? "Medium" : "Large",
 usage > 40.0 ? 90 + (int(usage * 10.0 + 0.5) - 301) / 100 * 30 : 90]
"""


def setup(accounts: list[dict]):
    env = celpy.Environment(runner_class=celpy.CompiledRunner)
    program = env.program(env.compile(EXPRESSION))
    activations = [{key: celpy.json_to_cel(value) for key, value in a.items()} for a in accounts]
    return program, activations


def run(state) -> list:
    program, activations = state
    evaluate = program.evaluate
    return [evaluate(activation) for activation in activations]


def pairs(raw: list) -> list[tuple[str, int]]:
    return [(str(nxt), int(charge)) for nxt, charge in raw]
