"""AutoSearchCV: a drop-in for GridSearchCV, searching by successive halving."""

import pickle
import re
import warnings

import numpy as np
import pytest
import sklearn
from joblib import parallel_config
from scipy.stats import loguniform, uniform
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    RegressorMixin,
    clone,
    is_classifier,
    is_regressor,
)
from sklearn.datasets import make_classification, make_regression
from sklearn.decomposition import PCA
from sklearn.exceptions import ConvergenceWarning, FitFailedWarning
from sklearn.linear_model import Ridge, SGDClassifier
from sklearn.model_selection import (
    GridSearchCV,
    GroupKFold,
    KFold,
    ParameterGrid,
    StratifiedKFold,
    check_cv,
    cross_val_score,
)
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import (
    check_dtype_object,
    parametrize_with_checks,
)

from skauto.model_selection import AutoSearchCV

# small budgets on purpose: the last rungs may not converge
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")

X_REG, Y_REG = make_regression(n_samples=240, n_features=5, noise=10, random_state=0)
X_CLF, Y_CLF = make_classification(n_samples=240, n_features=6, random_state=0)


# --- scikit-learn's common checks ------------------------------------------
# error_score="raise", as scikit-learn's own instances of its searches use, so
# that a check expecting the wrapped estimator's error gets it unwrapped.
@parametrize_with_checks(
    [
        AutoSearchCV(Ridge(), {"alpha": [0.1, 1.0, 10.0]}, cv=2,
                     error_score="raise", random_state=0),
        AutoSearchCV(SGDClassifier(random_state=0), {"alpha": [1e-4, 1e-2]},
                     max_resources=20, cv=2, error_score="raise", random_state=0),
        AutoSearchCV(Pipeline([("pca", PCA()), ("ridge", Ridge())]),
                     {"ridge__alpha": loguniform(0.1, 10)}, n_candidates=3,
                     cv=2, error_score="raise", random_state=0),
    ]
)  # fmt: skip
def test_sklearn_compatible(estimator, check):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sklearn.exceptions.ConvergenceWarning)
        check(estimator)


# --- fake estimators ---------------------------------------------------------
class Oracle(RegressorMixin, BaseEstimator):
    """Scores its own ``quality`` parameter; fails or returns NaN on request."""

    def __init__(self, quality=0.0, fail=False, nan=False, max_iter=10):
        self.quality = quality
        self.fail = fail
        self.nan = nan
        self.max_iter = max_iter

    def fit(self, X, y, sample_weight=None):
        if self.fail:
            raise RuntimeError(f"boom quality={self.quality}")
        self.sample_weight_ = sample_weight
        self.n_fit_ = len(X)
        return self

    def predict(self, X):
        return np.zeros(len(X))

    def score(self, X, y, sample_weight=None):
        return np.nan if self.nan else self.quality


def test_basic_regression_attributes():
    search = AutoSearchCV(
        Ridge(), {"alpha": loguniform(1e-3, 1e2)}, cv=3, random_state=0,
        min_resources="smallest",  # "auto" would not subsample 240 rows
    ).fit(X_REG, Y_REG)  # fmt: skip
    assert search.resource_ == "n_samples"
    assert search.max_resources_ == 160  # the training folds
    assert search.min_resources_ == 20
    assert search.n_resources_ == [53, 160]  # the rungs end at max_resources_
    assert search.n_candidates_ == [9, 3]  # at least factor**2 candidates
    assert search.n_iterations_ == 2 and search.n_brackets_ == 1
    assert search.n_splits_ == 3 and not search.multimetric_
    results = search.cv_results_
    assert results["n_resources"][search.best_index_] == 160
    assert search.best_params_ == results["params"][search.best_index_]
    assert search.best_score_ == results["mean_test_score"][search.best_index_]
    assert search.refit_time_ > 0 and callable(search.scorer_)
    assert search.best_estimator_.alpha == search.best_params_["alpha"]
    assert search.score(X_REG, Y_REG) == search.best_estimator_.score(X_REG, Y_REG)
    # the same columns as scikit-learn's searches, plus the halving ones
    grid = GridSearchCV(Ridge(), {"alpha": [1.0]}, cv=3).fit(X_REG, Y_REG)
    own = {"iter", "n_resources", "bracket", "candidate", "status", "start_time",
           "end_time"}  # fmt: skip
    assert set(grid.cv_results_) | own == set(results)


def test_grid_is_searched_by_halving():
    grid = {"alpha": [0.01, 0.1, 1.0, 10.0, 100.0], "fit_intercept": [True, False]}
    search = AutoSearchCV(
        Ridge(), grid, cv=3, random_state=0, min_resources="smallest"
    ).fit(X_REG, Y_REG)
    first = search.rung_results_["iter"] == 0
    params = search.rung_results_["params"]
    params = [tuple(sorted(p.items())) for p, f in zip(params, first, strict=True) if f]
    assert len(params) == len(set(params)) == 10  # every grid point, once
    assert search.n_candidates_ == [10, 4]
    with pytest.warns(UserWarning, match="n_candidates=20 is larger than the grid"):
        search.set_params(n_candidates=20).fit(X_REG, Y_REG)
    assert search.n_candidates_[0] == 10


def test_small_data_is_one_exhaustive_rung_with_grid_search_results():
    # below 1000 training samples a subsample saves little: like GridSearchCV
    grid = {"alpha": list(np.logspace(-3, 2, 12))}
    search = AutoSearchCV(Ridge(), grid, cv=3).fit(X_REG, Y_REG)
    assert search.n_resources_ == [160] and search.n_candidates_ == [12]
    reference = GridSearchCV(Ridge(), grid, cv=3).fit(X_REG, Y_REG)
    for key in ["params", "mean_test_score", "rank_test_score"]:
        np.testing.assert_array_equal(
            search.cv_results_[key], reference.cv_results_[key]
        )
    assert search.best_index_ == reference.best_index_


