import pickle
import re

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import make_friedman1, make_regression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils._param_validation import InvalidParameterError
from sklearn.utils.estimator_checks import parametrize_with_checks

from skauto.neural_network import SelfTuningMLPClassifier, SelfTuningMLPRegressor

FAST = dict(n_candidates=6, ensemble_size=2, max_epochs=9, random_state=0)


@pytest.fixture(scope="module")
def data():
    return make_friedman1(n_samples=400, noise=0.5, random_state=0)


@pytest.fixture(scope="module")
def fitted(data):
    X, y = data
    return SelfTuningMLPRegressor(**FAST).fit(X, y)


@parametrize_with_checks(
    [SelfTuningMLPRegressor(**FAST)],
    expected_failed_checks=lambda est: {
        # Mini-batch training draws a repeated row twice per epoch, a weighted
        # row once: the two fits are equal in expectation, not exactly.
        "check_sample_weight_equivalence_on_dense_data": (
            "stochastic mini-batches: weights equal repetition only in expectation"
        ),
        "check_sample_weight_equivalence_on_sparse_data": (
            "stochastic mini-batches: weights equal repetition only in expectation"
        ),
    },
)
def test_sklearn_compatible(estimator, check):
    check(estimator)


# check_array_api_input is skipped by scikit-learn itself unless SCIPY_ARRAY_API
# is set; the regressor computes in numpy only and does not claim array API
# support (its tag is False).


def test_sparse_input_gives_the_dense_result(fitted, data):
    sp = pytest.importorskip("scipy.sparse")
    X, y = data
    sparse = clone(fitted).fit(sp.csr_matrix(X), y)
    np.testing.assert_allclose(sparse.predict(sp.csr_matrix(X)), fitted.predict(X))


def test_learns(data):
    X, y = data
    reg = SelfTuningMLPRegressor(random_state=0).fit(X[:300], y[:300])
    assert reg.score(X[300:], y[300:]) > 0.8


def test_fitted_attributes(fitted, data):
    X, _ = data
    assert set(fitted.best_params_) == {
        "hidden_layer_sizes",
        "learning_rate_init",
        "alpha",
        "max_iter",
    }
    assert 1 <= fitted.best_params_["max_iter"] <= fitted.n_iter_
    assert len(fitted.loss_curve_) == fitted.n_iter_
    assert fitted.best_validation_score_ == max(fitted.validation_scores_)
    # the returned ensemble scores at least its best member on validation
    best_member = fitted.cv_results_["mean_test_score"][fitted.best_index_]
    assert fitted.best_score_ >= best_member - 1e-6
    assert sum(m["weight"] for m in fitted.ensemble_) == pytest.approx(1)
    assert fitted.n_splits_ == 4  # cv="auto": 4 folds below 2,000 rows
    assert fitted.n_features_in_ == X.shape[1]
    assert [w.shape for w in fitted.coefs_][0][0] == X.shape[1]
    assert np.isfinite(fitted.predict(X)).all()


def test_cv_results_schema_and_plan(fitted):
    pd = pytest.importorskip("pandas")
    res = pd.DataFrame(fitted.cv_results_)
    for key in [
        "params",
        "param_hidden_layer_sizes",
        "param_learning_rate_init",
        "param_alpha",
        "iter",
        "n_resources",
        "bracket",
        "candidate",
        "status",
        "mean_test_score",
        "std_test_score",
        "rank_test_score",
        "split0_test_score",
        "mean_fit_time",
    ]:
        assert key in res
    # plan == what ran
    assert res.groupby("iter").size().tolist() == fitted.n_candidates_
    assert res.groupby("iter")["n_resources"].max().tolist() == fitted.n_resources_
    # survivors continue: every row of rung i+1 is a candidate of rung i
    for i in range(1, len(fitted.n_candidates_)):
        prev = set(res.loc[res["iter"] == i - 1, "candidate"])
        assert set(res.loc[res["iter"] == i, "candidate"]) <= prev


def test_coefs_are_the_model(fitted, data):
    X, _ = data
    (W1, W2), (b1, b2) = fitted.coefs_, fitted.intercepts_
    features = fitted._features
    Z = np.clip((X - features.mean) / features.scale, features.low, features.high)
    big = np.abs(Z) > 3
    Z[big] = np.sign(Z[big]) * (3 + np.log1p(np.abs(Z[big]) - 3))
    manual = (np.maximum(Z @ W1 + b1, 0) @ W2 + b2).ravel()
    np.testing.assert_allclose(fitted.predict(X), manual)


