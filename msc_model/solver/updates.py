"""Pass only the changed Params of a swept model on to its persistent HiGHS instance.

Pyomo's persistent HiGHS interface keeps one helper per LP entry that depends on a
mutable Param (a matrix coefficient, a row or column bound, a cost) and, on
``update_parameters``, evaluates every one of them and hands its value to HiGHS. A
sweep varies one family at a time, so most of that work re-sends values that did not
change: on the shipped case a few thousand expression evaluations per variant, as long
as HiGHS's warm-started re-solve itself.

:class:`ChangedParams` indexes the helpers by the Params they read, once, after the
first solve, and then updates only the helpers of Params whose value moved since the
last push. The helpers are Pyomo's own (``pyomo.contrib.solver.solvers.highs``, pinned
to 6.10 in ``pyproject.toml``); :func:`changed_params_for` returns ``None`` when the
interface does not have the attributes this relies on, and the caller falls back to
Pyomo's full update.
"""

from __future__ import annotations

from collections import defaultdict

from pyomo.core.expr.visitor import identify_mutable_parameters


def _expressions(helper) -> list:
    """The Pyomo expressions a helper evaluates on update."""
    names = ("expr", "lower_expr", "upper_expr")
    return [getattr(helper, n) for n in names if getattr(helper, n, None) is not None]


class ChangedParams:
    """Update the helpers of the Params that changed since the last call (or the first
    solve), and nothing else."""

    def __init__(self, solver) -> None:
        self._solver = solver
        helpers = [h for group in solver._mutable_helpers.values() for h in group]
        helpers += [helper for _var, helper in solver._mutable_bounds.values()]
        objective = solver._mutable_objective
        if objective is not None:
            if objective.quadratic_coefs:
                raise ValueError("quadratic objective: use the full update")
            helpers += [objective.constant, *objective.linear_coefs]
        self._readers: dict[int, list] = defaultdict(list)
        self._params: dict[int, object] = {}
        for helper in helpers:
            for expr in _expressions(helper):
                for param in identify_mutable_parameters(expr):
                    self._readers[id(param)].append(helper)
                    self._params[id(param)] = param
        self._pushed = {key: param.value for key, param in self._params.items()}

    def __len__(self) -> int:
        return len(self._params)

    def push(self) -> int:
        """Send the changed Params' entries to HiGHS; returns how many helpers ran."""
        changed = [key for key, param in self._params.items() if param.value != self._pushed[key]]
        solver = self._solver
        solver._sol = None  # as Pyomo's update_parameters: the old solution is stale
        if solver._last_results_object is not None:
            solver._last_results_object.solution_loader.invalidate()
        done: set[int] = set()
        for key in changed:
            for helper in self._readers[key]:
                if id(helper) not in done:
                    done.add(id(helper))
                    helper.update()
            self._pushed[key] = self._params[key].value
        return len(done)


_NEEDED = ("_mutable_helpers", "_mutable_bounds", "_mutable_objective", "_last_results_object")


def changed_params_for(solver) -> ChangedParams | None:
    """A :class:`ChangedParams` for a loaded persistent interface, or ``None`` when this
    Pyomo's interface lacks what it relies on (then use ``update_parameters``)."""
    if not all(hasattr(solver, name) for name in _NEEDED):
        return None
    try:
        return ChangedParams(solver)
    except (AttributeError, TypeError, ValueError):
        return None
