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
from msc_model.scenarios.runner import RunRecord, Task, lean, weighted_index

REFERENCE = "p00"
#: tolerances of the dominance filter: relative on cost, absolute on dependence (share)
COST_RTOL = 1e-9
DEPENDENCE_ATOL = 1e-9
#: curtailment (kt) above the uncapped plan's that makes a point no answer to its cap
CURTAILED_ATOL = 1e-3


def pareto(
    workbook: str | Path | None = None,
    metals: str | Sequence[str] | Mapping[str, float] | None = None,
    *,
    points: int = 11,
    caps: Sequence[float] | None = None,
    low: float | None = None,
    scenario: str | None = None,
    scenario_file: str | Path | None = None,
    out: str | Path | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    overwrite: bool = False,
    profile: str = "default",
    progress: bool = False,
    years: int | Sequence[int] | None = None,
) -> pd.DataFrame:
    """Trace the plan's cost against external dependence.

    Parameters
    ----------
    workbook
        The case (default: the shipped workbook).
    metals
        One metal (``"Cu"``), several (a national index with equal weights) or
        metal → weight (a weighted index ``Σ w·net imports / Σ w·consumption``). Default:
        every metal of the case, weighted by the value of its imports in the base year
        (of the uncapped plan, at the workbook's prices): summing tonnes would make the
        index iron. The curve's cap replaces the workbook's dependence targets of these
        metals.
    years
        The year (or path of years) the cap applies in; default the final year. A cap
        only bites once new capacity can be online (base year + lead time).
    points
        Caps from the uncapped dependence down to ``low``, both ends included.
    low
        Tightest cap. Default: the tightest cap met without curtailment, found by a coarse
        scan down to zero and a bisection; the ``points`` caps are then spread from the
        uncapped dependence down to it (the scan's curtailed points are listed apart).
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
        reference), ``dependence`` (the index's largest value over the capped years),
        ``total_cost`` (MUSD, discounted: the plan's cost, value of lost supply excluded),
        ``cost_increase`` (against the reference), ``marginal_cost`` (MUSD per percentage
        point from the previous frontier point), ``curtailed`` (kt of demand left unmet;
        a point with any is never on the frontier), ``on_frontier``, ``dominated``,
        ``knee``, ``status``, ``error``. ``attrs["pareto"]`` holds the weights and years,
        ``attrs["unmet"]`` each run's demand left unmet per metal (records of run_id,
        metal, value in kt over the horizon: ``curtailed`` metal by metal).
        The tidy results of every run are written to ``out``.
    """
    base, _ = load_case(workbook, scenario, scenario_file)
    weights = _weights(base.metals, metals)
    capped = _years(base, years)
    spec = frontier_spec(base, weights, capped)
    data = lean(uncapped(base, spec.metals))
    plan = {
        "kind": "pareto",
        "workbook": file_hash(base.source),
        "scenario": scenario,
        "profile": profile,
        "weights": weights if metals is not None else "base-year import value",
        "years": list(capped),
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
    if metals is None and reference.status == "optimal":
        weights = _value_weights(reference, weights)
        spec = frontier_spec(base, weights, capped)
    if caps is None:
        loosest = _index_max(reference, weights, capped)
        if not np.isfinite(loosest):
            # without the uncapped plan there is no range to trace
            error = InfeasibleError if reference.status == "infeasible" else SolveError
            raise error(f"the uncapped reference run failed: {reference.error}", reference.status)
    # the same folder and plan: the reference is stored, the caps run (or resume) now
    later = {**common, "resume": True, "overwrite": False}
    done: list[RunRecord] = []

    def run(levels: Sequence[float], label: str) -> list[RunRecord]:
        batch = [planned(f"p{len(done) + i:02d}", float(c)) for i, c in enumerate(levels, 1)]
        found = execute(batch, label=label, **later) if batch else []
        done.extend(found)
        return found

    if caps is not None:
        run(caps, "trade-off")
    elif low is not None:
        run(np.linspace(loosest, min(low, loosest), points), "trade-off")
    else:
        _trace_to_the_edge(run, loosest, points, _value(reference, "curtailed"))
    records = [reference, *done]
    table = frontier_table(records, weights, capped)
    table.attrs["pareto"] = {
        "weights": weights,
        "years": list(capped),
        "augmentation": spec.augmentation,
    }
    from msc_model.report.secondary import unmet_by_run

    results = tidy(records)
    table.attrs["unmet"] = unmet_by_run(results).to_dict("records")
    if out is not None:
        from msc_model.scenarios.output import write_pareto

        write_pareto(table, results, runs_table(records), out)
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


#: bisection steps that locate the tightest cap met without curtailment
EDGE_STEPS = 5


def _trace_to_the_edge(run, loosest: float, points: int, floor: float = 0.0) -> None:
    """Caps spread over the range a plan can meet without leaving demand unmet.

    A cap below what domestic supply can reach is met only by curtailing demand, which is
    no answer (and no point of the frontier). A coarse scan from ``loosest`` to zero
    brackets the edge, a bisection narrows it, and ``points`` caps are spread from
    ``loosest`` to the tightest cap found to be met. ``floor`` is the uncapped plan's own
    curtailment (demand no supply can reach, whatever the cap): only more than that
    counts.
    """

    def met(record: RunRecord) -> bool:
        return record.status == "optimal" and _value(record, "curtailed") <= floor + CURTAILED_ATOL

    coarse = np.linspace(loosest, 0.0, points)
    results = run(coarse, "trade-off scan")
    good = [c for c, r in zip(coarse, results, strict=True) if met(r)]
    bad = [c for c, r in zip(coarse, results, strict=True) if not met(r)]
    if not bad or not good:
        return  # every cap is met (or none is): the scan is the curve
    edge, below = min(good), max(c for c in bad if c < min(good))
    for _ in range(EDGE_STEPS):
        middle = (edge + below) / 2.0
        if met(run([middle], "trade-off edge")[0]):
            edge = middle
        else:
            below = middle
    tried = set(coarse) | {edge}
    run([c for c in np.linspace(loosest, edge, points) if c not in tried], "trade-off")


def _years(data, years) -> tuple[int, ...]:
    """The capped years, checked against the horizon (default: the final year)."""
    if years is None:
        return (data.final_year,)
    chosen = (int(years),) if isinstance(years, int | float | str) else tuple(map(int, years))
    bad = [y for y in chosen if not data.policy_start_year <= y <= data.final_year]
    if bad or not chosen:
        raise InputError(
            [
                Problem(
                    "pareto",
                    "",
                    f"year {y}",
                    f"a policy year of the case ({data.policy_start_year}-{data.final_year})",
                )
                for y in bad or ["(none)"]
            ]
        )
    return tuple(sorted(set(chosen)))


def _value_weights(record: RunRecord, fallback: dict[str, float]) -> dict[str, float]:
    """Metal → its base-year import value in the uncapped plan (equal weights when no
    metal imports anything)."""
    value = {m: v for i, m, _y, v, _u in record.rows if i == "import_value" and m in fallback}
    if not value or sum(value.values()) <= 0:
        return fallback
    total = sum(value.values())
    return {m: value.get(m, 0.0) / total for m in fallback if value.get(m, 0.0) > 0}


def _rows(record: RunRecord, indicator: str) -> dict[tuple[str, int | None], float]:
    return {(m, y): v for i, m, y, v, _u in record.rows if i == indicator}


def _index_max(record: RunRecord, weights: dict[str, float], years: tuple[int, ...]) -> float:
    """The weighted dependence index's largest value over ``years``, from the run's rows."""
    net, used = _rows(record, "net_imports"), _rows(record, "consumption")
    if not net:
        return float("nan")
    rows = [
        (m, y, net[m, y], used.get((m, y), np.nan)) for (m, y) in net if m in weights and y in years
    ]
    dep = pd.DataFrame(rows, columns=["metal", "year", "net_imports", "consumption"])
    return float(weighted_index(dep, weights).max()) if len(dep) else float("nan")


def _value(record: RunRecord, indicator: str) -> float:
    return next((v for i, _m, _y, v, _u in record.rows if i == indicator), np.nan)


def frontier_table(
    records: Sequence[RunRecord], weights: dict[str, float], years: tuple[int, ...]
) -> pd.DataFrame:
    """Points with dominance, marginal cost between frontier points and the knee.

    A point's cost is the plan's (value of lost supply excluded); a point that leaves
    more demand unmet than the uncapped reference plan (``curtailed`` above the
    reference's, which is demand no supply can reach whatever the cap) is not an answer to
    its cap and is never on the frontier.
    """
    rows = []
    for r in records:
        rows.append(
            {
                "run_id": r.run_id,
                "cap": r.values.get("cap"),
                "dependence": _index_max(r, weights, years),
                "total_cost": _value(r, "plan_cost"),
                "curtailed": _value(r, "curtailed"),
                "status": r.status,
                "error": r.error,
            }
        )
    table = pd.DataFrame(rows)
    table["cap"] = table["cap"].astype(float)
    reference = table.loc[table["run_id"] == REFERENCE, "total_cost"]
    table["cost_increase"] = table["total_cost"] - (reference.iloc[0] if len(reference) else np.nan)
    floor = table.loc[table["run_id"] == REFERENCE, "curtailed"]
    floor = float(floor.iloc[0]) if len(floor) and np.isfinite(floor.iloc[0]) else 0.0
    met = table["curtailed"].fillna(np.inf) <= floor + CURTAILED_ATOL
    table["dominated"] = _dominated(table, met)
    capped = table["run_id"] != REFERENCE
    table["on_frontier"] = capped & (table["status"] == "optimal") & met & ~table["dominated"]
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
        "curtailed",
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


def _dominated(table: pd.DataFrame, met: pd.Series) -> pd.Series:
    """A point is dominated when another costs no more and depends no more, and is
    better in one (duplicates: all but the loosest-cap one)."""
    # a point that curtails is no answer to its cap and dominates nothing
    ok = table[(table["status"] == "optimal") & (table["run_id"] != REFERENCE) & met]
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