def test_small_grid_refitted_from_scratch_is_one_exhaustive_rung():
    # fewer than factor**2 points on n_samples: halving would only add fits;
    # the grid comes in GridSearchCV's order, so ties are broken alike
    grid = {"alpha": [0.1, 1.0], "fit_intercept": [True, False]}
    search = AutoSearchCV(Ridge(), grid, cv=3).fit(X_REG, Y_REG)
    assert search.n_resources_ == [160] and search.n_candidates_ == [4]
    reference = GridSearchCV(Ridge(), grid, cv=3).fit(X_REG, Y_REG)
    assert search.cv_results_["params"] == reference.cv_results_["params"]
    assert search.best_params_ == reference.best_params_


def test_hyperband_brackets():
    search = AutoSearchCV(
        Oracle(), {"quality": uniform(0, 1)}, resource="max_iter",
        max_resources=27, min_resources=1, n_brackets="auto", cv=2, random_state=0,
    ).fit(X_REG, Y_REG)  # fmt: skip
    assert search.n_brackets_ == 4
    assert sorted(set(search.cv_results_["bracket"])) == [0, 1, 2, 3]
    assert search.n_candidates_[:4] == [27, 9, 3, 1]
    # the budget is a parameter: the best row wins whatever its budget, and
    # the Oracle's score does not grow with it (ties: the first row)
    results = search.cv_results_
    assert search.best_score_ == results["mean_test_score"].max()
    assert results["rank_test_score"][search.best_index_] == 1
    assert search.best_index_ == np.argmax(results["mean_test_score"])
    assert search.best_params_["max_iter"] == results["n_resources"][search.best_index_]


def test_continuation_of_sgd_and_score_quality():
    search = AutoSearchCV(
        make_pipeline(StandardScaler(), SGDClassifier(random_state=0)),
        {"sgdclassifier__alpha": loguniform(1e-5, 1e-1)},
        max_resources=27, cv=3, random_state=0,
    ).fit(X_CLF, Y_CLF)  # fmt: skip
    assert search.resource_ == "sgdclassifier__max_iter"
    assert search.n_resources_ == [1, 3, 9, 27]
    best_iter = search.cv_results_["n_resources"][search.best_index_]
    assert search.best_params_["sgdclassifier__max_iter"] == best_iter
    assert search.best_estimator_[-1].max_iter == best_iter
    assert "warm_start" not in str(search.best_params_)
    assert not search.best_estimator_[-1].warm_start
    assert search.best_score_ > 0.8


def test_multimetric_refit_name_false_and_callable():
    scoring = {"r2": "r2", "mae": "neg_mean_absolute_error"}
    kwargs = dict(cv=2, random_state=0, scoring=scoring, return_train_score=True)
    space = {"alpha": loguniform(1e-2, 1e2)}
    search = AutoSearchCV(Ridge(), space, refit="mae", **kwargs).fit(X_REG, Y_REG)
    assert search.multimetric_ and set(search.scorer_) == {"r2", "mae"}
    for key in ["mean_test_r2", "rank_test_mae", "split1_train_mae"]:
        assert key in search.cv_results_
    assert search.best_score_ == search.cv_results_["mean_test_mae"][search.best_index_]
    assert search.score(X_REG, Y_REG) < 0  # the refit metric, negated MAE
    search = AutoSearchCV(Ridge(), space, refit=False, **kwargs).fit(X_REG, Y_REG)
    assert not hasattr(search, "best_index_") and not hasattr(search, "predict")
    with pytest.raises(ValueError, match="refit must be set to a scorer key"):
        AutoSearchCV(Ridge(), space, refit=True, **kwargs).fit(X_REG, Y_REG)

    def pick_last(results):
        return len(results["params"]) - 1

    search = AutoSearchCV(Ridge(), space, refit=pick_last, **kwargs).fit(X_REG, Y_REG)
    assert search.best_index_ == len(search.cv_results_["params"]) - 1
    assert not hasattr(search, "best_score_") and hasattr(search, "predict")


def test_callable_scoring_returning_dict():
    def scores(estimator, X, y):
        return {"a": estimator.score(X, y), "b": 1.0}

    search = AutoSearchCV(
        Ridge(), {"alpha": [0.1, 1.0]}, scoring=scores, refit="a", cv=2
    ).fit(X_REG, Y_REG)
    assert search.multimetric_ and "mean_test_b" in search.cv_results_


def test_failures_get_error_score_and_one_warning():
    space = {"quality": uniform(0, 1), "fail": [True, False]}
    search = AutoSearchCV(
        Oracle(), space, resource="max_iter", max_resources=9, cv=2, random_state=0
    )
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        search.fit(X_REG, Y_REG)
    failures = [w for w in record if issubclass(w.category, FitFailedWarning)]
    assert len(failures) == 1 and "boom quality" in str(failures[0].message)
    results = search.cv_results_
    failed = results["status"] == "failed"
    assert failed.any() and np.isnan(results["mean_test_score"][failed]).all()
    assert (results["iter"][failed] == 0).all()  # never promoted
    assert not search.best_params_["fail"]
    with pytest.raises(RuntimeError, match="boom"):
        search.set_params(error_score="raise").fit(X_REG, Y_REG)


def test_all_failed_raises_first_error():
    search = AutoSearchCV(
        Oracle(fail=True), {"quality": [1.0, 2.0]}, resource="max_iter",
        max_resources=3, cv=2,
    )  # fmt: skip
    with pytest.raises(ValueError, match="(?s)All the 4 fits failed.*boom quality"):
        search.fit(X_REG, Y_REG)


