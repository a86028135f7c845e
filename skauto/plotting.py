"""Pictures of a search: how successive halving spent its budget.

matplotlib is imported only when something is drawn, so that importing this
module stays cheap; install it with the ``plot`` extra
(``pip install "skauto[plot]"``).
"""

import math

import numpy as np

__all__ = ["SearchBudgetDisplay"]

_EDGE_Y = 0.03  # height of the markers on the bottom edge, in axes coordinates


class SearchBudgetDisplay:
    """Validation score of every candidate against the budget it received.

    One line per candidate joins its scores rung by rung, on a logarithmic
    budget axis. Candidates that reached the last rung of their bracket are
    drawn bold, those stopped early faint, the selected candidate is marked
    with a star, and evaluations that failed or diverged (``status`` other
    than ``"ok"``, or a score that is not finite) with a cross at the bottom
    of the panel. Scores far below the others are drawn as triangles on the
    bottom edge, so that the score axis shows the race among the good
    candidates (see ``zoom`` in :meth:`plot`). With several Hyperband
    brackets, each bracket gets its own panel, all with the same budget and
    score ranges, unless a single ``ax`` is given, in which case the brackets
    are overlaid and told apart by color.

    It needs only a ``cv_results_`` dict (or DataFrame) with the columns
    ``n_resources`` and ``mean_test_<metric>``, so it serves
    :class:`~skauto.neural_network.SelfTuningMLPRegressor`,
    :class:`~skauto.model_selection.AutoSearchCV` and scikit-learn's halving
    searches alike. Build it with :meth:`from_estimator` or
    :meth:`from_cv_results`; the constructor takes data already extracted.

    Parameters
    ----------
    candidate : ndarray of shape (n_rows,)
        Candidate id of each row of ``cv_results_``.
    n_resources : ndarray of shape (n_rows,)
        Budget each row received.
    score : ndarray of shape (n_rows,)
        Validation score of each row (higher is better).
    bracket : ndarray of shape (n_rows,), default=None
        Bracket of each row; None means a single bracket.
    status : ndarray of shape (n_rows,), default=None
        ``"ok"`` for a successful evaluation; anything else is drawn as a
        failure. None means every row is ``"ok"``.
    best_index : int, default=None
        Row of the selected candidate, marked with a star; None marks nothing.
    score_name : str, default="Validation score"
        Label of the score axis.
    resource_name : str, default="n_resources"
        Name of the budget, shown on the budget axis.

    Attributes
    ----------
    candidates_ : ndarray of shape (n_candidates,)
        Candidate ids, in the order of ``lines_``.
    lines_ : ndarray of matplotlib Line2D, shape (n_candidates,)
        One line per candidate, labelled ``"candidate <id>"``.
    winner_ : matplotlib Line2D or None
        The star on the selected candidate.
    failed_ : list of matplotlib Line2D
        The crosses of failed evaluations, one artist per panel that has any.
    below_ : list of matplotlib Line2D
        The triangles of scores below the score axis (see ``zoom`` in
        :meth:`plot`), one artist per panel that has any.
    axes_ : ndarray of matplotlib Axes, shape (n_panels,)
        One panel per bracket, or a single panel.
    ax_ : matplotlib Axes
        The panel holding the selected candidate (the only panel if there is
        one, the first if nothing is selected).
    figure_ : matplotlib Figure
        The figure holding the panels.

    See Also
    --------
    skauto.model_selection.AutoSearchCV : A successive-halving search over
        any estimator.
    skauto.neural_network.SelfTuningMLPRegressor : An MLP that tunes its own
        epochs, learning rate and hidden size.
    sklearn.model_selection.LearningCurveDisplay : Score against the number
        of training samples for one estimator.

    Examples
    --------
    >>> import matplotlib.pyplot as plt
    >>> from skauto.plotting import SearchBudgetDisplay
    >>> cv_results = {  # three candidates on budget 1, the best one on 3
    ...     "candidate": [0, 1, 2, 1],
    ...     "n_resources": [1, 1, 1, 3],
    ...     "mean_test_score": [0.5, 0.7, 0.6, 0.8],
    ... }
    >>> display = SearchBudgetDisplay.from_cv_results(cv_results)
    >>> [line.get_label() for line in display.lines_]
    ['candidate 0', 'candidate 1', 'candidate 2']
    >>> display.ax_.get_xscale()
    'log'
    >>> display.winner_.get_xydata().tolist()
    [[3.0, 0.8]]
    >>> plt.close(display.figure_)
    """

    def __init__(
        self,
        *,
        candidate,
        n_resources,
        score,
        bracket=None,
        status=None,
        best_index=None,
        score_name="Validation score",
        resource_name="n_resources",
    ):
        self.candidate = candidate
        self.n_resources = n_resources
        self.score = score
        self.bracket = bracket
        self.status = status
        self.best_index = best_index
        self.score_name = score_name
        self.resource_name = resource_name

    @classmethod
    def from_cv_results(
        cls,
        cv_results,
        best_index=None,
        *,
        metric=None,
        ax=None,
        score_name=None,
        resource_name="n_resources",
        zoom=True,
    ):
        """Plot a search from its ``cv_results_``.

        Parameters
        ----------
        cv_results : dict of array-like or pandas.DataFrame
            The per-rung results of a search (``cv_results_``;
            ``rung_results_`` of AutoSearchCV). Needs ``n_resources`` and
            ``mean_test_<metric>``; uses ``candidate``, ``bracket`` and
            ``status`` when present. Without ``candidate``, rows with equal
            ``params`` (in the same bracket) are taken as one candidate, which
            reads scikit-learn's ``HalvingGridSearchCV`` and
            ``HalvingRandomSearchCV`` results.
        best_index : int, default=None
            Row to mark as the winner. None picks the best finite score among
            the rows with the highest budget.
        metric : str, default=None
            Which ``mean_test_<metric>`` to draw. None means ``"score"``, or
            the only metric there is; it is required for several metrics.
        ax : matplotlib Axes or array of Axes, default=None
            Where to draw; see :meth:`plot`.
        score_name : str, default=None
            Label of the score axis. None derives it from the metric and the
            number of splits.
        resource_name : str, default="n_resources"
            Name of the budget, shown on the budget axis.
        zoom : bool, default=True
            Fit the score axis to the bulk of the scores; see :meth:`plot`.

        Returns
        -------
        display : SearchBudgetDisplay
            The display, with the plot drawn.

        See Also
        --------
        SearchBudgetDisplay.from_estimator : Plot a fitted search.

        Examples
        --------
        >>> import matplotlib.pyplot as plt
        >>> from skauto.plotting import SearchBudgetDisplay
        >>> cv_results = {
        ...     "candidate": [0, 1, 1],
        ...     "n_resources": [10, 10, 30],
        ...     "mean_test_r2": [0.2, 0.4, 0.6],
        ... }
        >>> display = SearchBudgetDisplay.from_cv_results(cv_results)
        >>> display.ax_.get_ylabel()
        'Validation score (r2)'
        >>> plt.close(display.figure_)
        """
        metric = _resolve_metric(cv_results, metric)
        score = np.asarray(cv_results[f"mean_test_{metric}"], dtype=float)
        n_resources = _required_column(cv_results, "n_resources").astype(float)
        bracket = _optional_column(cv_results, "bracket", 0)
        status = _optional_column(cv_results, "status", "ok")
        candidate = _candidate_ids(cv_results, bracket)
        if best_index is None:
            best_index = _default_best_index(n_resources, score, status)
        if score_name is None:
            score_name = _score_name(cv_results, metric)
        display = cls(
            candidate=candidate,
            n_resources=n_resources,
            score=score,
            bracket=bracket,
            status=status,
            best_index=best_index,
            score_name=score_name,
            resource_name=resource_name,
        )
        return display.plot(ax=ax, zoom=zoom)

    @classmethod
    def from_estimator(
        cls,
        estimator,
        *,
        metric=None,
        ax=None,
        score_name=None,
        resource_name=None,
        zoom=True,
    ):
        """Plot the search of a fitted estimator.

        Parameters
        ----------
        estimator : estimator with ``cv_results_``
            A fitted :class:`~skauto.model_selection.AutoSearchCV`,
            :class:`~skauto.neural_network.SelfTuningMLPRegressor`, or
            scikit-learn halving search. Its ``best_index_`` is marked
            (AutoSearchCV: its ``rung_results_`` are drawn).
        metric : str, default=None
            Which ``mean_test_<metric>`` to draw. None means the metric the
            estimator refits on (``refit``) when there are several.
        ax : matplotlib Axes or array of Axes, default=None
            Where to draw; see :meth:`plot`.
        score_name : str, default=None
            Label of the score axis. None derives it from the metric and the
            number of splits.
        resource_name : str, default=None
            Name of the budget. None uses the estimator's ``resource_`` or
            ``resource`` when it names one, else ``"n_resources"``.
        zoom : bool, default=True
            Fit the score axis to the bulk of the scores; see :meth:`plot`.

        Returns
        -------
        display : SearchBudgetDisplay
            The display, with the plot drawn.

        See Also
        --------
        SearchBudgetDisplay.from_cv_results : Plot from ``cv_results_``.

        Examples
        --------
        >>> import matplotlib.pyplot as plt
        >>> from scipy.stats import loguniform
        >>> from sklearn.datasets import make_regression
        >>> from sklearn.linear_model import Ridge
        >>> from skauto.model_selection import AutoSearchCV
        >>> from skauto.plotting import SearchBudgetDisplay
        >>> X, y = make_regression(n_samples=300, noise=10, random_state=0)
        >>> search = AutoSearchCV(
        ...     Ridge(), {"alpha": loguniform(1e-3, 1e3)}, cv=3, random_state=0
        ... ).fit(X, y)
        >>> display = SearchBudgetDisplay.from_estimator(search)
        >>> len(display.lines_) == search.n_candidates_[0]
        True
        >>> display.ax_.get_xlabel()
        'Budget (n_samples, log scale)'
        >>> plt.close(display.figure_)
        """
        if not hasattr(estimator, "cv_results_"):
            raise ValueError(
                f"{type(estimator).__name__} has no cv_results_: fit it first, "
                "or pass a search that records one"
            )
        cv_results, best = _per_rung(estimator)
        if metric is None and not _has_metric(cv_results, "score"):
            refit = getattr(estimator, "refit", None)
            metric = refit if isinstance(refit, str) else None
        if resource_name is None:
            resource_name = _resource_name(estimator)
        return cls.from_cv_results(
            cv_results,
            best,
            metric=metric,
            ax=ax,
            score_name=score_name,
            resource_name=resource_name,
            zoom=zoom,
        )

    def plot(self, ax=None, *, zoom=True, legend=True):
        """Draw the display.

        Parameters
        ----------
        ax : matplotlib Axes or array of Axes, default=None
            None makes a new figure with one panel per bracket. One Axes
            draws every bracket there, colored by bracket. An array of Axes
            needs one per bracket, in bracket order.
        zoom : bool, default=True
            Fit the score axis to the bulk of the scores: scores far below the
            others (under the first quartile minus 1.5 times the interquartile
            range, typically candidates that started badly) are drawn as
            triangles on the bottom edge instead of stretching the axis.
            False shows every score at its place.
        legend : bool, default=True
            Whether to add a legend to the panel of the selected candidate.

        Returns
        -------
        display : SearchBudgetDisplay
            The display, with ``ax_``, ``axes_``, ``figure_``, ``lines_``,
            ``winner_``, ``failed_`` and ``below_`` set.

        See Also
        --------
        SearchBudgetDisplay.from_estimator : Build and draw from a search.

        Examples
        --------
        >>> import matplotlib.pyplot as plt
        >>> from skauto.plotting import SearchBudgetDisplay
        >>> display = SearchBudgetDisplay(
        ...     candidate=[0, 1, 1], n_resources=[1, 1, 3], score=[0.1, 0.3, 0.4]
        ... )
        >>> fig, ax = plt.subplots()
        >>> display.plot(ax=ax).ax_ is ax
        True
        >>> plt.close(fig)
        """
        rows = _Rows(self)
        self.axes_, panel_of = _panels(ax, rows.brackets)
        self.figure_ = self.axes_[0].figure
        self.candidates_ = rows.candidates
        self.lines_ = np.empty(len(rows.candidates), dtype=object)
        for i, c in enumerate(rows.candidates):
            self.lines_[i] = _draw_candidate(panel_of[rows.bracket_of[c]], rows, c)
        self.failed_ = _draw_failures(self.axes_, panel_of, rows)
        self.below_ = _zoom(self.axes_, panel_of, rows) if zoom else []
        self.winner_ = _draw_winner(panel_of, rows, self.best_index)
        self.ax_ = self.winner_.axes if self.winner_ is not None else self.axes_[0]
        xlim = _budget_limits(rows.n_resources)
        for panel in self.axes_:
            in_panel = _in_panel(panel, panel_of, rows)
            _decorate(panel, rows, in_panel, xlim)
            _label(panel, self.score_name, self.resource_name)
        if len(self.axes_) > 1:
            for b in rows.brackets:
                panel_of[b].set_title(f"bracket {b}")
        if legend:
            _legend(self.ax_, rows, self.winner_, self.failed_, self.below_)
        return self


