"""Exact money: amounts are Decimals in a currency, rounded once per line by `round_money`.

No float ever enters a money path. Intermediate results (averages, prorations) are Fractions;
`round_money` is the one place where a value becomes an amount in minor units, half up (ties
away from zero), as PRODUCT.md's conventions require.

**One arithmetic context.** Every `Decimal` operation of planlang runs in `EXACT`, never in the
caller's context (whose precision, rounding and traps are the caller's business): the public
entry points run inside it (`exact`), and the functions here name it (or `ROUNDING`, the one
deliberate rounding) explicitly, so they give the same result wherever they are called from.
`EXACT` has the largest precision and exponent range there are, so an addition, subtraction,
multiplication or integer division of exact values is exact whatever their size (an amount of
10^54 with 18 decimals is held whole); a result that would not be exact (a division that does not
terminate, a quantize that drops digits) raises instead of being rounded (Inexact and Rounded are
trapped), and so does a float (FloatOperation). A division is only ever made through
`exact_decimal`, which looks at the denominator first: a non-terminating division at this
precision would not raise Inexact but try to allocate its digits.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from decimal import (
    MAX_EMAX,
    MAX_PREC,
    MIN_EMIN,
    ROUND_HALF_UP,
    Clamped,
    Context,
    Decimal,
    DivisionByZero,
    FloatOperation,
    Inexact,
    InvalidOperation,
    Overflow,
    Rounded,
    Subnormal,
    Underflow,
    getcontext,
    setcontext,
)
from fractions import Fraction
from typing import ParamSpec, TypeVar

Exact = int | Decimal | Fraction

#: Digits after the decimal point of each supported currency (ISO 4217 minor units).
MINOR_UNITS = {"EUR": 2, "USD": 2, "GBP": 2, "CHF": 2, "JPY": 0}

SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "CHF": "CHF "}

#: planlang's one arithmetic context (see the module's documentation). Read-only: never modify it.
EXACT = Context(prec=MAX_PREC, rounding=ROUND_HALF_UP, Emax=MAX_EMAX, Emin=MIN_EMIN, capitals=1,
                clamp=0, flags=[],
                traps=[InvalidOperation, DivisionByZero, Overflow, Underflow, Subnormal, Clamped,
                       Inexact, Rounded, FloatOperation])
#: The one deliberate rounding (an amount to its minor unit, half up): `EXACT` without the
#: Inexact and Rounded traps. Only `round_money` and the compiled path's quantize use it.
ROUNDING = EXACT.copy()
ROUNDING.traps[Inexact] = False
ROUNDING.traps[Rounded] = False

_P = ParamSpec("_P")
_R = TypeVar("_R")


def exact(function: Callable[_P, _R]) -> Callable[_P, _R]:
    """Run `function` in `EXACT`, whatever the caller's decimal context: for the public entry
    points (a generator would leave the context at its first `yield`: none is decorated)."""

    @functools.wraps(function)
    def in_exact(*args: _P.args, **kwargs: _P.kwargs) -> _R:
        outer = getcontext()
        setcontext(_ENTERED)  # (set as it is: `localcontext` would copy it on every call)
        try:
            return function(*args, **kwargs)
        finally:
            setcontext(outer)

    return in_exact


#: The context `exact` runs its functions in: `EXACT`'s settings (never changed; only its flags,
#: which nothing reads, are set by the arithmetic done in it), `EXACT` itself kept unused.
_ENTERED = EXACT.copy()


def to_fraction(value: Exact) -> Fraction:
    if isinstance(value, float):  # pragma: no cover - guarded by the loaders
        raise TypeError("floats are not allowed in money paths")
    return value if isinstance(value, Fraction) else Fraction(value)


_QUANTUM = {currency: Decimal(1).scaleb(-digits, EXACT) for currency, digits in
            MINOR_UNITS.items()}


def minor_unit(currency: str) -> Decimal:
    """The currency's minor unit as a quantum: `0.01`, `1` for JPY."""
    return _QUANTUM[currency]


def round_money(value: Exact, currency: str) -> Decimal:
    """Round an exact value to the currency's minor unit, half up (ties away from zero)."""
    if isinstance(value, Decimal):
        rounded = value.quantize(_QUANTUM[currency], ROUND_HALF_UP, ROUNDING)
        return rounded if rounded else rounded.copy_abs()  # -0.001 is 0.00, never -0.00
    digits = MINOR_UNITS[currency]
    scaled = to_fraction(value) * 10**digits
    magnitude = abs(scaled)
    whole = magnitude.numerator // magnitude.denominator
    if magnitude - whole >= Fraction(1, 2):
        whole += 1
    signed = -whole if scaled < 0 else whole
    return Decimal(signed).scaleb(-digits, EXACT)


