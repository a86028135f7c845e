"""The search picture, checked on the artists it draws."""

import math
import warnings

import numpy as np
import pytest
from sklearn.exceptions import ConvergenceWarning

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from skauto._results import best_index, build_cv_results  # noqa: E402
from skauto._schedule import Hyperband, SuccessiveHalving  # noqa: E402
from skauto.plotting import SearchBudgetDisplay  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def fake_search(schedule, n_splits=1, metrics=("score",), fail=()):
    """Run a schedule with fake scores; return cv_results in skauto's schema.

    Candidate c at budget r scores ``1 - 1 / (r * (c + 1)) ** 0.5`` per split
    (higher ids and budgets score better); candidates in ``fail`` diverge.
    """
    records = []
    while jobs := schedule.ask():
        scores = {}
        for job in jobs:
            value = 1 - 1 / math.sqrt(job.n_resources * (job.candidate + 1))
            status = "ok"
            if job.candidate in fail:
                value, status = -math.inf, "diverged"
            scores[job.candidate] = value
            records.append(
                {
                    "candidate": job.candidate,
                    "bracket": job.bracket,
                    "iter": job.iter,
                    "n_resources": job.n_resources,
                    "params": {"alpha": 10.0**-job.candidate, "depth": job.bracket},
                    "status": status,
                    "test_scores": {m: [value] * n_splits for m in metrics},
                    "train_scores": None,
                    "fit_time": [0.1] * n_splits,
                    "score_time": [0.01] * n_splits,
                }
            )
        schedule.tell(scores)
    return build_cv_results(records, list(metrics), n_splits)


def candidate_lines(ax):
    return [line for line in ax.get_lines() if line.get_label().startswith("cand")]


def test_successive_halving_picture():
    cv_results = fake_search(SuccessiveHalving(9, 1, 9, 3))
    display = SearchBudgetDisplay.from_cv_results(
        cv_results, best_index=best_index(cv_results)
    )
    ax = display.ax_
    assert list(display.axes_) == [ax]
    assert display.figure_ is ax.figure
    assert len(display.lines_) == 9
    assert len(candidate_lines(ax)) == 9
    assert [line.get_label() for line in display.lines_] == [
        f"candidate {c}" for c in range(9)
    ]
    assert ax.get_xscale() == "log"
    assert ax.get_xlabel() == "Budget (n_resources, log scale)"
    assert ax.get_ylabel() == "Validation score"
    assert [t.get_text() for t in ax.get_xticklabels()] == [
        "1\n9 cand.",
        "3\n3 cand.",
        "9\n1 cand.",
    ]
    # The best candidate (8) went through every rung; its line has 3 points.
    assert display.lines_[8].get_xydata()[:, 0].tolist() == [1, 3, 9]
    assert len(display.lines_[0].get_xydata()) == 1
    assert display.winner_.get_marker() == "*"
    x, y = display.winner_.get_xydata()[0]
    assert x == 9 and y == pytest.approx(1 - 1 / math.sqrt(81))
    assert display.failed_ == []


def test_survivors_are_highlighted():
    display = SearchBudgetDisplay.from_cv_results(
        fake_search(SuccessiveHalving(9, 1, 9, 3))
    )
    widths = [line.get_linewidth() for line in display.lines_]
    assert widths.count(2) == 1  # only candidate 8 reached budget 9
    assert display.lines_[8].get_linewidth() == 2
    assert display.lines_[8].get_alpha() == 1.0
    assert display.lines_[0].get_alpha() < 1.0
    legend = [t.get_text() for t in display.ax_.get_legend().get_texts()]
    assert legend == [
        "reached the last rung (1)",
        "stopped early (8)",
        "best (candidate 8)",
        "score below the axis (1)",  # candidate 0 scores 0, far below the rest
    ]


def test_zoom_on_the_bulk_of_the_scores():
    cv_results = fake_search(SuccessiveHalving(9, 1, 9, 3))
    scores = cv_results["mean_test_score"]
    display = SearchBudgetDisplay.from_cv_results(cv_results, zoom=False)
    assert display.ax_.get_ylim()[0] <= scores.min()
    assert display.below_ == []
    display = SearchBudgetDisplay.from_cv_results(cv_results)
    low, high = display.ax_.get_ylim()
    assert scores.min() < low < np.sort(scores)[1] and high > scores.max()
    (triangles,) = display.below_
    assert triangles.get_marker() == "v"
    assert triangles.get_xdata().tolist() == [1]
    # The line keeps the true score; only the view is zoomed.
    assert display.lines_[0].get_ydata().tolist() == [0.0]


