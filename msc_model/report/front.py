"""The Summary sheet: what a ministry reader sees first.

Findings in plain sentences, a headline table (one column per metal), the cost, the new
capacity by stage, coastal and hinterland, and two native charts beside the tables. A run
without an optimal plan gets a Summary that says so in red and shows no numbers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from openpyxl.utils import get_column_letter

from msc_model.data import ModelData
from msc_model.report import charts, labels, natural, sentences
from msc_model.report.layout import (
    ALERT_FILL,
    ALERT_FONT,
    BN,
    DAYS,
    KT1,
    NOTE_FONT,
    PCT,
    SUBTITLE_FONT,
    TITLE_FONT,
    Block,
    Col,
    SheetWriter,
)
from msc_model.report.sheets import ReportTables, metal_spans
from msc_model.report.tables import MetalSummary
from msc_model.schema import PROCESSES, STORAGE

LABEL_WIDTH = 60
VALUE_WIDTH = 16
CHART_COLUMNS = 10
CHART_WIDTH = 10.5


def summary_widths(metals: int) -> list[float]:
    """Label column, value columns (at least 4: the cost table has 3), a spacer, and the
    columns the charts sit on."""
    return [LABEL_WIDTH] + [VALUE_WIDTH] * max(metals, 4) + [3] + [CHART_WIDTH] * CHART_COLUMNS


def open_summary(wb, data: ModelData) -> SheetWriter:
    """Create the Summary sheet first (so it is the first tab); fill it later."""
    return SheetWriter(
        wb, "Summary", summary_widths(len(data.metals)), fit_width=True, landscape=True
    )


def _sentence(sheet: SheetWriter, text: str, span: int, *, font=None) -> None:
    """A sentence merged across the sheet's width, wrapped, its row tall enough."""
    widths = summary_widths(span)
    characters = sum(widths) * 1.1
    lines = max(1, math.ceil(len(text) / characters))
    row = sheet.append([sheet.cell(text, font=font, wrap=True)], height=15.5 * lines)
    sheet.ws.merged_cells.add(f"A{row}:{get_column_letter(len(widths))}{row}")


def _headline_rows(s: Sequence[MetalSummary], base: int, final: int) -> list[tuple]:
    """(label with unit, values per metal, number format) of the headline table.

    Quantities are in natural units (iron Mt, others kt; the label states the rule), money
    in bn USD; lithium's new capacity is also given in kt LCE."""
    metals = [m.metal for m in s]
    per_year, stock = natural.rule(metals, "/yr"), natural.rule(metals)

    def mass(values: Sequence[float]) -> list[float]:
        return [natural.in_mass(v, m.metal) for v, m in zip(values, s, strict=True)]

    lce = [m.name for m in s if m.metal in natural.LCE_METALS]
    rows = [
        (f"External dependence {base} (%)", [m.dependence_base for m in s], PCT),
        (f"External dependence {final} (%)", [m.dependence_final for m in s], PCT),
        (f"Dependence target {final} (%)", [m.target_final for m in s], PCT),
        (f"Target met in {final}", [m.meets_target for m in s], None),
        (
            f"Marginal cost of {final} target (bn USD per pp)",
            [natural.bn(m.marginal_cost_final) for m in s],
            BN,
        ),
        # stages are not added up (a tonne of ore capacity and a tonne of recycling
        # capacity are not the same thing): a heading row, then one row a stage
        (f"New capacity {base}–{final}, by stage ({per_year})", [None for _ in s], None),
    ]
    rows += [
        (f"   {p} ({per_year})", mass([m.new_by_stage.get(p, 0.0) for m in s]), KT1)
        for p in PROCESSES
    ]
    if lce:  # refined lithium capacity is what the market quotes in carbonate equivalent
        rows.append(
            (
                f"   smelting, {', '.join(lce)} as carbonate (kt LCE/yr)",
                [
                    natural.in_lce(m.new_by_stage.get("smelting", 0.0))
                    if m.metal in natural.LCE_METALS
                    else None
                    for m in s
                ],
                KT1,
            )
        )
    rows += [
        (
            f"New reserve storage ({stock})",
            mass([m.new_by_stage.get(STORAGE, 0.0) for m in s]),
            KT1,
        ),
        ("Share of new capacity in the hinterland (%)", [m.hinterland_share for m in s], PCT),
        (f"Reserve cover {final} (days)", [m.cover_final for m in s], DAYS),
        (f"Reserve target {final} (days)", [m.cover_target_final for m in s], DAYS),
        (f"Recycling rate {final} (%)", [m.recycling_rate_final for m in s], PCT),
        (f"Recycled share of refined supply {final} (%)", [m.recycled_share_final for m in s], PCT),
        (f"Unmet demand {base}–{final} ({stock})", mass([m.unmet_total for m in s]), KT1),
    ]
    return rows


