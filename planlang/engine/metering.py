"""Metering: an account's raw measurements → a meter's figure for a period, step by step.

Count meters read element intervals (additive: each says how many elements existed from when to
when) or per-day counts; the daily average is time-weighted within the UTC day. Snapshot meters
average (or take the maximum of) the snapshots of each day, or read given daily averages. Usage
meters sum events per day. The monthly step then averages, sums or takes the maximum over every
day of the period, and the rounding step rounds to its unit. Every figure stays an exact Fraction.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import Counter
from decimal import Decimal
from fractions import Fraction
from itertools import compress, islice
from operator import ne

import attrs

from planlang.engine import rules
from planlang.engine.calendar import DAY, Period, day_start
from planlang.engine.results import Step
from planlang.model import Meter
from planlang.money import EXACT, exact_decimal, format_number

SECONDS_PER_DAY = 86_400


@attrs.frozen
class Series:
    """One meter's measurements for an account, already in the meter's base unit."""

    changes: tuple[tuple[dt.datetime, Fraction], ...] = ()  # count meters: level deltas
    daily: dict[dt.date, Fraction] = attrs.Factory(dict)  # given day figures
    samples: dict[dt.date, tuple[Fraction, ...]] = attrs.Factory(dict)  # snapshots per day
    usage: dict[dt.date, Fraction] = attrs.Factory(dict)  # usage summed per day
    sources: tuple[str, ...] = ()  # what was given, for the explanation
    events: tuple[tuple[dt.datetime, Fraction], ...] = ()  # usage in time order
    elements: dict[str, tuple[str, Fraction]] = attrs.Factory(dict)  # element: (kind, held)
    # the change times and the level after each change, made once when first needed
    _prefix: list = attrs.field(init=False, factory=list, eq=False, repr=False)

    def level_before(self, moment: dt.datetime) -> tuple[int, Fraction]:
        """The index of the first change after `moment`, and the level at `moment`: a bisection
        of the changes (a month of a long walk does not add up every change before it)."""
        if not self._prefix and self.changes:
            level, levels = Fraction(0), []
            for _, delta in self.changes:
                level += delta
                levels.append(level)
            self._prefix.extend(([t for t, _ in self.changes], levels))
        if not self.changes:
            return 0, Fraction(0)
        times, levels = self._prefix
        index = bisect.bisect_right(times, moment)
        return index, levels[index - 1] if index else Fraction(0)

    def is_empty(self) -> bool:
        return not (self.changes or self.daily or self.samples or self.usage or self.events
                    or self.sources)

    def level_at(self, moment: dt.datetime) -> Fraction:
        """A count meter's level at an instant (a given day figure wins over intervals)."""
        if moment.date() in self.daily:
            return self.daily[moment.date()]
        times = [t for t, _ in self.changes]
        upto = bisect.bisect_right(times, moment)
        return sum((delta for _, delta in self.changes[:upto]), Fraction(0))


@attrs.frozen
class Measurement:
    raw: Fraction  # after the monthly step, base units
    value: Fraction  # after rounding, base units
    steps: tuple[Step, ...]
    payments: tuple[Fraction, ...] = ()  # a transactions meter's payments in the period, in order


_QUIET: dict[tuple[int, int], tuple[Meter, Measurement]] = {}


def measure(meter: Meter, series: Series | None, period: Period) -> Measurement:
    if series is None or series.is_empty():  # a quiet month: the same for every month this long
        key = (id(meter), period.days)
        known = _QUIET.get(key)
        if known is None or known[0] is not meter:
            if len(_QUIET) > 1000:
                _QUIET.clear()
            known = _QUIET[key] = (meter, _measure(meter, Series(), period))
        return known[1]
    return _measure(meter, series, period)


def _measure(meter: Meter, series: Series, period: Period) -> Measurement:
    daily = _daily_figures(meter, series, period)
    return _measured(meter, series.sources, [daily[d] for d in period.dates()],
                     _payments(meter, series, period, None))


def measure_days(meter: Meter, series: Series | None, period: Period,
                 days: tuple[int, ...]) -> Measurement:
    """A meter's figure over some of the period's days (`days`, 1-based, in order): its daily
    figures of those days only, the monthly step over them (an average over their number), the
    rounding; the figure of one plan's days when a period's usage is split between plans
    (`timeline.usage_plans`)."""
    series = series or Series()
    daily = _daily_figures(meter, series, period)
    dates = period.dates()
    return _measured(meter, series.sources, [daily[dates[day - 1]] for day in days],
                     _payments(meter, series, period, days))


def _payments(meter: Meter, series: Series, period: Period,
              days: tuple[int, ...] | None) -> tuple[Fraction, ...]:
    """A transactions meter's payments in the period (of its `days` only, 1-based, when
    given), in time order; nothing for any other meter."""
    if meter.source != "transactions":
        return ()
    return tuple(amount for moment, amount in series.events
                 if period.start <= moment < period.end
                 and (days is None or moment.day in days))


