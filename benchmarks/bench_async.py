"""The asynchronous schedule against the synchronous one (issue 24), on two
workers with loky and with a dask LocalCluster, where fit times vary tenfold.

    python benchmarks/bench_async.py --tag run1
    python benchmarks/bench_async.py --quick      # smoke run

Self-contained (skauto, scikit-learn, dask and the standard library). Writes
benchmarks/results/bench_async_<tag>.{json,md}.
"""

import argparse
import json
import os
import platform
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np
from joblib import parallel_config
from scipy.stats import loguniform
from sklearn.compose import make_column_transformer
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.preprocessing import OneHotEncoder, StandardScaler

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's skauto

from skauto.datasets import load_bikeshare  # noqa: E402
from skauto.model_selection import AutoSearchCV  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
TARGET = 0.7  # asynchronous time / synchronous time, at most
DESCRIPTION = """\
Bikeshare (4,000 training rows, 2,000 test rows, target / its std), cv=3,
n_jobs=2, random_state=0, the same plan for both schedules (27 candidates,
factor 3, rungs as AutoSearchCV plans them):

- hgb: HistGradientBoostingRegressor(max_iter=243, no early stopping) on the
  native categories, max_leaf_nodes (log-uniform integers 4-256) x
  learning_rate, resource max_iter (warm start);
- mlp: MLPRegressor(max_iter=81) on one-hot + standardized features,
  hidden_layer_sizes (8, 16, ..., 256) x alpha, resource max_iter (warm
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


class LogInt:
    """Integers log-uniform on [low, high] (``rvs`` as scipy's)."""

    def __init__(self, low, high):
        self._u = loguniform(low, high + 1)

    def rvs(self, random_state=None):
        return int(np.floor(self._u.rvs(random_state=random_state)))


def data():
    frame = load_bikeshare(as_frame=True).frame
    X, y = frame.drop(columns="bikers"), frame["bikers"].astype(float)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, train_size=4000, test_size=2000, random_state=0
    )
    scale = float(y_train.std())
    return X_train, X_test, y_train / scale, y_test / scale


def problems(X_train, X_test):
    categories = list(X_train.select_dtypes("category").columns)
    encode = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore", sparse_output=False), categories),
        remainder=StandardScaler(),
    ).fit(X_train)
    hgb = (
        HistGradientBoostingRegressor(
            max_iter=243, early_stopping=False, random_state=0
        ),
        {"max_leaf_nodes": LogInt(4, 256), "learning_rate": loguniform(0.02, 0.5)},
        None,
    )
    sizes = [(2**k,) for k in range(3, 9)]
    mlp = (
        MLPRegressor(max_iter=81, random_state=0),
        {"hidden_layer_sizes": sizes, "alpha": loguniform(1e-6, 1e-1)},
        encode,
    )
    return {"hgb": hgb, "mlp": mlp}


def run(problem, schedule, n_brackets, data_):
    est, space, encode = problem
    X_train, X_test, y_train, y_test = data_
    if encode is not None:
        X_train, X_test = encode.transform(X_train), encode.transform(X_test)
    start = time.perf_counter()
    search = AutoSearchCV(
        est, space, n_candidates=27, n_brackets=n_brackets, cv=3, n_jobs=2,
        schedule=schedule, random_state=0,
    ).fit(X_train, y_train)  # fmt: skip
    seconds = time.perf_counter() - start
    rungs = search.rung_results_
    # worker-seconds of the fits, against the two workers' wall time of the
    # search (its refit apart): the share the workers were busy fitting
    busy = float(((rungs["mean_fit_time"] + rungs["mean_score_time"]) * 3).sum())
    busy_share = busy / (2 * (seconds - search.refit_time_))
    first = rungs["iter"] == 0
    times = rungs["mean_fit_time"][first & (rungs["bracket"] == 0)]
    return {
        "seconds": seconds, "refit_seconds": float(search.refit_time_),
        "best_cv": float(search.best_score_),
        "test": float(search.score(X_test, y_test)),
        "n_fits": int(len(rungs["params"]) * search.n_splits_),
        "planned_fits": int(sum(n for n, _ in search.plan_) * search.n_splits_),
        "spread": float(times.max() / max(times.min(), 1e-9)),
        "busy_share": busy_share,
        "n_resources": search.n_resources_, "n_candidates": search.n_candidates_,
    }  # fmt: skip


def _warm_up():
    """Start the two workers (loky starts its processes at the first call)."""
    from joblib import Parallel, delayed

    Parallel(n_jobs=2)(delayed(time.sleep)(0.5) for _ in range(4))


