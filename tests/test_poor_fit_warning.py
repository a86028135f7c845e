"""The self-tuner warns when its model is worse than a constant, and not
when a tiny validation set makes a sound model look poor (issue 12)."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_friedman1

from skauto.neural_network import SelfTuningMLPRegressor
from skauto.neural_network._tasks import _poor_score

# small budgets on purpose: the searches' last rungs may not converge
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

FAST = dict(n_candidates=6, ensemble_size=2, max_epochs=3, random_state=0)


@pytest.fixture(scope="module")
def data():
    return make_friedman1(n_samples=120, random_state=0)


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