def test_ensemble_size_one_is_a_single_network(data):
    X, y = data
    reg = SelfTuningMLPRegressor(**{**FAST, "ensemble_size": 1}, cv=None).fit(X, y)
    assert reg.coefs_[0].shape[1] == reg.best_params_["hidden_layer_sizes"][0]
    assert reg.n_candidates_[-1] == 1
    # with k folds, the winner is its k fold copies, averaged (bagging)
    reg = SelfTuningMLPRegressor(**{**FAST, "ensemble_size": 1}, cv=3).fit(X, y)
    assert reg.coefs_[0].shape[1] == 3 * reg.best_params_["hidden_layer_sizes"][0]


@pytest.mark.parametrize(
    "n_rows, cv, validation_fraction, survivors",
    [
        (None, None, "auto", 8),  # a hold-out of fewer than 1,000 rows
        (None, 3, "auto", 4),  # folds: each survivor a bag of 3 copies
        (1250, None, 0.8, 4),  # a hold-out of 1,000 rows
        (1250, None, 0.79, 8),  # of 987 rows
    ],
)
def test_ensemble_size_auto(data, n_rows, cv, validation_fraction, survivors):
    X, y = data if n_rows is None else make_regression(n_rows, 3, random_state=0)
    fast = {**FAST, "n_candidates": 12, "max_epochs": 3}
    reg = SelfTuningMLPRegressor(
        **{**fast, "ensemble_size": "auto"},
        cv=cv,
        validation_fraction=validation_fraction,
    )
    reg.fit(X, y)
    assert reg.n_candidates_[-1] == survivors
    assert len(reg.ensemble_) <= survivors + 1  # and the ridge member


def test_plan_and_what_ran(fitted, data):
    # nothing cut: the stages that ran are the plan (max_epochs=9 leaves no
    # room for the survivors' last stage here)
    ran = zip(fitted.n_candidates_, fitted.n_resources_, strict=True)
    assert fitted.plan_ == list(ran)
    X, y = data
    longer = SelfTuningMLPRegressor(**{**FAST, "max_epochs": 30}).fit(X, y)
    assert [n for n, _ in longer.plan_] == longer.n_candidates_
    assert longer.n_resources_[-1] <= longer.plan_[-1][1] == 30 * len(X)
    with pytest.warns(UserWarning, match="max_time"):
        cut = SelfTuningMLPRegressor(**FAST, max_time=1e-9).fit(X, y)
    assert cut.plan_ == fitted.plan_ and len(cut.n_candidates_) < len(cut.plan_)


def test_deterministic_and_picklable(fitted, data):
    X, y = data
    again = clone(fitted).fit(X, y)
    np.testing.assert_array_equal(again.predict(X), fitted.predict(X))
    other = clone(fitted).set_params(random_state=1).fit(X, y)
    assert not np.array_equal(other.predict(X), fitted.predict(X))
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict(X), fitted.predict(X))


def test_diverging_candidates_are_dropped(data):
    X, y = data
    reg = SelfTuningMLPRegressor(
        n_candidates=9, max_epochs=9, learning_rate_range=(1e-3, 1e35), random_state=0
    )
    with pytest.warns(RuntimeWarning, match="diverged"):
        reg.fit(X, y)
    status = reg.cv_results_["status"]
    assert (status == "diverged").any()
    assert np.isnan(reg.cv_results_["mean_test_score"][status == "diverged"]).all()
    assert reg.cv_results_["status"][reg.best_index_] == "ok"
    # a diverged candidate is dropped at once: it appears in one rung only
    diverged = reg.cv_results_["candidate"][status == "diverged"]
    assert len(diverged) == len(set(diverged))
    assert np.isfinite(reg.predict(X)).all()


def test_every_candidate_diverges(data):
    X, y = data
    reg = SelfTuningMLPRegressor(**FAST, learning_rate_range=(1e34, 1e35))
    with pytest.raises(ValueError, match="Lower the top of learning_rate_range"):
        reg.fit(X, y)


def test_max_time_keeps_best_so_far(data):
    X, y = data
    reg = SelfTuningMLPRegressor(**{**FAST, "max_epochs": 200}, max_time=1e-6)
    with pytest.warns(UserWarning, match="max_time"):
        reg.fit(X, y)
    assert reg.cv_results_["iter"].max() == 0
    assert reg.n_iter_ == 1
    assert np.isfinite(reg.predict(X)).all()


