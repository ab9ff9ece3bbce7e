"""Tonnes in the secondary workbooks and terminal tables are in natural units (issue #15,
"natural units throughout"): iron in Mt, copper and lithium in kt; the API's frames and
the tidy files keep kt.

Each workbook is written from the shipped case through the Python API, which returns the
same tables in kt; every iron quantity a reader sees is checked against the API's value
divided by 1000 here (recomputed from the API's frames, never copied from the writer), its
header or row unit must say Mt, and copper and lithium must be exactly the API's kt.
Tonnes added across metals (a run's curtailed supply of all metals, a shock's unmet demand
of all metals) must not reach a reader at all: each metal's are shown instead.
"""

from __future__ import annotations

import numpy as np
import openpyxl
import pandas as pd
import pytest
from test_secondary_money import LI_PRICE, SCENARIOS, same, sheet, terminal_numbers
from typer.testing import CliRunner

from msc_model.cli import app
from msc_model.resilience.compare import run_robust
from msc_model.resilience.plan import Plan, read_plan
from msc_model.resilience.stress import run_stress
from msc_model.scenarios.comparison import compare
from msc_model.scenarios.sensitivity import sweep
from msc_model.scenarios.tradeoff import pareto
from msc_model.shipped import default_workbook

#: kt per Mt, written out here rather than imported from the code under test
MT = 1000.0
METALS = ("Fe", "Cu", "Li")
UNIT = {"Fe": "Mt", "Cu": "kt", "Li": "kt"}
#: what the model's tidy tables call tonnes (and tonnes a year)
KT = {"kt", "kt/yr"}


@pytest.fixture(scope="module")
def shipped():
    return default_workbook()


def scale(metals) -> np.ndarray:
    """What the API's kt are divided by on rows of ``metals`` to read as the reader's."""
    return np.array([MT if m == "Fe" else 1.0 for m in metals], dtype=float)


def unmet_per_metal(tidy: pd.DataFrame) -> pd.DataFrame:
    """run_id × metal: demand left unmet over the horizon (kt), from the tidy unmet demand
    rows (kt/yr per metal and year)."""
    rows = tidy[tidy["indicator"] == "unmet_demand"]
    return rows.pivot_table(index="run_id", columns="metal", values="value", aggfunc="sum")


def check_curtailed(shown: pd.DataFrame, ids, per_metal: pd.DataFrame, total) -> None:
    """The reader's curtailed supply columns: one a metal in its unit, equal to the API's
    kt (÷ 1000 for iron), adding up (in kt) to the API's all-metal ``curtailed``."""
    headers = [h for h in shown.columns if str(h).startswith("Curtailed supply")]
    assert headers == [f"Curtailed supply, {m} ({UNIT[m]})" for m in METALS]
    per_metal = per_metal.reindex(list(ids))
    back = 0.0
    for metal in METALS:
        column = shown[f"Curtailed supply, {metal} ({UNIT[metal]})"]
        same(column, per_metal[metal] / (MT if metal == "Fe" else 1.0))
        back = back + pd.to_numeric(column).to_numpy() * (MT if metal == "Fe" else 1.0)
    assert back == pytest.approx(list(total), rel=1e-9, abs=1e-6)