def _measured(meter: Meter, sources: tuple[str, ...], values: list[Fraction],
              payments: tuple[Fraction, ...] = ()) -> Measurement:
    """A meter's figure from its daily figures `values` (the days measured, in order) and, for
    a transactions meter, its `payments` in those days."""
    monthly = meter.monthly or "sum"
    total, highest = sum(values, Fraction(0)), max(values)
    raw = rules.monthly(monthly, total, highest, len(values))
    value = rules.metered(monthly, total, highest, len(values), meter.round_direction,
                          meter.round_step)
    return Measurement(raw, value, measure_steps(meter, sources, values, total, raw,
                                                 value, meter.unit.from_base), payments)


def day_figures(meter: Meter, series: Series | None, period: Period) -> list[Fraction]:
    """A meter's figure for each day of the period, in order, in base units (its daily step:
    a count's seats on each day, for a fee per seat)."""
    daily = _daily_figures(meter, series or Series(), period)
    return [daily[day] for day in period.dates()]


def measure_steps(meter: Meter, sources: tuple[str, ...], values: list, total, raw, value,
                  convert) -> tuple[Step, ...]:
    """The steps of a meter's figure for a period, worded: what was measured (`sources`), the
    figure of each of the period's days in order (`values`) and their `total`, the monthly
    step's result (`raw`) and, when the meter rounds, the rounded `value`. `convert` takes a
    figure to the meter's unit: the interpreter's are in base units, the compiled path's in the
    meter's unit already (Decimals, or Fractions for a count's time-weighted days). The
    interpreter's measurement and the compiled path's explained bills both word their figures
    by it."""
    unit = meter.unit
    steps = [Step("measured", ", ".join(sources) or "no measurements this period"),
             Step(f"daily {meter.daily or _default_daily(meter)}", day_runs(values, convert))]
    monthly = meter.monthly or "sum"
    shown = f"{number_text(convert(raw))} {unit.name}"
    if monthly == "average":
        steps.append(Step("monthly average", f"{_sum_text(values, total, convert)} / "
                          f"{len(values)} days = {shown}"))
    else:
        steps.append(Step(f"monthly {monthly}", shown))
    if meter.round_direction is not None:
        label, ratio = _rounding(meter)
        rounded = convert(value) if ratio is None else in_ratio(convert(value), ratio)
        steps.append(Step(label, f"{number_text(rounded)} {meter.round_unit.name}"))
    return tuple(steps)


# `format_number`'s text of the figures explanations write, by value (its text depends on the
# value alone, but for -0, which is not kept): accounts give the same figures again and again
_TEXTS: dict = {}
# a run of equal day figures as written (`5 × 15 days`), by the conversion, figure and days
_RUNS: dict[tuple, str] = {}
# each rounding meter's step label and the ratio of its unit to the unit it rounds to (None:
# the same; else as a Fraction, and as a Decimal when it is one), by the meter's id
_ROUNDING: dict[int, tuple[Meter, str, tuple[Fraction, Decimal | None] | None]] = {}


def number_text(value) -> str:
    """`format_number(value)`, kept for the next time (a bounded number of texts)."""
    text = _TEXTS.get(value) if value else None
    if text is None:
        text = format_number(value)
        if value and len(_TEXTS) < 100_000:
            _TEXTS[value] = text
    return text


def in_ratio(value, ratio: tuple[Fraction, Decimal | None]):
    """`value` × a ratio of units (a Fraction, and the same as a Decimal when it is one): a
    Decimal times a Decimal ratio stays a Decimal (exactly), anything else becomes a Fraction."""
    fraction, decimal = ratio
    if decimal is not None and isinstance(value, Decimal):
        return EXACT.multiply(value, decimal)
    return Fraction(value) * fraction


def _rounding(meter: Meter) -> tuple[str, tuple[Fraction, Decimal | None] | None]:
    """A rounding meter's step label (`rounded up to 1 GB`) and the ratio of its unit to the
    unit it rounds to (None when they are the same), worked out once per meter."""
    known = _ROUNDING.get(id(meter))
    if known is None or known[0] is not meter:
        if len(_ROUNDING) > 1000:
            _ROUNDING.clear()
        unit, round_unit = meter.unit, meter.round_unit
        size = round_unit.from_base(meter.round_step)
        to = f"whole {round_unit.name}" if size == 1 else f"{format_number(size)} {round_unit.name}"
        ratio = unit.factor / round_unit.factor
        known = _ROUNDING[id(meter)] = (
            meter, "rounded to the nearest " + to if meter.round_direction == "nearest"
            else f"rounded {meter.round_direction} to {to}",
            None if ratio == 1 else (ratio, exact_decimal(ratio)))
    return known[1], known[2]


