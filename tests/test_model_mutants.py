"""Hand-checked properties of ``msc_model/model/`` (capacity, trade, storage, sets and
``build_model``) that the mutation runs showed no other test asserting (tests/README.md,
"Mutation testing"). Each toy is built with ``tests/toys.py`` and, where it is solved,
solved by HiGHS through the package's own ``solve``."""

from __future__ import annotations

import dataclasses
import inspect
import re

import pyomo.environ as pyo
import pytest
import toys
from toys import METAL, run, series

from msc_model.data import Disruption, ModelData
from msc_model.model import build_model
from msc_model.model.capacity import add_capacity
from msc_model.model.sets import add_parameters
from msc_model.model.storage import add_storage
from msc_model.model.trade import add_trade
from msc_model.results import extract_results
from msc_model.solver import solve


def _without(data: ModelData, name: str) -> ModelData:
    """``data`` with every row of parameter ``name`` removed (its default applies)."""
    return dataclasses.replace(data, params={k: v for k, v in data.params.items() if k != name})


# --- the documented components and units --------------------------------------------------


def _documented(function) -> list[tuple[str, str]]:
    """(component, unit) rows of the symbol → component → unit table in ``function``'s
    docstring (the rows between the table's second and third ``===`` rules)."""
    lines = inspect.getdoc(function).splitlines()
    rules = [i for i, line in enumerate(lines) if line.startswith("===")]
    rows = []
    for line in lines[rules[1] + 1 : rules[2]]:
        unit = line.split()[-1]
        rows += [(name, unit) for name in re.findall(r"``([A-Za-z_]+)``", line)]
    return rows


DIMENSIONLESS = {"share", "—"}


@pytest.mark.parametrize(
    "function",
    [add_capacity, add_trade, add_storage, add_parameters],
    ids=["capacity", "trade", "storage", "parameters"],
)
def test_each_documented_variable_and_param_states_its_tables_unit(function) -> None:
    """Every variable and parameter in the docstring table of the function that declares
    it exists on a built model (the everything toy) and carries a doc: a lower-case phrase
    ending in ``, <unit>`` with the table's unit (dimensionless ones: the phrase alone)."""
    model = build_model(toys.everything())
    rows = _documented(function)
    assert rows
    for name, unit in rows:
        component = getattr(model, name)
        if not isinstance(component, pyo.Var | pyo.Param):
            continue  # rows (constraints) carry no doc
        doc = component.doc
        assert isinstance(doc, str) and doc[:1].islower(), (name, doc)
        assert "_" not in doc, (name, doc)  # words, not the component's name
        if unit not in DIMENSIONLESS:
            assert doc.endswith(f", {unit}"), (name, doc, unit)


def test_capacity_and_activity_tables_come_in_the_plants_index_order() -> None:
    """The extracted tables list rows in the model's index order (the order the reports
    show and the indicators' grouping relies on): plants as the incidence lists them
    (chain order of processes, then the workbook's regions), each year by year."""
    from msc_model.model.sets import build_incidence

    data = toys.everything()
    inc = build_incidence(data)
    expected = [(*plant, t) for plant in inc.plants for t in inc.years]
    res = run(data)
    columns = ["metal", "process", "region", "year"]
    plants = res.capacity[res.capacity["process"] != "storage"]
    assert list(plants[columns].itertuples(index=False, name=None)) == expected
    assert list(res.activity[columns].itertuples(index=False, name=None)) == expected


# --- trade.py ------------------------------------------------------------------------------


def _refined_and_ore(**params) -> ModelData:
    """2025–2026, demand 100; refined metal (price 10) and ore (price 5, smelted at home by
    an existing free smelter of 1000 kt/yr, yield 1) can be imported, at most 60 and 30 kt
    a year; nothing can be built."""
    years = (2025, 2026)
    return toys.make_data(
        years,
        {
            "demand": toys.flat_demand(years, 100.0),
            "max_capacity": {(METAL, "smelting", "R"): 1000.0},
            "max_build": {(METAL, "smelting", "R"): 0.0, (METAL, "processing", "R"): 0.0},
            "import_price": {(METAL, "ore", "World"): 5.0},
            "import_availability": {
                (METAL, "refined", "World"): 60.0,
                (METAL, "ore", "World"): 30.0,
            },
            **params,
        },
        vintages=(("processing", "R", 1000.0), ("smelting", "R", 1000.0)),
    )


