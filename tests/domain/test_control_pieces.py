"""Working days and screening names."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rareledger.domain.calendar import WorkCalendar
from rareledger.domain.control_records import WatchlistEntry
from rareledger.services.export_control import work_calendar
from rareledger.services.screening import make_screener, normalise, score


def test_working_days_skip_weekends_and_holidays_and_count_make_up_days() -> None:
    calendar = work_calendar()
    assert not calendar.is_working_day(date(2025, 10, 1))  # National Day
    assert calendar.is_working_day(date(2025, 9, 28))  # a Sunday worked
    assert not calendar.is_working_day(date(2025, 9, 27))  # an ordinary Saturday
    # 30 Sep -> 13 Oct 2025: 1-8 Oct off, 11 Oct (Sat) worked, 9, 10, 13 Oct worked
    assert calendar.working_days_between(date(2025, 9, 30), date(2025, 10, 13)) == 4
    assert calendar.add_working_days(date(2025, 9, 30), 4) == date(2025, 10, 13)


@pytest.mark.parametrize(
    ("name", "candidate", "at_least"),
    [
        ("Hamburg Magnet Works GmbH", "Magnet Works Hamburg", 100),  # order and company form
        ("Шэньчжэнь Магнит ООО", "Shenchzhen Magnit", 90),  # Cyrillic, transliterated
        ("MOTOR A.G.", "Motor AG", 100),
    ],
)
def test_names_match_across_spelling(name: str, candidate: str, at_least: float) -> None:
    assert score(name, candidate) >= at_least


def test_different_names_do_not_match() -> None:
    assert score("Nordhafen Elektromotoren", "Baltic Shipping Lines") < 50
    assert normalise("Acme Trading Co., Ltd.") == "acme"


def test_screener_threshold_and_country_penalty() -> None:
    entry = WatchlistEntry(
        id="W", name="Hamburg Magnet Works", aliases=("HMW",), country="DE", status="active"
    )
    screen = make_screener(90)
    assert [m.entry_id for m in screen("Magnet Works Hamburg GmbH", "DE", [entry])] == ["W"]
    assert screen("Magnet Works Hamburg GmbH", "FR", [entry])[0].score == 90
    assert screen("Magnet Works Hamburg GmbH", "FR", [entry]) and not make_screener(95)(
        "Magnet Works Hamburg GmbH", "FR", [entry]
    )


@given(
    start=st.dates(date(2020, 1, 1), date(2030, 12, 31)),
    span=st.integers(-10, 1200),
    holidays=st.sets(st.dates(date(2020, 1, 1), date(2034, 12, 31)), max_size=40),
    workdays=st.sets(st.dates(date(2020, 1, 1), date(2034, 12, 31)), max_size=20),
)
def test_working_days_are_counted_as_walking_the_days_would(
    start: date, span: int, holidays: set[date], workdays: set[date]
) -> None:
    calendar = WorkCalendar(frozenset(holidays), frozenset(workdays))
    end = start + timedelta(days=span)
    walked = sum(
        calendar.is_working_day(start + timedelta(days=n)) for n in range(1, max(span, 0) + 1)
    )
    assert calendar.working_days_between(start, end) == walked
