"""GridSearchCV and RandomizedSearchCV: AutoSearchCV under scikit-learn's names.

Code written for scikit-learn's searches switches by changing an import:
the same constructor, positional and keyword arguments, with the same
defaults, over AutoSearchCV's engine (successive halving, survivors that
continue). AutoSearchCV's own knobs come after, keyword-only.
"""

import numpy as np
from sklearn.model_selection import ParameterGrid, ParameterSampler
from sklearn.utils import check_random_state

from .._space import is_grid
from ._search import AutoSearchCV

# AutoSearchCV's columns of cv_results_ that scikit-learn's searches lack
# (they stay in rung_results_)
_OWN_COLUMNS = (
    "bracket",
    "candidate",
    "iter",
    "n_resources",
    "status",
    "start_time",
    "end_time",
)

_SHARED_DOC = """
    scoring : str, callable, list, tuple or dict, default=None
        As in scikit-learn's searches.

    n_jobs : int, default=None
        As in scikit-learn's searches; the backend is never chosen here.

    refit : bool, str or callable, default=True
        As in scikit-learn's searches; see :class:`AutoSearchCV` for the
        budget of the refit.

    cv : int, cross-validation generator or iterable, default=None
        As in scikit-learn's searches (None: 5-fold).

    verbose : int, default=0
        As in scikit-learn's searches, plus one line per rung.

    pre_dispatch : int or str, default="2*n_jobs"
        As in scikit-learn's searches."""

_ERROR_DOC = """
    error_score : "raise" or float, default=np.nan
        As in scikit-learn's searches.

    return_train_score : bool, default=False
        As in scikit-learn's searches."""

_SKAUTO_DOC = """
    resource : str, default="auto"
        What the budget counts; see :class:`AutoSearchCV`.

    min_resources : int, "auto", "exhaust" or "smallest", default="auto"
        Budget of the first rung; see :class:`AutoSearchCV`.

    max_resources : int or "auto", default="auto"
        Budget of the last rung; see :class:`AutoSearchCV`.

    factor : float, default=3
        Elimination rate; see :class:`AutoSearchCV`.

    n_brackets : int or "auto", default=1
        Number of Hyperband brackets; see :class:`AutoSearchCV`.

    early_stopping : bool, default=True
        Stop a candidate whose score fell; see :class:`AutoSearchCV`.

    schedule : {"sync", "async"}, default="sync"
        Rung by rung, or without barriers; see :class:`AutoSearchCV`.

    sampler : {"random", "tpe"}, default="random"
        Where new candidates come from; see :class:`AutoSearchCV`.

    max_time : float or None, default=None
        Budget in seconds; see :class:`AutoSearchCV`."""

_ATTRIBUTES_DOC = """
    Attributes
    ----------
    cv_results_ : dict of numpy (masked) ndarrays
        One row per candidate, with the keys of scikit-learn's searches only
        (AutoSearchCV's ``candidate``, ``iter``, ``n_resources``,
        ``bracket``, ``status``, ``start_time`` and ``end_time`` are in
        ``rung_results_``).

    rung_results_, best_estimator_, best_score_, best_params_, best_index_, \
scorer_, n_splits_, refit_time_, multimetric_, resource_, min_resources_, \
max_resources_, n_brackets_, n_resources_, n_candidates_, n_iterations_, \
plan_, classes_, n_features_in_, feature_names_in_ : see AutoSearchCV
        The fitted attributes of :class:`AutoSearchCV`."""


def scikit_learn_draws(space, schedule, random_state):
    """The candidates of each bracket drawn by scikit-learn's
    ParameterSampler, seeded as RandomizedSearchCV seeds it: the first
    bracket gets the candidates RandomizedSearchCV would sample."""
    random_state = check_random_state(random_state)
    return [
        params
        for bracket in schedule.brackets
        for params in ParameterSampler(
            space, len(bracket.candidates), random_state=random_state
        )
    ]


def check_like_scikit_learn(space, name):
    """scikit-learn's errors (types and messages) for a malformed space:
    ParameterGrid's for lists, ParameterSampler's for distributions."""
    dicts = space if isinstance(space, list) else [space]
    if name == "param_distributions":
        ParameterSampler(space, 1)
    elif all(isinstance(d, dict) for d in dicts):
        ParameterGrid(
            [{k: v for k, v in d.items() if not hasattr(v, "rvs")} for d in dicts]
        )


class _ScikitLearnConstructor(AutoSearchCV):
    """AutoSearchCV whose subclass's ``__init__`` takes scikit-learn's names."""

    _callback_group = "search"  # the callbacks' tasks named as scikit-learn's

    def _space_argument(self):
        space, name = super()._space_argument()
        check_like_scikit_learn(space, name)
        return space, name

    def _published(self, results):
        """``cv_results_`` with the keys of scikit-learn's searches only."""
        return {k: v for k, v in results.items() if k not in _OWN_COLUMNS}

    def _set_shared(self, values):
        super(AutoSearchCV, self).__init__(
            estimator=values["estimator"],
            scoring=values["scoring"],
            n_jobs=values["n_jobs"],
            refit=values["refit"],
            cv=values["cv"],
            verbose=values["verbose"],
            pre_dispatch=values["pre_dispatch"],
            error_score=values["error_score"],
            return_train_score=values["return_train_score"],
        )
        for name in [
            "resource", "min_resources", "max_resources", "factor", "n_brackets",
            "early_stopping", "schedule", "sampler", "max_time", "random_state",
        ]:  # fmt: skip
            setattr(self, name, values[name])


