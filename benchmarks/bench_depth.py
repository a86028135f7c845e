"""Does depth help? One against two and three hidden layers (issue 9).

The self-tuners search one-hidden-layer networks (width, learning rate, L2).
Issue 9 asks that depth (1 to 3 hidden layers) be searched where it helps.
This script asks first whether it helps: on every suite dataset of at most
``--max-rows`` rows it trains scikit-learn's MLPRegressor (the suite's
pipeline: preprocessing, target standardized) with early stopping
(``early_stopping=True, n_iter_no_change=20, max_iter=500``) for each
architecture of :data:`ARCHITECTURES`, each learning rate of :data:`LRS` and
each seed of :data:`SEEDS`. For each seed the learning rate is the one with
the best validation score (``best_validation_score_``), never the test
score; the table gives the mean test R² over the seeds, and side by side
the one-layer and the deeper architecture that a user choosing on the
validation scores would pick (mean validation R² over the seeds).

    python benchmarks/bench_depth.py
    python benchmarks/bench_depth.py --datasets bikeshare,friedman3
"""

import argparse
import time

import numpy as np
from _common import (
    fmt,
    main_study,
    markdown_table,
    page,
    silence_convergence_warnings,
)
from datasets import SUITES
from models import PREFIX, mlp_pipeline

SUITE = SUITES["regression"]
PREFIX = PREFIX["regression"]

ARCHITECTURES = [(256,), (512,), (128, 128), (256, 256), (128, 128, 128)]
LRS = (1e-3, 3e-3)
SEEDS = (0, 1)


def run_dataset(name):
    data = SUITE[name].split()
    rows = {}
    for sizes in ARCHITECTURES:
        vals, tests, seconds = [], [], 0.0
        for seed in SEEDS:
            best = None  # (validation score, test R2) of the best learning rate
            for lr in LRS:
                model = mlp_pipeline().set_params(**{
                    PREFIX + "hidden_layer_sizes": sizes,
                    PREFIX + "learning_rate_init": lr,
                    PREFIX + "early_stopping": True,
                    PREFIX + "n_iter_no_change": 20,
                    PREFIX + "max_iter": 500,
                    PREFIX + "random_state": seed,
                })  # fmt: skip
                start = time.process_time()
                model.fit(data[0], data[2])
                seconds += time.process_time() - start
                val = model[-1].regressor_.best_validation_score_
                if best is None or val > best[0]:
                    best = (val, model.score(data[1], data[3]))
            vals.append(best[0])
            tests.append(best[1])
        rows[str(sizes)] = {
            "validation_r2": float(np.mean(vals)),
            "test_r2": float(np.mean(tests)),
            "cpu_seconds": seconds,
        }
        print(f"[{name}] {sizes}: {rows[str(sizes)]['test_r2']:.4f} "
              f"({seconds:.0f} s)", flush=True)  # fmt: skip
    return rows


def summary(name, rows):
    def best(depths):
        keys = [str(a) for a in ARCHITECTURES if len(a) in depths]
        key = max(keys, key=lambda k: rows[k]["validation_r2"])
        return key, rows[key]["test_r2"]

    (one, r1), (deep, rd) = best({1}), best({2, 3})
    cells = [fmt(rows[str(a)]["test_r2"]) for a in ARCHITECTURES]
    return [name, SUITE[name].role, *cells, f"{one} {r1:.4f}", f"{deep} {rd:.4f}",
            f"{rd - r1:+.4f}"]  # fmt: skip


def parser():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=None, help="a,b,... (default: all)")
    parser.add_argument("--max-rows", type=int, default=10_000)
    return parser


def run(args):
    silence_convergence_warnings()
    names = (
        args.datasets.split(",")
        if args.datasets
        else [n for n, d in SUITE.items() if d.n_rows <= args.max_rows]
    )
    yield "bench_depth", {"results": {name: run_dataset(name) for name in names}}


def report(data, args):
    table = [summary(name, rows) for name, rows in data["results"].items()]
    headers = ["dataset", "role", *map(str, ARCHITECTURES), "1 layer (by validation)",
               "2-3 layers (by validation)", "deeper - 1 layer"]  # fmt: skip
    gains = [float(r[-1]) for r in table]
    verdict = (
        f"Deeper minus one layer, test R²: mean {np.mean(gains):+.4f}, "
        f"{sum(g > 0.002 for g in gains)} of {len(gains)} datasets gain more "
        f"than 0.002, {sum(g < -0.002 for g in gains)} lose more than 0.002."
    )
    return page("# bench_depth: one hidden layer against two and three", __file__, data,
                __doc__.split("\n\n")[1].replace("\n", " "), markdown_table(headers, table), verdict)  # fmt: skip


if __name__ == "__main__":
    main_study(parser(), run, report)
