"""Where the shipped files live: the default workbook and the solver profiles (a leaf
module: the pipeline, the report, the solver and the scenario and resilience commands all
need them, and none of them should import another to find them).

An install maps the top-level ``sheets/`` and ``solvers/`` folders into the package as
``msc_model.sheets`` and ``msc_model.solvers`` (``package-dir`` in ``pyproject.toml``).
Python run from a source checkout (``python -m pytest``, or a worker process it spawns)
imports ``msc_model`` from the sources, where the two folders sit beside the package:
:func:`shipped_folder` takes them there first, so a second checkout run with the
environment of another (an editable install maps ``msc_model.sheets`` to the first
checkout's folder) reads its own files.
"""

from __future__ import annotations

from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

DEFAULT_WORKBOOK = "china_baseline.xlsx"
#: a file each shipped folder holds, so an unrelated ``sheets`` folder is never taken
_MARKERS = {"sheets": DEFAULT_WORKBOOK, "solvers": "default.txt"}


def shipped_folder(name: str) -> Traversable:
    """The checkout's top-level folder ``name`` (``sheets`` or ``solvers``) beside the
    package's sources when ``msc_model`` is imported from a checkout, else the installed
    ``msc_model.<name>``."""
    beside = Path(__file__).resolve().parent.parent / name
    if (beside / "__init__.py").is_file() and (beside / _MARKERS.get(name, "")).is_file():
        return beside
    return files(f"msc_model.{name}")


def default_workbook() -> Path:
    """The shipped default workbook (inside the installed package)."""
    return Path(str(shipped_folder("sheets") / DEFAULT_WORKBOOK))
