"""The policy report: what a reader can recompute from it, and what can never go wrong.

One factory case is solved for the module (about a second) and its report written once;
each test reads the file back (pandas or openpyxl) and recomputes a property a reader
relies on, or writes a report through a path that must be safe (overwrite, input file,
crash while building, locked target, run without a plan).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import shutil
import subprocess
import xml.etree.ElementTree as ET
import zipfile
from pathlib import Path

import pandas as pd
import pytest
from factory import add_row, minimal_sheets, set_cell, write_workbook
from openpyxl import load_workbook

from msc_model.errors import InfeasibleError, OutputError, SolveError
from msc_model.model.sets import counted_forms
from msc_model.pipeline import run
from msc_model.report import companion_html, labels, write_report, write_tables
from msc_model.report.layout import CHANGED_FILL, KT1, PCT, SheetWriter
from msc_model.report.sankey import flow_links
from msc_model.report.sentences import dependence_sentence
from msc_model.report.tables import MetalSummary


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    """The factory workbook, its run, and its report (written by ``pipeline.run``)."""
    folder = tmp_path_factory.mktemp("report")
    workbook = write_workbook(folder / "case.xlsx", minimal_sheets())
    result = run(workbook, folder / "report.xlsx")
    return workbook, result


@pytest.fixture(scope="module")
def sheets(case) -> dict[str, pd.DataFrame]:
    _, result = case
    return pd.read_excel(result.report, sheet_name=None)


def _close(shown: object, expected: object) -> bool:
    """Equal to 1e-9, a blank cell matching a NaN (no value) on the other sheet."""
    missing = [v is None or (isinstance(v, float) and math.isnan(v)) for v in (shown, expected)]
    if any(missing):
        return all(missing)
    return shown == pytest.approx(expected, rel=1e-9, abs=1e-9)


def _headline(report: Path) -> dict[str, dict[str, object]]:
    """The Summary's headline table as label → {metal code → value}."""
    ws = load_workbook(report, read_only=True)["Summary"]
    rows = [list(r) or [None] for r in ws.iter_rows(values_only=True)]
    top = next(i for i, r in enumerate(rows) if r[0] == "Indicator")
    metals = [str(c).rsplit("(", 1)[1].rstrip(")") for c in rows[top][1:] if c]
    table = {}
    for row in rows[top + 1 :]:
        if row[0] is None:
            break
        table[row[0].strip()] = dict(zip(metals, row[1 : 1 + len(metals)], strict=True))
    return table


def test_dependence_from_flows_equals_dependence_sheet(case, sheets) -> None:
    _, result = case
    flows, dep = sheets["Flows"], sheets["Dependence"]
    value = next(c for c in flows.columns if c.startswith("Value"))
    sums = flows.groupby(["metal", "form", "flow", "year"])[value].sum()
    checked = 0
    for row in dep.itertuples(index=False):
        metal, year = row[0], row[1]
        forms = counted_forms(result.data, metal)

        def f(form, flow, metal=metal, year=year):
            # the sheet shows flows in reader words (msc_model.report.labels)
            return float(sums.get((metal, form, labels.word(flow), year), 0.0))

        net = sum(f(k, "imports") + f(k, "exports") for k in forms)  # exports are negative
        net += f("refined", "draw") + f("refined", "fill")  # USGS: a draw is an import
        domestic = f("ore", "mining")
        if "scrap" in forms:
            net_scrap = f("scrap", "imports") + f("scrap", "exports")
            domestic += -f("scrap", "recycling") - f("scrap", "prompt") - net_scrap
        shown = dep.loc[(dep["metal"] == metal) & (dep["year"] == year), "Dependence (%)"]
        expected = net / (domestic + net) if abs(domestic + net) > 1e-9 else math.nan
        if math.isnan(expected):
            assert shown.isna().all()
        else:
            assert float(shown.iloc[0]) == pytest.approx(expected, rel=1e-6, abs=1e-6)
            checked += 1
    assert checked >= len(result.data.metals)


