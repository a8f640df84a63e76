"""Forked worker processes for CPU-bound batches: tasks in, results back in task order.

Forked by hand rather than by multiprocessing.Pool, whose import and start cost about 50 ms: as much
as validating 1,500 files, and `acorders validate outbox/` runs every few minutes. The workers inherit
everything (the tasks, the compiled validator) through fork; only results cross a pipe.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import struct
from collections.abc import Callable, Iterator, Sequence
from contextlib import suppress
from typing import Any

_HEADER = struct.Struct("<iI")  # task number (-1: the worker failed), payload length
_TASK = struct.Struct("<I")


class WorkerError(RuntimeError):
    """A worker process failed or vanished: the run cannot say anything about the files it had."""


class ForkPool:
    """Worker processes that inherit the tasks (and whatever ``work`` needs). They take task numbers from
    one pipe (4-byte reads from a pipe are atomic, so each task goes to exactly one worker) and send
    pickled results back on a pipe of their own; ``results`` puts them back in task order."""

    def __init__(self, processes: int, tasks: Sequence[Any], work: Callable[[Any], Any]) -> None:
        self.tasks = tasks
        self.pids: list[int] = []
        self.pipes: list[int] = []
        tasks_r, tasks_w = os.pipe()
        os.write(tasks_w, b"".join(_TASK.pack(i) for i in range(len(tasks))))
        os.close(tasks_w)  # before the fork: the workers see the end of the tasks as end of file
        try:
            for _ in range(processes):
                result_r, result_w = os.pipe()
                pid = os.fork()
                if pid == 0:  # pragma: no cover - the child; measured through the parent's results
                    os.close(result_r)
                    _serve(tasks_r, result_w, tasks, work)
                self.pids.append(pid)
                self.pipes.append(result_r)
                os.close(result_w)
        finally:
            os.close(tasks_r)

    def __enter__(self) -> ForkPool:
        return self

    def __exit__(self, *exc: object) -> None:
        for fd in self.pipes:
            os.close(fd)
        for pid in self.pids:
            try:
                if exc[0] is not None:
                    os.kill(pid, signal.SIGTERM)  # interrupted or failed: the rest of the work is moot
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass

    def results(self) -> Iterator[Any]:
        """``work(task)`` for every task, in task order, as the workers finish them."""
        import selectors

        pending: dict[int, Any] = {}
        buffers = {fd: bytearray() for fd in self.pipes}
        selector = selectors.DefaultSelector()
        for fd in self.pipes:
            selector.register(fd, selectors.EVENT_READ)
        following = 0
        try:
            while following < len(self.tasks):
                if following in pending:
                    yield pending.pop(following)
                    following += 1
                    continue
                if not selector.get_map():
                    raise WorkerError(f"a worker process stopped before finishing task {following} of {len(self.tasks)}")
                for key, _ in selector.select():
                    fd = key.fd
                    data = os.read(fd, 1 << 16)  # a pipe holds 64 KiB: a bigger buffer is only allocated to be shrunk
                    if not data:
                        selector.unregister(fd)
                        continue
                    buffer = buffers[fd]
                    buffer += data
                    while len(buffer) >= _HEADER.size:
                        task, length = _HEADER.unpack_from(buffer)
                        if len(buffer) < _HEADER.size + length:
                            break
                        payload = pickle.loads(buffer[_HEADER.size : _HEADER.size + length])
                        del buffer[: _HEADER.size + length]
                        if task < 0:
                            raise WorkerError(f"a worker process failed: {payload}")
                        pending[task] = payload
        finally:
            selector.close()


def _serve(tasks: int, results: int, jobs: Sequence[Any], work: Callable[[Any], Any]) -> None:
    """The worker's whole life: never returns into the parent's code, never flushes the parent's buffers."""
    status = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C: the parent reports it; the workers just stop
        gc.disable()  # a worker's results pile up and make every collection longer; nothing here makes cycles
        while task := os.read(tasks, _TASK.size):
            (index,) = _TASK.unpack(task)
            _send(results, index, pickle.dumps(work(jobs[index]), pickle.HIGHEST_PROTOCOL))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which decides
        status = 1
        with suppress(Exception):  # the parent may be gone or have stopped reading: nothing left to tell
            _send(results, -1, pickle.dumps(f"{type(exc).__name__}: {exc}"))
    finally:
        os._exit(status)


def _send(fd: int, task: int, payload: bytes) -> None:
    view = memoryview(_HEADER.pack(task, len(payload)) + payload)
    while view:
        view = view[os.write(fd, view) :]
