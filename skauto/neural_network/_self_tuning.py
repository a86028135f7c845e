"""SelfTuningMLPRegressor: an MLP whose ``fit`` tunes its own hyperparameters."""

import math
import time
import warnings
from collections import defaultdict
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from scipy.stats import qmc
from sklearn.base import BaseEstimator, RegressorMixin
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from .._compat import (
    Interval,
    InvalidParameterError,
    StrOptions,
    _fit_context,
    check_sample_weight,
    validate_data,
)
from .._fit_guard import unfitted_on_error
from .._population import BatchStream, Population
from .._results import best_index, build_cv_results
from .._schedule import SuccessiveHalving

_RANGES = {
    # searched range: (integers?, lowest allowed value; 0 means "> 0")
    "hidden_size_range": (True, 1),
    "learning_rate_range": (False, 0),
    "alpha_range": (False, 0),
}


class SelfTuningMLPRegressor(RegressorMixin, BaseEstimator):
    """Multi-layer perceptron regressor that tunes itself while it trains.

    ``fit`` trains a population of one-hidden-layer networks of different
    hidden sizes, learning rates and L2 strengths together, as one wide
    network (one matrix product per layer for all of them), and runs
    successive halving over the training budget: after each rung the
    candidates with the best validation score go on training *from where they
    stopped*, the others are dropped. The network returned is the winner at
    the epoch of its best validation score. X and y are standardized
    internally (undone in ``predict``); training runs in float32.

    Parameters
    ----------
    hidden_size_range : tuple of (int, int), default=(16, 512)
        Range of hidden-layer sizes, sampled on a log scale.
    learning_rate_range : tuple of (float, float), default=(1e-4, 3e-2)
        Range of Adam's learning rate, sampled on a log scale.
    alpha_range : tuple of (float, float), default=(1e-6, 1e-1)
        Range of the L2 strength (scikit-learn's ``alpha``), on a log scale.
        Give ``(a, a)`` to fix it.
    n_candidates : int, default=81
        Number of networks that start training.
    factor : float, default=3
        Elimination rate: 1/factor of the candidates survive each rung, and
        each rung trains factor times longer than the previous one.
    ensemble_size : int, default=8
        Halving stops when this many networks are left; they train to the
        full budget and the returned model averages their predictions (an
        ensemble the search trained anyway). 1 returns the single winner.
    max_epochs : float or "auto", default="auto"
        Epochs the winner trains in all. "auto" is
        ``clip(200_000 / n_train, 2, 36)``: 36 epochs on small data, fewer on
        large data, so that the total work grows at most linearly with the
        number of rows.
    batch_size : int or "auto", default="auto"
        Mini-batch size; "auto" is ``clip(n_train // 50, 32, 512)``.
    validation_fraction : float or "auto", default="auto"
        Fraction of the rows held out to score the candidates; "auto" holds
        out 10% of the rows (up to 20% to reach 200 rows, at most 10,000).
    max_time : float or None, default=None
        Seconds after which the search stops; the best network so far is kept.
    random_state : int, RandomState instance or None, default=None
        Seeds the split, the candidates, their initial weights and the
        mini-batches. Pass an int for reproducible results.
    verbose : int, default=0
        Print one line per rung when > 0.

    Attributes
    ----------
    best_params_ : dict
        Parameters of the chosen network in :class:`~sklearn.neural_network.
        MLPRegressor`'s names: ``hidden_layer_sizes``, ``learning_rate_init``,
        ``alpha`` and ``max_iter`` (the epoch of its best validation score).
    best_score_ : float
        Validation R2 of the chosen network.
    best_index_ : int
        Row of ``cv_results_`` of the chosen network.
    cv_results_ : dict of ndarray
        One row per candidate per rung, in the schema of
        :class:`~skauto.model_selection.AutoSearchCV`: ``params``,
        ``param_*``, ``candidate``, ``iter``, ``n_resources`` (samples seen),
        ``bracket``, ``status``, ``mean_test_score`` (validation R2),
        ``split0_test_score``, ``rank_test_score``, fit times. Loads into
        a pandas DataFrame.
    n_splits_ : int
        Always 1: one hold-out split.
    n_resources_ : list of int
        Budget of each rung, in training samples seen.
    n_candidates_ : list of int
        Number of networks in each rung.
    coefs_ : list of ndarray
        Weights of the chosen network, acting on the raw (unscaled) features
        and predicting the raw target, as in MLPRegressor.
    intercepts_ : list of ndarray
        Biases of the chosen network, same convention.
    n_iter_ : int
        Epochs the chosen network trained (a last partial epoch counts).
    loss_curve_ : list of float
        Training loss of the chosen network per epoch (half mean squared
        error on the standardized target).
    validation_scores_ : list of float
        Validation R2 of the chosen network at each evaluation.
    best_validation_score_ : float
        Best of ``validation_scores_``.
    batch_size_ : int
        Mini-batch size used.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during fit, when X has string column names.
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
    """

    _parameter_constraints = {
        "hidden_size_range": ["array-like"],
        "learning_rate_range": ["array-like"],
        "alpha_range": ["array-like"],
        "n_candidates": [Interval(Integral, 1, None, closed="left")],
        "factor": [Interval(Real, 1, None, closed="neither")],
        "ensemble_size": [Interval(Integral, 1, None, closed="left")],
        "max_epochs": [Interval(Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "batch_size": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "validation_fraction": [
            Interval(Real, 0, 1, closed="neither"),
            StrOptions({"auto"}),
        ],
        "max_time": [Interval(Real, 0, None, closed="neither"), None],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        *,
        hidden_size_range=(16, 512),
        learning_rate_range=(1e-4, 3e-2),
        alpha_range=(1e-6, 1e-1),
        n_candidates=81,
        factor=3,
        ensemble_size=8,
        max_epochs="auto",
        batch_size="auto",
        validation_fraction="auto",
        max_time=None,
        random_state=None,
        verbose=0,
    ):
        self.hidden_size_range = hidden_size_range
        self.learning_rate_range = learning_rate_range
        self.alpha_range = alpha_range
        self.n_candidates = n_candidates
        self.factor = factor
        self.ensemble_size = ensemble_size
        self.max_epochs = max_epochs
        self.batch_size = batch_size
        self.validation_fraction = validation_fraction
        self.max_time = max_time
        self.random_state = random_state
        self.verbose = verbose

    # ------------------------------------------------------------------ fit
    @_fit_context(prefer_skip_nested_validation=True)
    @unfitted_on_error
    def fit(self, X, y, sample_weight=None):
        """Search the hyperparameters and train the chosen network.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; at least 2 rows (one is held out). Sparse input
            (as a ColumnTransformer with one-hot encoding returns) is
            densified to float32 for training.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Numeric target values.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows in the training loss and the validation score.
            The validation split keeps rows of positive weight on both sides;
            when only one row has weight, it is trained on and the validation
            score is unweighted (with a warning).

        Returns
        -------
        self : object
            The fitted regressor.
        """
        ranges = self._check_ranges()
        X, y, w = self._check_data(X, y, sample_weight)
        rng = np.random.default_rng(
            check_random_state(self.random_state).randint(2**32)
        )
        data = self._prepare(X, y, w, rng)
        schedule = self._plan(data)
        population, trace = self._spawn(data, ranges, rng), _Trace()
        # The products are small: one BLAS thread is faster (no oversubscription
        # next to joblib workers) and makes results independent of the machine.
        with threadpool_limits(limits=1, user_api="blas"):
            records = self._run(schedule, population, data, trace, rng)
        self._finalize(records, population, trace, data)
        return self

    def _check_ranges(self):
        ranges = {}
        for name, (integer, low) in _RANGES.items():
            value = getattr(self, name)
            try:
                lo, hi = (float(v) for v in value)
                ok = low < lo <= hi if low == 0 else low <= lo <= hi
                ok = ok and math.isfinite(hi)
                ok = ok and (not integer or (lo.is_integer() and hi.is_integer()))
            except (TypeError, ValueError):
                ok = False
            if not ok:
                kind = "integers" if integer else "numbers"
                raise InvalidParameterError(
                    f"The {name!r} parameter of {type(self).__name__} must be a "
                    f"pair (low, high) of finite {kind} with {low} "
                    f"{'<' if low == 0 else '<='} low <= high. Got {value!r} instead."
                )
            ranges[name] = (lo, hi)
        return ranges

    def _check_data(self, X, y, sample_weight):
        y = self._numeric_y(y)
        try:
            X, y = validate_data(
                self,
                X,
                y,
                accept_sparse=["csr", "csc", "coo"],
                multi_output=True,
                y_numeric=True,
                dtype=np.float64,
            )
        except ValueError as exc:
            if "could not convert" not in str(exc):
                raise
            raise ValueError(
                f"X holds values that are not numbers ({exc}). "
                f"{type(self).__name__} needs numeric features: encode text and "
                "categorical columns first, for example with a OneHotEncoder in "
                "a ColumnTransformer."
            ) from exc
        X = X.toarray() if sp.issparse(X) else X
        if X.shape[0] < 2:
            raise ValueError(
                f"{type(self).__name__} needs at least 2 samples (one to train, "
                f"one to validate); got {X.shape[0]} sample."
            )
        self._y_1d = y.ndim == 1
        y = y.reshape(len(y), -1)
        w = None
        if sample_weight is not None:
            w = check_sample_weight(sample_weight, X, ensure_non_negative=True)
            w = None if np.all(w == w[0]) else w / w.max()  # scale-free, no overflow
        return X, y, w

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

    def _prepare(self, X, y, w, rng):
        """Split, scale (float32) and pick the batch size."""
        n = len(X)
        if self.validation_fraction == "auto":
            # 10% of the rows, but up to 20% to reach 200 rows; at most 10,000.
            n_val = min(max(round(0.1 * n), min(round(0.2 * n), 200)), 10_000)
        else:
            n_val = round(self.validation_fraction * n)
        n_val = int(np.clip(n_val, 1, n - 1))
        val, train = _split(n, n_val, w, rng)
        w_train = None if w is None else w[train]
        w_val = None if w is None else w[val]
        if w_val is not None and not w_val.any():
            self._warn_unweighted_validation()
            w_val = None
        self._x_mean, self._x_scale = _mean_scale(X, train, w)
        self._y_mean, self._y_scale = _mean_scale(y, train, w)
        x_args, y_args = (self._x_mean, self._x_scale), (self._y_mean, self._y_scale)
        y_val = _standardize(y, val, *y_args)
        n_train = len(train)
        if self.batch_size == "auto":
            self.batch_size_ = int(np.clip(n_train // 50, 32, 512))
        else:
            self.batch_size_ = int(self.batch_size)
        self.batch_size_ = min(self.batch_size_, n_train)
        y_var = _variance(y_val, w_val)
        y_var = np.where(y_var > 0, y_var, 1.0)
        return {
            "X": _standardize(X, train, *x_args),
            "y": _standardize(y, train, *y_args),
            "w": None if w is None else (w_train / w_train.mean()).astype(np.float32),
            "X_val": _standardize(X, val, *x_args),
            "y_val": y_val,
            "w_val": w_val,
            "y_var": y_var,
            "n_train": n_train,
            "poor_score": _poor_score(y_val, w_val, y_var),
        }

    def _plan(self, data):
        n_train = data["n_train"]
        if self.max_epochs == "auto":
            epochs = float(np.clip(2e5 / n_train, 2, 36))
        else:
            epochs = float(self.max_epochs)
        max_resources = max(1, int(round(epochs * n_train)))
        schedule = SuccessiveHalving(
            self.n_candidates,
            1,
            max_resources,
            self.factor,
            min_survivors=self.ensemble_size,
        )
        rungs = schedule.plan()
        self.n_resources_ = [r.n_resources for r in rungs]
        self.n_candidates_ = [r.n_candidates for r in rungs]
        return schedule

    def _spawn(self, data, ranges, rng):
        """Sample the candidates (Latin hypercube on log scales) and build them."""
        n = self.n_candidates
        unit = qmc.LatinHypercube(d=3, seed=rng).random(n)
        logs = [np.log(ranges[name]) for name in _RANGES]
        values = [
            np.exp(lo + u * (hi - lo)) for (lo, hi), u in zip(logs, unit.T, strict=True)
        ]
        sizes = np.maximum(1, np.round(values[0])).astype(np.int64)
        self._candidate_params = [
            {
                "hidden_layer_sizes": (int(sizes[k]),),
                "learning_rate_init": float(values[1][k]),
                "alpha": float(values[2][k]),
            }
            for k in range(n)
        ]
        streams = rng.spawn(n)
        n_out = data["y"].shape[1]
        return Population(
            data["X"].shape[1], n_out, sizes, values[1], values[2], streams, range(n)
        )

    # ------------------------------------------------------------------ run
    def _run(self, schedule, population, data, trace, rng):
        """The driver loop: ``while jobs := ask(): tell(evaluate(jobs))``."""
        stream = BatchStream(data["n_train"], rng)
        records, last = [], len(schedule.plan()) - 1
        while jobs := schedule.ask():
            tic = time.perf_counter()
            decay = 0 < last == jobs[0].iter  # cosine decay in the final rung
            scores = self._evaluate(jobs, population, data, stream, trace, decay)
            elapsed = time.perf_counter() - tic
            records += self._rung_records(jobs, scores, population, trace, elapsed)
            self._report(jobs, scores, schedule, trace, data["n_train"])
            if trace.timed_out:
                break
            schedule.tell(scores)
        return records

    def _evaluate(self, jobs, population, data, stream, trace, decay):
        """Bring every job's candidate to its budget; return {candidate: score}."""
        population.keep(
            [j.candidate for j in jobs if j.candidate not in trace.diverged]
        )
        target = jobs[0].n_resources
        decay = _Decay(population.samples_seen, target, decay)
        while len(population) and population.samples_seen < target:
            rows = stream.take(target - population.samples_seen)
            scale = decay(population.samples_seen, population.samples_seen + len(rows))
            loss = population.train(
                data["X"], data["y"], data["w"], rows, self.batch_size_, scale
            )
            trace.add_loss(population.ids, loss, stream)
            diverged = ~np.isfinite(loss)
            if diverged.any():  # dropped at once, never promoted
                trace.diverged.update(population.ids[diverged].tolist())
                population.keep(population.ids[~diverged])
            at_check = stream.epoch_done or population.samples_seen >= target
            if len(population) and at_check:
                args = data["X_val"], data["y_val"], data["w_val"], data["y_var"]
                trace.add_val(population.ids, population.score(*args))
            if self.max_time is not None and trace.elapsed() > self.max_time:
                trace.timed_out = True
                break
        best = dict(
            zip(population.ids.tolist(), population.best_score.tolist(), strict=True)
        )
        return {j.candidate: best.get(j.candidate, -math.inf) for j in jobs}

    def _rung_records(self, jobs, scores, population, trace, elapsed):
        return [
            {
                "candidate": job.candidate,
                "bracket": job.bracket,
                "iter": job.iter,
                "n_resources": min(job.n_resources, population.samples_seen),
                "params": dict(self._candidate_params[job.candidate]),
                "status": "diverged" if job.candidate in trace.diverged else "ok",
                "test_scores": {
                    "score": [scores[job.candidate]]
                    if math.isfinite(scores[job.candidate])
                    else [np.nan]
                },
                "train_scores": None,
                "fit_time": [elapsed / len(jobs)],
                "score_time": [0.0],
            }
            for job in jobs
        ]

    def _report(self, jobs, scores, schedule, trace, n_train):
        if not self.verbose:
            return
        finite = [s for s in scores.values() if math.isfinite(s)]
        best = f"{max(finite):.4f}" if finite else "nan"
        print(
            f"[SelfTuningMLPRegressor] rung {jobs[0].iter + 1}/{len(schedule.plan())}:"
            f" {len(jobs)} candidates, {jobs[0].n_resources / n_train:.3g} epochs"
            f" ({jobs[0].n_resources} samples) each,"
            f" best validation R2 {best}, {trace.elapsed():.1f} s"
        )

    # ------------------------------------------------------------- finalize
    def _finalize(self, records, population, trace, data):
        self.cv_results_ = build_cv_results(records, ["score"], n_splits=1)
        self.n_splits_ = 1
        self.best_index_ = best_index(self.cv_results_)
        self._raise_if_all_diverged(trace)
        self._warn(trace, data)
        members = self._members()
        top = members[0]
        k = int(np.flatnonzero(population.ids == top)[0])
        best_epoch = population.best_samples[k] / data["n_train"]
        self.best_score_ = float(self.cv_results_["mean_test_score"][self.best_index_])
        self.best_params_ = {
            **self._candidate_params[top],
            "max_iter": max(1, math.ceil(best_epoch)),
        }
        self._set_network([population.network(c) for c in members])
        self.loss_curve_ = trace.loss_curve(
            members, population.samples_seen % data["n_train"]
        )
        self.n_iter_ = len(self.loss_curve_)
        self.validation_scores_ = list(trace.val[top])
        self.best_validation_score_ = max(self.validation_scores_)
        self.n_outputs_ = data["y"].shape[1]
        del self._candidate_params

    def _raise_if_all_diverged(self, trace):
        if self.best_index_ is None and len(trace.diverged) < self.n_candidates:
            raise ValueError(
                "No candidate reached a finite validation score (their "
                "predictions on the validation rows overflowed). Check X for "
                "extreme values, or scale it."
            )
        if self.best_index_ is None:
            raise ValueError(
                f"Every one of the {self.n_candidates} candidates diverged (NaN or "
                "infinite loss). Lower the top of learning_rate_range (now "
                f"{self.learning_rate_range[1]}), or check the scale of X and y."
            )

    def _warn(self, trace, data):
        """One warning per kind of trouble; never raises."""
        if trace.diverged:
            warnings.warn(
                f"{len(trace.diverged)} of {self.n_candidates} candidates diverged "
                "(NaN or infinite loss) and were dropped.",
                RuntimeWarning,
                stacklevel=5,
            )
        if trace.timed_out:
            warnings.warn(
                f"max_time={self.max_time} s reached: kept the best network so far.",
                UserWarning,
                stacklevel=5,
            )
        best = self.cv_results_["mean_test_score"][self.best_index_]
        if best < data["poor_score"]:
            weights = "" if data["w"] is None else ", and that enough rows have weight"
            warnings.warn(
                f"The chosen network's validation R2 is {best:.3g}: its error is "
                "more than twice that of predicting the mean, so no candidate "
                "learned. Lower learning_rate_range (now "
                f"{tuple(self.learning_rate_range)}); if that does not help, "
                f"check X and y for extreme values{weights}.",
                UserWarning,
                stacklevel=5,
            )

    @staticmethod
    def _warn_unweighted_validation():
        warnings.warn(
            "sample_weight is positive on a single row, which trains the "
            "networks; the validation rows, all of weight 0, score them "
            "without weights. Give more rows a positive weight for a weighted "
            "validation score.",
            UserWarning,
            stacklevel=5,
        )

    def _members(self):
        """Candidates averaged in the returned model, the best first."""
        res = self.cv_results_
        top = res["n_resources"][self.best_index_]
        rows = np.flatnonzero(
            (res["n_resources"] == top) & np.isfinite(res["mean_test_score"])
        )
        rows = rows[np.argsort(-res["mean_test_score"][rows], kind="stable")]
        return [int(res["candidate"][i]) for i in rows[: self.ensemble_size]]

    def _set_network(self, networks):
        """Average the members into one wide network; fold the scaling in."""
        k = len(networks)
        W1 = np.concatenate([n[0] for n in networks], axis=1) / self._x_scale[:, None]
        b1 = np.concatenate([n[1] for n in networks]) - self._x_mean @ W1
        W2 = np.concatenate([n[2] for n in networks]) * (self._y_scale / k)
        b2 = np.mean([n[3] for n in networks], axis=0) * self._y_scale + self._y_mean
        self.coefs_, self.intercepts_ = [W1, W2], [b1, b2]

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
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", reset=False, dtype=np.float64)
        (W1, W2), (b1, b2) = self.coefs_, self.intercepts_
        out = np.empty((X.shape[0], W2.shape[1]))
        for i in range(0, X.shape[0], 4096):  # bounded memory on large X
            hidden = np.maximum(X[i : i + 4096] @ W1 + b1, 0)
            out[i : i + 4096] = hidden @ W2 + b2
        return out.ravel() if self._y_1d else out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        tags.input_tags.sparse = True
        return tags


def _split(n, n_val, w, rng):
    """Validation and training rows, a random split.

    With zero weights, a split that left one side without weight is redrawn
    so that both sides get positive-weight rows in proportion (the training
    side first, when a single row has weight).
    """
    order = rng.permutation(n)
    val, train = order[:n_val], order[n_val:]
    if w is None or (w[val].any() and w[train].any()):
        return val, train
    pos, zero = order[w[order] > 0], order[w[order] == 0]
    low = max(n_val - len(zero), 1 if len(pos) > 1 else 0)
    k = int(np.clip(round(len(pos) * n_val / n), low, min(len(pos) - 1, n_val)))
    val = np.concatenate([pos[:k], zero[: n_val - k]])
    train = np.concatenate([pos[k:], zero[n_val - k :]])
    return val, train


def _variance(y, w):
    """(Weighted) variance of each column of y, in float64."""
    y = y.astype(np.float64)
    if w is None:
        return y.var(axis=0)
    mean = w @ y / w.sum()
    return w @ (y - mean) ** 2 / w.sum()


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


def _chunks(rows, size=65536):
    return (rows[i : i + size] for i in range(0, len(rows), size))


# A training row i lies at most sqrt(sum(w) / w_i) standard deviations from
# the weighted mean (sqrt(n) without weights), so clipping at 1e6 changes no
# training value unless its weight is below 1e-12 of the total; it keeps a
# wild validation row (X of 1e200 where training saw 1) finite in float32.
_CLIP = 1e6


def _standardize(a, rows, mean, scale):
    """float32 ``(a[rows] - mean) / scale`` clipped to +-1e6, in chunks."""
    out = np.empty((len(rows), a.shape[1]), dtype=np.float32)
    start = 0
    for chunk in _chunks(rows):
        z = (a[chunk] - mean) / scale
        out[start : start + len(chunk)] = np.clip(z, -_CLIP, _CLIP)
        start += len(chunk)
    return out


def _mean_scale(a, rows, w=None):
    """(Weighted) mean and standard deviation of the columns of ``a[rows]``.

    Computed in chunks, merged with Chan et al.'s update, on the columns
    divided by their largest magnitude (so that values of 1e200 do not
    overflow when squared); constant columns get a scale of 1.
    """
    peak = np.zeros(a.shape[1])
    for chunk in _chunks(rows):
        peak = np.maximum(peak, np.abs(a[chunk]).max(axis=0, initial=0.0))
    peak = np.where(peak > 0, peak, 1.0)
    total, mean, m2 = 0.0, 0.0, 0.0
    for chunk in _chunks(rows):
        block = a[chunk] / peak
        wb = np.ones(len(chunk)) if w is None else w[chunk]
        wsum = wb.sum()
        if wsum == 0:
            continue
        bmean = wb @ block / wsum
        bm2 = wb @ (block - bmean) ** 2
        delta, merged = bmean - mean, total + wsum
        mean = mean + delta * wsum / merged
        m2 = m2 + bm2 + delta**2 * total * wsum / merged
        total = merged
    scale = np.sqrt(m2 / total) * peak
    return mean * peak, np.where(scale > 0, scale, 1.0)


class _Trace:
    """What fit records while it runs: losses, validation scores, divergers."""

    def __init__(self):
        self.start = time.perf_counter()
        self.loss = defaultdict(list)  # candidate -> loss of each full epoch
        self.partial = defaultdict(float)  # candidate -> loss summed this epoch
        self.val = defaultdict(list)  # candidate -> validation R2 of each check
        self.diverged = set()
        self.timed_out = False

    def elapsed(self):
        return time.perf_counter() - self.start

    def add_loss(self, ids, loss, stream):
        for cid, value in zip(ids.tolist(), loss.tolist(), strict=True):
            self.partial[cid] += value
        if stream.epoch_done:
            for cid in ids.tolist():
                self.loss[cid].append(self.partial.pop(cid) / stream.n_rows)

    def add_val(self, ids, scores):
        for cid, score in zip(ids.tolist(), scores.tolist(), strict=True):
            self.val[cid].append(score)

    def loss_curve(self, members, partial_rows):
        """Mean loss per epoch of the members; a last partial epoch counts."""
        curves = [
            self.loss[c] + ([self.partial[c] / partial_rows] if partial_rows else [])
            for c in members
        ]
        return np.mean(curves, axis=0).tolist()


class _Decay:
    """Cosine decay of the learning rates over the last rung (1 elsewhere)."""

    def __init__(self, start, stop, active, floor=0.02):
        self.start, self.stop, self.active, self.floor = start, stop, active, floor

    def _at(self, seen):
        frac = (seen - self.start) / max(1, self.stop - self.start)
        return self.floor + (1 - self.floor) * 0.5 * (1 + math.cos(math.pi * frac))

    def __call__(self, begin, end):
        return (self._at(begin), self._at(end)) if self.active else (1.0, 1.0)
