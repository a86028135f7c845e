"""The cross-validation executor of :class:`~skauto.model_selection.AutoSearchCV`.

Three parts:

- how a candidate *advances* from one budget to the next (:class:`Advance`):
  refit from scratch on a subsample of each training fold (``n_samples``),
  refit with a larger parameter value, or *continue* the fitted fold model
  with ``warm_start=True`` or ``partial_fit``;
- the joblib worker :func:`fit_and_score`, a module-level function of
  picklable data that fits (or continues) one (candidate, fold) and scores it;
- :class:`Evaluator`, the driver side: it turns the schedule's jobs into
  (job x fold) tasks, runs them through ``sklearn.utils.parallel.Parallel``
  (never choosing a backend), keeps the fitted fold models of the survivors
  only, and turns the outputs into records for
  :func:`skauto._results.build_cv_results`.
"""

import math
import sys
import time
import traceback
import warnings
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from inspect import signature
from numbers import Number
from types import NoneType

import numpy as np
from joblib.logger import short_format_time
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import Pipeline
from sklearn.utils import get_tags
from sklearn.utils.parallel import delayed

from ._compat import _check_method_params, _get_threadpool_controller, _safe_split
from ._pipeline_cache import CACHE_BYTES, FoldMemory, cacheable

# Known resources of scikit-learn estimators, for ``resource="auto"``; the
# linear ones continue their max_iter by partial_fit epochs (see below).
_EPOCH_PARTIAL_FIT = ("SGD", "Perceptron", "PassiveAggressive")
# (not LogisticRegression: its early iterations rank the values of C by how
# fast they converge, not by how good they end up)
_ITERATIVE_PREFIXES = ("MLP", *_EPOCH_PARTIAL_FIT, "HistGradientBoosting")


# Below this many values in X (n_samples x n_features), the search's fits in
# this process run BLAS and OpenMP on one thread each (OpenMP's setting is per
# thread: a threading backend's workers keep theirs): a second thread saves
# little on such data, and next to other processes its spin-waiting costs
# much (at load 3-4.5 on 2 cores: 13 fits of LogisticRegression on
# breast_cancer took 10 times longer on two BLAS threads, a 300-iteration
# HistGradientBoostingRegressor on 13,000 rows 12 times longer on two OpenMP
# threads). joblib's process workers (loky) limit their own threads.
_ONE_THREAD_BELOW = 1_000_000


def thread_limit(X):
    """A context running BLAS and OpenMP on one thread when ``X`` is small,
    else a no-op; ``X`` without a shape (a list) is left alone."""
    shape = getattr(X, "shape", None)
    if shape is None or math.prod(shape) >= _ONE_THREAD_BELOW:
        return nullcontext()
    return _get_threadpool_controller().limit(limits=1)


def final_estimator(estimator):
    """The estimator at the end of a chain of pipelines, and its param prefix."""
    prefix = ""
    while isinstance(estimator, Pipeline):
        name, estimator = estimator.steps[-1]
        prefix += f"{name}__"
    return estimator, prefix


def auto_resource(estimator, searched=()):
    """``max_iter`` of iterative estimators, ``n_estimators`` of ensembles, else
    ``n_samples`` (looking through pipelines at their final step).

    A parameter that is ``searched`` (or sits in a searched step, such as
    ``"clf"`` for ``"clf__max_iter"``) is never picked: the next option is.
    """
    final, prefix = final_estimator(estimator)
    params = final.get_params(deep=False) if hasattr(final, "get_params") else {}
    options = []
    if type(final).__name__.startswith(_ITERATIVE_PREFIXES) and "max_iter" in params:
        options.append(prefix + "max_iter")
    if "n_estimators" in params:
        options.append(prefix + "n_estimators")
    for name in options:
        if not _is_searched(name, searched):
            return name
    return "n_samples"


def _is_searched(name, searched):
    parts = name.split("__")
    paths = {"__".join(parts[: i + 1]) for i in range(len(parts))}
    return bool(paths & set(searched)) or "steps" in searched


