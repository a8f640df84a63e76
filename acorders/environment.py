"""All terminal I/O goes through one Environment (as in httpie), so tests can fake a TTY or a pipe.

It also makes the two decisions about how results look: ``plain`` (stdout is not a terminal: tab-separated
rows, no box drawing, no styling) and ``width`` (the terminal's columns, which tables must fit).
"""

from __future__ import annotations

import os
import signal
import sys
import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

PIPE_WIDTH = 160  # rich wraps at 80 columns off a terminal; logs read better wider


@dataclass
class Environment:
    stdin: IO[bytes] | None
    stdout: IO[str]
    stderr: IO[str]
    stdout_isatty: bool = False
    stderr_isatty: bool = False
    environ: Mapping[str, str] = field(default_factory=dict)
    columns: int | None = None  # the terminal's width when known (tests); None: COLUMNS, then ask stdout
    _consoles: dict[bool, Any] = field(default_factory=dict, repr=False)

    @classmethod
    def from_system(cls) -> Environment:
        stdin = getattr(sys.stdin, "buffer", None)
        return cls(
            stdin=stdin,
            stdout=sys.stdout,
            stderr=sys.stderr,
            stdout_isatty=_isatty(sys.stdout),
            stderr_isatty=_isatty(sys.stderr),
            environ=os.environ,
        )

    @property
    def no_color(self) -> bool:
        """https://no-color.org: any non-empty NO_COLOR turns colour off."""
        return bool(self.environ.get("NO_COLOR"))

    @property
    def plain(self) -> bool:
        """Results for a pipe, a file or cron mail: plain tab-separated rows that cut and awk read."""
        return not self.stdout_isatty

    @property
    def width(self) -> int:
        """The terminal's columns: given, else $COLUMNS (as shells and rich use it), else stdout's size."""
        if self.columns:
            return self.columns
        columns = self.environ.get("COLUMNS", "")
        if columns.isdigit() and int(columns) > 0:
            return int(columns)
        try:
            return os.get_terminal_size(self.stdout.fileno()).columns or 80
        except (AttributeError, OSError, ValueError):
            import shutil

            return shutil.get_terminal_size((80, 24)).columns

    def console(self, *, stderr: bool = False) -> Console:
        """A rich console for stdout (results) or stderr (progress, logs); colours only on a terminal."""
        if stderr not in self._consoles:
            from rich.console import Console

            tty = self.stderr_isatty if stderr else self.stdout_isatty
            self._consoles[stderr] = Console(
                file=self.stderr if stderr else self.stdout,
                force_terminal=tty,
                no_color=self.no_color or not tty,
                color_system="auto" if tty and not self.no_color else None,
                highlight=False,
                emoji=False,
                width=(self.width if not stderr else None) if tty else PIPE_WIDTH,
                soft_wrap=False,
            )
        return self._consoles[stderr]

    def log(self, message: str) -> None:
        """One plain line on stderr: progress and request logs, never results."""
        self.stderr.write(message + "\n")
        self.stderr.flush()


def _isatty(stream: Any) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


SIGNALS = (signal.SIGINT, signal.SIGTERM)  # Ctrl-C, and what a service manager or cron's timeout sends


@contextmanager
def signals_handled_by(handler: Callable[[int, Any], None]) -> Iterator[None]:
    """``handler`` for SIGINT and SIGTERM for the block, the previous handlers after it. Only the main
    thread may install handlers: elsewhere (a test's thread) the block runs with none."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {signum: signal.getsignal(signum) for signum in SIGNALS}
    for signum in SIGNALS:
        signal.signal(signum, handler)
    try:
        yield
    finally:
        for signum, old in previous.items():
            signal.signal(signum, old if old is not None else signal.SIG_DFL)
