"""Pre-solve sanity checks: data the model cannot honour, caught before it is built.

:func:`load_inputs` checks each value and the simple cross-sheet rules; these checks look
at what the values imply together, the way the LP will, and name the cells on each side:

- **unreachable demand**: no chain (mine, import, recycling, stock, shipment) can bring
  a metal's products to a region with demand. ``unmet_demand`` is a priced slack, so the
  model would still "solve", leaving that demand unmet at the penalty price: an error
  when no year can be reached (in practice a missing import row, corridor or a zero
  limit), a warning when only the first years cannot (nothing can be built before the
  lead time has passed);
- **reserve minimum above storage**: ``reserve_days`` of national demand exceeding the
  most storage the region can hold (``max_storage``; existing storage in the base year);
- **shares the limits rule out**: a ``min_hinterland_share`` above what
  ``max_region_share`` or the hinterland's capacity limits allow while capacity elsewhere
  is already in service, and a ``max_region_share`` no distribution over the regions meets;
- **committed capacity above max_capacity** (the loader checks the workbook; a scenario
  that changes limits with :meth:`ModelData.with_params` is checked here);
- **horizons that leave no time to build** (warning): a lead time that puts the first
  possible build after the final year while the metal has dependence targets;
- **supplier limits that forbid every import** (warning): with ``max_supplier_share`` s
  and n origins offering a metal, each origin's imports are at most s of the total, so
  n·s < 1 allows no import at all from the policy start; demand must then be met at
  home or left unmet at the penalty price, silently (a 10 % cap with five origins).

The errors are certain infeasibilities (or certain nonsense); the model's own diagnosis
(``msc diagnose``) explains any other conflict. Pure Python: no Pyomo import, so
``msc validate`` stays fast.
"""

from __future__ import annotations

import math
import weakref
from collections import defaultdict
from dataclasses import dataclass, field

from msc_model.data import ModelData
from msc_model.errors import InputError, Problem

TOLERANCE = 1e-6
FORMS_CHAIN = ("ore", "refined", "scrap", "product")


@dataclass
class Sanity:
    """Findings of :func:`check_sanity`: errors (the run would be wrong) and warnings."""

    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    source: str = ""

    def raise_if_any(self) -> None:
        """Raise one :class:`InputError` listing every error."""
        if self.errors:
            raise InputError(self.errors, self.source)


def check_sanity(data: ModelData) -> Sanity:
    """Check what the inputs imply together, before the model is built.

    Parameters
    ----------
    data
        Validated inputs (from :func:`msc_model.inputs.load_inputs`, possibly changed by a
        scenario).

    Returns
    -------
    Sanity
        Errors and warnings as :class:`~msc_model.errors.Problem` naming sheet and cell;
        call :meth:`Sanity.raise_if_any` to stop on errors.
    """
    found = Sanity(source=data.source)
    _check_reachable_demand(data, found)
    _check_reserves(data, found)
    _check_committed_capacity(data, found)
    _check_shares(data, found)
    _check_lead_times(data, found)
    _check_early_targets(data, found)
    _check_lost_supply_value(data, found)
    _check_supplier_shares(data, found)
    _check_product_reach(data, found)
    return found


# -- helpers ----------------------------------------------------------------------------------


def _split(address: str) -> tuple[str, str]:
    sheet, _, cell = address.partition("!")
    return sheet, cell


def _where(data: ModelData, name: str, key: tuple, sheet: str) -> tuple[str, str]:
    """(sheet, cell) of a value, or (its sheet, "") when it is the catalogue default."""
    address = data.cell(name, key)
    return _split(address) if address else (sheet, "")


def _cells(data: ModelData, name: str, keys) -> str:
    listed = [data.cell(name, key) for key in keys]
    return ", ".join(c for c in listed if c) or f"{name} (default)"


