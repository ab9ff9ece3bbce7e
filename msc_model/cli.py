"""The ``msc`` command: wiring only; every decision lives in the package's modules.

Exit codes: 0 success, 2 input error, 3 infeasible or unbounded, 4 solver failure,
130 interrupted. Expected errors print one clear message; only bugs show a traceback.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from msc_model.console import done, out, stages

app = typer.Typer(
    name="msc",
    help="Closed-loop mineral supply chain model: least-cost plans that cut import dependence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
WorkbookArg = Annotated[Path | None, typer.Argument(help="Input workbook (.xlsx).")]


@app.command()
def validate(workbook: Annotated[Path, typer.Argument(help="Workbook to check.")]) -> None:
    """Check a workbook; print a summary (exit 0) or every problem with its cell (exit 2)."""
    from msc_model.inputs import describe, load_inputs
    from msc_model.inputs.sanity import check_sanity

    with stages(quiet=True):
        data = load_inputs(workbook)
        sanity = check_sanity(data)  # what the values imply together (before any solve)
        sanity.raise_if_any()
    table = Table(title=f"{workbook.name}: valid", show_header=False)
    for key, value in describe(data):
        table.add_row(key, value)
    out.print(table)
    for warning in [*data.warnings, *sanity.warnings]:
        out.print(f"[yellow]warning:[/] {warning}", highlight=False)


@app.command()
def diagnose(
    workbook: Annotated[Path, typer.Argument(help="Workbook to explain.")],
    solver_profile: Annotated[
        str, typer.Option(help="Solver option profile: a name in solvers/ or a file.")
    ] = "default",
) -> None:
    """Explain why a case has no feasible plan, naming the cells (exit 3), or exit 0."""
    from msc_model.diagnose import diagnose as explain
    from msc_model.inputs import load_inputs

    with stages():
        diagnosis = explain(load_inputs(workbook), profile=solver_profile)
    out.print(diagnosis.text(), highlight=False, markup=False, soft_wrap=True)
    if not diagnosis.feasible:
        raise typer.Exit(3)


@app.command()
def template(
    output: Annotated[Path, typer.Argument(help="Where to write the blank workbook.")],
    overwrite: Annotated[bool, typer.Option(help="Replace an existing file.")] = False,
) -> None:
    """Write a blank, documented input workbook generated from the parameter catalogue."""
    from msc_model.template import write_template

    with stages(quiet=True):
        path = write_template(output, overwrite=overwrite)
    out.print(f"template written: {path}")


@app.command()
def run(
    workbook: WorkbookArg = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Results workbook to write.")
    ] = None,
    solver_profile: Annotated[
        str, typer.Option(help="Solver option profile: a name in solvers/ or a file.")
    ] = "default",
    overwrite: Annotated[bool, typer.Option(help="Replace an existing report.")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Show HiGHS's log.")] = False,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")] = False,
    scenario: Annotated[
        str | None, typer.Option("--scenario", help="Apply this scenario of a scenarios sheet.")
    ] = None,
    scenario_file: Annotated[
        Path | None,
        typer.Option(help="Workbook with the scenarios sheet (default: WORKBOOK)."),
    ] = None,
    flow_year: Annotated[
        int | None, typer.Option(help="Year of the report's flow diagrams (default: final).")
    ] = None,
    time_limit: Annotated[
        float | None,
        typer.Option(min=0.0, help="Seconds HiGHS may take; reaching it fails (exit 4)."),
    ] = None,
    strict: Annotated[
        bool, typer.Option(help="Fail (exit 4) on HiGHS scaling warnings and wide ranges.")
    ] = False,
    export_mps: Annotated[
        Path | None, typer.Option(help="Write the LP exactly as solved to this MPS file.")
    ] = None,
    export_lp: Annotated[
        Path | None, typer.Option(help="Write the LP exactly as solved to this LP file.")
    ] = None,
    robust: Annotated[
        bool,
        typer.Option(help="Plan for the workbook's shock_scenarios (two-stage) and compare."),
    ] = False,
    risk: Annotated[str, typer.Option(help="With --robust: expected, cvar or worst.")] = "expected",
    risk_weight: Annotated[
        float,
        typer.Option(
            help="With --robust: weight (a pure number) of the risk term on the value of "
            "lost supply (unmet demand at each metal's unmet_demand_penalty)."
        ),
    ] = 0.0,
    reference: Annotated[
        bool,
        typer.Option(
            help="Also solve the plan without the dependence caps and security shares, so "
            "the report states what the policy adds (--no-reference skips it)."
        ),
    ] = True,
) -> None:
    """Solve a case (default: the shipped China workbook) and summarise the plan."""
    if robust:  # the shock-aware plan has its own stages and report
        from msc_model.resilience.commands import run_robust_command

        run_robust_command(
            workbook, output, profile=solver_profile, overwrite=overwrite, quiet=quiet,
            risk=risk, weight=risk_weight,
        )  # fmt: skip
        return
    from msc_model.pipeline import run as run_case

    for path, suffix in ((export_mps, ".mps"), (export_lp, ".lp")):
        if path is not None and path.suffix.lower() != suffix:
            raise typer.BadParameter(f"'{path}' must end in {suffix}", param_hint="--export")
    start = time.perf_counter()
    with stages(quiet=quiet, verbose=verbose) as on_stage:
        result = run_case(
            workbook,
            output,
            profile=solver_profile,
            overwrite=overwrite,
            verbose=verbose,
            on_stage=on_stage,
            scenario=scenario,
            scenario_file=scenario_file,
            flow_year=flow_year,
            time_limit=time_limit,
            strict=strict,
            export=tuple(p for p in (export_mps, export_lp) if p is not None),
            reference=reference,
        )
    if quiet:
        return
    from msc_model.report.summary import print_summary

    print_summary(out, result)
    if result.report is None:
        out.print("no report written: add -o report.xlsx to write the policy report")
    else:
        out.print(f"results written: {result.report}")
        for path in result.report_files:
            if path.suffix == ".parquet":
                out.print(f"full table (too long for an Excel sheet): {path}")
            else:
                out.print(f"flow diagrams (interactive): {path}")
    if result.report_note:
        out.print(f"[yellow]{result.report_note}[/]")
    done(start)


# scenarios, sweeps and trade-off curves: their wiring lives with them
from msc_model.scenarios import commands as _scenario_commands  # noqa: E402

app.command("compare")(_scenario_commands.compare_command)
app.command("sweep")(_scenario_commands.sweep_command)
app.command("pareto")(_scenario_commands.pareto_command)

# stress tests of a plan under the shock library: wiring lives with resilience
from msc_model.resilience import commands as _resilience_commands  # noqa: E402

app.command("stress")(_resilience_commands.stress_command)


def main() -> None:  # pragma: no cover - console entry for `python -m msc_model`
    app()


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
