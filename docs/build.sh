#!/usr/bin/env bash
# Build the HTML documentation, executing the example gallery.
# Warnings are errors. Needs: pip install ".[docs]" (from the repository root).
# Output: docs/_build/html/index.html; gallery timings in
# docs/sg_execution_times.rst. Extra arguments go to sphinx-build.
set -euo pipefail
cd "$(dirname "$0")"
export MPLBACKEND=Agg
# One OpenMP/BLAS thread per process unless told otherwise: the examples run
# their own parallel jobs, and on a small shared machine oversubscribed OpenMP
# threads slow HistGradientBoosting down by an order of magnitude.
export OMP_NUM_THREADS="${OMP_NUM_THREADS:-1}"
start=$(date +%s)
python -m sphinx -W --keep-going -b html -d _build/doctrees . _build/html "$@"
echo "docs built in $(( $(date +%s) - start )) s: $(pwd)/_build/html/index.html"
