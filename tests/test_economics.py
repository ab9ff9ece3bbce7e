"""The economics a reader quotes: USGS net import reliance, the cap's marginal cost against
a finite-difference re-solve, the policy's cost against the reference plan, curtailment
kept apart from costs, and the pre-solve warnings that stop a cap turning into shortfall."""

from __future__ import annotations

import dataclasses

import openpyxl
import pyomo.core as pyo
import pytest
import toys
from factory import minimal_sheets, write_workbook

import msc_model as msc
from msc_model import indicators
from msc_model.inputs.sanity import check_sanity
from msc_model.model import PLAN_TERMS, build_model
from msc_model.pipeline import run
from msc_model.reference import plan_cost
from msc_model.results import extract_results
from msc_model.solver import solve


def solved(data):
    model = build_model(data)
    return extract_results(model, data, solve(model))


def test_a_stock_draw_counts_as_an_import_so_stockpiling_cannot_evade_a_cap() -> None:
    """Toy 2 with 100 kt of free storage: importing 200 kt in 2025 and drawing 100 in
    2026 would meet the 2026 cap of 60 % without the dearer mine (2010 against 2200) if a
    draw were not counted. Counted as USGS does, the draw is an import: the mine is built
    (40 kt at 15 MUSD/kt) and the plan costs the same 2200 as without storage."""
    data = toys.dependence_cap().with_params(
        {"storage_capacity": {("Cu", "R"): 100.0}, "holding_cost": {("Cu",): 0.1}}
    )
    res = solved(data)
    assert res.objective == pytest.approx(2200.0)
    dep = indicators.dependence(res, data).set_index("year")
    assert dep.loc[2026, "value"] == pytest.approx(0.6)
    stock = res.stock.set_index("year")
    # whatever is drawn in 2026 is in its net imports
    imports = res.imports.groupby("year")["value"].sum()
    drawn = stock["draw"] - stock["fill"]
    assert dep.loc[2026, "net_imports"] == pytest.approx(imports[2026] + drawn[2026])


CAP_GAP = {"Fe": 0.06, "Cu": 0.09, "Li": 0.06}  # below the uncapped dependence, no kink


@pytest.fixture(scope="module")
def default_case():
    return msc.load_inputs(msc.default_workbook())


def _final_year_cap(data, metal: str, cap: float | None):
    params = dict(data.params)
    params["dependence_target"] = {} if cap is None else {(metal, data.final_year): cap}
    return dataclasses.replace(data, params=params)


@pytest.mark.slow
@pytest.mark.parametrize("metal", ["Fe", "Cu", "Li"])
def test_cap_marginal_cost_matches_a_finite_difference(default_case, metal) -> None:
    """The dual-based cost per percentage point of a binding final-year cap equals the
    change of the plan's cost between caps 0.5 pp either side, within 5 %."""
    final = default_case.final_year
    free = solved(_final_year_cap(default_case, metal, None))
    uncapped = indicators.dependence(free, default_case).set_index(["metal", "year"])["value"]
    cap = uncapped[metal, final] - CAP_GAP[metal]
    data = _final_year_cap(default_case, metal, cap)
    res = solved(data)
    marginal = indicators.dependence_marginal_cost(res, data)
    reported = marginal.set_index(["metal", "year"])["value"][metal, final]  # PV MUSD/pp
    assert reported > 0
    tighter = plan_cost(solved(_final_year_cap(default_case, metal, cap - 0.005)))
    looser = plan_cost(solved(_final_year_cap(default_case, metal, cap + 0.005)))
    assert reported == pytest.approx(tighter - looser, rel=0.05)
    # the same cap's price per tonne of imports avoided, in the final year's money
    prices = res.prices.set_index(["kind", "metal", "year"])
    per_tonne = prices.loc[("dependence cap", metal, final), "value"]
    consumption = res.duals.set_index(["metal", "year"])["consumption"][metal, final]
    undiscounted = marginal.set_index(["metal", "year"])["undiscounted"][metal, final]
    assert per_tonne == pytest.approx(undiscounted * 100 / consumption * 1000, rel=1e-9)


