"""Client: every status the API (or a proxy in front of it) answers, retries, unknown outcomes, key hygiene.

All HTTP is mocked with ``responses``; sleeping goes to a fake clock, so nothing waits for real.
"""

from __future__ import annotations

import http.client
import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
import responses
from urllib3.exceptions import MaxRetryError, NewConnectionError, ProtocolError

import acorders.api.retry as retry
from acorders import __version__
from acorders.api.client import Client
from acorders.api.ratelimit import RateLimiter
from acorders.api.stats import RequestLog
from acorders.errors import (
    AuthError,
    ConfigError,
    NotFound,
    OutcomeUnknown,
    Rejected,
    RequestFailed,
    WrongURLError,
)
from tests.fakes import FakeClock

KEY = "KEY-SECRET-1234567890abcdef"
BASE = "https://acct.api-us1.com"
API = BASE + "/api/3"
ORDERS = API + "/ecomOrders"
ORDER = {
    "externalcheckoutid": "cart-1",
    "email": "a@example.com",
    "totalPrice": 9111,
    "currency": "USD",
    "connectionid": "1",
    "customerid": "7",
    "source": 1,
}
CREATED = {
    "connections": [],
    "ecomOrderProducts": [],
    "ecomOrderDiscounts": [],
    "ecomOrder": {**ORDER, "id": "123", "totalPrice": "9111", "currency": "usd", "connectionid": "1"},
}


class Harness:
    """A client wired to a fake clock, collecting every RequestLog and every exception raised."""

    def __init__(self) -> None:
        self.clock = FakeClock()
        self.logs: list[RequestLog] = []
        self.raised: list[BaseException] = []
        self.clients: list[Client] = []

    def client(self, **kwargs: Any) -> Client:
        kwargs.setdefault("limiter", RateLimiter(0, clock=self.clock, sleep=self.clock.sleep))
        kwargs.setdefault("sleep", self.clock.sleep)
        client = Client(BASE, KEY, on_request=self.logs.append, **kwargs)
        self.clients.append(client)
        return client

    def raises(self, exc_type: type[BaseException], call: Callable[[], Any]) -> Any:
        with pytest.raises(exc_type) as info:
            call()
        self.raised.append(info.value)
        return info.value


@pytest.fixture
def mock() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


@pytest.fixture
def h(caplog: pytest.LogCaptureFixture) -> Iterator[Harness]:
    """Every test runs with DEBUG logging; afterwards the key must appear nowhere we produced."""
    caplog.set_level(logging.DEBUG)
    harness = Harness()
    yield harness
    assert KEY not in caplog.text
    assert all(KEY not in repr(entry) for entry in harness.logs)
    assert all(KEY not in repr(c) and KEY not in str(c) for c in harness.clients)
    for exc in harness.raised:
        _assert_no_key(exc)


def _assert_no_key(exc: BaseException) -> None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        texts = [str(current), repr(current), *map(str, vars(current).values())]
        assert all(KEY not in t for t in texts), texts
        current = current.__cause__ or current.__context__


def refused() -> requests.ConnectionError:
    """What requests raises when nothing listens: ConnectionError(MaxRetryError(NewConnectionError))."""
    reason = NewConnectionError(None, "Failed to establish a new connection: [Errno 111] Connection refused")
    reason.__cause__ = ConnectionRefusedError(111, "Connection refused")
    return requests.ConnectionError(MaxRetryError(None, "/api/3/ecomOrders", reason=reason))


def dropped() -> requests.ConnectionError:
    """What requests raises when the server closes the connection after getting the request."""
    return requests.ConnectionError(
        ProtocolError("Connection aborted.", http.client.RemoteDisconnected("Remote end closed connection"))
    )


def sent_bodies(mock: responses.RequestsMock, method: str = "POST") -> list[Any]:
    return [json.loads(c.request.body) for c in mock.calls if c.request.method == method]


def count(mock: responses.RequestsMock, method: str) -> int:
    return sum(1 for c in mock.calls if c.request.method == method)


# -- successful answers ---------------------------------------------------------------------------------


