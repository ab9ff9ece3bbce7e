"""Component tests: tiny systems whose optimum is derived on paper (see ``toys``).

Each test walks build → solve → extract (which checks every balance) → assert the paper
numbers. Discount rate 0 throughout, so the objective is the plain sum of yearly costs.
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pandas as pd
import pyomo.environ as pyo
import pytest
import toys
from toys import METAL, PENALTY, PRICE, run, series

from msc_model import indicators
from msc_model.data import Disruption, ModelData, Vintage
from msc_model.errors import BalanceError, InfeasibleError
from msc_model.model import COST_TERMS, PLAN_TERMS, build_model
from msc_model.model.objective import terminal_values
from msc_model.results import Results, check_balances, extract_results
from msc_model.solver import solve


def test_recycling_loop_scrap_from_two_years_back_displaces_imports() -> None:
    """Toy 1. EoL[t] = demand[t − 2] = 50, 80, 100; half is collectable: 25, 40, 50.
    Recycled refined metal = 0.8 · collected = 20, 32, 40 at 2 MUSD/kt, cheaper than
    imports at 10, so all collectable scrap is used and imports = 100 − recycled =
    80, 68, 60.

    objective = 10·(80 + 68 + 60) + 2·(20 + 32 + 40) = 2080 + 184 = 2264
    """
    res = run(toys.recycling_loop())
    assert res.objective == pytest.approx(2264.0)
    assert res.scrap.sort_values("year")["end_of_life"].tolist() == pytest.approx([50, 80, 100])
    assert res.scrap.sort_values("year")["collected"].tolist() == pytest.approx([25, 40, 50])
    assert series(res.activity, process="recycling") == pytest.approx([20, 32, 40])
    assert series(res.imports) == pytest.approx([80, 68, 60])
    assert indicators.recycling_rate(res)["value"].tolist() == pytest.approx([0.5] * 3)
    share = indicators.recycled_share(res)
    assert share["value"].tolist() == pytest.approx([0.2, 0.32, 0.4])
    # no smelter in the toy (no smelting rows at all): none smelted, not unknown
    assert share["smelting"].tolist() == [0.0, 0.0, 0.0]
    assert share["imports"].tolist() == pytest.approx([80, 68, 60])


def test_binding_dependence_cap_forces_a_mine() -> None:
    """Toy 2. 2025 (no cap in the base year): import all 100 at 10 → 1000.
    2026, cap 0.6: mining m + imports i = 100 and i ≤ 0.6·(m + i) → i = 60, m = 40.
    The mine costs capex 100 / lifetime 10 = 10 per kt/yr and year, plus opex 5:
    2026 = 60·10 + 40·(10 + 5) = 1200. objective = 2200.

    Dual: one more kt of allowed net imports saves 15 − 10 = 5, so the row's dual is −5
    and tightening the cap by one point (1 kt of the 100 consumed) costs 5 MUSD.
    """
    res = run(toys.dependence_cap())
    assert res.objective == pytest.approx(2200.0)
    assert res.capacity.query("process == 'mining' and year == 2026")[
        "new"
    ].item() == pytest.approx(40)
    assert series(res.imports) == pytest.approx([100, 60])
    dep = indicators.dependence(res, toys.dependence_cap())
    assert dep["value"].tolist() == pytest.approx([1.0, 0.6])
    assert res.duals["dual"].item() == pytest.approx(-5.0)
    marginal = indicators.dependence_marginal_cost(res, toys.dependence_cap())
    assert marginal["value"].item() == pytest.approx(5.0)
    costs = res.costs.groupby("term")["undiscounted"].sum()
    assert costs["capex"] == pytest.approx(400.0)
    assert costs["variable_opex"] == pytest.approx(200.0)


def test_stockpile_draws_early_and_fills_before_the_reserve_year() -> None:
    """Toy 3. Drawing a kt in 2025 saves 10 of imports and 1 a year of holding; the 10 kt
    needed at the end of 2028 must be refilled, but imports are capped at 105, i.e. at most
    5 kt of fill a year. Cheapest: draw all 30 in 2025, fill 5 in 2027 and 5 in 2028
    (filling in 2026 would add a year of holding; keeping initial stock costs 4 years).

    imports 70, 100, 105, 105 → 3800; stock 0, 0, 5, 10 → holding 15; the 10 kt reserve
    left at the end is credited at its replacement value, the import price 10 → −100;
    objective 3715.
    """
    res = run(toys.stockpile())
    assert res.objective == pytest.approx(3715.0)
    costs = res.costs.groupby("term")["undiscounted"].sum()
    assert costs["terminal_stock"] == pytest.approx(-100.0)
    stock = res.stock.sort_values("year")
    assert stock["stock"].tolist() == pytest.approx([0, 0, 5, 10])
    assert stock["fill"].tolist() == pytest.approx([0, 0, 5, 5])
    assert stock["draw"].tolist() == pytest.approx([30, 0, 0, 0])
    assert series(res.imports) == pytest.approx([70, 100, 105, 105])
    assert indicators.reserve_cover_days(res)["value"].iloc[-1] == pytest.approx(36.5)


def test_inland_demand_is_shipped_and_supplier_share_binds() -> None:
    """Toy 4. All refined metal lands in Port and travels 500 km at 0.01 → 5 MUSD/kt.
    2025 (no supplier cap): 100 from A at 10 → 1000 + 500 transport.
    2026: at most 70 % from one origin: 70 from A, 30 from B at 12 → 1060 + 500.
    objective = 3060."""
    res = run(toys.inland_corridor())
    assert res.objective == pytest.approx(3060.0)
    assert series(res.imports, origin="B") == pytest.approx([0, 30])
    assert series(res.shipments, form="refined", region_from="Port") == pytest.approx([100, 100])
    conc = indicators.supplier_concentration(res)
    assert conc["hhi"].tolist() == pytest.approx([1.0, 0.7**2 + 0.3**2])


def test_unmet_demand_is_reported_and_priced() -> None:
    """60 can be imported at 10, the other 40 is unmet at 100: objective 600 + 4000."""
    res = run(toys.shortage())
    assert res.objective == pytest.approx(60 * PRICE + 40 * PENALTY)
    assert res.unmet["value"].item() == pytest.approx(40.0)
    assert indicators.unmet_demand(res)["share"].item() == pytest.approx(0.4)


def test_impossible_reserve_raises_infeasible() -> None:
    with pytest.raises(InfeasibleError):
        solve(build_model(toys.impossible_reserve()))


def test_check_balances_catches_a_tampered_flow() -> None:
    res = run(toys.recycling_loop())
    flows = res.flows.copy()
    row = flows.index[(flows["flow"] == "imports") & (flows["year"] == 2026)][0]
    flows.loc[row, "value"] += 1.0
    with pytest.raises(BalanceError, match=r"refined balance of Cu in R, 2026"):
        check_balances(dataclasses.replace(res, flows=flows), toys.recycling_loop())


def test_check_balances_catches_a_tampered_stock() -> None:
    res = run(toys.stockpile())
    stock = res.stock.copy()
    stock.loc[stock["year"] == 2027, "stock"] += 1.0
    with pytest.raises(BalanceError, match="stock continuity of Cu in R, 2027"):
        check_balances(dataclasses.replace(res, stock=stock), toys.stockpile())


def test_every_flow_group_closes_and_costs_add_up() -> None:
    res = run(toys.inland_corridor())
    sums = res.flows.groupby(["metal", "form", "region", "year"])["value"].sum()
    assert sums.abs().max() < 1e-9
    assert res.costs["discounted"].sum() == pytest.approx(res.objective)
    assert set(res.costs["unit"]) == {"MUSD"}


def _total_imports(res: Results) -> float:
    return res.imports["value"].sum()


@pytest.mark.parametrize("targets", [(1.0, 0.8, 0.6, 0.4, 0.2)])
def test_tighter_cap_never_costs_less(targets: tuple[float, ...]) -> None:
    objectives = [run(toys.dependence_cap(target=t)).objective for t in targets]
    assert all(b >= a - 1e-9 for a, b in itertools.pairwise(objectives))
    # paper: below the free optimum each point of cap costs 5 MUSD (2026 consumption 100)
    assert objectives[-1] - objectives[-2] == pytest.approx(20 * 5.0)


def test_higher_import_price_never_raises_imports() -> None:
    imports = [
        _total_imports(run(toys.dependence_cap(target=1.0, price=p))) for p in (8, 12, 16, 20)
    ]
    assert all(b <= a + 1e-9 for a, b in itertools.pairwise(imports))
    assert imports[-1] == pytest.approx(100.0)  # above 15 the mine takes 2026 entirely


def test_more_collectable_scrap_never_raises_imports() -> None:
    base = toys.recycling_loop()
    imports = []
    for rate in (0.0, 0.25, 0.5, 1.0):
        data = base.with_params({"max_collection_rate": {(METAL,): rate}})
        imports.append(_total_imports(run(data)))
    assert all(b <= a + 1e-9 for a, b in itertools.pairwise(imports))
    assert imports[0] == pytest.approx(300.0)


def test_headline_has_one_row_per_metal() -> None:
    data = toys.dependence_cap()
    table = indicators.headline(run(data), data)
    assert table["metal"].tolist() == [METAL]
    assert table["dependence_2026"].item() == pytest.approx(0.6)
    assert table["marginal_cost_2026"].item() == pytest.approx(5.0)


def test_everything_case_identities() -> None:
    """Every feature on: balances close (checked inside extract_results), discounted costs
    add up to the objective, and the dependence indicator recomputed from the flows equals
    the model's own ``net_imports / consumption`` where the cap applies."""
    data = toys.everything()
    model = build_model(data)
    res = extract_results(model, data, solve(model))
    assert res.costs["discounted"].sum() == pytest.approx(res.objective, rel=1e-9)
    assert (res.flows.query("flow == 'prompt'")["value"] > 0).any()
    assert res.exports["value"].sum() == pytest.approx(15.0)
    dep = indicators.dependence(res, data).set_index(["metal", "year"])
    for metal, t in model.dependence_cap:
        net = pyo.value(model.net_imports[metal, t])
        assert dep.loc[(metal, t), "net_imports"] == pytest.approx(net, abs=1e-7)
        assert dep.loc[(metal, t), "consumption"] == pytest.approx(
            pyo.value(model.consumption[metal, t]), abs=1e-7
        )
        assert dep.loc[(metal, t), "value"] <= dep.loc[(metal, t), "target"] + 1e-7
    share = indicators.hinterland_share(res, data).query("process == 'processing' and year > 2025")
    assert (share["value"] >= 0.3 - 1e-7).all()
    # end-of-life scrap as extracted (recomputed from the flows: pre-base history plus
    # several lifetimes of met demand) is the model's own variable; where it has none, zero
    arising = res.scrap.set_index(["metal", "region", "year"])["end_of_life"]
    for key in arising.index:
        expected = pyo.value(model.end_of_life[key]) if key in model.end_of_life else 0.0
        assert arising[key] == pytest.approx(expected, rel=1e-9), key
    assert len(model.end_of_life) and (arising > 0).all()


