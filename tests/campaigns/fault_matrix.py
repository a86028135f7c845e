"""The fault matrix: skauto's estimators against a demanding user (issue 22).

Every case fits one estimator on small data, in its own forked process with a
time limit and a memory cap (``RLIMIT_AS``), and fits scikit-learn's
counterpart on the same input. Each outcome is classified:

works             the fit returns, predictions are finite, no rule below fires
clear error       an exception naming the parameter or input (a regex per case)
as counterpart    (searches) the wrapped estimator's own error, exactly as the
                  scikit-learn search raises it; or a hang or a silently wrong
                  result that the scikit-learn search, given the same
                  estimator and input, shows as well (the same work asked for,
                  the wrapped estimator's own result)
unclear error     an exception that does not name it
refused           a clear error for an input scikit-learn's convention accepts
numpy crash       the traceback's last frame in numpy or scipy, or an error type
                  no user should see (AttributeError, ZeroDivisionError, ...)
hang              still running at the time limit
memory            MemoryError, or the process killed (the cap or the OOM killer)
silently wrong    no warning, and a test score far worse than a constant's or
                  the counterpart's, a reported score near perfect that the test
                  score belies, non-finite predictions, or max_time overrun
convention        a scikit-learn convention the counterpart keeps is broken

Usage::

    nice -n 19 python tests/campaigns/fault_matrix.py     # the whole matrix
    python tests/campaigns/fault_matrix.py --only 'max_epochs' --no-write
    python tests/campaigns/fault_matrix.py --list         # the cases, not run
    python tests/campaigns/fault_matrix.py --report       # md from the json

Writes ``tests/campaigns/results/fault_matrix.{json,md}``.
"""

import os

for _name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")  # one core per case; no threads to fork

import argparse  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import multiprocessing as mp  # noqa: E402
import re  # noqa: E402
import resource  # noqa: E402
import signal  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import traceback  # noqa: E402
import warnings  # noqa: E402
from collections import Counter  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import polars as pl  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from scipy.stats import loguniform  # noqa: E402
from sklearn.experimental import enable_halving_search_cv  # noqa: E402, F401
from sklearn.linear_model import LogisticRegression, Ridge  # noqa: E402
from sklearn.metrics import accuracy_score, log_loss, r2_score  # noqa: E402
from sklearn.model_selection import GridSearchCV as SkGrid  # noqa: E402
from sklearn.model_selection import HalvingRandomSearchCV, KFold  # noqa: E402
from sklearn.model_selection import RandomizedSearchCV as SkRandom  # noqa: E402
from sklearn.neural_network import MLPClassifier, MLPRegressor  # noqa: E402

# this checkout's skauto, not whichever one is installed
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
import skauto  # noqa: E402
from skauto.model_selection import (  # noqa: E402
    AutoSearchCV,
    GridSearchCV,
    RandomizedSearchCV,
)
from skauto.neural_network import (  # noqa: E402
    SelfTuningMLPClassifier,
    SelfTuningMLPRegressor,
)

RESULTS = Path(__file__).resolve().parent / "results"
TIMEOUT, CAP_GIB = 60.0, 3.0
CRASH_TYPES = (
    AttributeError,
    KeyError,
    IndexError,
    ZeroDivisionError,
    OverflowError,
    FloatingPointError,
    UnboundLocalError,
    NameError,
    AssertionError,
    RecursionError,
    np.linalg.LinAlgError,
)
QUIET = ("ConvergenceWarning", "FutureWarning", "DeprecationWarning")


# ------------------------------------------------------------------ estimators
@dataclass(frozen=True)
class Row:
    """One public front door and its scikit-learn counterpart: ``ours`` and
    ``theirs`` built alike, on ``space(task)`` (a search's estimator and
    space; a search is named after its estimator) and ``kwargs``."""

    task: str  # "reg" or "clf"
    ours: type
    theirs: type
    space: object = None
    kwargs: dict = field(default_factory=lambda: {"random_state": 0})

    @property
    def family(self):
        return "search" if self.space else "mlp"

    @property
    def name(self):
        inner = f"({type(self.space(self.task)[0]).__name__})" if self.space else ""
        return self.ours.__name__ + inner

    def build(self, counterpart=False):
        """The unfitted estimator (``counterpart``: scikit-learn's)."""
        args = self.space(self.task) if self.space else ()
        return (self.theirs if counterpart else self.ours)(*args, **self.kwargs)