def test_a_form_without_an_availability_outlook_keeps_its_rows_availability() -> None:
    """Refined metal has an availability index of 0.5 in 2026, ore none: refined imports
    are 60 then 60 · 0.5 = 30, ore imports stay at 30 in both years (index 1), so
    100 − 90 = 10 and 100 − 60 = 40 are unmet."""
    data = _refined_and_ore(
        availability_index={(METAL, "refined", 2025): 1.0, (METAL, "refined", 2026): 0.5}
    )
    model = build_model(data)
    bound = {key: pyo.value(model.import_availability[key]) for key in model.import_availability}
    assert bound == pytest.approx(
        {
            (METAL, "ore", "World", 2025): 30.0,
            (METAL, "ore", "World", 2026): 30.0,
            (METAL, "refined", "World", 2025): 60.0,
            (METAL, "refined", "World", 2026): 30.0,
        }
    )
    res = extract_results(model, data, solve(model))
    assert series(res.imports, form="refined") == pytest.approx([60.0, 30.0])
    assert series(res.imports, form="ore") == pytest.approx([30.0, 30.0])
    assert series(res.unmet) == pytest.approx([10.0, 40.0])


def test_a_corridor_shock_limits_a_corridor_that_has_no_capacity_row() -> None:
    """Toy 4 without a corridor capacity (unlimited), shocked to 70 kt in 2026: 100 kt is
    shipped in 2025 and 70 in 2026, and the 30 missing inland are unmet."""
    shock = Disruption(corridor_capacity={("Port", "In", "rail", 2026): 70.0})
    data = dataclasses.replace(
        _without(toys.inland_corridor(), "corridor_capacity"), disruption=shock
    )
    res = run(data)
    assert series(res.shipments, form="refined", region_from="Port") == pytest.approx([100.0, 70.0])
    assert series(res.unmet, region="In") == pytest.approx([0.0, 30.0])


@pytest.mark.parametrize(
    "key",
    [(METAL, "refined", "A", "In", 2026), (METAL, "refined", "A", "Port", 2030)],
    ids=["region-without-entry", "year-outside-the-horizon"],
)
def test_an_entry_shock_on_an_arc_or_year_the_model_lacks_is_ignored(key) -> None:
    """Toy 4's imports land in the port only, over 2025–2026: a shock limiting imports from
    ``A`` into ``In`` (not a port), or into the port in 2030, limits nothing: the model
    has no ``import_entry_limit`` row and the optimum is toy 4's (2025: 100 from A at 10
    + 5 per kt shipped; 2026: 70 from A, 30 from B at 12, + 500: objective 3060)."""
    shocked = dataclasses.replace(
        toys.inland_corridor(), disruption=Disruption(entry_availability={key: 10.0})
    )
    model = build_model(shocked)
    assert len(model.import_entry_limit) == 0
    res = extract_results(model, shocked, solve(model))
    assert res.objective == pytest.approx(3060.0)
    assert series(res.imports, origin="A") == pytest.approx([100.0, 70.0])


