"""Submit records read from spreadsheets and answer row by row."""

from __future__ import annotations

from collections import Counter
from typing import Any

from rareledger.formats.spreadsheet import SheetRecord
from rareledger.services.reporting import Acknowledgement, Recorder


def row_answers(sheet_record: SheetRecord, receipt: Acknowledgement) -> list[dict[str, Any]]:
    """The receipt of one record spread over the rows it came from."""
    errors_by_row: dict[int, list[dict[str, Any]]] = {}
    for error in receipt.errors:
        row, column = sheet_record.locate(error["field"])
        errors_by_row.setdefault(row, []).append(
            {
                "column": column,
                "code": error["code"],
                "message": error["message"],
                "value": error["value"],
            }
        )
    return [
        {
            "sheet": sheet_record.sheet,
            "row": row,
            "id": receipt.id,
            "status": receipt.status,
            "position": receipt.position,
            "hash": receipt.hash,
            "findings": receipt.findings,
            "errors": errors_by_row.get(row, []),
        }
        for row in sheet_record.rows
    ]


def submit_sheets(recorder: Recorder, sheets: list[SheetRecord], batch: int) -> dict[str, Any]:
    rows: list[dict[str, Any]] = []
    for start in range(0, len(sheets), batch):
        chunk = sheets[start : start + batch]
        receipts = recorder.submit([s.record for s in chunk])
        for sheet_record, receipt in zip(chunk, receipts, strict=True):
            rows.extend(row_answers(sheet_record, receipt))
    records = Counter(r["status"] for r in rows)
    return {
        "rows": rows,
        "summary": {
            "rows": len(rows),
            **{k: records.get(k, 0) for k in ("accepted", "duplicate", "rejected")},
        },
    }
