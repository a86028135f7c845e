"""Hyperparameter search by successive halving, with cross-validation."""

from ._search import AutoSearchCV

__all__ = ["AutoSearchCV"]
