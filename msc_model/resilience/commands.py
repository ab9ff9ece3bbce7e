"""The ``msc stress`` command and ``msc run --robust`` (wiring only).

Registered on the ``msc`` app by :mod:`msc_model.cli`. Heavy imports happen inside the
commands so that ``msc --help`` stays fast.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from msc_model.console import done, out, stages
from msc_model.shipped import default_workbook


def _number(value: float, digits: int = 0) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:,.{digits}f}"


def stress_command(
    workbook: Annotated[
        Path | None, typer.Argument(help="Input workbook (.xlsx); default: the shipped one.")
    ] = None,
    plan: Annotated[
        Path | None,
        typer.Option(
            "--plan",
            help="Results workbook of `msc run -o` or `msc run --robust -o` whose capacity "
            "and reserves to hold fixed; default: solve the ordinary plan first.",
        ),
    ] = None,
    shock: Annotated[
        list[str] | None,
        typer.Option("--shock", "-s", help="A shock of the library (repeat); default: all."),
    ] = None,
    output: Annotated[
        Path | None, typer.Option("-o", "--output", help="Resilience workbook to write.")
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace an existing report.")] = False,
    solver_profile: Annotated[
        str, typer.Option(help="Solver option profile: a name in solvers/ or a file.")
    ] = "default",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only errors.")] = False,
) -> None:
    """Stress-test a plan: hold its capacity and reserves, re-optimise operations under each
    shock, and report unmet demand, reserve use, extra cost and recovery time."""
    from msc_model.report.natural import bn, listing
    from msc_model.resilience.stress import run_stress

    start = time.perf_counter()
    with stages(quiet=quiet) as on_stage:
        report, _data, written = run_stress(
            workbook if workbook is not None else default_workbook(),
            plan=plan,
            shocks=shock or (),
            output=output,
            overwrite=overwrite,
            profile=solver_profile,
            on_stage=on_stage,
        )
    if quiet:
        return
    table = Table(title=f"Stress test of plan '{report.plan.name}'")
    table.add_column("shock", no_wrap=True)
    # tonnes per metal in the metal's unit (iron Mt, copper and lithium kt), never added
    # across metals: the metals a shock leaves short and the reserves it draws
    # "bn USD" on a line of its own: a narrow column wrapped "extra bn / USD PV"
    for column in ("unmet", "drawn", "cover used d", "extra\nbn USD PV", "years to recover"):
        table.add_column(column, justify="right")
    by_metal = report.by_metal()
    for row in report.summary().itertuples():
        mine = by_metal[by_metal["case"] == row.case]
        table.add_row(
            row.case,
            listing(zip(mine["metal"], mine["extra_unmet"], strict=True), sep="\n"),
            listing(zip(mine["metal"], mine["reserve_drawn"], strict=True), sep="\n"),
            _number(row.cover_used_days_max, 1),
            _number(bn(row.extra_cost), 2),
            _number(row.recovery_years),
        )
    out.print(table)
    if written is not None:
        out.print(f"resilience report written: {written}")
    done(start)


def run_robust_command(
    workbook: Path | None,
    output: Path | None,
    *,
    profile: str = "default",
    overwrite: bool = False,
    quiet: bool = False,
    risk: str = "expected",
    weight: float = 0.0,
) -> None:
    """``msc run --robust``: the shock-aware plan over the workbook's shock scenarios,
    compared with the ordinary plan."""
    from msc_model.report.natural import bn, in_mass, listing, mass
    from msc_model.resilience.compare import run_robust

    start = time.perf_counter()
    with stages(quiet=quiet) as on_stage:
        robust, comparison, written = run_robust(
            workbook, output, risk=risk, weight=weight, profile=profile,
            overwrite=overwrite, on_stage=on_stage,
        )  # fmt: skip
    if quiet:
        return
    plans = comparison.plans()
    holdings = comparison.holdings().set_index(["plan", "metal"])
    table = Table(title=f"Shock-aware plan over {len(comparison.probabilities)} scenarios")
    year = int(holdings["year"].iloc[0])
    # one row per figure, one column per plan: fits 80 columns (seven-digit MUSD figures
    # were cut when plans were rows); money in bn USD; what a plan holds and leaves unmet
    # per metal, in the metal's unit (tonnes of iron and lithium are not added up)
    figures = [
        ("expected cost, bn USD PV", lambda r: _number(bn(r.expected_cost), 1)),
        ("normal-times cost, bn USD PV", lambda r: _number(bn(r.normal_cost), 1)),
    ]
    for column, words, per in (
        ("expected_unmet", "expected unmet", ""),  # over the horizon and the scenarios
        ("worst_unmet", "worst unmet", ""),
        ("reserve_held", f"reserve {year}", ""),  # held before the first shock
        ("hinterland_smelting", f"hinterland smelting {year}", "/yr"),
        ("hinterland_processing", f"hinterland processing {year}", "/yr"),
    ):
        for metal in comparison.data.metals:
            figures.append(
                (
                    f"{metal} {words}, {mass(metal)}{per}",
                    lambda r, c=column, m=metal: _number(
                        in_mass(holdings.loc[(r.plan, m), c], m), 1
                    ),
                )
            )
    table.add_column("")
    for row in plans.itertuples():
        table.add_column(str(row.plan), justify="right", no_wrap=True)
    for label, show in figures:
        table.add_row(label, *(show(r) for r in plans.itertuples()))
    out.print(table)
    gains = comparison.gains()
    total = gains.iloc[-1]
    metals = gains[gains["metal"] != "all"]
    avoided = listing(zip(metals["metal"], metals["unmet_avoided"], strict=True), none="none")
    out.print(
        f"the shock-aware plan costs {_number(bn(total.extra_normal_cost), 2)} bn USD more "
        f"(present value) in normal times; expected unmet demand it avoids: {avoided} "
        f"(risk: {robust.risk})",
        highlight=False,
    )
    if written is not None:
        out.print(f"resilience report written: {written}")
    done(start)
