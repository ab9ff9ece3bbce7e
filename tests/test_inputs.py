"""load_inputs on real workbooks written to tmp_path: the valid minimal case, then one
broken thing at a time. Every bad-input test asserts the sheet and cell in the message
and that the input file is unchanged (``expect_input_error``)."""

from __future__ import annotations

import zipfile

import pytest
from factory import (
    EXPECTED,
    add_row,
    broken,
    cell_of,
    drop_rows,
    expect_input_error,
    file_hash,
    find_row,
    load_sheets,
    minimal_sheets,
    rename_column,
    replace_member,
    set_cell,
    sheet_member,
    to_wide,
    write_workbook,
)

from msc_model.data import Vintage
from msc_model.errors import InputError
from msc_model.inputs import Limits, describe, load_inputs

CU_EAST_2025 = {"metal": "Cu", "region": "East", "year": 2025}
CU_MINING = {"metal": "Cu", "process": "mining", "parameter": "lifetime"}


@pytest.fixture
def sheets():
    return minimal_sheets()


# -- the valid case ---------------------------------------------------------------------


def test_minimal_workbook_loads_in_canonical_units(tmp_path, sheets):
    path = write_workbook(tmp_path / "case.xlsx", sheets)
    before = file_hash(path)
    data = load_inputs(path)
    assert file_hash(path) == before
    for (name, key), value in EXPECTED.items():
        assert data.params[name][key] == pytest.approx(value), (name, key)
    assert data.metals == ("Cu", "Li")
    assert data.regions == ("East", "West")
    assert data.years == (2024, 2025, 2026, 2027)
    assert data.hinterland == {"West"} and data.sea_ports == {"East"}
    assert data.land_corridors == {"West"}
    assert data.origin_entry == {"Chile": "sea", "Mongolia": "land"}
    assert data.metal_names == {"Cu": "copper", "Li": "lithium"}
    assert data.base_year == 2024 and data.final_year == 2027
    assert data.params["exchange_rate"][()] == 7.2
    assert data.params["process_yield"][("Cu", "processing")] == pytest.approx(0.95)
    assert data.params["risk_premium"][("Mongolia",)] == pytest.approx(0.2)
    assert data.params["dependence_counted"] == {("Cu", "scrap"): 0.0, ("Li", "ore"): 1.0}
    assert data.params["lifetime_sd"][("Li", "batteries")] == 0.0  # 0 is allowed
    assert data.params["demand"][("Cu", "East", 2022)] == pytest.approx(1080.0)  # history
    assert data.cell("demand", ("Cu", "East", 2024)) == "demand!D4"
    assert data.warnings == ()


def test_vintages_and_tables(tmp_path, sheets):
    data = load_sheets(tmp_path, sheets)
    assert Vintage("Li", "processing", "East", 50.0, 2026, None, "existing_capacity!D7") in (
        data.vintages
    )
    assert data.residual_capacity("Cu", "processing", "East", 2024) == pytest.approx(1500.0)
    assert data.params["existing_capacity"][("Cu", "mining", "West", 2)] == 300.0
    table = data.tables["demand"]
    assert list(table.columns) == ["metal", "region", "year", "value", "unit", "source"]
    assert table.loc[2, "source"] == "history" and table.loc[2, "unit"] == "Mt/yr"
    rows = dict(describe(data))
    assert rows["metals"] == "2: Cu, Li" and rows["years"] == "2024-2027 (4)"
    assert rows["table demand"] == "18 rows" and rows["warnings"] == "0"


@pytest.mark.parametrize(("value", "unit"), [(1.25, "Mt/yr"), (1250, "kt/yr"), (1_250_000, "t/a")])
def test_same_flow_in_any_unit(tmp_path, sheets, value, unit):
    set_cell(sheets, "demand", CU_EAST_2025, "value", value)
    set_cell(sheets, "demand", CU_EAST_2025, "unit", unit)
    data = load_sheets(tmp_path, sheets)
    assert data.params["demand"][("Cu", "East", 2025)] == pytest.approx(1250.0)


def test_wide_layout_loads_the_same_values(tmp_path, sheets):
    long = load_sheets(tmp_path, sheets, "long.xlsx").params["demand"]
    to_wide(sheets, "demand")
    wide = load_sheets(tmp_path, sheets, "wide.xlsx")
    assert wide.params["demand"] == pytest.approx(long)
    # cells are the real addresses: row 2 is Cu/East, year 2024 is the 3rd year column
    assert sheets["demand"][0][:4] == ["metal", "region", "unit", 2022]
    assert wide.cell("demand", ("Cu", "East", 2024)) == "demand!F2"


