"""The one atomic writer (``msc_model.safety``) on real files in real folders.

Each test breaks a write the way the world does — a writer that dies half-way, a full
disk, a second process taking the name first, a killed run's temporary file — and checks
what a user relies on: the old bytes are intact, no temporary file is left, new files get
the permissions of the user's umask, and nothing msc did not write is replaced or deleted.
"""

from __future__ import annotations

import errno
import hashlib
import os
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from msc_model.errors import OutputError
from msc_model.safety import (
    STALE_AFTER,
    OutputUnit,
    atomic_write,
    check_target,
    clean_stale_temps,
    write_bytes,
)

SAFETY = Path(__file__).resolve().parents[1] / "msc_model" / "safety.py"


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@contextmanager
def _umask(mask: int):
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def _half_then_raise(error: BaseException):
    def save(tmp: Path) -> None:
        with open(tmp, "wb") as handle:
            handle.write(b"PK\x03\x04 half of a new report")
            handle.flush()
        raise error

    return save


@pytest.mark.parametrize(
    "error",
    [RuntimeError("bug in the writer"), KeyboardInterrupt(), OSError(errno.ENOSPC, "full")],
    ids=["bug", "ctrl-c", "disk-full"],
)
def test_a_save_failing_half_way_keeps_the_old_bytes_and_no_temporary_file(tmp_path, error):
    target = tmp_path / "report.xlsx"
    target.write_bytes(b"the old report")
    os.chmod(target, 0o640)
    before = _listing(tmp_path)
    expected = OutputError if isinstance(error, OSError) else type(error)
    with pytest.raises(expected) as raised:
        atomic_write(target, _half_then_raise(error), overwrite=True)
    assert target.read_bytes() == b"the old report"
    assert _listing(tmp_path) == before  # no temporary file left behind
    assert target.stat().st_mode & 0o777 == 0o640
    if expected is OutputError:  # one line, naming the file and the cause
        assert str(raised.value) == f"cannot write {target}: full"


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o077])
def test_new_files_get_the_umask_not_0600_and_replaced_files_keep_their_mode(tmp_path, mask):
    with _umask(mask):
        new = write_bytes(tmp_path / "new.csv", b"a,b\n").path
        assert new.stat().st_mode & 0o777 == 0o666 & ~mask
        kept = tmp_path / "kept.csv"
        kept.write_bytes(b"old")
        os.chmod(kept, 0o604)
        write_bytes(kept, b"new", overwrite=True)
        assert kept.read_bytes() == b"new" and kept.stat().st_mode & 0o777 == 0o604


def test_an_existing_file_is_never_replaced_without_overwrite(tmp_path):
    target = tmp_path / "results.csv"
    target.write_bytes(b"the user's own")
    with pytest.raises(OutputError, match="exists; use --overwrite"):
        write_bytes(target, b"ours")
    assert target.read_bytes() == b"the user's own" and _listing(tmp_path) == ["results.csv"]


def test_an_input_is_refused_even_with_overwrite(tmp_path):
    source = tmp_path / "case.xlsx"
    source.write_bytes(b"inputs")
    alias = tmp_path / "alias.xlsx"
    os.link(source, alias)  # the same file under another name
    for target in (source, alias, tmp_path / "." / "case.xlsx"):
        with pytest.raises(OutputError, match="input workbook"):
            write_bytes(target, b"x", overwrite=True, protect=[source])
    assert source.read_bytes() == b"inputs"


def test_a_name_taken_meanwhile_fails_the_whole_unit_and_keeps_the_other_file(tmp_path):
    """Exclusive creation at the swap: a second process that created the report while
    this one was writing keeps its file, and this unit's companion is taken back."""
    report, html = tmp_path / "r.xlsx", tmp_path / "r_flows.html"
    with OutputUnit(overwrite=False) as unit:
        unit.stage(html, lambda tmp: tmp.write_bytes(b"our diagrams"))
        unit.stage(report, lambda tmp: tmp.write_bytes(b"our report"))
        report.write_bytes(b"the other run's report")  # it got there first
        with pytest.raises(OutputError, match="another process"):
            unit.commit()
    assert report.read_bytes() == b"the other run's report"
    assert _listing(tmp_path) == ["r.xlsx"]  # our html taken back, no temporary file