def fill_summary(
    sheet: SheetWriter, t: ReportTables, outcome, dependence: Block, source: str, policy=None
) -> None:
    """Write the Summary of an optimal run (see module doc)."""
    data = t.data
    base, final = data.base_year, data.final_year
    n = len(data.metals)
    chart_col = get_column_letter(2 + max(n, 4) + 1)
    sheet.text(
        f"Mineral supply chain plan: {labels.case_title(source, data.case_name)}",
        font=TITLE_FONT,
        height=26,
    )
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    sheet.text(
        f"Least-cost plan for {base}–{final}, solved to optimality by HiGHS (profile "
        f"'{outcome.profile}') on {stamp}. All quantities are metal content (iron in Mt, "
        "copper and lithium in kt; lithium also in kt of lithium carbonate equivalent, LCE); "
        "money is bn USD.",
        font=NOTE_FONT,
    )
    sheet.blank()
    sheet.text("Key findings", font=SUBTITLE_FONT, height=20)
    names = {m: data.metal_names.get(m) or m for m in data.metals}
    for text in (
        sentences.curtailment_sentence(policy),
        sentences.policy_sentence(policy, (base, final), names),
    ):
        if text:
            _sentence(sheet, text, n, font=SUBTITLE_FONT if text.startswith("Warning") else None)
    cost = policy.plan_cost if policy is not None else t.objective
    rate = data.get("discount_rate", ())
    _sentence(sheet, sentences.cost_sentence(t.terms, cost, (base, final), rate), n)
    for s in t.summaries:  # where and how much: the Findings sheet; here the answer
        for text in (sentences.dependence_sentence(s), sentences.unmet_sentence(s)):
            if text:
                _sentence(sheet, text, n)
    sheet.blank()

    sheet.text("Headline indicators", font=SUBTITLE_FONT, height=20)
    names = [m.name[:1].upper() + m.name[1:] + f" ({m.metal})" for m in t.summaries]
    header = sheet.header(
        [Col("Indicator", width=LABEL_WIDTH)] + [Col(name, width=VALUE_WIDTH) for name in names]
    )
    chart = charts.dependence_chart(dependence, metal_spans(t.dependence, dependence, data), final)
    sheet.ws.add_chart(chart, f"{chart_col}{header}")
    for label, values, fmt in _headline_rows(t.summaries, base, final):
        sheet.append([label, *(sheet.cell(v, fmt=fmt, right=True) for v in values)])
    sheet.blank()

    sheet.text("Cost", font=SUBTITLE_FONT, height=20)
    if policy is not None and policy.reference_cost is not None:
        cost_top = sheet.append(
            [
                "Added by the targets and security rules (bn USD, PV)",
                sheet.cell(natural.bn(policy.extra_cost), fmt=BN),
            ]
        )
        sheet.append(
            [
                "Least-cost plan without them (bn USD, PV)",
                sheet.cell(natural.bn(policy.reference_cost), fmt=BN),
            ]
        )
        whole = policy.plan_cost
    else:
        cost_top = None
        whole = policy.plan_cost if policy is not None else t.objective
    row = sheet.append(
        [
            "Whole-system cost, all demand (bn USD, PV)",
            sheet.cell(natural.bn(whole), fmt=BN),
        ]
    )
    cost_top = cost_top or row
    if policy is not None and policy.curtailed > 0:
        sheet.append(
            [
                "Unmet demand (kt, all metals; curtailment, not a cost)",
                sheet.cell(policy.curtailed, fmt=KT1),
            ]
        )
    sheet.blank()
    if t.timeline is not None and not t.timeline.empty:
        sheet.text("When and where new capacity comes online", font=SUBTITLE_FONT, height=20)
        columns = {"label": Col("Metal, stage and region (unit)", width=LABEL_WIDTH)}
        for name in t.timeline.columns[2:]:
            title = "Total" if name == "total" else str(name)
            columns[name] = Col(title, "#,##0.0", VALUE_WIDTH)
        sheet.table(t.timeline, columns)
        sheet.blank()
    sheet.text("Assumptions and limitations", font=SUBTITLE_FONT, height=20)
    for text in sentences.assumptions(data):
        _sentence(sheet, text, n)
    sheet.text(
        "Findings per metal, the cost terms, prices and every table follow on the other "
        "sheets; the Glossary defines each indicator; Run info has the file hash, versions "
        "and timings.",
        font=NOTE_FONT,
    )
    # one page: the brief a reader prints (LibreOffice and Excel scale it to fit)
    sheet.ws.page_setup.fitToHeight = 1


