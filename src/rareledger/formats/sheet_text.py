"""What Excel and Chinese Excel write: GBK text, semicolons, dates without an offset.

A CSV saved by Chinese Excel is GBK (here read as GB 18030, which contains it); one saved in a
European locale is separated by semicolons. A date cell has no time zone: an ``occurred_at``
written as an Excel date (a cell of an .xlsx, ``2025/6/3 9:30`` in a CSV, or Excel's serial
day number) is taken as the regulator's time, China Standard Time.
"""

from __future__ import annotations

import csv
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

REGULATOR_OFFSET = "+08:00"
TIME_COLUMNS = frozenset({"occurred_at", "recorded_at"})
EXCEL_EPOCH = datetime(1899, 12, 30)  # Excel's day 0 (after its 1900 leap-year quirk)
_LOCAL = re.compile(r"^(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")


def decode(data: bytes) -> str:
    """CSV bytes as text: UTF-8 (with or without a byte order mark), else GB 18030."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gb18030")


def delimiter(text: str) -> str:
    """Comma, semicolon or tab: whichever the header line is separated by."""
    header = text.split("\n", 1)[0]
    counts = {mark: header.count(mark) for mark in (",", ";", "\t")}
    best = max(counts, key=lambda mark: counts[mark])
    return best if counts[best] else ","


def reader(text: str) -> Any:
    return csv.reader(text.splitlines(), delimiter=delimiter(text))


def local_time(value: datetime | date) -> str:
    """An Excel date (no offset) as RFC 3339 in the regulator's time."""
    moment = value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
    if moment.tzinfo is not None:
        return moment.isoformat()
    return moment.replace(microsecond=0).isoformat() + REGULATOR_OFFSET


def time_cell(value: Any) -> Any:
    """A time column's cell: Excel dates and serial numbers, and local date text, get the
    regulator's offset; anything else is left for the rules to judge."""
    if isinstance(value, datetime | date):
        return local_time(value)
    if (
        isinstance(value, int | float | Decimal)
        and not isinstance(value, bool)
        and 1 < value < 2958466
    ):
        return local_time(EXCEL_EPOCH + timedelta(days=float(value)))
    if isinstance(value, str):
        match = _LOCAL.match(value.strip())
        if match:
            year, month, day, hour, minute, second = (int(g) if g else 0 for g in match.groups())
            try:
                return local_time(datetime(year, month, day, hour, minute, second))
            except ValueError:
                return value
    return value
