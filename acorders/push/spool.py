"""Spool mode for pipelines: move each source file once all its documents are settled.

Pushed (created, updated, unchanged, recovered) -> ``--move-pushed``; invalid or rejected ->
``--move-failed``; a file with a cart that failed for a temporary reason stays where it is, so the next
run retries it.

A shop exporter may write into the outbox while a push runs. So each file's ``Stamp`` (inode, size,
times, content hash) is taken before anything is read, and a file is moved only if it is still exactly
that just before the move: otherwise what was never sent would leave the outbox. And a move never
replaces a file: same-named files from several folders, or from several days, all survive.
"""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
import stat
import tempfile
import time
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from itertools import count
from pathlib import Path
from typing import NamedTuple

from acorders.load import STDIN_NAME, Source
from acorders.models import Action, PushResult, display_name

PUSHED = {Action.CREATED, Action.UPDATED, Action.UNCHANGED, Action.RECOVERED}
SETTLED_BAD = {Action.INVALID, Action.REJECTED}

CHANGED = "changed during the push; left for the next run"
GONE = "deleted during the push; nothing to move"
NOT_REGULAR = "not a regular file; not moved"

# link(2) refused for want of hard links (FAT, some network file systems, protected_hardlinks): rename
_NO_HARD_LINKS = {errno.EPERM, errno.EMLINK, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP}
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NONBLOCK", 0)


class Stamp(NamedTuple):
    """What a file was when the push read it; a move compares it with what the file is just before."""

    device: int
    inode: int
    size: int
    mtime_ns: int
    ctime_ns: int  # no one can set it: a rewrite that puts the mtime back still changes it
    digest: bytes | None  # SHA-256 of the content; None when the file could not be opened


UNSTEADY = Stamp(-1, -1, -1, -1, -1, None)  # changing while it was read: equal to no file ever


@dataclass
class Moves:
    """One line per file moved or left, and whether a move failed (the run then exits 4)."""

    lines: list[str] = field(default_factory=list)
    failed: bool = False


def stamps(sources: Iterable[Source]) -> dict[str, Stamp | None]:
    """Every file's Stamp, by source name, taken before the push reads it: whatever changes after this
    shows at the move. None: not a regular file, or not there."""
    out: dict[str, Stamp | None] = {}
    for source in sources:
        if source.path is not None and source.name != STDIN_NAME:
            try:
                out[source.name] = stamp(source.path)
            except OSError:
                out[source.name] = None
    return out


def stamp(path: str) -> Stamp | None:
    """The file's Stamp; None if it is not a regular file. A FIFO is never opened: opening it would
    take what its writer meant for the push. Raises OSError when there is no file."""
    if not stat.S_ISREG(os.stat(path).st_mode):
        return None
    try:
        fd = os.open(path, _OPEN_FLAGS)  # O_NONBLOCK: replaced by a FIFO meanwhile, it does not block
    except PermissionError:
        st = os.stat(path)
        return Stamp(*_meta(st), None) if stat.S_ISREG(st.st_mode) else None
    try:
        return _read_stamp(fd)
    finally:
        os.close(fd)


def _meta(st: os.stat_result) -> tuple[int, int, int, int, int]:
    return st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns


def _read_stamp(fd: int, sink: int | None = None) -> Stamp | None:
    """Hash what ``fd`` holds (writing it to ``sink`` too, when given); UNSTEADY if it changed meanwhile."""
    before = os.fstat(fd)
    if not stat.S_ISREG(before.st_mode):
        return None
    digest = hashlib.sha256()
    while chunk := os.read(fd, 1 << 20):
        digest.update(chunk)
        if sink is not None:
            view = memoryview(chunk)
            while view:
                view = view[os.write(sink, view) :]
    after = os.fstat(fd)
    if _meta(after) != _meta(before):
        return UNSTEADY
    return Stamp(*_meta(after), digest.digest())


def move_settled(
    sources: Iterable[Source],
    results: Iterable[PushResult],
    pushed: Path | None,
    failed: Path | None,
    read: Mapping[str, Stamp | None],
) -> Moves:
    """Move the settled files that are still what was read (``read``: ``stamps()`` before the push).
    One file's trouble (deleted, changed, a folder it cannot go to) never stops the other moves."""
    by_source: dict[str, set[Action]] = {}
    for result in results:
        by_source.setdefault(result.origin.source, set()).add(result.action)
    moves = Moves()
    seen: set[str] = set()
    for source in sources:
        if source.path is None or source.name == STDIN_NAME:
            continue
        real = os.path.realpath(source.path)
        if real in seen:  # named twice (a file and its folder): moved once
            continue
        seen.add(real)
        actions = by_source.get(source.name, set())
        if not actions or not actions <= PUSHED | SETTLED_BAD:
            continue  # not settled yet (temporary failure, skipped): leave it for the next run
        target = failed if actions & SETTLED_BAD else pushed
        if target is None or os.path.dirname(real) == os.path.realpath(target):
            continue  # nowhere to go, or already in place (the folder is inside the outbox)
        line, ok = _move_one(source.name, source.path, target, read.get(source.name, UNSTEADY))
        moves.lines.append(line)
        moves.failed |= not ok
    return moves


