"""The solver door: hands a built model to HiGHS, solves it and loads the answer.

Two routes, one answer (the same LP, so the same objective and duals):

* **direct** (every plain solve): Pyomo's standard-form compiler turns the model into
  sparse arrays that go to ``highspy`` whole (``addRows``, ``addCols``); primal values
  and row duals are written back through the compiler's row and column maps, and the
  HiGHS instance is freed once an optimal answer is loaded. It halves the hand-off of Pyomo's
  HiGHS interfaces, which convert rows one by one.
* **persistent** (after :func:`prepare_resolve`): Pyomo's persistent ``contrib.solver``
  interface, so a sweep that changes only mutable Params updates HiGHS in place instead of
  rebuilding and handing over the whole model for every variant.
"""

from __future__ import annotations

import ctypes
import io
import math
import re
import signal
import sys
import threading
import time
import weakref
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path

import highspy
import numpy as np
import pyomo.core as pyo
from pyomo.common.errors import InfeasibleConstraintException
from pyomo.common.tee import TeeStream, capture_output
from pyomo.contrib.solver.common.results import TerminationCondition
from pyomo.contrib.solver.solvers.highs import Highs

from msc_model.errors import InfeasibleError, SolveError
from msc_model.safety import atomic_write
from msc_model.solver.direct import INF, DirectLP, compile_lp, load_solution, name_lp
from msc_model.solver.profiles import Profile, read_profile
from msc_model.solver.updates import changed_params_for

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
_STATUS = {
    highspy.HighsModelStatus.kOptimal: "optimal",
    highspy.HighsModelStatus.kInfeasible: "infeasible",
    highspy.HighsModelStatus.kUnboundedOrInfeasible: "infeasible_or_unbounded",
    highspy.HighsModelStatus.kUnbounded: "unbounded",
    highspy.HighsModelStatus.kTimeLimit: "time_limit",
    highspy.HighsModelStatus.kIterationLimit: "iteration_limit",
    highspy.HighsModelStatus.kObjectiveBound: "objective_limit",
    highspy.HighsModelStatus.kObjectiveTarget: "objective_limit",
    highspy.HighsModelStatus.kInterrupt: "interrupted",
}  # HighsModelStatus → our short name (the direct route); anything else is "error"
_INFEASIBLE = {"infeasible", "infeasible_or_unbounded", "unbounded"}

#: HiGHS log lines worth surfacing: explicit warnings and scaling/range complaints
_WARNING = re.compile(r"warning|excessive|ill.?condition", re.IGNORECASE)
_RANGE = re.compile(r"^\s*(Matrix|Cost|Bound|RHS)\s*\[([0-9.e+-]+),\s*([0-9.e+-]+)\]")
#: a coefficient range wider than this (max/min) is reported as a scaling warning
RANGE_WARNING_RATIO = 1e8

# the HiGHS instance of each model's last solve: a DirectLP (direct route) or a persistent
# interface (after prepare_resolve, so a re-solve only passes on changed Params); weak
# keys so a dropped model frees its solver
_SOLVERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
# models prepared for re-solves, and their ChangedParams (None: Pyomo's full update)
_SELECTIVE: weakref.WeakSet = weakref.WeakSet()
_PUSHERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


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


#: the ``threads`` option of this process's last HiGHS run (None before the first)
_SCHEDULED: list[int | None] = [None]
_SCHEDULING = threading.Lock()


def _schedule_threads(threads: object) -> None:
    """Let a run ask for another number of threads than the process's last run.

    HiGHS keeps one thread scheduler per process, started by the first run with that
    run's ``threads`` (0: HiGHS chooses); a later run asking for another number stops at
    once with an error status ("the scheduler has already been initialized"). So solving
    with the ``ipm`` profile (HiGHS's choice) and then ``default`` (one thread) in one
    process failed. The scheduler is reset when the number changes.
    """
    wanted = int(threads or 0)
    with _SCHEDULING:
        if _SCHEDULED[0] is not None and _SCHEDULED[0] != wanted:
            highspy.Highs.resetGlobalScheduler(True)  # blocking: its workers end first
        _SCHEDULED[0] = wanted


