"""What a worker does with one variant: reuse or build the model, solve, extract indicators.

Workers receive data (a pickled :class:`ModelData`), never a built model. Each worker
thread keeps the model it built last; a variant that differs from that model's data only
in mutable Params (:mod:`msc_model.scenarios.variants`) is applied in place and the
persistent HiGHS instance re-solves (warm from its previous basis where the simplex can
use it). Anything else rebuilds, and the record says why.

A run that fails (infeasible cap, solver failure, even a bug) becomes a record with its
error instead of stopping the sweep.
"""

from __future__ import annotations

import dataclasses
import math
import os
import socket
import threading
import time
import traceback
from dataclasses import dataclass, field

import pandas as pd
import pyomo.core as pyo

from msc_model.data import ModelData
from msc_model.errors import InfeasibleError, MscError
from msc_model.indicators import dependence, dependence_marginal_cost, unmet_demand
from msc_model.model import build_model
from msc_model.model.sets import counted_forms, outlook
from msc_model.reference import curtailed, plan_cost
from msc_model.results import Results, extract_results
from msc_model.scenarios.frontier import FrontierSpec, add_frontier_cap
from msc_model.scenarios.variants import structural_changes, update_mutable
from msc_model.solver import prepare_resolve, solve

#: label of national totals in the tidy tables' ``metal`` column
ALL = "all"


@dataclass(frozen=True)
class Task:
    """One variant to evaluate."""

    run_id: str
    data: ModelData
    values: dict[str, float | None] = field(default_factory=dict)  # factor → value
    profile: str = "default"
    frontier: FrontierSpec | None = None
    level: float | None = None  # the frontier's cap, share; None: the cap is off


@dataclass
class RunRecord:
    """What one run returned: its tidy indicator rows, or its error."""

    run_id: str
    values: dict[str, float | None]
    status: str  # "optimal", "infeasible", "failed" (solver), "error" (a bug)
    error: str = ""
    rows: list[tuple] = field(default_factory=list)  # (indicator, metal, year, value, unit)
    objective: float | None = None
    rebuilt: bool = False
    reason: str = ""  # why the model was built for this run
    solve_seconds: float = math.nan
    wall_seconds: float = math.nan
    worker: str = ""

    def meta(self) -> dict[str, object]:
        """The record without its rows (JSON-able), for run files and the runs table."""
        out = dataclasses.asdict(self)
        out.pop("rows")
        return out


@dataclass
class _Built:
    data: ModelData  # the data the model was built from (mutable Params may differ now)
    shape: tuple  # (frontier spec, cap on) — anything else needs another build
    model: pyo.ConcreteModel


def _shape(task: Task) -> tuple:
    return (task.frontier, task.frontier is not None and task.level is not None)


_LOCAL = threading.local()  # dask runs tasks in threads: one model per thread


def lean(data: ModelData) -> ModelData:
    """``data`` without the raw tables and cell provenance: workers do not need them and
    they can be most of the pickle."""
    return dataclasses.replace(data, tables={}, cells={})


def _model_for(task: Task) -> tuple[pyo.ConcreteModel, bool, str]:
    built: _Built | None = getattr(_LOCAL, "built", None)
    if built is not None and built.shape == _shape(task):
        reasons = structural_changes(built.data, task.data)
        if not reasons:
            update_mutable(built.model, task.data)
            _set_level(built.model, task)
            return built.model, False, ""
        reason = "; ".join(reasons)
    elif built is None:
        reason = "first run on this worker"
    else:
        reason = "trade-off curve cap switched on or off"
    _LOCAL.built = None  # a failed build must not leave the old model looking current
    model = build_model(task.data)
    if task.frontier is not None:
        add_frontier_cap(model, task.data, task.frontier)
        if task.level is None:
            # the reference run without the cap: a deactivated constraint is not passed
            # to HiGHS, and this model is never reused for a capped run (see _shape)
            model.frontier_cap.deactivate()
            model.frontier_slack.fix(0.0)  # else its reward in the objective is unbounded
    _set_level(model, task)
    prepare_resolve(model)
    _LOCAL.built = _Built(task.data, _shape(task), model)
    return model, True, reason


def _set_level(model: pyo.ConcreteModel, task: Task) -> None:
    if task.frontier is not None:
        model.frontier_level = 1.0 if task.level is None else task.level


