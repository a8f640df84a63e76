"""Report: render result objects (validated documents, push results, account rows) for people and scripts.

A registry keyed by output format, as in check-jsonschema: ``table`` for a terminal (table.py), ``json``
and ``ndjson`` for scripts (stream.py). Reporters are streamed: they get each item as it is done. Results
go to stdout; progress bars and the NDJSON summary go to stderr. ``rows`` renders the account commands'
lists in the same three formats.
"""

from __future__ import annotations

from acorders.environment import Environment
from acorders.report.base import BaseReporter, Reporter
from acorders.report.stream import JsonReporter, NdjsonReporter, document_dict
from acorders.report.table import (
    COLLAPSE_NOTES,
    COLLAPSE_UNCHANGED,
    PROGRESS_MIN_ITEMS,
    TableReporter,
    summary_line,
    validate_line,
)

OUTPUTS = ("table", "json", "ndjson")

REPORTERS: dict[str, type[BaseReporter]] = {
    "table": TableReporter,
    "json": JsonReporter,
    "ndjson": NdjsonReporter,
}


def build_reporter(output: str, env: Environment, *, quiet: bool = False, key: str = "documents") -> Reporter:
    cls = REPORTERS[output]
    if cls is NdjsonReporter:
        return cls(env, quiet)
    return cls(env, quiet, key)  # type: ignore[call-arg, return-value]


__all__ = [
    "COLLAPSE_NOTES",
    "COLLAPSE_UNCHANGED",
    "OUTPUTS",
    "PROGRESS_MIN_ITEMS",
    "REPORTERS",
    "JsonReporter",
    "NdjsonReporter",
    "Reporter",
    "TableReporter",
    "build_reporter",
    "document_dict",
    "summary_line",
    "validate_line",
]
