"""One code path for local and distributed runs: a ``concurrent.futures`` executor.

- ``workers=N`` (default: the machine's cores): a local ``ProcessPoolExecutor`` of N
  processes, started with ``spawn`` (forking a process whose HiGHS or Dask threads are
  running can deadlock the child);
- ``workers=0``: in this process, one run after another (debugging, notebooks);
- ``scheduler="tcp://HOST:PORT"``: an existing Dask distributed cluster, through the
  client's own ``concurrent.futures`` executor (``Client.get_executor``).

Whatever the executor, :func:`run_tasks` submits a bounded number of tasks at a time
(variants are built lazily, so a 10 000-run design never sits in memory as data), hands
each finished record to ``on_record`` as it arrives (the sweep stores it there), and
shows a progress bar with runs done, failed and time left. A run that fails is a record
with its error; a worker that dies takes only its own run with it (stored nowhere, so
``--resume`` runs it again).
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import signal
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from msc_model.errors import MscError
from msc_model.scenarios.runner import RunRecord, Task, evaluate


class ExecutorError(MscError, RuntimeError):
    """The runs could not be started (no cluster at the address, bad worker count)."""

    exit_code = 4


class InlineExecutor(cf.Executor):
    """Runs each task when it is submitted, in this process (``workers=0``)."""

    def submit(self, fn, /, *args, **kwargs) -> cf.Future:
        future: cf.Future = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except BaseException as exc:  # delivered through the future, as a pool would
            future.set_exception(exc)
        return future


@contextmanager
def open_executor(
    workers: int | None = None, scheduler: str | None = None
) -> Iterator[tuple[cf.Executor, int]]:
    """An executor and how many runs it evaluates at once.

    Raises
    ------
    ExecutorError
        When the Dask scheduler cannot be reached or ``workers`` is negative.
    """
    if scheduler:
        from distributed import Client

        try:
            # the connect timeout is Dask's own setting (distributed.comm.timeouts.connect)
            client = Client(scheduler, set_as_default=False)
        except (OSError, TimeoutError) as exc:
            raise ExecutorError(f"no Dask scheduler answers at {scheduler} ({exc})") from None
        try:
            slots = max(1, sum(client.nthreads().values()))
            # pure=False: every variant is a new task, never deduplicated by hashing its data
            yield client.get_executor(pure=False), slots
        finally:
            client.close()
        return
    if workers is not None and workers < 0:
        raise ExecutorError(f"--workers must be 0 or more, not {workers}")
    if workers == 0:
        yield InlineExecutor(), 1
        return
    count = workers or os.cpu_count() or 1
    pool = cf.ProcessPoolExecutor(
        count, mp_context=multiprocessing.get_context("spawn"), initializer=_ignore_interrupts
    )
    try:
        yield pool, count
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def _ignore_interrupts() -> None:
    """Workers leave Ctrl-C to the main process, which stops submitting, cancels what is
    queued and lets the running variants finish (a worker killed mid-run would break
    the pool and lose its neighbours' results too)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


def run_tasks(
    tasks: Iterable[Task],
    total: int,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    on_record: Callable[[RunRecord], None] | None = None,
    progress: bool = False,
    label: str = "runs",
) -> list[RunRecord]:
    """Evaluate ``tasks`` and return their records in completion order.

    Parameters
    ----------
    tasks
        The variants (an iterator is consumed lazily).
    total
        How many there are, for the progress bar.
    workers, scheduler
        See :func:`open_executor`.
    on_record
        Called in this process with each record as it finishes (e.g. to store it).
    progress
        Show a progress bar on stderr.
    """
    records: list[RunRecord] = []
    bar = _progress(progress)
    failed = 0
    with bar, open_executor(workers, scheduler) as (executor, slots):
        job = bar.add_task(label, total=total, failed=0)
        pending: dict[cf.Future, Task] = {}
        queue = iter(tasks)
        window = 2 * slots  # keeps every worker busy without queueing the whole design

        def top_up() -> None:
            while len(pending) < window:
                task = next(queue, None)
                if task is None:
                    return
                pending[executor.submit(evaluate, task)] = task

        watch = _Watch(executor)
        try:
            top_up()
            while pending:
                finished, _ = cf.wait(pending, timeout=WATCH_SECONDS, return_when=FIRST)
                if not finished:
                    watch.check()  # raises when every worker has been gone too long
                    continue
                for future in finished:
                    task = pending.pop(future)
                    record = _record(future, task)
                    if record.status != "optimal":
                        failed += 1
                    if on_record is not None and not record.error.startswith("worker lost"):
                        on_record(record)
                    records.append(record)
                    bar.update(job, advance=1, failed=failed)
                top_up()
        except BaseException:
            for future in pending:
                future.cancel()
            raise
    return records


FIRST = cf.FIRST_COMPLETED
#: how often a wait with nothing finished asks whether the cluster still has workers
WATCH_SECONDS = 5.0
#: how long a cluster may have no worker before the sweep stops (an adaptive cluster
#: may be scaling up; a cluster whose workers all died never comes back by itself)
NO_WORKER_GRACE = 60.0


class _Watch:
    """Notices a Dask cluster left with no worker, where queued runs would wait forever.

    Local process pools need no watch: a dead process breaks the pool and its futures
    fail at once.
    """

    def __init__(self, executor: cf.Executor) -> None:
        self.client = getattr(executor, "_client", None)  # distributed's ClientExecutor
        self.since: float | None = None

    def check(self) -> None:
        if self.client is None:
            return
        try:
            workers = len(self.client.scheduler_info().get("workers", {}))
        except Exception:  # the scheduler itself is gone: the same for this sweep
            workers = 0
        if workers:
            self.since = None
            return
        now = time.monotonic()
        self.since = self.since if self.since is not None else now
        if now - self.since >= NO_WORKER_GRACE:
            raise ExecutorError(
                f"the Dask cluster has had no worker for {NO_WORKER_GRACE:.0f} s; finished "
                "runs are stored, start workers and add --resume to continue"
            )


def _record(future: cf.Future, task: Task) -> RunRecord:
    """The task's record, or a failed one when the worker itself was lost."""
    try:
        return future.result()
    except BaseException as exc:  # the executor's failure, not the model's
        return RunRecord(
            task.run_id, dict(task.values), "error", f"worker lost: {type(exc).__name__}: {exc}"
        )


def _progress(show: bool) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("[red]{task.fields[failed]} failed"),
        TimeElapsedColumn(),
        TextColumn("left"),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        disable=not show,
        transient=False,
    )