def evaluate(task: Task) -> RunRecord:
    """Solve one variant and return its indicators (never raises for a failed run)."""
    tick = time.perf_counter()
    record = RunRecord(task.run_id, dict(task.values), "optimal", worker=_worker_name())
    try:
        model, record.rebuilt, record.reason = _model_for(task)
        outcome = solve(model, task.profile)
        results = extract_results(model, task.data, outcome, prices=False)
        record.objective = outcome.objective
        # the whole solve call: HiGHS reports its run time summed over the persistent
        # instance's life, which would grow with every re-solve
        record.solve_seconds = outcome.wall_seconds
        record.rows = indicator_rows(results, task.data, task.frontier)
    except InfeasibleError as exc:
        record.status, record.error = "infeasible", str(exc)
    except MscError as exc:
        record.status, record.error = "failed", str(exc)
    except Exception as exc:  # a bug must not stop a thousand-run sweep; keep its trace
        last = traceback.format_exc(limit=-2).strip().splitlines()
        record.status, record.error = (
            "error",
            f"{type(exc).__name__}: {exc} ({' | '.join(last[-3:])})",
        )
    record.wall_seconds = time.perf_counter() - tick
    return record


def _worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def indicator_rows(
    results: Results, data: ModelData, frontier: FrontierSpec | None = None
) -> list[tuple]:
    """The tidy indicators of one run: ``(indicator, metal, year, value, unit)``.

    ``total_cost`` is the discounted sum of the cost terms (equal to the objective, and
    free of a trade-off curve's augmentation term); ``cost_<term>`` splits it;
    ``plan_cost`` leaves out the value of lost supply (a signal, not a cost) and
    ``curtailed`` is the demand left unmet over the horizon (kt): a run with curtailment
    did not meet the case as posed.
    """
    costs = results.costs
    rows: list[tuple] = [
        ("total_cost", ALL, None, float(costs["discounted"].sum()), "MUSD"),
        ("plan_cost", ALL, None, plan_cost(results), "MUSD"),
        ("curtailed", ALL, None, curtailed(results), "kt"),
    ]
    for term, value in costs.groupby("term", sort=False)["discounted"].sum().items():
        rows.append((f"cost_{term}", ALL, None, float(value), "MUSD"))
    dep = dependence(results, data)
    for r in dep.itertuples(index=False):
        rows.append(("dependence", r.metal, int(r.year), float(r.value), "share"))
        rows.append(("net_imports", r.metal, int(r.year), float(r.net_imports), "kt/yr"))
        rows.append(("consumption", r.metal, int(r.year), float(r.consumption), "kt/yr"))
    for metal, value in import_value(results, data, data.base_year).items():
        rows.append(("import_value", metal, data.base_year, float(value), "MUSD"))
    marginal = dependence_marginal_cost(results, data)
    for r in marginal.itertuples(index=False):
        rows.append(("marginal_cost", r.metal, int(r.year), float(r.undiscounted), "MUSD/pp"))
    unmet = unmet_demand(results).groupby(["metal", "year"], sort=True)["value"].sum()
    for (metal, year), value in unmet.items():
        rows.append(("unmet_demand", metal, int(year), float(value), "kt/yr"))
    if frontier is not None:
        rows += _index_rows(dep, data, frontier)
    return rows


def _index_rows(dep: pd.DataFrame, data: ModelData, frontier: FrontierSpec) -> list[tuple]:
    """The weighted dependence index the curve caps, per capped year and its maximum."""
    weights = dict(frontier.weights)
    years = frontier.years or (data.final_year,)
    dep = dep[dep["metal"].isin(weights) & dep["year"].isin(years)]
    index = weighted_index(dep, weights)
    rows = [("dependence_index", ALL, int(t), float(v), "share") for t, v in index.items()]
    rows.append(("dependence_index_max", ALL, None, float(index.max()), "share"))
    return rows


def weighted_index(dep: pd.DataFrame, weights: dict[str, float]) -> pd.Series:
    """Year → ``Σ w·net_imports / Σ w·consumption`` over the metals of ``weights``."""
    dep = dep[dep["metal"].isin(weights)]
    w = dep["metal"].map(weights)
    parts = pd.DataFrame(
        {"year": dep["year"], "ni": w * dep["net_imports"], "c": w * dep["consumption"]}
    )
    by_year = parts.groupby("year", sort=True)[["ni", "c"]].sum()
    return by_year["ni"] / by_year["c"].where(by_year["c"].abs() > 1e-9)


def import_value(results: Results, data: ModelData, year: int) -> dict[str, float]:
    """Metal → value of its imports in ``year`` at the workbook's prices (MUSD), forms
    that count in its dependence only: the default weights of a multi-metal index."""
    imports = results.imports[results.imports["year"] == year]
    index = outlook(data, "price_index")
    out = {}
    for metal in data.metals:
        forms = counted_forms(data, metal)
        rows = imports[(imports["metal"] == metal) & imports["form"].isin(forms)]
        out[metal] = float(
            sum(
                v * data.get("import_price", (metal, k, o)) * index.get((metal, k, year), 1.0)
                for k, o, v in zip(rows["form"], rows["origin"], rows["value"], strict=True)
            )
        )
    return out
