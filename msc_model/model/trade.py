"""Imports, exports and inter-regional shipments, with their limits."""

from __future__ import annotations

from collections import defaultdict

import pyomo.core as pyo
from pyomo.core.util import quicksum

from msc_model.data import ModelData
from msc_model.model.sets import corridor_value, outlook


def add_trade(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Trade variables and limits.

    ``Σ_r imports[m,k,o,r,t] ≤ import_availability[m,k,o,t]``  (``import_limit``, where
    given; the row's availability times the year's ``availability_index``)

    ``Σ_r exports[m,k,r,t] = export_demand[m,k,t]``  (``export_commitment``, where > 0; only
    entry regions export)

    ``Σ_{m,k} shipment[m,k,r,r',mode,t] ≤ corridor_capacity[r,r',mode]`` per direction
    (``corridor_limit``, where given)

    Applied shocks (``data.disruption``, empty for a plain case) replace the availability
    and the corridor capacity in their years, and add ``import_entry_limit``:
    ``imports[m,k,o,r,t] ≤ entry_availability[m,k,o,r,t]`` (imports landing in one region).

    ``import_price`` and ``import_availability`` are mutable Params so that sweeps change
    prices and availabilities without a rebuild.

    ==========================  ======================  ==========
    symbol                      component               unit
    ==========================  ======================  ==========
    imports[m,k,o,r,t]          ``imports``             kt/yr
    exports[m,k,r,t]            ``exports``             kt/yr
    shipment[m,k,r,r',mode,t]   ``shipment``            kt/yr
    import_price[m,k,o]         ``import_price`` (mut.)  MUSD/kt
    import_availability[m,k,o,t]  ``import_availability``  kt/yr
    ==========================  ======================  ==========
    """
    inc = m.incidence
    years = inc.years

    m.IMPORTS = pyo.Set(initialize=[(*a, t) for a in inc.import_arcs for t in years], dimen=5)
    m.SHIPMENTS = pyo.Set(
        initialize=[
            (metal, form, *arc, t)
            for metal in data.metals
            for form in data.forms
            for arc in inc.corridors
            for t in years
        ],
        dimen=6,
    )
    m.imports = pyo.Var(m.IMPORTS, within=pyo.NonNegativeReals, doc="imports, kt/yr")
    m.exports = pyo.Var(m.EXPORTS, within=pyo.NonNegativeReals, doc="exports, kt/yr")
    m.shipment = pyo.Var(m.SHIPMENTS, within=pyo.NonNegativeReals, doc="shipments, kt/yr")
    rows = sorted({a[:3] for a in inc.import_arcs})
    m.import_price = pyo.Param(
        rows,
        initialize={row: data.get("import_price", row) for row in rows},
        mutable=True,
        doc="landed import price, MUSD/kt",
    )

    regions_of: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for metal, form, origin, region in inc.import_arcs:
        regions_of[metal, form, origin].append(region)
    limits = import_limits(data, rows, years)
    m.import_availability = pyo.Param(
        pyo.Set(initialize=list(limits), dimen=4, ordered=True),
        initialize=limits,
        mutable=True,
        doc="most imports of the option in the year, kt/yr",
    )

    def import_limit(_m, metal, form, origin, t):
        total = quicksum(
            m.imports[metal, form, origin, r, t] for r in regions_of[metal, form, origin]
        )
        return total <= m.import_availability[metal, form, origin, t]

    m.import_limit = pyo.Constraint(list(limits), rule=import_limit)

    arcs = set(inc.import_arcs)
    entry = {
        key: value
        for key, value in data.disruption.entry_availability.items()
        if key[:4] in arcs and key[4] in years
    }
    m.import_entry_limit = pyo.Constraint(
        list(entry), rule=lambda _m, *key: m.imports[key] <= entry[key]
    )

    def export_commitment(_m, metal, form, t):
        total = quicksum(m.exports[metal, form, r, t] for r in inc.exports_from[metal, form, t])
        return total == data.get("export_demand", (metal, form, t))

    m.export_commitment = pyo.Constraint(list(inc.exports_from), rule=export_commitment)

    capped = [
        (*arc, t)
        for arc in inc.corridors
        for t in years
        if corridor_capacity(data, arc, t) is not None
    ]

    def corridor_limit(_m, r_from, r_to, mode, t):
        total = quicksum(
            m.shipment[metal, form, r_from, r_to, mode, t]
            for metal in data.metals
            for form in data.forms
        )
        return total <= corridor_capacity(data, (r_from, r_to, mode), t)

    m.corridor_limit = pyo.Constraint(capped, rule=corridor_limit)


def import_limits(data: ModelData, rows, years) -> dict[tuple[str, str, str, int], float]:
    """:func:`import_availability` of every (metal, form, origin) row and year that has one."""
    out = {}
    for row in rows:
        for t in years:
            value = import_availability(data, row, t)
            if value is not None:
                out[(*row, t)] = value
    return out


def import_availability(data: ModelData, row: tuple[str, str, str], t: int) -> float | None:
    """Availability of an import option in year ``t``: an applied shock's, else the row's
    times the year's ``availability_index`` (``import_outlook``; 1 without)."""
    value = data.disruption.import_availability.get((*row, t))
    if value is not None:
        return value
    given = data.get("import_availability", row)
    if given is None:
        return None
    if not data.table("availability_index"):
        return given
    return given * outlook(data, "availability_index").get((row[0], row[1], t), 1.0)


def corridor_capacity(data: ModelData, arc: tuple[str, str, str], t: int) -> float | None:
    """Capacity of a directed corridor in year ``t``: an applied shock's, else the row's."""
    value = data.disruption.corridor_capacity.get((*arc, t))
    return value if value is not None else corridor_value(data, "corridor_capacity", arc)
