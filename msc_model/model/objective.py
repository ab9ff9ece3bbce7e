"""Cost terms (undiscounted, per year) and the discounted objective."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pyomo.core as pyo
from pyomo.core.util import quicksum

from msc_model.data import ModelData
from msc_model.model.sets import corridor_value, crf, outlook

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


class CostRows:
    """Every cost term as rows ``param · factor · var``: the one definition from which the
    model's ``cost_<term>[t]`` Expressions are built and by which a solved model's terms are
    evaluated (:meth:`values`, with numpy, instead of walking ~200 Expressions).

    ``param`` is a mutable Param (its value is read at evaluation, so a sweep that changes
    it in place is evaluated right) or None (1); ``var`` None makes a constant row.
    Whoever adds to a cost term after the build goes through :meth:`extend`; an Expression
    changed any other way is seen (its expression is no longer the one recorded) and
    :meth:`values` leaves it out, for the caller to evaluate.
    """

    def __init__(self) -> None:
        self.rows: dict[tuple[str, int], list[tuple[float, object, object]]] = defaultdict(list)
        self._built: dict[tuple[str, int], object] = {}
        self._arrays = None

    def add(self, term: str, t: int, factor: float, var=None, param=None) -> None:
        if _kept((factor, var, param)):
            self.rows[term, t].append((float(factor), var, param))
            self._arrays = None

    def expression(self, term: str, t: int):
        """``Σ param · factor · var`` of one term and year (0.0 without rows)."""
        found = self.rows.get((term, t))
        return _linear(found) if found else 0.0

    def record(self, m: pyo.ConcreteModel) -> None:
        """Note the expression each ``cost_<term>[t]`` holds now."""
        for term in COST_TERMS:
            for t, data in getattr(m, f"cost_{term}").items():
                self._built[term, t] = data.expr

    def extend(self, m: pyo.ConcreteModel, term: str, t: int, rows) -> None:
        """Add ``rows`` (``(factor, var, param)``) to ``cost_<term>[t]`` and to the table."""
        rows = [(float(f), v, p) for f, v, p in rows if _kept((f, v, p))]
        if not rows:
            return
        component = getattr(m, f"cost_{term}")[t]
        self.rows[term, t].extend(rows)
        self._arrays = None
        component.set_value(component.expr + _linear(rows))
        self._built[term, t] = component.expr

    def current(self, m: pyo.ConcreteModel) -> set[tuple[str, int]]:
        """The (term, year) whose Expression is still the one this table built."""
        return {
            key
            for key, expr in self._built.items()
            if getattr(m, f"cost_{key[0]}")[key[1]].expr is expr
        }

    def values(self, m: pyo.ConcreteModel) -> dict[tuple[str, int], float]:
        """(term, year) → the term's value at the variables' values, MUSD, for every
        term still as built (:meth:`current`).

        Raises
        ------
        ValueError
            A variable of a cost row has no value (the model is not solved).
        """
        if self._arrays is None:
            keys = sorted(self.rows, key=lambda k: (COST_TERMS.index(k[0]), k[1]))
            flat = [(i, *row) for i, key in enumerate(keys) for row in self.rows[key]]
            self._arrays = (
                keys,
                np.fromiter((i for i, *_ in flat), dtype=np.intp, count=len(flat)),
                np.fromiter((f for _, f, _, _ in flat), dtype=float, count=len(flat)),
                [v for _, _, v, _ in flat],
                [p for _, _, _, p in flat],
            )
        keys, slot, factor, variables, params = self._arrays
        x = [1.0 if v is None else v.value for v in variables]
        if None in x:
            missing = variables[x.index(None)]
            raise ValueError(f"no value for {missing.name}: solve the model first")
        p = np.fromiter((1.0 if q is None else q.value for q in params), float, len(params))
        sums = np.bincount(
            slot, weights=factor * p * np.asarray(x, dtype=float), minlength=len(keys)
        )
        valid = self.current(m)
        out = {key: float(v) for key, v in zip(keys, sums, strict=True) if key in valid}
        out.update({key: 0.0 for key in valid if key not in self.rows})
        return out


def _kept(row) -> bool:
    """A row without a Param and with a zero factor is no cost (nor an objective entry)."""
    factor, _var, param = row
    return param is not None or bool(factor)


def _linear(rows):
    """``Σ param · factor · var`` of ``(factor, var, param)`` rows (see :class:`CostRows`)."""
    return quicksum(
        (factor if param is None else param * factor) * (1.0 if var is None else var)
        for factor, var, param in rows
    )


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

    Each term is written once, as rows of :class:`CostRows` (``m.cost_rows``), and its
    Expression is built from them; extraction evaluates the same rows with numpy.

    Capex: ``capacity − residual`` is exactly the builds still within their lifetime, so
    each build pays its annuity in every year of its life inside the horizon; the annuities
    after the final year are the salvage value and are not charged.
    """
    inc = m.incidence
    rate = data.get("discount_rate", ())
    years = inc.years
    rows = m.cost_rows = CostRows()

    # capital recovery factor of each plant type: capex × crf is the annual annuity
    recovery = {
        (metal, p): crf(rate, data.get("lifetime", (metal, p)))
        for metal in data.metals
        for p in data.processes
    }
    for metal, p, r in inc.plants:
        power = data.get("energy_intensity", (metal, p)) * data.get("power_price", (r,))
        for t in years:
            capacity, act = m.capacity[metal, p, r, t], m.activity[metal, p, r, t]
            if inc.builds[metal, p, r]:
                factor = recovery[metal, p]
                rows.add("capex", t, factor, capacity, m.capex[metal, p])
                residual = inc.residual.get((metal, p, r, t), 0.0)
                if residual:
                    rows.add("capex", t, -factor * residual, param=m.capex[metal, p])
            rows.add("fixed_opex", t, 1.0, capacity, m.fixed_opex[metal, p])
            rows.add("variable_opex", t, 1.0, act, m.variable_opex[metal, p])
            rows.add("energy", t, power, act)
    for metal in data.metals:
        annuity = data.get("storage_capex", (metal,)) * crf(
            rate, data.get("storage_lifetime", (metal,))
        )
        holding = data.get("holding_cost", (metal,))
        penalty = data.get("unmet_demand_penalty", (metal,))
        for r in data.regions:
            existing = data.get("storage_capacity", (metal, r))
            for t in years:
                rows.add("capex", t, annuity, m.storage_capacity[metal, r, t])
                if existing:
                    rows.add("capex", t, -annuity * existing)
                rows.add("holding", t, holding, m.stock[metal, r, t])
                rows.add("unmet_demand", t, penalty, m.unmet_demand[metal, r, t])

    for metal, r, s, t in m.MINE_STEPS:
        rows.add(
            "supply_steps", t, data.get("tier_cost", (metal, r, s)), m.mine_step[metal, r, s, t]
        )
    for metal, r, s, t in m.COLLECTION_STEPS:
        cost = data.get("collection_cost", (metal, s))
        rows.add("supply_steps", t, cost, m.collection_step[metal, r, s, t])

    index = outlook(data, "price_index")
    for metal, k, o, r in inc.import_arcs:
        premium = 1.0 + data.get("risk_premium", (o,))
        for t in years:
            factor = index.get((metal, k, t), 1.0) * premium
            rows.add(
                "imports", t, factor, m.imports[metal, k, o, r, t], m.import_price[metal, k, o]
            )

    # ore is hauled per gross tonne: per tonne of metal it costs the rate over its grade
    gross = {
        (metal, k): 1.0 / data.get("ore_grade", (metal,)) if k == "ore" else 1.0
        for metal in data.metals
        for k in data.forms
    }
    for arc in inc.corridors:
        unit_cost = data.get("transport_cost", (arc[2],), 0.0) * (
            corridor_value(data, "distance", arc) or 0.0
        )
        if unit_cost:
            for t in years:
                for metal in data.metals:
                    for k in data.forms:
                        ship = m.shipment[metal, k, *arc, t]
                        rows.add("transport", t, unit_cost * gross[metal, k], ship)

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
    for metal, r in credited:
        stock = m.terminal_stock[metal, r]
        rows.add("terminal_stock", final, -1.0, stock, m.terminal_value[metal])

    for term in COST_TERMS:
        m.add_component(
            f"cost_{term}",
            pyo.Expression(m.YEARS, rule=lambda _m, t, term=term: rows.expression(term, t)),
        )
        getattr(m, f"cost_{term}").doc = f"{term}, MUSD"
    rows.record(m)

    m.objective = pyo.Objective(
        expr=quicksum(
            inc.discount[t] * quicksum(getattr(m, f"cost_{term}")[t] for term in COST_TERMS)
            for t in years
        ),
        sense=pyo.minimize,
    )
