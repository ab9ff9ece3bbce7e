"""The detailed sheets of the report, one function per sheet (or pair of sheets).

Each function takes the write-only workbook and the :class:`ReportTables` of the run and
returns the blocks a chart elsewhere needs. Sheet names are at most 31 characters.
"""

from __future__ import annotations

import io
import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.drawing.image import Image
from openpyxl.utils import get_column_letter

from msc_model.data import ModelData
from msc_model.report import charts, labels, natural
from msc_model.report.inputs_diff import InputDiff
from msc_model.report.layout import (
    COLUMNS,
    KT1,
    NOTE_FONT,
    SUBTITLE_FONT,
    Block,
    Col,
    SheetWriter,
    SideTables,
    columns_for,
    print_first_rows,
    tidy_sheet,
)
from msc_model.report.sankey import Diagram
from msc_model.report.sankey_render import render_png
from msc_model.report.tables import CAPACITY_COLUMNS, MetalSummary
from msc_model.schema import PROCESSES, STORAGE

#: shown size of a flow diagram in the sheet (the PNG itself is drawn larger)
PICTURE_WIDTH = 980
ROW_PX = 20  # default row height in pixels


@dataclass
class ReportTables:
    """Everything the sheets show, computed before any sheet is written."""

    data: ModelData
    dependence: pd.DataFrame
    stages: pd.DataFrame
    capacity: pd.DataFrame
    by_stage: pd.DataFrame
    split: pd.DataFrame
    flows: pd.DataFrame
    imports: pd.DataFrame
    concentration: pd.DataFrame
    shipments: pd.DataFrame
    exports: pd.DataFrame
    reserves: pd.DataFrame
    cover: pd.DataFrame
    recycling: pd.DataFrame
    rates: pd.DataFrame
    costs: pd.DataFrame
    terms: pd.DataFrame
    unmet: pd.DataFrame
    summaries: list[MetalSummary]
    objective: float
    flow_year: int
    diagrams: dict[str, Diagram] = field(default_factory=dict)
    #: prices, rents and marginal costs (msc_model.prices)
    prices: pd.DataFrame | None = None
    #: new capacity per metal, stage, region and period, natural units
    timeline: pd.DataFrame | None = None
    #: where tables too long for a sheet go (none: such a table is an error)
    side: SideTables | None = None


def metal_spans(frame: pd.DataFrame, block: Block, data: ModelData) -> list[tuple[str, int, int]]:
    """(metal name, first row, last row) of each metal's contiguous rows in a block.

    Only rows the block shows count (a table too long for its sheet shows its first rows).
    """
    spans = []
    shown = frame["metal"].iloc[: block.last_row - block.first_row + 1]
    for metal in data.metals:
        positions = (shown == metal).to_numpy().nonzero()[0]
        if len(positions):
            name = data.metal_names.get(metal) or metal
            spans.append(
                (name, block.first_row + int(positions[0]), block.first_row + int(positions[-1]))
            )
    return spans


