"""The asynchronous schedule against the synchronous one (issue 24), on two
workers with loky and with a dask LocalCluster, where fit times vary tenfold.

    python benchmarks/bench_async.py --tag run1
    python benchmarks/bench_async.py --quick      # smoke run

Writes ``results/bench_async_<tag>.{json,md}`` (``--quick``: under
``results/quick/``).

Protocol
--------
Bikeshare (4,000 training rows, 2,000 test rows, target / its std), cv=3,
n_jobs=2, random_state=0, the same plan for both schedules (27 candidates,
factor 3, rungs as AutoSearchCV plans them):

- hgb: HistGradientBoostingRegressor(max_iter=243, no early stopping) on the
  native categories, max_leaf_nodes (log-uniform integers 4-256) x
  learning_rate, resource max_iter (warm start);
- mlp: MLPRegressor(max_iter=81) on one-hot + standardized features,
  hidden_layer_sizes (8, 16, ..., 1024) x alpha, resource max_iter (warm
  start);
- each also with Hyperband (n_brackets="auto"), whose synchronous schedule
  runs every bracket's rung side by side, rung step by rung step.

Backends: loky (joblib's default, 2 processes) and a dask LocalCluster of 2
single-threaded worker processes, started before the fits. Each schedule is
fitted twice, in the order sync, async, async, sync; "seconds" is the mean
of its two fits (both listed in the JSON). "spread" is the ratio of the slowest to the
fastest mean fold fit time at the first budget (how much fit times vary);
"busy share" the worker-seconds of the fits (fit and score) over two
workers' wall time of the search (the refit apart): 1 - busy share is what
the workers spent idle or on overhead, an upper bound of what removing the
rung barriers can save.
"""

import argparse
import os
import warnings

import numpy as np
from _common import (
    doc_part,
    fmt,
    main_study,
    markdown_table,
    page,
    warm_up_workers,
)
from joblib import parallel_config
from scipy.stats import loguniform
from searches import LogInt, bikeshare, encoded, fit_search
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.neural_network import MLPRegressor

from skauto.model_selection import AutoSearchCV

TARGET = 0.7  # asynchronous time / synchronous time, at most


def problems(data):
    """name: (estimator, space, data)."""
    hgb = HistGradientBoostingRegressor(max_iter=243, early_stopping=False, random_state=0)
    hgb_space = {"max_leaf_nodes": LogInt(4, 256), "learning_rate": loguniform(0.02, 0.5)}
    mlp = MLPRegressor(max_iter=81, random_state=0)
    sizes = [(2**k,) for k in range(3, 11)]
    mlp_space = {"hidden_layer_sizes": sizes, "alpha": loguniform(1e-6, 1e-1)}
    return {"hgb": (hgb, hgb_space, data), "mlp": (mlp, mlp_space, encoded(data))}


def fit(problem, schedule, n_brackets):
    est, space, data = problem
    search = AutoSearchCV(
        est, space, n_candidates=27, n_brackets=n_brackets, cv=3, n_jobs=2,
        schedule=schedule, random_state=0,
    )  # fmt: skip
    row = fit_search(search, data, "n_resources_", "n_candidates_")
    rungs = search.rung_results_
    # worker-seconds of the fits, against the two workers' wall time of the
    # search (its refit apart): the share the workers were busy fitting
    busy = float(((rungs["mean_fit_time"] + rungs["mean_score_time"]) * 3).sum())
    first = rungs["iter"] == 0
    times = rungs["mean_fit_time"][first & (rungs["bracket"] == 0)]
    return {
        **row, "refit_seconds": float(search.refit_time_),
        "busy_share": busy / (2 * (row["wall_seconds"] - search.refit_time_)),
        "n_fits": int(len(rungs["params"]) * search.n_splits_),
        "planned_fits": int(sum(n for n, _ in search.plan_) * search.n_splits_),
        "spread": float(times.max() / max(times.min(), 1e-9)),
    }  # fmt: skip


def measure(backend, names, data):
    rows, made = {}, problems(data)
    for name in names:
        for n_brackets in (1, "auto"):
            with parallel_config(backend=backend):
                warm_up_workers(2)
                # sync, async, async, sync: a drift of the load over the
                # four fits weighs on both schedules alike
                fits = {"sync": [], "async": []}
                for schedule in ("sync", "async", "async", "sync"):
                    fits[schedule].append(fit(made[name], schedule, n_brackets))
            row = {}
            for schedule, pair in fits.items():
                each = [f["wall_seconds"] for f in pair]
                row[schedule] = {**pair[0], "seconds_each": each, "wall_seconds": float(np.mean(each))}  # fmt: skip
            s, a = row["sync"], row["async"]
            row["ratio"] = a["wall_seconds"] / s["wall_seconds"]
            rows[key := f"{name} brackets={n_brackets}"] = row
            seconds = {k: round(v["wall_seconds"], 1) for k, v in (("sync", s), ("async", a))}
            cv = f"cv {s['best_cv_score']:.4f} / {a['best_cv_score']:.4f}"
            print(backend, key, seconds, f"ratio {row['ratio']:.2f}", cv, flush=True)
    return rows


def both(s, a, key, spec):
    return f"{fmt(s[key], spec)} / {fmt(a[key], spec)}"


def report(data, args):
    table = []
    for backend, rows in data["backends"].items():
        for key, row in rows.items():
            s, a = row["sync"], row["async"]
            ok = row["ratio"] <= TARGET and a["best_cv_score"] >= s["best_cv_score"] - 1e-4
            fits = f"{s['n_fits']} / {a['n_fits']} ({s['planned_fits']})"
            table.append([backend, key, fmt(s["spread"], ".1f"), fits, fmt(s["wall_seconds"], ".1f"),
                          fmt(a["wall_seconds"], ".1f"), fmt(row["ratio"], ".2f"), both(s, a, "busy_share", ".2f"),
                          both(s, a, "best_cv_score", ".4f"), both(s, a, "test_score", ".4f"), "PASS" if ok else "FAIL"])  # fmt: skip
    headers = ["backend", "problem", "spread", "fits (sync / async, planned)", "seconds sync",
               "seconds async", "ratio", "busy share sync / async", "best cv R2 sync / async",
               "test R2 sync / async", "target"]  # fmt: skip
    target = (f"Target: async seconds <= {TARGET} x sync seconds at an equal or better best "
              "cv score (the refit included in both).")  # fmt: skip
    protocol = doc_part(__doc__, "Protocol").strip()
    title = "# Asynchronous against synchronous halving"
    return page(title, __file__, data, protocol, markdown_table(headers, table), target)


def parser():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tag", default="run1")
    parser.add_argument("--backends", nargs="*", default=["loky", "dask"])
    parser.add_argument("--problems", nargs="*", default=["hgb", "mlp"])
    parser.add_argument("--quick", action="store_true", help="600 training and 300 test rows")
    return parser


def run(args):
    warnings.simplefilter("ignore")
    os.environ.setdefault("OMP_NUM_THREADS", "1")  # the workers', started below
    data, backends = bikeshare(4000, args.quick), {}
    for backend in args.backends:
        if backend != "dask":
            backends[backend] = measure(backend, args.problems, data)
            continue
        from distributed import Client, LocalCluster

        with (
            LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                         dashboard_address=None) as cluster,
            Client(cluster),
        ):  # fmt: skip
            backends["dask"] = measure("dask", args.problems, data)
    yield f"bench_async_{args.tag}", {"backends": backends}


if __name__ == "__main__":
    main_study(parser(), run, report)
