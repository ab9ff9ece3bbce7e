"""Scenario overlays: reading, units, cell-precise errors, `msc run --scenario`, `msc compare`,
and which changes re-solve a built model in place.

The property behind each test: an overlay is the same as editing the workbook (same
canonical values, same optimum), and every bad row names its cell.
"""

from __future__ import annotations

import dataclasses

import openpyxl
import pandas as pd
import pytest
from factory import cell_of, minimal_sheets, set_cell, write_workbook
from typer.testing import CliRunner

from msc_model.cli import app
from msc_model.errors import InputError
from msc_model.inputs import load_inputs
from msc_model.pipeline import run
from msc_model.scenarios import apply_scenario, compare
from msc_model.scenarios.overlays import Override, apply_overrides
from msc_model.scenarios.variants import structural_changes

HEADER = [
    "scenario",
    "table",
    "metal",
    "form",
    "origin",
    "region",
    "year",
    "operation",
    "value",
    "unit",
    "note",
]


def scenario_rows(*rows: dict) -> list[list]:
    return [list(HEADER), *([row.get(c) for c in HEADER] for row in rows)]


CHEAP_CU = {
    "scenario": "cheap_cu",
    "table": "import_price",
    "metal": "Cu",
    "form": "refined",
    "origin": "Chile",
    "operation": "set",
    "value": 50400,
    "unit": "CNY/t",
}
MORE_EOL = {
    "scenario": "cheap_cu",
    "table": "max_collection_rate",
    "metal": "Cu",
    "operation": "add",
    "value": 10,
    "unit": "%",
}
LI_SHOCK = {
    "scenario": "li_shock",
    "table": "import_price",
    "metal": "Li",
    "operation": "scale",
    "value": 2,
}
TIGHT = {
    "scenario": "tight",
    "table": "dependence_target",
    "metal": "Cu",
    "year": 2027,
    "operation": "set",
    "value": 50,
    "unit": "%",
}


@pytest.fixture
def case(tmp_path):
    sheets = minimal_sheets()
    sheets["scenarios"] = scenario_rows(CHEAP_CU, MORE_EOL, LI_SHOCK, TIGHT)
    return write_workbook(tmp_path / "case.xlsx", sheets)


def test_overlay_converts_units_and_lists_the_cells_it_changed(case):
    data = load_inputs(case)
    changed, changes = apply_scenario(data, "cheap_cu")
    # 50 400 CNY/t at 7.2 CNY/USD = 7000 USD/t = 7 MUSD/kt; +10 % on a 0.6 share
    assert changed.get("import_price", ("Cu", "refined", "Chile")) == pytest.approx(7.0)
    assert changed.get("max_collection_rate", ("Cu",)) == pytest.approx(0.7)
    assert data.get("import_price", ("Cu", "refined", "Chile")) == pytest.approx(9.0)  # untouched
    sheets = minimal_sheets()
    where = {(c.parameter, c.key): (c.input_cell, c.declared_at) for c in changes}
    price_cell = cell_of(
        sheets, "imports", {"metal": "Cu", "form": "refined", "parameter": "import_price"}, "value"
    )
    assert where[("import_price", ("Cu", "refined", "Chile"))] == (price_cell, "scenarios!I2")
    assert where[("max_collection_rate", ("Cu",))][1] == "scenarios!I3"


def test_blank_selector_reaches_every_row_and_new_cap_rows_are_created(case):
    data = load_inputs(case)
    shocked, changes = apply_scenario(data, "li_shock")
    li_rows = {k for k in data.table("import_price") if k[0] == "Li"}
    assert {c.key for c in changes} == li_rows
    for key in li_rows:
        assert shocked.get("import_price", key) == pytest.approx(2 * data.get("import_price", key))
    tight, _ = apply_scenario(data, "tight")
    assert tight.get("dependence_target", ("Cu", 2027)) == pytest.approx(0.5)
    added, _ = apply_overrides(
        data, [Override("dependence_target", (("metal", "Cu"), ("year", 2026)), "set", 0.6)]
    )
    assert added.get("dependence_target", ("Cu", 2026)) == 0.6  # a new row


@pytest.mark.slow
def test_run_with_scenario_equals_the_edited_workbook(case, tmp_path):
    sheets = minimal_sheets()
    set_cell(
        sheets,
        "imports",
        {"metal": "Cu", "form": "refined", "parameter": "import_price"},
        "value",
        7000,
    )
    set_cell(sheets, "recycling", {"metal": "Cu", "parameter": "max_collection_rate"}, "value", 0.7)
    edited = write_workbook(tmp_path / "edited.xlsx", sheets)
    overlay = run(case, scenario="cheap_cu").outcome.objective
    direct = run(edited).outcome.objective
    assert overlay == pytest.approx(direct, rel=1e-9)
    assert overlay != pytest.approx(run(case).outcome.objective, rel=1e-6)  # it did change


