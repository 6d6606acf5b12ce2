"""Every scenario spec through every evaluation mode: the modes must agree, not merely pass.

The modes (issue 12, "proof of agreement"):

- **explained**: one account with its explanation, as `planlang test` runs a spec
  (`scenario.run_spec`: the interpreter, `evaluate_periods`, or the daily records' biller);
- **batch**: the spec's account as a JSON Lines record, billed as `planlang bill --accounts` bills
  it in this process (`batch.run_batch` on an `InProcess` runner: `bill_one(..., explain=False)`,
  the compiled path for the accounts it covers);
- **workers**: the same records billed in worker processes (`batch.ProcessPool`, two spawned
  workers, `batch.bill_chunk` in each), one pool for every spec;
- **runner**: for the catalogs the compiled path covers, the compiled runner as the benchmarks and
  `CompiledCatalog.bill_periods` call it (a single month: the generated month of
  `engine/generated.py`; several: its generated loop over the months, or the general walk).

Every line, decision and message of every bill must be the same in each mode (the bills' data less
their `steps`, as `results.to_data` gives it), and an account refused in one mode must be refused
with the same codes and messages in the others.

A spec whose catalog bills daily records (soracom-air) has no batch record: `planlang bill
--accounts` refuses such a catalog (PL421). Those specs are listed by
`test_specs_without_a_batch_record_are_listed`, which fails when the list changes; they run
through the explained mode only (as `planlang test` runs them).
"""

from __future__ import annotations

import datetime as dt
import io
import json
from collections import defaultdict
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import pytest
from conftest import REPO, SUMMARY, plain, rel, run_cli
from test_compiled import figures_of

from planlang.compile import load_catalog
from planlang.diagnostics import PlanlangError, sorted_diagnostics
from planlang.drivers.batch import (
    Entry,
    InProcess,
    Job,
    ProcessPool,
    bill_chunk,
    open_accounts,
    parse_line,
    run_batch,
)
from planlang.drivers.scenario import ScenarioSpec, _relative, find_scenarios, run_spec
from planlang.engine.compiled import compile_catalog
from planlang.engine.load import load_data
from planlang.engine.outcomes import Outcome
from planlang.engine.results import to_data
from planlang.inputs.convert import structure

SCENARIOS = REPO / "tests" / "scenarios"
CHUNK = 4  # accounts per chunk: several chunks per group, so that their order is exercised

# The specs that cannot be batch records, and why (checked below: the list is exact).
RECORDS_CATALOG = "its catalog bills daily records: `planlang bill --accounts` refuses it (PL421)"


class NotJSON(ValueError):
    """An account file's value that JSON cannot write."""


