"""The installed package must contain every subpackage and the shipped data files.

CI installs non-editably, so a subpackage missing from pyproject's explicit list would only
fail there; this test fails here first.
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_every_subpackage_is_listed_in_pyproject() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    listed = set(config["packages"])
    found = {
        ".".join(init.parent.relative_to(ROOT).parts)
        for init in (ROOT / "msc_model").rglob("__init__.py")
    }
    assert found <= listed, f"add to pyproject [tool.setuptools] packages: {found - listed}"
    for package, folder in config["package-dir"].items():
        assert (ROOT / folder / "__init__.py").exists(), package


def test_default_workbook_and_profiles_ship_inside_the_package() -> None:
    from importlib.resources import files

    assert (files("msc_model.sheets") / "china_baseline.xlsx").is_file()
    assert (files("msc_model.solvers") / "default.txt").is_file()


@pytest.mark.slow
def test_python_m_pytest_collects_from_the_checkout() -> None:
    """``python -m pytest`` puts the checkout first on ``sys.path``: without the mapping in
    ``tests/conftest.py`` a non-editable install failed collection (``No module named
    'msc_model.sheets'``)."""
    import subprocess
    import sys

    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert "error" not in proc.stdout.lower().splitlines()[-1]


def test_a_process_importing_the_sources_finds_the_shipped_files(tmp_path) -> None:
    """A worker process that ``python -m pytest`` spawns from a checkout imports
    ``msc_model`` from the sources, where ``sheets/`` and ``solvers/`` sit beside the
    package and the conftest's mapping is not made: it must still find the default workbook
    and the solver profiles (it failed with ``No module named 'msc_model.solvers'``).
    ``-I`` keeps any install out, so only the sources can be imported."""
    import subprocess
    import sys

    code = (
        f"import sys; sys.path.insert(0, {str(ROOT)!r})\n"
        "from msc_model.shipped import default_workbook, shipped_folder\n"
        "print(default_workbook()); print(shipped_folder('solvers') / 'default.txt')\n"
    )
    proc = subprocess.run(
        [sys.executable, "-I", "-c", code], cwd=tmp_path, capture_output=True, text=True,
        timeout=60, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    workbook, profile = (Path(line) for line in proc.stdout.split())
    assert workbook == ROOT / "sheets" / "china_baseline.xlsx" and workbook.is_file()
    assert profile == ROOT / "solvers" / "default.txt" and profile.is_file()
