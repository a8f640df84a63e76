"""acorders.pool: forked workers, tasks handed out as they come, results back in task order, failures
reported, children reaped."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from typing import Any

import pytest

from acorders.pool import ForkPool, WorkerError

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the pool forks")


def run(tasks: Any, work: Any, processes: int = 2) -> list[Any]:
    with ForkPool(processes, work) as pool:
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