def test_exports_are_never_negative_even_where_another_entry_region_is_cheaper() -> None:
    """2025 only: demand 100 in Port (sea port, refined from S at 10); Land (land corridor,
    no demand, no corridor to Port) buys refined from L at 5. 5 kt of refined metal must be
    exported from either: Land exports it (25), Port imports its 100 (1000): 1025. A
    negative export in Port (metal for nothing, made up by Land) is no way out."""
    years = (2025, 2025)
    data = toys.make_data(
        years,
        {
            "demand": {(METAL, "Port", 2025): 100.0, (METAL, "Land", 2025): 0.0},
            "import_price": {(METAL, "refined", "S"): 10.0, (METAL, "refined", "L"): 5.0},
            "export_demand": {(METAL, "refined", 2025): 5.0},
        },
        regions=("Port", "Land"),
        sea_ports=("Port",),
        origins={"S": "sea", "L": "land"},
        vintages=(("processing", "Port", 1000.0),),
    )
    data = dataclasses.replace(data, land_corridors=frozenset({"Land"}))
    res = run(data)
    exports = res.flows.query("flow == 'exports' and form == 'refined'").set_index("region")
    assert exports["value"].to_dict() == pytest.approx({"Land": -5.0, "Port": 0.0})
    assert res.objective == pytest.approx(1025.0)


# --- sets.py: the sparse index sets by hand --------------------------------------------------


def _incidence_case(**params) -> ModelData:
    """2025–2028 at 10 %, policy from 2027; regions Port (sea port), In, Land (land
    corridor); origins S (sea) and L (land). Processing: 100 kt/yr in Port throughout and
    50 more in 2026–2027, lead time 1.5 yr, no build in In; an old smelter of 30 kt/yr in
    In that cannot be extended (``max_build`` 0); every other process is off. Imports: refined from S, ore
    from L, plus rows whose origin (World, the toys' default) or metal (Zn) the case does
    not have. Corridors: Port–In by rail given both ways, In–Land by road (a capacity row
    only) and a Land–Land row. No storage may be built in In."""
    return toys.make_data(
        (2025, 2028),
        {
            "discount_rate": {(): 0.1},
            "policy_start_year": {(): 2027},
            "lead_time": {(METAL, "processing"): 1.5},
            "max_capacity": {(METAL, "smelting", "In"): 30.0},
            "max_build": {(METAL, "processing", "In"): 0.0, (METAL, "smelting", "In"): 0.0},
            "import_price": {
                (METAL, "refined", "S"): 10.0,
                (METAL, "ore", "L"): 5.0,
                ("Zn", "refined", "S"): 3.0,
            },
            "distance": {
                ("Port", "In", "rail"): 100.0,
                ("In", "Port", "rail"): 120.0,
                ("Land", "Land", "road"): 5.0,
            },
            "corridor_capacity": {("In", "Land", "road"): 50.0},
            "max_storage": {(METAL, "In"): 0.0},
            **params,
        },
        regions=("Port", "In", "Land"),
        sea_ports=("Port",),
        origins={"S": "sea", "L": "land"},
        modes=("rail", "road"),
        vintages=(("processing", "Port", 100.0), ("smelting", "In", 30.0)),
    )


def _with_land(data: ModelData, vintages=()) -> ModelData:
    """``Land`` made a land corridor; ``vintages`` (Vintage rows) added."""
    return dataclasses.replace(
        data, land_corridors=frozenset({"Land"}), vintages=data.vintages + tuple(vintages)
    )


def test_incidence_plants_residuals_and_build_years_by_hand() -> None:
    """Plants: the old smelter in In (residual only, no build years), processing in Port
    (residual and builds) and in Land (builds only); not In (``max_build`` 0) and no
    switched-off process. Builds first produce from 2025 + ceil(1.5) = 2027. The residual
    adds the committed 50 kt/yr to Port's 100 in 2026–2027."""
    from msc_model.data import Vintage
    from msc_model.model.sets import build_incidence

    committed = Vintage(METAL, "processing", "Port", 50.0, 2026, 2027)
    inc = build_incidence(_with_land(_incidence_case(), [committed]))
    smelter, port, land = (
        (METAL, "smelting", "In"),
        (METAL, "processing", "Port"),
        (
            METAL,
            "processing",
            "Land",
        ),
    )
    assert inc.plants == [smelter, port, land]
    assert inc.builds == {smelter: [], port: [2027, 2028], land: [2027, 2028]}
    assert inc.residual == {
        **{(*smelter, t): 30.0 for t in range(2025, 2029)},
        (*port, 2025): 100.0,
        (*port, 2026): 150.0,
        (*port, 2027): 150.0,
        (*port, 2028): 100.0,
    }
    assert inc.has_plant(*land) and not inc.has_plant(METAL, "processing", "In")
    assert inc.years == [2025, 2026, 2027, 2028]
    assert (inc.base_year, inc.final_year) == (2025, 2028)
    assert inc.policy_years == [2027, 2028]
    assert inc.storage_builds == [
        (METAL, r, t) for r in ("Port", "Land") for t in (2026, 2027, 2028)
    ]


