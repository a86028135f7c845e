"""The engine shared by the self-tuning networks.

:class:`BaseSelfTuningMLP` holds everything but the target: validation (folds
or a hold-out), the halving plan, the population's driver loop, the survivors'
extension, greedy ensemble selection and the returned wide network. A
subclass says how its target is checked, encoded and scored (``_check_data``,
``_strata``, ``_target_scale``, ``_target_variance``, ``_pool_score``,
``_poor_score``,
``_poor_fit``), which output layer the population uses (``_output``),
whether a linear model joins the pool (``_linear_member``), and how the
returned ensemble's outputs are calibrated (``_calibrate``).

The parts of the subclasses' docstrings that are the same text in both live
here too, in ``_DOC_BLOCKS``; ``_fill_doc`` puts them into each class's
docstring.
"""

import math
import re
import textwrap
import time
import warnings
from numbers import Integral, Real

import numpy as np
import scipy.sparse as sp
from scipy.stats import qmc
from sklearn.base import BaseEstimator
from sklearn.preprocessing import SplineTransformer
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted
from threadpoolctl import threadpool_limits

from .._callbacks import CallbackSupportMixin, TaskTree, public_attributes
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
from .._schedule import Job, SuccessiveHalving, drive
from ._data import _mean_scale, _split, _standardize, _tame, stratified_order
from ._engine import _CUT, _best_row, _out_of_fold, _Plateau, _select, _Trace

# The halving rungs use about this many training rows in all (3 to 30 epochs).
_HALVING_SAMPLES = 3e5
# The survivors then train on while their validation score improves, checked
# every epoch or every _CHECK_ROWS rows (patience: see _engine._Plateau).
_CHECK_ROWS = 100_000
# max_epochs="auto": at most 200 epochs and 3e7 rows, and the survivors'
# extension costs at most _AUTO_WORK rows times hidden units.
_AUTO_CAP_EPOCHS, _AUTO_CAP_SAMPLES, _AUTO_WORK = 200, 3e7, 1e9
# cv="auto": 4-fold cross-validation below 2,000 rows, a hold-out above.
_AUTO_FOLDS, _AUTO_FOLDS_BELOW = 4, 2000
# ensemble_size="auto": survivors of the halving. 4 with folds (each survivor
# is then a bag of one network per fold) or with a hold-out of at least
# _PRECISE_HOLDOUT rows (it ranks them well enough that 8 cost 25-40% more
# time for no better test score); 8 with a smaller hold-out.
_AUTO_ENSEMBLE, _AUTO_ENSEMBLE_FEW, _PRECISE_HOLDOUT = 8, 4, 1000
# From _SPLINE_ROWS[0] to _SPLINE_ROWS[1] rows, every feature of at least
# _SPLINE_KNOTS distinct values is also fed to the networks as a cubic B-spline
# basis on _SPLINE_KNOTS quantile knots (8 columns): a smooth, piecewise
# encoding of each feature, like the numerical embeddings of RealMLP. Not
# when that adds more than _SPLINE_COLUMNS columns: the first layer's cost
# grows with its width.
_SPLINE_ROWS, _SPLINE_KNOTS, _SPLINE_COLUMNS = (500, 10_000), 6, 256
# A per-feature scaling layer in front of every network (RealMLP's, with an
# L1 penalty so that useless features fade out): Population's ``scale``.
_SCALE_LAYER = {"lr_mult": 6.0, "l1": 0.05}

_RANGES = {
    # searched range: (integers?, lowest allowed value; 0 means "> 0")
    "hidden_size_range": (True, 1),
    "learning_rate_range": (False, 0),
    "alpha_range": (False, 0),
}