# --- indicators recomputed by hand from the toys' flows ----------------------------------


def test_dependence_counts_old_scrap_recycled_and_nets_out_scrap_exports() -> None:
    """Toy 1 (no mine: no mining rows at all; every form counted) with 5 kt of scrap
    exported in 2026. Collected 25, 40, 50; recycled 25, 35, 50 (output 20, 28, 40);
    refined imports 80, 72, 60. Net imports = refined imports − scrap exports = 80, 67, 60;
    old scrap recycled = recycling input − net scrap imports = 25, 40, 50; consumption =
    105, 107, 110. No cap: the target is NaN, a float, never None."""
    data = toys.recycling_loop().with_params({"export_demand": {(METAL, "scrap", 2026): 5.0}})
    res = run(data)
    assert series(res.exports) == pytest.approx([5.0])
    dep = indicators.dependence(res, data)
    assert dep["net_imports"].tolist() == pytest.approx([80, 67, 60])
    assert dep["consumption"].tolist() == pytest.approx([105, 107, 110])
    assert dep["value"].tolist() == pytest.approx([80 / 105, 67 / 107, 60 / 110])
    assert dep["target"].dtype == float and dep["target"].isna().all()


def test_dependence_by_stage_by_hand() -> None:
    """The same case per stage: net imports of each form over production + net imports.
    ore: nothing produced or traded, 0/0 → NaN (never 0); refined: recycling 20, 28, 40
    against imports 80, 72, 60; product: processing 100, no trade; scrap: production is
    the scrap collected (25, 40, 50), 5 kt of it exported in 2026: −5 / 35."""
    data = toys.recycling_loop().with_params({"export_demand": {(METAL, "scrap", 2026): 5.0}})
    stage = indicators.dependence_by_stage(run(data))
    assert stage["year"].tolist() == [y for y in (2025, 2026, 2027) for _ in range(4)]
    by_form = {form: rows for form, rows in stage.groupby("form")}
    ore = by_form["ore"]
    assert (
        ore[["production", "net_imports", "apparent_consumption"]].to_numpy().tolist()
        == [[0.0, 0.0, 0.0]] * 3
    )
    assert ore["value"].isna().all()
    refined = by_form["refined"]
    assert refined["production"].tolist() == pytest.approx([20, 28, 40])
    assert refined["net_imports"].tolist() == pytest.approx([80, 72, 60])
    assert refined["value"].tolist() == pytest.approx([0.8, 0.72, 0.6])
    product = by_form["product"]
    assert product["apparent_consumption"].tolist() == pytest.approx([100] * 3)
    assert product["value"].tolist() == pytest.approx([0.0] * 3)
    scrap = by_form["scrap"]
    assert scrap["production"].tolist() == pytest.approx([25, 40, 50])
    assert scrap["net_imports"].tolist() == pytest.approx([0, -5, 0])
    assert scrap["apparent_consumption"].tolist() == pytest.approx([25, 35, 50])
    assert scrap["value"].tolist() == pytest.approx([0, -5 / 35, 0])


def test_dependence_by_stage_reads_the_balances_flows() -> None:
    """Every feature on (prompt scrap, ore and scrap imports, refined exports, two regions):
    each stage's production is what its producers put into that form's pools in the
    balances (ore: mining; refined: smelting and recycling; product: processing; scrap:
    collected and prompt scrap) and its net imports are the imports and exports terms."""
    data = toys.everything()
    res = run(data)
    stage = indicators.dependence_by_stage(res).set_index(["metal", "form", "year"])
    flows = res.flows.groupby(["metal", "form", "year", "flow"])["value"].sum()
    producers = {
        "ore": ["mining"],
        "refined": ["smelting", "recycling"],
        "product": ["processing"],
        "scrap": ["collected", "prompt"],
    }
    for (metal, form, year), row in stage.iterrows():
        group = flows[metal, form, year]
        made = group.reindex(producers[form], fill_value=0.0).sum()
        traded = group.reindex(["imports", "exports"], fill_value=0.0).sum()
        assert row["production"] == pytest.approx(made, abs=1e-9), (form, year)
        assert row["net_imports"] == pytest.approx(traded, abs=1e-9), (form, year)
        assert row["apparent_consumption"] == pytest.approx(made + traded, abs=1e-9)
    # the case exercises what the sums distinguish
    assert (res.scrap["prompt"] > 0).any() and (res.exports["value"] > 0).any()
    assert (stage.xs("scrap", level="form")["net_imports"] > 0).any()


def test_cost_breakdown_shares_of_the_discounted_plan_cost() -> None:
    """Toy 2 at a 10 % discount rate, with a mine that costs 15 MUSD/kt to run and nothing
    to build. 2025: 100 imported at 10 (discount factor 1); 2026 (factor 1/1.1): the cap
    of 60 % takes 40 from the mine at 15 and 60 from imports at 10.
    imports: 1000 + 600 = 1600 undiscounted, 1000 + 600/1.1 discounted;
    variable_opex: 600 and 600/1.1; plan cost 1000 + 1200/1.1.
    Shares are of the discounted plan cost; the value of lost supply has none (NaN).
    Terms stay in report order (COST_TERMS)."""
    data = toys.dependence_cap().with_params(
        {
            "discount_rate": {(): 0.1},
            "capex": {(METAL, "mining"): 0.0},
            "variable_opex": {(METAL, "mining"): 15.0},
        }
    )
    breakdown = indicators.cost_breakdown(run(data))
    assert breakdown["term"].tolist() == list(COST_TERMS)
    table = breakdown.set_index("term")
    plan = 1000 + 1200 / 1.1
    assert table.loc["imports", "undiscounted"] == pytest.approx(1600.0)
    assert table.loc["imports", "discounted"] == pytest.approx(1000 + 600 / 1.1)
    assert table.loc["variable_opex", "undiscounted"] == pytest.approx(600.0)
    assert table.loc["variable_opex", "discounted"] == pytest.approx(600 / 1.1)
    assert table.loc["imports", "share"] == pytest.approx((1000 + 600 / 1.1) / plan)
    assert table.loc["variable_opex", "share"] == pytest.approx(600 / 1.1 / plan)
    assert table.loc["capex", "share"] == 0.0
    assert table.loc[list(PLAN_TERMS), "share"].sum() == pytest.approx(1.0)
    assert table.loc["unmet_demand", "share"] != table.loc["unmet_demand", "share"]  # NaN
    assert set(table["unit"]) == {"MUSD"}
    assert table.loc["unmet_demand", "kind"] == "not a cost: value of lost supply"
    assert set(table.loc[list(PLAN_TERMS), "kind"]) == {"plan cost"}


def test_cap_marginal_cost_in_present_value_and_in_the_years_money() -> None:
    """The case above: one more point of cap in 2026 moves 1 kt from imports (10) to the
    mine (15): 5 MUSD of 2026 money, 5/1.1 in present value. A slack cap costs nothing."""
    data = toys.dependence_cap().with_params(
        {
            "discount_rate": {(): 0.1},
            "capex": {(METAL, "mining"): 0.0},
            "variable_opex": {(METAL, "mining"): 15.0},
        }
    )
    marginal = indicators.dependence_marginal_cost(run(data), data)
    assert marginal["year"].tolist() == [2026]
    assert marginal[["target", "consumption"]].iloc[0].tolist() == pytest.approx([0.6, 100.0])
    assert marginal["value"].item() == pytest.approx(5.0 / 1.1)
    assert marginal["undiscounted"].item() == pytest.approx(5.0)
    slack = toys.dependence_cap(target=1.0)
    assert indicators.dependence_marginal_cost(run(slack), slack)["value"].item() == 0.0


