"""Security constraints: dependence cap, regional concentration, hinterland, suppliers.

All apply only in policy years (``t ≥ policy_start_year``) so the base year reproduces the
status quo.
"""

from __future__ import annotations

from collections import defaultdict

import pyomo.core as pyo
from pyomo.core.util import quicksum

from msc_model.data import ModelData
from msc_model.model.balance import prompt_scrap_factor


def net_imports_expr(m: pyo.ConcreteModel, metal: str, t: int):
    """``Σ_{k ∈ K_m} (Σ_{o,r} imports − Σ_r exports) + Σ_r (draw − fill)`` as a linear
    expression: USGS's net import reliance counts a stock draw like an import in the year
    it is drawn (and a fill as not consumed), so a cap cannot be met by importing early
    and drawing later."""
    inc = m.incidence
    forms = inc.counted[metal]
    imports = quicksum(
        m.imports[mm, k, o, r, t] for (mm, k, o, r) in inc.import_arcs if mm == metal and k in forms
    )
    exports = quicksum(
        m.exports[metal, k, r, t] for k in forms for r in inc.exports_from.get((metal, k, t), ())
    )
    stock_change = quicksum(m.draw[metal, r, t] - m.fill[metal, r, t] for r in m.REGIONS)
    return imports - exports + stock_change


def consumption_expr(m: pyo.ConcreteModel, data: ModelData, metal: str, t: int, net_imports):
    """Apparent consumption: mining + old scrap recycled (if scrap counts) + net imports
    (which include stock draws less fills, so consumption is USGS's apparent consumption).

    Old scrap recycled is counted as ``recycling input − prompt scrap − net scrap imports``
    rather than as collected scrap: collection is free, so counting what is collected would
    let the model collect and landfill scrap to loosen the cap. With scrap in ``K_m`` the
    net scrap imports cancel against those in ``net_imports``.
    """
    inc = m.incidence
    plants = [(p, r) for (mm, p, r) in inc.plants if mm == metal]
    mining = quicksum(m.activity[metal, p, r, t] for (p, r) in plants if p == "mining")
    secondary = 0.0
    if "scrap" in inc.counted[metal]:
        y_rec = m.process_yield[metal, "recycling"]
        prompt = prompt_scrap_factor(data, metal, m)
        recycled_input = quicksum(
            m.activity[metal, p, r, t] / y_rec for (p, r) in plants if p == "recycling"
        )
        prompt_scrap = quicksum(
            prompt * m.activity[metal, p, r, t] for (p, r) in plants if p == "processing"
        )
        secondary = recycled_input - prompt_scrap - _net_form(m, metal, "scrap", t)
    return mining + secondary + net_imports


def _net_form(m: pyo.ConcreteModel, metal: str, form: str, t: int):
    inc = m.incidence
    imports = quicksum(
        m.imports[mm, k, o, r, t] for (mm, k, o, r) in inc.import_arcs if mm == metal and k == form
    )
    exports = quicksum(
        m.exports[metal, form, r, t] for r in inc.exports_from.get((metal, form, t), ())
    )
    return imports - exports


