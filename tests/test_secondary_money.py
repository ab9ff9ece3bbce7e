"""Money in the secondary workbooks and terminal tables is in bn USD (issue #15, "natural
units throughout"); the API's frames and the tidy files keep MUSD.

Each workbook is written from the shipped case through the Python API, which returns the
same tables in MUSD; every money cell a reader sees is checked against the API's value
divided by 1000 here (not against a number copied from an earlier run), its header or row
unit must say bn USD, and numbers that are not money (shares, kt, factor values, Sobol
indices) must be exactly the API's. The terminal tables are read the same way from a run
of the command.
"""

from __future__ import annotations

import math
import re

import numpy as np
import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from msc_model.cli import app
from msc_model.resilience.compare import run_robust
from msc_model.resilience.stress import run_stress
from msc_model.scenarios.comparison import compare
from msc_model.scenarios.sensitivity import morris_indices, output_matrix, sobol_indices, sweep
from msc_model.scenarios.sensitivity import tornado as tornado_table
from msc_model.scenarios.tradeoff import pareto
from msc_model.shipped import default_workbook

#: million USD per bn USD, written out here rather than imported from the code under test
BN = 1000.0
SCENARIOS = ["high_li_price", "tight_cu_cap"]
LI_PRICE = "li_price=import_price[metal=Li]:scale:0.5:2"


def sheet(path, name: str) -> pd.DataFrame:
    """A sheet's table as a reader sees it: row 1 the headers, down to the first blank row
    (a chart's data table may follow below); blank cells as NaN."""
    rows = openpyxl.load_workbook(path, read_only=True)[name].iter_rows(values_only=True)
    header = [h for h in next(rows) if h is not None]
    body = []
    for row in rows:
        if all(v is None for v in row):
            break
        body.append(list(row[: len(header)]))
    return pd.DataFrame(body, columns=header).fillna(np.nan)


def same(shown, expected) -> None:
    """Cells equal the expected values (blank for NaN; solver dust below 1e-9 shows as 0)."""
    shown = pd.to_numeric(pd.Series(list(shown)), errors="coerce").to_numpy(dtype=float)
    expected = np.asarray(list(expected), dtype=float)
    assert shown == pytest.approx(expected, rel=1e-9, abs=1e-9, nan_ok=True)


def no_million(path) -> None:
    """No header, unit or label of the workbook names million USD (the compare Changes
    sheet echoes input units such as MUSD/kt, a price, with the cell they came from)."""
    book = openpyxl.load_workbook(path, read_only=True)
    for ws in book.worksheets:
        for row in ws.iter_rows(values_only=True):
            for value in row:
                if isinstance(value, str) and ws.title != "Changes":
                    assert "MUSD" not in value and "million USD" not in value, (ws.title, value)


def terminal_numbers(output: str, label: str) -> list[str]:
    """The cells of the terminal table row that starts with ``label``."""
    for line in output.splitlines():
        cells = [c.strip() for c in re.split(r"[│┃]", line)]
        if len(cells) > 2 and cells[1] == label:
            return cells[2:-1]
    raise AssertionError(f"no row {label!r} in:\n{output}")


@pytest.fixture(scope="module")
def shipped():
    return default_workbook()


@pytest.mark.slow
def test_compare_workbook_and_table_show_bn_usd(shipped, tmp_path) -> None:
    path = tmp_path / "compare.xlsx"
    table = compare(shipped, SCENARIOS, output=path, workers=0)
    cases = ["base", *SCENARIOS, *(f"{s} - base" for s in SCENARIOS)]
    shown = sheet(path, "Indicators")
    # the reader's table has no all-metal curtailed row (kt): see test_secondary_mass
    plan = table[table["indicator"] == "plan_cost"].iloc[0]
    table = table[table["indicator"] != "curtailed"].reset_index(drop=True)
    assert len(shown) == len(table)
    assert "MUSD" in set(table["unit"]) and "MUSD/pp" in set(table["unit"])  # the API keeps MUSD
    units = {"MUSD": "bn USD", "MUSD/pp": "bn USD per pp"}
    for unit, reader in units.items():
        rows = (table["unit"] == unit).to_numpy()
        assert set(shown.loc[rows, "Unit"]) == {reader}
        for case in cases:
            column = "Base" if case == "base" else case
            same(shown.loc[rows, column], table.loc[rows, case] / BN)
    shares = (table["unit"] == "share").to_numpy()
    same(shown.loc[shares, "Base"], table.loc[shares, "base"])  # not money: as it was
    charts = sheet(path, "Charts")
    cost = charts[charts["Indicator"] == "plan cost"]
    assert cost["Unit"].tolist() == ["bn USD"]
    same(cost[["Base", *SCENARIOS]].iloc[0], plan[["base", *SCENARIOS]] / BN)
    runs = sheet(path, "Runs").set_index("id")
    same(
        runs.loc[["base", *SCENARIOS], "Plan cost (bn USD, present value)"],
        plan[["base", *SCENARIOS]] / BN,
    )
    no_million(path)
    # the terminal's table of the same cases
    result = CliRunner().invoke(
        app, ["compare", str(shipped), "-s", ",".join(SCENARIOS), "-w", "0"]
    )
    assert result.exit_code == 0, result.output
    assert "plan cost bn USD" in result.output and "MUSD" not in result.output
    for case in SCENARIOS:
        cells = terminal_numbers(result.output, case)
        assert cells[0] == f"{plan[case] / BN:,.1f}"
        assert cells[1] == f"{(plan[case] - plan['base']) / BN:+,.2f}"