def test_hinterland_share_is_inland_capacity_over_national() -> None:
    """Toy 4: all 1000 kt/yr of processing is in ``In``; its share is 0 while no region
    is hinterland and 1 once ``In`` is. No storage anywhere: 0/0 → NaN."""
    data = toys.inland_corridor()
    res = run(data)
    for inland, share in (((), 0.0), (("In",), 1.0)):
        table = indicators.hinterland_share(res, dataclasses.replace(data, hinterland=inland))
        processing = table[table["process"] == "processing"]
        assert processing["national"].tolist() == pytest.approx([1000.0, 1000.0])
        assert processing["hinterland"].tolist() == pytest.approx([1000.0 * share] * 2)
        assert processing["value"].tolist() == pytest.approx([share] * 2)
        assert table[table["process"] == "storage"]["value"].isna().all()


def test_supplier_concentration_by_hand() -> None:
    """Toy 5. 2025: 0.5 kt, all from A: HHI 1, top-3 share 1 (a small import is still
    one supplier's). 2026: shares 0.3, 0.3, 0.3, 0.1: HHI 3 · 0.09 + 0.01 = 0.28, the
    three largest 0.9. 2027: nothing imported: both NaN (not 0)."""
    data = toys.four_suppliers()
    res = run(data)
    assert series(res.imports, origin="D") == pytest.approx([0, 10, 0])
    conc = indicators.supplier_concentration(res)
    assert conc["year"].tolist() == [2025, 2026, 2027]
    assert conc["imports"].tolist() == pytest.approx([0.5, 100.0, 0.0])
    assert conc["hhi"].tolist()[:2] == pytest.approx([1.0, 0.28])
    assert conc["top3_share"].tolist()[:2] == pytest.approx([1.0, 0.9])
    assert conc[["hhi", "top3_share"]].iloc[2].isna().all()
    # the same case's dependence: every tonne imported, however small; 0/0 → NaN
    dep = indicators.dependence(res, data)["value"]
    assert dep.tolist()[:2] == pytest.approx([1.0, 1.0]) and pd.isna(dep.iloc[2])


def test_recycled_share_is_recycling_over_refined_supply() -> None:
    """Every feature on: recycling output over smelting + recycling output + refined
    imports, each read from the raw activity and import tables."""
    data = toys.everything()
    res = run(data)
    share = indicators.recycled_share(res).set_index(["metal", "year"])
    act = res.activity.groupby(["process", "year"])["value"].sum()
    refined = res.imports[res.imports["form"] == "refined"].groupby("year")["value"].sum()
    for (_metal, year), row in share.iterrows():
        parts = {
            "recycling": act.get(("recycling", year), 0.0),
            "smelting": act.get(("smelting", year), 0.0),
            "imports": refined.get(year, 0.0),
        }
        for name, value in parts.items():
            assert row[name] == pytest.approx(value, abs=1e-9), (name, year)
        assert row["value"] == pytest.approx(parts["recycling"] / sum(parts.values()))
    assert ((share["recycling"] > 0) & (share["smelting"] > 0)).any()


#: each indicator's documented columns (its docstring) and unit
INDICATOR_COLUMNS = {
    "dependence": ("metal year net_imports consumption value target unit", "share"),
    "dependence_by_stage": (
        "metal form year production net_imports apparent_consumption value unit",
        "share",
    ),
    "hinterland_share": ("metal process year hinterland national value unit", "share"),
    "supplier_concentration": ("metal year imports hhi top3_share unit", "share"),
    "recycling_rate": ("metal year end_of_life collected value unit", "share"),
    "recycled_share": ("metal year recycling smelting imports value unit", "share"),
    "reserve_cover_days": ("metal year stock demand value unit", "day"),
    "cost_breakdown": ("term undiscounted discounted share unit kind", "MUSD"),
    "dependence_marginal_cost": (
        "metal year dual target consumption value undiscounted unit",
        "MUSD/pp",
    ),
}


NEEDS_DATA = {"dependence", "hinterland_share", "dependence_marginal_cost"}
LABELS = ("metal", "form", "process", "term", "year", "unit", "kind")


def test_every_indicator_has_its_documented_columns_and_unit() -> None:
    data = toys.everything()
    res = run(data)
    for name, (columns, unit) in INDICATOR_COLUMNS.items():
        function = getattr(indicators, name)
        table = function(res, data) if name in NEEDS_DATA else function(res)
        assert table.columns.tolist() == columns.split(), name
        assert set(table["unit"]) == {unit}, name
        numbers = table.drop(columns=[c for c in LABELS if c in table])
        assert (numbers.dtypes == "float64").all(), name


@pytest.mark.parametrize(
    ("toy", "expected"),
    [
        (toys.recycling_loop, {"recycling_rate_2027": 0.5, "dependence_2027": 60 / 110}),
        (toys.stockpile, {"reserve_days_2028": 36.5, "dependence_2028": 1.0}),
        (toys.shortage, {"unmet_total": 40.0, "dependence_2025": 1.0}),
        (toys.dependence_cap, {"target_2026": 0.6, "marginal_cost_2026": 5.0}),
    ],
)
def test_headline_reads_each_indicator_in_the_final_year(toy, expected) -> None:
    """Each toy's paper value shows in its column; what a toy lacks (no cap, no scrap
    arising, no stock, nothing unmet) is NaN or 0, a float, never None."""
    data = toy()
    table = indicators.headline(run(data), data)
    final = data.final_year
    row = table.iloc[0]
    lacking = {
        f"target_{final}": float("nan"),
        f"marginal_cost_{final}": float("nan"),
        f"recycling_rate_{final}": float("nan"),
        f"reserve_days_{final}": 0.0,
        "unmet_total": 0.0,
    }
    for column, value in {**lacking, **expected}.items():
        assert row[column] == pytest.approx(value, nan_ok=True), column
    assert (table.drop(columns="metal").dtypes == "float64").all()


def test_headline_years_are_the_base_2030_2035_and_final_inside_the_horizon() -> None:
    years = (2029, 2036)
    data = toys.make_data(years, {"demand": toys.flat_demand(years, 100.0)})
    table = indicators.headline(run(data), data)
    assert [c for c in table.columns if c.startswith("dependence_")] == [
        f"dependence_{y}" for y in (2029, 2030, 2035, 2036)
    ]
    assert table.columns.tolist()[-5:] == [
        "target_2036",
        "unmet_total",
        "recycling_rate_2036",
        "reserve_days_2036",
        "marginal_cost_2036",
    ]


# --- the extracted tables (results.py) -------------------------------------------------


def test_demand_left_unmet_yields_no_scrap_a_lifetime_later() -> None:
    """Toy 1 with refined imports capped at 50 kt/yr. 2025: 50 imported + 20 recycled,
    30 unmet; 2026: 50 + 32, 18 unmet. Products last two years, so the scrap arising in
    2027 is the 70 kt consumed in 2025, not the 100 demanded: 35 collected, 28 recycled,
    22 unmet. The extracted end-of-life scrap is the model's own variable."""
    data = toys.recycling_loop().with_params(
        {"import_availability": {(METAL, "refined", "World"): 50.0}}
    )
    model = build_model(data)
    res = extract_results(model, data, solve(model))
    assert series(res.unmet) == pytest.approx([30, 18, 22])
    assert res.unmet["demand"].tolist() == pytest.approx([100] * 3)
    scrap = res.scrap.sort_values("year")
    assert scrap["end_of_life"].tolist() == pytest.approx([50, 80, 70])
    assert scrap["collected"].tolist() == pytest.approx([25, 40, 35])
    for row in scrap.itertuples():
        expected = pyo.value(model.end_of_life[row.metal, row.region, row.year])
        assert row.end_of_life == pytest.approx(expected)


#: the columns of each table of Results (its docstring), and the units a table may carry
RESULTS_TABLES = {
    "capacity": ("metal process region year residual new total unit", {"kt/yr", "kt"}),
    "activity": ("metal process region year value unit", {"kt/yr"}),
    "flows": ("metal form flow region year value unit", {"kt/yr"}),
    "imports": ("metal form origin region year value unit", {"kt/yr"}),
    "exports": ("metal form region year value unit", {"kt/yr"}),
    "shipments": ("metal form region_from region_to mode year value unit", {"kt/yr"}),
    "stock": ("metal region year stock fill draw storage_capacity unit", {"kt"}),
    "scrap": (
        "metal region year end_of_life collected prompt recycled_input landfill unit",
        {"kt/yr"},
    ),
    "unmet": ("metal region year value demand unit", {"kt/yr"}),
    "demand": ("metal region year value unit", {"kt/yr"}),
    "costs": ("term year undiscounted discounted unit kind", {"MUSD"}),
    "duals": ("metal year dual target consumption unit", {"MUSD/kt"}),
}


#: the label columns of the Results tables; every other column but unit and kind is a float
LABEL_COLUMNS = {"metal", "process", "form", "flow", "origin", "region", "region_from"}
LABEL_COLUMNS |= {"region_to", "mode", "year", "term", "unit", "kind"}


