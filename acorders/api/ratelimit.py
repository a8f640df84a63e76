"""Client-side rate limiting: ActiveCampaign allows 5 requests per second per account, shared by all keys.

Bursts are what get accounts a 429 (and sometimes a 503), so slots are handed out evenly spaced rather
than from a token bucket: the server's bucket may be smaller than ours.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable


class RateLimiter:
    """Client-side limit shared by all worker threads of one account."""

    def __init__(
        self,
        rate: float,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """``rate`` is requests per second; ``rate <= 0`` means unlimited (pauses still apply)."""
        self.rate = rate
        self._interval = 1.0 / rate if rate > 0 else 0.0
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._next_slot = -math.inf  # earliest time the next slot may be handed out
        self._paused_until = -math.inf

    def __repr__(self) -> str:
        return f"RateLimiter(rate={self.rate!r})"

    @property
    def interval(self) -> float:
        """Seconds between two slots (0 when unlimited)."""
        return self._interval

    def acquire(self) -> float:
        """Block until this caller's slot; returns the slot's clock time (for tests and logs).

        The slot is reserved under the lock and slept for outside it, so threads queue up in order without
        holding the lock while sleeping. A pause that starts while we sleep (another thread got a 429)
        moves our slot after the pause: nobody fires into a rate limit that is already known."""
        while True:
            with self._lock:
                earliest = max(self._next_slot, self._paused_until)
                now = self._clock()
                slot = max(now, earliest)
                if self._interval:
                    self._next_slot = slot + self._interval
            if slot > now:
                self._sleep(slot - now)
            with self._lock:
                # At reservation slot >= paused_until, so a later end can only come from a new pause.
                if self._paused_until <= slot:
                    return slot

    def pause(self, seconds: float) -> None:
        """No slot is handed out before now + ``seconds`` (after a 429's Retry-After). Only ever extends."""
        if not seconds > 0:  # also rejects NaN
            return
        with self._lock:
            until = self._clock() + seconds
            if until > self._paused_until:
                self._paused_until = until

    def paused_until(self) -> float:
        """Clock time before which no slot is handed out (``-inf`` if never paused)."""
        with self._lock:
            return self._paused_until
