"""Solved model → tidy tables, extracted once, in bulk, each with a ``unit`` column.

Nothing downstream (indicators, report) touches the Pyomo model: everything it needs is in
:class:`Results`. After extraction :func:`check_balances` re-adds every balance from the
tidy tables, so a mass balance that does not close is found here, not in a report.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

import pandas as pd
import pyomo.core as pyo

from msc_model.data import ModelData
from msc_model.errors import BalanceError
from msc_model.model.balance import prompt_scrap_factor
from msc_model.model.objective import COST_TERMS, PENALTY_TERMS
from msc_model.prices import extract_prices

if TYPE_CHECKING:  # solve imports the solver; results must not need it at run time
    from msc_model.solver import SolveOutcome

FLOW = "kt/yr"
MASS = "kt"
MONEY = "MUSD"

#: process → (input form, output form); mining has no input
_STAGES = {
    "mining": (None, "ore"),
    "smelting": ("ore", "refined"),
    "processing": ("refined", "product"),
    "recycling": ("scrap", "refined"),
}


@dataclass(frozen=True)
class Results:
    """The solution of one run as tidy long tables (all flows in metal content).

    Attributes
    ----------
    capacity
        metal, process, region, year, residual, new, total, unit. ``new`` is capacity first
        producing in that year; ``total − residual`` are the builds still in service.
        Storage appears as process ``storage`` with unit kt; processes have kt/yr.
    activity
        metal, process, region, year, value, unit: output of each process.
    flows
        metal, form, flow, region, year, value, unit: every term of every balance, signed
        so that each (metal, form, region, year) group **sums to zero**. Positive: into the
        form's pool in the region; negative: out of it. Flow names:

        - ore: ``mining`` (+), ``smelting`` (−, input = smelting output / yield)
        - refined: ``smelting`` (+), ``recycling`` (+), ``draw`` (+), ``fill`` (−),
          ``processing`` (−, input = processing output / yield)
        - scrap: ``collected`` (+), ``prompt`` (+), ``recycling`` (−, input),
          ``landfill`` (−, the surplus of the ≥ balance; ≤ 0 by construction)
        - product: ``processing`` (+), ``unmet_demand`` (+), ``demand`` (−)
        - every form: ``imports`` (+), ``shipments_in`` (+), ``shipments_out`` (−),
          ``exports`` (−)
    imports
        metal, form, origin, region, year, value, unit.
    exports
        metal, form, region, year, value, unit (only where export demand > 0).
    shipments
        metal, form, region_from, region_to, mode, year, value, unit.
    stock
        metal, region, year, stock, fill, draw, storage_capacity, unit (kt; fill and draw
        are kt over the year). ``stock`` is the level at the end of the year.
    scrap
        metal, region, year, end_of_life, collected, prompt, recycled_input, landfill, unit.
    unmet
        metal, region, year, value, demand, unit.
    demand
        metal, region, year, value, unit: the demand the model was solved with.
    costs
        term, year, undiscounted, discounted, unit (MUSD; terms in ``COST_TERMS`` order),
        kind (``plan cost``, or ``not a cost: value of lost supply`` for curtailment).
    prices
        kind, metal, item, region, year, pv, value, value_lce, unit: commodity prices
        (balance duals), capacity and resource rents, import-limit, supplier-cap, reserve
        and dependence-cap duals (:mod:`msc_model.prices`); ``value`` in USD/t of the
        year's money, ``pv`` in present-value MUSD/kt.
    duals
        metal, year, dual, target, consumption, unit: dual of ``dependence_cap`` as HiGHS
        returns it (MUSD of discounted objective per kt of relaxation of
        ``net_imports − target · consumption ≤ 0``; ≤ 0 when binding).
    objective
        Discounted total cost, MUSD.
    termination
        The solver's termination (always ``optimal`` for extracted results).
    """

    capacity: pd.DataFrame
    activity: pd.DataFrame
    flows: pd.DataFrame
    imports: pd.DataFrame
    exports: pd.DataFrame
    shipments: pd.DataFrame
    stock: pd.DataFrame
    scrap: pd.DataFrame
    unmet: pd.DataFrame
    demand: pd.DataFrame
    costs: pd.DataFrame
    duals: pd.DataFrame
    objective: float
    termination: str = "optimal"
    #: every price, rent and marginal cost (:func:`msc_model.prices.extract_prices`)
    prices: pd.DataFrame | None = None


def _values(var: pyo.Var) -> dict[tuple, float]:
    """All values of an indexed Var in one call; unused (None) values count as zero."""
    return {k: (v or 0.0) for k, v in var.extract_values().items()}


def _frame(values: dict[tuple, float], columns: list[str], unit: str) -> pd.DataFrame:
    rows = [(*k, v + 0.0) for k, v in values.items()]  # + 0.0 turns solver -0.0 into 0.0
    frame = pd.DataFrame(rows, columns=[*columns, "value"])
    frame["unit"] = unit
    return frame


def _flows(
    m: pyo.ConcreteModel,
    data: ModelData,
    activity: dict,
    imports: dict,
    exports: dict,
    shipments: dict,
    stock: dict,
) -> pd.DataFrame:
    """The signed balance terms (see :class:`Results`), summed over origins and arcs."""
    flows: dict[tuple, float] = defaultdict(float)
    for (metal, p, r, t), value in activity.items():
        source, product = _STAGES[p]
        flows[metal, product, p, r, t] += value
        if source is not None:
            flows[metal, source, p, r, t] -= value / data.get("process_yield", (metal, p))
        if p == "processing":
            flows[metal, "scrap", "prompt", r, t] += prompt_scrap_factor(data, metal) * value
    for (metal, k, _o, r, t), value in imports.items():
        flows[metal, k, "imports", r, t] += value
    for (metal, k, r, t), value in exports.items():
        flows[metal, k, "exports", r, t] -= value
    for (metal, k, r_from, r_to, _mode, t), value in shipments.items():
        flows[metal, k, "shipments_out", r_from, t] -= value
        flows[metal, k, "shipments_in", r_to, t] += value
    for (metal, r, t), value in _values(m.collected_scrap).items():
        flows[metal, "scrap", "collected", r, t] += value
    fill, draw = stock["fill"], stock["draw"]
    unmet = _values(m.unmet_demand)
    for key in fill:
        metal, r, t = key
        flows[metal, "refined", "draw", r, t] += draw[key]
        flows[metal, "refined", "fill", r, t] -= fill[key]
        flows[metal, "product", "unmet_demand", r, t] += unmet[key]
        flows[metal, "product", "demand", r, t] -= pyo.value(m.demand[key])
    # landfill closes the scrap "≥" balance: minus the sum of every other scrap term
    surplus: dict[tuple, float] = defaultdict(float)
    for (metal, k, _flow, r, t), value in flows.items():
        if k == "scrap":
            surplus[metal, r, t] += value
    for (metal, r, t), value in surplus.items():
        flows[metal, "scrap", "landfill", r, t] = -value
    frame = _frame(dict(flows), ["metal", "form", "flow", "region", "year"], FLOW)
    return frame.sort_values(["metal", "form", "region", "year", "flow"], ignore_index=True)


def _scrap(flows: pd.DataFrame, eol: dict, data: ModelData, years: list[int]) -> pd.DataFrame:
    """Scrap arising and its use per metal, region and year (positive numbers)."""
    index = ["metal", "region", "year"]
    keys = [(metal, r, t) for metal in data.metals for r in data.regions for t in years]
    frame = pd.DataFrame(keys, columns=index)
    frame["end_of_life"] = [eol.get(k, 0.0) for k in keys]
    wide = flows[flows["form"] == "scrap"].pivot_table(
        index=index, columns="flow", values="value", aggfunc="sum"
    )
    names = {"collected": 1.0, "prompt": 1.0, "recycling": -1.0, "landfill": -1.0}
    wide = wide.reindex(columns=list(names)).fillna(0.0) * pd.Series(names)
    wide = wide.rename(columns={"recycling": "recycled_input"})
    frame = frame.merge(wide.reset_index(), on=index, how="left").fillna(0.0)
    frame[list(frame.columns[3:])] += 0.0  # no -0.0 in reports
    frame["unit"] = FLOW
    return frame


def _arising(inc, history: dict, demand: dict, unmet: dict) -> dict[tuple, float]:
    """End-of-life scrap as the model has it: history plus met demand through the lifetime
    kernel (what the ``end_of_life_arising`` rows fix), recomputed from the extracted flows."""
    out = {}
    for metal, region, t in inc.end_of_life:
        value = history.get((metal, region, t), 0.0)
        for a, f in inc.kernels.get(metal, {}).items():
            key = (metal, region, t - a)
            if t - a >= inc.base_year:
                value += f * (demand.get(key, 0.0) - unmet.get(key, 0.0))
        out[metal, region, t] = value
    return out


def extract_results(
    model: pyo.ConcreteModel, data: ModelData, outcome: SolveOutcome, *, prices: bool = True
) -> Results:
    """Read every value of a solved model once and check the balances close.

    Parameters
    ----------
    model
        A model built by :func:`msc_model.model.build_model` and solved optimally.
    data
        The data it was built from (yields, defaults, existing storage).
    outcome
        The :class:`msc_model.solver.SolveOutcome` of the solve.
    prices
        Also read the duals as prices (:mod:`msc_model.prices`); sweeps, which store only
        indicators, leave them out.

    Raises
    ------
    BalanceError
        When a balance does not close (a bug in the model or the extraction).
    """
    m = model
    inc = m.incidence
    activity = _values(m.activity)
    capacity = _values(m.capacity)
    new = _values(m.new_capacity)
    imports = _values(m.imports)
    exports = _values(m.exports)
    shipments = _values(m.shipment)
    stock = {name: _values(getattr(m, name)) for name in ("stock", "fill", "draw")}
    storage = _values(m.storage_capacity)
    new_storage = _values(m.new_storage)

    cap_rows = [
        (*k, inc.residual.get(k, 0.0), new.get(k, 0.0), v, FLOW) for k, v in capacity.items()
    ]
    cap_rows += [
        (metal, "storage", r, t, data.get("storage_capacity", (metal, r)),
         new_storage.get((metal, r, t), 0.0), v, MASS)
        for (metal, r, t), v in storage.items()
    ]  # fmt: skip
    columns = ["metal", "process", "region", "year", "residual", "new", "total", "unit"]

    stock_frame = pd.DataFrame(
        [
            (*k, v, stock["fill"][k], stock["draw"][k], storage[k], MASS)
            for k, v in stock["stock"].items()
        ],
        columns=["metal", "region", "year", "stock", "fill", "draw", "storage_capacity", "unit"],
    )
    flows = _flows(m, data, activity, imports, exports, shipments, stock)

    demand = {k: pyo.value(m.demand[k]) for k in m.demand}
    unmet_values = _values(m.unmet_demand)
    history = {k: pyo.value(v) for k, v in m.eol_history.items()}
    scrap = _scrap(flows, _arising(inc, history, demand, unmet_values), data, inc.years)
    unmet = _frame(unmet_values, ["metal", "region", "year"], FLOW)
    unmet.insert(
        4, "demand", [demand[k] for k in zip(unmet.metal, unmet.region, unmet.year, strict=True)]
    )

    # from the cost table (numpy); a term changed outside it is evaluated as an Expression
    known = m.cost_rows.values(m)
    costs = [
        (
            term,
            t,
            known[term, t] if (term, t) in known else pyo.value(getattr(m, f"cost_{term}")[t]),
        )
        for term in COST_TERMS
        for t in inc.years
    ]
    cost_frame = pd.DataFrame(costs, columns=["term", "year", "undiscounted"])
    cost_frame["discounted"] = cost_frame["undiscounted"] * cost_frame["year"].map(inc.discount)
    # + 0.0 turns a −0.0 (a term of no rows negated, the dual of a slack row) into 0.0
    cost_frame[["undiscounted", "discounted"]] += 0.0
    cost_frame["unit"] = MONEY
    # the value of lost supply is charged so every case solves; it is not a cost
    cost_frame["kind"] = cost_frame["term"].map(
        lambda term: "not a cost: value of lost supply" if term in PENALTY_TERMS else "plan cost"
    )

    duals = [
        (metal, t, m.dual.get(m.dependence_cap[metal, t], float("nan")) + 0.0,
         pyo.value(m.dependence_target[metal, t]), pyo.value(m.consumption[metal, t]), "MUSD/kt")
        for (metal, t) in m.dependence_cap
    ]  # fmt: skip
    results = Results(
        capacity=pd.DataFrame(cap_rows, columns=columns),
        activity=_frame(activity, ["metal", "process", "region", "year"], FLOW),
        flows=flows,
        imports=_frame(imports, ["metal", "form", "origin", "region", "year"], FLOW),
        exports=_frame(exports, ["metal", "form", "region", "year"], FLOW),
        shipments=_frame(
            shipments, ["metal", "form", "region_from", "region_to", "mode", "year"], FLOW
        ),
        stock=stock_frame,
        scrap=scrap,
        unmet=unmet,
        demand=_frame(demand, ["metal", "region", "year"], FLOW),
        costs=cost_frame,
        duals=pd.DataFrame(
            duals, columns=["metal", "year", "dual", "target", "consumption", "unit"]
        ),
        objective=float(outcome.objective),
        termination=outcome.termination,
        prices=extract_prices(m, inc.discount) if prices else None,
    )
    check_balances(results, data)
    return results


def check_balances(results: Results, data: ModelData, rtol: float = 1e-6) -> None:
    """Re-add every balance from the tidy tables; raise on the first that does not close.

    Checks, with tolerance ``rtol × the largest flow or stock``:

    - ore, refined, product: the signed ``flows`` of each (metal, form, region, year) sum
      to zero;
    - scrap (a ≥ balance): the group sums to zero and ``landfill ≤ 0`` (recycling never
      uses more scrap than is there);
    - stock continuity: ``stock[t] = (1 − stock_loss) · stock[t−1] + fill − draw`` with
      ``initial_stock`` before the base year.

    Raises
    ------
    BalanceError
        Naming the balance, metal, region and year of the first failure.
    """
    flows = results.flows
    stock = results.stock.sort_values(["metal", "region", "year"])
    scale = max(
        flows["value"].abs().max() if len(flows) else 0.0,
        stock["stock"].abs().max() if len(stock) else 0.0,
        1e-9,
    )
    tol = rtol * scale

    sums = flows.groupby(["metal", "form", "region", "year"], sort=True)["value"].sum()
    bad = sums[sums.abs() > tol]
    if len(bad):
        (metal, form, region, year), value = next(iter(bad.items()))
        raise BalanceError(
            f"{form} balance of {metal} in {region}, {year} does not close: residual "
            f"{value:.6g} kt/yr (tolerance {tol:.3g})"
        )
    landfill = flows[(flows["flow"] == "landfill") & (flows["value"] > tol)]
    if len(landfill):
        row = landfill.iloc[0]
        raise BalanceError(
            f"scrap balance of {row.metal} in {row.region}, {row.year}: recycling uses "
            f"{row.value:.6g} kt/yr more scrap than is available"
        )
    for (metal, region), group in stock.groupby(["metal", "region"], sort=True):
        keep = 1.0 - data.get("stock_loss", (metal,))
        before = data.get("initial_stock", (metal, region))
        for year, level, fill, draw in zip(
            group.year, group.stock, group.fill, group.draw, strict=True
        ):
            residual = level - keep * before - fill + draw
            if abs(residual) > tol:
                raise BalanceError(
                    f"stock continuity of {metal} in {region}, {year} does not close: "
                    f"residual {residual:.6g} kt (tolerance {tol:.3g})"
                )
            before = level