def test_create_order_parses_leniently_and_sends_headers(mock: responses.RequestsMock, h: Harness) -> None:
    body = json.loads(json.dumps(CREATED))
    body["ecomOrder"]["id"] = 123  # a number this time
    mock.post(ORDERS, json=body, status=201)
    record, settled_by_lookup = h.client().create_order(ORDER, lookup=lambda: pytest.fail("no lookup needed"))
    assert settled_by_lookup is False
    assert record["id"] == "123"
    assert record["totalPrice"] == "9111" and record["currency"] == "usd"
    request = mock.calls[0].request
    assert json.loads(request.body) == {"ecomOrder": ORDER}
    assert request.headers["Api-Token"] == KEY
    assert request.headers["User-Agent"] == f"acorders/{__version__}"
    assert request.headers["Accept"] == "application/json"
    assert request.headers["Content-Type"] == "application/json"
    assert h.logs == [RequestLog("POST", "/ecomOrders", 201, h.logs[0].duration, 1, None)]


def test_update_order_puts_to_the_id(mock: responses.RequestsMock, h: Harness) -> None:
    mock.put(ORDERS + "/42", json={"ecomOrder": {"id": "42", "externalid": "o-1", "state": "3"}}, status=200)
    record = h.client().update_order("42", {"externalid": "o-1"})
    assert record == {"id": "42", "externalid": "o-1", "state": "3"}
    assert sent_bodies(mock, "PUT") == [{"ecomOrder": {"externalid": "o-1"}}]


def test_get_and_delete_order(mock: responses.RequestsMock, h: Harness) -> None:
    mock.get(ORDERS + "/5", json={"ecomOrder": {"id": 5, "connectionid": 1, "totalPrice": 100}})
    mock.delete(ORDERS + "/5", json={})
    client = h.client()
    assert client.get_order("5") == {"id": "5", "connectionid": "1", "totalPrice": 100}
    assert client.delete_order("5") is None
    assert [c.request.method for c in mock.calls] == ["GET", "DELETE"]


def test_me(mock: responses.RequestsMock, h: Harness) -> None:
    mock.get(API + "/users/me", json={"user": {"id": "1", "username": "admin"}})
    assert h.client().me() == {"id": "1", "username": "admin"}


# -- final errors ---------------------------------------------------------------------------------------


def test_403_is_an_auth_error_without_retry(mock: responses.RequestsMock, h: Harness) -> None:
    mock.post(ORDERS, json={"message": "Forbidden"}, status=403)
    exc = h.raises(AuthError, lambda: h.client().create_order(ORDER, lookup=lambda: None))
    assert len(mock.calls) == 1
    assert exc.message == "ActiveCampaign refused the API key (HTTP 403)"
    assert (
        "ACTIVECAMPAIGN_API_KEY" in exc.hint
        and "--api-key" in exc.hint
        and "Settings > Developer" in exc.hint
    )


def test_404_json_is_not_found(mock: responses.RequestsMock, h: Harness) -> None:
    mock.put(ORDERS + "/0", json={"message": "No Result found for EcomOrder with id 0"}, status=404)
    mock.get(ORDERS + "/0", json={"message": "No Result found for EcomOrder with id 0"}, status=404)
    client = h.client()
    exc = h.raises(NotFound, lambda: client.update_order("0", {"source": 0}))
    assert exc.status == 404 and exc.message == "No Result found for EcomOrder with id 0"
    assert client.get_order("0") is None


@pytest.mark.parametrize("body", ["<html><body><h1>Not Found</h1></body></html>", "", "not json"])
def test_404_without_the_api_message_means_a_wrong_url(
    mock: responses.RequestsMock, h: Harness, body: str
) -> None:
    mock.get(ORDERS + "/5", body=body, status=404, content_type="text/html")
    exc = h.raises(WrongURLError, lambda: h.client().get_order("5"))
    assert (
        exc.message == f"{BASE} does not answer like an ActiveCampaign API (HTTP 404 on /api/3/ecomOrders/5)"
    )
    assert "Settings > Developer" in exc.hint and "api-us1.com" in exc.hint
    assert len(mock.calls) == 1


