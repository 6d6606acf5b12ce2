"""Batch billing: `planlang bill CATALOG --accounts FILE.jsonl|DIR` (planlang/batch.py).

- A few hundred varied accounts of catalogs/edge-device.plan and catalogs/flespi.plan, generated
  from a fixed seed, give byte-identical JSON Lines and CSV in this process, with `--workers 2`
  and on a Dask LocalCluster of two worker processes (one cluster for the module).
- Every output line is the bill `planlang bill --account` gives for that account alone.
- A folder of account files is read in path order; bad lines are reported located (file, line,
  column, account) with a PL4xx code, the status is 1 and no output file is written.
- The input is read lazily, with a bounded number of chunks in flight.
- A Dask worker killed mid-batch changes nothing in the output.
"""

from __future__ import annotations

import csv
import io
import json
import os
import random
import signal
import sys
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import GOLDEN, REPO, UPDATE_GOLDEN, run_cli

from planlang import batch
from planlang.compile import load_catalog
from planlang.diagnostics import PlanlangError
from planlang.engine import evaluate_periods
from planlang.inputs import load_account
from planlang.results import to_data

DATA = REPO / "tests" / "data" / "batch"
EDGE = "catalogs/edge-device.plan"
FLESPI = "catalogs/flespi.plan"
EDGE_PERIODS = "2026-01..2026-04"
FLESPI_PERIODS = "2026-10..2026-11"


# ---- generated accounts --------------------------------------------------------------------------

EDGE_PLANS = ("Cellular-Small", "Cellular-Medium", "Cellular-Large", "Satellite-Small",
              "Satellite-Medium", "Satellite-Large")


def edge_account(rng: random.Random, index: int) -> dict:
    """A tenant with a few months of data: daily figures or events, sometimes suspended."""
    usage: dict = {}
    if rng.random() < 0.8:
        usage["daily"] = {f"2026-{month:02d}-{day:02d}": rng.choice(
            [f"{rng.randint(0, 30)}.{rng.randint(0, 9)} GB", rng.randint(0, 9) * 10**9,
             f"{rng.randint(1, 900)}000000 bytes"])
            for month in range(1, 5) for day in rng.sample(range(1, 29), rng.randint(0, 4))}
    if rng.random() < 0.4:
        usage["events"] = [{"on": f"2026-{rng.randint(1, 4):02d}-{rng.randint(1, 28):02d}T"
                                  f"{rng.randint(0, 23):02d}:30:00Z",
                            "amount": f"{Decimal(rng.randint(1, 4000)) / 100} GB"}
                           for _ in range(rng.randint(1, 5))]
    account: dict = {"account": f"site-{index:04d}", "plan": rng.choice(EDGE_PLANS),
                     "since": "2026-01", "usage": {"data": usage}}
    if rng.random() < 0.15:
        start = rng.randint(1, 3)
        account["timeline"] = [{"on": f"2026-{start:02d}-01", "status": "suspended"},
                               {"on": f"2026-{start + 1:02d}-01", "status": "active"}]
    return account


FLESPI_PLANS = ("Free", "Start", "Pro", "Enterprise", "Ultimate")
NAMES = ("=HYPERLINK(\"http://example.com\")", "+cmd", "Smith, \"Jones\" & Co", "Zürich 東京",
         "@SUM(A1)", "-1.50")


def flespi_account(rng: random.Random, index: int) -> dict:
    """A flespi customer in October and November 2026, from examples/flespi-account.yaml's
    shapes: channel and device intervals, storage days, SMS events, requests, uptime, plan
    changes; a few names a spreadsheet would take for formulas or that need quoting."""
    name = NAMES[index % len(NAMES)] if index % 25 == 0 else f"customer-{index:04d}"
    days = range(1, 31)
    usage = {
        "channels": {"intervals": [{"from": "2026-10-01", "count": rng.randint(0, 6)}] + [
            {"from": f"2026-11-{start:02d}", "to": f"2026-11-{start + rng.randint(1, 10):02d}",
             "count": rng.randint(1, 3)} for start in rng.sample(range(1, 19), rng.randint(0, 2))]},
        "devices": {"intervals": [{"from": "2026-10-01", "count": (count := rng.randint(0, 3000)),
                                   "disabled": rng.randint(0, count)}]},
        "storage": {"daily": {f"2026-11-{day:02d}": f"{rng.randint(0, 6000)} MB"
                              for day in rng.sample(days, rng.randint(0, 8))}},
        "sms": {"events": [{"on": f"2026-{rng.choice((10, 11))}-{rng.randint(1, 30):02d}",
                            "amount": rng.randint(1, 40)} for _ in range(rng.randint(0, 3))]},
    }
    account: dict = {"account": name, "plan": rng.choice(FLESPI_PLANS), "usage": usage,
                     "uptime": {"2026-11": f"{rng.choice((100, 99.95, 99.5, 98.7))}%"}}
    if rng.random() < 0.3:
        account["requests"] = [{"on": "2026-11-20", "create": "calculators",
                                "count": rng.randint(1, 9)},
                               {"on": "2026-11-21", "create": "devices",
                                "count": rng.randint(1, 9000)}]
    if rng.random() < 0.2:
        account["timeline"] = [{"on": f"2026-10-{rng.randint(2, 28):02d}",
                                "change_plan": rng.choice(FLESPI_PLANS), "by": "owner"}]
    return account


