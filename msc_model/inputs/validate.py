"""load_inputs: workbook → checked, converted :class:`ModelData`, or one InputError.

Sheets are processed in dependency order: set sheets (members the index columns refer
to), ``settings`` (horizon for year checks, exchange rate for CNY), ``content_bases``
(bases usable in units), then every other parameter sheet; cross-sheet checks run last.
Every problem is collected; one :class:`InputError` lists them all.
"""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pandas as pd
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string

from msc_model.data import ModelData, Provenance
from msc_model.errors import Problem, ProblemCollector, UnitError, did_you_mean
from msc_model.inputs import checks
from msc_model.inputs.cells import CellProblem, address, is_blank, parse_name
from msc_model.inputs.context import Context
from msc_model.inputs.convert import convert_sheet
from msc_model.inputs.names import describe, near_misses
from msc_model.inputs.reader import (
    Limits,
    RawSheet,
    WorkbookBytes,
    find_formulas,
    read_workbook,
)
from msc_model.inputs.shocks import read_shocks
from msc_model.inputs.sources import check_sources
from msc_model.inputs.tables import read_param_sheet, read_set_sheet
from msc_model.schema import PARAM_SHEETS, REQUIRED_SHEETS, SET_SHEETS, SHEETS
from msc_model.units import parse_unit

#: sheets a workbook may hold besides the catalogue's (the template's documentation)
#: sheets read by other parts of the tool (scenario overlays, sweep declarations) or kept
#: for people (README); never reported as unknown
DOCUMENTATION_SHEETS = ("README", "scenarios", "sweep")
_BASIS_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
#: settings and content bases first: later sheets need their horizon, rate and bases
_ORDER = {"settings": 0, "content_bases": 1, "deflator": 1}  # before any money is read


def load_inputs(path: str | Path, *, limits: Limits | None = None) -> ModelData:
    """Read, check and convert a workbook into :class:`ModelData`.

    Parameters
    ----------
    path
        The ``.xlsx`` workbook. It is opened read-only and never written.
    limits
        Size caps (file size, unzipped size, rows, columns); the defaults suit any real
        model workbook.

    Returns
    -------
    ModelData
        Sets, years and every parameter in canonical units, with the cell each value came
        from and the warnings (unknown sheets or columns, capacity outside the horizon).

    Raises
    ------
    InputError
        Listing every problem found, each as ``sheet!CELL: found …, expected …``.
    """
    path = Path(path)
    limits = limits or Limits()
    names, raw, book = read_workbook(path, list(SHEETS), limits)
    ctx = Context(ProblemCollector(source=str(path)))
    _check_lock_file(ctx, path)
    _check_sheet_names(ctx, names)
    _check_layout(ctx, raw)
    set_rows = {}
    for spec in SET_SHEETS:
        members = read_set_sheet(ctx, raw[spec.sheet], spec) if spec.sheet in raw else None
        set_rows[spec.sheet] = members or {}
        ctx.sets[spec.sheet] = tuple(members) if members is not None else None
    for spec in sorted(PARAM_SHEETS, key=lambda s: _ORDER.get(s.sheet, 2)):
        if spec.sheet not in raw:
            continue
        entries = read_param_sheet(ctx, raw[spec.sheet], spec)
        if entries is None:
            continue  # a required column is missing: reported, its values unknown
        ctx.entries[spec.sheet] = entries
        convert_sheet(ctx, spec, entries)
        if spec.sheet == "settings":
            _set_horizon(ctx)
        elif spec.sheet == "content_bases":
            _declare_bases(ctx)
    checks.check_dense(ctx)
    vintages = checks.build_vintages(ctx)
    checks.check_limits(ctx, vintages)
    checks.check_pairs(ctx)
    checks.check_end_uses(ctx)
    library = read_shocks(ctx, raw, set_rows)  # the optional shocks and shock_scenarios
    check_sources(ctx, raw)  # every cited source key listed, when a sources sheet exists
    _explain_formulas(ctx, book)
    ctx.problems.problems.sort(key=_reading_order)
    ctx.problems.raise_if_any()
    provenance = Provenance(source_sha256=book.sha256, inputs=(str(path),))
    data = _model_data(ctx, path, raw, set_rows, vintages)
    return dataclasses.replace(data, provenance=provenance, **library)


