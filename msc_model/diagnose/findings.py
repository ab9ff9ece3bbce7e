"""What a diagnosis finds: conflicts (IIS members) and changes (relaxations), in
workbook terms."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Conflict:
    """One member of the IIS, said in workbook terms."""

    family: str  # Pyomo component: "reserve_minimum", "storage_capacity" (a bound), ...
    index: tuple  # (metal, region, year), ... of the first member said
    kind: str  # "constraint" or "bound"
    sentence: str
    cells: tuple[str, ...]  # "reserves!D2", ...
    years: tuple[int, ...] = ()  # every year of the members said in this sentence


@dataclass(frozen=True)
class Change:
    """A workbook value and how far it must move for the model to become feasible."""

    parameter: str
    key: tuple
    cells: tuple[str, ...]
    current: float
    needed: float
    unit: str
    sentence: str
