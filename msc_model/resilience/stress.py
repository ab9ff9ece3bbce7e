"""Stress tests: a fixed plan under a shock, operations re-optimised.

For a plan and a shock whose first year is ``t0``:

1. the plan's builds are fixed (``new_capacity``, ``new_storage``), and so is its stock in
   every year before ``t0``: until the shock, the country runs the plan as made;
2. from ``t0`` on, every operation is re-optimised under the shock with foresight of its
   length: imports re-routed to other origins and entry points, domestic plants run
   harder, recycling, reserve draws. For the metals a shock hits, the dependence cap and
   the supplier limits are released in its years and the reserve may fall below its
   minimum at a charge (see :mod:`msc_model.resilience.model`);
3. the same plan with the same history, the same rules released and no shock is the
   *baseline*; the extra cost is the difference of the two objectives (present value,
   MUSD), so it measures the shock and not the suspended rules.

Demand that cannot be met is ``unmet_demand`` (charged at the case's penalty). The shock's
*extra* unmet demand is what exceeds the baseline's (the same as the unmet demand when the
plan meets all demand in normal times). The *recovery time* is the number of years from
``t0`` until the extra unmet demand is back to ~0 for good; NaN when it is still there in
the final year.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from msc_model.data import ModelData
from msc_model.errors import InfeasibleError, InputError, Problem
from msc_model.inputs import load_inputs
from msc_model.model import build_model
from msc_model.resilience.model import build_shocked_model, fix_plan
from msc_model.resilience.plan import Plan, read_plan
from msc_model.resilience.shocks import (
    Shock,
    apply_shocks,
    first_year,
    released,
    select,
    shock_years,
)
from msc_model.results import Results, extract_results
from msc_model.solver import solve

#: unmet demand below this share of the metal's demand (or 1e-6 kt) counts as none
UNMET_TOLERANCE = 1e-6
KT = "kt"


@dataclass
class StressCase:
    """One plan under one shock (or a scenario of several shocks)."""

    name: str
    shocks: tuple[Shock, ...]
    results: Results  # operations under the shock
    baseline: Results  # the same plan, history and released rules, without the shock
    _cache: dict = field(default_factory=dict, repr=False, compare=False)

    @property
    def first_year(self) -> int | None:
        return first_year(self.shocks)

    @property
    def last_year(self) -> int | None:
        return max((s.last_year for s in self.shocks), default=None)

    @property
    def extra_cost(self) -> float:
        """Objective under the shock minus the baseline's (MUSD, present value)."""
        return self.results.objective - self.baseline.objective

    @property
    def objective(self) -> float:
        """The plan's cost under the shock (MUSD, present value)."""
        return self.results.objective

    @property
    def extra_supply_cost(self) -> float:
        """The extra cost without the unmet-demand penalty and the reserve release charge:
        what the shock costs in money actually spent (MUSD, present value)."""

        def spent(results: Results) -> float:
            costs = results.costs
            return float(costs.loc[costs["term"] != "unmet_demand", "discounted"].sum())

        return spent(self.results) - spent(self.baseline)

    @property
    def unmet_total(self) -> float:
        return float(self.results.unmet["value"].sum())

    def extra_unmet(self) -> pd.DataFrame:
        """Unmet demand above the baseline's, by metal, region and year (kt/yr, ≥ 0)."""
        if "extra_unmet" not in self._cache:
            self._cache["extra_unmet"] = self._extra_unmet()
        return self._cache["extra_unmet"].copy()

    def _extra_unmet(self) -> pd.DataFrame:
        keys = ["metal", "region", "year"]
        base = self.baseline.unmet.set_index(keys)["value"]
        table = self.results.unmet.set_index(keys)
        table["value"] = (table["value"] - base.reindex(table.index, fill_value=0.0)).clip(
            lower=0.0
        )
        return table.reset_index()

    def recovery_years(self, metal: str | None = None) -> float:
        """Years from the shock's start until the extra unmet demand is ~0 for good (NaN:
        not within the horizon; 0: none after the start)."""
        if not self.shocks:
            return 0.0
        unmet = self.extra_unmet()
        if metal is not None:
            unmet = unmet[unmet["metal"] == metal]
        by_year = unmet.groupby("year")[["value", "demand"]].sum()
        short = by_year[by_year["value"] > UNMET_TOLERANCE * by_year["demand"] + 1e-6]
        short = short[short.index >= self.first_year]
        if short.empty:
            return 0.0
        last = int(short.index.max())
        if last >= int(by_year.index.max()):
            return math.nan
        return float(last + 1 - self.first_year)

    def by_metal(self) -> pd.DataFrame:
        """Unmet demand, reserve use and recovery per metal (national)."""
        if "by_metal" not in self._cache:
            self._cache["by_metal"] = self._by_metal()
        return self._cache["by_metal"].copy()

    def _by_metal(self) -> pd.DataFrame:
        res, t0 = self.results, self.first_year
        years = shock_years(self.shocks)
        demand = res.demand.groupby(["metal", "year"])["value"].sum()
        stock = res.stock.groupby(["metal", "year"])[["stock", "draw"]].sum()
        base_draw = self.baseline.stock.groupby(["metal", "year"])["draw"].sum()
        unmet = res.unmet.groupby(["metal", "year"])["value"].sum()
        extra = self.extra_unmet().groupby("metal")["value"].sum()
        rows = []
        for metal in sorted(res.demand["metal"].unique()):
            yearly = demand.loc[metal]
            ref = float(yearly.get(t0, yearly.iloc[0])) if t0 is not None else np.nan
            per_day = ref / 365.0 if ref > 0 else np.nan
            before = float(stock["stock"].get((metal, t0 - 1), 0.0)) if t0 is not None else 0.0
            drawn = float(sum(stock["draw"].get((metal, t), 0.0) for t in years))
            drawn_base = float(sum(base_draw.get((metal, t), 0.0) for t in years))
            lost = unmet.loc[metal] if metal in unmet.index.get_level_values(0) else pd.Series()
            share = (lost / yearly.reindex(lost.index)).max() if len(lost) else 0.0
            rows.append(
                dict(
                    case=self.name,
                    metal=metal,
                    unmet=float(lost.sum()),
                    extra_unmet=float(extra.get(metal, 0.0)),
                    peak_unmet_share=float(share) if share == share else 0.0,
                    reserve_before=before,
                    reserve_drawn=drawn,
                    reserve_drawn_baseline=drawn_base,
                    cover_before_days=before / per_day,
                    cover_used_days=drawn / per_day,
                    recovery_years=self.recovery_years(metal),
                    unit=KT,
                )
            )
        return pd.DataFrame(rows)

    def summary(self) -> dict[str, object]:
        metals = self.by_metal()
        worst = metals.sort_values("extra_unmet", ascending=False).iloc[0] if len(metals) else None
        return dict(
            case=self.name,
            shocks="; ".join(s.describe() for s in self.shocks) or "none",
            first_year=self.first_year,
            last_year=self.last_year,
            unmet_total=self.unmet_total,
            extra_unmet=float(metals["extra_unmet"].sum()),
            worst_metal=worst["metal"] if worst is not None and worst["unmet"] > 0 else "",
            peak_unmet_share=float(metals["peak_unmet_share"].max()) if len(metals) else 0.0,
            reserve_drawn=float(metals["reserve_drawn"].sum()),
            cover_used_days_max=float(metals["cover_used_days"].max()) if len(metals) else 0.0,
            extra_cost=self.extra_cost,
            extra_supply_cost=self.extra_supply_cost,
            recovery_years=self.recovery_years(),
            unit="kt; MUSD",
        )


