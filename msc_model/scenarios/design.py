"""Sweep factors and designs: what varies, over which range, and which runs that makes.

A **factor** is an overlay with a range instead of one value: a parameter, a selector,
an operation (``scale``, ``set`` or ``add``) and ``low``/``high`` in the factor's unit.
Factors come from a ``sweep`` sheet (columns ``factor``, ``table``, index columns,
``operation``, ``low``, ``high``, optional ``steps`` and ``unit``) or from the command
line::

    [NAME=]PARAMETER[COLUMN=MEMBER,...]:OPERATION:LOW:HIGH[:STEPS][:UNIT]
    li_price=import_price[metal=Li]:scale:0.5:2:5
    demand[metal=Cu,region=East]:add:-100:100:3:kt/yr

Designs (:func:`make_design`): ``oat`` (one at a time: a base run, then each factor over
its steps with the others as in the workbook; feeds the tornado), ``grid`` (every
combination), ``morris`` and ``sobol`` (SALib draws the samples; SALib analyses them in
:mod:`msc_model.scenarios.sensitivity`). Units are checked like any input, and both ends of
every range are applied to the case before any run, so a range that leaves the
catalogue's bounds is refused up front, naming where it was declared.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from msc_model.data import ModelData
from msc_model.errors import InputError, Problem, ProblemCollector, did_you_mean
from msc_model.inputs.cells import CellProblem, address, is_blank, parse_name, parse_number
from msc_model.inputs.reader import Limits, read_sheets
from msc_model.scenarios.overlays import Override, apply_overrides
from msc_model.scenarios.selectors import Resolver, read_header
from msc_model.scenarios.variants import MUTABLE
from msc_model.schema import INDEX_SETS

SHEET = "sweep"
#: the factor syntax and examples, shown by ``msc sweep --help`` (a test parses each example
#: against the shipped workbook, so the help cannot drift from the parser)
SYNTAX = "[NAME=]PARAMETER[COLUMN=MEMBER,...]:OPERATION:LOW:HIGH[:STEPS][:UNIT]"
EXAMPLES = (
    ("li_price=import_price[metal=Li]:scale:0.5:2:5", "Li import prices x0.5 to x2, 5 points"),
    ("demand[metal=Cu,region=East]:add:-200:200:3:kt/yr", "East's Cu demand -200 to +200 kt/yr"),
    ("capex:scale:0.8:1.2", "every capital cost -20 % to +20 % (named capex_scale)"),
)
METHODS = ("oat", "grid", "morris", "sobol")
#: column names of the tidy tables a factor may not take
RESERVED = ("run_id", "indicator", "metal", "year", "value", "unit", "status", "error")
_SPEC = re.compile(
    r"^\s*(?:(?P<name>[A-Za-z_][\w.-]*)\s*=\s*)?(?P<param>\w+)\s*(?:\[(?P<sel>[^\]]*)\])?\s*:(?P<rest>.+)$"
)


@dataclass(frozen=True)
class Factor:
    """One swept input: an overlay whose value runs from ``low`` to ``high``."""

    name: str
    parameter: str
    selector: tuple[tuple[str, object], ...]
    operation: str
    low: float  # in ``unit`` (a plain factor for scale)
    high: float
    steps: int | None = None
    unit: str = ""
    to_canonical: float = 1.0
    declared_at: str = ""

    def override(self, value: float) -> Override:
        """The overlay at ``value`` (in the factor's unit)."""
        canonical = value if self.operation == "scale" else value * self.to_canonical
        return Override(
            self.parameter, self.selector, self.operation, canonical, self.name, self.declared_at
        )

    def levels(self, steps: int) -> list[float]:
        return [float(v) for v in np.linspace(self.low, self.high, max(steps, 1))]

    def base_value(self, data: ModelData) -> float | None:
        """The value that leaves ``data`` as it is: 1 for ``scale``, 0 for ``add``, the
        workbook's value for ``set`` (None when the rows it selects hold different values).
        Runs that do not vary this factor show it, so no factor column reads NaN."""
        if self.operation == "scale":
            return 1.0
        if self.operation == "add":
            return 0.0
        before = {c.before for c in apply_overrides(data, [self.override(self.low)])[1]}
        if len(before) != 1 or None in before:
            return None
        return float(before.pop()) / self.to_canonical

    @property
    def mutable(self) -> bool:
        return self.parameter in MUTABLE

    def describe(self) -> dict[str, object]:
        return {
            "name": self.name,
            "parameter": self.parameter,
            "selector": {c: v for c, v in self.selector},
            "operation": self.operation,
            "low": self.low,
            "high": self.high,
            "steps": self.steps,
            "unit": self.unit,
        }


def parse_factor(spec: str, data: ModelData) -> Factor:
    """A factor from its command-line form (see the module docstring).

    Raises
    ------
    InputError
        Naming the spec and the part that is wrong.
    """
    where = "--vary"
    problems = ProblemCollector(source=f"--vary '{spec}'")
    match = _SPEC.match(spec)
    parts = match.group("rest").split(":") if match else []
    if not match or not 3 <= len(parts) <= 5:
        raise InputError(
            [
                Problem(
                    where,
                    "",
                    f"'{spec}'",
                    "NAME=PARAMETER[COLUMN=MEMBER,...]:OPERATION:LOW:HIGH[:STEPS][:UNIT]",
                )
            ],
            "the command line",
        )
    raw_selector: dict[str, tuple[object, str]] = {}
    for item in filter(None, (s.strip() for s in (match.group("sel") or "").split(","))):
        column, sep, member = (p.strip() for p in item.partition("="))
        if not sep or column not in INDEX_SETS:
            problems.add(
                where,
                "",
                f"selector '{item}'",
                "COLUMN=MEMBER with an index column",
                did_you_mean(column, INDEX_SETS),
            )
            continue
        raw_selector[column] = (member, "")
    operation, low, high, *more = parts
    steps = more[0] if more else None
    unit = more[1] if len(more) > 1 else ""
    if steps is not None and not steps.strip().isdigit():  # ":unit" without steps
        steps, unit = None, steps
    factor = _resolve(
        data,
        problems,
        where,
        match.group("name") or "",
        match.group("param"),
        None,
        raw_selector,
        (operation, ""),
        (low, ""),
        (high, ""),
        (steps, ""),
        (unit, ""),
    )
    problems.raise_if_any()
    return factor  # type: ignore[return-value]


def read_factors(path: str | Path, data: ModelData, sheet: str = SHEET) -> list[Factor]:
    """Factors from a ``sweep`` sheet; every bad cell is reported at once."""
    path = Path(path)
    names, raw = read_sheets(path, [sheet], Limits())
    problems = ProblemCollector(source=str(path))
    if sheet not in raw:
        problems.add(
            sheet,
            "",
            "no such sheet",
            f"a sheet named '{sheet}' or --vary options",
            did_you_mean(sheet, names),
        )
        problems.raise_if_any()
    required = ("factor", "table", "operation", "low", "high")
    columns = read_header(
        raw[sheet].header,
        sheet,
        problems,
        required,
        ("steps", "unit", "parameter", "source", "note"),
    )
    problems.raise_if_any()
    factors = []
    for number, values in raw[sheet].rows:

        def at(column: str, values=values, number=number) -> tuple[object, str]:
            if column not in columns:
                return None, ""
            position = columns[column]
            value = values[position] if position < len(values) else None
            return value, address(number, position + 1)

        selector = {c: at(c) for c in columns if c in INDEX_SETS}
        factor = _resolve(
            data,
            problems,
            sheet,
            at("factor")[0],
            at("table")[0],
            at("parameter")[0],
            selector,
            at("operation"),
            at("low"),
            at("high"),
            at("steps"),
            at("unit"),
            at("table")[1],
        )
        if factor is not None:
            factors.append(factor)
    problems.raise_if_any()
    return factors


def _resolve(
    data,
    problems,
    sheet,
    name,
    table,
    parameter,
    selector,
    operation,
    low,
    high,
    steps,
    unit,
    table_cell="",
):
    before = len(problems.problems)
    resolver = Resolver(data, problems)
    found = resolver.param(table, sheet, table_cell, parameter)
    if found is None:
        return None
    spec, param = found
    sel = resolver.selector(spec, param, selector, sheet)
    op = resolver.operation(operation[0], sheet, operation[1], param)
    bounds = []
    for raw, cell in (low, high):
        try:
            bounds.append(parse_number(raw))
        except CellProblem as exc:
            problems.add(sheet, cell, exc.found, exc.expected, exc.hint)
    count = None
    if not is_blank(steps[0]):
        try:
            count = int(parse_number(steps[0]))
            if count < 1:
                raise CellProblem(f"{count}", "a whole number of steps, at least 1")
        except CellProblem as exc:
            problems.add(sheet, steps[1], exc.found, "a whole number of steps, at least 1")
    if sel is None or op is None:
        return None
    factor = resolver.factor(param, op, unit[0], dict(sel).get("metal"), sheet, unit[1])
    if factor is None or len(problems.problems) > before or len(bounds) != 2:
        return None
    label = parse_name(name) if not is_blank(name) else _default_name(param.name, sel, op)
    if label in RESERVED:
        problems.add(
            sheet, "", f"factor name '{label}'", f"a name other than {', '.join(RESERVED)}"
        )
        return None
    where = f"{sheet}!{operation[1]}" if operation[1] else sheet
    return Factor(
        label,
        param.name,
        sel,
        op,
        bounds[0],
        bounds[1],
        count,
        "" if is_blank(unit[0]) else str(unit[0]).strip(),
        factor,
        where,
    )


def _default_name(parameter: str, selector, operation: str) -> str:
    members = "_".join(str(v) for _, v in selector)
    return f"{parameter}{'_' + members if members else ''}_{operation}"


def check_factors(data: ModelData, factors: Sequence[Factor]) -> None:
    """Refuse duplicate names and ranges whose ends leave the catalogue's bounds."""
    names = [f.name for f in factors]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise InputError(
            [Problem("sweep", "", f"factor '{d}' twice", "unique factor names") for d in duplicates]
        )
    if not factors:
        raise InputError(
            [Problem("sweep", "", "no factor", "at least one factor (--vary or a sweep sheet)")]
        )
    for factor in factors:
        for value in (factor.low, factor.high):
            apply_overrides(data, [factor.override(value)])


def make_design(
    factors: Sequence[Factor],
    method: str,
    *,
    steps: int | None = None,
    samples: int | None = None,
    levels: int = 4,
    seed: int = 0,
) -> tuple[list[dict[str, float | None]], dict[str, object]]:
    """The runs of a design, as factor name → value (None: as in the workbook).

    Parameters
    ----------
    method
        ``oat``, ``grid``, ``morris`` or ``sobol``.
    steps
        Points per factor for oat (default 2: low and high) and grid (default 3); a
        factor's own ``steps`` wins.
    samples
        Morris trajectories (default 10) or Sobol base samples N (default 64; a power of
        two; runs = N · (factors + 2)).
    levels
        Morris grid levels.
    seed
        Seed of SALib's sampling, so a resumed sweep draws the same samples.

    Returns
    -------
    (runs, meta)
        ``meta`` records what SALib needs again for the analysis (and, for ``oat``, which
        factor each run varies: ``varied``, None for the base run).
    """
    if method not in METHODS:
        raise InputError(
            [
                Problem(
                    "sweep",
                    "",
                    f"method '{method}'",
                    ", ".join(METHODS),
                    did_you_mean(method, METHODS),
                )
            ]
        )
    names = [f.name for f in factors]
    meta: dict[str, object] = {
        "method": method,
        "factors": [f.describe() for f in factors],
        "seed": seed,
    }
    if method == "oat":
        runs: list[dict[str, float | None]] = [dict.fromkeys(names)]
        varied: list[str | None] = [None]  # which factor each run varies (None: the base)
        for f in factors:
            for value in f.levels(f.steps or steps or 2):
                runs.append({**dict.fromkeys(names), f.name: value})
                varied.append(f.name)
        meta["varied"] = varied
        return runs, meta
    if method == "grid":
        # mutable factors vary fastest, so consecutive runs share a built model
        order = sorted(factors, key=lambda f: f.mutable)
        grids = [f.levels(f.steps or steps or 3) for f in order]
        runs = [
            dict(zip([f.name for f in order], combo, strict=True))
            for combo in itertools.product(*grids)
        ]
        return [{n: r[n] for n in names} for r in runs], meta
    problem = salib_problem(factors)
    if method == "morris":
        from SALib.sample import morris as morris_sample

        count = samples or 10
        matrix = morris_sample.sample(problem, count, num_levels=levels, seed=seed)
        meta.update(samples=count, levels=levels)
    else:
        from SALib.sample import sobol as sobol_sample

        count = samples or 64
        matrix = sobol_sample.sample(problem, count, calc_second_order=False, seed=seed)
        meta.update(samples=count, calc_second_order=False)
    runs = [dict(zip(names, (float(v) for v in row), strict=True)) for row in matrix]
    return runs, meta


def salib_problem(factors: Sequence[Factor]) -> dict[str, object]:
    """SALib's problem definition: names and [low, high] bounds."""
    return {
        "num_vars": len(factors),
        "names": [f.name for f in factors],
        "bounds": [[f.low, f.high] for f in factors],
    }
