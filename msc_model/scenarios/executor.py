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
with its error.

Workers may die under a sweep (``kill -9``, the out-of-memory killer). A dead local
process breaks the whole ``ProcessPoolExecutor`` (every queued future fails with
``BrokenProcessPool``), so the pool is recreated and the runs it held run again, one at a
time: a run whose worker dies again while it runs alone is the cause, and is recorded as
failed with it (stored, so ``--resume`` does not feed it to a third worker), while its
neighbours finish. Two pools in a row that die before any run ever finished are not a crash
but a start-up failure, usually a script calling :func:`msc_model.sweep` without the
``if __name__ == "__main__":`` guard (``spawn`` re-runs the script's top level in every
worker): that ends with an :class:`ExecutorError` saying what to add. On Dask the
scheduler reschedules a dead worker's tasks itself; when no worker is left the sweep warns
and, after ``MSC_NO_WORKERS_TIMEOUT`` seconds (default 120) still without one, stops with
an :class:`ExecutorError` (finished runs are stored; ``--resume`` continues).
"""

from __future__ import annotations

import concurrent.futures as cf
import multiprocessing
import os
import signal
import sys
import time
from collections import deque
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

#: how often a sweep that waits on Dask checks that the cluster still has a worker, s
POLL_SECONDS = 5.0
#: environment variable: how long a Dask sweep waits without any live worker, s
NO_WORKERS_TIMEOUT = "MSC_NO_WORKERS_TIMEOUT"
GUARD_HINT = (
    "worker processes died before finishing any run, twice. If a script calls "
    "msc_model.sweep(), compare() or pareto(), put the call under "
    'if __name__ == "__main__": (workers start with spawn, which re-runs the '
    "script's top-level code in each of them), or pass workers=0"
)


class ExecutorError(MscError, RuntimeError):
    """The runs could not be started or continued (no cluster at the address, no live
    worker left, worker processes that cannot start, bad worker count)."""

    exit_code = 4


class InlineExecutor(cf.Executor):
    """Runs each task when it is submitted, in this process (``workers=0``)."""

    def submit(self, fn, /, *args, **kwargs) -> cf.Future:
        future: cf.Future = cf.Future()
        try:
            future.set_result(fn(*args, **kwargs))
        except (KeyboardInterrupt, SystemExit):
            raise  # Ctrl-C stops the sweep; it is not a run's failure
        except BaseException as exc:  # delivered through the future, as a pool would
            future.set_exception(exc)
        return future


class Pool:
    """The executor of a sweep and what it takes to keep one working.

    ``executor`` may change: :meth:`renew` replaces a broken local process pool.
    """

    def __init__(self, executor: cf.Executor, slots: int, *, renewable: bool = False) -> None:
        self.executor = executor
        self.slots = slots
        self.renewable = renewable  # a local process pool, recreated when a worker dies
        self.client = None  # a Dask client, watched for live workers
        self.address = ""

    def renew(self) -> None:
        """A fresh local process pool in place of the broken one."""
        self.executor.shutdown(wait=True, cancel_futures=True)
        self.executor = _process_pool(self.slots)

    def live_workers(self) -> int | None:
        """Workers the Dask scheduler knows now (None: not a Dask pool)."""
        if self.client is None:
            return None
        try:
            return len(self.client.nthreads())
        except (OSError, TimeoutError):  # the scheduler itself is gone
            return 0


@contextmanager
def open_executor(workers: int | None = None, scheduler: str | None = None) -> Iterator[Pool]:
    """The executor of a sweep and how many runs it evaluates at once.

    Raises
    ------
    ExecutorError
        When the Dask scheduler cannot be reached, ``workers`` is negative, or this is a
        worker process re-running a script's top level (see the module docstring).
    """
    if _bootstrapping():
        raise ExecutorError(
            "this worker process is re-running the top level of the script that started "
            'the sweep: put the call under if __name__ == "__main__":'
        )
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
            pool = Pool(client.get_executor(pure=False), slots)
            pool.client, pool.address = client, scheduler
            yield pool
        finally:
            client.close()
        return
    if workers is not None and workers < 0:
        raise ExecutorError(f"--workers must be 0 or more, not {workers}")
    if workers == 0:
        yield Pool(InlineExecutor(), 1)
        return
    count = workers or os.cpu_count() or 1
    pool = Pool(_process_pool(count), count, renewable=True)
    try:
        yield pool
    finally:
        pool.executor.shutdown(wait=True, cancel_futures=True)


def _process_pool(count: int) -> cf.ProcessPoolExecutor:
    return cf.ProcessPoolExecutor(
        count, mp_context=multiprocessing.get_context("spawn"), initializer=_ignore_interrupts
    )


def _bootstrapping() -> bool:
    """True in a spawned child that is still importing the parent's main script: a sweep
    started there is the unguarded script calling itself again."""
    return bool(getattr(multiprocessing.current_process(), "_inheriting", False))


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
    function: Callable[[Task], RunRecord] = evaluate,
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
    function
        What a worker does with a task (a module-level function, so that it pickles).

    Raises
    ------
    ExecutorError
        When worker processes cannot start, or a Dask cluster stays without workers.
    """
    bar = _progress(progress)
    with bar, open_executor(workers, scheduler) as pool:
        job = bar.add_task(label, total=total, failed=0)
        sweep = _Sweep(pool, iter(tasks), function, bar.console)

        def finished(record: RunRecord) -> None:
            if on_record is not None:
                on_record(record)
            bar.update(job, advance=1, failed=sweep.failed)

        sweep.run(finished)
    return sweep.records


