"""Re-solves pass on only the Params that changed (``msc_model.solver.updates``).

A tiny LP with a mutable Param in each place Pyomo's persistent HiGHS interface keeps a
helper for (matrix coefficient, row bound, variable bound, objective coefficient and
constant): after changing one Param, the selective push updates only that Param's
helpers and the re-solve equals a fresh solve of the changed LP.
"""

from __future__ import annotations

import pyomo.environ as pyo
import pytest
from pyomo.contrib.solver.solvers.highs import Highs

from msc_model.solver.updates import changed_params_for


def _lp() -> pyo.ConcreteModel:
    """min cost·x + 2·y + fixed  s.t.  a·x + y ≥ need,  x ≤ cap,  x, y ≥ 0."""
    m = pyo.ConcreteModel()
    m.cost = pyo.Param(initialize=1.0, mutable=True)
    m.a = pyo.Param(initialize=1.0, mutable=True)
    m.need = pyo.Param(initialize=10.0, mutable=True)
    m.cap = pyo.Param(initialize=4.0, mutable=True)
    m.fixed = pyo.Param(initialize=5.0, mutable=True)
    m.x = pyo.Var(bounds=(0, m.cap))
    m.y = pyo.Var(bounds=(0, None))
    m.meet = pyo.Constraint(expr=m.a * m.x + m.y >= m.need)
    m.obj = pyo.Objective(expr=m.cost * m.x + 2 * m.y + m.fixed)
    return m


def _fresh_objective(changes: dict[str, float]) -> float:
    m = _lp()
    for name, value in changes.items():
        getattr(m, name).set_value(value)
    return Highs().solve(m).incumbent_objective


def _prepared() -> tuple[pyo.ConcreteModel, Highs]:
    m = _lp()
    solver = Highs()
    solver.config.auto_updates.update_parameters = False
    solver.solve(m)
    return m, solver


@pytest.mark.parametrize(
    ("name", "value"),
    [("cost", 3.0), ("a", 2.0), ("need", 20.0), ("cap", 1.0), ("fixed", -7.0)],
)
def test_one_changed_param_is_pushed_alone(name, value):
    m, solver = _prepared()
    pusher = changed_params_for(solver)
    assert pusher is not None and len(pusher) == 5  # every Param found in its helper

    assert pusher.push() == 0  # nothing changed: no helper runs
    getattr(m, name).set_value(value)
    assert pusher.push() == 1  # each Param sits in exactly one helper here
    got = solver.solve(m).incumbent_objective
    assert got == pytest.approx(_fresh_objective({name: value}))
    assert pusher.push() == 0  # already passed on


def test_without_a_push_highs_keeps_the_old_lp():
    """The control: with updates off and no push, a change does not reach HiGHS, so
    the push above is what carries it (the test could fail)."""
    m, solver = _prepared()
    before = solver.solve(m).incumbent_objective
    m.need.set_value(20.0)
    assert solver.solve(m).incumbent_objective == pytest.approx(before)
    assert _fresh_objective({"need": 20.0}) != pytest.approx(before)


def test_several_changes_then_one_push():
    m, solver = _prepared()
    pusher = changed_params_for(solver)
    changes = {"cost": 0.5, "cap": 8.0, "need": 6.0}
    for name, value in changes.items():
        getattr(m, name).set_value(value)
    assert pusher.push() == 3
    assert solver.solve(m).incumbent_objective == pytest.approx(_fresh_objective(changes))


def test_an_interface_without_the_helpers_falls_back():
    class Bare:
        pass

    assert changed_params_for(Bare()) is None
