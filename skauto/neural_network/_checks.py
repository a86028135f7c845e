"""What a self-tuning fit checks, and what it says when something is wrong.

Functions of the estimator (``est``) and its data, so that the estimator's
class holds its outline only.
"""

import math
import warnings
from numbers import Integral

import numpy as np
import scipy.sparse as sp
from sklearn.utils.validation import check_X_y

from .._compat import InvalidParameterError, check_sample_weight, validate_data
from ._data import folds_from_splits
from ._tabular import Table

# how X is checked: numbers, sparse or dense, missing values allowed
X_CHECKS = {
    "accept_sparse": "csr",
    "dtype": [np.float64, np.float32],
    "ensure_all_finite": "allow-nan",
}
# cv="auto": 4-fold cross-validation below 2,000 rows, a hold-out above.
_AUTO_FOLDS, _AUTO_FOLDS_BELOW = 4, 2000

RANGES = {
    # searched range: (integers?, lowest allowed value; 0 means "> 0")
    "hidden_size_range": (True, 1),
    "learning_rate_range": (False, 0),
    "alpha_range": (False, 0),
}


def check_ranges(est):
    """The searched ranges as (low, high) floats; InvalidParameterError else."""
    ranges = {}
    for name, (integer, low) in RANGES.items():
        value = getattr(est, name)
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
                f"The {name!r} parameter of {type(est).__name__} must be a "
                f"pair (low, high) of finite {kind} with {low} "
                f"{'<' if low == 0 else '<='} low <= high. Got {value!r} instead."
            )
        ranges[name] = (lo, hi)
    return ranges


def check_X(est, X, y, **kwargs):
    """Checked X: numbers (float, dense; NaN kept) and, for a table with
    categorical columns, their codes; at least 2 rows."""
    name = type(est).__name__
    est._table = Table(est.categorical_features).fit(X, name)
    codes = None
    try:
        if est._table is None:
            X, y = validate_data(est, X, y, **X_CHECKS, **kwargs)
        else:
            validate_data(est, X, skip_check_array=True)
            X, codes = est._table.split(X)
            X, y = check_X_y(X, y, ensure_min_features=0, **X_CHECKS, **kwargs)
    except ValueError as exc:
        if "could not convert" not in str(exc):
            raise
        raise ValueError(
            f"X holds values that are not numbers ({exc}). {name} takes "
            "categorical columns of a dataframe (category, object or string "
            "dtype), or those named in categorical_features; encode others "
            "first, for example with a OneHotEncoder in a ColumnTransformer."
        ) from exc
    if sp.issparse(X):
        if np.isnan(X.data).any():
            raise ValueError(
                f"X is sparse with missing values (NaN); {name} takes NaN in "
                "dense X only. Impute them, or pass a dense array."
            )
        X = X.toarray()
    if X.shape[0] < 2:
        raise ValueError(
            f"{name} needs at least 2 samples (one to train, one to "
            f"validate); got {X.shape[0]} sample."
        )
    table = None if codes is None else (codes, est._table.levels)
    return X, y, table


def check_weights(sample_weight, X):
    """Weights scaled to a largest of 1, or None when all are equal."""
    if sample_weight is None:
        return None
    w = check_sample_weight(sample_weight, X, ensure_non_negative=True)
    if not w.any():
        raise ValueError(
            "sample_weight is 0 on every row: nothing to train on. Give some "
            "rows a positive weight."
        )
    return None if np.all(w == w[0]) else w / w.max()  # scale-free, no overflow


def folds_of(est, X, Y, w, task):
    """``prepare``'s folds: 1 (a hold-out), k, or the user's splits."""
    n, cv = len(X), est.cv
    # k folds need two rows (of positive weight) in each
    fits = lambda k: n >= 2 * k and (w is None or np.count_nonzero(w) >= 2 * k)  # noqa: E731
    if cv == "auto":
        k = _AUTO_FOLDS if n < _AUTO_FOLDS_BELOW else 1
        return k if fits(k) else 1
    if cv is None:
        return 1
    if isinstance(cv, Integral):
        if not fits(cv):
            rows = "rows" if w is None else "rows of positive sample_weight"
            raise ValueError(
                f"cv={cv} needs at least {2 * cv} {rows} (2 per fold); got "
                f"{n if w is None else np.count_nonzero(w)}. Lower cv, or use "
                "cv=None for one hold-out split."
            )
        return int(cv)
    strata = task.strata(Y)
    return folds_from_splits(cv, X, Y[:, 0] if strata is None else strata)


def raise_if_all_diverged(est, executor):
    """ValueError when no candidate has a finite validation score."""
    if est.best_index_ is not None:
        return
    if executor.n_diverged() < len(executor.candidates):
        raise ValueError(
            "No candidate reached a finite validation score (their "
            "predictions on the validation rows overflowed). Check X for "
            "extreme values, or scale it."
        )
    raise ValueError(
        f"Every one of the {len(executor.candidates)} candidates diverged (NaN or "
        "infinite loss). Lower the top of learning_rate_range (now "
        f"{est.learning_rate_range[1]}), or check the scale of X and y."
    )


def warn(est, executor, data, task):
    """One warning per kind of trouble; never raises."""
    trace = executor.trace
    if trace.diverged:
        warnings.warn(
            f"{executor.n_diverged()} of {len(executor.candidates)} candidates "
            "diverged (NaN or infinite loss) and were dropped.",
            RuntimeWarning,
            stacklevel=5,
        )
    if trace.timed_out:
        warnings.warn(
            f"max_time={est.max_time} s reached: kept the best network so far.",
            UserWarning,
            stacklevel=5,
        )
    best = est.cv_results_["mean_test_score"][est.best_index_]
    if best < data.poor_score and not task.unweighted:
        weights = "" if data.w is None else ", and that enough rows have weight"
        warnings.warn(
            f"The chosen network's {task.poor_fit(best)}, so no candidate "
            "learned. Lower learning_rate_range (now "
            f"{tuple(est.learning_rate_range)}); if that does not help, "
            f"check X and y for extreme values{weights}.",
            UserWarning,
            stacklevel=5,
        )
