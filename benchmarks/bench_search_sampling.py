"""Model-based sampling at equal wall time (issue 24): AutoSearchCV with
``sampler="tpe"`` against Optuna's TPE, scikit-learn's HalvingRandomSearchCV
and AutoSearchCV's own random sampler, on four problems, mean of 3 seeds.

    python benchmarks/bench_search_sampling.py --tag run1
    python benchmarks/bench_search_sampling.py --quick     # smoke run
    # seeds the defaults were not chosen on; BOHB's Hyperband brackets
    python benchmarks/bench_search_sampling.py --tag heldout --seeds 10 11 12 13 14 15 16 17 18 19
    python benchmarks/bench_search_sampling.py --tag heldout_hyperband --n-brackets auto \
        --seeds 10 11 12 13 14 15 16 17 18 19

Writes ``results/bench_search_sampling_<tag>.{json,md}`` (``--quick``: under
``results/quick/``).

Problems
--------
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

Competitors
-----------
Each seed (0, 1, 2; ``--seeds``) in turn: AutoSearchCV(sampler="tpe",
schedule="async": on one worker, each new candidate drawn after all the
results before it) first (its wall time T); AutoSearchCV(sampler="random")
with the same arguments (the same plan, so about the same time);
OptunaSearchCV (TPESampler(seed), HyperbandPruner with enable_pruning where
the estimator has partial_fit, i.e. mlp and sgd; n_trials=None,
timeout=T); HalvingRandomSearchCV with the same 27 candidates, factor 3, the
same resource and max_resources (scikit-learn's other defaults). The checks:
the mean test score of tpe at least each other's minus 1e-4.
"""

import argparse
import warnings
from dataclasses import dataclass, field

import numpy as np
import optuna
from _common import doc_part, main_study, markdown_table, page
from optuna.distributions import FloatDistribution, IntDistribution
from optuna_integration import OptunaSearchCV
from scipy.stats import loguniform, uniform
from searches import LogInt, bikeshare, digits, encoded, fit_search
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import HalvingRandomSearchCV
from sklearn.neural_network import MLPRegressor
from sklearn.svm import SVC

from skauto.model_selection import AutoSearchCV

SEEDS = (0, 1, 2)
N_CANDIDATES = 27
CV = 3
TIE = 1e-4  # mean test scores this close count as equal
METHODS = ("tpe", "random", "optuna", "halving")


@dataclass
class Problem:
    """An estimator, its data and its space: ``log`` log-uniform floats,
    ``ints`` log-uniform integers, ``floats`` uniform floats (name: (low, high))."""

    estimator: object
    data: tuple
    log: dict
    ints: dict = field(default_factory=dict)
    floats: dict = field(default_factory=dict)
    resource: str = "max_iter"

    def scipy(self):
        space = {k: loguniform(*v) for k, v in self.log.items()}
        space.update({k: LogInt(*v) for k, v in self.ints.items()})
        space.update({k: uniform(v[0], v[1] - v[0]) for k, v in self.floats.items()})
        return space

    def optuna(self):
        space = {k: FloatDistribution(*v, log=True) for k, v in self.log.items()}
        space.update({k: IntDistribution(*v, log=True) for k, v in self.ints.items()})
        space.update({k: FloatDistribution(*v) for k, v in self.floats.items()})
        return space


PROBLEMS = {
    "mlp": lambda: Problem(MLPRegressor(hidden_layer_sizes=(32,), max_iter=81, random_state=0),
                           encoded(bikeshare(3000)), {"alpha": (1e-7, 10.0), "learning_rate_init": (1e-5, 1.0)}),
    "hgb": lambda: Problem(HistGradientBoostingRegressor(max_iter=243, early_stopping=False, random_state=0),
                           bikeshare(4000), {"learning_rate": (1e-3, 1.0), "l2_regularization": (1e-5, 100.0)},
                           ints={"max_leaf_nodes": (2, 256), "min_samples_leaf": (1, 500)}),
    "sgd": lambda: Problem(SGDClassifier(penalty="elasticnet", learning_rate="invscaling", tol=None, max_iter=81, random_state=0),
                           digits(), {"alpha": (1e-8, 1.0), "eta0": (1e-5, 10.0)},
                           floats={"l1_ratio": (0.0, 1.0), "power_t": (0.05, 0.9)}),
    "svc": lambda: Problem(SVC(), digits(), {"C": (1e-3, 1e6), "gamma": (1e-8, 1e2)}, resource="n_samples"),
}  # fmt: skip


