"""The failures issue 12 found in SelfTuningMLPRegressor, one test each."""

import warnings

import numpy as np
import pytest
from _timeout import time_limit
from scipy.stats import loguniform
from sklearn.datasets import make_friedman1
from sklearn.linear_model import SGDRegressor

from skauto._compat import InvalidParameterError
from skauto.model_selection import AutoSearchCV
from skauto.neural_network import SelfTuningMLPRegressor, _data
from skauto.neural_network._data import _split
from skauto.neural_network._tasks import _poor_score

# small budgets on purpose: the searches' last rungs may not converge
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

FAST = dict(n_candidates=6, ensemble_size=2, max_epochs=3, random_state=0)


@pytest.fixture(scope="module")
def data():
    return make_friedman1(n_samples=120, random_state=0)


@pytest.mark.parametrize(
    "factor, ensemble_size", [(1.1, 8), (1.5, 1), (1.9, 1), (1 + 1e-12, 8), (1e9, 1)]
)
def test_factor_close_to_one_returns(data, factor, ensemble_size):
    X, y = data
    reg = SelfTuningMLPRegressor(
        n_candidates=12, max_epochs=3, factor=factor, ensemble_size=ensemble_size
    )
    with time_limit(30):
        reg.fit(X, y)
    assert np.isfinite(reg.predict(X)).all()
    counts = reg.n_candidates_
    assert all(b <= a for a, b in zip(counts, counts[1:], strict=False))


@pytest.mark.parametrize("convert", [lambda y: y.astype(str), lambda y: list(y)])
def test_numeric_string_y_fits_as_numbers(data, convert):
    X, y = data
    expected = SelfTuningMLPRegressor(**FAST).fit(X, y).predict(X)
    got = SelfTuningMLPRegressor(**FAST).fit(X, convert(y.astype(str))).predict(X)
    np.testing.assert_array_equal(got, expected)


def test_non_numeric_y_says_what_to_do(data):
    X, _ = data
    with pytest.raises(ValueError, match="y must be numeric.*Encode the target"):
        SelfTuningMLPRegressor(**FAST).fit(X, np.array(["a", "b"] * 60))


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


@pytest.mark.parametrize(
    "name, value",
    [
        ("alpha_range", (1e-3, np.inf)),
        ("learning_rate_range", (1e-3, np.inf)),
        ("learning_rate_range", (np.nan, 1e-2)),
        ("hidden_size_range", (16, np.inf)),
        ("alpha_range", (-np.inf, 1.0)),
    ],
)
def test_non_finite_range_is_rejected_at_fit_start(data, name, value):
    X, y = data
    reg = SelfTuningMLPRegressor(**FAST).set_params(**{name: value})
    with pytest.raises(InvalidParameterError, match=f"'{name}'.* finite"):
        reg.fit(X, y)


def test_garbage_model_warns_and_names_the_range(data):
    X, y = data
    reg = SelfTuningMLPRegressor(**FAST, learning_rate_range=(1e3, 1e4))
    with pytest.warns(UserWarning, match=r"more than twice.*Lower learning_rate_range"):
        reg.fit(X, y)
    # no network learned; the returned model falls back on its ridge member
    assert [m["params"].get("linear") for m in reg.ensemble_] == [True]
    assert reg.best_score_ > 0.5


@pytest.mark.parametrize("n", [6, 10, 20, 40])
def test_no_poor_fit_warning_on_small_noisy_data(n):
    # a validation set of 1 or 2 rows can have a tiny variance: a sound
    # model's R2 is then very negative, which is not "no candidate learned"
    rng = np.random.default_rng(n)
    for seed in range(3):
        X, y = rng.normal(size=(n, 3)), rng.normal(size=n)
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            SelfTuningMLPRegressor(**{**FAST, "random_state": seed}).fit(X, y)


@pytest.mark.parametrize(
    "y_val, y_var, expected",
    [
        ([[1.0], [-1.0]], [1.0], -1.0),  # the constant scores 0: warn below -1
        ([[0.1], [-0.1]], [0.01], -199.0),  # tiny validation variance
        ([[3.0], [3.0]], [1.0], -17.0),  # the mean moved: the constant is poor
    ],
)
def test_poor_score_threshold(y_val, y_var, expected):
    y_val, y_var = np.asarray(y_val, dtype=np.float32), np.asarray(y_var)
    assert _poor_score(y_val, None, y_var) == pytest.approx(expected)


@pytest.mark.parametrize("n_brackets", [1, "auto"])
@pytest.mark.parametrize("factor", [1.1, 1.5, 1.9])
def test_search_factor_close_to_one_returns(factor, n_brackets):
    X, y = make_friedman1(n_samples=90, random_state=0)
    search = AutoSearchCV(
        SGDRegressor(tol=None, random_state=0),
        {"alpha": loguniform(1e-5, 1e-1)},
        max_resources=9,
        factor=factor,
        n_brackets=n_brackets,
        n_candidates=6,
        cv=2,
        random_state=0,
    )
    with time_limit(30):
        search.fit(X, y)
    assert np.isfinite(search.best_score_)


def test_search_factor_within_a_hair_of_one_is_a_clear_error():
    X, y = make_friedman1(n_samples=90, random_state=0)
    search = AutoSearchCV(
        SGDRegressor(tol=None), {"alpha": [1e-4, 1e-3]}, factor=1 + 1e-9, cv=2
    )
    with time_limit(30), pytest.raises(ValueError, match="factor=.* too close to 1"):
        search.fit(X, y)
