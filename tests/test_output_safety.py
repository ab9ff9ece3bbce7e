"""Safe by default, end to end (issue 14): real runs of a small case, real files on disk.

A report matches its run (the scenario and the bytes it was built from), no input is ever
written, nothing is replaced without ``--overwrite`` even by a concurrent run, nothing msc
did not write is deleted, a torn run file is run again, and CSV text cannot become a
formula in a spreadsheet.
"""

from __future__ import annotations

import csv
import errno
import hashlib
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from factory import minimal_sheets, set_cell, write_workbook
from openpyxl import load_workbook
from typer.testing import CliRunner

from msc_model.cli import app
from msc_model.errors import OutputError
from msc_model.inputs import load_inputs
from msc_model.pipeline import run
from msc_model.report import write_report
from msc_model.scenarios import sweep
from msc_model.scenarios.output import neutralised, write_tidy

CU_PRICE = "cu_price=import_price[metal=Cu]:scale:0.6:1.8:3"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def case(tmp_path_factory) -> Path:
    return write_workbook(tmp_path_factory.mktemp("safe") / "case.xlsx", minimal_sheets())


@pytest.fixture(scope="module")
def what_if(tmp_path_factory) -> Path:
    rows = [["scenario", "table", "metal", "operation", "value"]]
    rows += [["dear_cu", "import_price", "Cu", "scale", 2]]
    return write_workbook(tmp_path_factory.mktemp("what_if") / "what_if.xlsx", {"scenarios": rows})


def _info(report: Path) -> dict[str, list[object]]:
    rows = load_workbook(report, read_only=True)["Run info"].iter_rows(min_row=2, values_only=True)
    info: dict[str, list[object]] = {}
    for item, value, *_ in rows:
        info.setdefault(item, []).append(value)
    return info


def _cells(report: Path, sheet: str) -> list[object]:
    ws = load_workbook(report, read_only=True)[sheet]
    return [v for row in ws.iter_rows(values_only=True) for v in row if v is not None]


def test_a_scenario_report_names_the_scenario_and_shows_the_inputs_it_used(
    case, what_if, tmp_path
) -> None:
    report = tmp_path / "dear.xlsx"
    result = run(case, report, scenario="dear_cu", scenario_file=what_if)
    base = run(case)
    assert result.outcome.objective > base.outcome.objective  # the scenario was solved
    info = _info(report)
    assert info["scenario"] == ["dear_cu"]
    assert info["scenario file SHA-256"] == [sha(what_if)]
    assert info["input SHA-256"] == [sha(case)]
    assert info["scenario row"] == [
        "scenarios!A2: scenario=dear_cu, table=import_price, metal=Cu, operation=scale, value=2"
    ]
    # the Inputs sheet holds the prices the run used (doubled), not the workbook's
    read = load_inputs(case).tables["imports"]
    used = result.data.tables["imports"]
    cu = (read["metal"] == "Cu") & (read["parameter"] == "import_price")
    assert (used.loc[cu, "value"] == 2 * read.loc[cu, "value"]).all()
    assert (used.loc[~cu, "value"] == read.loc[~cu, "value"]).all()
    shown = _cells(report, "Inputs")
    assert "with scenario 'dear_cu'" in shown[0]
    for price in used.loc[cu, "value"]:
        assert price in shown
    # Changed inputs lists the scenario's cells first, against the run's own workbook
    ws = load_workbook(report, read_only=True)["Changed inputs"]
    rows = [r for r in ws.iter_rows(values_only=True) if len(r) > 5 and r[3]]
    scenario = [r for r in rows if r[3] == "scenario 'dear_cu'"]
    assert [(r[4], r[5]) for r in scenario] == [
        (2 * v, v) for v in read.loc[cu, "value"]
    ]  # (value in this run, value in case.xlsx)
    assert rows.index(scenario[0]) <= 1  # first, under the header


