"""Pyomo's own floor for an LP of our size: the least a Pyomo build and hand-off can cost.

    python benchmarks/floor.py --regions 31 --years-to 2050      # prints JSON

msc's LP for a scale workbook is compiled to arrays once (untimed); then the same LP is
built again as a bare Pyomo model in the cheapest way Pyomo offers (one indexed Var, one
``LinearExpression`` per row straight from the sparse rows, no sets, rules or lookups;
the same rows and costs, with plain ``x ≥ 0`` for the column bounds) and compiled with the ``LinearStandardFormCompiler`` msc uses. Those two times bound
from below what any Pyomo formulation of this LP costs before HiGHS starts; msc's own
build and compile are timed beside them. ``run.py`` runs it for the provincial case.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))


def _timed(fn, *args):
    start = time.perf_counter()
    value = fn(*args)
    return value, time.perf_counter() - start


def bare_model(a, kinds, rhs, cost):
    """The LP ``min cost·x, rows of a with sense kinds and rhs, x ≥ 0`` as a Pyomo model."""
    import pyomo.core as pyo
    from pyomo.core.expr.numeric_expr import LinearExpression

    m = pyo.ConcreteModel()
    m.x = pyo.Var(range(a.shape[1]), within=pyo.NonNegativeReals)
    xs = list(m.x.values())
    starts, columns, values = a.indptr.tolist(), a.indices.tolist(), a.data.tolist()

    def row(_m, i):
        s, e = starts[i], starts[i + 1]
        body = LinearExpression(linear_coefs=values[s:e], linear_vars=[xs[j] for j in columns[s:e]])
        if kinds[i] == 0:
            return body == rhs[i]
        return (None, body, rhs[i]) if kinds[i] > 0 else (rhs[i], body, None)

    m.rows = pyo.Constraint(range(a.shape[0]), rule=row)
    used = [j for j, c in enumerate(cost) if c]
    m.cost = pyo.Objective(
        expr=LinearExpression(
            linear_coefs=[cost[j] for j in used], linear_vars=[xs[j] for j in used]
        )
    )
    return m


def measure(regions: int, years_to: int, origins: int, repeats: int = 2) -> dict:
    import numpy as np
    import scale
    from pyomo.common.gc_manager import PauseGC
    from pyomo.repn.plugins.standard_form import LinearStandardFormCompiler

    from msc_model.inputs import load_inputs
    from msc_model.model import build_model
    from msc_model.pipeline import default_workbook

    def build_and_compile(build, *args) -> tuple[dict, object]:
        """Both builds get what ``msc run`` gives its own: the cycle collector paused while
        building and the model frozen out of it while compiling."""
        with PauseGC():
            model, build_seconds = _timed(build, *args)
        gc.freeze()
        try:
            info, compile_seconds = _timed(
                lambda: LinearStandardFormCompiler().write(model, mixed_form=True)
            )
        finally:
            gc.unfreeze()
        return {"build": build_seconds, "compile": compile_seconds}, info

    with tempfile.TemporaryDirectory() as tmp:
        book = Path(tmp) / "case.xlsx"
        scale.write(scale.scale(default_workbook(), regions, years_to, origins, seed=1), book)
        data = load_inputs(book)
    figures: dict = {"regions": regions, "years_to": years_to, "msc": [], "floor": []}
    for _ in range(repeats):
        times, info = build_and_compile(build_model, data)
        figures["msc"].append(times)
        gc.collect()
    a = info.A.tocsr()
    kinds = [r.bound_type for r in info.rows]
    rhs = np.asarray(info.rhs, dtype=float).tolist()
    cost = np.asarray(info.c.toarray()).ravel().tolist()
    figures.update(rows=a.shape[0], columns=a.shape[1], nonzeros=int(a.nnz))
    del info
    gc.collect()
    for _ in range(repeats):
        times, _ = build_and_compile(bare_model, a, kinds, rhs, cost)
        figures["floor"].append(times)
        gc.collect()
    for key in ("msc", "floor"):  # the best of the repeats: the least the machine allowed
        figures[f"{key}_seconds"] = min(r["build"] + r["compile"] for r in figures[key])
    return figures


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", type=int, default=31)
    parser.add_argument("--years-to", type=int, default=2050)
    parser.add_argument("--origins", type=int, default=12)
    args = parser.parse_args(argv)
    print(json.dumps(measure(args.regions, args.years_to, args.origins)))


if __name__ == "__main__":
    main()