def fill_findings(wb, t: ReportTables) -> None:
    """The Findings sheet: per metal, what is built where and what secures it (the
    sentences the one-page Summary leaves out)."""
    data = t.data
    n = len(data.metals)
    sheet = SheetWriter(wb, "Findings", summary_widths(n), fit_width=True, landscape=True)
    sheet.text("Findings per metal", font=TITLE_FONT, height=26)
    hinterland = [r for r in data.regions if r in data.hinterland]
    for s in t.summaries:
        sheet.blank()
        sheet.text(s.name[:1].upper() + s.name[1:], font=SUBTITLE_FONT, height=20)
        for text in (
            sentences.dependence_sentence(s),
            sentences.capacity_sentence(s, hinterland),
            sentences.security_sentence(s),
            sentences.unmet_sentence(s),
        ):
            if text:
                _sentence(sheet, text, n)


def fill_failed_summary(
    sheet: SheetWriter,
    data: ModelData,
    error: BaseException,
    diagnosis: Sequence[str] | None,
) -> None:
    """The Summary of a run without an optimal plan: a red banner, the reason, the
    diagnosis, and what to try. No result numbers at all."""
    termination = getattr(error, "termination", "") or type(error).__name__
    span = len(data.metals)
    row = sheet.append(
        [
            sheet.cell(
                "NO OPTIMAL PLAN: this report contains no results", font=ALERT_FONT, fill=ALERT_FILL
            )
        ],
        height=28,
    )
    sheet.ws.merged_cells.add(f"A{row}:{get_column_letter(len(summary_widths(span)))}{row}")
    sheet.text(
        f"Input: {Path(data.source).name if data.source else 'case'}; solver end: {termination}; "
        f"written {datetime.now(UTC).strftime('%Y-%m-%d %H:%M UTC')}.",
        font=NOTE_FONT,
    )
    sheet.blank()
    sheet.text("What happened", font=SUBTITLE_FONT, height=20)
    _sentence(sheet, str(error), span)
    sheet.blank()
    sheet.text("Why (diagnosis)", font=SUBTITLE_FONT, height=20)
    for text in diagnosis or ["No diagnosis is available for this run."]:
        _sentence(sheet, text, span)
    sheet.blank()
    sheet.text("What to try", font=SUBTITLE_FONT, height=20)
    for text in _advice(termination):
        _sentence(sheet, text, span)
    sheet.blank()
    sheet.text(
        "The Inputs sheet lists every input as read (changes from the default workbook in "
        "yellow); Run info has the file hash, versions and the solver's termination.",
        font=NOTE_FONT,
    )


def _advice(termination: str) -> list[str]:
    if termination in ("infeasible", "infeasible_or_unbounded", "unbounded"):
        return [
            "Relax the tightest dependence target, reserve requirement or capacity limit, "
            "and run again.",
            "Check for a stage with no existing capacity and no possible build, or for an "
            "import that is not available to any entry region.",
        ]
    return [
        "The solver stopped early (time or iteration limit, or numerical trouble). Try "
        "another solver profile (--solver-profile ipm) or a longer time limit.",
    ]
