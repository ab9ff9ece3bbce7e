"""Scenarios, sensitivity sweeps and the cost–dependence trade-off curve.

The public API returns pandas DataFrames, for scripts and notebooks (run by the test
suite as written; ``workers=0`` runs in this process)::

    from msc_model import compare, default_workbook, pareto, sweep, tornado

    case = default_workbook()
    table = compare(case, ["high_li_price", "tight_cu_cap"], workers=0)
    runs = sweep(case, ["li_price=import_price[metal=Li]:scale:0.5:2"], workers=0)
    bars = tornado(runs)  # output, metal, year, unit, factor, low, high, base, ...
    curve = pareto(case, "Cu", points=3, workers=0)

The factor syntax is :mod:`msc_model.scenarios.design`'s (``msc sweep --help`` shows it);
``sobol_indices`` and ``morris_indices`` analyse ``method="sobol"`` and ``"morris"`` sweeps.

Scenarios are overlays on the case's data (:mod:`.overlays`); a sweep builds the model
once per worker and re-solves after changing mutable Params (:mod:`.variants`,
:mod:`.runner`); local processes or a Dask cluster run the variants through one
executor (:mod:`.executor`), storing each run as it finishes (:mod:`.store`).

Names are imported lazily, so the ``msc`` command starts fast.
"""

from importlib import import_module

_EXPORTS = {
    "compare": "msc_model.scenarios.comparison",
    "sweep": "msc_model.scenarios.sensitivity",
    "tornado": "msc_model.scenarios.sensitivity",
    "morris_indices": "msc_model.scenarios.sensitivity",
    "sobol_indices": "msc_model.scenarios.sensitivity",
    "pareto": "msc_model.scenarios.tradeoff",
    "Factor": "msc_model.scenarios.design",
    "parse_factor": "msc_model.scenarios.design",
    "read_factors": "msc_model.scenarios.design",
    "make_design": "msc_model.scenarios.design",
    "Override": "msc_model.scenarios.overlays",
    "Change": "msc_model.scenarios.overlays",
    "apply_overrides": "msc_model.scenarios.overlays",
    "apply_scenario": "msc_model.scenarios.overlays",
    "read_scenarios": "msc_model.scenarios.overlays",
}

__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'msc_model.scenarios' has no attribute {name!r}")
