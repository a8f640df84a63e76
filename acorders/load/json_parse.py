"""JSON and NDJSON: a fast path through orjson that proves itself, and a careful parser for the rest."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any, Protocol

from acorders.load import base
from acorders.load.base import LoadError, decode, failed
from acorders.models import Document, Origin

SLOW = object()
_WS_BYTES = b" \t\r\n"


def fast_object(data: bytes) -> Any:
    """One JSON object, parsed by orjson (about twice as fast as json with the hooks below, and a batch
    parses thousands), or SLOW when the careful parser must decide.

    orjson keeps the last of duplicate keys, and turns integers past 64 bits into floats. So its result
    is used only when it serialises back to the same text, whitespace aside: then no key was dropped and
    every number reads as json reads it. Anything else (duplicates, escapes it writes differently, NaN,
    a BOM, bad UTF-8, an array) goes to the careful parser, whose messages are the ones users see."""
    if data[:1] != b"{":
        return SLOW
    import orjson

    try:
        value = orjson.loads(data)
        # the two usual layouts, compact and JSON.stringify(x, null, 2), compare byte for byte
        indent2 = data[1:5] == b'\n  "'
        again = orjson.dumps(value, option=orjson.OPT_INDENT_2 if indent2 else 0)
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        return SLOW
    if data.startswith(again) and not data[len(again) :].strip():
        return value
    if indent2:
        again = orjson.dumps(value)
    again = again.translate(None, _WS_BYTES)
    text = data.translate(None, _WS_BYTES)
    if text == again:
        return value
    if b"\\/" in text and b"\\\\" not in text and text.replace(b"\\/", b"/") == again:
        return value  # "\/" for "/", as PHP's json_encode writes URLs by default
    return SLOW


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise ValueError(f"duplicate key {key!r}: which value is meant is ambiguous")
            seen.add(key)
    return obj


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a valid JSON number")


def _finite(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"{text} is out of range for a JSON number")
    return value


_DECODER = json.JSONDecoder(
    object_pairs_hook=_no_duplicates, parse_constant=_no_constant, parse_float=_finite
)
_WS = " \t\r\n"


def json_value(text: str, start: int = 0) -> tuple[Any, int]:
    """Decode one JSON value at ``start`` -> (value, end); errors become a LoadError with a line number."""
    try:
        return _DECODER.raw_decode(text, start)
    except json.JSONDecodeError as exc:
        raise LoadError(
            f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", exc.lineno
        ) from None
    except ValueError as exc:  # duplicate keys, NaN/Infinity
        raise LoadError(f"not valid JSON: {exc}") from None
    except RecursionError:
        raise LoadError("not valid JSON: nested too deeply") from None


def parse_json(name: str, text: str) -> Iterator[Document]:
    """One order, or an array of orders each with the line where it starts, and its ordinal on that line
    when the line holds several (a minified array holds them all)."""
    pos = skip_ws(text, 0)
    if text[pos] != "[":
        value, end = json_value(text, pos)
        _expect_end(text, end)
        return iter([Document(Origin(name, text.count("\n", 0, pos) + 1), value, text_hash=hash(text))])
    docs: list[Document] = []
    line, counted, ordinal = 1, 0, -1
    pos = skip_ws(text, pos + 1)
    if text.startswith("]", pos):
        raise LoadError("empty array: no documents")
    while True:
        value, end = json_value(text, pos)
        newlines = text.count("\n", counted, pos)
        if newlines:
            line += newlines
            ordinal = 0
        else:
            ordinal += 1
        counted = pos
        docs.append(Document(Origin(name, line, None, ordinal or None), value, text_hash=hash(text[pos:end])))
        pos = skip_ws(text, end)
        if text.startswith(",", pos):
            pos = skip_ws(text, pos + 1)
            continue
        if text.startswith("]", pos):
            _expect_end(text, pos + 1)
            return iter(docs)
        raise LoadError(
            f"not valid JSON: expected ',' or ']' (line {text.count(chr(10), 0, pos) + 1})",
            text.count("\n", 0, pos) + 1,
        )


def skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _WS:
        pos += 1
    if pos >= len(text):
        raise LoadError("not valid JSON: unexpected end of file (truncated?)", text.count("\n") + 1)
    return pos


def _expect_end(text: str, pos: int) -> None:
    rest = text[pos:].strip(_WS)
    if rest:
        line = text.count("\n", 0, pos) + 1
        raise LoadError(
            f"not valid JSON: extra data after the document at line {line} "
            "(several orders? put them in an array, or use NDJSON: one per line)",
            line,
        )


class _Lines(Protocol):
    def readline(self, size: int = -1, /) -> bytes: ...


def ndjson_lines(name: str, fh: _Lines, first_line: int = 1) -> Iterator[tuple[int, bytes] | Document]:
    """Each non-blank line with its number, unparsed; in their place, the finding of a line too long and
    of a file with no line at all. Memory stays bounded however long the stream."""
    any_line = False
    lineno = first_line - 1
    while raw := fh.readline(base.MAX_LINE_BYTES + 1):
        lineno += 1
        if len(raw) > base.MAX_LINE_BYTES and not raw.endswith(b"\n"):
            yield failed(name, f"line longer than {base.MAX_LINE_BYTES // 2**20} MiB", lineno)
            while raw and not raw.endswith(b"\n"):  # skip the rest of that line
                raw = fh.readline(base.MAX_LINE_BYTES)
            continue
        if not raw.strip():
            continue
        any_line = True
        yield lineno, raw
    if not any_line:
        yield failed(name, "empty file: no documents")


def parse_ndjson(name: str, fh: _Lines, first_line: int = 1) -> Iterator[Document]:
    """One document per non-blank line; a bad line is an error for that line only."""
    for line in ndjson_lines(name, fh, first_line):
        if isinstance(line, Document):
            yield line
            continue
        yield parse_line(name, *line)


def parse_line(name: str, lineno: int, raw: bytes) -> Document:
    """One NDJSON line (not blank, not too long: ndjson_lines saw to that) as its document."""
    value = fast_object(raw)
    if value is SLOW:
        try:
            text = decode(raw, lineno - 1)
            value, end = json_value(text, skip_ws(text, 0))
            if text[end:].strip(_WS):
                raise LoadError("not valid JSON: extra data after the object (one object per line)")
        except LoadError as exc:
            return failed(name, exc.message.replace("(line 1, column", "(column"), lineno)
    return Document(Origin(name, lineno), value, text_hash=hash(raw))
