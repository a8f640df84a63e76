"""Validate large batches on every core: load and check files in forked worker processes.

Only what a document needs to be reported travels back (origin, findings, a fingerprint); the batch-wide
duplicate check, the summary and the report stay in the parent, in input order, so output is the same
as a sequential run. Used for many files on a machine with several cores and fork (Linux, macOS).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Iterator, Sequence
from typing import Any


from acorders.checks import Fingerprint
from acorders.load import Source, load_source
from acorders.models import Document, Finding, Origin, Severity

CHUNK = 200  # files per task: big enough to amortise the pickling, small enough to balance the cores
MIN_FILES = 2 * CHUNK

_validator: Any = None  # set in the parent before the fork, inherited by the workers


def usable(sources: Sequence[Source]) -> bool:
    return (
        len(sources) >= MIN_FILES
        and (os.cpu_count() or 1) > 1
        and "fork" in multiprocessing.get_all_start_methods()
        and all(s.path is not None for s in sources)
    )


Packed = tuple[str, "int | None", "list[tuple[str | None, str, str]] | None", "tuple[Any, ...] | None"]


def _check(chunk: Sequence[Source]) -> list[Packed]:
    """Plain tuples travel back: pickling dataclasses costs more than checking the document."""
    out: list[Packed] = []
    for source in chunk:
        for doc in load_source(source):
            fp = _validator.check_alone(doc)
            findings = [(f.path, f.message, f.severity.value) for f in doc.findings] or None
            out.append((doc.origin.source, doc.origin.line, findings, None if fp is None else (fp.key, fp.content, fp.exact, fp.field, fp.value, fp.path)))
    return out


def _unpack(packed: Packed) -> tuple[Document, Any]:
    source, line, findings, fp = packed
    doc = Document(Origin(source, line), None, [Finding(p, m, Severity(s)) for p, m, s in findings or ()])
    return doc, None if fp is None else Fingerprint(*fp)


def checked(sources: Sequence[Source], validator: Any) -> Iterator[tuple[int, list[tuple[Document, Any]]]]:
    """(number of files, their documents with fingerprints) per chunk, in input order."""
    global _validator
    _validator = validator
    chunks = [sources[i : i + CHUNK] for i in range(0, len(sources), CHUNK)]
    processes = min(os.cpu_count() or 2, len(chunks))
    with multiprocessing.get_context("fork").Pool(processes) as pool:
        for chunk, results in zip(chunks, pool.imap(_check, chunks)):
            yield len(chunk), [_unpack(p) for p in results]
