"""Read uploaded spreadsheets within their limits, submit their records, answer row by row."""

from __future__ import annotations

import multiprocessing
import warnings
from collections import Counter
from multiprocessing.connection import Connection
from typing import Any

from rareledger.formats.spreadsheet import SheetError, SheetRecord, read_upload
from rareledger.formats.upload_limits import UploadLimits, UploadRefused, refuse
from rareledger.services.reporting import Acknowledgement, Recorder

# The reading child is forked: it starts at once with the reader loaded, and only parses
# (no locks of the server's other threads are taken there). It is stopped at the time limit
# whatever it is doing, so a child that got stuck cannot outlive it either.
_START_METHODS = ("fork", "spawn")


def read_sheets(filename: str, data: bytes, limits: UploadLimits) -> list[SheetRecord]:
    """The records of an upload, read in a child process that is stopped once it has taken
    ``limits.time_limit_s`` (then :class:`UploadRefused` ``upload_time_limit``)."""
    context: Any = multiprocessing.get_context(
        next(m for m in _START_METHODS if m in multiprocessing.get_all_start_methods())
    )
    receiving, sending = context.Pipe(duplex=False)
    child = context.Process(
        target=_read_in_child, args=(sending, filename, data, limits), daemon=True
    )
    with warnings.catch_warnings():  # Python 3.12 warns of forking a threaded process
        warnings.filterwarnings("ignore", r".*fork\(\) may lead to deadlocks", DeprecationWarning)
        child.start()
    sending.close()
    try:
        if not receiving.poll(limits.time_limit_s):
            raise refuse(
                "upload_time_limit",
                f"{filename}: reading the file took longer than {limits.time_limit_s:g} s",
                time_limit_s=limits.time_limit_s,
            )
        outcome, value = receiving.recv()
    except EOFError:  # the child died without answering (out of memory, killed)
        raise SheetError(f"{filename}: the file could not be read") from None
    finally:
        receiving.close()
        child.kill()
        child.join()
    if outcome == "records":
        return list(value)
    kind, message, code, details = value
    raise kind(message, code=code, details=details)


def _read_in_child(answer: Connection, filename: str, data: bytes, limits: UploadLimits) -> None:
    try:
        answer.send(("records", read_upload(filename, data, limits)))
    except (SheetError, UploadRefused) as error:
        answer.send(("error", (type(error), error.message, error.code, error.details)))
    except Exception as error:  # a damaged part the reader did not expect
        message = f"{filename}: not a readable spreadsheet ({type(error).__name__})"
        answer.send(("error", (SheetError, message, SheetError.code, None)))
    finally:
        answer.close()


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
