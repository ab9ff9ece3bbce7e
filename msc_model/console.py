"""Terminal plumbing shared by every ``msc`` command: the two consoles, the one-line error
with its exit code, and a status line that shows the running stage.

Commands wrap their work in :func:`stages`; expected errors (``MscError``) then end as one
line on stderr and their exit code, Ctrl-C as exit 130, and only bugs show a traceback.
"""

from __future__ import annotations

import errno
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import NoReturn

import typer
from rich.console import Console

from msc_model.errors import MscError, OutputError

#: OS errors that are the machine's state, not a bug: one line, exit 2 (as OutputError)
ENVIRONMENT_ERRORS = frozenset(
    {errno.ENOSPC, errno.EDQUOT, errno.EROFS, errno.EACCES, errno.EPERM, errno.EIO}
)

out = Console()
err = Console(stderr=True)


def fail(exc: MscError) -> NoReturn:
    """Print ``exc`` as one error line (and the report a failed run still wrote) and exit."""
    report = getattr(exc, "report", None)
    if report is not None:
        note = getattr(exc, "report_note", "")
        err.print(f"report (no plan) written: {report} {note}".rstrip(), highlight=False)
    err.print(f"[bold red]error:[/] {exc}", highlight=False, markup=True, soft_wrap=True)
    raise typer.Exit(exc.exit_code)


#: said when a Ctrl-C was only noticed after the command's work had finished
LATE_INTERRUPT = (
    "interrupted: Ctrl-C arrived while Python was running a clean-up (where it cannot stop "
    "the program) and was noticed only once the work had finished; the outputs are complete"
)


@contextmanager
def stages(
    *,
    quiet: bool = False,
    verbose: bool = False,
    interrupted: str = "interrupted; no report was written",
) -> Iterator[Callable[[str], None]]:
    """Run a command's work, yielding ``on_stage(name)`` for the work to call.

    A status line shows the stage and the elapsed time (none when ``quiet``; with
    ``verbose`` the stages are printed as lines, so they interleave with the solver's log).

    Ctrl-C is remembered as well as raised: Python drops an exception raised inside a
    finalizer (``Exception ignored in: <function ZipFile.__del__ …>``), so a Ctrl-C that
    lands while the garbage collector closes a file would otherwise be lost and the run
    would go on to write its report and exit 0. The next stage raises it again, and a
    command whose work ended with one pending still exits 130.
    """
    start = time.perf_counter()
    status = None if quiet or verbose else out.status("starting")
    received: list[int] = []

    def on_stage(name: str) -> None:
        if received:
            raise KeyboardInterrupt
        elapsed = time.perf_counter() - start
        if status is not None:
            status.update(f"{name} … ({elapsed:.1f} s)")
        elif verbose:
            out.print(f"[dim]{elapsed:6.1f} s[/] {name}")

    try:
        if status is not None:
            status.start()
        try:
            with _remembered(received):
                yield on_stage
        finally:
            if status is not None:
                status.stop()
    except MscError as exc:
        fail(exc)
    except OSError as exc:
        # a write outside msc's own writer (a library's temporary file on a full /tmp)
        if exc.errno not in ENVIRONMENT_ERRORS:
            raise
        where = f": {exc.filename}" if exc.filename else ""
        fail(OutputError(f"{exc.strerror or exc}{where}"))
    except KeyboardInterrupt:
        err.print(interrupted)
        raise typer.Exit(130) from None
    if received:
        err.print(LATE_INTERRUPT)
        raise typer.Exit(130)


@contextmanager
def _remembered(received: list[int]) -> Iterator[None]:
    """SIGINT raises KeyboardInterrupt as usual and is also appended to ``received``."""
    if threading.current_thread() is not threading.main_thread():
        yield  # signals are only delivered to the main thread
        return

    def handler(signum, _frame):
        received.append(signum)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGINT, handler)
    try:
        yield
    finally:  # None: the old handler was not set from Python (embedded interpreters)
        signal.signal(signal.SIGINT, previous if previous is not None else signal.SIG_DFL)


def done(start: float) -> None:
    out.print(f"[dim]done in {time.perf_counter() - start:.1f} s[/]")
