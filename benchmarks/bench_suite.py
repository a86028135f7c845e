"""SelfTuningMLPRegressor against no-knob and tuned baselines on the regression suite (issue 9).

The runner (runner.py) on the ``regression`` suite of datasets.py, with the models
of ``runner.SUITE_MODELS["regression"]``; ``--help`` lists the options.

    python benchmarks/bench_suite.py                    # the self-tuner + cached rows
    python benchmarks/bench_suite.py --no-cache         # every row, one run
    python benchmarks/bench_suite.py --only skauto --datasets a,b
    python benchmarks/bench_suite.py --quick --only cheap   # smoke run
"""

from runner import main

if __name__ == "__main__":
    main("regression")
