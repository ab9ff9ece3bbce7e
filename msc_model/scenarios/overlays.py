"""Scenarios as overlays: declarative changes applied to :class:`ModelData`, never copies.

A ``scenarios`` sheet (in the case workbook or in a separate scenario workbook) holds one
change per row::

    scenario | table        | metal | form    | origin | operation | value | unit
    li_shock | import_price | Li    |         |        | scale     | 2     |
    cheap_cu | import_price | Cu    | refined | Chile  | set       | 7000  | USD/t
    more_eol | max_collection_rate | Cu |     |        | add       | 10    | %

``table`` names a parameter of the catalogue (or a sheet that holds one parameter, such
as ``demand``); the index columns that follow are the **selector** (any of the
parameter's index columns; blank means every member); ``operation`` is ``set``,
``scale`` (multiply; the unit is blank or ``%``) or ``add``. Values are converted to the
catalogue's canonical unit exactly as the reader converts the workbook, and the result is
checked against the catalogue's range, so a scenario can never slip in a value the
workbook itself would refuse. Rows of one scenario apply in sheet order.

What a selector reaches: the rows the workbook gives, plus, for parameters with a
catalogue default, every combination of their index sets (so ``add risk_premium 0.1``
with a blank origin also marks up origins left at the default). ``set`` with every index
column given may create a row that was absent (a new import option, a new cap year).
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from msc_model.data import ModelData
from msc_model.errors import InputError, Problem, ProblemCollector, did_you_mean
from msc_model.inputs.cells import (
    CellProblem,
    address,
    is_blank,
    parse_flag,
    parse_name,
    parse_number,
)
from msc_model.inputs.convert import MAX_MAGNITUDE
from msc_model.inputs.reader import Limits, WorkbookBytes, read_workbook
from msc_model.scenarios.effective import rewrite_cells
from msc_model.scenarios.selectors import Resolver, members, read_header
from msc_model.schema import INDEX_SETS, OPTIONAL_COLUMNS, PARAMS, Param

SHEET = "scenarios"
_REQUIRED = ("scenario", "table", "operation", "value")
_OPTIONAL = ("unit", "parameter", *OPTIONAL_COLUMNS)


@dataclass(frozen=True)
class Override:
    """One resolved change: canonical units, selector checked against the case's sets."""

    parameter: str
    selector: tuple[tuple[str, object], ...]  # (index column, member); absent = all
    operation: str  # "set", "scale" or "add"
    value: float  # canonical unit; a plain factor for "scale"
    scenario: str = ""
    cell: str = ""  # where it was declared, e.g. "scenarios!F5"


@dataclass(frozen=True)
class Change:
    """One input value a scenario changed, for the comparison workbook."""

    scenario: str
    parameter: str
    key: tuple
    before: float | None
    after: float
    unit: str
    input_cell: str  # the workbook cell the value came from; "" for a default or new row
    declared_at: str  # the scenario row that changed it

    def as_row(self, index: Sequence[str]) -> dict[str, object]:
        where = ", ".join(f"{c}={v}" for c, v in zip(index, self.key, strict=False))
        return {
            "scenario": self.scenario,
            "parameter": self.parameter,
            "index": where,
            "before": self.before,
            "after": self.after,
            "unit": self.unit or "share",
            "input_cell": self.input_cell or "(default or new row)",
            "declared_at": self.declared_at,
        }


# -- reading the scenarios sheet ------------------------------------------------------------
def read_scenarios(
    path: str | Path, data: ModelData, sheet: str = SHEET
) -> dict[str, list[Override]]:
    """Read and check every row of a scenarios sheet.

    Parameters
    ----------
    path
        A workbook with a ``scenarios`` sheet: the case workbook itself or a separate one.
    data
        The case the scenarios apply to (sets for selectors, exchange rate and content
        bases for units).
    sheet
        Name of the sheet to read.

    Returns
    -------
    dict
        Scenario name → its overrides, in sheet order.

    Raises
    ------
    InputError
        Listing every bad cell (unknown parameter or member, bad unit, unknown column).
    """
    return _read(Path(path), data, sheet)[0]


