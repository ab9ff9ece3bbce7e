"""Safe opening of a workbook and reading of its sheets as raw tables.

The workbook is opened read-only (values, not formulas) and never written. Before
openpyxl touches the file, cheap checks refuse what would crash it or exhaust memory:
Excel lock files, encrypted/legacy (OLE2) files, non-zip files, oversize files and zip
members whose declared uncompressed size is too large (zip bombs; Python's ``zipfile``
enforces the declared sizes while reading). XML entity bombs are stopped by defusedxml,
which openpyxl uses when it is installed; its exception becomes an :class:`InputError`.

The file is read into memory once (it is at most ``max_file_bytes``), hashed, and only
those bytes are parsed: the SHA-256 a report records is that of the bytes the model was
built from, even if the file is replaced or deleted while the run goes on.

Cell values are read with calamine (Rust; ~25x faster than openpyxl's read-only mode:
0.05 s against 1.1 s for the 45,000 cells of a 31-region workbook) when the checks found
the workbook plain: no DTD or entity declaration in any part, no error or ISO-date cells,
every cell with its reference, and sheets whose used area is small enough to hold whole
(calamine builds a sheet's rectangle in memory, where openpyxl streams rows). Anything else
is read by openpyxl exactly as before, so its messages (forbidden XML, row caps, Excel
error codes) stay the same; so is a workbook calamine cannot read.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import pyexpat
import re
import warnings
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from xml.etree.ElementTree import ParseError

import openpyxl
import python_calamine
from defusedxml import DefusedXmlException
from openpyxl.utils import column_index_from_string, get_column_letter

from msc_model.errors import InputError, Problem

#: first bytes of an OLE2/CFB container: encrypted xlsx or a legacy .xls
OLE2_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
MB = 2**20


@dataclass(frozen=True)
class Limits:
    """Size caps checked before and while reading (tests pass smaller ones).

    The part caps bound what openpyxl builds in memory before the first cell is read: it
    parses the whole style sheet into objects (~25 bytes of XML became ~700 bytes of
    Python each: a 190 MB styles.xml took 5 GB) and loads every shared string. A real
    model workbook's styles.xml is tens of KB, its shared strings a few thousand.
    """

    max_file_bytes: int = 50 * MB
    max_unzipped_bytes: int = 200 * MB
    max_rows: int = 200_000
    max_columns: int = 2_000
    #: xl/styles.xml unzipped
    max_styles_bytes: int = 4 * MB
    #: any other part that is not a worksheet or the shared strings (workbook.xml, rels,
    #: content types, document properties, themes)
    max_other_part_bytes: int = 16 * MB
    #: shared strings (counted while streaming, not trusted from ``uniqueCount``)
    max_shared_strings: int = 300_000
    #: cells in all worksheets together (counted while streaming)
    max_cells: int = 2_000_000
    #: largest sheet rectangle (last row x last column) read whole by calamine; a larger
    #: one is streamed by openpyxl, which enforces the row and column caps as it goes
    max_area: int = 5_000_000


@dataclass
class RawSheet:
    """One sheet as read: the header row and the non-blank data rows with their numbers."""

    name: str
    header: tuple[object, ...] = ()
    rows: list[tuple[int, tuple[object, ...]]] = field(default_factory=list)
    hidden: bool = False  # hidden or "very hidden" in Excel: read, but nobody sees it
    merged: list[str] = field(default_factory=list)  # merged ranges, e.g. "A5:C5"

    def add(self, number: int, values: tuple[object, ...]) -> None:
        """Row ``number`` (1-based) as read: the first is the header, blank ones are left out."""
        if number == 1:
            self.header = _trim(values)
        elif any(not _blank(v) for v in values):
            self.rows.append((number, values))


# Errors openpyxl and zipfile raise on malformed content; caught only around their calls.
_READ_ERRORS = (
    zipfile.BadZipFile,
    zlib.error,
    ParseError,
    KeyError,
    ValueError,
    TypeError,
    IndexError,
    AttributeError,
    EOFError,
    OSError,
    SyntaxError,  # lxml's XMLSyntaxError (a truncated part) when lxml is installed
    NotImplementedError,  # an unsupported compression method
)


def _fail(path: Path, found: str, expected: str, hint: str = "") -> InputError:
    return InputError([Problem(path.name, "", found, expected, hint)], str(path))


@dataclass(frozen=True)
class WorkbookBytes:
    """A workbook's bytes as read once, and their SHA-256."""

    path: Path
    content: bytes
    sha256: str
    #: the checks found nothing that only openpyxl reads as intended (see the module)
    plain: bool = False

    def stream(self) -> io.BytesIO:
        return io.BytesIO(self.content)


