"""The regression benchmark suite of issue 9: datasets that load offline.

Every entry of :data:`SUITE` loads without network access, from data shipped
inside a package (scikit-learn, skauto, plotnine, statsmodels) or generated
deterministically. :func:`load_suite_split` returns the 75/25 split with
``random_state=0``: ``X`` a DataFrame whose categorical columns have the pandas
``category`` dtype, ``y`` a float64 array.

Roles (fixed before any result of the suite was seen)
------------------------------------------------------
Each dataset is either ``"dev"`` (defaults may be chosen on it) or
``"confirm"`` (held out: only reported, never used to choose anything). The
rule, applied mechanically to the list below:

1. Datasets whose results the project had already seen before the suite
   existed are ``dev``: they cannot be held out any more. These are bikeshare
   and friedman1 (the defaults were chosen on them, issue 3) and diamonds and
   diabetes (issue 9's table).
2. The others, within each size band (under 2,000 rows; 2,000 to 9,999 rows;
   10,000 rows or more; rows counted after cleaning, train and test together),
   sorted by rows and then by name, alternate ``confirm``, ``dev``,
   ``confirm``, ... starting with ``confirm`` in each band.

This gives 9 dev and 7 confirm datasets; each role has small, medium and
large ones, and categorical ones.

Synthetic datasets know their noise floor: :func:`r2_ceiling` is the test R²
of the noise-free target (the conditional mean), the best any model can
expect on that split.
"""

import functools
import importlib.util
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from _common import QUICK_TRAIN_ROWS, quick_split
from sklearn.datasets import (
    load_diabetes,
    make_friedman1,
    make_friedman2,
    make_friedman3,
)
from sklearn.metrics import r2_score
from sklearn.model_selection import train_test_split


@dataclass(frozen=True)
class Dataset:
    """One suite entry: how to load it, what it is, and where it comes from.

    The classification suite (``clf_suite_data.py``) extends it: its
    ``frame`` loads from its own registry, and ``_target_meta`` adds the
    classes.
    """

    name: str
    n_rows: int  # after cleaning, train and test together
    role: str  # "dev" or "confirm"
    kind: str  # "real" or "synthetic"
    target: str
    description: str
    source: str
    licence: str
    loader: object  # () -> (X DataFrame, y float64 array, y_clean or None)

    def frame(self):
        """The whole dataset, from this suite's (cached) ``load_frame``."""
        return load_frame(self.name)

    @property
    def n_features(self):
        """Columns of ``X`` before preprocessing."""
        return self.frame()[0].shape[1]

    @property
    def n_categorical(self):
        """Columns of ``X`` with the pandas ``category`` dtype."""
        X = self.frame()[0]
        return sum(isinstance(t, pd.CategoricalDtype) for t in X.dtypes)

    def _target_meta(self):
        """Metadata of the target, after the features' in ``as_dict``."""
        return {}

    def as_dict(self):
        """The metadata, for result files and tables."""
        return {
            "name": self.name,
            "n_rows": self.n_rows,
            "n_features": self.n_features,
            "n_categorical": self.n_categorical,
            **self._target_meta(),
            "role": self.role,
            "kind": self.kind,
            "target": self.target,
            "description": self.description,
            "source": self.source,
            "licence": self.licence,
        }


# ---------------------------------------------------------------- package data


