"""Write tidy tables to an xlsx file safely.

Safety rules, because a report is what people keep:

- never overwrite an existing file unless asked (``overwrite=True``);
- write to a temporary file in the target folder, then swap it in with ``os.replace``, so
  a crash never leaves a half-written report in place of the old one;
- if the target is locked (open in Excel on Windows), keep the new report under another
  name and say so in the returned ``WriteOutcome``;
- text beginning with ``=`` is written as text, never as a formula.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

from msc_model.errors import OutputError

MAX_SHEET_NAME = 31
_HEADER_FONT = Font(bold=True)


@dataclass(frozen=True)
class WriteOutcome:
    path: Path  # where the report is
    note: str = ""  # e.g. "target was locked; written as ..."


def _cell(ws, value: object, *, bold: bool = False) -> WriteOnlyCell:
    if isinstance(value, float) and value != value:  # NaN -> blank
        value = None
    elif hasattr(value, "item"):  # numpy scalar -> Python
        value = value.item()
    cell = WriteOnlyCell(ws, value=value)
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"  # user text, not a formula
    if bold:
        cell.font = _HEADER_FONT
    return cell


def _fill(wb: Workbook, sheets: Mapping[str, pd.DataFrame]) -> None:
    for name, frame in sheets.items():
        if len(name) > MAX_SHEET_NAME:
            raise ValueError(f"sheet name '{name}' is longer than {MAX_SHEET_NAME} characters")
        ws = wb.create_sheet(name)
        ws.freeze_panes = "A2"
        ws.append([_cell(ws, str(c), bold=True) for c in frame.columns])
        for row in frame.itertuples(index=False, name=None):
            ws.append([_cell(ws, v) for v in row])


def write_tables(
    sheets: Mapping[str, pd.DataFrame], path: str | Path, *, overwrite: bool = False
) -> WriteOutcome:
    """Write each DataFrame to its own sheet of a new xlsx file, atomically.

    Raises
    ------
    OutputError
        If ``path`` exists and ``overwrite`` is false, or its folder does not exist.
    """
    path = Path(path)
    if path.exists() and not overwrite:
        raise OutputError(f"{path} exists; use --overwrite to replace it")
    if not path.parent.is_dir():
        raise OutputError(f"folder {path.parent} does not exist")
    wb = Workbook(write_only=True)
    _fill(wb, sheets)
    handle, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=".xlsx", dir=path.parent)
    os.close(handle)
    tmp = Path(tmp_name)
    try:
        wb.save(tmp)
        return _swap_in(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _swap_in(tmp: Path, path: Path) -> WriteOutcome:
    try:
        os.replace(tmp, path)
        return WriteOutcome(path)
    except PermissionError:
        # The target is locked (open in Excel): keep the new report beside it.
        for n in range(1, 100):
            alt = path.with_name(f"{path.stem} ({n}){path.suffix}")
            if not alt.exists():
                os.replace(tmp, alt)
                return WriteOutcome(
                    alt, f"{path.name} is locked (open in Excel?); the new report is {alt.name}"
                )
        raise OutputError(f"{path} is locked and no free alternative name was found") from None
