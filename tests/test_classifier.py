import pickle
import warnings

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.datasets import load_iris, make_classification
from sklearn.metrics import log_loss
from sklearn.utils.estimator_checks import parametrize_with_checks

from skauto.neural_network import SelfTuningMLPClassifier

FAST = dict(n_candidates=6, ensemble_size=2, max_epochs=9, random_state=0)


@parametrize_with_checks(
    [SelfTuningMLPClassifier(**FAST)],
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


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True)
    return X, np.array(["setosa", "versicolor", "virginica"])[y]


@pytest.fixture(scope="module")
def fitted(iris):
    return SelfTuningMLPClassifier(**FAST).fit(*iris)


def test_string_labels_and_probabilities(fitted, iris):
    X, y = iris
    assert list(fitted.classes_) == ["setosa", "versicolor", "virginica"]
    assert fitted.out_activation_ == "softmax"
    assert set(fitted.predict(X)) <= set(fitted.classes_)
    assert fitted.score(X, y) > 0.9
    proba = fitted.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    np.testing.assert_allclose(fitted.predict_log_proba(X), np.log(proba), atol=1e-6)
    np.testing.assert_array_equal(
        fitted.predict(X), fitted.classes_[proba.argmax(axis=1)]
    )


def test_scores_are_minus_log_loss(fitted):
    assert fitted.best_score_ < 0
    best_member = fitted.cv_results_["mean_test_score"][fitted.best_index_]
    assert fitted.best_score_ >= best_member - 1e-6
    assert fitted.best_validation_score_ == max(fitted.validation_scores_)


def test_binary(iris):
    X, y = make_classification(n_samples=400, random_state=0)
    clf = SelfTuningMLPClassifier(**FAST).fit(X[:300], y[:300])
    assert clf.out_activation_ == "logistic" and clf.n_outputs_ == 1
    proba = clf.predict_proba(X[300:])
    assert proba.shape == (100, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1)
    assert log_loss(y[300:], proba) < 0.5
    np.testing.assert_array_equal(clf.predict(X[300:]), proba.argmax(axis=1))


def test_multilabel():
    X, y = make_classification(n_samples=300, n_classes=3, n_informative=4,
                               random_state=0)  # fmt: skip
    Y = np.eye(3, dtype=int)[y]
    Y[:, 2] |= X[:, 0] > 0  # a second label on some rows
    clf = SelfTuningMLPClassifier(**FAST).fit(X, Y)
    assert clf.out_activation_ == "logistic"
    assert clf.predict(X).shape == Y.shape
    assert clf.predict_proba(X).shape == Y.shape
    assert (clf.predict(X) == Y).mean() > 0.8


def test_class_weight_balanced_finds_the_minority():
    X, y = make_classification(n_samples=600, weights=[0.93], flip_y=0,
                               class_sep=0.6, random_state=0)  # fmt: skip
    plain = SelfTuningMLPClassifier(**FAST).fit(X, y)
    balanced = SelfTuningMLPClassifier(**FAST, class_weight="balanced").fit(X, y)
    recall = [(m.predict(X)[y == 1] == 1).mean() for m in (plain, balanced)]
    assert recall[1] > recall[0]


def test_one_class_is_a_clear_error():
    X = np.random.default_rng(0).normal(size=(20, 2))
    with pytest.raises(ValueError, match="at least 2 classes"):
        SelfTuningMLPClassifier(**FAST).fit(X, np.zeros(20))


def test_stratified_folds_keep_a_rare_class(iris):
    X, y = iris
    keep = np.r_[0:50, 50:100, 100:106]  # 6 rows of the third class
    clf = SelfTuningMLPClassifier(**FAST, cv=5).fit(X[keep], y[keep])
    # every fold holds a row of it, so no fold's log-loss is undefined
    assert np.isfinite(clf.cv_results_["mean_test_score"]).all()
    assert len(clf.classes_) == 3


def test_deterministic_and_picklable(fitted, iris):
    X, y = iris
    again = clone(fitted).fit(X, y)
    np.testing.assert_array_equal(again.predict_proba(X), fitted.predict_proba(X))
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict_proba(X), fitted.predict_proba(X))


def test_garbage_model_warns_and_names_the_range(iris):
    reg = SelfTuningMLPClassifier(**FAST, learning_rate_range=(1e3, 1e4))
    with pytest.warns(UserWarning, match=r"log-loss .* twice .*learning_rate_range"):
        reg.fit(*iris)


@pytest.mark.parametrize("n_classes", [2, 3])
def test_logistic_member_is_sklearns_logistic_regression(n_classes):
    """Mean log-loss + alpha / 2 * ||W||**2 is LogisticRegression(C=1 / (alpha n))."""
    from sklearn.linear_model import LogisticRegression

    from skauto.neural_network._tasks import _fit_logistic

    X, y = make_classification(
        200, 5, n_informative=4, n_redundant=0, n_classes=n_classes, random_state=0
    )
    Y = np.eye(n_classes)[y] if n_classes > 2 else y[:, None].astype(float)
    output = "softmax" if n_classes > 2 else "logistic"
    alpha = 0.01
    start = np.zeros((X.shape[1] + 1) * Y.shape[1])
    coef = _fit_logistic(X, Y, None, alpha, output, start).reshape(-1, Y.shape[1])
    ref = LogisticRegression(C=1 / (alpha * len(X)), tol=1e-10, max_iter=10_000)
    ref.fit(X, y)
    logits = X @ coef[:-1] + coef[-1]
    want = ref.decision_function(X).reshape(len(X), -1)
    if n_classes > 2:  # softmax logits are defined up to a constant per row
        logits, want = (
            logits - logits.mean(1, keepdims=True),
            want - want.mean(1, keepdims=True),
        )
    np.testing.assert_allclose(logits, want, atol=2e-3)


