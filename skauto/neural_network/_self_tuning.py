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
from .._results import build_cv_results
from .._schedule import Job, SuccessiveHalving

# The halving rungs use about this many training rows in all (3 to 30 epochs).
_HALVING_SAMPLES = 3e5
# The survivors then train on while their validation score improves: checked
# every epoch (or 100,000 rows); after _PATIENCE checks without an improvement
# of _TOL the learning rate is multiplied by _CUT, after _N_CUTS cuts they stop.
_CHECK_ROWS, _PATIENCE, _TOL, _CUT, _N_CUTS = 100_000, 5, 1e-4, 0.25, 2
# max_epochs="auto": at most 200 epochs and 3e7 rows, and the survivors'
# extension costs at most _AUTO_WORK rows times hidden units.
_AUTO_CAP_EPOCHS, _AUTO_CAP_SAMPLES, _AUTO_WORK = 200, 3e7, 1e9
# cv="auto": 5-fold cross-validation below 2,000 rows, a hold-out above.
_AUTO_FOLDS, _AUTO_FOLDS_BELOW = 5, 2000

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
    stopped*, the others are dropped. The survivors then train on while their
    validation score improves, and the returned model is a greedy ensemble of
    them and of a ridge regression, each network at the epoch of its best
    validation score. Below 2,000 rows the scores come from 5-fold
    cross-validation (each candidate trained as one copy per fold, the copies
    bagged). X and y are standardized internally (undone in ``predict``),
    inputs beyond 3 standard deviations are compressed, and training runs in
    float32. See the :ref:`user guide <population>` for every step.

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
        Halving stops when this many networks are left; they train on while
        their validation score improves, and the returned model is a greedy
        ensemble of them and of a ridge regression (members join only while
        they improve the validation score). 1 returns the single best member.
    max_epochs : float or "auto", default="auto"
        Cap on the epochs any network trains. "auto" is
        ``clip(3e7 / n_train, 1, 200)``, and the last stage (survivors
        training on) then costs at most 1e9 rows times hidden units. The
        halving rungs use ``clip(300_000 / n_train, 3, 30)`` epochs at most.
    batch_size : int or "auto", default="auto"
        Mini-batch size; "auto" is ``clip(n_train // 50, 32, 512)``.
    validation_fraction : float or "auto", default="auto"
        Fraction of the rows held out to score the candidates; "auto" holds
        out 10% of the rows (up to 20% to reach 200 rows, at most 10,000).
    cv : int, "auto" or None, default="auto"
        How the candidates are scored. An int k: k-fold cross-validation,
        each candidate trained as k copies (one per fold, in the same wide
        network) and the returned model averages the copies (bagging), so
        every row is used for training and for choosing. None: one hold-out
        split of ``validation_fraction``. "auto": 5 folds below 2,000 rows,
        where one hold-out of a few hundred rows cannot rank 81 networks,
        and a hold-out above.
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
        Validation R2 of the returned model (the ensemble ``predict`` uses;
        out-of-fold with k folds).
    best_index_ : int
        Row of ``cv_results_`` of the best single network of the last stage.
    cv_results_ : dict of ndarray
        One row per candidate per rung, in the schema of
        :class:`~skauto.model_selection.AutoSearchCV`: ``params``,
        ``param_*``, ``candidate``, ``iter``, ``n_resources`` (samples seen),
        ``bracket``, ``status``, ``mean_test_score`` (validation R2),
        ``split0_test_score``, ``rank_test_score``, fit times. Loads into
        a pandas DataFrame.
    n_splits_ : int
        Number of folds (1: one hold-out split).
    n_resources_ : list of int
        Largest budget of each stage that ran, in training samples seen.
    n_candidates_ : list of int
        Number of networks in each stage that ran.
    coefs_ : list of ndarray
        ``[W1, W2]`` of the returned model as one wide network: the members'
        hidden units side by side (fold copies included), ``W2`` scaled by
        each member's ensemble weight and the target's scale. ``W1`` acts on
        the standardized features compressed beyond 3 standard deviations
        (not on the raw features), so ``predict`` is
        ``relu(Z @ W1 + b1) @ W2 + b2`` of those features ``Z``.
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
    best_validation_score_ : float
        Best of ``validation_scores_``.
    batch_size_ : int
        Mini-batch size used.
    ensemble_ : list of dict
        Members of the returned model, the heaviest first: ``{"params": ...,
        "weight": w}``; the weights sum to 1. A member with
        ``params={"linear": True, "alpha": a}`` is a ridge regression on the
        same features (held exactly by two hidden units per output).
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
        "cv": [Interval(Integral, 2, None, closed="left"), StrOptions({"auto"}), None],
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
        cv="auto",
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
        self.cv = cv
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
        """Split (hold-out or k folds), scale (float32), pick the batch size."""
        n = len(X)
        self._n_folds = self._folds_for(n, w)
        if self._n_folds > 1:  # every row trains k - 1 copies, scores one
            train = val = rng.permutation(n)
            if w is not None:  # rows of positive weight spread over the folds
                train = val = train[np.argsort(w[train] == 0, kind="stable")]
            row_folds = np.arange(n) % self._n_folds
            folds = [np.flatnonzero(row_folds == f) for f in range(self._n_folds)]
        else:
            val, train = _split(n, self._n_validation(n), w, rng)
            row_folds, folds = None, [np.arange(len(val))]
        w_train = None if w is None else w[train]
        w_val = None if w is None else w[val]
        if w_val is not None and not all(w_val[r].any() for r in folds):
            self._warn_unweighted_validation()
            w_val = None
        self._x_mean, self._x_scale = _mean_scale(X, train, w)
        self._y_mean, self._y_scale = _mean_scale(y, train, w)
        x_args, y_args = (self._x_mean, self._x_scale), (self._y_mean, self._y_scale)
        data = {
            "X": _tame(_standardize(X, train, *x_args)),
            "y": _standardize(y, train, *y_args),
            "w": None if w is None else (w_train / w_train.mean()).astype(np.float32),
            "w_val": w_val,
            "row_folds": row_folds,
            "n_train": len(train),
        }
        if row_folds is None:
            data["X_val"] = _tame(_standardize(X, val, *x_args))
            data["y_val"] = _standardize(y, val, *y_args)
        else:
            data["X_val"], data["y_val"] = data["X"], data["y"]
        # one variance for every fold: a fold of a few rows near the mean
        # would make its R2 meaningless
        data["y_var_all"] = _variance(data["y_val"], w_val)
        data["y_var"] = np.tile(data["y_var_all"], (len(folds), 1))
        data["poor_score"] = _poor_score(data["y_val"], w_val, data["y_var_all"])
        n_fit = len(train) * (self._n_folds - 1) // self._n_folds or len(train)
        self.batch_size_ = self._batch_size(n_fit)
        return data

    def _folds_for(self, n, w):
        """Number of folds; 1 (a hold-out) unless each fold gets 2 weighted rows."""
        k = _AUTO_FOLDS if self.cv == "auto" and n < _AUTO_FOLDS_BELOW else self.cv
        k = 1 if k in (None, "auto") else int(k)
        return k if n >= 2 * k and (w is None or np.count_nonzero(w) >= 2 * k) else 1

    def _n_validation(self, n):
        if self.validation_fraction == "auto":
            # 10% of the rows, but up to 20% to reach 200 rows; at most 10,000.
            n_val = min(max(round(0.1 * n), min(round(0.2 * n), 200)), 10_000)
        else:
            n_val = round(self.validation_fraction * n)
        return int(np.clip(n_val, 1, n - 1))

    def _batch_size(self, n_fit):
        size = self.batch_size
        if size == "auto":
            size = np.clip(n_fit // 50, 32, 512)
        return int(max(1, min(size, n_fit)))

    def _plan(self, data):
        """The halving schedule, and the cap of the survivors' extension."""
        n_train = data["n_train"]
        if self.max_epochs == "auto":
            cap = float(np.clip(_AUTO_CAP_SAMPLES / n_train, 1, _AUTO_CAP_EPOCHS))
        else:
            cap = float(self.max_epochs)
        horizon = min(float(np.clip(_HALVING_SAMPLES / n_train, 3, 30)), cap)
        max_resources = max(1, int(round(horizon * n_train)))
        self._max_samples = max(max_resources, int(round(cap * n_train)))
        schedule = SuccessiveHalving(
            self.n_candidates,
            1,
            max_resources,
            self.factor,
            min_survivors=self.ensemble_size,
        )
        self._n_stages = len(schedule.plan()) + 1
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
        # candidate c has one copy per fold: ids c * n_folds + fold
        k = self._n_folds
        return Population(
            data["X"].shape[1],
            data["y"].shape[1],
            *(np.repeat(v, k) for v in (sizes, values[1], values[2])),
            rng.spawn(n * k),
            range(n * k),
            folds=np.tile(np.arange(k), n),
        )

    def _copies(self, candidates):
        """Population ids of the fold copies of ``candidates``."""
        k = self._n_folds
        return [c * k + f for c in candidates for f in range(k)]

    def _scores(self, jobs, population):
        """{candidate: mean over its copies of their best validation score}."""
        return {
            j.candidate: float(
                np.mean([population.best_of(i)[0] for i in self._copies([j.candidate])])
            )
            for j in jobs
        }

    # ------------------------------------------------------------------ run
    def _run(self, schedule, population, data, trace, rng):
        """The driver loop: ``while jobs := ask(): tell(evaluate(jobs))``.

        The halving rungs run first; then the survivors train on while their
        validation score improves (``_extend``), up to the epoch cap.
        """
        stream = BatchStream(data["n_train"], rng)
        records, last = [], []
        while jobs := schedule.ask():
            scores = self._timed(self._evaluate, jobs, population, data, stream, trace)
            records += self._rung_records(jobs, population, trace)
            self._report(jobs, scores, trace, data["n_train"])
            if trace.timed_out:
                return records
            schedule.tell(scores)
            last = [c for c, s in scores.items() if math.isfinite(s)]
        if last and population.samples_seen < self._max_samples:
            jobs = [Job(c, 0, records[-1]["iter"] + 1, self._max_samples) for c in last]
            scores = self._timed(self._extend, jobs, population, data, stream, trace)
            records += self._rung_records(jobs, population, trace)
            self._report(jobs, scores, trace, data["n_train"])
        return records

    def _timed(self, evaluate, jobs, *args):
        tic = time.perf_counter()
        scores = evaluate(jobs, *args)
        self._rung_seconds = time.perf_counter() - tic
        return scores

    def _evaluate(self, jobs, population, data, stream, trace):
        """Bring every job's candidate to its budget; return {candidate: score}."""
        population.keep(self._copies(j.candidate for j in jobs))
        target = jobs[0].n_resources
        while len(population) and population.samples_seen < target:
            self._train(
                population,
                data,
                stream.take(target - population.samples_seen),
                stream,
                trace,
            )
            if len(population) and (
                stream.epoch_done or population.samples_seen >= target
            ):
                self._validate(population, data, trace)
            if trace.check_time(self.max_time):
                break
        return self._scores(jobs, population)

    def _extend(self, jobs, population, data, stream, trace):
        """Train the survivors on while their validation score improves.

        After ``_PATIENCE`` checks (one per epoch, or per 100,000 rows) without
        improvement a survivor's learning rate is divided by 4; after
        ``_N_CUTS`` such cuts it stops, and its best checkpoint is kept.
        """
        population.keep(self._copies(j.candidate for j in jobs))
        plateau = _Plateau(population.ids, population.best_score)
        cap = self._extension_cap(population, data["n_train"])
        every = min(data["n_train"], _CHECK_ROWS)
        while len(population) and population.samples_seen < cap:
            rows = stream.take(min(every, cap - population.samples_seen))
            self._train(population, data, rows, stream, trace)
            if len(population):
                cut, stop = plateau.update(
                    population.ids, self._validate(population, data, trace)
                )
                population.scale_lr(cut, _CUT)
                trace.stopped.update(dict.fromkeys(stop, population.samples_seen))
                population.retire(stop)
            if trace.check_time(self.max_time):
                break
        return self._scores(jobs, population)

    def _extension_cap(self, population, n_train):
        """Samples seen at which the extension stops: the epoch cap, and with
        ``max_epochs="auto"`` a cap on the work (rows times hidden units)."""
        cap = self._max_samples
        if self.max_epochs == "auto" and len(population):
            cap = min(
                cap, population.samples_seen + _AUTO_WORK / population.sizes.sum()
            )
        return max(population.samples_seen, int(cap))

    def _train(self, population, data, rows, stream, trace):
        """One chunk of mini-batches; candidates whose loss is not finite drop."""
        loss = population.train(
            data["X"], data["y"], data["w"], rows, self.batch_size_, data["row_folds"]
        )
        trace.add_loss(
            population.ids, loss, len(rows), stream.epoch_done, stream.n_rows
        )
        diverged = ~np.isfinite(loss)
        if diverged.any():  # dropped at once with its fold copies, never promoted
            bad = self._copies(
                set((population.ids[diverged] // self._n_folds).tolist())
            )
            trace.diverged.update(bad)
            population.keep(np.setdiff1d(population.ids, bad))

    def _validate(self, population, data, trace):
        scores = population.score(
            data["X_val"],
            data["y_val"],
            data["w_val"],
            data["y_var"],
            data["row_folds"],
        )
        trace.add_val(population.ids, scores)
        return scores

    def _rung_records(self, jobs, population, trace):
        seconds = self._rung_seconds / len(jobs)
        records = []
        for job in jobs:
            copies = self._copies([job.candidate])
            seen = max(trace.stopped.get(i, population.samples_seen) for i in copies)
            split = [population.best_of(i)[0] for i in copies]
            records.append(
                {
                    "candidate": job.candidate,
                    "bracket": job.bracket,
                    "iter": job.iter,
                    "n_resources": min(job.n_resources, seen),
                    "params": dict(self._candidate_params[job.candidate]),
                    "status": "diverged" if copies[0] in trace.diverged else "ok",
                    "test_scores": {
                        "score": [x if math.isfinite(x) else np.nan for x in split]
                    },
                    "train_scores": None,
                    "fit_time": [seconds],
                    "score_time": [0.0],
                }
            )
        return records

    def _report(self, jobs, scores, trace, n_train):
        if not self.verbose:
            return
        finite = [s for s in scores.values() if math.isfinite(s)]
        best = f"{max(finite):.4f}" if finite else "nan"
        epochs = f"{jobs[0].n_resources / n_train:.3g} epochs each"
        if (
            jobs[0].candidate in trace.stopped
            or jobs[0].n_resources == self._max_samples
        ):
            epochs = "trained on while validation improved"
        print(
            f"[{type(self).__name__}] stage {jobs[0].iter + 1} of {self._n_stages}: "
            f"{len(jobs)} networks, "
            f"{epochs}; best validation R2 {best}; took {self._rung_seconds:.1f} s"
        )

    # ------------------------------------------------------------- finalize
    def _finalize(self, records, population, trace, data):
        self.cv_results_ = build_cv_results(records, ["score"], n_splits=self._n_folds)
        self.n_splits_ = self._n_folds
        self.best_index_ = _best_row(self.cv_results_)
        self._raise_if_all_diverged(trace)
        self._warn(trace, data)
        res = self.cv_results_
        self.n_candidates_ = np.bincount(res["iter"]).tolist()
        self.n_resources_ = [
            int(res["n_resources"][res["iter"] == i].max())
            for i in range(len(self.n_candidates_))
        ]
        last = res["iter"] == res["iter"][self.best_index_]
        pool = res["candidate"][last & np.isfinite(res["mean_test_score"])].tolist()
        members = [[population.network(i) for i in self._copies([c])] for c in pool]
        members.append(_ridge(data, self._n_folds))
        preds = [_out_of_fold(networks, data) for networks in members]
        weights, self.best_score_ = _select(preds, data, self.ensemble_size)
        order = np.argsort(-weights[:-1], kind="stable")
        top = pool[order[0]]
        self._describe(pool, order, weights, members[-1][0][4], population, data)
        self._set_network(
            [n[:4] for m, w in zip(members, weights, strict=True) if w for n in m],
            np.repeat(weights[weights > 0] / self._n_folds, self._n_folds),
        )
        first = self._copies([top])[0]
        self.loss_curve_ = trace.loss_curve(first)
        self.n_iter_ = len(self.loss_curve_)
        self.validation_scores_ = list(trace.val[first])
        self.best_validation_score_ = max(self.validation_scores_)
        self.n_outputs_ = data["y"].shape[1]
        del self._candidate_params

    def _describe(self, pool, order, weights, ridge_alpha, population, data):
        """best_params_ (the heaviest network) and ensemble_ (every member)."""
        top = pool[order[0]]
        seen = np.mean([population.best_of(i)[1] for i in self._copies([top])])
        self.best_params_ = {
            **self._candidate_params[top],
            "max_iter": max(1, math.ceil(seen / data["n_train"])),
        }
        self.ensemble_ = [
            {
                "params": dict(self._candidate_params[pool[i]]),
                "weight": float(weights[i]),
            }
            for i in order
            if weights[i] > 0
        ]
        if weights[-1] > 0:
            linear = {"linear": True, "alpha": ridge_alpha}
            self.ensemble_.append({"params": linear, "weight": float(weights[-1])})

    def _n_diverged(self, trace):
        return len({i // self._n_folds for i in trace.diverged})

    def _raise_if_all_diverged(self, trace):
        if self.best_index_ is None and self._n_diverged(trace) < self.n_candidates:
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
                f"{self._n_diverged(trace)} of {self.n_candidates} candidates diverged "
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

    def _set_network(self, networks, weights):
        """Average the members into one wide network; fold the scaling in."""
        W1 = np.concatenate([n[0] for n in networks], axis=1)
        b1 = np.concatenate([n[1] for n in networks])
        W2 = np.concatenate(
            [n[2] * wk for n, wk in zip(networks, weights, strict=True)]
        )
        W2 = W2 * self._y_scale
        b2 = sum(wk * n[3] for n, wk in zip(networks, weights, strict=True))
        self.coefs_ = [W1, W2]
        self.intercepts_ = [b1, b2 * self._y_scale + self._y_mean]

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
            hidden = np.maximum(self._transform(X[i : i + 4096]) @ W1 + b1, 0)
            out[i : i + 4096] = hidden @ W2 + b2
        return out.ravel() if self._y_1d else out

    def _transform(self, X):
        """The features the network sees: standardized, outliers tamed."""
        X = X.toarray() if sp.issparse(X) else X
        return _tame((X - self._x_mean) / self._x_scale)

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


def _variance(y, w=None):
    """(Weighted) variance of each column of y, float64; 1 where it is 0."""
    y = y.astype(np.float64)
    if w is None:
        var = y.var(axis=0)
    else:
        mean = w @ y / w.sum()
        var = w @ (y - mean) ** 2 / w.sum()
    return np.where(var > 0, var, 1.0)


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


def _tame(z, t=3.0):
    """Identity on [-t, t], logarithmic beyond, in place.

    A standardized feature value of 50 (a typo, a heavy tail) becomes 6.8: it
    keeps its order but no longer dominates a ReLU network's extrapolation.
    """
    big = np.abs(z) > t
    z[big] = np.sign(z[big]) * (t + np.log1p(np.abs(z[big]) - t))
    return z


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


def _best_row(results):
    """Row of the best finite score among the candidates of the last stage."""
    means = np.asarray(results["mean_test_score"], dtype=float)
    finite = np.isfinite(means)
    if not finite.any():
        return None
    rows = np.flatnonzero(finite & (results["iter"] == results["iter"][finite].max()))
    return int(rows[np.argmax(means[rows])])


def _forward(X, network):
    W1, b1, W2, b2 = network[:4]
    return np.maximum(X @ W1 + b1, 0) @ W2 + b2


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


def _linear_network(coef, alpha):
    """The linear model ``x @ coef[:-1] + coef[-1]`` as a ReLU network."""
    eye = np.eye(coef.shape[1])
    W1 = np.hstack([coef[:-1], -coef[:-1]])
    return W1, np.zeros(W1.shape[1]), np.vstack([eye, -eye]), coef[-1], alpha


def _out_of_fold(networks, data):
    """Predictions on the validation rows, each row by its own fold's network."""
    X_val, folds = data["X_val"], data["row_folds"]
    if folds is None:
        return _forward(X_val.astype(np.float64), networks[0])
    out = np.empty(data["y_val"].shape)
    for f, network in enumerate(networks):
        rows = folds == f
        out[rows] = _forward(X_val[rows].astype(np.float64), network)
    return out


def _select(preds, data, max_members):
    """Greedy ensemble selection with replacement (Caruana et al., 2004).

    Start from the best member on the validation rows; add the member that
    most improves the average's validation R2, as long as one does, at most
    ``2 * max_members`` times. Returns the weights and the final score.
    """
    counts = np.zeros(len(preds))
    total, best = 0.0, -np.inf
    for k in range(2 * max_members if max_members > 1 else 1):
        trial = [_r2((total + p) / (k + 1), data) for p in preds]
        i = int(np.argmax(trial))
        if trial[i] <= best + 1e-7:
            break
        counts[i] += 1
        total, best = total + preds[i], trial[i]
    return counts / counts.sum(), best


class _Plateau:
    """Per-candidate patience: cut the learning rate, then stop."""

    def __init__(self, ids, best):
        self.best = dict(zip(ids.tolist(), best.tolist(), strict=True))
        self.bad = dict.fromkeys(self.best, 0)
        self.cuts = dict.fromkeys(self.best, 0)

    def update(self, ids, scores):
        """Record one check; return (candidates to slow down, to stop)."""
        cut, stop = [], []
        for c, score in zip(ids.tolist(), scores.tolist(), strict=True):
            if score > self.best[c] + _TOL:
                self.best[c], self.bad[c] = score, 0
                continue
            self.bad[c] += 1
            if self.bad[c] >= _PATIENCE:
                self.bad[c] = 0
                if self.cuts[c] < _N_CUTS:
                    self.cuts[c] += 1
                    cut.append(c)
                else:
                    stop.append(c)
        return cut, stop


class _Trace:
    """What fit records while it runs: losses, validation scores, stops."""

    def __init__(self):
        self.start = time.perf_counter()
        self.loss = defaultdict(list)  # candidate -> mean loss of each full epoch
        self.partial = defaultdict(float)  # candidate -> loss summed this epoch
        self.partial_rows = defaultdict(int)  # candidate -> rows this epoch
        self.val = defaultdict(list)  # candidate -> validation R2 of each check
        self.diverged = set()
        self.stopped = {}  # candidate -> samples seen when it stopped improving
        self.timed_out = False

    def elapsed(self):
        return time.perf_counter() - self.start

    def check_time(self, max_time):
        self.timed_out = max_time is not None and self.elapsed() > max_time
        return self.timed_out

    def add_loss(self, ids, loss, n_rows, epoch_done, epoch_rows):
        for cid, value in zip(ids.tolist(), loss.tolist(), strict=True):
            self.partial[cid] += value
            self.partial_rows[cid] += n_rows
            if epoch_done:
                self.loss[cid].append(self.partial.pop(cid) / epoch_rows)
                del self.partial_rows[cid]

    def add_val(self, ids, scores):
        for cid, score in zip(ids.tolist(), scores.tolist(), strict=True):
            self.val[cid].append(score)

    def loss_curve(self, candidate):
        """Mean loss per epoch of one candidate; a last partial epoch counts."""
        rows = self.partial_rows.get(candidate, 0)
        last = [self.partial[candidate] / rows] if rows else []
        return self.loss[candidate] + last
