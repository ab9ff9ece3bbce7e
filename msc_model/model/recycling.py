"""End-of-life scrap (pre-computed) and the collection variables.

End-of-life scrap depends only on demand, an input, so it is computed here in plain Python
before the model is built and the LP stays linear:

``end_of_life[m,r,t] = Σ_e end_use_share[m,e] · Σ_{a ≥ 1} demand[m,r,t−a] · f_e(a)``

with ``f_e`` the discretised normal product lifetime (:func:`lifetime_kernel`). Demand
between given history years is interpolated linearly and is zero before the first given
year (:func:`demand_path`).
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict

import pyomo.core as pyo

from msc_model.data import ModelData


def lifetime_kernel(mean: float, sd: float) -> dict[int, float]:
    """Share of a year's demand that reaches end of life ``a`` years later.

    ``f(a) = Φ((a + ½ − μ)/σ) − Φ((a − ½ − μ)/σ)`` for ``a = 1 … ceil(μ + 4σ)``, normalised
    to sum to one (mass that would fall at ``a ≤ 0`` is redistributed, so no demand is lost).
    ``σ = 0`` puts everything at ``round(μ)`` (halves round up), at least one year.

    Parameters
    ----------
    mean, sd
        Mean and standard deviation of the product lifetime, years.

    Returns
    -------
    dict
        Age ``a`` (years) → share; the shares sum to 1.
    """
    if sd <= 0.0:
        return {max(1, math.floor(mean + 0.5)): 1.0}
    horizon = max(1, math.ceil(mean + 4.0 * sd))

    def phi(x: float) -> float:
        return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))

    raw = {
        a: phi((a + 0.5 - mean) / sd) - phi((a - 0.5 - mean) / sd) for a in range(1, horizon + 1)
    }
    total = sum(raw.values())
    if total <= 0.0:  # all mass at a <= 0 (tiny μ, tiny σ): retire after one year
        return {1: 1.0}
    return {a: v / total for a, v in raw.items()}


def demand_path(data: ModelData, metal: str, region: str) -> dict[int, float]:
    """Demand of every year from the first given one to the final year, interpolated.

    Years before the first given year are absent (zero demand, per the formulation).
    """
    points = sorted(
        (int(t), v)
        for (mm, rr, t), v in data.table("demand").items()
        if (mm, rr) == (metal, region)
    )
    path: dict[int, float] = {}
    for (y0, v0), (y1, v1) in itertools.pairwise(points):
        for t in range(y0, y1):
            path[t] = v0 + (v1 - v0) * (t - y0) / (y1 - y0)
    if points:
        path[points[-1][0]] = points[-1][1]
    return path


def end_of_life(data: ModelData) -> dict[tuple[str, str, int], float]:
    """End-of-life scrap arising per metal, region and model year (kt/yr).

    Parameters
    ----------
    data
        Uses ``demand`` (history and model years), ``end_use_share``, ``lifetime_mean`` and
        ``lifetime_sd``. A metal without end uses produces no end-of-life scrap.

    Returns
    -------
    dict
        ``(metal, region, year)`` → kt/yr for every model year (zeros included).
    """
    kernels: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    for (metal, end_use), share in data.table("end_use_share").items():
        mean = data.get("lifetime_mean", (metal, end_use))
        sd = data.get("lifetime_sd", (metal, end_use)) or 0.0
        if mean is None or not share:
            continue
        # end uses of a metal mix into one kernel: Σ_e share_e · f_e(a)
        for a, f in lifetime_kernel(mean, sd).items():
            kernels[metal][a] += share * f
    out: dict[tuple[str, str, int], float] = {}
    years = range(data.base_year, data.final_year + 1)
    for metal in data.metals:
        kernel = kernels.get(metal, {})
        for region in data.regions:
            path = demand_path(data, metal, region) if kernel else {}
            for t in years:
                out[metal, region, t] = sum(path.get(t - a, 0.0) * f for a, f in kernel.items())
    return out


def add_recycling(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Scrap collection, bounded by the collectable share of end-of-life scrap.

    ``0 ≤ collected_scrap[m,r,t] ≤ max_collection_rate[m] · end_of_life[m,r,t]``

    The limit is a variable bound (one per variable, so no extra row); a metal with
    collection cost steps (``collection_tiers``) is bounded by all of its end-of-life scrap
    here and by the base rate plus its steps in ``supply``. Only (m, r, t) with
    end-of-life scrap > 0 get a variable. Collection is free in the formulation: its cost
    lies in the recycling plant's costs.

    ======================  ==========================  =======
    symbol                  component                   unit
    ======================  ==========================  =======
    collected[m,r,t]        ``collected_scrap``         kt/yr
    end_of_life[m,r,t]      ``m.incidence.end_of_life``  kt/yr
    max_collection_rate[m]  (bound)                     —
    ======================  ==========================  =======
    """
    eol = m.incidence.end_of_life
    stepped = {metal for metal, _tier in data.table("tier_share")}

    def bounds(_m, metal, region, t):
        # with collection cost steps, the base rate is a row of ``supply`` and the bound
        # is everything that arises
        rate = 1.0 if metal in stepped else data.get("max_collection_rate", (metal,))
        return (0.0, rate * eol[metal, region, t])

    m.collected_scrap = pyo.Var(m.COLLECTION, bounds=bounds, doc="collected old scrap, kt/yr")
