"""AutoSearchCV against scikit-learn's searches and Optuna on bikeshare (issue 4).

The Problems section below says what each problem searches.

    python benchmarks/bench_search.py                 # all problems
    python benchmarks/bench_search.py --problem hgb --skip-grid
    python benchmarks/bench_search.py --quick         # smoke run

Problems
--------
Three problems, each searched by every competitor with cv=3 and n_jobs=2 on
the same 75/25 split, in the same run:

- mlp: MLPRegressor (behind the ColumnTransformer, target standardized) over
  hidden_layer_sizes x learning_rate_init, resource max_iter (epochs);
- hgb: HistGradientBoostingRegressor (raw frame, native categoricals) over
  learning_rate x max_leaf_nodes x l2_regularization, resource max_iter;
- sgd: SGDRegressor (on the one-hot encoded, standardized features, target
  standardized, tol=None so that max_iter is the number of epochs) over
  alpha x eta0 x learning_rate, resource max_iter.

Notes
-----
Every search gets the same estimator and cv=3, n_jobs=2. GridSearchCV and
HalvingGridSearchCV (n_samples) search the full grid, the resource included;
the searches on the resource get the grid without it and max_resources = its
largest value (min_resources and n_candidates at their defaults, but
HalvingRandomSearchCV gets as many candidates as the full grid has points,
sampled from the grid's ranges: log-uniform, uniform for l2_regularization;
and min_resources="exhaust", HalvingGridSearchCV's default, since its own
default "smallest" would stop its last rung far below max_resources).
AutoSearchCV continues survivors (warm_start); scikit-learn refits each rung
from scratch. OptunaSearchCV (TPE, random_state=0) samples the same ranges,
resource included, until its timeout (a trial running then completes).
Fits = rows of cv_results_ (AutoSearchCV: rung_results_) x folds + 1 refit
(under continuation, a row is an increment). Wall seconds include the refit.
In the PASS/FAIL lines, test scores within 1e-4 count as equal.
"""

import argparse
import warnings
from dataclasses import dataclass, field

from _common import (
    doc_part,
    fmt,
    main_study,
    make_preprocessor,
    markdown_table,
    optional,
    page,
    short_params,
    silence_convergence_warnings,
    warm_up_workers,
)
from datasets import get
from scipy.stats import loguniform, uniform
from searches import fit_search
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.experimental import enable_halving_search_cv  # noqa: F401
from sklearn.linear_model import SGDRegressor
from sklearn.model_selection import (
    GridSearchCV,
    HalvingGridSearchCV,
    HalvingRandomSearchCV,
    ParameterGrid,
)
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline

PROBLEMS = doc_part(__doc__, "Problems")
NOTES = doc_part(__doc__, "Notes").rstrip("\n")

COMMON = {"cv": 3, "n_jobs": 2}
TIE = 1e-4  # test scores this close count as equal in the PASS/FAIL lines


class LogInt:
    """Integers spread log-uniformly on [low, high] (for the random searches)."""

    def __init__(self, low, high):
        self.low, self.high = low, high

    def rvs(self, random_state=None):
        value = loguniform(self.low, self.high).rvs(random_state=random_state)
        return int(round(value))

    def __repr__(self):
        return f"LogInt({self.low}, {self.high})"


@dataclass
class Dim:
    """One dimension: grid values, and the range the random searches sample."""

    values: list
    log: bool = True
    integer: bool = False

    def scipy(self):
        low, high = min(self.values), max(self.values)
        if self.integer:
            return LogInt(low, high)
        return loguniform(low, high) if self.log else uniform(low, high - low)

    def optuna(self):
        from optuna.distributions import FloatDistribution, IntDistribution

        low, high = min(self.values), max(self.values)
        kind = IntDistribution if self.integer else FloatDistribution
        return kind(low, high, log=self.log)


@dataclass
class Problem:
    name: str
    estimator: object
    dims: dict
    resource: str
    resource_dim: Dim
    data: tuple = field(repr=False, default=None)

    def grid(self, with_resource):
        grid = {k: d.values for k, d in self.dims.items()}
        return (
            {**grid, self.resource: self.resource_dim.values} if with_resource else grid
        )

    @property
    def max_resource(self):
        return max(self.resource_dim.values)


def scaled_target(y_train, y_test):
    """Standardize y with the training mean and std (R² is unchanged)."""
    mean, std = y_train.mean(), y_train.std()
    return (y_train - mean) / std, (y_test - mean) / std


