"""``msc compare``: run the base case and named scenarios, and set them side by side."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from msc_model.errors import InputError, Problem, did_you_mean
from msc_model.scenarios.case import Planned, execute, load_case, runs_table, tidy
from msc_model.scenarios.overlays import apply_overrides, read_scenarios
from msc_model.scenarios.runner import Task, lean
from msc_model.schema import PARAMS

BASE = "base"
_KEYS = ["indicator", "metal", "year", "unit"]


def compare(
    workbook: str | Path | None = None,
    scenarios: Sequence[str] = (),
    *,
    scenario_file: str | Path | None = None,
    output: str | Path | None = None,
    overwrite: bool = False,
    workers: int | None = None,
    scheduler: str | None = None,
    profile: str = "default",
    progress: bool = False,
) -> pd.DataFrame:
    """Indicators of the base case and each scenario side by side.

    Parameters
    ----------
    workbook
        The base case (default: the shipped workbook).
    scenarios
        Names from the ``scenarios`` sheet (of ``scenario_file``, else of the workbook).
    output
        Comparison workbook to write: sheets ``Indicators`` (side by side, with the
        difference of each scenario against the base), ``Changes`` (every input cell each
        scenario changed, before and after) and ``Runs`` (status and errors).
    workers
        Local processes (default: one per case up to the cores; 0: in this process).

    Returns
    -------
    pandas.DataFrame
        indicator, metal, year, unit, ``base``, one column per scenario and one
        ``<scenario> - base`` per scenario. ``attrs["changes"]`` lists the changed cells
        (as records), ``attrs["runs"]`` each run's status and error.
    """
    base, _ = load_case(workbook)
    source = Path(scenario_file) if scenario_file is not None else Path(base.source)
    declared = read_scenarios(source, base)
    unknown = [s for s in scenarios if s not in declared]
    if unknown or not scenarios:
        problems = [
            Problem(
                "scenarios",
                "",
                f"scenario '{s}'",
                f"one of {', '.join(declared) or 'none'}",
                did_you_mean(s, declared),
            )
            for s in unknown
        ] or [Problem("scenarios", "", "no scenario named", "--scenarios A,B")]
        raise InputError(problems, str(source))
    cases = {BASE: (base, [])}
    for name in scenarios:
        cases[name] = apply_overrides(base, declared[name])
    planned = [
        Planned(name, {}, lambda name=name, data=data: Task(name, lean(data), {}, profile))
        for name, (data, _) in cases.items()
    ]
    if workers is None:
        import os

        workers = min(len(planned), os.cpu_count() or 1)
    records = execute(
        planned,
        out=None,
        plan={},
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        label="cases",
    )
    table = side_by_side(tidy(records), list(cases))
    changes = changes_table(cases)
    runs = runs_table(records)
    table.attrs["changes"] = changes.to_dict("records")
    table.attrs["runs"] = runs[["run_id", "status", "error"]].to_dict("records")
    if output is not None:
        from msc_model.scenarios.output import write_compare

        clean = table.copy()
        clean.attrs = {}
        write_compare(
            {"Indicators": clean, "Changes": changes, "Runs": runs}, output, overwrite=overwrite,
            protect=(base.source, source),
        )  # fmt: skip
    return table


def side_by_side(frame: pd.DataFrame, names: Sequence[str]) -> pd.DataFrame:
    """Pivot the tidy runs: one column per case, then each scenario minus the base."""
    rows = frame[frame["indicator"].notna()]
    # set_index/unstack keeps national rows (year NA), which pivot_table would drop
    wide = rows.set_index([*_KEYS, "run_id"])["value"].unstack("run_id")
    first_seen = pd.MultiIndex.from_frame(rows[_KEYS].drop_duplicates())
    wide = wide.reindex(index=first_seen, columns=list(names))  # the runs' own row order
    for name in names[1:]:
        wide[f"{name} - {BASE}"] = wide[name] - wide[BASE]
    wide.columns.name = None
    return wide.reset_index()


def changes_table(cases) -> pd.DataFrame:
    """Every input value each scenario changed, with the cell it came from."""
    rows = []
    for _name, (_data, changes) in cases.items():
        for change in changes:
            rows.append(change.as_row(PARAMS[change.parameter][0].index))
    columns = [
        "scenario",
        "parameter",
        "index",
        "before",
        "after",
        "unit",
        "input_cell",
        "declared_at",
    ]
    return pd.DataFrame(rows, columns=columns)
