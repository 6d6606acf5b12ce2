"""The one cattrs converter, for every file and JSON boundary, and located input errors.

Structuring reads exact numbers (int, Decimal or text such as `4000 MB`, never a float), UTC dates
and times, and forbids unknown keys. A structuring failure becomes PL4xx diagnostics that name the
file, line and column and the key or value at fault (`transform_error`'s paths, resolved against
the document's spans).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from typing import Any, get_args, get_origin

import attrs
import cattrs
from cattrs.errors import (
    ClassValidationError,
    ForbiddenExtraKeysError,
    IterableValidationError,
    IterableValidationNote,
)
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from planlang.diagnostics import Diagnostic, did_you_mean
from planlang.inputs.account import Amount, DayValue, Event, Interval, UsageEvent
from planlang.inputs.documents import (  # the JSON readers' numbers, used here and by the engine
    MAX_EXPONENT_DIGITS,
    MAX_NUMBER_CHARS,
    Document,
)
from planlang.money import MAX_DIGITS, fraction_to_decimal, within_bounds


class InputError(ValueError):
    """A value that cannot be read; its message says what was expected. `code` is its
    diagnostic's code (PL404 unless said otherwise), `on_key` that the key is at fault."""

    def __init__(self, message: str, code: str = "PL404", on_key: bool = False,
                 help: str | None = None):
        super().__init__(message)
        self.code = code
        self.on_key = on_key
        self.help = help


#: Longer number text is out of range before it is converted (a 5,000-digit integer, a huge
#: exponent): converting it would cost time or raise.

# The one form of a number in an account, a scenario or a JSON line: ASCII digits, grouped by
# commas in threes or not at all, no leading zero, an optional point with digits on both sides,
# an optional exponent, an optional sign; then, in text, an optional unit.
_INTEGER = r"(?:0|[1-9][0-9]{0,2}(?:,[0-9]{3})+|[1-9][0-9]*)"
NUMBER_FORM = rf"[+-]?{_INTEGER}(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?"
_UNIT = r"[A-Za-z][A-Za-z0-9_]*|%"  # after a space or not (`10GB`)
_AMOUNT = re.compile(rf"\s*({NUMBER_FORM})\s*({_UNIT})?\s*", re.ASCII)
_WITH_UNIT = rf"(?:\s*(?:{_UNIT}))?\s*"
_BASED = re.compile(r"\s*[+-]?0[xXoObB][0-9A-Za-z_]*\s*", re.ASCII)
_SEXAGESIMAL = re.compile(rf"\s*[+-]?[0-9][0-9_]*(?::[0-9_]+)+(?:\.[0-9_]*)?{_WITH_UNIT}", re.ASCII)
_NUMBERISH = re.compile(rf"\s*([+-]?[0-9.,_]*[0-9][0-9.,_]*(?:[eE][+-]?[0-9]+)?){_WITH_UNIT}",
                        re.ASCII)
_EXPONENT = re.compile(r"[eE][+-]?([0-9]+)$")
_NOT_FINITE = re.compile(r"\s*[+-]?\.?(?:inf|infinity|nan)\s*", re.ASCII | re.IGNORECASE)


def _bounded(value: Decimal, written: Any) -> Decimal:
    if not within_bounds(value):
        raise _out_of_range(written)
    return value


def _out_of_range(written: Any) -> InputError:
    shown = str(written)
    if len(shown) > 40:
        shown = f"{shown[:20]}…{shown[-10:]}"
    return InputError(f"`{shown}` is out of range: numbers have at most {MAX_DIGITS} digits "
                      "before and after the decimal point")


# The plainest of those forms, read without further checks: digits, no sign, no comma, no
# exponent, at most MAX_DIGITS digits each side of the point (so within bounds), then nothing or
# one space and a unit. `read_number` reads it as the general form would.
_PLAIN_AMOUNT = re.compile(rf"(?:0|[1-9][0-9]{{0,{MAX_DIGITS - 1}}})(?:\.[0-9]{{1,{MAX_DIGITS}}})?"
                           rf"(?: ([A-Za-z][A-Za-z0-9_]*))?", re.ASCII)


