"""Run files: one Parquet file per finished run, so an interrupted sweep resumes.

Layout of a sweep folder::

    plan.json          what the sweep is (workbook hash, design, run ids and values)
    runs/r0007.parquet the tidy rows of run r0007; its record (status, error, timings,
                       rebuilt or not) in the file's schema metadata under "msc_run"

A run file is written to a temporary name and renamed into place, so a run killed while
writing never looks finished. ``resume`` reads the files present and runs only the
missing ids; a folder that holds another sweep's plan is refused rather than mixed.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from msc_model.errors import OutputError
from msc_model.scenarios.runner import RunRecord

_META = b"msc_run"
ROW_COLUMNS = ("indicator", "metal", "year", "value", "unit")


class RunStore:
    """The run files of one sweep folder.

    Parameters
    ----------
    folder
        Where ``plan.json`` and ``runs/`` live (created if missing).
    plan
        JSON-able description of the sweep; compared with the folder's on ``resume``.
    resume
        Keep the runs already stored (the plan must match).
    overwrite
        Discard what the folder holds. Without either flag a folder with runs is refused.
    """

    def __init__(
        self, folder: str | Path, plan: Mapping, *, resume: bool = False, overwrite: bool = False
    ) -> None:
        self.folder = Path(folder)
        self.runs = self.folder / "runs"
        plan_file = self.folder / "plan.json"
        text = json.dumps(plan, indent=1, sort_keys=True, default=str)
        if plan_file.exists() and not overwrite:
            if not resume:
                raise OutputError(
                    f"{self.folder} already holds a sweep; use --resume to continue it or "
                    "--overwrite to start again"
                )
            if json.loads(plan_file.read_text()) != json.loads(text):
                raise OutputError(
                    f"{self.folder} holds another sweep (its plan.json differs: workbook, "
                    "factors or design); use another folder or --overwrite"
                )
        elif overwrite and self.runs.exists():
            shutil.rmtree(self.runs)
        self.runs.mkdir(parents=True, exist_ok=True)
        _atomic_write(plan_file, text.encode())

    def done(self) -> set[str]:
        """Ids of the runs with a file."""
        return {p.stem for p in self.runs.glob("*.parquet")}

    def path(self, run_id: str) -> Path:
        return self.runs / f"{run_id}.parquet"

    def write(self, record: RunRecord) -> Path:
        """Store one finished run (atomically)."""
        frame = record_frame(record)
        table = pa.Table.from_pandas(frame, preserve_index=False)
        meta = dict(table.schema.metadata or {})
        meta[_META] = json.dumps(record.meta(), default=_json_default).encode()
        table = table.replace_schema_metadata(meta)
        target = self.path(record.run_id)
        handle, tmp = tempfile.mkstemp(prefix=f".{record.run_id}.", dir=self.runs)
        os.close(handle)
        try:
            pq.write_table(table, tmp)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return target

    def read(self, run_id: str) -> RunRecord:
        """A stored run back as a record."""
        path = self.path(run_id)
        meta = json.loads(pq.read_schema(path).metadata[_META])
        frame = pq.read_table(path).to_pandas()
        rows = [
            (i, m, None if pd.isna(y) else int(y), float(v), u)
            for i, m, y, v, u in frame[list(ROW_COLUMNS)].itertuples(index=False)
            if isinstance(i, str)
        ]
        return RunRecord(rows=rows, **meta)


def record_frame(record: RunRecord) -> pd.DataFrame:
    """Tidy rows of one run: run_id, factor values, indicator, metal, year, value, unit,
    status, error. A failed run is one row with no indicator and its error."""
    rows = record.rows or [(None, None, None, float("nan"), None)]
    frame = pd.DataFrame(rows, columns=list(ROW_COLUMNS))
    frame["year"] = frame["year"].astype("Int64")
    frame["value"] = frame["value"].astype(float)
    for column in ("indicator", "metal", "unit"):
        frame[column] = frame[column].astype(object)
    frame.insert(0, "run_id", record.run_id)
    for position, (name, value) in enumerate(record.values.items(), start=1):
        frame.insert(position, name, float("nan") if value is None else float(value))
    frame["status"] = record.status
    frame["error"] = record.error
    return frame


def _json_default(value: object) -> object:
    if hasattr(value, "item"):
        return value.item()
    return str(value)


def _atomic_write(path: Path, data: bytes) -> None:
    handle, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", dir=path.parent)
    with os.fdopen(handle, "wb") as out:
        out.write(data)
    os.replace(tmp, path)
