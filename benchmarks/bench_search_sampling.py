"""Model-based sampling at equal wall time (issue 24): AutoSearchCV with
``sampler="tpe"`` against Optuna's TPE, scikit-learn's HalvingRandomSearchCV
and AutoSearchCV's own random sampler, on four problems, mean of 3 seeds.

    python benchmarks/bench_search_sampling.py --tag run1
    python benchmarks/bench_search_sampling.py --quick     # smoke run

Self-contained (skauto, scikit-learn, optuna and the standard library).
Writes benchmarks/results/bench_search_sampling_<tag>.{json,md}.
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
import optuna
from optuna.distributions import FloatDistribution, IntDistribution
from optuna_integration import OptunaSearchCV
from scipy.stats import loguniform, randint, uniform
from sklearn.compose import make_column_transformer
from sklearn.datasets import load_digits
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import HalvingRandomSearchCV, train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.svm import SVC

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's skauto

from skauto.datasets import load_bikeshare  # noqa: E402
from skauto.model_selection import AutoSearchCV  # noqa: E402

RESULTS = ROOT / "benchmarks" / "results"
SEEDS = (0, 1, 2)
N_CANDIDATES = 27
CV = 3
TIE = 1e-4  # mean test scores this close count as equal


def _bikeshare(n_train):
    frame = load_bikeshare(as_frame=True).frame
    X, y = frame.drop(columns="bikers"), frame["bikers"].astype(float)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, train_size=n_train, test_size=2000, random_state=0
    )
    scale = float(y_train.std())
    return X_train, X_test, y_train / scale, y_test / scale


def _encoded(X_train, X_test):
    categories = list(X_train.select_dtypes("category").columns)
    encode = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore", sparse_output=False), categories),
        remainder=StandardScaler(),
    ).fit(X_train)
    return encode.transform(X_train), encode.transform(X_test)


def problem_mlp():
    X_train, X_test, y_train, y_test = _bikeshare(3000)
    X_train, X_test = _encoded(X_train, X_test)
    est = MLPRegressor(hidden_layer_sizes=(32,), max_iter=81, random_state=0)
    space = {"alpha": (1e-7, 10.0), "learning_rate_init": (1e-5, 1.0)}
    return est, space, {}, "max_iter", (X_train, X_test, y_train, y_test)


def problem_hgb():
    data = _bikeshare(4000)
    est = HistGradientBoostingRegressor(
        max_iter=243, early_stopping=False, random_state=0
    )
    space = {"learning_rate": (1e-3, 1.0), "l2_regularization": (1e-5, 100.0)}
    ints = {"max_leaf_nodes": (2, 256), "min_samples_leaf": (1, 500)}
    return est, space, ints, "max_iter", data


def problem_sgd():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y
    )
    scale = StandardScaler().fit(X_train)
    est = SGDClassifier(
        penalty="elasticnet", learning_rate="invscaling", tol=None, max_iter=81,
        random_state=0,
    )  # fmt: skip
    space = {"alpha": (1e-8, 1.0), "eta0": (1e-5, 10.0)}
    floats = {"l1_ratio": (0.0, 1.0), "power_t": (0.05, 0.9)}
    data = (scale.transform(X_train), scale.transform(X_test), y_train, y_test)
    return est, space, {}, "max_iter", data, floats


def problem_svc():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0, stratify=y
    )
    scale = StandardScaler().fit(X_train)
    est = SVC()
    space = {"C": (1e-3, 1e6), "gamma": (1e-8, 1e2)}
    data = (scale.transform(X_train), scale.transform(X_test), y_train, y_test)
    return est, space, {}, "n_samples", data


PROBLEMS = {
    "mlp": problem_mlp,
    "hgb": problem_hgb,
    "sgd": problem_sgd,
    "svc": problem_svc,
}
DESCRIPTION = """\
Four problems over wide continuous distributions (log-uniform unless said;
the ranges a user who does not know where the good values are would give),
data that ships offline, one train/test split each, cv=3, n_jobs=1, 27
candidates:

- mlp: MLPRegressor(hidden_layer_sizes=(32,), max_iter=81) on 3,000 bikeshare
  rows (one-hot + standardized, target / its std), alpha x learning_rate_init,
  resource max_iter (warm start); test R2 on 2,000 rows;
- hgb: HistGradientBoostingRegressor(max_iter=243, no early stopping) on 4,000
  bikeshare rows (native categories), learning_rate x l2_regularization x
  max_leaf_nodes x min_samples_leaf (integers, log-uniform), resource
  max_iter (warm start); test R2 on 2,000 rows;
