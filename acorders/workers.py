"""Validate large batches on every core: load and check files in forked worker processes.

Only what a document needs to be reported travels back (origin, findings, a fingerprint); the batch-wide
duplicate check, the summary and the report stay in the parent, in input order, so output is the same
as a sequential run. Used for many files on a machine with several cores and fork (Linux, macOS).
"""

from __future__ import annotations

import gc
import os
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
            out.append((index, doc.origin.line, findings, packed_fp, None if extra is None else _run_extra(extra, doc)))
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
        from acorders.pool import (
            ForkPool,  # only here: pickle and friends cost a one-file run ~3 ms
        )

        with ForkPool(min(os.cpu_count() or 2, len(chunks)), chunks, _check) as pool:
            for index, results in enumerate(pool.results()):
                yield len(chunks[index]), [_unpack(chunks[index], p) for p in results]
    finally:
        if enabled:
            gc.enable()
        gc.unfreeze()
