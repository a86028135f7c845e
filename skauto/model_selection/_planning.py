"""Planning a search before its first fit: the resource, the budget range,
the number of candidates and the schedule (AutoSearchCV's mixin)."""

import math
import warnings
from numbers import Integral

import numpy as np

from .._advance import auto_resource
from .._compat import IntervalNotBool
from .._execution import min_valid_size
from .._schedule import Hyperband, SuccessiveHalving, n_rungs_between
from .._space import grid_size, is_grid

# min_resources="auto" aims at this many rungs: one more for a parameter,
# whose small first budgets are cheap and, with early stopping and the best
# row picked at any budget, cost no accuracy; subsamples stay larger
_AUTO_RUNGS = {"parameter": 5, "n_samples": 4}
# min_resources="auto" subsamples no fewer training samples than this: below
# it a fit costs about as much as on the whole fold (the per-call overhead of
# a solver dominates), so halving's extra fits would cost more than it saves
_MIN_AUTO_SUBSAMPLE = 1000
_POSITIVE_INT = IntervalNotBool(Integral, 1, None, closed="left")
# with a single rung, "at least factor**2 candidates" is capped (factor=1e9)
_MAX_AUTO_EXTRA = 27


# more candidates than this in a first rung is a mistake (a typo, a power
# of ten too many), not a search: each holds its parameters, and 10**6
# candidates x 5 folds are already five million fits
MAX_CANDIDATES = 10**6


def check_n_candidates(n, n_splits):
    """A ValueError naming the count when ``n`` candidates are too many."""
    if n > MAX_CANDIDATES:
        raise ValueError(
            f"n_candidates={n} is more candidates than a search can hold or run "
            f"(at most {MAX_CANDIDATES:,}; {n:,} x {n_splits} folds would be "
            f"{n * n_splits:,} fits in the first rung alone): ask for fewer"
        )


def _power(factor, k):
    """``factor**k``, or inf where it would overflow a float (factor=1e300)."""
    if k * math.log(factor) > 700:
        return math.inf
    return factor**k


