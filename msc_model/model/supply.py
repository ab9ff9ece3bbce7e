"""Domestic supply curves: mine output and scrap collection in cost steps (tiers).

A single flat cost with a hard ceiling makes a dependence cap either free or impossible.
Resource models (TIMES, MESSAGE) describe supply as grades instead: each step has a
quantity and a cost, cheaper steps are used first, so more domestic supply costs more at
the margin. The steps' limits are variable bounds; their reduced costs are the resource
rents (reported with the prices).
"""

from __future__ import annotations

from collections import defaultdict

import pyomo.core as pyo
from pyomo.core.util import quicksum

from msc_model.data import ModelData


def mining_steps(data: ModelData) -> dict[tuple[str, str], list[str]]:
    """(metal, region) → its mining tiers, in workbook order."""
    steps: dict[tuple[str, str], list[str]] = defaultdict(list)
    for metal, region, tier in data.table("tier_output"):
        if tier not in steps[metal, region]:
            steps[metal, region].append(tier)
    return dict(steps)


def collection_steps(data: ModelData) -> dict[str, list[str]]:
    """metal → its collection tiers, in workbook order."""
    steps: dict[str, list[str]] = defaultdict(list)
    for metal, tier in data.table("tier_share"):
        if tier not in steps[metal]:
            steps[metal].append(tier)
    return dict(steps)


def add_supply_steps(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Mine output and scrap collection split into cost steps where the workbook has them.

    ``activity[m,mining,r,t] = Σ_s mine_step[m,r,s,t]``, ``0 ≤ mine_step ≤ tier_output[m,r,s]``
    (``mining_steps``; only for mining plants with steps: the others keep one flat cost)

    ``collected_scrap[m,r,t] ≤ max_collection_rate[m] · end_of_life[m,r,t] + Σ_s collection_step[m,r,s,t]``
    (``collection_limit_stepped``, in place of ``collection_limit``),
    ``0 ≤ collection_step ≤ tier_share[m,s] · end_of_life[m,r,t]`` (``collection_step_limit``)
    and ``collected_scrap ≤ end_of_life`` (``collection_whole``): the base rate is
    collected at no extra cost (its cost lies in the recycling plant's), each step beyond
    it at its ``collection_cost``. ``end_of_life`` is the met-demand variable of
    ``recycling``.

    Their costs, ``tier_cost · mine_step`` and ``collection_cost · collection_step``, are
    the objective's ``supply_steps`` term.

    =======================  ======================  ======
    symbol                   component               unit
    =======================  ======================  ======
    mine_step[m,r,s,t]       ``mine_step``           kt/yr
    collection_step[m,r,s,t]  ``collection_step``    kt/yr
    =======================  ======================  ======
    """
    inc = m.incidence
    mine = {
        (metal, r, s, t)
        for (metal, r), tiers in mining_steps(data).items()
        if inc.has_plant(metal, "mining", r)
        for s in tiers
        for t in inc.years
    }
    mine_keys = sorted(mine)
    m.MINE_STEPS = pyo.Set(initialize=mine_keys, dimen=4, ordered=True)
    m.mine_step = pyo.Var(
        m.MINE_STEPS,
        bounds=lambda _m, metal, r, s, _t: (0.0, data.get("tier_output", (metal, r, s))),
        doc="mine output from one cost step, kt/yr",
    )
    by_plant = defaultdict(list)
    for metal, r, s, t in mine_keys:
        by_plant[metal, r, t].append(s)
    m.mining_steps = pyo.Constraint(
        list(by_plant),
        rule=lambda _m, metal, r, t: (
            m.activity[metal, "mining", r, t]
            == quicksum(m.mine_step[metal, r, s, t] for s in by_plant[metal, r, t])
        ),
    )

    tiers = collection_steps(data)
    collect_keys = [
        (metal, r, s, t) for (metal, r, t) in m.COLLECTION if metal in tiers for s in tiers[metal]
    ]
    m.COLLECTION_STEPS = pyo.Set(initialize=collect_keys, dimen=4, ordered=True)
    m.collection_step = pyo.Var(
        m.COLLECTION_STEPS,
        within=pyo.NonNegativeReals,
        doc="old scrap collected in one cost step beyond the base rate, kt/yr",
    )
    eol = m.end_of_life
    m.collection_step_limit = pyo.Constraint(
        m.COLLECTION_STEPS,
        rule=lambda _m, metal, r, s, t: (
            m.collection_step[metal, r, s, t]
            <= data.get("tier_share", (metal, s)) * eol[metal, r, t]
        ),
    )
    stepped = [k for k in m.COLLECTION if k[0] in tiers]

    def collection(_m, metal, r, t):
        extra = quicksum(m.collection_step[metal, r, s, t] for s in tiers[metal])
        return (
            m.collected_scrap[metal, r, t] - extra
            <= m.max_collection_rate[metal] * eol[metal, r, t]
        )

    # the base rate plus the steps (named like the plain limit: it is that limit, stepped)
    m.collection_limit_stepped = pyo.Constraint(stepped, rule=collection)
    m.collection_whole = pyo.Constraint(
        stepped,
        rule=lambda _m, metal, r, t: m.collected_scrap[metal, r, t] <= eol[metal, r, t],
    )