def dependence_sheets(wb: Workbook, t: ReportTables) -> Block:
    """Dependence (per metal and year, stages, target, marginal cost) and its detail."""
    metals = t.data.metals
    per_year = natural.rule(metals, "/yr")
    keys = [
        "metal",
        "year",
        "net_imports",
        "consumption",
        "dependence",
        "target",
        "meets_target",
        *t.data.forms,
        "marginal_cost",
        "marginal_cost_undiscounted",
    ]
    frame = natural.per_metal(t.dependence, ["net_imports", "consumption"], unit=None)
    frame["marginal_cost"] = frame["marginal_cost"] / natural.MUSD_PER_BN
    frame["marginal_cost_undiscounted"] = frame["marginal_cost_undiscounted"] / natural.MUSD_PER_BN
    lce = [m for m in metals if m in natural.LCE_METALS]
    if lce:  # the lithium market thinks in carbonate equivalent
        frame["net_imports_lce"] = natural.lce_column(t.dependence, "net_imports")
        frame["consumption_lce"] = natural.lce_column(t.dependence, "consumption")
        keys[4:4] = ["net_imports_lce", "consumption_lce"]
    name = ", ".join(t.data.metal_names.get(m) or m for m in lce)
    block = tidy_sheet(
        wb,
        "Dependence",
        frame,
        columns_for(
            keys,
            net_imports=Col(f"Net imports ({per_year})", KT1, 14),
            consumption=Col(
                f"Consumption ({per_year})",
                KT1,
                14,
                "domestic primary supply plus net imports of the counted forms",
            ),
            net_imports_lce=Col(f"Net imports, {name} (kt LCE/yr)", KT1, 13),
            consumption_lce=Col(f"Consumption, {name} (kt LCE/yr)", KT1, 13),
        ),
        side=t.side,
        canonical=t.dependence,
    )
    tidy_sheet(
        wb,
        "Dependence by stage",
        natural.per_metal(
            t.stages, ["production", "net_imports", "apparent_consumption"], unit=None
        ),
        columns_for(
            [
                "metal",
                "stage",
                "year",
                "production",
                "net_imports",
                "apparent_consumption",
                "dependence",
            ],
            production=Col(f"Production ({per_year})", KT1, 14),
            net_imports=Col(f"Net imports ({per_year})", KT1, 14),
            apparent_consumption=Col(f"Apparent consumption ({per_year})", KT1, 14),
        ),
        canonical=t.stages,
        side=t.side,
    )
    return block


def capacity_sheets(wb: Workbook, t: ReportTables) -> None:
    """Capacity (tidy, with retirements) and national capacity by stage with one stacked
    chart per metal."""
    metals = t.data.metals
    per_year, stock = natural.rule(metals, "/yr"), natural.rule(metals)
    quantities = ["residual", "new", "retired", "total"]
    frame = natural.per_metal(t.capacity, quantities)
    keys = list(CAPACITY_COLUMNS)
    lce = [m for m in metals if m in natural.LCE_METALS]
    if lce:
        frame["total_lce"] = natural.lce_column(t.capacity, "total")
        keys.insert(keys.index("total") + 1, "total_lce")
    unit = f"{per_year}; storage {stock}"
    capacity_cols = {
        key: Col(f"{COLUMNS[key].header.split(' (')[0]} ({unit})", KT1, 18, COLUMNS[key].note)
        for key in quantities
    }
    names = ", ".join(t.data.metal_names.get(m) or m for m in lce)
    capacity_cols["total_lce"] = Col(
        f"Total capacity, {names} (kt LCE/yr; storage kt LCE)", KT1, 15
    )
    tidy_sheet(
        wb,
        "Capacity",
        frame,
        columns_for(keys, **capacity_cols),
        side=t.side,
        canonical=t.capacity,
    )
    stage_cols = {p: Col(f"{p.capitalize()} ({per_year})", KT1, 13) for p in PROCESSES}
    stage_cols[STORAGE] = Col(f"Storage ({stock})", KT1, 13)
    columns = {**columns_for(["metal", "year"]), **stage_cols}
    widths = [c.width for c in columns.values()] + [3] + [10] * 8
    sheet = SheetWriter(
        wb, "Capacity by stage", widths, freeze="A2", landscape=True, fit_width=True
    )
    by_stage = natural.per_metal(t.by_stage, [*PROCESSES, STORAGE], unit=None)
    block = sheet.table(by_stage, columns, excel_table=True)
    anchor_col = get_column_letter(len(columns) + 2)
    spans = metal_spans(t.by_stage, block, t.data)
    shown = [m for m in metals if (t.by_stage["metal"] == m).any()]
    for i, ((name, first, last), metal) in enumerate(zip(spans, shown, strict=True)):
        chart = charts.stacked_columns(
            [(charts.cells(block, p, first, last), p) for p in PROCESSES],
            charts.cells(block, "year", first, last),
            title=f"{name[:1].upper() + name[1:]}: capacity in service by stage",
            x_title="Year",
            y_title=f"{natural.mass(metal)}/yr",
        )
        sheet.ws.add_chart(chart, f"{anchor_col}{2 + 20 * i}")


