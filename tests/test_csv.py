"""The Soracom Air detailed billing CSV (seed 002), byte for byte.

- tests/golden/csv/<name>.yaml: an account of the soracom-air catalog; <name>.csv is the detailed
  billing CSV of `planlang bill catalogs/soracom-air.plan --account <name>.yaml --period 2026-11
  --format csv`, worked out by hand (see the account's comments): UTF-8 with a BOM, a header row,
  CRLF line ends, fields quoted by the `csv` module (commas and doubled double quotes), the tag and
  group columns (`name`, each tag key sorted, `group:groupId`, `group:name`) on every line of a SIM.

`PLANLANG_UPDATE_GOLDEN=1 pytest tests/test_csv.py` rewrites the .csv files from the program's
output; read the diff against the hand computation before committing it.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
import yaml
from conftest import GOLDEN, REPO, UPDATE_GOLDEN, rel

from planlang.drivers import cli

CATALOG = "catalogs/soracom-air.plan"
CSV_GOLDENS = sorted((GOLDEN / "csv").glob("*.yaml"))
ACCOUNT = GOLDEN / "csv" / "november-2026.yaml"
HEADER = ["date", "billItemName", "imsi", "vpgId", "unitPrice", "quantity", "amount", "name",
          "location", "owner", "group:groupId", "group:name"]
TAGGED = "295050910000001"
UNTAGGED = "295050910000002"


def bill(argv: list[str], capsys) -> tuple[int, str, str]:
    try:
        status = cli.main(["bill", *argv])
    except SystemExit as exit:  # pragma: no cover - argparse: a wrong use of the command
        status = exit.code
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def csv_bytes(account: str, out: Path, capsys, catalog: str = CATALOG) -> bytes:
    status, stdout, err = bill([catalog, "--account", account, "--period", "2026-11",
                                "--format", "csv", "--out", str(out)], capsys)
    assert (status, err) == (0, ""), err
    assert stdout == ""
    return out.read_bytes()


def rows_of(data: bytes) -> tuple[list[str], list[dict[str, str]]]:
    """Parse by header, as the seed says to, with the standard csv module."""
    assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with a BOM"
    reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig"), newline=""))
    rows = list(reader)
    return list(reader.fieldnames or []), rows


# ---- the golden ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", CSV_GOLDENS, ids=lambda p: p.stem)
def test_csv_golden(path: Path, in_repo, tmp_path, capsys):
    actual = csv_bytes(rel(path), tmp_path / "bill.csv", capsys)
    expected_path = path.with_suffix(".csv")
    if UPDATE_GOLDEN:
        expected_path.write_bytes(actual)
        return
    assert expected_path.exists(), f"{rel(expected_path)} is missing"
    expected = expected_path.read_bytes()
    if actual != expected:
        want = expected.decode("utf-8").split("\r\n")
        got = actual.decode("utf-8").split("\r\n")
        first = next((i for i, (a, b) in enumerate(zip(want, got, strict=False)) if a != b),
                     min(len(want), len(got)))
        pytest.fail(f"{rel(expected_path)} differs at line {first + 1}:\n"
                    f"  expected: {want[first] if first < len(want) else '<end>'}\n"
                    f"  actual:   {got[first] if first < len(got) else '<end>'}\n"
                    f"(PLANLANG_UPDATE_GOLDEN=1 rewrites it)")


def test_golden_is_well_formed():
    """The golden itself follows the seed's format: BOM, CRLF, header, one column count."""
    data = ACCOUNT.with_suffix(".csv").read_bytes()
    assert data.startswith("\ufeff".encode())
    assert data.endswith(b"\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")
    header, rows = rows_of(data)
    assert header == HEADER
    assert all(None not in row and len(row) == len(HEADER) for row in rows)


# ---- reading it back -------------------------------------------------------------------------------


