"""Checks across rows and sheets, run after every value is converted.

Each check reports with the cells involved ("max_capacity at capacity_limits!E3 is below
existing capacity at existing_capacity!E2"), so the user sees both sides of a conflict.
"""

from __future__ import annotations

import itertools

from msc_model.data import Vintage
from msc_model.inputs.cells import CellProblem, is_blank, parse_year
from msc_model.inputs.context import Context
from msc_model.inputs.tables import YEAR_MAX, YEAR_MIN
from msc_model.schema import FIXED_SETS, INDEX_SETS, PARAM_SHEETS

#: most missing keys listed one by one per parameter; the rest are summarised
MAX_LISTED = 20
SHARE_TOLERANCE = 1e-6


def check_horizon(ctx: Context) -> None:
    """final_year not before base_year; policy_start_year inside the horizon."""
    base, final = ctx.base_year, ctx.final_year
    if base is not None and final is not None and final < base:
        ctx.add(
            "settings",
            _cell(ctx, "final_year"),
            f"final_year {final}",
            f"a year not before base_year {base}",
            f"base_year is at {ctx.cells['base_year'][()]}",
        )
    start = ctx.params.get("policy_start_year", {}).get(())
    if ctx.years and start is not None and not base <= start <= final:
        ctx.add(
            "settings",
            _cell(ctx, "policy_start_year"),
            f"policy_start_year {start:g}",
            f"a model year ({base}-{final})",
        )


def _cell(ctx: Context, name: str, key: tuple = ()) -> str:
    """The bare address ("E5") of a stored value."""
    return ctx.cells[name][key].split("!", 1)[1]


def check_dense(ctx: Context) -> None:
    """Every combination of a dense parameter's index sets must be given."""
    present = {
        (entry.param.name, entry.key) for entries in ctx.entries.values() for entry in entries
    }
    for spec in PARAM_SHEETS:
        if spec.sheet not in ctx.entries:
            continue  # missing sheet or column: reported once, not per value
        for param in (p for p in spec.params if p.dense):
            members = [_members(ctx, column) for column in spec.index]
            if any(m is None for m in members):
                continue  # a set or the horizon is unusable: already reported
            blanks = ctx.blank_values.get(param.name, {})
            missing = [k for k in itertools.product(*members) if (param.name, k) not in present]
            expected = f"a value for {param.name}" + _required_for(spec.index)
            for key in missing[:MAX_LISTED]:
                if key in blanks:
                    ctx.blank(spec.sheet, blanks[key], expected)
                else:
                    where = f" for ({', '.join(map(str, key))})" if key else ""
                    ctx.add(spec.sheet, "", f"no {param.name}{where}", expected)
            if len(missing) > MAX_LISTED:
                ctx.add(
                    spec.sheet,
                    "",
                    f"{len(missing) - MAX_LISTED} more missing {param.name} values",
                    expected,
                )


def _members(ctx: Context, column: str) -> tuple | None:
    if column == "year":
        return ctx.years
    set_name = INDEX_SETS[column]
    return FIXED_SETS[set_name] if set_name in FIXED_SETS else ctx.sets.get(set_name)


def _required_for(index: tuple[str, ...]) -> str:
    return " for every " + " × ".join(index) if index else " (required)"


def build_vintages(ctx: Context) -> tuple[Vintage, ...]:
    """Existing capacity rows as vintages, with their in-service years checked."""
    vintages = []
    sheet = "existing_capacity"
    capacity = ctx.params.get("existing_capacity", {})
    for entry in ctx.entries.get(sheet, []):
        years = {}
        for column in ("commissioning_year", "retirement_year"):
            raw, cell = entry.extras.get(column, (None, ""))
            years[column] = None
            if is_blank(raw):
                continue
            try:
                year = parse_year(raw)
            except CellProblem as exc:
                ctx.add(sheet, cell, exc.found, exc.expected, exc.hint)
                continue
            if not YEAR_MIN <= year <= YEAR_MAX:
                ctx.add(sheet, cell, f"year {year}", f"a year between {YEAR_MIN} and {YEAR_MAX}")
                continue
            years[column] = year
        first, last = years["commissioning_year"], years["retirement_year"]
        if first is not None and last is not None and last < first:
            ctx.add(
                sheet,
                entry.extras["retirement_year"][1],
                f"retirement_year {last}",
                f"a year not before commissioning_year {first}",
                f"commissioning_year is at {sheet}!{entry.extras['commissioning_year'][1]}",
            )
            continue
        if ctx.years and first is not None and first > ctx.final_year:
            ctx.warn(
                sheet,
                entry.extras["commissioning_year"][1],
                f"{first}",
                "a year in the horizon",
                "the capacity never serves",
            )
        if ctx.years and last is not None and last < ctx.base_year:
            ctx.warn(
                sheet,
                entry.extras["retirement_year"][1],
                f"{last}",
                "a year in the horizon",
                "the capacity retired before base_year",
            )
        if entry.key in capacity:
            metal, process, region, _row = entry.key
            vintages.append(
                Vintage(
                    metal,
                    process,
                    region,
                    capacity[entry.key],
                    first,
                    last,
                    f"{sheet}!{entry.cell}",
                )
            )
    return tuple(vintages)


