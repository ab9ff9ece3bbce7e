"""``write_report`` and ``write_failed_report``: the policy report of one run.

Order of work, chosen for safety: check the targets (never an input of the run, never an
existing file without ``overwrite``), compute every table, build the whole workbook in
memory (write-only sheets stream to openpyxl's own temporary files), then write the
report, its flow diagram HTML and its Parquet side tables to temporary files and swap
them in as one unit (:class:`msc_model.safety.OutputUnit`). Anything that fails before
the swap leaves every old file as it was. With ``overwrite``, companions the old report
listed and this one does not write are removed; nothing else is.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from openpyxl import Workbook

from msc_model import indicators
from msc_model.data import ModelData
from msc_model.errors import OutputError
from msc_model.report import tables as tb
from msc_model.report.companions import companion_html, listed_companions, mark_companions
from msc_model.report.front import (
    fill_failed_summary,
    fill_findings,
    fill_summary,
    open_summary,
)
from msc_model.report.glossary import glossary_sheet
from msc_model.report.inputs_diff import InputDiff, compare_inputs, default_reference
from msc_model.report.layout import SideTables
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
from msc_model.report.writer import WriteOutcome, check_target, discard_workbook, stage_workbook
from msc_model.results import Results
from msc_model.safety import OutputUnit

#: compare inputs with the shipped default workbook (when it exists)
DEFAULT = "default"


__all__ = [
    "InputSheets",
    "check_flow_year",
    "companion_html",
    "input_sheets",
    "protected",
    "write_failed_report",
    "write_report",
]


def protected(data: ModelData) -> tuple[str, ...]:
    """Every input file of the run (main workbook, scenario file): never written."""
    provenance = getattr(data, "provenance", None)
    inputs = tuple(provenance.inputs) if provenance is not None else ()
    return tuple(p for p in (data.source, *inputs) if p)


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


def input_diff(data: ModelData, reference: Path | str | None = DEFAULT) -> InputDiff:
    """The comparison of the inputs with ``reference`` that :func:`write_report` shows
    (Inputs marked in yellow, Changed inputs): reading the reference workbook is the
    slow part, so a caller may make it ahead of the report."""
    return compare_inputs(data, _reference(reference))


@dataclass
class InputSheets:
    """A report workbook begun before the solution exists: the Inputs echo and Changed
    inputs sheets, the only ones that need none, already written (:func:`input_sheets`).
    :func:`write_report` finishes it; :meth:`discard` throws it away unused."""

    wb: Workbook
    diff: InputDiff

    def discard(self) -> None:
        discard_workbook(self.wb)


@contextmanager
def _discarded_on_error(inputs: InputSheets | None) -> Iterator[None]:
    """Throw ``inputs`` away if the block fails before the report takes them over."""
    try:
        yield
    except BaseException:
        if inputs is not None:
            inputs.discard()
        raise


def input_sheets(data: ModelData, reference: Path | str | None = DEFAULT) -> InputSheets:
    """Compare the inputs with ``reference`` and write the report's Inputs and Changed
    inputs sheets into a new workbook, ahead of the rest of the report.

    The pipeline calls this in a thread while HiGHS solves (HiGHS releases the GIL): at
    31 regions × 2050 it is ~0.3 s of reading the reference and ~0.5 s of writing 45k
    input cells that would otherwise follow the solve.
    """
    diff = input_diff(data, reference)
    wb = Workbook(write_only=True)
    try:
        inputs_sheets(wb, data, diff)
    except BaseException:
        discard_workbook(wb)
        raise
    return InputSheets(wb, diff)


def _to_end(wb: Workbook, *titles: str) -> None:
    """Move the sheets ``titles`` to the end of ``wb``, in that order."""
    for title in titles:
        wb.move_sheet(title, len(wb.worksheets) - 1 - wb.sheetnames.index(title))


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
    inputs: InputSheets | None = None,
) -> Workbook:
    """The complete report workbook (not yet saved).

    Tables too long for a sheet are registered with ``side``, to be written beside the
    report; without it such a table raises :class:`~msc_model.errors.OutputError`.
    ``inputs`` is the workbook begun with the Inputs sheets (compared with its own
    reference, ``reference`` unused), when already made; it is finished here.
    """
    with _discarded_on_error(inputs):
        t = report_tables(results, data, flow_year, side)
    if inputs is None:
        diff, wb = compare_inputs(data, reference), Workbook(write_only=True)
    else:
        diff, wb = inputs.diff, inputs.wb
    try:
        summary = open_summary(wb, data)
        fill_findings(wb, t)
        dependence = dependence_sheets(wb, t)
        capacity_sheets(wb, t)
        flow_sheets(wb, t)
        trade_sheets(wb, t)
        security_sheets(wb, t)
        cost_sheet(wb, t)
        prices_sheet(wb, t)
        glossary_sheet(wb)
        if inputs is None:
            inputs_sheets(wb, data, diff)
        else:  # written first, while HiGHS solved; they belong before Run info
            _to_end(wb, "Inputs", "Changed inputs")
        info = run_info(
            data,
            outcome,
            timings,
            reference=diff.reference,
            reference_sha256=diff.reference_sha256,
        )
        run_info_sheet(wb, info)
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
    inputs: InputSheets | None = None,
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
        Replace an existing report (and its HTML and Parquet side files; companions the
        earlier report listed that this one does not write are removed, nothing else).
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
    inputs
        The report begun with its Inputs sheets by :func:`input_sheets` (compared with
        the reference given there; ``reference`` is then unused), when the caller made
        it beforehand (the pipeline does, beside the solve); else they are made here.
        Consumed either way: finished into the report or, on an error, discarded.

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
    with _discarded_on_error(inputs):
        protect = protected(data)
        path = check_target(path, overwrite=overwrite, protect=protect)
        html_path = check_target(companion_html(path), overwrite=overwrite, protect=protect)
        year = check_flow_year(data, flow_year)
        side = SideTables(path, overwrite=overwrite, protect=protect)
        diagrams = {
            m: {y: diagram_for(results, data, m, y) for y in data.years if y >= data.base_year}
            for m in data.metals
        }
        page = render_html(  # before the workbook: nothing is left open if this fails
            diagrams,
            data.metal_names,
            title=f"Flow diagrams: {Path(data.source).name if data.source else 'case'}",
            start_year=year,
        )
    wb = build_report(
        results,
        data,
        outcome,
        dict(timings or {}),
        flow_year=year,
        reference=_reference(reference),
        side=side,
        policy=policy,
        inputs=inputs,
    )
    mark_companions(wb, [html_path, *side.frames])
    with OutputUnit(overwrite=overwrite, protect=protect) as unit:
        _stage_report(unit, wb, path)
        unit.stage(
            html_path,
            lambda tmp: tmp.write_text(page, encoding="utf-8"),
            follow=companion_html,
        )
        tables = side.stage(unit)
        _remove_unlisted(unit, path, overwrite, keep=[html_path, *tables])
        written, html, *_ = unit.commit()
    return WriteOutcome(written.path, written.note, (html.path, *tables))


def _stage_report(unit: OutputUnit, wb, path: Path) -> None:
    try:
        stage_workbook(unit, wb, path)
    except BaseException:
        discard_workbook(wb)
        raise


def _remove_unlisted(unit: OutputUnit, path: Path, overwrite: bool, keep: list[Path]) -> None:
    """With ``overwrite``, remove (after the swap) the companions the old report listed
    that this one does not write: they would sit beside it as if current."""
    if overwrite and path.is_file():
        for old in listed_companions(path):
            if old not in keep:
                unit.remove_after(old)


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
    ``overwrite``, the flow diagram HTML and Parquet side tables the old report listed are
    removed, so that no stale result sits next to a report that has no plan.

    Raises
    ------
    OutputError
        As :func:`write_report`.
    """
    protect = protected(data)
    path = check_target(path, overwrite=overwrite, protect=protect)
    diff = compare_inputs(data, _reference(reference))
    wb = Workbook(write_only=True)
    try:
        summary = open_summary(wb, data)
        inputs_sheets(wb, data, diff)
        run_info_sheet(
            wb,
            run_info(
                data,
                None,
                dict(timings or {}),
                error=error,
                reference=diff.reference,
                reference_sha256=diff.reference_sha256,
            ),
        )
        fill_failed_summary(summary, data, error, diagnosis)
        mark_companions(wb, [])
    except BaseException:
        discard_workbook(wb)
        raise
    with OutputUnit(overwrite=overwrite, protect=protect) as unit:
        _stage_report(unit, wb, path)
        _remove_unlisted(unit, path, overwrite, keep=[])
        (written,) = unit.commit()
    return WriteOutcome(written.path, written.note)