def _solver_for(model: pyo.ConcreteModel) -> Highs:
    solver = _SOLVERS.get(model)
    if not isinstance(solver, Highs):
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
    # only the Params that changed are passed on (see ``updates``), by _run_persistent
    updates.update_parameters = False
    _SELECTIVE.add(model)
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
def _ctrl_c_reraised(highs: highspy.Highs | None = None) -> Iterator[None]:
    """Let Ctrl-C stop HiGHS and still reach the caller as ``KeyboardInterrupt``.

    HiGHS polls a Python callback between iterations (``HandleKeyboardInterrupt``). With
    ``highs`` given, the signal only asks that instance to stop (``cancelSolve``; the next
    poll interrupts it) and ``KeyboardInterrupt`` is raised here once the block has
    closed, so it can never land inside the clean-up of the output capture and leave
    stderr redirected (the "interrupted" message would be lost). Without it (Pyomo's
    persistent interface, whose instance is made inside the block) the handler raises at
    once; the exception stops HiGHS but is swallowed by the binding, so it is raised again
    afterwards.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # signals are only delivered to the main thread
        return
    received: list[int] = []

    def handler(signum, _frame):
        received.append(signum)
        if highs is None:
            raise KeyboardInterrupt
        highs.cancelSolve()

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
    export: str | Path | Sequence[str | Path] = (),
    overwrite: bool = False,
    keep: bool = False,
    started: Callable[[], None] | None = None,
) -> SolveOutcome:
    """Solve ``model`` with HiGHS and load the optimal primal values and duals.

    Parameters
    ----------
    model
        A model from :func:`msc_model.model.build_model`. After :func:`prepare_resolve` a
        second call reuses the model's persistent HiGHS instance (only changed Params are
        passed on); otherwise every call compiles the model afresh and hands it over in
        one piece.
    profile
        Name of a profile in ``solvers/`` or a path to one (see
        :func:`~msc_model.solver.profiles.read_profile`; a profile may name another for
        LPs above a number of columns).
    verbose
        Echo the HiGHS log to the terminal (it is captured in the outcome either way).
    time_limit
        Seconds; overrides the profile. Reset on every call because HiGHS counts its
        time limit over the life of one instance.
    strict
        Treat HiGHS warnings and coefficient ranges wider than
        :data:`RANGE_WARNING_RATIO` as errors (nothing is loaded).
    export
        Files to write the LP to exactly as HiGHS is given it, before solving (so a
        failing case can be sent on too); the format follows the suffix (``.mps``,
        ``.lp``). Rows and columns carry their Pyomo names (blanks become ``_``).
        Written through :mod:`msc_model.safety`: atomically, and an existing file only
        with ``overwrite``.
    overwrite
        Replace existing export files.
    keep
        Keep the HiGHS instance of a direct solve (with its optimal basis) for
        :func:`relaxed_solve`; :func:`release` frees it. Otherwise it is freed at once.
    started
        Called once the model is handed over, as HiGHS starts: HiGHS releases the GIL
        while it solves, so work started here in a thread (the report's input diff, see
        :mod:`msc_model.pipeline`) runs beside the solve on another core.

    Returns
    -------
    SolveOutcome

    Raises
    ------
    InfeasibleError
        HiGHS proved the model infeasible or unbounded (nothing is loaded).
    SolveError
        Any other non-optimal end (time limit, numerical trouble), or numerical warnings
        with ``strict``; nothing is loaded. Also when HiGHS cannot write an export file.
    OutputError
        An export file exists without ``overwrite``, or its folder is not writable.
    KeyboardInterrupt
        Ctrl-C during the solve (HiGHS stops at once; nothing is loaded).
    """
    if time_limit is not None and not float(time_limit) >= 0:  # HiGHS ignores it silently
        raise SolveError(f"time limit {time_limit} is not a number of seconds >= 0")
    chosen = read_profile(profile)
    exports = [Path(export)] if isinstance(export, str | Path) else [Path(p) for p in export]
    tick = time.perf_counter()
    lp = None
    if not isinstance(_SOLVERS.get(model), Highs):
        try:
            lp = compile_lp(model)
        except InfeasibleConstraintException:
            # a row without variables that cannot hold (a reserve with nothing to store
            # it in): the persistent interface passes it on as an empty row, so HiGHS
            # proves the infeasibility and diagnosis sees it like any other
            _solver_for(model)
    if started is not None:
        started()
    if lp is None:
        chosen = chosen.for_columns(model.nvariables())
        run = _run_persistent(model, chosen, verbose, time_limit, (exports, overwrite))
    else:
        _SOLVERS[model] = lp
        chosen = chosen.for_columns(model.nvariables())
        run = _run_direct(model, lp, chosen, verbose, time_limit, (exports, overwrite))
    termination, objective, log, highs, load = run
    options = {**chosen.options, "time_limit": _limit(chosen, time_limit)}
    info = highs.getInfo()
    outcome = SolveOutcome(
        termination=termination,
        objective=None,
        solve_seconds=float(highs.getRunTime()),
        wall_seconds=0.0,
        profile=chosen.name,
        options=options,
        warnings=_scan_log(log),
        log=log,
        iterations={
            k: int(getattr(info, k, 0) or 0)
            for k in ("simplex_iteration_count", "ipm_iteration_count")
        },
        ranges=_ranges(log),
    )
    _raise_unless_optimal(model, outcome, strict)
    load()
    if lp is not None and not keep:
        # answer loaded, and a later solve compiles afresh: free HiGHS's copy of the LP
        # and its factors now (more than the Pyomo model's memory at provincial size)
        # rather than carry them through extraction and the report
        del _SOLVERS[model]
        highs.HandleKeyboardInterrupt = False  # its callbacks hold the instance in a cycle
        del lp, run, highs, load
        _return_freed_memory()
    outcome.objective = float(objective)
    outcome.wall_seconds = time.perf_counter() - tick
    return outcome


def release(model: pyo.ConcreteModel) -> None:
    """Free the HiGHS instance a ``solve(..., keep=True)`` kept (no-op without one)."""
    lp = _SOLVERS.get(model)
    if isinstance(lp, DirectLP):
        del _SOLVERS[model]
        lp._solver_model.HandleKeyboardInterrupt = False  # its callbacks form a cycle
        lp._solver_model = None  # the row and column maps may live on; HiGHS may not
        del lp
        _return_freed_memory()


@contextmanager
def relaxed_solve(
    model: pyo.ConcreteModel,
    components: Sequence[pyo.Constraint],
    profile: str | Path = "default",
    *,
    time_limit: float | None = None,
    free: bool = False,
) -> Iterator[SolveOutcome]:
    """Re-solve the LP kept by ``solve(..., keep=True)`` with the rows of ``components``
    free, warm from the kept optimal basis, and load that answer for the block.

    With ``free`` the HiGHS instance is released as soon as that answer is loaded (the
    block then runs without HiGHS's memory; the first answer is restored from a copy).

    Freeing rows keeps the basis primal feasible, so the simplex only improves from the
    plan's optimum: far cheaper than building and solving the relaxed model afresh. On
    leaving the block the rows' bounds are restored in HiGHS and the first solve's answer
    (values and duals) is loaded into the model again.

    Raises
    ------
    LookupError
        No kept direct solve of ``model`` to start from.
    InfeasibleError, SolveError
        As :func:`solve` (the first answer is restored all the same).
    """
    lp = _SOLVERS.get(model)
    if not isinstance(lp, DirectLP):
        raise LookupError("no kept LP of this model: solve it with keep=True first")
    highs = lp._solver_model
    saved = highs.getSolution()
    wanted = set(components)
    rows = np.array(
        [i for i, con in enumerate(lp.rows) if con.parent_component() in wanted], dtype=np.int32
    )
    original = highs.getLp()  # a copy of the whole LP: keep the few bounds, drop it
    lower = np.asarray(original.row_lower_)[rows]
    upper = np.asarray(original.row_upper_)[rows]
    del original
    chosen = read_profile(profile).for_columns(model.nvariables())
    limit = _limit(chosen, time_limit)
    spent = highs.getRunTime() if math.isfinite(limit) else 0.0  # the limit is cumulative
    try:
        if len(rows):
            unbounded = np.full(len(rows), INF)
            highs.changeRowsBounds(len(rows), rows, -unbounded, unbounded)
        tick = time.perf_counter()
        termination, objective, log, _highs, load = _run_direct(
            model, lp, chosen, False, limit + spent, ((), False)
        )
        outcome = SolveOutcome(
            termination=termination,
            objective=None,
            solve_seconds=float(highs.getRunTime()) - spent,
            wall_seconds=0.0,
            profile=chosen.name,
            options={**chosen.options, "time_limit": limit},
            warnings=_scan_log(log),
            log=log,
        )
        _raise_unless_optimal(model, outcome, strict=False)
        load()
        outcome.objective = float(objective)
        outcome.wall_seconds = time.perf_counter() - tick
        if free:
            release(model)
            del highs, _highs
        yield outcome
    finally:
        if _SOLVERS.get(model) is lp and len(rows):
            lp._solver_model.changeRowsBounds(len(rows), rows, lower, upper)
        load_solution(lp, model, saved)


def _return_freed_memory() -> None:
    """Give the heap HiGHS freed back to the OS; glibc would keep it for C allocations
    only, and Python's own objects (the results, the report) live elsewhere."""
    with suppress(OSError, AttributeError):  # not glibc (macOS, Windows, musl): no need
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def _limit(profile: Profile, time_limit: float | None) -> float:
    if time_limit is not None:
        return float(time_limit)
    return float(profile.options.get("time_limit", math.inf))


def _write(highs: highspy.Highs, exports: tuple[list[Path], bool]) -> None:
    """Write the LP to each export file, atomically (HiGHS writes the temporary file,
    whose suffix chooses the format)."""
    paths, overwrite = exports
    for path in paths:
        if path.suffix.lower() not in (".mps", ".lp"):
            raise SolveError(f"cannot export the LP as '{path.name}': use a .mps or .lp file")

        def save(tmp: Path, path: Path = path) -> None:
            with capture_output(capture_fd=True):
                status = highs.writeModel(str(tmp))
            if status == highspy.HighsStatus.kError or not tmp.stat().st_size:
                raise SolveError(f"HiGHS could not write the LP to {path}")

        atomic_write(path, save, overwrite=overwrite, suffix=path.suffix)


def _run_direct(model, lp: DirectLP, profile: Profile, verbose, time_limit, exports):
    """Solve a freshly compiled LP; return (termination, objective, log, highs, loader)."""
    highs = lp._solver_model
    if exports[0]:
        name_lp(lp)
        _write(highs, exports)
    stream = io.StringIO()
    streams = [stream, sys.stdout] if verbose else [stream]
    with _ctrl_c_reraised(highs), capture_output(output=TeeStream(*streams), capture_fd=True):
        highs.setOptionValue("output_flag", True)
        highs.setOptionValue("log_to_console", True)
        for key, option in profile.options.items():
            highs.setOptionValue(key, option)
        highs.setOptionValue("time_limit", _limit(profile, time_limit))
        _schedule_threads(profile.options.get("threads"))
        highs.HandleKeyboardInterrupt = True  # Ctrl-C stops HiGHS (see _ctrl_c_reraised)
        highs.run()
    termination = _STATUS.get(highs.getModelStatus(), "error")
    objective = highs.getInfo().objective_function_value
    return termination, objective, stream.getvalue(), highs, lambda: load_solution(lp, model)


def _run_persistent(model, profile: Profile, verbose, time_limit, exports):
    """Solve through the persistent interface; same return as :func:`_run_direct`."""
    solver = _solver_for(model)
    limit = _limit(profile, time_limit)
    # HiGHS compares time_limit with the run time accumulated over the life of the
    # instance, so a re-solve must add the time already spent (else sweeps get cut off)
    highs = getattr(solver, "_solver_model", None)
    spent = highs.getRunTime() if highs is not None and math.isfinite(limit) else 0.0
    selective = model in _SELECTIVE
    if selective and getattr(solver, "_model", None) is model:
        pusher = _PUSHERS.get(model)
        if pusher is None:
            solver.update_parameters()
        else:
            pusher.push()
    _schedule_threads(profile.options.get("threads", solver.config.threads))
    with _ctrl_c_reraised():
        results = solver.solve(
            model,
            tee=verbose,
            load_solutions=False,
            raise_exception_on_nonoptimal_result=False,
            solver_options={**profile.options, "time_limit": limit + spent},
        )
    if selective and model not in _PUSHERS:  # first load: what HiGHS now holds
        _PUSHERS[model] = changed_params_for(solver)
    highs = solver._solver_model
    if exports[0]:
        _write(highs, exports)
    termination = _TERMINATION.get(results.termination_condition, "unknown")

    def load() -> None:
        loader = results.solution_loader
        loader.load_vars()
        dual = getattr(model, "dual", None)
        if isinstance(dual, pyo.Suffix):
            dual.clear()
            dual.update(loader.get_duals())
        rc = getattr(model, "rc", None)
        if isinstance(rc, pyo.Suffix):
            rc.clear()
            rc.update(loader.get_reduced_costs())

    return termination, results.incumbent_objective, results.solver_log or "", highs, load


def _raise_unless_optimal(model: pyo.ConcreteModel, outcome: SolveOutcome, strict: bool) -> None:
    termination, name = outcome.termination, outcome.profile
    if termination != "optimal" or (strict and outcome.warnings):
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
            f"HiGHS reached the time limit of {outcome.options['time_limit']:g} s before "
            f"proving a plan optimal (profile '{name}'); no values were loaded. Allow more "
            "time (--time-limit) or try the 'ipm' profile, which is much faster on large "
            "cases",
            termination,
        )
    if termination != "optimal":
        raise SolveError(
            f"HiGHS stopped without an optimal plan ({termination}, profile '{name}'); "
            "no values were loaded",
            termination,
        )
    if strict and outcome.warnings:
        raise SolveError(
            "--strict: HiGHS reported numerical warnings (rescale the inputs' units or "
            "remove near-zero coefficients): " + "; ".join(outcome.warnings),
            "strict",
        )
