"""Sparse index sets and incidence lists, computed once from :class:`ModelData`.

Every later family reads the plain-Python :class:`Incidence` stored on the model as
``m.incidence`` instead of filtering dense products inside rules: only plants that can
exist, import arcs that an origin's entry type allows, corridors that are in the workbook
(both directions) and years in which a build is possible get variables.

The helpers here (:func:`counted_forms`, :func:`dependence_targets`, :func:`crf`,
:func:`discount_factors`) hold no Pyomo objects, so ``indicators`` reuses them to compute
the same quantities from results.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from dataclasses import dataclass, field

import pyomo.core as pyo

from msc_model.data import ModelData
from msc_model.errors import InputError


@dataclass
class Incidence:
    """Index lists the constraint families share (plain Python, no Pyomo objects)."""

    years: list[int]
    base_year: int
    final_year: int
    policy_years: list[int]  # years >= policy_start_year, where security constraints apply
    discount: dict[int, float]  # DF[t]
    plants: list[tuple[str, str, str]]  # (metal, process, region) that can ever have capacity
    residual: dict[tuple[str, str, str, int], float]  # (m, p, r, t) -> kt/yr in service
    builds: dict[tuple[str, str, str], list[int]]  # plant -> years a build can first produce
    import_arcs: list[tuple[str, str, str, str]]  # (metal, form, origin, region)
    imports_into: dict[tuple[str, str, str], list[str]]  # (m, k, r) -> origins
    exports: list[tuple[str, str, str, int]]  # (metal, form, region, year), demand > 0 only
    exports_from: dict[tuple[str, str, int], list[str]]  # (m, k, t) -> entry regions
    corridors: list[tuple[str, str, str]]  # directed (region_from, region_to, mode)
    ship_in: dict[str, list[tuple[str, str, str]]]  # region -> directed corridors into it
    ship_out: dict[str, list[tuple[str, str, str]]]  # region -> directed corridors out of it
    end_of_life: dict[tuple[str, str, int], float]  # (m, r, t) -> kt/yr were all demand met, > 0
    eol_history: dict[tuple[str, str, int], float]  # the part from pre-base-year demand, > 0
    kernels: dict[str, dict[int, float]]  # metal -> age -> share reaching end of life
    storage_builds: list[tuple[str, str, int]]  # (metal, region, year) new storage possible
    counted: dict[str, tuple[str, ...]] = field(default_factory=dict)  # metal -> K_m
    targets: dict[tuple[str, int], float] = field(default_factory=dict)  # (m, t) capped

    def has_plant(self, metal: str, process: str, region: str) -> bool:
        return (metal, process, region) in self._plant_set

    def __post_init__(self) -> None:
        self._plant_set = set(self.plants)


def model_years(data: ModelData) -> list[int]:
    """Model years base_year … final_year (history years of demand are not model years)."""
    return list(range(data.base_year, data.final_year + 1))


def discount_factors(data: ModelData) -> dict[int, float]:
    """``DF[t] = (1 + discount_rate)^-(t - base_year)``."""
    rate = data.get("discount_rate", ())
    return {t: (1.0 + rate) ** -(t - data.base_year) for t in model_years(data)}


def crf(rate: float, lifetime: float) -> float:
    """Capital recovery factor: the annuity that repays one unit over ``lifetime`` years."""
    if rate == 0.0:
        return 1.0 / lifetime
    return rate / (1.0 - (1.0 + rate) ** -lifetime)


def counted_forms(data: ModelData, metal: str) -> tuple[str, ...]:
    """Forms whose net imports count in ``metal``'s dependence: those flagged yes; a metal
    with no ``dependence_definition`` rows at all counts every form."""
    flags = {k: v for (mm, k), v in data.table("dependence_counted").items() if mm == metal}
    if not flags:
        return tuple(data.forms)
    return tuple(k for k in data.forms if flags.get(k))


def dependence_targets(data: ModelData) -> dict[tuple[str, int], float]:
    """Cap per (metal, year) for policy years: linear between given years, held after the
    last, absent before the first (so a metal without targets is never capped)."""
    given: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for (metal, year), value in data.table("dependence_target").items():
        given[metal].append((int(year), float(value)))
    out: dict[tuple[str, int], float] = {}
    for metal, points in given.items():
        points.sort()
        for t in model_years(data):
            if t < data.policy_start_year or t < points[0][0]:
                continue
            out[metal, t] = _interpolate(points, t)
    return out


def outlook(data: ModelData, name: str) -> dict[tuple[str, str, int], float]:
    """(metal, form, year) → the ``import_outlook`` index ``name`` (``price_index`` or
    ``availability_index``) of every model year for the (metal, form) pairs that have
    one: linear between given years, held before the first and after the last."""
    given: dict[tuple[str, str], list[tuple[int, float]]] = defaultdict(list)
    for (metal, form, year), value in data.table(name).items():
        given[metal, form].append((int(year), float(value)))
    out: dict[tuple[str, str, int], float] = {}
    for (metal, form), points in given.items():
        points.sort()
        for t in model_years(data):
            out[metal, form, t] = points[0][1] if t < points[0][0] else _interpolate(points, t)
    return out


def _interpolate(points: list[tuple[int, float]], year: int) -> float:
    """Linear interpolation in sorted (year, value) points; held flat after the last."""
    if year >= points[-1][0]:
        return points[-1][1]
    for (y0, v0), (y1, v1) in itertools.pairwise(points):
        if y0 <= year <= y1:
            return v0 + (v1 - v0) * (year - y0) / (y1 - y0)
    return points[0][1]


def _entry_regions(data: ModelData, origin: str) -> list[str]:
    """Regions that can receive imports from ``origin``: sea ports or land corridors."""
    ports = data.sea_ports if data.origin_entry.get(origin) == "sea" else data.land_corridors
    return [r for r in data.regions if r in ports]


def _directed_corridors(data: ModelData) -> list[tuple[str, str, str]]:
    """Each corridor row in both directions, once (a row given both ways stays once each)."""
    rows = set(data.table("distance")) | set(data.table("corridor_capacity"))
    directed: dict[tuple[str, str, str], None] = {}
    for a, b, mode in sorted(rows):
        if a != b:
            directed[a, b, mode] = None
            directed[b, a, mode] = None
    return list(directed)


def corridor_value(data: ModelData, name: str, arc: tuple[str, str, str]) -> float | None:
    """A corridor parameter for a directed arc: its own row, else the reverse row's."""
    table = data.table(name)
    if arc in table:
        return table[arc]
    return table.get((arc[1], arc[0], arc[2]))


