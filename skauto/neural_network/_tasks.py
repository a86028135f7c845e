"""What regression and classification do differently: one task object each.

A task says how the target is checked and encoded, which output layer and
loss the population trains (``output``, a key of ``_population.OUTPUTS``), how
a validation prediction is scored (higher is better), what score means "no
candidate learned", which linear model joins the ensemble's pool, and how the
ensemble's outputs are calibrated. Everything else of a fit is shared.
"""

import math
import warnings
from numbers import Real

import numpy as np
from scipy.optimize import minimize, minimize_scalar
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import column_or_1d

from .._population import OUTPUTS
from ._data import _chunks, _mean_scale, _variance
from ._ensemble import _linear_network, _out_of_fold

# The logistic member's L2 strengths (on the mean log-loss of standardized
# features), tried strongest first, each fit starting from the previous one,
# until two in a row score worse than the best; it trains on at most
# _LINEAR_ROWS rows (a linear model of a few features needs no more).
_LINEAR_ALPHAS = np.logspace(1, -5, 7)
_LINEAR_ROWS, _LINEAR_ITER, _LINEAR_PATIENCE = 10_000, 100, 2
# The temperature that divides the returned logits lies in this range. It
# only softens: the validation rows also chose the members and their epochs,
# so they flatter the ensemble's sharpness, and a temperature below 1 fitted
# on them sharpens for rows that did not choose.
_TEMPERATURES = (1.0, 4.0)
_TWIN_SKEW = 1.0  # a target skewed more than this gets a log1p twin
# A class of fewer training rows is too rare to learn or to validate on (the
# fault matrix: 3 separable rows of 300 or 3,003 gave test accuracy .50-.58
# where MLPClassifier reached .85): the fit says so.
_RARE_ROWS = 10
# A class whose rows all weigh less than this share of the heaviest row is
# not learned (class_weight 1e300 against 1: weights of 1e-300 after scaling).
_NEGLIGIBLE_WEIGHT = 1e-8


class Regression:
    """Squared error on the standardized target; validation R2."""

    output = "identity"
    score_sign, score_name = 1, "R2"  # how verbose output shows a score
    splines = True  # whether the features get their spline basis
    y_numeric = True
    unweighted = ()  # no class weights, so no class left unlearned by them

    def coerce(self, y, name):
        """y as float64 when it holds strings or objects; ValueError if not numeric."""
        if y is None:
            return y  # validate_data says y is required
        if not isinstance(getattr(getattr(y, "dtype", None), "kind", None), str):
            try:  # a list, a polars Series: through numpy
                y = np.asarray(y)
            except ValueError:  # ragged: validate_data says what is wrong
                return y
        if y.dtype.kind not in "USO":
            return y
        try:
            return np.asarray(y, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"{name} is a regressor: y must be numeric, got values such as "
                f"{np.ravel(y)[:1]} ({exc}). Encode the target as numbers, or "
                "use a classifier."
            ) from None

    def encode(self, y, name):
        """(2-D target, the fitted attributes it gives the estimator)."""
        return y.reshape(len(y), -1), {"_y_1d": y.ndim == 1}

    def weigh(self, w, y):
        return w

    def strata(self, Y):
        return None

    def target_scale(self, Y, train, w):
        return _mean_scale(Y, train, w)

    def twin(self, Y):
        """The target's transformed twin, or None: log1p for a single target
        of values >= 0 skewed to the right (skewness above 1), whose large
        values would otherwise dominate the squared error."""
        if Y.shape[1] != 1 or Y.min() < 0:
            return None
        y = Y[:, 0]
        sd = y.std()
        skew = 0.0 if sd == 0 else float(np.mean(((y - y.mean()) / sd) ** 3))
        return Log1p(y.max()) if skew > _TWIN_SKEW else None

    def back(self, data, pred, column):
        """Validation predictions fitted to ``column`` of the target, in the
        first column's (standardized) units."""
        return pred if column == 0 else data.back(pred, data.y_val[:, 1:2])

    def variance(self, data):
        return _variance(data.y_val[:, : data.n_outputs], data.w_val)

    def poor_score(self, data):
        y_val = data.y_val[:, : data.n_outputs]
        return _poor_score(y_val, data.w_val, data.y_var_all)

    def poor_fit(self, score):
        return (
            f"validation R2 is {score:.3g}: its error is more than twice that of "
            "predicting the mean"
        )

    def linear_member(self, data, column=0):
        return _ridge(
            data, column, lambda p: self.score(self.back(data, p, column), data)
        )

    def score(self, pred, data):
        return _r2(pred, data)

    def calibrate(self, blend, data, score):
        """(factor on the returned outputs, score after it, fitted attributes)."""
        return 1.0, score, {}