def test_422_pointers_become_our_paths(mock: responses.RequestsMock, h: Harness) -> None:
    mock.post(
        ORDERS,
        status=422,
        json={
            "errors": [
                {
                    "title": "The price is invalid",
                    "detail": "must be >= 0",
                    "code": "field_invalid",
                    "source": {"pointer": "/data/attributes/orderProducts/0/price"},
                },
                {
                    "title": "Email is missing",
                    "detail": "",
                    "code": "field_missing",
                    "source": {"pointer": "/data/attributes/email"},
                },
            ]
        },
    )
    exc = h.raises(Rejected, lambda: h.client().create_order(ORDER, lookup=lambda: None))
    assert exc.status == 422
    assert exc.errors == [
        ("ecomOrder.orderProducts[0].price", "The price is invalid (must be >= 0)"),
        ("ecomOrder.email", "Email is missing"),
    ]
    assert exc.codes == ["field_invalid", "field_missing"]
    assert not exc.duplicate
    assert "ecomOrder.orderProducts[0].price" in exc.message and "1 more" in exc.message
    assert len(mock.calls) == 1


def test_422_string_errors_and_entries_without_source(mock: responses.RequestsMock, h: Harness) -> None:
    mock.post(
        ORDERS,
        status=422,
        json={
            "errors": [
                "Something is wrong",
                {"title": "No source here"},
                {"detail": "only a detail", "code": "x"},
                42,
            ]
        },
    )
    exc = h.raises(Rejected, lambda: h.client().create_order(ORDER, lookup=lambda: None))
    assert exc.errors == [
        (None, "Something is wrong"),
        (None, "No source here"),
        (None, "only a detail"),
        (None, "42"),
    ]
    assert exc.codes == [None, None, "x", None]


@pytest.mark.parametrize(
    "entry",
    [
        {
            "title": "Already exists",
            "code": "duplicate",
            "source": {"pointer": "/data/attributes/externalcheckoutid"},
        },
        {"title": "Duplicate externalcheckoutid"},
        "duplicate entry",
    ],
)
def test_422_duplicate_is_detectable(mock: responses.RequestsMock, h: Harness, entry: Any) -> None:
    mock.post(ORDERS, status=422, json={"errors": [entry]})
    exc = h.raises(Rejected, lambda: h.client().create_order(ORDER, lookup=lambda: None))
    assert exc.duplicate


def test_400_with_empty_object(mock: responses.RequestsMock, h: Harness) -> None:
    mock.post(ORDERS, status=400, json={})
    exc = h.raises(Rejected, lambda: h.client().create_order(ORDER, lookup=lambda: None))
    assert exc.message == "ActiveCampaign answered 400 Bad Request with an empty error ({})"
    assert exc.status == 400 and exc.errors == [(None, exc.message)]
    assert len(mock.calls) == 1


def test_other_4xx_with_html_is_rejected_readably(mock: responses.RequestsMock, h: Harness) -> None:
    mock.post(
        ORDERS,
        status=413,
        body="<html><head><title>413 Request Entity Too Large</title></head>"
        "<body><h1>413</h1><hr>nginx</body></html>",
    )
    exc = h.raises(Rejected, lambda: h.client().create_order(ORDER, lookup=lambda: None))
    assert (
        exc.message == "ActiveCampaign answered 413 Request Entity Too Large: '413 Request Entity Too Large'"
    )


def test_a_body_echoing_the_key_is_redacted(mock: responses.RequestsMock, h: Harness) -> None:
    mock.post(ORDERS, status=400, body=f"<p>bad request, headers: Api-Token: {KEY}</p>")
    exc = h.raises(Rejected, lambda: h.client().create_order(ORDER, lookup=lambda: None))
    assert "***" in exc.message


def test_redirects_are_not_followed(mock: responses.RequestsMock, h: Harness) -> None:
    """Following one would send the Api-Token header to whatever host the redirect names."""
    mock.get(ORDERS + "/5", status=301, headers={"Location": "https://elsewhere.example/api/3/ecomOrders/5"})
    exc = h.raises(WrongURLError, lambda: h.client().get_order("5"))
    assert "https://elsewhere.example" in exc.message
    assert len(mock.calls) == 1


