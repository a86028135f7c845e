"""The halving policy, tested as tables."""

import ast
import math
from pathlib import Path

import pytest

from skauto import _schedule
from skauto._schedule import AsynchronousHalving, Hyperband, SuccessiveHalving, drive


def run(schedule, score):
    """Drive a schedule; return the list of rungs as (n_jobs, budget)."""
    ran = []
    while jobs := schedule.ask():
        ran.append((len(jobs), jobs[0].n_resources))
        schedule.tell({j.candidate: score(j) for j in jobs})
    return ran


@pytest.mark.parametrize(
    "n, rmin, rmax, factor, expected",
    [
        (27, 1, 27, 3, [(27, 1), (9, 3), (3, 9), (1, 27)]),
        (27, 2, 54, 3, [(27, 2), (9, 6), (3, 18), (1, 54)]),
        (10, 1, 27, 3, [(10, 1), (4, 3), (2, 9), (1, 27)]),
        (3, 1, 27, 3, [(3, 9), (1, 27)]),  # few candidates: start later
        (1, 1, 27, 3, [(1, 27)]),
        (16, 1, 16, 2, [(16, 1), (8, 2), (4, 4), (2, 8), (1, 16)]),
        (27, 5, 20, 3, [(27, 7), (9, 20)]),  # budget range allows two rungs
    ],
)
def test_successive_halving_plan(n, rmin, rmax, factor, expected):
    sh = SuccessiveHalving(n, rmin, rmax, factor)
    assert [(r.n_candidates, r.n_resources) for r in sh.plan()] == expected
    assert run(sh, lambda j: -j.candidate) == expected  # plan == what ran


@pytest.mark.parametrize(
    "n, min_survivors, expected",
    [
        (27, 3, [(27, 1), (9, 3), (3, 9), (3, 27)]),
        (27, 2, [(27, 1), (9, 3), (3, 9), (2, 27)]),
        (81, 3, [(81, 1), (27, 3), (9, 9), (3, 27)]),  # budget allows 4 rungs
        (12, 3, [(12, 1), (4, 3), (3, 9), (3, 27)]),
        (2, 3, [(2, 27)]),
    ],
)
def test_min_survivors(n, min_survivors, expected):
    sh = SuccessiveHalving(n, 1, 27, 3, min_survivors=min_survivors)
    assert [(r.n_candidates, r.n_resources) for r in sh.plan()] == expected
    assert run(sh, lambda j: j.candidate) == expected


@pytest.mark.parametrize(
    "n, expected",
    [
        (3, [(3, 1), (1, 3), (1, 9), (1, 27)]),  # the winner climbs on alone
        (9, [(9, 1), (3, 3), (1, 9), (1, 27)]),
        (27, [(27, 1), (9, 3), (3, 9), (1, 27)]),  # enough candidates: no change
        (81, [(81, 1), (27, 3), (9, 9), (3, 27)]),
    ],
)
def test_fill_runs_every_rung(n, expected):
    sh = SuccessiveHalving(n, 1, 27, 3, fill=True)
    assert [(r.n_candidates, r.n_resources) for r in sh.plan()] == expected
    assert run(sh, lambda j: j.candidate) == expected


def test_best_candidates_are_promoted():
    sh = SuccessiveHalving(9, 1, 9, 3)
    run(sh, lambda j: j.candidate)  # higher id, higher score
    last = max(i for i, _ in sh.scores)
    assert [c for i, c in sh.scores if i == last] == [8]
    assert sorted(c for i, c in sh.scores if i == 1) == [6, 7, 8]


def test_failed_candidates_never_promoted():
    sh = SuccessiveHalving(9, 1, 9, 3)
    bad = {7, 8}

    def score(job):
        if job.candidate in bad:
            return math.nan if job.candidate == 7 else -math.inf
        return job.candidate

    run(sh, score)
    assert sorted(c for i, c in sh.scores if i == 1) == [4, 5, 6]


def test_all_failed_ends_bracket():
    sh = SuccessiveHalving(9, 1, 9, 3)
    assert run(sh, lambda j: math.nan) == [(9, 1)]
    assert sh.done


def test_tell_unknown_candidate():
    sh = SuccessiveHalving(3, 1, 3, 3)
    sh.ask()
    with pytest.raises(ValueError, match="no pending job"):
        sh.tell({99: 1.0})


def test_partial_tell_waits_for_rung():
    sh = SuccessiveHalving(3, 1, 3, 3)
    jobs = sh.ask()
    sh.tell({jobs[0].candidate: 1.0})
    assert sh.ask() == []  # rung incomplete, already handed out
    sh.tell({j.candidate: 0.0 for j in jobs[1:]})
    assert [j.candidate for j in sh.ask()] == [0]


