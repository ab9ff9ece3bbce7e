"""Natural units for a reader: iron in Mt, copper and lithium in kt (lithium also in kt
LCE), money in bn USD.

The model and its tidy tables work in kt and million USD (the catalogue's canonical units);
a reader of iron sees six- and seven-digit kilotonnes, and of the whole-system cost a
seven-digit number of millions. Every report sheet converts here, by exact factors (a
division by 1000, by the LCE fraction), so one rule holds from the Summary to the last
detailed sheet, the terminal and the sentences:

- a metal in :data:`MT_METALS` is shown in Mt (Mt/yr), every other metal in kt (kt/yr);
- a metal in :data:`LCE_METALS` is also shown in kt of lithium carbonate equivalent;
- money is bn USD; prices stay per tonne (USD per t).

A column that mixes metals is converted row by row: its header states the rule
("Fe Mt/yr; Cu, Li kt/yr") and a ``unit`` column, where the table has one, each row's unit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from msc_model.units import LCE_LI_FRACTION

#: metals whose quantities read best in Mt (iron's are 6-7 digits in kt)
MT_METALS = ("Fe",)
#: metals also shown in lithium carbonate equivalent (1 t LCE holds 0.1879 t Li)
LCE_METALS = ("Li",)
#: kt per Mt
KT_PER_MT = 1000.0
#: million USD per bn USD
MUSD_PER_BN = 1000.0


def mass(metal: str) -> str:
    """The mass unit a reader sees for ``metal``: "Mt" or "kt"."""
    return "Mt" if metal in MT_METALS else "kt"


def divisor(metal: str) -> float:
    """What a quantity of ``metal`` in kt is divided by to read in :func:`mass` units."""
    return KT_PER_MT if metal in MT_METALS else 1.0


def in_mass(value: float, metal: str) -> float:
    """A quantity of ``metal`` from kt into its natural unit."""
    return value / divisor(metal)


def in_lce(value: float) -> float:
    """kt of lithium metal → kt of lithium carbonate equivalent."""
    return value / LCE_LI_FRACTION


def bn(value: float) -> float:
    """million USD → bn USD."""
    return value / MUSD_PER_BN


def rule(metals: Sequence[str], suffix: str = "") -> str:
    """The unit of a column holding ``metals``, for its header: "kt/yr" when every metal
    reads in the same unit, else "Fe Mt/yr; Cu, Li kt/yr"."""
    groups: dict[str, list[str]] = {}
    for metal in metals:
        groups.setdefault(mass(metal), []).append(metal)
    if len(groups) <= 1:
        return f"{next(iter(groups), 'kt')}{suffix}"
    return "; ".join(f"{', '.join(ms)} {unit}{suffix}" for unit, ms in groups.items())


def per_metal(
    frame: pd.DataFrame, columns: Iterable[str], *, unit: str | None = "unit"
) -> pd.DataFrame:
    """A copy of ``frame`` with each quantity column in its row's natural unit, and the
    row's ``unit`` text ("kt/yr", "kt") saying so ("Mt/yr" for iron)."""
    out = frame.copy()
    if out.empty:
        return out
    scale = out["metal"].map(divisor).astype(float)
    for column in columns:
        if column in out.columns:
            out[column] = out[column].astype(float) / scale
    if unit and unit in out.columns:
        big = out["metal"].isin(MT_METALS)
        out[unit] = out[unit].where(~big, out[unit].astype(str).str.replace("kt", "Mt", n=1))
    return out


def lce_column(frame: pd.DataFrame, column: str) -> pd.Series:
    """``column`` (kt of metal) in kt LCE on the rows of an LCE metal, blank elsewhere."""
    values = frame[column].astype(float)
    return (values / LCE_LI_FRACTION).where(frame["metal"].isin(LCE_METALS), np.nan)


def amount(value: float, metal: str, per_year: bool = False) -> tuple[float, str]:
    """(value, unit) of a quantity of ``metal`` in kt, in natural units."""
    return in_mass(value, metal), mass(metal) + ("/yr" if per_year else "")
