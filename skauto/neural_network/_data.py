"""Rows and columns for the self-tuning networks: splits, scaling, taming.

:func:`prepare` turns the checked X and target into the :class:`Data` a
fit trains and validates on, and the fitted :class:`Features` that
``predict`` applies to new rows.
"""

import functools
import warnings
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.preprocessing import SplineTransformer
from sklearn.utils.extmath import randomized_svd

from ._tabular import _TARGET_FOLDS, Encoder

# From _SPLINE_ROWS[0] to _SPLINE_ROWS[1] rows, every feature of at least
# _SPLINE_KNOTS distinct values is also fed to the networks as a cubic B-spline
# basis on _SPLINE_KNOTS quantile knots (8 columns): a smooth, piecewise
# encoding of each feature, like the numerical embeddings of RealMLP. Not
# when that adds more than _SPLINE_COLUMNS columns: the first layer's cost
# grows with its width.
_SPLINE_ROWS, _SPLINE_KNOTS, _SPLINE_COLUMNS = (500, 10_000), 6, 256


@dataclass
class Data:
    """The rows a fit trains and validates on, as the networks see them.

    With k folds (``row_folds``: the fold of each row) every row trains k - 1
    fold copies and validates one, so the validation rows are the training
    rows; with a hold-out they are separate.
    """

    X: np.ndarray  # training rows, float32
    y: np.ndarray  # scaled target, (n_train, n_outputs) float32
    w: np.ndarray | None  # training weights, mean 1
    X_val: np.ndarray
    y_val: np.ndarray
    w_val: np.ndarray | None  # validation weights, or None
    row_folds: np.ndarray | None  # fold of each row, None with a hold-out
    n_folds: int
    n_holdout: int  # validation rows of a hold-out; 0 with folds
    y_mean: np.ndarray  # the target's scaling, undone by predict
    y_scale: np.ndarray
    y_var_all: np.ndarray | None = None  # validation variance of each output
    y_var: np.ndarray | None = None  # ... one row per fold
    poor_score: float | None = None  # a score below this learned nothing
    n_outputs: int = 0  # the target's columns (y may add its twin's)
    twin: object = None  # the target's transformed twin (see _tasks.Log1p)
    back: object = None  # twin predictions -> the target's units (Population)

    @property
    def n_train(self):
        return len(self.X)


class Features:
    """What the networks see of X (after the ``Encoder`` of a table's
    categorical columns and missing values): each column winsorized at its
    4th smallest and largest training values (``_extremes``: no 3 rows set
    the scale of the others, nor what new rows extrapolate to), standardized
    by the mean and standard deviation of those values, and compressed beyond
    3 standard deviations (``_tame``); from 500 to 10,000 rows, the spline
    basis of the columns of 6 or more distinct values. With more columns than
    training rows, or than the population's first layer can hold in memory
    (``_memory``), their principal directions instead.
    """

    def __init__(self, mean, scale, low, high):
        self.mean, self.scale, self.low, self.high = mean, scale, low, high
        self.splines = self.projection = self.encoder = None

    def bound(self, z):
        """Standardized values within the bounds of the training values that
        are not outlying, then tamed (in place)."""
        return _tame(np.clip(z, self.low, self.high, out=z))

    def rows(self, X, rows):
        """float32 features of ``X[rows]`` (standardized values clipped to
        +-1e6), in chunks."""
        return self.expand(self.bound(_standardize(X, rows, self.mean, self.scale)))

    def transform(self, X, codes=None):
        """Features of new rows (dense or sparse; with a table's categorical
        codes), in X's float dtype."""
        if self.encoder is not None:
            X = self.encoder.transform(X, codes)
        X = X.toarray() if sp.issparse(X) else X
        return self.expand(
            self.bound((X - self.mean) / self.scale).astype(X.dtype, copy=False)
        )

    def fit_projection(self, Z, k):
        """Project onto the top ``k`` principal directions of the training
        features ``Z`` (at most their rank): a rotation that keeps the rows'
        geometry in their span, times one factor that makes the mean
        variance of the projected columns that of the columns (1)."""
        center = Z.mean(axis=0, dtype=np.float64)
        Zc = Z.astype(np.float64) - center
        if len(Z) <= Z.shape[1]:  # through the Gram matrix of the rows
            values, vectors = np.linalg.eigh(Zc @ Zc.T)
            order = np.argsort(values)[::-1][:k]
            s = np.sqrt(np.clip(values[order], 0, None))
            keep = s > 1e-6 * s.max()
            keep[0] = True
            directions = Zc.T @ (vectors[:, order[keep]] / np.maximum(s[keep], 1e-300))
        else:
            _, s, Vt = randomized_svd(Zc, k, random_state=0)
            keep = s > 1e-6 * s.max()
            keep[0] = True
            directions = Vt[keep].T
        total = (Zc**2).sum() / max(len(Z) - 1, 1)  # the columns' summed variance
        factor = np.sqrt(directions.shape[1] / total) if total > 0 else 1.0
        self.projection = center, (directions * factor).astype(np.float32)

    def fit_splines(self, Z, n, w):
        """Fit the spline basis on the training features ``Z`` of a fit on
        ``n`` rows, if it applies (see _SPLINE_ROWS)."""
        if not _SPLINE_ROWS[0] <= n < _SPLINE_ROWS[1]:
            return
        columns = [
            j for j in range(Z.shape[1]) if len(np.unique(Z[:, j])) >= _SPLINE_KNOTS
        ]
        if not columns or len(columns) * (_SPLINE_KNOTS + 2) > _SPLINE_COLUMNS:
            return
        splines = SplineTransformer(n_knots=_SPLINE_KNOTS, knots="quantile")
        splines.fit(Z[:, columns].astype(np.float64), sample_weight=w)
        self.splines = columns, splines

    def expand(self, Z):
        """``Z`` and, with splines, the spline basis of its columns (or, with
        a projection, ``Z``'s projection)."""
        if self.projection is not None:
            center, directions = self.projection
            return ((Z - center) @ directions).astype(Z.dtype)
        if self.splines is None:
            return Z
        columns, splines = self.splines
        basis = splines.transform(Z[:, columns].astype(np.float64))
        return np.hstack([Z, basis.astype(Z.dtype)])


