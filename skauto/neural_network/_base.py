"""What the self-tuning networks share: parameters, the outline of ``fit``,
and the returned network.

``fit`` reads like its outline: check the parameters and the data (the task
object, :mod:`._tasks`, encodes the target), :func:`._data.prepare` the
rows, make the schedule (the halving rungs and the survivors' final rung),
``drive(schedule, executor)`` with the :class:`._executor.PopulationExecutor`,
then finalize (greedy ensemble selection, :mod:`._ensemble`, and the one wide
network that ``predict`` uses).
"""

import functools
import math
from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_array, check_is_fitted
from threadpoolctl import threadpool_limits

from .._callbacks import CallbackSupportMixin, TaskTree, public_attributes
from .._compat import (
    HasMethods,
    StrOptions,
    _fit_context,
    validate_data,
)
from .._constraints import Number
from .._fit_guard import unfitted_on_error
from .._population import BatchStream
from .._results import build_cv_results
from .._schedule import Anneal, SuccessiveHalving, drive
from ._checks import (
    X_CHECKS,
    check_ranges,
    check_weights,
    check_X,
    folds_of,
    raise_if_all_diverged,
    warn,
)
from ._data import prepare
from ._ensemble import _best_row, _twin_attributes, network_attributes, returned_model
from ._executor import PopulationExecutor, Trace, spawn
from ._memory import max_features

# The halving rungs use about this many training rows in all (3 to 30 epochs).
_HALVING_SAMPLES = 3e5
# max_epochs="auto": at most 200 epochs and 3e7 rows, and the survivors'
# final rung costs at most _AUTO_WORK rows times hidden units.
_AUTO_CAP_EPOCHS, _AUTO_CAP_SAMPLES, _AUTO_WORK = 200, 3e7, 1e9
# ensemble_size="auto": survivors of the halving. 4 with folds (each survivor
# is then a bag of one network per fold) or with a hold-out of at least
# _PRECISE_HOLDOUT rows (it ranks them well enough that 8 cost 25-40% more
# time for no better test score); 8 with a smaller hold-out.
_AUTO_ENSEMBLE, _AUTO_ENSEMBLE_FEW, _PRECISE_HOLDOUT = 8, 4, 1000
# A per-feature scaling layer in front of every network (RealMLP's, with an
# L1 penalty so that useless features fade out): Population's ``scale``.
_SCALE_LAYER = {"lr_mult": 6.0, "l1": 0.05}
# The survivors' final rung trains them to at least _FINAL_EPOCHS epochs in
# all (within max_epochs and the work cap), their learning rates annealed to
# 0 along a cosine; one that has not improved for 10 checks stops earlier.
_FINAL_EPOCHS, _FINAL_RULE = 45, Anneal(floor=0.0, patience=10)