@dataclass(frozen=True)
class Advance:
    """How a candidate goes from ``previous`` to ``target`` units of budget.

    ``mode`` is ``"subsample"`` (resource ``n_samples``: a fresh fit on a
    subsample of each training fold), ``"refit"`` (a fresh fit with the
    resource parameter set to the target), ``"warm_start"`` (continue the
    fold model with ``warm_start=True``) or ``"partial_fit"`` (a fresh fit
    with the resource set to the first budget, then one ``partial_fit`` call
    per unit of budget, through pipelines to their last step). Under warm
    start a ``cumulative`` parameter is set to the target (``n_estimators``,
    HistGradientBoosting's ``max_iter``), a per-call one to the increment
    (``max_iter`` of MLP, SGD and the linear models).
    """

    resource: str
    mode: str
    cumulative: bool = True
    warm_start: str | None = None

    @property
    def continues(self):
        return self.mode in ("warm_start", "partial_fit")

    def update(self, previous, target):
        """Parameters to set and number of ``partial_fit`` calls for one step."""
        if self.mode == "subsample":
            return {}, 0
        if self.mode == "partial_fit":  # a fresh fit first, then epochs
            return (
                ({self.resource: target}, 0)
                if previous == 0
                else ({}, target - previous)
            )
        if self.mode == "warm_start" and not self.cumulative:
            return {self.resource: target - previous}, 0
        return {self.resource: target}, 0


def choose_advance(estimator, resource, fit_params=None):
    """The :class:`Advance` for ``resource``; ValueError if the estimator lacks it.

    ``fit_params`` (the estimator's routed fit parameters) only matter for a
    pipeline: only its ``fit`` routes them, so a pipeline given some is
    continued by warm start rather than by ``partial_fit`` on its last step.
    """
    if resource == "n_samples":
        return Advance(resource, "subsample")
    if resource not in estimator.get_params(deep=True):
        raise ValueError(
            f"resource={resource!r} is not a parameter of {estimator!r}; use "
            f"'n_samples', 'auto' or one of {sorted(estimator.get_params())!r}"
        )
    owner, name, prefix = _resource_owner(estimator, resource)
    if owner is None:  # behind a meta-estimator that clones its sub-estimators
        return Advance(resource, "refit")
    if _continues_by_epochs(owner, name) and _on_final_steps(estimator, resource):
        if not (prefix and fit_params):
            return Advance(resource, "partial_fit", cumulative=False)
    owner_params = owner.get_params(deep=False)
    if "warm_start" in owner_params:
        hgb = type(owner).__name__.startswith("HistGradientBoosting")
        cumulative = name == "n_estimators" or (hgb and name == "max_iter")
        return Advance(resource, "warm_start", cumulative, prefix + "warm_start")
    if not prefix and _can_partial_fit(owner):
        return Advance(resource, "partial_fit")
    return Advance(resource, "refit")


def _resource_owner(estimator, resource):
    """The (sub-)estimator whose parameter ``resource`` is, reached through
    pipeline steps only (a pipeline fits its steps in place, so warm start
    carries over); None when another meta-estimator is in the way."""
    *path, name = resource.split("__")
    owner = estimator
    for step in path:
        if not isinstance(owner, Pipeline) or step not in owner.named_steps:
            return None, name, None
        owner = owner.named_steps[step]
    prefix = "".join(f"{step}__" for step in path)
    return owner, name, prefix


def _continues_by_epochs(owner, name):
    """Whether ``owner.partial_fit`` is one more epoch of ``max_iter``.

    True for scikit-learn's SGD*, Perceptron and PassiveAggressive* with
    ``tol=None`` and no ``early_stopping``: their ``fit`` then runs exactly
    ``max_iter`` epochs, and ``partial_fit`` runs one more with the clock of
    the learning-rate schedule (``t_``) running on, where a ``warm_start``
    fit would reset it. With a ``tol``, ``fit`` stops early and
    ``partial_fit`` would not, so warm start (which keeps the stopping rule)
    is used, as for MLP*, whose ``fit`` always has one.
    """
    params = owner.get_params(deep=False)
    return (
        name == "max_iter"
        and type(owner).__name__.startswith(_EPOCH_PARTIAL_FIT)
        and hasattr(owner, "partial_fit")
        and params.get("tol", 0) is None
        and not params.get("early_stopping", False)
    )


