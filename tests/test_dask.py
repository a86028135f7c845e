"""AutoSearchCV on a dask.distributed cluster through joblib's dask backend."""

import numpy as np
import pytest
from scipy.stats import loguniform
from sklearn.datasets import make_classification
from sklearn.linear_model import SGDClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

pytest.importorskip("distributed")
from distributed import Client, LocalCluster, get_task_stream  # noqa: E402
from joblib import parallel_config  # noqa: E402

from skauto.model_selection import AutoSearchCV  # noqa: E402

# small budgets on purpose: the last rungs may not converge
pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@pytest.fixture(scope="module")
def client():
    # threads in one process: fast to start and reliable on 2 shared cores;
    # the tasks and the kept fold models still go through dask's scheduler.
    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=False,
        dashboard_address=None,
    ) as cluster, Client(cluster) as client:  # fmt: skip
        yield client


def _search():
    # continuation: the survivors' fitted fold models travel between rungs
    return AutoSearchCV(
        make_pipeline(StandardScaler(), SGDClassifier(random_state=0)),
        {"sgdclassifier__alpha": loguniform(1e-5, 1e-1)},
        max_resources=9, n_brackets="auto", cv=3, random_state=0,
    )  # fmt: skip


def test_dask_backend_matches_local(client):
    X, y = make_classification(n_samples=300, random_state=0)
    local = _search().fit(X, y)
    with parallel_config(backend="dask"), get_task_stream(client) as stream:
        distributed = _search().set_params(n_jobs=-1).fit(X, y)
    assert len(stream.data) > 0  # the fits ran on the cluster (joblib batches them)
    assert distributed.best_params_ == local.best_params_
    for key in ["rank_test_score", "n_resources", "candidate", "bracket"]:
        np.testing.assert_array_equal(
            distributed.cv_results_[key], local.cv_results_[key]
        )
    np.testing.assert_allclose(
        distributed.cv_results_["mean_test_score"], local.cv_results_["mean_test_score"]
    )
    assert distributed.score(X, y) == local.score(X, y)
