"""The report's tables, built from :class:`~msc_model.results.Results` and the indicators.

Pure pandas, no openpyxl: each function returns the DataFrame one sheet shows, with the
tidy column names of :mod:`msc_model.report.layout`. The Summary's numbers
(:func:`metal_summaries`) are computed *from these tables*, so the front page and the
detailed sheets cannot disagree.
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from msc_model import indicators
from msc_model.data import ModelData
from msc_model.report.natural import LCE_METALS, divisor, mass
from msc_model.results import Results
from msc_model.schema import PROCESSES, STORAGE
from msc_model.units import LCE_LI_FRACTION

#: below this a flow is solver dust, not a flow (kt/yr); such rows are left out of the
#: trade and flow sheets so that a reader sees what moves
ZERO = 1e-6


def in_order(frame: pd.DataFrame, data: ModelData, by: list[str]) -> pd.DataFrame:
    """Sort with metals and regions in workbook order (charts need each metal contiguous)."""
    ranks = {
        "metal": {m: i for i, m in enumerate(data.metals)},
        "region": {r: i for i, r in enumerate(data.regions)},
    }

    def key(column: pd.Series) -> pd.Series:
        rank = ranks.get(column.name)
        return column.map(rank) if rank is not None else column

    return frame.sort_values(by, key=key, kind="stable", ignore_index=True)


def _yes_no(flags: pd.Series, known: pd.Series) -> pd.Series:
    return pd.Series(np.where(known, np.where(flags, "yes", "no"), ""), index=flags.index)


def dependence_table(results: Results, data: ModelData) -> pd.DataFrame:
    """Per metal and year: dependence, its parts, the target, stage dependences and the
    marginal cost of the target (present value and money of the year)."""
    dep = indicators.dependence(results, data).rename(columns={"value": "dependence"})
    stages = indicators.dependence_by_stage(results).pivot_table(
        index=["metal", "year"], columns="form", values="value", aggfunc="first", dropna=False
    )
    stages = stages.reindex(columns=list(data.forms)).reset_index()
    marginal = indicators.dependence_marginal_cost(results, data)[
        ["metal", "year", "value", "undiscounted"]
    ].rename(columns={"value": "marginal_cost", "undiscounted": "marginal_cost_undiscounted"})
    table = dep.merge(stages, on=["metal", "year"], how="left").merge(
        marginal, on=["metal", "year"], how="left"
    )
    has_target = table["target"].notna()
    table["meets_target"] = _yes_no(table["dependence"] <= table["target"] + 1e-6, has_target)
    return in_order(table, data, ["metal", "year"])


def stage_table(results: Results, data: ModelData) -> pd.DataFrame:
    """Dependence of each stage (form): production, net imports, apparent consumption."""
    table = indicators.dependence_by_stage(results).rename(
        columns={"value": "dependence", "form": "stage"}
    )
    table["stage"] = pd.Categorical(table["stage"], categories=list(data.forms), ordered=True)
    table = in_order(table, data, ["metal", "stage", "year"])
    table["stage"] = table["stage"].astype(str)
    return table


def _vintage_retirements(data: ModelData, years: list[int]) -> dict[tuple, float]:
    """Existing capacity leaving service in each year (in service t−1, not in t)."""
    out: dict[tuple, float] = defaultdict(float)
    for v in data.vintages:
        for t in years[1:]:
            if v.in_service(t - 1) and not v.in_service(t):
                out[v.metal, v.process, v.region, t] += v.capacity
    return out


#: columns of :func:`capacity_table`, in report order
CAPACITY_COLUMNS = (
    "metal", "process", "region", "hinterland", "year", "residual", "new", "retired", "total",
    "unit",
)  # fmt: skip


def capacity_table(results: Results, data: ModelData) -> pd.DataFrame:
    """Existing, new builds, retirements and total capacity by metal, process, region and
    year. Retirements = existing vintages ending + model builds reaching end of life
    (``built[t−1] + new[t] − built[t]`` with ``built = total − existing``); blank in the
    base year, whose predecessor the model does not know."""
    cap = in_order(results.capacity, data, ["metal", "process", "region", "year"])
    built = cap["total"] - cap["residual"]
    group = [cap["metal"], cap["process"], cap["region"]]
    built_before = built.groupby(group).shift(1)
    retired_builds = (built_before + cap["new"] - built).clip(lower=0.0)
    vintage = _vintage_retirements(data, sorted(cap["year"].unique().tolist()))
    retired_existing = [
        vintage.get(k, 0.0)
        for k in zip(cap["metal"], cap["process"], cap["region"], cap["year"], strict=True)
    ]
    cap["retired"] = retired_builds + retired_existing  # NaN in the base year stays NaN
    cap.insert(3, "hinterland", np.where(cap["region"].isin(data.hinterland), "yes", "no"))
    return cap[list(CAPACITY_COLUMNS)]


def capacity_by_stage(results: Results, data: ModelData) -> pd.DataFrame:
    """National capacity in service per metal and year, one column per process (kt/yr)
    and storage (kt): the data of the stacked capacity charts."""
    wide = results.capacity.pivot_table(
        index=["metal", "year"], columns="process", values="total", aggfunc="sum"
    )
    wide = wide.reindex(columns=[*PROCESSES, STORAGE]).fillna(0.0).reset_index()
    wide.columns.name = None
    return in_order(wide, data, ["metal", "year"])


def new_capacity_split(results: Results, data: ModelData) -> pd.DataFrame:
    """New capacity over the horizon per metal and stage, coastal and hinterland
    (kt/yr; storage kt). Only stages where something is built."""
    cap = results.capacity
    inland = cap["region"].isin(data.hinterland)
    split = (
        cap.assign(coastal=cap["new"].where(~inland, 0.0), hinterland=cap["new"].where(inland, 0.0))
        .groupby(["metal", "process"], sort=False)[["coastal", "hinterland"]]
        .sum()
        .reset_index()
    )
    split["total"] = split["coastal"] + split["hinterland"]
    split = split[split["total"] > ZERO]
    split["stage_rank"] = split["process"].map({p: i for i, p in enumerate([*PROCESSES, STORAGE])})
    split = in_order(split, data, ["metal", "stage_rank"]).drop(columns="stage_rank")
    split.insert(
        0,
        "label",
        [
            f"{data.metal_names.get(m) or m} {p}"
            for m, p in zip(split["metal"], split["process"], strict=True)
        ],
    )
    return split


def periods(data: ModelData, length: int | None = None) -> list[tuple[int, int]]:
    """The horizon in periods of ``length`` years (default: three periods, at least five
    years each; the last one absorbs a short remainder)."""
    years = list(range(data.base_year, data.final_year + 1))
    if length is None:
        length = max(5, math.ceil(len(years) / 3))
    spans = [
        (years[i], years[min(i + length, len(years)) - 1]) for i in range(0, len(years), length)
    ]
    if len(spans) > 1 and spans[-1][1] - spans[-1][0] < length // 2:
        (a, _), (_, b) = spans[-2], spans[-1]
        spans[-2:] = [(a, b)]
    return spans


def build_timeline(results: Results, data: ModelData) -> pd.DataFrame:
    """What is built, where and when: new capacity per metal, stage and region, summed by
    period, in natural units (Mt/yr for iron, kt LCE/yr for lithium, kt/yr otherwise;
    storage in Mt or kt).

    Columns: label, unit, one column per period ("2025–2029"), total. Only rows where
    something is built."""
    cap = results.capacity[results.capacity["new"] > ZERO]
    spans = periods(data)
    if cap.empty:
        return pd.DataFrame()
    columns = [f"{a}–{b}" for a, b in spans]
    period = {y: c for (a, b), c in zip(spans, columns, strict=True) for y in range(a, b + 1)}
    built = cap.assign(period=cap["year"].map(period)).pivot_table(
        index=["metal", "process", "region"], columns="period", values="new",
        aggfunc="sum", fill_value=0.0, sort=False, observed=True,
    )  # fmt: skip
    built = built.reindex(columns=columns, fill_value=0.0)
    order = {p: i for i, p in enumerate([*PROCESSES, STORAGE])}
    rows = []
    for (metal, process, region), sums in zip(built.index, built.to_numpy(), strict=True):
        scale, shown = divisor(metal), mass(metal)
        if metal in LCE_METALS:  # the lithium market thinks in carbonate equivalent
            scale, shown = LCE_LI_FRACTION, "kt LCE"
        unit = shown if process == STORAGE else f"{shown}/yr"
        name = data.metal_names.get(metal) or metal
        inland = " (hinterland)" if region in data.hinterland else ""
        row = {"label": f"{name} {process}, {region}{inland} ({unit})", "unit": unit}
        row.update(zip(columns, sums / scale, strict=True))
        row["total"] = sums.sum() / scale
        row["_key"] = (data.metals.index(metal), order.get(process, 9), data.regions.index(region))
        rows.append(row)
    frame = pd.DataFrame(rows)
    return frame.sort_values("_key", kind="stable").drop(columns="_key").reset_index(drop=True)


def imports_table(results: Results, data: ModelData) -> pd.DataFrame:
    """Imports by metal, form, origin, entry type (sea/land), entry region and year."""
    imports = results.imports[results.imports["value"].abs() > ZERO].copy()
    imports.insert(3, "entry", imports["origin"].map(data.origin_entry).fillna(""))
    return in_order(imports, data, ["metal", "form", "origin", "region", "year"])


def concentration_table(results: Results, data: ModelData) -> pd.DataFrame:
    """Supplier concentration per metal and year, with the largest origin and its share."""
    conc = indicators.supplier_concentration(results)
    by_origin = results.imports.groupby(["metal", "year", "origin"])["value"].sum()
    largest = by_origin[by_origin > ZERO].groupby(level=["metal", "year"])
    top = pd.DataFrame(
        {
            "largest_origin": largest.idxmax().map(lambda key: key[2]),
            "largest_value": largest.max(),
        }
    ).reset_index()
    conc = conc.merge(top, on=["metal", "year"], how="left")
    conc["largest_share"] = conc["largest_value"] / conc["imports"].where(conc["imports"] > ZERO)
    return in_order(conc.drop(columns="largest_value"), data, ["metal", "year"])


def nonzero(frame: pd.DataFrame, data: ModelData, by: list[str]) -> pd.DataFrame:
    """Rows whose ``value`` is not solver dust, in workbook order."""
    return in_order(frame[frame["value"].abs() > ZERO], data, by)


def reserve_cover_table(results: Results, data: ModelData) -> pd.DataFrame:
    """National reserve cover per metal and year against the target: the sum over regions
    of ``reserve_days`` (days of *national* demand each region must hold) from the policy
    start year; blank before it and where no region has a target."""
    cover = indicators.reserve_cover_days(results).rename(columns={"value": "cover_days"})
    days: dict[str, float] = defaultdict(float)
    for (metal, _region), value in data.table("reserve_days").items():
        days[metal] += value
    target = cover["metal"].map(days).where(cover["year"] >= data.policy_start_year)
    cover["target_days"] = target.where(target > 0)
    cover["meets_target"] = _yes_no(
        cover["cover_days"] >= cover["target_days"] - 1e-6, cover["target_days"].notna()
    )
    return in_order(cover, data, ["metal", "year"])


def recycling_rates(results: Results, data: ModelData) -> pd.DataFrame:
    """National recycling rate and recycled share of refined supply per metal and year."""
    rate = indicators.recycling_rate(results).rename(columns={"value": "recycling_rate"})
    share = indicators.recycled_share(results).rename(columns={"value": "recycled_share"})
    share["refined_supply"] = share["recycling"] + share["smelting"] + share["imports"]
    table = rate.drop(columns="unit").merge(
        share[["metal", "year", "recycling", "refined_supply", "recycled_share"]],
        on=["metal", "year"],
        how="outer",
    )
    table["unit"] = "share"
    return in_order(table, data, ["metal", "year"])


def unmet_table(results: Results, data: ModelData) -> pd.DataFrame:
    table = indicators.unmet_demand(results).rename(
        columns={"value": "unmet", "share": "unmet_share"}
    )
    return in_order(table, data, ["metal", "region", "year"])


@dataclass
class MetalSummary:
    """The Summary's numbers for one metal, each read off a detailed table."""

    metal: str
    name: str
    base_year: int
    final_year: int
    dependence_base: float
    dependence_final: float
    target_final: float
    meets_target: str
    marginal_cost_final: float  # million USD per pp, money of the final year
    new_by_stage: dict[str, float] = field(default_factory=dict)  # kt/yr; storage kt
    new_total: float = 0.0  # processes only, kt/yr
    new_storage: float = 0.0  # kt
    hinterland_share: float = float("nan")  # of new process capacity
    cover_final: float = float("nan")
    cover_target_final: float = float("nan")
    recycling_rate_final: float = float("nan")
    recycled_share_final: float = float("nan")
    unmet_total: float = 0.0  # kt over the horizon


