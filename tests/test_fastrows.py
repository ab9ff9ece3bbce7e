"""Fast row streaming writes the same sheet XML, byte for byte, as openpyxl's own path.

Each test writes one sheet twice, with :mod:`msc_model.report.fastrows` and with it
switched off (``row_stream`` returning ``None`` sends every row through ``ws.append``), and
compares the worksheet XML inside the two files.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook

from msc_model.report import layout
from msc_model.report.layout import KT1, PCT, Col, SheetWriter, tidy_sheet

TRICKY = pd.DataFrame(
    {
        "text": [
            "plain",
            "  padded ",
            "a & b < c > d",
            "line\r\nbreak\ttab",
            "=SUM(A1:A2)",  # text, never a formula
            "#N/A",  # an error code: openpyxl's path
            "",  # empty text: openpyxl's path
            "→ 中文 😀",
            None,
            "=",
        ],
        "number": [1.5, -0.0, 1e-12, 123456789.123456789, float("nan"), 2.0, 3, 0.1, None, 7.0],
        "share": [0.25, 1.0, None, 0.5, 0.125, 1 / 3, 0.0, 2.5, 1.0, 0.75],
        "count": [1, 2, 3, 2**60, 5, 6, 7, 8, 9, 10],
        "flag": [True, False, True, False, True, False, True, False, True, False],
        "mixed": ["x", 1, 2.5, True, None, "y", pd.Timestamp("2024-01-01"), "z", 3, "w"],
    }
)
COLUMNS = {
    "text": Col("text"),
    "number": Col("Number (kt)", KT1),
    "share": Col("Share (%)", PCT, note="a comment"),
    "count": Col("count"),
    "flag": Col("flag"),
    "mixed": Col("mixed"),  # (a date in a formatted column would restyle openpyxl's template)
}


def _sheets(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist() if n.startswith("xl/")}


def _write(path: Path, fast: bool, monkeypatch, fill) -> dict[str, bytes]:
    with monkeypatch.context() as m:
        if not fast:
            m.setattr(layout, "row_stream", lambda ws: None)
        wb = Workbook(write_only=True)
        fill(wb)
        wb.save(path)
    return _sheets(path)


def _both(tmp_path: Path, monkeypatch, fill) -> tuple[dict, dict]:
    fast = _write(tmp_path / "fast.xlsx", True, monkeypatch, fill)
    slow = _write(tmp_path / "slow.xlsx", False, monkeypatch, fill)
    return fast, slow


def test_tricky_values_same_bytes(tmp_path, monkeypatch):
    def fill(wb):
        sheet = SheetWriter(wb, "T", [10] * 8, freeze="A2")
        sheet.text("title")
        sheet.table(TRICKY, COLUMNS, first=2, highlight={(1, "number"), (4, "text"), (9, "mixed")})
        sheet.blank()
        sheet.table(TRICKY.iloc[::-1].reset_index(drop=True), COLUMNS)
        sheet.text("after")
        tidy_sheet(wb, "Tidy", TRICKY, COLUMNS)

    fast, slow = _both(tmp_path, monkeypatch, fill)
    assert fast.keys() == slow.keys()
    for name in fast:
        assert fast[name] == slow[name], name
    ws = load_workbook(tmp_path / "fast.xlsx")["T"]
    assert ws["B7"].value == "=SUM(A1:A2)" and ws["B7"].data_type == "s"
    assert ws["B6"].value == "line\r\nbreak\ttab"
    assert ws["C3"].number_format == KT1 and ws["C3"].value == 1.5
    assert ws["C4"].fill.fgColor.rgb.endswith("FFF2A8")  # marked as changed


@pytest.mark.parametrize("rows", [0, 1, 4999])
def test_long_tables_same_bytes(tmp_path, monkeypatch, rows):
    frame = pd.DataFrame(
        {
            "text": [f"r{i % 31}" for i in range(rows)],
            "number": [i * 0.37 for i in range(rows)],
            "share": [(i % 7) / 7 for i in range(rows)],
            "count": list(range(rows)),
            "flag": [i % 2 == 0 for i in range(rows)],
            "mixed": [None] * rows,
        }
    )

    def fill(wb):
        tidy_sheet(wb, "Long", frame, COLUMNS)

    fast, slow = _both(tmp_path, monkeypatch, fill)
    assert fast == slow
    if rows:
        back = pd.read_excel(tmp_path / "fast.xlsx", sheet_name="Long")
        assert back["count"].tolist() == list(range(rows))
        assert back["Number (kt)"].tolist() == pytest.approx(frame["number"].tolist(), rel=0)


def _sheet_xml(path: Path, monkeypatch, **patched) -> dict[str, bytes]:
    from msc_model.report import fastrows

    declined = []
    real = fastrows.row_stream

    def watched(ws):
        stream = real(ws)
        declined.append(stream is None)
        return stream

    with monkeypatch.context() as m:
        for name, value in patched.items():
            m.setattr(fastrows if name != "__version__" else fastrows.openpyxl, name, value)
        m.setattr(layout, "row_stream", watched)
        wb = Workbook(write_only=True)
        tidy_sheet(wb, "Tidy", TRICKY, COLUMNS)
        wb.save(path)
    return {"declined": declined, **_sheets(path)}


@pytest.mark.parametrize(
    "patched",
    [
        {"__version__": "3.2.0"},  # a version the byte-for-byte test has not seen
        {"_SHEET_METHODS": ("_get_writer", "_values_to_row", "close", "_gone")},
        {"WriteOnlyWorksheet": None},  # the private module failed to import
    ],
    ids=["other version", "missing method", "no private module"],
)
def test_fast_path_declines_when_openpyxl_differs(tmp_path, monkeypatch, patched):
    fast = _sheet_xml(tmp_path / "fast.xlsx", monkeypatch)
    guarded = _sheet_xml(tmp_path / "guarded.xlsx", monkeypatch, **patched)
    assert fast.pop("declined") == [False] and guarded.pop("declined") == [True]
    assert fast == guarded  # openpyxl's own path writes the same sheet


@pytest.mark.slow
def test_fastrows_imports_without_openpyxls_private_module() -> None:
    import subprocess
    import sys

    code = (
        "import sys, openpyxl\n"
        "sys.modules['openpyxl.worksheet._write_only'] = None  # as if moved\n"
        "from msc_model.report import fastrows\n"
        "assert fastrows.WriteOnlyWorksheet is None and fastrows.row_stream(object()) is None\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
