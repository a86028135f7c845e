"""scikit-learn's callbacks (``set_callbacks``, scikit-learn >= 1.9) told
about a fit's tasks.

Every search of skauto has the same task tree: the fit; one task per step
(a rung of the halving, or the self-tuners' last stage), each holding one
leaf per unit of work (a fold's fit in AutoSearchCV, a validation check in
the self-tuning networks); and, in AutoSearchCV, the refit.
"""

from contextlib import contextmanager

try:
    from sklearn.callback import CallbackSupportMixin
except ImportError:  # scikit-learn < 1.9: no callbacks, nothing to support

    class CallbackSupportMixin:
        """Stand-in without ``set_callbacks`` (scikit-learn < 1.9)."""


def public_attributes(estimator):
    """The fitted attributes of ``estimator`` (public names ending in ``_``)."""
    return {
        name: value
        for name, value in vars(estimator).items()
        if name.endswith("_") and not name.startswith("_")
    }


class TaskTree:
    """The task tree of one fit, reported to the estimator's callbacks.

    A no-op when no callback is set (or scikit-learn has none). A hook that
    returns True asks to stop: ``leaf`` and ``end_step`` pass that on, and
    the caller decides what stops (the self-tuners: a leaf stops its step,
    a step the search).

    Parameters
    ----------
    estimator : estimator instance
        The estimator being fitted (with ``CallbackSupportMixin``).
    n_steps : int
        Planned number of steps, the root task's ``max_subtasks``.
    """

    def __init__(self, estimator, n_steps):
        self.estimator = estimator
        init = getattr(estimator, "_init_callback_context", None)
        if init is None or not getattr(estimator, "_skl_callbacks", None):
            self.context = None  # no callbacks: no task tree to build
        else:
            self.context = init(max_subtasks=n_steps)
        self.step = None
        self._call("begin", self.context)

    def _call(self, hook, context, **kwargs):
        if context is None:
            return False
        method = getattr(context, f"call_on_fit_task_{hook}")
        return bool(method(estimator=self.estimator, **kwargs))

    def begin_step(self, name, n_leaves):
        """Start a step of at most ``n_leaves`` leaves (None: not known)."""
        if self.context is not None:
            self.step = self.context.subcontext(task_name=name, max_subtasks=n_leaves)
        self._call("begin", self.step)

    def leaf(self, name, **kwargs):
        """Report one leaf of the current step, done; True: stop asked."""
        if self.step is None:
            return False
        leaf = self.step.subcontext(task_name=name)
        self._call("begin", leaf)
        return self._call("end", leaf, **kwargs)

    def end_step(self, **kwargs):
        """End the current step; True: a callback asked to stop."""
        stop = self._call("end", self.step, **kwargs)
        self.step = None
        return stop

    @contextmanager
    def subtask(self, name, estimator):
        """A task in which ``estimator`` is fitted, with the callbacks that
        propagate passed on to it (as GridSearchCV's refit)."""
        if self.context is None:
            yield
            return
        task = self.context.subcontext(task_name=name)
        with task.propagate_callback_context(estimator):
            self._call("begin", task)
            yield
            self._call("end", task)

    def end(self, **kwargs):
        """End the fit's task (``X``, ``y``, ``reconstruction_attributes``...
        for the callbacks that score the fitted estimator)."""
        self._call("end", self.context, **kwargs)
