"""The numpy population: gradients, exact resume, slicing."""

import numpy as np
import pytest

from skauto import _population as population
from skauto._population import BatchStream, Population


def make(
    sizes=(3, 5, 2), n_out=1, lr=1e-2, alpha=1e-3, seed=0, output="identity", scale=None
):
    k = len(sizes)
    return Population(
        4,
        n_out,
        sizes,
        [lr] * k,
        [alpha] * k,
        np.random.default_rng(seed).spawn(k),
        range(10, 10 + k),
        output=output,
        scale=scale,
    )


def data(n=64, n_out=1, seed=0):
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4)).astype(np.float32)
    y = (X[:, :n_out] * 2 + X[:, 1:2] ** 2).astype(np.float32)
    return X, y


def targets(X, n_out, output):
    """Regression targets, binary labels, or one-hot classes of X."""
    raw = X[:, :n_out] * 2 + X[:, 1:2] ** 2
    if output == "identity":
        return raw.astype(np.float32)
    if output == "logistic":
        return (raw > 1).astype(np.float32)
    return np.eye(n_out, dtype=np.float32)[np.argmax(raw, axis=1)]


def loss_of(pop, X, y, w=None):
    """Per-candidate objective of a mini-batch (what _step differentiates),
    written out independently of the population's output table."""
    z = pop.predict(X).astype(np.float64)
    t = y[:, None, :]
    if pop.output == "identity":
        per_row = 0.5 * ((z - t) ** 2).mean(axis=2)
    elif pop.output == "logistic":
        per_row = (np.log1p(np.exp(z)) - t * z).mean(axis=2)
    else:
        log_p = z - np.log(np.exp(z).sum(axis=2, keepdims=True))
        per_row = -(t * log_p).sum(axis=2)
    per_row = per_row if w is None else per_row * w[:, None]
    l2 = [np.sum(pop.W1[:, pop.owner == k] ** 2) + np.sum(pop.W2[pop.owner == k] ** 2)
          for k in range(len(pop))]  # fmt: skip
    loss = per_row.mean(axis=0) + 0.5 * pop.alpha * np.array(l2) / len(X)
    if pop.scale is not None:
        loss += pop.scale.get("l1", 0.0) * np.abs(pop.S).sum(axis=0) / len(X)
    return loss


SCALE = {"lr_mult": 3.0, "l1": 0.1}


@pytest.mark.parametrize("scale", [None, SCALE])
@pytest.mark.parametrize("dense", [True, False])  # False: blocks or segments
@pytest.mark.parametrize(
    "output, n_out, weighted",
    [
        ("identity", 1, False),
        ("identity", 2, True),
        ("logistic", 1, True),
        ("logistic", 2, False),
        ("softmax", 3, True),
    ],
)
def test_gradient_matches_finite_differences(
    output, n_out, weighted, dense, scale, monkeypatch
):
    # few outputs: one block product; many: segment sums, or per candidate
    # products (batched over adjacent candidates of one size). All exact.
    monkeypatch.setattr(population, "_DENSE_OUTPUTS", 16 if dense else 0)
    X, _ = data(n=16, n_out=n_out)
    y = targets(X, n_out, output)
    w = np.linspace(0.5, 1.5, len(X)).astype(np.float32) if weighted else None
    pop = make(sizes=(3, 3, 5, 2), n_out=n_out, output=output, scale=scale)
    names = ["W1", "b1", "W2", "b2"] + (["S"] if scale else [])
    for name in names:
        setattr(pop, name, getattr(pop, name).astype(np.float64))
    if scale:  # away from 1, different per feature and candidate
        pop.S = np.random.default_rng(3).uniform(0.3, 1.7, pop.S.shape)
    captured = {}
    pop._adam = lambda grads: captured.update(grads=grads)
    pop._step(X.astype(np.float64), y.astype(np.float64), w)
    rng = np.random.default_rng(1)
    for p, g in zip(pop.params(), captured["grads"], strict=True):
        for _ in range(5):
            idx = tuple(rng.integers(s) for s in p.shape)
            old = p[idx]
            p[idx] = old + 1e-6
            up = loss_of(pop, X, y, w).sum()
            p[idx] = old - 1e-6
            down = loss_of(pop, X, y, w).sum()
            p[idx] = old
            assert g[idx] == pytest.approx((up - down) / 2e-6, rel=1e-4, abs=1e-7)


