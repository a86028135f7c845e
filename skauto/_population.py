"""A population of one-hidden-layer MLPs trained as one wide network.

K networks with hidden sizes h_1..h_K are one network with sum(h_k) hidden
units and K output blocks, where output k sees only its own block of units
(``starts[k]:starts[k+1]``). One matrix product computes the hidden layer of
every candidate; a segment sum (``np.add.reduceat``) computes their outputs.
Adam's state is elementwise, so per-candidate learning rates and L2 strengths
are per-unit vectors, and dropping candidates is slicing columns.

The population knows nothing of halving: it trains, scores, checkpoints and
keeps the candidates it is told to keep. Arrays here are float32 and the
data are assumed already scaled.
"""

import numpy as np
from scipy.special import expit

_BETA1, _BETA2, _EPS = 0.9, 0.999, 1e-8


# Output layers: (outputs, targets) -> (error, loss per element). The error is
# the gradient of the loss with respect to the outputs (before the output
# activation): out - y for squared error, p - y for log-loss.
def _identity(out, y):
    err = out - y
    return err, 0.5 * err * err


def _logistic(out, y):
    return expit(out) - y, np.logaddexp(0, out) - y * out


def _softmax(out, y):
    # log-softmax as scipy's, without its array-API dispatch (called once
    # per block of every step, it made a third of a digits fit's Python calls)
    log_p = out - out.max(axis=-1, keepdims=True)
    log_p -= np.log(np.exp(log_p).sum(axis=-1, keepdims=True))
    return np.exp(log_p) - y, -y * log_p


# output -> (function, losses averaged over outputs?); softmax sums its classes
OUTPUTS = {
    "identity": (_identity, True),
    "logistic": (_logistic, True),
    "softmax": (_softmax, False),
}
# Up to this many outputs in all (candidates times outputs), the output layer
# is one product with a block matrix; above, a segment sum (fewer flops).
_DENSE_OUTPUTS = 16
# A training step goes through a mini-batch in blocks of about this many
# hidden activations (1 MB of float32), which stay in the processor's cache.
_BLOCK_FLOATS = 2**18


