"""Checking what an overlay row or a sweep factor names: parameter, selector, operation, unit.

Shared by scenario rows (:mod:`msc_model.scenarios.overlays`) and sweep factors
(:mod:`msc_model.scenarios.design`): both name a catalogue parameter, select index
members, choose an operation and give a unit, and both must be refused with the cell (or
command-line option) that is wrong, exactly as the workbook reader would.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from msc_model.data import ModelData
from msc_model.errors import ProblemCollector, UnitError, did_you_mean
from msc_model.inputs.cells import CellProblem, address, is_blank, parse_name, parse_year
from msc_model.inputs.money import split_price_year
from msc_model.schema import INDEX_SETS, PARAMS, SHEETS, Param, ParamSheet
from msc_model.units import conversion_factor, default_bases, is_dimensionless

OPERATIONS = ("set", "scale", "add")
#: read-time settings: other values were already converted with them, so changing them
#: afterwards would leave the case inconsistent
FROZEN = {
    "base_year": "the horizon is fixed by the workbook",
    "final_year": "the horizon is fixed by the workbook",
    "price_base_year": "prices were read in this year's money",
    "exchange_rate": "CNY values were converted with it when the workbook was read",
    "metal_fraction": "content bases were applied when the workbook was read",
    "case_name": "a text setting, not a number: the scenario's own name marks its results",
}


class Resolver:
    """Checks parameter names, selectors and units of overlay rows against one case.

    Problems go to ``problems`` (one InputError at the end lists them all); each method
    returns None after reporting.
    """

    def __init__(self, data: ModelData, problems: ProblemCollector) -> None:
        self.data = data
        self.problems = problems
        self.bases = _bases(data)
        self.exchange_rate = data.params.get("exchange_rate", {}).get(())

    def param(
        self, name: object, sheet: str, cell: str, parameter: object = None
    ) -> tuple[ParamSheet, Param] | None:
        """The catalogue entry a ``table`` cell names (a parameter, or a one-parameter
        sheet; for a grouped sheet the ``parameter`` column picks one)."""
        text = "" if is_blank(name) else str(name).strip()
        if not is_blank(parameter) and text in SHEETS:
            text = str(parameter).strip()
        if text in PARAMS:
            spec, param = PARAMS[text]
        elif (
            text in SHEETS
            and isinstance(SHEETS[text], ParamSheet)
            and len(SHEETS[text].params) == 1
        ):
            spec = SHEETS[text]
            param = spec.params[0]
        else:
            hint = did_you_mean(text, list(PARAMS)) if text else ""
            if text in SHEETS and isinstance(SHEETS[text], ParamSheet):
                names = ", ".join(p.name for p in SHEETS[text].params)
                hint = f"sheet {text} holds several parameters: name one ({names})"
            self.problems.add(
                sheet, cell, f"'{text}'" if text else "blank", "a parameter name", hint
            )
            return None
        if param.name in FROZEN:
            self.problems.add(
                sheet,
                cell,
                f"'{param.name}'",
                "a parameter a scenario may change",
                FROZEN[param.name],
            )
            return None
        return spec, param

    def selector(
        self,
        spec: ParamSheet,
        param: Param,
        raw: Mapping[str, tuple[object, str]],
        sheet: str,
    ) -> tuple[tuple[str, object], ...] | None:
        """Index column → member pairs from non-blank cells, each checked against its set."""
        pairs: list[tuple[str, object]] = []
        ok = True
        for column, (value, cell) in raw.items():
            if is_blank(value):
                continue
            if column not in spec.index:
                index = ", ".join(spec.index) or "none: a single value"
                self.problems.add(
                    sheet,
                    cell,
                    f"a {column} selector",
                    f"blank ({param.name} is indexed by {index})",
                )
                ok = False
                continue
            member = self._member(param, column, value, sheet, cell)
            if member is None:
                ok = False
                continue
            pairs.append((column, member))
        order = {c: i for i, c in enumerate(spec.index)}
        return tuple(sorted(pairs, key=lambda p: order[p[0]])) if ok else None

    def _member(self, param: Param, column: str, value: object, sheet: str, cell: str):
        try:
            member = parse_year(value) if column == "year" else parse_name(value)
        except CellProblem as exc:
            self.problems.add(sheet, cell, exc.found, exc.expected, exc.hint)
            return None
        known = members(self.data, param.name, column)
        if known is not None and member not in known:
            shown = [str(k) for k in known]
            self.problems.add(
                sheet,
                cell,
                f"'{member}'",
                f"a {column} of the case ({', '.join(shown[:8])}{', …' if len(shown) > 8 else ''})",
                did_you_mean(str(member), shown),
            )
            return None
        return member

    def factor(
        self,
        param: Param,
        operation: str,
        unit: object,
        metal: str | None,
        sheet: str,
        cell: str,
    ) -> float | None:
        """The factor from the row's unit to the canonical unit (1 for ``scale``)."""
        text = "" if is_blank(unit) else str(unit).strip()
        if operation == "scale":
            if text and text != "%":
                self.problems.add(
                    sheet, cell, f"unit '{text}'", "a blank unit or % for a scale factor"
                )
                return None
            return 0.01 if text == "%" else 1.0
        if param.kind in ("year", "flag"):
            if text:
                self.problems.add(sheet, cell, f"unit '{text}'", f"a blank unit ({param.kind})")
                return None
            return 1.0
        if not text:
            if is_dimensionless(param.unit):
                return 1.0
            self.problems.add(
                sheet, cell, "blank", f"a unit for {param.name}, such as '{param.unit}'"
            )
            return None
        text, year = split_price_year(text)
        deflate = 1.0
        if year is not None:  # money of another year: the case's deflator converts it
            deflator = self.data.table("deflator")
            base = int(self.data.get("price_base_year", ()))
            if "MUSD" not in param.unit or year == -1 or not {(year,), (base,)} <= set(deflator):
                self.problems.add(
                    sheet, cell, f"unit '{unit}'",
                    "a money unit whose price year is on the deflator sheet",
                )  # fmt: skip
                return None
            deflate = deflator[(base,)] / deflator[(year,)]
        try:
            return deflate * conversion_factor(
                text,
                param.unit,
                metal=metal,
                bases=self.bases,
                exchange_rate=self.exchange_rate,
                metals=self.data.metals,
            )
        except UnitError as exc:
            self.problems.add(
                sheet,
                cell,
                f"unit '{text}'",
                f"a unit convertible to '{param.unit or '%'}'",
                str(exc),
            )
            return None

    def operation(self, value: object, sheet: str, cell: str, param: Param) -> str | None:
        text = "" if is_blank(value) else str(value).strip().lower()
        if text not in OPERATIONS:
            self.problems.add(
                sheet,
                cell,
                f"'{value}'" if text else "blank",
                "set, scale or add",
                did_you_mean(text, OPERATIONS) if text else "",
            )
            return None
        if param.kind == "flag" and text != "set":
            self.problems.add(sheet, cell, f"'{text}'", f"set ({param.name} is yes/no)")
            return None
        return text


