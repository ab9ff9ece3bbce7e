"""The ``shocks`` and ``shock_scenarios`` sheets → :class:`Shock` and :class:`ShockScenario`.

Checked cell by cell like every other sheet (unknown kind, metal, origin or region; a share
outside 0-1; years outside the horizon; columns a kind does not use), then against the rest
of the workbook: a cut must hit some import option or corridor, a partial cut needs a limit
to cut, an import cut at a region needs an entry region, and the probabilities of the
scenarios sum to 1. The sheets are optional; without them the library is empty.
"""

from __future__ import annotations

from collections.abc import Mapping

from msc_model.errors import did_you_mean
from msc_model.inputs.cells import CellProblem, is_blank, parse_name, parse_number, parse_year
from msc_model.inputs.context import Context
from msc_model.inputs.reader import RawSheet
from msc_model.inputs.tables import Header, resolve_header
from msc_model.resilience.shocks import (
    CORRIDOR_CUT,
    IMPORT_CUT,
    PRICE_MULTIPLIER,
    Shock,
    ShockScenario,
    corridor_rows,
    import_options,
)
from msc_model.schema import FIXED_SETS, OPTIONAL_COLUMNS, SHEETS, RecordSheet

SHOCKS, SCENARIOS = "shocks", "shock_scenarios"
PROBABILITY_TOLERANCE = 1e-6
#: columns each kind uses besides name, kind and years; any other filled cell is an error
USES = {
    "import_cut": ("metal", "form", "origin", "region", "share"),
    "corridor_cut": ("region", "region_to", "mode", "share"),
    "capacity_outage": ("metal", "process", "region", "share"),
    "price_multiplier": ("metal", "form", "origin", "multiplier"),
}
REQUIRES = {
    "import_cut": ("share",),
    "corridor_cut": ("region", "region_to", "share"),
    "capacity_outage": ("region", "share"),
    "price_multiplier": ("multiplier",),
}
_OPTIONAL_FILTERS = ("metal", "form", "origin", "region", "region_to", "mode", "process")


def read_shocks(
    ctx: Context, raw: Mapping[str, RawSheet], set_rows: Mapping[str, Mapping]
) -> dict[str, tuple]:
    """Read and check both sheets; the ModelData fields ``shocks`` and ``shock_scenarios``.

    Problems go to ``ctx`` (raised with every other problem of the workbook).
    """
    shocks, names = _read_shocks(ctx, raw[SHOCKS], set_rows) if SHOCKS in raw else ((), set())
    scenarios = _read_scenarios(ctx, raw[SCENARIOS], names) if SCENARIOS in raw else ()
    return {"shocks": shocks, "shock_scenarios": scenarios}


def _header(ctx: Context, sheet: RawSheet) -> tuple[RecordSheet, Header | None]:
    spec = SHEETS[sheet.name]
    required = tuple(c.name for c in spec.fields if c.required)
    optional = tuple(c.name for c in spec.fields if not c.required) + OPTIONAL_COLUMNS
    return spec, resolve_header(ctx, sheet, required, optional, wide=False)


def _read_shocks(ctx: Context, sheet: RawSheet, set_rows) -> tuple[tuple[Shock, ...], set]:
    """The usable rows, and every name on the sheet (a scenario naming a shock whose row
    has a problem is not reported a second time)."""
    spec, header = _header(ctx, sheet)
    if header is None:
        return (), set()
    shocks, names = [], set()
    for number, row in sheet.rows:
        cell = {c: header.cell(number, c) for c in spec.columns() if c in header.columns}
        value = {c: header.get(row, c) for c in cell}
        names.add(_text(value.get("name")))
        shock = _shock(ctx, value, cell, set_rows)
        if shock is not None:
            shocks.append(shock)
    return tuple(shocks), names - {None}


def _shock(ctx: Context, value: dict, cell: dict, set_rows) -> Shock | None:
    """One row, or None (after reporting) when it cannot be used."""
    problems_before = len(ctx.problems.problems)
    fields: dict[str, object] = {}
    for column in ("name", "kind", "first_year"):
        if is_blank(value.get(column)):
            ctx.blank(SHOCKS, cell[column], f"a {column.replace('_', ' ')}")
    name = _text(value.get("name"))
    kind = _member(ctx, value, cell, "kind", FIXED_SETS["shock_kind"])
    for column in _OPTIONAL_FILTERS:
        members = _members(ctx, column)
        fields[column] = _member(ctx, value, cell, column, members)
    for column in ("share", "multiplier"):
        if column in cell:
            fields[column] = _number(ctx, SHOCKS, value[column], cell[column], column == "share")
    first = _year(ctx, value, cell, "first_year")
    last = _year(ctx, value, cell, "last_year") if not is_blank(value.get("last_year")) else first
    if first is not None and last is not None and last < first:
        ctx.add(SHOCKS, cell["last_year"], f"last_year {last}", f"a year not before {first}")
    if kind is not None:
        _check_columns(ctx, kind, value, cell)
    if len(ctx.problems.problems) > problems_before or None in (name, kind, first, last):
        return None
    shock = Shock(
        name,
        kind,
        first,
        last,
        **{k: v for k, v in fields.items() if v is not None},
        source=_text(value.get("source")) or "",
        note=_text(value.get("note")) or "",
        cell=f"{SHOCKS}!{cell['name']}",
    )
    _check_targets(ctx, shock, cell, set_rows)
    return shock