def read_bytes(path: Path, limits: Limits) -> WorkbookBytes:
    """Check ``path`` (:func:`check_file`) and read its bytes once, hashed as read.

    Raises
    ------
    InputError
        As :func:`check_file`, or when the file grew past the cap or became unreadable
        between the check and the read.
    """
    check_file(path, limits)
    try:
        with path.open("rb") as handle:
            content = handle.read(limits.max_file_bytes + 1)
    except OSError as exc:
        reason = f"an unreadable file ({exc.strerror or exc})"
        raise _fail(path, reason, "an .xlsx workbook") from None
    if len(content) > limits.max_file_bytes:
        raise _fail(path, "a file larger than the cap", f"at most {limits.max_file_bytes} bytes")
    book = WorkbookBytes(path, content, hashlib.sha256(content).hexdigest())
    return replace(book, plain=_check_archive(book, limits))


def check_file(path: Path, limits: Limits) -> None:
    """Refuse files openpyxl must not open; raise :class:`InputError` with the reason."""
    expected = "an .xlsx workbook"
    if path.name.startswith("~$"):
        real = path.name[2:]
        raise _fail(
            path,
            "an Excel lock file",
            expected,
            f"Excel creates '{path.name}' while a workbook is open: use '{real}' instead",
        )
    if not path.exists():
        hint = "check the path" + (
            f" (folder {path.parent} is missing)" if not path.parent.exists() else ""
        )
        raise _fail(path, "no such file", expected, hint)
    if path.is_dir():
        raise _fail(path, "a folder", expected)
    size = path.stat().st_size
    if size == 0:
        raise _fail(path, "an empty file", expected)
    if size > limits.max_file_bytes:
        raise _fail(
            path,
            f"a file of {size / MB:.0f} MB",
            f"at most {limits.max_file_bytes / MB:.0f} MB",
            "inputs this large are not a model workbook; remove pasted data or images",
        )
    with path.open("rb") as handle:
        head = handle.read(8)
    if head == OLE2_MAGIC:
        raise _fail(
            path,
            "a password-protected workbook or an old .xls file",
            expected,
            "remove the password (File > Info > Protect Workbook) and save as .xlsx",
        )
    if not zipfile.is_zipfile(path):
        kind = "a text or CSV file" if _is_text(head) else "a file that is not a zip archive"
        raise _fail(path, kind, expected, "save it from Excel as 'Excel Workbook (*.xlsx)'")


def _check_archive(book: WorkbookBytes, limits: Limits) -> bool:
    """The zip-level checks, on the bytes that will be parsed; True if the workbook is plain."""
    path, expected = book.path, "an .xlsx workbook"
    if not zipfile.is_zipfile(book.stream()):
        raise _fail(path, "a file that is not a zip archive", expected)
    try:
        with zipfile.ZipFile(book.stream()) as archive:
            members = archive.infolist()
            names = {m.filename for m in members}
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise _fail(path, f"a corrupt zip archive ({exc})", expected) from None
    unzipped = sum(m.file_size for m in members)
    if unzipped > limits.max_unzipped_bytes:
        raise _fail(
            path,
            f"{unzipped / MB:.0f} MB once unzipped",
            f"at most {limits.max_unzipped_bytes / MB:.0f} MB",
            "the file may be a zip bomb, or holds far more than model inputs",
        )
    if "xl/workbook.xml" not in names:
        raise _fail(path, "a zip archive without xl/workbook.xml", expected)
    return _check_parts(book, members, limits)


