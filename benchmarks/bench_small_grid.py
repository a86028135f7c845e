"""AutoSearchCV against GridSearchCV on small grids of cheap estimators (issue 11).

The code of a GridSearchCV user with only the class name changed: the same
estimator, grid and defaults (cv=5, n_jobs=None). Each search is run
``--repeats`` times, alternating GridSearchCV and AutoSearchCV (and, for
reference, GridSearchCV on one BLAS and OpenMP thread) so that all see the same machine
load; the table reports the median and the minimum.

    python benchmarks/bench_small_grid.py
    python benchmarks/bench_small_grid.py --repeats 3

Problems
--------
- lr: LogisticRegression() over 13 values of C (np.logspace(-4, 4, 13)) on
  breast_cancer, unscaled (lbfgs stops at max_iter=100 for most C);
- lr_scaled: the same behind StandardScaler (converges);
- svc: scikit-learn's own GridSearchCV example, SVC() over
  {"kernel": ("linear", "rbf"), "C": [1, 10]} on iris (4 points).

Notes
-----
Both searches get the user's code unchanged but for the class name: default
cv (5-fold, stratified), n_jobs=None, refit=True. Seconds are wall-clock
seconds of fit (refit included), GridSearchCV, AutoSearchCV and GridSearchCV
inside threadpoolctl's one-thread limit (BLAS, OpenMP) alternating,
repeated; the best parameters and score are those of the last repeat.
AutoSearchCV runs the fits of data this small (under 1e6 values) on one
BLAS and OpenMP thread: the third
row shows what of its lead comes from that rather than from the search
(SVC's libsvm uses no BLAS).
AutoSearchCV's resource="auto" is n_samples for both estimators; with
training folds under 1000 samples (455 and 120 here), min_resources="auto"
makes one exhaustive rung, the same fits as GridSearchCV's, but for
lr_scaled's StandardScaler, which AutoSearchCV fits once per training fold
rather than once per candidate (the pipeline's memory; same scores).
"""

import argparse
import statistics
import time
import warnings

import numpy as np
from _common import (
    doc_part,
    fmt,
    main_study,
    markdown_table,
    page,
    short_params,
)
from sklearn.datasets import load_breast_cancer, load_iris
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC
from threadpoolctl import threadpool_limits

from skauto.model_selection import AutoSearchCV

PROBLEMS = doc_part(__doc__, "Problems")
NOTES = doc_part(__doc__, "Notes").rstrip("\n")


def problems():
    X, y = load_breast_cancer(return_X_y=True)
    X_iris, y_iris = load_iris(return_X_y=True)
    c_grid = np.logspace(-4, 4, 13)
    return {
        "lr": (LogisticRegression(), {"C": c_grid}, X, y),
        "lr_scaled": (
            make_pipeline(StandardScaler(), LogisticRegression()),
            {"logisticregression__C": c_grid},
            X,
            y,
        ),
        "svc": (SVC(), {"kernel": ("linear", "rbf"), "C": [1, 10]}, X_iris, y_iris),
    }


def run(search, X, y):
    start = time.perf_counter()
    search.fit(X, y)
    return {
        "seconds": time.perf_counter() - start,
        "best_score": float(search.best_score_),
        "best_params": {k: _plain(v) for k, v in search.best_params_.items()},
        "n_resources": getattr(search, "n_resources_", None),
        "n_candidates": getattr(search, "n_candidates_", None),
    }


def _plain(value):
    return value.item() if isinstance(value, np.generic) else value


ONE_THREAD = "GridSearchCV, 1 thread"


def run_problem(estimator, grid, X, y, repeats):
    runs = {"GridSearchCV": [], "AutoSearchCV": [], ONE_THREAD: []}
    for _ in range(repeats):
        for cls in (GridSearchCV, AutoSearchCV):
            runs[cls.__name__].append(run(cls(estimator, grid), X, y))
        with threadpool_limits(limits=1):  # BLAS and OpenMP, as AutoSearchCV's fits
            runs[ONE_THREAD].append(run(GridSearchCV(estimator, grid), X, y))
    return runs


def table(runs):
    grid_median = statistics.median(r["seconds"] for r in runs["GridSearchCV"])
    rows = []
    for label, results in runs.items():
        times = [r["seconds"] for r in results]
        median = statistics.median(times)
        last = results[-1]
        rows.append(
            [label, fmt(median, ".3f"), fmt(min(times), ".3f")]
            + [fmt(median / grid_median, ".2f"), fmt(last["best_score"])]
            + [short_params(last["best_params"]), last["n_resources"] or "-"]
            + [last["n_candidates"] or "-"]
        )
    headers = ["search", "median s", "min s", "÷ grid (median)", "best CV score"]
    headers += ["best parameters", "n_resources_", "n_candidates_"]
    return markdown_table(headers, rows)


def checks(name, runs):
    """The target on the median and on the minimum (the least disturbed run)."""
    lines = []
    for label, stat in (("median", statistics.median), ("min", min)):
        grid = stat(r["seconds"] for r in runs["GridSearchCV"])
        auto = stat(r["seconds"] for r in runs["AutoSearchCV"])
        one = stat(r["seconds"] for r in runs[ONE_THREAD])
        verdict = "PASS" if auto <= grid else "FAIL"
        lines.append(
            f"{verdict} [{name}] {label} time {auto / grid:.2f} x GridSearchCV <= 1"
            f" (and {auto / one:.2f} x GridSearchCV on 1 thread, not a target)"
        )
    return "\n".join(lines)


def parser():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    return parser


def run_study(args):
    warnings.filterwarnings("ignore")  # the unscaled lr warns at every fit
    results = {}
    for name, (estimator, grid, X, y) in problems().items():
        print(f"[{name}] ...", flush=True)
        results[name] = run_problem(estimator, grid, X, y, args.repeats)
    yield "bench_small_grid", {"results": results}


def report(data, args):
    parts = [p for name, runs in data["results"].items()
             for p in (f"## {name}", table(runs), checks(name, runs))]  # fmt: skip
    return page("# bench_small_grid: small grids of cheap estimators", __file__, data,
                PROBLEMS.rstrip("\n"), *parts, NOTES)  # fmt: skip


if __name__ == "__main__":
    main_study(parser(), run_study, report)
