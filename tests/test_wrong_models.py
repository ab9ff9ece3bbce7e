"""Workbooks that used to give a silently wrong model now give an error (or a warning that
says why): near-miss sheet names, numbers that overflow after unit conversion, hidden
sheets and merged cells. Every workbook is built in the test; ``msc validate`` runs on it
in this process and the message must name the sheet and cell."""

from __future__ import annotations

from pathlib import Path

import pytest
from factory import cell_of, minimal_sheets, set_cell, write_workbook
from openpyxl import load_workbook
from typer.testing import CliRunner

from msc_model.cli import app
from msc_model.errors import InputError
from msc_model.inputs import load_inputs
from msc_model.inputs.names import fold, near_misses


def _validate(path: Path):
    result = CliRunner().invoke(app, ["validate", str(path)])
    return result.exit_code, " ".join(result.output.split())


@pytest.mark.parametrize(
    ("found", "expected"),
    [
        ("policy ", "policy"),
        (" policy", "policy"),
        ("Policy", "policy"),
        ("dependence_t\u0430rgets", "dependence_targets"),  # Cyrillic a
        ("supplier\u00a0limits", "supplier_limits"),  # no-break space for the underscore
        ("ｐｏｌｉｃｙ", "policy"),  # full-width letters
        ("dependence_targets\u200b", "dependence_targets"),  # zero-width space
    ],
)
def test_a_near_miss_sheet_name_is_an_error_naming_both_names(tmp_path, found, expected):
    sheets = minimal_sheets()
    sheets[found] = sheets.pop(expected)
    path = write_workbook(tmp_path / "case.xlsx", sheets)
    code, text = _validate(path)
    assert code == 2, text
    assert f"the sheet name '{expected}' exactly" in text
    assert "Traceback" not in text
    with pytest.raises(InputError) as raised:
        load_inputs(path)
    assert any(p.sheet == found for p in raised.value.problems)


def test_folding_keeps_distinct_names_apart():
    assert fold("dependence_t\u0430rgets") == fold("dependence_targets")
    assert near_misses(["policy", "notes", "policies"], ["policy"]) == []


@pytest.mark.parametrize(
    ("sheet", "match", "column", "value"),
    [
        ("imports", {"metal": "Cu", "form": "ore", "parameter": "import_availability"}, "value", 1e308),
        ("demand", {"metal": "Cu", "region": "East", "year": 2022}, "value", 1e308),
        ("demand", {"metal": "Cu", "region": "East", "year": 2025}, "value", 1e17),
    ],
    ids=["overflow-after-conversion", "history-row", "beyond-any-quantity"],
)  # fmt: skip
def test_numbers_that_overflow_or_exceed_any_quantity_are_errors_with_their_cell(
    tmp_path, sheet, match, column, value
):
    sheets = minimal_sheets()
    where = set_cell(sheets, sheet, match, column, value)
    code, text = _validate(write_workbook(tmp_path / "case.xlsx", sheets))
    assert code == 2, text
    assert where in text and "magnitude at most 1e+15" in text


def test_a_hidden_sheet_is_read_and_reported(tmp_path):
    path = write_workbook(tmp_path / "case.xlsx", minimal_sheets())
    wb = load_workbook(path)
    wb["policy"].sheet_state = "hidden"
    wb.save(path)
    code, text = _validate(path)
    assert code == 0, text
    assert "warning: policy: found a hidden sheet" in text
    assert any("hidden sheet" in w for w in load_inputs(path).warnings)


def test_merged_cells_in_a_data_row_are_an_error_naming_the_range(tmp_path):
    sheets = minimal_sheets()
    row = cell_of(sheets, "demand", {"metal": "Cu", "region": "East", "year": 2022}, "metal")
    number = int(row[len("demand!A") :])
    path = write_workbook(tmp_path / "case.xlsx", sheets)
    wb = load_workbook(path)
    wb["demand"].merge_cells(f"A{number}:C{number}")
    wb["demand"].merge_cells(f"F{number}:F{number + 1}")  # source column: loses nothing used
    wb.save(path)
    code, text = _validate(path)
    assert code == 2, text
    assert f"demand!A{number}:C{number}: found merged cells" in text
    with pytest.raises(InputError) as raised:
        load_inputs(path)
    assert [p.cell for p in raised.value.problems if "merged" in p.found] == [
        f"A{number}:C{number}"
    ]


def test_a_scenario_that_overflows_a_value_is_an_error_at_its_row(tmp_path):
    from msc_model.scenarios.overlays import apply_scenario

    case = write_workbook(tmp_path / "case.xlsx", minimal_sheets())
    rows = [["scenario", "table", "metal", "operation", "value"]]
    rows += [["huge", "import_price", "Cu", "scale", 1e308]]
    overlay = write_workbook(tmp_path / "what_if.xlsx", {"scenarios": rows})
    with pytest.raises(InputError) as raised:
        apply_scenario(load_inputs(case), "huge", overlay)
    assert {p.where for p in raised.value.problems} == {"scenarios!E2"}
    assert "magnitude at most 1e+15" in str(raised.value)


def test_supplier_limits_that_forbid_every_import_are_a_warning_naming_the_cell(tmp_path):
    """Issue 14: a 10 % supplier cap on copper forced 201,700 kt of unmet demand silently.
    With n origins, n x share < 1 allows no import at all: ``msc validate`` says so."""
    from msc_model.inputs.sanity import check_sanity

    sheets = minimal_sheets()
    # three copper origins: Chile (in the minimal case), Peru and Congo
    for origin in ("Peru", "Congo"):
        sheets["origins"].append([origin, *sheets["origins"][1][1:]])
        sheets["imports"].append(["Cu", "refined", origin, "import_price", 9100, "USD/t"])
    where = set_cell(sheets, "supplier_limits", {"metal": "Cu"}, "value", 0.1)
    data = load_inputs(write_workbook(tmp_path / "case.xlsx", sheets))
    found = [w for w in check_sanity(data).warnings if "max_supplier_share" in w.found]
    assert [w.where for w in found] == [where]
    assert "with 3 origin(s)" in found[0].found and "no copper can be imported" in found[0].hint

    set_cell(sheets, "supplier_limits", {"metal": "Cu"}, "value", 0.34)  # 3 x 0.34 >= 1
    data = load_inputs(write_workbook(tmp_path / "fine.xlsx", sheets))
    assert not [w for w in check_sanity(data).warnings if "max_supplier_share" in w.found]
