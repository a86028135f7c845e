"""Stress: 1,000 candidates finish in bounded memory (issue 12).

Two searches, each with 100 and with 1,000 candidates, each run in a fresh
subprocess; the Method section below says how memory is measured.

    python benchmarks/bench_stress.py            # 100 and 1,000 candidates
    python benchmarks/bench_stress.py --quick    # 10 and 100 candidates

Method
------
Each (scenario, number of candidates) runs in a fresh subprocess, so that one
run's memory cannot hide in another's. The subprocess makes the data
(2000 rows), then measures:

- fit seconds: wall-clock of ``fit``;
- extra RSS: the peak resident memory during ``fit`` minus the resident
  memory just before it (data, interpreter, libraries). The peak is reset
  after the data is made (``5 > /proc/self/clear_refs``) and read from
  ``VmHWM`` (Linux); elsewhere ``ru_maxrss`` is used;
- ``cv_results_`` MB: the size of the arrays the search keeps (one row per
  candidate per rung).

Scenarios:

- ``search_ridge``: ``AutoSearchCV(Ridge(), {"alpha": loguniform(1e-4, 1e2)},
  n_candidates=N, resource="n_samples", cv=3, random_state=0)`` on
  ``make_regression(n_samples=2000, n_features=20, noise=10,
  random_state=0)``, ``n_jobs=1`` (everything in the measured process);
- ``self_tuner``: ``SelfTuningMLPRegressor(n_candidates=N, random_state=0)``
  (all other parameters at their defaults) on ``make_friedman1(
  n_samples=2000, noise=1.0, random_state=0)``: the population of N
  networks is trained at once, as one wide network.
"""

import argparse
import json
import sys

from _common import (
    doc_part,
    fmt,
    main_study,
    markdown_table,
    measure_fit,
    measure_in_subprocess,
    page,
    silence_convergence_warnings,
)
from scipy.stats import loguniform
from sklearn.datasets import make_friedman1, make_regression
from sklearn.linear_model import Ridge

from skauto.model_selection import AutoSearchCV
from skauto.neural_network import SelfTuningMLPRegressor

METHOD = doc_part(__doc__, "Method")

SCENARIOS = ["search_ridge", "self_tuner"]
CANDIDATES = [100, 1000]
QUICK_CANDIDATES = [10, 100]
N_SAMPLES = 2000
# Target: the extra memory of 1,000 candidates stays under this. The
# self-tuner's population is one network as wide as all candidates together,
# so its memory grows with the number of candidates (weights, Adam moments,
# a batch of activations); AutoSearchCV keeps scores, not models, per candidate.
MEMORY_TARGET_MB = 500


def make_case(scenario, n_candidates):
    if scenario == "search_ridge":
        X, y = make_regression(
            n_samples=N_SAMPLES, n_features=20, noise=10, random_state=0
        )
        est = AutoSearchCV(
            Ridge(),
            {"alpha": loguniform(1e-4, 1e2)},
            n_candidates=n_candidates,
            resource="n_samples",
            cv=3,
            random_state=0,
        )
        return est, X, y
    X, y = make_friedman1(n_samples=N_SAMPLES, noise=1.0, random_state=0)
    return SelfTuningMLPRegressor(n_candidates=n_candidates, random_state=0), X, y


def worker(scenario, n_candidates):
    """Measure one run; print one JSON line."""
    silence_convergence_warnings()
    est, X, y = make_case(scenario, n_candidates)
    result = {"scenario": scenario, "n_candidates": n_candidates, **measure_fit(est, X, y)}
    results_mb = sum(getattr(v, "nbytes", 0) for v in est.cv_results_.values()) / 2**20
    result.update(cv_results_rows=len(est.cv_results_["params"]), cv_results_mb=results_mb,
                  n_candidates_per_rung=list(est.n_candidates_),
                  best_score=float(est.best_score_), train_r2=float(est.score(X, y)))  # fmt: skip
    print(json.dumps(result))


def run_case(scenario, n_candidates):
    print(f"{scenario}, {n_candidates} candidates ...", flush=True)
    result = measure_in_subprocess(__file__, [scenario, n_candidates])
    return {"scenario": scenario, "n_candidates": n_candidates, **result}


def verdict(results, scenario, small, large):
    by_n = {r["n_candidates"]: r for r in results if r["scenario"] == scenario}
    if any("error" in by_n.get(n, {"error": 1}) for n in (small, large)):
        return f"FAIL: {scenario} did not finish"
    lo, hi = by_n[small]["extra_rss_mb"], by_n[large]["extra_rss_mb"]
    bounded = hi < MEMORY_TARGET_MB
    return (
        f"{'PASS' if bounded else 'FAIL'}: {scenario} with {large:,} candidates "
        f"finished in {by_n[large]['fit_seconds']:.1f} s with {hi:.0f} MB of extra "
        f"RSS (< {MEMORY_TARGET_MB} MB); {small:,} candidates: {lo:.0f} MB"
    )


def report(data, args):
    results = data["results"]
    counts = QUICK_CANDIDATES if args.quick else CANDIDATES
    rows = []
    for r in results:
        if "error" in r:
            rows.append([r["scenario"], f"{r['n_candidates']:,}", "error"] + [""] * 6)
            continue
        rows.append(
            [r["scenario"], f"{r['n_candidates']:,}", fmt(r["fit_seconds"], ".1f")]
            + [fmt(r["extra_rss_mb"], ".0f"), fmt(r["peak_rss_mb"], ".0f")]
            + [str(r["cv_results_rows"]), fmt(r["cv_results_mb"], ".2f")]
            + [str(r["n_candidates_per_rung"]), fmt(r["best_score"])]
        )
    headers = ["scenario", "candidates", "fit s", "extra RSS MB", "peak RSS MB"]
    headers += ["cv_results_ rows", "cv_results_ MB", "candidates per rung"]
    headers += ["best validation score"]
    verdicts = "\n".join(f"- {verdict(results, s, *counts)}" for s in SCENARIOS)
    return page("# bench_stress: 1,000 candidates in bounded memory", __file__, data,
                markdown_table(headers, rows), verdicts, METHOD)  # fmt: skip


def parser():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="10 and 100 candidates")
    parser.add_argument("--worker", nargs=2, help=argparse.SUPPRESS)
    return parser


def run(args):
    counts = QUICK_CANDIDATES if args.quick else CANDIDATES
    yield "bench_stress", {"results": [run_case(s, n) for s in SCENARIOS for n in counts]}


if __name__ == "__main__":
    if "--worker" in sys.argv:
        worker(sys.argv[2], int(sys.argv[3]))
    else:
        main_study(parser(), run, report)
