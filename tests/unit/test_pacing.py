"""Pacing against simulated servers of each limiter shape, on a fake clock: no sleeping, no sockets.

The servers are the sandbox's own limiter shapes (token bucket, sliding 1 s window, fixed window aligned to
the second), fed with the times requests reach them; latency (0.2-0.4 s) is added to the answers, a few
milliseconds of transit and of late wake-ups to the requests, as on a loaded machine.
"""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass, field

import pytest

from acorders.api.ratelimit import RateLimiter
from acorders.errors import RequestFailed
from acorders.sandbox.limiters import SHAPES, Bucket, Fixed, Sliding
from tests.fakes import FakeClock

SERVERS = {"bucket": Bucket, "sliding": Sliding, "fixed": Fixed}
START = 1000.37  # not on a second: fixed windows start mid-way


@dataclass
class Outcome:
    """What a simulated push did."""

    carts: int
    requests: int = 0
    refused: int = 0
    first_send: float = float("inf")
    last_answer: float = 0.0
    sends: list[float] = field(default_factory=list)

    @property
    def per_second(self) -> float:
        return self.carts / (self.last_answer - self.first_send)

    @property
    def share_429(self) -> float:
        return self.refused / self.requests


def simulate(
    shape: str,
    *,
    carts: int = 200,
    workers: int = 8,
    rate: float = 5.0,
    seed: int = 1,
    transit: float = 0.003,
    oversleep: float = 0.002,
    foreign: float = 0.0,
) -> Outcome:
    """A push of ``carts`` single-request carts by ``workers`` threads, as events in time order.

    ``foreign``: requests/s another integration of the account sends to the same server, evenly."""
    rng = random.Random(seed)
    clock = FakeClock(START)
    limiter = RateLimiter(rate, clock=clock, sleep=clock.sleep)
    server = SERVERS[shape](5.0, START)
    out = Outcome(carts)
    events: list[tuple[float, int, str, float, dict[str, str]]] = []
    serial = iter(range(10**9))

    def at(when: float, kind: str, sent: float = 0.0, headers: dict[str, str] | None = None) -> None:
        heapq.heappush(events, (when, next(serial), kind, sent, headers or {}))

    left = carts  # not yet taken by a thread
    for _ in range(min(workers, carts)):
        at(START, "ready")
        left -= 1
    if foreign:
        at(START + rng.random() / foreign, "foreign")
    done = 0
    while events:
        now, _, kind, sent, headers = heapq.heappop(events)
        clock.now = max(clock.now, now)
        if kind == "foreign":
            server.take(now)
            if done < carts:
                at(now + 1 / foreign, "foreign")
        elif kind == "ready":
            wait = limiter.poll()
            if wait > 0:
                at(now + wait + rng.uniform(0, oversleep), "ready")
                continue
            out.requests += 1
            out.first_send = min(out.first_send, now)
            out.sends.append(now)
            at(now + rng.uniform(0, transit), "arrive", now)
        elif kind == "arrive":
            allowed, headers = server.take(now)
            at(now + rng.uniform(0.2, 0.4), "ok" if allowed else "429", sent, headers)
            if allowed:
                done += 1
        elif kind == "ok":
            out.last_answer = max(out.last_answer, now)
            limiter.answered(sent, headers)
            if left > 0:  # the thread takes the next cart
                left -= 1
                at(now, "ready")
        else:  # a 429: everyone pauses for Retry-After (1 s, whole seconds), the thread tries again
            out.refused += 1
            limiter.throttled()
            limiter.pause(1.0)
            at(now + 1.0, "ready")
    return out


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("shape", SHAPES)
def test_reaches_95_percent_of_the_limit_with_at_most_2_percent_429s(shape: str, seed: int) -> None:
    out = simulate(shape, seed=seed)
    assert out.per_second >= 0.95 * 5, (out.per_second, out.refused)
    assert out.share_429 <= 0.02, (out.refused, out.requests)


@pytest.mark.parametrize("shape", SHAPES)
def test_never_more_than_the_limit_in_any_second_at_send_time(shape: str) -> None:
    sends = simulate(shape, oversleep=0.02).sends
    for i in range(len(sends) - 5):
        assert sends[i + 5] - sends[i] > 1.0, (i, sends[i : i + 6])


@pytest.mark.parametrize("shape", SHAPES)
def test_late_wake_ups_do_not_crowd_a_window(shape: str) -> None:
    """Threads that wake 20 ms late still leave the server's window room (checked at send time)."""
    out = simulate(shape, oversleep=0.02, seed=4)
    assert out.refused == 0


