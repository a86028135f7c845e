"""The one report of the suites: tables, targets and summaries from the JSON.

:func:`report` turns a suite's result data (what ``runner.main`` writes to
``results/<stem>.json``) into its Markdown, so that ``python
benchmarks/regenerate.py`` rebuilds every committed report from its JSON.
Scores: test R² (regression), log-loss, accuracy and Brier score
(classification); a tie is within :data:`TIE`. The targets are :class:`Rule`
rows, defined once in :data:`RULES`: a score rule compares the self-tuner
with the best of its baselines that ran (margin: the self-tuner's advantage;
it holds when the margin is at least minus the tolerance), a time rule
divides the self-tuner's fit seconds by its baseline's.

Protocol (the reports' last paragraph)
--------------------------------------
Each dataset is split 75/25 with random_state=0, stratified for
classification (benchmarks/datasets.py says where each comes from, its
licence and its role: dev datasets may be used to choose defaults, confirm
datasets only report). Every model gets random_state=0 where it takes one and
otherwise its defaults (benchmarks/models.py). The MLPs, RidgeCV and
LogisticRegressionCV(max_iter=5000) get the same ColumnTransformer (numeric
standardized, after median imputation with a missing-value indicator where
the training rows miss values; categoricals one-hot); MLPRegressor's target is standardized (TransformedTargetRegressor);
HistGradientBoosting, LightGBM (verbose=-1), RealMLP-TD and TabM-D get the
raw frame (categoricals native; the pytabkit models on CPU, skipped above
--realmlp-max-rows training rows). The grid: GridSearchCV(cv=3, n_jobs=2) over
hidden_layer_sizes (16,), (64,), (256,) x learning_rate_init 1e-4, 1e-3, 1e-2
x max_iter 25, 100, 400 (classification: scoring neg_log_loss), skipped where
its estimate exceeds --grid-limit seconds. Mean rank: 1 = best, ties averaged.
Brier: the mean over classes of the one-vs-rest Brier score. Fit seconds are
wall-clock.

Resplits (unseen)
-----------------
Margin: the self-tuner's advantage over the rule's baseline; a rule holds when
the margin is at least minus its tolerance. The other splits are 75/25 splits
with random_state 1 to N (stratified for classification), the models' seeds
unchanged. Verdict: split noise when the rule holds on the mean margin over
those splits and on at least half of them; a real gap when it fails on the
mean and on more than half; unclear when the two disagree.
"""

import json
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from _common import command_line, fmt, markdown_table, run_footer
from models import LABELS
from scipy.stats import rankdata

REG, CLF = "regression", "classification"
METRICS = {"test_r2": ("R²", True), "log_loss": ("log-loss", False),
           "accuracy": ("accuracy", True), "brier": ("Brier", False)}  # fmt: skip
TASK_METRICS = {REG: ["test_r2"], CLF: ["log_loss", "accuracy", "brier"]}
OURS = ("skauto", "skauto_raw")  # the self-tuners, never a competitor
NO_KNOB = ["skauto", "mlp", "hgb", "lightgbm", "realmlp", "tabm"]  # issue 20's rank
TIE = 0.002
LABELS = {**LABELS, "committed": "committed result"}


def _section(title):
    """A section of this module's docstring, which the reports quote."""
    return __doc__.split(f"\n{title}\n")[1].split("\n", 1)[1].split("\n\n")[0].strip()


PROTOCOL = _section("Protocol (the reports' last paragraph)")
RESPLIT_NOTE = _section("Resplits (unseen)")


def metric(rows, model, key):
    return (rows.get(model) or {}).get(key)


def task_of(meta):
    return meta.get("task") or (CLF if "n_classes" in meta else REG)


def best_of(rows, key, models):
    """The model of ``models`` with the best ``key`` among those that ran."""
    ran = {m: metric(rows, m, key) for m in models if metric(rows, m, key) is not None}
    pick = max if METRICS[key][1] else min
    return pick(ran, key=ran.get) if ran else None


def advantage(key, mine, other):
    """How much better ``mine`` is than ``other`` (positive: better)."""
    return mine - other if METRICS[key][1] else other - mine


# ------------------------------------------------------------------ the rules


