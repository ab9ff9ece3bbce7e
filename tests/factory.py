"""Small workbooks for tests: a minimal valid case, tweaked one cell at a time.

Tests read as "take the minimal workbook, break one thing, assert the error"::

    sheets = minimal_sheets()
    where = set_cell(sheets, "technology", {"metal": "Cu", "process": "mining",
                                            "parameter": "lifetime"}, "value", -3)
    path = write_workbook(tmp_path / "case.xlsx", sheets)
    with pytest.raises(InputError) as err:
        load_inputs(path)
    assert where in str(err.value)          # "technology!D5"

API
---
``minimal_sheets() -> dict[str, list[list]]``
    A fresh, valid workbook as sheet name → rows (header row first). 2 metals (Cu, Li),
    2 regions (East: sea port; West: hinterland with a land corridor), 2 origins (Chile by
    sea, Mongolia by land), 1 mode (rail), years 2024-2027, every sheet of the catalogue
    filled. Units vary on purpose (Cu demand in Mt/yr, power price in USD/MWh, transport
    cost in USD/(t*km), one import availability in "Mt Cu25/yr" through a declared content
    basis) so that loading it exercises conversion. ``EXPECTED`` holds a few canonical
    values it must load to.
``write_workbook(path, sheets) -> Path``
    Write the sheets to ``path`` with openpyxl (strings starting with "=" become formulas
    with no cached value, as a script would leave them).
``find_row(sheets, sheet, match) -> int``
    0-based index (header = 0) of the one row whose cells equal ``match``
    (column → value); an int ``match`` is taken as that index.
``set_cell(sheets, sheet, match, column, value) -> str``
    Change one cell in place; returns its address as written, e.g. ``"technology!D5"``.
``cell_of(sheets, sheet, match, column) -> str``
    The address without changing anything.
``drop_rows(sheets, sheet, match)`` / ``add_row(sheets, sheet, values)``
    Remove every row matching ``match`` / append a row given as column → value.
``rename_column(sheets, sheet, old, new) -> str``
    Rename a header; returns its address.
``to_wide(sheets, sheet)``
    Turn a long year-indexed sheet into the wide layout (years as columns), in place.
``file_hash(path) -> str``
    SHA-256 of a file, to assert the input was not modified.
``replace_member(path, member, text)`` / ``sheet_member(sheets, sheet) -> str``
    Rewrite one XML part inside a written xlsx (e.g. to plant an entity bomb) / the
    part name of a sheet as written by :func:`write_workbook`.
``expect_input_error(path, *fragments, limits=None) -> InputError``
    Assert that loading ``path`` raises ``InputError`` whose message contains every
    fragment (e.g. ``"technology!D5"``, ``"remove the separators"``) and that the file's
    bytes are unchanged; returns the error for further checks.
``load_sheets(tmp_path, sheets) -> ModelData`` / ``broken(tmp_path, sheets, *fragments)``
    Write and load (must succeed) / write and :func:`expect_input_error`.
"""

from __future__ import annotations

import copy
import hashlib
import zipfile
from pathlib import Path

import pytest
from openpyxl import Workbook
from openpyxl.utils import get_column_letter

from msc_model.data import ModelData
from msc_model.errors import InputError
from msc_model.inputs import Limits, load_inputs

Rows = list[list[object]]
Sheets = dict[str, Rows]

METALS = ("Cu", "Li")
REGIONS = ("East", "West")
YEARS = (2024, 2025, 2026, 2027)

#: a few values the minimal workbook must load to, in canonical units
EXPECTED = {
    ("demand", ("Cu", "East", 2024)): 1200.0,  # 1.2 Mt/yr
    ("demand", ("Li", "West", 2027)): 13.0,  # kt/yr as given
    ("power_price", ("East",)): 0.08,  # 80 USD/MWh in MUSD/GWh
    ("transport_cost", ("rail",)): 5e-5,  # 0.05 USD/(t*km) in MUSD/(kt*km)
    ("import_availability", ("Cu", "ore", "Chile")): 2000.0,  # 8 Mt Cu25/yr at 25 % Cu
    ("reserve_days", ("Cu", "East")): 30.0,
    ("capex", ("Cu", "smelting")): 3.0,  # 3000 USD/(t/yr)
}


