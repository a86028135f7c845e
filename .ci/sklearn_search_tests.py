"""scikit-learn's own search tests, run against skauto's front doors.

scikit-learn's ``model_selection/tests/test_search.py`` and
``test_successive_halving.py`` ship in its wheel; this runs them from there
(nothing is copied) with ``GridSearchCV``, ``RandomizedSearchCV``,
``HalvingGridSearchCV`` and ``HalvingRandomSearchCV`` rebound, before the
test modules are imported, to skauto's classes of the same names. The tests
listed in ``NOT_APPLICABLE`` are deselected, each with the reason.

Usage: python .ci/sklearn_search_tests.py [pytest options]
Exit status is pytest's.
"""

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's skauto

import pytest  # noqa: E402
import sklearn.model_selection as sk  # noqa: E402
from sklearn.experimental import enable_halving_search_cv  # noqa: E402, F401

import skauto.model_selection as ours  # noqa: E402

FRONT_DOORS = [
    "GridSearchCV",
    "RandomizedSearchCV",
    "HalvingGridSearchCV",
    "HalvingRandomSearchCV",
]
TESTS = Path(sk.__file__).parent / "tests"
FILES = ["test_search.py", "test_successive_halving.py"]

# test id -> why it does not apply to a search by successive halving
_SPLITS_ONCE = (
    "expects a ValueError for a splitter whose splits change between calls "
    "(KFold(shuffle=True) without random_state, ShuffleSplit()): scikit-learn's "
    "halving searches split again at every iteration, skauto splits once per "
    "fit, so such a splitter gives consistent folds and no error is due"
)
NOT_APPLICABLE = {
    "test_search.py::test_custom_run_search": (
        "compares every fitted attribute of GridSearchCV with those of a "
        "BaseSearchCV subclass that only overrides _run_search: skauto's "
        "searches have more (resource_, min_resources_, max_resources_, "
        "n_resources_, n_candidates_, n_iterations_, n_brackets_, plan_, "
        "rung_results_), and do not run BaseSearchCV.fit"
    ),
    **{
        f"test_successive_halving.py::test_input_errors[params{i}-must yield "
        f"consistent folds-{cls}]": _SPLITS_ONCE
        for i in (4, 5)
        for cls in ("HalvingGridSearchCV", "HalvingRandomSearchCV")
    },
}


class _NotApplicable:
    """Deselects the tests of NOT_APPLICABLE (and says how many)."""

    def pytest_collection_modifyitems(self, config, items):
        chosen = [i for i in items if _test_id(i) not in NOT_APPLICABLE]
        dropped = [i for i in items if _test_id(i) in NOT_APPLICABLE]
        if dropped:
            config.hook.pytest_deselected(items=dropped)
            items[:] = chosen


def _test_id(item):
    return f"{Path(item.fspath).name}::{item.name}"


def main(argv):
    for name in FRONT_DOORS:
        setattr(sk, name, getattr(ours, name))
    args = [str(TESTS / f) for f in FILES]
    args += ["-p", "no:cacheprovider", "-q", "--rootdir", str(TESTS)]
    return pytest.main(args + argv, plugins=[_NotApplicable()])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