def test_compare_workbook_shows_iron_in_mt(shipped, tmp_path) -> None:
    path = tmp_path / "compare.xlsx"
    table = compare(shipped, SCENARIOS, output=path, workers=0)
    cases = ["base", *SCENARIOS, *(f"{s} - base" for s in SCENARIOS)]
    shown = sheet(path, "Indicators")
    # the all-metal curtailed row (kt of iron, copper and lithium added) is not shown
    summed = (table["metal"] == "all") & table["unit"].isin(KT)
    assert summed.any() and set(table.loc[summed, "indicator"]) == {"curtailed"}
    api = table[~summed].reset_index(drop=True)
    assert len(shown) == len(api)
    assert shown["Indicator"].tolist().count("curtailed supply") == 0
    tonnes = api["unit"].isin(KT).to_numpy()
    iron = tonnes & (api["metal"] == "Fe").to_numpy()
    assert iron.sum() >= 3 * 17  # net imports, consumption, unmet demand every year
    assert set(shown.loc[iron, "Unit"]) == {"Mt/yr"}
    assert set(shown.loc[tonnes & ~iron, "Unit"]) == {"kt/yr"}
    for case in cases:
        column = "Base" if case == "base" else case
        same(shown.loc[tonnes, column], api.loc[tonnes, case] / scale(api.loc[tonnes, "metal"]))
    net = (api["indicator"] == "net_imports") & (api["metal"] == "Fe")
    assert (api.loc[net, "base"] > 100_000).all()  # iron was six-digit kt/yr
    assert (pd.to_numeric(shown.loc[net.to_numpy(), "Base"]) < 1_000).all()
    # each case's curtailed supply per metal on the Runs sheet
    tidy = api[api["indicator"] == "unmet_demand"].melt(
        id_vars=["indicator", "metal", "year"], value_vars=["base", *SCENARIOS], var_name="run_id"
    )
    curtailed = table[table["indicator"] == "curtailed"].iloc[0]
    runs = sheet(path, "Runs")
    check_curtailed(runs, runs["id"], unmet_per_metal(tidy), curtailed[runs["id"]])
    # the terminal's table: unmet demand per metal, never one kt figure
    result = CliRunner().invoke(
        app, ["compare", str(shipped), "-s", ",".join(SCENARIOS), "-w", "0"]
    )
    assert result.exit_code == 0, result.output
    assert "unmet demand kt" not in result.output
    for case in ["base", *SCENARIOS]:
        assert terminal_numbers(result.output, case)[-1] == "none"  # no case curtails


@pytest.mark.slow
def test_frontier_of_iron_shows_curtailed_iron_in_mt(shipped, tmp_path) -> None:
    folder = tmp_path / "fe"
    # a zero cap on iron's dependence leaves iron demand unmet: a real Mt figure
    table = pareto(shipped, "Fe", caps=[0.5, 0.0], out=folder, workers=0)
    tidy = pd.read_parquet(folder / "results.parquet")  # the tidy file keeps kt
    per_metal = unmet_per_metal(tidy)
    assert per_metal.loc["p02", "Fe"] > 10_000  # over 10 Mt of iron
    assert per_metal.loc["p02", ["Cu", "Li"]].max() == pytest.approx(0.0, abs=1e-6)
    shown = sheet(folder / "frontier.xlsx", "Frontier")
    assert shown["id"].tolist() == table["run_id"].tolist()
    check_curtailed(shown, table["run_id"], per_metal, table["curtailed"])
    runs = sheet(folder / "frontier.xlsx", "Runs")
    check_curtailed(
        runs, runs["id"], per_metal, table.set_index("run_id").loc[runs["id"], "curtailed"]
    )
    # the tidy files keep the all-metal kt of the API
    written = pd.read_csv(folder / "frontier.csv")
    same(written["curtailed"], table["curtailed"])
    # the chart still marks the curtailed run apart
    ws = openpyxl.load_workbook(folder / "frontier.xlsx")["Frontier"]
    header = [c.value for c in ws[1]]
    at = header.index("curtailed dependence") + 1
    marked = [r[0] for r in ws.iter_rows(min_row=2, min_col=at, max_col=at, values_only=True)]
    assert [v for v in marked if v is not None] == [0.0]
    # the terminal's table: the curtailed iron in Mt
    args = ["pareto", str(shipped), "-m", "Fe", "--caps", "0.5,0", "--out", str(tmp_path / "t")]
    result = CliRunner().invoke(app, [*args, "-w", "0"])
    assert result.exit_code == 0, result.output
    iron = per_metal.loc["p02", "Fe"] / MT
    cells = terminal_numbers(result.output, "0.0 %")  # the row of the zero cap
    assert cells[3] == f"Fe {iron:,.{0 if iron >= 100 else 1}f} Mt" and cells[4] == "curtailed"


@pytest.mark.slow
def test_sweep_summary_shows_curtailed_supply_per_metal(shipped, tmp_path) -> None:
    frame = sweep(shipped, [LI_PRICE], method="oat", out=tmp_path / "oat", workers=0)
    runs = sheet(tmp_path / "oat" / "summary.xlsx", "Runs")
    total = frame[frame["indicator"] == "curtailed"].set_index("run_id")["value"]
    check_curtailed(runs, runs["id"], unmet_per_metal(frame), total.loc[runs["id"]])
    tidy = pd.read_csv(tmp_path / "oat" / "runs.csv")
    assert "curtailed" in tidy.columns  # the tidy runs table keeps the API's kt


