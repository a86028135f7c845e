"""The self-tuner's target and range parameters, checked at fit start:
numeric strings as numbers, other strings a clear error, non-finite ranges
refused (issue 12)."""

import numpy as np
import pytest
from sklearn.datasets import make_friedman1

from skauto._compat import InvalidParameterError
from skauto.neural_network import SelfTuningMLPRegressor

# small budgets on purpose: the searches' last rungs may not converge
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

FAST = dict(n_candidates=6, ensemble_size=2, max_epochs=3, random_state=0)


@pytest.fixture(scope="module")
def data():
    return make_friedman1(n_samples=120, random_state=0)


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