def test_summary_numbers_equal_detailed_sheets(case, sheets) -> None:
    _, result = case
    data = result.data
    base, final = data.base_year, data.final_year
    head = _headline(result.report)
    dep, cap = sheets["Dependence"], sheets["Capacity"]
    new = next(c for c in cap.columns if c.startswith("New builds"))
    for metal in data.metals:

        def at(frame, column, year, metal=metal):
            rows = frame[(frame["metal"] == metal) & (frame["year"] == year)]
            return rows[column].iloc[0]

        assert _close(
            head[f"External dependence {base} (%)"][metal], at(dep, "Dependence (%)", base)
        )
        assert _close(
            head[f"External dependence {final} (%)"][metal], at(dep, "Dependence (%)", final)
        )
        mine = cap[(cap["metal"] == metal) & (cap["process"] != "storage")]
        # one row a stage, no total across stages (the heading row has no numbers)
        assert set(head[f"New capacity {base}–{final}, by stage (kt/yr)"].values()) == {None}
        assert not [label for label in head if "all stages" in label]
        for process in ("mining", "smelting", "processing", "recycling"):
            built = mine.loc[mine["process"] == process, new].sum()
            assert _close(head[f"{process} (kt/yr)"][metal], built)
        if mine[new].sum() > 1e-6:
            inland = mine.loc[mine["hinterland"] == "yes", new].sum() / mine[new].sum()
            assert _close(head["Share of new capacity in the hinterland (%)"][metal], inland)
        assert _close(
            head[f"Reserve cover {final} (days)"][metal],
            at(sheets["Reserve cover"], "Reserve cover (days)", final),
        )
        assert _close(
            head[f"Recycling rate {final} (%)"][metal],
            at(sheets["Recycling rates"], "Recycling rate (%)", final),
        )
        unmet = sheets["Unmet demand"]
        assert _close(
            head[f"Unmet demand {base}–{final} (kt)"][metal],
            unmet.loc[unmet["metal"] == metal, "Unmet demand (kt/yr)"].sum(),
        )
    # the whole-system cost on the Summary is the Costs sheet's plan costs (the value of
    # lost supply apart), and with the value of lost supply it is the solver's objective
    ws = load_workbook(result.report, read_only=True)["Summary"]
    rows = [r for r in ws.iter_rows(values_only=True) if r and r[0]]
    total = next(r[1] for r in rows if str(r[0]).startswith("Whole-system cost"))
    costs = sheets["Costs"]
    plan = costs[costs["Counts as"] == "plan cost"]
    assert total == pytest.approx(plan["Discounted (bn USD, present value)"].sum(), rel=1e-9)
    everything = costs["Discounted (bn USD, present value)"].sum()
    assert everything == pytest.approx(result.outcome.objective / 1000, rel=1e-9)  # bn USD
    extra = next(r[1] for r in rows if str(r[0]).startswith("Added by the targets"))
    assert extra == pytest.approx(result.policy.extra_cost / 1000, rel=1e-9)


def test_run_info_hash_equals_input_file(case, sheets) -> None:
    workbook, _ = case
    info = sheets["Run info"].set_index("item")["value"]
    assert info["input SHA-256"] == _sha(workbook)
    assert info["status"] == "optimal"
    assert info["input file"] == workbook.name
    assert {"version pyomo", "version highspy", "version openpyxl", "time solving (s)"} <= set(
        info.index
    )


@pytest.mark.slow
def test_presentation_units_formats_frozen_tables(case) -> None:
    _, result = case
    wb = load_workbook(result.report)
    assert wb.sheetnames[0] == "Summary"
    assert all(len(name) <= 31 for name in wb.sheetnames)
    tidy = [ws for ws in wb.worksheets if ws.tables]
    assert len(tidy) >= 14
    for ws in tidy:
        assert ws.freeze_panes == "A2", ws.title
        for cell in ws[2]:
            header = ws.cell(1, cell.column).value
            if isinstance(cell.value, float):  # every numeric column names its unit
                assert "(" in header and ")" in header, (ws.title, header)
                assert cell.number_format != "General", (ws.title, header)
            if cell.value is None:
                continue
            if header and header.endswith("(%)"):
                assert cell.number_format == PCT
            if header and header.endswith("(kt/yr)") and "Net" in header:
                assert cell.number_format == KT1
        assert ws.column_dimensions["A"].width > 0
    for name in ("Dependence", "Flows", "Imports", "Capacity", "Costs"):
        assert wb[name].tables, name


