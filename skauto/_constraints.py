"""Parameter constraints of skauto's estimators beyond scikit-learn's own."""

from ._compat import Interval


class Number(Interval):
    """scikit-learn's ``Interval``, without booleans.

    ``True`` is an ``int`` to Python, so ``Interval(Integral, 1, None)`` takes
    ``n_candidates=True`` as 1; a boolean given for a number is a mistake.
    """

    def is_satisfied_by(self, val):
        return not isinstance(val, bool) and super().is_satisfied_by(val)
