"""Generate large, realistic workbooks from the shipped default, for benchmarks.

    python benchmarks/scale.py --regions 31 --years-to 2050 --origins 20 --seed 1 -o big.xlsx

Each of the default's regions is split into provinces (extensive quantities such as
demand and capacity are divided by deterministic random shares; prices are copied with
small noise), corridors join neighbouring provinces and a few distant ones by rail, road
and water, extra import origins split the availability of existing ones, and the horizon
is extended by continuing each year-indexed series at its last growth rate. The output is
deterministic for a seed and passes ``msc validate``.
"""

from __future__ import annotations

import argparse
import itertools
import random
from collections import defaultdict
from pathlib import Path

from openpyxl import Workbook, load_workbook

#: parameters that add up over regions (split among provinces); the rest are intensive
EXTENSIVE = {
    "demand",
    "existing_capacity",
    "max_capacity",
    "max_build",
    "storage_capacity",
    "initial_stock",
    "max_storage",
    "reserve_days",
}
#: parameters that add up over origins (split when an origin is cloned)
ORIGIN_EXTENSIVE = {"import_availability"}


def _read(path: Path) -> dict[str, list[dict]]:
    wb = load_workbook(path, read_only=True, data_only=True)
    sheets = {}
    for ws in wb.worksheets:
        rows = list(ws.iter_rows(values_only=True))
        header = [h for h in rows[0] if h is not None]
        sheets[ws.title] = [dict(zip(header, r, strict=False)) for r in rows[1:] if any(r)]
        sheets[ws.title + "#header"] = header
    wb.close()
    return sheets


def _param(sheet: str, row: dict) -> str:
    return row.get("parameter") or {
        "demand": "demand",
        "existing_capacity": "existing_capacity",
    }.get(sheet, sheet)


def _split(total: int, parts: int, rng: random.Random) -> list[float]:
    weights = [rng.uniform(0.5, 1.5) for _ in range(parts)]
    s = sum(weights)
    return [w / s for w in weights]


