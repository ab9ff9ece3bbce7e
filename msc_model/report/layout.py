"""Presentation of report sheets: headers with units, number formats, widths, tables.

Every sheet is written in openpyxl's write-only mode (rows stream to disk, so a large case
does not hold millions of cell objects): widths, frozen panes and page setup must be set
before the first row, and each row is appended once. :class:`SheetWriter` wraps that, and
:meth:`SheetWriter.table` writes a DataFrame with one styled template cell per column that
is re-filled for every row, so the cost per cell is a value assignment, not a style lookup.

Column names inside the report code are the tidy names of :mod:`msc_model.results`
(``net_imports``, ``new``, ...); :data:`COLUMNS` maps each to the header a reader sees,
with its unit, number format and width. Index and text columns keep the workbook's own
names (``metal``, ``region``, ``year``), so one name runs from the input sheet to the
report; quantities get a readable header with their unit ("Net imports (kt/yr)").

A table longer than a sheet holds (:data:`MAX_ROWS`) is shown as far as it fits, under a
note, and registered whole with :class:`SideTables`, which writes it to a Parquet file
beside the report (``<report stem>_table_<sheet slug>.parquet``) once the report is saved.
"""

from __future__ import annotations

import math
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.table import Table, TableStyleInfo

from msc_model.errors import OutputError
from msc_model.report.fastrows import row_stream
from msc_model.report.writer import MAX_SHEET_NAME, check_target
from msc_model.safety import OutputUnit

#: number formats by quantity
KT = "#,##0"  # kt and kt/yr: whole kilotonnes with thousands separators
KT1 = "#,##0.0"  # small masses (lithium, scrap) where a tenth matters
PCT = "0.0%"
MUSD = "#,##0"  # million USD
MUSD1 = "#,##0.00"  # million USD per percentage point
BN = "#,##0.00"  # bn USD: to ten million
DAYS = "#,##0"
INDEX = "0.000"  # HHI, 0–1
YEAR = "0"

#: the largest data block one sheet holds (Excel's limit is 1,048,576 rows with the header);
#: a longer table shows its first ``MAX_ROWS - 1`` rows under a note row and its header
MAX_ROWS = 1_048_575