def read_number(text: str) -> tuple[Decimal, str | None]:
    """The one reader of a number written as text (`4000 MB`, `1,180`, `99.95%`): its exact
    value and its unit. Refuses, with PL407 and a hint, every other way of writing a number
    (a decimal comma `10,5`, commas not in threes, YAML 1.1's `010`, `0x10`, `1:30`, `1_000`,
    `.inf`), and out-of-range numbers (more than MAX_DIGITS digits each side, or a text longer
    than MAX_NUMBER_CHARS) with PL404, before converting them."""
    plain = _PLAIN_AMOUNT.fullmatch(text)
    if plain is not None:
        unit = plain.group(1)
        return Decimal(text if unit is None else text[:plain.start(1) - 1]), unit
    return _read_any_number(text)


def _read_any_number(text: str) -> tuple[Decimal, str | None]:
    """`read_number` of any text, the plainest forms included."""
    match = _AMOUNT.fullmatch(text)
    # `0x10` is not 0 of the unit `x10` (only a number read as 0 can be such a prefix)
    if match is None or (match.group(1).lstrip("+-") == "0" and _BASED.fullmatch(text)):
        raise _not_a_number(text)
    number = match.group(1)
    exponent = _EXPONENT.search(number) if "e" in number or "E" in number else None
    if len(number) > MAX_NUMBER_CHARS or (exponent and len(exponent.group(1).lstrip("0"))
                                          > MAX_EXPONENT_DIGITS):
        raise _out_of_range(text)
    return _bounded(Decimal(number.replace(",", "")), text), match.group(2)


def _not_a_number(text: str) -> InputError:
    shown = text if len(text) <= 40 else f"{text[:20]}…{text[-10:]}"
    if _BASED.fullmatch(text):
        return InputError(f"`{shown}` is not a number planlang reads", "PL407",
                          help="numbers are written in decimal digits, not in YAML's `0x` (base "
                          "16), `0o` (base 8) or `0b` (base 2) forms: write `16` for `0x10`, or "
                          "quote the text where text is expected")
    if _SEXAGESIMAL.fullmatch(text):
        return InputError(f"`{shown}` is not a number planlang reads", "PL407",
                          help="YAML 1.1 reads `1:30` as 90 (base 60): write the number itself "
                          "(`90`), or quote the text where text is expected")
    if _NOT_FINITE.fullmatch(text):
        return InputError(f"`{shown}` is not a finite number", "PL407",
                          help="amounts are exact decimal numbers such as `4000` or `3.5 GB`")
    match = _NUMBERISH.fullmatch(text)
    if match is None:
        return InputError(f"expected a number with an optional unit (e.g. `4000 MB`), not "
                          f"`{shown}`")
    number = match.group(1).lstrip("+-")
    if "_" in number:
        hint = "write the digits without `_`; group thousands with commas (`1,000`) if you like"
    elif "," in number:
        hint = ("commas group the digits in threes (`1,000,000`); the decimal point is `.` "
                "(`10.5`, not `10,5`)")
    elif re.match(r"0[0-9]", number):
        hint = ("a number does not start with 0: YAML 1.1 reads `010` as 8, YAML 1.2 as 10; "
                "write `10` (or quote it where text is expected)")
    elif number.startswith(".") or number.endswith(".") or ".." in number or number.count(".") > 1:
        hint = "write a digit on each side of the decimal point (`0.5`, `5.0`)"
    else:  # pragma: no cover - every other numberish text is caught above
        hint = "write digits, an optional decimal point and digits, and a unit"
    return InputError(f"`{shown}` is not a number planlang reads", "PL407", help=hint)


def parse_amount(value: Any) -> Amount:
    if type(value) is str:  # the commonest, first
        number, unit = read_number(value)
        return Amount(number, unit)
    if isinstance(value, bool) or isinstance(value, float):
        raise InputError("write an exact number: in YAML quote it (`\"0.1\"`); floats are not "
                         "accepted" if isinstance(value, float) else "expected a number, not "
                         "true/false")
    if isinstance(value, int):
        if abs(value) >= 10**MAX_DIGITS:  # refused before converting (str() of a huge int raises)
            raise _out_of_range(value if value.bit_length() < 300 else "a number of over 90 digits")
        return Amount(Decimal(value))
    if isinstance(value, Decimal):
        return Amount(_bounded(value, value))
    if isinstance(value, str):
        number, unit = read_number(value)
        return Amount(number, unit)
    raise InputError(f"expected a number, not {_kind(value)}")


def parse_count(value: Any) -> int:
    amount = parse_amount(value)
    if amount.unit is not None or amount.value != amount.value.to_integral_value():
        raise InputError(f"expected a whole number of elements, not `{value}`")
    if amount.value < 0:
        raise InputError(f"a count cannot be negative (`{value}`)")
    return int(amount.value)


