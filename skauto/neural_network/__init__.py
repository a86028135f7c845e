"""Neural networks that tune themselves."""

from ._self_tuning import SelfTuningMLPRegressor

__all__ = ["SelfTuningMLPRegressor"]
