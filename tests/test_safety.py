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
import re
import shutil
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from msc_model import safety
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


# --- the paths a plain write does not take (found by mutation testing, issue 17) --------


def _locked(monkeypatch, *names: str) -> None:
    """Make replacing ``names`` fail as a file open in Excel does on Windows (the
    rename is refused with a permission error); other renames work."""
    real = safety._rename

    def rename(tmp: Path, target: Path) -> None:
        if target.name in names:
            raise PermissionError(errno.EACCES, "Permission denied", str(target))
        real(tmp, target)

    monkeypatch.setattr(safety, "_rename", rename)


@pytest.mark.parametrize("mask", [0o002, 0o022, 0o027, 0o077])
def test_new_file_mode_is_0666_less_the_umask_and_leaves_the_umask_alone(tmp_path, mask):
    with _umask(mask):
        assert safety.new_file_mode() == 0o666 & ~mask
        written = write_bytes(tmp_path / "new.csv", b"x").path
        assert written.stat().st_mode & 0o777 == safety.new_file_mode()
        assert os.umask(mask) == mask  # reading it did not change it


def test_a_locked_target_is_kept_and_the_new_file_goes_beside_it(tmp_path, monkeypatch):
    report = tmp_path / "plan.xlsx"
    report.write_bytes(b"open in Excel")
    (tmp_path / "plan (1).xlsx").write_bytes(b"an earlier copy")
    _locked(monkeypatch, "plan.xlsx")
    done = write_bytes(report, b"new plan", overwrite=True, keep_locked=True)
    alt = tmp_path / "plan (2).xlsx"  # the first free number
    assert done.path == alt
    assert done.note == "plan.xlsx is locked (open in Excel?); the new file is plan (2).xlsx"
    assert alt.read_bytes() == b"new plan" and report.read_bytes() == b"open in Excel"
    assert (tmp_path / "plan (1).xlsx").read_bytes() == b"an earlier copy"
    assert _listing(tmp_path) == ["plan (1).xlsx", "plan (2).xlsx", "plan.xlsx"]


def test_a_locked_target_without_keep_locked_is_one_error_and_no_litter(tmp_path, monkeypatch):
    report = tmp_path / "plan.xlsx"
    report.write_bytes(b"open in Excel")
    _locked(monkeypatch, "plan.xlsx")
    for write in (
        lambda: write_bytes(report, b"new", overwrite=True),  # keep_locked is off by default
        lambda: atomic_write(report, lambda t: t.write_bytes(b"new"), overwrite=True),
        lambda: _stage_and_commit(report),  # nor is it in OutputUnit.stage
    ):
        with pytest.raises(OutputError) as raised:
            write()
        assert str(raised.value) == f"cannot replace {report}: permission denied"
        assert _listing(tmp_path) == ["plan.xlsx"] and report.read_bytes() == b"open in Excel"


def _stage_and_commit(target: Path) -> None:
    with OutputUnit(overwrite=True) as unit:
        unit.stage(target, lambda t: t.write_bytes(b"new"))
        unit.commit()


def test_a_companion_follows_its_report_to_the_alternative_name(tmp_path, monkeypatch):
    """A report kept as ``plan (1).xlsx`` takes its diagrams along (``follow``); a file
    staged without ``follow`` keeps its own name."""
    report, html, csv = tmp_path / "plan.xlsx", tmp_path / "plan_flows.html", tmp_path / "t.csv"
    report.write_bytes(b"open in Excel")
    _locked(monkeypatch, "plan.xlsx")

    def beside(path: Path) -> Path:
        return path.with_name(f"{path.stem}_flows.html")

    with OutputUnit(overwrite=True) as unit:
        unit.stage(report, lambda t: t.write_bytes(b"report"), keep_locked=True)
        unit.stage(html, lambda t: t.write_bytes(b"diagrams"), follow=beside)
        unit.stage(csv, lambda t: t.write_bytes(b"table"))
        written = unit.commit()
    assert [w.path.name for w in written] == ["plan (1).xlsx", "plan (1)_flows.html", "t.csv"]
    assert [w.note for w in written][1:] == ["", ""]
    assert (tmp_path / "plan (1)_flows.html").read_bytes() == b"diagrams"
    assert _listing(tmp_path) == ["plan (1).xlsx", "plan (1)_flows.html", "plan.xlsx", "t.csv"]
    # not locked: follow is not used and the companion keeps its own name
    monkeypatch.undo()
    with OutputUnit(overwrite=True) as unit:
        unit.stage(report, lambda t: t.write_bytes(b"report 2"), keep_locked=True)
        unit.stage(html, lambda t: t.write_bytes(b"diagrams 2"), follow=beside)
        assert [w.path for w in unit.commit()] == [report, html]
    assert html.read_bytes() == b"diagrams 2"


