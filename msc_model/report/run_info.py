"""Provenance of a run: input file and hash, versions, solver, status, timings, warnings."""

from __future__ import annotations

import hashlib
import math
import platform
from collections.abc import Mapping
from datetime import UTC, datetime
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import pandas as pd

from msc_model.data import ModelData
from msc_model.report.natural import MUSD_PER_BN

DEPENDENCIES = ("msc-model", "pyomo", "highspy", "pint", "openpyxl", "pandas", "numpy", "pillow")


def file_sha256(path: str | Path) -> str:
    """SHA-256 of a file's bytes, read in 1 MiB blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "not installed"


def run_info(
    data: ModelData,
    outcome,
    timings: Mapping[str, float],
    *,
    error: BaseException | None = None,
    reference: Path | None = None,
    reference_sha256: str = "",
) -> pd.DataFrame:
    """Provenance of the run as (item, value) rows.

    Parameters
    ----------
    data
        The inputs as read; their hashes were taken from the bytes read
        (:class:`~msc_model.data.Provenance`), never from the file as it is now.
    outcome
        The :class:`~msc_model.solver.SolveOutcome`, or ``None`` when the solve raised.
    timings
        Seconds per pipeline stage so far.
    error
        The solver error of a run that has no optimal plan.
    reference, reference_sha256
        The workbook the Inputs were compared with, if any, and the hash of its bytes as
        read for the comparison (computed now only when not given).
    """
    termination = outcome.termination if outcome is not None else ""
    if error is not None:
        termination = getattr(error, "termination", "") or type(error).__name__
    status = "optimal" if error is None else f"NOT OPTIMAL ({termination}): no results"
    source = Path(data.source) if data.source else None
    origin = data.provenance  # hashed when read: the bytes this plan was built from
    rows: list[tuple[str, object]] = [
        ("status", status),
        ("date (UTC)", datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")),
        ("case", data.case_name or "(no case_name setting: named after the file)"),
        ("input file", source.name if source else ""),
        ("input path", str(source.resolve()) if source else ""),
        ("input SHA-256", origin.source_sha256),
    ]
    if origin.scenario:
        scenario_file = Path(origin.scenario_file)
        rows += [
            ("scenario", origin.scenario),
            ("scenario file", str(scenario_file.resolve())),
            ("scenario file SHA-256", origin.scenario_sha256),
        ]
        rows += [("scenario row", row) for row in origin.overlay]
    if reference is not None:
        rows += [
            ("inputs compared with", reference.name),
            ("its SHA-256", reference_sha256 or file_sha256(reference)),
        ]
    rows.append(("python", platform.python_version()))
    rows += [(f"version {p}", _version(p)) for p in DEPENDENCIES]
    if outcome is not None:
        rows += [
            ("solver profile", outcome.profile),
            ("solver options", "; ".join(f"{k}={v}" for k, v in outcome.options.items())),
        ]
    rows.append(("termination", termination))
    if outcome is not None and error is None:
        rows += [
            # the LP's own figure: plan cost plus the value of lost supply
            ("solver objective (bn USD, present value)", outcome.objective / MUSD_PER_BN),
            ("HiGHS time (s)", outcome.solve_seconds),
        ]
        rows += [(f"{k.replace('_', ' ')}", v) for k, v in outcome.iterations.items() if v]
    if error is not None:
        rows.append(("error", str(error)))
    rows += [
        (f"time {stage} (s)", round(seconds, 3))
        for stage, seconds in timings.items()
        if math.isfinite(seconds)
    ]
    if outcome is not None:
        rows += [("solver warning", w) for w in outcome.warnings]
        rows += [
            (f"coefficient range {kind}", f"[{low:g}, {high:g}]")
            for kind, (low, high) in getattr(outcome, "ranges", {}).items()
        ]
    rows += [("input warning", w) for w in data.warnings]
    return pd.DataFrame(rows, columns=["item", "value"])
