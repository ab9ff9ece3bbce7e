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
import time
import weakref
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

import highspy
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


def solve(
    model: pyo.ConcreteModel,
    profile: str | Path = "default",
    *,
    verbose: bool = False,
    time_limit: float | None = None,
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

    Returns
    -------
    SolveOutcome

    Raises
    ------
    InfeasibleError
        HiGHS proved the model infeasible or unbounded (nothing is loaded).
    SolveError
        Any other non-optimal end (time limit, numerical trouble); nothing is loaded.
    """
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
    if termination != "optimal":
        raise SolveError(
            f"HiGHS stopped without an optimal plan ({termination}, profile '{name}'); "
            "no values were loaded",
            termination,
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
