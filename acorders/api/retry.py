"""The retry policy of one API call: how long to wait before the next attempt, and when to give up.

Kept apart from the HTTP attempt itself (client.py) so each reads on one screen: the client says what an
attempt got, the policy says whether and when to try again.
"""

from __future__ import annotations

import random
from typing import NamedTuple

from acorders.api.answers import exhausted_message
from acorders.errors import RequestFailed

BACKOFF_BASE = 0.5
BACKOFF_FACTOR = 2.0
BACKOFF_CAP = 30.0
_rng = random.Random()  # module-level so tests can pin the jitter


def backoff_delay(attempt: int) -> float:
    """Exponential backoff with full jitter: uniform in [0, min(cap, base * factor**(attempt-1))]."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * BACKOFF_FACTOR ** min(attempt - 1, 64))
    return _rng.random() * ceiling


def settle_delay(round_: int) -> float:
    """How long a create whose answer was lost waits before looking up what it made: a slow server may
    still be finishing it. Half to all of the backoff ceiling of the next round."""
    return min(BACKOFF_CAP, BACKOFF_BASE * BACKOFF_FACTOR**round_) * (0.5 + _rng.random() / 2)


class Retry(NamedTuple):
    """An attempt failed in a way that another attempt may fix."""

    delay: float  # what the failure asks for (Retry-After, or backoff)
    pause_everyone: bool = False  # a 429: every thread holds back, not just this one


class Attempts:
    """The attempts of one call: at most ``max_attempts``, and ``max_seconds`` of sleeping between them.
    Remembers why each failed, for the message when they run out."""

    def __init__(self, max_attempts: int, max_seconds: float) -> None:
        self.max_attempts = max_attempts
        self.max_seconds = max_seconds
        self.number = 0  # of the attempt under way; 1 = the first
        self.slept = 0.0
        self.failures: list[str] = []  # one description per failed attempt
        self.status: int | None = None  # of the last answer (None: no answer)

    def start(self) -> int:
        self.number += 1
        return self.number

    @property
    def remaining(self) -> float:
        """Seconds of sleeping still allowed."""
        return self.max_seconds - self.slept

    def failed(self, why: str, status: int | None) -> None:
        self.failures.append(why)
        self.status = status

    def next_delay(self, retry: Retry) -> float:
        """How long to sleep before the next attempt; RequestFailed when attempts or time ran out."""
        remaining = self.remaining
        if self.number >= self.max_attempts or remaining <= 0:
            limit = self.max_seconds if remaining <= 0 else None
            raise RequestFailed(exhausted_message(self.failures, limit), self.status)
        return min(retry.delay, remaining)