def test_charts_and_flow_pictures_are_embedded(case) -> None:
    _, result = case
    with zipfile.ZipFile(result.report) as z:
        names = z.namelist()
        charts = [n for n in names if n.startswith("xl/charts/chart")]
        pictures = [n for n in names if n.startswith("xl/media/") and n.endswith(".png")]
        first = z.read("xl/charts/chart1.xml").decode()
    # Summary (1: dependence; capacity is charted per metal on Capacity by stage, where a
    # stage of iron no longer flattens copper and lithium), capacity by stage, costs (1)
    assert len(charts) == 2 + len(result.data.metals)
    assert "Dependence" in first  # the dependence chart reads the Dependence sheet
    assert len(pictures) == len(result.data.metals)


def test_flow_html_has_every_metal_and_year(case) -> None:
    _, result = case
    (html,) = result.report_files
    assert html == companion_html(result.report)
    text = html.read_text(encoding="utf-8")
    payload = text.split("const DIAGRAMS = ", 1)[1].split(";\n", 1)[0]
    diagrams = json.loads(payload.replace("<\\/", "</"))
    assert set(diagrams) == set(result.data.metals)
    for metal, entry in diagrams.items():
        assert set(entry["years"]) == {str(y) for y in result.data.years}, metal
        for svg in entry["years"].values():
            ET.fromstring(svg)  # well-formed


def test_sankey_links_balance(case) -> None:
    """Everything flowing into "Use" is the national demand; mining leaves in full."""
    _, result = case
    results, data = result.results, result.data
    for metal in data.metals:
        for year in data.years:
            links = flow_links(results, data, metal, year)
            demand = results.demand
            wanted = demand[(demand["metal"] == metal) & (demand["year"] == year)]["value"].sum()
            into_use = sum(k.value for k in links if k.target == "Use")
            assert into_use == pytest.approx(wanted, rel=1e-3)
            act = results.activity
            mined = act[
                (act["metal"] == metal) & (act["year"] == year) & (act["process"] == "mining")
            ]["value"].sum()
            out_of_mining = sum(k.value for k in links if k.source == "Mining")
            assert out_of_mining == pytest.approx(mined, rel=1e-3, abs=1e-6)


def test_overwrite_refused_and_input_never_written(case, tmp_path) -> None:
    workbook, result = case
    before = _sha(result.report)
    with pytest.raises(OutputError, match="--overwrite"):
        write_report(result.results, result.data, result.outcome, result.report)
    assert _sha(result.report) == before
    # the input workbook is refused as a target, even with overwrite
    source = _sha(workbook)
    with pytest.raises(OutputError, match="input workbook"):
        write_report(result.results, result.data, result.outcome, workbook, overwrite=True)
    with pytest.raises(OutputError, match="input workbook"):
        run(workbook, workbook, overwrite=True)
    assert _sha(workbook) == source
    # refused before any solving: a report that exists stops the run at once
    with pytest.raises(OutputError, match="exists"):
        run(workbook, result.report)


def test_crash_while_building_keeps_old_report(case, tmp_path) -> None:
    _, result = case
    target = tmp_path / "report.xlsx"
    shutil.copy(result.report, target)
    before, listing = _sha(target), sorted(tmp_path.iterdir())
    broken = dataclasses.replace(
        result.results, capacity=result.results.capacity.drop(columns="new")
    )
    with pytest.raises(KeyError):
        write_report(broken, result.data, result.outcome, target, overwrite=True)
    assert _sha(target) == before
    assert sorted(tmp_path.iterdir()) == listing  # no temporary file left behind


