"""The cost–dependence trade-off curve: monotone, end points equal to separate `msc run`
solves with that cap, dominated points filtered, knee and marginal cost from the points."""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest
from factory import drop_rows, minimal_sheets, write_workbook
from typer.testing import CliRunner

from msc_model.cli import app
from msc_model.errors import InputError
from msc_model.pipeline import default_workbook, run
from msc_model.scenarios import pareto
from msc_model.scenarios.runner import RunRecord
from msc_model.scenarios.tradeoff import _knee, frontier_table

REL = 1e-6


def tradeoff_sheets() -> dict:
    """The factory case with a binding copper cap: imports of ore and refined copper
    count, and no supplier limit (which would forbid copper imports outright)."""
    sheets = minimal_sheets()
    drop_rows(sheets, "supplier_limits", {"metal": "Cu"})
    sheets["dependence_definition"] = [
        ["metal", "form", "value", "unit"],
        ["Cu", "ore", "yes", ""],
        ["Cu", "refined", "yes", ""],
        ["Li", "ore", "yes", ""],
    ]
    return sheets


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    return write_workbook(tmp_path_factory.mktemp("pareto") / "case.xlsx", tradeoff_sheets())


def cap_scenario(path, metal: str, cap: float, years) -> object:
    """A scenario workbook that sets ``metal``'s dependence target to ``cap`` in ``years``."""
    rows = [["scenario", "table", "metal", "year", "operation", "value"]]
    rows += [["cap", "dependence_target", metal, year, "set", cap] for year in years]
    return write_workbook(path, {"scenarios": rows})


def assert_monotone(curve: pd.DataFrame) -> None:
    """Along the frontier the plan's cost never falls as the cap tightens (points that
    curtail demand are off the frontier: their cost is no answer)."""
    capped = curve[curve["on_frontier"]]
    capped = capped.sort_values("cap", ascending=False)
    steps = np.diff(capped["total_cost"].to_numpy())
    assert (steps >= -REL * capped["total_cost"].abs().max()).all(), capped
    assert (capped["dependence"] <= capped["cap"] + 1e-7).all()


def assert_ends_equal_runs(curve, workbook, metal, years, tmp_path) -> None:
    front = curve[curve["on_frontier"]].sort_values("cap", ascending=False)
    for _, point in front.iloc[[0, -1]].iterrows():
        scenario = cap_scenario(tmp_path / f"cap_{point.run_id}.xlsx", metal, point.cap, years)
        separate = run(workbook, scenario="cap", scenario_file=scenario).policy.plan_cost
        assert point.total_cost == pytest.approx(separate, rel=REL), point.run_id


@pytest.mark.slow
def test_frontier_is_monotone_and_its_ends_equal_separate_runs(case, tmp_path):
    years = range(2025, 2028)
    curve = pareto(case, "Cu", points=6, low=0.0, years=years, workers=0, out=tmp_path / "curve")
    assert curve["run_id"].tolist()[0] == "p00" and np.isnan(curve["cap"].iloc[0])
    assert (curve["status"] == "optimal").all()
    assert_monotone(curve)
    # the loosest cap is the uncapped dependence: same cost as the reference
    reference, loosest = curve.iloc[0], curve.iloc[1]
    assert loosest["cap"] == pytest.approx(reference["dependence"])
    assert loosest["total_cost"] == pytest.approx(reference["total_cost"], rel=REL)
    assert curve["cap"].iloc[-1] == 0.0
    assert_ends_equal_runs(curve, case, "Cu", years, tmp_path)
    front = curve[curve["on_frontier"]]
    assert curve["knee"].sum() <= 1 and front["knee"].sum() == curve["knee"].sum()
    # marginal cost between neighbours, recomputed from the points
    ordered = front.sort_values("dependence", ascending=False)
    expected = np.diff(ordered["total_cost"]) / (-np.diff(ordered["dependence"]) * 100)
    assert ordered["marginal_cost"].iloc[1:].to_numpy() == pytest.approx(expected)
    workbook = openpyxl.load_workbook(tmp_path / "curve" / "frontier.xlsx")
    assert workbook["Frontier"]._charts, "the frontier chart"
    written = pd.read_csv(tmp_path / "curve" / "frontier.csv")
    assert written["total_cost"].to_numpy() == pytest.approx(curve["total_cost"].to_numpy())


