"""Scenario specs: an account's story in YAML and the outcome expected for each period.

A scenario names a catalog (relative to the scenario file), the account (its plan and its dated
measurements and requests) and, per period, the expected total, lines and decisions. Only what a
scenario states is compared; when it lists `lines` or `decisions`, every actual one must be listed.
A failure names the scenario's line and shows expected and actual side by side.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import attrs

from planlang.compile import load_catalog, shown_path, unreadable
from planlang.diagnostics import Diagnostic, PlanlangError, escape, render
from planlang.engine import bill_account
from planlang.engine.load import account_from, load_data
from planlang.engine.results import Bill, ChargeLine, Decision
from planlang.inputs.account import Amount
from planlang.inputs.convert import InputError, located, parse_period, structure
from planlang.inputs.documents import Document
from planlang.money import exact, format_number

SUFFIX = ".scenario.yaml"


@attrs.frozen
class LineExpect:
    item: str
    date: str | None = None  # a daily record's YYYYMMDD (or YYYYMM): also used to find the line
    subject: str | None = None  # the IMSI or VPG id: also used to find the line
    kind: str | None = None
    plan: str | None = None
    quantity: Amount | None = None
    unit: str | None = None
    unit_price: Amount | None = None
    amount: Amount | None = None
    rule: str | None = None


@attrs.frozen
class DecisionExpect:
    kind: str
    subject: str | None = None
    date: dt.date | None = None
    outcome: str | None = None
    reason: str | None = None
    reasons: tuple[str, ...] | None = None  # every reason code, in order
    message: str | None = None
    lowest_plan: str | None = None
    rule: str | None = None
    effective: dt.date | None = None


@attrs.frozen
class PeriodExpect:
    plan: str | None = None
    next_plan: str | None = None
    total: Amount | None = None
    lines: tuple[LineExpect, ...] | None = None
    decisions: tuple[DecisionExpect, ...] | None = None
    messages: tuple[DecisionExpect, ...] | None = None


@attrs.frozen
class ScenarioSpec:
    scenario: str
    catalog: str
    account: dict[str, Any]
    periods: dict[str, PeriodExpect] = attrs.Factory(dict)
    expect_error: str | None = None


@attrs.frozen
class Failure:
    line: int
    where: str
    expected: str
    actual: str


@attrs.frozen
class ScenarioResult:
    path: str
    name: str
    failures: tuple[Failure, ...] = ()
    error: str | None = None  # the rendered diagnostics when the scenario could not run
    bills: tuple[Bill, ...] = ()
    catalog_name: str = ""

    @property
    def passed(self) -> bool:
        return not self.failures and self.error is None

    def report(self) -> str:
        """What `planlang test` prints of this scenario. Names and values come from files planlang
        does not control: each goes through `escape`, so a terminal shows them and obeys none."""
        path, name = escape(str(self.path)), escape(str(self.name))
        if self.error is not None:
            return f"ERROR {path}: {name}\n{self.error}"  # a rendered diagnostic: escaped already
        if self.passed:
            return f"ok    {path}: {name}"
        out = [f"FAIL  {path}: {name}"]
        for f in self.failures:
            out.append(f"  {path}:{f.line}: {escape(str(f.where))}")
            out.append(f"    expected: {_escape_lines(f.expected)}")
            out.append(f"    actual:   {_escape_lines(f.actual)}")
        return "\n".join(out)


def _escape_lines(value) -> str:
    """A value as `escape` shows it, its line breaks kept (an actual error is a rendered diagnostic
    of several lines, escaped already: escaping again changes nothing)."""
    return "\n".join(escape(line) for line in str(value).split("\n"))


def find_scenarios(paths: list[str]) -> tuple[list[Path], list[Diagnostic]]:
    found: list[Path] = []
    problems: list[Diagnostic] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found += sorted(path.rglob("*" + SUFFIX))
        elif path.is_file():
            found.append(path)
        else:
            problems.append(Diagnostic("PL401", f"`{name}` does not exist"))
    return found, problems


@exact
def run_file(path: str | Path) -> ScenarioResult:
    path = Path(path)
    try:
        document = load_data(path)
        spec = structure(document, ScenarioSpec)
    except PlanlangError as error:
        return ScenarioResult(str(path), path.name, error=_rendered(error))
    try:
        return run_spec(path, document, spec)
    except PlanlangError as error:
        return _expected_error(path, document, spec, error)


def _rendered(error: PlanlangError) -> str:
    return "\n".join(render(d) for d in error.diagnostics)


@exact
def run_spec(path: Path, document: Document, spec: ScenarioSpec) -> ScenarioResult:
    catalog_path = (path.parent / spec.catalog).resolve()
    try:
        catalog = load_catalog(_relative(catalog_path))
    except PlanlangError:
        why = unreadable(catalog_path)
        if why is not None:
            raise PlanlangError([located(document, ("catalog",), "PL401",
                                         f"catalog `{shown_path(spec.catalog)}` {why}",
                                         help="the path is relative to the scenario file")]) from None
        raise
    prepared = account_from(document, catalog, ("account",), spec.account)
    periods = []
    for key in spec.periods:
        try:
            periods.append(parse_period(key))
        except InputError as error:
            raise PlanlangError([located(document, ("periods", key), "PL404", str(error),
                                         on_key=True)]) from None
    failures: list[Failure] = []
    # (a catalog's subscribers are checked, and located, even with no period to bill)
    bills = bill_account(catalog, prepared, sorted(periods), document=document, path=path,
                         prefix=("account",))
    for bill in bills:
        failures += compare_period(document, ("periods", bill.period), spec.periods[bill.period],
                                   bill)
    if spec.expect_error is not None:
        failures.append(Failure(_line(document, ("expect_error",)), "expected an error",
                                spec.expect_error, "the scenario ran without error"))
    return ScenarioResult(str(path), spec.scenario, tuple(failures), bills=tuple(bills),
                          catalog_name=catalog.name)


def _relative(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _expected_error(path: Path, document: Document, spec: ScenarioSpec,
                    error: PlanlangError) -> ScenarioResult:
    codes = [d.code for d in error.diagnostics]
    if spec.expect_error is None:
        return ScenarioResult(str(path), spec.scenario, error=_rendered(error))
    if spec.expect_error in codes:
        return ScenarioResult(str(path), spec.scenario)
    return ScenarioResult(str(path), spec.scenario, (Failure(
        _line(document, ("expect_error",)), "error code", spec.expect_error,
        ", ".join(codes) + "\n" + _rendered(error)),))


def _line(document: Document, path: tuple) -> int:
    return document.span(path).line


def compare_period(document: Document, at: tuple, expect: PeriodExpect, bill: Bill):
    failures = []
    where = f"period {bill.period}"
    if expect.plan is not None and expect.plan != bill.plan:
        failures.append(Failure(_line(document, at + ("plan",)), f"{where}, plan", expect.plan,
                                bill.plan))
    if expect.next_plan is not None and expect.next_plan != bill.next_plan:
        failures.append(Failure(_line(document, at + ("next_plan",)), f"{where}, next plan",
                                expect.next_plan, str(bill.next_plan)))
    if expect.total is not None and expect.total.value != bill.total:
        failures.append(Failure(_line(document, at + ("total",)), f"{where}, total",
                                str(expect.total.value), f"{bill.total}  (lines: "
                                + ", ".join(f"{ln.item} {ln.amount}" for ln in bill.lines) + ")"))
    if expect.lines is not None:
        failures += _compare_lines(document, at + ("lines",), expect.lines, bill, where)
    if expect.decisions is not None:
        failures += _compare_decisions(document, at + ("decisions",), expect.decisions,
                                       bill.decisions, where)
    if expect.messages is not None:
        failures += _compare_decisions(document, at + ("messages",), expect.messages,
                                       bill.messages, where, "billing message")
    return failures


def _null_keys(document: Document, path: tuple) -> set[str]:
    """The keys a scenario states as `null` in the mapping at `path`: "expected absent"."""
    data = document.data
    for step in path:
        try:
            data = data[step]
        except (KeyError, IndexError, TypeError):
            return set()
    return {k for k, v in data.items() if v is None} if isinstance(data, dict) else set()


def _rule_matches(expected: str, actual) -> bool:
    if actual is None:
        return False
    text = f"{actual.file}:{actual.line}"
    return text == expected or text.endswith("/" + expected) or expected == str(actual.line)


_LINE_FIELDS = ("kind", "plan", "quantity", "unit", "unit_price", "amount", "rule")


def _field_matches(name: str, expected, actual) -> bool:
    if name == "rule":
        return _rule_matches(expected, actual)
    if isinstance(expected, Amount):
        return expected.value == actual
    return expected == actual


def _shown(value) -> str:
    if isinstance(value, Amount):
        return format_number(value.value)
    return str(value)


def _compare_lines(document, at, expected: tuple[LineExpect, ...], bill: Bill, where: str):
    failures = []
    remaining: list[ChargeLine] = list(bill.lines)
    for index, want in enumerate(expected):
        path = at + (index,)
        match = next((ln for ln in remaining if ln.item == want.item
                      and (want.kind is None or want.kind == ln.kind)
                      and (want.date is None or want.date == ln.date)
                      and (want.subject is None or want.subject == ln.subject)
                      and (want.plan is None or want.plan == ln.plan)), None)
        if match is None:
            failures.append(Failure(_line(document, path), f"{where}, line `{want.item}`",
                                    "a line for " + want.item,
                                    "no such line; lines are: "
                                    + ", ".join(f"`{ln.item}`" + (f" {ln.date}" if ln.date else "")
                                                for ln in bill.lines[:40])
                                    + (" …" if len(bill.lines) > 40 else "")))
            continue
        remaining.remove(match)
        for name in _LINE_FIELDS:
            value = getattr(want, name)
            if value is None:
                continue
            actual = getattr(match, name)
            if not _field_matches(name, value, actual):
                failures.append(Failure(_line(document, path + (name,)),
                                        f"{where}, line `{want.item}`, {name}", _shown(value),
                                        str(actual)))
    for extra in remaining:
        failures.append(Failure(_line(document, at), f"{where}, unexpected line `{extra.item}`",
                                "no such line (every line of the period is listed)",
                                f"{extra.item}: {format_number(extra.quantity)} {extra.unit}, "
                                f"amount {extra.amount} ({extra.rule})"))
    return failures


def _compare_decisions(document, at, expected: tuple[DecisionExpect, ...],
                       actual: tuple[Decision, ...], where, noun: str = "decision"):
    failures = []
    remaining: list[Decision] = list(actual)
    for index, want in enumerate(expected):
        path = at + (index,)
        match = next((d for d in remaining if d.kind == want.kind
                      and (want.subject is None or d.subject == want.subject)
                      and (want.date is None or d.date == want.date)), None)
        label = f"{where}, {noun} `{want.kind}`" + (f" on `{want.subject}`" if want.subject
                                                    else "")
        if match is None:
            failures.append(Failure(_line(document, path), label, f"such a {noun}",
                                    f"none; {noun}s are: " + (", ".join(
                                        f"{d.kind} {d.subject} ({d.outcome})"
                                        for d in actual) or "none")))
            continue
        remaining.remove(match)
        checks = [
            ("outcome", want.outcome, match.outcome, want.outcome == match.outcome),
            ("reason", want.reason, ", ".join(r.code for r in match.reasons),
             any(r.code == want.reason for r in match.reasons)),
            ("reasons", None if want.reasons is None else ", ".join(want.reasons),
             ", ".join(r.code for r in match.reasons),
             want.reasons == tuple(r.code for r in match.reasons)),
            ("message", want.message, " / ".join(r.message for r in match.reasons),
             any((want.message or "") in r.message for r in match.reasons)),
            ("lowest_plan", want.lowest_plan, match.lowest_plan,
             want.lowest_plan == match.lowest_plan),
            ("rule", want.rule, match.rule, want.rule is not None and
             _rule_matches(want.rule, match.rule)),
            ("effective", want.effective, match.effective, want.effective == match.effective),
        ]
        stated_null = _null_keys(document, path)
        for name, value, got, ok in checks:
            if value is not None and not ok:
                failures.append(Failure(_line(document, path + (name,)), f"{label}, {name}",
                                        str(value), str(got)))
            elif value is None and name in stated_null and got not in (None, ""):
                failures.append(Failure(_line(document, path + (name,)), f"{label}, {name}",
                                        "none (stated as null)", str(got)))
    for extra in remaining:
        failures.append(Failure(_line(document, at), f"{where}, unexpected {noun}",
                                f"no such {noun} (every {noun} of the period is listed)",
                                f"{extra.kind} {extra.subject}: {extra.outcome}"))
    return failures


@exact
def run_paths(paths: list[str]) -> tuple[list[ScenarioResult], list[Diagnostic]]:
    files, problems = find_scenarios(paths)
    return [run_file(f) for f in files], problems
