"""The reference plan and what the security policy adds to the least-cost plan.

The whole-system cost of a plan (trillions of USD for a country's iron, copper and
lithium) is not the price of security: most of it is paid with or without a policy. What
a ministry asks is the difference. Every run therefore also solves the *reference plan*:
the same case and the same built model with the security constraints switched off
(:data:`SECURITY_CONSTRAINTS`: dependence caps, regional-concentration and hinterland
shares, supplier caps). Reserve targets stay in both: they are holdings the case asks
for, not a way to cut imports, and removing them would credit the policy with their cost.

``unmet_demand`` is the value of lost supply, a signal that demand cannot be met, not a
cost: it is left out of every cost compared here and reported apart as curtailment.
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd
import pyomo.core as pyo

from msc_model.data import ModelData
from msc_model.errors import MscError
from msc_model.indicators import dependence
from msc_model.model import PLAN_TERMS
from msc_model.results import Results

#: constraint families that make up the security policy (switched off for the reference)
SECURITY_CONSTRAINTS = (
    "dependence_cap",
    "region_share_limit",
    "hinterland_share_minimum",
    "supplier_share_limit",
)
#: curtailment below this (kt over the horizon) is solver noise, not a shortfall
CURTAILMENT_TOLERANCE = 1e-3


def plan_cost(results: Results) -> float:
    """Discounted cost of a plan (MUSD): every cost term except the value of lost supply."""
    costs = results.costs
    return float(costs.loc[costs["term"].isin(PLAN_TERMS), "discounted"].sum())


def curtailed(results: Results) -> float:
    """Demand left unmet over the horizon, kt (0 for a plan that meets all demand)."""
    total = float(results.unmet["value"].sum())
    return total if total > CURTAILMENT_TOLERANCE else 0.0


@dataclass(frozen=True)
class PolicyCost:
    """What the security constraints add, against the reference plan without them."""

    plan_cost: float  # MUSD, present value, without the value of lost supply
    reference_cost: float | None  # None: no reference (no policy, or it failed)
    curtailed: float  # kt over the horizon in the plan
    imports_avoided: pd.Series  # metal → kt over the horizon (net imports, dependence basis)
    note: str = ""  # why there is no reference
    #: the security constraint families that bind in the plan (a nonzero dual somewhere),
    #: in SECURITY_CONSTRAINTS order: what the extra cost pays for
    binding: tuple[str, ...] = ()

    @property
    def extra_cost(self) -> float | None:
        if self.reference_cost is None:
            return None
        return self.plan_cost - self.reference_cost

    @property
    def extra_share(self) -> float | None:
        if self.reference_cost is None or abs(self.reference_cost) < 1e-9:
            return None
        return self.extra_cost / self.reference_cost


def security_components(model: pyo.ConcreteModel) -> list:
    """The security constraint families of ``model`` that have at least one row."""
    found = []
    for name in SECURITY_CONSTRAINTS:
        component = getattr(model, name, None)
        if component is not None and len(component) and component.active:
            found.append(component)
    return found


@dataclass(frozen=True)
class ReferencePlan:
    """What the comparison needs of the reference plan (its full tables are not kept:
    at provincial size they would double the run's memory)."""

    plan_cost: float  # MUSD, present value, without the value of lost supply
    curtailed: float  # kt over the horizon
    net_imports: pd.Series  # metal → kt over the horizon (dependence basis)

    @classmethod
    def of(cls, model: pyo.ConcreteModel, data: ModelData, objective: float) -> ReferencePlan:
        """Read from the solved model's variables (no tables: cheap at any size).

        ``plan_cost = objective − Σ_t DF[t] · Σ unmet_demand_penalty[m] · unmet_demand``;
        net imports as the dependence indicator counts them: imports − exports of the
        counted forms, plus stock draws − fills, summed over the horizon.
        """
        inc = model.incidence
        unmet = model.unmet_demand.extract_values()
        penalty = sum(
            inc.discount[t] * data.get("unmet_demand_penalty", (metal,)) * (value or 0.0)
            for (metal, _r, t), value in unmet.items()
        )
        total = sum(value or 0.0 for value in unmet.values())
        net = dict.fromkeys(data.metals, 0.0)
        for (metal, form, _o, _r, _t), value in model.imports.extract_values().items():
            if form in inc.counted[metal]:
                net[metal] += value or 0.0
        for (metal, form, _r, _t), value in model.exports.extract_values().items():
            if form in inc.counted[metal]:
                net[metal] -= value or 0.0
        draws, fills = model.draw.extract_values(), model.fill.extract_values()
        for (metal, r, t), value in draws.items():
            net[metal] += (value or 0.0) - (fills[metal, r, t] or 0.0)
        return cls(
            objective - penalty,
            total if total > CURTAILMENT_TOLERANCE else 0.0,
            pd.Series(net, dtype=float),
        )


def solve_reference(
    model: pyo.ConcreteModel,
    data: ModelData,
    profile: str = "default",
    time_limit: float | None = None,
) -> tuple[ReferencePlan | None, str]:
    """The reference plan of a model just solved with ``solve(..., keep=True)``.

    The kept HiGHS instance is re-solved with the security rows free, warm from the
    plan's optimal basis (:func:`~msc_model.solver.relaxed_solve`), and freed once the
    reference answer is loaded; the plan's own answer is loaded back into the model on
    the way out. Returns the reference plan's figures, or ``None`` with the reason.
    """
    from msc_model.solver import relaxed_solve  # the solver door; imported late (lean start-up)

    switched = security_components(model)
    if not switched:
        return None, "the case has no dependence caps or security shares"
    try:
        with relaxed_solve(model, switched, profile, time_limit=time_limit, free=True) as outcome:
            return ReferencePlan.of(model, data, outcome.objective), ""
    except LookupError:
        return None, "the plan was not solved through the direct hand-off"
    except MscError as exc:  # the plan stands without it; say why the comparison is missing
        return None, f"the reference plan could not be solved: {exc}"


#: a dual smaller than this (PV MUSD per unit of the row) is a slack row
BINDING_DUAL = 1e-7


def binding_families(model: pyo.ConcreteModel) -> tuple[str, ...]:
    """The security constraint families with a nonzero dual in the model's loaded answer."""
    duals = getattr(model, "dual", {})
    found = []
    for name in SECURITY_CONSTRAINTS:
        component = getattr(model, name, None)
        if component is None or not component.active:
            continue
        if any(abs(duals.get(row, 0.0) or 0.0) > BINDING_DUAL for row in component.values()):
            found.append(name)
    return tuple(found)


def policy_cost(
    results: Results,
    data: ModelData,
    reference: ReferencePlan | None,
    note: str = "",
    binding: tuple[str, ...] = (),
) -> PolicyCost:
    """Compare the plan with its reference (``None``: no comparison, ``note`` says why);
    ``binding`` names the security families that bind (:func:`binding_families`)."""
    plan_net = dependence(results, data).groupby("metal", sort=False)["net_imports"].sum()
    if reference is None:
        none = plan_net * 0.0
        return PolicyCost(plan_cost(results), None, curtailed(results), none, note, binding)
    return PolicyCost(
        plan_cost(results),
        reference.plan_cost,
        curtailed(results),
        (reference.net_imports - plan_net).reindex(list(data.metals), fill_value=0.0),
        binding=binding,
    )
