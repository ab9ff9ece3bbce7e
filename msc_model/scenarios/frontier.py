"""The ε-constraint added to a built model for the cost–dependence trade-off curve.

For the metals ``M`` the curve covers, with weights ``w_m`` (one metal: ``w = 1``), in
each capped year ``t`` (by default the final year; a path of years may be given)::

    Σ_{m∈M} w_m · net_imports[m,t] + frontier_slack[t] = frontier_level · Σ_{m∈M} w_m · consumption[m,t]

and the objective becomes ``cost − δ · Σ_t frontier_slack[t]`` (the *augmented*
ε-constraint method, Mavrotas 2009): among plans of equal cost the one with the least
dependence wins, so no weakly efficient point enters the curve. ``δ`` is tiny (a
millionth of the dearest import price per kt), far below any real cost difference, so
the plan's cost equals the plain least cost at that cap. ``frontier_level`` is a mutable
Param: moving along the curve re-solves the persistent HiGHS instance without a rebuild.

``net_imports`` and ``consumption`` are the model's own definitions
(:func:`msc_model.model.security.net_imports_expr`, ``consumption_expr``), so a point
with one metal is exactly the model with ``dependence_target = ε`` in every policy year.
The workbook's caps of the covered metals are removed before the build (see
:func:`uncapped`): the curve's cap replaces them.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pyomo.core as pyo
from pyomo.core.util import quicksum

from msc_model.data import ModelData
from msc_model.model.security import consumption_expr, net_imports_expr

#: augmentation weight relative to the dearest import price (MUSD/kt per kt/yr of slack)
AUGMENTATION = 1e-6


@dataclass(frozen=True)
class FrontierSpec:
    """What the curve caps: metals with weights, and the augmentation weight δ."""

    weights: tuple[tuple[str, float], ...]
    augmentation: float  # MUSD per kt/yr of slack
    #: the years the cap applies in. A cap can only bite once investment can respond
    #: (base year + lead time): an early-year cap is met only by curtailment.
    years: tuple[int, ...] = ()

    @property
    def metals(self) -> tuple[str, ...]:
        return tuple(m for m, _ in self.weights)


def frontier_spec(
    data: ModelData, weights: dict[str, float], years: tuple[int, ...] = ()
) -> FrontierSpec:
    """The spec for ``weights`` (metal → weight) with δ scaled to the case's prices;
    ``years`` default to the final year."""
    prices = [abs(v) for v in data.table("import_price").values()] or [1.0]
    chosen = tuple(sorted(set(years))) or (data.final_year,)
    return FrontierSpec(tuple(weights.items()), AUGMENTATION * max(max(prices), 1e-9), chosen)


def uncapped(data: ModelData, metals: tuple[str, ...]) -> ModelData:
    """``data`` without the dependence targets of ``metals`` (the curve's cap replaces them)."""
    params = dict(data.params)
    params["dependence_target"] = {
        k: v for k, v in data.table("dependence_target").items() if k[0] not in metals
    }
    return dataclasses.replace(data, params=params)


def add_frontier_cap(m: pyo.ConcreteModel, data: ModelData, spec: FrontierSpec) -> None:
    """Add the ε-constraint, its slack and the augmented objective to a built model."""
    years = [t for t in m.incidence.years if t in spec.years]
    m.FRONTIER_YEARS = pyo.Set(initialize=years, ordered=True)
    m.frontier_level = pyo.Param(initialize=1.0, mutable=True, doc="dependence cap, share")
    m.frontier_slack = pyo.Var(m.FRONTIER_YEARS, within=pyo.NonNegativeReals)

    def cap(_m, t):
        parts = [(w, net_imports_expr(m, metal, t)) for metal, w in spec.weights]
        imports = quicksum(w * ni for w, ni in parts)
        used = quicksum(
            w * consumption_expr(m, data, metal, t, ni)
            for (metal, w), (_, ni) in zip(spec.weights, parts, strict=True)
        )
        return imports + m.frontier_slack[t] == m.frontier_level * used

    m.frontier_cap = pyo.Constraint(m.FRONTIER_YEARS, rule=cap)
    m.objective.deactivate()
    m.frontier_objective = pyo.Objective(
        expr=m.objective.expr - spec.augmentation * quicksum(m.frontier_slack[t] for t in years),
        sense=pyo.minimize,
    )