@dataclass(frozen=True)
class Rule:
    """The self-tuner (``mine``) against the best of ``base``: a score margin
    (holds at ``>= -limit``) or, for ``fit_seconds``, a time ratio (holds at
    ``<= limit``)."""

    name: str
    metric: str
    base: tuple
    limit: float
    min_rows: int = 0
    max_rows: float = math.inf
    only: tuple = ()  # dataset names; empty: every dataset
    resplit: bool = False  # unseen: checked again on more splits
    mine: str = "skauto"

    def applies(self, meta):
        task_ok = self.metric == "fit_seconds" or self.metric in TASK_METRICS[task_of(meta)]  # fmt: skip
        size_ok = self.min_rows <= meta["n_rows"] < self.max_rows
        return task_ok and size_ok and (not self.only or meta["name"] in self.only)

    def value(self, rows):
        mine = metric(rows, self.mine, self.metric)
        if self.metric == "fit_seconds":
            other = metric(rows, self.base[0], "fit_seconds")
            return mine / other if mine is not None and other else None
        best = best_of(rows, self.metric, self.base)
        if mine is None or best is None:
            return None
        return advantage(self.metric, mine, metric(rows, best, self.metric))

    def holds(self, value):
        return value <= self.limit if self.metric == "fit_seconds" else value >= -self.limit  # fmt: skip

    def cell(self, meta, rows):
        value = self.value(rows) if self.applies(meta) else None
        if value is None:
            return "n/a"
        shown = f"{value:.2f}x" if self.metric == "fit_seconds" else f"{value:+.4f}"
        return f"{'PASS' if self.holds(value) else 'FAIL'} ({shown})"


_HARD = ("hgb", "lightgbm", "realmlp", "tabm")
ISSUE20 = [
    Rule("R² ≥ max(HGB, LightGBM, RealMLP-TD, TabM-D) − 0.02", "test_r2", _HARD, 0.02),
    Rule("log-loss ≤ min(HGB, LightGBM) + 0.02", "log_loss", ("hgb", "lightgbm"), 0.02),
    Rule("R² ≥ committed − 0.002", "test_r2", ("committed",), 0.002),
    Rule("log-loss ≤ committed + 0.002", "log_loss", ("committed",), 0.002),
    Rule("raw frame R² ≥ pipeline − 0.002", "test_r2", ("skauto",), 0.002, mine="skauto_raw"),
    Rule("raw frame log-loss ≤ pipeline + 0.002", "log_loss", ("skauto",), 0.002, mine="skauto_raw"),
]
ISSUE21 = [
    Rule("time ≤ 1 × MLP defaults (2,000 rows or more)", "fit_seconds", ("mlp",), 1.0, min_rows=2_000),
    Rule("time ≤ 3 × MLP defaults (under 2,000 rows)", "fit_seconds", ("mlp",), 3.0, max_rows=2_000),
    Rule("time ≤ 1 × one fit of the grid's best (bikeshare)", "fit_seconds", ("plain",), 1.0, only=("bikeshare",)),
]
RULES = {
    "regression": [
        Rule("R² ≥ max(MLP defaults, grid) − 0.002", "test_r2", ("mlp", "grid"), 0.002),
        Rule("R² ≥ RidgeCV − 0.005 (under 2,000 rows)", "test_r2", ("ridge",), 0.005, max_rows=2_000),
        Rule("time ≤ grid ÷ 10", "fit_seconds", ("grid",), 0.1),
        Rule("time ≤ 3 × MLP defaults (10,000 rows or more)", "fit_seconds", ("mlp",), 3.0, min_rows=10_000),
    ] + ISSUE20 + ISSUE21,
    "classification": [
        Rule("log-loss ≤ grid", "log_loss", ("grid",), 0.0),
        Rule("log-loss ≤ MLP defaults", "log_loss", ("mlp",), 0.0),
        Rule("accuracy ≥ grid − 0.002", "accuracy", ("grid",), 0.002),
        Rule("time ≤ grid ÷ 10", "fit_seconds", ("grid",), 0.1),
        Rule("time ≤ 3 × MLP defaults (10,000 rows or more)", "fit_seconds", ("mlp",), 3.0, min_rows=10_000),
    ] + ISSUE20 + ISSUE21,
    "unseen": [
        Rule("R² ≥ MLP defaults − 0.002", "test_r2", ("mlp",), 0.002, resplit=True),
        Rule("R² ≥ RidgeCV − 0.005 (under 2,000 rows)", "test_r2", ("ridge",), 0.005, max_rows=2_000, resplit=True),
        Rule("log-loss ≤ MLP defaults", "log_loss", ("mlp",), 0.0, resplit=True),
        Rule("log-loss ≤ LogRegCV", "log_loss", ("logreg",), 0.0, resplit=True),
        Rule("accuracy ≥ MLP defaults − 0.002", "accuracy", ("mlp",), 0.002, resplit=True),
        Rule("time ≤ 3 × MLP defaults", "fit_seconds", ("mlp",), 3.0),
    ] + ISSUE20,
}  # fmt: skip
RULES["rough"] = ISSUE20 + ISSUE21[:2]


