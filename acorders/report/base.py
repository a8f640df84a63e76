"""What every reporter shares: the protocol the stages feed, the do-nothing progress of a stream, and how a
run that stopped early (Ctrl-C, SIGTERM, an error) still ends its report."""

from __future__ import annotations

from contextlib import suppress
from typing import Any, ClassVar, Protocol

from acorders.environment import Environment
from acorders.errors import AcordersError, TerminateRequest
from acorders.models import Document, PushResult, PushSummary, ValidateSummary

Summary = ValidateSummary | PushSummary
Item = Document | PushResult


class Reporter(Protocol):
    def start(self, total: int | None) -> None: ...
    def advance(self, n: int = 1) -> None: ...
    def item(self, obj: Item) -> None: ...
    def finish(self, summary: Summary) -> None: ...


class BaseReporter:
    """``finished``: the summary is written. ``last_built``: the reporter made last, so that the CLI's
    error handler can end the report of a command that stopped before its run could (runtime.py)."""

    last_built: ClassVar[BaseReporter | None] = None

    def __init__(self, env: Environment, quiet: bool = False) -> None:
        self.env = env
        self.quiet = quiet
        self.finished = False
        BaseReporter.last_built = self

    def start(self, total: int | None) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass

    def stop(self, summary: Summary) -> None:
        """The run stopped early. A table for people is left as it is: the error on stderr says why (the
        streams for scripts end their document here)."""


def stop_reason(exc: BaseException) -> str:
    """What a report's summary says of the exception that stopped its run."""
    if isinstance(exc, TerminateRequest):
        return "terminated (SIGTERM)"
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted (Ctrl-C)"
    if isinstance(exc, AcordersError):
        return exc.message
    return f"unexpected {type(exc).__name__}: {exc}"


def report_stop(reporter: Any, summary: Summary, exc: BaseException) -> None:
    """``exc`` stopped the run before its end: the summary says so, and a report for scripts still ends as
    one whole document (ok: false). Never raises: ``exc`` is what the caller goes on to raise."""
    summary.stopped = stop_reason(exc)
    end = getattr(reporter, "stop", None)  # a reporter of the tests' may have none
    if end is None or isinstance(exc, BrokenPipeError):  # the reader left: nothing more goes to stdout
        return
    with suppress(OSError, ValueError):  # stdout itself failed (a full disk, closed): exc says it all
        end(summary)
