"""The halving policy: which candidate gets how much budget, and when.

Pure arithmetic and bookkeeping (standard library only, no training code), used
by both executors: the numpy population inside the self-tuning networks and
the joblib executor of :class:`~skauto.model_selection.AutoSearchCV`. Both run
the same loop, :func:`drive`::

    while jobs := schedule.ask():
        schedule.tell(evaluate(jobs))

A job asks the executor to bring one candidate to a *cumulative* budget
(``n_resources``); the executor answers with one score per candidate, higher is
better. A score that is NaN or -inf marks a failed or diverged candidate: it is
never promoted.
"""

import math
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Job:
    """Bring ``candidate`` to ``n_resources`` units of budget in total."""

    candidate: int
    bracket: int
    iter: int
    n_resources: int


@dataclass(frozen=True)
class Rung:
    """One planned rung of a bracket.

    ``rule`` is None for a rung that brings every candidate to its budget, or
    the rule by which a candidate of the survivors' final rung stops earlier
    (see :class:`Patience`).
    """

    bracket: int
    iter: int
    n_candidates: int
    n_resources: int
    rule: object = None


class Patience:
    """When a candidate of a final rung stops: per-candidate patience.

    At each check, a candidate whose score did not improve on its best by more
    than ``tol`` for ``patience`` checks has its learning rate multiplied by
    ``cut``; after ``n_cuts`` such cuts, the next ``patience`` checks without
    an improvement stop it.

    Parameters
    ----------
    patience : int, default=5
        Checks without an improvement before a cut (or the stop).
    tol : float, default=1e-4
        An improvement must exceed this.
    cut : float, default=0.25
        Factor on the learning rate at each cut.
    n_cuts : int, default=2
        Cuts before the stop.
    """

    def __init__(self, patience=5, tol=1e-4, cut=0.25, n_cuts=2):
        self.patience, self.tol, self.cut, self.n_cuts = patience, tol, cut, n_cuts

    def start(self, best):
        """The state of a rung whose candidates start from ``{id: best score}``."""
        return {c: [score, 0, 0] for c, score in best.items()}  # best, bad, cuts

    def update(self, state, scores):
        """Record one check of ``{id: score}``; return (ids to slow down, ids
        to stop)."""
        cut, stop = [], []
        for c, score in scores.items():
            entry = state[c]
            if score > entry[0] + self.tol:
                entry[0], entry[1] = score, 0
                continue
            entry[1] += 1
            if entry[1] >= self.patience:
                entry[1] = 0
                if entry[2] < self.n_cuts:
                    entry[2] += 1
                    cut.append(c)
                else:
                    stop.append(c)
        return cut, stop


def _is_valid(score):
    return score is not None and not math.isnan(score) and score != -math.inf


def drive(schedule, evaluate, *, errors=None, deadline=None, after_rung=None):
    """The driver loop of every search: ask the policy for jobs, evaluate, tell.

    Parameters
    ----------
    schedule : SuccessiveHalving or Hyperband
        The policy: which candidates get which budget, who is promoted or
        stopped (see ``early_stopping``).
    evaluate : callable
        ``evaluate(jobs)`` brings every job's candidate to its budget and
        returns ``{candidate: score}``, higher is better.
    errors : callable or None, default=None
        ``errors(scores)`` returns ``{candidate: standard error}`` of those
        scores, for the policy's early stopping.
    deadline : float or None, default=None
        A ``time.perf_counter()`` value after which no new rung starts (the
        only time limit of a search; an executor may also stop a rung early).
    after_rung : callable or None, default=None
        ``after_rung(jobs, scores)``, once the policy has been told: records,
        progress, pruning. When it returns True, no new rung starts.

    Returns
    -------
    cut : bool
        Whether the deadline or ``after_rung`` cut the schedule before its
        last rung.
    """
    while jobs := schedule.ask():
        scores = evaluate(jobs)
        schedule.tell(scores, None if errors is None else errors(scores))
        stop = after_rung is not None and after_rung(jobs, scores) is True
        if stop or (deadline is not None and time.perf_counter() >= deadline):
            return not schedule.done
    return False