# The one spelling of a day, and of an instant (a day, or a day and a time with an optional offset).
_DAY_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", re.ASCII)
_INSTANT_TEXT = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(?:[T ][0-9]{2}:[0-9]{2}(?::[0-9]{2}"
                           r"(?:\.[0-9]{1,6})?)?(?:Z|[+-][0-9]{2}:[0-9]{2})?)?", re.ASCII)


def parse_datetime(value: Any) -> dt.datetime:
    if isinstance(value, str):  # the commonest, first
        try:
            if not _INSTANT_TEXT.fullmatch(value):
                raise ValueError(value)  # other ISO 8601 forms (`20261105`, weeks) are refused
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise InputError(f"expected a date (2026-11-01) or a UTC time "
                             f"(2026-11-01T12:00:00Z), not `{value}`") from None
    elif isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime(value.year, value.month, value.day)
    else:
        raise InputError(f"expected a date or a time, not {_kind(value)}")
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc)


def parse_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        raise InputError(f"expected a day (2026-11-01), not a time `{value}`")
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            if not _DAY_TEXT.fullmatch(value):
                raise ValueError(value)  # `20261105` and `2026-W45-4` are refused
            return dt.date.fromisoformat(value)
        except ValueError:
            raise InputError(f"expected a day (2026-11-01), not `{value}`") from None
    raise InputError(f"expected a day (2026-11-01), not {_kind(value)}")


def parse_period(value: Any) -> str:
    text = value if isinstance(value, str) else None
    if isinstance(value, dt.date):
        raise InputError(f"expected a month (YYYY-MM), not the day `{value}`")
    if text is None or not re.fullmatch(r"\d{4}-\d{2}", text) or not 1 <= int(text[5:]) <= 12:
        raise InputError(f"expected a month written YYYY-MM, not `{value}`")
    if not 1000 <= int(text[:4]) <= 9998:
        raise InputError(f"the year of `{value}` is out of range (1000 to 9998)")
    return text


def parse_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, (int, Decimal)) and not isinstance(value, bool):
        return str(value)
    raise InputError(f"expected text, not {_kind(value)}")


def _kind(value: Any) -> str:
    if value is None:
        return "nothing (null)"
    return {dict: "a mapping", list: "a list", bool: "true/false", str: f"`{value}`"}.get(
        type(value), f"`{value}`")


def _boolean(value: Any, _type) -> bool:
    if isinstance(value, bool):
        return value
    raise InputError(f"expected true or false, not {_kind(value)}")


def _day_value(value: Any, _type) -> DayValue:
    if isinstance(value, dict):
        unknown = set(value) - {"count", "disabled"}
        if unknown:
            raise ForbiddenExtraKeysError("", DayValue, unknown)
        if "count" not in value:
            raise InputError("a day's count is written `{count: 5, disabled: 1}` or as a number")
        return DayValue(parse_amount(value["count"]), parse_count(value.get("disabled", 0)))
    return DayValue(parse_amount(value))


def _gathered(items, cls: Any, element: Any) -> list:
    """Build every (index, build) item; report all failures together, each with its index."""
    out, errors = [], []
    for index, build in items:
        try:
            out.append(build())
        except Exception as error:  # noqa: BLE001 - gathered into one located report
            error.__notes__ = [*getattr(error, "__notes__", []),
                               IterableValidationNote(f"item {index}", index, element)]
            errors.append(error)
    if errors:
        raise IterableValidationError("invalid items", errors, cls)
    return out


def _sequence_hook(conv: cattrs.Converter, cls: Any):
    """Lists (read as tuples) must be lists: a mapping or text is not iterated as one."""
    (element, *_rest) = get_args(cls) or (Any,)

    def structure_sequence(value: Any, _type) -> tuple | list:
        if not isinstance(value, list):
            raise InputError(f"expected a list, not {_kind(value)}")
        if conv.detailed_validation:
            out = _gathered(((i, functools.partial(conv.structure, item, element))
                             for i, item in enumerate(value)), cls, element)
        else:
            hook = conv.get_structure_hook(element)
            out = [hook(item, element) for item in value]
        return tuple(out) if get_origin(cls) is tuple else out

    return structure_sequence


