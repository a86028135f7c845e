"""Hyperparameter search by successive halving, with cross-validation.

:class:`AutoSearchCV` is the search; :class:`GridSearchCV`,
:class:`RandomizedSearchCV`, :class:`HalvingGridSearchCV` and
:class:`HalvingRandomSearchCV` are the same search under the constructors of
scikit-learn's searches, so that code switches by changing an import.
"""

from ._halving import HalvingGridSearchCV, HalvingRandomSearchCV
from ._search import AutoSearchCV
from ._sklearn_names import GridSearchCV, RandomizedSearchCV

__all__ = [
    "AutoSearchCV",
    "GridSearchCV",
    "HalvingGridSearchCV",
    "HalvingRandomSearchCV",
    "RandomizedSearchCV",
]
