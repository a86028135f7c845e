"""AutoSearchCV: successive halving (and Hyperband) with cross-validation."""

import time
import warnings
from collections import Counter
from copy import deepcopy
from dataclasses import dataclass
from numbers import Real

import numpy as np
from joblib import effective_n_jobs
from sklearn.base import clone, is_classifier
from sklearn.model_selection import check_cv
from sklearn.utils import get_tags
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.parallel import Parallel
from sklearn.utils.validation import indexable

from .._advance import choose_advance
from .._async import AsyncEvaluator
from .._callbacks import TaskTree, public_attributes
from .._compat import (
    UNORDERED,
    BaseSearchCV,
    Interval,
    StrOptions,
    _check_method_params,
    _fit_context,
    _MultimetricScorer,
    _num_samples,
    check_refit_for_multimetric,
    get_scorers,
    public_scorers,
    routed_fit_params,
)
from .._doc_link import DocLinkMixin
from .._execution import Evaluator, subsample_orders, thread_limit
from .._fit_guard import unfitted_on_error
from .._results import build_cv_results, candidate_view
from .._sampler import Candidates, DensityRatioSampler
from .._schedule import AsynchronousHalving, drive
from .._space import check_space, is_grid, sample_candidates
from ._keywords import _CheckedKeywords
from ._planning import _POSITIVE_INT, _PlanningMixin
from ._selection import _SelectionMixin, _warn_non_finite, _warn_not_converged


@dataclass
class _Run:
    """What one call to ``fit`` works on (built by ``_prepare``)."""

    X: object
    y: object
    routed: object
    scorers: object
    splits: list
    orders: list | None
    advance: object
    schedule: object
    candidates: list | None
    classes: object
    start: float
    space: list
    rng: object


