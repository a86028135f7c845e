"""Neural networks that tune themselves."""

from ._classifier import SelfTuningMLPClassifier
from ._self_tuning import SelfTuningMLPRegressor

__all__ = ["SelfTuningMLPClassifier", "SelfTuningMLPRegressor"]
