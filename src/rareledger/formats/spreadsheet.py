"""Reports as spreadsheets: one sheet (or CSV file) per record type, one row per line item.

Rows with the same ``event_id`` on one sheet make one event: the event's own columns are read
from its first row, and each row adds one line item (an output, an item, an input...). The
column layout of every sheet is in :data:`LAYOUTS` and documented in ``docs/spreadsheets.md``.
Errors found in a record are mapped back to the row and column they concern.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook

from rareledger.domain.elements import ELEMENT_SYMBOLS
from rareledger.errors import Invalid
from rareledger.formats import sheet_text
from rareledger.formats.tables import csv_text
from rareledger.formats.upload_limits import (
    Budget,
    UploadLimits,
    UploadRefused,
    check_size,
    check_workbook,
)

COMMON = ("event_id", "reporter", "occurred_at", "facility_id", "note")
NEW_LOT = ("lot_id", "form", "mass_kg", *ELEMENT_SYMBOLS)
QUANTITY = ("lot_id", "mass_kg")
MONEY = ("value_amount", "value_currency")


@dataclass(frozen=True, slots=True)
class Layout:
    """The columns of one sheet: the record's own, then those of its line items."""

    record_type: str
    own: tuple[str, ...]
    items: dict[str, tuple[str, ...]] = field(default_factory=dict)  # list name -> columns

    @property
    def columns(self) -> tuple[str, ...]:
        seen: list[str] = list(self.own)
        if len(self.items) > 1:
            seen.append("side")
        for columns in self.items.values():
            seen.extend(c for c in columns if c not in seen)
        return tuple(seen)

    @property
    def key(self) -> str:
        return "id" if "id" in self.own else "event_id"


LAYOUTS: dict[str, Layout] = {
    layout.record_type: layout
    for layout in (
        Layout("enterprise", ("id", "name", "name_local", "country", "roles", "status")),
        Layout("facility", ("id", "enterprise_id", "kind", "name", "region", "lat", "lon")),
        Layout("quota", ("id", "enterprise_id", "year", "kind", "reo_t")),
        Layout("extraction", COMMON, {"outputs": NEW_LOT}),
        Layout("processing", (*COMMON, "process"), {"inputs": QUANTITY, "outputs": NEW_LOT}),
        Layout(
            "shipment", (*COMMON, "buyer", *MONEY, "invoice_no", "contract_no"), {"items": QUANTITY}
        ),
        Layout("receipt", (*COMMON, "shipment_event_id"), {"items": QUANTITY}),
        Layout(
            "export",
            (
                *COMMON,
                "destination_country",
                "consignee_name",
                "consignee_country",
                "consignee_address",
                "end_user_name",
                "end_user_country",
                "end_use",
                "hs_code",
                "customs_declaration_no",
                *MONEY,
                "licence_no",
            ),
            {"items": QUANTITY},
        ),
        Layout(
            "import",
            (
                *COMMON,
                "origin_country",
                "supplier_name",
                "supplier_country",
                "customs_declaration_no",
                *MONEY,
            ),
            {"outputs": NEW_LOT},
        ),
        Layout("adjustment", (*COMMON, "lot_id", "delta_kg", "reason")),
        Layout("correction", (*COMMON, "corrects", "reason")),
    )
}
# On any event sheet, these columns turn the row's event into the replacement of a correction.
CORRECTING = ("correction_id", "corrects", "correction_reason")
NESTED = {
    "value_": "value",
    "consignee_": "consignee",
    "end_user_": "end_user",
    "supplier_": "supplier",
}
SIDES = {"input": "inputs", "output": "outputs"}


class SheetError(Invalid):
    """A sheet that cannot be read at all (unknown type, missing key column)."""

    code: str = "unreadable_spreadsheet"


