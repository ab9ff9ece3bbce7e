"""The ordinary and the shock-aware plan side by side: what extra reserves and hinterland
capacity buy.

Both plans are stress-tested (:mod:`msc_model.resilience.stress`) under every scenario of
the workbook; the scenario without shocks is each plan's normal operations. The gain of
the shock-aware plan is the expected unmet demand it avoids, set against what it costs
more in normal times (its insurance premium): kt of unmet demand avoided per million USD.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from msc_model.data import ModelData
from msc_model.inputs import load_inputs
from msc_model.resilience.indicators import BACKUP_PROCESSES
from msc_model.resilience.plan import Plan
from msc_model.resilience.robust import RobustResult, solve_robust
from msc_model.resilience.shocks import ShockScenario, scenario_shocks
from msc_model.resilience.stress import StressReport, deterministic_plan, stress_test
from msc_model.results import Results
from msc_model.schema import STORAGE
from msc_model.shipped import default_workbook


@dataclass
class Comparison:
    """Plans stress-tested under the same scenarios (name → StressReport, one case per
    scenario, the scenario without shocks being the plan's normal operations)."""

    data: ModelData
    probabilities: dict[str, float]
    reports: dict[str, StressReport]

    @property
    def first_year(self) -> int | None:
        starts = [c.first_year for r in self.reports.values() for c in r.cases if c.first_year]
        return min(starts) if starts else None

    def expected(self, plan: str, attribute: str) -> float:
        """Σ_s p_s · case attribute (``unmet_total``, ``extra_cost``…) of a plan."""
        report = self.reports[plan]
        return sum(
            p * float(getattr(report.case(s), attribute)) for s, p in self.probabilities.items()
        )

    def scenarios(self) -> pd.DataFrame:
        """One row per plan and scenario: probability, unmet demand, cost."""
        rows = []
        for plan, report in self.reports.items():
            for case in report.cases:
                rows.append(
                    dict(
                        plan=plan,
                        scenario=case.name,
                        probability=self.probabilities[case.name],
                        unmet=case.unmet_total,
                        extra_unmet=float(case.by_metal()["extra_unmet"].sum()),
                        reserve_drawn=float(case.by_metal()["reserve_drawn"].sum()),
                        cost=case.results.objective,
                        extra_cost=case.extra_cost,
                    )
                )
        return pd.DataFrame(rows)

    def by_metal(self) -> pd.DataFrame:
        """One row per plan, scenario and metal: the scenario's probability, unmet demand,
        extra unmet demand and reserve drawn (kt, as in
        :meth:`msc_model.resilience.stress.StressCase.by_metal`): the tonnes of
        :meth:`scenarios` metal by metal."""
        frames = [
            report.by_metal()
            .rename(columns={"case": "scenario"})
            .assign(plan=plan, probability=lambda f: f["scenario"].map(self.probabilities))
            for plan, report in self.reports.items()
        ]
        columns = ["plan", "scenario", "probability", "metal", "unmet", "extra_unmet",
                   "reserve_drawn", "unit"]  # fmt: skip
        if not frames:
            return pd.DataFrame(columns=columns)
        return pd.concat(frames, ignore_index=True)[columns]

    def plans(self) -> pd.DataFrame:
        """One row per plan: expected and normal-times cost (MUSD, present value), expected
        and worst unmet demand (kt, all metals: for scripts; readers see it per metal) and
        expected and worst value of lost supply (MUSD, undiscounted: each metal's unmet
        demand at its ``unmet_demand_penalty``, the loss ``--risk`` weighs, which can be
        added across metals). What each plan holds is per metal (:meth:`holdings`)."""
        rows = [
            dict(
                plan=plan,
                expected_cost=self.expected(plan, "objective"),
                normal_cost=report.nominal.objective,
                expected_unmet=self.expected(plan, "unmet_total"),
                worst_unmet=max(c.unmet_total for c in report.cases),
                expected_lost_value=sum(
                    p * self.lost_value(report.case(s)) for s, p in self.probabilities.items()
                ),
                worst_lost_value=max((self.lost_value(c) for c in report.cases), default=0.0),
            )
            for plan, report in self.reports.items()
        ]
        return pd.DataFrame(rows)

    def lost_value(self, case) -> float:
        """A stress case's value of lost supply: Σ_m v_m · unmet_m (MUSD, undiscounted)."""
        return sum(
            self.data.get("unmet_demand_penalty", (metal,)) * _unmet(case, metal)
            for metal in self.data.metals
        )

    def holdings(self) -> pd.DataFrame:
        """One row per plan and metal: storage built over the horizon (kt), the reserve held
        (kt) and the hinterland smelting and processing capacity (kt/yr, one column a stage:
        stages are not added up) in the year before the first shock, and the metal's
        expected and worst unmet demand over the scenarios (kt: :meth:`plans` per metal)."""
        year = (self.first_year or self.data.final_year + 1) - 1
        rows = []
        for plan, report in self.reports.items():
            capacity = report.nominal.capacity
            for metal in self.data.metals:
                stores = _of(capacity, metal)
                rows.append(
                    dict(
                        plan=plan,
                        metal=metal,
                        storage_built=float(stores[stores["process"] == STORAGE]["new"].sum()),
                        reserve_held=float(_of(report.nominal.stock, metal, year)["stock"].sum()),
                        **{
                            f"hinterland_{process}": _backup(
                                _of(capacity, metal, year), self.data, (process,)
                            )
                            for process in BACKUP_PROCESSES
                        },
                        expected_unmet=sum(
                            p * _unmet(report.case(s), metal) for s, p in self.probabilities.items()
                        ),
                        worst_unmet=max((_unmet(c, metal) for c in report.cases), default=0.0),
                        year=year,
                    )
                )
        return pd.DataFrame(rows)

    def gains(self, reference: str = "deterministic", other: str = "shock-aware") -> pd.DataFrame:
        """What ``other`` buys over ``reference``, per metal and in total: extra reserve held
        and extra hinterland backup capacity (year before the first shock; per metal only,
        blank on the total row), expected unmet
        demand avoided (kt), the extra cost in normal times (MUSD, present value, total
        row only) and unmet demand avoided per million USD of it (kt/MUSD)."""
        year = (self.first_year or self.data.final_year + 1) - 1
        base, new = self.reports[reference], self.reports[other]
        premium = new.nominal.objective - base.nominal.objective
        rows = []
        for metal in (*self.data.metals, None):
            held = [_of(r.nominal.stock, metal, year)["stock"].sum() for r in (base, new)]
            backup = [_backup(_of(r.nominal.capacity, metal, year), self.data) for r in (base, new)]
            unmet = [
                sum(p * float(_of(r.case(s).results.unmet, metal)["value"].sum())
                    for s, p in self.probabilities.items())
                for r in (base, new)
            ]  # fmt: skip
            avoided = unmet[0] - unmet[1]
            rows.append(
                dict(
                    metal=metal or "all",
                    # tonnes of different metals are not added up: no total of these
                    extra_reserve=float(held[1] - held[0]) if metal else math.nan,
                    extra_hinterland_backup=float(backup[1] - backup[0]) if metal else math.nan,
                    unmet_avoided=float(avoided),
                    extra_normal_cost=premium if metal is None else math.nan,
                    unmet_avoided_per_musd=avoided / premium
                    if metal is None and premium > 1e-9
                    else math.nan,
                )
            )
        return pd.DataFrame(rows)


def _unmet(case, metal: str) -> float:
    """A stress case's unmet demand of one metal over the horizon (kt)."""
    return float(_of(case.results.unmet, metal)["value"].sum())


def _of(frame: pd.DataFrame, metal: str | None, year: int | None = None) -> pd.DataFrame:
    """Rows of one metal (all for None), of one year (all for None)."""
    if metal is not None:
        frame = frame[frame["metal"] == metal]
    return frame if year is None else frame[frame["year"] == year]


def _backup(
    capacity: pd.DataFrame, data: ModelData, processes: Sequence[str] = BACKUP_PROCESSES
) -> float:
    """Capacity of ``processes`` (smelting and processing) in hinterland regions (kt/yr)."""
    rows = capacity[capacity["process"].isin(processes) & capacity["region"].isin(data.hinterland)]
    return float(rows["total"].sum())


def compare_plans(
    data: ModelData,
    plans: dict[str, tuple[Plan, Results | None]],
    scenarios: Sequence[ShockScenario] | None = None,
    *,
    profile: str = "default",
    on_case: Callable[[str], None] | None = None,
) -> Comparison:
    """Stress-test each plan (name → (plan, its normal operations or None)) under each
    scenario; the scenario without shocks is the plan's normal operations."""
    scenarios = list(data.shock_scenarios if scenarios is None else scenarios)
    cases = {s.name: scenario_shocks(data, s) for s in scenarios}
    reports = {
        name: stress_test(data, plan, cases, nominal=nominal, profile=profile, on_case=on_case)
        for name, (plan, nominal) in plans.items()
    }
    return Comparison(data, {s.name: s.probability for s in scenarios}, reports)


def run_robust(
    workbook: str | Path | None = None,
    output: str | Path | None = None,
    *,
    risk: str = "expected",
    weight: float = 0.0,
    alpha: float = 0.9,
    profile: str = "default",
    overwrite: bool = False,
    on_stage: Callable[[str], None] | None = None,
) -> tuple[RobustResult, Comparison, Path | None]:
    """``msc run --robust``: the ordinary plan, the shock-aware plan over the workbook's
    shock scenarios, both stress-tested under every scenario, and the resilience workbook."""
    from msc_model.report.writer import check_target
    from msc_model.resilience.report import write_stress_report

    workbook = Path(workbook) if workbook is not None else default_workbook()
    if output is not None:
        check_target(output, overwrite=overwrite, protect=[workbook])
    stage = on_stage or (lambda _name: None)
    stage("reading")
    data = load_inputs(workbook)
    stage("solving the ordinary plan")
    ordinary, ordinary_results = deterministic_plan(data, profile)
    stage("solving the shock-aware plan")
    robust = solve_robust(data, risk=risk, weight=weight, alpha=alpha, profile=profile)
    stage("stress-testing both plans")
    # the scenario without shocks, when listed, is the shock-aware plan's normal operations
    normal = next((s.name for s in data.shock_scenarios if not s.shocks), None)
    comparison = compare_plans(
        data,
        {
            "deterministic": (ordinary, ordinary_results),
            "shock-aware": (robust.plan, robust.scenarios.get(normal)),
        },
        profile=profile,
        on_case=lambda name: stage(f"scenario {name}"),
    )
    written = None
    if output is not None:
        stage("writing")
        report = comparison.reports["shock-aware"]
        written = write_stress_report(
            report, data, output, overwrite=overwrite, comparison=comparison
        ).path
    return robust, comparison, written