def _dist(task):
    if task == "reg":
        return Ridge(), {"alpha": loguniform(1e-3, 1e3)}
    return LogisticRegression(max_iter=200), {"C": loguniform(1e-3, 1e3)}


def _grid(task):
    est, _ = _dist(task)
    return est, {"alpha" if task == "reg" else "C": [0.01, 0.1, 1.0, 10.0]}


FIVE = {"n_iter": 5, "random_state": 0}
ROWS = {
    r.name: r
    for r in [
        Row("reg", SelfTuningMLPRegressor, MLPRegressor),
        Row("clf", SelfTuningMLPClassifier, MLPClassifier),
        Row("reg", AutoSearchCV, HalvingRandomSearchCV, _dist),
        Row("clf", AutoSearchCV, HalvingRandomSearchCV, _dist),
        Row("reg", GridSearchCV, SkGrid, _grid, {}),
        Row("clf", RandomizedSearchCV, SkRandom, _dist, FIVE),
    ]
}
MLPS = tuple(n for n, r in ROWS.items() if r.family == "mlp")
SEARCHES = tuple(n for n, r in ROWS.items() if r.family == "search")
CLASSIFIERS = tuple(n for n, r in ROWS.items() if r.task == "clf")


# ------------------------------------------------------------------------ data
def make_data(task, n=300, p=5, seed=0, rare=None):
    """Train and test sets; ``rare``: that many separable positives, and a
    balanced test set (where predicting the frequencies scores poorly)."""
    rng = np.random.default_rng(seed)
    w = rng.normal(size=p)

    def draw(m):
        X = rng.normal(size=(m, p))
        s = X @ w + np.sin(2 * X[:, 0])
        y = s + 0.1 * rng.normal(size=m) if task == "reg" else (s > 0).astype(int)
        return X, y

    X, y = draw(n)
    Xt, yt = draw(n)
    if rare is not None:
        y[:], yt[:] = 0, 0
        X[:rare, 0] += 6
        y[:rare] = 1
        Xt[: n // 2, 0] += 6
        yt[: n // 2] = 1
    return X, y, Xt, yt


@dataclass
class Setup:
    """What one case fits: the estimator's and the counterpart's params."""

    params: dict = field(default_factory=dict)
    cp_params: dict | None = field(default_factory=dict)  # None: no counterpart
    n: int = 300
    p: int = 5
    rare: int | None = None
    X: object = None  # X -> X (applied to train and test)
    y: object = None  # y -> y (train only)
    fit: dict = field(default_factory=dict)  # name -> f(X, y)
    check: object = None  # (est, X_test, seconds) -> reason or None


@dataclass(frozen=True)
class Case:
    """One fault: its class, name, the rows it applies to, what it builds."""

    kind: str
    name: str
    rows: tuple
    setup: object  # row -> Setup
    names: str = r"X\b|\by\b|input|feature|sample|dtype|array|column"
    must_work: bool = False  # scikit-learn's convention accepts it


def _set(X, index, value):
    X = np.array(X, dtype=float)
    X[index] = value
    return X


def _names(X):
    return [f"x{i}" for i in range(X.shape[1])]


def _polars_frame(X):
    return pl.DataFrame(np.asarray(X), schema=_names(X))


def _strings(X):
    frame = pd.DataFrame(X, columns=_names(X))
    frame["x0"] = np.where(X[:, 0] > 0, "up", "down")
    return frame


def _category(X, dtype="category"):
    frame = pd.DataFrame(X, columns=_names(X))
    frame["x0"] = pd.Series(np.where(X[:, 0] > 0, "up", "down")).astype(dtype)
    return frame


def _nullable(X):
    frame = pd.DataFrame(X, columns=_names(X))
    frame["x1"] = pd.array(np.round(X[:, 1] * 3), dtype="Int64")
    frame.loc[3, "x1"] = pd.NA
    return frame


def _w(value, rows=slice(0, 10), rest=1.0):
    def weights(X, y):
        w = np.full(len(y), rest, dtype=float)
        w[rows] = value
        return w

    return weights


def _dtype_kept(est, X, seconds):
    """float32 X: MLPRegressor keeps float32 in coefs_ and predictions."""
    got = {np.asarray(est.predict(X)).dtype, *(c.dtype for c in est.coefs_)}
    return None if got == {np.dtype("float32")} else f"float32 X gave {got}"


def _curves(est, X, seconds):
    n = (est.n_iter_, len(est.loss_curve_), len(est.validation_scores_))
    ok = n[0] == n[1] == n[2]
    return None if ok else f"n_iter_, len(loss_curve_), len(validation_scores_) = {n}"


def _splits(k):
    def check(est, X, seconds):
        got = getattr(est, "n_splits_", None)
        return None if got == k else f"cv={k} asked, n_splits_={got} ran, no warning"

    return check


S = Setup
DATA = [
    ("nan in X", S(X=lambda X: _set(X, (3, 1), np.nan))),
    ("inf in X", S(X=lambda X: _set(X, (3, 1), np.inf))),
    ("X of 1e200", S(X=lambda X: X * 1e200)),
    ("one value of 1e200", S(X=lambda X: _set(X, (0, 0), 1e200))),
    ("outlier row 1e8", S(X=lambda X: _set(X, (0, slice(None)), 1e8))),
    ("X of 1e-200", S(X=lambda X: X * 1e-200)),
    ("constant columns", S(X=lambda X: np.c_[X, np.ones((len(X), 3))])),
    ("constant X", S(X=lambda X: np.ones_like(X))),
    ("wide 100 x 10000", S(n=100, p=10_000)),
    ("sparse csr", S(X=sp.csr_matrix)),
    ("float32", S(X=lambda X: X.astype(np.float32))),
    ("pandas frame and series", S(X=pd.DataFrame, y=pd.Series)),
    ("polars frame", S(X=_polars_frame)),
    ("polars series y", S(y=pl.Series)),
    ("polars frame and series", S(X=_polars_frame, y=pl.Series)),
    ("object X of numbers", S(X=lambda X: X.astype(object))),
    ("string column", S(X=_strings)),
    ("category column", S(X=_category)),
    ("pandas string dtype column", S(X=lambda X: _category(X, "string"))),
    ("nullable Int64 with NA", S(X=_nullable)),
    ("nan in y", S(y=lambda y: _set(y, 4, np.nan))),
    ("inf in y", S(y=lambda y: _set(y, 4, np.inf))),
    ("lists", S(X=lambda X: np.asarray(X).tolist(), y=lambda y: list(y))),
    ("2 rows", S(n=2)),
    ("10 rows", S(n=10)),
    ("duplicated rows", S(X=lambda X: np.repeat(X[:10], 30, axis=0)[: len(X)])),
]
WEIGHTS = [
    ("negative", _w(-1.0)),
    ("all zero", _w(0.0, slice(None))),
    ("nan", _w(np.nan)),
    ("inf", _w(np.inf)),
    ("1e300 on a third", _w(1e300, slice(0, 100))),
    ("positive on one row", _w(1.0, [7], rest=0.0)),
    ("zero on half", _w(0.0, slice(0, 150))),
    ("integers", lambda X, y: np.arange(len(y)) % 3 + 1),
    ("list", lambda X, y: [1.0] * len(y)),
    ("too short", lambda X, y: np.ones(len(y) - 1)),
    ("2-D", lambda X, y: np.ones((len(y), 2))),
]
CLASS_WEIGHTS = [
    ("negative", {0: -1.0, 1: 1.0}),
    ("zero", {0: 0.0, 1: 1.0}),
    ("all zero", {0: 0.0, 1: 0.0}),
    ("inf", {0: math.inf, 1: 1.0}),
    ("nan", {0: math.nan, 1: 1.0}),
    ("unknown class", {0: 1.0, 1: 1.0, 7: 2.0}),
    ("one class only", {1: 5.0}),
    ("1e300", {0: 1e300, 1: 1.0}),
    ("string value", {0: "a", 1: 1.0}),
    ("balanced", "balanced"),
]


def _scorer(value):
    def score(est, X, y):
        return value() if callable(value) else value

    return score


def _raise():
    raise RuntimeError("scorer failed")


SCORERS = [
    ("string", _scorer("good")),
    ("array", _scorer(np.array([0.1, 0.2]))),
    ("nan", _scorer(math.nan)),
    ("inf", _scorer(math.inf)),
    ("None", _scorer(None)),
    ("complex", _scorer(1 + 1j)),
    ("dict", _scorer({"a": 1.0})),
    ("raises", _scorer(_raise)),
    ("unknown name", "not_a_scorer"),
]


def _cv_values(n=240):
    folds = list(KFold(3, shuffle=True, random_state=0).split(np.zeros((n, 1))))
    return [
        ("int 2", 2, True),
        ("int n+1", n + 1, False),
        ("int 1", 1, False),
        ("True", True, False),
        ("float 3.0", 3.0, False),
        ("KFold(3)", KFold(3, shuffle=True, random_state=0), True),
        ("list of splits", folds, True),
        ("split with empty train", [(np.array([], int), np.arange(n))], False),
    ]


def _time_setup(seconds, row):
    if row.family == "mlp":
        return S(n=4000, params={"max_time": seconds}, cp_params=None)
    big = {"n_candidates": 400, "max_resources": 3200, "min_resources": 3000}
    params = {"max_time": seconds, **(big if row.name.startswith("Auto") else {})}
    return S(n=4000, p=200, params=params, cp_params=None)


def _overran(limit):
    def check(est, X, seconds):
        late = seconds > 1.5 * limit + 2
        return f"max_time={limit} s, the fit took {seconds:.1f} s" if late else None

    return check


# ------------------------------------------------------------ parameter cases
HUGE_GRID = {
    "alpha": list(np.logspace(-3, 3, 1000)),
    "tol": list(np.logspace(-6, -1, 1000)),
    "max_iter": list(range(100, 1100)),
}
EXTRA_VALUES = {
    "hidden_size_range": [
        (1e5, 1e5),
        (1, 1e9),
        (0, 5),
        (5,),
        (16.5, 32),
        ("a", "b"),
        (True, 5),
        (64, 16),
        (8, 8),
    ],
    "learning_rate_range": [(1e-300, 1e300), (0, 1e-2), (1e-2, 1e-4), (1, 10)],
    "alpha_range": [(0, 0), (1e300, 1e300), (-1, 1)],
    "n_candidates": [1e6, 10**6, 10**12],
    "max_epochs": [1e9, 1e300],
    "factor": [1e300, 1 + 1e-12],
    "max_resources": [10**12],
    "n_brackets": [10**6],
    "resource": ["oops", "alpha"],
}
MLP_MAP = {
    "max_epochs": "max_iter",
    "batch_size": "batch_size",
    "validation_fraction": "validation_fraction",
    "verbose": "verbose",
    "hidden_size_range": "hidden_layer_sizes",
    "learning_rate_range": "learning_rate_init",
    "alpha_range": "alpha",
    "random_state": "random_state",
}


def _label(value):
    text = repr(value)
    return text if len(text) < 40 else text[:37] + "..."


def _interval_values(c):
    from numbers import Integral

    integer = c.type is Integral
    for bound, outward in [(c.left, -1), (c.right, 1)]:
        if bound is None:
            continue
        if integer:
            yield int(bound), int(bound) + outward
        else:
            yield float(bound), float(np.nextafter(bound, outward * np.inf))
    yield from ([(10**9, 10**12, 1e9, 2.5)] if integer else [(1e9, 1e300)])


def parameter_values(name, constraints):
    """Values to try for one parameter: bounds and just past them, huge
    values, booleans, inf, nan, a wrong type, and the table's extras."""
    from skauto._compat import Interval

    values = []
    for c in constraints:
        if isinstance(c, Interval):
            for group in _interval_values(c):
                values += list(group)
    values += [True, False, math.inf, math.nan, -1, "oops", *EXTRA_VALUES.get(name, [])]
    seen, unique = set(), []
    for v in values:
        if (key := (type(v), repr(v))) not in seen:
            seen.add(key)
            unique.append(v)
    return unique


def _cp_value(name, value):
    if name in ("hidden_size_range", "learning_rate_range", "alpha_range"):
        try:
            return (value[0],) if name == "hidden_size_range" else value[0]
        except (TypeError, IndexError):
            return value
    return value


def _param_setup(row, name, value):
    params = {name: value}
    if name == "n_candidates" and value == 5:
        params["param_distributions"] = HUGE_GRID
    cp = row.build(counterpart=True).get_params(deep=False)
    cp_name = MLP_MAP.get(name) if row.family == "mlp" else name
    if cp_name not in cp:
        return S(params=params)
    extra = {"early_stopping": True} if cp_name == "validation_fraction" else {}
    return S(params=params, cp_params={cp_name: _cp_value(name, value), **extra})


def parameter_cases():
    seen = set()
    for row in ROWS.values():
        est = row.build()
        if type(est) in seen:
            continue  # parameters belong to the class: one row is enough
        seen.add(type(est))
        own = est.get_params(deep=False)
        for name, constraints in type(est)._parameter_constraints.items():
            if name not in own or name == "estimator":
                continue
            values = parameter_values(name, constraints)
            if name == "n_candidates" and row.name.startswith("Auto"):
                values.append(5)  # on a grid of 1e9 points
            for v in values:
                yield Case(
                    "parameter",
                    f"{name}={_label(v)}",
                    (row.name,),
                    lambda r, n=name, v=v: _param_setup(r, n, v),
                    name,
                )


# ------------------------------------------------------------------ the table
def _validation_modes(row):
    """Rare classes under every validation mode the row has."""
    if row.family == "mlp":
        modes = [
            ("cv auto (folds)", {}, 300),
            ("hold-out above 2,000", {}, 3003),
            ("cv=3", {"cv": 3}, 300),
            ("hold-out cv=None", {"cv": None}, 300),
        ]
    else:
        modes = [
            ("cv default", {}, 300),
            ("cv=3", {"cv": 3}, 300),
            ("KFold(3)", {"cv": KFold(3, shuffle=True, random_state=0)}, 300),
        ]
    return modes


def cases():
    out = [Case("data", n, tuple(ROWS), lambda r, s=s: s) for n, s in DATA]
    out += [
        Case(
            "sample weights",
            n,
            tuple(ROWS),
            lambda r, f=f: S(fit={"sample_weight": f}),
            r"sample.?weight",
        )
        for n, f in WEIGHTS
    ]
    for n, cw in CLASS_WEIGHTS:
        out.append(
            Case(
                "class_weight",
                n,
                ("SelfTuningMLPClassifier",),
                lambda r, cw=cw: S(params={"class_weight": cw}, cp_params=None),
                "class_weight",
            )
        )
        out.append(
            Case(
                "class_weight",
                f"{n} (estimator's)",
                SEARCHES[1::2],
                lambda r, cw=cw: S(
                    params={"estimator__class_weight": cw},
                    cp_params={"estimator__class_weight": cw},
                ),
                "class_weight",
            )
        )
    for rare in (1, 2, 3):
        for row in (ROWS[n] for n in CLASSIFIERS):
            for mode, params, n in _validation_modes(row):
                out.append(
                    Case(
                        "rare classes",
                        f"{rare} positives, {mode}",
                        (row.name,),
                        lambda r, p=params, n=n, k=rare: S(
                            params=p,
                            cp_params=p if r.family == "search" else {},
                            n=n,
                            rare=k,
                        ),
                    )
                )
    out += [
        Case(
            "scorers",
            f"scorer {n}",
            SEARCHES,
            lambda r, f=f: S(params={"scoring": f}, cp_params={"scoring": f}),
            r"scor",
        )
        for n, f in SCORERS
    ]
    for label, cv, ok in _cv_values():
        out.append(
            Case(
                "cv",
                f"cv {label}",
                tuple(ROWS),
                lambda r, cv=cv, label=label: S(
                    n=240,
                    params={"cv": cv},
                    cp_params=None if r.family == "mlp" else {"cv": cv},
                    check=_splits(cv)
                    if isinstance(cv, int) and cv > 1 and r.family == "mlp"
                    else None,
                ),
                r"\bcv\b|split|fold",
                must_work=ok,
            )
        )
    for seconds in (0.5, 3.0):
        out.append(
            Case(
                "max_time",
                f"max_time={seconds}",
                tuple(r for r in ROWS if "Grid" not in r),
                lambda r, s=seconds: S(
                    **{**vars(_time_setup(s, r)), "check": _overran(s)}
                ),
                "max_time",
            )
        )
    out.append(
        Case(
            "conventions",
            "float32 X keeps float32",
            ("SelfTuningMLPRegressor",),
            lambda r: S(X=lambda X: X.astype(np.float32), check=_dtype_kept),
        )
    )
    out.append(
        Case(
            "conventions",
            "n_iter_ == len(validation_scores_)",
            MLPS,
            lambda r: S(check=_curves),
        )
    )
    return out + list(parameter_cases())


# ------------------------------------------------------------- one fit, forked
def _vm(key):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key):
            return int(line.split()[1]) * 1024
    return 0


def _data_for(row, setup):
    X, y, Xt, yt = make_data(row.task, setup.n, setup.p, rare=setup.rare)
    fit = {k: f(X, y) for k, f in setup.fit.items()}
    if setup.X is not None:
        X, Xt = setup.X(X), setup.X(Xt)
    return X, (setup.y(y) if setup.y is not None else y), Xt, yt, y, fit


def _scores(row, est, Xt, yt, y_train):
    """Test score, a constant's, and the score the estimator reports."""
    if not hasattr(est, "predict"):  # refit=False
        return None
    reported = getattr(est, "best_score_", None)
    out = {"reported": None if reported is None else float(reported)}
    pred = np.asarray(est.predict(Xt))
    out["finite"] = bool(pred.dtype.kind not in "fc" or np.isfinite(pred).all())
    if row.task == "reg":
        out["test"] = float(r2_score(yt, pred))
        out["constant"] = float(r2_score(yt, np.full(len(yt), np.mean(y_train))))
        return out
    labels = np.unique(y_train)
    freq = np.array([np.mean(y_train == c) for c in labels])
    out["constant_log_loss"] = float(
        log_loss(yt, np.tile(freq, (len(yt), 1)), labels=labels)
    )
    out["accuracy"] = float(accuracy_score(yt, pred))
    proba = np.clip(est.predict_proba(Xt), 1e-15, 1)
    out["log_loss"] = float(
        log_loss(yt, proba / proba.sum(1, keepdims=True), labels=est.classes_)
    )
    return out


def _error(exc):
    frames = traceback.extract_tb(exc.__traceback__)
    last = frames[-1].filename if frames else ""
    text, lines = " ".join(str(exc).split()), str(exc).strip().splitlines()
    if "fits failed" in text:  # "All the 45 fits failed. The first error was: ..."
        text = text.split(".")[0] + ": ... " + lines[-1].strip()
    return {
        "type": type(exc).__name__,
        "message": text,
        "last_frame": last,
        "numpy": bool(re.search(r"/(numpy|scipy)/", last)),
        "crash_type": isinstance(exc, CRASH_TYPES),
        "memory": isinstance(exc, MemoryError),
    }


def run_one(conn, row_name, case, counterpart, cap):
    """The child: cap memory, build, fit, score; send a dict of plain values."""
    os.setpgrp()  # the parent ends this group (loky workers too) at the limit
    limit = _vm("VmSize") + int(cap * 2**30)
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    row = ROWS[row_name]
    out = {"warnings": []}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            setup = case.setup(row)
            params = setup.cp_params if counterpart else setup.params
            est = row.build(counterpart)
            est.set_params(**params)
            X, y, Xt, yt, y_train, fit = _data_for(row, setup)
            start = time.perf_counter()
            est.fit(X, y, **fit)
            out["seconds"] = time.perf_counter() - start
            out["scores"] = _scores(row, est, Xt, yt, y_train)
            if setup.check is not None and not counterpart:
                out["check"] = setup.check(est, Xt, out["seconds"])
        except BaseException as exc:  # noqa: BLE001 - the outcome is the point
            out["error"] = _error(exc)
    out["warnings"] = sorted(
        {" ".join(f"{w.category.__name__}: {w.message}".split())[:300] for w in caught}
    )
    out["peak_mib"] = round(_vm("VmHWM") / 2**20)
    conn.send(out)


def fork_run(row_name, case, counterpart, timeout, cap):
    ctx = mp.get_context("fork")
    here, there = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=run_one, args=(there, row_name, case, counterpart, cap))
    start = time.monotonic()
    proc.start()
    there.close()
    got = here.poll(timeout)
    out = here.recv() if got else None
    if out is None:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.join(5)
    wall = time.monotonic() - start
    if out is None:
        return {"hang": got is False, "exitcode": proc.exitcode, "wall": wall}
    out["wall"] = wall
    return out


