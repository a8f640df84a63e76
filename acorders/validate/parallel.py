"""Validate large batches on every core: load and check files in forked worker processes.

Only what a document needs to be reported travels back (origin, findings, a fingerprint, and for an
invalid document the ids that name its cart: its row says which cart it is); the batch-wide
duplicate check, the summary and the report stay in the parent, in input order, so output is the same
as a sequential run. Used for many files on a machine with several cores and fork (Linux, macOS).
"""

from __future__ import annotations

import gc
import os
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain, islice
from typing import Any, Protocol

from acorders.load import Source, load_source
from acorders.models import CHECKOUT, EXTERNAL, Document, Finding, Origin, Severity
from acorders.validate.batch import Fingerprint
from acorders.validate.validator import Validator

CHUNK = 200  # files per task: big enough to amortise the pickling, small enough to balance the cores
MIN_FILES = 2 * CHUNK

_extra: Callable[[Document], Any] | None = None  # set in the parent before the fork, inherited by the workers
_validators: dict[Any, Validator] = {}  # in a worker: options -> Validator

Checked = tuple[Document, "Fingerprint | None", Any]
Ids = tuple["str | None", "str | None"]
Packed = tuple[
    int,
    "int | None",
    "list[tuple[str | None, str, str]] | None",
    "tuple[Any, ...] | None",
    Any,
    "Ids | None",
    "int | None",
]


def check_sources(
    sources: Iterable[Source],
    validator: Any,
    stdin: Any = None,
    extra: Callable[[Document], Any] | None = None,
    loader: Callable[[Source, Any], Iterable[Document]] | None = None,
) -> Iterator[tuple[int, list[Checked]]]:
    """Every document checked, per group of files: (files done, [(document, fingerprint, extra)]), in
    input order. ``extra(doc)`` runs beside the checks for each valid order (in the worker, when there are
    workers); documents come back without their data, so ``extra`` returns whatever the caller needs of it.

    ``sources`` may be a directory still being walked: the workers start on the first files meanwhile.
    ``loader(source, stdin)`` replaces the load stage (convert's documents, made from a shop's export):
    its documents keep their data. A loader that reads and converts in two halves (RecordLoader) is
    read here and converted and checked in the workers, records at a time: one big export uses every
    core too; then, without ``extra`` (validate), documents keep only the ids that name their cart."""
    if loader is not None:
        yield from _loaded(sources, validator, stdin, extra, loader)
        return
    pending = iter(sources)
    head = list(islice(pending, MIN_FILES))
    # stdin is read here, in order
    stdin_too = isinstance(sources, (list, tuple)) and any(s.path is None for s in sources)
    big = len(head) == MIN_FILES
    if big and not stdin_too and _can_fork():
        yield from _parallel(chain(head, pending), validator, extra)
        return
    for source in chain(head, pending):
        yield from _here(source, validator, stdin, extra)


def _here(
    source: Source,
    validator: Any,
    stdin: Any,
    extra: Callable[[Document], Any] | None,
    loader: Callable[[Source, Any], Iterable[Document]] = load_source,
) -> Iterator[tuple[int, list[Checked]]]:
    """One source checked in this process, one document at a time: a million-line stream stays small."""
    for doc in loader(source, stdin):
        yield 0, [(doc, validator.check_alone(doc), _run_extra(extra, doc))]
    yield 1, []


def _run_extra(extra: Callable[[Document], Any] | None, doc: Document) -> Any:
    return extra(doc) if extra is not None and doc.valid and doc.order is not None else None


def _can_fork() -> bool:
    return (os.cpu_count() or 1) >= 2 and hasattr(os, "fork")


def _warm() -> None:
    """What every worker needs before its first task; ForkPool runs it once, in the first worker."""
    from acorders.validate import schema

    schema.field_kinds()
    schema.compiled_closed()  # the one every document meets; the other is compiled only for invalid ones


def _check(task: tuple[Any, Sequence[tuple[Any, ...]] | None]) -> list[Packed]:
    """A task is (validator options, files). Plain tuples travel both ways, and each file comes back as
    its index in the chunk: pickling NamedTuples and dataclasses costs ten times as much, and more than
    checking the document."""
    options, chunk = task
    if chunk is None:  # an NDJSON file, which the parent checks itself
        return []
    validator = _validators.get(options)
    if validator is None:
        validator = _validators[options] = Validator(options)
    out: list[Packed] = []
    check, extra = validator.check_alone, _extra
    for index, (name, path, fmt) in enumerate(chunk):
        for doc in load_source(Source(name, path, fmt)):
            fp = check(doc)
            findings = [(f.path, f.message, f.severity.value) for f in doc.findings] if doc.findings else None
            packed_fp = None if fp is None else tuple(fp)  # a NamedTuple pickles by class name: slower
            out.append(
                (
                    index,
                    doc.origin.line,
                    findings,
                    packed_fp,
                    None if extra is None else _run_extra(extra, doc),
                    None if findings is None or doc.valid else _ids(doc),  # only invalid ones: cheap
                    doc.origin.ordinal,  # several documents on one line (a minified array): which one
                )
            )
    return out