def test_2xx_that_is_not_json_is_a_temporary_failure(mock: responses.RequestsMock, h: Harness) -> None:
    mock.get(ORDERS + "/5", body="<html><title>Proxy login</title></html>", status=200)
    exc = h.raises(RequestFailed, lambda: h.client().get_order("5"))
    assert not isinstance(exc, OutcomeUnknown)
    assert "'Proxy login'" in exc.message and exc.status == 200


def test_2xx_not_json_to_a_create_is_settled_by_lookup(mock: responses.RequestsMock, h: Harness) -> None:
    mock.post(ORDERS, body="<html>OK</html>", status=201)
    found = {"id": "9", "externalcheckoutid": "cart-1"}
    assert h.client().create_order(ORDER, lookup=lambda: found) == (found, True)
    assert count(mock, "POST") == 1


# -- retries --------------------------------------------------------------------------------------------


def test_html_502_on_get_is_retried(mock: responses.RequestsMock, h: Harness) -> None:
    mock.get(ORDERS + "/5", status=502, body="<html><title>502 Bad Gateway</title></html>")
    mock.get(ORDERS + "/5", json={"ecomOrder": {"id": "5"}})
    assert h.client().get_order("5") == {"id": "5"}
    assert [e.status for e in h.logs] == [502, 200]
    assert [e.attempt for e in h.logs] == [1, 2]
    assert len(h.clock.sleeps) == 1


def test_html_502_on_create_is_looked_up_then_resent(mock: responses.RequestsMock, h: Harness) -> None:
    mock.post(ORDERS, status=502, body="<html><title>502 Bad Gateway</title></html>")
    mock.post(ORDERS, json=CREATED, status=201)
    lookups: list[int] = []
    record, settled_by_lookup = h.client().create_order(
        ORDER, lookup=lambda: lookups.append(count(mock, "POST"))
    )  # type: ignore[func-returns-value]
    assert (record["id"], settled_by_lookup) == ("123", False)
    assert lookups == [1]  # looked up after the first POST, before the second
    assert count(mock, "POST") == 2


def test_503_gives_up_after_exactly_max_attempts(mock: responses.RequestsMock, h: Harness) -> None:
    """A read answered 503 is retried within the budget. (A write answered 503 is an unknown outcome and is
    looked up first, issue 11 item 5: tests/unit/test_hostile_answers.py.)"""
    mock.get(API + "/users/me", status=503, body="<html>Service Unavailable</html>")
    exc = h.raises(RequestFailed, lambda: h.client(max_attempts=6).me())
    assert not isinstance(exc, OutcomeUnknown)
    assert len(mock.calls) == 6
    assert exc.message == "ActiveCampaign answered 503 Service Unavailable 6 times"
    assert exc.status == 503
    assert len(h.clock.sleeps) == 5


def test_429_honours_retry_after_and_pauses_every_thread(mock: responses.RequestsMock, h: Harness) -> None:
    mock.post(ORDERS, status=429, headers={"Retry-After": "7"}, json={"message": "Too many requests"})
    mock.post(ORDERS, json=CREATED, status=201)
    client = h.client()
    record, _ = client.create_order(ORDER, lookup=lambda: pytest.fail("429 is not processed"))
    assert record["id"] == "123"
    assert h.clock.sleeps == [7]
    assert client.limiter.paused_until() == 7
    assert client.stats.throttled == 1 and client.stats.requests == 2 and client.stats.retries == 1


def test_429_pause_holds_back_other_threads(mock: responses.RequestsMock, h: Harness) -> None:
    """The limiter, not only the sleeping thread, waits: another caller's next request comes after 7 s."""
    mock.get(API + "/users/me", status=429, headers={"Retry-After": "7"})
    mock.get(API + "/users/me", json={"user": {"id": "1"}})
    calls: list[float] = []

    def sleep_and_let_another_thread_acquire(seconds: float) -> None:
        calls.append(limiter.acquire())  # "another thread" asks for a slot while we sleep
        h.clock.sleep(seconds)

    limiter = RateLimiter(0, clock=h.clock, sleep=h.clock.sleep)
    h.client(limiter=limiter, sleep=sleep_and_let_another_thread_acquire).me()
    assert calls == [7]


