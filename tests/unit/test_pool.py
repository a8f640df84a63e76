"""acorders.pool: forked workers, results back in task order, failures reported, children reaped."""

from __future__ import annotations

import os
import signal
from typing import Any

import pytest

from acorders.pool import ForkPool, WorkerError

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the pool forks")


def run(tasks: list[Any], work: Any, processes: int = 2) -> list[Any]:
    with ForkPool(processes, tasks, work) as pool:
        out = list(pool.results())
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


def test_results_bigger_than_a_pipe_arrive_whole() -> None:
    out = run([1, 2, 3], lambda n: bytes([n]) * 300_000)
    assert [len(b) for b in out] == [300_000] * 3 and [b[0] for b in out] == [1, 2, 3]


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

    with pytest.raises(WorkerError, match="stopped before finishing task 3 of 10"):
        run(list(range(10)), work)