- sgd: SGDClassifier(elasticnet, invscaling, tol=None, max_iter=81) on digits
  (standardized), alpha x eta0 x l1_ratio (uniform) x power_t (uniform),
  resource max_iter (partial_fit epochs); test accuracy on 450 rows;
- svc: SVC on digits (standardized), C x gamma, resource n_samples; test
  accuracy on 450 rows.

Competitors, each seed (0, 1, 2) in turn: AutoSearchCV(sampler="tpe",
schedule="async": on one worker, each new candidate drawn after all the
results before it) first (its wall time T); AutoSearchCV(sampler="random")
with the same arguments (the same plan, so about the same time);
OptunaSearchCV (TPESampler(seed), HyperbandPruner with enable_pruning where
the estimator has partial_fit, i.e. mlp and sgd; n_trials=None,
timeout=T); HalvingRandomSearchCV with the same 27 candidates, factor 3, the
same resource and max_resources (scikit-learn's other defaults).
"""


def _scipy(space, ints, floats):
    dists = {k: loguniform(*v) for k, v in space.items()}
    dists.update({k: _LogInt(*v) for k, v in ints.items()})
    dists.update({k: uniform(v[0], v[1] - v[0]) for k, v in floats.items()})
    return dists


class _LogInt:
    """Integers log-uniform on [low, high]: ``rvs`` as scipy's, and the
    ``cdf``/``ppf`` of a discrete distribution for the model-based sampler."""

    def __init__(self, low, high):
        self.low, self.high = low, high
        self._dist = randint(low, high + 1)  # a frozen scipy distribution
        self.dist = self._dist.dist
        self._u = loguniform(low, high + 1)

    def rvs(self, random_state=None):
        return int(np.floor(self._u.rvs(random_state=random_state)))

    def cdf(self, x):
        return self._u.cdf(np.floor(x) + 1)

    def pmf(self, x):
        return self._u.cdf(np.floor(x) + 1) - self._u.cdf(np.floor(x))

    def ppf(self, q):
        return np.floor(self._u.ppf(q))


def _optuna(space, ints, floats):
    dists = {k: FloatDistribution(*v, log=True) for k, v in space.items()}
    dists.update({k: IntDistribution(*v, log=True) for k, v in ints.items()})
    dists.update({k: FloatDistribution(*v) for k, v in floats.items()})
    return dists


def _unpack(made):
    est, space, ints, resource, data, *rest = made
    return est, space, ints, resource, data, (rest[0] if rest else {})


def run_auto(est, dists, resource, data, seed, sampler):
    X_train, X_test, y_train, y_test = data
    start = time.perf_counter()
    search = AutoSearchCV(
        est, dists, resource=resource, n_candidates=N_CANDIDATES, cv=CV,
        sampler=sampler, schedule="async", random_state=seed,
    ).fit(X_train, y_train)  # fmt: skip
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "test": float(search.score(X_test, y_test)),
            "cv": float(search.best_score_), "best_params": _plain(search.best_params_),
            "n_candidates": search.n_candidates_, "n_resources": search.n_resources_,
            "max_resources": search.max_resources_}  # fmt: skip


def run_optuna(est, dists, data, seed, timeout, prune):
    X_train, X_test, y_train, y_test = data
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    study = optuna.create_study(
        direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed),
        pruner=optuna.pruners.HyperbandPruner() if prune else None,
    )  # fmt: skip
    kwargs = dict(enable_pruning=True, max_iter=est.max_iter) if prune else {}
    start = time.perf_counter()
    search = OptunaSearchCV(
        est, dists, cv=CV, n_trials=None, timeout=timeout, study=study,
        random_state=seed, **kwargs,
    ).fit(X_train, y_train)  # fmt: skip
    seconds = time.perf_counter() - start
    return {"seconds": seconds, "test": float(search.score(X_test, y_test)),
            "cv": float(search.best_score_), "best_params": _plain(search.best_params_),
            "n_trials": len(study.trials)}  # fmt: skip


def run_halving(est, dists, resource, max_resources, data, seed):
    X_train, X_test, y_train, y_test = data
    kwargs = {} if resource == "n_samples" else {"max_resources": max_resources}
    start = time.perf_counter()
    search = HalvingRandomSearchCV(
        est, dists, n_candidates=N_CANDIDATES, resource=resource, factor=3, cv=CV,
        random_state=seed, min_resources="smallest", **kwargs,
    ).fit(X_train, y_train)  # fmt: skip
    seconds = time.perf_counter() - start
    return {
        "seconds": seconds,
        "test": float(search.score(X_test, y_test)),
        "cv": float(search.best_score_),
        "best_params": _plain(search.best_params_),
        "n_candidates": search.n_candidates_,
        "n_resources": search.n_resources_,
    }


def _plain(params):
    return {k: (v.item() if hasattr(v, "item") else v) for k, v in params.items()}


def run_problem(name, seeds):
    est, space, ints, resource, data, floats = _unpack(PROBLEMS[name]())
    prune = hasattr(est, "partial_fit")
    rows = []
    for seed in seeds:
        dists = _scipy(space, ints, floats)
        row = {"seed": seed, "tpe": run_auto(est, dists, resource, data, seed, "tpe")}
        row["random"] = run_auto(est, dists, resource, data, seed, "random")
        timeout = row["tpe"]["seconds"]
        row["optuna"] = run_optuna(
            est, _optuna(space, ints, floats), data, seed, timeout, prune
        )
        max_r = row["tpe"]["max_resources"]
        row["halving"] = run_halving(est, dists, resource, max_r, data, seed)
        rows.append(row)
        tests = {k: round(v["test"], 4) for k, v in row.items() if k != "seed"}
        secs = {k: round(v["seconds"], 1) for k, v in row.items() if k != "seed"}
        print(name, seed, tests, secs, flush=True)
    return rows


METHODS = ("tpe", "random", "optuna", "halving")


def summary(rows):
    mean = {m: float(np.mean([r[m]["test"] for r in rows])) for m in METHODS}
    secs = {m: float(np.mean([r[m]["seconds"] for r in rows])) for m in METHODS}
    checks = {
        f"tpe >= {m}": mean["tpe"] >= mean[m] - TIE
        for m in ("optuna", "halving", "random")
    }
    return {"mean_test": mean, "mean_seconds": secs, "checks": checks}


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
    import sklearn

    return {
        "python": platform.python_version(), "platform": platform.platform(),
        "processor": platform.processor() or platform.machine(),
        "cpus": os.cpu_count(), "load_average_start": list(os.getloadavg()),
        "git_commit": commit + (" (modified)" if dirty else ""),
        "scikit-learn": sklearn.__version__, "optuna": optuna.__version__,
        "numpy": np.__version__,
    }  # fmt: skip


def markdown(results):
    lines = ["# Model-based sampling at equal wall time", "", DESCRIPTION]
    m = results["machine"]
    lines += [
        f"Machine: {m['processor']}, {m['cpus']} CPUs, Python {m['python']}, "
        f"scikit-learn {m['scikit-learn']}, optuna {m['optuna']}; commit "
        f"{m['git_commit']}; 1-min load average {m['load_average_start'][0]:.2f} "
        f"at the start, {results['load_average_end'][0]:.2f} at the end; "
        f"{results['seconds']:.0f} s.", "",
        "| problem | tpe | random | optuna | halving | seconds (tpe / random / "
        "optuna / halving) | checks |",
        "|---|---|---|---|---|---|---|",
    ]  # fmt: skip
    for name, res in results["problems"].items():
        s = res["summary"]
        cells = [f"{s['mean_test'][k]:.4f}" for k in METHODS]
        secs = " / ".join(f"{s['mean_seconds'][k]:.1f}" for k in METHODS)
        checks = ", ".join(
            f"{k} {'PASS' if ok else 'FAIL'}" for k, ok in s["checks"].items()
        )
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {secs} | {checks} |")
    lines += ["", "Per seed (test score; seconds):", ""]
    for name, res in results["problems"].items():
        for row in res["rows"]:
            tests = ", ".join(f"{k} {row[k]['test']:.4f}" for k in METHODS)
            secs = ", ".join(f"{row[k]['seconds']:.1f}" for k in METHODS)
            extra = f"optuna trials {row['optuna']['n_trials']}"
            lines.append(f"- {name} seed {row['seed']}: {tests}; s {secs}; {extra}")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tag", default="run1")
    parser.add_argument("--problems", nargs="*", default=list(PROBLEMS))
    parser.add_argument("--quick", action="store_true", help="one seed, svc and sgd")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    seeds = SEEDS[:1] if args.quick else SEEDS
    problems = ["sgd", "svc"] if args.quick else args.problems
    start = time.perf_counter()
    results = {"machine": machine(), "command": " ".join(sys.argv), "problems": {}}
    for name in problems:
        rows = run_problem(name, seeds)
        results["problems"][name] = {"rows": rows, "summary": summary(rows)}
    results["seconds"] = time.perf_counter() - start
    results["load_average_end"] = list(os.getloadavg())
    if args.quick:
        print(markdown(results))
        return
    RESULTS.mkdir(exist_ok=True)
    stem = RESULTS / f"bench_search_sampling_{args.tag}"
    stem.with_suffix(".json").write_text(json.dumps(results, indent=1, default=str))
    stem.with_suffix(".md").write_text(markdown(results))
    print(markdown(results))


if __name__ == "__main__":
    main()
