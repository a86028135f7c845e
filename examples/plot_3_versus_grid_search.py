"""
====================================================
AutoSearchCV against GridSearchCV on the same space
====================================================

:class:`~sklearn.model_selection.GridSearchCV` trains every configuration
to the end. :class:`~skauto.model_selection.AutoSearchCV` searches the same
grid by successive halving: all configurations start with a few boosting
iterations, the best third continue (keeping their trees) and so on. Same
data, same folds, same space: we compare the time and the score.
"""

# %%
# The space
# ---------
# A :class:`~sklearn.ensemble.HistGradientBoostingRegressor` on the bikeshare
# data (its categorical columns used natively): 3 learning rates x 3 tree
# sizes x 3 numbers of boosting iterations, 27 configurations, scored by
# 3-fold cross-validation.
import time

import matplotlib.pyplot as plt
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.model_selection import GridSearchCV, KFold, train_test_split

from skauto.datasets import load_bikeshare
from skauto.model_selection import AutoSearchCV

X, y = load_bikeshare(return_X_y=True, as_frame=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
estimator = HistGradientBoostingRegressor(
    categorical_features="from_dtype", early_stopping=False, random_state=0
)
grid = {
    "learning_rate": [0.05, 0.1, 0.3],
    "max_leaf_nodes": [15, 31, 63],
    "max_iter": [10, 30, 90],
}
cv = KFold(n_splits=3, shuffle=True, random_state=0)

# %%
# GridSearchCV: 27 configurations x 3 folds = 81 fits, each to the end.
start = time.perf_counter()
grid_search = GridSearchCV(estimator, grid, cv=cv, n_jobs=2).fit(X_train, y_train)
grid_seconds = time.perf_counter() - start

# %%
# AutoSearchCV on the same grid. ``max_iter`` is the budget rather than a
# dimension: every configuration of learning rate and tree size starts with 10
# iterations, the best third go on to 30, the best of those to 90 unless its
# score fell on the way (``early_stopping``), and the survivors grow more trees
# on the ones they have (``warm_start``). The best of those that went furthest
# is refitted with the full 90 iterations, unless a smaller number of trees
# scored clearly better (then ``best_params_`` says how many).
auto_grid = {name: values for name, values in grid.items() if name != "max_iter"}
start = time.perf_counter()
auto_search = AutoSearchCV(
    estimator,
    auto_grid,
    resource="max_iter",
    min_resources=10,
    max_resources=90,
    cv=cv,
    random_state=0,
    n_jobs=2,
).fit(X_train, y_train)
auto_seconds = time.perf_counter() - start

# %%
# Both report their best configuration, its cross-validated R², and the R² of
# the refitted model on the held-out test set.
rows = []
for name, search, seconds in [
    ("GridSearchCV", grid_search, grid_seconds),
    ("AutoSearchCV", auto_search, auto_seconds),
]:
    test_r2 = search.score(X_test, y_test)
    rows.append((name, seconds, search.best_score_, test_r2))
    print(
        f"{name}: {seconds:5.1f} s, CV R2 {search.best_score_:.4f}, "
        f"test R2 {test_r2:.4f}, best {search.best_params_}"
    )

# %%
# Side by side
# ------------
# The halving search lands on a model as good as the grid's, or nearly so, in
# a fraction of its time: most of the grid's work goes into configurations
# that were visibly worse after 10 iterations.
names = [r[0] for r in rows]
fig, (ax_time, ax_score) = plt.subplots(1, 2, figsize=(9, 2.8), layout="constrained")
bars = ax_time.barh(names, [r[1] for r in rows], color=["0.6", "C0"])
ax_time.bar_label(bars, fmt="%.1f s", padding=3)
ax_time.set_xlim(0, 1.25 * max(r[1] for r in rows))
ax_time.set_xlabel("search time, seconds")
ax_time.invert_yaxis()
width = 0.38
for j, (label, index) in enumerate([("CV R²", 2), ("test R²", 3)]):
    bars = ax_score.barh(
        [i + (j - 0.5) * width for i in range(len(rows))],
        [r[index] for r in rows],
        height=width,
        label=label,
        color=f"C{j + 1}",
    )
    ax_score.bar_label(bars, fmt="%.4f", padding=3, fontsize="small")
ax_score.set_yticks(range(len(rows)), [])
ax_score.invert_yaxis()
scores = [r[i] for r in rows for i in (2, 3)]
ax_score.set_xlim(min(scores) - 0.01, max(scores) + 0.012)
ax_score.set_xlabel("R² of the best configuration")
ax_score.legend(loc="lower right", fontsize="small")
fig.suptitle("Same 27-configuration space, same folds")
plt.show()