def _at(table: pd.DataFrame, metal: str, year: int, column: str) -> float:
    rows = table[(table["metal"] == metal) & (table["year"] == year)]
    return float(rows[column].iloc[0]) if len(rows) and pd.notna(rows[column].iloc[0]) else np.nan


def metal_summaries(
    data: ModelData,
    dependence: pd.DataFrame,
    split: pd.DataFrame,
    cover: pd.DataFrame,
    rates: pd.DataFrame,
    unmet: pd.DataFrame,
) -> list[MetalSummary]:
    """One :class:`MetalSummary` per metal, from the detailed tables."""
    base, final = data.base_year, data.final_year
    out = []
    for metal in data.metals:
        mine = split[split["metal"] == metal]
        processes = mine[mine["process"] != STORAGE]
        total = float(processes["total"].sum())
        hinterland = float(processes["hinterland"].sum())
        meets = dependence[(dependence["metal"] == metal) & (dependence["year"] == final)]
        out.append(
            MetalSummary(
                metal=metal,
                name=data.metal_names.get(metal) or metal,
                base_year=base,
                final_year=final,
                dependence_base=_at(dependence, metal, base, "dependence"),
                dependence_final=_at(dependence, metal, final, "dependence"),
                target_final=_at(dependence, metal, final, "target"),
                meets_target=str(meets["meets_target"].iloc[0]) if len(meets) else "",
                marginal_cost_final=_at(dependence, metal, final, "marginal_cost_undiscounted"),
                new_by_stage=dict(zip(mine["process"], mine["total"].astype(float), strict=True)),
                new_total=total,
                new_storage=float(mine.loc[mine["process"] == STORAGE, "total"].sum()),
                hinterland_share=hinterland / total if total > ZERO else np.nan,
                cover_final=_at(cover, metal, final, "cover_days"),
                cover_target_final=_at(cover, metal, final, "target_days"),
                recycling_rate_final=_at(rates, metal, final, "recycling_rate"),
                recycled_share_final=_at(rates, metal, final, "recycled_share"),
                unmet_total=float(unmet.loc[unmet["metal"] == metal, "unmet"].sum()),
            )
        )
    return out