@pytest.mark.parametrize(
    "bad, exc, match",
    [
        ("up", ValueError, "could not convert string to float: 'up'"),
        ({"foo": "bar"}, TypeError, "argument must be a string or a real number"),
    ],
)
def test_x_of_non_numbers_named_when_every_fit_failed(bad, exc, match):
    X = X_REG[:30].astype(object)
    X[:, 2] = bad  # in every fold: every fit fails
    search = AutoSearchCV(Ridge(), {"alpha": [0.1, 1.0]}, cv=2)
    with pytest.raises(
        exc,
        match=f"(?s)X holds values that are not numbers.*{match}"
        ".*Ridge needs numeric features.*All the 4 fits failed",
    ) as info:
        search.fit(X, Y_REG[:30])
    assert isinstance(info.value.__cause__, exc)  # the conversion's own error
    # a target that is not numbers is the fits' error, not X's
    with pytest.raises(ValueError, match="(?s)All the 4 fits failed.*convert"):
        search.fit(X_REG[:30], np.where(Y_REG[:30] > 0, "up", "down"))


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.FitFailedWarning")
def test_check_dtype_object_at_default_error_score():
    # GridSearchCV's behaviour: the fits with the bad row fail or score NaN,
    # the others succeed, and the refit raises the TypeError naming the value
    check_dtype_object("AutoSearchCV", AutoSearchCV(Ridge(), {"alpha": [0.1, 1.0]}))


def test_nan_scores_are_never_promoted_nor_picked():
    space = {"quality": uniform(0, 1), "nan": [True, False]}
    search = AutoSearchCV(
        Oracle(), space, resource="max_iter", max_resources=9, cv=2, random_state=1
    ).fit(X_REG, Y_REG)
    results = search.cv_results_
    nan_rows = np.array([p["nan"] for p in results["params"]])
    assert nan_rows[results["iter"] == 0].any()
    assert not nan_rows[results["iter"] > 0].any()
    assert not search.best_params_["nan"]


def test_stratified_subsamples_keep_every_class():
    rng = np.random.default_rng(0)
    y = np.array([0] * 200 + [1] * 30 + [2] * 10)
    X = rng.normal(size=(240, 3)) + y[:, None]
    search = AutoSearchCV(
        SGDClassifier(random_state=0),
        {"alpha": loguniform(1e-4, 1e-1)},
        resource="n_samples", cv=5, random_state=0,
    ).fit(X, y)  # fmt: skip
    assert search.min_resources_ >= 30  # 10 per class, and every class present
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    with pytest.raises(ValueError, match="min_resources=5 is too small for the cv"):
        search.set_params(min_resources=5).fit(X, y)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(param_distributions={"alpah": [1.0]}), "Invalid parameter 'alpah'"),
        (dict(param_distributions=[]), "non-empty"),
        (dict(resource="n_estimators"), "resource='n_estimators' is not a parameter"),
        (dict(resource="max_iter", param_distributions={"max_iter": [1]}),
         "as the resource since it is part of the searched"),
        (dict(max_resources=500), "max_resources=500 > 160 samples"),
        (dict(min_resources=100, max_resources=50), "min_resources_=100 > max_r"),
        (dict(resource="max_iter"), "max_resources='auto' takes the estimator's "
         "max_iter=None"),
    ],
)  # fmt: skip
def test_bad_input_before_any_fit(kwargs, match):
    params = dict(param_distributions={"quality": [1.0]}, cv=3)
    params.update(kwargs)
    space = params.pop("param_distributions")
    estimator = Oracle(fail=True, max_iter=None)  # any fit would raise RuntimeError
    with pytest.raises(ValueError, match=match):
        AutoSearchCV(estimator, space, **params).fit(X_REG, Y_REG)


def test_invalid_constructor_values():
    with pytest.raises(ValueError, match="factor"):
        AutoSearchCV(Ridge(), {"alpha": [1.0]}, factor=1).fit(X_REG, Y_REG)


def test_reproducible_and_independent_of_n_jobs():
    def run(**kwargs):
        search = AutoSearchCV(
            SGDClassifier(random_state=0), {"alpha": loguniform(1e-5, 1e-1)},
            max_resources=9, cv=3, random_state=42, **kwargs,
        ).fit(X_CLF, Y_CLF)  # fmt: skip
        return search.cv_results_

    first = run()
    with parallel_config(backend="threading"):
        second = run(n_jobs=2)
    assert first["params"] == second["params"]
    np.testing.assert_array_equal(first["mean_test_score"], second["mean_test_score"])
    other = AutoSearchCV(
        Ridge(),
        {"alpha": loguniform(1e-5, 1e-1)},
        random_state=np.random.RandomState(0),
    ).fit(X_REG, Y_REG)
    assert len(other.cv_results_["params"]) > 1


def test_max_time_keeps_best_so_far_and_warns():
    search = AutoSearchCV(
        Ridge(), {"alpha": loguniform(1e-3, 1e2)}, cv=3, max_time=1e-9, random_state=0,
        min_resources="smallest",
    )  # fmt: skip
    with pytest.warns(UserWarning, match="max_time=1e-09s reached"):
        search.fit(X_REG, Y_REG)
    # the first job runs whatever the deadline; every fit after it is skipped
    assert search.n_resources_ == [53] and search.n_candidates_ == [1]
    assert search.cv_results_["iter"][search.best_index_] == 0
    assert hasattr(search, "best_estimator_")
    # the plan is kept apart from what ran
    full = clone(search).set_params(max_time=None).fit(X_REG, Y_REG)
    assert (
        search.plan_
        == full.plan_
        == list(zip(full.n_candidates_, full.n_resources_, strict=True))
    )
    assert len(search.plan_) > len(search.n_resources_)


def test_verbose_levels_like_grid_search(capsys):
    search = AutoSearchCV(
        Ridge(), {"alpha": loguniform(1e-3, 1e2)}, cv=3, verbose=1, random_state=0,
        min_resources="smallest",
    ).fit(X_REG, Y_REG)  # fmt: skip
    lines = capsys.readouterr().out.strip().splitlines()
    # GridSearchCV's first line (9 + 3 candidates x 3 folds), then one per rung
    assert re.match(
        r"Fitting 3 folds for each of 9 candidates, totalling 36 fits, in 2 rungs",
        lines[0],
    )
    assert len(lines) == 3 and "rung 1/2" in lines[1] and "rung 2/2" in lines[2]
    assert "n_resources=160" in lines[2]
    search.set_params(verbose=3).fit(X_REG, Y_REG)
    lines = capsys.readouterr().out.strip().splitlines()
    cv_lines = [line for line in lines if line.startswith("[CV ")]
    assert len(cv_lines) == 36
    assert re.match(
        r"\[CV 1/3\] END \.*alpha=.*, n_samples=53;, score=-?\d\.\d{3} total time=",
        cv_lines[0],
    )
    search.set_params(verbose=10).fit(X_REG, Y_REG)
    assert re.search(r"\[CV 3/3; \d/9\] END", capsys.readouterr().out)


