"""Bookkeeping of a self-tuning fit: what it records, when a survivor stops,
which members join the returned ensemble."""

import time
from collections import defaultdict

import numpy as np

# After _PATIENCE checks without an improvement of _TOL a survivor's learning
# rate is multiplied by _CUT; after _N_CUTS cuts it stops.
_PATIENCE, _TOL, _CUT, _N_CUTS = 5, 1e-4, 0.25, 2


def _best_row(results):
    """Row of the best finite score among the candidates of the last stage."""
    means = np.asarray(results["mean_test_score"], dtype=float)
    finite = np.isfinite(means)
    if not finite.any():
        return None
    rows = np.flatnonzero(finite & (results["iter"] == results["iter"][finite].max()))
    return int(rows[np.argmax(means[rows])])


def _forward(X, network):
    W1, b1, W2, b2 = network[:4]
    return np.maximum(X @ W1 + b1, 0) @ W2 + b2


def _out_of_fold(networks, data):
    """Predictions on the validation rows, each row by its own fold's network."""
    X_val, folds = data["X_val"], data["row_folds"]
    if folds is None:
        return _forward(X_val.astype(np.float64), networks[0])
    out = np.empty(data["y_val"].shape)
    for f, network in enumerate(networks):
        rows = folds == f
        out[rows] = _forward(X_val[rows].astype(np.float64), network)
    return out


def _linear_network(coef, alpha):
    """The linear model ``x @ coef[:-1] + coef[-1]`` as a ReLU network."""
    eye = np.eye(coef.shape[1])
    W1 = np.hstack([coef[:-1], -coef[:-1]])
    return W1, np.zeros(W1.shape[1]), np.vstack([eye, -eye]), coef[-1], alpha


def _select(preds, score, max_members):
    """Greedy ensemble selection with replacement (Caruana et al., 2004).

    Start from the best member on the validation rows; add the member that
    most improves the average's validation R2, as long as one does, at most
    ``2 * max_members`` times. Returns the weights and the final score.
    """
    counts = np.zeros(len(preds))
    total, best = 0.0, -np.inf
    for k in range(2 * max_members if max_members > 1 else 1):
        trial = [score((total + p) / (k + 1)) for p in preds]
        i = int(np.argmax(trial))
        if trial[i] <= best + 1e-7:
            break
        counts[i] += 1
        total, best = total + preds[i], trial[i]
    return counts / counts.sum(), best


class _Plateau:
    """Per-candidate patience: cut the learning rate, then stop."""

    def __init__(self, ids, best):
        self.best = dict(zip(ids.tolist(), best.tolist(), strict=True))
        self.bad = dict.fromkeys(self.best, 0)
        self.cuts = dict.fromkeys(self.best, 0)

    def update(self, ids, scores):
        """Record one check; return (candidates to slow down, to stop)."""
        cut, stop = [], []
        for c, score in zip(ids.tolist(), scores.tolist(), strict=True):
            if score > self.best[c] + _TOL:
                self.best[c], self.bad[c] = score, 0
                continue
            self.bad[c] += 1
            if self.bad[c] >= _PATIENCE:
                self.bad[c] = 0
                if self.cuts[c] < _N_CUTS:
                    self.cuts[c] += 1
                    cut.append(c)
                else:
                    stop.append(c)
        return cut, stop


class _Trace:
    """What fit records while it runs: losses, validation scores, stops."""

    def __init__(self, tasks):
        self.start = time.perf_counter()
        self.tasks = tasks  # scikit-learn's callbacks (skauto._callbacks.TaskTree)
        self.stop_stage = False  # a callback asked to end the stage
        self.stop_asked = False  # ... or the search
        self.loss = defaultdict(list)  # candidate -> mean loss of each full epoch
        self.partial = defaultdict(float)  # candidate -> loss summed this epoch
        self.partial_rows = defaultdict(int)  # candidate -> rows this epoch
        self.val = defaultdict(list)  # candidate -> validation R2 of each check
        self.diverged = set()
        self.stopped = {}  # candidate -> samples seen when it stopped improving
        self.timed_out = False

    def elapsed(self):
        return time.perf_counter() - self.start

    def check_time(self, max_time):
        self.timed_out = max_time is not None and self.elapsed() > max_time
        return self.timed_out

    def add_loss(self, ids, loss, n_rows, epoch_done, epoch_rows):
        for cid, value in zip(ids.tolist(), loss.tolist(), strict=True):
            self.partial[cid] += value
            self.partial_rows[cid] += n_rows
            if epoch_done:
                self.loss[cid].append(self.partial.pop(cid) / epoch_rows)
                del self.partial_rows[cid]

    def add_val(self, ids, scores):
        for cid, score in zip(ids.tolist(), scores.tolist(), strict=True):
            self.val[cid].append(score)

    def loss_curve(self, candidate):
        """Mean loss per epoch of one candidate; a last partial epoch counts."""
        rows = self.partial_rows.get(candidate, 0)
        last = [self.partial[candidate] / rows] if rows else []
        return self.loss[candidate] + last
