"""One ``cv_results_`` builder for both estimators.

Each executor reports one *record* per (candidate, rung) it evaluated::

    {"candidate": 3, "bracket": 0, "iter": 1, "n_resources": 6,
     "params": {...}, "status": "ok",            # or "diverged", "failed", ...
     "test_scores": {"score": [0.91, 0.90, 0.92]},   # one value per split
     "train_scores": {"score": [...]} or None,
     "fit_time": [...], "score_time": [...]}         # one value per split

and :func:`build_cv_results` turns the records into the dict of arrays that
scikit-learn's searches expose (``params``, ``param_*``, ``split{k}_test_*``,
``mean_test_*``, ``std_test_*``, ``rank_test_*``, fit and score times), plus
``candidate``, ``iter``, ``n_resources``, ``bracket`` and ``status``, and
``start_time`` and ``end_time`` when the records have them.
"""

import numpy as np
from numpy import ma
from scipy.stats import rankdata


def build_cv_results(records, metrics, n_splits, return_train_score=False):
    """Dict of arrays, one entry per record, in scikit-learn's schema.

    Parameters
    ----------
    records : list of dict
        One per (candidate, rung), see the module docstring.
    metrics : list of str
        Metric names; ``["score"]`` for single-metric scoring.
    n_splits : int
        Number of cross-validation splits (1 for a hold-out split).
    return_train_score : bool
        Whether to add the ``*_train_*`` columns.
    """
    results = {
        "candidate": np.array([r["candidate"] for r in records], dtype=np.int64),
        "iter": np.array([r["iter"] for r in records], dtype=np.int64),
        "n_resources": np.array([r["n_resources"] for r in records], dtype=np.int64),
        "bracket": np.array([r["bracket"] for r in records], dtype=np.int64),
        "status": np.array([r["status"] for r in records], dtype=object),
    }
    for key in ["fit_time", "score_time"]:
        times = _split_matrix(records, lambda r, key=key: r[key], n_splits)
        results[f"mean_{key}"], results[f"std_{key}"] = _mean_std(times)
    for key in ["start_time", "end_time"]:  # when the executor says
        if records and key in records[0]:
            results[key] = np.array([r[key] for r in records], dtype=float)
    params = [r["params"] for r in records]
    results.update(_param_columns(params))
    results["params"] = params
    sets = ["test", "train"] if return_train_score else ["test"]
    for metric in metrics:
        for split_set in sets:
            scores = _split_matrix(
                records,
                lambda r, s=split_set, m=metric: (r[f"{s}_scores"] or {}).get(m),
                n_splits,
            )
            for k in range(n_splits):
                results[f"split{k}_{split_set}_{metric}"] = scores[:, k]
            means, stds = _mean_std(scores)
            results[f"mean_{split_set}_{metric}"] = means
            results[f"std_{split_set}_{metric}"] = stds
            if split_set == "test":
                results[f"rank_test_{metric}"] = rank_scores(means)
    return results


def _mean_std(matrix):
    """Row means and standard deviations; infinite scores give NaN quietly."""
    with np.errstate(invalid="ignore"):
        return matrix.mean(axis=1), matrix.std(axis=1)


def _split_matrix(records, get, n_splits):
    """Array (n_records, n_splits) of floats; missing values are NaN."""
    out = np.full((len(records), n_splits), np.nan)
    for i, record in enumerate(records):
        values = get(record)
        if values is not None:
            out[i] = np.asarray(values, dtype=float)
    return out


def _param_columns(params):
    """``param_*`` masked arrays, typed as scikit-learn's searches type them:
    the dtype numpy infers from the values, unless it is a string dtype or
    more than one dimension (tuples of one length), then object."""
    names = sorted({name for p in params for name in p})
    columns = {}
    for name in names:
        values = [p[name] for p in params if name in p]
        try:
            inferred = np.array(values)
        except ValueError:  # sequences of different lengths
            dtype = np.dtype(object)
        else:
            one_d = inferred.dtype.kind != "U" and inferred.ndim == 1
            dtype = inferred.dtype if one_d else np.dtype(object)
        column = ma.MaskedArray(np.empty(len(params), dtype=dtype), mask=True)
        for i, p in enumerate(params):
            if name in p:
                column[i] = p[name]
        columns[f"param_{name}"] = column
    return columns


def rank_scores(means):
    """Rank 1 for the highest mean; NaN means rank last (like scikit-learn)."""
    means = np.asarray(means, dtype=float)
    if means.size == 0 or np.isnan(means).all():
        return np.ones(means.shape, dtype=np.int32)
    filled = np.where(np.isnan(means), np.nanmin(means) - 1, means)
    return rankdata(-filled, method="min").astype(np.int32)


def best_index(results, metric="score", any_budget=False):
    """Index of the best row with a finite score; None when there is none.

    With ``any_budget``, every row competes (the budget is a parameter like
    the others). Otherwise, like scikit-learn's halving searches, only the
    rows evaluated at the highest ``n_resources`` that has a finite score.
    """
    means = np.asarray(results[f"mean_test_{metric}"], dtype=float)
    finite = np.isfinite(means)
    if not finite.any():
        return None
    if not any_budget:
        finite &= results["n_resources"] == results["n_resources"][finite].max()
    rows = np.flatnonzero(finite)
    return int(rows[np.argmax(means[rows])])


def last_rung_rows(results):
    """Row of each candidate's last rung (its largest ``iter``), by candidate id."""
    last = {}
    for row, (candidate, it) in enumerate(
        zip(results["candidate"], results["iter"], strict=True)
    ):
        if candidate not in last or it >= results["iter"][last[candidate]]:
            last[candidate] = row
    return np.array([last[c] for c in sorted(last)], dtype=np.intp)


def candidate_view(results, metrics):
    """One row per candidate (its last rung), as GridSearchCV's ``cv_results_``.

    The rows keep every key of ``results``; ``rank_test_*`` ranks the
    candidates by the budget they reached first, then by their mean score
    there (NaN last), so that rank 1 is the best of those that went furthest,
    as successive halving decides.
    """
    rows = last_rung_rows(results)
    view = {}
    for key, value in results.items():
        if key == "params":
            view[key] = [value[i] for i in rows]
        elif key.startswith("rank_test_"):
            metric = key[len("rank_test_") :]
            view[key] = rank_by_budget(view["n_resources"], view[f"mean_test_{metric}"])
        else:
            view[key] = value[rows]
    return view


def rank_by_budget(budgets, means):
    """Rank 1 for the highest budget, then the highest mean (NaN last)."""
    budgets = np.asarray(budgets, dtype=float)
    means = np.asarray(means, dtype=float)
    filled = np.where(np.isnan(means), -np.inf, means)
    better = (budgets[None, :] > budgets[:, None]) | (
        (budgets[None, :] == budgets[:, None]) & (filled[None, :] > filled[:, None])
    )
    return (1 + better.sum(axis=1)).astype(np.int32)
