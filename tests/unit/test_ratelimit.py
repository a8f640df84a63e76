"""RateLimiter: evenly spaced slots, pauses after a 429, and thread safety."""

from __future__ import annotations

import itertools
import sys
import threading
import time

import pytest

from acorders.api.ratelimit import RateLimiter
from tests.fakes import FakeClock


def limiter(rate: float, clock: FakeClock) -> RateLimiter:
    return RateLimiter(rate, clock=clock, sleep=clock.sleep)


def test_first_acquire_does_not_wait() -> None:
    clock = FakeClock(100.0)
    assert limiter(5, clock).acquire() == 100.0
    assert clock.sleeps == []


def test_slots_are_evenly_spaced() -> None:
    """Five a second, evenly spaced; the sixth waits for the first to leave the window plus its 10 ms margin
    (issue 12: exactly 5/s collides with a server's sliding window as soon as arrivals jitter)."""
    clock = FakeClock()
    rl = limiter(5, clock)
    slots = [rl.acquire() for _ in range(6)]
    assert slots == pytest.approx([0.0, 0.2, 0.4, 0.6, 0.8, 1.01])
    assert clock.sleeps == pytest.approx([0.2] * 4 + [0.21])


def test_no_burst_after_idle_time() -> None:
    """A token bucket would let 5 requests through at once after idling; the server's may be smaller."""
    clock = FakeClock()
    rl = limiter(5, clock)
    rl.acquire()
    clock.now += 10.0  # idle
    first, second = rl.acquire(), rl.acquire()
    assert first == pytest.approx(10.0)
    assert second - first == pytest.approx(0.2)


def test_caller_that_arrives_late_is_not_delayed() -> None:
    clock = FakeClock()
    rl = limiter(5, clock)
    rl.acquire()
    clock.now += 0.5
    assert rl.acquire() == pytest.approx(0.5)
    assert clock.sleeps == []


@pytest.mark.parametrize("rate", [0, -1])
def test_unlimited_rate_never_sleeps(rate: float) -> None:
    clock = FakeClock()
    rl = limiter(rate, clock)
    for _ in range(100):
        rl.acquire()
    assert clock.sleeps == []
    assert rl.interval == 0


def test_pause_holds_back_the_next_slot() -> None:
    clock = FakeClock()
    rl = limiter(5, clock)
    rl.acquire()
    rl.pause(7)
    assert rl.paused_until() == pytest.approx(7.0)
    assert rl.acquire() == pytest.approx(7.0)
    assert rl.acquire() == pytest.approx(7.2)  # spacing resumes after the pause


def test_pause_applies_even_when_unlimited() -> None:
    clock = FakeClock()
    rl = limiter(0, clock)
    rl.pause(3)
    assert rl.acquire() == pytest.approx(3.0)
    assert clock.sleeps == pytest.approx([3.0])


def test_pauses_only_extend() -> None:
    clock = FakeClock()
    rl = limiter(5, clock)
    rl.pause(10)
    rl.pause(3)
    assert rl.paused_until() == pytest.approx(10.0)
    rl.pause(0)
    rl.pause(-5)
    rl.pause(float("nan"))
    assert rl.acquire() == pytest.approx(10.0)


def test_pause_is_relative_to_now() -> None:
    clock = FakeClock()
    rl = limiter(5, clock)
    rl.pause(10)
    clock.now = 8.0
    rl.pause(5)  # ends at 13, later than 10: extends
    assert rl.paused_until() == pytest.approx(13.0)


def test_pause_that_starts_while_sleeping_moves_the_slot() -> None:
    """Another thread hits a 429 while we wait for our slot: we must not fire into the rate limit."""
    clock = FakeClock()

    def sleep_while_another_thread_gets_429(seconds: float) -> None:
        clock.sleep(seconds)
        if len(clock.sleeps) == 1:
            rl.pause(5)

    rl = RateLimiter(5, clock=clock, sleep=sleep_while_another_thread_gets_429)
    rl.acquire()
    slot = rl.acquire()  # reserved 0.2; during its sleep a pause until 0.2 + 5 starts
    assert slot >= 5.2 - 1e-9
    assert clock.now >= 5.2 - 1e-9


def test_concurrent_threads_never_share_a_slot() -> None:
    """Real clock, 200/s: slots handed to 8 threads are never closer than 1/rate."""
    rate, threads, per_thread = 200.0, 8, 6

    def yielding_clock() -> float:
        """The real clock, but it lets other threads run, so an unlocked reservation would race."""
        now = time.monotonic()
        time.sleep(0.0002)
        return now

    rl = RateLimiter(rate, clock=yielding_clock)
    switch_interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible: races show up
    slots: list[float] = []
    woke: list[float] = []
    lock = threading.Lock()
    start = time.monotonic()
    barrier = threading.Barrier(threads)

    def work() -> None:
        barrier.wait()
        for _ in range(per_thread):
            slot = rl.acquire()
            now = time.monotonic()
            with lock:
                slots.append(slot)
                woke.append(now)

    pool = [threading.Thread(target=work) for _ in range(threads)]
    for t in pool:
        t.start()
    try:
        for t in pool:
            t.join(timeout=10)
    finally:
        sys.setswitchinterval(switch_interval)
    assert len(slots) == threads * per_thread
    slots.sort()
    gaps = [b - a for a, b in itertools.pairwise(slots)]
    assert min(gaps) >= 1 / rate - 1e-9
    # Nobody returns before its slot: the i-th return is no earlier than the i-th slot.
    woke.sort()
    assert all(w >= s - 1e-6 for w, s in zip(woke, slots, strict=True))
    assert woke[-1] - start >= (len(slots) - 1) / rate - 1e-6
