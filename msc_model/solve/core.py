"""The solver door: the only module that imports solver machinery.

Solves a built model with HiGHS through Pyomo's persistent ``pyomo.contrib.solver``
interface, so that a sweep which changes mutable Params re-solves without handing the
whole model over again. Option profiles are plain ``key = value`` files in ``solvers/``
(shipped as the package ``msc_model.solvers``), validated against highspy before use:
HiGHS ignores an option value it does not know (``solver = hipo`` in a wheel built without
it) and Pyomo does not check, so an unchecked profile could silently run another
algorithm.
"""

from __future__ import annotations

import math
import re
import signal
import threading
import time
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

import highspy
import numpy as np
import pyomo.environ as pyo
from pyomo.common.tee import capture_output
from pyomo.contrib.solver.common.results import TerminationCondition
from pyomo.contrib.solver.solvers.highs import Highs

from msc_model.errors import InfeasibleError, SolveError

#: Pyomo termination → our short name
_TERMINATION = {
    TerminationCondition.convergenceCriteriaSatisfied: "optimal",
    TerminationCondition.provenInfeasible: "infeasible",
    TerminationCondition.locallyInfeasible: "infeasible",
    TerminationCondition.infeasibleOrUnbounded: "infeasible_or_unbounded",
    TerminationCondition.unbounded: "unbounded",
    TerminationCondition.maxTimeLimit: "time_limit",
    TerminationCondition.iterationLimit: "iteration_limit",
    TerminationCondition.objectiveLimit: "objective_limit",
    TerminationCondition.interrupted: "interrupted",
    TerminationCondition.error: "error",
}
_INFEASIBLE = {"infeasible", "infeasible_or_unbounded", "unbounded"}

#: HiGHS log lines worth surfacing: explicit warnings and scaling/range complaints
_WARNING = re.compile(r"warning|excessive|ill.?condition", re.IGNORECASE)
_RANGE = re.compile(r"^\s*(Matrix|Cost|Bound|RHS)\s*\[([0-9.e+-]+),\s*([0-9.e+-]+)\]")
#: a coefficient range wider than this (max/min) is reported as a scaling warning
RANGE_WARNING_RATIO = 1e8

# one persistent HiGHS interface per model, so a re-solve after a Param change only
# updates what changed; weak keys so a dropped model frees its solver
_SOLVERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


@dataclass
class SolveOutcome:
    """What a solve returned. Primal values and duals are loaded into the model only when
    ``termination == "optimal"`` (otherwise :func:`solve` raises)."""

    termination: str
    objective: float | None
    solve_seconds: float  # time inside HiGHS
    wall_seconds: float  # whole call: hand-over to HiGHS, solve, loading values
    profile: str
    options: dict[str, object]
    warnings: list[str] = field(default_factory=list)
    log: str = ""
    iterations: dict[str, int] = field(default_factory=dict)
    #: HiGHS's coefficient ranges of the LP: "matrix", "cost", "bound", "rhs" -> (min, max)
    ranges: dict[str, tuple[float, float]] = field(default_factory=dict)


def profile_path(name_or_path: str | Path) -> Path:
    """The profile file: an existing path, else ``solvers/<name>.txt`` in the package."""
    path = Path(name_or_path)
    if path.suffix == ".txt" and path.is_file():
        return path
    packaged = files("msc_model.solvers") / f"{name_or_path}.txt"
    if not packaged.is_file():
        available = sorted(
            p.name[:-4] for p in files("msc_model.solvers").iterdir() if p.name.endswith(".txt")
        )
        raise SolveError(f"no solver profile '{name_or_path}' (available: {', '.join(available)})")
    return Path(str(packaged))


