"""Infeasibility explained: the IIS in workbook cells, and changes that really fix it.

Three deliberately infeasible cases (reserve target above storage; a committed build above
the region's build limit; a hinterland backup share that the concentration limit rules
out): each diagnosis must name the contradicting cells, each suggested change must be the
value recomputed by hand, and applying it must make the model solvable.
"""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pytest
import toys
from factory import add_row, cell_of, expect_input_error, minimal_sheets, set_cell, write_workbook
from typer.testing import CliRunner

from msc_model.cli import app
from msc_model.data import ModelData
from msc_model.diagnose import Diagnosis, diagnose
from msc_model.errors import InfeasibleError
from msc_model.inputs import load_inputs
from msc_model.inputs.sanity import check_sanity
from msc_model.model import build_model
from msc_model.pipeline import default_workbook
from msc_model.solver import compute_iis, solve

#: national copper demand of the minimal workbook, kt/yr (East + West)
CU_DEMAND = {2025: 1250 + 420, 2026: 1300 + 440, 2027: 1350 + 460}


def _change(diagnosis: Diagnosis, parameter: str):
    found = [c for c in diagnosis.relaxation if c.parameter == parameter]
    assert len(found) == 1, diagnosis.text()
    return found[0]


def _feasible(data: ModelData) -> bool:
    try:
        solve(build_model(data))
    except InfeasibleError:
        return False
    return True


# -- 1. reserve target above storage capacity ------------------------------------------------


@pytest.fixture(scope="module")
def reserve_case(tmp_path_factory) -> tuple[Path, dict[str, str]]:
    sheets = minimal_sheets()
    add_row(sheets, "reserves", {"metal": "Cu", "region": "East", "parameter": "max_storage",
                                 "value": 100, "unit": "kt"})  # fmt: skip
    cells = {
        "reserve_days": cell_of(sheets, "reserves", {"parameter": "reserve_days"}, "value"),
        "max_storage": cell_of(sheets, "reserves", {"parameter": "max_storage"}, "value"),
    }
    path = write_workbook(tmp_path_factory.mktemp("reserve") / "case.xlsx", sheets)
    return path, cells


def test_reserve_above_storage_names_both_cells(reserve_case) -> None:
    path, cells = reserve_case
    data = load_inputs(path)
    diagnosis = diagnose(data)
    assert not diagnosis.feasible
    assert {cells["reserve_days"], cells["max_storage"]} <= set(diagnosis.cells)
    text = diagnosis.text()
    # 30 days of that year's national copper demand, e.g. 2025: 30/365 · 1670 = 137.26 kt
    # (the conflict holds in every policy year; which one the IIS names is the solver's)
    found = re.search(r"at least ([\d.,]+) kt in (\d{4}): 30 days \(([^)]+)\)", text)
    assert found and found.group(3) == cells["reserve_days"]
    year = int(found.group(2))
    national = sum(data.get("demand", ("Cu", r, year)) for r in data.regions)
    assert float(found.group(1)) == pytest.approx(30 / 365 * national, abs=0.05)
    assert f"at most 100 kt (max_storage, {cells['max_storage']})" in text
    assert {c.family for c in diagnosis.iis} >= {"reserve_minimum", "storage_capacity"}


def test_reserve_changes_are_recomputed_and_suffice(reserve_case) -> None:
    path, cells = reserve_case
    data = load_inputs(path)
    diagnosis = diagnose(data)
    assert diagnosis.alternatives  # each change alone suffices
    storage = _change(diagnosis, "max_storage")
    need_2027 = 30 / 365 * CU_DEMAND[2027]  # the largest reserve: 148.77 kt
    assert storage.needed == pytest.approx(need_2027, rel=1e-3)
    assert storage.needed >= need_2027 and storage.cells == (cells["max_storage"],)
    days = _change(diagnosis, "reserve_days")
    assert days.needed == pytest.approx(100 * 365 / CU_DEMAND[2027], rel=1e-3)  # 20.17 days
    assert days.needed <= 100 * 365 / CU_DEMAND[2027]
    for change in (storage, days):
        assert _feasible(data.with_params({change.parameter: {change.key: change.needed}}))


