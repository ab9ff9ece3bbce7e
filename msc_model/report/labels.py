"""Reader words for the names the model uses inside: one table for every workbook.

The tidy tables of :mod:`msc_model.results` and the side tables of sweeps and comparisons
carry snake_case ids (``variable_opex``, ``shipments_out``, ``total_cost``) because scripts
key on them; the CSV and Parquet files keep them. A person reading a workbook should see
words, so every sheet msc writes passes its headers and its label columns through
:func:`word` / :func:`reader_frame`. An id a script needs stays in a column named ``id``.

Units live in the header ("Plan cost (bn USD, present value)"), so a reader never has
to look up a separate unit column to read a number. The headers name the units a reader
sees: money reaches a sheet through :func:`msc_model.report.natural.money_frame`, which
turns the tidy tables' MUSD into bn USD.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pandas as pd

#: internal name → words a reader sees (values in label columns and plain headers)
WORDS: dict[str, str] = {
    # cost terms (TERM_NAMES of msc_model.report.sentences takes them from here, with TERM_WORDS)
    "capex": "investment",
    "fixed_opex": "fixed operating costs",
    "variable_opex": "variable operating costs",
    "energy": "energy",
    "supply_steps": "dearer domestic supply (cost steps)",
    "imports": "imports",
    "transport": "transport",
    "holding": "reserve holding",
    "terminal_stock": "closing reserves (credit)",
    # the quantity (a flow, an indicator); the cost term has its own words (TERM_WORDS)
    "unmet_demand": "unmet demand",
    # flows of the material balance
    "shipments_in": "shipments in from other regions",
    "shipments_out": "shipments out to other regions",
    "collected": "scrap collected",
    "prompt": "prompt scrap",
    "fill": "reserve fill",
    "draw": "reserve draw",
    "landfill": "landfill",
    # indicators and outputs of runs, sweeps and comparisons
    "total_cost": "whole-system cost",
    "plan_cost": "plan cost",
    "objective": "solver objective",
    "dependence": "dependence",
    "dependence_index": "dependence index",
    "net_imports": "net imports",
    "import_value": "import value",
    "marginal_cost": "marginal cost of the dependence cap",
    "curtailed": "curtailed supply",
    "unmet": "unmet demand",
    "hinterland_share": "hinterland share of capacity",
    "largest_supplier_share": "largest supplier share",
    "reserve_cover": "reserve cover",
    "recycling_rate": "recycling rate",
    "worst_shock_unmet": "unmet demand, worst shock",
    "expected_lost_value": "expected value of lost supply",
    "worst_lost_value": "worst value of lost supply",
    "unmet_avoided_per_musd": "unmet demand avoided per extra cost",
    "cost_capex": "cost: investment",
    "cost_fixed_opex": "cost: fixed operating costs",
    "cost_variable_opex": "cost: variable operating costs",
    "cost_energy": "cost: energy",
    "cost_supply_steps": "cost: dearer domestic supply",
    "cost_imports": "cost: imports",
    "cost_transport": "cost: transport",
    "cost_holding": "cost: reserve holding",
    "cost_terminal_stock": "cost: closing reserves (credit)",
    "cost_unmet_demand": "value of lost supply (not a cost)",
    # resilience: shock kinds and indicators of the stress workbook
    "import_cut": "import cut",
    "corridor_cut": "corridor cut",
    "capacity_outage": "capacity outage",
    "price_multiplier": "price rise",
    # region pairs and other index columns
    "region_from": "from region",
    "region_to": "to region",
    "metal_name": "metal name",
    "largest_origin": "largest origin",
    "meets_target": "meets target",
}

#: header (with unit) of a column in the secondary workbooks; ``{unit}`` is filled in
HEADERS: dict[str, str] = {
    "run_id": "id",
    "indicator": "Indicator",
    "output": "Output",
    "metal": "Metal",
    "year": "Year",
    "unit": "Unit",
    "status": "Status",
    "error": "Error",
    "reason": "Why the model was rebuilt",
    "rebuilt": "Rebuilt",
    "worker": "Worker",
    "note": "Note",
    "base": "Base",
    "cap": "Dependence cap (%)",
    "dependence": "Dependence (%)",
    "total_cost": "Whole-system cost (bn USD, present value)",
    "plan_cost": "Plan cost (bn USD, present value)",
    "objective": "Solver objective (bn USD, present value)",
    "cost_increase": "Cost increase over the uncapped plan (bn USD, present value)",
    "marginal_cost": "Marginal cost (bn USD per pp, present value)",
    "curtailed": "Curtailed supply (kt)",
    "on_frontier": "On the frontier",
    "dominated": "Dominated",
    "knee": "Knee",
    "solve_seconds": "Solve time (s)",
    "wall_seconds": "Wall time (s)",
    "scenario": "Scenario",
    "parameter": "Parameter",
    "index": "Index",
    "before": "Before",
    "after": "After",
    "input_cell": "Input cell",
    "declared_at": "Declared at",
    "factor": "Factor",
    "low": "Low end",
    "high": "High end",
    "at_low": "Output at low end",
    "at_high": "Output at high end",
    "delta_low": "Change at low end",
    "delta_high": "Change at high end",
    "swing": "Swing",
    "mu": "Morris μ",
    "mu_star": "Morris μ*",
    "sigma": "Morris σ",
    "mu_star_conf": "μ* confidence interval",
    "trajectories": "Trajectories",
    "S1": "Sobol first order S1",
    "ST": "Sobol total ST",
    "S1_conf": "S1 confidence interval",
    "item": "Item",
    "value": "Value",
    "ST_conf": "ST confidence interval",
}


#: words of a cost term where they differ from the quantity of the same name
TERM_WORDS = {"unmet_demand": "value of lost supply (curtailment signal, not a cost)"}


def term_word(name: object) -> object:
    """The reader's words for a cost term (``unmet_demand`` is the value of lost supply)."""
    if isinstance(name, str) and name in TERM_WORDS:
        return TERM_WORDS[name]
    return word(name)


