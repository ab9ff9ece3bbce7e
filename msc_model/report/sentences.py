"""Plain-language findings generated from the numbers of the Summary.

Each function turns numbers into one or two sentences a ministry reader can quote
("Copper import dependence falls from 77 % in 2024 to 58 % in 2040, below the 62 %
target."). They never compute anything themselves: every number comes from a
:class:`~msc_model.report.tables.MetalSummary` or the cost table, which come from the
detailed sheets, so a sentence cannot contradict a table.
"""

from __future__ import annotations

import math

import pandas as pd

from msc_model.model.objective import COST_TERMS
from msc_model.report import natural
from msc_model.report.labels import term_word
from msc_model.report.tables import MetalSummary

#: cost terms as a reader would name them (the one label table's words)
TERM_NAMES = {term: term_word(term) for term in COST_TERMS}
#: two shares closer than this (0.05 percentage point) read as "at" each other
_AT = 5e-4


def _missing(value: float | None) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def pct(value: float, decimals: int = 0) -> str:
    """0.7667 → "77 %" (the space is the SI convention the issue's examples use)."""
    return "n/a" if _missing(value) else f"{100 * value:.{decimals}f} %"


def _decimals(*pairs: tuple[float, float]) -> int:
    """The fewest decimals (0–2) that keep each pair of different shares looking different."""
    for decimals in (0, 1):
        if all(pct(a, decimals) != pct(b, decimals) or abs(a - b) < _AT for a, b in pairs):
            return decimals
    return 2


def amount(value: float, unit: str) -> str:
    """1234.5 → "1,235 kt/yr"; small amounts keep one decimal (lithium, scrap)."""
    if _missing(value):
        return "n/a"
    text = f"{value:,.0f}" if abs(value) >= 10 else f"{value:,.1f}"
    return f"{text} {unit}".strip()


def quantity(value: float, metal: str, per_year: bool = False) -> str:
    """A quantity of ``metal`` given in kt, in its natural unit: iron 210,051 kt/yr →
    "210 Mt/yr", copper 8,468 kt/yr → "8,468 kt/yr"."""
    shown, unit = natural.amount(value, metal, per_year)
    return amount(shown, unit)


def _lce(value: float, metal: str, per_year: bool = False) -> str:
    """ " (5,318 kt LCE/yr)" for a lithium quantity, "" for any other metal."""
    if metal not in natural.LCE_METALS or _missing(value):
        return ""
    return f" ({amount(natural.in_lce(value), 'kt LCE/yr' if per_year else 'kt LCE')})"


def dependence_sentence(s: MetalSummary) -> str:
    """Where dependence goes from the base year to the final year, against the target."""
    name = s.name[:1].upper() + s.name[1:]
    if _missing(s.dependence_base) or _missing(s.dependence_final):
        return f"{name} import dependence cannot be computed: the metal has no consumption."
    change = s.dependence_final - s.dependence_base
    pairs = [(s.dependence_base, s.dependence_final)] if abs(change) >= 0.005 else []
    if not _missing(s.target_final):
        pairs.append((s.dependence_final, s.target_final))
    d = _decimals(*pairs)
    start, end = pct(s.dependence_base, d), pct(s.dependence_final, d)
    if abs(change) < 0.005:
        path = f"stays at about {end} from {s.base_year} to {s.final_year}"
    else:
        verb = "falls" if change < 0 else "rises"
        path = f"{verb} from {start} in {s.base_year} to {end} in {s.final_year}"
    text = f"{name} import dependence {path}"
    if _missing(s.target_final):
        return f"{text}; no target is set for {s.final_year}."
    target = pct(s.target_final, d)
    gap = s.dependence_final - s.target_final
    if abs(gap) < _AT:
        text += f", at the {target} target."
    elif gap < 0:
        text += f", below the {target} target."
    else:
        text += f", above the {target} target: the target is missed."
    if not _missing(s.marginal_cost_final) and s.marginal_cost_final > 1e-6:
        text += (
            f" The target binds: each further percentage point would cost about "
            f"{money(s.marginal_cost_final)} in {s.final_year}."
        )
    return text


def capacity_sentence(s: MetalSummary, hinterland: list[str]) -> str:
    """What must be built, by stage, and how much of it inland."""
    name = s.name
    if s.new_total <= 1e-6 and s.new_storage <= 1e-6:
        return f"No new {name} capacity is needed: existing and committed plants suffice."
    # per stage, never a total: capacities of different stages do not add up
    parts = [
        f"{stage} {quantity(value, s.metal, True)}"
        + (_lce(value, s.metal, True) if stage == "smelting" else "")  # refined, as LCE
        for stage, value in s.new_by_stage.items()
        if stage != "storage" and value > 1e-6
    ]
    text = f"New {name} capacity built over {s.base_year}–{s.final_year}: "
    text += ", ".join(parts) if parts else "none"
    if not _missing(s.hinterland_share) and hinterland and parts:
        text += f", {pct(s.hinterland_share)} of it in the hinterland ({', '.join(hinterland)})"
    if s.new_storage > 1e-6:
        text += (
            f", plus {quantity(s.new_storage, s.metal)}{_lce(s.new_storage, s.metal)} of "
            "reserve storage"
        )
    return text + "."