def _split(chunk: list[Source]) -> Iterator[list[Source] | Source]:
    """Runs of files for the workers, and each NDJSON file on its own, in order."""
    run: list[Source] = []
    for source in chunk:
        if source.format == "ndjson":
            if run:
                yield run
                run = []
            yield source
        else:
            run.append(source)
    if run:
        yield run


def _ids(doc: Document) -> Ids | None:
    key = doc.key
    return key if key[0] is not None or key[1] is not None else None


def named(ids: Ids) -> dict[str, str]:
    """What stands for the data of an invalid document checked in a worker: the ids alone, so that its
    row still names the cart (``Document.key``), and nothing that could be sent."""
    checkout, ext = ids
    return {k: v for k, v in ((CHECKOUT, checkout), (EXTERNAL, ext)) if v is not None}


def _unpack(chunk: Sequence[Source], packed: Packed) -> Checked:
    index, line, findings, fp, extra, ids, ordinal = packed
    found = [Finding(p, m, Severity(s)) for p, m, s in findings] if findings else []
    return (
        Document(Origin(chunk[index].name, line, None, ordinal), None if ids is None else named(ids), found),
        None if fp is None else Fingerprint(*fp),
        extra,
    )


def _parallel(
    sources: Iterable[Source], validator: Any, extra: Callable[[Document], Any] | None
) -> Iterator[tuple[int, list[Checked]]]:
    """Workers are forked first: they load the schema validator while this process walks the
    directories, and take each group of files as soon as it is listed. An NDJSON file
    is checked here, in its turn, a line at a time: a worker would send all its documents back at once."""
    global _extra
    options = validator.worker_options
    parts: list[
        list[Source] | Source
    ] = []  # what each task stands for: files, or an NDJSON file checked here

    def tasks() -> Iterator[tuple[Any, list[tuple[Any, ...]] | None]]:
        while chunk := list(islice(sources, CHUNK)):
            if any(s.path is None for s in chunk):
                raise ValueError("standard input cannot be read by a worker")  # callers list stdin apart
            for part in _split(chunk):
                parts.append(part)
                # an NDJSON file still takes its turn in the results' order: its worker answers at once
                yield options, [tuple(s) for s in part] if isinstance(part, list) else None

    frozen = gc.get_freeze_count()  # the CLI freezes what start-up made (acorders.launch.loaded)
    gc.freeze()  # the parent's objects stay put: the children don't copy their pages to collect them
    enabled = gc.isenabled()
    gc.disable()  # nor does the parent collect while thousands of results pass through it
    try:
        # imported only here: pickle and friends would cost a one-file run ~3 ms
        from acorders.validate.pool import ForkPool

        _extra = extra  # set before the fork, so that the workers inherit it
        with ForkPool(os.cpu_count() or 2, _check, warm=_warm) as pool:
            for index, results in enumerate(pool.map(tasks())):
                part = parts[index]
                parts[index] = []  # done with: a long walk does not keep every path twice
                if isinstance(part, list):
                    yield len(part), [_unpack(part, p) for p in results]
                else:
                    yield from _here(part, validator, None, extra)
    finally:
        if enabled:
            gc.enable()
        if not frozen:  # unfreezing would also thaw what was frozen before, all of it
            gc.unfreeze()


class RecordLoader(Protocol):
    """A loader in two halves: ``records`` reads a source (in this process, in order: stdin too) and
    ``documents`` makes one record's Documents (in a worker). acorders.convert.Converter is one."""

    def __call__(self, source: Source, stdin: Any = None) -> Iterable[Document]: ...

    def records(self, source: Source, stdin: Any = None) -> Iterable[Any]: ...

    def documents(self, source: Source, item: Any) -> list[Document]: ...


_END: Any = None  # in a stream of (source, record): this source is done
_loader: RecordLoader | None = None  # set in the parent before the fork, inherited by the workers
Made = tuple[tuple[Any, ...], Any, "list[tuple[str | None, str, str]] | None", Any, Any, Any]


