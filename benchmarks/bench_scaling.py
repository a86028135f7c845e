"""Fit time and peak memory of SelfTuningMLPRegressor as the data grows (issue 3).

Each size runs in a fresh subprocess; the Method section below says how it is measured.

    python benchmarks/bench_scaling.py            # 1e4, 1e5, 1e6 rows
    python benchmarks/bench_scaling.py --quick    # 1e3, 1e4 rows

Method
------
Each size runs in a fresh subprocess, so that one size's memory cannot hide
in another's. The subprocess makes the data (make_friedman1, noise=1.0,
random_state=0), then measures:

- fit seconds: wall-clock of ``fit``;
- extra RSS: the peak resident memory during ``fit`` minus the resident
  memory just before it (the data, the interpreter and the libraries). On
  Linux the peak is reset after the data is made (``5 > /proc/self/clear_refs``)
  and read from ``VmHWM``; elsewhere ``ru_maxrss`` is used and a data-making
  peak higher than the fit's would hide the fit's;
- with ``--tracemalloc``, a second fit traced by tracemalloc: the peak of
  Python and numpy allocations during that fit (threads' and BLAS's own
  buffers are not seen; this fit is not timed).
"""

import argparse
import gc
import json
import tracemalloc

from _common import (
    doc_part,
    fmt,
    main_study,
    markdown_table,
    measure_fit,
    measure_in_subprocess,
    optional,
    page,
    silence_convergence_warnings,
)
from sklearn.datasets import make_friedman1
from sklearn.ensemble import HistGradientBoostingRegressor

METHOD = doc_part(__doc__, "Method")

SIZES = [10_000, 100_000, 1_000_000]
QUICK_SIZES = [1_000, 10_000]
MEMORY_TARGET_MB = 500


def make_estimator(name):
    if name == "hgb":  # a reference, and a way to test this script
        return HistGradientBoostingRegressor(random_state=0)
    SelfTuning = optional("skauto.neural_network", "SelfTuningMLPRegressor")
    return None if SelfTuning is None else SelfTuning(random_state=0)


def worker(n_samples, estimator_name, trace):
    """Measure one size; print one JSON line."""
    silence_convergence_warnings()
    X, y = make_friedman1(n_samples=n_samples, noise=1.0, random_state=0)
    X_test, y_test = make_friedman1(n_samples=10_000, noise=1.0, random_state=1)
    estimator = make_estimator(estimator_name)
    if estimator is None:
        print(json.dumps({"n_samples": n_samples, "available": False}))
        return
    result = {"n_samples": n_samples, "available": True, **measure_fit(estimator, X, y),
              "data_mb": (X.nbytes + y.nbytes) / 2**20,
              "test_r2": estimator.score(X_test, y_test),
              "best_params": getattr(estimator, "best_params_", None)}  # fmt: skip
    if trace:
        del estimator
        gc.collect()
        estimator = make_estimator(estimator_name)
        tracemalloc.start()
        estimator.fit(X, y)
        result["tracemalloc_peak_mb"] = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    print(json.dumps(result, default=repr))


def run_size(n_samples, args):
    print(f"{n_samples} rows ...", flush=True)
    argv = [n_samples, "--estimator", args.estimator] + ["--tracemalloc"] * args.tracemalloc
    result = measure_in_subprocess(__file__, argv)
    return {"n_samples": n_samples, "available": "error" not in result, **result}


def report(data, args):
    results = data["results"]
    rows, previous = [], None
    for r in results:
        if not r.get("available"):
            rows.append([f"{r['n_samples']:,}", "not available"] + ["n/a"] * 5)
            continue
        growth = r["fit_seconds"] / previous["fit_seconds"] if previous else None
        rows.append(
            [f"{r['n_samples']:,}", fmt(r["fit_seconds"], ".2f"), fmt(growth, ".1f")]
            + [fmt(r["extra_rss_mb"], ".0f"), fmt(r.get("tracemalloc_peak_mb"), ".0f")]
            + [fmt(r["data_mb"], ".0f"), fmt(r["test_r2"])]
        )
        previous = r
    headers = ["rows", "fit s", "time × vs previous size", "extra RSS MB"]
    headers += ["tracemalloc peak MB", "data MB", "test R² (10k fresh rows)"]
    last = results[-1]
    tail = "\n"  # without the target's line, a blank line more before METHOD
    if last.get("available") and last["n_samples"] == 1_000_000:
        ok = last["extra_rss_mb"] < MEMORY_TARGET_MB
        tail = (f"\n\n{'PASS' if ok else 'FAIL'}: extra RSS at 1e6 rows "
                f"{last['extra_rss_mb']:.0f} MB < {MEMORY_TARGET_MB} MB")  # fmt: skip
    table = markdown_table(headers, rows) + tail
    return page(f"# bench_scaling: {args.estimator} on make_friedman1", __file__, data, table, METHOD)


def parser():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1e3 and 1e4 rows")
    parser.add_argument("--sizes", type=int, nargs="+", help="override the sizes")
    parser.add_argument("--estimator", choices=["skauto", "hgb"], default="skauto")
    parser.add_argument("--tracemalloc", action="store_true")
    parser.add_argument("--worker", type=int, help=argparse.SUPPRESS)
    return parser


def run(args):
    args.quick = args.quick or bool(args.sizes)  # results/quick/
    results = [run_size(n, args) for n in args.sizes or (QUICK_SIZES if args.quick else SIZES)]
    suffix = "" if args.estimator == "skauto" else f"_{args.estimator}"
    yield f"bench_scaling{suffix}", {"results": results}


if __name__ == "__main__":
    _args = parser().parse_args()
    if _args.worker:
        worker(_args.worker, _args.estimator, _args.tracemalloc)
    else:
        main_study(parser(), run, report)