def test_hyperband_plan():
    hb = Hyperband(1, 27, 3)
    table = [(r.bracket, r.n_candidates, r.n_resources) for r in hb.plan()]
    assert table == [
        (0, 27, 1), (0, 9, 3), (0, 3, 9), (0, 1, 27),
        (1, 12, 3), (1, 4, 9), (1, 2, 27),
        (2, 6, 9), (2, 2, 27),
        (3, 4, 27),
    ]  # fmt: skip
    assert hb.n_candidates == 27 + 12 + 6 + 4
    ran = run(hb, lambda j: j.candidate)
    assert sum(n for n, _ in ran) == sum(r.n_candidates for r in hb.plan())
    assert hb.done


def test_hyperband_n_brackets_and_candidates():
    hb = Hyperband(1, 27, 3, n_brackets=2, n_candidates=54)
    assert [b.plan()[0].n_candidates for b in hb.brackets] == [54, 24]
    ids = [c for b in hb.brackets for c in b.candidates]
    assert ids == list(range(78))


def test_invalid_arguments():
    with pytest.raises(ValueError, match="min_resources=10 > max_resources=5"):
        SuccessiveHalving(3, 10, 5)
    with pytest.raises(ValueError, match="factor"):
        SuccessiveHalving(3, 1, 9, factor=1)
    with pytest.raises(ValueError, match="n_candidates"):
        SuccessiveHalving(0, 1, 9)


@pytest.mark.parametrize(
    "n, rmin, rmax, factor, min_survivors, fill",
    [
        (81, 1, 6480, 1.1, 8, False),  # the self-tuner's default ensemble_size
        (81, 1, 6480, 1.5, 1, False),  # any factor < 2 with one survivor
        (9, 1, 27, 1.9, 1, False),
        (27, 1, 27, 1.1, 1, True),  # budgets 1, 1, 1, 1, 2, ...: merged
        (81, 1, 6480, 1 + 1e-12, 8, False),  # no budget growth: one rung
        (5, 1, 10**9, 1 + 1e-12, 1, False),
        (81, 1, 6480, 1e9, 8, False),  # one rung, everybody at max_resources
        (81, 1, 6480, math.inf, 1, True),
    ],
)
def test_plan_is_finite_for_any_factor(n, rmin, rmax, factor, min_survivors, fill):
    sh = SuccessiveHalving(
        n, rmin, rmax, factor, min_survivors=min_survivors, fill=fill
    )
    plan = [(r.n_candidates, r.n_resources) for r in sh.plan()]
    counts, budgets = zip(*plan, strict=True)
    assert counts[0] == n and budgets[-1] == rmax
    assert all(b < c for b, c in zip(budgets, budgets[1:], strict=False))
    assert all(b <= a for a, b in zip(counts, counts[1:], strict=False))
    assert counts[-1] <= max(min_survivors, 1) or budgets[0] > rmin
    assert run(sh, lambda j: j.candidate) == plan


@pytest.mark.parametrize(
    "n, factor, min_survivors, expected_counts",
    [
        (10, 1.1, 1, [10, 9, 8, 7, 6, 5, 4, 3, 2, 1]),  # ceil(n / 1.1) == n: n - 1
        (12, 1.5, 8, [12, 8, 8]),
        (3, 1.5, 1, [3, 2, 1]),
        (2, 1.9, 1, [2, 1]),
    ],
)
def test_counts_shrink_every_rung(n, factor, min_survivors, expected_counts):
    sh = SuccessiveHalving(n, 1, 10**6, factor, min_survivors=min_survivors)
    assert [r.n_candidates for r in sh.plan()] == expected_counts


def test_equal_budgets_are_merged():
    # 27 / 1.1**k rounds to 1 for k = 31..34 (rungs 0-3 of 35 with counts
    # 27, 25, 23, 21) and to 2 for k = 25..30 (rungs 4-9, counts 20..15): one
    # rung per budget, the elimination of the merged rungs done at once.
    sh = SuccessiveHalving(27, 1, 27, 1.1, fill=True)
    plan = [(r.n_candidates, r.n_resources) for r in sh.plan()]
    assert plan[:3] == [(27, 1), (20, 2), (14, 3)]
    assert plan[-1] == (1, 27)


