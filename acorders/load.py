"""Load: files, directories and stdin to documents that remember where they came from.

Bad input never raises out of here: an unreadable or unparsable file becomes one Document whose
findings say why, and the batch goes on. JSON and YAML files are parsed whole (a truncated file yields
no document at all, never half a batch); NDJSON is streamed line by line so a stream of any length
validates in bounded memory.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any, NamedTuple, Protocol

from acorders.errors import UsageError
from acorders.models import Document, Finding, Origin

FORMATS = ("json", "yaml", "ndjson")
EXTENSIONS = {".json": "json", ".yaml": "yaml", ".yml": "yaml", ".ndjson": "ndjson", ".jsonl": "ndjson"}
STDIN = "-"
STDIN_NAME = "<stdin>"
MAX_FILE_BYTES = 32 * 1024 * 1024  # JSON/YAML files are parsed whole; NDJSON has no total limit
MAX_LINE_BYTES = 4 * 1024 * 1024
MAX_YAML_NODES = 200_000  # expanded size; stops alias bombs ("billion laughs") before they are built


class _LoadError(Exception):
    """One reason a file (or NDJSON line) gave no document; ``line`` points at it when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class Source(NamedTuple):
    """One input to read: a file with its format, or stdin. (A NamedTuple: a directory walk makes one
    per file, and a batch is thousands of files.)"""

    name: str  # as shown to the user
    path: str | None  # None for stdin (a str: 10,000 Path objects cost more than the parsing)
    format: str | None  # None: sniff (stdin only)


def collect_sources(paths: Iterable[str], fmt: str | None = None) -> list[Source]:
    """Every source, directories expanded (recursively, sorted)."""
    return list(iter_sources(paths, fmt))


def iter_sources(paths: Iterable[str], fmt: str | None = None) -> Iterator[Source]:
    """Check that every path exists, before anything is read; then list the sources as directories are
    walked, so checking can start before a big tree is fully listed.

    A path that does not exist is a usage error for the whole command (exit 2), as with cp or grep."""
    given: list[tuple[str, bool]] = []  # (path, is a directory)
    missing: list[str] = []
    for raw in paths:
        if raw == STDIN:
            given.append((raw, False))
        elif os.path.isdir(raw):
            given.append((raw, True))
        elif os.path.exists(raw):
            given.append((raw, False))
        else:
            missing.append(raw)
    if missing:
        raise UsageError(
            f"no such file or directory: {', '.join(missing)}",
            hint="give files, directories, or - for standard input",
        )
    return _expand(given, fmt)


def _expand(given: list[tuple[str, bool]], fmt: str | None) -> Iterator[Source]:
    for raw, is_dir in given:
        if raw == STDIN:
            yield Source(STDIN_NAME, None, fmt)
        elif is_dir:
            yield from _walk(Path(raw))
        else:
            yield Source(raw, raw, fmt or EXTENSIONS.get(Path(raw).suffix.lower(), "json"))


def _walk(root: Path) -> Iterator[Source]:
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        prefix = dirpath if dirpath.endswith(os.sep) else dirpath + os.sep
        for name in sorted(filenames):
            dot = name.rfind(".")
            fmt = EXTENSIONS.get(name[dot:].lower()) if dot > 0 else None
            if fmt is not None and name[0] != ".":  # hidden files are skipped
                full = prefix + name
                yield Source(full, full, fmt)


def iter_documents(sources: Iterable[Source], stdin: IO[bytes] | None = None) -> Iterator[Document]:
    """Every document of every source, in order. Never raises for bad input."""
    for source in sources:
        yield from load_source(source, stdin)


def load_source(source: Source, stdin: IO[bytes] | None = None) -> Iterable[Document]:
    """Every document of one source, in order. Never raises for bad input. A JSON file holding one object
    (the usual cart) comes back as a one-document tuple, without a generator: a batch loads thousands."""
    if source.format != "json" or source.path is None:
        return _load(source, stdin)
    try:
        data = _read_file(source.path)
    except (_LoadError, OSError) as exc:
        return (_unreadable(source.name, exc),)
    value = _fast_object(data)
    if value is _SLOW:
        return _load(source, stdin, data)
    return (Document(Origin(source.name, 1), value, [], hash(data)),)