def test_reserve_case_is_caught_before_the_solve(reserve_case) -> None:
    path, cells = reserve_case
    errors = check_sanity(load_inputs(path)).errors
    assert len(errors) == 1
    assert errors[0].where == cells["reserve_days"] and cells["max_storage"] in str(errors[0])


# -- 2. a committed build above the region's build limit --------------------------------------


COMMITTED = {"metal": "Cu", "process": "mining", "commissioning_year": 2026}


def _committed_sheets() -> dict:
    """300 kt/yr of copper mining in West plus 200 kt/yr committed for 2026."""
    sheets = minimal_sheets()
    add_row(sheets, "existing_capacity", {"metal": "Cu", "process": "mining", "region": "West",
                                          "value": 200, "unit": "kt/yr",
                                          "commissioning_year": 2026})  # fmt: skip
    return sheets


def test_committed_build_above_the_limit_is_refused_on_load(tmp_path: Path) -> None:
    sheets = _committed_sheets()
    limit = set_cell(sheets, "capacity_limits", {"parameter": "max_capacity"}, "value", 400)
    committed = cell_of(sheets, "existing_capacity", COMMITTED, "value")
    path = write_workbook(tmp_path / "case.xlsx", sheets)
    expect_input_error(path, f"{limit}: found max_capacity 400", committed)


def test_committed_build_above_a_scenario_limit_is_diagnosed(tmp_path: Path) -> None:
    """A scenario lowers the limit after loading (as sweeps do): the LP names the cells."""
    sheets = _committed_sheets()
    existing = cell_of(
        sheets, "existing_capacity", {**COMMITTED, "commissioning_year": None}, "value"
    )
    committed = cell_of(sheets, "existing_capacity", COMMITTED, "value")
    limit = cell_of(sheets, "capacity_limits", {"parameter": "max_capacity"}, "value")
    lead = cell_of(sheets, "technology", {"parameter": "lead_time"}, "value")
    data = load_inputs(write_workbook(tmp_path / "case.xlsx", sheets))
    scenario = data.with_params({"max_capacity": {("Cu", "mining", "West"): 400.0}})
    assert [p.where for p in check_sanity(scenario).errors] == [limit]
    diagnosis = diagnose(scenario)
    assert {existing, committed, limit, lead} <= set(diagnosis.cells)
    assert "includes 500 kt/yr existing or committed" in diagnosis.text()
    assert "lead_time 4 yr" in diagnosis.text()  # no new mine before 2028
    raise_limit = _change(diagnosis, "max_capacity")
    assert raise_limit.needed == pytest.approx(500.0)
    fewer = _change(diagnosis, "existing_capacity")
    assert fewer.needed == pytest.approx(400.0) and set(fewer.cells) == {existing, committed}
    fixed = scenario.with_params({"max_capacity": {("Cu", "mining", "West"): raise_limit.needed}})
    assert _feasible(fixed)


# -- 3. a hinterland share the concentration limit rules out ----------------------------------


def test_hinterland_share_ruled_out_by_region_share(tmp_path: Path) -> None:
    """West is the only hinterland region and may hold at most 80 % (policy!D2), yet 90 %
    must be in the hinterland (policy!D3) while East has 800 kt/yr of smelting."""
    sheets = minimal_sheets()
    minimum = set_cell(sheets, "policy", {"parameter": "min_hinterland_share"}, "value", 0.9)
    share = cell_of(sheets, "policy", {"parameter": "max_region_share"}, "value")
    east = cell_of(sheets, "existing_capacity", {"process": "smelting"}, "value")
    data = load_inputs(write_workbook(tmp_path / "case.xlsx", sheets))
    diagnosis = diagnose(data)
    assert {minimum, share, east} <= set(diagnosis.cells)
    assert "at least 90 % of national copper smelting capacity" in diagnosis.text()
    assert _change(diagnosis, "max_region_share").needed == pytest.approx(0.9)
    lower = _change(diagnosis, "min_hinterland_share")
    assert lower.needed == pytest.approx(0.8)
    assert _feasible(data.with_params({lower.parameter: {lower.key: lower.needed}}))
    assert [p.where for p in check_sanity(data).errors] == [minimum]


# -- the machinery ----------------------------------------------------------------------------


