"""validate PATH...: the stage's entry, from sources to a summary, the reporter fed as it goes.

Ctrl-C and SIGTERM stop the run at once (a read of stdin, a wait for the workers), except while the
reporter writes: then they are held off until the write is whole, so -o json is never torn between two
writes; a second one while the first is held (a write blocked on a reader that stopped reading) ends the
process by the signal. However the run stops (a signal, an error), the report still ends, its summary
saying why (report.base.report_stop), and the exception goes on to the CLI, which exits as it says.
"""

from __future__ import annotations

import os
import signal
from collections.abc import Callable, Iterable, Iterator, Sized
from contextlib import contextmanager
from typing import Any

from acorders.environment import signals_handled_by
from acorders.errors import TerminateRequest
from acorders.models import Document, ValidateSummary
from acorders.report.base import report_stop
from acorders.validate.parallel import check_sources
from acorders.validate.validator import Validator


class _Signals:
    """SIGINT and SIGTERM for one run: raised where they land, but held off while ``writing``. A second
    one while the first is still held (a write blocked on a reader that stopped reading) ends the process
    at once, by the signal, as it would have without us."""

    def __init__(self) -> None:
        self.writing = False
        self.held: int | None = None  # a signal held off until the write is whole

    def notify(self, signum: int, frame: Any = None) -> None:
        if not self.writing:
            raise _raised(signum)
        if self.held is None:
            self.held = signum
            return
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)

    def wrote(self) -> None:
        """A write is whole: a signal held off during it stops the run now."""
        self.writing = False
        if self.held is not None:
            signum, self.held = self.held, None
            raise _raised(signum)

    @contextmanager
    def installed(self) -> Iterator[_Signals]:
        """Our handlers for the run (only the main thread may install them; elsewhere, none)."""
        with signals_handled_by(self.notify):
            yield self


def _raised(signum: int) -> KeyboardInterrupt:
    return TerminateRequest() if signum == signal.SIGTERM else KeyboardInterrupt()


def run(
    sources: Iterable[Any],
    validator: Validator,
    reporter: Any,
    stdin: Any = None,
    loader: Callable[[Any, Any], Iterable[Document]] | None = None,
) -> ValidateSummary:
    """validate PATH...: every document of every source, checked and handed to the reporter as it goes.

    Many files are checked on every core (parallel.py); the result is the same, in the same order.
    ``loader`` (validate --from) makes the documents instead of the load stage: see check_sources; the
    validator reads a document again through it too."""
    if loader is not None:
        validator.loader = loader
    summary = ValidateSummary()
    signals = _Signals()
    with signals.installed():
        try:
            _check(sources, validator, reporter, stdin, loader, summary, signals)
        except (KeyboardInterrupt, Exception) as exc:  # TerminateRequest too; any error that ends the run
            signals.writing = True  # a second signal must not tear the report of the first
            report_stop(reporter, summary, exc)
            raise
        signals.writing = True  # all is checked: a signal now is too late to stop anything
        reporter.finish(summary)
    return summary


def _check(
    sources: Iterable[Any],
    validator: Validator,
    reporter: Any,
    stdin: Any,
    loader: Callable[[Any, Any], Iterable[Document]] | None,
    summary: ValidateSummary,
    signals: _Signals,
) -> None:
    signals.writing = True
    reporter.start(len(sources) if isinstance(sources, Sized) else None)  # a walk still going has no count
    signals.wrote()
    settle, add, item = validator.settle, summary.add, reporter.item  # once per document: keep it lean
    checked = check_sources(sources, validator, stdin, loader=loader)
    try:
        for files, results in checked:
            signals.writing = True
            for doc, fingerprint, _ in results:
                settle(doc, fingerprint)
                add(doc)
                item(doc)
            if files:
                summary.files += files
                reporter.advance(files)
            signals.wrote()
    finally:
        close = getattr(checked, "close", None)  # a generator: its workers stop now, not when collected
        if close is not None:
            close()
