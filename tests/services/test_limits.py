"""Hostile records get a clear rejection naming the field and the limit, never a crash, and
never a bloated ledger entry; a bad line costs its batch nothing else."""

from __future__ import annotations

import json
import tracemalloc
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from rareledger.domain.checks import MAX_ITEMS, MAX_TEXT
from tests import factories as f
from tests.cli.test_cli import run


def _shipment(**changes: Any) -> dict[str, Any]:
    return {**f.shipment(f.MINER, f.TRADER, [("LOT-A", "10")]), **changes}


@pytest.mark.parametrize(
    ("record", "code", "field"),
    [
        (
            _shipment(value={"amount": Decimal("1E+999999"), "currency": "CNY"}),
            "decimal_format",
            "value.amount",
        ),
        (
            _shipment(items=[{"lot_id": "LOT-A", "mass_kg": Decimal("-1e1000000")}]),
            "decimal_format",
            "items[0].mass_kg",
        ),
        (
            _shipment(value={"amount": "1234567890123456", "currency": "CNY"}),
            "decimal_digits",
            "value.amount",
        ),
        (
            _shipment(value={"amount": "0.1234567890123", "currency": "CNY"}),
            "decimal_digits",
            "value.amount",
        ),
        (_shipment(occurred_at="9999-12-31T23:59:59-14:00"), "invalid_time", "occurred_at"),
        (_shipment(occurred_at="0001-01-01T00:00:00+14:00"), "invalid_time", "occurred_at"),
        (_shipment(note="x" * (MAX_TEXT + 1)), "text_too_long", "note"),
        (_shipment(note="\ud800"), "invalid_text", "note"),
        (_shipment(**{"\ud800": 1}), "invalid_text", ""),
        (_shipment(note={"a": {"\ud800": 1}}), "invalid_text", "note.a"),
        # a key within the limit names a list item beyond it: "kk…k[0]"
        (
            _shipment(note={"k" * (MAX_TEXT - 2): [1]}),
            "text_too_long",
            "note." + "k" * (MAX_TEXT - 2),
        ),
        (
            _shipment(items=[{"lot_id": f"L{n}", "mass_kg": "1"} for n in range(MAX_ITEMS + 1)]),
            "too_many_items",
            "items",
        ),
        (_shipment(note=[[[[[[[[[["deep"]]]]]]]]]]), "too_deep", "note[0][0][0][0][0][0][0][0]"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_hostile_records_are_rejected_by_name(
    database: Any, record: dict[str, Any], code: str, field: str
) -> None:
    reporter = f.Reporter(database)
    reporter.accept(*f.world())
    (answer,) = reporter.submit(record)
    assert answer.status == "rejected"
    assert (answer.errors[0]["code"], answer.errors[0]["field"]) == (code, field)
    assert len(json.dumps(answer.as_dict())) < 2000  # the answer is small too


def test_a_file_load_names_bad_lines_and_keeps_the_good_ones(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    assert run(url, "init").exit_code == 0
    good = [*f.world(), f.extraction("LOT-G", facility_id=f.MINE)]
    lines = [json.dumps(r) for r in good]
    lines.insert(3, '{"type": "shipment", "amount": 1e999999}')
    lines.insert(5, json.dumps(_shipment(occurred_at="9999-12-31T23:59:59-14:00")))
    lines.append("[" * 100_000)
    path = tmp_path / "mixed.jsonl"
    path.write_text("\n".join(lines) + "\n")
    result = run(url, "load", str(path))
    assert result.exit_code == 1
    assert f"accepted {len(good)}, duplicate 0, rejected 3" in result.output
    for line in (4, 6, len(lines)):
        assert f"(line {line})" in result.output
    answers = [json.loads(x) for x in run(url, "load", "--json", str(path)).output.splitlines()]
    assert [a["line"] for a in answers if a["status"] == "rejected"] == [4, 6, len(lines)]


def test_a_record_of_a_hundred_huge_exponents_costs_little_memory(database: Any) -> None:
    """Each mass of 1E+999999 would be a megabyte written out in positional notation; the
    limits refuse it from its digits and exponent, without ever writing it out."""
    reporter = f.Reporter(database)
    reporter.accept(*f.world())
    items = [{"lot_id": f"LOT-{n}", "mass_kg": Decimal("1E+999999")} for n in range(100)]
    tracemalloc.start()
    try:
        (answer,) = reporter.submit(_shipment(items=items))
        _, peak_bytes = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert answer.status == "rejected"
    assert {e["code"] for e in answer.errors} == {"decimal_format"}
    assert peak_bytes < 10 * 1024 * 1024  # the issue measured 90 MB