def test_429_asking_longer_than_the_budget_gives_up_at_once(mock: responses.RequestsMock, h: Harness) -> None:
    mock.get(API + "/users/me", status=429, headers={"Retry-After": "3600"})
    client = h.client(max_retry_seconds=120)
    exc = h.raises(RequestFailed, client.me)
    assert len(mock.calls) == 1 and h.clock.sleeps == []
    assert exc.status == 429 and "3600 s" in exc.message
    assert client.limiter.paused_until() == float("-inf")  # nobody else is held for an hour either


@pytest.mark.parametrize("retry_after", [None, "soon", "Wed, 21 Oct 2015 07:28:00 GMT", "-3"])
def test_429_without_usable_retry_after_backs_off(
    mock: responses.RequestsMock, h: Harness, monkeypatch: pytest.MonkeyPatch, retry_after: str | None
) -> None:
    monkeypatch.setattr(retry._rng, "random", lambda: 1.0)
    mock.get(API + "/users/me", status=429, headers={"Retry-After": retry_after} if retry_after else {})
    mock.get(API + "/users/me", json={"user": {"id": "1"}})
    client = h.client()
    client.me()
    assert h.clock.sleeps == [0.5]
    assert client.limiter.paused_until() == 0.5


def test_backoff_grows_to_the_cap(
    mock: responses.RequestsMock, h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retry._rng, "random", lambda: 1.0)  # the top of every jitter range
    mock.get(API + "/users/me", status=500)
    h.raises(RequestFailed, h.client(max_attempts=10, max_retry_seconds=1000).me)
    assert h.clock.sleeps == [0.5, 1, 2, 4, 8, 16, 30, 30, 30]


def test_backoff_is_full_jitter(
    mock: responses.RequestsMock, h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retry._rng, "random", lambda: 0.25)
    mock.get(API + "/users/me", status=504)
    h.raises(RequestFailed, h.client(max_attempts=4).me)
    assert h.clock.sleeps == [0.125, 0.25, 0.5]


def test_total_retry_sleep_is_bounded(
    mock: responses.RequestsMock, h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retry._rng, "random", lambda: 1.0)
    mock.get(API + "/users/me", status=503)
    exc = h.raises(RequestFailed, h.client(max_attempts=50, max_retry_seconds=10).me)
    assert sum(h.clock.sleeps) == pytest.approx(10)
    assert max(h.clock.sleeps) <= 30
    assert len(mock.calls) == len(h.clock.sleeps) + 1 < 50
    assert "retry time limit of 10 s" in exc.message


def test_real_random_jitter_stays_within_bounds(mock: responses.RequestsMock, h: Harness) -> None:
    mock.get(API + "/users/me", status=503)
    h.raises(RequestFailed, h.client(max_attempts=12, max_retry_seconds=1e6).me)
    ceilings = [min(30, 0.5 * 2**i) for i in range(11)]
    assert all(0 <= s <= c for s, c in zip(h.clock.sleeps, ceilings, strict=False))


def test_get_timeouts_are_retried_blindly(mock: responses.RequestsMock, h: Harness) -> None:
    mock.get(ORDERS + "/5", body=requests.ReadTimeout("read timed out"))
    mock.get(ORDERS + "/5", body=dropped())
    mock.get(ORDERS + "/5", json={"ecomOrder": {"id": "5"}})
    assert h.client().get_order("5") == {"id": "5"}
    assert [(e.status, e.error, e.attempt) for e in h.logs] == [
        (None, "timeout", 1),
        (None, "connection dropped", 2),
        (200, None, 3),
    ]


def test_timeouts_exhausted(mock: responses.RequestsMock, h: Harness) -> None:
    mock.get(ORDERS + "/5", body=requests.ReadTimeout("read timed out"))
    exc = h.raises(RequestFailed, lambda: h.client(max_attempts=6).get_order("5"))
    assert exc.message == "timed out after 30 s (6 attempts)"
    assert exc.status is None and len(mock.calls) == 6


def test_put_dropped_connection_is_retried(mock: responses.RequestsMock, h: Harness) -> None:
    mock.put(ORDERS + "/5", body=dropped())
    mock.put(ORDERS + "/5", json={"ecomOrder": {"id": "5"}})
    assert h.client().update_order("5", {"source": 0}) == {"id": "5"}
    assert len(mock.calls) == 2


