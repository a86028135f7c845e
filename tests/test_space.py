"""Search spaces: validation and sampling."""

import numpy as np
import pytest
from scipy.stats import loguniform, randint
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skauto._space import check_space, grid_size, is_grid, sample_candidates


@pytest.mark.parametrize(
    "space, match",
    [
        ([], "non-empty list of dicts"),
        ([1], "must contain dicts"),
        ("alpha", "non-empty list of dicts"),
        ({"alpha": []}, "'alpha': the list of values is empty"),
        ({"alpha": 1.0}, "'alpha': expected a list of values or a distribution"),
        ({"alpha": "abc"}, "'alpha': expected a list"),
        ({"alhpa": [1.0]}, "Invalid parameter 'alhpa'"),
        ([{"alpha": [1.0]}, {"beta": [1]}], "Invalid parameter 'beta'"),
    ],
)
def test_bad_spaces(space, match):
    with pytest.raises(ValueError, match=match):
        check_space(space, Ridge())


def test_resource_cannot_be_searched():
    with pytest.raises(ValueError, match="parameter max_iter as the resource"):
        check_space({"max_iter": [1, 2]}, Ridge(), resource="max_iter")


def test_nested_and_substituted_names():
    pipe = make_pipeline(StandardScaler(), Ridge())
    space = [{"ridge__alpha": [1.0]}, {"ridge": [SVC()], "ridge__C": [1.0, 2.0]}]
    assert check_space(space, pipe) == space
    assert check_space({"alpha": (0.1, 1.0)}, Ridge()) == [{"alpha": (0.1, 1.0)}]


def test_grid_is_enumerated_without_replacement():
    space = check_space({"alpha": [0.1, 1.0, 10.0], "fit_intercept": [True, False]})
    assert is_grid(space) and grid_size(space) == 6
    rng = np.random.default_rng(0)
    drawn = sample_candidates(space, 6, rng)
    assert len({tuple(sorted(p.items())) for p in drawn}) == 6
    with pytest.raises(ValueError, match="n_candidates=7 > 6"):
        sample_candidates(space, 7, rng)


def test_sampling_is_reproducible_and_typed():
    space = check_space(
        [{"alpha": loguniform(1e-3, 1e1), "solver": ["svd", "cholesky"]},
         {"max_iter": randint(1, 10)}]
    )  # fmt: skip
    assert not is_grid(space)
    first = sample_candidates(space, 50, np.random.default_rng(42))
    again = sample_candidates(space, 50, np.random.default_rng(42))
    assert first == again
    alphas = [p["alpha"] for p in first if "alpha" in p]
    iters = [p["max_iter"] for p in first if "max_iter" in p]
    assert alphas and iters  # both dicts are used
    assert all(type(a) is float and 1e-3 <= a <= 10 for a in alphas)
    assert all(type(i) is int and 1 <= i < 10 for i in iters)
    assert {p["solver"] for p in first if "solver" in p} == {"svd", "cholesky"}


def test_empty_grid_is_the_estimator_as_it_is():
    for space in [{}, [{}]]:
        checked = check_space(space, Ridge())
        assert is_grid(checked) and grid_size(checked) == 1
        assert sample_candidates(checked, 1, np.random.default_rng()) == [{}]


def test_custom_distribution_without_random_state_raises():
    # as RandomizedSearchCV does: an unseeded draw would break reproducibility
    class Constant:
        def rvs(self):
            return 7

    with pytest.raises(TypeError, match="rvs must accept random_state"):
        sample_candidates([{"a": Constant()}], 2, np.random.default_rng())
