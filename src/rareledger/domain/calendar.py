"""Working days: weekdays, less public holidays, plus the weekend days made working days."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta

SATURDAY = 5
WEEK = 7


@dataclass(frozen=True, slots=True)
class WorkCalendar:
    holidays: frozenset[date] = field(default_factory=frozenset)
    workdays: frozenset[date] = field(default_factory=frozenset)  # weekend days worked
    weekday_holidays: tuple[date, ...] = field(init=False, repr=False, compare=False)
    weekends_worked: tuple[date, ...] = field(init=False, repr=False, compare=False)

    def is_working_day(self, day: date) -> bool:
        if day in self.workdays:
            return True
        return day.weekday() < SATURDAY and day not in self.holidays

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after ``start`` up to and including ``end`` (0 if end <= start).

        Counted without walking the days (a licence queue asks this for every application):
        the weekdays of the span, less the weekday holidays in it, plus the weekend days
        worked in it."""
        if end <= start:
            return 0
        return (
            _weekdays_to(end)
            - _weekdays_to(start)
            - _within(self.weekday_holidays, start, end)
            + _within(self.weekends_worked, start, end)
        )

    def __post_init__(self) -> None:
        off = sorted(d for d in self.holidays if d.weekday() < SATURDAY and d not in self.workdays)
        worked = sorted(d for d in self.workdays if d.weekday() >= SATURDAY)
        object.__setattr__(self, "weekday_holidays", tuple(off))
        object.__setattr__(self, "weekends_worked", tuple(worked))

    def add_working_days(self, start: date, days: int) -> date:
        """The date that is ``days`` working days after ``start``."""
        day = start
        while days > 0:
            day += timedelta(days=1)
            days -= self.is_working_day(day)
        return day


def _weekdays_to(day: date) -> int:
    """Monday-to-Friday days from 1 January of year 1 (a Monday) up to ``day``."""
    weeks, rest = divmod(day.toordinal(), WEEK)
    return weeks * SATURDAY + min(rest, SATURDAY)


def _within(days: tuple[date, ...], start: date, end: date) -> int:
    """How many of the sorted ``days`` are after ``start`` up to and including ``end``."""
    return bisect_right(days, end) - bisect_right(days, start)


def calendar_from(holidays: Iterable[str], workdays: Iterable[str]) -> WorkCalendar:
    return WorkCalendar(
        frozenset(map(date.fromisoformat, holidays)), frozenset(map(date.fromisoformat, workdays))
    )