def test_no_free_alternative_name_is_one_error(tmp_path, monkeypatch):
    report = tmp_path / "plan.xlsx"
    report.write_bytes(b"open in Excel")
    taken = [tmp_path / f"plan ({n}).xlsx" for n in range(1, 100)]  # (1) … (99)
    for path in taken:
        path.write_bytes(b"")
    _locked(monkeypatch, "plan.xlsx")
    with pytest.raises(OutputError) as raised:
        write_bytes(report, b"new", overwrite=True, keep_locked=True)
    assert str(raised.value) == f"{report} is locked and no free alternative name was found"
    assert len(_listing(tmp_path)) == 100 and report.read_bytes() == b"open in Excel"


def test_a_failure_after_a_locked_report_takes_back_its_alternative_too(tmp_path, monkeypatch):
    report, html = tmp_path / "plan.xlsx", tmp_path / "plan_flows.html"
    report.write_bytes(b"open in Excel")
    _locked(monkeypatch, "plan.xlsx")
    real_link = safety._link_new

    def link(tmp: Path, target: Path) -> None:
        if target.name == "plan_flows.html":
            raise OSError(errno.EIO, "Input/output error")
        real_link(tmp, target)

    monkeypatch.setattr(safety, "_link_new", link)
    with OutputUnit(overwrite=False) as unit:
        unit.stage(report.with_name("new.xlsx"), lambda t: t.write_bytes(b"report"))
        unit.stage(html, lambda t: t.write_bytes(b"diagrams"))
        with pytest.raises(OutputError) as raised:
            unit.commit()
    assert str(raised.value) == f"cannot write {html}: Input/output error"
    assert _listing(tmp_path) == ["plan.xlsx"]  # new.xlsx, made by this unit, taken back
    # the same with a locked report kept under another name: that name is taken back too
    with OutputUnit(overwrite=True) as unit:
        unit.stage(report, lambda t: t.write_bytes(b"report"), keep_locked=True)
        unit.stage(html, lambda t: t.write_bytes(b"diagrams"))
        real_rename = safety._rename

        def rename(tmp: Path, target: Path) -> None:
            if target.name == "plan_flows.html":
                raise OSError(errno.EIO, "Input/output error")
            real_rename(tmp, target)

        monkeypatch.setattr(safety, "_rename", rename)
        with pytest.raises(OutputError, match=r"cannot write .*plan_flows\.html: Input/output"):
            unit.commit()
    assert _listing(tmp_path) == ["plan.xlsx"] and report.read_bytes() == b"open in Excel"


def test_an_alternative_name_that_cannot_be_written_is_one_error(tmp_path, monkeypatch):
    report = tmp_path / "plan.xlsx"
    report.write_bytes(b"open in Excel")
    _locked(monkeypatch, "plan.xlsx")

    def link(tmp: Path, target: Path) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(safety, "_link_new", link)
    with pytest.raises(OutputError) as raised:
        write_bytes(report, b"new", overwrite=True, keep_locked=True)
    assert str(raised.value) == f"cannot write {tmp_path / 'plan (1).xlsx'}: Input/output error"
    assert _listing(tmp_path) == ["plan.xlsx"]


def test_a_swap_failing_for_another_reason_names_the_file_and_the_cause(tmp_path, monkeypatch):
    target = tmp_path / "plan.xlsx"
    target.write_bytes(b"old")

    def rename(tmp: Path, target: Path) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(safety, "_rename", rename)
    with pytest.raises(OutputError) as raised:
        write_bytes(target, b"new", overwrite=True, keep_locked=True)
    assert str(raised.value) == f"cannot write {target}: Input/output error"
    assert _listing(tmp_path) == ["plan.xlsx"] and target.read_bytes() == b"old"


def test_the_race_message_tells_how_to_replace(tmp_path):
    target = tmp_path / "r.csv"
    with OutputUnit() as unit:
        unit.stage(target, lambda t: t.write_bytes(b"ours"))
        target.write_bytes(b"theirs")
        with pytest.raises(OutputError) as raised:
            unit.commit()
    assert str(raised.value) == (
        f"{target} was created by another process meanwhile; use --overwrite to replace it"
    )


