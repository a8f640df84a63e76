"""Sources to shop records with their lines, then to Documents: the convert stage's reading side.

JSON files are scanned element by element so each record keeps the line it starts on; NDJSON and YAML
go through the load stage (a document per line, streamed); CSV rows are grouped (csv_rows). A file that
cannot be read or parsed is the load stage's one error document, and the batch goes on.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from datetime import datetime
from typing import IO, Any

from acorders.convert.csv_rows import csv_records
from acorders.convert.fields import values
from acorders.convert.maps import ConvertMap
from acorders.convert.records import ConvertOptions, Skip, clock, convert_record, record_id
from acorders.errors import ConversionError
from acorders.load import Source, base, load_source
from acorders.load.json_parse import ndjson_lines, parse_line
from acorders.models import Document, Finding, Origin

_decoder = json.JSONDecoder()
_WS = " \t\n\r"


def convert_source(
    source: Source, cmap: ConvertMap, opts: ConvertOptions, stdin: IO[bytes] | None = None
) -> Iterator[Document]:
    """Every record of ``source`` as a Document: the ecomOrder, or no data and one finding saying why
    (an error when it cannot be converted, a warning or info when it is skipped). Never raises for bad
    input."""
    now = clock(opts)
    for item in _records(source, cmap, stdin):
        yield item if isinstance(item, Document) else to_document(source, item, cmap, opts, now)


def to_document(
    source: Source, item: tuple[int | None, Any], cmap: ConvertMap, opts: ConvertOptions, now: datetime
) -> Document:
    """One shop record (with its line) as a Document: the ecomOrder, or no data and one finding."""
    line, record = item
    origin = Origin(source.name, line, record_id(record, cmap) if isinstance(record, dict) else None)
    try:
        result = convert_record(record, cmap, opts, now)
    except ConversionError as exc:
        return Document(origin, None, [Finding(exc.path, f"cannot convert: {exc.message}")])
    if isinstance(result, Skip):
        return Document(origin, None, [Finding(None, result.reason, result.severity)])
    return Document(origin, result)


def _records(
    source: Source, cmap: ConvertMap, stdin: IO[bytes] | None
) -> Iterator[Document | tuple[int | None, Any]]:
    if cmap.format == "csv":
        yield from csv_records(source, cmap, stdin)
        return
    if source.format == "json" and source.path is not None:
        scanned = _scan_json_file(source, cmap)
        if scanned is not None:
            yield from scanned
            return
    for doc in load_source(source, stdin):
        if doc.data is None:
            yield doc
        else:
            line = doc.origin.line
            yield from ((line, record) for record in split(doc.data, cmap))


def split(data: Any, cmap: ConvertMap) -> list[Any]:
    """The records in one parsed document: a list is its elements; an object holding the map's
    ``records`` path yields what is there (a list, or one object); any other object is one record."""
    if isinstance(data, list):
        return data
    if cmap.records is not None and isinstance(data, dict):
        found = values(data, cmap.records)
        if found:
            inner = found[0]
            return inner if isinstance(inner, list) else [inner]
    return [data]


def _scan_json_file(source: Source, cmap: ConvertMap) -> list[tuple[int | None, Any]] | None:
    """A JSON file's records with the line each starts on; None when the file is not the simple shape
    (or not valid JSON: the load stage then says why, in its words)."""
    assert source.path is not None
    try:
        if os.path.getsize(source.path) > base.MAX_FILE_BYTES:
            return None  # the load stage refuses it, with its message
        with open(source.path, "rb") as fh:
            text = base.decode(fh.read())
        return list(scan_json(text, cmap))
    except (base.LoadError, OSError, ValueError):
        return None


def scan_json(text: str, cmap: ConvertMap) -> Iterator[tuple[int | None, Any]]:
    """Records of a JSON text, each with its 1-based line: a top-level array, or an object whose
    ``records`` key (one level) holds an array; anything else is split as a whole at line 1."""
    pos = _skip(text, 0)
    key = cmap.records[0] if cmap.records is not None and len(cmap.records) == 1 else None
    if text.startswith("[", pos):
        items, end = _array(text, pos)
        if _skip(text, end) != len(text):
            raise ValueError("trailing data")
    elif text.startswith("{", pos) and key is not None:
        value, end = _decoder.raw_decode(text, pos)
        if _skip(text, end) != len(text):
            raise ValueError("trailing data")
        start = (
            _key_array(text, pos, key)
            if isinstance(value, dict) and isinstance(value.get(key), list)
            else None
        )
        if start is None:
            yield from ((text.count("\n", 0, pos) + 1, r) for r in split(value, cmap))
            return
        items, _ = _array(text, start)
    else:
        value, end = _decoder.raw_decode(text, pos)
        if _skip(text, end) != len(text):
            raise ValueError("trailing data")
        yield from ((text.count("\n", 0, pos) + 1, r) for r in split(value, cmap))
        return
    yield from items


def _array(text: str, pos: int) -> tuple[list[tuple[int | None, Any]], int]:
    """The elements of the array at ``pos`` with their lines, and where the array ends."""
    out: list[tuple[int | None, Any]] = []
    pos, line, counted = _skip(text, pos + 1), 1, 0
    while not text.startswith("]", pos):
        line += text.count("\n", counted, pos)
        counted = pos
        value, pos = _decoder.raw_decode(text, pos)
        out.append((line, value))
        pos = _skip(text, pos)
        if text.startswith(",", pos):
            pos = _skip(text, pos + 1)
        elif not text.startswith("]", pos):
            raise ValueError("not an array")
    return out, pos + 1


def _key_array(text: str, pos: int, key: str) -> int | None:
    """Where the value of the top-level ``key`` starts in the object at ``pos``."""
    pos = _skip(text, pos + 1)
    while text.startswith('"', pos):
        name, pos = _decoder.raw_decode(text, pos)
        pos = _skip(text, pos)
        pos = _skip(text, pos + 1)  # past the colon
        if name == key:
            return pos
        _, pos = _decoder.raw_decode(text, pos)
        pos = _skip(text, pos)
        if text.startswith(",", pos):
            pos = _skip(text, pos + 1)
    return None


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _WS:
        pos += 1
    return pos


def convert_all(
    sources: Iterable[Source], cmap: ConvertMap, opts: ConvertOptions, stdin: IO[bytes] | None = None
) -> Iterator[Document]:
    for source in sources:
        yield from convert_source(source, cmap, opts, stdin)


class Converter:
    """A map and the user's options, bound: lists the sources of a --from run (CSV files too) and, called
    with a source, makes its documents; validate and push take it in place of the load stage.

    The two halves of a call, ``records`` (reading, in order: stdin too) and ``document`` (converting one
    record), let validate read in one process and convert in the workers. The clock is read once, here,
    so every source and every worker judges --abandoned-after against the same instant."""

    def __init__(self, cmap: ConvertMap, opts: ConvertOptions) -> None:
        self.cmap = cmap
        self.opts = opts if opts.now is not None else replace(opts, now=clock(opts))

    def sources(
        self, paths: Iterable[str], fmt: str | None = None, on_skip: Callable[[str], None] | None = None
    ) -> list[Source]:
        """Every source (directories walked, sorted): a csv map reads every file as CSV and walks
        directories for *.csv; a json map reads what the load stage reads."""
        from acorders.load import collect_sources

        if self.cmap.format != "csv":
            return collect_sources(paths, fmt, on_skip)
        listed = collect_sources(paths, "csv", on_skip, extensions={".csv": "csv"})
        return [s if s.path is None else s._replace(format="csv") for s in listed]

    def __call__(self, source: Source, stdin: IO[bytes] | None = None) -> Iterator[Document]:
        return convert_source(source, self.cmap, self.opts, stdin)

    def records(self, source: Source, stdin: IO[bytes] | None = None) -> Iterator[Any]:
        """The source's records with their lines, and the documents of what could not be read, in order.
        An NDJSON file's lines come unparsed, as (number, bytes) (a parsed record is never bytes):
        whoever makes their documents parses them, so the reading process only finds where lines end. A
        plain tuple, since a task's items cross to a worker: pickling a NamedTuple of 10,000 lines cost
        16 ms against 1.4 ms."""
        if self.cmap.format != "csv" and source.format == "ndjson" and source.path is not None:
            return _lines(source, self.cmap)
        return _records(source, self.cmap, stdin)

    def documents(self, source: Source, item: Any) -> list[Document]:
        """One item of ``records`` as its Documents (a line may hold several records), as a call would
        make them."""
        if isinstance(item, Document):
            return [item]
        now = clock(self.opts)
        number, record = item
        if record.__class__ is not bytes:
            return [to_document(source, item, self.cmap, self.opts, now)]
        doc = parse_line(source.name, number, record)
        if doc.data is None:
            return [doc]
        return [
            to_document(source, (number, r), self.cmap, self.opts, now) for r in split(doc.data, self.cmap)
        ]


def _lines(source: Source, cmap: ConvertMap) -> Iterator[Any]:
    """The load stage's walk over the lines (json_parse.ndjson_lines), without its parsing: workers parse
    and convert them."""
    assert source.path is not None
    try:
        fh = open(source.path, "rb")  # noqa: SIM115 (an open failure is the load stage's to say)
    except OSError:
        yield from _records(source, cmap, None)  # the load stage says why, in its words
        return
    with fh:
        try:
            # a Document (a line too long, an empty file), or (number, bytes)
            yield from ndjson_lines(source.name, fh)
        except OSError as exc:  # as load.read says an unreadable file
            yield base.failed(source.name, f"cannot read: {exc.strerror or exc}")