def _on_final_steps(estimator, resource):
    """Whether every pipeline step on the way to ``resource`` is a final step."""
    for step in resource.split("__")[:-1]:
        if estimator.steps[-1][0] != step:
            return False
        estimator = estimator.steps[-1][1]
    return True


def _can_partial_fit(estimator):
    # MLP* with solver="lbfgs" exposes partial_fit but raises when called.
    return (
        hasattr(estimator, "partial_fit")
        and estimator.get_params(deep=False).get("solver") != "lbfgs"
    )


def fit_and_score(
    estimator,
    X,
    y,
    *,
    params,
    train,
    test,
    n_partial_fit,
    classes,
    fit_params,
    scorer,
    score_params,
    return_train_score,
    error_score,
    keep_model,
    quiet,
    memory=None,
):
    """Fit (or continue) one (candidate, fold) and score it: the joblib worker.

    ``estimator`` arrives as a fresh clone or as the fold model of the
    previous rung; ``params`` (the candidate's parameters and the resource's
    new value) are set here, inside the ``error_score`` guard, so that a
    candidate that cannot be set (a pipeline step swapped for one lacking a
    parameter) fails alone. ``n_partial_fit > 0`` calls ``partial_fit`` that
    many times instead of ``fit``. A failed fit is returned as ``error`` (a
    formatted traceback), a failed score as ``score_error``, unless
    ``error_score="raise"``. ``quiet`` silences ConvergenceWarning (a small
    budget is not expected to converge); otherwise they are counted in
    ``n_not_converged`` rather than shown, for one summary per search.
    ``memory``, for a fresh pipeline, is the training fold's
    :class:`~skauto._pipeline_cache.FoldMemory`.
    """
    out = {"fit_time": 0.0, "score_time": 0.0, "error": None, "model": None}
    out.update(test_scores=None, train_scores=None, score_error=None)
    out["n_not_converged"] = 0
    start = time.perf_counter()
    try:
        if params:
            estimator.set_params(**params)
        if memory is not None:  # a pipeline's parameter, set as set_params would
            estimator.memory = memory
        pairwise = get_tags(estimator).input_tags.pairwise
        X_train, y_train = _split(estimator, X, y, train, pairwise=pairwise)
        if isinstance(getattr(estimator, "memory", None), FoldMemory):
            estimator.memory.remember_input(X_train)  # a continued model's too
        fit_params = _check_method_params(X, params=fit_params, indices=train)
        out["n_not_converged"] = _fit_counting(
            estimator, X_train, y_train, fit_params, n_partial_fit, classes, quiet
        )
    except Exception:
        if error_score == "raise":
            raise
        out["error"] = traceback.format_exc()
        return out
    out["fit_time"] = time.perf_counter() - start
    start = time.perf_counter()
    try:
        X_test, y_test = _split(estimator, X, y, test, train, pairwise=pairwise)
        out["test_scores"] = _score(
            estimator, X_test, y_test, scorer, score_params, X, test
        )
        if return_train_score:
            out["train_scores"] = _score(
                estimator, X_train, y_train, scorer, score_params, X, train
            )
    except Exception:
        if error_score == "raise":
            raise
        out["score_error"] = traceback.format_exc()
        out["test_scores"] = out["train_scores"] = None
    out["score_time"] = time.perf_counter() - start
    out["model"] = estimator if keep_model else None
    return out


def _split(estimator, X, y, indices, train_indices=None, *, pairwise):
    """scikit-learn's ``_safe_split``, indexing numpy arrays directly.

    ``_safe_split`` checks X and y for every kind of dataframe before
    indexing them, a third of the time a search spends around one small fit;
    the rows of a numpy array are the same without the checks.
    """
    if not pairwise and type(X) is np.ndarray and type(y) in (np.ndarray, NoneType):
        return X[indices], None if y is None else y[indices]
    return _safe_split(estimator, X, y, indices, train_indices)