def test_budget_in_samples_can_be_a_fraction_of_an_epoch(data):
    X, y = data
    reg = SelfTuningMLPRegressor(
        n_candidates=3, max_epochs=0.5, cv=None, random_state=0
    )
    reg.fit(X, y)
    n_train = len(X) - round(0.2 * len(X))
    assert reg.n_resources_[-1] == round(0.5 * n_train)
    assert reg.n_iter_ == 1 and len(reg.loss_curve_) == 1


def test_sample_weight_ignores_zero_weight_rows(data):
    X, y = data
    corrupted = y.copy()
    corrupted[::2] = 100.0
    w = np.ones(len(y))
    w[::2] = 0
    weighted = SelfTuningMLPRegressor(**FAST).fit(X, corrupted, sample_weight=w)
    plain = SelfTuningMLPRegressor(**FAST).fit(X, corrupted)
    assert weighted.score(X[1::2], y[1::2]) > 0.5 > plain.score(X[1::2], y[1::2])


def test_multi_output(data):
    X, y = data
    Y = np.column_stack([y, -2 * y + 1])
    reg = SelfTuningMLPRegressor(**FAST).fit(X, Y)
    assert reg.predict(X).shape == (len(X), 2)
    assert reg.n_outputs_ == 2
    assert reg.score(X, Y) > 0.5


def test_verbose_prints_one_line_per_rung(data, capsys):
    X, y = data
    reg = SelfTuningMLPRegressor(**FAST, verbose=1).fit(X, y)
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == len(reg.n_candidates_)
    assert re.search(r"stage 1 of \d+: 6 networks", lines[0])


@pytest.mark.parametrize(
    "X, y, message",
    [
        ([[1.0, 1.0], [1.0, 2.0]], [1.0, np.inf], "infinity"),
        (np.empty((0, 2)), [], "0 sample"),
        ([[1.0, 2.0]], [1.0], "1 sample"),
        ([[1.0, 1.0], [1.0, 2.0]], ["a", "b"], "y must be numeric"),
        ([[1.0, 1.0], [1.0, 2.0]], [1.0, 2.0, 3.0], "inconsistent numbers"),
    ],
)
def test_bad_input(X, y, message):
    with pytest.raises(ValueError, match=message):
        SelfTuningMLPRegressor(**FAST).fit(X, y)


@pytest.mark.parametrize(
    "params, name",
    [
        ({"learning_rate_range": (0.1, 0.01)}, "learning_rate_range"),
        ({"learning_rate_range": (0, 0.01)}, "learning_rate_range"),
        ({"hidden_size_range": (8.5, 16)}, "hidden_size_range"),
        ({"alpha_range": "big"}, "alpha_range"),
        ({"n_candidates": 0}, "n_candidates"),
        ({"factor": 1}, "factor"),
        ({"validation_fraction": 1.5}, "validation_fraction"),
        ({"max_time": -1}, "max_time"),
    ],
)
def test_bad_parameters(params, name, data):
    X, y = data
    with pytest.raises(InvalidParameterError, match=name):
        SelfTuningMLPRegressor(**params).fit(X, y)


def test_in_pipeline_cross_val_score_and_grid_search(data):
    X, y = data
    pipe = make_pipeline(StandardScaler(), SelfTuningMLPRegressor(**FAST))
    scores = cross_val_score(pipe, X, y, cv=2)
    assert scores.shape == (2,) and np.isfinite(scores).all()
    grid = GridSearchCV(SelfTuningMLPRegressor(**FAST), {"factor": [2, 3]}, cv=2).fit(
        X, y
    )
    assert grid.best_params_["factor"] in (2, 3)


def _spline_data(n_rows, n_continuous):
    rng = np.random.default_rng(0)
    X = np.column_stack(
        [rng.normal(size=(n_rows, n_continuous)), rng.integers(0, 2, n_rows)]
    )
    y = np.sin(2 * X[:, 0]) + X[:, -1] + 0.1 * rng.normal(size=n_rows)
    return X, y


@pytest.mark.parametrize(
    "n_rows, n_continuous, width",
    [
        (600, 3, 4 + 3 * 8),  # each continuous feature and its 8 B-splines
        (499, 3, 4),  # below 500 rows: the features alone
        (600, 40, 41),  # 320 spline columns would be too many
    ],
)
def test_spline_basis_of_continuous_features(n_rows, n_continuous, width):
    X, y = _spline_data(n_rows, n_continuous)
    reg = SelfTuningMLPRegressor(**{**FAST, "max_epochs": 2}).fit(X, y)
    assert reg.coefs_[0].shape[0] == width
    # predict is the network on the expanded features, and survives pickling
    (W1, W2), (b1, b2) = reg.coefs_, reg.intercepts_
    manual = (np.maximum(reg._features.transform(X) @ W1 + b1, 0) @ W2 + b2).ravel()
    np.testing.assert_allclose(reg.predict(X), manual)
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(reg)).predict(X), manual)


