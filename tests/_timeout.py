"""A hang is a failure, and so is a memory blow-up: a time limit and an
address-space cap for the fault tests (no pytest-timeout)."""

import faulthandler
import resource
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


def _address_space():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmSize:"):
                return int(line.split()[1]) * 1024
    raise OSError("no VmSize in /proc/self/status")


@contextmanager
def memory_limit(gib):
    """Let the block allocate at most ``gib`` GiB more address space.

    Past it an allocation raises MemoryError instead of swapping or waking the
    out-of-memory killer. The soft limit of RLIMIT_AS is lowered for this
    process and restored on exit.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    cap = _address_space() + int(gib * 2**30)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))