def test_weighted_index_and_explicit_caps(case):
    curve = pareto(case, {"Cu": 2.0, "Li": 1.0}, caps=[0.6, 0.3], workers=0, years=[2027])
    assert curve["cap"].tolist()[1:] == [0.6, 0.3]
    assert_monotone(curve)
    assert curve["cost_increase"].iloc[-1] > 0


def test_dominated_points_and_knee_are_found():
    def record(run_id, cap, dependence, cost, status="optimal", curtailed=0.0):
        rows = [
            ("plan_cost", "all", None, cost, "MUSD"),
            ("curtailed", "all", None, curtailed, "kt"),
            ("net_imports", "Cu", 2030, 100.0 * dependence, "kt/yr"),
            ("consumption", "Cu", 2030, 100.0, "kt/yr"),
        ]
        return RunRecord(run_id, {"cap": cap}, status, rows=rows if status == "optimal" else [])

    records = [
        record("p00", None, 0.8, 100.0),
        record("p01", 0.8, 0.8, 100.0),
        record("p02", 0.6, 0.6, 101.0),  # cheap cut
        record("p03", 0.5, 0.6, 102.0),  # costs more for the same dependence: dominated
        record("p04", 0.4, 0.4, 104.0),
        record("p05", 0.2, 0.2, 120.0),  # expensive: the curve bends at p04
        record("p06", 0.1, float("nan"), float("nan"), "infeasible"),
        # cheaper and less dependent, but only by leaving demand unmet: never a point,
        # and it dominates nothing
        record("p07", 0.05, 0.05, 90.0, curtailed=500.0),
    ]
    table = frontier_table(records, {"Cu": 1.0}, (2030,)).set_index("run_id")
    assert table.loc["p03", "dominated"] and not table.loc["p03", "on_frontier"]
    assert not table.loc["p06", "on_frontier"]
    assert not table.loc["p07", "on_frontier"] and table.loc["p07", "curtailed"] == 500.0
    assert table.loc[["p01", "p02", "p04", "p05"], "on_frontier"].all()
    assert table.loc["p04", "marginal_cost"] == pytest.approx((104 - 101) / 20)
    assert table.loc["p04", "knee"] and table["knee"].sum() == 1
    assert _knee(np.array([1.0, 0.5, 0.0]), np.array([0.0, 1.0, 2.0])) is None  # a line


@pytest.mark.slow
def test_cli_pareto_and_bad_metal(case, tmp_path):
    result = CliRunner().invoke(
        app,
        [
            "pareto",
            str(case),
            "-m",
            "Cu",
            "--caps",
            "0.7,0.5",
            "--out",
            str(tmp_path / "p"),
            "--workers",
            "0",
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    assert (tmp_path / "p" / "frontier.csv").is_file()
    with pytest.raises(InputError, match="did you mean 'Cu'"):
        pareto(case, "Cuu", workers=0)


@pytest.mark.slow
@pytest.mark.parametrize("metal", ["Fe", "Cu", "Li"])
def test_frontier_on_the_default_workbook_needs_no_curtailment(metal):
    """On the shipped case, capping the final year traces at least 8 points without any
    unmet demand, at least 15 points of dependence below the uncapped plan, with a cost
    that never falls and finite, positive marginal costs (the supply curves' steps)."""
    curve = pareto(default_workbook(), metal, points=8, workers=0)
    front = curve[curve["on_frontier"]].sort_values("dependence", ascending=False)
    assert len(front) >= 8, curve[["cap", "dependence", "total_cost", "curtailed"]]
    assert (front["curtailed"] == 0).all()
    assert_monotone(curve)
    marginal = front["marginal_cost"].iloc[1:]
    assert np.isfinite(marginal).all() and (marginal > 0).all()
    reference = curve.iloc[0]["dependence"]
    assert reference - front["dependence"].min() >= 0.15
    # points that curtail are listed apart, with their curtailed kt
    off = curve[(curve["curtailed"] > 0)]
    assert not off["on_frontier"].any()