def test_groups_and_sample_weight_reach_splitter_and_estimator():
    groups = np.repeat(np.arange(6), 40)
    weight = np.arange(240.0)
    search = AutoSearchCV(
        Oracle(), {"quality": [0.0, 1.0]}, resource="max_iter", max_resources=3,
        cv=GroupKFold(n_splits=3),
    ).fit(X_REG, Y_REG, groups=groups, sample_weight=weight)  # fmt: skip
    assert search.n_splits_ == 3
    np.testing.assert_array_equal(search.best_estimator_.sample_weight_, weight)
    with pytest.raises(ValueError, match="groups"):
        search.fit(X_REG, Y_REG)


def test_metadata_routing():
    groups = np.repeat(np.arange(6), 40)
    weight = np.arange(240.0)
    with sklearn.config_context(enable_metadata_routing=True):
        estimator = Oracle().set_fit_request(sample_weight=True)
        estimator = estimator.set_score_request(sample_weight=True)
        search = AutoSearchCV(
            estimator, {"quality": [0.0, 1.0]}, resource="max_iter",
            max_resources=3, cv=GroupKFold(n_splits=3),
        )  # fmt: skip
        search.fit(X_REG, Y_REG, groups=groups, sample_weight=weight)
        np.testing.assert_array_equal(search.best_estimator_.sample_weight_, weight)
        routing = search.get_metadata_routing()
        assert "sample_weight" in str(routing) and "groups" in str(routing)


class ProbaClassifier(ClassifierMixin, BaseEstimator):
    def __init__(self, c=1):
        self.c = c

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])

    def predict_proba(self, X):
        return np.full((len(X), len(self.classes_)), 1 / len(self.classes_))


@pytest.mark.parametrize(
    "method",
    ["predict", "predict_proba", "predict_log_proba", "decision_function",
     "transform", "inverse_transform", "score_samples"],
)  # fmt: skip
def test_delegation_follows_the_estimator(method):
    kwargs = dict(resource="n_samples", min_resources=40, cv=2)
    search = AutoSearchCV(ProbaClassifier(), {"c": [1, 2]}, **kwargs)
    has = method in ("predict", "predict_proba")
    assert hasattr(search, method) == has  # before fit: the estimator decides
    search.fit(X_CLF, Y_CLF)
    assert hasattr(search, method) == has
    if has:
        assert getattr(search, method)(X_CLF).shape[0] == 240
    search.set_params(refit=False).fit(X_CLF, Y_CLF)
    assert not hasattr(search, method)
    assert hasattr(AutoSearchCV(PCA(), {"n_components": [1]}), "transform")


def test_drop_in_behaviour():
    search = AutoSearchCV(
        SGDClassifier(random_state=0), {"alpha": [1e-4, 1e-2]}, max_resources=9, cv=2
    )
    assert is_classifier(search) and not is_regressor(search)
    assert is_regressor(AutoSearchCV(Ridge(), {"alpha": [1.0]}))
    scores = cross_val_score(search, X_CLF, Y_CLF, cv=2)  # nested, stratified
    assert scores.shape == (2,) and (scores > 0.7).all()
    assert isinstance(clone(search), AutoSearchCV)
    fitted = search.fit(X_CLF, Y_CLF)
    assert set(fitted.classes_) == {0, 1}
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict(X_CLF), fitted.predict(X_CLF))
    html = fitted._repr_html_()
    assert "AutoSearchCV" in html and "SGDClassifier" in html


def test_default_cv_is_five_fold_and_stratified_for_classifiers():
    search = AutoSearchCV(Ridge(), {"alpha": [1.0]}).fit(X_REG, Y_REG)
    assert search.n_splits_ == 5
    classifier = AutoSearchCV(SGDClassifier(), {"alpha": [1.0]})
    # what cross_val_score(classifier, ...) and the search itself split with
    assert isinstance(check_cv(5, Y_CLF, classifier=is_classifier(classifier)),
                      StratifiedKFold)  # fmt: skip
    assert isinstance(check_cv(5, Y_REG, classifier=is_classifier(search)), KFold)


def test_hyperband_brackets_keep_their_rungs():
    # max_resources=100 is no power of 3: bracket s still has s + 1 rungs
    search = AutoSearchCV(
        Oracle(), {"quality": uniform(0, 1)}, resource="max_iter",
        max_resources=100, min_resources=3, n_brackets="auto", cv=2, random_state=0,
    ).fit(X_REG, Y_REG)  # fmt: skip
    assert search.n_resources_ == [4, 11, 33, 100, 11, 33, 100, 33, 100, 100]


def test_results_are_a_dataframe_and_top_level_import():
    pd = pytest.importorskip("pandas")
    import skauto

    assert skauto.AutoSearchCV is AutoSearchCV
    X = pd.DataFrame(X_REG, columns=[f"x{i}" for i in range(5)])
    search = AutoSearchCV(Ridge(), {"alpha": [0.1, 1.0, 10.0]}, cv=2).fit(X, Y_REG)
    frame = pd.DataFrame(search.cv_results_)
    assert len(frame) == 3  # one row per candidate
    assert len(pd.DataFrame(search.rung_results_)) == sum(search.n_candidates_)
    assert list(search.feature_names_in_) == list(X.columns)


def test_multi_output_regressor():
    Y = np.column_stack([Y_REG, -Y_REG])
    search = AutoSearchCV(Ridge(), {"alpha": [0.1, 1.0]}, cv=2).fit(X_REG, Y)
    assert search.__sklearn_tags__().target_tags.multi_output
    assert search.predict(X_REG).shape == (240, 2)


