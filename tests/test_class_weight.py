"""class_weight values, for every estimator that takes ``class_weight``.

A weight that cannot weigh (negative, infinite, NaN, not a number, every
class zero) is a clear error naming ``class_weight``; a class missing from
the dict or one that y does not have, and a class given zero weight, fit
(or are refused clearly), never with a message about something else.
"""

import math
import re
import warnings

import pytest
from _matrix import ESTIMATORS, WORKS, Raises, WorksOrRaises, _data, check_outcome
from _matrix import matrix as _matrix_params

ROWS = [row for row in ESTIMATORS if "class_weight" in row.make().get_params()]
CLEAR = Raises(r"class_weight")

CASES = {
    "negative": ({0: -1.0, 1: 1.0}, CLEAR),
    "inf": ({0: math.inf, 1: 1.0}, CLEAR),
    "nan": ({0: math.nan, 1: 1.0}, CLEAR),
    "all zero": ({0: 0.0, 1: 0.0}, CLEAR),
    "string value": ({0: "a", 1: 1.0}, CLEAR),
    "zero on one class": ({0: 0.0, 1: 1.0}, WorksOrRaises(r"class_weight")),
    "unknown class": ({0: 1.0, 1: 1.0, 7: 2.0}, WorksOrRaises(r"class_weight")),
    "one class missing": ({1: 5.0}, WORKS),
    "huge": ({0: 1e300, 1: 1.0}, WORKS),
    "balanced": ("balanced", WORKS),
}
GAPS = {}
# a class of weight 0 or negligible (1e300 against 1) is said to be unlearned
UNLEARNED = {"zero on one class", "huge"}
# "every candidate diverged ... Lower the top of learning_rate_range", or
# "validation log-loss ... so no candidate learned": not about class_weight
MISLEADING = r"diverged|no candidate learned|learning_rate_range"


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("row, name, case", _matrix_params(CASES, ROWS, GAPS))
def test_class_weight(row, name, case):
    value, expected = case
    X, y = _data(row.kind, n=60)
    est = row.make().set_params(class_weight=value)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_outcome(expected, est, X, y)
    messages = [str(w.message) for w in caught]
    assert not [m for m in messages if re.search(MISLEADING, m)]
    if name in UNLEARNED:
        assert [m for m in messages if "do not learn them" in m], messages


def test_every_row_with_class_weight_is_covered():
    assert [row.name for row in ROWS] == ["SelfTuningMLPClassifier"]