def test_classifier_has_no_spline_basis():
    X, y = _spline_data(600, 3)
    clf = SelfTuningMLPClassifier(**{**FAST, "max_epochs": 2}).fit(X, y > 0.5)
    assert clf.coefs_[0].shape[0] == X.shape[1]


def test_huge_max_epochs_neither_hangs_nor_ignores_max_time(data):
    """max_epochs=1e9 once spent minutes counting its validation checks, one
    Python pass per future check, before the first step (and max_time could
    not stop that)."""
    import time
    import warnings

    from _timeout import time_limit

    X, y = data
    reg = SelfTuningMLPRegressor(n_candidates=4, max_epochs=1e9, max_time=2)
    tic = time.perf_counter()
    with time_limit(60), warnings.catch_warnings():
        warnings.filterwarnings("ignore", "max_time", UserWarning)
        reg.fit(X, y)  # stopped by max_time, or by the survivors' patience
    assert time.perf_counter() - tic < 30 and reg.n_iter_ >= 1


def test_validation_checks_are_counted_not_simulated():
    from types import SimpleNamespace

    from skauto.neural_network._executor import _n_checks

    def simulated(stream, rows, every):
        n, pos, count = stream.n_rows, stream.pos, 0
        while rows > 0:
            pos = 0 if pos == n else pos
            take = min(every, rows, n - pos)
            pos, rows, count = pos + take, rows - take, count + 1
        return count

    rng = np.random.default_rng(0)
    for _ in range(2000):
        n = int(rng.integers(1, 40))
        stream = SimpleNamespace(n_rows=n, pos=int(rng.integers(0, n + 1)))
        rows, every = int(rng.integers(0, 200)), int(rng.integers(1, 50))
        assert _n_checks(stream, rows, every) == simulated(stream, rows, every)
    assert _n_checks(SimpleNamespace(n_rows=240, pos=0), 240 * 10**9, 240) == 10**9


@pytest.mark.parametrize(
    "name", ["n_candidates", "ensemble_size", "batch_size", "cv", "max_epochs"]
)
def test_booleans_are_not_numbers(name, data):
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter.*Got True"):
        SelfTuningMLPRegressor(**{**FAST, name: True}).fit(*data)


def test_polars_frames_and_series(data):
    pl = pytest.importorskip("polars")
    X, y = data
    reg = SelfTuningMLPRegressor(**FAST).fit(pl.DataFrame(X), pl.Series(y))
    np.testing.assert_array_equal(
        reg.predict(pl.DataFrame(X)),
        SelfTuningMLPRegressor(**FAST).fit(X, y).predict(X),
    )
    clf = SelfTuningMLPClassifier(**FAST).fit(pl.DataFrame(X), pl.Series(y > 14))
    assert set(clf.classes_) == {False, True}


def test_float32_in_float32_out(data):
    X, y = data
    reg = SelfTuningMLPRegressor(**FAST).fit(X.astype(np.float32), y)
    assert all(c.dtype == np.float32 for c in reg.coefs_ + reg.intercepts_)
    assert reg.predict(X.astype(np.float32)).dtype == np.float32
    # training is the same: float32 inputs only change the returned dtype
    ref = SelfTuningMLPRegressor(**FAST).fit(X.astype(np.float32).astype(float), y)
    np.testing.assert_allclose(reg.predict(X), ref.predict(X), rtol=1e-4, atol=1e-4)


def test_validation_scores_one_per_epoch(fitted):
    """As scikit-learn's MLP: one validation score per entry of loss_curve_."""
    assert len(fitted.validation_scores_) == fitted.n_iter_ == len(fitted.loss_curve_)
    assert fitted.best_validation_score_ == max(fitted.validation_scores_)


@pytest.mark.parametrize(
    "params",
    [
        {"hidden_size_range": (10**5, 10**5)},
        {"hidden_size_range": (1, 10**9)},
        {"n_candidates": 10**6},
        {"n_candidates": 10**12},
    ],
)
def test_over_large_populations_are_refused_before_allocating(params, data):
    import tracemalloc

    X, y = data
    tracemalloc.start()
    try:
        with pytest.raises(ValueError, match="hidden units.*GiB.*n_candidates"):
            SelfTuningMLPRegressor(**{**FAST, **params}).fit(X, y)
        assert tracemalloc.get_traced_memory()[1] < 50 * 2**20
    finally:
        tracemalloc.stop()


