"""Sentences for model components, in workbook terms, with the cells behind each number."""

from __future__ import annotations

import math
from collections.abc import Callable

import pyomo.core as pyo

from msc_model.data import ModelData
from msc_model.diagnose.findings import Conflict
from msc_model.model.sets import corridor_value
from msc_model.solver import IisMember

#: parameters that are shares, said as percentages
_PERCENT = {"max_region_share", "min_hinterland_share", "max_supplier_share"}
_PERCENT |= {"dependence_target", "max_collection_rate"}


# -- words ------------------------------------------------------------------------------------


def _num(x: float, digits: int = 3) -> str:
    """A quantity as a reader types it: 18,740, 137.3, 0.256 (never 1.87e+04)."""
    if not math.isfinite(x):
        return str(x)
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.{digits - 2}f}".rstrip("0").removesuffix(".")
    return f"{x:.{digits}g}"


def _rounded(x: float, up: bool) -> float:
    """``x`` to four significant digits, rounded away from infeasibility."""
    if x == 0 or not math.isfinite(x):
        return x
    step = 10 ** (math.floor(math.log10(abs(x))) - 3)
    return (math.ceil if up else math.floor)(x / step - 1e-9 * (1 if up else -1)) * step


def _span(years: list[int]) -> str:
    return str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"


