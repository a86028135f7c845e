"""Where new candidates come from: random draws, or a model of the results so far.

:class:`DensityRatioSampler` is the TPE-like sampler of BOHB (Falkner, Klein
and Hutter 2018): the results at the largest budget that has enough of them
are split into the best ``gamma`` share (*good*) and the rest (*bad*); a
kernel density estimate of each, in the prior's quantile space, gives
``l(x)`` and ``g(x)``; the new candidate is the one of ``n_draws`` draws
from ``l`` (with wider kernels) that maximizes ``l(x) / g(x)``. A share of
the candidates (``random_fraction``) and every candidate drawn before the
model has enough results come from the prior, as random search draws them.

Dimensions are modelled by what they are: a continuous scipy distribution
through its ``cdf`` and ``ppf`` (``loguniform`` is then modelled on a log
scale, ``uniform`` on a linear one), a discrete one the same way, a list as
a categorical; any other object with ``rvs`` is drawn from its prior.
"""

import numpy as np
from scipy import stats
from scipy.special import logsumexp

from ._space import _rvs, sample_candidates


class Candidates:
    """Parameters of each candidate id, drawn when first asked for.

    Parameters
    ----------
    n_candidates : int
        Number of candidate ids (``len``).
    draw : callable
        ``draw()`` returns the parameters of the next candidate.
    """

    def __init__(self, n_candidates, draw):
        self._n = n_candidates
        self._draw = draw
        self._params = {}

    def __len__(self):
        return self._n

    def __getitem__(self, candidate):
        if candidate not in self._params:
            self._params[candidate] = self._draw()
        return self._params[candidate]

    def drawn(self, candidate):
        """Whether ``candidate``'s parameters have been drawn."""
        return candidate in self._params


def _kind(values):
    """How a dimension is modelled: "categorical", "continuous", "discrete"
    (a scipy distribution with cdf and ppf) or "prior" (drawn from rvs)."""
    if not hasattr(values, "rvs"):
        return "categorical"
    family = getattr(values, "dist", None)
    if not (hasattr(values, "cdf") and hasattr(values, "ppf")):
        return "prior"
    if isinstance(family, stats.rv_continuous):
        return "continuous"
    if isinstance(family, stats.rv_discrete):
        return "discrete"
    return "prior"


class _Dimensions:
    """The modelled dimensions of one dict of the space, as unit coordinates."""

    def __init__(self, sub):
        self.sub = sub
        self.names = sorted(sub)
        self.kinds = {name: _kind(sub[name]) for name in self.names}
        self.modelled = [n for n in self.names if self.kinds[n] != "prior"]

    def n_levels(self, name):
        return len(self.sub[name]) if self.kinds[name] == "categorical" else 0

    def encode(self, params):
        """Unit coordinates (categorical: the level's index) of ``params``."""
        return np.array([self._encode_one(n, params[n]) for n in self.modelled])

    def _encode_one(self, name, value):
        values = self.sub[name]
        kind = self.kinds[name]
        if kind == "categorical":
            return float(_level(values, value))
        if kind == "discrete":  # the middle of the value's step of the cdf
            return float(values.cdf(value) - values.pmf(value) / 2)
        return float(values.cdf(value))

    def decode(self, point, rng):
        """Parameters from unit coordinates; unmodelled dimensions drawn."""
        coords = dict(zip(self.modelled, point, strict=True))
        params = {}
        for name in self.names:
            values = self.sub[name]
            if name not in coords:
                params[name] = _rvs(values, rng)
            elif self.kinds[name] == "categorical":
                params[name] = values[int(coords[name])]
            else:
                u = float(np.clip(coords[name], 1e-12, 1 - 1e-12))
                value = values.ppf(u)
                params[name] = value.item() if isinstance(value, np.generic) else value
                if self.kinds[name] == "discrete":
                    params[name] = int(params[name])
        return params

    def belongs(self, params):
        return set(params) == set(self.names)