@pytest.mark.slow
def test_frontier_workbook_and_table_show_bn_usd(shipped, tmp_path) -> None:
    folder = tmp_path / "fr"
    table = pareto(shipped, "Cu", points=3, out=folder, workers=0)
    shown = sheet(folder / "frontier.xlsx", "Frontier")
    assert len(shown) == len(table) and shown["id"].tolist() == table["run_id"].tolist()
    money = {
        "Whole-system cost (bn USD, present value)": "total_cost",
        "Cost increase over the uncapped plan (bn USD, present value)": "cost_increase",
        "Marginal cost (bn USD per pp, present value)": "marginal_cost",
    }
    for header, column in money.items():
        same(shown[header], table[column] / BN)
    assert table["marginal_cost"].notna().any()
    same(shown["Dependence (%)"], table["dependence"])
    curtailed = [h for h in shown.columns if h.startswith("Curtailed supply, ")]
    assert curtailed == ["Curtailed supply, Fe (Mt)", "Curtailed supply, Cu (kt)",
                         "Curtailed supply, Li (kt)"]  # fmt: skip
    # the chart's data beside the table: frontier points, in bn USD
    ws = openpyxl.load_workbook(folder / "frontier.xlsx")["Frontier"]
    header = [c.value for c in ws[1]]
    costs = [r[0] for r in ws.iter_rows(min_row=2, min_col=header.index("frontier cost") + 1,
                                        max_col=header.index("frontier cost") + 1, values_only=True)
             if r[0] is not None]  # fmt: skip
    front = table[table["on_frontier"]].sort_values("dependence", ascending=False)
    same(costs, front["total_cost"] / BN)
    # the tidy file keeps MUSD, as the API
    written = pd.read_csv(folder / "frontier.csv")
    same(written["total_cost"], table["total_cost"])
    no_million(folder / "frontier.xlsx")
    # the terminal's table
    args = ["pareto", str(shipped), "-m", "Cu", "--points", "3", "--out", str(tmp_path / "t")]
    result = CliRunner().invoke(app, [*args, "-w", "0"])
    assert result.exit_code == 0, result.output
    assert "extra bn USD" in result.output and "bn USD per pp" in result.output
    assert "MUSD" not in result.output
    knee = table[table["knee"]].iloc[0]
    line = next(line for line in result.output.splitlines() if "knee" in line)
    assert f"{knee.cost_increase / BN:,.2f}" in line
    assert f"{knee.marginal_cost / BN:,.3f}" in line


