"""The classification benchmark suite of issue 10: datasets that load offline.

Every entry of :data:`SUITE` loads without network access, from data shipped
inside a package (scikit-learn, plotnine, statsmodels) or generated
deterministically. :func:`load_suite_split` returns the 75/25 split,
stratified by class, with ``random_state=0``: ``X`` a DataFrame whose
categorical columns have the pandas ``category`` dtype, ``y`` a 1-d array of
class labels (integers or strings).

Roles (fixed before any result of the suite was seen)
------------------------------------------------------
Each dataset is either ``"dev"`` (defaults may be chosen on it) or
``"confirm"`` (held out: only reported, never used to choose anything). The
rule, applied mechanically to the list below, as in ``suite_data.py``:

1. Datasets whose results with SelfTuningMLPClassifier the project had
   already seen before the suite existed are ``dev``: digits (the gallery
   example ``plot_6_self_tuning_classifier.py``). (iris and the small
   ``make_classification`` sets of the tests are not in the suite.)
2. The others, within each size band (under 2,000 rows; 2,000 to 9,999 rows;
   10,000 rows or more; rows counted after cleaning, train and test together),
   sorted by rows and then by name, alternate ``confirm``, ``dev``,
   ``confirm``, ... starting with ``confirm`` in each band.

This gives 4 dev and 4 confirm datasets; each role has real and synthetic,
binary and multiclass, small and large ones.
"""

import functools

import numpy as np
import pandas as pd
import suite_data
from _common import quick_split
from sklearn.datasets import load_breast_cancer, load_digits, make_classification
from sklearn.model_selection import train_test_split
from suite_data import _PLOTNINE, _SKLEARN, _STATSMODELS, _SYNTH, _columns, _package_dir


class Dataset(suite_data.Dataset):
    """A suite entry as in ``suite_data.py``; its ``loader`` returns ``(X
    DataFrame, y 1-d array of labels)``, and the metadata has the classes."""

    def frame(self):
        return load_frame(self.name)

    @property
    def n_classes(self):
        return len(np.unique(self.frame()[1]))

    @property
    def minority_share(self):
        _, counts = np.unique(self.frame()[1], return_counts=True)
        return counts.min() / counts.sum()

    def _target_meta(self):
        return {
            "n_classes": self.n_classes,
            "minority_share": round(float(self.minority_share), 4),
        }


# ---------------------------------------------------------------- package data


def _breast_cancer():
    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    # labels as strings, so that the suite checks non-integer labels too
    names = np.array(["malignant", "benign"])
    return X, names[y.to_numpy()]


def _digits():
    X, y = load_digits(return_X_y=True, as_frame=True)
    return X, y.to_numpy()


def _anes96():
    path = _package_dir("statsmodels") / "datasets/anes96/anes96.csv"
    df = pd.read_csv(path, sep=r"\s+")
    df.columns = [c.strip("'") for c in df.columns]
    y = np.where(df.pop("vote").to_numpy() == 1, "Dole", "Clinton")
    return df.astype(np.float64).reset_index(drop=True), y


def _fair():
    df = pd.read_csv(_package_dir("statsmodels") / "datasets/fair/fair.csv")
    y = (df.pop("affairs").to_numpy() > 0).astype(np.int64)
    for col in ["occupation", "occupation_husb"]:
        df[col] = df[col].astype(int).astype(str).astype("category")
    return df.reset_index(drop=True), y


def _diamonds():
    df = pd.read_csv(_package_dir("plotnine") / "data/diamonds.csv")
    y = df.pop("cut").astype(str).to_numpy()
    for col in ["color", "clarity"]:
        df[col] = df[col].astype(str).astype("category")
    return df.reset_index(drop=True), y


# -------------------------------------------------------------- synthetic data


def _imbalanced():
    X, y = make_classification(
        n_samples=5_000, n_features=20, n_informative=8, n_redundant=4,
        weights=[0.95], flip_y=0.01, class_sep=1.0, random_state=0,
    )  # fmt: skip
    return _columns(X), y


def _noisy_multiclass():
    X, y = make_classification(
        n_samples=20_000, n_features=30, n_informative=12, n_redundant=6,
        n_classes=5, n_clusters_per_class=2, flip_y=0.1, random_state=0,
    )  # fmt: skip
    return _columns(X), y


def _large():
    X, y = make_classification(
        n_samples=300_000, n_features=40, n_informative=15, n_redundant=5,
        n_classes=3, n_clusters_per_class=3, weights=[0.6, 0.3, 0.1],
        flip_y=0.05, random_state=0,
    )  # fmt: skip
    return _columns(X).astype(np.float32), y


