"""Shared test setup.

- ``tests/factory.py`` is importable as ``factory`` from any test, whatever pytest's import
  mode or whether ``tests`` becomes a package.
- ``python -m pytest`` from a checkout works: it puts the checkout first on ``sys.path``, so
  ``msc_model`` is imported from its sources, where ``sheets/`` and ``solvers/`` are not
  inside the package (pyproject's ``package-dir`` maps them to ``msc_model.sheets`` and
  ``msc_model.solvers`` only in an install). The same mapping is made here, read from
  pyproject so that it is declared once. An install (editable or not) imported instead of
  the sources needs nothing.
"""

from __future__ import annotations

import importlib.util
import sys
import tomllib
from pathlib import Path

TESTS = Path(__file__).resolve().parent
ROOT = TESTS.parent
if str(TESTS) not in sys.path:
    sys.path.insert(0, str(TESTS))


def _map_package_dirs() -> None:
    import msc_model

    if Path(msc_model.__file__).resolve().parent != ROOT / "msc_model":
        return  # an installed copy: its layout is already the mapped one
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    for name, folder in config["tool"]["setuptools"]["package-dir"].items():
        if name == "msc_model" or importlib.util.find_spec(name) is not None:
            continue  # the package itself, or mapped already (an editable install's finder)
        location = ROOT / folder
        spec = importlib.util.spec_from_file_location(
            name, location / "__init__.py", submodule_search_locations=[str(location)]
        )
        assert spec is not None and spec.loader is not None, name
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        setattr(msc_model, name.rpartition(".")[2], module)


_map_package_dirs()
