"""The only module that imports private or version-dependent scikit-learn names.

A new scikit-learn release that moves one of them breaks this file only.
"""

from sklearn.utils._param_validation import (  # noqa: F401
    Interval,
    InvalidParameterError,
    StrOptions,
    validate_params,
)
from sklearn.utils.validation import validate_data  # noqa: F401
