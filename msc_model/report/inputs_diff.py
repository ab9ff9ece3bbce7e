"""Which input cells differ from the shipped default workbook, compared sheet by sheet and
cell by cell (same sheet, same address).

Comparing by address is what a reader checks by eye ("demand!D7 was 1.2, now 1.5"); a
row inserted in the middle of a sheet therefore shows every later row as changed, which is
also what happened to those cells. The comparison never fails a report: a missing or
unreadable default gives a note instead of a table.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from openpyxl.utils import column_index_from_string, get_column_letter

from msc_model.data import ModelData
from msc_model.errors import InputError
from msc_model.inputs.reader import Limits, read_workbook
from msc_model.inputs.validate import frame
from msc_model.schema import SHEETS
from msc_model.shipped import default_workbook

#: at most this many differences are listed (a wholly different workbook would list
#: every cell; the count of the rest is given)
MAX_CHANGES = 20_000
CHANGE_COLUMNS = ["sheet", "cell", "column", "change", "value", "default"]


@dataclass
class InputDiff:
    """The result of a comparison.

    Attributes
    ----------
    reference
        The workbook compared with, or ``None`` when there was none to compare.
    changes
        One row per differing cell: sheet, cell ("D7"), column (header), change
        ("changed", "added", "removed"), value (this run), default (reference).
    marked
        Sheet → {(Excel row, column position)} of cells of this run that differ.
    note
        A sentence for the reader (no reference, identical file, truncated list, ...).
    """

    reference: Path | None
    changes: pd.DataFrame
    marked: dict[str, set[tuple[int, int]]] = field(default_factory=dict)
    note: str = ""
    reference_sha256: str = ""  # of the reference's bytes as read for the comparison


def default_reference() -> Path | None:
    """The shipped default workbook if it exists (the report works without it)."""
    path = default_workbook()
    return path if path.is_file() else None


def _blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def same_value(a: object, b: object) -> bool:
    """Equal as a reader would judge: blanks equal, 1 == 1.0, text compared stripped."""
    if _blank(a) or _blank(b):
        return _blank(a) and _blank(b)
    numbers = (int, float)
    if isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool):
        return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=0.0)
    if isinstance(a, str) and isinstance(b, str):
        return a.strip() == b.strip()
    return a == b


def _rows(table: pd.DataFrame) -> dict[int, tuple]:
    return dict(zip(table.index.tolist(), table.itertuples(index=False, name=None), strict=True))


def compare_tables(
    current: dict[str, pd.DataFrame], reference: dict[str, pd.DataFrame]
) -> tuple[list[tuple], dict[str, set[tuple[int, int]]], int]:
    """Differences between two sets of tables as read (``frame`` layout: index = Excel
    row, columns by position). Returns (change rows, marked cells, number not listed)."""
    changes: list[tuple] = []
    marked: dict[str, set[tuple[int, int]]] = {}
    dropped = 0

    def add(row: tuple) -> None:
        nonlocal dropped
        if len(changes) < MAX_CHANGES:
            changes.append(row)
        else:
            dropped += 1

    for sheet in [*current, *(s for s in reference if s not in current)]:
        mine, theirs = current.get(sheet), reference.get(sheet)
        if mine is None or theirs is None:
            add((sheet, "", "", "sheet removed" if mine is None else "sheet added", None, None))
            continue
        names = list(mine.columns)
        headers = max(len(mine.columns), len(theirs.columns))
        for j in range(headers):
            a = mine.columns[j] if j < len(mine.columns) else None
            b = theirs.columns[j] if j < len(theirs.columns) else None
            if not same_value(a, b):
                add((sheet, f"{get_column_letter(j + 1)}1", a or b, _kind(a, b), a, b))
        rows_a, rows_b = _rows(mine), _rows(theirs)
        for number in sorted(rows_a.keys() | rows_b.keys()):
            a_row, b_row = rows_a.get(number, ()), rows_b.get(number, ())
            if a_row == b_row:
                continue  # the common case, decided without a cell loop
            for j in range(max(len(a_row), len(b_row))):
                a = a_row[j] if j < len(a_row) else None
                b = b_row[j] if j < len(b_row) else None
                if same_value(a, b):
                    continue
                column = names[j] if j < len(names) else theirs.columns[j]
                add((sheet, f"{get_column_letter(j + 1)}{number}", column, _kind(a, b), a, b))
                if not _blank(a):
                    marked.setdefault(sheet, set()).add((number, j))
    return changes, marked, dropped


def _kind(a: object, b: object) -> str:
    if _blank(b):
        return "added"
    return "removed" if _blank(a) else "changed"


def compare_inputs(data: ModelData, reference: Path | None) -> InputDiff:
    """Compare the tables of ``data`` with the workbook ``reference`` (see module doc).

    A scenario run lists first the cells its scenario changed, against the run's own
    workbook (change ``scenario '<name>'``, "default" being the workbook's value): the diff
    against the base of the run, before the diff against the shipped default.
    """
    diff = _compare(data, reference)
    origin = data.provenance
    if not origin.scenario_cells:
        return diff
    rows = [
        (sheet, cell, column, f"scenario '{origin.scenario}'", used, before)
        for sheet, cell, column, used, before in origin.scenario_cells
    ]
    scenario = pd.DataFrame(rows, columns=CHANGE_COLUMNS)
    changes = scenario if diff.changes.empty else pd.concat([scenario, diff.changes])
    marked = {k: set(v) for k, v in diff.marked.items()}
    for sheet, cell, *_ in origin.scenario_cells:
        letters = cell.rstrip("0123456789")
        table = data.tables.get(sheet)
        if table is not None:
            marked.setdefault(sheet, set()).add(
                (int(cell[len(letters) :]), column_index_from_string(letters) - 1)
            )
    note = (
        f"{len(rows)} cell(s) changed by scenario '{origin.scenario}' (listed first, against "
        f"{Path(data.source).name}). {diff.note}"
    )
    return InputDiff(
        diff.reference, changes.reset_index(drop=True), marked, note, diff.reference_sha256
    )


def _compare(data: ModelData, reference: Path | None) -> InputDiff:
    empty = pd.DataFrame(columns=CHANGE_COLUMNS)
    if reference is None:
        return InputDiff(None, empty, note="No default workbook to compare with.")
    same = data.source and Path(data.source).resolve() == reference.resolve()
    if same and not data.provenance.scenario:
        note = f"This run uses {reference.name} unchanged."
        return InputDiff(
            reference, empty, note=note, reference_sha256=data.provenance.source_sha256
        )
    try:
        _, raw, book = read_workbook(reference, list(SHEETS), Limits())
    except (InputError, OSError) as exc:
        return InputDiff(None, empty, note=f"{reference.name} could not be read: {exc}")
    theirs = {name: frame(sheet) for name, sheet in raw.items()}
    changes, marked, dropped = compare_tables(dict(data.tables), theirs)
    table = pd.DataFrame(changes, columns=CHANGE_COLUMNS)
    if not changes:
        note = f"No input cell differs from {reference.name}."
    else:
        note = f"{len(changes) + dropped} cell(s) differ from {reference.name}"
        note += f"; the first {len(changes)} are listed." if dropped else "."
    return InputDiff(reference, table, marked, note, book.sha256)