def _load(source: Source, stdin: IO[bytes] | None, data: bytes | None = None) -> Iterator[Document]:
    """``data``: the file's bytes, already read and found not to be the simple case."""
    try:
        if source.path is None:
            if stdin is None:
                raise _LoadError("standard input is not available")
            for doc in _load_stream(source.name, stdin, source.format):
                doc.text_hash = None  # stdin cannot be re-read to compare content: hash the content itself
                yield doc
        elif source.format == "ndjson":
            with open(source.path, "rb") as fh:
                yield from _ndjson(source.name, fh)
        elif data is not None:
            yield from _parse_whole(source.name, data, "json", simple=False)
        else:
            yield from _parse_whole(source.name, _read_file(source.path), source.format or "json")
    except (_LoadError, OSError) as exc:
        yield _unreadable(source.name, exc)


def _unreadable(name: str, exc: _LoadError | OSError) -> Document:
    if isinstance(exc, _LoadError):
        return _failed(name, exc.message, exc.line)
    return _failed(name, f"cannot read: {exc.strerror or exc}")


def _failed(name: str, message: str, line: int | None = None) -> Document:
    return Document(Origin(name, line), None, [Finding(None, message)])


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
        if not more and total <= MAX_FILE_BYTES:  # read whole: the usual case
            return data
        size = os.fstat(fd).st_size
        if max(size, total) > MAX_FILE_BYTES:  # a regular file is refused before it is read
            _too_big(max(size, total))
        parts = [data, more]
        while chunk := os.read(fd, 1 << 20):
            parts.append(chunk)
            total += len(chunk)
            if total > MAX_FILE_BYTES:
                _too_big(total)
        return b"".join(parts)
    finally:
        os.close(fd)


_READ_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0)
_FIRST_READ = 1 << 16  # a cart is a few KB


def _too_big(size: int) -> None:
    raise _LoadError(
        f"file is {size / 1e6:.1f} MB, over the {MAX_FILE_BYTES // 2**20} MiB limit for JSON and YAML files; "
        "split it, or write it as NDJSON (one order per line), which has no size limit"
    )


def _decode(data: bytes, line_offset: int = 0) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1 + line_offset
        raise _LoadError(f"not UTF-8 text: invalid byte 0x{data[exc.start]:02x} at line {line}", line) from None


def _parse_whole(name: str, data: bytes, fmt: str, simple: bool = True) -> Iterator[Document]:
    """``simple=False``: the caller already knows the data is not one plain JSON object."""
    if fmt == "json" and simple:
        value = _fast_object(data)
        if value is not _SLOW:
            return iter([Document(Origin(name, 1), value, text_hash=hash(data))])
    text = _decode(data)
    if not text or text.isspace():  # isspace stops at the first non-blank: no copy of a big file
        raise _LoadError("empty file: no documents")
    if fmt == "yaml":
        return _yaml(name, text)
    if fmt == "ndjson":
        return _ndjson(name, io.BytesIO(data))
    return _json(name, text)


# --- JSON ---------------------------------------------------------------------------------------------

_SLOW = object()
_WS_BYTES = b" \t\r\n"


def _fast_object(data: bytes) -> Any:
    """One JSON object, parsed by orjson (about twice as fast as json with the hooks below, and a batch
    parses thousands), or _SLOW when the careful parser must decide.

    orjson keeps the last of duplicate keys, and turns integers past 64 bits into floats. So its result
    is used only when it serialises back to the same text, whitespace aside: then no key was dropped and
    every number reads as json reads it. Anything else (duplicates, escapes it writes differently, NaN,
    a BOM, bad UTF-8, an array) goes to the careful parser, whose messages are the ones users see."""
    if data[:1] != b"{":
        return _SLOW
    import orjson

    try:
        value = orjson.loads(data)
        # the two usual layouts, compact and JSON.stringify(x, null, 2), compare byte for byte
        indent2 = data[1:5] == b'\n  "'
        again = orjson.dumps(value, option=orjson.OPT_INDENT_2 if indent2 else 0)
    except (orjson.JSONDecodeError, orjson.JSONEncodeError):
        return _SLOW
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
    return _SLOW


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


_DECODER = json.JSONDecoder(object_pairs_hook=_no_duplicates, parse_constant=_no_constant, parse_float=_finite)
_WS = " \t\r\n"


