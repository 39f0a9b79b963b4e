"""Limits on an uploaded spreadsheet, enforced while it is read and before anything is stored.

A small file can unpack into a great deal: an .xlsx is a zip archive whose parts may be
compressed a thousandfold, a cell may point to a shared string of millions of characters, and
a sheet may declare (or hold) a million empty rows. So an upload is bounded four ways, each a
setting (docs/configuration.md):

- its size as sent (checked by the caller before reading it: 413);
- the unpacked size of an .xlsx, from the archive's own directory, before any part is read
  (the zip reader refuses a part that unpacks to more than it declares);
- rows (empty ones too), columns and the characters of one cell: an .xlsx's rows are counted
  in its sheets' text before the workbook is opened (a workbook reader may walk a whole sheet
  just to size it), and every reader counts rows and measures cells as it goes;
- the time spent reading it (:func:`rareledger.services.uploads.read_sheets` reads in a child
  process that is stopped at the limit).

Any limit that is passed ends the reading with :class:`UploadRefused` (422) naming the limit;
nothing of the file has been submitted then.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rareledger.config import Settings
from rareledger.errors import Invalid


class UploadRefused(Invalid):
    """An upload that passes one of its limits."""

    code: str = "upload_limit"


@dataclass(frozen=True, slots=True)
class UploadLimits:
    """The documented limits of one upload (see the module's docstring)."""

    max_bytes: int = 16 * 1024 * 1024
    max_unpacked_bytes: int = 128 * 1024 * 1024
    max_rows: int = 100_000
    max_columns: int = 256
    max_cell_chars: int = 10_000
    time_limit_s: float = 60.0

    @classmethod
    def from_settings(cls, settings: Settings) -> UploadLimits:
        return cls(
            max_bytes=settings.max_upload_bytes,
            max_unpacked_bytes=settings.max_upload_unpacked_bytes,
            max_rows=settings.max_upload_rows,
            max_cell_chars=settings.max_upload_cell_chars,
            time_limit_s=settings.upload_time_limit_s,
        )


def refuse(code: str, message: str, **details: Any) -> UploadRefused:
    return UploadRefused(message, code=code, details={"limit": code, **details})


def check_size(limits: UploadLimits, size: int) -> None:
    """Refuse a file larger than ``max_bytes`` (the caller answers 413 for it)."""
    if size > limits.max_bytes:
        raise refuse(
            "upload_too_large",
            f"an upload holds at most {limits.max_bytes} bytes, not {size}",
            max_bytes=limits.max_bytes,
        )


def check_workbook(limits: UploadLimits, data: bytes) -> None:
    """Refuse an .xlsx whose parts would unpack to more than ``max_unpacked_bytes``, or one
    of whose sheets holds more than ``max_rows`` rows."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
            unpacked = sum(part.file_size for part in parts)
            if unpacked > limits.max_unpacked_bytes:
                raise refuse(
                    "upload_unpacks_too_large",
                    f"the workbook unpacks to {unpacked} bytes, more than the limit of "
                    f"{limits.max_unpacked_bytes}",
                    max_unpacked_bytes=limits.max_unpacked_bytes,
                )
            for part in parts:
                if part.filename.startswith("xl/worksheets/"):
                    _check_rows(limits, archive, part.filename)
    except (zipfile.BadZipFile, ValueError, OSError, EOFError):
        return  # not a sound zip archive: the workbook reader says so in its own words


_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")  # <row ...>, <row/>, <x:row ...>
_CHUNK = 1 << 20


def _check_rows(limits: UploadLimits, archive: zipfile.ZipFile, part: str) -> None:
    """Count a sheet's row elements in its text, stopping as soon as there are too many."""
    count, carry = 0, b""
    with archive.open(part) as stream:
        while chunk := stream.read(_CHUNK):
            text = carry + chunk
            count += sum(1 for m in _ROW_TAG.finditer(text) if m.end() > len(carry))
            if count > limits.max_rows + 1:  # the header row and max_rows rows
                name = part.rsplit("/", 1)[-1]
                raise refuse(
                    "too_many_rows",
                    f"{name} holds more than {limits.max_rows} rows",
                    max_rows=limits.max_rows,
                )
            carry = text[-64:]


class Budget:
    """What one upload may still spend: rows, columns and characters per cell."""

    def __init__(self, limits: UploadLimits) -> None:
        self.limits = limits
        self.rows = 0

    def header(self, sheet: str, names: list[str]) -> None:
        if len(names) > self.limits.max_columns:
            raise refuse(
                "too_many_columns",
                f"{sheet}: a sheet has at most {self.limits.max_columns} columns, not {len(names)}",
                max_columns=self.limits.max_columns,
            )
        self.cells(sheet, 1, names)

    def row(self, sheet: str, number: int, values: Iterable[Any]) -> None:
        """Count one row (empty or not) and check its cells."""
        self.rows += 1
        if self.rows > self.limits.max_rows:
            raise refuse(
                "too_many_rows",
                f"{sheet} row {number}: an upload holds at most {self.limits.max_rows} rows",
                max_rows=self.limits.max_rows,
            )
        self.cells(sheet, number, values)

    def cells(self, sheet: str, number: int, values: Iterable[Any]) -> None:
        longest = self.limits.max_cell_chars
        for column, value in enumerate(values, start=1):
            if isinstance(value, str) and len(value) > longest:
                raise self.long_cell(sheet, number, column, len(value))

    def long_cell(self, sheet: str, number: int, column: int | None, length: int | None) -> Invalid:
        where = f"{sheet} row {number}" + (f" column {column}" if column is not None else "")
        size = f", not {length} characters" if length is not None else ""
        return refuse(
            "cell_too_long",
            f"{where}: a cell holds at most {self.limits.max_cell_chars} characters{size}",
            max_cell_chars=self.limits.max_cell_chars,
            row=number,
            column=column,
        )