def check_limits(ctx: Context, vintages: tuple[Vintage, ...]) -> None:
    """Limits that are already exceeded by what exists make the model infeasible."""
    years = ctx.years or ()
    for key, limit in ctx.params.get("max_capacity", {}).items():
        rows = [v for v in vintages if (v.metal, v.process, v.region) == key]
        peak = max((sum(v.capacity for v in rows if v.in_service(t)) for t in years), default=0.0)
        if peak > limit + 1e-9:
            where = ", ".join(v.cell for v in rows if any(v.in_service(t) for t in years))
            ctx.add(
                "capacity_limits",
                _cell(ctx, "max_capacity", key),
                f"max_capacity {limit:g} kt/yr",
                f"at least the existing capacity in service, {peak:g} kt/yr",
                f"existing capacity at {where}",
            )
    for key, limit in ctx.params.get("max_storage", {}).items():
        existing = ctx.params.get("storage_capacity", {}).get(key, 0.0)
        if existing > limit + 1e-9:
            ctx.add(
                "reserves",
                _cell(ctx, "max_storage", key),
                f"max_storage {limit:g} kt",
                f"at least the existing storage_capacity {existing:g} kt",
                f"storage_capacity at {ctx.cells['storage_capacity'][key]}",
            )


def check_pairs(ctx: Context) -> None:
    """Rows that only make sense with a partner row: imports and corridors."""
    prices = ctx.params.get("import_price", {})
    for key in ctx.params.get("import_availability", {}):
        if key not in prices:
            ctx.add(
                "imports",
                _cell(ctx, "import_availability", key),
                f"import_availability for ({', '.join(key)}) without an import_price",
                "an import_price row for the same metal, form and origin",
                "imports without a price would be free",
            )
    seen: dict[frozenset, str] = {}
    distances = ctx.params.get("distance", {})
    for name in ("distance", "corridor_capacity"):
        for key in ctx.params.get(name, {}):
            origin, target, mode = key
            cell = _cell(ctx, name, key)
            if origin == target:
                ctx.add(
                    "corridors",
                    cell,
                    f"a corridor from {origin} to itself",
                    "two different regions",
                )
            elif name == "corridor_capacity" and key not in distances:
                ctx.add(
                    "corridors",
                    cell,
                    f"corridor {origin}-{target} ({mode}) without a distance",
                    "a distance row for it",
                )
            if name == "distance":
                pair = frozenset((origin, target, f"mode={mode}"))
                if pair in seen:
                    ctx.add(
                        "corridors",
                        cell,
                        f"corridor {origin}-{target} ({mode}) given twice",
                        "one row per corridor (corridors are usable both ways)",
                        f"also at {seen[pair]}",
                    )
                seen[pair] = f"corridors!{cell}"


def check_end_uses(ctx: Context) -> None:
    """End-use shares of each metal sum to one; each share has its lifetime."""
    shares = ctx.params.get("end_use_share", {})
    totals: dict[str, float] = {}
    for (metal, end_use), share in shares.items():
        totals[metal] = totals.get(metal, 0.0) + share
        for name in ("lifetime_mean", "lifetime_sd"):
            if (metal, end_use) not in ctx.params.get(name, {}):
                ctx.add(
                    "end_uses",
                    _cell(ctx, "end_use_share", (metal, end_use)),
                    f"end use {end_use} of {metal} without {name}",
                    f"a {name} row for it",
                    "end-of-life scrap needs the product lifetime",
                )
    for metal, total in totals.items():
        if abs(total - 1.0) > SHARE_TOLERANCE:
            cells = [cell for key, cell in ctx.cells["end_use_share"].items() if key[0] == metal]
            ctx.add(
                "end_uses",
                cells[0].split("!", 1)[1],
                f"end_use_share of {metal} summing to {total:g}",
                "shares summing to 1",
                "cells " + ", ".join(cells),
            )