class _Rows:
    """The display's columns as arrays, with what the drawing needs."""

    def __init__(self, display):
        self.candidate = np.asarray(display.candidate)
        n = len(self.candidate)
        self.n_resources = np.asarray(display.n_resources, dtype=float)
        self.score = np.asarray(display.score, dtype=float)
        self.bracket = _or_full(display.bracket, n, 0)
        self.status = _or_full(display.status, n, "ok")
        self.ok = (self.status == "ok") & np.isfinite(self.score)
        self.brackets = sorted(set(self.bracket.tolist()))
        self.candidates = np.array(sorted(set(self.candidate.tolist())))
        self.bracket_of = {
            c: b for c, b in zip(self.candidate, self.bracket, strict=True)
        }
        top = {b: self.n_resources[self.bracket == b].max() for b in self.brackets}
        self.survivors = {
            c
            for c, b, r in zip(
                self.candidate, self.bracket, self.n_resources, strict=True
            )
            if r == top[b]
        }


def _or_full(values, n, fill):
    if values is None:
        return np.full(n, fill, dtype=object)
    return np.asarray(values)


def _panels(ax, brackets):
    """Axes per bracket: a new grid, one shared Axes, or the given array."""
    import matplotlib.pyplot as plt

    if ax is None:
        n = len(brackets)
        ncols = 2 if n == 4 else min(n, 3)
        nrows = math.ceil(n / ncols)
        fig, grid = plt.subplots(
            nrows,
            ncols,
            sharey=True,
            squeeze=False,
            figsize=(6.4 if n == 1 else 4.2 * ncols, 4.4 * nrows),
            layout="constrained",
        )
        grid = grid.ravel()
        for extra in grid[n:]:
            fig.delaxes(extra)
        axes = grid[:n]
    elif hasattr(ax, "plot"):
        axes = np.array([ax], dtype=object)
        return axes, dict.fromkeys(brackets, ax)
    else:
        axes = np.asarray(ax, dtype=object).ravel()
        if len(axes) != len(brackets):
            raise ValueError(
                f"ax has {len(axes)} Axes but the search has {len(brackets)} "
                "brackets: pass one Axes per bracket, a single Axes, or None"
            )
    return axes, dict(zip(brackets, axes, strict=True))


