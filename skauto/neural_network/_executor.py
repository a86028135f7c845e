"""The population executor: the self-tuners' side of ``drive``.

:class:`PopulationExecutor` has the interface of AutoSearchCV's
``Evaluator``: ``evaluate(jobs)`` brings every job's candidate (all its fold
copies) to the job's budget in the one wide network and returns their
validation scores, ``prune(alive)`` drops the others, ``records()`` gives one
row per candidate and rung for ``cv_results_``. A rung with a ``rule`` (the
survivors' final rung) anneals the learning rates as the rule says, checks
the validation score at every epoch or every ``_CHECK_ROWS`` rows, and lets
the rule stop each copy.
"""

import math
import time
from collections import defaultdict

import numpy as np
from scipy.stats import qmc

from .._population import Population

# In a final rung, the survivors are validated every epoch or every
# _CHECK_ROWS rows, whichever comes first.
_CHECK_ROWS = 100_000


class Trace:
    """What a fit records while it runs: losses, validation scores, stops."""

    def __init__(self, tasks):
        self.start = time.perf_counter()
        self.tasks = tasks  # scikit-learn's callbacks (skauto._callbacks.TaskTree)
        self.stop_stage = False  # a callback asked to end the stage
        self.stop_asked = False  # ... or the search
        self.loss = defaultdict(list)  # copy -> mean loss of each full epoch
        self.partial = defaultdict(float)  # copy -> loss summed this epoch
        self.partial_rows = defaultdict(int)  # copy -> rows this epoch
        self.val = defaultdict(list)  # copy -> validation score of each check
        self.val_at_end = defaultdict(list)  # copy -> was that check an epoch's end
        self.diverged = set()
        self.stopped = {}  # copy -> samples seen when its rule stopped it
        self.timed_out = False

    def elapsed(self):
        return time.perf_counter() - self.start

    def check_time(self, max_time):
        self.timed_out = max_time is not None and self.elapsed() > max_time
        return self.timed_out

    def add_loss(self, ids, loss, n_rows, epoch_done, epoch_rows):
        for cid, value in zip(ids.tolist(), loss.tolist(), strict=True):
            self.partial[cid] += value
            self.partial_rows[cid] += n_rows
            if epoch_done:
                self.loss[cid].append(self.partial.pop(cid) / epoch_rows)
                del self.partial_rows[cid]

    def add_val(self, ids, scores, epoch_done):
        for cid, score in zip(ids.tolist(), scores.tolist(), strict=True):
            self.val[cid].append(score)
            self.val_at_end[cid].append(epoch_done)

    def validation_curve(self, copy):
        """Validation score of one copy at each epoch's end, and after a last
        partial epoch: one per entry of its ``loss_curve``."""
        scores, ends = self.val[copy], self.val_at_end[copy]
        curve = [s for s, end in zip(scores, ends, strict=True) if end]
        if self.partial_rows.get(copy, 0) and scores and not ends[-1]:
            curve.append(scores[-1])
        return curve

    def loss_curve(self, copy):
        """Mean loss per epoch of one copy; a last partial epoch counts."""
        rows = self.partial_rows.get(copy, 0)
        last = [self.partial[copy] / rows] if rows else []
        return self.loss[copy] + last


def spawn(n_candidates, ranges, data, rng, output, scale=None):
    """Sample the candidates (Latin hypercube on the log scale of each of
    ``ranges``: hidden size, learning rate, L2 strength) and build their fold
    copies; return (candidates' parameters, Population)."""
    n = n_candidates
    unit = qmc.LatinHypercube(d=3, seed=rng).random(n)
    logs = [np.log(bounds) for bounds in ranges.values()]
    values = [
        np.exp(lo + u * (hi - lo)) for (lo, hi), u in zip(logs, unit.T, strict=True)
    ]
    sizes = np.maximum(1, np.round(values[0])).astype(np.int64)
    candidates = [
        {
            "hidden_layer_sizes": (int(sizes[k]),),
            "learning_rate_init": float(values[1][k]),
            "alpha": float(values[2][k]),
        }
        for k in range(n)
    ]
    kinds = np.zeros(n, np.int64)
    if data.twin is not None:  # each candidate again, fitted to the twin target
        candidates = [{**c, "target_transform": None} for c in candidates] + [
            {**c, "target_transform": data.twin.name} for c in candidates
        ]
        sizes, values = np.tile(sizes, 2), [np.tile(v, 2) for v in values]
        kinds, n = np.repeat([0, 1], n), 2 * n
    # candidate c has one copy per fold: ids c * n_folds + fold
    k = data.n_folds
    population = Population(
        data.X.shape[1],
        data.n_outputs,
        *(np.repeat(v, k) for v in (sizes, values[1], values[2])),
        rng.spawn(n * k),
        range(n * k),
        folds=np.tile(np.arange(k), n),
        groups=np.repeat(np.arange(n), k),
        output=output,
        scale=scale,
        targets=None if data.twin is None else np.repeat(kinds, k),
        back=data.back,
    )
    return candidates, population