def build_incidence(data: ModelData) -> Incidence:
    """Compute every sparse index and incidence list the families need."""
    # lazy: recycling imports this module
    from msc_model.model.recycling import end_of_life, lifetime_kernels

    years = model_years(data)
    base, final = data.base_year, data.final_year

    residual: dict[tuple[str, str, str, int], float] = {}
    for v in data.vintages:
        for t in years:
            if v.in_service(t):
                key = (v.metal, v.process, v.region, t)
                residual[key] = residual.get(key, 0.0) + v.capacity

    plants: list[tuple[str, str, str]] = []
    builds: dict[tuple[str, str, str], list[int]] = {}
    for metal in data.metals:
        for process in data.processes:
            first = base + math.ceil(data.get("lead_time", (metal, process)))
            for region in data.regions:
                key = (metal, process, region)
                # a zero limit means "cannot host": no build variable at all (sparsity)
                buildable = data.get("max_capacity", key) != 0 and data.get("max_build", key) != 0
                build_years = [t for t in years if t >= first] if buildable else []
                has_residual = any(residual.get((*key, t), 0.0) > 0 for t in years)
                if build_years or has_residual:
                    plants.append(key)
                    builds[key] = build_years

    import_arcs = [
        (metal, form, origin, region)
        for (metal, form, origin) in sorted(data.table("import_price"))
        if metal in data.metals and origin in data.origin_entry
        for region in _entry_regions(data, origin)
    ]
    imports_into: dict[tuple[str, str, str], list[str]] = defaultdict(list)
    for metal, form, origin, region in import_arcs:
        imports_into[metal, form, region].append(origin)

    entry = [r for r in data.regions if r in data.sea_ports or r in data.land_corridors]
    exports, exports_from = [], {}
    for (metal, form, t), value in sorted(data.table("export_demand").items()):
        if value > 0 and t in years and metal in data.metals:
            if not entry:
                raise InputError(
                    f"export_demand for {metal} {form} {t} but no region is a sea port or "
                    "land corridor to export from"
                )
            exports += [(metal, form, r, t) for r in entry]
            exports_from[metal, form, t] = entry

    corridors = _directed_corridors(data)
    ship_in: dict[str, list] = defaultdict(list)
    ship_out: dict[str, list] = defaultdict(list)
    for arc in corridors:
        ship_out[arc[0]].append(arc)
        ship_in[arc[1]].append(arc)

    storage_builds = [
        (metal, region, t)
        for metal in data.metals
        for region in data.regions
        if data.get("max_storage", (metal, region)) != 0
        for t in years
        if t >= base + 1
    ]

    return Incidence(
        years=years,
        base_year=base,
        final_year=final,
        policy_years=[t for t in years if t >= data.policy_start_year],
        discount=discount_factors(data),
        plants=plants,
        residual=residual,
        builds=builds,
        import_arcs=import_arcs,
        imports_into=dict(imports_into),
        exports=exports,
        exports_from=exports_from,
        corridors=corridors,
        ship_in=dict(ship_in),
        ship_out=dict(ship_out),
        end_of_life={k: v for k, v in end_of_life(data).items() if v > 0},
        eol_history={k: v for k, v in end_of_life(data, before=base).items() if v > 0},
        kernels=lifetime_kernels(data),
        storage_builds=storage_builds,
        counted={metal: counted_forms(data, metal) for metal in data.metals},
        targets=dependence_targets(data),
    )


