"""Excel output: the only place that writes workbooks with openpyxl."""

from msc_model.report.writer import write_tables

__all__ = ["write_tables"]