def _lock(path: Path) -> bool:
    """Make ``path`` immutable (chattr +i): replacing it then fails with EPERM, as a file
    open in Excel does on Windows. False where the file system or user cannot."""
    if shutil.which("chattr") is None:
        return False
    done = subprocess.run(["chattr", "+i", str(path)], capture_output=True)
    return done.returncode == 0


@pytest.mark.slow
def test_locked_target_keeps_new_report_under_another_name(case, tmp_path) -> None:
    _, result = case
    target = tmp_path / "report.xlsx"
    shutil.copy(result.report, target)
    before = _sha(target)
    if not _lock(target):
        pytest.skip("chattr +i is not available here (needs root on ext4/xfs/btrfs)")
    try:
        written = write_report(result.results, result.data, result.outcome, target, overwrite=True)
    finally:
        subprocess.run(["chattr", "-i", str(target)], check=True)
    assert written.path == tmp_path / "report (1).xlsx"
    assert "locked" in written.note and written.path.name in written.note
    assert _sha(target) == before
    assert load_workbook(written.path, read_only=True).sheetnames[0] == "Summary"
    assert written.companions == (tmp_path / "report (1)_flows.html",)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def _impossible_reserve(folder: Path) -> Path:
    sheets = minimal_sheets()
    match = {"metal": "Cu", "region": "East", "parameter": "reserve_days"}
    set_cell(sheets, "reserves", match, "value", 3650)  # ten years of demand in stock
    return write_workbook(folder / "impossible.xlsx", sheets)


@pytest.mark.slow
def test_failed_run_writes_report_marked_not_optimal(tmp_path) -> None:
    workbook = _impossible_reserve(tmp_path)
    target = tmp_path / "report.xlsx"
    write_tables({"old": pd.DataFrame({"objective": [123.0]})}, target)
    stale = companion_html(target)
    stale.write_text("old diagrams")
    with pytest.raises(InfeasibleError) as error:
        run(workbook, target, overwrite=True)
    assert error.value.report == target
    wb = load_workbook(target, read_only=True)
    assert wb.sheetnames == ["Summary", "Inputs", "Changed inputs", "Run info"]
    summary = [r or (None,) for r in wb["Summary"].iter_rows(values_only=True)]
    assert "NO OPTIMAL PLAN" in summary[0][0]
    assert any(r[0] and "no feasible plan" in str(r[0]) for r in summary)
    info = dict(r[:2] for r in wb["Run info"].iter_rows(min_row=2, values_only=True))
    assert info["status"].startswith("NOT OPTIMAL (infeasible")
    assert not any(str(k).startswith("solver objective") for k in info)
    assert not any(isinstance(v, float) for r in summary for v in r)  # no numbers at all
    # the old "report" did not list this file as its companion: msc did not write it, so
    # it is not msc's to delete (a real report's diagrams are: see test_side_tables.py)
    assert stale.read_text() == "old diagrams"


@pytest.mark.slow
def test_solver_stopped_early_writes_report_and_reraises(tmp_path) -> None:
    workbook = write_workbook(tmp_path / "case.xlsx", minimal_sheets())
    profile = tmp_path / "stop.txt"
    profile.write_text("presolve = off\nsimplex_iteration_limit = 0\n")
    target = tmp_path / "report.xlsx"
    with pytest.raises(SolveError) as error:
        run(workbook, target, profile=str(profile))
    assert not isinstance(error.value, InfeasibleError)
    info = pd.read_excel(target, sheet_name="Run info").set_index("item")["value"]
    assert info["status"] == "NOT OPTIMAL (iteration_limit): no results"
    assert info["input SHA-256"] == _sha(workbook)