def _package_dir(package):
    """The installed directory of ``package``, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise ImportError(
            f"{package} is not installed: pip install '.[bench]' brings it"
        )
    return Path(spec.origin).parent


def _read_csv(package, relative):
    return pd.read_csv(_package_dir(package) / relative)


def _frame(df, target, categorical=()):
    """Split ``df`` into X (categoricals as ``category``) and a float64 y."""
    X = df.drop(columns=[target]).reset_index(drop=True)
    for col in categorical:
        X[col] = X[col].astype(str).astype("category")
    return X, df[target].to_numpy(dtype=np.float64), None


def _diabetes():
    X, y = load_diabetes(return_X_y=True, as_frame=True)
    return X, y.to_numpy(dtype=np.float64), None


def _mpg():
    df = _read_csv("plotnine", "data/mpg.csv").drop(columns=["cty"])
    cats = ["manufacturer", "model", "trans", "drv", "fl", "class"]
    return _frame(df, "hwy", cats)


def _penguins():
    df = _read_csv("plotnine", "data/penguins.csv").dropna()
    return _frame(df, "body_mass_g", ["species", "island", "sex"])


def _star98():
    df = _read_csv("statsmodels", "datasets/star98/star98.csv")
    df["share_above_median"] = df.pop("PR50M") / df.pop("MATHTOT")
    return _frame(df, "share_above_median")


def _fair():
    df = _read_csv("statsmodels", "datasets/fair/fair.csv")
    return _frame(df, "affairs", ["occupation", "occupation_husb"])


def _txhousing():
    df = _read_csv("plotnine", "data/txhousing.csv")
    df = df[["city", "year", "month", "listings", "inventory", "sales"]].dropna()
    return _frame(df, "sales", ["city"])


def _randhie():
    return _frame(_read_csv("statsmodels", "datasets/randhie/randhie.csv"), "mdvis")


def _bikeshare():
    from skauto.datasets import load_bikeshare

    X, y = load_bikeshare(return_X_y=True, as_frame=True)
    return X, y.to_numpy(dtype=np.float64), None


def _diamonds():
    df = _read_csv("plotnine", "data/diamonds.csv")
    return _frame(df, "price", ["cut", "color", "clarity"])


# -------------------------------------------------------------- synthetic data


def _columns(X, prefix="x"):
    return pd.DataFrame(X, columns=[f"{prefix}{i}" for i in range(X.shape[1])])


def _sklearn_friedman(make, n_samples, noise, **kw):
    # the noise is drawn after X, so noise=0 gives the same X and the clean y
    X, y = make(n_samples=n_samples, noise=noise, random_state=0, **kw)
    _, y_clean = make(n_samples=n_samples, noise=0.0, random_state=0, **kw)
    return _columns(X), y, y_clean


def _friedman1():
    return _sklearn_friedman(make_friedman1, 20_000, 1.0)


def _friedman2():
    return _sklearn_friedman(make_friedman2, 2_000, 125.0)


def _friedman3():
    return _sklearn_friedman(make_friedman3, 1_000, 0.11)


def _linear():
    """20 Gaussian features, 10 with a linear effect; noise floor R² about .8."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((1_000, 20))
    coef = np.zeros(20)
    coef[:10] = rng.uniform(1.0, 3.0, 10) * rng.choice([-1.0, 1.0], 10)
    y_clean = X @ coef
    y = y_clean + rng.normal(scale=0.5 * np.linalg.norm(coef), size=len(X))
    return _columns(X), y, y_clean


