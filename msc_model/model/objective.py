"""Cost terms (undiscounted, per year) and the discounted objective."""

from __future__ import annotations

import pyomo.core as pyo
from pyomo.core.util import quicksum

from msc_model.data import ModelData
from msc_model.model.sets import corridor_value, crf

#: cost terms in report order; the Expression of term ``x`` is ``m.cost_x``
COST_TERMS = (
    "capex",
    "fixed_opex",
    "variable_opex",
    "energy",
    "imports",
    "transport",
    "holding",
    "unmet_demand",
)


def add_objective(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Each cost term as an Expression indexed by year (MUSD, undiscounted), and
    ``objective = Σ_t DF[t] · Σ_terms cost_<term>[t]``.

    =================  ==========================================================  ====
    component          expression for year t                                       unit
    =================  ==========================================================  ====
    ``cost_capex``     Σ capex·crf(rate, lifetime)·(capacity − residual)
                       + Σ storage_capex·crf(rate, storage_lifetime)·
                       (storage_capacity − storage_capacity⁰)                      MUSD
    ``cost_fixed_opex``  Σ fixed_opex · capacity                                   MUSD
    ``cost_variable_opex``  Σ variable_opex · activity                             MUSD
    ``cost_energy``    Σ energy_intensity · power_price[r] · activity              MUSD
    ``cost_imports``   Σ import_price · (1 + risk_premium[o]) · imports            MUSD
    ``cost_transport`` Σ transport_cost[mode] · distance · shipment                MUSD
    ``cost_holding``   Σ holding_cost · stock                                      MUSD
    ``cost_unmet_demand``  Σ unmet_demand_penalty · unmet_demand                   MUSD
    =================  ==========================================================  ====

    Capex: ``capacity − residual`` is exactly the builds still within their lifetime, so
    each build pays its annuity in every year of its life inside the horizon; the annuities
    after the final year are the salvage value and are not charged.
    """
    inc = m.incidence
    rate = data.get("discount_rate", ())
    years = inc.years

    annuity = {
        (metal, p): data.get("capex", (metal, p)) * crf(rate, data.get("lifetime", (metal, p)))
        for metal in data.metals
        for p in data.processes
    }
    storage_annuity = {
        metal: data.get("storage_capex", (metal,))
        * crf(rate, data.get("storage_lifetime", (metal,)))
        for metal in data.metals
    }

    def capex(_m, t):
        plants = quicksum(
            annuity[metal, p]
            * (m.capacity[metal, p, r, t] - inc.residual.get((metal, p, r, t), 0.0))
            for (metal, p, r) in inc.plants
            if inc.builds[metal, p, r]
        )
        stores = quicksum(
            storage_annuity[metal]
            * (m.storage_capacity[metal, r, t] - data.get("storage_capacity", (metal, r)))
            for metal in data.metals
            for r in data.regions
        )
        return plants + stores

    def fixed(_m, t):
        return quicksum(
            data.get("fixed_opex", (metal, p)) * m.capacity[metal, p, r, t]
            for (metal, p, r) in inc.plants
        )

    def variable(_m, t):
        return quicksum(
            data.get("variable_opex", (metal, p)) * m.activity[metal, p, r, t]
            for (metal, p, r) in inc.plants
        )

    def energy(_m, t):
        return quicksum(
            data.get("energy_intensity", (metal, p))
            * data.get("power_price", (r,))
            * m.activity[metal, p, r, t]
            for (metal, p, r) in inc.plants
        )

    def imports(_m, t):
        return quicksum(
            m.import_price[metal, k, o]
            * (1.0 + data.get("risk_premium", (o,)))
            * m.imports[metal, k, o, r, t]
            for (metal, k, o, r) in inc.import_arcs
        )

    unit_cost = {
        arc: data.get("transport_cost", (arc[2],), 0.0)
        * (corridor_value(data, "distance", arc) or 0.0)
        for arc in inc.corridors
    }

    def transport(_m, t):
        return quicksum(
            unit_cost[arc] * m.shipment[metal, k, *arc, t]
            for arc in inc.corridors
            if unit_cost[arc]
            for metal in data.metals
            for k in data.forms
        )

    def holding(_m, t):
        return quicksum(
            data.get("holding_cost", (metal,)) * m.stock[metal, r, t]
            for metal in data.metals
            for r in data.regions
        )

    def unmet(_m, t):
        penalty = data.get("unmet_demand_penalty", ())
        return quicksum(
            penalty * m.unmet_demand[metal, r, t] for metal in data.metals for r in data.regions
        )

    rules = dict(
        zip(
            COST_TERMS,
            (capex, fixed, variable, energy, imports, transport, holding, unmet),
            strict=True,
        )
    )
    for term, rule in rules.items():
        m.add_component(f"cost_{term}", pyo.Expression(m.YEARS, rule=rule, doc=f"{term}, MUSD"))

    m.objective = pyo.Objective(
        expr=quicksum(
            inc.discount[t] * quicksum(getattr(m, f"cost_{term}")[t] for term in COST_TERMS)
            for t in years
        ),
        sense=pyo.minimize,
    )
