"""``python -m skauto``: the demo a new user runs first.

Fits a baseline on the bundled bikeshare data and prints a short report.
"""

import time

from sklearn.compose import ColumnTransformer
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skauto.datasets import load_bikeshare
from skauto.datasets._bikeshare import CATEGORIES, FEATURE_NAMES


def main():
    X, y = load_bikeshare(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0
    )
    categorical = [FEATURE_NAMES.index(name) for name in CATEGORIES]
    numeric = [i for i in range(len(FEATURE_NAMES)) if i not in categorical]
    model = make_pipeline(
        ColumnTransformer(
            [
                ("num", StandardScaler(), numeric),
                ("cat", OneHotEncoder(handle_unknown="ignore"), categorical),
            ]
        ),
        RidgeCV(),
    )
    start = time.perf_counter()
    model.fit(X_train, y_train)
    elapsed = time.perf_counter() - start
    print("skauto demo: bikeshare hourly rentals, 2011 (8,645 hours)")
    print(f"fitted:  {model[-1]!r} on {len(y_train)} rows (baseline)")
    print(f"test R2: {model.score(X_test, y_test):.4f} on {len(y_test)} rows")
    print(f"time:    {elapsed:.2f} s")


if __name__ == "__main__":
    main()
