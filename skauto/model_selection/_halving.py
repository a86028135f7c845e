"""HalvingGridSearchCV and HalvingRandomSearchCV: AutoSearchCV under the
names, constructors and meaning of scikit-learn's halving searches.

Their budget arithmetic is scikit-learn's (budgets ``min_resources *
factor**i``, ``n_resources`` counting samples of the whole data, the
``"exhaust"`` and ``"smallest"`` rules, ``aggressive_elimination``), their
``cv_results_`` has one row per candidate and iteration, and the best is the
best of the last iteration, refitted at its budget. What differs is the
engine: survivors continue from their fitted fold models where the
estimator can (``warm_start``, ``partial_fit``), the test folds are whole
(only the training folds are subsampled), and the asynchronous schedule and
model-based sampling are available.
"""

import math
from numbers import Integral, Real

import numpy as np
from sklearn.metrics import get_scorer_names

from .._compat import Interval, StrOptions, select_best_index
from .._execution import subsample_orders
from .._schedule import GivenHalving, scikit_learn_rungs
from .._space import grid_size, is_grid
from ._planning import check_n_candidates
from ._search import AutoSearchCV, _class_labels
from ._sklearn_names import check_like_scikit_learn, scikit_learn_draws

# AutoSearchCV's columns of the table of rungs that scikit-learn's halving
# searches lack (they stay in rung_results_)
_OWN_COLUMNS = ("bracket", "candidate", "status", "start_time", "end_time")


