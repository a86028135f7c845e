"""SelfTuningMLPRegressor against no-knob and tuned baselines on the suite (issue 9).

For every dataset of ``suite_data.SUITE`` (75/25 split, ``random_state=0``):
test R² and fit seconds of

- ``skauto``: ``SelfTuningMLPRegressor(random_state=0)`` with its defaults;
- ``mlp``: ``MLPRegressor(random_state=0)`` defaults, target standardized;
- ``hgb``: ``HistGradientBoostingRegressor(random_state=0)`` defaults;
- ``ridge``: ``RidgeCV()`` defaults;
- ``grid``: ``GridSearchCV(cv=3, n_jobs=2)`` over bench_mlp.py's 27 MLP
  configurations, skipped where one configuration's fit says it would take
  over 10 minutes;
- ``realmlp``: pytabkit's ``RealMLP_TD_Regressor(random_state=0)`` defaults
  (optional extra), skipped above 20,000 training rows (``--realmlp-max-rows``).

The MLPs and RidgeCV get the ColumnTransformer of ``_common.make_preprocessor``;
HistGradientBoosting and RealMLP get the raw frame (categorical dtype used
natively). Baseline rows are cached in ``results/bench_suite_cache.json``,
keyed by dataset, data and library versions; the skauto row always runs.

    python benchmarks/bench_suite.py                       # skauto + cached rows
    python benchmarks/bench_suite.py --no-cache            # everything, one run
    python benchmarks/bench_suite.py --only skauto --datasets diabetes,diamonds
    python benchmarks/bench_suite.py --quick               # smoke run
"""

import hashlib
import os
import sys
import time
import warnings

import numpy as np
from _common import (
    load_cache,
    machine_info,
    make_preprocessor,
    now_utc,
    optional,
    package_version,
    parse_suite_args,
    save_cache,
    short_params,
    silence_convergence_warnings,
    skauto_location,
    suite_parser,
    timed_fit,
    warm_up_workers,
    write_results,
)
from bench_mlp import GRID, PREFIX, QUICK_GRID, mlp_pipeline
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from suite_data import SUITE, load_suite_split, r2_ceiling
from suite_report import report

MODELS = ["skauto", "mlp", "hgb", "ridge", "grid", "realmlp"]
GRID_LIMIT_S = 600
ESTIMATE_MAX_ROWS = 20_000
REALMLP_MAX_TRAIN_ROWS = 20_000  # --realmlp-max-rows
N_JOBS = 2
VERSIONED = ["scikit-learn", "numpy", "scipy", "pandas"]
VERSIONED_REALMLP = ["pytabkit", "torch"]
CACHE = "bench_suite_cache"  # results/bench_suite_cache.json


def measure(estimator, data, note=""):
    """Fit on the training rows; test R², fit seconds, load average."""
    X_train, X_test, y_train, y_test = data
    load = round(os.getloadavg()[0], 2)
    seconds = timed_fit(estimator, X_train, y_train)
    return {
        "test_r2": float(estimator.score(X_test, y_test)),
        "fit_seconds": seconds,
        "note": note,
        "load_average_1min": load,
    }


def skipped(reason, **extra):
    return {"test_r2": None, "fit_seconds": None, "note": reason, **extra}


# ------------------------------------------------------------------ the rows


def run_skauto(data, quick):
    SelfTuning = optional("skauto.neural_network", "SelfTuningMLPRegressor")
    if SelfTuning is None:
        return skipped("not available (skauto.neural_network)")
    model = make_pipeline(make_preprocessor(), SelfTuning(random_state=0))
    row = measure(model, data)
    best = getattr(model[-1], "best_params_", None) or {}
    row["best_params"] = best
    row["note"] = f"chose: {short_params(best)}"
    return row


def run_mlp(data, quick):
    return measure(mlp_pipeline(), data, "target standardized")


def run_hgb(data, quick):
    hgb = HistGradientBoostingRegressor(random_state=0)
    return measure(hgb, data, "raw frame, native categoricals")


def run_ridge(data, quick):
    ridge = make_pipeline(make_preprocessor(), RidgeCV())
    row = measure(ridge, data)
    row["note"] = f"alpha={ridge[-1].alpha_:g}"
    return row


def run_realmlp(data, quick, max_rows=REALMLP_MAX_TRAIN_ROWS):
    RealMLP = optional("pytabkit", "RealMLP_TD_Regressor")
    if RealMLP is None:
        return skipped("not installed (pip install '.[realmlp]')")
    n_train = len(data[0])
    if n_train > max_rows:
        return skipped(
            f"skipped: {n_train:,} training rows > --realmlp-max-rows "
            f"{max_rows:,} (CPU time: 1,500 training rows took 3.5 min on 2 "
            "shared cores)"
        )
    model = RealMLP(random_state=0, device="cpu")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torch and lightning deprecations
        return measure(model, data, "raw frame (its own preprocessing), CPU")


