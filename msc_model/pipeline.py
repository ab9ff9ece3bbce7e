"""``run()``: read → build → solve → extract → write, each stage a typed function.

The stages live in their own modules; this one only chains them, times them and tells a
caller (the CLI) which stage is running.
"""

from __future__ import annotations

import dataclasses
import gc
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from msc_model.data import ModelData
from msc_model.diagnose import diagnose
from msc_model.errors import InfeasibleError, MscError, SolveError
from msc_model.indicators import headline
from msc_model.inputs import load_inputs
from msc_model.inputs.sanity import check_sanity
from msc_model.model import build_model
from msc_model.reference import (
    PolicyCost,
    ReferencePlan,
    binding_families,
    policy_cost,
    solve_reference,
)
from msc_model.report import check_flow_year, input_sheets, write_failed_report, write_report
from msc_model.report.writer import check_target
from msc_model.results import Results, extract_results
from msc_model.shipped import DEFAULT_WORKBOOK, default_workbook
from msc_model.solver import SolveOutcome, release, solve

__all__ = ["DEFAULT_WORKBOOK", "RunResult", "default_workbook", "run"]


@dataclass
class RunResult:
    """Everything one run produced, for scripts and notebooks."""

    data: ModelData
    outcome: SolveOutcome
    results: Results
    report: Path | None = None
    report_note: str = ""
    report_files: tuple[Path, ...] = ()  # written beside the report (flow diagram HTML)
    timings: dict[str, float] = field(default_factory=dict)
    model: object = None
    #: the reference plan's cost, curtailment and net imports (same case, security
    #: constraints off); None when not solved
    reference: ReferencePlan | None = None
    #: what the policy adds against the reference plan
    policy: PolicyCost | None = None

    @property
    def headline(self):
        return headline(self.results, self.data)


@contextmanager
def _stage(name: str, timings: dict[str, float], on_stage: Callable[[str], None] | None):
    if on_stage:
        on_stage(name)
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[name] = time.perf_counter() - start


def run(
    workbook: str | Path | None = None,
    output: str | Path | None = None,
    *,
    profile: str = "default",
    overwrite: bool = False,
    verbose: bool = False,
    on_stage: Callable[[str], None] | None = None,
    scenario: str | None = None,
    scenario_file: str | Path | None = None,
    flow_year: int | None = None,
    time_limit: float | None = None,
    strict: bool = False,
    export: tuple[str | Path, ...] = (),
    reference: bool = True,
) -> RunResult:
    """Solve one case and (optionally) write its results workbook.

    Parameters
    ----------
    workbook
        Input workbook; ``None`` runs the shipped default.
    output
        Results xlsx to write; ``None`` writes nothing.
    profile
        Solver option profile: a name in ``solvers/`` or a path to a profile file.
    overwrite
        Replace an existing output file.
    on_stage
        Called with the stage name ("reading", "building", ...) as each stage starts.
    scenario, scenario_file
        Apply this scenario of a ``scenarios`` sheet (in ``scenario_file``, else in the
        workbook) after reading; see :mod:`msc_model.scenarios.overlays`.
    flow_year
        Year of the flow diagrams in the report (default: the final year).
    time_limit
        Seconds HiGHS may take (overrides the profile); reaching it raises SolveError.
    strict
        Numerical warnings of HiGHS (wide coefficient ranges) raise SolveError.
    export
        Files (``.mps`` or ``.lp``) to write the LP to, exactly as HiGHS is given it.
    reference
        Also solve the reference plan (the same built model without the dependence caps
        and security shares, see :mod:`msc_model.reference`), so the report can state
        what the policy adds: the plan's HiGHS instance re-solved with those rows free,
        warm from the plan's optimal basis.

    Raises
    ------
    InfeasibleError, SolveError
        After writing (when ``output`` is given) a report marked as having no plan.
    """
    workbook = Path(workbook) if workbook is not None else default_workbook()
    inputs = [workbook, scenario_file]
    # Refuse before spending minutes on a solve whose outputs could not be written.
    for target in (output, *export):
        if target is not None:
            check_target(target, overwrite=overwrite, protect=inputs)
    timings: dict[str, float] = {}
    with _stage("reading", timings, on_stage):
        data = load_inputs(workbook)
        if scenario is not None:
            from msc_model.scenarios.overlays import apply_scenario

            data, _ = apply_scenario(data, scenario, scenario_file)
        if output is not None:
            check_flow_year(data, flow_year)
        data = _checked(data)
    with _stage("building", timings, on_stage):
        gc.collect()  # the reader's cyclic garbage: cheap now, kept for good once frozen
        model = build_model(data)
    # the report's Inputs sheets need no solution: written while HiGHS solves
    begun = (
        _Beside(input_sheets, data, unused=lambda part: part.discard())
        if output is not None
        else None
    )
    with _model_kept(), begun or nullcontext():
        baseline, note = None, "not solved (--no-reference)"
        try:
            with _stage("solving", timings, on_stage):
                outcome = solve(
                    model, profile, verbose=verbose, time_limit=time_limit, strict=strict,
                    export=export, overwrite=overwrite, keep=reference,
                    started=begun.start if begun else None,
                )  # fmt: skip
        except SolveError as error:  # InfeasibleError too: report "no plan", then re-raise
            exc = _explained(error, data, model, profile)
            if output is not None:
                with _stage("writing", timings, on_stage):
                    written = write_failed_report(
                        data, exc, output, overwrite=overwrite, timings=timings,
                        diagnosis=getattr(exc, "diagnosis", None),
                    )  # fmt: skip
                exc.report = written.path  # the CLI names it
                exc.report_note = written.note
            if exc is error:
                raise
            raise exc from error
        if reference:
            # before the plan's extraction: HiGHS (the largest allocation) is freed as soon
            # as the reference is solved, so it never coexists with the extracted tables
            with _stage("solving the reference plan", timings, on_stage):
                baseline, note = solve_reference(model, data, profile, time_limit)
        release(model)
        with _stage("extracting", timings, on_stage):
            results = extract_results(model, data, outcome)
        result = RunResult(
            data, outcome, results, timings=timings, model=model, reference=baseline,
            policy=policy_cost(results, data, baseline, note, binding_families(model)),
        )  # fmt: skip
        if output is not None:
            with _stage("writing", timings, on_stage):
                written = write_report(
                    results, data, outcome, output, overwrite=overwrite, timings=timings,
                    flow_year=flow_year, policy=result.policy, inputs=begun.result(),
                )  # fmt: skip
            result.report, result.report_note = written.path, written.note
            result.report_files = written.companions
    return result


