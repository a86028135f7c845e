"""The joblib worker of AutoSearchCV: fit (or continue) and score one
(candidate, fold), a module-level function of picklable data, so that any
joblib backend (loky, threading, dask) runs it."""

import time
import traceback
import warnings
from inspect import signature
from numbers import Number
from types import NoneType

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.pipeline import Pipeline
from sklearn.utils import get_tags

from ._callbacks import LeafHooks
from ._compat import _check_method_params, _safe_split
from ._pipeline_cache import FoldMemory


def fit_and_score(
    estimator,
    X,
    y,
    *,
    params,
    train,
    test,
    n_partial_fit,
    classes,
    fit_params,
    scorer,
    score_params,
    return_train_score,
    error_score,
    keep_model,
    quiet,
    memory=None,
    fit=True,
    deadline=None,
    tag=None,
    callback_ctx=None,
    caller=None,
):
    """Fit (or continue) one (candidate, fold) and score it: the joblib worker.

    ``estimator`` arrives as a fresh clone or as the fold model of the
    previous rung; ``params`` (the candidate's parameters and the resource's
    new value) are set here, inside the ``error_score`` guard, so that a
    candidate that cannot be set (a pipeline step swapped for one lacking a
    parameter) fails alone. ``n_partial_fit > 0`` calls ``partial_fit`` that
    many times instead of ``fit``. A failed fit is returned as ``error`` (a
    formatted traceback), a failed score as ``score_error``, unless
    ``error_score="raise"``. ``quiet`` silences ConvergenceWarning (a small
    budget is not expected to converge); otherwise they are counted in
    ``n_not_converged`` rather than shown, for one summary per search.
    ``memory``, for a fresh pipeline, is the training fold's
    :class:`~skauto._pipeline_cache.FoldMemory`. ``fit=False`` scores a
    continued model that already has its budget. A task started after
    ``deadline`` (a ``time.time()`` value) does nothing and says so
    (``skipped``). ``tag`` comes back in the output, to tell outputs that
    arrive in any order apart. ``callback_ctx``, the leaf's callback
    context, gets its hooks here (with ``caller``, the search, as their
    estimator), the callbacks propagated to the fold's estimator.
    """
    if deadline is not None and time.time() > deadline:
        return {"skipped": True, "tag": tag}
    out = {"fit_time": 0.0, "score_time": 0.0, "error": None, "model": None}
    out.update(tag=tag, test_scores=None, train_scores=None, score_error=None)
    out["start"] = time.time()  # wall clock, which every process shares
    out["n_not_converged"] = 0
    hooks = LeafHooks(callback_ctx, caller, estimator)
    try:
        _fit_then_score(
            out, hooks, estimator, X, y, params, train, test, n_partial_fit,
            classes, fit_params, scorer, score_params, return_train_score,
            error_score, quiet, memory, fit,
        )  # fmt: skip
    finally:
        hooks.end()
    out["end"] = time.time()
    out["model"] = estimator if keep_model and out["error"] is None else None
    return out


def _fit_then_score(
    out, hooks, estimator, X, y, params, train, test, n_partial_fit, classes,
    fit_params, scorer, score_params, return_train_score, error_score, quiet,
    memory, fit,
):  # fmt: skip
    """The body of :func:`fit_and_score`, writing into ``out``."""
    start = time.perf_counter()
    try:
        if params:
            estimator.set_params(**params)
        if memory is not None:  # a pipeline's parameter, set as set_params would
            estimator.memory = memory
        pairwise = get_tags(estimator).input_tags.pairwise
        X_train, y_train = _split(estimator, X, y, train, pairwise=pairwise)
        if isinstance(getattr(estimator, "memory", None), FoldMemory):
            estimator.memory.remember_input(X_train)  # a continued model's too
        fit_params = _check_method_params(X, params=fit_params, indices=train)
        weights = fit_params.get("sample_weight")
        hooks.begin(
            X_train, y_train, None if weights is None else {"sample_weight": weights}
        )
        if fit:
            out["n_not_converged"] = _fit_counting(
                estimator, X_train, y_train, fit_params, n_partial_fit, classes, quiet
            )
        hooks.fitted()
    except Exception:
        if error_score == "raise":
            raise
        out["error"] = traceback.format_exc()
        return
    out["fit_time"] = time.perf_counter() - start
    start = time.perf_counter()
    _score_into(
        out, estimator, X, y, train, test, X_train, y_train, scorer,
        score_params, return_train_score, error_score, pairwise,
    )  # fmt: skip
    out["score_time"] = time.perf_counter() - start


