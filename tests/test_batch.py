"""Batch billing: `planlang bill CATALOG --accounts FILE.jsonl|DIR` (planlang/drivers/batch.py).

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
import re
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import GOLDEN, REPO, UPDATE_GOLDEN, run_cli

from planlang.compile import load_catalog
from planlang.diagnostics import PlanlangError
from planlang.drivers import batch
from planlang.engine import evaluate_periods
from planlang.engine.load import load_account
from planlang.engine.results import to_data

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


REJECTS = [
    {"path": "tests/data/batch/bad.jsonl", "line": 2, "account": None, "errors": [
        {"code": "PL403", "message": "malformed JSON: Expecting property name enclosed in double "
         "quotes", "location": "tests/data/batch/bad.jsonl:2:48",
         "help": "each line of a JSON Lines file is one JSON object, keys in double quotes"}],
     "record": '{"account": "broken", "plan": "Cellular-Small",, }'},
    {"path": "tests/data/batch/bad.jsonl", "line": 3, "account": "typo", "errors": [
        {"code": "PL404", "message": "unknown key `usgae` at `usgae`",
         "location": "tests/data/batch/bad.jsonl:3:47", "help": "did you mean `usage`?"}],
     "record": '{"account": "typo", "plan": "Cellular-Small", "usgae": {"data": {"daily": '
               '{"2026-02-05": "1 GB"}}}}'},
    {"path": "tests/data/batch/bad.jsonl", "line": 5, "account": "wrong-plan", "errors": [
        {"code": "PL411", "message": "unknown plan `Cellular-Tiny`",
         "location": "tests/data/batch/bad.jsonl:5:35",
         "help": "plans: Cellular-Small, Cellular-Medium, Cellular-Large, Satellite-Small, "
                 "Satellite-Medium, Satellite-Large"}],
     "record": '{"account": "wrong-plan", "plan": "Cellular-Tiny"}'},
]


@pytest.mark.parametrize("mode", sorted(MODES))
def test_bad_lines_are_rejected_and_the_good_ones_billed(mode, dask_address, tmp_path, in_repo,
                                                         capsys):
    """One bad record out of five does not cost the good ones their bills: they are written,
    the bad ones go to the rejects file beside --out with their located errors, status 1."""
    options = MODES[mode] + (("--dask", dask_address) if mode == "dask" else ())
    out = tmp_path / "out.jsonl"
    status, stdout, err = bill(capsys, EDGE, "tests/data/batch/bad.jsonl", "2026-02", out,
                               *options)
    assert (status, stdout) == (1, "")
    assert "Traceback" not in err
    headers = [line for line in err.splitlines() if "not billed" in line or "error[" in line]
    rejects = tmp_path / "out.rejects.jsonl"
    assert headers == BAD_REPORT + [
        f"planlang: 3 of 5 accounts not billed, written with their errors to `{rejects}`; "
        f"2 billed to `{out}`"]
    assert "  = help: did you mean `usage`?" in err
    assert [json.loads(line)["account"] for line in out.read_text("utf-8").splitlines()] == [
        "good-1", "good-2"]
    assert [json.loads(line) for line in rejects.read_text("utf-8").splitlines()] == REJECTS
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.jsonl", "out.rejects.jsonl"]


def test_rejects_are_the_same_in_every_mode_and_chunk_size(tmp_path, in_repo, capsys,
                                                           dask_address):
    """The output and the rejects file, byte for byte, whatever runs the batch and however it
    is cut into chunks: bad records spread over a batch of 120."""
    accounts = tmp_path / "mixed.jsonl"
    lines = []
    for i in range(120):
        if i % 17 == 5:
            lines.append(json.dumps({"account": f"bad-{i}", "plan": "Nope"}))
        elif i % 23 == 7:
            lines.append(json.dumps({"account": f"broken-{i}"})[:-1] + ", ")
        else:
            lines.append(json.dumps({"account": f"ok-{i}", "plan": "Cellular-Small"}))
    accounts.write_text("\n".join(lines) + "\n", encoding="utf-8")
    seen = set()
    for options in [(), ("--chunk-size", "1"), ("--chunk-size", "7"),
                    ("--workers", "1", "--chunk-size", "13"),
                    ("--workers", "2", "--chunk-size", "5"),
                    ("--dask", dask_address, "--chunk-size", "11")]:
        out = tmp_path / "out.jsonl"
        status, _, _ = bill(capsys, EDGE, accounts, "2026-02", out, *options)
        assert status == 1
        seen.add((out.read_bytes(), (tmp_path / "out.rejects.jsonl").read_bytes()))
    [(output, rejects)] = seen
    bad = [i for i in range(120) if i % 17 == 5 or i % 23 == 7]
    assert [json.loads(line)["account"] for line in output.splitlines()] == [
        f"ok-{i}" for i in range(120) if i not in bad]
    assert [json.loads(line)["line"] for line in rejects.splitlines()] == [i + 1 for i in bad]


def test_on_standard_output_every_good_account_is_billed(in_repo, capsys):
    status, out, err = bill(capsys, EDGE, "tests/data/batch/bad.jsonl", "2026-02", None)
    assert status == 1
    assert [json.loads(line)["account"] for line in out.splitlines()] == ["good-1", "good-2"]
    assert err.endswith("planlang: 3 of 5 accounts not billed; 2 billed to standard output\n")


def test_rejects_option(tmp_path, in_repo, capsys):
    """--rejects names the file (also without --out); a rejects file left by an earlier run is
    emptied by a clean one; none is made when nothing is rejected."""
    rejects = tmp_path / "bad" / "r.jsonl"
    rejects.parent.mkdir()
    status, out, _ = bill(capsys, EDGE, "tests/data/batch/bad.jsonl", "2026-02", None,
                          "--rejects", str(rejects))
    assert status == 1 and len(out.splitlines()) == 2
    assert [json.loads(line) for line in rejects.read_text("utf-8").splitlines()] == REJECTS
    good = tmp_path / "good.jsonl"
    good.write_text('{"account": "a", "plan": "Cellular-Small"}\n', encoding="utf-8")
    assert bill(capsys, EDGE, good, "2026-02", None, "--rejects", str(rejects))[0] == 0
    assert rejects.read_bytes() == b""  # emptied: it never tells of another run
    out_file = tmp_path / "bills.jsonl"
    assert bill(capsys, EDGE, good, "2026-02", out_file)[0] == 0
    assert not (tmp_path / "bills.rejects.jsonl").exists()
    # the rejects file must not be an input, nor the output
    status, _, err = bill(capsys, EDGE, good, "2026-02", out_file, "--rejects", str(good))
    assert status == 2 and "error[PL421]: --rejects `" in err and "an input" in err
    status, _, err = bill(capsys, EDGE, good, "2026-02", out_file, "--rejects", str(out_file))
    assert status == 2 and "is the --out file" in err
    status, _, err = run_cli(["bill", EDGE, "--account", "examples/edge-device-account.yaml",
                              "--period", "2026-02", "--rejects", str(rejects)], capsys)
    assert status == 2 and "error[PL421]: --rejects is for a batch of accounts" in err


def test_rejects_name_beside_the_output():
    from planlang.drivers.cli import rejects_name

    assert rejects_name("out/bills.jsonl") == "out/bills.rejects.jsonl"
    assert rejects_name("bills.2026-02.csv") == "bills.2026-02.rejects.jsonl"
    assert rejects_name("bills") == "bills.rejects.jsonl"
    long = rejects_name("b" * 250 + ".csv")  # a valid name: its rejects' name is valid too
    assert len(Path(long).name) == 255 and long.endswith("b.rejects.jsonl")


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
    assert err.endswith("planlang: 105 of 105 accounts not billed (the first 100 shown); 0 billed "
                        "to standard output\n")


# ---- the command line ----------------------------------------------------------------------------

@pytest.mark.parametrize("argv, message", [
    (["--account", "examples/edge-device-account.yaml", "--accounts", "tests/data/batch/folder"],
     "argument --accounts: not allowed with argument --account"),
    ([], "one of the arguments --account --accounts is required"),
    (["--accounts", "tests/data/batch/folder", "--workers", "0"],
     "argument --workers: expected a whole number from 1 to 256, not `0`"),
    (["--accounts", "tests/data/batch/folder", "--workers", "2147483647"],
     "argument --workers: expected a whole number from 1 to 256, not `2147483647`"),
    (["--accounts", "tests/data/batch/folder", "--workers", "257"],
     "argument --workers: expected a whole number from 1 to 256, not `257`"),
    (["--accounts", "tests/data/batch/folder", "--workers", "1" + "0" * 5000],
     "argument --workers: expected a whole number from 1 to 256, not `1000000000"),
    (["--accounts", "tests/data/batch/folder", "--chunk-size", "100001"],
     "argument --chunk-size: expected a whole number from 1 to 100,000, not `100001`"),
    (["--account", "examples/edge-device-account.yaml", "--workers", "2"],
     "--workers is for a batch of accounts"),
    (["--accounts", "tests/data/batch/folder", "--format", "table"],
     "--format table shows one account's bills"),
    (["--accounts", "tests/data/batch/folder", "--format", "csv", "--explain"],
     "--explain adds the steps to the JSON Lines output"),
    (["--accounts", "tests/data/batch/folder", "--workers", "2", "--dask", "tcp://x:1"],
     "--workers and --dask are two ways to run a batch"),
    (["--accounts", "tests/data/batch/bad.jsonl", "--out", "tests/data/batch/bad.jsonl"],
     "`tests/data/batch/bad.jsonl` is an input of this command: it would be overwritten"),
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


def test_a_chunk_travels_to_a_worker_as_it_was_read():
    """`ProcessPool` sends the lines of one file as one string (`_packed`); a worker gets back
    the very entries (`_unpacked`), line numbers with gaps (blank lines) included. Any other
    chunk (two files, a whole account file, an entry already refused, a line break in a text)
    travels as its entries."""
    lines = [batch.Entry("a.jsonl", number, f'{{"account": "{number}"}}')
             for number in (3, 4, 5)]
    gaps = [batch.Entry("a.jsonl", number, "{}") for number in (1, 2, 7, 8)]
    for chunk in (lines, gaps, lines[:1]):
        packed = batch._packed(chunk)
        assert len(packed) == 3 and isinstance(packed[2], str)
        assert batch._unpacked(packed) == chunk
    problem = batch.Problem("a.jsonl", 2, None, "bad")
    for other in ([lines[0], batch.Entry("b.jsonl", 1, "{}")],
                  [batch.Entry("c.json", 0, "{\n}"), lines[0]],
                  [lines[0], batch.Entry("a.jsonl", 6, "", problem)],
                  [batch.Entry("a.jsonl", 1, "{\n}")]):
        assert batch._packed(other) == (other,)
        assert batch._unpacked(batch._packed(other)) == other


def test_open_accounts_is_lazy(tmp_path):
    accounts = tmp_path / "a.jsonl"
    accounts.write_text('{"account": "x", "plan": "Cellular-Small"}\n' * 5, encoding="utf-8")
    entries = batch.open_accounts(str(accounts))
    assert next(entries) == batch.Entry(str(accounts), 1, '{"account": "x", "plan": '
                                        '"Cellular-Small"}')
    assert batch.count_accounts(str(accounts)) == 5


# ---- a record no reader can read: rejected, never the end of the batch --------------------------

HOSTILE = [
    '{"account": "deep", "plan": "Cellular-Small", "x": ' + "[" * 100_000 + "]" * 100_000 + "}",
    '{"account": "deep-3000", "plan": "Cellular-Small", "usage": ' + "[" * 3000 + "]" * 3000
    + "}",
    '{"account": "exponent", "plan": "Cellular-Small", "usage": {"data": {"daily": '
    '{"2026-02-03": 1.5e-99999999999999999999}}}}',
    '{"account": "digits", "plan": "Cellular-Small", "usage": {"data": {"daily": '
    '{"2026-02-03": ' + "9" * 5000 + "}}}}",
    '{"account": "\\ud800", "plan": "Cellular-Small"}',
    '{"account": "surrogate-plan", "plan": "\\udfff"}',
]


def test_hostile_records_are_rejected_and_the_batch_goes_on(tmp_path, in_repo, capsys):
    """Deep nesting, a huge exponent, lone surrogates: each is its record's rejection (whatever
    its code), located on its line; every good record around them is billed, and the output and
    the rejects are the same in this process and in worker processes."""
    accounts = tmp_path / "hostile.jsonl"
    lines = []
    for i, bad in enumerate(HOSTILE):
        lines += [json.dumps({"account": f"ok-{i}", "plan": "Cellular-Small"}), bad]
    accounts.write_text("\n".join(lines) + "\n", encoding="utf-8")
    seen = set()
    for options in [(), ("--workers", "2", "--chunk-size", "3")]:
        out = tmp_path / "out.jsonl"
        status, stdout, err = bill(capsys, EDGE, accounts, "2026-02", out, *options)
        assert (status, stdout) == (1, ""), err
        assert "Traceback" not in err
        billed = [json.loads(line)["account"] for line in out.read_text("utf-8").splitlines()]
        assert billed == [f"ok-{i}" for i in range(len(HOSTILE))]
        rejects = [json.loads(line) for line in
                   (tmp_path / "out.rejects.jsonl").read_text("utf-8").splitlines()]
        assert [r["line"] for r in rejects] == [2 * i + 2 for i in range(len(HOSTILE))]
        for reject in rejects:
            [first, *_] = reject["errors"]
            assert re.fullmatch(r"PL4\d\d", first["code"]), first
            assert first["location"].startswith(f"{accounts}:{reject['line']}:")
        seen.add((out.read_bytes(), (tmp_path / "out.rejects.jsonl").read_bytes()))
    assert len(seen) == 1


def _golden(name: str, text: str) -> None:
    golden = GOLDEN / "generated" / f"{name}.out"
    if UPDATE_GOLDEN:
        golden.write_text(text, encoding="utf-8", newline="\n")
    assert text == golden.read_text(encoding="utf-8")


def test_a_reader_that_raises_rejects_only_its_record(monkeypatch, tmp_path, in_repo, capsys):
    """Whatever exception a reader raises for one record (here RecursionError, as deep nesting
    gave before the readers bounded it) is that record's PL424; the batch goes on."""
    real_parse, real_document = batch.parse_line, batch._document

    def parse(entry):
        if "crash" in entry.text:
            raise RecursionError("maximum recursion depth exceeded")
        return real_parse(entry)

    def document(entry):
        if "crash" in entry.text:
            raise RecursionError("maximum recursion depth exceeded")
        return real_document(entry)

    monkeypatch.setattr(batch, "parse_line", parse)
    monkeypatch.setattr(batch, "_document", document)
    accounts = "tests/data/batch/crash.jsonl"
    monkeypatch.chdir(tmp_path)
    (tmp_path / "tests" / "data" / "batch").mkdir(parents=True)
    (tmp_path / accounts).write_text(
        '{"account": "a", "plan": "Cellular-Small"}\n{"account": "crash", "plan": '
        '"Cellular-Small"}\n{"account": "b", "plan": "Cellular-Small"}\n', encoding="utf-8")
    status, out, err = bill(capsys, str(REPO / EDGE), accounts, "2026-02", None)
    assert status == 1
    assert [json.loads(line)["account"] for line in out.splitlines()] == ["a", "b"]
    _golden("PL424-reader-raised", f"{err}[exit status {status}]\n")