@pytest.mark.slow
def test_inputs_sheet_marks_the_changed_cell(case, tmp_path) -> None:
    reference, _ = case
    sheets = minimal_sheets()
    match = {"metal": "Li", "region": "West", "year": 2027}
    where = set_cell(sheets, "demand", match, "value", 14)  # 13 in the reference
    changed = write_workbook(tmp_path / "changed.xlsx", sheets)
    target = tmp_path / "report.xlsx"
    run_changed = run(changed)
    write_report(
        run_changed.results, run_changed.data, run_changed.outcome, target, reference=reference
    )
    listed = pd.read_excel(target, sheet_name="Changed inputs")
    assert len(listed) == 1
    row = listed.iloc[0]
    assert f"{row['sheet']}!{row['cell']}" == where
    assert (row["value in this run"], row["default value"]) == (14, 13)
    # the same cell is marked on the Inputs sheet, and only that one
    ws = load_workbook(target)["Inputs"]
    marked = [c for r in ws.iter_rows() for c in r if c.fill.fgColor.rgb == "00FFF2A8"]
    assert [c.value for c in marked] == [14]
    # without a reference the sheet says so instead of failing
    bare = tmp_path / "bare.xlsx"
    write_report(run_changed.results, run_changed.data, run_changed.outcome, bare, reference=None)
    note = pd.read_excel(bare, sheet_name="Changed inputs")
    assert note.iloc[0, 0].startswith("No default workbook")


def _title(report: Path) -> str:
    return load_workbook(report, read_only=True)["Summary"]["A1"].value


def test_title_names_the_case_from_its_setting_else_its_file(case, tmp_path) -> None:
    _, result = case  # case.xlsx has no case_name: the title is the file's stem in words
    assert _title(result.report) == "Mineral supply chain plan: Case"
    sheets = minimal_sheets()
    add_row(sheets, "settings", {"parameter": "case_name", "value": "Copper belt, 2024–2027"})
    named = run(write_workbook(tmp_path / "case_b.xlsx", sheets), tmp_path / "named.xlsx")
    assert _title(named.report) == "Mineral supply chain plan: Copper belt, 2024–2027"
    info = pd.read_excel(named.report, sheet_name="Run info").set_index("item")["value"]
    assert info["case"] == "Copper belt, 2024–2027"
    assert info["input file"] == "case_b.xlsx"


def test_text_starting_with_equals_stays_text(case, tmp_path) -> None:
    _, result = case
    tables = dict(result.data.tables)
    tables["modes"] = tables["modes"].assign(note='=HYPERLINK("http://x")')
    data = dataclasses.replace(result.data, tables=tables)
    target = tmp_path / "report.xlsx"
    write_report(result.results, data, result.outcome, target, reference=None)
    ws = load_workbook(target)["Inputs"]
    cells = [c for r in ws.iter_rows() for c in r if c.value == '=HYPERLINK("http://x")']
    assert cells and all(c.data_type == "s" for c in cells)


def test_flow_year_outside_horizon_is_refused_before_solving(case, tmp_path) -> None:
    workbook, _ = case
    with pytest.raises(OutputError, match="flow-year 1990"):
        run(workbook, tmp_path / "r.xlsx", flow_year=1990)
    assert not (tmp_path / "r.xlsx").exists()


def test_sheet_writer_rejects_long_names() -> None:
    from openpyxl import Workbook

    with pytest.raises(ValueError, match="31"):
        SheetWriter(Workbook(write_only=True), "x" * 32, [10])


@pytest.mark.parametrize(
    ("base", "final", "target", "expected"),
    [
        (0.74, 0.52, 0.55, "falls from 74 % in 2024 to 52 % in 2040, below the 55 % target."),
        (0.40, 0.60, 0.55, "rises from 40 % in 2024 to 60 % in 2040, above the 55 % target"),
        (0.70, 0.616, 0.62, "to 61.6 % in 2040, below the 62.0 % target."),
        (0.70, 0.6200001, 0.62, "at the 62 % target."),
        (0.50, 0.502, math.nan, "stays at about 50 % from 2024 to 2040; no target is set"),
    ],
)
def test_dependence_sentence(base, final, target, expected) -> None:
    s = MetalSummary("Cu", "copper", 2024, 2040, base, final, target, "", math.nan)
    text = dependence_sentence(s)
    assert text.startswith("Copper import dependence")
    assert expected in text