def test_amount_column_sums_to_the_months_total(in_repo, tmp_path, capsys):
    header, rows = rows_of(csv_bytes(rel(ACCOUNT), tmp_path / "bill.csv", capsys))
    assert header == HEADER
    status, _, err = bill([CATALOG, "--account", rel(ACCOUNT), "--period", "2026-11",
                           "--format", "json", "--out", str(tmp_path / "bill.json")], capsys)
    assert (status, err) == (0, "")
    total = Decimal(json.loads((tmp_path / "bill.json").read_text(encoding="utf-8"))["total"])
    assert sum((Decimal(row["amount"]) for row in rows), Decimal(0)) == total
    assert total == Decimal("17.01")  # by hand: 2.07 + 2.84 + 1.50 + 11.60 - 1.00


def test_tags_and_group_survive_the_round_trip(in_repo, tmp_path, capsys):
    _, rows = rows_of(csv_bytes(rel(ACCOUNT), tmp_path / "bill.csv", capsys))
    tagged = [row for row in rows if row["imsi"] == TAGGED]
    assert len(tagged) == 30 + 4 + 1 + 15 + 1  # basic, 2 data + 2 rounded-up, SMS, DNS, free tier
    for row in tagged:
        assert row["location"] == 'Tokyo, "Bldg 5"'
        assert row["name"] == 'Sensor "A", north'
        assert row["owner"] == "ops"
        assert row["group:groupId"] == "abcdef00-0000-0000-0000-000012345678"
        assert row["group:name"] == "MyGroup"
    untagged = [row for row in rows if row["imsi"] == UNTAGGED]
    assert untagged and all(row[k] == "" for row in untagged
                            for k in ("name", "location", "owner", "group:groupId", "group:name"))
    vpg = [row for row in rows if row["vpgId"] == "vpg-0001"]
    assert [(r["date"], r["quantity"], r["amount"]) for r in vpg] == [
        ("20261101", "24", "9.60"), ("20261102", "5", "2.00")]
    assert all(row["imsi"] == "" for row in vpg)
    # monthly discounts are dated YYYYMM, daily records YYYYMMDD
    for row in rows:
        monthly = row["billItemName"] in ("dataTrafficFreeTier", "chargeCoupon")
        assert re.fullmatch(r"202611" if monthly else r"202611\d\d", row["date"]), row


# ---- a failing run ---------------------------------------------------------------------------------