def _move_one(name: str, path: str, folder: Path, was: Stamp | None) -> tuple[str, bool]:
    """(the line that says what became of the file, False if it should have moved and could not)."""
    try:
        moved = move_if_unchanged(path, folder, was)
    except OSError as exc:
        if isinstance(exc, FileNotFoundError) and not os.path.lexists(path):
            return f"{display_name(name)}: {GONE}", True
        why = exc.strerror or exc
        return (
            f"cannot move {display_name(name)} to {display_name(str(folder))}: {why}; left for the next run",
            False,
        )
    if isinstance(moved, str):
        return f"{display_name(name)}: {moved}", True
    return f"moved {display_name(name)} -> {display_name(str(moved))}", True


def move_if_unchanged(path: str, folder: Path, was: Stamp | None) -> Path | str:
    """Move the file if it is still exactly ``was``: its new path, or why it stays (CHANGED,
    NOT_REGULAR). Raises OSError when the move fails, FileNotFoundError when the file is gone."""
    now = stamp(path)
    if now is None:
        return NOT_REGULAR
    if now != was:
        return CHANGED
    moved = move_no_clobber(path, folder, was)
    return CHANGED if moved is None else moved


def move_no_clobber(path: str | Path, folder: Path, was: Stamp | None = None) -> Path | None:
    """Move ``path`` into ``folder`` under its own name, or a unique variant of it: never replacing a
    file. On one file system a hard link then an unlink (link(2) fails rather than replace); across
    file systems a copy to a temporary name beside the target, fsync, the same no-clobber link, then
    the source's unlink. None if the file turned out not to be ``was`` (replaced as it was moved)."""
    path = os.fspath(path)
    folder.mkdir(parents=True, exist_ok=True)
    name = os.path.basename(path)
    try:
        placed = _place(path, folder, name)
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
        return _move_across(path, folder, name, was)
    if placed is None:  # no hard links there: renamed onto a name reserved for it, nothing left behind
        return _rename_reserved(path, folder, name) if was is None or stamp(path) == was else None
    if was is not None and os.stat(placed).st_ino != was.inode:  # replaced between the check and the link
        os.unlink(placed)
        return None
    _take_away(path, placed)
    return placed


def _take_away(src: str, placed: Path) -> None:
    """Unlink the source now that ``placed`` holds it; if that fails the file stays where it was, and
    only there (the next run moves it once, not twice)."""
    try:
        os.unlink(src)
    except OSError:
        os.unlink(placed)
        raise


def _place(src: str, folder: Path, name: str) -> Path | None:
    """A hard link to ``src`` under the first free name in ``folder``; None where hard links are refused."""
    for candidate in candidates(folder, name):
        try:
            os.link(src, candidate)
        except FileExistsError:
            continue
        except OSError as exc:
            if exc.errno in _NO_HARD_LINKS:
                return None
            raise
        return candidate
    raise AssertionError("unreachable: candidates() never ends")  # pragma: no cover


def _rename_reserved(src: str, folder: Path, name: str) -> Path:
    """Without hard links: make an empty file under a free name (O_EXCL: only if no file has it), then
    rename ``src`` over that one file, and only that one."""
    for candidate in candidates(folder, name):
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0), 0o600)
        except FileExistsError:
            continue
        os.close(fd)
        try:
            os.rename(src, candidate)
        except OSError:
            os.unlink(candidate)
            raise
        return candidate
    raise AssertionError("unreachable: candidates() never ends")  # pragma: no cover


def _move_across(src: str, folder: Path, name: str, was: Stamp | None) -> Path | None:
    """Copy to a hidden temporary name in ``folder`` (checked against ``was`` as it is copied), fsync,
    give it a free name without replacing any, make that durable, and only then unlink the source."""
    out, tmp = tempfile.mkstemp(dir=folder, prefix=f".{name}.", suffix=".part")
    try:
        fd = os.open(src, _OPEN_FLAGS)
        try:
            copied = _read_stamp(fd, sink=out)
        finally:
            os.close(fd)
        if copied is None or (was is not None and copied != was):
            return None
        shutil.copystat(src, tmp)
        os.fsync(out)
        placed = _place(tmp, folder, name) or _rename_reserved(tmp, folder, name)
    finally:
        os.close(out)
        if os.path.lexists(tmp):
            os.unlink(tmp)
    _fsync_dir(folder)  # the copy is on disk under its name before the source goes
    _take_away(src, placed)
    return placed


def _fsync_dir(folder: Path) -> None:
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # some file systems cannot fsync a directory
    finally:
        os.close(fd)


def candidates(folder: Path, name: str) -> Iterator[Path]:
    """``name``, then ``stem.<time>.suffix``, then ``stem.<time>-2.suffix``, ... until one is free: a
    collision the next day does not have to count past yesterday's."""
    yield folder / name
    stem, suffix = os.path.splitext(name)
    when = time.strftime("%Y%m%dT%H%M%S")
    yield folder / f"{stem}.{when}{suffix}"
    for n in count(2):
        yield folder / f"{stem}.{when}-{n}{suffix}"
