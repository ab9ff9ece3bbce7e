"""Outputs of sweeps, trade-off curves and comparisons: tidy files and an Excel summary.

Tidy long results go to Parquet (for scripts) and CSV (for anything else). The Excel
summary is for people who read Excel: its tables and charts are written in one atomic
step. Every file goes through :mod:`msc_model.safety`; the names in a sweep folder were
claimed in its manifest before the runs started (:func:`msc_model.scenarios.store.claim`),
so a file of the user's under one of them was refused then, or the user chose
``--overwrite``.

CSV cells are neutralised by the OWASP rule against formula injection: text starting with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'``, so that a
metal named ``=HYPERLINK(...)`` is shown as text by Excel and LibreOffice. Numbers stay
numbers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

import openpyxl
import pandas as pd
from openpyxl.chart import BarChart, Reference, ScatterChart, Series

from msc_model.report import natural
from msc_model.report.compare_charts import compare_chart_table, compare_charts
from msc_model.report.labels import header, reader_frame, word
from msc_model.report.secondary import (
    curtailed_by_metal,
    format_sheet,
    is_curtailed,
    reader_sheets,
    run_info_table,
    unmet_by_case,
    unmet_by_run,
)
from msc_model.report.writer import (
    WriteOutcome,
    check_target,
    discard_workbook,
    fill_sheets,
    save_xlsx,
)
from msc_model.safety import atomic_write

#: first characters that make a spreadsheet read a CSV cell as a formula (OWASP)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> object:
    """``value`` for a CSV cell: text that could start a formula is prefixed with ``'``."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def neutralised(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` safe to open as CSV: text cells and headers by :func:`csv_safe`.

    Only text columns are touched (``object`` or string dtype), so numbers stay numeric.
    """
    clean = frame.copy()
    for column in clean.columns:
        dtype = clean[column].dtype
        if pd.api.types.is_object_dtype(dtype) or pd.api.types.is_string_dtype(dtype):
            clean[column] = clean[column].map(csv_safe)
    clean.columns = [csv_safe(str(c)) for c in clean.columns]
    return clean


def _csv(path: Path, frame: pd.DataFrame) -> None:
    """Write a neutralised CSV with RFC 4180 line ends: pandas quotes a field holding a
    lone carriage return only when CR is part of the line terminator."""
    safe = neutralised(frame)
    atomic_write(
        path, lambda tmp: safe.to_csv(tmp, index=False, lineterminator="\r\n"), overwrite=True
    )


def write_tidy(frame: pd.DataFrame, folder: str | Path, name: str = "results") -> list[Path]:
    """``<name>.parquet`` and ``<name>.csv`` in ``folder`` (names claimed beforehand)."""
    folder = Path(folder)
    paths = [folder / f"{name}.parquet", folder / f"{name}.csv"]
    clean = frame.copy()
    clean.attrs = {}  # the design lives in plan.json; keep files plain
    atomic_write(paths[0], lambda tmp: clean.to_parquet(tmp, index=False), overwrite=True)
    _csv(paths[1], clean)
    return paths


def write_sweep(frame: pd.DataFrame, runs: pd.DataFrame, folder: str | Path) -> WriteOutcome:
    """Tidy results, the runs table and ``summary.xlsx`` (tornado, Morris, Sobol)."""
    from msc_model.scenarios.sensitivity import (
        morris_indices,
        output_matrix,
        sobol_indices,
        tornado,
    )

    folder = Path(folder)
    write_tidy(frame, folder)
    _csv(folder / "runs.csv", runs)
    method = frame.attrs["sweep"]["method"]
    # the runs' curtailed supply per metal, never iron and lithium tonnes added up
    sheets: dict[str, pd.DataFrame] = {"Runs": curtailed_by_metal(runs, unmet_by_run(frame))}
    charts = {}
    if method == "oat":
        table = tornado(frame)
        sheets["Tornado"] = table
        charts["Tornado"] = _tornado_charts
    elif method == "morris":
        sheets["Morris"] = morris_indices(frame)
        charts["Morris"] = _bars("mu_star", "sigma", "Morris μ* and σ")
    elif method == "sobol":
        sheets["Sobol"] = sobol_indices(frame)
        charts["Sobol"] = _bars("S1", "ST", "Sobol indices (first order, total)")
    sheets["Outputs"] = output_matrix(frame).reset_index()
    sheets["Run info"] = run_info_table(f"sensitivity sweep ({method})", sha256=_plan_hash(folder))
    factors = [f["name"] for f in frame.attrs["sweep"]["factors"]]
    return _summary(folder / "summary.xlsx", sheets, charts, keep=factors)


def write_pareto(
    table: pd.DataFrame, results: pd.DataFrame, runs: pd.DataFrame, folder: str | Path
) -> WriteOutcome:
    """``frontier.csv``, tidy results, runs table and ``frontier.xlsx`` with the chart."""
    folder = Path(folder)
    write_tidy(results, folder)
    _csv(folder / "frontier.csv", table)
    _csv(folder / "runs.csv", runs)
    info = run_info_table("trade-off curve (cost against dependence)", sha256=_plan_hash(folder))
    unmet = unmet_by_run(results)  # curtailed supply per metal in the workbook
    return _summary(
        folder / "frontier.xlsx",
        {
            "Frontier": curtailed_by_metal(table, unmet),
            "Runs": curtailed_by_metal(runs, unmet),
            "Run info": info,
        },
        {"Frontier": _frontier_chart},
    )


def write_compare(
    sheets: Mapping[str, pd.DataFrame],
    path: str | Path,
    *,
    overwrite: bool = False,
    protect: tuple[str | Path | None, ...] = (),
) -> WriteOutcome:
    """The comparison workbook (indicators side by side with charts, changed cells, runs);
    never one of the ``protect`` files (the case workbook and the scenario file)."""
    sheets = dict(sheets)
    indicators = sheets.get("Indicators")
    draw = {}
    if indicators is not None and not indicators.empty:
        sheets = {"Indicators": indicators, "Charts": compare_chart_table(indicators), **sheets}
        draw["Charts"] = compare_charts
        if "Runs" in sheets:  # each case's curtailed supply per metal, from its indicators
            sheets["Runs"] = curtailed_by_metal(sheets["Runs"], unmet_by_case(indicators))
    workbook = next((p for p in protect if p is not None), None)
    sheets["Run info"] = run_info_table("scenario comparison", workbook)
    return _summary(path, sheets, draw, overwrite=overwrite, protect=protect)


def _plain(sheets: Mapping[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Frames in reader words, with pandas' missing markers (NA, NaT) as None, which Excel
    takes as blank."""
    out = {}
    for name, frame in sheets.items():
        shown = frame if name == "Run info" else reader_frame(frame)
        out[name] = shown.astype(object).where(shown.notna(), None)
    return out


