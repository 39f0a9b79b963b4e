"""Working days and screening names."""

from __future__ import annotations

from datetime import date

import pytest

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
