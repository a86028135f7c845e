"""The permanent fault matrix's rows and outcomes, shared by its test files.

A new public estimator is covered by every file of the matrix
(tests/test_faults.py, test_class_weight.py, test_rare_classes.py,
test_memory_bounds.py, test_dataframes.py, test_scorers.py) by adding one line
to ``ESTIMATORS``.
"""

import re
import traceback
import warnings
from dataclasses import dataclass, field

import numpy as np
import pytest
from _timeout import time_limit
from scipy.stats import loguniform
from sklearn.base import clone, is_classifier
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import Ridge, SGDClassifier
from sklearn.metrics import log_loss, r2_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skauto.model_selection import AutoSearchCV, GridSearchCV, RandomizedSearchCV
from skauto.neural_network import SelfTuningMLPClassifier, SelfTuningMLPRegressor

TIME_LIMIT = 20  # seconds per case; a case takes well under one


@dataclass(frozen=True)
class Row:
    """One public estimator, built small: tiny data, tiny budgets."""

    name: str
    make: object
    kind: str  # "regressor" or "classifier"
    weight_key: str = "sample_weight"  # the fit parameter carrying weights
    xfail: dict = field(default_factory=dict)  # case id -> reason
    like: str = ""  # a row whose expected outcomes this one shares


# ---------------------------------------------------------------------------
# One line per public estimator.
ESTIMATORS = [
    Row(
        "SelfTuningMLPRegressor",
        lambda: SelfTuningMLPRegressor(
            n_candidates=4, ensemble_size=2, max_epochs=3, random_state=0
        ),
        "regressor",
    ),
    Row(
        "SelfTuningMLPClassifier",
        lambda: SelfTuningMLPClassifier(
            n_candidates=4, ensemble_size=2, max_epochs=3, random_state=0
        ),
        "classifier",
    ),
    Row(
        "AutoSearchCV(Ridge)",
        lambda: AutoSearchCV(
            Ridge(), {"alpha": [0.1, 1.0, 10.0]}, cv=3, random_state=0
        ),
        "regressor",
    ),
    Row(  # skauto's GridSearchCV: AutoSearchCV behind scikit-learn's signature
        "GridSearchCV(Ridge)",
        lambda: GridSearchCV(Ridge(), {"alpha": [0.1, 1.0, 10.0]}, cv=3),
        "regressor",
        like="AutoSearchCV(Ridge)",
    ),
    Row(
        "RandomizedSearchCV(SGDClassifier)",
        lambda: RandomizedSearchCV(
            SGDClassifier(tol=None, random_state=0),
            {"alpha": loguniform(1e-5, 1e-1)},
            n_iter=4,
            cv=3,
            random_state=0,
        ),
        "classifier",
        like="AutoSearchCV(SGDClassifier)",
    ),
    Row(
        "AutoSearchCV(SGDClassifier)",
        lambda: AutoSearchCV(
            SGDClassifier(tol=None, random_state=0),
            {"alpha": loguniform(1e-5, 1e-1)},
            n_candidates=4,
            max_resources=9,
            cv=3,
            random_state=0,
        ),
        "classifier",
    ),
    Row(
        "AutoSearchCV(Pipeline)",
        lambda: AutoSearchCV(
            make_pipeline(StandardScaler(), Ridge()),
            {"ridge__alpha": loguniform(0.1, 10.0)},
            n_candidates=4,
            cv=3,
            random_state=0,
        ),
        "regressor",
        weight_key="ridge__sample_weight",
    ),
]


# ------------------------------------------------------------------ outcomes
@dataclass(frozen=True)
class Works:
    """The fit returns; predictions on the training X are finite."""

    def __str__(self):
        return "works"


@dataclass(frozen=True)
class PredictRaises:
    """The fit returns (every score NaN, warned, as in GridSearchCV) and
    ``predict`` raises the wrapped estimator's clear error."""

    match: str

    def __str__(self):
        return f"fit, then predict raises {self.match!r}"


@dataclass(frozen=True)
class Raises:
    """The fit raises ``exc`` with a message matching ``match``."""

    match: str
    exc: type = ValueError

    def __str__(self):
        return f"{self.exc.__name__}({self.match!r})"


@dataclass(frozen=True)
class BaseError:
    """The wrapped estimator's own error, passed through as GridSearchCV does.

    The search raises ``exc`` matching ``match``, and fitting the wrapped
    estimator alone on the same data raises the same message (it may come
    from deep inside numpy: that is the wrapped estimator's business).
    """

    match: str
    exc: type = ValueError

    def __str__(self):
        return f"base {self.exc.__name__}({self.match!r})"


WORKS = Works()


@dataclass(frozen=True)
class WorksOrRaises:
    """The fit works, or raises ``exc`` matching ``match`` (not from numpy):
    either is fine where a value is valid but unusual (``True`` for an int)."""

    match: str
    exc: type = ValueError

    def __str__(self):
        return f"works or {self.exc.__name__}({self.match!r})"


@dataclass(frozen=True)
class Learns:
    """The fit works and its model beats a constant on clean test data (R2
    above ``margin``, or log-loss below the class frequencies'; accuracy 0.1
    above the majority's without ``predict_proba``), and does not report a
    near-perfect log-loss that the test belies; or the fit warns (a
    UserWarning that is not a ConvergenceWarning)."""

    X_test: object
    y_test: object
    margin: float = 0.5

    def __str__(self):
        return "learns or warns"


