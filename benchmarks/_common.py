"""Helpers shared by the benchmark scripts: data, timing, machine, tables, files."""

import importlib
import importlib.util
import json
import os
import platform
import re
import resource
import subprocess
import sys
import time
import warnings
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path

import numpy as np
from sklearn.compose import ColumnTransformer, make_column_selector
from sklearn.exceptions import ConvergenceWarning
from sklearn.impute import SimpleImputer
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

# this checkout's skauto, not whichever one is installed: the scripts import
# skauto after _common, and the worker processes they start inherit the path
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
RESULTS_DIR = Path(__file__).resolve().parent / "results"
QUICK_TRAIN_ROWS = 600


def quick_split(X_train, X_test, y_train, y_test, *, quick):
    """The split as given, or with ``quick`` its first 600 training rows and
    300 test rows, for smoke runs."""
    if quick:
        n = QUICK_TRAIN_ROWS
        return X_train[:n], X_test[: n // 2], y_train[:n], y_test[: n // 2]
    return X_train, X_test, y_train, y_test


def make_preprocessor(X=None):
    """Numeric columns standardized, categorical (pandas ``category``) one-hot;
    where the frame ``X`` has missing numeric values, numeric columns are imputed first
    (median, with a missing-value indicator). Without missing values the
    output is bitwise that of the preprocessor without the imputer."""
    numeric = StandardScaler()
    if X is not None and X.select_dtypes(exclude="category").isna().to_numpy().any():
        numeric = make_pipeline(SimpleImputer(strategy="median", add_indicator=True), numeric)  # fmt: skip
    return ColumnTransformer(
        [
            ("num", numeric, make_column_selector(dtype_exclude="category")),
            (
                "cat",
                OneHotEncoder(handle_unknown="ignore", sparse_output=False),
                make_column_selector(dtype_include="category"),
            ),
        ]
    )


def silence_convergence_warnings():
    """Hide ConvergenceWarning (scikit-learn passes the filter to its workers)."""
    warnings.filterwarnings("ignore", category=ConvergenceWarning)


def optional(module, name):
    """Return ``module.name``, or None with the reason printed if it cannot load."""
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        print(f"{module}.{name}: not available ({type(exc).__name__}: {exc})")
        return None


def warm_up_workers(n_jobs=2):
    """Start joblib's worker processes and import the libraries in them.

    Otherwise the first parallel search of a run pays the start-up (seconds on
    a busy machine) and the others do not.
    """
    from joblib import Parallel, delayed

    Parallel(n_jobs=n_jobs)(delayed(_import_in_worker)() for _ in range(2 * n_jobs))


def _import_in_worker():
    import sklearn.ensemble  # noqa: F401
    import sklearn.linear_model  # noqa: F401
    import sklearn.neural_network  # noqa: F401

    import skauto  # noqa: F401

    time.sleep(0.5)


def timed_fit(estimator, X, y):
    """Fit ``estimator`` and return the wall-clock seconds it took."""
    start = time.perf_counter()
    estimator.fit(X, y)
    return time.perf_counter() - start


def machine_info():
    """What the numbers depend on: cores, load, library versions, commit."""
    from threadpoolctl import threadpool_info

    def version(name):
        try:
            return importlib.import_module(name).__version__
        except ImportError:
            return None

    return {
        "date_utc": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S"),
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "load_average_1_5_15": [round(v, 2) for v in os.getloadavg()],
        "platform": platform.platform(),
        "python": platform.python_version(),
        "versions": {
            name: version(name)
            for name in ["skauto", "sklearn", "numpy", "scipy", "pandas", "joblib"]
            + ["optuna", "optuna_integration"]
        },
        "blas": [
            f"{p.get('internal_api')} {p.get('version')} threads={p['num_threads']}"
            + (f" kernel={p['architecture']}" if p.get("architecture") else "")
            for p in threadpool_info()
        ],
        "git_commit": _git_commit(),
    }


def _cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def _git_commit():
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            cwd=Path(__file__).parent,
            check=True,
        )
        return out.stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def machine_markdown(info):
    """A short Markdown paragraph describing the machine.

    Call it at the end of the run: it records the load average then too.
    """
    live = [round(v, 2) for v in os.getloadavg()]
    info.setdefault("load_average_end", live)  # regenerated reports keep theirs
    versions = ", ".join(f"{k} {v}" for k, v in info["versions"].items() if v)
    start, end = info["load_average_1_5_15"], info["load_average_end"]
    cores = info["cpus_usable"]
    # the load at the end counts the benchmark's own n_jobs workers: only the
    # load at the start says whether other processes were running
    busy = (
        f"**Busy machine: 1-minute load average {start[0]} at the start on "
        f"{cores} cores; other processes shared the cores, so the seconds "
        "(and less so the ratios) are distorted.** "
        if start[0] > cores / 2
        else ""
    )
    return busy + (
        f"Machine: {info['cpu']}, {info['cpus_usable']} usable cores "
        f"(load average 1/5/15 min at start {start}, at end {end}, which "
        "counts the benchmark's own workers), "
        f"{info['platform']}, Python {info['python']}; {versions}; "
        f"BLAS {'; '.join(info['blas'])}; commit {info['git_commit']}; "
        f"run {info['date_utc']} UTC."
    )


