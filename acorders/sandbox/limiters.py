"""The shapes a server's rate limit takes, and latency with jitter: what a client's pacing must hold against.

A token bucket lets a burst of ``rate`` through, then a steady trickle; a sliding window never lets more than
N requests into any window; a fixed window aligned to the clock lets N into each window, so up to 2N land
around a boundary. Only accepted requests count, as on a real server. The clock is a parameter, so every
shape is tested on a fake one without sleeping.
"""

from __future__ import annotations

import math
import random
import threading
import time
from collections import deque
from collections.abc import Callable

SHAPES = ("bucket", "sliding", "fixed")

#: (allowed, headers): headers say the limit, what remains and, when refused, Retry-After
Decision = tuple[bool, dict[str, str]]


def _retry_after(wait: float) -> str:
    """Whole seconds, at least 1, as the API sends it."""
    return str(max(1, math.ceil(wait - 1e-9)))


class Bucket:
    """``max(1, rate)`` tokens, refilled at ``rate`` per second; starts full."""

    def __init__(self, rate: float, now: float) -> None:
        self.rate = rate
        self.capacity = max(1.0, rate)
        self.tokens = self.capacity
        self.last = now

    def take(self, now: float) -> Decision:
        self.tokens = min(self.capacity, self.tokens + max(0.0, now - self.last) * self.rate)
        self.last = now
        headers = {"RateLimit-Limit": f"{self.rate:g}"}
        if self.tokens >= 1.0:
            self.tokens -= 1.0
            return True, {**headers, "RateLimit-Remaining": str(int(self.tokens))}
        wait = (1.0 - self.tokens) / self.rate
        return False, {**headers, "RateLimit-Remaining": "0", "Retry-After": _retry_after(wait)}


class _Window:
    """N = max(1, floor(rate)) requests per window of N / rate seconds (1 s for an integer rate)."""

    def __init__(self, rate: float, now: float) -> None:
        self.limit = max(1, int(rate))
        self.window = self.limit / rate

    def _headers(self, used: int) -> dict[str, str]:
        return {"RateLimit-Limit": str(self.limit), "RateLimit-Remaining": str(max(0, self.limit - used))}


class Sliding(_Window):
    """Never more than N accepted requests in any window ending now."""

    def __init__(self, rate: float, now: float) -> None:
        super().__init__(rate, now)
        self.accepted: deque[float] = deque()

    def take(self, now: float) -> Decision:
        while self.accepted and self.accepted[0] <= now - self.window:
            self.accepted.popleft()
        if len(self.accepted) < self.limit:
            self.accepted.append(now)
            return True, self._headers(len(self.accepted))
        wait = self.accepted[0] + self.window - now
        return False, {**self._headers(self.limit), "Retry-After": _retry_after(wait)}


class Fixed(_Window):
    """N accepted requests per window; windows are aligned to the clock (to the second, for rate 5)."""

    def __init__(self, rate: float, now: float) -> None:
        super().__init__(rate, now)
        self.index = math.floor(now / self.window)
        self.used = 0

    def take(self, now: float) -> Decision:
        index = math.floor(now / self.window)
        if index != self.index:
            self.index, self.used = index, 0
        if self.used < self.limit:
            self.used += 1
            return True, self._headers(self.used)
        wait = (index + 1) * self.window - now
        return False, {**self._headers(self.limit), "Retry-After": _retry_after(wait)}


_CLASSES: dict[str, type[Bucket] | type[Sliding] | type[Fixed]] = {
    "bucket": Bucket,
    "sliding": Sliding,
    "fixed": Fixed,
}


def check_shape(shape: str) -> str:
    """``shape`` if it is one of SHAPES, else ValueError naming them."""
    if shape not in _CLASSES:
        raise ValueError(f"the sandbox limiter must be one of {', '.join(SHAPES)}, not {shape!r}")
    return shape


class Limiter:
    """The limit shared by all requests. Shape and rate are read on every call from the live config; a
    change of either starts the new limiter afresh (full bucket, empty windows)."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._key: tuple[str, float] | None = None
        self._shape: Bucket | Sliding | Fixed | None = None

    def take(self, shape: str, rate: float) -> Decision:
        """(allowed, headers); headers are empty when the limit is disabled (rate <= 0)."""
        if rate <= 0:
            return True, {}
        with self._lock:
            now = self._clock()
            if self._shape is None or self._key != (shape, rate):
                self._key, self._shape = (shape, rate), _CLASSES[check_shape(shape)](rate, now)
            return self._shape.take(now)


class Latency:
    """Seconds to hold each answer: ``latency`` +- ``jitter``, uniformly (never below 0), from a generator
    seeded by the config's ``seed`` so a run can be replayed."""

    def __init__(self, seed: int | None) -> None:
        self._random = random.Random(seed)
        self._lock = threading.Lock()

    def delay(self, latency: float, jitter: float) -> float:
        if jitter <= 0:
            return max(0.0, latency)
        with self._lock:
            offset = self._random.uniform(-jitter, jitter)
        return max(0.0, latency + offset)
