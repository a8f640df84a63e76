"""Ctrl-C and SIGTERM during a push: noted and acted on at once, never raised in the middle of a write.

Raised asynchronously, KeyboardInterrupt tore the report (``},\\n,\\n{`` between two writes of -o json,
an array never closed after a second Ctrl-C) and dropped the results of carts already done. So while
the push reports and sends (``shielded``), the handler only notes the signal and calls the hooks (the
Pusher: stop starting carts, the client: no new requests, cut those in flight off after a grace, or at
once on a second signal); the send loop winds down and every cart gets its result. Before that (listing,
validating, waiting for a lock) a signal raises as usual, KeyboardInterrupt or TerminateRequest, and the
runner reports an empty, complete run. SIGTERM is handled exactly like Ctrl-C, with exit 143.
"""

from __future__ import annotations

import signal
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from acorders.environment import signals_handled_by
from acorders.errors import Interrupted, Terminated, TerminateRequest

STOP_HINT = "no new requests after it; rerun to send the rest"


class Interrupts:
    """The signals a push got, and what to tell when one comes (``hooks``, called with this object)."""

    def __init__(self) -> None:
        self.signals: list[int] = []
        self.shielded = False
        self.hooks: list[Callable[[Interrupts], None]] = []

    @property
    def count(self) -> int:
        return len(self.signals)

    def stop(self) -> Interrupted:
        """Why the run stopped, as the first signal says (Terminated exits 143, Interrupted 130)."""
        if self.signals and self.signals[0] == signal.SIGTERM:
            return Terminated(f"terminated (SIGTERM): {STOP_HINT}")
        return Interrupted(f"interrupted (Ctrl-C): {STOP_HINT}")

    def notify(self, signum: int, frame: Any = None) -> None:
        """The signal handler. Runs between two bytecodes of the main thread: hooks must not take locks."""
        self.signals.append(signum)
        for hook in self.hooks:
            hook(self)
        if not self.shielded:
            raise TerminateRequest() if signum == signal.SIGTERM else KeyboardInterrupt()

    @contextmanager
    def installed(self) -> Iterator[Interrupts]:
        """Handle SIGINT and SIGTERM here for the block (only the main thread may; elsewhere, nothing)."""
        try:
            with signals_handled_by(self.notify):
                yield self
        finally:
            self.shielded = False