@pytest.mark.parametrize(
    "make",
    [
        lambda: SuccessiveHalving(3, 1, 10**6, 1 + 1e-12, fill=True),
        lambda: SuccessiveHalving(5000, 1, 10**6, 1.0001),
        lambda: Hyperband(1, 10**6, 1 + 1e-12),
        lambda: Hyperband(1, 10**6, 1.001),
    ],
)
def test_absurd_rung_counts_are_a_clear_error(make):
    with pytest.raises(ValueError, match=r"factor=.* too close to 1.*Use factor >="):
        make()


@pytest.mark.parametrize("factor", [1, 0.5, -3, math.nan])
def test_factor_not_above_one(factor):
    with pytest.raises(ValueError, match="factor=.* must be a number > 1"):
        SuccessiveHalving(3, 1, 9, factor)
    with pytest.raises(ValueError, match="factor=.* must be a number > 1"):
        Hyperband(1, 9, factor)


def test_hyperband_huge_factor_is_one_bracket():
    hb = Hyperband(1, 27, 1e9)
    assert [(r.n_candidates, r.n_resources) for r in hb.plan()] == [(1, 27)]


def test_schedule_is_pure():
    """The policy imports neither scikit-learn nor joblib nor numpy."""
    tree = ast.parse(Path(_schedule.__file__).read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module.split(".")[0])
    assert imported <= {"math", "time", "dataclasses"}


def test_drive_runs_the_loop_and_stops_at_the_deadline():
    schedule = SuccessiveHalving(9, 1, 9, 3)
    rungs = []
    cut = drive(
        schedule,
        lambda jobs: {j.candidate: float(j.candidate) for j in jobs},
        after_rung=lambda jobs, scores: rungs.append(len(jobs)),
    )
    assert not cut and schedule.done and rungs == [9, 3, 1]
    # a deadline already past: one rung, then the schedule is cut
    schedule, rungs = SuccessiveHalving(9, 1, 9, 3), []
    cut = drive(
        schedule,
        lambda jobs: {j.candidate: 0.0 for j in jobs},
        deadline=0.0,
        after_rung=lambda jobs, scores: rungs.append(len(jobs)),
    )
    assert cut and rungs == [9] and not schedule.done


@pytest.mark.parametrize("policy", ["halving", "hyperband"])
@pytest.mark.parametrize("second, goes_on", [(0.85, False), (0.895, True)])
def test_early_stopping_lives_in_the_policy(policy, second, goes_on):
    """A promoted candidate whose score fell by more than the standard error
    of the fall (hypot(.01, .01) here) stops; a fall within it goes on."""
    scores = {0: [0.9, second, 0.9], 1: [0.8, 0.8], 2: [0.3], 3: [0.2]}
    if policy == "halving":
        schedule = SuccessiveHalving(4, 1, 9, 3, early_stopping=True)
    else:
        schedule = Hyperband(1, 9, 3, n_brackets=1, n_candidates=4, early_stopping=True)
    asked = []
    drive(
        schedule,
        lambda jobs: {j.candidate: scores[j.candidate][j.iter] for j in jobs},
        errors=lambda done: dict.fromkeys(done, 0.01),
        after_rung=lambda jobs, _: asked.append(sorted(j.candidate for j in jobs)),
    )
    assert asked[:2] == [[0, 1, 2, 3], [0, 1]]
    assert (asked[2:] == [[0]]) is goes_on
    assert schedule.done  # the last rung's only candidate fell: the bracket ends


@pytest.mark.parametrize(
    "final, expected",
    [
        (None, [(27, 1), (9, 3), (3, 9), (3, 27)]),
        (27, [(27, 1), (9, 3), (3, 9), (3, 27)]),  # not beyond the last rung
        (100, [(27, 1), (9, 3), (3, 9), (3, 27), (3, 100)]),
    ],
)
def test_final_rung_of_the_survivors(final, expected):
    rule = _schedule.Anneal()
    sh = SuccessiveHalving(27, 1, 27, 3, min_survivors=3, final_resources=final,
                           final_rule=rule)  # fmt: skip
    plan = sh.plan()
    assert [(r.n_candidates, r.n_resources) for r in plan] == expected
    assert [r.rule for r in plan[:3]] == [None] * 3
    # the rule is the final rung's, or the halving's last rung's without one
    assert plan[-1].rule is rule and plan[-1].iter == len(plan) - 1
    # the final rung trains every survivor with a valid score, none dropped
    while jobs := sh.ask():
        sh.tell({j.candidate: float(j.candidate) for j in jobs})
        last = jobs
    assert len(last) == expected[-1][0]


