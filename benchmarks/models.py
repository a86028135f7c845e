"""The model registry: every model the suites fit, one :class:`Model` each.

A model's ``build(task, data, rows)`` returns the unfitted estimator for the
task (``"regression"`` or ``"classification"``) or raises :class:`Skip` with
the reason (``rows``: the rows of the dataset measured so far, which ``plain``
reads the grid's best configuration from). Every model gets
``random_state=0`` where it takes one, and otherwise its defaults. A second
skauto variant is one more entry, as ``skauto_raw`` (the self-tuner given the
raw frame, as HistGradientBoosting is, with no preprocessor), and its name in
a suite's model list (``runner.SUITE_MODELS``).
"""

from dataclasses import dataclass

import numpy as np
from _common import make_preprocessor, optional, short_params, timed_fit
from sklearn import ensemble, linear_model, neural_network
from sklearn.compose import TransformedTargetRegressor
from sklearn.model_selection import GridSearchCV
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

REG = "regression"
N_JOBS = 2  # the grid's workers
GRID = {
    "hidden_layer_sizes": [(16,), (64,), (256,)],
    "learning_rate_init": [1e-4, 1e-3, 1e-2],
    "max_iter": [25, 100, 400],
}
QUICK_GRID = {
    "hidden_layer_sizes": [(8,), (16,)],
    "learning_rate_init": [1e-3, 1e-2],
    "max_iter": [5, 15],
}
PREFIX = {REG: "transformedtargetregressor__regressor__",
          "classification": "mlpclassifier__"}  # fmt: skip
ESTIMATE_MAX_ROWS = 20_000


class Skip(Exception):
    """A model that does not run on this dataset; the message says why and
    ``extra`` what the row keeps (a skipped grid's estimate is cached)."""

    def __init__(self, message, **extra):
        super().__init__(message)
        self.extra = extra


@dataclass(frozen=True)
class Model:
    """One model of the suites: its label, how to build it, what it needs.

    ``cached``: its rows go to the baseline cache (the self-tuners' never do);
    ``versions``: the distributions besides scikit-learn, numpy, scipy and
    pandas whose versions key its cache rows; ``capped``: skipped above
    ``--realmlp-max-rows`` training rows; ``tasks``: where it applies.
    """

    name: str
    label: str
    build: object
    cached: bool = True
    versions: tuple = ()
    capped: bool = False
    tasks: tuple = (REG, "classification")


def _task(task, regressor, classifier):
    return regressor if task == REG else classifier


def mlp_pipeline(task=REG, X=None):
    """The MLP defaults of the suites: the preprocessor for the frame ``X``, the
    MLP (regression: the target standardized by TransformedTargetRegressor)."""
    if task == REG:
        mlp = neural_network.MLPRegressor(random_state=0)
        return make_pipeline(make_preprocessor(X), TransformedTargetRegressor(mlp, transformer=StandardScaler()))  # fmt: skip
    return make_pipeline(make_preprocessor(X), neural_network.MLPClassifier(random_state=0))  # fmt: skip


def _self_tuner(task):
    name = _task(task, "SelfTuningMLPRegressor", "SelfTuningMLPClassifier")
    cls = optional("skauto.neural_network", name)
    if cls is None:
        raise Skip("not available (skauto.neural_network)")
    return cls(random_state=0)


def _skauto(task, data, rows):
    return make_pipeline(make_preprocessor(data[0]), _self_tuner(task))


def _ridge(task, data, rows):
    return make_pipeline(make_preprocessor(data[0]), linear_model.RidgeCV())


def _logreg(task, data, rows):
    return make_pipeline(make_preprocessor(data[0]), linear_model.LogisticRegressionCV(max_iter=5000))  # fmt: skip


def _hgb(task, data, rows):
    cls = _task(task, ensemble.HistGradientBoostingRegressor, ensemble.HistGradientBoostingClassifier)  # fmt: skip
    return cls(random_state=0)


def _lightgbm(task, data, rows):
    cls = optional("lightgbm", _task(task, "LGBMRegressor", "LGBMClassifier"))
    if cls is None:
        raise Skip("not installed (pip install '.[bench]')")
    return cls(verbose=-1)


def _pytabkit(prefix):
    def build(task, data, rows):
        cls = optional("pytabkit", prefix + _task(task, "Regressor", "Classifier"))
        if cls is None:
            raise Skip("not installed (pip install '.[realmlp]' after a CPU torch)")
        return cls(random_state=0, device="cpu")

    return build


def _grid_space(task, quick):
    return {PREFIX[task] + k: v for k, v in (QUICK_GRID if quick else GRID).items()}


