"""The smallest change of one workbook value (or several together) that makes a case
solvable: feasibility relaxations mapped back to workbook cells."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import pyomo.core as pyo
from pyomo.repn import generate_standard_repn

from msc_model.diagnose.findings import Change
from msc_model.diagnose.words import _PERCENT, _num, _rounded, _Words
from msc_model.model.sets import corridor_value
from msc_model.schema import PARAMS
from msc_model.solver import IisMember, Relaxation, feasibility_relaxation


@dataclass(frozen=True)
class _Knob:
    """A workbook value behind an IIS member, and the model items that carry it."""

    parameter: str
    key: tuple
    what: str  # "copper in East"
    unit: str  # "kt", "kt/yr", "days", "" for shares
    current: float
    cells: tuple[str, ...]
    component: str  # the model items relaxed: rows of a constraint or a variable's bounds
    side: str  # "constraint", or "upper" for a variable bound
    prefixes: tuple[tuple, ...]  # index prefixes of the items relaxed

    def relaxes(self, component: str, index: tuple, side: str) -> bool:
        return (
            component == self.component
            and side == self.side
            and any(index[: len(p)] == p for p in self.prefixes)
        )

    def change(self, words: _Words, relaxed: Relaxation) -> Change | None:
        crossed = [v for v in relaxed.violations if self.relaxes(v.component, v.index, _side(v))]
        if not crossed:
            return None
        needed, up = _needed(self, words, relaxed, crossed)
        needed = _rounded(needed, up)
        if not _allowed(self.parameter, needed):
            return None  # e.g. a collection rate above 100 %: not a change one can make
        bound = "least" if up else "most"
        if self.parameter in _PERCENT:
            shown = f"{100 * self.current:.3g} % to at {bound} {100 * needed:.4g} %"
        else:
            unit = f" {self.unit}" if self.unit else ""
            shown = f"{_num(self.current)} to at {bound} {_num(needed, 4)}{unit}"
        sentence = (
            f"{'Raise' if up else 'Lower'} {self.parameter} for {self.what} "
            f"({', '.join(self.cells)}) from {shown}."
        )
        return Change(
            self.parameter, self.key, self.cells, self.current, needed, self.unit, sentence
        )


def _allowed(parameter: str, value: float) -> bool:
    """Whether the catalogue's range admits ``value`` for ``parameter``."""
    if parameter not in PARAMS:
        return value >= 0
    spec = PARAMS[parameter][1]
    low = spec.min if spec.min is not None else -math.inf
    high = spec.max if spec.max is not None else math.inf
    return low - 1e-9 <= value <= high + 1e-9


def _side(violation) -> str:
    return "constraint" if violation.kind == "constraint" else violation.bound


def _key(var) -> tuple[str, tuple]:
    index = var.index()
    index = index if isinstance(index, tuple) else ((index,) if index is not None else ())
    return var.parent_component().name, index


def _evaluate(expr, values: dict) -> float:
    """A linear expression at the relaxed plan's values."""
    repn = generate_standard_repn(expr, compute_values=True)
    linear = zip(repn.linear_coefs, repn.linear_vars, strict=True)
    return float(repn.constant) + sum(c * values.get(_key(v), 0.0) for c, v in linear)


def _total(values: dict, name: str, keep: Callable[[tuple], bool]) -> float:
    return sum(v for (c, k), v in values.items() if c == name and keep(k))


def _needed(knob: _Knob, words: _Words, relaxed: Relaxation, crossed: list) -> tuple[float, bool]:
    """The value ``knob`` must take in the relaxed plan, and whether that is a raise."""
    name, values = knob.parameter, relaxed.values
    if name == "reserve_days":  # stock ≥ days/365 · national demand
        return min(knob.current * v.value / v.limit for v in crossed if v.limit > 0), False
    if name == "storage_capacity":  # storage = existing + new: more existing needed
        return knob.current + max(v.value - v.limit for v in crossed), True
    if name in ("existing_capacity", "export_demand"):  # equality rows: either way
        # the relaxed plan may need more of it (hinterland capacity a share rule asks
        # for) or less (a coastal plant that crowds the share): the side it crossed says
        above = [v.value for v in crossed if v.value > knob.current]
        if above:
            return max(above), True
        return min(v.value for v in crossed), False
    if name == "max_collection_rate":
        return max(v.value / words.inc.end_of_life[v.index] for v in crossed), True
    if name in ("max_region_share", "min_hinterland_share"):
        plant, inland = knob.key, words.data.hinterland
        shares = []
        for v in crossed:
            year = v.index[-1]
            whole = _total(values, "capacity", lambda k, y=year: k[:2] == plant and k[3] == y)
            if name == "max_region_share":
                part = values.get(("capacity", v.index), 0.0)
            else:
                part = _total(
                    values,
                    "capacity",
                    lambda k, y=year: k[:2] == plant and k[2] in inland and k[3] == y,
                )
            shares.append(part / whole if whole > 0 else 0.0)
        return (max(shares), True) if name == "max_region_share" else (min(shares), False)
    if name == "max_supplier_share":  # index (metal, origin, year); imports (m, k, o, r, t)
        shares = []
        for v in crossed:
            metal, origin, year = v.index
            whole = _total(values, "imports", lambda k, m=metal, y=year: k[0] == m and k[4] == y)
            part = _total(
                values,
                "imports",
                lambda k, m=metal, o=origin, y=year: k[0] == m and k[2] == o and k[4] == y,
            )
            shares.append(part / whole if whole > 0 else 0.0)
        return max(shares), True
    if name == "dependence_target":
        worst = max(crossed, key=lambda v: v.value - v.limit)
        metal, year = worst.index
        net = _evaluate(words.model.net_imports[metal, year], values)
        whole = _evaluate(words.model.consumption[metal, year], values)
        return (net / whole if whole > 0 else 1.0), True
    return max(v.value for v in crossed), True  # an upper limit: the most reached