@pytest.mark.slow
def test_every_run_states_what_the_policy_adds(tmp_path) -> None:
    """The reference plan is the same case without the security constraints: it costs no
    more than the plan, and the report's first finding states the difference."""
    result = run(output=tmp_path / "report.xlsx")
    policy = result.policy
    assert result.reference is not None
    assert policy.reference_cost == pytest.approx(result.reference.plan_cost)
    assert policy.plan_cost == pytest.approx(plan_cost(result.results))
    assert policy.extra_cost >= -1e-6 * policy.plan_cost
    assert policy.curtailed == 0.0
    # the plan cost leaves out only the value of lost supply
    costs = result.results.costs
    assert policy.plan_cost == pytest.approx(
        costs[costs["term"].isin(PLAN_TERMS)]["discounted"].sum()
    )
    # the security rows are back on after the reference solve, and the model holds the
    # plan's answer again (not the reference's)
    model = result.model
    assert all(c.active for c in (model.dependence_cap, model.supplier_share_limit))
    assert pyo.value(model.objective) == pytest.approx(result.outcome.objective, rel=1e-9)
    # the warm re-solve equals a cold solve of the case without the security constraints
    cold = build_model(result.data)
    for name in ("dependence_cap", "region_share_limit", "hinterland_share_minimum",
                 "supplier_share_limit"):  # fmt: skip
        getattr(cold, name).deactivate()
    cold_results = extract_results(cold, result.data, solve(cold))
    assert plan_cost(cold_results) == pytest.approx(policy.reference_cost, rel=1e-7)
    summary = openpyxl.load_workbook(tmp_path / "report.xlsx", read_only=True)["Summary"]
    texts = [row[0] for row in summary.iter_rows(values_only=True) if row and row[0]]
    findings = texts[texts.index("Key findings") + 1]
    assert findings.startswith("Meeting the targets and security rules costs ")
    assert f"{policy.extra_cost / 1000:,.2f} bn USD" in findings
    # what binds is read from the plan's duals: each named family has a nonzero dual
    assert policy.binding and "What binds:" in findings
    for name in policy.binding:
        rows = getattr(result.model, name).values()
        assert any(abs(result.model.dual.get(r, 0.0)) > 1e-7 for r in rows), name
    whole = next(t for t in texts if t.startswith("The whole supply system costs"))
    assert "not" not in findings or "most of it paid with or without any policy" in whole


def test_curtailment_is_flagged_first_and_never_a_cost(tmp_path) -> None:
    """A case that cannot meet demand says so first; the value of lost supply is kept out
    of the plan's cost."""
    data = toys.shortage()  # 100 kt demand, 60 kt importable
    res = solved(data)
    assert res.unmet["value"].sum() == pytest.approx(40.0)
    assert plan_cost(res) == pytest.approx(60 * toys.PRICE)
    assert res.objective == pytest.approx(60 * toys.PRICE + 40 * toys.PENALTY)
    # the factory case: lithium processing only arrives in 2026, so earlier lithium
    # demand in the West cannot be met
    case = write_workbook(tmp_path / "short.xlsx", minimal_sheets())
    result = run(case, output=tmp_path / "short_report.xlsx")
    assert result.policy.curtailed > 0
    summary = openpyxl.load_workbook(tmp_path / "short_report.xlsx", read_only=True)["Summary"]
    texts = [row[0] for row in summary.iter_rows(values_only=True) if row and row[0]]
    first = texts[texts.index("Key findings") + 1]
    assert first.startswith("Warning: this plan leaves") and "not a cost" in first


def test_a_target_before_new_supply_can_be_online_is_warned_with_its_cell(tmp_path) -> None:
    sheets = minimal_sheets()
    sheets["dependence_targets"] = [["metal", "year", "value", "unit"], ["Cu", 2025, 50, "%"]]
    sheets["technology"].append(["Cu", "recycling", "lead_time", 3, "yr", ""])  # mining: 4
    case = write_workbook(tmp_path / "early.xlsx", sheets)
    data = msc.load_inputs(case)
    warnings = [str(w) for w in check_sanity(data).warnings]
    early = [w for w in warnings if "dependence target of 50 % for" in w]
    assert early and early[0].startswith("dependence_targets!C2")
    assert "from 2027 on" in early[0]  # base year 2024 + the shortest lead time (3 yr)


