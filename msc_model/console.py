"""Terminal plumbing shared by every ``msc`` command: the two consoles, the one-line error
with its exit code, and a status line that shows the running stage.

Commands wrap their work in :func:`stages`; expected errors (``MscError``) then end as one
line on stderr and their exit code, Ctrl-C as exit 130, and only bugs show a traceback.
"""

from __future__ import annotations

import errno
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
    """
    start = time.perf_counter()
    status = None if quiet or verbose else out.status("starting")

    def on_stage(name: str) -> None:
        elapsed = time.perf_counter() - start
        if status is not None:
            status.update(f"{name} … ({elapsed:.1f} s)")
        elif verbose:
            out.print(f"[dim]{elapsed:6.1f} s[/] {name}")

    try:
        if status is not None:
            status.start()
        try:
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


def done(start: float) -> None:
    out.print(f"[dim]done in {time.perf_counter() - start:.1f} s[/]")
