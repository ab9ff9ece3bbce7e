"""Tables too long for an Excel sheet go whole to a Parquet file beside the report.

The shipped default case is solved once for the module (under a second); Excel's row
limit is lowered to :data:`LIMIT` where ``tidy_sheet`` reads it, so that real tables
(Flows has a few thousand rows) are "too long". Each test checks what a reader relies on:
the side file holds exactly the table, the sheet says where it is and shows as many rows
as fit, and the side files obey the report's safety rules (no silent overwrite, atomic).
"""

from __future__ import annotations

import math

import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook
from typer.testing import CliRunner

from msc_model.cli import app
from msc_model.errors import OutputError, SolveError
from msc_model.pipeline import default_workbook, run
from msc_model.report import labels, layout, natural, write_failed_report, write_report
from msc_model.report.layout import Col, SideTables, tidy_sheet
from msc_model.report.workbook import report_tables
from msc_model.report.writer import discard_workbook

#: the lowered row limit: a sheet holds LIMIT rows under its header
LIMIT = 40
#: sheet → the ReportTables field it shows, for every tidy results sheet
SHEETS = {
    "Dependence": "dependence",
    "Dependence by stage": "stages",
    "Capacity": "capacity",
    "Flows": "flows",
    "Imports": "imports",
    "Supplier concentration": "concentration",
    "Shipments": "shipments",
    "Exports": "exports",
    "Reserves": "reserves",
    "Reserve cover": "cover",
    "Recycling": "recycling",
    "Recycling rates": "rates",
    "Unmet demand": "unmet",
    "Prices": "prices",
}
FLOW_KEYS = ["metal", "form", "flow", "region", "year", "value", "unit"]


@pytest.fixture(scope="module")
def case():
    """The default workbook solved, without a report."""
    return run(default_workbook(), None)


@pytest.fixture(scope="module")
def report(case, tmp_path_factory):
    """The report of the default case written under the lowered limit, and its tables."""
    folder = tmp_path_factory.mktemp("side")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(layout, "MAX_ROWS", LIMIT)
        written = write_report(case.results, case.data, case.outcome, folder / "msc_report.xlsx")
    tables = report_tables(case.results, case.data, case.data.final_year)
    return written, tables


@pytest.fixture
def low_limit(monkeypatch):
    monkeypatch.setattr(layout, "MAX_ROWS", LIMIT)


def _same(shown: object, expected: object) -> bool:
    """A cell equals a table value: blank for NaN, floats to 1e-9 (solver dust shows as 0)."""
    if expected is None or (isinstance(expected, float) and math.isnan(expected)):
        return shown is None
    if isinstance(expected, float):
        return shown == pytest.approx(expected, rel=1e-9, abs=1e-9)
    return shown == expected


@pytest.mark.slow
def test_each_long_table_is_whole_in_its_parquet_file(report) -> None:
    written, t = report
    folder = written.path.parent
    long = {name for name, field in SHEETS.items() if len(getattr(t, field)) > LIMIT}
    assert "Flows" in long and "Unmet demand" in long  # the limit does bite
    parquet = [p for p in written.companions if p.suffix == ".parquet"]
    assert sorted(p.name for p in folder.glob("*.parquet")) == sorted(p.name for p in parquet)
    assert len(parquet) == len(long)
    flows = folder / "msc_report_table_flows.parquet"
    assert flows in parquet and flows.is_file()
    back = pd.read_parquet(flows)
    assert list(back.columns) == FLOW_KEYS  # the sheet's columns, in its order
    pd.testing.assert_frame_equal(back, t.flows[FLOW_KEYS].reset_index(drop=True))
    for name in long:
        frame = getattr(t, SHEETS[name])
        path = layout.side_table_path(written.path, name)
        assert path in parquet, name
        back = pd.read_parquet(path)
        assert len(back) == len(frame), name
        pd.testing.assert_frame_equal(back, frame[list(back.columns)].reset_index(drop=True))


def test_sheet_shows_first_rows_under_a_note_naming_the_file(report) -> None:
    written, t = report
    wb = load_workbook(written.path, read_only=True)
    assert not [n for n in wb.sheetnames if n.endswith(")")]  # no continuation sheets
    rows = list(wb["Flows"].iter_rows(values_only=True))
    # note + header + data fill the sheet exactly (at the real limit: Excel's 1,048,576)
    assert len(rows) == LIMIT + 1
    note = rows[0][0]
    assert f"has {len(t.flows):,} rows" in note
    assert f"the first {LIMIT - 1:,} are below" in note
    assert "msc_report_table_flows.parquet beside this report" in note
    assert rows[1][0] == "metal" and rows[1][5].startswith("Value (Fe Mt/yr; Cu, Li kt/yr")
    data = rows[2:]
    assert len(data) == LIMIT - 1
    # the sheet shows flows in reader words and natural units; the Parquet side file keeps
    # the ids and kilotonnes (the first test)
    head = natural.per_metal(t.flows[FLOW_KEYS].head(LIMIT - 1), ["value"])  # iron in Mt
    expected = head.assign(flow=head["flow"].map(labels.word)).itertuples(index=False, name=None)
    for shown, row in zip(data, expected, strict=True):
        assert all(_same(a, b) for a, b in zip(shown, row, strict=True)), (shown, row)
    wb.close()
    # layout needs the full reader: note font, frozen header, Excel table over shown rows
    ws = load_workbook(written.path)["Flows"]
    assert ws["A1"].font.i and ws["A1"].font.color.rgb.endswith("555555")
    assert ws.freeze_panes == "A3"
    assert ws.tables["t_Flows"].ref == f"A2:G{LIMIT + 1}"


