"""HalvingGridSearchCV and HalvingRandomSearchCV: the meaning of scikit-learn's."""

import inspect
import math
import re
import warnings

import numpy as np
import pytest
import sklearn.model_selection as sk
from scipy.stats import loguniform
from sklearn.datasets import make_classification
from sklearn.dummy import DummyClassifier
from sklearn.ensemble import RandomForestClassifier
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.linear_model import Ridge, SGDClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

from skauto.model_selection import (
    AutoSearchCV,
    HalvingGridSearchCV,
    HalvingRandomSearchCV,
)

X, Y = make_classification(n_samples=600, n_features=5, random_state=0)


class Budgeted(DummyClassifier):
    """A fast classifier with a searched ``a`` and a budget ``n_estimators``."""

    def __init__(self, strategy="prior", a=0, n_estimators=10):
        super().__init__(strategy=strategy)
        self.a = a
        self.n_estimators = n_estimators


@parametrize_with_checks(
    [
        HalvingGridSearchCV(Ridge(), {"alpha": [0.1, 1.0, 10.0]}, cv=2,
                            error_score="raise"),
        HalvingRandomSearchCV(Ridge(), {"alpha": loguniform(0.1, 10)}, cv=2,
                              n_candidates=3, error_score="raise", random_state=0),
    ]
)  # fmt: skip
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check(estimator)


def _same_default(a, b):
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a):
        return math.isnan(b)
    return a == b


@pytest.mark.parametrize(
    "ours, theirs",
    [
        (HalvingGridSearchCV, sk.HalvingGridSearchCV),
        (HalvingRandomSearchCV, sk.HalvingRandomSearchCV),
    ],
)
def test_scikit_learn_constructor_and_defaults(ours, theirs):
    mine = inspect.signature(ours).parameters
    for name, param in inspect.signature(theirs).parameters.items():
        assert name in mine, name
        assert mine[name].kind == param.kind, name
        assert _same_default(mine[name].default, param.default), name
    assert issubclass(ours, AutoSearchCV)


ATTRIBUTES = [
    "n_resources_", "n_candidates_", "n_iterations_", "n_possible_iterations_",
    "n_required_iterations_", "n_remaining_candidates_", "min_resources_",
    "max_resources_",
]  # fmt: skip


@pytest.mark.parametrize(
    "params",
    [
        {},
        {"min_resources": "smallest", "factor": 2},
        {"aggressive_elimination": True, "max_resources": 120},
        {"resource": "n_estimators", "max_resources": 30, "min_resources": 2},
    ],
)
@pytest.mark.parametrize("kind", ["grid", "random"])
def test_budgets_mean_what_scikit_learns_mean(kind, params):
    space = {"a": list(range(20))}
    if kind == "grid":
        ours = HalvingGridSearchCV(Budgeted(), space, **params)
        theirs = sk.HalvingGridSearchCV(Budgeted(), space, **params)
    else:
        params = {**params, "n_candidates": 20}
        ours = HalvingRandomSearchCV(Budgeted(), space, random_state=0, **params)
        theirs = sk.HalvingRandomSearchCV(Budgeted(), space, random_state=0, **params)
    ours.fit(X, Y)
    theirs.fit(X, Y)
    for name in ATTRIBUTES:
        assert getattr(ours, name) == getattr(theirs, name), name
    # one row per candidate and iteration, scikit-learn's keys and budgets
    assert sorted(ours.cv_results_) == sorted(theirs.cv_results_)
    for key in ["iter", "n_resources"]:
        np.testing.assert_array_equal(ours.cv_results_[key], theirs.cv_results_[key])
    assert ours.best_params_.keys() == theirs.best_params_.keys()


def test_same_candidates_as_scikit_learn_at_one_random_state():
    space = {"alpha": loguniform(1e-5, 1e-1)}
    est = SGDClassifier(tol=None, random_state=0)
    kwargs = dict(resource="max_iter", max_resources=27, min_resources=3, cv=3)
    ours = HalvingRandomSearchCV(est, space, random_state=7, **kwargs).fit(X, Y)
    theirs = sk.HalvingRandomSearchCV(est, space, random_state=7, **kwargs).fit(X, Y)
    first = ours.cv_results_["iter"] == 0
    assert [p["alpha"] for p in np.array(ours.cv_results_["params"])[first]] == [
        p["alpha"] for p in np.array(theirs.cv_results_["params"])[first]
    ]


