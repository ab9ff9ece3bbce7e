"""The plain results workbook: tidy tables and indicators, one sheet each.

This is the machine-readable core of every report: each sheet is a tidy long table with a
``unit`` column, so a reader can pivot it. The formatted policy report builds on it.
"""

from __future__ import annotations

import pandas as pd

from msc_model import indicators
from msc_model.data import ModelData
from msc_model.report.run_info import file_sha256, run_info
from msc_model.results import Results

__all__ = ["basic_sheets", "file_sha256", "run_info"]


def basic_sheets(
    results: Results, data: ModelData, outcome, timings: dict[str, float]
) -> dict[str, pd.DataFrame]:
    """Sheet name → table, in reading order."""
    return {
        "Headline": indicators.headline(results, data),
        "Dependence": indicators.dependence(results, data),
        "Dependence by stage": indicators.dependence_by_stage(results),
        "Marginal cost of cap": indicators.dependence_marginal_cost(results, data),
        "Capacity": results.capacity,
        "Hinterland share": indicators.hinterland_share(results, data),
        "Activity": results.activity,
        "Flows": results.flows,
        "Imports": results.imports,
        "Supplier concentration": indicators.supplier_concentration(results),
        "Exports": results.exports,
        "Shipments": results.shipments,
        "Reserves": results.stock,
        "Reserve cover": indicators.reserve_cover_days(results),
        "Recycling": results.scrap,
        "Recycling rate": indicators.recycling_rate(results),
        "Unmet demand": results.unmet,
        "Costs": results.costs,
        "Run info": run_info(data, outcome, timings),
    }
