"""ModelData: the validated workbook in canonical units, as plain Python values.

Everything downstream of ``inputs`` (model, indicators, reports, scenarios) reads this
object only. Parameters are dictionaries keyed by index tuples in the catalogue's canonical
order (``params["demand"][("Cu", "East", 2030)]``); settings have the empty key ``()``.
Absent keys take the catalogue default (:meth:`ModelData.get`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field

from msc_model.schema import FORMS, PARAMS, PROCESSES


@dataclass(frozen=True)
class Vintage:
    """One row of existing or committed capacity."""

    metal: str
    process: str
    region: str
    capacity: float  # kt/yr
    first_year: int | None  # None: in service before the base year
    last_year: int | None  # None: in service beyond the horizon
    cell: str = ""  # provenance, e.g. "existing_capacity!E5"

    def in_service(self, year: int) -> bool:
        started = self.first_year is None or self.first_year <= year
        return started and (self.last_year is None or year <= self.last_year)


@dataclass(frozen=True)
class Disruption:
    """Year-specific changes made by applied shocks (``msc_model.resilience.shocks``).

    Empty for a case read from a workbook: the shock library is applied only on request
    (stress tests, shock-aware plans). Keys end with the year; values are canonical.
    """

    #: (metal, form, origin, year) -> kt/yr: replaces ``import_availability`` in that year
    import_availability: Mapping[tuple[str, str, str, int], float] = field(default_factory=dict)
    #: (metal, form, origin, region, year) -> kt/yr: most imports of the option landing in r
    entry_availability: Mapping[tuple[str, str, str, str, int], float] = field(default_factory=dict)
    #: (region_from, region_to, mode, year) -> kt/yr, both directions listed
    corridor_capacity: Mapping[tuple[str, str, str, int], float] = field(default_factory=dict)
    #: (metal, process, region, year) -> share of the capacity out of service
    outage: Mapping[tuple[str, str, str, int], float] = field(default_factory=dict)
    #: (metal, form, origin, year) -> factor on the import price
    import_price_factor: Mapping[tuple[str, str, str, int], float] = field(default_factory=dict)
    #: (metal, year) in which a shock hits the metal: its peacetime rules are released
    released: frozenset[tuple[str, int]] = frozenset()


@dataclass(frozen=True)
class Provenance:
    """Where a case came from, captured once when its files were read.

    The hashes are those of the bytes that were parsed, so a report records what its plan
    was built from even if a file is replaced or deleted during the run.
    """

    source_sha256: str = ""  # of the main workbook's bytes as read
    inputs: tuple[str, ...] = ()  # every file the case was read from (never written)
    scenario: str = ""  # the scenario applied, if any
    scenario_file: str = ""  # the workbook holding its scenarios sheet
    scenario_sha256: str = ""
    #: the scenario's rows as declared, e.g. "scenarios!A5: import_price [metal=Li] scale 1.5"
    overlay: tuple[str, ...] = ()
    #: cells the scenario changed: (sheet, cell, column, value used, value in the workbook)
    scenario_cells: tuple[tuple[str, str, str, object, object], ...] = ()


@dataclass(frozen=True)
class ModelData:
    """Sets and parameters of one case, validated and in canonical units."""

    metals: tuple[str, ...]
    regions: tuple[str, ...]
    origins: tuple[str, ...]
    modes: tuple[str, ...]
    years: tuple[int, ...]
    hinterland: frozenset[str]
    sea_ports: frozenset[str]
    land_corridors: frozenset[str]
    origin_entry: Mapping[str, str]  # origin -> "sea" | "land"
    params: Mapping[str, Mapping[tuple, float]]
    vintages: tuple[Vintage, ...] = ()
    metal_names: Mapping[str, str] = field(default_factory=dict)
    #: provenance: parameter -> key -> "sheet!CELL" of the value
    cells: Mapping[str, Mapping[tuple, str]] = field(default_factory=dict)
    #: the tables as read (before unit conversion), for the report's Inputs sheet
    tables: Mapping[str, object] = field(default_factory=dict)
    source: str = ""  # path of the workbook
    warnings: tuple[str, ...] = ()
    #: text settings as given (``case_name``); absent ones are not listed
    texts: Mapping[str, str] = field(default_factory=dict)

    processes: tuple[str, ...] = PROCESSES
    forms: tuple[str, ...] = FORMS
    #: the shock library (``shocks`` sheet, msc_model.resilience.shocks.Shock rows) and the
    #: ``shock_scenarios``; read, validated, but applied only on request
    shocks: tuple = ()
    shock_scenarios: tuple = ()
    #: what applied shocks changed (empty unless a shock was applied)
    disruption: Disruption = field(default_factory=Disruption)
    provenance: Provenance = field(default_factory=Provenance)

    # -- access ---------------------------------------------------------------------------
    def get(self, name: str, key: tuple = (), default: float | None = None) -> float | None:
        """Value of parameter ``name`` at ``key``, else ``default``, else the catalogue's."""
        table = self.params.get(name, {})
        if key in table:
            return table[key]
        if default is not None:
            return default
        return PARAMS[name][1].default

    def table(self, name: str) -> Mapping[tuple, float]:
        """All given values of a parameter (sparse: only rows in the workbook)."""
        return self.params.get(name, {})

    def cell(self, name: str, key: tuple = ()) -> str:
        """Where a value came from ("demand!F9"), or "" for defaults."""
        return self.cells.get(name, {}).get(key, "")

    @property
    def case_name(self) -> str:
        """The case's name from the settings (``case_name``), or "" when not given."""
        return self.texts.get("case_name", "")

    @property
    def base_year(self) -> int:
        return int(self.params["base_year"][()])

    @property
    def final_year(self) -> int:
        return int(self.params["final_year"][()])

    @property
    def policy_start_year(self) -> int:
        value = self.params.get("policy_start_year", {}).get(())
        return int(value) if value is not None else self.base_year + 1

    def residual_capacity(self, metal: str, process: str, region: str, year: int) -> float:
        """Existing and committed capacity in service in ``year`` (kt/yr)."""
        return sum(
            v.capacity
            for v in self.vintages
            if (v.metal, v.process, v.region) == (metal, process, region) and v.in_service(year)
        )

    def with_params(self, updates: Mapping[str, Mapping[tuple, float]]) -> ModelData:
        """A copy with some parameter values replaced (scenarios, sweeps)."""
        params = {name: dict(table) for name, table in self.params.items()}
        for name, values in updates.items():
            params.setdefault(name, {}).update(values)
        return dataclasses.replace(self, params=params)
