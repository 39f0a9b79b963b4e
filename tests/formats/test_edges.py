"""The shared edge readers and writers: strict JSON, days, compositions, safe CSV cells."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import pytest

from rareledger.domain.intake import RawLine
from rareledger.domain.records import Unreadable
from rareledger.errors import Invalid
from rareledger.formats.jsonlines import MAX_DEPTH, MalformedJson, iter_records, parse_json
from rareledger.formats.tables import csv_text, safe_cell
from rareledger.formats.values import parse_composition, parse_day


def test_json_decimals_are_exact_and_depth_up_to_the_limit_is_fine() -> None:
    assert parse_json(b'{"mass_kg": 0.1}') == {"mass_kg": Decimal("0.1")}
    nested = b"[" * MAX_DEPTH + b"]" * MAX_DEPTH
    assert parse_json(nested) == parse_json(nested)  # parsed, not refused
    assert parse_json('{"a": "\\ud83d\\ude00"}') == {"a": "\N{GRINNING FACE}"}  # a valid pair


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (b"{not json", "not valid JSON"),
        (b'{"a": NaN}', "NaN is not a number"),
        (b"[-Infinity]", "Infinity is not a number"),
        (b'{"a": "\\ud800"}', "lone surrogate"),
        (b'{"\\udfff": 1}', "lone surrogate"),
        (b"[" * (MAX_DEPTH + 1) + b"]" * (MAX_DEPTH + 1), f"deeper than {MAX_DEPTH}"),
        (b'{"a": ' * 500 + b"1" + b"}" * 500, f"deeper than {MAX_DEPTH}"),
        (b"[" * 100_000 + b"]" * 100_000, f"deeper than {MAX_DEPTH}"),
        (b"\xff\xfe\x00", "not valid JSON"),
    ],
)
def test_json_that_breaks_a_rule_is_refused_naming_the_problem(text: bytes, problem: str) -> None:
    with pytest.raises(MalformedJson, match=problem) as caught:
        parse_json(text, what="the body")
    assert caught.value.code == "malformed_json" and caught.value.message.startswith("the body")


def test_lines_go_undecoded_to_the_write_path_and_bad_array_items_alone() -> None:
    lines = b'{"a": 1}\n\n  {"b": "\\ud800"}\n'
    records = list(iter_records(io.BufferedReader(io.BytesIO(lines))))
    assert records == [RawLine(b'{"a": 1}', 1), RawLine(b'{"b": "\\ud800"}', 3)]
    array = b'[{"a": 1.5}, [' + b"[" * 70 + b"]" * 70 + b'], {"b": 2}]'
    items = list(iter_records(io.BufferedReader(io.BytesIO(array))))
    assert items[0] == {"a": Decimal("1.5")} and items[2] == {"b": 2}
    assert isinstance(items[1], Unreadable) and "item 2 is nested deeper" in items[1].reason
    surrogate = list(iter_records(io.BufferedReader(io.BytesIO(b'[{"a": 1}, {"b": "\\udc00"}]'))))
    assert surrogate[0] == {"a": 1} and isinstance(surrogate[1], Unreadable)


def test_days_are_strict_yyyy_mm_dd() -> None:
    assert parse_day("2025-06-01", "on") == date(2025, 6, 1)
    for text in ("20250601", "2025-W01-1", "31/12/2025", "2025-02-30", ""):
        with pytest.raises(Invalid, match=r"^on: must be a date YYYY-MM-DD") as caught:
            parse_day(text, "on")
        assert caught.value.code == "invalid_date"


def test_compositions_as_json_or_pairs_by_the_contract_rules() -> None:
    pairs = parse_composition("Nd=0.3, Dy=0.05")
    assert pairs == parse_composition('{"Nd": 0.3, "Dy": "0.05"}')
    assert pairs == {"Nd": Decimal("0.3"), "Dy": Decimal("0.05")}
    assert parse_composition("") == {} == parse_composition("{}")


@pytest.mark.parametrize(
    ("text", "code", "start"),
    [
        ("Nd=1.3", "composition_range", "composition.Nd: must be between 0 and 1"),
        ("Nd=0.7,Dy=0.5", "composition_sum", "composition: fractions must sum"),
        ("Xx=0.1", "unknown_element", "composition.Xx: is not one of the 17"),
        ("Nd=abc", "type", "composition.Nd: must be a number"),
        ("nope", "validation_error", "composition: 'nope' is not Sym=fraction"),
        ("[1]", "validation_error", "composition: '[1]' is not Sym=fraction"),
        ('{"Nd": NaN}', "validation_error", "composition is not valid JSON"),
    ],
)
def test_a_bad_composition_names_the_element_and_the_rule(text: str, code: str, start: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_composition(text)
    assert caught.value.code == code and caught.value.message.startswith(start)


@pytest.mark.parametrize(
    ("value", "cell"),
    [
        ('=HYPERLINK("http://x.example","click")', '\'=HYPERLINK("http://x.example","click")'),
        ("+1+cmd", "'+1+cmd"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTAB", "'\tTAB"),
        ("\r=1", "'\r=1"),
        ("-12.500", "-12.500"),  # a number written as text stays a number
        ("+3e5", "+3e5"),
        (-4, -4),
        (Decimal("-0.001"), "-0.001"),
        ("plain", "plain"),
        (None, ""),
        (["=a", "b"], '["=a", "b"]'),  # JSON, which starts with a bracket
    ],
)
def test_cells_that_a_spreadsheet_would_run_are_quoted(value: object, cell: object) -> None:
    assert safe_cell(value) == cell


def test_csv_text_has_a_header_and_round_trips() -> None:
    rows = [{"name": "=1+1", "kg": "-5.000", "ids": ["E1", "E2"]}, {"name": "ok", "kg": "1"}]
    text = csv_text(rows)
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert parsed[0] == {"name": "'=1+1", "kg": "-5.000", "ids": '["E1", "E2"]'}
    assert parsed[1] == {"name": "ok", "kg": "1", "ids": ""}
    assert csv_text([], ("a", "b")).strip() == "a,b" and csv_text([]) == ""