def test_a_unit_is_swapped_in_only_when_every_file_is_written(tmp_path):
    report, html = tmp_path / "r.xlsx", tmp_path / "r_flows.html"
    report.write_bytes(b"old report")
    html.write_bytes(b"old diagrams")
    full = OSError(errno.ENOSPC, "No space left on device")
    with pytest.raises(OutputError, match="No space left"), OutputUnit(overwrite=True) as unit:
        unit.stage(report, lambda tmp: tmp.write_bytes(b"new report"))
        unit.stage(html, _half_then_raise(full))
        unit.commit()
    assert report.read_bytes() == b"old report" and html.read_bytes() == b"old diagrams"
    assert _listing(tmp_path) == ["r.xlsx", "r_flows.html"]


def test_temporary_files_of_killed_runs_are_removed_and_live_ones_kept(tmp_path):
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    old = time.time() - STALE_AFTER - 60
    stale = tmp_path / f".report.xlsx.{dead.stdout.strip()}.0badf00d.part.xlsx"
    young = tmp_path / f".report.xlsx.{dead.stdout.strip()}.1badf00d.part.xlsx"
    live = tmp_path / f".report.xlsx.{os.getpid()}.2badf00d.part.xlsx"
    users = tmp_path / ".report.xlsx.backup"  # not named like ours: never touched
    for path in (stale, young, live, users):
        path.write_bytes(b"half")
    for path in (stale, live, users):
        os.utime(path, (old, old))
    assert clean_stale_temps(tmp_path) == [stale]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        p.name for p in (young, live, users)
    )


def test_the_writer_is_the_only_place_that_renames_or_links_files():
    """Issue 17: one writer. Every file rename or link in the package is in safety.py
    (``DataFrame.rename`` renames columns, not files, and is not counted)."""
    calls = ("os.replace(", "os.rename(", "shutil.move(", "os.link(", "shutil.rmtree(")
    hits = sorted(
        {
            path.relative_to(SAFETY.parent).as_posix()
            for path in SAFETY.parent.rglob("*.py")
            if any(call in path.read_text() for call in calls)
        }
    )
    assert hits == ["safety.py"]
    text = SAFETY.read_text()
    assert text.count("os.replace(") == 1


def test_folder_not_writable_is_refused_before_any_work(tmp_path):
    folder = tmp_path / "ro"
    with _tmpfs(folder, "ro,size=1m"), pytest.raises(OutputError, match="cannot write in"):
        check_target(folder / "report.xlsx", overwrite=False)


def test_full_disk_is_one_error_and_leaves_nothing(tmp_path):
    with _tmpfs(tmp_path / "full", "size=256k") as folder:
        with pytest.raises(OutputError, match=r"only .* MB free"):
            check_target(folder / "report.xlsx", overwrite=False)
        target = folder / "report.xlsx"
        target.write_bytes(b"old")
        blob = os.urandom(1 << 20)
        with pytest.raises(OutputError, match="No space left on device"):
            write_bytes(target, blob, overwrite=True)
        assert target.read_bytes() == b"old" and _listing(folder) == ["report.xlsx"]


@contextmanager
def _tmpfs(folder: Path, options: str):
    """A small tmpfs mounted at ``folder`` (root only; skipped elsewhere)."""
    folder.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_msc_run_into_a_read_only_folder_is_one_line_before_the_solve(tmp_path):
    """The writability of the target is checked before any work: one line, exit 2."""
    from factory import minimal_sheets, write_workbook
    from typer.testing import CliRunner

    from msc_model.cli import app

    case = write_workbook(tmp_path / "case.xlsx", minimal_sheets())
    folder = tmp_path / "ro"
    with _tmpfs(folder, "ro,size=1m"):
        result = CliRunner().invoke(app, ["run", str(case), "-o", str(folder / "r.xlsx")])
        assert result.exit_code == 2, result.output
        assert result.output.count("error:") == 1 and "Traceback" not in result.output
        assert "cannot write in" in " ".join(result.output.split())
        from msc_model.pipeline import run

        stages: list[str] = []
        with pytest.raises(OutputError, match="cannot write in"):
            run(case, folder / "r.xlsx", on_stage=stages.append)
        assert stages == []  # refused before the case was even read