@dataclass(slots=True)
class SheetRecord:
    """A record assembled from rows, with where each line item came from."""

    sheet: str
    record: dict[str, Any]
    first_row: int
    item_rows: dict[str, list[int]]  # list name -> row numbers, in item order

    @property
    def rows(self) -> list[int]:
        return sorted({self.first_row, *(r for rows in self.item_rows.values() for r in rows)})

    def locate(self, field_path: str) -> tuple[int, str]:
        """The (row, column) that a JSON path in an error refers to."""
        if self.record.get("replacement") is not None and self.record.get("type") == "correction":
            if field_path.startswith("replacement."):
                return self._locate(field_path[len("replacement.") :], self.record["replacement"])
            named = {"event_id": "correction_id", "reason": "correction_reason"}
            return self.first_row, named.get(field_path, field_path or "(row)")
        return self._locate(field_path, self.record)

    def _locate(self, field_path: str, record: dict[str, Any]) -> tuple[int, str]:
        match = re.match(r"^(\w+)\[(\d+)\]\.?(.*)$", field_path)
        if match and match.group(1) in self.item_rows:
            rows = self.item_rows[match.group(1)]
            index = int(match.group(2))
            row = rows[index] if index < len(rows) else self.first_row
            rest = match.group(3).split(".")[-1] if match.group(3) else match.group(1)
            return row, rest
        for prefix, name in NESTED.items():
            if field_path.startswith(f"{name}."):
                return self.first_row, prefix + field_path.split(".", 1)[1]
        if (
            field_path == "delta_kg"
            or field_path in LAYOUTS.get(str(record.get("type")), Layout("", ())).own
        ):
            return self.first_row, field_path
        return self.first_row, field_path or "(row)"


def _cell(value: Any) -> Any:
    """A cell as JSON-ready text or number; empty cells are None."""
    if value is None:
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, str):
        return value.strip() or None
    return value


def _set_own(record: dict[str, Any], column: str, value: Any) -> None:
    for prefix, name in NESTED.items():
        if column.startswith(prefix):
            record.setdefault(name, {})[column[len(prefix) :]] = value
            return
    if column == "roles" and isinstance(value, str):
        value = [part.strip() for part in value.split(",") if part.strip()]
    record[column] = value


def _item(row: dict[str, Any], columns: tuple[str, ...]) -> dict[str, Any]:
    item: dict[str, Any] = {}
    composition = {}
    for column in columns:
        value = row.get(column)
        if column in ELEMENT_SYMBOLS:
            if value is not None:
                composition[column] = value
        elif value is not None:
            item[column] = value
    if "form" in columns:
        item["composition"] = composition
    return item


def assemble(
    sheet: str, record_type: str, rows: Iterable[tuple[int, dict[str, Any]]]
) -> Iterator[SheetRecord]:
    """Group rows into records, in the order their first rows appear."""
    layout = LAYOUTS.get(record_type)
    if layout is None:
        raise SheetError(
            f"sheet {sheet!r}: unknown record type {record_type!r} (one of {', '.join(LAYOUTS)})"
        )
    grouped: dict[Any, SheetRecord] = {}
    correcting: dict[Any, dict[str, Any]] = {}
    for number, row in rows:
        if all(v is None for v in row.values()):
            continue
        key = row.get(layout.key)
        if key is None or layout.key == "id":
            key = (number,) if key is None else key
        current = grouped.get(key)
        if current is None:
            current = grouped[key] = SheetRecord(sheet, _own(layout, row), number, {})
            correcting[key] = {c: row[c] for c in CORRECTING if row.get(c) is not None}
        _add_items(current, layout, number, row)
    for key, found in grouped.items():
        if correcting.get(key):
            found.record = _as_correction(found.record, correcting[key])
    yield from grouped.values()


def _own(layout: Layout, row: dict[str, Any]) -> dict[str, Any]:
    """A record's own fields, from its first row."""
    record: dict[str, Any] = {"type": layout.record_type}
    for column in layout.own:
        if row.get(column) is not None:
            _set_own(record, column, row[column])
    if row.get("recorded_at") is not None:
        record["recorded_at"] = row["recorded_at"]
    return record


def _as_correction(replacement: dict[str, Any], columns: dict[str, Any]) -> dict[str, Any]:
    """A correction of ``corrects`` whose replacement is the row's event."""
    correction: dict[str, Any] = {"type": "correction"}
    for name, column in (
        ("event_id", "correction_id"),
        ("corrects", "corrects"),
        ("reason", "correction_reason"),
    ):
        if column in columns:
            correction[name] = columns[column]
    for name in ("reporter", "occurred_at", "recorded_at"):
        if name in replacement:
            correction[name] = replacement[name]
    correction["replacement"] = replacement
    return correction


def _add_items(current: SheetRecord, layout: Layout, number: int, row: dict[str, Any]) -> None:
    if not layout.items:
        return
    if len(layout.items) == 1:
        ((name, columns),) = layout.items.items()
    else:
        side = str(row.get("side") or "").lower()
        name = SIDES.get(side, "outputs" if row.get("form") else "inputs")
        columns = layout.items[name]
    current.record.setdefault(name, []).append(_item(row, columns))
    current.item_rows.setdefault(name, []).append(number)