# ---------------------------------------------------------------------- the suite

SUITE = {
    d.name: d
    for d in [
        # under 2,000 rows
        Dataset(
            "breast_cancer", 569, "confirm", "real",
            "diagnosis (malignant / benign, as strings)",
            "Wisconsin diagnostic breast cancer, 30 numeric features",
            "sklearn.datasets.load_breast_cancer (UCI, Wolberg et al. 1995)",
            f"{_SKLEARN}; UCI data CC BY 4.0", _breast_cancer,
        ),
        Dataset(
            "anes96", 944, "dev", "real", "vote (Clinton / Dole)",
            "1996 American National Election Study: presidential vote from "
            "9 survey features (ideology, party id, age, education, income)",
            "statsmodels.datasets.anes96 (ANES 1996)",
            f"{_STATSMODELS}; ANES data public domain", _anes96,
        ),
        Dataset(
            "digits", 1_797, "dev", "real", "digit (10 classes)",
            "8x8 images of handwritten digits, 64 pixel features",
            "sklearn.datasets.load_digits (UCI optdigits)",
            f"{_SKLEARN}; UCI data CC BY 4.0", _digits,
        ),
        # 2,000 to 9,999 rows
        Dataset(
            "imbalanced", 5_000, "confirm", "synthetic", "y (95/5)",
            "make_classification: binary, weights 95/5, flip_y=0.01, "
            "20 features (8 informative, 4 redundant)",
            "sklearn.datasets.make_classification, random_state=0",
            _SYNTH, _imbalanced,
        ),
        Dataset(
            "fair", 6_366, "dev", "real", "affairs > 0",
            "extramarital affairs survey, binary (any affair, 32%), 8 "
            "features, the occupations categorical",
            "statsmodels.datasets.fair (R. Fair 1978, JPE)",
            f"{_STATSMODELS}; data included with the author's permission",
            _fair,
        ),
        # 10,000 rows or more
        Dataset(
            "noisy_multiclass", 20_000, "confirm", "synthetic", "y (5 classes)",
            "make_classification: 5 classes, 2 clusters each, flip_y=0.1 "
            "(10% labels random), 30 features (12 informative)",
            "sklearn.datasets.make_classification, random_state=0",
            _SYNTH, _noisy_multiclass,
        ),
        Dataset(
            "diamonds_cut", 53_940, "dev", "real", "cut (5 classes)",
            "cut quality of 53,940 diamonds from price, carat, color, "
            "clarity (categorical) and the 5 dimensions",
            "plotnine.data.diamonds (ggplot2)", _PLOTNINE, _diamonds,
        ),
        Dataset(
            "large", 300_000, "confirm", "synthetic", "y (3 classes, 60/30/10)",
            "make_classification: 3 classes weighted 60/30/10, 3 clusters "
            "each, flip_y=0.05, 40 features (15 informative), float32",
            "sklearn.datasets.make_classification, random_state=0",
            _SYNTH, _large,
        ),
    ]
}  # fmt: skip


@functools.cache
def load_frame(name):
    """``X, y`` of a suite dataset, whole."""
    try:
        dataset = SUITE[name]
    except KeyError:
        raise ValueError(f"unknown dataset {name!r}; one of {list(SUITE)}") from None
    X, y = dataset.loader()
    if len(X) != dataset.n_rows:
        raise RuntimeError(f"{name}: {len(X)} rows, registry says {dataset.n_rows}")
    return X, y


def load_suite_split(name, quick=False):
    """``X_train, X_test, y_train, y_test``: 75/25, stratified, ``random_state=0``.

    ``quick`` keeps the first 600 training rows and 300 test rows.
    """
    X, y = load_frame(name)
    split = train_test_split(X, y, test_size=0.25, stratify=y, random_state=0)
    return quick_split(*split, quick=quick)


def names(role=None):
    """Dataset names in suite order (by size), optionally of one role."""
    return [n for n, d in SUITE.items() if role is None or d.role == role]


def markdown_table():
    """The suite as a Markdown table (``python benchmarks/clf_suite_data.py``)."""
    headers = ["dataset", "rows", "features (cat.)", "classes (minority)", "role"]
    headers += ["target", "source", "licence"]
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for d in SUITE.values():
        cells = [d.name, f"{d.n_rows:,}", f"{d.n_features} ({d.n_categorical})"]
        cells += [f"{d.n_classes} ({d.minority_share:.1%})", d.role, d.target]
        cells += [d.source, d.licence]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table())