@pytest.mark.parametrize("toy", [toys.everything, toys.stockpile])
def test_results_tables_are_tidy(toy) -> None:
    """Each table has its documented columns and units, a plain 0…n−1 index, and float
    numbers only: no NaN or None (a case without scrap, like the stockpile, has a scrap
    table of zeros, one row per region and year) and no −0.0 (a report would show "-0")."""
    data = toy()
    res = run(data)
    assert res.termination == "optimal"
    for name, (columns, units) in RESULTS_TABLES.items():
        table = getattr(res, name)
        assert table.columns.tolist() == columns.split(), name
        if len(table):
            assert set(table["unit"]) <= units, name
        assert table.index.equals(pd.RangeIndex(len(table))), name
        numbers = table.drop(columns=[c for c in table if c in LABEL_COLUMNS])
        if len(table):
            assert (numbers.dtypes == "float64").all(), name
        values = numbers.to_numpy(dtype=float)
        assert not pd.isna(values).any(), name
        assert not ((values == 0) & np.signbit(values)).any(), name
    assert len(res.scrap) == len(data.regions) * len(data.years)
    storage = res.capacity[res.capacity["process"] == "storage"]
    assert set(storage["unit"]) == {"kt"} and len(storage) == len(data.regions) * len(data.years)
    assert set(res.capacity[res.capacity["process"] != "storage"]["unit"]) == {"kt/yr"}


def test_stockpile_has_no_scrap_and_its_storage_is_existing_capacity() -> None:
    """Toy 3 has no end uses: no scrap arises, so its scrap table is zeros; its 30 kt of
    storage is existing (residual) capacity, nothing new."""
    res = run(toys.stockpile())
    numbers = res.scrap[["end_of_life", "collected", "prompt", "recycled_input", "landfill"]]
    assert (numbers == 0.0).all().all()
    storage = res.capacity[res.capacity["process"] == "storage"]
    assert storage["residual"].tolist() == [30.0] * 4
    assert storage["new"].tolist() == [0.0] * 4
    assert storage["total"].tolist() == [30.0] * 4


def test_scrap_table_landfill_is_what_the_scrap_balance_leaves() -> None:
    """Every feature on (no recycling plant in 2025, so scrap is landfilled): the scrap
    table's landfill is positive and is collected + prompt scrap + net inflows (imports,
    shipments) − recycling input, region by region."""
    res = run(toys.everything())
    scrap = res.scrap.set_index(["metal", "region", "year"])
    flows = res.flows[res.flows["form"] == "scrap"]
    trade = flows[flows["flow"].isin(["imports", "exports", "shipments_in", "shipments_out"])]
    net_in = trade.groupby(["metal", "region", "year"])["value"].sum()
    left = scrap["collected"] + scrap["prompt"] - scrap["recycled_input"]
    left = left + net_in.reindex(scrap.index, fill_value=0.0)
    assert scrap["landfill"].to_numpy() == pytest.approx(left.to_numpy(), abs=1e-9)
    assert (scrap["landfill"] >= 0).all() and (scrap["landfill"] > 1.0).any()


def test_storage_built_for_a_reserve_is_new_capacity() -> None:
    """Toy 3 without its existing stock and storage: the 10 kt reserve of 2028 needs
    10 kt of storage, all of it new."""
    data = toys.stockpile().with_params(
        {"initial_stock": {(METAL, "R"): 0.0}, "storage_capacity": {(METAL, "R"): 0.0}}
    )
    res = run(data)
    storage = res.capacity[res.capacity["process"] == "storage"]
    assert storage["residual"].tolist() == [0.0] * 4
    assert storage["new"].sum() == pytest.approx(10.0)
    assert storage["total"].iloc[-1] == pytest.approx(10.0)


def test_capacity_rows_split_existing_and_new() -> None:
    """Toy 2: the 40 kt/yr mine is new in 2026 (nothing existing); the smelter and the
    processing plant are 1000 kt/yr existing, nothing new."""
    res = run(toys.dependence_cap())
    cap = res.capacity.set_index(["process", "year"])
    assert cap.loc[("mining", 2025), ["residual", "new", "total"]].tolist() == [0.0, 0.0, 0.0]
    assert cap.loc[("mining", 2026), ["residual", "new", "total"]].tolist() == pytest.approx(
        [0.0, 40.0, 40.0]
    )
    for process in ("smelting", "processing"):
        for year in (2025, 2026):
            row = cap.loc[(process, year), ["residual", "new", "total"]].tolist()
            assert row == pytest.approx([1000.0, 0.0, 1000.0]), (process, year)
    # the prices come with the results: the marginal tonne of 2025 is imported at 10;
    # a sweep that asks for none gets none
    prices = res.prices.set_index(["kind", "item", "year"])["value"]
    assert prices["commodity price", "refined", 2025] == pytest.approx(10_000.0)  # USD/t
    data = toys.dependence_cap()
    model = build_model(data)
    assert extract_results(model, data, solve(model), prices=False).prices is None


def test_flow_names_are_the_documented_ones() -> None:
    """Every feature on: each form's balance has exactly the terms the Results docstring
    names (landfill only in scrap; unmet demand and demand only in product; draw and fill
    only in refined)."""
    res = run(toys.everything())
    names = {form: set(group["flow"]) for form, group in res.flows.groupby("form")}
    trade = {"imports", "shipments_in", "shipments_out"}
    assert names == {
        "ore": {"mining", "smelting"} | trade,
        "refined": {"smelting", "recycling", "draw", "fill", "processing", "exports"} | trade,
        "product": {"processing", "unmet_demand", "demand", "shipments_in", "shipments_out"},
        "scrap": {"collected", "prompt", "recycling", "landfill"} | trade,
    }


def test_check_balances_catches_scrap_recycled_beyond_what_is_there() -> None:
    """Toy 1: take 1 kt more scrap into recycling in 2026 and book it as negative landfill:
    the group still sums to zero, but landfill > 0 means scrap used that was never there."""
    res = run(toys.recycling_loop())
    flows = res.flows.copy()
    scrap_2026 = (flows["form"] == "scrap") & (flows["year"] == 2026)
    flows.loc[scrap_2026 & (flows["flow"] == "recycling"), "value"] -= 1.0
    flows.loc[scrap_2026 & (flows["flow"] == "landfill"), "value"] += 1.0
    assert flows.groupby(["form", "year"])["value"].sum().abs().max() < 1e-9
    with pytest.raises(
        BalanceError,
        match=r"^scrap balance of Cu in R, 2026: recycling uses 1 kt/yr more scrap than is "
        r"available$",
    ):
        check_balances(dataclasses.replace(res, flows=flows), toys.recycling_loop())


def test_check_balances_tolerance_is_relative_to_the_largest_flow() -> None:
    """Toy 1's largest flow is the 100 kt/yr of demand: at rtol 1e-6 a residual of 5e-5
    kt/yr passes and one of 2e-4 is reported, with its size and the tolerance."""
    res = run(toys.recycling_loop())
    data = toys.recycling_loop()
    row = res.flows.index[(res.flows["flow"] == "imports") & (res.flows["year"] == 2025)][0]
    for residual, closes in ((5e-5, True), (2e-4, False)):
        flows = res.flows.copy()
        flows.loc[row, "value"] += residual
        tampered = dataclasses.replace(res, flows=flows)
        if closes:
            check_balances(tampered, data)
        else:
            with pytest.raises(BalanceError, match=r"residual 0\.0002 kt/yr \(tolerance 0\.0001\)"):
                check_balances(tampered, data)
    check_balances(dataclasses.replace(res, flows=flows), data, rtol=1e-5)


def test_check_balances_scale_is_the_case_own() -> None:
    """The tolerance follows the case's size both ways. A case of 0.01 kt/yr (a small
    metal) has a tolerance of 1e-8 kt/yr: a residual of 5e-8 is found. A stock of 1000 kt
    (larger than any flow) sets the scale of the stockpile: tolerance 1e-3, so a residual
    of 5e-4 kt/yr on its ~100 kt/yr flows passes."""
    years = (2025, 2025)
    tiny = toys.make_data(years, {"demand": toys.flat_demand(years, 0.01)})
    res = run(tiny)
    flows = res.flows.copy()
    flows.loc[flows["flow"] == "imports", "value"] += 5e-8
    with pytest.raises(BalanceError, match="refined balance of Cu in R, 2025"):
        check_balances(dataclasses.replace(res, flows=flows), tiny)

    big = toys.stockpile().with_params(
        {"initial_stock": {(METAL, "R"): 1000.0}, "storage_capacity": {(METAL, "R"): 1000.0}}
    )
    res = run(big)
    assert res.stock["stock"].max() >= 1000.0 - 4 * 105.0 > 3 * res.flows["value"].abs().max()
    flows = res.flows.copy()
    row = flows.index[(flows["flow"] == "imports") & (flows["year"] == 2028)][0]
    flows.loc[row, "value"] += 5e-4
    check_balances(dataclasses.replace(res, flows=flows), big)


# --- every cost term present and priced (mutation testing of model/, issue 17) ----------


def _yearly(res: Results, term: str) -> list[float]:
    """Undiscounted cost of one term by year."""
    rows = res.costs[res.costs["term"] == term].sort_values("year")
    return rows["undiscounted"].tolist()


def _with_imports(prices: dict[tuple, float], **params) -> ModelData:
    """2025–2028, demand 100, origins A and B by sea, and only ``prices`` as imports."""
    years = (2025, 2028)
    data = toys.make_data(
        years,
        {"demand": toys.flat_demand(years, 100.0), **params},
        origins={"A": "sea", "B": "sea"},
    )
    table = {k: dict(v) for k, v in data.params.items()}
    table["import_price"] = dict(prices)
    return dataclasses.replace(data, params=table)


