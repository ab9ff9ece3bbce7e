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
from msc_model.shipped import default_workbook

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
    from msc_model.report.natural import bn, listing
    from msc_model.report.secondary import unmet_by_case
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
    cases = [c for c in table.columns[4:] if not str(c).endswith(" - base")]
    plan = table[table["indicator"] == "plan_cost"].iloc[0]
    curtailed = table[table["indicator"] == "curtailed"].iloc[0]
    # demand left unmet per metal in its unit (iron Mt, others kt), never added up
    unmet = unmet_by_case(table)
    # one row per case, so any number of scenarios fits 80 columns
    view = Table(title="each case over the horizon (present value)")
    for column in ("case", "plan cost bn USD", "vs base bn USD", "unmet demand"):
        view.add_column(
            column,
            justify="left" if column == "case" else "right",
            no_wrap=column != "unmet demand",  # several metals may wrap, numbers never
        )
    for name in cases:
        mine = unmet[unmet["run_id"] == name]
        view.add_row(
            str(name),
            f"{bn(plan[name]):,.1f}",
            "" if name == "base" else f"{bn(plan[name] - plan['base']):+,.2f}",
            listing(zip(mine["metal"], mine["value"], strict=True), sep="\n"),
        )
    out.print(view)
    for name in cases:
        if curtailed[name] > 0:
            out.print(
                f"[bold red]{name} leaves demand unmet:[/] its costs are not an answer to "
                "the case (the value of lost supply is excluded from the plan cost)",
                highlight=False,
            )
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
    """Sensitivity sweep: one at a time (tornado), grid, Morris or Sobol (SALib).

    Each --vary is one factor: [NAME=]PARAMETER[COLUMN=MEMBER,...]:OPERATION:LOW:HIGH[:STEPS][:UNIT]
    with OPERATION scale (a multiplier), set or add (in UNIT, default the parameter's
    canonical unit). Blank selectors mean every row. Examples:

    \b
      --vary "li_price=import_price\\[metal=Li]:scale:0.5:2:5"    Li import prices x0.5 to x2, 5 points
      --vary "demand\\[metal=Cu,region=East]:add:-200:200:3:kt/yr"    East's Cu demand -200 to +200 kt/yr
      --vary "capex:scale:0.8:1.2"    every capital cost -20 % to +20 % (named capex_scale)

    Without --vary the workbook's sweep sheet gives the factors (columns factor, table,
    index columns, operation, low, high, optional steps and unit). Outputs in --out:
    results.parquet/csv (tidy), runs.csv, summary.xlsx (tornado, Morris or Sobol).
    """
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
    low: Annotated[
        float | None,
        typer.Option(help="Tightest cap (share). Default: the tightest met without curtailment."),
    ] = None,
    caps: Annotated[
        str | None, typer.Option(help="Explicit caps instead, e.g. 0.6,0.5,0.4.")
    ] = None,
    year: Annotated[
        str | None,
        typer.Option(
            help="Year the cap applies in, or a path of years (2035,2040). Default: the "
            "final year; a cap can only bite once new capacity can be online."
        ),
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
    from msc_model.report.natural import bn, listing
    from msc_model.scenarios.tradeoff import pareto

    start = time.perf_counter()
    try:
        metals = _metals(metal)
        chosen = [float(c) for c in caps.split(",")] if caps else None
        years = [int(y) for y in year.split(",")] if year else None
    except ValueError as exc:  # weights, caps or years that are not numbers
        err.print(f"[bold red]error:[/] --metal/--caps/--year: {exc}")
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
            years=years,
        )
    if quiet:
        return
    info = table.attrs.get("pareto", {})
    weights = ", ".join(f"{m} {w:.3g}" for m, w in info.get("weights", {}).items())
    capped = ", ".join(str(y) for y in info.get("years", []))
    view = Table(title=f"trade-off curve (cap in {capped}; weights {weights})")
    # money in bn USD (present value); a cap's marginal cost to the million per point;
    # demand left unmet per metal in its unit (iron Mt, others kt), never added up
    unmet: dict[str, list] = {}
    for r in table.attrs.get("unmet", []):
        unmet.setdefault(r["run_id"], []).append((r["metal"], r["value"]))
    for column in ("cap", "dependence", "extra bn USD", "bn USD per pp", "unmet", "note"):
        view.add_column(column, justify="right")
    for row in table.itertuples(index=False):
        note = "knee" if row.knee else ("dominated" if row.dominated else "")
        if row.curtailed > 0:
            note = "curtailed"
        note = note if row.status == "optimal" else f"{row.status}"
        view.add_row(
            "none" if row.cap != row.cap else f"{100 * row.cap:.1f} %",
            f"{100 * row.dependence:.1f} %",
            f"{bn(row.cost_increase):,.2f}",
            "" if row.marginal_cost != row.marginal_cost else f"{bn(row.marginal_cost):,.3f}",
            listing(
                unmet.get(row.run_id, []),
                none="-" if row.curtailed != row.curtailed else "none",
                sep="\n",  # a metal a line
            ),
            note,
        )
    out.print(view)
    out.print(f"outputs in {out_dir} (frontier.xlsx, frontier.csv, results.parquet/csv)")
    done(start)


def _check_output(
    output: Path, overwrite: bool, workbook: Path | None, scenario_file: Path | None
) -> None:
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
    short = frame[(frame["indicator"] == "curtailed") & (frame["value"] > 0)]
    if len(short):
        from msc_model.report.natural import listing
        from msc_model.report.secondary import unmet_by_run

        # the first such run's unmet demand per metal, in its unit: tonnes of iron and
        # lithium are neither added nor ranked against each other
        first = sorted(short["run_id"].unique())[0]
        unmet = unmet_by_run(frame[frame["run_id"] == first])
        out.print(
            f"[bold red]{short['run_id'].nunique()} run(s) leave demand unmet[/] (first "
            f"{first}: {listing(zip(unmet['metal'], unmet['value'], strict=True))}): their "
            "costs are no answer to the case; see the runs table (curtailed supply per metal)",
            highlight=False,
        )
    if rebuilds.get("rebuilt"):
        reasons = "; ".join(f"{n}× {r}" for r, n in rebuilds["reasons"].items())
        out.print(f"model built {rebuilds['rebuilt']} time(s): {reasons}", highlight=False)
    for run_id, status in failed.head(10).items():
        error = frame.loc[frame["run_id"] == run_id, "error"].iloc[0]
        out.print(f"[red]{run_id} {status}:[/] {error.splitlines()[0]}", highlight=False)
    done(start)
