"""Spool mode for pipelines: move each source file once all its documents are settled.

Pushed (created, updated, unchanged, recovered) -> ``--move-pushed``; invalid or rejected ->
``--move-failed``;
a file with a cart that failed for a temporary reason stays where it is, so the next run retries it.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterable
from pathlib import Path

from acorders.load import STDIN_NAME, Source
from acorders.models import Action, PushResult, display_name

PUSHED = {Action.CREATED, Action.UPDATED, Action.UNCHANGED, Action.RECOVERED}
SETTLED_BAD = {Action.INVALID, Action.REJECTED}


def move_settled(
    sources: Iterable[Source], results: Iterable[PushResult], pushed: Path | None, failed: Path | None
) -> list[str]:
    """Move the files; returns one log line per file moved or left."""
    by_source: dict[str, set[Action]] = {}
    for result in results:
        by_source.setdefault(result.origin.source, set()).add(result.action)
    log = []
    seen: set[Path] = set()
    for source in sources:
        if source.path is None or source.name == STDIN_NAME:
            continue
        real = Path(source.path).resolve()
        if real in seen:  # named twice (a file and its folder): moved once
            continue
        seen.add(real)
        actions = by_source.get(source.name, set())
        if not actions or not actions <= PUSHED | SETTLED_BAD:
            continue  # not settled yet (temporary failure, skipped): leave it for the next run
        target = failed if actions & SETTLED_BAD else pushed
        if target is None or real.parent == target.resolve():  # already in place (folder inside the outbox)
            continue
        moved = move_atomically(Path(source.path), target)
        log.append(f"moved {display_name(source.name)} -> {display_name(str(moved))}")
    return log


def move_atomically(path: Path, folder: Path) -> Path:
    """rename(2) within a file system; across file systems copy beside the target, then rename."""
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / path.name
    if target.exists():
        target = folder / f"{path.stem}.{time.strftime('%Y%m%dT%H%M%S')}.{os.getpid()}{path.suffix}"
    try:
        os.rename(path, target)
    except OSError:
        tmp = folder / f".{target.name}.part"
        shutil.copy2(path, tmp)
        os.replace(tmp, target)
        path.unlink()
    return target