def _color(bracket):
    return f"C{int(bracket) % 10}"


def _draw_candidate(ax, rows, candidate):
    mask = (rows.candidate == candidate) & rows.ok
    order = np.argsort(rows.n_resources[mask], kind="stable")
    survived = candidate in rows.survivors
    (line,) = ax.plot(
        rows.n_resources[mask][order],
        rows.score[mask][order],
        color=_color(rows.bracket_of[candidate]),
        marker="o",
        markersize=5 if survived else 3,
        linewidth=2 if survived else 1,
        alpha=1.0 if survived else 0.35,
        zorder=3 if survived else 2,
        label=f"candidate {candidate}",
    )
    return line


def _in_panel(ax, panel_of, rows):
    """Mask of the rows drawn in ``ax``."""
    return np.array([panel_of[b] is ax for b in rows.bracket], dtype=bool)


def _draw_failures(axes, panel_of, rows):
    return _draw_on_bottom_edge(
        axes, panel_of, rows, ~rows.ok, marker="x", color="black", markersize=7
    )


def _draw_on_bottom_edge(axes, panel_of, rows, mask, **style):
    """One marker per masked row, at its budget, on the bottom edge of its panel."""
    from matplotlib.transforms import blended_transform_factory

    artists = []
    for ax in axes:
        in_ax = _in_panel(ax, panel_of, rows) & mask
        if not in_ax.any():
            continue
        (markers,) = ax.plot(
            rows.n_resources[in_ax],
            np.full(in_ax.sum(), _EDGE_Y),
            transform=blended_transform_factory(ax.transData, ax.transAxes),
            linestyle="none",
            zorder=4,
            **style,
        )
        artists.append(markers)
    return artists