def write_jsonl(path: Path, accounts: list[dict]) -> Path:
    with path.open("w", encoding="utf-8") as out:
        for account in accounts:
            out.write(json.dumps(account, ensure_ascii=False) + "\n")
    return path


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("batch")
    rng = random.Random(2026)
    return {"edge": write_jsonl(folder / "edge.jsonl", [edge_account(rng, i) for i in range(300)]),
            "flespi": write_jsonl(folder / "flespi.jsonl",
                                  [flespi_account(rng, i) for i in range(150)])}


@pytest.fixture(scope="module")
def dask_address():
    """One LocalCluster of two worker processes for the module (a few seconds to start)."""
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None, host="127.0.0.1") as cluster:
        yield cluster.scheduler_address


def bill(capsys, catalog: str, accounts: Path | str, periods: str, out: Path | None, *extra: str
         ) -> tuple[int, str, str]:
    argv = ["bill", catalog, "--accounts", str(accounts), "--period", periods, *extra]
    if out is not None:
        argv += ["--out", str(out)]
    return run_cli(argv, capsys)


# ---- the same bytes, however the batch runs -------------------------------------------------------

MODES = {"in-process": (), "workers": ("--workers", "2", "--chunk-size", "37"),
         "dask": ("--chunk-size", "29")}


def run_modes(capsys, tmp_path, dask_address, catalog, accounts, periods, *extra) -> dict:
    outputs = {}
    for mode, options in MODES.items():
        out = tmp_path / f"{mode}.out"
        if mode == "dask":
            options = (*options, "--dask", dask_address)
        status, stdout, stderr = bill(capsys, catalog, accounts, periods, out, *options, *extra)
        assert (status, stdout, stderr) == (0, "", ""), (mode, stderr)
        outputs[mode] = out.read_bytes()
    assert outputs["workers"] == outputs["in-process"]
    assert outputs["dask"] == outputs["in-process"]
    return outputs


def test_jsonl_is_the_same_in_process_with_workers_and_on_dask(generated, dask_address, tmp_path,
                                                               in_repo, capsys):
    outputs = run_modes(capsys, tmp_path, dask_address, EDGE, generated["edge"], EDGE_PERIODS)
    lines = outputs["in-process"].decode("utf-8").splitlines()
    assert len(lines) == 300 * 4  # one line per account and period, in input order
    bills = [json.loads(line) for line in lines]
    assert [(b["account"], b["period"]) for b in bills] == [
        (f"site-{i:04d}", f"2026-{m:02d}") for i in range(300) for m in range(1, 5)]
    assert not any("steps" in entry for b in bills for entry in b["lines"] + b["decisions"])
    kinds = Counter(d["kind"] for b in bills for d in b["decisions"])
    assert kinds["tier-change"] and kinds["not-billed"] and kinds["add-on"], kinds  # varied