def word(name: object) -> object:
    """The reader's words for an internal name; anything else is returned unchanged."""
    if isinstance(name, str):
        return WORDS.get(name, name)
    return name


def header(column: object) -> str:
    """The header a reader sees for a column of a secondary workbook.

    Known columns get their header with unit; a snake_case id gets its words (or its
    underscores turned to spaces); anything else (a scenario name in a side-by-side table,
    "dependence Cu 2040") is kept as it is.
    """
    text = str(column)
    if text in HEADERS:
        return HEADERS[text]
    if text in WORDS:
        words = str(WORDS[text])
        return words[0].upper() + words[1:]
    return text


def reader_frame(
    frame: pd.DataFrame, *, label_columns: Iterable[str] = ("indicator", "output", "term")
) -> pd.DataFrame:
    """A copy of ``frame`` with reader headers and reader words in its label columns.

    Values closer than 1e-9 to zero become zero: solver round-off (1.1e-16) is noise, and
    "−0.00" or "1.16E-10" in a table reads as a finding.
    """
    out = frame.copy()
    if "unit" in out.columns:
        out["unit"] = out["unit"].map(lambda u: UNIT_WORDS.get(u, u) if isinstance(u, str) else u)
    for column in label_columns:
        if column in out.columns:
            out[column] = out[column].map(term_word if column == "term" else word)
    for column in out.columns:
        if pd.api.types.is_bool_dtype(out[column].dtype):
            out[column] = out[column].map({True: "yes", False: "no"})
        elif pd.api.types.is_float_dtype(out[column].dtype):
            out[column] = out[column].mask(out[column].abs() < ZERO, 0.0)
    out.columns = [header(c) for c in out.columns]
    return out


#: units as a reader writes them (shares are shown as percentages; money arrives in bn USD
#: from :func:`msc_model.report.natural.money_frame`)
UNIT_WORDS = {"share": "%"}

#: values within this of zero are written as zero
ZERO = 1e-9


def is_share(column: object) -> bool:
    """Whether a column of a secondary workbook holds a share (written as a percentage)."""
    return str(column) in {"dependence", "cap"} or str(column).startswith("dependence ")


def case_title(source: str | None, name: str = "") -> str:
    """The case as a reader names it: the workbook's ``case_name`` setting when given
    ("China, 2024–2040 baseline"), else the workbook's stem in words
    ("china_baseline.xlsx" → "China baseline"), or "case" for a workbook in memory."""
    if name and name.strip():
        return name.strip()
    if not source:
        return "case"
    stem = Path(str(source)).stem.replace("_", " ").strip() or "case"
    return stem[0].upper() + stem[1:]
