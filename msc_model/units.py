"""The one unit registry of msc-model, and conversion of workbook units to canonical units.

Canonical units keep the LP well scaled: mass in kt, flows in kt/yr, money in million USD
(``MUSD``), energy in GWh, distance in km, time in years. Products of canonical units are
canonical again (GWh/kt × MUSD/GWh = MUSD/kt), so the model multiplies plain floats.

Traps handled here, each a classic source of silent error in this field:

- ``kt`` is a kilotonne (pint's default ``kt`` is a knot); ``t`` is the metric tonne;
- ``ton`` is refused: short, long and metric tons differ by up to 12 %;
- USD and CNY are separate base dimensions, converted only through the workbook's
  exchange rate, never 1:1;
- ``%`` is dimensionless (5 % → 0.05);
- content bases (``t LCE``, or bases the workbook declares such as ``Mt Fe62``) turn a
  physical tonnage into metal content; a basis of another metal is an error.

Each distinct unit string is parsed once (``functools.lru_cache``).
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Collection, Mapping
from functools import lru_cache

from msc_model.errors import UnitError


def _import_pint():
    """Import pint without its optional scipy and dask hooks, which msc never uses.

    pint imports scipy and dask whenever they are installed (dask comes with msc's
    cluster support), and Pyomo, seeing scipy arrive, loads ``scipy.stats`` too: about
    65 MB of a ~150 MB start-up and a third of a second, for nothing. Both are hidden only
    while pint is imported; a process that imported them already keeps them, and both
    import normally afterwards (Pyomo's compiler takes ``scipy.sparse`` when it needs it).
    """
    hidden = [name for name in ("scipy", "dask") if name not in sys.modules]
    sys.modules.update(dict.fromkeys(hidden))  # None: "not installed" to an import
    try:
        import pint
    finally:
        for name in hidden:
            if sys.modules.get(name, 0) is None:
                del sys.modules[name]
    return pint


pint = _import_pint()

#: tonnes of lithium per tonne of lithium carbonate equivalent (molar masses, 2·6.94/73.89)
LCE_LI_FRACTION = 0.1879

AMBIGUOUS = {
    "knot": "a knot is a speed; write kt for kilotonnes",
}
#: "ton", "tons", "kton", "Mton", "megatons", ...: short, long and metric tons differ by 12 %
_TON = re.compile(r"^(k|m|g|kilo|mega|giga)?tons?$", re.IGNORECASE)
_TON_HINT = "'{}' is ambiguous (short, long or metric ton): write t, kt or Mt"

#: set to anything non-empty to build pint's registry from its definitions every time
NO_CACHE_ENV = "MSC_NO_UNIT_CACHE"


def _registry() -> pint.UnitRegistry:
    """pint's registry, from its cache of parsed definitions (in the user's cache folder,
    ``pint/``) when it can: parsing them costs every process ~0.15 s (each ``msc`` command,
    each sweep worker), loading the cache ~0.02 s. Any trouble with the cache (a folder
    that cannot be written, a file torn by another process writing it, a pint upgrade)
    only costs that time: the registry is then parsed as without a cache."""
    options = {"on_redefinition": "ignore", "autoconvert_offset_to_baseunit": True}
    if not os.environ.get(NO_CACHE_ENV):
        try:
            return pint.UnitRegistry(cache_folder=":auto:", **options)
        except Exception:  # any failure of the cache means: no cache
            pass
    return pint.UnitRegistry(**options)


ureg = _registry()
ureg.define("kt = 1000 * metric_ton")  # kilotonne, not knot
ureg.define("Gt = 1e9 * metric_ton")
ureg.define("USD = [currency_usd] = usd = US$")
ureg.define("CNY = [currency_cny] = cny = RMB = yuan")
for _prefix, _factor in (("k", "1e3"), ("M", "1e6"), ("bn", "1e9")):
    ureg.define(f"{_prefix}USD = {_factor} * USD")
    ureg.define(f"{_prefix}CNY = {_factor} * CNY")
ureg.define("yr = year")

_TOKEN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _clean(text: str) -> str:
    return " ".join(str(text).replace("·", "*").replace("per cent", "%").split())


@lru_cache(maxsize=4096)
def parse_unit(text: str) -> pint.Unit:
    """Parse a unit string once; raise ``UnitError`` with a hint when it is not usable."""
    cleaned = _clean(text)
    for token in _TOKEN.findall(cleaned):
        if _TON.match(token):
            raise UnitError(_TON_HINT.format(token))
        if token.lower() in AMBIGUOUS:
            raise UnitError(AMBIGUOUS[token.lower()])
    if not cleaned:
        return ureg.dimensionless
    try:
        unit = ureg.parse_units(cleaned)
    except Exception as exc:  # pint raises several types for malformed strings
        raise UnitError(f"unknown unit '{text}'") from exc
    return unit


def _split_basis(
    text: str,
    bases: Mapping[str, tuple[str, float]],
    metal: str | None,
    labels: Collection[str],
) -> tuple[str, float]:
    """Remove content-basis and metal labels from a unit string, returning the factor.

    A basis left of the first ``/`` measures the quantity (``kt LCE/yr``: multiply by the
    metal fraction); right of it, it measures the denominator (``USD/t Fe62``: per tonne of
    62 % ore, so divide). A metal label (``kt Ni/yr``) is a factor of one; ``labels`` are
    the workbook's metals, so a label names a metal the case has, whatever the metals are.
    """
    factor = 1.0
    kept = text
    slash = text.find("/")
    for match in _TOKEN.finditer(text):
        token = match.group()
        if token in bases:
            basis_metal, fraction = bases[token]
            if metal is not None and basis_metal != metal:
                raise UnitError(f"content basis '{token}' is for {basis_metal}, not {metal}")
            in_denominator = 0 <= slash < match.start()
            factor = factor / fraction if in_denominator else factor * fraction
        elif token in labels:
            if metal is not None and token != metal:
                raise UnitError(f"unit names {token} on a {metal} row")
        else:
            continue
        kept = re.sub(rf"\b{re.escape(token)}\b", "", kept, count=1)
    kept = re.sub(r"\(\s*\)", "", re.sub(r"\s+", " ", kept)).strip()
    return kept, factor


def default_bases() -> dict[str, tuple[str, float]]:
    """Content bases every workbook has: basis name → (metal, metal fraction)."""
    return {"LCE": ("Li", LCE_LI_FRACTION)}


@lru_cache(maxsize=4096)
def _factor(unit: str, canonical: str, exchange_rate: float | None) -> float:
    given = parse_unit(unit)
    target = parse_unit(canonical)
    quantity = ureg.Quantity(1.0, given)
    target_cny = ureg.Quantity(1.0, target).dimensionality.get("[currency_cny]", 0)
    cny = quantity.dimensionality.get("[currency_cny]", 0) - target_cny
    if cny:
        if exchange_rate is None:
            raise UnitError(
                f"'{unit}' is in CNY but the workbook gives no exchange_rate (settings sheet)"
            )
        quantity = quantity * (ureg.USD / (exchange_rate * ureg.CNY)) ** cny
    try:
        return float(quantity.to(target).magnitude)
    except pint.DimensionalityError as exc:
        raise UnitError(
            f"'{unit}' is {_describe(given)}, but {_describe(target)} is needed "
            f"(e.g. '{canonical or '%'}')"
        ) from exc


def _describe(unit: pint.Unit) -> str:
    dim = ureg.Quantity(1.0, unit).dimensionality
    if not dim:
        return "a share or count"
    words = {
        "[mass]": "a mass",
        "[mass] / [time]": "a flow per year",
        "[time]": "a time",
        "[length]": "a distance",
        "[currency_usd]": "money in USD",
        "[currency_cny]": "money in CNY",
        "[currency_usd] / [mass]": "a price per mass",
        "[currency_cny] / [mass]": "a price per mass",
    }
    return words.get(str(dim), f"of dimension {dim}")


def conversion_factor(
    unit: str,
    canonical: str,
    *,
    metal: str | None = None,
    bases: Mapping[str, tuple[str, float]] | None = None,
    exchange_rate: float | None = None,
    metals: Collection[str] = (),
) -> float:
    """Factor that turns a value in ``unit`` into ``canonical`` units.

    Parameters
    ----------
    unit
        The unit as written in the workbook, e.g. ``"Mt LCE/yr"`` or ``"CNY/t"``.
    canonical
        The catalogue's canonical unit, e.g. ``"kt/yr"``.
    metal
        The row's metal; content bases of another metal are refused.
    bases
        Content bases: name → (metal, metal fraction). Defaults to :func:`default_bases`.
    exchange_rate
        CNY per USD, from the workbook; required only when ``unit`` is in CNY.
    metals
        The workbook's metals: their symbols may label a unit (``kt Cu/yr``), a factor of
        one; a label of another metal than the row's is refused. The row's ``metal`` is
        always a valid label.
    """
    bases = default_bases() if bases is None else bases
    labels = frozenset(metals) | ({metal} if metal else frozenset())
    stripped, basis_factor = _split_basis(_clean(unit), bases, metal, labels)
    return basis_factor * _factor(stripped, canonical, exchange_rate)


def convert(value: float, unit: str, canonical: str, **kwargs) -> float:
    """Convert one value; see :func:`conversion_factor` for the keyword arguments."""
    return float(value) * conversion_factor(unit, canonical, **kwargs)


def is_dimensionless(canonical: str) -> bool:
    return not ureg.Quantity(1.0, parse_unit(canonical)).dimensionality
