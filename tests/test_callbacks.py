"""scikit-learn's callbacks (``set_callbacks``, scikit-learn >= 1.9) in
AutoSearchCV and the self-tuning networks."""

import warnings

import numpy as np
import pytest
from sklearn.datasets import make_classification, make_regression
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skauto.model_selection import AutoSearchCV
from skauto.neural_network import SelfTuningMLPClassifier, SelfTuningMLPRegressor

callback = pytest.importorskip("sklearn.callback")

X_REG, Y_REG = make_regression(n_samples=240, n_features=5, noise=10, random_state=0)
X_CLF, Y_CLF = make_classification(n_samples=200, n_features=6, random_state=0)
SMALL = dict(n_candidates=9, max_epochs=9, random_state=0)


class _TaskRecorder:
    """A FitCallback that records the tasks that end; ``stop_at`` names the
    tasks at whose end it asks to stop."""

    def __init__(self, stop_at=()):
        self.stop_at = stop_at
        self.ended, self.torn_down = [], 0

    def setup(self, estimator, context):
        pass

    def teardown(self, estimator, context):
        self.torn_down += 1

    def on_fit_task_begin(self, estimator, context):
        pass

    def on_fit_task_end(self, estimator, context):
        self.ended.append(context.task_name)
        return context.task_name in self.stop_at


def test_search_callbacks_see_the_rungs_and_the_refit():
    recorder = _TaskRecorder()
    monitor = callback.ScoringMonitor(scoring="r2")
    grid = {"alpha": list(np.logspace(-3, 2, 10))}
    search = AutoSearchCV(Ridge(), grid, cv=3, min_resources="smallest")
    search.set_callbacks(recorder, monitor)
    search.fit(X_REG, Y_REG)
    n_fits = len(search.rung_results_["params"]) * 3
    leaves = [name for name in recorder.ended if name.startswith("candidate ")]
    assert len(leaves) == n_fits
    assert recorder.ended[-3:] == ["bracket 0 rung 2", "refit", "fit"]
    (row,) = monitor.get_logs().data  # the refitted search on the training data
    assert row["task_name"] == "fit"
    assert row["r2"] == pytest.approx(search.score(X_REG, Y_REG))


def test_search_progress_bar(capsys):
    pytest.importorskip("rich")
    grid = {"alpha": list(np.logspace(-3, 2, 10))}
    search = AutoSearchCV(Ridge(), grid, cv=3, min_resources="smallest")
    search.set_callbacks(callback.ProgressBar())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # Ridge has no callbacks
        search.fit(X_REG, Y_REG)
    out = capsys.readouterr().out
    assert "AutoSearchCV - fit" in out and "bracket 0 rung 2" in out


def test_callbacks_torn_down_when_fit_fails():
    # the fitted state is removed on error, scikit-learn's callback state is
    # not: without it the teardown (a ProgressBar's display thread) is skipped
    recorder = _TaskRecorder()
    search = AutoSearchCV(Ridge(), {"alpha": [-1.0, -2.0]}, cv=2)
    search.set_callbacks(recorder)
    with pytest.raises(ValueError), warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        search.fit(X_REG, Y_REG)
    assert recorder.torn_down == 1
    assert not hasattr(search, "_callback_fit_ctx")


@pytest.mark.parametrize(
    "Estimator, X, y, metric",
    [
        (SelfTuningMLPRegressor, X_REG, Y_REG, "r2"),
        (SelfTuningMLPClassifier, X_CLF, Y_CLF, "accuracy"),
    ],
)
def test_self_tuner_tasks_are_its_stages_and_checks(Estimator, X, y, metric):
    recorder = _TaskRecorder()
    monitor = callback.ScoringMonitor(scoring=metric)  # the estimator's score
    model = Estimator(**SMALL).set_callbacks(recorder, monitor)
    model.fit(X, y)
    stages = [name for name in recorder.ended if name.startswith("stage ")]
    checks = [name for name in recorder.ended if name.startswith("epoch ")]
    assert len(stages) == len(model.n_candidates_) == len(model.plan_)
    assert stages[0] == f"stage 1: {model.n_candidates} networks"
    assert recorder.ended[-1] == "fit" and recorder.torn_down == 1
    assert len(checks) >= len(stages)
    # the monitor scores, after every check and stage, the model a fit stopped
    # there would return; at the end, the fitted estimator itself
    rows = monitor.get_logs().data
    assert len(rows) == len(recorder.ended)
    (fit,) = [row for row in rows if row["task_name"] == "fit"]
    assert fit[metric] == pytest.approx(model.score(X, y))
    assert all(np.isfinite(row[metric]) for row in rows)


def test_self_tuner_stops_when_a_callback_asks():
    # asked at the end of stage 2: no later stage runs, the model is fitted
    model = SelfTuningMLPRegressor(**SMALL)
    stage_2 = "stage 2: 4 networks"
    model.set_callbacks(_TaskRecorder(stop_at=[stage_2])).fit(X_REG, Y_REG)
    assert len(model.n_candidates_) == 2 < len(model.plan_)
    assert model.score(X_REG, Y_REG) > 0
    # asked at the end of a check: that stage ends there, the next ones run
    unstopped = _TaskRecorder()
    SelfTuningMLPRegressor(**SMALL).set_callbacks(unstopped).fit(X_REG, Y_REG)
    stage_1 = "stage 1: 9 networks"
    assert unstopped.ended[1:5] == [stage_1, "epoch 2", "epoch 3", stage_2]
    recorder = _TaskRecorder(stop_at=["epoch 2"])
    stopped = SelfTuningMLPRegressor(**SMALL).set_callbacks(recorder).fit(X_REG, Y_REG)
    assert recorder.ended[1:4] == [stage_1, "epoch 2", stage_2]
    assert len(stopped.n_candidates_) == len(stopped.plan_)


def test_self_tuner_in_a_pipeline_gets_the_progress_bar(capsys):
    pytest.importorskip("rich")
    pipe = make_pipeline(StandardScaler(), SelfTuningMLPClassifier(**SMALL))
    pipe.set_callbacks(callback.ProgressBar(max_propagation_depth=None))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "does not support callbacks"
        pipe.fit(X_CLF, Y_CLF)
    out = capsys.readouterr().out
    assert "SelfTuningMLPClassifier - stage 1: 9 networks" in out


def test_self_tuner_without_callbacks_keeps_no_callback_state():
    model = SelfTuningMLPRegressor(**SMALL).fit(X_REG, Y_REG)
    assert not any("callback" in name for name in vars(model))
