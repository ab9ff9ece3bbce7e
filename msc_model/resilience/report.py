"""The resilience workbook: stress tests (one row per shock, with a chart) and, for a
shock-aware run, the comparison with the ordinary plan.

Written as its own xlsx (the results workbook of ``msc run -o`` is left to
``msc_model.report``), atomically through :func:`msc_model.report.writer.save_workbook`.
Its ``Capacity`` and ``Reserves`` sheets are the stress-tested plan's, in the tidy layout of
the results workbook, so the file can be given back to ``msc stress --plan``. Money is shown
in bn USD: every table passes through :func:`msc_model.report.natural.money_frame` as it is
written (the tables :class:`StressReport` and :class:`Comparison` return keep MUSD).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.chart import BarChart, Reference
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from msc_model.data import ModelData
from msc_model.report import natural
from msc_model.report.labels import header, word
from msc_model.report.writer import WriteOutcome, check_target, save_workbook
from msc_model.resilience.compare import Comparison
from msc_model.resilience.indicators import resilience_indicators
from msc_model.resilience.stress import StressReport
from msc_model.schema import SHOCK_KINDS

#: units shown in the headers of the summary tables (the tidy sheets carry a unit column)
UNITS = {
    "unmet_total": "kt",
    "unmet": "kt",
    "extra_unmet": "kt",
    "expected_unmet": "kt",
    "worst_unmet": "kt",
    "unmet_avoided": "kt",
    "peak_unmet_share": "share of demand",
    "reserve_before": "kt",
    "reserve_drawn": "kt",
    "reserve_drawn_baseline": "kt",
    "reserve_held": "kt",
    "extra_reserve": "kt",
    "storage_built": "kt",
    "cover_before_days": "days",
    "cover_used_days": "days",
    "cover_used_days_max": "days",
    "extra_cost": "bn USD, present value",
    "extra_supply_cost": "bn USD, present value",
    "expected_cost": "bn USD, present value",
    "normal_cost": "bn USD, present value",
    "cost": "bn USD, present value",
    "extra_normal_cost": "bn USD, present value",
    "hinterland_backup": "kt/yr",
    "hinterland_smelting": "kt/yr",
    "hinterland_processing": "kt/yr",
    "extra_hinterland_backup": "kt/yr",
    "unmet_avoided_per_musd": "kt per bn USD",
    "recovery_years": "years",
}
_BOLD = Font(bold=True)
_WRAP = Alignment(wrap_text=True, vertical="top")
_TITLE = Font(bold=True, size=14)


def stress_sheets(report: StressReport, data: ModelData) -> dict[str, pd.DataFrame]:
    """Sheet name → table of a plan's stress tests, in reading order."""
    summary = report.summary().drop(columns="unit")
    indicators = resilience_indicators(report.nominal, data, report)
    shocks = pd.DataFrame(
        [
            dict(case=case.name, **{k: getattr(s, k) for k in _SHOCK_COLUMNS})
            for case in report.cases
            for s in case.shocks
        ],
        columns=["case", *_SHOCK_COLUMNS],
    )
    return {
        "Resilience": summary,
        "Resilience by metal": report.by_metal().drop(columns="unit"),
        "Resilience indicators": indicators,
        "Unmet by shock": report.unmet(),
        "Reserve use": report.reserves(),
        "Shocks": shocks,
        "Capacity": report.nominal.capacity,
        "Reserves": report.nominal.stock,
    }


_SHOCK_COLUMNS = (
    "name", "kind", "metal", "form", "origin", "region", "region_to", "mode", "process",
    "share", "multiplier", "first_year", "last_year", "source", "note",
)  # fmt: skip


def comparison_sheets(comparison: Comparison) -> dict[str, pd.DataFrame]:
    """Sheet name → table comparing the plans of a shock-aware run."""
    indicators = [
        resilience_indicators(r.nominal, comparison.data, r).assign(plan=name)
        for name, r in comparison.reports.items()
    ]
    table = pd.concat(indicators, ignore_index=True)
    return {
        "Plan comparison": comparison.plans(),
        "Plan holdings": comparison.holdings(),
        "What it buys": comparison.gains(),
        "Scenarios": comparison.scenarios(),
        "Resilience indicators": table[["plan", *table.columns[:-1]]],
    }


def write_stress_report(
    report: StressReport,
    data: ModelData,
    path: str | Path,
    *,
    overwrite: bool = False,
    comparison: Comparison | None = None,
    protect: Sequence[str | Path | None] = (),
) -> WriteOutcome:
    """Write the resilience workbook (and, with ``comparison``, the plan comparison first).

    ``protect`` names further inputs of the run (the plan workbook) never to be written.

    Raises
    ------
    OutputError
        The target exists without ``overwrite``, is an input of the run, or its folder is
        missing.
    """
    protect = (data.source, *protect)
    path = check_target(path, overwrite=overwrite, protect=protect)
    sheets = stress_sheets(report, data)
    if comparison is not None:  # its sheets first; its indicators cover both plans
        first = comparison_sheets(comparison)
        sheets = {**first, **{k: v for k, v in sheets.items() if k not in first}}
    workbook = Workbook()
    workbook.remove(workbook.active)
    for name, frame in sheets.items():
        sheet = workbook.create_sheet(name)
        _table(sheet, frame, first_row=1)
    _unmet_chart(workbook["Resilience"], report, data)
    for sheet in workbook.worksheets:  # print on pages as wide as the table
        sheet.page_setup.orientation = "landscape"
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    if comparison is not None:
        _scenario_chart(workbook["Scenarios"], comparison)
    return save_workbook(workbook, path, overwrite=overwrite, protect=protect)