def failed_rules(meta, rows, suite="unseen"):
    """The rules of ``suite`` that apply to the dataset and fail on ``rows``."""
    values = {r: r.value(rows) for r in RULES[suite] if r.applies(meta)}
    return [r for r, v in values.items() if v is not None and not r.holds(v)]


def resplit_summary(rule, rows, splits):
    """The rule's margins over the other splits, and a verdict: split noise
    (holds on the mean margin and on at least half of the splits), a real gap
    (fails on both), or unclear (the two disagree)."""
    margins = [s["margins"][rule.name] for s in splits]
    margins = [m for m in margins if m is not None]
    on_mean = bool(margins) and rule.holds(float(np.mean(margins)))
    on_most = 2 * sum(rule.holds(m) for m in margins) >= len(margins)
    verdict = ("split noise" if on_mean and on_most else "real gap"
               if not on_mean and not on_most else "unclear (the mean and the count disagree)")  # fmt: skip
    return {"main_margin": rule.value(rows),
            "mean_margin": float(np.mean(margins)) if margins else None,
            "sd_margin": float(np.std(margins)) if margins else None,
            "holds_on": sum(rule.holds(m) for m in margins), "splits": len(margins),
            "verdict": verdict if margins else "n/a"}  # fmt: skip


# ------------------------------------------------------------------ summaries


def wins_ties_losses(results, key, base):
    """[wins, ties, losses] of the self-tuner against ``base`` on ``key``."""
    counts = [0, 0, 0]
    for res in results.values():
        mine, other = metric(res["rows"], "skauto", key), metric(res["rows"], base, key)
        if mine is not None and other is not None:
            gap = advantage(key, mine, other)
            counts[0 if gap > TIE else 2 if gap < -TIE else 1] += 1
    return counts


def mean_ranks(results, key, models=NO_KNOB):
    """``{model: (mean rank, datasets)}``: 1 is best, ties averaged, each
    dataset ranking those of ``models`` that ran on it (the self-tuner among them)."""
    ranks = {m: [] for m in models}
    for res in results.values():
        ran = [m for m in models if metric(res["rows"], m, key) is not None]
        if "skauto" not in ran or len(ran) < 2:
            continue
        values = [-metric(res["rows"], m, key) if METRICS[key][1]
                  else metric(res["rows"], m, key) for m in ran]  # fmt: skip
        for m, rank in zip(ran, rankdata(values), strict=True):
            ranks[m].append(float(rank))
    return {m: (float(np.mean(v)), len(v)) for m, v in ranks.items() if v}


def worst_gap(results, key, models):
    """The self-tuner's largest shortfall against the best other model."""
    gaps = []
    for name, res in results.items():
        rows, others = res["rows"], [m for m in models if m not in OURS]
        best, mine = best_of(rows, key, others), metric(rows, "skauto", key)
        if best is not None and mine is not None:
            gaps.append((advantage(key, mine, metric(rows, best, key)), name, best))
    return min(gaps) if gaps else None


def time_ratios(results, base="mlp"):
    """The self-tuner's fit seconds over ``base``'s, dataset by dataset."""
    ratios = {n: Rule("", "fit_seconds", (base,), 0).value(r["rows"]) for n, r in results.items()}  # fmt: skip
    return {n: v for n, v in ratios.items() if v is not None}


def summarize(results, suite, models):
    """The summary numbers, per task and role, for the report and the JSON."""
    out = {}
    for task in [REG, CLF]:
        for role in ["all", "dev", "confirm"]:
            part = {n: r for n, r in results.items() if task_of(r["meta"]) == task
                    and role in ("all", r["meta"].get("role"))}  # fmt: skip
            if not part:
                continue
            s = {"datasets": len(part)}
            for key in TASK_METRICS[task]:
                s[key] = {"wins_ties_losses": {m: wins_ties_losses(part, key, m) for m in models if m not in OURS},
                          "mean_rank": mean_ranks(part, key),
                          "worst_gap": worst_gap(part, key, models)}  # fmt: skip
            ratios = list(time_ratios(part).values())
            s["time_ratio_geomean"] = float(np.exp(np.mean(np.log(ratios)))) if ratios else None  # fmt: skip
            s["rules_pass"] = {}
            for rule in RULES.get(suite, []):
                values = [rule.value(r["rows"]) for r in part.values() if rule.applies(r["meta"])]  # fmt: skip
                values = [v for v in values if v is not None]
                if values:
                    s["rules_pass"][rule.name] = [sum(map(rule.holds, values)), len(values)]  # fmt: skip
            out[f"{task}/{role}"] = s
    return out