def make_problems(quick):
    X_train, X_test, y_train, y_test = get("regression", "bikeshare").split(quick=quick)
    ys_train, ys_test = scaled_target(y_train, y_test)
    pre = make_preprocessor().fit(X_train)
    Xp_train, Xp_test = pre.transform(X_train), pre.transform(X_test)
    epochs = [5, 15, 45] if quick else [25, 100, 400]
    mlp = make_pipeline(make_preprocessor(), MLPRegressor(random_state=0))
    sgd = SGDRegressor(tol=None, random_state=0)
    mlp_dims = {"mlpregressor__hidden_layer_sizes": Dim([16, 64, 256], integer=True),
                "mlpregressor__learning_rate_init": Dim([1e-4, 1e-3, 1e-2])}
    hgb_dims = {"learning_rate": Dim([0.03, 0.1, 0.3]),
                "max_leaf_nodes": Dim([15, 31, 63], integer=True),
                "l2_regularization": Dim([0.0, 0.1, 1.0], log=False)}
    sgd_dims = {"alpha": Dim([1e-6, 1e-4, 1e-2]), "eta0": Dim([1e-3, 1e-2, 1e-1]),
                "learning_rate": Dim(["constant", "invscaling", "adaptive"])}
    return {
        "mlp": Problem("mlp", mlp, mlp_dims, "mlpregressor__max_iter", Dim(epochs, integer=True),
                       (X_train, X_test, ys_train, ys_test)),
        "hgb": Problem("hgb", HistGradientBoostingRegressor(random_state=0), hgb_dims, "max_iter",
                       Dim([10, 30, 90] if quick else [30, 100, 300], integer=True),
                       (X_train, X_test, y_train, y_test)),
        "sgd": Problem("sgd", sgd, sgd_dims, "max_iter", Dim([3, 9, 27] if quick else [5, 15, 45], integer=True),
                       (Xp_train, Xp_test, ys_train, ys_test)),
    }  # fmt: skip


def random_space(problem, with_resource=False, kind="scipy"):
    """The grid's ranges as distributions (lists stay lists)."""
    dims = dict(problem.dims)
    if with_resource:
        dims[problem.resource] = problem.resource_dim
    space = {}
    for name, dim in dims.items():
        if isinstance(dim.values[0], str):
            space[name] = dim.values if kind == "scipy" else _categorical(dim.values)
        else:
            space[name] = getattr(dim, kind)()
    return space


def _categorical(values):
    from optuna.distributions import CategoricalDistribution

    return CategoricalDistribution(values)


def searches(problem, AutoSearchCV, skip_grid):
    """(label, factory) pairs; a factory takes the rows measured so far."""
    est, res = problem.estimator, problem.resource
    grid, full_grid = problem.grid(with_resource=False), problem.grid(True)
    halving = {**COMMON, "factor": 3, "random_state": 0}
    on_resource = {"resource": res, "max_resources": problem.max_resource}
    n_grid, short, sampled = len(ParameterGrid(full_grid)), res.split("__")[-1], random_space(problem)
    out = [] if AutoSearchCV is None else [
        ("AutoSearchCV", lambda rows: AutoSearchCV(est, grid, **on_resource, **COMMON, random_state=0))]
    if not skip_grid:
        out.append(("GridSearchCV", lambda rows: GridSearchCV(est, full_grid, **COMMON)))
    out += [
        ("HalvingGridSearchCV (n_samples)", lambda rows: HalvingGridSearchCV(est, full_grid, **halving)),
        (f"HalvingGridSearchCV ({short})", lambda rows: HalvingGridSearchCV(est, grid, **on_resource, **halving)),
        (f"HalvingRandomSearchCV ({short}, {n_grid} candidates)", lambda rows: HalvingRandomSearchCV(
            est, sampled, n_candidates=n_grid, min_resources="exhaust", **on_resource, **halving)),
    ]  # fmt: skip
    OptunaSearchCV = optional("optuna_integration", "OptunaSearchCV")
    if OptunaSearchCV is not None:
        space = random_space(problem, with_resource=True, kind="optuna")
        out.append(("OptunaSearchCV (same wall time)", lambda rows: OptunaSearchCV(
            est, space, n_trials=None, random_state=0, **COMMON,
            timeout=optuna_timeout(rows, f"HalvingGridSearchCV ({short})"))))  # fmt: skip
    return out


def optuna_timeout(rows, fallback):
    """AutoSearchCV's wall time, or ``fallback``'s when it is not available."""
    source = "AutoSearchCV" if "AutoSearchCV" in rows else fallback
    rows["_optuna_timeout_from"] = source
    return rows[source]["wall_seconds"]