def _mapping_hook(conv: cattrs.Converter, cls: Any):
    key_type, value_type = get_args(cls) or (Any, Any)

    def structure_mapping(value: Any, _type) -> dict:
        if not isinstance(value, dict):
            raise InputError(f"expected a mapping, not {_kind(value)}")
        if not conv.detailed_validation:
            key_hook, value_hook = (conv.get_structure_hook(key_type),
                                    conv.get_structure_hook(value_type))
            out = {key_hook(key, key_type): value_hook(item, value_type)
                   for key, item in value.items()}
            if len(out) != len(value):
                raise InputError("two keys mean the same", "PL405")
            return out
        first: dict[Any, Any] = {}  # each key as its meaning -> the key as written

        def entry(key: Any, item: Any) -> tuple:
            try:
                meaning = conv.structure(key, key_type)
            except InputError as error:  # the key is at fault: point at it
                raise InputError(str(error), error.code, True, error.help) from None
            if meaning in first:  # the same key spelled twice: `2026-01-05` and `"20260105"`
                raise InputError(f"duplicate key `{key}`: the same {_what(key_type)} as "
                                 f"`{_written(first[meaning])}`", "PL405", on_key=True,
                                 help="each key appears once in a mapping; merge the two entries")
            first[meaning] = key
            return meaning, conv.structure(item, value_type)

        return dict(_gathered(((key, functools.partial(entry, key, item))
                               for key, item in value.items()), cls, value_type))

    return structure_mapping


def _class_hook(conv: cattrs.Converter, cls: Any):
    """A record must be a mapping: say so, instead of failing inside the generated code."""
    inner = make_dict_structure_fn(cls, conv, _cattrs_forbid_extra_keys=True)

    def structure_class(value: Any, _type) -> Any:
        if not isinstance(value, dict):
            raise InputError(f"expected a mapping, not {_kind(value)}")
        return inner(value, _type)

    return structure_class


def _written(key: Any) -> str:
    return key.isoformat() if isinstance(key, (dt.date, dt.datetime)) else str(key)


def _what(key_type: Any) -> str:
    return {dt.date: "day", dt.datetime: "instant"}.get(key_type, "key")


def make_converter(detailed: bool = True) -> cattrs.Converter:
    """The converter; without `detailed`, one that reads the same values and fails without
    saying where (every item and key at once, no failures gathered): for a reader that reads
    again with the detailed one to report."""
    conv = cattrs.Converter(forbid_extra_keys=True, detailed_validation=detailed)
    conv.register_structure_hook_factory(attrs.has, lambda t: _class_hook(conv, t))
    conv.register_structure_hook_factory(lambda t: get_origin(t) in (tuple, list),
                                         lambda t: _sequence_hook(conv, t))
    conv.register_structure_hook_factory(lambda t: get_origin(t) is dict,
                                         lambda t: _mapping_hook(conv, t))
    conv.register_structure_hook(Amount, lambda v, _: parse_amount(v))
    conv.register_structure_hook(dt.datetime, lambda v, _: parse_datetime(v))
    conv.register_structure_hook(dt.date, lambda v, _: parse_date(v))
    conv.register_structure_hook(str, lambda v, _: parse_text(v))
    conv.register_structure_hook(int, lambda v, _: parse_count(v))
    conv.register_structure_hook(Decimal, lambda v, _: parse_amount(v).value)
    conv.register_structure_hook(DayValue, _day_value)
    conv.register_structure_hook(bool, _boolean)
    conv.register_structure_hook(
        Interval, make_dict_structure_fn(Interval, conv, _cattrs_forbid_extra_keys=True,
                                         from_=override(rename="from")))
    conv.register_unstructure_hook(
        Interval, make_dict_unstructure_fn(Interval, conv, from_=override(rename="from")))
    conv.register_structure_hook(
        Event, make_dict_structure_fn(Event, conv, _cattrs_forbid_extra_keys=True,
                                      for_=override(rename="for")))
    if not detailed:
        conv.register_structure_hook(UsageEvent, _quick_usage_event(_class_hook(conv, UsageEvent)))
    conv.register_unstructure_hook(Decimal, _decimal_text)
    conv.register_unstructure_hook(Fraction, lambda v: _decimal_text(fraction_to_decimal(v)))
    conv.register_unstructure_hook(Amount, str)
    conv.register_unstructure_hook(dt.date, lambda v: v.isoformat())
    conv.register_unstructure_hook(
        dt.datetime, lambda v: v.isoformat().replace("+00:00", "Z"))
    return conv