def test_iis_is_irreducible_on_a_one_year_toy() -> None:
    """Dropping any one member of the IIS makes the toy feasible; keeping all, it is not."""
    data = toys.impossible_reserve()
    model = build_model(data)
    with pytest.raises(InfeasibleError):
        solve(model)
    members = compute_iis(model)
    assert {(m.component, m.kind) for m in members} >= {
        ("reserve_minimum", "constraint"),
        ("storage_capacity", "variable"),
    }
    for dropped in members:
        relaxed = build_model(data)
        component = relaxed.find_component(dropped.component)
        item = component[dropped.index if len(dropped.index) > 1 else dropped.index[0]]
        if dropped.kind == "constraint":
            item.deactivate()
        elif dropped.bound in ("upper", "both"):
            item.setub(None)
        else:
            item.setlb(None)
        assert solve(relaxed).termination == "optimal", dropped


def test_feasible_case_has_nothing_to_explain(tmp_path: Path) -> None:
    data = load_inputs(write_workbook(tmp_path / "case.xlsx", minimal_sheets()))
    diagnosis = diagnose(data)
    assert diagnosis.feasible and diagnosis.iis == [] and diagnosis.relaxation == []


def test_msc_diagnose_exit_codes(reserve_case, tmp_path: Path) -> None:
    path, cells = reserve_case
    runner = CliRunner()
    result = runner.invoke(app, ["diagnose", str(path)])
    assert result.exit_code == 3, result.output
    assert cells["reserve_days"] in result.stdout and cells["max_storage"] in result.stdout
    assert "Any one of these changes makes the model solvable:" in result.stdout
    fine = write_workbook(tmp_path / "fine.xlsx", minimal_sheets())
    assert runner.invoke(app, ["diagnose", str(fine)]).exit_code == 0


def test_run_attaches_the_diagnosis_to_the_error(tmp_path: Path) -> None:
    """An infeasibility no pre-solve check sees: 5 Mt of refined copper exports."""
    from msc_model.pipeline import run

    sheets = minimal_sheets()
    export = set_cell(sheets, "exports", {"metal": "Cu"}, "value", 5000)
    add_row(sheets, "imports", {"metal": "Cu", "form": "refined", "origin": "Chile",
                                "parameter": "import_availability", "value": 1000,
                                "unit": "kt/yr"})  # fmt: skip
    path = write_workbook(tmp_path / "case.xlsx", sheets)
    with pytest.raises(InfeasibleError) as error:
        run(path)
    assert export in str(error.value)
    assert any(export in s for s in error.value.diagnosis)
    lower = _change(error.value.explanation, "export_demand")
    assert lower.needed < 5000
    data = load_inputs(path)
    assert _feasible(data.with_params({"export_demand": {lower.key: lower.needed}}))


def test_feasible_model_has_no_iis() -> None:
    """compute_iis on a feasible model finds no conflict (an empty list, no error)."""
    model = build_model(toys.stockpile())
    solve(model)
    assert compute_iis(model) == []


@pytest.mark.slow
def test_suggested_changes_go_the_way_they_say(tmp_path) -> None:
    """A 90 % hinterland share for copper recycling on the shipped case: the inland plants'
    existing capacity must be *raised* (the coastal one lowered), and every suggestion's
    target lies on the side its verb says (no 'lower from 1,750 to at most 12,750')."""
    book = openpyxl.load_workbook(default_workbook())
    sheet = book["policy"]
    row = next(
        r for r in range(2, sheet.max_row + 1)
        if (sheet.cell(r, 1).value, sheet.cell(r, 2).value, sheet.cell(r, 3).value)
        == ("Cu", "recycling", "min_hinterland_share")
    )  # fmt: skip
    sheet.cell(row, 4).value = 90
    book.save(tmp_path / "inland90.xlsx")
    diagnosis = diagnose(load_inputs(tmp_path / "inland90.xlsx"))
    text = diagnosis.text()
    assert "Raise existing_capacity for copper recycling in Central" in text
    assert "Lower existing_capacity for copper recycling in East" in text

    def number(s: str) -> float:
        return float(s.replace(",", ""))

    moves = re.findall(r"(Raise|Lower) .*? from ([\d,.]+) .*?to at (least|most) ([\d,.]+)", text)
    assert moves
    for verb, current, bound, target in moves:
        if verb == "Raise":
            assert bound == "least" and number(target) > number(current)
        else:
            assert bound == "most" and number(target) < number(current)