def measure(backend, names, data_, client=None):
    rows = {}
    for name in names:
        for n_brackets in (1, "auto"):
            key = f"{name} brackets={n_brackets}"
            rows[key] = {}
            with parallel_config(backend=backend):
                _warm_up()
                # sync, async, async, sync: a drift of the load over the
                # four fits weighs on both schedules alike
                fits = {"sync": [], "async": []}
                for schedule in ("sync", "async", "async", "sync"):
                    fits[schedule].append(
                        run(problems(*data_[:2])[name], schedule, n_brackets, data_)
                    )
            for schedule, pair in fits.items():
                rows[key][schedule] = {**pair[0], "seconds_each": [
                    f["seconds"] for f in pair], "seconds": float(np.mean(
                    [f["seconds"] for f in pair]))}  # fmt: skip
            s, a = rows[key]["sync"], rows[key]["async"]
            rows[key]["ratio"] = a["seconds"] / s["seconds"]
            seconds = {k: round(v["seconds"], 1) for k, v in rows[key].items()
                       if isinstance(v, dict)}  # fmt: skip
            cv = f"cv {s['best_cv']:.4f} / {a['best_cv']:.4f}"
            print(backend, key, seconds, f"ratio {rows[key]['ratio']:.2f}", cv,
                  flush=True)  # fmt: skip
    return rows


def machine():
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
        dirty = subprocess.run(
            ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        commit, dirty = "unknown", ""
    import dask
    import joblib
    import sklearn

    return {
        "python": platform.python_version(), "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(), "load_average_start": list(os.getloadavg()),
        "git_commit": commit + (" (modified)" if dirty else ""),
        "scikit-learn": sklearn.__version__, "joblib": joblib.__version__,
        "dask": dask.__version__,
    }  # fmt: skip


def markdown(results):
    m = results["machine"]
    lines = ["# Asynchronous against synchronous halving", "", DESCRIPTION]
    lines += [
        f"Machine: {m['processor']}, {m['cpus']} CPUs, Python {m['python']}, "
        f"scikit-learn {m['scikit-learn']}, joblib {m['joblib']}, dask "
        f"{m['dask']}; commit {m['git_commit']}; 1-min load average "
        f"{m['load_average_start'][0]:.2f} at the start, "
        f"{results['load_average_end'][0]:.2f} at the end; {results['seconds']:.0f} s.",
        "",
        "| backend | problem | spread | fits (sync / async, planned) | seconds "
        "sync | seconds async | ratio | busy share sync / async | best cv R2 "
        "sync / async | test R2 sync / async | target |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    for backend, rows in results["backends"].items():
        for key, row in rows.items():
            s, a = row["sync"], row["async"]
            ok = row["ratio"] <= TARGET and a["best_cv"] >= s["best_cv"] - 1e-4
            lines.append(
                f"| {backend} | {key} | {s['spread']:.1f} | {s['n_fits']} / "
                f"{a['n_fits']} ({s['planned_fits']}) | {s['seconds']:.1f} | "
                f"{a['seconds']:.1f} | {row['ratio']:.2f} | {s['busy_share']:.2f} / "
                f"{a['busy_share']:.2f} | {s['best_cv']:.4f} / "
                f"{a['best_cv']:.4f} | {s['test']:.4f} / {a['test']:.4f} | "
                f"{'PASS' if ok else 'FAIL'} |"
            )
    lines += ["", f"Target: async seconds <= {TARGET} x sync seconds at an equal "
              "or better best cv score (the refit included in both)."]  # fmt: skip
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tag", default="run1")
    parser.add_argument("--backends", nargs="*", default=["loky", "dask"])
    parser.add_argument("--problems", nargs="*", default=["hgb", "mlp"])
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    data_ = data()
    if args.quick:
        data_ = tuple(d[:600] if i % 2 == 0 else d[:300] for i, d in enumerate(data_))
    start = time.perf_counter()
    results = {"machine": machine(), "command": " ".join(sys.argv), "backends": {}}
    for backend in args.backends:
        if backend == "dask":
            from distributed import Client, LocalCluster

            with (
                LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                             dashboard_address=None) as cluster,
                Client(cluster),
            ):  # fmt: skip
                results["backends"]["dask"] = measure("dask", args.problems, data_)
        else:
            results["backends"][backend] = measure(backend, args.problems, data_)
    results["seconds"] = time.perf_counter() - start
    results["load_average_end"] = list(os.getloadavg())
    text = markdown(results)
    print(text)
    if args.quick:
        return
    RESULTS.mkdir(exist_ok=True)
    stem = RESULTS / f"bench_async_{args.tag}"
    stem.with_suffix(".json").write_text(json.dumps(results, indent=1, default=str))
    stem.with_suffix(".md").write_text(text)


if __name__ == "__main__":
    main()
