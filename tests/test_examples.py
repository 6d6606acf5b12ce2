"""Every bundled example account bills on its catalog, from the command line, as the docs show."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from planlang.drivers.cli import main

EXAMPLES = {
    "flespi-account.yaml": ("flespi.plan", "2026-11", "221.00"),
    "coediting-account.yaml": ("coediting.plan", "2026-03..2026-04", "498.32"),
    "edge-device-account.yaml": ("edge-device.plan", "2026-01..2026-05", "350.00"),
    "soracom-flux-account.yaml": ("soracom-flux.plan", "2026-02..2026-03", "70.00"),
    "soracom-air-account.yaml": ("soracom-air.plan", "2026-11", "21.02"),
    # 160 member-days × $4 / 30 = $21.33; 200 Linux minutes beyond the pool $1.60, 40 macOS $3.20
    "github-actions-account.yaml": ("github-actions.plan", "2026-11", "26.13"),
    # bands $1,245.00 + $1,215.00 + $158.00, MMS $9.90, numbers $2.30 + $2.15
    "sms-api-account.yaml": ("sms-api.plan", "2026-11", "2632.35"),
    # November: Pro from the 11th, 240 member-days, $70.00 less 50%; December $100.48 less 50%
    "team-chat-account.yaml": ("team-chat.plan", "2026-11..2026-12", "85.24"),
    # cards $75.69 + $0.90, international $37.50, ACH $29.80 − $14.00, payouts $1.20 + $0.30
    "payments-account.yaml": ("payments.plan", "2026-11", "131.39"),
}


@pytest.mark.parametrize("example", sorted(EXAMPLES))
def test_example_bills_on_its_catalog(example, in_repo, capsys):
    catalog, period, total = EXAMPLES[example]
    status = main(["bill", f"catalogs/{catalog}", "--account", f"examples/{example}",
                   "--period", period, "--format", "json"])
    out = capsys.readouterr().out
    assert status == 0
    data = json.loads(out)
    bills = data if isinstance(data, list) else [data]
    assert sum(Decimal(b["total"]) for b in bills) == Decimal(total)
    for bill in bills:
        assert Decimal(bill["total"]) == sum((Decimal(x["amount"]) for x in bill["lines"]),
                                             Decimal(0))
        assert all(x["rule"].startswith(f"catalogs/{catalog}:") for x in bill["lines"])