def flow_sheets(wb: Workbook, t: ReportTables) -> None:
    """Flows (the full signed material balance, tidy) and the flow diagrams."""
    per_year = natural.rule(t.data.metals, "/yr")
    value = Col(
        f"Value ({per_year}; + into the form's pool, − out of it)",
        KT1,
        16,
        "each (metal, form, region, year) group sums to zero",
    )
    keys = ["metal", "form", "flow", "region", "year", "value", "unit"]
    tidy_sheet(
        wb,
        "Flows",
        natural.per_metal(t.flows, ["value"]),
        columns_for(keys, value=value),
        canonical=t.flows,
        side=t.side,
        words={"flow": labels.WORDS},
    )

    sheet = SheetWriter(wb, "Flow diagram", [12] * 14, landscape=True, fit_width=True)
    sheet.text(f"Flow diagrams, {t.flow_year}", font=SUBTITLE_FONT, height=22)
    sheet.text(
        "National flows of metal content (Mt/yr for iron, kt/yr for the other metals; each title names its unit). Where a material has several sources and "
        "uses, each source is split over the uses in proportion; recycled metal loops back "
        "underneath. The interactive version, with every year, is the file ending in "
        "_flows.html beside this report.",
        font=NOTE_FONT,
    )
    for diagram in t.diagrams.values():
        sheet.blank()
        sheet.text(diagram.metal, font=SUBTITLE_FONT)
        picture = Image(io.BytesIO(render_png(diagram)))
        picture.width = PICTURE_WIDTH
        picture.height = round(diagram.height * PICTURE_WIDTH / diagram.width)
        sheet.ws.add_image(picture, f"A{sheet.row + 1}")
        sheet.blank(math.ceil(picture.height / ROW_PX) + 1)


def trade_sheets(wb: Workbook, t: ReportTables) -> None:
    """Imports by origin and entry, supplier concentration, shipments, exports."""
    per_year = natural.rule(t.data.metals, "/yr")
    tidy_sheet(
        wb,
        "Imports",
        natural.per_metal(t.imports, ["value"]),
        columns_for(
            ["metal", "form", "origin", "entry", "region", "year", "value", "unit"],
            region=Col("region", width=12, note="entry region"),
            value=Col(f"Imports ({per_year})", KT1, 14),
        ),
        canonical=t.imports,
        side=t.side,
    )
    tidy_sheet(
        wb,
        "Supplier concentration",
        natural.per_metal(t.concentration, ["imports"], unit=None),
        columns_for(
            ["metal", "year", "imports", "hhi", "top3_share", "largest_origin", "largest_share"],
            imports=Col(f"Imports, all origins ({per_year})", KT1, 14),
        ),
        canonical=t.concentration,
        side=t.side,
    )
    tidy_sheet(
        wb,
        "Shipments",
        natural.per_metal(t.shipments, ["value"]),
        columns_for(
            ["metal", "form", "region_from", "region_to", "mode", "year", "value", "unit"],
            value=Col(f"Shipment ({per_year})", KT1, 14),
        ),
        note="No shipments between regions.",
        canonical=t.shipments,
        side=t.side,
    )
    tidy_sheet(
        wb,
        "Exports",
        natural.per_metal(t.exports, ["value"]),
        columns_for(
            ["metal", "form", "region", "year", "value", "unit"],
            value=Col(f"Exports ({per_year})", KT1, 14),
        ),
        note="No exports.",
        canonical=t.exports,
        side=t.side,
    )


