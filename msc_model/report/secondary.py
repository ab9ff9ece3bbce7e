"""The look of the secondary workbooks (compare, frontier, sweep summary): formats, print, provenance.

Those workbooks are written as plain tables first (openpyxl's write-only mode streams the
rows), then re-opened to draw charts; this module does the rest on the re-opened sheets.
Money reaches these sheets in bn USD and tonnes in the metal's natural unit (iron in Mt,
copper and lithium in kt): :func:`reader_sheets` passes every table through
:func:`msc_model.report.natural.money_frame` and :func:`~msc_model.report.natural.mass_rows`
before anything is written, so the cells, their formats and the charts drawn from them all
read the same numbers. Tonnes added across metals (the runs' ``curtailed``, all metals) are
not shown: :func:`curtailed_by_metal` gives the reader one column a metal instead. Numbers get a format from
their column (shares as percentages, money in bn USD to ten million) or, in tables with a
``unit`` column (the side-by-side indicators, tornado, Morris), from the unit of their row,
because one column there holds costs, tonnes and shares at once.
Every sheet prints landscape, one page wide, with its header row on every page.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pandas as pd
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties

from msc_model.report import natural
from msc_model.report.labels import is_share

PCT = "0.0%"
WHOLE = "#,##0"
TWO = "#,##0.00"
INDEX = "0.000"
#: columns whose numbers are not in the unit of their row (factor multipliers, indices)
UNITLESS = {"low", "high", "trajectories", "S1", "ST", "S1_conf", "ST_conf", "year"}
#: unit of a row → format of its numbers
UNIT_FORMATS = {
    "share": PCT,
    "kt": "#,##0.0",
    "kt/yr": "#,##0.0",
    "Mt": "#,##0.0",
    "Mt/yr": "#,##0.0",
    **{shown: fmt for shown, _, fmt in natural.READER_MONEY.values()},
}
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
_HEADER_ALIGN = Alignment(wrap_text=True, vertical="top")


def column_format(column: str, values: pd.Series) -> str | None:
    """The number format of a column of a plain table (None: text or a flag)."""
    if column in {"year", "run_id"}:
        return "0"
    if not (pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)):
        return None
    if is_share(column):
        return PCT
    if column in natural.MONEY_COLUMNS:
        return natural.money_format(natural.MONEY_COLUMNS[column])
    if column in {"S1", "ST", "S1_conf", "ST_conf", "low", "high"}:
        return INDEX if column.startswith("S") else TWO
    finite = values.abs().dropna()
    if len(finite) and (finite % 1 == 0).all():
        return WHOLE  # counts (trajectories) and whole numbers
    return TWO if len(finite) and finite.max() < 100 else WHOLE


def format_sheet(ws, frame: pd.DataFrame) -> None:
    """Header style, widths, number formats and print setup of one table sheet.

    ``frame`` is the table as the code knows it (internal column names, in the sheet's
    column order); the sheet shows it with reader headers from row 1.
    """
    columns = [str(c) for c in frame.columns]
    for j in range(1, len(columns) + 1):
        cell = ws.cell(1, j)
        cell.font, cell.fill, cell.alignment = _HEADER_FONT, _HEADER_FILL, _HEADER_ALIGN
        ws.column_dimensions[get_column_letter(j)].width = _width(ws, j)
    ws.row_dimensions[1].height = 45
    units = frame["unit"].tolist() if "unit" in columns else None
    for j, column in enumerate(columns, start=1):
        fixed = column_format(column, frame[column])
        by_row = units is not None and column not in UNITLESS and fixed not in (None, "0")
        if fixed is None:
            continue
        for i in range(len(frame)):
            fmt = UNIT_FORMATS.get(str(units[i]), TWO) if by_row else fixed
            ws.cell(i + 2, j).number_format = fmt
    print_setup(ws)


def reader_sheets(
    sheets: Mapping[str, pd.DataFrame], *, keep: Iterable[str] = ()
) -> dict[str, pd.DataFrame]:
    """The tables of a secondary workbook as a reader sees them (the one conversion of
    these workbooks): money in bn USD (:func:`msc_model.report.natural.money_frame`), the
    rows of a metal in kt or kt/yr in its natural unit (iron in Mt,
    :func:`~msc_model.report.natural.mass_rows`) and no row of tonnes added across metals
    (:func:`~msc_model.report.natural.without_metal_sums`). ``keep`` names columns that
    are not money whatever their name (the factors of a sweep)."""
    out = {}
    for name, frame in sheets.items():
        if name == "Run info":
            out[name] = frame
            continue
        frame = natural.without_metal_sums(frame)
        frame = natural.mass_rows(frame, unitless=UNITLESS | set(keep))
        out[name] = natural.money_frame(frame, unitless=UNITLESS, keep=keep)
    return out


#: header of a run's curtailed supply of one metal: "Curtailed supply, Fe (Mt)"
CURTAILED = "Curtailed supply, {metal} ({unit})"


def unmet_by_run(tidy: pd.DataFrame) -> pd.DataFrame:
    """Demand left unmet over the horizon per run and metal (kt): the tidy rows of unmet
    demand (kt/yr per metal and year) summed over the years, not over metals. A run whose
    ``curtailed`` is 0 (all of it at or below the tolerance of
    :func:`msc_model.reference.curtailed`) has 0 for every metal. Columns: run_id, metal,
    value (kt), metals in the order the tidy table lists them."""
    from msc_model.reference import CURTAILMENT_TOLERANCE

    rows = tidy[tidy["indicator"] == "unmet_demand"]
    if rows.empty:
        return pd.DataFrame(columns=["run_id", "metal", "value"])
    total = rows.groupby(["run_id", "metal"], sort=False)["value"].sum().reset_index()
    run = total.groupby("run_id", sort=False)["value"].transform("sum")
    total["value"] = total["value"].where(run > CURTAILMENT_TOLERANCE, 0.0)
    # the case's order of metals (as its first rows list them: Fe, Cu, Li), not A to Z
    order = {m: i for i, m in enumerate(dict.fromkeys(tidy["metal"].dropna()))}
    return total.sort_values("metal", key=lambda m: m.map(order), kind="stable")


def unmet_by_case(indicators: pd.DataFrame) -> pd.DataFrame:
    """:func:`unmet_by_run` of the side-by-side indicators of ``msc compare`` (a case's
    column is its run)."""
    from msc_model.report.compare_charts import cases

    long = indicators.melt(
        id_vars=["indicator", "metal", "year"], value_vars=cases(indicators), var_name="run_id"
    )
    return unmet_by_run(long.dropna(subset=["value"]))


def curtailed_by_metal(table: pd.DataFrame, unmet: pd.DataFrame) -> pd.DataFrame:
    """``table`` (one row per run: ``run_id`` and ``curtailed``, kt of demand left unmet
    over the horizon, all metals added) with ``curtailed`` replaced, in its place, by one
    column per metal in the metal's natural unit ("Curtailed supply, Fe (Mt)") from
    ``unmet`` (:func:`unmet_by_run`): a reader never sees iron and lithium tonnes added
    up. A run without rows (a failed run) is blank."""
    if "curtailed" not in table.columns:
        return table
    at = list(table.columns).index("curtailed")
    out = table.drop(columns="curtailed")
    metals = list(dict.fromkeys(unmet["metal"]))
    wide = unmet.pivot_table(index="run_id", columns="metal", values="value", aggfunc="sum")
    for offset, metal in enumerate(metals):
        values = wide[metal].reindex(out["run_id"]).to_numpy(dtype=float)
        column = CURTAILED.format(metal=metal, unit=natural.mass(metal))
        out.insert(at + offset, column, values / natural.divisor(metal))
    return out


def is_curtailed(frame: pd.DataFrame) -> pd.Series:
    """Runs of a reader's table (:func:`curtailed_by_metal`) that leave any metal's demand
    unmet (a flag: no tonnes are added)."""
    columns = [c for c in frame.columns if str(c).startswith(CURTAILED.split(",")[0] + ",")]
    if not columns:
        return pd.Series(False, index=frame.index)
    return (frame[columns].fillna(0.0) > 1e-9).any(axis=1)


def _width(ws, column: int) -> float:
    """Characters wide enough for the column's longest text (the first 200 rows; the
    header wraps onto up to three lines), between 8 and 40."""
    header = len(str(ws.cell(1, column).value or ""))
    widest = header / 3
    for row in ws.iter_rows(min_row=2, max_row=201, min_col=column, max_col=column):
        value = row[0].value
        widest = max(widest, 12 if isinstance(value, int | float) else len(str(value or "")))
    return max(8.0, min(40.0, widest + 2))


def print_setup(ws) -> None:
    """A4 landscape, one page wide, header row repeated, page numbers in the footer."""
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = "9"
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.print_title_rows = "1:1"
    ws.freeze_panes = "A2"
    ws.oddFooter.center.text = f"{ws.title}, page &P of &N"


def run_info_table(kind: str, workbook: str | Path | None = None, sha256: str = "") -> pd.DataFrame:
    """Provenance of a secondary workbook: what wrote it, when, from which input."""
    try:
        msc = version("msc-model")
    except PackageNotFoundError:
        msc = "not installed"
    rows = [
        ("Workbook", kind),
        ("msc-model version", msc),
        ("Written", datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")),
    ]
    if workbook is not None and Path(workbook).is_file():
        rows.append(("Input workbook", Path(workbook).name))
        sha256 = sha256 or _sha256(Path(workbook))
    rows.append(("Input workbook SHA-256", sha256 or "not recorded"))
    return pd.DataFrame(rows, columns=["item", "value"])


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
