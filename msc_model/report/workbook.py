"""``write_report`` and ``write_failed_report``: the policy report of one run.

Order of work, chosen for safety: check the target (never the input workbook, never an
existing file without ``overwrite``), compute every table, build the whole workbook in
memory (write-only sheets stream to openpyxl's own temporary files), then save it to a
temporary file beside the target and swap it in. Anything that fails before the swap
leaves the old report as it was. Tables too long for a sheet are registered while the
sheets are built (their side files are checked then, before anything is written) and
written to Parquet files beside the report after it is saved, each atomically too.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from openpyxl import Workbook

from msc_model import indicators
from msc_model.data import ModelData
from msc_model.errors import OutputError
from msc_model.report import tables as tb
from msc_model.report.front import fill_failed_summary, fill_summary, open_summary
from msc_model.report.inputs_diff import compare_inputs, default_reference
from msc_model.report.layout import SideTables, stale_side_tables
from msc_model.report.run_info import run_info
from msc_model.report.sankey import diagram_for
from msc_model.report.sankey_render import render_html
from msc_model.report.sheets import (
    ReportTables,
    capacity_sheets,
    cost_sheet,
    dependence_sheets,
    flow_sheets,
    inputs_sheets,
    prices_sheet,
    run_info_sheet,
    security_sheets,
    trade_sheets,
)
from msc_model.report.writer import (
    WriteOutcome,
    check_target,
    discard_workbook,
    save_atomically,
    save_workbook,
)
from msc_model.results import Results

#: compare inputs with the shipped default workbook (when it exists)
DEFAULT = "default"


def companion_html(report: Path) -> Path:
    """Where the interactive flow diagrams of a report go: ``<stem>_flows.html`` beside it."""
    return report.with_name(f"{report.stem}_flows.html")


def check_flow_year(data: ModelData, flow_year: int | None) -> int:
    """The year of the flow diagrams: ``flow_year`` if inside the horizon, else the
    final year when ``None``.

    Raises
    ------
    OutputError
        If ``flow_year`` lies outside the model years.
    """
    if flow_year is None:
        return data.final_year
    if not data.base_year <= flow_year <= data.final_year:
        raise OutputError(
            f"--flow-year {flow_year} is outside the horizon {data.base_year}–{data.final_year}"
        )
    return int(flow_year)


def _reference(reference: Path | str | None) -> Path | None:
    if reference == DEFAULT:
        return default_reference()
    return Path(reference) if reference is not None else None


def report_tables(
    results: Results, data: ModelData, flow_year: int, side: SideTables | None = None
) -> ReportTables:
    """Every table of the report, computed before anything is written.

    ``side`` takes the tables too long for a sheet (see :class:`SideTables`).
    """
    dependence = tb.dependence_table(results, data)
    split = tb.new_capacity_split(results, data)
    cover = tb.reserve_cover_table(results, data)
    rates = tb.recycling_rates(results, data)
    unmet = tb.unmet_table(results, data)
    return ReportTables(
        data=data,
        dependence=dependence,
        stages=tb.stage_table(results, data),
        capacity=tb.capacity_table(results, data),
        by_stage=tb.capacity_by_stage(results, data),
        split=split,
        flows=tb.nonzero(results.flows, data, ["metal", "form", "region", "year", "flow"]),
        imports=tb.imports_table(results, data),
        concentration=tb.concentration_table(results, data),
        shipments=tb.nonzero(
            results.shipments, data, ["metal", "form", "region_from", "region_to", "mode", "year"]
        ),
        exports=tb.nonzero(results.exports, data, ["metal", "form", "region", "year"]),
        reserves=tb.in_order(results.stock, data, ["metal", "region", "year"]),
        cover=cover,
        recycling=tb.in_order(results.scrap, data, ["metal", "region", "year"]),
        rates=rates,
        costs=results.costs,
        terms=indicators.cost_breakdown(results),
        unmet=unmet,
        summaries=tb.metal_summaries(data, dependence, split, cover, rates, unmet),
        objective=results.objective,
        flow_year=flow_year,
        diagrams={m: diagram_for(results, data, m, flow_year) for m in data.metals},
        prices=results.prices,
        timeline=tb.build_timeline(results, data),
        side=side,
    )


def build_report(
    results: Results,
    data: ModelData,
    outcome,
    timings: Mapping[str, float],
    *,
    flow_year: int,
    reference: Path | None,
    side: SideTables | None = None,
    policy=None,
) -> Workbook:
    """The complete report workbook (not yet saved).

    Tables too long for a sheet are registered with ``side``, to be written beside the
    report; without it such a table raises :class:`~msc_model.errors.OutputError`.
    """
    t = report_tables(results, data, flow_year, side)
    diff = compare_inputs(data, reference)
    wb = Workbook(write_only=True)
    try:
        summary = open_summary(wb, data)
        dependence = dependence_sheets(wb, t)
        capacity_sheets(wb, t)
        flow_sheets(wb, t)
        trade_sheets(wb, t)
        security_sheets(wb, t)
        cost_sheet(wb, t)
        prices_sheet(wb, t)
        inputs_sheets(wb, data, diff)
        run_info_sheet(wb, run_info(data, outcome, timings, reference=diff.reference))
        fill_summary(summary, t, outcome, dependence, data.source, policy)
    except BaseException:
        discard_workbook(wb)
        raise
    return wb


def write_report(
    results: Results,
    data: ModelData,
    outcome,
    path: str | Path,
    *,
    overwrite: bool = False,
    timings: Mapping[str, float] | None = None,
    flow_year: int | None = None,
    reference: Path | str | None = DEFAULT,
    policy=None,
) -> WriteOutcome:
    """Write the policy report of an optimal run, and its interactive flow diagrams.

    Parameters
    ----------
    results, data, outcome
        The run (``outcome`` is the :class:`~msc_model.solver.SolveOutcome`).
    path
        The ``.xlsx`` to write; ``<stem>_flows.html`` is written beside it, and each table
        too long for a sheet goes whole to ``<stem>_table_<sheet>.parquet``.
    overwrite
        Replace an existing report (and its HTML and Parquet side files; side files of an
        earlier report of this name that this one does not write are removed).
    timings
        Seconds per pipeline stage, for Run info.
    flow_year
        Year of the flow diagrams in the workbook (default: the final year); the HTML has
        every year.
    reference
        Workbook the Inputs are compared with: the shipped default (``"default"``), a
        path, or ``None`` for no comparison.
    policy
        The :class:`~msc_model.reference.PolicyCost` of the run: the Summary opens with
        what the policy adds against the reference plan (and with any curtailment).

    Returns
    -------
    WriteOutcome
        Where the report went (another name if the target was locked, with a note) and
        the HTML and Parquet files beside it in ``companions`` (side files keep the
        target's stem even when the report went to another name).

    Raises
    ------
    OutputError
        Target is the input workbook, a folder, or exists without ``overwrite`` (so is a
        side file that would be written); or ``flow_year`` is outside the horizon.
    """
    path = check_target(path, overwrite=overwrite, protect=[data.source])
    check_target(companion_html(path), overwrite=overwrite, protect=[data.source])
    year = check_flow_year(data, flow_year)
    side = SideTables(path, overwrite=overwrite, protect=(data.source,))
    wb = build_report(
        results,
        data,
        outcome,
        dict(timings or {}),
        flow_year=year,
        reference=_reference(reference),
        side=side,
        policy=policy,
    )
    written = save_workbook(wb, path)
    html_path = companion_html(written.path)
    diagrams = {
        m: {y: diagram_for(results, data, m, y) for y in data.years if y >= data.base_year}
        for m in data.metals
    }
    page = render_html(
        diagrams,
        data.metal_names,
        title=f"Flow diagrams: {Path(data.source).name if data.source else 'case'}",
        start_year=year,
    )
    html = save_atomically(lambda tmp: tmp.write_text(page, encoding="utf-8"), html_path, ".html")
    tables = side.save()
    if overwrite:
        for stale in stale_side_tables(path, list(side.frames)):
            stale.unlink(missing_ok=True)
    note = "; ".join(w.note for w in (written, html, *tables) if w.note)
    return WriteOutcome(written.path, note, (html.path, *(w.path for w in tables)))


def write_failed_report(
    data: ModelData,
    error: BaseException,
    path: str | Path,
    *,
    overwrite: bool = False,
    timings: Mapping[str, float] | None = None,
    diagnosis: Sequence[str] | None = None,
    reference: Path | str | None = DEFAULT,
    policy=None,
) -> WriteOutcome:
    """Write the report of a run with no optimal plan (infeasible, time limit, ...).

    It holds a Summary marked "NO OPTIMAL PLAN" with the error and the ``diagnosis``
    sentences, the Inputs, Changed inputs and Run info, and no result numbers. With
    ``overwrite``, an old ``<stem>_flows.html`` and old ``<stem>_table_*.parquet`` files
    beside the target are removed, so that no stale result sits next to a report that has
    no plan.

    Raises
    ------
    OutputError
        As :func:`write_report`.
    """
    path = check_target(path, overwrite=overwrite, protect=[data.source])
    diff = compare_inputs(data, _reference(reference))
    wb = Workbook(write_only=True)
    try:
        summary = open_summary(wb, data)
        inputs_sheets(wb, data, diff)
        run_info_sheet(
            wb, run_info(data, None, dict(timings or {}), error=error, reference=diff.reference)
        )
        fill_failed_summary(summary, data, error, diagnosis)
    except BaseException:
        discard_workbook(wb)
        raise
    written = save_workbook(wb, path)
    stale = companion_html(written.path)
    if stale.is_file() and overwrite:
        stale.unlink()
    if overwrite:
        for table in stale_side_tables(path):
            table.unlink(missing_ok=True)
    return written
