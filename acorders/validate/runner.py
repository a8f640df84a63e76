"""validate PATH...: the stage's entry, from sources to a summary, the reporter fed as it goes."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sized
from typing import Any

from acorders.models import Document, ValidateSummary
from acorders.validate.parallel import check_sources
from acorders.validate.validator import Validator


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
    reporter.start(len(sources) if isinstance(sources, Sized) else None)  # a walk still going has no count

    settle, add, item = validator.settle, summary.add, reporter.item  # once per document: keep it lean
    for files, results in check_sources(sources, validator, stdin, loader=loader):
        for doc, fingerprint, _ in results:
            settle(doc, fingerprint)
            add(doc)
            item(doc)
        if files:
            summary.files += files
            reporter.advance(files)
    reporter.finish(summary)
    return summary
