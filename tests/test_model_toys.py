"""Component tests: tiny systems whose optimum is derived on paper (see ``toys``).

Each test walks build → solve → extract (which checks every balance) → assert the paper
numbers. Discount rate 0 throughout, so the objective is the plain sum of yearly costs.
"""

from __future__ import annotations

import dataclasses
import itertools

import pandas as pd
import pyomo.environ as pyo
import pytest
import toys
from toys import METAL, PENALTY, PRICE

from msc_model import indicators
from msc_model.errors import BalanceError, InfeasibleError
from msc_model.model import build_model
from msc_model.results import Results, check_balances, extract_results
from msc_model.solver import solve


def run(data) -> Results:
    model = build_model(data)
    return extract_results(model, data, solve(model))


def series(frame: pd.DataFrame, **where) -> list[float]:
    """``value`` column of the rows matching ``where``, in year order."""
    for column, wanted in where.items():
        frame = frame[frame[column] == wanted]
    return frame.sort_values("year")["value"].tolist()


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
    assert indicators.recycled_share(res)["value"].tolist() == pytest.approx([0.2, 0.32, 0.4])


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
