"""Raw tables: categorical columns, missing values.

:class:`Table` is fitted on the X given to ``fit``: which columns are
categorical (``categorical_features``: from the dtype of a dataframe's
columns, as in HistGradientBoosting, or given), and their levels; it splits a
table into its numeric columns (missing values kept as NaN) and the integer
codes of its categorical ones. :class:`Encoder`, fitted on the training rows,
turns those into numbers for the networks: a missing number is replaced by
its column's training median, with a column saying where it was missing; a
categorical column of at most ``_ONE_HOT_LEVELS`` levels is one-hot (as
scikit-learn's ``OneHotEncoder``: a level of its own for missing values, and
an unknown level at predict time is all zeros); a column of more levels has
its most frequent ``_ONE_HOT_LEVELS`` one-hot, its mean target per level
(cross-fitted on the training rows, shrunk towards the overall mean) and the
log of its count.
"""

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import OrdinalEncoder

_ONE_HOT_LEVELS = 64
# A level's mean target is shrunk towards the overall mean as if it had
# _SHRINK more rows at that mean (an m-estimate): a level of 3 rows says little.
_SHRINK = 10.0
# Cross-fitting folds of the target encoding with a hold-out.
_TARGET_FOLDS = 5
_MISSING, _UNKNOWN = -1, -2


def _is_frame(X):
    return hasattr(X, "columns") and hasattr(X, "shape") and not sp.issparse(X)


def _dtype_name(X, column):
    """Name of a dataframe column's dtype (pandas or polars)."""
    schema = getattr(X, "schema", None)
    if schema is not None and not hasattr(X, "dtypes"):  # polars
        return str(schema[column])
    return str(X[column].dtype)


def _categorical_by_dtype(X):
    """Columns of a dataframe whose dtype holds categories or text."""
    names = {"category", "object", "string", "str", "categorical", "enum", "utf8"}
    return np.array(
        [
            _dtype_name(X, c).split("[")[0].split("(")[0].lower() in names
            for c in X.columns
        ]
    )


def _column(X, j):
    """Column ``j`` of a dataframe or array, as a numpy array."""
    if _is_frame(X):
        col = X[list(X.columns)[j]]
        return np.asarray(col.to_numpy() if hasattr(col, "to_numpy") else col)
    return np.asarray(X)[:, j]


class Table:
    """Which columns of the table given to ``fit`` are categorical, and their
    levels (an ``OrdinalEncoder`` over them: missing values -1, levels
    unseen at ``fit`` -2)."""

    def __init__(self, categorical_features="from_dtype"):
        self.categorical_features = categorical_features

    def fit(self, X, name):
        """Find the categorical columns of ``X``; None when there are none."""
        self.mask = self._mask(X, name)
        if self.mask is None or not self.mask.any():
            return None
        self.encoder = OrdinalEncoder(
            handle_unknown="use_encoded_value",
            unknown_value=_UNKNOWN,
            encoded_missing_value=_MISSING,
            dtype=np.float64,
        ).fit(self._categorical(X))
        return self

    def _mask(self, X, name):
        given = self.categorical_features
        if given is None:
            return None
        if isinstance(given, str) and given == "from_dtype":
            return _categorical_by_dtype(X) if _is_frame(X) else None
        shape = (
            X.shape if hasattr(X, "shape") else np.shape(np.asarray(X, dtype=object))
        )
        n_features = shape[1] if len(shape) == 2 else 0
        given = np.asarray(given)
        if given.dtype == bool:
            if given.shape != (n_features,):
                raise ValueError(
                    f"categorical_features is a boolean mask of {given.size} values; "
                    f"X has {n_features} features."
                )
            return given
        mask = np.zeros(n_features, dtype=bool)
        names = [str(c) for c in X.columns] if _is_frame(X) else None
        for item in given.tolist():
            if isinstance(item, str):
                if names is None or item not in names:
                    raise ValueError(
                        f"categorical_features names {item!r}, which is not a column "
                        f"of X{'' if names is None else f' (its columns: {names})'}."
                    )
                mask[names.index(item)] = True
            elif isinstance(item, int) and -n_features <= item < n_features:
                mask[item] = True
            else:
                raise ValueError(
                    f"categorical_features holds {item!r}: give column indices in "
                    f"[0, {n_features}), column names, or a boolean mask ({name})."
                )
        return mask

    def _categorical(self, X):
        columns = np.flatnonzero(self.mask)
        values = np.empty((X.shape[0], len(columns)), dtype=object)
        for k, j in enumerate(columns):
            values[:, k] = _column(X, j)
        return values

    def split(self, X):
        """(numeric columns as float64, NaN kept; codes of the categorical
        ones as int64)."""
        codes = self.encoder.transform(self._categorical(X)).astype(np.int64)
        numeric = np.flatnonzero(~self.mask)
        num = np.empty((X.shape[0], len(numeric)))
        for k, j in enumerate(numeric):
            try:
                num[:, k] = _column(X, j).astype(np.float64)
            except (TypeError, ValueError) as exc:
                raise ValueError(
                    f"Column {j} of X is neither numbers nor categorical ({exc}); "
                    "give it a categorical dtype, or name it in "
                    "categorical_features."
                ) from None
        return num, codes

    @property
    def levels(self):
        """(levels, whether one is the missing value) of each categorical
        column, as found at fit."""
        out = []
        for cats in self.encoder.categories_:
            missing = len(cats) > 0 and _is_nan(cats[-1])
            out.append((len(cats) - missing, missing))
        return out


