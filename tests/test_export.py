"""``msc run --export-mps/--export-lp`` writes the LP that is solved, not an approximation.

The exported file is solved by highspy alone, with the options of the profile ``msc run``
used; its optimum must equal the run's objective (1e-6 relative) and its duals of the
dependence cap (rows keep their Pyomo names) the marginal values the report shows.
Runs on the shipped default workbook.
"""

from __future__ import annotations

from pathlib import Path

import highspy
import pytest
from typer.testing import CliRunner

from msc_model.cli import app
from msc_model.pipeline import run
from msc_model.solver import load_profile


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    folder = tmp_path_factory.mktemp("export")
    result = run(export=(folder / "api.mps", folder / "api.lp"))
    return folder, result


def _solve_file(path: Path, profile: str) -> highspy.Highs:
    highs = highspy.Highs()
    highs.setOptionValue("output_flag", False)
    assert highs.readModel(str(path)) == highspy.HighsStatus.kOk
    for key, value in load_profile(profile).items():
        highs.setOptionValue(key, value)
    highs.run()
    assert highs.getModelStatus() == highspy.HighsModelStatus.kOptimal
    return highs


@pytest.mark.parametrize("suffix", [".mps", ".lp"])
def test_exported_lp_has_the_run_objective_and_duals(exported, suffix) -> None:
    folder, result = exported
    highs = _solve_file(folder / f"api{suffix}", result.outcome.profile)
    objective = highs.getInfo().objective_function_value
    assert objective == pytest.approx(result.outcome.objective, rel=1e-6)
    if suffix == ".lp":  # HiGHS's LP writer numbers rows instead of naming them
        return
    row_dual = highs.getSolution().row_dual
    duals = result.results.duals.dropna(subset=["dual"])
    assert len(duals) > 0
    for metal, year, dual in duals[["metal", "year", "dual"]].itertuples(index=False):
        status, row = highs.getRowByName(f"dependence_cap[{metal},{year}]")
        assert status == highspy.HighsStatus.kOk
        assert row_dual[row] == pytest.approx(dual, rel=1e-6, abs=1e-6)


@pytest.mark.slow
def test_cli_writes_the_same_lp_as_the_api(exported, tmp_path) -> None:
    folder, _ = exported
    mps, lp = tmp_path / "cli.mps", tmp_path / "cli.lp"
    outcome = CliRunner().invoke(
        app, ["run", "-q", "--export-mps", str(mps), "--export-lp", str(lp)]
    )
    assert outcome.exit_code == 0, outcome.output
    assert mps.read_bytes() == (folder / "api.mps").read_bytes()
    assert lp.read_bytes() == (folder / "api.lp").read_bytes()


def test_export_suffix_must_match_the_format(tmp_path) -> None:
    outcome = CliRunner().invoke(app, ["run", "-q", "--export-mps", str(tmp_path / "x.lp")])
    assert outcome.exit_code == 2
    assert not (tmp_path / "x.lp").exists()
