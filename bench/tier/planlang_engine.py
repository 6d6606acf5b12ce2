"""planlang's rows of the tier workload: the plan file `bench/tier.plan`, billed by planlang.

Each account of the workload becomes a planlang account record, as planlang's JSON reader gives
it (numbers are exact Decimals, read from their JSON text by `planlang.inputs.convert.json_number`, which
checks their bounds as it reads them): its plan (the tier), its status, the month's data usage as a
daily figure and the previous month's figure as the ladder's look-back. That conversion is done
in `setup`, untimed, as the other engines' inputs are built untimed; the "from JSON text" row
times the JSON parsing too.

The timed region returns, for every account, planlang's full `Outcome`: plan, next plan, total,
every charge line and decision with the plan line (file:line) that produced it; `Outcome.bill()`
gives the explained `Bill`. `pairs` (untimed) reads the next tier and the charge from it.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from planlang.compile import load_catalog
from planlang.engine.compiled import compile_catalog
from planlang.inputs.documents import json_number

PLAN = Path(__file__).resolve().parent.parent / "tier.plan"
PERIOD = "2026-11"
DAY = "2026-11-01"


def record(index: int, account: dict) -> dict:
    """One workload account as a planlang account record (exact numbers, as JSON gives them)."""
    data = {"account": f"acct-{index:06d}", "plan": account["tier"],
            "usage": {"data": {"daily": {DAY: json_number(repr(account["usage"]))}}},
            "lookback": [json_number(repr(account["prev_usage"]))]}
    if account["suspended"]:
        data["status"] = "suspended"
    return data


def _pairs(raw) -> list[tuple[str, Decimal]]:
    return [(outcome.next_plan, outcome.total) for outcome in raw]


class Compiled:
    NAME = "planlang, compiled from bench/tier.plan (full results with provenance)"

    @staticmethod
    def setup(accounts: list[dict]):
        runner = compile_catalog(load_catalog(PLAN)).runner([PERIOD])
        return runner, [record(i, a) for i, a in enumerate(accounts)]

    @staticmethod
    def run(state):
        runner, records = state
        return runner.batch(records)

    pairs = staticmethod(_pairs)


class CompiledFromJson:
    NAME = "planlang, compiled, reading each account's JSON text"

    @staticmethod
    def setup(accounts: list[dict]):
        runner = compile_catalog(load_catalog(PLAN)).runner([PERIOD])
        lines = [json.dumps(record(i, a), default=str) for i, a in enumerate(accounts)]
        return runner, lines

    @staticmethod
    def run(state):
        runner, lines = state
        loads = json.loads
        return runner.batch(loads(line, parse_float=json_number) for line in lines)

    pairs = staticmethod(_pairs)


class Interpreted:
    """The general interpreter on the same records (slow: run with `--all`)."""

    NAME = "planlang, interpreter (no compiled path)"
    SLOW = True

    @staticmethod
    def setup(accounts: list[dict]):
        compiled = compile_catalog(load_catalog(PLAN))
        return compiled, [record(i, a) for i, a in enumerate(accounts)]

    @staticmethod
    def run(state):
        compiled, records = state
        return [compiled.interpret(r, [PERIOD])[0] for r in records]

    pairs = staticmethod(_pairs)


ENGINES = [Compiled, CompiledFromJson, Interpreted]
# The module-level interface of a single engine: the first row.
NAME, setup, run, pairs = Compiled.NAME, Compiled.setup, Compiled.run, Compiled.pairs
