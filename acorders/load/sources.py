"""Paths to sources: files, directories (walked lazily, sorted) and stdin, checked before anything is read.

A directory walk reads regular files only: a FIFO named ``*.json`` in an outbox would block ``open()``
forever (holding the ledger lock), a socket or a device holds no cart. Those are skipped and told to
``on_skip``, which the commands print on stderr. A path named on the command line is read whatever it
is, so ``<(...)``, ``/dev/stdin`` and a FIFO given by name work.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import NamedTuple

from acorders.errors import UsageError
from acorders.models import display_name

FORMATS = ("json", "yaml", "ndjson")
EXTENSIONS = {".json": "json", ".yaml": "yaml", ".yml": "yaml", ".ndjson": "ndjson", ".jsonl": "ndjson"}
STDIN = "-"
STDIN_NAME = "<stdin>"

OnSkip = Callable[[str], None]  # told one line per entry a walk skips


class Source(NamedTuple):
    """One input to read: a file with its format, or stdin. (A NamedTuple: a directory walk makes one
    per file, and a batch is thousands of files.)"""

    name: str  # as shown to the user
    path: str | None  # None for stdin (a str: 10,000 Path objects cost more than the parsing)
    format: str | None  # None: sniff (stdin only)


def collect_sources(
    paths: Iterable[str],
    fmt: str | None = None,
    on_skip: OnSkip | None = None,
    extensions: Mapping[str, str] = EXTENSIONS,
) -> list[Source]:
    """Every source, directories expanded (recursively, sorted)."""
    return list(iter_sources(paths, fmt, on_skip, extensions))


def iter_sources(
    paths: Iterable[str],
    fmt: str | None = None,
    on_skip: OnSkip | None = None,
    extensions: Mapping[str, str] = EXTENSIONS,
) -> Iterator[Source]:
    """Check that every path exists, before anything is read; then list the sources as directories are
    walked, so checking can start before a big tree is fully listed. ``on_skip`` hears of every entry a
    walk does not read (a FIFO, a socket, a broken link); without it they are skipped silently.
    ``extensions`` says which file names a walk takes, and their format (convert's CSV maps take *.csv).

    A path that does not exist is a usage error for the whole command (exit 2), as with cp or grep."""
    paths = list(paths)
    if paths.count(STDIN) > 1:  # the second would read nothing: the first takes all of stdin
        raise UsageError("- (standard input) can be given only once", hint="give - once, with the files")
    given: list[tuple[str, bool]] = []  # (path, is a directory)
    problems: dict[str, list[str]] = {}  # what is wrong -> the paths it is wrong with
    for raw in paths:
        if raw == STDIN:
            given.append((raw, False))
        elif os.path.isdir(raw):
            given.append((raw, True))
        elif os.path.exists(raw):
            given.append((raw, False))
        else:
            problems.setdefault(_missing(raw), []).append(raw)
    if problems:
        raise UsageError(
            "; ".join(f"{what}: {', '.join(map(display_name, names))}" for what, names in problems.items()),
            hint="give files, directories, or - for standard input",
        )
    return _expand(given, fmt, on_skip or _ignore, extensions)


def _missing(raw: str) -> str:
    """Why a path named on the command line cannot be read: a link that leads nowhere is not "no such
    file" to the person who sees it in ``ls``."""
    try:
        os.stat(raw)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link loop (a link that leads back to itself)"
        if os.path.islink(raw):
            return "broken symbolic link (its target does not exist)"
        if exc.errno not in (errno.ENOENT, errno.ENOTDIR):
            return f"cannot read ({exc.strerror})"
    return "no such file or directory"


def _ignore(line: str) -> None:
    pass


def _expand(
    given: list[tuple[str, bool]], fmt: str | None, on_skip: OnSkip, extensions: Mapping[str, str]
) -> Iterator[Source]:
    for raw, is_dir in given:
        if raw == STDIN:
            yield Source(STDIN_NAME, None, fmt)
        elif is_dir:
            yield from _walk(raw, on_skip, extensions)
        else:
            yield Source(raw, raw, fmt or extensions.get(Path(raw).suffix.lower(), "json"))


def _walk(root: str, on_skip: OnSkip, extensions: Mapping[str, str]) -> Iterator[Source]:
    """Depth first, each folder's files (sorted) before its subfolders (sorted), as os.walk; hidden
    entries are left out, symbolic links to folders are not followed. scandir says what each entry is
    without a stat: only a link costs one."""
    pending = [root]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as listing:
                entries = sorted(listing, key=_name)
        except OSError as exc:
            on_skip(f"warning: skipped the folder {display_name(folder)}: cannot list it ({exc.strerror})")
            continue
        prefix = folder if folder.endswith(os.sep) else folder + os.sep
        subfolders = []
        for entry in entries:
            name = entry.name
            if name[0] == ".":  # hidden: .git, a file still being written
                continue
            if entry.is_dir(follow_symlinks=False):
                subfolders.append(prefix + name)
                continue
            dot = name.rfind(".")
            fmt = extensions.get(name[dot:].lower()) if dot > 0 else None
            if fmt is None:
                continue
            kind = _regular(entry)
            if kind is True:
                yield Source(prefix + name, prefix + name, fmt)
            elif kind is False:
                shown = display_name(prefix + name)
                on_skip(f"warning: skipped {shown}: {_kind(prefix + name)}, not a regular file")
        pending.extend(reversed(subfolders))


def _name(entry: os.DirEntry[str]) -> str:
    return entry.name


def _regular(entry: os.DirEntry[str]) -> bool | None:
    """True for a regular file (or a link to one), None for a link to a folder (left alone, as os.walk
    does), False for anything else: a FIFO, a socket, a device, a broken link, a link loop."""
    try:
        if entry.is_file():
            return True
        return None if entry.is_dir() else False
    except OSError:  # a link loop
        return False


def _kind(path: str) -> str:
    """What a walk found instead of a regular file, in words."""
    try:
        mode = os.stat(path).st_mode
    except OSError as exc:
        return "a symbolic link loop" if exc.errno == errno.ELOOP else "a broken symbolic link"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "an unknown kind of entry"
