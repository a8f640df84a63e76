"""The transport tells the limiter what answers say (RateLimit headers, 429s), and stops sending when the
API asks to wait longer than the run may spend. HTTP is mocked; sleeping goes to a fake clock."""

from __future__ import annotations

import email.utils
from collections.abc import Iterator
from typing import Any

import pytest
import responses

from acorders.api.client import Client
from acorders.api.ratelimit import RateLimiter
from acorders.errors import OutcomeUnknown, RequestFailed, WaitTooLong
from tests.fakes import FakeClock

KEY = "KEY-SECRET-pacing-0123456789"
BASE = "https://acct.api-us1.com"
ME = BASE + "/api/3/users/me"
NOW = 1_800_000_000.0


@pytest.fixture
def mock() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def client(clock: FakeClock, rate: float = 5.0, **kwargs: Any) -> Client:
    limiter = RateLimiter(rate, clock=clock, sleep=clock.sleep)
    return Client(BASE, KEY, limiter=limiter, sleep=clock.sleep, wall_clock=lambda: NOW, **kwargs)


def test_ratelimit_headers_of_an_answer_reach_the_limiter(
    mock: responses.RequestsMock, clock: FakeClock
) -> None:
    mock.get(ME, json={"user": {"id": "1"}}, headers={"RateLimit-Limit": "2", "RateLimit-Remaining": "1"})
    c = client(clock)
    c.me()
    assert c.limiter.current_rate == 2


@pytest.mark.parametrize("status", [429, 503])
def test_a_429_or_503_lowers_the_rate(mock: responses.RequestsMock, clock: FakeClock, status: int) -> None:
    """Under load ActiveCampaign answers 503 as often as 429."""
    mock.get(ME, status=status, headers={"Retry-After": "1"})
    mock.get(ME, json={"user": {"id": "1"}})
    c = client(clock)
    c.me()
    assert c.limiter.current_rate < 5
    assert clock.sleeps and max(clock.sleeps) == pytest.approx(1.0)


@pytest.mark.parametrize("status", [429, 503])
def test_a_wait_longer_than_the_budget_stops_every_later_request(
    mock: responses.RequestsMock, clock: FakeClock, status: int
) -> None:
    mock.get(ME, status=status, headers={"Retry-After": "3600"})
    c = client(clock, max_retry_seconds=120)
    with pytest.raises(WaitTooLong) as first:
        c.me()
    assert isinstance(first.value, RequestFailed) and first.value.status == status
    assert first.value.wait == 3600
    with pytest.raises(WaitTooLong):
        c.me()  # nothing more is sent
    assert len(mock.calls) == 1 and clock.sleeps == []
    assert KEY not in first.value.message


def test_the_503_message_says_maintenance(mock: responses.RequestsMock, clock: FakeClock) -> None:
    mock.get(ME, status=503, headers={"Retry-After": "3600"}, body="<html>Maintenance</html>")
    with pytest.raises(WaitTooLong) as info:
        client(clock, max_retry_seconds=120).me()
    assert info.value.message.startswith(
        "ActiveCampaign asked to wait 3600 s; the account may be in maintenance"
    )


def test_the_429_message_names_the_wait(mock: responses.RequestsMock, clock: FakeClock) -> None:
    mock.get(ME, status=429, headers={"Retry-After": email.utils.formatdate(NOW + 900, usegmt=True)})
    with pytest.raises(WaitTooLong) as info:
        client(clock, max_retry_seconds=120).me()
    assert info.value.message.startswith("ActiveCampaign asked to wait 900 s (HTTP 429, rate limited)")
    assert "120 s" in info.value.message


def test_a_create_answered_503_with_a_long_wait_is_settled_later_and_stops_the_run(
    mock: responses.RequestsMock, clock: FakeClock
) -> None:
    """A 503 to a POST may have been applied: the cart is an unknown outcome (a rerun looks it up), and
    nothing more is sent, the look-up included, for the hour the API asked."""
    orders = BASE + "/api/3/ecomOrders"
    mock.post(orders, status=503, headers={"Retry-After": "3600"}, body="<html>Maintenance</html>")
    c = client(clock, max_retry_seconds=120)
    with pytest.raises(OutcomeUnknown):
        c.request("POST", "/ecomOrders", body={"ecomOrder": {"externalcheckoutid": "x"}})
    with pytest.raises(WaitTooLong, match="asked to wait 3600 s; the account may be in maintenance"):
        c.me()
    assert len(mock.calls) == 1