@dataclass
class StressReport:
    """A plan under several shocks: the cases and the plan's own (nominal) operations."""

    plan: Plan
    nominal: Results
    cases: list[StressCase] = field(default_factory=list)

    def summary(self) -> pd.DataFrame:
        """One row per case: unmet demand (kt), reserve drawn (kt), extra cost (MUSD),
        recovery (years)."""
        return pd.DataFrame([case.summary() for case in self.cases])

    def by_metal(self) -> pd.DataFrame:
        return pd.concat([c.by_metal() for c in self.cases], ignore_index=True)

    def unmet(self) -> pd.DataFrame:
        """Unmet demand by case, metal, region and year (rows with unmet demand only)."""
        frames = [c.results.unmet.assign(case=c.name) for c in self.cases]
        table = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
        if table.empty:
            return table
        table = table[table["value"] > 1e-6]
        return table[["case", "metal", "region", "year", "value", "demand", "unit"]]

    def reserves(self) -> pd.DataFrame:
        """Stock, fill and draw by case, metal, region and year (where any is non-zero)."""
        frames = [c.results.stock.assign(case=c.name) for c in self.cases]
        table = pd.concat(frames, ignore_index=True)
        moving = table[["stock", "fill", "draw"]].abs().sum(axis=1) > 1e-9
        columns = ["case", "metal", "region", "year", "stock", "fill", "draw"]
        return table[moving][[*columns, "storage_capacity", "unit"]]

    def case(self, name: str) -> StressCase:
        return next(c for c in self.cases if c.name == name)


