"""What every reporter shares: the protocol the stages feed, and the do-nothing progress of a stream."""

from __future__ import annotations

from typing import Protocol

from acorders.environment import Environment
from acorders.models import Document, PushResult, PushSummary, ValidateSummary

Summary = ValidateSummary | PushSummary
Item = Document | PushResult


class Reporter(Protocol):
    def start(self, total: int | None) -> None: ...
    def advance(self, n: int = 1) -> None: ...
    def item(self, obj: Item) -> None: ...
    def finish(self, summary: Summary) -> None: ...


class BaseReporter:
    def __init__(self, env: Environment, quiet: bool = False) -> None:
        self.env = env
        self.quiet = quiet

    def start(self, total: int | None) -> None:
        pass

    def advance(self, n: int = 1) -> None:
        pass