def summary_lines(summ):
    lines = []
    for part, s in summ.items():
        label = f"{part} ({s['datasets']} datasets)"
        for key, v in ((k, v) for k, v in s.items() if k in METRICS):
            what = METRICS[key][0]
            wtl = "; ".join(f"{LABELS[m]} {w}/{t}/{lo}" for m, (w, t, lo) in v["wins_ties_losses"].items() if w + t + lo)  # fmt: skip
            ranks = ", ".join(f"{LABELS[m]} {r:.2f} (on {n})" for m, (r, n) in sorted(v["mean_rank"].items(), key=lambda kv: kv[1][0]))  # fmt: skip
            lines.append(f"- {label}, {what}: SelfTuning wins/ties/losses (tie within {TIE}) against {wtl or 'n/a'}.")
            lines.append(f"- {label}, {what}: mean rank among {', '.join(LABELS[m] for m in NO_KNOB)} where they ran: {ranks or 'n/a'}.")
            if v["worst_gap"]:
                gap, name, best = v["worst_gap"]
                lines.append(f"- {label}, {what}: worst gap {gap:+.4f} on {name} (against {LABELS[best]}).")
        if s["time_ratio_geomean"] is not None:
            lines.append(f"- {label}: geometric mean of SelfTuning ÷ MLP defaults fit time {s['time_ratio_geomean']:.3f} (issue 21: ≤ 0.5).")
        if s["rules_pass"]:
            counts = "; ".join(f"{n} {p}/{t}" for n, (p, t) in s["rules_pass"].items())
            lines.append(f"- {label}: rules passed, of the datasets where they apply: {counts}.")
    return lines


# ------------------------------------------------------------------ tables


def _models(results):
    """The models of the rows, in the order of the first dataset's rows."""
    seen = {}
    for res in results.values():
        seen.update(dict.fromkeys(res["rows"]))
    return [m for m in seen if m != "committed"]


def metric_table(results, key, models):
    headers = ["dataset", "role", "rows", "features (cat.)"]
    headers += [LABELS[m] for m in models] + ["best"]
    lines = []
    for name, res in results.items():
        meta, rows = res["meta"], res["rows"]
        best = best_of(rows, key, models)
        cells = [name, meta.get("role", ""), f"{meta['n_rows']:,}", f"{meta['n_features']} ({meta['n_categorical']})"]  # fmt: skip
        for m in models:
            value = fmt(metric(rows, m, key))
            value = f"**{value}**" if m == best else value
            cells.append(value + ("*" if (rows.get(m) or {}).get("source") == "cache" else ""))  # fmt: skip
        lines.append(cells + [LABELS.get(best, "n/a")])
    return markdown_table(headers, lines)


def seconds_table(results, models):
    bases = [m for m in ("mlp", "grid", "plain") if m in models]
    headers = ["dataset"] + [LABELS[m] for m in models]
    headers += [f"SelfTuning ÷ {LABELS[b]}" for b in bases]
    lines = []
    for name, res in results.items():
        cells = [name] + [fmt(metric(res["rows"], m, "fit_seconds"), ".1f") for m in models]  # fmt: skip
        cells += [fmt(time_ratios({name: res}, b).get(name), ".3f") for b in bases]
        lines.append(cells)
    return markdown_table(headers, lines)


def rules_table(results, rules):
    rules = [r for r in rules if any(r.applies(res["meta"]) and r.value(res["rows"]) is not None for res in results.values())]  # fmt: skip
    lines = [[n, r["meta"].get("role", ""), *(rule.cell(r["meta"], r["rows"]) for rule in rules)] for n, r in results.items()]  # fmt: skip
    return markdown_table(["dataset", "role", *(r.name for r in rules)], lines) if rules else "No rule applies."  # fmt: skip


def resplit_lines(results, n_resplits):
    lines = []
    for name, res in results.items():
        for rule, v in ((res.get("resplit") or {}).get("rules") or {}).items():
            lines.append([name, rule, fmt(v["main_margin"], "+.4f"), str(v["splits"]),
                          f"{fmt(v['mean_margin'], '+.4f')} ({fmt(v['sd_margin'], '.4f')})",
                          f"{v['holds_on']}/{v['splits']}", v["verdict"]])  # fmt: skip
    if not lines:
        return []
    headers = ["dataset", "rule", "margin, main split", "other splits",
               "mean margin (sd)", "rule holds on", "verdict"]  # fmt: skip
    return [f"## Failed rules over {n_resplits} other splits", "", RESPLIT_NOTE, "",
            markdown_table(headers, lines), ""]  # fmt: skip


