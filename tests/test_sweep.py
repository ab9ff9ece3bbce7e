"""Sweeps: a sweep's objectives equal separate read-build-solve runs, the tornado, Morris and
Sobol tables are SALib's analysis of our runs, failed runs become rows, and --resume
re-runs only what is missing."""

from __future__ import annotations

import os

import numpy as np
import openpyxl
import pandas as pd
import pytest
from factory import minimal_sheets, set_cell, write_workbook
from SALib.analyze import morris as salib_morris
from SALib.analyze import sobol as salib_sobol
from typer.testing import CliRunner

from msc_model.cli import app
from msc_model.errors import InputError, OutputError
from msc_model.pipeline import default_workbook, run
from msc_model.scenarios import sweep
from msc_model.scenarios.design import salib_problem
from msc_model.scenarios.sensitivity import morris_indices, output_matrix, sobol_indices, tornado

CU_PRICE = "cu_price=import_price[metal=Cu]:scale:0.6:1.8"
PRICE_ROWS = {("ore", 2500), ("refined", 9000)}  # Cu import prices of the factory, USD/t


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    return write_workbook(tmp_path_factory.mktemp("sweep") / "case.xlsx", minimal_sheets())


def objectives(frame: pd.DataFrame) -> pd.Series:
    rows = frame[frame["indicator"] == "total_cost"]
    return rows.set_index("run_id")["value"]


@pytest.mark.slow
def test_price_sweep_equals_separate_runs(case, tmp_path):
    frame = sweep(case, [CU_PRICE + ":6"], workers=0)
    swept = objectives(frame)
    factors = frame.groupby("run_id")["cu_price"].first()
    for run_id, factor in factors.items():
        sheets = minimal_sheets()
        for form, price in PRICE_ROWS:
            match = {"metal": "Cu", "form": form, "parameter": "import_price"}
            set_cell(
                sheets, "imports", match, "value", price * (1.0 if np.isnan(factor) else factor)
            )
        separate = run(write_workbook(tmp_path / f"{run_id}.xlsx", sheets)).outcome.objective
        assert swept[run_id] == pytest.approx(separate, rel=1e-6), run_id
    # prices are mutable Params: at most one build (none when this process still holds
    # a model of the same case from an earlier call), then re-solves of that instance
    assert frame.attrs["rebuilds"]["rebuilt"] <= 1
    assert swept.iloc[1:].is_monotonic_increasing  # dearer copper never costs less


@pytest.mark.slow
def test_twenty_variant_price_sweep_on_the_default_workbook(tmp_path):
    from msc_model.inputs import load_inputs
    from msc_model.model import build_model
    from msc_model.scenarios.design import parse_factor
    from msc_model.scenarios.overlays import apply_overrides
    from msc_model.solver import solve

    spec = "price=import_price:scale:0.5:1.5:20"
    frame = sweep(default_workbook(), [spec], method="grid", workers=0)
    swept = objectives(frame)
    base = load_inputs(default_workbook())
    factor = parse_factor(spec, base)
    for run_id, value in frame.groupby("run_id")["price"].first().items():
        # a fresh model and HiGHS instance per variant (the workbook is read once: reading
        # is not what differs between a sweep and separate runs)
        data = apply_overrides(base, [factor.override(value)])[0]
        separate = solve(build_model(data)).objective
        assert swept[run_id] == pytest.approx(separate, rel=1e-6), run_id


IN_PLACE = [
    "d=demand:scale:0.9:1.1:2",
    "c=max_collection_rate:scale:0.7:1.1:2",
    "k=capex:scale:0.6:1.6:2",
    "y=process_yield[metal=Cu,process=smelting]:scale:0.9:1:2",
    "price=import_price:scale:0.7:1.4:2",
    # capacity limits are Var bounds over mutable Params; availability a mutable coefficient
    "cap=max_capacity:scale:0.7:1.3:2",
    "b=max_build[metal=Li]:scale:0.5:1.5:2",
    "av=availability[metal=Cu]:scale:0.8:1:2",
    "imp=import_availability[metal=Li]:scale:0.6:1.2:2",
]


