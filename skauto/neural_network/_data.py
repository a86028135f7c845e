"""Rows and columns for the self-tuning networks: splits, scaling, taming."""

import numpy as np


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


def _mean_scale(a, rows, w=None):
    """(Weighted) mean and standard deviation of the columns of ``a[rows]``.

    Computed in chunks, merged with Chan et al.'s update, on the columns
    divided by their largest magnitude (so that values of 1e200 do not
    overflow when squared); constant columns get a scale of 1.
    """
    peak = np.zeros(a.shape[1])
    for chunk in _chunks(rows):
        peak = np.maximum(peak, np.abs(a[chunk]).max(axis=0, initial=0.0))
    peak = np.where(peak > 0, peak, 1.0)
    total, mean, m2 = 0.0, 0.0, 0.0
    for chunk in _chunks(rows):
        block = a[chunk] / peak
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