# Docstring text shared by the self-tuning networks, filled in by _fill_doc.
# Parameter and attribute entries start at column 0 and their descriptions at
# column 4; ``{linear_member}`` and ``{score_name}`` are the class's own.
_DOC_BLOCKS = {
    "search_parameters": """\
hidden_size_range : tuple of (int, int), default=(16, 256)
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
ensemble_size : int or "auto", default="auto"
    Halving stops when this many candidates are left; they train on while
    their validation score improves, and the returned model is a greedy
    ensemble of them and of a {linear_member} (members join only while
    they improve the validation {score_name}). 1 returns the single best
    member. "auto": 4 with folds (each candidate is then a bag of one
    network per fold) or with a hold-out of at least 1,000 rows (from
    10,000 rows with the default ``validation_fraction``), 8 with a
    smaller hold-out.
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
    split of ``validation_fraction``. "auto": 4 folds below 2,000 rows,
    where one hold-out of a few hundred rows cannot rank 81 networks,
    and a hold-out above.""",
    "run_parameters": """\
max_time : float or None, default=None
    Seconds after which the search stops; the best network so far is kept.
random_state : int, RandomState instance or None, default=None
    Seeds the split, the candidates, their initial weights and the
    mini-batches. Pass an int for reproducible results on one machine:
    training runs in float32, and the BLAS kernel chosen for the processor
    decides the rounding of its products, so another processor can end
    with different networks.
verbose : int, default=0
    Print one line per stage when > 0. With scikit-learn 1.9 or later,
    ``set_callbacks`` takes scikit-learn's callbacks (a ``ProgressBar``, a
    ``ScoringMonitor``): each stage is a task, each validation check a
    leaf (see the :ref:`user guide <population>`).""",
    "search_attributes": """\
best_index_ : int
    Row of ``cv_results_`` of the best single network of the last stage.
n_splits_ : int
    Number of folds (1: one hold-out split).
n_resources_ : list of int
    Largest budget of each stage that ran, in training samples seen.
n_candidates_ : list of int
    Number of networks in each stage that ran.
plan_ : list of (int, int)
    The stages planned before training, as ``(n_candidates,
    n_resources)``: the halving rungs, then the survivors with the cap
    of their last stage. ``n_candidates_`` and ``n_resources_`` say what
    ran (less when ``max_time`` stops the search or candidates diverge).""",
    "fit_attributes": """\
best_validation_score_ : float
    Best of ``validation_scores_``.
batch_size_ : int
    Mini-batch size used.
n_features_in_ : int
    Number of features seen during fit.
feature_names_in_ : ndarray of shape (`n_features_in_`,)
    Names of features seen during fit, when X has string column names.""",
}
_PLACEHOLDER = re.compile(r"( *)\{(\w+)\}")


def _fill_doc(**fields):
    """Class decorator: fill the placeholders of the class's docstring.

    Each ``{name}`` is replaced by ``fields[name]`` or ``_DOC_BLOCKS[name]``
    (placeholders inside the replacement are filled too); every line of a
    multi-line block is indented as the placeholder, which stands alone on
    its line. Braces around anything but a bare name (``{"weight": w}``) are
    left alone; an unknown name raises ``KeyError``.
    """
    values = {**_DOC_BLOCKS, **fields}

    def fill(text):
        def replace(match):
            indent, name = match.groups()
            if name not in values:
                raise KeyError(f"no docstring block or field named {name!r}")
            return textwrap.indent(fill(values[name]), indent)

        return _PLACEHOLDER.sub(replace, text)

    def decorate(cls):
        if cls.__doc__ is not None:  # None under python -OO
            cls.__doc__ = fill(cls.__doc__)
        return cls

    return decorate