def _demand() -> Rows:
    rows: Rows = [["metal", "region", "year", "value", "unit", "source"]]
    for year, growth in zip((2022, 2023), (0.9, 0.95), strict=True):  # history, Cu only
        rows.append(["Cu", "East", year, round(1.2 * growth, 3), "Mt/yr", "history"])
    for i, year in enumerate(YEARS):
        rows.append(["Cu", "East", year, round(1.2 + 0.05 * i, 3), "Mt/yr", ""])
        rows.append(["Cu", "West", year, round(0.4 + 0.02 * i, 3), "Mt/yr", ""])
        rows.append(["Li", "East", year, 30 + 2 * i, "kt/yr", ""])
        rows.append(["Li", "West", year, 10 + i, "kt/yr", ""])
    return rows


def _technology() -> Rows:
    rows: Rows = [["metal", "process", "parameter", "value", "unit", "note"]]
    lifetimes = {"mining": 25, "smelting": 30, "processing": 20, "recycling": 20}
    capex = {"mining": 4000, "smelting": 3000, "processing": 1500, "recycling": 2000}
    for metal in METALS:
        for process in ("mining", "smelting", "processing", "recycling"):
            rows.append([metal, process, "lifetime", lifetimes[process], "yr", ""])
            rows.append([metal, process, "capex", capex[process], "USD/(t/yr)", ""])
    rows += [
        ["Cu", "smelting", "process_yield", 0.97, "", ""],
        ["Cu", "processing", "process_yield", 95, "%", ""],
        ["Li", "processing", "process_yield", 0.9, "", ""],
        ["Cu", "smelting", "energy_intensity", 1.2, "GWh/kt", ""],
        ["Cu", "smelting", "variable_opex", 300, "USD/t", ""],
        ["Cu", "mining", "lead_time", 4, "yr", ""],
    ]
    return rows