def _score_into(
    out, estimator, X, y, train, test, X_train, y_train, scorer, score_params,
    return_train_score, error_score, pairwise,
):  # fmt: skip
    """Score the fitted fold model into ``out`` (test, and train scores)."""
    try:
        X_test, y_test = _split(estimator, X, y, test, train, pairwise=pairwise)
        scores = [_score(estimator, X_test, y_test, scorer, score_params, X, test)]
        if return_train_score:
            scores.append(
                _score(estimator, X_train, y_train, scorer, score_params, X, train)
            )
    except Exception:
        if error_score == "raise":
            raise
        out["score_error"] = traceback.format_exc()
    else:  # a scorer that returns no number is a mistake, whatever error_score
        out["test_scores"] = _numbers(scores[0], scorer)
        if return_train_score:
            out["train_scores"] = _numbers(scores[1], scorer)


def _split(estimator, X, y, indices, train_indices=None, *, pairwise):
    """scikit-learn's ``_safe_split``, indexing numpy arrays directly.

    ``_safe_split`` checks X and y for every kind of dataframe before
    indexing them, a third of the time a search spends around one small fit;
    the rows of a numpy array are the same without the checks.
    """
    if not pairwise and type(X) is np.ndarray and type(y) in (np.ndarray, NoneType):
        return X[indices], None if y is None else y[indices]
    return _safe_split(estimator, X, y, indices, train_indices)


def _fit_counting(estimator, X, y, fit_params, n_partial_fit, classes, quiet):
    """``_fit``, returning how many ConvergenceWarnings it raised (not shown)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _fit(estimator, X, y, fit_params, n_partial_fit, classes)
    n_not_converged = 0
    for w in caught:
        if issubclass(w.category, ConvergenceWarning):
            n_not_converged += 1
        else:  # any other warning goes on to the caller's filters
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    return 0 if quiet else min(n_not_converged, 1)


def _fit(estimator, X, y, fit_params, n_partial_fit, classes):
    if n_partial_fit == 0:
        if y is None:
            estimator.fit(X, **fit_params)
        else:
            estimator.fit(X, y, **fit_params)
        return
    kwargs = dict(fit_params)  # empty for a pipeline (see choose_advance)
    # through pipelines: transform X by the fitted steps, continue the last one
    while isinstance(estimator, Pipeline):
        if len(estimator) > 1:
            X = estimator[:-1].transform(X)
        estimator = estimator.steps[-1][1]
    if classes is not None and "classes" in signature(estimator.partial_fit).parameters:
        # a model fitted on a fold missing a class knows only the fold's
        # classes, and partial_fit must be told the same ones again
        kwargs["classes"] = getattr(estimator, "classes_", classes)
    for _ in range(n_partial_fit):
        estimator.partial_fit(X, y, **kwargs)


def _score(estimator, X, y, scorer, score_params, X_all, indices):
    """The scorer's output, ``{name: score}``; a failed scorer of several
    (its traceback, which ``_MultimetricScorer`` returns as a string) raises."""
    params = _check_method_params(X_all, params=score_params, indices=indices)
    if y is None:
        scores = scorer(estimator, X, **params)
    else:
        scores = scorer(estimator, X, y, **params)
    if not isinstance(scores, dict):
        return {"score": scores}
    for name, value in scores.items():
        if isinstance(value, str):
            raise ValueError(f"scoring {name!r} failed:\n{value}")
    return scores


def _numbers(scores, scorer):
    """``{name: float}``; a score that is not a number (after ``.item()``
    of a one-element array) raises scikit-learn's ValueError."""
    numbers = {}
    for name, value in scores.items():
        if hasattr(value, "item") and np.size(value) == 1:
            value = value.item()
        if not isinstance(value, Number):
            shown = scorer if name == "score" else name
            raise ValueError(
                f"scoring must return a number, got {value!r} ({type(value)}) "
                f"instead. (scorer={shown})"
            )
        numbers[name] = float(value)
    return numbers
