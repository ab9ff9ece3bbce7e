"""Hand a Pyomo LP to HiGHS as arrays: Pyomo's standard-form compiler, then ``addRows`` and
``addCols``.

Pyomo's HiGHS interfaces convert the constraints one by one (about 8 µs per nonzero);
compiling the whole model to a sparse matrix first and passing the arrays to highspy
whole halves that hand-off and keeps no second copy of the model in Python objects
(measured: 6.1 → 3.3 s at 31 regions × 25 years, Pyomo 6.10). The row and column maps
returned here write primal values and duals back to the Pyomo components after the solve.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import highspy
import numpy as np
import pyomo.core as pyo
from pyomo.common import dependencies
from pyomo.common.tee import capture_output
from pyomo.core.staleflag import StaleFlagManager
from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

INF = highspy.kHighsInf
_UNSAFE = re.compile(r"[^A-Za-z0-9_\[\],.()-]")  # MPS names: no blanks, plain ASCII

# Pyomo imports scipy.stats, .integrate and .spatial (~50 MB, a tenth of a provincial
# run's peak) as soon as anything takes scipy, and the compiler below takes scipy.sparse,
# all it needs. Drop that post-import hook; the submodules stay importable on demand.
# (A private attribute: should Pyomo rename it, only the memory is lost.)
if isinstance(dependencies.scipy_available, dependencies.DeferredImportIndicator):
    dependencies.scipy_available._callback = None


@dataclass
class DirectLP:
    """A model's LP inside a ``highspy.Highs``, with the Pyomo object of each row/column.

    ``_solver_model`` is named as in Pyomo's persistent interface, so code that looks up
    the HiGHS instance of a model (diagnosis, interrupt tests) finds it either way.
    """

    _solver_model: highspy.Highs
    rows: list  # ConstraintData of each HiGHS row
    cols: list  # VarData of each HiGHS column


def compile_lp(model: pyo.ConcreteModel) -> DirectLP:
    """Compile ``model`` (one minimised objective, linear rows) into a new HiGHS instance."""
    info = LinearStandardFormCompiler().write(model, mixed_form=True)
    if len(info.objectives) != 1:
        raise ValueError(f"expected one active objective, found {len(info.objectives)}")
    a = info.A.tocsr()
    rhs = np.asarray(info.rhs, dtype=float)
    kinds = np.fromiter((r.bound_type for r in info.rows), dtype=np.int8, count=len(info.rows))
    cons = [r.constraint for r in info.rows]
    # a ranged row arrives as two rows (upper, then lower); HiGHS takes it as one
    keep = np.ones(len(cons), dtype=bool)
    lower = np.where(kinds <= 0, rhs, -INF)
    upper = np.where(kinds >= 0, rhs, INF)
    pairs = [
        i for i in range(len(cons) - 1) if kinds[i] == 1 and kinds[i + 1] == -1
        and cons[i] is cons[i + 1]
    ]  # fmt: skip
    for i in pairs:
        lower[i] = rhs[i + 1]
        keep[i + 1] = False
    if pairs:
        a, lower, upper = a[keep], lower[keep], upper[keep]
        cons = [c for c, k in zip(cons, keep, strict=True) if k]
    a = a.tocsc()
    a.sort_indices()
    cols = info.columns
    bounds = np.array([v.bounds for v in cols], dtype=object).reshape(len(cols), 2)
    col_lower = np.array([-INF if b is None else b for b in bounds[:, 0]], dtype=float)
    col_upper = np.array([INF if b is None else b for b in bounds[:, 1]], dtype=float)
    cost = np.asarray(info.c.toarray()).ravel().astype(float) if len(cols) else np.zeros(0)
    with capture_output(capture_fd=True):  # the banner goes to fd 1
        highs = highspy.Highs()
        highs.setOptionValue("output_flag", False)
        # Empty rows first (HiGHS reads a start for each, entries or not), then the
        # columns with their entries: both calls read the numpy buffers in place, where
        # filling a ``HighsLp`` converts every array element by element (0.12 s against
        # 0.04 s at provincial size). No integrality array is passed, so HiGHS does not
        # warn of "no integer variables" (which --strict would turn into an error).
        starts = np.zeros(len(cons), dtype=np.int32)
        status = [
            highs.addRows(len(cons), np.asarray(lower, dtype=float),
                          np.asarray(upper, dtype=float), 0, starts,
                          np.zeros(0, dtype=np.int32), np.zeros(0)),
            highs.addCols(len(cols), cost, col_lower, col_upper, a.nnz,
                          a.indptr.astype(np.int32), a.indices.astype(np.int32),
                          a.data.astype(float)),
            highs.changeObjectiveOffset(float(info.c_offset[0])),
        ]  # fmt: skip
    if highspy.HighsStatus.kError in status:
        raise ValueError("HiGHS refused the compiled LP")
    return DirectLP(highs, cons, list(cols))


def name_lp(lp: DirectLP) -> None:
    """Give HiGHS's rows and columns their Pyomo names (for an exported file)."""
    highs = lp._solver_model
    for j, var in enumerate(lp.cols):
        highs.passColName(j, _UNSAFE.sub("_", var.name))
    for i, con in enumerate(lp.rows):
        highs.passRowName(i, _UNSAFE.sub("_", con.name))


def load_solution(lp: DirectLP, model: pyo.ConcreteModel, solution=None) -> None:
    """Write HiGHS's primal values into the variables, its row duals into ``model.dual``
    and its column duals (reduced costs) into ``model.rc`` (of ``solution``, a saved
    ``HighsSolution``, when given; else of the instance's last solve)."""
    if solution is None:
        solution = lp._solver_model.getSolution()
    for var, value in zip(lp.cols, solution.col_value, strict=True):
        var.set_value(value, skip_validation=True)
    StaleFlagManager.mark_all_as_stale(delayed=True)
    dual = getattr(model, "dual", None)
    if isinstance(dual, pyo.Suffix):
        dual.clear()
        if solution.dual_valid:
            dual.update(zip(lp.rows, solution.row_dual, strict=True))
    rc = getattr(model, "rc", None)  # reduced costs: the prices of variable bounds
    if isinstance(rc, pyo.Suffix):
        rc.clear()
        if solution.dual_valid:
            rc.update(zip(lp.cols, solution.col_dual, strict=True))
