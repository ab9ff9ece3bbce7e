"""The plain results workbook: tidy tables and indicators, one sheet each.

This is the machine-readable core of every report: each sheet is a tidy long table with a
``unit`` column, so a reader can pivot it. The formatted policy report builds on it.
"""

from __future__ import annotations

import hashlib
import platform
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pandas as pd

from msc_model import indicators
from msc_model.data import ModelData
from msc_model.results import Results

DEPENDENCIES = ("msc-model", "pyomo", "highspy", "pint", "openpyxl", "pandas", "numpy")


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


def file_sha256(path: str | Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def run_info(data: ModelData, outcome, timings: dict[str, float]) -> pd.DataFrame:
    """Provenance of the run as (item, value) rows."""
    rows: list[tuple[str, object]] = [
        ("date (UTC)", datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")),
        ("input file", Path(data.source).name if data.source else ""),
        ("input SHA-256", file_sha256(data.source) if data.source else ""),
        ("python", platform.python_version()),
    ]
    rows += [(f"version {p}", _version(p)) for p in DEPENDENCIES]
    rows += [
        ("solver profile", outcome.profile),
        ("solver options", "; ".join(f"{k}={v}" for k, v in outcome.options.items())),
        ("termination", outcome.termination),
        ("objective (MUSD, discounted)", outcome.objective),
        ("HiGHS time (s)", outcome.solve_seconds),
    ]
    rows += [(f"time {stage} (s)", round(seconds, 3)) for stage, seconds in timings.items()]
    rows += [("solver warning", w) for w in outcome.warnings]
    rows += [("input warning", w) for w in data.warnings]
    return pd.DataFrame(rows, columns=["item", "value"])
