"""The report's supplier table names the largest supplier and its share, by hand on toy 5."""

from __future__ import annotations

import pandas as pd
import pytest
import toys

from msc_model.model import build_model
from msc_model.report.tables import concentration_table
from msc_model.results import extract_results
from msc_model.solver import solve


def test_largest_supplier_and_its_share_by_hand() -> None:
    """Toy 5. 2025: 0.5 kt, all from A (share 1). 2026: 30 kt from each of A, B and C and
    10 from D: the largest share is 0.3 (one of A, B, C; never D's 0.1). 2027: nothing is
    imported, so no largest supplier and no share (not 0)."""
    data = toys.four_suppliers()
    model = build_model(data)
    res = extract_results(model, data, solve(model))
    table = concentration_table(res, data).set_index("year")
    assert table.loc[2025, "largest_origin"] == "A"
    assert table.loc[2025, "largest_share"] == pytest.approx(1.0)
    assert table.loc[2026, "largest_origin"] in {"A", "B", "C"}
    assert table.loc[2026, "largest_share"] == pytest.approx(0.3)
    assert pd.isna(table.loc[2027, "largest_share"])
    assert pd.isna(table.loc[2027, "largest_origin"]) or table.loc[2027, "largest_origin"] == ""