def _text(raw: object) -> str | None:
    return None if is_blank(raw) else str(raw).strip()


def _members(ctx: Context, column: str) -> tuple[str, ...] | None:
    kind = next(c.kind for c in SHEETS[SHOCKS].fields if c.name == column)
    source, name = kind.split(":", 1)
    return FIXED_SETS[name] if source == "enum" else ctx.sets.get(name)


def _member(ctx: Context, value: dict, cell: dict, column: str, members) -> str | None:
    raw = value.get(column)
    if is_blank(raw):
        return None
    try:
        name = parse_name(raw)
    except CellProblem as exc:
        ctx.add(SHOCKS, cell[column], exc.found, exc.expected)
        return None
    if members is not None and name not in members:
        expected = "one of " + ", ".join(members) if len(members) <= 12 else f"a known {column}"
        ctx.add(SHOCKS, cell[column], f"'{name}'", expected, did_you_mean(name, members))
        return None
    return name


def _number(ctx: Context, sheet: str, raw: object, cell: str, share: bool) -> float | None:
    """A share (0-1, or text "30 %") or a positive number; None when blank or bad."""
    if is_blank(raw):
        return None
    expected = "a share between 0 and 1 (or 0-100 %)" if share else "a number above 0"
    try:
        text = str(raw).strip() if isinstance(raw, str) else None
        if share and text is not None and text.endswith("%"):
            number = parse_number(text[:-1].strip(), expected) / 100.0
        else:
            number = parse_number(raw, expected)
    except CellProblem as exc:
        ctx.add(sheet, cell, exc.found, expected, exc.hint)
        return None
    if (share and not 0.0 <= number <= 1.0) or (not share and number <= 0.0):
        hint = "write 30 % as 0.3 or as text '30%'" if share and 1 < number <= 100 else ""
        ctx.add(sheet, cell, f"{number:g}", expected, hint)
        return None
    return number


def _year(ctx: Context, value: dict, cell: dict, column: str) -> int | None:
    raw = value.get(column)
    if is_blank(raw):
        return None
    try:
        year = parse_year(raw)
    except CellProblem as exc:
        ctx.add(SHOCKS, cell[column], exc.found, exc.expected, exc.hint)
        return None
    if ctx.years is not None and year not in ctx.years:
        span = f"{ctx.base_year}-{ctx.final_year}"
        ctx.add(SHOCKS, cell[column], f"year {year}", f"a model year ({span})")
        return None
    return year


def _check_columns(ctx: Context, kind: str, value: dict, cell: dict) -> None:
    """Columns the kind needs are filled; the ones it does not use are blank."""
    for column in REQUIRES[kind]:
        if column in cell and is_blank(value.get(column)):
            ctx.blank(SHOCKS, cell[column], f"a {column} ({kind} needs one)")
        elif column not in cell:
            ctx.add(SHOCKS, "", f"no column '{column}'", f"a '{column}' column for {kind}")
    unused = set(_OPTIONAL_FILTERS + ("share", "multiplier")) - set(USES[kind])
    for column in sorted(unused & set(cell), key=list(cell).index):
        if not is_blank(value.get(column)):
            ctx.add(SHOCKS, cell[column], f"{column} {value[column]!r}", f"blank ({kind} "
                    f"uses {', '.join(USES[kind])})")  # fmt: skip