_SHARED_STRING = re.compile(rb"<(?:\w+:)?si[\s>/]")
_CELL = re.compile(rb"<(?:\w+:)?c[\s>/]")
_CELL_REF = re.compile(rb"<(?:\w+:)?c\s[^>]*?\br=\"([A-Z]{1,3})([0-9]{1,7})\"")
_HINT = "the file may be crafted to exhaust memory; re-save it from Excel"


def _not_plain(block: bytes) -> bool:
    """A declaration (``<!DOCTYPE``, ``<!ENTITY``; also a comment or CDATA, harmless but
    rare), or an error or ISO-date cell type. Literal searches: a regular expression with
    these alternatives took 0.1 s over the sheets of a 31-region workbook."""
    return any(mark in block for mark in (b"<!", b't="e"', b't="d"', b"t='e'", b"t='d'"))


@dataclass
class _Scan:
    """What one streaming pass over a part found (see :func:`_check_parts`)."""

    cells: int = 0
    with_reference: int = 0
    not_plain: bool = False
    last_row: int = 0
    columns: set[bytes] = field(default_factory=set)

    def area(self) -> int:
        last = max(self.columns, key=lambda c: (len(c), c), default=None)
        return self.last_row * (column_index_from_string(last.decode()) if last else 0)


def _check_parts(book: WorkbookBytes, members: list[zipfile.ZipInfo], limits: Limits) -> bool:
    """Refuse parts that would make openpyxl exhaust memory or time, before it parses.

    Declared sizes are enforced by ``zipfile`` while reading (it stops at the declared
    size), so they are checked first; counts (shared strings, cells) are then taken by
    streaming the parts through a regular expression, never by building a tree. The same
    pass tells whether the workbook is plain enough for calamine (the module docstring).
    """
    path = book.path
    plain = True
    for member in members:
        name = member.filename
        if name.startswith("xl/worksheets/") or name == "xl/sharedStrings.xml":
            continue  # bounded by the counts below and the total
        cap = limits.max_styles_bytes if name == "xl/styles.xml" else limits.max_other_part_bytes
        if member.file_size > cap:
            raise _fail(
                path,
                f"{name} of {member.file_size / MB:.1f} MB once unzipped",
                f"at most {cap / MB:.0f} MB",
                _HINT,
            )
    with zipfile.ZipFile(book.stream()) as archive:
        by_name = {m.filename: m for m in members}
        if "xl/sharedStrings.xml" in by_name:
            shared = by_name["xl/sharedStrings.xml"]
            scan = _scan(archive, shared, _SHARED_STRING, limits.max_shared_strings)
            plain &= not scan.not_plain
            if scan.cells > limits.max_shared_strings:
                raise _fail(
                    path,
                    f"more than {limits.max_shared_strings:,} shared strings",
                    f"at most {limits.max_shared_strings:,}",
                    _HINT,
                )
        cells = 0
        for member in members:
            name = member.filename
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                scan = _scan(archive, member, _CELL, limits.max_cells - cells, sheet=True)
                cells += scan.cells
                if cells > limits.max_cells:
                    raise _fail(
                        path,
                        f"more than {limits.max_cells:,} cells",
                        f"at most {limits.max_cells:,} cells in all sheets",
                        "model inputs are far smaller; remove pasted raw data",
                    )
                plain &= not scan.not_plain and scan.with_reference == scan.cells
                plain &= scan.area() <= limits.max_area
            elif name.endswith((".xml", ".rels")) and name != "xl/sharedStrings.xml":
                plain &= not _scan(archive, member).not_plain
    return plain


