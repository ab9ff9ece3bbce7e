"""Tiny hand-checkable cases built directly as :class:`ModelData` (no workbook).

Every toy has one metal (Cu), discount rate 0, yields of 1 unless stated, and processes
that are not part of the story switched off with ``max_capacity = 0`` (so they get no
variables at all). The optimum of each is derived on paper in the test that uses it
(``tests/test_model_toys.py``).

Common economics: refined imports from ``World`` (sea) cost ``PRICE`` = 10 MUSD/kt; an
existing, free processing plant (1000 kt/yr) turns refined metal into product; unmet
demand costs 100 MUSD/kt.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from msc_model.data import ModelData, Vintage
from msc_model.model import build_model
from msc_model.results import Results, extract_results
from msc_model.solver import solve

PRICE = 10.0
PENALTY = 100.0
METAL = "Cu"


def make_data(
    years: tuple[int, int],
    params: Mapping[str, Mapping[tuple, float]],
    *,
    regions: tuple[str, ...] = ("R",),
    sea_ports: tuple[str, ...] = ("R",),
    hinterland: tuple[str, ...] = (),
    origins: Mapping[str, str] | None = None,
    modes: tuple[str, ...] = (),
    vintages: tuple[tuple[str, str, float], ...] = (("processing", "R", 1000.0),),
) -> ModelData:
    """A one-metal case: defaults below, overridden or extended by ``params``.

    Defaults: capex 1000 MUSD/(kt/yr) and lifetime 10 yr for every process (building is
    prohibitive unless a test lowers it); every process except processing is off
    (``max_capacity = 0``); ``max_collection_rate`` 0; ``storage_capex`` 1000 MUSD/kt;
    power price 0; unmet-demand penalty 100.
    """
    base, final = years
    procs = ("mining", "smelting", "processing", "recycling")
    table: dict[str, dict[tuple, float]] = {
        "base_year": {(): base},
        "final_year": {(): final},
        "price_base_year": {(): base},
        "discount_rate": {(): 0.0},
        "unmet_demand_penalty": {(METAL,): PENALTY},
        "capex": {(METAL, p): 1000.0 for p in procs},
        "lifetime": {(METAL, p): 10.0 for p in procs},
        "max_capacity": {(METAL, p, r): 0.0 for p in procs if p != "processing" for r in regions},
        "power_price": {(r,): 0.0 for r in regions},
        "storage_capex": {(METAL,): 1000.0},
        "max_collection_rate": {(METAL,): 0.0},
        "import_price": {(METAL, "refined", "World"): PRICE},
    }
    for name, values in params.items():
        table.setdefault(name, {}).update(values)
    origins = dict(origins or {"World": "sea"})
    return ModelData(
        metals=(METAL,),
        regions=regions,
        origins=tuple(origins),
        modes=modes,
        years=tuple(range(base, final + 1)),
        hinterland=frozenset(hinterland),
        sea_ports=frozenset(sea_ports),
        land_corridors=frozenset(),
        origin_entry=origins,
        params=table,
        vintages=tuple(Vintage(METAL, p, r, c, None, None) for p, r, c in vintages),
    )


def run(data: ModelData) -> Results:
    """Build, solve (HiGHS, default profile) and extract one toy."""
    model = build_model(data)
    return extract_results(model, data, solve(model))


def series(frame, **where) -> list[float]:
    """``value`` column of the rows of ``frame`` matching ``where``, in year order."""
    for column, wanted in where.items():
        frame = frame[frame[column] == wanted]
    return frame.sort_values("year")["value"].tolist()


def flat_demand(years: tuple[int, int], value: float, region: str = "R") -> dict[tuple, float]:
    """Demand of ``value`` kt/yr in every model year."""
    return {(METAL, region, t): value for t in range(years[0], years[1] + 1)}


def recycling_loop() -> ModelData:
    """Toy 1: scrap from demand two years earlier displaces refined imports.

    2025–2027, demand 50 (2023), 80 (2024), 100 (2025–2027); one end use with lifetime
    2 yr, σ = 0, so end_of_life[t] = demand[t − 2] = 50, 80, 100. At most half is
    collected (25, 40, 50). An existing recycling plant (1000 kt/yr, yield 0.8, variable
    opex 2 MUSD/kt) beats imports at 10 MUSD/kt.
    """
    years = (2025, 2027)
    demand = {**flat_demand(years, 100.0), (METAL, "R", 2023): 50.0, (METAL, "R", 2024): 80.0}
    return make_data(
        years,
        {
            "demand": demand,
            "max_capacity": {(METAL, "recycling", "R"): 1000.0},
            "max_build": {(METAL, "recycling", "R"): 0.0, (METAL, "processing", "R"): 0.0},
            "process_yield": {(METAL, "recycling"): 0.8},
            "variable_opex": {(METAL, "recycling"): 2.0},
            "max_collection_rate": {(METAL,): 0.5},
            "end_use_share": {(METAL, "all"): 1.0},
            "lifetime_mean": {(METAL, "all"): 2.0},
            "lifetime_sd": {(METAL, "all"): 0.0},
        },
        vintages=(("processing", "R", 1000.0), ("recycling", "R", 1000.0)),
    )


def dependence_cap(target: float = 0.6, price: float = PRICE) -> ModelData:
    """Toy 2: a dependence cap of ``target`` in 2026 forces a new mine.

    2025–2026, demand 100. An existing free smelter (1000 kt/yr) can refine domestic ore;
    a mine can be built from 2026 (lead time 1) at capex 100 MUSD/(kt/yr), lifetime 10 yr
    (annuity 10 MUSD per kt/yr at rate 0) and variable opex 5 MUSD/kt: 15 MUSD/kt domestic
    against ``price`` for imports.
    """
    years = (2025, 2026)
    return make_data(
        years,
        {
            "demand": flat_demand(years, 100.0),
            "max_capacity": {(METAL, "mining", "R"): 1000.0, (METAL, "smelting", "R"): 1000.0},
            "max_build": {(METAL, "smelting", "R"): 0.0, (METAL, "processing", "R"): 0.0},
            "capex": {(METAL, "mining"): 100.0},
            "variable_opex": {(METAL, "mining"): 5.0},
            "dependence_target": {(METAL, 2026): target},
            "import_price": {(METAL, "refined", "World"): price},
        },
        vintages=(("processing", "R", 1000.0), ("smelting", "R", 1000.0)),
    )


def stockpile() -> ModelData:
    """Toy 3: a reserve target in 2028 only, with imports limited to 105 kt/yr.

    2025–2028, demand 100, 30 kt in stock (and 30 kt of storage) at the start, holding
    cost 1 MUSD/kt/yr. Reserve 36.5 days of national demand (10 kt) from 2028
    (``policy_start_year``).
    """
    years = (2025, 2028)
    return make_data(
        years,
        {
            "demand": flat_demand(years, 100.0),
            "policy_start_year": {(): 2028},
            "import_availability": {(METAL, "refined", "World"): 105.0},
            "max_build": {(METAL, "processing", "R"): 0.0},
            "reserve_days": {(METAL, "R"): 36.5},
            "storage_capacity": {(METAL, "R"): 30.0},
            "initial_stock": {(METAL, "R"): 30.0},
            "holding_cost": {(METAL,): 1.0},
        },
    )


def shortage() -> ModelData:
    """Demand 100 in 2025 but only 60 kt/yr can be imported and nothing can be built."""
    years = (2025, 2025)
    return make_data(
        years,
        {
            "demand": flat_demand(years, 100.0),
            "import_availability": {(METAL, "refined", "World"): 60.0},
        },
    )


def impossible_reserve() -> ModelData:
    """A reserve of 365 days (100 kt) where at most 50 kt of storage may ever exist."""
    years = (2025, 2026)
    return make_data(
        years,
        {
            "demand": flat_demand(years, 100.0),
            "reserve_days": {(METAL, "R"): 365.0},
            "max_storage": {(METAL, "R"): 50.0},
            "storage_capex": {(METAL,): 1.0},
        },
    )


def inland_corridor() -> ModelData:
    """Toy 4: demand 100 in the inland region ``In``; imports land in the port ``Port``.

    One rail corridor Port–In, 500 km at 0.01 MUSD/(kt·km): 5 MUSD/kt. Processing exists
    in ``In`` only, so refined metal travels. Two origins: ``A`` at 10 and ``B`` at 12
    MUSD/kt, with at most 70 % of imports from one origin (from 2026).
    """
    years = (2025, 2026)
    regions = ("Port", "In")
    return make_data(
        years,
        {
            "demand": {**flat_demand(years, 100.0, "In"), **flat_demand(years, 0.0, "Port")},
            "max_capacity": {
                (METAL, p, r): 0.0
                for p in ("mining", "smelting", "recycling", "processing")
                for r in regions
                if (p, r) != ("processing", "In")
            },
            "max_build": {(METAL, "processing", "In"): 0.0},
            "import_price": {(METAL, "refined", "A"): 10.0, (METAL, "refined", "B"): 12.0},
            "max_supplier_share": {(METAL,): 0.7},
            "transport_cost": {("rail",): 0.01},
            "distance": {("Port", "In", "rail"): 500.0},
            "corridor_capacity": {("Port", "In", "rail"): 1000.0},
        },
        regions=regions,
        sea_ports=("Port",),
        origins={"A": "sea", "B": "sea"},
        modes=("rail",),
        vintages=(("processing", "In", 1000.0),),
    )


def everything() -> ModelData:
    """Not hand-checked: two regions, four years and every feature switched on (yields
    below one, prompt scrap, stock loss, exports, discounting, all caps and shares), for
    tests that check identities (balances close, costs add up to the objective, the
    dependence indicator equals the model's) rather than numbers."""
    years = (2025, 2028)
    regions = ("Port", "In")
    procs = ("mining", "smelting", "processing", "recycling")
    params: dict[str, dict[tuple, float]] = {
        "discount_rate": {(): 0.05},
        "demand": {
            (METAL, r, t): 100.0 + 5 * (t - 2020) + 20 * i
            for i, r in enumerate(regions)
            for t in range(2015, 2029)
        },
        "max_capacity": {},
        "capex": {(METAL, p): c for p, c in zip(procs, (20.0, 10.0, 5.0, 8.0), strict=True)},
        "lead_time": {(METAL, p): 1.0 for p in procs},
        "process_yield": {(METAL, "smelting"): 0.95, (METAL, "processing"): 0.9},
        "variable_opex": {(METAL, p): 1.0 for p in procs},
        "fixed_opex": {(METAL, p): 0.2 for p in procs},
        "energy_intensity": {(METAL, p): 2.0 for p in procs},
        "power_price": {("Port",): 0.1, ("In",): 0.05},
        "prompt_scrap_rate": {(METAL,): 0.5},
        "max_collection_rate": {(METAL,): 0.6},
        "end_use_share": {(METAL, "short"): 0.5, (METAL, "long"): 0.5},
        "lifetime_mean": {(METAL, "short"): 3.0, (METAL, "long"): 8.0},
        "lifetime_sd": {(METAL, "short"): 1.0, (METAL, "long"): 2.0},
        "import_price": {
            (METAL, "ore", "A"): 4.0,
            (METAL, "refined", "A"): 9.0,
            (METAL, "refined", "B"): 8.5,
            (METAL, "scrap", "B"): 3.0,
        },
        "import_availability": {(METAL, "refined", "B"): 40.0},
        "risk_premium": {("B",): 0.2},
        "export_demand": {(METAL, "refined", 2027): 15.0},
        "dependence_target": {(METAL, 2026): 0.7, (METAL, 2028): 0.5},
        "max_supplier_share": {(METAL,): 0.8},
        "max_region_share": {(METAL, "smelting"): 0.9},
        "min_hinterland_share": {(METAL, "processing"): 0.3},
        "reserve_days": {(METAL, "In"): 20.0},
        "storage_capex": {(METAL,): 0.5},
        "stock_loss": {(METAL,): 0.02},
        "holding_cost": {(METAL,): 0.1},
        "initial_stock": {(METAL, "Port"): 5.0},
        "storage_capacity": {(METAL, "Port"): 5.0},
        "transport_cost": {("rail",): 0.001},
        "distance": {("Port", "In", "rail"): 800.0},
        "corridor_capacity": {("Port", "In", "rail"): 500.0},
    }
    data = make_data(
        years,
        params,
        regions=regions,
        sea_ports=("Port",),
        hinterland=("In",),
        origins={"A": "sea", "B": "sea"},
        modes=("rail",),
        vintages=(("processing", "Port", 150.0), ("smelting", "Port", 60.0)),
    )
    # make_data switches processes off by default; here every process may be built
    table = {k: dict(v) for k, v in data.params.items()}
    table["max_capacity"] = {}
    return dataclasses.replace(data, params=table)


def four_suppliers() -> ModelData:
    """Toy 5: four origins at 10, 11, 12 and 13 MUSD/kt, at most 30 % of imports from one
    (from 2026). Demand 0.5 kt in 2025 (all from A), 100 in 2026 (30 from each of A, B, C
    and the last 10 from D) and nothing in 2027 (nothing imported)."""
    years = (2025, 2027)
    origins = {"A": "sea", "B": "sea", "C": "sea", "D": "sea"}
    return make_data(
        years,
        {
            "demand": {(METAL, "R", 2025): 0.5, (METAL, "R", 2026): 100.0, (METAL, "R", 2027): 0.0},
            "import_price": {
                (METAL, "refined", o): p
                for o, p in zip(origins, (10.0, 11.0, 12.0, 13.0), strict=True)
            },
            "max_supplier_share": {(METAL,): 0.3},
            "policy_start_year": {(): 2026},
        },
        origins=origins,
    )
