"""Exceptions of msc-model and the collector that gathers input problems before raising.

Every error the user can cause subclasses a builtin (``ValueError`` for bad input,
``RuntimeError`` for solver outcomes) so callers may catch either. The CLI turns these into
one clear message and an exit code; anything else is a bug and shows a traceback.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass, field


class MscError(Exception):
    """Base class of every error msc-model raises on purpose."""

    exit_code = 1


@dataclass(frozen=True)
class Problem:
    """One problem in the input: where it is, what was found and what was expected."""

    sheet: str
    cell: str  # "C7", a column "C", or "" for the whole sheet/file
    found: str
    expected: str
    hint: str = ""

    @property
    def where(self) -> str:
        return f"{self.sheet}!{self.cell}" if self.cell else self.sheet

    def __str__(self) -> str:
        text = f"{self.where}: found {self.found}, expected {self.expected}"
        return f"{text} ({self.hint})" if self.hint else text


class InputError(MscError, ValueError):
    """The workbook (or another input) cannot be used; ``problems`` lists every cause."""

    exit_code = 2

    def __init__(self, problems: Iterable[Problem] | str, source: str = "") -> None:
        if isinstance(problems, str):
            problems = [Problem("input", "", problems, "a readable workbook")]
        self.problems: list[Problem] = list(problems)
        self.source = source
        super().__init__(self.summary())

    def summary(self) -> str:
        head = f"{len(self.problems)} problem(s) in {self.source or 'the input'}"
        return head + ":\n" + "\n".join(f"  - {p}" for p in self.problems)


class UnitError(MscError, ValueError):
    """A unit string cannot be parsed or converted (raised by ``units``; the reader turns it
    into a ``Problem`` that names the cell)."""

    exit_code = 2


class SolveError(MscError, RuntimeError):
    """The solver did not return an optimal answer."""

    exit_code = 4

    def __init__(self, message: str, termination: str = "") -> None:
        self.termination = termination
        super().__init__(message)


class InfeasibleError(SolveError):
    """The model has no feasible (or no bounded) solution."""

    exit_code = 3


class BalanceError(MscError, RuntimeError):
    """A mass balance does not close after a solve: a bug, never a data problem."""

    exit_code = 4


class OutputError(MscError, OSError):
    """A report cannot be written (exists and no --overwrite, folder missing, ...)."""

    exit_code = 2


@dataclass
class ProblemCollector:
    """Gathers problems while a workbook is checked, then raises them all at once."""

    source: str = ""
    problems: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)

    def add(self, sheet: str, cell: str, found: str, expected: str, hint: str = "") -> None:
        self.problems.append(Problem(sheet, cell, found, expected, hint))

    def warn(self, sheet: str, cell: str, found: str, expected: str, hint: str = "") -> None:
        self.warnings.append(Problem(sheet, cell, found, expected, hint))

    def raise_if_any(self) -> None:
        if self.problems:
            raise InputError(self.problems, self.source)


def did_you_mean(name: str, choices: Iterable[str]) -> str:
    """A "did you mean 'X'?" hint for a near-miss name, or "" when nothing is close."""
    choices = list(choices)
    lowered = {c.lower(): c for c in choices}
    if name.lower() in lowered:
        return f"did you mean '{lowered[name.lower()]}'? names are case-sensitive"
    close = difflib.get_close_matches(name, choices, n=1, cutoff=0.6)
    return f"did you mean '{close[0]}'?" if close else ""