def _plan_hash(folder: Path) -> str:
    """The input workbook's SHA-256 as the folder's ``plan.json`` recorded it."""
    try:
        return str(json.loads((folder / "plan.json").read_text()).get("workbook", ""))
    except (OSError, ValueError, AttributeError):
        return ""


# -- Excel with charts -----------------------------------------------------------------------
def _summary(
    path: str | Path,
    sheets: Mapping[str, pd.DataFrame],
    charts: Mapping,
    *,
    overwrite: bool = True,
    protect: tuple[str | Path | None, ...] = (),
    keep: tuple[str, ...] | list[str] = (),
) -> WriteOutcome:
    """The tables (streamed by openpyxl's write-only mode), then formats, print setup and
    charts on the re-opened file, all on the temporary file: one atomic write.

    Money is turned into bn USD here, once, for cells, formats and charts alike; ``keep``
    names columns that are not money whatever their name (a sweep's factors)."""
    path = check_target(path, overwrite=overwrite, protect=protect)
    sheets = reader_sheets(sheets, keep=keep)

    def save(tmp: Path) -> None:
        wb = openpyxl.Workbook(write_only=True)
        try:
            fill_sheets(wb, _plain(sheets))
        except BaseException:
            discard_workbook(wb)
            raise
        save_xlsx(wb, tmp)
        workbook = openpyxl.load_workbook(tmp)
        for name, frame in sheets.items():
            format_sheet(workbook[name], frame)
            if name in charts and not frame.empty:
                charts[name](workbook[name], frame)
        workbook.save(tmp)

    written = atomic_write(path, save, overwrite=overwrite, protect=protect, keep_locked=True)
    return WriteOutcome(written.path, written.note)


def _tornado_charts(ws, frame: pd.DataFrame) -> None:
    """One horizontal bar chart per output: change against base at each end."""
    columns = list(frame.columns)
    low_col, high_col = columns.index("delta_low") + 1, columns.index("delta_high") + 1
    factor_col = columns.index("factor") + 1
    anchor_col = openpyxl.utils.get_column_letter(len(columns) + 2)
    row = 2
    for n, (key, group) in enumerate(
        frame.groupby(["output", "metal", "year"], sort=False, dropna=False)
    ):
        first, last = row, row + len(group) - 1
        chart = BarChart()
        chart.type = "bar"
        chart.grouping = "clustered"
        chart.overlap = 100
        chart.title = f"Tornado: {_name(key)}"
        chart.x_axis.title = "factor"
        chart.y_axis.title = "change against base"
        for col, title in ((low_col, "low end"), (high_col, "high end")):
            series = Series(Reference(ws, min_col=col, min_row=first, max_row=last), title=title)
            chart.series.append(series)
        chart.set_categories(Reference(ws, min_col=factor_col, min_row=first, max_row=last))
        chart.x_axis.scaling.orientation = "maxMin"  # largest swing (first row) on top
        chart.height, chart.width = 7 + 0.4 * len(group), 16
        ws.add_chart(chart, f"{anchor_col}{2 + n * 18}")
        row = last + 1