def test_numeric_text_and_flag_spellings_are_accepted(tmp_path, sheets):
    set_cell(sheets, "demand", CU_EAST_2025, "value", " 1.25 ")
    set_cell(sheets, "demand", CU_EAST_2025, "year", "2025")
    set_cell(sheets, "regions", {"region": "East"}, "sea_port", "X")
    set_cell(sheets, "regions", {"region": "East"}, "land_corridor", "FALSE")
    set_cell(sheets, "regions", {"region": "West"}, "sea_port", 0)
    data = load_sheets(tmp_path, sheets)
    assert data.params["demand"][("Cu", "East", 2025)] == pytest.approx(1250.0)
    assert data.sea_ports == {"East"}


def test_unknown_sheet_and_column_are_warnings_only(tmp_path, sheets):
    sheets["Notes"] = [["anything"], [1]]
    sheets["power_price"][0].append("comment")
    data = load_sheets(tmp_path, sheets)
    assert any(w.startswith("Notes") for w in data.warnings)
    assert any("power_price!D1" in w and "comment" in w for w in data.warnings)


def test_cny_converts_through_the_exchange_rate(tmp_path, sheets):
    row = {"metal": "Cu", "process": "smelting", "parameter": "capex"}
    set_cell(sheets, "technology", row, "value", 21600)
    set_cell(sheets, "technology", row, "unit", "CNY/(t/yr)")
    data = load_sheets(tmp_path, sheets)
    assert data.params["capex"][("Cu", "smelting")] == pytest.approx(3.0)  # 21600 / 7.2 USD


# -- the file itself --------------------------------------------------------------------


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match=r"nothere\.xlsx: found no such file"):
        load_inputs(tmp_path / "nothere.xlsx")


@pytest.mark.parametrize(
    ("content", "found"),
    [
        (b"", "an empty file"),
        (b"metal,region,value\nCu,East,1\n", "a text or CSV file"),
        (b"PK\x03\x04" + b"\x00" * 200, "not a zip archive"),
        (bytes.fromhex("D0CF11E0A1B11AE1") + b"\x00" * 504, "password-protected"),
    ],
    ids=["empty", "csv", "corrupt-zip", "encrypted"],
)
def test_unreadable_files(tmp_path, content, found):
    path = tmp_path / "case.xlsx"
    path.write_bytes(content)
    expect_input_error(path, "case.xlsx: found", found)


def test_zip_that_is_not_a_workbook(tmp_path):
    path = tmp_path / "case.xlsx"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")
    expect_input_error(path, "without xl/workbook.xml")


def test_truncated_workbook(tmp_path, sheets):
    path = write_workbook(tmp_path / "case.xlsx", sheets)
    path.write_bytes(path.read_bytes()[:-200])  # central directory cut off
    expect_input_error(path, "case.xlsx: found")


def test_lock_file_is_refused_with_the_real_name(tmp_path, sheets):
    path = write_workbook(tmp_path / "~$case.xlsx", sheets)
    expect_input_error(path, "~$case.xlsx: found an Excel lock file", "use 'case.xlsx'")


def test_oversize_file(tmp_path, sheets):
    path = write_workbook(tmp_path / "case.xlsx", sheets)
    expect_input_error(path, "case.xlsx: found a file of", limits=Limits(max_file_bytes=1000))


def test_zip_bomb_is_refused_before_parsing(tmp_path, sheets):
    path = write_workbook(tmp_path / "case.xlsx", sheets)
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * 3_000_000)  # a few kB compressed
    assert path.stat().st_size < 100_000
    expect_input_error(
        path, "MB once unzipped", "zip bomb", limits=Limits(max_unzipped_bytes=2**21)
    )


def test_xml_entity_bomb_is_refused(tmp_path, sheets):
    path = write_workbook(tmp_path / "case.xlsx", sheets)
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol3;</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    replace_member(path, sheet_member(sheets, "metals"), bomb)
    expect_input_error(path, "case.xlsx: found forbidden XML")


