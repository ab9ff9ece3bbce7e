"""Sensitivity sweeps: one at a time (tornado), grids, Morris and Sobol (SALib).

SALib draws the samples (:func:`msc_model.scenarios.design.make_design`) and analyses the
outputs (:func:`morris_indices`, :func:`sobol_indices`); its experimental parallel
runners are not used: every sample is a run of our own runner, through the same executor
as every other sweep.

The outputs analysed are the total discounted cost and each metal's external dependence
in one year (default: the final year); :func:`outputs` lists them. Every analysis table is
tidy: ``output`` (the indicator), ``metal`` (``all`` for national totals), ``year`` (empty
for totals over the horizon) and ``unit`` are columns of their own, then ``factor`` and the
measures, so a table filters and pivots without parsing a label.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pandas as pd

from msc_model.errors import InputError, Problem
from msc_model.scenarios.case import (
    Planned,
    execute,
    file_hash,
    load_case,
    rebuild_summary,
    runs_table,
    tidy,
)
from msc_model.scenarios.design import (
    Factor,
    check_factors,
    make_design,
    parse_factor,
    read_factors,
    salib_problem,
)
from msc_model.scenarios.overlays import apply_overrides
from msc_model.scenarios.runner import ALL, Task, lean


def sweep(
    workbook: str | Path | None = None,
    factors: Sequence[str | Factor] | None = None,
    *,
    method: str = "oat",
    steps: int | None = None,
    samples: int | None = None,
    levels: int = 4,
    seed: int = 0,
    scenario: str | None = None,
    scenario_file: str | Path | None = None,
    out: str | Path | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    resume: bool = False,
    overwrite: bool = False,
    profile: str = "default",
    year: int | None = None,
    progress: bool = False,
) -> pd.DataFrame:
    """Run a sensitivity sweep and return its tidy results.

    Parameters
    ----------
    workbook
        The case (default: the shipped workbook).
    factors
        Factor specs (``"li_price=import_price[metal=Li]:scale:0.5:2"``, see
        :mod:`msc_model.scenarios.design`) or :class:`Factor` objects; ``None`` reads the
        workbook's ``sweep`` sheet.
    method
        ``oat`` (tornado), ``grid``, ``morris`` or ``sobol``.
    steps, samples, levels, seed
        Design size; see :func:`msc_model.scenarios.design.make_design`.
    scenario, scenario_file
        Apply a scenario to the case first (the sweep varies around it).
    out
        Folder for run files (one per run, so ``resume`` continues an interrupted sweep)
        and the outputs: ``results.parquet``, ``results.csv``, ``runs.csv`` and
        ``summary.xlsx``. ``None``: nothing is written.
    workers, scheduler
        Local processes (default: the cores; 0: in this process) or a Dask scheduler
        address ``tcp://HOST:PORT``.
    resume, overwrite
        Continue the sweep stored in ``out`` / discard it.
    year
        Year of the dependence outputs analysed (default: the final year).

    Returns
    -------
    pandas.DataFrame
        One row per run and indicator: ``run_id``, one column per factor (NaN: as in the
        workbook), ``indicator``, ``metal``, ``year``, ``value``, ``unit``, ``status``,
        ``error``. A failed run is one row with its status and error. ``attrs["sweep"]``
        holds the design (what the analyses need); ``attrs["rebuilds"]`` how many runs
        built a model and why (``runs.csv`` in ``out`` has it per run, with timings).
    """
    base, _ = load_case(workbook, scenario, scenario_file)
    source = Path(base.source)
    if factors is None:
        factors = read_factors(source, base)
    factors = [f if isinstance(f, Factor) else parse_factor(f, base) for f in factors]
    check_factors(base, factors)
    if method in ("morris", "sobol"):
        flat = [f.name for f in factors if not f.low < f.high]
        if flat:
            raise InputError(
                [
                    Problem("sweep", "", f"factor {n}: low ≥ high", "low < high for SALib")
                    for n in flat
                ]
            )
    runs, design = make_design(
        factors, method, steps=steps, samples=samples, levels=levels, seed=seed
    )
    design["year"] = year or base.final_year
    for described, factor in zip(design["factors"], factors, strict=True):
        described["base"] = factor.base_value(base)
    plan = {
        "kind": "sweep",
        "workbook": file_hash(source),
        "scenario": scenario,
        "profile": profile,
        "design": design,
        "runs": len(runs),
    }
    by_name = {f.name: f for f in factors}

    def planned(i: int, values: dict[str, float | None]) -> Planned:
        def make() -> Task:
            overrides = [by_name[n].override(v) for n, v in values.items() if v is not None]
            data = apply_overrides(base, overrides)[0] if overrides else base
            return Task(run_id(i), lean(data), values, profile)

        return Planned(run_id(i), values, make)

    records = execute(
        (planned(i, v) for i, v in enumerate(runs)),
        out=out,
        plan=plan,
        resume=resume,
        overwrite=overwrite,
        workers=workers,
        scheduler=scheduler,
        progress=progress,
        label=f"{method} sweep",
    )
    frame = with_base_values(tidy(records), design)
    frame.attrs["sweep"] = design
    frame.attrs["rebuilds"] = rebuild_summary(records)
    if out is not None:
        from msc_model.scenarios.output import write_sweep

        write_sweep(frame, with_base_values(runs_table(records), design), out)
    return frame


def run_id(i: int) -> str:
    """The id of the ``i``-th run of a design (zero-padded, so ids sort in design order)."""
    return f"r{i:04d}"


def with_base_values(table: pd.DataFrame, design: dict) -> pd.DataFrame:
    """``table`` with each factor a run leaves as in the workbook shown at its base value
    (1 for scale, 0 for add, the workbook's value for set) instead of NaN. The runs keep
    None (run files, ``plan.json``); which factor a run varies is ``design["varied"]``."""
    table = table.copy()
    for described in design["factors"]:
        name, value = described["name"], described.get("base")
        if name in table.columns and value is not None:
            table[name] = table[name].fillna(value)
    return table


# -- analysis --------------------------------------------------------------------------------
#: the columns that name an output in every analysis table
OUTPUT_COLUMNS = ("output", "metal", "year", "unit")


class Output(NamedTuple):
    """One output analysed: an indicator, for a metal (or ``all``), in a year (or None)."""

    output: str
    metal: str
    year: int | None
    unit: str

    @property
    def label(self) -> str:
        """``total_cost`` or ``dependence Cu 2040``: the column of :func:`output_matrix`."""
        parts = [self.output] if self.metal == ALL else [self.output, self.metal]
        return " ".join([*parts, *([str(self.year)] if self.year is not None else [])])


def outputs(frame: pd.DataFrame, year: int | None = None) -> list[Output]:
    """The outputs analysed, in table order: total cost, then each metal's dependence."""
    design = frame.attrs.get("sweep", {})
    year = year or design.get("year") or int(frame["year"].max())
    found = [Output("total_cost", ALL, None, _unit(frame, "total_cost"))]
    dep = frame[(frame["indicator"] == "dependence") & (frame["year"] == year)]
    for metal in sorted(dep["metal"].dropna().unique()):
        if dep.loc[dep["metal"] == metal, "value"].notna().any():
            found.append(Output("dependence", metal, int(year), _unit(frame, "dependence")))
    return found


def _unit(frame: pd.DataFrame, indicator: str) -> str:
    units = frame.loc[frame["indicator"] == indicator, "unit"].dropna()
    return str(units.iloc[0]) if len(units) else ""


def output_matrix(frame: pd.DataFrame, year: int | None = None) -> pd.DataFrame:
    """Runs × outputs (NaN for failed runs), rows in run order, columns :attr:`Output.label`."""
    runs = sorted(frame["run_id"].unique())
    columns = {}
    for found in outputs(frame, year):
        rows = frame[(frame["indicator"] == found.output) & (frame["metal"] == found.metal)]
        rows = rows[rows["year"].isna()] if found.year is None else rows[rows["year"] == found.year]
        columns[found.label] = rows.set_index("run_id")["value"].reindex(runs)
    return pd.DataFrame(columns, index=pd.Index(runs, name="run_id"))


def _factor_values(frame: pd.DataFrame) -> pd.DataFrame:
    names = [f["name"] for f in frame.attrs["sweep"]["factors"]]
    return frame.groupby("run_id", sort=True)[names].first()


def _table(rows: list[dict[str, object]]) -> pd.DataFrame:
    """Rows keyed by :class:`Output` fields, with ``year`` as a nullable integer."""
    table = pd.DataFrame(rows)
    if not table.empty:
        table["year"] = table["year"].astype("Int64")
    return table


def tornado(frame: pd.DataFrame, year: int | None = None) -> pd.DataFrame:
    """Effect of each factor's low and high end on each output, largest swing first.

    Needs an ``oat`` sweep (its base run has every factor as in the workbook). Columns:
    output, metal, year, unit (the output), factor, low, high (factor values), base
    (output of the base run), at_low, at_high (outputs), delta_low, delta_high (against
    base), swing.
    """
    design = frame.attrs["sweep"]
    values = _factor_values(frame)
    out = output_matrix(frame, year)
    varied = {run_id(i): name for i, name in enumerate(design["varied"])}
    base_runs = [r for r, name in varied.items() if name is None and r in out.index]
    rows = []
    for found in outputs(frame, year):
        series = out[found.label]
        base = series[base_runs[0]] if base_runs else np.nan
        bars = []
        for name in values.columns:
            runs = [r for r, n in varied.items() if n == name and r in values.index]
            ends = values.loc[runs, name]
            if ends.empty:
                continue
            at_low, at_high = series[ends.idxmin()], series[ends.idxmax()]
            bars.append(
                {
                    **found._asdict(),
                    "factor": name,
                    "low": ends.min(),
                    "high": ends.max(),
                    "base": base,
                    "at_low": at_low,
                    "at_high": at_high,
                    "delta_low": at_low - base,
                    "delta_high": at_high - base,
                    "swing": abs(at_high - at_low),
                }
            )
        # largest bar on top; a bar with a failed end (NaN swing) last
        rows += sorted(bars, key=lambda b: -b["swing"] if np.isfinite(b["swing"]) else np.inf)
    return _table(rows)


def morris_indices(frame: pd.DataFrame, year: int | None = None) -> pd.DataFrame:
    """Morris μ, μ*, σ and μ* confidence per output and factor (SALib ``morris.analyze``).

    Trajectories with a failed run are left out (SALib needs whole trajectories); the
    ``trajectories`` column says how many were used.
    """
    from SALib.analyze import morris

    design = frame.attrs["sweep"]
    factors = design["factors"]
    problem = salib_problem([_Bounds(f) for f in factors])
    x = _factor_values(frame).to_numpy(dtype=float)
    out = output_matrix(frame, year)
    size = len(factors) + 1
    rows = []
    for found in outputs(frame, year):
        y = out[found.label].to_numpy(dtype=float)
        keep = [i for i in range(0, len(y), size) if np.isfinite(y[i : i + size]).all()]
        take = np.concatenate([np.arange(i, i + size) for i in keep]) if keep else np.array([], int)
        if len(keep) < 2:
            rows += [_empty_row(found, f["name"], "too few complete trajectories") for f in factors]
            continue
        si = morris.analyze(
            problem,
            x[take],
            y[take],
            num_levels=design.get("levels", 4),
            seed=design.get("seed", 0),
        )
        for i, f in enumerate(factors):
            rows.append(
                {
                    **found._asdict(),
                    "factor": f["name"],
                    "mu": si["mu"][i],
                    "mu_star": si["mu_star"][i],
                    "sigma": si["sigma"][i],
                    "mu_star_conf": si["mu_star_conf"][i],
                    "trajectories": len(keep),
                    "note": "",
                }
            )
    return _table(rows)


def sobol_indices(frame: pd.DataFrame, year: int | None = None) -> pd.DataFrame:
    """First-order and total Sobol indices with confidence per output and factor (SALib
    ``sobol.analyze``). Sobol needs every sample: an output with a failed run is
    reported with its note instead of indices."""
    from SALib.analyze import sobol

    design = frame.attrs["sweep"]
    factors = design["factors"]
    problem = salib_problem([_Bounds(f) for f in factors])
    out = output_matrix(frame, year)
    rows = []
    for found in outputs(frame, year):
        y = out[found.label].to_numpy(dtype=float)
        failed = int((~np.isfinite(y)).sum())
        if failed:
            note = f"{failed} run(s) failed; Sobol indices need every sample"
            rows += [_empty_row(found, f["name"], note) for f in factors]
            continue
        if np.ptp(y) == 0:
            rows += [_empty_row(found, f["name"], "output does not vary") for f in factors]
            continue
        si = sobol.analyze(problem, y, calc_second_order=False, seed=design.get("seed", 0))
        for i, f in enumerate(factors):
            rows.append(
                {
                    **found._asdict(),
                    "factor": f["name"],
                    "S1": si["S1"][i],
                    "S1_conf": si["S1_conf"][i],
                    "ST": si["ST"][i],
                    "ST_conf": si["ST_conf"][i],
                    "note": "",
                }
            )
    return _table(rows)


class _Bounds:
    """A factor description (from ``attrs``) seen as SALib needs it."""

    def __init__(self, described: dict) -> None:
        self.name, self.low, self.high = described["name"], described["low"], described["high"]


def _empty_row(found: Output, factor: str, note: str) -> dict[str, object]:
    return {**found._asdict(), "factor": factor, "note": note}