def _num(x: float) -> str:
    """A quantity as a reader types it: 18,740 and 523.3, never 1.87e+04."""
    return f"{x:,.0f}" if abs(x) >= 1000 else f"{x:.4g}"


def _name(data: ModelData, metal: str) -> str:
    return data.metal_names.get(metal) or metal


#: the last ModelData's vintages by (metal, process, region): the checks ask for residual
#: capacity tens of thousands of times at provincial scale, and ModelData scans every vintage
_VINTAGES: list = [None, {}]


def _residual(data: ModelData, metal: str, process: str, region: str, year: int) -> float:
    """``data.residual_capacity`` (same vintages, same order of summation), indexed."""
    ref, index = _VINTAGES
    if ref is None or ref() is not data:
        index = defaultdict(list)
        for v in data.vintages:
            index[v.metal, v.process, v.region].append(v)
        _VINTAGES[:] = [weakref.ref(data), index]
    return sum(v.capacity for v in index.get((metal, process, region), ()) if v.in_service(year))


def _first_build(data: ModelData, metal: str, process: str) -> int:
    return data.base_year + math.ceil(data.get("lead_time", (metal, process)))


def _can_build(data: ModelData, metal: str, process: str, region: str, year: int) -> bool:
    key = (metal, process, region)
    open_ = data.get("max_capacity", key) != 0 and data.get("max_build", key) != 0
    return open_ and year >= _first_build(data, metal, process)


def _max_capacity(data: ModelData, metal: str, process: str, region: str, year: int) -> float:
    """Most capacity the region can have in ``year``: limit, builds so far, what exists."""
    key = (metal, process, region)
    residual = _residual(data, metal, process, region, year)
    if not _can_build(data, metal, process, region, year):
        return residual
    most = data.get("max_capacity", key)
    build = data.get("max_build", key)
    if build is not None:
        life = data.get("lifetime", (metal, process))
        first = _first_build(data, metal, process)
        serving = sum(1 for tau in range(first, year + 1) if year - tau < life)
        most = min(most if most is not None else math.inf, residual + build * serving)
    return math.inf if most is None else most


def _policy_years(data: ModelData) -> list[int]:
    return [t for t in data.years if t >= data.policy_start_year]


def _demand(data: ModelData, metal: str, region: str, year: int) -> float:
    return data.get("demand", (metal, region, year), 0.0) or 0.0


# -- unreachable demand -----------------------------------------------------------------------


def _reachable(data: ModelData, metal: str, year: int) -> dict[str, set[str]]:
    """Regions each form of ``metal`` can be present in during ``year`` (a fixed point)."""
    regions = data.regions

    def plant(process: str, region: str) -> bool:
        return _residual(data, metal, process, region, year) > 0 or _can_build(
            data, metal, process, region, year
        )

    imported: dict[str, set[str]] = defaultdict(set)
    for (m, form, origin), _price in data.table("import_price").items():
        if m != metal or data.get("import_availability", (m, form, origin)) == 0:
            continue
        entry = data.origin_entry.get(origin)
        ports = data.sea_ports if entry == "sea" else data.land_corridors
        imported[form] |= {r for r in regions if r in ports}
    collectable = data.get("max_collection_rate", (metal,), 0.0) or 0.0
    has_end_uses = any(m == metal for (m, _e) in data.table("end_use_share"))
    demanded_before = {  # regions with demand in an earlier year (their products age)
        rr for (m, rr, t), v in data.table("demand").items() if m == metal and t < year and v > 0
    }
    scrap_arises = {r for r in regions if collectable > 0 and has_end_uses and r in demanded_before}
    prompt = (data.get("prompt_scrap_rate", (metal,), 0.0) or 0.0) > 0
    links = [
        (a, b)
        for (a, b, mode) in set(data.table("distance")) | set(data.table("corridor_capacity"))
        if data.get("corridor_capacity", (a, b, mode)) != 0
    ]
    has = {form: set(imported[form]) for form in FORMS_CHAIN}
    has["scrap"] |= scrap_arises
    has["refined"] |= {r for r in regions if data.get("initial_stock", (metal, r), 0.0)}
    while True:
        before = sum(len(v) for v in has.values())
        for r in regions:
            if plant("mining", r):
                has["ore"].add(r)
            if (plant("smelting", r) and r in has["ore"]) or (
                plant("recycling", r) and r in has["scrap"]
            ):
                has["refined"].add(r)
            if plant("processing", r) and r in has["refined"]:
                has["product"].add(r)
                if prompt:
                    has["scrap"].add(r)
        for a, b in links:
            for form in FORMS_CHAIN:
                if a in has[form] or b in has[form]:
                    has[form] |= {a, b}
        if sum(len(v) for v in has.values()) == before:
            return has