def test_too_many_rows(tmp_path, sheets):
    for year in range(1950, 2022):
        add_row(
            sheets,
            "demand",
            {"metal": "Li", "region": "East", "year": year, "value": 1, "unit": "kt/yr"},
        )
    path = write_workbook(tmp_path / "case.xlsx", sheets)
    expect_input_error(path, "demand: found more than 50 rows", limits=Limits(max_rows=50))


# -- sheets and columns -----------------------------------------------------------------


def test_missing_sheet_with_near_miss(tmp_path, sheets):
    sheets["Demand"] = sheets.pop("demand")
    # one error, on the sheet that is there, naming the name it must have
    error = broken(tmp_path, sheets, "Demand: found sheet 'Demand'", "the sheet name 'demand'")
    assert len(error.problems) == 1


def test_misspelled_column(tmp_path, sheets):
    where = rename_column(sheets, "technology", "value", "valeu")
    broken(
        tmp_path,
        sheets,
        f"{where}: found column 'valeu', expected a column 'value'",
        "did you mean 'value'?",
    )


def test_missing_column_names_where_to_add_it(tmp_path, sheets):
    for row in sheets["origins"]:
        del row[1]
    broken(tmp_path, sheets, "origins!B1: found no column 'entry'")


# -- index cells ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sheet", "match", "column", "value", "hint"),
    [
        ("demand", CU_EAST_2025, "metal", "Cuu", "did you mean 'Cu'?"),
        ("demand", CU_EAST_2025, "region", "east", "did you mean 'East'? names are case-sensitive"),
        ("technology", CU_MINING, "process", "smeltng", "did you mean 'smelting'?"),
        ("imports", 1, "origin", "Chille", "did you mean 'Chile'?"),
        ("imports", 1, "form", "ores", "did you mean 'ore'?"),
        ("corridors", 1, "mode", "rial", "did you mean 'rail'?"),
        ("technology", CU_MINING, "parameter", "lifetme", "did you mean 'lifetime'?"),
    ],
)
def test_unknown_member(tmp_path, sheets, sheet, match, column, value, hint):
    where = set_cell(sheets, sheet, match, column, value)
    broken(tmp_path, sheets, f"{where}: found", hint)


def test_parameter_on_the_wrong_sheet(tmp_path, sheets):
    where = set_cell(sheets, "storage", 1, "parameter", "capex")
    broken(tmp_path, sheets, where, "'capex' belongs on sheet 'technology'")


def test_duplicate_key_names_both_cells(tmp_path, sheets):
    first = cell_of(sheets, "power_price", {"region": "East"}, "value")
    second = add_row(sheets, "power_price", {"region": "East", "value": 70, "unit": "USD/MWh"})
    broken(
        tmp_path, sheets, "power_price!B4: found power_price for (East) again", f"also at {first}"
    )
    assert second == "power_price!A4"


def test_duplicate_set_member(tmp_path, sheets):
    sheets["metals"].append(["Cu", "copper again"])
    broken(tmp_path, sheets, "metals!A4: found 'Cu' again", "also at metals!A2")


@pytest.mark.parametrize(
    ("value", "found"),
    [("2030a", "text '2030a'"), (2025.5, "found 2025.5"), ("#REF!", "Excel error #REF!")],
)
def test_bad_year(tmp_path, sheets, value, found):
    where = set_cell(sheets, "demand", CU_EAST_2025, "year", value)
    broken(tmp_path, sheets, f"{where}: found", found, "a whole year")


@pytest.mark.parametrize(
    ("sheet", "values", "column"),
    [
        (
            "exports",
            {"metal": "Cu", "form": "refined", "year": 2030, "value": 1, "unit": "kt/yr"},
            "C",
        ),
        (
            "demand",
            {"metal": "Cu", "region": "West", "year": 2031, "value": 1, "unit": "kt/yr"},
            "C",
        ),
        ("dependence_targets", {"metal": "Li", "year": 2020, "value": 0.5}, "B"),
    ],
)
def test_year_outside_horizon(tmp_path, sheets, sheet, values, column):
    first = add_row(sheets, sheet, values)
    row = first.split("!A")[1]
    broken(tmp_path, sheets, f"{sheet}!{column}{row}: found year", "settings sheet")


