"""SelfTuningMLPClassifier against no-knob and tuned baselines (issue 10).

For every dataset of ``clf_suite_data.SUITE`` (75/25 stratified split,
``random_state=0``): test accuracy, log-loss, Brier score and fit seconds of

- ``skauto``: ``SelfTuningMLPClassifier(random_state=0)`` with its defaults;
- ``mlp``: ``MLPClassifier(random_state=0)`` defaults;
- ``grid``: ``GridSearchCV(cv=3, n_jobs=2, scoring="neg_log_loss")`` over 27
  ``MLPClassifier(random_state=0)`` configurations (hidden_layer_sizes (16,),
  (64,), (256,) x learning_rate_init 1e-4, 1e-3, 1e-2 x max_iter 25, 100,
  400), skipped where one fit of the middle configuration says it would take
  over 10 minutes (``--grid-limit``);
- ``hgb``: ``HistGradientBoostingClassifier(random_state=0)`` defaults on the
  raw frame (categorical dtype used natively);
- ``logreg``: ``LogisticRegressionCV(max_iter=5000)`` defaults otherwise.

The MLPs and the logistic regression get the ColumnTransformer of
``_common.make_preprocessor`` (numeric standardized, categorical one-hot).

Brier score: the mean over the classes of the one-vs-rest Brier score,
``mean((P - Y)**2)`` over rows and classes. For a binary target this equals
scikit-learn's ``brier_score_loss`` of the positive class (both columns have
the same squared error), so the one definition serves both.

Baseline rows are cached in ``results/bench_classifier_cache.json``, keyed by
dataset, data and library versions; the skauto row always runs.

    python benchmarks/bench_classifier.py --no-cache      # everything, one run
    python benchmarks/bench_classifier.py                 # skauto + cached rows
    python benchmarks/bench_classifier.py --only skauto --datasets digits,fair
    python benchmarks/bench_classifier.py --quick         # smoke run
"""

import hashlib
import os
import sys
import time

