"""Hostile files built by hand: workbooks whose few bytes unpack into a great deal."""

from __future__ import annotations

import io
import zipfile

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
_DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_TYPES = "application/vnd.openxmlformats-officedocument.spreadsheetml"


def _parts(title: str, sheet_xml: str, shared: list[str]) -> dict[str, str]:
    strings = "".join(f"<si><t>{text}</t></si>" for text in shared)
    return {
        "[Content_Types].xml": (
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/xl/workbook.xml" ContentType="{_TYPES}.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            f'ContentType="{_TYPES}.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" '
            f'ContentType="{_TYPES}.sharedStrings+xml"/></Types>'
        ),
        "_rels/.rels": (
            f'<Relationships xmlns="{_RELS}"><Relationship Id="rId1" '
            f'Type="{_DOC}/officeDocument" Target="xl/workbook.xml"/></Relationships>'
        ),
        "xl/workbook.xml": (
            f'<workbook xmlns="{_MAIN}" xmlns:r="{_DOC}"><sheets>'
            f'<sheet name="{title}" sheetId="1" r:id="rId1"/></sheets></workbook>'
        ),
        "xl/_rels/workbook.xml.rels": (
            f'<Relationships xmlns="{_RELS}">'
            f'<Relationship Id="rId1" Type="{_DOC}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{_DOC}/sharedStrings" Target="sharedStrings.xml"/>'
            "</Relationships>"
        ),
        "xl/worksheets/sheet1.xml": f'<worksheet xmlns="{_MAIN}"><sheetData>{sheet_xml}'
        "</sheetData></worksheet>",
        "xl/sharedStrings.xml": f'<sst xmlns="{_MAIN}">{strings}</sst>',
    }


def workbook(rows_xml: str, shared: list[str] | None = None, title: str = "extraction") -> bytes:
    """An .xlsx with one sheet whose ``<sheetData>`` is ``rows_xml``, deflated hard."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, text in _parts(title, rows_xml, shared or []).items():
            archive.writestr(name, '<?xml version="1.0" encoding="UTF-8"?>' + text)
    return buffer.getvalue()


def text_cell(reference: str, text: str) -> str:
    return f'<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>'


HEADER = f'<row r="1">{text_cell("A1", "event_id")}{text_cell("B1", "note")}</row>'


def shared_string_bomb(characters: int = 20_000_000) -> bytes:
    """A cell that points to one shared string of ``characters`` characters (about 25 KB)."""
    row = f'<row r="2">{text_cell("A2", "e-1")}<c r="B2" t="s"><v>0</v></c></row>'
    return workbook(HEADER + row, ["a" * characters])


def empty_rows(count: int = 1_000_000) -> bytes:
    """A sheet of ``count`` empty rows under its header (about 2.4 MB for a million)."""
    return workbook(HEADER + "".join(f'<row r="{n}"/>' for n in range(2, count + 2)))


def far_cell() -> bytes:
    """One cell in the sheet's last row and column: readers that fill the gap make a million
    empty rows of 16,384 cells."""
    return workbook(HEADER + f'<row r="1048576">{text_cell("XFD1048576", "x")}</row>')