class BaseSelfTuningMLP(CallbackSupportMixin, BaseEstimator):
    """Base class of the self-tuning networks; use a subclass."""

    _parameter_constraints = {
        "hidden_size_range": ["array-like"],
        "learning_rate_range": ["array-like"],
        "alpha_range": ["array-like"],
        "n_candidates": [Number(Integral, 1, None, closed="left")],
        "factor": [Number(Real, 1, None, closed="neither")],
        "ensemble_size": [
            Number(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "max_epochs": [Number(Real, 0, None, closed="neither"), StrOptions({"auto"})],
        "batch_size": [
            Number(Integral, 1, None, closed="left"),
            StrOptions({"auto"}),
        ],
        "validation_fraction": [
            Number(Real, 0, 1, closed="neither"),
            StrOptions({"auto"}),
        ],
        "cv": [
            Number(Integral, 2, None, closed="left"),
            HasMethods(["split", "get_n_splits"]),
            list,
            tuple,
            StrOptions({"auto"}),
            None,
        ],
        "max_time": [Number(Real, 0, None, closed="neither"), None],
        "categorical_features": ["array-like", StrOptions({"from_dtype"}), None],
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
        categorical_features="from_dtype",
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
        self.categorical_features = categorical_features
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
        ranges, task = check_ranges(self), self._task()
        # what scikit-learn's callbacks are given to score a fitted model
        metadata = None if sample_weight is None else {"sample_weight": sample_weight}
        callback_data = {"X": X, "y": y, "metadata": metadata}
        X, Y, w, table = self._check_data(X, y, sample_weight, task)
        rng = np.random.default_rng(
            check_random_state(self.random_state).randint(2**32)
        )
        folds, n_val = folds_of(self, X, Y, w, task), self._n_validation(len(X))
        width = max_features(
            self.n_candidates, ranges["hidden_size_range"], _n_copies(folds),
            512 if self.batch_size == "auto" else self.batch_size, Y.shape[1],
            type(self).__name__,
        )  # fmt: skip
        data, self._features = prepare(
            X, Y, w, task, rng, folds=folds, n_val=n_val, max_features=width,
            table=table,
        )  # fmt: skip
        self.batch_size_ = self._batch_size(data)
        schedule = self._schedule(data)
        self.plan_ = [(r.n_candidates, r.n_resources) for r in schedule.plan()]
        tasks = TaskTree(self, len(self.plan_))
        candidates, population = spawn(
            self.n_candidates, ranges, data, rng, task.output, scale=_SCALE_LAYER
        )
        trace = Trace(tasks)
        executor = PopulationExecutor(
            population, BatchStream(data.n_train, rng), data, schedule.plan(),
            candidates, self.batch_size_, trace,
            report=functools.partial(
                self._report, task=task, n_train=data.n_train, plan=schedule.plan()
            ),
            snapshot=lambda ex: self._snapshot(ex, data, task),
            callback_data=callback_data,
            max_time=self.max_time,
            work_cap=_AUTO_WORK if self.max_epochs == "auto" else None,
        )  # fmt: skip
        deadline = None if self.max_time is None else trace.start + self.max_time
        # The products are small: one BLAS thread is faster (no oversubscription
        # next to joblib workers) and makes results independent of the machine.
        with threadpool_limits(limits=1, user_api="blas"):
            cut = drive(
                schedule,
                executor.evaluate,
                deadline=deadline,
                after_rung=lambda jobs, scores: trace.stop_asked,
            )
            trace.timed_out |= cut and not trace.stop_asked
            self._finalize(executor, data, task)
        if X.dtype == np.float32:  # as scikit-learn's MLP: float32 in, float32 out
            self.coefs_ = [c.astype(np.float32) for c in self.coefs_]
            self.intercepts_ = [b.astype(np.float32) for b in self.intercepts_]
        attributes = lambda: public_attributes(self)  # noqa: E731
        tasks.end(**callback_data, reconstruction_attributes=attributes)
        return self

    def _check_data(self, X, y, sample_weight, task):
        """Checked X (float64, dense), the 2-D encoded target and weights."""
        name = type(self).__name__
        X, y, table = check_X(
            self, X, task.coerce(y, name), multi_output=True, y_numeric=task.y_numeric
        )
        Y, fitted = task.encode(y, name)
        vars(self).update(fitted)
        w = task.weigh(check_weights(sample_weight, X), y)
        return X, Y, w, table

    def _ensemble_size(self, data):
        if self.ensemble_size != "auto":
            return self.ensemble_size
        if data.n_folds > 1 or data.n_holdout >= _PRECISE_HOLDOUT:
            return _AUTO_ENSEMBLE_FEW
        return _AUTO_ENSEMBLE

    def _n_validation(self, n):
        if self.validation_fraction == "auto":
            # 10% of the rows, but up to 20% to reach 200 rows; at most 10,000.
            n_val = min(max(round(0.1 * n), min(round(0.2 * n), 200)), 10_000)
        else:
            n_val = round(self.validation_fraction * n)
        return int(np.clip(n_val, 1, n - 1))

    def _batch_size(self, data):
        k = data.n_folds
        n_fit = data.n_train * (k - 1) // k or data.n_train
        size = self.batch_size
        if size == "auto":
            size = np.clip(n_fit // 50, 32, 512)
        return int(max(1, min(size, n_fit)))

    def _schedule(self, data):
        """The halving rungs, then the survivors' final rung up to the epoch cap."""
        n_train = data.n_train
        if self.max_epochs == "auto":
            cap = float(np.clip(_AUTO_CAP_SAMPLES / n_train, 1, _AUTO_CAP_EPOCHS))
        else:
            cap = float(self.max_epochs)
        horizon = min(float(np.clip(_HALVING_SAMPLES / n_train, 3, 30)), cap)
        max_resources = max(1, int(round(horizon * n_train)))
        final = max(max_resources, int(round(min(_FINAL_EPOCHS, cap) * n_train)))
        return SuccessiveHalving(
            self.n_candidates * (1 if data.twin is None else 2),
            1,
            max_resources,
            self.factor,
            min_survivors=self._ensemble_size(data),
            final_resources=final,
            final_rule=_FINAL_RULE,
        )

    def _report(self, jobs, scores, seconds, epochs_run, *, task, n_train, plan):
        if not self.verbose:
            return
        finite = [s for s in scores.values() if math.isfinite(s)]
        best = f"{task.score_sign * max(finite):.4f}" if finite else "nan"
        epochs = f"{jobs[0].n_resources / n_train:.3g} epochs each"
        if plan[jobs[0].iter].rule is not None:  # the survivors' final rung
            epochs = (
                f"{jobs[0].n_resources / n_train:.3g} epochs planned, "
                f"{epochs_run:.3g} run on average"
            )
        print(
            f"[{type(self).__name__}] stage {jobs[0].iter + 1} of {len(self.plan_)}: "
            f"{len(jobs)} networks, {epochs}; best validation {task.score_name} "
            f"{best}; took {seconds:.1f} s"
        )

    def _snapshot(self, executor, data, task):
        """coefs_ and intercepts_ of the best candidate so far, its fold copies
        averaged at their best checkpoints (a twin's without the smearing)."""
        population, k = executor.population, data.n_folds
        alive = {int(i) // k for i in [*population.ids, *population.retired]}
        best = max(alive, key=executor.mean_best)
        networks = [population.network(i) for i in executor.copies([best])]
        kind = executor.candidates[best].get("target_transform")
        outputs = slice(0, data.n_outputs) if kind is None else slice(1, 2)
        mean, scale = data.y_mean[outputs], data.y_scale[outputs]
        return {
            **network_attributes(networks, np.full(k, 1 / k), mean, scale),
            **_twin_attributes(task, kind, None if kind is None else data.twin),
            "_smearing": np.zeros((1, 1)),
        }

    # ------------------------------------------------------------- finalize
    def _finalize(self, executor, data, task):
        """cv_results_ and the stage attributes; then the returned ensemble."""
        k = data.n_folds
        self.cv_results_ = build_cv_results(executor.records(), ["score"], n_splits=k)
        self.n_splits_ = k
        self.best_index_ = _best_row(self.cv_results_)
        raise_if_all_diverged(self, executor)
        warn(self, executor, data, task)
        res = self.cv_results_
        self.n_candidates_ = np.bincount(res["iter"]).tolist()
        self.n_resources_ = [
            int(res["n_resources"][res["iter"] == i].max())
            for i in range(len(self.n_candidates_))
        ]
        last = res["iter"] == res["iter"][self.best_index_]
        pool = res["candidate"][last & np.isfinite(res["mean_test_score"])].tolist()
        size = self._ensemble_size(data)
        best = res["candidate"][self.best_index_]
        vars(self).update(returned_model(executor, pool, best, data, task, size))

    # -------------------------------------------------------------- predict
    def _decision(self, X):
        """Raw outputs of the returned network, in chunks (bounded memory)."""
        check_is_fitted(self)
        codes = None
        if self._table is None:
            X = validate_data(self, X, reset=False, **X_CHECKS)
        else:
            validate_data(self, X, reset=False, skip_check_array=True)
            X, codes = self._table.split(X)
            X = check_array(X, ensure_min_features=0, **X_CHECKS)
        (W1, W2), (b1, b2) = self.coefs_, self.intercepts_
        out = np.empty((X.shape[0], W2.shape[1]), np.result_type(X, W1))
        for i in range(0, X.shape[0], 4096):
            rows = slice(i, i + 4096)
            Z = self._features.transform(
                X[rows], None if codes is None else codes[rows]
            )
            out[i : i + 4096] = np.maximum(Z @ W1 + b1, 0) @ W2 + b2
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.allow_nan = True  # a missing value gets an indicator
        tags.input_tags.categorical = True  # categorical_features, as HGB
        tags.input_tags.string = True  # text columns of a dataframe are categorical
        return tags


def _n_copies(folds):
    """Fold copies per candidate of ``prepare``'s ``folds``."""
    if isinstance(folds, tuple):
        return 1
    return int(folds.max()) + 1 if isinstance(folds, np.ndarray) else folds
