"""The Glossary sheet: what each indicator of the report means and how it is computed.

A ministry reader meets "dependence", "hinterland" or "reserve cover" on the Summary with
no model documentation at hand; the definitions here are the ones the code computes
(``msc_model.indicators``) and ``docs/formulation.md`` derives, in words.
"""

from __future__ import annotations

import pandas as pd
from openpyxl import Workbook

from msc_model.report.layout import Col, SheetWriter, print_first_rows

#: (term, what it means, how it is computed)
ENTRIES: tuple[tuple[str, str, str], ...] = (
    (
        "Dependence (net import reliance)",
        "The share of a metal's apparent consumption that the country does not supply "
        "itself, as the USGS measures net import reliance.",
        "(imports − exports + stock draws − stock fills) / apparent consumption, "
        "over the counted forms, nationally, per year",
    ),
    (
        "Apparent consumption",
        "What the country uses of a metal in a year, whoever supplied it.",
        "domestic primary production + imports − exports + stock draws − stock fills",
    ),
    (
        "Dependence target",
        "The cap on dependence the plan must respect, from the workbook.",
        "interpolated linearly between the years given; 'Meets target' is yes when "
        "dependence ≤ target",
    ),
    (
        "Hinterland",
        "Regions away from the coast and its ports; capacity there is what a port "
        "disruption cannot reach.",
        "hinterland share = capacity in hinterland regions / all capacity of the stage",
    ),
    (
        "Reserve cover",
        "How long the national strategic reserve could meet demand on its own.",
        "stock at year end / national demand × 365 (days)",
    ),
    (
        "Recycling rate",
        "How much of the metal reaching end of life is collected for recycling.",
        "collected old scrap / end-of-life scrap; recycled share = recycling output / "
        "refined supply",
    ),
    (
        "Supplier concentration (HHI)",
        "How concentrated imports are on few origins (0: many small, 1: one supplier).",
        "Σ (share of each origin in imports)²",
    ),
    (
        "Value of lost supply",
        "A curtailment signal: the price the model puts on demand it leaves unmet, so "
        "that it meets demand whenever it can. It is never a cost the country pays.",
        "unmet demand × value of lost supply (workbook setting); kept out of the plan cost",
    ),
    (
        "Plan cost",
        "What the plan costs the country: investment, operating costs, energy, imports, "
        "transport and reserve holding, less the value of reserves left at the end.",
        "Σ over years of the cost terms, discounted to the base year (bn USD, present value)",
    ),
    (
        "Whole-system cost",
        "The solver's objective: the plan cost plus the value of lost supply.",
        "plan cost + value of lost supply; equal to the plan cost when nothing is curtailed",
    ),
    (
        "Reference plan",
        "The least-cost plan of the same case with the policy's dependence caps, reserve "
        "targets and collection mandates switched off.",
        "incremental cost of the policy = plan cost − plan cost of the reference plan",
    ),
    (
        "Prices",
        "The marginal value of one more tonne of a form in a region and year, read from "
        "the plan (duals of the balances); not market quotes.",
        "USD per t in the money of that year (present value / discount factor)",
    ),
    (
        "Marginal cost of target",
        "What tightening the dependence target by one percentage point would add to the "
        "plan cost; zero when the target does not bind.",
        "dual of the dependence cap (bn USD per percentage point)",
    ),
    (
        "Natural units",
        "Quantities are metal content: iron in Mt (million tonnes), copper and lithium in kt "
        "(thousand tonnes); lithium also in kt LCE (lithium carbonate equivalent). Money is "
        "bn USD. A column holding several metals names each one's unit in its header.",
        "1 Mt = 1,000 kt; 1 t LCE holds 0.1879 t Li (1 t Li = 5.32 t LCE); 1 bn USD = "
        "1,000 million USD",
    ),
    (
        "Unmet demand",
        "Demand the plan cannot meet (curtailed supply).",
        "demand − supply delivered, per region and year (Mt/yr for iron, kt/yr otherwise)",
    ),
)


def glossary_frame() -> pd.DataFrame:
    """The glossary as a table (term, meaning, formula)."""
    return pd.DataFrame(ENTRIES, columns=["term", "meaning", "formula"])


def glossary_sheet(wb: Workbook) -> None:
    """Write the Glossary sheet: wrapped text, printed whole (it is short)."""
    columns = [
        Col("Term", width=28),
        Col("What it means", width=62),
        Col("How it is computed", width=62),
    ]
    sheet = SheetWriter(
        wb, "Glossary", [c.width for c in columns], freeze="A2", landscape=True, fit_width=True
    )
    print_first_rows(sheet, len(ENTRIES), len(columns), everything=True)
    sheet.header(columns)
    for term, meaning, formula in ENTRIES:
        longest = max(len(meaning) / 62, len(formula) / 62, 1)
        sheet.append(
            [
                sheet.cell(term, wrap=True),
                sheet.cell(meaning, wrap=True),
                sheet.cell(formula, wrap=True),
            ],
            height=15.0 * (int(longest) + 1),
        )