def _clearly_fell(before, after):
    """Whether a (mean, standard error) score fell by more than the standard
    error of the fall; False when either is missing or not a number."""
    if before is None or after is None:
        return False
    return before[0] - after[0] > math.hypot(before[1], after[1])


# A plan longer than this is a mistake (a factor within a hair of 1), not a
# schedule anyone wants to run: every rung costs an evaluation of every survivor.
MAX_RUNGS = 1000


def _check_factor(factor):
    if not factor > 1:  # written so that NaN fails too
        raise ValueError(f"factor={factor!r} must be a number > 1")


def n_rungs_between(min_resources, max_resources, factor):
    """Number of rungs r, r*f, r*f**2, ... from min_resources up to max_resources.

    Raises a ValueError naming ``factor`` when that is more than
    :data:`MAX_RUNGS` (a factor too close to 1 for the budget range).
    """
    n_rungs = _n_rungs(min_resources, max_resources, factor)
    _check_n_rungs(n_rungs, min_resources, max_resources, factor)
    return n_rungs


def _n_rungs(min_resources, max_resources, factor):
    _check_factor(factor)
    if min_resources > max_resources:
        raise ValueError(
            f"min_resources={min_resources} > max_resources={max_resources}"
        )
    ratio = max_resources / min_resources
    return 1 + int(math.floor(math.log(ratio) / math.log(factor) + 1e-9))


def _check_n_rungs(n_rungs, min_resources, max_resources, factor):
    if n_rungs <= MAX_RUNGS:
        return
    smallest = (max_resources / min_resources) ** (1 / (MAX_RUNGS - 1))
    raise ValueError(
        f"factor={factor!r} is too close to 1: growing the budget from "
        f"min_resources={min_resources} to max_resources={max_resources} would "
        f"take {n_rungs} rungs (at most {MAX_RUNGS}). Use factor >= "
        f"1 + {smallest - 1:.2g} (2 or 3 is usual)."
    )


def rung_resources(n_rungs, max_resources, factor):
    """Budgets of ``n_rungs`` geometric rungs ending exactly at max_resources.

    Budgets are rounded to integers, so with a factor close to 1 neighbouring
    rungs can get the same budget.
    """
    return [
        max(1, int(round(max_resources / factor ** (n_rungs - 1 - i))))
        for i in range(n_rungs)
    ]


def _halving_counts(n_candidates, factor, floor):
    """Candidates per rung: ``ceil(n / factor)``, at least one fewer each rung."""
    counts = [n_candidates]
    while counts[-1] > floor:
        n = counts[-1]
        # min(n - 1, ...): with factor close to 1, ceil(n / factor) == n; the
        # loop must still make progress.
        counts.append(max(floor, min(n - 1, math.ceil(n / factor))))
    return counts


def _merge_equal_budgets(counts, resources):
    """Drop a rung whose budget equals the previous one's: it would train nothing.

    The merged rung keeps its first count; the elimination of the dropped
    rungs happens at once, before the next budget.
    """
    kept = [0] + [
        i for i in range(1, len(resources)) if resources[i] > resources[i - 1]
    ]
    return [counts[i] for i in kept], [resources[i] for i in kept]


