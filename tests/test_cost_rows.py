"""The cost table (``model.objective.CostRows``) that extraction evaluates with numpy must
give what the model's cost Expressions give: on the shipped case, after Params change in
place (a sweep), on shocked models (whose terms grow after the build) and, for a term
changed outside the table, by falling back to the Expression."""

from __future__ import annotations

import dataclasses
import math

import pyomo.core as pyo
import pytest
import toys

from msc_model.data import Disruption
from msc_model.inputs import load_inputs
from msc_model.model import COST_TERMS, build_model
from msc_model.resilience.model import build_shocked_model
from msc_model.resilience.shocks import apply_shocks, library
from msc_model.results import extract_results
from msc_model.shipped import default_workbook
from msc_model.solver import prepare_resolve, solve


@pytest.fixture(scope="module")
def data():
    return load_inputs(default_workbook())


def _walked(m) -> dict[tuple[str, int], float]:
    return {
        (term, t): pyo.value(getattr(m, f"cost_{term}")[t])
        for term in COST_TERMS
        for t in m.incidence.years
    }


def _assert_same(m) -> None:
    fast, walked = m.cost_rows.values(m), _walked(m)
    assert set(fast) == set(walked)  # every term and year is still as the table built it
    for key, value in walked.items():
        assert math.isclose(fast[key], value, rel_tol=1e-10, abs_tol=1e-6), key
    # and the discounted sum is the objective HiGHS minimised
    discount = m.incidence.discount
    total = sum(discount[t] * v for (_term, t), v in fast.items())
    assert math.isclose(total, pyo.value(m.objective), rel_tol=1e-10)


def test_the_table_gives_the_expressions_values_on_the_shipped_case(data) -> None:
    m = build_model(data)
    solve(m)
    _assert_same(m)
    assert any(abs(v) > 1.0 for v in m.cost_rows.values(m).values())


def test_params_changed_in_place_are_read_at_evaluation(data) -> None:
    """A sweep changes mutable Params on the built model and re-solves: the table reads
    their new values (import prices up 50 %, capex doubled, terminal value halved)."""
    m = build_model(data)
    prepare_resolve(m)
    solve(m)
    before = m.cost_rows.values(m)
    for param, factor in ((m.import_price, 1.5), (m.capex, 2.0), (m.terminal_value, 0.5)):
        for p in param.values():
            p.set_value(pyo.value(p) * factor)
    solve(m)
    _assert_same(m)
    after = m.cost_rows.values(m)
    assert sum(v for (t, _), v in after.items() if t == "imports") != pytest.approx(
        sum(v for (t, _), v in before.items() if t == "imports")
    )


def test_shocked_models_grow_their_terms_through_the_table(data) -> None:
    """Price shocks add to ``cost_imports`` and released reserve rules to
    ``cost_unmet_demand`` after the build (``CostRows.extend``)."""
    grown = 0
    for shocks in library(data).values():
        shocked = apply_shocks(data, shocks)
        m = build_shocked_model(shocked)
        plain = sum(len(rows) for rows in build_model(shocked).cost_rows.rows.values())
        grown += sum(len(rows) for rows in m.cost_rows.rows.values()) > plain
        solve(m)
        _assert_same(m)
    assert grown, "no shock of the shipped workbook adds to a cost term"


def test_a_term_changed_outside_the_table_is_evaluated_as_its_expression(data) -> None:
    m = build_model(data)
    outcome = solve(m)
    t = m.incidence.final_year
    before = m.cost_rows.values(m)["holding", t]
    m.cost_holding[t].set_value(m.cost_holding[t].expr + 5.0)
    assert ("holding", t) not in m.cost_rows.values(m)
    costs = extract_results(m, data, outcome).costs.set_index(["term", "year"])
    assert costs.loc[("holding", t), "undiscounted"] == pytest.approx(before + 5.0, rel=1e-12)


def test_a_price_shock_adds_to_the_imports_term_by_hand() -> None:
    """Toy: 100 kt/yr of demand met only by refined imports at 10 MUSD/kt (unmet demand
    costs 100, so the dearer imports are still bought). A ×1.5 price shock in 2026 adds
    0.5 · 10 · 100 = 500 MUSD to that year's imports term, in the Expression, in the
    table and in the objective: 1000, 1500, 1000 and 3500 in all."""
    years = (2025, 2027)
    data = toys.make_data(years, {"demand": toys.flat_demand(years, 100.0)})
    shock = Disruption(import_price_factor={(toys.METAL, "refined", "World", 2026): 1.5})
    m = build_shocked_model(dataclasses.replace(data, disruption=shock))
    solve(m)
    fast = m.cost_rows.values(m)
    expected = {2025: 1000.0, 2026: 1500.0, 2027: 1000.0}
    for t, value in expected.items():
        assert fast["imports", t] == pytest.approx(value)
        assert pyo.value(m.cost_imports[t]) == pytest.approx(value)
    assert pyo.value(m.objective) == pytest.approx(3500.0)


def test_an_unsolved_model_has_no_cost_values() -> None:
    years = (2025, 2026)
    m = build_model(toys.make_data(years, {"demand": toys.flat_demand(years, 100.0)}))
    with pytest.raises(ValueError, match=r"no value for \w+\[.*\]: solve the model first"):
        m.cost_rows.values(m)