@pytest.mark.slow
@pytest.mark.parametrize("spec", IN_PLACE, ids=lambda s: s.split(":")[0].split("=")[1])
def test_a_sweep_re_solves_in_place_and_equals_fresh_builds(spec):
    """Demand, collection rate, capex, a yield, import prices, capacity and build limits,
    plant availability and import availability are mutable Params: the sweep builds the
    model once and every variant's answer equals a fresh build's."""
    from msc_model.inputs import load_inputs
    from msc_model.model import build_model
    from msc_model.scenarios.design import parse_factor
    from msc_model.scenarios.overlays import apply_overrides
    from msc_model.scenarios.runner import _LOCAL
    from msc_model.solver import solve

    _LOCAL.built = None  # this test counts its own build
    frame = sweep(default_workbook(), [spec], method="grid", workers=0)
    assert frame.attrs["rebuilds"]["rebuilt"] == 1, frame.attrs["rebuilds"]
    swept = objectives(frame)
    base = load_inputs(default_workbook())
    factor = parse_factor(spec, base)
    name = spec.split("=")[0]
    for run_id, value in frame.groupby("run_id")[name].first().items():
        data = apply_overrides(base, [factor.override(value)])[0]
        separate = solve(build_model(data)).objective
        assert swept[run_id] == pytest.approx(separate, rel=1e-7), (run_id, value)


def test_tornado_from_the_runs(case):
    frame = sweep(case, [CU_PRICE, "capex:scale:0.8:1.2"], workers=0)
    table = tornado(frame)
    cost = objectives(frame)
    values = frame.groupby("run_id")[["cu_price", "capex_scale"]].first()
    # the base run shows every factor at its workbook value (scale 1), not NaN
    assert frame.attrs["sweep"]["varied"][0] is None
    assert values.loc["r0000"].tolist() == [1.0, 1.0] and not values.isna().any().any()
    base = cost["r0000"]
    row = table[(table["output"] == "total_cost") & (table["factor"] == "cu_price")].iloc[0]
    at_high = cost[values["cu_price"] == 1.8].iloc[0]
    assert row["base"] == pytest.approx(base)
    assert row["delta_high"] == pytest.approx(at_high - base)
    assert row["swing"] == pytest.approx(abs(row["at_high"] - row["at_low"]))
    assert (row["low"], row["high"]) == (0.6, 1.8)
    cost_rows = table[table["output"] == "total_cost"]
    assert cost_rows["swing"].is_monotonic_decreasing  # largest bar on top
    assert list(table.columns[:5]) == ["output", "metal", "year", "unit", "factor"]
    total = cost_rows.iloc[0]
    assert total["metal"] == "all" and pd.isna(total["year"]) and total["unit"] == "MUSD"
    keys = set(table[["output", "metal", "year", "unit"]].itertuples(index=False, name=None))
    assert ("dependence", "Cu", 2027, "share") in keys
    assert all(name.isascii() for name in table.columns)


def test_a_set_factor_shows_the_workbook_value_in_runs_that_leave_it(case):
    spec = "refined_cu=import_price[metal=Cu,form=refined]:set:8:10:2:USD/kg"
    frame = sweep(case, [spec], workers=0)
    values = frame.groupby("run_id")["refined_cu"].first()
    assert values.tolist() == pytest.approx([9.0, 8.0, 10.0])  # 9000 USD/t in the workbook
    assert frame.attrs["sweep"]["factors"][0]["base"] == pytest.approx(9.0)


