"""SelfTuningMLPRegressor: an MLP whose ``fit`` tunes its own hyperparameters."""

from sklearn.base import RegressorMixin

from .._doc_link import DocLinkMixin
from ._base import BaseSelfTuningMLP
from ._docs import _fill_doc
from ._tasks import Regression


@_fill_doc(linear_member="ridge regression", score_name="score")
class SelfTuningMLPRegressor(DocLinkMixin, RegressorMixin, BaseSelfTuningMLP):
    """Multi-layer perceptron regressor that tunes itself while it trains.

    ``fit`` trains a population of one-hidden-layer networks of different
    hidden sizes, learning rates and L2 strengths together, as one wide
    network (one matrix product per layer for all of them), and runs
    successive halving over the training budget: after each rung the
    candidates with the best validation score go on training *from where they
    stopped*, the others are dropped. The survivors then train in a planned
    last stage (at least 45 epochs in all, their learning rates annealed to
    0), and the returned model is a greedy ensemble of them and of a ridge
    regression, each network at the epoch of its best validation score.
    Below 2,000 rows the scores come from 4-fold cross-validation (each
    candidate trained as one copy per fold, the copies bagged). A raw
    DataFrame goes straight in (categorical columns from the dtype, missing
    values with an indicator); X and y are standardized internally (undone in
    ``predict``; no three rows set an input's scale), inputs beyond 3
    standard deviations are compressed, from 500 to 10,000 rows each feature
    of 6 or more distinct values is also given as a cubic B-spline basis, a
    skewed target >= 0 is also tried as ``log1p(y)``, and training runs in
    float32. See the :ref:`user guide <population>` for every step.

    Parameters
    ----------
    {search_parameters}
    {table_parameters}
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
    target_transform_ : str or None
        "log1p" when the returned networks were fitted to ``log1p(y)`` (the
        target's twin, tried beside y when y is >= 0 and skewed to the
        right, and chosen on the validation rows); their outputs are then
        transformed back, averaged over the quantiles of their validation
        residuals (Duan's smearing estimate of the mean). None: fitted to y.
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

    def _task(self):
        return Regression()

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
        if self.target_transform_ is not None:  # fitted to the twin: back
            out = self._twin.smeared(out, self._smearing)
        return out.ravel() if self._y_1d else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags
