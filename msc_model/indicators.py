"""Indicators: one small function per KPI, computed from :class:`Results` only.

Each returns a tidy DataFrame with a ``unit`` column (``share`` for dimensionless ratios).
Ratios with a zero denominator are NaN, never 0 or inf, so a report shows "n/a" rather
than a misleading number. Dependence is recomputed from the extracted flows with the
workbook's definition (:func:`msc_model.model.sets.counted_forms`), not read from the
model, so it also holds for results that came from a run without a cap.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from msc_model.data import ModelData
from msc_model.model.objective import PLAN_TERMS
from msc_model.model.sets import counted_forms, dependence_targets, discount_factors
from msc_model.results import Results

SHARE = "share"
_PRODUCERS = {"ore": ("mining",), "refined": ("smelting", "recycling"), "product": ("processing",)}


def _ratio(numerator: pd.Series, denominator: pd.Series) -> pd.Series:
    """numerator / denominator, NaN where the denominator is (numerically) zero."""
    denominator = denominator.where(denominator.abs() > 1e-9)
    return (numerator / denominator).astype(float)


def _national(frame: pd.DataFrame, by: list[str], value: str = "value") -> pd.Series:
    return frame.groupby(by, sort=True)[value].sum()


def _stage_table(results: Results) -> pd.DataFrame:
    """Per metal, form, year: domestic production, net imports and apparent consumption.

    Production of scrap is collected old scrap plus prompt scrap.
    """
    act = results.activity
    parts = []
    for form, processes in _PRODUCERS.items():
        rows = act[act["process"].isin(processes)]
        parts.append(_national(rows, ["metal", "year"]).rename(form))
    scrap = results.scrap.assign(value=results.scrap["collected"] + results.scrap["prompt"])
    parts.append(_national(scrap, ["metal", "year"]).rename("scrap"))
    production = pd.concat(parts, axis=1).fillna(0.0)
    production.columns.name = "form"
    production = production.stack().rename("production")

    imports = _national(results.imports, ["metal", "form", "year"])
    exports = _national(results.exports, ["metal", "form", "year"])
    table = production.reorder_levels(["metal", "form", "year"]).to_frame()
    table["net_imports"] = imports.reindex(table.index, fill_value=0.0) - exports.reindex(
        table.index, fill_value=0.0
    )
    table["apparent_consumption"] = table["production"] + table["net_imports"]
    return table.reset_index()


def dependence(results: Results, data: ModelData) -> pd.DataFrame:
    """External dependence per metal and year (the headline indicator): USGS's net import
    reliance.

    ``net_imports = Σ_{k ∈ K_m} (imports − exports) + stock draws − stock fills`` (a draw
    counts like an import in the year it is drawn);
    ``consumption = mining + [scrap ∈ K_m] · old scrap recycled + net_imports`` with old
    scrap recycled = recycling input − prompt scrap − net scrap imports;
    ``value = net_imports / consumption``; ``target`` is the interpolated cap (NaN where
    none applies). Columns: metal, year, net_imports, consumption (kt/yr), value, target,
    unit (share).
    """
    rows = []
    imports = _national(results.imports, ["metal", "form", "year"])
    exports = _national(results.exports, ["metal", "form", "year"])
    mining = _national(results.activity[results.activity["process"] == "mining"], ["metal", "year"])
    recycled = _national(results.scrap, ["metal", "year"], "recycled_input")
    prompt = _national(results.scrap, ["metal", "year"], "prompt")
    stock = results.stock.groupby(["metal", "year"], sort=True)[["draw", "fill"]].sum()
    drawn = stock["draw"] - stock["fill"]
    targets = dependence_targets(data)
    years = sorted(results.demand["year"].unique())
    for metal in data.metals:
        forms = counted_forms(data, metal)
        for t in years:
            net = sum(
                imports.get((metal, k, t), 0.0) - exports.get((metal, k, t), 0.0) for k in forms
            )
            net += drawn.get((metal, t), 0.0)
            domestic = mining.get((metal, t), 0.0)
            if "scrap" in forms:
                net_scrap = imports.get((metal, "scrap", t), 0.0) - exports.get(
                    (metal, "scrap", t), 0.0
                )
                domestic += recycled.get((metal, t), 0.0) - prompt.get((metal, t), 0.0) - net_scrap
            rows.append((metal, t, net, domestic + net, targets.get((metal, t), np.nan)))
    frame = pd.DataFrame(rows, columns=["metal", "year", "net_imports", "consumption", "target"])
    frame.insert(4, "value", _ratio(frame["net_imports"], frame["consumption"]))
    frame["unit"] = SHARE
    return frame


def dependence_by_stage(results: Results) -> pd.DataFrame:
    """Net imports of each form over that stage's apparent consumption (production + net
    imports). Columns: metal, form, year, production, net_imports, apparent_consumption
    (kt/yr), value, unit (share)."""
    table = _stage_table(results)
    table["value"] = _ratio(table["net_imports"], table["apparent_consumption"])
    table["unit"] = SHARE
    return table


def hinterland_share(results: Results, data: ModelData) -> pd.DataFrame:
    """Share of national capacity in hinterland regions, per metal, process and year
    (storage included as process ``storage``). Columns: metal, process, year, hinterland,
    national, value, unit."""
    cap = results.capacity.assign(inland=results.capacity["region"].isin(data.hinterland))
    national = _national(cap, ["metal", "process", "year"], "total")
    inland = _national(cap[cap["inland"]], ["metal", "process", "year"], "total")
    frame = national.rename("national").to_frame()
    frame.insert(0, "hinterland", inland.reindex(frame.index, fill_value=0.0))
    frame["value"] = _ratio(frame["hinterland"], frame["national"])
    frame["unit"] = SHARE
    return frame.reset_index()


def supplier_concentration(results: Results) -> pd.DataFrame:
    """Herfindahl–Hirschman index (Σ share², 0–1) and top-3 share of imports by origin,
    all forms together, per metal and year. NaN where nothing is imported."""
    by_origin = _national(results.imports, ["metal", "year", "origin"])
    rows = []
    for (metal, year), group in by_origin.groupby(level=["metal", "year"], sort=True):
        total = group.sum()
        shares = (group / total).sort_values(ascending=False) if total > 1e-9 else None
        hhi = float((shares**2).sum()) if shares is not None else np.nan
        top3 = float(shares.iloc[:3].sum()) if shares is not None else np.nan
        rows.append((metal, year, total, hhi, top3, SHARE))
    return pd.DataFrame(rows, columns=["metal", "year", "imports", "hhi", "top3_share", "unit"])


def recycling_rate(results: Results) -> pd.DataFrame:
    """Collected old scrap over end-of-life scrap arising, national, per metal and year."""
    national = results.scrap.groupby(["metal", "year"], sort=True)[
        ["end_of_life", "collected"]
    ].sum()
    national["value"] = _ratio(national["collected"], national["end_of_life"])
    national["unit"] = SHARE
    return national.reset_index()


def recycled_share(results: Results) -> pd.DataFrame:
    """Recycling output over refined supply (smelting + recycling + refined imports)."""
    act = results.activity
    recycled = _national(act[act["process"] == "recycling"], ["metal", "year"])
    smelted = _national(act[act["process"] == "smelting"], ["metal", "year"])
    imported = _national(results.imports[results.imports["form"] == "refined"], ["metal", "year"])
    frame = pd.concat(
        [recycled.rename("recycling"), smelted.rename("smelting"), imported.rename("imports")],
        axis=1,
    ).fillna(0.0)
    frame["value"] = _ratio(frame["recycling"], frame.sum(axis=1))
    frame["unit"] = SHARE
    return frame.rename_axis(["metal", "year"]).reset_index()


def reserve_cover_days(results: Results) -> pd.DataFrame:
    """National stock at year end over national demand, in days (stock / demand × 365)."""
    stock = _national(results.stock, ["metal", "year"], "stock")
    demand = _national(results.demand, ["metal", "year"])
    frame = pd.concat([stock.rename("stock"), demand.rename("demand")], axis=1).fillna(0.0)
    frame["value"] = _ratio(frame["stock"] * 365.0, frame["demand"])
    frame["unit"] = "day"
    return frame.rename_axis(["metal", "year"]).reset_index()


def unmet_demand(results: Results) -> pd.DataFrame:
    """Demand not met per metal, region and year (kt/yr), with its share of demand."""
    frame = results.unmet.copy()
    frame["share"] = _ratio(frame["value"], frame["demand"])
    return frame


def cost_breakdown(results: Results) -> pd.DataFrame:
    """Total cost per term over the horizon, undiscounted and discounted (MUSD), and the
    share of each term in the plan's discounted cost (NaN for the value of lost supply,
    which is not a cost and is not part of it)."""
    costs = results.costs
    frame = costs.groupby("term", sort=False)[["undiscounted", "discounted"]].sum()
    plan = frame.loc[[t for t in frame.index if t in PLAN_TERMS], "discounted"].sum()
    frame["share"] = _ratio(frame["discounted"], pd.Series(plan, frame.index))
    frame.loc[[t for t in frame.index if t not in PLAN_TERMS], "share"] = np.nan
    frame["unit"] = "MUSD"
    if "kind" in costs:
        frame["kind"] = costs.groupby("term", sort=False)["kind"].first()
    return frame.reset_index()


def dependence_marginal_cost(results: Results, data: ModelData) -> pd.DataFrame:
    """Cost of tightening each dependence cap by one percentage point.

    Relaxing the target by 0.01 relaxes ``net_imports − target · consumption ≤ 0`` by
    ``0.01 · consumption`` kt, so the cost of *tightening* it is
    ``−dual · consumption / 100`` (the HiGHS dual of a binding ≤ row in a minimisation is
    ≤ 0, so this is ≥ 0; zero when the cap is slack). ``value`` is in present-value MUSD
    (the objective's money), ``undiscounted`` in money of that year.
    """
    frame = results.duals[["metal", "year", "dual", "target", "consumption"]].copy()
    frame["value"] = (-frame["dual"] * frame["consumption"] / 100.0).clip(lower=0.0)
    factors = discount_factors(data)
    frame["undiscounted"] = frame["value"] / frame["year"].map(factors)
    frame["unit"] = "MUSD/pp"
    return frame


def headline(results: Results, data: ModelData) -> pd.DataFrame:
    """One row per metal for the terminal summary.

    Columns: ``dependence_<year>`` for the base year, 2030, 2035 and the final year (those
    inside the horizon), ``target_<final>``, ``unmet_total`` (kt over the horizon),
    ``recycling_rate_<final>``, ``reserve_days_<final>`` and ``marginal_cost_<final>``
    (MUSD/pp, undiscounted; NaN without a cap).
    """
    base, final = data.base_year, data.final_year
    years = sorted({y for y in (base, 2030, 2035, final) if base <= y <= final})
    dep = dependence(results, data).set_index(["metal", "year"])
    rate = recycling_rate(results).set_index(["metal", "year"])["value"]
    cover = reserve_cover_days(results).set_index(["metal", "year"])["value"]
    marginal = dependence_marginal_cost(results, data).set_index(["metal", "year"])["undiscounted"]
    unmet = results.unmet.groupby("metal")["value"].sum()
    rows = []
    for metal in data.metals:
        row: dict[str, object] = {"metal": metal}
        for y in years:
            row[f"dependence_{y}"] = dep["value"].get((metal, y), np.nan)
        row[f"target_{final}"] = dep["target"].get((metal, final), np.nan)
        row["unmet_total"] = float(unmet.get(metal, 0.0))
        row[f"recycling_rate_{final}"] = rate.get((metal, final), np.nan)
        row[f"reserve_days_{final}"] = cover.get((metal, final), np.nan)
        row[f"marginal_cost_{final}"] = marginal.get((metal, final), np.nan)
        rows.append(row)
    return pd.DataFrame(rows)
