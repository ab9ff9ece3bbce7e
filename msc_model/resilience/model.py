"""The model of one shock scenario, and what stress tests and two-stage plans fix or link.

``build_model`` already reads the limits of applied shocks (``data.disruption``); this module
adds what it cannot: import price factors, and the release of peacetime rules for a metal
in the years a shock hits it (``data.disruption.released``; a shock with a blank metal, or
a corridor cut, hits every metal):

- the **reserve minimum** may be undershot, from the metal's first shock year to the end
  of the horizon: drawing the reserve down is what it is for, and it is rebuilt when supply
  allows. Each kt·year below the minimum is charged :data:`RELEASE_CHARGE` × the
  unmet-demand penalty (added to the ``unmet_demand`` cost term): far less than a shortage,
  so the reserve is drawn before demand goes unmet and rebuilt before demand is cut, but
  more than the gain of postponing a purchase, so it is not drawn merely because the
  discount rate rewards buying later;
- the **dependence cap** and the **supplier share limits** do not bind: they are planning
  rules for normal years, and in a crisis the country buys what it can from whom it can.

Capacity rules (regional concentration, hinterland share) stay: they constrain the plan,
which a shock does not change.

The decisions shared by every scenario (the *first stage*) are the builds, ``new_capacity``
and ``new_storage``. The reserve levels are shared too, but only before a scenario's first
shock: until then nobody knows which scenario is coming (*history*). Everything else is
re-optimised per scenario.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping

import pyomo.core as pyo
from pyomo.core.util import quicksum

from msc_model.data import ModelData
from msc_model.errors import InputError, Problem
from msc_model.model import build_model
from msc_model.model.sets import outlook
from msc_model.resilience.plan import Plan

#: rules switched off for a hit metal in shock years (the reserve minimum is softened)
RELEASED = ("dependence_cap", "supplier_share_limit")
#: charge per kt·year below the reserve minimum, as a share of the unmet-demand penalty
RELEASE_CHARGE = 0.1
FIRST_STAGE = ("new_capacity", "new_storage")
#: a value this far outside a variable's bounds is an error, not rounding
_BOUND_TOLERANCE = 1e-6


def build_shocked_model(data: ModelData) -> pyo.ConcreteModel:
    """``build_model`` plus the price factors and peacetime-rule release of applied shocks.

    Use it instead of ``build_model`` for any data that went through
    :func:`msc_model.resilience.shocks.apply_shocks`; for plain data both are the same.
    """
    m = build_model(data)
    add_price_factors(m, data)
    release_rules(m, data, data.disruption.released)
    return m


def add_price_factors(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Add ``(factor − 1) · import_price · (1 + risk_premium) · imports`` to ``cost_imports``
    in the years a price shock acts (so the cost tables and the objective both see it)."""
    factors = data.disruption.import_price_factor
    if not factors:
        return
    extra: dict[int, list] = {}
    index = outlook(data, "price_index")
    for metal, k, o, r in m.incidence.import_arcs:
        for t in m.incidence.years:
            factor = factors.get((metal, k, o, t), 1.0)
            if factor != 1.0:
                premium = (1.0 + data.get("risk_premium", (o,))) * index.get((metal, k, t), 1.0)
                extra.setdefault(t, []).append(
                    (
                        (factor - 1.0) * premium,
                        m.imports[metal, k, o, r, t],
                        m.import_price[metal, k, o],
                    )
                )
    for t, rows in extra.items():
        m.cost_rows.extend(m, "imports", t, rows)


def release_rules(
    m: pyo.ConcreteModel, data: ModelData, released: frozenset[tuple[str, int]]
) -> int:
    """Release the peacetime rules for the (metal, year) pairs in ``released``: switch off
    :data:`RELEASED` rows in those years and soften the reserve minimum from each metal's
    first released year on (``reserve_shortfall``, charged). Returns how many rows."""
    count = 0
    for name in RELEASED:
        component = getattr(m, name)
        for index in component:
            if (index[0], index[-1]) in released and component[index].active:
                component[index].deactivate()
                count += 1
    start: dict[str, int] = {}
    for metal, t in released:
        start[metal] = min(t, start.get(metal, t))
    soft = [
        i
        for i in m.reserve_minimum
        if i[0] in start and i[-1] >= start[i[0]] and m.reserve_minimum[i].active
    ]
    if not soft:
        return count
    m.reserve_shortfall = pyo.Var(soft, within=pyo.NonNegativeReals, doc="kt below minimum")

    def softened(_m, metal, r, t):
        days = data.get("reserve_days", (metal, r))
        national = quicksum(m.demand[metal, rr, t] for rr in data.regions)
        return m.stock[metal, r, t] + m.reserve_shortfall[metal, r, t] >= days / 365.0 * national

    m.reserve_minimum_softened = pyo.Constraint(soft, rule=softened)
    by_year: dict[int, list] = {}
    for index in soft:
        m.reserve_minimum[index].deactivate()
        charge = RELEASE_CHARGE * data.get("unmet_demand_penalty", index[:1])
        by_year.setdefault(index[-1], []).append((charge, m.reserve_shortfall[index], None))
    for t, rows in by_year.items():
        m.cost_rows.extend(m, "unmet_demand", t, rows)
    return count + len(soft)


def history(m: pyo.ConcreteModel, until: int | None) -> Iterator[tuple[tuple, pyo.Var]]:
    """(index, stock variable) for the years before ``until`` (all years when None)."""
    for index, var in m.stock.items():
        if until is None or index[-1] < until:
            yield index, var


def fix_plan(m: pyo.ConcreteModel, plan: Plan, until: int | None) -> None:
    """Fix the builds to the plan's and the stock before ``until`` to its reserve levels.

    Raises
    ------
    InputError
        A plan value outside what the case allows (a build where none is possible, above
        ``max_build``, or a stock above the storage it built): the plan belongs to
        another workbook.
    """
    problems: list[Problem] = []
    _fix(m.new_capacity, plan.new_capacity, problems, plan)
    _fix(m.new_storage, plan.new_storage, problems, plan)
    for index, var in history(m, until):
        if index in plan.stock:
            var.fix(max(0.0, plan.stock[index]))
    if problems:
        raise InputError(problems, plan.source or plan.name)


def _fix(var: pyo.Var, values: Mapping[tuple, float], problems: list[Problem], plan) -> None:
    for index in values:
        if index not in var and abs(values[index]) > _BOUND_TOLERANCE:
            problems.append(_misfit(plan, var.name, index, "a build this case allows"))
    for index, data in var.items():
        value = values.get(index, 0.0)
        low, high = data.lb, data.ub
        if (low is not None and value < low - _BOUND_TOLERANCE) or (
            high is not None and value > high + _BOUND_TOLERANCE
        ):
            problems.append(_misfit(plan, var.name, index, f"a value in [{low}, {high}]"))
            continue
        value = max(value, low) if low is not None else value
        data.fix(min(value, high) if high is not None else value)


def _misfit(plan: Plan, name: str, index: tuple, expected: str) -> Problem:
    where = ", ".join(str(i) for i in index)
    return Problem(
        "Capacity", "", f"{name} for ({where}) in plan '{plan.name}'", expected,
        "the plan was made with another workbook",
    )  # fmt: skip
