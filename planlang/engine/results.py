"""What evaluation returns: charge lines, decisions and the bill, as frozen attrs classes.

Every line and decision names the plan rule (file, line) that produced it and carries its
computation steps, so `planlang bill --explain` and the JSON output can show why. `to_data`
unstructures a bill through the project's one converter into JSON-ready data (amounts as text):
the one definition of a bill's JSON form. `json_line` writes that form as one compact JSON line
without building the data first, by a writer derived from the same classes and the converter's
own hooks (`_writer`); tests/test_output_json.py holds it to `json.dumps(to_data(bill))`.
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from collections.abc import Callable
from decimal import Decimal
from json.encoder import encode_basestring
from typing import Any

import attrs

from planlang.model import RuleRef
from planlang.money import exact


@attrs.frozen
class Step:
    """One step of a computation: a label and the value it produced, as shown to a reader."""

    label: str
    value: str


@attrs.frozen
class ChargeLine:
    kind: str  # "fee", "add-on", "extra", "tier", "refund", "record", "discount", "true-up", "cap"
    item: str  # the plan fee, an item (`channels`), or the SLA refund
    plan: str
    period: str  # YYYY-MM
    quantity: Decimal
    unit: str
    unit_price: Decimal
    amount: Decimal
    rule: RuleRef
    steps: tuple[Step, ...] = ()
    date: str | None = None  # a daily record's YYYYMMDD (YYYYMM for a monthly discount)
    subject: str | None = None  # the subscriber (IMSI) or gateway (VPG id) it bills


@attrs.frozen
class Reason:
    code: str
    message: str


@attrs.frozen
class Decision:
    kind: str  # create, plan-change, tier-change, add-on, notification, quota-refusal, dunning,
    #            status, not-billed, usage-over-limit, usage-not-offered, sla-refund, coupon
    subject: str
    date: dt.date
    outcome: str  # allowed, refused, sent, exceeded, refunded, …
    reasons: tuple[Reason, ...]
    rule: RuleRef | None
    lowest_plan: str | None = None
    steps: tuple[Step, ...] = ()
    effective: dt.date | None = None  # when an allowed change takes effect


@attrs.frozen
class Bill:
    account: str
    plan: str
    period: str
    currency: str
    lines: tuple[ChargeLine, ...]
    total: Decimal
    decisions: tuple[Decision, ...]
    notes: tuple[str, ...] = ()
    next_plan: str | None = None  # the plan the account is on when the next period starts
    messages: tuple[Decision, ...] = ()  # billing messages: invoice issued, automatic charge


@exact
def to_data(bill: Bill) -> dict:
    from planlang.inputs.convert import converter

    data = converter.unstructure(bill)
    for line in data["lines"] + data["decisions"] + data["messages"]:
        line["rule"] = rule_text(line.pop("rule"))  # last, as `file:line`
    return data


def rule_text(rule: RuleRef | dict | None) -> str | None:
    """The rule of a line or decision in the JSON form: `file:line`, or None."""
    if not rule:
        return None
    if isinstance(rule, dict):
        return f"{rule['file']}:{rule['line']}"
    return f"{rule.file}:{rule.line}"


def json_line(bill: Bill, steps: bool = True) -> str:
    """`json.dumps(to_data(bill), ensure_ascii=False, separators=(",", ":")) + "\n"`, byte for
    byte, written directly from the bill; without `steps`, the `steps` lists of its lines,
    decisions and messages are left out. A value the derived writer cannot write (one whose type
    is not its field's) is written through `to_data`."""
    write = _writer(Bill, steps)
    try:
        return write(bill) + "\n"
    except (TypeError, AttributeError):
        import json

        data = to_data(bill)
        if not steps:
            for entry in data["lines"] + data["decisions"] + data["messages"]:
                entry.pop("steps", None)
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n"


# ---- the writer of the JSON form, derived from the classes and the converter -------------------
#
# For each attrs class, one generated function writes an instance as compact JSON text: its fields
# in declaration order (the order `converter.unstructure` gives), each value through the
# converter's unstructure hook for the field's declared type and then `json`'s own string
# encoder; `rule` last, as `rule_text` (what `to_data` does); `steps` left out unless asked for.
# Text, Decimals, dates, tuples and attrs classes are written inline; a value of any other type
# through its hook and `json.dumps` itself.

_WRITERS: dict[tuple[type, bool], Callable[[Any], str]] = {}


def _writer(cls: type, steps: bool) -> Callable[[Any], str]:
    made = _WRITERS.get((cls, steps))
    if made is None:
        made = _WRITERS[(cls, steps)] = _make_writer(cls, steps)
    return made


def json_writer(cls: type, steps: bool, values: dict[str, str], names: dict[str, Any],
                items: dict[str, Callable[[Any], str]] | None = None) -> Callable[[Any], str]:
    """A writer of `cls`'s JSON form, as `json_line` writes an instance (the same keys in the
    same order, each value through its field's hook, `rule` last, `steps` left out unless asked
    for), reading the values from another object `o` (a compiled path's tuple): `values[field]`
    is the source of a Python expression over `o` and `names` for the field's value; a field not
    in `values` takes its default. `items[field]` writes the items of a tuple field (or the value
    of an attrs field) in place of their class's writer. For writing bills straight from figures
    without making the `Bill` first; tests/test_output_json.py holds it to `json_line`."""
    return _make_writer(cls, steps, values, names, items or {})


def json_maker(cls: type, values: dict[str, str], names: dict[str, Any],
               items: dict[str, Callable[[Any], Any]] | None = None) -> Callable[[Any], Any]:
    """The instance of `cls` that `json_writer(cls, …, values, names, items)` writes for `o`:
    each field in `values` from its expression, the others their defaults, a tuple field's items
    made by `items[field]`. The bills and their JSON written straight from figures thus take
    their values from one table."""
    namespace: dict[str, Any] = {"cls": cls, **names}
    arguments = []
    for name, source in values.items():
        if items and name in items:
            helper = f"m{len(namespace)}"
            namespace[helper] = items[name]
            source = f"tuple(map({helper}, {source}))"
        arguments.append(f"{name}={source}")
    text = f"def make(o):\n    return cls({', '.join(arguments)})\n"
    exec(compile(text, f"<maker of {cls.__name__}>", "exec"), namespace)
    return namespace["make"]


def _make_writer(cls: type, steps: bool, values: dict[str, str] | None = None,
                 names: dict[str, Any] | None = None,
                 items: dict[str, Callable[[Any], str]] | None = None) -> Callable[[Any], str]:
    """The writer of `cls`: one f-string, its keys as constant text, each value an expression
    (`json_writer` for `values`, `names` and `items`)."""
    hints = typing.get_type_hints(cls)
    fields = [field for field in attrs.fields(cls) if steps or field.name != "steps"]
    fields.sort(key=lambda field: field.name == "rule")  # `to_data` moves it last
    namespace: dict[str, Any] = {"text": encode_basestring, "rule_text": rule_text, **(names or {})}
    pieces = []
    for index, field in enumerate(fields):
        name = field.name
        if values is None:
            source = f"o.{name}"
        elif name in values:
            source = values[name]
        else:  # not given: the field's default
            assert field.default is not attrs.NOTHING and not isinstance(
                field.default, attrs.Factory), name  # type: ignore[arg-type]
            source = f"d{len(namespace)}"
            namespace[source] = field.default
        key = ("{" if index == 0 else ",") + encode_basestring(name) + ":"
        if name == "rule":
            value = _expression(str | None, f"rule_text({source})", namespace, steps)
        elif items and name in items:
            helper = f"w{len(namespace)}"
            namespace[helper] = items[name]
            value = (f"{helper}({source})" if attrs.has(hints[name])
                     else _sequence(helper, source))
        else:
            value = _expression(hints[name], source, namespace, steps)
        pieces.append(_literal(key) + "{" + value + "}")
    body = "".join(pieces) + "}}"  # the closing brace, as f-string text
    source = "def write(o):\n    return f'" + body + "'\n"
    exec(compile(source, f"<json writer of {cls.__name__}>", "exec"), namespace)
    namespace["write"].source = source
    return namespace["write"]


def _literal(text: str) -> str:
    """Constant text inside the generated f'…' string."""
    assert "'" not in text and "\\" not in text and "\n" not in text, text
    return text.replace("{", "{{").replace("}", "}}")


def _expression(kind: Any, value: str, namespace: dict[str, Any], steps: bool) -> str:
    """Source text of an expression (inside the f-string: no `'`) that writes `value`, of the
    declared type `kind`, as JSON: as the converter unstructures it, then as `json.dumps`."""
    from cattrs.fns import identity

    from planlang.inputs.convert import converter

    if typing.get_origin(kind) in (typing.Union, types.UnionType):  # X | None
        [inner] = [arg for arg in typing.get_args(kind) if arg is not type(None)]
        local = f"v{len(namespace)}"  # the value, evaluated once
        return (f'"null" if ({local} := {value}) is None else '
                f"{_expression(inner, local, namespace, steps)}")
    if attrs.has(kind):
        helper = f"w{len(namespace)}"
        namespace[helper] = _writer(kind, steps)
        return f"{helper}({value})"
    if typing.get_origin(kind) is tuple and typing.get_args(kind)[1:] == (Ellipsis,):
        item = typing.get_args(kind)[0]
        helper = f"w{len(namespace)}"
        namespace[helper] = None  # the name taken before the item's expression takes others
        namespace[helper] = (_writer(item, steps) if attrs.has(item) else eval(
            f"lambda item: {_expression(item, 'item', namespace, steps)}", namespace))
        return _sequence(helper, value)
    if kind in (str, Decimal, dt.date):  # the converter gives them as text
        hook = converter.get_unstructure_hook(kind)
        if hook is identity:
            return f"text({value})"
        helper = f"h{len(namespace)}"
        namespace[helper] = hook
        return f"text({helper}({value}))"
    # any other type (an enum, a mapping, …): its hook's data, as `json.dumps` writes it
    helper = f"h{len(namespace)}"
    namespace[helper] = converter.get_unstructure_hook(kind)
    namespace["dump"] = _dump
    return f"dump({helper}({value}))"


def _sequence(helper: str, value: str) -> str:
    """Source text writing the tuple `value` as a JSON list, each item by the writer `helper`."""
    local = f"s_{helper}"  # the value, evaluated once
    return f'"[" + ",".join(map({helper}, {local})) + "]" if ({local} := {value}) else "[]"'


def _dump(data: Any) -> str:
    import json

    return json.dumps(data, ensure_ascii=False, separators=(",", ":"))
