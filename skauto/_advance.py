"""How a candidate of AutoSearchCV advances from one budget to the next.

:func:`auto_resource` picks what the budget counts, :func:`choose_advance`
how a candidate gets more of it (:class:`Advance`): refit from scratch on a
subsample of each training fold (``n_samples``), refit with a larger
parameter value, or *continue* the fitted fold model with ``warm_start=True``
or ``partial_fit``. Estimators are recognised by what they are (their
scikit-learn base class, their parameters, their methods), never by name.
"""

from dataclasses import dataclass

from sklearn.pipeline import Pipeline

from ._compat import BaseHistGradientBoosting, BaseMultilayerPerceptron, BaseSGD

# scikit-learn's estimators whose ``max_iter`` is a training budget, for
# ``resource="auto"`` (subclasses included); the linear ones (SGD*,
# Perceptron, PassiveAggressive*) continue it by partial_fit epochs (see
# _continues_by_epochs). Not LogisticRegression: its early iterations rank
# the values of C by how fast they converge, not by how good they end up.
_EPOCH_PARTIAL_FIT = (BaseSGD,)
_ITERATIVE = (BaseMultilayerPerceptron, BaseSGD, BaseHistGradientBoosting)


def final_estimator(estimator):
    """The estimator at the end of a chain of pipelines, and its param prefix."""
    prefix = ""
    while isinstance(estimator, Pipeline):
        name, estimator = estimator.steps[-1]
        prefix += f"{name}__"
    return estimator, prefix


def auto_resource(estimator, searched=()):
    """``max_iter`` of iterative estimators, ``n_estimators`` of ensembles, else
    ``n_samples`` (looking through pipelines at their final step).

    A parameter that is ``searched`` (or sits in a searched step, such as
    ``"clf"`` for ``"clf__max_iter"``) is never picked: the next option is.
    """
    final, prefix = final_estimator(estimator)
    params = final.get_params(deep=False) if hasattr(final, "get_params") else {}
    options = []
    if isinstance(final, _ITERATIVE) and "max_iter" in params:
        options.append(prefix + "max_iter")
    if "n_estimators" in params:
        options.append(prefix + "n_estimators")
    for name in options:
        if not _is_searched(name, searched):
            return name
    return "n_samples"


def _is_searched(name, searched):
    parts = name.split("__")
    paths = {"__".join(parts[: i + 1]) for i in range(len(parts))}
    return bool(paths & set(searched)) or "steps" in searched


@dataclass(frozen=True)
class Advance:
    """How a candidate goes from ``previous`` to ``target`` units of budget.

    ``mode`` is ``"subsample"`` (resource ``n_samples``: a fresh fit on a
    subsample of each training fold), ``"refit"`` (a fresh fit with the
    resource parameter set to the target), ``"warm_start"`` (continue the
    fold model with ``warm_start=True``) or ``"partial_fit"`` (a fresh fit
    with the resource set to the first budget, then one ``partial_fit`` call
    per unit of budget, through pipelines to their last step). Under warm
    start a ``cumulative`` parameter is set to the target (``n_estimators``,
    HistGradientBoosting's ``max_iter``), a per-call one to the increment
    (``max_iter`` of MLP, SGD and the linear models).
    """

    resource: str
    mode: str
    cumulative: bool = True
    warm_start: str | None = None

    @property
    def continues(self):
        return self.mode in ("warm_start", "partial_fit")

    def update(self, previous, target):
        """Parameters to set and number of ``partial_fit`` calls for one step."""
        if self.mode == "subsample":
            return {}, 0
        if self.mode == "partial_fit":  # a fresh fit first, then epochs
            return (
                ({self.resource: target}, 0)
                if previous == 0
                else ({}, target - previous)
            )
        if self.mode == "warm_start" and not self.cumulative:
            return {self.resource: target - previous}, 0
        return {self.resource: target}, 0


def choose_advance(estimator, resource, fit_params=None):
    """The :class:`Advance` for ``resource``; ValueError if the estimator lacks it.

    ``fit_params`` (the estimator's routed fit parameters) only matter for a
    pipeline: only its ``fit`` routes them, so a pipeline given some is
    continued by warm start rather than by ``partial_fit`` on its last step.
    """
    if resource == "n_samples":
        return Advance(resource, "subsample")
    if resource not in estimator.get_params(deep=True):
        raise ValueError(
            f"resource={resource!r} is not a parameter of {estimator!r}; use "
            f"'n_samples', 'auto' or one of {sorted(estimator.get_params())!r}"
        )
    owner, name, prefix = _resource_owner(estimator, resource)
    if owner is None:  # behind a meta-estimator that clones its sub-estimators
        return Advance(resource, "refit")
    if _continues_by_epochs(owner, name) and _on_final_steps(estimator, resource):
        if not (prefix and fit_params):
            return Advance(resource, "partial_fit", cumulative=False)
    owner_params = owner.get_params(deep=False)
    if "warm_start" in owner_params:
        hgb = isinstance(owner, BaseHistGradientBoosting)
        cumulative = name == "n_estimators" or (hgb and name == "max_iter")
        return Advance(resource, "warm_start", cumulative, prefix + "warm_start")
    if not prefix and _can_partial_fit(owner):
        return Advance(resource, "partial_fit")
    return Advance(resource, "refit")


def _resource_owner(estimator, resource):
    """The (sub-)estimator whose parameter ``resource`` is, reached through
    pipeline steps only (a pipeline fits its steps in place, so warm start
    carries over); None when another meta-estimator is in the way."""
    *path, name = resource.split("__")
    owner = estimator
    for step in path:
        if not isinstance(owner, Pipeline) or step not in owner.named_steps:
            return None, name, None
        owner = owner.named_steps[step]
    prefix = "".join(f"{step}__" for step in path)
    return owner, name, prefix


def _continues_by_epochs(owner, name):
    """Whether ``owner.partial_fit`` is one more epoch of ``max_iter``.

    True for scikit-learn's SGD*, Perceptron and PassiveAggressive* with
    ``tol=None`` and no ``early_stopping``: their ``fit`` then runs exactly
    ``max_iter`` epochs, and ``partial_fit`` runs one more with the clock of
    the learning-rate schedule (``t_``) running on, where a ``warm_start``
    fit would reset it. With a ``tol``, ``fit`` stops early and
    ``partial_fit`` would not, so warm start (which keeps the stopping rule)
    is used, as for MLP*, whose ``fit`` always has one.
    """
    params = owner.get_params(deep=False)
    return (
        name == "max_iter"
        and isinstance(owner, _EPOCH_PARTIAL_FIT)
        and hasattr(owner, "partial_fit")
        and params.get("tol", 0) is None
        and not params.get("early_stopping", False)
    )


def _on_final_steps(estimator, resource):
    """Whether every pipeline step on the way to ``resource`` is a final step."""
    for step in resource.split("__")[:-1]:
        if estimator.steps[-1][0] != step:
            return False
        estimator = estimator.steps[-1][1]
    return True


def _can_partial_fit(estimator):
    # MLP* with solver="lbfgs" exposes partial_fit but raises when called.
    return (
        hasattr(estimator, "partial_fit")
        and estimator.get_params(deep=False).get("solver") != "lbfgs"
    )