def test_terminal_value_is_given_else_the_cheapest_landed_replacement() -> None:
    """Refined: A at 10 and B at 7 with a 50 % risk premium, both × the final year's price
    index 1.5: A 15, B 15.75 → 15. Ore only (A 4, B 3 · 1.5 = 4.5), smelting yield 0.8:
    4 / 0.8 = 5 per kt of refined metal. Given: the given value. Nothing to buy: 0."""
    refined = {(METAL, "refined", "A"): 10.0, (METAL, "refined", "B"): 7.0}
    ore = {(METAL, "ore", "A"): 4.0, (METAL, "ore", "B"): 3.0}
    premium = {"risk_premium": {("B",): 0.5}}
    index = {"price_index": {(METAL, "refined", 2026): 1.0, (METAL, "refined", 2028): 1.5}}
    assert terminal_values(_with_imports(refined, **premium, **index)) == {METAL: 15.0}
    assert terminal_values(_with_imports({**refined, **ore}, **premium)) == {METAL: 10.0}
    smelting = {"process_yield": {(METAL, "smelting"): 0.8}}
    assert terminal_values(_with_imports(ore, **premium, **smelting)) == {METAL: 5.0}
    given = {"terminal_value": {(METAL,): 3.0}}
    assert terminal_values(_with_imports(refined, **given)) == {METAL: 3.0}
    assert terminal_values(_with_imports({})) == {METAL: 0.0}


def test_capex_is_charged_on_builds_only_not_on_existing_capacity() -> None:
    """Toy 2 with an existing 20 kt/yr mine: it mines 20 in 2025 (opex 5 < import 10):
    100 + 800 = 900. In 2026 the cap (60 imports) needs 40 mined, 20 from a new mine at an
    annuity of 10: 200 + 40·5 + 60·10 = 1000. The existing mine pays no capex."""
    base = toys.dependence_cap()
    mine = Vintage(METAL, "mining", "R", 20.0, None, None)
    res = run(dataclasses.replace(base, vintages=(*base.vintages, mine)))
    assert res.objective == pytest.approx(1900.0)
    assert _yearly(res, "capex") == pytest.approx([0.0, 200.0])
    assert _yearly(res, "variable_opex") == pytest.approx([100.0, 200.0])
    assert _yearly(res, "imports") == pytest.approx([800.0, 600.0])


def _reserve_from_2026(days: float, **params) -> ModelData:
    """2025–2026, demand 100, a reserve of ``days`` of demand from 2026 and no storage at
    the start: storage at 20 MUSD/kt over a 4-year storage lifetime (rate 0: 5 a year)."""
    years = (2025, 2026)
    return toys.make_data(
        years,
        {
            "demand": toys.flat_demand(years, 100.0),
            "policy_start_year": {(): 2026},
            "reserve_days": {(METAL, "R"): days},
            "storage_capex": {(METAL,): 20.0},
            "storage_lifetime": {(METAL,): 4.0},
            "max_build": {(METAL, "processing", "R"): 0.0},
            **params,
        },
    )


@pytest.mark.parametrize(("days", "reserve"), [(36.5, 10.0), (0.73, 0.2)])
def test_storage_built_pays_its_annuity_over_the_storage_lifetime(days, reserve) -> None:
    """A reserve of 36.5 days (10 kt; or 0.73 days, 0.2 kt) from 2026: the storage is built
    in 2026 at 5 MUSD/kt a year and filled by importing 100 + reserve. The reserve left at
    the end is credited at its replacement value 10/kt.
    objective = 1000 + 10·(100 + reserve) + 5·reserve − 10·reserve."""
    res = run(_reserve_from_2026(days))
    assert _yearly(res, "capex") == pytest.approx([0.0, 5.0 * reserve])
    assert _yearly(res, "terminal_stock") == pytest.approx([0.0, -10.0 * reserve])
    assert res.objective == pytest.approx(2000.0 + 5.0 * reserve)


def test_stock_beyond_the_reserve_target_earns_no_credit() -> None:
    """Closing stock worth 20/kt (bought at 10, stored at 5): crediting all of it would pay
    the model to fill the 50 kt it may build. Only the 10 kt target is credited:
    1000 + 1100 + 50 − 200 = 1950."""
    res = run(
        _reserve_from_2026(36.5, terminal_value={(METAL,): 20.0}, max_storage={(METAL, "R"): 50.0})
    )
    assert res.stock.sort_values("year")["stock"].tolist() == pytest.approx([0.0, 10.0])
    assert res.objective == pytest.approx(1950.0)


def test_no_closing_credit_without_a_reserve_policy_in_the_final_year() -> None:
    """Toy 3 with the policy starting after the horizon: no reserve, so no credit either,
    however valuable the metal (20/kt); the 30 kt at the start are drawn in 2025 (saving
    300 of imports and the holding). imports 70, 100, 100, 100 → 3700."""
    change = {"policy_start_year": {(): 2029}, "terminal_value": {(METAL,): 20.0}}
    res = run(toys.stockpile().with_params(change))
    assert res.objective == pytest.approx(3700.0)
    assert _yearly(res, "terminal_stock") == pytest.approx([0.0] * 4)


def test_a_re_solve_after_new_prices_matches_a_fresh_build() -> None:
    """The closing stock's value follows the import price in a sweep (mutable): toy 3 with
    the price doubled, solved on the built model, equals a model built with it."""
    from msc_model.scenarios.variants import update_mutable

    dear = toys.stockpile().with_params({"import_price": {(METAL, "refined", "World"): 20.0}})
    model = build_model(toys.stockpile())
    solve(model)
    update_mutable(model, dear)
    again = extract_results(model, dear, solve(model))
    assert again.objective == pytest.approx(run(dear).objective)
    assert _yearly(again, "terminal_stock")[-1] == pytest.approx(-200.0)


def test_unmet_demand_is_priced_at_the_metals_own_penalty() -> None:
    """60 imported at 10, 40 unmet at a penalty of 50 (not the default 100)."""
    res = run(toys.shortage().with_params({"unmet_demand_penalty": {(METAL,): 50.0}}))
    assert _yearly(res, "unmet_demand") == pytest.approx([2000.0])
    assert res.objective == pytest.approx(600.0 + 2000.0)


def test_energy_is_intensity_times_the_regions_power_price_times_activity() -> None:
    """Toy 1 with recycling using 2 MWh/t at 0.5 USD/kWh: 1 MUSD/kt on 20, 32, 40 kt;
    recycling (now 3/kt) still beats imports, so only the energy term is added."""
    data = toys.recycling_loop().with_params(
        {"energy_intensity": {(METAL, "recycling"): 2.0}, "power_price": {("R",): 0.5}}
    )
    res = run(data)
    assert _yearly(res, "energy") == pytest.approx([20.0, 32.0, 40.0])
    assert res.objective == pytest.approx(2264.0 + 92.0)


def test_imports_are_priced_with_the_outlook_index_and_the_risk_premium() -> None:
    """Price index 1 in 2025 and 2 in 2027 (1.5 in 2026 by interpolation), a 10 % risk
    premium on World: 100 kt a year at 11, 16.5 and 22."""
    years = (2025, 2027)
    data = toys.make_data(
        years,
        {
            "demand": toys.flat_demand(years, 100.0),
            "price_index": {(METAL, "refined", 2025): 1.0, (METAL, "refined", 2027): 2.0},
            "risk_premium": {("World",): 0.1},
            "max_build": {(METAL, "processing", "R"): 0.0},
        },
    )
    res = run(data)
    assert _yearly(res, "imports") == pytest.approx([1100.0, 1650.0, 2200.0])
    assert res.objective == pytest.approx(4950.0)


@pytest.mark.parametrize(
    "corridor",
    [
        # a mode without a transport cost row
        {"distance": {("Port", "In", "road"): 500.0},
         "corridor_capacity": {("Port", "In", "road"): 1000.0}},
        # a priced mode on a corridor without a distance
        {"transport_cost": {("road",): 0.01},
         "corridor_capacity": {("Port", "In", "road"): 1000.0}},
    ],
    ids=["no-rate", "no-distance"],
)  # fmt: skip
def test_a_corridor_without_a_rate_or_a_distance_costs_nothing_to_use(corridor) -> None:
    """Toy 4 with a second corridor Port–In by road that has no rate (or no distance):
    shipping on it costs nothing, so all 100 kt a year go by road and the 500 of rail
    transport a year is saved: 3060 − 1000 = 2060."""
    base = toys.inland_corridor()
    res = run(dataclasses.replace(base.with_params(corridor), modes=("rail", "road")))
    assert res.objective == pytest.approx(2060.0)
    assert _yearly(res, "transport") == pytest.approx([0.0, 0.0])
    assert series(res.shipments, form="refined", mode="road", region_from="Port") == pytest.approx(
        [100, 100]
    )


def test_ore_is_hauled_per_gross_tonne() -> None:
    """A mine inland (free, existing) feeds a smelter in the port 500 km away by rail at
    0.01 MUSD/(kt·km); the ore grade is 0.5, so each kt of metal is 2 kt hauled: 10 MUSD
    per kt against 30 for imported refined metal. 100 kt a year → transport 1000."""
    years = (2025, 2026)
    regions = ("Port", "In")
    off = {(METAL, p, r): 0.0 for p in ("mining", "smelting", "recycling") for r in regions}
    data = toys.make_data(
        years,
        {
            "demand": {**toys.flat_demand(years, 100.0, "Port"), **toys.flat_demand(years, 0.0, "In")},
            "max_capacity": {**off, (METAL, "mining", "In"): 1000.0, (METAL, "smelting", "Port"): 1000.0},
            "max_build": {(METAL, p, r): 0.0 for p in ("mining", "smelting", "processing") for r in regions},
            "import_price": {(METAL, "refined", "World"): 30.0},
            "ore_grade": {(METAL,): 0.5},
            "transport_cost": {("rail",): 0.01},
            "distance": {("Port", "In", "rail"): 500.0},
            "corridor_capacity": {("Port", "In", "rail"): 1000.0},
        },
        regions=regions,
        sea_ports=("Port",),
        modes=("rail",),
        vintages=(("mining", "In", 1000.0), ("smelting", "Port", 1000.0), ("processing", "Port", 1000.0)),
    )  # fmt: skip
    res = run(data)
    assert series(res.shipments, form="ore", region_from="In") == pytest.approx([100, 100])
    # refined metal is hauled as it is, whatever the ore grade: toy 4 is unchanged
    assert run(toys.inland_corridor().with_params({"ore_grade": {(METAL,): 0.5}})).objective == (
        pytest.approx(3060.0)
    )
    assert _yearly(res, "transport") == pytest.approx([1000.0, 1000.0])
    assert res.objective == pytest.approx(2000.0)


