"""The resilience workbook: stress tests (one row per shock, with a chart) and, for a
shock-aware run, the comparison with the ordinary plan.

Written as its own xlsx (the results workbook of ``msc run -o`` is left to
``msc_model.report``), atomically through :func:`msc_model.report.writer.save_workbook`.
Its ``Capacity`` and ``Reserves`` sheets are the stress-tested plan's, in the tidy layout of
the results workbook, so the file can be given back to ``msc stress --plan``. Numbers are
shown in natural units as each table is written (:func:`_reader`; the tables
:class:`StressReport` and :class:`Comparison` return keep kt and MUSD): money in bn USD
(:func:`msc_model.report.natural.money_frame`), the tonnes of a row in its metal's unit
(iron in Mt, copper and lithium in kt), its header naming the rule ("Reserve drawn (Fe Mt;
Cu, Li kt)") and its ``unit`` column, where it has one, the row's unit ("Mt/yr" on iron
rows: ``msc stress --plan`` converts it back). Tonnes added across metals (the unmet demand
and reserve drawn of a whole shock or plan) are left out of the reader's tables: each
metal's are on the per-metal sheets and in the charts, one chart a unit.
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
    "expected_lost_value": "bn USD, undiscounted",
    "worst_lost_value": "bn USD, undiscounted",
    "hinterland_backup": "kt/yr",
    "hinterland_smelting": "kt/yr",
    "hinterland_processing": "kt/yr",
    "extra_hinterland_backup": "kt/yr",
    "unmet_avoided_per_musd": "kt per bn USD",
    "recovery_years": "years",
}
#: columns of tables without a metal column that add tonnes across metals: not shown
#: (the same per metal: Resilience by metal, Scenarios by metal, Plan holdings)
ACROSS_METALS = {
    "Resilience": ("unmet_total", "extra_unmet", "reserve_drawn"),
    "Plan comparison": ("expected_unmet", "worst_unmet"),
    "Scenarios": ("unmet", "extra_unmet", "reserve_drawn"),
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
        "Resilience": summary.drop(columns=list(ACROSS_METALS["Resilience"])),
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
    gains = comparison.gains()
    # the total row keeps the extra normal cost; its unmet demand avoided added iron to
    # lithium, and so did the ratio of it to the cost (kt per bn USD): not shown
    gains.loc[gains["metal"] == "all", "unmet_avoided"] = math.nan
    return {
        "Plan comparison": comparison.plans().drop(columns=list(ACROSS_METALS["Plan comparison"])),
        "Plan holdings": comparison.holdings(),
        "What it buys": gains.drop(columns="unmet_avoided_per_musd"),
        "Scenarios": comparison.scenarios().drop(columns=list(ACROSS_METALS["Scenarios"])),
        "Scenarios by metal": comparison.by_metal().drop(columns="unit"),
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


def _header(column: str, unit: str | None = None) -> str:
    """Reader words for a column (the report's label table; an unknown id's underscores
    become spaces), with its unit in brackets (``unit``, else the column's in
    :data:`UNITS`)."""
    unit = unit or UNITS.get(column)
    words = header(column)
    if words == column and "_" in column:
        words = column.replace("_", " ")
        words = words[:1].upper() + words[1:]
    return f"{words} ({unit})" if unit and f"({unit}" not in words else words


def _reader(frame: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, str]]:
    """A table as a reader sees it, and the unit each converted column's header names.

    Money in bn USD (:func:`msc_model.report.natural.money_frame`). In a table with a
    ``metal`` column, each row's tonnes in its metal's unit: with a ``unit`` column, every
    number of a row in kt or kt/yr (:func:`msc_model.report.natural.mass_rows`: the unit
    column then says "Mt/yr" on iron rows, which ``msc stress --plan`` reads back), and
    when every row is such, the header names the rule ("Fe Mt/yr; Cu, Li kt/yr", with
    "storage" for the stock rows of the Capacity sheet); without one, the columns whose
    :data:`UNITS` are kt or kt/yr, their header naming the rule ("Fe Mt; Cu, Li kt").
    """
    frame = natural.money_frame(frame)
    units: dict[str, str] = {}
    if "metal" not in frame.columns or frame.empty:
        return frame, units
    metals = [m for m in dict.fromkeys(frame["metal"]) if isinstance(m, str) and m != "all"]
    metals.sort(key=lambda m: m not in natural.MT_METALS)  # "Fe Mt; Cu, Li kt"
    if "unit" in frame.columns:
        mass = frame["unit"].map(natural.is_mass)
        frame = natural.mass_rows(frame)
        if mass.all():
            yearly = frame["unit"].astype(str).str.endswith("/yr")
            flows = [m for m in metals if (yearly & (frame["metal"] == m)).any()]
            stocks = [m for m in metals if (~yearly & (frame["metal"] == m)).any()]
            stock = ("storage " if "process" in frame.columns else "") + natural.rule(stocks)
            text = "; ".join([natural.rule(flows, "/yr")] * bool(flows) + [stock] * bool(stocks))
            for column in frame.columns:
                if column not in natural.NOT_IN_ROW_UNIT and natural.is_number(frame[column]):
                    units[str(column)] = text
        return frame, units
    columns = [c for c in frame.columns if natural.is_mass(UNITS.get(str(c)))]
    frame = natural.per_metal(frame, columns, unit=None)
    for column in columns:
        units[str(column)] = natural.rule(metals, "/yr" if "/yr" in UNITS[str(column)] else "")
    return frame, units


def _table(sheet, frame: pd.DataFrame, first_row: int) -> None:
    """A DataFrame at ``first_row`` as a reader sees it (:func:`_reader`: money in bn USD,
    tonnes in the metal's unit): bold wrapped header (units in brackets), values with a
    number format by size (money: bn USD to ten million), column widths that fit (within
    limits)."""
    frame, units = _reader(frame)
    money = {
        j
        for j, column in enumerate(frame.columns, start=1)
        if str(column) in natural.MONEY_COLUMNS and "unit" not in frame.columns
    }
    lines = 1
    for j, column in enumerate(frame.columns, start=1):
        text = _header(str(column), units.get(str(column)))
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
    """Extra unmet demand of each metal under each shock, below the summary: a table in
    each metal's unit and a bar chart a unit (iron in Mt apart from copper and lithium)."""
    table = report.by_metal().pivot_table(
        index="case", columns="metal", values="extra_unmet", aggfunc="sum", sort=False
    )
    metals = [m for m in data.metals if m in table.columns]
    shown = pd.DataFrame(
        {_series(m): table[m] / natural.divisor(m) for m in metals}, index=table.index
    )
    charts = [
        (f"Extra unmet demand under each shock ({unit})", unit, [_series(m) for m in group])
        for unit, group in _by_unit(metals).items()
    ]
    heading = f"Extra unmet demand by metal over the horizon ({natural.rule(metals)})"
    _bar_charts(sheet, shown, heading, charts)


def _scenario_chart(sheet, comparison: Comparison) -> None:
    """Unmet demand of each metal for each plan in each scenario, below the table: a table
    in each metal's unit and a bar chart a unit."""
    table = comparison.by_metal().pivot_table(
        index="scenario", columns=["metal", "plan"], values="unmet", aggfunc="sum", sort=False
    )
    metals = [m for m in comparison.data.metals if m in table.columns.get_level_values(0)]
    plans = list(comparison.reports)
    shown = pd.DataFrame(
        {
            _series(m, plan): table[(m, plan)] / natural.divisor(m)
            for m in metals
            for plan in plans
            if (m, plan) in table.columns
        },
        index=table.index,
    )
    charts = [
        (
            f"Unmet demand: ordinary vs shock-aware plan ({unit})",
            unit,
            [_series(m, plan) for m in group for plan in plans if _series(m, plan) in shown],
        )
        for unit, group in _by_unit(metals).items()
    ]
    heading = f"Unmet demand by scenario and plan over the horizon ({natural.rule(metals)})"
    _bar_charts(sheet, shown, heading, charts)


def _series(metal: str, plan: str = "") -> str:
    """A chart table's column: "Fe (Mt)", "shock-aware, Cu (kt)"."""
    return f"{plan + ', ' if plan else ''}{metal} ({natural.mass(metal)})"


def _by_unit(metals: Sequence[str]) -> dict[str, list[str]]:
    """Metals grouped by the unit they are shown in ("Mt": [Fe], "kt": [Cu, Li]): one
    chart a unit, so that no axis mixes Mt and kt."""
    groups: dict[str, list[str]] = {}
    for metal in metals:
        groups.setdefault(natural.mass(metal), []).append(metal)
    return groups


#: rows a chart takes below the one before it (7.5 cm high at the default row height)
_CHART_ROWS = 16


def _bar_charts(
    sheet, table: pd.DataFrame, heading: str, charts: Sequence[tuple[str, str, Sequence[str]]]
) -> None:
    """Write ``table`` (rows: categories, columns: series, already in the reader's units)
    three rows below the sheet's content and, below it, one clustered column chart per
    (title, axis unit, columns) of ``charts``."""
    top = sheet.max_row + 3
    sheet.cell(top - 1, 1, heading).font = _TITLE
    _table(sheet, table.reset_index(), first_row=top)
    sheet.freeze_panes = "A2"
    if table.empty:
        return
    last = top + len(table)
    anchor = last + 2
    for title, unit, columns in charts:
        if not columns:
            continue
        chart = BarChart()
        chart.type, chart.title, chart.y_axis.title = "col", title, unit
        for column in columns:
            j = 2 + list(table.columns).index(column)
            chart.add_data(
                Reference(sheet, min_col=j, min_row=top, max_row=last), titles_from_data=True
            )
        chart.set_categories(Reference(sheet, min_col=1, min_row=top + 1, max_row=last))
        chart.width, chart.height = 18, 7.5
        sheet.add_chart(chart, f"A{anchor}")  # below the table it plots, one under another
        anchor += _CHART_ROWS
