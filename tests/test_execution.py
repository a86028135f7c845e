"""The cross-validation executor: how candidates advance, and the worker."""

import warnings

import numpy as np
import pytest
from scipy.stats import uniform
from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin
from sklearn.compose import TransformedTargetRegressor
from sklearn.datasets import make_regression
from sklearn.ensemble import (
    HistGradientBoostingRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import (
    LogisticRegression,
    Ridge,
    SGDClassifier,
    SGDRegressor,
)
from sklearn.metrics import check_scoring
from sklearn.model_selection import KFold
from sklearn.naive_bayes import MultinomialNB
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from sklearn.utils.parallel import Parallel
from threadpoolctl import threadpool_limits

from skauto import _execution
from skauto._advance import Advance, auto_resource, choose_advance
from skauto._compat import _get_threadpool_controller
from skauto._execution import Evaluator, min_valid_size, subsample_orders
from skauto._schedule import Hyperband, SuccessiveHalving
from skauto._worker import fit_and_score
from skauto.model_selection import AutoSearchCV


@pytest.mark.parametrize(
    "estimator, expected",
    [
        (MLPRegressor(), "max_iter"),
        (SGDClassifier(), "max_iter"),
        (HistGradientBoostingRegressor(), "max_iter"),
        (RandomForestClassifier(), "n_estimators"),
        (Ridge(), "n_samples"),
        (make_pipeline(StandardScaler(), MLPClassifier()), "mlpclassifier__max_iter"),
        (make_pipeline(make_pipeline(Ridge())), "n_samples"),
        (LogisticRegression(), "n_samples"),
    ],
)
def test_auto_resource(estimator, expected):
    assert auto_resource(estimator) == expected


@pytest.mark.parametrize(
    "estimator, searched, expected",
    [
        (RandomForestClassifier(), ["n_estimators", "max_depth"], "n_samples"),
        (HistGradientBoostingRegressor(), ["max_iter"], "n_samples"),
        (make_pipeline(StandardScaler(), SGDClassifier()), ["sgdclassifier"],
         "n_samples"),
        (make_pipeline(StandardScaler(), SGDClassifier()), ["steps"], "n_samples"),
        (make_pipeline(StandardScaler(), SGDClassifier()), ["sgdclassifier__alpha"],
         "sgdclassifier__max_iter"),
    ],
)  # fmt: skip
def test_auto_resource_skips_searched_names(estimator, searched, expected):
    assert auto_resource(estimator, searched) == expected


@pytest.mark.parametrize(
    "estimator, resource, mode, cumulative",
    [
        (Ridge(), "n_samples", "subsample", True),
        (RandomForestClassifier(), "n_estimators", "warm_start", True),
        (HistGradientBoostingRegressor(), "max_iter", "warm_start", True),
        (MLPRegressor(), "max_iter", "warm_start", False),
        (SGDClassifier(tol=None), "max_iter", "partial_fit", False),
        # fit stops early, partial_fit would not: warm start keeps the rule
        (SGDClassifier(), "max_iter", "warm_start", False),
        (SGDClassifier(tol=None, early_stopping=True), "max_iter", "warm_start", False),
        (LogisticRegression(), "max_iter", "warm_start", False),
        (MultinomialNB(), "alpha", "partial_fit", True),
        (Ridge(), "max_iter", "refit", True),
        (
            make_pipeline(StandardScaler(), MLPRegressor()),
            "mlpregressor__max_iter",
            "warm_start",
            False,
        ),
        (
            make_pipeline(StandardScaler(), make_pipeline(SGDRegressor(tol=None))),
            "pipeline__sgdregressor__max_iter",
            "partial_fit",
            False,
        ),
        # TransformedTargetRegressor clones its regressor in fit: no warm start
        (
            TransformedTargetRegressor(MLPRegressor()),
            "regressor__max_iter",
            "refit",
            True,
        ),
    ],
)
def test_choose_advance(estimator, resource, mode, cumulative):
    advance = choose_advance(estimator, resource)
    assert (advance.mode, advance.cumulative) == (mode, cumulative)
    if mode == "warm_start":
        assert advance.warm_start in estimator.get_params()


def test_pipeline_with_fit_params_continues_by_warm_start():
    # only Pipeline.fit routes fit parameters: partial_fit on the last step
    # would not get them
    pipe = make_pipeline(StandardScaler(), SGDRegressor(tol=None))
    resource = "sgdregressor__max_iter"
    assert choose_advance(pipe, resource, {}).mode == "partial_fit"
    weights = {"sgdregressor__sample_weight": np.ones(3)}
    assert choose_advance(pipe, resource, weights).mode == "warm_start"
    # a bare estimator takes them in partial_fit itself
    bare = choose_advance(SGDRegressor(tol=None), "max_iter", {"sample_weight": 1})
    assert bare.mode == "partial_fit"


def test_resource_the_estimator_lacks():
    with pytest.raises(ValueError, match="resource='n_estimators' is not a parameter"):
        choose_advance(Ridge(), "n_estimators")


@pytest.mark.parametrize(
    "advance, previous, expected",
    [
        (Advance("n_estimators", "warm_start"), 3, ({"n_estimators": 9}, 0)),
        (Advance("max_iter", "warm_start", False, "warm_start"), 3,
         ({"max_iter": 6}, 0)),
        (Advance("max_iter", "partial_fit"), 3, ({}, 6)),
        (Advance("max_iter", "partial_fit"), 0, ({"max_iter": 9}, 0)),  # fresh fit
        (Advance("max_iter", "refit"), 3, ({"max_iter": 9}, 0)),
        (Advance("n_samples", "subsample"), 3, ({}, 0)),
    ],
)  # fmt: skip
def test_advance_update(advance, previous, expected):
    assert advance.update(previous, 9) == expected


def test_subsample_orders_are_stratified_prefixes():
    rng = np.random.default_rng(0)
    labels = np.array([0] * 90 + [1] * 9 + [2] * 3)
    splits = [(np.arange(102), np.arange(0))]
    (order,) = subsample_orders(splits, labels, rng)
    assert sorted(order) == list(range(102))
    first = {c: int(np.flatnonzero(labels[order] == c)[0]) for c in range(3)}
    assert first[2] < 102 / 3 and first[1] < 102 / 9
    assert min_valid_size([order], labels) == max(first.values()) + 1
    counts = np.bincount(labels[order[:34]], minlength=3)
    assert abs(counts[0] - 30) <= 1 and abs(counts[1] - 3) <= 1 and counts[2] == 1


def test_fit_and_score_reports_failures():
    X, y = np.ones((10, 2)), np.arange(10.0)
    X[3, 0] = np.nan
    kwargs = dict(
        params={}, train=np.arange(8), test=np.arange(8, 10), n_partial_fit=0,
        classes=None,
        fit_params={}, scorer=check_scoring(Ridge()), score_params={},
        return_train_score=False, keep_model=True, quiet=True,
    )  # fmt: skip
    out = fit_and_score(Ridge(), X, y, error_score=np.nan, **kwargs)
    assert "Input X contains NaN" in out["error"]
    assert out["test_scores"] is None and out["model"] is None
    with pytest.raises(ValueError, match="NaN"):
        fit_and_score(Ridge(), X, y, error_score="raise", **kwargs)


# Estimators that count their own iterations, to prove that the work done
# equals the schedule. The score is `quality + n_done_ / 1000`: it exposes
# how many iterations the fitted fold model holds.
WORK = []


class _Counting(RegressorMixin, BaseEstimator):
    def predict(self, X):
        return np.zeros(len(X))

    def score(self, X, y, sample_weight=None):
        return self.quality + self.n_done_ / 1000

    def _run(self, n_iter, continued):
        WORK.append(n_iter)
        self.n_done_ = (self.n_done_ if continued else 0) + n_iter
        return self


class CumulativeCounter(_Counting):
    """Like an ensemble: warm start grows the model to n_estimators in total."""

    def __init__(self, quality=0.0, n_estimators=10, warm_start=False):
        self.quality = quality
        self.n_estimators = n_estimators
        self.warm_start = warm_start

    def fit(self, X, y):
        done = getattr(self, "n_done_", 0) if self.warm_start else 0
        return self._run(self.n_estimators - done, continued=done > 0)


class PerCallCounter(_Counting):
    """Like MLP/SGD: each fit runs max_iter more iterations under warm start."""

    def __init__(self, quality=0.0, max_iter=10, warm_start=False):
        self.quality = quality
        self.max_iter = max_iter
        self.warm_start = warm_start

    def fit(self, X, y):
        continued = self.warm_start and hasattr(self, "n_done_")
        return self._run(self.max_iter, continued)


class PartialFitCounter(_Counting):
    """No warm_start; partial_fit runs one iteration."""

    def __init__(self, quality=0.0, max_iter=10):
        self.quality = quality
        self.max_iter = max_iter

    def fit(self, X, y):
        return self._run(self.max_iter, continued=False)

    def partial_fit(self, X, y):
        return self._run(1, continued=hasattr(self, "n_done_"))


@pytest.mark.parametrize(
    "estimator, resource",
    [
        (CumulativeCounter(), "n_estimators"),
        (PerCallCounter(), "max_iter"),
        (PartialFitCounter(), "max_iter"),
    ],
)
@pytest.mark.parametrize("n_brackets", [1, "auto"])
def test_work_done_equals_schedule(estimator, resource, n_brackets):
    X, y = np.zeros((30, 1)), np.zeros(30)
    search = AutoSearchCV(
        estimator, {"quality": uniform(0, 1)}, resource=resource,
        min_resources=2, max_resources=18, cv=3, n_brackets=n_brackets,
        random_state=0,
    )  # fmt: skip
    WORK.clear()
    search.fit(X, y)
    results = search.cv_results_
    refit_work = WORK.pop()  # the refit of the best candidate, from scratch
    assert refit_work == 18
    # every fold model holds exactly the rung's budget...
    n_done = np.round(
        (results["split0_test_score"] - results["param_quality"].astype(float)) * 1000
    )
    np.testing.assert_array_equal(n_done, results["n_resources"])
    # ...and was continued: each candidate cost its final budget, once per fold
    final = {}
    for c, r in zip(results["candidate"], results["n_resources"], strict=True):
        final[c] = max(final.get(c, 0), r)
    assert sum(WORK) == 3 * sum(final.values())
    assert search.n_resources_[-1] == 18 and search.best_estimator_.n_done_ == 18
    # the rungs that ran are the schedule's plan
    if n_brackets == 1:
        schedule = SuccessiveHalving(9, 2, 18, 3)
    else:
        schedule = Hyperband(2, 18, 3)
    plan = [(r.n_candidates, r.n_resources) for r in schedule.plan()]
    assert plan == list(zip(search.n_candidates_, search.n_resources_, strict=True))


def _evaluator(estimator, resource, candidates, max_resources, parallel):
    X, y = make_regression(n_samples=60, n_features=3, random_state=0)
    splits = list(KFold(3).split(X))
    task_kwargs = dict(
        X=X, y=y, classes=None, fit_params={}, scorer=check_scoring(estimator),
        score_params={}, return_train_score=False, error_score=np.nan,
    )  # fmt: skip
    return Evaluator(
        estimator, candidates, [{}], choose_advance(estimator, resource), splits, None,
        max_resources, parallel, task_kwargs, promote_on=lambda metrics: "score",
    )  # fmt: skip


@pytest.mark.parametrize(
    "estimator, resource, fitted_budget",
    [
        (RandomForestRegressor(random_state=0, max_depth=2), "n_estimators",
         lambda model: len(model.estimators_)),
        (MLPRegressor(hidden_layer_sizes=(3,), tol=0, n_iter_no_change=1000,
                      random_state=0), "max_iter",
         lambda model: len(model.loss_curve_)),  # n_iter_ counts per call
        # the learning-rate clock t_ counts samples seen (40 per epoch): it
        # runs on under partial_fit, through a pipeline too (a warm_start fit
        # would reset it and hold the increment only)
        (SGDRegressor(tol=None, random_state=0), "max_iter",
         lambda model: (model.t_ - 1) / 40),
        (make_pipeline(StandardScaler(), SGDRegressor(tol=None, random_state=0)),
         "sgdregressor__max_iter", lambda model: (model[-1].t_ - 1) / 40),
    ],
)  # fmt: skip
def test_survivors_continue_and_only_their_models_are_kept(
    estimator, resource, fitted_budget
):
    schedule = SuccessiveHalving(9, 1, 9, 3)
    candidates = [{} for _ in range(9)]
    with Parallel(n_jobs=1) as parallel:
        evaluator = _evaluator(estimator, resource, candidates, 9, parallel)
        while jobs := schedule.ask():
            budget = jobs[0].n_resources
            for job in jobs:
                for fold in range(3):
                    model, previous = evaluator.models.get(
                        (job.candidate, fold), (None, 0)
                    )
                    assert previous == (0 if model is None else budget // 3)
                    if model is not None:  # the kept model holds its budget
                        assert fitted_budget(model) == previous
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                schedule.tell(evaluator.evaluate(jobs))
            evaluator.prune(set(schedule.alive))
            assert {c for c, _ in evaluator.models} == set(schedule.alive)
    assert evaluator.models == {}  # nothing kept after the last rung
    assert [len(outs) for _, outs in evaluator.outputs] == [3] * 13


class PartialFitClassifier(ClassifierMixin, BaseEstimator):
    """Needs ``classes`` at its first partial_fit, like SGDClassifier."""

    def __init__(self, max_iter=5, bias=0.0):
        self.max_iter = max_iter
        self.bias = bias

    def partial_fit(self, X, y, classes=None):
        if not hasattr(self, "classes_"):
            assert classes is not None, "classes must be given at the first call"
            self.classes_ = np.asarray(classes)
        return self

    def fit(self, X, y):
        return self.partial_fit(X, y, classes=np.unique(y))

    def predict(self, X):
        return np.full(len(X), self.classes_[0])


def test_partial_fit_classifier_gets_all_classes():
    X, y = np.zeros((60, 1)), np.repeat([0, 1, 2], 20)
    search = AutoSearchCV(
        PartialFitClassifier(), {"bias": [0.0, 1.0, 2.0]}, resource="max_iter",
        max_resources=9, cv=3,
    ).fit(X, y)  # fmt: skip
    assert (search.cv_results_["status"] == "ok").all()
    assert list(search.classes_) == [0, 1, 2]


class OverfittingCounter(PerCallCounter):
    """Its score falls as it trains on (from the second iteration on)."""

    def score(self, X, y, sample_weight=None):
        return self.quality - (self.n_done_ > 1) * self.n_done_ / 1000


@pytest.mark.parametrize("early_stopping", [True, False])
def test_early_stopping_ends_the_climb_of_a_falling_candidate(early_stopping):
    X, y = np.zeros((30, 1)), np.zeros(30)
    search = AutoSearchCV(
        OverfittingCounter(), {"quality": [0.1, 0.2, 0.3]}, resource="max_iter",
        min_resources=1, max_resources=27, cv=3, early_stopping=early_stopping,
    ).fit(X, y)  # fmt: skip
    if early_stopping:
        # 3 candidates at 1 iteration, the best goes on to 3 and falls: stop
        assert search.n_resources_ == [1, 3] and search.n_candidates_ == [3, 1]
    else:  # a grid smaller than the plan: the winner climbs every rung alone
        assert search.n_resources_ == [1, 3, 9, 27]
        assert search.n_candidates_ == [3, 1, 1, 1]
    # the best row is the one before the fall, and the refit reproduces it
    assert search.best_params_ == {"quality": 0.3, "max_iter": 1}
    assert search.best_estimator_.n_done_ == 1


@pytest.mark.parametrize("n_brackets", [1, "auto"])
def test_no_candidate_goes_on_after_its_score_fell(n_brackets):
    X, y = np.zeros((30, 1)), np.zeros(30)
    search = AutoSearchCV(
        OverfittingCounter(), {"quality": uniform(0, 1)}, resource="max_iter",
        min_resources=1, max_resources=27, cv=3, n_brackets=n_brackets,
        random_state=0,
    ).fit(X, y)  # fmt: skip
    results = search.cv_results_
    for candidate in set(results["candidate"]):
        rows = np.flatnonzero(results["candidate"] == candidate)
        scores = results["mean_test_score"][rows[np.argsort(results["iter"][rows])]]
        # a fall can only be a candidate's last row
        assert (np.diff(scores)[:-1] >= 0).all()
    if n_brackets == "auto":  # the conservative bracket starts at 27 and ends
        assert set(results["n_resources"][results["bracket"] == 3]) == {27}


class SlowToConverge(OverfittingCounter):
    """Warns like an iterative estimator stopped before 27 iterations."""

    def fit(self, X, y):
        if self.max_iter < 27:
            warnings.warn("not converged", ConvergenceWarning, stacklevel=2)
        return super().fit(X, y)


def test_refit_at_a_chosen_small_budget_is_quiet():
    X, y = np.zeros((30, 1)), np.zeros(30)
    search = AutoSearchCV(
        SlowToConverge(), {"quality": [0.1, 0.2]}, resource="max_iter",
        min_resources=1, max_resources=27, cv=3,
    )  # fmt: skip
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        search.fit(X, y)
    assert search.best_params_["max_iter"] == 1


class _ThreadsSeen(RegressorMixin, BaseEstimator):
    """Records the thread count of each pool (blas, openmp) its fit runs with."""

    def fit(self, X, y):
        self.threads_ = _threads()
        return self

    def predict(self, X):
        return np.zeros(len(X))


def _threads():
    # the pools of scikit-learn's cached controller, which the limit acts on
    # (a library loaded after it was built, torch's OpenMP say, is not seen)
    threads = {}
    for pool in _get_threadpool_controller().info():
        api = pool["user_api"]
        threads[api] = max(threads.get(api, 1), pool["num_threads"])
    return threads


@pytest.mark.parametrize("small", [True, False])
def test_search_fits_small_data_on_one_thread(monkeypatch, small):
    if not small:  # any data counts as large
        monkeypatch.setattr(_execution, "_ONE_THREAD_BELOW", 0)
    X, y = make_regression(n_samples=40, n_features=3, random_state=0)
    with threadpool_limits(limits=2):
        outside = _threads()
        search = AutoSearchCV(_ThreadsSeen(), {}, cv=2).fit(X, y)
    assert outside, "no BLAS nor OpenMP library loaded"
    expected = {api: 1 for api in outside} if small else outside
    assert search.best_estimator_.threads_ == expected


@pytest.mark.parametrize("kind", ["numpy", "list", "pairwise"])
def test_fit_and_score_splits_like_safe_split(kind):
    X, y = make_regression(n_samples=12, n_features=12, random_state=0)
    y = (y > 0).astype(int)
    estimator = SVC(kernel="precomputed" if kind == "pairwise" else "linear")
    if kind == "pairwise":
        X = X @ X.T
    train, test = np.arange(8), np.arange(8, 12)
    data = (X.tolist(), y.tolist()) if kind == "list" else (X, y)
    out = fit_and_score(
        estimator, *data, params={}, train=train, test=test, n_partial_fit=0,
        classes=None, fit_params={}, scorer=check_scoring(estimator),
        score_params={}, return_train_score=False, error_score="raise",
        keep_model=True, quiet=True,
    )  # fmt: skip
    expected = SVC(kernel=estimator.kernel)
    X_train = X[np.ix_(train, train)] if kind == "pairwise" else X[train]
    X_test = X[np.ix_(test, train)] if kind == "pairwise" else X[test]
    expected.fit(X_train, y[train])
    assert out["test_scores"]["score"] == expected.score(X_test, y[test])
    assert out["model"].shape_fit_ == expected.shape_fit_
