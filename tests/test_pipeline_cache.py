"""The fold memory: a pipeline's leading steps fitted once per training fold."""

import pickle

import numpy as np
import pytest
from joblib import parallel_config
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.datasets import make_classification
from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from skauto._pipeline_cache import FoldMemory, cacheable
from skauto.model_selection import AutoSearchCV


class CountingScaler(TransformerMixin, BaseEstimator):
    """StandardScaler that counts its fits (in a class attribute)."""

    n_fits = 0

    def __init__(self, random_state=0):
        self.random_state = random_state

    def fit(self, X, y=None):
        type(self).n_fits += 1
        self.mean_, self.scale_ = X.mean(axis=0), X.std(axis=0) + 1e-12
        return self

    def transform(self, X):
        return (X - self.mean_) / self.scale_


class InPlace(TransformerMixin, BaseEstimator):
    """A later step that changes its input in place."""

    def __init__(self, factor=2.0):
        self.factor = factor

    def fit(self, X, y=None):
        X *= self.factor
        return self

    def transform(self, X):
        return X * self.factor


def _results(search):
    keys = [k for k in search.cv_results_ if k.startswith(("split", "mean_test"))]
    return {k: np.asarray(search.cv_results_[k]) for k in keys}


@pytest.mark.parametrize(
    "estimator, grid",
    [
        (
            make_pipeline(StandardScaler(), LogisticRegression()),
            {"logisticregression__C": [0.01, 1.0, 100.0]},
        ),
        (  # a grid over the middle step: only the first is shared
            make_pipeline(StandardScaler(), PCA(random_state=0), LogisticRegression()),
            {"pca__n_components": [2, 4], "logisticregression__C": [0.1, 10.0]},
        ),
        (  # a step that changes its input in place does not spoil the cache
            make_pipeline(StandardScaler(), InPlace(), LogisticRegression()),
            {"inplace__factor": [2.0, 3.0]},
        ),
    ],
)
def test_results_equal_grid_search(estimator, grid):
    X, y = make_classification(n_samples=150, n_features=6, random_state=0)
    auto = AutoSearchCV(estimator, grid, cv=3).fit(X, y)
    expected = GridSearchCV(estimator, grid, cv=3).fit(X, y)
    assert auto.cv_results_["params"] == expected.cv_results_["params"]
    for key, values in _results(expected).items():
        np.testing.assert_array_equal(_results(auto)[key], values, err_msg=key)


@pytest.mark.parametrize("random_state, fits_per_fold", [(0, 1), (None, 3)])
def test_shared_step_fitted_once_per_fold_unless_unseeded(random_state, fits_per_fold):
    X, y = make_classification(n_samples=90, random_state=0)
    pipe = make_pipeline(CountingScaler(random_state), LogisticRegression())
    grid = {"logisticregression__C": [0.1, 1.0, 10.0]}
    CountingScaler.n_fits = 0
    AutoSearchCV(pipe, grid, cv=3, refit=False).fit(X, y)
    # random_state=None: a fresh fit could differ, so every candidate fits it
    assert CountingScaler.n_fits == 3 * fits_per_fold


def test_metadata_for_a_step_is_not_cached():
    X, y = make_classification(n_samples=90, random_state=0)
    memory = FoldMemory()
    memory.remember_input(X)
    calls = []

    def fit_transform(transformer, X, y, **kwargs):
        calls.append(1)
        return X + 1.0, transformer

    cached = memory.cache(fit_transform)
    for params in [{"fit": {"sample_weight": np.ones(90)}}, {"fit": {}}, {"fit": {}}]:
        cached(StandardScaler(), X, y, params=params)
    assert len(calls) == 2 and memory.hits == 1


def test_unknown_input_is_not_cached():
    X = np.ones((5, 2))
    memory = FoldMemory()
    cached = memory.cache(lambda transformer, X, y, **kw: (X + 1.0, transformer))
    for _ in range(2):
        cached(StandardScaler(), X, None, params={})
    assert memory.hits == 0


def test_budget_evicts_least_recent():
    X = np.ones((10, 10))  # 800 bytes
    memory = FoldMemory(max_bytes=1000)
    memory.remember_input(X)
    cached = memory.cache(lambda transformer, X, y, **kw: (X.copy(), transformer))
    for with_mean in [True, False, True]:
        cached(StandardScaler(with_mean=with_mean), X, None, params={})
    assert memory.hits == 0 and len(memory._entries) == 1


def test_pickled_memory_is_empty():
    X = np.ones((5, 2))
    memory = FoldMemory(max_bytes=123)
    memory.remember_input(X)
    memory.cache(lambda transformer, X, y, **kw: (X + 1.0, transformer))(
        StandardScaler(), X, None, params={}
    )
    copy = pickle.loads(pickle.dumps(memory))
    assert copy.max_bytes == 123 and not copy._entries and not copy._origin


def test_cacheable():
    candidates = [{"logisticregression__C": 1.0}]
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    assert cacheable(pipe, candidates)
    assert not cacheable(LogisticRegression(), candidates)
    assert not cacheable(make_pipeline(LogisticRegression()), candidates)
    assert not cacheable(pipe.set_params(memory="somewhere"), candidates)
    assert not cacheable(Pipeline(pipe.steps), [{"memory": None}])


def test_threads_share_the_memory():
    X, y = make_classification(n_samples=150, n_features=6, random_state=0)
    pipe = make_pipeline(StandardScaler(), LogisticRegression())
    grid = {"logisticregression__C": [0.01, 1.0, 100.0]}
    with parallel_config(backend="threading"):
        auto = AutoSearchCV(pipe, grid, cv=3, n_jobs=2).fit(X, y)
    expected = GridSearchCV(pipe, grid, cv=3).fit(X, y)
    for key, values in _results(expected).items():
        np.testing.assert_array_equal(_results(auto)[key], values, err_msg=key)
