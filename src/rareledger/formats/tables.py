"""CSV for people: every table the command line and the API hand out as CSV is written here.

A header row, then one row per item. Lists and objects in a cell are written as JSON; ``None``
as an empty cell. Text that a spreadsheet would run as a formula (it begins with ``=``, ``+``,
``-``, ``@``, a tab or a carriage return) gets a leading single quote, so that opening an
export never runs what a reporter typed into a name or a note (OWASP, "CSV injection"); a
number stays a number, also when it is written as text such as ``-12.500``.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
MEDIA_TYPE = "text/csv; charset=utf-8"


def safe_cell(value: Any) -> Any:
    """A value as a CSV cell that no spreadsheet runs as a formula."""
    if value is None:
        return ""
    if isinstance(value, list | tuple | dict):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    elif isinstance(value, Decimal):
        return str(value)
    if isinstance(value, str) and value.startswith(FORMULA_START) and not _NUMBER.match(value):
        return "'" + value
    return value


def csv_text(rows: Iterable[Mapping[str, Any]], columns: Sequence[str] | None = None) -> str:
    """The rows as CSV with a header: ``columns`` in order, or the first row's keys (no rows
    and no columns: an empty text)."""
    items = list(rows)
    names = list(columns) if columns is not None else (list(items[0]) if items else [])
    if not names:
        return ""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([safe_cell(name) for name in names])
    for row in items:
        writer.writerow([safe_cell(row.get(name)) for name in names])
    return out.getvalue()
