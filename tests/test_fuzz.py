"""Fuzzing the loader: perturbed workbooks are accepted or refused with InputError only.

Hypothesis perturbs cells of a valid workbook: values replaced by other types, signs,
units, blanks, Excel errors, formulas without a cached value, names of other sets; rows
deleted or duplicated; headers renamed; sheets emptied. :func:`load_inputs` must return
:class:`ModelData` or raise :class:`InputError` naming a sheet; the pre-solve sanity
checks must then run without an exception either. Any other exception is a bug.

Two bases: the minimal test workbook (every sheet and column of the catalogue; 200
examples, about 0.05 s each) and the shipped default workbook (50 examples: openpyxl
needs 0.1-0.3 s to parse its 250-row sheets, so 200 would not fit the time budget).
Workbooks are written fast: the base is written once by openpyxl, and each example
replaces only the XML of the sheets it changed (inline strings), then re-zips.
"""

from __future__ import annotations

import contextlib
import math
import tempfile
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import pytest
from factory import minimal_sheets, sheet_member, write_workbook
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from msc_model.errors import InputError
from msc_model.inputs import load_inputs
from msc_model.inputs.sanity import check_sanity
from msc_model.pipeline import default_workbook

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


class Formula(str):
    """A formula written without a cached value, as scripts leave them."""


class ExcelError(str):
    """An error cell (``t="e"``), as Excel stores a failed formula's result."""


def _default_sheets() -> dict[str, list[list[object]]]:
    workbook = load_workbook(default_workbook(), read_only=True, data_only=True)
    try:
        return {ws.title: [list(r) for r in ws.iter_rows(values_only=True)] for ws in workbook}
    finally:
        workbook.close()


BASES = {"minimal": minimal_sheets(), "default": _default_sheets()}
UNITS = [
    "", "kt", "t", "Mt", "kt/yr", "Mt/yr", "t/yr", "%", "ton", "tons/yr", "Mton", "knot",
    "USD/t", "CNY/t", "MUSD", "kUSD/kt", "USD/(t/yr)", "day", "yr", "month", "GWh/kt",
    "USD/MWh", "km", "mi", "Mt LCE/yr", "kt Fe62", "t Cu", "m/s", "1/yr", "kg", "widgets",
    "kt/yr/yr", "USD/(t*km)", "CNY/USD", "per cent", "kt ",
]  # fmt: skip
NAMES = ["Cu", "Li", "Fe", "Au", "East", "West", "Central", "North", "Chile", "Peru", "rail",
         "mining", "smelting", "ore", "refined", "product", "scrap", "plane", "yes", "no",
         "maybe", "value", "unit", "parameter", "capex", "lifetime", "max_storage"]  # fmt: skip

numbers = st.one_of(
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([0, -1, 1, 0.5, 5, 100, 1e-300, 1e300, 2024, 2030, 1800, 2300, 2025.5]),
)
texts = st.one_of(
    st.sampled_from(UNITS),
    st.sampled_from(NAMES),
    st.sampled_from(
        [
            "1,234",
            "1 234",
            "12,5",
            "1.234,5",
            "2030a",
            "2030",
            " 42 ",
            "-0",
            "TRUE",
            "n/a",
            "=SUM(A1:A3)",
            "#N/A",
            "1e5",
            ".5",
            "5%",
        ]
    ),
    st.text(st.characters(blacklist_categories=("Cs", "Cc")), max_size=12),
)
values = st.one_of(
    st.none(),
    numbers,
    texts,
    st.booleans(),
    st.sampled_from([ExcelError(e) for e in ("#REF!", "#DIV/0!", "#VALUE!", "#N/A", "#NAME?")]),
    st.sampled_from([Formula(f) for f in ("=D4*1.05", "=1/0", "=A1", "=SUM(D2:D9)")]),
)


