"""SelfTuningMLPClassifier: an MLP classifier whose ``fit`` tunes itself."""

import numpy as np
from scipy.optimize import minimize, minimize_scalar
from scipy.special import expit, log_expit, log_softmax, softmax
from sklearn.base import ClassifierMixin
from sklearn.preprocessing import LabelBinarizer
from sklearn.utils.class_weight import compute_sample_weight
from sklearn.utils.multiclass import check_classification_targets, type_of_target
from sklearn.utils.validation import column_or_1d

from .._compat import StrOptions
from .._population import OUTPUTS
from ._base import BaseSelfTuningMLP, _fill_doc
from ._engine import _linear_network, _out_of_fold

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


@_fill_doc(linear_member="logistic regression", score_name="log-loss")
class SelfTuningMLPClassifier(ClassifierMixin, BaseSelfTuningMLP):
    """Multi-layer perceptron classifier that tunes itself while it trains.

    The counterpart of :class:`~skauto.neural_network.SelfTuningMLPRegressor`
    on the same engine: ``fit`` trains a population of one-hidden-layer
    networks of different hidden sizes, learning rates and L2 strengths as one
    wide network, runs successive halving on the validation log-loss
    (accuracy is too coarse to rank 81 networks), lets the survivors train on
    while their validation log-loss improves, and returns a greedy ensemble of
    them and of a logistic regression (their logits averaged), its logits
    divided by a temperature fitted on the validation rows when that lowers
    their log-loss. The outputs are a softmax over the classes
    (multiclass) or logistic units (binary, multilabel), trained on
    log-loss, as in :class:`~sklearn.neural_network.MLPClassifier`. The
    validation split, and the folds below 2,000 rows, are stratified by
    class. See the :ref:`user guide <population>`.

    Parameters
    ----------
    {search_parameters}
    class_weight : dict, "balanced" or None, default=None
        Weights of the classes, multiplied into ``sample_weight`` (as in
        scikit-learn's classifiers); "balanced" weighs each class inversely
        to its frequency. Not for multilabel targets.
    {run_parameters}

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,), or list of them
        Class labels (for multilabel targets, the label indices).
    out_activation_ : str
        "softmax" (multiclass) or "logistic" (binary, multilabel).
    best_params_ : dict
        Parameters of the heaviest network of the ensemble in
        :class:`~sklearn.neural_network.MLPClassifier`'s names:
        ``hidden_layer_sizes``, ``learning_rate_init``, ``alpha`` and
        ``max_iter`` (the epoch of its best validation score).
    best_score_ : float
        Minus the validation log-loss of the returned model (out-of-fold with
        k folds); higher is better.
    cv_results_ : dict of ndarray
        One row per candidate per stage, in the schema of
        :class:`~skauto.model_selection.AutoSearchCV`; ``mean_test_score`` is
        minus the validation log-loss.
    ensemble_ : list of dict
        Members of the returned model, the heaviest first: ``{"params": ...,
        "weight": w}``; the weights sum to 1. A logistic regression has
        ``params={"linear": True, "alpha": a}`` (its L2 strength on the
        mean log-loss of the standardized features, chosen on the
        validation rows) and comes last.
    temperature_ : float
        The returned logits are the members' weighted average divided by
        this (>= 1: it only softens), fitted on the validation rows
        (out-of-fold with k folds); 1 when it would not lower their
        log-loss.
    {search_attributes}
    coefs_ : list of ndarray
        ``[W1, W2]`` of the returned model as one wide network (the members'
        hidden units side by side, ``W2`` scaled by each member's weight, so
        that the logits are averaged). ``W1`` acts on the standardized
        features compressed beyond 3 standard deviations.
    intercepts_ : list of ndarray
        ``[b1, b2]`` of that network.
    n_iter_ : int
        Epochs the heaviest network trained (with folds, its first copy).
    loss_curve_ : list of float
        Training log-loss of that network per epoch.
    validation_scores_ : list of float
        Minus the validation log-loss of that network at each evaluation.
    {fit_attributes}
    n_outputs_ : int
        Number of network outputs (1 for binary targets).

    See Also
    --------
    sklearn.neural_network.MLPClassifier : The network trained here, tuned by hand.
    SelfTuningMLPRegressor : The same search for regression.

    Notes
    -----
    Probabilities come from the averaged logits of the ensemble members
    (a normalized geometric mean of their probabilities), divided by
    ``temperature_`` (temperature scaling, Guo et al., 2017). With k folds a
    candidate's copies keep the one epoch of their best mean validation
    score, so that the out-of-fold log-loss that selects the members and the
    temperature is not flattered by each copy stopping at its own best epoch.

    References
    ----------
    Guo, Pleiss, Sun and Weinberger, "On calibration of modern neural
    networks", ICML 2017.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from skauto.neural_network import SelfTuningMLPClassifier
    >>> X, y = load_iris(return_X_y=True)
    >>> clf = SelfTuningMLPClassifier(max_epochs=27, random_state=0).fit(X, y)
    >>> clf.predict(X[:3])
    array([0, 0, 0])
    >>> clf.predict_proba(X[:1]).shape
    (1, 3)
    """

    _parameter_constraints = {
        **BaseSelfTuningMLP._parameter_constraints,
        "class_weight": [dict, StrOptions({"balanced"}), None],
    }
    _score_sign, _score_name = -1, "log-loss"
    # The spline basis of the features (the regressor's, from 500 rows) cost
    # the classifier 1.5 to 3 times the time on the development datasets for
    # no better log-loss (3 seeds: anes96 .2585 -> .2572, fair .5525 ->
    # .5525; digits has too many features for it).
    _splines_help = False

    # scikit-learn reads the parameters from this signature (get_params,
    # clone), so it lists them all; the base class stores the shared ones.
    def __init__(
        self,
        *,
        hidden_size_range=(16, 256),
        learning_rate_range=(1e-4, 3e-2),
        alpha_range=(1e-6, 1e-1),
        n_candidates=81,
        factor=3,
        ensemble_size="auto",
        max_epochs="auto",
        batch_size="auto",
        validation_fraction="auto",
        cv="auto",
        class_weight=None,
        max_time=None,
        random_state=None,
        verbose=0,
    ):
        super().__init__(
            hidden_size_range=hidden_size_range,
            learning_rate_range=learning_rate_range,
            alpha_range=alpha_range,
            n_candidates=n_candidates,
            factor=factor,
            ensemble_size=ensemble_size,
            max_epochs=max_epochs,
            batch_size=batch_size,
            validation_fraction=validation_fraction,
            cv=cv,
            max_time=max_time,
            random_state=random_state,
            verbose=verbose,
        )
        self.class_weight = class_weight

    @property
    def _output(self):
        return self.out_activation_

    def _check_data(self, X, y, sample_weight):
        X, y = self._check_X(X, y, multi_output=True)
        if y.ndim == 2 and y.shape[1] == 1:
            y = column_or_1d(y, warn=True)
        check_classification_targets(y)
        self._label_binarizer = LabelBinarizer()
        Y = self._label_binarizer.fit_transform(y).astype(np.float64)
        self.classes_ = self._label_binarizer.classes_
        multilabel = self._label_binarizer.y_type_.startswith("multilabel")
        if not multilabel and len(self.classes_) < 2:
            raise ValueError(
                f"{type(self).__name__} needs samples of at least 2 classes in "
                f"y; got only the class {self.classes_[0]!r}."
            )
        multiclass = type_of_target(y) == "multiclass"
        self.out_activation_ = "softmax" if multiclass else "logistic"
        w = self._check_weights(sample_weight, X)
        if self.class_weight is not None:
            if multilabel:
                raise ValueError(
                    "class_weight is not supported for multilabel targets; pass "
                    "sample_weight instead."
                )
            by_class = compute_sample_weight(self.class_weight, y)
            w = by_class if w is None else w * by_class
            w = w / w.max()
        return X, Y, w

    def _strata(self, Y):
        """The class of each row (None for multilabel targets)."""
        if self._multilabel:
            return None
        return Y.argmax(axis=1) if self.out_activation_ == "softmax" else Y[:, 0]

    @staticmethod
    def _target_scale(y, train, w):
        return np.zeros(y.shape[1]), np.ones(y.shape[1])

    @staticmethod
    def _target_variance(data):
        return np.ones(data["y"].shape[1])  # unused by log-loss

    def _poor_score(self, data):
        """Minus twice the log-loss of predicting the training class frequencies."""
        w = data["w"]
        prior = np.average(data["y"], axis=0, weights=w).clip(1e-7, 1 - 1e-7)
        if self.out_activation_ == "softmax":
            logits = np.log(prior)
        else:
            logits = np.log(prior / (1 - prior))
        constant = np.broadcast_to(logits, data["y_val"].shape)
        return 2 * self._pool_score(constant, data)

    @staticmethod
    def _poor_fit(score):
        return (
            f"validation log-loss is {-score:.3g}, more than twice that of "
            "predicting the class frequencies"
        )

    def _linear_member(self, data):
        return _logistic(data, self._n_folds, self.out_activation_, self._pool_score)

    def _calibrate(self, blend, data, score):
        """Divide the ensemble's logits by the temperature that minimizes the
        validation log-loss (Guo et al., 2017), if it lowers it."""
        lo, hi = np.log(_TEMPERATURES)
        fit = minimize_scalar(
            lambda log_t: -self._pool_score(blend / np.exp(log_t), data),
            bounds=(lo, hi),
            method="bounded",
        )
        self.temperature_ = float(np.exp(fit.x)) if -fit.fun > score else 1.0
        return 1.0 / self.temperature_, max(score, -fit.fun)

    def _pool_score(self, logits, data):
        """Minus the (weighted) mean log-loss of ``logits`` on the validation rows."""
        activate, per_output = OUTPUTS[self.out_activation_]
        y = data["y_val"].astype(np.float64)
        _, loss = activate(np.asarray(logits, dtype=np.float64), y)
        per_row = loss.mean(axis=1) if per_output else loss.sum(axis=1)
        return -float(np.average(per_row, weights=data["w_val"]))

    # -------------------------------------------------------------- predict
    def predict_proba(self, X):
        """Probability of each class (binary, multiclass) or label (multilabel).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Probabilities, from the ensemble's averaged logits.
        """
        logits = self._decision(X)
        if self.out_activation_ == "softmax":
            return softmax(logits, axis=1)
        p = expit(logits)
        return np.hstack([1 - p, p]) if self._binary else p

    def predict_log_proba(self, X):
        """Logarithm of ``predict_proba``, computed without underflow.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            Log-probabilities.
        """
        logits = self._decision(X)
        if self.out_activation_ == "softmax":
            return log_softmax(logits, axis=1)
        if self._binary:
            return np.hstack([log_expit(-logits), log_expit(logits)])
        return log_expit(logits)

    def predict(self, X):
        """Predict classes (or, for multilabel targets, the label indicators).

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_labels)
            Predicted classes.
        """
        logits = self._decision(X)
        if self.out_activation_ == "softmax":
            return self.classes_[np.argmax(logits, axis=1)]
        if self._binary:
            return self.classes_[(logits[:, 0] > 0).astype(int)]
        return (logits > 0).astype(int)

    @property
    def _binary(self):
        return self.out_activation_ == "logistic" and not self._multilabel

    @property
    def _multilabel(self):
        return self._label_binarizer.y_type_.startswith("multilabel")

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_label = True
        return tags


def _logistic(data, n_folds, output, score):
    """Logistic (softmax) regression on the scaled training rows, as ReLU networks.

    One fit per fold (trained on the other folds; with a hold-out, one fit on
    at most ``_LINEAR_ROWS`` training rows), by L-BFGS on the weighted mean
    log-loss of ``output`` plus ``alpha / 2 * ||W||**2``; the strength is
    chosen by ``score`` on the validation rows. Each network carries it as a
    fifth element (see ``_linear_network``).
    """
    X, y, w, folds = data["X"], data["y"], data["w"], data["row_folds"]
    if folds is None:
        rng = np.random.default_rng(0)
        rows = np.arange(len(X))
        if len(rows) > _LINEAR_ROWS:
            rows = np.sort(rng.choice(len(X), _LINEAR_ROWS, replace=False))
        splits = [rows]
    else:
        splits = [np.flatnonzero(folds != f) for f in range(n_folds)]
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
