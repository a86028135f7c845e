"""
================================================================
AutoSearchCV in a pipeline, evaluated by nested cross-validation
================================================================

:class:`~skauto.model_selection.AutoSearchCV` is an estimator like any other:
it tunes the steps of a :class:`~sklearn.pipeline.Pipeline` by their
``step__parameter`` names, and :func:`~sklearn.model_selection.cross_val_score`
can evaluate the whole search. That is nested cross-validation: the search
picks its parameters on the training part of each outer fold only, so the
outer scores are an honest estimate of what tuning buys.
"""

# %%
# A pipeline and a space
# ----------------------
# Handwritten digits (1,797 images of 8 x 8 pixels), a scaler and a linear
# classifier trained by stochastic gradient descent. We search the
# regularization and the learning-rate schedule; the budget is the number of
# passes over the data (``sgdclassifier__max_iter``), and survivors continue
# from their weights (``warm_start``) instead of starting again.
import warnings

import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import loguniform
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import StratifiedKFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skauto.model_selection import AutoSearchCV

# Few passes are the point of the first rungs: SGD has not converged there.
warnings.filterwarnings("ignore", category=ConvergenceWarning)

X, y = load_digits(return_X_y=True)
pipeline = make_pipeline(StandardScaler(), SGDClassifier(random_state=0))
space = {
    "sgdclassifier__alpha": loguniform(1e-6, 1e-1),
    "sgdclassifier__penalty": ["l2", "l1", "elasticnet"],
    "sgdclassifier__learning_rate": ["optimal", "invscaling", "adaptive"],
    "sgdclassifier__eta0": loguniform(1e-3, 1.0),
}
search = AutoSearchCV(
    pipeline,
    space,
    resource="sgdclassifier__max_iter",
    max_resources=27,
    cv=3,
    random_state=0,
)

# %%
# The search is a classifier, so ``cross_val_score`` stratifies the outer
# folds as it would for the pipeline itself. The five outer searches run
# two at a time (``n_jobs=2``).
outer = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
tuned = cross_val_score(search, X, y, cv=outer, n_jobs=2)
default = cross_val_score(pipeline, X, y, cv=outer, n_jobs=2)
print(f"default pipeline: accuracy {default.mean():.3f} +/- {default.std():.3f}")
print(f"tuned by search:  accuracy {tuned.mean():.3f} +/- {tuned.std():.3f}")

# %%
# What one search finds, fitted on all the data (in the nested run above,
# each outer fold ran its own search and may have chosen differently):
search.fit(X, y)
print(search.best_params_)
print(f"rungs of {search.n_resources_} passes, {search.n_candidates_} candidates")

# %%
# Fold by fold
# ------------
# Each dot is one outer test fold, scored by a model that never saw it,
# neither for training nor for choosing its parameters.
fig, ax = plt.subplots(figsize=(6, 3), layout="constrained")
for i, scores in enumerate([default, tuned]):
    ax.scatter(scores, np.full(len(scores), i), s=60, color=f"C{i}", zorder=3)
    ax.plot([scores.mean()] * 2, [i - 0.25, i + 0.25], color=f"C{i}", lw=3)
ax.set_yticks([0, 1], ["default pipeline", "AutoSearchCV(pipeline)"])
ax.set_ylim(-0.6, 1.6)
ax.set_xlabel("accuracy on the outer test folds (bar: mean)")
ax.set_title("Nested cross-validation on the digits")
ax.grid(True, axis="x", alpha=0.3)
plt.show()