def _check_reachable_demand(data: ModelData, found: Sanity) -> None:
    for metal in data.metals:
        unreachable: dict[str, list[int]] = defaultdict(list)
        wanted: dict[str, list[int]] = defaultdict(list)
        for year in data.years:
            has = None
            for region in data.regions:
                if _demand(data, metal, region, year) <= 0:
                    continue
                wanted[region].append(year)
                has = has or _reachable(data, metal, year)
                if region not in has["product"]:
                    unreachable[region].append(year)
        for region, years in unreachable.items():
            first = years[0]
            sheet, cell = _where(data, "demand", (metal, region, first), "demand")
            what = f"{_name(data, metal)} demand in {region}"
            if len(years) == len(wanted[region]):
                found.errors.append(
                    Problem(
                        sheet,
                        cell,
                        f"{what} ({_num(_demand(data, metal, region, first))} kt/yr in {first}) "
                        "that no supply chain can reach",
                        "a way to supply it: processing capacity in the region fed by "
                        "mines, imports, recycling or shipments, or imports of products",
                        f"no {metal} processing can exist in {region} or be fed there, no "
                        f"{metal} product import lands there and no corridor links it to a "
                        "region that has products; all of it would be left unmet at the "
                        "unmet_demand_penalty",
                    )
                )
            else:
                found.warnings.append(
                    Problem(
                        sheet,
                        cell,
                        f"{what} in {_span(years)} that no supply chain can reach yet",
                        "capacity or imports in service by then",
                        "new capacity can only produce after its lead_time (technology "
                        "sheet); this demand will be reported as unmet",
                    )
                )


def _span(years: list[int]) -> str:
    return str(years[0]) if len(years) == 1 else f"{years[0]}-{years[-1]}"


# -- reserves -----------------------------------------------------------------------------------


def _check_reserves(data: ModelData, found: Sanity) -> None:
    for (metal, region), days in data.table("reserve_days").items():
        if days <= 0 or metal not in data.metals or region not in data.regions:
            continue
        worst = None
        for year in _policy_years(data):
            national = sum(_demand(data, metal, r, year) for r in data.regions)
            need = days / 365.0 * national
            if year == data.base_year:  # no new storage can serve in the base year
                room, limit = data.get("storage_capacity", (metal, region), 0.0), "storage_capacity"
            else:
                room, limit = data.get("max_storage", (metal, region)), "max_storage"
            short = room is not None and need > room * (1 + TOLERANCE) + TOLERANCE
            if short and (worst is None or need - room > worst[0]):
                worst = (need - room, year, need, national, room, limit)
        if worst is None:
            continue
        _gap, year, need, national, room, limit = worst
        sheet, cell = _where(data, "reserve_days", (metal, region), "reserves")
        demand_cells = _cells(data, "demand", [(metal, r, year) for r in data.regions])
        found.errors.append(
            Problem(
                sheet,
                cell,
                f"reserve_days {days:g} for {_name(data, metal)} in {region}, i.e. a stock of "
                f"{_num(need)} kt in {year} ({days:g} days of national demand "
                f"{_num(national)} kt/yr at {demand_cells})",
                f"at most {_num(room)} kt, the most storage {region} can hold "
                f"({limit} at {data.cell(limit, (metal, region)) or 'default 0'})",
                f"raise {limit} or lower reserve_days",
            )
        )