def failed(match):
    """Every fit of the search failed; the first error matches ``match``."""
    return Raises(rf"(?s)All the \d+ fits failed.*{match}")


def by_kind(regressor, classifier):
    """The expected outcome depends on the estimator's kind."""
    return {"regressor": regressor, "classifier": classifier}


def resolve(expected, row):
    """The outcome for ``row``: a dict is keyed by the row's name, its class
    name (before the parenthesis), its kind, or "default"."""
    if not isinstance(expected, dict):
        return expected
    names = [row.name, row.like] if row.like else [row.name]
    names += [n.split("(")[0] for n in names]
    for key in (*names, row.kind, "default"):
        if key in expected:
            return expected[key]
    raise KeyError(f"no expected outcome for {row.name}")


# ---------------------------------------------------------------- data cases
N, P = 30, 3


def _data(kind, n=N, p=P, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, p))
    signal = X @ rng.normal(size=p)
    y = signal + 0.1 * rng.normal(size=n) if kind == "regressor" else signal > 0
    if kind == "classifier" and n > 1:
        y[:2] = [True, False]  # both classes, whatever n
    return X, y.astype(float) if kind == "regressor" else y.astype(int)


# ------------------------------------------------------------------- running
def check_outcome(expected, est, X, y=None, *, limit=TIME_LIMIT, **fit_params):
    """Fit under a time limit and assert ``expected``."""
    fit_args = (X,) if y is None else (X, y)
    with time_limit(limit):
        if isinstance(expected, Learns):
            return check_learns(expected, est, X, y, **fit_params)
        if isinstance(expected, WorksOrRaises):
            try:
                est.fit(*fit_args, **fit_params)
            except expected.exc as exc:
                assert re.search(expected.match, str(exc)), str(exc)
                assert_not_from_numpy(exc)
                return
            expected = WORKS
        if isinstance(expected, Works):
            est.fit(*fit_args, **fit_params)
            predicted = np.asarray(est.predict(X))
            assert predicted.dtype.kind not in "fc" or np.isfinite(predicted).all()
            return
        if isinstance(expected, PredictRaises):
            est.fit(*fit_args, **fit_params)
            with pytest.raises(ValueError, match=expected.match):
                est.predict(X)
            return
        with pytest.raises(expected.exc, match=expected.match) as info:
            est.fit(*fit_args, **fit_params)
        if isinstance(expected, BaseError):
            base = clone(est.estimator)
            with pytest.raises(expected.exc) as alone:
                base.fit(*fit_args, **_unrouted(fit_params))
            assert str(alone.value) in str(info.value)
        else:
            assert_not_from_numpy(info.value)


def check_learns(expected, est, X, y, **fit_params):
    """Assert ``expected``, a :class:`Learns`."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        est.fit(X, y, **fit_params)
    warned = [
        w
        for w in caught
        if issubclass(w.category, UserWarning)
        and not issubclass(w.category, ConvergenceWarning)
    ]
    if warned:
        return
    Xt, yt = expected.X_test, expected.y_test
    _assert_reported_score_is_believable(est, Xt, yt)
    if is_classifier(est) and not hasattr(est, "predict_proba"):
        got, floor = (
            np.mean(est.predict(Xt) == yt),
            np.max(np.unique(yt, return_counts=True)[1]) / len(yt),
        )
        assert got > floor + 0.1, f"accuracy {got:.3g}, the majority's {floor:.3g}"
    elif is_classifier(est):
        labels, counts = np.unique(y, return_counts=True)
        constant = np.tile(counts / counts.sum(), (len(yt), 1))
        got = log_loss(yt, est.predict_proba(Xt), labels=est.classes_)
        floor = log_loss(yt, constant, labels=labels)
        assert got < floor, f"log-loss {got:.3g} >= the class frequencies' {floor:.3g}"
    else:
        got = r2_score(yt, est.predict(Xt))
        assert got > expected.margin, f"test R2 {got:.3g}, and no warning"


def _assert_reported_score_is_believable(est, Xt, yt):
    """A validation log-loss under 1e-3 (``best_score_`` of a self-tuner)
    while the test log-loss is above 0.1 cannot be true."""
    reported = getattr(est, "best_score_", None)
    if reported is None or not -1e-3 < reported <= 0 or not is_classifier(est):
        return
    got = log_loss(yt, est.predict_proba(Xt), labels=est.classes_)
    assert got <= 0.1, f"reports log-loss {-reported:.2g}, test log-loss {got:.3g}"


def _unrouted(fit_params):
    return fit_params  # Pipeline parameters ("step__name") are its own


def assert_not_from_numpy(exc):
    """The error was raised by skauto or scikit-learn, not deep in numpy."""
    last = traceback.extract_tb(exc.__traceback__)[-1]
    assert "/numpy/" not in last.filename, f"raised from {last.filename}"


def matrix(cases, rows=ESTIMATORS, gaps=None):
    """pytest params ``(row, case name, case)`` of every row and case; a
    ``(row name, case name)`` in ``gaps`` is a strict xfail with its reason
    (a known finding: remove the line when it is fixed)."""
    gaps = gaps or {}
    for row in rows:
        for name, case in cases.items():
            reason = gaps.get((row.name, name))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(row, name, case, id=f"{row.name}-{name}", marks=marks)


def wraps_an_estimator(row):
    """A search: what its model learns is the wrapped estimator's business."""
    return "estimator" in row.make().get_params(deep=False)
