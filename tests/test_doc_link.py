"""The HTML repr links each estimator to its page in skauto's API docs."""

import re
from pathlib import Path

import pytest
from sklearn.linear_model import Ridge
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skauto._doc_link import DOCS_ROOT, docs_version
from skauto.model_selection import AutoSearchCV, GridSearchCV, RandomizedSearchCV
from skauto.neural_network import SelfTuningMLPClassifier, SelfTuningMLPRegressor

API = Path(__file__).resolve().parents[1] / "docs" / "api.rst"

ESTIMATORS = [
    SelfTuningMLPRegressor(),
    SelfTuningMLPClassifier(),
    AutoSearchCV(Ridge(), {"alpha": [1.0]}),
    GridSearchCV(Ridge(), {"alpha": [1.0]}),
    RandomizedSearchCV(Ridge(), {"alpha": [1.0]}),
]


def _api_pages():
    """``module.Class`` of every page docs/api.rst generates."""
    return set(re.findall(r"^   (\w+\.\w+)$", API.read_text(), flags=re.M))


@pytest.mark.parametrize("est", ESTIMATORS, ids=lambda e: type(e).__name__)
def test_html_repr_links_to_the_api_page(est):
    cls = type(est)
    public = cls.__module__.split("._")[0]  # skauto.neural_network
    link = est._get_doc_link()
    assert link == (
        f"{DOCS_ROOT}/{docs_version()}/gen_modules/{public}.{cls.__name__}.html"
    )
    assert public.removeprefix("skauto.") + "." + cls.__name__ in _api_pages()
    assert f'href="{link}"' in est._repr_html_()


def test_wrapped_estimators_keep_their_own_links():
    search = AutoSearchCV(make_pipeline(StandardScaler(), Ridge()), {})
    html = search._repr_html_()
    assert search._get_doc_link() in html
    assert "scikit-learn.org" in Ridge()._get_doc_link()
    assert Ridge()._get_doc_link() in html


@pytest.mark.parametrize(
    "version, folder",
    [("0.1.0", "0.1"), ("1.12", "1.12"), ("0.2.dev0", "dev"), ("1.0rc1", "dev")],
)
def test_docs_version(version, folder):
    assert docs_version(version) == folder