def grid_estimate(data, grid):
    """Seconds GridSearchCV would take, from one fit of the middle configuration.

    The middle configuration (each parameter's middle value) is fitted on 2/3
    of the training rows, as in one fold (on at most 20,000 rows, the time
    then scaled linearly); the estimate is that time times the number of fits
    (27 x 3 folds + the refit) divided by the workers.
    """
    X_train, _, y_train, _ = data
    middle = {name: values[len(values) // 2] for name, values in grid.items()}
    n = 2 * len(X_train) // 3
    m = min(n, ESTIMATE_MAX_ROWS)  # on more rows, scale the time linearly
    model = mlp_pipeline().set_params(**middle)
    seconds = timed_fit(model, X_train[:m], y_train[:m]) * n / m
    n_configs = int(np.prod([len(v) for v in grid.values()]))
    return seconds * (3 * n_configs + 1) / N_JOBS, seconds


def run_grid(data, quick, limit=GRID_LIMIT_S):
    grid = {PREFIX + k: v for k, v in (QUICK_GRID if quick else GRID).items()}
    estimate, one_fit = grid_estimate(data, grid)
    if estimate > limit:
        return skipped(
            f"skipped (est. {estimate:.0f} s > {limit:.0f} s, from one fit "
            f"of the middle configuration: {one_fit:.1f} s)",
            estimate_seconds=estimate,
        )
    search = GridSearchCV(mlp_pipeline(), grid, cv=3, n_jobs=N_JOBS)
    row = measure(search, data)
    row["best_params"] = search.best_params_
    row["estimate_seconds"] = estimate
    row["note"] = f"best: {short_params(search.best_params_)}; est. {estimate:.0f} s"
    return row


RUNNERS = {
    "skauto": run_skauto,
    "mlp": run_mlp,
    "hgb": run_hgb,
    "ridge": run_ridge,
    "grid": run_grid,
    "realmlp": run_realmlp,
}


# ------------------------------------------------------------------ the cache


def cache_key(dataset, model, data):
    """Dataset, model, a fingerprint of the split and the library versions."""
    X_train, X_test, y_train, _ = data
    digest = hashlib.sha1(np.ascontiguousarray(y_train).tobytes()).hexdigest()[:10]
    dists = VERSIONED + (VERSIONED_REALMLP if model == "realmlp" else [])
    versions = ",".join(f"{d}={package_version(d)}" for d in dists)
    shape = f"{len(X_train)}+{len(X_test)}x{X_train.shape[1]}"
    return f"{dataset}/{model}/{shape}/y:{digest}/{versions}"


# ------------------------------------------------------------------ the run


def run_dataset(name, args, cache, commit):
    data = load_suite_split(name, quick=args.quick)
    rows = {}
    for model in MODELS:
        key = cache_key(name, model, data)
        wanted = model in args.only and not (model == "grid" and args.skip_grid)
        fresh = model == "skauto" or args.no_cache or key not in cache
        if wanted and fresh:
            print(f"[{name}] {model} ...", flush=True)
            row = run_row(model, data, args)
            row.update(source="this run", ran_utc=now_utc(), git_commit=commit)
            print(f"    R2={row['test_r2']} {row['fit_seconds']} s", flush=True)
            # a row that did not run is not cached, except a grid too long to run
            ran = row["test_r2"] is not None or "estimate_seconds" in row
            if model != "skauto" and ran:
                cache[key] = row
                save_cache(CACHE, {key: row}, args.quick, default=float)
        elif key in cache and model != "skauto":
            row = {**cache[key], "source": "cache"}
        elif model == "realmlp" and len(data[0]) > args.realmlp_max_rows:
            row = {**run_row(model, data, args), "source": "not run"}  # the cap
        else:
            row = skipped("not run (--only/--skip-grid, nothing cached)")
            row["source"] = "not run"
        rows[model] = row
    return rows


def run_row(model, data, args):
    try:
        if model == "realmlp":
            return run_realmlp(data, args.quick, args.realmlp_max_rows)
        if model == "grid":
            return run_grid(data, args.quick, args.grid_limit)
        return RUNNERS[model](data, args.quick)
    except Exception as exc:  # a baseline that fails is reported, not fatal
        return skipped(f"failed: {type(exc).__name__}: {exc}"[:200])


def parse_args(argv):
    parser = suite_parser(__doc__.splitlines()[0], SUITE, MODELS, GRID_LIMIT_S)
    parser.add_argument(
        "--realmlp-max-rows",
        type=int,
        default=REALMLP_MAX_TRAIN_ROWS,
        help="skip RealMLP-TD above this many training rows",
    )
    return parse_suite_args(parser, argv, SUITE, MODELS)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    silence_convergence_warnings()
    if "grid" in args.only and not args.skip_grid:
        warm_up_workers(N_JOBS)
    info = machine_info()
    info["skauto_path"] = skauto_location()
    info["versions"].update(
        pytabkit=package_version("pytabkit"), torch=package_version("torch")
    )
    cache = load_cache(CACHE, args.quick)
    start = time.perf_counter()
    results = {}
    for name in args.datasets:
        rows = run_dataset(name, args, cache, info["git_commit"])
        meta = SUITE[name].as_dict()
        meta["r2_ceiling"] = r2_ceiling(name, quick=args.quick)
        results[name] = {"meta": meta, "rows": rows}
    info["run_seconds"] = time.perf_counter() - start
    markdown, summary = report(results, info, argv, args.quick)
    print(markdown)
    full = set(args.datasets) == set(SUITE)
    stem = "bench_suite" if full else "bench_suite_partial"
    stem += f"_{args.tag}" if args.tag else ""
    data = {"argv": argv, "machine": info, "datasets": results, "summary": summary}
    write_results(stem, markdown, data, quick=args.quick)


if __name__ == "__main__":
    main()