class SuccessiveHalving:
    """Successive halving over ``n_candidates`` candidates.

    Every rung gives each live candidate its rung's budget, then keeps the
    best ``ceil(n / factor)`` of them for the next rung. The rung budgets grow
    geometrically by ``factor`` and the last one is exactly ``max_resources``;
    when there are too few candidates to fill every rung, the first rungs are
    skipped (the search starts with more budget), so the winner always gets
    ``max_resources``, unless ``fill``.

    Parameters
    ----------
    n_candidates : int
        Number of candidates in the first rung.
    min_resources, max_resources : int
        Smallest budget a rung may give, and the budget of the last rung.
    factor : int or float, default=3
        Elimination rate: 1/factor of the candidates survive each rung.
    min_survivors : int, default=1
        Halving never keeps fewer than this many candidates; when it is more
        than 1, the survivors get one more rung together (``factor`` times
        the budget) after the last elimination.
    bracket : int, default=0
        Index of this bracket, reported in jobs.
    first_candidate : int, default=0
        Id of the first candidate; candidates are numbered consecutively.
    fill : bool, default=False
        Run every rung from ``min_resources`` up: when the candidates run
        out first, the last survivors climb the remaining rungs together.
    early_stopping : bool, default=False
        A promoted candidate whose score fell from its previous rung by more
        than the standard error of the fall does not go on (``tell`` needs
        the standard errors). Its scores stay and can win.
    final_resources : int or None, default=None
        Budget of a final rung of the last survivors, after the halving, when
        it exceeds the last rung's: every survivor with a valid score trains
        on up to it, unless ``final_rule`` stops it earlier.
    final_rule : object or None, default=None
        That rung's ``rule`` (see :class:`Rung`), e.g. :class:`Patience`.
    """

    def __init__(
        self,
        n_candidates,
        min_resources,
        max_resources,
        factor=3,
        *,
        min_survivors=1,
        bracket=0,
        first_candidate=0,
        fill=False,
        early_stopping=False,
        final_resources=None,
        final_rule=None,
    ):
        if n_candidates < 1:
            raise ValueError(f"n_candidates={n_candidates} must be >= 1")
        _check_factor(factor)
        self.factor = factor
        self.min_survivors = min_survivors
        self.bracket = bracket
        self.fill = fill
        self.early_stopping = early_stopping
        self.candidates = list(range(first_candidate, first_candidate + n_candidates))
        self._rungs = self._make_plan(n_candidates, min_resources, max_resources)
        last = self._rungs[-1]
        if final_resources is not None and final_resources > last.n_resources:
            self._rungs.append(
                Rung(
                    bracket,
                    last.iter + 1,
                    last.n_candidates,
                    int(final_resources),
                    final_rule,
                )
            )
        self.scores = {}  # (iter, candidate) -> score
        self.errors = {}  # (iter, candidate) -> standard error of the score
        self._iter = 0
        self._alive = list(self.candidates)
        self._pending = set(self._alive)
        self._asked = False

    def _make_plan(self, n_candidates, min_resources, max_resources):
        floor = max(1, self.min_survivors)
        counts = _halving_counts(n_candidates, self.factor, floor)
        if floor > 1 and len(counts) > 1:
            counts.append(counts[-1])  # the survivors train once more, together
        n_rungs = _n_rungs(min_resources, max_resources, self.factor)
        if not self.fill:
            n_rungs = min(n_rungs, len(counts))
        _check_n_rungs(n_rungs, min_resources, max_resources, self.factor)
        counts += [counts[-1]] * (n_rungs - len(counts))
        counts, resources = _merge_equal_budgets(
            counts[:n_rungs], rung_resources(n_rungs, max_resources, self.factor)
        )
        return [
            Rung(self.bracket, i, c, r)
            for i, (c, r) in enumerate(zip(counts, resources, strict=True))
        ]

    def plan(self):
        """The rungs this bracket will run if no candidate fails."""
        return list(self._rungs)

    @property
    def done(self):
        return self._iter >= len(self._rungs)

    @property
    def alive(self):
        """Candidates still in the race (those of the current rung)."""
        return [] if self.done else list(self._alive)

    def ask(self):
        """Jobs of the current rung not yet handed out (empty when waiting or done)."""
        if self.done or self._asked:
            return []
        self._asked = True
        budget = self._rungs[self._iter].n_resources
        return [Job(c, self.bracket, self._iter, budget) for c in sorted(self._pending)]

    def tell(self, results, errors=None):
        """Record ``{candidate: score}`` (and ``{candidate: standard error}``);
        promote the best when the rung is complete."""
        for candidate, error in (errors or {}).items():
            self.errors[(self._iter, candidate)] = error
        for candidate, score in results.items():
            if candidate not in self._pending:
                raise ValueError(
                    f"candidate {candidate} has no pending job in bracket "
                    f"{self.bracket}, rung {self._iter}"
                )
            self.scores[(self._iter, candidate)] = score
            self._pending.discard(candidate)
        if not self._pending and not self.done:
            self._promote()

    def _promote(self):
        scored = [
            (self.scores[(self._iter, c)], c)
            for c in self._alive
            if _is_valid(self.scores[(self._iter, c)])
        ]
        self._iter += 1
        if self.done:
            return
        n_keep = self._rungs[self._iter].n_candidates
        # Highest score first; ties broken by the lower candidate id.
        scored.sort(key=lambda sc: (-sc[0], sc[1]))
        self._alive = sorted(c for _, c in scored[:n_keep])
        if self.early_stopping:
            self._alive = [c for c in self._alive if not self._fell(c)]
        self._pending = set(self._alive)
        self._asked = False
        if not self._alive:  # every candidate failed or fell: nothing left to run
            self._iter = len(self._rungs)

    def _fell(self, candidate):
        """Whether ``candidate``'s score fell clearly in the rung just done."""
        now = self._iter - 1

        def at(i):
            if (i, candidate) not in self.errors:
                return None
            return self.scores[(i, candidate)], self.errors[(i, candidate)]

        return _clearly_fell(at(now - 1), at(now))