def _json_value(text: str, start: int = 0) -> tuple[Any, int]:
    """Decode one JSON value at ``start`` -> (value, end); errors become a _LoadError with a line number."""
    try:
        return _DECODER.raw_decode(text, start)  # type: ignore[no-any-return]
    except json.JSONDecodeError as exc:
        raise _LoadError(f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})", exc.lineno) from None
    except ValueError as exc:  # duplicate keys, NaN/Infinity
        raise _LoadError(f"not valid JSON: {exc}") from None
    except RecursionError:
        raise _LoadError("not valid JSON: nested too deeply") from None


def _json(name: str, text: str) -> Iterator[Document]:
    """One order, or an array of orders each with the line where it starts."""
    pos = _skip_ws(text, 0)
    if text[pos] != "[":
        value, end = _json_value(text, pos)
        _expect_end(text, end)
        return iter([Document(Origin(name, text.count("\n", 0, pos) + 1), value, text_hash=hash(text))])
    docs: list[Document] = []
    line, counted = 1, 0
    pos = _skip_ws(text, pos + 1)
    if text.startswith("]", pos):
        raise _LoadError("empty array: no documents")
    while True:
        value, end = _json_value(text, pos)
        line += text.count("\n", counted, pos)
        counted = pos
        docs.append(Document(Origin(name, line), value, text_hash=hash(text[pos:end])))
        pos = _skip_ws(text, end)
        if text.startswith(",", pos):
            pos = _skip_ws(text, pos + 1)
            continue
        if text.startswith("]", pos):
            _expect_end(text, pos + 1)
            return iter(docs)
        raise _LoadError(
            f"not valid JSON: expected ',' or ']' (line {text.count(chr(10), 0, pos) + 1})",
            text.count("\n", 0, pos) + 1,
        )


def _skip_ws(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _WS:
        pos += 1
    if pos >= len(text):
        raise _LoadError("not valid JSON: unexpected end of file (truncated?)", text.count("\n") + 1)
    return pos


def _expect_end(text: str, pos: int) -> None:
    rest = text[pos:].strip(_WS)
    if rest:
        line = text.count("\n", 0, pos) + 1
        raise _LoadError(
            f"not valid JSON: extra data after the document at line {line} "
            "(several orders? put them in an array, or use NDJSON: one per line)",
            line,
        )


# --- NDJSON -------------------------------------------------------------------------------------------


class _Lines(Protocol):
    def readline(self, size: int = -1, /) -> bytes: ...


def _ndjson(name: str, fh: _Lines, first_line: int = 1) -> Iterator[Document]:
    """One document per non-blank line; a bad line is an error for that line only."""
    any_line = False
    lineno = first_line - 1
    while True:
        raw = fh.readline(MAX_LINE_BYTES + 1)
        if not raw:
            break
        lineno += 1
        if len(raw) > MAX_LINE_BYTES and not raw.endswith(b"\n"):
            yield _failed(name, f"line longer than {MAX_LINE_BYTES // 2**20} MiB", lineno)
            while raw and not raw.endswith(b"\n"):  # skip the rest of that line
                raw = fh.readline(MAX_LINE_BYTES)
            continue
        if not raw.strip():
            continue
        any_line = True
        value = _fast_object(raw)
        if value is _SLOW:
            try:
                text = _decode(raw, lineno - 1)
                value, end = _json_value(text, _skip_ws(text, 0))
                if text[end:].strip(_WS):
                    raise _LoadError("not valid JSON: extra data after the object (one object per line)")
            except _LoadError as exc:
                message = exc.message.replace("(line 1, column", "(column")
                yield _failed(name, message, lineno)
                continue
        yield Document(Origin(name, lineno), value, text_hash=hash(raw))
    if not any_line:
        yield _failed(name, "empty file: no documents")


# --- YAML ---------------------------------------------------------------------------------------------


def _yaml_loader() -> type:
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[misc, valid-type]
        """Safe loading; timestamps stay strings (the schema checks them); duplicate keys are errors."""

        def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
            keys = [self.construct_object(k, deep=deep) for k, _ in node.value]
            for i, key in enumerate(keys):
                if key in keys[:i]:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {key!r}: which value is meant is ambiguous", node.start_mark
                    )
            return super().construct_mapping(node, deep=deep)

    Loader.yaml_implicit_resolvers = {
        first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in base.yaml_implicit_resolvers.items()
    }
    return Loader


_LOADER: type | None = None