# --- switching from scikit-learn's searches (issue 11) -----------------------
def test_sklearn_keyword_names():
    pipe = make_pipeline(StandardScaler(), Ridge())
    grid = {"ridge__alpha": [0.1, 1.0, 10.0]}
    search = AutoSearchCV(pipe, param_grid=grid, cv=3).fit(X_REG, Y_REG)
    assert search.best_params_["ridge__alpha"] in grid["ridge__alpha"]
    search = AutoSearchCV(
        Ridge(), {"alpha": loguniform(1e-3, 1e2)}, n_iter=5, cv=3, random_state=0
    ).fit(X_REG, Y_REG)
    assert len(search.cv_results_["params"]) == 5 == search.n_candidates_[0]
    with pytest.raises(ValueError, match="only one of them"):
        AutoSearchCV(pipe, grid, param_grid=grid).fit(X_REG, Y_REG)
    with pytest.raises(ValueError, match="param_distributions .*param_grid"):
        AutoSearchCV(pipe).fit(X_REG, Y_REG)
    with pytest.raises(ValueError, match="set only one"):
        AutoSearchCV(pipe, grid, n_iter=2, n_candidates=2).fit(X_REG, Y_REG)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"param_grdi": {}}, "did you mean 'param_grid'"),
        ({"n_iters": 3}, "did you mean 'n_iter'"),
        ({"aggressive_elimination": True}, "set n_candidates or min_resources"),
        ({"zzz": 1}, "its keyword arguments are estimator, param_distributions"),
    ],
)
def test_unknown_keyword_names_the_right_one(kwargs, match):
    with pytest.raises(TypeError, match=match):
        AutoSearchCV(Ridge(), **kwargs)


def _gallery_search(**kwargs):
    # 12 grid points, a parameter resource: what GridSearchCV code reads
    grid = {"alpha": [1e-5, 1e-4, 1e-3, 1e-2], "penalty": ["l2", "l1", None]}
    return AutoSearchCV(
        SGDClassifier(random_state=0), grid, max_resources=27, cv=3, random_state=0,
        early_stopping=False, **kwargs,
    ).fit(X_CLF, Y_CLF)  # fmt: skip


def test_cv_results_one_row_per_candidate_like_grid_search(capsys):
    search = _gallery_search()
    results = search.cv_results_
    # the "grid scores" print of scikit-learn's gallery: 12 lines for 12 points
    for mean, std, params in zip(
        results["mean_test_score"], results["std_test_score"], results["params"],
        strict=True,
    ):  # fmt: skip
        print(f"{mean:0.3f} (+/-{std * 2:0.03f}) for {params!r}")
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 12
    assert all("max_iter" not in p for p in results["params"])  # resource apart
    assert results["rank_test_score"][search.best_index_] == 1
    assert search.best_params_ == results["params"][search.best_index_] | {
        "max_iter": 27
    }  # the budget the refit uses, the estimator's own being 1000
    assert search.best_score_ == results["mean_test_score"][search.best_index_]
    rungs = search.rung_results_
    assert len(rungs["params"]) == sum(search.n_candidates_) > 12
    assert results["n_resources"].max() == 27


def test_gallery_figures_read_the_results():
    pd = pytest.importorskip("pandas")
    search = _gallery_search()
    # plot_multi_metric_evaluation: x is a param_* column, one point per value
    alphas = np.asarray(search.cv_results_["param_alpha"].data, dtype=float)
    assert len(alphas) == 12 and len(np.unique(alphas)) == 4
    # plot_successive_halving_iterations: a pivot of the rungs on params
    results = pd.DataFrame(search.rung_results_)
    results["params_str"] = results.params.apply(str)
    results = results.drop_duplicates(subset=("params_str", "iter"))
    scores = results.pivot(index="iter", columns="params_str", values="mean_test_score")
    assert scores.shape == (search.n_iterations_, 12)
    assert scores.notna().sum().sum() == sum(search.n_candidates_)


class Overfits(RegressorMixin, BaseEstimator):
    """Scores ``quality - max_iter / 100``: more budget is worse, clearly."""

    def __init__(self, quality=0.0, max_iter=30):
        self.quality = quality
        self.max_iter = max_iter

    def fit(self, X, y):
        return self

    def predict(self, X):
        return np.zeros(len(X))

    def score(self, X, y):
        return self.quality - self.max_iter / 100


def test_refit_at_the_users_budget_unless_clearly_worse(capsys):
    from sklearn.ensemble import RandomForestClassifier

    search = AutoSearchCV(
        RandomForestClassifier(n_estimators=18, random_state=0),
        {"max_depth": [2, 4, 8]}, cv=2, random_state=0,
    ).fit(X_CLF, Y_CLF)  # fmt: skip
    assert search.resource_ == "n_estimators" and search.n_resources_[-1] == 18
    assert "n_estimators" not in search.best_params_
    assert search.best_estimator_.n_estimators == 18
    from sklearn.linear_model import LogisticRegression

    search = AutoSearchCV(
        make_pipeline(StandardScaler(), LogisticRegression(max_iter=30)),
        {"logisticregression__C": [0.01, 0.1, 1.0, 10.0]},
        resource="logisticregression__max_iter", cv=2,
    ).fit(X_CLF, Y_CLF)  # fmt: skip
    assert search.best_estimator_[-1].max_iter == 30
    assert list(search.best_params_) == ["logisticregression__C"]
    search = AutoSearchCV(
        Overfits(), {"quality": [0.0, 0.1, 0.2]}, resource="max_iter", cv=2,
        early_stopping=False, verbose=1,
    ).fit(X_REG, Y_REG)  # fmt: skip
    assert search.n_resources_[0] < 30
    budget = search.n_resources_[0]
    assert search.best_params_ == {"quality": 0.2, "max_iter": budget}
    assert search.best_estimator_.max_iter == budget
    assert search.best_score_ == pytest.approx(0.2 - budget / 100)
    assert f"refitting at max_iter={budget}" in capsys.readouterr().out


