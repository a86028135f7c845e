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
from dataclasses import dataclass, replace


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
    how the survivors' final rung trains and when a candidate stops earlier
    (see :class:`Anneal`).
    """

    bracket: int
    iter: int
    n_candidates: int
    n_resources: int
    rule: object = None


class Anneal:
    """A planned final rung: the learning rate falls along a cosine.

    Over the rung's budget, each candidate's learning rate goes from its own
    value down to ``floor`` times it, ``(1 + cos(pi * progress)) / 2`` of the
    way (Loshchilov and Hutter's cosine annealing, without restarts), so that
    training converges within the budget the schedule knows in advance. A
    candidate whose score has not improved by more than ``tol`` for
    ``patience`` checks stops early (a guard; None: never).

    Parameters
    ----------
    floor : float, default=0.0
        Learning rate at the end of the rung, as a fraction of the start.
    patience : int or None, default=None
        Checks without an improvement after which a candidate stops.
    tol : float, default=1e-4
        An improvement must exceed this.
    """

    def __init__(self, floor=0.0, patience=None, tol=1e-4):
        self.floor, self.patience, self.tol = floor, patience, tol

    def lr_factor(self, progress):
        """Learning-rate factor at ``progress`` (0 to 1) of the rung."""
        progress = min(max(progress, 0.0), 1.0)
        return self.floor + (1 - self.floor) * 0.5 * (1 + math.cos(math.pi * progress))

    def start(self, best):
        """The state of a rung whose candidates start from ``{id: best score}``."""
        return {c: [score, 0] for c, score in best.items()}  # best, bad checks

    def update(self, state, scores):
        """Record one check of ``{id: score}``; return the ids to stop."""
        stop = []
        for c, score in scores.items():
            entry = state[c]
            if score > entry[0] + self.tol:
                entry[0], entry[1] = score, 0
            else:
                entry[1] += 1
                if self.patience is not None and entry[1] >= self.patience:
                    stop.append(c)
        return stop


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


class Schedule:
    """What every halving policy offers its driver (one interface).

    A schedule is one or more *brackets* of successive halving
    (:class:`SuccessiveHalving` is one bracket, :class:`Hyperband` several,
    :class:`AsynchronousHalving` either, run asynchronously); ``plan()`` says
    their rungs in advance, ``ask()`` hands out jobs, ``tell(scores)`` takes
    their results, ``done`` says when nothing is left to run.
    """

    @property
    def brackets(self):
        """The brackets of successive halving, each a :class:`SuccessiveHalving`
        (or its asynchronous counterpart), in order."""
        raise NotImplementedError

    @property
    def n_candidates(self):
        """Number of candidates over every bracket."""
        return sum(len(b.candidates) for b in self.brackets)

    @property
    def alive(self):
        """Candidates that may still run (their fitted models are kept)."""
        return [c for b in self.brackets for c in b.alive]

    def plan(self):
        """The rungs of every bracket, bracket after bracket."""
        return [rung for b in self.brackets for rung in b.plan()]

    def bracket_of(self, candidate):
        """The bracket that holds ``candidate``."""
        for bracket in self.brackets:
            if candidate in bracket.candidates:
                return bracket
        raise ValueError(f"candidate {candidate} is in no bracket")


class SuccessiveHalving(Schedule):
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
        That rung's ``rule`` (see :class:`Rung`), e.g. :class:`Anneal`;
        without a final rung beyond the halving's, the rule of the halving's
        last rung.
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
        if final_rule is not None and (
            final_resources is None or final_resources <= last.n_resources
        ):  # the rule applies to the last rung of the halving itself
            self._rungs[-1] = replace(last, rule=final_rule)
        elif final_resources is not None and final_resources > last.n_resources:
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

    @property
    def brackets(self):
        """This bracket alone: ``[self]``."""
        return [self]

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


class Hyperband(Schedule):
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
        self.factor = factor
        self._brackets = []
        first = 0
        for b, (s, n) in enumerate(zip(range(s_max, -1, -1), counts, strict=False)):
            # floor, not round: bracket s must keep its s + 1 rungs when
            # max_resources is not a power of factor (100 / 27 -> 3, not 4)
            r0 = max(min_resources, int(max_resources / factor**s))
            self._brackets.append(
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
    def brackets(self):
        """The brackets, the most aggressive first."""
        return list(self._brackets)

    @property
    def done(self):
        return all(b.done for b in self.brackets)

    def bracket_of(self, candidate):
        return self._owner[candidate]

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


class _AsyncBracket:
    """One bracket of :class:`AsynchronousHalving`: the plan of a
    :class:`SuccessiveHalving` bracket, run without waiting for its rungs."""

    def __init__(self, bracket):
        self.bracket = bracket.bracket
        self.factor = bracket.factor
        self.early_stopping = bracket.early_stopping
        self.candidates = list(bracket.candidates)
        self._rungs = bracket.plan()
        self._unstarted = list(self.candidates)
        self._started = [set() for _ in self._rungs]  # rung -> candidates
        self._done = [{} for _ in self._rungs]  # rung -> {candidate: score}
        self._pending = {}  # candidate -> rung of its job
        self.scores = {}  # (iter, candidate) -> score
        self.errors = {}  # (iter, candidate) -> standard error of the score
        self._state = None  # (complete, promotable) per rung, until a change

    def plan(self):
        return list(self._rungs)

    @property
    def pending(self):
        return dict(self._pending)

    def next_rung(self, promote_first=False):
        """The rung of the job ``next_job`` would hand out, or None: the
        lowest rung with work (a new candidate first), or with
        ``promote_first`` the highest promotion (ASHA's order)."""
        promotable = self._promotions()[1]
        rungs = [k + 1 for k, c in enumerate(promotable) if c is not None]
        if self._unstarted:
            rungs.insert(0, 0)
        if not rungs:
            return None
        return rungs[-1] if promote_first else rungs[0]

    def next_job(self, promote_first=False):
        """Hand out the job of :meth:`next_rung`, or None."""
        k = self.next_rung(promote_first)
        if k is None:
            return None
        if k == 0:
            return self._start(self._unstarted.pop(0), 0)
        return self._start(self._promotions()[1][k - 1], k)

    def _start(self, candidate, rung):
        self._started[rung].add(candidate)
        self._pending[candidate] = rung
        self._state = None
        return Job(candidate, self.bracket, rung, self._rungs[rung].n_resources)

    def _ranked(self, k):
        """Candidates with a valid score at rung ``k``, best first (ties: the
        lower id)."""
        valid = [(s, c) for c, s in self._done[k].items() if _is_valid(s)]
        return [c for _, c in sorted(valid, key=lambda sc: (-sc[0], sc[1]))]

    def _promotions(self):
        """Per rung ``k``: whether every candidate that will reach it has its
        score (*complete*), and the best candidate due for rung ``k + 1``
        (None for the last rung or when there is none), in one pass up."""
        if self._state is not None:
            return self._state
        complete, promotable = [], []
        pending = set(self._pending.values())
        for k in range(len(self._rungs)):
            below = not self._unstarted if k == 0 else (
                complete[k - 1] and promotable[k - 1] is None
            )  # fmt: skip
            complete.append(below and k not in pending)
            last = k == len(self._rungs) - 1
            promotable.append(None if last else self._due(k, complete[k]))
        self._state = complete, promotable
        return self._state

    def _quota(self, k, complete):
        """How many of rung ``k``'s best may be in rung ``k + 1`` by now: the
        plan's share of those done (ASHA's top ``1 / factor``); all of the
        plan's count once rung ``k`` is complete."""
        n_next = self._rungs[k + 1].n_candidates
        if complete:
            return n_next
        return min(n_next, len(self._done[k]) * n_next // self._rungs[k].n_candidates)

    def _due(self, k, complete):
        if len(self._started[k + 1]) >= self._rungs[k + 1].n_candidates:
            return None
        for c in self._ranked(k)[: self._quota(k, complete)]:
            if c not in self._started[k + 1] and not self._fell(c, k):
                return c
        return None

    def _fell(self, candidate, k):
        if not self.early_stopping or k == 0:
            return False

        def at(i):
            if (i, candidate) not in self.errors:
                return None
            return self.scores[(i, candidate)], self.errors[(i, candidate)]

        return _clearly_fell(at(k - 1), at(k))

    @property
    def done(self):
        complete, _ = self._promotions()
        return complete[-1]

    @property
    def alive(self):
        """Pending candidates, and those that may still be promoted."""
        complete, promotable = self._promotions()
        alive = set(self._pending)
        for k in range(len(self._rungs) - 1):
            if complete[k] and promotable[k] is None:
                continue  # rung k has promoted all it ever will
            n_next = self._rungs[k + 1].n_candidates
            alive.update(
                c
                for c in self._ranked(k)[:n_next]
                if c not in self._started[k + 1] and not self._fell(c, k)
            )
        return sorted(alive)

    def tell(self, candidate, score, error=None):
        if candidate not in self._pending:
            raise ValueError(
                f"candidate {candidate} has no pending job in bracket {self.bracket}"
            )
        k = self._pending.pop(candidate)
        self._done[k][candidate] = score
        self.scores[(k, candidate)] = score
        if error is not None:
            self.errors[(k, candidate)] = error
        self._state = None


class AsynchronousHalving(Schedule):
    """Asynchronous successive halving (ASHA) over a synchronous schedule's plan.

    No rung waits for its slowest candidate: whenever a worker is free,
    ``ask`` hands out the promotion from the highest rung possible (a
    candidate among the best ``n_{k+1} / n_k`` share of those done at rung
    ``k``, ASHA's top ``1 / factor``; all of the plan's ``n_{k+1}`` once no
    other candidate can reach rung ``k``), else the next new candidate.
    Every rung runs at most the plan's number of candidates, at the plan's
    budgets: the budget of the synchronous schedule, spent without barriers.
    A candidate can be promoted on fewer results than the synchronous rung
    would have (the price of not waiting, Li et al. 2020). Early stopping,
    when the brackets have it, stops a promoted candidate whose score fell.

    Parameters
    ----------
    schedule : SuccessiveHalving or Hyperband
        Its brackets' plans: candidates, rungs, budgets, early stopping.
    promote_first : bool, default=False
        The order of the work: False hands out the job of the lowest rung
        that has one (new candidates first, then the promotions from the
        lowest rung), so that a promotion is decided when the rung below has
        handed out all its work and all but the running jobs are scored;
        True hands out the promotion to the highest rung first, as ASHA
        does (the full budget is reached sooner, on fewer scores).

    References
    ----------
    Li, Jamieson, Rostamizadeh, Gonina, Ben-tzur, Hardt, Recht and
    Talwalkar, "A system for massively parallel hyperparameter tuning",
    MLSys 2020.
    """

    def __init__(self, schedule, *, promote_first=False):
        self.promote_first = promote_first
        self._brackets = [_AsyncBracket(b) for b in schedule.brackets]
        self._owner = {c: b for b in self._brackets for c in b.candidates}

    @property
    def brackets(self):
        return list(self._brackets)

    def bracket_of(self, candidate):
        return self._owner[candidate]

    @property
    def done(self):
        return all(b.done for b in self._brackets)

    @property
    def pending(self):
        """``{candidate: rung}`` of the jobs handed out and not yet told."""
        return {c: k for b in self._brackets for c, k in b.pending.items()}

    def ask(self, n_jobs=1):
        """Up to ``n_jobs`` jobs that can start now (empty: wait, or done).

        Of the brackets' next jobs (see ``promote_first``), the one with the
        largest budget, the earliest bracket on a tie: the brackets are
        independent, and the longest jobs first keep the workers busy to the
        end (the order of longest processing time first).
        """
        jobs = []
        for _ in range(n_jobs):
            job = self._next_job()
            if job is None:
                break
            jobs.append(job)
        return jobs

    def _next_job(self):
        options = []
        for i, bracket in enumerate(self._brackets):
            k = bracket.next_rung(self.promote_first)
            if k is not None:
                options.append((-bracket.plan()[k].n_resources, i))
        if not options:
            return None
        return self._brackets[min(options)[1]].next_job(self.promote_first)

    def tell(self, results, errors=None):
        """Record ``{candidate: score}`` of jobs handed out (any order)."""
        for candidate, score in results.items():
            if candidate not in self._owner:
                raise ValueError(f"candidate {candidate} has no pending job")
            error = (errors or {}).get(candidate)
            self._owner[candidate].tell(candidate, score, error)


def scikit_learn_rungs(
    n_candidates, min_resources, max_resources, factor, *, exhaust=False,
    aggressive_elimination=False,
):  # fmt: skip
    """The rungs of scikit-learn's halving searches, as they compute them.

    Budgets start at ``min_resources`` and grow by ``factor``
    (``int(factor**i * min_resources)``, at most ``max_resources``), for
    ``min(n_possible, n_required)`` rungs, where ``n_required`` brings the
    candidates below ``factor`` and ``n_possible`` is what the budget range
    allows (``n_required`` with ``aggressive_elimination``, the first rungs
    then repeating the first budget); ``ceil(n / factor)`` candidates go on.
    With ``exhaust`` (``min_resources="exhaust"``), ``min_resources`` is
    raised so that the last rung uses as much of ``max_resources`` as it can.

    Returns
    -------
    rungs : list of (n_candidates, n_resources)
    min_resources : int
        The first budget (raised by ``exhaust``).
    n_required, n_possible : int
    """
    _check_factor(factor)
    n_required = 1 + math.floor(math.log(n_candidates, factor))
    if exhaust:
        min_resources = max(min_resources, max_resources // factor ** (n_required - 1))
    n_possible = 1 + math.floor(math.log(max_resources // min_resources, factor))
    n_iterations = n_required if aggressive_elimination else min(n_possible, n_required)
    if n_iterations > MAX_RUNGS:
        raise ValueError(
            f"factor={factor!r} is too close to 1: {n_iterations} rungs (at most "
            f"{MAX_RUNGS}); use factor >= 2"
        )
    rungs, n = [], n_candidates
    for i in range(n_iterations):
        power = i
        if aggressive_elimination:
            power = max(0, i - n_required + n_possible)
        rungs.append((n, min(int(factor**power * min_resources), max_resources)))
        n = math.ceil(n / factor)
    return rungs, int(min_resources), n_required, n_possible


class GivenHalving(SuccessiveHalving):
    """Successive halving over rungs given in advance.

    Parameters
    ----------
    rungs : list of (n_candidates, n_resources)
        Candidates and budget of each rung (budgets may repeat: a rung that
        only eliminates).
    factor : int or float, default=3
        The elimination rate the rungs were planned with.
    early_stopping : bool, default=False
        See :class:`SuccessiveHalving`.
    """

    def __init__(self, rungs, factor=3, *, early_stopping=False):
        self._given = [(int(c), int(r)) for c, r in rungs]
        super().__init__(
            self._given[0][0], self._given[0][1], self._given[-1][1], factor,
            early_stopping=early_stopping,
        )  # fmt: skip

    def _make_plan(self, n_candidates, min_resources, max_resources):
        return [Rung(self.bracket, i, c, r) for i, (c, r) in enumerate(self._given)]