def test_csv_is_the_same_in_process_with_workers_and_on_dask(generated, dask_address, tmp_path,
                                                             in_repo, capsys):
    outputs = run_modes(capsys, tmp_path, dask_address, FLESPI, generated["flespi"],
                        FLESPI_PERIODS, "--format", "csv")
    text = outputs["in-process"].decode("utf-8")
    assert text.startswith("\ufeffaccount,period,plan,kind,item,quantity,unit,unit_price,amount,"
                           "currency,rule\r\n")
    rows = list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    totals = [r for r in rows if r["kind"] == "total"]
    assert len(totals) == 150 * 2  # one total row per account and period
    by_bill: dict[tuple[str, str], Decimal] = Counter()
    for row in rows:
        if row["kind"] != "total":
            by_bill[row["account"], row["period"]] += Decimal(row["amount"])
            assert row["rule"].startswith("catalogs/flespi.plan:")
    for row in totals:
        assert by_bill.get((row["account"], row["period"]), Decimal(0)) == Decimal(row["amount"])
    assert {r["kind"] for r in rows} >= {"fee", "extra", "total"}
    names = {r["account"] for r in totals}
    assert "'=HYPERLINK(\"http://example.com\")" in names  # a formula is written as text
    assert {"'+cmd", "'@SUM(A1)", "-1.50", "Smith, \"Jones\" & Co", "Zürich 東京"} <= names


def test_raw_csv_writes_names_exactly(generated, tmp_path, in_repo, capsys):
    out = tmp_path / "raw.csv"
    assert bill(capsys, FLESPI, generated["flespi"], "2026-11", out, "--format", "csv",
                "--raw-csv")[0] == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"), newline="")))
    assert "=HYPERLINK(\"http://example.com\")" in {r["account"] for r in rows}


def test_each_line_is_the_bill_of_that_account_alone(generated, tmp_path, in_repo, capsys):
    """The batch reads each JSON line as `--account` reads an account file: same bills."""
    catalogs = {"edge": (EDGE, ["2026-01", "2026-02", "2026-03", "2026-04"]),
                "flespi": (FLESPI, ["2026-10", "2026-11"])}
    for name, (catalog_path, periods) in catalogs.items():
        out = tmp_path / f"{name}.jsonl"
        assert bill(capsys, catalog_path, generated[name], f"{periods[0]}..{periods[-1]}",
                    out)[0] == 0
        got = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        catalog = load_catalog(catalog_path)
        expected = []
        for number, line in enumerate(generated[name].read_text(encoding="utf-8").splitlines()):
            account = tmp_path / f"{name}-{number}.json"
            account.write_text(line, encoding="utf-8")
            for data in map(to_data, evaluate_periods(catalog, load_account(account, catalog),
                                                      periods)):
                for entry in data["lines"] + data["decisions"] + data["messages"]:
                    del entry["steps"]
                expected.append(data)
        assert got == expected
    # and the command itself, for one account: its JSON is the batch's line, with the steps
    status, text, _ = run_cli(["bill", FLESPI, "--account", str(tmp_path / "flespi-3.json"),
                               "--period", "2026-11", "--format", "json"], capsys)
    single = json.loads(text)
    assert status == 0 and single["lines"] and single["lines"][0]["steps"]
    status, text, _ = bill(capsys, FLESPI, generated["flespi"], "2026-11", None, "--explain")
    assert json.loads(text.splitlines()[3]) == single


# ---- inputs ------------------------------------------------------------------------------------


def test_a_folder_is_read_in_path_order(in_repo, capsys):
    status, out, err = bill(capsys, EDGE, "tests/data/batch/folder", "2026-02", None)
    assert (status, err) == (0, "")
    bills = [json.loads(line) for line in out.splitlines()]
    # 01-site.yaml, 02-site.json, more/accounts.jsonl (two lines); .skipped.jsonl and notes.txt
    # are not read
    assert [b["account"] for b in bills] == ["site-a", "site-b", "site-c", "site-d"]
    assert [b["plan"] for b in bills] == ["Cellular-Medium", "Satellite-Small", "Cellular-Large",
                                          "Cellular-Medium"]
    assert "not-billed" in {d["kind"] for d in bills[3]["decisions"]}


def test_standard_input(monkeypatch, in_repo, capsys):
    data = (DATA / "folder" / "more" / "accounts.jsonl").read_bytes()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    status, out, err = bill(capsys, EDGE, "-", "2026-02", None)
    assert (status, err) == (0, "")
    assert [json.loads(line)["account"] for line in out.splitlines()] == ["site-c", "site-d"]


def test_empty_input_bills_nothing(tmp_path, in_repo, capsys):
    out = tmp_path / "out.jsonl"
    assert bill(capsys, EDGE, "tests/data/batch/empty.jsonl", "2026-02", out) == (0, "", "")
    assert out.read_bytes() == b""
    csv_out = tmp_path / "out.csv"
    assert bill(capsys, EDGE, "tests/data/batch/empty.jsonl", "2026-02", csv_out, "--format",
                "csv")[0] == 0
    assert csv_out.read_text(encoding="utf-8-sig").startswith("account,period,")


