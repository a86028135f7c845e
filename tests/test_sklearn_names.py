"""GridSearchCV and RandomizedSearchCV: AutoSearchCV under scikit-learn's names."""

import inspect
import math
import warnings

import numpy as np
import pytest
import sklearn.model_selection as sk
from scipy.stats import loguniform
from sklearn.base import clone
from sklearn.datasets import load_iris, make_regression
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge
from sklearn.svm import SVC
from sklearn.utils.estimator_checks import parametrize_with_checks

from skauto.model_selection import AutoSearchCV, GridSearchCV, RandomizedSearchCV

X_REG, Y_REG = make_regression(n_samples=120, n_features=4, noise=5, random_state=0)


@parametrize_with_checks(
    [
        GridSearchCV(Ridge(), {"alpha": [0.1, 1.0]}, cv=2, error_score="raise"),
        RandomizedSearchCV(
            Ridge(), {"alpha": loguniform(0.1, 10)}, n_iter=3, cv=2,
            error_score="raise", random_state=0,
        ),
    ]
)  # fmt: skip
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        check(estimator)


def _same_default(a, b):
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


@pytest.mark.parametrize(
    "ours, theirs",
    [(GridSearchCV, sk.GridSearchCV), (RandomizedSearchCV, sk.RandomizedSearchCV)],
)
def test_scikit_learn_constructor_and_defaults(ours, theirs):
    mine = inspect.signature(ours).parameters
    for name, param in inspect.signature(theirs).parameters.items():
        assert name in mine, name
        assert mine[name].kind == param.kind, name
        assert _same_default(mine[name].default, param.default), name
    assert issubclass(ours, AutoSearchCV)


def test_switching_the_import_gives_the_same_best():
    X, y = load_iris(return_X_y=True)
    grid = {"kernel": ("linear", "rbf"), "C": [1, 10]}
    theirs = sk.GridSearchCV(SVC(), grid).fit(X, y)
    ours = GridSearchCV(SVC(), grid).fit(X, y)
    assert ours.best_params_ == theirs.best_params_
    np.testing.assert_array_equal(
        ours.cv_results_["mean_test_score"], theirs.cv_results_["mean_test_score"]
    )


def test_randomized_samples_n_iter_candidates_and_clones():
    search = RandomizedSearchCV(
        Ridge(), {"alpha": loguniform(1e-3, 1e2)}, n_iter=7, cv=3, random_state=0
    ).fit(X_REG, Y_REG)
    assert len(search.cv_results_["params"]) == 7
    assert clone(search).get_params()["n_iter"] == 7
    assert "param_distributions" not in GridSearchCV(Ridge(), {}).get_params()
    with pytest.raises(TypeError, match="did you mean 'n_iter'"):
        RandomizedSearchCV(Ridge(), {}, n_iters=3)