def _read(
    path: Path, data: ModelData, sheet: str
) -> tuple[dict[str, list[Override]], dict[str, list[str]], WorkbookBytes]:
    """The scenarios, each scenario's rows as declared (for the report) and the bytes
    that were parsed (for their hash)."""
    names, raw, book = read_workbook(path, [sheet], Limits())
    problems = ProblemCollector(source=str(path))
    if sheet not in raw:
        problems.add(
            sheet, "", "no such sheet", f"a sheet named '{sheet}'", did_you_mean(sheet, names)
        )
        problems.raise_if_any()
    table = raw[sheet]
    columns = read_header(table.header, sheet, problems, _REQUIRED, _OPTIONAL)
    problems.raise_if_any()
    resolver = Resolver(data, problems)
    scenarios: dict[str, list[Override]] = {}
    declared: dict[str, list[str]] = {}
    for number, values in table.rows:

        def cell(column: str, number: int = number) -> str:
            return address(number, columns[column] + 1)

        def get(column: str, values: tuple = values) -> object:
            position = columns.get(column)
            return values[position] if position is not None and position < len(values) else None

        override = _read_row(resolver, sheet, cell, get, columns)
        if override is not None:
            scenarios.setdefault(override.scenario, []).append(override)
            declared.setdefault(override.scenario, []).append(
                _as_declared(sheet, number, table.header, values)
            )
    problems.raise_if_any()
    return scenarios, declared, book


def _as_declared(sheet: str, number: int, header: tuple, values: tuple) -> str:
    """A scenarios row as the user wrote it: ``scenarios!A5: table=imports, ...``."""
    cells = [
        f"{name}={value}"
        for name, value in zip(header, values, strict=False)
        if not is_blank(name) and not is_blank(value) and str(name) not in ("source", "note")
    ]
    return f"{sheet}!A{number}: " + ", ".join(cells)


def _read_row(resolver: Resolver, sheet: str, cell, get, columns) -> Override | None:
    problems = resolver.problems
    before = len(problems.problems)
    name = get("scenario")
    if is_blank(name):
        problems.add(sheet, cell("scenario"), "blank", "a scenario name")
        return None
    found = resolver.param(get("table"), sheet, cell("table"), get("parameter"))
    if found is None:
        return None
    spec, param = found
    raw = {c: (get(c), cell(c)) for c in columns if c in INDEX_SETS}
    selector = resolver.selector(spec, param, raw, sheet)
    operation = resolver.operation(get("operation"), sheet, cell("operation"), param)
    if selector is None or operation is None:
        return None
    metal = dict(selector).get("metal")
    unit_cell = cell("unit") if "unit" in columns else cell("value")
    factor = resolver.factor(param, operation, get("unit"), metal, sheet, unit_cell)
    value = _number(resolver, param, operation, get("value"), sheet, cell("value"))
    if factor is None or value is None or len(problems.problems) > before:
        return None
    return Override(
        param.name,
        selector,
        operation,
        value * factor,
        str(parse_name(name)),
        f"{sheet}!{cell('value')}",
    )


def _number(resolver: Resolver, param: Param, operation: str, raw: object, sheet: str, cell: str):
    try:
        if param.kind == "flag":
            return 1.0 if parse_flag(raw) else 0.0
        return parse_number(raw)
    except CellProblem as exc:
        resolver.problems.add(sheet, cell, exc.found, exc.expected, exc.hint)
        return None


# -- applying -------------------------------------------------------------------------------
def candidate_keys(
    data: ModelData, params: Mapping[str, Mapping[tuple, float]], name: str
) -> list[tuple]:
    """Keys a blank selector reaches: given rows, plus every combination of the index sets
    when the catalogue has a default (absent rows then still hold a value)."""
    spec, param = PARAMS[name]
    given = list(params.get(name, {}))
    if param.default is None or not spec.index:
        return given or ([()] if not spec.index else [])
    ranges = [members(data, name, c) if c != "year" else list(data.years) for c in spec.index]
    if any(INDEX_SETS.get(c) is None and c != "year" for c in spec.index):
        return given
    seen = dict.fromkeys(given)
    seen.update(dict.fromkeys(itertools.product(*ranges)))
    return list(seen)


def apply_overrides(
    data: ModelData, overrides: Iterable[Override]
) -> tuple[ModelData, list[Change]]:
    """A copy of ``data`` with the overrides applied in order, and what they changed.

    Raises
    ------
    InputError
        When a selector reaches no value, or a result leaves the catalogue's range; the
        problem names the cell that declared the override.
    """
    params = {n: dict(t) for n, t in data.params.items()}
    problems = ProblemCollector(source=data.source)
    changes: list[Change] = []
    for override in overrides:
        changes += _apply(data, params, override, problems)
    problems.raise_if_any()
    vintages = data.vintages
    if any(c.parameter == "existing_capacity" for c in changes):
        vintages = _vintages(data, params["existing_capacity"])
    return dataclasses.replace(data, params=params, vintages=vintages), changes


