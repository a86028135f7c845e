"""KeyboardInterrupt stops a fit promptly and leaves the estimator unfitted,
not half fitted, with no worker process left behind (issue 12)."""

import signal
import time

import pytest
from _machinery import (
    _data,
    _descendants,
    _slow_search,
    _slow_self_tuner,
    assert_no_new_processes,
    assert_unfitted,
    interrupt_after,
)
from _timeout import time_limit

pytestmark = pytest.mark.filterwarnings("ignore")


@pytest.fixture(autouse=True)
def default_sigint():
    """Python's own SIGINT handler, as a user's process has it. Without this,
    the 6 tests passed alone but failed in the whole suite ("DID NOT RAISE",
    scikit-learn 1.6.0 and 1.9.1); with it they pass there too. The cause is
    not known: the handler found at the end of every test was the default."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


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
