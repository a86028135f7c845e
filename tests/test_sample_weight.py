"""Sample weights in the self-tuner: the validation split gives both sides
weight, zero and huge weights (issue 12)."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_friedman1

from skauto.neural_network import SelfTuningMLPRegressor, _data
from skauto.neural_network._data import _split

# small budgets on purpose: the searches' last rungs may not converge
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

FAST = dict(n_candidates=6, ensemble_size=2, max_epochs=3, random_state=0)


@pytest.fixture(scope="module")
def data():
    return make_friedman1(n_samples=120, random_state=0)


@pytest.mark.parametrize(
    "w, n_val",
    [
        ([0, 0, 0, 0, 0, 0, 0, 0, 1, 1], 2),  # both sides get one weighted row
        ([0, 0, 0, 0, 0, 0, 1, 1, 1, 1], 5),
        ([1, 1, 1, 1, 1, 1, 1, 1, 0, 0], 2),
        ([0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 3),  # one weighted row: it trains
        ([1, 0, 0, 0, 0, 0, 0, 0, 0, 0], 9),
        ([0, 1, 0, 0, 0, 0, 0, 0, 0, 1], 9),
    ],
)
def test_split_gives_both_sides_weight(w, n_val):
    w = np.asarray(w, dtype=float)
    for seed in range(20):
        val, train = _split(len(w), n_val, w, np.random.default_rng(seed))
        assert len(val) == n_val and sorted([*val, *train]) == list(range(len(w)))
        assert w[train].any()
        assert w[val].any() or (w > 0).sum() == 1


def test_split_without_zero_trouble_is_the_plain_permutation():
    w = np.arange(1.0, 11.0)
    val, train = _split(10, 3, w, np.random.default_rng(0))
    order = np.random.default_rng(0).permutation(10)
    np.testing.assert_array_equal(np.r_[val, train], order)


@pytest.mark.parametrize("n_weighted", [3, 12])
@pytest.mark.parametrize("seed", range(3))
def test_weights_on_few_rows_never_diverge(data, seed, n_weighted):
    # the old split often left every weighted row in training: a zero weight
    # sum in the validation score, and "every candidate diverged"
    X, y = data
    w = np.zeros(len(y))
    w[np.random.default_rng(seed).choice(len(y), n_weighted, replace=False)] = 1.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "diverged"
        if n_weighted == 3:  # 2 weighted training rows may well fit poorly
            warnings.filterwarnings("ignore", "The chosen network", UserWarning)
        reg = SelfTuningMLPRegressor(**FAST).fit(X, y, sample_weight=w)
    assert (reg.cv_results_["status"] == "ok").all()
    assert np.isfinite(reg.cv_results_["mean_test_score"]).all()


def test_weights_zero_on_the_plain_validation_rows(data, monkeypatch):
    """The case of the issue: every weighted row where training would be."""
    X, y = data
    w = np.zeros(len(y))
    w[:3] = 1.0
    seen = []

    def spy(n, n_val, w, rng, order):
        plain = order[:n_val]  # the old split
        val, train = _split(n, n_val, w, rng, order)
        seen.append((plain, val))
        return val, train

    monkeypatch.setattr(_data, "_split", spy)
    degenerate = 0
    for seed in range(6):
        reg = SelfTuningMLPRegressor(**{**FAST, "random_state": seed})
        with warnings.catch_warnings():
            warnings.simplefilter("error", RuntimeWarning)  # no "diverged"
            warnings.filterwarnings("ignore", "The chosen network", UserWarning)
            reg.fit(X, y, sample_weight=w)
        plain, val = seen[-1]
        degenerate += not w[plain].any()
        assert w[val].any()  # the validation score has weight
        assert (reg.cv_results_["status"] == "ok").all()
    assert degenerate > 0  # the old split would have divided by zero


def test_weight_on_one_row_scores_unweighted(data):
    X, y = data
    w = np.zeros(len(y))
    w[7] = 2.0
    with pytest.warns(UserWarning, match="positive on a single row"):
        reg = SelfTuningMLPRegressor(**FAST).fit(X, y, sample_weight=w)
    assert (reg.cv_results_["status"] == "ok").all()
    assert np.isfinite(reg.predict(X)).all()


def test_all_weights_zero_is_a_clear_error(data):
    X, y = data
    # scikit-learn >= 1.7 says "at least one non-zero"; skauto says it before
    with pytest.raises(ValueError, match="at least one non-zero|0 on every row"):
        SelfTuningMLPRegressor(**FAST).fit(X, y, sample_weight=np.zeros(len(y)))


def test_huge_weights_do_not_overflow(data):
    X, y = data
    w = np.r_[np.full(60, 1e308), np.ones(60)]
    reg = SelfTuningMLPRegressor(**FAST).fit(X, y, sample_weight=w)
    assert np.isfinite(reg.predict(X)).all()
