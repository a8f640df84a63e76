"""Client-side pacing: ActiveCampaign allows 5 requests per second per account, shared by every integration
of that account (often the shop's own plugin), and documents neither the shape of its limiter nor a burst.

What we hold to, whatever the server's shape (token bucket, sliding 1 s window, fixed window aligned to the
second), and why:

- **A budget per window, measured at send time.** Never more than N requests in any window of 1 s plus a
  margin (``WINDOW_MARGIN``), counted on the times requests actually left (after the sleep), not on the
  slots planned for them. Evenly spaced slots at exactly N/s collide with a sliding window as soon as
  arrival times jitter by a millisecond (the 6th request lands 999 ms after the 1st); a late wake-up also
  compresses the gap to the next one. The margin costs 1 % of the rate; each 429 costs a pause of every
  thread (Retry-After is whole seconds), i.e. 5 requests. Any window of N per W >= 1 s is also safe for a
  bucket of N tokens refilled at N/s, and for fixed windows (each lies inside some sliding window).
- **Even spacing within the budget**: at most one request per 1/rate, so no burst after idling (a server's
  bucket may be smaller than its rate).
- **The server's headers, when present.** ``RateLimit-Limit`` below ``--rate`` lowers the ceiling (``--rate``
  is an upper bound, never raised). ``RateLimit-Remaining`` is compared with what our own sends explain: the
  server can have at most N minus our sends in the window left, whatever its shape; less means another
  integration spends the account's budget, and our budget shrinks by that much for a window.
- **AIMD on 429.** A 429 pauses every thread for its Retry-After (``pause``) and multiplies our rate by
  ``DECREASE``; every answer that was not a 429 adds back 1/rate requests/s, i.e. +1 request/s per window
  of clean answers, probing back up to the ceiling. That converges on what other integrations leave us.
- **Stop when told to wait too long** (``close``): the requests not yet sent raise instead of waiting.

The limiter never reads the network: the transport reports answers (``answered``, ``throttled``). The clock
and sleep are parameters; ``poll`` never blocks, so tests drive it against simulated servers without
sleeping.
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping

from acorders.errors import AcordersError, WaitTooLong

WINDOW = 1.0  # the account's limit is N requests per WINDOW seconds
WINDOW_MARGIN = 0.01  # seconds added to the window: the jitter between our send and the server's clock
DECREASE = 0.75  # a 429 multiplies the rate by this (the multiplicative decrease of AIMD)
HISTORY = 5.0  # seconds of send times kept: answers come back after the latency, then compare
_EPSILON = 1e-9  # float slack: a caller woken exactly at its time is not sent back to sleep


class RateLimiter:
    """Client-side limit shared by all worker threads of one account."""

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        margin: float = WINDOW_MARGIN,
    ) -> None:
        """``rate`` is requests per second, an upper bound; ``rate <= 0`` means unlimited (pauses apply)."""
        self.rate = rate
        self._ceiling = rate  # --rate, lowered by RateLimit-Limit
        self._current = rate  # AIMD: at most the ceiling
        self._window = WINDOW + max(0.0, margin)
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._sent: deque[float] = deque()  # send times, oldest first, HISTORY seconds back
        self._paused_until = -math.inf
        self._foreign = 0  # requests of other integrations seen in the window, until _foreign_until
        self._foreign_until = -math.inf
        self._closed: AcordersError | None = None

    def __repr__(self) -> str:
        return f"RateLimiter(rate={self.rate!r})"

    @property
    def interval(self) -> float:
        """Seconds between two sends at full rate (0 when unlimited)."""
        return 1.0 / self.rate if self.rate > 0 else 0.0

    @property
    def current_rate(self) -> float:
        """The rate in force now (requests/s): the ceiling, or less after 429s or others' requests."""
        with self._lock:
            return self._current

    def acquire(self) -> float:
        """Block until this caller may send; returns the clock time it may send at (its send time).

        Nothing is reserved while sleeping: whoever wakes checks again, so a pause that starts meanwhile
        (another thread got a 429) or a late wake-up of another thread is always taken into account."""
        while True:
            wait, now = self._poll()
            if wait <= 0:
                return now
            self._sleep(wait)

    def poll(self) -> float:
        """Never blocks: 0 if the caller may send now (its send is counted), else seconds to wait first.
        Raises the error given to ``close``."""
        return self._poll()[0]

    def _poll(self) -> tuple[float, float]:
        """(seconds to wait or 0, the clock's time): a 0 counts the send at that time."""
        with self._lock:
            if self._closed is not None:  # one error for every caller: its traceback is not theirs to grow
                raise self._closed.with_traceback(None)
            now = self._clock()
            wait = self._earliest(now) - now
            if wait > _EPSILON:
                return wait, now
            self._sent.append(now)
            while self._sent[0] < now - HISTORY:
                self._sent.popleft()
            return 0.0, now

    def _earliest(self, now: float) -> float:
        """When the next request may leave: after any pause, 1/rate after the last one, and once the
        budget's oldest request has left the window."""
        earliest = self._paused_until
        if self._current <= 0 or not self._sent:
            return earliest
        earliest = max(earliest, self._sent[-1] + 1.0 / self._current)
        budget = self._budget(now)
        if len(self._sent) >= budget:
            earliest = max(earliest, self._sent[-budget] + self._window)
        return earliest

    def _budget(self, now: float) -> int:
        """Requests allowed in one window: the rate in force, less what others spend."""
        foreign = self._foreign if now < self._foreign_until else 0
        return max(1, math.floor(self._current + _EPSILON) - foreign)

    def pause(self, seconds: float) -> None:
        """Nothing is sent before now + ``seconds`` (after a 429's Retry-After). Only ever extends."""
        if not seconds > 0:  # also rejects NaN
            return
        with self._lock:
            until = self._clock() + seconds
            if until > self._paused_until:
                self._paused_until = until

    def paused_until(self) -> float:
        """Clock time before which nothing is sent (``-inf`` if never paused)."""
        with self._lock:
            return self._paused_until

    def close(self, error: AcordersError) -> None:
        """Send nothing more: every caller waiting or to come raises ``error`` (the server asked to wait
        longer than the run may spend). The first error given is kept."""
        with self._lock:
            if self._closed is None:
                self._closed = error

    @property
    def closed(self) -> AcordersError | None:
        """The error given to ``close`` (None while requests may still be sent)."""
        with self._lock:
            return self._closed

    def throttled(self) -> None:
        """A 429: the multiplicative decrease (the caller pauses everyone for the Retry-After)."""
        with self._lock:
            if self._current > 0:
                self._current = max(min(1.0, self._ceiling), self._current * DECREASE)

    def answered(self, sent_at: float, headers: Mapping[str, str]) -> None:
        """An answer that was not a 429, to the request sent at ``sent_at``: the additive increase, and
        what RateLimit-Limit / RateLimit-Remaining say."""
        limit = _header_int(headers, "RateLimit-Limit")
        remaining = _header_int(headers, "RateLimit-Remaining")
        with self._lock:
            if self._ceiling <= 0:
                return
            if limit is not None and 0 < limit < self._ceiling:
                self._ceiling = float(limit)
            self._current = min(self._ceiling, self._current + 1.0 / max(self._current, 1.0))
            if remaining is not None:
                self._others(sent_at, limit if limit is not None else self._ceiling, remaining)

    def _others(self, sent_at: float, limit: float, remaining: int) -> None:
        """What the server has left beyond what our own sends of the window explain was spent by others."""
        ours = 0
        for t in reversed(self._sent):  # newest first: stop at the window's start
            if t <= sent_at - self._window:
                break
            ours += t <= sent_at
        foreign = math.floor(limit + _EPSILON) - remaining - ours
        if foreign <= 0:
            return
        now = self._clock()
        if now >= self._foreign_until or foreign > self._foreign:
            self._foreign = foreign
        self._foreign_until = now + self._window


def _header_int(headers: Mapping[str, str], name: str) -> int | None:
    """A non-negative integer header (``RateLimit-Remaining: 3``), or None when absent or not one."""
    value = headers.get(name)
    if value is None:
        return None
    try:
        number = float(value.strip().split(",")[0].split(";")[0])
    except ValueError:
        return None
    return int(number) if 0 <= number < 1e9 else None


def too_long(asked: float, status: int, remaining: float) -> WaitTooLong:
    """The error of a 429 or 503 asking to wait ``asked`` s when the run may wait only ``remaining``: its
    message names the wait first, and what to do."""
    wait, left = math.ceil(asked), math.floor(remaining)
    if status == 503:  # as ActiveCampaign's WooCommerce client reads a 503 with Retry-After
        message = (
            f"ActiveCampaign asked to wait {wait} s; the account may be in maintenance (HTTP 503). That is "
            f"more than the {left} s this run may still wait, so nothing more was sent: rerun after the wait"
        )
    else:
        message = (
            f"ActiveCampaign asked to wait {wait} s (HTTP 429, rate limited), more than the {left} s "
            "this run may still wait, so nothing more was sent: rerun after the wait, and lower --rate if "
            "other integrations share the account's requests"
        )
    return WaitTooLong(message, status, asked)
