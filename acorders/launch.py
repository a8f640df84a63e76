"""The console entry point (``acorders``, ``python -m acorders``): the CLI, and a head start for big batches.

Before the CLI framework is imported, a ``validate`` of directories or of many files forks its worker
processes: typer takes ~50 ms of one core to import and parse, while the other cores idle, and the
workers spend that time importing jsonschema-rs and compiling the schema. Nothing is read or checked
before the CLI has parsed the command; if the batch turns out small, or the command fails, the workers
are stopped at exit.
"""

from __future__ import annotations

import gc
import os
import sys

INTERRUPTED = 130  # acorders.errors.ExitStatus.INTERRUPTED, without importing it first


def main() -> None:
    # Start-up makes tens of thousands of objects that live as long as the process: collecting while
    # typer and the schema load costs ~10 ms and finds nothing. The CLI turns collection back on
    # (acorders.cli.collect_from_here) when the command starts its work.
    gc.disable()
    spare = False
    try:
        spare = big_validate(sys.argv[1:])
        if spare:
            from acorders import workers

            workers.start_spare()
        from acorders.cli import main as cli

        cli()
    except KeyboardInterrupt:  # Ctrl-C while loading, before the CLI can report it: no traceback
        sys.stderr.write("interrupted\n")
        raise SystemExit(INTERRUPTED) from None
    finally:
        if spare:
            from acorders import workers

            workers.stop_spare()


def big_validate(args: list[str]) -> bool:
    """``validate`` of a directory or of more files than one process checks faster alone; never for
    stdin or help, whose output must not wait on a fork."""
    words = [a for a in args if not a.startswith("-")]
    if not words or words[0] != "validate" or {"-h", "--help", "--version"} & set(args):
        return False
    from acorders.load import STDIN  # validate needs these modules anyway
    from acorders.workers import MIN_FILES

    if STDIN in args:
        return False
    paths = words[1:]
    return len(paths) >= MIN_FILES or any(os.path.isdir(p) for p in paths)