class _Halving(AutoSearchCV):
    """The halving searches' meaning on AutoSearchCV's engine."""

    _own_progress = False  # only the lines scikit-learn's halving searches print
    _callback_group = "search"  # the callbacks' tasks named as scikit-learn's

    @staticmethod
    def _callback_step(jobs):
        return "halving-iteration"

    _parameter_constraints: dict = {
        **{
            k: v
            for k, v in AutoSearchCV._parameter_constraints.items()
            if k not in ("param_grid", "param_distributions", "n_iter", "n_brackets")
        },
        "scoring": [StrOptions(set(get_scorer_names())), callable, None],
        "max_resources": [
            Interval(Integral, 0, None, closed="neither"),
            StrOptions({"auto"}),
        ],
        "min_resources": [
            Interval(Integral, 0, None, closed="neither"),
            StrOptions({"exhaust", "smallest"}),
        ],
        "factor": [Interval(Real, 1, None, closed="neither")],
        "aggressive_elimination": ["boolean"],
    }
    _parameter_constraints.pop("pre_dispatch")  # as scikit-learn's: none
    pre_dispatch = "2*n_jobs"
    n_brackets = 1
    n_iter = None

    def _set_all(self, values):
        super(AutoSearchCV, self).__init__(
            estimator=values["estimator"], scoring=values["scoring"],
            n_jobs=values["n_jobs"], refit=values["refit"], cv=values["cv"],
            verbose=values["verbose"], error_score=values["error_score"],
            return_train_score=values["return_train_score"],
        )  # fmt: skip
        for name in [
            "factor", "resource", "max_resources", "min_resources",
            "aggressive_elimination", "random_state", "early_stopping",
            "schedule", "sampler", "max_time",
        ]:  # fmt: skip
            setattr(self, name, values[name])

    def _space_argument(self):
        space, name = super()._space_argument()
        check_like_scikit_learn(space, name)
        return space, name

    # --- planning -------------------------------------------------------------
    def _pick_resource(self, space):
        if self.resource != "n_samples" and (
            self.resource not in self.estimator.get_params()
        ):
            raise ValueError(
                f"Cannot use resource={self.resource} which is not supported "
                f"by estimator {self.estimator.__class__.__name__}"
            )
        return self.resource

    def _resolve_budget(self, splits, orders, labels, space):
        """scikit-learn's ``min_resources_`` and ``max_resources_`` (the
        ``"exhaust"`` rule raises the first later, in ``_make_schedule``)."""
        n_samples = self._n_samples
        min_r = self.min_resources
        if min_r in ("smallest", "exhaust"):
            min_r = 1
            if self.resource_ == "n_samples":
                n_classes = 1 if labels is None else len(np.unique(labels))
                min_r = 2 * len(splits) * n_classes
        max_r = self.max_resources
        if max_r == "auto":
            if self.resource_ != "n_samples":
                raise ValueError(
                    "resource can only be 'n_samples' when max_resources='auto'"
                )
            max_r = n_samples
        if min_r > max_r:
            raise ValueError(
                f"min_resources_={min_r} is greater than max_resources_={max_r}."
            )
        self.min_resources_, self.max_resources_ = int(min_r), int(max_r)

    def _subsample_rows(self):
        """A budget counts samples of the whole data: a training fold gets
        the same share of its own rows (scikit-learn's subsampling)."""
        n_samples = self._n_samples
        return lambda n_resources, n_train: int(n_resources / n_samples * n_train)

    def _test_orders(self, run):
        """The test folds are subsampled too (``n_resources`` counts samples
        of the training and test folds, as in scikit-learn's)."""
        if run.orders is None:
            return None
        labels = _class_labels(self.estimator, run.y)
        return subsample_orders([(t, None) for _, t in run.splits], labels, run.rng)

    def _check_input(self, X):
        if self._n_samples == 0 and self.min_resources in ("smallest", "exhaust"):
            raise ValueError(
                "min_resources_=0: you might have passed an empty dataset X."
            )

    def _make_schedule(self, space, advance):
        n = self._halving_candidates(space)
        check_n_candidates(n, self.n_splits_)
        if self.resource_ != "n_samples" and any(
            self.resource_ in sub for sub in space
        ):
            raise ValueError(
                f"Cannot use parameter {self.resource_} as the resource since it "
                "is part of the searched parameters."
            )
        rungs, self.min_resources_, n_required, n_possible = scikit_learn_rungs(
            n, self.min_resources_, self.max_resources_, self.factor,
            exhaust=self.min_resources == "exhaust",
            aggressive_elimination=self.aggressive_elimination,
        )  # fmt: skip
        self.n_required_iterations_ = n_required
        self.n_possible_iterations_ = n_possible
        self.n_brackets_ = 1
        stops = self.early_stopping and advance.mode != "subsample"
        return GivenHalving(rungs, self.factor, early_stopping=stops)

    def _print_plan(self, run):
        """scikit-learn's halving searches' first lines."""
        print(f"n_iterations: {len(self.plan_)}")
        print(f"n_required_iterations: {self.n_required_iterations_}")
        print(f"n_possible_iterations: {self.n_possible_iterations_}")
        print(f"min_resources_: {self.min_resources_}")
        print(f"max_resources_: {self.max_resources_}")
        print(f"aggressive_elimination: {self.aggressive_elimination}")
        print(f"factor: {self.factor}")

    # --- results ----------------------------------------------------------------
    def _views(self, rungs, metrics):
        """``cv_results_`` is the table of rungs, its ``params`` with the
        resource's value when it is a parameter (as scikit-learn's)."""
        rows = dict(rungs)
        if self.resource_ != "n_samples":
            rows["params"] = [
                {**p, self.resource_: int(r)}
                for p, r in zip(rungs["params"], rungs["n_resources"], strict=True)
            ]
            column = np.ma.MaskedArray(rungs["n_resources"].astype(object))
            rows[f"param_{self.resource_}"] = column
        return rows, rungs

    def _published(self, results):
        """``cv_results_`` with the keys of scikit-learn's halving searches."""
        return {k: v for k, v in results.items() if k not in _OWN_COLUMNS}

    def _set_rung_attributes(self, results):
        super()._set_rung_attributes(results)
        self.n_iterations_ = len(self.plan_)  # planned, as scikit-learn's
        n_last = self.n_candidates_[-1] if self.n_candidates_ else 0
        self.n_remaining_candidates_ = math.ceil(n_last / self.factor)

    @staticmethod
    def _select_best_index(refit, refit_metric, results):
        """The best row of the last iteration (scikit-learn's rule; the first
        when every score there is NaN)."""
        last = np.flatnonzero(results["iter"] == np.max(results["iter"]))
        scores = np.asarray(results["mean_test_score"], dtype=float)[last]
        return last[0 if np.isnan(scores).all() else np.nanargmax(scores)]

    def _pick_best(self, results, rungs, metric):
        """The best of the last iteration (scikit-learn's rule), refitted with
        its parameters, the budget included."""
        self._refit_budget = None
        if callable(self.refit):
            index = select_best_index(self.refit, metric, results)
        else:
            scores = {"mean_test_score": results[f"mean_test_{metric}"]}
            index = self._select_best_index(None, None, {**results, **scores})
        self.best_index_ = int(index)
        self._best_rung_row = int(index)
        self.best_score_ = float(results[f"mean_test_{metric}"][index])
        self.best_params_ = dict(results["params"][index])