def _name(key: tuple) -> str:
    """An output's chart title from its (output, metal, year) columns: "dependence Cu 2040"."""
    return " ".join(str(word(k)) for k in key if not pd.isna(k) and k != "all")


def _bars(first_name: str, second_name: str, title: str):
    def draw(ws, frame: pd.DataFrame) -> None:
        columns = list(frame.columns)
        if first_name not in columns:
            return
        anchor_col = openpyxl.utils.get_column_letter(len(columns) + 2)
        factor_col = columns.index("factor") + 1
        row = 2
        for n, (key, group) in enumerate(
            frame.groupby(["output", "metal", "year"], sort=False, dropna=False)
        ):
            first, last = row, row + len(group) - 1
            chart = BarChart()
            chart.type = "bar"
            chart.title = f"{title}: {_name(key)}"
            for name in (first_name, second_name):
                col = columns.index(name) + 1
                chart.series.append(
                    Series(
                        Reference(ws, min_col=col, min_row=first, max_row=last),
                        title=header(name),
                    )
                )
            chart.set_categories(Reference(ws, min_col=factor_col, min_row=first, max_row=last))
            ws.add_chart(chart, f"{anchor_col}{2 + n * 18}")
            row = last + 1

    return draw


def _frontier_chart(ws, frame: pd.DataFrame) -> None:
    """Cost against dependence for the frontier points, with the knee as its own series.

    The chart reads helper columns written beside the table (frontier points only,
    loosest first) so that dominated and failed runs stay in the table but not the line.
    """
    front = frame[frame["on_frontier"]].sort_values("dependence", ascending=False)
    if front.empty:
        return
    start = len(frame.columns) + 2
    ws.cell(1, start, "frontier dependence")
    ws.cell(1, start + 1, "frontier cost")
    ws.cell(1, start + 2, "knee cost")
    for i, point in enumerate(front.itertuples(index=False), start=2):
        ws.cell(i, start, float(point.dependence))
        ws.cell(i, start + 1, float(point.total_cost))
        ws.cell(i, start + 2, float(point.total_cost) if point.knee else None)
    last = len(front) + 1
    # runs that curtailed supply are not comparable plans: marked apart, never on the line
    cut = frame[is_curtailed(frame)].dropna(subset=["dependence", "total_cost"])
    ws.cell(1, start + 3, "curtailed dependence")
    ws.cell(1, start + 4, "curtailed runs (supply cut)")
    for i, point in enumerate(cut.itertuples(index=False), start=2):
        ws.cell(i, start + 3, float(point.dependence)).number_format = "0.0%"
        ws.cell(i, start + 4, float(point.total_cost)).number_format = natural.BN
    for i in range(2, last + 1):
        ws.cell(i, start).number_format = "0.0%"
        ws.cell(i, start + 1).number_format = natural.BN
        ws.cell(i, start + 2).number_format = natural.BN
    chart = ScatterChart()
    chart.title = "Cost against external dependence"
    chart.style = 13
    chart.x_axis.title = "dependence (%)"
    chart.y_axis.title = "whole-system cost (bn USD, present value)"
    x = Reference(ws, min_col=start, min_row=2, max_row=last)
    line = Series(
        Reference(ws, min_col=start + 1, min_row=1, max_row=last), x, title_from_data=True
    )
    line.marker.symbol = "circle"
    knee = Series(
        Reference(ws, min_col=start + 2, min_row=1, max_row=last), x, title_from_data=True
    )
    knee.marker.symbol = "diamond"
    knee.marker.size = 12
    knee.marker.graphicalProperties.solidFill = "C00000"
    knee.marker.graphicalProperties.line.solidFill = "C00000"
    knee.graphicalProperties.line.noFill = True
    chart.series += [line, knee]
    if len(cut):
        x_cut = Reference(ws, min_col=start + 3, min_row=2, max_row=len(cut) + 1)
        curtailed = Series(
            Reference(ws, min_col=start + 4, min_row=1, max_row=len(cut) + 1),
            x_cut,
            title_from_data=True,
        )
        curtailed.marker.symbol = "triangle"
        curtailed.marker.size = 9
        curtailed.marker.graphicalProperties.solidFill = "808080"
        curtailed.marker.graphicalProperties.line.solidFill = "808080"
        curtailed.graphicalProperties.line.noFill = True
        chart.series.append(curtailed)
    chart.x_axis.number_format = "0%"
    chart.height, chart.width = 10, 22
    ws.add_chart(chart, f"A{len(frame) + 4}")  # under the table: prints on the same page