def test_auto_resource_is_never_searched():
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.linear_model import SGDRegressor
    from sklearn.neighbors import KNeighborsRegressor

    search = AutoSearchCV(
        RandomForestRegressor(random_state=0),
        {"n_estimators": [5, 10], "max_depth": [2, 4]}, cv=2,
    ).fit(X_REG, Y_REG)  # fmt: skip
    assert search.resource_ == "n_samples"
    pipe = Pipeline([("scale", StandardScaler()), ("m", SGDRegressor())])
    space = {"m": [SGDRegressor(random_state=0), KNeighborsRegressor()]}
    search = AutoSearchCV(pipe, space, cv=2).fit(X_REG, Y_REG)
    assert search.resource_ == "n_samples"
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_swapped_final_step_fails_alone():
    from sklearn.linear_model import SGDRegressor
    from sklearn.neighbors import KNeighborsRegressor

    pipe = Pipeline([("scale", StandardScaler()), ("m", SGDRegressor())])
    space = {"m": [SGDRegressor(random_state=0), KNeighborsRegressor()]}
    search = AutoSearchCV(pipe, space, resource="m__max_iter", max_resources=9, cv=2)
    with pytest.warns(FitFailedWarning, match="for estimator KNeighborsRegressor"):
        search.fit(X_REG, Y_REG)  # KNeighborsRegressor has no max_iter
    assert isinstance(search.best_params_["m"], SGDRegressor)


@pytest.mark.parametrize("space", [{}, [{}]])
def test_empty_grid_fits_the_estimator_as_it_is(space):
    search = AutoSearchCV(Ridge(alpha=3.0), space, cv=2).fit(X_REG, Y_REG)
    assert search.best_params_ == {} and search.best_estimator_.alpha == 3.0
    assert len(search.cv_results_["params"]) == 1


def test_index_list_splitter_and_routing_to_splitter_and_scorer():
    from sklearn.metrics import make_scorer, mean_squared_error

    cv = [(list(train), list(test)) for train, test in KFold(3).split(X_REG)]
    search = AutoSearchCV(Ridge(), {"alpha": [0.1, 1.0, 10.0]}, cv=cv)
    search.fit(X_REG, Y_REG)
    assert search.resource_ == "n_samples" and search.n_splits_ == 3
    seen = []

    def weighted_mse(y, pred, sample_weight=None):
        seen.append(sample_weight is not None)
        return mean_squared_error(y, pred, sample_weight=sample_weight)

    with sklearn.config_context(enable_metadata_routing=True):
        scorer = make_scorer(weighted_mse, greater_is_better=False)
        scorer = scorer.set_score_request(sample_weight=True)
        search = AutoSearchCV(
            Ridge().set_fit_request(sample_weight=False), {"alpha": [0.1, 1.0]},
            scoring=scorer, cv=GroupKFold(n_splits=3),
        )  # fmt: skip
        groups = np.repeat(np.arange(6), 40)
        search.fit(X_REG, Y_REG, groups=groups, sample_weight=np.ones(240))
    assert seen and all(seen)


def test_minimal_estimators_as_in_sklearn_tests():
    from sklearn.metrics import accuracy_score
    from sklearn.utils._testing import (
        MinimalClassifier,
        MinimalRegressor,
        MinimalTransformer,
    )

    rng = np.random.RandomState(0)
    X, y = rng.randn(25, 2), np.array([0] * 5 + [1] * 20)
    for predictor in [MinimalRegressor, MinimalClassifier]:
        model = Pipeline(
            [("transformer", MinimalTransformer()), ("predictor", predictor())]
        )
        params = {"transformer__param": [1, 10], "predictor__parama": [1, 10]}
        search = AutoSearchCV(model, params, error_score="raise").fit(X, y)
        assert search.best_params_.keys() == params.keys()
        y_pred = search.predict(X)
        if is_classifier(search):
            np.testing.assert_array_equal(y_pred, 1)
            assert search.score(X, y) == pytest.approx(accuracy_score(y, y_pred))
        else:
            np.testing.assert_allclose(y_pred, y.mean())


def test_min_resources_exhaust_and_smallest():
    grid = {"quality": list(np.linspace(0, 1, 9))}
    search = AutoSearchCV(
        Oracle(), grid, resource="max_iter", max_resources=81,
        min_resources="exhaust", cv=2,
    ).fit(X_REG, Y_REG)  # fmt: skip
    assert search.n_candidates_ == [9, 3, 1]
    assert search.n_resources_ == [9, 27, 81]  # 81 // 3**2: the last gets 81
    search.set_params(min_resources="smallest").fit(X_REG, Y_REG)
    assert search.min_resources_ == 1


def test_n_candidates_sum_to_the_rows_with_early_stopping():
    search = AutoSearchCV(
        Overfits(), {"quality": uniform(0, 1)}, resource="max_iter", cv=2,
        random_state=0, n_candidates=9,
    ).fit(X_REG, Y_REG)  # fmt: skip
    # every score falls with more budget: nobody goes past the second rung
    assert sum(search.n_candidates_) == len(search.rung_results_["params"])
    assert len(search.n_candidates_) < 5


def test_partial_fit_on_a_fold_missing_a_class():
    X, y = make_classification(
        n_samples=120, n_classes=3, n_informative=4, random_state=0
    )
    missing = np.flatnonzero(y != 2)
    cv = [(missing[:60], np.arange(120)), *KFold(2).split(X)]
    search = AutoSearchCV(
        SGDClassifier(tol=None, random_state=0), {"alpha": [1e-4, 1e-2]},
        max_resources=9, cv=cv, early_stopping=False,
    )  # fmt: skip
    assert search.fit(X, y).n_resources_ == [1, 3, 9]
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()


def test_empty_training_fold_fails_its_fits_like_grid_search():
    cv = [(np.array([], dtype=int), np.arange(240)), *KFold(2).split(X_REG)]
    for search in [
        GridSearchCV(Ridge(), {"alpha": [0.1, 1.0]}, cv=cv),
        AutoSearchCV(Ridge(), {"alpha": [0.1, 1.0]}, cv=cv),
    ]:
        with pytest.warns(FitFailedWarning):
            search.fit(X_REG, Y_REG)
        assert hasattr(search, "best_estimator_")