# --- domestic supply in cost steps (supply.py) ---------------------------------------------


def test_mine_output_comes_in_cost_steps_cheapest_first() -> None:
    """An existing free mine (1000 kt/yr) whose ore comes in two steps: 30 kt at 2 and
    50 kt at 8 MUSD/kt, both below the import price 10, so the mine produces 80 (its steps'
    sum, not its capacity) and 20 is imported: 60 + 400 + 200 = 660 a year."""
    years = (2025, 2026)
    data = toys.make_data(
        years,
        {
            "demand": toys.flat_demand(years, 100.0),
            "max_capacity": {(METAL, "mining", "R"): 1000.0, (METAL, "smelting", "R"): 1000.0},
            "max_build": {(METAL, p, "R"): 0.0 for p in ("mining", "smelting", "processing")},
            "tier_output": {(METAL, "R", "low"): 30.0, (METAL, "R", "high"): 50.0},
            "tier_cost": {(METAL, "R", "low"): 2.0, (METAL, "R", "high"): 8.0},
        },
        vintages=(("mining", "R", 1000.0), ("smelting", "R", 1000.0), ("processing", "R", 1000.0)),
    )
    res = run(data)
    assert series(res.activity, process="mining") == pytest.approx([80.0, 80.0])
    assert _yearly(res, "supply_steps") == pytest.approx([460.0, 460.0])
    assert series(res.imports) == pytest.approx([20.0, 20.0])
    assert res.objective == pytest.approx(1320.0)
    # ore is worth the refined metal it replaces; each step earns the rest as a rent
    assert _prices(res, "ore") == pytest.approx([10_000.0] * 2)
    rents = res.prices[res.prices["kind"] == "resource rent"].sort_values(["item", "year"])
    assert rents["item"].tolist() == ["high", "high", "low", "low"]
    assert rents["value"].tolist() == pytest.approx([2_000.0] * 2 + [8_000.0] * 2)
    dearer = data.with_params({"tier_cost": {(METAL, "R", "high"): 12.0}})
    assert series(run(dearer).activity, process="mining") == pytest.approx([30.0, 30.0])


def test_collection_beyond_the_base_rate_is_bought_in_steps_up_to_all_scrap() -> None:
    """Toy 1 (EoL 50, 80, 100; base rate 0.5 free) with two collection steps: 40 % of EoL
    at 1 and 40 % at 3 MUSD/kt. A kt of scrap recycled saves 0.8·(10 − 2) = 6.4, so both
    steps pay, but no more than all the scrap can be collected: the cheap step 0.4, the
    dear one 0.1. Recycled 40, 64, 80; imports 60, 36, 20 → 1160; recycling opex 368; steps
    (0.4·1 + 0.1·3)·230 = 161. objective 1689."""
    data = toys.recycling_loop().with_params(
        {
            "tier_share": {(METAL, "cheap"): 0.4, (METAL, "dear"): 0.4, (METAL, "dearest"): 0.2},
            "collection_cost": {(METAL, "cheap"): 1.0, (METAL, "dear"): 3.0, (METAL, "dearest"): 9.0},
        }
    )  # fmt: skip
    res = run(data)
    assert res.scrap.sort_values("year")["collected"].tolist() == pytest.approx([50, 80, 100])
    assert _yearly(res, "supply_steps") == pytest.approx([35.0, 56.0, 70.0])
    assert res.objective == pytest.approx(1689.0)  # the step at 9 > 6.4 is not used
    # all scrap means all the scrap of *met* demand: with only 50 kt importable in 2025,
    # 10 of its demand is unmet and 2027's end-of-life scrap is 90, all collected
    shock = Disruption(import_availability={(METAL, "refined", "World", 2025): 50.0})
    res = run(dataclasses.replace(data, disruption=shock))
    assert res.scrap.sort_values("year")["collected"].tolist() == pytest.approx([50, 80, 90])
    # one step of 20 % at 3: collected (0.5 + 0.2)·EoL, the step's cost 0.6·EoL
    one = toys.recycling_loop().with_params(
        {"tier_share": {(METAL, "dear"): 0.2}, "collection_cost": {(METAL, "dear"): 3.0}}
    )
    res = run(one)
    assert res.scrap.sort_values("year")["collected"].tolist() == pytest.approx([35, 56, 70])
    assert _yearly(res, "supply_steps") == pytest.approx([30.0, 48.0, 60.0])


# --- the balances (balance.py) ---------------------------------------------------------------


def _prices(res: Results, item: str) -> list[float]:
    rows = res.prices[(res.prices["kind"] == "commodity price") & (res.prices["item"] == item)]
    return rows.sort_values(["region", "year"])["value"].tolist()


def test_commodity_prices_are_the_duals_of_each_forms_balance() -> None:
    """Toy 1: refined metal and products cost the import price, 10 MUSD/kt (10,000 USD/t);
    a kt of scrap saves 0.8 · (10 − 2) = 6.4. No mine or smelter: no ore balance, no ore
    price. The mine-step case below: ore is worth the refined metal it replaces, 10."""
    res = run(toys.recycling_loop())
    assert set(res.prices["item"]) == {"refined", "scrap", "product"}
    assert _prices(res, "refined") == pytest.approx([10_000.0] * 3)
    assert _prices(res, "product") == pytest.approx([10_000.0] * 3)
    assert _prices(res, "scrap") == pytest.approx([6_400.0] * 3)


def _prompt_scrap_case() -> ModelData:
    """Processing yield 0.8 with half of its losses returned as prompt scrap; a recycler
    (yield 0.8, opex 2) in R; a second region X with no plant at all."""
    years = (2025, 2026)
    return toys.make_data(
        years,
        {
            "demand": {**toys.flat_demand(years, 100.0), **toys.flat_demand(years, 0.0, "X")},
            "prompt_scrap_rate": {(METAL,): 0.5},
            "process_yield": {(METAL, "processing"): 0.8, (METAL, "recycling"): 0.8},
            "variable_opex": {(METAL, "recycling"): 2.0},
            "max_capacity": {(METAL, "recycling", "R"): 1000.0, (METAL, "processing", "X"): 0.0},
            "max_build": {(METAL, "processing", "R"): 0.0, (METAL, "recycling", "R"): 0.0},
        },
        regions=("R", "X"),
        vintages=(("processing", "R", 1000.0), ("recycling", "R", 1000.0)),
    )


def test_processing_losses_return_as_prompt_scrap() -> None:
    """100 kt of products need 125 kt of refined metal; of the 25 lost, half (12.5) is
    prompt scrap, recycled into 10 kt of refined metal: imports 115.
    objective = 2 · (1150 + 2 · 10) = 2340."""
    res = run(_prompt_scrap_case())
    scrap = res.scrap[res.scrap["region"] == "R"].sort_values("year")
    assert scrap["prompt"].tolist() == pytest.approx([12.5, 12.5])
    assert series(res.activity, process="recycling") == pytest.approx([10.0, 10.0])
    assert series(res.imports) == pytest.approx([115.0, 115.0])
    assert res.objective == pytest.approx(2340.0)


def test_a_recycler_without_scrap_recycles_nothing() -> None:
    """A free recycling plant but no end uses, no prompt scrap and no scrap imports: the
    scrap balance (0 ≥ recycling input) keeps it idle; all 100 kt are imported."""
    years = (2025, 2026)
    data = toys.make_data(
        years,
        {
            "demand": toys.flat_demand(years, 100.0),
            "max_capacity": {(METAL, "recycling", "R"): 1000.0},
            "max_build": {(METAL, "processing", "R"): 0.0, (METAL, "recycling", "R"): 0.0},
        },
        vintages=(("processing", "R", 1000.0), ("recycling", "R", 1000.0)),
    )
    res = run(data)
    assert series(res.activity, process="recycling") == pytest.approx([0.0, 0.0])
    assert series(res.imports) == pytest.approx([100.0, 100.0])


def test_a_swept_processing_yield_moves_prompt_scrap_on_the_built_model() -> None:
    """The prompt scrap factor reads the model's mutable yield: re-solving the built case
    with a processing yield of 0.5 (200 kt in, 50 kt of prompt scrap, 40 recycled) equals
    building it afresh."""
    from msc_model.scenarios.variants import update_mutable

    lossy = _prompt_scrap_case().with_params({"process_yield": {(METAL, "processing"): 0.5}})
    model = build_model(_prompt_scrap_case())
    solve(model)
    update_mutable(model, lossy)
    again = extract_results(model, lossy, solve(model))
    assert series(again.activity, process="recycling") == pytest.approx([40.0, 40.0])
    assert again.objective == pytest.approx(run(lossy).objective)
    assert again.objective == pytest.approx(2 * (1600.0 + 80.0))