@pytest.mark.parametrize("replace", ["deleted", "replaced"])
def test_the_hash_is_of_the_bytes_read_not_of_the_file_at_write_time(
    tmp_path, replace: str
) -> None:
    workbook = write_workbook(tmp_path / "case.xlsx", minimal_sheets())
    original = sha(workbook)

    def meanwhile(stage: str) -> None:  # someone edits the workbook during the solve
        if stage == "solving":
            if replace == "deleted":
                workbook.unlink()
            else:
                other = minimal_sheets()
                set_cell(other, "settings", {"parameter": "discount_rate"}, "value", 0.07)
                write_workbook(workbook, other)

    run(workbook, tmp_path / "r.xlsx", on_stage=meanwhile)
    assert _info(tmp_path / "r.xlsx")["input SHA-256"] == [original]


def test_the_scenario_file_is_never_written_even_with_overwrite(case, what_if, tmp_path):
    before = sha(what_if)
    result = CliRunner().invoke(
        app,
        ["run", str(case), "--scenario", "dear_cu", "--scenario-file", str(what_if),
         "-o", str(what_if), "--overwrite"],
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "input workbook" in result.output and "Traceback" not in result.output
    assert sha(what_if) == before
    # the report writer itself knows the run's inputs (provenance), not only the CLI
    done = run(case, scenario="dear_cu", scenario_file=what_if)
    with pytest.raises(OutputError, match="input workbook"):
        write_report(done.results, done.data, done.outcome, what_if, overwrite=True)
    assert sha(what_if) == before


def test_an_existing_export_file_needs_overwrite(case, tmp_path) -> None:
    mps = tmp_path / "case.mps"
    mps.write_text("my own model\n")
    result = CliRunner().invoke(app, ["run", str(case), "-q", "--export-mps", str(mps)])
    assert result.exit_code == 2 and "exists; use --overwrite" in result.output
    assert mps.read_text() == "my own model\n"
    result = CliRunner().invoke(
        app, ["run", str(case), "-q", "--export-mps", str(mps), "--overwrite"]
    )
    assert result.exit_code == 0, result.output
    assert mps.read_text().startswith("NAME") and len(list(tmp_path.iterdir())) == 1


def test_two_concurrent_runs_to_one_new_report_cannot_both_succeed(case, tmp_path) -> None:
    target = tmp_path / "same.xlsx"
    command = [sys.executable, "-m", "msc_model", "run", str(case), "-q", "-o", str(target)]
    # from outside the checkout, so `python -m` runs the installed package (the checkout's
    # own msc_model lacks the sheets/ and solvers/ mapping of an install)
    procs = [
        subprocess.Popen(command, stderr=subprocess.PIPE, text=True, cwd=tmp_path) for _ in range(2)
    ]
    outcomes = sorted((p.wait(timeout=300), p.stderr.read()) for p in procs)
    for p in procs:
        p.stderr.close()
    assert [code for code, _ in outcomes] == [0, 2], outcomes
    assert "exists" in outcomes[1][1] or "another process" in outcomes[1][1]
    assert len(outcomes[1][1].strip().splitlines()) == 1  # one line, no traceback
    assert sorted(p.name for p in tmp_path.iterdir()) == ["same.xlsx", "same_flows.html"]


def test_sweep_never_deletes_or_replaces_what_it_did_not_write(case, tmp_path) -> None:
    out = tmp_path / "sweep"
    (out / "runs").mkdir(parents=True)
    mine = out / "runs" / "my_notes.txt"
    mine.write_text("not msc's")
    with pytest.raises(OutputError, match="msc did not write"):
        sweep(case, [CU_PRICE], out=out, workers=0, overwrite=True)
    assert mine.read_text() == "not msc's"
    assert sorted(p.name for p in out.rglob("*")) == ["my_notes.txt", "runs"]

    own = tmp_path / "own"
    own.mkdir()
    (own / "results.csv").write_text("my,results\n")
    (own / "summary.xlsx").write_bytes(b"my summary")
    with pytest.raises(OutputError, match="not written by msc"):
        sweep(case, [CU_PRICE], out=own, workers=0)
    assert (own / "results.csv").read_text() == "my,results\n"
    assert sorted(p.name for p in own.iterdir()) == ["results.csv", "summary.xlsx"]
    # with --overwrite the user chose to replace them; msc's own files are listed
    sweep(case, [CU_PRICE], out=own, workers=0, overwrite=True)
    assert (own / "results.csv").read_text() != "my,results\n"
    manifest = (own / "msc_manifest.json").read_text()
    assert '"results.csv"' in manifest and '"runs/"' in manifest

    # the case workbook itself under an output name is refused even with --overwrite
    inside = tmp_path / "inside"
    inside.mkdir()
    workbook = inside / "summary.xlsx"
    workbook.write_bytes(case.read_bytes())
    with pytest.raises(OutputError, match="input workbook"):
        sweep(workbook, [CU_PRICE], out=inside, workers=0, overwrite=True)
    assert sha(workbook) == sha(case)


def test_a_torn_run_file_is_run_again_on_resume(case, tmp_path) -> None:
    out = tmp_path / "sweep"
    first = sweep(case, [CU_PRICE], out=out, workers=0)
    torn = out / "runs" / "r0001.parquet"
    whole = torn.read_bytes()
    torn.write_bytes(whole[: len(whole) // 2])  # a copy cut short, an older writer killed
    again = sweep(case, [CU_PRICE], out=out, workers=0, resume=True)
    assert pd.read_parquet(torn).shape[0] > 0  # whole again
    key = ["run_id", "indicator", "metal", "year"]
    pd.testing.assert_frame_equal(
        again.sort_values(key, ignore_index=True),
        first.sort_values(key, ignore_index=True),
        check_dtype=False,
    )
    # a folder written before manifests existed still resumes
    (out / "msc_manifest.json").unlink()
    sweep(case, [CU_PRICE], out=out, workers=0, resume=True)
    assert (out / "msc_manifest.json").is_file()
    # an msc sweep folder is msc's to discard: --overwrite removes its run files only
    (out / "runs" / ".r0001.parquet.1.00.part.parquet").write_bytes(b"")
    sweep(case, [CU_PRICE], out=out, workers=0, overwrite=True)


def test_csv_text_cannot_become_a_formula_and_numbers_stay_numbers(tmp_path) -> None:
    evil = '=HYPERLINK("http://evil.example","x")'
    frame = pd.DataFrame(
        {
            "metal": [evil, "+1", "-2", "@SUM(A1)", "\tx", "\rx", "Cu"],
            "value": [1.5, -2.0, 3.0, 4.0, 5.0, 6.0, -7.25],
            "year": [2030] * 7,
        }
    )
    parquet_path, csv_path = write_tidy(frame, tmp_path)
    with open(csv_path, newline="") as handle:
        rows = list(csv.reader(handle))
    assert rows[0] == ["metal", "value", "year"]
    texts = [r[0] for r in rows[1:]]
    assert texts[:6] == ["'" + t for t in frame["metal"][:6]] and texts[6] == "Cu"
    assert all(not t.startswith(("=", "+", "-", "@", "\t", "\r")) for t in texts)
    back = pd.read_csv(csv_path)
    assert back["value"].tolist() == frame["value"].tolist()  # numbers, not text
    assert pd.read_parquet(parquet_path)["metal"].tolist() == frame["metal"].tolist()
    assert neutralised(pd.DataFrame({"=x": [1]})).columns.tolist() == ["'=x"]


def test_compare_never_writes_its_scenario_file_and_refuses_before_solving(
    case, what_if, tmp_path
) -> None:
    before = sha(what_if)
    result = CliRunner().invoke(
        app,
        ["compare", str(case), "-s", "dear_cu", "--scenario-file", str(what_if),
         "-o", str(what_if), "--overwrite", "-q", "-w", "0"],
    )  # fmt: skip
    assert result.exit_code == 2 and "input workbook" in result.output, result.output
    assert sha(what_if) == before


# -- the writers go through the atomic writer: a save that fails half-way changes nothing


def _failing_half_way(original):
    """A writer that writes part of its file and then finds the disk full."""

    def write(self, target, *args, **kwargs):
        Path(target).write_bytes(b"PK\x03\x04 the first bytes")
        raise OSError(errno.ENOSPC, "No space left on device")

    return write


def test_a_report_save_failing_half_way_keeps_the_old_report_and_its_diagrams(
    case, tmp_path, monkeypatch
) -> None:
    target = tmp_path / "plan.xlsx"
    done = run(case, target)
    html = tmp_path / "plan_flows.html"
    before = {p.name: sha(p) for p in tmp_path.iterdir()}
    monkeypatch.setattr(
        "msc_model.report.writer.ExcelWriter.save",
        lambda self: (_ for _ in ()).throw(OSError(errno.ENOSPC, "No space left on device")),
    )
    with pytest.raises(OutputError, match="No space left on device"):
        write_report(done.results, done.data, done.outcome, target, overwrite=True)
    assert {p.name: sha(p) for p in tmp_path.iterdir()} == before
    assert html.is_file()


def test_sweep_outputs_failing_half_way_keep_the_old_files(case, tmp_path, monkeypatch):
    out = tmp_path / "sweep"
    sweep(case, [CU_PRICE], out=out, workers=0)
    before = {p.relative_to(out).as_posix(): sha(p) for p in out.rglob("*") if p.is_file()}
    monkeypatch.setattr(pd.DataFrame, "to_csv", _failing_half_way(pd.DataFrame.to_csv))
    with pytest.raises(OutputError, match="No space left on device"):
        sweep(case, [CU_PRICE], out=out, workers=0, resume=True)
    after = {p.relative_to(out).as_posix(): sha(p) for p in out.rglob("*") if p.is_file()}
    assert after == before  # old outputs intact, no temporary file anywhere


def test_a_run_file_failing_half_way_is_not_stored_and_runs_again(case, tmp_path, monkeypatch):
    import pyarrow.parquet as pq

    out = tmp_path / "sweep"
    real = pq.write_table
    calls = []

    def write_table(table, where, *args, **kwargs):
        calls.append(where)
        if len(calls) == 2:  # the second run's file: half written, then the disk is full
            Path(where).write_bytes(b"PAR1 half")
            raise OSError(errno.ENOSPC, "No space left on device")
        return real(table, where, *args, **kwargs)

    monkeypatch.setattr("msc_model.scenarios.store.pq.write_table", write_table)
    with pytest.raises(OutputError, match="No space left on device"):
        sweep(case, [CU_PRICE], out=out, workers=0)
    stored = sorted(p.name for p in (out / "runs").iterdir())
    failed = Path(calls[1]).name.split(".")[1]  # the temporary file names its run
    assert len(stored) == 1 and f"{failed}.parquet" not in stored  # no torn file
    assert not [name for name in stored if name.startswith(".")]  # no temporary file
    monkeypatch.setattr("msc_model.scenarios.store.pq.write_table", real)
    again = sweep(case, [CU_PRICE], out=out, workers=0, resume=True)
    files = sorted(p.stem for p in (out / "runs").iterdir())
    assert files == sorted(again["run_id"].unique()) and "r0001" in files


def test_a_sweep_whose_scheduler_does_not_answer_leaves_nothing_behind(case, tmp_path):
    import dask  # a declared dependency: no skip

    from msc_model.scenarios.executor import ExecutorError

    out = tmp_path / "never"
    with (
        dask.config.set({"distributed.comm.timeouts.connect": "1s"}),
        pytest.raises(ExecutorError, match="no Dask scheduler answers"),
    ):
        sweep(case, [CU_PRICE], out=out, scheduler="tcp://127.0.0.1:9", workers=0)
    assert not out.exists()


def test_stress_never_writes_its_plan_workbook(case, tmp_path) -> None:
    plan = tmp_path / "plan.xlsx"
    plan.write_bytes(case.read_bytes())  # any workbook: refused before it is read
    before = sha(plan)
    result = CliRunner().invoke(
        app, ["stress", str(case), "--plan", str(plan), "-o", str(plan), "--overwrite", "-q"]
    )
    assert result.exit_code == 2 and "input workbook" in result.output, result.output
    assert sha(plan) == before