class DensityRatioSampler:
    """TPE-like draws over the results so far (BOHB's sampler).

    Parameters
    ----------
    space : list of dict
        The checked search space (distributions and lists).
    rng : numpy.random.Generator
        The only source of randomness.
    gamma : float, default=0.15
        Share of the results that are *good* (BOHB's ``top_n_percent``).
    n_draws : int, default=64
        Draws from the good density, of which the best ratio is kept.
    bandwidth_factor : float, default=3
        Widening of the good density's kernels for the draws.
    min_bandwidth : float, default=1e-3
        Smallest kernel width, so that a density never collapses to a point.
    random_fraction : float, default=1/3
        Share of the candidates drawn from the prior anyway.
    """

    def __init__(
        self, space, rng, *, gamma=0.15, n_draws=64, bandwidth_factor=3,
        min_bandwidth=1e-3, random_fraction=1 / 3,
    ):  # fmt: skip
        self.space = space
        self.rng = rng
        self.gamma = gamma
        self.n_draws = n_draws
        self.bandwidth_factor = bandwidth_factor
        self.min_bandwidth = min_bandwidth
        self.random_fraction = random_fraction
        self._dims = [_Dimensions(sub) for sub in space]

    def draw(self, history):
        """The next candidate, given ``history``: (params, budget, score) of
        the results so far, higher scores better."""
        dims = self._dims[self.rng.integers(len(self._dims))]
        model = self._model(dims, history)
        if model is None or self.rng.random() < self.random_fraction:
            return sample_candidates([dims.sub], 1, self.rng)[0]
        good, bad, widths = model
        point = self._best_draw(dims, good, bad, widths)
        return dims.decode(point, self.rng)

    def _model(self, dims, history):
        """(good, bad, bandwidths) at the largest budget with enough results."""
        d = len(dims.modelled)
        if d == 0:
            return None
        n_min = d + 1
        by_budget = {}
        for params, budget, score in history:
            if dims.belongs(params):
                by_budget.setdefault(budget, []).append((params, score))
        for budget in sorted(by_budget, reverse=True):
            results = by_budget[budget]
            finite = [s for _, s in results if np.isfinite(s)]
            if len(results) < n_min + 2 or len(finite) < n_min:
                continue
            return self._split(dims, results, n_min)
        return None

    def _split(self, dims, results, n_min):
        scores = np.array([s if np.isfinite(s) else -np.inf for _, s in results])
        order = np.argsort(-scores, kind="stable")
        points = np.array([dims.encode(p) for p, _ in results])[order]
        n_good = max(n_min, int(self.gamma * len(results)))
        good, bad = points[:n_good], points[n_good:]
        if len(bad) == 0:
            return None
        return good, bad, self._bandwidths(dims, good)

    def _bandwidths(self, dims, points):
        """Scott's rule per dimension (the normal reference of statsmodels'
        KDEMultivariate, as BOHB), at least ``min_bandwidth``; for a
        categorical, the probability of moving off the observed level."""
        n, d = points.shape
        scale = n ** (-1 / (d + 4))
        widths = []
        for j, name in enumerate(dims.modelled):
            levels = dims.n_levels(name)
            if levels:
                widths.append(
                    min(0.5, max(self.min_bandwidth, scale * (1 - 1 / levels)))
                )
            else:
                widths.append(
                    max(self.min_bandwidth, 1.06 * np.std(points[:, j]) * scale)
                )
        return np.array(widths)

    def _best_draw(self, dims, good, bad, widths):
        levels = np.array([dims.n_levels(n) for n in dims.modelled])
        centers = good[self.rng.integers(len(good), size=self.n_draws)]
        draws = centers.copy()
        wide = np.minimum(widths * self.bandwidth_factor, np.where(levels, 0.9, np.inf))
        cont = levels == 0
        for j in np.flatnonzero(cont):
            a, b = (0 - centers[:, j]) / wide[j], (1 - centers[:, j]) / wide[j]
            draws[:, j] = stats.truncnorm.rvs(
                a, b, loc=centers[:, j], scale=wide[j], random_state=self.rng
            )
        for j in np.flatnonzero(~cont):
            move = self.rng.random(self.n_draws) < wide[j]
            draws[move, j] = self.rng.integers(levels[j], size=move.sum())
        log_ratio = _log_density(draws, good, widths, levels) - _log_density(
            draws, bad, widths, levels
        )
        return draws[int(np.argmax(log_ratio))]


def _log_density(x, points, widths, levels):
    """Log of the product-kernel density of ``points`` at each row of ``x``:
    Gaussian kernels for the unit coordinates, Aitchison-Aitken for the
    levels."""
    diff = x[:, None, :] - points[None, :, :]
    cont = levels == 0
    log_k = np.zeros(diff.shape[:2])
    if cont.any():
        z = diff[:, :, cont] / widths[cont]
        log_k += (-0.5 * z**2 - np.log(widths[cont] * np.sqrt(2 * np.pi))).sum(axis=2)
    for j in np.flatnonzero(~cont):
        same = diff[:, :, j] == 0
        off = widths[j] / max(1, levels[j] - 1)
        log_k += np.where(same, np.log(1 - widths[j]), np.log(off))
    return logsumexp(log_k, axis=1) - np.log(len(points))


def _level(values, value):
    """Index of ``value`` in the list ``values`` (identity first)."""
    for i, v in enumerate(values):
        if v is value:
            return i
    for i, v in enumerate(values):
        try:
            if bool(v == value):
                return i
        except (TypeError, ValueError):  # arrays and other odd values
            continue
    raise ValueError(f"{value!r} is not one of {values!r}")
