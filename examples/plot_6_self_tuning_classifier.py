"""
Classifying handwritten digits with a self-tuning network
=========================================================

:class:`~skauto.neural_network.SelfTuningMLPClassifier` is the classifier on
the self-tuning engine: it ranks its networks by validation log-loss, so the
probabilities it returns are meant to be trusted, not only its labels. Here it
classifies scikit-learn's bundled 8x8 digits beside
:class:`~sklearn.neural_network.MLPClassifier` with its defaults and a
cross-validated logistic regression.
"""

# %%
# The data: 1,797 images of 64 pixels, ten classes.
import time

import matplotlib.pyplot as plt
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegressionCV
from sklearn.metrics import accuracy_score, log_loss
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skauto.neural_network import SelfTuningMLPClassifier

X, y = load_digits(return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)

# %%
# Three models, each fitted once and timed. Below 2,000 rows the self-tuner
# scores its 81 candidates by 4-fold cross-validation (one copy of each
# network per fold, all in one wide network) and returns the bagged copies of
# the members its greedy ensemble selection kept.
models = {
    "SelfTuningMLPClassifier()": SelfTuningMLPClassifier(random_state=0),
    "MLPClassifier() (defaults)": make_pipeline(
        StandardScaler(), MLPClassifier(random_state=0)
    ),
    "LogisticRegressionCV()": make_pipeline(
        StandardScaler(), LogisticRegressionCV(max_iter=2000)
    ),
}
rows = []
for name, model in models.items():
    start = time.perf_counter()
    model.fit(X_train, y_train)
    seconds = time.perf_counter() - start
    proba = model.predict_proba(X_test)
    accuracy = accuracy_score(y_test, model.predict(X_test))
    rows.append((name, accuracy, log_loss(y_test, proba), seconds))
    print(f"{name:28} accuracy {accuracy:.4f}  log-loss {rows[-1][2]:.4f}  "
          f"{seconds:5.1f} s")  # fmt: skip

# %%
# What the search chose, in :class:`~sklearn.neural_network.MLPClassifier`'s
# names, and the members of the returned ensemble:
clf = models["SelfTuningMLPClassifier()"]
print(clf.best_params_)
for member in clf.ensemble_:
    print(f"{member['weight']:.2f}", member["params"])

# %%
# Side by side. The log-loss rewards probabilities that are confident when
# right and cautious when wrong; accuracy only counts the top class.
names = [r[0] for r in rows]
fig, axes = plt.subplots(1, 3, figsize=(10, 2.8), sharey=True, layout="constrained")
for ax, values, label in zip(
    axes,
    [[r[1] for r in rows], [r[2] for r in rows], [r[3] for r in rows]],
    ["test accuracy", "test log-loss (lower is better)", "fit time, seconds"],
    strict=True,
):
    ax.barh(names, values, color=["C0", "0.65", "0.65"])
    ax.set_xlabel(label)
axes[0].set_xlim(min(r[1] for r in rows) - 0.02, 1.0)
axes[0].invert_yaxis()
fig.suptitle("Digits: a self-tuning network and two models nobody tuned")
plt.show()
