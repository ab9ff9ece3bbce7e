"""Bounded reading and one-line failures on crafted or damaged workbooks (issue 14).

The bombs are generated here (with ``benchmarks/hostile.py``'s generator) at full size:
~0.6-0.9 MB files that unzip to 190 MB, inside the file and total caps. ``msc validate``
must refuse each in a real process within seconds and under 500 MB. Damaged parts
(truncated XML) must end in one ``error:`` line and exit 2, never a traceback.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from factory import minimal_sheets, write_workbook

from msc_model.errors import InputError
from msc_model.inputs import Limits, load_inputs

HOSTILE = Path(__file__).resolve().parents[1] / "benchmarks" / "hostile.py"


def _hostile():
    spec = importlib.util.spec_from_file_location("hostile", HOSTILE)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _validate(path: Path) -> tuple[int, str, float, float]:
    """``msc validate`` in a child of a fresh watcher: exit code, stderr, s, peak MB."""
    child = (
        "import resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "d = subprocess.run([sys.executable, '-m', 'msc_model', 'validate', sys.argv[1]],"
        " capture_output=True, text=True)\n"
        "print(d.returncode, time.perf_counter() - t,"
        " resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)\n"
        "sys.stdout.write(d.stderr)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", child, str(path)], capture_output=True, text=True, check=True
    )
    head, _, stderr = done.stdout.partition("\n")
    code, seconds, peak = head.split()
    return int(code), stderr, float(seconds), int(peak) / 1024


@pytest.mark.parametrize("bomb", ["styles", "shared_strings"])
def test_a_bomb_inside_every_size_limit_is_refused_fast_and_small(tmp_path, bomb) -> None:
    hostile = _hostile()
    base = write_workbook(tmp_path / "base.xlsx", minimal_sheets())
    part, content = hostile.BOMBS[bomb]
    path = hostile.write_bomb(base, tmp_path / f"{bomb}.xlsx", part, content())
    assert path.stat().st_size < 1.5 * 2**20
    with zipfile.ZipFile(path) as archive:
        assert archive.getinfo(part).file_size > 100 * 2**20
    code, stderr, seconds, peak = _validate(path)
    assert code == 2, stderr
    assert stderr.count("error:") == 1 and "Traceback" not in stderr
    assert "exhaust memory" in stderr
    assert seconds < 10 and peak < 500, (seconds, peak)


def test_too_many_cells_are_counted_while_streaming(tmp_path) -> None:
    path = write_workbook(tmp_path / "case.xlsx", minimal_sheets())
    with pytest.raises(InputError, match="more than 50 cells"):
        load_inputs(path, limits=Limits(max_cells=50))
    load_inputs(path, limits=Limits(max_cells=10_000))  # the real count is below


def _truncated(source: Path, target: Path, part: str) -> Path:
    with zipfile.ZipFile(source) as old, zipfile.ZipFile(target, "w") as new:
        for item in old.infolist():
            data = old.read(item)
            new.writestr(item, data[: len(data) // 2] if item.filename == part else data)
    return target


@pytest.mark.parametrize(
    "part",
    [
        "xl/workbook.xml",
        "xl/_rels/workbook.xml.rels",
        "[Content_Types].xml",
        "xl/styles.xml",
        "docProps/core.xml",
        "xl/worksheets/sheet1.xml",
    ],
)
def test_a_truncated_part_is_one_line_and_exit_2(tmp_path, part) -> None:
    from typer.testing import CliRunner

    from msc_model.cli import app

    base = write_workbook(tmp_path / "base.xlsx", minimal_sheets())
    with zipfile.ZipFile(base) as archive:
        if part not in archive.namelist():
            pytest.skip(f"openpyxl wrote no {part}")
    path = _truncated(base, tmp_path / "case.xlsx", part)
    for command in (["validate", str(path)], ["run", str(path), "-q"]):
        result = CliRunner().invoke(app, command)
        text = result.output
        assert result.exit_code == 2, (command, text, result.exception)
        assert text.count("error:") == 1 and "Traceback" not in text, text
