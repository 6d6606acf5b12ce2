"""regopy 1.5.2: OPA Rego on rego-cpp (C++ core), a compiled bundle queried per account.

The policy below is built once into a bundle (``Interpreter.build`` with the entrypoint
``tier/result``: rego-cpp's compiled plan, the counterpart of OPA's prepared query); the accounts are
converted once into rego-cpp ``Input`` documents (untimed). Per account: ``set_input`` then
``query_bundle_entrypoint``, reading the rule's value. (Measured here: querying the bundle through a
query string, ``result := data.tier.result``, is about 1.5× slower; a plain ``query`` 20×.)

Rego numbers here are floats; ``ceil`` of the overage is exact because only whole numbers of GB sit
on a block boundary, and those are exact floats."""

from __future__ import annotations

import regopy

NAME = "regopy 1.5.2 (OPA Rego, C++ core), compiled bundle"
CORE = "C++"
PACKAGE = "regopy==1.5.2"
ENTRYPOINT = "tier/result"

POLICY = """
package tier

import rego.v1

limit := {"Small": 10, "Medium": 25, "Large": 40}
fee := {"Small": 30, "Medium": 55, "Large": 90}
up := {"Small": "Medium", "Medium": "Large"}
down := {"Medium": "Small", "Large": "Medium"}

next := input.tier if {
    input.suspended
} else := higher if {
    higher := up[input.tier]
    input.usage > limit[input.tier]
} else := lower if {
    lower := down[input.tier]
    input.usage < limit[lower]
    input.prev_usage < limit[lower]
} else := input.tier

charge := 0 if {
    input.suspended
} else := fee.Large + ceil((input.usage - limit.Large) / 10) * fee.Small if {
    input.tier == "Large"
    input.usage > limit.Large
} else := fee[input.tier]

result := [next, charge]
"""


def setup(accounts: list[dict]):
    interpreter = regopy.Interpreter()
    interpreter.add_module("tier.rego", POLICY)
    bundle = interpreter.build(None, [ENTRYPOINT])
    if not bundle.ok():
        raise RuntimeError(f"the Rego bundle did not build: {bundle.node()}")
    return interpreter, bundle, [regopy.Input(a) for a in accounts]


def run(state) -> list:
    interpreter, bundle, inputs = state
    set_input = interpreter.set_input
    query = interpreter.query_bundle_entrypoint
    out = []
    append = out.append
    for document in inputs:
        set_input(document)
        append(query(bundle, ENTRYPOINT)[0][0])
    return out


def pairs(raw: list) -> list[tuple[str, object]]:
    return [(nxt, charge) for nxt, charge in raw]
