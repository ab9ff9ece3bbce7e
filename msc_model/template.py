"""write_template: a blank, documented input workbook generated from the catalogue.

Every sheet, header, comment, dropdown and README line comes from :mod:`msc_model.schema`,
so the template cannot drift from what :func:`msc_model.inputs.load_inputs` accepts.
Parameter sheets get one placeholder row per parameter with the canonical unit filled in:
rows whose index and value cells are blank are ignored by the reader, so the user fills
them in (or copies them) without deleting anything.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from msc_model import schema
from msc_model.safety import atomic_write, check_target
from msc_model.schema import FIXED_SETS, INDEX_SETS, Param, ParamSheet, RecordSheet, SetSheet

#: rows covered by dropdowns and set references (far more than any model needs)
LAST_ROW = 2000
_HEADER_FONT = Font(bold=True)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_FLAG_LIST = '"yes,no"'


def write_template(path: str | Path, *, overwrite: bool = False) -> Path:
    """Write a blank input workbook documenting every sheet and parameter.

    Parameters
    ----------
    path
        Where to write the ``.xlsx``; its folder must exist.
    overwrite
        Replace an existing file. Without it an existing file is never touched.

    Returns
    -------
    Path
        The path written.

    Raises
    ------
    OutputError
        The file exists and ``overwrite`` is False, or the folder is missing or not
        writable.
    """
    path = check_target(path, overwrite=overwrite)
    workbook = build_template()
    # through the one safe writer: temporary file, fsync, swap; never a half-written file
    return atomic_write(path, workbook.save, overwrite=overwrite).path


def build_template() -> Workbook:
    """The template as an in-memory workbook (README, set sheets, parameter sheets)."""
    workbook = Workbook()
    _readme(workbook.active)
    for spec in schema.SET_SHEETS:
        _set_sheet(workbook.create_sheet(spec.sheet), spec)
    for spec in schema.PARAM_SHEETS:
        _param_sheet(workbook.create_sheet(spec.sheet), spec)
    for spec in schema.RECORD_SHEETS:
        _record_sheet(workbook.create_sheet(spec.sheet), spec)
    return workbook


def _conventions() -> list[str]:
    """The workbook conventions paragraph of the schema's docstring, one line per item."""
    text = schema.__doc__ or ""
    start = text.find("Workbook conventions")
    end = text.find("Canonical units")
    lines: list[str] = []
    for line in text[start:end].splitlines()[1:]:
        line = line.strip().replace("``", "'").replace("**", "")
        if line.startswith("- "):
            lines.append(line)
        elif line and lines:
            lines[-1] += " " + line
    return lines


def _readme(sheet: Worksheet) -> None:
    sheet.title = "README"
    lines = [
        ["msc-model input workbook"],
        [],
        ["Conventions"],
        *[[line] for line in _conventions()],
        [
            "- units: write them in the unit column (kt, Mt/yr, t/a, USD/t, CNY/t with an "
            "exchange_rate, % for shares); a blank unit on a share means a fraction; "
            "'ton' is refused as ambiguous."
        ],
        [
            "- flags: yes/no (also true/false, 1/0, x). Fixed lists: process = "
            + ", ".join(schema.PROCESSES)
            + "; form = "
            + ", ".join(schema.FORMS)
            + "; entry = "
            + ", ".join(schema.ENTRY_TYPES)
            + "."
        ],
        ["- rows left with blank index and value cells are ignored (placeholders)."],
        [],
    ]
    for row in lines:
        sheet.append(row)
    for number in (1, 3):
        sheet.cell(number, 1).font = Font(bold=True, size=14 if number == 1 else 12)
    heading = [
        "sheet",
        "column / parameter",
        "index",
        "canonical unit",
        "range",
        "default",
        "description",
    ]
    sheet.append(heading)
    header_row = sheet.max_row
    for spec in schema.SET_SHEETS:
        sheet.append([spec.sheet, spec.key, "", "", "", "required", spec.description])
        for column in spec.columns:
            default = "required" if column.required else f"optional ({column.default or 'blank'})"
            sheet.append(
                [spec.sheet, column.name, "", "", column.kind, default, column.description]
            )
    for spec in schema.PARAM_SHEETS:
        for param in spec.params:
            sheet.append(
                [
                    spec.sheet,
                    param.name,
                    ", ".join(spec.index),
                    _unit_text(param),
                    _range_text(param),
                    _default_text(param),
                    param.description + (" " + spec.description if len(spec.params) == 1 else ""),
                ]
            )
    for spec in schema.RECORD_SHEETS:
        for column in spec.fields:
            default = "required" if column.required else "optional"
            sheet.append(
                [spec.sheet, column.name, "", "", column.kind, default, column.description]
            )
    _style_header(sheet, header_row, len(heading))
    for letter, width in zip("ABCDEFG", (22, 24, 28, 16, 14, 22, 90), strict=True):
        sheet.column_dimensions[letter].width = width
    sheet.freeze_panes = f"A{header_row + 1}"


def _unit_text(param: Param) -> str:
    if param.kind == "year":
        return "(calendar year)"
    if param.kind == "flag":
        return "(yes/no)"
    if param.kind == "text":
        return "(text)"
    return param.unit or "fraction (or %)"


def _range_text(param: Param) -> str:
    low = "" if param.min is None else f"{param.min:g}"
    high = "" if param.max is None else f"{param.max:g}"
    return f"{low} .. {high}" if low or high else ""


def _default_text(param: Param) -> str:
    if param.dense:
        return "required for every combination" if param.default is None else "required"
    if param.default is not None:
        return f"optional, default {param.default:g}"
    if param.kind == "text":
        return "optional (absent: the file name)"
    return "optional (absent: none)"