def solve_operations(
    data: ModelData,
    plan: Plan,
    *,
    until: int | None = None,
    shocks: Sequence[Shock] = (),
    release: frozenset[tuple[str, int]] = frozenset(),
    profile: str = "default",
) -> Results:
    """Operations of a fixed plan: builds fixed, stock fixed before ``until`` (all the
    plan's stock when None), under ``shocks``, with the peacetime rules also released for
    the (metal, year) pairs in ``release``; the solved :class:`Results`."""
    shocked = apply_shocks(data, shocks)
    if release:
        more = dataclasses.replace(
            shocked.disruption, released=shocked.disruption.released | release
        )
        shocked = dataclasses.replace(shocked, disruption=more)
    model = build_shocked_model(shocked)
    fix_plan(model, plan, until)
    outcome = solve(model, profile)
    return extract_results(model, shocked, outcome)


def stress_test(
    data: ModelData,
    plan: Plan,
    cases: Mapping[str, Sequence[Shock]] | None = None,
    *,
    nominal: Results | None = None,
    profile: str = "default",
    on_case: Callable[[str], None] | None = None,
) -> StressReport:
    """Run a plan under each case (shock name → its rows; default: the whole library).

    Parameters
    ----------
    data
        The case the plan was made for.
    plan
        Builds and reserve levels to hold fixed. Years missing from ``plan.stock`` are
        first completed by solving the plan without shocks.
    cases
        Named shocks (``select(data, names)``) or scenarios (name → all their rows).
    nominal
        The plan's own solved operations, when at hand (skips one solve).
    on_case
        Called with each case name before it is solved (progress display).

    Raises
    ------
    InfeasibleError
        The plan cannot even run without shocks, or a hard rule (export commitments)
        cannot be kept under a shock; the message names the case.
    """
    cases = select(data) if cases is None else cases
    if nominal is None:
        nominal = _solve_case(data, plan, "no shock", None, (), profile)
    plan = plan.with_stock(Plan.from_results(nominal).stock)
    baselines: dict[tuple[int, frozenset], Results] = {}
    report = StressReport(plan, nominal)
    for name, shocks in cases.items():
        if on_case:
            on_case(name)
        t0 = first_year(shocks)
        if t0 is None:
            report.cases.append(StressCase(name, (), nominal, nominal))
            continue
        key = (t0, released(shocks, data.metals))
        if key not in baselines:
            baselines[key] = _solve_case(data, plan, f"baseline {t0}", t0, (), profile, key[1])
        results = _solve_case(data, plan, name, t0, tuple(shocks), profile)
        report.cases.append(StressCase(name, tuple(shocks), results, baselines[key]))
    return report


def _solve_case(data, plan, name, until, shocks, profile, release=frozenset()) -> Results:
    try:
        return solve_operations(
            data, plan, until=until, shocks=shocks, release=release, profile=profile
        )
    except InfeasibleError as exc:
        raise InfeasibleError(
            f"plan '{plan.name}' under '{name}': {exc} (a plan from another workbook, or a "
            "hard rule such as an export commitment that the shock makes impossible)",
            exc.termination,
        ) from exc


def deterministic_plan(data: ModelData, profile: str = "default") -> tuple[Plan, Results]:
    """Solve the ordinary (shock-blind) plan of a case: its Plan and Results."""
    model = build_model(data)
    outcome = solve(model, profile)
    results = extract_results(model, data, outcome)
    return Plan.from_results(results, "deterministic", data.source), results


def run_stress(
    workbook: str | Path,
    *,
    plan: str | Path | None = None,
    shocks: Sequence[str] = (),
    output: str | Path | None = None,
    overwrite: bool = False,
    profile: str = "default",
    on_stage: Callable[[str], None] | None = None,
) -> tuple[StressReport, ModelData, Path | None]:
    """``msc stress``: read, get the plan (a results workbook, or solve the ordinary plan),
    stress it under the chosen shocks (default: all), write the resilience workbook."""
    from msc_model.report.writer import check_target
    from msc_model.resilience.report import write_stress_report

    if output is not None:
        check_target(output, overwrite=overwrite, protect=[workbook, plan])
    stage = on_stage or (lambda _name: None)
    stage("reading")
    data = load_inputs(workbook)
    cases = select(data, shocks)
    if not cases:
        raise InputError(
            [Problem("shocks", "", "no shocks", "at least one row on the shocks sheet",
                     "see docs/resilience.md for the columns")],
            data.source,
        )  # fmt: skip
    nominal = None
    if plan is None:
        stage("solving the ordinary plan")
        fixed, nominal = deterministic_plan(data, profile)
    else:
        fixed = read_plan(plan)
    report = stress_test(
        data, fixed, cases, nominal=nominal, profile=profile, on_case=lambda n: stage(f"shock {n}")
    )
    written = None
    if output is not None:
        stage("writing")
        written = write_stress_report(
            report, data, output, overwrite=overwrite, protect=[plan]
        ).path
    return report, data, written