def test_a_plant_that_may_hold_capacity_but_build_none_is_not_a_plant() -> None:
    """A zero ``max_capacity`` or a zero ``max_build`` alone rules out building: Land with
    ``max_capacity`` 0 (``max_build`` blank) gets no plant, as In with ``max_build`` 0."""
    from msc_model.model.sets import build_incidence

    data = _incidence_case(max_capacity={(METAL, "processing", "Land"): 0.0})
    plants = build_incidence(_with_land(data)).plants
    assert plants == [(METAL, "smelting", "In"), (METAL, "processing", "Port")]


def test_import_arcs_land_where_the_origins_entry_type_allows() -> None:
    """Ore from the land origin L lands in the land corridor Land only, refined metal from
    the sea origin S in the port only; rows of an origin (World) or metal (Zn) the case
    lacks get no arc."""
    from msc_model.model.sets import build_incidence

    inc = build_incidence(_with_land(_incidence_case()))
    assert inc.import_arcs == [(METAL, "ore", "L", "Land"), (METAL, "refined", "S", "Port")]
    assert inc.imports_into == {(METAL, "ore", "Land"): ["L"], (METAL, "refined", "Port"): ["S"]}
    # without a land corridor, the land origin has nowhere to land
    assert build_incidence(_incidence_case()).import_arcs == [(METAL, "refined", "S", "Port")]


def test_corridors_run_both_ways_once_and_take_their_own_row_first() -> None:
    """Port–In (given both ways) and In–Land give four directed arcs, each once; the
    Land–Land row is no corridor. Each direction reads its own distance (100 out, 120
    back); In → Land has only the reverse-less capacity row, Land → In reads it."""
    from msc_model.model.sets import build_incidence, corridor_value

    data = _incidence_case()
    inc = build_incidence(data)
    arcs = [
        ("In", "Land", "road"),
        ("Land", "In", "road"),
        ("In", "Port", "rail"),
        ("Port", "In", "rail"),
    ]
    assert sorted(inc.corridors) == sorted(arcs) and len(inc.corridors) == 4
    assert {r: sorted(a) for r, a in inc.ship_out.items()} == {
        "In": [("In", "Land", "road"), ("In", "Port", "rail")],
        "Land": [("Land", "In", "road")],
        "Port": [("Port", "In", "rail")],
    }
    assert {r: sorted(a) for r, a in inc.ship_in.items()} == {
        "In": [("Land", "In", "road"), ("Port", "In", "rail")],
        "Land": [("In", "Land", "road")],
        "Port": [("In", "Port", "rail")],
    }
    assert corridor_value(data, "distance", ("Port", "In", "rail")) == 100.0
    assert corridor_value(data, "distance", ("In", "Port", "rail")) == 120.0
    assert corridor_value(data, "corridor_capacity", ("Land", "In", "road")) == 50.0
    assert corridor_value(data, "distance", ("Land", "In", "road")) is None


def test_exports_leave_from_every_entry_region_in_years_with_demand() -> None:
    """Export demand of 5 kt in 2026 may leave from Port and Land (the entry regions, not
    In); a zero row, a year after the horizon and a metal the case lacks add nothing."""
    from msc_model.model.sets import build_incidence

    data = _with_land(
        _incidence_case(
            export_demand={
                (METAL, "refined", 2026): 5.0,
                (METAL, "refined", 2027): 0.0,
                (METAL, "scrap", 2030): 3.0,
                ("Zn", "refined", 2026): 2.0,
            }
        )
    )
    inc = build_incidence(data)
    assert inc.exports == [(METAL, "refined", "Port", 2026), (METAL, "refined", "Land", 2026)]
    assert inc.exports_from == {(METAL, "refined", 2026): ["Port", "Land"]}


