"""Where the shipped files live: the default workbook and the solver profiles (a leaf
module: the pipeline, the report, the solver and the scenario and resilience commands all
need them, and none of them should import another to find them).

An install maps the top-level ``sheets/`` and ``solvers/`` folders into the package as
``msc_model.sheets`` and ``msc_model.solvers`` (``package-dir`` in ``pyproject.toml``).
Python run from a source checkout (``python -m pytest``, or a worker process it spawns)
imports ``msc_model`` from the sources, where the two folders sit beside the package:
:func:`shipped_folder` falls back to them there.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

DEFAULT_WORKBOOK = "china_baseline.xlsx"


def shipped_folder(name: str) -> Traversable:
    """``msc_model.<name>`` (``sheets`` or ``solvers``) of an install, else the checkout's
    top-level folder of that name beside the package's sources."""
    try:
        return files(f"msc_model.{name}")
    except ModuleNotFoundError:
        beside = Path(__file__).resolve().parent.parent / name
        if not (beside / "__init__.py").is_file():
            raise
        return beside


def default_workbook() -> Path:
    """The shipped default workbook (inside the installed package)."""
    return Path(str(shipped_folder("sheets") / DEFAULT_WORKBOOK))
