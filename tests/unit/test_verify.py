"""verify's pure parts: the listing when the server's order of rows moves between pages, and the semantic
comparison of what was sent with what ActiveCampaign holds."""

from __future__ import annotations

import random
from typing import Any

import pytest

from acorders.errors import RequestFailed
from acorders.push.verify import differences, read_listing


class Shuffling:
    """A listing whose rows come in a different order on every request (no stable sort), as some servers
    page: offset paging then skips some rows and repeats others within one pass."""

    def __init__(self, n: int, seed: int = 7, total: int | None = None) -> None:
        self.rows = [
            {"id": str(i), "connectionid": "1", "externalcheckoutid": f"c{i}"} for i in range(1, n + 1)
        ]
        self.random = random.Random(seed)
        self.total = n if total is None else total
        self.calls = 0

    def list_orders(self, *, connectionid: str, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        self.calls += 1
        rows = self.rows[:]
        self.random.shuffle(rows)
        return rows[offset : offset + limit], self.total


def test_unstable_order_still_lists_every_record() -> None:
    client = Shuffling(250)
    records, requests = read_listing(client, "1")
    assert sorted(int(r["id"]) for r in records) == list(range(1, 251))
    assert requests == client.calls


def test_a_listing_that_never_adds_up_is_an_error() -> None:
    with pytest.raises(RequestFailed, match="does not add up"):
        read_listing(Shuffling(50, total=60), "1")


def test_stable_listing_costs_one_request_per_page() -> None:
    class Stable(Shuffling):
        def list_orders(self, **kw: Any) -> tuple[list[dict[str, Any]], int]:
            self.calls += 1
            return self.rows[kw["offset"] : kw["offset"] + kw["limit"]], self.total

    records, requests = read_listing(Stable(1000), "1")
    assert (len(records), requests) == (1000, 10)


SENT = {
    "externalcheckoutid": "c1",
    "connectionid": "1",
    "totalPrice": 9111,
    "currency": "USD",
    "abandonedDate": "2016-09-13T17:41:39-04:00",
    "customerid": "",
    "orderProducts": [{"externalid": "P1", "price": "4900"}, {"externalid": "P2", "price": 3000}],
}


def test_same_content_in_other_words() -> None:
    record = {
        "externalcheckoutid": "c1",
        "connectionid": 1,
        "totalPrice": "9111",
        "currency": "usd",
        "abandonedDate": "2016-09-13T16:41:39-05:00",
        "customerid": "12",
        "totalProducts": "2",
        "orderProducts": ["5", "6"],
    }
    assert differences(SENT, record) == []


def test_products_in_the_order_sent() -> None:
    swapped = {
        "orderProducts": [{"externalid": "P2", "price": "3000"}, {"externalid": "P1", "price": "4900"}]
    }
    assert differences(SENT, swapped) == ["orderProducts"]
    assert differences(SENT, {"totalProducts": "1"}) == ["orderProducts"]


def test_real_differences() -> None:
    record = {"totalPrice": "9112", "abandonedDate": "2016-09-13T17:41:40-04:00", "currency": "EUR"}
    assert differences(SENT, record) == ["abandonedDate", "currency", "totalPrice"]


def test_backfill_estimate_reads_as_hours_and_minutes() -> None:
    from acorders.push.backfill import estimate

    assert estimate(120_000, 120_000, 5.0) == "120,000 orders: 120,000 requests, ~6 h 40 min at 5 requests/s"
    assert estimate(1, 2, 5.0) == "1 order: 2 requests, ~1 s at 5 requests/s"
    assert estimate(300, 303, 5.0) == "300 orders: 303 requests, ~1 min 1 s at 5 requests/s"


def test_push_progress_shows_an_eta() -> None:
    """A long push (a backfill of hours) says how long is left, not only how long it has run."""
    import io

    from rich.progress import TimeRemainingColumn

    from acorders import report
    from acorders.environment import Environment

    env = Environment(stdin=io.BytesIO(), stdout=io.StringIO(), stderr=io.StringIO(), stderr_isatty=True)
    reporter: Any = report.build_reporter("table", env, key="results")
    reporter.start(report.PROGRESS_MIN_ITEMS + 1)
    try:
        assert any(isinstance(c, TimeRemainingColumn) for c in reporter._progress.columns)
    finally:
        reporter._progress.stop()
