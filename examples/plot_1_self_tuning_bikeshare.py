"""
=====================================================
A network that tunes itself, on the bikeshare data
=====================================================

Predicting hourly bike rentals with a neural network means choosing the
number of epochs, the learning rate and the hidden-layer size. Here we compare
a reasonable hand-picked :class:`~sklearn.neural_network.MLPRegressor` with
:class:`~skauto.neural_network.SelfTuningMLPRegressor`, which makes those
choices inside ``fit``, with no argument to set.
"""

# %%
# The data
# --------
# 8,645 hours of 2011 (:func:`~skauto.datasets.load_bikeshare`). As a user
# would, we scale the numeric columns and one-hot encode the categorical ones
# (hour, weekday, month, season, weather), and keep a quarter of the hours
# for the test.
import time
import warnings

import matplotlib.pyplot as plt
from sklearn.compose import (
    ColumnTransformer,
    TransformedTargetRegressor,
    make_column_selector,
)
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPRegressor
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skauto.datasets import load_bikeshare
from skauto.neural_network import SelfTuningMLPRegressor

X, y = load_bikeshare(return_X_y=True, as_frame=True)
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, random_state=0
)
preprocess = ColumnTransformer(
    [
        ("num", StandardScaler(), make_column_selector(dtype_exclude="category")),
        (
            "cat",
            OneHotEncoder(handle_unknown="ignore", sparse_output=False),
            make_column_selector(dtype_include="category"),
        ),
    ]
)
print(f"{len(X_train)} training hours, {len(X_test)} test hours")

# %%
# By hand
# -------
# Three plausible guesses, with the target standardized (rental counts go up
# to 651, which a network with default settings learns slowly): a small
# network with a large learning rate and few epochs, scikit-learn's default
# size and learning rate, and a large network with a small learning rate.
# Which guess is good is only known after fitting it.
guesses = [
    {"hidden_layer_sizes": (32,), "learning_rate_init": 1e-2, "max_iter": 20},
    {"hidden_layer_sizes": (100,), "learning_rate_init": 1e-3, "max_iter": 50},
    {"hidden_layer_sizes": (256,), "learning_rate_init": 1e-4, "max_iter": 50},
]
hand_r2, hand_seconds = [], []
for params in guesses:
    hand = make_pipeline(
        preprocess,
        TransformedTargetRegressor(
            MLPRegressor(random_state=0, **params), transformer=StandardScaler()
        ),
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)  # max_iter is a guess
        start = time.perf_counter()
        hand.fit(X_train, y_train)
        hand_seconds.append(time.perf_counter() - start)
    hand_r2.append(hand.score(X_test, y_test))
    print(f"{params}: test R2 {hand_r2[-1]:.3f} in {hand_seconds[-1]:.1f} s")

# %%
# Self-tuning
# -----------
# :class:`~skauto.neural_network.SelfTuningMLPRegressor` starts 81 networks
# with different hidden sizes, learning rates and L2 strengths, trains them
# together as one wide network, and after each rung keeps the best third,
# which go on training from where they stopped. The last 8 train on while
# their validation score improves, and the model returned is an ensemble of
# those (and of a ridge regression) that helps on the validation rows. The
# target is scaled internally.
auto = make_pipeline(preprocess, SelfTuningMLPRegressor(random_state=0))
start = time.perf_counter()
auto.fit(X_train, y_train)
auto_seconds = time.perf_counter() - start
auto_r2 = auto.score(X_test, y_test)
print(f"SelfTuningMLPRegressor:   test R2 {auto_r2:.3f} in {auto_seconds:.1f} s")

# %%
# What it chose, in :class:`~sklearn.neural_network.MLPRegressor`'s names
# (``max_iter`` is the epoch of the chosen network's best validation score):
reg = auto[-1]
print(reg.best_params_)

# %%
# How the 81 candidates were whittled down, stage by stage: ``cv_results_``
# has one row per candidate per stage (``n_resources`` counts the training
# samples seen; in the last stage each survivor stops on its own).
import pandas as pd  # noqa: E402

results = pd.DataFrame(reg.cv_results_)
results.groupby("iter").agg(
    candidates=("candidate", "size"),
    samples_seen=("n_resources", "max"),
    best_validation_r2=("mean_test_score", "max"),
)

# %%
# Side by side
# ------------
# The guesses spread widely, and nothing but fitting them tells them apart.
# The self-tuning network needs no guess: one fit searched 81 configurations,
# in about the time the three guesses took together.
labels = [
    f"{p['hidden_layer_sizes'][0]} units, lr {p['learning_rate_init']:g}, "
    f"{p['max_iter']} epochs"
    for p in guesses
] + ["SelfTuningMLPRegressor()"]
r2 = hand_r2 + [auto_r2]
seconds = hand_seconds + [auto_seconds]
colors = ["0.65"] * len(guesses) + ["C0"]

fig, (ax_score, ax_time) = plt.subplots(
    1, 2, figsize=(9, 3.2), sharey=True, layout="constrained"
)
ax_score.barh(labels, r2, color=colors)
ax_score.set_xlim(min(r2) - 0.03, 1.0)
ax_score.set_xlabel("test R² (higher is better)")
ax_score.invert_yaxis()
ax_time.barh(labels, seconds, color=colors)
ax_time.set_xlim(0, 1.25 * max(seconds))  # room for the labels
ax_time.set_xlabel("fit time, seconds")
for ax, values, fmt in [(ax_score, r2, "{:.3f}"), (ax_time, seconds, "{:.1f} s")]:
    for i, value in enumerate(values):
        ax.annotate(
            fmt.format(value),
            (value, i),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
        )
fig.suptitle("Bikeshare: three hand-picked MLPRegressors and a self-tuning one")
plt.show()