def test_a_folder_without_account_files(tmp_path, capsys):
    (tmp_path / "notes.txt").write_text("nothing here\n", encoding="utf-8")
    status, out, err = bill(capsys, str(REPO / EDGE), tmp_path, "2026-02", None)
    assert status == 1 and out == ""
    assert err.startswith(f"error[PL401]: `{tmp_path}` holds no account files")
    status, _, err = bill(capsys, str(REPO / EDGE), tmp_path / "missing.jsonl", "2026-02", None)
    assert status == 1 and "error[PL401]" in err and "does not exist" in err


# ---- problems ------------------------------------------------------------------------------------

BAD_REPORT = [
    "tests/data/batch/bad.jsonl:2: account not billed",
    "tests/data/batch/bad.jsonl:2:48: error[PL403]: malformed JSON: Expecting property name "
    "enclosed in double quotes",
    "tests/data/batch/bad.jsonl:3: account `typo` not billed",
    "tests/data/batch/bad.jsonl:3:47: error[PL404]: unknown key `usgae` at `usgae`",
    "tests/data/batch/bad.jsonl:5: account `wrong-plan` not billed",
    "tests/data/batch/bad.jsonl:5:35: error[PL411]: unknown plan `Cellular-Tiny`",
]


@pytest.mark.parametrize("mode", sorted(MODES))
def test_bad_lines_are_reported_and_nothing_is_written(mode, dask_address, tmp_path, in_repo,
                                                       capsys):
    options = MODES[mode] + (("--dask", dask_address) if mode == "dask" else ())
    out = tmp_path / "out.jsonl"
    status, stdout, err = bill(capsys, EDGE, "tests/data/batch/bad.jsonl", "2026-02", out,
                               *options)
    assert (status, stdout) == (1, "")
    assert "Traceback" not in err
    headers = [line for line in err.splitlines() if "not billed" in line or "error[" in line]
    assert headers == BAD_REPORT + [
        f"planlang: 3 of 5 accounts not billed; `{out}` was not written"]
    assert "  = help: did you mean `usage`?" in err
    assert not out.exists() and list(tmp_path.iterdir()) == []  # nor a temporary file


def test_on_standard_output_the_output_stops_before_the_first_problem(in_repo, capsys):
    status, out, err = bill(capsys, EDGE, "tests/data/batch/bad.jsonl", "2026-02", None)
    assert status == 1
    assert [json.loads(line)["account"] for line in out.splitlines()] == ["good-1"]
    assert err.endswith("planlang: 3 of 5 accounts not billed; the output stops before "
                        "tests/data/batch/bad.jsonl:2\n")


def test_problems_json_reads_exactly(tmp_path, in_repo, capsys):
    """Numbers are Decimals, never floats; repeated keys, NaN and bytes that are not UTF-8 are
    refused as the located loader refuses them, on their line."""
    accounts = tmp_path / "odd.jsonl"
    accounts.write_bytes(
        b'{"account": "exact", "plan": "Cellular-Small", "usage": {"data": {"daily": '
        b'{"2026-02-03": 10.000000000000000001}}}}\n'
        b'{"account": "twice", "plan": "Cellular-Small", "plan": "Cellular-Large"}\n'
        b'{"account": "nan", "plan": "Cellular-Small", "usage": {"data": {"daily": '
        b'{"2026-02-03": NaN}}}}\n'
        b'{"account": "caf\xe9", "plan": "Cellular-Small"}\n'
        b'["not", "a", "mapping"]\n')
    status, out, err = bill(capsys, str(REPO / EDGE), accounts, "2026-02", None)
    assert status == 1
    exact = json.loads(out)
    # as a float, 10.000000000000000001 GB would be 10 GB: not above the limit of 10 GB
    assert exact["decisions"][0]["reasons"][0]["message"].startswith(
        "10.000000000000000001 GB is above the `Cellular-Small` limit of 10 GB")
    assert f"{accounts}:2:48: error[PL405]: duplicate key `plan`" in err
    assert f"{accounts}:3:89: error[PL407]: `NaN` is not a finite number" in err
    assert f"{accounts}:4:17: error[PL402]: line is not UTF-8 text" in err
    assert f"{accounts}:5:1: error[PL404]: expected a mapping, not a list" in err