class PopulationExecutor:
    """Train a population of candidates rung by rung, for ``drive``.

    Parameters
    ----------
    population : skauto._population.Population
        The candidates' fold copies: candidate ``c`` has ids
        ``c * n_folds + fold``.
    stream : skauto._population.BatchStream
        The mini-batches, shared by every candidate.
    data : skauto.neural_network._data.Data
        Training and validation rows.
    plan : list of skauto._schedule.Rung
        The schedule's rungs, whose ``rule`` says how a rung ends.
    candidates : list of dict
        Parameters of each candidate, in scikit-learn's MLP names.
    batch_size : int
        Mini-batch size.
    trace : Trace
        Where losses, scores and stops are recorded.
    report : callable
        ``report(jobs, scores, seconds)`` after each rung (verbose output).
    snapshot : callable
        ``snapshot(executor)``: the fitted attributes of the model a fit
        stopped now would return, for scikit-learn's callbacks.
    callback_data : dict
        ``X``, ``y`` and ``metadata`` given to the callbacks.
    max_time : float or None
        Seconds after which a rung stops at its next check.
    work_cap : float or None
        In a final rung, at most this many rows times hidden units of the
        survivors (None: the rung's budget alone).
    """

    def __init__(
        self, population, stream, data, plan, candidates, batch_size, trace, *,
        report, snapshot, callback_data, max_time=None, work_cap=None,
    ):  # fmt: skip
        self.population, self.stream, self.data = population, stream, data
        self.plan, self.candidates = plan, candidates
        self.batch_size, self.trace = batch_size, trace
        self.report, self.snapshot = report, snapshot
        self.callback_data = callback_data
        self.max_time, self.work_cap = max_time, work_cap
        self._records = []

    # ------------------------------------------------------------ interface
    def evaluate(self, jobs):
        """Bring every job's candidate to its budget; return {candidate: score}."""
        tic = time.perf_counter()
        self.prune(j.candidate for j in jobs)
        rule = self.plan[jobs[0].iter].rule
        if rule is None:
            self._train_to(jobs[0].n_resources, jobs)
        else:
            self._train_on(jobs[0].n_resources, rule, jobs)
        scores = self._scores(jobs)
        seconds = time.perf_counter() - tic
        self._records += self._rung_records(jobs, seconds)
        self.report(jobs, scores, seconds, self._samples_run(jobs) / self.data.n_train)
        return scores

    def _samples_run(self, jobs):
        """Mean samples seen by the jobs' copies, each until its rule stopped it."""
        seen = self.population.samples_seen
        copies = self.copies(j.candidate for j in jobs)
        return float(np.mean([self.trace.stopped.get(i, seen) for i in copies]))

    def prune(self, alive):
        """Keep only the fold copies of the candidates in ``alive``."""
        self.population.keep(self.copies(alive))

    def records(self):
        """One record per candidate and rung that ran, for ``build_cv_results``."""
        return list(self._records)

    # ------------------------------------------------------------- training
    def _train_to(self, target, jobs):
        """Train to ``target`` samples seen, validating at every epoch's end."""
        population, stream = self.population, self.stream
        rows = target - population.samples_seen
        self._begin_stage(jobs, _n_checks(stream, rows, rows))
        while len(population) and population.samples_seen < target:
            self._train(stream.take(target - population.samples_seen))
            if len(population) and (
                stream.epoch_done or population.samples_seen >= target
            ):
                self._validate()
            if self.trace.check_time(self.max_time) or self.trace.stop_stage:
                break
        self._end_stage()

    def _train_on(self, target, rule, jobs):
        """Train to ``target`` samples seen (capped by ``work_cap``), the
        learning rates following ``rule.lr_factor`` over the rung, validating
        every epoch or ``_CHECK_ROWS`` rows; ``rule`` stops a copy early,
        which keeps its best checkpoint."""
        population, stream, trace = self.population, self.stream, self.trace
        state = rule.start(_by_id(population.ids, population.best_score))
        start, cap = population.samples_seen, self._cap(target)
        every = min(self.data.n_train, _CHECK_ROWS)
        self._begin_stage(jobs, _n_checks(stream, cap - start, every))
        while len(population) and population.samples_seen < cap:
            seen = population.samples_seen

            def lr_factor(i, seen=seen):
                return rule.lr_factor((seen + i - start) / (cap - start))

            self._train(stream.take(min(every, cap - seen)), lr_factor)
            if len(population):
                stop = rule.update(state, _by_id(population.ids, self._validate()))
                trace.stopped.update(dict.fromkeys(stop, population.samples_seen))
                population.retire(stop)
            if trace.check_time(self.max_time) or trace.stop_stage:
                break
        self._end_stage()

    def _cap(self, target):
        """Samples seen at which a final rung stops: its budget, and at most
        ``work_cap`` rows times the survivors' hidden units."""
        seen, sizes = self.population.samples_seen, self.population.sizes
        cap = target
        if self.work_cap is not None and len(sizes):
            cap = min(cap, seen + self.work_cap / sizes.sum())
        return max(seen, int(cap))

    def _train(self, rows, lr_factor=None):
        """One chunk of mini-batches; candidates whose loss is not finite drop."""
        population, data = self.population, self.data
        loss = population.train(
            data.X, data.y, data.w, rows, self.batch_size, data.row_folds, lr_factor
        )
        self.trace.add_loss(
            population.ids, loss, len(rows), self.stream.epoch_done, self.stream.n_rows
        )
        diverged = ~np.isfinite(loss)
        if diverged.any():  # dropped at once with its fold copies, never promoted
            k = data.n_folds
            bad = self.copies(set((population.ids[diverged] // k).tolist()))
            self.trace.diverged.update(bad)
            population.keep(np.setdiff1d(population.ids, bad))

    def _validate(self):
        population, data = self.population, self.data
        scores = population.score(
            data.X_val, data.y_val, data.w_val, data.y_var, data.row_folds
        )
        self.trace.add_val(population.ids, scores, self.stream.epoch_done)
        epochs = population.samples_seen / data.n_train
        self.trace.stop_stage = self.trace.tasks.leaf(
            f"epoch {epochs:.3g}", **self._callback_kwargs()
        )
        return scores

    # ------------------------------------------------- scikit-learn callbacks
    def _begin_stage(self, jobs, n_checks):
        """A stage is a task of the callbacks; each validation check a leaf."""
        self.trace.stop_stage = False
        name = f"stage {jobs[0].iter + 1}: {len(jobs)} networks"
        if self.plan[jobs[0].iter].rule is not None:
            name += f", {jobs[0].n_resources / self.data.n_train:.3g} epochs planned"
        self.trace.tasks.begin_step(name, n_checks)

    def _end_stage(self):
        self.trace.stop_asked = self.trace.tasks.end_step(**self._callback_kwargs())

    def _callback_kwargs(self):
        """The training data and, built only if a callback asks for it, the
        model a fit stopped here would return (the best candidate's bag)."""
        return {
            **self.callback_data,
            "reconstruction_attributes": lambda: self.snapshot(self),
        }

    # -------------------------------------------------------------- results
    def copies(self, candidates):
        """Population ids of the fold copies of ``candidates``."""
        k = self.data.n_folds
        return [c * k + f for c in candidates for f in range(k)]

    def mean_best(self, candidate):
        """Mean over a candidate's copies of their best validation score."""
        copies = self.copies([candidate])
        return float(np.mean([self.population.best_of(i)[0] for i in copies]))

    def _scores(self, jobs):
        return {j.candidate: self.mean_best(j.candidate) for j in jobs}

    def n_diverged(self):
        return len({i // self.data.n_folds for i in self.trace.diverged})

    def _rung_records(self, jobs, seconds):
        population, trace = self.population, self.trace
        records = []
        for job in jobs:
            copies = self.copies([job.candidate])
            seen = max(trace.stopped.get(i, population.samples_seen) for i in copies)
            split = [population.best_of(i)[0] for i in copies]
            records.append(
                {
                    "candidate": job.candidate,
                    "bracket": job.bracket,
                    "iter": job.iter,
                    "n_resources": min(job.n_resources, seen),
                    "params": dict(self.candidates[job.candidate]),
                    "status": "diverged" if copies[0] in trace.diverged else "ok",
                    "test_scores": {
                        "score": [x if math.isfinite(x) else np.nan for x in split]
                    },
                    "train_scores": None,
                    "fit_time": [seconds / len(jobs)],
                    "score_time": [0.0],
                }
            )
        return records


def _by_id(ids, values):
    """{id: value} of two arrays, as Python numbers."""
    return dict(zip(ids.tolist(), values.tolist(), strict=True))


def _n_checks(stream, rows, every):
    """Validation checks in training ``rows`` more rows from ``stream``, one
    after every ``every`` rows and at every epoch's end (the most a stage
    makes, for the callbacks' progress). Counted, not simulated: a budget of
    1e9 epochs must not take 1e9 steps to count."""
    if rows <= 0:
        return 0
    n = stream.n_rows
    left = n - stream.pos if stream.pos < n else n  # rows to this epoch's end
    first = min(rows, left)
    full, last = divmod(rows - first, n)
    return -(-first // every) + full * -(-n // every) + -(-last // every)
