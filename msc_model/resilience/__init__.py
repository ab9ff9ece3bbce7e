"""Resilience: supply shocks, stress tests of a plan, and shock-aware (two-stage) plans.

Modules: :mod:`~msc_model.resilience.shocks` (the library, applying shocks to data),
:mod:`~msc_model.resilience.plan` (what a plan fixes), :mod:`~msc_model.resilience.stress`,
:mod:`~msc_model.resilience.robust`, :mod:`~msc_model.resilience.indicators` and
:mod:`~msc_model.resilience.report`. Only the light data classes are imported here, so
reading a workbook does not load the solver.
"""

from msc_model.resilience.shocks import Shock, ShockScenario, apply_shocks, library, select

__all__ = ["Shock", "ShockScenario", "apply_shocks", "library", "select"]