def _names(header: Iterable[Any]) -> list[str]:
    """Column names, without the empty cells after the last one."""
    names = [str(h).strip().lstrip("\ufeff") if h is not None else "" for h in header]
    while names and not names[-1]:
        names.pop()
    return names


def _rows(
    sheet: str, names: list[str], body: Iterable[tuple[int, Any]], budget: Budget
) -> Iterator[tuple[int, dict[str, Any]]]:
    """(row number, {column: cell}) for each numbered row of values, counted by ``budget``."""
    for number, values in body:
        budget.row(sheet, number, values)
        yield number, {n: _cell(_time(n, v)) for n, v in zip(names, values, strict=False) if n}


def _time(name: str, value: Any) -> Any:
    """Excel dates and local date text in a time column, read as the regulator's time."""
    return sheet_text.time_cell(value) if name in sheet_text.TIME_COLUMNS else value


def read_workbook(data: bytes | Path, budget: Budget | None = None) -> Iterator[SheetRecord]:
    """Every record of an .xlsx workbook; each sheet is named after its record type.

    The sheets' declared dimensions are ignored (a sheet may declare a million rows it does
    not hold), and rows are read only as wide as their header.
    """
    budget = budget or Budget(UploadLimits())
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    try:
        book = load_workbook(source, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise SheetError(f"not a readable .xlsx workbook: {error}") from error
    for sheet in book.worksheets:
        sheet.reset_dimensions()
        names = _names(next(sheet.iter_rows(max_row=1, values_only=True), ()))
        if not names:
            continue
        budget.header(sheet.title, names)
        body = sheet.iter_rows(min_row=2, max_col=len(names), values_only=True)
        yield from assemble(
            sheet.title,
            sheet.title.strip().lower(),
            _rows(sheet.title, names, enumerate(body, start=2), budget),
        )


def read_csv(text: str, name: str, budget: Budget | None = None) -> Iterator[SheetRecord]:
    """Every record of one CSV file; its type is the ``type`` column or the file name's start."""
    budget = budget or Budget(UploadLimits())
    lines = _csv_lines(text, name, budget)
    header = next(lines, None)
    if header is None:
        return
    names = _names(header[1])
    budget.header(name, names)
    if "type" in names:
        index = names.index("type")
        by_type: dict[str, list[tuple[int, list[str]]]] = {}
        for number, row in lines:
            record_type = row[index] if index < len(row) else ""
            by_type.setdefault(record_type, []).append((number, row))
        for record_type, body in by_type.items():
            yield from assemble(name, record_type, _rows(name, names, body, budget))
        return
    record_type = re.split(r"[-_.\s]", Path(name).name.lower(), maxsplit=1)[0]
    yield from assemble(name, record_type, _rows(name, names, lines, budget))


def _csv_lines(text: str, name: str, budget: Budget) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) of each CSV row."""
    reader = csv.reader(io.StringIO(text), delimiter=sheet_text.delimiter(text))
    try:
        for row in reader:
            yield reader.line_num, row
    except csv.Error as error:  # the csv module's own cap on a field's length, or worse
        if "field limit" in str(error):
            raise budget.long_cell(name, reader.line_num, None, None) from None
        raise SheetError(f"{name} row {reader.line_num}: {error}") from None


def template(record_type: str, fmt: str) -> bytes:
    """An empty sheet with the column headers of one record type, as .xlsx or .csv."""
    layout = LAYOUTS[record_type]
    if fmt == "csv":
        return csv_text([], layout.columns).encode()
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = record_type
    sheet.append(list(layout.columns))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def read_upload(
    filename: str, data: bytes, limits: UploadLimits | None = None
) -> list[SheetRecord]:
    """The records of an uploaded .xlsx or .csv file, read within ``limits``; a
    :class:`SheetError` or :class:`UploadRefused` names the file."""
    limits = limits or UploadLimits()
    try:
        check_size(limits, len(data))
        return _read_file(filename, data, Budget(limits))
    except (SheetError, UploadRefused) as error:
        named = error.message.startswith(f"{filename} ")  # a CSV's rows are named by the file
        message = error.message if named else f"{filename}: {error.message}"
        raise type(error)(message, code=error.code, details=error.details) from error.__cause__


def _read_file(filename: str, data: bytes, budget: Budget) -> list[SheetRecord]:
    lower = filename.lower()
    if lower.endswith(".xlsx"):
        check_workbook(budget.limits, data)
        return list(read_workbook(data, budget))
    if lower.endswith(".csv"):
        return list(read_csv(sheet_text.decode(data), filename, budget))
    raise SheetError("upload an .xlsx workbook or a .csv file")
