"""The two ways a workbook's cells are read give the same sheets.

A plain workbook is read with calamine, anything else with openpyxl (module docstring of
``msc_model.inputs.reader``). Here every sheet of a workbook is read both ways and
compared value for value, type for type; and the workbooks that must go to openpyxl (a
declaration, an error cell, a cell without its reference, an oversize area, damaged XML)
are shown to go there.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
import zipfile
from pathlib import Path

import pytest
from factory import minimal_sheets, write_workbook
from openpyxl import Workbook

from msc_model.inputs.reader import Limits, RawSheet, _read_all, read_bytes, read_workbook
from msc_model.shipped import default_workbook


def _both_ways(path: Path) -> tuple[dict, dict, bool]:
    limits = Limits()
    names, _, _ = read_workbook(path, [], limits)
    book = read_bytes(path, limits)
    _, fast, _ = _read_all(book, names, limits)
    _, slow, _ = _read_all(dataclasses.replace(book, plain=False), names, limits)
    return fast, slow, book.plain


def _cells(sheet: RawSheet) -> list[tuple[int, list[tuple[type, object]]]]:
    """Rows as (number, [(type, value)]) without trailing blanks (openpyxl's rows end at
    their last cell, calamine's at the sheet's last column)."""
    rows = []
    for number, values in sheet.rows:
        values = list(values)
        while values and values[-1] is None:
            values.pop()
        rows.append((number, [(type(v), v) for v in values]))
    return rows


def _assert_same(fast: dict[str, RawSheet], slow: dict[str, RawSheet]) -> None:
    assert fast.keys() == slow.keys()
    for name in fast:
        a, b = fast[name], slow[name]
        assert (a.header, a.hidden, a.merged) == (b.header, b.hidden, b.merged), name
        assert _cells(a) == _cells(b), name


def test_the_shipped_workbook_reads_the_same_both_ways() -> None:
    fast, slow, plain = _both_ways(default_workbook())
    assert plain  # it is read by calamine in every run
    assert sum(len(s.rows) for s in fast.values()) > 500
    _assert_same(fast, slow)


def _awkward(path: Path) -> Path:
    """Values of every kind, gaps, a sheet starting off A1, merged cells, hidden sheets."""
    book = Workbook()
    sheet = book.active
    sheet.title = "mixed"
    sheet.append(["name", "int", "float", "flag", "when", "formula", "text", None, "far"])
    sheet.append(["a", 2030, 1.5, True, dt.datetime(2020, 1, 2), "=1+1", " padded ", None, 7])
    sheet.append([None] * 9)  # a blank row: dropped both ways
    sheet.append(["b", -0.0, 1e20, False, dt.date(2021, 3, 4), 12.0, "", None, None])
    sheet.append(["c", 2**60, 0.1, None, dt.datetime(2022, 5, 6, 7, 8, 9), "x", "ü€", 1, None])
    sheet.merge_cells("A8:C9")
    sheet["A8"] = "merged note"
    offset = book.create_sheet("offset")
    offset["C4"] = "header"
    offset["D6"] = 3
    book.create_sheet("hidden").sheet_state = "hidden"
    very = book.create_sheet("very")
    very.sheet_state = "veryHidden"
    very["A1"] = "x"
    book.create_sheet("empty")
    book.save(path)
    return path


def test_values_of_every_kind_read_the_same_both_ways(tmp_path: Path) -> None:
    fast, slow, plain = _both_ways(_awkward(tmp_path / "awkward.xlsx"))
    assert plain
    assert fast["hidden"].hidden and fast["very"].hidden and not fast["mixed"].hidden
    assert fast["mixed"].merged == ["A8:C9"]
    assert fast["offset"].rows == [(4, (None, None, "header", None)), (6, (None, None, None, 3))]
    _assert_same(fast, slow)


def test_the_minimal_workbook_reads_the_same_both_ways(tmp_path: Path) -> None:
    fast, slow, plain = _both_ways(write_workbook(tmp_path / "m.xlsx", minimal_sheets()))
    assert plain
    _assert_same(fast, slow)


def _edited(source: Path, target: Path, part: str, old: bytes, new: bytes) -> Path:
    with zipfile.ZipFile(source) as before, zipfile.ZipFile(target, "w") as after:
        for item in before.infolist():
            data = before.read(item)
            if item.filename == part:
                assert old in data, (part, data[:300])
                data = data.replace(old, new, 1)
            after.writestr(item, data)
    return target


SHEET = "xl/worksheets/sheet1.xml"


@pytest.mark.parametrize(
    ("part", "old", "new"),
    [
        # an error cell: calamine reads it blank, openpyxl as "#DIV/0!"
        (SHEET, b'<c r="B2" t="n"><v>2030</v></c>', b'<c r="B2" t="e"><v>#DIV/0!</v></c>'),
        # a cell without its reference: placed by counting
        (SHEET, b'<c r="B2" t="n">', b'<c t="n">'),
        # a declaration, in a sheet or in any other part
        (SHEET, b"<worksheet", b'<!DOCTYPE w [<!ENTITY e "x">]><worksheet'),
        ("xl/workbook.xml", b"<workbook", b"<!DOCTYPE workbook><workbook"),
        # damaged XML that calamine would read anyway
        ("[Content_Types].xml", b"</Types>", b""),
        # a far cell: the rectangle calamine would build is over the cap
        (SHEET, b'<c r="B2" t="n">', b'<c r="XX99999" t="n">'),
    ],
)
def test_what_only_openpyxl_reads_as_meant_goes_to_openpyxl(
    tmp_path: Path, part: str, old: bytes, new: bytes
) -> None:
    source = _awkward(tmp_path / "awkward.xlsx")
    assert read_bytes(source, Limits()).plain
    case = _edited(source, tmp_path / "case.xlsx", part, old, new)
    assert not read_bytes(case, Limits(max_area=1_000_000)).plain


def test_the_scan_finds_tags_cut_by_chunk_boundaries(tmp_path: Path) -> None:
    """Sheets over 1 MiB are scanned in chunks: every cell is still counted once, with
    its reference, so the workbook stays plain and the cell cap still counts them all."""
    book = Workbook()
    sheet = book.active
    sheet.title = "long"
    sheet.append(["key", "value", "note"])
    for n in range(40_000):
        sheet.append([f"k{n}", n * 0.5, "some words to make the part long"])
    buffer = io.BytesIO()
    book.save(buffer)
    path = tmp_path / "long.xlsx"
    path.write_bytes(buffer.getvalue())
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo(SHEET).file_size > 3 * 2**20
    assert read_bytes(path, Limits()).plain
    cells = 3 * 40_001
    read_bytes(path, Limits(max_cells=cells))
    with pytest.raises(Exception, match=f"more than {cells - 1:,} cells"):
        read_bytes(path, Limits(max_cells=cells - 1))
    fast, slow, _ = _both_ways(path)
    _assert_same(fast, slow)
