"""The detailed billing CSV's shortcuts give what the general paths give (issue 12, speed).

Each shortcut is checked against the path it stands in for, on drawn and edge inputs: the plainest
number text against the general number reader; the quick converter's usage events against the
detailed converter; the header's unchecked JSON reading against `read_json`; the header's tag keys
against the subscribers read whole; a SIM's rows written with its columns put before each line
end against rows written whole by the `csv` module; and the CSV on standard output, written only
once every line is read, against the file.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from planlang.diagnostics import PlanlangError
from planlang.inputs.account import Group, Subscriber, UsageEvent
from planlang.inputs.convert import (
    InputError,
    _read_any_number,
    converter,
    quick_converter,
    read_number,
)
from planlang.inputs.documents import read_json, read_json_unchecked
from planlang.model import RuleRef
from planlang.source import Source

SORACOM = str(REPO / "catalogs" / "soracom-air.plan")


def outcome(call) -> Any:
    """What `call()` gives, or the type, code and message of what it raises."""
    try:
        return call()
    except InputError as error:
        return ("raised", error.code, str(error), error.help)
    except Exception as error:  # noqa: BLE001 - compared, not hidden
        return ("raised", type(error).__name__)


# ---- the plainest number text -------------------------------------------------------------------

NUMBER_TEXT = st.text(st.sampled_from("0123456789.,+-eE xMBbytesGho%_"), max_size=24)
PLAIN_NUMBERS = st.builds(
    lambda whole, fraction, unit: whole + (f".{fraction}" if fraction else "")
    + (f" {unit}" if unit else ""),
    st.from_regex(r"0|[1-9][0-9]{0,19}", fullmatch=True),
    st.one_of(st.none(), st.from_regex(r"[0-9]{1,20}", fullmatch=True)),
    st.one_of(st.none(), st.sampled_from(["bytes", "MB", "e5", "x10", "hours", "GB_2"])))


@settings(max_examples=400, deadline=None)
@given(st.one_of(NUMBER_TEXT, PLAIN_NUMBERS))
def test_a_number_reads_the_same_with_or_without_the_plain_shortcut(text):
    expected = outcome(lambda: _read_any_number(text))
    got = outcome(lambda: read_number(text))
    assert got == expected
    if isinstance(got, tuple) and got[0] != "raised":  # the same exponent too: `0.000` stays
        assert str(got[0]) == str(expected[0])


@pytest.mark.parametrize("text", ["0", "0.000 MB", "12 bytes", "1.5", "9" * 18, "9" * 19,
                                  "0." + "1" * 18, "0." + "1" * 19, "0 x10", "0x10", "1 e5",
                                  "1e5", "01", " 1", "1 ", "1  MB", "1.", ".5", "-0", "1,000"])
def test_edge_numbers_read_the_same_with_or_without_the_plain_shortcut(text):
    assert outcome(lambda: read_number(text)) == outcome(lambda: _read_any_number(text))


# ---- the quick converter's usage events ---------------------------------------------------------

VALUES = st.one_of(st.none(), st.booleans(), st.integers(-5, 10**6),
                   st.decimals(allow_nan=False, allow_infinity=False, places=3),
                   st.sampled_from(["2026-10-01T05:44:11Z", "2026-10-01", "2026-10-01T05:44",
                                    "2026-10-01T05:44:11+09:00", "20261001", "18331 bytes",
                                    "1.234 MB", "0.000 MB", "5 hours", "-3 bytes", "1,000 bytes",
                                    "jp", ""]),
                   st.lists(st.just("x"), max_size=2))
LABELS = st.one_of(st.dictionaries(st.sampled_from(["country", "plan", "x"]),
                                   st.one_of(st.sampled_from(["jp", "plan01s"]), VALUES),
                                   max_size=3), VALUES)
EVENTS = st.one_of(
    st.fixed_dictionaries({"on": st.sampled_from(["2026-10-01T05:44:11Z", "2026-10-31T23:59:59Z"]),
                           "amount": st.sampled_from(["18331 bytes", "1.234 MB", "7"]),
                           "labels": st.fixed_dictionaries({"country": st.just("jp"),
                                                            "plan": st.just("plan-K")})}),
    st.fixed_dictionaries({"on": st.sampled_from(["2026-10-01T05:44:11Z", "2026-10-01"]),
                           "amount": st.sampled_from(["18331 bytes", "-1 bytes", "1e3 bytes"]),
                           "labels": LABELS}),
    st.dictionaries(st.sampled_from(["on", "amount", "labels", "extra"]),
                    st.one_of(VALUES, LABELS), max_size=4),
    VALUES)


def structured(conv, value, cls) -> Any:
    try:
        return conv.structure(value, cls)
    except Exception:  # noqa: BLE001 - the quick converter fails without saying where
        return "refused"


@settings(max_examples=500, deadline=None)
@given(EVENTS)
def test_a_usage_event_is_structured_as_the_detailed_converter_structures_it(value):
    assert structured(quick_converter, value, UsageEvent) == structured(converter, value,
                                                                        UsageEvent)


@settings(max_examples=200, deadline=None)
@given(st.lists(EVENTS, max_size=4))
def test_a_subscriber_s_events_are_structured_as_the_detailed_converter_structures_them(events):
    data = {"imsi": "295050910000001", "usage": {"data": {"events": events}}}
    assert structured(quick_converter, data, Subscriber) == structured(converter, data,
                                                                       Subscriber)


def test_a_structured_event_has_its_own_labels():
    labels = {"country": "jp", "plan": "plan01s"}
    event = quick_converter.structure({"on": "2026-10-01T00:00:00Z", "amount": "1 MB",
                                       "labels": labels}, UsageEvent)
    assert event == UsageEvent(dt.datetime(2026, 10, 1, tzinfo=dt.timezone.utc),
                               converter.structure("1 MB", type(event.amount)), labels)
    assert event.labels is not labels


# ---- the header's unchecked JSON reading --------------------------------------------------------

JSON_LINES = st.one_of(
    st.builds(json.dumps, st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=6),
                  st.decimals(allow_nan=False, allow_infinity=False).map(float)),
        lambda inner: st.one_of(st.lists(inner, max_size=3),
                                st.dictionaries(st.text(max_size=4), inner, max_size=3)),
        max_leaves=8)),
    st.sampled_from([
        '{"a": 1, "a": 2}', '{"tags": {"k": "v", "k": "w"}}', '{"a": NaN}', '{"a": -Infinity}',
        '{"tags": {"k": "v"}, "n": NaN}', '{"a": 1' + "0" * 200 + "}", '{"a": 1e99999}',
        '{"a": "\\ud800"}', '{"a": "\\ud83d\\ude00"}', '{"a\\/b": 1}', '{"a": "x\x1b"}',
        '{"a": "\x85"}', '\ufeff{"a": 1}', '{"a": 1} x', "[" * 300 + "]" * 300, '{"a": 1.50}',
        '{"a": -0.5e3}', '{"a": "\ufffe"}', "", "   ", '{"a": 01}']))


@settings(max_examples=500, deadline=None)
@given(JSON_LINES)
def test_the_unchecked_reading_gives_read_json_s_data_or_leaves_the_line_to_it(text):
    try:
        expected = read_json(Source("x.jsonl", text))
    except PlanlangError:
        return  # refused by read_json: the billing reports it, whatever the header read
    try:
        got = read_json_unchecked(text)
    except (ValueError, RecursionError):
        return  # read by read_json instead
    assert got == expected
    assert json.dumps(got, default=repr) == json.dumps(expected, default=repr)  # 1.50 stays


def sims_file(folder: Path, lines: list[str]) -> Path:
    (folder / "sims.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    account = folder / "account.yaml"
    account.write_text("account: acme\nsubscribers_from: sims.jsonl\nsubscribers:\n"
                       "  - {imsi: \"295050910000000\", tags: {inline: x}}\n", encoding="utf-8")
    return account


def test_the_header_s_tag_keys_are_those_of_the_subscribers_read_whole(tmp_path):
    from planlang.compile import load_catalog
    from planlang.engine.load import account_from, load_data
    from planlang.engine.subscribers import SubscriberSource

    lines = [json.dumps({"imsi": f"29505091000000{i}", "tags": {f"k{i}": "v", "shared": "w"}})
             for i in range(1, 4)]
    lines += ['{"imsi": "295050910000005", "name": NaN, "tags": {"from-nan": "v"}}',  # read_json
              '{"imsi": "295050910000006", "tags": {"big": ' + "1" * 120 + "}}",  # a long number
              '{"imsi": "295050910000007", "tags": {"\\u00e9t\\u00e9": "\\ud83d\\ude00"}}',
              '{"imsi": "295050910000008"}', "", '\ufeff{"imsi": "1"}'[1:]]
    account = sims_file(tmp_path, lines)
    catalog = load_catalog(SORACOM)
    document = load_data(account)
    source = SubscriberSource(catalog, account_from(document, catalog).account, document,
                              account)
    whole = sorted({key for subscriber in source for key in subscriber.tags})
    assert source.tag_keys() == whole
    assert {"from-nan", "big", "été", "inline"} <= set(whole)


# ---- a SIM's columns put before each line end ---------------------------------------------------

RULE = RuleRef("x.plan", 1)
TRICKY = ["plain", "a,b", 'say "hi"', "line\r\nend", "cr\ronly", "lf\nonly", "東京都 港区", "",
          "=1+2", "-5", " "]


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(TRICKY), st.sampled_from(TRICKY),
                          st.integers(0, 2)), min_size=1, max_size=12),
       st.lists(st.sampled_from(TRICKY), min_size=3, max_size=3), st.booleans())
def test_a_sim_s_rows_are_the_rows_the_csv_module_writes_whole(rows, tags, raw):
    from planlang.engine.records import Record
    from planlang.engine.subscribers import subscriber_texts, write_csv

    sims = [Subscriber(imsi=f"29505091000000{i}", name=tags[i], tags={"k": tags[i - 1]},
                       group=Group(tags[i - 2], tags[i])) for i in range(3)]
    records = [Record("20261001", item, sims[which].imsi or "", vpg, Decimal("0.06"), Decimal(1),
                      Decimal("0.06"), RULE, sims[which]) for item, vpg, which in rows]
    records.append(Record("202610", "chargeCoupon", "", "", Decimal("-1.00"), Decimal(1),
                          Decimal("-1.00"), RULE, kind="discount"))
    out = io.StringIO()
    total = write_csv(out, iter(records), ["k"], raw)
    expected = io.StringIO()
    writer = csv.writer(expected, lineterminator="\r\n")
    for record in records:
        writer.writerow([record.date, record.item, record.imsi, record.vpg, "0.06" if
                         record.kind == "record" else "-1.00", "1",
                         "0.06" if record.kind == "record" else "-1.00",
                         *subscriber_texts(record.subscriber, ["k"], raw)])
    assert out.getvalue().split("\r\n", 1)[1] == expected.getvalue()
    assert total == sum(r.amount for r in records)


# ---- the CSV on standard output ----------------------------------------------------------------

def test_the_csv_on_standard_output_is_the_file_s_and_nothing_when_a_line_is_bad(tmp_path,
                                                                                 capsys):
    good = [json.dumps({"imsi": "295050910000001", "tags": {"site": "Osaka, Kita-ku"}}),
            json.dumps({"imsi": "295050910000002", "usage": {"data": {"events": [
                {"on": "2026-11-02T10:00:00Z", "amount": "5000 bytes",
                 "labels": {"country": "jp", "plan": "plan01s"}}]}}})]
    account = sims_file(tmp_path, good)
    argv = ["bill", SORACOM, "--account", str(account), "--period", "2026-11", "--format", "csv"]
    status, out, err = run_cli([*argv, "--out", str(tmp_path / "bill.csv")], capsys)
    assert (status, out, err) == (0, "", "")
    status, out, err = run_cli(argv, capsys)
    assert status == 0 and err == ""
    assert out.encode("utf-8") == (tmp_path / "bill.csv").read_bytes()
    # the header, three SIMs' 30 days, a day's data, its rounding up, its free tier
    assert out.count("\r\n") == 1 + 3 * 30 + 3

    sims_file(tmp_path, [*good, '{"imsi": "295050910000003", "status": "activ"}'])
    status, out, err = run_cli(argv, capsys)
    assert status == 1 and out == ""
    assert "sims.jsonl:3:" in err and "error[PL414]" in err


def test_no_temporary_file_for_standard_output_is_a_diagnostic(tmp_path, monkeypatch, capsys):
    import tempfile

    account = sims_file(tmp_path, [json.dumps({"imsi": "295050910000001"})])
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path / "missing"))
    status, out, err = run_cli(["bill", SORACOM, "--account", str(account), "--period",
                                "2026-11", "--format", "csv"], capsys)
    assert (status, out) == (1, "")
    assert "error[PL422]: cannot write `standard output`: no temporary file" in err, err
    assert "TMPDIR" in err and "Traceback" not in err
