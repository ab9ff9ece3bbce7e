"""A real Dask cluster on loopback: a scheduler and two worker processes (no mocks) run a
sweep through ``--scheduler``, and the results equal the local run's."""

from __future__ import annotations

import time

import distributed
import pandas as pd
import pytest
from factory import minimal_sheets, write_workbook
from typer.testing import CliRunner

from msc_model.cli import app
from msc_model.scenarios import executor, sweep
from msc_model.scenarios.executor import ExecutorError

pytestmark = pytest.mark.slow  # a cluster of fresh interpreters

FACTORS = ["cu_price=import_price[metal=Cu]:scale:0.6:1.8:4", "capex:scale:0.8:1.2"]


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",  # loopback, any free port
    ) as running:
        yield running


def test_sweep_on_a_dask_cluster_equals_the_local_run(cluster, tmp_path):
    case = write_workbook(tmp_path / "case.xlsx", minimal_sheets())
    out = tmp_path / "dask"
    result = CliRunner().invoke(
        app,
        [
            "sweep",
            str(case),
            *[part for f in FACTORS for part in ("--vary", f)],
            "--out",
            str(out),
            "--scheduler",
            cluster.scheduler_address,
            "-q",
        ],
    )
    assert result.exit_code == 0, result.output
    remote = pd.read_parquet(out / "results.parquet")
    local = sweep(case, FACTORS, workers=0)
    keys = ["run_id", "indicator", "metal", "year"]
    merged = remote.merge(local, on=keys, suffixes=("_dask", "_local"))
    assert len(merged) == len(local) == len(remote)
    assert merged["value_dask"].to_numpy() == pytest.approx(
        merged["value_local"].to_numpy(), rel=1e-9, nan_ok=True
    )
    runs = pd.read_csv(out / "runs.csv")
    assert (runs["status"] == "optimal").all()
    # the work went to the cluster's two worker processes, not to this one
    workers = {w.split(":")[-1] for w in runs["worker"]}
    assert workers and workers <= {str(p) for p in _worker_pids(cluster)}


def _worker_pids(cluster) -> set[int]:
    with distributed.Client(cluster.scheduler_address) as client:
        import os

        return set(client.run(os.getpid).values())


def test_unreachable_scheduler_is_a_clear_error(tmp_path):
    import dask

    case = write_workbook(tmp_path / "case.xlsx", minimal_sheets())
    with (
        dask.config.set({"distributed.comm.timeouts.connect": "2s"}),
        pytest.raises(ExecutorError, match="no Dask scheduler"),
    ):
        sweep(case, FACTORS[:1], scheduler="tcp://127.0.0.1:9", workers=0)


def test_a_cluster_without_workers_warns_then_stops_with_a_clear_message(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(executor, "POLL_SECONDS", 0.2)
    monkeypatch.setenv(executor.NO_WORKERS_TIMEOUT, "1.5")
    case = write_workbook(tmp_path / "case.xlsx", minimal_sheets())
    with distributed.LocalCluster(
        n_workers=0, host="127.0.0.1", dashboard_address="127.0.0.1:0"
    ) as empty:
        start = time.monotonic()
        result = CliRunner().invoke(
            app,
            ["sweep", str(case), "--vary", FACTORS[0], "--out", str(tmp_path / "s"),
             "--scheduler", empty.scheduler_address, "-q"],
        )  # fmt: skip
        waited = time.monotonic() - start
    text = " ".join((result.output + (result.stderr if result.stderr_bytes else "")).split())
    assert result.exit_code == 4, text
    assert "warning: no live Dask worker" in text and "giving up after 1.5 s" in text
    assert "error: no live Dask worker" in text and "--resume" in text
    assert 1.5 <= waited < 60
