"""Run files: one Parquet file per finished run, so an interrupted sweep resumes.

Layout of a sweep folder::

    msc_manifest.json  what msc wrote here (plan.json, runs/, the outputs): only these
                       are ever replaced or removed by a later sweep into the folder
    plan.json          what the sweep is (workbook hash, design, run ids and values)
    runs/r0007.parquet the tidy rows of run r0007; its record (status, error, timings,
                       rebuilt or not) in the file's schema metadata under "msc_run"

A run file is written through :mod:`msc_model.safety` (temporary name, then renamed into
place), so a run killed while writing never looks finished; a run file that cannot be read
back (torn by a copy or an older writer) counts as not done and is run again. ``resume``
runs only the missing ids; a folder that holds another sweep's plan is refused rather than
mixed. Files msc did not write are never deleted: a ``runs/`` folder msc did not create
is refused even with ``overwrite``, and an output name (``results.csv``...) taken by a
file of the user's is replaced only with ``overwrite``.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
from collections.abc import Iterable, Mapping
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from msc_model.errors import OutputError
from msc_model.safety import atomic_write, is_temp, write_bytes
from msc_model.scenarios.runner import RunRecord

_META = b"msc_run"
ROW_COLUMNS = ("indicator", "metal", "year", "value", "unit")
MANIFEST = "msc_manifest.json"
PLAN = "plan.json"
RUNS = "runs/"
#: every output a sweep or trade-off curve writes into its folder (checked before running)
OUTPUTS = (
    "results.parquet",
    "results.csv",
    "runs.csv",
    "summary.xlsx",
    "frontier.csv",
    "frontier.xlsx",
)
#: names of run files: r0007 (sweeps, comparisons), p03 (trade-off curves)
_RUN_FILE = re.compile(r"[a-z]\d{2,}\.parquet")


def read_manifest(folder: Path) -> set[str]:
    """The names msc wrote in ``folder`` (``runs/`` for the run folder).

    A folder from before manifests existed, holding an msc ``plan.json``, is taken as
    msc's with the outputs a sweep writes, so that it can still be resumed.
    """
    try:
        text = (folder / MANIFEST).read_text(encoding="utf-8")
    except FileNotFoundError:
        return {PLAN, RUNS, *OUTPUTS} if _is_plan(folder / PLAN) else set()
    except OSError as exc:
        raise OutputError(f"cannot read {folder / MANIFEST}: {exc.strerror}") from None
    try:
        files = json.loads(text).get("files", [])
    except (ValueError, AttributeError):
        raise OutputError(f"{folder / MANIFEST} is damaged; use another folder") from None
    return {f for f in files if isinstance(f, str)}


def _is_plan(path: Path) -> bool:
    try:
        plan = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(plan, dict) and "workbook" in plan


def claim(
    folder: Path, names: Iterable[str], *, overwrite: bool, inputs: Iterable[str] = ()
) -> None:
    """Record ``names`` as msc's in ``folder``'s manifest, refusing a file of the user's.

    ``inputs`` are the SHA-256 of the run's input workbooks: an existing workbook under an
    output name with one of these hashes is the input itself and is refused even with
    ``overwrite`` (the sweep knows its workbook by hash, not by path).

    Raises
    ------
    OutputError
        If one of ``names`` exists, is not msc's, and ``overwrite`` is false; or it is an
        input of the run.
    """
    owned = read_manifest(folder)
    names = list(names)
    hashes = {h for h in inputs if h}
    for name in names:
        path = folder / name
        if name in owned or not (path.exists() or path.is_symlink()):
            continue
        if not overwrite:
            raise OutputError(
                f"{path} exists and was not written by msc; use another folder, or "
                "--overwrite to replace it"
            )
        if hashes and path.suffix == ".xlsx" and path.is_file() and _sha256(path) in hashes:
            raise OutputError(
                f"{path} is an input workbook of this run; use another folder "
                "(inputs are never written, even with --overwrite)"
            )
    files = sorted(owned | set(names))
    text = json.dumps({"written by": "msc-model", "files": files}, indent=1)
    write_bytes(folder / MANIFEST, text.encode(), overwrite=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _foreign_runs(runs: Path) -> list[str]:
    """Entries of ``runs/`` that are neither run files nor msc's temporary files."""
    if not runs.is_dir():
        return []
    return sorted(p.name for p in runs.iterdir() if not (is_temp(p) or _RUN_FILE.fullmatch(p.name)))


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
        plan_file = self.folder / PLAN
        text = json.dumps(plan, indent=1, sort_keys=True, default=str)
        if self.folder.exists() and not self.folder.is_dir():
            raise OutputError(f"{self.folder} is a file; --out needs a folder")
        # what this store creates, so that a sweep that never starts leaves nothing behind
        self.created = [
            p for p in (self.folder, self.runs, plan_file, self.folder / MANIFEST) if not p.exists()
        ]
        self.folder.mkdir(parents=True, exist_ok=True)
        owned = read_manifest(self.folder)
        foreign = _foreign_runs(self.runs)
        if self.runs.exists() and (RUNS not in owned or foreign):
            if RUNS not in owned and not self.runs.is_dir():
                foreign = ["runs"]
            elif RUNS not in owned:
                foreign = sorted(p.name for p in self.runs.iterdir() if not is_temp(p))
            if foreign:  # never mixed with, never deleted: even with --overwrite
                shown = ", ".join(foreign[:3]) + (", ..." if len(foreign) > 3 else "")
                raise OutputError(
                    f"{self.runs} holds files msc did not write ({shown}); "
                    "use another folder for the sweep"
                )
        if PLAN in owned and plan_file.exists() and not overwrite:
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
        # refuse a user's own file under an output name now, not after hours of runs
        claim(
            self.folder,
            [PLAN, RUNS, *OUTPUTS],
            overwrite=overwrite,
            inputs=[str(plan.get("workbook", ""))],
        )
        if overwrite:  # discard the earlier sweep: only the run files msc wrote
            for path in self.runs.glob("*.parquet") if self.runs.is_dir() else ():
                if _RUN_FILE.fullmatch(path.name):
                    path.unlink(missing_ok=True)
        self.runs.mkdir(exist_ok=True)
        write_bytes(plan_file, text.encode(), overwrite=True)

    def discard_if_unused(self) -> None:
        """Remove what this store created, if no run was stored: for a sweep that could
        not start (no Dask scheduler answers). Folders go only when empty."""
        if self.runs.is_dir() and any(self.runs.iterdir()):
            return
        for path in reversed(self.created):  # files first, then runs/, then the folder
            with contextlib.suppress(OSError):
                if path.is_dir():
                    path.rmdir()
                else:
                    path.unlink()

    def done(self) -> set[str]:
        """Ids of the runs with a complete file (one whose record can be read back)."""
        return {p.stem for p in self.runs.iterdir() if _RUN_FILE.fullmatch(p.name) and _complete(p)}

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
        atomic_write(target, lambda tmp: pq.write_table(table, tmp), overwrite=True)
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


def _complete(path: Path) -> bool:
    """Whether a run file is whole: its footer and msc's record can be read."""
    try:
        metadata = pq.read_schema(path).metadata or {}
        json.loads(metadata[_META])
    except (OSError, KeyError, ValueError, pa.ArrowException):
        return False
    return True