# -- capacity limits and shares -----------------------------------------------------------------


def _check_committed_capacity(data: ModelData, found: Sanity) -> None:
    for key, limit in data.table("max_capacity").items():
        metal, process, region = key
        peak, when = max(
            ((_residual(data, metal, process, region, t), -t) for t in data.years),
            default=(0.0, 0),
        )
        when = -when  # the first year the peak is reached
        if peak <= limit + TOLERANCE:
            continue
        rows = [
            v.cell
            for v in data.vintages
            if (v.metal, v.process, v.region) == key and v.in_service(when)
        ]
        sheet, cell = _where(data, "max_capacity", key, "capacity_limits")
        found.errors.append(
            Problem(
                sheet,
                cell,
                f"max_capacity {_num(limit)} kt/yr for {_name(data, metal)} {process} in {region}",
                f"at least the {_num(peak)} kt/yr existing and committed in {when}",
                f"capacity in service at {', '.join(rows)}",
            )
        )


def _plant_regions(data: ModelData, metal: str, process: str) -> list[str]:
    """Regions where the plant can ever have capacity (the model's PLANTS)."""
    return [
        r
        for r in data.regions
        if any(_residual(data, metal, process, r, t) > 0 for t in data.years)
        or (
            data.get("max_capacity", (metal, process, r)) != 0
            and data.get("max_build", (metal, process, r)) != 0
            and _first_build(data, metal, process) <= data.final_year
        )
    ]


def _check_shares(data: ModelData, found: Sanity) -> None:
    minimum = data.table("min_hinterland_share")
    maximum = data.table("max_region_share")
    for key in sorted(set(minimum) | set(maximum)):
        metal, process = key
        if metal not in data.metals:
            continue
        regions = _plant_regions(data, metal, process)
        inland = [r for r in regions if r in data.hinterland]
        share_in, share_max = minimum.get(key, 0.0), maximum.get(key, 1.0)
        what = f"{_name(data, metal)} {process}"
        for year in _policy_years(data):
            serving = {r: _residual(data, metal, process, r, year) for r in regions}
            if sum(serving.values()) <= TOLERANCE:
                continue  # no capacity forced: zero everywhere meets every share
            if share_max < 1 and share_max * len(regions) < 1 - TOLERANCE:
                sheet, cell = _where(data, "max_region_share", key, "policy")
                found.errors.append(
                    Problem(
                        sheet,
                        cell,
                        f"max_region_share {share_max:g} for {what} with {len(regions)} "
                        f"region(s) that can host it ({', '.join(regions)})",
                        f"at least {1 / len(regions):.3g} (no split of the capacity in "
                        f"service in {year} keeps every region under the cap)",
                    )
                )
                break
            if share_in <= 0:
                continue
            most = _hinterland_most(data, metal, process, inland, share_max, serving, year)
            if share_in > most + TOLERANCE:
                sheet, cell = _where(data, "min_hinterland_share", key, "policy")
                found.errors.append(
                    Problem(
                        sheet,
                        cell,
                        f"min_hinterland_share {share_in:g} for {what}",
                        f"at most {most:.3g} in {year}",
                        _share_reason(data, metal, process, inland, share_max, serving, year),
                    )
                )
                break


def _hinterland_most(data, metal, process, inland, share_max, serving, year) -> float:
    """The largest hinterland share the limits allow in ``year``, capacity elsewhere fixed
    at what is already in service (the least it can be)."""
    if not inland:
        return 0.0
    by_cap = min(1.0, share_max * len(inland))
    room = sum(_max_capacity(data, metal, process, r, year) for r in inland)
    outside = sum(v for r, v in serving.items() if r not in inland)
    by_room = 1.0 if outside <= 0 or math.isinf(room) else room / (room + outside)
    return min(by_cap, by_room)


