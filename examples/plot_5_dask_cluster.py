"""
==================================
Running a search on a dask cluster
==================================

:class:`~skauto.model_selection.AutoSearchCV` sends every fit through joblib
and never picks a backend itself, so joblib's ``dask`` backend runs it on a
dask cluster, unchanged. Here the cluster is a small
:class:`~distributed.LocalCluster` of two workers on this machine; with a
real cluster, only the address given to the :class:`~distributed.Client`
changes.
"""

# %%
# The search
# ----------
# A :class:`~sklearn.ensemble.HistGradientBoostingRegressor` on the bikeshare
# data, the number of boosting iterations as the budget. The hours are in
# time order, so the folds are shuffled.
import time

import joblib
import matplotlib.pyplot as plt
import numpy as np
from dask.distributed import Client, LocalCluster
from scipy.stats import loguniform
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingRegressor
from sklearn.model_selection import KFold

from skauto.datasets import load_bikeshare
from skauto.model_selection import AutoSearchCV
from skauto.plotting import SearchBudgetDisplay

X, y = load_bikeshare(return_X_y=True, as_frame=True)
search = AutoSearchCV(
    HistGradientBoostingRegressor(categorical_features="from_dtype"),
    {
        "learning_rate": loguniform(0.02, 0.5),
        "max_leaf_nodes": [7, 15, 31, 63],
    },
    resource="max_iter",
    min_resources=3,
    max_resources=27,
    cv=KFold(n_splits=3, shuffle=True, random_state=0),
    random_state=0,
)

# %%
# On this machine, with joblib's default backend and two jobs:
start = time.perf_counter()
local = clone(search).set_params(n_jobs=2).fit(X, y)
local_seconds = time.perf_counter() - start

# %%
# On a dask cluster
# -----------------
# Start the cluster, connect a client, select the ``dask`` backend for the
# fit; every (candidate, fold) fit of a rung is a task on the cluster. The
# context managers shut the workers down at the end. The workers here are
# threads of this process (``processes=False``), which keeps the example
# runnable anywhere; worker processes, as on a real cluster, need a script
# whose code runs under ``if __name__ == "__main__":``.
cluster_options = dict(n_workers=2, threads_per_worker=1, processes=False)
with LocalCluster(dashboard_address=None, **cluster_options) as cluster:
    with Client(cluster) as client:
        print(client)
        start = time.perf_counter()
        with joblib.parallel_config(backend="dask"):
            on_dask = clone(search).set_params(n_jobs=-1).fit(X, y)
        dask_seconds = time.perf_counter() - start

# %%
# Same random state, same search: the backend changes where the fits run,
# not what they compute. On two cores the times say little; a cluster pays
# off when the fits of a rung are many and long, and its workers many.
print(f"local: {local_seconds:.1f} s, dask: {dask_seconds:.1f} s")
print("same best parameters:", local.best_params_ == on_dask.best_params_)
same_ranks = np.array_equal(
    local.cv_results_["rank_test_score"], on_dask.cv_results_["rank_test_score"]
)
print("same ranks:", same_ranks)

# %%
# The two searches, drawn with
# :class:`~skauto.plotting.SearchBudgetDisplay`: the same picture.
fig, axes = plt.subplots(1, 2, figsize=(10, 4), sharey=True, layout="constrained")
for ax, fitted, title in [
    (axes[0], local, f"joblib default backend ({local_seconds:.1f} s)"),
    (axes[1], on_dask, f"dask LocalCluster ({dask_seconds:.1f} s)"),
]:
    SearchBudgetDisplay.from_estimator(fitted, ax=ax)
    ax.set_title(title)
plt.show()
