"""The shock library: what a supply shock hits, and applying shocks to :class:`ModelData`.

A shock is one or more rows of the ``shocks`` sheet that share a name. Applying shocks
returns a new ModelData whose :class:`~msc_model.data.Disruption` holds the year-specific
changes; ``build_model`` reads them (``model.trade``, ``model.capacity``) and
:func:`msc_model.resilience.model.build_shocked_model` adds the rest (price factors and the
release of peacetime rules in shock years). Semantics, per kind:

``import_cut``
    The availability of each matching import option (metal, form, origin; blank = all) is
    cut by ``share`` in the shock years: ``availability · (1 − share)``. With a ``region``
    only the imports landing in that entry region are cut (``import_entry_limit``). An
    option without ``import_availability`` (unlimited) can only be cut by 100 %.
``corridor_cut``
    The capacity of the corridor(s) between ``region`` and ``region_to`` (one ``mode`` or
    all) falls by ``share``, in both directions.
``capacity_outage``
    ``share`` of the capacity of the matching plants (metal, process; blank = all) in
    ``region`` is out of service: ``activity ≤ availability · (1 − share) · capacity``.
``price_multiplier``
    The import price of the matching options is multiplied by ``multiplier``.

Several shocks on the same thing compound: two cuts of 50 % leave 25 %.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from msc_model.data import Disruption, ModelData
from msc_model.errors import InputError, Problem, did_you_mean

IMPORT_CUT = "import_cut"
CORRIDOR_CUT = "corridor_cut"
CAPACITY_OUTAGE = "capacity_outage"
PRICE_MULTIPLIER = "price_multiplier"


@dataclass(frozen=True)
class Shock:
    """One row of the ``shocks`` sheet: what is hit, by how much, in which years.

    ``None`` in a filter column (metal, form, origin, mode, process; region for imports)
    means "every member". ``cell`` is the row's provenance ("shocks!A5").
    """

    name: str
    kind: str
    first_year: int
    last_year: int
    metal: str | None = None
    form: str | None = None
    origin: str | None = None
    region: str | None = None
    region_to: str | None = None
    mode: str | None = None
    process: str | None = None
    share: float = 0.0
    multiplier: float = 1.0
    source: str = ""
    note: str = ""
    cell: str = ""

    @property
    def years(self) -> range:
        return range(self.first_year, self.last_year + 1)

    def describe(self) -> str:
        """A short phrase for reports: "import_cut 30 % Fe ore Australia 2030-2031"."""
        what = " ".join(x for x in (self.metal, self.form, self.origin, self.process) if x)
        what = what or ("all imports" if self.kind == IMPORT_CUT else "all")
        if self.kind == CORRIDOR_CUT:
            what = f"{self.region}-{self.region_to} {self.mode or 'all modes'}"
        elif self.region:
            what += f" {'via' if self.kind == IMPORT_CUT else 'in'} {self.region}"
        size = f"x{self.multiplier:g}" if self.kind == PRICE_MULTIPLIER else f"{self.share:.0%}"
        span = f"{self.first_year}" + (
            f"-{self.last_year}" if self.last_year != self.first_year else ""
        )
        return f"{self.kind} {size} {what} {span}"


@dataclass(frozen=True)
class ShockScenario:
    """One scenario of the ``shock_scenarios`` sheet: shock names and a probability."""

    name: str
    shocks: tuple[str, ...]  # empty: a scenario without shocks
    probability: float
    cell: str = ""


# -- the library --------------------------------------------------------------------------


def library(data: ModelData) -> dict[str, tuple[Shock, ...]]:
    """Every named shock of the case, in sheet order: name → its rows."""
    out: dict[str, list[Shock]] = {}
    for shock in data.shocks:
        out.setdefault(shock.name, []).append(shock)
    return {name: tuple(rows) for name, rows in out.items()}


def select(data: ModelData, names: Iterable[str] | None = None) -> dict[str, tuple[Shock, ...]]:
    """The named shocks (all of the library when ``names`` is None or empty).

    Raises
    ------
    InputError
        For a name that is not in the library (with a "did you mean" hint).
    """
    shocks = library(data)
    names = list(names or shocks)
    known = "names: " + ", ".join(shocks) if shocks else "the shocks sheet is empty"
    problems = [
        Problem("shocks", "", f"no shock named '{n}'", "a shock of the library",
                did_you_mean(n, shocks) or known)
        for n in names
        if n not in shocks
    ]  # fmt: skip
    if problems:
        raise InputError(problems, data.source)
    return {n: shocks[n] for n in names}


def scenario_shocks(data: ModelData, scenario: ShockScenario) -> tuple[Shock, ...]:
    """The shock rows of a scenario, in library order."""
    shocks = library(data)
    return tuple(row for name in scenario.shocks for row in shocks[name])


def first_year(shocks: Sequence[Shock]) -> int | None:
    """The year the earliest shock starts (None without shocks)."""
    return min((s.first_year for s in shocks), default=None)


def shock_years(shocks: Sequence[Shock]) -> frozenset[int]:
    return frozenset(t for s in shocks for t in s.years)


def released(shocks: Sequence[Shock], metals: Sequence[str]) -> frozenset[tuple[str, int]]:
    """(metal, year) pairs a shock hits: a metal's own shocks, and shocks of every metal
    (a blank metal, a corridor) in their years."""
    return frozenset(
        (metal, t)
        for s in shocks
        for metal in (metals if s.metal is None or s.kind == CORRIDOR_CUT else (s.metal,))
        for t in s.years
    )


# -- what a shock hits (plain inputs, so the reader can check before ModelData exists) ------


def entry_regions(origin: str, origin_entry: Mapping[str, str], sea_ports, land_corridors) -> set:
    """Regions where imports from ``origin`` can land."""
    return set(sea_ports if origin_entry.get(origin) == "sea" else land_corridors)


def import_options(
    shock: Shock,
    options: Iterable[tuple[str, str, str]],
    origin_entry: Mapping[str, str],
    sea_ports: Iterable[str],
    land_corridors: Iterable[str],
) -> list[tuple[str, str, str]]:
    """Import options (metal, form, origin) a cut or price shock hits; with a ``region``,
    only options whose origin can land there."""
    sea, land = set(sea_ports), set(land_corridors)
    return [
        (m, k, o)
        for (m, k, o) in sorted(options)
        if shock.metal in (None, m)
        and shock.form in (None, k)
        and shock.origin in (None, o)
        and (shock.region is None or shock.region in entry_regions(o, origin_entry, sea, land))
    ]


def corridor_rows(shock: Shock, rows: Iterable[tuple[str, str, str]]) -> list[tuple[str, str, str]]:
    """Corridor rows (region_from, region_to, mode) between the shock's two regions."""
    ends = {shock.region, shock.region_to}
    return sorted(
        {(a, b, mode) for (a, b, mode) in rows if {a, b} == ends and shock.mode in (None, mode)}
    )


