"""Parsing of single cell values: numbers, years, flags and set members.

Each parser returns the parsed value or raises :class:`CellProblem` holding the
"found …" / "expected …" / hint texts; the caller adds the sheet and cell. Keeping them
pure makes every rule (thousands separators, Excel error codes, text years) testable alone.
"""

from __future__ import annotations

import datetime as dt
import math
import re

from openpyxl.utils import get_column_letter

#: Excel's error values, as openpyxl returns them for cells holding a failed formula
EXCEL_ERRORS = frozenset(
    {
        "#NULL!",
        "#DIV/0!",
        "#VALUE!",
        "#REF!",
        "#NAME?",
        "#NUM!",
        "#N/A",
        "#GETTING_DATA",
        "#SPILL!",
        "#CALC!",
        "#FIELD!",
        "#BLOCKED!",
        "#UNKNOWN!",
    }
)

FLAG_WORDS = {
    "yes": True,
    "y": True,
    "true": True,
    "1": True,
    "x": True,
    "no": False,
    "n": False,
    "false": False,
    "0": False,
}

_PLAIN_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
# "1,234", "1 234", "1'234", "1.234,5": separators we refuse to guess about
_SEPARATED = re.compile(r"^[+-]?\d{1,3}([,' \u00a0\u202f.]\d{3})+([.,]\d+)?$")
_DECIMAL_COMMA = re.compile(r"^[+-]?\d+,\d+$")
_YEARISH = re.compile(r"^\d{4}(\.0+)?$")


class CellProblem(ValueError):
    """A cell value that cannot be used; ``found``/``expected``/``hint`` feed a Problem."""

    def __init__(self, found: str, expected: str, hint: str = "") -> None:
        super().__init__(f"found {found}, expected {expected}")
        self.found = found
        self.expected = expected
        self.hint = hint


def address(row: int, column: int) -> str:
    """Excel address of a 1-based (row, column), e.g. ``(5, 4) -> "D5"``."""
    return f"{get_column_letter(column)}{row}"


def is_blank(value: object) -> bool:
    """True for an empty cell or one holding only spaces."""
    return value is None or (isinstance(value, str) and not value.strip())


def show(value: object) -> str:
    """A cell value as quoted in a message: text in quotes, numbers plain."""
    if is_blank(value):
        return "blank"
    if isinstance(value, str):
        text = value if len(value) <= 40 else value[:37] + "..."
        return f"text '{text}'"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


def parse_number(value: object, expected: str = "a number") -> float:
    """A finite float from a numeric cell or plain numeric text ("12.5").

    Text with thousands separators or a decimal comma is refused rather than guessed:
    "1,234" is a thousand in one locale and one-point-two in another.
    """
    if isinstance(value, bool):
        raise CellProblem(f"the logical value {value}", expected)
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, dt.datetime | dt.date | dt.time | dt.timedelta):
        raise CellProblem(f"a date/time ({value})", expected, "format the cell as a number")
    elif isinstance(value, str):
        text = value.strip()
        if text.upper() in EXCEL_ERRORS:
            raise CellProblem(
                f"the Excel error {text.upper()}", expected, "fix the formula or enter the value"
            )
        if _PLAIN_NUMBER.match(text):
            number = float(text)
        elif _SEPARATED.match(text) or _DECIMAL_COMMA.match(text):
            raise CellProblem(
                f"text '{text}'",
                expected,
                "remove the separators: write digits only, with a point for decimals",
            )
        else:
            raise CellProblem(show(value), expected)
    else:
        raise CellProblem(show(value), expected)
    if not math.isfinite(number):
        raise CellProblem(show(value), f"{expected} (finite)")
    return number


def parse_year(value: object) -> int:
    """A whole calendar year from a number or plain text ("2030"); "2030a" is refused."""
    try:
        number = parse_number(value, "a whole year")
    except CellProblem as exc:
        raise CellProblem(exc.found, "a whole year such as 2030", exc.hint) from None
    if number != int(number):
        raise CellProblem(f"{number:g}", "a whole year such as 2030")
    return int(number)


def year_header(value: object) -> int | None:
    """The year a header cell names (2030, 2030.0, "2030"), or None if it names no year."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float) and float(value).is_integer() and 1000 <= value <= 9999:
        return int(value)
    if isinstance(value, str) and _YEARISH.match(value.strip()):
        return int(float(value.strip()))
    return None


def looks_like_year(value: object) -> bool:
    """A header that starts like a year but is not one ("2030a", "2030e"): a typo to report."""
    return isinstance(value, str) and bool(re.match(r"^\s*\d{4}\D", value))


def parse_flag(value: object) -> bool:
    """yes/no, true/false, 1/0 or x (case-insensitive), or an Excel TRUE/FALSE."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in FLAG_WORDS:
        return FLAG_WORDS[value.strip().lower()]
    raise CellProblem(show(value), "yes or no (also true/false, 1/0, x)")


def parse_name(value: object) -> str:
    """A set member or other name as text; whole numbers are accepted as their digits."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, str) and value.strip().upper() in EXCEL_ERRORS:
        raise CellProblem(f"the Excel error {value.strip()}", "a name")
    return str(value).strip()


#: the longest text a text setting may hold (a title line, not a paragraph)
MAX_TEXT = 80


def parse_text(value: object, expected: str) -> str:
    """Words for a text setting (a case name): one line of at most :data:`MAX_TEXT`
    characters. A number, date or logical value is refused: in a text setting it is a
    value typed into the wrong row, not a name."""
    if isinstance(value, str):
        text = " ".join(value.split())  # line breaks and runs of spaces → one space
        if text.upper() in EXCEL_ERRORS:
            raise CellProblem(f"the Excel error {text.upper()}", expected, "enter the text")
        if len(text) > MAX_TEXT:
            raise CellProblem(
                f"text of {len(text)} characters",
                f"{expected} of at most {MAX_TEXT} characters",
                "shorten it: it is one title line",
            )
        return text
    if isinstance(value, dt.datetime | dt.date | dt.time | dt.timedelta):
        raise CellProblem(f"a date/time ({value})", expected, "format the cell as text")
    if isinstance(value, bool):
        raise CellProblem(f"the logical value {value}", expected)
    raise CellProblem(
        f"the number {show(value)}", expected, "a number in a text setting: is it the right row?"
    )