class _Beside:
    """``function(*args)`` in a thread of its own, started when HiGHS starts solving.

    HiGHS releases the GIL while it solves, so Python work that needs only the inputs (the
    report's Inputs sheets: comparing with the default workbook and writing every input
    cell, ~0.8 s at 31 regions × 2050) runs on the second core instead of after the
    solve. Started earlier it would only take turns with the hand-off for the GIL. Not
    started (a solve that never reached HiGHS), :meth:`result` runs it here. A result
    never asked for (the solve failed) is handed to ``unused`` once it is ready.
    """

    def __init__(self, function: Callable, *args, unused: Callable | None = None) -> None:
        self._call = partial(function, *args)
        self._unused = unused
        self._taken = False
        self._pool: ThreadPoolExecutor | None = None
        self._future = None

    def start(self) -> None:
        if self._future is None:
            self._pool = ThreadPoolExecutor(1, thread_name_prefix="msc-beside")
            self._future = self._pool.submit(self._call)

    def result(self):
        self._taken = True
        return self._call() if self._future is None else self._future.result()

    def __enter__(self) -> _Beside:
        return self

    def __exit__(self, *_exc) -> None:
        if self._pool is not None:  # an error or Ctrl-C: the thread ends on its own
            self._pool.shutdown(wait=False, cancel_futures=True)
        if self._future is not None and self._unused is not None and not self._taken:
            self._future.add_done_callback(self._release)

    def _release(self, future) -> None:
        if not future.cancelled() and future.exception() is None:
            self._unused(future.result())


@contextmanager
def _model_kept() -> Iterator[None]:
    """While the model is in use, keep Python's cycle collector off its objects.

    The model lives until the run ends, yet every full pass of the collector would rescan
    its millions of objects (~0.5 s at provincial size, during the hand-off, extraction and
    report); ``gc.freeze`` exempts what exists now. Unfrozen at the end, so a process that
    runs many cases frees each model as usual.
    """
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


def _checked(data: ModelData) -> ModelData:
    """Stop on pre-solve sanity errors; keep its warnings with the input warnings."""
    sanity = check_sanity(data)
    sanity.raise_if_any()
    extra = tuple(str(w) for w in sanity.warnings)
    return dataclasses.replace(data, warnings=data.warnings + extra) if extra else data


def _explained(error: SolveError, data: ModelData, model, profile: str) -> SolveError:
    """An infeasibility with its diagnosis: the sentences in the message and, for the
    report, on ``.diagnosis`` (the :class:`~msc_model.diagnose.Diagnosis` on
    ``.explanation``). Other solver errors are returned unchanged."""
    if not isinstance(error, InfeasibleError):
        return error
    try:
        diagnosis = diagnose(data, profile=profile, model=model)
    except (MscError, RuntimeError, ValueError) as exc:  # the infeasibility stands anyway
        explained = InfeasibleError(f"{error} (no diagnosis: {exc})", error.termination)
        explained.diagnosis = None
        return explained
    if diagnosis.feasible:
        return error
    explained = InfeasibleError(f"{error}\n{diagnosis.text(checks=False)}", error.termination)
    explained.diagnosis = diagnosis.sentences
    explained.explanation = diagnosis
    return explained
