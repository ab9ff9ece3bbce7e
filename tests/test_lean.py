"""Memory hygiene of a plain run: what is imported and what is kept after the solve.

A provincial run's peak memory is HiGHS's plus msc's start-up; these properties keep the
start-up lean (benchmarks/README.md has the measured effect).
"""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap

import pytest

from msc_model.errors import SolveError
from msc_model.inputs import load_inputs
from msc_model.model import build_model
from msc_model.pipeline import default_workbook, run
from msc_model.solver import _SOLVERS, solve


@pytest.mark.slow
def test_a_run_imports_no_dead_weight(tmp_path) -> None:
    """pint would import dask and scipy, and Pyomo then scipy.stats (~65 MB in all), and
    ``pyomo.environ`` loads every Pyomo plugin (~10 MB); a whole run with its report needs
    none of them (checked in a fresh interpreter)."""
    script = textwrap.dedent(
        """
        import sys, tempfile, pathlib
        import msc_model as msc
        out = pathlib.Path(tempfile.mkdtemp()) / "r.xlsx"
        msc.run(msc.default_workbook(), out)
        assert out.is_file()
        unused = ("dask", "scipy.stats", "scipy.integrate", "pyomo.environ")
        print(sorted(m for m in unused if m in sys.modules))
        """
    )
    proc = subprocess.run(  # not from the checkout: the installed package, as users run it
        [sys.executable, "-c", script], capture_output=True, text=True, check=False,
        timeout=300, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.strip().splitlines()[-1] == "[]"


@pytest.mark.slow
def test_units_still_work_with_dask_imported_later(tmp_path) -> None:
    """Hiding dask and scipy from pint's import must not break either for the rest of the
    process (a fresh interpreter: in this one they may be imported already)."""
    script = textwrap.dedent(
        """
        import sys
        from msc_model import units
        assert "dask" not in sys.modules and "scipy" not in sys.modules
        import dask, dask.array, scipy.sparse
        print(units.convert(2.0, "Mt/yr", "kt/yr"), dask.array.ones(3).sum().compute())
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False,
        timeout=120, cwd=tmp_path,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert proc.stdout.split() == ["2000.0", "3.0"]


def test_optimal_solve_frees_its_highs_instance() -> None:
    """After an optimal direct solve nothing holds HiGHS's copy of the LP; the answer is
    in the Pyomo model."""
    model = build_model(load_inputs(default_workbook()))
    outcome = solve(model)
    assert model not in _SOLVERS
    assert outcome.termination == "optimal"
    assert all(v.value is not None for v in model.activity.values())


@pytest.mark.slow
def test_a_run_leaves_nothing_frozen_from_the_collector() -> None:
    """``run`` freezes the built model out of the cycle collector only while it runs, so
    a process that runs many cases (sweeps, notebooks) frees each model as usual; also
    when the solve fails."""
    assert gc.get_freeze_count() == 0
    result = run(default_workbook(), None)
    assert result.outcome.termination == "optimal" and gc.get_freeze_count() == 0
    with pytest.raises(SolveError):
        run(default_workbook(), None, time_limit=0)
    assert gc.get_freeze_count() == 0
