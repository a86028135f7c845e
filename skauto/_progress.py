"""What AutoSearchCV prints with ``verbose``, as scikit-learn's searches do."""

import numpy as np
from joblib.logger import short_format_time


def report_rung(bracket, it, n_rungs, values, n_splits, n_resources, seconds):
    """One line per rung run (verbose > 0)."""
    finite = [v for v in values if np.isfinite(v)]
    best = f"{max(finite):.4g}" if finite else "nan"
    print(
        f"[AutoSearchCV] bracket {bracket} rung {it + 1}/{n_rungs}: "
        f"{len(values)} candidates x {n_splits} folds, "
        f"n_resources={n_resources}, best mean score {best} ({seconds:.1f}s)"
    )


def report_splits(
    params, outs, candidate, n_candidates, verbose, error_score, train_score
):
    """GridSearchCV's ``[CV k/K; c/N] END ...`` line per fit (verbose > 1):
    the split with verbose > 2, the candidate with verbose > 9, and the
    scores with verbose > 2 (test, and train with ``train_score``)."""
    shown = ", ".join(f"{name}={params[name]}" for name in sorted(params))
    for k, out in enumerate(outs):
        progress = ""
        if verbose > 2:
            progress = f" {k + 1}/{len(outs)}"
        if verbose > 9:
            progress += f"; {candidate + 1}/{n_candidates}"
        result = shown + (";" if shown else "")
        if verbose > 2:
            result += score_message(out, error_score, train_score)
        total = out["fit_time"] + out["score_time"]
        result += f" total time={short_format_time(total)}"
        start = f"[CV{progress}] END "
        print(start + "." * (80 - len(start) - len(result)) + result)


def score_message(out, error_score, train_score):
    """The score part of GridSearchCV's per-fit line."""
    test = out["test_scores"]
    train = out["train_scores"] if train_score else None
    if test is None:
        test = {"score": error_score}
        train = {"score": error_score} if train_score else None
    if list(test) == ["score"]:
        if train is None:
            return f", score={test['score']:.3f}"
        return f", score=(train={train['score']:.3f}, test={test['score']:.3f})"
    message = ""
    for name in sorted(test):
        message += f" {name}: ("
        if train is not None:
            message += f"train={train[name]:.3f}, "
        message += f"test={test[name]:.3f})"
    return message
