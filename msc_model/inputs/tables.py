"""Raw sheets → set members and parameter entries, with header and index checks.

Headers are matched exactly (after trimming spaces); a missing column gets a hint when a
present header is a near miss ("valeu" for "value"). Sheets whose index ends in ``year``
may be wide: years as column headers, one value cell per year.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from msc_model.errors import did_you_mean
from msc_model.inputs.cells import (
    CellProblem,
    address,
    is_blank,
    looks_like_year,
    parse_flag,
    parse_name,
    parse_year,
    show,
    year_header,
)
from msc_model.inputs.context import Context, Entry
from msc_model.inputs.reader import RawSheet
from msc_model.schema import (
    FIXED_SETS,
    INDEX_SETS,
    OPTIONAL_COLUMNS,
    PARAMS,
    Column,
    Param,
    ParamSheet,
    SetSheet,
)

#: smallest and largest year any cell may hold (the catalogue's bounds for year settings)
YEAR_MIN = int(PARAMS["base_year"][1].min)
YEAR_MAX = int(PARAMS["base_year"][1].max)


@dataclass
class Header:
    """Where each known column is (0-based), and the year columns of a wide sheet."""

    columns: dict[str, int]
    years: dict[int, int]  # year -> position, wide layout only

    @property
    def wide(self) -> bool:
        return bool(self.years)

    def get(self, row: tuple[object, ...], name: str) -> object:
        position = self.columns.get(name)
        return row[position] if position is not None and position < len(row) else None

    def cell(self, number: int, name: str) -> str:
        return address(number, self.columns[name] + 1)


def resolve_header(
    ctx: Context, raw: RawSheet, required: tuple[str, ...], optional: tuple[str, ...], wide: bool
) -> Header | None:
    """Locate columns; report missing/duplicate ones, warn about unknown ones.

    Returns None when a required column is missing (the sheet's rows are then skipped).
    """
    sheet = raw.name
    columns: dict[str, int] = {}
    years: dict[int, int] = {}
    unknown: dict[str, int] = {}
    for position, value in enumerate(raw.header):
        if is_blank(value):
            continue
        where = address(1, position + 1)
        year = year_header(value) if wide else None
        name = str(value).strip()
        if year is not None:
            if year in years:
                ctx.add(
                    sheet,
                    where,
                    f"year {year} again",
                    "each year once",
                    _also(sheet, 1, years[year]),
                )
            years[year] = position
        elif wide and looks_like_year(value):
            ctx.add(sheet, where, f"header '{name}'", "a whole year such as 2030")
        elif name in columns:
            ctx.add(
                sheet,
                where,
                f"column '{name}' again",
                "each column once",
                _also(sheet, 1, columns[name]),
            )
        elif name in required or name in optional:
            columns[name] = position
        else:
            unknown[name] = position
    complete = True
    for name in required:
        if name in columns:
            continue
        complete = False
        close = difflib.get_close_matches(name, list(unknown), n=1, cutoff=0.6)
        if close:
            where = address(1, unknown.pop(close[0]) + 1)
            ctx.add(
                sheet,
                where,
                f"column '{close[0]}'",
                f"a column '{name}'",
                f"did you mean '{name}'?",
            )
        else:
            where = address(1, len(raw.header) + 1)
            hint = did_you_mean(name, unknown) or (
                "or put years as column headers" if name == "year" else ""
            )
            ctx.add(sheet, where, f"no column '{name}'", f"a column '{name}'", hint)
    for name, position in unknown.items():
        hint = did_you_mean(name, required + optional)
        ctx.warn(
            sheet, address(1, position + 1), f"column '{name}'", "a known column (ignored)", hint
        )
    return Header(columns, years) if complete else None


def _also(sheet: str, row: int, position: int) -> str:
    return f"also at {sheet}!{address(row, position + 1)}"


def read_set_sheet(
    ctx: Context, raw: RawSheet, spec: SetSheet
) -> dict[str, dict[str, object]] | None:
    """Members of a set sheet with their parsed attributes, or None when unusable."""
    required = (spec.key,) + tuple(c.name for c in spec.columns if c.required)
    optional = tuple(c.name for c in spec.columns if not c.required) + OPTIONAL_COLUMNS
    header = resolve_header(ctx, raw, required, optional, wide=False)
    if header is None:
        return None
    members: dict[str, dict[str, object]] = {}
    first: dict[str, str] = {}
    for number, row in raw.rows:
        key_cell = header.cell(number, spec.key)
        value = header.get(row, spec.key)
        if is_blank(value):
            ctx.blank(spec.sheet, key_cell, f"a {spec.key} name (the row has other values)")
            continue
        try:
            member = parse_name(value)
        except CellProblem as exc:
            ctx.add(spec.sheet, key_cell, exc.found, f"a {spec.key} name")
            continue
        if member in first:
            ctx.add(
                spec.sheet,
                key_cell,
                f"'{member}' again",
                f"each {spec.key} once",
                f"also at {spec.sheet}!{first[member]}",
            )
            continue
        first[member] = key_cell
        members[member] = {
            c.name: _attribute(ctx, spec.sheet, header, number, row, c) for c in spec.columns
        }
    if not members and spec.sheet in ("metals", "regions"):
        ctx.add(spec.sheet, address(2, 1), "no members", f"at least one {spec.key}")
    return members


def _attribute(
    ctx: Context, sheet: str, header: Header, number: int, row: tuple, column: Column
) -> object:
    if column.name not in header.columns:
        return column.default
    value = header.get(row, column.name)
    cell = header.cell(number, column.name)
    expected = _expected_attribute(column)
    if is_blank(value):
        if column.required:
            ctx.blank(sheet, cell, expected)
        return column.default
    try:
        if column.kind == "flag":
            return parse_flag(value)
        if column.kind.startswith("enum:"):
            return _member(value, FIXED_SETS[column.kind[5:]], expected)
        return parse_name(value)
    except CellProblem as exc:
        ctx.add(sheet, cell, exc.found, exc.expected, exc.hint)
        return column.default


def _expected_attribute(column: Column) -> str:
    if column.kind == "flag":
        return "yes or no"
    if column.kind.startswith("enum:"):
        return " or ".join(FIXED_SETS[column.kind[5:]])
    return f"a {column.name}"


def _member(value: object, members: tuple[str, ...], expected: str) -> str:
    name = parse_name(value)
    if name not in members:
        raise CellProblem(show(value), expected, did_you_mean(name, members))
    return name


def read_param_sheet(ctx: Context, raw: RawSheet, spec: ParamSheet) -> list[Entry] | None:
    """Parameter entries of one sheet (long or wide layout), index cells checked.

    Returns None when a required column is missing, so that later checks skip the sheet
    rather than report every one of its values as missing.
    """
    wide = spec.wide_allowed and not any(
        str(h).strip() == "year" for h in raw.header if h is not None
    )
    wide = wide and any(year_header(h) is not None for h in raw.header)
    index = tuple(c for c in spec.index if not (wide and c == "year"))
    required = (
        index + (("parameter",) if spec.grouped else ()) + (() if wide else ("value",)) + ("unit",)
    )
    required += tuple(c.name for c in spec.extra if c.required)
    optional = tuple(c.name for c in spec.extra if not c.required) + OPTIONAL_COLUMNS
    header = resolve_header(ctx, raw, required, optional, wide=wide)
    if header is None:
        return None
    names = {p.name: p for p in spec.params}
    # wide: check each year header once, then read only the columns of usable years
    years = [
        (year, pos)
        for year, pos in sorted(header.years.items())
        if _year_in_horizon(ctx, spec, address(1, pos + 1), year)
    ]
    entries: list[Entry] = []
    seen: dict[tuple, str] = {}
    for number, row in raw.rows:
        index_raw = [(c, header.get(row, c), header.cell(number, c)) for c in index]
        if header.wide:
            values = [(_at(row, pos), address(number, pos + 1), year) for year, pos in years]
        else:
            values = [(header.get(row, "value"), header.cell(number, "value"), None)]
        index_blank = all(is_blank(v) for _, v, _ in index_raw)
        values_blank = all(is_blank(v) for v, _, _ in values)
        param = _row_param(ctx, spec, header, number, row, names, index_blank and values_blank)
        if param is None:
            continue
        if spec.index and index_blank and values_blank:
            continue  # placeholder row (template) or a row holding only unit/source/note
        key = _row_key(ctx, spec, index_raw)
        if key is None:
            continue
        unit = header.get(row, "unit")
        extras = {
            c.name: (header.get(row, c.name), header.cell(number, c.name))
            for c in spec.extra
            if c.name in header.columns
        }
        for value, cell, year in values:
            full = key + ((year,) if year is not None else ())
            if spec.multirow:
                full += (number,)
            if is_blank(value):
                # absent unless the catalogue requires it; the dense check reports it then
                ctx.blank(spec.sheet, cell, None)
                ctx.blank_values.setdefault(param.name, {})[full] = cell
                continue
            duplicate = (param.name, full)
            if duplicate in seen:
                where = ", ".join(str(k) for k in full)
                ctx.add(
                    spec.sheet,
                    cell,
                    f"{param.name} for ({where}) again",
                    "each key once",
                    f"also at {spec.sheet}!{seen[duplicate]}",
                )
                continue
            seen[duplicate] = cell
            entries.append(
                Entry(
                    param,
                    full,
                    value,
                    cell,
                    unit,
                    header.cell(number, "unit"),
                    number,
                    extras,
                    tuple(c for _, _, c in index_raw),
                )
            )
    return entries


def _at(row: tuple, position: int) -> object:
    return row[position] if position < len(row) else None


def _row_param(
    ctx: Context,
    spec: ParamSheet,
    header: Header,
    number: int,
    row: tuple,
    names: dict[str, Param],
    placeholder: bool,
) -> Param | None:
    """The parameter a row holds; None (reported unless a placeholder) when unusable."""
    if not spec.grouped:
        return spec.params[0]
    value = header.get(row, "parameter")
    cell = header.cell(number, "parameter")
    if is_blank(value):
        if not placeholder:
            ctx.blank(spec.sheet, cell, "a parameter name: " + ", ".join(names))
        return None
    name = str(value).strip()
    if name in names:
        return names[name]
    if placeholder:
        return None
    hint = did_you_mean(name, names)
    if not hint and name in PARAMS:
        hint = f"'{name}' belongs on sheet '{PARAMS[name][0].sheet}'"
    ctx.add(spec.sheet, cell, f"parameter '{name}'", "one of " + ", ".join(names), hint)
    return None


def _row_key(
    ctx: Context, spec: ParamSheet, index_raw: list[tuple[str, object, str]]
) -> tuple | None:
    key: list[object] = []
    ok = True
    for column, value, cell in index_raw:
        parsed = parse_index(ctx, spec.sheet, column, value, cell)
        ok = ok and parsed is not None
        key.append(parsed)
        if (
            column == "year"
            and parsed is not None
            and not _year_in_horizon(ctx, spec, cell, parsed)
        ):
            ok = False
    return tuple(key) if ok else None


def parse_index(ctx: Context, sheet: str, column: str, value: object, cell: str) -> object | None:
    """One index cell checked against its set; None (after reporting) when unusable."""
    set_name = INDEX_SETS.get(column)
    expected = _expected_index(column, set_name)
    if is_blank(value):
        ctx.blank(sheet, cell, expected)
        return None
    try:
        if column == "year":
            return parse_year(value)
        name = parse_name(value)
    except CellProblem as exc:
        ctx.add(sheet, cell, exc.found, exc.expected, exc.hint)
        return None
    members = FIXED_SETS.get(set_name) if set_name in FIXED_SETS else ctx.sets.get(set_name or "")
    if set_name and members is not None and name not in members:
        ctx.add(sheet, cell, f"'{name}'", expected, did_you_mean(name, members))
        return None
    return name


def _expected_index(column: str, set_name: str | None) -> str:
    if column == "year":
        return "a whole year such as 2030"
    if set_name in FIXED_SETS:
        return "one of " + ", ".join(FIXED_SETS[set_name])
    if set_name:
        noun = column.split("_")[0]
        article = "an" if noun[0] in "aeiou" else "a"
        return f"{article} {noun} listed on the {set_name} sheet"
    return f"a {column.replace('_', ' ')} name"


def _year_in_horizon(ctx: Context, spec: ParamSheet, cell: str, year: int) -> bool:
    """Years outside the model horizon are refused; demand may reach back (history)."""
    if not YEAR_MIN <= year <= YEAR_MAX:
        ctx.add(spec.sheet, cell, f"year {year}", f"a year between {YEAR_MIN} and {YEAR_MAX}")
        return False
    if ctx.years is None:
        return True
    first = YEAR_MIN if spec.history else ctx.base_year
    if first <= year <= ctx.final_year:
        return True
    span = (
        f"up to final_year {ctx.final_year}"
        if spec.history
        else f"{ctx.base_year}-{ctx.final_year}"
    )
    ctx.add(
        spec.sheet,
        cell,
        f"year {year}",
        f"a model year ({span})",
        "see base_year and final_year on the settings sheet",
    )
    return False
