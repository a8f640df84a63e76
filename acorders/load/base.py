"""What every parser shares: the limits (read at call time, so they can be set), the one error of
loading, and bytes to text."""

from __future__ import annotations

from acorders.models import Document, Finding, Origin

MAX_FILE_BYTES = 32 * 1024 * 1024  # JSON/YAML files are parsed whole; NDJSON has no total limit
MAX_LINE_BYTES = 4 * 1024 * 1024


class LoadError(Exception):
    """One reason a file (or NDJSON line) gave no document; ``line`` points at it when known."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


def failed(name: str, message: str, line: int | None = None) -> Document:
    return Document(Origin(name, line), None, [Finding(None, message)])


def decode(data: bytes, line_offset: int = 0) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1 + line_offset
        raise LoadError(
            f"not UTF-8 text: invalid byte 0x{data[exc.start]:02x} at line {line}", line
        ) from None