def test_export_demand_without_an_entry_region_is_an_input_error() -> None:
    """With no sea port and no land corridor nothing can leave: the case is refused with a
    message naming the metal, form and year."""
    from msc_model.errors import InputError
    from msc_model.model.sets import build_incidence

    data = dataclasses.replace(
        _incidence_case(export_demand={(METAL, "refined", 2026): 5.0}), sea_ports=frozenset()
    )
    with pytest.raises(InputError) as caught:
        build_incidence(data)
    assert (
        "export_demand for Cu refined 2026 but no region is a sea port or land corridor to "
        "export from"
    ) in str(caught.value)


def test_discount_factors_are_one_over_one_plus_the_rate_to_the_years_since_base() -> None:
    """At 10 %: DF = 1, 1/1.1, 1/1.21, 1/1.331 for 2025–2028, on the incidence too."""
    from msc_model.model.sets import build_incidence, discount_factors

    expected = {2025: 1.0, 2026: 1 / 1.1, 2027: 1 / 1.21, 2028: 1 / 1.331}
    assert discount_factors(_incidence_case()) == pytest.approx(expected)
    assert build_incidence(_incidence_case()).discount == pytest.approx(expected)


@pytest.mark.parametrize(("rate", "lifetime"), [(0.0, 4.0), (0.1, 10.0), (0.05, 2.5)])
def test_the_capital_recovery_factor_repays_one_unit_over_the_lifetime(rate, lifetime) -> None:
    """The annuity ``crf`` paid at the end of each year for ``lifetime`` years (a fraction
    of a year paying its share) has a present value of exactly 1: ∫ form for a fractional
    lifetime, Σ_{k=1..L} crf / (1+r)^k for a whole one; at rate 0 it is 1 / lifetime."""
    from msc_model.model.sets import crf

    factor = crf(rate, lifetime)
    if rate == 0.0:
        assert factor == pytest.approx(1.0 / lifetime)
        return
    # the annuity formula's present value, (1 − (1+r)^−L) / r, holds for any real L
    assert factor * (1.0 - (1.0 + rate) ** -lifetime) / rate == pytest.approx(1.0)
    if lifetime == int(lifetime):
        paid = sum(factor / (1.0 + rate) ** k for k in range(1, int(lifetime) + 1))
        assert paid == pytest.approx(1.0)


def test_dependence_targets_interpolate_hold_and_start_at_the_policy_year() -> None:
    """Targets 0.8 (2026) and 0.4 (2028), given out of order, policy from 2027: 2026 is
    before the policy (no cap), 2027 is halfway (0.6), 2028 is 0.4. With the first target
    in 2028 and the policy from 2026, 2026–2027 have no cap (nothing given yet); held
    after the last: a target of 0.5 in 2026 holds in 2027 and 2028."""
    from msc_model.model.sets import build_incidence, dependence_targets

    two = {(METAL, 2028): 0.4, (METAL, 2026): 0.8}
    data = _incidence_case(dependence_target=two)
    assert dependence_targets(data) == pytest.approx({(METAL, 2027): 0.6, (METAL, 2028): 0.4})
    assert build_incidence(data).targets == pytest.approx({(METAL, 2027): 0.6, (METAL, 2028): 0.4})
    late = _incidence_case(policy_start_year={(): 2026}, dependence_target={(METAL, 2028): 0.4})
    assert dependence_targets(late) == pytest.approx({(METAL, 2028): 0.4})
    held = _incidence_case(policy_start_year={(): 2026}, dependence_target={(METAL, 2026): 0.5})
    assert dependence_targets(held) == pytest.approx({(METAL, t): 0.5 for t in (2026, 2027, 2028)})


def test_an_outlook_is_held_before_its_first_year_and_after_its_last() -> None:
    """Price index 2.0 in 2028 and 1.0 in 2026 (out of order): 1.0 in 2025 (held before),
    1.0, 1.5 (halfway), 2.0 in 2026–2028; only the (metal, form) given has an index. With
    three points (1, 3, 2 in 2025, 2027, 2028) each stretch is its own line: 2 in 2026."""
    from msc_model.model.sets import outlook

    data = _incidence_case(
        price_index={(METAL, "refined", 2028): 2.0, (METAL, "refined", 2026): 1.0}
    )
    assert outlook(data, "price_index") == pytest.approx(
        {(METAL, "refined", 2025): 1.0, (METAL, "refined", 2026): 1.0,
         (METAL, "refined", 2027): 1.5, (METAL, "refined", 2028): 2.0}
    )  # fmt: skip
    three = _incidence_case(
        price_index={
            (METAL, "ore", 2025): 1.0,
            (METAL, "ore", 2027): 3.0,
            (METAL, "ore", 2028): 2.0,
        }
    )
    got = outlook(three, "price_index")
    assert [got[METAL, "ore", t] for t in range(2025, 2029)] == pytest.approx([1.0, 2.0, 3.0, 2.0])
    assert outlook(three, "availability_index") == {}


def test_counted_forms_are_those_flagged_else_every_form() -> None:
    """Flags ore 0, refined 1, scrap 1 (product not given): refined and scrap count; with
    no flags for the metal every form counts."""
    from msc_model.model.sets import build_incidence, counted_forms

    flags = {(METAL, "ore"): 0.0, (METAL, "refined"): 1.0, (METAL, "scrap"): 1.0}
    data = _incidence_case(dependence_counted=flags)
    assert counted_forms(data, METAL) == ("refined", "scrap")
    assert build_incidence(data).counted == {METAL: ("refined", "scrap")}
    assert counted_forms(_incidence_case(), METAL) == ("ore", "refined", "product", "scrap")


def test_end_of_life_keys_hold_only_years_with_scrap() -> None:
    """Toy 1 (lifetime 2, σ 0) with no demand in 2023: scrap arises a lifetime after the
    demand, 0 in 2025, 80 in 2026, 100 in 2027, so ``COLLECTION`` and ``end_of_life``
    hold 2026 and 2027 only; the part from history (years before 2025) is 2026's 80."""
    from msc_model.model.sets import build_incidence

    data = toys.recycling_loop().with_params({"demand": {(METAL, "R", 2023): 0.0}})
    inc = build_incidence(data)
    assert inc.end_of_life == pytest.approx({(METAL, "R", 2026): 80.0, (METAL, "R", 2027): 100.0})
    assert inc.eol_history == pytest.approx({(METAL, "R", 2026): 80.0})
    assert inc.kernels == {METAL: pytest.approx({2: 1.0})}
    model = build_model(data)
    assert list(model.COLLECTION) == [(METAL, "R", 2026), (METAL, "R", 2027)]


def test_a_region_without_demand_rows_has_zero_demand_in_the_model() -> None:
    """The incidence case gives no demand at all: every (metal, region, model year) of the
    built model's ``demand`` is 0, and a solve costs nothing."""
    data = _with_land(_incidence_case())
    model = build_model(data)
    keys = [(METAL, r, t) for r in ("Port", "In", "Land") for t in range(2025, 2029)]
    assert list(model.demand) == keys
    assert [pyo.value(model.demand[k]) for k in keys] == [0.0] * len(keys)
    assert extract_results(model, data, solve(model)).objective == pytest.approx(0.0, abs=1e-6)


