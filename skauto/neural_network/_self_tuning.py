"""SelfTuningMLPRegressor: an MLP whose ``fit`` tunes its own hyperparameters."""

import numpy as np
from sklearn.base import RegressorMixin

from ._base import BaseSelfTuningMLP, _fill_doc
from ._data import _chunks, _mean_scale, _variance
from ._engine import _linear_network, _out_of_fold


@_fill_doc(linear_member="ridge regression", score_name="score")
class SelfTuningMLPRegressor(RegressorMixin, BaseSelfTuningMLP):
    """Multi-layer perceptron regressor that tunes itself while it trains.

    ``fit`` trains a population of one-hidden-layer networks of different
    hidden sizes, learning rates and L2 strengths together, as one wide
    network (one matrix product per layer for all of them), and runs
    successive halving over the training budget: after each rung the
    candidates with the best validation score go on training *from where they
    stopped*, the others are dropped. The survivors then train on while their
    validation score improves, and the returned model is a greedy ensemble of
    them and of a ridge regression, each network at the epoch of its best
    validation score. Below 2,000 rows the scores come from 4-fold
    cross-validation (each candidate trained as one copy per fold, the copies
    bagged). X and y are standardized internally (undone in ``predict``),
    inputs beyond 3 standard deviations are compressed, from 500 to 10,000
    rows each feature of 6 or more distinct values is also given as a cubic
    B-spline basis, and training runs in float32. See the
    :ref:`user guide <population>` for every step.

    Parameters
    ----------
    {search_parameters}
    {run_parameters}

    Attributes
    ----------
    best_params_ : dict
        Parameters of the chosen network in :class:`~sklearn.neural_network.
        MLPRegressor`'s names: ``hidden_layer_sizes``, ``learning_rate_init``,
        ``alpha`` and ``max_iter`` (the epoch of its best validation score).
    best_score_ : float
        Validation R2 of the returned model (the ensemble ``predict`` uses;
        out-of-fold with k folds).
    cv_results_ : dict of ndarray
        One row per candidate per rung, in the schema of
        :class:`~skauto.model_selection.AutoSearchCV`: ``params``,
        ``param_*``, ``candidate``, ``iter``, ``n_resources`` (samples seen),
        ``bracket``, ``status``, ``mean_test_score`` (validation R2),
        ``split0_test_score``, ``rank_test_score``, fit times. Loads into
        a pandas DataFrame.
    ensemble_ : list of dict
        Members of the returned model, the heaviest first: ``{"params": ...,
        "weight": w}``; the weights sum to 1. A member with
        ``params={"linear": True, "alpha": a}`` is a ridge regression on the
        same features (held exactly by two hidden units per output).
    {search_attributes}
    coefs_ : list of ndarray
        ``[W1, W2]`` of the returned model as one wide network: the members'
        hidden units side by side (fold copies included), ``W2`` scaled by
        each member's ensemble weight and the target's scale. ``W1`` acts on
        the standardized features compressed beyond 3 standard deviations
        (not on the raw features), followed, from 500 to 10,000 rows, by
        the spline basis of those with 6 or more distinct values (8 columns
        each), so ``predict`` is ``relu(Z @ W1 + b1) @ W2 + b2`` of those
        features ``Z``.
    intercepts_ : list of ndarray
        ``[b1, b2]`` of that network; ``b2`` includes the target's mean.
    n_iter_ : int
        Epochs the heaviest network of the ensemble trained (a last partial
        epoch counts; with folds, its first fold copy).
    loss_curve_ : list of float
        Training loss of that network per epoch (half mean squared error on
        the standardized target).
    validation_scores_ : list of float
        Validation R2 of that network at each evaluation.
    {fit_attributes}
    n_outputs_ : int
        Number of outputs.

    See Also
    --------
    sklearn.neural_network.MLPRegressor : The network trained here, tuned by hand.
    skauto.model_selection.AutoSearchCV : Successive halving for any estimator.

    Notes
    -----
    All candidates see the same mini-batches. A candidate whose loss becomes
    NaN or infinite is dropped at once (``status="diverged"`` in
    ``cv_results_``); if every candidate diverges, ``fit`` raises a
    ``ValueError``. If the chosen network's validation error is more than
    twice that of predicting the mean, ``fit`` warns (a ``UserWarning``
    naming ``learning_rate_range``).

    References
    ----------
    Jamieson and Talwalkar, "Non-stochastic best arm identification and
    hyperparameter optimization", AISTATS 2016.

    Caruana, Niculescu-Mizil, Crew and Ksikes, "Ensemble selection from
    libraries of models", ICML 2004.

    Examples
    --------
    >>> from sklearn.datasets import make_friedman1
    >>> from skauto.neural_network import SelfTuningMLPRegressor
    >>> X, y = make_friedman1(n_samples=500, random_state=0)
    >>> reg = SelfTuningMLPRegressor(max_epochs=27, random_state=0).fit(X, y)
    >>> sorted(reg.best_params_)
    ['alpha', 'hidden_layer_sizes', 'learning_rate_init', 'max_iter']
    >>> reg.predict(X[:2]).shape
    (2,)
    >>> round(float(sum(member["weight"] for member in reg.ensemble_)), 6)
    1.0
    """

    _output = "identity"

    def _check_data(self, X, y, sample_weight):
        X, y = self._check_X(X, self._numeric_y(y), multi_output=True, y_numeric=True)
        self._y_1d = y.ndim == 1
        return X, y.reshape(len(y), -1), self._check_weights(sample_weight, X)

    def _numeric_y(self, y):
        """y as float64 when it holds strings or objects; ValueError if not numeric."""
        if y is None:
            return y  # validate_data says y is required
        try:
            y_arr = y if hasattr(y, "dtype") else np.asarray(y)
        except ValueError:  # ragged: validate_data says what is wrong
            return y
        if getattr(y_arr, "dtype", None) is None or y_arr.dtype.kind not in "USO":
            return y
        try:
            return np.asarray(y_arr, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"{type(self).__name__} is a regressor: y must be numeric, "
                f"got values such as {np.ravel(y_arr)[:1]} ({exc}). Encode the "
                "target as numbers, or use a classifier."
            ) from None

    @staticmethod
    def _strata(y):
        return None

    @staticmethod
    def _target_scale(y, train, w):
        return _mean_scale(y, train, w)

    @staticmethod
    def _target_variance(data):
        return _variance(data["y_val"], data["w_val"])

    @staticmethod
    def _poor_score(data):
        return _poor_score(data["y_val"], data["w_val"], data["y_var_all"])

    @staticmethod
    def _poor_fit(score):
        return (
            f"validation R2 is {score:.3g}: its error is more than twice that of "
            "predicting the mean"
        )

    def _linear_member(self, data):
        return _ridge(data, self._n_folds)

    @staticmethod
    def _pool_score(pred, data):
        return _r2(pred, data)

    # -------------------------------------------------------------- predict
    def predict(self, X):
        """Predict with the chosen network.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Input data.

        Returns
        -------
        y : ndarray of shape (n_samples,) or (n_samples, n_outputs)
            Predicted values.
        """
        out = self._decision(X)
        return out.ravel() if self._y_1d else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags


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
    sq = (pred - data["y_val"]) ** 2
    w = data["w_val"]
    mse = sq.mean(axis=0) if w is None else w @ sq / w.sum()
    return float(1.0 - (mse / data["y_var_all"]).mean())


def _ridge(data, n_folds):
    """Ridge regression on the scaled training rows, as ReLU networks.

    One fit per fold (trained on the other folds); the L2 strength is chosen
    on the validation rows. ``v @ x`` is ``relu(v @ x) - relu(-v @ x)``: two
    hidden units per output hold a linear model exactly, so that it can join
    the averaged network. Each network carries the chosen strength as a fifth
    element.
    """
    X, y, w, folds = data["X"], data["y"], data["w"], data["row_folds"]
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
        fits.append((_r2(_out_of_fold(networks, data), data), alpha, networks))
    return max(fits, key=lambda fit: fit[0])[2]
