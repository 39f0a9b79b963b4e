"""Uploads are read within documented limits, and refused whole (naming the limit) when they
pass one: nothing of such a file reaches the ledger."""

from __future__ import annotations

import time

import pytest

from rareledger.formats import spreadsheet
from rareledger.formats.spreadsheet import SheetError
from rareledger.formats.upload_limits import UploadLimits, UploadRefused
from rareledger.services.uploads import read_sheets
from tests import hostile

SMALL = UploadLimits(max_rows=50, max_cell_chars=100, max_columns=8)


def _refusal(filename: str, data: bytes, limits: UploadLimits | None = None) -> UploadRefused:
    with pytest.raises(UploadRefused) as caught:
        spreadsheet.read_upload(filename, data, limits or UploadLimits())
    return caught.value


def test_a_shared_string_of_twenty_million_characters_is_refused_by_its_cell() -> None:
    bomb = hostile.shared_string_bomb()
    assert len(bomb) < 30_000  # 25 KB that would become a 20 MB ledger entry
    error = _refusal("bomb.xlsx", bomb)
    assert error.code == "cell_too_long"
    assert error.message.startswith("bomb.xlsx: extraction row 2 column 2:")
    assert "at most 10000 characters, not 20000000" in error.message
    assert error.details["max_cell_chars"] == 10_000


@pytest.fixture(scope="module")
def million_empty_rows() -> bytes:
    return hostile.empty_rows()


def test_a_million_empty_rows_are_refused_before_the_workbook_is_opened(
    million_empty_rows: bytes,
) -> None:
    assert len(million_empty_rows) < 3_000_000
    started = time.monotonic()
    error = _refusal("rows.xlsx", million_empty_rows)
    assert error.code == "too_many_rows" and "more than 100000 rows" in error.message
    assert time.monotonic() - started < 5  # counted in the sheet's text, not parsed


def test_a_cell_in_the_last_row_does_not_make_a_million_rows_to_read() -> None:
    error = _refusal("far.xlsx", hostile.far_cell())
    assert error.code == "too_many_rows"
    assert error.message == "far.xlsx: extraction row 100002: an upload holds at most 100000 rows"


def test_a_csv_cell_of_200000_characters_names_its_row() -> None:
    text = "event_id,reporter,note\ne-1,E-1," + "a" * 200_000 + "\n"
    error = _refusal("extraction.csv", text.encode())
    assert error.code == "cell_too_long"
    assert error.message == "extraction.csv row 2: a cell holds at most 10000 characters"


def test_a_cell_over_the_setting_names_its_row_and_column() -> None:
    text = "event_id,reporter,note\ne-1,E-1,short\ne-2,E-1," + "b" * 101 + "\n"
    error = _refusal("extraction.csv", text.encode(), SMALL)
    assert error.message == (
        "extraction.csv row 3 column 3: a cell holds at most 100 characters, not 101 characters"
    )


def test_rows_columns_and_unpacked_size_are_bounded() -> None:
    rows = "event_id\n" + "".join(f"e-{n}\n" for n in range(51))
    assert _refusal("extraction.csv", rows.encode(), SMALL).code == "too_many_rows"
    wide = ",".join(f"c{n}" for n in range(9)) + "\n"
    assert _refusal("extraction.csv", wide.encode(), SMALL).code == "too_many_columns"
    tight = UploadLimits(max_unpacked_bytes=1000)
    error = _refusal("bomb.xlsx", hostile.shared_string_bomb(2000), tight)
    assert error.code == "upload_unpacks_too_large" and "more than the limit of 1000" in (
        error.message
    )
    assert _refusal("x.csv", b"a" * 11, UploadLimits(max_bytes=10)).code == "upload_too_large"


def test_a_file_within_the_limits_is_read_as_before() -> None:
    text = "event_id,reporter,occurred_at,lot_id,form,mass_kg,Nd\ne-1,E-1,t,L-1,oxide,5,0.5\n"
    [record] = spreadsheet.read_upload("extraction.csv", text.encode(), SMALL)
    assert record.record["outputs"][0]["composition"] == {"Nd": "0.5"}
    assert [r.record["event_id"] for r in spreadsheet.read_upload("x.xlsx", _sheet())] == ["e"]


def _sheet() -> bytes:
    return hostile.workbook(hostile.HEADER + f'<row r="2">{hostile.text_cell("A2", "e")}</row>')


def test_the_server_reads_an_upload_in_a_child_process_with_a_time_limit() -> None:
    text = b"event_id,reporter\ne-1,E-1\n"
    [record] = read_sheets("extraction.csv", text, UploadLimits())
    assert (record.record["event_id"], record.record["reporter"]) == ("e-1", "E-1")
    with pytest.raises(UploadRefused) as caught:
        read_sheets("extraction.csv", text, UploadLimits(time_limit_s=0.0))
    assert caught.value.code == "upload_time_limit"
    assert caught.value.message == "extraction.csv: reading the file took longer than 0 s"
    with pytest.raises(SheetError, match=r"x\.pdf: upload an \.xlsx workbook or a \.csv file"):
        read_sheets("x.pdf", b"%PDF", UploadLimits())
    with pytest.raises(SheetError, match=r"not a readable \.xlsx workbook"):
        read_sheets("x.xlsx", b"PK\x03\x04 broken", UploadLimits())
