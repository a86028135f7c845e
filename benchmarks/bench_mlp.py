"""SelfTuningMLPRegressor against scikit-learn's searches over MLPRegressor (issue 3).

Every row is fitted on the same 75/25 split, in the same run, and scored by
test R². Fit seconds are wall-clock; ratios divide by the grid search (row 2)
and by one plain fit of the configuration the grid found best (row 5).

    python benchmarks/bench_mlp.py                     # both datasets, all rows
    python benchmarks/bench_mlp.py --dataset bikeshare --skip-grid
    python benchmarks/bench_mlp.py --quick             # smoke run, seconds

Protocol
--------
Rows 2, 3, 5 and the scaled-target MLP wrap MLPRegressor(random_state=0) in
TransformedTargetRegressor(transformer=StandardScaler()); every MLP row
gets the same ColumnTransformer (numeric standardized, categoricals
one-hot). HistGradientBoosting gets the raw frame (categorical dtype used
natively). The halving searches use resource n_samples; given lists,
HalvingRandomSearchCV samples the same grid without replacement.
Every estimator gets random_state=0, its other parameters at their
defaults. ConvergenceWarnings are silenced. Fit seconds are wall-clock
(searches with n_jobs=2), the refit included.
"""

import argparse
import json

from _common import (
    RESULTS_DIR,
    doc_part,
    fmt,
    main_study,
    make_preprocessor,
    markdown_table,
    optional,
    page,
    short_params,
    silence_convergence_warnings,
    timed_fit,
    warm_up_workers,
)
from datasets import get
from models import GRID, PREFIX, QUICK_GRID, mlp_pipeline
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.model_selection import (
    GridSearchCV,
    HalvingGridSearchCV,
    HalvingRandomSearchCV,
)
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline

PREFIX = PREFIX["regression"]
PROTOCOL = doc_part(__doc__, "Protocol").rstrip("\n")
LABELS = {
    "self_tuning": "1. SelfTuningMLPRegressor() defaults",
    "grid": "2. GridSearchCV(cv=3) over MLPRegressor",
    "halving_grid": "3. HalvingGridSearchCV(cv=3, factor=3)",
    "halving_random": "3. HalvingRandomSearchCV(cv=3, factor=3)",
    "mlp_default": "4. MLPRegressor() defaults, raw target",
    "mlp_default_scaled": "4. MLPRegressor() defaults, scaled target",
    "hgb_default": "4. HistGradientBoostingRegressor() defaults",
    "plain_best": "5. one plain fit of the grid's best configuration",
}


def measure(estimator, data, note=""):
    X_train, X_test, y_train, y_test = data
    seconds = timed_fit(estimator, X_train, y_train)
    return {"test_r2": estimator.score(X_test, y_test), "fit_seconds": seconds, "note": note}


def search_row(search, data):
    row = measure(search, data)
    row["best_params"] = search.best_params_
    row["note"] = f"best: {short_params(search.best_params_)}"
    n_fits = len(search.cv_results_["params"]) * search.n_splits_ + 1
    row["note"] += f"; {n_fits} fits"
    return row


def previous_best_params(dataset):
    path = RESULTS_DIR / f"bench_mlp_{dataset}.json"
    if not path.exists():
        return None
    return json.loads(path.read_text())["rows"]["grid"]["best_params"]


def run_rows(dataset, quick, skip_grid):
    data = get("regression", {"friedman": "friedman1"}.get(dataset, dataset)).split(quick=quick)
    grid = {PREFIX + k: v for k, v in (QUICK_GRID if quick else GRID).items()}
    search_kw = {"cv": 3, "n_jobs": 2}
    halving_kw = {**search_kw, "factor": 3, "random_state": 0}
    rows = {}

    def run(key, make_row):
        print(f"[{dataset}] {LABELS[key]} ...", flush=True)
        rows[key] = make_row()
        print(f"    R2={fmt(rows[key]['test_r2'])}", end=" ")
        print(f"{fmt(rows[key]['fit_seconds'], '.1f')} s", flush=True)

    SelfTuning = optional("skauto.neural_network", "SelfTuningMLPRegressor")
    if SelfTuning is None:
        rows["self_tuning"] = {"test_r2": None, "fit_seconds": None}
        rows["self_tuning"]["note"] = "not available (skauto.neural_network)"
    else:
        model = make_pipeline(make_preprocessor(), SelfTuning(random_state=0))
        run("self_tuning", lambda: self_tuning_row(model, data))

    best = previous_best_params(dataset) if skip_grid and not quick else None
    if not skip_grid:
        search = GridSearchCV(mlp_pipeline(), grid, **search_kw)
        run("grid", lambda: search_row(search, data))
        best = rows["grid"]["best_params"]
        halving = HalvingGridSearchCV(mlp_pipeline(), grid, **halving_kw)
        run("halving_grid", lambda: search_row(halving, data))
        halving = HalvingRandomSearchCV(mlp_pipeline(), grid, **halving_kw)
        run("halving_random", lambda: search_row(halving, data))

    raw = make_pipeline(make_preprocessor(), MLPRegressor(random_state=0))
    run("mlp_default", lambda: measure(raw, data, "ColumnTransformer + MLP"))
    run("mlp_default_scaled", lambda: measure(mlp_pipeline(), data, "+ target scaled"))
    hgb = HistGradientBoostingRegressor(random_state=0)
    run("hgb_default", lambda: measure(hgb, data, "raw frame, native categoricals"))
    if best is not None:
        plain = mlp_pipeline().set_params(**best)
        origin = "this run" if not skip_grid else "previous results JSON"
        note = f"{short_params(best)} (from {origin})"
        run("plain_best", lambda: {**measure(plain, data, note), "best_params": best})
    return rows


