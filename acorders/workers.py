"""Validate large batches on every core: load and check files in forked worker processes.

Only what a document needs to be reported travels back (origin, findings, a fingerprint); the batch-wide
duplicate check, the summary and the report stay in the parent, in input order, so output is the same
as a sequential run. Used for many files on a machine with several cores and fork (Linux, macOS).
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain, islice
from typing import Any

from acorders.checks import Fingerprint
from acorders.load import Source, load_source
from acorders.models import Document, Finding, Origin, Severity

CHUNK = 200  # files per task: big enough to amortise the pickling, small enough to balance the cores
MIN_FILES = 2 * CHUNK

_validator: Any = None  # set in the parent before the fork, inherited by the workers
_extra: Callable[[Document], Any] | None = None

Checked = tuple[Document, "Fingerprint | None", Any]
Packed = tuple[int, "int | None", "list[tuple[str | None, str, str]] | None", "tuple[Any, ...] | None", Any]


def check_sources(
    sources: Iterable[Source], validator: Any, stdin: Any = None, extra: Callable[[Document], Any] | None = None
) -> Iterator[tuple[int, list[Checked]]]:
    """Every document checked, per group of files: (files done, [(document, fingerprint, extra)]), in
    input order. ``extra(doc)`` runs beside the checks for each valid order (in the worker, when there are
    workers); documents come back without their data, so ``extra`` returns whatever the caller needs of it.

    ``sources`` may be a directory still being walked: the workers start on the first files meanwhile."""
    pending = iter(sources)
    head = list(islice(pending, MIN_FILES))
    stdin_too = isinstance(sources, (list, tuple)) and any(s.path is None for s in sources)  # read here, in order
    if len(head) == MIN_FILES and not stdin_too and (os.cpu_count() or 1) >= 2 and hasattr(os, "fork"):
        yield from _parallel(chain(head, pending), validator, extra)
        return
    for source in chain(head, pending):  # one document at a time: a million-line stream stays small in memory
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
    sources: Iterable[Source], validator: Any, extra: Callable[[Document], Any] | None
) -> Iterator[tuple[int, list[Checked]]]:
    """Workers are forked first: they load the schema validator while this process walks the directories,
    and take each group of files as soon as it is listed."""
    global _validator, _extra
    _validator, _extra = validator, extra
    chunks: list[list[Source]] = []

    def tasks() -> Iterator[list[Source]]:
        while chunk := list(islice(sources, CHUNK)):
            if any(s.path is None for s in chunk):
                raise ValueError("standard input cannot be read by a worker")  # callers list stdin apart
            chunks.append(chunk)
            yield chunk

    gc.freeze()  # the parent's objects stay put: the children don't copy their pages to collect them
    enabled = gc.isenabled()
    gc.disable()  # nor does the parent collect while thousands of results pass through it
    try:
        # imported only here: pickle and friends would cost a one-file run ~3 ms
        from acorders.pool import ForkPool

        with ForkPool(os.cpu_count() or 2, _check) as pool:
            for index, results in enumerate(pool.map(tasks())):
                chunk = chunks[index]
                chunks[index] = []  # done with: a long walk does not keep every path twice
                yield len(chunk), [_unpack(chunk, p) for p in results]
    finally:
        if enabled:
            gc.enable()
        gc.unfreeze()
