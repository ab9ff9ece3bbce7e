"""The short terminal summary printed by ``msc run``."""

from __future__ import annotations

import math

from rich.console import Console
from rich.table import Table

from msc_model.report import natural
from msc_model.report.sentences import curtailment_sentence, money, policy_sentence, quantity


def _pct(value: float) -> str:
    return "–" if value is None or math.isnan(value) else f"{100 * value:.1f} %"


def print_summary(console: Console, result) -> None:
    """What the policy adds (or that demand is curtailed), dependence per metal (base
    year, 2030, 2035, final) against the target, the whole-system cost, and new capacity
    by stage and region."""
    data, results = result.data, result.results
    policy = result.policy
    names = {m: data.metal_names.get(m) or m for m in data.metals}
    years = (data.base_year, data.final_year)
    # the first line: curtailment (the plan is no answer), else what the policy adds
    for text in (curtailment_sentence(policy), policy_sentence(policy, years, names)):
        if text:
            style = "bold red" if text.startswith("Warning") else "bold"
            console.print(text, style=style, highlight=False)
    head = result.headline
    years = [c.removeprefix("dependence_") for c in head.columns if c.startswith("dependence_")]
    target_col = f"target_{data.final_year}"
    table = Table(title="External dependence (net imports / apparent consumption)")
    table.add_column("metal")
    for year in years:
        table.add_column(year, justify="right")
    table.add_column(f"target {data.final_year}", justify="right")
    table.add_column("unmet demand", justify="right")
    for row in head.to_dict("records"):
        name = data.metal_names.get(row["metal"]) or row["metal"]
        cells = [_pct(row[f"dependence_{y}"]) for y in years]
        unmet = quantity(row["unmet_total"], row["metal"])
        table.add_row(name, *cells, _pct(row[target_col]), unmet)
    console.print(table)

    cost = policy.plan_cost if policy is not None else result.outcome.objective
    console.print(
        f"Whole-system cost (present value, all demand, value of lost supply excluded): "
        f"{money(cost)}",
        highlight=False,
    )

    cap = results.capacity
    built = cap[cap["new"] > 1e-6].groupby(["metal", "process", "region"])["new"].sum()
    if built.empty:
        console.print("No new capacity is built.")
        return
    regions = sorted({r for *_, r in built.index}, key=data.regions.index)
    table = Table(title="New capacity over the horizon")
    table.add_column("metal, unit")
    table.add_column("stage")
    for region in regions:
        flag = " (hinterland)" if region in data.hinterland else ""
        table.add_column(region + flag, justify="right")
    for metal, process in dict.fromkeys((m, p) for m, p, _ in built.index):
        scale = natural.divisor(metal)
        cells = [f"{built.get((metal, process, r), 0.0) / scale:,.{_dp(metal)}f}" for r in regions]
        unit = natural.mass(metal) + ("" if process == "storage" else "/yr")
        table.add_row(f"{metal}, {unit}", process, *cells)
    console.print(table)


def _dp(metal: str) -> int:
    """Decimals of a capacity in natural units: Mt keep one (0.4 Mt is 400 kt)."""
    return 1 if metal in natural.MT_METALS else 0