class Classification:
    """Log-loss of a softmax (multiclass) or logistic outputs (binary,
    multilabel); validation score minus the log-loss."""

    score_sign, score_name = -1, "log-loss"
    # The spline basis of the features (the regressor's, from 500 rows) cost
    # the classifier 1.5 to 3 times the time on the development datasets for
    # no better log-loss (3 seeds: anes96 .2585 -> .2572, fair .5525 ->
    # .5525; digits has too many features for it).
    splines = False
    y_numeric = False

    def __init__(self, class_weight=None):
        self.class_weight = class_weight
        self.output, self.multilabel = None, False  # known from the target
        self.unweighted = []  # classes of weight 0 (or negligible) on every row

    def coerce(self, y, name):
        return y

    def encode(self, y, name):
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        binarizer = LabelBinarizer()
        Y = binarizer.fit_transform(y).astype(np.float64)
        self.multilabel = binarizer.y_type_.startswith("multilabel")
        if not self.multilabel and len(binarizer.classes_) < 2:
            raise ValueError(
                f"{name} needs samples of at least 2 classes in y; got only the "
                f"class {binarizer.classes_[0]!r}."
            )
        self.output = "softmax" if type_of_target(y) == "multiclass" else "logistic"
        if not self.multilabel:
            _warn_rare(binarizer.classes_, np.unique(y, return_counts=True)[1])
        fitted = {
            "_label_binarizer": binarizer,
            "classes_": binarizer.classes_,
            "out_activation_": self.output,
        }
        return Y, fitted

    def weigh(self, w, y):
        """Sample weights times class weights, scaled to a largest of 1."""
        if self.class_weight is None:
            return w
        if self.multilabel:
            raise ValueError(
                "class_weight is not supported for multilabel targets; pass "
                "sample_weight instead."
            )
        y = column_or_1d(y) if y.ndim == 2 and y.shape[1] == 1 else y
        if isinstance(self.class_weight, dict):
            _check_class_weight(self.class_weight, np.unique(y))
        by_class = compute_sample_weight(self.class_weight, y)
        w = by_class if w is None else w * by_class
        if not w.any():
            raise ValueError(
                "class_weight and sample_weight together give every row weight 0. "
                "Give some class a positive weight."
            )
        labels, small = np.unique(y), _NEGLIGIBLE_WEIGHT * w.max()
        unweighted = [c for c in labels.tolist() if not (w[y == c] > small).any()]
        self.unweighted = unweighted  # warned here, not as a poor fit
        if unweighted:
            warnings.warn(
                f"class_weight and sample_weight give the class(es) {unweighted} "
                f"weight 0 (or below {_NEGLIGIBLE_WEIGHT:g} of the largest row "
                "weight) on every row: the networks do not learn them and the "
                "validation score ignores them.",
                UserWarning,
                stacklevel=6,
            )
        return w / w.max()

    def strata(self, Y):
        """The class of each row (None for multilabel targets)."""
        if self.multilabel:
            return None
        return Y.argmax(axis=1) if self.output == "softmax" else Y[:, 0]

    def target_scale(self, Y, train, w):
        return np.zeros(Y.shape[1]), np.ones(Y.shape[1])

    def variance(self, data):
        return np.ones(data.y.shape[1])  # unused by log-loss

    def poor_score(self, data):
        """Minus twice the log-loss of predicting the training class
        frequencies, and 0.01 more: when that constant is near perfect (all
        weight on one class), a near-perfect model is not a failure."""
        prior = np.average(data.y, axis=0, weights=data.w).clip(1e-7, 1 - 1e-7)
        if self.output == "softmax":
            logits = np.log(prior)
        else:
            logits = np.log(prior / (1 - prior))
        constant = np.broadcast_to(logits, data.y_val.shape)
        return 2 * self.score(constant, data) - 0.01

    def poor_fit(self, score):
        return (
            f"validation log-loss is {-score:.3g}, more than twice that of "
            "predicting the class frequencies"
        )

    def back(self, data, pred, column):
        return pred

    def linear_member(self, data, column=0):
        return _logistic(data, self.output, self.score)

    def calibrate(self, blend, data, score):
        """Divide the ensemble's logits by the temperature that minimizes the
        validation log-loss (Guo et al., 2017), if it lowers it."""
        lo, hi = np.log(_TEMPERATURES)
        fit = minimize_scalar(
            lambda log_t: -self.score(blend / np.exp(log_t), data),
            bounds=(lo, hi),
            method="bounded",
        )
        temperature = float(np.exp(fit.x)) if -fit.fun > score else 1.0
        return 1.0 / temperature, max(score, -fit.fun), {"temperature_": temperature}

    def score(self, logits, data):
        """Minus the (weighted) mean log-loss of ``logits`` on the validation rows."""
        activate, per_output = OUTPUTS[self.output]
        y = data.y_val.astype(np.float64)
        _, loss = activate(np.asarray(logits, dtype=np.float64), y)
        per_row = loss.mean(axis=1) if per_output else loss.sum(axis=1)
        return -float(np.average(per_row, weights=data.w_val))


