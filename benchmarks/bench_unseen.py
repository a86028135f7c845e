"""The self-tuning MLPs against baselines on real datasets no default was chosen on.

The runner (runner.py) on the ``unseen`` suite of datasets.py, with the models
of ``runner.SUITE_MODELS["unseen"]``; ``--help`` lists the options.

    python benchmarks/bench_unseen.py                    # the self-tuner + cached rows
    python benchmarks/bench_unseen.py --no-cache         # every row, one run
    python benchmarks/bench_unseen.py --only skauto --datasets a,b
    python benchmarks/bench_unseen.py --quick --only cheap   # smoke run
"""

from runner import main

if __name__ == "__main__":
    main("unseen")