def security_sheets(wb: Workbook, t: ReportTables) -> None:
    """Reserves (per region), reserve cover (national, against target), recycling,
    recycling rates and unmet demand."""
    metals = t.data.metals
    per_year, stock = natural.rule(metals, "/yr"), natural.rule(metals)
    reserve = ["stock", "fill", "draw", "storage_capacity"]
    tidy_sheet(
        wb,
        "Reserves",
        natural.per_metal(t.reserves, reserve),
        columns_for(
            ["metal", "region", "year", *reserve, "unit"],
            **{k: _with_unit(k, stock) for k in reserve},
        ),
        canonical=t.reserves,
        side=t.side,
    )
    tidy_sheet(
        wb,
        "Reserve cover",
        natural.per_metal(t.cover, ["stock", "demand"], unit=None),
        columns_for(
            ["metal", "year", "stock", "demand", "cover_days", "target_days", "meets_target"],
            stock=Col(f"National stock ({stock})", KT1, 13),
            demand=Col(f"National demand ({per_year})", KT1, 13),
        ),
        canonical=t.cover,
        side=t.side,
    )
    scrap = ["end_of_life", "collected", "prompt", "recycled_input", "landfill"]
    tidy_sheet(
        wb,
        "Recycling",
        natural.per_metal(t.recycling, scrap),
        columns_for(
            [
                "metal",
                "region",
                "year",
                "end_of_life",
                "collected",
                "prompt",
                "recycled_input",
                "landfill",
                "unit",
            ],
            **{k: _with_unit(k, per_year) for k in scrap},
        ),
        canonical=t.recycling,
        side=t.side,
    )
    rates = ["end_of_life", "collected", "recycling", "refined_supply"]
    tidy_sheet(
        wb,
        "Recycling rates",
        natural.per_metal(t.rates, rates, unit=None),
        columns_for(
            [
                "metal",
                "year",
                "end_of_life",
                "collected",
                "recycling_rate",
                "recycling",
                "refined_supply",
                "recycled_share",
            ],
            **{k: _with_unit(k, per_year) for k in rates},
        ),
        canonical=t.rates,
        side=t.side,
    )
    tidy_sheet(
        wb,
        "Unmet demand",
        natural.per_metal(t.unmet, ["unmet", "demand"], unit=None),
        columns_for(
            ["metal", "region", "year", "unmet", "demand", "unmet_share"],
            unmet=_with_unit("unmet", per_year),
            demand=_with_unit("demand", per_year),
        ),
        canonical=t.unmet,
        side=t.side,
    )


def _with_unit(key: str, unit: str) -> Col:
    """The catalogue's column ``key`` with its mass unit replaced by ``unit`` (natural
    units: "Stock at year end (Fe Mt; Cu, Li kt)"), one decimal, a little wider."""
    spec = COLUMNS[key]
    return Col(f"{spec.header.split(' (')[0]} ({unit})", KT1, max(spec.width, 13), spec.note)


def cost_sheet(wb: Workbook, t: ReportTables) -> None:
    """Costs by term and year with a stacked chart of the discounted cost."""
    columns = columns_for(
        ["term", "year", "undiscounted", "discounted", "unit", "kind"],
        term=Col("Cost term", width=26),  # "variable operating costs" whole
        unit=Col("unit", width=9),
        kind=Col("Counts as", width=30),
    )
    widths = [c.width for c in columns.values()] + [3] + [10] * 8
    sheet = SheetWriter(wb, "Costs", widths, freeze="A2", landscape=True, fit_width=True)
    # the chart stands right of the table: print its columns too
    print_first_rows(sheet, len(t.costs), len(columns) + 12)
    costs = t.costs.assign(
        term=t.costs["term"].map(labels.term_word),
        undiscounted=t.costs["undiscounted"] / natural.MUSD_PER_BN,
        discounted=t.costs["discounted"] / natural.MUSD_PER_BN,
        unit="bn USD",
    )
    block = sheet.table(costs, columns, excel_table=True)
    series = []
    years = None
    for term in dict.fromkeys(costs["term"]):
        positions = (costs["term"] == term).to_numpy().nonzero()[0]
        first, last = block.first_row + int(positions[0]), block.first_row + int(positions[-1])
        series.append((charts.cells(block, "discounted", first, last), term))
        years = years or charts.cells(block, "year", first, last)
    if series and years:
        chart = charts.stacked_columns(
            series,
            years,
            title="Discounted cost by term and year",
            x_title="Year",
            y_title="bn USD (present value)",
        )
        sheet.ws.add_chart(chart, f"{get_column_letter(len(columns) + 2)}2")


