"""What the client tells about its requests: one log entry per attempt (for -v), and run-wide counters."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field, fields


@dataclass(frozen=True)
class RequestLog:
    """One HTTP attempt, for ``-v``. Never contains the API key."""

    method: str
    path: str  # relative to /api/3, with query string: "/ecomOrders?filters[externalcheckoutid]=123"
    status: int | None
    duration: float
    attempt: int  # 1 = first try
    error: str | None = None  # "timeout", "connection dropped", "connection refused", ...


@dataclass
class ClientStats:
    """Thread-safe counters for the push report and the benchmark."""

    requests: int = 0  # HTTP attempts sent, retries included
    throttled: int = 0  # 429 answers
    retries: int = 0  # attempts that were retries
    server_errors: int = 0  # 5xx answers
    network_errors: int = 0  # timeouts, refused or dropped connections
    unknown_outcomes: int = 0  # writes whose outcome was unknown (then looked up)
    retry_sleep: float = 0.0  # seconds slept before retries
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, **deltas: float) -> None:
        """Add to one or more counters atomically: ``stats.add(requests=1, throttled=1)``."""
        with self._lock:
            for name, delta in deltas.items():
                setattr(self, name, getattr(self, name) + delta)

    def snapshot(self) -> dict[str, float]:
        """A consistent copy of all counters."""
        with self._lock:
            return {f.name: getattr(self, f.name) for f in fields(self) if not f.name.startswith("_")}