def test_hyperband_one_panel_per_bracket():
    schedule = Hyperband(1, 27, 3)
    cv_results = fake_search(schedule)
    display = SearchBudgetDisplay.from_cv_results(cv_results)
    assert len(display.axes_) == 4
    titles = [ax.get_title() for ax in display.axes_]
    assert titles == [f"bracket {b}" for b in range(4)]
    assert len(display.lines_) == schedule.n_candidates
    per_panel = [len(candidate_lines(ax)) for ax in display.axes_]
    assert per_panel == [b.plan()[0].n_candidates for b in schedule.brackets]
    assert all(ax.get_xscale() == "log" for ax in display.axes_)
    # The winner is the best row at the top budget, drawn in its bracket's panel.
    best = best_index(cv_results)
    assert display.ax_ is display.axes_[cv_results["bracket"][best]]
    assert display.winner_.axes is display.ax_
    # Only the winner's panel has a legend.
    assert [ax.get_legend() is not None for ax in display.axes_].count(True) == 1


def test_hyperband_on_one_axes_colors_brackets():
    cv_results = fake_search(Hyperband(1, 9, 3))
    fig, ax = plt.subplots()
    display = SearchBudgetDisplay.from_cv_results(cv_results, ax=ax)
    assert display.ax_ is ax and display.figure_ is fig
    colors = {}
    for c, line in zip(display.candidates_, display.lines_, strict=True):
        bracket = cv_results["bracket"][cv_results["candidate"] == c][0]
        colors.setdefault(bracket, set()).add(line.get_color())
    assert colors == {0: {"C0"}, 1: {"C1"}, 2: {"C2"}}


def test_array_of_axes_must_match_brackets():
    cv_results = fake_search(Hyperband(1, 9, 3))
    fig, axes = plt.subplots(1, 3)
    display = SearchBudgetDisplay.from_cv_results(cv_results, ax=axes)
    assert list(display.axes_) == list(axes)
    with pytest.raises(ValueError, match="ax has 2 Axes but the search has 3"):
        SearchBudgetDisplay.from_cv_results(cv_results, ax=axes[:2])


def test_failed_rows_drawn_as_crosses():
    cv_results = fake_search(SuccessiveHalving(9, 1, 9, 3), fail={7, 8})
    cv_results["mean_test_score"][0] = np.nan  # a NaN score with status "ok"
    display = SearchBudgetDisplay.from_cv_results(cv_results)
    (crosses,) = display.failed_
    assert crosses.get_marker() == "x"
    assert sorted(crosses.get_xdata()) == [1, 1, 1]
    # Lines only hold finite scores; every candidate still has its line.
    assert len(display.lines_) == 9
    assert len(display.lines_[7].get_xydata()) == 0
    for line in display.lines_:
        assert np.isfinite(line.get_ydata()).all()
    assert np.isfinite(display.ax_.get_ylim()).all()
    legend = [t.get_text() for t in display.ax_.get_legend().get_texts()]
    assert legend[-1] == "failed or diverged (3)"
    assert display.winner_.get_label() == "best (candidate 6)"


def test_all_failed_does_not_crash():
    cv_results = fake_search(SuccessiveHalving(3, 1, 3, 3), fail={0, 1, 2})
    display = SearchBudgetDisplay.from_cv_results(cv_results)
    assert display.winner_ is None
    assert len(display.lines_) == 3
    assert len(display.failed_) == 1


def test_multimetric_needs_metric():
    cv_results = fake_search(
        SuccessiveHalving(3, 1, 3, 3), n_splits=3, metrics=("r2", "neg_mse")
    )
    with pytest.raises(ValueError, match="several metrics"):
        SearchBudgetDisplay.from_cv_results(cv_results)
    with pytest.raises(ValueError, match="metric='mae' is not in cv_results"):
        SearchBudgetDisplay.from_cv_results(cv_results, metric="mae")
    display = SearchBudgetDisplay.from_cv_results(cv_results, metric="r2")
    assert display.ax_.get_ylabel() == "Mean 3-fold CV score (r2)"


def test_from_estimator_uses_refit_metric_and_best_index():
    cv_results = fake_search(
        SuccessiveHalving(9, 1, 9, 3), n_splits=2, metrics=("r2", "neg_mse")
    )

    class FittedSearch:
        refit = "neg_mse"
        resource = "max_iter"
        best_index_ = 3  # an arbitrary row: the display marks what it is told

    search = FittedSearch()
    search.cv_results_ = cv_results
    display = SearchBudgetDisplay.from_estimator(search)
    assert display.ax_.get_ylabel() == "Mean 2-fold CV score (neg_mse)"
    assert display.ax_.get_xlabel() == "Budget (max_iter, log scale)"
    assert display.winner_.get_xydata().tolist() == [
        [cv_results["n_resources"][3], cv_results["mean_test_neg_mse"][3]]
    ]


