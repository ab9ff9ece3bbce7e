"""Strategic reserves of refined metal: storage capacity, stock, fill and draw."""

from __future__ import annotations

from collections import defaultdict

import pyomo.core as pyo
from pyomo.core.util import quicksum

from msc_model.data import ModelData


def add_storage(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Storage capacity, stock continuity and the reserve minimum.

    ``storage_capacity[m,r,t] = storage_capacity⁰[m,r] + Σ_{τ ≤ t, t − τ < storage_lifetime[m]} new_storage[m,r,τ]``
    (``storage_accounting``; builds from ``base_year + 1``; ``≤ max_storage[m,r]`` as a bound)

    ``stock[m,r,t] = (1 − stock_loss[m]) · stock[m,r,t−1] + fill[m,r,t] − draw[m,r,t]``
    (``stock_continuity``), with ``stock[m,r,base_year − 1] = initial_stock[m,r]``

    ``stock[m,r,t] ≤ storage_capacity[m,r,t]``  (``stock_limit``)

    ``stock[m,r,t] ≥ reserve_days[m,r] / 365 · Σ_r' demand[m,r',t]`` for policy years
    (``reserve_minimum``: days of *national* demand held in region r; only where > 0)

    ========================  =======================  ======
    symbol                    component                unit
    ========================  =======================  ======
    new_storage[m,r,τ]        ``new_storage``          kt
    storage_capacity[m,r,t]   ``storage_capacity``     kt
    stock[m,r,t]              ``stock`` (end of year)  kt
    fill[m,r,t], draw[m,r,t]  ``fill``, ``draw``       kt/yr
    ========================  =======================  ======
    """
    inc = m.incidence
    years = inc.years
    keys = [(metal, r, t) for metal in data.metals for r in data.regions for t in years]
    m.STOCKS = pyo.Set(initialize=keys, dimen=3, ordered=True)

    m.new_storage = pyo.Var(m.STORAGE_BUILDS, within=pyo.NonNegativeReals, doc="storage built, kt")
    m.storage_capacity = pyo.Var(
        m.STOCKS,
        bounds=lambda _m, metal, r, _t: (0.0, data.get("max_storage", (metal, r))),
        doc="storage capacity in service, kt",
    )
    m.stock = pyo.Var(m.STOCKS, within=pyo.NonNegativeReals, doc="stock at year end, kt")
    m.fill = pyo.Var(m.STOCKS, within=pyo.NonNegativeReals, doc="into stock, kt/yr")
    m.draw = pyo.Var(m.STOCKS, within=pyo.NonNegativeReals, doc="out of stock, kt/yr")

    builds = defaultdict(list)
    for metal, r, tau in inc.storage_builds:
        builds[metal, r].append(tau)

    def accounting(_m, metal, r, t):
        life = data.get("storage_lifetime", (metal,))
        new = quicksum(
            m.new_storage[metal, r, tau] for tau in builds[metal, r] if tau <= t and t - tau < life
        )
        return m.storage_capacity[metal, r, t] == data.get("storage_capacity", (metal, r)) + new

    m.storage_accounting = pyo.Constraint(m.STOCKS, rule=accounting)

    def continuity(_m, metal, r, t):
        keep = 1.0 - data.get("stock_loss", (metal,))
        before = (
            m.stock[metal, r, t - 1]
            if t > inc.base_year
            else data.get("initial_stock", (metal, r))  # a constant in the base year
        )
        flow = m.fill[metal, r, t] - m.draw[metal, r, t]
        return m.stock[metal, r, t] == keep * before + flow

    m.stock_continuity = pyo.Constraint(m.STOCKS, rule=continuity)

    def limit(_m, metal, r, t):
        return m.stock[metal, r, t] <= m.storage_capacity[metal, r, t]

    m.stock_limit = pyo.Constraint(m.STOCKS, rule=limit)

    reserve = [
        (metal, r, t)
        for metal in data.metals
        for r in data.regions
        if data.get("reserve_days", (metal, r)) > 0
        for t in inc.policy_years
    ]

    def minimum(_m, metal, r, t):
        days = data.get("reserve_days", (metal, r))
        national = quicksum(m.demand[metal, rr, t] for rr in data.regions)
        return m.stock[metal, r, t] >= days / 365.0 * national

    m.reserve_minimum = pyo.Constraint(reserve, rule=minimum)