class Hyperband:
    """Several successive-halving brackets that hedge against stopping early.

    Bracket ``s`` (from the most aggressive, with the most candidates and the
    smallest first budget, to the most conservative, which gives every
    candidate ``max_resources``) follows Li et al. (2018): its first rung has
    ``ceil(n_brackets_max / (s + 1) * factor**s)`` candidates with budget
    ``max_resources / factor**s``. All brackets run side by side: ``ask``
    returns the ready jobs of every bracket.

    Parameters
    ----------
    min_resources, max_resources : int
        Smallest budget of a rung, and the budget of every bracket's last rung.
    factor : int or float, default=3
        Elimination rate inside each bracket.
    n_brackets : int or None, default=None
        How many brackets to run, the most aggressive first. None runs them all.
    n_candidates : int or None, default=None
        Number of candidates of the first (most aggressive) bracket; the
        others are scaled in proportion. None uses the formula above.
    max_candidates : int or None, default=None
        Cap on the candidates of any bracket.
    early_stopping : bool, default=False
        Each bracket's ``early_stopping`` (see :class:`SuccessiveHalving`).

    References
    ----------
    Li, Jamieson, DeSalvo, Rostamizadeh and Talwalkar, "Hyperband: a novel
    bandit-based approach to hyperparameter optimization", JMLR 18 (2018).
    """

    def __init__(
        self,
        min_resources,
        max_resources,
        factor=3,
        *,
        n_brackets=None,
        n_candidates=None,
        max_candidates=None,
        early_stopping=False,
    ):
        s_max = n_rungs_between(min_resources, max_resources, factor) - 1
        n_brackets = s_max + 1 if n_brackets is None else min(n_brackets, s_max + 1)
        if n_brackets < 1:
            raise ValueError(f"n_brackets={n_brackets} must be >= 1")
        counts = [
            math.ceil((s_max + 1) / (s + 1) * factor**s)
            for s in range(s_max, s_max - n_brackets, -1)
        ]
        if n_candidates is not None:
            counts = [max(1, round(c * n_candidates / counts[0])) for c in counts]
        if max_candidates is not None:
            counts = [min(c, max_candidates) for c in counts]
        self.brackets = []
        first = 0
        for b, (s, n) in enumerate(zip(range(s_max, -1, -1), counts, strict=False)):
            # floor, not round: bracket s must keep its s + 1 rungs when
            # max_resources is not a power of factor (100 / 27 -> 3, not 4)
            r0 = max(min_resources, int(max_resources / factor**s))
            self.brackets.append(
                SuccessiveHalving(
                    n,
                    r0,
                    max_resources,
                    factor,
                    bracket=b,
                    first_candidate=first,
                    early_stopping=early_stopping,
                )
            )
            first += n
        self._owner = {
            c: bracket for bracket in self.brackets for c in bracket.candidates
        }

    @property
    def n_candidates(self):
        return len(self._owner)

    @property
    def done(self):
        return all(b.done for b in self.brackets)

    def plan(self):
        return [rung for b in self.brackets for rung in b.plan()]

    def ask(self):
        return [job for b in self.brackets for job in b.ask()]

    def tell(self, results, errors=None):
        by_bracket = {}
        for candidate, score in results.items():
            by_bracket.setdefault(id(self._owner[candidate]), {})[candidate] = score
        for b in self.brackets:
            if id(b) in by_bracket:
                mine = by_bracket[id(b)]
                b.tell(mine, {c: e for c, e in (errors or {}).items() if c in mine})
