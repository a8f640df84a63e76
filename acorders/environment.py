"""All terminal I/O goes through one Environment (as in httpie), so tests can fake a TTY or a pipe."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
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
                width=None if tty else PIPE_WIDTH,
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