def _share_reason(data, metal, process, inland, share_max, serving, year) -> str:
    if not inland:
        return f"no hinterland region can host {metal} {process}"
    outside = {r: v for r, v in serving.items() if r not in inland and v > 0}
    parts = []
    if share_max * len(inland) < 1:
        cap_cell = data.cell("max_region_share", (metal, process))
        parts.append(
            f"max_region_share {share_max:g} ({cap_cell}) lets the {len(inland)} hinterland "
            f"region(s) {', '.join(inland)} hold at most {share_max * len(inland):.3g}"
        )
    room = sum(_max_capacity(data, metal, process, r, year) for r in inland)
    if math.isfinite(room):
        limits = _cells(data, "max_capacity", [(metal, process, r) for r in inland])
        parts.append(f"hinterland capacity can reach at most {_num(room)} kt/yr ({limits})")
    cells = [
        v.cell
        for v in data.vintages
        if (v.metal, v.process) == (metal, process) and v.region in outside and v.in_service(year)
    ]
    if outside:
        parts.append(
            f"{_num(sum(outside.values()))} kt/yr is in service elsewhere in {year} "
            f"({', '.join(cells)})"
        )
    return "; ".join(parts)


# -- horizon --------------------------------------------------------------------------------


def _check_lead_times(data: ModelData, found: Sanity) -> None:
    targeted = {metal for (metal, _t) in data.table("dependence_target") if metal in data.metals}
    for metal in sorted(targeted):
        for process in data.processes:
            first = _first_build(data, metal, process)
            if first <= data.final_year:
                continue
            sheet, cell = _where(data, "lead_time", (metal, process), "technology")
            target_cells = _cells(
                data,
                "dependence_target",
                [k for k in data.table("dependence_target") if k[0] == metal],
            )
            found.warnings.append(
                Problem(
                    sheet,
                    cell,
                    f"lead_time {data.get('lead_time', (metal, process)):g} yr for "
                    f"{_name(data, metal)} {process}: new capacity could first produce in "
                    f"{first}, after final_year {data.final_year}",
                    "a lead time that leaves at least one year to build",
                    f"only existing {process} capacity can help meet the dependence targets "
                    f"({target_cells})",
                )
            )


#: processes whose new capacity adds domestic supply and so can lower dependence
_DOMESTIC_SUPPLY = ("mining", "recycling")


def _check_early_targets(data: ModelData, found: Sanity) -> None:
    """A dependence target in a year before any new domestic supply can be online can only
    be met with what exists, else by curtailing demand: say so, naming its cell."""
    for (metal, year), value in sorted(data.table("dependence_target").items()):
        if metal not in data.metals or year < data.policy_start_year:
            continue
        first = min(_first_build(data, metal, p) for p in _DOMESTIC_SUPPLY)
        if year >= first:
            continue
        sheet, cell = _where(data, "dependence_target", (metal, year), "dependence_targets")
        found.warnings.append(
            Problem(
                sheet,
                cell,
                f"a dependence target of {100 * value:g} % for {_name(data, metal)} in {year}",
                f"a target from {first} on, when new mines or recycling plants can first "
                "produce (base year + the shortest lead_time of mining and recycling)",
                "before then only existing capacity can lower dependence; a target it cannot "
                "meet turns into curtailed demand, reported as unmet",
            )
        )


