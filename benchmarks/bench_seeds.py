"""SelfTuningMLPRegressor over several random_state values (seed spread).

The benchmark of issue 3 fixes random_state=0; this script shows how much the
test R2 and the fit time move with the seed, on the same split and pipeline.

    python benchmarks/bench_seeds.py [--dataset bikeshare|friedman] [--seeds 4]
"""

import argparse

import numpy as np
from _common import make_preprocessor, timed_fit
from datasets import get
from sklearn.pipeline import make_pipeline

from skauto.neural_network import SelfTuningMLPRegressor


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--dataset", default="bikeshare", choices=["bikeshare", "friedman"]
    )
    parser.add_argument("--seeds", type=int, default=4)
    args = parser.parse_args(argv)
    name = "friedman1" if args.dataset == "friedman" else args.dataset
    X_train, X_test, y_train, y_test = get("regression", name).split()
    scores, seconds = [], []
    for seed in range(args.seeds):
        model = make_pipeline(
            make_preprocessor(), SelfTuningMLPRegressor(random_state=seed)
        )
        seconds.append(timed_fit(model, X_train, y_train))
        scores.append(model.score(X_test, y_test))
        print(f"random_state={seed}: test R2 {scores[-1]:.4f}, fit {seconds[-1]:.2f} s")
    print(
        f"{args.dataset}: test R2 mean {np.mean(scores):.4f}, min {np.min(scores):.4f},"
        f" max {np.max(scores):.4f}; fit s mean {np.mean(seconds):.2f}"
    )


if __name__ == "__main__":
    main()