def _provinces(regions: list[dict], n: int) -> dict[str, list[str]]:
    base = [r["region"] for r in regions]
    counts = [n // len(base) + (1 if i < n % len(base) else 0) for i in range(len(base))]
    return {
        b: ([b] if c == 1 else [f"{b}-{k + 1:02d}" for k in range(c)])
        for b, c in zip(base, counts, strict=True)
    }


def scale(
    source: Path, regions: int, years_to: int, origins: int, seed: int
) -> dict[str, list[dict]]:
    """Return the sheets (name → rows) of the scaled workbook."""
    rng = random.Random(seed)
    sheets = _read(source)
    children = _provinces(sheets["regions"], max(regions, len(sheets["regions"])))
    shares = {b: _split(1, len(c), rng) for b, c in children.items()}

    # regions and every region-indexed sheet
    for name in list(sheets):
        if name.endswith("#header"):
            continue
        rows = sheets[name]
        if not rows or "region" not in rows[0]:
            continue
        new_rows = []
        for row in rows:
            kids = children.get(row["region"], [row["region"]])
            for kid, share in zip(kids, shares.get(row["region"], [1.0]), strict=True):
                copy = dict(row, region=kid)
                value = copy.get("value")
                if isinstance(value, int | float) and name != "regions":
                    if _param(name, row) in EXTENSIVE:
                        copy["value"] = round(value * share, 6)
                    elif name == "power_price":
                        copy["value"] = round(value * rng.uniform(0.9, 1.1), 4)
                new_rows.append(copy)
        sheets[name] = new_rows

    sheets["corridors"] = _corridors(sheets["corridors"], children, rng)
    _clone_origins(sheets, origins, rng)
    _extend_years(sheets, years_to)
    return sheets


def _corridors(rows: list[dict], children: dict[str, list[str]], rng: random.Random):
    template = defaultdict(dict)  # mode -> parameter -> (unit, value)
    for row in rows:
        template[row["mode"]][row["parameter"]] = (row["unit"], row["value"], row.get("source"))
    out = []

    def link(a: str, b: str, km: float) -> None:
        for mode, params in template.items():
            if mode == "water" and rng.random() < 0.5:
                continue
            for parameter, (unit, value, source) in params.items():
                v = round(km, 1) if parameter == "distance" else value
                out.append(
                    {
                        "region_from": a,
                        "region_to": b,
                        "mode": mode,
                        "parameter": parameter,
                        "value": v,
                        "unit": unit,
                        "source": f"scaled from the default: {source}",
                    }
                )

    flat = [k for kids in children.values() for k in kids]
    for kids in children.values():  # neighbours within a macro-region: a chain
        for a, b in itertools.pairwise(kids):
            link(a, b, rng.uniform(200, 700))
    groups = list(children.values())
    for ga, gb in itertools.pairwise(groups):  # macro-regions joined twice
        for _ in range(2):
            link(rng.choice(ga), rng.choice(gb), rng.uniform(700, 1500))
    for _ in range(len(flat) // 4):  # a few distant links
        a, b = rng.sample(flat, 2)
        link(a, b, rng.uniform(1500, 3000))
    seen, unique = set(), []
    for row in out:  # drop duplicate corridors (same pair and mode)
        key = (frozenset((row["region_from"], row["region_to"])), row["mode"], row["parameter"])
        if key not in seen and row["region_from"] != row["region_to"]:
            seen.add(key)
            unique.append(row)
    return unique


def _clone_origins(sheets: dict, origins: int, rng: random.Random) -> None:
    existing = [r["origin"] for r in sheets["origins"]]
    extra = max(0, origins - len(existing))
    for k in range(extra):
        parent = existing[k % len(existing)]
        name = f"{parent} {k // len(existing) + 2}"
        (prow,) = [r for r in sheets["origins"] if r["origin"] == parent]
        sheets["origins"].append(dict(prow, origin=name))
        for sheet in ("imports", "risk_premium"):
            for row in [r for r in sheets.get(sheet, []) if r["origin"] == parent]:
                copy = dict(row, origin=name)
                if _param(sheet, row) in ORIGIN_EXTENSIVE:
                    copy["value"] = round(row["value"] * rng.uniform(0.2, 0.5), 6)
                elif sheet == "imports":
                    copy["value"] = round(row["value"] * rng.uniform(0.97, 1.08), 6)
                sheets[sheet].append(copy)


def _extend_years(sheets: dict, years_to: int) -> None:
    settings = {r["parameter"]: r for r in sheets["settings"]}
    final = int(settings["final_year"]["value"])
    if years_to < final:  # a shorter horizon: drop the rows of the years cut off
        settings["final_year"]["value"] = years_to
        for name, rows in sheets.items():
            if not name.endswith("#header") and rows and "year" in rows[0]:
                sheets[name] = [
                    r for r in rows if not isinstance(r["year"], int) or r["year"] <= years_to
                ]
        for row in sheets.get("shocks", []):  # shocks stay (scenarios name them), moved in
            for key in ("first_year", "last_year"):
                if isinstance(row.get(key), int):
                    row[key] = min(row[key], years_to)
        return
    if years_to == final:
        return
    settings["final_year"]["value"] = years_to
    for name in ("demand", "exports"):
        rows = sheets.get(name, [])
        series = defaultdict(dict)
        for row in rows:
            key = tuple(
                (k, v) for k, v in row.items() if k not in ("year", "value", "source", "note")
            )
            series[key][int(row["year"])] = row
        for by_year in series.values():
            if final not in by_year:
                continue
            last = by_year[final]
            prev = by_year.get(final - 1, last)
            growth = last["value"] / prev["value"] if prev["value"] else 1.0
            growth = min(max(growth, 0.97), 1.03)
            value = last["value"]
            for year in range(final + 1, years_to + 1):
                value *= growth
                rows.append(
                    dict(
                        last,
                        year=year,
                        value=round(value, 6),
                        source="extrapolated at the last growth rate",
                    )
                )


def write(sheets: dict, path: Path) -> Path:
    wb = Workbook()
    wb.remove(wb.active)
    for name, rows in sheets.items():
        if name.endswith("#header"):
            continue
        header = sheets[name + "#header"]
        ws = wb.create_sheet(name)
        ws.append(header)
        for row in rows:
            ws.append([row.get(h) for h in header])
    wb.save(path)
    return path


def main(argv: list[str] | None = None) -> None:
    from msc_model.pipeline import default_workbook

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--regions", type=int, default=31)
    parser.add_argument("--years-to", type=int, default=2050)
    parser.add_argument("--origins", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--source", type=Path, default=None, help="base workbook")
    parser.add_argument("-o", "--output", type=Path, required=True)
    args = parser.parse_args(argv)
    source = args.source or default_workbook()
    sheets = scale(source, args.regions, args.years_to, args.origins, args.seed)
    print(write(sheets, args.output))


if __name__ == "__main__":
    main()
