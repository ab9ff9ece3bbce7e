"""Shared plumbing of sweeps, trade-off curves and comparisons: load the case, run the
variants through the executor, keep the run files, assemble the tidy table."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from msc_model.data import ModelData
from msc_model.inputs import load_inputs
from msc_model.scenarios.executor import ExecutorError, run_tasks
from msc_model.scenarios.overlays import Change, apply_scenario
from msc_model.scenarios.runner import RunRecord, Task
from msc_model.scenarios.store import RunStore, record_frame
from msc_model.shipped import default_workbook


def load_case(
    workbook: str | Path | None,
    scenario: str | None = None,
    scenario_file: str | Path | None = None,
) -> tuple[ModelData, list[Change]]:
    """The case a sweep starts from: the workbook (default: the shipped one), with a
    scenario applied when one is named."""
    if workbook is None:
        workbook = default_workbook()
    data = load_inputs(workbook)
    if scenario is None:
        return data, []
    return apply_scenario(data, scenario, scenario_file)


def file_hash(path: str | Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


@dataclass(frozen=True)
class Planned:
    """A run of a plan: its id, its factor values and how to make its task."""

    run_id: str
    values: Mapping[str, float | None]
    make: Callable[[], Task]


def execute(
    planned: Iterable[Planned],
    *,
    out: str | Path | None,
    plan: Mapping,
    resume: bool = False,
    overwrite: bool = False,
    workers: int | None = None,
    scheduler: str | None = None,
    progress: bool = False,
    label: str = "runs",
) -> list[RunRecord]:
    """Run what is not stored yet; return every record of the plan, sorted by run id."""
    planned = list(planned)
    store = RunStore(out, plan, resume=resume, overwrite=overwrite) if out is not None else None
    done = store.done() if store is not None else set()
    stored = [store.read(p.run_id) for p in planned if p.run_id in done] if store else []
    todo = [p for p in planned if p.run_id not in done]
    try:
        records = run_tasks(
            (p.make() for p in todo),
            len(todo),
            workers=workers,
            scheduler=scheduler,
            on_record=store.write if store is not None else None,
            progress=progress,
            label=label,
        )
    except ExecutorError:  # nothing ran: leave no plan.json or runs/ behind
        if store is not None:
            store.discard_if_unused()
        raise
    return sorted(stored + records, key=lambda r: r.run_id)


def tidy(records: Iterable[RunRecord]) -> pd.DataFrame:
    """One long table of every run (see :func:`msc_model.scenarios.store.record_frame`)."""
    frames = [record_frame(r) for r in records]
    if not frames:
        return pd.DataFrame(
            columns=["run_id", "indicator", "metal", "year", "value", "unit", "status", "error"]
        )
    return pd.concat(frames, ignore_index=True)


def runs_table(records: Iterable[RunRecord]) -> pd.DataFrame:
    """One row per run: values, status, the plan's cost (MUSD, value of lost supply
    excluded), ``curtailed`` (kt of demand left unmet: such a run did not meet the case
    and its cost is no answer), error, whether it rebuilt and why, timings."""
    rows = []
    for r in records:
        meta = r.meta()
        values = meta.pop("values")
        found = {i: v for i, _m, _y, v, _u in r.rows if i in ("plan_cost", "curtailed")}
        rows.append(
            {
                "run_id": meta.pop("run_id"),
                **values,
                "status": meta.pop("status"),
                "plan_cost": found.get("plan_cost", float("nan")),
                "curtailed": found.get("curtailed", float("nan")),
                **meta,
            }
        )
    return pd.DataFrame(rows)


def rebuild_summary(records: Iterable[RunRecord]) -> dict[str, object]:
    """How many runs built a model, and why (reason → count); the others re-solved."""
    reasons: dict[str, int] = {}
    for r in records:
        if r.rebuilt:
            reasons[r.reason] = reasons.get(r.reason, 0) + 1
    return {"rebuilt": sum(reasons.values()), "reasons": reasons}