def in_minor_units(value: Decimal, currency: str) -> bool:
    """Whether `value` is a whole number of the currency's minor unit (`20.50` for USD, `2500`
    for JPY): an amount a line can be made of without rounding."""
    return round_money(value, currency) == value


def total(amounts: Iterable[Decimal], currency: str) -> Decimal:
    """The sum of amounts (of a currency's minor unit or finer), exactly: a bill's total."""
    out = _zero(currency)
    add = EXACT.add
    for amount in amounts:
        out = add(out, amount)
    return out


@functools.cache
def _zero(currency: str) -> Decimal:
    """Nothing, in a currency's minor unit (`0.00`): where a total starts."""
    return round_money(0, currency)


def add(a: Decimal, b: Decimal) -> Decimal:
    """`a + b`, exactly, whatever the caller's context."""
    return EXACT.add(a, b)


#: The documented bounds of every figure planlang reads, in a plan file, an account, a scenario or
#: JSON: at most this many digits before, and after, the decimal point (docs/guarantees.md).
MAX_DIGITS = 18


def within_bounds(value: Decimal) -> bool:
    """Whether a figure is finite with at most MAX_DIGITS digits before and after its point."""
    return value.is_finite() and value.adjusted() < MAX_DIGITS and (
        not value or value.as_tuple().exponent >= -MAX_DIGITS)  # type: ignore[operator]


def decimal_places(value: Fraction) -> int | None:
    """How many digits after the point `value` takes written out exactly, or None when its
    decimal expansion never ends (a third). Reads the denominator's factors of 2 and 5, so it
    costs nothing however many places there are."""
    rest = value.denominator
    twos = (rest & -rest).bit_length() - 1
    rest >>= twos
    fives = 0
    while rest % 5 == 0:
        rest //= 5
        fives += 1
    return max(twos, fives) if rest == 1 else None


def terminates(value: Fraction) -> bool:
    """Whether `value` has a finite decimal expansion (its denominator is 2^a 5^b)."""
    return decimal_places(value) is not None


def exact_decimal(value: Fraction) -> Decimal | None:
    """`value` as an exact Decimal, or None when it has no finite decimal expansion."""
    if value.denominator == 1:
        return Decimal(value.numerator)
    if not terminates(value):
        return None
    return EXACT.divide(Decimal(value.numerator), Decimal(value.denominator))


def fraction_to_decimal(value: Fraction, places: int = 12) -> Decimal:
    """A Fraction as a Decimal for display: exact when it terminates, else rounded half up to
    `places` digits after the point. Exact whatever the value's size."""
    decimal = exact_decimal(value)
    if decimal is not None:
        return decimal.normalize(EXACT)
    whole, rest = divmod(abs(value.numerator) * 10**places, value.denominator)
    if 2 * rest >= value.denominator:  # half up
        whole += 1
    return Decimal(-whole if value.numerator < 0 else whole).scaleb(-places, EXACT)


def format_number(value: Exact) -> str:
    """A plain, exact rendering (`4.5`, `1000`, `0.0004`), never in exponent form; the whole
    part's digits grouped by threes (`1,000`), any number of them."""
    kind = type(value)
    if kind is int:
        return f"{value:,}"
    if kind is Fraction:
        if value.denominator == 1:  # type: ignore[union-attr]
            return f"{value.numerator:,}"  # type: ignore[union-attr]
        dec = fraction_to_decimal(value)  # type: ignore[arg-type]
    elif isinstance(value, Decimal):
        dec = value
    else:
        dec = fraction_to_decimal(to_fraction(value))
    text = format(dec, ",f")  # every digit the Decimal has (no context, no rounding), grouped
    return text.rstrip("0").rstrip(".") if "." in text else text  # `5.000` is `5`, `-0.0` `-0`


def format_money(amount: Decimal, currency: str) -> str:
    """`€1,234.50`; a price finer than the minor unit keeps its digits (`$0.0004`)."""
    digits = MINOR_UNITS[currency]
    exponent = amount.normalize(EXACT).as_tuple().exponent
    if isinstance(exponent, int) and -exponent > digits:
        digits = -exponent
    sign = "-" if amount < 0 else ""
    shown = amount.copy_abs().quantize(Decimal(1).scaleb(-digits, EXACT), context=EXACT)
    return f"{sign}{SYMBOLS.get(currency, currency + ' ')}{shown:,f}"
