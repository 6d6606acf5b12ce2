"""Billing periods: calendar months in UTC, from day 1 00:00:00 to the last day 23:59:59."""

from __future__ import annotations

import calendar as _calendar
import datetime as dt
import re

import attrs

UTC = dt.timezone.utc
DAY = dt.timedelta(days=1)


@attrs.frozen(order=True)
class Period:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Period:
        if not re.fullmatch(r"\d{4}-\d{2}", text or "") or not 1 <= int(text[5:]) <= 12:
            raise ValueError(f"expected a month written YYYY-MM, not `{text}`")
        if not 1000 <= int(text[:4]) <= 9998:
            raise ValueError(f"the year of `{text}` is out of range (1000 to 9998)")
        return cls(int(text[:4]), int(text[5:]))

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def days(self) -> int:
        return _calendar.monthrange(self.year, self.month)[1]

    @property
    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month, 1)

    @property
    def last_day(self) -> dt.date:
        return dt.date(self.year, self.month, self.days)

    @property
    def start(self) -> dt.datetime:
        return dt.datetime(self.year, self.month, 1, tzinfo=UTC)

    @property
    def end(self) -> dt.datetime:
        """The first instant after the period."""
        return self.next().start

    def next(self) -> Period:
        return Period(self.year + self.month // 12, self.month % 12 + 1)

    def dates(self) -> list[dt.date]:
        return [dt.date(self.year, self.month, d) for d in range(1, self.days + 1)]

    def contains(self, moment: dt.datetime) -> bool:
        return self.start <= moment < self.end


def day_start(day: dt.date) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, tzinfo=UTC)
