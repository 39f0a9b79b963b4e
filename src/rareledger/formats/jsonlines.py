"""JSON as rareledger reads it, from a request body, a file of JSON Lines or a JSON array.

:func:`parse_json` reads a value by one set of rules: numbers that are not integers are read as
``Decimal`` (never binary floats); ``NaN`` and ``Infinity`` are refused; so are strings with a
lone surrogate (they cannot be stored as UTF-8) and values nested deeper than
:data:`MAX_DEPTH` arrays and objects (no contract record comes near it, and a deeper one would
only exhaust the stack of whatever walks it). Request bodies and the values people type are
read with it.

Files are streamed (:func:`iter_records`), never held in memory. A JSON Lines file yields each
line undecoded (:class:`~rareledger.domain.intake.RawLine`): the write path decodes and checks
it (in a second process for a bulk load), so a line that is not JSON gets its own rejected
receipt and the rest of the file is still read. The records of a JSON array are decoded here;
an item that breaks a rule above becomes an :class:`~rareledger.domain.records.Unreadable`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, BinaryIO

import ijson

from rareledger.domain.intake import RawLine
from rareledger.domain.records import Unreadable
from rareledger.errors import Invalid

MAX_DEPTH = 64
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")  # a \uD800-\uDFFF escape


class MalformedJson(Invalid):
    """Text that is not JSON by these rules."""

    code: str = "malformed_json"


def _refuse_constant(name: str) -> object:
    raise ValueError(f"{name} is not a number")


def parse_json(data: bytes | str, *, what: str = "the text") -> Any:
    """The JSON value of ``data`` by the rules above; :class:`MalformedJson` naming ``what``
    and the problem otherwise."""
    try:
        value = json.loads(data, parse_float=Decimal, parse_constant=_refuse_constant)
    except RecursionError:
        raise MalformedJson(f"{what} is nested deeper than {MAX_DEPTH} levels") from None
    except (ValueError, UnicodeDecodeError) as error:
        raise MalformedJson(f"{what} is not valid JSON: {error}") from None
    # Cheap tests on the bytes first: most records have few brackets and no \uD8xx escapes
    # (text given as str may hold a raw surrogate, so it is always walked).
    raw = data if isinstance(data, bytes) else data.encode("utf-8", "surrogatepass")
    if raw.count(b"[") + raw.count(b"{") > MAX_DEPTH:
        _check_depth(value, what)
    if isinstance(data, str) or _SURROGATE_ESCAPE.search(raw):
        _check_texts(value, what)
    return value


def check_value(value: Any, *, what: str = "the value") -> None:
    """Refuse a parsed value nested deeper than :data:`MAX_DEPTH`, or holding a string that
    is not valid Unicode (a lone surrogate)."""
    _check_depth(value, what)
    _check_texts(value, what)


def _containers(value: Any) -> Iterator[tuple[Any, int]]:
    """Every list and object in ``value`` with its depth (the value itself is 0), without
    recursion."""
    stack: list[tuple[Any, int]] = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        yield item, depth
        children = item.values() if isinstance(item, dict) else item
        stack.extend((c, depth + 1) for c in children if isinstance(c, dict | list))


def _check_depth(value: Any, what: str) -> None:
    if not isinstance(value, dict | list):
        return
    for _item, depth in _containers(value):
        if depth >= MAX_DEPTH:
            raise MalformedJson(f"{what} is nested deeper than {MAX_DEPTH} levels")


def _check_texts(value: Any, what: str) -> None:
    if isinstance(value, str):
        _check_text(value, what)
    if not isinstance(value, dict | list):
        return
    for item, _depth in _containers(value):
        texts = [*item, *item.values()] if isinstance(item, dict) else item
        for text in texts:
            if isinstance(text, str):
                _check_text(text, what)


def _check_text(text: str, what: str) -> None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raise MalformedJson(
            f"{what} holds a string with a lone surrogate (not valid Unicode)"
        ) from None


def iter_records(stream: BinaryIO) -> Iterator[object]:
    """Yield each record of a JSON Lines file or a JSON array, in order."""
    if _first_byte(stream) == b"[":
        yield from _array(stream)
    else:
        yield from _lines(stream)


def _first_byte(stream: BinaryIO) -> bytes:
    peek = getattr(stream, "peek", None)
    data = peek(64) if peek else b""
    return data.lstrip()[:1]


def _lines(stream: BinaryIO) -> Iterator[object]:
    """Each non-empty line, still undecoded: the write path decodes and checks it."""
    for number, line in enumerate(stream, start=1):
        text = line.strip()
        if text:
            yield RawLine(text, number)


def _array(stream: BinaryIO) -> Iterator[object]:
    try:
        for number, item in enumerate(ijson.items(stream, "item", use_float=False), start=1):
            try:
                check_value(item, what=f"item {number}")
            except MalformedJson as error:
                yield Unreadable("", error.message)
                continue
            yield item
    except (ijson.JSONError, UnicodeDecodeError) as error:  # the parser cannot go on from here
        yield Unreadable("", f"the JSON array is malformed: {error}")