def _apply(data: ModelData, params, override: Override, problems: ProblemCollector) -> list[Change]:
    spec, param = PARAMS[override.parameter]
    sheet, _, cell = override.cell.partition("!")
    table = params.setdefault(param.name, {})
    positions = [(spec.index.index(c), v) for c, v in override.selector]
    keys = [
        k for k in candidate_keys(data, params, param.name) if all(k[i] == v for i, v in positions)
    ]
    full = len(override.selector) == len(spec.index)
    if not keys and full and override.operation == "set" and not spec.multirow:
        keys = [tuple(v for _, v in override.selector)]  # a new row (e.g. a new cap year)
    if not keys:
        where = ", ".join(f"{c}={v}" for c, v in override.selector) or "any index"
        problems.add(
            sheet or "scenario",
            cell,
            f"no {param.name} value for {where}",
            "a selector that matches rows of the workbook",
            "absent rows can only be created by 'set' with every index column given"
            if not full
            else "",
        )
        return []
    changes = []
    for key in keys:
        before = table.get(key, param.default)
        if before is None and override.operation != "set":
            continue  # sparse row that does not exist: scaling "no limit" stays no limit
        after = _operate(override.operation, before, override.value)
        if not math.isfinite(after) or abs(after) > MAX_MAGNITUDE:
            # 1e308 x 2 is inf: the model would be solved with an infinite value
            problems.add(
                sheet or "scenario",
                cell,
                f"{override.operation} {override.value:g} giving {after:g} {param.unit}".rstrip(),
                f"a result of magnitude at most {MAX_MAGNITUDE:g}",
                "no real quantity is this large; check the value and its unit",
            )
            continue
        if param.integer or param.kind == "year":
            after = float(round(after))
        if not _in_range(param, after, sheet, cell, key, problems):
            continue
        if after == before:
            continue
        table[key] = after
        changes.append(
            Change(
                override.scenario,
                param.name,
                key,
                before,
                after,
                param.unit,
                data.cell(param.name, key),
                override.cell,
            )
        )
    return changes


def _operate(operation: str, before: float | None, value: float) -> float:
    if operation == "set":
        return value
    if operation == "scale":
        return float(before) * value
    return float(before) + value


def _in_range(param: Param, value: float, sheet: str, cell: str, key: tuple, problems) -> bool:
    unit = f" {param.unit}" if param.unit else ""
    where = f"{param.name}({', '.join(str(k) for k in key)})" if key else param.name
    if param.min is not None and value < param.min:
        problems.add(
            sheet or "scenario",
            cell,
            f"{value:g}{unit} for {where}",
            f"at least {param.min:g}{unit}",
        )
        return False
    if param.max is not None and value > param.max:
        problems.add(
            sheet or "scenario",
            cell,
            f"{value:g}{unit} for {where}",
            f"at most {param.max:g}{unit}",
        )
        return False
    return True


def _vintages(data: ModelData, capacity: Mapping[tuple, float]) -> tuple:
    """Vintages with their capacity taken from the (changed) existing_capacity rows."""
    by_row = {(k[0], k[1], k[2], k[3]): v for k, v in capacity.items()}
    out = []
    for vintage in data.vintages:
        row = int("".join(ch for ch in vintage.cell.partition("!")[2] if ch.isdigit()) or 0)
        key = (vintage.metal, vintage.process, vintage.region, row)
        out.append(dataclasses.replace(vintage, capacity=by_row.get(key, vintage.capacity)))
    return tuple(out)


# -- the public entry points ----------------------------------------------------------------
def apply_scenario(
    data: ModelData, name: str, path: str | Path | None = None
) -> tuple[ModelData, list[Change]]:
    """Apply the scenario ``name`` of a scenarios sheet to ``data``.

    Parameters
    ----------
    data
        The base case.
    name
        A scenario named in the sheet's ``scenario`` column.
    path
        Workbook holding the ``scenarios`` sheet; default: the case workbook itself.

    Returns
    -------
    (ModelData, list of Change)
        The changed case and every input value the scenario changed.
    """
    path = Path(path) if path is not None else Path(data.source)
    scenarios, declared, book = _read(path, data, SHEET)
    if name not in scenarios:
        known = ", ".join(scenarios) or "none"
        raise InputError(
            [
                Problem(
                    SHEET,
                    "",
                    f"scenario '{name}'",
                    f"a scenario of {path.name} ({known})",
                    did_you_mean(name, scenarios),
                )
            ],
            str(path),
        )
    changed, changes = apply_overrides(data, scenarios[name])
    tables, edits = rewrite_cells(data.tables, changes)
    provenance = dataclasses.replace(
        data.provenance,
        inputs=tuple(dict.fromkeys((*data.provenance.inputs, str(path)))),
        scenario=name,
        scenario_file=str(path),
        scenario_sha256=book.sha256,
        overlay=tuple(declared[name]),
        scenario_cells=tuple(edits),
    )
    return dataclasses.replace(changed, provenance=provenance, tables=tables), changes