def test_no_training_row_in_any_split_is_a_clear_error():
    """One split, its training set empty: the budget arithmetic divided by
    the smallest training set (ZeroDivisionError from _schedule.py)."""
    from skauto.model_selection import HalvingRandomSearchCV

    cv = [(np.array([], dtype=int), np.arange(240))]
    for search in [
        AutoSearchCV(Ridge(), {"alpha": [0.1, 1.0]}, cv=cv),
        HalvingRandomSearchCV(Ridge(), {"alpha": uniform(0, 1)}, cv=cv),
    ]:
        with pytest.raises(ValueError, match="empty training set: nothing to fit"):
            search.fit(X_REG, Y_REG)


def test_all_nan_scores_warn_and_pick_a_full_budget_row():
    search = AutoSearchCV(
        Oracle(nan=True), {"quality": uniform(0, 1)}, resource="max_iter",
        max_resources=9, cv=2, random_state=0,
    )  # fmt: skip
    with pytest.warns(UserWarning, match="non-finite.*none is finite"):
        search.fit(X_REG, Y_REG)
    results = search.cv_results_
    assert results["n_resources"][search.best_index_] == results["n_resources"].max()


def test_one_convergence_warning_naming_the_users_budget():
    from sklearn.neural_network import MLPRegressor

    search = AutoSearchCV(
        MLPRegressor(hidden_layer_sizes=(4,), max_iter=9, random_state=0),
        {"alpha": [1e-4, 1e-2, 1.0]}, cv=2,
    )  # fmt: skip
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        search.fit(X_REG, Y_REG)
    messages = [
        str(w.message) for w in record if issubclass(w.category, ConvergenceWarning)
    ]
    assert 1 <= len(messages) <= 2  # the search's summary, the refit's own
    assert all(re.search(r"max_iter=9|\(9\)", m) for m in messages), messages


def test_check_dtype_object_like_grid_search():
    from sklearn.utils.estimator_checks import check_dtype_object

    # the fits holding the bad value fail (warned, as GridSearchCV does), the
    # refit raises the TypeError that names it
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitFailedWarning)
        warnings.simplefilter("ignore", UserWarning)
        for search in [GridSearchCV, AutoSearchCV]:
            check_dtype_object("search", search(Ridge(), {"alpha": [0.1, 1.0]}))


def test_huge_factor_with_a_distribution():
    search = AutoSearchCV(
        Ridge(), {"alpha": loguniform(1e-3, 1e2)}, factor=1e9, cv=2, random_state=0
    ).fit(X_REG, Y_REG)
    assert search.n_candidates_ == [27]


def test_distribution_without_random_state_raises():
    class Unseeded:
        def rvs(self):
            return 1.0

    with pytest.raises(TypeError, match="rvs must accept random_state"):
        AutoSearchCV(Ridge(), {"alpha": Unseeded()}, cv=2).fit(X_REG, Y_REG)


class _CountsSetParams(Oracle):
    """An Oracle that records every set_params call on any instance."""

    calls = []

    def set_params(self, **params):
        type(self).calls.append(dict(params))
        return super().set_params(**params)


def test_set_params_once_per_task_and_never_empty():
    _CountsSetParams.calls.clear()
    search = AutoSearchCV(
        _CountsSetParams(), {"quality": [0.1, 0.2, 0.3]}, resource="max_iter",
        max_resources=9, cv=2, early_stopping=False,
    ).fit(X_REG, Y_REG)  # fmt: skip
    n_tasks = len(search.rung_results_["params"]) * 2
    calls = _CountsSetParams.calls
    assert all(calls) and len(calls) <= n_tasks + 1  # + the refit


def test_parameters_set_per_fold_as_grid_search_once_for_a_pipeline():
    _CountsSetParams.calls.clear()
    grid = {"quality": [0.1, 0.2, 0.3]}
    search = AutoSearchCV(_CountsSetParams(), grid, resource="n_samples", cv=4)
    search.fit(X_REG, Y_REG)
    assert search.n_iterations_ == 1  # one exhaustive rung of 3 x 4 fits
    # on each fold's clone, as GridSearchCV, in the order of the candidates
    per_fold = [params for params in ParameterGrid(grid) for _ in range(4)]
    assert _CountsSetParams.calls == [*per_fold, search.best_params_]
    # a pipeline's (costly) set_params: once per candidate, on the template
    # each fold's clone comes from, and the refit's
    _CountsSetParams.calls.clear()
    pipe = Pipeline([("m", _CountsSetParams())])
    grid = {"m__quality": [0.1, 0.2, 0.3]}
    search = AutoSearchCV(pipe, grid, resource="n_samples", cv=4).fit(X_REG, Y_REG)
    expected = [{"quality": q} for q in grid["m__quality"]]
    assert _CountsSetParams.calls == [
        *expected,
        {"quality": search.best_params_["m__quality"]},
    ]


def test_candidate_that_cannot_be_set_fails_alone_in_each_fold():
    from sklearn.neighbors import KNeighborsRegressor

    pipe = Pipeline([("m", Ridge())])
    grid = {"m": [Ridge(), KNeighborsRegressor()], "m__alpha": [1.0]}
    with pytest.warns(FitFailedWarning, match="3 fits failed out of a total of 6"):
        search = AutoSearchCV(pipe, grid, cv=3, resource="n_samples").fit(X_REG, Y_REG)
    assert np.isnan(search.cv_results_["mean_test_score"][1])
    assert np.isfinite(search.cv_results_["mean_test_score"][0])


def test_multimetric_gallery_figure_reads_one_point_per_value():
    from sklearn.tree import DecisionTreeClassifier

    scoring = {"AUC": "roc_auc", "Accuracy": "accuracy"}
    grid = {"min_samples_split": list(range(2, 200, 20))}
    search = AutoSearchCV(
        DecisionTreeClassifier(random_state=42), grid, scoring=scoring,
        refit="AUC", return_train_score=True, min_resources="smallest", cv=3,
    ).fit(X_CLF, Y_CLF)  # fmt: skip
    results = search.cv_results_
    x = np.asarray(results["param_min_samples_split"].data, dtype=float)
    assert len(x) == len(np.unique(x)) == 10  # one point per value: no zigzag
    for scorer in scoring:
        for sample in ("train", "test"):
            assert len(results[f"mean_{sample}_{scorer}"]) == 10
    assert results["rank_test_AUC"][search.best_index_] == 1
    assert search.best_score_ == results["mean_test_AUC"][search.best_index_]


