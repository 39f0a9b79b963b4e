"""Lines of JSON in, parsed records out.

A bulk load validates its lines in a second process (:func:`check_lines`), which hands back
only the canonical text and digest of each valid record; this process then decodes them
without checking again (:func:`rareledger.domain.decode.decode_valid`). Small batches are
parsed in place (:func:`parse_line`). Both go through the one validator,
:func:`rareledger.domain.records.parse_record`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import msgspec

from rareledger.domain.decode import decode_valid
from rareledger.domain.problems import Problem
from rareledger.domain.records import ParsedRecord, parse_record, record_id_of

_JSON = msgspec.json.Decoder(float_hook=Decimal)  # numbers with a fraction or exponent: exact


@dataclass(frozen=True, slots=True)
class RawLine:
    """One line of a JSON Lines file, not decoded yet."""

    data: bytes
    number: int


@dataclass(frozen=True, slots=True)
class LineRejected:
    """A line that did not pass: the id it names (if any) and why."""

    record_id: str | None
    problems: list[Problem]


Checked = tuple[str, str, str] | LineRejected  # (canonical text, digest, type) of a valid one


def parse_line(line: RawLine, *, allow_recorded_at: bool) -> ParsedRecord | LineRejected:
    """Parse one line: JSON, then the contract's stateless rules."""
    try:
        raw = _JSON.decode(line.data)
    except (msgspec.DecodeError, RecursionError) as error:
        text = line.data.decode("utf-8", "replace")[:200]
        reason = f"line {line.number}: not valid JSON ({error})"
        return LineRejected(None, [Problem("malformed_json", "", reason, text)])
    result = parse_record(raw, allow_recorded_at=allow_recorded_at)
    return result if isinstance(result, ParsedRecord) else LineRejected(record_id_of(raw), result)


def check_lines(lines: list[RawLine], allow_recorded_at: bool) -> list[Checked]:
    """Validate lines; for each valid one only what :func:`decoded` needs (cheap to send)."""
    checked: list[Checked] = []
    for line in lines:
        parsed = parse_line(line, allow_recorded_at=allow_recorded_at)
        if isinstance(parsed, LineRejected):
            checked.append(parsed)
        else:
            checked.append((parsed.text, parsed.digest, parsed.type))
    return checked


def decoded(checked: Checked) -> ParsedRecord | LineRejected:
    """The parsed record of a line :func:`check_lines` found valid (or its rejection)."""
    if isinstance(checked, LineRejected):
        return checked
    text, digest, record_type = checked
    return decode_valid(text, digest, record_type)
