"""Money of one year: a dated money unit is deflated to price_base_year money with the
workbook's deflator, and with a deflator sheet present every cost must say its year."""

from __future__ import annotations

import pytest
from factory import minimal_sheets, set_cell, write_workbook

import msc_model as msc
from msc_model.errors import InputError
from msc_model.inputs.money import split_price_year

DEFLATOR = [["year", "value", "unit"], [2010, 218.056, ""], [2024, 313.689, ""]]


def test_split_price_year() -> None:
    assert split_price_year("USD2010/(t/yr)") == ("USD/(t/yr)", 2010)
    assert split_price_year("CNY2021/t") == ("CNY/t", 2021)
    assert split_price_year("USD/t") == ("USD/t", None)
    assert split_price_year("USD2010/t/USD2011")[1] == -1  # two years: refused


def _dated(sheets) -> None:
    """Every money unit of the factory case given 2024 prices."""
    for rows in sheets.values():
        header = rows[0]
        if "unit" not in header:
            continue
        column = header.index("unit")
        for row in rows[1:]:
            unit = row[column]
            if isinstance(unit, str) and ("USD" in unit or "CNY" in unit) and unit != "CNY/USD":
                row[column] = unit.replace("USD", "USD2024", 1).replace("CNY", "CNY2024", 1)


def test_a_cost_of_2010_is_deflated_to_the_base_year(tmp_path) -> None:
    """Hand-computed: 4000 USD2010 per t/yr of copper mining capacity at CPI-U
    313.689 (2024) / 218.056 (2010) = 5754.5 USD2024 = 5.7545 MUSD per kt/yr."""
    sheets = minimal_sheets()
    _dated(sheets)
    sheets["deflator"] = DEFLATOR
    match = {"metal": "Cu", "process": "mining", "parameter": "capex"}
    set_cell(sheets, "technology", match, "unit", "USD2010/(t/yr)")
    data = msc.load_inputs(write_workbook(tmp_path / "dated.xlsx", sheets))
    assert data.get("capex", ("Cu", "mining")) == pytest.approx(4.0 * 313.689 / 218.056)
    assert data.get("capex", ("Cu", "smelting")) == pytest.approx(3.0)  # 2024 money: as given


def test_with_a_deflator_a_cost_without_a_price_year_names_its_cell(tmp_path) -> None:
    sheets = minimal_sheets()
    _dated(sheets)
    sheets["deflator"] = DEFLATOR
    match = {"metal": "Cu", "process": "mining", "parameter": "capex"}
    set_cell(sheets, "technology", match, "unit", "USD/(t/yr)")
    row = next(i for i, r in enumerate(sheets["technology"]) if r[:3] == ["Cu", "mining", "capex"])
    with pytest.raises(
        InputError,
        match=rf"technology!E{row + 1}: found a money unit without a price year for capex",
    ):
        msc.load_inputs(write_workbook(tmp_path / "undated.xlsx", sheets))


def test_a_dated_cost_without_a_deflator_is_refused(tmp_path) -> None:
    sheets = minimal_sheets()
    match = {"metal": "Cu", "process": "mining", "parameter": "capex"}
    set_cell(sheets, "technology", match, "unit", "USD2010/(t/yr)")
    with pytest.raises(InputError, match=r"found prices of 2010 in 'USD2010/\(t/yr\)'"):
        msc.load_inputs(write_workbook(tmp_path / "nodeflator.xlsx", sheets))


def test_the_shipped_case_states_every_price_year() -> None:
    """The shipped workbook has a deflator sheet, so it loads only if every cost carries
    its year; the blast furnace's c.2010 capex reaches the model in 2024 money."""
    data = msc.load_inputs(msc.default_workbook())
    assert data.table("deflator")
    assert data.get("capex", ("Fe", "smelting")) == pytest.approx(1.1 * 313.689 / 218.056)
