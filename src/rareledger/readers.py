"""Read records from JSON Lines or a JSON array, streaming, without holding a file in memory.

A JSON Lines file yields each line undecoded (:class:`~rareledger.domain.intake.RawLine`): the
write path decodes it, so a line that is not JSON gets its own rejected receipt and the rest of
the file is still read. The records of a JSON array are decoded here, with numbers that are
not integers as ``Decimal`` (never binary floats).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import BinaryIO

import ijson

from rareledger.domain.intake import RawLine
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
    """Each non-empty line, still undecoded: the write path decodes and checks it."""
    for number, line in enumerate(stream, start=1):
        text = line.strip()
        if text:
            yield RawLine(text, number)


def _array(stream: BinaryIO) -> Iterator[object]:
    try:
        yield from ijson.items(stream, "item", use_float=False)
    except ijson.JSONError as error:
        yield Unreadable("", f"the JSON array is malformed: {error}")
