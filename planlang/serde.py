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
from planlang.money import fraction_to_decimal
from planlang.state import Amount, DayValue, Event, Interval
from planlang.yamlio import Document

_AMOUNT = re.compile(r"^\s*([+-]?\d[\d,_]*(?:\.\d+)?)\s*([A-Za-z_][A-Za-z0-9_]*|%)?\s*$")


class InputError(ValueError):
    """A value that cannot be read; its message says what was expected."""


MAX_DIGITS = 18  # an amount has at most this many digits before, and after, its decimal point


def _bounded(value: Decimal, written: Any) -> Decimal:
    if not value.is_finite() or value.adjusted() >= MAX_DIGITS or (
            value != 0 and value.as_tuple().exponent < -MAX_DIGITS):  # type: ignore[operator]
        raise InputError(f"`{written}` is out of range: numbers have at most {MAX_DIGITS} digits "
                         "before and after the decimal point")
    return value


class Figure(Decimal):
    """A number as planlang's JSON readers give it when it is non-negative and within bounds (at
    most MAX_DIGITS digits before and after the point): exactly a `Decimal`, whose type tells the
    compiled path that it was checked when read (`json_number` makes them; nothing else should)."""

    __slots__ = ()


def json_number(text: str) -> Decimal:
    """`json.loads`' `parse_float`: the number's exact Decimal, a `Figure` when its text shows it
    non-negative and within bounds (no sign, no exponent, at most MAX_DIGITS digits each side of
    the point); any other number is checked where it is used, with its message."""
    if text[0] != "-" and "e" not in text and "E" not in text:
        point = text.find(".")
        if 0 < point <= MAX_DIGITS and len(text) - point <= MAX_DIGITS + 1:
            return Figure(text)
    return Decimal(text)


def parse_amount(value: Any) -> Amount:
    if isinstance(value, bool) or isinstance(value, float):
        raise InputError("write an exact number: in YAML quote it (`\"0.1\"`); floats are not "
                         "accepted" if isinstance(value, float) else "expected a number, not "
                         "true/false")
    if isinstance(value, int):
        return Amount(_bounded(Decimal(value), value))
    if isinstance(value, Decimal):
        return Amount(_bounded(value, value))
    if isinstance(value, str):
        match = _AMOUNT.match(value)
        if match:
            number = Decimal(match.group(1).replace(",", "").replace("_", ""))
            return Amount(_bounded(number, value), match.group(2))
        raise InputError(f"expected a number with an optional unit (e.g. `4000 MB`), not "
                         f"`{value}`")
    raise InputError(f"expected a number, not {_kind(value)}")


def parse_count(value: Any) -> int:
    amount = parse_amount(value)
    if amount.unit is not None or amount.value != amount.value.to_integral_value():
        raise InputError(f"expected a whole number of elements, not `{value}`")
    if amount.value < 0:
        raise InputError(f"a count cannot be negative (`{value}`)")
    return int(amount.value)


def parse_datetime(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime(value.year, value.month, value.day)
    elif isinstance(value, str):
        try:
            moment = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise InputError(f"expected a date (2026-11-01) or a UTC time "
                             f"(2026-11-01T12:00:00Z), not `{value}`") from None
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
        out = _gathered(((i, functools.partial(conv.structure, item, element))
                         for i, item in enumerate(value)), cls, element)
        return tuple(out) if get_origin(cls) is tuple else out

    return structure_sequence


def _mapping_hook(conv: cattrs.Converter, cls: Any):
    key_type, value_type = get_args(cls) or (Any, Any)

    def entry(key: Any, item: Any) -> tuple:
        return conv.structure(key, key_type), conv.structure(item, value_type)

    def structure_mapping(value: Any, _type) -> dict:
        if not isinstance(value, dict):
            raise InputError(f"expected a mapping, not {_kind(value)}")
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


def make_converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
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
    conv.register_unstructure_hook(Decimal, _decimal_text)
    conv.register_unstructure_hook(Fraction, lambda v: _decimal_text(fraction_to_decimal(v)))
    conv.register_unstructure_hook(Amount, str)
    conv.register_unstructure_hook(dt.date, lambda v: v.isoformat())
    conv.register_unstructure_hook(
        dt.datetime, lambda v: v.isoformat().replace("+00:00", "Z"))
    return conv


def _decimal_text(value: Decimal) -> str:
    return format(value, "f")


#: The project's one converter.
converter = make_converter()


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
        yield Problem(path, str(error))
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
    return Diagnostic("PL404", message, span, help=problem.help)


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