def test_scenario_file_separate_from_the_case(tmp_path):
    case = write_workbook(tmp_path / "case.xlsx", minimal_sheets())
    overlay = write_workbook(tmp_path / "what_if.xlsx", {"scenarios": scenario_rows(TIGHT)})
    _, changes = apply_scenario(load_inputs(case), "tight", overlay)
    assert [c.declared_at for c in changes] == ["scenarios!I2"]
    result = CliRunner().invoke(
        app, ["run", str(case), "--scenario", "tight", "--scenario-file", str(overlay), "-q"]
    )
    assert result.exit_code == 0, result.output


def test_bad_rows_are_all_reported_with_their_cells(tmp_path):
    sheets = minimal_sheets()
    sheets["scenarios"] = scenario_rows(
        {"scenario": "a", "table": "import_prise", "operation": "set", "value": 1},
        {
            "scenario": "a",
            "table": "import_price",
            "metal": "Cuu",
            "operation": "scale",
            "value": 2,
        },
        {
            "scenario": "a",
            "table": "demand",
            "metal": "Cu",
            "operation": "set",
            "value": 5,
            "unit": "USD/t",
        },
        {
            "scenario": "a",
            "table": "max_collection_rate",
            "metal": "Cu",
            "operation": "scale",
            "value": 2,
        },
        {"scenario": "a", "table": "capex", "region": "East", "operation": "scale", "value": 2},
        {"scenario": "a", "table": "capex", "operation": "multiply", "value": 2},
        {"scenario": "a", "table": "base_year", "operation": "set", "value": 2025},
    )
    path = write_workbook(tmp_path / "case.xlsx", sheets)
    data = load_inputs(path)
    with pytest.raises(InputError) as error:
        apply_scenario(data, "a")
    text = str(error.value)
    for fragment in (
        "scenarios!B2",
        "did you mean 'import_price'",  # unknown parameter
        "scenarios!C3",
        "did you mean 'Cu'",  # unknown member
        "scenarios!J4",
        "unit 'USD/t'",  # wrong dimension
        "scenarios!F6",
        "a region selector",  # not an index of capex
        "scenarios!H7",
        "set, scale or add",  # unknown operation
        "scenarios!B8",
        "the horizon is fixed",  # a read-time setting
    ):
        assert fragment in text, f"{fragment!r} not in {text}"
    # the range is checked on the result: 0.6 x 2 = 1.2 > 1 (reported once rows parse)
    sheets["scenarios"] = scenario_rows(
        {
            "scenario": "a",
            "table": "max_collection_rate",
            "metal": "Cu",
            "operation": "scale",
            "value": 2,
        }
    )
    path = write_workbook(tmp_path / "range.xlsx", sheets)
    with pytest.raises(InputError, match=r"scenarios!I2.*1\.2.*at most 1"):
        apply_scenario(load_inputs(path), "a")


def test_unknown_column_and_scenario_name(case, tmp_path):
    sheets = minimal_sheets()
    sheets["scenarios"] = scenario_rows(LI_SHOCK)
    sheets["scenarios"][0][5] = "regoin"  # a mistyped selector must not widen the change
    path = write_workbook(tmp_path / "typo.xlsx", sheets)
    with pytest.raises(InputError, match=r"scenarios!F1.*did you mean 'region'"):
        apply_scenario(load_inputs(path), "li_shock")
    result = CliRunner().invoke(app, ["run", str(case), "--scenario", "li_shok", "-q"])
    assert result.exit_code == 2
    assert "did you mean 'li_shock'" in result.output


@pytest.mark.slow
def test_compare_writes_side_by_side_differences_and_changed_cells(case, tmp_path):
    output = tmp_path / "compare.xlsx"
    table = compare(case, ["cheap_cu", "tight"], output=output, workers=0)
    base = run(case).outcome.objective
    cost = table[table["indicator"] == "total_cost"].iloc[0]
    assert cost["base"] == pytest.approx(base, rel=1e-9)
    assert cost["tight"] == pytest.approx(run(case, scenario="tight").outcome.objective, rel=1e-9)
    assert cost["tight - base"] == pytest.approx(cost["tight"] - cost["base"])
    dep = table[
        (table["indicator"] == "dependence") & (table["metal"] == "Cu") & (table["year"] == 2027)
    ]
    assert dep["tight"].iloc[0] <= 0.5 + 1e-9
    sheets = pd.read_excel(output, sheet_name=None)
    assert set(sheets) >= {"Indicators", "Changes", "Runs"}
    changes = sheets["Changes"]
    assert set(changes["Scenario"]) == {"cheap_cu", "tight"}  # reader headers
    assert "dependence_targets!C3" in set(changes["Input cell"])
    assert openpyxl.load_workbook(output).sheetnames[0] == "Indicators"
    with pytest.raises(Exception, match="exists"):
        compare(case, ["tight"], output=output, workers=0)