def add_sets(m: pyo.ConcreteModel, data: ModelData) -> Incidence:
    """Declare the index sets on ``m`` and store the incidence lists as ``m.incidence``.

    ===================  ===========================================  ====================
    set                  members                                      sparse because
    ===================  ===========================================  ====================
    ``METALS`` …         metals, forms, processes, regions, years     —
    ``PLANTS``           (metal, process, region)                     only buildable/existing
    ``BUILDS``           (metal, process, region, year)               lead time, limits
    ``IMPORT_ARCS``      (metal, form, origin, region)                entry type of origin
    ``CORRIDORS``        (region_from, region_to, mode), directed     workbook rows only
    ``EXPORTS``          (metal, form, region, year)                  export_demand > 0
    ``COLLECTION``       (metal, region, year)                        scrap could arise
    ``STORAGE_BUILDS``   (metal, region, year)                        from base_year + 1
    ===================  ===========================================  ====================
    """
    inc = build_incidence(data)
    m.incidence = inc  # plain attribute (not a component): read by every add_<family>
    m.METALS = pyo.Set(initialize=data.metals, ordered=True)
    m.FORMS = pyo.Set(initialize=data.forms, ordered=True)
    m.PROCESSES = pyo.Set(initialize=data.processes, ordered=True)
    m.REGIONS = pyo.Set(initialize=data.regions, ordered=True)
    m.ORIGINS = pyo.Set(initialize=data.origins, ordered=True)
    m.MODES = pyo.Set(initialize=data.modes, ordered=True)
    m.YEARS = pyo.Set(initialize=inc.years, ordered=True)
    m.POLICY_YEARS = pyo.Set(initialize=inc.policy_years, ordered=True)
    m.PLANTS = pyo.Set(initialize=inc.plants, dimen=3, ordered=True)
    m.BUILDS = pyo.Set(
        initialize=[(*k, t) for k, ts in inc.builds.items() for t in ts], dimen=4, ordered=True
    )
    m.IMPORT_ARCS = pyo.Set(initialize=inc.import_arcs, dimen=4, ordered=True)
    m.CORRIDORS = pyo.Set(initialize=inc.corridors, dimen=3, ordered=True)
    m.EXPORTS = pyo.Set(initialize=inc.exports, dimen=4, ordered=True)
    m.COLLECTION = pyo.Set(initialize=list(inc.end_of_life), dimen=3, ordered=True)
    m.STORAGE_BUILDS = pyo.Set(initialize=inc.storage_builds, dimen=3, ordered=True)
    return inc


#: technology parameters kept as mutable Params (metal, process): a modeller sweeps them
#: and they re-solve the built model instead of rebuilding it
SWEPT_TECHNOLOGY = {
    "capex": "investment per unit of output capacity, MUSD/(kt/yr)",
    "fixed_opex": "fixed O&M, MUSD/(kt/yr)/yr",
    "variable_opex": "variable cost per unit of output, MUSD/kt",
    "process_yield": "output per unit of input, metal content",
}


def add_parameters(m: pyo.ConcreteModel, data: ModelData) -> None:
    """Mutable Params that sweeps change between solves without rebuilding.

    ``demand`` (read by the product balance, the reserve minimum and end-of-life scrap)
    and the technology parameters of :data:`SWEPT_TECHNOLOGY` (shared by several
    families) live here; ``import_price``, ``dependence_target``, ``max_collection_rate``
    and ``eol_history`` are declared by the family that uses them. Everything else is a
    plain float (faster to build).

    =====================  =================  ===========
    symbol                 component          unit
    =====================  =================  ===========
    demand[m,r,t]          ``demand``         kt/yr
    capex[m,p]             ``capex``          MUSD/(kt/yr)
    fixed_opex[m,p]        ``fixed_opex``     MUSD/(kt/yr)/yr
    variable_opex[m,p]     ``variable_opex``  MUSD/kt
    y_p[m,p]               ``process_yield``  —
    =====================  =================  ===========

    ``end_of_life`` follows the demand met from the base year on (see ``recycling``), so a
    sweep that changes model-year demand re-solves the built model.
    """
    plant_keys = [(metal, p) for metal in data.metals for p in data.processes]
    for name, doc in SWEPT_TECHNOLOGY.items():
        m.add_component(
            name,
            pyo.Param(
                pyo.Set(initialize=plant_keys, dimen=2, ordered=True),
                initialize={k: data.get(name, k) for k in plant_keys},
                mutable=True,
                doc=doc,
            ),
        )
    keys = [(metal, r, t) for metal in data.metals for r in data.regions for t in m.incidence.years]
    m.demand = pyo.Param(
        keys,
        initialize={k: data.get("demand", k, 0.0) for k in keys},
        mutable=True,
        doc="final demand for products, kt/yr",
    )
