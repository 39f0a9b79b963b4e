"""Decoding a validated record without checking again gives what the validator gave."""

from __future__ import annotations

import orjson
import pytest

from rareledger.domain.decode import decode_valid
from rareledger.domain.intake import RawLine, check_lines, decoded
from rareledger.domain.records import ParsedRecord, parse_record
from tests import factories as f

RECORDS = [
    f.extraction("LOT-A", mass="1250.5", composition={"Nd": "0.250", "Pr": "0.06"}),
    f.processing(f.SEPARATOR, [("LOT-A", "500")], [("LOT-B", "oxide", "100.125", {"Nd": "0.7"})]),
    f.shipment(f.MINER, f.TRADER, [("LOT-A", "10")], note="by rail", contract_no="C-1"),
    f.receipt(f.TRADER, "ev-x", [("LOT-A", "9.995")]),
    f.export(f.EXPORTER, [("LOT-B", "0.001")], licence_no="L-1"),
    f.import_("LOT-C", "00420.500"),
    f.adjustment(f.MINER, "LOT-A", "-0.5"),
    {**f.adjustment(f.MINER, "LOT-A", "12"), "recorded_at": "2025-06-04T10:00:00Z"},
    f.correction(f.MINER, "ev-1", replacement=f.adjustment(f.MINER, "LOT-A", "1")),
    f.enterprise("E-NEW", ["trader"], name_local="新企业"),
]


def _valid(record: dict[str, object]) -> ParsedRecord:
    parsed = parse_record(orjson.loads(orjson.dumps(record)), allow_recorded_at=True)
    assert isinstance(parsed, ParsedRecord), parsed
    return parsed


@pytest.mark.parametrize("record", RECORDS, ids=lambda r: str(r["type"]))
def test_decoding_the_canonical_text_gives_the_validated_record(record: dict[str, object]) -> None:
    parsed = _valid(record)
    again = decode_valid(parsed.text, parsed.digest, parsed.type)
    assert again == parsed


def test_lines_checked_elsewhere_decode_to_the_same_records_and_rejections() -> None:
    lines = [RawLine(orjson.dumps(r), n) for n, r in enumerate(RECORDS, 1)]
    lines.append(RawLine(b'{"type": "shipment", "event_id": 3}', 99))
    lines.append(RawLine(b"[" * 100_000, 100))
    results = [decoded(c) for c in check_lines(lines, allow_recorded_at=True)]
    assert results[: len(RECORDS)] == [_valid(r) for r in RECORDS]
    shipment, deep = results[len(RECORDS) :]
    assert not isinstance(shipment, ParsedRecord)
    assert {p.field for p in shipment.problems} >= {"event_id", "reporter", "buyer"}
    assert not isinstance(deep, ParsedRecord)
    assert [p.code for p in deep.problems] == ["malformed_json"]
