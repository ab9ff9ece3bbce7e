"""Sweeps survive their workers: real spawned processes, killed with SIGKILL.

A worker killed mid-sweep costs no run (its pool is recreated and the runs it held run
again); a run that kills its worker every time is recorded as failed with the cause while
the sweep completes; a script that calls ``msc.sweep()`` without the main guard stops with
a message naming the guard, and works once the guard is added.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from factory import minimal_sheets, write_workbook

from msc_model.inputs import load_inputs
from msc_model.scenarios import sweep
from msc_model.scenarios.executor import run_tasks
from msc_model.scenarios.runner import RunRecord, Task, evaluate, lean

pytestmark = pytest.mark.slow  # each test starts pools of fresh interpreters


@pytest.fixture(scope="module")
def case(tmp_path_factory) -> Path:
    return write_workbook(tmp_path_factory.mktemp("workers") / "case.xlsx", minimal_sheets())


def _worker_of(run_file: Path) -> int:
    meta = json.loads(pq.read_schema(run_file).metadata[b"msc_run"])
    return int(meta["worker"].rsplit(":", 1)[1])


def test_a_worker_killed_mid_sweep_costs_no_run(case, tmp_path) -> None:
    out = tmp_path / "sweep"
    killed: list[int] = []

    def kill_the_first_worker() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            files = sorted((out / "runs").glob("r*.parquet"))
            if files:
                pid = _worker_of(files[0])
                os.kill(pid, signal.SIGKILL)  # the worker that finished a run goes on to the next
                killed.append(pid)
                return
            time.sleep(0.01)

    killer = threading.Thread(target=kill_the_first_worker, daemon=True)
    killer.start()
    # lifetime is built into the coefficients: every run rebuilds, so the sweep lasts seconds
    frame = sweep(case, ["lifetime:scale:0.8:1.2:16"], out=out, workers=2)
    killer.join(timeout=5)
    assert killed, "no run file appeared"
    runs = pd.read_csv(out / "runs.csv")
    assert len(runs) == 17 and (runs["status"] == "optimal").all(), runs[["run_id", "error"]]
    assert frame["run_id"].nunique() == 17
    pids = {int(w.rsplit(":", 1)[1]) for w in runs["worker"]}
    assert killed[0] in pids and len(pids) >= 3  # runs before the kill, and on a new pool


def die_on_r0002(task: Task) -> RunRecord:
    """A worker function whose run r0002 kills its process (as the OOM killer would)."""
    if task.run_id == "r0002":
        os.kill(os.getpid(), signal.SIGKILL)
    return evaluate(task)


def test_a_run_that_kills_its_worker_twice_is_recorded_failed_and_the_rest_finish(case) -> None:
    data = lean(load_inputs(case))
    tasks = [Task(f"r{i:04d}", data, {"step": float(i)}) for i in range(6)]
    stored: list[RunRecord] = []
    records = run_tasks(
        tasks, len(tasks), workers=2, on_record=stored.append, function=die_on_r0002
    )
    by_id = {r.run_id: r for r in records}
    assert sorted(by_id) == [t.run_id for t in tasks]
    culprit = by_id.pop("r0002")
    assert culprit.status == "error" and "worker lost twice" in culprit.error
    assert "BrokenProcessPool" in culprit.error
    assert all(r.status == "optimal" for r in by_id.values())
    assert "r0002" in {r.run_id for r in stored}  # stored: --resume does not retry it


SCRIPT = """
import msc_model as msc
{indent}frame = msc.sweep(r"{case}", ["capex:scale:0.8:1.2"], workers=2)
{indent}print("runs", frame["run_id"].nunique())
"""


def test_a_script_without_the_main_guard_is_told_what_to_add(case, tmp_path) -> None:
    script = tmp_path / "unguarded.py"
    script.write_text(SCRIPT.format(case=case, indent=""))
    proc = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert proc.returncode != 0
    last = proc.stderr.strip().splitlines()[-1]
    assert "ExecutorError" in last and 'if __name__ == "__main__":' in last, proc.stderr[-3000:]
    guarded = tmp_path / "guarded.py"
    body = SCRIPT.format(case=case, indent="    ").replace(
        "import msc_model as msc\n", 'import msc_model as msc\n\nif __name__ == "__main__":\n'
    )
    guarded.write_text(body)
    proc = subprocess.run(
        [sys.executable, str(guarded)], capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert "runs 3" in proc.stdout