def _halving_doc(name, space_doc, specific, example):
    return f"""AutoSearchCV with the constructor and meaning of scikit-learn's {name}.

    Replaces :class:`sklearn.model_selection.{name}` by changing the import
    (no ``enable_halving_search_cv`` needed): the same arguments and
    defaults, the same budgets (``n_resources_``), the same ``cv_results_``
    (one row per candidate and iteration, ``iter`` and ``n_resources``), the
    best of the last iteration refitted at its budget. Survivors continue
    from their fitted fold models where the estimator can (a parameter
    resource with ``warm_start`` or ``partial_fit``, see
    :class:`AutoSearchCV`), and only the training folds are subsampled
    (``n_samples``: a fold gets the share ``n_resources / n_samples`` of its
    rows; the test folds are whole).

    Parameters
    ----------
    estimator : estimator object
        The estimator to tune, cloned for every fit.
{space_doc}
    factor : float, default=3
        Elimination rate: ``ceil(n / factor)`` candidates go on, with
        ``factor`` times the budget. Must be > 1.

    resource : str, default="n_samples"
        What the budget counts: ``"n_samples"`` or a parameter of the
        estimator (``"n_estimators"``, ``"max_iter"``...), as in
        scikit-learn's halving searches; ``"auto"`` as in AutoSearchCV.

    max_resources : int or "auto", default="auto"
        The largest budget; ``"auto"`` (for ``n_samples`` only): the number
        of samples.
{specific}
    aggressive_elimination : bool, default=False
        Repeat the first budget until few enough candidates remain for the
        last iteration to have fewer than ``factor`` of them.

    cv : int, cross-validation generator or iterable, default=5
        As in scikit-learn's searches.

    scoring : str, callable or None, default=None
        A single metric, as in scikit-learn's halving searches.

    refit : bool or callable, default=True
        Refit the best candidate of the last iteration on the whole data,
        with its parameters (the resource's last value included).

    error_score : "raise" or float, default=np.nan
        As in scikit-learn's searches.

    return_train_score : bool, default=True
        Add the ``*_train_*`` columns to ``cv_results_``.

    random_state : int, RandomState instance or None, default=None
        Seeds the subsamples (and the candidates' draws).

    n_jobs : int, default=None
        As in scikit-learn's searches; the backend is never chosen here.

    verbose : int, default=0
        The lines scikit-learn's halving searches print (the plan, then each
        iteration, and GridSearchCV's per-fit lines with verbose > 1).

    early_stopping : bool, default=False
        AutoSearchCV's early stopping of candidates whose score fell (off:
        as scikit-learn's).

    schedule : {{"sync", "async"}}, default="sync"
        Iteration by iteration, or without barriers; see :class:`AutoSearchCV`.

    sampler : {{"random", "tpe"}}, default="random"
        Where new candidates come from; see :class:`AutoSearchCV`.

    max_time : float or None, default=None
        Budget in seconds; see :class:`AutoSearchCV`.

    Attributes
    ----------
    n_resources_ : list of int
        The budget of each iteration.

    n_candidates_ : list of int
        The number of candidates of each iteration.

    n_remaining_candidates_ : int
        Candidates left after the last iteration: ``ceil(n_candidates_[-1]
        / factor)``.

    max_resources_ : int
        The largest budget an iteration may use.

    min_resources_ : int
        The budget of the first iteration.

    n_possible_iterations_ : int
        Iterations the budget range allows.

    n_required_iterations_ : int
        Iterations needed to end with fewer than ``factor`` candidates.

    n_iterations_ : int
        Iterations planned: ``min(n_possible_iterations_,
        n_required_iterations_)``, or the second with
        ``aggressive_elimination``.

    cv_results_ : dict of numpy (masked) ndarrays
        One row per candidate and iteration, with ``iter`` and
        ``n_resources``; ``params`` holds the resource's value when it is a
        parameter.

    rung_results_ : dict of numpy (masked) ndarrays
        The same rows, ``params`` without the resource (AutoSearchCV's).

    plan_ : list of (int, int)
        ``(n_candidates, n_resources)`` of each iteration, planned.

    best_estimator_, best_score_, best_params_, best_index_, scorer_, \
n_splits_, refit_time_, multimetric_, resource_, n_brackets_, classes_, \
n_features_in_, feature_names_in_ : see AutoSearchCV
        The fitted attributes of :class:`AutoSearchCV`.

    See Also
    --------
    AutoSearchCV : The same engine under skauto's names.

    Examples
    --------
{example}
    """