@pytest.mark.parametrize(
    "progress, floor, factor",
    [(0.0, 0.0, 1.0), (0.5, 0.0, 0.5), (1.0, 0.0, 0.0), (1.0, 0.1, 0.1),
     (0.5, 0.1, 0.55), (-1.0, 0.0, 1.0), (2.0, 0.0, 0.0)],
)  # fmt: skip
def test_anneal_learning_rate_as_a_table(progress, floor, factor):
    assert _schedule.Anneal(floor=floor).lr_factor(progress) == pytest.approx(factor)


@pytest.mark.parametrize(
    "scores, patience, stops_at",
    [
        ([0.5, 0.5, 0.5, 0.5], 2, [1]),  # two checks without an improvement
        ([0.5, 0.7, 0.7, 0.8, 0.8, 0.8], 2, [5]),  # an improvement resets the count
        ([0.50005, 0.5001, 0.5, 0.5], 3, [2]),  # below tol is no improvement
        ([0.4, 0.4, 0.4], None, []),  # no guard: the budget alone ends the rung
    ],
)
def test_anneal_guard_as_a_table(scores, patience, stops_at):
    rule = _schedule.Anneal(patience=patience, tol=1e-3)
    state = rule.start({7: 0.5})
    stops = [
        check for check, score in enumerate(scores) if rule.update(state, {7: score})
    ]
    assert stops[:1] == stops_at


def test_one_interface_brackets_of_both():
    sh, hb = SuccessiveHalving(9, 1, 9, 3), Hyperband(1, 9, 3)
    assert sh.brackets == [sh] and sh.n_candidates == 9
    assert [b.bracket for b in hb.brackets] == [0, 1, 2]
    assert hb.bracket_of(10) is hb.brackets[1] and sh.bracket_of(3) is sh
    assert sorted(hb.alive) == list(range(hb.n_candidates))
    assert hb.plan() == [r for b in hb.brackets for r in b.plan()]


# --- the asynchronous policy --------------------------------------------------
def simulate(schedule, score, duration, n_workers):
    """Run ``schedule`` on ``n_workers`` simulated workers, each job taking
    ``duration(job)`` time units; return the jobs as (start, candidate, iter)
    in the order they started, and the time the last one ended."""
    now, running, started = 0.0, [], []
    for _ in range(10_000):
        for job in schedule.ask(n_workers - len(running)):
            started.append((now, job.candidate, job.iter))
            running.append((now + duration(job), job.candidate, job))
        if not running:
            break
        running.sort(key=lambda r: (r[0], r[1]))
        now, _, job = running.pop(0)
        schedule.tell({job.candidate: score(job)})
    assert schedule.done
    return started, now


def simulate_sync(schedule, score, duration, n_workers):
    """The end time of ``schedule`` run rung by rung, each rung's jobs
    longest first on the first free of ``n_workers`` workers."""
    now = 0.0
    while jobs := schedule.ask():
        free = [now] * n_workers
        for job in sorted(jobs, key=duration, reverse=True):
            free[free.index(min(free))] += duration(job)
        now = max(free)
        schedule.tell({j.candidate: score(j) for j in jobs})
    return now


def job_set(started):
    return sorted((c, i) for _, c, i in started)


@pytest.mark.parametrize(
    "make",
    [
        lambda: SuccessiveHalving(27, 1, 27, 3),
        lambda: SuccessiveHalving(10, 1, 27, 3),
        lambda: SuccessiveHalving(3, 1, 27, 3, fill=True),
        lambda: SuccessiveHalving(12, 1, 27, 3, min_survivors=3),
        lambda: Hyperband(1, 27, 3),
    ],
)
def test_async_on_one_worker_runs_the_synchronous_schedule(make):
    """One worker, lowest rung first: exactly the synchronous jobs."""
    sync = make()
    ran = []
    while jobs := sync.ask():
        ran += [(j.candidate, j.iter) for j in jobs]
        sync.tell({j.candidate: j.candidate % 7 for j in jobs})
    started, _ = simulate(
        AsynchronousHalving(make()), lambda j: j.candidate % 7, lambda j: 1, 1
    )
    assert job_set(started) == sorted(ran)