def test_many_problems_are_counted_not_all_printed(tmp_path, capsys):
    accounts = write_jsonl(tmp_path / "many.jsonl", [{"account": f"a{i}", "plan": "Nope"}
                                                     for i in range(batch.MAX_SHOWN_PROBLEMS + 5)])
    status, out, err = bill(capsys, str(REPO / EDGE), accounts, "2026-02", None)
    assert status == 1 and out == ""
    assert err.count("error[PL411]") == batch.MAX_SHOWN_PROBLEMS
    assert err.endswith(f"planlang: 105 of 105 accounts not billed (the first 100 shown); the "
                        f"output stops before {accounts}:1\n")


# ---- the command line ----------------------------------------------------------------------------

@pytest.mark.parametrize("argv, message", [
    (["--account", "examples/edge-device-account.yaml", "--accounts", "tests/data/batch/folder"],
     "argument --accounts: not allowed with argument --account"),
    ([], "one of the arguments --account --accounts is required"),
    (["--accounts", "tests/data/batch/folder", "--workers", "0"],
     "argument --workers: expected a whole number, 1 or more, not `0`"),
    (["--account", "examples/edge-device-account.yaml", "--workers", "2"],
     "--workers bills a batch of accounts"),
    (["--accounts", "tests/data/batch/folder", "--format", "table"],
     "--format table shows one account's bills"),
    (["--accounts", "tests/data/batch/folder", "--format", "csv", "--explain"],
     "--explain adds the steps to the JSON Lines output"),
    (["--accounts", "tests/data/batch/folder", "--workers", "2", "--dask", "tcp://x:1"],
     "--workers and --dask are two ways to run a batch"),
    (["--accounts", "tests/data/batch/bad.jsonl", "--out", "tests/data/batch/bad.jsonl"],
     "would replace the accounts being read"),
])
def test_wrong_uses_of_the_command(argv, message, in_repo, capsys):
    status, out, err = run_cli(["bill", EDGE, "--period", "2026-02", *argv], capsys)
    assert (status, out) == (2, "")
    assert "error[PL421]: " in err and message in err


def test_a_catalog_of_daily_records_is_refused(in_repo, capsys):
    status, _, err = run_cli(["bill", "catalogs/soracom-air.plan", "--accounts",
                              "tests/data/batch/folder", "--period", "2026-02"], capsys)
    assert status == 2
    assert "error[PL421]: --accounts bills plan catalogs; `soracom-air` bills daily records" in err


def test_explain_keeps_the_steps(in_repo, capsys):
    status, out, _ = bill(capsys, EDGE, "tests/data/batch/folder", "2026-02", None, "--explain")
    assert status == 0
    assert all("steps" in line for b in map(json.loads, out.splitlines()) for line in b["lines"])


def test_progress_bar_only_on_a_terminal(monkeypatch, tmp_path, in_repo, capsys):
    out = tmp_path / "out.jsonl"
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    status, stdout, err = bill(capsys, EDGE, "tests/data/batch/folder", "2026-02", out)
    assert status == 0 and stdout == ""
    assert "4/4" in err and "accounts/s" in err
    assert len(out.read_text(encoding="utf-8").splitlines()) == 4  # the bar is not in the output
    monkeypatch.setattr(sys.stdout, "isatty", lambda: True)  # output on the terminal: no bar
    status, stdout, err = bill(capsys, EDGE, "tests/data/batch/folder", "2026-02", None)
    assert status == 0 and err == "" and len(stdout.splitlines()) == 4


# ---- the cluster -------------------------------------------------------------------------------


def test_dask_not_installed(monkeypatch, in_repo, capsys):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed → ImportError
    status, out, err = bill(capsys, EDGE, "tests/data/batch/folder", "2026-02", None, "--dask",
                            "tcp://127.0.0.1:8786")
    assert (status, out) == (2, "")
    assert err.startswith("error[PL421]: --dask needs dask.distributed, which is not installed\n"
                          "  = help: install it with `pip install 'planlang[dask]'`")


def test_dask_scheduler_unreachable(in_repo, capsys):
    """Nothing listens on port 1: PL423 at once, not after the connect timeout. The output is
    this golden (tests/golden/generated/: its input is a network address, not a file)."""
    pytest.importorskip("distributed")
    status, out, err = bill(capsys, EDGE, "tests/data/batch/folder", "2026-02", None, "--dask",
                            "tcp://127.0.0.1:1")
    golden = GOLDEN / "generated" / "PL423-dask-scheduler-unreachable.out"
    actual = f"{err}[exit status {status}]\n"
    if UPDATE_GOLDEN:
        golden.write_text(actual, encoding="utf-8", newline="\n")
    assert actual == golden.read_text(encoding="utf-8")
    assert (status, out) == (1, "")


