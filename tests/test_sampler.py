"""Model-based sampling: the density-ratio sampler and ``sampler="tpe"``."""

import numpy as np
import pytest
from scipy.stats import expon, loguniform, randint, uniform
from sklearn.datasets import make_regression
from sklearn.linear_model import SGDRegressor

from skauto._sampler import Candidates, DensityRatioSampler, _Dimensions
from skauto.model_selection import AutoSearchCV

SPACE = [{"a": loguniform(1e-4, 1), "b": randint(1, 50), "c": ["x", "y", "z"],
          "d": uniform(0, 1)}]  # fmt: skip


def objective(p):
    """Best near a=1e-2, b=10, c='y', d=0.3."""
    return -(
        (np.log10(p["a"]) + 2) ** 2 + ((p["b"] - 10) / 10) ** 2
        + (p["c"] != "y") + (p["d"] - 0.3) ** 2
    )  # fmt: skip


def run(sampler, n):
    history = []
    for _ in range(n):
        params = sampler.draw(history)
        history.append((params, 1, objective(params)))
    return history


def test_dimensions_round_trip_through_the_prior_quantiles():
    dims = _Dimensions(
        {
            "a": loguniform(1e-4, 1),
            "b": randint(1, 50),
            "c": ["x", "y"],
            "e": expon(scale=2),
        }  # fmt: skip
    )
    params = {"a": 1e-2, "b": 10, "c": "y", "e": 1.5}
    point = dims.encode(params)
    assert point[0] == pytest.approx(0.5)  # 1e-2 is the middle on a log scale
    assert 0 < point[1] < 1 and point[2] == 1
    back = dims.decode(point, np.random.default_rng(0))
    assert back["a"] == pytest.approx(1e-2) and back["b"] == 10
    assert back["c"] == "y" and back["e"] == pytest.approx(1.5)
    assert isinstance(back["b"], int)


def test_learns_from_the_results_and_beats_random_draws():
    model = run(DensityRatioSampler(SPACE, np.random.default_rng(0)), 60)
    blind = run(
        DensityRatioSampler(SPACE, np.random.default_rng(0), random_fraction=1), 60
    )
    # the first draws are the prior's (too few results for a model)
    assert [p for p, _, _ in model[:5]] == [p for p, _, _ in blind[:5]]
    late = np.mean([s for _, _, s in model[40:]])
    assert late > np.mean([s for _, _, s in blind[40:]]) + 1
    assert late > np.mean([s for _, _, s in model[:20]]) + 1


def test_reproducible_and_models_the_largest_budget_with_enough_results():
    first = run(DensityRatioSampler(SPACE, np.random.default_rng(3)), 30)
    again = run(DensityRatioSampler(SPACE, np.random.default_rng(3)), 30)
    assert first == again
    sampler = DensityRatioSampler(SPACE, np.random.default_rng(0))
    good = {"a": 1e-2, "b": 10, "c": "y", "d": 0.3}
    history = [({**good, "d": d}, 1, -d) for d in np.linspace(0, 1, 10)]
    history += [(good, 9, 0.0)] * 3  # too few at budget 9: budget 1 is modelled
    good_, bad, _ = sampler._model(sampler._dims[0], history)
    assert len(good_) == 5 and len(bad) == 5


def test_unmodelled_distributions_come_from_their_prior():
    class Coin:
        def rvs(self, random_state=None):
            return bool(random_state.integers(2))

    sampler = DensityRatioSampler([{"a": uniform(0, 1), "flip": Coin()}],
                                  np.random.default_rng(0))  # fmt: skip
    history = [({"a": a, "flip": True}, 1, -a) for a in np.linspace(0, 1, 12)]
    draws = [sampler.draw(history) for _ in range(20)]
    assert {d["flip"] for d in draws} == {True, False}


def test_candidates_are_drawn_when_first_asked_for():
    drawn = []
    candidates = Candidates(3, lambda: drawn.append(1) or len(drawn))
    assert len(candidates) == 3 and not candidates.drawn(2)
    assert candidates[2] == 1 and candidates[2] == 1 and candidates[0] == 2
    assert candidates.drawn(2) and drawn == [1, 1]


@pytest.mark.parametrize("schedule", ["sync", "async"])
def test_tpe_search_is_reproducible(schedule):
    X, y = make_regression(n_samples=200, n_features=4, noise=5, random_state=0)
    space = {"alpha": loguniform(1e-6, 1), "eta0": loguniform(1e-4, 1e-1)}

    def fit(sampler):
        return AutoSearchCV(
            SGDRegressor(tol=None, random_state=0), space, sampler=sampler,
            schedule=schedule, n_candidates=27, max_resources=9, cv=3,
            random_state=0,
        ).fit(X, y)  # fmt: skip

    first, again, blind = fit("tpe"), fit("tpe"), fit("random")
    params = [p for p in first.rung_results_["params"]]
    assert params == list(again.rung_results_["params"])
    assert params != list(blind.rung_results_["params"])
    assert first.n_candidates_ == blind.n_candidates_