class _Sweep:
    """The submit-wait-recover loop of :func:`run_tasks`.

    When a worker dies, the runs it and its pool held become suspects: each runs again
    alone, so a run that kills its worker a second time is known to be the cause (and is
    recorded as failed) while its innocent neighbours simply finish.
    """

    def __init__(self, pool: Pool, queue: Iterator[Task], function, console: Console) -> None:
        self.pool, self.queue, self.function, self.console = pool, queue, function, console
        self.pending: dict[cf.Future, Task] = {}
        self.suspects: deque[Task] = deque()  # runs a dead worker took; rerun one at a time
        self.alone: str | None = None  # the suspect running alone now
        self.records: list[RunRecord] = []
        self.failed = 0
        self.broken = False  # a worker died: the local pool must be recreated
        self.breaks = 0
        self.finished_any = False
        self.no_workers_since: float | None = None

    def run(self, finished: Callable[[RunRecord], None]) -> None:
        try:
            self.top_up()
            while self.pending:
                done, _ = cf.wait(self.pending, timeout=POLL_SECONDS, return_when="FIRST_COMPLETED")
                if not done:
                    self.watch_workers()
                    continue
                self.take(done, finished)
                if self.broken:
                    # a broken pool fails everything it held at once; collect it all
                    rest, _ = cf.wait(self.pending, timeout=60)
                    self.take(rest, finished)
                    self.recover()
                self.top_up()
        except BaseException:
            for future in self.pending:
                future.cancel()
            raise

    def top_up(self) -> None:
        if self.suspects:
            if not self.pending:
                task = self.suspects.popleft()
                self.alone = task.run_id
                self.pending[self.pool.executor.submit(self.function, task)] = task
            return
        while len(self.pending) < 2 * self.pool.slots:  # every worker busy, design not queued
            task = next(self.queue, None)
            if task is None:
                return
            self.pending[self.pool.executor.submit(self.function, task)] = task

    def take(self, done: Iterable[cf.Future], finished: Callable[[RunRecord], None]) -> None:
        for future in done:
            record = self.collect(future)
            if record is not None:
                self.records.append(record)
                self.failed += record.status != "optimal"
                finished(record)

    def collect(self, future: cf.Future) -> RunRecord | None:
        """The run's record, or None when it goes back in the queue (its worker died)."""
        task = self.pending.pop(future)
        try:
            record = future.result()
        except (KeyboardInterrupt, SystemExit):
            raise
        except BaseException as exc:  # the executor's failure, not the model's
            self.broken = self.broken or self.pool.renewable
            if self.alone != task.run_id:
                self.suspects.append(task)
                return None
            self.alone = None
            return RunRecord(
                task.run_id,
                dict(task.values),
                "error",
                f"worker lost twice, the second time running this run alone: {_cause(exc)}",
            )
        if self.alone == task.run_id:
            self.alone = None
        self.finished_any = True
        return record

    def recover(self) -> None:
        """Recreate the broken local pool; whatever it still held becomes a suspect."""
        for future, task in self.pending.items():
            future.cancel()
            self.suspects.append(task)
        self.pending.clear()
        self.broken = False
        self.breaks += 1
        if self.breaks >= 2 and not self.finished_any:
            raise ExecutorError(GUARD_HINT if _main_is_a_script() else GUARD_HINT.split(". If")[0])
        if self.suspects:
            self.console.print(
                f"[yellow]warning:[/] a worker process died; its pool is recreated and "
                f"{len(self.suspects)} run(s) it held run again, one at a time",
                highlight=False,
                soft_wrap=True,
            )
        self.pool.renew()

    def watch_workers(self) -> None:
        """Warn when a Dask cluster has no worker left; give up after the timeout."""
        live = self.pool.live_workers()
        if live is None or live > 0:
            self.no_workers_since = None
            return
        now = time.monotonic()
        limit = float(os.environ.get(NO_WORKERS_TIMEOUT, "120"))
        if self.no_workers_since is None:
            self.no_workers_since = now
            self.console.print(
                f"[yellow]warning:[/] no live Dask worker at {self.pool.address}; "
                f"{len(self.pending)} run(s) wait (giving up after {limit:g} s; "
                f"set {NO_WORKERS_TIMEOUT} to change)",
                highlight=False,
                soft_wrap=True,
            )
        elif now - self.no_workers_since >= limit:
            raise ExecutorError(
                f"no live Dask worker at {self.pool.address} for {limit:g} s; "
                f"{len(self.records)} run(s) finished. Start workers "
                f"(dask worker {self.pool.address}) and run again with --resume"
            )


def _cause(exc: BaseException) -> str:
    """The exception and, for a broken pool, the exit code CPython puts in its cause."""
    text = f"{type(exc).__name__}: {exc}"
    cause = exc.__cause__
    if cause is not None and str(cause).strip(" \n'"):
        text += f" ({str(cause).strip(chr(10) + chr(39) + ' ')})"
    return text


def _main_is_a_script() -> bool:
    main = sys.modules.get("__main__")
    return getattr(main, "__file__", None) is not None


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