def _is_nan(value):
    try:
        return bool(value != value)
    except (TypeError, ValueError):
        return False


class Encoder:
    """Numbers for the networks from a table's numeric columns and codes
    (see the module's docstring); ``fit_transform`` gives the training rows
    their cross-fitted target encodings, ``transform`` any other rows."""

    def fit_transform(self, num, codes, levels, Y, folds):
        """Fit on the training rows (numeric columns ``num``, ``codes``, their
        ``levels`` from Table, scaled target ``Y``, the cross-fitting fold of
        each row in ``folds``); return their encoding."""
        self.median = None if sp.issparse(num) else np.nanmedian(num, axis=0)
        if self.median is not None:
            self.median = np.where(np.isnan(self.median), 0.0, self.median)
            self.flagged = np.flatnonzero(np.isnan(num).any(axis=0))
        self.columns = []  # per categorical column: (one-hot levels, missing?, means)
        for j, (n_levels, missing) in enumerate([] if codes is None else levels):
            counts = np.bincount(codes[:, j] + 2, minlength=n_levels + 2)[2:]
            if n_levels + missing <= _ONE_HOT_LEVELS:
                keep, means = np.arange(n_levels), None
            else:
                keep = np.argsort(-counts, kind="stable")[:_ONE_HOT_LEVELS]
                means = _level_sums(codes[:, j], n_levels, Y)
            self.columns.append((np.sort(keep), missing, means))
        self.prior = Y.mean(axis=0)
        return self._encode(num, codes, crossed=(Y, folds))

    def transform(self, num, codes):
        return self._encode(num, codes)

    def _encode(self, num, codes, crossed=None):
        if codes is None and (self.median is None or not len(self.flagged)):
            return num  # numbers alone, none missing at fit
        blocks = [np.where(np.isnan(num), self.median, num)]
        blocks.append(np.isnan(num[:, self.flagged]).astype(np.float64))
        for j, (keep, missing, means) in enumerate(self.columns):
            c = codes[:, j]
            blocks.append((c[:, None] == keep).astype(np.float64))
            if missing:
                blocks.append((c == _MISSING)[:, None].astype(np.float64))
            if means is not None:
                blocks.append(self._target(c, means, crossed))
        return np.hstack(blocks)

    def _target(self, c, means, crossed):
        """Mean target per level (shrunk towards the overall mean) and the log
        of the level's count; out-of-fold for the training rows."""
        sums, counts = means
        slot = c + 2  # 0: unknown (no rows at fit), 1: missing, 2...: levels
        s, n = sums[slot], counts[slot]
        if crossed is not None:  # take the row's own fold out
            Y, folds = crossed
            for f in np.unique(folds):
                own = folds == f
                f_sums, f_counts = _level_sums(c[own], len(counts) - 2, Y[own])
                s[own] -= f_sums[slot[own]]
                n[own] -= f_counts[slot[own]]
        encoded = (s + _SHRINK * self.prior) / (n + _SHRINK)[:, None]
        return np.hstack([encoded, np.log1p(n)[:, None]])


def _level_sums(c, n_levels, Y):
    """(sum of Y per slot, rows per slot); slots: unknown, missing, levels."""
    slot = c + 2
    counts = np.bincount(slot, minlength=n_levels + 2).astype(np.float64)
    sums = np.stack(
        [
            np.bincount(slot, weights=Y[:, k], minlength=n_levels + 2)
            for k in range(Y.shape[1])
        ],
        axis=1,
    )
    return sums, counts