class AutoSearchCV(
    DocLinkMixin,
    _PlanningMixin,
    _SelectionMixin,
    BaseSearchCV,
    metaclass=_CheckedKeywords,
):
    """Search over hyperparameters by successive halving with cross-validation.

    A drop-in replacement for :class:`~sklearn.model_selection.GridSearchCV`
    and :class:`~sklearn.model_selection.RandomizedSearchCV`: many candidates
    start on a small budget (a few iterations, trees or samples), the best
    ``1 / factor`` of them go on to ``factor`` times more budget, and so on
    until the last rung gives its survivors the full budget. With
    ``n_brackets > 1`` several such brackets run side by side (Hyperband), from
    the most aggressive to one that gives every candidate the full budget.

    Where the estimator can continue training (``warm_start`` or
    ``partial_fit``, see ``resource``), the survivors of a rung continue from
    their fitted fold models instead of being refitted from scratch.

    Parameters
    ----------
    estimator : estimator object
        The estimator to tune (a classifier, regressor, pipeline...), cloned
        for every fit.

    param_distributions : dict or list of dicts, default=None
        Parameter names (``"alpha"``, ``"step__alpha"``) mapped to a list of
        values or to a distribution with an ``rvs`` method that takes
        ``random_state`` (``scipy.stats``: ``loguniform(1e-4, 1e-1)``,
        ``randint(2, 64)``...). A list of dicts is sampled by first picking a
        dict uniformly. A space of lists only (a grid) is enumerated and
        searched by halving, not exhaustively. An empty dict ``{}`` is one
        candidate, the estimator as it is. Give this or ``param_grid``.

    param_grid : dict or list of dicts, default=None
        GridSearchCV's name for the space: the same as
        ``param_distributions`` (give one of the two), so that
        ``GridSearchCV(est, param_grid=grid)`` becomes
        ``AutoSearchCV(est, param_grid=grid)``.

    n_iter : int, default=None
        RandomizedSearchCV's name for ``n_candidates``: the number of
        candidates sampled (of the first rung), at most the grid's size.
        None leaves it to ``n_candidates``; unlike RandomizedSearchCV, whose
        default is 10, the default number depends on the budget range.

    resource : str, default="auto"
        What the budget counts. ``"n_samples"``: each candidate is fitted on
        a subsample of every training fold (the test folds are whole). A
        parameter name (``"max_iter"``, ``"n_estimators"``, ``"epochs"``,
        ``"step__max_iter"`` in a pipeline): the parameter is set to the
        budget. ``"auto"``: ``max_iter`` for MLP*, SGD*, Perceptron,
        PassiveAggressive* and HistGradientBoosting* estimators,
        ``n_estimators`` for estimators that have it (ensembles), else
        ``"n_samples"``; a pipeline is looked through to its final step.
        ``"auto"`` never picks a parameter that is searched (nor one of a
        searched step): the next option is taken, ``n_samples`` last.
        Unlike the halving searches of scikit-learn (default
        ``"n_samples"``), the default continues training where it can.

        A parameter resource is *continued*: each candidate is fitted once
        with the first budget, then its fold models train on. ``max_iter``
        of SGD*, Perceptron and PassiveAggressive* with ``tol=None`` (the
        final step of a pipeline too, unless fit parameters are given, which
        only the pipeline's ``fit`` routes) continues with one ``partial_fit``
        epoch per unit of budget, which keeps the learning-rate schedule's
        clock ``t_`` (a ``warm_start`` fit resets it). Otherwise, when the
        parameter's owner (the estimator, or a step reached through
        pipelines) has ``warm_start``, the search sets ``warm_start=True``
        and fits the kept fold model again: ``n_estimators`` and
        HistGradientBoosting's ``max_iter`` count in total (set to the new
        budget), any other parameter per call (set to the increment:
        ``max_iter`` of MLP* and the linear models; MLP's ``fit`` starts a
        new Adam optimizer but keeps its weights and its stopping rule). An
        estimator without ``warm_start`` but with ``partial_fit`` continues
        with one ``partial_fit`` call per unit of budget. Other cases
        (behind :class:`~sklearn.compose.TransformedTargetRegressor`, which
        clones its regressor in fit) are refitted from scratch.

    min_resources : int, "auto", "exhaust" or "smallest", default="auto"
        Budget of the first rung. ``"auto"``: ``max_resources / factor**4``
        (five rungs) for a parameter; for ``n_samples``,
        ``max_resources / factor**3`` (four rungs), but at least the
        smallest budget and at least 1000 samples (on smaller data a fit
        costs about as much as one on the whole fold, so the search is one
        exhaustive rung, as GridSearchCV's, with the same results); and
        ``max_resources`` (one exhaustive rung) when fewer than
        ``factor**2`` candidates are known in advance: refitted from
        scratch at every rung, so few candidates would pay halving's extra
        fits for little saving. ``"smallest"``: 1
        for a parameter; for ``n_samples``, 20 samples for a regressor,
        ``10 * n_classes`` for a classifier, and always enough that every
        class of every training fold is in the subsample. ``"exhaust"`` (as
        in the halving searches of scikit-learn): as large as the number of
        candidates allows, so that the last rung, which halving reaches with
        one candidate, runs ``max_resources``; with a distribution and
        ``n_candidates="auto"`` the number of candidates is not known in
        advance and ``"exhaust"`` is ``"smallest"``.

    max_resources : int or "auto", default="auto"
        Budget of the last rung. ``"auto"``: for ``n_samples`` the size of
        the smallest training fold (the last rung uses whole folds); for a
        parameter, the estimator's own value of it (``max_iter=200`` of
        :class:`~sklearn.neural_network.MLPRegressor`).

    factor : float, default=3
        Elimination rate: ``1 / factor`` of the candidates survive a rung,
        and the budget grows by ``factor``.

    n_candidates : int or "auto", default="auto"
        Number of candidates of the first rung (of the most aggressive
        bracket with Hyperband). ``"auto"``: the whole grid for a grid;
        otherwise ``factor**(n_rungs - 1)``, so that one candidate reaches
        the last rung, but at least ``min(factor**2, 27)`` (when the budget
        range allows few rungs, several candidates reach the last one);
        Hyperband uses its own count. A grid caps the number. ``n_iter`` is
        another name for it.

    n_brackets : int or "auto", default=1
        Number of Hyperband brackets; 1 is plain successive halving,
        ``"auto"`` runs all the brackets the budget range allows. With a
        grid, a bracket holds at most the whole grid.

    early_stopping : bool, default=True
        With a parameter resource, a promoted candidate whose mean test
        score fell from its previous rung by more than the standard error
        of the fall (a fall, not noise between folds) does not go on (its
        rows stay in ``rung_results_`` and can still win): more iterations
        or epochs are not spent on a model that has started to overfit,
        like an estimator's own early stopping with a patience of one rung.
        A rung may then run fewer candidates than planned, or not at all;
        when no candidate reaches ``max_resources``, the best is refitted at
        the largest budget it was evaluated at (see ``refit``).

    schedule : {"sync", "async"}, default="sync"
        ``"sync"``: rung by rung, a rung starting once the rung below has
        all its scores. ``"async"``: the same plan without barriers
        (asynchronous successive halving): a free worker gets the promotion
        of a candidate among the best ``n_{k+1} / n_k`` of those already
        scored at its rung, else a new candidate (the lowest rung first
        within a bracket, the largest budget first between brackets). With
        one worker both run the same fits; with several, ``"async"`` may
        promote on fewer scores, and its results can depend on the order in
        which fits finish.

    sampler : {"random", "tpe"}, default="random"
        Where the candidates of a space with distributions come from:
        independent draws before the first fit, or, ``"tpe"``, draws from a
        model of the results so far as each candidate is needed (BOHB's
        density ratio ``l(x) / g(x)`` of kernel densities of the best 15%
        and the rest, at the largest budget with enough scores; a third of
        the candidates from the prior). Grids are enumerated or sampled as
        with ``"random"``.

    scoring : str, callable, list, tuple or dict, default=None
        As in :class:`~sklearn.model_selection.GridSearchCV`; None uses the
        estimator's ``score``. Candidates are promoted on the ``refit``
        metric (on the first metric when ``refit`` is not a metric name).

    refit : bool, str or callable, default=True
        Refit the best candidate on the whole data (``best_estimator_``);
        with multimetric scoring, the name of the metric that picks it. A
        callable takes ``cv_results_`` and returns ``best_index_``. The best
        candidate is the best of those evaluated with the largest budget,
        and it is refitted at the user's budget: the whole data, or for a
        parameter resource ``max_resources_`` (by default the estimator's
        own value, so ``RandomForestClassifier(n_estimators=200)`` is
        refitted with 200 trees). Only when a row of ``rung_results_`` at a
        smaller budget beats it by more than the standard error of the
        difference of their mean scores is that row refitted at its budget
        (a network that overfits after 40 of 400 epochs); ``best_params_``
        then holds the budget, and ``verbose`` says so. So it does when
        ``early_stopping`` stopped every candidate below ``max_resources``:
        the best is refitted at its last evaluated budget, never at one the
        search showed to be worse; so it does when ``max_time`` cut the
        search before any candidate reached ``max_resources``.

    cv : int, cross-validation generator or iterable, default=None
        As in :class:`~sklearn.model_selection.GridSearchCV` (None: 5-fold,
        stratified for classifiers). The splits are computed once and kept
        for the whole search.

    error_score : "raise" or float, default=np.nan
        Score of a failed fit; one :class:`~sklearn.exceptions.FitFailedWarning`
        summarizes the failures. A NaN score is never promoted nor picked.
        If every fit fails, fit raises with the first error (a ValueError
        or TypeError that names the value first when X holds values that are
        not numbers).

    return_train_score : bool, default=False
        Add the ``*_train_*`` columns to ``cv_results_``.

    max_time : float or None, default=None
        Budget in seconds for the whole fit: no fit of the search starts
        after it (a worker skips the fits it would start later; those of the
        first candidate always run, so that there is a best), the fits
        running then finish, and the best candidate so far is kept. Its
        refit is at the largest budget it was evaluated at when no candidate
        reached ``max_resources`` (see ``refit``), so that it costs about
        what the search measured rather than a full-budget fit.

    random_state : int, RandomState instance or None, default=None
        Seeds the one :class:`numpy.random.Generator` that samples the
        candidates and the ``n_samples`` subsamples. Results do not depend on
        ``n_jobs``.

    n_jobs : int, default=None
        Number of jobs to run in parallel; None means 1 unless in a
        :func:`joblib.parallel_config` context. The backend is never chosen
        here: ``parallel_config(backend="dask")`` runs on a dask cluster.

    pre_dispatch : int or str, default="2*n_jobs"
        As in :class:`~sklearn.model_selection.GridSearchCV`.

    verbose : int, default=0
        As in GridSearchCV: > 0 prints "Fitting K folds for each of N
        candidates, totalling M fits" (with the rungs they are spread over)
        and one line per rung ("rung i/n"); > 1 one "[CV] END ..." line per
        fit, its parameters holding the budget; > 2 with the split
        ("[CV k/K]") and the score; > 9 with the candidate ("[CV k/K; c/N]").

    Attributes
    ----------
    cv_results_ : dict of numpy (masked) ndarrays
        One row per candidate, as in GridSearchCV: its last rung, with the
        keys of scikit-learn's searches (``params``, ``param_*``,
        ``split{k}_test_*``, ``mean_test_*``, ``std_test_*``,
        ``rank_test_*``, fit and score times) plus ``candidate``, ``iter``,
        ``n_resources`` (the budget of that rung), ``bracket`` and
        ``status`` (``"ok"`` or ``"failed"``). ``params`` holds the
        candidate's parameters only, never the resource. ``rank_test_*``
        ranks by the budget reached, then by the mean score there. Under
        continuation, ``*_fit_time`` is the time of that rung's increment.
        ``start_time`` and ``end_time``: seconds from the start of the
        search to the start of that rung's first fold fit and the end of
        its last.

    rung_results_ : dict of numpy (masked) ndarrays
        The same keys, one row per (candidate, rung), as the halving
        searches of scikit-learn report (``rank_test_*`` over all rows):
        ``sum(n_candidates_)`` rows.

    best_estimator_ : estimator
        The best candidate refitted on the whole data. Only with ``refit``.

    best_score_ : float
        Mean cross-validated score of the best candidate, at the budget it
        is refitted at when that was evaluated (see ``refit``), else at its
        last rung (``cv_results_["mean_test_score"][best_index_]``).

    best_params_ : dict
        Parameters of the best candidate, in the user's space; the resource
        is in it only when the refit's budget is not the estimator's own
        value of it (see ``refit``).

    best_index_ : int
        Row of ``cv_results_`` of the best candidate (see ``refit``).

    scorer_ : callable or dict
        The scorer(s) used.

    n_splits_ : int
        Number of cross-validation splits.

    refit_time_ : float
        Seconds spent refitting the best candidate.

    multimetric_ : bool
        Whether several metrics were used.

    resource_ : str
        The resource used (``resource="auto"`` resolved).

    min_resources_ : int
        Budget of the first rung.

    max_resources_ : int
        Budget of the last rung.

    n_brackets_ : int
        Number of brackets run.

    n_resources_ : list of int
        Budget of each rung run, bracket after bracket.

    n_candidates_ : list of int
        Number of candidates of each rung run, in the same order.

    plan_ : list of (int, int)
        The rungs planned before the first fit, as ``(n_candidates,
        n_resources)``, bracket after bracket. ``n_candidates_`` and
        ``n_resources_`` say what ran: less when ``max_time`` cuts the
        search, when candidates fail or when ``early_stopping`` stops them.

    n_iterations_ : int
        Number of rungs run.

    classes_ : ndarray of shape (n_classes,)
        Class labels, for classifiers with ``refit``.

    n_features_in_ : int
        Number of features seen during fit, with ``refit``.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of the features seen during fit, when ``X`` has string column
        names and ``refit`` is set.

    See Also
    --------
    sklearn.model_selection.GridSearchCV : Exhaustive search over a grid.
    sklearn.model_selection.RandomizedSearchCV : Random search.
    sklearn.model_selection.HalvingRandomSearchCV : Successive halving that
        refits every rung from scratch.

    Notes
    -----
    The schedule (:class:`skauto._schedule.SuccessiveHalving` or
    :class:`~skauto._schedule.Hyperband`) is pure bookkeeping; the search
    runs ``while jobs := schedule.ask(): schedule.tell(evaluate(jobs))``,
    where ``evaluate`` sends one joblib task per (candidate, fold).

    Continuation keeps every survivor's fitted fold models between rungs
    (the eliminated candidates' are dropped): memory grows with
    ``n_candidates * n_splits`` models in the first rung. It is exact for
    ensembles grown with ``warm_start``; it is approximate for
    :class:`~sklearn.neural_network.MLPRegressor` and SGD estimators,
    whose ``fit`` under ``warm_start`` restarts the optimizer's state (Adam
    moments, learning-rate schedule) from the current weights. Note also
    that ``partial_fit`` with ``shuffle=True`` and an int ``random_state``
    reuses the same permutation at every call. Continuation needs the
    resource's owner to be fitted in place: the estimator itself or a step
    reached through pipelines. Behind a meta-estimator that clones its
    sub-estimator in ``fit`` (:class:`~sklearn.compose.TransformedTargetRegressor`,
    ``regressor__max_iter``), candidates are refitted from scratch.

    A :class:`~sklearn.pipeline.Pipeline` whose ``memory`` is None fits its
    leading steps once per training fold rather than once per candidate
    when their result cannot differ (the same parameters after the same
    steps, no metadata routed to them, no ``random_state=None``): the fold
    fits get an in-memory cache as their ``memory`` (at most 256 MB of
    transformed folds, the least recently used dropped first; shared by the
    fits of this process and of joblib's threads, not of process workers).
    The results are those of fits without it.

    On data of fewer than a million values (``n_samples x n_features``), the
    fits run in this process (``n_jobs=None``) and the refit run BLAS and
    OpenMP on one thread each (threadpoolctl; under the threading backend,
    BLAS only: OpenMP's setting is per thread): a second thread saves little
    on such data, and next to other processes its spin-waiting costs much.
    joblib's process workers (loky) limit their own threads.

    References
    ----------
    .. [1] K. Jamieson and A. Talwalkar, "Non-stochastic best arm
       identification and hyperparameter optimization", AISTATS 2016.
    .. [2] L. Li, K. Jamieson, G. DeSalvo, A. Rostamizadeh and A. Talwalkar,
       "Hyperband: a novel bandit-based approach to hyperparameter
       optimization", JMLR 18 (2018).

    Examples
    --------
    >>> from scipy.stats import loguniform
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import SGDClassifier
    >>> from skauto.model_selection import AutoSearchCV
    >>> X, y = make_classification(n_samples=300, random_state=0)
    >>> search = AutoSearchCV(
    ...     SGDClassifier(tol=None, random_state=0),
    ...     {"alpha": loguniform(1e-5, 1e-1)},
    ...     max_resources=27,
    ...     cv=3,
    ...     random_state=0,
    ... ).fit(X, y)
    >>> search.resource_, search.n_resources_, search.n_candidates_
    ('max_iter', [1, 3, 9, 27], [27, 9, 3, 1])
    >>> len(search.cv_results_["params"]), len(search.rung_results_["params"])
    (27, 40)
    >>> search.score(X, y) > 0.8
    True
    """

    _own_progress = True  # its own progress lines besides GridSearchCV's
    # the callbacks' tasks as scikit-learn's searches name them (a group task
    # "search" holding the fits, a step per rung with _callback_step), or
    # AutoSearchCV's own (a step per rung, the fits named by candidate)
    _callback_group = None
    _callback_step = None
    _parameter_constraints: dict = {
        **BaseSearchCV._parameter_constraints,
        "param_distributions": [dict, list, None],
        "param_grid": [dict, list, None],
        "n_iter": [_POSITIVE_INT, None],
        "resource": [str],
        "min_resources": [_POSITIVE_INT, StrOptions({"auto", "exhaust", "smallest"})],
        "max_resources": [_POSITIVE_INT, StrOptions({"auto"})],
        "factor": [Interval(Real, 1, None, closed="neither")],
        "n_candidates": [_POSITIVE_INT, StrOptions({"auto"})],
        "n_brackets": [_POSITIVE_INT, StrOptions({"auto"})],
        "early_stopping": ["boolean"],
        "max_time": [Interval(Real, 0, None, closed="neither"), None],
        "schedule": [StrOptions({"sync", "async"})],
        "sampler": [StrOptions({"random", "tpe"})],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator,
        param_distributions=None,
        *,
        param_grid=None,
        n_iter=None,
        resource="auto",
        min_resources="auto",
        max_resources="auto",
        factor=3,
        n_candidates="auto",
        n_brackets=1,
        early_stopping=True,
        schedule="sync",
        sampler="random",
        scoring=None,
        refit=True,
        cv=None,
        error_score=np.nan,
        return_train_score=False,
        max_time=None,
        random_state=None,
        n_jobs=None,
        pre_dispatch="2*n_jobs",
        verbose=0,
    ):
        super().__init__(
            estimator=estimator,
            scoring=scoring,
            n_jobs=n_jobs,
            refit=refit,
            cv=cv,
            verbose=verbose,
            pre_dispatch=pre_dispatch,
            error_score=error_score,
            return_train_score=return_train_score,
        )
        self.param_distributions = param_distributions
        self.param_grid = param_grid
        self.n_iter = n_iter
        self.resource = resource
        self.min_resources = min_resources
        self.max_resources = max_resources
        self.factor = factor
        self.n_candidates = n_candidates
        self.n_brackets = n_brackets
        self.early_stopping = early_stopping
        self.schedule = schedule
        self.sampler = sampler
        self.max_time = max_time
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # also the target's tags (GridSearchCV omits them), so that a search
        # over a multi-output regressor is one too
        tags.target_tags = deepcopy(get_tags(self.estimator).target_tags)
        return tags

    @_fit_context(prefer_skip_nested_validation=False)
    @unfitted_on_error
    def fit(self, X, y=None, **params):
        """Run the search: validate, plan, run the rungs, pick and refit the best.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Training data.

        y : array-like of shape (n_samples,) or (n_samples, n_outputs), \
                default=None
            Target; None for unsupervised learning.

        **params : dict of str -> object
            Parameters for the estimator's ``fit`` (``sample_weight``...),
            the scorer and the splitter (``groups``), routed like
            :class:`~sklearn.model_selection.GridSearchCV` does, with or
            without metadata routing enabled.

        Returns
        -------
        self : object
            The fitted search.
        """
        run = self._prepare(X, y, params)
        n_tasks = 1 if self._callback_group else len(run.schedule.plan())
        weights = run.routed.estimator.fit.get("sample_weight")
        metadata = None if weights is None else {"sample_weight": weights}
        tasks = TaskTree(self, n_tasks + bool(self.refit), X=X, y=y, metadata=metadata)
        with thread_limit(run.X):  # one thread per fit on small data
            evaluator = self._run_rungs(run, tasks)
            self._finalize(run, evaluator, tasks)
        # the fit's task ends with the refitted search (ScoringMonitor scores it)
        tasks.end(X=X, y=y, reconstruction_attributes=self._fitted_attributes)
        return self

    def _fitted_attributes(self):
        """The public fitted attributes, or None without a refitted estimator."""
        return public_attributes(self) if hasattr(self, "best_estimator_") else None

    def _prepare(self, X, y, params):
        """Check everything and plan the search before any fit starts."""
        scorers, _ = get_scorers(self)
        X, y = indexable(X, y)
        if y is None and get_tags(self.estimator).target_tags.required:
            raise ValueError(
                f"{type(self.estimator).__name__} requires y to be passed, but "
                "the target y is None"
            )
        self._n_samples = _num_samples(X)
        self._check_input(X)
        params = _check_method_params(X, params=params)
        routed = routed_fit_params(self, params)
        space, space_name = self._space_argument()
        self.resource_ = self._pick_resource(space)
        advance = choose_advance(self.estimator, self.resource_, routed.estimator.fit)
        is_param = advance.mode != "subsample"
        space = check_space(
            space,
            self.estimator,
            resource=self.resource_ if is_param else None,
            name=space_name,
        )
        start = time.perf_counter()
        rng = _generator(self.random_state)
        cv = check_cv(self.cv, y, classifier=is_classifier(self.estimator))
        splits = _splits(cv, X, y, routed.splitter.split)
        self.n_splits_ = len(splits)
        labels = _class_labels(self.estimator, y)
        orders = None if is_param else subsample_orders(splits, labels, rng)
        self._resolve_budget(splits, orders, labels, space)
        schedule = self._make_schedule(space, advance)
        self.plan_ = [(r.n_candidates, r.n_resources) for r in schedule.plan()]
        candidates = self._sample(space, schedule, rng)
        classes = None if labels is None else np.unique(labels)
        return _Run(
            X, y, routed, scorers, splits, orders, advance, schedule, candidates,
            classes, start, space, rng,
        )  # fmt: skip

    def _space_argument(self):
        """The space and the name it was given under (param_grid is an alias)."""
        # the front doors named after scikit-learn's searches have only one
        distributions = getattr(self, "param_distributions", None)
        grid = getattr(self, "param_grid", None)
        if (distributions is None) == (grid is None):
            raise ValueError(
                "Give the search space as param_distributions (or its alias "
                "param_grid, GridSearchCV's name), and only one of them"
            )
        if grid is not None:
            return grid, "param_grid"
        return distributions, "param_distributions"

    def _sample(self, space, schedule, rng):
        """The candidates' parameters: drawn up front (``sampler="random"``,
        or a grid), else None: drawn by the model as they are needed."""
        if self.sampler == "random" or is_grid(space):
            return [
                params
                for bracket in schedule.brackets
                for params in sample_candidates(space, len(bracket.candidates), rng)
            ]
        return None

    def _run_rungs(self, run, tasks):
        """The schedule's jobs through one of the two executors."""
        task_kwargs = dict(
            X=run.X,
            y=run.y,
            classes=run.classes,
            fit_params=run.routed.estimator.fit,
            scorer=run.scorers,
            score_params=run.routed.scorer.score,
            return_train_score=self.return_train_score,
            error_score=self.error_score,
        )
        n_workers = max(1, effective_n_jobs(self.n_jobs))
        asynchronous = self.schedule == "async"
        options = (
            dict(pre_dispatch=n_workers, batch_size=1, return_as=UNORDERED)
            if asynchronous
            else dict(pre_dispatch=self.pre_dispatch)
        )
        with Parallel(n_jobs=self.n_jobs, **options) as parallel:
            evaluator = self._evaluator(run, parallel, task_kwargs, tasks)
            if self.verbose:
                self._print_plan(run)
            if self._callback_group:
                plan = run.schedule.plan()
                n_fits = sum(r.n_candidates for r in plan) * len(run.splits)
                steps = self._callback_step is not None
                tasks.begin_group(
                    self._callback_group, len(plan) if steps else n_fits, not steps
                )
            if asynchronous:
                self._cut_by_time = self._run_async(run, evaluator, n_workers)
            else:
                self._cut_by_time = self._run_sync(run, evaluator, n_workers)
            if self._callback_group:
                tasks.end_group()
            if self._cut_by_time:
                self._warn_cut()
        return evaluator

    def _evaluator(self, run, parallel, task_kwargs, tasks):
        executor = AsyncEvaluator if self.schedule == "async" else Evaluator
        auto_max = self.max_resources == "auto"
        evaluator = executor(
            self.estimator, run.candidates, run.space, run.advance, run.splits,
            run.orders, self.max_resources_, parallel, task_kwargs,
            promote_on=self._promotion_metric,
            subsample_below=self.max_resources_ if auto_max else np.inf,
            deadline=None if self.max_time is None else run.start + self.max_time,
            rows=self._subsample_rows(), test_orders=self._test_orders(run),
            verbose=self.verbose,
            rung_lines=self._own_progress,
            n_rungs=_rungs_per_bracket(run.schedule), tasks=tasks,
        )  # fmt: skip
        if self._callback_group:
            evaluator.step_name = self._callback_step
            evaluator.leaf_name = "candidate-split-evaluation"
        if run.candidates is None:  # a model of the results so far draws them
            model = DensityRatioSampler(run.space, run.rng)
            evaluator.candidates = Candidates(
                run.schedule.n_candidates, lambda: model.draw(evaluator.history())
            )
        return evaluator

    def _subsample_rows(self):
        """How a budget counts training rows (None: it is their number)."""
        return None

    def _test_orders(self, run):
        """The test folds' subsampling orders (None: the test folds are whole)."""
        return None

    def _check_input(self, X):
        """Checks of the data before the splits (none here)."""

    def _run_sync(self, run, evaluator, n_workers):
        schedule, stats = run.schedule, evaluator.stats
        if run.candidates is None:  # the model learns between waves of new ones
            evaluator.wave = max(4, 2 * n_workers)
        evaluator.longest_first = n_workers > 1

        def evaluate(jobs):
            if self.verbose and not self._own_progress:
                self._print_iteration(jobs, len(run.splits))
            return evaluator.evaluate(jobs)

        return drive(
            schedule,
            evaluate,
            errors=lambda scores: {c: stats[c][1] for c in scores if c in stats},
            deadline=None if self.max_time is None else run.start + self.max_time,
            after_rung=lambda jobs, scores: evaluator.prune(set(schedule.alive)),
        )

    def _run_async(self, run, evaluator, n_workers):
        schedule = AsynchronousHalving(run.schedule)
        stats = evaluator.stats
        return evaluator.run(
            schedule,
            n_workers,
            errors=lambda done: {c: stats[c][1] for c in done if c in stats},
            after_job=lambda job, score: evaluator.prune(set(schedule.alive)),
        )

    def _print_iteration(self, jobs, n_splits):
        """scikit-learn's halving searches' lines before an iteration."""
        print("-" * 10)
        print(f"iter: {jobs[0].iter}")
        print(f"n_candidates: {len(jobs)}")
        print(f"n_resources: {jobs[0].n_resources}")
        print(
            f"Fitting {n_splits} folds for each of {len(jobs)} candidates, "
            f"totalling {n_splits * len(jobs)} fits"
        )

    def _print_plan(self, run):
        """GridSearchCV's first line, with the rungs the fits are spread over."""
        plan = run.schedule.plan()
        n_splits = len(run.splits)
        n_fits = n_splits * sum(rung.n_candidates for rung in plan)
        rungs = ", ".join(f"{r.n_candidates} x {r.n_resources}" for r in plan)
        print(
            f"Fitting {n_splits} folds for each of {run.schedule.n_candidates} "
            f"candidates, totalling {n_fits} fits, in {len(plan)} "
            f"rung{'s' if len(plan) != 1 else ''} "
            f"(candidates x {self.resource_}: {rungs})"
        )

    def _warn_cut(self):
        warnings.warn(
            f"max_time={self.max_time}s reached: the search stopped before its "
            "last rungs; the best candidate so far is kept (see n_resources_ "
            "for the rungs that ran)",
            UserWarning,
            stacklevel=4,
        )
        if self.verbose and self._own_progress:
            print(f"[AutoSearchCV] max_time={self.max_time}s reached: stopping")

    def _promotion_metric(self, metrics):
        if isinstance(self.refit, str) and self.refit in metrics:
            return self.refit
        return "score" if "score" in metrics else metrics[0]

    def _views(self, rungs, metrics):
        """``cv_results_`` (one row per candidate) and ``rung_results_``."""
        return candidate_view(rungs, metrics), rungs

    def _published(self, results):
        """The columns of ``cv_results_`` (all of them here)."""
        return results

    def _finalize(self, run, evaluator, tasks):
        """Results, best candidate and refit, from the evaluator's outputs."""
        self._check_failures(evaluator, run.X)
        metrics = evaluator.metrics or ["score"]
        self.multimetric_ = isinstance(run.scorers, _MultimetricScorer) or (
            metrics != ["score"]
        )
        if callable(self.scoring) and self.multimetric_:
            check_refit_for_multimetric(self, metrics)
        records = evaluator.records(self.return_train_score)
        rungs = build_cv_results(
            records, metrics, self.n_splits_, self.return_train_score
        )
        self._set_rung_attributes(rungs)
        results, rungs = self._views(rungs, metrics)
        _warn_non_finite(results, metrics, self.return_train_score)
        _warn_not_converged(evaluator, self.resource_, self.max_resources_)
        refit_metric = self.refit if self.multimetric_ else "score"
        if self.refit or not self.multimetric_:
            self._pick_best(results, rungs, refit_metric)
        if self.refit:
            estimator = clone(self.estimator)
            weights = run.routed.estimator.fit.get("sample_weight")
            metadata = None if weights is None else {"sample_weight": weights}
            name = "refit-with-best-params" if self._callback_group else "refit"
            with tasks.subtask(name, estimator, X=run.X, y=run.y, metadata=metadata):
                self._refit(run, estimator)
        self.scorer_ = public_scorers(run.scorers)
        self.cv_results_, self.rung_results_ = self._published(results), rungs


