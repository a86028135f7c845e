"""Hyperparameter search by successive halving, with cross-validation.

:class:`AutoSearchCV` is the search; :class:`GridSearchCV` and
:class:`RandomizedSearchCV` are the same search under the constructors of
scikit-learn's searches, so that code switches by changing an import.
"""

from ._search import AutoSearchCV
from ._sklearn_names import GridSearchCV, RandomizedSearchCV

__all__ = ["AutoSearchCV", "GridSearchCV", "RandomizedSearchCV"]
