"""The ``msc compare``, ``msc sweep`` and ``msc pareto`` commands (wiring only).

Registered on the ``msc`` app by :mod:`msc_model.cli`. Heavy imports happen inside the
commands so that ``msc --help`` stays fast.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from msc_model.console import done, err, out, stages

WorkbookArg = Annotated[
    Path | None, typer.Argument(help="Input workbook (.xlsx); default: the shipped one.")
]
Workers = Annotated[
    int | None,
    typer.Option(
        "--workers", "-w", help="Local worker processes (default: the cores; 0: in this process)."
    ),
]
Scheduler = Annotated[
    str | None,
    typer.Option("--scheduler", help="Run on a Dask cluster instead, e.g. tcp://HOST:8786."),
]
Resume = Annotated[bool, typer.Option("--resume", help="Continue the sweep stored in --out.")]
Overwrite = Annotated[bool, typer.Option("--overwrite", help="Discard what --out or -o holds.")]
Profile = Annotated[str, typer.Option("--solver-profile", help="Solver option profile.")]
Scenario = Annotated[str | None, typer.Option("--scenario", help="Apply this scenario first.")]
ScenarioFile = Annotated[
    Path | None,
    typer.Option("--scenario-file", help="Workbook with the scenarios sheet (default: WORKBOOK)."),
]
Quiet = Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar or summary.")]


def _interrupted(folder: Path | None) -> str:
    hint = f"; finished runs are stored in {folder}: add --resume to continue" if folder else ""
    return f"interrupted{hint}"


def compare_command(
    workbook: WorkbookArg = None,
    scenarios: Annotated[
        str, typer.Option("--scenarios", "-s", help="Scenario names, comma-separated.")
    ] = "",
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Comparison workbook to write.")
    ] = None,
    scenario_file: ScenarioFile = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
    overwrite: Overwrite = False,
    solver_profile: Profile = "default",
    quiet: Quiet = False,
) -> None:
    """Run the base case and scenarios; indicators side by side and the cells each changed."""
    from msc_model.scenarios.comparison import compare

    names = [s.strip() for s in scenarios.split(",") if s.strip()]
    # progress bars of their own, so no status line
    with stages(quiet=True, interrupted=_interrupted(None)):
        if output is not None:  # refused before any case is solved
            _check_output(output, overwrite, workbook, scenario_file)
        table = compare(
            workbook,
            names,
            scenario_file=scenario_file,
            output=output,
            overwrite=overwrite,
            workers=workers,
            scheduler=scheduler,
            profile=solver_profile,
            progress=not quiet,
        )
    if quiet:
        return
    headline = table[table["indicator"] == "total_cost"]
    view = Table(title="total discounted cost (MUSD)")
    for column in headline.columns[4:]:
        view.add_column(str(column), justify="right")
    for row in headline.itertuples(index=False):
        view.add_row(*(f"{v:,.1f}" for v in row[4:]))
    out.print(view)
    for run in table.attrs["runs"]:
        if run["status"] != "optimal":
            out.print(f"[red]{run['run_id']}: {run['status']}[/] {run['error']}", highlight=False)
    out.print(f"{len(table.attrs['changes'])} input value(s) changed by the scenarios")
    if output is not None:
        out.print(f"comparison written: {output}")


def sweep_command(
    workbook: WorkbookArg = None,
    vary: Annotated[
        list[str] | None,
        typer.Option(
            "--vary",
            help="NAME=PARAM[COL=MEMBER,…]:OP:LOW:HIGH[:STEPS][:UNIT]; repeat. Default: the sweep sheet.",
        ),
    ] = None,
    method: Annotated[str, typer.Option(help="oat (tornado), grid, morris or sobol.")] = "oat",
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for run files and outputs.")
    ] = Path("sweep"),
    steps: Annotated[int | None, typer.Option(help="Points per factor (oat, grid).")] = None,
    samples: Annotated[
        int | None, typer.Option(help="Morris trajectories or Sobol base samples.")
    ] = None,
    seed: Annotated[int, typer.Option(help="Seed of SALib's sampling.")] = 0,
    year: Annotated[
        int | None, typer.Option(help="Year of the dependence outputs analysed.")
    ] = None,
    scenario: Scenario = None,
    scenario_file: ScenarioFile = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
    resume: Resume = False,
    overwrite: Overwrite = False,
    solver_profile: Profile = "default",
    quiet: Quiet = False,
) -> None:
    """Sensitivity sweep: one at a time (tornado), grid, Morris or Sobol (SALib)."""
    from msc_model.scenarios.sensitivity import sweep

    start = time.perf_counter()
    with stages(quiet=True, interrupted=_interrupted(out_dir)):
        frame = sweep(
            workbook,
            vary or None,
            method=method,
            steps=steps,
            samples=samples,
            seed=seed,
            scenario=scenario,
            scenario_file=scenario_file,
            out=out_dir,
            workers=workers,
            scheduler=scheduler,
            resume=resume,
            overwrite=overwrite,
            profile=solver_profile,
            year=year,
            progress=not quiet,
        )
    if not quiet:
        _report(frame, out_dir, start, "summary.xlsx")


def pareto_command(
    workbook: WorkbookArg = None,
    metal: Annotated[
        list[str] | None,
        typer.Option(
            "--metal",
            "-m",
            help="Metal to cap, or METAL=WEIGHT; repeat for a weighted index. Default: all.",
        ),
    ] = None,
    points: Annotated[int, typer.Option(help="Caps from uncapped dependence down to --low.")] = 11,
    low: Annotated[float, typer.Option(help="Tightest cap (share).")] = 0.0,
    caps: Annotated[
        str | None, typer.Option(help="Explicit caps instead, e.g. 0.6,0.5,0.4.")
    ] = None,
    out_dir: Annotated[
        Path, typer.Option("--out", help="Folder for run files and outputs.")
    ] = Path("pareto"),
    scenario: Scenario = None,
    scenario_file: ScenarioFile = None,
    workers: Workers = None,
    scheduler: Scheduler = None,
    resume: Resume = False,
    overwrite: Overwrite = False,
    solver_profile: Profile = "default",
    quiet: Quiet = False,
) -> None:
    """Trade-off curve: total cost against external dependence (augmented ε-constraint)."""
    from msc_model.scenarios.tradeoff import pareto

    start = time.perf_counter()
    try:
        metals = _metals(metal)
        chosen = [float(c) for c in caps.split(",")] if caps else None
    except ValueError as exc:  # weights or caps that are not numbers
        err.print(f"[bold red]error:[/] --metal/--caps: {exc}")
        raise typer.Exit(2) from None
    with stages(quiet=True, interrupted=_interrupted(out_dir)):
        table = pareto(
            workbook,
            metals,
            points=points,
            caps=chosen,
            low=low,
            scenario=scenario,
            scenario_file=scenario_file,
            out=out_dir,
            workers=workers,
            scheduler=scheduler,
            resume=resume,
            overwrite=overwrite,
            profile=solver_profile,
            progress=not quiet,
        )
    if quiet:
        return
    view = Table(title="trade-off curve")
    for column in ("cap", "dependence", "total cost (MUSD)", "MUSD per pp", "note"):
        view.add_column(column, justify="right")
    for row in table.itertuples(index=False):
        note = "knee" if row.knee else ("dominated" if row.dominated else "")
        note = note if row.status == "optimal" else f"{row.status}"
        view.add_row(
            "none" if row.cap != row.cap else f"{row.cap:.3f}",
            f"{row.dependence:.3f}",
            f"{row.total_cost:,.1f}",
            "" if row.marginal_cost != row.marginal_cost else f"{row.marginal_cost:,.2f}",
            note,
        )
    out.print(view)
    out.print(f"outputs in {out_dir} (frontier.xlsx, frontier.csv, results.parquet/csv)")
    done(start)


def _check_output(
    output: Path, overwrite: bool, workbook: Path | None, scenario_file: Path | None
) -> None:
    from msc_model.pipeline import default_workbook
    from msc_model.safety import check_target

    inputs = [workbook or default_workbook(), scenario_file]
    check_target(output, overwrite=overwrite, protect=inputs)


def _metals(options: list[str] | None):
    if not options:
        return None
    if all("=" not in o for o in options):
        return options
    weights = {}
    for option in options:
        name, _, weight = option.partition("=")
        weights[name.strip()] = float(weight) if weight else 1.0
    return weights


def _report(frame, folder: Path, start: float, summary: str) -> None:
    runs = frame.groupby("run_id")["status"].first()
    failed = runs[runs != "optimal"]
    rebuilds = frame.attrs.get("rebuilds", {})
    out.print(
        f"{len(runs)} runs, {len(failed)} failed; outputs in {folder} ({summary}, results.parquet/csv)"
    )
    if rebuilds.get("rebuilt"):
        reasons = "; ".join(f"{n}× {r}" for r, n in rebuilds["reasons"].items())
        out.print(f"model built {rebuilds['rebuilt']} time(s): {reasons}", highlight=False)
    for run_id, status in failed.head(10).items():
        error = frame.loc[frame["run_id"] == run_id, "error"].iloc[0]
        out.print(f"[red]{run_id} {status}:[/] {error.splitlines()[0]}", highlight=False)
    done(start)