def _zoom(axes, panel_of, rows):
    """Score axis on the bulk of the scores; far lower ones on the bottom edge."""
    scores = rows.score[rows.ok]
    if len(scores) < 4:
        return []
    q1, q3 = np.percentile(scores, [25, 75])
    top = scores.max()
    floor = q1 - 1.5 * (q3 - q1)
    low = floor - 0.08 * ((top - floor) or 1.0)
    if scores.min() >= low:
        return []
    for ax in axes:
        ax.set_ylim(low, top + 0.05 * ((top - floor) or 1.0))
    below = rows.ok & (rows.score < low)
    return _draw_on_bottom_edge(
        axes, panel_of, rows, below, marker="v", color="0.4", markersize=6
    )


def _draw_winner(panel_of, rows, best_index):
    if best_index is None or not rows.ok[best_index]:
        return None
    ax = panel_of[rows.bracket[best_index]]
    (star,) = ax.plot(
        [rows.n_resources[best_index]],
        [rows.score[best_index]],
        linestyle="none",
        marker="*",
        markersize=18,
        markerfacecolor="gold",
        markeredgecolor="black",
        zorder=5,
        label=f"best (candidate {rows.candidate[best_index]})",
    )
    return star


def _budget_limits(n_resources):
    """The same budget range for every panel, so that rungs line up."""
    low, high = np.min(n_resources), np.max(n_resources)
    pad = (high / low) ** 0.08 if high > low else 2.0
    return low / pad, high * pad


