"""Natural units in every sheet of the shipped report: iron in Mt, copper and lithium in kt
(lithium also in kt LCE), money in bn USD, shares as percentages.

The shipped case is solved once for the module and its report read back whole; every
numeric column of every table is checked for the unit its header names, and a few columns
are recomputed from the model's results by the exact factor (1000 kt per Mt, the LCE
fraction, 1000 million USD per bn USD). A sheet that regressed to kilotonnes of iron, to
million USD or to a share written as a bare fraction fails here.
"""

from __future__ import annotations

import re

import pytest
from openpyxl import load_workbook

from msc_model.pipeline import run
from msc_model.report.layout import PCT
from msc_model.resilience.plan import Plan, read_plan
from msc_model.shipped import default_workbook
from msc_model.units import LCE_LI_FRACTION

#: a mass unit in a header: "kt", "Mt/yr", "kt LCE"
MASS = re.compile(r"\b(kt|Mt)\b")
#: sheets whose numbers are not quantities of the plan (the inputs as read, provenance)
NOT_RESULTS = {"Inputs", "Changed inputs", "Run info", "Glossary"}


@pytest.fixture(scope="module")
def shipped(tmp_path_factory):
    folder = tmp_path_factory.mktemp("natural")
    result = run(default_workbook(), folder / "report.xlsx")
    book = load_workbook(result.report)
    return result, book


def _tables(book):
    """(sheet, header → column of cells) of every Excel table of the report."""
    for ws in book.worksheets:
        if ws.title in NOT_RESULTS or not ws.tables:
            continue
        rows = list(ws.iter_rows())
        top = 1 if ws["A1"].value and ws["A2"].value and ws.freeze_panes == "A3" else 0
        header = [c.value for c in rows[top]]
        columns = {h: [r[j] for r in rows[top + 1 :] if j < len(r)] for j, h in enumerate(header)}
        yield ws.title, columns


def _numbers(cells):
    return [c for c in cells if isinstance(c.value, int | float) and not isinstance(c.value, bool)]


def test_every_numeric_header_names_its_natural_unit(shipped) -> None:
    _, book = shipped
    checked = 0
    for sheet, columns in _tables(book):
        metals = [c.value for c in columns.get("metal", [])]
        for header, cells in columns.items():
            numbers = _numbers(cells)
            if not numbers or header in ("year",):
                continue
            where = (sheet, header)
            checked += 1
            assert "(" in header and ")" in header, where  # a unit in every header
            assert all(c.number_format != "General" for c in numbers), where
            assert "million USD" not in header and "MUSD" not in header, where
            if "USD" in header and "per t" not in header:
                assert "bn USD" in header, where  # money in bn USD; prices per tonne
            if header.endswith("(%)"):
                assert all(c.number_format == PCT for c in numbers), where
            elif re.search(r"share|rate|dependence", header, re.IGNORECASE):
                pytest.fail(f"share without a percentage header: {where}")
            mass = MASS.search(header)
            if mass and "LCE" not in header and "Fe" in metals:
                # a column holding iron says so: "Fe Mt/yr; Cu, Li kt/yr"
                assert "Fe Mt" in header, where
    assert checked > 60


def test_unit_column_says_mt_on_iron_rows(shipped) -> None:
    _, book = shipped
    seen = set()
    for sheet, columns in _tables(book):
        if "unit" not in columns or "metal" not in columns:
            continue
        for metal, unit in zip(columns["metal"], columns["unit"], strict=True):
            if metal.value == "Fe":
                assert unit.value.startswith("Mt"), (sheet, unit.value)
            elif metal.value in ("Cu", "Li"):
                assert unit.value.startswith("kt"), (sheet, unit.value)
        seen.add(sheet)
    assert {"Capacity", "Flows", "Imports", "Recycling", "Reserves"} <= seen


