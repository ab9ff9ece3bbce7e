"""Sweeps survive their workers: real spawned processes, killed with SIGKILL.

A worker killed mid-sweep costs no run (its pool is recreated and the runs it held run
again); a run that kills its worker every time is recorded as failed with the cause while
the sweep completes; a script that calls ``msc.sweep()`` without the main guard stops with
a message naming the guard, and works once the guard is added.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from factory import minimal_sheets, write_workbook

from msc_model.inputs import load_inputs
from msc_model.scenarios.executor import run_tasks
from msc_model.scenarios.runner import RunRecord, Task, evaluate, lean

pytestmark = pytest.mark.slow  # each test starts pools of fresh interpreters


@pytest.fixture(scope="module")
def case(tmp_path_factory) -> Path:
    return write_workbook(tmp_path_factory.mktemp("workers") / "case.xlsx", minimal_sheets())


def park_on_r0003(task: Task) -> RunRecord:
    """A worker function whose first attempt at r0003 writes its pid and waits to be killed."""
    marker = Path(os.environ["MSC_TEST_PARK"])
    if task.run_id == "r0003" and not marker.exists():
        marker.write_text(str(os.getpid()))
        time.sleep(120)  # killed from outside long before this ends
    return evaluate(task)


def test_a_worker_killed_mid_sweep_costs_no_run(case, tmp_path, monkeypatch) -> None:
    marker = tmp_path / "parked.pid"
    monkeypatch.setenv("MSC_TEST_PARK", str(marker))  # spawned workers inherit it
    killed: list[int] = []

    def kill_the_parked_worker() -> None:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            text = marker.read_text() if marker.exists() else ""
            if text:
                killed.append(int(text))
                os.kill(killed[0], signal.SIGKILL)  # by another process, mid-run
                return
            time.sleep(0.01)

    killer = threading.Thread(target=kill_the_parked_worker, daemon=True)
    killer.start()
    data = lean(load_inputs(case))
    tasks = [Task(f"r{i:04d}", data, {"step": float(i)}) for i in range(8)]
    records = run_tasks(tasks, len(tasks), workers=2, function=park_on_r0003)
    killer.join(timeout=5)
    assert killed, "r0003 never started"
    by_id = {r.run_id: r for r in records}
    assert sorted(by_id) == [t.run_id for t in tasks]
    assert all(r.status == "optimal" for r in records), [r.error for r in records]
    # r0003 ran again, in another process (which worker took which run is timing)
    assert int(by_id["r0003"].worker.rsplit(":", 1)[1]) != killed[0]


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
