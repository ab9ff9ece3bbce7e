"""msc-model: a closed-loop mineral supply chain model that finds the least-cost plan to cut
a country's external (import) dependence.

The public API, for scripts and notebooks (run by the test suite as written)::

    import msc_model as msc

    data = msc.load_inputs(msc.default_workbook())
    model = msc.build_model(data)
    outcome = msc.solve(model, "default")
    results = msc.extract_results(model, data, outcome)
    # or all at once, writing the policy report:
    result = msc.run(msc.default_workbook(), "report.xlsx", overwrite=True)

Every name in ``__all__`` is the object documented here whatever was imported before: no
subpackage carries an exported name (the solver door is :mod:`msc_model.solver`, so
``msc.solve`` stays the function).

Names are imported lazily, so ``import msc_model`` (and ``msc validate``) stay fast.
"""

from importlib import import_module

__version__ = "0.1.0"

_EXPORTS = {
    "load_inputs": "msc_model.inputs",
    "build_model": "msc_model.model",
    "solve": "msc_model.solver",
    "extract_results": "msc_model.results",
    "run": "msc_model.pipeline",
    "default_workbook": "msc_model.pipeline",
    "load_profile": "msc_model.solver",
    "check_balances": "msc_model.results",
    "Results": "msc_model.results",
    "sweep": "msc_model.scenarios",
    "pareto": "msc_model.scenarios",
    "compare": "msc_model.scenarios",
    "tornado": "msc_model.scenarios",
    "sobol_indices": "msc_model.scenarios",
    "morris_indices": "msc_model.scenarios",
    "ModelData": "msc_model.data",
    "InputError": "msc_model.errors",
    "InfeasibleError": "msc_model.errors",
    "SolveError": "msc_model.errors",
}

__all__ = [*_EXPORTS, "__version__"]


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name]), name)
    raise AttributeError(f"module 'msc_model' has no attribute {name!r}")