def _header(column: str) -> str:
    """Reader words for a column (the report's label table; an unknown id's underscores
    become spaces), with its unit in brackets."""
    unit = UNITS.get(column)
    words = header(column)
    if words == column and "_" in column:
        words = column.replace("_", " ")
        words = words[:1].upper() + words[1:]
    return f"{words} ({unit})" if unit and f"({unit}" not in words else words


def _table(sheet, frame: pd.DataFrame, first_row: int) -> None:
    """A DataFrame at ``first_row``, money in bn USD: bold wrapped header (units in
    brackets), values with a number format by size (money: bn USD to ten million), column
    widths that fit (within limits)."""
    frame = natural.money_frame(frame)
    money = {
        j
        for j, column in enumerate(frame.columns, start=1)
        if str(column) in natural.MONEY_COLUMNS and "unit" not in frame.columns
    }
    lines = 1
    for j, column in enumerate(frame.columns, start=1):
        text = _header(str(column))
        cell = sheet.cell(first_row, j, text)
        cell.font, cell.alignment = _BOLD, _WRAP
        longest = max([len(str(v)) for v in frame.iloc[:200, j - 1]] + [8])
        letter = get_column_letter(j)
        width = max(sheet.column_dimensions[letter].width or 0, min(48, longest + 2), 10)
        sheet.column_dimensions[letter].width = width
        lines = max(lines, _lines(text, width))
    # a wrapped header needs its row tall enough: LibreOffice does not grow it on opening,
    # and the second line of "Expected cost (bn USD, present value)" overlapped the values
    sheet.row_dimensions[first_row].height = 15 * lines
    for i, row in enumerate(frame.itertuples(index=False, name=None), start=first_row + 1):
        for j, value in enumerate(row, start=1):
            _put(sheet, i, j, value)
            if j in money and isinstance(sheet.cell(i, j).value, float):
                sheet.cell(i, j).number_format = natural.money_format(
                    natural.MONEY_COLUMNS[str(frame.columns[j - 1])]
                )
    sheet.freeze_panes = sheet.cell(first_row + 1, 1)


def _lines(text: str, width: float) -> int:
    """Lines a bold header takes when wrapped at word boundaries in a column ``width``
    characters wide (bold text is about a tenth wider)."""
    room, lines, used = max(1.0, width / 1.1 - 1), 1, 0.0
    for piece in text.split():
        need = len(piece) if used == 0 else used + 1 + len(piece)
        if need <= room or used == 0:
            used = need
        else:
            lines, used = lines + 1, len(piece)
    return lines


def _put(sheet, row: int, column: int, value: object) -> None:
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        value = None
    if isinstance(value, str):
        value = word(value)  # indicator ids in reader words
        for kind in SHOCK_KINDS:  # and shock kinds inside a shock's description
            value = value.replace(kind, str(word(kind)))
    cell = sheet.cell(row, column, value)
    if isinstance(value, float):
        # shares and small masses keep decimals; large masses and money do not
        cell.number_format = "#,##0" if abs(value) >= 100 else "#,##0.00" if value else "0"
    elif isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # user text, never a formula


def _unmet_chart(sheet, report: StressReport, data: ModelData) -> None:
    """Extra unmet demand by metal for each shock, below the summary, as a bar chart."""
    table = report.by_metal().pivot_table(
        index="case", columns="metal", values="extra_unmet", aggfunc="sum", sort=False
    )
    table = table.reindex(columns=[m for m in data.metals if m in table.columns])
    _bar_chart(sheet, table, "Extra unmet demand by metal (kt over the horizon)",
               "Extra unmet demand under each shock")  # fmt: skip


def _scenario_chart(sheet, comparison: Comparison) -> None:
    """Unmet demand of each plan in each scenario, below the table, as a bar chart."""
    table = comparison.scenarios().pivot_table(
        index="scenario", columns="plan", values="unmet", aggfunc="sum", sort=False
    )
    _bar_chart(sheet, table, "Unmet demand by scenario and plan (kt over the horizon)",
               "Unmet demand: ordinary vs shock-aware plan")  # fmt: skip


def _bar_chart(sheet, table: pd.DataFrame, heading: str, title: str) -> None:
    """Write ``table`` (rows: categories, columns: series) three rows below the sheet's
    content and a clustered column chart of it to the right of the content."""
    top = sheet.max_row + 3
    sheet.cell(top - 1, 1, heading).font = _TITLE
    _table(sheet, table.reset_index(), first_row=top)
    sheet.freeze_panes = "A2"
    if table.empty:
        return
    chart = BarChart()
    chart.type, chart.title, chart.y_axis.title = "col", title, "kt"
    last = top + len(table)
    chart.add_data(
        Reference(sheet, min_col=2, max_col=1 + table.shape[1], min_row=top, max_row=last),
        titles_from_data=True,
    )
    chart.set_categories(Reference(sheet, min_col=1, min_row=top + 1, max_row=last))
    chart.width, chart.height = 18, 9
    sheet.add_chart(chart, f"A{last + 2}")  # below the table it plots
