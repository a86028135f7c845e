"""Scorers that return something other than a number, for every estimator
that takes ``scoring``: a clear error, as GridSearchCV raises."""

import numpy as np
import pytest
from _matrix import ESTIMATORS, Raises, _data, check_outcome, matrix

pytestmark = pytest.mark.filterwarnings("ignore")

ROWS = [row for row in ESTIMATORS if "scoring" in row.make().get_params()]


def _returning(value):
    def scorer(estimator, X, y):
        return value

    return scorer


CASES = {
    "a string": "good",
    "an array": np.array([0.1, 0.2]),
    "None": None,
}
GAPS = {}  # (row name, case) -> reason of a known finding (a strict xfail)


@pytest.mark.parametrize("row, name, value", matrix(CASES, ROWS, GAPS))
def test_scorer_returning_a_non_number(row, name, value):
    X, y = _data(row.kind)
    est = row.make().set_params(scoring=_returning(value))
    check_outcome(Raises(r"(?i)scor\w*.* must return a number"), est, X, y)


def test_every_search_is_covered():
    assert len(ROWS) == sum("Search" in row.name for row in ESTIMATORS)