def _scan(
    archive: zipfile.ZipFile,
    member: zipfile.ZipInfo,
    tag: re.Pattern | None = None,
    stop: int = 0,
    sheet: bool = False,
) -> _Scan:
    """One pass over a part in 1 MiB chunks: occurrences of ``tag`` (it stops past
    ``stop``) and whether the part is plain; for a sheet (``sheet``), its cells' references.
    Without ``tag`` it stops as soon as the part is known not to be plain.

    Each chunk is searched up to its last ``<``; the bytes from there are carried over to
    the next one, so a tag cut by a chunk boundary is found whole. A part that is not
    well-formed XML (expat, fed the chunks while no declaration is seen) is not plain:
    calamine reads some damage that openpyxl refuses. Corrupt data is left for the reader
    to report.
    """
    found, tail = _Scan(), b""
    expat = pyexpat.ParserCreate()
    try:
        with archive.open(member) as source:
            while True:
                chunk = source.read(1 << 20)
                block = tail + chunk
                cut = block.rfind(b"<") if chunk else len(block)
                if cut <= 0:  # no tag starts in it (one long text), or only at its start
                    cut = len(block) if cut < 0 else 0
                if tag is not None:
                    found.cells += len(tag.findall(block, 0, cut))
                found.not_plain |= _not_plain(block)
                if not found.not_plain:
                    expat.Parse(chunk, not chunk)
                if sheet:
                    references = _CELL_REF.findall(block, 0, cut)
                    found.with_reference += len(references)
                    if references:
                        columns, rows = zip(*references, strict=True)
                        found.columns.update(columns)
                        found.last_row = max(found.last_row, *map(int, rows))
                tail = block[cut:]
                if not chunk or found.cells > stop or (tag is None and found.not_plain):
                    break
    except pyexpat.ExpatError:
        found.not_plain = True
    except (zipfile.BadZipFile, zlib.error, OSError, EOFError, NotImplementedError):
        found.not_plain = True  # the same bytes go to openpyxl, whose error is reported
    return found


def _is_text(head: bytes) -> bool:
    return all(32 <= b < 127 or b in (9, 10, 13) for b in head) or head.startswith(b"\xef\xbb\xbf")


def _unreadable(path: Path, exc: BaseException) -> InputError:
    """The InputError for an exception raised inside openpyxl or zipfile.

    openpyxl wraps parse errors in a ValueError, so the cause chain is searched for
    defusedxml's refusal (entity expansion, external entities, DTDs).
    """
    cause: BaseException | None = exc
    while cause is not None:
        if isinstance(cause, DefusedXmlException):
            return _fail(
                path,
                f"forbidden XML ({type(cause).__name__}: an entity or DTD declaration)",
                "plain spreadsheet XML",
                "the file may be malicious; re-save it from Excel",
            )
        cause = cause.__cause__ or cause.__context__
    reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
    return _fail(path, f"an unreadable workbook ({reason})", "an .xlsx workbook")


def _open(book: WorkbookBytes, data_only: bool) -> openpyxl.Workbook:
    try:
        return openpyxl.load_workbook(book.stream(), read_only=True, data_only=data_only)
    except (DefusedXmlException, *_READ_ERRORS) as exc:
        raise _unreadable(book.path, exc) from None


def read_sheets(
    path: Path, wanted: Iterable[str], limits: Limits
) -> tuple[list[str], dict[str, RawSheet]]:
    """All sheet names, and the wanted sheets that exist read as :class:`RawSheet`."""
    names, sheets, _ = read_workbook(path, wanted, limits)
    return names, sheets


