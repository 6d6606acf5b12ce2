"""The scenario runner: what a spec states is compared; `null` states that a field is absent."""

from __future__ import annotations

from pathlib import Path

from planlang.drivers.scenario import run_file

CATALOG = Path(__file__).resolve().parent.parent / "catalogs" / "flespi.plan"

SPEC = """scenario: lowest plans
catalog: {catalog}
account:
  account: a
  plan: {plan}
  usage:
    devices:
      intervals:
        - {{from: 2026-11-01, count: 4990}}
  requests:
    - {{on: 2026-11-20, create: devices, count: 100}}
periods:
  2026-11:
    decisions:
      - {{kind: create, subject: devices, outcome: refused, lowest_plan: null}}
"""


def _run(tmp_path: Path, plan: str):
    path = tmp_path / "case.scenario.yaml"
    path.write_text(SPEC.format(catalog=CATALOG, plan=plan), encoding="utf-8")
    return run_file(path)


def test_null_states_that_a_field_is_absent(tmp_path):
    # Start allows extras up to 5,000 devices: Pro would allow 5,090, so a lowest plan exists.
    result = _run(tmp_path, "Start")
    assert not result.passed
    assert [(f.where, f.expected, f.actual) for f in result.failures] == [
        ("period 2026-11, decision `create` on `devices`, lowest_plan", "none (stated as null)",
         "Pro")]
    assert result.failures[0].line == 15


def test_an_unstated_field_is_not_compared(tmp_path):
    path = tmp_path / "case.scenario.yaml"
    path.write_text(SPEC.format(catalog=CATALOG, plan="Start").replace(", lowest_plan: null", ""),
                    encoding="utf-8")
    assert run_file(path).passed