# ------------------------------------------------------------- classification
def _silently_wrong(row, r, cp, n):
    s = r["scores"]
    if s is None:
        return None
    if n < 20:
        return None  # too few rows to judge a model by
    if not s["finite"]:
        return "non-finite predictions"
    if row.task == "reg":
        test, const, rep = s["test"], s["constant"], s["reported"]
        if test < const - 0.1:
            return f"test R2 {test:.3g}, a constant {const:.3g}"
        if cp and "scores" in cp and cp["scores"]["test"] - test > 0.3:
            return f"test R2 {test:.3g}, counterpart {cp['scores']['test']:.3g}"
        if rep is not None and rep > 0.999 and test < 0.9:
            return f"reports R2 {rep:.4g}, test R2 {test:.3g}"
        return None
    ll, const, rep = s["log_loss"], s["constant_log_loss"], s["reported"]
    if ll > 1.5 * const + 0.05:
        return f"test log-loss {ll:.3g}, class frequencies {const:.3g}"
    if cp and "scores" in cp and s["accuracy"] < cp["scores"]["accuracy"] - 0.2:
        theirs = cp["scores"]["accuracy"]
        return f"test accuracy {s['accuracy']:.3g}, counterpart {theirs:.3g}"
    if rep is not None and rep > -1e-3 and ll > 0.1 and row.family == "mlp":
        return f"reports log-loss {-rep:.3g}, test log-loss {ll:.3g}"
    return None


