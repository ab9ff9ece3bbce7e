"""Charts of the comparison workbook: dependence per metal and plan cost, per scenario.

The side-by-side Indicators table holds hundreds of rows (every indicator, metal and
year); a reader comparing scenarios wants two pictures: how dependent each metal ends up
in the final year, and what each plan costs. Both are drawn from a small table on the
Charts sheet, so the chart data is visible and printable beside the charts.
"""

from __future__ import annotations

import pandas as pd
from openpyxl.chart import BarChart, Reference, Series

#: columns of the Indicators table that are not cases
_KEYS = ("indicator", "metal", "year", "unit")


def cases(indicators: pd.DataFrame) -> list[str]:
    """The case columns of the side-by-side table: base, then each scenario (no deltas)."""
    return [c for c in indicators.columns if c not in _KEYS and not str(c).endswith(" - base")]


def compare_chart_table(indicators: pd.DataFrame) -> pd.DataFrame:
    """Final-year dependence per metal and the plan cost, one column per case."""
    names = cases(indicators)
    dep = indicators[indicators["indicator"] == "dependence"]
    if dep["year"].notna().any():
        dep = dep[dep["year"] == dep["year"].max()]
    cost = indicators[indicators["indicator"] == "plan_cost"]
    table = pd.concat([dep, cost], ignore_index=True)
    return table[[*_KEYS, *names]].reset_index(drop=True)


def compare_charts(ws, frame: pd.DataFrame) -> None:
    """Two clustered bar charts right of the Charts sheet's table."""
    names = cases(frame)
    first_case = list(frame.columns).index(names[0]) + 1
    last_case = first_case + len(names) - 1
    anchor = ws.cell(1, last_case + 2).column_letter
    dep_rows = (frame["indicator"] == "dependence").to_numpy().nonzero()[0]
    if len(dep_rows):
        first, last = int(dep_rows[0]) + 2, int(dep_rows[-1]) + 2
        chart = BarChart()
        chart.type = "col"
        year = frame["year"].iloc[int(dep_rows[0])]
        chart.title = "Dependence per metal" + ("" if pd.isna(year) else f", {int(year)}")
        chart.y_axis.title = "dependence (%)"
        chart.y_axis.numFmt = "0%"
        for col in range(first_case, last_case + 1):
            values = Reference(ws, min_col=col, min_row=first, max_row=last)
            chart.series.append(Series(values, title=str(ws.cell(1, col).value)))
        chart.set_categories(Reference(ws, min_col=2, min_row=first, max_row=last))
        chart.height, chart.width = 8, 16
        ws.add_chart(chart, f"{anchor}2")
    cost_rows = (frame["indicator"] == "plan_cost").to_numpy().nonzero()[0]
    if len(cost_rows):
        row = int(cost_rows[0]) + 2
        chart = BarChart()
        chart.type = "col"
        chart.title = "Plan cost per scenario"
        chart.y_axis.title = "bn USD, present value"
        chart.legend = None
        values = Reference(ws, min_col=first_case, max_col=last_case, min_row=row, max_row=row)
        chart.add_data(values, from_rows=True, titles_from_data=False)
        chart.set_categories(Reference(ws, min_col=first_case, max_col=last_case, min_row=1))
        chart.height, chart.width = 8, 16
        ws.add_chart(chart, f"{anchor}20")
