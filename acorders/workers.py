"""Validate large batches on every core: load and check files in forked worker processes.

Only what a document needs to be reported travels back (origin, findings, a fingerprint); the batch-wide
duplicate check, the summary and the report stay in the parent, in input order, so output is the same
as a sequential run. Used for many files on a machine with several cores and fork (Linux, macOS).

The workers are forked by hand rather than by multiprocessing.Pool, whose import and start cost about
50 ms: as much as checking 1,500 files, and `acorders validate outbox/` runs every few minutes.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import struct
from collections.abc import Callable, Iterator, Sequence
from typing import Any

from acorders.checks import Fingerprint
from acorders.load import Source, load_source
from acorders.models import Document, Finding, Origin, Severity

CHUNK = 200  # files per task: big enough to amortise the pickling, small enough to balance the cores
MIN_FILES = 2 * CHUNK
MAX_TASKS = 2048  # 4 bytes each, written before any worker reads: they must fit a pipe (16 KiB on macOS)

_validator: Any = None  # set in the parent before the fork, inherited by the workers
_extra: Callable[[Document], Any] | None = None

Checked = tuple[Document, "Fingerprint | None", Any]
Packed = tuple[int, "int | None", "list[tuple[str | None, str, str]] | None", "tuple[Any, ...] | None", Any]


def usable(sources: Sequence[Source]) -> bool:
    if len(sources) < MIN_FILES or (os.cpu_count() or 1) < 2 or not hasattr(os, "fork"):
        return False
    return all(s.path is not None for s in sources)


def check_sources(
    sources: Sequence[Source], validator: Any, stdin: Any = None, extra: Callable[[Document], Any] | None = None
) -> Iterator[tuple[int, list[Checked]]]:
    """Every document checked, per group of files: (files done, [(document, fingerprint, extra)]), in
    input order. ``extra(doc)`` runs beside the checks for each valid order (in the worker, when there are
    workers); documents come back without their data, so ``extra`` returns whatever the caller needs of it."""
    if usable(sources):
        yield from _parallel(sources, validator, extra)
        return
    for source in sources:  # one document at a time: a million-line stream stays small in memory
        for doc in load_source(source, stdin):
            yield 0, [(doc, validator.check_alone(doc), _run_extra(extra, doc))]
        yield 1, []


def _run_extra(extra: Callable[[Document], Any] | None, doc: Document) -> Any:
    return extra(doc) if extra is not None and doc.valid and doc.order is not None else None


def _check(chunk: Sequence[Source]) -> list[Packed]:
    """Plain tuples travel back, the file as its index in the chunk: pickling dataclasses and paths costs
    more than checking the document."""
    out: list[Packed] = []
    check, extra = _validator.check_alone, _extra
    for index, source in enumerate(chunk):
        for doc in load_source(source):
            fp = check(doc)
            findings = [(f.path, f.message, f.severity.value) for f in doc.findings] if doc.findings else None
            packed_fp = None if fp is None else tuple(fp)  # a NamedTuple pickles by class name: slower
            out.append((index, doc.origin.line, findings, packed_fp, _run_extra(extra, doc)))
    return out


def _unpack(chunk: Sequence[Source], packed: Packed) -> Checked:
    index, line, findings, fp, extra = packed
    found = [Finding(p, m, Severity(s)) for p, m, s in findings] if findings else []
    return Document(Origin(chunk[index].name, line), None, found), None if fp is None else Fingerprint(*fp), extra


def _parallel(
    sources: Sequence[Source], validator: Any, extra: Callable[[Document], Any] | None
) -> Iterator[tuple[int, list[Checked]]]:
    global _validator, _extra
    _validator, _extra = validator, extra
    size = max(CHUNK, -(-len(sources) // MAX_TASKS))
    chunks = [sources[i : i + size] for i in range(0, len(sources), size)]
    gc.freeze()  # the parent's objects stay put: the children don't copy their pages to collect them
    enabled = gc.isenabled()
    gc.disable()  # nor does the parent collect while thousands of results pass through it
    try:
        with _Forked(min(os.cpu_count() or 2, len(chunks)), chunks) as pool:
            for index, results in enumerate(pool.results()):
                yield len(chunks[index]), [_unpack(chunks[index], p) for p in results]
    finally:
        if enabled:
            gc.enable()
        gc.unfreeze()


_HEADER = struct.Struct("<iI")  # task number (-1: the worker failed), payload length
_TASK = struct.Struct("<I")


class WorkerError(RuntimeError):
    """A worker process failed or vanished: the run cannot say anything about the files it had."""


class _Forked:
    """Worker processes that inherit the chunks and the validator. They take task numbers from one pipe
    (4-byte reads from a pipe are atomic, so each task goes to exactly one worker) and send pickled
    results back on a pipe of their own; the parent puts the results back in order."""

    def __init__(self, processes: int, chunks: Sequence[Sequence[Source]]) -> None:
        self.chunks = chunks
        self.pids: list[int] = []
        self.pipes: list[int] = []
        tasks_r, tasks_w = os.pipe()
        os.write(tasks_w, b"".join(_TASK.pack(i) for i in range(len(chunks))))
        os.close(tasks_w)  # before the fork: the workers see the end of the tasks as end of file
        try:
            for _ in range(processes):
                result_r, result_w = os.pipe()
                pid = os.fork()
                if pid == 0:  # pragma: no cover - the child; measured through the parent's results
                    os.close(result_r)
                    _work(tasks_r, result_w, chunks)
                self.pids.append(pid)
                self.pipes.append(result_r)
                os.close(result_w)
        finally:
            os.close(tasks_r)

    def __enter__(self) -> _Forked:
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

    def results(self) -> Iterator[list[Packed]]:
        """Each chunk's results, in chunk order, as the workers finish them."""
        import selectors

        pending: dict[int, list[Packed]] = {}
        buffers = {fd: bytearray() for fd in self.pipes}
        selector = selectors.DefaultSelector()
        for fd in self.pipes:
            selector.register(fd, selectors.EVENT_READ)
        following = 0
        try:
            while following < len(self.chunks):
                if following in pending:
                    yield pending.pop(following)
                    following += 1
                    continue
                if not selector.get_map():
                    raise WorkerError(f"a worker process stopped before checking file {self.chunks[following][0].name}")
                for key, _ in selector.select():
                    fd = key.fd
                    data = os.read(fd, 1 << 20)
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


def _work(tasks: int, results: int, chunks: Sequence[Sequence[Source]]) -> None:
    """The worker's whole life: never returns into the parent's code, never flushes the parent's buffers."""
    status = 0
    try:
        signal.signal(signal.SIGINT, signal.SIG_DFL)  # Ctrl-C: the parent reports it; the workers just stop
        gc.disable()  # a worker's results pile up and make every collection longer; nothing here makes cycles
        while task := os.read(tasks, _TASK.size):
            (index,) = _TASK.unpack(task)
            _send(results, index, pickle.dumps(_check(chunks[index]), pickle.HIGHEST_PROTOCOL))
    except BaseException as exc:  # noqa: BLE001 - reported to the parent, which decides
        status = 1
        try:
            _send(results, -1, pickle.dumps(f"{type(exc).__name__}: {exc}"))
        except BaseException:  # noqa: BLE001 - the parent is gone or stopped reading
            pass
    finally:
        os._exit(status)


def _send(fd: int, task: int, payload: bytes) -> None:
    view = memoryview(_HEADER.pack(task, len(payload)) + payload)
    while view:
        view = view[os.write(fd, view) :]