def _warn_rare(classes, counts):
    """Warn of the classes with fewer than ``_RARE_ROWS`` training rows."""
    pairs = zip(classes.tolist(), counts.tolist(), strict=True)
    rare = {c: k for c, k in pairs if k < _RARE_ROWS}
    if rare:
        warnings.warn(
            f"Classes with fewer than {_RARE_ROWS} training rows (class: rows) "
            f"{rare}: too few to learn them or to judge the networks on them by "
            "validation, so their predicted probabilities are unreliable. Give "
            "more rows of them, or merge them with another class.",
            UserWarning,
            stacklevel=7,
        )


def _check_class_weight(class_weight, classes):
    """ValueError naming class_weight for unknown classes or weights that
    are not finite numbers >= 0."""
    unknown = [c for c in class_weight if c not in set(classes.tolist())]
    if unknown:
        raise ValueError(
            f"class_weight has weights for {unknown}, which are not classes of y "
            f"(its classes: {classes.tolist()}). Key class_weight by the labels "
            "of y."
        )
    for label, value in class_weight.items():
        ok = isinstance(value, Real) and not isinstance(value, bool)
        if not (ok and math.isfinite(value) and value >= 0):
            raise ValueError(
                f"class_weight[{label!r}]={value!r}: class weights must be finite "
                "numbers >= 0."
            )


class Log1p:
    """The twin target ``log1p(y)`` and its inverse, kept below twice the
    largest training value (``cap``): a network extrapolating on the log
    scale would otherwise predict exponentially far beyond the data."""

    name = "log1p"

    def __init__(self, y_max):
        self.cap = float(np.log1p(2 * y_max))

    def forward(self, Y):
        return np.log1p(Y)

    def inverse(self, T):
        return np.expm1(np.minimum(T, self.cap))

    def smeared(self, t, residuals):
        """Mean of ``inverse(t + r)`` over the residual quantiles ``r``."""
        return sum(self.inverse(t + r) for r in residuals) / len(residuals)


def _poor_score(y_val, w_val, y_var, ratio=2.0):
    """Validation R2 below which a model is far worse than a constant.

    The constant is the training mean (0 on the standardized target). A model
    scoring below this has a validation error more than ``ratio`` times both
    the constant's and the training variance (1 after standardizing): the
    second term keeps a tiny validation set, whose rows may all sit near the
    mean by chance, from flagging a sound model.
    """
    sq = y_val.astype(np.float64) ** 2
    const_mse = sq.mean(axis=0) if w_val is None else w_val @ sq / w_val.sum()
    return 1.0 - ratio * float(np.mean(np.maximum(const_mse, 1.0) / y_var))


def _r2(pred, data):
    """Validation R2 averaged over outputs, weighted as Population.score."""
    sq = (pred - data.y_val[:, : data.n_outputs]) ** 2
    w = data.w_val
    mse = sq.mean(axis=0) if w is None else w @ sq / w.sum()
    return float(1.0 - (mse / data.y_var_all).mean())