def _loud(r):
    return [w for w in r.get("warnings", []) if not w.startswith(QUIET)]


def classify(row, case, r, cp=None):
    """(outcome, detail) of one fit, ``cp`` the counterpart's result."""
    theirs_too = row.family == "search" and cp is not None
    if "hang" in r:
        if r["hang"]:
            detail = f"still running after {r['wall']:.0f} s"
            if theirs_too and cp.get("hang"):
                return "as counterpart", detail + ", as the counterpart"
            return "hang", detail
        code = r["exitcode"]
        return (
            "memory" if code == -signal.SIGKILL else "numpy crash"
        ), f"exit code {code}"
    if "error" in r:
        e = r["error"]
        detail = f"{e['type']}: {e['message']}"
        if e["memory"]:
            return "memory", detail
        named = re.search(case.names, e["message"], flags=re.I)
        tail = e["message"].split(": ... ")[-1]
        same = (
            cp and "error" in cp and cp["error"]["message"].split(": ... ")[-1] == tail
        )
        if same and row.family == "search" and (e["numpy"] or not named):
            return "as counterpart", detail
        if e["numpy"] or e["crash_type"]:
            return "numpy crash", detail + f" [last frame {Path(e['last_frame']).name}]"
        if not named:
            return "unclear error", detail
        return ("refused" if case.must_work else "clear error"), detail
    loud = _loud(r)
    if r.get("check"):
        return ("convention" if case.kind == "conventions" else "silently wrong"), r[
            "check"
        ]
    n = case.setup(row).n
    wrong = _silently_wrong(row, r, cp, n)
    if wrong and not loud:
        if theirs_too and "scores" in cp and not _loud(cp):
            theirs = _silently_wrong(row, cp, None, n)
            if theirs:
                return "as counterpart", f"{wrong}; the counterpart's: {theirs}"
        return "silently wrong", wrong
    return "works", "; ".join(loud)[:300]


