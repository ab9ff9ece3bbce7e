"""A plan: the decisions a stress test holds fixed (builds and reserve levels).

A plan is what was decided before anyone knew a shock would come: the capacity and storage
built in each year, and the stock of the reserves held in each year (its "reserve levels").
It comes from a solved run (:meth:`Plan.from_results`) or from a results workbook written by
``msc run -o`` or ``msc run --robust -o`` (:func:`read_plan`: its ``Capacity`` sheet, and
its ``Reserves`` sheet when present).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from msc_model.errors import InputError, Problem, UnitError
from msc_model.inputs.cells import CellProblem, address, is_blank, parse_name, parse_number
from msc_model.inputs.reader import Limits, RawSheet, read_sheets
from msc_model.results import Results
from msc_model.schema import STORAGE
from msc_model.units import conversion_factor

CAPACITY_SHEET, RESERVES_SHEET = "Capacity", "Reserves"
CAPACITY_COLUMNS = ("metal", "process", "region", "year", "new")
RESERVES_COLUMNS = ("metal", "region", "year", "stock")
#: how many leading rows may be titles before the header row of a report sheet
_HEADER_SEARCH = 12


@dataclass(frozen=True)
class Plan:
    """Builds and reserve levels of a plan.

    Attributes
    ----------
    new_capacity
        (metal, process, region, year) → kt/yr first producing in that year.
    new_storage
        (metal, region, year) → kt of storage built in that year.
    stock
        (metal, region, year) → kt held at the end of the year in normal times; may cover
        only some years (the others are then re-optimised).
    """

    name: str
    new_capacity: Mapping[tuple[str, str, str, int], float]
    new_storage: Mapping[tuple[str, str, int], float]
    stock: Mapping[tuple[str, str, int], float] = field(default_factory=dict)
    source: str = ""

    @classmethod
    def from_results(cls, results: Results, name: str = "plan", source: str = "") -> Plan:
        """The builds and the stock path of a solved run."""
        cap = results.capacity[results.capacity["new"] > 0]
        plants = cap[cap["process"] != STORAGE][["metal", "process", "region", "year", "new"]]
        stores = cap[cap["process"] == STORAGE][["metal", "region", "year", "new"]]
        stock = results.stock[["metal", "region", "year", "stock"]]
        return cls(
            name,
            {(m, p, r, int(t)): float(v) for m, p, r, t, v in plants.itertuples(index=False)},
            {(m, r, int(t)): float(v) for m, r, t, v in stores.itertuples(index=False)},
            {(m, r, int(t)): float(v) for m, r, t, v in stock.itertuples(index=False)},
            source,
        )

    def with_stock(self, stock: Mapping[tuple[str, str, int], float]) -> Plan:
        return Plan(self.name, self.new_capacity, self.new_storage, dict(stock), self.source)


def read_plan(path: str | Path, name: str | None = None) -> Plan:
    """Read a plan from a results workbook (``msc run -o`` or ``msc run --robust -o``).

    The ``Capacity`` sheet gives the builds (columns metal, process, region, year, new;
    storage rows have process ``storage``); a ``Reserves`` sheet (metal, region, year,
    stock), when present, gives the reserve levels. Headers are matched by name, ignoring
    case and a unit in brackets, or by their first word ("New builds (kt/yr)"), and may
    sit below title rows. A ``unit`` column, when the sheet has one, gives each row's unit
    (the report shows iron in Mt): values are converted to kt and kt/yr; without it they
    are read as kt and kt/yr.

    Raises
    ------
    InputError
        The file cannot be read, has no Capacity sheet, lacks a column, or holds a
        non-numeric value (naming the cell).
    """
    path = Path(path)
    limits = Limits()
    names, _ = read_sheets(path, [], limits)
    by_lower = {n.lower(): n for n in names}
    wanted = [
        by_lower[s.lower()] for s in (CAPACITY_SHEET, RESERVES_SHEET) if s.lower() in by_lower
    ]
    if CAPACITY_SHEET.lower() not in by_lower:
        raise InputError(
            [Problem(path.name, "", "no Capacity sheet", "a results workbook of msc run -o")],
            str(path),
        )
    _, raw = read_sheets(path, wanted, limits)
    problems: list[Problem] = []
    builds = _records(raw[by_lower["capacity"]], CAPACITY_COLUMNS, problems)
    new_capacity, new_storage = {}, {}
    for (metal, process, region, year), value in builds.items():
        if value == 0:
            continue
        if process == STORAGE:
            new_storage[metal, region, year] = new_storage.get((metal, region, year), 0) + value
        else:
            new_capacity[metal, process, region, year] = value
    stock = {}
    if "reserves" in by_lower:
        stock = _records(raw[by_lower["reserves"]], RESERVES_COLUMNS, problems)
    if problems:
        raise InputError(problems, str(path))
    return Plan(name or path.stem, new_capacity, new_storage, stock, str(path))


def _normalise(header: object) -> str:
    """ "New (kt/yr)" → "new"; "Region" → "region"."""
    text = re.split(r"[(\[]", str(header))[0] if header is not None else ""
    return text.strip().lower().replace(" ", "_")


def _find(names: list[str], column: str) -> int | None:
    """Position of ``column``: an exact header, else one whose first word it is (the
    formatted report says "New builds (kt/yr; storage kt)" and "Stock at year end (kt)")."""
    if column in names:
        return names.index(column)
    return next((i for i, n in enumerate(names) if n.split("_")[0] == column), None)


def _records(sheet: RawSheet, columns: tuple[str, ...], problems: list[Problem]) -> dict:
    """(index columns…) → value of the last column, for the rows below the header."""
    rows = [(1, sheet.header), *sheet.rows]
    for position, (_number, values) in enumerate(rows[:_HEADER_SEARCH]):
        names = [_normalise(v) for v in values]
        where = {c: _find(names, c) for c in columns}
        if None not in where.values():
            body = rows[position + 1 :]
            unit_at = names.index("unit") if "unit" in names else None
            break
    else:
        problems.append(
            Problem(sheet.name, "", "no header row with " + ", ".join(columns), "those columns")
        )
        return {}
    out: dict[tuple, float] = {}
    for number, values in body:
        cells = {c: values[where[c]] if where[c] < len(values) else None for c in columns}
        if all(is_blank(v) for v in cells.values()):
            continue
        parsed = []
        for column, value in cells.items():
            try:
                parsed.append(_parse(column, value, column == columns[-1]))
            except CellProblem as exc:
                cell = address(number, where[column] + 1)
                problems.append(Problem(sheet.name, cell, exc.found, exc.expected, exc.hint))
                break
        else:
            factor = 1.0 if unit_at is None else _to_kt(sheet, number, values, unit_at, problems)
            if factor is not None:
                key = tuple(parsed[:-1])  # rows of one key add up (storage per vintage)
                out[key] = out.get(key, 0.0) + parsed[-1] * factor
    return out


def _to_kt(sheet: RawSheet, number: int, values: list, at: int, problems: list) -> float | None:
    """Factor from the row's unit (``Mt/yr``, ``kt``...) to kt or kt/yr; a blank unit is
    kt. None, with a problem naming the cell, when the unit is not a mass or a mass a year."""
    unit = values[at] if at < len(values) else None
    if is_blank(unit):
        return 1.0
    text = str(unit).strip()
    canonical = "kt/yr" if "/" in text else "kt"
    try:
        return conversion_factor(text, canonical)
    except UnitError as exc:
        cell = address(number, at + 1)
        problems.append(Problem(sheet.name, cell, text, "kt, Mt, kt/yr or Mt/yr", str(exc)))
        return None


def _parse(column: str, value: object, is_value: bool) -> object:
    if is_value:
        return parse_number(value)
    if column == "year":
        return int(parse_number(value, "a year"))
    if is_blank(value):
        raise CellProblem("blank", f"a {column}")
    return parse_name(value)
