"""Process capacity: builds, capacity in service, activity.

Capacity is a variable tied to the builds by an accounting row rather than an expression,
so that limits, security shares and the cost terms each refer to one column instead of
repeating the lifetime window.
"""

from __future__ import annotations

import math

import pyomo.core as pyo
from pyomo.core.expr.numeric_expr import LinearExpression, MonomialTermExpression

from msc_model.data import ModelData


def add_capacity(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Builds, capacity accounting and the capacity limit on activity.

    ``capacity[m,p,r,t] = residual[m,p,r,t] + Σ_{τ ≤ t, t − τ < lifetime[m,p]} new_capacity[m,p,r,τ]``

    ``activity[m,p,r,t] ≤ availability[m,p] · (1 − outage[m,p,r,t]) · capacity[m,p,r,t]``
    (``outage`` is the share out of service under an applied shock, ``data.disruption``;
    zero for a plain case)

    ``capacity ≤ max_capacity[m,p,r]`` and ``new_capacity ≤ max_build[m,p,r]`` are variable
    bounds where given (mutable Params over the finite limits, so a sweep of a limit is a
    bound change on the built model; ``availability`` is a mutable coefficient). A build in year τ produces from τ (the lead time only delays the
    first possible τ to ``base_year + ceil(lead_time)``, see ``sets``).

    =========================  =======================  ==========
    symbol                     component                unit
    =========================  =======================  ==========
    new_capacity[m,p,r,τ]      ``new_capacity``         kt/yr
    capacity[m,p,r,t]          ``capacity``             kt/yr
    activity[m,p,r,t]          ``activity`` (output)    kt/yr
    residual[m,p,r,t]          ``m.incidence.residual``  kt/yr
    max_capacity[m,p,r]        ``max_capacity``         kt/yr
    max_build[m,p,r]           ``max_build``            kt/yr
    availability[m,p]          ``availability``         share
    —                          ``capacity_accounting``  kt/yr
    —                          ``capacity_limit``       kt/yr
    =========================  =======================  ==========
    """
    inc = m.incidence
    plant_years = [(*k, t) for k in inc.plants for t in inc.years]
    m.PLANT_YEARS = pyo.Set(initialize=plant_years, dimen=4, ordered=True)

    for name in ("max_capacity", "max_build"):
        limits = finite_limits(data, name, inc.plants)
        m.add_component(
            name,
            pyo.Param(
                pyo.Set(initialize=list(limits), dimen=3, ordered=True),
                initialize=limits,
                mutable=True,
                doc=f"{name.replace('_', ' ')}, kt/yr",
            ),
        )

    most_built = {key: m.max_build[key] for key in m.max_build}
    most_held = {key: m.max_capacity[key] for key in m.max_capacity}

    def build_bounds(_m, metal, process, region, _t):
        return (0.0, most_built.get((metal, process, region)))

    def capacity_bounds(_m, metal, process, region, _t):
        return (0.0, most_held.get((metal, process, region)))

    m.new_capacity = pyo.Var(m.BUILDS, bounds=build_bounds, doc="capacity first producing, kt/yr")
    m.capacity = pyo.Var(m.PLANT_YEARS, bounds=capacity_bounds, doc="capacity in service, kt/yr")
    m.activity = pyo.Var(m.PLANT_YEARS, within=pyo.NonNegativeReals, doc="output, kt/yr")

    # builds still in service in t: τ ≤ t and t − τ < lifetime (lifetime may be fractional)
    in_service = {}
    for key, build_years in inc.builds.items():
        life = data.get("lifetime", key[:2])
        for t in inc.years:
            in_service[(*key, t)] = [tau for tau in build_years if tau <= t and t - tau < life]

    capacity, built = m.capacity, m.new_capacity

    def accounting(_m, metal, process, region, t):
        # one flat row, the variables on the left: capacity − Σ builds = residual
        key = (metal, process, region, t)
        terms = [capacity[key]]
        terms += [
            MonomialTermExpression((-1, built[metal, process, region, tau]))
            for tau in in_service[key]
        ]
        return LinearExpression(terms) == inc.residual.get(key, 0.0)

    m.capacity_accounting = pyo.Constraint(m.PLANT_YEARS, rule=accounting)

    pairs = sorted({key[:2] for key in inc.plants})
    m.availability = pyo.Param(
        pyo.Set(initialize=pairs, dimen=2, ordered=True),
        initialize={pair: data.get("availability", pair) for pair in pairs},
        mutable=True,
        doc="share of capacity that can produce",
    )
    outage = data.disruption.outage

    def limit(_m, metal, process, region, t):
        share = m.availability[metal, process]
        lost = outage.get((metal, process, region, t), 0.0)
        if lost:
            share = share * (1.0 - lost)
        return (
            m.activity[metal, process, region, t] <= share * m.capacity[metal, process, region, t]
        )

    m.capacity_limit = pyo.Constraint(m.PLANT_YEARS, rule=limit)


def finite_limits(data: ModelData, name: str, plants) -> dict[tuple[str, str, str], float]:
    """The finite values of a capacity limit (``max_capacity`` or ``max_build``) over the
    model's plants; a plant without one is unbounded above."""
    out = {}
    for key in plants:
        value = data.get(name, key)
        if value is not None and math.isfinite(value):
            out[key] = value
    return out
