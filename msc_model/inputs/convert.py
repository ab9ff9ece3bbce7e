"""Entries → floats in canonical units, with unit, type and range checks.

Every value is converted exactly once, here. Conversion factors are cached per distinct
(unit, canonical unit, metal), so a sheet with thousands of rows in "Mt/yr" parses the
unit once; a unit error is remembered too and reported at each cell that uses it.
"""

from __future__ import annotations

import math
import re

from msc_model.errors import UnitError
from msc_model.inputs.cells import CellProblem, is_blank, parse_flag, parse_number, parse_text
from msc_model.inputs.context import Context, Entry
from msc_model.inputs.money import MONEY, price_year_factor, split_price_year
from msc_model.schema import ParamSheet
from msc_model.units import conversion_factor, is_dimensionless, parse_unit, ureg

_PREFIXED_TON = re.compile(r"\b(k|M|G|kilo|mega|giga)tons?\b")
#: largest magnitude a value may have in canonical units (kt, USD/t, MUSD, ...): far
#: beyond any real quantity, far below where the solver's arithmetic breaks (HiGHS takes
#: 1e20 as infinity; 1e308 x a unit factor overflows to inf)
MAX_MAGNITUDE = 1e15


def convert_sheet(ctx: Context, spec: ParamSheet, entries: list[Entry]) -> None:
    """Convert and store every entry of a sheet; the exchange rate goes first."""
    cache: dict[tuple[str, str, str | None], float | UnitError] = {}
    ordered = sorted(entries, key=lambda e: e.param.name != "exchange_rate")
    for entry in ordered:
        if entry.param.kind == "text":  # words, kept apart from the numbers
            text = text_entry(ctx, spec.sheet, entry)
            if text is not None:
                ctx.store_text(entry, spec.sheet, text)
            continue
        value = convert_entry(ctx, spec, entry, cache)
        if value is None:
            continue
        ctx.store(entry, spec.sheet, value)
        if entry.param.name == "exchange_rate":
            ctx.exchange_rate = value


def text_entry(ctx: Context, sheet: str, entry: Entry) -> str | None:
    """The words of a text setting, or None after reporting why they are unusable (a
    number, a date, an overlong text, a unit)."""
    expected = f"text for {entry.param.name}, such as 'China, 2024–2040 baseline'"
    if not is_blank(entry.unit):
        ctx.add(sheet, entry.unit_cell, f"unit '{str(entry.unit).strip()}'", "a blank unit (text)")
        return None
    try:
        return parse_text(entry.raw, expected)
    except CellProblem as exc:
        ctx.add(sheet, entry.cell, exc.found, exc.expected, exc.hint)
        return None


def convert_entry(
    ctx: Context,
    spec: ParamSheet,
    entry: Entry,
    cache: dict[tuple[str, str, str | None], float | UnitError],
) -> float | None:
    """The entry's value in canonical units, or None after reporting why it is unusable."""
    param = entry.param
    sheet = spec.sheet
    if param.kind == "flag":
        try:
            return 1.0 if parse_flag(entry.raw) else 0.0
        except CellProblem as exc:
            ctx.add(sheet, entry.cell, exc.found, exc.expected, exc.hint)
            return None
    expected = "a whole year such as 2030" if param.kind == "year" else "a number"
    try:
        number = parse_number(entry.raw, expected)
    except CellProblem as exc:
        ctx.add(sheet, entry.cell, exc.found, exc.expected, exc.hint)
        return None
    unit = "" if is_blank(entry.unit) else str(entry.unit).strip()
    factor = _factor(ctx, sheet, spec, entry, unit, cache)
    if factor is None:
        return None
    value = number * factor
    if not math.isfinite(value) or abs(value) > MAX_MAGNITUDE:
        found = f"{number:g} {unit}".strip()
        converted = f"{value:g}" if math.isfinite(value) else "an overflow to infinity"
        ctx.add(
            sheet,
            entry.cell,
            f"{found} (= {converted} {param.unit})".replace("  ", " "),
            f"a number of magnitude at most {MAX_MAGNITUDE:g} {param.unit}".rstrip(),
            "no real quantity is this large; check the value and its unit",
        )
        return None
    if (param.integer or param.kind == "year") and not float(value).is_integer():
        ctx.add(
            sheet, entry.cell, f"{number:g}", "a whole number" if param.kind != "year" else expected
        )
        return None
    return value if _in_range(ctx, sheet, entry, number, unit, value) else None


