"""Loader for the bundled Capital Bikeshare 2011 hourly data."""

import csv
from importlib import resources

import numpy as np
from sklearn.utils import Bunch

FEATURE_NAMES = [
    "season",
    "mnth",
    "day",
    "hr",
    "holiday",
    "weekday",
    "workingday",
    "weathersit",
    "temp",
    "atemp",
    "hum",
    "windspeed",
]
TARGET_NAME = "bikers"
# Columns that are categories in the frame; in the array they hold these codes.
CATEGORIES = {
    "season": [1, 2, 3, 4],
    "mnth": [
        "Jan",
        "Feb",
        "March",
        "April",
        "May",
        "June",
        "July",
        "Aug",
        "Sept",
        "Oct",
        "Nov",
        "Dec",
    ],
    "hr": list(range(24)),
    "weekday": list(range(7)),
    "weathersit": ["clear", "cloudy/misty", "light rain/snow", "heavy rain/snow"],
}
# Code of each category in the array returned with as_frame=False.
_CODES = {
    "season": {"1": 1, "2": 2, "3": 3, "4": 4},
    "mnth": {name: i + 1 for i, name in enumerate(CATEGORIES["mnth"])},
    "weathersit": {name: i + 1 for i, name in enumerate(CATEGORIES["weathersit"])},
}


def _read_rows():
    path = resources.files("skauto.datasets").joinpath("data", "bikeshare.csv")
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _encode(name, value):
    if name in _CODES:
        return _CODES[name][value]
    return float(value)


def load_bikeshare(*, return_X_y=False, as_frame=False):
    """Load the Capital Bikeshare 2011 hourly rentals (regression).

    8,645 hourly records of bike rentals in Washington, D.C. in 2011, with
    calendar and weather features. The target is ``bikers``, the number of
    rentals in the hour. The columns ``casual`` and ``registered`` of the
    source add up to the target, so they are not returned as features.

    =================   ==============
    Samples total       8645
    Dimensionality      12
    Features            5 categorical, 7 numeric
    Target              int, 1 - 651
    =================   ==============

    Read more in the dataset description (``DESCR``).

    Parameters
    ----------
    return_X_y : bool, default=False
        If True, return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        If True, ``data`` is a pandas DataFrame whose categorical columns
        (``season``, ``mnth``, ``hr``, ``weekday``, ``weathersit``) have the
        ``category`` dtype, and ``target`` a pandas Series. If False, ``data``
        is a float64 array in which categories are integer codes (see DESCR).
        Requires pandas.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with the attributes:

        data : ndarray of shape (8645, 12) or DataFrame
            The features.
        target : ndarray of shape (8645,) or Series
            Hourly rentals.
        feature_names : list of str
            The names of the feature columns.
        target_names : list of str
            ``["bikers"]``.
        categorical_features : list of str
            The columns that are categories.
        frame : DataFrame or None
            Features and target together when ``as_frame=True``.
        DESCR : str
            Description of the data, its source and its license.

    (data, target) : tuple if ``return_X_y`` is True
        The features and the target, as ``data`` and ``target`` above.

    See Also
    --------
    sklearn.datasets.fetch_california_housing : A larger regression data set.

    Examples
    --------
    >>> from skauto.datasets import load_bikeshare
    >>> X, y = load_bikeshare(return_X_y=True)
    >>> X.shape, y.shape
    ((8645, 12), (8645,))
    >>> bunch = load_bikeshare(as_frame=True)
    >>> str(bunch.frame["weathersit"].dtype)
    'category'
    """
    rows = _read_rows()
    X = np.array(
        [[_encode(name, row[name]) for name in FEATURE_NAMES] for row in rows],
        dtype=np.float64,
    )
    y = np.array([float(row[TARGET_NAME]) for row in rows])
    descr = (
        resources.files("skauto.datasets")
        .joinpath("descr", "bikeshare.rst")
        .read_text(encoding="utf-8")
    )
    frame = None
    if as_frame:
        frame = _to_frame(rows, X, y)
        X, y = frame[FEATURE_NAMES], frame[TARGET_NAME]
    if return_X_y:
        return X, y
    return Bunch(
        data=X,
        target=y,
        frame=frame,
        feature_names=list(FEATURE_NAMES),
        target_names=[TARGET_NAME],
        categorical_features=list(CATEGORIES),
        DESCR=descr,
    )


def _to_frame(rows, X, y):
    import pandas as pd

    frame = pd.DataFrame(X, columns=FEATURE_NAMES)
    for name in ["day", "holiday", "workingday"]:
        frame[name] = frame[name].astype("int64")
    for name, categories in CATEGORIES.items():
        raw = [row[name] for row in rows]
        if isinstance(categories[0], int):
            raw = [int(v) for v in raw]
        frame[name] = pd.Categorical(raw, categories=categories)
    frame[TARGET_NAME] = y.astype("int64")
    return frame