def minimal_sheets() -> Sheets:
    """A fresh copy of the minimal valid workbook (sheet → rows, header first)."""
    sheets: Sheets = {
        "metals": [["metal", "name"], ["Cu", "copper"], ["Li", "lithium"]],
        "regions": [
            ["region", "hinterland", "sea_port", "land_corridor"],
            ["East", "no", "yes", "no"],
            ["West", "yes", "no", "yes"],
        ],
        "origins": [["origin", "entry"], ["Chile", "sea"], ["Mongolia", "land"]],
        "modes": [["mode"], ["rail"]],
        "settings": [
            ["parameter", "value", "unit", "note"],
            ["base_year", 2024, "", ""],
            ["final_year", 2027, "", ""],
            ["discount_rate", 0.05, "", ""],
            ["price_base_year", 2024, "", ""],
            ["exchange_rate", 7.2, "CNY/USD", ""],
        ],
        "lost_supply": [
            ["metal", "value", "unit", "note"],
            ["Cu", 100, "MUSD/kt", ""],
            ["Li", 1000, "MUSD/kt", ""],
        ],
        "content_bases": [
            ["basis", "value", "unit", "metal", "note"],
            ["Cu25", 25, "%", "Cu", "copper concentrate"],
        ],
        "demand": _demand(),
        "exports": [
            ["metal", "form", "year", "value", "unit"],
            ["Cu", "refined", 2026, 50, "kt/yr"],
        ],
        "existing_capacity": [
            [
                "metal",
                "process",
                "region",
                "value",
                "unit",
                "commissioning_year",
                "retirement_year",
            ],
            ["Cu", "mining", "West", 300, "kt/yr", None, None],
            ["Cu", "smelting", "East", 800, "kt/yr", None, None],
            ["Cu", "processing", "East", 1.5, "Mt/yr", None, None],
            ["Cu", "recycling", "East", 100, "kt/yr", None, 2030],
            ["Li", "mining", "West", 20, "kt/yr", None, None],
            ["Li", "processing", "East", 50, "kt/yr", 2026, None],
        ],
        "technology": _technology(),
        "capacity_limits": [
            ["metal", "process", "region", "parameter", "value", "unit"],
            ["Cu", "mining", "West", "max_capacity", 600, "kt/yr"],
            ["Cu", "mining", "West", "max_build", 100, "kt/yr"],
        ],
        "power_price": [
            ["region", "value", "unit"],
            ["East", 80, "USD/MWh"],
            ["West", 50, "USD/MWh"],
        ],
        "imports": [
            ["metal", "form", "origin", "parameter", "value", "unit"],
            ["Cu", "ore", "Chile", "import_price", 2500, "USD/t"],
            ["Cu", "ore", "Chile", "import_availability", 8, "Mt Cu25/yr"],
            ["Cu", "refined", "Chile", "import_price", 9000, "USD/t"],
            ["Li", "refined", "Chile", "import_price", 15000, "USD/t"],
            ["Li", "ore", "Mongolia", "import_price", 5000, "USD/t"],
            ["Li", "ore", "Mongolia", "import_availability", 20, "kt/yr"],
        ],
        "risk_premium": [["origin", "value", "unit"], ["Chile", 0.1, ""], ["Mongolia", 20, "%"]],
        "transport_cost": [["mode", "value", "unit"], ["rail", 0.05, "USD/(t*km)"]],
        "corridors": [
            ["region_from", "region_to", "mode", "parameter", "value", "unit"],
            ["East", "West", "rail", "distance", 1500, "km"],
            ["East", "West", "rail", "corridor_capacity", 5000, "kt/yr"],
        ],
        "reserves": [
            ["metal", "region", "parameter", "value", "unit"],
            ["Cu", "East", "reserve_days", 30, "day"],
            ["Cu", "East", "storage_capacity", 100, "kt"],
            ["Cu", "East", "initial_stock", 50, "kt"],
        ],
        "storage": [
            ["metal", "parameter", "value", "unit"],
            ["Cu", "storage_capex", 500, "USD/t"],
            ["Li", "storage_capex", 1000, "USD/t"],
            ["Cu", "holding_cost", 20, "USD/t/yr"],
        ],
        "recycling": [
            ["metal", "parameter", "value", "unit"],
            ["Cu", "max_collection_rate", 0.6, ""],
            ["Li", "max_collection_rate", 30, "%"],
            ["Cu", "prompt_scrap_rate", 0.9, ""],
        ],
        "end_uses": [
            ["metal", "end_use", "parameter", "value", "unit"],
            ["Cu", "construction", "end_use_share", 0.6, ""],
            ["Cu", "construction", "lifetime_mean", 40, "yr"],
            ["Cu", "construction", "lifetime_sd", 10, "yr"],
            ["Cu", "electrical", "end_use_share", 0.4, ""],
            ["Cu", "electrical", "lifetime_mean", 20, "yr"],
            ["Cu", "electrical", "lifetime_sd", 5, "yr"],
            ["Li", "batteries", "end_use_share", 1, ""],
            ["Li", "batteries", "lifetime_mean", 10, "yr"],
            ["Li", "batteries", "lifetime_sd", 0, "yr"],
        ],
        "dependence_targets": [
            ["metal", "year", "value", "unit"],
            ["Cu", 2025, 0.8, ""],
            ["Cu", 2027, 0.7, ""],
        ],
        "dependence_definition": [
            ["metal", "form", "value", "unit"],
            ["Cu", "scrap", "no", ""],
            ["Li", "ore", "yes", ""],
        ],
        "policy": [
            ["metal", "process", "parameter", "value", "unit"],
            ["Cu", "smelting", "max_region_share", 0.8, ""],
            ["Cu", "smelting", "min_hinterland_share", 0.1, ""],
        ],
        "supplier_limits": [["metal", "value", "unit"], ["Cu", 0.7, ""]],
    }
    return copy.deepcopy(sheets)


def write_workbook(path: str | Path, sheets: Sheets) -> Path:
    """Write ``sheets`` (sheet → rows, header first) as an xlsx at ``path``."""
    path = Path(path)
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, rows in sheets.items():
        sheet = workbook.create_sheet(name)
        for row in rows:
            sheet.append(list(row))
    workbook.save(path)
    return path


def find_row(sheets: Sheets, sheet: str, match: dict[str, object] | int) -> int:
    """0-based index of the one row whose cells equal ``match`` (header is row 0)."""
    rows = sheets[sheet]
    if isinstance(match, int):
        return match
    header = rows[0]
    found = [
        i
        for i, row in enumerate(rows[1:], start=1)
        if all(_value(row, header.index(column)) == value for column, value in match.items())
    ]
    if len(found) != 1:
        raise LookupError(f"{len(found)} rows of {sheet} match {match}")
    return found[0]


def _value(row: list[object], position: int) -> object:
    return row[position] if position < len(row) else None


def _column(sheets: Sheets, sheet: str, column: str | int) -> int:
    return column if isinstance(column, int) else sheets[sheet][0].index(column)