def test_retirements_count_existing_vintages_and_builds(tmp_path) -> None:
    """Copper recycling in East (100 kt/yr) retires after 2025: 100 kt/yr leaves in 2026;
    every later year obeys total[t] = total[t−1] + new[t] − retired[t] + commissioned[t]."""
    from msc_model.report.tables import capacity_table

    sheets = minimal_sheets()
    match = {"metal": "Cu", "process": "recycling", "region": "East"}
    set_cell(sheets, "existing_capacity", match, "retirement_year", 2025)
    result = run(write_workbook(tmp_path / "case.xlsx", sheets))
    cap = capacity_table(result.results, result.data)
    plant = cap[(cap.metal == "Cu") & (cap.process == "recycling") & (cap.region == "East")]
    retired = dict(zip(plant.year, plant.retired, strict=True))
    assert math.isnan(retired[2024])  # the model does not know the year before
    assert retired[2026] == pytest.approx(100.0)
    for _, group in cap.groupby(["metal", "process", "region"]):
        g = group.sort_values("year")
        commissioned = g.residual.diff().clip(lower=0.0)
        expected = g.total.shift(1) + g.new - g.retired + commissioned
        assert (g.total - expected).iloc[1:].abs().max() < 1e-6


def test_report_gets_ordinary_file_permissions(case) -> None:
    """The temporary file is private (0600); the report must not stay so."""
    import os

    _, result = case
    mask = os.umask(0)
    os.umask(mask)
    for path in (result.report, *result.report_files):
        assert path.stat().st_mode & 0o777 == 0o666 & ~mask


def test_a_run_of_an_edited_default_lists_the_edit_from_the_diff_made_beside_the_solve(
    tmp_path,
) -> None:
    """The pipeline compares with the default workbook and writes the Inputs sheets in a
    thread while HiGHS solves (``pipeline._Beside``); the report must list the one edited
    cell, mark it on Inputs, and be the workbook ``write_report`` makes in one go."""
    from msc_model.shipped import default_workbook

    book = load_workbook(default_workbook())
    ws = book["demand"]
    header = next(r for r in ws.iter_rows() if "value" in [c.value for c in r])
    column = [c.value for c in header].index("value")
    cell = next(
        row[column]
        for row in ws.iter_rows(min_row=header[0].row + 1)
        if isinstance(row[column].value, int | float) and row[column].value > 0
    )
    before = cell.value
    cell.value = before * 1.1
    edited = tmp_path / "edited.xlsx"
    book.save(edited)
    result = run(edited, tmp_path / "report.xlsx")
    listed = pd.read_excel(result.report, sheet_name="Changed inputs")
    assert len(listed) == 1
    row = listed.iloc[0]
    assert (row["sheet"], row["cell"]) == ("demand", cell.coordinate)
    assert math.isclose(row["value in this run"], before * 1.1)
    assert math.isclose(row["default value"], before)
    # the same report written after the solve, Inputs sheets and all
    again = write_report(result.results, result.data, result.outcome, tmp_path / "again.xlsx")
    ahead, after = load_workbook(result.report), load_workbook(again.path)
    assert ahead.sheetnames == after.sheetnames
    assert ahead.sheetnames[0] == "Summary"
    assert ahead.sheetnames[-3:] == ["Inputs", "Changed inputs", "Run info"]

    def cells(ws):
        return [
            [(c.value, c.fill.fgColor.rgb if c.fill.fill_type else None) for c in row]
            for row in ws.iter_rows()
        ]

    for name in ("Inputs", "Changed inputs"):
        assert cells(ahead[name]) == cells(after[name]), name
    marked = [
        c.value for row in ahead["Inputs"].iter_rows() for c in row
        if c.fill.fill_type and c.fill.fgColor.rgb == "00" + CHANGED_FILL.fgColor.rgb[-6:]
    ]  # fmt: skip
    assert marked == [pytest.approx(before * 1.1)]
