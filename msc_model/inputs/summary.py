"""describe: a compact summary of loaded inputs for ``msc validate``."""

from __future__ import annotations

from msc_model.data import ModelData


def describe(data: ModelData) -> list[tuple[str, str]]:
    """Summary rows (label, text): set sizes, horizon, rows per table, warnings.

    Parameters
    ----------
    data
        Inputs returned by :func:`msc_model.inputs.load_inputs`.

    Returns
    -------
    list of (str, str)
        E.g. ``("metals", "2: Cu, Li")``, ``("years", "2024-2027 (4)")``,
        ``("table demand", "16 rows")``, ``("warnings", "0")``.
    """
    rows: list[tuple[str, str]] = [("workbook", data.source or "(in memory)")]
    for label, members in (
        ("metals", data.metals),
        ("regions", data.regions),
        ("origins", data.origins),
        ("modes", data.modes),
    ):
        rows.append((label, f"{len(members)}: {_listing(members)}"))
    rows.append(("hinterland regions", _listing(sorted(data.hinterland)) or "none"))
    if data.years:
        rows.append(("years", f"{data.years[0]}-{data.years[-1]} ({len(data.years)})"))
    rows.append(("existing capacity", f"{len(data.vintages)} vintages"))
    for sheet, table in data.tables.items():
        rows.append((f"table {sheet}", f"{len(table)} rows"))
    rows.append(("warnings", str(len(data.warnings))))
    return rows


def _listing(members, most: int = 8) -> str:
    members = list(members)
    text = ", ".join(members[:most])
    return text + (f", … (+{len(members) - most})" if len(members) > most else "")