@pytest.mark.slow
def test_summary_chart_stays_within_the_rows_shown(report) -> None:
    written, _ = report
    ws = load_workbook(written.path)["Summary"]
    refs = [
        ref.f
        for chart in ws._charts
        for series in chart.series
        for ref in (series.val.numRef, series.cat.numRef if series.cat else None)
        if ref is not None and "Dependence" in ref.f
    ]
    assert refs
    assert all(int(ref.rsplit("$", 1)[1]) <= LIMIT + 1 for ref in refs)


def test_boundary_a_table_that_fits_has_no_side_file(tmp_path, low_limit) -> None:
    frame = pd.DataFrame({"year": range(LIMIT + 1)})
    columns = {"year": Col("year")}
    side = SideTables(tmp_path / "r.xlsx")
    wb = Workbook(write_only=True)
    try:
        fits = tidy_sheet(wb, "Fits", frame.head(LIMIT), columns, side=side)
        assert (fits.header_row, fits.last_row) == (1, LIMIT + 1) and not side.frames
        long = tidy_sheet(wb, "Long", frame, columns, side=side)
        assert (long.header_row, long.last_row) == (2, LIMIT + 1)
        assert list(side.frames) == [tmp_path / "r_table_long.parquet"]
        with pytest.raises(OutputError, match="'Orphan' has 41 rows"):
            tidy_sheet(wb, "Orphan", frame, columns)  # nowhere to go: never truncated
    finally:
        discard_workbook(wb)


@pytest.mark.slow
def test_existing_side_file_refused_then_replaced_with_overwrite(case, tmp_path, low_limit):
    target = tmp_path / "msc_report.xlsx"
    old = tmp_path / "msc_report_table_flows.parquet"
    old.write_bytes(b"an earlier run")
    listing = sorted(tmp_path.iterdir())
    with pytest.raises(OutputError, match=r"msc_report_table_flows\.parquet exists"):
        write_report(case.results, case.data, case.outcome, target)
    assert sorted(tmp_path.iterdir()) == listing  # no report, no HTML, no temporary file
    assert old.read_bytes() == b"an earlier run"

    written = write_report(case.results, case.data, case.outcome, target, overwrite=True)
    assert old in written.companions and written.path == target
    flows = report_tables(case.results, case.data, case.data.final_year).flows
    pd.testing.assert_frame_equal(pd.read_parquet(old), flows[FLOW_KEYS])
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_failed_report_still_written_under_the_limit(case, tmp_path, low_limit) -> None:
    written = write_failed_report(case.data, SolveError("no plan"), tmp_path / "failed.xlsx")
    assert written.path.is_file() and not list(tmp_path.glob("*.parquet"))


@pytest.mark.slow
def test_cli_names_the_side_files(tmp_path, low_limit) -> None:
    """``msc run -o`` (in this process, so the lowered limit holds) writes the side files
    and lists each one after the report."""
    target = tmp_path / "msc_report.xlsx"
    result = CliRunner().invoke(app, ["run", "-o", str(target)])
    assert result.exit_code == 0, result.output
    text = "".join(result.output.split())  # the console wraps long paths
    side = sorted(tmp_path.glob("msc_report_table_*.parquet"))
    assert tmp_path / "msc_report_table_flows.parquet" in side
    for path in side:
        assert f"fulltable(toolongforanExcelsheet):{path}" in text


@pytest.mark.slow
def test_overwrite_removes_only_side_files_the_earlier_report_listed(case, tmp_path) -> None:
    """A table that fit this time leaves no side file of an earlier, longer run behind
    (with --overwrite; a failed run's report removes them too), but a file msc did not
    write is never deleted, however much its name looks like a side file."""
    target = tmp_path / "msc_report.xlsx"
    old = tmp_path / "msc_report_table_flows.parquet"
    mine = tmp_path / "msc_report_table_mine.parquet"  # the user's: never listed
    other = tmp_path / "other_table_flows.parquet"  # another report's: never touched
    for path in (mine, other):
        pd.DataFrame({"value": [1.0]}).to_parquet(path)
    with pytest.MonkeyPatch.context() as patch:  # the earlier, longer run
        patch.setattr(layout, "MAX_ROWS", LIMIT)
        earlier = write_report(case.results, case.data, case.outcome, target)
    assert old in earlier.companions and old.is_file()
    written = write_report(case.results, case.data, case.outcome, target, overwrite=True)
    assert written.companions == (tmp_path / "msc_report_flows.html",)
    assert not old.exists() and mine.exists() and other.exists()

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(layout, "MAX_ROWS", LIMIT)
        write_report(case.results, case.data, case.outcome, target, overwrite=True)
    assert old.is_file()
    write_failed_report(case.data, SolveError("no plan"), target, overwrite=True)
    assert not old.exists() and not (tmp_path / "msc_report_flows.html").exists()
    assert mine.exists() and other.exists()
