"""The hostile-input battery: the ``msc`` command on broken workbooks and failing solves.

Each bad-input case builds a workbook in a temporary folder, runs ``msc validate`` and
asserts what a user relies on: exit code 2, one readable message (``error:`` once) that
names the sheet and cell, no traceback, and the input file's bytes unchanged. Most cases
run the command in-process (typer's CliRunner); a few run it as a real subprocess to prove
the same end to end. Solver faults follow: time limit (exit 4), ``--strict`` on a badly
scaled workbook (exit 4), an infeasible case (exit 3, report marked infeasible), and
Ctrl-C during a solve (exit 130, the old report untouched).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from factory import (
    add_row,
    cell_of,
    drop_rows,
    file_hash,
    minimal_sheets,
    rename_column,
    replace_member,
    set_cell,
    sheet_member,
    write_workbook,
)
from typer.testing import CliRunner

from msc_model.cli import app

CU_EAST_2025 = {"metal": "Cu", "region": "East", "year": 2025}
CU_MINING_LIFE = {"metal": "Cu", "process": "mining", "parameter": "lifetime"}
MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _workbook(tmp_path: Path, change: Callable[[dict], object] | None = None) -> tuple[Path, str]:
    """The minimal workbook after ``change`` (which returns the address it broke)."""
    sheets = minimal_sheets()
    where = change(sheets) if change else ""
    return write_workbook(tmp_path / "case.xlsx", sheets), str(where or "")


def _bytes(content: bytes) -> Callable[[Path], tuple[Path, list[str]]]:
    def build(tmp_path: Path) -> tuple[Path, list[str]]:
        path = tmp_path / "case.xlsx"
        path.write_bytes(content)
        return path, []

    return build


def _cell_case(
    sheet: str, match, column: str, value: object, *fragments: str
) -> Callable[[Path], tuple[Path, list[str]]]:
    """One cell set to ``value``; the message must name that cell and ``fragments``."""

    def build(tmp_path: Path) -> tuple[Path, list[str]]:
        path, where = _workbook(tmp_path, lambda s: set_cell(s, sheet, match, column, value))
        return path, [f"{where}: found", *fragments]

    return build


def _change(change, *fragments) -> Callable[[Path], tuple[Path, list[str]]]:
    def build(tmp_path: Path) -> tuple[Path, list[str]]:
        path, where = _workbook(tmp_path, change)
        return path, [f for f in (where, *fragments) if f]

    return build


def _truncated(tmp_path: Path):
    path, _ = _workbook(tmp_path)
    path.write_bytes(path.read_bytes()[:-300])  # the zip's central directory is cut off
    return path, ["case.xlsx: found"]


def _entity_bomb(tmp_path: Path):
    sheets = minimal_sheets()
    path = write_workbook(tmp_path / "case.xlsx", sheets)
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        '<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
        '<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
        f'<worksheet xmlns="{MAIN_NS}"><sheetData><row r="1"><c r="A1" t="inlineStr">'
        "<is><t>&lol3;</t></is></c></row></sheetData></worksheet>"
    )
    replace_member(path, sheet_member(sheets, "metals"), bomb)
    return path, ["case.xlsx: found forbidden XML"]


def _huge_sheet(tmp_path: Path):
    """A demand sheet that declares 300,000 rows: refused before any row is read."""
    sheets = minimal_sheets()
    path = write_workbook(tmp_path / "case.xlsx", sheets)
    huge = (
        f'<worksheet xmlns="{MAIN_NS}"><dimension ref="A1:F300000"/><sheetData>'
        '<row r="1"><c r="A1" t="inlineStr"><is><t>metal</t></is></c></row>'
        '<row r="300000"><c r="A300000" t="inlineStr"><is><t>Cu</t></is></c></row>'
        "</sheetData></worksheet>"
    )
    replace_member(path, sheet_member(sheets, "demand"), huge)
    return path, ["demand: found more than 200000 rows"]


def _zip_bomb(tmp_path: Path):
    """A member that declares 300 MB once unzipped (the central directory says so)."""
    path, _ = _workbook(tmp_path)
    with zipfile.ZipFile(path, "a") as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * 1000)
    data = bytearray(path.read_bytes())
    entry = data.rindex(b"PK\x01\x02")  # central header of the member added last
    data[entry + 24 : entry + 28] = (300 * 2**20).to_bytes(4, "little")  # uncompressed size
    path.write_bytes(bytes(data))
    return path, ["case.xlsx: found 300 MB once unzipped", "zip bomb"]


def _lock_file(tmp_path: Path):
    path = write_workbook(tmp_path / "~$case.xlsx", minimal_sheets())
    return path, ["~$case.xlsx: found an Excel lock file", "use 'case.xlsx'"]


def _folder(tmp_path: Path):
    path = tmp_path / "case.xlsx"
    path.mkdir()
    return path, ["case.xlsx: found a folder"]


def _duplicate_row(sheets):
    row = list(sheets["demand"][3])
    sheets["demand"].append(row)
    return f"demand!D{len(sheets['demand'])}"


def _unreachable_region(sheets):
    """A third region with demand but no way in: no corridor, no port, no processing."""
    sheets["regions"].append(["North", "no", "no", "no"])
    sheets["power_price"].append(["North", 60, "USD/MWh"])
    for year in (2024, 2025, 2026, 2027):
        add_row(sheets, "demand", {"metal": "Cu", "region": "North", "year": year, "value": 10,
                                   "unit": "kt/yr"})  # fmt: skip
        add_row(sheets, "demand", {"metal": "Li", "region": "North", "year": year, "value": 0,
                                   "unit": "kt/yr"})  # fmt: skip
    add_row(sheets, "capacity_limits", {"metal": "Cu", "process": "processing", "region": "North",
                                        "parameter": "max_capacity", "value": 0, "unit": "kt/yr"})  # fmt: skip
    return cell_of(sheets, "demand", {"metal": "Cu", "region": "North", "year": 2024}, "value")


def _reserve_above_storage(sheets):
    add_row(sheets, "reserves", {"metal": "Cu", "region": "East", "parameter": "max_storage",
                                 "value": 100, "unit": "kt"})  # fmt: skip
    return cell_of(sheets, "reserves", {"parameter": "reserve_days"}, "value")


def _no_exchange_rate(sheets):
    drop_rows(sheets, "settings", {"parameter": "exchange_rate"})
    return set_cell(sheets, "storage", {"metal": "Li", "parameter": "storage_capex"}, "unit",
                    "CNY/t")  # fmt: skip


#: id -> builder(tmp_path) -> (workbook path, fragments the one message must contain)
BAD_INPUTS: dict[str, Callable[[Path], tuple[Path, list[str]]]] = {
    "empty file": _bytes(b""),
    "csv renamed": _bytes(b"metal,region,year,value\nCu,East,2025,1.2\n"),
    "text renamed": _bytes(b"Notes on copper demand, not a workbook.\n"),
    "password-protected": _bytes(bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 504),
    "corrupt zip": _truncated,
    "entity bomb": _entity_bomb,
    "huge sheet": _huge_sheet,
    "zip bomb": _zip_bomb,
    "lock file": _lock_file,
    "folder": _folder,
    "missing sheet": _change(
        lambda s: s.pop("technology") and "", "technology: found no such sheet"
    ),
    "renamed column": _change(
        lambda s: rename_column(s, "demand", "value", "valeu"),
        "found column 'valeu'",
        "did you mean 'value'?",
    ),
    "duplicate row": _change(_duplicate_row, "again", "also at demand!D4"),
    "unknown region": _cell_case(
        "demand", CU_EAST_2025, "region", "North", "a region listed on the regions sheet"
    ),
    "unknown metal": _cell_case("exports", 1, "metal", "Au", "a metal listed on the metals sheet"),
    "unknown origin": _cell_case("imports", 1, "origin", "Peru", "an origin listed"),
    "year as text": _cell_case("demand", CU_EAST_2025, "year", "2025a", "a whole year"),
    "blank required cell": _cell_case("demand", CU_EAST_2025, "value", None, "blank"),
    "#REF!": _cell_case("demand", CU_EAST_2025, "value", "#REF!", "the Excel error #REF!"),
    "#DIV/0!": _cell_case(
        "power_price", {"region": "West"}, "value", "#DIV/0!", "the Excel error #DIV/0!"
    ),
    "thousands separator": _cell_case(
        "demand", CU_EAST_2025, "value", "1,250", "remove the separators"
    ),
    "unit missing": _cell_case("technology", CU_MINING_LIFE, "unit", None, "a unit for lifetime"),
    "unit unknown": _cell_case("technology", CU_MINING_LIFE, "unit", "widgets", "unknown unit"),
    "unit ton": _cell_case("demand", CU_EAST_2025, "unit", "ton/yr", "'ton' is ambiguous"),
    "unit knot": _cell_case("demand", CU_EAST_2025, "unit", "knot", "a knot is a speed"),
    "stock for a flow": _cell_case(
        "existing_capacity", 1, "unit", "kt", "a flow per year is needed"
    ),
    "CNY without rate": _change(_no_exchange_rate, "no exchange_rate"),
    "5 for 5 %": _cell_case(
        "recycling",
        {"metal": "Cu", "parameter": "max_collection_rate"},
        "value",
        60,
        "percentages typed as 5",
    ),
    "negative capacity": _cell_case("existing_capacity", 1, "value", -300, "cannot be negative"),
    "yield above 1": _cell_case(
        "technology",
        {"metal": "Cu", "parameter": "process_yield", "process": "smelting"},
        "value",
        1.2,
        "at most 1",
    ),
    "max below existing": _cell_case(
        "capacity_limits",
        {"parameter": "max_capacity"},
        "value",
        200,
        "at least the existing capacity",
        "existing_capacity!D2",
    ),
    "final before base": _cell_case(
        "settings", {"parameter": "final_year"}, "value", 2020, "a year not before base_year"
    ),
    "formula, no value": _cell_case(
        "demand", CU_EAST_2025, "value", "=D4*1.05", "with no cached value"
    ),
    "reserve above storage": _change(
        _reserve_above_storage, "reserve_days 30", "the most storage East can hold"
    ),
    "hinterland ruled out": _cell_case(
        "policy", {"parameter": "min_hinterland_share"}, "value", 0.9, "at most 0.8", "policy!D2"
    ),
    "unreachable demand": _change(_unreachable_region, "that no supply chain can reach"),
}


@pytest.fixture(scope="module")
def runner() -> CliRunner:
    return CliRunner()


def _assert_one_message(exit_code: int, stderr: str, fragments: list[str]) -> None:
    assert exit_code == 2, stderr
    assert "Traceback" not in stderr
    assert stderr.count("error:") == 1, stderr
    for fragment in fragments:
        assert fragment in stderr, f"{fragment!r} not in:\n{stderr}"


@pytest.mark.parametrize("case", list(BAD_INPUTS))
def test_bad_input_exits_2_naming_the_cell(tmp_path: Path, runner: CliRunner, case: str) -> None:
    path, fragments = BAD_INPUTS[case](tmp_path)
    before = file_hash(path) if path.is_file() else None
    result = runner.invoke(app, ["validate", str(path)])
    _assert_one_message(result.exit_code, result.stderr, fragments)
    assert result.exception is None or isinstance(result.exception, SystemExit)
    if before is not None:
        assert file_hash(path) == before, "the input file was modified"


def test_there_are_at_least_25_cases() -> None:
    assert len(BAD_INPUTS) >= 25


@pytest.mark.parametrize(
    "case",
    [
        "empty file",
        *(pytest.param(c, marks=pytest.mark.slow) for c in ("entity bomb", "#REF!", "huge sheet")),
    ],
)
def test_bad_input_in_a_real_process(tmp_path: Path, case: str) -> None:
    path, fragments = BAD_INPUTS[case](tmp_path)
    before = file_hash(path)
    proc = _msc("validate", str(path))
    _assert_one_message(proc.returncode, proc.stderr, fragments)
    assert file_hash(path) == before


def test_run_refuses_bad_input_before_solving(tmp_path: Path, runner: CliRunner) -> None:
    path, fragments = BAD_INPUTS["#DIV/0!"](tmp_path)
    report = tmp_path / "report.xlsx"
    result = runner.invoke(app, ["run", str(path), "-o", str(report), "-q"])
    _assert_one_message(result.exit_code, result.stderr, fragments)
    assert not report.exists()


def test_unknown_sheet_is_only_a_warning(tmp_path: Path, runner: CliRunner) -> None:
    path, _ = _workbook(tmp_path, lambda s: s.update({"notes": [["who", "what"], ["me", "x"]]}))
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.stderr
    assert "warning:" in result.stdout and "notes" in result.stdout


def test_lock_file_beside_the_workbook_is_a_warning(tmp_path: Path, runner: CliRunner) -> None:
    path, _ = _workbook(tmp_path)
    (tmp_path / "~$case.xlsx").write_bytes(b"\0" * 165)  # what Excel leaves while editing
    result = runner.invoke(app, ["validate", str(path)])
    assert result.exit_code == 0, result.stderr
    assert "~$case.xlsx" in result.stdout and "not yet saved" in result.stdout


# -- solver faults ----------------------------------------------------------------------------


def _msc(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "msc_model", *args], capture_output=True, text=True, check=False,
        **kwargs,
    )  # fmt: skip


def test_time_limit_exits_4_with_a_clear_message(tmp_path: Path, runner: CliRunner) -> None:
    path, _ = _workbook(tmp_path)
    result = runner.invoke(app, ["run", str(path), "--time-limit", "0", "-q"])
    assert result.exit_code == 4, result.stderr
    assert "time limit of 0 s" in result.stderr and "--time-limit" in result.stderr


@pytest.mark.slow
def test_strict_turns_scaling_warnings_into_errors(tmp_path: Path, runner: CliRunner) -> None:
    """Transport at 1e-9 USD/(t·km) puts a 1.5e-9 cost beside the 100 MUSD/kt penalty."""
    path, _ = _workbook(
        tmp_path, lambda s: set_cell(s, "transport_cost", {"mode": "rail"}, "value", 1e-9)
    )
    loose = runner.invoke(app, ["run", str(path), "-q"])
    assert loose.exit_code == 0, loose.stderr
    strict = runner.invoke(app, ["run", str(path), "--strict", "-q"])
    assert strict.exit_code == 4, strict.stderr
    assert "--strict" in strict.stderr and "wide cost range" in strict.stderr


@pytest.mark.slow
def test_infeasible_run_exits_3_explains_and_marks_the_report(
    tmp_path: Path, runner: CliRunner
) -> None:
    """Exports of 5 Mt refined copper with 1 Mt of refined imports: no sanity check can
    see it, the LP diagnosis names the export cell."""

    def change(sheets):
        add_row(sheets, "imports", {"metal": "Cu", "form": "refined", "origin": "Chile",
                                    "parameter": "import_availability", "value": 1000,
                                    "unit": "kt/yr"})  # fmt: skip
        return set_cell(sheets, "exports", {"metal": "Cu"}, "value", 5000)

    path, export_cell = _workbook(tmp_path, change)
    report = tmp_path / "report.xlsx"
    result = runner.invoke(app, ["run", str(path), "-o", str(report), "-q"])
    assert result.exit_code == 3, result.stderr
    assert "Traceback" not in result.stderr
    assert export_cell in result.stderr and "Lower export_demand" in result.stderr
    assert report.is_file() and "no plan" in result.stderr


INTERRUPTING = Path(__file__).with_name("interrupting.py")


@pytest.mark.parametrize(
    "when",
    [
        "start",
        pytest.param("end", marks=pytest.mark.slow),
        pytest.param("finalizer", marks=pytest.mark.slow),
    ],
)
def test_ctrl_c_during_a_solve_keeps_the_old_report(tmp_path: Path, when: str) -> None:
    """SIGINT while ``msc run`` solves: exit 130, the old report byte for byte.

    The signal is sent from inside the solve (``tests/interrupting.py``): at HiGHS's first
    log line, before any iteration polls for interrupts, or just after ``Highs.run``
    returns, or (``finalizer``) inside a ``__del__`` while the model is built, where Python
    swallows the KeyboardInterrupt (it did: the run wrote its report and exited 0). Each
    way it must end the run with 130 and nothing written. (Sent from
    outside once the run printed its "solving" stage, it raced the solve: on a loaded
    machine the signal could arrive after the run had finished, which is the exit 0 with
    an empty stderr seen in CI, not a lost Ctrl-C.)
    """
    path = _long_case(tmp_path)
    report = tmp_path / "report.xlsx"
    report.write_bytes(b"the report of an earlier run")
    before = file_hash(report)
    proc = subprocess.run(
        [sys.executable, str(INTERRUPTING), when, "run", str(path), "-o", str(report),
         "--overwrite"],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, "COLUMNS": "200"}, cwd=tmp_path,  # the installed package
    )  # fmt: skip
    assert f"SIGINT sent ({when})" in proc.stderr, proc.stderr
    assert proc.returncode == 130, proc.stderr
    # the finalizer's KeyboardInterrupt is printed by Python as "Exception ignored"
    ignored = 1 if when == "finalizer" else 0
    assert proc.stderr.count("Exception ignored") == ignored, proc.stderr
    assert "interrupted" in proc.stderr and proc.stderr.count("Traceback") == ignored
    assert file_hash(report) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.xlsx", "report.xlsx"]


@pytest.mark.slow
def test_ctrl_c_during_an_in_process_sweep_stops_it(tmp_path: Path) -> None:
    """``msc sweep --workers 0`` runs in this process: Ctrl-C inside its first solve must
    stop the sweep (exit 130, resume hint), not become a failed run while the sweep goes
    on (it did: the in-process executor delivered KeyboardInterrupt as a run's error)."""
    path, _ = _workbook(tmp_path)
    out = tmp_path / "sweep"
    proc = subprocess.run(
        [sys.executable, str(INTERRUPTING), "start", "sweep", str(path), "--vary",
         "capex:scale:0.8:1.2:4", "--out", str(out), "--workers", "0", "-q"],
        capture_output=True, text=True, timeout=120, check=False, cwd=tmp_path,
    )  # fmt: skip
    assert "SIGINT sent (start)" in proc.stderr, proc.stderr
    assert proc.returncode == 130, proc.stderr
    assert "--resume" in proc.stderr and "Traceback" not in proc.stderr
    assert not list((out / "runs").glob("*.parquet"))  # the interrupted run is not stored


def test_ctrl_c_inside_highs_is_not_a_solver_error(tmp_path: Path, monkeypatch) -> None:
    """Inside HiGHS, Ctrl-C used to end as a plain "solve error" (exit 4): highspy swallows
    the KeyboardInterrupt raised in its interrupt callback. ``solve`` re-raises it.

    SIGINT goes to this process from HiGHS's first log line of the solve (a logging
    callback, so the signal always arrives while ``Highs.run`` executes, whatever the
    machine's speed); the solve must end with KeyboardInterrupt, never with SolveError,
    and load no answer.
    """
    import highspy

    from msc_model.inputs import load_inputs
    from msc_model.model import build_model
    from msc_model.solver import solve

    model = build_model(load_inputs(_long_case(tmp_path)))
    sent: list[bool] = []

    def on_log(_event) -> None:
        if not sent:
            sent.append(True)
            os.kill(os.getpid(), signal.SIGINT)

    original = highspy.Highs.run

    def run(self):
        self.cbLogging.subscribe(on_log)
        try:
            return original(self)
        finally:
            self.cbLogging.unsubscribe(on_log)

    monkeypatch.setattr(highspy.Highs, "run", run)
    # Ctrl-C as Python's default handler treats it, while this test runs
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            solve(model)
    finally:
        signal.signal(signal.SIGINT, previous)
    assert sent
    assert all(v.value is None for v in model.activity.values())


def _long_case(tmp_path: Path) -> Path:
    """The minimal case stretched to 2024-2060 with demand growing every year."""
    sheets = minimal_sheets()
    set_cell(sheets, "settings", {"parameter": "final_year"}, "value", 2060)
    for year in range(2028, 2061):
        for metal, region, value, unit in (
            ("Cu", "East", 1.35 + 0.05 * (year - 2027), "Mt/yr"),
            ("Cu", "West", 0.46 + 0.02 * (year - 2027), "Mt/yr"),
            ("Li", "East", 36 + 2 * (year - 2027), "kt/yr"),
            ("Li", "West", 13 + (year - 2027), "kt/yr"),
        ):
            add_row(sheets, "demand", {"metal": metal, "region": region, "year": year,
                                       "value": round(value, 3), "unit": unit})  # fmt: skip
    return write_workbook(tmp_path / "long.xlsx", sheets)
