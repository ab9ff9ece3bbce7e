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
