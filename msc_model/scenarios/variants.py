"""Which changes a built model can take in place, and which need a rebuild.

The model declares mutable Params (``import_price``, ``demand``, ``dependence_target``,
``max_collection_rate``, the technology costs and yields of
:data:`~msc_model.model.sets.SWEPT_TECHNOLOGY`, and ``terminal_value``, which follows the
import prices and the smelting yield); every
other datum is a plain float inside constraint and objective coefficients, so changing
it means building the model again. A variant is applied in place only when everything
else is identical to the data the model was built from **and** the mutable changes
leave the model's structure alone:

- ``import_price``: the same (metal, form, origin) rows; a new or dropped row adds or
  removes import arcs;
- ``dependence_target``: the same capped (metal, year) pairs after interpolation; the
  values may change freely;
- ``demand``: the same keys, and end-of-life scrap arising in the same (metal, region,
  year) cells (from model years it is met demand inside the LP; the history's share is
  the mutable ``eol_history``);
- ``max_collection_rate``, ``capex``, ``fixed_opex``, ``variable_opex``,
  ``process_yield`` and ``availability``: any value;
- ``max_capacity`` and ``max_build`` (variable bounds): the same plants with a finite
  limit, and no limit moved to or from zero (a zero limit means the region cannot host
  the process, so the build variables are not made at all);
- ``import_availability`` and ``availability_index``: the same (metal, form, origin, year)
  cells limited.

:func:`structural_changes` returns the reasons a rebuild is needed (empty: update in
place); callers record them, so a sweep says which variants were rebuilt and why.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping

import pyomo.core as pyo

from msc_model.data import ModelData
from msc_model.model import end_of_life
from msc_model.model.objective import terminal_values
from msc_model.model.sets import SWEPT_TECHNOLOGY, dependence_targets, model_years
from msc_model.model.trade import import_availability, import_limits

MUTABLE = (
    "import_price",
    "demand",
    "dependence_target",
    "max_collection_rate",
    *SWEPT_TECHNOLOGY,
    "availability",
    "max_capacity",
    "max_build",
    "import_availability",
    "availability_index",
)
#: capacity limits: Var bounds over the finite values (see ``model.capacity``)
LIMITS = ("max_capacity", "max_build")
#: ModelData fields that only record where values came from; every other field (sets,
#: vintages, applied shocks, and any field added later) is taken to shape the model
PROVENANCE = ("params", "metal_names", "cells", "tables", "source", "warnings")


def structural_changes(built: ModelData, new: ModelData) -> list[str]:
    """Why a model built from ``built`` cannot take ``new`` by a Param update.

    Returns
    -------
    list of str
        One reason per cause; empty when updating the mutable Params is exact.
    """
    reasons = [
        f"{f.name} differs (sets, existing capacity or an applied shock)"
        for f in dataclasses.fields(ModelData)
        if f.name not in PROVENANCE and getattr(built, f.name) != getattr(new, f.name)
    ]
    names = set(built.params) | set(new.params)
    for name in sorted(names - set(MUTABLE)):
        if built.params.get(name, {}) != new.params.get(name, {}):
            reasons.append(f"{name} is built into the model's coefficients")
    old_prices, new_prices = built.table("import_price"), new.table("import_price")
    if set(old_prices) != set(new_prices):
        reasons.append("import_price rows added or removed (import arcs change)")
    if set(dependence_targets(built)) != set(dependence_targets(new)):
        reasons.append("dependence_target changes which (metal, year) pairs are capped")
    for name in LIMITS:
        old, fresh = _limits(built, name), _limits(new, name)
        if set(old) != set(fresh):
            reasons.append(f"{name} adds or removes a limit (bounds on other plants)")
        elif any((old[k] == 0) != (fresh[k] == 0) for k in old):
            reasons.append(f"{name} moves a limit to or from zero (which regions can host)")
    if set(_import_limits(built)) != set(_import_limits(new)):
        reasons.append("import availability changes which imports are limited")
    old_demand, new_demand = built.table("demand"), new.table("demand")
    if set(old_demand) != set(new_demand):
        reasons.append("demand rows added or removed")
    elif old_demand != new_demand and set(_arising(built)) != set(_arising(new)):
        reasons.append("demand changes where end-of-life scrap can arise")
    return reasons


def _limits(data: ModelData, name: str) -> dict[tuple, float]:
    return {k: v for k, v in data.table(name).items() if v is not None and math.isfinite(v)}


def _import_limits(data: ModelData) -> dict[tuple, float]:
    rows = sorted(k for k in data.table("import_price") if k[0] in data.metals)
    return import_limits(data, rows, model_years(data))


def _arising(data: ModelData) -> dict[tuple, float]:
    return {k: v for k, v in end_of_life(data).items() if v > 0}


def _same(a: Mapping[tuple, float], b: Mapping[tuple, float]) -> bool:
    return set(a) == set(b) and all(math.isclose(a[k], b[k], rel_tol=1e-12, abs_tol=0.0) for k in a)


def update_mutable(model: pyo.ConcreteModel, data: ModelData) -> None:
    """Set every mutable Param of ``model`` from ``data`` (all of them, not a diff, so the
    model matches ``data`` whatever variant it held before)."""
    for key in model.import_price:
        model.import_price[key] = data.get("import_price", key)
    for metal, value in terminal_values(data).items():
        model.terminal_value[metal] = value
    for key in model.demand:
        model.demand[key] = data.get("demand", key, 0.0)
    for name in SWEPT_TECHNOLOGY:
        param = getattr(model, name)
        for key in param:
            param[key] = data.get(name, key)
    for metal in model.max_collection_rate:
        model.max_collection_rate[metal] = data.get("max_collection_rate", (metal,))
    history = end_of_life(data, before=data.base_year)
    for key in model.eol_history:
        model.eol_history[key] = history.get(key, 0.0)
    for name in ("max_capacity", "max_build"):
        param = getattr(model, name)
        for key in param:
            param[key] = data.get(name, key)
    for key in model.availability:
        model.availability[key] = data.get("availability", key)
    for key in model.import_availability:
        model.import_availability[key] = import_availability(data, key[:3], key[3])
    targets = dependence_targets(data)
    for key in model.dependence_target:
        model.dependence_target[key] = targets[key]