def warning_lines(results):
    """The self-tuner's warnings, dataset by dataset; the others' counted."""
    lines, counts = [], {}
    for name, res in results.items():
        for m, row in res["rows"].items():
            for w in row.get("warnings") or []:
                if m == "skauto":
                    origin = "skauto" if w["from_skauto"] else Path(w["where"]).name
                    lines.append(f"- {name}: {w['category']} ({origin}, {w['count']}x): {w['message'][:200]}")
            for cat in {w["category"] for w in row.get("warnings") or []} if m != "skauto" else ():
                counts[(m, cat)] = counts.get((m, cat), 0) + 1
    lines = lines or ["- SelfTuning: no warning on any dataset (main split)."]
    return lines + [f"- {LABELS[m]}: {cat} on {n} datasets." for (m, cat), n in sorted(counts.items())]


def notes_table(results):
    lines = [[name, LABELS[m], row.get("source", ""), row.get("ran_utc", ""),
              fmt(row.get("load_average_1min"), ".2f"), row.get("note", "")]
             for name, res in results.items() for m, row in res["rows"].items() if m != "committed"]  # fmt: skip
    return markdown_table(["dataset", "model", "from", "ran (UTC)", "load", "notes"], lines)


def add_committed(results, path):
    """Add each dataset's self-tuner row of the result JSON ``path`` as the
    pseudo-model ``committed`` (issue 20's "no dataset lower than .002")."""
    if not path:
        return
    committed = json.loads(Path(path).read_text())["datasets"]
    for name, res in results.items():
        if name in committed:
            res["rows"]["committed"] = committed[name]["rows"]["skauto"]


def report(data, stem=None):
    """``(markdown, summary)`` of a suite's result ``data``."""
    suite = data.get("suite") or stem
    results = {n: {**r, "rows": dict(r["rows"])} for n, r in data["datasets"].items()}
    add_committed(results, data.get("compare_to"))
    models = _models(results)
    summ = summarize(results, suite, models)
    cached = sorted({row.get("ran_utc", "?")[:10] for r in results.values()
                     for row in r["rows"].values() if row.get("source") == "cache"})  # fmt: skip
    lines = [f"# {STEM_TITLES[suite]}{' (quick smoke run)' if '--quick' in data['argv'] else ''}", "",
             f"Command: {command_line(STEMS[suite] + '.py', data['argv'])}", "",
             f"Rows marked * came from the cache (run on {', '.join(cached)}; see the last table): fit-time ratios between a fresh row and a cached one compare two runs." if cached else "Every row ran in this run.",
             "", "## Summary", "", *summary_lines(summ), ""]  # fmt: skip
    for task in [REG, CLF]:
        part = {n: r for n, r in results.items() if task_of(r["meta"]) == task}
        if not part:
            continue
        here = [m for m in models if any(m in r["rows"] for r in part.values())]
        for key in TASK_METRICS[task]:
            if any(metric(r["rows"], m, key) is not None for r in part.values() for m in here):
                label, higher = METRICS[key]
                lines += [f"## {task.capitalize()}: test {label} ({'higher' if higher else 'lower'} is better)", "", metric_table(part, key, here), ""]
        lines += [f"## {task.capitalize()}: fit seconds", "", seconds_table(part, here), ""]
        lines += [f"## {task.capitalize()}: targets", "", rules_table(part, RULES.get(suite, [])), ""]
    lines += resplit_lines(results, data.get("resplits"))
    lines += ["## Warnings", "", *warning_lines(results), "", "## Where each row comes from", "",
              notes_table(results), "", PROTOCOL, "", run_footer(data["machine"])]  # fmt: skip
    return "\n".join(lines), summ


def row_line(row):
    """One row as the runner prints it."""
    values = " ".join(f"{METRICS[k][0]}={fmt(row[k])}" for k in METRICS if k in row)
    return f"{values} {fmt(row.get('fit_seconds'), '.1f')} s; {row.get('note', '')}"


STEM_TITLES = {
    "regression": "bench_suite: the regression suite",
    "classification": "bench_classifier: SelfTuningMLPClassifier on the classification suite",
    "unseen": "bench_unseen: the self-tuning MLPs on real datasets no default was chosen on",
    "rough": "bench_rough: rough real tables (issue 20)",
}
# each suite's script, and the stem of its result files
STEMS = {"regression": "bench_suite", "classification": "bench_classifier",
         "unseen": "bench_unseen", "rough": "bench_rough"}  # fmt: skip