def prepare(X, Y, w, task, rng, *, folds, n_val, max_features=None, table=None):
    """Split, scale (float32), encode; return the :class:`Data` and the
    fitted :class:`Features`.

    ``folds``: an int k > 1 (k interleaved folds of the rows in random,
    stratified order), 1 (a hold-out of ``n_val`` rows, every stratum with
    two rows or more on both sides), the fold of each row (the user's
    splits), or ``(validation rows, training rows)`` (the user's hold-out).
    More than ``max_features`` columns (with the spline basis), or more than
    training rows, are reduced: the spline basis dropped, then the columns
    projected on their principal directions (see Features). ``table``: the
    codes and levels of X's categorical columns (see ``_tabular``), or None.
    """
    n = len(X)
    train, val, row_folds = _split_rows(n, task.strata(Y), w, rng, folds, n_val)
    n_folds = 1 if row_folds is None else int(row_folds.max()) + 1
    folds = [np.arange(len(val))] if row_folds is None else [
        np.flatnonzero(row_folds == f) for f in range(n_folds)
    ]  # fmt: skip
    w_train = None if w is None else w[train]
    w_val = None if w is None else w[val]
    if w_val is not None and not all(w_val[r].any() for r in folds):
        _warn_unweighted_validation()
        w_val = None
    # X_fit[fit_rows] are the training rows of X, X_val[val_rows] the
    # validation rows (the training rows with folds); w_fit aligns with X_fit
    X_fit, fit_rows, w_fit, X_val, val_rows, encoder = X, train, w, X, val, None
    if table is not None or (not sp.issparse(X) and np.isnan(X).any()):
        codes, levels = (None, None) if table is None else table
        encoder = Encoder()
        cross = (
            np.arange(len(train)) % _TARGET_FOLDS if row_folds is None else row_folds
        )
        X_fit = encoder.fit_transform(
            X[train], None if codes is None else codes[train], levels, Y[train], cross
        )
        fit_rows, w_fit = np.arange(len(train)), w_train
        X_val, val_rows = X_fit, fit_rows
        if row_folds is None:
            X_val = encoder.transform(X[val], None if codes is None else codes[val])
            val_rows = np.arange(len(val))
    low, high = _extremes(X_fit, fit_rows)
    mean, scale = _mean_scale(X_fit, fit_rows, w_fit, bounds=(low, high))
    features = Features(mean, scale, (low - mean) / scale, (high - mean) / scale)
    features.encoder = encoder
    n_outputs = Y.shape[1]
    twin = task.twin(Y[train]) if hasattr(task, "twin") else None
    if twin is not None:  # the target and its twin, side by side
        Y = np.hstack([Y, twin.forward(Y)])
    y_mean, y_scale = task.target_scale(Y, train, w)
    Z = features.bound(_standardize(X_fit, fit_rows, mean, scale))
    w_train = None if w is None else (w_train / w_train.mean()).astype(np.float32)
    if task.splines:
        features.fit_splines(Z, n, w_train)
    # more columns than rows: their span holds all the first layer learns
    k = min(len(train), max_features or np.inf)
    if features.expand(Z[:1]).shape[1] > k:
        features.splines = None  # too wide for splines: the columns alone
        if Z.shape[1] > k:
            features.fit_projection(Z, int(k))
    y_train = _standardize(Y, train, y_mean, y_scale)
    data = Data(
        X=features.expand(Z),
        y=y_train,
        w=w_train,
        X_val=None,
        y_val=None,
        w_val=w_val,
        row_folds=row_folds,
        n_folds=n_folds,
        n_holdout=len(val) if n_folds == 1 else 0,
        y_mean=y_mean,
        y_scale=y_scale,
        n_outputs=n_outputs,
        twin=twin,
    )
    if twin is not None:
        data.back = functools.partial(_back, twin, y_mean, y_scale)
    if row_folds is None:
        data.X_val = features.rows(X_val, val_rows)
        data.y_val = _standardize(Y, val, y_mean, y_scale)
    else:
        data.X_val, data.y_val = data.X, data.y
    # one variance for every fold: a fold of a few rows near the mean
    # would make its R2 meaningless
    data.y_var_all = task.variance(data)
    data.y_var = np.tile(data.y_var_all, (len(folds), 1))
    data.poor_score = task.poor_score(data)
    return data, features