def json_text(value: Any) -> str:
    """A YAML account's data as one JSON line: numbers exactly as written, days and instants as
    their ISO text (what an account file's reader reads them as), keys as their text."""
    if isinstance(value, dict):
        return "{" + ",".join(f"{json.dumps(_key(k), ensure_ascii=False)}:{json_text(v)}"
                              for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ",".join(json_text(v) for v in value) + "]"
    if value is None or isinstance(value, (bool, str)):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise NotJSON(f"`{value}` is not a JSON number")
        return str(value)
    if isinstance(value, (dt.date, dt.datetime)):
        return json.dumps(value.isoformat())
    raise NotJSON(f"a {type(value).__name__} has no JSON form")


def _key(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, (int, Decimal, str)):
        return str(key)
    if isinstance(key, (dt.date, dt.datetime)):
        return key.isoformat()
    raise NotJSON(f"a key that is a {type(key).__name__}")


@attrs.frozen
class Spec:
    path: Path
    catalog: Path
    periods: tuple[str, ...]
    record: str | None  # the account as a JSON line; None: see `why_not`
    why_not: str | None = None

    @property
    def name(self) -> str:
        return self.path.relative_to(SCENARIOS).as_posix()


_CATALOGS: dict[Path, Any] = {}


def catalog_of(path: Path):
    """The catalog at `path`, loaded as `run_spec` loads it (its rules name the same file)."""
    if path not in _CATALOGS:
        _CATALOGS[path] = load_catalog(_relative(path))
    return _CATALOGS[path]


def read_spec(path: Path) -> Spec:
    document = load_data(path)
    spec = structure(document, ScenarioSpec)
    catalog = (path.parent / spec.catalog).resolve()
    periods = tuple(sorted(spec.periods))
    if catalog_of(catalog).records:
        return Spec(path, catalog, periods, None, RECORDS_CATALOG)
    try:
        return Spec(path, catalog, periods, json_text(document.data["account"]))
    except NotJSON as error:
        return Spec(path, catalog, periods, None, f"its account has no JSON form: {error}")


SPECS = [read_spec(path) for path in find_scenarios([str(SCENARIOS)])[0]]
BATCHED = [spec for spec in SPECS if spec.record is not None]
COMPILED = [spec for spec in BATCHED if compile_catalog(catalog_of(spec.catalog)).reason is None]


# ---- what each mode makes of a spec: ("bills", [bill data]) or ("refused", [(code, message)]) ----

def refusal(diagnostics, within: str = "") -> tuple[str, list]:
    """The codes and messages of a refusal; a message naming a place `within` the document (a
    spec's account is under its key `account`) names it as in an account file."""
    return "refused", [(d.code, d.message.replace(f"`{within}", "`")) if within else
                       (d.code, d.message) for d in sorted_diagnostics(diagnostics)]


def explained(spec: Spec) -> tuple[str, list]:
    """What `planlang test` computes for the spec: its bills, or the account's refusal."""
    document = load_data(spec.path)
    try:
        result = run_spec(spec.path, document, structure(document, ScenarioSpec))
    except PlanlangError as error:
        return refusal(error.diagnostics, within="account.")
    return "bills", [json.loads(json.dumps(plain(bill))) for bill in result.bills]


class SharedPool:
    """A `batch.Runner` over one `ProcessPool`'s workers for a job other than the pool's own: each
    chunk is billed by `bill_chunk`, the function the pool's workers run, with its job."""

    def __init__(self, pool: ProcessPool, job: Job):
        self.pool, self.job = pool, job
        self.in_flight, self.chunk_size = pool.in_flight, pool.chunk_size

    def submit(self, entries):
        return self.pool.pool.submit(bill_chunk, self.job, entries)


def groups() -> dict[tuple[Path, tuple[str, ...]], list[Spec]]:
    """The batched specs by catalog and periods: one JSON Lines file and one batch each."""
    out: dict[tuple[Path, tuple[str, ...]], list[Spec]] = defaultdict(list)
    for spec in BATCHED:
        out[spec.catalog, spec.periods].append(spec)
    return out


def batch_results(runner, file: Path, specs: list[Spec]) -> dict[str, tuple[str, list]]:
    """Run one batch over `file` (one spec's account a line) and split its output by spec."""
    out = io.StringIO()
    rejected = {}

    def reject(problem):
        rejected[problem.line] = ("refused", [(e["code"], e["message"]) for e in problem.errors])

    summary = run_batch(runner, open_accounts(str(file)), out, report=lambda text: None,
                        reject=reject)
    assert summary.accounts == len(specs)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    results = {}
    for number, spec in enumerate(specs, 1):
        if number in rejected:
            results[spec.name] = rejected[number]
        else:
            results[spec.name] = ("bills", lines[:len(spec.periods)])
            del lines[:len(spec.periods)]
    assert not lines, "the batch wrote more bills than its accounts have periods"
    return results


@pytest.fixture(scope="module")
def batches(tmp_path_factory) -> dict[str, dict[str, tuple[str, list]]]:
    """Every batched spec billed in process and by two worker processes: mode -> spec -> result.
    One worker pool serves every catalog and list of periods (its own job is the first group's)."""
    folder = tmp_path_factory.mktemp("modes")
    found: dict[str, dict[str, tuple[str, list]]] = {"batch": {}, "workers": {}}
    jobs = []
    for number, ((catalog, periods), specs) in enumerate(sorted(groups().items())):
        file = folder / f"{number:02d}-{catalog.stem}.jsonl"
        file.write_text("".join(spec.record + "\n" for spec in specs), encoding="utf-8")
        jobs.append((Job(catalog_of(catalog), periods), file, specs))
    for job, file, specs in jobs:
        found["batch"].update(batch_results(InProcess(job, CHUNK), file, specs))
    pool = ProcessPool(jobs[0][0], 2, CHUNK)
    try:
        for job, file, specs in jobs:
            runner = pool if job is jobs[0][0] else SharedPool(pool, job)
            found["workers"].update(batch_results(runner, file, specs))
    finally:
        pool.close()
    SUMMARY["scenario specs by evaluation mode"] = (
        f"explained {len(SPECS)}, batch {len(found['batch'])}, workers {len(found['workers'])}, "
        f"compiled runner {len(COMPILED)}; without a batch record "
        f"{len(SPECS) - len(BATCHED)} (test_modes.py says why)")
    return found


@pytest.mark.parametrize("spec", BATCHED, ids=lambda spec: spec.name)
def test_every_mode_bills_the_spec_alike(spec, batches):
    expected = explained(spec)
    for mode in ("batch", "workers"):
        assert batches[mode][spec.name] == expected, f"{mode} differs from the explained bills"


# The specs of a compiled catalog whose account the compiled path leaves to the interpreter,
# and why (element storage, invoices paid by hand and months whose usage is split between
# plans are on the compiled path too).
INTERPRETED: dict[str, str] = {
    # several subscriptions merged into one bill (`products.run`)
    "add-ons/one-account-on-two-products.scenario.yaml": "an account on several products",
}


def runner_result(spec: Spec) -> tuple[str, list]:
    runner = compile_catalog(catalog_of(spec.catalog)).runner(spec.periods)
    record = parse_line(Entry(str(spec.path), 1, spec.record))
    try:
        outcomes = runner(record)
    except PlanlangError as error:
        return refusal(error.diagnostics)
    assert all(outcome.compiled is (spec.name not in INTERPRETED) for outcome in outcomes)
    return "outcomes", [tuple(outcome[:7]) for outcome in outcomes]


@pytest.mark.parametrize("spec", COMPILED, ids=lambda spec: spec.name)
def test_the_compiled_runner_gives_the_explained_figures(spec):
    """The figures of the compiled path itself (every spec but those INTERPRETED lists)."""
    document = load_data(spec.path)
    try:
        bills = run_spec(spec.path, document, structure(document, ScenarioSpec)).bills
    except PlanlangError as error:
        assert runner_result(spec) == refusal(error.diagnostics, within="account.")
        return
    assert runner_result(spec) == ("outcomes", [figures_of(bill) for bill in bills])


@pytest.mark.parametrize("spec", COMPILED, ids=lambda spec: spec.name)
def test_the_compiled_runner_explains_every_step_as_the_interpreter(spec):
    """The compiled path's explained bills (`bill --explain`, `--accounts … --explain`): every
    step of every line and decision worded from the compiled walk's own figures, the same as
    the interpreter's explanation."""
    document = load_data(spec.path)
    try:
        bills = run_spec(spec.path, document, structure(document, ScenarioSpec)).bills
    except PlanlangError:
        return  # refused alike: test_the_compiled_runner_gives_the_explained_figures
    runner = compile_catalog(catalog_of(spec.catalog)).runner(spec.periods)
    record = parse_line(Entry(str(spec.path), 1, spec.record))
    traced = runner.traced(record, True)
    assert all(isinstance(x, Outcome) for x in traced) is (spec.name not in INTERPRETED)
    assert [to_data(bill) for bill in runner.bills(record, True)] == [to_data(bill)
                                                                       for bill in bills]


def test_specs_without_a_batch_record_are_listed(in_repo, capsys, tmp_path):
    """No spec leaves the batch modes silently: these are the ones that do, and why."""
    left = {spec.name: spec.why_not for spec in SPECS if spec.record is None}
    assert left == {name: RECORDS_CATALOG for name in left}
    assert sorted({name.split("/")[0] for name in left}) == ["soracom-air"]
    assert len(left) == len([p for p in SPECS if p.catalog.name == "soracom-air.plan"])
    # and the batch does refuse their catalog
    accounts = tmp_path / "air.jsonl"
    accounts.write_text('{"account": "a", "subscribers": []}\n')
    status, _, err = run_cli(["bill", rel(REPO / "catalogs" / "soracom-air.plan"),
                              "--accounts", str(accounts), "--period", "2027-02"], capsys)
    assert status != 0 and "PL421" in err, err
