"""A sweep on a Dask cluster whose workers all leave stops with one error instead of
waiting forever (issue 14); the runs finished before are stored for --resume. A real
LocalCluster on loopback; only the watch's timings are shortened."""

from __future__ import annotations

import threading

import distributed  # a declared dependency: no skip
import pytest
from factory import minimal_sheets, write_workbook

from msc_model.scenarios import executor, sweep
from msc_model.scenarios.executor import ExecutorError


@pytest.mark.slow
def test_a_sweep_whose_workers_all_leave_stops_with_an_error(tmp_path, monkeypatch):
    monkeypatch.setattr(executor, "POLL_SECONDS", 0.5)
    monkeypatch.setenv(executor.NO_WORKERS_TIMEOUT, "2")
    case = write_workbook(tmp_path / "case.xlsx", minimal_sheets())
    out = tmp_path / "sweep"
    with distributed.LocalCluster(
        n_workers=1,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
    ) as cluster:
        leave = threading.Timer(3.0, lambda: cluster.scale(0))
        leave.start()
        try:
            with pytest.raises(ExecutorError, match=r"no live Dask worker .* for 2 s"):
                sweep(
                    case,
                    ["cu_price=import_price[metal=Cu]:scale:0.6:1.8:400"],
                    out=out,
                    scheduler=cluster.scheduler_address,
                )
        finally:
            leave.cancel()
    assert (out / "plan.json").is_file()  # the folder stays resumable