def security_sentence(s: MetalSummary) -> str:
    """Reserve cover and recycling in the final year."""
    bits = []
    if not _missing(s.cover_final):
        cover = f"{s.cover_final:,.0f} days of national demand"
        if _missing(s.cover_target_final) and s.cover_final < 0.5:
            bits.append(f"{s.name} has no reserve target and no strategic stock in {s.final_year}")
        elif _missing(s.cover_target_final):
            bits.append(f"{s.name} reserves cover {cover} in {s.final_year} (no target)")
        else:
            bits.append(
                f"{s.name} reserves cover {cover} in {s.final_year} against a "
                f"{s.cover_target_final:,.0f}-day target"
            )
    if not _missing(s.recycling_rate_final):
        text = f"{pct(s.recycling_rate_final)} of end-of-life scrap is collected"
        if not _missing(s.recycled_share_final):
            text += f" and recycled metal is {pct(s.recycled_share_final)} of refined supply"
        bits.append(text)
    if not bits:
        return ""
    sentence = "; ".join(bits) + "."
    return sentence[:1].upper() + sentence[1:]


def unmet_sentence(s: MetalSummary) -> str:
    """A warning when demand cannot be met (the model pays a penalty instead)."""
    if s.unmet_total <= 0.5:
        return ""
    return (
        f"Warning: {quantity(s.unmet_total, s.metal)} of {s.name} demand is not met over "
        f"{s.base_year}–{s.final_year}: curtailment, reported apart and never a cost "
        "(see the Unmet demand sheet)."
    )


def money(value: float) -> str:
    """MUSD → "1.23 bn USD" (or "456 million USD" below a billion)."""
    if _missing(value):
        return "n/a"
    if abs(value) >= 1000:
        return f"{value / 1000:,.{1 if abs(value) >= 100_000 else 2}f} bn USD"
    return f"{value:,.0f} million USD"


def curtailment_sentence(policy) -> str:
    """First words of a report whose plan leaves demand unmet: it is not an answer."""
    if policy is None or policy.curtailed <= 0:
        return ""
    return (
        f"Warning: this plan leaves {amount(policy.curtailed, 'kt')} of demand unmet: the "
        "case cannot be met as posed (see the Unmet demand sheet). The value of lost supply "
        "charged for it is a signal, not a cost, and is left out of every cost below."
    )


def policy_sentence(policy, data_years: tuple[int, int], names: dict[str, str]) -> str:
    """What the security policy adds against the least-cost plan without it."""
    base, final = data_years
    if policy is None:
        return ""
    if policy.reference_cost is None:
        return (
            f"No reference plan without the security constraints: {policy.note}. The "
            "whole-system cost below is not the price of the policy."
        )
    extra, share = policy.extra_cost, policy.extra_share
    avoided = policy.imports_avoided
    if abs(extra) <= 1e-6 * max(abs(policy.reference_cost), 1.0) and avoided.abs().sum() < 0.5:
        return (
            "The targets and security shares cost nothing extra: the least-cost plan without "
            f"them already meets them over {base}–{final} (their marginal cost is zero)."
        )
    text = (
        f"Meeting the targets and security rules costs {money(extra)}"
        + (f" ({pct(share, 2)})" if not _missing(share) else "")
        + f" more in present value over {base}–{final} than the least-cost plan without them"
    )
    parts = [f"{names.get(m, m)} {quantity(v, m)}" for m, v in avoided.items() if abs(v) >= 0.05]
    if parts:
        total = avoided.sum()
        verb = "cuts" if total >= 0 else "raises"
        text += f", and {verb} cumulative net imports ({', '.join(parts)})"
    binding = [BINDING_NAMES.get(b, b) for b in getattr(policy, "binding", ())]
    if binding:
        text += f". What binds: {_listed(binding)}"
        if "dependence_cap" not in policy.binding:
            text += " (the dependence caps themselves do not bind)"
    return text + "."


#: the security constraint families as a reader names them
BINDING_NAMES = {
    "dependence_cap": "the dependence caps",
    "region_share_limit": "the regional concentration limits",
    "hinterland_share_minimum": "the hinterland shares",
    "supplier_share_limit": "the supplier caps",
}


def _listed(items: list[str]) -> str:
    """["a", "b", "c"] → "a, b and c"."""
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def cost_sentence(
    terms: pd.DataFrame, objective: float, data_years: tuple[int, int], rate: float
) -> str:
    """Whole-system discounted cost (value of lost supply excluded) and its largest terms."""
    base, final = data_years
    terms = terms[terms["term"] != "unmet_demand"]
    text = (
        f"The whole supply system costs {money(objective)} in present value over "
        f"{base}–{final} (discounted at {rate * 100:.1f} % a year; this is the cost of "
        "supplying all demand, most of it paid with or without any policy)"
    )
    top = terms[terms["discounted"] > 1e-6].sort_values("discounted", ascending=False).head(3)
    if len(top) and objective > 0:
        shares = [
            f"{TERM_NAMES.get(t, t)} {pct(v / objective)}"
            for t, v in zip(top["term"], top["discounted"], strict=True)
        ]
        text += f"; the largest parts are {', '.join(shares)}"
    return text + "."


def assumptions(data) -> list[str]:
    """What the reader must know to quote the numbers: money, demand, definitions, limits."""
    rate = data.get("discount_rate", ())
    money_year = int(data.get("price_base_year", ()))
    deflated = " (each cost converted from its own price year)" if data.table("deflator") else ""
    return [
        f"Money is {money_year} US dollars{deflated}, discounted at {rate * 100:.1f} % a year; "
        "costs are present values over the horizon.",
        "Demand is given, not a result; supply the plan cannot provide would be charged at a "
        "value of lost supply and reported as unmet, never as a cost.",
        "Dependence is net import reliance as USGS defines it, for the forms the workbook "
        "counts; a draw from reserves counts like an import.",
        "Domestic supply gets dearer in steps (leaner ores, dispersed scrap); where no cost "
        "curve is published the steps are reasoned assumptions (see the sources sheet).",
        "Limitations: regions stand for groups of provinces; the plan has perfect foresight and "
        "no economies of scale (a linear model); prices are the model's duals, not forecasts.",
    ]