def _quick_usage_event(general):
    """The quick converter's usage event: its commonest shape (`on`, `amount` and text `labels`,
    as a JSON line gives them) read by the same readers without the generated code's steps, any
    other by `general`. The labels are copied: the event's own mapping, as structuring gives."""
    def structure_usage_event(value: Any, _type) -> UsageEvent:
        if type(value) is dict and len(value) == 3:
            on, amount, labels = value.get("on"), value.get("amount"), value.get("labels")
            if type(on) is str and type(amount) is str and type(labels) is dict:
                for key, label in labels.items():
                    if type(key) is not str or type(label) is not str:
                        break
                else:
                    return UsageEvent(parse_datetime(on), parse_amount(amount), dict(labels))
        return general(value, _type)

    return structure_usage_event


def _decimal_text(value: Decimal) -> str:
    return format(value, "f")


#: The project's one converter.
converter = make_converter()
#: The same reading, failing without saying where: for many records read first this way and,
#: only when one fails, again with `converter` (whose failures are located).
quick_converter = make_converter(detailed=False)


def structure(document: Document, cls: type, prefix: tuple = (), data: Any = None):
    """Structure `data` (default: the whole document) as `cls`, or raise located diagnostics."""
    from planlang.diagnostics import PlanlangError

    value = document.data if data is None else data
    if not isinstance(value, dict) and attrs.has(cls):
        raise PlanlangError([Diagnostic("PL404", f"expected a mapping, not {_kind(value)}",
                                        document.span(prefix))])
    try:
        return converter.structure(value, cls)
    except Exception as error:  # cattrs wraps every failure; turn each into a located message
        problems = list(_problems(error, prefix, cls))
        raise PlanlangError([_diagnostic(document, p) for p in problems]) from None


@attrs.frozen
class Problem:
    path: tuple
    message: str
    help: str | None = None
    on_key: bool = False
    code: str = "PL404"


def _problems(error: BaseException, path: tuple, cls: Any):
    if isinstance(error, (ClassValidationError, IterableValidationError)):
        with_notes, without = error.group_exceptions()
        for sub, note in with_notes:
            step = getattr(note, "name", None) if isinstance(error, ClassValidationError) else getattr(
                note, "index", None)
            step = step[:-1] if isinstance(step, str) and step.endswith("_") else step
            if isinstance(sub, KeyError) and isinstance(error, ClassValidationError):
                yield Problem(path, f"missing `{step}`",
                              help=f"add `{step}:` to this mapping")
                continue
            yield from _problems(sub, path + (step,), getattr(note, "type", None))
        for sub in without:
            yield from _problems(sub, path, cls)
        return
    if isinstance(error, ForbiddenExtraKeysError):
        allowed = [f.name.rstrip("_")
                   for f in attrs.fields(error.cl)] if attrs.has(error.cl) else ["count", "disabled"]
        for key in sorted(map(str, error.extra_fields)):
            yield Problem(path + (key,), f"unknown key `{key}`",
                          help=did_you_mean(key, allowed) or "expected one of "
                          + ", ".join(f"`{a}`" for a in allowed), on_key=True)
        return
    if isinstance(error, InputError):
        yield Problem(path, str(error), error.help, error.on_key, error.code)
        return
    if isinstance(error, (ValueError, TypeError, InvalidOperation, AttributeError)):
        yield Problem(path, _friendly(error, cls))
        return
    yield Problem(path, f"invalid value: {error}")


def _friendly(error: BaseException, cls: Any) -> str:
    text = str(error)
    origin = getattr(cls, "__origin__", cls)
    if origin in (dict,) or "mapping" in text.lower():
        return "expected a mapping"
    if origin in (tuple, list) or "iterable" in text.lower() or "not iterable" in text:
        return "expected a list"
    return f"invalid value ({text})" if text else "invalid value"


def _diagnostic(document: Document, problem: Problem) -> Diagnostic:
    span = document.key_span(problem.path) if problem.on_key else document.span(problem.path)
    where = _path_text(problem.path)
    message = f"{problem.message} at `{where}`" if where else problem.message
    return Diagnostic(problem.code, message, span, help=problem.help)


def _path_text(path: tuple) -> str:
    out = ""
    for step in path:
        if isinstance(step, int):
            out += f"[{step}]"
        else:
            out += ("." if out else "") + str(step)
    return out


def located(document: Document, path: tuple, code: str, message: str, help: str | None = None,
            on_key: bool = False) -> Diagnostic:
    """A diagnostic about the value (or key) at `path` in a loaded document."""
    span = document.key_span(path) if on_key else document.span(path)
    return Diagnostic(code, message, span, help=help)