def _splits(cv, X, y, split_params):
    """The cv splits as integer arrays, checked as GridSearchCV checks them."""
    n_splits = cv.get_n_splits(X, y, **split_params)
    splits = [
        (_indices(train), _indices(test))
        for train, test in cv.split(X, y, **split_params)
    ]
    if len(splits) != n_splits:
        raise ValueError(
            "cv.split and cv.get_n_splits return inconsistent results. "
            f"Expected {n_splits} splits, got {len(splits)}"
        )
    if not splits:
        raise ValueError(
            "No fits were performed. Was the CV iterator empty? "
            "Were there no candidates?"
        )
    if not any(len(train) for train, _ in splits):
        raise ValueError(
            f"Every one of cv's {len(splits)} split(s) has an empty training "
            "set: nothing to fit. Check the splits given as cv."
        )
    return splits


def _generator(random_state):
    """The one Generator of a fit, from scikit-learn's random_state values."""
    if isinstance(random_state, np.random.RandomState):
        random_state = int(random_state.randint(np.iinfo(np.int32).max))
    return np.random.default_rng(random_state)


def _class_labels(estimator, y):
    """y as an array when stratified subsampling applies (classification)."""
    if y is None or not is_classifier(estimator):
        return None
    if type_of_target(y) not in ("binary", "multiclass"):
        return None
    return np.asarray(y)


def _indices(split):
    """A split as an integer array (splitters may yield lists or masks)."""
    split = np.asarray(split)
    if split.dtype == bool:
        return np.flatnonzero(split)
    return split.astype(np.intp, copy=False)


def _rungs_per_bracket(schedule):
    """Planned number of rungs of each bracket, for the progress lines."""
    return Counter(rung.bracket for rung in schedule.plan())