FONT = "Calibri"  # the workbook default; named so LibreOffice does not fall back to serif
HEADER_FONT = Font(name=FONT, bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE4EE")
TITLE_FONT = Font(name=FONT, bold=True, size=16)
SUBTITLE_FONT = Font(name=FONT, bold=True, size=12)
NOTE_FONT = Font(name=FONT, italic=True, color="555555")
ALERT_FONT = Font(name=FONT, bold=True, size=14, color="FFFFFF")
RIGHT = Alignment(horizontal="right")
ALERT_FILL = PatternFill("solid", fgColor="C00000")
CHANGED_FILL = PatternFill("solid", fgColor="FFF2A8")
WRAP = Alignment(wrap_text=True, vertical="top")


@dataclass(frozen=True)
class Col:
    """How one column is shown: header (with unit), number format, width in characters."""

    header: str
    fmt: str | None = None
    width: float = 12.0
    note: str = ""  # shown as a comment on the header cell


COLUMNS: dict[str, Col] = {
    "metal": Col("metal", width=8),
    "metal_name": Col("metal name", width=12),
    "process": Col("process", width=12),
    "form": Col("form", width=10),
    "stage": Col("stage", width=10),
    "flow": Col("flow", width=15),
    "region": Col("region", width=12),
    "hinterland": Col("hinterland", width=11),
    "year": Col("year", YEAR, 7),
    "origin": Col("origin", width=14),
    "entry": Col("entry", width=8),
    "region_from": Col("from region", width=12),
    "region_to": Col("to region", width=12),
    "mode": Col("mode", width=9),
    "unit": Col("unit", width=8),
    "term": Col("Cost term", width=15),
    "residual": Col(
        "Existing (kt/yr; storage kt)", KT, 14, "capacity built before the base year or committed"
    ),
    "new": Col("New builds (kt/yr; storage kt)", KT, 14, "capacity first producing in this year"),
    "retired": Col(
        "Retirements (kt/yr; storage kt)",
        KT,
        14,
        "capacity leaving service this year (end of life)",
    ),
    "total": Col("Total capacity (kt/yr; storage kt)", KT, 15),
    "net_imports": Col("Net imports (kt/yr)", KT, 13),
    "consumption": Col(
        "Consumption (kt/yr)",
        KT,
        13,
        "domestic primary supply plus net imports of the counted forms",
    ),
    "production": Col("Production (kt/yr)", KT, 13),
    "apparent_consumption": Col("Apparent consumption (kt/yr)", KT, 14),
    "dependence": Col("Dependence (%)", PCT, 12, "net imports / consumption"),
    "target": Col("Target (%)", PCT, 10, "cap on dependence (interpolated between given years)"),
    "meets_target": Col("Meets target", width=9),
    "ore": Col("Ore dependence (%)", PCT, 12),
    "refined": Col("Refined dependence (%)", PCT, 12),
    "product": Col("Product dependence (%)", PCT, 12),
    "scrap": Col("Scrap dependence (%)", PCT, 12),
    "marginal_cost": Col(
        "Marginal cost of target (bn USD per pp, present value)",
        BN,
        16,
        "cost of tightening the target by one percentage point; 0 when the target is not binding",
    ),
    "marginal_cost_undiscounted": Col(
        "Marginal cost of target (bn USD per pp, money of the year)", BN, 16
    ),
    "value": Col("Value (kt/yr)", KT, 12),
    "imports": Col("Imports (kt/yr)", KT, 12),
    "exports": Col("Exports (kt/yr)", KT, 12),
    "hhi": Col("HHI (0–1)", INDEX, 10, "Herfindahl–Hirschman index of import origins: Σ share²"),
    "top3_share": Col("Top-3 share (%)", PCT, 10),
    "largest_origin": Col("Largest origin", width=14),
    "largest_share": Col("Largest origin share (%)", PCT, 12),
    "stock": Col("Stock at year end (kt)", KT1, 13),
    "fill": Col("Fill (kt)", KT1, 10),
    "draw": Col("Draw (kt)", KT1, 10),
    "storage_capacity": Col("Storage capacity (kt)", KT1, 12),
    "demand": Col("Demand (kt/yr)", KT, 12),
    "cover_days": Col(
        "Reserve cover (days)", DAYS, 11, "national stock at year end / national demand × 365"
    ),
    "target_days": Col("Reserve target (days)", DAYS, 11),
    "end_of_life": Col("End-of-life scrap (kt/yr)", KT1, 13),
    "collected": Col("Collected (kt/yr)", KT1, 12),
    "prompt": Col("Prompt scrap (kt/yr)", KT1, 12),
    "recycled_input": Col("Recycled (kt/yr)", KT1, 12, "scrap entering recycling"),
    "landfill": Col("Landfill (kt/yr)", KT1, 12, "collected scrap not recycled"),
    "recycling_rate": Col("Recycling rate (%)", PCT, 11, "collected old scrap / end-of-life scrap"),
    "recycling": Col("Recycling output (kt/yr)", KT1, 13),
    "refined_supply": Col(
        "Refined supply (kt/yr)", KT, 13, "smelting + recycling + refined imports"
    ),
    "recycled_share": Col("Recycled share of refined supply (%)", PCT, 13),
    "unmet": Col("Unmet demand (kt/yr)", KT1, 12),
    "unmet_share": Col("Unmet share of demand (%)", PCT, 12),
    "undiscounted": Col("Undiscounted (bn USD)", BN, 14),
    "discounted": Col("Discounted (bn USD, present value)", BN, 16),
    "share": Col("Share of total (%)", PCT, 10),
}


@dataclass
class Block:
    """Where a table landed: rows of its header and data, and its columns' letters."""

    sheet: str
    header_row: int
    first_row: int
    last_row: int
    letters: dict[str, str] = field(default_factory=dict)

    @property
    def empty(self) -> bool:
        return self.last_row < self.first_row


def table_name(sheet: str) -> str:
    """An Excel table name from a sheet name (letters, digits and _ only)."""
    return "t_" + re.sub(r"\W", "_", sheet)


def as_python(value: object) -> object:
    """A value openpyxl can write: NaN → None, numpy scalars → Python scalars."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    return value


class SheetWriter:
    """Row-by-row writer of one write-only sheet.

    Parameters
    ----------
    wb
        A ``Workbook(write_only=True)``.
    name
        Sheet name (at most 31 characters).
    widths
        Column widths in characters, from column A.
    freeze
        Top-left unfrozen cell, e.g. ``"A2"`` to keep the header row in view.
    landscape, fit_width
        Page setup for printing and PDF: landscape, and scale to one page wide.
    """

    def __init__(
        self,
        wb: Workbook,
        name: str,
        widths: Sequence[float],
        *,
        freeze: str | None = None,
        landscape: bool = False,
        fit_width: bool = False,
    ) -> None:
        if len(name) > MAX_SHEET_NAME:
            raise ValueError(f"sheet name '{name}' is longer than {MAX_SHEET_NAME} characters")
        self.ws = wb.create_sheet(name)
        self.name = name
        self.row = 0  # rows written so far
        # everything below is written at the top of the sheet XML, before the first row
        for index, width in enumerate(widths, start=1):
            self.ws.column_dimensions[get_column_letter(index)].width = width
        if freeze:
            self.ws.freeze_panes = freeze
        if fit_width:
            self.ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
            self.ws.page_setup.fitToWidth = 1
            self.ws.page_setup.fitToHeight = 0
        if landscape:
            self.ws.page_setup.orientation = "landscape"
        self.ws.page_setup.paperSize = "9"  # A4
        # every row goes through one stream (openpyxl's own path when its internals differ)
        self._stream = row_stream(self.ws)

    # -- single rows ----------------------------------------------------------------------
    def cell(
        self,
        value: object,
        *,
        font: Font | None = None,
        fmt: str | None = None,
        fill: PatternFill | None = None,
        wrap: bool = False,
        right: bool = False,
    ) -> Cell:
        """A styled cell for :meth:`append`; text starting with ``=`` stays text."""
        value = as_python(value)
        cell = WriteOnlyCell(self.ws, value=value)
        if isinstance(value, str) and value.startswith("="):
            cell.data_type = "s"
        if font is not None:
            cell.font = font
        if fmt is not None:
            cell.number_format = fmt
        if fill is not None:
            cell.fill = fill
        if wrap:
            cell.alignment = WRAP
        elif right:
            cell.alignment = RIGHT
        return cell

    def append(self, values: Sequence[object], *, height: float | None = None) -> int:
        """Append one row (values or cells); return its row number."""
        self.row += 1
        if height is not None:
            self.ws.row_dimensions[self.row].height = height
        cells = [v if isinstance(v, Cell) else self._plain(v) for v in values]
        if self._stream is None:
            self.ws.append(cells)
        else:
            self._stream.append(cells)
        return self.row

    def _plain(self, value: object) -> object:
        value = as_python(value)
        if isinstance(value, str) and value.startswith("="):
            return self.cell(value)
        return value

    def text(
        self,
        text: str,
        *,
        font: Font | None = None,
        fill: PatternFill | None = None,
        height: float | None = None,
    ) -> int:
        """A row holding one text cell."""
        return self.append([self.cell(text, font=font, fill=fill)], height=height)

    def blank(self, count: int = 1) -> None:
        for _ in range(count):
            self.append([])

    # -- tables ---------------------------------------------------------------------------
    def header(self, columns: Sequence[Col], *, first: int = 1) -> int:
        """The header row of a table starting in column ``first``."""
        cells = [None] * (first - 1)
        for col in columns:
            cell = self.cell(col.header, font=HEADER_FONT, fill=HEADER_FILL, wrap=True)
            if col.note:
                cell.comment = Comment(col.note, "msc-model", width=260, height=80)
            cells.append(cell)
        longest = max((len(c.header) / max(c.width, 1.0) for c in columns), default=1.0)
        return self.append(cells, height=15.0 * min(math.ceil(longest), 4))

    def table(
        self,
        frame: pd.DataFrame,
        columns: Mapping[str, Col],
        *,
        excel_table: bool = False,
        first: int = 1,
        highlight: set[tuple[int, str]] | None = None,
    ) -> Block:
        """Write ``frame`` under a header; return where it landed.

        Parameters
        ----------
        frame
            The data; only the keys of ``columns`` are written, in that order.
        columns
            Column key → :class:`Col`.
        excel_table
            Make the block an Excel table (filter buttons, banded rows); it then needs at
            least one data row and unique headers.
        first
            Column index the table starts in.
        highlight
            (position in ``frame``, column key) of cells to mark as changed.
        """
        keys = list(columns)
        specs = [columns[k] for k in keys]
        header_row = self.header(specs, first=first)
        # formatted columns reuse one styled cell each (filled anew for every row); the
        # others pass plain values, which openpyxl writes without any style lookup
        templates: list[Cell | None] = []
        for spec in specs:
            template = None
            if spec.fmt:
                template = WriteOnlyCell(self.ws)
                template.number_format = spec.fmt
            templates.append(template)
        values = [_column_values(frame[k]) for k in keys]
        pad = [None] * (first - 1)
        marked = highlight or set()

        def cells(position: int) -> list[object]:
            """Row ``position`` as cells and values for openpyxl."""
            row = list(pad)
            for j, key in enumerate(keys):
                value, template = values[j][position], templates[j]
                if value is None:
                    row.append(None)
                elif marked and (position, key) in marked:
                    row.append(self.cell(value, fmt=specs[j].fmt, fill=CHANGED_FILL))
                elif isinstance(value, str) and value.startswith("="):
                    row.append(self.cell(value, fmt=specs[j].fmt))  # text, not a formula
                elif template is None:
                    row.append(value)
                else:
                    template.value = value
                    row.append(template)
            return row

        if self._stream is None:
            for position in range(len(frame)):
                self.row += 1
                self.ws.append(cells(position))
        else:  # plain rows rendered as XML directly (see fastrows)
            styles, changed = self._styles_in_order(values, keys, templates, specs, marked)
            restyled = {
                position: [
                    changed[j] if (position, k) in marked else styles[j] for j, k in enumerate(keys)
                ]
                for position, _ in marked
            }
            self._stream.table(
                values,
                [get_column_letter(first + j) for j in range(len(keys))],
                styles,
                restyled=restyled,
                cells=cells,
            )
            self.row = self._stream.row
        letters = {k: get_column_letter(first + j) for j, k in enumerate(keys)}
        block = Block(self.name, header_row, header_row + 1, self.row, letters)
        if excel_table and not block.empty:
            self._excel_table(block, specs, first)
        return block

    def _styles_in_order(
        self,
        values: Sequence[Sequence[object]],
        keys: Sequence[str],
        templates: Sequence[Cell | None],
        specs: Sequence[Col],
        marked: set[tuple[int, str]],
    ) -> tuple[list[str], list[str]]:
        """``' s="N"'`` of each column, plain and marked as changed, registered with the
        workbook in the order openpyxl's own path would first use them (so the style ids,
        and the file, are the same either way); ``''`` for a style never used."""
        styles, changed = [""] * len(keys), [""] * len(keys)
        plain_todo = {j for j, t in enumerate(templates) if t is not None}
        changed_todo = {keys.index(k) for _, k in marked}
        rows = len(values[0]) if values else 0
        position = 0
        while (plain_todo or changed_todo) and position < rows:
            for j, key in enumerate(keys):
                if values[j][position] is None:
                    continue
                if marked and (position, key) in marked:
                    if j in changed_todo:
                        cell = self.cell(None, fmt=specs[j].fmt, fill=CHANGED_FILL)
                        changed[j] = f' s="{cell.style_id}"'
                        changed_todo.discard(j)
                elif j in plain_todo:
                    styles[j] = f' s="{templates[j].style_id}"'
                    plain_todo.discard(j)
            position += 1
        return styles, changed

    def _excel_table(self, block: Block, specs: Sequence[Col], first: int) -> None:
        last = get_column_letter(first + len(specs) - 1)
        ref = f"{get_column_letter(first)}{block.header_row}:{last}{block.last_row}"
        table = Table(displayName=table_name(self.name), ref=ref)
        table._initialise_columns()
        # write-only sheets cannot be read back, so the column names are set here; they
        # must equal the header cells or Excel "repairs" the file
        for column, spec in zip(table.tableColumns, specs, strict=True):
            column.name = spec.header
        table.tableStyleInfo = TableStyleInfo(name="TableStyleLight9", showRowStripes=True)
        with warnings.catch_warnings():  # openpyxl warns in write-only mode even when the
            warnings.filterwarnings("ignore", "In write-only mode")  # columns are set
            self.ws.add_table(table)


def _column_values(series: pd.Series) -> list[object]:
    """A column as Python values with NaN → None, and -0.0 / solver dust → 0.0."""
    if pd.api.types.is_float_dtype(series.dtype):
        cleaned = series.where((series.abs() >= 1e-9) | series.isna(), 0.0).astype(object)
        return [None if v != v else v for v in cleaned.tolist()]
    if pd.api.types.is_integer_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
        return series.tolist()
    return [as_python(v) for v in series.tolist()]


def columns_for(keys: Sequence[str], **overrides: Col) -> dict[str, Col]:
    """Column key → :class:`Col` from :data:`COLUMNS`, with per-sheet overrides."""
    return {k: overrides.get(k) or COLUMNS[k] for k in keys}


def side_table_path(report: Path, sheet: str) -> Path:
    """Where the whole of an oversize table goes: ``<report stem>_table_<slug>.parquet``
    beside the report, the slug being the sheet name lower-cased with every character
    other than a–z and 0–9 replaced by ``_`` ("Flows" → ``report_table_flows.parquet``)."""
    slug = re.sub(r"[^a-z0-9]", "_", sheet.lower())
    return report.with_name(f"{_side_prefix(report)}{slug}.parquet")


def _side_prefix(report: Path) -> str:
    return f"{report.stem}_table_"


@dataclass
class SideTables:
    """Tables too long for a sheet, written whole to Parquet files beside the report.

    :func:`tidy_sheet` registers each oversize table with :meth:`add`, which checks the
    file's target at once (so a refusal comes before the report or any side file is
    written); :meth:`save` writes them after the report is saved.

    Parameters
    ----------
    report
        The report's target; side files are named after its stem.
    overwrite
        Replace existing side files; without it an existing one is refused.
    protect
        Files never to be written (the input workbook).
    """

    report: Path
    overwrite: bool = False
    protect: tuple[str | Path | None, ...] = ()
    frames: dict[Path, pd.DataFrame] = field(default_factory=dict)

    def add(self, sheet: str, frame: pd.DataFrame) -> Path:
        """Register the table shown on ``sheet``; return the file it will be written to.

        Raises
        ------
        OutputError
            If the file exists and ``overwrite`` is false (or is a folder, ...; see
            :func:`~msc_model.report.writer.check_target`).
        """
        path = check_target(
            side_table_path(self.report, sheet), overwrite=self.overwrite, protect=self.protect
        )
        if path in self.frames:
            raise ValueError(f"two sheets share the side file {path.name}")
        self.frames[path] = frame
        return path

    def stage(self, unit: OutputUnit) -> list[Path]:
        """Write every registered table into ``unit`` (swapped in with the report)."""
        for path, frame in self.frames.items():
            unit.stage(path, lambda tmp, frame=frame: frame.to_parquet(tmp, index=False))
        return list(self.frames)


def oversize_note(rows: int, shown: int, path: Path) -> str:
    """The note above a table cut short: how many rows, how many shown, where the rest is."""
    return (
        f"This table has {rows:,} rows, more than an Excel sheet holds; the first {shown:,} "
        f"are below and all of them are in {path.name} beside this report (read it with "
        "pandas.read_parquet, DuckDB or Excel's Power Query)."
    )


def tidy_sheet(
    wb: Workbook,
    name: str,
    frame: pd.DataFrame,
    columns: Mapping[str, Col],
    *,
    note: str = "",
    print_all: bool = False,
    side: SideTables | None = None,
    words: Mapping[str, Mapping[str, str]] | None = None,
    canonical: pd.DataFrame | None = None,
) -> Block:
    """A sheet holding one tidy table from A1, frozen header, Excel table, fitted widths.

    ``words`` maps a column's ids to reader words on the sheet only (a side file keeps
    the ids, for scripts). ``canonical`` is the same table in the model's units (kt,
    million USD) when ``frame`` shows natural units: a side file gets it, for scripts.

    A table with no rows gets one row saying so (``note`` or a default). On paper a table
    prints its first :data:`PRINT_ROWS` rows (header repeated, a footer saying so) unless
    ``print_all``. A table longer
    than :data:`MAX_ROWS` goes whole to ``side`` (the columns shown, in order) and the
    sheet shows its first ``MAX_ROWS - 1`` rows under a note naming the file.

    Raises
    ------
    OutputError
        If the table is longer than a sheet holds and there is no ``side`` to take it, or
        its side file may not be written (see :meth:`SideTables.add`).
    """
    widths = [c.width for c in columns.values()]
    if frame.empty:
        sheet = SheetWriter(wb, name, widths, freeze="A2")
        block = sheet.table(frame, columns)
        sheet.text(note or "No rows: nothing of this kind in the plan.", font=NOTE_FONT)
        return block
    if len(frame) <= MAX_ROWS:
        sheet = SheetWriter(wb, name, widths, freeze="A2", landscape=True, fit_width=True)
        print_first_rows(sheet, len(frame), len(columns), everything=print_all)
        return sheet.table(_worded(frame, words), columns, excel_table=True)
    return _oversize_sheet(wb, name, frame, columns, side, words, canonical)


def _worded(frame: pd.DataFrame, words: Mapping[str, Mapping[str, str]] | None) -> pd.DataFrame:
    """``frame`` with the ids of the ``words`` columns replaced by their words."""
    if not words:
        return frame
    return frame.assign(
        **{c: frame[c].map(lambda v, m=m: m.get(v, v)) for c, m in words.items() if c in frame}
    )


#: data rows of a long table that go to paper: about one landscape page. The workbook
#: holds every row; a reader prints the Summary and the head of each table, not 80 pages
#: of flows.
PRINT_ROWS = 25


def print_first_rows(
    sheet: SheetWriter, rows: int, columns: int, header_row: int = 1, *, everything: bool = False
) -> None:
    """Repeat the header row on every printed page and, for a table longer than
    :data:`PRINT_ROWS` (unless ``everything``), print only its first rows and the first
    ``columns`` columns, saying so in the page footer."""
    ws = sheet.ws
    ws.print_title_rows = f"{header_row}:{header_row}"
    if rows > PRINT_ROWS and not everything:
        last = get_column_letter(max(columns, 1))
        ws.print_area = f"A1:{last}{header_row + PRINT_ROWS}"
        ws.oddFooter.center.text = (
            f"{sheet.name}: the first {PRINT_ROWS} of {rows:,} rows are printed; "
            "the workbook holds them all"
        )
    else:
        ws.oddFooter.center.text = f"{sheet.name}, page &P of &N"


def _oversize_sheet(
    wb: Workbook,
    name: str,
    frame: pd.DataFrame,
    columns: Mapping[str, Col],
    side: SideTables | None,
    words: Mapping[str, Mapping[str, str]] | None = None,
    canonical: pd.DataFrame | None = None,
) -> Block:
    """A table longer than a sheet: whole to ``side`` (in the model's units when
    ``canonical`` is given), its first rows under a note.

    Note row + header row + ``MAX_ROWS - 1`` data rows = ``MAX_ROWS + 1`` rows, Excel's
    1,048,576.
    """
    if side is None:
        raise OutputError(
            f"the table for sheet '{name}' has {len(frame):,} rows, more than an Excel "
            f"sheet holds ({MAX_ROWS:,} under the header), and has no side file to go to"
        )
    whole = frame if canonical is None else canonical
    path = side.add(name, whole[[c for c in columns if c in whole]].reset_index(drop=True))
    shown = MAX_ROWS - 1
    widths = [c.width for c in columns.values()]
    sheet = SheetWriter(wb, name, widths, freeze="A3", landscape=True, fit_width=True)
    print_first_rows(sheet, len(frame), len(columns), header_row=2)
    sheet.text(oversize_note(len(frame), shown, path), font=NOTE_FONT)
    return sheet.table(_worded(frame.iloc[:shown], words), columns, excel_table=True)
