"""Unit tests (no solver) of the product-lifetime kernel and end-of-life scrap."""

from __future__ import annotations

import math

import pytest
from toys import METAL, make_data

from msc_model.model.recycling import demand_path, end_of_life, lifetime_kernel, lifetime_kernels


@pytest.mark.parametrize(
    ("mean", "sd"), [(1.0, 0.0), (7.3, 0.0), (10.0, 2.0), (0.6, 0.5), (30, 10)]
)
def test_kernel_sums_to_one(mean: float, sd: float) -> None:
    kernel = lifetime_kernel(mean, sd)
    assert sum(kernel.values()) == pytest.approx(1.0, abs=1e-12)
    assert min(kernel) >= 1
    assert max(kernel) <= max(1, math.ceil(mean + 4 * sd))


@pytest.mark.parametrize(("mean", "age"), [(2.0, 2), (2.5, 3), (2.49, 2), (0.5, 1), (7.6, 8)])
def test_zero_spread_puts_everything_at_rounded_mean(mean: float, age: int) -> None:
    """σ = 0: all demand returns at round(μ) (halves round up), at least one year."""
    assert lifetime_kernel(mean, 0.0) == {age: 1.0}


def test_normal_kernel_value_by_hand() -> None:
    """μ = 10, σ = 2: f(10) = Φ(0.25) − Φ(−0.25) = 0.197413, normalised over a = 1…18 by
    Φ(4.25) − Φ(−4.75) = 0.999988; ages symmetric about 10 get equal shares."""
    kernel = lifetime_kernel(10.0, 2.0)
    assert kernel[10] == pytest.approx(0.197413 / 0.999988, rel=1e-5)
    assert kernel[8] == pytest.approx(kernel[12], rel=1e-12)
    assert sum(a * f for a, f in kernel.items()) == pytest.approx(10.0, abs=1e-3)


def _case(demand: dict[int, float], end_uses: dict[str, tuple[float, float, float]]):
    """One region R, model years 2025–2027; end_uses: name → (share, mean, sd)."""
    return make_data(
        (2025, 2027),
        {
            "demand": {(METAL, "R", t): v for t, v in demand.items()},
            "end_use_share": {(METAL, e): s for e, (s, _, _) in end_uses.items()},
            "lifetime_mean": {(METAL, e): mu for e, (_, mu, _) in end_uses.items()},
            "lifetime_sd": {(METAL, e): sd for e, (_, _, sd) in end_uses.items()},
        },
    )


def test_history_is_interpolated_and_zero_before_first_year() -> None:
    """Given 2020: 100 and 2024: 140, the years between are 110, 120, 130; before 2020 there
    is no demand. Lifetime 3 (σ = 0): EoL 2025…2027 = D(2022…2024) = 120, 130, 140;
    lifetime 6: EoL 2025 = D(2019) = 0, 2026 = D(2020) = 100, 2027 = D(2021) = 110."""
    demand = {2020: 100.0, 2024: 140.0, 2025: 150.0, 2026: 150.0, 2027: 150.0}
    data = _case(demand, {"all": (1.0, 3.0, 0.0)})
    assert demand_path(data, METAL, "R")[2022] == pytest.approx(120.0)
    eol = end_of_life(data)
    assert [eol[METAL, "R", t] for t in (2025, 2026, 2027)] == pytest.approx([120, 130, 140])
    eol = end_of_life(_case(demand, {"all": (1.0, 6.0, 0.0)}))
    assert [eol[METAL, "R", t] for t in (2025, 2026, 2027)] == pytest.approx([0, 100, 110])


def test_end_uses_mix_by_share() -> None:
    """A quarter lives 1 year, three quarters 2 years: EoL 2026 = 0.25·D(2025) + 0.75·D(2024)
    = 0.25·200 + 0.75·100 = 125."""
    demand = {2024: 100.0, 2025: 200.0, 2026: 200.0, 2027: 200.0}
    eol = end_of_life(_case(demand, {"short": (0.25, 1.0, 0.0), "long": (0.75, 2.0, 0.0)}))
    assert eol[METAL, "R", 2026] == pytest.approx(125.0)


def test_steady_demand_returns_in_full() -> None:
    """Constant demand since long before the kernel's reach comes back one for one."""
    demand = {1950: 80.0, 2025: 80.0, 2026: 80.0, 2027: 80.0}
    eol = end_of_life(_case(demand, {"all": (1.0, 15.0, 4.0)}))
    assert eol[METAL, "R", 2027] == pytest.approx(80.0, rel=1e-12)


def test_no_end_uses_means_no_scrap() -> None:
    eol = end_of_life(make_data((2025, 2026), {"demand": {(METAL, "R", 2025): 5.0}}))
    assert set(eol.values()) == {0.0}


def test_the_kernel_runs_from_age_one_to_the_mean_plus_four_sd() -> None:
    """μ = 1, σ = 0.5: ages 1…3; the mass below ½ year (Φ(−1)) is spread over them.
    f(1) = (Φ(1) − Φ(−1)) / (Φ(5) − Φ(−1)) = 0.682689 / 0.841344."""
    kernel = lifetime_kernel(1.0, 0.5)
    assert sorted(kernel) == [1, 2, 3]
    assert kernel[1] == pytest.approx(0.682689 / 0.841344, rel=1e-5)
    assert kernel[2] == pytest.approx((0.998650 - 0.841345) / 0.841344, rel=1e-5)
    # μ + 4σ = 0.9: one age only
    assert lifetime_kernel(0.5, 0.1) == {1: 1.0}


def test_all_mass_before_age_one_retires_after_one_year() -> None:
    """μ = σ = 0.01: Φ at ages ½ and 1½ are both 1 in floating point, no mass falls at
    a ≥ 1; the demand is not lost but retires after one year."""
    assert lifetime_kernel(0.01, 0.01) == {1: 1.0}


def test_demand_path_interpolates_between_given_years_and_keeps_the_last() -> None:
    """Given 2020: 10, 2023: 40 and 2024: 0 (the last given year may be lower):
    10, 20, 30, 40, 0 — and nothing before 2020 or after 2024."""
    data = _case({2020: 10.0, 2023: 40.0, 2024: 0.0}, {"all": (1.0, 3.0, 0.0)})
    path = demand_path(data, METAL, "R")
    assert path == pytest.approx({2020: 10.0, 2021: 20.0, 2022: 30.0, 2023: 40.0, 2024: 0.0})
    one = demand_path(_case({2026: 7.0}, {"all": (1.0, 3.0, 0.0)}), METAL, "R")
    assert one == {2026: 7.0}


def test_end_uses_mix_their_own_spread_and_a_zero_share_adds_no_kernel() -> None:
    """Each end use brings its own kernel (σ from ``lifetime_sd``), weighted by its share;
    an end use with share 0 (listed first) is skipped without ending the loop, and a
    metal whose end uses all have share 0 has no kernel at all (no scrap variables)."""
    data = _case({2025: 1.0}, {"none": (0.0, 5.0, 1.0), "all": (1.0, 6.0, 1.5)})
    kernels = lifetime_kernels(data)
    assert kernels[METAL] == pytest.approx(lifetime_kernel(6.0, 1.5))
    assert lifetime_kernels(_case({2025: 1.0}, {"none": (0.0, 5.0, 1.0)})) == {}


def test_end_of_life_is_given_for_the_model_years_only() -> None:
    demand = {2020: 100.0, 2027: 100.0}
    eol = end_of_life(_case(demand, {"all": (1.0, 3.0, 1.0)}))
    assert sorted(eol) == [(METAL, "R", t) for t in (2025, 2026, 2027)]
