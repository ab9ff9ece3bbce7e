"""Where the shipped default workbook lives (a leaf module: the pipeline, the report and
the scenario and resilience commands all need it, and none of them should import another
to find it)."""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

DEFAULT_WORKBOOK = "china_baseline.xlsx"


def default_workbook() -> Path:
    """The shipped default workbook (inside the installed package)."""
    return Path(str(files("msc_model.sheets") / DEFAULT_WORKBOOK))
