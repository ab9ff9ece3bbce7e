"""The shock-aware plan: one two-stage stochastic LP over the workbook's shock scenarios.

One Pyomo model holds a copy of the supply-chain model per scenario ``s`` (a sub-block built
by :func:`~msc_model.resilience.model.build_shocked_model` from the scenario's shocked
data, its own objective deactivated) and a master copy of the shared decisions:

- **first stage**, shared by all scenarios: ``new_capacity``, ``new_storage``
  (``build_link``: ``x_s = x_master``);
- **reserve levels before the shock**, shared: ``stock_s[m,r,t] = stock_master[m,r,t]`` for
  every year before scenario s's first shock (``history_link``); nobody knows which
  scenario is coming until it starts;
- **operations** from the first shock on: per scenario (with the scenario's peacetime
  rules released in its shock years, as in a stress test).

``objective = Σ_s p_s · cost_s + λ · risk``, with ``risk`` one of

- ``expected``: nothing (λ unused);
- ``cvar``: ``η + 1/(1 − α) · Σ_s p_s · u_s`` with ``u_s ≥ L_s − η``, ``u_s ≥ 0``;
- ``worst``: ``z`` with ``z ≥ L_s`` for every scenario with p_s > 0,

where ``L_s = Σ_{m,r,t} v_m · unmet_demand_s`` is scenario s's value of lost supply (MUSD,
undiscounted; ``v_m`` the metal's ``unmet_demand_penalty``) and λ a pure number: tonnes of
iron and of lithium cannot be added, their lost value can (a kt of lithium unmet is worth
hundreds of kt of iron unmet). Because a stress test
(:mod:`msc_model.resilience.stress`) fixes exactly the first stage and the history, the
scenario blocks are the stress tests of the plan this model returns, and the expected cost
of any other plan's stress tests is at least this model's optimum.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Sequence
from dataclasses import dataclass

import pyomo.core as pyo
from pyomo.core.util import quicksum

from msc_model.data import ModelData
from msc_model.errors import InputError, Problem
from msc_model.resilience.model import FIRST_STAGE, build_shocked_model, history
from msc_model.resilience.plan import Plan
from msc_model.resilience.shocks import (
    ShockScenario,
    apply_shocks,
    first_year,
    scenario_shocks,
)
from msc_model.results import Results, extract_results
from msc_model.solver import SolveOutcome, solve

RISKS = ("expected", "cvar", "worst")
PROBABILITY_TOLERANCE = 1e-6


@dataclass
class RobustResult:
    """The solved two-stage model."""

    plan: Plan  # master builds, and the stock path shared before the shocks
    objective: float  # expected cost (+ λ · risk), MUSD present value
    probabilities: dict[str, float]
    scenarios: dict[str, Results]  # each scenario's operations
    outcome: SolveOutcome
    model: pyo.ConcreteModel
    risk: str = "expected"

    @property
    def expected_unmet(self) -> float:
        """Σ_s p_s · total unmet demand of scenario s (kt)."""
        return sum(
            p * float(self.scenarios[s].unmet["value"].sum()) for s, p in self.probabilities.items()
        )


def build_robust_model(
    data: ModelData,
    scenarios: Sequence[ShockScenario] | None = None,
    *,
    risk: str = "expected",
    weight: float = 0.0,
    alpha: float = 0.9,
) -> pyo.ConcreteModel:
    """The two-stage LP (not solved). ``m.scenario_names`` maps each block name to its
    scenario, ``m.scenario_data`` to its shocked ModelData.

    Raises
    ------
    InputError
        No scenarios, probabilities that do not sum to 1, or a bad risk option.
    """
    scenarios = list(data.shock_scenarios if scenarios is None else scenarios)
    _check(data, scenarios, risk, weight, alpha)
    m = pyo.ConcreteModel(name="msc_robust")
    m.scenario_names, m.scenario_data, m.probability = {}, {}, {}
    blocks = []
    for number, scenario in enumerate(scenarios):
        shocks = scenario_shocks(data, scenario)
        shocked = apply_shocks(data, shocks)
        block = build_shocked_model(shocked)
        block.objective.deactivate()
        name = _block_name(scenario.name, number)
        m.add_component(name, block)
        m.scenario_names[name], m.scenario_data[name] = scenario, shocked
        m.probability[name] = scenario.probability
        blocks.append((name, block, first_year(shocks)))

    first = blocks[0][1]
    for var_name in FIRST_STAGE:
        template = getattr(first, var_name)
        master = pyo.Var(list(template), within=pyo.NonNegativeReals)
        m.add_component(f"master_{var_name}", master)
    m.master_stock = pyo.Var(list(first.stock), within=pyo.NonNegativeReals)
    m.build_link = pyo.ConstraintList(doc="first stage: every scenario builds the same")
    m.history_link = pyo.ConstraintList(doc="stock before a scenario's first shock is shared")
    for _name, block, t0 in blocks:
        for var_name in FIRST_STAGE:
            master = getattr(m, f"master_{var_name}")
            for index, var in getattr(block, var_name).items():
                m.build_link.add(var == master[index])
        for index, var in history(block, t0):
            m.history_link.add(var == m.master_stock[index])

    expected = quicksum(m.probability[n] * b.objective.expr for n, b, _ in blocks)
    m.expected_cost = pyo.Expression(expr=expected)
    m.risk_term = pyo.Expression(expr=_risk(m, blocks, risk, alpha))
    m.objective = pyo.Objective(expr=m.expected_cost + weight * m.risk_term, sense=pyo.minimize)
    m.linked_years = {n: t0 for n, _, t0 in blocks}
    return m


def lost_value(block, data: ModelData):
    """``Σ_{m,r,t} v_m · unmet_demand[m,r,t]``: a scenario's value of lost supply (MUSD,
    undiscounted), the loss its risk measure weighs."""
    return quicksum(
        data.get("unmet_demand_penalty", (metal,)) * var
        for (metal, _r, _t), var in block.unmet_demand.items()
    )


def _risk(m: pyo.ConcreteModel, blocks, risk: str, alpha: float):
    """The risk measure of the value of lost supply (MUSD), as an expression (0 for
    ``expected``)."""
    if risk == "expected":
        return 0.0
    loss = {n: lost_value(b, m.scenario_data[n]) for n, b, _ in blocks}
    names = [n for n, _, _ in blocks if m.probability[n] > 0]
    if risk == "worst":
        m.worst_unmet = pyo.Var(within=pyo.NonNegativeReals)
        m.worst_bound = pyo.Constraint(names, rule=lambda _m, n: m.worst_unmet >= loss[n])
        return m.worst_unmet
    m.var_unmet = pyo.Var(within=pyo.Reals, doc="value at risk of lost supply, MUSD")
    m.excess_unmet = pyo.Var(names, within=pyo.NonNegativeReals)
    m.cvar_bound = pyo.Constraint(
        names, rule=lambda _m, n: m.excess_unmet[n] >= loss[n] - m.var_unmet
    )
    tail = quicksum(m.probability[n] * m.excess_unmet[n] for n in names)
    return m.var_unmet + tail / (1.0 - alpha)


def solve_robust(
    data: ModelData,
    scenarios: Sequence[ShockScenario] | None = None,
    *,
    risk: str = "expected",
    weight: float = 0.0,
    alpha: float = 0.9,
    profile: str = "default",
) -> RobustResult:
    """Build and solve the two-stage model; the shock-aware plan and each scenario.

    The plan's stock path covers the years shared by all scenarios' histories (every year
    when a scenario without shocks is listed); a stress test completes the rest.
    """
    m = build_robust_model(data, scenarios, risk=risk, weight=weight, alpha=alpha)
    outcome = solve(m, profile)
    results = {}
    for name, scenario in m.scenario_names.items():
        block = getattr(m, name)
        own = dataclasses.replace(outcome, objective=pyo.value(block.objective.expr))
        results[scenario.name] = extract_results(block, m.scenario_data[name], own)
    linked = [t0 for t0 in m.linked_years.values()]
    last = None if any(t0 is None for t0 in linked) else max(linked)
    plan = Plan(
        "shock-aware",
        _positive(m.master_new_capacity),
        _positive(m.master_new_storage),
        {
            k: max(0.0, v or 0.0)
            for k, v in m.master_stock.extract_values().items()
            if last is None or k[-1] < last
        },
        data.source,
    )
    return RobustResult(
        plan,
        float(outcome.objective),
        {s.name: s.probability for s in m.scenario_names.values()},
        results,
        outcome,
        m,
        risk,
    )


def _positive(var: pyo.Var) -> dict[tuple, float]:
    return {k: v for k, v in var.extract_values().items() if v is not None and v > 1e-9}


def _block_name(name: str, number: int) -> str:
    return f"scenario_{number}_" + re.sub(r"\W+", "_", name)[:40]


def _check(data, scenarios, risk: str, weight: float, alpha: float) -> None:
    problems = []
    if not scenarios:
        problems.append(
            Problem("shock_scenarios", "", "no scenarios", "at least one scenario row",
                    "a shock-aware plan needs the shock_scenarios sheet")
        )  # fmt: skip
    names = [s.name for s in scenarios]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        problems.append(
            Problem("shock_scenarios", "", f"scenario {twice[0]!r} twice", "unique names")
        )
    if any(s.probability < 0 for s in scenarios):
        problems.append(Problem("shock_scenarios", "", "a negative probability", "0 to 1"))
    total = sum(s.probability for s in scenarios)
    if scenarios and abs(total - 1.0) > PROBABILITY_TOLERANCE:
        problems.append(
            Problem("shock_scenarios", "", f"probabilities summing to {total:g}", "a sum of 1")
        )
    if risk not in RISKS:
        problems.append(Problem("--risk", "", f"'{risk}'", " or ".join(RISKS)))
    if weight < 0:
        problems.append(Problem("--risk-weight", "", f"{weight:g}", "a weight ≥ 0"))
    if not 0.0 <= alpha < 1.0:
        problems.append(Problem("--alpha", "", f"{alpha:g}", "a level in [0, 1)"))
    if problems:
        raise InputError(problems, data.source)
