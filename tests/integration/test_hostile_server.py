"""Issue 11 against a hostile server (tests/hostile.py) on 127.0.0.1: writes committed then answered 5xx or
reset, 201s whose id is not an id, PUTs answered 404, listings without (or with a wrong) meta.total. The
server accepts duplicates silently, so anything sent twice shows as a second record."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from acorders.api.client import Client
from acorders.errors import ExitStatus
from acorders.models import Action, Document, Origin, PushResult, PushSummary
from acorders.push import runner as core
from acorders.push import send
from acorders.push.customers import CustomerResolver
from acorders.push.ledger import DONE, Key, Ledger
from tests.helpers import Recorder, cart, envelope
from tests.hostile import RESET, BadId, Hostile, orders_by_checkout


def fast_sleep(seconds: float) -> None:
    time.sleep(min(seconds, 0.002))


def doc(order: dict[str, Any], line: int = 1) -> Document:
    return Document(Origin("carts.ndjson", line), envelope(order))


class Harness:
    """One hostile server, one ledger; ``run`` is one push with a fresh client, as one CLI run."""

    def __init__(self, server: Hostile, state: Path) -> None:
        self.server = server
        self.ledger = Ledger.open(state)

    def run(self, docs: list[Document], workers: int = 4) -> tuple[PushSummary, ExitStatus, list[PushResult]]:
        client = Client(self.server.url, self.server.key, rate=1000, workers=workers, sleep=fast_sleep)
        pusher = send.Pusher(
            client, self.ledger, self.server.url, CustomerResolver(client, self.ledger, self.server.url)
        )
        try:
            return core.run_push(
                core.Prepared([], [], list(docs)),
                pusher,
                core.PushOptions(workers=workers),
                Recorder(),
                account=self.server.url,
                ledger=self.ledger,
            )
        finally:
            client.close()

    def entry(self, checkout: str, kind: str = "cart") -> Any:
        return self.ledger.get(Key(self.server.url, "1", kind, checkout))


@pytest.fixture
def server() -> Iterator[Hostile]:
    with Hostile() as s:
        yield s


@pytest.fixture
def h(server: Hostile, tmp_path: Path) -> Iterator[Harness]:
    harness = Harness(server, tmp_path / "state")
    yield harness
    harness.ledger.close()


def only(results: list[PushResult]) -> PushResult:
    assert len(results) == 1, results
    return results[0]


# -- the helper itself ---------------------------------------------------------------------------------


def test_the_hostile_server_accepts_duplicates_and_misbehaves_once_per_knob(server: Hostile) -> None:
    client = Client(server.url, server.key, rate=1000, sleep=fast_sleep)
    with client:
        server.after_commit("POST", "/ecomOrders", BadId(True))
        record, _ = client.create_order(cart(1), lookup=lambda: server.records()[0])
        client.create_order(cart(1), lookup=lambda: None)  # a duplicate, silently accepted
    assert orders_by_checkout(server) == {"cart-00001": 2}
    assert record["id"] == server.records()[0]["id"]  # the 201 said `true`; the record has a real id


# -- item 5: a write committed, then answered 5xx or reset --------------------------------------------


@pytest.mark.parametrize("outcome", [503, 500, 502, 504, RESET])
def test_a_post_committed_then_answered_5xx_or_reset_is_one_record(
    h: Harness, server: Hostile, outcome: int | str
) -> None:
    server.after_commit("POST", "/ecomOrders", outcome)
    _, status, results = h.run([doc(cart(1))])
    result = only(results)
    assert status == ExitStatus.OK, result
    assert result.action is Action.CREATED
    assert orders_by_checkout(server) == {"cart-00001": 1}
    assert server.count("POST", "/ecomOrders") == 1
    assert (h.entry("cart-00001").state, h.entry("cart-00001").ac_id) == (DONE, server.records()[0]["id"])


def test_many_carts_each_committed_then_answered_503_are_one_record_each(h: Harness, server: Hostile) -> None:
    server.after_commit("POST", "/ecomOrders", *[503] * 6)
    _, status, _ = h.run([doc(cart(i), line=i + 1) for i in range(6)])
    assert status == ExitStatus.OK
    assert orders_by_checkout(server) == {f"cart-{i:05d}": 1 for i in range(6)}


# -- item 6: a 201 whose id is not an id; a PUT answered 404 -------------------------------------------


@pytest.mark.parametrize("bad", [{"id": "7"}, 1.5, True, ""], ids=["object", "float", "true", "empty"])
def test_a_201_with_a_malformed_id_is_looked_up_and_never_stored(
    h: Harness, server: Hostile, bad: Any
) -> None:
    server.after_commit("POST", "/ecomOrders", BadId(bad), BadId(bad))
    _, status, results = h.run([doc(cart(1)), doc(cart(2), line=2)])
    assert status == ExitStatus.OK, results
    assert orders_by_checkout(server) == {"cart-00001": 1, "cart-00002": 1}
    real = {r["externalcheckoutid"]: r["id"] for r in server.records()}
    assert {r.externalcheckoutid: r.id for r in results} == real  # two carts, two ids: their own
    assert {c: h.entry(c).ac_id for c in real} == real


def _move(server: Hostile, checkout: str) -> str:
    """The record of ``checkout`` now lives at another id (what a wrong id in the ledger amounts to)."""
    with server._lock:
        rows = server._rows["ecomOrders"]
        (old,) = [r for r in rows if r["externalcheckoutid"] == checkout]
        rows.remove(old)
    return server.insert("ecomOrders", {k: v for k, v in old.items() if k != "id"})["id"]


def test_a_put_answered_404_looks_the_cart_up_and_adopts_it(h: Harness, server: Hostile) -> None:
    first = only(h.run([doc(cart(1))])[2])
    moved_to = _move(server, "cart-00001")
    _, status, results = h.run([doc(cart(1, totalPrice="10000"))])
    result = only(results)
    assert status == ExitStatus.OK, result
    assert (result.action, result.id) == (Action.UPDATED, moved_to) and moved_to != first.id
    assert orders_by_checkout(server) == {"cart-00001": 1}
    assert server.records()[0]["totalPrice"] == "10000"
    assert (h.entry("cart-00001").ac_id, h.entry("cart-00001").state) == (moved_to, DONE)


def test_a_put_answered_404_creates_only_when_the_cart_is_really_gone(h: Harness, server: Hostile) -> None:
    only(h.run([doc(cart(1))])[2])
    with server._lock:
        server._rows["ecomOrders"].clear()  # deleted in ActiveCampaign
    _, status, results = h.run([doc(cart(1, totalPrice="10000"))])
    assert status == ExitStatus.OK
    assert only(results).action is Action.CREATED
    assert orders_by_checkout(server) == {"cart-00001": 1}
    assert h.entry("cart-00001").ac_id == server.records()[0]["id"]


def test_a_recovery_put_answered_404_recovers_the_cart_where_it_is(h: Harness, server: Hostile) -> None:
    only(h.run([doc(cart(1))])[2])
    moved_to = _move(server, "cart-00001")
    order = cart(1, externalid="order-1", abandonedDate=None)
    _, status, results = h.run([doc(order)])
    result = only(results)
    assert status == ExitStatus.OK, result
    assert (result.action, result.id) == (Action.RECOVERED, moved_to)
    (record,) = server.records()
    assert (record["externalid"], record["state"]) == ("order-1", "3")
    assert h.entry("order-1", kind="order").ac_id == moved_to
    assert h.entry("cart-00001").recovered_to == "order-1"


# -- item 7: a listing is an index only when provably whole ---------------------------------------------


@pytest.mark.parametrize(
    "meta, page_cap",
    [("none", 100), (-100, 100), ("exact", 50)],
    ids=["no-meta", "total-too-small", "pages-of-50"],
)
def test_carts_already_there_are_never_created_again_whatever_the_listing_says(
    h: Harness, server: Hostile, meta: str | int, page_cap: int
) -> None:
    """150 carts exist (a lost ledger); the run lists the connection instead of 150 look-ups."""
    for i in range(150):
        server.insert("ecomOrders", {**cart(i), "state": "2"})
    server.meta, server.page_cap = meta, page_cap
    _, status, results = h.run([doc(cart(i), line=i + 1) for i in range(150)], workers=8)
    assert status == ExitStatus.OK
    assert orders_by_checkout(server) == {f"cart-{i:05d}": 1 for i in range(150)}
    assert server.count("POST", "/ecomOrders") == 0
    assert {r.action for r in results} == {Action.UPDATED}  # adopted, not created again


def test_a_listing_that_never_adds_up_sends_nothing_it_cannot_prove_new(h: Harness, server: Hostile) -> None:
    """meta.total always 100 more than the pages hold: neither the listing nor a look-up can prove a cart
    is new, so none is created; each says why, and a rerun against a sane server finishes the job."""
    for i in range(150):
        server.insert("ecomOrders", {**cart(i), "state": "2"})
    server.meta = 100
    _, status, results = h.run([doc(cart(i), line=i + 1) for i in range(150)], workers=8)
    assert status == ExitStatus.TEMPORARY
    assert server.count("POST", "/ecomOrders") == 0 and len(server.records()) == 150
    failed = [r for r in results if r.action is Action.FAILED]
    assert failed and all("does not add up" in r.errors[0].message for r in failed)
    server.meta = "exact"
    _, status, _ = h.run([doc(cart(i), line=i + 1) for i in range(150)], workers=8)
    assert status == ExitStatus.OK
    assert orders_by_checkout(server) == {f"cart-{i:05d}": 1 for i in range(150)}
