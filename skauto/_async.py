"""The asynchronous executor: fits go out as workers free up, results come
back in any order, and the schedule is told as each candidate's folds are in.

One ``Parallel`` call with ``return_as="generator_unordered"`` runs the
whole search, on any joblib backend (loky, threading, dask). joblib pulls
its tasks from a :class:`_Feed` whenever a worker is free (from its
callback threads); the feed hands out the tasks that this process has
prepared, a short idle task while more may come, and ends once the search
is over. Only this process (the thread iterating the outputs) asks the
schedule for jobs and builds their tasks: the feed is a queue between the
two.
"""

import time
from collections import deque

from sklearn.utils.parallel import delayed

from ._execution import Evaluator, _lost_worker_explained

# a free worker with nothing to do yet sleeps this long, then asks again
IDLE_SECONDS = 0.02
# every loop has a bound: more tasks than any search hands out (10**9 idle
# tasks alone are 230 days)
_MAX_TASKS = 10**9


class _Feed:
    """The iterable of tasks a ``Parallel`` call pulls from."""

    def __init__(self):
        self.ready = deque()  # tasks prepared, not yet taken by joblib
        self.closed = False  # no task will be added

    def __iter__(self):
        for _ in range(_MAX_TASKS):
            if self.ready:  # one consumer at a time: joblib holds its lock
                yield self.ready.popleft()
            elif self.closed:
                return
            else:
                yield delayed(time.sleep)(IDLE_SECONDS)


class AsyncEvaluator(Evaluator):
    """:class:`~skauto._execution.Evaluator` that runs an
    :class:`~skauto._schedule.AsynchronousHalving` schedule to its end.

    ``parallel`` must return its outputs as they come
    (``return_as="generator_unordered"``, ``batch_size=1``); ``n_workers``
    tasks are kept prepared ahead of the workers.
    """

    def run(self, schedule, n_workers, errors=None, after_job=None):
        """Run ``schedule``; return whether the deadline cut it.

        ``errors(scores)`` gives the standard errors the schedule is told
        with the scores; ``after_job(job, score)`` runs after each job is
        told (pruning, progress).
        """
        feed, self._waiting = _Feed(), {}  # candidate -> (job, {fold: out})
        self._first = True
        steps = self.tasks is not None and self.step_name is not None
        if steps:
            n_fits = sum(r.n_candidates for r in schedule.plan()) * len(self.splits)
            self.tasks.begin_step("asynchronous halving", n_fits, parallel=True)
        self._top_up(schedule, feed, n_workers)
        with _lost_worker_explained():
            for out in self.parallel(feed):
                if out is not None:  # None: an idle task
                    self._receive(out, schedule, errors, after_job)
                if self._over(schedule):
                    feed.closed = True
                    continue
                self._top_up(schedule, feed, n_workers)
        if steps:
            self.tasks.end_step()
        return not schedule.done

    def _over(self, schedule):
        late = self.deadline is not None and time.perf_counter() > self.deadline
        return schedule.done or late

    def _top_up(self, schedule, feed, n_workers):
        """Keep ``n_workers`` tasks prepared, asking the schedule for jobs."""
        while len(feed.ready) < n_workers:
            jobs = schedule.ask(1)
            if not jobs:
                break
            job = jobs[0]
            self._waiting[job.candidate] = (job, {})
            for fold in range(len(self.splits)):
                tag = (job.candidate, fold)
                feed.ready.append(self._task(job, fold, not self._first, tag))
            self._first = False  # the first job runs whatever the deadline
        if not feed.ready and not self._waiting and not schedule.done:
            raise RuntimeError(
                "the asynchronous schedule has no job to hand out, none "
                f"running, and is not done (pending: {schedule.pending})"
            )

    def _receive(self, out, schedule, errors, after_job):
        """Store a fold's output; tell the schedule once its job is complete."""
        candidate, fold = out["tag"]
        job, outs = self._waiting[candidate]
        outs[fold] = out
        if len(outs) < len(self.splits):
            return
        del self._waiting[candidate]
        outs = [outs[k] for k in range(len(self.splits))]
        if any(o.get("skipped") for o in outs):
            return  # started after the deadline: the job is not answered
        score = self._collect(job, outs)
        error = None if errors is None else errors([candidate])
        schedule.tell({candidate: score}, error)
        if after_job is not None:
            after_job(job, score)
        if self.verbose and self.rung_lines:
            self.report([job], {candidate: score})
