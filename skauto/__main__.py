"""``python -m skauto``: the demo a new user runs first.

Tunes a neural network on the bundled bikeshare data with
:class:`~skauto.neural_network.SelfTuningMLPRegressor` and prints what it chose.
"""

import time

from sklearn.compose import ColumnTransformer
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skauto.datasets import load_bikeshare
from skauto.datasets._bikeshare import CATEGORIES, FEATURE_NAMES
from skauto.neural_network import SelfTuningMLPRegressor


def main():
    X, y = load_bikeshare(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.25, random_state=0
    )
    categorical = [FEATURE_NAMES.index(name) for name in CATEGORIES]
    numeric = [i for i in range(len(FEATURE_NAMES)) if i not in categorical]
    encode = ColumnTransformer(
        [
            ("num", StandardScaler(), numeric),
            ("cat", OneHotEncoder(handle_unknown="ignore"), categorical),
        ],
        sparse_threshold=0,
    )
    model = make_pipeline(encode, SelfTuningMLPRegressor(random_state=0, verbose=1))
    print("skauto demo: bikeshare hourly rentals, 2011")
    print(f"training on {len(y_train)} hours, testing on {len(y_test)}\n")
    start = time.perf_counter()
    model.fit(X_train, y_train)
    elapsed = time.perf_counter() - start
    reg = model[-1]
    best = reg.best_params_
    print(f"\nsearched {len(reg.cv_results_['params'])} (candidate, rung) pairs:")
    print(f"  candidates per rung: {reg.n_candidates_}")
    print("chose:")
    print(f"  hidden units:        {best['hidden_layer_sizes'][0]}")
    print(f"  learning rate:       {best['learning_rate_init']:.2g}")
    print(f"  L2 alpha:            {best['alpha']:.2g}")
    print(f"  epochs:              {best['max_iter']}")
    print(f"  averaged networks:   {reg.ensemble_size}")
    print(f"validation R2: {reg.best_score_:.4f}")
    print(f"test R2:       {model.score(X_test, y_test):.4f}")
    print(f"fit time:      {elapsed:.1f} s")


if __name__ == "__main__":
    main()
