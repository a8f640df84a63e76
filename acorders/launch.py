"""The console entry point (``acorders``, ``python -m acorders``): the CLI, and a head start for big batches.

While it loads, Ctrl-C simply ends the process and the garbage collector rests (see main()). Before the
CLI framework is imported, a ``validate`` of directories or of many files forks its worker processes:
typer takes ~50 ms of one core to import and parse while the other cores idle, and the workers spend
that time importing jsonschema-rs and compiling the schema. Nothing is read or checked before the CLI
has parsed the command; workers that no batch takes (a few files with an NDJSON one among them, a
failed command) are stopped at exit.
"""

from __future__ import annotations

import gc
import os
import signal
import sys

_loading = False  # main() set loading mode; the command has not started yet


def main() -> None:
    # Until a command starts (loaded()): Ctrl-C ends the process at once, as the signal does by default,
    # rather than as a KeyboardInterrupt raised halfway through importing some module, whose traceback
    # would reach the user. And no cyclic garbage collection: start-up makes tens of thousands of objects
    # that live as long as the process, and collecting while typer and the schema load costs ~10 ms and
    # finds nothing.
    global _loading
    _loading = True
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    gc.disable()
    stop_spare = None
    try:
        if big_validate(sys.argv[1:]):
            from acorders import workers

            workers.start_spare()
            stop_spare = workers.stop_spare
        from acorders.cli import main as cli

        cli()
    finally:
        if stop_spare is not None:
            stop_spare()


def loaded() -> None:
    """Called as every command starts (acorders.cli.handle_errors): Ctrl-C raises KeyboardInterrupt
    again, for the command to stop cleanly and say so; the garbage collector runs again, after freezing
    what start-up made. A no-op when main() did not set loading mode (the CLI used in-process)."""
    global _loading
    if _loading:
        _loading = False
        signal.signal(signal.SIGINT, signal.default_int_handler)
        gc.freeze()
        gc.enable()


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
