"""Wide data and over-large parameters: the fit plans its memory before it
allocates. Under a cap of 1.5 GiB more address space and a short time limit,
each case fits, or raises a clear error naming the parameter (or the data's
size) and what to change; never a MemoryError, a hang or a numpy crash.

Over-large values come from every row's ``_parameter_constraints``: 10**9
for each integer without an upper bound, 1e300 for each such float; and a
table of pairs for the ranges.
"""

from numbers import Integral

import numpy as np
import pytest
from _matrix import (
    ESTIMATORS,
    WorksOrRaises,
    _data,
    check_outcome,
    wraps_an_estimator,
)
from _timeout import memory_limit

from skauto._compat import Interval

CAP_GIB, LIMIT = 1.5, 4  # a case takes well under a second
pytestmark = pytest.mark.filterwarnings("ignore")

RANGES = {
    "hidden_size_range": [(1e5, 1e5), (1, 1e9)],
}
HUGE_GRID = {
    "alpha": list(np.logspace(-3, 3, 1000)),
    "tol": list(np.logspace(-6, -1, 1000)),
    "max_iter": list(range(100, 1100)),
}


def huge_values(row):
    """(parameter, value) pairs too large to allocate naively."""
    est = row.make()
    own = est.get_params(deep=False)
    for name, constraints in type(est)._parameter_constraints.items():
        if name not in own:
            continue
        for c in constraints:
            if isinstance(c, Interval) and c.right is None and c.left is not None:
                yield name, 10**9 if c.type is Integral else 1e300
        for value in RANGES.get(name, []):
            yield name, value


# Their budget is SGDClassifier's max_iter: huge budgets are fits the user
# asked for, in compiled code that no time limit interrupts (GridSearchCV's
# too); the Ridge rows cover the searches (budget: n_samples)
SKIP = {"RandomizedSearchCV(SGDClassifier)", "AutoSearchCV(SGDClassifier)"}


def _params():
    for row in ESTIMATORS:
        for name, value in huge_values(row):
            if row.name in SKIP:
                continue
            case = f"{name}={value!r}"
            reason = GAPS.get((row.name, case))
            marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
            yield pytest.param(row, name, value, id=f"{row.name}-{case}", marks=marks)


GAPS = {}  # (row name, case) -> reason of a known finding (a strict xfail)


@pytest.mark.parametrize("row, name, value", _params())
def test_huge_parameter(row, name, value):
    X, y = _data(row.kind)
    est = row.make().set_params(**{name: value})
    with memory_limit(CAP_GIB):
        check_outcome(WorksOrRaises(name), est, X, y, limit=LIMIT)


WIDE_GAPS = {}  # row name -> reason of a known finding (a strict xfail)


def _wide_params():
    for row in (row for row in ESTIMATORS if row.name not in SKIP):
        reason = WIDE_GAPS.get(row.name)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        yield pytest.param(row, id=row.name, marks=marks)


@pytest.mark.parametrize("row", _wide_params())
def test_wide_data(row):
    X, y = _data(row.kind, n=100, p=10_000)
    est = row.make()
    if not wraps_an_estimator(row):  # the default population: 81 networks
        est.set_params(n_candidates=81)
    with memory_limit(CAP_GIB):
        check_outcome(WorksOrRaises(r"(?i)features|memory"), est, X, y)
