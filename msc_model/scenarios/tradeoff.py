"""The cost–dependence trade-off curve by the augmented ε-constraint method.

1. A reference run without a cap on the covered metals gives the least cost and the
   dependence it leaves (the loosest end of the curve).
2. The cap ε (:mod:`msc_model.scenarios.frontier`) is then tightened in equal steps from
   that dependence down to ``low`` (or set to the caps given), one run per cap; all of
   them re-solve one built model per worker (ε is a mutable Param).
3. Dominated points are filtered out, the marginal cost per percentage point is reported
   between neighbouring points, and the knee is marked: the point farthest from the
   chord joining the curve's ends once both axes are scaled to [0, 1] (where the curve
   bends most: past it, each further point of dependence costs markedly more, or less,
   than before). The curve need not be convex: the cap multiplies consumption, a
   variable, so cost is not a convex function of the cap as it would be of a bound.

``dependence`` of a point is the largest value over policy years of the capped index
(one metal: that metal's dependence), so it is never above the point's cap.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from msc_model.errors import InfeasibleError, InputError, Problem, SolveError, did_you_mean
from msc_model.scenarios.case import Planned, execute, file_hash, load_case, runs_table, tidy
from msc_model.scenarios.frontier import frontier_spec, uncapped
from msc_model.scenarios.runner import RunRecord, Task, lean

REFERENCE = "p00"
#: tolerances of the dominance filter: relative on cost, absolute on dependence (share)
COST_RTOL = 1e-9
DEPENDENCE_ATOL = 1e-9


def pareto(
    workbook: str | Path | None = None,
    metals: str | Sequence[str] | Mapping[str, float] | None = None,
    *,
    points: int = 11,
    caps: Sequence[float] | None = None,
    low: float = 0.0,
    scenario: str | None = None,
    scenario_file: str | Path | None = None,
    out: str | Path | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    overwrite: bool = False,
    profile: str = "default",
    progress: bool = False,
) -> pd.DataFrame:
    """Trace total cost against external dependence.

    Parameters
    ----------
    workbook
        The case (default: the shipped workbook).
    metals
        One metal (``"Cu"``), several (a national index with equal weights) or
        metal → weight (a weighted index ``Σ w·net imports / Σ w·consumption``). Default:
        every metal of the case, equal weights. The curve's cap replaces the workbook's
        dependence targets of these metals.
    points
        Caps from the uncapped dependence down to ``low``, both ends included.
    caps
        Explicit caps (shares) instead of ``points``/``low``.
    out
        Folder for run files and outputs (``frontier.csv``, ``results.parquet``,
        ``results.csv``, ``runs.csv``, ``frontier.xlsx`` with the chart).
    workers, scheduler, resume, overwrite, profile, progress
        As for :func:`msc_model.scenarios.sensitivity.sweep`.

    Returns
    -------
    pandas.DataFrame
        One row per run, loosest cap first: ``run_id``, ``cap`` (NaN for the uncapped
        reference), ``dependence``, ``total_cost`` (MUSD, discounted), ``cost_increase``
        (against the reference), ``marginal_cost`` (MUSD per percentage point from the
        previous frontier point), ``on_frontier``, ``dominated``, ``knee``, ``status``,
        ``error``. ``attrs["results"]`` is not set; the tidy results of every run are
        written to ``out``.
    """
    base, _ = load_case(workbook, scenario, scenario_file)
    weights = _weights(base.metals, metals)
    spec = frontier_spec(base, weights)
    data = lean(uncapped(base, spec.metals))
    plan = {
        "kind": "pareto",
        "workbook": file_hash(base.source),
        "scenario": scenario,
        "profile": profile,
        "weights": weights,
        "points": points,
        "caps": list(caps) if caps is not None else None,
        "low": low,
    }
    common = dict(
        out=out,
        plan=plan,
        resume=resume,
        overwrite=overwrite,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
    )

    def planned(run_id: str, level: float | None) -> Planned:
        values = {"cap": level}
        return Planned(run_id, values, lambda: Task(run_id, data, values, profile, spec, level))

    first = execute([planned(REFERENCE, None)], label="reference", **common)
    reference = first[0]
    if caps is None:
        loosest = _index_max(reference)
        if not np.isfinite(loosest):
            # without the uncapped plan there is no range to trace
            error = InfeasibleError if reference.status == "infeasible" else SolveError
            raise error(f"the uncapped reference run failed: {reference.error}", reference.status)
        caps = list(np.linspace(loosest, min(low, loosest), points))
    runs = [planned(f"p{i:02d}", float(c)) for i, c in enumerate(caps, start=1)]
    # the same folder and plan: the reference is stored, the caps run (or resume) now
    later = {**common, "resume": True, "overwrite": False}
    records = [reference, *execute(runs, label="trade-off", **later)]
    table = frontier_table(records)
    table.attrs["pareto"] = {"weights": weights, "augmentation": spec.augmentation}
    if out is not None:
        from msc_model.scenarios.output import write_pareto

        write_pareto(table, tidy(records), runs_table(records), out)
    return table


def _weights(known: Sequence[str], metals) -> dict[str, float]:
    if metals is None:
        chosen = {m: 1.0 for m in known}
    elif isinstance(metals, str):
        chosen = {metals: 1.0}
    elif isinstance(metals, Mapping):
        chosen = {str(m): float(w) for m, w in metals.items()}
    else:
        chosen = {str(m): 1.0 for m in metals}
    bad = [m for m in chosen if m not in known]
    bad += [m for m, w in chosen.items() if not w > 0 and m in known]
    if bad:
        raise InputError(
            [
                Problem(
                    "pareto",
                    "",
                    f"metal '{m}'",
                    f"a metal of the case with a positive weight ({', '.join(known)})",
                    did_you_mean(m, known),
                )
                for m in bad
            ]
        )
    return chosen


def _index_max(record: RunRecord) -> float:
    for indicator, _metal, _year, value, _unit in record.rows:
        if indicator == "dependence_index_max":
            return float(value)
    return float("nan")


def frontier_table(records: Sequence[RunRecord]) -> pd.DataFrame:
    """Points with dominance, marginal cost between frontier points and the knee."""
    rows = []
    for r in records:
        cost = next((v for i, _m, _y, v, _u in r.rows if i == "total_cost"), np.nan)
        rows.append(
            {
                "run_id": r.run_id,
                "cap": r.values.get("cap"),
                "dependence": _index_max(r),
                "total_cost": cost,
                "status": r.status,
                "error": r.error,
            }
        )
    table = pd.DataFrame(rows)
    table["cap"] = table["cap"].astype(float)
    reference = table.loc[table["run_id"] == REFERENCE, "total_cost"]
    table["cost_increase"] = table["total_cost"] - (reference.iloc[0] if len(reference) else np.nan)
    table["dominated"] = _dominated(table)
    capped = table["run_id"] != REFERENCE
    table["on_frontier"] = capped & (table["status"] == "optimal") & ~table["dominated"]
    table["marginal_cost"] = np.nan
    table["knee"] = False
    front = table[table["on_frontier"]].sort_values("dependence", ascending=False)
    if len(front) >= 2:
        cost, dep = front["total_cost"].to_numpy(), front["dependence"].to_numpy()
        marginal = np.diff(cost) / (-np.diff(dep) * 100.0)
        table.loc[front.index[1:], "marginal_cost"] = marginal
        knee = _knee(dep, cost)
        if knee is not None:
            table.loc[front.index[knee], "knee"] = True
    columns = [
        "run_id",
        "cap",
        "dependence",
        "total_cost",
        "cost_increase",
        "marginal_cost",
        "on_frontier",
        "dominated",
        "knee",
        "status",
        "error",
    ]
    order = table["cap"].fillna(np.inf)
    return table.loc[order.sort_values(ascending=False, kind="stable").index, columns].reset_index(
        drop=True
    )


def _dominated(table: pd.DataFrame) -> pd.Series:
    """A point is dominated when another costs no more and depends no more, and is
    better in one (duplicates: all but the loosest-cap one)."""
    ok = table[(table["status"] == "optimal") & (table["run_id"] != REFERENCE)]
    flags = pd.Series(False, index=table.index)
    order = ok["cap"].sort_values(ascending=False, kind="stable").index
    for i in order:
        for j in order:
            if i == j:
                continue
            ci, cj = ok.at[i, "total_cost"], ok.at[j, "total_cost"]
            di, dj = ok.at[i, "dependence"], ok.at[j, "dependence"]
            tol = COST_RTOL * max(abs(ci), abs(cj), 1.0)
            no_worse = cj <= ci + tol and dj <= di + DEPENDENCE_ATOL
            better = cj < ci - tol or dj < di - DEPENDENCE_ATOL
            same_earlier = not better and list(order).index(j) < list(order).index(i)
            if no_worse and (better or same_earlier):
                flags[i] = True
                break
    return flags


def _knee(dependence: np.ndarray, cost: np.ndarray) -> int | None:
    """Index of the point farthest from the chord of the normalised curve, if any."""
    d_span, c_span = np.ptp(dependence), np.ptp(cost)
    if len(cost) < 3 or d_span <= 0 or c_span <= 0:
        return None
    x = (dependence - dependence.min()) / d_span  # 1 at the loosest end
    y = (cost - cost.min()) / c_span  # 1 at the tightest end
    gap = np.abs(1.0 - x - y)  # distance to the chord x + y = 1, times √2
    best = int(np.argmax(gap))
    return best if gap[best] > 1e-9 else None
