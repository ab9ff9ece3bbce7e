"""Diagnosis of an infeasible model: an irreducible infeasible subset, a feasibility relaxation.

Both work on the LP that HiGHS was given by the model's last :func:`~msc_model.solver.solve`
(either route), copied into fresh HiGHS instances so the model's own is left alone.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import highspy
import numpy as np
import pyomo.core as pyo
from pyomo.common.tee import capture_output
from pyomo.contrib.solver.solvers.highs import Highs

from msc_model.solver.core import _SOLVERS
from msc_model.solver.direct import DirectLP

# -- diagnosis of an infeasible model ---------------------------------------------------------
# HiGHS's own IIS search (iis_strategy) runs a deletion filter over every row: ~8 s on the
# default case. An elastic filter first (a few feasibility relaxations, each hardening the
# rows it had to stretch) leaves a few dozen rows whose sub-LP is infeasible on its own, and
# the deletion filter on that sub-LP takes milliseconds. Strategy 2 (HiGHS's own elastic
# filter) crashes highspy 1.16.0 on our LPs, so only the deletion filter (4) is used.
IIS_STRATEGY = int(highspy.IisStrategy.kIisStrategyIrreducible)
_ELASTIC_ROUNDS = 50
_BOUND_STATUS = {2: "lower", 3: "upper", 4: "both"}  # IisBoundStatus; 1 (free) is no bound


@dataclass(frozen=True)
class IisMember:
    """One row or variable bound of an irreducible infeasible subset, by Pyomo name."""

    component: str  # "reserve_minimum", "storage_capacity", ...
    index: tuple
    kind: str  # "constraint" or "variable"
    bound: str  # "lower", "upper" or "both" (an equality row)


@dataclass(frozen=True)
class Violation:
    """A row or bound the feasibility relaxation had to cross, and by how much."""

    component: str
    index: tuple
    kind: str  # "constraint" or "variable"
    bound: str  # the side crossed: "lower" or "upper"
    limit: float  # the bound in the model
    value: float  # the row activity or variable value in the relaxed plan

    @property
    def amount(self) -> float:
        return abs(self.value - self.limit)


@dataclass
class Relaxation:
    """The plan that crosses the relaxable rows and bounds the least (sum of crossings)."""

    violations: list[Violation]
    values: dict[tuple[str, tuple], float]  # (variable, index) -> value in that plan


def _name(component_data) -> tuple[str, tuple]:
    index = component_data.index()
    return component_data.parent_component().name, index if isinstance(index, tuple) else (
        (index,) if index is not None else ()
    )


def _lp_view(model: pyo.ConcreteModel):
    """The LP HiGHS holds for ``model`` and the (component, index) of each row and column."""
    solver = _SOLVERS.get(model)
    highs = getattr(solver, "_solver_model", None)
    if highs is None or isinstance(solver, DirectLP):
        # The elastic filter and HiGHS's deletion filter find *an* IIS, which depends on
        # the order of columns; the persistent interface's order (first use in a row)
        # gives the earliest-year contradiction on our cases, so diagnosis (a rare path,
        # not a timed one) hands the model over that way. (No instance at all: a solve
        # that ended optimal frees its own.)
        solver = Highs()
        with capture_output(capture_fd=True):
            solver.set_instance(model)
        highs = solver._solver_model
    lp = highs.getLp()
    rows: list = [None] * lp.num_row_
    for con, i in solver._pyomo_con_to_solver_con_map.items():
        rows[i] = _name(con)
    cols: list = [None] * lp.num_col_
    for var_id, j in solver._pyomo_var_to_solver_var_map.items():
        cols[j] = _name(solver._vars[var_id][0])
    return lp, rows, cols


def _fresh(lp, time_limit: float) -> highspy.Highs:
    with capture_output(capture_fd=True):  # the banner goes to fd 1
        highs = highspy.Highs()
        highs.setOptionValue("output_flag", False)
        highs.setOptionValue("time_limit", float(time_limit))
        highs.passModel(lp)
    return highs


def _activity(lp, x: np.ndarray) -> np.ndarray:
    """Row activities A·x, recomputed rather than trusted from a relaxation's solution."""
    a = lp.a_matrix_
    start, index, value = (np.asarray(v) for v in (a.start_, a.index_, a.value_))
    if a.format_ == highspy.MatrixFormat.kColwise:
        col = np.repeat(np.arange(lp.num_col_), np.diff(start))
        return np.bincount(index, weights=value * x[col], minlength=lp.num_row_)
    row = np.repeat(np.arange(lp.num_row_), np.diff(start))
    return np.bincount(row, weights=value * x[index], minlength=lp.num_row_)