class _PlanningMixin:
    """Resolve ``resource_``, ``min_resources_``, ``max_resources_`` and make
    the schedule (the methods of AutoSearchCV that plan)."""

    def _pick_resource(self, space):
        if self.resource != "auto":
            return self.resource
        dicts = [space] if isinstance(space, dict) else space
        searched = {name for sub in dicts if isinstance(sub, dict) for name in sub}
        return auto_resource(self.estimator, searched)

    def _resolve_budget(self, splits, orders, labels, space):
        """Set ``min_resources_`` and ``max_resources_``; ValueError if unusable."""
        if orders is None:
            current = self.estimator.get_params()[self.resource_]
            max_r = current if self.max_resources == "auto" else self.max_resources
            if isinstance(max_r, bool) or not isinstance(max_r, Integral) or max_r < 1:
                raise ValueError(
                    f"max_resources='auto' takes the estimator's "
                    f"{self.resource_}={current!r}, which is not a positive "
                    f"integer: set max_resources"
                )
            floor = valid = 1
        else:
            max_r, floor, valid = self._sample_budget(splits, orders, labels)
        min_r = self._min_budget(max_r, max(floor, valid), space, orders is None)
        if min_r < valid:
            raise ValueError(
                f"min_resources={min_r} is too small for the cv splits: a "
                f"training subsample needs at least {valid} samples for every "
                f"class of every one of the {len(splits)} training folds to be in it"
            )
        if min_r > max_r:
            raise ValueError(f"min_resources_={min_r} > max_resources_={max_r}")
        self.min_resources_, self.max_resources_ = int(min_r), int(max_r)

    def _min_budget(self, max_r, smallest, space, is_param):
        """``min_resources`` resolved: an int, or what its string option means."""
        if not isinstance(self.min_resources, str):
            return self.min_resources
        n = self._known_n_candidates(space)
        if self.min_resources == "smallest" or (
            self.min_resources == "exhaust" and n is None
        ):
            return min(max_r, smallest)
        if self.min_resources == "exhaust":  # the last rung gets max_resources
            n_rungs = 1 + int(math.floor(math.log(n) / math.log(self.factor) + 1e-9))
            top = max_r // _power(self.factor, n_rungs - 1)
            return min(max_r, max(smallest, int(top)))
        if not is_param and n is not None and n < _power(self.factor, 2):
            # refitted from scratch, fewer than factor**2 candidates gain
            # little from halving and pay its extra fits: one exhaustive rung
            return max_r
        n_rungs = _AUTO_RUNGS["parameter" if is_param else "n_samples"]
        auto = int(max_r / _power(self.factor, n_rungs - 1))
        if not is_param:
            auto = max(auto, _MIN_AUTO_SUBSAMPLE)
        return min(max_r, max(smallest, auto))

    def _known_n_candidates(self, space):
        """Candidates of the first rung when known before planning, else None."""
        grid = grid_size(space) if is_grid(space) else None
        asked = self._asked_n_candidates()
        if asked is None:
            return grid
        return asked if grid is None else min(asked, grid)

    def _asked_n_candidates(self):
        """n_candidates, or n_iter (RandomizedSearchCV's name); None for "auto"."""
        n_iter = getattr(self, "n_iter", None)
        n_candidates = getattr(self, "n_candidates", "auto")
        if n_iter is not None and n_candidates != "auto":
            raise ValueError(
                f"n_iter={n_iter} and n_candidates={n_candidates!r} "
                "both set the number of candidates: set only one"
            )
        if n_iter is not None:
            return n_iter
        return None if n_candidates == "auto" else n_candidates

    def _sample_budget(self, splits, orders, labels):
        # an empty training fold fails its fits, as in GridSearchCV
        n_train = min((len(t) for t, _ in splits if len(t)), default=0)
        valid = 1 if labels is None else min_valid_size(orders, labels)
        max_r = n_train if self.max_resources == "auto" else self.max_resources
        if max_r > n_train:
            raise ValueError(
                f"max_resources={max_r} > {n_train} samples in the smallest "
                f"training fold of the {len(splits)} cv splits"
            )
        if self.max_resources == "auto":
            # the last rung uses whole folds; a subsample below them needs
            # every class, or there is none (one rung of whole folds)
            valid = min(valid, max_r)
        elif max_r < valid:
            raise ValueError(
                f"max_resources={max_r} is too small for the cv splits: a "
                f"training subsample needs at least {valid} samples for every "
                f"class of every one of the {len(splits)} training folds to be in it"
            )
        floor = 20 if labels is None else 10 * len(np.unique(labels))
        return max_r, floor, valid

    def _make_schedule(self, space, advance):
        """SuccessiveHalving, or Hyperband when more than one bracket fits;
        with ``early_stopping`` unless the budget is the rows (subsamples)."""
        min_r, max_r, factor = self.min_resources_, self.max_resources_, self.factor
        grid = grid_size(space) if is_grid(space) else None
        n_rungs = n_rungs_between(min_r, max_r, factor)
        n_brackets = n_rungs if self.n_brackets == "auto" else self.n_brackets
        self.n_brackets_ = min(n_brackets, n_rungs)
        asked = self._asked_n_candidates()
        stops = self.early_stopping and advance.mode != "subsample"
        if asked is not None:
            check_n_candidates(min(asked, grid or asked), self.n_splits_)
        if self.n_brackets_ == 1:
            n = self._n_candidates_for(grid, n_rungs, asked)
            return SuccessiveHalving(
                n, min_r, max_r, factor, fill=True, early_stopping=stops
            )
        return Hyperband(
            min_r,
            max_r,
            factor,
            n_brackets=self.n_brackets_,
            n_candidates=asked,
            max_candidates=grid,
            early_stopping=stops,
        )

    def _n_candidates_for(self, grid, n_rungs, asked):
        if asked is None:
            extra = math.ceil(min(_power(self.factor, 2), _MAX_AUTO_EXTRA))
            n = max(math.ceil(_power(self.factor, n_rungs - 1)), extra)
            return grid if grid is not None else n
        if grid is not None and asked > grid:
            name = "n_candidates" if getattr(self, "n_iter", None) is None else "n_iter"
            warnings.warn(
                f"{name}={asked} is larger than the grid of "
                f"{grid} points: searching the {grid} points",
                UserWarning,
                stacklevel=3,
            )
            return grid
        return asked
