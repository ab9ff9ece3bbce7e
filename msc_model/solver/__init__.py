"""The solver door: the only package that imports solver machinery (Pyomo's solver
interfaces, highspy).

:mod:`~msc_model.solver.core` solves and loads the answer, :mod:`~msc_model.solver.direct`
hands a model to HiGHS as arrays, :mod:`~msc_model.solver.profiles` reads option profiles
and :mod:`~msc_model.solver.diagnosis` explains infeasible models.
"""

from msc_model.solver.core import (
    _SOLVERS,
    RANGE_WARNING_RATIO,
    SolveOutcome,
    prepare_resolve,
    relaxed_solve,
    release,
    solve,
)
from msc_model.solver.diagnosis import (
    IIS_STRATEGY,
    IisMember,
    Relaxation,
    Violation,
    compute_iis,
    feasibility_relaxation,
)
from msc_model.solver.profiles import Profile, load_profile, profile_path, read_profile

__all__ = [
    "IIS_STRATEGY",
    "RANGE_WARNING_RATIO",
    "_SOLVERS",
    "IisMember",
    "Profile",
    "Relaxation",
    "SolveOutcome",
    "Violation",
    "compute_iis",
    "feasibility_relaxation",
    "load_profile",
    "prepare_resolve",
    "profile_path",
    "read_profile",
    "relaxed_solve",
    "release",
    "solve",
]