_SHEET_ORDER = {name: position for position, name in enumerate(SHEETS)}


def _reading_order(problem: Problem) -> tuple[int, int, int]:
    """Sort problems as a reader walks the workbook: sheet by sheet, row by row."""
    match = re.match(r"^([A-Z]+)(\d*)$", problem.cell)
    if not match:
        return (_SHEET_ORDER.get(problem.sheet, -1), 10**9, 0)
    column = sum((ord(c) - 64) * 26**i for i, c in enumerate(reversed(match.group(1))))
    return (_SHEET_ORDER.get(problem.sheet, -1), int(match.group(2) or 0), column)


def _check_sheet_names(ctx: Context, names: list[str]) -> None:
    misses = dict(near_misses(names, [*SHEETS, *DOCUMENTATION_SHEETS]))
    for name, expected in misses.items():
        ctx.add(
            name,
            "",
            describe(name),
            f"the sheet name '{expected}' exactly",
            "rename the sheet; as it is, msc does not read it and its table would be left out",
        )
    for sheet in REQUIRED_SHEETS:
        if sheet not in names and sheet not in misses.values():
            ctx.add(
                sheet, "", "no such sheet", f"a sheet named '{sheet}'", did_you_mean(sheet, names)
            )
    for name in names:
        if name not in SHEETS and name not in DOCUMENTATION_SHEETS and name not in misses:
            hint = did_you_mean(name, SHEETS)
            ctx.warn(name, "", f"sheet '{name}'", "a sheet of the catalogue (ignored)", hint)


def _check_layout(ctx: Context, raw: dict[str, RawSheet]) -> None:
    """Hidden sheets are a warning: hiding is a fair way to tidy a workbook and the values
    are valid, but the reader should know that numbers nobody sees enter the model.

    Merged cells in a table are an error: only the first cell of a merged range holds a
    value, so the others read blank and a row loses values (or is dropped) silently.
    A merged range only within ``source``/``note`` columns loses nothing the model
    uses, and is a warning.
    """
    for name, sheet in raw.items():
        if sheet.hidden:
            ctx.warn(
                name,
                "",
                "a hidden sheet",
                "a visible sheet",
                "its values are used although Excel does not show it; unhide it to check them",
            )
        for block in sheet.merged:
            first, _, last = block.partition(":")
            try:
                low = column_index_from_string(coordinate_from_string(first)[0])
                high = column_index_from_string(coordinate_from_string(last or first)[0])
            except ValueError:
                low, high = 1, 1
            headers = [
                str(sheet.header[i - 1]).strip() if i - 1 < len(sheet.header) else ""
                for i in range(low, high + 1)
            ]
            report = ctx.warn if all(h in ("source", "note") for h in headers) else ctx.add
            report(
                name,
                block,
                f"merged cells {block}",
                "one value per cell",
                "unmerge them (Home > Merge & Center > Unmerge Cells) and fill every cell",
            )


def _check_lock_file(ctx: Context, path: Path) -> None:
    """Excel keeps ``~$name`` beside a workbook it has open (a long name loses its first
    two characters): edits not yet saved are not in the file being read."""
    for lock in (path.with_name("~$" + path.name), path.with_name("~$" + path.name[2:])):
        if lock != path and lock.is_file():
            ctx.warn(
                path.name,
                "",
                f"the Excel lock file {lock.name} beside it",
                "the workbook closed in Excel",
                "the workbook is open in Excel: edits not yet saved are not read",
            )
            return


def _set_horizon(ctx: Context) -> None:
    for name in ("base_year", "final_year"):
        value = ctx.params.get(name, {}).get(())
        setattr(ctx, name, int(value) if value is not None else None)
    checks.check_horizon(ctx)