# Quantiles of the residuals that correct the bias of transforming back
# (Duan's smearing: the mean of the inverse over the residuals).
_SMEAR_LEVELS = (np.arange(16) + 0.5) / 16


def _back(twin, y_mean, y_scale, z, y_fit):
    """Standardized twin predictions ``z`` (rows, k) in the target's
    standardized units: the inverse transform, averaged over the quantiles
    of the candidates' residuals on ``y_fit`` (Duan's smearing estimate),
    cross-fitted: the rows of each half take the quantiles of the other
    half, so that a twin's score is not flattered by correcting its bias on
    the very rows that score it."""
    residuals = (y_fit - z) * y_scale[1]
    t = z * y_scale[1] + y_mean[1]
    y = np.empty_like(t)
    even = np.arange(len(z)) % 2 == 0
    for part, other in ((even, ~even), (~even, even)):
        source = residuals[other] if other.any() else residuals
        y[part] = twin.smeared(t[part], np.quantile(source, _SMEAR_LEVELS, axis=0))
    return (y - y_mean[0]) / y_scale[0]


def _warn_unweighted_validation():
    warnings.warn(
        "sample_weight is positive on a single row, which trains the "
        "networks; the validation rows, all of weight 0, score them "
        "without weights. Give more rows a positive weight for a weighted "
        "validation score.",
        UserWarning,
        stacklevel=5,
    )


def stratified_order(strata, rng):
    """A random order of the rows in which every prefix, and every residue
    class modulo k, holds each stratum in about its overall proportion.

    Rows of one stratum get evenly spaced keys in [0, 1) with a random offset
    and a random order among themselves; sorting the keys interleaves them.
    """
    keys = np.empty(len(strata))
    for value in np.unique(strata):
        rows = rng.permutation(np.flatnonzero(strata == value))
        keys[rows] = (np.arange(len(rows)) + rng.random()) / len(rows)
    return np.argsort(keys, kind="stable")