def _knobs(words: _Words, members: list[IisMember]) -> list[_Knob]:
    """The workbook values behind the IIS, each once, in the order met."""
    found: dict[tuple[str, tuple], _Knob] = {}
    for member in members:
        knob = _knob(words, member)
        if knob is not None:
            found.setdefault((knob.parameter, knob.key), knob)
    return list(found.values())


#: model item → (parameter, how many index entries form its key, unit, side relaxed)
_GIVEN = {
    "storage_capacity": ("max_storage", 2, "kt", "upper"),
    "capacity": ("max_capacity", 3, "kt/yr", "upper"),
    "new_capacity": ("max_build", 3, "kt/yr", "upper"),
    "collected_scrap": ("max_collection_rate", 1, "", "upper"),
    "collection_limit": ("max_collection_rate", 1, "", "constraint"),
    "import_limit": ("import_availability", 3, "kt/yr", "constraint"),
    "reserve_minimum": ("reserve_days", 2, "days", "constraint"),
    "storage_accounting": ("storage_capacity", 2, "kt", "constraint"),
    "region_share_limit": ("max_region_share", 2, "", "constraint"),
    "hinterland_share_minimum": ("min_hinterland_share", 2, "", "constraint"),
    "supplier_share_limit": ("max_supplier_share", 1, "", "constraint"),
    "export_commitment": ("export_demand", 3, "kt/yr", "constraint"),
}


def _knob(words: _Words, member: IisMember) -> _Knob | None:
    data, c, i = words.data, member.component, member.index
    if member.kind == "variable" and member.bound == "lower":
        return None  # "cannot be negative" has no value to change
    if c in _GIVEN:
        parameter, size, unit, side = _GIVEN[c]
        key = i[:size]
        what = _what(words, parameter, key)
        cells = (data.cell(parameter, key) or f"{parameter} (default)",)
        return _Knob(parameter, key, what, unit, data.get(parameter, key), cells, c, side, (key,))
    if c == "capacity_accounting":
        residual = words.inc.residual.get(i, 0.0)
        if residual <= 0:
            return None  # nothing in service to change: the sentence names the lead time
        # every year of the plant is relaxed: the same capacity serves several years
        what = f"{words.metal(i[0])} {i[1]} in {i[2]} in service in {i[3]}"
        cells = tuple(words.vintages(*i))
        return _Knob(
            "existing_capacity", i, what, "kt/yr", residual, cells, c, "constraint", (i[:3],)
        )
    if c == "dependence_cap":
        metal, year = i
        cells = tuple(
            x for k, x in data.cells.get("dependence_target", {}).items() if k[0] == metal
        )
        current = pyo.value(words.model.dependence_target[metal, year])
        what = f"{words.metal(metal)} in {year}"
        return _Knob(
            "dependence_target", (metal,), what, "", current, cells, c, "constraint", (i[:1],)
        )
    if c == "corridor_limit":
        arc, back = i[:3], (i[1], i[0], i[2])
        cells = tuple(x for x in (data.cell("corridor_capacity", a) for a in (arc, back)) if x)
        current = corridor_value(data, "corridor_capacity", arc)
        what = f"{arc[0]}-{arc[1]} by {arc[2]}"
        return _Knob(
            "corridor_capacity", arc, what, "kt/yr", current, cells, c, "constraint", (arc, back)
        )
    return None


def _what(words: _Words, parameter: str, key: tuple) -> str:
    """The subject of a value in words: "copper smelting in East", "ore copper from Chile"."""
    metal = words.metal(key[0])
    if parameter == "import_availability":
        return f"{key[1]} {metal} from {key[2]}"
    if parameter == "export_demand":
        return f"{key[1]} {metal} in {key[2]}"
    if len(key) == 3:
        return f"{metal} {key[1]} in {key[2]}"
    if len(key) == 2 and parameter in ("max_region_share", "min_hinterland_share"):
        return f"{metal} {key[1]}"
    return f"{metal} in {key[1]}" if len(key) == 2 else metal


def _changes(model, words: _Words, knobs: list[_Knob], time_limit: float):
    """Changes of single values that each suffice; else the values changed together."""
    alone = []
    for knob in knobs:
        relaxed = feasibility_relaxation(model, knob.relaxes, time_limit=time_limit)
        change = knob.change(words, relaxed) if relaxed is not None else None
        if change is not None:
            alone.append(change)
    if alone or not knobs:
        return alone, True

    def any_knob(component: str, index: tuple, side: str) -> bool:
        return any(k.relaxes(component, index, side) for k in knobs)

    relaxed = feasibility_relaxation(model, any_knob, time_limit=time_limit)
    if relaxed is None:
        return [], False
    return [c for k in knobs if (c := k.change(words, relaxed)) is not None], False
