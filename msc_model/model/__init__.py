"""Build the Pyomo LP of the mineral supply chain from :class:`ModelData`.

The formulation is ``docs/formulation.md``; each family of constraints lives in its own
module with the equation and a symbol → component → unit table in its docstring.
"""

from __future__ import annotations

import pyomo.core as pyo
from pyomo.common.gc_manager import PauseGC

from msc_model.data import ModelData
from msc_model.model.balance import add_balance
from msc_model.model.capacity import add_capacity
from msc_model.model.objective import COST_TERMS, PENALTY_TERMS, PLAN_TERMS, add_objective
from msc_model.model.recycling import (
    add_collection,
    add_recycling,
    end_of_life,
    lifetime_kernel,
)
from msc_model.model.security import add_security
from msc_model.model.sets import add_parameters, add_sets
from msc_model.model.storage import add_storage
from msc_model.model.supply import add_supply_steps
from msc_model.model.trade import add_trade

__all__ = [
    "COST_TERMS",
    "PENALTY_TERMS",
    "PLAN_TERMS",
    "build_model",
    "end_of_life",
    "lifetime_kernel",
]


def build_model(data: ModelData) -> pyo.ConcreteModel:
    """Build the closed-loop supply-chain LP (not solved).

    Parameters
    ----------
    data
        The validated case in canonical units.

    Returns
    -------
    pyomo.core.ConcreteModel
        Components named as in the workbook (``capacity``, ``imports``, ``dependence_cap``…);
        ``m.incidence`` holds the sparse index lists; ``m.dual`` receives the duals of an
        optimal solve.
    """
    # Python's cycle collector would rescan the growing model again and again (each full
    # pass visits every component made so far): half the build time at provincial size.
    # A build makes no cyclic garbage worth collecting, so it runs with the collector off.
    with PauseGC():
        m = pyo.ConcreteModel(name="msc_model")
        add_sets(m, data)
        add_parameters(m, data)
        add_capacity(m, data)
        add_trade(m, data)
        add_recycling(m, data)
        add_storage(m, data)
        add_balance(m, data)
        add_collection(m, data)  # end-of-life scrap needs unmet demand (balance)
        add_supply_steps(m, data)
        add_security(m, data)
        add_objective(m, data)
        # duals are loaded here by ``solve`` (the cap's dual is its marginal cost)
        m.dual = pyo.Suffix(direction=pyo.Suffix.IMPORT)
        # reduced costs: the prices of variable bounds (capacity ceilings, supply steps)
        m.rc = pyo.Suffix(direction=pyo.Suffix.IMPORT)
    return m
