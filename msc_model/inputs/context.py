"""State shared while one workbook is checked: problems, sets, horizon, converted values.

The checks run sheet by sheet in dependency order (sets, then settings for the horizon and
exchange rate, then content bases, then the rest); each stage reads what earlier stages
stored here, so no check needs the raw workbook of another sheet.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from msc_model.errors import ProblemCollector
from msc_model.schema import Param
from msc_model.units import default_bases


@dataclass
class Entry:
    """One value of one parameter as found in the workbook, before conversion."""

    param: Param
    key: tuple  # index values in the sheet's index order (years as int)
    raw: object  # content of the value cell
    cell: str  # address of the value cell, e.g. "D5"
    unit: object  # content of the unit cell
    unit_cell: str
    row: int
    extras: dict[str, tuple[object, str]] = field(default_factory=dict)  # column -> (raw, cell)
    index_cells: tuple[str, ...] = ()  # addresses of the index cells, in index order


@dataclass
class Context:
    """Everything learnt so far about the workbook being checked."""

    problems: ProblemCollector
    #: set sheet -> members in workbook order; None when the sheet is missing or unusable,
    #: so index checks against it are skipped instead of flooding the report
    sets: dict[str, tuple[str, ...] | None] = field(default_factory=dict)
    base_year: int | None = None
    final_year: int | None = None
    exchange_rate: float | None = None
    bases: dict[str, tuple[str, float]] = field(default_factory=default_bases)
    params: dict[str, dict[tuple, float]] = field(default_factory=dict)
    #: text settings (``case_name``) -> their words; never among the numbers of ``params``
    texts: dict[str, str] = field(default_factory=dict)
    cells: dict[str, dict[tuple, str]] = field(default_factory=dict)
    #: parameter -> key -> address of a value cell that was read blank (dense checks use it)
    blank_values: dict[str, dict[tuple, str]] = field(default_factory=dict)
    #: sheet -> cells read blank that may hold a formula with no cached value
    blank_cells: dict[str, set[str]] = field(default_factory=dict)
    entries: dict[str, list[Entry]] = field(default_factory=dict)  # sheet -> entries

    def add(self, sheet: str, cell: str, found: str, expected: str, hint: str = "") -> None:
        self.problems.add(sheet, cell, found, expected, hint)

    def warn(self, sheet: str, cell: str, found: str, expected: str, hint: str = "") -> None:
        self.problems.warn(sheet, cell, found, expected, hint)

    def blank(self, sheet: str, cell: str, expected: str | None, hint: str = "") -> None:
        """Note a blank cell; report it as a problem when ``expected`` is given."""
        self.blank_cells.setdefault(sheet, set()).add(cell)
        if expected is not None:
            self.add(sheet, cell, "blank", expected, hint)

    @property
    def years(self) -> tuple[int, ...] | None:
        """Model years, or None when the settings do not give a usable horizon."""
        if self.base_year is None or self.final_year is None or self.final_year < self.base_year:
            return None
        return tuple(range(self.base_year, self.final_year + 1))

    def store(self, entry: Entry, sheet: str, value: float) -> None:
        self.params.setdefault(entry.param.name, {})[entry.key] = value
        self.cells.setdefault(entry.param.name, {})[entry.key] = f"{sheet}!{entry.cell}"

    def store_text(self, entry: Entry, sheet: str, text: str) -> None:
        self.texts[entry.param.name] = text
        self.cells.setdefault(entry.param.name, {})[entry.key] = f"{sheet}!{entry.cell}"
