"""Read records from JSON Lines or a JSON array, streaming, without holding a file in memory.

Numbers that are not integers are read as ``Decimal`` (never binary floats). A line that is
not JSON becomes an :class:`~rareledger.services.reporting.Unreadable` so that it gets its own
rejected receipt and the rest of the file is still read.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import BinaryIO

import ijson

from rareledger.domain.records import Unreadable


def _first_byte(stream: BinaryIO) -> bytes:
    peek = getattr(stream, "peek", None)
    data = peek(64) if peek else b""
    return data.lstrip()[:1]


def iter_records(stream: BinaryIO) -> Iterator[object]:
    """Yield each record of a JSON Lines file or a JSON array, in order."""
    if _first_byte(stream) == b"[":
        yield from _array(stream)
    else:
        yield from _lines(stream)


def _lines(stream: BinaryIO) -> Iterator[object]:
    for number, line in enumerate(stream, start=1):
        text = line.strip()
        if not text:
            continue
        try:
            yield json.loads(text, parse_float=Decimal, parse_constant=_refuse_constant)
        except (ValueError, UnicodeDecodeError) as error:
            yield Unreadable(
                text.decode("utf-8", "replace")[:200], f"line {number}: not valid JSON ({error})"
            )


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not a number")


def _array(stream: BinaryIO) -> Iterator[object]:
    try:
        yield from ijson.items(stream, "item", use_float=False)
    except ijson.JSONError as error:
        yield Unreadable("", f"the JSON array is malformed: {error}")
