"""Excel output: the only place that writes workbooks with openpyxl.

:func:`write_report` writes the policy report of an optimal run (and its interactive flow
diagrams beside it), :func:`write_failed_report` the report of a run without an optimal
plan, :func:`write_tables` plain tidy tables (benchmarks, scripts).
"""

from msc_model.report.workbook import (
    InputSheets,
    check_flow_year,
    companion_html,
    input_sheets,
    write_failed_report,
    write_report,
)
from msc_model.report.writer import WriteOutcome, write_tables

__all__ = [
    "InputSheets",
    "WriteOutcome",
    "check_flow_year",
    "companion_html",
    "input_sheets",
    "write_failed_report",
    "write_report",
    "write_tables",
]