def test_wide_data_in_bounded_memory():
    """100 x 10,000: the first layer holds the features' principal components
    (at most the rank of the training rows), not 10,000 columns per unit."""
    import tracemalloc

    rng = np.random.default_rng(0)
    X = rng.normal(size=(100, 10_000))
    y = X[:, :5].sum(axis=1) + 0.1 * rng.normal(size=100)
    tracemalloc.start()
    try:
        reg = SelfTuningMLPRegressor(**FAST).fit(X, y)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 300 * 2**20
    assert reg.coefs_[0].shape[0] <= 100 and reg.n_features_in_ == 10_000
    assert reg.predict(X[:3]).shape == (3,)


def _raw_table(n=300, seed=0):
    """A frame with numbers (some missing), a few-level and a many-level
    categorical, a text column and a boolean; y depends on all of them."""
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    few = rng.choice(["a", "b", "c"], n)
    many = rng.integers(0, 90, n)
    X = pd.DataFrame(
        {
            "x": np.where(rng.random(n) < 0.2, np.nan, x),
            "few": pd.Categorical(few),
            "many": pd.Categorical([f"level{i}" for i in many]),
            "text": np.where(x > 0, "up", "down").astype(object),
            "flag": rng.random(n) < 0.5,
        }
    )
    y = x + (few == "a") + np.sin(many) + 0.1 * rng.normal(size=n)
    return X, y


def test_raw_dataframe_goes_straight_into_fit():
    X, y = _raw_table()
    reg = SelfTuningMLPRegressor(**FAST).fit(X, y)
    assert list(reg.feature_names_in_) == list(X.columns)
    assert reg.score(X, y) > 0.5
    # unknown levels and missing values at predict time
    new = X.head(3).copy()
    new["few"] = new["few"].cat.add_categories("zzz")
    new.loc[0, "few"], new.loc[1, "many"], new.loc[2, "x"] = "zzz", None, np.nan
    assert np.isfinite(reg.predict(new)).all()
    # the same table with the categorical columns named
    named = SelfTuningMLPRegressor(**FAST, categorical_features=["few", "many", "text"])
    np.testing.assert_allclose(named.fit(X, y).predict(X), reg.predict(X))
    clf = SelfTuningMLPClassifier(**FAST).fit(X, y > 0)
    assert clf.score(X, y > 0) > 0.6


def test_predict_takes_missing_values(data):
    X, y = data
    X = X.copy()
    X[::7, 0] = np.nan
    reg = SelfTuningMLPRegressor(**FAST).fit(X, y)
    assert reg.coefs_[0].shape[0] == X.shape[1] + 1  # one indicator column
    assert np.isfinite(reg.predict(X)).all()


@pytest.mark.parametrize(
    "categorical_features, match",
    [
        (["nope"], "names 'nope', which is not a column"),
        ([7], "column indices in"),
        ([True, False], "boolean mask of 2 values"),
    ],
)
def test_bad_categorical_features(categorical_features, match):
    X, y = _raw_table(60)
    reg = SelfTuningMLPRegressor(**FAST, categorical_features=categorical_features)
    with pytest.raises(ValueError, match=match):
        reg.fit(X, y)


@pytest.mark.parametrize("cv", [None, 3])
def test_skewed_target_gets_a_twin(cv):
    """A lognormal target: the twin fitted to log1p(y) wins on validation, and
    predict transforms back (one value per row, in y's units)."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 3))
    y = np.exp(X[:, 0] + 0.5 * X[:, 1] + 0.3 * rng.normal(size=300))
    reg = SelfTuningMLPRegressor(**FAST, cv=cv).fit(X, y)
    kinds = {p.get("target_transform") for p in reg.cv_results_["params"]}
    assert kinds == {None, "log1p"}
    assert reg.cv_results_["params"][0]["target_transform"] is None
    assert reg.n_candidates_[0] == 2 * FAST["n_candidates"]
    pred = reg.predict(X)
    assert pred.shape == (300,) and np.isfinite(pred).all()
    assert reg.target_transform_ == "log1p" and reg.score(X, y) > 0.8
    # a symmetric target gets no twin
    sym = SelfTuningMLPRegressor(**FAST, cv=cv).fit(X, X[:, 0])
    assert sym.target_transform_ is None
    assert "target_transform" not in sym.cv_results_["params"][0]