@pytest.mark.parametrize("code", [errno.EPERM, errno.EOPNOTSUPP, errno.EMLINK])
def test_without_hard_links_a_new_name_is_still_created_exclusively(tmp_path, monkeypatch, code):
    """Where ``os.link`` is refused (FAT, some network shares), the new name is reserved
    with an exclusive create and then replaced: same bytes, the umask's mode, no litter,
    and a name taken meanwhile is still not replaced."""

    def no_link(src, dst, **_):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(os, "link", no_link)
    with _umask(0o027):
        done = write_bytes(tmp_path / "new.csv", b"a,b\n")
    assert done.path.read_bytes() == b"a,b\n" and done.path.stat().st_mode & 0o777 == 0o640
    assert _listing(tmp_path) == ["new.csv"]
    target = tmp_path / "r.csv"
    with OutputUnit() as unit:
        unit.stage(target, lambda t: t.write_bytes(b"ours"))
        target.write_bytes(b"theirs")
        with pytest.raises(OutputError, match="another process meanwhile"):
            unit.commit()
    assert target.read_bytes() == b"theirs" and _listing(tmp_path) == ["new.csv", "r.csv"]
    # the rename after the reservation fails: the reserved (empty) name is removed again

    def broken(tmp: Path, target: Path) -> None:
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(safety, "_rename", broken)
    with pytest.raises(OutputError, match=r"cannot write .*s\.csv: Input/output error"):
        write_bytes(tmp_path / "s.csv", b"x")
    assert _listing(tmp_path) == ["new.csv", "r.csv"]


def test_other_link_errors_are_not_taken_for_missing_hard_links(tmp_path, monkeypatch):
    def no_link(src, dst, **_):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(os, "link", no_link)
    with pytest.raises(OutputError) as raised:
        write_bytes(tmp_path / "new.csv", b"x")
    assert str(raised.value) == f"cannot write {tmp_path / 'new.csv'}: Input/output error"
    assert _listing(tmp_path) == []


def test_the_temporary_file_is_hidden_beside_the_target_with_the_asked_suffix(tmp_path):
    seen: list[Path] = []

    def save(tmp: Path) -> None:
        seen.append(tmp)
        tmp.write_bytes(b"x")

    atomic_write(tmp_path / "plan.xlsx", save)
    atomic_write(tmp_path / "plan.html", save, suffix=".tmp.html")
    pid = os.getpid()
    assert re.fullmatch(rf"\.plan\.xlsx\.{pid}\.[0-9a-f]{{8}}\.part\.xlsx", seen[0].name)
    assert re.fullmatch(rf"\.plan\.html\.{pid}\.[0-9a-f]{{8}}\.part\.tmp\.html", seen[1].name)
    assert all(p.parent == tmp_path for p in seen)
    assert _listing(tmp_path) == ["plan.html", "plan.xlsx"]


def test_a_taken_temporary_name_is_skipped_and_a_full_namespace_is_one_error(tmp_path, monkeypatch):
    tokens = iter(["00000000", "00000000", "11111111"])
    monkeypatch.setattr(safety.secrets, "token_hex", lambda _n: next(tokens))
    pid = os.getpid()
    taken = tmp_path / f".r.csv.{pid}.00000000.part.csv"
    taken.write_bytes(b"another writer's")
    assert write_bytes(tmp_path / "r.csv", b"ours").path.read_bytes() == b"ours"
    assert taken.read_bytes() == b"another writer's"
    monkeypatch.setattr(safety.secrets, "token_hex", lambda _n: "00000000")
    taken = tmp_path / f".s.csv.{pid}.00000000.part.csv"
    taken.write_bytes(b"another writer's")
    with pytest.raises(OutputError) as raised:
        write_bytes(tmp_path / "s.csv", b"ours")
    assert str(raised.value) == f"cannot write {tmp_path / 's.csv'}: no free temporary name"


@pytest.mark.parametrize(
    ("error", "reason"),
    [(OSError(errno.EIO, "Input/output error"), "Input/output error"),
     (OSError("quota of the share exceeded"), "quota of the share exceeded"),
     (OSError(), "OSError")],
)  # fmt: skip
def test_a_write_error_is_named_by_its_text_else_its_type(tmp_path, error, reason):
    target = tmp_path / "r.csv"
    with pytest.raises(OutputError) as raised:
        atomic_write(target, _half_then_raise(error))
    assert str(raised.value) == f"cannot write {target}: {reason}"
    assert _listing(tmp_path) == []


