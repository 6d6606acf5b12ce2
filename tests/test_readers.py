"""The input readers: one number form, one duplicate-key rule, limits checked before recursion,
and every bad input a located diagnostic (issue 11, items 9-14 and 19).

Each test names what failed on c4e9cb5: a number read as another (`"10,5 GB"` as 105 GB, `010` as
8), a duplicate key let through by another spelling, an exception (InvalidOperation,
RecursionError, ReaderError, UnicodeEncodeError) instead of a diagnostic, a cost out of proportion
with the input.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from conftest import REPO, run_cli
from hypothesis import given, settings
from hypothesis import strategies as st

from planlang.diagnostics import PlanlangError, render_all
from planlang.drivers import batch
from planlang.inputs.convert import InputError, parse_amount, read_number
from planlang.inputs.documents import MAX_CHARS, MAX_DEPTH, load_document, read_json
from planlang.source import Source

FLESPI = str(REPO / "catalogs" / "flespi.plan")
SORACOM = str(REPO / "catalogs" / "soracom-air.plan")


def diagnostics(call) -> list:
    with pytest.raises(PlanlangError) as raised:
        call()
    return list(raised.value.diagnostics)


def codes(call) -> list[str]:
    return [d.code for d in diagnostics(call)]


# ---- one number form (items 9 and 10) ----------------------------------------------------------

READ = {
    "4000 MB": (Decimal(4000), "MB"), "1,180": (Decimal(1180), None),
    "1,000,000 GB": (Decimal(1000000), "GB"), "10,500": (Decimal(10500), None),
    "99.95%": (Decimal("99.95"), "%"), "0.5": (Decimal("0.5"), None), "10GB": (Decimal(10), "GB"),
    "+12": (Decimal(12), None), "-3": (Decimal(-3), None), "1e3": (Decimal(1000), None),
    "0": (Decimal(0), None),
}

REFUSED = ["10,5 GB", "1,0,0,0 GB", "0,5", "10,50", "1,0000", "010", "007 GB", "0x10", "0o17",
           "0b101", "1:30", "1:30:00", "1_000", "1_000 GB", ".inf", "-.inf", ".nan", "NaN", ".5",
           "5.", "1..5", "1.2.3"]


@pytest.mark.parametrize("text", sorted(READ))
def test_numbers_are_read_in_one_form(text):
    assert read_number(text) == READ[text]


@pytest.mark.parametrize("text", REFUSED)
def test_other_ways_of_writing_a_number_are_refused_never_read_as_another(text):
    """On c4e9cb5 `10,5 GB` was 105 GB and `1,0,0,0 GB` 1000 GB."""
    with pytest.raises(InputError) as raised:
        parse_amount(text)
    assert raised.value.code == "PL407", str(raised.value)
    assert raised.value.help


@pytest.mark.parametrize("text", ["1.5e-99999999999999999999", "1e999999999999", "9" * 5000,
                                  "1" * 19, "0." + "0" * 18 + "1"])
def test_numbers_out_of_range_are_refused_before_they_are_converted(text):
    """On c4e9cb5 the exponent raised InvalidOperation."""
    with pytest.raises(InputError, match="out of range") as raised:
        parse_amount(text)
    assert raised.value.code == "PL404"


@pytest.mark.parametrize("digit", ["\u0663", "\uff13", "\u00b3"])  # Arabic-Indic, fullwidth, ³
def test_only_ascii_digits_are_digits(digit):
    with pytest.raises(InputError):
        parse_amount(f"1{digit}")


def _grouped(value: int) -> str:
    return f"{value:,}"


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 10**18 - 1), st.integers(0, 10**6 - 1), st.booleans())
def test_grouped_and_plain_numbers_read_back_exactly(whole, fraction, group):
    text = (_grouped(whole) if group else str(whole)) + (f".{fraction:06d}" if fraction else "")
    value, unit = read_number(f"{text} GB")
    assert value == Decimal(text.replace(",", "")) and unit == "GB"


@settings(max_examples=200, deadline=None)
@given(st.integers(1000, 10**12), st.integers(1, 3))
def test_a_comma_out_of_place_is_refused(value, shift):
    """A comma anywhere but between groups of three never reads as a number."""
    text = str(value)
    at = len(text) - 3 + shift if shift < 3 else len(text) - 1
    wrong = text[:at] + "," + text[at:]
    assert not re.fullmatch(r"[0-9]{1,3}(,[0-9]{3})+", wrong)
    with pytest.raises(InputError) as raised:
        read_number(wrong)
    assert raised.value.code == "PL407"


# ---- YAML numbers are JSON's (YAML 1.2 core), the rest stays text -------------------------------

YAML_SCALARS = {
    "10": 10, "-3": -3, "0": 0, "1.50": Decimal("1.50"), "1e3": Decimal("1E+3"),
    "-0.5": Decimal("-0.5"),
    # YAML 1.1 forms stay text, exactly as written (a number where a number is expected: PL407)
    "010": "010", "0x10": "0x10", "0o17": "0o17", "0b1": "0b1", "1:30": "1:30",
    "1_000": "1_000", "+12": "+12", ".inf": ".inf", ".nan": ".nan", ".5": ".5", "on": "on",
    "yes": "yes", "9" * 101: "9" * 101,
}


@pytest.mark.parametrize("text", sorted(YAML_SCALARS))
def test_yaml_scalars_are_read_as_yaml_1_2_and_json_read_them(text):
    data = load_document(Source("x.yaml", f"a: {text}\n")).data
    assert data == {"a": YAML_SCALARS[text]}
    assert type(data["a"]) is type(YAML_SCALARS[text])


def test_an_identifier_written_like_a_yaml_1_1_number_keeps_its_text(tmp_path):
    """On c4e9cb5 `imsi: 0123` became the octal 83, written `83`."""
    data = load_document(Source("x.yaml", "imsi: 0123\nname: 0x1F\ntag: 1:30\n")).data
    assert data == {"imsi": "0123", "name": "0x1F", "tag": "1:30"}


def test_yaml_1_1_forms_in_an_account_are_refused_where_a_number_is_expected(tmp_path, capsys):
    account = tmp_path / "a.yaml"
    for text in ("010", "0x10", "1:30", "1_000", "+1_0"):
        account.write_text("account: acme\nplan: Start\nusage:\n  sms:\n    events:\n"
                           f"      - {{on: 2026-11-03, amount: {text}}}\n")
        status, out, err = run_cli(["bill", FLESPI, "--account", str(account), "--period",
                                    "2026-11"], capsys)
        assert status == 1 and out == ""
        assert f"{account}:6:34: error[PL407]: `{text}` is not a number planlang reads" in err


# ---- one duplicate-key rule (item 11) -----------------------------------------------------------

def _account(text: str) -> list[str]:
    from planlang.compile import load_catalog
    from planlang.engine.load import account_from

    catalog = load_catalog(FLESPI)
    return codes(lambda: account_from(load_document(Source("a.yaml", text)), catalog))


def test_a_day_key_and_its_quoted_spelling_are_one_key():
    assert _account("account: a\nplan: Start\nusage:\n  storage:\n    daily:\n"
                    "      2026-11-03: 1 GB\n      \"2026-11-03\": 2 GB\n") == ["PL405"]


def test_a_number_key_and_its_quoted_spelling_are_one_key():
    assert codes(lambda: load_document(Source("a.yaml", "tags: {1: a, \"1\": b}\n"))) == [
        "PL405"]


def test_an_instant_spelled_twice_is_a_duplicate_key():
    problems = diagnostics(lambda: _instants())
    assert [d.code for d in problems] == ["PL405"]
    assert "the same instant as `2026-11-01T00:00:00+00:00`" in problems[0].message
    assert problems[0].span.line == 7  # the second spelling, the key itself


def _instants():
    from planlang.compile import load_catalog
    from planlang.engine.load import account_from

    text = ("account: a\nplan: Start\nusage:\n  storage:\n    snapshots:\n"
            "      2026-11-01T00:00:00Z: 1 GB\n      \"2026-11-01T01:00:00+01:00\": 2 GB\n")
    return account_from(load_document(Source("a.yaml", text)), load_catalog(FLESPI))


def test_a_day_has_one_spelling_in_json_lines_too(tmp_path):
    """On c4e9cb5 `"2026-01-05"` and `"20260105"` were two days of one line, both counted."""
    line = {"account": "e", "plan": "Start",
            "usage": {"storage": {"daily": {"2026-11-05": "1 GB", "20261105": "2 GB"}}}}
    problem = _bill_line(tmp_path, json.dumps(line))
    assert re.search(r"lines\.jsonl:1:\d+: error\[PL404\]: expected a day \(2026-11-01\), not "
                     r"`20261105`", problem.text)


@pytest.mark.parametrize("text", ["20261105", "2026-W45-4", "2026-11-5", "2026-11-05T10", "\u0662026-11-05"])
def test_days_and_instants_have_one_spelling(text):
    from planlang.inputs.convert import parse_date, parse_datetime

    with pytest.raises(InputError):
        parse_date(text)
    with pytest.raises(InputError):
        parse_datetime(text)


# ---- a JSON line: every problem located, never an exception (item 12) ----------------------------

def _bill_line(tmp_path: Path, text: str) -> batch.Problem:
    from planlang.compile import load_catalog

    entry = batch.Entry(str(tmp_path / "lines.jsonl"), 1, text)
    result = batch.bill_entry(load_catalog(FLESPI), entry, ["2026-11"], False)
    assert isinstance(result, batch.Problem), result
    return result


BAD_LINES = {
    "exponent": ('{"account":"b","plan":"Start","usage":{"sms":{"events":[{"on":"2026-11-03",'
                 '"amount":1.5e-99999999999999999999}]}}}', "PL404", 85),
    "3,000 deep": ('{"account":"c","plan":"Start","x":' + "[" * 3000 + "]" * 3000 + "}",
                   "PL406", 34 + MAX_DEPTH),
    "100,000 deep": ('{"account":"c","plan":"Start","x":' + "[" * 100_000 + "]" * 100_000 + "}",
                     "PL406", 34 + MAX_DEPTH),
    "lone surrogate": ('{"account":"d\\ud800","plan":"Start"}', "PL402", 12),
    "DEL and a repeated key": ('{"account":"f\x7f","plan":"Start","x":1,"x":2}', "PL402", 14),
    "U+FFFE and a bad value": ('{"account":"g\ufffe","plan":1}', "PL402", 14),
    "5,000 digits": ('{"account":"h","plan":"Start","usage":{"sms":{"events":[{"on":"2026-11-03",'
                     '"amount":' + "9" * 5000 + "}]}}}", "PL404", 85),
    "NaN": ('{"account":"i","plan":"Start","usage":{"sms":{"events":[{"on":"2026-11-03",'
            '"amount":NaN}]}}}', "PL407", 85),
    "repeated key": ('{"account":"j","plan":"Start","plan":"Pro"}', "PL405", 31),
}


@pytest.mark.parametrize("name", sorted(BAD_LINES))
def test_a_bad_json_line_is_a_located_diagnostic(name, tmp_path):
    text, code, column = BAD_LINES[name]
    problem = _bill_line(tmp_path, text)
    assert f"lines.jsonl:1:{column}: error[{code}]" in problem.text, problem.text
    assert "Traceback" not in problem.text
    problem.text.encode("utf-8")  # writable: no lone surrogate reaches the report


def test_an_escaped_surrogate_pair_is_its_character():
    assert read_json(Source("x", '{"a": "\\ud83d\\ude00"}')) == {"a": "\U0001F600"}
    assert load_document(Source("x.json", '{"a": "\\ud83d\\ude00"}')).data == {"a": "\U0001F600"}


def test_json_depth_is_scanned_before_anything_recursive_reads_it():
    from planlang.inputs.documents import json_depth_exceeds

    assert not json_depth_exceeds('{"a": "[[[[[[["}', 3)  # brackets in strings do not nest
    assert not json_depth_exceeds('[[["\\"[[[["]]]', 3)
    assert json_depth_exceeds("[[[[]]]]", 3)
    assert not json_depth_exceeds("[[[]]]", 3)


def test_a_batch_with_bad_lines_reports_each_and_bills_the_good_ones(tmp_path, capsys):
    """On c4e9cb5 the first of these lines raised, and nothing after it was billed or reported."""
    good = json.dumps({"account": "good", "plan": "Start"})
    lines = [good] + [BAD_LINES[name][0] for name in sorted(BAD_LINES)] + [good]
    accounts = tmp_path / "a.jsonl"
    accounts.write_text("\n".join(lines) + "\n", encoding="utf-8")
    status, out, err = run_cli(["bill", FLESPI, "--accounts", str(accounts), "--period",
                                "2026-11"], capsys)
    assert status == 1 and "Traceback" not in err
    for number, name in enumerate(sorted(BAD_LINES), 2):
        assert f"{accounts}:{number}:{BAD_LINES[name][2]}: error[{BAD_LINES[name][1]}]" in err
    entries = list(batch.open_accounts(str(accounts)))
    from planlang.compile import load_catalog

    results = [batch.bill_entry(load_catalog(FLESPI), e, ["2026-11"], False) for e in entries]
    assert [isinstance(r, list) for r in results] == [True] + [False] * len(BAD_LINES) + [True]


# ---- YAML files: one bad file is a diagnostic, the folder goes on (item 13) ----------------------

BAD_FILES = {
    "bel.yaml": ("account: acme\x07\nplan: Start\n", "PL402", "1:14"),
    "esc.yaml": ("account: \x1b[31macme\nplan: Start\n", "PL402", "1:10"),
    "deep.yaml": ("account: acme\nplan: Start\nx: " + "[" * 1500 + "]" * 1500 + "\n", "PL406",
                  f"3:{3 + MAX_DEPTH}"),
    "deep-block.yaml": ("account: acme\nx:\n" + "".join(" " * i + "- \n" for i in range(1, 1200)),
                        "PL406", None),
    "surrogate.yaml": ('account: "acme\\ud800"\nplan: Start\n', "PL402", "1:10"),
    "bomb.yaml": ("a: &a [1,1,1,1,1,1,1,1,1,1]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
                  "c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
                  "e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
                  "g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f,*f]\nh: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g,*g]\n",
                  "PL406", "5:29"),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_a_bad_yaml_file_is_a_located_diagnostic(name):
    text, code, where = BAD_FILES[name]
    found = diagnostics(lambda: load_document(Source(name, text)))
    assert [d.code for d in found] == [code]
    if where is not None:
        assert f"{found[0].span.line}:{found[0].span.column}" == where
    render_all(found).encode("utf-8")


def test_one_bad_file_does_not_stop_a_folder(tmp_path, capsys):
    """On c4e9cb5 a BEL in one file of `--accounts DIR` raised ReaderError: nothing was billed."""
    folder = tmp_path / "accounts"
    folder.mkdir()
    (folder / "a-good.yaml").write_text("account: good\nplan: Start\n")
    for name, (text, _, _) in BAD_FILES.items():
        (folder / name).write_text(text, encoding="utf-8")
    (folder / "z-good.yaml").write_text("account: also-good\nplan: Start\n")
    status, out, err = run_cli(["bill", FLESPI, "--accounts", str(folder), "--period", "2026-11"],
                               capsys)
    assert status == 1 and "Traceback" not in err
    for name, (_, code, _where) in BAD_FILES.items():
        assert re.search(rf"{re.escape(str(folder / name))}:\d+:\d+: error\[{code}\]", err), name
    from planlang.compile import load_catalog

    results = [batch.bill_entry(load_catalog(FLESPI), e, ["2026-11"], False)
               for e in batch.open_accounts(str(folder))]
    billed = [r[0].account for r in results if isinstance(r, list)]
    assert billed == ["good", "also-good"]


# ---- subscribers_from lines (item 14) -----------------------------------------------------------

SUBSCRIBER_LINES = {
    "invalid UTF-8": (b'{"imsi":"2\xff"}', "PL402", 11),
    "5,000 digits": (b'{"imsi":"2","usage":{"sms_delivered":{"daily":{"2026-11-03":'
                     + b"9" * 5000 + b"}}}}", "PL404", 61),
    "huge exponent": (b'{"imsi":"3","usage":{"sms_delivered":{"daily":{"2026-11-03":'
                      b'1e999999999999}}}}', "PL404", 61),
    "deep": (b'{"imsi":"4","x":' + b"[" * 5000 + b"]" * 5000 + b"}", "PL406", 16 + MAX_DEPTH),
    "repeated key": (b'{"imsi":"5","name":"a","name":"b"}', "PL405", 24),
    "repeated day": (b'{"imsi":"6","usage":{"sms_delivered":{"daily":{"2026-11-03":1,'
                     b'"2026-11-03":2}}}}', "PL405", 63),
    "lone surrogate": (b'{"imsi":"7","name":"\\udc00"}', "PL402", 20),
    "control character": (b'{"imsi":"8","name":"a\x1b[2Jb"}', "PL402", 22),
    "a day's figure in another dimension": (b'{"imsi":"9","usage":{"sms_delivered":{"daily":'
                                            b'{"2026-11-03":"1,000 GB"}}}}', "PL413", 61),
    "a negative day's figure": (b'{"imsi":"10","usage":{"sms_delivered":{"daily":'
                                b'{"2026-11-03":-2}}}}', "PL414", 62),
}


@pytest.mark.parametrize("name", sorted(SUBSCRIBER_LINES))
def test_a_bad_subscriber_line_is_a_located_diagnostic(name, tmp_path, capsys):
    line, code, column = SUBSCRIBER_LINES[name]
    (tmp_path / "acct.yaml").write_text("account: acme\nsubscribers_from: sims.jsonl\n")
    (tmp_path / "sims.jsonl").write_bytes(b'{"imsi":"295050910000001"}\n' + line + b"\n")
    status, out, err = run_cli(["bill", SORACOM, "--account", str(tmp_path / "acct.yaml"),
                                "--period", "2026-11", "--format", "csv"], capsys)
    assert status == 1 and "Traceback" not in err
    assert f"{tmp_path / 'sims.jsonl'}:2:{column}: error[{code}]" in err, err


# ---- limits: costs in proportion to the input (item 19) ------------------------------------------

def test_an_alias_bomb_is_refused_while_composing():
    """On c4e9cb5 a 326-byte bomb took 7.7 s and 475 MB before PL406."""
    found = diagnostics(lambda: load_document(Source("b.yaml", BAD_FILES["bomb.yaml"][0])))
    assert [d.code for d in found] == ["PL406"]  # said by the composer, before any construction
    assert "aliases expand the document by more than 100,000 values" in found[0].message


def test_an_alias_that_repeats_its_own_container_is_refused():
    found = diagnostics(lambda: load_document(Source("r.yaml", "a: &a\n  b: *a\n")))
    assert [d.code for d in found] == ["PL406"] and "contains it" in found[0].message


def test_a_document_over_the_size_limit_is_refused_before_it_is_parsed(monkeypatch):
    from planlang.inputs import documents as yamlio

    def parse(*_args, **_kwargs):
        raise AssertionError("a document over the limit was parsed")

    monkeypatch.setattr(yamlio, "_load", parse)
    text = "account: acme\n# " + "x" * MAX_CHARS + "\n"
    found = diagnostics(lambda: load_document(Source("big.yaml", text)))
    assert [d.code for d in found] == ["PL406"] and "characters" in found[0].message


def test_a_malformed_file_has_the_same_diagnostic_with_or_without_libyaml(monkeypatch):
    from planlang.inputs import documents as yamlio

    texts = ["account: [acme\nplan: Start\n", "a: 'x\n", "a:\n\t- 1\n", "a: !!python/object x\n",
             "a: *nope\n", "- a\nb: c\n", 'a: "\\ud800"\n']
    fast = [render_all(diagnostics(lambda t=t: load_document(Source("m.yaml", t))))
            for t in texts]
    monkeypatch.setattr(yamlio, "_CParser", None)
    slow = [render_all(diagnostics(lambda t=t: load_document(Source("m.yaml", t))))
            for t in texts]
    assert fast == slow


def test_both_loaders_read_the_same_data(monkeypatch):
    from planlang.inputs import documents as yamlio

    text = (REPO / "examples" / "soracom-air-account.yaml").read_text(encoding="utf-8")
    fast = load_document(Source("a.yaml", text))
    monkeypatch.setattr(yamlio, "_CParser", None)
    slow = load_document(Source("a.yaml", text))
    assert fast.data == slow.data
    assert {p: (s.start, s.end) for p, s in fast.spans.items()} == {
        p: (s.start, s.end) for p, s in slow.spans.items()}


def test_a_quiet_month_is_measured_once_and_measured_the_same(monkeypatch):
    """On c4e9cb5 a 3-line account with `since: 1927-01` took 6 s: every meter measured day by
    day in every month. A month without data is now measured once per month length."""
    from planlang.compile import load_catalog
    from planlang.engine import metering
    from planlang.engine.calendar import Period

    catalog = load_catalog(FLESPI)
    meter = next(iter(catalog.meters.values()))
    for period in (Period(2026, 2), Period(2026, 11), Period(1927, 1)):
        assert metering.measure(meter, None, period) == metering._measure(
            meter, metering.Series(), period)
    calls = []
    real = metering._measure
    monkeypatch.setattr(metering, "_measure", lambda *a: calls.append(a) or real(*a))
    metering._QUIET.clear()
    from planlang.engine import evaluate_periods
    from planlang.inputs.account import Account

    evaluate_periods(catalog, Account(account="a", plan="Start", since="1927-01"), ["2026-11"])
    assert len(calls) <= 4 * len(catalog.meters)  # month lengths 28-31, not 1,199 months


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 400), st.integers(-5, 5)), max_size=30),
       st.integers(-10, 410))
def test_a_count_level_found_by_bisection_is_the_sum_of_the_changes_before(changes, at):
    import datetime as dt

    from planlang.engine.metering import Series

    origin = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)
    moments = sorted((origin + dt.timedelta(days=d), Fraction(n)) for d, n in changes)
    series = Series(tuple(moments))
    moment = origin + dt.timedelta(days=at)
    index, level = series.level_before(moment)
    assert index == sum(1 for t, _ in moments if t <= moment)
    assert level == sum((n for t, n in moments if t <= moment), Fraction(0))


@pytest.mark.parametrize("text", ["a: {1: x, 1.0: y}", "a: {true: x, 1: y}", 'a: {true: x, "true": y}'])
def test_keys_python_would_merge_are_duplicate_keys(text):
    """`1` and `1.0` (or `true` and `1`) are one Python dict key: the second would overwrite."""
    assert codes(lambda: load_document(Source("k.yaml", text))) == ["PL405"]


def test_a_week_date_is_refused_in_every_mode(tmp_path):
    """`2026-W45-4` is ten characters like a day: the compiled path must not take it as one."""
    from planlang.compile import load_catalog

    line = json.dumps({"account": "w", "plan": "Start", "usage": {"sms": {"events": [
        {"on": "2026-W45-4", "amount": 5}]}}})
    catalog = load_catalog(FLESPI)
    entry = batch.Entry(str(tmp_path / "w.jsonl"), 1, line)
    for explain in (False, True):
        result = batch.bill_entry(catalog, entry, ["2026-11"], explain)
        assert isinstance(result, batch.Problem) and "error[PL404]" in result.text


def test_a_json_file_is_read_fast_and_located_only_when_needed(tmp_path):
    from planlang.compile import load_catalog
    from planlang.engine.load import account_from
    from planlang.inputs.documents import load_text

    text = json.dumps({"account": "j", "plan": "Start", "usage": {"storage": {"daily": {
        "2026-11-01": "4000 MB", "2026-11-02": 1.50, "2026-11-03": "10,5 GB"}}}}, indent=1)
    fast = load_text(Source("a.json", text))
    assert not fast.located  # read by json.loads: no positions made
    assert fast.data == load_document(Source("a.json", text)).data
    catalog = load_catalog(FLESPI)
    found = diagnostics(lambda: account_from(fast, catalog))
    slow = diagnostics(lambda: account_from(load_document(Source("a.json", text)), catalog))
    assert render_all(found) == render_all(slow)
    assert [d.code for d in found] == ["PL407"] and found[0].span.line == 9


@pytest.mark.parametrize("text", ["{account: acme, plan: Start}\n", '{"a": 1} # comment\n',
                                  '{"a": NaN}', '{"a": "\\ud800"}', '{"a": 1, "a": 2}'])
def test_yaml_that_looks_like_json_is_read_as_yaml(text):
    from planlang.inputs.documents import load_text

    def both(load):
        try:
            return load(Source("y.yaml", text)).data
        except PlanlangError as error:
            return render_all(error.diagnostics)

    assert both(load_text) == both(load_document)


def test_a_yaml_file_makes_its_positions_only_when_a_diagnostic_needs_them():
    from planlang.compile import load_catalog
    from planlang.engine.load import account_from
    from planlang.inputs.documents import load_text

    text = ("account: y\nplan: Start\nusage:\n  storage:\n    daily:\n      2026-11-01: 4000 MB\n"
            "      2026-11-02: 10,5 GB\n")
    lazy = load_text(Source("a.yaml", text))
    assert not lazy.located and not lazy.spans
    assert lazy.data == load_document(Source("a.yaml", text)).data
    catalog = load_catalog(FLESPI)
    found = render_all(diagnostics(lambda: account_from(lazy, catalog)))
    assert found == render_all(diagnostics(
        lambda: account_from(load_document(Source("a.yaml", text)), catalog)))
    assert found.startswith("a.yaml:7:19: error[PL407]")
    # an error found while loading is shown with every position, labels included
    duplicate = "account: y\nplan: Start\nplan: Pro\n"
    assert render_all(diagnostics(lambda: load_text(Source("d.yaml", duplicate)))) == render_all(
        diagnostics(lambda: load_document(Source("d.yaml", duplicate))))


def test_a_deep_json_line_is_refused_without_the_yaml_reader(monkeypatch):
    """A JSON line nested past the limit is PL406 from one linear pass over its brackets, where
    the composer would say it, without the YAML reader (whose scanner takes half a second on deep
    flow nesting: a batch of such lines took minutes)."""
    from planlang.inputs import documents as yamlio

    line = '{"account": "a", "plan": ' + "[" * 100_000 + "]" * 100_000 + "}"
    expected = None
    try:
        yamlio.load_document(Source("x.jsonl", line))
    except PlanlangError as error:
        expected = error.diagnostics[0]

    def refuse(*_args, **_kwargs):
        raise AssertionError("the YAML reader was asked to read a line too deep for it")

    monkeypatch.setattr(yamlio, "load_document", refuse)
    with pytest.raises(PlanlangError) as raised:
        yamlio.read_json(Source("x.jsonl", line))
    found = raised.value.diagnostics[0]
    assert expected is not None and found.code == expected.code == "PL406"
    assert (found.message, found.span.start) == (expected.message, expected.span.start)
