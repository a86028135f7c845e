"""skauto: hyperparameter tuning by successive halving, for scikit-learn users.

The two main classes are importable from the top level; they are loaded on
first access so that ``import skauto`` stays cheap (no matplotlib, no dask).
"""

__version__ = "0.1.0"

__all__ = ["AutoSearchCV", "SelfTuningMLPRegressor", "__version__"]

_LAZY = {
    "AutoSearchCV": "skauto.model_selection",
    "SelfTuningMLPRegressor": "skauto.neural_network",
}


def __getattr__(name):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'skauto' has no attribute {name!r}")


def __dir__():
    return sorted(set(globals()) | set(__all__))