def _yaml(name: str, text: str) -> Iterator[Document]:
    import yaml

    global _LOADER
    if _LOADER is None:
        _LOADER = _yaml_loader()
    loader = _LOADER(text)
    docs: list[Document] = []
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:
                continue
            _check_yaml_size(node)
            line = node.start_mark.line + 1
            docs.append(Document(Origin(name, line), _json_model(loader.construct_document(node), line)))
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark is not None else None
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        where = f" (line {line})" if line else ""
        raise _LoadError(f"not valid YAML: {problem}{where}", line) from None
    except RecursionError:
        raise _LoadError("not valid YAML: nested too deeply") from None
    finally:
        loader.dispose()
    if not docs:
        raise _LoadError("empty YAML: no documents")
    return iter(docs)


def _json_model(value: Any, line: int) -> Any:
    """YAML can hold what JSON (and the API) cannot: non-string keys, binary, sets, explicit timestamps.
    Timestamps become RFC 3339 strings; the rest is refused with the reason."""
    import datetime as dt

    if isinstance(value, dict):
        out = {}
        for key, item in value.items():
            if not isinstance(key, str):
                raise _LoadError(
                    f"not valid YAML for the API: key {key!r} is not a string (quote it: \"{key}\":)", line
                )
            out[key] = _json_model(item, line)
        return out
    if isinstance(value, list):
        return [_json_model(item, line) for item in value]
    if isinstance(value, (dt.datetime, dt.date)):
        return value.isoformat()
    if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
        raise _LoadError(f"not valid YAML for the API: {value} is not a JSON number", line)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise _LoadError(f"not valid YAML for the API: a {type(value).__name__} value cannot be sent as JSON", line)


def _check_yaml_size(root: Any) -> None:
    """Refuse documents whose aliases expand past MAX_YAML_NODES, and recursive anchors."""
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: Any) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in active:
            raise _LoadError("not valid YAML: an anchor refers to itself", node.start_mark.line + 1)
        active.add(key)
        total = 1
        value = node.value
        if isinstance(value, list):
            for item in value:
                children = item if isinstance(item, tuple) else (item,)
                for child in children:
                    total += size(child)
                    if total > MAX_YAML_NODES:
                        raise _LoadError(
                            f"YAML aliases expand to more than {MAX_YAML_NODES:,} values (an alias bomb?)",
                            root.start_mark.line + 1,
                        )
        active.discard(key)
        sizes[key] = total
        return total

    size(root)


# --- stdin --------------------------------------------------------------------------------------------


def _load_stream(name: str, stream: IO[bytes], fmt: str | None) -> Iterator[Document]:
    """stdin: NDJSON is streamed; JSON and YAML are read whole. Without --format the content decides."""
    if fmt == "ndjson":
        yield from _ndjson(name, stream)
        return
    if fmt is not None:
        yield from _parse_whole(name, _read_limited(stream), fmt)
        return
    first = stream.readline(MAX_LINE_BYTES)
    if first.startswith(b"\xef\xbb\xbf"):
        first = first[3:]
    blank = b""
    while first and not first.strip():  # leading blank lines: kept, so line numbers stay true
        blank += first
        first = stream.readline(MAX_LINE_BYTES)
    skipped = blank.count(b"\n")
    stripped = first.strip()
    if stripped.startswith(b"{") and stripped.endswith(b"}"):
        # a complete object on the first line: NDJSON (a one-line JSON object reads the same)
        try:
            json.loads(stripped)
        except ValueError:
            pass
        else:
            yield from _ndjson(name, _Prepend(first, stream), first_line=skipped + 1)
            return
    data = blank + first + _read_limited(stream, len(blank) + len(first))
    text_start = data.lstrip()[:1]
    yield from _parse_whole(name, data, "json" if text_start in (b"{", b"[") else "yaml")


def _read_limited(stream: IO[bytes], already: int = 0) -> bytes:
    data = stream.read(MAX_FILE_BYTES + 1 - already)
    if len(data) + already > MAX_FILE_BYTES:
        raise _LoadError(
            f"standard input is over the {MAX_FILE_BYTES // 2**20} MiB limit for JSON and YAML; "
            "send NDJSON (one order per line), which is streamed"
        )
    return data


class _Prepend(io.RawIOBase):
    """A stream with one already-read line put back in front."""

    def __init__(self, head: bytes, rest: IO[bytes]) -> None:
        self._head = head
        self._rest = rest

    def readline(self, size: int | None = -1, /) -> bytes:  # type: ignore[override]
        if self._head:
            head, self._head = self._head, b""
            return head
        return self._rest.readline(size if size is not None else -1)
