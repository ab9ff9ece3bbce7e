"""Material balances of each form (ore, refined, scrap, product) per metal, region, year."""

from __future__ import annotations

import pyomo.core as pyo
from pyomo.core.util import quicksum

from msc_model.data import ModelData


def _activity(m: pyo.ConcreteModel, metal: str, process: str, region: str, t: int):
    """The activity variable of a plant, or None when the plant cannot exist."""
    if m.incidence.has_plant(metal, process, region):
        return m.activity[metal, process, region, t]
    return None


def _trade(m: pyo.ConcreteModel, metal: str, form: str, region: str, t: int) -> list:
    """Terms ``imports + in − out − exports`` of one form in one region and year."""
    inc = m.incidence
    terms = [
        m.imports[metal, form, o, region, t]
        for o in inc.imports_into.get((metal, form, region), ())
    ]
    terms += [m.shipment[metal, form, *arc, t] for arc in inc.ship_in.get(region, ())]
    terms += [-m.shipment[metal, form, *arc, t] for arc in inc.ship_out.get(region, ())]
    if region in inc.exports_from.get((metal, form, t), ()):
        terms.append(-m.exports[metal, form, region, t])
    return terms


def prompt_scrap_factor(data: ModelData, metal: str, m: pyo.ConcreteModel | None = None):
    """Prompt scrap per unit of processing output: ``prompt_scrap_rate · (1/y − 1)``
    (with ``m``, an expression of the model's mutable yield; without, a float)."""
    rate = data.get("prompt_scrap_rate", (metal,))
    if m is None:
        return rate * (1.0 / data.get("process_yield", (metal, "processing")) - 1.0)
    return rate * (1.0 / m.process_yield[metal, "processing"] - 1.0)


def add_balance(m: pyo.ConcreteModel, data: ModelData) -> None:
    """The four balances. ``y_p = process_yield[m,p]``; in/out are shipments into/out of r.

    ``ore_balance``:      mining + imports + in − out − exports = smelting / y_smelting

    ``refined_balance``:  smelting + recycling + imports + draw − fill + in − out − exports
    = processing / y_processing

    ``scrap_balance``:    collected + prompt + imports + in − out − exports
    ≥ recycling / y_recycling, with prompt = prompt_scrap_rate · processing · (1/y_processing − 1)
    (the surplus is landfilled)

    ``product_balance``:  processing + imports + in − out − exports + unmet_demand = demand

    A balance with no term at all (no plant, arc or stock touching it) is not written.

    =====================  ==================  =======
    symbol                 component           unit
    =====================  ==================  =======
    unmet_demand[m,r,t]    ``unmet_demand``    kt/yr
    demand[m,r,t]          ``demand`` (mut.)   kt/yr
    each balance row       ``<form>_balance``  kt/yr
    =====================  ==================  =======
    """
    inc = m.incidence
    m.unmet_demand = pyo.Var(m.STOCKS, within=pyo.NonNegativeReals, doc="demand not met, kt/yr")
    ore, refined, scrap, product = {}, {}, {}, {}
    for metal in data.metals:
        y = {p: m.process_yield[metal, p] for p in data.processes}
        prompt = prompt_scrap_factor(data, metal, m)
        has_prompt = data.get("prompt_scrap_rate", (metal,)) > 0
        for r in data.regions:
            for t in inc.years:
                act = {p: _activity(m, metal, p, r, t) for p in data.processes}

                supply = [act["mining"], *_trade(m, metal, "ore", r, t)]
                supply = [x for x in supply if x is not None]
                if supply or act["smelting"] is not None:
                    use = act["smelting"] / y["smelting"] if act["smelting"] is not None else 0.0
                    ore[metal, r, t] = quicksum(supply) == use

                supply = [act["smelting"], act["recycling"], *_trade(m, metal, "refined", r, t)]
                supply = [x for x in supply if x is not None]
                supply += [m.draw[metal, r, t], -m.fill[metal, r, t]]
                use = act["processing"] / y["processing"] if act["processing"] is not None else 0.0
                refined[metal, r, t] = quicksum(supply) == use

                supply = _trade(m, metal, "scrap", r, t)
                if (metal, r, t) in inc.end_of_life:
                    supply.append(m.collected_scrap[metal, r, t])
                if act["processing"] is not None and has_prompt:
                    supply.append(prompt * act["processing"])
                if supply or act["recycling"] is not None:
                    use = act["recycling"] / y["recycling"] if act["recycling"] is not None else 0.0
                    scrap[metal, r, t] = quicksum(supply) >= use

                supply = [act["processing"], *_trade(m, metal, "product", r, t)]
                supply = [x for x in supply if x is not None]
                supply.append(m.unmet_demand[metal, r, t])
                product[metal, r, t] = quicksum(supply) == m.demand[metal, r, t]

    for name, rows in (
        ("ore_balance", ore),
        ("refined_balance", refined),
        ("scrap_balance", scrap),
        ("product_balance", product),
    ):
        keys = list(rows)
        m.add_component(
            name,
            pyo.Constraint(
                pyo.Set(initialize=keys, dimen=3, ordered=True),
                rule=lambda _m, metal, r, t, rows=rows: rows[metal, r, t],
            ),
        )
