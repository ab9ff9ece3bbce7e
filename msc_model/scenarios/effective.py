"""The input tables a scenario run actually used, for the report's Inputs sheets.

A scenario changes parameter values in canonical units; the report shows the workbook's
tables as typed, in the workbook's units. Every value a scenario changed that came from
a cell is therefore rewritten in that cell's own unit: units here are linear, so the new
cell value is the old one times ``after / before``. Values that did not come from a cell
(catalogue defaults, rows a ``set`` creates) or whose old value was zero cannot be shown
this way; they are listed by the scenario rows in Run info instead.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import pandas as pd
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string


def effective_tables(tables: Mapping[str, object], changes: Iterable) -> dict[str, object]:
    """A copy of ``tables`` (``frame`` layout: index = Excel row) with each changed cell
    holding the value the run used."""
    return rewrite_cells(tables, changes)[0]


def rewrite_cells(
    tables: Mapping[str, object], changes: Iterable
) -> tuple[dict[str, object], list[tuple[str, str, str, object, object]]]:
    """As :func:`effective_tables`, and each cell rewritten as (sheet, cell, column
    header, value used, value in the workbook), for the report's Changed inputs."""
    result = dict(tables)
    edits: list[tuple[str, str, str, object, object]] = []
    copied: set[str] = set()
    for change in changes:
        sheet, _, cell = change.input_cell.partition("!")
        table = result.get(sheet)
        if not cell or not isinstance(table, pd.DataFrame):
            continue
        try:
            letters, row = coordinate_from_string(cell)
        except ValueError:
            continue
        position = column_index_from_string(letters) - 1
        if row not in table.index or position >= len(table.columns):
            continue
        old = table.iat[table.index.get_loc(row), position]
        new = _rescaled(old, change.before, change.after)
        if new is None:
            continue
        if sheet not in copied:
            table = result[sheet] = table.copy()
            copied.add(sheet)
        table.iat[table.index.get_loc(row), position] = new
        edits.append((sheet, cell, str(table.columns[position]), new, old))
    return result, edits


def _rescaled(old: object, before: float | None, after: float) -> float | None:
    if isinstance(old, bool) or not isinstance(old, int | float) or before is None:
        return None
    if before == 0 or not math.isfinite(float(old)):
        return None
    value = float(old) * (after / before)
    return float(round(value)) if isinstance(old, int) and value.is_integer() else value
