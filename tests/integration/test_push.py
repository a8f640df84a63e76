"""Pusher and run_push against a real sandbox on 127.0.0.1 and a real SQLite ledger: one test per action,
the exactly-once paths (lost ledger, duplicates, unknown outcomes), stopping the run, grouping and exit
codes."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from acorders.api.client import Client
from acorders.errors import ConfigError, ExitStatus
from acorders.models import Action, Document, Finding, Origin, PushResult, PushSummary
from acorders.push import dispatch, send
from acorders.push import runner as core
from acorders.push.customers import CustomerResolver
from acorders.push.ledger import DONE, PENDING, REJECTED, Key, Ledger, content_hash
from acorders.sandbox import Sandbox
from tests.helpers import SECRET_KEY, Recorder, cart, envelope, records_per_checkout, sandbox


def fast_sleep(seconds: float) -> None:
    """Retries and backoff without waiting them out (the real client sleeps up to 30 s)."""
    time.sleep(min(seconds, 0.005))


def doc(
    order: dict[str, Any], line: int = 1, source: str = "carts.ndjson", *, bare: bool = False
) -> Document:
    return Document(Origin(source, line), dict(order) if bare else envelope(order))


class Harness:
    """One sandbox, one ledger; ``run`` pushes documents with a fresh client and pusher, like one CLI run."""

    def __init__(self, sb: Sandbox, state: Path) -> None:
        self.sb = sb
        self.state = state
        self.ledger = Ledger.open(state)
        self.last: send.Pusher | None = None

    def pusher(self, key: str = "sandbox", workers: int = 4) -> send.Pusher:
        client = Client(self.sb.url, key, rate=1000, workers=workers, sleep=fast_sleep)
        return send.Pusher(
            client, self.ledger, self.sb.url, CustomerResolver(client, self.ledger, self.sb.url)
        )

    def run(
        self,
        docs: list[Document],
        *,
        invalid: list[Document] = (),
        key: str = "sandbox",
        workers: int = 4,
        dry_run: bool = False,
    ) -> tuple[PushSummary, ExitStatus, list[PushResult]]:
        pusher = None if dry_run else self.pusher(key, workers)
        self.last = pusher
        try:
            return core.run_push(
                core.Prepared(list(invalid), [], list(docs)),
                pusher,
                core.PushOptions(workers=workers, dry_run=dry_run),
                Recorder(),
                account=self.sb.url,
                ledger=self.ledger,
            )
        finally:
            if pusher is not None:
                pusher.client.close()

    def entry(self, checkout: str, connection: str = "1", kind: str = "cart"):
        return self.ledger.get(Key(self.sb.url, connection, kind, checkout))

    def close(self) -> None:
        self.ledger.close()


@pytest.fixture
def sb() -> Iterator[Sandbox]:
    with sandbox() as s:
        yield s


@pytest.fixture
def h(sb: Sandbox, tmp_path: Path) -> Iterator[Harness]:
    harness = Harness(sb, tmp_path / "state")
    yield harness
    harness.close()


def only(results: list[PushResult]) -> PushResult:
    assert len(results) == 1, results
    return results[0]


# --- one test per action ------------------------------------------------------------------------------


def test_created(h: Harness, sb: Sandbox) -> None:
    summary, status, results = h.run([doc(cart(1))])
    result = only(results)
    assert status == ExitStatus.OK and summary.ok
    assert result.action is Action.CREATED and result.status == 201
    record = sb.store.orders(externalcheckoutid="cart-00001")
    assert [r["id"] for r in record] == [result.id]
    entry = h.entry("cart-00001")
    assert (entry.state, entry.ac_id, entry.hash) == (DONE, result.id, content_hash(cart(1)))
    assert summary.counts["created"] == 1
    assert summary.requests == sb.count() == 2  # look-up + POST for a cart new to the ledger


def test_unchanged_sends_nothing(h: Harness, sb: Sandbox) -> None:
    docs = [doc(cart(i), line=i + 1) for i in range(5)]
    h.run(docs)
    before = sb.count()
    summary, status, results = h.run(docs)
    assert status == ExitStatus.OK
    assert {r.action for r in results} == {Action.UNCHANGED}
    assert all(r.id for r in results) and {r.status for r in results} == {None}
    assert sb.count() == before  # zero requests reached the sandbox
    assert summary.requests == 0


def test_updated_is_a_put_with_source_0(h: Harness, sb: Sandbox) -> None:
    _, _, first = h.run([doc(cart(1))])
    ac_id = only(first).id
    changed = cart(1, totalPrice="10000", externalUpdatedDate="2016-09-15T10:00:00-04:00")
    before = len(sb.requests)
    summary, status, results = h.run([doc(changed)])
    result = only(results)
    assert status == ExitStatus.OK
    assert (result.action, result.id, result.status) == (Action.UPDATED, ac_id, 200)
    sent = sb.requests[before:]
    assert [(r.method, r.path) for r in sent] == [("PUT", f"/api/3/ecomOrders/{ac_id}")]
    body = sent[0].body["ecomOrder"]
    assert str(body["source"]) == "0"  # a re-sync: the abandoned-cart automation must not start again
    assert body["totalPrice"] == "10000"
    records = sb.store.orders(externalcheckoutid="cart-00001")
    assert len(records) == 1 and records[0]["totalPrice"] == "10000"
    entry = h.entry("cart-00001")
    assert entry.hash == content_hash(changed) and entry.state == DONE


def test_recovered_puts_the_order_onto_the_carts_record(h: Harness, sb: Sandbox) -> None:
    _, _, first = h.run([doc(cart(1))])
    ac_id = only(first).id
    order = cart(1, externalid="order-1001", orderNumber="#1001", abandonedDate=None)
    before = len(sb.requests)
    summary, status, results = h.run([doc(order, source="orders.ndjson")])
    result = only(results)
    assert status == ExitStatus.OK
    assert (result.action, result.id) == (Action.RECOVERED, ac_id)
    assert [(r.method, r.path) for r in sb.requests[before:]] == [("PUT", f"/api/3/ecomOrders/{ac_id}")]
    records = sb.store.orders()
    assert len(records) == 1
    assert records[0]["state"] == "3" and records[0]["externalid"] == "order-1001"
    assert h.entry("cart-00001").recovered_to == "order-1001"
    assert h.entry("order-1001", kind="order").ac_id == ac_id

    # the old cart file pushed again: left alone (no request), the order is not overwritten
    before = len(sb.requests)
    _, _, again = h.run([doc(cart(1, totalPrice="1"))])
    assert only(again).action is Action.UNCHANGED
    assert "order-1001" in only(again).errors[0].message
    assert len(sb.requests) == before
    assert sb.store.orders()[0]["totalPrice"] == "9111"

    # and the order again: unchanged
    _, _, again = h.run([doc(order, source="orders.ndjson")])
    assert only(again).action is Action.UNCHANGED


def test_cart_and_its_order_in_one_run(h: Harness, sb: Sandbox) -> None:
    order = cart(1, externalid="order-1", abandonedDate=None)
    _, status, results = h.run([doc(cart(1), line=1), doc(order, line=2), doc(cart(2), line=3)], workers=8)
    assert status == ExitStatus.OK
    by_line = {r.origin.line: r.action for r in results}
    assert by_line == {1: Action.CREATED, 2: Action.RECOVERED, 3: Action.CREATED}
    assert sorted(records_per_checkout(sb).values()) == [1, 1]
    assert sb.store.orders(externalcheckoutid="cart-00001")[0]["state"] == "3"


def test_invalid_is_reported_and_never_sent(h: Harness, sb: Sandbox) -> None:
    bad = Document(
        Origin("bad.json", 1),
        {"ecomOrder": {"externalcheckoutid": "x"}},
        [Finding("ecomOrder.email", "required field email is missing")],
    )
    summary, status, results = h.run([doc(cart(1))], invalid=[bad])
    assert status == ExitStatus.INVALID
    invalid = [r for r in results if r.action is Action.INVALID]
    assert len(invalid) == 1 and invalid[0].errors[0].path == "ecomOrder.email"
    assert not any(
        r.body and r.body.get("ecomOrder", {}).get("externalcheckoutid") == "x" for r in sb.requests
    )
    assert h.entry("x") is None
    assert summary.counts["created"] == 1 and summary.counts["invalid"] == 1


def test_rejected_maps_pointers_and_goes_on(tmp_path: Path) -> None:
    with sandbox(strict=True) as sb:
        connection = sb.store.insert("connection", {"service": "shop", "externalid": "shop", "name": "Shop"})
        customer = sb.store.insert(
            "customer", {"connectionid": connection["id"], "externalid": "c", "email": "alice@example.com"}
        )
        good = [cart(i, connectionid=connection["id"], customerid=customer["id"]) for i in range(3)]
        bad = cart(99, connectionid="4242", customerid=customer["id"])
        h = Harness(sb, tmp_path)
        try:
            summary, status, results = h.run([doc(o, line=i + 1) for i, o in enumerate([*good, bad])])
        finally:
            h.close()
        assert status == ExitStatus.INVALID
        rejected = [r for r in results if r.action is Action.REJECTED]
        assert len(rejected) == 1 and rejected[0].externalcheckoutid == "cart-00099"
        assert rejected[0].status == 422
        paths = {e.path for e in rejected[0].errors}
        assert "ecomOrder.connectionid" in paths
        assert all(e.message for e in rejected[0].errors)
        assert summary.counts["created"] == 3
        assert len(sb.store.orders()) == 3
        with Ledger.open(tmp_path) as led:
            assert led.get(Key(sb.url, "4242", "cart", "cart-00099")).state == REJECTED


def test_failed_then_rerun_creates_exactly_once(h: Harness, sb: Sandbox) -> None:
    sb.fail_next(200, status=503)
    summary, status, results = h.run([doc(cart(1))])
    sb._faults.clear()  # the API is back
    result = only(results)
    assert status == ExitStatus.TEMPORARY
    assert result.action is Action.FAILED and "503" in result.errors[0].message
    assert sb.store.orders() == []
    assert h.entry("cart-00001").state == PENDING

    _, status, results = h.run([doc(cart(1))])
    assert status == ExitStatus.OK and only(results).action is Action.CREATED
    assert records_per_checkout(sb) == {"cart-00001": 1}


def test_failed_post_after_commit_is_not_duplicated(h: Harness, sb: Sandbox) -> None:
    """A POST that got 502 may have been committed: looked up, found, created exactly once."""
    original = sb.api.create_order

    def commit_then_502(**kwargs: Any):
        status, body = original(**kwargs)
        return (502, {"message": "Bad Gateway"}) if status == 201 else (status, body)

    sb.api.routes = [(m, p, k, commit_then_502 if f == original else f) for m, p, k, f in sb.api.routes]
    _, status, results = h.run([doc(cart(1))])
    assert status == ExitStatus.OK
    assert only(results).action is Action.CREATED
    assert sb.count("POST", "/api/3/ecomOrders") == 1
    assert records_per_checkout(sb) == {"cart-00001": 1}


def test_ambiguous_post_is_looked_up_before_any_resend(h: Harness, sb: Sandbox) -> None:
    sb.drop_next(1)
    _, status, results = h.run([doc(cart(1))])
    assert status == ExitStatus.OK
    result = only(results)
    assert result.action is Action.CREATED and result.id
    assert sb.count("POST", "/api/3/ecomOrders") == 1
    methods = [r.method for r in sb.requests]
    assert methods[methods.index("POST") + 1] == "GET"  # the look-up came right after the lost answer
    assert records_per_checkout(sb) == {"cart-00001": 1}
    assert h.entry("cart-00001").state == DONE


# --- not in the ledger: exactly one record anyway -----------------------------------------------------


@pytest.mark.parametrize("duplicates", ["reject", "accept"])
@pytest.mark.parametrize("n", [1, 6])
def test_lost_ledger_does_not_duplicate(tmp_path: Path, duplicates: str, n: int) -> None:
    with sandbox(duplicates=duplicates) as sb:
        docs = [doc(cart(i), line=i + 1) for i in range(n)]
        for state in ("A", "B"):
            h = Harness(sb, tmp_path / state)
            try:
                _, status, results = h.run(docs)
            finally:
                h.close()
            assert status == ExitStatus.OK
            expected = Action.CREATED if state == "A" else Action.UPDATED
            assert {r.action for r in results} == {expected}, results
        assert records_per_checkout(sb) == {f"cart-{i:05d}": 1 for i in range(n)}


def test_created_meanwhile_by_another_tool_is_adopted_on_duplicate(h: Harness, sb: Sandbox) -> None:
    """The look-up missed it (created between look-up and POST): the 422 duplicate is looked up and
    updated."""
    pusher = h.pusher()
    real_find = pusher.remote.find

    def stale(connection: str, field: str, value: str, *, fresh: bool = False):
        if not fresh:
            sb.store.insert(
                "order", {**cart(1), "connectionid": "1", "state": "2"}
            ) if not sb.store.orders() else None
            return None
        return real_find(connection, field, value, fresh=True)

    pusher.remote.find = stale  # type: ignore[method-assign]
    results = pusher.push_group([doc(cart(1))])
    pusher.client.close()
    result = only(results)
    assert result.action is Action.UPDATED
    assert sb.count("POST", "/api/3/ecomOrders", status=422) == 1
    assert records_per_checkout(sb) == {"cart-00001": 1}
    assert h.entry("cart-00001").state == DONE


def test_pending_intent_whose_create_was_committed_is_adopted(h: Harness, sb: Sandbox) -> None:
    """Killed after the POST reached the server but before the answer was recorded."""
    order = cart(1)
    key = Key(sb.url, "1", "cart", "cart-00001")
    h.ledger.intend(key, None, content_hash(order), "carts.ndjson:1")
    record = sb.store.insert("order", {**order, "state": "2"})
    _, status, results = h.run([doc(order)])
    result = only(results)
    assert status == ExitStatus.OK
    assert (result.action, result.id) == (Action.CREATED, record["id"])
    assert sb.count("POST") == 0 and sb.count("PUT") == 0
    assert h.entry("cart-00001").state == DONE and h.entry("cart-00001").ac_id == record["id"]


def test_pending_intent_whose_create_never_arrived_is_sent(h: Harness, sb: Sandbox) -> None:
    order = cart(1)
    h.ledger.intend(Key(sb.url, "1", "cart", "cart-00001"), None, content_hash(order), "carts.ndjson:1")
    _, status, results = h.run([doc(order)])
    assert only(results).action is Action.CREATED
    assert records_per_checkout(sb) == {"cart-00001": 1}


def test_cart_that_already_became_an_order_elsewhere_is_left_alone(h: Harness, sb: Sandbox) -> None:
    sb.store.insert("order", {**cart(1), "externalid": "order-1", "state": "3"})
    _, status, results = h.run([doc(cart(1))])
    result = only(results)
    assert result.action is Action.UNCHANGED and "order-1" in result.errors[0].message
    assert sb.count("POST") == 0 and sb.count("PUT") == 0
    assert h.entry("cart-00001").recovered_to == "order-1"


def test_order_of_a_cart_unknown_to_the_ledger_is_recovered(tmp_path: Path, sb: Sandbox) -> None:
    a = Harness(sb, tmp_path / "A")
    try:
        a.run([doc(cart(1))])
    finally:
        a.close()
    b = Harness(sb, tmp_path / "B")
    try:
        _, status, results = b.run([doc(cart(1, externalid="order-1", abandonedDate=None))])
    finally:
        b.close()
    assert only(results).action is Action.RECOVERED
    records = sb.store.orders()
    assert len(records) == 1 and records[0]["state"] == "3"


def test_update_of_a_record_deleted_in_activecampaign_creates_it_again(h: Harness, sb: Sandbox) -> None:
    _, _, first = h.run([doc(cart(1))])
    sb.store.delete("order", only(first).id)
    _, status, results = h.run([doc(cart(1, totalPrice="10000"))])
    result = only(results)
    assert status == ExitStatus.OK
    assert result.action is Action.CREATED and result.id != only(first).id
    assert records_per_checkout(sb) == {"cart-00001": 1}
    assert h.entry("cart-00001").ac_id == result.id


# --- stopping the run ---------------------------------------------------------------------------------


def test_403_stops_the_run_at_once(h: Harness, sb: Sandbox) -> None:
    summary, status, results = h.run([doc(cart(1))], key=SECRET_KEY, workers=8)
    assert status == ExitStatus.CONFIG
    assert sb.count() == 1 and sb.count(status=403) == 1
    assert only(results).action is Action.FAILED
    assert summary.stopped and "refused" in summary.stopped
    assert SECRET_KEY not in summary.stopped and SECRET_KEY not in only(results).errors[0].message


def test_403_with_many_carts_sends_one_request(h: Harness, sb: Sandbox) -> None:
    """The key is refused on the first request (the listing): every cart is reported skipped, none is sent."""
    summary, status, results = h.run([doc(cart(i), line=i + 1) for i in range(12)], key=SECRET_KEY, workers=8)
    assert status == ExitStatus.CONFIG
    assert sb.count() <= 2 and sb.count(status=403) >= 1
    assert len(results) == 12 and {r.action for r in results} <= {Action.SKIPPED, Action.FAILED}
    assert summary.stopped and "refused" in summary.stopped and SECRET_KEY not in summary.stopped
    assert sb.store.orders() == []


def test_403_mid_run_skips_the_rest(h: Harness, sb: Sandbox) -> None:
    """Carts already known to the ledger need no listing: the first 403 on a write stops the run."""
    docs = [doc(cart(i), line=i + 1) for i in range(12)]
    h.run(docs)
    sb.config.api_key = "rotated"
    before = sb.count()
    changed = [doc(cart(i, totalPrice="1"), line=i + 1) for i in range(12)]
    summary, status, results = h.run(changed, workers=2)
    assert status == ExitStatus.CONFIG
    assert sb.count() - before <= 2  # one per worker at most
    assert summary.counts["skipped"] >= 10
    assert all(r.action in (Action.FAILED, Action.SKIPPED) for r in results)


def test_failures_in_a_row_stop_the_run(h: Harness, sb: Sandbox) -> None:
    sb.fail_next(10_000, status=503)
    summary, status, results = h.run([doc(cart(i), line=i + 1) for i in range(10)], workers=1)
    sb._faults.clear()
    assert status == ExitStatus.TEMPORARY
    counts = summary.counts
    assert counts["failed"] == send.FAILURES_IN_A_ROW
    assert counts["skipped"] == 10 - send.FAILURES_IN_A_ROW
    assert "rerun" in (summary.stopped or "")
    # skipped carts were never sent, so nothing is pending for them
    assert sb.store.orders() == []


# --- dry run, grouping, exit status -------------------------------------------------------------------


def test_dry_run_plans_from_the_ledger_only(h: Harness, sb: Sandbox) -> None:
    h.run([doc(cart(1))])
    before = sb.count()
    docs = [
        doc(cart(1), line=1),
        doc(cart(2, customerid=None), line=2),
        doc(cart(1, totalPrice="1"), line=3),
        doc(cart(1, externalid="o-1"), line=4),
    ]
    summary, status, results = h.run(docs, dry_run=True)
    assert sb.count() == before
    assert status == ExitStatus.OK
    assert {r.action for r in results} == {Action.PLANNED}
    assert [r.planned for r in sorted(results, key=lambda r: r.origin.line)] == [
        "unchanged",
        "create",
        "update",
        "recover",
    ]
    resolved = next(r for r in results if r.origin.line == 2)
    assert any(e.path == "ecomOrder.customerid" for e in resolved.errors)
    assert sb.store.orders()[0]["totalPrice"] == "9111"


def test_group_keeps_a_cart_and_its_order_together() -> None:
    docs = [
        doc(cart(1), 1),
        doc(cart(2), 2),
        doc(cart(1, externalid="o-1"), 3),
        doc(cart(3, connectionid="2"), 4),
        doc(cart(1, connectionid="2"), 5),
        doc(cart("solo-order", externalid="o-1", externalcheckoutid=None), 6),
        doc(cart(2), 7),
    ]
    groups = dispatch.group(docs)
    lines = [[d.origin.line for d in g] for g in groups]
    assert lines == [[1, 3, 6], [2, 7], [4], [5]]


def test_exit_status() -> None:
    def summary(**counts: int) -> PushSummary:
        s = PushSummary()
        s.counts.update(counts)
        return s

    assert core.exit_status(summary(created=3, unchanged=1), None) == ExitStatus.OK
    assert core.exit_status(summary(created=3, invalid=1), None) == ExitStatus.INVALID
    assert core.exit_status(summary(created=3, rejected=1), None) == ExitStatus.INVALID
    assert core.exit_status(summary(created=3, failed=1), None) == ExitStatus.TEMPORARY
    assert core.exit_status(summary(invalid=1, skipped=1), None) == ExitStatus.TEMPORARY
    assert core.exit_status(summary(), ConfigError("403")) == ExitStatus.CONFIG


# --- concurrency and customers ------------------------------------------------------------------------


@pytest.mark.parametrize("duplicates", ["reject", "accept"])
def test_many_workers_create_each_cart_once(tmp_path: Path, duplicates: str) -> None:
    with sandbox(duplicates=duplicates, latency=0.005) as sb:
        docs = [doc(cart(i), line=i + 1) for i in range(60)]
        docs += [doc(cart(i, externalid=f"o-{i}", abandonedDate=None), line=100 + i) for i in range(0, 60, 6)]
        h = Harness(sb, tmp_path)
        try:
            _, status, results = h.run(docs, workers=16)
        finally:
            h.close()
        assert status == ExitStatus.OK
        assert records_per_checkout(sb) == {f"cart-{i:05d}": 1 for i in range(60)}
        assert sum(r.action is Action.RECOVERED for r in results) == 10
        assert len(sb.store.orders(state="3")) == 10


def test_customerid_is_resolved_and_reused(h: Harness, sb: Sandbox) -> None:
    docs = [doc(cart(i, customerid=None, email=f"user{i % 3}@example.com"), line=i + 1) for i in range(9)]
    _, status, results = h.run(docs, workers=8)
    assert status == ExitStatus.OK
    assert sb.count("GET", "/api/3/ecomCustomers") == 3
    assert sb.count("POST", "/api/3/ecomCustomers") == 3
    customers = {c["email"]: c["id"] for c in sb.store.customers()}
    for order in sb.store.orders():
        assert order["customerid"] == customers[order["email"]]
    # next run: the ledger knows the customers
    before = sb.count("GET", "/api/3/ecomCustomers") + sb.count("POST", "/api/3/ecomCustomers")
    changed = [
        doc(cart(i, customerid=None, email=f"user{i % 3}@example.com", totalPrice="1"), line=i + 1)
        for i in range(9)
    ]
    _, status, results = h.run(changed, workers=8)
    assert {r.action for r in results} == {Action.UPDATED}
    assert sb.count("GET", "/api/3/ecomCustomers") + sb.count("POST", "/api/3/ecomCustomers") == before


# --- a crash in the middle of a recovery ---------------------------------------------------------------


def test_recovery_interrupted_by_a_crash_is_finished_as_a_recovery(h: Harness, sb: Sandbox) -> None:
    _, _, first = h.run([doc(cart(1))])
    ac_id = only(first).id
    order = cart(1, externalid="order-1", abandonedDate=None)
    # kill -9 after the intent was committed, before the PUT's answer was recorded
    h.ledger.intend(Key(sb.url, "1", "order", "order-1"), ac_id, content_hash(order), "orders.ndjson:1")
    _, status, results = h.run([doc(order, source="orders.ndjson")])
    assert status == ExitStatus.OK
    assert only(results).action is Action.RECOVERED
    assert h.entry("cart-00001").recovered_to == "order-1"
    # the shop exports the old cart once more: the order must stay as it is
    before = len(sb.requests)
    _, _, again = h.run([doc(cart(1, totalPrice="5"))])
    assert only(again).action is Action.UNCHANGED
    assert len(sb.requests) == before
    (record,) = sb.store.orders()
    assert record["totalPrice"] == "9111" and record["externalid"] == "order-1"
