"""A halving factor close to 1 (or huge): the fit returns, with a clear error
where the budget range cannot be climbed (issue 12)."""

import numpy as np
import pytest
from _timeout import time_limit
from scipy.stats import loguniform
from sklearn.datasets import make_friedman1
from sklearn.linear_model import SGDRegressor

from skauto.model_selection import AutoSearchCV
from skauto.neural_network import SelfTuningMLPRegressor

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