def _style_header(sheet: Worksheet, row: int, width: int) -> None:
    for column in range(1, width + 1):
        cell = sheet.cell(row, column)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(vertical="top")


def _header(sheet: Worksheet, columns: list[tuple[str, str]]) -> dict[str, str]:
    """Write the header row with descriptions as comments; return column letters by name."""
    letters = {}
    for position, (name, note) in enumerate(columns, start=1):
        cell = sheet.cell(1, position, name)
        cell.comment = Comment(note, "msc-model", width=320, height=110)
        letters[name] = get_column_letter(position)
        sheet.column_dimensions[letters[name]].width = max(12, len(name) + 4)
    _style_header(sheet, 1, len(columns))
    sheet.freeze_panes = "A2"
    return letters


def _dropdown(sheet: Worksheet, letter: str, formula: str, prompt: str) -> None:
    rule = DataValidation(type="list", formula1=formula, allow_blank=True)
    rule.prompt, rule.showInputMessage = prompt, True
    rule.add(f"{letter}2:{letter}{LAST_ROW}")
    sheet.add_data_validation(rule)


def _list(members: tuple[str, ...]) -> str:
    return '"' + ",".join(members) + '"'


def _index_description(column: str) -> str:
    set_name = INDEX_SETS.get(column)
    if column == "year":
        return "Year (whole number)."
    if set_name in FIXED_SETS:
        return "One of: " + ", ".join(FIXED_SETS[set_name]) + "."
    if set_name:
        return f"A {column.split('_')[0]} listed on the '{set_name}' sheet."
    return f"Free-text {column.replace('_', ' ')} name."


def _index_dropdown(sheet: Worksheet, letter: str, column: str) -> None:
    set_name = INDEX_SETS.get(column)
    if set_name in FIXED_SETS:
        _dropdown(sheet, letter, _list(FIXED_SETS[set_name]), _index_description(column))
    elif set_name and set_name != "year":
        # refers to the set sheet, so new members appear in the list without editing it
        source = f"{set_name}!$A$2:$A${LAST_ROW}"
        _dropdown(sheet, letter, source, _index_description(column))


def _set_sheet(sheet: Worksheet, spec: SetSheet) -> None:
    sheet.title = spec.sheet
    columns = [(spec.key, f"{spec.description} One {spec.key} per row, each once.")]
    columns += [
        (c.name, c.description + ("" if c.required else " Optional.")) for c in spec.columns
    ]
    columns += [(name, "Optional, echoed to reports.") for name in schema.OPTIONAL_COLUMNS]
    letters = _header(sheet, columns)
    for column in spec.columns:
        if column.kind == "flag":
            _dropdown(sheet, letters[column.name], _FLAG_LIST, "yes or no")
        elif column.kind.startswith("enum:"):
            _dropdown(
                sheet, letters[column.name], _list(FIXED_SETS[column.kind[5:]]), column.description
            )


def _param_sheet(sheet: Worksheet, spec: ParamSheet) -> None:
    sheet.title = spec.sheet
    columns = [(c, _index_description(c)) for c in spec.index]
    if spec.grouped:
        columns.append(("parameter", "One of: " + ", ".join(p.name for p in spec.params) + "."))
    value_note = (
        spec.description if spec.grouped else f"{spec.params[0].description} {spec.description}"
    )
    columns.append(("value", value_note))
    columns.append(
        ("unit", "Unit of the value; see the README for each parameter's canonical unit.")
    )
    columns += [(c.name, c.description) for c in spec.extra]
    columns += [(name, "Optional, echoed to reports.") for name in schema.OPTIONAL_COLUMNS]
    letters = _header(sheet, columns)
    for column in spec.index:
        _index_dropdown(sheet, letters[column], column)
    for column in spec.extra:
        if column.kind.startswith("set:"):
            _dropdown(
                sheet,
                letters[column.name],
                f"{column.kind[4:]}!$A$2:$A${LAST_ROW}",
                column.description,
            )
    if spec.grouped:
        _dropdown(
            sheet, letters["parameter"], _list(tuple(p.name for p in spec.params)), "parameter name"
        )
    if all(p.kind == "flag" for p in spec.params):
        _dropdown(sheet, letters["value"], _FLAG_LIST, "yes or no")
    # placeholder rows: the parameter and its canonical unit, index and value left blank
    for number, param in enumerate(spec.params, start=2):
        if spec.grouped:
            sheet[f"{letters['parameter']}{number}"] = param.name
        unit = "" if param.kind in ("year", "flag", "text") else param.unit
        if unit:
            sheet[f"{letters['unit']}{number}"] = unit
        sheet[f"{letters['note']}{number}"] = _default_text(param)


def _record_sheet(sheet: Worksheet, spec: RecordSheet) -> None:
    """Header with comments and dropdowns; records are rows the user adds (no placeholders)."""
    sheet.title = spec.sheet
    columns = [(c.name, c.description + ("" if c.required else " Optional.")) for c in spec.fields]
    columns += [(name, "Optional, echoed to reports.") for name in schema.OPTIONAL_COLUMNS]
    letters = _header(sheet, columns)
    for column in spec.fields:
        if column.kind.startswith("enum:"):
            members = _list(FIXED_SETS[column.kind[5:]])
            _dropdown(sheet, letters[column.name], members, column.description[:250])
        elif column.kind.startswith("set:"):
            source = f"{column.kind[4:]}!$A$2:$A${LAST_ROW}"
            _dropdown(sheet, letters[column.name], source, column.description[:250])