def test_async_promotes_while_the_rung_still_runs():
    """9 candidates, factor 3, 2 workers; candidate 0 is slow (10 units, the
    others 1): the promotions do not wait for it."""
    started, end = simulate(
        AsynchronousHalving(SuccessiveHalving(9, 1, 9, 3)),
        score=lambda j: j.candidate,
        duration=lambda j: 10 if j.candidate == 0 else 1,
        n_workers=2,
    )
    assert started == [
        (0, 0, 0), (0, 1, 0), (1, 2, 0), (2, 3, 0), (3, 4, 0), (4, 5, 0),
        (5, 6, 0), (6, 7, 0), (7, 8, 0),
        (8, 8, 1), (9, 7, 1),  # 8 of 9 scored: the share of 8 * 3 // 9 = 2
        (10, 6, 1),  # candidate 0 is in: the plan's 3
        (11, 8, 2),
    ]  # fmt: skip
    assert end == 12
    # synchronously, rung 1 waits for candidate 0: 10, then 2 + 1 units
    assert simulate_sync(SuccessiveHalving(9, 1, 9, 3), lambda j: j.candidate,
                         lambda j: 10 if j.candidate == 0 else 1, 2) == 13  # fmt: skip


def test_asha_order_promotes_first():
    """promote_first: ASHA's order, the promotion to the highest rung first."""
    started, _ = simulate(
        AsynchronousHalving(SuccessiveHalving(9, 1, 9, 3), promote_first=True),
        score=lambda j: j.candidate, duration=lambda j: 1, n_workers=1,
    )  # fmt: skip
    assert [(c, i) for _, c, i in started] == [
        (0, 0), (1, 0), (2, 0), (2, 1), (3, 0), (3, 1), (4, 0), (4, 1), (4, 2),
        (5, 0), (6, 0), (7, 0), (8, 0),
    ]  # fmt: skip


@pytest.mark.parametrize("seed", range(5))
@pytest.mark.parametrize("promote_first", [False, True])
def test_async_never_runs_more_than_the_plan(seed, promote_first):
    import random

    rnd = random.Random(seed)
    sync = Hyperband(1, 27, 3)
    plan = {(r.bracket, r.iter): r for r in sync.plan()}
    scores = {c: rnd.random() for c in range(sync.n_candidates)}
    started, _ = simulate(
        AsynchronousHalving(sync, promote_first=promote_first),
        score=lambda j: scores[j.candidate],
        duration=lambda j: rnd.choice([1, 10]) * j.n_resources,
        n_workers=3,
    )
    counts = {}
    for _, c, i in started:
        key = (sync.bracket_of(c).bracket, i)
        counts[key] = counts.get(key, 0) + 1
    assert all(n <= plan[key].n_candidates for key, n in counts.items())
    assert all(counts.get((b.bracket, b.plan()[-1].iter)) for b in sync.brackets)


def test_async_failed_candidates_never_promoted():
    bad = {7, 8}
    started, _ = simulate(
        AsynchronousHalving(SuccessiveHalving(9, 1, 9, 3)),
        score=lambda j: math.nan if j.candidate in bad else j.candidate,
        duration=lambda j: 1, n_workers=2,
    )  # fmt: skip
    assert sorted(c for _, c, i in started if i == 1) == [4, 5, 6]
    started, _ = simulate(
        AsynchronousHalving(SuccessiveHalving(9, 1, 9, 3)),
        score=lambda j: -math.inf, duration=lambda j: 1, n_workers=2,
    )  # fmt: skip
    assert len(started) == 9  # nobody promoted, the schedule ends


def test_async_alive_keeps_only_who_may_go_on():
    schedule = AsynchronousHalving(SuccessiveHalving(9, 1, 9, 3))
    jobs = schedule.ask(9)
    assert schedule.alive == list(range(9))  # pending
    schedule.tell({j.candidate: float(j.candidate) for j in jobs[:6]})
    # 0-5 scored, 6-8 running: the best 3 of those scored may still go on
    assert schedule.alive == [3, 4, 5, 6, 7, 8]
    schedule.tell({j.candidate: float(j.candidate) for j in jobs[6:]})
    assert schedule.alive == [6, 7, 8]
    with pytest.raises(ValueError, match="no pending job"):
        schedule.tell({0: 1.0})


def test_async_early_stopping():
    """As test_early_stopping_lives_in_the_policy, asynchronously."""
    scores = {0: [0.9, 0.85, 0.9], 1: [0.8, 0.8], 2: [0.3], 3: [0.2]}
    schedule = AsynchronousHalving(SuccessiveHalving(4, 1, 9, 3, early_stopping=True))
    ran = []
    while jobs := schedule.ask(4):
        ran += [(j.candidate, j.iter) for j in jobs]
        schedule.tell(
            {j.candidate: scores[j.candidate][j.iter] for j in jobs},
            dict.fromkeys([j.candidate for j in jobs], 0.01),
        )
    assert sorted(ran) == [(0, 0), (0, 1), (1, 0), (1, 1), (2, 0), (3, 0)]
    assert schedule.done