def _column(book, sheet: str, prefix: str) -> tuple[list, list, list]:
    ws = book[sheet]
    header = [c.value for c in ws[1]]
    j = next(i for i, h in enumerate(header) if h and h.startswith(prefix))
    rows = list(ws.iter_rows(min_row=2, values_only=True))
    return header, rows, [r[j] for r in rows]


def test_capacity_is_recomputed_from_the_results_in_natural_units(shipped) -> None:
    result, book = shipped
    header, rows, shown = _column(book, "Capacity", "Total capacity (")
    at = {h: i for i, h in enumerate(header)}
    total = result.results.capacity.set_index(["metal", "process", "region", "year"])["total"]
    lce = next(h for h in header if h and h.startswith("Total capacity, lithium"))
    for row, value in zip(rows, shown, strict=True):
        kt = total[row[at["metal"]], row[at["process"]], row[at["region"]], row[at["year"]]]
        if row[at["metal"]] == "Fe":
            assert value == pytest.approx(kt / 1000, rel=1e-12, abs=1e-12)
        else:
            assert value == pytest.approx(kt, rel=1e-12, abs=1e-9)
        if row[at["metal"]] == "Li":
            assert row[at[lce]] == pytest.approx(kt / LCE_LI_FRACTION, rel=1e-12, abs=1e-9)
        else:
            assert row[at[lce]] is None
    iron = [v for r, v in zip(rows, shown, strict=True) if r[at["metal"]] == "Fe"]
    assert max(iron) < 5_000  # Mt: iron's plants are hundreds of Mt/yr, not 10⁵–10⁶


def test_dependence_and_costs_in_natural_units(shipped) -> None:
    result, book = shipped
    header, rows, shown = _column(book, "Dependence", "Net imports (")
    at = {h: i for i, h in enumerate(header)}
    fe = [v for r, v in zip(rows, shown, strict=True) if r[at["metal"]] == "Fe"]
    assert 100 < max(fe) < 2_000  # Mt/yr
    _, _, discounted = _column(book, "Costs", "Discounted (bn USD")
    assert sum(discounted) == pytest.approx(result.outcome.objective / 1000, rel=1e-9)


def test_sentences_and_summary_speak_natural_units(shipped) -> None:
    _, book = shipped
    findings = " ".join(str(r[0]) for r in book["Findings"].iter_rows(values_only=True) if r[0])
    iron = re.search(r"New iron capacity built over [\d–]+: mining ([\d,.]+) (\S+),", findings)
    assert iron and iron.group(2) == "Mt/yr", findings
    assert "kt LCE" in findings
    summary = [r for r in book["Summary"].iter_rows(values_only=True) if r and r[0]]
    labels = [str(r[0]) for r in summary]
    assert not [t for t in labels if "MUSD" in t or "million USD" in t]
    assert any("(Fe Mt/yr; Cu, Li kt/yr)" in t for t in labels)
    assert any("kt LCE/yr" in t for t in labels)


def test_the_report_read_back_as_a_plan_is_the_plan_in_kt(shipped):
    """``msc stress --plan report.xlsx`` reads the Capacity and Reserves sheets, where iron
    is in Mt: each row's unit converts it back to the model's kt (a plan read as kt would
    build a thousandth of the iron)."""
    result, _ = shipped
    plan = Plan.from_results(result.results)
    read = read_plan(result.report)
    assert {k[0] for k in read.new_capacity} == {"Fe", "Cu", "Li"}
    assert read.new_capacity == pytest.approx(plan.new_capacity, rel=1e-12)
    assert read.new_storage == pytest.approx(plan.new_storage, rel=1e-12)
    assert read.stock == pytest.approx(plan.stock, rel=1e-12, abs=1e-9)


def test_run_info_gives_the_solver_objective_in_bn_usd(shipped):
    result, book = shipped
    info = {r[0]: r[1] for r in book["Run info"].iter_rows(min_row=2, values_only=True)}
    shown = info["solver objective (bn USD, present value)"]
    assert shown == pytest.approx(result.outcome.objective / 1000, rel=1e-12)