@pytest.mark.slow  # every shock of the shipped case
def test_stress_workbook_shows_iron_in_mt(shipped, tmp_path) -> None:
    path = tmp_path / "stress.xlsx"
    report, _, _ = run_stress(shipped, output=path)
    # Resilience by metal: a column per quantity, each row in its metal's unit
    api = report.by_metal()
    shown = sheet(path, "Resilience by metal")
    assert shown["Metal"].tolist() == api["metal"].tolist()
    for column, words in {"unmet": "Unmet demand", "extra_unmet": "Extra unmet",
                          "reserve_before": "Reserve before", "reserve_drawn": "Reserve drawn",
                          "reserve_drawn_baseline": "Reserve drawn baseline"}.items():  # fmt: skip
        same(shown[f"{words} (Fe Mt; Cu, Li kt)"], api[column] / scale(api["metal"]))
    same(shown["Cover before days (days)"], api["cover_before_days"])  # days: as they were
    # the summary adds no tonnes across metals; the chart's table has them per metal
    summary = sheet(path, "Resilience")
    assert not [h for h in summary.columns if "kt" in h or "Mt" in h]
    ws = openpyxl.load_workbook(path)["Resilience"]
    rows = list(ws.iter_rows(values_only=True))
    top = next(i for i, r in enumerate(rows) if r[0] and str(r[0]).startswith("Extra unmet"))
    assert rows[top][0].endswith("(Fe Mt; Cu, Li kt)")
    assert rows[top + 1][:4] == ("case", "Fe (Mt)", "Cu (kt)", "Li (kt)")
    extra = api.pivot_table(index="case", columns="metal", values="extra_unmet", sort=False)
    for row in rows[top + 2 : top + 2 + len(extra)]:
        same(row[1:4], [extra.loc[row[0], m] / (MT if m == "Fe" else 1.0) for m in METALS])
    # tidy sheets with a unit column: iron rows in Mt (or Mt/yr), the unit saying so
    for name, frame, columns in (
        ("Capacity", report.nominal.capacity, ["residual", "new", "total"]),
        ("Reserves", report.nominal.stock, ["stock", "fill", "draw", "storage_capacity"]),
        ("Reserve use", report.reserves(), ["stock", "fill", "draw", "storage_capacity"]),
    ):
        shown = sheet(path, name)
        assert len(shown) == len(frame), name
        iron = (frame["metal"] == "Fe").to_numpy()
        expected = frame["unit"].where(~iron, frame["unit"].str.replace("kt", "Mt"))
        assert shown["Unit"].tolist() == expected.tolist(), name
        for column in columns:
            header = next(h for h in shown.columns if h.split(" (")[0].lower().replace(" ", "_")
                          in (column, f"reserve_{column}"))  # fmt: skip
            same(shown[header], frame[column].to_numpy() / scale(frame["metal"]))
    capacity = sheet(path, "Capacity")
    assert "Fe Mt/yr; Cu, Li kt/yr; storage Fe Mt; Cu, Li kt" in capacity.columns[4]
    fe = report.nominal.capacity[report.nominal.capacity["metal"] == "Fe"]
    assert fe["total"].max() > 100_000 and capacity["Unit"].eq("Mt/yr").any()
    # the worst shock's unmet demand among the indicators
    shown = sheet(path, "Resilience indicators")
    worst = shown["Indicator"] == "unmet demand, worst shock"
    assert shown.loc[worst, "Unit"].tolist() == ["Mt", "kt", "kt"]


def test_the_stress_workbook_read_back_as_a_plan_is_the_plan_in_kt(shipped, tmp_path):
    """``msc stress --plan stress.xlsx`` reads its Capacity and Reserves sheets, where iron
    is in Mt now: each row's unit converts it back to the model's kt."""
    path = tmp_path / "stress.xlsx"
    report, _, _ = run_stress(shipped, shocks=["east_port_disruption"], output=path)
    plan = Plan.from_results(report.nominal)
    read = read_plan(path)
    assert {k[0] for k in read.new_capacity} == set(METALS)
    assert read.new_capacity == pytest.approx(plan.new_capacity, rel=1e-12)
    assert read.new_storage == pytest.approx(plan.new_storage, rel=1e-12)
    assert read.stock == pytest.approx(plan.stock, rel=1e-12, abs=1e-9)
    # and the same stress from the file costs the same
    again, _, _ = run_stress(shipped, plan=path, shocks=["east_port_disruption"])
    assert again.cases[0].extra_cost == pytest.approx(report.cases[0].extra_cost, rel=1e-6)


