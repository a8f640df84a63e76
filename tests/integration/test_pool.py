"""acorders.pool: forked workers, tasks handed out as they come, results back in task order, failures
reported, children reaped."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Iterator
from typing import Any

import pytest

from acorders.validate.pool import ForkPool, WorkerError

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the pool forks")


def run(tasks: Any, work: Any, processes: int = 2, warm: Any = None) -> list[Any]:
    with ForkPool(processes, work, warm) as pool:
        out = list(pool.map(tasks))
    for pid in pool.pids:  # every child was waited for
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)
    return out


def test_results_come_back_in_task_order_whichever_worker_finishes_first() -> None:
    def work(n: int) -> tuple[int, int]:
        if n % 7 == 0:  # some tasks are slower, so the workers finish out of order
            sum(range(200_000))
        return n, os.getpid()

    out = run(list(range(60)), work, processes=3)
    assert [n for n, _ in out] == list(range(60))
    assert os.getpid() not in {pid for _, pid in out}  # done by the workers, not the parent
    assert len({pid for _, pid in out}) > 1


def test_tasks_are_taken_as_workers_are_free_not_all_at_first() -> None:
    """A directory still being walked is read as the workers need files: a consumer that stops early
    leaves the rest of an endless task stream untouched, and the workers are stopped and reaped."""
    made = 0

    def tasks() -> Iterator[int]:
        nonlocal made
        for i in range(100_000):
            made += 1
            yield i

    def work(n: int) -> int:
        sum(range(20_000))  # about a millisecond
        return n

    with ForkPool(2, work) as pool:
        results = pool.map(tasks())
        first = [next(results) for _ in range(10)]
        results.close()
    assert first == list(range(10))
    assert made < 5_000  # an eager pool would have drawn all 100,000 before the first result
    for pid in pool.pids:
        with pytest.raises(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)


def test_tasks_and_results_bigger_than_a_pipe_arrive_whole() -> None:
    out = run([bytes([n]) * 300_000 for n in (1, 2, 3)], lambda b: b + b)
    assert [len(b) for b in out] == [600_000] * 3 and [b[0] for b in out] == [1, 2, 3]


def test_no_tasks_no_results() -> None:
    assert run([], lambda n: n) == []


def test_a_failing_task_stops_the_run_with_its_reason() -> None:
    def work(n: int) -> int:
        if n == 5:
            raise ValueError("bad task five")
        return n

    with pytest.raises(WorkerError, match="ValueError: bad task five"):
        run(list(range(20)), work)


def test_a_worker_that_vanishes_is_an_error_not_a_hang() -> None:
    def work(n: int) -> int:
        if n == 3:
            os.kill(os.getpid(), signal.SIGKILL)
        return n

    with pytest.raises(WorkerError, match="stopped before"):
        run(list(range(10)), work)


_warmed: list[int] = []


def _warm_up() -> None:
    _warmed.append(os.getpid())


def test_warm_up_runs_once_and_every_worker_starts_warm() -> None:
    """The first worker warms up, then forks the others from itself: they inherit what it set up."""
    _warmed.clear()

    def work(n: int) -> tuple[int, list[int], int]:
        sum(range(50_000))  # long enough that more than one worker takes tasks
        return n, list(_warmed), os.getpid()

    out = run(list(range(40)), work, processes=3, warm=_warm_up)
    assert [n for n, _, _ in out] == list(range(40))
    assert _warmed == []  # not in the parent
    warmed_in = {tuple(w) for _, w, _ in out}
    assert len(warmed_in) == 1 and len(next(iter(warmed_in))) == 1  # once, in one process, seen by all
    assert len({pid for _, _, pid in out}) > 1


def test_a_failing_warm_up_is_an_error_with_its_reason() -> None:
    def warm() -> None:
        raise ImportError("no schema here")

    with (
        pytest.raises(WorkerError, match="ImportError: no schema here"),
        ForkPool(2, lambda n: n, warm) as pool,
    ):
        list(pool.map(range(5)))


def test_stop_ends_every_worker_at_once() -> None:
    """Stopping (an interrupted run, an unused spare) does not wait for the work in hand to finish."""

    def work(n: int) -> int:
        if n >= 2:
            time.sleep(60)
        return os.getpid()

    pool = ForkPool(2, work, _warm_up)
    results = pool.map(range(4))
    pids = {next(results), next(results)}
    started = time.monotonic()
    pool.close(stop=True)
    assert time.monotonic() - started < 10
    for pid in pids:  # the first worker and the one it forked: both gone, neither left a zombie
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)


def test_a_failed_warm_up_is_reported_even_when_the_first_task_comes_after_it() -> None:
    """The worker says why and exits before the parent has a task for it: the broken task pipe is not the
    reason, the warm-up's error is (it was 'a worker process stopped before task 0', 1 run in 100)."""

    def warm() -> None:
        raise ImportError("no schema here")

    def slow_tasks() -> Iterator[int]:
        time.sleep(0.3)  # the worker has failed and gone by now
        yield from range(5)

    with (
        pytest.raises(WorkerError, match="ImportError: no schema here"),
        ForkPool(2, lambda n: n, warm) as pool,
    ):
        list(pool.map(slow_tasks()))


def test_workers_that_all_vanish_silently_are_an_error_not_a_hang() -> None:
    def warm() -> None:
        os._exit(0)  # gone without a word

    def slow_tasks() -> Iterator[int]:
        time.sleep(0.3)
        yield from range(3)

    with pytest.raises(WorkerError, match="stopped before task 0"), ForkPool(2, lambda n: n, warm) as pool:
        list(pool.map(slow_tasks()))