def _factor(
    ctx: Context,
    sheet: str,
    spec: ParamSheet,
    entry: Entry,
    unit: str,
    cache: dict[tuple[str, str, str | None], float | UnitError],
) -> float | None:
    param = entry.param
    canonical = param.unit
    if param.kind == "year":
        if unit:
            ctx.add(sheet, entry.unit_cell, f"unit '{unit}'", "a blank unit (a calendar year)")
            return None
        return 1.0
    if not unit:
        if is_dimensionless(canonical):
            return 1.0  # a blank unit on a share means a fraction (0.05 for 5 %)
        ctx.blank(sheet, entry.unit_cell, f"a unit for {param.name}, such as '{canonical}'")
        return None
    if param.name == "exchange_rate":
        return _exchange_rate_factor(ctx, sheet, entry, unit)
    prefixed_ton = _PREFIXED_TON.search(unit)
    if prefixed_ton:
        # pint reads "Mton" as a mega short ton (907 kt): the 'ton' trap with a prefix
        ctx.add(
            sheet,
            entry.unit_cell,
            f"unit '{unit}'",
            f"a unit convertible to '{canonical}'",
            f"'{prefixed_ton.group(0)}' is ambiguous (short, long or metric): write t, kt or Mt",
        )
        return None
    unit, year = split_price_year(unit)
    scale = price_year_factor(ctx, sheet, entry, year) if MONEY in canonical else 1.0
    if scale is None:
        return None
    if year is not None and MONEY not in canonical:
        ctx.add(
            sheet,
            entry.unit_cell,
            f"unit '{entry.unit}'",
            f"no price year: {param.name} is not money",
        )
        return None
    metal = _metal(spec, entry)
    key = (unit, canonical, metal)
    if key not in cache:
        try:
            cache[key] = conversion_factor(
                unit,
                canonical,
                metal=metal,
                bases=ctx.bases,
                exchange_rate=ctx.exchange_rate,
                metals=ctx.sets.get("metals") or (),
            )
        except UnitError as exc:
            cache[key] = exc
    factor = cache[key]
    if isinstance(factor, UnitError):
        ctx.add(
            sheet,
            entry.unit_cell,
            f"unit '{unit}'",
            f"a unit convertible to '{canonical or '%'}'",
            str(factor),
        )
        return None
    return factor * scale


def _metal(spec: ParamSheet, entry: Entry) -> str | None:
    """The row's metal, so content bases and metal labels of another metal are refused."""
    if "metal" in spec.index:
        return entry.key[spec.index.index("metal")]
    return None


def _exchange_rate_factor(ctx: Context, sheet: str, entry: Entry, unit: str) -> float | None:
    # conversion_factor routes every CNY unit through the exchange rate, which is the very
    # value being read here; so this one converts with pint directly.
    try:
        given = ureg.Quantity(1.0, parse_unit(unit))
        return float(given.to(parse_unit(entry.param.unit)).magnitude)
    except Exception as exc:  # UnitError or pint's DimensionalityError
        ctx.add(sheet, entry.unit_cell, f"unit '{unit}'", "yuan per US dollar, 'CNY/USD'", str(exc))
        return None


def _in_range(
    ctx: Context, sheet: str, entry: Entry, number: float, unit: str, value: float
) -> bool:
    param = entry.param
    canonical = f" {param.unit}" if param.unit else ""
    found = f"{number:g} {unit}".strip()
    if unit and unit != param.unit:
        found += f" (= {value:g}{canonical})"
    if param.min is not None and value < param.min:
        bound = "more than 0" if param.min < 1e-3 and param.min > 0 else f"at least {param.min:g}"
        ctx.add(sheet, entry.cell, found, f"{bound}{canonical}", _range_hint(entry, value))
        return False
    if param.max is not None and value > param.max:
        ctx.add(
            sheet,
            entry.cell,
            found,
            f"at most {param.max:g}{canonical}",
            _range_hint(entry, value, unit),
        )
        return False
    return True


def _range_hint(entry: Entry, value: float, unit: str = "") -> str:
    if entry.param.kind == "share" and not unit and 1 < value <= 100:
        return "percentages typed as 5 for 5 %: write 0.05 or put % in the unit column"
    if value < 0:
        return f"{entry.param.name} cannot be negative"
    return ""
