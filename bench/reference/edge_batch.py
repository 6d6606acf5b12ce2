"""A plainly written batch biller of edge-device tenants: read JSON lines, bill, write JSON lines.

The work `planlang bill catalogs/edge-device.plan --accounts IN --period P1..Pn --out OUT` does for
the tenants bench/batch_edge.py generates, written plainly: each line read by `json.loads`
(numbers with a point as Decimal), billed by the hand-written biller of bench/reference/edge_year.py,
and each account-month written as one JSON line (account, period, plan, currency, lines, total,
next plan). One process, nothing shared between accounts.

Run: `python bench/reference/edge_batch.py IN.jsonl OUT.jsonl 2026-01 2026-02 2026-03`.
"""

from __future__ import annotations

import json
import sys
from decimal import Decimal

if __package__:
    from .edge_year import bill
else:  # run as a script
    from edge_year import bill


def run(source: str, target: str, periods: list[str]) -> None:
    with open(source, encoding="utf-8") as lines, open(target, "w", encoding="utf-8") as out:
        for line in lines:
            account = json.loads(line, parse_float=Decimal)
            plan = account["plan"]
            for period, (next_plan, total, charged) in zip(periods, bill(account, periods),
                                                           strict=True):
                out.write(json.dumps({
                    "account": account["account"], "period": period, "plan": plan,
                    "currency": "USD",
                    "lines": [{"item": item, "amount": str(amount)} for item, amount in charged],
                    "total": str(total), "next_plan": next_plan,
                }, ensure_ascii=False, separators=(",", ":")) + "\n")
                plan = next_plan


if __name__ == "__main__":
    run(sys.argv[1], sys.argv[2], sys.argv[3:])
