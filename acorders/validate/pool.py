"""Forked worker processes for CPU-bound batches: tasks in, results back in task order.

Forked by hand rather than by multiprocessing.Pool, whose import and start cost about 50 ms: as much
as validating 1,500 files, and `acorders validate outbox/` runs every few minutes. The workers inherit
what ``work`` needs through fork; the first one warms up and forks the others from itself. Tasks are
handed out as the caller produces them (a directory still being walked), so no core waits for the whole
list.

A worker never outlives the process that forked it: the end of its task pipe tells it when it is idle,
and when it is blocked where no pipe reaches it (open() on a FIFO named on the command line) the kernel
kills it as its parent ends (Linux: PR_SET_PDEATHSIG), or a thread watching for the parent does.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import struct
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import suppress
from typing import Any, NoReturn

_HEADER = struct.Struct("<iI")  # task number (-1: the worker failed), payload length
_PR_SET_PDEATHSIG = 1  # linux/prctl.h
_WATCH_EVERY = 0.5  # seconds between looks at the parent, where the kernel cannot be asked


class WorkerError(RuntimeError):
    """A worker process failed or vanished: the run cannot say anything about the tasks it had."""


class ForkPool:
    """Worker processes, each with a pipe for its tasks and one for its results. A worker has at most
    one task at a time, so no pipe is ever written while its reader waits on the writer: no deadlock,
    whatever the size of a task or a result."""

    def __init__(
        self, processes: int, work: Callable[[Any], Any], warm: Callable[[], Any] | None = None
    ) -> None:
        """``warm()``: what every worker needs before its first task (imports, a compiled schema). The
        first worker runs it, then forks the others from itself: they start warm, and the set-up costs
        one core once rather than every core at once, while the caller goes on with its own work."""
        ends = [(os.pipe(), os.pipe()) for _ in range(processes)]
        self.tasks = [task_w for (_, task_w), _ in ends]  # the parent's end of each worker's task pipe
        self.results = [result_r for _, (result_r, _) in ends]  # ... and of its result pipe
        workers = [(task_r, result_w) for (task_r, _), (_, result_w) in ends]
        # Ctrl-C is the parent's to report: it stops the workers. Held off until the child ignores it, so
        # that a worker never dies of it first and looks to the parent like a crash.
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        parent = os.getpid()
        try:
            pid = os.fork()
            if pid == 0:  # pragma: no cover - the child; measured through the parent's results
                signal.signal(signal.SIGINT, signal.SIG_IGN)
                signal.pthread_sigmask(signal.SIG_SETMASK, mask)
                _close(*self.tasks, *self.results)
                _worker(parent, workers[0], workers[1:], work, warm)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        _close(*(fd for pair in workers for fd in pair))
        self.pids = [pid]  # the first worker; it reaps the others

    def __enter__(self) -> ForkPool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(stop=exc[0] is not None)  # interrupted or failed: the rest of the work is moot

    def close(self, stop: bool = False) -> None:
        """End of tasks: idle workers exit, and every one is waited for. ``stop`` ends them at once."""
        _close(*self.tasks, *self.results)
        for pid in self.pids:
            try:
                if stop:
                    os.kill(pid, signal.SIGTERM)
                os.waitpid(pid, 0)
            except (ProcessLookupError, ChildProcessError):
                pass

    def map(self, tasks: Iterable[Any]) -> Iterator[Any]:
        """``work(task)`` for every task, in task order. A task is taken from ``tasks`` only when a worker
        is free for it."""
        import selectors

        run = _Run(self, iter(tasks))
        selector = selectors.DefaultSelector()
        for fd in self.results:
            selector.register(fd, selectors.EVENT_READ)
        try:
            while True:
                run.hand_out()
                if run.following in run.ready:
                    yield run.ready.pop(run.following)
                    run.following += 1
                    continue
                if run.exhausted and run.following == run.sent:
                    return
                if not selector.get_map():  # every worker is gone, and none said why
                    raise WorkerError(f"a worker process stopped before task {run.sent}")
                for key, _ in selector.select():
                    if not run.receive(key.fd):
                        selector.unregister(key.fd)
        finally:
            selector.close()


_NOTHING = object()


class _Run:
    """One map() under way: which worker has which task, and the results not yet yielded in order."""

    def __init__(self, pool: ForkPool, source: Iterator[Any]) -> None:
        self.pool = pool
        self.source = source
        self.sent = self.following = 0  # tasks handed out; the next result to yield
        self.exhausted = False
        self.idle = list(range(len(pool.tasks)))
        self.working: dict[int, int] = {}  # result fd -> the task its worker has
        self.worker_of = {fd: i for i, fd in enumerate(pool.results)}
        self.buffers = {fd: bytearray() for fd in pool.results}
        self.ready: dict[int, Any] = {}
        self.held: Any = _NOTHING  # a task taken from the source that no worker has yet

    def hand_out(self) -> None:
        """A task to every idle worker, while there are tasks. A worker whose task pipe is broken is gone:
        its task waits for another, and what it said before going (a failed warm-up, say) arrives on
        its result pipe, so that is what the run reports."""
        while self.idle and not self.exhausted:
            if self.held is _NOTHING:
                try:
                    self.held = next(self.source)
                except StopIteration:
                    self.exhausted = True
                    return
            worker = self.idle.pop()
            try:
                _send(self.pool.tasks[worker], self.sent, pickle.dumps(self.held, pickle.HIGHEST_PROTOCOL))
            except BrokenPipeError:
                continue
            self.held = _NOTHING
            self.working[self.pool.results[worker]] = self.sent
            self.sent += 1

    def receive(self, fd: int) -> bool:
        """Read what a worker sent; False once its pipe is closed (an error if it had a task)."""
        data = os.read(fd, 1 << 16)  # a pipe holds 64 KiB: a bigger buffer is only allocated to be shrunk
        if not data:
            if fd in self.working:
                raise WorkerError(f"a worker process stopped before finishing task {self.working[fd]}")
            return False
        buffer = self.buffers[fd]
        buffer += data
        while len(buffer) >= _HEADER.size:
            index, length = _HEADER.unpack_from(buffer)
            if len(buffer) < _HEADER.size + length:
                break
            payload = pickle.loads(buffer[_HEADER.size : _HEADER.size + length])
            del buffer[: _HEADER.size + length]
            if index < 0:
                raise WorkerError(f"a worker process failed: {payload}")
            self.ready[index] = payload
            del self.working[fd]
            self.idle.append(self.worker_of[fd])
        return True


def _worker(
    parent: int,
    mine: tuple[int, int],
    others: list[tuple[int, int]],
    work: Callable[[Any], Any],
    warm: Callable[[], Any] | None,
) -> NoReturn:
    """A worker's whole life: warm up, fork the ``others`` (each keeps only its own pipes), serve tasks,
    reap. Never returns into the parent's code, never flushes the parent's buffers, never outlives
    ``parent``."""
    status = 0
    children: list[int] = []
    try:
        kernel_watches = _die_with(parent)
        # how the parent stops us (SIGINT is ignored, see ForkPool)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        gc.disable()  # a worker's results pile up and make every collection longer; nothing here makes cycles
        if warm is not None:
            warm()
        if others:
            signal.signal(signal.SIGTERM, lambda *_: _stop(children))  # the parent stops the pool through us
        me = os.getpid()
        for theirs in others:
            pid = os.fork()
            if pid == 0:
                _close(*mine, *(fd for pair in others if pair is not theirs for fd in pair))
                _worker(me, theirs, [], work, None)
            children.append(pid)
        _close(*(fd for pair in others for fd in pair))
        if not kernel_watches:  # started only now: the forks above copy no thread
            threading.Thread(target=_watch, args=(parent,), daemon=True).start()
        tasks, results = mine
        while header := _read_exactly(tasks, _HEADER.size):
            index, length = _HEADER.unpack(header)
            task = pickle.loads(_read_exactly(tasks, length))
            _send(results, index, pickle.dumps(work(task), pickle.HIGHEST_PROTOCOL))
    except BaseException as exc:
        status = 1
        with suppress(Exception):  # the parent may be gone or have stopped reading: nothing left to tell
            _send(mine[1], -1, pickle.dumps(f"{type(exc).__name__}: {exc}"))
    finally:
        for pid in children:
            with suppress(ChildProcessError):
                os.waitpid(pid, 0)
        os._exit(status)


def _die_with(parent: int) -> bool:
    """Be killed when ``parent`` ends, even blocked in open(); end now if it already has. False: the
    kernel cannot be asked, a thread must watch."""
    kernel_watches = _pdeathsig()
    if os.getppid() != parent:  # it ended before the kernel was asked
        os._exit(1)
    return kernel_watches


def _pdeathsig() -> bool:
    """prctl(PR_SET_PDEATHSIG, SIGKILL): the kernel kills this process when the thread that forked it
    ends (the pool is made by the thread that runs the command). False where there is no such call."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _watch(parent: int) -> None:
    """Where the kernel cannot be asked: a thread that ends the worker once ``parent`` is gone."""
    while os.getppid() == parent:
        time.sleep(_WATCH_EVERY)
    os._exit(1)


def _stop(children: list[int]) -> NoReturn:
    for pid in children:
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    for pid in children:
        with suppress(ChildProcessError):
            os.waitpid(pid, 0)
    os._exit(1)


def _close(*fds: int) -> None:
    for fd in fds:
        with suppress(OSError):
            os.close(fd)


def _read_exactly(fd: int, size: int) -> bytes:
    """``size`` bytes, or b"" at end of file before the first byte."""
    data = os.read(fd, size)
    while data and len(data) < size:
        more = os.read(fd, size - len(data))
        if not more:
            raise EOFError("the parent closed the task pipe mid-task")
        data += more
    return data


def _send(fd: int, task: int, payload: bytes) -> None:
    view = memoryview(_HEADER.pack(task, len(payload)) + payload)
    while view:
        view = view[os.write(fd, view) :]
