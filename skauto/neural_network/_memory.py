"""How much memory a population needs, known before anything is allocated.

The population is one wide network of H hidden units (the candidates' sizes
summed over their fold copies). Its first layer, with Adam's two moments, the
best checkpoint, the scaling layer folded in and the gradient's scratch
buffers, holds about ``_BYTES_PER_WEIGHT`` bytes per (input feature, hidden
unit) (measured: 32-40 with tracemalloc); each hidden unit also holds a row of
activations and gradients per mini-batch row and a few per-unit vectors. A
fit plans for at most ``_MEMORY`` bytes: more hidden units than that allows
is an error naming the parameters to change, and more input features than
the first layer can hold within it are reduced first (see ``Features``).
"""

import math

_MEMORY = 2**30
_BYTES_PER_WEIGHT = 36
# A fit with this many input features per hidden unit's budget or fewer is
# not worth reducing: an error says what to change instead.
_MIN_FEATURES = 8


def expected_units(n_candidates, size_range, n_folds):
    """Expected hidden units of the population: sizes log-uniform on
    ``size_range`` (as the Latin hypercube samples them), times the folds."""
    lo, hi = size_range
    mean = lo if hi == lo else (hi - lo) / math.log(hi / lo)
    return n_candidates * n_folds * max(1.0, mean)


def unit_bytes(batch_size, n_outputs):
    """Bytes per hidden unit besides its first-layer weights: the mini-batch's
    activations and gradients, the output weights and per-unit vectors."""
    return 4 * (batch_size + 30 + 8 * n_outputs)


def max_features(n_candidates, size_range, n_folds, batch_size, n_outputs, name):
    """The most input features the first layer can hold within ``_MEMORY``.

    Raises a ValueError naming ``n_candidates``, ``hidden_size_range``, ``cv``
    and ``batch_size`` when the hidden units alone need more than half of it.
    """
    units = expected_units(n_candidates, size_range, n_folds)
    rest = units * unit_bytes(batch_size, n_outputs)
    left = _MEMORY - rest
    fit = int(left // (units * _BYTES_PER_WEIGHT)) if left > 0 else 0
    if rest > _MEMORY / 2 or fit < _MIN_FEATURES:
        raise ValueError(
            f"{name} would train about {units:,.0f} hidden units (n_candidates="
            f"{n_candidates}, hidden_size_range={tuple(size_range)}, {n_folds} "
            f"fold copies each), which need about {_gib(rest)} GiB, more than "
            f"the {_gib(_MEMORY / 2)} GiB a fit plans for. Lower n_candidates or "
            "hidden_size_range, use cv=None (one copy each), or a smaller "
            "batch_size."
        )
    return fit


def _gib(n_bytes):
    return f"{n_bytes / 2**30:.3g}"
