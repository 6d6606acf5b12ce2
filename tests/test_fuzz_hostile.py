"""Hostile inputs, a few of each kind, judged by tests/hostile.py's oracle (CI-sized: fixed seeds,
no timing assertion but a hang's timeout). bench/fuzz.py runs the same generators by the million.

Each test is one kind of hostile input for one target; `OPEN` lists the kinds that still find a
bug of issue 11 on this branch (the item each one finds), marked as strict expected failures: when
the fix of that item is merged, the test passes, pytest reports XPASS(strict) as a failure, and the
entry must be deleted from `OPEN` — so the fuzzer is shown to find each item, and each fix is
shown to hold against it.
"""

from __future__ import annotations

import random
from pathlib import Path

import hostile
import pytest

#: (target, kind) -> the issue 11 item its inputs find on this branch (c4e9cb5 + this branch).
OPEN: dict[tuple[str, str], str] = {}

#: Inputs per kind: (target, cases, hostile records per JSON Lines batch).
CASES = {"jsonl": 2, "account": 4, "scenario": 2, "subscribers": 3, "plan": 6}
PER_BATCH = 6
PROCESS_TIMEOUT = 10.0  # seconds before a process is a hang (a correct run takes about one)


def _marks(target: str, kind: str):
    item = OPEN.get((target, kind))
    return [pytest.mark.xfail(strict=True, reason=f"issue 11 {item}")] if item else []


def _params(target: str, kinds) -> list:
    return [pytest.param(kind, id=kind, marks=_marks(target, kind)) for kind in kinds]


def _assert_clean(cases: list[hostile.Case], lost: bool = False) -> None:
    """No finding; `lost` findings (good accounts of a batch not billed) only where asked: they
    are item 5's, tested on their own below, and would hide which reader item a kind finds."""
    found = [f"{c.kind} #{i}: {f.splitlines()[0][:300]}\n    {c.command()[:300]}"
             for i, c in enumerate(cases) for f in c.findings
             if lost or not f.startswith("lost:")]
    assert not found, "\n".join(found)