def inputs_sheets(wb: Workbook, data: ModelData, diff: InputDiff) -> None:
    """Inputs (every table as read, changed cells marked) and Changed inputs (the list)."""
    widest = max((len(table.columns) for table in data.tables.values()), default=1)
    sheet = SheetWriter(wb, "Inputs", [8] + [14] * widest, landscape=True, fit_width=True)
    origin = data.provenance
    title = f"Inputs as read from {_name(data.source)}"
    if origin.scenario:
        title = (
            f"Inputs used: {_name(data.source)} with scenario '{origin.scenario}' "
            f"(from {_name(origin.scenario_file)}) applied"
        )
    sheet.text(title, font=SUBTITLE_FONT, height=22)
    sheet.text(
        "Row numbers are those of the input workbook. Cells that differ from the default "
        f"workbook are marked in yellow. {diff.note}",
        font=NOTE_FONT,
    )
    for name, table in data.tables.items():
        sheet.blank()
        sheet.text(f"{name} ({len(table)} rows)", font=SUBTITLE_FONT)
        frame = table.reset_index(drop=False, names="__row__")
        keys = ["__row__", *(str(c) for c in table.columns)]
        frame.columns = keys
        columns = {k: Col("row" if k == "__row__" else k, width=14) for k in keys}
        marks = diff.marked.get(name, set())
        rows = {number: i for i, number in enumerate(table.index)}
        highlight = {(rows[r], keys[j + 1]) for r, j in marks if r in rows and j + 1 < len(keys)}
        sheet.table(frame, columns, highlight=highlight)

    columns = {
        "sheet": Col("sheet", width=20),
        "cell": Col("cell", width=8),
        "column": Col("column", width=18),
        "change": Col("change", width=14),
        "value": Col("value in this run", width=18),
        "default": Col("default value", width=18),
    }
    reference = diff.reference.name if diff.reference else "the default workbook"
    tidy_sheet(wb, "Changed inputs", diff.changes, columns, note=f"{diff.note} ({reference})")


def run_info_sheet(wb: Workbook, info: pd.DataFrame) -> None:
    columns = {"item": Col("item", width=34), "value": Col("value", width=90)}
    tidy_sheet(wb, "Run info", info, columns, print_all=True)


def _name(source: str) -> str:
    return Path(source).name if source else "(in memory)"


def prices_sheet(wb: Workbook, t: ReportTables) -> None:
    """Prices are outputs: commodity prices, rents and the marginal costs of limits."""
    if t.prices is None or t.prices.empty:
        return
    # million USD per kt is USD per kg: × 1000 gives USD per t, the unit a market quotes
    prices = t.prices.assign(pv=t.prices["pv"] * 1000.0)
    tidy_sheet(
        wb,
        "Prices",
        prices,
        columns_for(
            ["kind", "metal", "item", "region", "year", "value", "value_lce", "pv"],
            kind=Col("What", width=20),
            item=Col("Form, process, step or origin", width=22),
            value=Col("USD per t (money of the year)", "#,##0", 15),
            value_lce=Col("USD per t LCE (lithium)", "#,##0", 13),
            pv=Col("Present value (USD per t, discounted to the base year)", "#,##0.00", 15),
        ),
        note="Duals of the plan: a commodity price is the marginal value of one more tonne "
        "in that region and year (the balance's dual); a rent or limit price is what one "
        "more unit of the limit would save; a dependence cap's price is the cost of "
        "avoiding one more tonne of net imports. 'USD per t' is in the money of the year "
        "(the present value divided by the discount factor); lithium is also per t LCE "
        "(1 t LCE = 0.1879 t Li). Limits that do not bind have no row.",
        side=t.side,
        canonical=t.prices,
    )
