"""Fast streaming of plain table rows into a write-only openpyxl sheet.

openpyxl serialises every cell through several Python calls (value binding, style lookup,
one incremental-XML element per cell): about 8 µs a cell, 5 s for the 630,000 cells of a
provincial report. The data rows of a table need none of that machinery: each cell is a
number, a boolean or a text, with one fixed style per column. :class:`RowStream` renders
such rows, a column at a time, as the very XML openpyxl would write (same attributes in
the same order, numbers as ``%.16g``, text as inline strings, escaped as lxml escapes it)
and keeps them in a temporary file; the sheet's own XML stream gets one placeholder
element per block, and when the sheet is closed the placeholders are replaced by the
blocks. Rows it cannot render exactly (dates, error codes, formula-like or empty text, a
row with a set height, ...) go through openpyxl's ordinary path, in order, so the sheet is
the same byte for byte either way (``tests/test_fastrows.py`` checks it).

It relies on private parts of openpyxl (the module ``openpyxl.worksheet._write_only``;
``WriteOnlyWorksheet._rows``, the row generator, ``._get_writer``, ``._writer``,
``._values_to_row`` and ``.close``; the writer's ``xf``, the sheet's XML stream, ``out``,
its file, and ``write_row``), checked on the openpyxl versions in :data:`CHECKED`. Every
one of them is looked for before use: :func:`row_stream` returns ``None`` on another
openpyxl version or when any of them is missing or different (an import of the private
module that fails included), and callers then use ``ws.append``: slower, never wrong.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import openpyxl
from openpyxl.utils.exceptions import IllegalCharacterError

try:  # private or semi-private: absent or moved in another openpyxl, the fast path is off
    from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet
except ImportError:
    ERROR_CODES, ILLEGAL_CHARACTERS_RE, WriteOnlyWorksheet = (), None, None

#: openpyxl versions (prefixes) whose internals this module was checked against, byte for
#: byte, by tests/test_fastrows.py; any other version takes openpyxl's own path
CHECKED = ("3.1.",)

#: rows rendered per block (one placeholder in the sheet's stream per block)
BLOCK = 2000
_MAX_TEXT = 32767  # Excel's (and openpyxl's) limit on text in a cell
_PLACEHOLDER = "mscRowsBlock"  # an element name: text can never contain it unescaped
_MARK = f"<{_PLACEHOLDER}/>".encode()
_UNUSUAL = False  # body of a value this module does not render (its row goes to openpyxl)
_INF = float("inf")


def _escape(text: str) -> str:
    # as lxml escapes text; \r as a reference, since a parser would read a bare \r as \n
    return (
        text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")
    )


def _body(value: object, style: str) -> str | bool | None:
    """What follows ``<c r="A1"`` in openpyxl's XML for ``value``; ``None`` for no cell,
    ``_UNUSUAL`` for a value openpyxl must write itself."""
    kind = type(value)
    if kind is float:
        if value != value or value in (_INF, -_INF):
            return _UNUSUAL
        return f'{style} t="n"><v>{"%.16g" % value}</v></c>'  # noqa: UP031 (openpyxl's)
    if kind is int:
        return f'{style} t="n"><v>{"%.16g" % value}</v></c>'  # noqa: UP031
    if kind is bool:
        return f'{style} t="b"><v>{int(value)}</v></c>'
    if kind is str and value:
        text = value[:_MAX_TEXT]
        if ILLEGAL_CHARACTERS_RE.search(text):
            raise IllegalCharacterError(f"{text} cannot be used in worksheets.")
        if text in ERROR_CODES or (len(text) > 1 and text[0] == "="):
            return _UNUSUAL  # an error code or a formula: openpyxl decides
        space = ' xml:space="preserve"' if text != text.strip() else ""
        return f'{style} t="inlineStr"><is><t{space}>{_escape(text)}</t></is></c>'
    if value is None:
        return None
    return _UNUSUAL


def _bodies(values: Sequence[object], style: str) -> list[str | bool | None]:
    """:func:`_body` of each value; texts (region, metal, unit, ...) rendered once each."""
    cache: dict[str, str | bool | None] = {}
    out = []
    for value in values:
        if type(value) is str:
            body = cache.get(value)
            if body is None:
                body = cache[value] = _body(value, style)
            out.append(body)
        else:
            out.append(_body(value, style))
    return out


class RowStream:
    """Rows written into the XML of a write-only sheet, plain ones without openpyxl.

    Parameters
    ----------
    ws
        The write-only worksheet, with its widths, panes and page setup already set;
        nothing may have been appended to it yet. From now on every row must go through
        this stream.
    """

    def __init__(self, ws) -> None:
        from lxml import etree

        self.ws = ws
        self.row = 0  # rows written so far
        self._pending: list[str] = []
        self._blocks = tempfile.TemporaryFile()  # noqa: SIM115 (closed with the sheet)
        self._sizes: list[int] = []
        self._placeholder = etree.Element(_PLACEHOLDER)
        ws._get_writer()
        ws._rows = self._stream()
        next(ws._rows)
        ws.close = self._close  # the blocks are spliced in when openpyxl closes the sheet

    def _stream(self):
        """The sheet's row generator (replaces openpyxl's ``_write_rows``)."""
        writer = self.ws._writer
        xf = writer.xf.send(True)
        with xf.element("sheetData"):
            try:
                while True:
                    item = yield
                    if item is None:  # a block of rendered rows goes here
                        xf.write(self._placeholder)
                    else:  # (row number, values or cells) for openpyxl
                        row_idx, values = item
                        writer.write_row(xf, self.ws._values_to_row(values, row_idx), row_idx)
            except GeneratorExit:
                pass
        writer.xf.send(None)

    def _close(self) -> None:
        self.flush()
        WriteOnlyWorksheet.close(self.ws)
        try:
            if self._sizes:
                self._splice(Path(self.ws._writer.out))
        finally:
            self._blocks.close()

    def _splice(self, path: Path) -> None:
        """Replace each placeholder in the sheet's XML file by its block."""
        parts = path.read_bytes().split(_MARK)  # small: the big rows are in the blocks
        if len(parts) != len(self._sizes) + 1:
            raise RuntimeError(f"sheet {self.ws.title}: row blocks out of step")
        self._blocks.seek(0)
        with path.open("wb") as out:
            for part, size in zip(parts, self._sizes, strict=False):
                out.write(part)
                out.write(self._blocks.read(size))
            out.write(parts[-1])

    def flush(self) -> None:
        """Write the rendered rows waiting in memory to the block file."""
        if self._pending:
            # non-ASCII as numeric references, as lxml writes the sheet's other rows
            data = "".join(self._pending).encode("ascii", "xmlcharrefreplace")
            self._pending = []
            self._blocks.write(data)
            self._sizes.append(len(data))
            self.ws._rows.send(None)

    def append(self, values: Sequence[object]) -> int:
        """Append one row through openpyxl (cells, styles, comments); return its number."""
        self.flush()
        self.row += 1
        self.ws._rows.send((self.row, list(values)))
        return self.row

    def table(
        self,
        columns: Sequence[Sequence[object]],
        letters: Sequence[str],
        styles: Sequence[str],
        *,
        restyled: Mapping[int, Sequence[str]],
        cells: Callable[[int], list[object]],
    ) -> None:
        """Append the rows of a table given by columns of plain values.

        Parameters
        ----------
        columns
            Values per column (``None`` = no cell); all of one length.
        letters, styles
            Per column: its letter and ``' s="N"'`` (the style id of its format) or ``''``.
        restyled
            Row position → styles of that row (cells marked as changed).
        cells
            Row position → the row as openpyxl cells, for a row this module declines.
        """
        total = len(columns[0]) if columns else 0
        for start in range(0, total, BLOCK):
            chunk = [
                _bodies(col[start : start + BLOCK], s)
                for col, s in zip(columns, styles, strict=True)
            ]
            for offset, bodies in enumerate(zip(*chunk, strict=True)):
                position = start + offset
                if position in restyled:
                    values = [col[position] for col in columns]
                    bodies = tuple(map(_body, values, restyled[position]))
                r = self.row + 1
                if _UNUSUAL in bodies or r in self.ws.row_dimensions:
                    self.append(cells(position))
                    continue
                self.row = r
                self._pending.append(
                    f'<row r="{r}">'
                    + "".join(
                        [
                            f'<c r="{letter}{r}"{body}'
                            for letter, body in zip(letters, bodies, strict=True)
                            if body is not None
                        ]
                    )
                    + "</row>"
                )
            if len(self._pending) >= BLOCK:
                self.flush()
        self.flush()


def row_stream(ws) -> RowStream | None:
    """A :class:`RowStream` for ``ws``, or ``None`` if openpyxl's internals differ."""
    if not (
        WriteOnlyWorksheet is not None
        and ILLEGAL_CHARACTERS_RE is not None
        and openpyxl.__version__.startswith(CHECKED)
        and getattr(openpyxl, "LXML", False)
        and isinstance(ws, WriteOnlyWorksheet)
        and getattr(ws, "_rows", False) is None  # nothing appended yet
        and all(callable(getattr(ws, name, None)) for name in _SHEET_METHODS)
    ):
        return None
    ws._get_writer()  # what ws.append would do first; harmless if we decline below
    writer = getattr(ws, "_writer", None)
    if not (
        isinstance(getattr(writer, "out", None), str)
        and callable(getattr(getattr(writer, "xf", None), "send", None))
        and callable(getattr(writer, "write_row", None))
    ):
        return None
    return RowStream(ws)


#: the write-only sheet's methods RowStream calls
_SHEET_METHODS = ("_get_writer", "_values_to_row", "close")