# ------------------------------------------------------------------- running
def _outcome(res):
    """The counterpart's result in a few words."""
    if res is None:
        return "-"
    if "hang" in res:
        return "hang" if res["hang"] else f"died ({res['exitcode']})"
    if "error" in res:
        return f"{res['error']['type']}: {res['error']['message'][:150]}"
    return "works"


def run(selected, timeout, cap, save=None):
    """Every (case, row) of ``selected``; ``save(rows)`` every 25 cases, so
    that a run stopped early keeps what it measured."""
    rows, cache = [], {}
    for i, (case, row_name) in enumerate(selected, 1):
        if save is not None and i % 25 == 0:
            save(rows)
        row = ROWS[row_name]
        setup = case.setup(row)
        mine = fork_run(row_name, case, False, timeout, cap)
        cp = None
        if setup.cp_params is not None:
            key = (
                (row_name, repr(setup.cp_params)) if case.kind == "parameter" else None
            )
            if key is None or key not in cache:
                cp = fork_run(row_name, case, True, timeout, cap)
                cache[key] = cp
            cp = cache[key]
        outcome, detail = classify(row, case, mine, cp)
        cp_outcome = classify(row, case, cp, None)[0] if cp else "-"
        rows.append(
            {
                "estimator": row_name,
                "class": case.kind,
                "case": case.name,
                "outcome": outcome,
                "detail": detail,
                "seconds": round(mine.get("seconds", mine["wall"]), 2),
                "peak_mib": mine.get("peak_mib"),
                "scores": mine.get("scores"),
                "warnings": mine.get("warnings", []),
                "counterpart": _outcome(cp),
                "counterpart_outcome": cp_outcome,
            }
        )
        print(
            f"[{i}/{len(selected)}] {row_name} | {case.kind} | {case.name} | "
            f"{outcome} | {detail[:120]}",
            flush=True,
        )
    return rows