def _many_features():
    """100 features: 10 linear, 4 in interactions, 4 in sines, the rest noise."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((3_000, 100))
    y_clean = X[:, :10] @ rng.uniform(0.5, 1.5, 10)
    y_clean += 1.5 * X[:, 10] * X[:, 11] + 1.5 * X[:, 12] * X[:, 13]
    y_clean += 2.0 * np.sin(2.0 * X[:, 14:18]).sum(axis=1)
    y = y_clean + rng.normal(scale=2.0, size=len(X))
    return _columns(X), y, y_clean


def _heavy_tailed():
    """Lognormal and Student-t inputs; a lognormal (right-skewed) target."""
    rng = np.random.default_rng(2)
    n = 5_000
    normal = rng.standard_normal((n, 4))
    lognormal = rng.lognormal(0.0, 1.5, (n, 2))
    student = rng.standard_t(2.0, (n, 2))
    X = np.hstack([normal, lognormal, student])
    f = 0.8 * X[:, 0] + 0.5 * np.sin(2 * X[:, 1]) + 0.3 * X[:, 2] * X[:, 3]
    f += 0.25 * np.log(X[:, 4]) + 0.2 * np.tanh(X[:, 6])
    sigma = 0.3
    y = np.exp(f + rng.normal(scale=sigma, size=n))
    y_clean = np.exp(f + sigma**2 / 2)  # E[y | X]
    return _columns(X), y, y_clean


def _large_mixed():
    """600k rows: 6 numeric and 2 categorical (10 and 50 levels) features."""
    rng = np.random.default_rng(3)
    n = 600_000
    X = rng.uniform(size=(n, 6))
    c0 = rng.integers(0, 10, n)
    c1 = rng.integers(0, 50, n)
    effect0 = rng.normal(scale=2.0, size=10)
    effect1 = rng.normal(scale=1.0, size=50)
    y_clean = 10 * np.sin(np.pi * X[:, 0] * X[:, 1]) + 20 * (X[:, 2] - 0.5) ** 2
    y_clean += 10 * X[:, 3] + 5 * X[:, 4]
    y_clean += effect0[c0] + effect1[c1] * (1 + 2 * X[:, 5])
    y = y_clean + rng.normal(scale=1.5, size=n)
    frame = _columns(X)
    frame["c0"] = pd.Categorical.from_codes(c0, [f"a{i}" for i in range(10)])
    frame["c1"] = pd.Categorical.from_codes(c1, [f"b{i}" for i in range(50)])
    return frame, y, y_clean


# ---------------------------------------------------------------------- the suite

_SKLEARN = "BSD-3-Clause (scikit-learn)"
_PLOTNINE = "plotnine (MIT), from ggplot2 (MIT)"
_STATSMODELS = "statsmodels (BSD-3-Clause)"
_SYNTH = "generated here (BSD-3-Clause, as skauto)"

SUITE = {
    d.name: d
    for d in [
        # under 2,000 rows
        Dataset(
            "mpg", 234, "confirm", "real", "hwy",
            "fuel economy of 38 car models, 1999 and 2008 (cty dropped)",
            "plotnine.data.mpg (ggplot2; EPA fueleconomy.gov)",
            f"{_PLOTNINE}; EPA data public domain", _mpg,
        ),
        Dataset(
            "star98", 303, "dev", "real", "PR50M / MATHTOT",
            "California school districts 1998: share above the national "
            "median in maths, 20 features with interactions",
            "statsmodels.datasets.star98 (J. Gill, Generalized Linear Models)",
            f"{_STATSMODELS}; data used with the author's permission", _star98,
        ),
        Dataset(
            "penguins", 333, "confirm", "real", "body_mass_g",
            "Palmer penguins, rows with missing values dropped",
            "plotnine.data.penguins (palmerpenguins; Palmer Station LTER)",
            f"{_PLOTNINE}; data CC0", _penguins,
        ),
        Dataset(
            "diabetes", 442, "dev", "real", "disease progression",
            "scikit-learn's diabetes data, 10 standardized numeric features",
            "sklearn.datasets.load_diabetes (Efron et al. 2004)",
            _SKLEARN, _diabetes,
        ),
        Dataset(
            "friedman3", 1_000, "dev", "synthetic", "y",
            "make_friedman3(noise=0.11): arctan of a ratio, 4 features",
            "sklearn.datasets.make_friedman3, random_state=0",
            _SYNTH, _friedman3,
        ),
        Dataset(
            "linear", 1_000, "confirm", "synthetic", "y",
            "linear in 10 of 20 Gaussian features, Gaussian noise",
            "generated (numpy default_rng(0))", _SYNTH, _linear,
        ),
        # 2,000 to 9,999 rows
        Dataset(
            "friedman2", 2_000, "confirm", "synthetic", "y",
            "make_friedman2(noise=125): impedance formula, 4 features",
            "sklearn.datasets.make_friedman2, random_state=0",
            _SYNTH, _friedman2,
        ),
        Dataset(
            "many_features", 3_000, "dev", "synthetic", "y",
            "100 Gaussian features: 10 linear, 2 products, 4 sines, 82 noise",
            "generated (numpy default_rng(1))", _SYNTH, _many_features,
        ),
        Dataset(
            "heavy_tailed", 5_000, "confirm", "synthetic", "y",
            "lognormal and Student-t(2) inputs, lognormal target",
            "generated (numpy default_rng(2))", _SYNTH, _heavy_tailed,
        ),
        Dataset(
            "fair", 6_366, "dev", "real", "affairs",
            "time in extramarital affairs (zero-inflated, heavy-tailed), "
            "8 survey features, the occupations categorical",
            "statsmodels.datasets.fair (R. Fair 1978, JPE)",
            f"{_STATSMODELS}; data included with the author's permission",
            _fair,
        ),
        Dataset(
            "txhousing", 7_134, "confirm", "real", "sales",
            "monthly home sales of 46 Texas cities 2000-2015 (heavy-tailed "
            "across cities); volume and median dropped, rows with missing "
            "values dropped",
            "plotnine.data.txhousing (ggplot2; TAMU Real Estate Center)",
            _PLOTNINE, _txhousing,
        ),
        Dataset(
            "bikeshare", 8_645, "dev", "real", "bikers",
            "hourly bike rentals in Washington DC, 2011 (skauto's own data)",
            "skauto.datasets.load_bikeshare (UCI Bike Sharing, Fanaee-T 2013)",
            "CC BY 4.0", _bikeshare,
        ),
        # 10,000 rows or more
        Dataset(
            "friedman1", 20_000, "dev", "synthetic", "y",
            "make_friedman1(noise=1.0): as in bench_mlp.py, 10 features",
            "sklearn.datasets.make_friedman1, random_state=0",
            _SYNTH, _friedman1,
        ),
        Dataset(
            "randhie", 20_190, "confirm", "real", "mdvis",
            "RAND health insurance experiment: outpatient visits (a count, "
            "heavy-tailed), 9 features",
            "statsmodels.datasets.randhie (RAND HIE)",
            f"{_STATSMODELS}; data public domain", _randhie,
        ),
        Dataset(
            "diamonds", 53_940, "dev", "real", "price",
            "prices of 53,940 diamonds: cut, color, clarity categorical, "
            "6 numeric",
            "plotnine.data.diamonds (ggplot2)", _PLOTNINE, _diamonds,
        ),
        Dataset(
            "large_mixed", 600_000, "dev", "synthetic", "y",
            "friedman-like smooth part, 2 categorical (10, 50 levels) with "
            "an interaction, Gaussian noise",
            "generated (numpy default_rng(3))", _SYNTH, _large_mixed,
        ),
    ]
}  # fmt: skip


@functools.cache
def load_frame(name):
    """``X, y, y_clean`` of a suite dataset, whole (``y_clean`` None if real)."""
    try:
        dataset = SUITE[name]
    except KeyError:
        raise ValueError(f"unknown dataset {name!r}; one of {list(SUITE)}") from None
    X, y, y_clean = dataset.loader()
    if len(X) != dataset.n_rows:
        raise RuntimeError(f"{name}: {len(X)} rows, registry says {dataset.n_rows}")
    return X, y, y_clean


def load_suite_split(name, quick=False):
    """``X_train, X_test, y_train, y_test`` of a suite dataset, split 75/25.

    ``random_state=0``, as in the other benchmarks. ``quick`` keeps the first
    600 training rows and 300 test rows, for smoke runs.
    """
    X, y, _ = load_frame(name)
    return quick_split(*train_test_split(X, y, random_state=0), quick=quick)


def r2_ceiling(name, quick=False):
    """Test R² of the noise-free target on the split; None for real data."""
    X, y, y_clean = load_frame(name)
    if y_clean is None:
        return None
    _, y_test, _, clean_test = train_test_split(y, y_clean, random_state=0)
    if quick:
        n = QUICK_TRAIN_ROWS // 2
        y_test, clean_test = y_test[:n], clean_test[:n]
    return r2_score(y_test, clean_test)


def names(role=None):
    """Dataset names in suite order (by size), optionally of one role."""
    return [n for n, d in SUITE.items() if role is None or d.role == role]


def markdown_table():
    """The suite as a Markdown table (``python benchmarks/suite_data.py``)."""
    headers = ["dataset", "rows", "features (cat.)", "role", "target", "source"]
    lines = ["| " + " | ".join(headers + ["licence"]) + " |"]
    lines.append("|" + "---|" * (len(headers) + 1))
    for d in SUITE.values():
        cells = [d.name, f"{d.n_rows:,}", f"{d.n_features} ({d.n_categorical})"]
        cells += [d.role, d.target, d.source, d.licence]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table())