def _split(n, n_val, w, rng, order=None):
    """Validation and training rows: the first ``n_val`` of ``order`` (a
    random permutation if None) and the rest.

    With zero weights, a split that left one side without weight is redrawn
    so that both sides get positive-weight rows in proportion (the training
    side first, when a single row has weight).
    """
    order = rng.permutation(n) if order is None else order
    val, train = order[:n_val], order[n_val:]
    if w is None or (w[val].any() and w[train].any()):
        return val, train
    pos, zero = order[w[order] > 0], order[w[order] == 0]
    low = max(n_val - len(zero), 1 if len(pos) > 1 else 0)
    k = int(np.clip(round(len(pos) * n_val / n), low, min(len(pos) - 1, n_val)))
    val = np.concatenate([pos[:k], zero[: n_val - k]])
    train = np.concatenate([pos[k:], zero[n_val - k :]])
    return val, train


def _variance(y, w=None):
    """(Weighted) variance of each column of y, float64; 1 where it is 0."""
    y = y.astype(np.float64)
    if w is None:
        var = y.var(axis=0)
    else:
        mean = w @ y / w.sum()
        var = w @ (y - mean) ** 2 / w.sum()
    return np.where(var > 0, var, 1.0)


def _chunks(rows, size=65536):
    return (rows[i : i + size] for i in range(0, len(rows), size))


# A training row i lies at most sqrt(sum(w) / w_i) standard deviations from
# the weighted mean (sqrt(n) without weights), so clipping at 1e6 changes no
# training value unless its weight is below 1e-12 of the total; it keeps a
# wild validation row (X of 1e200 where training saw 1) finite in float32.
_CLIP = 1e6


def _standardize(a, rows, mean, scale):
    """float32 ``(a[rows] - mean) / scale`` clipped to +-1e6, in chunks."""
    out = np.empty((len(rows), a.shape[1]), dtype=np.float32)
    start = 0
    for chunk in _chunks(rows):
        z = (a[chunk] - mean) / scale
        out[start : start + len(chunk)] = np.clip(z, -_CLIP, _CLIP)
        start += len(chunk)
    return out


def _tame(z, t=3.0):
    """Identity on [-t, t], logarithmic beyond, in place.

    A standardized feature value of 50 (a typo, a heavy tail) becomes 6.8: it
    keeps its order but no longer dominates a ReLU network's extrapolation.
    """
    big = np.abs(z) > t
    z[big] = np.sign(z[big]) * (t + np.log1p(np.abs(z[big]) - t))
    return z