def _ridge(data, column=0, score=None):
    """Ridge regression on the scaled training rows, as ReLU networks.

    One fit per fold (trained on the other folds); the L2 strength is chosen
    on the validation rows. ``v @ x`` is ``relu(v @ x) - relu(-v @ x)``: two
    hidden units per output hold a linear model exactly, so that it can join
    the averaged network. Each network carries the chosen strength as a fifth
    element.
    """
    X, y, w, folds, n_folds = data.X, data.y, data.w, data.row_folds, data.n_folds
    if data.back is not None:  # a target and its twin: the one column
        y = y[:, column : column + 1]
    score = (lambda pred: _r2(pred, data)) if score is None else score
    d, m = X.shape[1] + 1, y.shape[1]
    folds = np.zeros(len(X), np.int64) - 1 if folds is None else folds
    gram, xty = np.zeros((n_folds + 1, d, d)), np.zeros((n_folds + 1, d, m))
    for rows in _chunks(np.arange(len(X))):
        Xc = np.hstack([X[rows], np.ones((len(rows), 1), np.float32)])
        Xc, yc = Xc.astype(np.float64), y[rows].astype(np.float64)
        Xw = Xc if w is None else Xc * w[rows, None]
        for f in range(-1, n_folds):  # -1: every row
            sel = slice(None) if f < 0 else folds[rows] == f
            gram[f + 1] += Xw[sel].T @ Xc[sel]
            xty[f + 1] += Xw[sel].T @ yc[sel]
    fits = []
    for alpha in len(X) * np.logspace(-5, 2, 15):
        coefs = (
            [
                np.linalg.solve(gram[0] - gram[f] + alpha * np.eye(d), xty[0] - xty[f])
                for f in range(1, n_folds + 1)
            ]
            if n_folds > 1
            else [np.linalg.solve(gram[0] + alpha * np.eye(d), xty[0])]
        )
        networks = [_linear_network(coef, alpha / len(X)) for coef in coefs]
        fits.append((score(_out_of_fold(networks, data)), alpha, networks))
    return max(fits, key=lambda fit: fit[0])[2]


def _logistic(data, output, score):
    """Logistic (softmax) regression on the scaled training rows, as ReLU networks.

    One fit per fold (trained on the other folds; with a hold-out, one fit on
    at most ``_LINEAR_ROWS`` training rows), by L-BFGS on the weighted mean
    log-loss of ``output`` plus ``alpha / 2 * ||W||**2``; the strength is
    chosen by ``score`` on the validation rows. Each network carries it as a
    fifth element (see ``_linear_network``).
    """
    X, y, w, folds = data.X, data.y, data.w, data.row_folds
    if folds is None:
        rng = np.random.default_rng(0)
        rows = np.arange(len(X))
        if len(rows) > _LINEAR_ROWS:
            rows = np.sort(rng.choice(len(X), _LINEAR_ROWS, replace=False))
        splits = [rows]
    else:
        splits = [np.flatnonzero(folds != f) for f in range(data.n_folds)]
    d, m = X.shape[1], y.shape[1]
    thetas = [np.zeros((d + 1) * m) for _ in splits]
    best, worse = (-np.inf, None), 0
    for alpha in _LINEAR_ALPHAS:
        networks = []
        for k, rows in enumerate(splits):
            weights = None if w is None else w[rows]
            thetas[k] = _fit_logistic(
                X[rows], y[rows], weights, alpha, output, thetas[k]
            )
            networks.append(_linear_network(thetas[k].reshape(d + 1, m), float(alpha)))
        fit = (score(_out_of_fold(networks, data), data), networks)
        worse = worse + 1 if fit[0] <= best[0] else 0
        best = max(best, fit, key=lambda f: f[0])
        if worse == _LINEAR_PATIENCE:
            break
    return best[1]


def _fit_logistic(X, y, w, alpha, output, start):
    """Coefficients (rows: features, then the intercept) minimizing the
    weighted mean log-loss plus ``alpha / 2 * ||W||**2``, from ``start``."""
    activate = OUTPUTS[output][0]
    X, y = X.astype(np.float64), y.astype(np.float64)
    w = np.full(len(X), 1 / len(X)) if w is None else w / w.sum()
    d, m = X.shape[1], y.shape[1]

    def objective(theta):
        coef = theta.reshape(d + 1, m)
        err, loss = activate(X @ coef[:-1] + coef[-1], y)
        err *= w[:, None]
        grad = np.vstack([X.T @ err + alpha * coef[:-1], err.sum(axis=0)])
        value = w @ loss.sum(axis=1) + 0.5 * alpha * np.sum(coef[:-1] ** 2)
        return value, grad.ravel()

    options = {"maxiter": _LINEAR_ITER}
    return minimize(objective, start, jac=True, method="L-BFGS-B", options=options).x
