"""The shipped default workbook: reproducible from its script, sourced, convertible, calibrated."""

from __future__ import annotations

from pathlib import Path

import pytest
from msc_model.sheets import build_default
from openpyxl import load_workbook

from msc_model.inputs import load_inputs
from msc_model.inputs.money import split_price_year
from msc_model.model.recycling import end_of_life
from msc_model.schema import PARAMS, SHEETS, ParamSheet, SetSheet
from msc_model.units import conversion_factor, parse_unit, ureg

COMMITTED = build_default.DEFAULT_PATH


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    return build_default.build(tmp_path_factory.mktemp("default") / "china_baseline.xlsx")


@pytest.fixture(scope="module")
def sheets(built) -> dict[str, list[dict]]:
    return build_default.read_workbook(built)


def _cells(path: Path) -> dict[str, list[tuple]]:
    wb = load_workbook(path, read_only=True, data_only=True)
    out = {ws.title: [tuple(row) for row in ws.iter_rows(values_only=True)] for ws in wb.worksheets}
    wb.close()
    return out


def test_committed_workbook_matches_script(built):
    assert COMMITTED.exists(), "run python -m msc_model.sheets.build_default"
    committed, fresh = _cells(COMMITTED), _cells(built)
    assert list(committed) == list(fresh), "sheet list or order differs"
    for name in fresh:
        assert len(committed[name]) == len(fresh[name]), f"{name}: row count differs"
        for number, (old, new) in enumerate(zip(committed[name], fresh[name], strict=True), 1):
            assert old == new, f"{name} row {number}: committed {old} != script {new}"


def test_build_is_byte_stable(built, tmp_path):
    again = build_default.build(tmp_path / "again.xlsx")
    assert again.read_bytes() == built.read_bytes()


def test_every_sheet_follows_the_schema(built):
    cells = _cells(built)
    # plus the scenarios and sweep sheets, read by msc_model.scenarios, not by the loader
    assert set(cells) == set(SHEETS) | {"scenarios", "sweep"}
    assert cells["sweep"][0][:6] == ("factor", "table", "metal", "operation", "low", "high")
    assert cells["scenarios"][0] == build_default.SCENARIO_COLUMNS
    for name, spec in SHEETS.items():
        header = cells[name][0]
        if isinstance(spec, SetSheet):
            expected = (spec.key, *(c.name for c in spec.columns), "source", "note")
        else:
            expected = spec.columns()
        assert header == expected, name
        assert len(cells[name]) > 1, f"{name} is empty"


def test_every_row_is_sourced(sheets):
    for name, rows in sheets.items():
        if name == "sources":  # the references themselves
            continue
        for number, row in enumerate(rows, 2):
            source = (row.get("source") or "").strip()
            assert source, f"{name} row {number}: no source"
            if source == build_default.ASSUMPTION:
                assert (row.get("note") or "").strip(), (
                    f"{name} row {number}: assumption without note"
                )


def test_every_unit_converts_to_its_canonical_unit(sheets):
    rate = next(r["value"] for r in sheets["settings"] if r["parameter"] == "exchange_rate")
    bases = {"LCE": ("Li", 0.1879)}
    for r in sheets["content_bases"]:
        bases[r["basis"]] = (r["metal"], r["value"] * conversion_factor(r["unit"], ""))
    for name, spec in SHEETS.items():
        if not isinstance(spec, ParamSheet):
            continue
        for number, row in enumerate(sheets[name], 2):
            param = PARAMS[row["parameter"]][1] if spec.grouped else spec.params[0]
            unit = row.get("unit") or ""
            where = f"{name} row {number} ({param.name}, unit '{unit}')"
            if param.kind in ("year", "flag"):
                assert not unit, where
                continue
            if param.name == "exchange_rate":
                assert ureg.Quantity(1.0, parse_unit(unit)).to(parse_unit(param.unit)), where
                continue
            if not unit:
                assert not param.unit, where
                continue
            undated, _year = split_price_year(unit)  # money carries its price year
            factor = conversion_factor(
                undated, param.unit, metal=row.get("metal"), bases=bases, exchange_rate=rate
            )
            assert factor > 0, where


def test_no_content_basis_in_a_denominator(sheets):
    # a basis in a denominator divides ('USD/t LCE' is per tonne of carbonate, so per tonne
    # of lithium it is dearer: tests/test_units.py holds the rule); the shipped workbook
    # still gives every price per tonne of metal content, so its prices read alike
    bases = {"LCE", *(r["basis"] for r in sheets["content_bases"])}
    for name, rows in sheets.items():
        for row in rows:
            unit = str(row.get("unit") or "")
            if "/" in unit:
                denominator = unit.split("/", 1)[1]
                assert not any(b in denominator.split() for b in bases), f"{name}: {unit}"


def test_base_year_dependence_in_published_bands(built):
    dependence = build_default.expected_base_year_dependence(built)
    for metal, (low, high) in build_default.DEPENDENCE_BANDS.items():
        assert low <= dependence[metal] <= high, (metal, dependence[metal])


def test_base_year_flows_close_to_published(built):
    flows = build_default.expected_base_year(built)
    fe, cu, li = flows["Fe"], flows["Cu"], flows["Li"]
    # iron (kt Fe): mine 170 Mt (USGS), crude steel ~1,005 Mt, scrap use ~215-245 Mt
    assert fe["mining"] == pytest.approx(170_000, rel=0.01)
    assert fe["refined_need"] == pytest.approx(1_005_090, rel=0.02)
    assert 200_000 <= fe["recycling"] / 0.9 <= 250_000
    assert 700_000 <= fe["ore_imports"] <= 780_000  # 1.24 bn t gross at 57-63 % Fe
    # copper (kt Cu): mine 1.8 Mt, refined 13.64 Mt incl. ~4.5 Mt recycled, cathode imports ~3.7
    assert cu["mining"] == pytest.approx(1_800, rel=0.01)
    assert cu["smelting"] + cu["recycling"] == pytest.approx(13_640, rel=0.02)
    assert cu["refined_imports"] == pytest.approx(3_675, rel=0.05)
    assert 1_500 <= cu["scrap_imports"] <= 2_200
    # lithium (kt Li): mine 41 kt, recycling ~18.8 kt, Li2CO3 imports 235 kt LCE = 44.2 kt Li
    assert li["mining"] == pytest.approx(41, rel=0.02)
    assert li["recycling"] == pytest.approx(18.8, rel=0.05)
    assert li["refined_imports"] == pytest.approx(235.02 * 0.1879, rel=0.05)


def test_supplier_caps_do_not_bind_in_the_base_year(built, sheets):
    caps = {r["metal"]: r["value"] / 100 for r in sheets["supplier_limits"]}
    for metal, flows in build_default.expected_base_year(built).items():
        assert flows["top_supplier_share"] < caps[metal], (metal, flows["top_supplier"])


def test_end_of_life_matches_the_model_kernel(built):
    data = load_inputs(built)
    model_eol = end_of_life(data)
    book = build_default._Book(build_default.read_workbook(built))
    for metal in build_default.METALS:
        for year in (2024, 2030, 2040):
            ours = build_default.end_of_life(book, metal, year)
            theirs = sum(v for (m, _r, t), v in model_eol.items() if m == metal and t == year)
            assert ours == pytest.approx(theirs, rel=1e-9), (metal, year)


def test_shipped_workbook_loads():
    data = load_inputs(COMMITTED)
    assert data.base_year == 2024 and data.final_year == 2040
    assert set(data.metals) == {"Fe", "Cu", "Li"}
    assert not data.warnings