def auto(problem, space, seed, sampler, n_brackets=1):
    search = AutoSearchCV(
        problem.estimator, space, resource=problem.resource, n_candidates=N_CANDIDATES,
        n_brackets=n_brackets, cv=CV, sampler=sampler, schedule="async", random_state=seed,
    )  # fmt: skip
    return fit_search(search, problem.data, "n_candidates_", "n_resources_", "max_resources_")


def optuna_search(problem, seed, timeout):
    prune = hasattr(problem.estimator, "partial_fit")
    study = optuna.create_study(
        direction="maximize", sampler=optuna.samplers.TPESampler(seed=seed),
        pruner=optuna.pruners.HyperbandPruner() if prune else None,
    )  # fmt: skip
    kwargs = dict(enable_pruning=True, max_iter=problem.estimator.max_iter) if prune else {}
    search = OptunaSearchCV(
        problem.estimator, problem.optuna(), cv=CV, n_trials=None, timeout=timeout,
        study=study, random_state=seed, **kwargs,
    )  # fmt: skip
    return {**fit_search(search, problem.data), "n_trials": len(study.trials)}


def halving(problem, space, seed, max_resources):
    kwargs = {} if problem.resource == "n_samples" else {"max_resources": max_resources}
    search = HalvingRandomSearchCV(
        problem.estimator, space, n_candidates=N_CANDIDATES, resource=problem.resource,
        factor=3, cv=CV, random_state=seed, min_resources="smallest", **kwargs,
    )  # fmt: skip
    return fit_search(search, problem.data, "n_candidates_", "n_resources_")


def run_problem(name, seeds, n_brackets):
    problem, rows = PROBLEMS[name](), []
    for seed in seeds:
        space = problem.scipy()
        row = {"seed": seed, "tpe": auto(problem, space, seed, "tpe", n_brackets)}
        row["random"] = auto(problem, space, seed, "random", n_brackets)
        timeout = row["tpe"]["wall_seconds"]
        row["optuna"] = optuna_search(problem, seed, timeout)
        row["halving"] = halving(problem, space, seed, row["tpe"]["max_resources"])
        rows.append(row)
        tests = {m: round(row[m]["test_score"], 4) for m in METHODS}
        seconds = {m: round(row[m]["wall_seconds"], 1) for m in METHODS}
        print(name, seed, tests, seconds, flush=True)
    return rows


def mean(rows, method, key):
    return float(np.mean([r[method][key] for r in rows]))


def report(data, args):
    table, seeds = [], []
    for name, rows in data["problems"].items():
        test = {m: mean(rows, m, "test_score") for m in METHODS}
        checks = [f"tpe >= {m} {'PASS' if test['tpe'] >= test[m] - TIE else 'FAIL'}"
                  for m in ("optuna", "halving", "random")]  # fmt: skip
        seconds = [f"{mean(rows, m, 'wall_seconds'):.1f}" for m in METHODS]
        table.append([name, *(f"{test[m]:.4f}" for m in METHODS), " / ".join(seconds), ", ".join(checks)])
        for r in rows:
            tests = ", ".join(f"{m} {r[m]['test_score']:.4f}" for m in METHODS)
            seconds = ", ".join(f"{r[m]['wall_seconds']:.1f}" for m in METHODS)
            seeds.append(f"- {name} seed {r['seed']}: {tests}; s {seconds}; optuna trials {r['optuna']['n_trials']}")
    headers = ["problem", *METHODS, "seconds (tpe / random / optuna / halving)", "checks"]
    return page(
        "# Model-based sampling at equal wall time", __file__, data,
        doc_part(__doc__, "Problems").strip(), doc_part(__doc__, "Competitors").strip(),
        markdown_table(headers, table), "Per seed (test score; seconds):\n\n" + "\n".join(seeds),
    )  # fmt: skip


def parser():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tag", default="run1")
    parser.add_argument("--problems", nargs="*", default=list(PROBLEMS))
    parser.add_argument("--seeds", nargs="*", type=int, default=list(SEEDS))
    parser.add_argument("--n-brackets", default=1, type=lambda v: v if v == "auto" else int(v),
                        help='AutoSearchCV\'s n_brackets (an int or "auto")')
    parser.add_argument("--quick", action="store_true", help="one seed, svc and sgd")
    return parser


def run(args):
    warnings.simplefilter("ignore")
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    seeds = args.seeds[:1] if args.quick else args.seeds
    names = ["sgd", "svc"] if args.quick else args.problems
    problems = {name: run_problem(name, seeds, args.n_brackets) for name in names}
    yield f"bench_search_sampling_{args.tag}", {"problems": problems}


if __name__ == "__main__":
    main_study(parser(), run, report)