def test_linear_member_joins_when_the_networks_learn_nothing():
    X, y = make_classification(300, 6, n_informative=3, random_state=0)
    clf = SelfTuningMLPClassifier(
        n_candidates=3, ensemble_size=2, max_epochs=1, learning_rate_range=(1e-7, 1e-7),
        random_state=0,
    )  # fmt: skip
    clf.fit(X, y)
    linear = [m for m in clf.ensemble_ if m["params"].get("linear")]
    assert linear and linear[0]["weight"] > 0.5
    assert linear[0]["params"]["alpha"] > 0
    assert clf.ensemble_[-1] is linear[0]  # the linear member comes last


def test_temperature_softens_an_over_confident_ensemble_only():
    from types import SimpleNamespace

    from skauto.neural_network._tasks import Classification

    task = Classification()
    task.output = "logistic"
    rng = np.random.default_rng(0)
    logit = rng.normal(size=(2000, 1)) * 2
    y = (rng.random((2000, 1)) < 1 / (1 + np.exp(-logit))).astype(float)
    data = SimpleNamespace(y_val=y, w_val=None)
    calibrated = task.score(logit, data)
    gain, score, fitted = task.calibrate(3 * logit, data, task.score(3 * logit, data))
    temperature = fitted["temperature_"]
    assert 2.5 < temperature < 3.5 and gain == pytest.approx(1 / temperature)
    assert score == pytest.approx(calibrated, abs=2e-3)
    # an under-confident ensemble is left alone: the temperature only softens
    gain, score, fitted = task.calibrate(logit / 3, data, task.score(logit / 3, data))
    assert fitted["temperature_"] == 1.0 and gain == 1.0


def test_returned_logits_are_divided_by_the_temperature(fitted, iris):
    assert fitted.temperature_ >= 1.0
    assert -fitted.best_score_ < np.log(3)  # better than uniform


def test_defaults_match_the_regressor():
    """The two self-tuners share their engine, so their shared parameters
    share defaults (the classifier's own __init__ once kept ensemble_size=8)."""
    from skauto.neural_network import SelfTuningMLPRegressor

    clf, reg = (
        SelfTuningMLPClassifier().get_params(),
        SelfTuningMLPRegressor().get_params(),
    )
    assert {k: v for k, v in clf.items() if k in reg} == reg


def test_signature_is_the_engines_plus_class_weight():
    """The classifier's explicit signature (scikit-learn reads get_params
    from it) is the base class's, which stores them, plus class_weight."""
    import inspect

    from skauto.neural_network._base import BaseSelfTuningMLP

    clf = inspect.signature(SelfTuningMLPClassifier.__init__).parameters
    base = inspect.signature(BaseSelfTuningMLP.__init__).parameters
    assert [p for name, p in clf.items() if name != "class_weight"] == list(
        base.values()
    )
    est = SelfTuningMLPClassifier(n_candidates=9, class_weight="balanced")
    assert clone(est).get_params() == est.get_params()
    assert est.get_params()["n_candidates"] == 9


def test_docstrings_share_the_engines_text():
    """Both docstrings are filled from _base's blocks: no placeholder is left,
    and each block appears in both, indented as numpydoc needs."""
    import re
    import textwrap

    from skauto.neural_network import SelfTuningMLPRegressor
    from skauto.neural_network._docs import _DOC_BLOCKS, _fill_doc

    for cls in (SelfTuningMLPClassifier, SelfTuningMLPRegressor):
        doc = cls.__doc__
        assert not re.findall(r"\{\w+\}", doc), cls
        for name in ("run_parameters", "search_attributes", "fit_attributes"):
            assert textwrap.indent(_DOC_BLOCKS[name], "    ") in doc, (cls, name)
        assert "ensemble_size : int" in doc and "Examples\n    --------" in doc
    assert "of a logistic regression" in SelfTuningMLPClassifier.__doc__
    assert "of a ridge regression" in SelfTuningMLPRegressor.__doc__
    with pytest.raises(KeyError, match="no_such_block"):

        @_fill_doc()
        class Bad:
            """Text.

            {no_such_block}
            """


@pytest.mark.parametrize(
    "class_weight, match",
    [
        ({0: -1, 1: 1}, r"class_weight\[0\]=-1"),
        ({0: np.inf, 1: 1}, r"class_weight\[0\]=inf"),
        ({0: np.nan, 1: 1}, r"class_weight\[0\]=nan"),
        ({0: "a", 1: 1}, r"class_weight\[0\]='a'"),
        ({0: 1, 7: 1}, r"weights for \[7\], which are not classes"),
        ({0: 0, 1: 0}, "every row weight 0"),
    ],
)
def test_class_weight_values_are_checked(class_weight, match):
    X, y = make_classification(120, 4, random_state=0)
    with pytest.raises(ValueError, match=match):
        SelfTuningMLPClassifier(**FAST, class_weight=class_weight).fit(X, y)


def test_a_class_of_weight_zero_warns_what_it_means():
    """Its rows neither train nor validate: say so, instead of calling a
    near-perfect validation log-loss a failure."""
    X, y = make_classification(300, 4, random_state=0)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        SelfTuningMLPClassifier(**FAST, class_weight={0: 0, 1: 1}).fit(X, y)
    messages = [str(w.message) for w in seen]
    assert any("class(es) [0] weight 0" in m for m in messages)
    assert not any("no candidate learned" in m for m in messages)
