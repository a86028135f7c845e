"""After the rungs: failures, the best candidate, its refit (a mixin)."""

import math
import time
import warnings
from collections import Counter

import numpy as np
from scipy.sparse import issparse
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, FitFailedWarning

from .._compat import select_best_index
from .._results import best_index


class _SelectionMixin:
    """The methods of AutoSearchCV that judge the rungs' results."""

    def _check_failures(self, evaluator, X):
        """GridSearchCV's error when every fit failed, its warning when some
        did (and one for the scorings that failed after a fit)."""
        errors, n_fits = evaluator.errors, evaluator.n_fits
        if len(errors) == n_fits:
            message = (
                f"\nAll the {n_fits} fits failed.\nIt is very likely that your "
                "model is misconfigured.\nYou can try to debug the error by "
                "setting error_score='raise'.\n\nBelow are more details about "
                f"the failures:\n{_summary(errors, 'fits')}"
            )
            conversion = _not_numbers(X)
            if conversion is not None:  # the likely cause, said first
                raise type(conversion)(
                    f"X holds values that are not numbers ({conversion}), and "
                    f"{type(self.estimator).__name__} needs numeric features: "
                    "encode text and categorical columns first, for example with "
                    "a OneHotEncoder in a ColumnTransformer." + message
                ) from conversion
            raise ValueError(message)
        for kind, failures in (("fits", errors), ("scorings", evaluator.score_errors)):
            if failures:
                self._warn_failures(kind, failures, n_fits)

    def _warn_failures(self, kind, errors, n_fits):
        category = FitFailedWarning if kind == "fits" else UserWarning
        warnings.warn(
            f"\n{len(errors)} {kind} failed out of a total of {n_fits} "
            "(candidates x folds x rungs).\nThe score on these train-test "
            "partitions for these parameters will be set to "
            f"{self.error_score}; failed candidates are never promoted when it "
            "is NaN.\nIf these failures are not expected, you can try to debug "
            "them by setting error_score='raise'.\n\nBelow are more details "
            f"about the failures:\n{_summary(errors, kind)}",
            category,
            stacklevel=4,
        )

    def _set_rung_attributes(self, results):
        rungs = Counter(
            zip(
                results["bracket"], results["iter"], results["n_resources"], strict=True
            )
        )
        order = sorted(rungs)
        self.n_resources_ = [int(r) for _, _, r in order]
        self.n_candidates_ = [int(rungs[key]) for key in order]
        self.n_iterations_ = len(order)

    def _pick_best(self, results, rungs, metric):
        """Set ``best_index_`` (a row of ``cv_results_``), ``best_score_``,
        ``best_params_``, and the budget of the refit."""
        self._refit_budget = None  # None: the user's own (max_resources_)
        if callable(self.refit):
            self.best_index_ = int(select_best_index(self.refit, metric, results))
            row = _rung_row(rungs, results["candidate"][self.best_index_])
        else:
            row = best_index(rungs, metric)  # the best that went furthest
            if row is None:  # no finite score (warned): the first of the last rung
                ranks = results[f"rank_test_{metric}"]
                row = _rung_row(rungs, results["candidate"][np.argmin(ranks)])
            else:
                row = self._clearly_better(rungs, row, metric)
                self._refit_budget = self._refit_budget or self._validated(rungs, row)
            self.best_index_ = int(
                np.flatnonzero(results["candidate"] == rungs["candidate"][row])[0]
            )
            self.best_score_ = float(rungs[f"mean_test_{metric}"][row])
        self.best_params_ = self._best_params(rungs["params"][row])
        self._best_rung_row = row  # for the pictures of the search

    def _clearly_better(self, rungs, row, metric):
        """``row``, or a row at a smaller budget whose mean score beats it by
        more than the standard error of their difference (then refitted at
        that budget, which ``best_params_`` and the verbose output say)."""
        if self.resource_ == "n_samples":
            return row
        best = best_index(rungs, metric, any_budget=True)
        n_res = rungs["n_resources"]
        if n_res[best] >= n_res[row]:
            return row
        means, stds = rungs[f"mean_test_{metric}"], rungs[f"std_test_{metric}"]
        error = math.sqrt((stds[best] ** 2 + stds[row] ** 2) / self.n_splits_)
        if means[best] - means[row] <= error:
            return row
        self._refit_budget = int(n_res[best])
        if self.verbose:
            print(
                f"[AutoSearchCV] refitting at {self.resource_}={n_res[best]}: "
                f"mean score {means[best]:.4g} there beats {means[row]:.4g} at "
                f"{self.resource_}={n_res[row]} by more than its standard error"
            )
        return best

    def _validated(self, rungs, row):
        """The budget of ``row`` when no candidate reached ``max_resources_``:
        the search stopped them all because their scores fell (a larger
        budget was shown to be worse), or ``max_time`` cut it (the refit is
        part of the time budget: it costs about what the search measured).
        None otherwise (the user's budget)."""
        budget = int(rungs["n_resources"][row])
        if self.resource_ == "n_samples" or budget >= self.max_resources_:
            return None
        if self.verbose:
            why = (
                f"max_time={self.max_time}s cut the search"
                if self._cut_by_time
                else "every candidate stopped when its score fell"
            )
            print(
                f"[AutoSearchCV] {why} below {self.resource_}="
                f"{self.max_resources_}: refitting at {self.resource_}={budget}"
            )
        return budget

    def _best_params(self, params):
        """The candidate's parameters, plus the resource when the refit's
        budget is not the estimator's own value of it."""
        params = dict(params)
        if self.resource_ == "n_samples":
            return params
        budget = self._refit_budget or self.max_resources_
        if budget != self.estimator.get_params()[self.resource_]:
            params[self.resource_] = budget
        return params

    def _refit(self, run, estimator):
        self.best_estimator_ = estimator
        if self.best_params_:
            self.best_estimator_.set_params(**clone(self.best_params_, safe=False))
        fit_params = run.routed.estimator.fit
        if self.verbose and self._own_progress and self.resource_ != "n_samples":
            budget = self._refit_budget or self.max_resources_
            print(f"[AutoSearchCV] refitting the best at {self.resource_}={budget}")
        start = time.perf_counter()
        with warnings.catch_warnings():
            if self._refit_budget is not None:  # a small budget, chosen
                warnings.simplefilter("ignore", ConvergenceWarning)
            if run.y is None:
                self.best_estimator_.fit(run.X, **fit_params)
            else:
                self.best_estimator_.fit(run.X, run.y, **fit_params)
        self.refit_time_ = time.perf_counter() - start
        if hasattr(self.best_estimator_, "feature_names_in_"):
            self.feature_names_in_ = self.best_estimator_.feature_names_in_