def test_demand_history_may_reach_back(tmp_path, sheets):
    add_row(
        sheets,
        "demand",
        {"metal": "Li", "region": "West", "year": 2010, "value": 1, "unit": "kt/yr"},
    )
    assert load_sheets(tmp_path, sheets).params["demand"][("Li", "West", 2010)] == 1.0


def test_wide_layout_reports_real_cells(tmp_path, sheets):
    to_wide(sheets, "demand")
    sheets["demand"][0][7] = "2027a"  # header H1
    sheets["demand"][3][6] = None  # Li/East 2026: a required model year left blank
    broken(tmp_path, sheets, "demand!H1: found header '2027a'", "demand!G4: found blank")


# -- value cells ------------------------------------------------------------------------


def test_blank_required_value(tmp_path, sheets):
    where = set_cell(sheets, "demand", CU_EAST_2025, "value", None)
    broken(tmp_path, sheets, f"{where}: found blank, expected a value for demand")


@pytest.mark.parametrize("code", ["#REF!", "#DIV/0!", "#N/A", "#VALUE!"])
def test_excel_error_codes(tmp_path, sheets, code):
    where = set_cell(sheets, "technology", CU_MINING, "value", code)
    broken(tmp_path, sheets, f"{where}: found the Excel error {code}, expected a number")


@pytest.mark.parametrize("text", ["1,234", "1 234", "1,5"])
def test_thousands_separators_are_not_guessed(tmp_path, sheets, text):
    where = set_cell(sheets, "demand", CU_EAST_2025, "value", text)
    broken(tmp_path, sheets, f"{where}: found text '{text}'", "remove the separators")


def test_text_in_numeric_cell(tmp_path, sheets):
    where = set_cell(sheets, "power_price", {"region": "West"}, "value", "cheap")
    broken(tmp_path, sheets, f"{where}: found text 'cheap', expected a number")


def test_formula_without_cached_value(tmp_path, sheets):
    where = set_cell(sheets, "demand", CU_EAST_2025, "value", "=D4*1.05")
    optional = set_cell(sheets, "capacity_limits", 1, "value", "=100*6")
    error = broken(
        tmp_path,
        sheets,
        f"{where}: found formula =D4*1.05 with no cached value",
        "open and save in Excel or enter the value",
        f"{optional}: found formula =100*6",
    )
    assert len(error.problems) == 2


@pytest.mark.parametrize(
    ("match", "column", "value", "expected"),
    [
        ({"region": "East"}, "sea_port", "maybe", "yes or no"),
        ({"region": "West"}, "hinterland", None, "found blank, expected yes or no"),
    ],
)
def test_bad_flags(tmp_path, sheets, match, column, value, expected):
    where = set_cell(sheets, "regions", match, column, value)
    broken(tmp_path, sheets, f"{where}: found", expected)


def test_bad_entry_and_flag_parameter(tmp_path, sheets):
    entry = set_cell(sheets, "origins", {"origin": "Chile"}, "entry", "air")
    flag = set_cell(sheets, "dependence_definition", 1, "value", "perhaps")
    broken(tmp_path, sheets, f"{entry}: found text 'air', expected sea or land", f"{flag}: found")


# -- units ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("unit", "message"),
    [
        (None, "found blank, expected a unit for lifetime, such as 'yr'"),
        ("widgets", "found unit 'widgets'"),
        ("kt", "'kt' is a mass, but a time is needed"),
    ],
)
def test_unit_problems_on_technology(tmp_path, sheets, unit, message):
    where = set_cell(sheets, "technology", CU_MINING, "unit", unit)
    broken(tmp_path, sheets, f"{where}: {message}" if unit is None else where, message)


def test_ambiguous_ton(tmp_path, sheets):
    ton = set_cell(sheets, "demand", CU_EAST_2025, "unit", "ton/yr")
    mton = set_cell(
        sheets, "demand", {"metal": "Cu", "region": "West", "year": 2025}, "unit", "Mton/yr"
    )
    broken(
        tmp_path,
        sheets,
        f"{ton}: found unit 'ton/yr'",
        "'ton' is ambiguous",
        f"{mton}: found unit 'Mton/yr'",
        "'Mton' is ambiguous",
    )


def test_stock_unit_where_a_flow_is_needed(tmp_path, sheets):
    where = set_cell(sheets, "existing_capacity", 1, "unit", "kt")
    broken(tmp_path, sheets, f"{where}: found unit 'kt'", "a flow per year is needed")