def _plain(value):
    """YAML data as JSON data (dates as ISO text, also as mapping keys)."""
    if isinstance(value, dict):
        return {str(_plain(k)): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def golden_account() -> dict:
    # BaseLoader: every scalar as text (YAML 1.1 would read the key `on` as true); planlang reads
    # amounts, dates and counts from text alike.
    return yaml.load(ACCOUNT.read_text(encoding="utf-8"), Loader=yaml.BaseLoader)


def write_streamed(folder: Path, inline: int = 0, lines: list[str] | None = None) -> Path:
    """The golden account with its subscribers (after the first `inline`) in sims.jsonl."""
    data = golden_account()
    subscribers = data.pop("subscribers")
    data["subscribers"] = subscribers[:inline]
    data["subscribers_from"] = "sims.jsonl"
    text = "".join(json.dumps(_plain(s), ensure_ascii=False) + "\n" for s in subscribers[inline:])
    if lines is not None:
        text = "".join(line + "\n" for line in lines)
    (folder / "sims.jsonl").write_text(text, encoding="utf-8")
    account = folder / "account.yaml"
    account.write_text(yaml.safe_dump(_plain(data), allow_unicode=True), encoding="utf-8")
    return account


BAD_LINES = {
    "unknown-status": ('{"imsi": "295050910000009", "status": "activ"}', "PL414"),
    "not-json": ('{"imsi": "295050910000009", "status": ', "PL4"),
    "unknown-option": ('{"imsi": "295050910000009", "options": ["customDNZ"]}', "PL412"),
    # YAML's flow style, not JSON: the key is not quoted
    "yaml-not-json": ('{imsi: "295050910000009"}', "PL4"),
}


@pytest.mark.parametrize("name", sorted(BAD_LINES))
def test_bad_jsonl_line_leaves_no_file(name, tmp_path, monkeypatch, capsys):
    bad, code = BAD_LINES[name]
    good = json.dumps({"imsi": "295050910000008", "status": "active"})
    write_streamed(tmp_path, lines=[good, bad, good])
    monkeypatch.chdir(tmp_path)
    before = sorted(p.name for p in tmp_path.iterdir())
    status, out, err = bill([str(REPO / CATALOG), "--account", "account.yaml", "--period",
                             "2026-11", "--format", "csv", "--out", "bill.csv"], capsys)
    assert status == 1
    assert out == ""
    assert "Traceback" not in err
    assert not (tmp_path / "bill.csv").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no temporary file left either
    # located: the JSON Lines file, its line 2, a column; a PL4xx code
    assert re.search(r"sims\.jsonl:2:\d+: error\[" + code, err), err


def test_bad_jsonl_line_keeps_an_existing_output(tmp_path, monkeypatch, capsys):
    good = json.dumps({"imsi": "295050910000008", "status": "active"})
    write_streamed(tmp_path, lines=[good, '{"imsi": "1", "status": "activ"}'])
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bill.csv").write_bytes(b"previous\r\n")
    status, _, err = bill([str(REPO / CATALOG), "--account", "account.yaml", "--period",
                           "2026-11", "--format", "csv", "--out", "bill.csv"], capsys)
    assert status == 1 and "error[PL414]" in err
    assert (tmp_path / "bill.csv").read_bytes() == b"previous\r\n"


LATE_LINES = {  # a bad line near the end of a large file: its line, column and underline
    "unknown-status": ('{"imsi": "295050910099999", "status": "activ"}', [
        "sims.jsonl:4999:39: error[PL414]: unknown status `activ`",
        "     |",
        '4999 | {"imsi": "295050910099999", "status": "activ"}',
        "     |                                       ^^^^^^^",
        "     = help: did you mean `active`?"]),
    "not-json": ('{"imsi": "295050910099999", "status": ', [
        "sims.jsonl:4999:38: error[PL403]: malformed JSON: Expecting value",
        "     |",
        '4999 | {"imsi": "295050910099999", "status": ',
        "     |                                      ^"]),
    "wrong-unit": ('{"imsi": "295050910099999", "usage": {"data": {"events": [{"on": '
                   '"2026-11-02T10:00:00Z", "amount": "5 hours", "labels": {"country": "jp", '
                   '"plan": "x"}}]}}}', [
                       "sims.jsonl:4999:100: error[PL413]: `data` is measured in `byte`, not "
                       "`hours`",
                       "     |",
                       '4999 | …"on": "2026-11-02T10:00:00Z", "amount": "5 hours", "labels": '
                       '{"country": "jp", "plan": "x"}}]}}}',
                       "     |                                          ^^^^^^^^^"]),
}


@pytest.mark.parametrize("name", sorted(LATE_LINES))
def test_bad_line_late_in_a_large_file_is_located(name, tmp_path, monkeypatch, capsys):
    """Each line is read with its own small located source: a bad line 4,999 is reported at
    its line and column, underlined, as a bad first line is."""
    bad, shown = LATE_LINES[name]
    lines = [json.dumps({"imsi": f"2950509100{i:05d}", "status": "active"}) for i in range(5000)]
    lines[4998] = bad
    write_streamed(tmp_path, lines=lines)
    monkeypatch.chdir(tmp_path)
    status, out, err = bill([str(REPO / CATALOG), "--account", "account.yaml", "--period",
                             "2026-11", "--format", "csv", "--out", "bill.csv"], capsys)
    assert (status, out) == (1, "")
    assert err.splitlines()[:len(shown)] == shown, err
    assert not (tmp_path / "bill.csv").exists()


# ---- streamed subscribers ----------------------------------------------------------------------------


@pytest.mark.parametrize("inline", [0, 2], ids=["all-streamed", "two-inline-rest-streamed"])
def test_streamed_subscribers_give_the_same_csv(inline, tmp_path, capsys):
    account = write_streamed(tmp_path, inline=inline)
    streamed = csv_bytes(str(account), tmp_path / "streamed.csv", capsys,
                         catalog=str(REPO / CATALOG))
    inline_csv = csv_bytes(str(ACCOUNT), tmp_path / "inline.csv", capsys,
                           catalog=str(REPO / CATALOG))
    assert streamed == inline_csv
    if not UPDATE_GOLDEN:
        assert streamed == ACCOUNT.with_suffix(".csv").read_bytes()