def test_billing_that_raises_rejects_only_its_account(monkeypatch, tmp_path, capsys):
    """An account that checks, yet billing it raises (a bug in planlang): its PL425, reported
    with the account; the batch goes on. (Both ways a batch bills an account raise: `bill_one`
    for CSV, `_json_one` for JSON Lines.)"""
    for name in ("bill_one", "_json_one"):
        real = getattr(batch, name)

        def bill_one(catalog, data, periods, explain=True, real=real):
            if data.get("account") == "unlucky":
                raise ZeroDivisionError("division by zero")
            return real(catalog, data, periods, explain)

        monkeypatch.setattr(batch, name, bill_one)
    monkeypatch.chdir(tmp_path)
    accounts = Path("bug.jsonl")
    accounts.write_text('{"account": "a", "plan": "Cellular-Small"}\n{"account": "unlucky", '
                        '"plan": "Cellular-Small"}\n', encoding="utf-8")
    status, out, err = bill(capsys, str(REPO / EDGE), accounts, "2026-02", None)
    assert status == 1
    assert [json.loads(line)["account"] for line in out.splitlines()] == ["a"]
    _golden("PL425-billing-raised", f"{err}[exit status {status}]\n")


def test_an_account_whose_output_cannot_be_utf8_is_rejected():
    """A bill holding a lone surrogate (which reached it past the readers) cannot be written as
    UTF-8: that account is rejected (PL402), located at the escape; the chunk goes on."""
    catalog = load_catalog(REPO / EDGE)
    job = batch.Job(catalog, ("2026-02",))
    line = '{"account": "x\\udc80", "plan": "Cellular-Small"}'
    result = batch.bill_chunk(job, [batch.Entry("s.jsonl", 1, line),
                                    batch.Entry("s.jsonl", 2, '{"account": "y", "plan": '
                                                '"Cellular-Small"}')])
    assert json.loads(result.text)["account"] == "y"
    [problem] = result.problems
    assert problem.line == 1
    assert problem.errors[0]["code"].startswith("PL4")
    assert problem.json_line().encode("utf-8")  # the rejects line itself is writable


