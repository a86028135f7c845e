"""Rebuild the Markdown reports of results/ from their JSON.

Each ``results/<stem>.json`` is read, the report of the script that wrote it
is called on it (``report.report`` for the suites, the study's ``report`` for
the others, with the options of the JSON's ``argv``), and the Markdown is
compared with ``results/<stem>.md``: ``same``, or the number of lines that
differ. ``--write`` replaces the Markdown files.

    python benchmarks/regenerate.py                  # compare every report
    python benchmarks/regenerate.py --write results/bench_suite_run1.json
"""

import argparse
import difflib
import importlib
import json
from pathlib import Path

import report
from _common import RESULTS_DIR

STUDIES = ["bench_mlp", "bench_search", "bench_depth", "bench_resplit", "bench_scaling",
           "bench_small_grid", "bench_stress", "bench_threads", "bench_async",
           "bench_search_sampling"]  # fmt: skip


def markdown(stem, data):
    """The report of ``data``, written by the script whose name ``stem`` starts with
    (the longest such name: bench_search_sampling, not bench_search)."""
    suite = next((s for s, p in report.STEMS.items() if stem.startswith(p)), None)
    if suite:
        return report.report(data, suite)[0]
    module = importlib.import_module(max((s for s in STUDIES if stem.startswith(s)), key=len))
    return module.report(data, module.parser().parse_args(data.get("argv") or []))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="*", help="result JSON files (default: all)")
    parser.add_argument("--write", action="store_true", help="replace the .md files")
    args = parser.parse_args(argv)
    paths = [Path(f) for f in args.files] or sorted(RESULTS_DIR.glob("bench_*.json"))
    for path in paths:
        text = markdown(path.stem, json.loads(path.read_text())) + "\n"
        old = path.with_suffix(".md").read_text() if path.with_suffix(".md").exists() else ""
        diff = [d for d in difflib.ndiff(old.splitlines(), text.splitlines()) if d[:1] in "+-"]
        print(f"{path.name}: {'same' if not diff else f'{len(diff)} lines differ'}")
        if args.write:
            path.with_suffix(".md").write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