def load_profile(name_or_path: str | Path) -> dict[str, object]:
    """Read and validate a HiGHS option profile.

    Parameters
    ----------
    name_or_path
        A profile name (``default``, ``ipm``, ``fast``) found in ``solvers/``, or the path
        of a ``.txt`` file with ``key = value`` lines and ``#`` comments.

    Returns
    -------
    dict
        Option name → typed value (as HiGHS parsed it).

    Raises
    ------
    SolveError
        Naming the file and line of an unknown option or a value HiGHS refuses.
    """
    path = profile_path(name_or_path)
    options: dict[str, object] = {}
    with capture_output(capture_fd=True):  # HiGHS prints its banner and complaints to fd 1
        checker = highspy.Highs()
        checker.setOptionValue("output_flag", False)
        for number, raw in enumerate(path.read_text().splitlines(), start=1):
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            where = f"{path.name} line {number}: '{raw.strip()}'"
            key, sep, value = (part.strip() for part in line.partition("="))
            if not sep or not key or not value:
                raise SolveError(f"{where}: expected 'option = value'")
            status = checker.setOptionValue(key, value)
            if status != highspy.HighsStatus.kOk:
                raise SolveError(
                    f"{where}: HiGHS refuses this option or value (unknown option, value out "
                    "of range, or a solver not compiled into this highspy build)"
                )
            options[key] = checker.getOptionValue(key)[1]
    return options


def _solver_for(model: pyo.ConcreteModel) -> Highs:
    solver = _SOLVERS.get(model)
    if solver is None:
        solver = Highs()
        _SOLVERS[model] = solver
    return solver


def prepare_resolve(model: pyo.ConcreteModel, *, threads: int = 1) -> None:
    """Set up ``model``'s persistent HiGHS interface for a sweep of Param-only changes.

    Before each re-solve Pyomo would otherwise rescan the whole model for new or removed
    constraints, variables and changed expressions; a sweep only changes mutable Params,
    so every scan except the parameter update is switched off. ``threads`` (default one
    HiGHS thread: sweep workers are processes of their own) is set unless the profile
    sets it. Call it once, after the build and before the first solve.
    """
    solver = _solver_for(model)
    updates = solver.config.auto_updates
    for name in (
        "check_for_new_or_removed_constraints",
        "check_for_new_or_removed_vars",
        "check_for_new_or_removed_params",
        "check_for_new_objective",
        "update_constraints",
        "update_vars",
        "update_named_expressions",
        "update_objective",
    ):
        setattr(updates, name, False)
    updates.update_parameters = True
    solver.config.threads = threads


def _scan_log(log: str) -> list[str]:
    """HiGHS warnings and coefficient ranges wider than :data:`RANGE_WARNING_RATIO`."""
    found = []
    for line in log.splitlines():
        text = line.strip()
        match = _RANGE.match(line)
        if match:
            low, high = float(match.group(2)), float(match.group(3))
            if low > 0 and high / low > RANGE_WARNING_RATIO:
                found.append(f"wide {match.group(1).lower()} range [{low:g}, {high:g}]: {text}")
        elif _WARNING.search(text) and not text.startswith("Running HiGHS"):
            found.append(text)
    return found


def _ranges(log: str) -> dict[str, tuple[float, float]]:
    """The "Coefficient ranges" HiGHS prints before solving, as numbers."""
    found = {}
    for line in log.splitlines():
        match = _RANGE.match(line)
        if match:
            found[match.group(1).lower()] = (float(match.group(2)), float(match.group(3)))
    return found