@pytest.mark.slow  # every shock of the shipped case, twice
def test_stress_terminal_lists_tonnes_per_metal(shipped) -> None:
    report, _, _ = run_stress(shipped)
    result = CliRunner().invoke(app, ["stress", str(shipped)])
    assert result.exit_code == 0, result.output
    assert "unmet kt" not in result.output and "drawn kt" not in result.output
    api = report.by_metal()
    drawn = api[(api["case"] == "east_port_disruption") & (api["metal"] == "Cu")]
    cells = terminal_numbers(result.output, "east_port_disruption")
    assert cells[1] == f"Cu {drawn['reserve_drawn'].iloc[0]:,.0f} kt"


@pytest.mark.slow
def test_shock_aware_workbook_shows_iron_in_mt(shipped, tmp_path) -> None:
    path = tmp_path / "robust.xlsx"
    _, comparison, _ = run_robust(shipped, path)
    holdings, shown = comparison.holdings(), sheet(path, "Plan holdings")
    for column, words, unit in (
        ("storage_built", "Storage built", "Fe Mt; Cu, Li kt"),
        ("reserve_held", "Reserve held", "Fe Mt; Cu, Li kt"),
        ("hinterland_smelting", "Hinterland smelting", "Fe Mt/yr; Cu, Li kt/yr"),
        ("hinterland_processing", "Hinterland processing", "Fe Mt/yr; Cu, Li kt/yr"),
        ("expected_unmet", "Expected unmet", "Fe Mt; Cu, Li kt"),
        ("worst_unmet", "Worst unmet", "Fe Mt; Cu, Li kt"),
    ):
        same(shown[f"{words} ({unit})"], holdings[column] / scale(holdings["metal"]))
    fe = holdings["metal"] == "Fe"
    assert holdings.loc[fe, "hinterland_smelting"].min() > 100_000  # six-digit kt of iron
    # per plan and scenario: money only; per metal on Scenarios by metal
    plans = sheet(path, "Plan comparison")
    scenarios = sheet(path, "Scenarios")
    for table in (plans, scenarios):
        assert not [h for h in table.columns if "kt" in h or "Mt" in h]
    api, shown = comparison.by_metal(), sheet(path, "Scenarios by metal")
    assert len(shown) == len(api)
    for column, words in {"unmet": "Unmet demand", "extra_unmet": "Extra unmet",
                          "reserve_drawn": "Reserve drawn"}.items():  # fmt: skip
        same(shown[f"{words} (Fe Mt; Cu, Li kt)"], api[column] / scale(api["metal"]))
    # What it buys: per metal in its unit; the total row only the money
    gains, shown = comparison.gains(), sheet(path, "What it buys")
    per = gains["metal"] != "all"
    same(shown.loc[per.to_numpy(), "Extra reserve (Fe Mt; Cu, Li kt)"],
         gains.loc[per, "extra_reserve"] / scale(gains.loc[per, "metal"]))  # fmt: skip
    total = shown[shown["Metal"] == "all"].iloc[0]
    assert pd.isna(total["Unmet avoided (Fe Mt; Cu, Li kt)"])
    # the robust command's table: per metal, iron in Mt
    result = CliRunner().invoke(app, ["run", str(shipped), "--robust"])
    assert result.exit_code == 0, result.output
    assert "kt per bn USD" not in result.output and "unmet demand, kt" not in result.output
    row = holdings[(holdings["plan"] == "deterministic") & fe].iloc[0]
    year = int(row["year"])
    cells = terminal_numbers(result.output, f"Fe hinterland smelting {year}, Mt/yr")
    assert cells[0] == f"{row['hinterland_smelting'] / MT:,.1f}"
    assert terminal_numbers(result.output, "Fe expected unmet, Mt")[0] == (
        f"{row['expected_unmet'] / MT:,.1f}"
    )