def _fit_counting(estimator, X, y, fit_params, n_partial_fit, classes, quiet):
    """``_fit``, returning how many ConvergenceWarnings it raised (not shown)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _fit(estimator, X, y, fit_params, n_partial_fit, classes)
    n_not_converged = 0
    for w in caught:
        if issubclass(w.category, ConvergenceWarning):
            n_not_converged += 1
        else:  # any other warning goes on to the caller's filters
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return 0 if quiet else min(n_not_converged, 1)


def _fit(estimator, X, y, fit_params, n_partial_fit, classes):
    if n_partial_fit == 0:
        if y is None:
            estimator.fit(X, **fit_params)
        else:
            estimator.fit(X, y, **fit_params)
        return
    kwargs = dict(fit_params)  # empty for a pipeline (see choose_advance)
    # through pipelines: transform X by the fitted steps, continue the last one
    while isinstance(estimator, Pipeline):
        if len(estimator) > 1:
            X = estimator[:-1].transform(X)
        estimator = estimator.steps[-1][1]
    if classes is not None and "classes" in signature(estimator.partial_fit).parameters:
        # a model fitted on a fold missing a class knows only the fold's
        # classes, and partial_fit must be told the same ones again
        kwargs["classes"] = getattr(estimator, "classes_", classes)
    for _ in range(n_partial_fit):
        estimator.partial_fit(X, y, **kwargs)


def _score(estimator, X, y, scorer, score_params, X_all, indices):
    params = _check_method_params(X_all, params=score_params, indices=indices)
    if y is None:
        scores = scorer(estimator, X, **params)
    else:
        scores = scorer(estimator, X, y, **params)
    if not isinstance(scores, dict):
        scores = {"score": scores}
    for name, value in scores.items():
        if not isinstance(value, Number | np.number):
            # _MultimetricScorer returns a failed scorer's traceback as a string
            raise ValueError(f"scoring {name!r} failed:\n{value}")
    return {name: float(value) for name, value in scores.items()}


class Evaluator:
    """Run the schedule's jobs as (job x fold) joblib tasks.

    ``evaluate(jobs)`` returns ``{candidate: mean test score}`` for the
    schedule (NaN when a fold failed and ``error_score`` is NaN) and keeps one
    output per (job, fold). Fold models are kept between rungs only when the
    estimator continues and the candidate may run again; :meth:`prune`
    drops those of eliminated candidates.

    Parameters
    ----------
    base : estimator
        Unfitted estimator, cloned for every fresh (candidate, fold).
    candidates : list of dict
        Parameters of each candidate id.
    advance : Advance
        How candidates go from one budget to the next.
    splits : list of (train, test)
        The cross-validation splits, fixed for the whole search.
    orders : list of arrays or None
        For ``n_samples``: the training indices of each fold in subsampling
        order; a budget ``r`` below ``subsample_below`` uses the first ``r``,
        a larger one the whole fold.
    full_budget : int
        The last budget: no fold model needs to be kept after it.
    parallel : sklearn.utils.parallel.Parallel
        The joblib pool (any backend).
    task_kwargs : dict
        Keyword arguments shared by all tasks (X, y, scorer, params...).
    promote_on : callable
        Maps the metric names to the one the schedule is told.
    subsample_below : int or inf
        See ``orders``.
    deadline : float or None
        ``time.perf_counter()`` value after which no more chunk of jobs
        starts (``max_time``).
    chunk_jobs : int
        Jobs per chunk when there is a deadline.
    verbose : int
        Print one line per rung when > 0, one per fit when > 1 (with its
        score when > 2), as GridSearchCV does.
    n_rungs : dict
        Planned number of rungs of each bracket, for the progress lines.
    tasks : skauto._callbacks.TaskTree or None
        scikit-learn's callbacks, told of each rung (a step) and of each
        fold's fit in it (a leaf) as the fits come back.
    """

    def __init__(
        self, base, candidates, advance, splits, orders, full_budget, parallel,
        task_kwargs, *, promote_on, subsample_below=np.inf, deadline=None,
        chunk_jobs=1, verbose=0, n_rungs=None, tasks=None,
    ):  # fmt: skip
        self.base = base
        self.candidates = candidates
        self.advance = advance
        self.splits = splits
        self.orders = orders
        self.full_budget = full_budget
        self.subsample_below = subsample_below
        self.parallel = parallel
        self.task_kwargs = task_kwargs
        self.promote_on = promote_on  # metric names -> the metric to promote on
        self.deadline = deadline  # perf_counter() time, or None
        self.chunk_jobs = chunk_jobs
        self.verbose = verbose
        self.n_rungs = n_rungs or {}  # bracket -> planned number of rungs
        self.tasks = tasks  # scikit-learn's callbacks, or None
        self.error_score = task_kwargs["error_score"]
        self.models = {}  # (candidate, fold) -> (fitted model, its budget)
        # a pipeline's leading steps are fitted once per training fold
        self.memories = {} if cacheable(base, candidates) else None
        # candidate -> (budget update, its unfitted estimator or None)
        self.templates = {}
        self.fit_times = {}  # (candidate, fold) -> seconds of its last fit
        self.outputs = []  # (job, [output per fold])
        self.metrics = None  # known after the first successful fit
        self.stats = {}  # candidate -> (mean, standard error) at its last rung
        self.start = time.perf_counter()

    def evaluate(self, jobs):
        """Run every fold of ``jobs``; return ``{candidate: mean test score}``.

        With a ``deadline``, the jobs go out in chunks of ``chunk_jobs`` and
        no chunk starts after the deadline: the jobs left are not answered.
        """
        step = len(jobs) if self.deadline is None else self.chunk_jobs
        n_splits = len(self.splits)
        scores = {}
        if self.tasks is not None:
            rungs = sorted({(job.bracket, job.iter) for job in jobs})
            name = ", ".join(f"bracket {b} rung {i + 1}" for b, i in rungs)
            self.tasks.begin_step(name, len(jobs) * n_splits)
        for first in range(0, len(jobs), step):
            if scores and time.perf_counter() > self.deadline:
                break
            chunk = jobs[first : first + step]
            outs = self._run_longest_first(
                [(job, k) for job in chunk for k in range(n_splits)]
            )
            for i, job in enumerate(chunk):
                job_outs = outs[i * n_splits : (i + 1) * n_splits]
                scores[job.candidate] = self._collect(job, job_outs)
        if self.tasks is not None:
            self.tasks.end_step()
        if self.verbose:
            self._report([job for job in jobs if job.candidate in scores], scores)
        return scores

    def _run_longest_first(self, pairs):
        """Run (job, fold) tasks, those that took longest last rung first.

        A rung's budget grows by the same factor for every candidate, so the
        last fit time ranks the tasks by cost; starting the long ones first
        keeps the workers busy to the end (longest processing time first).
        Outputs come back in the order of ``pairs``.
        """
        order = sorted(
            range(len(pairs)),
            key=lambda i: -self.fit_times.get((pairs[i][0].candidate, pairs[i][1]), 0),
        )
        outs = [None] * len(pairs)
        tasks = (self._task(*pairs[i]) for i in order)  # made as dispatched
        with _lost_worker_explained():
            results = self.parallel(tasks)
        for i, out in zip(order, results, strict=True):
            outs[i] = out
        return outs

    def _collect(self, job, outs):
        """Keep the models to continue, note the metric names, store outputs."""
        for k, out in enumerate(outs):
            if self.tasks is not None:
                self.tasks.leaf(
                    f"candidate {job.candidate} fold {k} n_resources={job.n_resources}"
                )
            self.fit_times[(job.candidate, k)] = out["fit_time"]
            model = out.pop("model")
            if model is not None:
                self.models[(job.candidate, k)] = (model, job.n_resources)
            else:
                self.models.pop((job.candidate, k), None)
            if self.metrics is None and out["test_scores"] is not None:
                self.metrics = list(out["test_scores"])
        self.outputs.append((job, outs))
        if self.verbose > 1:
            self._report_splits(job, outs)
        return self._mean_test_score(outs, job.candidate)

    def prune(self, alive):
        """Forget the fold models of candidates that will not run again."""
        for key in [key for key in self.models if key[0] not in alive]:
            del self.models[key]

    def _task(self, job, fold):
        train, test = self.splits[fold]
        model, previous = self.models.pop((job.candidate, fold), (None, 0))
        update, n_partial_fit = self.advance.update(previous, job.n_resources)
        if model is None:
            if self.advance.mode == "warm_start":
                update[self.advance.warm_start] = True
            model, params = self._fresh(job.candidate, update)
        else:
            params = update
        subsample = self.orders is not None and job.n_resources < self.subsample_below
        if subsample:
            train = np.sort(self.orders[fold][: job.n_resources])
        memory = None
        if self.memories is not None and previous == 0:  # a fresh model
            memory = self._memory(fold, job.n_resources if subsample else None)
        last = job.n_resources >= self.full_budget
        return delayed(fit_and_score)(
            model,
            params=params,
            memory=memory,
            train=train,
            test=test,
            n_partial_fit=n_partial_fit,
            keep_model=self.advance.continues and not last,
            quiet=not last,
            **self.task_kwargs,
        )

    def _fresh(self, candidate, update):
        """An unfitted estimator with ``candidate``'s parameters and the
        budget's ``update``, and the parameters left to set in the task.

        They are set once per candidate and budget, on a template cloned for
        each fold (``set_params`` of a pipeline costs as much as a small
        fit's bookkeeping); a candidate whose parameters cannot be set gets
        them in the task, inside the ``error_score`` guard, where setting
        them fails for that candidate alone.
        """
        params = {**self.candidates[candidate], **update}
        if not params:
            return clone(self.base), {}
        key = tuple(sorted(update.items()))
        known, template = self.templates.get(candidate, (None, None))
        if known != key:
            try:
                template = clone(self.base).set_params(**clone(params, safe=False))
            except Exception:
                template = None
            self.templates[candidate] = (key, template)
        if template is None:
            return clone(self.base), clone(params, safe=False)
        return clone(template), {}

    def _memory(self, fold, rows):
        """The FoldMemory of the pipelines fitted on ``fold`` (subsampled to
        ``rows``, or whole when None); that of a smaller subsample is dropped."""
        known = self.memories.get(fold)
        if known is None or known[0] != rows:
            memory = FoldMemory(CACHE_BYTES // max(1, len(self.splits)))
            self.memories[fold] = known = (rows, memory)
        return known[1]

    def _fold_scores(self, outs, metric, kind="test_scores"):
        return [
            out[kind][metric] if out[kind] is not None else self.error_score
            for out in outs
        ]

    def _mean_test_score(self, outs, candidate=None):
        if self.metrics is None:
            return float(self.error_score)
        scores = np.asarray(
            self._fold_scores(outs, self.promote_on(self.metrics)), dtype=float
        )
        mean = float(np.mean(scores))
        if candidate is not None:
            self.stats[candidate] = (mean, float(np.std(scores) / np.sqrt(len(scores))))
        return mean

    def _report(self, jobs, scores):
        rungs = {}
        for job in jobs:
            rungs.setdefault((job.bracket, job.iter, job.n_resources), []).append(
                scores[job.candidate]
            )
        for (bracket, it, n_resources), values in rungs.items():
            finite = [v for v in values if np.isfinite(v)]
            best = f"{max(finite):.4g}" if finite else "nan"
            of = self.n_rungs.get(bracket, "?")
            print(
                f"[AutoSearchCV] bracket {bracket} rung {it + 1}/{of}: "
                f"{len(values)} candidates x {len(self.splits)} folds, "
                f"n_resources={n_resources}, best mean score {best} "
                f"({time.perf_counter() - self.start:.1f}s)"
            )

    def _report_splits(self, job, outs):
        """GridSearchCV's ``[CV k/K] END ...`` line per fit (verbose > 1)."""
        params = dict(self.candidates[job.candidate])
        params[self.advance.resource] = job.n_resources
        shown = ", ".join(f"{name}={value}" for name, value in sorted(params.items()))
        for k, out in enumerate(outs):
            progress = ""
            if self.verbose > 2:
                progress = f" {k + 1}/{len(self.splits)}"
            if self.verbose > 9:
                progress += f"; {job.candidate + 1}/{len(self.candidates)}"
            result = shown + ";"
            if self.verbose > 2:
                result += _score_message(out["test_scores"], self.error_score)
            total = out["fit_time"] + out["score_time"]
            result += f" total time={short_format_time(total)}"
            start = f"[CV{progress}] END "
            print(start + "." * (80 - len(start) - len(result)) + result)

    def records(self, return_train_score):
        """One record per job, in the schema of ``build_cv_results``."""
        metrics = self.metrics or ["score"]
        records = []
        for job, outs in self.outputs:
            params = dict(self.candidates[job.candidate])  # n_resources apart
            failed = any(out["error"] or out["score_error"] for out in outs)
            records.append(
                {
                    "candidate": job.candidate,
                    "bracket": job.bracket,
                    "iter": job.iter,
                    "n_resources": job.n_resources,
                    "params": params,
                    "status": "failed" if failed else "ok",
                    "test_scores": {m: self._fold_scores(outs, m) for m in metrics},
                    "train_scores": {
                        m: self._fold_scores(outs, m, "train_scores") for m in metrics
                    }
                    if return_train_score
                    else None,
                    "fit_time": [out["fit_time"] for out in outs],
                    "score_time": [out["score_time"] for out in outs],
                }
            )
        return records

    @property
    def errors(self):
        """Tracebacks of the failed fits, in order."""
        return [
            out["error"] for _, outs in self.outputs for out in outs if out["error"]
        ]

    @property
    def score_errors(self):
        """Tracebacks of the failed scorings (after a successful fit), in order."""
        return [
            out["score_error"]
            for _, outs in self.outputs
            for out in outs
            if out["score_error"]
        ]

    @property
    def n_not_converged(self):
        """Fits at the full budget that raised a ConvergenceWarning."""
        return sum(out["n_not_converged"] for _, outs in self.outputs for out in outs)

    @property
    def n_fits(self):
        return sum(len(outs) for _, outs in self.outputs)


@contextmanager
def _lost_worker_explained():
    """Re-raise dask's FutureCancelledError as an error that says what to do.

    joblib's dask backend scatters X and y to one worker; when that worker is
    lost, dask cannot recompute them and cancels every task that needs them.
    """
    try:
        yield
    except Exception as exc:
        client = sys.modules.get("distributed.client")  # imported by dask's backend
        if client is None or not isinstance(exc, client.FutureCancelledError):
            raise
        raise RuntimeError(
            f"A dask task of the search was cancelled ({exc}): a dask worker "
            "was most likely lost, with data that only it held (joblib's dask "
            "backend scatters X and y to one worker), so dask could not rerun "
            "the fits elsewhere. Scatter the data to every worker, "
            "`with joblib.parallel_config(backend='dask', scatter=[X, y]):`, "
            "so that dask reruns the fits of a lost worker, give the cluster "
            "more memory if workers die of it, and fit again."
        ) from exc


def _score_message(scores, error_score):
    """The score part of GridSearchCV's per-fit line."""
    if scores is None:
        return f", score={error_score}"
    if list(scores) == ["score"]:
        return f", score={scores['score']:.3f}"
    return "".join(f" {name}: (test={value:.3f})" for name, value in scores.items())


def subsample_orders(splits, labels, rng):
    """Training indices of each fold in a random subsampling order.

    With ``labels`` (classification), the order is stratified: each class's
    samples are spread evenly over the order (systematic sampling from a
    random offset), so any prefix holds the classes in proportion.
    """
    orders = []
    for train, _ in splits:
        if labels is None:
            orders.append(train[rng.permutation(len(train))])
            continue
        fold_labels = labels[train]
        keys = np.empty(len(train))
        for label in np.unique(fold_labels):
            members = np.flatnonzero(fold_labels == label)
            position = (np.arange(len(members)) + rng.random()) / len(members)
            keys[members[rng.permutation(len(members))]] = position
        orders.append(train[np.argsort(keys, kind="stable")])
    return orders


def min_valid_size(orders, labels):
    """Smallest prefix size that holds every class of its fold, in every
    non-empty fold."""
    size = 1
    for order in orders:
        if len(order) == 0:  # an empty training fold: its fits fail
            continue
        _, first = np.unique(labels[order], return_index=True)
        size = max(size, int(first.max()) + 1)
    return size