# --- security shares (security.py) -----------------------------------------------------------


def _two_processing_regions(**params) -> ModelData:
    """2025–2026, demand 100 in the port; its existing free processing plant (100 kt/yr)
    suffices, a plant in ``In`` (hinterland) can be built from 2026 at an annuity of
    1 MUSD per kt/yr (capex 10, lifetime 10). The policy starts in 2026."""
    years = (2025, 2026)
    regions = ("Port", "In")
    return toys.make_data(
        years,
        {
            "demand": {**toys.flat_demand(years, 100.0, "Port"), **toys.flat_demand(years, 0.0, "In")},
            "capex": {(METAL, "processing"): 10.0},
            "max_build": {(METAL, "processing", "Port"): 0.0},
            **params,
        },
        regions=regions,
        sea_ports=("Port",),
        hinterland=("In",),
        vintages=(("processing", "Port", 100.0),),
    )  # fmt: skip


@pytest.mark.parametrize(
    ("params", "inland"),
    [
        ({}, 0.0),
        # Port ≤ 0.6 of national capacity: In ≥ 100 · 0.4 / 0.6
        ({"max_region_share": {(METAL, "processing"): 0.6}}, 100 * 0.4 / 0.6),
        # In ≥ 0.3 of national capacity: In ≥ 100 · 0.3 / 0.7
        ({"min_hinterland_share": {(METAL, "processing"): 0.3}}, 100 * 0.3 / 0.7),
        # a share of 1 (or 0) is no limit
        ({"max_region_share": {(METAL, "processing"): 1.0}}, 0.0),
        # a share for a process with no plant anywhere (smelting) adds no row
        (
            {"min_hinterland_share": {(METAL, "processing"): 0.3, (METAL, "smelting"): 0.5}},
            100 * 0.3 / 0.7,
        ),
    ],
    ids=["none", "region-share", "hinterland-share", "share-of-one", "no-plant"],
)
def test_capacity_shares_force_the_cheapest_capacity_elsewhere(params, inland) -> None:
    """Only capacity is constrained: the port plant still does all the processing, and
    the plant built inland costs its annuity, 1 MUSD per kt/yr, in 2026 only."""
    res = run(_two_processing_regions(**params))
    new = res.capacity.query("process == 'processing' and region == 'In'")
    assert new.sort_values("year")["new"].tolist() == pytest.approx([0.0, inland])
    assert series(res.activity, process="processing", region="Port") == pytest.approx([100, 100])
    assert _yearly(res, "capex") == pytest.approx([0.0, inland])
    assert res.objective == pytest.approx(2000.0 + inland)


# --- capacity and trade limits (capacity.py, trade.py) ---------------------------------------


def test_availability_limits_output_to_its_share_of_capacity() -> None:
    """The existing 100 kt/yr processing plant with an availability of 0.8 makes at most
    80; nothing can be built, so 20 is unmet: 800 + 2000 a year."""
    years = (2025, 2026)
    data = toys.make_data(
        years,
        {
            "demand": toys.flat_demand(years, 100.0),
            "availability": {(METAL, "processing"): 0.8},
            "max_build": {(METAL, "processing", "R"): 0.0},
        },
        vintages=(("processing", "R", 100.0),),
    )
    res = run(data)
    assert series(res.activity, process="processing") == pytest.approx([80.0, 80.0])
    assert res.unmet.sort_values("year")["value"].tolist() == pytest.approx([20.0, 20.0])
    assert res.objective == pytest.approx(2 * 2800.0)


@pytest.mark.parametrize("limit", ["max_build", "max_capacity"])
def test_a_build_or_capacity_limit_binds(limit) -> None:
    """Toy 2 with at most 30 kt/yr of mine: the cap (imports ≤ 0.6 of consumption) then
    allows 45 of imports, and 25 of the 2026 demand is unmet:
    2026 = 45·10 + 30·(10 + 5) + 25·100 = 3400; objective 4400."""
    res = run(toys.dependence_cap().with_params({limit: {(METAL, "mining", "R"): 30.0}}))
    assert res.capacity.query("process == 'mining' and year == 2026")["new"].item() == (
        pytest.approx(30.0)
    )
    assert series(res.imports) == pytest.approx([100.0, 45.0])
    assert res.objective == pytest.approx(4400.0)


def test_a_build_serves_for_its_lifetime_then_must_be_rebuilt() -> None:
    """Toy 2 over 2025–2028 with a mine lifetime of 2 years (annuity 100/2 = 50): the cap
    needs 40 kt/yr mined from 2026; a mine built in 2026 serves 2026 and 2027 and is
    rebuilt in 2028. Each year from 2026: 60·10 + 40·(50 + 5) = 2800."""
    base = toys.dependence_cap()
    years = (2025, 2028)
    data = dataclasses.replace(
        base.with_params(
            {
                "final_year": {(): 2028},
                "demand": toys.flat_demand(years, 100.0),
                "dependence_target": {(METAL, 2026): 0.6},
                "lifetime": {(METAL, "mining"): 2.0},
            }
        ),
        years=tuple(range(2025, 2029)),
    )
    res = run(data)
    mine = res.capacity.query("process == 'mining'").sort_values("year")
    assert mine["new"].tolist() == pytest.approx([0.0, 40.0, 0.0, 40.0])  # built that year
    assert mine["total"].tolist() == pytest.approx([0.0, 40.0, 40.0, 40.0])
    assert series(res.activity, process="mining") == pytest.approx([0.0, 40.0, 40.0, 40.0])
    assert _yearly(res, "capex") == pytest.approx([0.0, 2000.0, 2000.0, 2000.0])
    assert res.objective == pytest.approx(1000.0 + 3 * 2800.0)


def test_import_availability_follows_its_outlook_index() -> None:
    """60 kt/yr may be imported, times an availability index of 1 (2025) and 0.5 (2026):
    60 and 30; the rest is unmet."""
    data = toys.shortage()
    years = (2025, 2026)
    data = dataclasses.replace(
        data.with_params(
            {
                "final_year": {(): 2026},
                "demand": toys.flat_demand(years, 100.0),
                "availability_index": {
                    (METAL, "refined", 2025): 1.0,
                    (METAL, "refined", 2026): 0.5,
                },
            }
        ),
        years=tuple(range(2025, 2027)),
    )
    res = run(data)
    assert series(res.imports) == pytest.approx([60.0, 30.0])
    assert res.unmet.sort_values("year")["value"].tolist() == pytest.approx([40.0, 70.0])


def test_a_corridor_carries_no_more_than_its_capacity() -> None:
    """Toy 4 with the rail corridor limited to 80 kt/yr (all forms together): 20 kt of the
    inland demand is unmet each year."""
    data = toys.inland_corridor().with_params({"corridor_capacity": {("Port", "In", "rail"): 80.0}})
    res = run(data)
    shipped = series(res.shipments, form="refined", region_from="Port")
    assert shipped == pytest.approx([80.0, 80.0])
    assert series(res.unmet, region="In") == pytest.approx([20.0, 20.0])


@pytest.mark.parametrize(
    "change",
    [
        {"max_collection_rate": {(METAL,): 0.25}},
        # the history's end-of-life scrap (eol_history) follows the demand history
        {"demand": {(METAL, "R", 2023): 20.0, (METAL, "R", 2024): 60.0}},
    ],
    ids=["collection-rate", "demand-history"],
)
def test_a_swept_collection_rate_or_demand_history_re_solves_the_built_model(change) -> None:
    """Toy 1 re-solved on the built model after ``update_mutable`` equals a fresh build:
    at a rate of 0.25 only 12.5, 20, 25 kt are collected; with history 20, 60 the scrap of
    2025 and 2026 is 10 and 30 (half of the history)."""
    from msc_model.scenarios.variants import update_mutable

    changed = toys.recycling_loop().with_params(change)
    model = build_model(toys.recycling_loop())
    solve(model)
    update_mutable(model, changed)
    again = extract_results(model, changed, solve(model))
    fresh = run(changed)
    assert again.objective == pytest.approx(fresh.objective)
    collected = again.scrap.sort_values("year")["collected"].tolist()
    assert collected == pytest.approx(fresh.scrap.sort_values("year")["collected"].tolist())
    assert collected != pytest.approx([25.0, 40.0, 50.0])


# --- storage (storage.py) ---------------------------------------------------------------------


def test_stock_loss_shrinks_the_initial_stock_before_it_can_be_drawn() -> None:
    """20 kt in stock at the start, half lost each year: 10 can be drawn in 2025, and the
    reserve of 10 kt from 2026 is filled in 2026 (keeping stock through 2025 would lose
    half of it again). imports 90 and 110; the 10 kt left are credited at 10:
    900 + 1100 − 100 = 1900."""
    years = (2025, 2026)
    data = toys.make_data(
        years,
        {
            "demand": toys.flat_demand(years, 100.0),
            "policy_start_year": {(): 2026},
            "reserve_days": {(METAL, "R"): 36.5},
            "initial_stock": {(METAL, "R"): 20.0},
            "storage_capacity": {(METAL, "R"): 20.0},
            "stock_loss": {(METAL,): 0.5},
            "max_build": {(METAL, "processing", "R"): 0.0},
        },
    )
    res = run(data)
    stock = res.stock.sort_values("year")
    assert stock["draw"].tolist() == pytest.approx([10.0, 0.0])
    assert stock["fill"].tolist() == pytest.approx([0.0, 10.0])
    assert stock["stock"].tolist() == pytest.approx([0.0, 10.0])
    assert res.objective == pytest.approx(1900.0)


