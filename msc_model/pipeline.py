"""``run()``: read → build → solve → extract → write, each stage a typed function.

The stages live in their own modules; this one only chains them, times them and tells a
caller (the CLI) which stage is running.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextlib import contextmanager
from dataclasses import dataclass, field
from importlib.resources import files
from pathlib import Path

from msc_model.data import ModelData
from msc_model.errors import OutputError
from msc_model.indicators import headline
from msc_model.inputs import load_inputs
from msc_model.model import build_model
from msc_model.report import write_tables
from msc_model.report.basic import basic_sheets
from msc_model.results import Results, extract_results
from msc_model.solve import SolveOutcome, solve

DEFAULT_WORKBOOK = "china_baseline.xlsx"


def default_workbook() -> Path:
    """The shipped default workbook (inside the installed package)."""
    return Path(str(files("msc_model.sheets") / DEFAULT_WORKBOOK))


@dataclass
class RunResult:
    """Everything one run produced, for scripts and notebooks."""

    data: ModelData
    outcome: SolveOutcome
    results: Results
    report: Path | None = None
    report_note: str = ""
    timings: dict[str, float] = field(default_factory=dict)
    model: object = None

    @property
    def headline(self):
        return headline(self.results, self.data)


@contextmanager
def _stage(name: str, timings: dict[str, float], on_stage: Callable[[str], None] | None):
    if on_stage:
        on_stage(name)
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[name] = time.perf_counter() - start


def run(
    workbook: str | Path | None = None,
    output: str | Path | None = None,
    *,
    profile: str = "default",
    overwrite: bool = False,
    verbose: bool = False,
    on_stage: Callable[[str], None] | None = None,
) -> RunResult:
    """Solve one case and (optionally) write its results workbook.

    Parameters
    ----------
    workbook
        Input workbook; ``None`` runs the shipped default.
    output
        Results xlsx to write; ``None`` writes nothing.
    profile
        Solver option profile: a name in ``solvers/`` or a path to a profile file.
    overwrite
        Replace an existing output file.
    on_stage
        Called with the stage name ("reading", "building", ...) as each stage starts.
    """
    workbook = Path(workbook) if workbook is not None else default_workbook()
    if output is not None and Path(output).exists() and not overwrite:
        # Refuse before spending minutes on a solve whose report could not be written.
        raise OutputError(f"{output} exists; use --overwrite to replace it")
    timings: dict[str, float] = {}
    with _stage("reading", timings, on_stage):
        data = load_inputs(workbook)
    with _stage("building", timings, on_stage):
        model = build_model(data)
    with _stage("solving", timings, on_stage):
        outcome = solve(model, profile, verbose=verbose)
    with _stage("extracting", timings, on_stage):
        results = extract_results(model, data, outcome)
    result = RunResult(data, outcome, results, timings=timings, model=model)
    if output is not None:
        with _stage("writing", timings, on_stage):
            sheets = basic_sheets(results, data, outcome, timings)
            written = write_tables(sheets, output, overwrite=overwrite)
        result.report, result.report_note = written.path, written.note
    return result