def _decorate(ax, rows, in_panel, xlim):
    """Log budget axis with one tick per rung, labelled with its candidates."""
    from matplotlib.ticker import NullFormatter, NullLocator

    budgets = np.unique(rows.n_resources[in_panel])
    counts = [np.sum(in_panel & (rows.n_resources == b)) for b in budgets]
    ax.set_xscale("log")
    ax.xaxis.set_minor_locator(NullLocator())
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xticks(
        budgets,
        [f"{_short(b)}\n{n} cand." for b, n in zip(budgets, counts, strict=True)],
    )
    ax.set_xlim(*xlim)
    ax.grid(True, axis="y", alpha=0.3)


def _short(budget):
    """10372 -> '10.4k', 280044 -> '280k', 54 -> '54'."""
    for unit, size in [("M", 1e6), ("k", 1e4)]:
        if budget >= size:
            scale = 1e6 if unit == "M" else 1e3
            return f"{budget / scale:.3g}{unit}"
    return f"{budget:g}"


def _label(ax, score_name, resource_name):
    """Axis labels; the score label only on the first panel of each row."""
    ax.set_xlabel(f"Budget ({resource_name}, log scale)")
    spec = ax.get_subplotspec()
    if spec is None or spec.is_first_col():
        ax.set_ylabel(score_name)


