"""SelfTuningMLPClassifier against no-knob and tuned baselines (issue 10).

The runner (runner.py) on the ``classification`` suite of datasets.py, with the models
of ``runner.SUITE_MODELS["classification"]``; ``--help`` lists the options.

    python benchmarks/bench_classifier.py                    # the self-tuner + cached rows
    python benchmarks/bench_classifier.py --no-cache         # every row, one run
    python benchmarks/bench_classifier.py --only skauto --datasets a,b
    python benchmarks/bench_classifier.py --quick --only cheap   # smoke run
"""

from runner import main

if __name__ == "__main__":
    main("classification")