def _check_targets(ctx: Context, shock: Shock, cell: dict, set_rows) -> None:
    """The shock hits something in this workbook, and a partial cut has a limit to cut."""
    if shock.kind in (IMPORT_CUT, PRICE_MULTIPLIER):
        regions = set_rows.get("regions", {})
        sea = {r for r, a in regions.items() if a.get("sea_port")}
        land = {r for r, a in regions.items() if a.get("land_corridor")}
        entry = {o: a.get("entry") for o, a in set_rows.get("origins", {}).items()}
        if shock.region is not None and shock.region not in sea | land:
            ctx.add(SHOCKS, cell["region"], f"region '{shock.region}'",
                    "an entry region (sea_port or land_corridor on the regions sheet)")  # fmt: skip
            return
        options = import_options(shock, ctx.params.get("import_price", {}), entry, sea, land)
        if not options:
            given = [c for c in ("origin", "form", "metal", "region") if getattr(shock, c)]
            column = given[0] if given else "kind"
            ctx.add(SHOCKS, cell[column], f"a {shock.kind} that hits no import option",
                    "a metal, form, origin (and entry region) of a row of the imports sheet")  # fmt: skip
            return
        limits = ctx.params.get("import_availability", {})
        free = [o for o in options if o not in limits]
        if shock.kind == IMPORT_CUT and free and shock.share < 1.0:
            ctx.add(SHOCKS, cell["share"], f"a {shock.share:.0%} cut of imports of "
                    f"{', '.join(' '.join(o) for o in free)}, which have no import_availability",
                    "an import_availability to cut (imports sheet) or a share of 100 %")  # fmt: skip
    elif shock.kind == CORRIDOR_CUT:
        rows = set(ctx.params.get("distance", {})) | set(ctx.params.get("corridor_capacity", {}))
        hit = corridor_rows(shock, rows)
        if not hit:
            ctx.add(SHOCKS, cell["region_to"], f"corridor {shock.region}-{shock.region_to}"
                    f" ({shock.mode or 'any mode'})", "a corridor of the corridors sheet")  # fmt: skip
            return
        capacity = ctx.params.get("corridor_capacity", {})
        free = [r for r in hit if r not in capacity and (r[1], r[0], r[2]) not in capacity]
        if free and shock.share < 1.0:
            ctx.add(SHOCKS, cell["share"], f"a {shock.share:.0%} cut of corridor "
                    f"{'-'.join(free[0][:2])} ({free[0][2]}), which has no corridor_capacity",
                    "a corridor_capacity to cut or a share of 100 %")  # fmt: skip


def _read_scenarios(ctx: Context, sheet: RawSheet, names: set[str]) -> tuple[ShockScenario, ...]:
    spec, header = _header(ctx, sheet)
    if header is None:
        return ()
    members: dict[str, list[str]] = {}
    probability: dict[str, tuple[float, str]] = {}
    first_cell: dict[str, str] = {}
    probability_cell: dict[str, str] = {}
    seen: dict[tuple[str, str], str] = {}
    for number, row in sheet.rows:
        cell = {c: header.cell(number, c) for c in spec.columns() if c in header.columns}
        name = _text(header.get(row, "scenario"))
        if name is None:
            ctx.blank(SCENARIOS, cell["scenario"], "a scenario name")
            continue
        first_cell.setdefault(name, cell["scenario"])
        probability_cell.setdefault(name, cell.get("probability", cell["scenario"]))
        members.setdefault(name, [])
        shock = _text(header.get(row, "shock")) if "shock" in cell else None
        if shock is not None:
            if (name, shock) in seen:
                ctx.add(SCENARIOS, cell["shock"], f"shock '{shock}' again in '{name}'",
                        "each shock once per scenario", f"also at {seen[name, shock]}")  # fmt: skip
            elif shock not in names:
                ctx.add(SCENARIOS, cell["shock"], f"shock '{shock}'",
                        "a name on the shocks sheet", did_you_mean(shock, names))  # fmt: skip
            else:
                seen[name, shock] = f"{SCENARIOS}!{cell['shock']}"
                members[name].append(shock)
        raw = header.get(row, "probability")
        value = _number(ctx, SCENARIOS, raw, cell.get("probability", ""), True)
        if value is None:
            continue
        if name in probability and abs(probability[name][0] - value) > PROBABILITY_TOLERANCE:
            old, where = probability[name]
            ctx.add(SCENARIOS, cell["probability"], f"probability {value:g} for '{name}'",
                    f"the same as on its other rows ({old:g})", f"also at {where}")  # fmt: skip
        probability.setdefault(name, (value, f"{SCENARIOS}!{cell['probability']}"))
    for name in members:
        if name not in probability:
            ctx.blank(SCENARIOS, probability_cell[name], f"the probability of scenario '{name}'")
    total = sum(p for p, _ in probability.values())
    if probability and len(probability) == len(members) and abs(total - 1) > PROBABILITY_TOLERANCE:
        where = ", ".join(w for _, w in probability.values())
        first = next(iter(probability.values()))[1].split("!", 1)[1]
        ctx.add(SCENARIOS, first, f"probabilities summing to {total:g}", "a sum of 1",
                f"cells {where}")  # fmt: skip
    return tuple(
        ShockScenario(name, tuple(members[name]), probability[name][0],
                      f"{SCENARIOS}!{first_cell[name]}")
        for name in members
        if name in probability
    )  # fmt: skip