def test_survivors_continue_and_the_best_is_refitted_at_its_budget():
    search = HalvingGridSearchCV(
        RandomForestClassifier(random_state=0), {"max_depth": [2, 4, 8]},
        resource="n_estimators", max_resources=27, min_resources=3, cv=3,
    ).fit(X, Y)  # fmt: skip
    assert search.n_resources_ == [3, 9] and search.n_candidates_ == [3, 1]
    # the params hold the budget, as scikit-learn's; the refit uses it
    assert search.best_params_["n_estimators"] == 9
    assert search.best_estimator_.n_estimators == 9
    assert search.cv_results_["params"][search.best_index_] == search.best_params_
    # the fold models grew from 3 to 9 trees instead of being refitted:
    # rung_results_ keep AutoSearchCV's params (without the budget)
    assert "n_estimators" not in search.rung_results_["params"][-1]


def test_verbose_prints_what_scikit_learn_prints(capsys):
    kwargs = dict(factor=2, cv=2, random_state=0, verbose=1)
    HalvingGridSearchCV(Budgeted(), {"a": list(range(8))}, **kwargs).fit(X, Y)
    ours = capsys.readouterr().out
    sk.HalvingGridSearchCV(Budgeted(), {"a": list(range(8))}, **kwargs).fit(X, Y)
    theirs = capsys.readouterr().out
    assert ours.splitlines() == theirs.splitlines()


def test_verbose_fit_lines_with_scores(capsys):
    HalvingGridSearchCV(
        Budgeted(), {"a": [1, 2]}, cv=2, verbose=3, return_train_score=True
    ).fit(X, Y)
    out = capsys.readouterr().out
    assert len(re.findall(r"\[CV 1/2\] END \.*a=\d;, score=\(train=", out)) >= 2


def test_test_folds_are_subsampled_like_scikit_learns():
    seen = []

    class Counting(Budgeted):
        def predict(self, X):
            seen.append(len(X))
            return super().predict(X)

    search = HalvingGridSearchCV(
        Counting(), {"a": list(range(9))}, cv=2, return_train_score=False, refit=False
    ).fit(X, Y)
    # the first iteration's budget over train and test of each fold
    n_first = search.n_resources_[0]
    assert seen[0] == int(n_first / len(X) * (len(X) // 2))


def test_clear_errors_like_scikit_learns():
    with pytest.raises(ValueError, match="Cannot use resource=nope"):
        HalvingGridSearchCV(Budgeted(), {"a": [1]}, resource="nope").fit(X, Y)
    with pytest.raises(ValueError, match="both set to 'exhaust'"):
        HalvingRandomSearchCV(Budgeted(), {"a": [1, 2]}, min_resources="exhaust").fit(
            X, Y
        )
    with pytest.raises(ValueError, match="n_samples' when max_resources='auto'"):
        HalvingGridSearchCV(Budgeted(), {"a": [1]}, resource="n_estimators").fit(X, Y)


@pytest.mark.parametrize("cls", [HalvingGridSearchCV, HalvingRandomSearchCV])
def test_documented_attributes_are_the_fitted_ones(cls):
    pd = pytest.importorskip("pandas")
    ClassDoc = pytest.importorskip("numpydoc.docscrape").ClassDoc  # noqa: N806

    documented = {
        name.strip()
        for item in ClassDoc(cls)["Attributes"]
        for name in item.name.split(",")
    }
    frame = pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])
    search = cls(Budgeted(), {"a": [1, 2, 3]}, cv=2, random_state=0).fit(frame, Y)
    fitted = {
        name
        for name in dir(search)
        if name.endswith("_") and not name.startswith("_") and hasattr(search, name)
    }
    assert documented == fitted
