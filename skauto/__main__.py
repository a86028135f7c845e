"""``python -m skauto``: the demo a new user runs first.

Tunes a neural network on the bundled bikeshare data with
:class:`~skauto.neural_network.SelfTuningMLPRegressor`, prints its test score
beside two models nobody tuned (MLPRegressor's defaults and RidgeCV), and
what it chose.
"""

import time

from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.linear_model import RidgeCV
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor
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
    print("skauto demo: hourly bike rentals in Washington, D.C. (2011)")
    print(f"training on {len(y_train)} hours, testing on {len(y_test)}\n")
    print("SelfTuningMLPRegressor() tunes its own network while it trains:")
    model = _fit(SelfTuningMLPRegressor(random_state=0, verbose=1), X_train, y_train)
    mlp = TransformedTargetRegressor(
        MLPRegressor(random_state=0), transformer=StandardScaler()
    )
    rows = [
        ("SelfTuningMLPRegressor()", model),
        ("MLPRegressor() (defaults)", _fit(mlp, X_train, y_train)),
        ("RidgeCV() (a linear model)", _fit(RidgeCV(), X_train, y_train)),
    ]
    print(f"\n{'':30} {'test R2':>8} {'fit time':>9}")
    for name, fitted in rows:
        score = fitted.score(X_test, y_test)
        print(f"{name:30} {score:8.4f} {fitted.seconds_:7.1f} s")
    print("(R2: 1 is a perfect prediction, 0 is no better than the mean)\n")
    _describe(model[-1])


def _fit(estimator, X, y):
    """The estimator in the demo's pipeline, fitted, with its fit time."""
    pipe = make_pipeline(_encoder(), estimator)
    start = time.perf_counter()
    pipe.fit(X, y)
    pipe.seconds_ = time.perf_counter() - start
    return pipe


def _encoder():
    categorical = [FEATURE_NAMES.index(name) for name in CATEGORIES]
    numeric = [i for i in range(len(FEATURE_NAMES)) if i not in categorical]
    return ColumnTransformer(
        [
            ("num", StandardScaler(), numeric),
            ("cat", OneHotEncoder(handle_unknown="ignore"), categorical),
        ],
        sparse_threshold=0,
    )


def _describe(reg):
    best = reg.best_params_
    n_nets = sum("linear" not in m["params"] for m in reg.ensemble_)
    linear = " and a linear model" if n_nets < len(reg.ensemble_) else ""
    print(f"It tried {reg.n_candidates} networks and kept the best at each stage")
    print(f"({' -> '.join(map(str, reg.n_candidates_))} networks); the model it")
    print(f"returns averages {n_nets} of them{linear}. The heaviest one has")
    print(f"  {best['hidden_layer_sizes'][0]} hidden units,")
    print(f"  learning rate {best['learning_rate_init']:.2g},")
    print(f"  L2 penalty (alpha) {best['alpha']:.2g},")
    print(f"  its best validation score after {best['max_iter']} epochs.")
    print(f"Validation R2 of the returned model: {reg.best_score_:.4f}")


if __name__ == "__main__":
    main()
