"""Client.listing: the list commands read every page (issue 13: they stopped at the first 100 records), or
the first --limit N, and never loop on a server that ignores offset."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import responses

from acorders.api.client import Client
from acorders.api.ratelimit import RateLimiter
from tests.fakes import FakeClock

BASE = "https://acct.api-us1.com"
CUSTOMERS = BASE + "/api/3/ecomCustomers"


@pytest.fixture
def mock() -> Iterator[responses.RequestsMock]:
    with responses.RequestsMock(assert_all_requests_are_fired=False) as rsps:
        yield rsps


def client() -> Client:
    clock = FakeClock()
    return Client(BASE, "k" * 40, limiter=RateLimiter(0, clock=clock, sleep=clock.sleep), sleep=clock.sleep)


def page(start: int, n: int, total: int | None) -> dict:
    body: dict = {"ecomCustomers": [{"id": str(i)} for i in range(start, start + n)]}
    if total is not None:
        body["meta"] = {"total": str(total)}
    return body


def offsets(mock: responses.RequestsMock) -> list[tuple[str, str]]:
    return [(c.request.params["offset"], c.request.params["limit"]) for c in mock.calls]


def test_every_page_by_default(mock: responses.RequestsMock) -> None:
    for start, n in ((0, 100), (100, 100), (200, 51)):
        mock.get(CUSTOMERS, json=page(start, n, 251))
    records, total = client().listing("customers")
    assert len(records) == 251 and total == 251
    assert offsets(mock) == [("0", "100"), ("100", "100"), ("200", "100")]


def test_a_limit_asks_only_for_what_it_shows(mock: responses.RequestsMock) -> None:
    mock.get(CUSTOMERS, json=page(0, 100, 251))
    mock.get(CUSTOMERS, json=page(100, 20, 251))
    records, total = client().listing("customers", limit=120, email="a@example.com")
    assert [r["id"] for r in records] == [str(i) for i in range(120)] and total == 251
    assert offsets(mock) == [("0", "100"), ("100", "20")]
    assert mock.calls[0].request.params["filters[email]"] == "a@example.com"


def test_without_a_total_it_reads_up_to_an_empty_page(mock: responses.RequestsMock) -> None:
    mock.get(CUSTOMERS, json=page(0, 20, None))  # a server paging by fewer than asked
    mock.get(CUSTOMERS, json=page(20, 20, None))
    mock.get(CUSTOMERS, json=page(0, 0, None))
    records, total = client().listing("customers")
    assert len(records) == 40 and total is None


def test_a_server_that_ignores_offset_does_not_loop(mock: responses.RequestsMock) -> None:
    mock.get(CUSTOMERS, json=page(0, 100, 1000))  # the same first page, every time
    records, total = client().listing("customers")
    assert len(records) == 100 and total == 1000  # the list command then says "showing 100 of 1000"
    assert len(mock.calls) == 2