def run_search(search, data):
    row = fit_search(search, data, "n_resources_", "n_candidates_")
    # AutoSearchCV's cv_results_ has one row per candidate, rung_results_ one
    # per (candidate, rung) like the halving searches' cv_results_
    results = getattr(search, "rung_results_", search.cv_results_)
    n_rows = len(results["params"]) if "params" in results else search.n_trials_
    return {**row, "n_fits": n_rows * search.n_splits_ + 1}


def run_problem(problem, AutoSearchCV, skip_grid):
    rows = {}
    for label, factory in searches(problem, AutoSearchCV, skip_grid):
        print(f"[{problem.name}] {label} ...", flush=True)
        rows[label] = r = run_search(factory(rows), problem.data)
        print(
            f"    cv={r['best_cv_score']:.4f} test={r['test_score']:.4f} "
            f"{r['wall_seconds']:.1f} s {r['n_fits']} fits",
            flush=True,
        )
    return rows


def table(rows):
    grid_s = rows.get("GridSearchCV", {}).get("wall_seconds")
    lines = []
    for label, r in rows.items():
        if label.startswith("_"):
            continue
        ratio = r["wall_seconds"] / grid_s if grid_s else None
        params = short_params(r["best_params"])
        lines.append(
            [label, fmt(r["best_cv_score"]), fmt(r["test_score"])]
            + [fmt(r["wall_seconds"], ".1f"), r["n_fits"], fmt(ratio, ".3f"), params]
        )
    headers = ["search", "best CV R²", "test R²", "wall s", "fits", "÷ grid time"]
    return markdown_table(headers + ["best parameters"], lines)


def target_checks(name, rows):
    """Issue 4's targets, as PASS/FAIL lines."""
    me = rows.get("AutoSearchCV")
    if me is None:
        return [f"[{name}] targets not checked: AutoSearchCV not available"]
    checks = []
    for label, r in rows.items():
        if label.startswith("HalvingGridSearchCV"):
            ok = me["test_score"] >= r["test_score"] - TIE
            text = f"test {me['test_score']:.5f} >= {label} {r['test_score']:.5f}"
            checks.append((ok, text))
            ratio = me["wall_seconds"] / r["wall_seconds"]
            checks.append((ratio <= 0.75, f"time {ratio:.3f} x {label} <= 3/4"))
    grid = rows.get("GridSearchCV")
    if grid is not None:
        gap = grid["test_score"] - me["test_score"]
        checks.append((gap <= 0.005, f"test {gap:+.4f} below GridSearchCV <= 0.005"))
        ratio = me["wall_seconds"] / grid["wall_seconds"]
        checks.append((ratio <= 0.1, f"time {ratio:.3f} x GridSearchCV <= 1/10"))
    return [f"{'PASS' if ok else 'FAIL'} [{name}] {text}" for ok, text in checks]


def report(data, args):
    problems, parts = make_problems(args.quick), []
    for name, rows in data["results"].items():
        p = problems[name]
        parts += [f"## {name}: {type(p.estimator).__name__}",
                  f"Grid: {p.grid(True)}; resource `{p.resource}`.", table(rows),
                  f"Optuna's timeout: the wall time of {rows.get('_optuna_timeout_from')}.",
                  "\n".join(target_checks(name, rows))]  # fmt: skip
    title = f"# bench_search: bikeshare{' (quick smoke run)' if args.quick else ''}"
    return page(title, __file__, data, *parts, PROBLEMS, NOTES)


def quiet_optuna():
    try:
        import optuna
    except ImportError:
        return
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    warnings.filterwarnings("ignore", category=optuna.exceptions.ExperimentalWarning)
    warnings.filterwarnings("ignore", category=FutureWarning, module="optuna")


def parser():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--problem", choices=["mlp", "hgb", "sgd", "all"], default="all"
    )
    parser.add_argument("--quick", action="store_true", help="600 rows, small budgets")
    parser.add_argument("--skip-grid", action="store_true", help="no GridSearchCV")
    return parser


def run(args):
    silence_convergence_warnings()
    quiet_optuna()
    problems = make_problems(args.quick)
    names = list(problems) if args.problem == "all" else [args.problem]
    AutoSearchCV = optional("skauto.model_selection", "AutoSearchCV")
    warm_up_workers(COMMON["n_jobs"])
    results = {n: run_problem(problems[n], AutoSearchCV, args.skip_grid) for n in names}
    stem = "bench_search" + (f"_{args.problem}" if args.problem != "all" else "")
    yield stem + ("_skip_grid" if args.skip_grid else ""), {"results": results}


if __name__ == "__main__":
    main_study(parser(), run, report)