def read_workbook(
    path: Path, wanted: Iterable[str], limits: Limits
) -> tuple[list[str], dict[str, RawSheet], WorkbookBytes]:
    """As :func:`read_sheets`, and the bytes that were parsed (with their hash).

    Only values are read (``data_only=True``): a formula yields its cached result, or
    None when the file was written by a program that does not compute formulas.
    """
    path = Path(path)
    book = read_bytes(path, limits)
    with warnings.catch_warnings():
        # openpyxl warns (to stderr) about damage it works around ("invalid dependency
        # definitions", "no stylesheet"); what matters is checked on the values read
        warnings.simplefilter("ignore", UserWarning)
        return _read_all(book, wanted, limits)


def _read_all(
    book: WorkbookBytes, wanted: Iterable[str], limits: Limits
) -> tuple[list[str], dict[str, RawSheet], WorkbookBytes]:
    wanted = list(wanted)
    if book.plain:
        try:
            return (*_read_plain(book, wanted, limits), book)
        except python_calamine.CalamineError:
            pass  # read it as any other workbook: openpyxl names what is wrong
    path = book.path
    workbook = _open(book, data_only=True)
    try:
        names = list(workbook.sheetnames)
        sheets = {}
        for name in wanted:
            if name in names:
                sheets[name] = _read_sheet(path, workbook[name], limits)
        return names, sheets, book
    except InputError:
        raise  # our own refusal (row cap), already precise
    except (DefusedXmlException, *_READ_ERRORS) as exc:
        raise _unreadable(path, exc) from None
    finally:
        workbook.close()


def _read_sheet(path: Path, sheet, limits: Limits) -> RawSheet:
    # The <dimension> tag is cheap to read but may be wrong (some writers never update it),
    # so it refuses early when it already says "too big" and the row loop enforces the cap.
    too_many = _too_many_rows(path, sheet.title, limits)
    if (sheet.max_row or 0) > limits.max_rows:
        raise too_many
    if (sheet.max_column or 0) > limits.max_columns:
        raise _too_many_columns(path, sheet.title, sheet.max_column, limits)
    sheet.reset_dimensions()  # read every row, not only those inside a stale <dimension>
    raw = RawSheet(sheet.title, hidden=getattr(sheet, "sheet_state", "visible") != "visible")
    raw.merged = merged_ranges(sheet)
    for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
        if number > limits.max_rows:
            raise too_many
        raw.add(number, tuple(values[: limits.max_columns]))
    return raw


def _read_plain(
    book: WorkbookBytes, wanted: list[str], limits: Limits
) -> tuple[list[str], dict[str, RawSheet]]:
    """A plain workbook's sheets through calamine, as :func:`_read_sheet` reads them.

    Values are made what openpyxl gives: a blank cell (calamine's ``""``) is None, a whole
    number an int, a date a datetime.
    """
    with python_calamine.CalamineWorkbook.from_filelike(book.stream()) as workbook:
        kinds = {meta.name: meta for meta in workbook.sheets_metadata}
        names = list(workbook.sheet_names)
        sheets = {}
        for name in wanted:
            if name not in names:
                continue
            if kinds[name].typ != python_calamine.SheetTypeEnum.WorkSheet:
                raise python_calamine.CalamineError(f"{name} is not a worksheet")
            sheet = workbook.get_sheet_by_name(name)
            hidden = kinds[name].visible != python_calamine.SheetVisibleEnum.Visible
            raw = RawSheet(name, hidden=hidden)
            end = sheet.end or (-1, -1)
            if end[0] + 1 > limits.max_rows:
                raise _too_many_rows(book.path, name, limits)
            if end[1] + 1 > limits.max_columns:
                raise _too_many_columns(book.path, name, end[1] + 1, limits)
            raw.merged = [
                f"{get_column_letter(c0 + 1)}{r0 + 1}:{get_column_letter(c1 + 1)}{r1 + 1}"
                for (r0, c0), (r1, c1) in sheet.merged_cell_ranges or []
            ]
            for number, row in enumerate(sheet.to_python(skip_empty_area=False), start=1):
                raw.add(number, tuple(map(_as_openpyxl, row)))
            sheets[name] = raw
        return names, sheets