def test_connection_refused_is_retried_even_for_post(mock: responses.RequestsMock, h: Harness) -> None:
    mock.post(ORDERS, body=refused())
    mock.post(ORDERS, json=CREATED, status=201)
    record, settled_by_lookup = h.client().create_order(ORDER, lookup=lambda: pytest.fail("never sent"))
    assert (record["id"], settled_by_lookup) == ("123", False)
    assert h.logs[0].error == "connection refused"


def test_connect_timeout_is_retried_even_for_post(mock: responses.RequestsMock, h: Harness) -> None:
    mock.post(ORDERS, body=requests.ConnectTimeout("connect timed out"))
    mock.post(ORDERS, json=CREATED, status=201)
    assert h.client().create_order(ORDER, lookup=lambda: pytest.fail("never sent"))[0]["id"] == "123"


def test_connection_refused_exhausted(mock: responses.RequestsMock, h: Harness) -> None:
    mock.get(API + "/users/me", body=refused())
    exc = h.raises(RequestFailed, h.client(max_attempts=3).me)
    assert exc.message == f"could not connect to {BASE}: connection refused (3 attempts)"


# -- creates whose outcome is unknown -------------------------------------------------------------------


@pytest.mark.parametrize(
    "failure", [dropped, lambda: requests.ReadTimeout("read timed out")], ids=["dropped", "read-timeout"]
)
def test_unknown_create_found_by_lookup_is_not_resent(
    mock: responses.RequestsMock, h: Harness, failure: Callable[[], Exception]
) -> None:
    mock.post(ORDERS, body=failure())
    mock.post(ORDERS, json=CREATED, status=201)
    found = {"id": 77, "externalcheckoutid": "cart-1"}
    record, settled_by_lookup = h.client().create_order(ORDER, lookup=lambda: found)
    assert (record["id"], settled_by_lookup) == ("77", True)
    assert count(mock, "POST") == 1
    assert h.clock.sleeps and h.clock.sleeps[0] > 0  # the lost request had time to finish before the lookup


@pytest.mark.parametrize(
    "failure", [dropped, lambda: requests.ReadTimeout("read timed out")], ids=["dropped", "read-timeout"]
)
def test_unknown_create_not_found_is_resent_after_the_lookup(
    mock: responses.RequestsMock, h: Harness, failure: Callable[[], Exception]
) -> None:
    mock.post(ORDERS, body=failure())
    mock.post(ORDERS, json=CREATED, status=201)
    events: list[str] = []

    def lookup() -> None:
        events.append(f"lookup after {count(mock, 'POST')} POST")

    record, settled_by_lookup = h.client().create_order(ORDER, lookup=lookup)
    assert (record["id"], settled_by_lookup) == ("123", False)
    assert events == ["lookup after 1 POST"]
    assert count(mock, "POST") == 2


def test_every_post_is_followed_by_a_lookup_and_the_total_is_bounded(
    mock: responses.RequestsMock, h: Harness
) -> None:
    mock.post(ORDERS, status=500, json={"message": "Internal error"})
    events: list[str] = []

    def lookup() -> None:
        events.append("lookup")

    client = h.client(max_attempts=3)
    original = client.request

    def tracking_request(method: str, path: str, **kwargs: Any) -> dict:
        events.append(method)
        return original(method, path, **kwargs)

    client.request = tracking_request  # type: ignore[method-assign]
    exc = h.raises(OutcomeUnknown, lambda: client.create_order(ORDER, lookup=lookup))
    assert events == ["POST", "lookup"] * 3
    assert exc.status == 500 and "may or may not" in exc.message
    assert client.stats.unknown_outcomes == 3


def test_failed_lookup_leaves_the_outcome_unknown(mock: responses.RequestsMock, h: Harness) -> None:
    mock.post(ORDERS, body=requests.ReadTimeout("read timed out"))

    def lookup() -> None:
        raise RequestFailed("ActiveCampaign answered 503 Service Unavailable 6 times", 503)

    exc = h.raises(OutcomeUnknown, lambda: h.client().create_order(ORDER, lookup=lookup))
    assert "looking it up failed too" in exc.message
    assert count(mock, "POST") == 1