@st.composite
def perturbations(draw, base: str) -> tuple[dict[str, list[list[object]]], list[str]]:
    """1-4 changes to copies of the base sheets; returns the sheets and a log of changes."""
    sheets: dict[str, list[list[object]]] = {}
    log = []
    for _ in range(draw(st.integers(1, 4))):
        name = draw(st.sampled_from(sorted(BASES[base])))
        rows = sheets.setdefault(name, [list(r) for r in BASES[base][name]])
        kinds = ["cell"] * 6 + ["scale"] * 4 + ["negate", "delete row", "copy row", "drop"]
        kind = draw(st.sampled_from(kinds))
        if kind == "drop":
            sheets[name] = []
            log.append(f"{name}: emptied")
            continue
        if not rows:
            continue
        row = draw(st.integers(0, len(rows) - 1))
        if kind == "delete row" and len(rows) > 1:
            del rows[row]
        elif kind == "copy row":
            rows.insert(row, list(rows[row]))
        elif kind == "scale":  # plausible edits: most still load, so the sanity checks run
            numeric = [i for i, v in enumerate(rows[row]) if _is_number(v)]
            if numeric:
                column = draw(st.sampled_from(numeric))
                factor = draw(st.sampled_from([0, 0.1, 0.5, 0.9, 1.1, 2, 10, 1000]))
                rows[row][column] *= factor
        else:
            width = max(len(rows[row]), 1)
            column = draw(st.integers(0, width))  # one past the end: a new column
            rows[row].extend([None] * (column + 1 - len(rows[row])))
            old = rows[row][column]
            if kind == "negate" and _is_number(old):
                rows[row][column] = -old
            else:
                rows[row][column] = draw(values)
        log.append(f"{name} row {row + 1}: {kind}")
    return sheets, log


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _cell_xml(ref: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, ExcelError):
        return f'<c r="{ref}" t="e"><v>{escape(value)}</v></c>'
    if isinstance(value, Formula):
        return f'<c r="{ref}"><f>{escape(value[1:])}</f></c>'
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float):
        number = repr(value) if isinstance(value, int) or math.isfinite(value) else str(value)
        return f'<c r="{ref}"><v>{number}</v></c>'
    text = escape(str(value))
    return f'<c r="{ref}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def sheet_xml(rows: list[list[object]]) -> str:
    """A worksheet part holding ``rows`` (inline strings, no shared-string table needed)."""
    body = []
    for r, row in enumerate(rows, start=1):
        cells = "".join(_cell_xml(f"{get_column_letter(c)}{r}", v) for c, v in enumerate(row, 1))
        body.append(f'<row r="{r}">{cells}</row>')
    return f'<worksheet xmlns="{MAIN_NS}"><sheetData>{"".join(body)}</sheetData></worksheet>'


@pytest.fixture(scope="module")
def parts(tmp_path_factory) -> dict[str, dict[str, bytes]]:
    """The zip parts of each base workbook as openpyxl writes it."""
    folder = tmp_path_factory.mktemp("fuzz")
    found = {}
    for base, sheets in BASES.items():
        with zipfile.ZipFile(write_workbook(folder / f"{base}.xlsx", sheets)) as archive:
            found[base] = {info.filename: archive.read(info) for info in archive.infolist()}
    return found


def _write(path: Path, base: str, parts: dict[str, bytes], sheets: dict) -> None:
    order = BASES[base]
    changed = {sheet_member(order, name): sheet_xml(rows).encode() for name, rows in sheets.items()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for name, data in parts.items():
            archive.writestr(name, changed.get(name, data))


def _check(base: str, parts: dict[str, bytes], sheets: dict, log: list[str]) -> None:
    """Load the perturbed workbook: ModelData or InputError, and sanity checks that run."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "case.xlsx"
        _write(path, base, parts, sheets)
        try:
            data = load_inputs(path)
        except InputError as error:
            assert error.problems, log
            assert all(p.sheet for p in error.problems), (log, str(error))
            return
        with contextlib.suppress(InputError):  # findings are fine; a crash is not
            check_sanity(data)


@pytest.mark.parametrize("base", list(BASES))
def test_the_bases_load_when_rewritten(parts, base: str) -> None:
    rewritten = {name: BASES[base][name] for name in sorted(BASES[base])}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "case.xlsx"
        _write(path, base, parts[base], rewritten)  # every sheet through sheet_xml
        data = load_inputs(path)
    assert data.metals and data.years and not check_sanity(data).errors


_SETTINGS = dict(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    database=None,
)


@pytest.mark.slow
@settings(max_examples=200, **_SETTINGS)
@given(change=perturbations("minimal"))
def test_minimal_workbook_fuzz(parts, change) -> None:
    _check("minimal", parts["minimal"], *change)


@pytest.mark.slow
@settings(max_examples=50, **_SETTINGS)
@given(change=perturbations("default"))
def test_default_workbook_fuzz(parts, change) -> None:
    _check("default", parts["default"], *change)
