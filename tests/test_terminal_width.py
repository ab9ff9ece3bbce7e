"""Terminal tables read whole at 80 columns: no line wider than the terminal and no cell
cut with an ellipsis (a truncated "6,289,0…" cannot be quoted), and money in bn USD, never
in million USD. Real processes with COLUMNS=80, as a user's terminal would be."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

COMMANDS = [
    ["run"],
    ["compare", "--scenarios", "high_li_price,more_recycling,tight_cu_cap,cheap_west_power"],
    ["stress"],
    ["run", "--robust"],
    ["pareto", "-m", "Cu", "--points", "3", "--out", "frontier", "-w", "0"],
]


@pytest.mark.slow
@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c[:2]))
def test_tables_read_whole_at_80_columns(command, tmp_path) -> None:
    env = {**os.environ, "COLUMNS": "80", "TERM": "dumb"}
    done = subprocess.run(
        [sys.executable, "-m", "msc_model", *command],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert any("┃" in line or "│" in line for line in lines), done.stdout  # a table printed
    for line in lines:
        assert len(line) <= 80, line
        assert "…" not in line, line
    assert "bn USD" in done.stdout
    assert "MUSD" not in done.stdout and "million USD" not in done.stdout, done.stdout
