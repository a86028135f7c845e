"""A class of 3 rows, under every validation mode, for every classifier.

3 separable rows of class 1 among many of class 0: a model must give class 1
a real probability on a test set where it is common, or warn. The self-tuners
validate on 4 folds below 2,000 rows and on one hold-out above; the searches
on cv folds; every ``cv`` also takes an int and a splitter.
"""

import warnings

import numpy as np
import pytest
from _matrix import ESTIMATORS, Learns, check_outcome, matrix
from sklearn.model_selection import StratifiedKFold

ROWS = [row for row in ESTIMATORS if row.kind == "classifier"]


def rare_data(n, n_rare=3, seed=0):
    """``n`` rows of which ``n_rare`` are class 1, far from class 0 on the
    first feature; a balanced test set of 200 rows."""
    rng = np.random.default_rng(seed)

    def draw(m, positives):
        X = rng.normal(size=(m, 3))
        X[:positives, 0] += 6
        return X, (np.arange(m) < positives).astype(int)

    return (*draw(n, n_rare), *draw(200, 100))


# the self-tuners' default budgets, where the model is confident enough to
# give an unseen class P = 1e-8 (the rows' tiny budgets are not)
DEFAULTS = {"n_candidates": 9, "ensemble_size": "auto", "max_epochs": "auto"}
CASES = {
    "default cv, 120 rows": (120, DEFAULTS),
    "default cv, 2,400 rows": (2400, DEFAULTS),  # the self-tuners' hold-out
    "cv=3": (120, {"cv": 3}),
    "StratifiedKFold(3)": (120, {"cv": StratifiedKFold(3)}),
}
GAPS = {}


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("row, name, case", matrix(CASES, ROWS, GAPS))
def test_rare_class(row, name, case):
    n, params = case
    X, y, X_test, y_test = rare_data(n)
    est = row.make()
    est.set_params(**{k: v for k, v in params.items() if k in est.get_params()})
    check_outcome(Learns(X_test, y_test), est, X, y)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("n", [300, 3003])
def test_a_class_of_three_rows_is_said_to_be_too_rare(n):
    """The fault matrix's case: 3 separable rows of class 1 among ``n`` gave
    test accuracy .50-.58 on a balanced test set (MLPClassifier: .85) without
    a word, under the folds and the hold-out alike."""
    from skauto.neural_network import SelfTuningMLPClassifier

    X, y, _, _ = rare_data(n)
    est = SelfTuningMLPClassifier(n_candidates=3, max_epochs=3, random_state=0)
    with pytest.warns(UserWarning, match=r"fewer than 10 training rows.*\{1: 3\}"):
        est.fit(X, y)


def test_ten_rows_of_each_class_fit_without_that_warning():
    from skauto.neural_network import SelfTuningMLPClassifier

    X, y, _, _ = rare_data(40, n_rare=10)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        SelfTuningMLPClassifier(n_candidates=3, max_epochs=3, random_state=0).fit(X, y)
    assert not [w for w in caught if "training rows" in str(w.message)]
