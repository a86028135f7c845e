"""What the search studies (bench_search.py, bench_async.py,
bench_search_sampling.py) share: their data, the one-hot encoding of
bikeshare, integer log-uniform distributions, and one search fitted, timed
and scored."""

import time

import numpy as np
from _common import quick_split
from datasets import get
from scipy.stats import loguniform, randint
from sklearn.compose import make_column_transformer
from sklearn.preprocessing import OneHotEncoder, StandardScaler


class LogInt:
    """Integers log-uniform on [low, high]: ``rvs`` as scipy's, and the
    ``cdf``, ``pmf`` and ``ppf`` of a discrete distribution (``dist``) for the
    model-based sampler."""

    dist = randint  # a discrete family: the sampler models it as one

    def __init__(self, low, high):
        self.low, self.high = low, high
        self._u = loguniform(low, high + 1)

    def rvs(self, random_state=None):
        return int(np.floor(self._u.rvs(random_state=random_state)))

    def cdf(self, x):
        return self._u.cdf(np.floor(x) + 1)

    def pmf(self, x):
        return self.cdf(x) - self._u.cdf(np.floor(x))

    def ppf(self, q):
        return np.floor(self._u.ppf(q))


def bikeshare(n_train, quick=False):
    """``n_train`` bikeshare rows and 2,000 test rows (``random_state=0``), the
    target divided by its training standard deviation (ddof=1); ``quick``:
    then the first 600 and 300 of them."""
    split = get("regression", "bikeshare").split(train_size=n_train, test_size=2000)
    X_train, X_test, y_train, y_test = split
    scale = float(np.std(y_train, ddof=1))
    return quick_split(X_train, X_test, y_train / scale, y_test / scale, quick=quick)


def encoded(data):
    """``data`` with X one-hot (categoricals, first) and standardized (the
    rest), the encoding fitted on the training rows."""
    X_train, X_test, y_train, y_test = data
    categories = list(X_train.select_dtypes("category").columns)
    encode = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore", sparse_output=False), categories),
        remainder=StandardScaler(),
    ).fit(X_train)
    return encode.transform(X_train), encode.transform(X_test), y_train, y_test


def digits():
    """Digits, 75/25 stratified (``random_state=0``), standardized."""
    parts = get("classification", "digits").split()
    # C order, as load_digits's array: the scaler's sums then add in its order
    X_train, X_test, y_train, y_test = [np.ascontiguousarray(a) for a in parts]
    scale = StandardScaler().fit(X_train)
    return scale.transform(X_train), scale.transform(X_test), y_train, y_test


def fit_search(search, data, *attributes):
    """Fit ``search`` on the training rows: its best CV score, test score, wall
    seconds and best parameters, and its fitted ``attributes`` (named without
    their trailing underscore; None where the search has none)."""
    X_train, X_test, y_train, y_test = data
    start = time.perf_counter()
    search.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    best = {k: v.item() if hasattr(v, "item") else v for k, v in search.best_params_.items()}  # fmt: skip
    row = {"best_cv_score": float(search.best_score_),
           "test_score": float(search.score(X_test, y_test)),
           "wall_seconds": seconds, "best_params": best}  # fmt: skip
    return row | {a.rstrip("_"): getattr(search, a, None) for a in attributes}
