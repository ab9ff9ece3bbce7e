"""Save xlsx files safely, and write plain tidy tables (``write_tables``).

Safety rules, because a report is what people keep:

- never write into the input workbook (``protect``), never onto a folder;
- never overwrite an existing file unless asked (``overwrite=True``);
- build the whole workbook first, then save it to a temporary file in the target folder
  and swap it in with ``os.replace``: a crash while building or saving leaves the old
  report untouched and no temporary file behind;
- if the target cannot be replaced because it is locked (open in Excel on Windows; on
  Linux an immutable file, ``chattr +i``, fails the same way with ``PermissionError``),
  keep the new report under another name and say so in the returned ``WriteOutcome``;
- text beginning with ``=`` is written as text, never as a formula.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from zipfile import ZIP_DEFLATED, ZipFile

import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.writer.excel import ExcelWriter

from msc_model.errors import OutputError

MAX_SHEET_NAME = 31
#: zlib level of saved workbooks: a provincial report's ~38 MB of sheet XML compresses in
#: 0.11 s at level 1 against 0.39 s at openpyxl's 6, for a file 20 % larger (4.3 / 3.6 MB)
COMPRESSION = 1
_HEADER_FONT = Font(bold=True)


@dataclass(frozen=True)
class WriteOutcome:
    """Where a report went and what the user must be told about it."""

    path: Path  # where the report is
    note: str = ""  # e.g. "target was locked; written as ..."
    companions: tuple[Path, ...] = ()  # written beside it: flow diagram HTML, Parquet tables


def check_target(
    path: str | Path, *, overwrite: bool, protect: Iterable[str | Path | None] = ()
) -> Path:
    """Refuse a target that must not be written; return it as a ``Path``.

    Raises
    ------
    OutputError
        If ``path`` is one of the ``protect`` files (the input workbook), a folder, an
        existing file without ``overwrite``, or its folder does not exist.
    """
    path = Path(path)
    for other in protect:
        if other and _same_file(path, Path(other)):
            raise OutputError(f"{path} is the input workbook; the report must go to another file")
    if path.is_dir():
        raise OutputError(f"{path} is a folder; give a file name such as report.xlsx")
    if path.exists() and not overwrite:
        raise OutputError(f"{path} exists; use --overwrite to replace it")
    if not path.parent.is_dir():
        raise OutputError(f"folder {path.parent} does not exist")
    return path


def _same_file(a: Path, b: Path) -> bool:
    if a.resolve() == b.resolve():
        return True
    try:  # hard links and case-insensitive file systems
        return a.exists() and b.exists() and os.path.samefile(a, b)
    except OSError:
        return False


def save_atomically(save: Callable[[Path], None], path: Path, suffix: str) -> WriteOutcome:
    """Call ``save(tmp)`` on a temporary file beside ``path``, then swap it in.

    ``save`` must write the complete file; if it raises, the temporary file is removed and
    ``path`` is left as it was.
    """
    handle, tmp_name = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=suffix, dir=path.parent)
    os.close(handle)
    tmp = Path(tmp_name)
    try:
        save(tmp)
        # mkstemp makes the file private (0600); give the report the permissions of the
        # file it replaces, else those of any new file (0666 less the umask)
        os.chmod(tmp, path.stat().st_mode & 0o777 if path.is_file() else _new_file_mode())
        return _swap_in(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _new_file_mode() -> int:
    mask = os.umask(0)  # the only portable way to read the umask is to set it
    os.umask(mask)
    return 0o666 & ~mask


def discard_workbook(wb: Workbook) -> None:
    """Close a write-only workbook that will not be saved and delete its temporary files.

    Building a report can stop half-way (a refused side file, a bug); its sheets are then
    streams left open in openpyxl's temporary files. Closing them here, rather than at
    garbage collection, ends each stream cleanly and leaves no file behind.
    """
    for ws in wb.worksheets:
        with contextlib.suppress(Exception):
            if not ws.closed:
                ws.close()
        writer = getattr(ws, "_writer", None)
        if writer is not None:
            with contextlib.suppress(Exception):
                writer.cleanup()


def save_workbook(wb: Workbook, path: Path) -> WriteOutcome:
    """Save a fully built workbook to ``path`` atomically (see :func:`save_atomically`)."""
    return save_atomically(lambda tmp: _save(wb, tmp), path, ".xlsx")


def _save(wb: Workbook, target: Path) -> None:
    """``Workbook.save`` with zlib level :data:`COMPRESSION` instead of the default 6."""
    if wb.write_only and not wb.worksheets:
        wb.create_sheet()
    wb.properties.modified = datetime.now(UTC).replace(tzinfo=None)
    with ZipFile(target, "w", ZIP_DEFLATED, allowZip64=True, compresslevel=COMPRESSION) as zf:
        ExcelWriter(wb, zf).save()


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


# -- plain tidy tables (benchmarks, scripts) ---------------------------------------------


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
    path = check_target(path, overwrite=overwrite)
    wb = Workbook(write_only=True)
    _fill(wb, sheets)
    return save_workbook(wb, path)
