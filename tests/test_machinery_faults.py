"""Faults of the machinery (issue 12): lost workers and KeyboardInterrupt.

A search whose worker process dies finishes (the engine retries) or raises a
clear error, never hangs, and leaves no orphan process; KeyboardInterrupt
stops a fit promptly and leaves the estimator unfitted, not half fitted.
"""

import os
import signal
import sys
import threading
import time
from pathlib import Path

import cloudpickle
import numpy as np
import pytest
from _timeout import time_limit
from joblib import parallel_config
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.exceptions import NotFittedError
from sklearn.utils.validation import check_is_fitted

from skauto.model_selection import AutoSearchCV
from skauto.neural_network import SelfTuningMLPRegressor

# the workers cannot import this test module: send its classes by value
cloudpickle.register_pickle_by_value(sys.modules[__name__])

pytestmark = pytest.mark.filterwarnings("ignore")


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


@pytest.mark.parametrize(
    "make, n_jobs",
    [
        (_slow_self_tuner, None),
        (_slow_search, 1),
        (_slow_search, 2),  # loky workers busy while the parent waits
    ],
    ids=["SelfTuningMLPRegressor", "AutoSearchCV-sequential", "AutoSearchCV-loky"],
)
@pytest.mark.parametrize("fitted_before", [False, True])
def test_keyboard_interrupt_stops_promptly_and_unfits(make, n_jobs, fitted_before):
    X, y = _data(2000 if make is _slow_self_tuner else 60)
    est = make()
    if fitted_before:  # an interrupted refit must not leave the old fit behind
        quick = {"max_epochs": 1, "n_candidates": 2}
        est.set_params(**quick if make is _slow_self_tuner else {}).fit(X, y)
        est.set_params(**make().get_params())
    if n_jobs is not None:
        est.set_params(n_jobs=n_jobs)
    before = _descendants()
    timer = interrupt_after(0.5)
    start = time.monotonic()
    try:
        with time_limit(30), pytest.raises(KeyboardInterrupt):
            est.fit(X, y)
    finally:
        timer.cancel()
    assert time.monotonic() - start < 0.5 + 5.0  # stops promptly
    assert_unfitted(est)
    if n_jobs == 2:
        assert_no_new_processes(before)


# ------------------------------------------------------- lost loky worker
def test_loky_worker_killed_is_a_clear_error(tmp_path):
    from joblib.externals.loky.process_executor import TerminatedWorkerError

    X, y = _data()
    search = _slow_search(n_jobs=2).set_params(
        estimator=SlowRegressor(
            delay=0.05, kill_flag=str(tmp_path / "killed"), parent=os.getpid()
        )
    )
    before = _descendants()
    with time_limit(60):
        with pytest.raises(TerminatedWorkerError, match="unexpectedly terminated"):
            search.fit(X, y)
    assert (tmp_path / "killed").exists()
    assert_unfitted(search)
    assert_no_new_processes(before)  # loky killed the other worker too


# ------------------------------------------------------- lost dask worker
def _fit_losing_a_worker(client, search, X, y, **config):
    """Fit on the cluster's 2 worker processes; SIGKILL one 0.3 s in."""
    victim = next(iter(client.run(os.getpid).values()))
    timer = threading.Timer(0.3, os.kill, (victim, signal.SIGKILL))
    start = time.monotonic()
    timer.start()
    try:
        with parallel_config(backend="dask", **config):
            search.fit(X, y)
    finally:
        elapsed = time.monotonic() - start
        timer.cancel()
        assert elapsed > 0.3  # the worker died during the search
        assert victim not in client.run(os.getpid).values()  # it did die


@pytest.mark.dask
def test_dask_worker_lost():
    """One cluster (it takes seconds to start), two searches losing a worker.

    1. joblib scatters X to one worker; if that one dies, dask cannot
       recompute it: the search stops with a RuntimeError that says a worker
       was lost and to scatter the data (dask's FutureCancelledError as its
       cause), it does not hang, and the search is left unfitted. (If the
       victim held no data, its tasks are rerun and the search finishes.)
    2. With X and y scattered to every worker (``scatter=[X, y]``), nothing
       is lost: dask reruns the lost tasks and the search finishes with the
       results of a local run.
    """
    distributed = pytest.importorskip("distributed")
    from distributed import client as dask_client

    # FutureCancelledError is new in distributed 2024.8 (before: CancelledError)
    FutureCancelledError = getattr(  # noqa: N806
        dask_client, "FutureCancelledError", dask_client.CancelledError
    )

    X, y = _data()
    estimator = SlowRegressor(delay=0.05)
    local = _slow_search().set_params(estimator=estimator).fit(X, y)
    before = _descendants()
    with (
        time_limit(60),
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        search = _slow_search(n_jobs=-1).set_params(estimator=estimator)
        try:
            _fit_losing_a_worker(client, search, X, y)
        except RuntimeError as exc:
            assert "dask worker was most likely lost" in str(exc)
            assert "scatter=[X, y]" in str(exc)
            assert isinstance(exc.__cause__, FutureCancelledError)
            assert "cancelled" in str(exc.__cause__)
            assert_unfitted(search)
        else:
            assert search.best_params_ == local.best_params_
        client.wait_for_workers(2, timeout=20)  # the nanny restarted it
        search = _slow_search(n_jobs=-1).set_params(estimator=estimator)
        _fit_losing_a_worker(client, search, X, y, scatter=[X, y])
    assert search.best_params_ == local.best_params_  # its tasks were rerun
    np.testing.assert_array_equal(
        search.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )
    assert_no_new_processes(before)


def test_cancelled_dask_task_is_a_clear_error(monkeypatch):
    """The wrapping itself, without a cluster: joblib's dask backend raising
    FutureCancelledError (a lost worker held the scattered data)."""
    client = pytest.importorskip("distributed.client")
    from skauto.model_selection import _search

    # FutureCancelledError is new in distributed 2024.8 (before: CancelledError)
    cancelled = getattr(client, "FutureCancelledError", None)
    if cancelled is None:

        def cancelled(key, reason):
            return client.CancelledError(f"{key} cancelled: {reason}")

    class LosingParallel(_search.Parallel):
        def __call__(self, iterable):
            raise cancelled("fit_and_score-0", "lost dependencies")

    monkeypatch.setattr(_search, "Parallel", LosingParallel)
    search = _slow_search().set_params(estimator=SlowRegressor(delay=0))
    with pytest.raises(RuntimeError, match="(?s)lost dependencies.*worker was") as info:
        search.fit(*_data())
    assert isinstance(
        info.value.__cause__,
        getattr(
            client, "FutureCancelledError", getattr(client, "CancelledError", None)
        ),
    )
    assert "scatter=[X, y]" in str(info.value)
    assert_unfitted(search)