def add_security(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Dependence cap and the share constraints.

    ``dependence_cap``: ``net_imports[m,t] ≤ dependence_target[m,t] · consumption[m,t]`` with
    ``net_imports = Σ_{k ∈ K_m} (imports − exports) + Σ_r (draw − fill)`` (USGS net import
    reliance: a stock draw counts like an import) and
    ``consumption = Σ_r mining + [scrap ∈ K_m] Σ_r old scrap recycled + net_imports``
    (old scrap recycled = recycling input − prompt scrap − net scrap imports) (``K_m``: forms
    that count, see ``sets.counted_forms``; targets interpolated by
    ``sets.dependence_targets``). Its dual is the marginal cost of the cap.

    ``region_share_limit``: ``capacity[m,p,r,t] ≤ max_region_share[m,p] · Σ_r' capacity[m,p,r',t]``

    ``hinterland_share_minimum``:
    ``Σ_{r ∈ hinterland} capacity[m,p,r,t] ≥ min_hinterland_share[m,p] · Σ_r capacity[m,p,r,t]``

    ``supplier_share_limit``:
    ``Σ_{k,r} imports[m,k,o,r,t] ≤ max_supplier_share[m] · Σ_{k,o',r} imports[m,k,o',r,t]``

    =======================  ===============================  ======
    symbol                   component                        unit
    =======================  ===============================  ======
    dependence_target[m,t]   ``dependence_target`` (mutable)  —
    net_imports[m,t]         ``net_imports`` (Expression)     kt/yr
    consumption[m,t]         ``consumption`` (Expression)     kt/yr
    =======================  ===============================  ======
    """
    inc = m.incidence
    caps = sorted(inc.targets)
    m.DEPENDENCE_CAPS = pyo.Set(initialize=caps, dimen=2, ordered=True)
    m.dependence_target = pyo.Param(
        m.DEPENDENCE_CAPS, initialize=inc.targets, mutable=True, doc="dependence cap, share"
    )
    m.net_imports = pyo.Expression(
        m.DEPENDENCE_CAPS, rule=lambda _m, metal, t: net_imports_expr(m, metal, t)
    )
    m.consumption = pyo.Expression(
        m.DEPENDENCE_CAPS,
        rule=lambda _m, metal, t: consumption_expr(m, data, metal, t, m.net_imports[metal, t]),
    )

    def cap(_m, metal, t):
        return m.net_imports[metal, t] <= m.dependence_target[metal, t] * m.consumption[metal, t]

    m.dependence_cap = pyo.Constraint(m.DEPENDENCE_CAPS, rule=cap)

    regions_of = defaultdict(list)
    for metal, p, r in inc.plants:
        regions_of[metal, p].append(r)

    def total(metal, p, t, regions):
        return quicksum(m.capacity[metal, p, r, t] for r in regions)

    shares = data.table("max_region_share")
    rows = [
        (metal, p, r, t)
        for (metal, p), share in sorted(shares.items())
        if share < 1.0
        for r in regions_of[metal, p]
        for t in inc.policy_years
    ]

    def region_share(_m, metal, p, r, t):
        national = total(metal, p, t, regions_of[metal, p])
        return m.capacity[metal, p, r, t] <= shares[metal, p] * national

    m.region_share_limit = pyo.Constraint(rows, rule=region_share)

    minimum = data.table("min_hinterland_share")
    rows = [
        (metal, p, t)
        for (metal, p), share in sorted(minimum.items())
        if share > 0.0 and regions_of[metal, p]
        for t in inc.policy_years
    ]

    def hinterland(_m, metal, p, t):
        inland = [r for r in regions_of[metal, p] if r in data.hinterland]
        whole = total(metal, p, t, regions_of[metal, p])
        return total(metal, p, t, inland) >= minimum[metal, p] * whole

    m.hinterland_share_minimum = pyo.Constraint(rows, rule=hinterland)

    arcs_of = defaultdict(list)
    for arc in inc.import_arcs:
        arcs_of[arc[0]].append(arc)
    limits = data.table("max_supplier_share")
    rows = [
        (metal, o, t)
        for metal, share in ((k[0], v) for k, v in sorted(limits.items()))
        if share < 1.0
        for o in sorted({a[2] for a in arcs_of[metal]})
        for t in inc.policy_years
    ]

    def supplier(_m, metal, o, t):
        arcs = arcs_of[metal]
        from_o = quicksum(m.imports[(*a, t)] for a in arcs if a[2] == o)
        return from_o <= limits[(metal,)] * quicksum(m.imports[(*a, t)] for a in arcs)

    m.supplier_share_limit = pyo.Constraint(rows, rule=supplier)
