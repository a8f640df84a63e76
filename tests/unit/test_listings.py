"""A listing of the connection's orders stands in for per-cart look-ups only when it is provably whole and
duplicate-free, whatever order the server pages in: no sort is asked for (the document names none by id
for these lists), so a server that pages in another order, or in a different order on every request, may
cost look-ups but never makes a cart look new when it exists."""

from __future__ import annotations

import random
from typing import Any

import pytest

from acorders.push.lookup import Remote

RECORDS = [{"id": str(i), "connectionid": "1", "externalcheckoutid": f"c-{i}"} for i in range(1, 251)]


class Server:
    """list_orders / find_orders over RECORDS, paged in the order ``arrange`` gives on each request."""

    def __init__(self, arrange: Any) -> None:
        self.arrange = arrange
        self.lists = 0
        self.finds: list[str] = []

    def list_orders(self, *, connectionid: str, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
        self.lists += 1
        rows = self.arrange(list(RECORDS))
        return [dict(r) for r in rows[offset : offset + limit]], len(RECORDS)

    def find_orders(self, *, connectionid: str, externalcheckoutid: str) -> list[dict[str, Any]]:
        self.finds.append(externalcheckoutid)
        return [dict(r) for r in RECORDS if r["externalcheckoutid"] == externalcheckoutid]


def shuffled(seed: int) -> Any:
    rng = random.Random(seed)

    def arrange(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        rng.shuffle(rows)
        return rows

    return arrange


@pytest.mark.parametrize(
    "arrange",
    [lambda rows: rows, lambda rows: rows[::-1], lambda rows: sorted(rows, key=lambda r: r["id"])],
    ids=["by-id", "newest-first", "as-text"],
)
def test_a_steady_order_of_any_kind_is_used_whole(arrange: Any) -> None:
    server = Server(arrange)
    remote = Remote(server)
    remote.prepare({"1": 10})
    assert server.lists == 3
    assert all(remote.find("1", "externalcheckoutid", r["externalcheckoutid"]) is not None for r in RECORDS)
    assert remote.find("1", "externalcheckoutid", "c-999") is None
    assert server.finds == []


@pytest.mark.parametrize("seed", range(5))
def test_a_page_order_that_moves_between_requests_falls_back_to_exact_look_ups(seed: int) -> None:
    server = Server(shuffled(seed))
    remote = Remote(server)
    remote.prepare({"1": 10})
    for record in RECORDS:
        found = remote.find("1", "externalcheckoutid", record["externalcheckoutid"])
        assert found is not None and found["id"] == record["id"]
    assert len(server.finds) == len(RECORDS)  # the listing repeated some records and missed others