def _declare_bases(ctx: Context) -> None:
    """Content bases of the workbook, usable in units of rows of their metal."""
    metals = ctx.sets.get("metals")
    for entry in ctx.entries.get("content_bases", []):
        fraction = ctx.params.get("metal_fraction", {}).get(entry.key)
        name = entry.key[0]
        cell = entry.index_cells[0]
        if not _BASIS_NAME.match(name) or name in (metals or ()) or _is_unit(name):
            ctx.add(
                "content_bases",
                cell,
                f"basis name '{name}'",
                "a name of letters and digits that is not a unit or metal symbol (e.g. Fe62)",
            )
            continue
        raw, metal_cell = entry.extras.get("metal", (None, ""))
        if is_blank(raw):
            ctx.blank("content_bases", metal_cell, "the metal the basis measures")
            continue
        try:
            metal = parse_name(raw)
        except CellProblem as exc:
            ctx.add("content_bases", metal_cell, exc.found, exc.expected)
            continue
        if metals is not None and metal not in metals:
            ctx.add(
                "content_bases",
                metal_cell,
                f"'{metal}'",
                "a metal listed on the metals sheet",
                did_you_mean(metal, metals),
            )
            continue
        if fraction is not None:
            ctx.bases[name] = (metal, fraction)


def _is_unit(name: str) -> bool:
    try:
        parse_unit(name)
    except UnitError:
        return False
    return True


def _explain_formulas(ctx: Context, book: WorkbookBytes) -> None:
    """Blank cells that hold a formula: the value was never computed, not left out.

    Only runs when some cell read blank, so a clean workbook is opened once.
    """
    if not ctx.blank_cells:
        return
    formulas = find_formulas(book, ctx.blank_cells)
    if not formulas:
        return
    kept: list[Problem] = []
    expected: dict[tuple[str, str], str] = {}
    for problem in ctx.problems.problems:
        where = (problem.sheet, problem.cell)
        if where in formulas and problem.found == "blank":
            expected.setdefault(where, problem.expected)
        else:
            kept.append(problem)
    for (sheet, cell), formula in sorted(formulas.items()):
        kept.append(
            Problem(
                sheet,
                cell,
                f"formula {formula[:40]} with no cached value",
                expected.get((sheet, cell), "a value"),
                "open and save in Excel or enter the value",
            )
        )
    ctx.problems.problems = kept


def _model_data(
    ctx: Context, path: Path, raw: dict[str, RawSheet], set_rows, vintages
) -> ModelData:
    regions = set_rows["regions"]
    return ModelData(
        metals=ctx.sets["metals"] or (),
        regions=ctx.sets["regions"] or (),
        origins=ctx.sets["origins"] or (),
        modes=ctx.sets["modes"] or (),
        years=ctx.years or (),
        hinterland=frozenset(r for r, a in regions.items() if a["hinterland"]),
        sea_ports=frozenset(r for r, a in regions.items() if a["sea_port"]),
        land_corridors=frozenset(r for r, a in regions.items() if a["land_corridor"]),
        origin_entry={o: a["entry"] for o, a in set_rows["origins"].items()},
        params=ctx.params,
        vintages=vintages,
        metal_names={m: a.get("name") or m for m, a in set_rows["metals"].items()},
        cells=ctx.cells,
        tables={name: frame(sheet) for name, sheet in raw.items()},
        source=str(path),
        warnings=tuple(str(w) for w in ctx.problems.warnings),
        texts=dict(ctx.texts),
    )


def frame(sheet: RawSheet) -> pd.DataFrame:
    """A sheet as read (raw values, source and note included) for the report."""
    width = max([len(sheet.header)] + [_width(values) for _, values in sheet.rows])
    columns: list[str] = []
    for position in range(width):
        value = sheet.header[position] if position < len(sheet.header) else None
        name = address(1, position + 1)[:-1] if is_blank(value) else str(value).strip()
        columns.append(name if name not in columns else f"{name} ({address(1, position + 1)[:-1]})")
    rows = [tuple(values[:width]) + (None,) * (width - len(values)) for _, values in sheet.rows]
    table = pd.DataFrame(rows, columns=columns, dtype=object)
    table.index = [number for number, _ in sheet.rows]  # Excel row numbers, for provenance
    return table


def _width(values: tuple[object, ...]) -> int:
    end = len(values)
    while end and is_blank(values[end - 1]):
        end -= 1
    return end
