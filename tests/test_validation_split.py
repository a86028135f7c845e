"""How the self-tuning networks split the rows to score their candidates."""

import numpy as np
import pytest
from sklearn.datasets import make_friedman1
from sklearn.model_selection import (
    GroupKFold,
    KFold,
    PredefinedSplit,
    ShuffleSplit,
    StratifiedKFold,
    TimeSeriesSplit,
)

from skauto.neural_network import SelfTuningMLPClassifier, SelfTuningMLPRegressor
from skauto.neural_network._data import _cover

FAST = dict(n_candidates=6, ensemble_size=2, max_epochs=9, random_state=0)


@pytest.fixture(scope="module")
def data():
    return make_friedman1(n_samples=240, noise=0.5, random_state=0)


@pytest.mark.parametrize(
    "cv, n_splits",
    [
        (KFold(3), 3),
        (list(KFold(4, shuffle=True, random_state=0).split(np.zeros(240))), 4),
        (GroupKFold(3), None),  # needs groups, which fit does not take
        ([(np.arange(180), np.arange(180, 240))], 1),
        (PredefinedSplit(np.r_[-np.ones(180), np.zeros(60)]), 1),
    ],
)
def test_cv_takes_splitters_and_lists_of_splits(cv, n_splits, data):
    X, y = data
    reg = SelfTuningMLPRegressor(**FAST, cv=cv)
    if n_splits is None:
        with pytest.raises(ValueError, match="groups"):
            reg.fit(X, y)
        return
    reg.fit(X, y)
    assert reg.n_splits_ == n_splits
    assert reg.cv_results_["split0_test_score"].shape[0] > 0
    if n_splits == 1:  # the given test rows are the hold-out
        assert reg.coefs_[0].shape[1] < sum(
            p["hidden_layer_sizes"][0] for p in reg.cv_results_["params"]
        )


def test_user_folds_are_the_folds_trained(data):
    """KFold(3) without shuffling and the rows' own folds give one model."""
    X, y = data
    a = SelfTuningMLPRegressor(**FAST, cv=KFold(3)).fit(X, y)
    splits = list(KFold(3).split(X))
    b = SelfTuningMLPRegressor(**FAST, cv=splits).fit(X, y)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


@pytest.mark.parametrize(
    "cv, match",
    [
        (ShuffleSplit(3, random_state=0), "must split the rows into folds"),
        (TimeSeriesSplit(3), "must split the rows into folds"),
        ([(np.arange(10), np.arange(5))], "disjoint"),
        ([([0.5, 1.5], [2.5])], "row indices"),
        ([(np.arange(100), np.arange(235, 245))], "outside"),
        (241, "cv=241 needs at least 482 rows"),
    ],
)
def test_cv_that_cannot_be_trained_is_a_clear_error(cv, match, data):
    with pytest.raises(ValueError, match=match):
        SelfTuningMLPRegressor(**FAST, cv=cv).fit(*data)


def test_rare_class_gets_a_validation_row():
    """3 positives among 3,003 separable rows: the hold-out used above 2,000
    rows once got none, and the model scored a near-perfect log-loss."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(3003, 4))
    y = np.zeros(3003, int)
    y[:3] = 1
    X[:3] += 4
    clf = SelfTuningMLPClassifier(**FAST).fit(X, y)
    assert clf.n_splits_ == 1
    assert -clf.best_score_ > 1e-4  # a validation row of class 1 is scored


def test_cover_moves_rows_between_the_sides():
    strata = np.array([0] * 20 + [1] * 3 + [2])
    val, train = np.array([0, 1, 2, 23]), np.arange(3, 23)
    val, train = _cover(val, train, strata)
    assert sorted(np.r_[val, train]) == list(range(24))  # a permutation
    assert set(strata[val]) == {0, 1}  # class 1 validates, class 2 (1 row) trains
    assert set(strata[train]) == {0, 1, 2}


def test_stratified_splitter_for_the_classifier(data):
    X, y = data
    clf = SelfTuningMLPClassifier(**FAST, cv=StratifiedKFold(3)).fit(X, y > 14)
    assert clf.n_splits_ == 3
