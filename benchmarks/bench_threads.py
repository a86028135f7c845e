"""Would a second core speed up the self-tuners' training? (issue 9's time
on small data)

The population trains as one wide network on one BLAS thread. This script
splits a population into two halves (whole candidates, their fold copies
together) and trains them in two threads on the same rows, against the whole
population in one thread and the two halves one after the other. NumPy
releases the GIL inside its products and ufuncs, so two threads gain where
those calls are long enough to outweigh the Python between them.

Shapes: the survivors' stages of the small suite datasets (4 candidates x 4
fold copies on a few hundred rows) and a first rung (81 x 4 copies).

    python benchmarks/bench_threads.py
    python benchmarks/bench_threads.py --repeats 5 --tag run2
"""

import argparse
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from _common import (
    main_study,
    markdown_table,
    page,
)
from threadpoolctl import threadpool_limits

from skauto._population import Population

# (label, features, rows, networks): fold copies of 4, as the self-tuners make
SHAPES = [
    ("survivors, mpg-like", 80, 175, 16),
    ("survivors, friedman3-like", 36, 750, 16),
    ("survivors, digits-like", 64, 1347, 16),
    ("first rung, friedman3-like", 36, 750, 324),
]
EPOCHS, FOLDS, BATCH = 20, 4, 32


def population(sizes, n_features, seed):
    """Candidates of ``sizes`` (4 fold copies each, adjacent), scale layer on."""
    rng = np.random.default_rng(seed)
    k = len(sizes)
    return Population(
        n_features, 1, sizes, np.full(k, 1e-3), np.full(k, 1e-4), rng.spawn(k),
        range(k), folds=np.tile(np.arange(FOLDS), k // FOLDS),
        groups=np.repeat(np.arange(k // FOLDS), FOLDS),
        scale={"lr_mult": 6.0, "l1": 0.05},
    )  # fmt: skip


def timed(function, *args):
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def _in_threads(pool, populations, args):
    for job in [pool.submit(p.train, *args) for p in populations]:
        job.result()


def _in_turn(populations, args):
    for p in populations:
        p.train(*args)


def measure(n_features, n_rows, n_networks, repeats):
    """Median seconds of: one population, two halves in two threads, two
    halves one after the other (same rows, same mini-batches)."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((n_rows, n_features)).astype(np.float32)
    y = rng.standard_normal((n_rows, 1)).astype(np.float32)
    row_folds = np.arange(n_rows) % FOLDS
    rows = np.concatenate([rng.permutation(n_rows) for _ in range(EPOCHS)])
    configs = n_networks // FOLDS
    sizes = np.exp(rng.uniform(np.log(16), np.log(256), configs)).astype(int)
    sizes = sizes.repeat(FOLDS)
    half = configs // 2 * FOLDS
    args = (X, y, None, rows, BATCH, row_folds)
    times = {"one thread": [], "two threads": [], "halves in turn": []}
    with threadpool_limits(1, "blas"), ThreadPoolExecutor(2) as pool:
        for r in range(repeats):  # alternated, so that all see the same load
            whole = population(sizes, n_features, r)
            times["one thread"].append(timed(whole.train, *args))
            halves = [
                population(s, n_features, r) for s in (sizes[:half], sizes[half:])
            ]
            times["two threads"].append(timed(_in_threads, pool, halves, args))
            halves = [
                population(s, n_features, r) for s in (sizes[:half], sizes[half:])
            ]
            times["halves in turn"].append(timed(_in_turn, halves, args))
    steps = len(rows) // BATCH
    medians = {name: statistics.median(ts) for name, ts in times.items()}
    return int(sizes.sum()), steps, medians


def parser():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--tag", default="", help="suffix of the result files")
    return parser


def run(args):
    data = []
    for label, n_features, n_rows, n_networks in SHAPES:
        units, steps, medians = measure(n_features, n_rows, n_networks, args.repeats)
        print(f"{label}: {medians}", flush=True)
        data.append({"shape": label, "units": units, "steps": steps, **medians})
    yield "bench_threads" + (f"_{args.tag}" if args.tag else ""), {"shapes": data}


def report(data, args):
    rows = []
    for (label, n_features, n_rows, n_networks), d in zip(SHAPES, data["shapes"], strict=True):
        medians = {k: d[k] for k in ["one thread", "two threads", "halves in turn"]}
        rows.append([label, n_features, n_rows, n_networks, d["units"], d["steps"]]
                    + [f"{v:.3f}" for v in medians.values()]
                    + [f"{medians['two threads'] / medians['one thread']:.2f}"])  # fmt: skip
    headers = ["shape", "features", "rows", "networks", "hidden units", "steps"]
    headers += ["one thread (s)", "two threads (s)", "halves in turn (s)"]
    headers += ["two threads / one"]
    return page("# bench_threads: two threads on two halves of a population", __file__, data,
                f"Median of {args.repeats} alternated repeats; {EPOCHS} epochs of mini-batches of "
                f"{BATCH}, {FOLDS} fold copies per candidate, BLAS on one thread.",
                markdown_table(headers, rows))  # fmt: skip


if __name__ == "__main__":
    main_study(parser(), run, report)
