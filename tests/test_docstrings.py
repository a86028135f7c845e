"""Every public docstring passes numpydoc's validation, and documented
Attributes are the fitted ones (after imbalanced-learn's
``test_docstring_parameters`` and ``test_fit_docstring_attributes``).

Public names are those in the ``__all__`` of skauto's public modules, with
the public methods and properties that skauto itself defines (docstrings
inherited from scikit-learn are scikit-learn's business).
"""

import importlib
import inspect

import numpy as np
import pytest
from numpydoc.docscrape import ClassDoc
from numpydoc.validate import validate
from sklearn.base import clone
from sklearn.linear_model import SGDClassifier

from skauto._schedule import SuccessiveHalving
from skauto.model_selection import (
    AutoSearchCV,
    GridSearchCV,
    HalvingGridSearchCV,
    HalvingRandomSearchCV,
    RandomizedSearchCV,
)
from skauto.neural_network import SelfTuningMLPClassifier, SelfTuningMLPRegressor
from skauto.plotting import SearchBudgetDisplay

pd = pytest.importorskip("pandas")

MODULES = [
    "skauto",
    "skauto.neural_network",
    "skauto.model_selection",
    "skauto.plotting",
    "skauto.datasets",
]
# numpydoc's checks not required of methods: an extended summary, See Also,
# Examples (the class's own cover them), and a name in Returns ("self :
# object", scikit-learn's style). Classes and functions pass every check.
METHOD_IGNORE = {"ES01", "SA01", "EX01", "RT02"}
# The summary starts on the line of the opening quotes (scikit-learn's
# style, which numpydoc >= 1.7 accepts and 1.6, the lowest version tested,
# flags as GL01).
IGNORE = {"GL01"}


def _own_members(cls):
    """Public methods and properties whose docstring skauto wrote."""
    for name in sorted(vars(cls)):
        member = inspect.getattr_static(cls, name)
        if name.startswith("_") or not (
            inspect.isfunction(member) or isinstance(member, property | classmethod)
        ):
            continue
        yield name


def public_names():
    """Dotted paths of every public object, each object once."""
    seen, names = set(), []
    for module in MODULES:
        mod = importlib.import_module(module)
        for name in mod.__all__:
            obj = getattr(mod, name)
            if not (inspect.isclass(obj) or inspect.isfunction(obj)) or id(obj) in seen:
                continue
            seen.add(id(obj))
            path = f"{obj.__module__.split('._')[0]}.{name}"
            names.append(path)
            if inspect.isclass(obj):
                for klass in obj.__mro__:
                    if klass.__module__.startswith("skauto"):
                        names += [f"{path}.{m}" for m in _own_members(klass)]
    return sorted(set(names))


def test_every_public_module_is_listed():
    names = public_names()
    assert "skauto.neural_network.SelfTuningMLPClassifier.predict_proba" in names
    assert "skauto.model_selection.GridSearchCV" in names
    assert "skauto.datasets.load_bikeshare" in names
    assert len(names) > 15


@pytest.mark.parametrize("name", public_names())
def test_docstring_passes_numpydoc_validation(name):
    result = validate(name)
    is_method = name.count(".") > 2
    errors = [
        f"{code}: {message}"
        for code, message in result["errors"]
        if code not in IGNORE and not (is_method and code in METHOD_IGNORE)
    ]
    assert not errors, "\n".join([name, *errors])


def _frame(X):
    return pd.DataFrame(X, columns=[f"x{i}" for i in range(X.shape[1])])


def _data(kind):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = X @ [1.0, -2.0, 0.5] + 0.1 * rng.normal(size=60)
    return _frame(X), (y if kind == "reg" else (y > 0).astype(int))


FAST = dict(n_candidates=4, ensemble_size=2, max_epochs=3, random_state=0)
SGD = SGDClassifier(random_state=0)
FITTED = {
    "SelfTuningMLPRegressor": lambda: SelfTuningMLPRegressor(**FAST).fit(*_data("reg")),
    "SelfTuningMLPClassifier": lambda: SelfTuningMLPClassifier(**FAST).fit(
        *_data("clf")
    ),
    "AutoSearchCV": lambda: AutoSearchCV(
        SGD, {"alpha": [1e-4, 1e-3]}, max_resources=9, cv=2
    ).fit(*_data("clf")),
    "GridSearchCV": lambda: GridSearchCV(SGD, {"alpha": [1e-4, 1e-3]}, cv=2).fit(
        *_data("clf")
    ),
    "RandomizedSearchCV": lambda: RandomizedSearchCV(
        SGD, {"alpha": [1e-4, 1e-3]}, n_iter=2, cv=2, random_state=0
    ).fit(*_data("clf")),
    "HalvingGridSearchCV": lambda: HalvingGridSearchCV(
        SGD, {"alpha": [1e-4, 1e-3]}, cv=2
    ).fit(*_data("clf")),
    "HalvingRandomSearchCV": lambda: HalvingRandomSearchCV(
        SGD, {"alpha": [1e-4, 1e-3]}, n_candidates=2, cv=2, random_state=0
    ).fit(*_data("clf")),
}


def _documented_attributes(obj):
    """Names in the Attributes section ("a_, b_ : type" documents two)."""
    items = ClassDoc(type(obj))["Attributes"]
    return {name.strip() for item in items for name in item.name.split(",")}


def _fitted_attributes(est):
    """Public names ending in "_" that the fit gave (properties included)."""

    def present(obj):
        names = [a for a in dir(obj) if a.endswith("_") and not a.startswith("_")]
        return {a for a in names if hasattr(obj, a)}

    return present(est) - present(clone(est))


# Known gaps, each a strict xfail until fixed (then remove the line).
ATTRIBUTE_GAPS = {}  # class name -> reason of a known gap


def _fitted_params():
    for name in sorted(FITTED):
        marks = []
        if name in ATTRIBUTE_GAPS:
            marks = pytest.mark.xfail(strict=True, reason=ATTRIBUTE_GAPS[name])
        yield pytest.param(name, marks=marks)


@pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")
@pytest.mark.parametrize("name", _fitted_params())
def test_documented_attributes_are_the_fitted_ones(name):
    """Fitted on a DataFrame with string column names, so that
    ``feature_names_in_`` is set too."""
    est = FITTED[name]()
    assert _documented_attributes(est) == _fitted_attributes(est)


def test_display_documents_what_plot_sets():
    from test_plotting import fake_search

    display = SearchBudgetDisplay.from_cv_results(
        fake_search(SuccessiveHalving(3, 1, 3, 3))
    )
    assert _documented_attributes(display) == {
        k for k in vars(display) if k.endswith("_")
    }


def test_every_fitted_estimator_is_checked():
    estimators = {
        name
        for name in public_names()
        if name.count(".") == 2 and hasattr(_resolve(name), "fit")
    }
    assert {name.rsplit(".", 1)[1] for name in estimators} == set(FITTED)


def _resolve(path):
    module, name = path.rsplit(".", 1)
    return getattr(importlib.import_module(module), name)