def test_cli_compare(case, tmp_path):
    output = tmp_path / "c.xlsx"
    result = CliRunner().invoke(
        app,
        [
            "compare",
            str(case),
            "--scenarios",
            "li_shock,tight",
            "-o",
            str(output),
            "--workers",
            "0",
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    assert output.is_file()
    result = CliRunner().invoke(app, ["compare", str(case), "--scenarios", "nope", "-q"])
    assert result.exit_code == 2 and "scenario 'nope'" in result.output


def test_which_changes_rebuild(case):
    data = load_inputs(case)

    def reasons(*overrides):
        return structural_changes(data, apply_overrides(data, list(overrides))[0])

    assert reasons(Override("import_price", (("metal", "Cu"),), "scale", 1.5)) == []
    assert reasons(Override("dependence_target", (("metal", "Cu"),), "scale", 0.5)) == []
    # technology costs and yields are mutable Params too
    assert reasons(Override("capex", (), "scale", 1.1)) == []
    assert reasons(Override("process_yield", (("metal", "Cu"),), "scale", 0.9)) == []
    assert "lifetime is built" in " ".join(reasons(Override("lifetime", (), "scale", 1.1)))
    new_arc = Override(
        "import_price", (("metal", "Li"), ("form", "ore"), ("origin", "Chile")), "set", 3.0
    )
    assert "import arcs" in " ".join(reasons(new_arc))
    new_year = Override("dependence_target", (("metal", "Li"), ("year", 2026)), "set", 0.5)
    assert "capped" in " ".join(reasons(new_year))
    # Cu has end uses: its demand feeds end-of-life scrap, now met demand inside the LP
    # (history a mutable Param), so a demand change re-solves; so does the collection rate
    assert reasons(Override("demand", (("metal", "Cu"),), "scale", 1.1)) == []
    assert reasons(Override("max_collection_rate", (("metal", "Cu"),), "scale", 0.5)) == []
    # capacity limits, plant and import availability are mutable Params (bounds, a
    # coefficient, a right-hand side) ...
    for name in ("max_capacity", "max_build", "availability", "import_availability"):
        assert reasons(Override(name, (), "scale", 0.9)) == [], name
    # ... but a limit moved to zero removes build variables
    closed = Override("max_build", (), "scale", 0.0)
    assert "to or from zero" in " ".join(reasons(closed))
    # ... unless it moves where scrap can arise at all
    gone = Override("demand", (("metal", "Cu"),), "set", 0.0)
    assert "end-of-life scrap can arise" in " ".join(reasons(gone))
    shrunk = dataclasses.replace(data, regions=data.regions[:1])
    assert "regions differs" in " ".join(structural_changes(data, shrunk))


@pytest.mark.slow
def test_existing_capacity_overlay_changes_the_vintage(case, tmp_path):
    sheets = minimal_sheets()
    sheets["scenarios"] = [
        ["scenario", "table", "metal", "process", "region", "operation", "value", "unit"],
        ["outage", "existing_capacity", "Cu", "smelting", "East", "scale", 0.5, None],
    ]
    overlaid = write_workbook(tmp_path / "overlaid.xlsx", sheets)
    edited = minimal_sheets()
    set_cell(edited, "existing_capacity", {"metal": "Cu", "process": "smelting"}, "value", 400)
    edited = write_workbook(tmp_path / "edited.xlsx", edited)
    data, changes = apply_scenario(load_inputs(overlaid), "outage")
    smelters = [v for v in data.vintages if (v.metal, v.process) == ("Cu", "smelting")]
    assert [v.capacity for v in smelters] == [400.0]
    assert changes[0].input_cell == cell_of(
        sheets, "existing_capacity", {"metal": "Cu", "process": "smelting"}, "value"
    )
    assert run(overlaid, scenario="outage").outcome.objective == pytest.approx(
        run(edited).outcome.objective, rel=1e-9
    )
