"""Which parser reads which bytes: by format for a file, sniffed from the content for stdin."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import IO

from acorders.load import base
from acorders.load.base import LoadError, decode
from acorders.load.json_parse import SLOW, fast_object, parse_json, parse_ndjson
from acorders.load.yaml_parse import parse_yaml
from acorders.models import Document, Origin


def parse_whole(name: str, data: bytes, fmt: str, simple: bool = True) -> Iterator[Document]:
    """``simple=False``: the caller already knows the data is not one plain JSON object."""
    if fmt == "json" and simple:
        value = fast_object(data)
        if value is not SLOW:
            return iter([Document(Origin(name, 1), value, text_hash=hash(data))])
    text = decode(data)
    if not text or text.isspace():  # isspace stops at the first non-blank: no copy of a big file
        raise LoadError("empty file: no documents")
    if fmt == "yaml":
        return parse_yaml(name, text)
    if fmt == "ndjson":
        return parse_ndjson(name, io.BytesIO(data))
    return parse_json(name, text)


def load_stream(name: str, stream: IO[bytes], fmt: str | None) -> Iterator[Document]:
    """stdin: NDJSON is streamed; JSON and YAML are read whole. Without --format the content decides."""
    if fmt == "ndjson":
        yield from parse_ndjson(name, stream)
        return
    if fmt is not None:
        yield from parse_whole(name, _read_limited(stream), fmt)
        return
    first = stream.readline(base.MAX_LINE_BYTES)
    if first.startswith(b"\xef\xbb\xbf"):
        first = first[3:]
    blank = b""
    while first and not first.strip():  # leading blank lines: kept, so line numbers stay true
        blank += first
        first = stream.readline(base.MAX_LINE_BYTES)
    skipped = blank.count(b"\n")
    stripped = first.strip()
    if stripped.startswith(b"{") and stripped.endswith(b"}"):
        # a complete object on the first line: NDJSON (a one-line JSON object reads the same)
        try:
            json.loads(stripped)
        except ValueError:
            pass
        else:
            yield from parse_ndjson(name, _Prepend(first, stream), first_line=skipped + 1)
            return
    # readline's b"" was the end: reading again would wait for a second Ctrl-D on a terminal
    rest = _read_limited(stream, len(blank) + len(first)) if first else b""
    data = blank + first + rest
    text_start = data.lstrip()[:1]
    yield from parse_whole(name, data, "json" if text_start in (b"{", b"[") else "yaml")


def _read_limited(stream: IO[bytes], already: int = 0) -> bytes:
    data = stream.read(base.MAX_FILE_BYTES + 1 - already)
    if len(data) + already > base.MAX_FILE_BYTES:
        raise LoadError(
            f"standard input is over the {base.MAX_FILE_BYTES // 2**20} MiB limit for JSON and YAML; "
            "send NDJSON (one order per line), which is streamed"
        )
    return data


class _Prepend(io.RawIOBase):
    """A stream with one already-read line put back in front."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = head
        self._rest = rest

    def readline(self, size: int | None = -1, /) -> bytes:
        if self._head:
            head, self._head = self._head, b""
            return head
        return self._rest.readline(size if size is not None else -1)