def test_low_level_post_never_resends_an_unknown_outcome(mock: responses.RequestsMock, h: Harness) -> None:
    mock.post(API + "/ecomCustomers", body=requests.ReadTimeout("read timed out"))
    exc = h.raises(
        OutcomeUnknown,
        lambda: h.client().create_customer(connectionid="1", externalid="c1", email="a@example.com"),
    )
    assert len(mock.calls) == 1 and h.clock.sleeps == []
    assert "timed out after 30 s" in exc.message
    assert h.logs[0].error == "timeout"


# -- lookups and lists ----------------------------------------------------------------------------------


def test_find_orders_keeps_only_exact_matches(mock: responses.RequestsMock, h: Harness) -> None:
    mock.get(
        ORDERS,
        json={
            "ecomOrders": [
                {"id": "1", "connectionid": "1", "externalcheckoutid": "123"},
                {"id": "2", "connectionid": "1", "externalcheckoutid": "1234"},  # a "contains" match
                {"id": "3", "connectionid": "2", "externalcheckoutid": "123"},  # another connection
                {"id": 4, "connectionid": 1, "externalcheckoutid": 123},  # numbers instead of strings
            ],
            "meta": {"total": "4"},
        },
    )
    found = h.client().find_orders(connectionid="1", externalcheckoutid="123")
    assert [r["id"] for r in found] == ["1", "4"]
    query = mock.calls[0].request.params
    assert query["filters[connectionid]"] == "1" and query["filters[externalcheckoutid]"] == "123"
    assert h.logs[0].path.startswith("/ecomOrders?filters[connectionid]=1&filters[externalcheckoutid]=123")


def test_find_orders_by_externalid_reads_every_page(mock: responses.RequestsMock, h: Harness) -> None:
    page1 = [{"id": str(i), "connectionid": "1", "externalid": f"9{i}"} for i in range(100)]
    page2 = [{"id": "500", "connectionid": "1", "externalid": "9"}]
    mock.get(ORDERS, json={"ecomOrders": page1, "meta": {"total": "101"}})
    mock.get(ORDERS, json={"ecomOrders": page2, "meta": {"total": "101"}})
    assert [r["id"] for r in h.client().find_orders(connectionid="1", externalid="9")] == ["500"]
    assert [c.request.params["offset"] for c in mock.calls] == ["0", "100"]


def test_find_orders_refuses_to_stop_early(mock: responses.RequestsMock, h: Harness) -> None:
    """A lookup that silently stopped after some pages could miss the cart and cause a duplicate."""
    page = [{"id": str(i), "connectionid": "1", "externalid": f"9{i}"} for i in range(100)]
    mock.get(ORDERS, json={"ecomOrders": page, "meta": {"total": "1000000"}})
    h.raises(RequestFailed, lambda: h.client().find_orders(connectionid="1", externalid="9"))
    assert len(mock.calls) == 100


def test_find_orders_needs_a_key(h: Harness) -> None:
    with pytest.raises(ValueError):
        h.client().find_orders(connectionid="1")


def test_list_orders(mock: responses.RequestsMock, h: Harness) -> None:
    mock.get(ORDERS, json={"ecomOrders": [{"id": 1}], "meta": {"total": "250"}})
    records, total = h.client().list_orders(connectionid="3", limit=50, offset=200)
    assert records == [{"id": "1"}] and total == 250
    # no orders[id] sort: the document has none for this list (issue 12; a listing is used only when whole)
    assert mock.calls[0].request.params == {"filters[connectionid]": "3", "limit": "50", "offset": "200"}


def test_find_customers_drops_other_connections(mock: responses.RequestsMock, h: Harness) -> None:
    mock.get(
        API + "/ecomCustomers",
        json={
            "ecomCustomers": [
                {"id": "1", "connectionid": "0", "email": "a@example.com"},  # the account-level row
                {"id": "2", "connectionid": "4", "email": "A@Example.com"},
                {"id": "3", "connectionid": "4", "email": "xa@example.com"},
            ],
            "meta": {"total": "3"},
        },
    )
    assert [r["id"] for r in h.client().find_customers(email="a@example.com", connectionid="4")] == ["2"]
    assert mock.calls[0].request.params["filters[email]"] == "a@example.com"