def test_resume_is_exact():
    """Training k then m rows equals training k + m rows, bit for bit."""
    X, y = data()
    a, b = make(), make()
    sa, sb = BatchStream(len(X), np.random.default_rng(5)), None
    sb = BatchStream(len(X), np.random.default_rng(5))
    a.train(X, y, None, sa.take(40), 8)
    a.train(X, y, None, sa.take(24), 8)
    a.train(X, y, None, sa.take(30), 8)  # crosses into the next epoch
    rows = np.concatenate([sb.take(64), sb.take(30)])
    b.train(X, y, None, rows, 8)
    for pa, pb in zip(a.params() + a._moments, b.params() + b._moments, strict=True):
        np.testing.assert_array_equal(pa, pb)
    assert a.t == b.t and a.samples_seen == b.samples_seen == 94


def test_batch_stream_never_crosses_an_epoch():
    stream = BatchStream(10, np.random.default_rng(0))
    first = stream.take(7)
    rest = stream.take(7)
    assert len(first) == 7 and len(rest) == 3 and stream.epoch_done
    assert sorted(np.concatenate([first, rest])) == list(range(10))


def test_candidates_are_independent():
    """A candidate trained alone or beside others ends close; slicing is exact."""
    X, y = data()
    pop = make(sizes=(3, 5, 2))
    alone = Population(
        4, 1, [5], [1e-2], [1e-3], [np.random.default_rng(0).spawn(3)[1]], [11]
    )
    np.testing.assert_array_equal(alone.network(11)[0], pop.network(11)[0])
    rows = BatchStream(len(X), np.random.default_rng(2)).take(64)
    pop.train(X, y, None, rows, 16)
    alone.train(X, y, None, rows, 16)
    for got, want in zip(
        pop.network(11, best=False), alone.network(11, best=False), strict=True
    ):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    before = pop.network(12, best=False)
    pop.keep([12])
    assert list(pop.ids) == [12] and pop.W1.shape == (4, 2)
    for got, want in zip(pop.network(12, best=False), before, strict=True):
        np.testing.assert_array_equal(got, want)


def test_checkpoint_keeps_best_epoch():
    X, y = data()
    pop = make(lr=0.05)
    stream = BatchStream(len(X), np.random.default_rng(0))
    scores = []
    for _ in range(5):
        pop.train(X, y, None, stream.take(64), 16)
        scores.append(pop.score(X, y, None, y.var(axis=0)[None]))
    np.testing.assert_array_equal(pop.best_score, np.max(scores, axis=0))
    best = pop.predict(X, best=True)
    err = ((best - y[:, None, :]) ** 2).mean(axis=(0, 2))
    np.testing.assert_allclose(1 - err / y.var(), pop.best_score, rtol=1e-5)


def test_group_checkpoints_at_its_best_mean():
    """Copies of one group keep the evaluation of their best mean score, each
    with its own score at it; another group, and slicing, keep theirs."""
    pop = make(sizes=(3, 5, 2, 4))
    pop.groups = np.array([0, 0, 1, 1])
    table = [[0.5, 0.1, 0.2, 0.2], [0.2, 0.6, 0.3, 0.0], [0.9, 0.0, 0.1, 0.1]]
    for step, scores in enumerate(table):
        pop.samples_seen = step
        pop._checkpoint(np.array(scores))
    # group 0: means .3, .4, .45 -> the last; group 1: .2, .15, .1 -> the first
    np.testing.assert_array_equal(pop.best_score, [0.9, 0.0, 0.2, 0.2])
    np.testing.assert_array_equal(pop.best_samples, [2, 2, 0, 0])
    np.testing.assert_allclose(pop.group_mean(pop.best_score), [0.45, 0.45, 0.2, 0.2])
    pop.keep([10, 11])
    assert list(pop.groups) == [0, 0]


def test_non_finite_scores_are_minus_inf():
    X, y = data()
    pop = make()
    pop.W2[:] = np.inf
    assert np.all(pop.score(X, y, None, y.var(axis=0)[None]) == -np.inf)


def test_scale_layer_is_folded_into_the_network():
    """network() and predict() agree with the layer; slicing keeps S."""
    X, y = data()
    pop = make(scale={"lr_mult": 5.0})
    pop.train(X, y, None, np.arange(64), 16)
    assert not np.allclose(pop.S, 1)
    pop.score(X, y, None, y.var(axis=0)[None])
    for best in (False, True):
        pred = pop.predict(X, best=best)
        for k, c in enumerate(pop.ids):
            W1, b1, W2, b2 = pop.network(c, best=best)
            mine = np.maximum(X @ W1 + b1, 0) @ W2 + b2
            np.testing.assert_allclose(mine, pred[:, k], rtol=1e-4, atol=1e-5)
    S = pop.S[:, 1].copy()
    pop.keep([11])
    np.testing.assert_array_equal(pop.S[:, 0], S)
    assert pop.S.shape == (4, 1) and pop.best[4].shape == (4, 1)
