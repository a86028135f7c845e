"""
=======================================
Looking at a search: the budget picture
=======================================

A results table says who won; a picture says how. This example draws
:class:`~skauto.plotting.SearchBudgetDisplay` for the two estimators of
skauto: each line is one candidate, its validation score against the budget
it received, rung by rung.
"""

# %%
# The self-tuning network
# -----------------------
# :class:`~skauto.neural_network.SelfTuningMLPRegressor` records one row per
# candidate per rung in ``cv_results_``, with the budget counted in training
# samples seen. We fit it on the bikeshare data, one-hot encoded.
import matplotlib.pyplot as plt
from scipy.stats import loguniform
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skauto.datasets import load_bikeshare
from skauto.model_selection import AutoSearchCV
from skauto.neural_network import SelfTuningMLPRegressor
from skauto.plotting import SearchBudgetDisplay

X, y = load_bikeshare(return_X_y=True, as_frame=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
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
model = make_pipeline(preprocess, SelfTuningMLPRegressor(random_state=0))
model.fit(X_train, y_train)

# %%
# Each rung keeps the best third of the candidates; the survivors continue
# from where they stopped, so each line climbs as its candidate trains. The
# faint lines are candidates stopped early, the bold ones went through every
# rung (the last few train on while their validation score improves, each to
# its own budget, and the regressor's ensemble is chosen among them, see
# ``ensemble_size``), and the star marks the best of them. Candidates that
# started far below the others are triangles on the bottom edge, so that the
# axis shows the race among the good ones.
display = SearchBudgetDisplay.from_estimator(
    model[-1], resource_name="training samples seen"
)
display.ax_.set_title("SelfTuningMLPRegressor on bikeshare")
plt.show()

# %%
# AutoSearchCV with Hyperband brackets
# ------------------------------------
# :class:`~skauto.model_selection.AutoSearchCV` fills ``rung_results_`` with
# the same schema, with a cross-validated score (its ``cv_results_`` keeps one
# row per candidate, as GridSearchCV's does). Here it tunes a
# :class:`~sklearn.ensemble.HistGradientBoostingRegressor` with the number of
# boosting iterations as the budget (survivors keep their trees and grow more)
# and all the Hyperband brackets the budget range allows: from an aggressive
# bracket that starts many candidates on a few trees to one that gives every
# candidate the full budget.
search = AutoSearchCV(
    HistGradientBoostingRegressor(categorical_features="from_dtype"),
    {
        "learning_rate": loguniform(0.02, 0.5),
        "max_leaf_nodes": [7, 15, 31, 63],
        "l2_regularization": loguniform(1e-3, 10),
    },
    resource="max_iter",
    min_resources=3,
    max_resources=27,
    n_brackets="auto",
    cv=3,
    random_state=0,
).fit(X_train, y_train)
print(f"best of {len(set(search.cv_results_['candidate']))} candidates:")
print(search.best_params_, f"CV R2 {search.best_score_:.3f}")

# %%
# One panel per bracket, with the same axes: compare where each bracket
# started and how high its survivors climbed. The star is in the bracket of
# the winner.
display = SearchBudgetDisplay.from_estimator(search)
display.figure_.suptitle("AutoSearchCV(HistGradientBoostingRegressor), Hyperband")
plt.show()
