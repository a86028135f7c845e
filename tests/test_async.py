"""AutoSearchCV(schedule="async"): no rung barrier, the same results' layout."""

import warnings

import numpy as np
import pytest
from joblib import parallel_config
from scipy.stats import loguniform
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.datasets import make_regression
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import Ridge, SGDRegressor

from skauto import _async
from skauto.model_selection import AutoSearchCV

X, Y = make_regression(n_samples=200, n_features=4, noise=5, random_state=0)
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


def _search(**kwargs):
    return AutoSearchCV(
        SGDRegressor(tol=None, random_state=0), {"alpha": loguniform(1e-6, 1)},
        n_candidates=27, max_resources=9, cv=3, random_state=0, **kwargs,
    )  # fmt: skip


def _rows(search):
    r = search.rung_results_
    return sorted(
        zip(r["candidate"], r["iter"], r["n_resources"], r["mean_test_score"],
            strict=True)
    )  # fmt: skip


def test_on_one_worker_the_same_fits_as_the_synchronous_schedule():
    sync = _search().fit(X, Y)
    asynchronous = _search(schedule="async").fit(X, Y)
    assert _rows(asynchronous) == _rows(sync)
    assert asynchronous.best_params_ == sync.best_params_
    assert asynchronous.n_candidates_ == sync.n_candidates_ == [27, 9, 3]
    assert sorted(asynchronous.cv_results_) == sorted(sync.cv_results_)
    assert asynchronous.score(X, Y) == sync.score(X, Y)


@pytest.mark.parametrize("backend", ["loky", "threading"])
def test_two_workers_run_the_plan_at_most(backend):
    with parallel_config(backend=backend, n_jobs=2):
        search = _search(schedule="async").fit(X, Y)
    plan = dict(((i, r) for i, (_, r) in enumerate(search.plan_)))
    ran = {}
    for it in search.rung_results_["iter"]:
        ran[it] = ran.get(it, 0) + 1
    assert all(ran[i] <= search.plan_[i][0] for i in ran) and set(ran) == set(plan)
    assert len(search.cv_results_["params"]) == 27
    assert np.isfinite(search.best_score_) and hasattr(search, "best_estimator_")


class Fragile(RegressorMixin, BaseEstimator):
    """Fails when ``fail``; else predicts the mean."""

    def __init__(self, fail=False, max_iter=9):
        self.fail = fail
        self.max_iter = max_iter

    def fit(self, X, y):
        if self.fail:
            raise RuntimeError("fragile")
        self.mean_ = float(np.mean(y))
        return self

    def predict(self, X):
        return np.full(len(X), self.mean_)


def test_failures_as_in_the_synchronous_schedule():
    grid = {"fail": [False, True]}
    kwargs = dict(resource="n_samples", cv=2, schedule="async")
    with pytest.warns(FitFailedWarning, match="2 fits failed out of a total of 4"):
        search = AutoSearchCV(Fragile(), grid, **kwargs).fit(X, Y)
    assert search.best_params_ == {"fail": False}
    with pytest.raises(ValueError, match="All the 2 fits failed"):
        AutoSearchCV(Fragile(fail=True), {"max_iter": [9]}, **kwargs).fit(X, Y)
    with pytest.raises(RuntimeError, match="fragile"):
        AutoSearchCV(Fragile(), grid, error_score="raise", **kwargs).fit(X, Y)


def test_max_time_stops_the_asynchronous_schedule():
    search = AutoSearchCV(
        Ridge(), {"alpha": loguniform(1e-3, 1e2)}, cv=3, max_time=1e-9,
        random_state=0, min_resources="smallest", schedule="async",
    )  # fmt: skip
    with pytest.warns(UserWarning, match="max_time=1e-09s reached"):
        search.fit(X, Y)
    assert search.n_candidates_ == [1]  # the first job, whatever the deadline
    assert hasattr(search, "best_estimator_")


def test_the_feed_idles_until_closed():
    feed = _async._Feed()
    tasks = iter(feed)
    idle = next(tasks)  # nothing prepared: a short sleep for the free worker
    assert idle[0].__name__ == "sleep" or "sleep" in repr(idle)
    feed.ready.append("task")
    assert next(tasks) == "task"
    feed.closed = True
    with pytest.raises(StopIteration):
        next(tasks)


def test_a_stuck_schedule_is_an_error_not_a_hang():
    class Stuck:
        done = False
        pending = {}

        def ask(self, n_jobs=1):
            return []

    evaluator = _async.AsyncEvaluator.__new__(_async.AsyncEvaluator)
    evaluator._waiting, evaluator._first, evaluator.splits = {}, True, [None]
    with pytest.raises(RuntimeError, match="no job to hand out"):
        evaluator._top_up(Stuck(), _async._Feed(), 2)


def test_callbacks_see_every_fit():
    callback = pytest.importorskip("sklearn.callback")

    class Recorder:
        def __init__(self):
            self.ended = []

        def setup(self, estimator, context):
            pass

        def teardown(self, estimator, context):
            pass

        def on_fit_task_begin(self, estimator, context):
            pass

        def on_fit_task_end(self, estimator, context):
            self.ended.append(context.task_name)

    del callback
    recorder = Recorder()
    search = _search(schedule="async").set_callbacks(recorder)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        search.fit(X, Y)
    fits = [name for name in recorder.ended if name.startswith("candidate ")]
    assert len(fits) == 3 * len(search.rung_results_["params"])
    assert recorder.ended[-3:] == ["asynchronous halving", "refit", "fit"]
