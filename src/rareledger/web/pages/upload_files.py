"""Spreadsheets uploaded through the pages, read as the API reads them."""

from __future__ import annotations

from typing import Any

from fastapi.concurrency import run_in_threadpool

from rareledger.formats.spreadsheet import SheetError, SheetRecord
from rareledger.formats.upload_limits import UploadLimits, UploadRefused
from rareledger.services import uploads
from rareledger.web.security import Context

UNREADABLE = (SheetError, UploadRefused)  # what a page shows as the upload's problem


async def read_sheets(ctx: Context, file: Any) -> list[SheetRecord]:
    """The records of an uploaded file, within the upload limits, read in a child process."""
    limits = UploadLimits.from_settings(ctx.settings)
    data = await file.read(limits.max_bytes + 1)
    await file.close()
    if len(data) > limits.max_bytes:
        raise UploadRefused(
            f"{file.filename}: an upload holds at most {limits.max_bytes} bytes",
            code="upload_too_large",
        )
    return await run_in_threadpool(uploads.read_sheets, file.filename or "", data, limits)