def test_a_run_killed_between_writing_and_swapping_leaves_the_old_files_and_no_litter(tmp_path):
    """``kill -9`` after every temporary file is written, before the swap: the targets keep
    their old bytes, nothing but hidden temporary files is left, and a later write to the
    folder removes those once they are stale (their process is gone)."""
    report, html = tmp_path / "plan.xlsx", tmp_path / "plan_flows.html"
    report.write_bytes(b"old report")
    html.write_bytes(b"old diagrams")
    child = (
        "import os, signal, sys\n"
        "from pathlib import Path\n"
        "from msc_model.safety import OutputUnit\n"
        "folder = Path(sys.argv[1])\n"
        "unit = OutputUnit(overwrite=True)\n"
        "unit.stage(folder / 'plan.xlsx', lambda t: t.write_bytes(b'new report'))\n"
        "unit.stage(folder / 'plan_flows.html', lambda t: t.write_bytes(b'new diagrams'))\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n"
    )
    done = subprocess.run([sys.executable, "-c", child, str(tmp_path)], check=False)
    assert done.returncode == -9
    assert report.read_bytes() == b"old report" and html.read_bytes() == b"old diagrams"
    litter = [p for p in tmp_path.iterdir() if p.name.startswith(".")]
    assert len(litter) == 2 and all(".part" in p.name for p in litter)
    old = time.time() - STALE_AFTER - 60
    for path in litter:
        os.utime(path, (old, old))
    write_bytes(tmp_path / "plan.xlsx", b"next report", overwrite=True)
    assert _listing(tmp_path) == ["plan.xlsx", "plan_flows.html"]


_RACER = """
import sys, time
from pathlib import Path
import msc_model.safety as safety

folder, name, go = Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
start, pause = float(sys.argv[4]), float(sys.argv[5])
real = safety._rename


def slow_rename(tmp, target):  # a slow file system: the window between two renames
    real(tmp, target)
    time.sleep(pause)


safety._rename = slow_rename
with safety.OutputUnit(overwrite=True) as unit:
    unit.stage(folder / "plan.xlsx", lambda t: t.write_text(name))
    unit.stage(folder / "plan_flows.html", lambda t: t.write_text(name))
    while not go.exists():
        time.sleep(0.01)
    time.sleep(start)
    unit.commit()
"""


def test_two_units_replacing_the_same_files_at_once_do_not_interleave(tmp_path):
    """The folder lock: of two processes swapping in a report and its diagrams at the same
    moment, the survivors come from one. Renames are slowed down so that, unlocked, beta
    would swap its report, alpha its report and diagrams, then beta its diagrams."""
    folder = tmp_path / "out"
    folder.mkdir()
    go = tmp_path / "go"
    timing = {"alpha": ("0.3", "0.1"), "beta": ("0", "0.8")}  # (start, pause after rename)
    racers = [
        subprocess.Popen([sys.executable, "-c", _RACER, str(folder), name, str(go), *when])
        for name, when in timing.items()
    ]
    time.sleep(1.0)  # both have staged their files and wait
    go.touch()
    assert [r.wait(timeout=60) for r in racers] == [0, 0]
    report = (folder / "plan.xlsx").read_text()
    assert (folder / "plan_flows.html").read_text() == report
    assert _listing(folder) == ["plan.xlsx", "plan_flows.html"]


def test_msc_run_onto_a_full_disk_is_one_line_before_the_solve(tmp_path):
    from factory import minimal_sheets, write_workbook
    from typer.testing import CliRunner

    from msc_model.cli import app

    case = write_workbook(tmp_path / "case.xlsx", minimal_sheets())
    folder = tmp_path / "full"
    with _tmpfs(folder, "size=256k"):
        result = CliRunner().invoke(app, ["run", str(case), "-o", str(folder / "r.xlsx")])
        assert result.exit_code == 2, result.output
        assert result.output.count("error:") == 1 and "Traceback" not in result.output
        assert "MB free" in result.output and _listing(folder) == []