def test_email_with_plus_is_encoded(mock: responses.RequestsMock, h: Harness) -> None:
    mock.get(API + "/ecomCustomers", json={"ecomCustomers": [], "meta": {"total": "0"}})
    h.client().list_customers(email="a+b@example.com")
    assert mock.calls[0].request.params["filters[email]"] == "a+b@example.com"


def test_create_customer_and_connection(mock: responses.RequestsMock, h: Harness) -> None:
    mock.post(API + "/ecomCustomers", json={"ecomCustomer": {"id": 7, "connectionid": "1"}}, status=201)
    mock.post(API + "/connections", json={"connection": {"id": "3", "service": "shop"}}, status=200)
    mock.get(API + "/connections", json={"connections": [{"id": "3"}], "meta": {"total": "1"}})
    client = h.client()
    assert (
        client.create_customer(
            connectionid="1", externalid="c1", email="a@example.com", accepts_marketing=True
        )["id"]
        == "7"
    )
    # the document requires logoUrl and linkUrl (issue 12): both are sent
    created = client.create_connection(
        "shop", "shop-1", "My Shop", logo_url="https://shop/l.png", link_url="https://shop"
    )
    assert created["id"] == "3"
    assert client.list_connections(service="shop") == ([{"id": "3"}], 1)
    assert sent_bodies(mock) == [
        {
            "ecomCustomer": {
                "connectionid": "1",
                "externalid": "c1",
                "email": "a@example.com",
                "acceptsMarketing": "1",
            }
        },
        {
            "connection": {
                "service": "shop",
                "externalid": "shop-1",
                "name": "My Shop",
                "logoUrl": "https://shop/l.png",
                "linkUrl": "https://shop",
            }
        },
    ]


# -- plumbing -------------------------------------------------------------------------------------------


def test_repr_and_pool_size(h: Harness) -> None:
    client = h.client(workers=32)
    assert "acct.api-us1.com" in repr(client)
    adapter = client._session.get_adapter(BASE)
    assert adapter._pool_maxsize >= 32  # type: ignore[attr-defined]


def test_every_attempt_goes_through_the_limiter(mock: responses.RequestsMock, h: Harness) -> None:
    class CountingLimiter(RateLimiter):
        acquired = 0

        def acquire(self) -> float:
            CountingLimiter.acquired += 1
            return super().acquire()

    mock.get(API + "/users/me", status=503)
    mock.get(API + "/users/me", json={"user": {}})
    h.client(limiter=CountingLimiter(0, clock=h.clock, sleep=h.clock.sleep)).me()
    assert CountingLimiter.acquired == 2


def test_default_limiter_uses_the_rate(h: Harness) -> None:
    client = Client(BASE, KEY, rate=5)
    h.clients.append(client)
    assert client.limiter.interval == pytest.approx(0.2)
    client.close()


def test_context_manager_closes_its_own_session(monkeypatch: pytest.MonkeyPatch) -> None:
    closed: list[bool] = []
    monkeypatch.setattr(requests.Session, "close", lambda self: closed.append(True))
    with Client(BASE, KEY):
        pass
    assert closed == [True]
    with Client(BASE, KEY, session=requests.Session()):
        pass
    assert closed == [True]  # a session passed in belongs to the caller


@pytest.mark.parametrize(
    "key", ["", KEY + "\n", " " + KEY, KEY[:5] + "\u2019" + KEY[5:], KEY[:5] + "\x00" + KEY[5:]]
)
def test_unsendable_key_is_a_config_error_that_does_not_quote_it(key: str) -> None:
    """Left to requests/http.client, these fail with errors whose repr contains the key."""
    with pytest.raises(ConfigError) as info:
        Client(BASE, key)
    assert "SECRET" not in repr(info.value) and "SECRET" not in repr(vars(info.value))
    assert "ACTIVECAMPAIGN_API_KEY" in (info.value.hint or "")