@pytest.mark.slow
def test_morris_and_sobol_are_salibs_analysis_of_our_runs(case, tmp_path):
    factors = [CU_PRICE, "capex:scale:0.8:1.2"]
    frame = sweep(case, factors, method="morris", samples=4, seed=3, out=tmp_path / "m", workers=0)
    design = frame.attrs["sweep"]
    table = morris_indices(frame)
    x = frame.groupby("run_id")[["cu_price", "capex_scale"]].first().to_numpy()
    y = output_matrix(frame)["total_cost"].to_numpy()
    problem = salib_problem([_F(f) for f in design["factors"]])
    expected = salib_morris.analyze(problem, x, y, num_levels=4, seed=3)
    assert list(table.columns[:5]) == ["output", "metal", "year", "unit", "factor"]
    assert all(name.isascii() for name in table.columns)
    ours = table[table["output"] == "total_cost"].set_index("factor")
    assert ours.loc["cu_price", "mu_star"] == pytest.approx(expected["mu_star"][0])
    assert ours.loc["capex_scale", "sigma"] == pytest.approx(expected["sigma"][1])
    assert ours.loc["cu_price", "mu_star"] > ours.loc["capex_scale", "mu_star"]
    summary = pd.read_excel(tmp_path / "m" / "summary.xlsx", sheet_name="Morris")
    # the workbook shows reader words (msc_model.report.labels) and money in bn USD; the
    # CSV keeps the ids and MUSD
    written = summary[summary["Output"] == "whole-system cost"].set_index("Factor")
    assert written.loc["cu_price", "Unit"] == "bn USD"
    assert written.loc["cu_price", "Morris μ*"] == pytest.approx(expected["mu_star"][0] / 1000)

    frame = sweep(case, factors, method="sobol", samples=8, seed=1, out=tmp_path / "s", workers=0)
    assert frame["run_id"].nunique() == 8 * (2 + 2)
    y = output_matrix(frame)["total_cost"].to_numpy()
    expected = salib_sobol.analyze(problem, y, calc_second_order=False, seed=1)
    ours = sobol_indices(frame)
    assert list(ours.columns[:5]) == ["output", "metal", "year", "unit", "factor"]
    dependence = ours[ours["output"] == "dependence"]
    assert set(dependence["unit"]) == {"share"} and set(dependence["year"]) == {2027}
    ours = ours[ours["output"] == "total_cost"].set_index("factor")
    assert ours.loc["cu_price", "ST"] == pytest.approx(expected["ST"][0])
    assert ours.loc["capex_scale", "S1"] == pytest.approx(expected["S1"][1])
    summary = pd.read_excel(tmp_path / "s" / "summary.xlsx", sheet_name="Sobol")
    assert summary.loc[summary["Factor"] == "cu_price", "Sobol total ST"].iloc[0] == pytest.approx(
        expected["ST"][0]
    )
    charts = openpyxl.load_workbook(tmp_path / "s" / "summary.xlsx")["Sobol"]._charts
    assert charts, "the Sobol sheet has its chart"


class _F:
    def __init__(self, f: dict) -> None:
        self.name, self.low, self.high = f["name"], f["low"], f["high"]


def test_failed_runs_become_rows_and_resume_runs_only_what_is_missing(case, tmp_path):
    out = tmp_path / "exports"
    # exports are a commitment (an equality): beyond what can be refined, no plan exists
    spec = "exports=export_demand:scale:1:30:5"
    first = sweep(case, [spec], out=out, workers=0)
    status = first.groupby("run_id")["status"].first()
    assert (status == "infeasible").sum() >= 2 and (status == "optimal").sum() >= 2
    failed = first[first["status"] == "infeasible"]
    assert failed["indicator"].isna().all() and failed["error"].str.contains("no feasible").all()
    runs = sorted((out / "runs").glob("*.parquet"))
    assert len(runs) == len(status)  # failed runs are stored too (with their error)
    stamps = {p.name: p.stat().st_mtime_ns for p in runs}
    lost = [runs[1], runs[-1]]  # one optimal and one failed run, as if interrupted
    for path in lost:
        path.unlink()
    with pytest.raises(OutputError, match="--resume"):
        sweep(case, [spec], out=out, workers=0)
    with pytest.raises(OutputError, match="another sweep"):
        sweep(case, ["exports=export_demand:scale:1:20:5"], out=out, workers=0, resume=True)
    again = sweep(case, [spec], out=out, workers=0, resume=True)
    after = {p.name: p.stat().st_mtime_ns for p in (out / "runs").glob("*.parquet")}
    rerun = {name for name in after if after[name] != stamps.get(name)}
    assert rerun == {p.name for p in lost}
    pd.testing.assert_frame_equal(
        again.sort_values(["run_id", "indicator", "metal", "year"], ignore_index=True),
        first.sort_values(["run_id", "indicator", "metal", "year"], ignore_index=True),
        check_dtype=False,
    )
    assert (out / "results.parquet").is_file() and (out / "results.csv").is_file()