def _check_lost_supply_value(data: ModelData, found: Sanity) -> None:
    """The value of lost supply should sit far above what a metal costs to import, or the
    model would rather curtail demand than pay for a dear supply route."""
    dearest: dict[str, float] = {}
    for (metal, _form, origin), price in data.table("import_price").items():
        landed = price * (1.0 + data.get("risk_premium", (origin,)))
        dearest[metal] = max(dearest.get(metal, 0.0), landed)
    for metal in data.metals:
        value = data.get("unmet_demand_penalty", (metal,))
        if metal not in dearest or value >= 10.0 * dearest[metal]:
            continue
        sheet, cell = _where(data, "unmet_demand_penalty", (metal,), "lost_supply")
        found.warnings.append(
            Problem(
                sheet,
                cell,
                f"a value of lost supply of {_num(value * 1000)} USD/t for {_name(data, metal)}",
                f"at least 10 × its dearest landed import price ({_num(dearest[metal] * 1000)} "
                "USD/t), so curtailment is the last resort",
                "the model may leave demand unmet where supply is dearer than this value",
            )
        )


def _check_supplier_shares(data: ModelData, found: Sanity) -> None:
    """Warn where ``max_supplier_share`` times the number of origins is below one.

    Each origin's imports are at most ``share`` of all imports of the metal, so with n
    origins the total is at most n·share of itself: below one, only zero imports satisfy
    the rule (from ``policy_start_year``). Origins are those with an import price (the
    model's import options); fewer usable ones only make it worse.
    """
    origins: dict[str, set[str]] = defaultdict(set)
    for metal, _form, origin in data.table("import_price"):
        origins[metal].add(origin)
    for (metal,), share in sorted(data.table("max_supplier_share").items()):
        offered = len(origins.get(metal, ()))
        if not offered or offered * share >= 1.0 - TOLERANCE:
            continue
        sheet, cell = _where(data, "max_supplier_share", (metal,), "supplier_limits")
        found.warnings.append(
            Problem(
                sheet,
                cell,
                f"max_supplier_share {share:g} for {_name(data, metal)} with {offered} "
                f"origin(s) offering it: at most {offered * share:.0%} of imports may come "
                "from all origins together",
                "a share of at least 1/(number of origins), "
                f"{1 / offered:.3g} here, unless no import at all is intended",
                f"from {data.policy_start_year} no {_name(data, metal)} can be imported; "
                "demand not met at home is left unmet at the penalty price",
            )
        )


def _check_product_reach(data: ModelData, found: Sanity) -> None:
    """Warn, once per metal, in the first year national demand exceeds the most products
    that can be made (processing capacity the limits allow, at its availability) plus
    imported (product import availability): the rest can only be left unmet."""
    from msc_model.model.trade import import_availability  # lazy: the model is heavier

    for metal in data.metals:
        regions = data.regions
        for year in range(data.base_year, data.final_year + 1):
            usable = data.get("availability", (metal, "processing"))
            made = sum(_max_capacity(data, metal, "processing", r, year) for r in regions)
            bought = 0.0
            for m, form, origin in data.table("import_price"):
                if (m, form) == (metal, "product"):
                    most = import_availability(data, (m, form, origin), year)
                    bought += math.inf if most is None else most
            supply = made * usable + bought
            demand = sum(_demand(data, metal, r, year) for r in regions)
            demand += data.get("export_demand", (metal, "product", year), 0.0)
            if supply >= demand * (1.0 - TOLERANCE) or not math.isfinite(demand):
                continue
            limits = [
                data.cell(name, (metal, "processing", r))
                for r in regions
                for name in ("max_capacity", "max_build")
                if data.cell(name, (metal, "processing", r))
            ]
            sheet, cell = _where(data, "demand", (metal, regions[0], year), "demand")
            found.warnings.append(
                Problem(
                    sheet,
                    cell,
                    f"{_name(data, metal)} demand of {_num(demand)} kt/yr in {year}",
                    f"at most the {_num(supply)} kt/yr that processing capacity (at its "
                    "availability, within max_capacity and max_build) and product imports "
                    "can supply",
                    "the rest is left unmet whatever the plan; the limits: "
                    + (", ".join(limits) or "existing capacity and lead times"),
                )
            )
            break