def _as_openpyxl(value: object) -> object:
    if value == "" and isinstance(value, str):
        return None
    if type(value) is float and value.is_integer() and abs(value) < 2**53:
        return int(value)
    if type(value) is dt.date:
        return dt.datetime(value.year, value.month, value.day)
    return value


def _too_many_rows(path: Path, sheet: str, limits: Limits) -> InputError:
    return InputError(
        [
            Problem(
                sheet,
                "",
                f"more than {limits.max_rows} rows",
                f"at most {limits.max_rows} rows",
                "model inputs are far smaller; remove pasted raw data",
            )
        ],
        str(path),
    )


def _too_many_columns(path: Path, sheet: str, columns: int, limits: Limits) -> InputError:
    return InputError(
        [Problem(sheet, "", f"{columns} columns", f"at most {limits.max_columns} columns")],
        str(path),
    )


_MERGE = re.compile(rb"<(?:\w+:)?mergeCell\b[^>]*?\bref=\"([A-Za-z0-9:$]+)\"")
#: bytes kept between chunks so that a tag split by a chunk boundary is still found
_OVERLAP = 256


def merged_ranges(sheet) -> list[str]:
    """The merged ranges of a read-only sheet (openpyxl does not read them in that mode).

    The sheet part is scanned in 1 MiB chunks for ``<mergeCell ref="...">`` tags: no XML
    tree is built, so a large sheet costs one pass of bytes, not memory.
    """
    opener = getattr(sheet, "_get_source", None)
    if opener is None:
        return []
    found: list[str] = []
    tail = b""
    with opener() as source:
        while chunk := source.read(1 << 20):
            block = tail + chunk
            end = 0
            for match in _MERGE.finditer(block):  # a match found is a whole tag
                found.append(match.group(1).decode().replace("$", ""))
                end = match.end()
            # keep the last bytes after the last tag: a tag cut by the chunk boundary
            tail = block[max(end, len(block) - _OVERLAP) :]
    return list(dict.fromkeys(found))


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _trim(values: tuple[object, ...]) -> tuple[object, ...]:
    end = len(values)
    while end and _blank(values[end - 1]):
        end -= 1
    return values[:end]


def find_formulas(
    book: WorkbookBytes, cells: Mapping[str, Iterable[str]]
) -> dict[tuple[str, str], str]:
    """Formulas held by some cells, keyed by (sheet, cell).

    Called only when required cells read blank: re-opening with ``data_only=False`` tells a
    truly empty cell from a formula whose result was never computed and cached (files
    written by scripts, not saved in Excel).
    """
    wanted = {sheet: set(addresses) for sheet, addresses in cells.items() if addresses}
    found: dict[tuple[str, str], str] = {}
    if not wanted:
        return found
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        return _find_formulas(book, wanted, found)


def _find_formulas(
    book: WorkbookBytes, wanted: dict[str, set[str]], found: dict[tuple[str, str], str]
) -> dict[tuple[str, str], str]:
    workbook = _open(book, data_only=False)
    try:
        for name, addresses in wanted.items():
            if name not in workbook.sheetnames:
                continue
            sheet = workbook[name]
            sheet.reset_dimensions()
            rows = {int("".join(c for c in a if c.isdigit())) for a in addresses}
            last = max(rows)
            for number, row in enumerate(sheet.iter_rows(), start=1):
                if number > last:
                    break
                if number not in rows:
                    continue
                for cell in row:
                    coordinate = getattr(cell, "coordinate", None)
                    if coordinate in addresses and _is_formula(cell.value):
                        found[(name, coordinate)] = str(cell.value)
    except (DefusedXmlException, *_READ_ERRORS):
        return found  # the value pass already read this file; stay with what we have
    finally:
        workbook.close()
    return found


def _is_formula(value: object) -> bool:
    return (isinstance(value, str) and value.startswith("=")) or type(value).__name__ in (
        "ArrayFormula",
        "DataTableFormula",
    )