OUTCOMES = re.findall(r"^([a-z]+(?: [a-z]+)?) {2,}\S", __doc__, flags=re.M)


def _cells(cells):
    return "| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |"


def _totals(results, key, blank):
    """The cells of one row per value of ``key``: its cases and its count of
    each outcome (``blank``: zero as an empty cell)."""
    lines = []
    for value in sorted({key(r) for r in results}):
        mine = [r for r in results if key(r) == value]
        got = Counter(r["outcome"] for r in mine)
        counts = [str(got[n] or "") if blank else str(got[n]) for n in OUTCOMES]
        lines.append([*value, str(len(mine)), *counts])
    return lines


def _table(headers, rows):
    return [_cells(headers), "|" + "---|" * len(headers), *map(_cells, rows)]


def _case(r, *cells):
    return [r["estimator"], r["class"], r["case"], *cells]


def report(doc):
    """The markdown report: totals per estimator and class, then findings."""
    results = doc["results"]
    done = (
        ""
        if doc["cases"] == doc.get("selected", doc["cases"])
        else (f", stopped early: {doc['cases']} of the {doc['selected']} selected ran")
    )
    total = Counter(r["outcome"] for r in results)
    lines = [
        f"# Fault matrix ({doc['cases']} cases{done})",
        "",
        f"Run {doc['date']} at {doc['commit']}, {doc['seconds']:.0f} s, load "
        f"{doc['load']} (start) / {doc['load_end']} (end); timeout "
        f"{doc['timeout']:.0f} s, memory cap {doc['cap_gib']} GiB above the "
        f"process's size; skauto from `{doc['skauto']}`. Command: "
        "`nice -n 19 python tests/campaigns/fault_matrix.py`.",
        "",
        "## Totals",
        "",
        *_table(
            ["estimator", "class", "cases", *OUTCOMES],
            _totals(results, lambda r: (r["estimator"], r["class"]), blank=True),
        ),
        f"| **all** | | **{len(results)}** | "
        + " | ".join(f"**{total[n]}**" for n in OUTCOMES)
        + " |",
        "",
        *_table(
            ["estimator", "cases", *OUTCOMES],
            _totals(results, lambda r: (r["estimator"],), blank=False),
        ),
        "",
        '## Findings (every case neither "works" nor "clear error")',
        "",
        *_table(
            ["estimator", "class", "case", "outcome", "message", "counterpart"],
            [
                _case(r, r["outcome"], r["detail"][:300], r["counterpart"][:120])
                for r in results
                if r["outcome"] not in ("works", "clear error", "as counterpart")
            ],
        ),
        "",
        "## The wrapped estimator's own errors, raised as the counterpart raises them",
        "",
        *_table(
            ["estimator", "class", "case", "message"],
            [
                _case(r, r["detail"][:200])
                for r in results
                if r["outcome"] == "as counterpart"
            ],
        ),
    ]
    return "\n".join(lines) + "\n"


