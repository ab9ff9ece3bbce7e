"""pint's registry comes from its on-disk cache when it can, and a broken cache never stops
msc: each case runs ``msc_model.units`` in a fresh interpreter with its own cache folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

CODE = "from msc_model.units import ureg\nprint(ureg('1 kt').to('t').magnitude)\n"


def _units(cache: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", CODE],
        env={**os.environ, "XDG_CACHE_HOME": str(cache), **env},
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip


def test_the_registry_is_cached_and_a_torn_cache_is_ignored(tmp_path) -> None:
    first = _units(tmp_path)
    assert first.returncode == 0, first.stderr
    assert float(first.stdout) == 1000.0  # kt is a kilotonne, also from the cache
    pickles = list((tmp_path / "pint").glob("*.pickle"))
    assert pickles, "no cache written"
    for path in [*pickles, *(tmp_path / "pint").glob("*.json")]:
        path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2])  # torn writes
    torn = _units(tmp_path)
    assert torn.returncode == 0, torn.stderr
    assert float(torn.stdout) == 1000.0


def test_a_cache_folder_that_cannot_be_made_costs_only_time(tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache folder would go")
    result = _units(blocker)  # XDG_CACHE_HOME/pint cannot be created under a file
    assert result.returncode == 0, result.stderr
    assert float(result.stdout) == 1000.0


def test_the_cache_can_be_switched_off(tmp_path) -> None:
    result = _units(tmp_path, MSC_NO_UNIT_CACHE="1")
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "pint").exists()