def daily_peaks(series: Series, period: Period) -> dict[dt.date, Fraction]:
    """The highest level of a count meter on each day of the period."""
    peaks = _count_days(series, period, "maximum")
    for day, value in series.daily.items():
        if day in peaks:
            peaks[day] = value
    return peaks


def _default_daily(meter: Meter) -> str:
    return "sum" if meter.source == "usage" else "average"


def _daily_figures(meter: Meter, series: Series, period: Period) -> dict[dt.date, Fraction]:
    aggregation = meter.daily or _default_daily(meter)
    if meter.source == "count":
        figures = _count_days(series, period, aggregation)
    elif meter.source == "snapshots":
        figures = {}
        for day in period.dates():
            samples = series.samples.get(day, ())
            if not samples:
                figures[day] = Fraction(0)
            elif aggregation == "maximum":
                figures[day] = max(samples)
            else:
                figures[day] = sum(samples, Fraction(0)) / len(samples)
    elif aggregation == "maximum":  # the largest single usage event of each day
        figures = {day: Fraction(0) for day in period.dates()}
        for moment, amount in series.events:
            if moment.date() in figures:
                figures[moment.date()] = max(figures[moment.date()], amount)
    else:
        figures = {day: series.usage.get(day, Fraction(0)) for day in period.dates()}
    for day, value in series.daily.items():
        if day in figures:
            figures[day] = value
    return figures


def _count_days(series: Series, period: Period, aggregation: str) -> dict[dt.date, Fraction]:
    """Time-weighted average (or maximum) of a step function over each UTC day of the period."""
    days = period.dates()
    if not series.changes:  # no intervals: no element all day (a day's figure given replaces it)
        return dict.fromkeys(days, Fraction(0))
    index, level = series.level_before(period.start)
    bounds = [day_start(day) for day in days] + [day_start(days[-1]) + DAY]
    spans = level_spans(series.changes, index, level, bounds)
    return {day: peak if aggregation == "maximum" else area / SECONDS_PER_DAY
            for day, (area, peak) in zip(days, spans, strict=True)}


def level_spans(changes, index: int, level, bounds: list[dt.datetime]) -> list[tuple]:
    """A count's step function over consecutive spans (`bounds`: the first span's start, then
    each span's end): for each span, the area under it (the level times whole seconds, each
    stretch between two changes truncated to whole seconds) and the highest level in it.
    `changes` are (moment, change of level) in time order; `index` is the first of them after
    the first span's start, and `level` the level then. The interpreter's daily figures come
    from it and so do the compiled path's; exact for Fractions and Decimals alike."""
    out = []
    cursor = bounds[0]
    count = len(changes)
    for end in bounds[1:]:
        while index < count and changes[index][0] <= cursor:  # at the span's first instant
            level += changes[index][1]
            index += 1
        area, peak = level * 0, level
        while index < count and changes[index][0] < end:
            moment, delta = changes[index]
            area += level * int((moment - cursor).total_seconds())
            level += delta
            if level > peak:
                peak = level
            cursor = moment
            index += 1
        area += level * int((end - cursor).total_seconds())
        cursor = end
        out.append((area, peak))
    return out


def day_runs(values: list, convert) -> str:
    """`5 × 15 days, 4 × 15 days`: the day figures, equal neighbours grouped."""
    if not values:
        return ""
    starts: list[int | None] = [
        0, *compress(range(1, len(values)), map(ne, values, islice(values, 1, None))),
        len(values)]
    count = len(starts) - 1  # the runs, each from one start to the next
    if count > 8:  # the first four and the last four
        starts = [*starts[:5], None, *starts[-5:]]
    texts = []
    for start, end in zip(starts, starts[1:], strict=False):
        if start is None or end is None:
            if end is None:
                texts.append(f"… {count - 8} more runs …")
            continue
        value, days = values[start], end - start
        key = (convert, value, days)
        text = _RUNS.get(key) if value else None
        if text is None:
            text = f"{number_text(convert(value))} × {days} day{'s' if days > 1 else ''}"
            if value and len(_RUNS) < 100_000:
                _RUNS[key] = text
        texts.append(text)
    return ", ".join(texts)


def _sum_text(values: list, total, convert) -> str:
    """`(5 × 15 + 4 × 15)`: the day figures' sum by distinct figure, in the order first seen; the
    sum alone (`total`) for more than six distinct figures. (Equal figures are one group whatever
    their type: a Fraction, a Decimal and an int that are equal hash alike.)"""
    if len(set(values)) > 6:
        return number_text(convert(total))
    groups = Counter(values)  # (in the order first seen)
    return "(" + " + ".join(f"{number_text(convert(v))} × {n}" for v, n in groups.items()) + ")"