def _commit():
    import subprocess

    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=Path(__file__).parent,
            check=True,
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--only", default="", help="regex on 'estimator | class | case'"
    )
    parser.add_argument("--timeout", type=float, default=TIMEOUT)
    parser.add_argument("--cap-gib", type=float, default=CAP_GIB)
    parser.add_argument("--no-write", action="store_true")
    parser.add_argument("--report", action="store_true", help="md from the json")
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args(argv)
    path = RESULTS / "fault_matrix"
    if args.report:
        path.with_suffix(".md").write_text(
            report(json.loads(path.with_suffix(".json").read_text()))
        )
        return
    selected = [
        (c, r)
        for c in cases()
        for r in c.rows
        if re.search(args.only, f"{r} | {c.kind} | {c.name}")
    ]
    if args.list:
        print("\n".join(f"{r} | {c.kind} | {c.name}" for c, r in selected))
        return
    load, start = os.getloadavg()[0], time.monotonic()

    def document(results):
        return {
            "date": time.strftime("%Y-%m-%d %H:%M"),
            "commit": _commit(),
            "cases": len(results),
            "selected": len(selected),
            "seconds": time.monotonic() - start,
            "load": round(load, 2),
            "load_end": round(os.getloadavg()[0], 2),
            "timeout": args.timeout,
            "cap_gib": args.cap_gib,
            "python": sys.version.split()[0],
            "skauto": skauto.__file__,
            "results": results,
        }

    def save(results):
        if not args.no_write:
            RESULTS.mkdir(exist_ok=True)
            doc = json.dumps(document(results), indent=1, default=str)
            path.with_suffix(".json").write_text(doc)
            path.with_suffix(".md").write_text(report(document(results)))

    results = run(selected, args.timeout, args.cap_gib, save)
    save(results)
    print(report(document(results)))


if __name__ == "__main__":
    main()