@pytest.mark.parametrize("shape", SHAPES)
def test_acquire_with_late_wake_ups_is_never_refused(shape: str) -> None:
    """The blocking API: each send reaches the server a few ms after acquire returns, and sleeps overrun
    by up to 2 ms. Evenly spaced slots at exactly 5/s are refused by a sliding window half the time."""
    rng = random.Random(7)
    clock = FakeClock(START)

    def late_sleep(seconds: float) -> None:
        clock.sleep(seconds + rng.uniform(0, 0.002))

    limiter = RateLimiter(5, clock=clock, sleep=late_sleep)
    server = SERVERS[shape](5.0, START)
    refused = 0
    for _ in range(100):
        limiter.acquire()
        clock.now += rng.uniform(0, 0.003)  # on its way
        allowed, _ = server.take(clock.now)
        refused += not allowed
    assert refused == 0
    assert clock.now - START <= 100 / (0.97 * 5)


@pytest.mark.parametrize("foreign", [1.0, 2.0])
@pytest.mark.parametrize("shape", SHAPES)
def test_another_integration_of_the_account_is_left_its_share(shape: str, foreign: float) -> None:
    """The shop's plugin spends 1 or 2 requests/s of the account's 5: RateLimit-Remaining shows it, AIMD
    settles the rest; few of our requests are refused and we still get most of what is left. (Without
    following RateLimit-Remaining, 7-20 % are refused by the windows.)"""
    out = simulate(shape, foreign=foreign, carts=150)
    assert out.share_429 <= 0.05, (out.refused, out.requests)
    assert out.per_second >= 0.8 * (5 - foreign), out.per_second


# -- the server's headers ------------------------------------------------------------------------------


def limiter(rate: float = 5.0) -> tuple[RateLimiter, FakeClock]:
    clock = FakeClock(START)
    return RateLimiter(rate, clock=clock, sleep=clock.sleep), clock


def test_a_lower_ratelimit_limit_lowers_the_ceiling() -> None:
    rl, clock = limiter(5)
    sent = rl.acquire()
    rl.answered(sent, {"RateLimit-Limit": "2", "RateLimit-Remaining": "1"})
    assert rl.current_rate == 2
    second = rl.acquire()
    third = rl.acquire()
    assert second - sent == pytest.approx(0.5)
    assert third - sent >= 1.0  # two per window


def test_a_higher_ratelimit_limit_never_raises_rate() -> None:
    """--rate is an upper bound: the account may allow more, the user leaves it to other integrations."""
    rl, _ = limiter(2)
    sent = rl.acquire()
    rl.answered(sent, {"RateLimit-Limit": "10", "RateLimit-Remaining": "9"})
    assert rl.current_rate == 2


def test_remaining_below_what_our_sends_explain_shrinks_the_budget() -> None:
    """We sent 1 of the window; the server has 1 left of 5: others spent 3; we get 2 for a window."""
    rl, clock = limiter(5)
    sent = rl.acquire()
    rl.answered(sent, {"RateLimit-Limit": "5", "RateLimit-Remaining": "1"})
    assert rl.acquire() == pytest.approx(START + 0.2)
    assert rl.acquire() >= START + 1.0


def test_remaining_that_our_sends_explain_changes_nothing() -> None:
    rl, clock = limiter(5)
    slots = []
    for left in range(4, -1, -1):
        slots.append(rl.acquire())
        rl.answered(slots[-1], {"RateLimit-Limit": "5", "RateLimit-Remaining": str(left)})
    assert slots[-1] - slots[0] == pytest.approx(0.8)


@pytest.mark.parametrize("headers", [{}, {"RateLimit-Limit": "x", "RateLimit-Remaining": "-1"}])
def test_missing_or_odd_headers_are_ignored(headers: dict[str, str]) -> None:
    rl, _ = limiter(5)
    rl.answered(rl.acquire(), headers)
    assert rl.current_rate == 5


def test_a_429_lowers_the_rate_and_clean_answers_probe_back_up() -> None:
    rl, clock = limiter(5)
    rl.throttled()
    assert rl.current_rate == pytest.approx(3.75)
    rl.throttled()
    assert rl.current_rate < 3
    for _ in range(40):
        rl.answered(rl.acquire(), {})
    assert rl.current_rate == 5


def test_the_rate_never_drops_below_one_per_second() -> None:
    rl, _ = limiter(5)
    for _ in range(50):
        rl.throttled()
    assert rl.current_rate == 1


def test_a_closed_limiter_sends_nothing_more() -> None:
    rl, clock = limiter(5)
    rl.acquire()
    assert rl.closed is None
    error = RequestFailed("ActiveCampaign asked to wait 3600 s", 429)
    rl.close(error)
    rl.close(RequestFailed("a later one", 429))
    assert rl.closed is error
    with pytest.raises(RequestFailed, match="3600 s"):
        rl.acquire()
    with pytest.raises(RequestFailed):
        rl.poll()