def cell_of(sheets: Sheets, sheet: str, match: dict[str, object] | int, column: str | int) -> str:
    """Address ("sheet!D5") of a cell as :func:`write_workbook` writes it."""
    row = find_row(sheets, sheet, match)
    return f"{sheet}!{get_column_letter(_column(sheets, sheet, column) + 1)}{row + 1}"


def set_cell(
    sheets: Sheets, sheet: str, match: dict[str, object] | int, column: str | int, value: object
) -> str:
    """Set one cell in place and return its address, e.g. ``"technology!D5"``."""
    index = find_row(sheets, sheet, match)
    row = sheets[sheet][index]
    position = _column(sheets, sheet, column)
    row.extend([None] * (position + 1 - len(row)))
    row[position] = value
    return cell_of(sheets, sheet, index, column)


def drop_rows(sheets: Sheets, sheet: str, match: dict[str, object]) -> int:
    """Remove every data row matching ``match``; returns how many were removed."""
    header, *rows = sheets[sheet]
    kept = [
        row for row in rows if not all(_value(row, header.index(c)) == v for c, v in match.items())
    ]
    sheets[sheet] = [header, *kept]
    return len(rows) - len(kept)


def add_row(sheets: Sheets, sheet: str, values: dict[str, object]) -> str:
    """Append a row (column → value); returns the address of its first cell."""
    header = sheets[sheet][0]
    sheets[sheet].append([values.get(column) for column in header])
    return f"{sheet}!A{len(sheets[sheet])}"


def rename_column(sheets: Sheets, sheet: str, old: str, new: str) -> str:
    """Rename a header cell; returns its address."""
    position = sheets[sheet][0].index(old)
    sheets[sheet][0][position] = new
    return f"{sheet}!{get_column_letter(position + 1)}1"


def to_wide(sheets: Sheets, sheet: str) -> None:
    """Pivot a long sheet (index…, year, value, unit) to years-as-columns, in place."""
    header, *rows = sheets[sheet]
    year_at, value_at, unit_at = header.index("year"), header.index("value"), header.index("unit")
    index = [c for c in header[:year_at]]
    years = sorted({row[year_at] for row in rows})
    table: dict[tuple, dict] = {}
    units: dict[tuple, object] = {}
    for row in rows:
        key = tuple(row[: len(index)])
        table.setdefault(key, {})[row[year_at]] = row[value_at]
        units[key] = row[unit_at]
    wide = [[*index, "unit", *years]]
    for key, values in table.items():
        wide.append([*key, units[key], *(values.get(year) for year in years)])
    sheets[sheet] = wide


def file_hash(path: str | Path) -> str:
    """SHA-256 of the file's bytes."""
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def replace_member(path: str | Path, member: str, text: str) -> None:
    """Rewrite one part of an xlsx (zip) with ``text``, keeping every other part."""
    path = Path(path)
    with zipfile.ZipFile(path) as source:
        parts = {info.filename: source.read(info) for info in source.infolist()}
    parts[member] = text.encode("utf-8")
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for name, data in parts.items():
            target.writestr(name, data)


def sheet_member(sheets: Sheets, sheet: str) -> str:
    """The zip part openpyxl writes a sheet to ("xl/worksheets/sheet3.xml")."""
    return f"xl/worksheets/sheet{list(sheets).index(sheet) + 1}.xml"


def expect_input_error(
    path: str | Path, *fragments: str, limits: Limits | None = None
) -> InputError:
    """Load ``path`` expecting an InputError naming every fragment; the file stays as is."""
    path = Path(path)
    before = file_hash(path) if path.is_file() else None
    with pytest.raises(InputError) as info:
        load_inputs(path, limits=limits)
    message = str(info.value)
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in:\n{message}"
    if before is not None:
        assert file_hash(path) == before, "the input file was modified"
    return info.value


def load_sheets(tmp_path: Path, sheets: Sheets, name: str = "case.xlsx") -> ModelData:
    """Write ``sheets`` under ``tmp_path`` and load them (must be valid)."""
    return load_inputs(write_workbook(Path(tmp_path) / name, sheets))


def broken(tmp_path: Path, sheets: Sheets, *fragments: str) -> InputError:
    """Write ``sheets`` under ``tmp_path`` and :func:`expect_input_error` on them."""
    return expect_input_error(write_workbook(Path(tmp_path) / "case.xlsx", sheets), *fragments)
