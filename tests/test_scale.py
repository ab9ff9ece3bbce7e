"""The benchmark's workbook generator makes provincial cases that validate and solve.

31 provinces over a short horizon (2024–2027) and few origins keep it fast; the full 2050
case is the benchmark's (``benchmarks/run.py``). Built from the shipped default workbook.
"""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from msc_model.cli import app
from msc_model.inputs import load_inputs
from msc_model.pipeline import default_workbook, run
from msc_model.results import check_balances

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import scale


@pytest.mark.slow
def test_31_region_workbook_validates_and_solves(tmp_path: Path) -> None:
    book = scale.write(scale.scale(default_workbook(), 31, 2027, 4, seed=3), tmp_path / "p.xlsx")
    again = scale.write(scale.scale(default_workbook(), 31, 2027, 4, seed=3), tmp_path / "q.xlsx")
    assert scale._read(book) == scale._read(again)  # deterministic for a seed

    checked = CliRunner().invoke(app, ["validate", str(book)])
    assert checked.exit_code == 0, checked.output
    data = load_inputs(book)
    assert len(data.regions) == 31
    assert (min(data.years), max(data.years)) == (2024, 2027)

    result = run(book)
    assert result.outcome.termination == "optimal"
    check_balances(result.results, data)  # raises when a balance does not close
    # national demand is split among provinces, not multiplied (keys: metal, region, year)
    base = load_inputs(default_workbook())

    def national(d) -> float:
        return sum(v for key, v in d.params["demand"].items() if key[-1] == 2027)

    assert national(data) == pytest.approx(national(base), rel=1e-4)
