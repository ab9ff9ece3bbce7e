"""Native Excel charts (openpyxl), drawn from ranges already written in the report.

Charts reference cells, so each chart is built from a :class:`~msc_model.report.layout.Block`
(where a table landed) rather than from data: the numbers a chart shows are the numbers
in the sheet. Ranges are given as strings (``'Dependence'!$E$2:$E$18``) because
write-only worksheets cannot be read back. Axes are marked as not deleted explicitly:
openpyxl leaves ``<c:delete>`` out, and recent Excel versions then hide both axes.
"""

from __future__ import annotations

from collections.abc import Sequence

from openpyxl.chart import BarChart, LineChart, Reference, Series
from openpyxl.chart.layout import Layout, ManualLayout
from openpyxl.chart.title import title_maker
from openpyxl.utils import quote_sheetname

from msc_model.report.layout import Block

#: one colour per series position (colour-blind-safe Okabe–Ito order)
PALETTE = ("0072B2", "E69F00", "009E73", "D55E00", "CC79A7", "56B4E9", "F0E442", "000000")
WIDTH_CM = 18.0
HEIGHT_CM = 9.5
TITLE_SIZE = 1200  # hundredths of a point; the default (18 pt) dwarfs the plot


def _title(text: str):
    """A chart title in a modest bold size."""
    title = title_maker(text)
    for paragraph in title.tx.rich.paragraphs:
        paragraph.pPr.defRPr.sz = TITLE_SIZE
        paragraph.pPr.defRPr.b = True
    return title


def cells(block: Block, key: str, first: int | None = None, last: int | None = None) -> str:
    """Absolute range string of one column of a block, optionally a slice of its rows."""
    letter = block.letters[key]
    top = first if first is not None else block.first_row
    bottom = last if last is not None else block.last_row
    return f"{quote_sheetname(block.sheet)}!${letter}${top}:${letter}${bottom}"


def _axes(chart, x_title: str, y_title: str, y_format: str | None = None) -> None:
    chart.x_axis.title = x_title
    chart.y_axis.title = y_title
    chart.x_axis.delete = False
    chart.y_axis.delete = False
    if y_format:
        chart.y_axis.number_format = y_format
        chart.y_axis.numFmt.sourceLinked = False
    chart.legend.position = "b"
    chart.width, chart.height = WIDTH_CM, HEIGHT_CM
    # leave room for the legend below the plot (LibreOffice overlaps them otherwise)
    chart.plot_area.layout = Layout(ManualLayout(x=0.08, y=0.1, w=0.88, h=0.62))


def _line(series: Series, colour: str, *, dashed: bool = False) -> None:
    series.smooth = False
    series.marker.symbol = "none"
    line = series.graphicalProperties.line
    line.solidFill = colour
    line.width = 28575  # 2.25 pt in EMU
    if dashed:
        line.dashStyle = "dash"


def dependence_chart(
    block: Block, spans: Sequence[tuple[str, int, int]], final_year: int
) -> LineChart:
    """Dependence path of each metal (solid) against its target (dashed).

    ``spans`` are (metal name, first row, last row) of each metal in the Dependence sheet.
    """
    chart = LineChart()
    chart.title = _title(f"External dependence against target, to {final_year}")
    for i, (name, first, last) in enumerate(spans):
        colour = PALETTE[i % len(PALETTE)]
        path = Series(Reference(range_string=cells(block, "dependence", first, last)), title=name)
        _line(path, colour)
        target = Series(
            Reference(range_string=cells(block, "target", first, last)), title=f"{name} target"
        )
        _line(target, colour, dashed=True)
        chart.series.extend([path, target])
    if spans:
        _, first, last = spans[0]
        chart.set_categories(Reference(range_string=cells(block, "year", first, last)))
    _axes(chart, "Year", "Net imports / consumption", "0%")
    chart.y_axis.scaling.min = 0.0
    chart.y_axis.scaling.max = 1.0
    return chart


def stacked_columns(
    series: Sequence[tuple[str, str]],
    categories: str,
    *,
    title: str,
    x_title: str,
    y_title: str,
) -> BarChart:
    """Stacked column chart: one series per (range, legend name), sharing the category
    range ``categories`` (ranges from :func:`cells`)."""
    chart = BarChart()
    chart.type = "col"
    chart.grouping = "stacked"
    chart.overlap = 100
    chart.gapWidth = 60
    chart.title = _title(title)
    for i, (values, name) in enumerate(series):
        bar = Series(Reference(range_string=values), title=name)
        bar.graphicalProperties.solidFill = PALETTE[i % len(PALETTE)]
        bar.graphicalProperties.line.solidFill = PALETTE[i % len(PALETTE)]
        chart.series.append(bar)
    chart.set_categories(Reference(range_string=categories))
    _axes(chart, x_title, y_title, "#,##0")
    return chart