def test_unmet_demand_yields_no_scrap_a_lifetime_later() -> None:
    """Products last exactly two years. With 60 of the 100 kt/yr of demand met, the
    scrap arising in 2027 is the 60 kt consumed in 2025, not the 100 demanded; with
    imports enough for all demand it is 100."""
    years = (2025, 2028)
    lifetime = {
        "end_use_share": {("Cu", "all"): 1.0},
        "lifetime_mean": {("Cu", "all"): 2.0},
        "lifetime_sd": {("Cu", "all"): 0.0},
        "max_collection_rate": {("Cu",): 1.0},
        "demand": toys.flat_demand(years, 100.0),
    }
    short = toys.make_data(
        years, {**lifetime, "import_availability": {("Cu", "refined", "World"): 60.0}}
    )
    res = solved(short)
    unmet = res.unmet.set_index("year")["value"]
    assert unmet.tolist() == pytest.approx([40.0] * 4)
    arising = res.scrap.set_index("year")["end_of_life"]
    assert arising[2027] == pytest.approx(60.0) and arising[2028] == pytest.approx(60.0)
    assert arising[2025] == pytest.approx(0.0)  # nothing consumed before the base year
    full = solved(toys.make_data(years, lifetime)).scrap.set_index("year")["end_of_life"]
    assert full[2027] == pytest.approx(100.0)


def test_every_cited_source_key_is_listed_on_the_sources_sheet(tmp_path) -> None:
    """The shipped case lists every key it cites; a key missing from the sources sheet is
    an input error naming the cell that cites it."""
    from msc_model.errors import InputError
    from msc_model.inputs.sources import cited_keys

    msc.load_inputs(msc.default_workbook())  # validates the keys itself
    book = openpyxl.load_workbook(msc.default_workbook(), read_only=True)
    listed = {r[0] for r in book["sources"].iter_rows(min_row=2, values_only=True)}
    for ws in book.worksheets:
        header = next(ws.iter_rows(max_row=1, values_only=True))
        if ws.title == "sources" or "source" not in header:
            continue
        column = header.index("source")
        for row in ws.iter_rows(min_row=2, values_only=True):
            assert set(cited_keys(row[column])) <= listed, (ws.title, row[column])
    sheets = minimal_sheets()
    sheets["sources"] = [["key", "title"], ["USGS-Cu25", "USGS MCS 2025 Copper"]]
    sheets["demand"][3][5] = "USGS-Cu52 — a typo"  # row 4 of the demand sheet, column F
    case = write_workbook(tmp_path / "cited.xlsx", sheets)
    with pytest.raises(InputError, match=r"demand!F4: found source key 'USGS-Cu52'.*USGS-Cu25"):
        msc.load_inputs(case)


@pytest.mark.slow
def test_tight_copper_cap_scenario_is_a_cost_not_a_shortfall() -> None:
    """The shipped tight_cu_cap scenario is met by dearer domestic supply: no demand is
    curtailed, and what it adds to the plan's cost is billions, not the hundreds of
    billions a value-of-lost-supply penalty would show."""
    from msc_model.scenarios import compare

    table = compare(msc.default_workbook(), ["tight_cu_cap"], workers=0)
    row = table.set_index("indicator")
    assert row.loc["curtailed", "tight_cu_cap"] == 0.0
    extra = row.loc["plan_cost", "tight_cu_cap"] - row.loc["plan_cost", "base"]
    assert 0.0 < extra < 50_000.0  # MUSD: above zero (the cap binds), below 50 bn USD


@pytest.mark.slow
def test_all_metal_trade_off_needs_no_curtailment_on_its_frontier() -> None:
    """The all-metal index (weights: base-year import value) traces at least 8 frontier
    points without curtailment, cost never falling as dependence falls."""
    from msc_model.scenarios import pareto

    curve = pareto(msc.default_workbook(), points=8, workers=0)
    weights = curve.attrs["pareto"]["weights"]
    assert set(weights) == {"Fe", "Cu", "Li"} and sum(weights.values()) == pytest.approx(1.0)
    front = curve[curve["on_frontier"]].sort_values("dependence", ascending=False)
    assert len(front) >= 8 and (front["curtailed"] == 0).all()
    assert (front["total_cost"].diff().dropna() >= -1e-6 * front["total_cost"].abs().max()).all()
    assert (front["marginal_cost"].iloc[1:] > 0).all()


def test_demand_beyond_what_capacity_limits_allow_is_warned_with_its_cells() -> None:
    """Copper processing capped at 3,000 kt/yr per region (9,000 at 90 % availability) cannot
    serve 16,700 kt/yr of demand: a pre-solve warning names the demand and the limits."""
    data = msc.load_inputs(msc.default_workbook())
    assert not [w for w in check_sanity(data).warnings if "can supply" in str(w)]
    capped = data.with_params(
        {"max_capacity": {("Cu", "processing", r): 3000.0 for r in data.regions}}
    )
    warnings = [str(w) for w in check_sanity(capped).warnings if "can supply" in str(w)]
    assert len(warnings) == 1
    assert warnings[0].startswith("demand!") and "copper demand" in warnings[0]
    assert "at most the 8,100 kt/yr" in warnings[0]
