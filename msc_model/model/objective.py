"""Cost terms (undiscounted, per year) and the discounted objective."""

from __future__ import annotations

import pyomo.core as pyo
from pyomo.core.util import quicksum

from msc_model.data import ModelData
from msc_model.model.sets import corridor_value, crf, outlook
from msc_model.model.supply import supply_step_costs

#: cost terms in report order; the Expression of term ``x`` is ``m.cost_x``
COST_TERMS = (
    "capex",
    "fixed_opex",
    "variable_opex",
    "energy",
    "supply_steps",
    "imports",
    "transport",
    "holding",
    "terminal_stock",
    "unmet_demand",
)
#: terms that are not costs of a plan: the value of lost supply charged on curtailment
#: (a signal that the case cannot be met, reported apart and never as a price of policy)
PENALTY_TERMS = ("unmet_demand",)
#: the real costs of a plan, whose sum is "the cost of the plan"
PLAN_TERMS = tuple(t for t in COST_TERMS if t not in PENALTY_TERMS)


def terminal_values(data: ModelData) -> dict[str, float]:
    """Metal → value of a unit of stock left after the final year (MUSD/kt).

    ``terminal_value`` where the workbook gives it; otherwise the replacement value: the
    cheapest landed import price of refined metal in the final year (its
    ``import_outlook`` index applied), risk premium included (what the
    objective would pay to buy it back), else the cheapest landed ore price per unit of
    refined metal (divided by the smelting yield), else zero.
    """
    landed: dict[tuple[str, str], list[float]] = {}
    index = outlook(data, "price_index")
    for (metal, form, origin), price in data.table("import_price").items():
        at_end = index.get((metal, form, data.final_year), 1.0)
        cost = price * at_end * (1.0 + data.get("risk_premium", (origin,)))
        landed.setdefault((metal, form), []).append(cost)
    values = {}
    for metal in data.metals:
        given = data.table("terminal_value").get((metal,))
        if given is not None:
            values[metal] = given
        elif (metal, "refined") in landed:
            values[metal] = min(landed[metal, "refined"])
        elif (metal, "ore") in landed:
            values[metal] = min(landed[metal, "ore"]) / data.get(
                "process_yield", (metal, "smelting")
            )
        else:
            values[metal] = 0.0
    return values


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
    ``cost_supply_steps``  Σ tier_cost · mine_step + Σ collection_cost ·
                       collection_step (dearer domestic supply, ``supply``)        MUSD
    ``cost_imports``   Σ import_price · price_index[m,k,t] · (1 + risk_premium[o])
                       · imports (price_index: the ``import_outlook``, 1 without)  MUSD
    ``cost_transport`` Σ transport_cost[mode] · distance · shipment
                       (÷ ore_grade[m] for ore: hauled per gross tonne)              MUSD
    ``cost_holding``   Σ holding_cost · stock                                      MUSD
    ``cost_terminal_stock``  − Σ terminal_value · terminal_stock (final year only)  MUSD
    ``cost_unmet_demand``  Σ unmet_demand_penalty[m] · unmet_demand                MUSD
    =================  ==========================================================  ====

    Terminal stock: the reserve left at the end of the horizon is credited at its
    replacement value (:func:`terminal_values`), discounted like the final year's costs;
    without the credit the model treats a closing reserve as waste and the last year's
    reserve dual jumps from the carrying cost to the whole value of the metal. The credit
    covers ``terminal_stock[m,r] ≤ stock[m,r,final]`` up to the final year's reserve
    target (``reserve_days / 365 · national demand``): stock beyond what the policy asks
    for has no use the model can see, and crediting it would pay the model to produce or
    buy metal merely to hold it at the end (unbounded where storage and capacity are).

    ``unmet_demand`` is the value of lost supply (:data:`PENALTY_TERMS`): it makes every
    case solvable and is used only where demand cannot be met otherwise; reports show it
    apart from the plan's cost (:data:`PLAN_TERMS`).

    Capex: ``capacity − residual`` is exactly the builds still within their lifetime, so
    each build pays its annuity in every year of its life inside the horizon; the annuities
    after the final year are the salvage value and are not charged.
    """
    inc = m.incidence
    rate = data.get("discount_rate", ())
    years = inc.years

    annuity = {
        (metal, p): m.capex[metal, p] * crf(rate, data.get("lifetime", (metal, p)))
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
            m.fixed_opex[metal, p] * m.capacity[metal, p, r, t] for (metal, p, r) in inc.plants
        )

    def variable(_m, t):
        return quicksum(
            m.variable_opex[metal, p] * m.activity[metal, p, r, t] for (metal, p, r) in inc.plants
        )

    def energy(_m, t):
        return quicksum(
            data.get("energy_intensity", (metal, p))
            * data.get("power_price", (r,))
            * m.activity[metal, p, r, t]
            for (metal, p, r) in inc.plants
        )

    index = outlook(data, "price_index")

    def imports(_m, t):
        return quicksum(
            m.import_price[metal, k, o]
            * (index.get((metal, k, t), 1.0) * (1.0 + data.get("risk_premium", (o,))))
            * m.imports[metal, k, o, r, t]
            for (metal, k, o, r) in inc.import_arcs
        )

    unit_cost = {
        arc: data.get("transport_cost", (arc[2],), 0.0)
        * (corridor_value(data, "distance", arc) or 0.0)
        for arc in inc.corridors
    }

    # ore is hauled per gross tonne: per tonne of metal it costs the rate over its grade
    gross = {
        (metal, k): 1.0 / data.get("ore_grade", (metal,)) if k == "ore" else 1.0
        for metal in data.metals
        for k in data.forms
    }

    def transport(_m, t):
        return quicksum(
            unit_cost[arc] * gross[metal, k] * m.shipment[metal, k, *arc, t]
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
        return quicksum(
            data.get("unmet_demand_penalty", (metal,)) * m.unmet_demand[metal, r, t]
            for metal in data.metals
            for r in data.regions
        )

    steps = supply_step_costs(m, data)
    worth = terminal_values(data)

    final = inc.final_year
    credited = {
        (metal, r): days
        for (metal, r), days in data.table("reserve_days").items()
        if days > 0 and worth.get(metal) and final in inc.policy_years
    }
    m.TERMINAL_STOCKS = pyo.Set(initialize=sorted(credited), dimen=2, ordered=True)
    m.terminal_stock = pyo.Var(
        m.TERMINAL_STOCKS, within=pyo.NonNegativeReals, doc="closing stock credited, kt"
    )
    m.terminal_stock_limit = pyo.Constraint(
        m.TERMINAL_STOCKS,
        rule=lambda _m, metal, r: m.terminal_stock[metal, r] <= m.stock[metal, r, final],
    )
    # up to the final year's reserve target, on the mutable demand (sweeps change it)
    m.terminal_stock_target = pyo.Constraint(
        m.TERMINAL_STOCKS,
        rule=lambda _m, metal, r: (
            m.terminal_stock[metal, r]
            <= credited[metal, r]
            / 365.0
            * quicksum(m.demand[metal, rr, final] for rr in data.regions)
        ),
    )

    # mutable: it follows the import prices, which sweeps change in place
    m.terminal_value = pyo.Param(
        m.METALS, initialize=worth, mutable=True, doc="value of closing stock, MUSD/kt"
    )

    def terminal(_m, t):
        if t != inc.final_year:
            return 0.0
        return -quicksum(
            m.terminal_value[metal] * m.terminal_stock[metal, r] for metal, r in credited
        )

    rules = dict(
        zip(
            COST_TERMS,
            (
                capex, fixed, variable, energy, lambda _m, t: steps[t], imports, transport,
                holding, terminal, unmet,
            ),
            strict=True,
        )
    )  # fmt: skip
    for term, rule in rules.items():
        m.add_component(f"cost_{term}", pyo.Expression(m.YEARS, rule=rule, doc=f"{term}, MUSD"))

    m.objective = pyo.Objective(
        expr=quicksum(
            inc.discount[t] * quicksum(getattr(m, f"cost_{term}")[t] for term in COST_TERMS)
            for t in years
        ),
        sense=pyo.minimize,
    )