def run_footer(info):
    """The report's last paragraph: the machine, where skauto came from and
    how long the run took (``skauto_path`` and ``run_seconds`` in ``info``)."""
    return (
        machine_markdown(info)
        + f" skauto imported from {info.get('skauto_path')}."
        + f" The run took {info['run_seconds']:.0f} s."
    )


def page(title, script, data, *paragraphs):
    """A study's report: its title, the command line of ``data["argv"]``, the
    ``paragraphs`` and the machine paragraph (:func:`run_footer`), separated by
    blank lines."""
    command = f"Command: {command_line(script, data.get('argv', []))}"
    info = data["machine"]  # older results lack run_seconds: footer as written
    footer = run_footer(info) if "run_seconds" in info else machine_markdown(info)
    return "\n\n".join([title, command, *paragraphs, footer])


def command_line(script, argv):
    """The command that produced a result, as Markdown code."""
    return "`" + " ".join(["python", f"benchmarks/{Path(script).name}", *argv]) + "`"


def fmt(value, spec=".4f"):
    """Format a number for a table; None prints as "n/a"."""
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return "n/a"
    return format(value, spec)


def short_params(params):
    """``{"step__alpha": 0.000123}`` as ``"alpha=0.000123"``, floats to 3 digits."""
    return ", ".join(
        f"{name.split('__')[-1]}={f'{v:.3g}' if isinstance(v, float) else v}"
        for name, v in params.items()
    )


def markdown_table(headers, rows):
    """A GitHub Markdown table from a header list and rows of strings."""
    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)


def write_results(stem, markdown, data, *, quick=False):
    """Write ``<stem>.md`` and ``<stem>.json`` under results/ (results/quick/)."""
    directory = RESULTS_DIR / "quick" if quick else RESULTS_DIR
    directory.mkdir(parents=True, exist_ok=True)
    (directory / f"{stem}.md").write_text(markdown + "\n", encoding="utf-8")
    (directory / f"{stem}.json").write_text(
        json.dumps(data, indent=2, default=_jsonable) + "\n", encoding="utf-8"
    )
    print(f"wrote {directory / stem}.md and .json")


def _jsonable(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return repr(value)


def _status_kb(field):
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def reset_peak_rss():
    """Reset the peak RSS; return the method used to read it afterwards."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
        return "VmHWM"
    except OSError:
        return "ru_maxrss"


def rss_mb(which):
    """Current ("VmRSS"), peak since reset ("VmHWM") or lifetime peak RSS."""
    if which == "ru_maxrss":
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return _status_kb(which) / 1024


def package_version(dist):
    """Installed version of the distribution ``dist``; None if not installed."""
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def skauto_location():
    """Where skauto was imported from: the commit measured is that tree's."""
    spec = importlib.util.find_spec("skauto")
    return str(Path(spec.origin).parent) if spec else None


def now_utc():
    return datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M:%S")


def main_study(parser, run, report, argv=None):
    """The shared main of the one-question studies.

    ``run(args)`` yields ``(stem, part)`` pairs: each part is written, with
    ``argv`` and the machine description (with where skauto was imported from
    and the part's seconds), to ``results/<stem>.json``, and
    ``report(data, args)`` to ``<stem>.md``; ``regenerate.py`` calls the same
    ``report`` on the JSON.
    """
    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(argv)
    parts = iter(run(args))
    while True:
        info, start = machine_info(), time.perf_counter()
        if (item := next(parts, None)) is None:
            return
        info.update(skauto_path=skauto_location(), run_seconds=time.perf_counter() - start)  # fmt: skip
        data = {"argv": argv, "machine": info, **item[1]}
        markdown = report(data, args)
        print(markdown)
        write_results(item[0], markdown, data, quick=getattr(args, "quick", False))


def measure_in_subprocess(script, argv):
    """Run ``script --worker ...`` in a fresh process; its last line's JSON."""
    out = subprocess.run([sys.executable, script, "--worker", *map(str, argv)],
                         capture_output=True, text=True)  # fmt: skip
    if out.returncode != 0:
        print(out.stderr)
        return {"error": out.stderr[-1000:]}
    result = json.loads(out.stdout.strip().splitlines()[-1])
    print(f"    {json.dumps(result, default=repr)}", flush=True)
    return result


def measure_fit(estimator, X, y):
    """Fit in this process: wall seconds, and the extra resident memory (the
    peak during ``fit`` minus the memory before it; on Linux the peak is reset
    first through ``/proc/self/clear_refs`` and read from ``VmHWM``)."""
    import gc

    gc.collect()
    method = reset_peak_rss()
    before = rss_mb("VmRSS") if method == "VmHWM" else rss_mb("ru_maxrss")
    seconds = timed_fit(estimator, X, y)
    peak = rss_mb(method)
    return {"fit_seconds": seconds, "extra_rss_mb": peak - before,
            "rss_before_fit_mb": before, "peak_rss_mb": peak, "rss_method": method}  # fmt: skip


def doc_part(doc, title):
    """The text of a docstring after the line ``title`` and its underline, up
    to the next underlined title: the prose a study's report quotes."""
    text = doc.split(f"\n{title}\n{'-' * len(title)}\n", 1)[1]
    return re.split(r"\n[^\n]+\n-{3,}\n", text, maxsplit=1)[0]