def _extremes(a, rows, block=16):
    """Per column, the bounds of the values that are not outlying: its
    (m+1)-th smallest and largest values (m = max(3, 0.1% of the rows)),
    which no 3 rows can move. A column whose values are all one but for m
    rows or fewer (a rare level's indicator) is not bounded: its min and max."""
    n = len(rows)
    m = min(max(3, int(np.ceil(0.001 * n))), (n - 1) // 2)
    lo, hi = np.empty(a.shape[1]), np.empty(a.shape[1])
    for j in range(0, a.shape[1], block):
        cols = a[rows, j : j + block].astype(np.float64)
        part = np.partition(cols, [0, m, n - 1 - m, n - 1], axis=0)
        low, high = part[m], part[n - 1 - m]
        flat = high == low
        lo[j : j + block] = np.where(flat, part[0], low)
        hi[j : j + block] = np.where(flat, part[n - 1], high)
    return lo, hi


def _mean_scale(a, rows, w=None, bounds=None):
    """(Weighted) mean and standard deviation of the columns of ``a[rows]``,
    clipped to ``bounds`` (low, high) if given.

    Computed in chunks, merged with Chan et al.'s update, on the columns
    divided by their largest magnitude (so that values of 1e200 do not
    overflow when squared); constant columns get a scale of 1.
    """

    def part(chunk):
        return a[chunk] if bounds is None else np.clip(a[chunk], *bounds)

    peak = np.zeros(a.shape[1])
    for chunk in _chunks(rows):
        peak = np.maximum(peak, np.abs(part(chunk)).max(axis=0, initial=0.0))
    peak = np.where(peak > 0, peak, 1.0)
    total, mean, m2 = 0.0, 0.0, 0.0
    for chunk in _chunks(rows):
        block = part(chunk) / peak
        wb = np.ones(len(chunk)) if w is None else w[chunk]
        wsum = wb.sum()
        if wsum == 0:
            continue
        bmean = wb @ block / wsum
        bm2 = wb @ (block - bmean) ** 2
        delta, merged = bmean - mean, total + wsum
        mean = mean + delta * wsum / merged
        m2 = m2 + bm2 + delta**2 * total * wsum / merged
        total = merged
    scale = np.sqrt(m2 / total) * peak
    return mean * peak, np.where(scale > 0, scale, 1.0)


def folds_from_splits(cv, X, y):
    """``prepare``'s folds from a splitter or a list of (train, test) splits.

    Two splits or more must be folds: every row in exactly one test set, and
    trained on in every other split (KFold, StratifiedKFold, GroupKFold...);
    one split is a hold-out (its test rows validate, its training rows
    train). Returns the fold of each row, or (validation rows, training rows).
    """
    n = len(X)
    splits = list(cv.split(X, y)) if hasattr(cv, "split") else list(cv)
    splits = [tuple(_indices(part, n) for part in split) for split in splits]
    where = f"cv={cv!r}" if hasattr(cv, "split") else "the splits given as cv"
    if len(splits) == 1:
        train, test = splits[0]
        if not len(train) or not len(test) or np.intersect1d(train, test).size:
            raise ValueError(
                f"{where} gives one split whose training and test rows must be "
                "non-empty and disjoint."
            )
        return test, train
    row_folds = np.full(n, -1)
    for f, (train, test) in enumerate(splits):
        complement = len(train) + len(test) == n and np.union1d(train, test).size == n
        if (row_folds[test] >= 0).any() or not complement:
            row_folds[:] = -2
            break
        row_folds[test] = f
    if (row_folds < 0).any():
        raise ValueError(
            f"{where} must split the rows into folds: each row in exactly one "
            "test set and in the training set of every other split (as KFold, "
            "StratifiedKFold or GroupKFold do), or give a single (train, test) "
            "split. Overlapping test sets (ShuffleSplit), rows in no test set "
            "or training sets that leave rows out (TimeSeriesSplit) cannot be "
            "trained as fold copies."
        )
    return row_folds


def _indices(part, n):
    """A split's rows as an int array of indices into n rows (or a mask)."""
    part = np.asarray(part)
    if part.dtype == bool and part.shape == (n,):
        return np.flatnonzero(part)
    if part.ndim != 1 or (part.size and part.dtype.kind not in "iu"):
        raise ValueError(
            "cv must give (train, test) splits as 1-D arrays of row indices; got "
            f"an array of shape {part.shape} and dtype {part.dtype}."
        )
    if part.size and (part.min() < -n or part.max() >= n):
        raise ValueError(f"cv gives row indices outside the {n} rows of X.")
    return part % n if part.size else part.astype(np.int64)


def _split_rows(n, strata, w, rng, folds, n_val):
    """(training rows, validation rows, fold of each row or None); see prepare."""
    if isinstance(folds, tuple):
        return folds[1], folds[0], None
    if isinstance(folds, np.ndarray):
        rows = np.arange(n)
        return rows, rows, folds
    order = rng.permutation(n) if strata is None else stratified_order(strata, rng)
    if folds > 1:  # every row trains k - 1 copies, scores one
        if w is not None:  # rows of positive weight spread over the folds
            order = order[np.argsort(w[order] == 0, kind="stable")]
        return order, order, np.arange(n) % folds
    val, train = _split(n, n_val, w, rng, order)
    if strata is not None:
        val, train = _cover(val, train, strata)
    return train, val, None


def _cover(val, train, strata):
    """The hold-out with every stratum on the training side, and every
    stratum of two rows or more on both sides.

    A rare class (3 rows of 3,000) may get no validation row from a
    stratified order; then nothing checks how its rows are predicted (or, on
    the other side, nothing learns them). A stratum missing from one side
    takes a row from the other, in exchange for a row of the stratum most
    represented on that side.
    """
    val, train = val.copy(), train.copy()
    for value in np.unique(strata):
        if not (strata[train] == value).any():
            _swap(val, train, value, strata)
        if not (strata[val] == value).any() and (strata[train] == value).sum() > 1:
            _swap(train, val, value, strata)
    return val, train


def _swap(src, dst, value, strata):
    """Exchange a row of stratum ``value`` in ``src`` for one of ``dst``'s most
    frequent stratum (if it has two rows there), in place."""
    kinds, counts = np.unique(strata[dst], return_counts=True)
    if not len(counts) or counts.max() < 2:
        return
    i = np.flatnonzero(strata[src] == value)[0]
    j = np.flatnonzero(strata[dst] == kinds[np.argmax(counts)])[-1]
    src[i], dst[j] = dst[j], src[i]