import numpy as np
from _common import (
    command_line,
    fmt,
    load_cache,
    machine_info,
    machine_markdown,
    make_preprocessor,
    markdown_table,
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
from bench_mlp import GRID, QUICK_GRID
from clf_suite_data import SUITE, load_suite_split
from scipy.stats import rankdata
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegressionCV
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import GridSearchCV
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline

MODELS = ["skauto", "mlp", "grid", "hgb", "logreg"]
LABELS = {
    "skauto": "SelfTuning",
    "mlp": "MLP defaults",
    "grid": "MLP grid",
    "hgb": "HGB defaults",
    "logreg": "LogRegCV",
}
PREFIX = "mlpclassifier__"
GRID_LIMIT_S = 600
ESTIMATE_MAX_ROWS = 20_000
N_JOBS = 2
LARGE_ROWS = 10_000  # the "<= 3x one MLPClassifier() fit" target applies here
TIE_ACC = 0.002  # issue 10: accuracy >= grid's - 0.002
TIE_LOSS = 0.002  # log-loss within 0.002 counts as a tie in the summary
VERSIONED = ["scikit-learn", "numpy", "scipy", "pandas"]
CACHE = "bench_classifier_cache"  # results/bench_classifier_cache.json


def brier_ovr(y_true, proba, classes):
    """Mean over classes of the one-vs-rest Brier score."""
    onehot = (np.asarray(y_true)[:, None] == np.asarray(classes)[None, :]).astype(float)
    return float(np.mean((proba - onehot) ** 2))


def measure(estimator, data, note=""):
    """Fit on the training rows; test metrics, fit seconds, load average."""
    X_train, X_test, y_train, y_test = data
    load = round(os.getloadavg()[0], 2)
    seconds = timed_fit(estimator, X_train, y_train)
    proba = estimator.predict_proba(X_test)
    classes = estimator.classes_
    pred = classes[np.argmax(proba, axis=1)]
    row = {
        "accuracy": float(accuracy_score(y_test, pred)),
        "log_loss": float(log_loss(y_test, proba, labels=classes)),
        "brier": brier_ovr(y_test, proba, classes),
        "fit_seconds": seconds,
        "note": note,
        "load_average_1min": load,
    }
    # predict must agree with the argmax of predict_proba
    mismatch = float(np.mean(estimator.predict(X_test) != pred))
    if mismatch:
        row["predict_mismatch"] = mismatch
        row["note"] += f"; predict != argmax proba on {mismatch:.2%} of rows"
    return row


def skipped(reason, **extra):
    return {
        "accuracy": None,
        "log_loss": None,
        "brier": None,
        "fit_seconds": None,
        "note": reason,
        **extra,
    }


# ------------------------------------------------------------------ the rows


def mlp_pipeline():
    return make_pipeline(make_preprocessor(), MLPClassifier(random_state=0))


def run_skauto(data, quick):
    SelfTuning = optional("skauto.neural_network", "SelfTuningMLPClassifier")
    if SelfTuning is None:
        return skipped("not available (skauto.neural_network)")
    model = make_pipeline(make_preprocessor(), SelfTuning(random_state=0))
    row = measure(model, data)
    est = model[-1]
    best = getattr(est, "best_params_", None) or {}
    row["best_params"] = best
    row["n_ensemble"] = len(getattr(est, "ensemble_", None) or [])
    row["n_iter"] = getattr(est, "n_iter_", None)
    row["note"] = (f"chose: {short_params(best)}; ensemble of {row['n_ensemble']}"
                   + row["note"])  # fmt: skip
    return row


def run_mlp(data, quick):
    model = mlp_pipeline()
    row = measure(model, data)
    row["note"] = f"n_iter_={model[-1].n_iter_}" + row["note"]
    return row


def run_hgb(data, quick):
    hgb = HistGradientBoostingClassifier(random_state=0)
    return measure(hgb, data, "raw frame, native categoricals")


def run_logreg(data, quick):
    model = make_pipeline(make_preprocessor(), LogisticRegressionCV(max_iter=5000))
    row = measure(model, data)
    row["note"] = f"C={np.ravel(model[-1].C_)[0]:.3g}" + row["note"]
    return row


def grid_estimate(data, grid):
    """Seconds GridSearchCV would take, from one fit of the middle configuration.

    The middle configuration is fitted on 2/3 of the training rows, as in one
    fold (on at most 20,000 rows, the time then scaled linearly). bench_suite.py
    multiplies that time by the number of fits; here that underestimated the
    grid 2 to 8 times (the middle configuration stops early, and the (256,) x
    400-epoch configurations dominate), so the time is taken per epoch and per
    hidden unit and summed over the grid as if every configuration ran all its
    ``max_iter`` epochs (an upper bound: MLPClassifier may stop earlier),
    3 folds each plus the refit of the costliest, divided by the workers.
    """
    X_train, _, y_train, _ = data
    middle = {name: values[len(values) // 2] for name, values in grid.items()}
    n = 2 * len(X_train) // 3
    m = min(n, ESTIMATE_MAX_ROWS)
    model = mlp_pipeline().set_params(**middle)
    seconds = timed_fit(model, X_train[:m], y_train[:m]) * n / m
    h_mid = middle[PREFIX + "hidden_layer_sizes"][0]
    per_unit_epoch = seconds / (model[-1].n_iter_ * h_mid)
    work = [h[0] * it for h in grid[PREFIX + "hidden_layer_sizes"]
            for it in grid[PREFIX + "max_iter"]
            for _ in grid[PREFIX + "learning_rate_init"]]  # fmt: skip
    total = per_unit_epoch * (3 * sum(work) + max(work) * len(X_train) / n)
    return total / N_JOBS, seconds


def run_grid(data, quick, limit=GRID_LIMIT_S):
    grid = {PREFIX + k: v for k, v in (QUICK_GRID if quick else GRID).items()}
    estimate, one_fit = grid_estimate(data, grid)
    if estimate > limit:
        return skipped(
            f"skipped (est. {estimate:.0f} s > {limit:.0f} s, from one fit "
            f"of the middle configuration: {one_fit:.1f} s)",
            estimate_seconds=estimate,
        )
    search = GridSearchCV(
        mlp_pipeline(), grid, cv=3, n_jobs=N_JOBS, scoring="neg_log_loss"
    )
    row = measure(search, data)
    row["best_params"] = search.best_params_
    row["estimate_seconds"] = estimate
    row["note"] = (f"best: {short_params(search.best_params_)}; "
                   f"est. {estimate:.0f} s" + row["note"])  # fmt: skip
    return row


RUNNERS = {
    "skauto": run_skauto,
    "mlp": run_mlp,
    "grid": run_grid,
    "hgb": run_hgb,
    "logreg": run_logreg,
}


# ------------------------------------------------------------------ the cache


def cache_key(dataset, model, data):
    """Dataset, model, a fingerprint of the split and the library versions."""
    X_train, X_test, y_train, _ = data
    labels = np.asarray(y_train).astype(str)
    digest = hashlib.sha1("\n".join(labels).encode()).hexdigest()[:10]
    versions = ",".join(f"{d}={package_version(d)}" for d in VERSIONED)
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
            print(
                f"    acc={fmt(row['accuracy'])} logloss={fmt(row['log_loss'])} "
                f"{fmt(row['fit_seconds'], '.1f')} s  {row['note']}",
                flush=True,
            )
            ran = row["accuracy"] is not None or "estimate_seconds" in row
            if model != "skauto" and ran:
                cache[key] = row
                save_cache(CACHE, cache, args.quick, default=str)
        elif key in cache and model != "skauto":
            row = {**cache[key], "source": "cache"}
        else:
            row = skipped("not run (--only/--skip-grid, nothing cached)")
            row["source"] = "not run"
        rows[model] = row
    return rows


def run_row(model, data, args):
    try:
        if model == "grid":
            return run_grid(data, args.quick, args.grid_limit)
        return RUNNERS[model](data, args.quick)
    except Exception as exc:  # a failure is reported, not fatal
        import traceback

        traceback.print_exc()
        return skipped(f"failed: {type(exc).__name__}: {exc}"[:300])


# ------------------------------------------------------------------ the report


def metric(rows, model, key):
    return rows.get(model, {}).get(key)


def winner(rows, key="log_loss"):
    ran = {m: metric(rows, m, key) for m in MODELS if metric(rows, m, key) is not None}
    if not ran:
        return None
    pick = min if key in ("log_loss", "brier") else max
    return pick(ran, key=ran.get)


def metric_table(results, key, spec=".4f"):
    headers = ["dataset", "role", "rows", "classes"]
    headers += [LABELS[m] for m in MODELS] + ["best"]
    lines = []
    for name, res in results.items():
        meta, rows = res["meta"], res["rows"]
        best = winner(rows, key)
        cells = [name, meta["role"], f"{meta['n_rows']:,}", str(meta["n_classes"])]
        for m in MODELS:
            mark = "*" if rows[m].get("source") == "cache" else ""
            value = fmt(metric(rows, m, key), spec)
            cells.append(f"**{value}**{mark}" if m == best else value + mark)
        cells.append(LABELS.get(best, "n/a"))
        lines.append(cells)
    return markdown_table(headers, lines)


def seconds_table(results):
    headers = ["dataset"] + [LABELS[m] for m in MODELS]
    headers += ["SelfTuning ÷ grid", "SelfTuning ÷ MLP defaults", "load at skauto"]
    lines = []
    for name, res in results.items():
        rows = res["rows"]
        cells = [name]
        for m in MODELS:
            s = metric(rows, m, "fit_seconds")
            mark = "*" if rows[m].get("source") == "cache" else ""
            if s is None and m == "grid" and rows[m].get("estimate_seconds"):
                cells.append(f"skipped (est. {rows[m]['estimate_seconds']:.0f} s)")
            else:
                cells.append(fmt(s, ".1f") + mark)
        sk = metric(rows, "skauto", "fit_seconds")
        for m in ["grid", "mlp"]:
            other = metric(rows, m, "fit_seconds")
            cells.append(fmt(sk / other, ".2f") if sk and other else "n/a")
        cells.append(fmt(rows["skauto"].get("load_average_1min"), ".1f"))
        lines.append(cells)
    return markdown_table(headers, lines)


def targets(res):
    """Issue 10's targets for one dataset: {column: "PASS" / "FAIL" / "n/a"}."""
    meta, rows = res["meta"], res["rows"]
    sk = rows["skauto"]
    out = {}

    def check(column, ok):
        out[column] = "n/a" if ok is None else ("PASS" if ok else "FAIL")

    def cmp(a, b, op):
        return None if a is None or b is None else op(a, b)

    g, m = rows["grid"], rows["mlp"]
    check("log-loss <= grid", cmp(sk["log_loss"], g["log_loss"], lambda a, b: a <= b))
    check("log-loss <= MLP", cmp(sk["log_loss"], m["log_loss"], lambda a, b: a <= b))
    check(
        "acc >= grid - 0.002",
        cmp(sk["accuracy"], g["accuracy"], lambda a, b: a >= b - TIE_ACC),
    )
    check(
        "time <= grid / 10",
        cmp(sk["fit_seconds"], g["fit_seconds"], lambda a, b: a <= b / 10),
    )
    big = meta["n_rows"] >= LARGE_ROWS
    check(
        "time <= 3x MLP (>= 10k rows)",
        cmp(sk["fit_seconds"], m["fit_seconds"], lambda a, b: a <= 3 * b)
        if big
        else None,
    )
    return out


def target_table(results):
    columns = None
    lines = []
    for name, res in results.items():
        t = targets(res)
        columns = columns or list(t)
        lines.append([name, res["meta"]["role"]] + [t[c] for c in columns])
    return markdown_table(["dataset", "role"] + (columns or []), lines)


def wins_ties_losses(results, key, tie, lower_better):
    out = {}
    for m in MODELS[1:]:
        wins = ties = losses = 0
        for res in results.values():
            a, b = metric(res["rows"], "skauto", key), metric(res["rows"], m, key)
            if a is None or b is None:
                continue
            d = (b - a) if lower_better else (a - b)
            if abs(d) <= tie:
                ties += 1
            elif d > 0:
                wins += 1
            else:
                losses += 1
        out[m] = [wins, ties, losses]
    return out


def mean_ranks(results, key, lower_better, models=MODELS):
    """Mean rank of each of ``models`` (1 = best, ties averaged) over the
    datasets where every one of them ran, and the number of those datasets."""
    ranks = {m: [] for m in models}
    for res in results.values():
        vals = [metric(res["rows"], m, key) for m in models]
        if any(v is None for v in vals):
            continue
        arr = np.array(vals, dtype=float)
        for m, rank in zip(
            models, rankdata(arr if lower_better else -arr), strict=True
        ):
            ranks[m].append(rank)
    n = len(ranks[models[0]])
    return {m: (float(np.mean(v)) if v else None) for m, v in ranks.items()}, n


def summarize(results):
    counts = {}
    for res in results.values():
        for column, verdict in targets(res).items():
            c = counts.setdefault(column, {"PASS": 0, "FAIL": 0, "n/a": 0})
            c[verdict] += 1
    return {
        "winner_log_loss": {
            n: winner(r["rows"], "log_loss") for n, r in results.items()
        },
        "winner_accuracy": {
            n: winner(r["rows"], "accuracy") for n, r in results.items()
        },
        "wtl_log_loss": wins_ties_losses(results, "log_loss", TIE_LOSS, True),
        "wtl_accuracy": wins_ties_losses(results, "accuracy", TIE_ACC, False),
        "mean_rank_log_loss": mean_ranks(results, "log_loss", True),
        "mean_rank_accuracy": mean_ranks(results, "accuracy", False),
        "mean_rank_log_loss_no_grid": mean_ranks(
            results, "log_loss", True, [m for m in MODELS if m != "grid"]
        ),
        "target_counts": counts,
    }


def summary_lines(results, summary):
    lines = []
    for name in results:
        wl, wa = summary["winner_log_loss"][name], summary["winner_accuracy"][name]
        lines.append(
            f"- {name}: best log-loss {LABELS.get(wl, 'n/a')}, "
            f"best accuracy {LABELS.get(wa, 'n/a')}"
        )
    for key, tie in [("log_loss", TIE_LOSS), ("accuracy", TIE_ACC)]:
        wtl = summary[f"wtl_{key}"]
        parts = [f"{LABELS[m]} {w}/{t}/{n}" for m, (w, t, n) in wtl.items()]
        lines.append(
            f"- SelfTuning wins/ties/losses on {key.replace('_', '-')} "
            f"(tie within {tie}): " + ", ".join(parts)
        )
    for key in [
        "mean_rank_log_loss",
        "mean_rank_accuracy",
        "mean_rank_log_loss_no_grid",
    ]:
        ranks, n = summary[key]
        parts = [f"{LABELS[m]} {fmt(r, '.2f')}" for m, r in ranks.items()]
        what = key.replace("mean_rank_", "").replace("_no_grid", "").replace("_", "-")
        scope = (
            "models without the grid" if key.endswith("no_grid") else "all five models"
        )
        lines.append(
            f"- Mean rank by {what} ({scope}, over the {n} datasets where all "
            "of them ran; 1 is best): " + ", ".join(parts)
        )
    tc = summary["target_counts"]
    parts = [
        f"{c}: {v['PASS']} PASS, {v['FAIL']} FAIL, {v['n/a']} n/a"
        for c, v in tc.items()
    ]
    lines.append("- Targets: " + "; ".join(parts))
    return lines


def notes_lines(results):
    lines = []
    for name, res in results.items():
        for m in MODELS:
            note = res["rows"][m].get("note")
            if note:
                lines.append(f"- {name} / {LABELS[m]}: {note}")
    return lines


def report(results, info, argv, quick):
    title = (
        "# bench_classifier: SelfTuningMLPClassifier on the classification suite"
        " (issue 10)"
    )
    if quick:
        title += " — QUICK (600 training rows, 2x2x2 grid)"
    parts = [
        title,
        "",
        "Command: " + command_line(__file__, argv),
        "",
        "Each model is fitted on the 75/25 stratified split (random_state=0). "
        "Brier = mean over classes of the one-vs-rest Brier score (binary: equals "
        "sklearn's brier_score_loss). `*` = row from the cache "
        "(results/bench_classifier_cache.json), not measured in this run. "
        "The grid is GridSearchCV(cv=3, n_jobs=2, scoring='neg_log_loss') over "
        f"{8 if quick else 27} MLPClassifier configurations; bold = best of the row.",
        "",
        "## Log-loss (lower is better)",
        "",
        metric_table(results, "log_loss"),
        "",
        "## Accuracy",
        "",
        metric_table(results, "accuracy"),
        "",
        "## Brier score (lower is better)",
        "",
        metric_table(results, "brier"),
        "",
        "## Fit seconds (wall clock; the grid: the whole search with its refit)",
        "",
        seconds_table(results),
        "",
        "## Issue 10's targets for SelfTuningMLPClassifier",
        "",
        "time <= 3x MLP applies to datasets of >= 10,000 rows (train + test); "
        "n/a where the grid was skipped or the rule does not apply.",
        "",
        target_table(results),
        "",
        "## Summary",
        "",
    ]
    summary = summarize(results)
    parts += summary_lines(results, summary)
    parts += ["", "## Notes", ""] + notes_lines(results)
    parts += ["", machine_markdown(info) + f" Whole run: {info['run_seconds']:.0f} s."]
    return "\n".join(parts), summary


def parse_args(argv):
    parser = suite_parser(__doc__.splitlines()[0], SUITE, MODELS, GRID_LIMIT_S)
    return parse_suite_args(parser, argv, SUITE, MODELS)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    silence_convergence_warnings()
    if "grid" in args.only and not args.skip_grid:
        warm_up_workers(N_JOBS)
    info = machine_info()
    info["skauto_path"] = skauto_location()
    cache = load_cache(CACHE, args.quick)
    start = time.perf_counter()
    results = {}
    full = set(args.datasets) == set(SUITE)
    stem = "bench_classifier" if full else "bench_classifier_partial"
    if args.tag:
        stem += f"_{args.tag}"
    for i, name in enumerate(args.datasets):
        rows = run_dataset(name, args, cache, info["git_commit"])
        results[name] = {"meta": SUITE[name].as_dict(), "rows": rows}
        info["run_seconds"] = time.perf_counter() - start
        last = i == len(args.datasets) - 1
        markdown, summary = report(results, dict(info), argv, args.quick)
        if not last:  # a report so far, in case the run is stopped
            markdown = (f"**Unfinished run: {i + 1} of {len(args.datasets)} "
                        "datasets done.**\n\n" + markdown)  # fmt: skip
        else:
            markdown, summary = report(results, info, argv, args.quick)
            print(markdown)
        data = {"argv": argv, "machine": info, "datasets": results, "summary": summary}
        write_results(stem, markdown, data, quick=args.quick)


if __name__ == "__main__":
    main()