def self_tuning_row(model, data):
    row = measure(model, data)
    row["best_params"] = getattr(model[-1], "best_params_", None)
    row["note"] = f"chose: {short_params(row['best_params'] or {})}"
    return row


def table(rows):
    grid_s = rows.get("grid", {}).get("fit_seconds")
    plain_s = rows.get("plain_best", {}).get("fit_seconds")
    lines = []
    for key, label in LABELS.items():
        if key not in rows:
            continue
        r = rows[key]
        seconds = r["fit_seconds"]
        ratio_grid = seconds / grid_s if seconds and grid_s else None
        ratio_plain = seconds / plain_s if seconds and plain_s else None
        lines.append(
            [label, fmt(r["test_r2"]), fmt(seconds, ".2f")]
            + [fmt(ratio_grid, ".3f"), fmt(ratio_plain, ".2f"), r.get("note", "")]
        )
    headers = ["model", "test R²", "fit s", "÷ row 2", "÷ row 5", "notes"]
    return markdown_table(headers, lines)


def target_checks(rows):
    """Issue 3's targets for row 1, as PASS/FAIL lines."""
    me = rows.get("self_tuning", {})
    if me.get("test_r2") is None:
        return ["Targets: row 1 not available, not checked."]
    checks = []
    grid, plain, hgb = (rows.get(k) for k in ("grid", "plain_best", "hgb_default"))
    if grid:
        ok = me["test_r2"] >= grid["test_r2"]
        text = f"test R² {me['test_r2']:.4f} >= grid {grid['test_r2']:.4f}"
        checks.append((ok, text))
        ratio = me["fit_seconds"] / grid["fit_seconds"]
        checks.append((ratio <= 1 / 15, f"fit time {ratio:.3f} x grid <= 1/15"))
    if plain:
        ratio = me["fit_seconds"] / plain["fit_seconds"]
        checks.append((ratio <= 3, f"fit time {ratio:.2f} x plain fit <= 3"))
    lines = [f"{'PASS' if ok else 'FAIL'}: {text}" for ok, text in checks]
    if hgb:
        gap = me["test_r2"] - hgb["test_r2"]
        lines.append(f"INFO: test R² {gap:+.4f} from HistGradientBoosting defaults")
    return lines


def report(data, args):
    rows, quick = data["rows"], args.quick
    title = f"# bench_mlp: {data['dataset']}{' (quick smoke run)' if quick else ''}"
    return page(title, __file__, data, table(rows), "\n".join(target_checks(rows)), PROTOCOL)


def parser():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--dataset", choices=["bikeshare", "friedman", "all"], default="all"
    )
    parser.add_argument(
        "--quick", action="store_true", help="600 training rows, 8-point grid"
    )
    parser.add_argument(
        "--skip-grid",
        action="store_true",
        help="skip rows 2-3; row 5 reuses the best parameters in the results JSON",
    )
    return parser


def run(args):
    silence_convergence_warnings()
    warm_up_workers(2)
    datasets = ["bikeshare", "friedman"] if args.dataset == "all" else [args.dataset]
    for dataset in datasets:
        rows = run_rows(dataset, args.quick, args.skip_grid)
        stem = f"bench_mlp_{dataset}" + ("_skip_grid" if args.skip_grid else "")
        yield stem, {"dataset": dataset, "rows": rows}


if __name__ == "__main__":
    main_study(parser(), run, report)
