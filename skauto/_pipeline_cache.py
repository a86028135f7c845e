"""A pipeline's ``memory`` for the fold fits of a search: each fold fits a
pipeline's leading transformers once, not once per candidate.

GridSearchCV over ``make_pipeline(StandardScaler(), LogisticRegression())``
and a grid of ``C`` fits the same scaler on the same training fold for every
candidate. scikit-learn's remedy is the pipeline's ``memory`` (a
``joblib.Memory`` that caches each transformer's ``fit_transform`` on disk,
hashing its inputs); :class:`FoldMemory` is an object with the same interface
that the search gives the pipelines of one training fold: it keeps the fitted
transformers and their outputs in memory and knows its input without hashing
it, so that on small data, where a fit costs milliseconds, the saving is not
spent on hashing.

A step is answered from the cache only when the result cannot differ from a
fresh fit: the same transformer (``joblib.hash`` of the unfitted clone: its
class and parameters, ``random_state`` included) after the same earlier steps
on the same training fold, with no metadata routed to it, and no
``random_state=None`` in its parameters (a fresh fit would draw other random
numbers). Everything else is fitted as usual. The results are those of the
pipelines fitted without it.
"""

import threading
import weakref
from collections import OrderedDict

import joblib
import numpy as np
from scipy.sparse import issparse
from sklearn.pipeline import Pipeline

# The cached outputs of one search hold at most this many bytes in all (the
# least recently used go first): the transformed training folds of a few
# prefixes, not of every candidate.
CACHE_BYTES = 2**28

_ROOT = ("input",)  # the key of the training fold, the pipelines' input


class FoldMemory:
    """The ``memory`` of the pipelines fitted on one training fold.

    The training fold is announced (:meth:`remember_input`) before a
    pipeline is fitted on it, and each output this cache returns is
    remembered (weakly) with the key of the steps that made it, so that a
    step's input is recognized by identity, without hashing; an input it
    does not know is not cached. Pickling (to a joblib worker process) gives
    an empty cache.
    """

    def __init__(self, max_bytes=CACHE_BYTES):
        self.max_bytes = max_bytes
        self._entries = OrderedDict()  # key -> (Xt, fitted transformer, nbytes)
        self._origin = {}  # id(Xt) -> (weak reference to Xt, key or None)
        self._nbytes = 0
        self._lock = threading.Lock()
        self.hits = 0

    def __reduce__(self):
        return type(self), (self.max_bytes,)

    def cache(self, func, ignore=None):
        """joblib.Memory's interface: ``func`` with its results cached."""

        def cached(transformer, X, y, **kwargs):
            key = self._key(transformer, X, kwargs.get("params"))
            hit = None if key is None else self._lookup(key)
            if hit is not None:
                return hit
            Xt, fitted = func(transformer, X, y, **kwargs)
            self._store(key, Xt, fitted)
            return Xt, fitted

        return cached

    def _key(self, transformer, X, params):
        """The key of this step's result, or None when it is not cached."""
        with self._lock:
            ref, parent = self._origin.get(id(X), (None, None))
        if parent is None or ref() is not X:  # unknown, or made by an uncached step
            return None
        if params and any(params.values()):  # metadata routed to the step
            return None
        if _unseeded(transformer):
            return None
        return parent, joblib.hash(transformer)

    def _lookup(self, key):
        """A copy of the cached output (the next steps may change their input
        in place) and the fitted transformer, or None."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            self._entries.move_to_end(key)
            self.hits += 1
        Xt = entry[0].copy()
        self._remember(Xt, key)
        return Xt, entry[1]

    def _store(self, key, Xt, fitted):
        """Keep a copy of ``Xt``, within the byte budget; remember its key."""
        size = _nbytes(Xt)
        if key is None or size is None or size > self.max_bytes:
            self._remember(Xt, None)  # the next steps are not cached either
            return
        if not self._remember(Xt, key):
            return
        with self._lock:
            self._entries[key] = (Xt.copy(), fitted, size)
            self._nbytes += size
            while self._nbytes > self.max_bytes:
                _, (_, _, freed) = self._entries.popitem(last=False)
                self._nbytes -= freed

    def remember_input(self, X):
        """Announce ``X``, the training fold, as the input of a pipeline fit."""
        self._remember(X, _ROOT)

    def _remember(self, Xt, key):
        """Note that ``Xt`` is the output of the steps ``key`` (None: not
        cached); False when ``Xt`` cannot be referenced weakly."""
        with self._lock:
            dead = [i for i, (ref, _) in self._origin.items() if ref() is None]
            for i in dead:
                del self._origin[i]
            try:
                self._origin[id(Xt)] = (weakref.ref(Xt), key)
            except TypeError:
                return False
        return True


def _unseeded(estimator):
    """Whether a parameter ``random_state`` (nested ones too) is None."""
    params = estimator.get_params(deep=True) if hasattr(estimator, "get_params") else {}
    return any(
        (name == "random_state" or name.endswith("__random_state")) and value is None
        for name, value in params.items()
    )


def _nbytes(X):
    """Bytes held by an array, sparse matrix or dataframe; None if unknown."""
    if isinstance(X, np.ndarray):
        return X.nbytes
    if issparse(X):
        return sum(
            getattr(X, name).nbytes
            for name in ("data", "indices", "indptr", "row", "col", "offsets")
            if hasattr(X, name)
        )
    usage = getattr(X, "memory_usage", None)  # pandas
    if callable(usage):
        try:
            return int(usage(index=True).sum())
        except (TypeError, ValueError):
            return None
    return None


def cacheable(estimator, candidates):
    """Whether the fold fits of ``estimator`` can get a :class:`FoldMemory`:
    a pipeline of more than one step whose ``memory`` is None and set by no
    candidate (the user's own memory is kept)."""
    if not isinstance(estimator, Pipeline) or len(estimator.steps) < 2:
        return False
    if estimator.memory is not None:
        return False
    return not any("memory" in params for params in candidates)