def _bases(data: ModelData) -> dict[str, tuple[str, float]]:
    """Content bases usable in units: LCE and those the workbook declares."""
    bases = default_bases()
    table = data.tables.get("content_bases")
    fractions = data.params.get("metal_fraction", {})
    if table is not None and {"basis", "metal"} <= set(getattr(table, "columns", ())):
        for basis, metal in zip(table["basis"], table["metal"], strict=True):
            name = str(basis).strip()
            if (name,) in fractions and not is_blank(metal):
                bases[name] = (str(metal).strip(), fractions[(name,)])
    return bases


def members(data: ModelData, parameter: str, column: str) -> list | None:
    """Members an index column can take for ``parameter``; None when free text."""
    source = INDEX_SETS.get(column)
    if column == "year":
        spec = PARAMS[parameter][0]
        given = {k[spec.index.index("year")] for k in data.table(parameter)}
        return sorted(set(data.years) | given)
    if source is None:
        spec = PARAMS[parameter][0]
        return sorted({k[spec.index.index(column)] for k in data.table(parameter)})
    return list(
        {
            "metals": data.metals,
            "regions": data.regions,
            "origins": data.origins,
            "modes": data.modes,
            "process": data.processes,
            "form": data.forms,
        }[source]
    )


def read_header(
    header: Sequence[object],
    sheet: str,
    problems: ProblemCollector,
    required: Sequence[str],
    optional: Sequence[str],
) -> dict[str, int]:
    """Column positions. Unknown columns are errors, not warnings: a mistyped selector
    column ignored would silently widen the change to every member."""
    known = [*required, *optional, *(c for c in INDEX_SETS)]
    columns: dict[str, int] = {}
    for position, value in enumerate(header):
        if is_blank(value):
            continue
        name = str(value).strip()
        where = address(1, position + 1)
        if name not in known:
            problems.add(
                sheet, where, f"column '{name}'", "a known column", did_you_mean(name, known)
            )
        elif name in columns:
            problems.add(sheet, where, f"column '{name}' again", "each column once")
        else:
            columns[name] = position
    for name in required:
        if name not in columns:
            problems.add(sheet, "", f"no '{name}' column", f"columns {', '.join(required)}")
    return columns