def test_each_refused_target_is_one_sentence(tmp_path):
    source = tmp_path / "case.xlsx"
    source.write_bytes(b"inputs")
    with pytest.raises(OutputError) as raised:
        check_target(source, overwrite=True, protect=[None, source])
    assert str(raised.value) == (
        f"{source} is an input workbook of this run; the output must go to another file "
        "(inputs are never written, even with --overwrite)"
    )
    with pytest.raises(OutputError) as raised:
        check_target(tmp_path, overwrite=True)
    assert str(raised.value) == f"{tmp_path} is a folder; give a file name such as report.xlsx"
    missing = tmp_path / "no" / "r.xlsx"
    with pytest.raises(OutputError) as raised:
        check_target(missing, overwrite=True)
    assert str(raised.value) == f"folder {missing.parent} does not exist"
    with OutputUnit() as unit:
        unit.stage(tmp_path / "r.csv", lambda t: t.write_bytes(b"x"))
        with pytest.raises(ValueError) as twice:
            unit.stage(tmp_path / "." / "r.csv", lambda t: t.write_bytes(b"x"))
    assert str(twice.value) == f"{tmp_path / '.' / 'r.csv'} is written twice in one unit"
    assert _listing(tmp_path) == ["case.xlsx"]


def test_a_nearly_full_disk_is_reported_in_megabytes(tmp_path):
    free = shutil.disk_usage(tmp_path).free / 2**20
    with pytest.raises(OutputError) as raised:
        safety.check_writable(tmp_path, need=2**50)
    found = re.fullmatch(
        rf"only (\d+\.\d) MB free in {re.escape(str(tmp_path))}; at least 1073741824 MB "
        "are needed for the outputs",
        str(raised.value),
    )
    assert found and float(found[1]) == pytest.approx(free, rel=0.01)
    safety.check_writable(tmp_path, need=0)
    assert _listing(tmp_path) == []  # the probe file is gone


def test_files_removed_after_the_swap_and_ones_already_gone_are_fine(tmp_path):
    old = tmp_path / "plan_old_flows.html"
    old.write_bytes(b"a companion the new report does not write")
    with OutputUnit(overwrite=True) as unit:
        unit.stage(tmp_path / "plan.xlsx", lambda t: t.write_bytes(b"report"))
        unit.remove_after(str(old))
        unit.remove_after(tmp_path / "never_there.html")
        assert old.exists()  # nothing is removed before the swap
        unit.commit()
    assert _listing(tmp_path) == ["plan.xlsx"]


def test_only_our_own_stale_temporary_files_are_removed(tmp_path):
    """Hidden, named ``.<name>.<pid>.<hex>.part<suffix>``, a regular file, its process
    gone and older than STALE_AFTER: everything else stays."""
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    stale = [tmp_path / f".r{n}.xlsx.{dead}.0badf00d.part.xlsx" for n in range(5)]
    live = [tmp_path / f".l{n}.xlsx.{os.getpid()}.0badf00d.part.xlsx" for n in range(5)]
    visible = tmp_path / f"r.xlsx.{dead}.0badf00d.part.xlsx"  # not hidden: a user's file
    odd = tmp_path / ".r.xlsx.backup.part"  # hidden with the mark, but no process id
    folder = tmp_path / f".d.xlsx.{dead}.0badf00d.part.xlsx"
    folder.mkdir()
    link = tmp_path / f".s.xlsx.{dead}.0badf00d.part.xlsx"
    others = [*live, visible, odd]
    for path in stale + others:
        path.write_bytes(b"half")
    link.symlink_to(visible)
    mtime = 1_700_000_000.0
    for path in [*stale, *others, folder]:
        os.utime(path, (mtime, mtime))
    os.utime(link, (mtime, mtime), follow_symlinks=False)
    # exactly STALE_AFTER old is not yet stale
    assert clean_stale_temps(tmp_path, now=mtime + STALE_AFTER) == []
    removed = clean_stale_temps(tmp_path, now=mtime + STALE_AFTER + 1)
    assert sorted(removed) == sorted(stale)
    assert sorted(tmp_path.iterdir()) == sorted([*others, folder, link])
    assert clean_stale_temps(tmp_path / "gone") == []


def test_stale_temporary_files_are_looked_for_once_per_folder(tmp_path):
    """A sweep writes thousands of files into one folder: the folder is scanned at the
    first write only."""
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    write_bytes(tmp_path / "a.csv", b"a")
    stale = tmp_path / f".r.xlsx.{dead}.0badf00d.part.xlsx"
    stale.write_bytes(b"half")
    os.utime(stale, (0, 0))
    write_bytes(tmp_path / "b.csv", b"b")
    assert stale.exists()
