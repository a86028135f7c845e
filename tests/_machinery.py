"""Helpers of the machinery tests (interrupts, lost workers): a slow estimator
that can kill its own worker, the process tree, an unfitted check."""

import os
import signal
import sys
import threading
import time
from pathlib import Path

import cloudpickle
import numpy as np
import pytest
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from skauto.model_selection import AutoSearchCV
from skauto.neural_network import SelfTuningMLPRegressor

# the workers cannot import this module: send its classes by value
cloudpickle.register_pickle_by_value(sys.modules[__name__])


class SlowRegressor(RegressorMixin, BaseEstimator):
    """Predicts the mean after sleeping ``delay`` s in fit.

    With ``kill_flag`` set, the first fit that runs in another process than
    ``parent`` creates that file and kills its own process (SIGKILL), as the
    out-of-memory killer or a segmentation fault would.
    """

    def __init__(self, alpha=1.0, delay=0.0, kill_flag=None, parent=None):
        self.alpha = alpha
        self.delay = delay
        self.kill_flag = kill_flag
        self.parent = parent

    def fit(self, X, y):
        time.sleep(self.delay)
        if self.kill_flag and os.getpid() != self.parent:
            try:
                with open(self.kill_flag, "x"):
                    pass
            except FileExistsError:
                pass
            else:
                os.kill(os.getpid(), signal.SIGKILL)
        self.mean_ = float(np.mean(y))
        return self

    def predict(self, X):
        return np.full(len(X), self.mean_)


def _data(n=60):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 3))
    return X, X @ [1.0, 2.0, 3.0] + rng.normal(size=n)


def _descendants():
    """Live descendant processes of this one, except resource trackers.

    loky and multiprocessing each start one resource tracker per parent
    process, kept (by design) until the parent exits: not a worker, and not
    left behind by a search.
    """
    return {pid for pid in _all_descendants() if "resource_tracker" not in _cmd(pid)}


def _cmd(pid):
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
    except OSError:
        return ""


def _all_descendants():
    parents = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z":  # a zombie has exited; its parent reaps it
            parents[int(stat.parent.name)] = int(fields[1])
    found, frontier = set(), {os.getpid()}
    while frontier:
        frontier = {pid for pid, ppid in parents.items() if ppid in frontier}
        found |= frontier
    return found


def assert_no_new_processes(before, grace=10.0):
    """Every process started since ``before`` ends within ``grace`` seconds."""
    deadline = time.monotonic() + grace
    while (new := _descendants() - before) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not new, f"processes left behind: {[(p, _cmd(p)[:80]) for p in new]}"


def assert_unfitted(est):
    with pytest.raises(NotFittedError):
        check_is_fitted(est)
    public = [k for k in vars(est) if k.endswith("_") and not k.startswith("_")]
    assert public == []


def interrupt_after(seconds):
    """SIGINT to this process after ``seconds``, as Ctrl-C would send it."""
    timer = threading.Timer(seconds, os.kill, (os.getpid(), signal.SIGINT))
    timer.start()
    return timer


# -------------------------------------------------------- KeyboardInterrupt
def _slow_search(**kwargs):
    return AutoSearchCV(
        SlowRegressor(delay=0.05),
        {"alpha": list(np.linspace(0.1, 1.0, 12))},
        resource="n_samples",
        cv=2,
        random_state=0,
        **kwargs,
    )


def _slow_self_tuner():
    return SelfTuningMLPRegressor(n_candidates=81, max_epochs=200, random_state=0)