class BaseSelfTuningMLP(CallbackSupportMixin, BaseEstimator):
    """Base class of the self-tuning networks; use a subclass."""

    # how verbose output shows a score (higher is better): sign and name
    _score_sign, _score_name = 1, "R2"
    # whether the features get their spline basis (see _SPLINE_ROWS)
    _splines_help = True

    _parameter_constraints = {
        "hidden_size_range": ["array-like"],
        "learning_rate_range": ["array-like"],
        "alpha_range": ["array-like"],
        "n_candidates": [Interval(Integral, 1, None, closed="left")],
        "factor": [Interval(Real, 1, None, closed="neither")],
        "ensemble_size": [
            Interval(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
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
        """Search the hyperparameters and train the chosen networks.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training data; at least 2 rows (one is held out). Sparse input
            (as a ColumnTransformer with one-hot encoding returns) is
            densified to float32 for training.
        y : array-like of shape (n_samples,) or (n_samples, n_outputs)
            Target values: numbers for a regressor, labels for a classifier.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows in the training loss and the validation score.
            The validation split keeps rows of positive weight on both sides;
            when only one row has weight, it is trained on and the validation
            score is unweighted (with a warning).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        ranges = self._check_ranges()
        X_given, y_given = X, y
        X, y, w = self._check_data(X, y, sample_weight)
        rng = np.random.default_rng(
            check_random_state(self.random_state).randint(2**32)
        )
        data = self._prepare(X, y, w, rng)
        schedule = self._plan(data)
        # what scikit-learn's callbacks are given to score a fitted model
        data["callback_data"] = {
            "X": X_given,
            "y": y_given,
            "metadata": None
            if sample_weight is None
            else {"sample_weight": sample_weight},
        }
        tasks = TaskTree(self, len(self.plan_))
        population, trace = self._spawn(data, ranges, rng), _Trace(tasks)
        # The products are small: one BLAS thread is faster (no oversubscription
        # next to joblib workers) and makes results independent of the machine.
        with threadpool_limits(limits=1, user_api="blas"):
            records = self._run(schedule, population, data, trace, rng)
            self._finalize(records, population, trace, data)
        attributes = lambda: public_attributes(self)  # noqa: E731
        tasks.end(**data["callback_data"], reconstruction_attributes=attributes)
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

    def _check_X(self, X, y, **kwargs):
        """validate_data with a message for non-numeric X; dense X, 2 rows."""
        try:
            X, y = validate_data(
                self,
                X,
                y,
                accept_sparse=["csr", "csc", "coo"],
                dtype=np.float64,
                **kwargs,
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
        return X, y

    @staticmethod
    def _check_weights(sample_weight, X):
        if sample_weight is None:
            return None
        w = check_sample_weight(sample_weight, X, ensure_non_negative=True)
        return None if np.all(w == w[0]) else w / w.max()  # scale-free, no overflow

    def _prepare(self, X, y, w, rng):
        """Split (hold-out or k folds), scale (float32), pick the batch size."""
        n = len(X)
        self._n_folds = self._folds_for(n, w)
        strata = self._strata(y)
        order = rng.permutation(n) if strata is None else stratified_order(strata, rng)
        if self._n_folds > 1:  # every row trains k - 1 copies, scores one
            train = val = order
            if w is not None:  # rows of positive weight spread over the folds
                train = val = order[np.argsort(w[order] == 0, kind="stable")]
            row_folds = np.arange(n) % self._n_folds
            folds = [np.flatnonzero(row_folds == f) for f in range(self._n_folds)]
        else:
            val, train = _split(n, self._n_validation(n), w, rng, order)
            row_folds, folds = None, [np.arange(len(val))]
        self._n_holdout = len(val) if self._n_folds == 1 else 0
        w_train = None if w is None else w[train]
        w_val = None if w is None else w[val]
        if w_val is not None and not all(w_val[r].any() for r in folds):
            self._warn_unweighted_validation()
            w_val = None
        self._x_mean, self._x_scale = _mean_scale(X, train, w)
        self._y_mean, self._y_scale = self._target_scale(y, train, w)
        x_args, y_args = (self._x_mean, self._x_scale), (self._y_mean, self._y_scale)
        data = {
            "X": _tame(_standardize(X, train, *x_args)),
            "y": _standardize(y, train, *y_args),
            "w": None if w is None else (w_train / w_train.mean()).astype(np.float32),
            "w_val": w_val,
            "row_folds": row_folds,
            "n_train": len(train),
        }
        self._splines = self._fit_splines(data["X"], n, data["w"])
        data["X"] = self._expand(data["X"])
        if row_folds is None:
            data["X_val"] = self._expand(_tame(_standardize(X, val, *x_args)))
            data["y_val"] = _standardize(y, val, *y_args)
        else:
            data["X_val"], data["y_val"] = data["X"], data["y"]
        # one variance for every fold: a fold of a few rows near the mean
        # would make its R2 meaningless
        data["y_var_all"] = self._target_variance(data)
        data["y_var"] = np.tile(data["y_var_all"], (len(folds), 1))
        data["poor_score"] = self._poor_score(data)
        n_fit = len(train) * (self._n_folds - 1) // self._n_folds or len(train)
        self.batch_size_ = self._batch_size(n_fit)
        return data

    def _folds_for(self, n, w):
        """Number of folds; 1 (a hold-out) unless each fold gets 2 weighted rows."""
        k = _AUTO_FOLDS if self.cv == "auto" and n < _AUTO_FOLDS_BELOW else self.cv
        k = 1 if k in (None, "auto") else int(k)
        return k if n >= 2 * k and (w is None or np.count_nonzero(w) >= 2 * k) else 1

    def _ensemble_size(self):
        if self.ensemble_size != "auto":
            return self.ensemble_size
        if self._n_folds > 1 or self._n_holdout >= _PRECISE_HOLDOUT:
            return _AUTO_ENSEMBLE_FEW
        return _AUTO_ENSEMBLE

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
            min_survivors=self._ensemble_size(),
        )
        rungs = schedule.plan()
        self.plan_ = [(r.n_candidates, r.n_resources) for r in rungs]
        if self._max_samples > rungs[-1].n_resources:  # the survivors train on
            self.plan_.append((rungs[-1].n_candidates, self._max_samples))
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
            groups=np.repeat(np.arange(n), k),
            output=self._output,
            scale=_SCALE_LAYER,
        )

    def _copies(self, candidates):
        """Population ids of the fold copies of ``candidates``."""
        k = self._n_folds
        return [c * k + f for c in candidates for f in range(k)]

    def _scores(self, jobs, population):
        """{candidate: mean over its copies of their best validation score}."""
        return {j.candidate: self._mean_best(j.candidate, population) for j in jobs}

    def _mean_best(self, candidate, population):
        copies = self._copies([candidate])
        return float(np.mean([population.best_of(i)[0] for i in copies]))

    # ------------------------------------------------------------------ run
    def _run(self, schedule, population, data, trace, rng):
        """The halving rungs through the shared driver loop (``drive``); then
        the survivors train on while their validation score improves
        (``_extend``), up to the epoch cap.
        """
        stream = BatchStream(data["n_train"], rng)
        records, last = [], []

        def evaluate(jobs):
            return self._timed(self._evaluate, jobs, population, data, stream, trace)

        def after_rung(jobs, scores):
            records.extend(self._rung_records(jobs, population, trace))
            self._report(jobs, scores, data["n_train"])
            last[:] = [c for c, s in scores.items() if math.isfinite(s)]
            return trace.stop_asked

        deadline = None if self.max_time is None else trace.start + self.max_time
        cut = drive(schedule, evaluate, deadline=deadline, after_rung=after_rung)
        trace.timed_out |= cut and not trace.stop_asked
        if trace.timed_out or trace.stop_asked:
            return records
        if last and population.samples_seen < self._max_samples:
            jobs = [Job(c, 0, records[-1]["iter"] + 1, self._max_samples) for c in last]
            scores = self._timed(self._extend, jobs, population, data, stream, trace)
            records += self._rung_records(jobs, population, trace)
            self._report(jobs, scores, data["n_train"], extended=True)
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
        rows = target - population.samples_seen
        self._begin_stage(jobs, _n_checks(stream, rows, rows), trace)
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
            if trace.check_time(self.max_time) or trace.stop_stage:
                break
        self._end_stage(population, data, trace)
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
        n_checks = _n_checks(stream, cap - population.samples_seen, every)
        self._begin_stage(jobs, n_checks, trace)
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
            if trace.check_time(self.max_time) or trace.stop_stage:
                break
        self._end_stage(population, data, trace)
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
        epochs = population.samples_seen / data["n_train"]
        trace.stop_stage = trace.tasks.leaf(
            f"epoch {epochs:.3g}", **self._callback_kwargs(population, data)
        )
        return scores

    # ------------------------------------------------- scikit-learn callbacks
    def _begin_stage(self, jobs, n_checks, trace):
        """A stage is a task of the callbacks; each validation check a leaf."""
        trace.stop_stage = False
        name = f"stage {jobs[0].iter + 1}: {len(jobs)} networks"
        trace.tasks.begin_step(name, n_checks)

    def _end_stage(self, population, data, trace):
        kwargs = self._callback_kwargs(population, data)
        trace.stop_asked = trace.tasks.end_step(**kwargs)

    def _callback_kwargs(self, population, data):
        """The training data and, built only if a callback asks for it, the
        model a fit stopped here would return (the best candidate's bag)."""
        return {
            **data["callback_data"],
            "reconstruction_attributes": lambda: self._snapshot(population),
        }

    def _snapshot(self, population):
        """coefs_ and intercepts_ of the best candidate so far, its fold copies
        averaged at their best checkpoints."""
        k = self._n_folds
        alive = {int(i) // k for i in [*population.ids, *population.retired]}
        best = max(alive, key=lambda c: self._mean_best(c, population))
        networks = [population.network(i) for i in self._copies([best])]
        return self._network_attributes(networks, np.full(k, 1 / k))

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

    def _report(self, jobs, scores, n_train, extended=False):
        if not self.verbose:
            return
        finite = [s for s in scores.values() if math.isfinite(s)]
        best = f"{self._score_sign * max(finite):.4f}" if finite else "nan"
        epochs = f"{jobs[0].n_resources / n_train:.3g} epochs each"
        if extended:
            epochs = "trained on while validation improved"
        print(
            f"[{type(self).__name__}] stage {jobs[0].iter + 1} of {len(self.plan_)}: "
            f"{len(jobs)} networks, {epochs}; best validation {self._score_name} "
            f"{best}; took {self._rung_seconds:.1f} s"
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
        linear = self._linear_member(data)
        members += [] if linear is None else [linear]
        preds = [_out_of_fold(networks, data) for networks in members]
        weights, self.best_score_ = _select(
            preds, lambda pred: self._pool_score(pred, data), self._ensemble_size()
        )
        blend = sum(wk * p for wk, p in zip(weights, preds, strict=True) if wk)
        gain, self.best_score_ = self._calibrate(blend, data, self.best_score_)
        order = np.argsort(-weights[: len(pool)], kind="stable")
        top = pool[order[0]]
        self._describe(pool, order, weights, linear, population, data)
        network = self._network_attributes(
            [n[:4] for m, w in zip(members, weights, strict=True) if w for n in m],
            np.repeat(weights[weights > 0] * gain / self._n_folds, self._n_folds),
        )
        vars(self).update(network)
        first = self._copies([top])[0]
        self.loss_curve_ = trace.loss_curve(first)
        self.n_iter_ = len(self.loss_curve_)
        self.validation_scores_ = list(trace.val[first])
        self.best_validation_score_ = max(self.validation_scores_)
        self.n_outputs_ = data["y"].shape[1]
        del self._candidate_params

    def _calibrate(self, blend, data, score):
        """(factor on the returned outputs, validation score after it) given
        the ensemble's validation predictions ``blend``; 1: unchanged."""
        return 1.0, score

    def _describe(self, pool, order, weights, linear, population, data):
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
        if linear is not None and weights[-1] > 0:
            params = {"linear": True, "alpha": linear[0][4]}
            self.ensemble_.append({"params": params, "weight": float(weights[-1])})

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
                f"The chosen network's {self._poor_fit(best)}, so no candidate "
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

    def _network_attributes(self, networks, weights):
        """coefs_ and intercepts_ of the members averaged into one wide
        network, the target's scaling folded in."""
        W1 = np.concatenate([n[0] for n in networks], axis=1)
        b1 = np.concatenate([n[1] for n in networks])
        W2 = np.concatenate(
            [n[2] * wk for n, wk in zip(networks, weights, strict=True)]
        )
        W2 = W2 * self._y_scale
        b2 = sum(wk * n[3] for n, wk in zip(networks, weights, strict=True))
        return {
            "coefs_": [W1, W2],
            "intercepts_": [b1, b2 * self._y_scale + self._y_mean],
        }

    def _fit_splines(self, Z, n, w):
        """(columns, fitted SplineTransformer) of the spline expansion, or
        None: outside _SPLINE_ROWS, no feature of enough distinct values, or
        too many."""
        if not self._splines_help or not _SPLINE_ROWS[0] <= n < _SPLINE_ROWS[1]:
            return None
        columns = [
            j for j in range(Z.shape[1]) if len(np.unique(Z[:, j])) >= _SPLINE_KNOTS
        ]
        if not columns or len(columns) * (_SPLINE_KNOTS + 2) > _SPLINE_COLUMNS:
            return None
        splines = SplineTransformer(n_knots=_SPLINE_KNOTS, knots="quantile")
        splines.fit(Z[:, columns].astype(np.float64), sample_weight=w)
        return columns, splines

    def _expand(self, Z):
        """``Z`` and, with splines, the spline basis of its columns."""
        if self._splines is None:
            return Z
        columns, splines = self._splines
        basis = splines.transform(Z[:, columns].astype(np.float64))
        return np.hstack([Z, basis.astype(Z.dtype)])

    def _transform(self, X):
        """The features the network sees: standardized, outliers tamed,
        and their spline basis (from 500 to 10,000 rows)."""
        X = X.toarray() if sp.issparse(X) else X
        return self._expand(_tame((X - self._x_mean) / self._x_scale))

    def _decision(self, X):
        """Raw outputs of the returned network, in chunks (bounded memory)."""
        check_is_fitted(self)
        X = validate_data(self, X, accept_sparse="csr", reset=False, dtype=np.float64)
        (W1, W2), (b1, b2) = self.coefs_, self.intercepts_
        out = np.empty((X.shape[0], W2.shape[1]))
        for i in range(0, X.shape[0], 4096):
            hidden = np.maximum(self._transform(X[i : i + 4096]) @ W1 + b1, 0)
            out[i : i + 4096] = hidden @ W2 + b2
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


def _n_checks(stream, rows, every):
    """Validation checks in training ``rows`` more rows from ``stream``, one
    after every ``every`` rows and at every epoch's end (the most a stage
    makes, for the callbacks' progress)."""
    n, pos, count = stream.n_rows, stream.pos, 0
    while rows > 0:  # each pass takes at least one row
        pos = 0 if pos == n else pos
        take = min(every, rows, n - pos)
        pos, rows, count = pos + take, rows - take, count + 1
    return count