def test_from_estimator_unfitted():
    with pytest.raises(ValueError, match="no cv_results_"):
        SearchBudgetDisplay.from_estimator(object())


def test_missing_budget_column():
    with pytest.raises(ValueError, match="no 'n_resources' column"):
        SearchBudgetDisplay.from_cv_results({"mean_test_score": [0.1], "params": [{}]})


def test_dataframe_and_inferred_candidates():
    pd = pytest.importorskip("pandas")
    cv_results = fake_search(SuccessiveHalving(9, 1, 9, 3))
    frame = pd.DataFrame(cv_results).drop(columns=["candidate", "bracket", "status"])
    display = SearchBudgetDisplay.from_cv_results(frame)
    assert len(display.lines_) == 9
    assert display.lines_[8].get_xydata()[:, 0].tolist() == [1, 3, 9]


def test_sklearn_halving_search():
    from scipy.stats import loguniform
    from sklearn.datasets import make_regression
    from sklearn.experimental import enable_halving_search_cv  # noqa: F401
    from sklearn.linear_model import Ridge
    from sklearn.model_selection import HalvingRandomSearchCV

    X, y = make_regression(n_samples=120, noise=10, random_state=0)
    search = HalvingRandomSearchCV(
        Ridge(), {"alpha": loguniform(1e-3, 1e3)}, random_state=0
    ).fit(X, y)
    display = SearchBudgetDisplay.from_estimator(search)
    assert len(display.lines_) == search.n_candidates_[0]
    assert display.ax_.get_xlabel() == "Budget (n_samples, log scale)"
    x, _ = display.winner_.get_xydata()[0]
    assert x == search.n_resources_[-1]


def test_self_tuning_regressor():
    from sklearn.datasets import make_friedman1

    from skauto.neural_network import SelfTuningMLPRegressor

    X, y = make_friedman1(n_samples=300, random_state=0)
    reg = SelfTuningMLPRegressor(n_candidates=9, max_epochs=9, random_state=0)
    reg.fit(X, y)
    display = SearchBudgetDisplay.from_estimator(reg)
    results = reg.cv_results_
    assert len(display.lines_) == len(set(results["candidate"])) == 9
    assert display.ax_.get_xscale() == "log"
    assert display.ax_.get_ylabel() == "Mean 4-fold CV score"  # cv="auto"
    x, y_best = display.winner_.get_xydata()[0]
    assert x == results["n_resources"][reg.best_index_]
    assert y_best == pytest.approx(results["mean_test_score"][reg.best_index_])
    ticks = [t.get_text().split("\n")[1] for t in display.ax_.get_xticklabels()]
    # the halving stages, one budget each; in the last stage each survivor
    # stops when its validation score stops improving (its own budget)
    halving = reg.n_candidates_[:-1]
    assert ticks[: len(halving)] == [f"{n} cand." for n in halving]


def test_auto_search_cv_hyperband_multimetric():
    from scipy.stats import loguniform
    from sklearn.datasets import make_regression
    from sklearn.linear_model import SGDRegressor

    from skauto.model_selection import AutoSearchCV

    X, y = make_regression(n_samples=150, n_features=5, noise=5, random_state=0)
    search = AutoSearchCV(
        SGDRegressor(random_state=0),
        {"alpha": loguniform(1e-5, 1e-1), "eta0": loguniform(1e-3, 1e-1)},
        resource="max_iter",
        max_resources=9,
        n_brackets="auto",
        scoring={"r2": "r2", "mae": "neg_mean_absolute_error"},
        refit="r2",
        cv=3,
        random_state=0,
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        search.fit(X, y)
    display = SearchBudgetDisplay.from_estimator(search)
    results = search.cv_results_
    n_brackets = len(set(results["bracket"]))
    assert n_brackets == search.n_brackets_ > 1
    assert len(display.axes_) == n_brackets
    assert len(display.lines_) == len(set(results["candidate"]))
    assert display.ax_.get_ylabel() == "Mean 3-fold CV score (r2)"
    assert display.ax_.get_xlabel() == "Budget (max_iter, log scale)"
    assert display.winner_.get_xydata().tolist() == [
        [results["n_resources"][search.best_index_], search.best_score_]
    ]
    other = SearchBudgetDisplay.from_estimator(search, metric="mae")
    assert other.axes_[0].get_ylabel() == "Mean 3-fold CV score (mae)"