def grid_estimate(task, data, quick):
    """Seconds the grid would take, from one fit of the middle configuration.

    The middle configuration (each parameter's middle value) is fitted on 2/3
    of the training rows, as in one fold (on at most 20,000 rows, the time
    then scaled linearly); the time per epoch and hidden unit is summed over
    the grid as if every configuration ran all its ``max_iter`` epochs (an
    upper bound: the MLPs may stop earlier), 3 folds each plus the refit of
    the costliest, divided by the workers.
    """
    X_train, _, y_train, _ = data
    grid, prefix = _grid_space(task, quick), PREFIX[task]
    middle = {name: values[len(values) // 2] for name, values in grid.items()}
    n = 2 * len(X_train) // 3
    m = min(n, ESTIMATE_MAX_ROWS)
    model = mlp_pipeline(task, X_train).set_params(**middle)
    seconds = timed_fit(model, X_train[:m], y_train[:m]) * n / m
    mlp = model[-1].regressor_ if task == REG else model[-1]
    per_unit_epoch = seconds / (mlp.n_iter_ * middle[prefix + "hidden_layer_sizes"][0])
    work = [h[0] * it * len(grid[prefix + "learning_rate_init"])
            for h in grid[prefix + "hidden_layer_sizes"] for it in grid[prefix + "max_iter"]]  # fmt: skip
    total = per_unit_epoch * (3 * sum(work) + max(work) * len(X_train) / n)
    return total / N_JOBS, seconds


def grid_builder(limit=600, quick=False):
    """The 27-configuration GridSearchCV over the MLP (cv=3, n_jobs=2), or Skip
    where :func:`grid_estimate` exceeds ``limit`` seconds."""

    def build(task, data, rows):
        estimate, one_fit = grid_estimate(task, data, quick)
        if estimate > limit:
            raise Skip(f"skipped (est. {estimate:.0f} s > {limit:.0f} s, from one "
                       f"fit of the middle configuration: {one_fit:.1f} s)",
                       estimate_seconds=estimate)  # fmt: skip
        scoring = None if task == REG else "neg_log_loss"
        search = GridSearchCV(mlp_pipeline(task, data[0]), _grid_space(task, quick), cv=3,
                              n_jobs=N_JOBS, scoring=scoring)  # fmt: skip
        search.estimate_seconds = estimate
        return search

    return build


def _plain(task, data, rows):
    """One plain fit of the grid's best configuration (the grid row's)."""
    best = (rows.get("grid") or {}).get("best_params")
    if not best:
        raise Skip("no grid result to take the best configuration from")
    return mlp_pipeline(task, data[0]).set_params(**{k: tuple(v) if isinstance(v, list) else v for k, v in best.items()})  # fmt: skip


def note(model, estimator):
    """What the row's notes say about the fitted ``estimator``."""
    last = estimator[-1] if hasattr(estimator, "steps") else estimator
    if model.startswith("skauto"):
        best = getattr(last, "best_params_", None) or {}
        return f"chose: {short_params(best)}", {"best_params": best}
    if model == "grid":
        extra = {"best_params": estimator.best_params_,
                 "estimate_seconds": estimator.estimate_seconds}  # fmt: skip
        return f"best: {short_params(estimator.best_params_)}; est. {estimator.estimate_seconds:.0f} s", extra  # fmt: skip
    if model == "ridge":
        return f"alpha={last.alpha_:g}", {}
    if model == "logreg":
        return f"C={np.ravel(last.C_)[0]:.3g}", {}
    if model in ("hgb", "lightgbm", "realmlp", "tabm"):
        return "raw frame" + (", CPU" if model in ("realmlp", "tabm") else ""), {}
    return "", {}


MODELS = {m.name: m for m in [
    Model("skauto", "SelfTuning", _skauto, cached=False),
    Model("skauto_raw", "SelfTuning, raw frame", lambda task, data, rows: _self_tuner(task), cached=False),
    Model("mlp", "MLP defaults", lambda task, data, rows: mlp_pipeline(task, data[0])),
    Model("grid", "MLP grid", grid_builder()),
    Model("plain", "MLP grid's best, one fit", _plain, tasks=(REG,)),
    Model("hgb", "HGB defaults", _hgb),
    Model("lightgbm", "LightGBM defaults", _lightgbm, versions=("lightgbm",)),
    Model("ridge", "RidgeCV", _ridge, tasks=(REG,)),
    Model("logreg", "LogRegCV", _logreg, tasks=("classification",)),
    Model("realmlp", "RealMLP-TD", _pytabkit("RealMLP_TD_"), versions=("pytabkit", "torch"), capped=True),
    Model("tabm", "TabM-D", _pytabkit("TabM_D_"), versions=("pytabkit", "torch"), capped=True),
]}  # fmt: skip
LABELS = {name: m.label for name, m in MODELS.items()}