class Population:
    """Weights, Adam state and best checkpoints of K one-hidden-layer MLPs.

    Parameters
    ----------
    n_features, n_outputs : int
        Input and output dimensions (shared by all candidates).
    hidden_sizes : array-like of int, shape (K,)
        Hidden units of each candidate.
    learning_rates, alphas : array-like of float, shape (K,)
        Adam step size and L2 strength of each candidate. As in scikit-learn's
        MLP, the penalty ``alpha / (2 * batch_size) * ||W||**2`` is added to
        each mini-batch's mean loss.
    rngs : list of numpy.random.Generator, length K
        One stream per candidate for its initial weights, so that a
        candidate's weights do not depend on the others.
    ids : array-like of int, shape (K,)
        Candidate ids, kept through slicing.
    folds : array-like of int, shape (K,), default=None
        Cross-validation fold of each candidate: given the fold of each row,
        a candidate trains on the rows of the other folds and is scored on
        the rows of its own (see ``train`` and ``score``). None: all 0.
    groups : array-like of int, shape (K,), default=None
        Candidates of one group (the fold copies of one configuration)
        checkpoint together: at the evaluation where the mean validation
        score of those still training is best, one epoch for every fold, as
        cross-validating ``max_iter`` would (a copy retired earlier keeps
        its checkpoint). Each copy's own best epoch, chosen on the few rows
        that also score it, would make the out-of-fold score optimistic.
        None: every candidate is its own group.
    output : {"identity", "logistic", "softmax"}, default="identity"
        Output layer: linear outputs with squared error (regression), or
        logits with binary or multinomial log-loss (classification).
    targets : array-like of int, shape (K,), default=None
        With a target of two columns (a regression target and a transform of
        it), the column each candidate fits; its validation score is on the
        first column, through ``back``. None: every candidate fits every
        column of y.
    back : callable, default=None
        ``back(z, y_fit)``: predictions ``z`` (rows, candidates) of
        candidates fitted to column 1, in column 0's units, given that
        column's validation values ``y_fit`` (rows, 1) (to correct the bias
        of transforming back, from the candidates' residuals).
    scale : dict or None, default=None
        A per-feature scaling layer (as RealMLP's): candidate k sees
        ``x * s_k``, its first layer is ``s_k[:, None] * V_k`` with ``V_k`` its
        columns of ``W1``. ``S`` (n_features, K) starts at 1 and is trained by
        Adam at ``lr_mult`` times the candidate's learning rate, with an L1
        penalty ``l1 / batch_size * |s|`` that lets a useless feature fade
        out; the L2 penalty applies to ``V``. None: no such layer.
    """

    def __init__(
        self,
        n_features,
        n_outputs,
        hidden_sizes,
        learning_rates,
        alphas,
        rngs,
        ids,
        folds=None,
        output="identity",
        scale=None,
        groups=None,
        targets=None,
        back=None,
    ):
        self.output = output
        self.targets = None if targets is None else np.asarray(targets, np.int64)
        self.back = back
        self.scale = None if scale is None else dict(scale)
        self.sizes = np.asarray(hidden_sizes, dtype=np.int64)
        self.ids = np.asarray(ids, dtype=np.int64)
        self.fold = np.zeros(len(self.ids), np.int64) if folds is None else folds
        self.fold = np.asarray(self.fold, dtype=np.int64)
        self.groups = self.ids.copy() if groups is None else groups
        self.groups = np.asarray(self.groups, dtype=np.int64)
        self.lr = np.asarray(learning_rates, dtype=np.float32)
        self.alpha = np.asarray(alphas, dtype=np.float32)
        blocks = [
            _glorot(rng, n_features, n_outputs, h)
            for rng, h in zip(rngs, self.sizes, strict=True)
        ]
        self.W1 = np.concatenate([b[0] for b in blocks], axis=1)
        self.b1 = np.concatenate([b[1] for b in blocks])
        self.W2 = np.concatenate([b[2] for b in blocks], axis=0)
        self.b2 = np.stack([b[3] for b in blocks])
        if self.scale is not None:
            self.S = np.ones((n_features, len(self.ids)), dtype=np.float32)
        self._moments = [np.zeros_like(p) for p in self.params() for _ in (0, 1)]
        self.t = 0  # Adam steps taken (the same for every candidate)
        self.lr_scale = None  # a schedule's factor on every learning rate
        self.samples_seen = 0
        self.best_score = np.full(len(self.ids), -np.inf)
        self.best_samples = np.zeros(len(self.ids), dtype=np.int64)
        self.best = [p.copy() for p in self.params()]
        self.retired = {}  # candidate -> (best network, best score, its samples)
        self._index()

    def params(self):
        p = [self.W1, self.b1, self.W2, self.b2]
        return p if self.scale is None else p + [self.S]

    def _effective(self, params):
        """(W1, b1, W2, b2) with the scaling layer folded into W1."""
        if self.scale is None:
            return params
        W1, b1, W2, b2, S = params
        return [W1 * np.repeat(S, self.sizes, axis=1), b1, W2, b2]

    def _index(self):
        """Per-unit views of the per-candidate values; call after any slicing."""
        self._work = self._w1_scratch = None
        self.starts = np.cumsum(self.sizes) - self.sizes
        self.owner = np.repeat(np.arange(len(self.sizes)), self.sizes)
        self._lr_unit = self.lr[self.owner]
        self._alpha_unit = self.alpha[self.owner]
        m = self.W2.shape[1]
        # how the output layer is computed: one product with a block matrix
        # (few outputs in all), one product per candidate (several outputs
        # each: classes), or segment sums (one output each, many candidates)
        if len(self.sizes) * m <= _DENSE_OUTPUTS:
            self.layout = "dense"
        else:
            self.layout = "blocks" if m > 1 else "segments"
        self._spans = [
            slice(int(a), int(a + h))
            for a, h in zip(self.starts, self.sizes, strict=True)
        ]
        self._runs = _equal_size_runs(self.sizes)
        self._block_at = (
            np.repeat(np.arange(len(self.owner)), m),
            (self.owner[:, None] * m + np.arange(m)).ravel(),
        )

    def _blocks(self, W2):
        """(H, K * m) matrix: unit h feeds only the outputs of its candidate."""
        B = np.zeros((W2.shape[0], len(self.sizes) * W2.shape[1]), dtype=W2.dtype)
        B[self._block_at] = W2.ravel()
        return B

    def __len__(self):
        return len(self.ids)

    # ------------------------------------------------------------------ forward
    def _forward(self, X, W1, b1, W2, b2, work=None, blocks=None):
        """Hidden activations (n, H) and outputs (n, K, n_outputs).

        ``work`` holds two reusable (n, H) buffers: large fresh temporaries
        cost a page fault per page on every step. ``blocks`` is
        ``_blocks(W2)``, if already made.
        """
        A = np.matmul(X, W1, out=None if work is None else work[0])
        A += b1
        np.maximum(A, 0, out=A)
        shape = (X.shape[0], len(self.sizes), W2.shape[1])
        if self.layout == "dense":
            out = (A @ (self._blocks(W2) if blocks is None else blocks)).reshape(shape)
        elif self.layout == "blocks":
            out = np.empty(shape, dtype=A.dtype)
            for ks, units, h in self._runs:  # one batched product per run
                np.matmul(
                    _by_candidate(A[:, units], h),
                    _stacked(W2[units], h),
                    out=out[:, ks].swapaxes(0, 1),
                )
        else:
            T = np.empty_like(A) if work is None else work[1]
            out = np.empty(shape, dtype=A.dtype)
            for j in range(W2.shape[1]):
                np.multiply(A, W2[:, j], out=T)
                out[:, :, j] = np.add.reduceat(T, self.starts, axis=1)
        out += b2
        return A, out

    def predict(self, X, *, best=False):
        """Predictions of every candidate, shape (n_samples, K, n_outputs).

        Rows go through in chunks of about 4M hidden activations (16 MB).
        """
        params = self._effective(self.best if best else self.params())
        chunk = max(1, 2**22 // max(1, len(self.owner)))
        return np.concatenate(
            [
                self._forward(X[i : i + chunk], *params)[1]
                for i in range(0, max(len(X), 1), chunk)
            ]
        )

    # ----------------------------------------------------------------- training
    def train(self, X, y, w, rows, batch_size, row_folds=None, lr_factor=None):
        """Mini-batch Adam over ``rows`` of (X, y), in that order.

        ``w`` holds sample weights normalised to mean 1 (or None). With
        ``row_folds`` (the fold of each row), a candidate gives weight 0 to
        the rows of its own fold. ``lr_factor(i)``, if given, multiplies every
        learning rate in the step that starts at row ``i`` of ``rows`` (a
        schedule). Returns the summed training loss of each candidate over
        those rows.
        """
        total = np.zeros(len(self.ids))
        with np.errstate(over="ignore", invalid="ignore"):
            for i in range(0, len(rows), batch_size):
                batch = rows[i : i + batch_size]
                wb = self._train_weights(batch, w, row_folds)
                if lr_factor is not None:
                    self.lr_scale = np.float32(lr_factor(i))
                total += self._step(X[batch], y[batch], wb) * len(batch)
        self.lr_scale = None
        self.samples_seen += len(rows)
        return total

    def _train_weights(self, rows, w, row_folds):
        """Training weights of ``rows``: shape (n,), or (n, K) with folds (a
        candidate gives weight 0 to the rows of its own fold)."""
        wb = None if w is None else w[rows]
        if row_folds is None:
            return wb
        mask = (row_folds[rows][:, None] != self.fold).astype(np.float32)
        return mask if wb is None else mask * wb[:, None]

    def _workspace(self, n, block):
        """Reusable buffers: (n, H) for dA; (block, H) for the rest."""
        H = len(self.owner)
        if self._work is None or self._work[0].shape != (n, H):
            self._work = (
                np.empty((n, H), dtype=np.float32),
                *(np.empty((block, H), dtype=np.float32) for _ in range(2)),
                np.empty((block, H), dtype=bool),
            )
        return self._work

    def _step(self, X, y, w):
        """One Adam step on a mini-batch.

        The batch goes through in blocks of rows whose (rows, H) activations
        fit in the processor's cache; only dA is kept for the whole batch.
        """
        n, m, K = X.shape[0], self.W2.shape[1], len(self.sizes)
        activate, per_output = OUTPUTS[self.output]
        norm = np.float32(n * m if per_output else n)
        block = max(8, _BLOCK_FLOATS // len(self.owner))
        dA_all, A_buf, T_buf, active_buf = self._workspace(n, block)
        B = self._blocks(self.W2) if self.layout == "dense" else None
        loss, dW2, gb2 = np.zeros(K), np.zeros_like(self.W2), np.zeros((K, m))
        scratch = self._scratch()
        params = self.params()[:4]
        if self.scale is not None:  # W1_eff = S[:, owner] * W1, in Adam's buffer
            s_unit = np.repeat(self.S, self.sizes, axis=1)
            params[0] = np.multiply(s_unit, self.W1, out=scratch[1])
        for s in range(0, n, block):
            rows = slice(s, min(n, s + block))
            size = rows.stop - s
            A, T, active = A_buf[:size], T_buf[:size], active_buf[:size]
            dA = dA_all[rows]
            A, out = self._forward(X[rows], *params, work=(A, T), blocks=B)
            err, element_loss = activate(out, self._fitted(y[rows]))
            g = err / norm
            element_loss /= norm
            if w is not None:  # per row (n,) or per row and candidate (n, K)
                wb = w[rows]
                wb = (wb[:, None] if wb.ndim == 1 else wb)[:, :, None]
                g *= wb
                element_loss *= wb
            loss += element_loss.sum(axis=(0, 2))
            gb2 += g.sum(axis=0)
            if self.layout == "blocks":
                for ks, units, h in self._runs:
                    g_k = g[:, ks].swapaxes(0, 1)  # (candidates, rows, outputs)
                    W2_k = _stacked(self.W2[units], h).swapaxes(1, 2)
                    np.matmul(g_k, W2_k, out=_by_candidate(dA[:, units], h))
                    dW2_k = _by_candidate(A[:, units], h).swapaxes(1, 2) @ g_k
                    dW2[units] += dW2_k.reshape(-1, dW2.shape[1])
            elif self.layout == "dense":
                g2 = g.reshape(size, -1)
                np.matmul(g2, B.T, out=dA)
                dW2 += (A.T @ g2)[self._block_at].reshape(self.W2.shape)
            else:
                for j in range(m):
                    np.take(g[:, :, j], self.owner, axis=1, out=T)  # error per unit
                    dW2[:, j] += np.einsum("bh,bh->h", A, T)
                    if j == 0:
                        np.multiply(T, self.W2[:, 0], out=dA)
                    else:
                        dA += T * self.W2[:, j]
            np.greater(A, 0, out=active)
            np.multiply(dA, active, out=dA)
        dA = dA_all
        l2 = self._alpha_unit / np.float32(n)
        gW1 = np.matmul(X.T, dA, out=scratch[0][0])  # gradient of W1_eff
        grads = [gW1, dA.sum(axis=0), dW2, gb2]
        if self.scale is not None:
            gS = np.add.reduceat(
                np.multiply(gW1, self.W1, out=scratch[0][1]), self.starts, axis=1
            )
            gS += np.float32(self.scale.get("l1", 0.0) / n) * np.sign(self.S)
            gW1 *= s_unit
            grads.append(gS)
        gW1 += np.multiply(self.W1, l2, out=scratch[0][1])
        dW2 += l2[:, None] * self.W2
        self._adam(grads)
        return loss

    def _fitted(self, y):
        """The target values each candidate fits: (rows, 1 or K, outputs)."""
        if self.targets is None:
            return y[:, None, :]
        return y[:, self.targets, None]

    def _backed(self, pred, y):
        """Predictions (rows, K, 1) in the first target column's units."""
        if self.targets is None or not (self.targets == 1).any():
            return pred
        twins = self.targets == 1
        pred = pred.copy()
        pred[:, twins, 0] = self.back(pred[:, twins, 0], y[:, 1:2])
        return pred

    def _scratch(self):
        """Three reusable buffers shaped like W1 (the largest parameter): two
        for the gradient, one for Adam (and the scaled W1 before it)."""
        if self._w1_scratch is None or self._w1_scratch[0].shape != self.W1.shape:
            self._w1_scratch = [np.empty_like(self.W1) for _ in range(3)]
        return [self._w1_scratch[:2], self._w1_scratch[2]]

    def _adam(self, grads):
        self.t += 1
        correction = np.float32(np.sqrt(1 - _BETA2**self.t) / (1 - _BETA1**self.t))
        if self.lr_scale is not None:
            correction *= self.lr_scale
        lr = [
            self._lr_unit * correction,
            self._lr_unit * correction,
            self._lr_unit[:, None] * correction,
            self.lr[:, None] * correction,
        ]
        if self.scale is not None:
            lr.append(self.lr * np.float32(self.scale["lr_mult"]) * correction)
        tmp_w1 = self._scratch()[1]
        for k, (p, g) in enumerate(zip(self.params(), grads, strict=True)):
            m, v = self._moments[2 * k], self._moments[2 * k + 1]
            tmp = tmp_w1 if k == 0 else np.empty_like(p)
            m *= _BETA1
            m += np.multiply(g, 1 - _BETA1, out=tmp)
            v *= _BETA2
            np.multiply(g, g, out=tmp)
            tmp *= 1 - _BETA2
            v += tmp
            np.sqrt(v, out=tmp)
            tmp += _EPS
            np.divide(m, tmp, out=tmp)
            tmp *= lr[k]
            p -= tmp

    # ------------------------------------------------------- scoring, selection
    def score(self, X, y, w, y_var, row_folds=None):
        """Validation score of every candidate, higher is better.

        With squared error, R2 averaged over outputs: ``y_var`` (n_folds,
        n_outputs) is the variance of each output on the validation rows of
        each fold. With log-loss, minus the mean log-loss (``y_var`` unused).
        With ``row_folds``, a candidate is scored on the rows of its own fold
        only. Non-finite predictions score -inf. The best score of each
        candidate and its weights are checkpointed.
        """
        activate, per_output = OUTPUTS[self.output]
        with np.errstate(over="ignore", invalid="ignore"):
            if row_folds is not None:
                mean = self._fold_losses(X, y, w, row_folds)
            else:
                pred = self._backed(self.predict(X), y)
                scored = y if self.targets is None else y[:, :1]
                _, element_loss = activate(pred, scored[:, None, :])
                element_loss = element_loss.astype(np.float64)
                if w is None:
                    mean = element_loss.mean(axis=0)
                else:
                    mean = np.einsum("n,nkm->km", w, element_loss) / w.sum()
            if self.output == "identity":  # mean of half squared errors
                scores = 1.0 - (2 * mean / y_var[self.fold]).mean(axis=1)
            else:
                scores = -(mean.mean(axis=1) if per_output else mean.sum(axis=1))
        scores[~np.isfinite(scores)] = -np.inf
        self._checkpoint(scores)
        return scores

    def _fold_losses(self, X, y, w, row_folds):
        """Mean loss (n_candidates, n_outputs) of each candidate on the rows
        of its own fold: one small product per candidate, on 1/k of the rows
        with k folds, instead of every candidate on every row."""
        activate = OUTPUTS[self.output][0]
        rows = {f: np.flatnonzero(row_folds == f) for f in np.unique(self.fold)}
        X_of, y_of = (
            {f: X[r] for f, r in rows.items()},
            {f: y[r] for f, r in rows.items()},
        )
        m = y.shape[1] if self.targets is None else 1
        mean = np.empty((len(self.sizes), m))
        W1 = self._effective(self.params())[0]
        for k, span in enumerate(self._spans):
            f = self.fold[k]
            hidden = np.maximum(X_of[f] @ W1[:, span] + self.b1[span], 0)
            out = hidden @ self.W2[span] + self.b2[k]
            if self.targets is not None and self.targets[k] == 1:
                out = self.back(out, y_of[f][:, 1:2])
            _, loss = activate(out, y_of[f][:, :m])
            weights = None if w is None else w[rows[f]]
            loss = loss.astype(np.float64)
            mean[k] = (
                loss.mean(axis=0)
                if w is None
                else np.average(loss, axis=0, weights=weights)
            )
        return mean

    def group_mean(self, values):
        """Mean of ``values`` (one per candidate) over each candidate's group."""
        _, group = np.unique(self.groups, return_inverse=True)
        with np.errstate(invalid="ignore"):
            means = np.bincount(group, weights=values) / np.bincount(group)
        return np.where(np.isnan(means), -np.inf, means)[group]

    def _checkpoint(self, scores):
        improved = self.group_mean(scores) > self.group_mean(self.best_score)
        if not improved.any():
            return
        self.best_score[improved] = scores[improved]
        self.best_samples[improved] = self.samples_seen
        units = improved[self.owner]
        self.best[0][:, units] = self.W1[:, units]
        self.best[1][units] = self.b1[units]
        self.best[2][units] = self.W2[units]
        self.best[3][improved] = self.b2[improved]
        if self.scale is not None:
            self.best[4][:, improved] = self.S[:, improved]

    def keep(self, ids):
        """Keep only the candidates in ``ids`` (weights, state and checkpoints)."""
        mask = np.isin(self.ids, ids)
        units = mask[self.owner]
        axes = [(1, units), (0, units), (0, units), (0, mask), (1, mask)]
        axes = axes[: len(self.params())]

        def take(a, axis, sel):
            return np.compress(sel, a, axis=axis)

        kept = [take(p, *ax) for p, ax in zip(self.params(), axes, strict=True)]
        self.W1, self.b1, self.W2, self.b2 = kept[:4]
        if self.scale is not None:
            self.S = kept[4]
        self._moments = [take(a, *axes[k // 2]) for k, a in enumerate(self._moments)]
        self.best = [take(a, *axes[k]) for k, a in enumerate(self.best)]
        names = ["sizes", "ids", "fold", "groups", "lr", "alpha"]
        names += ["best_score", "best_samples"]
        names += [] if self.targets is None else ["targets"]
        for name in names:
            setattr(self, name, getattr(self, name)[mask])
        self._index()

    def scale_lr(self, ids, factor):
        """Multiply the learning rates of the candidates in ``ids`` by ``factor``."""
        self.lr[np.isin(self.ids, ids)] *= np.float32(factor)
        self._lr_unit = self.lr[self.owner]

    def retire(self, ids):
        """Stop training the candidates in ``ids``; keep their best checkpoints.

        A retired candidate no longer costs a thing, and ``network`` and
        ``best_of`` still answer for it.
        """
        for c in np.asarray(ids, dtype=np.int64).tolist():
            k = int(np.flatnonzero(self.ids == c)[0])
            self.retired[c] = (
                self.network(c),
                float(self.best_score[k]),
                int(self.best_samples[k]),
            )
        self.keep(self.ids[~np.isin(self.ids, ids)])

    def best_of(self, candidate):
        """(best validation score, samples seen at it) of a live or retired one."""
        if candidate in self.retired:
            return self.retired[candidate][1:]
        k = np.flatnonzero(self.ids == candidate)
        if not len(k):  # dropped (diverged)
            return -np.inf, 0
        return float(self.best_score[k[0]]), int(self.best_samples[k[0]])

    def network(self, candidate, *, best=True):
        """(W1, b1, W2, b2) of one candidate, float64 copies."""
        if candidate in self.retired:
            return self.retired[candidate][0]
        k = int(np.flatnonzero(self.ids == candidate)[0])
        units = self.owner == k
        W1, b1, W2, b2 = self.best[:4] if best else self.params()[:4]
        W1 = W1[:, units].astype(np.float64)
        if self.scale is not None:  # the scaling layer folded into W1
            W1 *= (self.best[4] if best else self.S)[:, k].astype(np.float64)[:, None]
        return (
            W1,
            b1[units].astype(np.float64),
            W2[units].astype(np.float64),
            b2[k].astype(np.float64),
        )


def _equal_size_runs(sizes):
    """(candidates, units, size) of each run of adjacent candidates of one
    hidden size (a configuration's fold copies, at least): their products go
    through one batched matmul instead of one call each."""
    runs, k = [], 0
    starts = np.cumsum(sizes) - sizes
    while k < len(sizes):  # each pass moves k forward
        end = k + 1
        while end < len(sizes) and sizes[end] == sizes[k]:
            end += 1
        units = slice(int(starts[k]), int(starts[k] + (end - k) * sizes[k]))
        runs.append((slice(k, end), units, int(sizes[k])))
        k = end
    return runs


def _by_candidate(A, h):
    """View of (rows, r * h) hidden activations as (r, rows, h)."""
    return A.reshape(A.shape[0], -1, h).swapaxes(0, 1)


def _stacked(W2, h):
    """View of (r * h, outputs) output weights as (r, h, outputs)."""
    return W2.reshape(-1, h, W2.shape[1])


def _glorot(rng, n_in, n_out, n_hidden):
    """Glorot-uniform initial weights of one candidate (as scikit-learn's MLP)."""
    bound1 = np.sqrt(6.0 / (n_in + n_hidden))
    bound2 = np.sqrt(6.0 / (n_hidden + n_out))
    return (
        rng.uniform(-bound1, bound1, (n_in, n_hidden)).astype(np.float32),
        rng.uniform(-bound1, bound1, n_hidden).astype(np.float32),
        rng.uniform(-bound2, bound2, (n_hidden, n_out)).astype(np.float32),
        rng.uniform(-bound2, bound2, n_out).astype(np.float32),
    )


class BatchStream:
    """Rows of an epoch after epoch, each epoch a fresh permutation.

    Drawing ``k`` rows and then ``m`` gives the same rows as drawing ``k + m``,
    so training can stop at any budget and resume exactly.
    """

    def __init__(self, n_rows, rng):
        self.n_rows = n_rows
        self.rng = rng
        self.order = rng.permutation(n_rows)
        self.pos = 0

    def take(self, n):
        """Up to ``n`` next rows, never crossing an epoch boundary."""
        if self.pos == self.n_rows:
            self.order = self.rng.permutation(self.n_rows)
            self.pos = 0
        rows = self.order[self.pos : self.pos + n]
        self.pos += len(rows)
        return rows

    @property
    def epoch_done(self):
        return self.pos == self.n_rows