@pytest.mark.slow
def test_cli_sweep_with_local_workers(case, tmp_path):
    out = tmp_path / "cli"
    result = CliRunner().invoke(
        app,
        [
            "sweep",
            str(case),
            "--vary",
            CU_PRICE,
            "--vary",
            "capex:scale:0.8:1.2",
            "--out",
            str(out),
            "--workers",
            "2",
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    tidy = pd.read_parquet(out / "results.parquet")
    assert {"run_id", "cu_price", "indicator", "metal", "year", "value", "unit"} <= set(
        tidy.columns
    )
    local = sweep(case, [CU_PRICE, "capex:scale:0.8:1.2"], workers=0)
    assert objectives(tidy).to_dict() == pytest.approx(objectives(local).to_dict(), rel=1e-9)
    workbook = openpyxl.load_workbook(out / "summary.xlsx")
    assert workbook["Tornado"]._charts, "the tornado chart is in the summary"
    runs = pd.read_csv(out / "runs.csv")
    # the runs ran in worker processes, at most two of them (which of the two takes how
    # many runs is timing: with re-solves in place one may finish all five before the
    # other has started)
    pids = {int(w.rsplit(":", 1)[1]) for w in runs["worker"]}
    assert os.getpid() not in pids and 1 <= len(pids) <= 2
    bad = CliRunner().invoke(
        app,
        [
            "sweep",
            str(case),
            "--vary",
            "import_price[metal=Xx]:scale:1:2",
            "--out",
            str(tmp_path / "bad"),
            "-q",
        ],
    )
    assert bad.exit_code == 2 and "'Xx'" in bad.output


def test_factor_errors_name_where(case):
    with pytest.raises(InputError, match="did you mean 'capex'"):
        sweep(case, ["capx:scale:1:2"], workers=0)
    with pytest.raises(InputError, match="at most 1"):  # 0.6 x 2 leaves the share range
        sweep(case, ["max_collection_rate[metal=Cu]:scale:1:2"], workers=0)
    with pytest.raises(InputError, match="low < high"):
        sweep(case, ["capex:scale:1.2:0.8"], method="sobol", workers=0)


def test_factors_from_a_sweep_sheet_and_around_a_scenario(tmp_path):
    sheets = minimal_sheets()
    sheets["sweep"] = [
        ["factor", "table", "metal", "operation", "low", "high", "steps", "unit"],
        ["cu_price", "import_price", "Cu", "scale", 0.6, 1.8, 3, None],
        ["li_demand", "demand", "Li", "add", -2000, 2000, None, "t/yr"],
    ]
    sheets["scenarios"] = [
        ["scenario", "table", "metal", "operation", "value"],
        ["dear_li", "import_price", "Li", "scale", 3],
    ]
    case = write_workbook(tmp_path / "case.xlsx", sheets)
    frame = sweep(case, workers=0, scenario="dear_li")
    values = frame.groupby("run_id")[["cu_price", "li_demand"]].first()
    varied = pd.Series(frame.attrs["sweep"]["varied"], index=values.index)
    assert sorted(values.loc[varied == "cu_price", "cu_price"]) == pytest.approx([0.6, 1.2, 1.8])
    li = values.loc[varied == "li_demand", "li_demand"]
    assert sorted(li) == pytest.approx([-2000, 2000])  # t/yr as given
    # runs that leave a factor alone show its workbook value: x1 for scale, +0 for add
    assert values.loc[varied != "cu_price", "cu_price"].eq(1.0).all()
    assert values.loc[varied != "li_demand", "li_demand"].eq(0.0).all()
    base = objectives(frame)["r0000"]
    assert base == pytest.approx(run(case, scenario="dear_li").outcome.objective, rel=1e-9)
    sheets["sweep"][2][5] = "lots"
    bad = write_workbook(tmp_path / "bad.xlsx", sheets)
    with pytest.raises(InputError, match=r"sweep!F3"):
        sweep(bad, workers=0)


def test_grid_varies_mutable_factors_fastest(case):
    # lifetime is built into the coefficients (capex is a mutable Param now)
    frame = sweep(case, [CU_PRICE + ":3", "lifetime:scale:0.8:1.2:2"], method="grid", workers=0)
    values = frame.groupby("run_id")[["cu_price", "lifetime_scale"]].first()
    assert len(values) == 3 * 2 and not values.isna().any().any()
    assert values["lifetime_scale"].tolist() == [0.8] * 3 + [1.2] * 3  # built-in outermost
    # one build per lifetime value (at most: an earlier call may have left one in this process)
    assert frame.attrs["rebuilds"]["rebuilt"] <= 2