def test_a_failed_worker_is_a_diagnostic():
    from concurrent.futures.process import BrokenProcessPool

    class Broken:
        def result(self):
            raise BrokenProcessPool("A child process terminated abruptly")

    class Runner:
        in_flight, chunk_size = 1, 10

        def submit(self, entries):
            return Broken()

    with pytest.raises(PlanlangError) as raised:
        batch.run_batch(Runner(), [batch.Entry("a.jsonl", 1, "{}")], io.StringIO(), print)
    [diagnostic] = raised.value.diagnostics
    assert diagnostic.code == "PL423"
    assert diagnostic.message.startswith("a worker process stopped unexpectedly")


def test_a_dask_worker_lost_mid_batch_changes_nothing(generated):
    """A worker process of the cluster dies abruptly (os._exit) while chunks are in flight: its
    nanny starts another, the scheduler bills the lost chunks again, and the output is the
    in-process output, byte for byte. (A cluster of its own: the module's stays whole.)"""
    distributed = pytest.importorskip("distributed")

    catalog = load_catalog(REPO / EDGE)
    job = batch.Job(catalog, ("2026-01", "2026-02", "2026-03", "2026-04"))
    expected = io.StringIO()
    batch.run_batch(batch.InProcess(job), batch.open_accounts(str(generated["edge"])), expected,
                    print)
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=":0", host="127.0.0.1") as cluster:
        runner = batch.DaskCluster(job, cluster.scheduler_address, chunk_size=10)
        submitted, killed = [], []
        submit = runner.submit

        def submit_then_kill(entries):
            future = submit(entries)
            submitted.append(future)
            if len(submitted) == 4:  # chunks in flight on both workers: one worker dies
                [worker, *_] = runner.client.scheduler_info()["workers"]
                pid = runner.client.run(os.getpid, workers=[worker])[worker]
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
            return future

        runner.submit = submit_then_kill  # type: ignore[method-assign]
        out = io.StringIO()
        try:
            summary = batch.run_batch(runner, batch.open_accounts(str(generated["edge"])), out,
                                      print)
        finally:
            runner.close()
    assert killed and summary.problems == 0
    assert out.getvalue() == expected.getvalue()


# ---- streaming -----------------------------------------------------------------------------------


def test_the_input_is_read_lazily_with_bounded_chunks_in_flight():
    """A generator of 2,000 accounts: the first output is written after one chunk has been
    read, and never are more than `in_flight` chunks read ahead of the output."""
    catalog = load_catalog(REPO / EDGE)
    job = batch.Job(catalog, ("2026-02",))
    read = [0]

    def accounts():
        for i in range(2_000):
            read[0] += 1
            yield batch.Entry("gen.jsonl", i + 1, json.dumps({"account": f"t{i}",
                                                              "plan": "Cellular-Small"}))

    class Deferred:
        """Chunks billed only when their result is asked for, as a pool's would be."""

        in_flight, chunk_size = 3, 50

        def submit(self, entries):
            submitted = read[0]
            runner = self

            class Later:
                def result(self):
                    assert read[0] - submitted <= runner.chunk_size * runner.in_flight
                    return batch.bill_chunk(job, entries)

            return Later()

    class Out(io.StringIO):
        first_write_at: int | None = None

        def write(self, text):
            if self.first_write_at is None and text:
                self.first_write_at = read[0]
            return super().write(text)

    out = Out()
    summary = batch.run_batch(Deferred(), accounts(), out, print)
    assert out.first_write_at == 3 * 50  # the first chunk's output, three chunks read
    assert (summary.accounts, summary.bills, summary.problems) == (2_000, 2_000, 0)
    assert len(out.getvalue().splitlines()) == 2_000


def test_open_accounts_is_lazy(tmp_path):
    accounts = tmp_path / "a.jsonl"
    accounts.write_text('{"account": "x", "plan": "Cellular-Small"}\n' * 5, encoding="utf-8")
    entries = batch.open_accounts(str(accounts))
    assert next(entries) == batch.Entry(str(accounts), 1, '{"account": "x", "plan": '
                                        '"Cellular-Small"}')
    assert batch.count_accounts(str(accounts)) == 5