@contextmanager
def _ctrl_c_reraised() -> Iterator[None]:
    """Let Ctrl-C stop HiGHS and still reach the caller as ``KeyboardInterrupt``.

    Pyomo asks highspy to poll a Python callback for Ctrl-C; the ``KeyboardInterrupt``
    raised inside that callback stops HiGHS but is swallowed by the binding, and the solve
    ends as a plain "error". The signal is remembered here and raised again afterwards.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # signals are only delivered to the main thread
        return
    received: list[int] = []

    def handler(signum, _frame):
        received.append(signum)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:  # None: the old handler was not set from Python (embedded interpreters)
        signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)
    if received:
        raise KeyboardInterrupt


def solve(
    model: pyo.ConcreteModel,
    profile: str | Path = "default",
    *,
    verbose: bool = False,
    time_limit: float | None = None,
    strict: bool = False,
) -> SolveOutcome:
    """Solve ``model`` with HiGHS and load the optimal primal values and duals.

    Parameters
    ----------
    model
        A model from :func:`msc_model.model.build_model`. A second call on the same model
        reuses its persistent HiGHS instance (only changed Params are passed on).
    profile
        Name of a profile in ``solvers/`` or a path to one (see :func:`load_profile`).
    verbose
        Echo the HiGHS log to the terminal (it is captured in the outcome either way).
    time_limit
        Seconds; overrides the profile. Reset on every call because HiGHS counts its
        time limit over the life of one instance.
    strict
        Treat HiGHS warnings and coefficient ranges wider than
        :data:`RANGE_WARNING_RATIO` as errors (nothing is loaded).

    Returns
    -------
    SolveOutcome

    Raises
    ------
    InfeasibleError
        HiGHS proved the model infeasible or unbounded (nothing is loaded).
    SolveError
        Any other non-optimal end (time limit, numerical trouble), or numerical warnings
        with ``strict``; nothing is loaded.
    KeyboardInterrupt
        Ctrl-C during the solve (HiGHS stops at once; nothing is loaded).
    """
    if time_limit is not None and not float(time_limit) >= 0:  # HiGHS ignores it silently
        raise SolveError(f"time limit {time_limit} is not a number of seconds >= 0")
    options = load_profile(profile)
    limit = float(time_limit) if time_limit is not None else options.get("time_limit", math.inf)
    options["time_limit"] = limit
    name = Path(str(profile)).stem
    solver = _solver_for(model)
    # HiGHS compares time_limit with the run time accumulated over the life of the
    # instance, so a re-solve must add the time already spent (else sweeps get cut off)
    highs = getattr(solver, "_solver_model", None)
    spent = highs.getRunTime() if highs is not None and math.isfinite(limit) else 0.0
    solver_options = {**options, "time_limit": limit + spent}
    tick = time.perf_counter()
    with _ctrl_c_reraised():
        results = solver.solve(
            model,
            tee=verbose,
            load_solutions=False,
            raise_exception_on_nonoptimal_result=False,
            solver_options=solver_options,
        )
    termination = _TERMINATION.get(results.termination_condition, "unknown")
    log = results.solver_log or ""
    outcome = SolveOutcome(
        termination=termination,
        objective=None,
        solve_seconds=float(getattr(results.timing_info, "highs_time", math.nan)),
        wall_seconds=0.0,
        profile=name,
        options=options,
        warnings=_scan_log(log),
        log=log,
        iterations={
            k: int(getattr(results.extra_info, k, 0) or 0)
            for k in ("simplex_iteration_count", "ipm_iteration_count")
        },
        ranges=_ranges(log),
    )
    if termination != "optimal":
        # values of an earlier solve of this model would otherwise look like this answer
        for var in model.component_data_objects(pyo.Var, descend_into=True):
            var.set_value(None, skip_validation=True)
    if termination in _INFEASIBLE:
        raise InfeasibleError(
            f"HiGHS found no feasible plan ({termination}, profile '{name}'): the limits, "
            "targets and reserves contradict each other; relax one or look for missing "
            "capacity or import options",
            termination,
        )
    if termination == "time_limit":
        raise SolveError(
            f"HiGHS reached the time limit of {limit:g} s before proving a plan optimal "
            f"(profile '{name}'); no values were loaded. Allow more time (--time-limit) or "
            "try the 'ipm' profile, which is much faster on large cases",
            termination,
        )
    if termination != "optimal":
        raise SolveError(
            f"HiGHS stopped without an optimal plan ({termination}, profile '{name}'); "
            "no values were loaded",
            termination,
        )
    if strict and outcome.warnings:
        for var in model.component_data_objects(pyo.Var, descend_into=True):
            var.set_value(None, skip_validation=True)
        raise SolveError(
            "--strict: HiGHS reported numerical warnings (rescale the inputs' units or "
            "remove near-zero coefficients): " + "; ".join(outcome.warnings),
            "strict",
        )
    loader = results.solution_loader
    loader.load_vars()
    dual = getattr(model, "dual", None)
    if isinstance(dual, pyo.Suffix):
        dual.clear()
        dual.update(loader.get_duals())
    outcome.objective = float(results.incumbent_objective)
    outcome.wall_seconds = time.perf_counter() - tick
    return outcome


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
    if highs is None:
        raise SolveError("the model must be solved once before it can be diagnosed")
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
        An infeasible model that has been solved once.
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
        A model that has been solved once (typically infeasible).
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
