"""Money of one year: price years on money units and the deflator that converts them.

A cost input carries its price year in its unit: ``USD2010/(t/yr)``, ``CNY2021/t``. The
workbook's ``deflator`` sheet (a price index by year, e.g. US CPI-U) converts it to the
case's ``price_base_year`` money: ``value · deflator[price_base_year] / deflator[year]``.
Mixing 2010 and 2024 dollars would bias the balance of capital and operating costs by
~40 %. When the workbook has a ``deflator`` sheet, every money value must say its year;
without one, money is taken to be in ``price_base_year`` prices and a dated unit is an
error (nothing to convert it with). CNY amounts are converted at the workbook's
``exchange_rate`` and deflated with the same index (give old CNY figures in USD of their
year for more precision).
"""

from __future__ import annotations

import re

from msc_model.inputs.context import Context, Entry

#: a currency followed by a four-digit price year, e.g. USD2010
PRICE_YEAR = re.compile(r"(USD|CNY)(\d{4})\b")  # also MUSD2024, kUSD2010
#: canonical units of money parameters contain this
MONEY = "MUSD"


def split_price_year(unit: str) -> tuple[str, int | None]:
    """``"USD2010/(t/yr)"`` → ``("USD/(t/yr)", 2010)``; a unit without a year → ``(unit, None)``."""
    years = {int(y) for _c, y in PRICE_YEAR.findall(unit)}
    if not years:
        return unit, None
    clean = PRICE_YEAR.sub(r"\1", unit)
    return clean, years.pop() if len(years) == 1 else -1


def price_year_factor(ctx: Context, sheet: str, entry: Entry, year: int | None) -> float | None:
    """Factor from the unit's price year to ``price_base_year`` money (1 for the base
    year); None after reporting a missing or unusable price year at the unit cell."""
    deflator = ctx.params.get("deflator", {})
    base = ctx.params.get("price_base_year", {}).get(())
    name = entry.param.name
    if year == -1:
        ctx.add(sheet, entry.unit_cell, f"unit '{entry.unit}'", "one price year in a money unit")
        return None
    if year is None:
        if deflator:
            ctx.add(
                sheet,
                entry.unit_cell,
                f"a money unit without a price year for {name}, '{entry.unit}'",
                "the year of its prices in the unit, e.g. 'USD2024/t'",
                "the workbook has a deflator sheet, so every cost says its year",
            )
            return None
        return 1.0
    if base is None or int(base) == year:
        return 1.0
    if not deflator:
        ctx.add(
            sheet,
            entry.unit_cell,
            f"prices of {year} in '{entry.unit}'",
            f"prices of price_base_year {int(base)}, or a deflator sheet to convert them",
        )
        return None
    missing = [y for y in (year, int(base)) if (y,) not in deflator]
    if missing:
        ctx.add(
            sheet,
            entry.unit_cell,
            f"prices of {year} in '{entry.unit}'",
            f"a year on the deflator sheet (missing: {', '.join(map(str, missing))})",
        )
        return None
    return deflator[(int(base),)] / deflator[(year,)]
