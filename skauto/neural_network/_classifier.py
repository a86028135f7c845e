"""SelfTuningMLPClassifier: an MLP classifier whose ``fit`` tunes itself."""

import numpy as np
from scipy.special import expit, log_expit, log_softmax, softmax
from sklearn.base import ClassifierMixin

from .._compat import StrOptions
from .._doc_link import DocLinkMixin
from ._base import BaseSelfTuningMLP
from ._docs import _fill_doc
from ._tasks import Classification


@_fill_doc(linear_member="logistic regression", score_name="log-loss")
class SelfTuningMLPClassifier(DocLinkMixin, ClassifierMixin, BaseSelfTuningMLP):
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
    {table_parameters}
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
        categorical_features="from_dtype",
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
            categorical_features=categorical_features,
            max_time=max_time,
            random_state=random_state,
            verbose=verbose,
        )
        self.class_weight = class_weight

    def _task(self):
        return Classification(self.class_weight)

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