def test_the_declared_sets_hold_exactly_the_documented_members_in_order() -> None:
    """``add_sets``'s table by hand on the incidence case with Land a land corridor, two
    more sea origins without rows (T, U), refined imports also from L and scrap from S,
    5 kt of refined exports a year from 2026 and toy 1's end of life (demand of 10 in
    2023 and 2024 in every region): the plain sets in the case's order, and the sparse
    ones as derived in the tests above, in their order."""
    regions = ("Port", "In", "Land")
    data = _with_land(
        _incidence_case(
            import_price={
                (METAL, "refined", "S"): 10.0,
                (METAL, "ore", "L"): 5.0,
                (METAL, "product", "L"): 12.0,
                (METAL, "scrap", "S"): 4.0,
            },
            export_demand={(METAL, "refined", t): 5.0 for t in (2026, 2027, 2028)},
            end_use_share={(METAL, "all"): 1.0},
            lifetime_mean={(METAL, "all"): 2.0},
            lifetime_sd={(METAL, "all"): 0.0},
            demand={(METAL, r, t): 10.0 for r in regions for t in (2023, 2024)},
        )
    )
    entry = {"S": "sea", "L": "land", "T": "sea", "U": "sea"}
    data = dataclasses.replace(data, origins=tuple(entry), origin_entry=entry)
    model = build_model(data)
    smelter, port, land = (
        (METAL, "smelting", "In"),
        (METAL, "processing", "Port"),
        (METAL, "processing", "Land"),
    )
    expected = {
        "METALS": [METAL],
        "FORMS": ["ore", "refined", "product", "scrap"],
        "PROCESSES": ["mining", "smelting", "processing", "recycling"],
        "REGIONS": list(regions),
        "ORIGINS": ["S", "L", "T", "U"],
        "MODES": ["rail", "road"],
        "YEARS": [2025, 2026, 2027, 2028],
        "POLICY_YEARS": [2027, 2028],
        "PLANTS": [smelter, port, land],
        "BUILDS": [(*port, 2027), (*port, 2028), (*land, 2027), (*land, 2028)],
        # sorted by (metal, form, origin), then the origin's entry regions
        "IMPORT_ARCS": [
            (METAL, "ore", "L", "Land"),
            (METAL, "product", "L", "Land"),
            (METAL, "refined", "S", "Port"),
            (METAL, "scrap", "S", "Port"),
        ],
        "EXPORTS": [(METAL, "refined", r, t) for t in (2026, 2027, 2028) for r in ("Port", "Land")],
        # corridor rows sorted, each followed by its reverse
        "CORRIDORS": [
            ("In", "Land", "road"),
            ("Land", "In", "road"),
            ("In", "Port", "rail"),
            ("Port", "In", "rail"),
        ],
        # the demand of 2023 and 2024 reaches end of life two years later
        "COLLECTION": [(METAL, r, t) for r in regions for t in (2025, 2026)],
        "STORAGE_BUILDS": [(METAL, r, t) for r in ("Port", "Land") for t in (2026, 2027, 2028)],
    }
    got = {name: list(getattr(model, name)) for name in expected}
    assert got == expected


def test_amounts_below_one_kt_still_count_in_the_sparse_sets() -> None:
    """Half a kt is not nothing: an old smelter of 0.5 kt/yr is a plant, 0.5 kt of export
    demand gets export variables, and 0.5 kt of demand in 2024 (lifetime 2, σ 0) gives
    0.5 kt of end-of-life scrap in 2026, all of it from history."""
    from msc_model.data import Vintage
    from msc_model.model.sets import build_incidence

    data = _incidence_case(
        export_demand={(METAL, "refined", 2026): 0.5},
        end_use_share={(METAL, "all"): 1.0},
        lifetime_mean={(METAL, "all"): 2.0},
        lifetime_sd={(METAL, "all"): 0.0},
        demand={(METAL, "Port", 2024): 0.5},
    )
    data = dataclasses.replace(data, vintages=(Vintage(METAL, "smelting", "In", 0.5, None, None),))
    inc = build_incidence(data)
    assert (METAL, "smelting", "In") in inc.plants
    assert inc.exports == [(METAL, "refined", "Port", 2026)]
    assert inc.end_of_life == pytest.approx({(METAL, "Port", 2026): 0.5})
    assert inc.eol_history == pytest.approx({(METAL, "Port", 2026): 0.5})