def _summary(errors, kind):
    """Each distinct traceback once, with how many fits (or scorings) had it."""
    return "\n".join(
        f"{'-' * 80}\n{count} {kind} failed with the following error:\n{error}"
        for error, count in Counter(errors).most_common()
    )


def _rung_row(rungs, candidate):
    """Row of ``candidate``'s last rung in the per-rung table."""
    rows = np.flatnonzero(rungs["candidate"] == candidate)
    return int(rows[np.argmax(rungs["iter"][rows])])


def _warn_non_finite(results, metrics, return_train_score):
    """GridSearchCV's warning when some mean scores are not finite."""
    for split_set in ["test", "train"] if return_train_score else ["test"]:
        for metric in metrics:
            means = np.asarray(results[f"mean_{split_set}_{metric}"], dtype=float)
            if not np.isfinite(means).all():
                warnings.warn(
                    f"One or more of the {split_set} scores are non-finite: {means}"
                    + (
                        "; none is finite, so the best candidate is the first of "
                        "those that reached the largest budget"
                        if not np.isfinite(means).any()
                        else ""
                    ),
                    category=UserWarning,
                    stacklevel=5,
                )


def _warn_not_converged(evaluator, resource, max_resources):
    """One ConvergenceWarning for the fits at the full budget that needed more."""
    n = evaluator.n_not_converged
    if n:
        warnings.warn(
            f"{n} of the fits at the full budget ({resource}={max_resources}) did "
            "not converge (ConvergenceWarning); fits at the smaller budgets of the "
            "first rungs are not expected to",
            ConvergenceWarning,
            stacklevel=5,
        )


def _not_numbers(X):
    """The error converting ``X`` to numbers (a string column, string
    categories), or None when it converts: asked only once every fit failed,
    since estimators and pipelines that encode such columns accept them."""
    if issparse(X):
        return None
    try:
        np.asarray(X, dtype=float)
    except (ValueError, TypeError) as exc:
        return exc
    return None