def _legend(ax, rows, winner, failed, below):
    from matplotlib.lines import Line2D

    def proxy(label, **style):
        return Line2D([], [], label=label, **{"color": "0.3", **style})

    n_survivors = len(rows.survivors)
    n_stopped = len(rows.candidates) - n_survivors
    handles = [
        proxy(f"reached the last rung ({n_survivors})", marker="o", linewidth=2),
        proxy(
            f"stopped early ({n_stopped})",
            marker="o",
            markersize=3,
            linewidth=1,
            alpha=0.35,
        ),
    ]
    if winner is not None:
        handles.append(winner)
    for artists, what, style in [
        (failed, "failed or diverged", {"marker": "x", "color": "black"}),
        (below, "score below the axis", {"marker": "v", "color": "0.4"}),
    ]:
        if artists:
            n = sum(len(a.get_xdata()) for a in artists)
            handles.append(proxy(f"{what} ({n})", linestyle="none", **style))
    ax.legend(handles=handles, loc="lower right", fontsize="small")


def _per_rung(estimator):
    """The per-rung table of a search and the row of its best candidate there.

    AutoSearchCV's ``cv_results_`` has one row per candidate and its
    ``rung_results_`` one per (candidate, rung); other estimators keep every
    rung in ``cv_results_``.
    """
    best = getattr(estimator, "best_index_", None)
    if not hasattr(estimator, "rung_results_"):
        return estimator.cv_results_, best
    rungs = estimator.rung_results_
    if hasattr(estimator, "_best_rung_row"):  # skauto's searches
        return rungs, estimator._best_rung_row
    if best is not None:
        candidate = estimator.cv_results_["candidate"][best]
        rows = np.flatnonzero(rungs["candidate"] == candidate)
        best = int(rows[np.argmax(rungs["iter"][rows])])
    return rungs, best


def _has_metric(cv_results, metric):
    return f"mean_test_{metric}" in cv_results


def _resolve_metric(cv_results, metric):
    metrics = sorted(
        key[len("mean_test_") :] for key in cv_results if key.startswith("mean_test_")
    )
    if not metrics:
        raise ValueError("cv_results has no mean_test_<metric> column")
    if metric is None:
        if "score" in metrics or len(metrics) == 1:
            return "score" if "score" in metrics else metrics[0]
        raise ValueError(
            f"cv_results has several metrics {metrics}: choose one with metric="
        )
    if metric not in metrics:
        raise ValueError(f"metric={metric!r} is not in cv_results; it has {metrics}")
    return metric


def _required_column(cv_results, key):
    if key not in cv_results:
        raise ValueError(
            f"cv_results has no {key!r} column: this display needs the budget "
            "of each row, as recorded by a successive-halving search"
        )
    return np.asarray(cv_results[key])


def _optional_column(cv_results, key, fill):
    if key in cv_results:
        return np.asarray(cv_results[key])
    n = len(cv_results["n_resources"])
    return np.full(n, fill, dtype=object if isinstance(fill, str) else np.int64)


def _candidate_ids(cv_results, bracket):
    """The ``candidate`` column, or ids inferred from equal params per bracket."""
    if "candidate" in cv_results:
        return np.asarray(cv_results["candidate"])
    if "params" not in cv_results:
        raise ValueError("cv_results has neither a 'candidate' nor a 'params' column")
    ids = {}
    keys = [
        (b, repr(sorted(p.items())))
        for b, p in zip(bracket.tolist(), cv_results["params"], strict=True)
    ]
    return np.array([ids.setdefault(key, len(ids)) for key in keys])


def _default_best_index(n_resources, score, status):
    ok = (np.asarray(status) == "ok") & np.isfinite(score)
    if not ok.any():
        return None
    top = n_resources[ok].max()
    rows = np.flatnonzero(ok & (n_resources == top))
    return int(rows[np.argmax(score[rows])])


def _score_name(cv_results, metric):
    n_splits = sum(
        1
        for key in cv_results
        if key.startswith("split") and key.endswith(f"_test_{metric}")
    )
    name = "Validation score" if n_splits <= 1 else f"Mean {n_splits}-fold CV score"
    return name if metric == "score" else f"{name} ({metric})"


def _resource_name(estimator):
    for attr in ["resource_", "resource"]:
        value = getattr(estimator, attr, None)
        if isinstance(value, str) and value != "auto":
            return value
    return "n_resources"