class _Words:
    """Sentences for model components, with the cells their numbers came from."""

    def __init__(self, data: ModelData, model: pyo.ConcreteModel) -> None:
        self.data, self.model, self.inc = data, model, model.incidence

    def metal(self, metal: str, capital: bool = False) -> str:
        name = self.data.metal_names.get(metal) or metal
        return name[:1].upper() + name[1:] if capital else name

    def cell(self, name: str, key: tuple) -> str:
        return self.data.cell(name, key)

    def share(self, x: float) -> str:
        return f"{100 * x:.3g} %"

    def demand(self, metal: str, t: int) -> tuple[float, list[str]]:
        total = sum(pyo.value(self.model.demand[metal, r, t]) for r in self.data.regions)
        cells = [self.cell("demand", (metal, r, t)) for r in self.data.regions]
        return total, [c for c in cells if c]

    def vintages(self, metal: str, process: str, region: str, t: int) -> list[str]:
        return [
            v.cell
            for v in self.data.vintages
            if (v.metal, v.process, v.region) == (metal, process, region) and v.in_service(t)
        ]

    def conflict(self, member: IisMember) -> Conflict:
        kind = "bound" if member.kind == "variable" else "constraint"
        say = _SAY.get((member.component, member.kind))
        if member.kind == "variable" and member.bound == "lower":
            sentence, cells = "", []  # "cannot be negative": true of every flow, not news
        elif say is None:
            where = ", ".join(map(str, member.index))
            sentence, cells = f"The model's {member.component.replace('_', ' ')} ({where}).", []
        else:
            sentence, cells = say(self, *member.index)
        cells = [c for c in cells if c]
        return Conflict(member.component, member.index, kind, sentence, tuple(cells))

    # one method per family; each returns (sentence, cells)
    def reserve_minimum(self, metal, region, t):
        days = self.data.get("reserve_days", (metal, region))
        national, demand_cells = self.demand(metal, t)
        cell = self.cell("reserve_days", (metal, region))
        return (
            f"{self.metal(metal, True)} reserves in {region} must be at least "
            f"{_num(days / 365 * national)} kt in {t}: {days:g} days ({cell}) of national "
            f"demand, {_num(national)} kt/yr ({', '.join(demand_cells)}).",
            [cell, *demand_cells],
        )

    def stock_limit(self, metal, region, t):
        return (
            f"The {self.metal(metal)} stock in {region} cannot exceed the storage capacity "
            f"there in {t}.",
            [],
        )

    def storage_bound(self, metal, region, t):
        most = self.data.get("max_storage", (metal, region))
        cell = self.cell("max_storage", (metal, region))
        return (
            f"{self.metal(metal, True)} storage capacity in {region} is at most {_num(most)} kt "
            f"(max_storage, {cell}).",
            [cell],
        )

    def end_of_life_arising(self, metal, region, t):
        return (
            f"The {self.metal(metal)} end-of-life scrap arising in {region} in {t} is what was "
            f"consumed there one product lifetime earlier (demand met, plus the demand "
            f"history's scrap).",
            [],
        )

    def storage_accounting(self, metal, region, t):
        existing = self.data.get("storage_capacity", (metal, region))
        cell = self.cell("storage_capacity", (metal, region))
        new = any(
            (metal, region, tau) in self.inc.storage_builds
            for tau in range(self.inc.base_year, t + 1)
        )
        tail = (
            f" plus new storage built from {self.inc.base_year + 1}"
            if new
            else f": no new storage can serve there by {t}"
        )
        return (
            f"{self.metal(metal, True)} storage capacity in {region} in {t} is the existing "
            f"{_num(existing)} kt ({cell or 'default'}){tail}.",
            [cell],
        )

    def stock_continuity(self, metal, region, t):
        cell = self.cell("initial_stock", (metal, region))
        return (
            f"The {self.metal(metal)} stock in {region} carries over from year to year "
            f"(initial stock {_num(self.data.get('initial_stock', (metal, region)))} kt"
            f"{', ' + cell if cell else ''}).",
            [cell],
        )

    def capacity_bound(self, metal, process, region, t):
        most = self.data.get("max_capacity", (metal, process, region))
        cell = self.cell("max_capacity", (metal, process, region))
        return (
            f"{self.metal(metal, True)} {process} capacity in {region} is at most "
            f"{_num(most)} kt/yr (max_capacity, {cell}).",
            [cell],
        )

    def build_bound(self, metal, process, region, t):
        most = self.data.get("max_build", (metal, process, region))
        cell = self.cell("max_build", (metal, process, region))
        return (
            f"At most {_num(most)} kt/yr of new {self.metal(metal)} {process} capacity can come "
            f"online in {region} in one year (max_build, {cell}).",
            [cell],
        )

    def capacity_accounting(self, metal, process, region, t):
        residual = self.inc.residual.get((metal, process, region, t), 0.0)
        cells = self.vintages(metal, process, region, t)
        builds = [tau for tau in self.inc.builds.get((metal, process, region), ()) if tau <= t]
        text = (
            f"{self.metal(metal, True)} {process} capacity in {region} in {t} includes "
            f"{_num(residual)} kt/yr existing or committed"
            + (f" ({', '.join(cells)})" if cells else "")
        )
        if not builds:
            lead = self.data.get("lead_time", (metal, process))
            lead_cell = self.cell("lead_time", (metal, process))
            first = self.inc.base_year + math.ceil(lead)
            text += (
                f", and no new capacity can produce by then (lead_time {lead:g} yr"
                f"{', ' + lead_cell if lead_cell else ''}: first builds in {first})"
            )
            cells.append(lead_cell)
        return text + ".", cells

    def capacity_limit(self, metal, process, region, t):
        share = self.data.get("availability", (metal, process))
        cell = self.cell("availability", (metal, process))
        return (
            f"{self.metal(metal, True)} {process} output in {region} in {t} is at most "
            f"{self.share(share)} of its capacity (availability{', ' + cell if cell else ''}).",
            [cell],
        )

    def region_share_limit(self, metal, process, region, t):
        share = self.data.get("max_region_share", (metal, process))
        cell = self.cell("max_region_share", (metal, process))
        return (
            f"No region may hold more than {self.share(share)} of national "
            f"{self.metal(metal)} {process} capacity (max_region_share, {cell}): {region} in "
            f"{t}.",
            [cell],
        )

    def hinterland_share_minimum(self, metal, process, t):
        share = self.data.get("min_hinterland_share", (metal, process))
        cell = self.cell("min_hinterland_share", (metal, process))
        inland = ", ".join(r for r in self.data.regions if r in self.data.hinterland) or "none"
        return (
            f"Hinterland regions ({inland}) must hold at least {self.share(share)} of national "
            f"{self.metal(metal)} {process} capacity in {t} (min_hinterland_share, {cell}).",
            [cell],
        )

    def supplier_share_limit(self, metal, origin, t):
        share = self.data.get("max_supplier_share", (metal,))
        cell = self.cell("max_supplier_share", (metal,))
        return (
            f"No origin may supply more than {self.share(share)} of {self.metal(metal)} imports "
            f"(max_supplier_share, {cell}): {origin} in {t}.",
            [cell],
        )

    def dependence_cap(self, metal, t):
        target = pyo.value(self.model.dependence_target[metal, t])
        cells = [
            c for k, c in self.data.cells.get("dependence_target", {}).items() if k[0] == metal
        ]
        return (
            f"{self.metal(metal, True)}'s external dependence in {t} may be at most "
            f"{self.share(target)} (dependence_target, {', '.join(cells)}).",
            cells,
        )

    def import_limit(self, metal, form, origin, t):
        most = self.data.get("import_availability", (metal, form, origin))
        cell = self.cell("import_availability", (metal, form, origin))
        return (
            f"At most {_num(most)} kt/yr of {form} {self.metal(metal)} can be imported from "
            f"{origin} (import_availability, {cell}).",
            [cell],
        )

    def export_commitment(self, metal, form, t):
        amount = self.data.get("export_demand", (metal, form, t))
        cell = self.cell("export_demand", (metal, form, t))
        return (
            f"{_num(amount)} kt/yr of {form} {self.metal(metal)} must be exported in {t} "
            f"(export_demand, {cell}).",
            [cell],
        )

    def corridor_limit(self, start, end, mode, t):
        most = corridor_value(self.data, "corridor_capacity", (start, end, mode))
        cell = self.cell("corridor_capacity", (start, end, mode)) or self.cell(
            "corridor_capacity", (end, start, mode)
        )
        return (
            f"At most {_num(most)} kt/yr can move from {start} to {end} by {mode} "
            f"(corridor_capacity, {cell}).",
            [cell],
        )

    def collection_bound(self, metal, region, t):
        rate = self.data.get("max_collection_rate", (metal,))
        cell = self.cell("max_collection_rate", (metal,))
        arising = self.inc.end_of_life.get((metal, region, t), 0.0)
        return (
            f"At most {self.share(rate)} of the {_num(arising)} kt/yr of {self.metal(metal)} "
            f"end-of-life scrap in {region} in {t} can be collected (max_collection_rate, "
            f"{cell}).",
            [cell],
        )