def _loaded(
    sources: Iterable[Source],
    validator: Any,
    stdin: Any,
    extra: Callable[[Document], Any] | None,
    loader: Callable[[Source, Any], Iterable[Document]],
) -> Iterator[tuple[int, list[Checked]]]:
    """--from: each record converted and checked, in the workers for a big batch, in input order."""
    if not (hasattr(loader, "records") and hasattr(loader, "documents")) or not _can_fork():
        for source in sources:
            yield from _here(source, validator, stdin, extra, loader)
        return
    split: RecordLoader = loader  # type: ignore[assignment]
    stream = ((source, item) for source in sources for item in chain(split.records(source, stdin), [_END]))
    head = list(islice(stream, MIN_FILES))
    if len(head) < MIN_FILES:  # a small batch: forking would cost more than it saves
        yield from _made_here(head, split, validator, extra)
        return
    yield from _made_parallel(chain(head, stream), split, validator, extra)


def _made_here(
    stream: Iterable[tuple[Source, Any]],
    split: RecordLoader,
    validator: Any,
    extra: Callable[[Document], Any] | None,
) -> Iterator[tuple[int, list[Checked]]]:
    for source, item in stream:
        if item is _END:
            yield 1, []
            continue
        docs = split.documents(source, item)
        yield 0, [(doc, validator.check_alone(doc), _run_extra(extra, doc)) for doc in docs]


def _make(task: tuple[Any, list[tuple[tuple[Any, ...], Any]]]) -> list[list[Made]]:
    """A worker's task: (validator options, [(source, record)]); each record's documents come back as
    plain tuples: for push with their data (the converted order, defaults applied), for validate with
    only the ids that name the cart, as files come back."""
    options, items = task
    validator = _validators.get(options)
    if validator is None:
        validator = _validators[options] = Validator(options)
    assert _loader is not None
    out: list[list[Made]] = []
    for source, item in items:
        made: list[Made] = []
        for doc in _loader.documents(Source(*source), item):
            fp = validator.check_alone(doc)
            findings = [(f.path, f.message, f.severity.value) for f in doc.findings] if doc.findings else None
            packed_fp = None if fp is None else tuple(fp)
            if _extra is None:  # validate: as for files, only the ids that name the cart travel back
                ids = None if doc.data is None else _ids(doc)
                made.append((tuple(doc.origin), ids, findings, packed_fp, None, doc.text_hash))
                continue
            extra = _run_extra(_extra, doc)  # push: its plan and its rows need the data
            made.append((tuple(doc.origin), doc.data, findings, packed_fp, extra, doc.text_hash))
        out.append(made)
    return out


def _remade(made: Made) -> Checked:
    origin, data, findings, fp, extra, text_hash = made
    found = [Finding(p, m, Severity(s)) for p, m, s in findings] if findings else []
    if data.__class__ is tuple:  # the ids, for validate's rows
        data = named(data)
    doc = Document(Origin(*origin), data, found, text_hash)
    return doc, None if fp is None else Fingerprint(*fp), extra


def _made_parallel(
    stream: Iterator[tuple[Source, Any]],
    split: RecordLoader,
    validator: Any,
    extra: Callable[[Document], Any] | None,
) -> Iterator[tuple[int, list[Checked]]]:
    """Records read here, CHUNK at a time, converted and checked in the workers; each source's end is
    kept here, so the counts come out where a sequential run says them."""
    global _extra, _loader
    options = validator.worker_options
    ends: list[list[bool]] = []  # per task: for each entry, whether it is a source's end

    def tasks() -> Iterator[tuple[Any, list[tuple[tuple[Any, ...], Any]]]]:
        while chunk := list(islice(stream, CHUNK)):
            ends.append([item is _END for _, item in chunk])
            yield options, [(tuple(source), item) for source, item in chunk if item is not _END]

    from acorders.validate.pool import ForkPool

    _extra, _loader = extra, split  # set before the fork, so that the workers inherit them
    enabled = gc.isenabled()
    gc.disable()  # as _parallel: no collections while thousands of records and results pass through
    try:
        yield from _made_results(ForkPool, tasks(), ends)
    finally:
        if enabled:
            gc.enable()


def _made_results(
    fork_pool: Any, tasks: Iterator[Any], ends: list[list[bool]]
) -> Iterator[tuple[int, list[Checked]]]:
    """The workers' answers, a task at a time, with each source's end where the parent kept it."""
    with fork_pool(os.cpu_count() or 2, _make, warm=_warm) as pool:
        for index, results in enumerate(pool.map(tasks)):
            made, done = iter(results), ends[index]
            out: list[Checked] = []
            ends[index] = []
            for is_end in done:
                if is_end:
                    yield 1, out
                    out = []
                else:
                    out.extend(_remade(m) for m in next(made))
            if out:
                yield 0, out
