"""The cross-validation executor of :class:`~skauto.model_selection.AutoSearchCV`.

:class:`Evaluator` is the driver side of the search: it turns the schedule's
jobs into (job x fold) tasks of :func:`skauto._worker.fit_and_score`, runs
them through ``sklearn.utils.parallel.Parallel`` (never choosing a backend),
keeps the fitted fold models of the candidates that may run again only, and
turns the outputs into records for :func:`skauto._results.build_cv_results`.
``evaluate(jobs)`` runs a synchronous rung; the asynchronous schedule's
executor (:mod:`skauto._async`) shares everything else. How a candidate
advances from one budget to the next is :mod:`skauto._advance`'s.
"""

import math
import sys
import time
from contextlib import contextmanager, nullcontext

import numpy as np
from sklearn.base import clone
from sklearn.pipeline import Pipeline
from sklearn.utils.parallel import delayed

from ._compat import _get_threadpool_controller
from ._pipeline_cache import CACHE_BYTES, FoldMemory, cacheable
from ._progress import report_rung, report_splits
from ._worker import fit_and_score

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
    candidates : list of dict or skauto._sampler.Candidates
        Parameters of each candidate id (drawn when first asked for).
    space : list of dict
        The checked search space (the names it sets).
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
        ``time.perf_counter()`` value after which no fit starts
        (``max_time``): a task that a worker starts later is skipped, and
        its job is not answered (those of the first job handed out always
        run, so that the search has a result).
    rows : callable or None
        ``rows(n_resources, n_rows)``: the rows of a subsample of budget
        ``n_resources`` from a fold of ``n_rows`` rows; None: the budget
        counts the training rows.
    test_orders : list of arrays or None
        The test indices of each fold in subsampling order, when the test
        folds are subsampled too (by ``rows``); None: they are whole.
    verbose : int
        Print one line per rung when > 0, one per fit when > 1 (with its
        score when > 2), as GridSearchCV does.
    rung_lines : bool
        Whether to print the line per rung.
    n_rungs : dict
        Planned number of rungs of each bracket, for the progress lines.
    tasks : skauto._callbacks.TaskTree or None
        scikit-learn's callbacks, told of each rung (a step) and of each
        fold's fit in it (a leaf) as the fits come back.
    """

    def __init__(
        self, base, candidates, space, advance, splits, orders, full_budget, parallel,
        task_kwargs, *, promote_on, subsample_below=np.inf, deadline=None,
        rows=None, test_orders=None, verbose=0, rung_lines=True, n_rungs=None,
        tasks=None,
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
        self.rows = rows
        self.test_orders = test_orders
        self.verbose = verbose
        self.rung_lines = rung_lines
        self.n_rungs = n_rungs or {}  # bracket -> planned number of rungs
        self.tasks = tasks  # scikit-learn's callbacks, or None
        self.error_score = task_kwargs["error_score"]
        self.models = {}  # (candidate, fold) -> (fitted model, its budget)
        # a pipeline's leading steps are fitted once per training fold
        self.memories = {} if cacheable(base, space) else None
        # candidate -> (budget update, its unfitted estimator or None)
        self.templates = {}
        self.fit_times = {}  # (candidate, fold) -> seconds of its last fit
        self.outputs = []  # (job, [output per fold])
        self.metrics = None  # known after the first successful fit
        self.stats = {}  # candidate -> (mean, standard error) at its last rung
        self.seen = []  # (candidate, budget, mean score) of each job, in order
        self.wave = None  # with lazy candidates: new ones go out in waves
        self.longest_first = True  # worth it with more than one worker
        # the callbacks' tasks: a step per rung (None: none), a leaf per fit
        self.step_name = _rung_names
        self.leaf_name = None  # None: "candidate c fold k n_resources=r"
        self.start = time.perf_counter()
        self.wall_start = time.time()

    def evaluate(self, jobs):
        """Run every fold of ``jobs``; return ``{candidate: mean test score}``.

        With a ``deadline``, the jobs whose folds did not all run (a worker
        started them after the deadline) are not answered.
        """
        n_splits = len(self.splits)
        steps = self.tasks is not None and self.step_name is not None
        if steps:
            self.tasks.begin_step(
                self.step_name(jobs), len(jobs) * n_splits, parallel=True
            )
        scores = {}
        for wave in self._waves(jobs):
            outs = self._run_longest_first(
                [(job, k) for job in wave for k in range(n_splits)]
            )
            for i, job in enumerate(wave):
                job_outs = outs[i * n_splits : (i + 1) * n_splits]
                if not any(out.get("skipped") for out in job_outs):
                    scores[job.candidate] = self._collect(job, job_outs)
        if steps:
            self.tasks.end_step()
        if self.verbose and self.rung_lines:
            self.report([job for job in jobs if job.candidate in scores], scores)
        return scores

    def _waves(self, jobs):
        """The jobs in one wave; with lazily drawn candidates and a ``wave``
        size, the new candidates go in waves of that many, each drawn (here,
        in this thread) once the results of the waves before are in."""
        if self.wave is None or not hasattr(self.candidates, "drawn"):
            yield jobs
            return
        known = [job for job in jobs if self.candidates.drawn(job.candidate)]
        new = [job for job in jobs if not self.candidates.drawn(job.candidate)]
        if known:
            yield known
        for first in range(0, len(new), self.wave):
            wave = new[first : first + self.wave]
            for job in wave:
                self.candidates[job.candidate]  # noqa: B018 (drawn now)
            yield wave

    def history(self):
        """(params, budget, mean score) of every job evaluated so far."""
        return [(self.candidates[c], r, s) for c, r, s in self.seen]

    def _run_longest_first(self, pairs):
        """Run (job, fold) tasks, those that took longest last rung first.

        A rung's budget grows by the same factor for every candidate, so the
        last fit time ranks the tasks by cost; starting the long ones first
        keeps the workers busy to the end (longest processing time first).
        Outputs come back in the order of ``pairs``.
        """
        order = list(range(len(pairs)))
        if self.longest_first:  # (one worker: the order of the jobs)
            order.sort(
                key=lambda i: (
                    -self.fit_times.get((pairs[i][0].candidate, pairs[i][1]), 0)
                )
            )
        outs = [None] * len(pairs)
        first = pairs[order[0]][0] if pairs and not self.outputs else None
        tasks = (  # made as dispatched
            self._task(*pairs[i], timed=pairs[i][0] is not first) for i in order
        )
        with _lost_worker_explained():
            results = self.parallel(tasks)
        for i, out in zip(order, results, strict=True):
            outs[i] = out
        return outs

    def _collect(self, job, outs):
        """Keep the models to continue, note the metric names, store outputs."""
        for k, out in enumerate(outs):
            self.fit_times[(job.candidate, k)] = out["fit_time"]
            model = out.pop("model")
            if model is not None:
                self.models[(job.candidate, k)] = (model, job.n_resources)
            else:
                self.models.pop((job.candidate, k), None)
            if self.metrics is None and out["test_scores"] is not None:
                self.metrics = list(out["test_scores"])
        self.outputs.append((job, outs))
        score = self._mean_test_score(outs, job.candidate)
        self.seen.append((job.candidate, job.n_resources, score))
        if self.verbose > 1:
            params = {**self.candidates[job.candidate]}
            if self.rung_lines or self.advance.mode != "subsample":
                params[self.advance.resource] = job.n_resources
            report_splits(
                params, outs, job.candidate, len(self.candidates), self.verbose,
                self.error_score, self.task_kwargs["return_train_score"],
            )  # fmt: skip
        return score

    def prune(self, alive):
        """Forget the fold models of candidates that will not run again."""
        for key in [key for key in self.models if key[0] not in alive]:
            del self.models[key]

    def _task(self, job, fold, timed=True, tag=None):
        """The ``fit_and_score`` call of one (job, fold); ``timed``: skipped
        when a worker starts it after the deadline."""
        train, test = self.splits[fold]
        model, previous = self.models.pop((job.candidate, fold), (None, 0))
        update, n_partial_fit = self.advance.update(previous, job.n_resources)
        refit = not (model is not None and previous == job.n_resources)
        if model is None:
            if self.advance.mode == "warm_start":
                update[self.advance.warm_start] = True
            model, params = self._fresh(job.candidate, update)
        else:
            params = update
        subsample = self.orders is not None and job.n_resources < self.subsample_below
        if subsample:
            n_rows = job.n_resources
            if self.rows is not None:
                n_rows = self.rows(job.n_resources, len(self.orders[fold]))
            train = np.sort(self.orders[fold][:n_rows])
            if self.test_orders is not None:
                n_test = self.rows(job.n_resources, len(test))
                test = np.sort(self.test_orders[fold][:n_test])
        memory = None
        if self.memories is not None and previous == 0:  # a fresh model
            memory = self._memory(fold, job.n_resources if subsample else None)
        last = job.n_resources >= self.full_budget
        context = self._leaf_context(job, fold)
        return delayed(fit_and_score)(
            model,
            params=params,
            memory=memory,
            train=train,
            test=test,
            n_partial_fit=n_partial_fit,
            fit=refit,
            keep_model=self.advance.continues and not last,
            quiet=not last,
            deadline=self._wall_deadline() if timed else None,
            tag=tag,
            callback_ctx=context,
            caller=None if context is None else self.tasks.estimator,
            **self.task_kwargs,
        )

    def _leaf_context(self, job, fold):
        """The callbacks' task of one fold's fit (None without callbacks)."""
        if self.tasks is None or not self.tasks.active:
            return None
        name = self.leaf_name or (
            f"candidate {job.candidate} fold {fold} n_resources={job.n_resources}"
        )
        return self.tasks.leaf_context(name)

    def _wall_deadline(self):
        """The deadline as a ``time.time()`` value, which every process of the
        machine shares (a worker's ``perf_counter`` has another origin)."""
        if self.deadline is None:
            return None
        return time.time() + (self.deadline - time.perf_counter())

    def _fresh(self, candidate, update):
        """An unfitted estimator with ``candidate``'s parameters and the
        budget's ``update``, and the parameters left to set in the task.

        They are set in the task, on each fold's clone, as GridSearchCV sets
        them; for a pipeline, once per candidate and budget, on a template
        cloned for each fold (``set_params`` of a pipeline costs as much as a
        small fit's bookkeeping); a candidate whose parameters cannot be set gets
        them in the task, inside the ``error_score`` guard, where setting
        them fails for that candidate alone.
        """
        params = {**self.candidates[candidate], **update}
        if not params:
            return clone(self.base), {}
        if not isinstance(self.base, Pipeline):  # set on each fold's clone
            return clone(self.base), clone(params, safe=False)
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

    def report(self, jobs, scores):
        """One line per rung of ``jobs`` (verbose > 0)."""
        rungs = {}
        for job in jobs:
            key = (job.bracket, job.iter, job.n_resources)
            rungs.setdefault(key, []).append(scores[job.candidate])
        for (bracket, it, n_resources), values in rungs.items():
            report_rung(
                bracket, it, self.n_rungs.get(bracket, "?"), values,
                len(self.splits), n_resources, time.perf_counter() - self.start,
            )  # fmt: skip

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
                    # seconds from the start of the search to the first fold's
                    # start and the last one's end
                    "start_time": min(o["start"] for o in outs) - self.wall_start,
                    "end_time": max(o["end"] for o in outs) - self.wall_start,
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


def _rung_names(jobs):
    """The name of the callbacks' task of a rung of ``jobs``."""
    rungs = sorted({(job.bracket, job.iter) for job in jobs})
    return ", ".join(f"bracket {b} rung {i + 1}" for b, i in rungs)


@contextmanager
def _lost_worker_explained():
    """Re-raise dask's cancelled-task error as an error that says what to do.

    joblib's dask backend scatters X and y to one worker; when that worker is
    lost, dask cannot recompute them and cancels every task that needs them.
    Any other error passes unchanged, whatever version of distributed is
    installed (``FutureCancelledError`` is new in 2024.8; before it, dask
    raised ``CancelledError``; joblib before 1.4 returned it as the task's
    result, then failed to iterate it: a TypeError naming it).
    """
    try:
        yield
    except Exception as exc:
        types = _cancelled_types()
        returned = isinstance(exc, TypeError) and any(
            f"'{t.__name__}' object is not iterable" in str(exc) for t in types
        )
        if not (isinstance(exc, types) or returned):
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


def _cancelled_types():
    """The exception types of a cancelled dask future, of the distributed
    imported (none when dask's backend never imported it)."""
    client = sys.modules.get("distributed.client")
    names = ("FutureCancelledError", "CancelledError")
    found = (getattr(client, name, None) for name in names) if client else ()
    return tuple(t for t in found if isinstance(t, type) and issubclass(t, Exception))


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