def test_readme_search_snippet_does_not_warn():
    from pathlib import Path

    readme = Path(__file__).parents[1] / "README.md"
    blocks = readme.read_text().split("```python\n")[1:]
    setup, search_block = (block.split("```")[0] for block in blocks[:2])
    setup = setup.split("model = make_pipeline")[0]  # not the self-tuner's fit
    namespace = {}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        exec(setup, namespace)
        # for speed 800 rows, and the rows of the rarest weather, which a
        # training fold may miss (an encoder without handle_unknown="ignore"
        # then fails the fold)
        X, y = namespace["X_train"], namespace["y_train"]
        weather = X[:, namespace["bike"].feature_names.index("weathersit")]
        values, counts = np.unique(weather, return_counts=True)
        rare = np.flatnonzero(weather == values[np.argmin(counts)])
        rows = np.union1d(np.arange(800), rare)
        namespace["X_train"], namespace["y_train"] = X[rows], y[rows]
        exec(search_block.replace("print(", "(", 1), namespace)
    assert namespace["search"].resource_ == "sgdregressor__max_iter"


# --- parameters and scorers a demanding user tries ------------------------
@pytest.mark.parametrize(
    "name", ["max_resources", "min_resources", "n_candidates", "n_iter", "n_brackets"]
)
@pytest.mark.parametrize("value", [True, False])
def test_booleans_are_not_counts(name, value):
    from skauto._compat import InvalidParameterError

    search = AutoSearchCV(SGDClassifier(), {"alpha": loguniform(1e-5, 1)})
    search.set_params(**{name: value})
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter.*Got {value}"):
        search.fit(X_CLF, Y_CLF)


def test_a_huge_factor_plans_one_rung():
    search = AutoSearchCV(
        SGDClassifier(random_state=0), {"alpha": loguniform(1e-5, 1)}, factor=1e300,
        max_resources=5, cv=2, random_state=0,
    ).fit(X_CLF, Y_CLF)  # fmt: skip
    assert search.n_resources_ == [5] and search.n_candidates_ == [27]


def test_a_few_candidates_of_a_huge_grid_take_little_memory():
    import tracemalloc

    grid = {
        "alpha": list(np.logspace(-3, 3, 1000)),
        "tol": list(np.logspace(-6, -1, 1000)),
        "max_iter": list(range(100, 1100)),
    }  # 10**9 points
    tracemalloc.start()
    try:
        search = AutoSearchCV(Ridge(), grid, n_candidates=5, cv=2, random_state=0)
        search.fit(X_REG, Y_REG)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert len(search.cv_results_["params"]) == 5
    assert peak < 50e6  # a permutation of the grid's indices: 8 GB


def _say_good(estimator, X, y):
    return "good"


def _two_numbers(estimator, X, y):
    return np.array([1.0, 2.0])


@pytest.mark.parametrize("scorer", [_say_good, _two_numbers])
def test_a_scorer_that_returns_no_number_raises_like_grid_search(scorer):
    grid = {"alpha": [0.1, 1.0]}
    with pytest.raises(ValueError, match="scoring must return a number"):
        GridSearchCV(Ridge(), grid, scoring=scorer, cv=2).fit(X_REG, Y_REG)
    with pytest.raises(ValueError, match="scoring must return a number"):
        AutoSearchCV(Ridge(), grid, scoring=scorer, cv=2).fit(X_REG, Y_REG)


class SleepyForest(RegressorMixin, BaseEstimator):
    """Grows ``n_estimators`` "trees" of 5 ms each (warm start: the new ones)."""

    def __init__(self, n_estimators=400, depth=1, warm_start=False):
        self.n_estimators = n_estimators
        self.depth = depth
        self.warm_start = warm_start

    def fit(self, X, y):
        import time

        grown = getattr(self, "grown_", 0) if self.warm_start else 0
        time.sleep(0.005 * max(0, self.n_estimators - grown))
        self.grown_ = self.n_estimators
        self.mean_ = float(np.mean(y))
        return self

    def predict(self, X):
        return np.full(len(X), self.mean_ + self.depth * 1e-9)


def test_max_time_bounds_the_whole_fit_refit_included():
    import time

    search = AutoSearchCV(
        SleepyForest(), {"depth": uniform(0, 1)}, max_time=0.3, cv=2, random_state=0
    )
    start = time.perf_counter()
    with pytest.warns(UserWarning, match="max_time"):
        search.fit(X_REG, Y_REG)
    seconds = time.perf_counter() - start
    # a refit at the full 400 trees alone takes 2 s: it is at the budget the
    # search could evaluate, and no fit starts after the deadline
    assert search.best_params_["n_estimators"] < 400
    assert seconds < 1.5


def test_an_old_distributed_does_not_hide_errors(monkeypatch):
    """distributed < 2024.8 has no FutureCancelledError: any error of a fit
    became AttributeError; its CancelledError is the lost-worker error."""
    import concurrent.futures
    import sys
    import types

    from skauto.model_selection import _search

    old = types.ModuleType("distributed.client")
    old.CancelledError = concurrent.futures.CancelledError
    monkeypatch.setitem(sys.modules, "distributed.client", old)
    with pytest.raises(RuntimeError, match="boom quality"):
        AutoSearchCV(Oracle(fail=True), {"quality": [0.1]}, cv=2,
                     error_score="raise").fit(X_REG, Y_REG)  # fmt: skip

    class LosingParallel(_search.Parallel):
        def __call__(self, iterable):
            raise concurrent.futures.CancelledError("fit_and_score-0")

    monkeypatch.setattr(_search, "Parallel", LosingParallel)
    with pytest.raises(RuntimeError, match="scatter=\\[X, y\\]"):
        AutoSearchCV(Oracle(), {"quality": [0.1]}, cv=2).fit(X_REG, Y_REG)