def _crossed(low: np.ndarray, up: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Masks of values below ``low`` / above ``up`` beyond a tolerance relative to the bound."""

    def tol(bound):
        return 1e-6 * np.maximum(1.0, np.abs(np.where(np.isfinite(bound), bound, 0.0)))

    return low - v > tol(low), v - up > tol(up)


def _relax(highs: highspy.Highs, lp, soft_rows, soft_low, soft_up):
    """Minimise the total crossing of the soft rows and bounds; hard ones must hold.

    Returns the masks crossed ``(rows_low, rows_up, cols_low, cols_up)`` and the plan, or
    None when the hard rows and bounds alone are infeasible. HiGHS answers that case with
    status ok and an arbitrary point, so the answer is checked against the hard set.
    """

    def penalty(mask):
        return np.where(mask, 1.0, -1.0)  # a negative penalty: that bound stays hard

    with capture_output(capture_fd=True):
        status = highs.feasibilityRelaxation(
            1.0, 1.0, 1.0, penalty(soft_low), penalty(soft_up), penalty(soft_rows)
        )
    solution = highs.getSolution()
    if status == highspy.HighsStatus.kError or not solution.value_valid:
        return None
    x = np.asarray(solution.col_value, dtype=float)
    row_low, row_up = _crossed(
        np.asarray(lp.row_lower_), np.asarray(lp.row_upper_), _activity(lp, x)
    )
    col_low, col_up = _crossed(np.asarray(lp.col_lower_), np.asarray(lp.col_upper_), x)
    hard_broken = (
        ((row_low | row_up) & ~soft_rows).any()
        or (col_low & ~soft_low).any()
        or (col_up & ~soft_up).any()
    )
    return None if hard_broken else (row_low, row_up, col_low, col_up, x)


def _iis_members(iis, rows, cols, row_ids, col_ids) -> list[IisMember]:
    members = []
    for i, status in zip(iis.row_index_, iis.row_bound_, strict=True):
        if int(status) in _BOUND_STATUS:
            members.append(IisMember(*rows[row_ids[i]], "constraint", _BOUND_STATUS[int(status)]))
    for j, status in zip(iis.col_index_, iis.col_bound_, strict=True):
        if int(status) in _BOUND_STATUS:
            members.append(IisMember(*cols[col_ids[j]], "variable", _BOUND_STATUS[int(status)]))
    return members


def _get_iis(highs: highspy.Highs):
    highs.setOptionValue("iis_strategy", IIS_STRATEGY)
    with capture_output(capture_fd=True):
        status, iis = highs.getIis()
    if status == highspy.HighsStatus.kError or not iis.valid_:
        return None
    return iis if (len(iis.row_index_) or len(iis.col_index_)) else None


def compute_iis(model: pyo.ConcreteModel, *, time_limit: float = 120.0) -> list[IisMember]:
    """An irreducible infeasible subset of an infeasible model's rows and variable bounds.

    Removing any one member makes the rest feasible, so together they are one precise
    contradiction in the data. Call it after :func:`solve` raised :class:`InfeasibleError`
    (the LP handed to HiGHS by that solve is examined; the model is not changed).

    Parameters
    ----------
    model
        An infeasible model (typically one whose solve raised InfeasibleError).
    time_limit
        Seconds for each HiGHS call (the relaxations and the IIS search).

    Returns
    -------
    list of IisMember
        Empty when HiGHS finds the model feasible (so infeasibility was not proven, e.g. an
        unbounded model).
    """
    lp, rows, cols = _lp_view(model)
    n_row, n_col = lp.num_row_, lp.num_col_
    highs = _fresh(lp, time_limit)
    # elastic filter: rows stretched by a relaxation are hardened until none can stretch
    soft = np.ones(n_row, dtype=bool)
    hard_bounds = np.zeros(n_col, dtype=bool)
    found = False
    for _ in range(_ELASTIC_ROUNDS):
        relaxed = _relax(highs, lp, soft, hard_bounds, hard_bounds)
        if relaxed is None:
            found = True  # the hardened rows contradict each other (with the bounds)
            break
        row_low, row_up = relaxed[:2]
        stretched = (row_low | row_up) & soft
        if not stretched.any():
            break  # a feasible point: the filter cannot help (numerical edge)
        soft &= ~stretched
    every_col = np.arange(n_col)
    if found:
        kept = np.flatnonzero(~soft)
        sub = _fresh(lp, time_limit)
        dropped = np.flatnonzero(soft).astype(np.int32)
        if len(dropped):
            sub.deleteRows(len(dropped), dropped)
        iis = _get_iis(sub)
        if iis is not None:
            return _iis_members(iis, rows, cols, kept, every_col)
    iis = _get_iis(_fresh(lp, time_limit))  # HiGHS on the whole LP: slower, always right
    return [] if iis is None else _iis_members(iis, rows, cols, np.arange(n_row), every_col)


def feasibility_relaxation(
    model: pyo.ConcreteModel,
    relax: Callable[[str, tuple, str], bool],
    *,
    time_limit: float = 120.0,
) -> Relaxation | None:
    """The least total crossing of the relaxable rows and bounds that makes the model feasible.

    Parameters
    ----------
    model
        A built model (typically one whose solve raised InfeasibleError).
    relax
        ``relax(component, index, side)`` says whether a row (``side == "constraint"``) or
        a finite variable bound (``side`` "lower" or "upper") may be crossed. Everything
        else must hold. Crossings are weighted one per unit (kt or kt/yr in this model).
    time_limit
        Seconds for the relaxation LP.

    Returns
    -------
    Relaxation or None
        None when no crossing of the relaxable items can make the model feasible.
    """
    lp, rows, cols = _lp_view(model)
    soft_rows = np.array([relax(*rows[i], "constraint") for i in range(lp.num_row_)], dtype=bool)
    low, up = np.asarray(lp.col_lower_), np.asarray(lp.col_upper_)
    soft_low = np.array(
        [bool(np.isfinite(low[j])) and relax(*cols[j], "lower") for j in range(lp.num_col_)],
        dtype=bool,
    )
    soft_up = np.array(
        [bool(np.isfinite(up[j])) and relax(*cols[j], "upper") for j in range(lp.num_col_)],
        dtype=bool,
    )
    relaxed = _relax(_fresh(lp, time_limit), lp, soft_rows, soft_low, soft_up)
    if relaxed is None:
        return None
    row_low, row_up, col_low, col_up, x = relaxed
    activity = _activity(lp, x)
    violations = []
    for mask, bounds, kind, side, names, values in (
        (row_low, lp.row_lower_, "constraint", "lower", rows, activity),
        (row_up, lp.row_upper_, "constraint", "upper", rows, activity),
        (col_low, lp.col_lower_, "variable", "lower", cols, x),
        (col_up, lp.col_upper_, "variable", "upper", cols, x),
    ):
        for i in np.flatnonzero(mask):
            violations.append(Violation(*names[i], kind, side, float(bounds[i]), float(values[i])))
    values = {cols[j]: float(x[j]) for j in range(lp.num_col_) if cols[j] is not None}
    return Relaxation(violations, values)
