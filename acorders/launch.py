"""The console entry point (``acorders``, ``python -m acorders``): start-up settings, then the CLI.

While the CLI loads, Ctrl-C (and SIGTERM) simply end the process and the cyclic garbage collector rests;
as a command starts (``loaded``, called by the CLI's error handler) both are back to normal, and SIGTERM
raises TerminateRequest, so that a command stops on it exactly as on Ctrl-C (and exits 143); once the
command has finished, both signals end the process again.
"""

from __future__ import annotations

import gc
import signal

from acorders.errors import TerminateRequest

_loading = False  # main() set loading mode; the command has not started yet


def main() -> None:
    # Until a command starts: Ctrl-C ends the process at once, as the signal does by default, rather
    # than as a KeyboardInterrupt raised halfway through importing some module, whose traceback would
    # reach the user. And no cyclic garbage collection: start-up makes tens of thousands of objects
    # that live as long as the process, and collecting while typer and the schema load costs ~10 ms and
    # finds nothing.
    global _loading
    _loading = True
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    gc.disable()
    from acorders.cli.app import main as cli

    try:
        cli(on_start=loaded)
    finally:
        # The command is over (its output written, its status decided): a Ctrl-C or SIGTERM now ends the
        # process as the signal does, rather than as a traceback from the interpreter's shutdown.
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)


def loaded() -> None:
    """Called as every command starts: Ctrl-C raises KeyboardInterrupt again, and SIGTERM TerminateRequest,
    for the command to stop cleanly and say so; the garbage collector runs again, after freezing what
    start-up made. A no-op when main() did not set loading mode (the CLI used in-process)."""
    global _loading
    if _loading:
        _loading = False
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, terminate)
        gc.freeze()
        gc.enable()


def terminate(signum: int, frame: object) -> None:
    """SIGTERM, where a command runs: stop as on Ctrl-C (TerminateRequest is a KeyboardInterrupt)."""
    raise TerminateRequest()