def test_cny_without_exchange_rate(tmp_path, sheets):
    drop_rows(sheets, "settings", {"parameter": "exchange_rate"})
    where = set_cell(
        sheets, "storage", {"metal": "Li", "parameter": "storage_capex"}, "unit", "CNY/t"
    )
    broken(tmp_path, sheets, f"{where}: found unit 'CNY/t'", "no exchange_rate")


def test_content_basis_of_another_metal(tmp_path, sheets):
    where = set_cell(sheets, "demand", CU_EAST_2025, "unit", "kt LCE/yr")
    broken(tmp_path, sheets, where, "content basis 'LCE' is for Li, not Cu")


def test_declared_basis_for_an_unknown_metal(tmp_path, sheets):
    where = set_cell(sheets, "content_bases", 1, "metal", "Fe")
    broken(tmp_path, sheets, f"{where}: found 'Fe', expected a metal listed on the metals sheet")


# -- ranges -----------------------------------------------------------------------------


def test_negative_capacity(tmp_path, sheets):
    where = set_cell(sheets, "existing_capacity", 1, "value", -300)
    broken(tmp_path, sheets, f"{where}: found -300 kt/yr, expected at least 0 kt/yr")


def test_yield_above_one(tmp_path, sheets):
    where = set_cell(
        sheets, "technology", {"metal": "Li", "parameter": "process_yield"}, "value", 1.2
    )
    broken(tmp_path, sheets, f"{where}: found 1.2, expected at most 1")


def test_percentage_typed_as_whole_number(tmp_path, sheets):
    where = set_cell(
        sheets, "recycling", {"metal": "Cu", "parameter": "max_collection_rate"}, "value", 60
    )
    broken(
        tmp_path,
        sheets,
        f"{where}: found 60, expected at most 1",
        "write 0.05 or put % in the unit",
    )


def test_max_capacity_below_existing_names_both_cells(tmp_path, sheets):
    limit = set_cell(sheets, "capacity_limits", {"parameter": "max_capacity"}, "value", 200)
    existing = cell_of(sheets, "existing_capacity", {"metal": "Cu", "process": "mining"}, "value")
    broken(
        tmp_path,
        sheets,
        f"{limit}: found max_capacity 200 kt/yr",
        f"existing capacity at {existing}",
    )


def test_final_year_before_base_year(tmp_path, sheets):
    final = set_cell(sheets, "settings", {"parameter": "final_year"}, "value", 2020)
    broken(tmp_path, sheets, f"{final}: found final_year 2020", "base_year is at settings!B2")


def test_retirement_before_commissioning(tmp_path, sheets):
    row = {"metal": "Li", "process": "processing"}
    retired = set_cell(sheets, "existing_capacity", row, "retirement_year", 2025)
    broken(tmp_path, sheets, f"{retired}: found retirement_year 2025", "existing_capacity!F7")


def test_commissioning_year_as_text(tmp_path, sheets):
    where = set_cell(
        sheets,
        "existing_capacity",
        {"metal": "Li", "process": "processing"},
        "commissioning_year",
        "soon",
    )
    broken(tmp_path, sheets, f"{where}: found text 'soon', expected a whole year")


def test_end_use_shares_must_sum_to_one(tmp_path, sheets):
    where = set_cell(
        sheets, "end_uses", {"end_use": "electrical", "parameter": "end_use_share"}, "value", 0.3
    )
    broken(tmp_path, sheets, "end_uses!D2: found end_use_share of Cu summing to 0.9", where)


# -- dense parameters -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sheet", "match", "found"),
    [
        (
            "demand",
            {"metal": "Li", "region": "West", "year": 2026},
            "no demand for (Li, West, 2026)",
        ),
        (
            "technology",
            {"metal": "Li", "process": "recycling", "parameter": "capex"},
            "no capex for (Li, recycling)",
        ),
        ("power_price", {"region": "West"}, "no power_price for (West)"),
        ("storage", {"metal": "Li"}, "no storage_capex for (Li)"),
        ("recycling", {"metal": "Li"}, "no max_collection_rate for (Li)"),
        ("settings", {"parameter": "discount_rate"}, "no discount_rate"),
    ],
)
def test_missing_dense_combination(tmp_path, sheets, sheet, match, found):
    assert drop_rows(sheets, sheet, match) == 1
    broken(tmp_path, sheets, f"{sheet}: found {found}, expected a value for")