_SAY: dict[tuple[str, str], Callable] = {
    ("reserve_minimum", "constraint"): _Words.reserve_minimum,
    ("stock_limit", "constraint"): _Words.stock_limit,
    ("storage_capacity", "variable"): _Words.storage_bound,
    ("storage_accounting", "constraint"): _Words.storage_accounting,
    ("stock_continuity", "constraint"): _Words.stock_continuity,
    ("capacity", "variable"): _Words.capacity_bound,
    ("new_capacity", "variable"): _Words.build_bound,
    ("capacity_accounting", "constraint"): _Words.capacity_accounting,
    ("capacity_limit", "constraint"): _Words.capacity_limit,
    ("region_share_limit", "constraint"): _Words.region_share_limit,
    ("hinterland_share_minimum", "constraint"): _Words.hinterland_share_minimum,
    ("supplier_share_limit", "constraint"): _Words.supplier_share_limit,
    ("dependence_cap", "constraint"): _Words.dependence_cap,
    ("import_limit", "constraint"): _Words.import_limit,
    ("export_commitment", "constraint"): _Words.export_commitment,
    ("corridor_limit", "constraint"): _Words.corridor_limit,
    ("collected_scrap", "variable"): _Words.collection_bound,
    ("collection_limit", "constraint"): _Words.collection_bound,
    ("end_of_life_arising", "constraint"): _Words.end_of_life_arising,
}
