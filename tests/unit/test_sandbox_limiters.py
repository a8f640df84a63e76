"""The sandbox's limiter shapes (bucket, sliding 1 s window, fixed window aligned to the second) and its
latency jitter, on a fake clock: no sleeping, no sockets."""

from __future__ import annotations

import pytest

from acorders.sandbox import SandboxConfig
from acorders.sandbox.limiters import SHAPES, Latency, Limiter


class Clock:
    def __init__(self, now: float = 1000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now


def run(shape: str, rate: float, times: list[float]) -> list[tuple[float, bool, dict[str, str]]]:
    """Each request of ``times`` (absolute, ascending) through one limiter: (time, allowed, headers)."""
    clock = Clock(times[0])
    limiter = Limiter(clock)
    out = []
    for t in times:
        clock.now = t
        allowed, headers = limiter.take(shape, rate)
        out.append((t, allowed, headers))
    return out


def steady(start: float, per_second: float, seconds: float) -> list[float]:
    n = int(per_second * seconds)
    return [start + i / per_second for i in range(n)]


def accepted_in_any_window(results: list[tuple[float, bool, dict[str, str]]], width: float = 1.0) -> int:
    """The most accepted requests in any half-open window [t, t + width) starting at an accepted one."""
    times = [t for t, ok, _ in results if ok]
    return max((sum(1 for u in times if t <= u < t + width) for t in times), default=0)


def test_the_config_knobs_exist_with_their_defaults() -> None:
    config = SandboxConfig()
    assert (config.limiter, config.jitter) == ("bucket", 0.0)
    assert SHAPES == ("bucket", "sliding", "fixed")
    with pytest.raises(ValueError, match="bucket, sliding, fixed"):
        SandboxConfig(limiter="leaky")


def test_bucket_lets_a_burst_through_then_trickles() -> None:
    results = run("bucket", 5, [1000.0] * 8 + [1000.25, 1000.5])
    assert [ok for _, ok, _ in results] == [True] * 5 + [False] * 3 + [True, True]
    assert results[0][2] == {"RateLimit-Limit": "5", "RateLimit-Remaining": "4"}
    refused = results[5][2]
    assert refused["RateLimit-Remaining"] == "0" and refused["Retry-After"] == "1"


def test_sliding_never_lets_more_than_n_into_any_second() -> None:
    results = run("sliding", 5, steady(1000.0, 12, 5))  # 12/s offered for 5 s
    assert accepted_in_any_window(results) == 5
    assert sum(ok for _, ok, _ in results) in range(25, 27)  # 5 a second, and the first window's burst
    first_refusal = next(h for _, ok, h in results if not ok)
    assert first_refusal["RateLimit-Remaining"] == "0" and first_refusal["RateLimit-Limit"] == "5"


def test_sliding_refusal_says_when_the_oldest_request_leaves_the_window() -> None:
    results = run("sliding", 5, [1000.0, 1000.1, 1000.2, 1000.3, 1000.4, 1000.5, 1001.05, 1001.08])
    assert [ok for _, ok, _ in results] == [True] * 5 + [False, True, False]
    assert results[5][2]["Retry-After"] == "1"
    assert results[6][2]["RateLimit-Remaining"] == "0"  # 1000.1 .. 1000.4 and 1001.05 are in the window


def test_fixed_window_is_aligned_to_the_second_and_allows_2n_around_a_boundary() -> None:
    times = [1000.9 + i * 0.01 for i in range(6)] + [1001.0 + i * 0.01 for i in range(6)]
    results = run("fixed", 5, times)
    assert [ok for _, ok, _ in results] == [True] * 5 + [False] + [True] * 5 + [False]
    assert accepted_in_any_window(results) == 10  # the shape a client must not trust to smooth bursts
    assert results[5][2]["Retry-After"] == "1"  # 0.05 s to the next second, rounded up to the API's unit
    assert results[6][2]["RateLimit-Remaining"] == "4"


def test_window_shapes_average_the_rate_when_it_is_not_an_integer() -> None:
    for shape in ("sliding", "fixed"):
        results = run(shape, 2.5, steady(1000.0, 50, 8))
        assert sum(ok for _, ok, _ in results) in range(20, 23), shape  # 2.5/s over 8 s, +1 window


def test_every_shape_holds_its_rate_over_time_and_refuses_with_retry_after() -> None:
    for shape in SHAPES:
        results = run(shape, 5, steady(1000.0, 20, 10))
        accepted = sum(ok for _, ok, _ in results)
        assert 50 <= accepted <= 56, (shape, accepted)
        assert all(int(h["Retry-After"]) >= 1 for _, ok, h in results if not ok), shape


def test_rate_zero_disables_and_a_change_starts_afresh() -> None:
    clock = Clock()
    limiter = Limiter(clock)
    assert all(limiter.take("fixed", 0) == (True, {}) for _ in range(100))
    assert [limiter.take("sliding", 2)[0] for _ in range(3)] == [True, True, False]
    assert [limiter.take("bucket", 2)[0] for _ in range(3)] == [True, True, False]  # new shape: afresh
    assert [limiter.take("bucket", 3)[0] for _ in range(4)] == [True, True, True, False]  # new rate


def test_unknown_shape_is_refused() -> None:
    with pytest.raises(ValueError, match="not 'leaky'"):
        Limiter(Clock()).take("leaky", 5)


def test_jitter_is_uniform_around_the_latency_and_replayable() -> None:
    first = Latency(seed=7)
    delays = [first.delay(0.3, 0.1) for _ in range(2000)]
    assert all(0.2 <= d <= 0.4 for d in delays)
    assert abs(sum(delays) / len(delays) - 0.3) < 0.005
    assert min(delays) < 0.21 and max(delays) > 0.39  # spread over the whole interval
    again = Latency(seed=7)
    assert [again.delay(0.3, 0.1) for _ in range(2000)] == delays
    assert Latency(seed=None).delay(0.3, 0.0) == 0.3
    assert all(Latency(seed=1).delay(0.05, 0.1) >= 0 for _ in range(100))  # never negative