def test_transport_cost_for_every_mode(tmp_path, sheets):
    sheets["modes"].append(["road"])
    broken(tmp_path, sheets, "transport_cost: found no transport_cost for (road)")


# -- everything at once ------------------------------------------------------------------


def test_all_problems_are_reported_together(tmp_path, sheets):
    wheres = [
        set_cell(sheets, "technology", CU_MINING, "value", -3),
        set_cell(sheets, "demand", CU_EAST_2025, "unit", "ton"),
        set_cell(sheets, "power_price", {"region": "West"}, "value", "#N/A"),
        set_cell(sheets, "regions", {"region": "West"}, "sea_port", "maybe"),
    ]
    error = broken(tmp_path, sheets, *wheres)
    assert len(error.problems) == 4
    assert isinstance(error, ValueError)


# -- cross-sheet pairs and declared bases --------------------------------------------------


def test_basis_name_that_is_a_unit(tmp_path, sheets):
    where = set_cell(sheets, "content_bases", 1, "basis", "kt")
    broken(tmp_path, sheets, f"{where}: found basis name 'kt'")


def test_corridor_given_both_ways(tmp_path, sheets):
    where = add_row(
        sheets,
        "corridors",
        {
            "region_from": "West",
            "region_to": "East",
            "mode": "rail",
            "parameter": "distance",
            "value": 1400,
            "unit": "km",
        },
    )
    row = where.split("!A")[1]
    broken(
        tmp_path,
        sheets,
        f"corridors!E{row}: found corridor West-East (rail) given twice",
        "also at corridors!E2",
    )


def test_import_availability_without_price(tmp_path, sheets):
    drop_rows(sheets, "imports", {"origin": "Mongolia", "parameter": "import_price"})
    where = cell_of(sheets, "imports", {"origin": "Mongolia"}, "value")
    broken(
        tmp_path,
        sheets,
        f"{where}: found import_availability for (Li, ore, Mongolia) without an import_price",
    )


def test_policy_start_outside_horizon(tmp_path, sheets):
    where = add_row(sheets, "settings", {"parameter": "policy_start_year", "value": 2040})
    row = where.split("!A")[1]
    broken(
        tmp_path,
        sheets,
        f"settings!B{row}: found policy_start_year 2040, expected a model year (2024-2027)",
    )


def test_case_name_is_text_kept_apart_from_the_numbers(tmp_path, sheets):
    assert load_sheets(tmp_path, sheets, "plain.xlsx").case_name == ""
    where = add_row(
        sheets, "settings", {"parameter": "case_name", "value": "  Copper\nstress case "}
    )
    data = load_sheets(tmp_path, sheets, "named.xlsx")
    assert data.case_name == "Copper stress case"  # one line, spaces trimmed
    assert "case_name" not in data.params  # never among the numbers a scenario could scale
    assert data.cell("case_name") == where.replace("!A", "!B")


@pytest.mark.parametrize(
    ("value", "unit", "found", "expected"),
    [
        (2030, None, "B{row}: found the number 2030", "expected text for case_name"),
        ("x" * 81, None, "B{row}: found text of 81 characters", "of at most 80 characters"),
        ("#REF!", None, "B{row}: found the Excel error #REF!", "expected text for case_name"),
        ("China", "kt", "C{row}: found unit 'kt'", "expected a blank unit (text)"),
    ],
)
def test_bad_case_name_names_its_cell(tmp_path, sheets, value, unit, found, expected):
    where = add_row(sheets, "settings", {"parameter": "case_name", "value": value, "unit": unit})
    row = where.split("!A")[1]
    broken(tmp_path, sheets, "settings!" + found.format(row=row), expected)


# -- the converter's every message, exactly (each case killed surviving mutants) --------------
_RATE = {"metal": "Cu", "parameter": "max_collection_rate"}