class HalvingGridSearchCV(_Halving):
    __doc__ = _halving_doc(
        "HalvingGridSearchCV",
        """
    param_grid : dict or list of dicts
        Parameter names mapped to lists of values, as in GridSearchCV.
""",
        """
    min_resources : int, "exhaust" or "smallest", default="exhaust"
        The first budget. ``"smallest"``: 1 for a parameter, else ``2 *
        n_splits`` (times the number of classes for a classifier);
        ``"exhaust"``: the largest first budget that leaves the last
        iteration at most ``max_resources``.
""",
        """    >>> from sklearn.datasets import load_iris
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from skauto.model_selection import HalvingGridSearchCV
    >>> X, y = load_iris(return_X_y=True)
    >>> search = HalvingGridSearchCV(
    ...     RandomForestClassifier(random_state=0),
    ...     {"max_depth": [2, 3, None], "min_samples_split": [2, 5, 10]},
    ...     resource="n_estimators", max_resources=27, random_state=0,
    ... ).fit(X, y)
    >>> search.n_resources_, search.n_candidates_
    ([3, 9, 27], [9, 3, 1])
    >>> len(search.cv_results_["params"])
    13""",
    )

    _parameter_constraints: dict = {
        **_Halving._parameter_constraints,
        "param_grid": [dict, list],
    }
    _parameter_constraints.pop("n_candidates")

    def __init__(
        self,
        estimator,
        param_grid,
        *,
        factor=3,
        resource="n_samples",
        max_resources="auto",
        min_resources="exhaust",
        aggressive_elimination=False,
        cv=5,
        scoring=None,
        refit=True,
        error_score=np.nan,
        return_train_score=True,
        random_state=None,
        n_jobs=None,
        verbose=0,
        early_stopping=False,
        schedule="sync",
        sampler="random",
        max_time=None,
    ):
        self._set_all(locals())
        self.param_grid = param_grid

    def _halving_candidates(self, space):
        return grid_size(space)

    def _asked_n_candidates(self):
        return None


class HalvingRandomSearchCV(_Halving):
    __doc__ = _halving_doc(
        "HalvingRandomSearchCV",
        """
    param_distributions : dict or list of dicts
        Parameter names mapped to distributions with an ``rvs`` method that
        takes ``random_state``, or to lists, as in RandomizedSearchCV.

    n_candidates : int or "exhaust", default="exhaust"
        Candidates of the first iteration; ``"exhaust"``: ``max_resources_
        // min_resources_``, so that the last iteration uses as much of the
        budget as it can.
""",
        """
    min_resources : int, "exhaust" or "smallest", default="smallest"
        The first budget. ``"smallest"``: 1 for a parameter, else ``2 *
        n_splits`` (times the number of classes for a classifier);
        ``"exhaust"``: the largest first budget that leaves the last
        iteration at most ``max_resources`` (not with
        ``n_candidates="exhaust"``).
""",
        """    >>> from scipy.stats import loguniform
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import SGDClassifier
    >>> from skauto.model_selection import HalvingRandomSearchCV
    >>> X, y = make_classification(n_samples=400, random_state=0)
    >>> search = HalvingRandomSearchCV(
    ...     SGDClassifier(tol=None, random_state=0), {"alpha": loguniform(1e-5, 1)},
    ...     resource="max_iter", max_resources=30, min_resources=3,
    ...     random_state=0,
    ... ).fit(X, y)
    >>> search.n_resources_, search.n_candidates_
    ([3, 9, 27], [10, 4, 2])""",
    )

    _parameter_constraints: dict = {
        **_Halving._parameter_constraints,
        "param_distributions": [dict, list],
        "n_candidates": [
            Interval(Integral, 0, None, closed="neither"),
            StrOptions({"exhaust"}),
        ],
    }

    def __init__(
        self,
        estimator,
        param_distributions,
        *,
        n_candidates="exhaust",
        factor=3,
        resource="n_samples",
        max_resources="auto",
        min_resources="smallest",
        aggressive_elimination=False,
        cv=5,
        scoring=None,
        refit=True,
        error_score=np.nan,
        return_train_score=True,
        random_state=None,
        n_jobs=None,
        verbose=0,
        early_stopping=False,
        schedule="sync",
        sampler="random",
        max_time=None,
    ):
        self._set_all(locals())
        self.param_distributions = param_distributions
        self.n_candidates = n_candidates

    def _sample(self, space, schedule, rng):
        if self.sampler == "random" or is_grid(space):  # RandomizedSearchCV's draws
            return scikit_learn_draws(space, schedule, self.random_state)
        return super()._sample(space, schedule, rng)

    def _halving_candidates(self, space):
        if self.n_candidates == self.min_resources == "exhaust":
            raise ValueError(
                "n_candidates and min_resources cannot be both set to 'exhaust'."
            )
        n = self.n_candidates
        if n == "exhaust":
            n = self.max_resources_ // self.min_resources_
        if is_grid(space):
            n = min(n, grid_size(space))
        return n

    def _asked_n_candidates(self):
        return None if self.n_candidates == "exhaust" else self.n_candidates
