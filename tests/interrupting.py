"""``msc`` with a Ctrl-C delivered from inside HiGHS, for the Ctrl-C tests.

Usage: ``python interrupting.py WHEN msc-arguments...`` with WHEN ``start`` (SIGINT at
HiGHS's first log line of a solve, i.e. while ``Highs.run`` executes, before any simplex
iteration polls for interrupts), ``end`` (SIGINT just after ``Highs.run`` returns, while
msc's handler is still installed) or ``finalizer`` (SIGINT from inside an object's
``__del__`` as the model is built, where Python prints the KeyboardInterrupt as "Exception
ignored" and carries on, as when the garbage collector closes a file). Only the first
signal is sent. A real SIGINT goes
to this process; nothing of msc is replaced, so the exit code and the files left behind are
msc's own. Timing no longer depends on the machine: the signal cannot arrive before the
solve starts or after the run ends.
"""

from __future__ import annotations

import os
import signal
import sys

import highspy

from msc_model.cli import app

WHEN = sys.argv.pop(1)
_run = highspy.Highs.run
_sent: list[bool] = []
# stderr as it is now: during a solve msc captures file descriptor 2 for HiGHS's log
_stderr = os.fdopen(os.dup(2), "w")


def _interrupt() -> None:
    if not _sent:
        _sent.append(True)
        print(f"interrupting.py: SIGINT sent ({WHEN})", file=_stderr, flush=True)
        os.kill(os.getpid(), signal.SIGINT)


def _on_log(_event) -> None:
    _interrupt()


def run(self: highspy.Highs):
    if WHEN == "start" and not _sent:
        self.cbLogging.subscribe(_on_log)
    try:
        return _run(self)
    finally:
        if WHEN == "start":
            self.cbLogging.unsubscribe(_on_log)
        else:
            _interrupt()


class _Finalized:
    def __del__(self) -> None:
        _interrupt()


def _dropping_a_finalizer(build):
    def build_model(data):
        _Finalized()  # dropped at once: its __del__ runs here
        return build(data)

    return build_model


if WHEN == "finalizer":
    import msc_model.pipeline

    msc_model.pipeline.build_model = _dropping_a_finalizer(msc_model.pipeline.build_model)
else:
    highspy.Highs.run = run
app(prog_name="msc")