class GridSearchCV(_ScikitLearnConstructor):
    __doc__ = (
        """AutoSearchCV with the constructor of scikit-learn's GridSearchCV.

    Replaces :class:`sklearn.model_selection.GridSearchCV` by changing the
    import: the grid is searched by successive halving (see
    :class:`AutoSearchCV`), exhaustively where halving would not pay (fewer
    than ``factor**2`` points, or small data with ``n_samples``).

    Parameters
    ----------
    estimator : estimator object
        The estimator to tune, cloned for every fit.

    param_grid : dict or list of dicts
        Parameter names mapped to lists of values, as in GridSearchCV
        (distributions with ``rvs`` are accepted too); ``{}`` is the
        estimator as it is.
"""
        + _SHARED_DOC
        + "\n"
        + _ERROR_DOC
        + "\n"
        + _SKAUTO_DOC
        + """

    random_state : int, RandomState instance or None, default=None
        Seeds the search (the order of a partial grid, the subsamples).
"""
        + _ATTRIBUTES_DOC
        + """

    See Also
    --------
    AutoSearchCV : The same search under skauto's names.
    RandomizedSearchCV : The same under RandomizedSearchCV's constructor.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.svm import SVC
    >>> from skauto.model_selection import GridSearchCV
    >>> X, y = load_iris(return_X_y=True)
    >>> search = GridSearchCV(SVC(), {"kernel": ("linear", "rbf"), "C": [1, 10]})
    >>> search.fit(X, y).best_params_
    {'C': 1, 'kernel': 'linear'}
    >>> len(search.cv_results_["params"])
    4
    """
    )

    def __init__(
        self,
        estimator,
        param_grid,
        *,
        scoring=None,
        n_jobs=None,
        refit=True,
        cv=None,
        verbose=0,
        pre_dispatch="2*n_jobs",
        error_score=np.nan,
        return_train_score=False,
        resource="auto",
        min_resources="auto",
        max_resources="auto",
        factor=3,
        n_brackets=1,
        early_stopping=True,
        schedule="sync",
        sampler="random",
        max_time=None,
        random_state=None,
    ):
        self._set_shared(locals())
        self.param_grid = param_grid


class RandomizedSearchCV(_ScikitLearnConstructor):
    __doc__ = (
        """AutoSearchCV with the constructor of scikit-learn's RandomizedSearchCV.

    Replaces :class:`sklearn.model_selection.RandomizedSearchCV` by changing
    the import: ``n_iter`` candidates (10 by default, as there) are sampled
    and searched by successive halving (see :class:`AutoSearchCV`).

    Parameters
    ----------
    estimator : estimator object
        The estimator to tune, cloned for every fit.

    param_distributions : dict or list of dicts
        Parameter names mapped to distributions whose ``rvs`` takes
        ``random_state`` (``scipy.stats``) or to lists, as in
        RandomizedSearchCV.

    n_iter : int, default=10
        Number of candidates sampled (of the first rung), at most the size of
        a grid of lists.
"""
        + _SHARED_DOC
        + """

    random_state : int, RandomState instance or None, default=None
        Seeds the sampling of the candidates and the subsamples.
"""
        + _ERROR_DOC
        + "\n"
        + _SKAUTO_DOC
        + "\n"
        + _ATTRIBUTES_DOC
        + """

    See Also
    --------
    AutoSearchCV : The same search under skauto's names.
    GridSearchCV : The same under GridSearchCV's constructor.

    Examples
    --------
    >>> from scipy.stats import loguniform
    >>> from sklearn.datasets import make_regression
    >>> from sklearn.linear_model import Ridge
    >>> from skauto.model_selection import RandomizedSearchCV
    >>> X, y = make_regression(n_samples=200, noise=10, random_state=0)
    >>> search = RandomizedSearchCV(
    ...     Ridge(), {"alpha": loguniform(1e-3, 1e2)}, random_state=0
    ... ).fit(X, y)
    >>> len(search.cv_results_["params"])
    10
    """
    )

    def __init__(
        self,
        estimator,
        param_distributions,
        *,
        n_iter=10,
        scoring=None,
        n_jobs=None,
        refit=True,
        cv=None,
        verbose=0,
        pre_dispatch="2*n_jobs",
        random_state=None,
        error_score=np.nan,
        return_train_score=False,
        resource="auto",
        min_resources="auto",
        max_resources="auto",
        factor=3,
        n_brackets=1,
        early_stopping=True,
        schedule="sync",
        sampler="random",
        max_time=None,
    ):
        self._set_shared(locals())
        self.param_distributions = param_distributions
        self.n_iter = n_iter

    def _sample(self, space, schedule, rng):
        if self.sampler == "random" or is_grid(space):  # RandomizedSearchCV's draws
            return scikit_learn_draws(space, schedule, self.random_state)
        return super()._sample(space, schedule, rng)
