"""A hang is a failure: a time limit for the fault tests (no pytest-timeout)."""

import faulthandler
import signal
import sys
from contextlib import contextmanager


class Hang(Exception):
    """The block ran longer than its time limit."""


@contextmanager
def time_limit(seconds):
    """Raise ``Hang`` in the main thread after ``seconds``.

    SIGALRM interrupts Python code and lock waits (joblib, dask); a hang
    inside C code that never returns to Python is caught by faulthandler,
    which dumps every thread's stack and ends the run after twice the limit.
    """

    def on_alarm(signum, frame):
        raise Hang(f"still running after {seconds} s: a hang")

    previous = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    faulthandler.dump_traceback_later(2 * seconds, exit=True, file=sys.stderr)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        faulthandler.cancel_dump_traceback_later()