def test_storage_serves_for_its_lifetime_then_must_be_rebuilt() -> None:
    """The reserve from 2026 (10 kt) with a storage lifetime of one year: the 2026 store
    is gone in 2027 and built again; each year in service pays 20/1 per kt."""
    years = (2025, 2027)
    data = _reserve_from_2026(36.5, storage_lifetime={(METAL,): 1.0})
    data = dataclasses.replace(
        data.with_params({"final_year": {(): 2027}, "demand": toys.flat_demand(years, 100.0)}),
        years=tuple(range(2025, 2028)),
    )
    res = run(data)
    stock = res.stock.sort_values("year")
    assert stock["storage_capacity"].tolist() == pytest.approx([0.0, 10.0, 10.0])
    assert _yearly(res, "capex") == pytest.approx([0.0, 200.0, 200.0])
    model = build_model(data)
    solve(model)
    built = [pyo.value(model.new_storage[METAL, "R", t]) for t in (2026, 2027)]
    assert built == pytest.approx([10.0, 10.0])


def test_a_reserve_is_days_of_national_demand_held_in_its_own_region() -> None:
    """Two regions with demand 100 and 50 (150 national); a reserve of 36.5 days in
    ``In`` only: 15 kt held there, none in the port."""
    years = (2025, 2026)
    data = _two_processing_regions(
        demand={**toys.flat_demand(years, 100.0, "Port"), **toys.flat_demand(years, 50.0, "In")},
        policy_start_year={(): 2026},
        reserve_days={(METAL, "In"): 36.5},
        storage_capex={(METAL,): 1.0},
        corridor_capacity={("Port", "In", "rail"): 1000.0},
    )
    data = dataclasses.replace(data, modes=("rail",))
    res = run(data)
    held = res.stock[res.stock["year"] == 2026].set_index("region")["stock"]
    assert held["In"] == pytest.approx(15.0) and held["Port"] == pytest.approx(0.0)


# --- the dependence cap's definition (security.py) ---------------------------------------


def test_a_stock_draw_counts_like_an_import_under_the_cap() -> None:
    """Toy 2 with 30 kt in stock at the start. Drawing it in 2026 would not loosen the cap
    (net imports include draws), so it is drawn in 2025 (no cap in the base year): 2025
    imports 70 → 700; 2026 as toy 2 → 1200. objective 1900."""
    data = toys.dependence_cap().with_params(
        {"initial_stock": {(METAL, "R"): 30.0}, "storage_capacity": {(METAL, "R"): 30.0}}
    )
    res = run(data)
    assert res.stock.sort_values("year")["draw"].tolist() == pytest.approx([30.0, 0.0])
    assert res.objective == pytest.approx(1900.0)


def test_a_form_not_counted_in_dependence_escapes_the_cap() -> None:
    """Toy 2 with ore importable at 11: counted (the default) it is an import like refined
    metal and the mine is still needed (2200, as toy 2). With only refined metal counted,
    imported ore smelted at home meets the cap: 2026 = 100 · 11 → objective 2100."""
    data = toys.dependence_cap().with_params({"import_price": {(METAL, "ore", "World"): 11.0}})
    assert run(data).objective == pytest.approx(2200.0)
    flags = {(METAL, k): float(k == "refined") for k in ("ore", "refined", "scrap", "product")}
    res = run(data.with_params({"dependence_counted": flags}))
    assert series(res.imports, form="ore") == pytest.approx([0.0, 100.0])
    assert res.objective == pytest.approx(2100.0)


def _plain_import_case() -> ModelData:
    """2025–2026, demand 100, the existing 100 kt/yr processing plant, imports unlimited."""
    years = (2025, 2026)
    return toys.make_data(
        years,
        {"demand": toys.flat_demand(years, 100.0), "max_build": {(METAL, "processing", "R"): 0.0}},
        vintages=(("processing", "R", 100.0),),
    )


@pytest.mark.parametrize(
    ("shock", "toy", "what", "limited"),
    [
        (Disruption(outage={(METAL, "processing", "R", 2026): 0.5}), _plain_import_case, "processing", 50.0),
        (Disruption(import_availability={(METAL, "refined", "World", 2026): 30.0}), _plain_import_case, "imports", 30.0),
        (Disruption(entry_availability={(METAL, "refined", "World", "R", 2026): 40.0}), _plain_import_case, "imports", 40.0),
        (Disruption(corridor_capacity={("Port", "In", "rail", 2026): 70.0}), toys.inland_corridor, "shipped", 70.0),
    ],
    ids=["outage", "import-availability", "entry-availability", "corridor"],
)  # fmt: skip
def test_an_applied_shock_limits_its_year_only(shock, toy, what, limited) -> None:
    """An outage of half the plant, 30 kt of imports, 40 kt landing in R, or 70 kt through
    the corridor in 2026: 2025 is untouched, 2026 is limited and the rest is unmet."""
    res = run(dataclasses.replace(toy(), disruption=shock))
    if what == "processing":
        got = series(res.activity, process="processing")
    elif what == "imports":
        got = series(res.imports)
    else:
        got = series(res.shipments, form="refined", region_from="Port")
    assert got == pytest.approx([100.0, limited])
    unmet = res.unmet.groupby("year")["value"].sum().tolist()
    assert unmet == pytest.approx([0.0, 100.0 - limited])


@pytest.mark.parametrize(
    ("exported", "imports_2026", "objective"),
    [(0.0, 60.0, 840.0 + 600.0 + 64.0 + 800.0 + 680.0),
     (5.0, 65.0, 840.0 + 650.0 + 56.0 + 700.0 + 680.0)],
    ids=["no-exports", "scrap-exported"],
)  # fmt: skip
def test_old_scrap_recycled_counts_in_consumption_under_the_cap(exported, imports_2026, objective):
    """Toy 1 with a cap of 0.6 from 2026 (every form counted). 2026: 40 kt of scrap is
    collected; recycled input r and refined imports i must meet i − x ≤ 0.6 · (r + x + i − x)
    with x kt of scrap exported (net scrap imports −x leave the consumption unchanged).
    No exports: r = 40, i ≤ 60, 32 recycled, 8 unmet. 5 exported: r = 35, i − 5 ≤
    0.6 · (35 + i) → i ≤ 65, 28 recycled, 7 unmet. 2027 (r 50, i 60, 0.55) is not bound."""
    data = toys.recycling_loop().with_params({"dependence_target": {(METAL, 2026): 0.6}})
    if exported:
        data = data.with_params({"export_demand": {(METAL, "scrap", 2026): exported}})
    res = run(data)
    assert series(res.imports) == pytest.approx([80.0, imports_2026, 60.0])
    assert res.unmet.sort_values("year")["value"].tolist() == pytest.approx(
        [0.0, 100.0 - imports_2026 - 0.8 * (40.0 - exported), 0.0]
    )
    assert res.objective == pytest.approx(objective)


def test_a_swept_dependence_target_re_solves_the_built_model() -> None:
    """Toy 2 built at a cap of 0.6 and re-solved at 0.4 equals a fresh build (mutable)."""
    from msc_model.scenarios.variants import update_mutable

    tighter = toys.dependence_cap(target=0.4)
    model = build_model(toys.dependence_cap())
    solve(model)
    update_mutable(model, tighter)
    again = extract_results(model, tighter, solve(model))
    assert again.objective == pytest.approx(run(tighter).objective)
    assert series(again.imports) == pytest.approx([100.0, 40.0])


@pytest.mark.parametrize(
    "change",
    [
        {"max_build": {(METAL, "mining", "R"): 30.0}},
        {"max_capacity": {(METAL, "mining", "R"): 30.0}},
        {"availability": {(METAL, "mining"): 0.75}},
    ],
    ids=["max_build", "max_capacity", "availability"],
)
def test_swept_capacity_limits_re_solve_the_built_model(change) -> None:
    """Toy 2 (with a finite build limit on the mine, so that it is a Param to sweep)
    re-solved on the built model after a limit or the availability changed equals a fresh
    build (mutable Params): at most 30 kt/yr of mine gives 4400 (see above); an
    availability of 0.75 needs a 53.3 kt/yr mine for 40 kt of ore."""
    from msc_model.scenarios.variants import structural_changes, update_mutable

    built = toys.dependence_cap().with_params({"max_build": {(METAL, "mining", "R"): 1000.0}})
    changed = built.with_params(change)
    assert structural_changes(built, changed) == []
    model = build_model(built)
    solve(model)
    update_mutable(model, changed)
    again = extract_results(model, changed, solve(model))
    assert again.objective == pytest.approx(run(changed).objective)
    assert again.objective != pytest.approx(2200.0)


def test_a_swept_import_availability_re_solves_the_built_model() -> None:
    """The shortage toy (60 kt importable) re-solved with 80: 20 unmet, 800 + 2000."""
    from msc_model.scenarios.variants import structural_changes, update_mutable

    more = toys.shortage().with_params({"import_availability": {(METAL, "refined", "World"): 80.0}})
    assert structural_changes(toys.shortage(), more) == []
    model = build_model(toys.shortage())
    solve(model)
    update_mutable(model, more)
    again = extract_results(model, more, solve(model))
    assert again.unmet["value"].item() == pytest.approx(20.0)
    assert again.objective == pytest.approx(800.0 + 2000.0)
