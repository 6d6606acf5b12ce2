"""Exact money: amounts are Decimals in a currency, rounded once per line by `round_money`.

No float ever enters a money path. Intermediate results (averages, prorations) are Fractions;
`round_money` is the one place where a value becomes an amount in minor units, half up (ties
away from zero), as PRODUCT.md's conventions require.
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from fractions import Fraction

Exact = int | Decimal | Fraction

#: Digits after the decimal point of each supported currency (ISO 4217 minor units).
MINOR_UNITS = {"EUR": 2, "USD": 2, "GBP": 2, "CHF": 2, "JPY": 0}

SYMBOLS = {"EUR": "€", "USD": "$", "GBP": "£", "JPY": "¥", "CHF": "CHF "}


def to_fraction(value: Exact) -> Fraction:
    if isinstance(value, float):  # pragma: no cover - guarded by the loaders
        raise TypeError("floats are not allowed in money paths")
    return value if isinstance(value, Fraction) else Fraction(value)


def round_money(value: Exact, currency: str) -> Decimal:
    """Round an exact value to the currency's minor unit, half up (ties away from zero)."""
    digits = MINOR_UNITS[currency]
    scaled = to_fraction(value) * 10**digits
    magnitude = abs(scaled)
    whole = magnitude.numerator // magnitude.denominator
    if magnitude - whole >= Fraction(1, 2):
        whole += 1
    signed = -whole if scaled < 0 else whole
    return Decimal(signed).scaleb(-digits)


def fraction_to_decimal(value: Fraction, places: int = 12) -> Decimal:
    """A Fraction as a Decimal for display: exact when it terminates, else `places` digits.
    Computed with as many digits as the value needs, however large (the default context's 28
    would round a large value, or refuse it)."""
    if value.denominator == 1:
        return Decimal(value.numerator)
    d, twos, fives = value.denominator, 0, 0
    while d % 2 == 0:
        d //= 2
        twos += 1
    while d % 5 == 0:
        d //= 5
        fives += 1
    whole = len(str(abs(value.numerator) // value.denominator))
    with localcontext() as context:
        if d == 1:  # it terminates: exactly, after max(twos, fives) places
            context.prec = whole + max(twos, fives) + 1
            return (Decimal(value.numerator) / Decimal(value.denominator)).normalize()
        context.prec = whole + places + 1
        quantum = Decimal(1).scaleb(-places)
        return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(quantum)


def format_number(value: Exact) -> str:
    """A plain, exact rendering (`4.5`, `1000`, `0.0004`), never in exponent form."""
    dec = fraction_to_decimal(to_fraction(value)) if not isinstance(value, Decimal) else value
    text = format(dec.normalize(), "f") if dec == dec.to_integral_value() else format(dec, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    whole, dot, part = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    return f"{sign}{int(whole.lstrip('-') or 0):,}{dot}{part}"


def format_money(amount: Decimal, currency: str) -> str:
    """`€1,234.50`; a price finer than the minor unit keeps its digits (`$0.0004`)."""
    digits = MINOR_UNITS[currency]
    exponent = amount.normalize().as_tuple().exponent
    if isinstance(exponent, int) and -exponent > digits:
        digits = -exponent
    sign = "-" if amount < 0 else ""
    return f"{sign}{SYMBOLS.get(currency, currency + ' ')}{abs(amount):,.{digits}f}"
