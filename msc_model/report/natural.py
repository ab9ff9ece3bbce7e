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

The secondary workbooks (compare, frontier, sweep summary, stress) and the terminal tables
take their money through :func:`money_frame` and :func:`bn` here, and their tonnes
through :func:`mass_rows` (a tidy table with a ``unit`` column), :func:`per_metal` (a
table with a ``metal`` column) and :func:`listing` (a terminal cell), so the tidy files
and the API's frames keep kt and MUSD while every number a reader sees is in Mt or kt and
bn USD. Tonnes of different metals are never added up where a reader sees them: a table
row or column of all metals in kt is left out of the reader's table rather than converted.
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
#: number format of bn USD: to ten million (a whole-system cost is thousands of bn USD,
#: a cost difference or a stress's extra cost a fraction of one)
BN = "#,##0.00"
#: number format of bn USD per percentage point: to the million (a step of a cap costs
#: tens of million USD per point where it starts to bind)
BN_PER_PP = "#,##0.000"

#: money units of the tidy tables → (the unit a reader sees, factor, number format)
READER_MONEY: dict[str, tuple[str, float, str]] = {
    "MUSD": ("bn USD", 1 / MUSD_PER_BN, BN),
    "MUSD/pp": ("bn USD per pp", 1 / MUSD_PER_BN, BN_PER_PP),
    "kt/MUSD": ("kt per bn USD", MUSD_PER_BN, "#,##0.0"),
}
#: columns of the tidy tables that hold money on every row, with their unit there
MONEY_COLUMNS: dict[str, str] = {
    # runs, trade-off curves, comparisons
    "total_cost": "MUSD",
    "plan_cost": "MUSD",
    "objective": "MUSD",
    "cost_increase": "MUSD",
    "marginal_cost": "MUSD/pp",
    # stress tests and the shock-aware plan
    "cost": "MUSD",
    "extra_cost": "MUSD",
    "extra_supply_cost": "MUSD",
    "expected_cost": "MUSD",
    "normal_cost": "MUSD",
    "extra_normal_cost": "MUSD",
    "expected_lost_value": "MUSD",
    "worst_lost_value": "MUSD",
    "unmet_avoided_per_musd": "kt/MUSD",
}
#: mass units of the tidy tables (a metal's quantity in kt, a flow or capacity in kt/yr)
MASS_UNITS = ("kt", "kt/yr")
#: columns whose numbers are never in the unit of their row (a ``year``; factor values)
NOT_IN_ROW_UNIT = frozenset({"year"})


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


def mass_unit(unit: object, metal: object) -> object:
    """The unit a reader sees on a row of ``metal`` whose tidy unit is ``unit``: "kt/yr"
    → "Mt/yr" for iron; any other unit (a share, days, money) as it is."""
    if unit in MASS_UNITS and metal in MT_METALS:
        return str(unit).replace("kt", "Mt", 1)
    return unit


def is_mass(unit: object) -> bool:
    """Whether a tidy unit is a mass or a mass a year (kt, kt/yr)."""
    return unit in MASS_UNITS


def mass_rows(frame: pd.DataFrame, *, unitless: Iterable[str] = ()) -> pd.DataFrame:
    """A copy of a tidy table with ``metal`` and ``unit`` columns in natural units: every
    number of a row whose unit is a mass (kt, kt/yr) is divided by its metal's
    :func:`divisor` and the row's unit says so ("Mt/yr" on iron rows), except in the
    ``unitless`` columns (factor values) and ``year``.

    A mass row of no single metal (``all``: tonnes added across metals) is left as it is;
    a reader's table drops it (:func:`without_metal_sums`).
    """
    out = frame.copy()
    if out.empty or "unit" not in out.columns or "metal" not in out.columns:
        return out
    units, metals = out["unit"], out["metal"]
    big = units.isin(MASS_UNITS) & metals.isin(MT_METALS)
    if not big.any():
        return out
    skip = set(unitless) | NOT_IN_ROW_UNIT
    for column in out.columns:
        values = out[column]
        if str(column) in skip or not is_number(values):
            continue
        out[column] = values.astype(float).where(~big, values.astype(float) / KT_PER_MT)
    out["unit"] = [mass_unit(u, m) for u, m in zip(units, metals, strict=True)]
    return out


