"""
=========================================
Asynchronous halving: no rung barrier
=========================================

A synchronous successive-halving search waits, at the end of every rung, for
its slowest fit: only then does it know which candidates go on. When fit
times vary a lot (here a boosting model whose trees have from 4 to 256
leaves), workers sit idle at each of these barriers.
``schedule="async"`` hands a free worker the next job at once: a promotion
as soon as a candidate is among the best of those already scored at its
rung (lowest rung first), else a new candidate. The plan, the budget and the
results' layout are the same.
"""

# %%
# The search
# ----------
# :class:`~sklearn.ensemble.HistGradientBoostingRegressor` on part of the
# bikeshare data, the number of boosting iterations as the budget (the fold
# models of the survivors grow by warm start), the number of leaves spread
# over 4-256 on a log scale.
import time

import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import loguniform
from sklearn.base import clone
from sklearn.ensemble import HistGradientBoostingRegressor

from skauto.datasets import load_bikeshare
from skauto.model_selection import AutoSearchCV


class LogUniformInt:
    """Integers spread log-uniformly on [low, high]."""

    def __init__(self, low, high):
        self.spread = loguniform(low, high + 1)

    def rvs(self, random_state=None):
        return int(self.spread.rvs(random_state=random_state))


X, y = load_bikeshare(return_X_y=True, as_frame=True)
X, y = X[:3000], y[:3000]
search = AutoSearchCV(
    HistGradientBoostingRegressor(early_stopping=False, random_state=0),
    {"max_leaf_nodes": LogUniformInt(4, 256), "learning_rate": loguniform(0.02, 0.5)},
    resource="max_iter",
    max_resources=81,
    n_candidates=27,
    cv=3,
    n_jobs=2,
    random_state=0,
)

# %%
# Both schedules, on two worker processes
# ---------------------------------------
runs = {}
for schedule in ["sync", "async"]:
    start = time.perf_counter()
    fitted = clone(search).set_params(schedule=schedule).fit(X, y)
    runs[schedule] = (fitted, time.perf_counter() - start)
    print(
        f"{schedule:>5}: {runs[schedule][1]:.1f} s, best cross-validated R2 "
        f"{fitted.best_score_:.4f}, rungs {fitted.n_candidates_}"
    )

# %%
# The same jobs: every rung ran the planned number of candidates at the
# planned budgets, in both schedules.
for schedule, (fitted, _) in runs.items():
    print(schedule, list(zip(fitted.n_candidates_, fitted.n_resources_, strict=True)))

# %%
# The picture
# -----------
# ``rung_results_`` has one row per candidate and rung, with the seconds
# from the start of the search at which its first fold's fit started and its
# last one ended. One bar per row, coloured by rung: in the synchronous
# schedule every rung starts once the rung below has ended; in the
# asynchronous one, the rungs overlap.
fig, axes = plt.subplots(2, 1, figsize=(7, 6), sharex=True)
colors = plt.get_cmap("viridis")
for ax, (schedule, (fitted, seconds)) in zip(axes, runs.items(), strict=True):
    rows = fitted.rung_results_
    order = np.argsort(rows["start_time"], kind="stable")
    n_rungs = rows["iter"].max() + 1
    for y_pos, row in enumerate(order):
        it = rows["iter"][row]
        ax.barh(
            y_pos,
            rows["end_time"][row] - rows["start_time"][row],
            left=rows["start_time"][row],
            height=0.8,
            color=colors(it / max(1, n_rungs - 1)),
        )
    ax.set_title(f'schedule="{schedule}": {seconds:.1f} s')
    ax.set_ylabel("job (candidate, rung)")
    ax.set_yticks([])
handles = [
    plt.Rectangle((0, 0), 1, 1, color=colors(i / max(1, n_rungs - 1)))
    for i in range(n_rungs)
]
budgets = runs["sync"][0].n_resources_
axes[0].legend(handles, [f"rung {i + 1}: max_iter={b}" for i, b in enumerate(budgets)],
               loc="lower right", fontsize="small")  # fmt: skip
axes[1].set_xlabel("seconds since the search started")
fig.tight_layout()
plt.show()

# %%
# On two workers the saving is what the barriers cost; it grows with the
# number of workers and with how much the fit times vary. A candidate may be
# promoted on fewer scores than the synchronous rung would have had (all
# but the running ones): the price of not waiting, usually nothing, as
# here. With one worker the two schedules run the same fits. The measured
# comparison (loky and dask, two problems) is in ``benchmarks/bench_async.py``.
