"""Why a case has no feasible plan, in the workbook's words.

:func:`diagnose` solves the case; when HiGHS proves it infeasible it asks for an
irreducible infeasible subset (IIS: rows and bounds that cannot all hold, while dropping
any one of them would make the rest feasible) and maps each member back to its
constraint family, its index (metal, process, region, year) and the workbook cells that
produced it, as a sentence. Then, for each workbook value behind the conflict, a feasibility
relaxation that may move only that value finds how far it must move for the whole model
to become feasible: "raise max_storage for copper in East (reserves!D5) from 100 to at
least 148.8 kt". Values whose change alone does not suffice are relaxed together.

The solver work (IIS, relaxation) is in :mod:`msc_model.solver`; this module only reads
the model's structure and the data's provenance (``data.cell``, ``Vintage.cell``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pyomo.core as pyo

from msc_model.data import ModelData
from msc_model.diagnose.changes import _changes, _knobs
from msc_model.diagnose.findings import Change, Conflict
from msc_model.diagnose.words import _span, _Words
from msc_model.errors import InfeasibleError
from msc_model.inputs.sanity import check_sanity
from msc_model.model import build_model
from msc_model.solver import IisMember, compute_iis, solve


@dataclass
class Diagnosis:
    """The explanation: ``sentences`` to print, and the same facts as structured data."""

    feasible: bool
    sentences: list[str]
    iis: list[Conflict] = field(default_factory=list)
    relaxation: list[Change] = field(default_factory=list)
    #: true when any one of ``relaxation`` suffices; false when all are needed together
    alternatives: bool = True
    #: pre-solve sanity findings (errors and warnings) as text
    checks: list[str] = field(default_factory=list)
    #: 0 for a heading sentence, 1 for an item under it (same length as ``sentences``)
    levels: list[int] = field(default_factory=list)

    @property
    def cells(self) -> list[str]:
        """Every cell the diagnosis names, in reading order."""
        seen: dict[str, None] = {}
        for item in [*self.iis, *self.relaxation]:
            seen.update(dict.fromkeys(item.cells))
        return list(seen)

    def text(self, *, checks: bool = True) -> str:
        """The sentences as an indented block; ``checks`` adds the pre-solve findings."""
        levels = self.levels or [0] * len(self.sentences)
        lines = [
            ("  - " if level else "") + s for s, level in zip(self.sentences, levels, strict=True)
        ]
        if checks and self.checks:
            lines.append("Pre-solve checks:")
            lines += [f"  - {c}" for c in self.checks]
        return "\n".join(lines)


def diagnose(
    data: ModelData,
    *,
    profile: str = "default",
    model: pyo.ConcreteModel | None = None,
    time_limit: float = 120.0,
) -> Diagnosis:
    """Explain why ``data`` has no feasible plan, naming the cells.

    Parameters
    ----------
    data
        The case (from :func:`~msc_model.inputs.load_inputs`, possibly with scenario
        changes).
    profile
        Solver profile for the solve that establishes infeasibility.
    model
        The model built from ``data``, if the caller already has it (it is solved again:
        a re-solve of the persistent model is cheap).
    time_limit
        Seconds for each HiGHS call.

    Returns
    -------
    Diagnosis
        ``feasible`` true when a plan exists (nothing to explain); otherwise the IIS as
        :class:`Conflict` sentences and the changes that make the model feasible.
    """
    sanity = check_sanity(data)
    checks = [str(p) for p in sanity.errors + sanity.warnings]
    model = model if model is not None else build_model(data)
    try:
        solve(model, profile, time_limit=time_limit)
    except InfeasibleError as error:
        return _explain(data, model, error.termination, time_limit, checks)
    return Diagnosis(True, ["The model has a feasible plan: nothing to explain."], checks=checks)


def _explain(data, model, termination: str, time_limit: float, checks) -> Diagnosis:
    members = compute_iis(model, time_limit=time_limit)
    if not members:
        return Diagnosis(
            False,
            [
                f"No feasible plan was found ({termination}), but no set of limits contradicts "
                "another: the model is probably unbounded (a cost or a limit missing)."
            ],
            checks=checks,
        )
    words = _Words(data, model)
    conflicts = _grouped(words, members)
    shown = [c for c in conflicts if c.sentence]
    years = sorted({t for c in shown for t in c.years})
    when = f" in {_span(years)}" if years else ""
    lines = [(f"No feasible plan: these {len(shown)} conditions cannot all hold{when}:", 0)]
    lines += [(c.sentence, 1) for c in shown]
    knobs = _knobs(words, members)
    changes, alone = _changes(model, words, knobs, time_limit)
    if changes:
        head = "Any one of these changes" if alone else "Changing these together"
        lines.append((f"{head} makes the model solvable:", 0))
        lines += [(c.sentence, 1) for c in changes]
    elif knobs:
        lines.append(
            (
                "No change to these values alone makes the model solvable: another conflict "
                "remains; fix this one and run msc diagnose again.",
                0,
            )
        )
    sentences, levels = [s for s, _ in lines], [level for _, level in lines]
    return Diagnosis(False, sentences, conflicts, changes, alone, checks, levels)


def _grouped(words: _Words, members: list[IisMember]) -> list[Conflict]:
    """One sentence per family and index across years ("...; likewise in 2026-2027"), one
    for all balance rows of a metal; sentences that name workbook cells come first."""
    groups: dict[tuple, list[IisMember]] = {}
    for member in members:
        dated = bool(member.index) and isinstance(member.index[-1], int)
        if member.component.endswith("_balance"):
            key: tuple = ("balance", member.index[0])
        else:
            key = (
                member.component,
                member.kind,
                member.bound,
                member.index[:-1] if dated else member.index,
            )
        groups.setdefault(key, []).append(member)
    conflicts = []
    for key, group in groups.items():
        years = tuple(sorted({m.index[-1] for m in group if isinstance(m.index[-1], int)}))
        if key[0] == "balance":
            conflicts.append(_balances(words, group, years))
            continue
        first = words.conflict(group[0])
        sentence = first.sentence
        others = [t for t in years if t != group[0].index[-1]]
        if sentence and others:
            sentence = f"{sentence.rstrip('.')}; likewise in {_span(others)}."
        conflicts.append(
            Conflict(first.family, first.index, first.kind, sentence, first.cells, years)
        )
    return sorted(conflicts, key=lambda c: not c.cells)


def _balances(words: _Words, group: list[IisMember], years: tuple[int, ...]) -> Conflict:
    metal = group[0].index[0]
    forms = [
        f
        for f in ("ore", "refined", "scrap", "product")
        if any(m.component == f"{f}_balance" for m in group)
    ]
    regions = [r for r in words.data.regions if any(m.index[1] == r for m in group)]
    cells = [words.cell("process_yield", (metal, p)) for p in words.data.processes]
    cells = [c for c in cells if c]
    sentence = (
        f"{words.metal(metal, True)} must balance form by form ({', '.join(forms)}) in "
        f"{', '.join(regions)} in {_span(list(years))}: what is produced, imported, drawn from "
        "stock and shipped in is used, exported, stocked or shipped out"
        + (f" (yields {', '.join(cells)})." if cells else ".")
    )
    return Conflict("balance", group[0].index, "constraint", sentence, tuple(cells), years)
