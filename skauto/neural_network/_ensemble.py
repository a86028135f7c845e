"""The returned model of a self-tuning fit: which members join the ensemble,
and the one wide network that holds them."""

import math

import numpy as np

from ._data import _SMEAR_LEVELS


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
    X_val, folds = data.X_val, data.row_folds
    if folds is None:
        return _forward(X_val.astype(np.float64), networks[0])
    out = np.empty((len(X_val), networks[0][2].shape[1]))
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


def network_attributes(networks, weights, y_mean, y_scale):
    """coefs_ and intercepts_ of the members averaged into one wide network,
    the target's scaling folded in."""
    W1 = np.concatenate([n[0] for n in networks], axis=1)
    b1 = np.concatenate([n[1] for n in networks])
    W2 = np.concatenate([n[2] * wk for n, wk in zip(networks, weights, strict=True)])
    W2 = W2 * y_scale
    b2 = sum(wk * n[3] for n, wk in zip(networks, weights, strict=True))
    return {"coefs_": [W1, W2], "intercepts_": [b1, b2 * y_scale + y_mean]}


def choose_members(members, data, task, max_members, column=0):
    """Greedy ensemble weights of ``members`` (lists of fold networks, fitted
    to ``column`` of the target) on the out-of-fold validation predictions,
    then the task's calibration.

    Returns the weights, the factor on the returned outputs, the validation
    score and the calibration's fitted attributes.
    """
    preds = [_out_of_fold(networks, data) for networks in members]

    def score(pred):
        return task.score(task.back(data, pred, column), data)

    weights, score_ = _select(preds, score, max_members)
    blend = sum(wk * p for wk, p in zip(weights, preds, strict=True) if wk)
    gain, score_, fitted = task.calibrate(blend, data, score_)
    if column:  # the twin's residuals, for predict's smearing
        residuals = (data.y_val[:, 1:2] - blend) * data.y_scale[1]
        fitted["_smearing"] = np.quantile(residuals, _SMEAR_LEVELS, axis=0)
    return weights, gain, score_, fitted


def returned_model(executor, pool, best, data, task, max_members):
    """The fitted attributes of the returned model: the greedy ensemble of the
    pool's bags (a candidate's fold copies) and the task's linear member, as
    one wide network, and what describes it. With a twin target, the pool
    keeps the candidates fitted to the same column as the best one."""
    population, k = executor.population, data.n_folds
    kind = executor.candidates[best].get("target_transform")
    column = 0 if kind is None else 1
    outputs = slice(0, data.n_outputs) if column == 0 else slice(1, 2)
    pool = [c for c in pool if executor.candidates[c].get("target_transform") == kind]
    members = [[population.network(i) for i in executor.copies([c])] for c in pool]
    linear = task.linear_member(data, column)
    members += [] if linear is None else [linear]
    weights, gain, score, fitted = choose_members(
        members, data, task, max_members, column
    )
    order = np.argsort(-weights[: len(pool)], kind="stable")
    top = pool[order[0]]
    seen = np.mean([population.best_of(i)[1] for i in executor.copies([top])])
    ensemble = [
        {"params": dict(executor.candidates[pool[i]]), "weight": float(weights[i])}
        for i in order
        if weights[i] > 0
    ]
    if linear is not None and weights[-1] > 0:
        params = {"linear": True, "alpha": linear[0][4]}
        ensemble.append({"params": params, "weight": float(weights[-1])})
    chosen = [n[:4] for m, w in zip(members, weights, strict=True) if w for n in m]
    shares = np.repeat(weights[weights > 0] * gain / k, k)
    first = executor.copies([top])[0]
    loss_curve = executor.trace.loss_curve(first)
    validation_scores = executor.trace.validation_curve(first)
    return {
        **fitted,
        **network_attributes(
            chosen, shares, data.y_mean[outputs], data.y_scale[outputs]
        ),
        **_twin_attributes(task, kind, data.twin if column else None),
        "best_score_": score,
        "best_params_": {
            **executor.candidates[top],
            "max_iter": max(1, math.ceil(seen / data.n_train)),
        },
        "ensemble_": ensemble,
        "loss_curve_": loss_curve,
        "n_iter_": len(loss_curve),
        "validation_scores_": validation_scores,
        "best_validation_score_": max(validation_scores),
        "n_outputs_": data.n_outputs,
    }


def _twin_attributes(task, kind, twin):
    """target_transform_ (and the twin predict uses) of a regressor."""
    return {"target_transform_": kind, "_twin": twin} if hasattr(task, "twin") else {}