def _cells(sheet: str, match: dict, **values):
    def change(sheets):
        for column, value in values.items():
            set_cell(sheets, sheet, match, column, value)

    return change


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            _cells("settings", {"parameter": "base_year"}, unit="yr"),
            ("settings", "C2", "unit 'yr'", "a blank unit (a calendar year)", ""),
        ),
        (
            _cells("settings", {"parameter": "base_year"}, value=2024.5),
            ("settings", "B2", "2024.5", "a whole year such as 2030", ""),
        ),
        (
            _cells("settings", {"parameter": "base_year"}, value="20x4"),
            ("settings", "B2", "text '20x4'", "a whole year such as 2030", ""),
        ),
        (
            _cells("settings", {"parameter": "exchange_rate"}, unit="kt"),
            (
                "settings",
                "C6",
                "unit 'kt'",
                "yuan per US dollar, 'CNY/USD'",
                "Cannot convert from 'kt' ([mass]) to 'CNY / USD' ([currency_cny] / [currency_usd])",
            ),
        ),
        (
            _cells("recycling", _RATE, value=30),
            (
                "recycling",
                "C2",
                "30",
                "at most 1",
                "percentages typed as 5 for 5 %: write 0.05 or put % in the unit column",
            ),
        ),
        (
            _cells("recycling", _RATE, value=150, unit="%"),
            ("recycling", "C2", "150 % (= 1.5)", "at most 1", ""),
        ),
        (
            _cells("recycling", _RATE, value=-5),
            ("recycling", "C2", "-5", "at least 0", "max_collection_rate cannot be negative"),
        ),
        (
            _cells("demand", {"metal": "Cu", "region": "East", "year": 2025}, unit="Mton/yr"),
            (
                "demand",
                "E8",
                "unit 'Mton/yr'",
                "a unit convertible to 'kt/yr'",
                "'Mton' is ambiguous (short, long or metric): write t, kt or Mt",
            ),
        ),
        (
            _cells("settings", {"parameter": "discount_rate"}, unit="kt"),
            (
                "settings",
                "C4",
                "unit 'kt'",
                "a unit convertible to '%'",
                "'kt' is a mass, but a share or count is needed (e.g. '%')",
            ),
        ),
        (
            _cells("lost_supply", {"metal": "Cu"}, value=0),
            ("lost_supply", "B2", "0 MUSD/kt", "more than 0 MUSD/kt", ""),
        ),
        (
            _cells(
                "technology",
                {"metal": "Cu", "process": "mining", "parameter": "lifetime"},
                value=0.5,
            ),
            ("technology", "D2", "0.5 yr", "at least 1 yr", ""),
        ),
        (
            _cells("dependence_definition", {"metal": "Cu", "form": "scrap"}, value="maybe"),
            (
                "dependence_definition",
                "C2",
                "text 'maybe'",
                "yes or no (also true/false, 1/0, x)",
                "",
            ),
        ),
        *(
            (
                _cells("recycling", _RATE, value=value),
                ("recycling", "C2", f"{value}", "at most 1", hint),
            )
            for value, hint in (
                (2, "percentages typed as 5 for 5 %: write 0.05 or put % in the unit column"),
                (100, "percentages typed as 5 for 5 %: write 0.05 or put % in the unit column"),
                (101, ""),
            )
        ),
    ],
    ids=[
        "year unit",
        "year fraction",
        "year text",
        "rate unit",
        "percent typed as number",
        "share over 100 %",
        "negative share",
        "Mton",
        "share in kt",
        "penalty zero",
        "lifetime below one year",
        "flag text",
        "share 2",
        "share 100",
        "share 101",
    ],
)
def test_each_conversion_problem_is_reported_exactly_once(tmp_path, change, problem):
    sheets = minimal_sheets()
    change(sheets)
    with pytest.raises(InputError) as info:
        load_inputs(write_workbook(tmp_path / "case.xlsx", sheets))
    found = [(p.sheet, p.cell, p.found, p.expected, p.hint) for p in info.value.problems]
    assert found == [problem]


def test_the_exchange_rate_is_read_before_the_cny_values_of_its_sheet(tmp_path):
    sheets = minimal_sheets()
    rows = sheets["settings"]
    rows.append(rows.pop(find_row(sheets, "settings", {"parameter": "exchange_rate"})))
    # the exchange rate is the settings sheet's last row; a CNY value elsewhere still
    # converts with it (settings are read first)
    set_cell(sheets, "lost_supply", {"metal": "Cu"}, "value", 720)
    set_cell(sheets, "lost_supply", {"metal": "Cu"}, "unit", "MCNY/kt")
    data = load_inputs(write_workbook(tmp_path / "case.xlsx", sheets))
    assert data.params["unmet_demand_penalty"][("Cu",)] == pytest.approx(100.0)  # 720 / 7.2
