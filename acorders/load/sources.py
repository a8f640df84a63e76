"""Paths to sources: files, directories (walked lazily, sorted) and stdin, checked before anything is read."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NamedTuple

from acorders.errors import UsageError

FORMATS = ("json", "yaml", "ndjson")
EXTENSIONS = {".json": "json", ".yaml": "yaml", ".yml": "yaml", ".ndjson": "ndjson", ".jsonl": "ndjson"}
STDIN = "-"
STDIN_NAME = "<stdin>"


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
