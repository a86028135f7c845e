"""scikit-learn's callbacks (``set_callbacks``, scikit-learn >= 1.9) told
about a fit's tasks.

Every search of skauto has the same task tree: the fit; optionally one
*group* task (the "search" of scikit-learn's searches); one task per step
(a rung of the halving, or the self-tuners' last stage), each holding one
leaf per unit of work (a fold's fit in AutoSearchCV, a validation check in
the self-tuning networks); and, in AutoSearchCV, the refit. AutoSearchCV's
leaves are begun and ended by the worker that fits the fold
(:class:`LeafHooks`), with the callbacks propagated to the fold's
estimator, as in scikit-learn's searches.
"""

from contextlib import ExitStack, contextmanager

from ._compat import init_callback_context

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

    def __init__(self, estimator, n_steps, **kwargs):
        self.estimator = estimator
        # None without callbacks: no task tree to build
        self.context = init_callback_context(estimator, n_steps)
        self.group = self.step = None
        self._n_leaves = 0
        self._call("begin", self.context, **kwargs)

    @property
    def active(self):
        """Whether any callback listens."""
        return self.context is not None

    def begin_group(self, name, n_subtasks, parallel=True):
        """Start the task that holds the steps (or, ``parallel``, the leaves
        directly)."""
        if self.context is not None:
            self.group = self.context.subcontext(
                task_name=name,
                max_subtasks=n_subtasks,
                sequential_subtasks=not parallel,
            )
        self._n_leaves = 0
        self._call("begin", self.group)

    def end_group(self):
        stop = self._call("end", self.group)
        self.group = None
        return stop

    def leaf_context(self, name):
        """A leaf of the current step (or group), not begun: the worker's."""
        parent = self.step if self.step is not None else self.group
        if parent is None:
            return None
        self._n_leaves += 1  # the fits of a step run in parallel: numbered
        return parent.subcontext(task_name=name, task_id=self._n_leaves)

    def _call(self, hook, context, **kwargs):
        if context is None:
            return False
        method = getattr(context, f"call_on_fit_task_{hook}")
        return bool(method(estimator=self.estimator, **kwargs))

    def begin_step(self, name, n_leaves, parallel=False):
        """Start a step of at most ``n_leaves`` leaves (None: not known);
        ``parallel``: its leaves may run at the same time (numbered)."""
        parent = self.group if self.group is not None else self.context
        if parent is not None:
            self.step = parent.subcontext(
                task_name=name, max_subtasks=n_leaves, sequential_subtasks=not parallel
            )
        self._n_leaves = 0
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
    def subtask(self, name, estimator, **kwargs):
        """A task in which ``estimator`` is fitted, with the callbacks that
        propagate passed on to it (as GridSearchCV's refit); ``kwargs`` (X,
        y, metadata) go to its hooks."""
        if self.context is None:
            yield
            return
        task = self.context.subcontext(task_name=name)
        with task.propagate_callback_context(estimator):
            self._call("begin", task, **kwargs)
            yield
        self._call("end", task, **kwargs)

    def end(self, **kwargs):
        """End the fit's task (``X``, ``y``, ``reconstruction_attributes``...
        for the callbacks that score the fitted estimator)."""
        self._call("end", self.context, **kwargs)


class LeafHooks:
    """In a worker: the hooks of one leaf (a fold's fit) of AutoSearchCV.

    ``begin`` calls the leaf's begin hook and propagates the callbacks to
    the fold's estimator until ``fitted``; ``end`` calls the end hook (also
    after a failed fit), as scikit-learn's ``_fit_and_score`` does. A no-op
    without a context.
    """

    def __init__(self, context, caller, estimator):
        self.context, self.caller, self.estimator = context, caller, estimator
        self._stack = ExitStack()
        self._kwargs = None

    def begin(self, X, y, metadata):
        if self.context is None:
            return
        self._kwargs = dict(estimator=self.caller, X=X, y=y, metadata=metadata)
        self._stack.enter_context(
            self.context.propagate_callback_context(self.estimator)
        )
        self.context.call_on_fit_task_begin(**self._kwargs)

    def fitted(self):
        self._stack.close()

    def end(self):
        self.fitted()
        if self._kwargs is not None:
            self.context.call_on_fit_task_end(**self._kwargs)
            self._kwargs = None
