"""Resilience indicators, alongside dependence: one small function each.

Computed from :class:`~msc_model.results.Results` (a plan's normal operations) and, for the
worst shock, from a :class:`~msc_model.resilience.stress.StressReport`. Tidy tables with a
``unit`` column, NaN where a ratio has no denominator (as in :mod:`msc_model.indicators`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from msc_model import indicators
from msc_model.data import ModelData
from msc_model.resilience.stress import StressReport
from msc_model.results import Results

#: processes whose hinterland share is a resilience indicator
BACKUP_PROCESSES = ("smelting", "processing")


def reserve_cover(results: Results) -> pd.DataFrame:
    """Days of national consumption covered by the reserves, per metal and year:
    ``stock × 365 / demand``. Columns: metal, year, stock, demand, value, unit (day)."""
    return indicators.reserve_cover_days(results)


def largest_supplier_share(results: Results) -> pd.DataFrame:
    """The largest single origin's share of a metal's imports (all forms), per year.

    Columns: metal, year, origin, imports (kt/yr, from that origin), total (kt/yr), value,
    unit (share). NaN where nothing is imported.
    """
    by_origin = results.imports.groupby(["metal", "year", "origin"])["value"].sum()
    rows = []
    for (metal, year), group in by_origin.groupby(level=["metal", "year"], sort=True):
        total = float(group.sum())
        origin = group.idxmax()[2] if total > 1e-9 else ""
        top = float(group.max()) if total > 1e-9 else 0.0
        rows.append((metal, year, origin, top, total, top / total if total > 1e-9 else np.nan))
    frame = pd.DataFrame(rows, columns=["metal", "year", "origin", "imports", "total", "value"])
    frame["unit"] = indicators.SHARE
    return frame


def hinterland_backup(results: Results, data: ModelData) -> pd.DataFrame:
    """Share of smelting and processing capacity in hinterland regions, per metal, process
    and year (columns as :func:`msc_model.indicators.hinterland_share`)."""
    table = indicators.hinterland_share(results, data)
    return table[table["process"].isin(BACKUP_PROCESSES)].reset_index(drop=True)


def worst_shock(report: StressReport) -> pd.DataFrame:
    """Per metal, the case with the most extra unmet demand (kt over the horizon).

    Columns: metal, case, value (kt), unit. A metal no shock leaves short has value 0 and
    an empty case.
    """
    table = report.by_metal()
    rows = []
    for metal, group in table.groupby("metal", sort=True):
        worst = group.loc[group["extra_unmet"].idxmax()]
        value = float(worst["extra_unmet"])
        rows.append((metal, worst["case"] if value > 1e-6 else "", value, "kt"))
    return pd.DataFrame(rows, columns=["metal", "case", "value", "unit"])


def resilience_indicators(
    results: Results, data: ModelData, report: StressReport | None = None, year: int | None = None
) -> pd.DataFrame:
    """The headline resilience indicators per metal, in one year.

    Parameters
    ----------
    results
        The plan's normal operations.
    report
        Stress tests of the plan, for the worst shock's unmet demand (omitted without).
    year
        Default: the year before the earliest shock of ``report`` (what the country holds
        when it hits), else the final year.

    Returns
    -------
    DataFrame
        indicator, metal, year, value, unit, detail (origin, process or case).
    """
    if year is None:
        starts = [c.first_year for c in report.cases if c.first_year] if report else []
        year = max(min(starts) - 1, data.base_year) if starts else data.final_year
    rows = []
    cover = reserve_cover(results)
    for r in cover[cover["year"] == year].itertuples():
        rows.append(("reserve_cover", r.metal, year, r.value, "day", ""))
    supplier = largest_supplier_share(results)
    for r in supplier[supplier["year"] == year].itertuples():
        rows.append(("largest_supplier_share", r.metal, year, r.value, "share", r.origin))
    backup = hinterland_backup(results, data)
    for r in backup[backup["year"] == year].itertuples():
        rows.append(("hinterland_share", r.metal, year, r.value, "share", r.process))
    if report is not None and report.cases:
        for r in worst_shock(report).itertuples():
            rows.append(("worst_shock_unmet", r.metal, None, r.value, "kt", r.case))
    columns = ["indicator", "metal", "year", "value", "unit", "detail"]
    frame = pd.DataFrame(rows, columns=columns)
    order = frame["metal"].map({m: i for i, m in enumerate(data.metals)})
    return frame.iloc[order.argsort(kind="stable")].reset_index(drop=True)
