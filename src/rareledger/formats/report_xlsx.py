"""A report as an .xlsx workbook: one sheet per table, headers in the reader's language."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

MAX_TITLE = 31  # Excel's limit on a sheet's name


def workbook(
    title: str,
    facts: Sequence[tuple[str, Any]],
    sheets: Sequence[tuple[str, Sequence[str], Sequence[Sequence[Any]]]],
) -> bytes:
    """A cover sheet of (label, value) facts, then one sheet per (name, headers, rows)."""
    book = Workbook()
    cover = book.active
    assert cover is not None
    cover.title = _title(title)
    cover.append([title])
    cover["A1"].font = Font(bold=True, size=14)
    for label, value in facts:
        cover.append([label, value])
    for name, headers, rows in sheets:
        sheet = book.create_sheet(_title(name))
        sheet.append(list(headers))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for row in rows:
            sheet.append(list(row))
        for index, header in enumerate(headers, start=1):
            sheet.column_dimensions[sheet.cell(1, index).column_letter].width = max(
                12, len(str(header)) + 4
            )
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _title(text: str) -> str:
    cleaned = "".join(" " if ch in "[]:*?/\\" else ch for ch in text)
    return cleaned[:MAX_TITLE] or "sheet"