@pytest.mark.slow
def test_sweep_summaries_show_bn_usd(shipped, tmp_path) -> None:
    frame = sweep(shipped, [LI_PRICE], method="oat", out=tmp_path / "oat", workers=0)
    summary = tmp_path / "oat" / "summary.xlsx"
    expected = tornado_table(frame)
    shown = sheet(summary, "Tornado")
    assert len(shown) == len(expected)
    cost = (expected["unit"] == "MUSD").to_numpy()
    assert cost.any() and set(shown.loc[cost, "Unit"]) == {"bn USD"}
    columns = {"Base": "base", "Output at low end": "at_low", "Output at high end": "at_high",
               "Change at low end": "delta_low", "Change at high end": "delta_high",
               "Swing": "swing"}  # fmt: skip
    for header, column in columns.items():
        same(shown.loc[cost, header], expected.loc[cost, column] / BN)
        same(shown.loc[~cost, header], expected.loc[~cost, column])  # shares: as they were
    same(shown["Low end"], expected["low"])  # factor values are not money
    same(shown["High end"], expected["high"])
    outputs = sheet(summary, "Outputs")
    same(
        outputs["Whole-system cost (bn USD, present value)"],
        output_matrix(frame)["total_cost"] / BN,
    )
    runs = sheet(summary, "Runs")
    plan = frame[frame["indicator"] == "plan_cost"].set_index("run_id")["value"]
    same(runs["Plan cost (bn USD, present value)"], plan.loc[runs["id"]] / BN)
    same(runs["li_price"], frame.groupby("run_id")["li_price"].first().loc[runs["id"]])
    tidy = pd.read_parquet(tmp_path / "oat" / "results.parquet")
    assert set(tidy.loc[tidy["indicator"] == "total_cost", "unit"]) == {"MUSD"}
    no_million(summary)

    frame = sweep(shipped, [LI_PRICE], method="morris", samples=4, out=tmp_path / "m", workers=0)
    expected = morris_indices(frame)
    shown = sheet(tmp_path / "m" / "summary.xlsx", "Morris")
    cost = (expected["unit"] == "MUSD").to_numpy()
    assert cost.any() and set(shown.loc[cost, "Unit"]) == {"bn USD"}
    for header, column in {"Morris μ": "mu", "Morris μ*": "mu_star", "Morris σ": "sigma",
                           "μ* confidence interval": "mu_star_conf"}.items():  # fmt: skip
        same(shown.loc[cost, header], expected.loc[cost, column] / BN)
    same(shown["Trajectories"], expected["trajectories"])

    frame = sweep(shipped, [LI_PRICE], method="sobol", samples=8, out=tmp_path / "s", workers=0)
    expected = sobol_indices(frame)
    shown = sheet(tmp_path / "s" / "summary.xlsx", "Sobol")
    cost = (expected["unit"] == "MUSD").to_numpy()
    assert cost.any() and set(shown.loc[cost, "Unit"]) == {"bn USD"}
    for header, column in {"Sobol first order S1": "S1", "Sobol total ST": "ST"}.items():
        same(shown[header], expected[column])  # indices have no unit: never divided


@pytest.mark.slow
def test_stress_workbook_and_table_show_bn_usd(shipped, tmp_path) -> None:
    path = tmp_path / "stress.xlsx"
    report, _, _ = run_stress(shipped, output=path)
    summary = report.summary()
    shown = sheet(path, "Resilience")
    assert shown["case"].tolist() == summary["case"].tolist()
    same(shown["Extra cost (bn USD, present value)"], summary["extra_cost"] / BN)
    same(shown["Extra supply cost (bn USD, present value)"], summary["extra_supply_cost"] / BN)
    # tonnes of a whole shock would add iron to copper: per metal on Resilience by metal
    assert not [h for h in shown.columns if "kt" in str(h) or "Mt" in str(h)]
    assert summary["extra_cost"].abs().max() > BN  # a shock costs more than a bn USD
    no_million(path)
    result = CliRunner().invoke(app, ["stress", str(shipped)])
    assert result.exit_code == 0, result.output
    assert "MUSD" not in result.output and "bn USD" in result.output
    for row in summary.itertuples():
        assert f"{row.extra_cost / BN:,.2f}" in terminal_numbers(result.output, row.case)


@pytest.mark.slow
def test_shock_aware_workbook_shows_bn_usd(shipped, tmp_path) -> None:
    path = tmp_path / "robust.xlsx"
    _, comparison, _ = run_robust(shipped, path)
    plans, shown = comparison.plans(), sheet(path, "Plan comparison")
    same(shown["Expected cost (bn USD, present value)"], plans["expected_cost"] / BN)
    same(shown["Normal cost (bn USD, present value)"], plans["normal_cost"] / BN)
    for column in ("expected_lost_value", "worst_lost_value"):
        words = column.replace("_lost_value", "").capitalize() + " value of lost supply"
        same(shown[f"{words} (bn USD, undiscounted)"], plans[column] / BN)
    gains, shown = comparison.gains(), sheet(path, "What it buys")
    same(shown["Extra normal cost (bn USD, present value)"], gains["extra_normal_cost"] / BN)
    # kt per bn USD of the total row added iron to copper: not shown (see test_secondary_mass)
    assert not [h for h in shown.columns if "per bn USD" in h]
    scenarios, shown = comparison.scenarios(), sheet(path, "Scenarios")
    money = [h for h in shown.columns if "(bn USD, present value)" in h]
    assert len(money) == 2
    same(shown[money[0]], scenarios["cost"] / BN)
    same(shown[money[1]], scenarios["extra_cost"] / BN)
    assert not math.isnan(plans["normal_cost"].iloc[0])
    no_million(path)
    # "Expected cost (bn USD, present value)" wraps: its row is tall enough for two lines
    # (LibreOffice keeps the default height, and the second line covered the values)
    assert openpyxl.load_workbook(path)["Plan comparison"].row_dimensions[1].height >= 30
