"""Prices are outputs: the duals of a solved plan as prices, rents and marginal costs.

A linear programme's duals are its economics (TIMES, MESSAGEix and PyPSA report them as
first-class results): the dual of a balance is the commodity's marginal value, of a
capacity or resource limit its rent, of a cap its marginal cost. Users check them against
market prices to trust a model.

The objective is a present value, so a raw dual is in present-value MUSD per kt. Each row
here carries both: ``pv`` (MUSD/kt of the objective, as HiGHS returns it, sign-adjusted so
that a positive number is a value or a cost) and ``value`` in USD per tonne **in the money
of that year** (``pv / DF[t] · 1000``), which is what compares with a market price. For
lithium ``value_lce`` gives the same per tonne of lithium carbonate equivalent.

=====================  ===========================================  ===================
kind                   dual of                                       value means
=====================  ===========================================  ===================
commodity price        ``<form>_balance[m,r,t]``                     USD/t of content
capacity rent          ``capacity_limit[m,p,r,t]`` (activity ≤       USD per t/yr of
                       availability · capacity)                      output capacity
capacity ceiling rent  reduced cost of ``capacity`` at max_capacity  USD per t/yr
resource rent          reduced cost of ``mine_step`` at its output   USD/t mined from
                                                                     the step
import limit           ``import_limit[m,k,o,t]``                     USD/t more imports
supplier cap           ``supplier_share_limit[m,o,t]``               USD/t
reserve                ``reserve_minimum[m,r,t]``                    USD/t held per year
dependence cap         ``dependence_cap[m,t]``                       USD/t of imports
                                                                     avoided
=====================  ===========================================  ===================
"""

from __future__ import annotations

import pandas as pd
import pyomo.core as pyo

from msc_model.units import LCE_LI_FRACTION

#: columns of the prices table
COLUMNS = ["kind", "metal", "item", "region", "year", "pv", "value", "value_lce", "unit"]
#: HiGHS returns duals of ≤ rows as ≤ 0 in a minimisation: flip them to read as costs
#: (the scrap balance, a ≥ row, reaches HiGHS as ``use − supply ≤ 0``: flipped too)
_FLIP = {"capacity rent", "capacity ceiling rent", "resource rent", "import limit",
         "supplier cap", "dependence cap"}  # fmt: skip
#: a dual smaller than this (MUSD/kt) is a slack constraint, not a price
TINY = 1e-9


def _rows(model, component: str, kind: str, key, suffix: str = "dual") -> list[tuple]:
    """(kind, metal, item, region, year, pv) for each row of ``component`` (key maps an
    index to (metal, item, region, year))."""
    comp = getattr(model, component, None)
    if comp is None:
        return []
    duals = getattr(model, suffix)
    out = []
    sign = -1.0 if kind in _FLIP or component == "scrap_balance" else 1.0
    for index, data in comp.items():
        raw = duals.get(data)
        if raw is None:
            continue
        out.append((kind, *key(index), sign * raw))
    return out


def extract_prices(model: pyo.ConcreteModel, discount: dict[int, float]) -> pd.DataFrame:
    """Every price, rent and marginal cost of a solved model (see the module doc).

    Rows whose dual is zero (slack limits) are kept for balances (a price of zero is a
    price) and dropped for limits, so the table lists the limits that bind.
    """
    rows: list[tuple] = []
    for form in ("ore", "refined", "scrap", "product"):
        rows += _rows(
            model, f"{form}_balance", "commodity price", lambda i, f=form: (i[0], f, i[1], i[2])
        )
    rows += _rows(model, "capacity_limit", "capacity rent", lambda i: (i[0], i[1], i[2], i[3]))
    rows += _rows(
        model, "capacity", "capacity ceiling rent", lambda i: (i[0], i[1], i[2], i[3]), "rc"
    )
    rows += _rows(model, "mine_step", "resource rent", lambda i: (i[0], i[2], i[1], i[3]), "rc")
    rows += _rows(
        model, "import_limit", "import limit", lambda i: (i[0], f"{i[1]} from {i[2]}", "", i[-1])
    )
    rows += _rows(model, "supplier_share_limit", "supplier cap", lambda i: (i[0], i[1], "", i[2]))
    rows += _rows(model, "reserve_minimum", "reserve", lambda i: (i[0], "refined", i[1], i[2]))
    rows += _rows(
        model, "dependence_cap", "dependence cap", lambda i: (i[0], "net imports", "", i[1])
    )
    frame = pd.DataFrame(rows, columns=["kind", "metal", "item", "region", "year", "pv"])
    balance = frame["kind"] == "commodity price"
    frame = frame[balance | (frame["pv"].abs() > TINY)].copy()
    # a capacity's reduced cost is a rent only at its ceiling (the other sign is the
    # cost of a plant that is not built), likewise a supply step's
    bound = frame["kind"].isin(["capacity ceiling rent", "resource rent"])
    frame = frame[~bound | (frame["pv"] > TINY)]
    frame["pv"] = frame["pv"] + 0.0
    frame["value"] = frame["pv"] / frame["year"].map(discount) * 1000.0
    frame["value_lce"] = (frame["value"] * LCE_LI_FRACTION).where(frame["metal"] == "Li")
    frame["unit"] = "USD/t"
    return frame[COLUMNS].reset_index(drop=True)
