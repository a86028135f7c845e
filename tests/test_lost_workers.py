"""A search whose worker process dies (loky, dask) finishes (the engine
retries) or raises a clear error, never hangs, and leaves no orphan process
(issue 12)."""

import os
import signal
import threading
import time

import numpy as np
import pytest
from _machinery import (
    SlowRegressor,
    _data,
    _descendants,
    _slow_search,
    assert_no_new_processes,
    assert_unfitted,
)
from _timeout import time_limit
from joblib import parallel_config

pytestmark = pytest.mark.filterwarnings("ignore")


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
            cause = exc.__cause__  # joblib < 1.4: TypeError naming the error
            assert isinstance(cause, FutureCancelledError) or (
                isinstance(cause, TypeError) and "CancelledError" in str(cause)
            ), repr(cause)
            assert "cancelled" in str(cause).lower()
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
