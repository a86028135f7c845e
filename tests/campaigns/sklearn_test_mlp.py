"""scikit-learn's own test_mlp.py, with MLPRegressor / MLPClassifier rebound to
the self-tuners (issue 22).

Runs the installed wheel's ``sklearn/neural_network/tests/test_mlp.py`` (it is
not copied) under pytest, with the test module's ``MLPRegressor`` and
``MLPClassifier`` replaced by ``SelfTuningMLPRegressor`` and
``SelfTuningMLPClassifier``. A test does not apply when it fails on what the
self-tuners do not have: a constructor argument (``solver``,
``hidden_layer_sizes``, ...; a TypeError "unexpected keyword argument"), a
method (``partial_fit``) or an attribute. Every other failure is listed.

Usage: ``python tests/campaigns/sklearn_test_mlp.py [-k EXPR]``; writes
``tests/campaigns/results/sklearn_test_mlp.md``.
"""

import re
import sys
from pathlib import Path

import pytest
import sklearn

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # this checkout's skauto

from skauto.neural_network import (  # noqa: E402
    SelfTuningMLPClassifier,
    SelfTuningMLPRegressor,
)

TEST_FILE = Path(sklearn.__file__).parent / "neural_network" / "tests" / "test_mlp.py"
RESULTS = Path(__file__).resolve().parent / "results" / "sklearn_test_mlp.md"
NOT_APPLICABLE = re.compile(
    r"unexpected keyword argument|has no attribute '(partial_fit|_\w+|"
    r"n_layers_|out_activation_|t_|best_loss_|_no_improvement_count)'|"
    r"Invalid parameter"
)


class Rebind:
    """pytest plugin: rebinds the classes, records each test's outcome."""

    def __init__(self):
        self.outcomes = {}

    def pytest_collection_modifyitems(self, items):
        for item in items:
            module = item.module
            module.MLPRegressor = SelfTuningMLPRegressor
            module.MLPClassifier = SelfTuningMLPClassifier

    def pytest_runtest_logreport(self, report):
        if report.when == "call" or report.failed:
            text = str(report.longrepr) if report.failed else ""
            last = [line for line in text.splitlines() if line.startswith("E ")]
            self.outcomes[report.nodeid.split("::", 1)[1]] = (
                report.outcome,
                last[0][1:].strip()[:200] if last else "",
                bool(NOT_APPLICABLE.search(text)),
            )


def main(argv):
    plugin = Rebind()
    # scikit-learn's conftest gives the fixtures its tests use (global_random_seed)
    args = [str(TEST_FILE), "-q", "-p", "no:cacheprovider", "-p", "sklearn.conftest"]
    pytest.main([*args, *argv], [plugin])
    rows = sorted(plugin.outcomes.items())
    applies = [(n, o, m) for n, (o, m, na) in rows if not na]
    failing = [(n, m) for n, o, m in applies if o == "failed"]
    lines = [
        "# scikit-learn's test_mlp.py with the self-tuners rebound",
        "",
        f"scikit-learn {sklearn.__version__}; command: "
        "`python tests/campaigns/sklearn_test_mlp.py`. "
        f"{len(rows)} tests, {len(applies)} apply, "
        f"{sum(o == 'passed' for _, o, _ in applies)} of them pass, "
        f"{len(failing)} fail.",
        "",
        "| failing test | first error line |",
        "|---|---|",
        *[f"| {n} | {m.replace('|', '/')} |" for n, m in failing],
    ]
    RESULTS.write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1:])
