"""Search spaces: what scikit-learn's searches accept, checked and sampled.

A space is a dict, or a list of dicts, mapping parameter names to either a
list of values (a categorical or grid dimension) or a distribution with an
``rvs`` method (``scipy.stats.loguniform(1e-4, 1)``, ``randint(1, 10)``...).
A space whose values are all lists is a *grid*: it is enumerated (then
searched by halving, not exhaustively); any other space is sampled.

All randomness comes from one :class:`numpy.random.Generator` passed in by
the caller.
"""

from collections.abc import Mapping, Sequence

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.model_selection import ParameterGrid


def check_space(space, estimator=None, *, resource=None, name="param_distributions"):
    """Validate ``space`` and return it as a list of dicts.

    Raises a ValueError that names the offending value for an empty list, a
    dimension that is neither a non-empty list nor a distribution, a
    parameter ``estimator`` does not have, or a dimension that is also the
    ``resource`` (its value is set by the search). An empty dict is one
    candidate, the estimator as it is (as in GridSearchCV). ``name`` is the
    parameter the space came from, for the messages.
    """
    if isinstance(space, Mapping):
        space = [space]
    if isinstance(space, str) or not isinstance(space, Sequence) or not space:
        raise ValueError(
            f"{name} must be a dict or a non-empty list of dicts, got {space!r}"
        )
    dicts = []
    for sub in space:
        if not isinstance(sub, Mapping):
            raise ValueError(f"{name} must contain dicts, got {sub!r}")
        for name, values in sub.items():
            _check_dimension(name, values)
        dicts.append(dict(sub))
    known = estimator.get_params(deep=True) if estimator is not None else None
    if known is not None and not isinstance(estimator, BaseEstimator):
        known = None  # a minimal set_params may take any name: as GridSearchCV
    for sub in dicts:
        for name in sub:
            _check_name(name, sub, known, estimator, resource)
    return dicts


def _check_dimension(name, values):
    if hasattr(values, "rvs"):
        return
    if isinstance(values, str | bytes) or not isinstance(values, Sequence | np.ndarray):
        raise ValueError(
            f"Parameter {name!r}: expected a list of values or a distribution "
            f"with an rvs method, got {values!r}"
        )
    if len(values) == 0:
        raise ValueError(f"Parameter {name!r}: the list of values is empty")


def _check_name(name, sub, known, estimator, resource):
    if not isinstance(name, str):
        raise ValueError(f"Parameter names must be strings, got {name!r}")
    if resource is not None and name == resource:
        raise ValueError(
            f"Cannot use parameter {name} as the resource since it is part of "
            f"the searched parameters: the search sets the resource's value; "
            f"remove {name!r} from the space or choose another resource"
        )
    if known is None or name in known:
        return
    # A parameter of an estimator that the same dict puts in place
    # ({"clf": [SVC()], "clf__C": [...]}) is only known at set_params time;
    # so is one of a step with a minimal set_params (not a BaseEstimator),
    # which GridSearchCV lets set any name.
    prefix = name.rpartition("__")[0]
    if prefix and (
        name.split("__")[0] in sub
        or (prefix in known and not isinstance(known[prefix], BaseEstimator))
    ):
        return
    raise ValueError(
        f"Invalid parameter {name!r} for estimator {estimator!r}. Valid "
        f"parameters are: {sorted(known)!r}."
    )


def is_grid(space):
    """True when every dimension of the (checked) space is a list."""
    return all(not hasattr(v, "rvs") for sub in space for v in sub.values())


def grid_size(space):
    """Number of points of a grid space."""
    return len(ParameterGrid(space))


def sample_candidates(space, n_candidates, rng):
    """``n_candidates`` parameter dicts drawn from ``space`` with ``rng``.

    A grid is sampled without replacement (in a random order; the caller
    caps ``n_candidates`` at the grid size); the whole grid comes in
    GridSearchCV's order, so that ties are broken the same way. Otherwise
    each candidate picks one dict of the list uniformly, then one value per
    dimension: a uniform choice from a list, or ``dist.rvs(random_state=rng)``.
    """
    if is_grid(space):
        grid = ParameterGrid(space)
        if n_candidates > len(grid):
            raise ValueError(
                f"n_candidates={n_candidates} > {len(grid)} points in the grid"
            )
        if n_candidates == len(grid):  # GridSearchCV's order: its tie-breaks
            return list(grid)
        return [grid[int(i)] for i in _distinct(len(grid), n_candidates, rng)]
    return [
        _sample_one(space[rng.integers(len(space))], rng) for _ in range(n_candidates)
    ]


# a grid larger than this is sampled without listing its indices (a
# permutation of 10**9 indices is 8 GB)
_PERMUTED_BELOW = 10**6


def _distinct(n, k, rng):
    """``k`` distinct indices of ``range(n)`` in a random order: a prefix of
    a permutation for a small ``n``, else Floyd's algorithm (``k`` draws,
    memory in ``k``), shuffled."""
    if n < _PERMUTED_BELOW:
        return rng.permutation(n)[:k]
    chosen = {}
    for j in range(n - k, n):
        t = int(rng.integers(j + 1))
        chosen[j if t in chosen else t] = None
    picked = np.fromiter(chosen, dtype=np.int64, count=k)
    return picked[rng.permutation(k)]


def _sample_one(sub, rng):
    params = {}
    for name in sorted(sub):
        values = sub[name]
        if hasattr(values, "rvs"):
            params[name] = _rvs(values, rng)
        else:
            params[name] = values[rng.integers(len(values))]
    return params


def _rvs(dist, rng):
    try:
        value = dist.rvs(random_state=rng)
    except TypeError as error:  # as RandomizedSearchCV: no silent unseeded draws
        raise TypeError(
            f"The distribution {dist!r} cannot be sampled reproducibly: its rvs "
            f"must accept random_state, as scipy.stats distributions do ({error})"
        ) from error
    # numpy scalars as plain Python numbers: readable params, clean repr
    return value.item() if isinstance(value, np.generic) else value