@pytest.fixture(scope="module")
def work(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("hostile")


@pytest.mark.parametrize("kind", _params("jsonl", hostile.JSONL_KINDS))
def test_jsonl_batch(kind, work):
    """JSON Lines batches: hostile records between good accounts."""
    _assert_clean([hostile.case_jsonl(random.Random(f"ci-jsonl-{kind}-{i}"), kind, work,
                                      hostile=PER_BATCH) for i in range(CASES["jsonl"])])


@pytest.mark.parametrize("lines", [pytest.param(
    (b'{"account": "x", "plan": "Cellular-Small", "usgae": 1}', b'{"account": "y",,}'),
    id="bad-records", marks=_marks("jsonl", "bad-records"))])
def test_jsonl_batch_bills_the_good_accounts(lines, work):
    """One bad record in the middle of a batch does not cost the good accounts their bills."""
    folder = work / "good-ones"
    folder.mkdir(exist_ok=True)
    good = hostile.good_jsonl(3)
    accounts = folder / "accounts.jsonl"
    accounts.write_bytes(good + b"\n".join(lines) + b"\n" + hostile.good_jsonl(2, start=3))
    out = folder / "out.jsonl"
    case = hostile._run_case(
        hostile.Case("jsonl", "bad-records", ["bill", str(hostile.CATALOG["edge"]), "--accounts",
                                              str(accounts), "--period", "2026-01", "--out",
                                              str(out)], b"", ".jsonl"),
        folder, [accounts], None, lost=(out, [f"acct-{i}" for i in range(5)]))
    assert case.status == 1, case.status
    _assert_clean([case], lost=True)


def _cases(target: str, kind: str) -> int:
    if kind == "alias-bomb":  # one bomb, in an account file, is enough (and slow today)
        return 1 if target == "account" else 0
    return CASES[target]


@pytest.mark.parametrize("kind", _params("account", hostile.YAML_KINDS))
def test_account_file(kind, work):
    """YAML account files, alone or in a folder beside a good account."""
    _assert_clean([hostile.case_account(random.Random(f"ci-account-{kind}-{i}"), kind, work)
                   for i in range(_cases("account", kind))])


@pytest.mark.parametrize("kind", _params("scenario", hostile.YAML_KINDS))
def test_scenario_file(kind, work):
    _assert_clean([hostile.case_scenario(random.Random(f"ci-scenario-{kind}-{i}"), kind, work)
                   for i in range(_cases("scenario", kind))])


@pytest.mark.parametrize("kind", _params("subscribers", hostile.SUBSCRIBER_KINDS))
def test_subscribers_from(kind, work):
    _assert_clean([hostile.case_subscribers(random.Random(f"ci-subscribers-{kind}-{i}"), kind,
                                            work) for i in range(CASES["subscribers"])])


@pytest.mark.parametrize("kind", _params("plan", hostile.PLAN_KINDS))
def test_plan_file(kind):
    _assert_clean([hostile.case_plan(random.Random(f"ci-plan-{kind}-{i}"), kind)
                   for i in range(CASES["plan"])])


@pytest.mark.parametrize("kind", _params("processes", hostile.PROCESS_KINDS))
def test_process(kind, work):
    """A real `planlang` process: pipes, FIFOs, special outputs, signals, encodings."""
    _assert_clean([hostile.case_process(random.Random(f"ci-process-{kind}"), kind, work,
                                        timeout=PROCESS_TIMEOUT)], lost=True)


@pytest.mark.parametrize("key", [pytest.param(k, marks=_marks("plan", f"numbers-{k}"))
                                 for k in ("flespi", "edge", "coediting", "soracom-flux")])
def test_plan_numbers_at_every_position(key):
    """5,000 digits in every number position outside expressions: slack %, refund %, invoice
    day, per-N units, `for N months`, amounts included; checked, and billed when clean."""
    text = hostile.CATALOG[key].read_text(encoding="utf-8")
    variants = hostile.huge_at_every_position(text)
    assert variants or key == "soracom-flux"
    _assert_clean([hostile.case_plan(random.Random(0), "huge-number", given=(key, v))
                   for v in variants])


MONEY_CASES = 60


@pytest.fixture(scope="module")
def money_findings() -> list[str]:
    """Findings of MONEY_CASES plans and accounts at the bounds (tests/hostile.py money_case)."""
    return [f for i in range(MONEY_CASES)
            for f in hostile.case_money(random.Random(f"ci-money-{i}")).findings]


@pytest.mark.parametrize("kinds", [
    pytest.param(("modes", "exact"), id="modes-agree-with-the-hand-computation",
                 marks=_marks("money", "modes")),
    pytest.param(("sum",), id="total-is-the-sum-of-lines", marks=_marks("money", "sum")),
    pytest.param(("context",), id="caller-context-not-used", marks=_marks("money", "context")),
    pytest.param(("traceback",), id="no-exception"),
])
def test_money_at_the_bounds(kinds, money_findings):
    """Fees, prices, amounts included and usage up to the documented 18+18 digits, billed by both
    evaluators, in the default decimal context and in a caller's (prec 3–12)."""
    found = [f for f in money_findings if f.split(":", 1)[0] in kinds]
    assert not found, "\n".join(found[:10])


# ---- the generators themselves -------------------------------------------------------------------

def test_inputs_are_reproducible():
    """The same seed gives the same input: a finding is replayed from its target, seed and index."""
    for kind in hostile.JSONL_KINDS:
        a = hostile.jsonl_file(random.Random(f"r-{kind}"), kind, 3)
        b = hostile.jsonl_file(random.Random(f"r-{kind}"), kind, 3)
        assert a == b
    text = (hostile.REPO / "examples" / "flespi-account.yaml").read_text(encoding="utf-8")
    for kind in hostile.YAML_KINDS:
        assert (hostile.hostile_yaml(random.Random(kind), kind, text)
                == hostile.hostile_yaml(random.Random(kind), kind, text))


def test_hostile_values_are_what_they_claim():
    """Each kind really holds its hostile thing (so a passing test is not an empty one)."""
    rng = random.Random(5)
    seed = hostile.seed_record("edge-device-account.yaml", keep=2)
    deep = hostile.hostile_record(rng, "deep", seed)
    assert deep.count(b"[") >= 1000 or deep.count(b"{") >= 1000
    assert b"\\ud" in hostile.hostile_record(rng, "surrogate", seed)
    huge = hostile.hostile_record(random.Random(0), "huge-number", seed)
    assert max(len(run) for run in huge.replace(b".", b" ").replace(b'"', b" ").split()) >= 5000
    bad = hostile.hostile_record(rng, "invalid-utf8", seed)
    with pytest.raises(UnicodeDecodeError):
        bad.decode("utf-8")
    assert hostile.alias_bomb().count("*") >= 8 * 9 and len(hostile.alias_bomb()) < 400
    plan = (hostile.REPO / "catalogs" / "edge-device.plan").read_text(encoding="utf-8")
    assert "\n" not in hostile.hostile_plan(rng, "cr-only", plan)
    twin = hostile.duplicate_key_record(random.Random(1), {"account": "a", "plan": "Start", "usage": {
        "data": {"daily": {"2026-11-05": "1 GB"}}}}).decode()
    assert twin.count("2026") == 2 or twin.count('"plan"') == 2 or "\\u0070lan" in twin


def test_the_oracle_finds_what_it_must():
    """judge() reports each broken promise, and nothing for a clean answer."""
    assert hostile.judge(0, "ok", "") == []
    assert hostile.judge(1, "", "error[PL403]: malformed JSON") == []
    assert hostile.judge(1, "", "Traceback (most recent call last):\n  x\nValueError: y")[0] \
        .startswith("traceback")
    assert hostile.judge(3, "", "error[PL403]")[0].startswith("status")
    assert hostile.judge(1, "", "something failed")[0].startswith("no-code")
    assert hostile.judge(1, "", "error[PL404]: `\x1b[2J`")[0].startswith("raw-control")
    assert hostile.judge(1, "1 passed, 1 failed\n", "", failed_scenario=True) == []
    assert hostile.judge(0, "", "", elapsed=9.0, budget=5.0)[0].startswith("slow")
