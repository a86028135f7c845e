"""The only module that imports private or version-dependent scikit-learn names.

A new scikit-learn release that moves one of them breaks this file only.
"""

# joblib >= 1.4 returns outputs as they complete; 1.3, in the order of the
# tasks (the asynchronous schedule still works, a slow task holding back the
# outputs behind it)
import joblib  # noqa: E402
from sklearn.base import _fit_context  # noqa: F401

# the bases of scikit-learn's iterative estimators, to recognise them (and
# their subclasses) by what they are: resource="auto" and how they continue
from sklearn.ensemble._hist_gradient_boosting.gradient_boosting import (  # noqa: F401
    BaseHistGradientBoosting,
)
from sklearn.linear_model._stochastic_gradient import BaseSGD  # noqa: F401
from sklearn.metrics._scorer import _MultimetricScorer  # noqa: F401

# AutoSearchCV reuses the base of scikit-learn's own searches for what makes it
# a drop-in (delegation, scoring and refit checks, metadata routing, tags, HTML
# repr), as scikit-learn's halving searches do, and replaces its ``fit``.
from sklearn.model_selection._search import BaseSearchCV  # noqa: F401
from sklearn.neural_network._multilayer_perceptron import (  # noqa: F401
    BaseMultilayerPerceptron,
)
from sklearn.utils._param_validation import (  # noqa: F401
    HasMethods,
    Interval,
    InvalidParameterError,
    StrOptions,
    validate_params,
)
from sklearn.utils.metaestimators import _safe_split  # noqa: F401

# one ThreadpoolController per process, cached (building one scans the loaded
# libraries and costs milliseconds; a limit through it, microseconds)
from sklearn.utils.parallel import _get_threadpool_controller  # noqa: F401
from sklearn.utils.validation import (  # noqa: F401
    _check_method_params,
    _check_sample_weight,
    _num_samples,
    validate_data,
)


def check_sample_weight(sample_weight, X, **kwargs):
    """scikit-learn's ``_check_sample_weight``, refusing weights that are all
    zero on every supported release (1.6 accepts them; from 1.7 it raises
    this error itself).
    """
    weights = _check_sample_weight(sample_weight, X, **kwargs)
    if sample_weight is not None and weights.size and not weights.any():
        raise ValueError("Sample weights must contain at least one non-zero number.")
    return weights


UNORDERED = (
    "generator_unordered"
    if tuple(int(p) for p in joblib.__version__.split(".")[:2]) >= (1, 4)
    else "generator"
)


# --- private methods of BaseSearchCV and of scikit-learn's callback mixin ----
def get_scorers(search):
    """The search's scorer (or ``_MultimetricScorer``) and refit metric."""
    return search._get_scorers()


def routed_fit_params(search, params):
    """``params`` of ``search.fit`` routed to the estimator, scorer, splitter."""
    return search._get_routed_params_for_fit(params)


def public_scorers(scorers):
    """``scorer_``: the dict of a ``_MultimetricScorer``, else the scorer."""
    return scorers._scorers if isinstance(scorers, _MultimetricScorer) else scorers


def check_refit_for_multimetric(search, metrics):
    """BaseSearchCV's check that ``refit`` names one of ``metrics``."""
    search._check_refit_for_multimetric(metrics)


def select_best_index(refit, metric, results):
    """BaseSearchCV's ``best_index_`` from ``cv_results_`` (a callable refit)."""
    return BaseSearchCV._select_best_index(refit, metric, results)


# the attributes scikit-learn's _init_callback_context sets and its teardown
# removes (a fit that raised must leave them for the teardown)
CALLBACK_STATE = ("_callback_fit_ctx", "_skl_callbacks_to_teardown")


def init_callback_context(estimator, n_steps):
    """The root callback context of a fit of ``estimator`` with ``n_steps``
    tasks, or None when it has no callback (or scikit-learn has none)."""
    init = getattr(estimator, "_init_callback_context", None)
    if init is None or not getattr(estimator, "_skl_callbacks", None):
        return None
    return init(max_subtasks=n_steps)


class IntervalNotBool(Interval):
    """An integer interval that ``True`` and ``False`` are not in (numbers to
    Python, but never a count a user means)."""

    def is_satisfied_by(self, val):
        return not isinstance(val, bool) and super().is_satisfied_by(val)