def without_metal_sums(frame: pd.DataFrame) -> pd.DataFrame:
    """A tidy table without its rows of tonnes added across metals (metal ``all`` and a
    mass unit): "curtailed, all metals, kt" adds iron to lithium; the per-metal rows
    (unmet demand per metal and year) say it metal by metal."""
    if frame.empty or "unit" not in frame.columns or "metal" not in frame.columns:
        return frame
    summed = frame["unit"].isin(MASS_UNITS) & (frame["metal"].astype(str) == "all")
    return frame[~summed].reset_index(drop=True) if summed.any() else frame


def listing(
    amounts: Iterable[tuple[str, float]],
    *,
    per_year: bool = False,
    none: str = "none",
    sep: str = ", ",
) -> str:
    """Quantities of several metals (kt) for a terminal cell or sentence, each in its
    natural unit and never added up: "Fe 1.2 Mt, Cu 715 kt" (one decimal below 100, none
    above; ``sep="\\n"`` puts a metal a line in a table cell); metals with nothing at that
    precision are left out (``none`` when no metal has anything)."""
    parts = []
    for metal, value in amounts:
        shown = in_mass(float(value), metal)
        digits = 0 if abs(shown) >= 100 else 1
        if value != value or round(shown, digits) == 0:
            continue
        parts.append(f"{metal} {shown:,.{digits}f} {mass(metal)}{'/yr' if per_year else ''}")
    return sep.join(parts) or none


def is_number(values: pd.Series) -> bool:
    """Whether a column holds numbers (not flags)."""
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def money_unit(unit: str) -> str:
    """The unit a reader sees for a canonical money unit ("MUSD" → "bn USD"); any other
    unit is returned as it is."""
    return READER_MONEY[unit][0] if unit in READER_MONEY else unit


def money_format(unit: str) -> str | None:
    """The number format of money in ``unit`` (canonical or as a reader sees it), else None."""
    for canonical, (shown, _, fmt) in READER_MONEY.items():
        if unit in (canonical, shown):
            return fmt
    return None


def money_frame(
    frame: pd.DataFrame, *, unitless: Iterable[str] = (), keep: Iterable[str] = ()
) -> pd.DataFrame:
    """A copy of a tidy table with its money as a reader sees it: bn USD (bn USD per pp,
    kt per bn USD), each by its exact factor.

    - In a table with a ``unit`` column the unit governs: every number of a row whose unit
      is a money unit of :data:`READER_MONEY` is converted, and the row's unit names the
      reader's, except in the ``unitless`` columns (factor values, indices) and ``year``.
    - In a table without one, the columns of :data:`MONEY_COLUMNS` (``total_cost``,
      ``extra_cost``) are converted on every row, except the ``keep`` columns (a sweep
      factor the user named ``cost``).

    The tidy files and the API's frames are not touched: call this only on what a reader
    sees (a workbook sheet, a chart's data).
    """
    out = frame.copy()
    if out.empty:
        return out
    numeric = [
        c
        for c in out.columns
        if pd.api.types.is_numeric_dtype(out[c]) and not pd.api.types.is_bool_dtype(out[c])
    ]
    if "unit" not in out.columns:
        for column in numeric:
            unit = MONEY_COLUMNS.get(str(column))
            if unit is not None and str(column) not in set(keep):
                out[column] = out[column].astype(float) * READER_MONEY[unit][1]
        return out
    units = out["unit"]
    factor = units.map(lambda u: READER_MONEY[u][1] if u in READER_MONEY else 1.0).astype(float)
    if (factor == 1.0).all():
        return out
    skip = set(unitless) | NOT_IN_ROW_UNIT
    for column in numeric:
        if str(column) not in skip:
            out[column] = out[column].astype(float) * factor
    out["unit"] = units.map(lambda u: money_unit(u) if isinstance(u, str) else u)
    return out
