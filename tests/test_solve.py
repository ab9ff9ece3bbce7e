"""The solver door: profiles, termination mapping, persistent re-solves, log capture."""

from __future__ import annotations

from pathlib import Path

import pytest
import toys

from msc_model.errors import InfeasibleError, SolveError
from msc_model.model import build_model
from msc_model.solver import load_profile, solve


@pytest.mark.parametrize("name", ["default", "ipm", "fast"])
def test_shipped_profiles_are_valid(name: str) -> None:
    options = load_profile(name)
    assert "solver" in options


def test_ipm_profile_sets_crossover() -> None:
    assert load_profile("ipm") == {"solver": "ipm", "run_crossover": "on", "presolve": "on"}


def test_solver_not_in_wheel_is_refused(tmp_path: Path) -> None:
    """HiGHS keeps its previous solver when asked for hipo; we must not run silently."""
    profile = tmp_path / "hipo.txt"
    profile.write_text("# try the new IPM\npresolve = on\nsolver = hipo\n")
    with pytest.raises(SolveError, match=r"hipo.txt line 3: 'solver = hipo'"):
        load_profile(profile)


@pytest.mark.parametrize(
    "line", ["no_such_option = 1", "time_limit = soon", "presolve", "threads = -3.5"]
)
def test_bad_profile_lines_are_refused(tmp_path: Path, line: str) -> None:
    profile = tmp_path / "bad.txt"
    profile.write_text(line + "\n")
    with pytest.raises(SolveError, match=r"bad\.txt line 1"):
        load_profile(profile)


def test_unknown_profile_name_lists_the_available_ones() -> None:
    with pytest.raises(SolveError, match="default"):
        load_profile("no-such-profile")


def test_ipm_and_simplex_agree_on_the_cap_toy() -> None:
    data = toys.dependence_cap()
    a, b = build_model(data), build_model(data)
    assert solve(a, "default").objective == pytest.approx(solve(b, "ipm").objective, rel=1e-9)
    assert b.dual[b.dependence_cap["Cu", 2026]] == pytest.approx(-5.0, rel=1e-6)


def test_persistent_resolve_sees_a_mutable_price() -> None:
    """Toy 2 at import price 12: 2025 = 1200, 2026 = 60·12 + 40·15 = 1320 → 2520 and the
    cap's dual is 12 − 15 = −3. At 20 the mine (15) takes all of 2026: 2000 + 1500, the
    cap is slack (dual 0)."""
    model = build_model(toys.dependence_cap())
    solve(model)
    model.import_price["Cu", "refined", "World"] = 12.0
    assert solve(model, time_limit=60).objective == pytest.approx(2520.0)
    assert model.dual[model.dependence_cap["Cu", 2026]] == pytest.approx(-3.0)
    model.import_price["Cu", "refined", "World"] = 20.0
    assert solve(model).objective == pytest.approx(3500.0)
    assert model.dual[model.dependence_cap["Cu", 2026]] == pytest.approx(0.0, abs=1e-9)


def test_outcome_carries_log_options_and_timing(capfd: pytest.CaptureFixture) -> None:
    outcome = solve(build_model(toys.stockpile()))
    assert outcome.termination == "optimal"
    assert outcome.profile == "default"
    assert outcome.options["solver"] == "simplex"
    assert "Model status" in outcome.log
    assert outcome.solve_seconds >= 0 and outcome.wall_seconds >= outcome.solve_seconds
    assert "Model status" not in capfd.readouterr().out  # quiet unless verbose


def test_non_optimal_end_raises_solve_error_and_loads_nothing(tmp_path: Path) -> None:
    profile = tmp_path / "stop.txt"
    profile.write_text("presolve = off\nsimplex_iteration_limit = 0\n")
    model = build_model(toys.dependence_cap())
    with pytest.raises(SolveError, match="iteration_limit") as error:
        solve(model, profile)
    assert not isinstance(error.value, InfeasibleError)
    assert all(v.value is None for v in model.imports.values())


def test_infeasible_loads_nothing() -> None:
    model = build_model(toys.impossible_reserve())
    with pytest.raises(InfeasibleError) as error:
        solve(model)
    assert error.value.termination in {"infeasible", "infeasible_or_unbounded"}
    assert all(v.value is None for v in model.stock.values())


def test_badly_scaled_costs_are_reported_as_warnings() -> None:
    data = toys.make_data(
        (2025, 2025),
        {
            "demand": toys.flat_demand((2025, 2025), 100.0),
            "import_price": {("Cu", "refined", "World"): 1e-7},
            "unmet_demand_penalty": {("Cu",): 1e5},
        },
    )
    outcome = solve(build_model(data))
    assert any("cost range" in w for w in outcome.warnings)


def test_a_profile_can_switch_to_another_above_a_number_of_columns(tmp_path) -> None:
    """``large_columns``/``large_profile`` are msc's keys: above N columns the named
    profile's options are used (and HiGHS never sees the two keys)."""
    switching = tmp_path / "switch.txt"
    switching.write_text("solver = simplex\nlarge_columns = 0\nlarge_profile = ipm\n")
    assert "large_columns" not in load_profile(switching)
    data = toys.dependence_cap()
    outcome = solve(build_model(data), switching)
    assert outcome.profile == "ipm"
    assert outcome.options["solver"] == "ipm"
    assert outcome.iterations["ipm_iteration_count"] > 0
    staying = tmp_path / "stay.txt"
    staying.write_text("solver = simplex\nlarge_columns = 1000000\nlarge_profile = ipm\n")
    assert solve(build_model(data), staying).objective == pytest.approx(outcome.objective)


def test_profiles_with_different_thread_counts_solve_one_after_the_other(tmp_path: Path) -> None:
    """HiGHS keeps one thread scheduler per process, sized by the first run: a later run
    asking for another count ended with an "error" status (seen as 'ipm' then 'default'
    in one session). Two threads, one, two again: each run is optimal, with one answer."""
    two = tmp_path / "two.txt"
    two.write_text("solver = simplex\npresolve = on\nthreads = 2\n")
    objectives = [
        solve(build_model(toys.recycling_loop()), profile).objective
        for profile in (two, "default", two)
    ]
    assert objectives == pytest.approx([objectives[0]] * 3, rel=1e-9)
