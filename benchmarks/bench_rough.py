"""The self-tuning MLPs on rough real tables (issue 20): the runner on the rough suite.

The runner (runner.py) on the ``rough`` suite of datasets.py, with the models
of ``runner.SUITE_MODELS["rough"]``; ``--help`` lists the options.

    python benchmarks/bench_rough.py                    # the self-tuner + cached rows
    python benchmarks/bench_rough.py --no-cache         # every row, one run
    python benchmarks/bench_rough.py --only skauto --datasets a,b
    python benchmarks/bench_rough.py --quick --only cheap   # smoke run
"""

from runner import main

if __name__ == "__main__":
    main("rough")