# ---- the progress bar reads the input once; signals -------------------------------------------

PLANLANG = REPO / ".venv" / "bin" / "planlang"
TWO_ACCOUNTS = (DATA / "folder" / "more" / "accounts.jsonl").read_bytes()


def run_on_a_terminal(argv: list[str], input: bytes | None = None, timeout: float = 120
                      ) -> tuple[int, bytes, bytes]:
    """Run planlang with standard error on a pseudo-terminal (so the progress bar shows) and
    standard output on a pipe; returns the status, the output and what the terminal showed."""
    import fcntl
    import pty
    import struct
    import termios

    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 100, 0, 0))
    process = subprocess.Popen([str(PLANLANG), *argv], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, stderr=slave, cwd=REPO)
    os.close(slave)
    shown: list[bytes] = []

    def drain() -> None:
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # the terminal closed
                return
            if not data:
                return
            shown.append(data)

    reader = threading.Thread(target=drain, daemon=True)
    reader.start()
    try:
        out, _ = process.communicate(input=input, timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        pytest.fail(f"planlang did not finish in {timeout} s")
    finally:
        reader.join(timeout=5)
        os.close(master)
    return process.returncode, out, b"".join(shown)


def test_progress_bar_does_not_use_up_a_pipe():
    """`--accounts /dev/stdin` fed by a pipe, standard error on a terminal: the bar does not
    count the accounts first (that would read the pipe to its end): both are billed."""
    status, out, shown = run_on_a_terminal(["bill", EDGE, "--accounts", "/dev/stdin",
                                            "--period", "2026-02"], input=TWO_ACCOUNTS)
    assert status == 0, shown
    assert [json.loads(line)["account"] for line in out.splitlines()] == ["site-c", "site-d"]
    assert b"2 accounts" in shown  # the bar, without a total


def test_progress_bar_does_not_block_on_a_fifo(tmp_path):
    """A named FIFO as --accounts: read once, by the batch (counting it first would read it to
    its end, then wait forever for a second writer)."""
    fifo = tmp_path / "accounts.fifo"
    os.mkfifo(fifo)

    def feed() -> None:
        with open(fifo, "wb") as writer:
            writer.write(TWO_ACCOUNTS)

    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    status, out, shown = run_on_a_terminal(["bill", EDGE, "--accounts", str(fifo), "--period",
                                            "2026-02"], timeout=60)
    feeder.join(timeout=5)
    assert status == 0, shown
    assert [json.loads(line)["account"] for line in out.splitlines()] == ["site-c", "site-d"]


def test_progress_bar_counts_a_regular_file_first(tmp_path):
    accounts = tmp_path / "a.jsonl"
    accounts.write_bytes(TWO_ACCOUNTS)
    status, out, shown = run_on_a_terminal(["bill", EDGE, "--accounts", str(accounts),
                                            "--period", "2026-02"])
    assert status == 0 and len(out.splitlines()) == 2
    assert b"2/2" in shown
    assert batch.count_accounts(str(accounts)) == 2
    assert batch.count_accounts("/dev/stdin") is None or os.path.isfile("/dev/stdin")
    assert batch.count_accounts("-") is None


def _children(pid: int) -> set[int]:
    found = set()
    for stat_file in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat_file.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.add(int(stat_file.parent.name))
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


@pytest.mark.parametrize("options", [(), ("--workers", "2", "--chunk-size", "50")],
                         ids=["in-process", "workers"])
def test_sigterm_mid_batch_leaves_no_temporary_file_nor_process(options, tmp_path):
    """SIGTERM (what `timeout`, systemd and container runtimes send) is handled as Ctrl-C is:
    the temporary output file is removed, the worker processes are shut down, status 143."""
    accounts = tmp_path / "many.jsonl"
    rng = random.Random(7)
    write_jsonl(accounts, [edge_account(rng, i) for i in range(40_000)])
    work = tmp_path / "out"
    work.mkdir()
    out = work / "bills.jsonl"
    process = subprocess.Popen([str(PLANLANG), "bill", EDGE, "--accounts", str(accounts),
                                "--period", EDGE_PERIODS, "--out", str(out), *options],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)
    children: list[int] = []

    def workers_running() -> None:
        children.extend(_children(process.pid))
        if options:
            assert len(children) >= 2, children  # the workers are running

    err = _terminate_mid_batch(process, work, workers_running)
    assert process.returncode == 128 + signal.SIGTERM, err
    assert err.decode().endswith("planlang: terminated\n")
    assert "Traceback" not in err.decode()
    assert list(work.iterdir()) == []  # no output, no temporary file
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not [pid for pid in children if _alive(pid)], "orphaned child processes"


def _wait_until_writing(process: subprocess.Popen, folder: Path) -> None:
    """Wait until the batch's temporary file in `folder` holds data: the signal then reaches a
    batch in the middle of its work, not one starting or ending."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        temporary = list(folder.glob(".planlang-*.tmp"))
        if temporary and temporary[0].stat().st_size > 100_000:
            break
        time.sleep(0.05)
    assert process.poll() is None, "the batch ended before it could be stopped"


def _terminate_mid_batch(process: subprocess.Popen, folder: Path, before=lambda: None) -> bytes:
    """SIGTERM once the batch is writing (after `before()`); its standard error. The process is
    killed if anything fails on the way, so no test leaves a batch running."""
    try:
        _wait_until_writing(process, folder)
        before()
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
    return err


def test_a_stop_landing_in_a_finaliser_is_raised_at_the_batchs_next_step():
    """Python ignores an exception raised inside `__del__` (a Dask future being collected): the
    handler then only records the stop, and the batch raises it before its next chunk, so the
    output is not kept."""
    import sys as _sys

    from planlang.drivers import stopping

    class Finalised:
        def __del__(self):
            stopping.request(signal.SIGTERM, _sys._getframe())

    try:
        Finalised()  # collected at once: the request is recorded, nothing raised
        with pytest.raises(stopping.Stopped) as stopped:
            batch.run_batch(batch.InProcess(None), iter([batch.Entry("a.jsonl", 1, "{}")]),
                            io.StringIO(), lambda text: None)
        assert stopped.value.status == 128 + signal.SIGTERM
        with pytest.raises(stopping.Stopped):  # anywhere else, it is raised where it lands
            stopping.request(signal.SIGTERM, _sys._getframe())
    finally:
        stopping.clear()


def test_sigterm_mid_batch_on_dask(dask_address, tmp_path):
    """SIGTERM with --dask: the temporary file is removed, the client closes, and the cluster is
    left with none of the batch's chunks (they are released, not billed for nobody)."""
    distributed = pytest.importorskip("distributed")
    accounts = tmp_path / "many.jsonl"
    rng = random.Random(8)
    write_jsonl(accounts, [edge_account(rng, i) for i in range(40_000)])
    out = tmp_path / "out" / "bills.jsonl"
    out.parent.mkdir()
    process = subprocess.Popen([str(PLANLANG), "bill", EDGE, "--accounts", str(accounts),
                                "--period", EDGE_PERIODS, "--out", str(out), "--dask",
                                dask_address, "--chunk-size", "100"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=REPO)
    err = _terminate_mid_batch(process, out.parent)
    assert process.returncode == 128 + signal.SIGTERM, err
    assert list(out.parent.iterdir()) == []
    with distributed.Client(dask_address, set_as_default=False) as client:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            left = client.run_on_scheduler(lambda dask_scheduler: len(dask_scheduler.tasks))
            if not left:
                break
            time.sleep(0.2)
        assert left == 0


def test_a_worker_whose_parent_died_before_it_looked_exits():
    """The pool passes its own pid: a worker that first looks after its parent died (and was
    adopted by another process) still sees that its parent is gone."""
    script = ("import sys, time; from planlang.drivers import batch; "
              "batch.PARENT_POLL = 0.05; batch._exit_with_parent(2**22 + 1); time.sleep(60)")
    done = subprocess.run([sys.executable, "-c", script], timeout=30)
    assert done.returncode == 1


def test_a_worker_exits_when_its_parent_is_gone():
    """Even a parent killed with SIGKILL leaves no worker behind: each watches its parent."""
    script = ("import sys, time; from planlang.drivers import batch; "
              "batch.PARENT_POLL = 0.05; batch._exit_with_parent(); time.sleep(60)")
    parent = subprocess.Popen([sys.executable, "-c",
                               "import subprocess, sys, time; "
                               f"p = subprocess.Popen([sys.executable, '-c', {script!r}]); "
                               "print(p.pid, flush=True); time.sleep(60)"],
                              stdout=subprocess.PIPE, text=True)
    worker = int(parent.stdout.readline())
    time.sleep(1)
    assert _alive(worker)
    parent.kill()
    parent.wait()
    deadline = time.monotonic() + 10
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(worker)
