"""Issue 11, the client's side: answers that do not prove a write was not applied, ids that are not ids,
listings that may be incomplete, the key echoed encoded, and Retry-After as an HTTP date.

All HTTP is mocked with ``responses``; sleeping and the wall clock are a fake clock, so nothing waits.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from email.utils import format_datetime
from typing import Any

import pytest
import requests
import responses

import acorders.api.retry as retry
from acorders.api.client import Client
from acorders.api.ratelimit import RateLimiter
from acorders.errors import NotFound, OutcomeUnknown, Rejected, RequestFailed
from acorders.push.lookup import Remote
from tests.fakes import FakeClock
from tests.hostile import escape_html, escape_json, escape_url, exposes

KEY = "ZZTOPSECRET-c0ffee-4f1d-9e2b-7a7aK3YQ"
BASE = "https://acct.api-us1.com"
API = BASE + "/api/3"
ORDERS = API + "/ecomOrders"
ORDER = {"externalcheckoutid": "cart-1", "email": "a@example.com", "connectionid": "1", "customerid": "7"}
CREATED = {"ecomOrder": {**ORDER, "id": "123"}}
NOW = 1_700_000_000.0  # the fake wall clock's start


class Harness:
    def __init__(self) -> None:
        self.clock = FakeClock(NOW)
        self.raised: list[BaseException] = []

    def client(self, **kwargs: Any) -> Client:
        kwargs.setdefault("limiter", RateLimiter(0, clock=self.clock, sleep=self.clock.sleep))
        kwargs.setdefault("sleep", self.clock.sleep)
        return Client(BASE, KEY, wall_clock=self.clock, **kwargs)

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
    caplog.set_level(logging.DEBUG)
    harness = Harness()
    yield harness
    assert not exposes(caplog.text, KEY)
    for exc in harness.raised:
        texts = [str(exc), repr(exc), *map(repr, vars(exc).values())]
        assert not any(exposes(t, KEY) for t in texts), texts


def count(mock: responses.RequestsMock, method: str) -> int:
    return sum(1 for c in mock.calls if c.request.method == method)


# -- item 5: a write answered 5xx (503 too) or reset may have been applied -----------------------------


@pytest.mark.parametrize("status", [503, 500, 501, 507, 520])
def test_post_answered_5xx_is_looked_up_before_it_is_sent_again(
    mock: responses.RequestsMock, h: Harness, status: int
) -> None:
    mock.post(ORDERS, status=status, body="<html><title>Service Unavailable</title></html>")
    mock.post(ORDERS, json=CREATED, status=201)
    events: list[str] = []

    def lookup() -> None:
        events.append(f"lookup after {count(mock, 'POST')} POST")

    record, settled = h.client().create_order(ORDER, lookup=lookup)
    assert events == ["lookup after 1 POST"]
    assert (record["id"], settled) == ("123", False)


def test_post_answered_503_found_by_the_lookup_is_not_sent_again(
    mock: responses.RequestsMock, h: Harness
) -> None:
    mock.post(ORDERS, status=503, headers={"Retry-After": "2"}, body="<html>Maintenance</html>")
    found = {"id": "77", "externalcheckoutid": "cart-1"}
    assert h.client().create_order(ORDER, lookup=lambda: found) == (found, True)
    assert count(mock, "POST") == 1


def test_low_level_post_answered_503_is_an_unknown_outcome(mock: responses.RequestsMock, h: Harness) -> None:
    mock.post(API + "/ecomCustomers", status=503, body="<html>Service Unavailable</html>")
    exc = h.raises(
        OutcomeUnknown,
        lambda: h.client().create_customer(connectionid="1", externalid="c1", email="a@example.com"),
    )
    assert exc.status == 503 and "may or may not" in exc.message
    assert len(mock.calls) == 1


def test_429_to_a_post_is_still_resent_without_a_lookup(mock: responses.RequestsMock, h: Harness) -> None:
    mock.post(ORDERS, status=429, headers={"Retry-After": "1"}, json={"message": "Too many requests"})
    mock.post(ORDERS, json=CREATED, status=201)
    record, settled = h.client().create_order(ORDER, lookup=lambda: pytest.fail("429: not processed"))
    assert (record["id"], settled) == ("123", False)


# -- item 6: a 201 whose id is not an id ---------------------------------------------------------------


@pytest.mark.parametrize("bad", [{"id": 5}, 1.5, True, "", None, "12abc", -3, [1]])
def test_created_with_a_malformed_id_is_an_unknown_outcome(
    mock: responses.RequestsMock, h: Harness, bad: Any
) -> None:
    mock.post(ORDERS, json={"ecomOrder": {**ORDER, "id": bad}}, status=201)
    found = {"id": "88", "externalcheckoutid": "cart-1"}
    assert h.client().create_order(ORDER, lookup=lambda: found) == (found, True)
    assert count(mock, "POST") == 1


def test_a_lookup_that_finds_a_record_with_a_malformed_id_settles_nothing(
    mock: responses.RequestsMock, h: Harness
) -> None:
    mock.post(ORDERS, body=requests.ReadTimeout("read timed out"))
    exc = h.raises(
        OutcomeUnknown,
        lambda: h.client().create_order(
            ORDER, lookup=lambda: {"id": {"x": 1}, "externalcheckoutid": "cart-1"}
        ),
    )
    assert count(mock, "POST") == 1 and "id" in exc.message


def test_find_orders_refuses_a_match_with_a_malformed_id(mock: responses.RequestsMock, h: Harness) -> None:
    rows = [{"id": True, "connectionid": "1", "externalcheckoutid": "cart-1"}]
    mock.get(ORDERS, json={"ecomOrders": rows, "meta": {"total": "1"}})
    h.raises(RequestFailed, lambda: h.client().find_orders(connectionid="1", externalcheckoutid="cart-1"))


def test_update_answered_with_a_malformed_id_is_not_taken_for_a_record(
    mock: responses.RequestsMock, h: Harness
) -> None:
    mock.put(ORDERS + "/5", json={"ecomOrder": {"id": 1.5}})
    h.raises(RequestFailed, lambda: h.client().update_order("5", {"source": 0}))


# -- item 7: a listing is complete only when it provably is ---------------------------------------------


def test_find_orders_without_meta_reads_on_until_an_empty_page(
    mock: responses.RequestsMock, h: Harness
) -> None:
    page1 = [{"id": str(i), "connectionid": "1", "externalid": f"9{i}"} for i in range(1, 101)]
    page2 = [{"id": "500", "connectionid": "1", "externalid": "9"}]
    mock.get(ORDERS, json={"ecomOrders": page1})
    mock.get(ORDERS, json={"ecomOrders": page2})
    mock.get(ORDERS, json={"ecomOrders": []})
    assert [r["id"] for r in h.client().find_orders(connectionid="1", externalid="9")] == ["500"]
    assert [c.request.params["offset"] for c in mock.calls] == ["0", "100", "101"]


def test_find_orders_with_a_total_the_pages_do_not_hold_fails(
    mock: responses.RequestsMock, h: Harness
) -> None:
    """meta.total says 150 but the pages hold 101: some record was not seen, so "not found" is unproven."""
    page1 = [{"id": str(i), "connectionid": "1", "externalid": f"9{i}"} for i in range(1, 101)]
    mock.get(ORDERS, json={"ecomOrders": page1, "meta": {"total": "150"}})
    mock.get(
        ORDERS,
        json={
            "ecomOrders": [{"id": "500", "connectionid": "1", "externalid": "77"}],
            "meta": {"total": "150"},
        },
    )
    mock.get(ORDERS, json={"ecomOrders": [], "meta": {"total": "150"}})
    h.raises(RequestFailed, lambda: h.client().find_orders(connectionid="1", externalid="9"))


def test_find_orders_over_pages_that_repeat_records_fails(mock: responses.RequestsMock, h: Harness) -> None:
    """A server that ignores offset: the total is reached, but with the same 100 records twice."""
    page = [{"id": str(i), "connectionid": "1", "externalid": f"9{i}"} for i in range(1, 101)]
    mock.get(ORDERS, json={"ecomOrders": page, "meta": {"total": "200"}})
    h.raises(RequestFailed, lambda: h.client().find_orders(connectionid="1", externalid="9"))
    assert len(mock.calls) == 2


def test_list_orders_without_meta_has_no_total(mock: responses.RequestsMock, h: Harness) -> None:
    mock.get(ORDERS, json={"ecomOrders": [{"id": 1}]})
    assert h.client().list_orders(connectionid="3") == ([{"id": "1"}], None)


class Listing:
    """list_orders/find_orders over ``n`` records of connection 1, paged at most ``cap`` a page, with the
    given meta.total (None: no meta)."""

    def __init__(self, n: int, total: Callable[[int], int | None] = lambda n: n, cap: int = 100) -> None:
        self.records = [
            {"id": str(i + 1), "connectionid": "1", "externalcheckoutid": f"c-{i}"} for i in range(n)
        ]
        self.total = total
        self.cap = cap
        self.finds: list[str] = []

    def list_orders(self, *, connectionid: str, limit: int, offset: int) -> tuple[list[dict], int | None]:
        return [dict(r) for r in self.records[offset : offset + min(limit, self.cap)]], self.total(
            len(self.records)
        )

    def find_orders(self, *, connectionid: str, **kwargs: str) -> list[dict]:
        ((field, value),) = kwargs.items()
        self.finds.append(value)
        return [dict(r) for r in self.records if r.get(field) == value]


@pytest.mark.parametrize(
    "listing",
    [
        Listing(150, total=lambda n: None),  # no meta: the first page looked like all of it
        Listing(150, total=lambda n: 50),  # a total smaller than the pages hold
        Listing(150, total=lambda n: 60, cap=50),  # ... and pages of 50
        Listing(150, cap=50),  # a true total, but pages of 50: offset by what was read
    ],
    ids=["no-meta", "total-too-small", "small-total-small-pages", "pages-of-50"],
)
def test_prepare_never_indexes_a_listing_that_may_be_incomplete(listing: Listing) -> None:
    remote = Remote(listing)
    remote.prepare({"1": 10})
    found = [remote.find("1", "externalcheckoutid", f"c-{i}") for i in range(150)]
    assert [r["id"] if r else None for r in found] == [str(i + 1) for i in range(150)]


def test_prepare_does_not_index_records_listed_twice() -> None:
    listing = Listing(150)
    listing.records[120] = dict(listing.records[20])  # the same record twice; c-120 never listed
    listing.records.append({"id": "999", "connectionid": "1", "externalcheckoutid": "c-120"})
    remote = Remote(listing)
    remote.prepare({"1": 10})
    assert remote.find("1", "externalcheckoutid", "c-120")["id"] == "999"
    assert listing.finds == ["c-120"]


def test_prepare_still_indexes_a_listing_that_is_provably_complete() -> None:
    listing = Listing(250)
    remote = Remote(listing)
    remote.prepare({"1": 10})
    assert remote.find("1", "externalcheckoutid", "c-249")["id"] == "250"
    assert remote.find("1", "externalcheckoutid", "nope") is None
    assert listing.finds == []


# -- item 13: the key echoed JSON-escaped, as HTML references or percent-encoded --------------------------


@pytest.mark.parametrize("how", [escape_json, escape_html, escape_url], ids=["json", "html", "url"])
@pytest.mark.parametrize("status", [400, 422, 404])
def test_an_error_echoing_the_key_encoded_never_shows_it(
    mock: responses.RequestsMock, h: Harness, how: Callable[[str], str], status: int
) -> None:
    token = how(KEY)
    body = '{"message": "bad token ' + token + '", "errors": [{"title": "token ' + token + '"}]}'
    mock.get(API + "/users/me", status=status, body=body, content_type="application/json")
    exc = h.raises(NotFound if status == 404 else Rejected, h.client().me)
    assert "***" in exc.message
    if isinstance(exc, Rejected):
        assert all("***" in message for _, message in exc.errors)


@pytest.mark.parametrize("how", [escape_json, escape_html, escape_url], ids=["json", "html", "url"])
def test_an_html_error_page_echoing_the_key_never_shows_it(
    mock: responses.RequestsMock, h: Harness, how: Callable[[str], str]
) -> None:
    token = how(KEY)
    mock.post(ORDERS, status=400, body=f"<html><title>Bad token {token}</title><p>{token}</p></html>")
    exc = h.raises(Rejected, lambda: h.client().create_order(ORDER, lookup=lambda: None))
    assert "***" in exc.message


def test_a_key_escaped_twice_is_found_too(mock: responses.RequestsMock, h: Harness) -> None:
    mock.get(API + "/users/me", status=400, json={"message": "token " + escape_url(escape_url(KEY))})
    assert "***" in h.raises(Rejected, h.client().me).message


def test_a_2xx_answer_echoing_the_key_escaped_is_redacted(mock: responses.RequestsMock, h: Harness) -> None:
    body = '{"user": {"id": "1", "username": "' + escape_json(KEY) + '", "note": "' + escape_html(KEY) + '"}}'
    mock.get(API + "/users/me", body=body, content_type="application/json")
    me = h.client().me()
    assert not exposes(json.dumps(me), KEY) and me["username"] == "***"


def test_ordinary_text_is_left_as_it_is(mock: responses.RequestsMock, h: Harness) -> None:
    mock.get(API + "/users/me", status=400, json={"message": "see https://x.example/?a=1&b=%20 \\u00e9"})
    exc = h.raises(Rejected, h.client().me)
    assert exc.message.endswith("see https://x.example/?a=1&b=%20 \\u00e9")


# -- item 15: Retry-After as an HTTP date --------------------------------------------------------------


def http_date(seconds_from_now: float) -> str:
    return format_datetime(datetime.fromtimestamp(NOW + seconds_from_now, tz=timezone.utc), usegmt=True)


@pytest.mark.parametrize("status", [429, 503])
def test_retry_after_as_an_http_date_is_honoured(
    mock: responses.RequestsMock, h: Harness, status: int
) -> None:
    mock.get(API + "/users/me", status=status, headers={"Retry-After": http_date(7)})
    mock.get(API + "/users/me", json={"user": {"id": "1"}})
    client = h.client()
    assert client.me() == {"id": "1"}
    assert h.clock.sleeps == [7]
    assert client.limiter.paused_until() == NOW + 7  # every thread holds back


def test_retry_after_in_seconds_is_honoured_on_503(mock: responses.RequestsMock, h: Harness) -> None:
    mock.put(ORDERS + "/5", status=503, headers={"Retry-After": "4"}, body="<html>Maintenance</html>")
    mock.put(ORDERS + "/5", json={"ecomOrder": {"id": "5"}})
    assert h.client().update_order("5", {"source": 0}) == {"id": "5"}
    assert h.clock.sleeps == [4]


def test_a_503_date_beyond_the_retry_budget_gives_up_at_once(
    mock: responses.RequestsMock, h: Harness
) -> None:
    mock.get(API + "/users/me", status=503, headers={"Retry-After": http_date(3600)})
    exc = h.raises(RequestFailed, h.client(max_retry_seconds=120).me)
    assert len(mock.calls) == 1 and h.clock.sleeps == []
    assert exc.status == 503 and "3600 s" in exc.message


def test_a_post_answered_503_with_a_date_waits_before_the_lookup(
    mock: responses.RequestsMock, h: Harness
) -> None:
    """Maintenance (as ActiveCampaign's WooCommerce client reads 503 + Retry-After): the look-up that settles
    the POST waits until the server said it would be back."""
    mock.post(ORDERS, status=503, headers={"Retry-After": http_date(30)}, body="<html>Maintenance</html>")
    client = h.client()
    looked_up_at: list[float] = []

    def lookup() -> dict[str, Any]:
        looked_up_at.append(client.limiter.acquire())
        return {"id": "9"}

    assert client.create_order(ORDER, lookup=lookup) == ({"id": "9"}, True)
    assert looked_up_at and looked_up_at[0] >= NOW + 30


def test_a_retry_after_date_in_the_past_backs_off(
    mock: responses.RequestsMock, h: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(retry._rng, "random", lambda: 1.0)
    mock.get(API + "/users/me", status=429, headers={"Retry-After": http_date(-60)})
    mock.get(API + "/users/me", json={"user": {"id": "1"}})
    h.client().me()
    assert h.clock.sleeps == [0.5]
