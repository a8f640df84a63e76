"""One source to its documents: files read whole with os.read (pipes too), stdin streamed."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator
from typing import IO, Any

from acorders.load import base
from acorders.load.base import LoadError, failed
from acorders.load.formats import load_stream, parse_whole
from acorders.load.json_parse import SLOW, fast_object, parse_ndjson
from acorders.load.sources import EXTENSIONS, Source
from acorders.models import Document, Origin

Loader = Callable[[Source, Any], Iterable[Document]]  # a source (and stdin) to its documents


def load_source(source: Source, stdin: IO[bytes] | None = None) -> Iterable[Document]:
    """Every document of one source, in order. Never raises for bad input. A JSON file holding one object
    (the usual cart) comes back as a one-document tuple, without a generator: a batch loads thousands."""
    if source.format != "json" or source.path is None:
        return _load(source, stdin)
    try:
        data = _read_file(source.path)
    except (LoadError, OSError) as exc:
        return (_unreadable(source.name, exc),)
    value = fast_object(data)
    if value is SLOW:
        return _load(source, stdin, data)
    return (Document(Origin(source.name, 1), value, [], hash(data)),)


def _load(source: Source, stdin: IO[bytes] | None, data: bytes | None = None) -> Iterator[Document]:
    """``data``: the file's bytes, already read and found not to be the simple case."""
    try:
        if source.path is None:
            if stdin is None:
                raise LoadError("standard input is not available")
            for doc in load_stream(source.name, stdin, source.format):
                doc.text_hash = None  # stdin cannot be re-read to compare content: hash the content itself
                yield doc
        elif source.format == "ndjson":
            with open(source.path, "rb") as fh:
                yield from parse_ndjson(source.name, fh)
        elif data is not None:
            yield from parse_whole(source.name, data, "json", simple=False)
        else:
            yield from parse_whole(source.name, _read_file(source.path), source.format or "json")
    except (LoadError, OSError) as exc:
        yield _unreadable(source.name, exc)


def _unreadable(name: str, exc: LoadError | OSError) -> Document:
    if isinstance(exc, LoadError):
        return failed(name, exc.message, exc.line)
    return failed(name, f"cannot read: {exc.strerror or exc}")


def reread(origin: Origin, loader: Loader = load_source) -> Document | None:
    """The document at ``origin`` read again from its file (the batch duplicate check compares content
    only when two texts differ, and push re-reads a document whose data stayed in a worker); None if gone.

    ``loader`` must be the one that made the documents: convert's Converter for --from, whose documents
    are the records converted (the load stage would give back the shop's raw record). A line may hold
    several documents: the one with the origin's ordinal on that line is meant (a minified JSON array),
    and the one with the origin's record id (a converted record; any, for an origin that has none)."""
    if not os.path.isfile(origin.source):
        return None
    fmt = EXTENSIONS.get(os.path.splitext(origin.source)[1].lower(), "json")
    for doc in loader(Source(origin.source, origin.source, fmt), None):
        at = doc.origin
        if (
            at.line == origin.line
            and at.ordinal == origin.ordinal
            and doc.order is not None
            and origin.record in (None, at.record)
        ):
            return doc
        if at.line is not None and origin.line is not None and at.line > origin.line:
            return None  # documents come in the order of their lines: it is not there
    return None


def _read_file(path: str) -> bytes:
    """The whole file, refused past MAX_FILE_BYTES. os.open/os.read: a buffered file object costs more than
    reading a small cart, and a batch reads thousands. Reads until end of file (pipes such as ``<(...)``
    work), and asks the size only of a file that turns out big: a stat costs more than a read that
    finds the end."""
    fd = os.open(path, _READ_FLAGS)
    try:
        data = os.read(fd, _FIRST_READ)
        more = os.read(fd, 1) if data else b""
        total = len(data) + len(more)
        if not more and total <= base.MAX_FILE_BYTES:  # read whole: the usual case
            return data
        size = os.fstat(fd).st_size
        if max(size, total) > base.MAX_FILE_BYTES:  # a regular file is refused before it is read
            _too_big(max(size, total))
        parts = [data, more]
        while chunk := os.read(fd, 1 << 20):
            parts.append(chunk)
            total += len(chunk)
            if total > base.MAX_FILE_BYTES:
                _too_big(total)
        return b"".join(parts)
    finally:
        os.close(fd)


_READ_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)
_FIRST_READ = 1 << 16  # a cart is a few KB


def _too_big(size: int) -> None:
    raise LoadError(
        f"file is {size / 1e6:.1f} MB, over the {base.MAX_FILE_BYTES // 2**20} MiB limit for JSON and YAML "
        "files; split it, or write it as NDJSON (one order per line), which has no size limit"
    )
