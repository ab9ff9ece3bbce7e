"""End-of-life scrap and its collection.

``end_of_life[m,r,t] = Σ_e end_use_share[m,e] · Σ_{a ≥ 1} consumed[m,r,t−a] · f_e(a)``

with ``f_e`` the discretised normal product lifetime (:func:`lifetime_kernel`).
Consumption before the base year is the workbook's demand history (interpolated linearly
between given years, zero before the first: :func:`demand_path`), computed here in plain
Python; from the base year on it is met demand, ``demand − unmet_demand``, a linear
expression inside the LP (:func:`add_collection`), so demand left unmet yields no scrap.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict

import pyomo.core as pyo
from pyomo.core.expr.numeric_expr import LinearExpression
from pyomo.core.util import quicksum

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


def lifetime_kernels(data: ModelData) -> dict[str, dict[int, float]]:
    """Metal → ``Σ_e end_use_share[m,e] · f_e(a)`` by age ``a``: the end uses of a metal
    mixed into one kernel (a metal without end uses has none: no end-of-life scrap)."""
    kernels: dict[str, dict[int, float]] = defaultdict(lambda: defaultdict(float))
    for (metal, end_use), share in data.table("end_use_share").items():
        mean = data.get("lifetime_mean", (metal, end_use))
        sd = data.get("lifetime_sd", (metal, end_use)) or 0.0
        if mean is None or not share:
            continue
        for a, f in lifetime_kernel(mean, sd).items():
            kernels[metal][a] += share * f
    return {metal: dict(k) for metal, k in kernels.items()}


def end_of_life(data: ModelData, *, before: int | None = None) -> dict[tuple[str, str, int], float]:
    """End-of-life scrap arising per metal, region and model year (kt/yr) were all demand
    met.

    Parameters
    ----------
    data
        Uses ``demand`` (history and model years), ``end_use_share``, ``lifetime_mean`` and
        ``lifetime_sd``. A metal without end uses produces no end-of-life scrap.
    before
        Count only the demand of years before this one (the base year: the history that
        the model takes as data; later years enter the LP as met demand).

    Returns
    -------
    dict
        ``(metal, region, year)`` → kt/yr for every model year (zeros included).
    """
    kernels = lifetime_kernels(data)
    out: dict[tuple[str, str, int], float] = {}
    years = range(data.base_year, data.final_year + 1)
    for metal in data.metals:
        kernel = kernels.get(metal, {})
        for region in data.regions:
            path = demand_path(data, metal, region) if kernel else {}
            if before is not None:
                path = {t: v for t, v in path.items() if t < before}
            for t in years:
                out[metal, region, t] = sum(path.get(t - a, 0.0) * f for a, f in kernel.items())
    return out


def add_recycling(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Scrap collection variables (their limits need met demand: :func:`add_collection`).

    Only (m, r, t) whose end-of-life scrap would be > 0 were all demand met get a
    variable; ``collected_scrap ≤ end_of_life`` from all demand is its bound (a valid
    bound, since met demand is at most demand).

    ======================  ==========================  =======
    symbol                  component                   unit
    ======================  ==========================  =======
    collected[m,r,t]        ``collected_scrap``         kt/yr
    ======================  ==========================  =======
    """
    eol = m.incidence.end_of_life
    m.collected_scrap = pyo.Var(
        m.COLLECTION,
        bounds=lambda _m, metal, region, t: (0.0, eol[metal, region, t]),
        doc="collected old scrap, kt/yr",
    )


def add_collection(m: pyo.ConcreteModel, data: ModelData) -> None:
    """End-of-life scrap from what was consumed, and the collection limit.

    ``end_of_life[m,r,t] + Σ_{a ≥ 1, t − a ≥ base} f_m(a) · unmet_demand[m,r,t−a]
    = history[m,r,t] + Σ_{a ≥ 1, t − a ≥ base} f_m(a) · demand[m,r,t−a]``
    (``end_of_life_arising``): end-of-life scrap is a variable fixed by this row, linear
    in ``unmet_demand``, so demand left unmet yields no scrap later; ``history`` is the
    scrap from the consumption of years before the base year (data). The collection rows
    (here and in ``supply``) name the variable, one entry each, instead of repeating the
    ~15 lifetime terms in each of them: at provincial size that drops 85k of the LP's
    735k entries, and HiGHS solves it about a fifth faster (same optimum).

    ``collected_scrap[m,r,t] ≤ max_collection_rate[m] · end_of_life[m,r,t]``
    (``collection_limit``; for metals with collection cost steps the steps' rows in
    ``supply`` take its place). Collection at the base rate is free: its cost lies in the
    recycling plant's costs.

    ``demand``, ``eol_history`` (from the demand history) and ``max_collection_rate`` are
    mutable Params: a sweep over demand or the collection rate re-solves the built model.

    ======================  ===============================  =======
    symbol                  component                        unit
    ======================  ===============================  =======
    end_of_life[m,r,t]      ``end_of_life``                  kt/yr
    history[m,r,t]          ``eol_history`` (mutable)        kt/yr
    max_collection_rate[m]  ``max_collection_rate`` (mut.)   —
    ======================  ===============================  =======
    """
    inc = m.incidence
    kernels = inc.kernels
    base = inc.base_year
    m.max_collection_rate = pyo.Param(
        m.METALS,
        initialize={metal: data.get("max_collection_rate", (metal,)) for metal in data.metals},
        mutable=True,
        doc="collectable share of end-of-life scrap",
    )

    m.eol_history = pyo.Param(
        m.COLLECTION,
        initialize={k: inc.eol_history.get(k, 0.0) for k in m.COLLECTION},
        mutable=True,
        doc="end-of-life scrap from consumption before the base year, kt/yr",
    )

    m.end_of_life = pyo.Var(m.COLLECTION, doc="end-of-life scrap arising, kt/yr")

    def arising(_m, metal, region, t):
        # the variables flat on the left (float coefficients), the mutable Params right
        ages = [(a, f) for a, f in kernels.get(metal, {}).items() if t - a >= base]
        body = LinearExpression(
            linear_coefs=[1.0] + [f for _a, f in ages],
            linear_vars=[m.end_of_life[metal, region, t]]
            + [m.unmet_demand[metal, region, t - a] for a, _f in ages],
        )
        met = m.eol_history[metal, region, t] + quicksum(
            f * m.demand[metal, region, t - a] for a, f in ages
        )
        return body == met

    m.end_of_life_arising = pyo.Constraint(m.COLLECTION, rule=arising)
    stepped = {metal for metal, _tier in data.table("tier_share")}
    m.collection_limit = pyo.Constraint(
        [k for k in m.COLLECTION if k[0] not in stepped],
        rule=lambda _m, metal, r, t: (
            m.collected_scrap[metal, r, t]
            <= m.max_collection_rate[metal] * m.end_of_life[metal, r, t]
        ),
    )