# -- applying shocks ----------------------------------------------------------------------


def apply_shocks(data: ModelData, shocks: Sequence[Shock]) -> ModelData:
    """A copy of ``data`` with the shocks' year-specific changes in ``data.disruption``.

    Shocks already applied to ``data`` are kept (applying twice compounds). Years outside
    the horizon are ignored.

    Raises
    ------
    InputError
        A partial cut of something unlimited (an import option without availability or a
        corridor without capacity): there is nothing to take a share of.
    """
    if not shocks:
        return data
    years = set(data.years) or set(range(data.base_year, data.final_year + 1))
    old = data.disruption
    avail = dict(old.import_availability)
    entry = dict(old.entry_availability)
    corridor = dict(old.corridor_capacity)
    outage = dict(old.outage)
    price = dict(old.import_price_factor)
    problems: list[Problem] = []
    options = list(data.table("import_price"))
    ports = (data.origin_entry, data.sea_ports, data.land_corridors)

    def available(row, t):
        value = avail.get((*row, t))
        return value if value is not None else data.get("import_availability", row)

    # origin-wide cuts first, so that a cut at an entry region compounds with them
    ordered = sorted(shocks, key=lambda s: s.kind != IMPORT_CUT or s.region is not None)
    for shock in ordered:
        active = [t for t in shock.years if t in years]
        if shock.kind == IMPORT_CUT:
            for row in import_options(shock, options, *ports):
                for t in active:
                    base = available(row, t)
                    if base is None and shock.share < 1.0:
                        problems.append(_unlimited(shock, f"imports of {' '.join(row)}"))
                        break
                    base = base or 0.0
                    if shock.region is None:
                        avail[(*row, t)] = base * (1.0 - shock.share)
                    else:  # landing in one region: limit that arc, from what is left
                        key = (*row, shock.region, t)
                        left = min(entry.get(key, base), base)
                        entry[key] = left * (1.0 - shock.share)
        elif shock.kind == CORRIDOR_CUT:
            rows = set(data.table("distance")) | set(data.table("corridor_capacity"))
            for a, b, mode in corridor_rows(shock, rows):
                for arc in ((a, b, mode), (b, a, mode)):
                    for t in active:
                        base = corridor.get((*arc, t), _corridor(data, arc))
                        if base is None and shock.share < 1.0:
                            problems.append(_unlimited(shock, f"corridor {a}-{b} ({mode})"))
                            break
                        corridor[(*arc, t)] = (base or 0.0) * (1.0 - shock.share)
        elif shock.kind == CAPACITY_OUTAGE:
            for metal in data.metals if shock.metal is None else (shock.metal,):
                for p in data.processes if shock.process is None else (shock.process,):
                    for t in active:
                        key = (metal, p, shock.region, t)
                        outage[key] = 1.0 - (1.0 - outage.get(key, 0.0)) * (1.0 - shock.share)
        elif shock.kind == PRICE_MULTIPLIER:
            for row in import_options(shock, options, *ports):
                for t in active:
                    price[(*row, t)] = price.get((*row, t), 1.0) * shock.multiplier
        else:
            problems.append(
                Problem("shocks", shock.cell, f"kind '{shock.kind}'", "a known shock kind")
            )
    if problems:
        raise InputError(problems, data.source)
    disruption = Disruption(
        import_availability=avail,
        entry_availability=entry,
        corridor_capacity=corridor,
        outage=outage,
        import_price_factor=price,
        released=old.released | {(m, t) for m, t in released(shocks, data.metals) if t in years},
    )
    return dataclasses.replace(data, disruption=disruption)


def _corridor(data: ModelData, arc: tuple[str, str, str]) -> float | None:
    table = data.table("corridor_capacity")
    return table.get(arc, table.get((arc[1], arc[0], arc[2])))


def _unlimited(shock: Shock, what: str) -> Problem:
    return Problem(
        "shocks",
        shock.cell.split("!", 1)[-1],
        f"a {shock.share:.0%} cut of {what}, which has no limit",
        "a limit to cut (import_availability or corridor_capacity) or a 100 % cut",
        f"shock '{shock.name}'",
    )
